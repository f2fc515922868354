/* SMB1's command numbers (MS-CIFS 2.2.2.1) and which of them open a file:
 * what both the SMB1 parser (smb1.c) and the operations it reports
 * (smb_ops.c) need, in a header of its own so that neither includes the
 * other's. */
#ifndef PW_SMB1_CMDS_H
#define PW_SMB1_CMDS_H

#include <stdbool.h>
#include <stdint.h>

enum {
    SMB1_OPEN = 0x02,
    SMB1_CREATE = 0x03,
    SMB1_CLOSE = 0x04,
    SMB1_WRITE = 0x0b,
    SMB1_CREATE_NEW = 0x0f,
    SMB1_TRANSACTION = 0x25,
    SMB1_OPEN_ANDX = 0x2d,
    SMB1_READ_ANDX = 0x2e,
    SMB1_WRITE_ANDX = 0x2f,
    SMB1_TRANSACTION2 = 0x32,
    SMB1_TREE_DISCONNECT = 0x71,
    SMB1_NEGOTIATE = 0x72,
    SMB1_SESSION_SETUP_ANDX = 0x73,
    SMB1_LOGOFF_ANDX = 0x74,
    SMB1_TREE_CONNECT_ANDX = 0x75,
    SMB1_NT_CREATE_ANDX = 0xa2,
};

/* True for the commands that open a file and give a CREATE fact:
 * NT_CREATE_ANDX and the legacy opens (TRANSACTION2 only as a pending
 * request, which is made for TRANS2_OPEN2 alone). */
static inline bool smb1_is_open(uint8_t cmd)
{
    switch (cmd) {
    case SMB1_NT_CREATE_ANDX:
    case SMB1_OPEN_ANDX:
    case SMB1_OPEN:
    case SMB1_CREATE:
    case SMB1_CREATE_NEW:
    case SMB1_TRANSACTION2:
        return true;
    default:
        return false;
    }
}

#endif
