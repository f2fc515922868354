/* Records: what the sensor writes, as plain data for the layouts (layout.h):
 * the record types, the header every record of a flow starts with, and
 * what flow and stats records are made of. */
#ifndef PW_RECORD_H
#define PW_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../detect/incident.h"
#include "../detect/sigma.h"
#include "../detect/winevent.h"
#include "../protocols/smb_conn.h"
#include "../protocols/smb_facts.h"
#include "counters.h"
#include "json.h"

/* The record types, once: X(kind, name). The name is the EVE event_type and
 * what --types and outputs.eve-log.types take. */
#define PW_RECORD_KINDS(X) X(REC_SMB, "smb") X(REC_WINLOG, "winlog") X(REC_ALERT, "alert") X(REC_FLOW, "flow") X(REC_STATS, "stats") X(REC_INCIDENT, "incident")

typedef enum rec_kind {
#define PW_KIND_ENUM(k, name) k,
    PW_RECORD_KINDS(PW_KIND_ENUM)
#undef PW_KIND_ENUM
        REC_KINDS
} rec_kind;

const char *rec_kind_name(rec_kind k);
/* The kind of that name; false when there is none. */
bool rec_kind_parse(const char *name, rec_kind *out);
/* "smb, winlog, alert, flow, stats": for messages. */
const char *rec_kind_names(void);

/* What every record of a flow starts with. */
typedef struct rec_hdr {
    uint64_t ts_usec;
    uint64_t flow_id;  /* 0: omitted */
    uint64_t pcap_cnt; /* 0: omitted */
    const char *src_ip, *dest_ip; /* NULL: omitted with the ports */
    uint16_t src_port, dest_port;
    const char *proto; /* "TCP" */
    uint16_t vlan_id;  /* 0: omitted */
} rec_hdr;

/* A flow that ended, as the client and server saw it. */
typedef struct flow_rec {
    const char *app_proto; /* "smb", "smb (memcap: evicted)" …; NULL: omitted */
    uint64_t pkts_toserver, pkts_toclient, bytes_toserver, bytes_toclient;
    uint64_t start_usec, end_usec;
    const char *state; /* "closed", "established"; NULL (UDP): omitted */
    const char *reason;
    bool alerted, midstream;
    const char *app_name;          /* nDPI's name of the protocol */
    const smb_conn_stats *smb;     /* NULL: the flow had no SMB state */
    const char *smb_dialect;
} flow_rec;

/* The counters of the run so far. */
typedef struct stats_rec {
    const pw_counters *c;
    uint64_t uptime_usec;
    /* Records an output that could not be reopened after SIGHUP did not
     * write, and the reopens that failed: shown when either is not 0. */
    uint64_t unwritten_records, reopen_failures;
    void (*extra)(jbuf *j, void *ctx); /* more members of the stats object (the summary's tables); may be NULL */
    void *extra_ctx;
} stats_rec;

/* The smb (or dcerpc) member of a fact, as text: the records of one fact
 * (its smb record, its winlog records, their alerts) all carry the same
 * one, so the first that writes it keeps it here and the others copy it
 * (eve_smb_member). The pipeline empties it before each fact's records,
 * and passes none for a fact without events: its smb record is alone. */
#define REC_MEMO_MAX 4096
typedef struct rec_memo {
    bool valid;
    size_t len;
    char text[REC_MEMO_MAX];
} rec_memo;

/* One record: its kind, its header and what it is made of. */
typedef struct pw_record {
    rec_kind kind;
    rec_hdr hdr;
    const smb_fact *fact; /* smb, winlog, alert */
    uint64_t tx_id;       /* the fact's number in its flow */
    const win_event *ev;  /* winlog, alert */
    const sigma_rule *rule; /* alert */
    const flow_rec *flow;   /* flow */
    const stats_rec *stats; /* stats */
    /* An alert of a Sigma correlation (no fact, no event): what it counted,
     * and the ruleset that names the rules of the events it counted. */
    const sigma_corr_alert *corr;
    const sigma_ruleset *corr_rules;
    /* An incident (kind incident), or the alert raised for one (kind alert:
     * no fact, no event, no rule); its header is the run's (client, server,
     * the ports of its first flow, the time of its last observation). */
    const incident *incident;
    rec_memo *smb_memo; /* NULL: the smb member is written anew */
} pw_record;

/* Text of an address of 4 or 16 bytes (ipver 4 or 6), for rec_hdr. */
void rec_format_ip(uint8_t ipver, const uint8_t *addr, char *out, size_t n);

#endif
