/* Where SMB named pipes meet DCE/RPC, and the only place: the SMB handlers
 * hand over the bytes written to and read from a pipe (SMB2 WRITE / READ,
 * IOCTL FSCTL_PIPE_TRANSCEIVE; SMB1 WRITE_ANDX / READ_ANDX, TRANSACTION
 * TransactNmPipe), each pipe gets its own DCE/RPC parser (created at its
 * first write, charged to the SMB memcap), and the calls it reports are
 * decoded by interface (svcctl today) into SMB facts. */
#ifndef PW_SMB_RPC_H
#define PW_SMB_RPC_H

#include <stddef.h>
#include <stdint.h>

#include "smb_state.h"

/* Bytes the client wrote to pipe fe; missing: bytes of the write that were
 * not delivered (a message whose tail the framer skipped). */
void smb_rpc_write(smb_conn *c, smb_file *fe, const smb_pipe_io *io, const uint8_t *data, size_t len,
                   size_t missing);
/* Bytes the server returned from pipe fe (READ data, IOCTL output, TRANSACTION data). */
void smb_rpc_read(smb_conn *c, smb_file *fe, const uint8_t *data, size_t len, size_t missing);
/* A read request on fe whose response will not name the file: remembered
 * when fe carries DCE/RPC (the oldest waiting read gives way). */
void smb_rpc_read_request(smb_conn *c, const smb_file *fe, uint8_t version, uint64_t message_id, uint32_t pid);
/* The pipe a read response answers (NULL when none waits for it); the
 * waiting entry is dropped. */
smb_file *smb_rpc_read_response(smb_conn *c, uint8_t version, uint64_t message_id, uint32_t pid);
/* True when fe has a DCE/RPC parser that is reading it. */
bool smb_rpc_active(const smb_file *fe);
/* The pipe is being closed: its calls in flight end now. */
void smb_rpc_close(smb_conn *c, smb_file *fe);
/* End of the connection: every pipe's calls in flight end. */
void smb_rpc_flush(smb_conn *c);

#endif
