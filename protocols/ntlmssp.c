#include "ntlmssp.h"

#include <string.h>

#include "reader.h"
#include "utf16.h"

static const uint8_t ntlm_sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
/* DER contents of 1.2.840.113554.1.2.2 (Kerberos 5) and 1.2.840.48018.1.2.2 (MS Kerberos) */
static const uint8_t oid_krb5[9] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02};
static const uint8_t oid_mskrb5[9] = {0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};

#define NTLMSSP_NEGOTIATE_UNICODE 0x00000001u
#define NTLMSSP_NEGOTIATE_VERSION 0x02000000u

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

int ntlmssp_av_pairs(const uint8_t *p, size_t len, ntlm_target *t)
{
    rd_t r = rd_make(p, len);
    int found = 0;
    /* each pair is at least 4 bytes, so the walk ends after len / 4 pairs */
    while (rd_left(&r) >= 4) {
        uint16_t id = rd_le16(&r);
        uint16_t vlen = rd_le16(&r);
        const uint8_t *v = rd_bytes(&r, vlen);
        if (id == 0 || !v) /* MsvAvEOL, or a pair cut short */
            break;
        char *dst = id == 1   ? t->nb_computer
                    : id == 2 ? t->nb_domain
                    : id == 3 ? t->dns_computer
                    : id == 4 ? t->dns_domain
                              : NULL;
        if (dst && vlen) {
            /* AV pair values are always UTF-16LE, whatever the flags say */
            utf16_to_utf8(v, vlen, dst, NTLM_HOST_MAX + 1);
            found |= dst[0] != '\0';
        }
    }
    return found;
}

/* The CHALLENGE (type 2) after its signature and type: target name and
 * target info. Both are optional; a field pointing outside the message is
 * left empty rather than failing the message, whose kind is still news. */
static void parse_challenge(rd_t *r, const rd_t *msg, ntlmssp_info *out)
{
    rd_t tn = *r;
    rd_skip(r, 8); /* TargetNameFields */
    uint32_t flags = rd_le32(r);
    rd_skip(r, 16); /* ServerChallenge, Reserved */
    uint16_t ti_len = rd_le16(r);
    (void)rd_le16(r);
    uint32_t ti_off = rd_le32(r);
    if (!rd_ok(r))
        return;
    if (flags & NTLMSSP_NEGOTIATE_VERSION) {
        rd_t v = *r; /* VERSION follows TargetInfoFields */
        uint8_t major = rd_u8(&v), minor = rd_u8(&v);
        uint16_t build = rd_le16(&v);
        if (rd_ok(&v)) {
            out->target.os_major = major;
            out->target.os_minor = minor;
            out->target.os_build = build;
        }
    }
    out->flags = flags;
    int uni = (flags & NTLMSSP_NEGOTIATE_UNICODE) != 0;
    if (!ntlm_field(&tn, msg, uni, out->target.target_name, sizeof(out->target.target_name)))
        out->target.target_name[0] = '\0';
    int found = out->target.target_name[0] != '\0';
    rd_t ti = rd_sub(msg, ti_off, ti_len);
    if (ti_len && rd_ok(&ti))
        found |= ntlmssp_av_pairs(ti.p, ti.len, &out->target);
    out->have_target = found;
}

/* NTLMv2_RESPONSE (MS-NLMP 2.2.2.8): NTProofStr (16 bytes), then the
 * NTLMv2_CLIENT_CHALLENGE whose AV pairs start 28 bytes in. An NTLMv1
 * response is 24 bytes and carries none. */
#define NTLMV2_AV_OFFSET (16 + 28)

static void parse_v2_target(const rd_t *msg, uint32_t nt_off, uint16_t nt_len, ntlmssp_info *out)
{
    if (nt_len <= NTLMV2_AV_OFFSET)
        return;
    rd_t nt = rd_sub(msg, nt_off, nt_len);
    if (!rd_ok(&nt) || nt.p[nt.off + 16] != 1) /* RespType 1 */
        return;
    out->have_target = ntlmssp_av_pairs(nt.p + nt.off + NTLMV2_AV_OFFSET, nt_len - NTLMV2_AV_OFFSET, &out->target);
}

ntlmssp_kind ntlmssp_parse_message(const uint8_t *p, size_t len, ntlmssp_info *out)
{
    rd_t msg = rd_make(p, len);
    rd_t r = msg;
    const uint8_t *sig = rd_bytes(&r, 8);
    uint32_t type = rd_le32(&r);
    out->kind = NTLMSSP_NONE;
    memset(&out->target, 0, sizeof(out->target));
    out->have_target = 0;
    if (!sig || memcmp(sig, ntlm_sig, 8) != 0 || !rd_ok(&r))
        return NTLMSSP_NONE;
    if (type == 1 || type == 2) {
        if (type == 2)
            parse_challenge(&r, &msg, out);
        out->kind = (ntlmssp_kind)type;
        return out->kind;
    }
    if (type != 3)
        return NTLMSSP_NONE;
    /* LmChallengeResponse, NtChallengeResponse: only their lengths matter */
    uint16_t lm_len = rd_le16(&r);
    rd_skip(&r, 6);
    uint16_t nt_len = rd_le16(&r);
    rd_skip(&r, 2);
    uint32_t nt_off = rd_le32(&r);
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
    parse_v2_target(&msg, nt_off, nt_len, out);
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

static void learn_name(char *dst, const char *src, bool replace)
{
    if (src[0] && (replace || !dst[0]))
        memcpy(dst, src, strlen(src) + 1);
}

void ntlm_target_learn(ntlm_target *d, const ntlmssp_info *ni)
{
    if (!ni->have_target)
        return;
    bool replace = ni->kind == NTLMSSP_CHALLENGE;
    const ntlm_target *s = &ni->target;
    learn_name(d->target_name, s->target_name, replace);
    learn_name(d->nb_computer, s->nb_computer, replace);
    learn_name(d->nb_domain, s->nb_domain, replace);
    learn_name(d->dns_computer, s->dns_computer, replace);
    learn_name(d->dns_domain, s->dns_domain, replace);
    if (s->os_major && (replace || !d->os_major)) {
        d->os_major = s->os_major;
        d->os_minor = s->os_minor;
        d->os_build = s->os_build;
    }
}
