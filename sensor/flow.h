/* The flow table: one entry per TCP/UDP 5-tuple, both directions in one
 * flow, bounded by a memcap (a fixed number of entries, reserved at start and
 * paid for as flows arrive),
 * idle timeouts, and a deterministic flow_id. */
#ifndef PW_FLOW_H
#define PW_FLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "decode.h"
#include "stream.h"

typedef struct flow {
    /* Direction 0 is the initiator as first seen: the SYN sender, or the
     * sender of the first packet of a midstream flow. */
    uint8_t ipver, proto;
    uint8_t addr[2][16]; /* addr[0] sent direction 0 */
    uint16_t port[2];
    uint16_t vlan_id;
    uint64_t flow_id;    /* hash of the 5-tuple and the first timestamp: stable per capture */
    uint64_t first_ts, last_ts;
    uint64_t pkts[2], bytes[2];
    bool midstream;      /* no SYN seen at the start */
    tcp_stream tcp;      /* reassembly state of both directions (TCP only) */
    void *app;           /* owned by the pipeline (SMB state, nDPI state …) */
    uint32_t app_flags;  /* free for the pipeline */
} flow;

typedef struct flow_config {
    uint32_t max_flows;          /* entries reserved at start (memcap / 1 KiB) */
    uint64_t tcp_timeout_usec;   /* idle timeout of an established TCP flow */
    uint64_t tcp_closed_timeout_usec; /* after FIN/RST both ways */
    uint64_t udp_timeout_usec;
    uint64_t emergency_timeout_usec;  /* a flow evicted from a full table before this idle time
                                       * counts in memcap_drops */
} flow_config;

typedef struct flow_stats {
    /* evicted: flows pushed out of a full table; memcap_drops: those of them
     * that were still active, plus flows that could not be created at all */
    uint64_t created, timed_out, closed, evicted, memcap_drops, active, peak_active;
} flow_stats;

typedef struct flow_table flow_table;

/* Called when a flow leaves the table (timeout, close, eviction, flush):
 * the pipeline flushes and frees what it hung on f->app. */
typedef void (*flow_release_fn)(void *ctx, flow *f);

void flow_config_default(flow_config *c);
flow_table *flow_table_new(const flow_config *c, flow_release_fn release, void *ctx);
/* Bytes a table of max_flows takes when every entry is in use (an empty
 * table costs almost nothing: its memory is taken as flows arrive). */
uint64_t flow_table_bytes(uint32_t max_flows);
void flow_table_free(flow_table *t); /* releases every flow first */

/* Finds or creates the flow of p. *dir is set to the direction of p (0/1).
 * A full table makes room by eviction (see flow.c). NULL for packets that
 * are not TCP or UDP, and when no entry could be freed (which eviction
 * leaves only as a guard; counted in memcap_drops). */
flow *flow_lookup(flow_table *t, const decoded_pkt *p, int *dir);
/* Times out idle flows; call with packet time (offline) or wall time (live). */
void flow_table_expire(flow_table *t, uint64_t now_usec);
/* Releases every flow in order of creation (end of a capture). */
void flow_table_flush(flow_table *t);
const flow_stats *flow_table_stats(const flow_table *t);

#endif
