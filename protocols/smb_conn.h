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

typedef struct smb_limits {
    uint32_t max_sessions;   /* sessions tracked per connection (default 8) */
    uint32_t max_trees;      /* tree connects tracked per connection (default 32) */
    uint32_t max_files;      /* open files tracked per connection (default 64) */
    uint32_t max_pending;    /* requests awaiting a response (default 64) */
    uint32_t max_pdu_buffer; /* bytes of one PDU kept when it spans segments (default 65536);
                                the rest of a longer PDU (READ/WRITE data) is skipped */
    uint32_t max_rpc_buffer; /* bytes of one DCE/RPC call's stub per direction on a pipe (default 262144) */
} smb_limits;

typedef struct smb_conn_stats {
    uint64_t pdus[2];           /* NBSS messages seen per direction */
    uint64_t smb1_msgs, smb2_msgs;
    uint64_t encrypted_msgs;    /* SMB3 TRANSFORM (0xFD 'S' 'M' 'B') */
    uint64_t compressed_msgs;   /* SMB3 COMPRESSION_TRANSFORM (0xFC 'S' 'M' 'B') */
    uint64_t gaps;              /* gaps announced by the stream layer */
    uint64_t resyncs;           /* times the parser found a header again after a gap/garbage */
    uint64_t bytes_skipped;     /* bytes passed over without parsing (payloads, garbage) */
    uint64_t malformed;         /* PDUs that failed to parse */
    uint64_t orphan_responses;  /* responses whose request was not seen */
    uint64_t limit_drops;       /* sessions/trees/files/pending entries not tracked: limits */
    uint64_t auth_unrecognised; /* SESSION_SETUP blobs neither NTLMSSP, Kerberos nor SPNEGO */
    uint64_t pdu_memcap_drops;  /* messages not buffered: the shared budget was spent */
    uint64_t facts;             /* facts emitted */
    uint64_t rpc_calls;         /* DCE/RPC calls seen on pipes */
    uint64_t rpc_answered_calls; /* of those, with their response or fault */
    uint64_t rpc_broken_calls;  /* of those, cut by a limit or a loss: not decoded */
    uint64_t rpc_encrypted_calls; /* of those, sealed (packet privacy) */
    uint64_t rpc_memcap_drops;  /* pipes not parsed or buffers refused: the shared budget was spent */
} smb_conn_stats;

typedef struct smb_conn smb_conn;

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

/* In-order bytes of direction dir (0 or 1). */
void smb_conn_data(smb_conn *c, int dir, const uint8_t *data, size_t len);
/* len bytes of direction dir were lost: the parser drops the partial PDU and resyncs. */
void smb_conn_gap(smb_conn *c, int dir, uint64_t len);
/* End of the connection: facts for requests that never got their response. */
void smb_conn_flush(smb_conn *c);

const smb_conn_stats *smb_conn_get_stats(const smb_conn *c);
/* Resident bytes one connection costs at these limits (for the sensor's SMB memcap). */
size_t smb_conn_footprint(const smb_limits *l);
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
