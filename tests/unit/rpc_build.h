/* Connection-oriented DCE/RPC PDUs built by hand for the tests, in either
 * integer representation (le: little-endian drep 0x10, else big-endian 0x00). */
#ifndef PW_RPC_BUILD_H
#define PW_RPC_BUILD_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "testutil.h"

typedef struct rb {
    uint8_t *p;
    size_t n;
    bool le;
} rb;

static inline void rb_u8(rb *b, uint8_t v) { b->p[b->n++] = v; }
static inline void rb_u16(rb *b, uint16_t v)
{
    if (b->le) {
        b->p[b->n++] = (uint8_t)v;
        b->p[b->n++] = (uint8_t)(v >> 8);
    } else {
        b->p[b->n++] = (uint8_t)(v >> 8);
        b->p[b->n++] = (uint8_t)v;
    }
}
static inline void rb_u32(rb *b, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        b->p[b->n++] = (uint8_t)(b->le ? v >> (8 * i) : v >> (8 * (3 - i)));
}
static inline void rb_bytes(rb *b, const void *s, size_t n)
{
    memcpy(b->p + b->n, s, n);
    b->n += n;
}
static inline void rb_align(rb *b, size_t a)
{
    while (b->n % a)
        b->p[b->n++] = 0;
}
/* A UUID given in canonical byte order, written as NDR writes it. */
/* A [string] wchar_t* (NDR, 32-bit): a conformant varying string of the
 * ASCII text s and its terminator. */
static inline void rb_wstring(rb *b, const char *s)
{
    uint32_t n = (uint32_t)strlen(s) + 1;
    rb_align(b, 4);
    rb_u32(b, n);
    rb_u32(b, 0);
    rb_u32(b, n);
    for (uint32_t i = 0; i < n; i++)
        rb_u16(b, (uint16_t)(unsigned char)s[i]);
}

static inline void rb_uuid(rb *b, const uint8_t u[16])
{
    rb_u32(b, (uint32_t)u[0] << 24 | (uint32_t)u[1] << 16 | (uint32_t)u[2] << 8 | u[3]);
    rb_u16(b, (uint16_t)(u[4] << 8 | u[5]));
    rb_u16(b, (uint16_t)(u[6] << 8 | u[7]));
    rb_bytes(b, u + 8, 8);
}

static inline void rb_hdr(rb *b, uint8_t ptype, uint8_t flags, uint32_t call_id)
{
    b->n = 0;
    rb_u8(b, 5);
    rb_u8(b, 0);
    rb_u8(b, ptype);
    rb_u8(b, flags);
    rb_u8(b, b->le ? 0x10 : 0x00);
    rb_u8(b, 0);
    rb_u8(b, 0);
    rb_u8(b, 0);
    rb_u16(b, 0); /* frag_length, set by rb_end */
    rb_u16(b, 0); /* auth_length */
    rb_u32(b, call_id);
}

/* Appends the verifier (auth_len bytes of token) after padding the stub to
 * 4 bytes, then sets frag_length and auth_length. */
static inline size_t rb_end(rb *b, uint8_t auth_type, uint8_t auth_level, uint16_t auth_len)
{
    if (auth_len) {
        size_t before = b->n;
        rb_align(b, 4);
        uint8_t pad = (uint8_t)(b->n - before);
        rb_u8(b, auth_type);
        rb_u8(b, auth_level);
        rb_u8(b, pad);
        rb_u8(b, 0);
        rb_u32(b, 0x1234);
        for (uint16_t i = 0; i < auth_len; i++)
            rb_u8(b, (uint8_t)(0xA0 + i));
    }
    rb b2 = {b->p + 8, 0, b->le};
    rb_u16(&b2, (uint16_t)b->n);
    rb_u16(&b2, auth_len);
    return b->n;
}

typedef struct rb_ctx {
    uint16_t id;
    const uint8_t *uuid; /* canonical order */
    uint16_t major, minor;
} rb_ctx;

static const uint8_t RB_NDR_SYNTAX[16] = {0x8a, 0x88, 0x5d, 0x04, 0x1c, 0xeb, 0x11, 0xc9,
                                          0x9f, 0xe8, 0x08, 0x00, 0x2b, 0x10, 0x48, 0x60};
static const uint8_t RB_SVCCTL[16] = {0x36, 0x7a, 0xbb, 0x81, 0x98, 0x44, 0x35, 0xf1,
                                      0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03};
static const uint8_t RB_SRVSVC[16] = {0x4b, 0x32, 0x4f, 0xc8, 0x16, 0x70, 0x01, 0xd3,
                                      0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88};
static const uint8_t RB_ATSVC[16] = {0x1f, 0xf7, 0x06, 0x82, 0x0a, 0x51, 0x30, 0xe8,
                                     0x07, 0x6d, 0x74, 0x0b, 0xe8, 0xce, 0xe9, 0x8b};

/* BIND (11) or ALTER_CONTEXT (14), with a verifier of auth_len bytes when auth_len > 0. */
static inline size_t rb_bind_ex(rb *b, uint8_t ptype, uint32_t call_id, const rb_ctx *c, unsigned n,
                                uint8_t auth_type, uint8_t auth_level, uint16_t auth_len)
{
    rb_hdr(b, ptype, 0x03, call_id);
    rb_u16(b, 4280);
    rb_u16(b, 4280);
    rb_u32(b, 0);
    rb_u8(b, (uint8_t)n);
    rb_u8(b, 0);
    rb_u16(b, 0);
    for (unsigned i = 0; i < n; i++) {
        rb_u16(b, c[i].id);
        rb_u8(b, 1);
        rb_u8(b, 0);
        rb_uuid(b, c[i].uuid);
        rb_u16(b, c[i].major);
        rb_u16(b, c[i].minor);
        rb_uuid(b, RB_NDR_SYNTAX);
        rb_u32(b, 2);
    }
    return rb_end(b, auth_type, auth_level, auth_len);
}

static inline size_t rb_bind(rb *b, uint8_t ptype, uint32_t call_id, const rb_ctx *c, unsigned n)
{
    return rb_bind_ex(b, ptype, call_id, c, n, 0, 0, 0);
}

/* BIND_ACK (12) or ALTER_CONTEXT_RESP (15): one result per offered context. */
static inline size_t rb_bind_ack(rb *b, uint8_t ptype, uint32_t call_id, const uint16_t *results, unsigned n)
{
    rb_hdr(b, ptype, 0x03, call_id);
    rb_u16(b, 4280);
    rb_u16(b, 4280);
    rb_u32(b, 0x1234);
    rb_u16(b, 4);
    rb_bytes(b, "135", 4);
    rb_align(b, 4);
    rb_u8(b, (uint8_t)n);
    rb_u8(b, 0);
    rb_u16(b, 0);
    for (unsigned i = 0; i < n; i++) {
        rb_u16(b, results[i]);
        rb_u16(b, results[i] ? 2 : 0);
        rb_uuid(b, RB_NDR_SYNTAX);
        rb_u32(b, 2);
    }
    return rb_end(b, 0, 0, 0);
}

static inline size_t rb_request(rb *b, uint8_t flags, uint32_t call_id, uint16_t ctx, uint16_t opnum,
                                const uint8_t *stub, size_t slen, uint8_t auth_level, uint16_t auth_len)
{
    rb_hdr(b, 0, flags, call_id);
    rb_u32(b, (uint32_t)slen);
    rb_u16(b, ctx);
    rb_u16(b, opnum);
    rb_bytes(b, stub, slen);
    return rb_end(b, auth_level ? 10 : 0, auth_level, auth_len);
}

static inline size_t rb_response(rb *b, uint8_t flags, uint32_t call_id, uint16_t ctx, const uint8_t *stub,
                                 size_t slen, uint8_t auth_level, uint16_t auth_len)
{
    rb_hdr(b, 2, flags, call_id);
    rb_u32(b, (uint32_t)slen);
    rb_u16(b, ctx);
    rb_u8(b, 0);
    rb_u8(b, 0);
    rb_bytes(b, stub, slen);
    return rb_end(b, auth_level ? 10 : 0, auth_level, auth_len);
}

static inline size_t rb_fault(rb *b, uint32_t call_id, uint16_t ctx, uint32_t status)
{
    rb_hdr(b, 3, 0x03, call_id);
    rb_u32(b, 0);
    rb_u16(b, ctx);
    rb_u8(b, 0);
    rb_u8(b, 0);
    rb_u32(b, status);
    rb_u32(b, 0);
    return rb_end(b, 0, 0, 0);
}

#endif
