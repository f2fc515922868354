/* The types an SMB connection is configured and observed with: shared by
 * the public interface (smb_conn.h) and the parts of the parser below it
 * (smb_state, smb1, smb2), which must not include the entry point that
 * calls them. */
#ifndef PW_SMB_TYPES_H
#define PW_SMB_TYPES_H

#include <stddef.h>
#include <stdint.h>

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
    uint64_t limit_drops;       /* sessions/trees/files/pending entries not tracked: limits, or the
                                   shared budget spent for their name slots */
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

/* Called when a charge to the shared budget would pass its cap: the owner
 * may free other connections' state to make room for need more bytes. */
typedef void (*smb_reclaim_fn)(void *ctx, size_t need);

#endif
