/* SMB1 (MS-CIFS, MS-SMB): header, AndX chains and the commands that carry
 * the facts: NEGOTIATE, SESSION_SETUP_ANDX, TREE_CONNECT_ANDX, the opens
 * (NT_CREATE_ANDX, and the legacy OPEN_ANDX, OPEN, CREATE, CREATE_NEW and
 * TRANS2_OPEN2), CLOSE, TREE_DISCONNECT, LOGOFF_ANDX; pipe bytes
 * (WRITE_ANDX, WRITE, READ_ANDX, TRANSACTION TransactNmPipe) go to
 * smb_rpc, admin-share file bytes (WRITE_ANDX, WRITE) to the write hook.
 * Strings are Unicode or OEM as FLAGS2 says, in every name.
 * The per-connection handling is smb1_handle. */
#ifndef PW_SMB1_H
#define PW_SMB1_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "smb1_cmds.h"
#include "smb_types.h"

#define SMB1_HEADER_SIZE 32
#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_UNICODE 0x8000

/* At most this many commands are followed along one AndX chain. */
#define SMB1_MAX_ANDX 8

typedef struct smb1_hdr {
    uint8_t command;
    uint32_t status;
    uint8_t flags;
    uint16_t flags2;
    uint16_t tid, pid, uid, mid;
} smb1_hdr;

/* 0 when msg does not start with a whole SMB1 header. */
int smb1_parse_header(const uint8_t *msg, size_t len, smb1_hdr *h);

/* True for the commands whose parameters start with an AndX block. */
bool smb1_is_andx(uint8_t cmd);

/* A NUL-terminated SMB_STRING at off inside msg (offsets from the SMB
 * header): Unicode strings start on an even offset (one pad byte when odd).
 * *next gets the offset after the terminator (or the end of msg). Returns
 * false when off is outside msg. */
bool smb1_string(const uint8_t *msg, size_t len, size_t off, bool unicode, char *out, size_t outcap,
                 size_t *next);


/* The NT access mask a Windows server opens with for a legacy AccessMode
 * (SMB_COM_OPEN, OPEN_ANDX, TRANS2_OPEN2): MS-CIFS 3.3.5.5, product
 * behavior note. 0 for a mode no server accepts. */
uint32_t smb1_legacy_access(uint16_t access_mode);
/* The NT ShareAccess of a legacy SharingMode; name decides compatibility
 * mode (program files are shared, others deny read). */
uint32_t smb1_legacy_share(uint16_t access_mode, const char *name);
/* The NT CreateDisposition of an OPEN_ANDX / TRANS2_OPEN2 OpenMode; 0 for
 * the mode that neither opens nor creates. */
uint32_t smb1_legacy_disposition(uint16_t open_mode);

/* One SMB1 message (avail bytes from its signature) of connection c. */
void smb1_handle(smb_conn *c, const uint8_t *pdu, size_t avail);

#endif
