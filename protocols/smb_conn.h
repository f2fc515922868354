/* Per-connection SMB state machine: NBSS framing, SMB1 and SMB2/3 headers,
 * request/response pairing, sessions, trees and open files.
 *
 * Input is the in-order byte stream of each direction of one TCP connection
 * (dir 0 and 1, as the flow layer numbers them: which one is the client is
 * learned from the SMB request/response flag, not assumed). Holes in the
 * stream are announced with smb_conn_gap(); the parser then resynchronises on
 * the next plausible NBSS+SMB header. All state is bounded by smb_limits:
 * what does not fit is counted in smb_conn_stats, never grown. */
#ifndef PW_SMB_CONN_H
#define PW_SMB_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "smb_facts.h"
#include "smb_types.h"

void smb_limits_default(smb_limits *l);

/* Allocates the whole state of one connection at once (no allocation later,
 * except the PDU reassembly buffer, bounded by max_pdu_buffer per direction).
 * Returns NULL when out of memory. */
smb_conn *smb_conn_new(const smb_limits *l, smb_sink sink);
void smb_conn_free(smb_conn *c);
/* Charges the PDU reassembly buffers of both directions and the DCE/RPC
 * parsers of the pipes to *used, never past cap (the sensor's SMB memcap,
 * shared by all connections). */
void smb_conn_set_budget(smb_conn *c, size_t *used, size_t cap);
/* Hands the bytes of each WRITE to an administrative-share file to fn (with
 * the sink's ctx) as they pass; NULL stops it. */
void smb_conn_set_write_hook(smb_conn *c, smb_write_fn fn);
/* The name slots of trees, files and pending requests are charged to the same
 * budget as they are first written; when one does not fit, fn(ctx, need) is
 * called once so the owner can free other connections' state, and the entry
 * is dropped (limit_drops) if there is still no room. Set both before the
 * first byte. */
void smb_conn_set_reclaim(smb_conn *c, smb_reclaim_fn fn, void *ctx);

/* In-order bytes of direction dir (0 or 1). */
void smb_conn_data(smb_conn *c, int dir, const uint8_t *data, size_t len);
/* len bytes of direction dir were lost: the parser drops the partial PDU and resyncs. */
void smb_conn_gap(smb_conn *c, int dir, uint64_t len);
/* End of the connection: facts for requests that never got their response. */
void smb_conn_flush(smb_conn *c);

const smb_conn_stats *smb_conn_get_stats(const smb_conn *c);
/* Resident bytes one connection costs when it starts at these limits (for
 * the sensor's SMB memcap); its name slots are charged later, as written. */
size_t smb_conn_footprint(const smb_limits *l);
/* What one connection costs with every table entry and name slot in use
 * (without its message and DCE/RPC buffers): a memcap below it cannot hold
 * one connection at its limits. */
size_t smb_conn_full_cost(const smb_limits *l);
/* The dialect negotiated (or inferred from traffic), 0 if unknown. */
uint16_t smb_conn_dialect(const smb_conn *c);

/* True when data (the first bytes of one direction) looks like the start of
 * an NBSS message carrying SMB1/SMB2/SMB3, or an NBSS session request:
 * the protocol probe for ports other than 445 and 139. */
int smb_probe(const uint8_t *data, size_t len);

/* Names for output. */
const char *smb2_command_name(uint16_t cmd); /* "SMB2_COMMAND_CREATE" */
const char *smb1_command_name(uint8_t cmd);  /* "SMB1_COMMAND_NT_CREATE_ANDX" */
const char *smb_status_name(uint32_t status); /* "STATUS_SUCCESS"; NULL when not in the table */
const char *smb_dialect_name(uint16_t dialect); /* "2.02" "2.10" "3.00" "3.02" "3.11" "NT LM 0.12" */
const char *smb_disposition_name(uint32_t disp); /* "FILE_OPEN" … */

#endif
