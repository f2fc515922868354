#include "ndr.h"

#include <string.h>

#include "utf16.h"

ndr_t ndr_make(const uint8_t *p, size_t len, bool little_endian)
{
    ndr_t n;
    memset(&n, 0, sizeof n);
    n.r = rd_make(p, len);
    n.le = little_endian;
    return n;
}

void ndr_align(ndr_t *n, size_t a)
{
    if (a < 2)
        return;
    size_t pad = (a - (n->r.off & (a - 1))) & (a - 1);
    rd_skip(&n->r, pad);
}

uint8_t ndr_u8(ndr_t *n) { return rd_u8(&n->r); }

uint16_t ndr_u16(ndr_t *n)
{
    ndr_align(n, 2);
    return n->le ? rd_le16(&n->r) : rd_be16(&n->r);
}

uint32_t ndr_u32(ndr_t *n)
{
    ndr_align(n, 4);
    return n->le ? rd_le32(&n->r) : rd_be32(&n->r);
}

uint64_t ndr_u64(ndr_t *n)
{
    ndr_align(n, 8);
    uint64_t a = n->le ? rd_le32(&n->r) : rd_be32(&n->r);
    uint64_t b = n->le ? rd_le32(&n->r) : rd_be32(&n->r);
    return n->le ? a | (b << 32) : (a << 32) | b;
}

const uint8_t *ndr_bytes(ndr_t *n, size_t len) { return rd_bytes(&n->r, len); }

uint32_t ndr_unique_ptr(ndr_t *n) { return ndr_u32(n); }

bool ndr_full_ptr(ndr_t *n, uint32_t *id)
{
    uint32_t v = ndr_u32(n);
    if (id)
        *id = v;
    if (!ndr_ok(n) || v == 0)
        return false;
    for (size_t i = 0; i < n->nrefs; i++) {
        if (n->refs[i] == v)
            return false;
    }
    if (n->nrefs == NDR_MAX_REFS) {
        /* cannot tell a new referent from an old one any more */
        ndr_fail(n);
        return false;
    }
    n->refs[n->nrefs++] = v;
    return true;
}

/* The three counts of a conformant varying array of elements of unit bytes;
 * returns the elements' bytes or NULL. */
static const uint8_t *varying(ndr_t *n, size_t unit, uint32_t *actual_out)
{
    uint32_t max = ndr_u32(n);
    uint32_t offset = ndr_u32(n);
    uint32_t actual = ndr_u32(n);
    if (!ndr_ok(n) || offset > max || actual > max - offset || actual > ndr_left(n) / unit) {
        ndr_fail(n);
        return NULL;
    }
    if (actual_out)
        *actual_out = actual;
    if (actual == 0)
        return n->r.p + n->r.off;
    return ndr_bytes(n, (size_t)actual * unit);
}

bool ndr_string_utf16(ndr_t *n, char *out, size_t outcap, uint32_t *count)
{
    if (outcap)
        out[0] = '\0';
    uint32_t actual = 0;
    const uint8_t *s = varying(n, 2, &actual);
    if (!s)
        return false;
    if (count)
        *count = actual;
    if (outcap) {
        if (n->le)
            utf16_to_utf8(s, (size_t)actual * 2, out, outcap);
        else
            utf16be_to_utf8(s, (size_t)actual * 2, out, outcap);
    }
    return true;
}

bool ndr_string_8bit(ndr_t *n, char *out, size_t outcap, uint32_t *count)
{
    if (outcap)
        out[0] = '\0';
    uint32_t actual = 0;
    const uint8_t *s = varying(n, 1, &actual);
    if (!s)
        return false;
    if (count)
        *count = actual;
    if (outcap)
        oem_to_utf8(s, actual, out, outcap);
    return true;
}

bool ndr_unique_string(ndr_t *n, bool wide, char *out, size_t outcap, bool *present)
{
    if (outcap)
        out[0] = '\0';
    uint32_t ref = ndr_unique_ptr(n);
    if (present)
        *present = ref != 0;
    if (!ndr_ok(n))
        return false;
    if (ref == 0)
        return true;
    return wide ? ndr_string_utf16(n, out, outcap, NULL) : ndr_string_8bit(n, out, outcap, NULL);
}

const uint8_t *ndr_conformant_bytes(ndr_t *n, uint32_t *len)
{
    uint32_t max = ndr_u32(n);
    *len = 0;
    if (!ndr_ok(n) || max > ndr_left(n)) {
        ndr_fail(n);
        return NULL;
    }
    *len = max;
    if (max == 0)
        return n->r.p + n->r.off;
    return ndr_bytes(n, max);
}

bool ndr_context_handle(ndr_t *n, uint8_t out[NDR_CONTEXT_HANDLE_SIZE])
{
    ndr_align(n, 4);
    const uint8_t *b = ndr_bytes(n, NDR_CONTEXT_HANDLE_SIZE);
    if (!b) {
        memset(out, 0, NDR_CONTEXT_HANDLE_SIZE);
        return false;
    }
    memcpy(out, b, NDR_CONTEXT_HANDLE_SIZE);
    return true;
}
