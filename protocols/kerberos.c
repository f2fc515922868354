#include "kerberos.h"

#include <string.h>

#include "reader.h"
#include "utf16.h"

/* DER tags used here (RFC 4120 section 5, X.690) */
#define T_SEQUENCE 0x30
#define T_GENERAL_STRING 0x1b
#define T_OCTET_STRING 0x04
#define T_APP_TICKET 0x61  /* [APPLICATION 1] */
#define T_APP_AS_REP 0x6b  /* [APPLICATION 11] */
#define T_APP_TGS_REP 0x6d /* [APPLICATION 13] */
#define T_APP_AP_REQ 0x6e  /* [APPLICATION 14] */
#define T_CTX(n) (0xa0 + (n))

/* One DER element: its tag and its contents. A length beyond the bytes
 * left is cut to them (a message whose tail is in a later segment), and
 * *cut says so; a length form DER does not allow, a tag number past 30 or
 * no bytes at all is an error (false). */
static bool der_next(rd_t *r, uint8_t *tag, rd_t *content, bool *cut)
{
    *tag = rd_u8(r);
    uint8_t b = rd_u8(r);
    if (!rd_ok(r) || (*tag & 0x1f) == 0x1f)
        return false;
    size_t len = b;
    if (b & 0x80) {
        unsigned n = b & 0x7f;
        if (n == 0 || n > 4)
            return false;
        len = 0;
        for (unsigned i = 0; i < n; i++)
            len = (len << 8) | rd_u8(r);
        if (!rd_ok(r))
            return false;
    }
    size_t left = rd_left(r);
    if (cut)
        *cut = len > left;
    if (len > left)
        len = left;
    *content = rd_sub(r, r->off, len);
    rd_skip(r, len);
    return rd_ok(content);
}

/* The contents of the element with tag want at the start of r. */
static bool der_expect(rd_t *r, uint8_t want, rd_t *content)
{
    uint8_t tag;
    bool cut;
    return der_next(r, &tag, content, &cut) && tag == want;
}

/* Field [n] of a SEQUENCE's contents (fields in any order, each once). */
static bool der_field(const rd_t *seq, unsigned n, rd_t *content)
{
    rd_t r = *seq;
    while (rd_left(&r) >= 2) {
        uint8_t tag;
        bool cut;
        rd_t c;
        if (!der_next(&r, &tag, &c, &cut))
            return false;
        if (tag == T_CTX(n)) {
            *content = c;
            return true;
        }
    }
    return false;
}

/* KerberosString (GeneralString, IA5 in practice) into out. */
static bool der_string(rd_t *r, char *out, size_t cap)
{
    rd_t s;
    if (!der_expect(r, T_GENERAL_STRING, &s))
        return false;
    oem_to_utf8(s.p, s.len, out, cap);
    return true;
}

/* PrincipalName ::= SEQUENCE { name-type [0] Int32, name-string [1]
 * SEQUENCE OF KerberosString }: the components joined by '/'. */
static bool principal_name(rd_t r, char *out, size_t cap)
{
    rd_t seq, strings, list;
    out[0] = '\0';
    if (!der_expect(&r, T_SEQUENCE, &seq) || !der_field(&seq, 1, &strings) || !der_expect(&strings, T_SEQUENCE, &list))
        return false;
    size_t w = 0;
    while (rd_left(&list) >= 2) {
        char part[KRB_NAME_MAX + 1];
        if (!der_string(&list, part, sizeof part))
            break;
        size_t n = strlen(part);
        if (w + (w ? 1 : 0) + n + 1 > cap)
            break;
        if (w)
            out[w++] = '/';
        memcpy(out + w, part, n + 1);
        w += n;
    }
    return w > 0;
}

/* FNV-1a 64 */
static uint64_t hash_bytes(const uint8_t *p, size_t n)
{
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h ? h : 1;
}

/* Ticket ::= [APPLICATION 1] SEQUENCE { tkt-vno [0], realm [1], sname [2],
 * enc-part [3] EncryptedData ::= SEQUENCE { etype [0], kvno [1] OPTIONAL,
 * cipher [2] OCTET STRING } } */
static bool ticket(rd_t r, krb_ticket_ref *out)
{
    rd_t app, seq, f, enc, cipher;
    memset(out, 0, sizeof(*out));
    if (!der_expect(&r, T_APP_TICKET, &app) || !der_expect(&app, T_SEQUENCE, &seq))
        return false;
    if (der_field(&seq, 1, &f))
        der_string(&f, out->realm, sizeof out->realm);
    if (der_field(&seq, 2, &f))
        principal_name(f, out->sname, sizeof out->sname);
    if (!der_field(&seq, 3, &f) || !der_expect(&f, T_SEQUENCE, &enc) || !der_field(&enc, 2, &f) ||
        !der_expect(&f, T_OCTET_STRING, &cipher) || cipher.len < KRB_CIPHER_MIN)
        return false;
    out->id = hash_bytes(cipher.p, cipher.len < KRB_CIPHER_PREFIX ? cipher.len : KRB_CIPHER_PREFIX);
    return true;
}

/* KDC-REP ::= SEQUENCE { pvno [0], msg-type [1], padata [2] OPTIONAL,
 * crealm [3] Realm, cname [4] PrincipalName, ticket [5] Ticket, enc-part [6] } */
bool krb_parse_kdc_rep(const uint8_t *p, size_t len, krb_kdc_rep *out)
{
    memset(out, 0, sizeof(*out));
    rd_t r = rd_make(p, len);
    if (len >= 5 && p[0] != T_APP_AS_REP && p[0] != T_APP_TGS_REP)
        rd_skip(&r, 4); /* TCP: the record length comes first */
    rd_t app, seq, f;
    uint8_t tag;
    bool cut;
    if (!der_next(&r, &tag, &app, &cut) || (tag != T_APP_AS_REP && tag != T_APP_TGS_REP) ||
        !der_expect(&app, T_SEQUENCE, &seq))
        return false;
    out->msg_type = tag == T_APP_AS_REP ? 11 : 13;
    if (!der_field(&seq, 3, &f) || !der_string(&f, out->crealm, sizeof out->crealm))
        return false;
    if (!der_field(&seq, 4, &f) || !principal_name(f, out->cname, sizeof out->cname))
        return false;
    if (!der_field(&seq, 5, &f) || !ticket(f, &out->ticket))
        return false;
    return out->crealm[0] && out->cname[0];
}

/* AP-REQ ::= [APPLICATION 14] SEQUENCE { pvno [0], msg-type [1],
 * ap-options [2], ticket [3], authenticator [4] } */
static bool ap_req(const uint8_t *p, size_t len, krb_ticket_ref *out)
{
    rd_t r = rd_make(p, len), app, seq, f;
    if (!der_expect(&r, T_APP_AP_REQ, &app) || !der_expect(&app, T_SEQUENCE, &seq) || !der_field(&seq, 3, &f))
        return false;
    return ticket(f, out);
}

bool krb_find_ap_req(const uint8_t *blob, size_t len, krb_ticket_ref *out)
{
    /* A GSS-API Kerberos token (RFC 4121 4.1) is the mechanism OID, the
     * TOK_ID 01 00, then the AP-REQ. The OID also appears in SPNEGO's list
     * of mechanisms, never followed by that TOK_ID and an AP-REQ tag. */
    static const uint8_t oids[2][11] = {
        {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02},
        {0x06, 0x09, 0x2a, 0x86, 0x48, 0x82, 0xf7, 0x12, 0x01, 0x02, 0x02},
    };
    memset(out, 0, sizeof(*out));
    if (!blob)
        return false;
    for (size_t i = 0; i + 14 <= len; i++) {
        if (blob[i] != 0x06)
            continue;
        for (int k = 0; k < 2; k++) {
            if (memcmp(blob + i, oids[k], 11) == 0 && blob[i + 11] == 0x01 && blob[i + 12] == 0x00 &&
                blob[i + 13] == T_APP_AP_REQ)
                return ap_req(blob + i + 13, len - i - 13, out);
        }
    }
    return false;
}
