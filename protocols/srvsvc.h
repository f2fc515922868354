/* The Server Service (MS-SRVS, interface 4b324fc8-1670-01d3-1278-5a47bf6ee188
 * v3.0, pipe \srvsvc): the replies that carry the server's own share
 * names and paths, NetrShareEnum (opnum 15) and NetrShareGetInfo (16), at
 * the levels that name a share (0, 1, 2, 501, 502, 503; 2, 502 and 503 also
 * give its local path). A pure function over one reassembled stub, built
 * on ndr.h. */
#ifndef PW_SRVSVC_H
#define PW_SRVSVC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SRVSVC_OP_NETR_SHARE_ENUM 15
#define SRVSVC_OP_NETR_SHARE_GET_INFO 16

/* Shares kept from one reply; more are read past, not kept. */
#define SRVSVC_MAX_SHARES 32
/* Bytes of a share name and of a path (UTF-8, NUL included). A value that
 * might not fit whole is not kept: a share whose name might be cut is left
 * out, a path that might be cut is taken as unknown. */
#define SRVSVC_NAME_MAX 256
#define SRVSVC_PATH_MAX 784

typedef struct srvsvc_share {
    char name[SRVSVC_NAME_MAX]; /* shi*_netname, the server's spelling */
    char path[SRVSVC_PATH_MAX]; /* shi*_path ("C:\Windows"; "" for IPC$) when have_path */
    bool have_path;
    uint32_t type; /* STYPE_* (levels 1 and up) */
} srvsvc_share;

typedef struct srvsvc_reply {
    uint32_t level;
    uint32_t entries;     /* shares the reply holds */
    size_t n;             /* shares kept in shares[] */
    uint32_t return_code; /* NET_API_STATUS: 0, 234 ERROR_MORE_DATA ... */
    srvsvc_share shares[SRVSVC_MAX_SHARES];
} srvsvc_reply;

/* Is opnum a reply this module reads? */
bool srvsvc_is_known(uint16_t opnum);
/* Decodes the response stub of NetrShareEnum / NetrShareGetInfo. True when
 * the whole reply was read and its level names shares (out->n may be 0);
 * the shares are the server's only when out->return_code is 0 or 234. */
bool srvsvc_decode_reply(const uint8_t *stub, size_t len, bool little_endian, uint16_t opnum, srvsvc_reply *out);

#endif
