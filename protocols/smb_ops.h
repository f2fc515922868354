/* The operations SMB1 and SMB2 share, handled once, whatever the version:
 * each version's handler parses its own wire format into an smb_op (and the
 * few values the operation needs) and hands it here, where the tables are
 * updated and the fact is made. */
#ifndef PW_SMB_OPS_H
#define PW_SMB_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smb_state.h"

/* One final response, as both versions have it. */
typedef struct smb_op {
    uint8_t version; /* 1 or 2 */
    uint16_t command;
    uint64_t message_id; /* SMB2 MessageId; SMB1 MID */
    uint64_t session_id; /* SMB2 SessionId; SMB1 UID */
    uint32_t tree_id;    /* SMB2 TreeId; SMB1 TID */
    uint32_t status;
} smb_op;

/* TREE_CONNECT answered; type: the share type the response gave (UNKNOWN
 * when it gave none or failed). */
void smb_op_tree_connect(smb_conn *c, const smb_op *op, const smb_pending *p, smb_share_type type);
/* CREATE answered; fid (NULL when the response did not give one) and action
 * from a successful response. Returns whether the file was recorded. */
bool smb_op_create(smb_conn *c, const smb_op *op, const smb_pending *p, const uint8_t *fid, uint32_t action);
/* WRITE request bytes for file fe at file offset `offset` (what the message
 * holds, and how many bytes of the write it lost): a file of an
 * administrative share hands them to the write hook, whatever the SMB
 * version. Returns false when fe is not on such a share (a pipe's bytes go
 * to its parser instead). */
bool smb_op_admin_write(smb_conn *c, const smb_file *fe, uint64_t offset, const uint8_t *data, size_t len,
                        size_t missing);
/* CLOSE, TREE_DISCONNECT, LOGOFF answered. */
void smb_op_close(smb_conn *c, const smb_op *op, const smb_pending *p);
void smb_op_tree_disconnect(smb_conn *c, const smb_op *op, const smb_pending *p);
void smb_op_logoff(smb_conn *c, const smb_op *op, const smb_pending *p);
/* A request that never got its answer (end of the connection): the fact of
 * a TREE_CONNECT or CREATE, flushed; other requests give none. */
void smb_op_unanswered(smb_conn *c, const smb_pending *p);

#endif
