/* SMB2/3 message layout (MS-SMB2 2.2): the 64-byte header and the commands
 * pipewatch turns into facts. The per-connection handling lives in smb2.c
 * (smb2_handle). */
#ifndef PW_SMB2_H
#define PW_SMB2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smb_types.h"

#define SMB2_HEADER_SIZE 64

#define SMB2_FLAGS_SERVER_TO_REDIR 0x00000001u
#define SMB2_FLAGS_ASYNC_COMMAND 0x00000002u
#define SMB2_FLAGS_RELATED_OPERATIONS 0x00000004u

enum {
    SMB2_NEGOTIATE = 0x0000,
    SMB2_SESSION_SETUP = 0x0001,
    SMB2_LOGOFF = 0x0002,
    SMB2_TREE_CONNECT = 0x0003,
    SMB2_TREE_DISCONNECT = 0x0004,
    SMB2_CREATE = 0x0005,
    SMB2_CLOSE = 0x0006,
    SMB2_READ = 0x0008,
    SMB2_WRITE = 0x0009,
    SMB2_IOCTL = 0x000B,
};

#define SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT 0x0004

typedef struct smb2_hdr {
    uint16_t credit_charge;
    uint32_t status;
    uint16_t command;
    uint16_t credits;
    uint32_t flags;
    uint32_t next_command;
    uint64_t message_id;
    uint64_t async_id; /* ASYNC flag set */
    uint32_t tree_id;  /* ASYNC flag clear */
    uint64_t session_id;
} smb2_hdr;

/* Parses the header at the start of msg (len bytes). 0 when it is not an SMB2 header. */
int smb2_parse_header(const uint8_t *msg, size_t len, smb2_hdr *h);

/* The length of the compound element starting at off inside a message of
 * avail bytes whose header says next_command: the whole rest when it is the
 * last one. Returns 0 and sets *last when the chain must stop because
 * NextCommand does not move forward, is not 8-byte aligned or leaves the
 * message. */
size_t smb2_chain_step(size_t off, size_t avail, uint32_t next_command, bool *last);

/* UTF-16LE string at [off, off+len) of msg (offsets from the SMB2 header)
 * into out; false when it lies outside msg. */
bool smb2_string(const uint8_t *msg, size_t msg_len, uint32_t off, uint32_t len, char *out, size_t outcap);

/* One SMB2/3 message (avail bytes from its signature) of connection c. */
void smb2_handle(smb_conn *c, const uint8_t *pdu, size_t avail);

#endif
