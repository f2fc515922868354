/* Everything a run counts, from one table: the pw_counters struct, the sum
 * over workers and the counters' part of the stats record are generated from
 * PW_COUNTERS below, so a new counter is one row.
 *
 * A row: S(member, section, key, how, shown) for one counter, or
 * A(member, n, section, keys, how, shown) for n counters whose JSON keys are
 * the strings keys[0..n-1]. section is the JSON object the counter is written
 * in, inside "stats" ("smb.flows_by_dialect" nests); rows of one section are
 * consecutive, in the order they are written. how: PW_SUM (workers add up) or
 * PW_MAX (the largest); shown: PW_ALWAYS, or PW_NONZERO (left out while 0; a
 * section whose rows are all left out is not written). */
#ifndef PW_COUNTERS_H
#define PW_COUNTERS_H

#include <stdint.h>

#include "json.h"

/* Windows events counted by id: X(id), in the order of the stats record;
 * every event of the families (detect/winevent_families.c) that is written
 * as a winlog record (test_counters checks none is missing). */
#define PW_WINLOG_IDS(X) X(5145) X(5140) X(7045) X(4697) X(7040) X(4698)

/* SMB dialects of finished SMB flows: X(dialect, JSON key, summary name). */
#define PW_SMB_DIALECTS(X)                                                                                     \
    X(0x0000, "unknown", "unknown")                                                                            \
    X(0x0001, "NT LM 0.12", "SMB1")                                                                            \
    X(0x0202, "2.02", "2.02")                                                                                  \
    X(0x0210, "2.10", "2.10")                                                                                  \
    X(0x0300, "3.00", "3.00")                                                                                  \
    X(0x0302, "3.02", "3.02")                                                                                  \
    X(0x0311, "3.11", "3.11")

enum pw_how { PW_SUM, PW_MAX };
enum pw_shown { PW_ALWAYS, PW_NONZERO };

#define PW_ONE(...) +1
enum { PW_N_WINLOG_IDS = 0 PW_WINLOG_IDS(PW_ONE), PW_N_DIALECTS = 0 PW_SMB_DIALECTS(PW_ONE) };
#undef PW_ONE

extern const char *const pw_winlog_keys[PW_N_WINLOG_IDS]; /* "winlog_5145", ... */
extern const char *const pw_dialect_keys[PW_N_DIALECTS];  /* "NT LM 0.12", ... */
extern const char *const pw_dialect_names[PW_N_DIALECTS]; /* "SMB1", ... */

#define PW_COUNTERS(S, A)                                                                                      \
    S(packets, "capture", "packets", PW_SUM, PW_ALWAYS)                                                        \
    S(bytes, "capture", "bytes", PW_SUM, PW_ALWAYS)                                                            \
    S(kernel_packets, "capture", "kernel_packets", PW_SUM, PW_ALWAYS)                                          \
    S(kernel_drops, "capture", "kernel_drops", PW_SUM, PW_ALWAYS)                                              \
    S(kernel_ifdrops, "capture", "kernel_ifdrops", PW_SUM, PW_ALWAYS)                                          \
    S(decode_not_ip, "decoder", "not_ip", PW_SUM, PW_ALWAYS)                                                   \
    S(decode_truncated, "decoder", "truncated", PW_SUM, PW_ALWAYS)                                             \
    S(decode_malformed, "decoder", "malformed", PW_SUM, PW_ALWAYS)                                             \
    S(decode_unsupported, "decoder", "unsupported_linktype", PW_SUM, PW_ALWAYS)                                \
    S(frags_reassembled, "decoder", "ipv4_frags_reassembled", PW_SUM, PW_ALWAYS)                               \
    S(frags_dropped, "decoder", "ipv4_frags_dropped", PW_SUM, PW_ALWAYS)                                       \
    S(ipv6_frags, "decoder", "ipv6_frags_skipped", PW_SUM, PW_ALWAYS)                                          \
    S(flows, "flow", "total", PW_SUM, PW_ALWAYS)                                                               \
    S(flows_smb, "flow", "smb", PW_SUM, PW_ALWAYS)                                                             \
    S(flows_midstream, "flow", "midstream", PW_SUM, PW_ALWAYS)                                                 \
    S(flows_timed_out, "flow", "timed_out", PW_SUM, PW_ALWAYS)                                                 \
    S(flows_evicted, "flow", "evicted", PW_SUM, PW_ALWAYS)                                                     \
    S(flow_memcap_drops, "flow", "memcap_drops", PW_SUM, PW_ALWAYS)                                            \
    S(tcp_segments, "tcp", "segments", PW_SUM, PW_ALWAYS)                                                      \
    S(tcp_out_of_order, "tcp", "out_of_order", PW_SUM, PW_ALWAYS)                                              \
    S(tcp_retransmitted, "tcp", "retransmitted", PW_SUM, PW_ALWAYS)                                            \
    S(tcp_overlaps, "tcp", "overlaps", PW_SUM, PW_ALWAYS)                                                      \
    S(tcp_gaps, "tcp", "gaps", PW_SUM, PW_ALWAYS)                                                              \
    S(tcp_gap_bytes, "tcp", "gap_bytes", PW_SUM, PW_ALWAYS)                                                    \
    S(stream_memcap_drops, "tcp", "reassembly_memcap_drops", PW_SUM, PW_ALWAYS)                                \
    S(smb_sessions, "smb", "sessions", PW_SUM, PW_ALWAYS)                                                      \
    S(smb_ntlm_sessions, "smb", "ntlmssp_sessions", PW_SUM, PW_ALWAYS)                                         \
    S(smb_kerberos_sessions, "smb", "kerberos_sessions", PW_SUM, PW_ALWAYS)                                    \
    S(smb_auth_unrecognised, "smb", "auth_unrecognised", PW_SUM, PW_ALWAYS)                                    \
    S(smb_encrypted_flows, "smb", "encrypted_flows", PW_SUM, PW_ALWAYS)                                        \
    S(smb_encrypted_msgs, "smb", "encrypted_messages", PW_SUM, PW_ALWAYS)                                      \
    S(smb_compressed_msgs, "smb", "compressed_messages", PW_SUM, PW_ALWAYS)                                    \
    S(smb_resyncs, "smb", "resyncs", PW_SUM, PW_ALWAYS)                                                        \
    S(smb_malformed, "smb", "malformed", PW_SUM, PW_ALWAYS)                                                    \
    S(smb_orphan_responses, "smb", "orphan_responses", PW_SUM, PW_ALWAYS)                                      \
    S(smb_limit_drops, "smb", "state_limit_drops", PW_SUM, PW_ALWAYS)                                          \
    S(smb_memcap_drops, "smb", "memcap_drops", PW_SUM, PW_ALWAYS)                                              \
    S(smb_memcap_evictions, "smb", "memcap_evictions", PW_SUM, PW_ALWAYS)                                      \
    S(smb_servers_named, "smb", "servers_named", PW_SUM, PW_ALWAYS)                                            \
    S(smb_server_renames, "smb", "server_renames", PW_SUM, PW_ALWAYS)                                          \
    S(smb_server_evictions, "smb", "server_name_evictions", PW_SUM, PW_ALWAYS)                                 \
    S(kdc_tickets, "smb", "kdc_tickets", PW_SUM, PW_ALWAYS)                                                    \
    S(kdc_ticket_evictions, "smb", "kdc_ticket_evictions", PW_SUM, PW_ALWAYS)                                  \
    S(kdc_identities, "smb", "kdc_identities", PW_SUM, PW_ALWAYS)                                              \
    S(smb_shares_learnt, "smb", "shares_named", PW_SUM, PW_NONZERO)                                            \
    S(smb_share_evictions, "smb", "share_name_evictions", PW_SUM, PW_NONZERO)                                  \
    S(smb_pdu_memcap_drops, "smb", "pdu_memcap_drops", PW_SUM, PW_ALWAYS)                                      \
    S(smb_rpc_memcap_drops, "smb", "rpc_memcap_drops", PW_SUM, PW_NONZERO)                                     \
    A(smb_by_dialect, PW_N_DIALECTS, "smb.flows_by_dialect", pw_dialect_keys, PW_SUM, PW_ALWAYS)               \
    S(rpc_flows, "dcerpc", "flows", PW_SUM, PW_NONZERO)                                                        \
    S(rpc_flows_port135, "dcerpc", "flows_endpoint_mapper", PW_SUM, PW_NONZERO)                                \
    S(rpc_flows_learned, "dcerpc", "flows_learned_endpoint", PW_SUM, PW_NONZERO)                               \
    S(rpc_flows_probed, "dcerpc", "flows_probed", PW_SUM, PW_NONZERO)                                          \
    S(rpc_calls, "dcerpc", "calls", PW_SUM, PW_NONZERO)                                                        \
    S(rpc_answered_calls, "dcerpc", "answered_calls", PW_SUM, PW_NONZERO)                                      \
    S(rpc_sealed_calls, "dcerpc", "sealed_calls", PW_SUM, PW_NONZERO)                                          \
    S(rpc_broken_calls, "dcerpc", "broken_calls", PW_SUM, PW_NONZERO)                                          \
    S(rpc_bad_headers, "dcerpc", "bad_headers", PW_SUM, PW_NONZERO)                                            \
    S(rpc_malformed, "dcerpc", "malformed", PW_SUM, PW_NONZERO)                                                \
    S(rpc_memcap_drops, "dcerpc", "memcap_drops", PW_SUM, PW_NONZERO)                                          \
    S(rpc_endpoints_learned, "dcerpc", "endpoints_learned", PW_SUM, PW_NONZERO)                                \
    S(rpc_endpoint_evictions, "dcerpc", "endpoint_evictions", PW_SUM, PW_NONZERO)                              \
    S(events_smb, "events", "smb", PW_SUM, PW_ALWAYS)                                                          \
    A(events_winlog, PW_N_WINLOG_IDS, "events", pw_winlog_keys, PW_SUM, PW_ALWAYS)                             \
    S(events_flow, "events", "flow", PW_SUM, PW_ALWAYS)                                                        \
    S(alerts, "events", "alerts", PW_SUM, PW_ALWAYS)                                                           \
    S(correlation_alerts, "events", "correlation_alerts", PW_SUM, PW_NONZERO)                                  \
    S(rule_matches_max_exceeded, "events", "alerts_over_match_limit", PW_SUM, PW_ALWAYS)                       \
    S(rule_regex_limit, "events", "rule_regex_limit", PW_SUM, PW_ALWAYS)                                       \
    S(records_truncated, "events", "truncated_records", PW_SUM, PW_NONZERO)                                    \
    S(output_dropped, "events", "output_dropped", PW_SUM, PW_NONZERO)

typedef struct pw_counters {
#define PW_SCALAR(m, ...) uint64_t m;
#define PW_ARRAY(m, n, ...) uint64_t m[n];
    PW_COUNTERS(PW_SCALAR, PW_ARRAY)
#undef PW_SCALAR
#undef PW_ARRAY
} pw_counters;

/* dst += src, row by row as the table says (sum or maximum). */
void pw_counters_add(pw_counters *dst, const pw_counters *src);
/* The counters as members of the current object: one object per section. */
void pw_counters_json(jbuf *j, const pw_counters *c);

/* The slot of a Windows event id in events_winlog, -1 when it is not counted. */
int pw_winlog_slot(unsigned event_id);
/* The count of one event id (0 for ids not counted). */
uint64_t pw_winlog_count(const pw_counters *c, unsigned event_id);
/* The slot of a dialect in smb_by_dialect (0, "unknown", for any other). */
int pw_dialect_slot(uint16_t dialect);

#endif
