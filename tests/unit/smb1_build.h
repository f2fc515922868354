/* Hand-built SMB1 messages for the unit tests (MS-CIFS 2.2.3, 2.2.4): a
 * header, then the parameter words and data bytes of one command, strings
 * Unicode or OEM as the header's FLAGS2 says. */
#ifndef PW_SMB1_BUILD_H
#define PW_SMB1_BUILD_H

#include <stdbool.h>
#include <string.h>

#include "smb_build.h"

typedef struct s1b {
    uint8_t *p;
    size_t n; /* bytes so far, from the SMB header */
    size_t words; /* offset of the first parameter word */
    size_t bcc_at; /* offset of ByteCount */
    bool unicode;
} s1b;

/* The 32-byte header; FLAGS2 has the Unicode bit only when unicode. */
static inline void s1_start(s1b *b, uint8_t *p, uint8_t cmd, bool reply, uint32_t status, uint16_t tid, uint16_t uid,
                            uint16_t mid, bool unicode)
{
    memset(p, 0, 32);
    memcpy(p, "\xFFSMB", 4);
    p[4] = cmd;
    tu_le32(p + 5, status);
    p[9] = reply ? 0x98 : 0x18;
    tu_le16(p + 10, (uint16_t)(unicode ? 0xC001 : 0x4001));
    tu_le16(p + 24, tid);
    tu_le16(p + 26, 0x0BEE); /* PID */
    tu_le16(p + 28, uid);
    tu_le16(p + 30, mid);
    b->p = p;
    b->n = 32;
    b->unicode = unicode;
}

/* WordCount wct, the words zeroed (set them with s1_w16/s1_w32), then room
 * for ByteCount. */
static inline void s1_words(s1b *b, uint8_t wct)
{
    b->p[b->n] = wct;
    b->words = b->n + 1;
    memset(b->p + b->words, 0, (size_t)wct * 2);
    b->n = b->words + (size_t)wct * 2;
    b->bcc_at = b->n;
    b->n += 2;
}

static inline void s1_w16(s1b *b, size_t off, uint16_t v)
{
    tu_le16(b->p + b->words + off, v);
}
static inline void s1_w32(s1b *b, size_t off, uint32_t v)
{
    tu_le32(b->p + b->words + off, v);
}
static inline void s1_byte(s1b *b, uint8_t v)
{
    b->p[b->n++] = v;
}
static inline void s1_raw(s1b *b, const void *d, size_t n)
{
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

/* An SMB_STRING: Unicode ones start on an even offset from the header
 * (one pad byte when needed), OEM ones where they are. */
static inline void s1_str(s1b *b, const char *s)
{
    if (b->unicode) {
        if (b->n & 1)
            s1_byte(b, 0);
        b->n += tu_utf16(b->p + b->n, s);
        s1_byte(b, 0);
        s1_byte(b, 0);
    } else {
        s1_raw(b, s, strlen(s) + 1);
    }
}

/* An OEM string whatever the flag (the service of a TREE_CONNECT_ANDX). */
static inline void s1_oem(s1b *b, const char *s)
{
    s1_raw(b, s, strlen(s) + 1);
}

/* ByteCount set; the message length. */
static inline size_t s1_end(s1b *b)
{
    tu_le16(b->p + b->bcc_at, (uint16_t)(b->n - b->bcc_at - 2));
    return b->n;
}

/* An answer with no words and no bytes (an error, an interim answer). */
static inline size_t s1_empty(uint8_t *p, uint8_t cmd, uint32_t status, uint16_t tid, uint16_t uid, uint16_t mid)
{
    s1b b;
    s1_start(&b, p, cmd, true, status, tid, uid, mid, false);
    s1_words(&b, 0);
    return s1_end(&b);
}

/* TREE_CONNECT_ANDX request: a password of pwlen bytes, then the path. */
static inline size_t s1_tree_req(uint8_t *p, uint16_t uid, uint16_t mid, const char *path, uint16_t pwlen, bool unicode)
{
    s1b b;
    s1_start(&b, p, 0x75, false, 0, 0xFFFF, uid, mid, unicode);
    s1_words(&b, 4);
    b.p[b.words] = 0xFF;
    s1_w16(&b, 6, pwlen);
    for (uint16_t i = 0; i < pwlen; i++)
        s1_byte(&b, (uint8_t)(i + 1));
    s1_str(&b, path);
    s1_oem(&b, "?????");
    return s1_end(&b);
}

static inline size_t s1_tree_rsp(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, const char *service)
{
    s1b b;
    s1_start(&b, p, 0x75, true, 0, tid, uid, mid, false);
    s1_words(&b, 3);
    b.p[b.words] = 0xFF;
    s1_oem(&b, service);
    s1_oem(&b, "");
    return s1_end(&b);
}

/* OPEN_ANDX request (MS-CIFS 2.2.4.41.1). */
static inline size_t s1_open_andx_req(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, const char *name,
                                      uint16_t access_mode, uint16_t open_mode, bool unicode)
{
    s1b b;
    s1_start(&b, p, 0x2d, false, 0, tid, uid, mid, unicode);
    s1_words(&b, 15);
    b.p[b.words] = 0xFF;
    s1_w16(&b, 4, 0x0001); /* Flags: REQ_ATTRIB */
    s1_w16(&b, 6, access_mode);
    s1_w16(&b, 8, 0x0016); /* SearchAttrs */
    s1_w16(&b, 10, 0x0020); /* FileAttrs: archive */
    s1_w16(&b, 16, open_mode);
    s1_str(&b, name);
    return s1_end(&b);
}

/* OPEN_ANDX response: FID and OpenResults. */
static inline size_t s1_open_andx_rsp(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, uint16_t fid,
                                      uint16_t open_results)
{
    s1b b;
    s1_start(&b, p, 0x2d, true, 0, tid, uid, mid, false);
    s1_words(&b, 15);
    b.p[b.words] = 0xFF;
    s1_w16(&b, 4, fid);
    s1_w16(&b, 22, open_results);
    return s1_end(&b);
}

/* SMB_COM_OPEN (0x02) with its AccessMode, or SMB_COM_CREATE (0x03) /
 * CREATE_NEW (0x0F) with FileAttributes: BufferFormat 0x04, then the name. */
static inline size_t s1_core_open_req(uint8_t *p, uint8_t cmd, uint16_t tid, uint16_t uid, uint16_t mid,
                                      const char *name, uint16_t mode_or_attrs, bool unicode)
{
    s1b b;
    s1_start(&b, p, cmd, false, 0, tid, uid, mid, unicode);
    s1_words(&b, cmd == 0x02 ? 2 : 3);
    s1_w16(&b, 0, mode_or_attrs);
    s1_byte(&b, 0x04);
    s1_str(&b, name);
    return s1_end(&b);
}

/* SMB_COM_OPEN response (FID, attributes, time, size, AccessMode) or the
 * CREATE / CREATE_NEW one (FID alone). */
static inline size_t s1_core_open_rsp(uint8_t *p, uint8_t cmd, uint16_t tid, uint16_t uid, uint16_t mid, uint16_t fid)
{
    s1b b;
    s1_start(&b, p, cmd, true, 0, tid, uid, mid, false);
    s1_words(&b, cmd == 0x02 ? 7 : 1);
    s1_w16(&b, 0, fid);
    return s1_end(&b);
}

/* TRANSACTION2 / TRANS2_OPEN2 request (MS-CIFS 2.2.6.1.1): the open's
 * parameters at a 4-aligned ParameterOffset. */
static inline size_t s1_open2_req(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, const char *name,
                                  uint16_t access_mode, uint16_t open_mode, bool unicode)
{
    s1b b;
    s1_start(&b, p, 0x32, false, 0, tid, uid, mid, unicode);
    s1_words(&b, 15);
    s1_str(&b, ""); /* Name: empty (one NUL; in Unicode two, aligned) */
    while (b.n % 4)
        s1_byte(&b, 0);
    size_t poff = b.n;
    uint8_t par[28] = {0};
    tu_le16(par + 2, access_mode);
    tu_le16(par + 6, 0x0020);
    tu_le16(par + 12, open_mode);
    s1_raw(&b, par, sizeof par);
    s1_str(&b, name);
    uint16_t pcount = (uint16_t)(b.n - poff);
    s1_w16(&b, 0, pcount); /* TotalParameterCount */
    s1_w16(&b, 4, 30); /* MaxParameterCount */
    s1_w16(&b, 18, pcount); /* ParameterCount */
    s1_w16(&b, 20, (uint16_t)poff);
    s1_w16(&b, 24, (uint16_t)b.n); /* DataOffset, no data */
    b.p[b.words + 26] = 1; /* SetupCount */
    s1_w16(&b, 28, 0x0000); /* TRANS2_OPEN2 */
    return s1_end(&b);
}

/* TRANS2_OPEN2 response: FID and ActionTaken in the parameters. */
static inline size_t s1_open2_rsp(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, uint16_t fid, uint16_t action)
{
    s1b b;
    s1_start(&b, p, 0x32, true, 0, tid, uid, mid, false);
    s1_words(&b, 10);
    s1_byte(&b, 0); /* pad */
    while (b.n % 4)
        s1_byte(&b, 0);
    size_t poff = b.n;
    uint8_t par[30] = {0};
    tu_le16(par, fid);
    tu_le16(par + 18, action);
    s1_raw(&b, par, sizeof par);
    s1_w16(&b, 0, sizeof par);
    s1_w16(&b, 6, sizeof par);
    s1_w16(&b, 8, (uint16_t)poff);
    s1_w16(&b, 14, (uint16_t)b.n);
    return s1_end(&b);
}

/* WRITE_ANDX request of len bytes at file offset off (14 words: OffsetHigh
 * too), its data at a 4-aligned DataOffset. */
static inline size_t s1_write_andx_req(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, uint16_t fid, uint64_t off,
                                       const uint8_t *data, uint32_t len)
{
    s1b b;
    s1_start(&b, p, 0x2f, false, 0, tid, uid, mid, false);
    s1_words(&b, 14);
    b.p[b.words] = 0xFF;
    s1_w16(&b, 4, fid);
    s1_w32(&b, 6, (uint32_t)off);
    s1_w16(&b, 18, (uint16_t)(len >> 16)); /* DataLengthHigh */
    s1_w16(&b, 20, (uint16_t)len);
    s1_w32(&b, 24, (uint32_t)(off >> 32));
    while (b.n % 4)
        s1_byte(&b, 0);
    s1_w16(&b, 22, (uint16_t)b.n);
    s1_raw(&b, data, len);
    return s1_end(&b);
}

/* SMB_COM_WRITE request (MS-CIFS 2.2.4.12.1). */
static inline size_t s1_write_req(uint8_t *p, uint16_t tid, uint16_t uid, uint16_t mid, uint16_t fid, uint32_t off,
                                  const uint8_t *data, uint16_t len)
{
    s1b b;
    s1_start(&b, p, 0x0b, false, 0, tid, uid, mid, false);
    s1_words(&b, 5);
    s1_w16(&b, 0, fid);
    s1_w16(&b, 2, len);
    s1_w32(&b, 4, off);
    s1_byte(&b, 0x01);
    s1_byte(&b, (uint8_t)len);
    s1_byte(&b, (uint8_t)(len >> 8));
    s1_raw(&b, data, len);
    return s1_end(&b);
}

#endif
