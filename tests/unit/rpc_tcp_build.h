/* Endpoint mapper stubs, svcctl calls and bind verifiers built by hand for
 * the tests of DCE/RPC over TCP. */
#ifndef PW_RPC_TCP_BUILD_H
#define PW_RPC_TCP_BUILD_H

#include "rpc_build.h"
#include "smb_build.h"

static const uint8_t RB_EPM[16] = {0xe1, 0xaf, 0x83, 0x08, 0x5d, 0x1f, 0x11, 0xc9,
                                   0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa};

/* A tower for connection-oriented RPC over TCP/IP (C706 appendix L: always
 * little-endian; the port and address in network order). */
static inline size_t eb_tower(uint8_t *p, const uint8_t uuid[16], uint16_t major, uint16_t port, const uint8_t ip[4])
{
    size_t n = tu_le16(p, ip ? 5 : 4);
    const uint8_t *ids[2] = {uuid, RB_NDR_SYNTAX};
    const uint16_t ver[2] = {major, 2};
    for (int f = 0; f < 2; f++) {
        n += tu_le16(p + n, 19);
        p[n++] = 0x0d;
        const uint8_t *u = ids[f];
        const uint8_t le[16] = {u[3], u[2], u[1], u[0], u[5], u[4], u[7], u[6],
                                u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]};
        memcpy(p + n, le, 16);
        n += 16;
        n += tu_le16(p + n, ver[f]);
        n += tu_le16(p + n, 2);
        n += tu_le16(p + n, 0);
    }
    n += tu_le16(p + n, 1);
    p[n++] = 0x0b; /* RPC connection-oriented */
    n += tu_le16(p + n, 2);
    n += tu_le16(p + n, 0);
    n += tu_le16(p + n, 1);
    p[n++] = 0x07; /* TCP */
    n += tu_le16(p + n, 2);
    p[n++] = (uint8_t)(port >> 8);
    p[n++] = (uint8_t)port;
    if (ip) {
        n += tu_le16(p + n, 1);
        p[n++] = 0x09; /* IP */
        n += tu_le16(p + n, 4);
        memcpy(p + n, ip, 4);
        n += 4;
    }
    return n;
}

/* A referent id or an array count: 4 bytes in NDR, 8 (aligned 8) in NDR64. */
static inline void eb_wide(rb *b, bool ndr64, uint32_t v)
{
    if (!ndr64) {
        rb_u32(b, v);
        return;
    }
    rb_align(b, 8);
    if (b->le) {
        rb_u32(b, v);
        rb_u32(b, 0);
    } else {
        rb_u32(b, 0);
        rb_u32(b, v);
    }
}

static inline void eb_twr(rb *b, bool ndr64, const uint8_t *t, size_t tlen)
{
    eb_wide(b, ndr64, (uint32_t)tlen);
    rb_u32(b, (uint32_t)tlen);
    rb_bytes(b, t, tlen);
}

static inline size_t eb_map_request(uint8_t *p, bool le, bool ndr64, const uint8_t *t, size_t tlen)
{
    rb b = {p, 0, le};
    eb_wide(&b, ndr64, 1); /* object */
    static const uint8_t zero[16];
    rb_uuid(&b, zero);
    eb_wide(&b, ndr64, 2); /* map_tower */
    eb_twr(&b, ndr64, t, tlen);
    rb_align(&b, 4);
    for (int i = 0; i < 20; i++)
        rb_u8(&b, 0);
    rb_u32(&b, 4); /* max_towers */
    return b.n;
}

/* ntow towers (t[i] of tlen[i] bytes; a NULL one is a NULL pointer). */
static inline size_t eb_map_reply(uint8_t *p, bool le, bool ndr64, const uint8_t *const *t, const size_t *tlen,
                                  uint32_t ntow, uint32_t status)
{
    rb b = {p, 0, le};
    for (int i = 0; i < 20; i++)
        rb_u8(&b, (uint8_t)i);
    rb_u32(&b, ntow);
    eb_wide(&b, ndr64, ntow > 4 ? ntow : 4); /* max_towers of the request */
    eb_wide(&b, ndr64, 0);
    eb_wide(&b, ndr64, ntow);
    for (uint32_t i = 0; i < ntow; i++)
        eb_wide(&b, ndr64, t[i] ? 3 + i : 0);
    for (uint32_t i = 0; i < ntow; i++) {
        if (!t[i])
            continue;
        rb_align(&b, ndr64 ? 8 : 4);
        eb_twr(&b, ndr64, t[i], tlen[i]);
    }
    rb_align(&b, 4);
    rb_u32(&b, status);
    return b.n;
}

/* RCreateServiceW's request as impacket writes it (demand start, own process, LocalSystem). */
static inline size_t eb_create_service(uint8_t *p, bool le, const char *name, const char *binary)
{
    rb b = {p, 0, le};
    for (int i = 0; i < 20; i++)
        rb_u8(&b, (uint8_t)(0x10 + i)); /* hSCManager */
    rb_wstring(&b, name);
    rb_align(&b, 4);
    rb_u32(&b, 0x20000);
    rb_wstring(&b, name); /* display name */
    rb_align(&b, 4);
    rb_u32(&b, 0xF01FF);
    rb_u32(&b, 0x10);
    rb_u32(&b, 3);
    rb_u32(&b, 0);
    rb_wstring(&b, binary);
    rb_align(&b, 4);
    rb_u32(&b, 0); /* lpLoadOrderGroup */
    rb_u32(&b, 0); /* lpdwTagId */
    rb_u32(&b, 0); /* lpDependencies */
    rb_u32(&b, 0); /* dwDependSize */
    rb_u32(&b, 0); /* lpServiceStartName */
    rb_u32(&b, 0); /* lpPassword */
    rb_u32(&b, 0); /* dwPwSize */
    return b.n;
}

/* Its reply: no tag, a service handle, the return code. */
static inline size_t eb_create_service_reply(uint8_t *p, bool le, uint32_t code)
{
    rb b = {p, 0, le};
    rb_u32(&b, 0);
    for (int i = 0; i < 20; i++)
        rb_u8(&b, (uint8_t)(0x40 + i));
    rb_u32(&b, code);
    return b.n;
}

/* AUTH3 whose verifier carries an NTLMSSP AUTHENTICATE at auth level `level`. */
static inline size_t eb_auth3(rb *b, uint32_t call_id, uint8_t level, const char *domain, const char *user,
                              const char *ws)
{
    uint8_t tok[512];
    size_t tl = b_ntlm_auth(tok, domain, user, ws);
    rb_hdr(b, 16, 0x03, call_id);
    rb_u32(b, 0);
    rb_u8(b, 10); /* NTLMSSP */
    rb_u8(b, level);
    rb_u8(b, 0);
    rb_u8(b, 0);
    rb_u32(b, 1);
    rb_bytes(b, tok, tl);
    rb b2 = {b->p + 8, 0, b->le};
    rb_u16(&b2, (uint16_t)b->n);
    rb_u16(&b2, (uint16_t)tl);
    return b->n;
}

#endif
