/* The one bounds-checked reader for bytes that came off the wire.
 *
 * Every parser in pipewatch reads through an rd_t. A read past the end never
 * touches memory: it returns 0 (or a NULL pointer), sets the sticky `err`
 * flag and leaves the cursor where it was, so a parser can read a whole fixed
 * structure and check `err` once at the end. */
#ifndef PW_READER_H
#define PW_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct rd {
    const uint8_t *p; /* start of the window */
    size_t len;       /* bytes in the window */
    size_t off;       /* cursor, always <= len */
    bool err;         /* set by any read that did not fit; never cleared */
} rd_t;

static inline rd_t rd_make(const uint8_t *p, size_t len)
{
    rd_t r = {p, p ? len : 0, 0, false};
    return r;
}

static inline size_t rd_left(const rd_t *r) { return r->len - r->off; }
static inline bool rd_ok(const rd_t *r) { return !r->err; }

static inline bool rd_need(rd_t *r, size_t n)
{
    if (r->err || n > r->len - r->off) {
        r->err = true;
        return false;
    }
    return true;
}

static inline uint8_t rd_u8(rd_t *r)
{
    if (!rd_need(r, 1))
        return 0;
    return r->p[r->off++];
}

static inline uint16_t rd_le16(rd_t *r)
{
    if (!rd_need(r, 2))
        return 0;
    const uint8_t *b = r->p + r->off;
    r->off += 2;
    return (uint16_t)(b[0] | (b[1] << 8));
}

static inline uint32_t rd_le32(rd_t *r)
{
    if (!rd_need(r, 4))
        return 0;
    const uint8_t *b = r->p + r->off;
    r->off += 4;
    return (uint32_t)b[0] | ((uint32_t)b[1] << 8) | ((uint32_t)b[2] << 16) | ((uint32_t)b[3] << 24);
}

static inline uint64_t rd_le64(rd_t *r)
{
    uint64_t lo = rd_le32(r);
    uint64_t hi = rd_le32(r);
    return lo | (hi << 32);
}

static inline uint16_t rd_be16(rd_t *r)
{
    if (!rd_need(r, 2))
        return 0;
    const uint8_t *b = r->p + r->off;
    r->off += 2;
    return (uint16_t)((b[0] << 8) | b[1]);
}

static inline uint32_t rd_be32(rd_t *r)
{
    if (!rd_need(r, 4))
        return 0;
    const uint8_t *b = r->p + r->off;
    r->off += 4;
    return ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | (uint32_t)b[3];
}

/* Returns a pointer to the next n bytes and advances, or NULL. */
static inline const uint8_t *rd_bytes(rd_t *r, size_t n)
{
    if (!rd_need(r, n))
        return NULL;
    const uint8_t *b = r->p + r->off;
    r->off += n;
    return b;
}

static inline bool rd_skip(rd_t *r, size_t n) { return rd_bytes(r, n) != NULL || n == 0; }

static inline bool rd_seek(rd_t *r, size_t off)
{
    if (r->err || off > r->len) {
        r->err = true;
        return false;
    }
    r->off = off;
    return true;
}

/* A sub-window [off, off+n) of r, measured from the start of r's window.
 * The result has err set (and is empty) when it does not fit; r is unchanged. */
static inline rd_t rd_sub(const rd_t *r, size_t off, size_t n)
{
    rd_t s = {NULL, 0, 0, true};
    if (!r->err && off <= r->len && n <= r->len - off) {
        s.p = r->p + off;
        s.len = n;
        s.err = false;
    }
    return s;
}

#endif
