/* The pipeline wires the stages for one worker: decode -> flow table -> TCP
 * reassembly -> SMB parser -> Windows events -> Sigma -> EVE records.
 * One pipeline is single-threaded; workers each own one. */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../detect/sigma.h"
#include "eve.h"
#include "json.h"
#include "options.h"

typedef struct pipeline pipeline;

/* Everything a run counts; summed over workers for the final stats. */
typedef struct pw_counters {
    uint64_t packets, bytes;
    uint64_t kernel_packets, kernel_drops, kernel_ifdrops; /* live capture (pcap_stats) */
    uint64_t decode_not_ip, decode_truncated, decode_malformed, decode_unsupported;
    uint64_t frags_reassembled, frags_dropped, ipv6_frags;
    uint64_t flows, flows_smb, flows_timed_out, flows_evicted, flow_memcap_drops, flows_midstream;
    uint64_t tcp_segments, tcp_out_of_order, tcp_retransmitted, tcp_overlaps, tcp_gaps, tcp_gap_bytes,
        stream_memcap_drops;
    uint64_t smb_sessions, smb_ntlm_sessions, smb_kerberos_sessions, smb_encrypted_msgs, smb_compressed_msgs,
        smb_encrypted_flows, smb_resyncs, smb_malformed, smb_limit_drops, smb_orphan_responses, smb_memcap_drops,
        smb_pdu_memcap_drops, smb_auth_unrecognised,
        smb_memcap_evictions, smb_servers_named, smb_server_renames, smb_server_evictions,
        kdc_tickets, kdc_ticket_evictions, kdc_identities;
    uint64_t smb_by_dialect[7]; /* unknown, SMB1, 2.02, 2.10, 3.00, 3.02, 3.11 */
    uint64_t events_smb, events_5145, events_5140, events_flow, alerts;
    uint64_t rule_matches_max_exceeded;
    uint64_t rule_regex_limit; /* regex matches stopped by PCRE2's match limit */
} pw_counters;

/* A callback for each alert, for summaries (may be NULL). */
typedef void (*pipeline_alert_fn)(void *ctx, const sigma_rule *r, const char *share, const char *name,
                                  const char *client_ip);
/* A callback for each SMB fact, for summaries (may be NULL). */
typedef void (*pipeline_fact_fn)(void *ctx, const smb_fact *f, const char *client_ip);

pipeline *pipeline_new(const pw_options *o, const sigma_ruleset *rules, eve_output *out);
void pipeline_free(pipeline *p);
void pipeline_set_observer(pipeline *p, pipeline_fact_fn on_fact, pipeline_alert_fn on_alert, void *ctx);

/* One captured frame. Returns false when output failed (stop reading). */
bool pipeline_packet(pipeline *p, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen);
/* The next packet is number n of the input (its pcap_cnt), for a worker that
 * sees only some of the packets; by default a pipeline numbers what it sees. */
void pipeline_number_next(pipeline *p, uint64_t n);
/* Time passes without packets (live capture on a quiet link). */
void pipeline_tick(pipeline *p, uint64_t now_usec);
/* End of input: every flow is flushed (their pending events written). */
void pipeline_finish(pipeline *p);
/* Time of the newest packet seen. */
uint64_t pipeline_now(const pipeline *p);
/* Time of the first packet seen (0 before any). */
uint64_t pipeline_first_ts(const pipeline *p);
/* Adds this pipeline's counters to c. */
void pipeline_counters(const pipeline *p, pw_counters *c);
/* Writes a "stats" EVE record of counters c at time ts. */
void pipeline_write_stats(eve_output *out, const pw_counters *c, uint64_t ts_usec, uint64_t uptime_usec);
/* The run's one Sigma correlation engine (NULL: none), shared by every
 * pipeline: each match of a rule a correlation names is fed to it, and it
 * is told the time once a second. Set before the pipelines start. */
void pipeline_set_correlator(sigma_corr *c);
/* The run's one incident stage (NULL: none), shared by every pipeline the
 * same way: facts, events, alerts and admin-share write bytes go to it. */
struct incident_stage;
void pipeline_set_incidents(struct incident_stage *s);
/* End of input for every pipeline: the correlations' open windows are
 * evaluated and the open incidents reported, before the last stats record. */
void pipeline_finish_shared(void);
/* Adds members of the caller's own (the run's summary tables) to every stats record. */
void pipeline_set_stats_extra(void (*fn)(jbuf *j, void *ctx), void *ctx);

#endif
