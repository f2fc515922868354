/* Hand-built Kerberos messages for the Kerberos unit tests (RFC 4120 DER:
 * KDC replies, tickets, the AP-REQ of a GSS-API token). */
#ifndef PW_KRB_BUILD_H
#define PW_KRB_BUILD_H

#include <string.h>

#include "testutil.h"

/* One DER element: tag, definite length (long form past 127), contents. */
static inline size_t kb_der(uint8_t *out, uint8_t tag, const uint8_t *c, size_t n)
{
    size_t h = 0;
    out[h++] = tag;
    if (n < 128) {
        out[h++] = (uint8_t)n;
    } else if (n < 256) {
        out[h++] = 0x81;
        out[h++] = (uint8_t)n;
    } else {
        out[h++] = 0x82;
        out[h++] = (uint8_t)(n >> 8);
        out[h++] = (uint8_t)n;
    }
    memmove(out + h, c, n);
    return h + n;
}

/* Concatenates up to 6 parts into out. */
static inline size_t kb_cat(uint8_t *out, const uint8_t *const *parts, const size_t *lens, int n)
{
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        memcpy(out + w, parts[i], lens[i]);
        w += lens[i];
    }
    return w;
}

static inline size_t kb_gstring(uint8_t *out, const char *s)
{
    return kb_der(out, 0x1b, (const uint8_t *)s, strlen(s));
}

/* [tag] { SEQUENCE { [0] INTEGER type, [1] SEQUENCE { GeneralString ... } } }
 */
static inline size_t kb_principal(uint8_t *out, uint8_t ctx, int type, const char *a, const char *b)
{
    uint8_t s1[300], s2[300], list[700], t[16], f0[32], f1[800], seq[900];
    size_t n1 = kb_gstring(s1, a), n2 = b ? kb_gstring(s2, b) : 0;
    memcpy(list, s1, n1);
    memcpy(list + n1, s2, n2);
    uint8_t seqlist[800];
    size_t nl = kb_der(seqlist, 0x30, list, n1 + n2);
    uint8_t iv = (uint8_t)type;
    size_t ni = kb_der(t, 0x02, &iv, 1);
    size_t nf0 = kb_der(f0, 0xa0, t, ni);
    size_t nf1 = kb_der(f1, 0xa1, seqlist, nl);
    const uint8_t *parts[] = {f0, f1};
    size_t lens[] = {nf0, nf1};
    uint8_t body[900];
    size_t nb = kb_cat(body, parts, lens, 2);
    size_t ns = kb_der(seq, 0x30, body, nb);
    return kb_der(out, ctx, seq, ns);
}

/* Ticket ::= [APPLICATION 1] SEQUENCE { [0] vno, [1] realm, [2] sname, [3]
 * EncryptedData } */
static inline size_t kb_ticket(uint8_t *out, const char *realm, const char *host, uint8_t fill, size_t cipher_len)
{
    uint8_t v[8], f0[16], r[300], f1[300], f2[700], cipher[1200], oct[1300], e0[16], e2[1300], encseq[1400], f3[1500],
        body[2600], seq[2700];
    uint8_t five = 5, etype = 18;
    size_t nv = kb_der(v, 0x02, &five, 1);
    size_t nf0 = kb_der(f0, 0xa0, v, nv);
    size_t nr = kb_gstring(r, realm);
    size_t nf1 = kb_der(f1, 0xa1, r, nr);
    size_t nf2 = kb_principal(f2, 0xa2, 2, "cifs", host);
    memset(cipher, fill, cipher_len);
    size_t no = kb_der(oct, 0x04, cipher, cipher_len);
    size_t ne = kb_der(v, 0x02, &etype, 1);
    size_t ne0 = kb_der(e0, 0xa0, v, ne);
    size_t ne2 = kb_der(e2, 0xa2, oct, no);
    uint8_t encbody[1400];
    memcpy(encbody, e0, ne0);
    memcpy(encbody + ne0, e2, ne2);
    size_t nes = kb_der(encseq, 0x30, encbody, ne0 + ne2);
    size_t nf3 = kb_der(f3, 0xa3, encseq, nes);
    const uint8_t *parts[] = {f0, f1, f2, f3};
    size_t lens[] = {nf0, nf1, nf2, nf3};
    size_t nb = kb_cat(body, parts, lens, 4);
    size_t ns = kb_der(seq, 0x30, body, nb);
    return kb_der(out, 0x61, seq, ns);
}

/* KDC-REP: [APPLICATION 11 or 13] SEQUENCE { [0] pvno, [1] msg-type, [3]
 * crealm, [4] cname, [5] ticket, [6] enc-part } */
static inline size_t kb_kdc_rep(uint8_t *out, uint8_t app, const char *crealm, const char *cname, const char *host,
                                uint8_t fill)
{
    uint8_t i5[8], f0[16], i13[8], f1[16], r[300], f3[300], f4[700], t[3000], f5[3100], ep[64], f6[80], body[4000],
        seq[4100];
    uint8_t five = 5, mt = app == 0x6b ? 11 : 13;
    size_t n = kb_der(i5, 0x02, &five, 1);
    size_t nf0 = kb_der(f0, 0xa0, i5, n);
    n = kb_der(i13, 0x02, &mt, 1);
    size_t nf1 = kb_der(f1, 0xa1, i13, n);
    n = kb_gstring(r, crealm);
    size_t nf3 = kb_der(f3, 0xa3, r, n);
    size_t nf4 = kb_principal(f4, 0xa4, 1, cname, NULL);
    n = kb_ticket(t, crealm, host, fill, 200);
    size_t nf5 = kb_der(f5, 0xa5, t, n);
    uint8_t zero[20] = {0};
    n = kb_der(ep, 0x30, zero, sizeof zero);
    size_t nf6 = kb_der(f6, 0xa6, ep, n);
    const uint8_t *parts[] = {f0, f1, f3, f4, f5, f6};
    size_t lens[] = {nf0, nf1, nf3, nf4, nf5, nf6};
    size_t nb = kb_cat(body, parts, lens, 6);
    size_t ns = kb_der(seq, 0x30, body, nb);
    return kb_der(out, app, seq, ns);
}

/* GSS-API token: 60 { krb5 OID, 01 00, AP-REQ [APPLICATION 14] SEQUENCE { ...,
 * [3] ticket, [4] authenticator } } */
static inline size_t kb_gss_ap_req(uint8_t *out, const char *realm, const char *host, uint8_t fill)
{
    static const uint8_t oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00};
    uint8_t i5[8], f0[16], t[3000], f3[3100], body[3300], seq[3400], app[3500], inner[3600];
    uint8_t five = 5;
    size_t n = kb_der(i5, 0x02, &five, 1);
    size_t nf0 = kb_der(f0, 0xa0, i5, n);
    n = kb_ticket(t, realm, host, fill, 300);
    size_t nf3 = kb_der(f3, 0xa3, t, n);
    memcpy(body, f0, nf0);
    memcpy(body + nf0, f3, nf3);
    size_t ns = kb_der(seq, 0x30, body, nf0 + nf3);
    size_t na = kb_der(app, 0x6e, seq, ns);
    memcpy(inner, oid, sizeof oid);
    memcpy(inner + sizeof oid, app, na);
    return kb_der(out, 0x60, inner, sizeof oid + na);
}

#endif
