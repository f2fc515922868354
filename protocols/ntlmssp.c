#include "ntlmssp.h"

#include <string.h>

#include "reader.h"
#include "utf16.h"

static const uint8_t ntlm_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
/* DER contents of 1.2.840.113554.1.2.2 (Kerberos 5) and 1.2.840.48018.1.2.2 (MS Kerberos) */
static const uint8_t oid_krb5[9] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_mskrb5[9] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u

/* One NTLM string field (Len, MaxLen, Offset) into out. Returns 0 when the
 * field points outside the message. */
static int ntlm_field(rd_t *r, const rd_t *msg, int unicode, char *out, size_t outcap)
{
    uint16_t flen = rd_le16(r);
    (void)rd_le16(r);
    uint32_t foff = rd_le32(r);
    out[0] = '\0';
    if (!rd_ok(r))
        return 0;
    if (flen == 0)
        return 1;
    rd_t s = rd_sub(msg, foff, flen);
    if (!rd_ok(&s))
        return 0;
    if (unicode)
        utf16_to_utf8(s.p, s.len, out, outcap);
    else
        oem_to_utf8(s.p, s.len, out, outcap);
    return 1;
}

ntlmssp_kind ntlmssp_parse_message(const uint8_t *p, size_t len, ntlmssp_info *out)
{
    rd_t msg = rd_make(p, len);
    rd_t r = msg;
    const uint8_t *sig = rd_bytes(&r, 8);
    uint32_t type = rd_le32(&r);
    out->kind = NTLMSSP_NONE;
    if (!sig || memcmp(sig, ntlm_sig, 8) != 0 || !rd_ok(&r))
        return NTLMSSP_NONE;
    if (type == 1 || type == 2) {
        out->kind = (ntlmssp_kind)type;
        return out->kind;
    }
    if (type != 3)
        return NTLMSSP_NONE;
    /* LmChallengeResponse, NtChallengeResponse: only their lengths matter */
    uint16_t lm_len = rd_le16(&r);
    rd_skip(&r, 6);
    uint16_t nt_len = rd_le16(&r);
    rd_skip(&r, 6);
    rd_t names = r;
    rd_skip(&r, 8 * 3 + 8); /* Domain, User, Workstation, EncryptedRandomSessionKey */
    uint32_t flags = rd_le32(&r);
    if (!rd_ok(&r))
        return NTLMSSP_NONE;
    int uni = (flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
    if (!ntlm_field(&names, &msg, uni, out->domain, sizeof(out->domain)) ||
        !ntlm_field(&names, &msg, uni, out->user, sizeof(out->user)) ||
        !ntlm_field(&names, &msg, uni, out->workstation, sizeof(out->workstation))) {
        out->domain[0] = out->user[0] = out->workstation[0] = '\0';
        return NTLMSSP_NONE;
    }
    out->flags = flags;
    out->anonymous = out->user[0] == '\0' && nt_len == 0 && lm_len <= 1;
    if (out->user[0] == '\0')
        out->anonymous = 1;
    out->kind = NTLMSSP_AUTHENTICATE;
    return out->kind;
}

/* Reads a DER tag and length; returns 0 on malformed or out-of-bounds. */
static int der_tl(rd_t *r, uint8_t *tag, size_t *clen)
{
    *tag = rd_u8(r);
    uint8_t b = rd_u8(r);
    if (!rd_ok(r))
        return 0;
    size_t l = b;
    if (b & 0x80) {
        unsigned n = b & 0x7F;
        if (n == 0 || n > 4)
            return 0;
        l = 0;
        for (unsigned i = 0; i < n; i++)
            l = (l << 8) | rd_u8(r);
        if (!rd_ok(r))
            return 0;
    }
    if (l > rd_left(r))
        return 0;
    *clen = l;
    return 1;
}

static int is_krb_oid(const uint8_t *p, size_t n)
{
    return n == sizeof(oid_krb5) && (memcmp(p, oid_krb5, n) == 0 || memcmp(p, oid_mskrb5, n) == 0);
}

ntlmssp_kind ntlmssp_parse_blob(const uint8_t *blob, size_t len, ntlmssp_info *out)
{
    memset(out, 0, sizeof(*out));
    if (!blob || len == 0)
        return NTLMSSP_NONE;
    if (len >= 8 && memcmp(blob, ntlm_sig, 8) == 0)
        return ntlmssp_parse_message(blob, len, out);

    /* Walk the DER tree flat: a constructed element is entered by moving to
     * its contents, a primitive one is stepped over. The walk only ever moves
     * forward, so its cost is bounded by the blob length whatever the
     * nesting. */
    rd_t r = rd_make(blob, len);
    uint8_t prev_tag = 0;
    int saw_spnego = 0;
    while (rd_left(&r) >= 2) {
        uint8_t tag;
        size_t clen;
        if (!der_tl(&r, &tag, &clen))
            break;
        const uint8_t *c = r.p + r.off;
        if (tag == 0x06) {
            /* the OID right after a GSS-API 0x60 header names the mechanism
             * of that token; OIDs in the mechTypes list do not */
            if (prev_tag == 0x60 && is_krb_oid(c, clen)) {
                out->kind = NTLMSSP_KERBEROS;
                return out->kind;
            }
            if (prev_tag == 0x60)
                saw_spnego = 1;
            rd_skip(&r, clen);
        } else if (tag == 0x04) {
            if (clen >= 8 && memcmp(c, ntlm_sig, 8) == 0)
                return ntlmssp_parse_message(c, clen, out);
            if (clen >= 1 && c[0] == 0x60) {
                prev_tag = tag;
                continue; /* a mechToken that is itself a GSS-API token */
            }
            rd_skip(&r, clen);
        } else if (tag == 0x60 || tag == 0x30 || (tag >= 0xa0 && tag <= 0xa3)) {
            /* enter: contents follow the header directly */
        } else {
            rd_skip(&r, clen);
        }
        prev_tag = tag;
    }
    /* fallback for blobs the walk could not follow */
    for (size_t i = 0; i + 8 <= len; i++) {
        if (blob[i] == 'N' && memcmp(blob + i, ntlm_sig, 8) == 0)
            return ntlmssp_parse_message(blob + i, len - i, out);
    }
    out->kind = saw_spnego ? NTLMSSP_SPNEGO_ONLY : NTLMSSP_NONE;
    return out->kind;
}
