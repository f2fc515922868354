/* SMB1 (MS-CIFS/MS-SMB) header. Only the header and the request direction are
 * handled so far; the commands (NEGOTIATE, SESSION_SETUP_ANDX,
 * TREE_CONNECT_ANDX, NT_CREATE_ANDX) are not yet turned into facts. */
#ifndef PW_SMB1_H
#define PW_SMB1_H

#include <stddef.h>
#include <stdint.h>

#define SMB1_HEADER_SIZE 32
#define SMB1_FLAGS_REPLY 0x80
#define SMB1_FLAGS2_UNICODE 0x8000

typedef struct smb1_hdr {
    uint8_t command;
    uint32_t status;
    uint8_t flags;
    uint16_t flags2;
    uint16_t tid, pid, uid, mid;
} smb1_hdr;

/* 0 when msg does not start with a whole SMB1 header. */
int smb1_parse_header(const uint8_t *msg, size_t len, smb1_hdr *h);

#endif
