/* Kerberos: the client of a ticket from the KDC's reply (AS-REP, TGS-REP
 * over UDP and TCP), the ticket an SMB SESSION_SETUP presents (AP-REQ, raw
 * GSS-API or inside SPNEGO), cut and malformed messages; and through the
 * whole pipeline, a Kerberos session's 5145 named after the KDC's reply. */
#include "smb_build.h"

#include <unistd.h>

#include "protocols/kerberos.h"
#include "protocols/smb2.h"
#include "sensor/output.h"
#include "sensor/options.h"
#include "sensor/pipeline.h"

/* One DER element: tag, definite length (long form past 127), contents. */
static size_t der(uint8_t *out, uint8_t tag, const uint8_t *c, size_t n)
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
static size_t cat(uint8_t *out, const uint8_t *const *parts, const size_t *lens, int n)
{
    size_t w = 0;
    for (int i = 0; i < n; i++) {
        memcpy(out + w, parts[i], lens[i]);
        w += lens[i];
    }
    return w;
}

static size_t gstring(uint8_t *out, const char *s) { return der(out, 0x1b, (const uint8_t *)s, strlen(s)); }

/* [tag] { SEQUENCE { [0] INTEGER type, [1] SEQUENCE { GeneralString ... } } } */
static size_t principal(uint8_t *out, uint8_t ctx, int type, const char *a, const char *b)
{
    uint8_t s1[300], s2[300], list[700], t[16], f0[32], f1[800], seq[900];
    size_t n1 = gstring(s1, a), n2 = b ? gstring(s2, b) : 0;
    memcpy(list, s1, n1);
    memcpy(list + n1, s2, n2);
    uint8_t seqlist[800];
    size_t nl = der(seqlist, 0x30, list, n1 + n2);
    uint8_t iv = (uint8_t)type;
    size_t ni = der(t, 0x02, &iv, 1);
    size_t nf0 = der(f0, 0xa0, t, ni);
    size_t nf1 = der(f1, 0xa1, seqlist, nl);
    const uint8_t *parts[] = {f0, f1};
    size_t lens[] = {nf0, nf1};
    uint8_t body[900];
    size_t nb = cat(body, parts, lens, 2);
    size_t ns = der(seq, 0x30, body, nb);
    return der(out, ctx, seq, ns);
}

/* Ticket ::= [APPLICATION 1] SEQUENCE { [0] vno, [1] realm, [2] sname, [3] EncryptedData } */
static size_t ticket(uint8_t *out, const char *realm, const char *host, uint8_t fill, size_t cipher_len)
{
    uint8_t v[8], f0[16], r[300], f1[300], f2[700], cipher[1200], oct[1300], e0[16], e2[1300], encseq[1400],
        f3[1500], body[2600], seq[2700];
    uint8_t five = 5, etype = 18;
    size_t nv = der(v, 0x02, &five, 1);
    size_t nf0 = der(f0, 0xa0, v, nv);
    size_t nr = gstring(r, realm);
    size_t nf1 = der(f1, 0xa1, r, nr);
    size_t nf2 = principal(f2, 0xa2, 2, "cifs", host);
    memset(cipher, fill, cipher_len);
    size_t no = der(oct, 0x04, cipher, cipher_len);
    size_t ne = der(v, 0x02, &etype, 1);
    size_t ne0 = der(e0, 0xa0, v, ne);
    size_t ne2 = der(e2, 0xa2, oct, no);
    uint8_t encbody[1400];
    memcpy(encbody, e0, ne0);
    memcpy(encbody + ne0, e2, ne2);
    size_t nes = der(encseq, 0x30, encbody, ne0 + ne2);
    size_t nf3 = der(f3, 0xa3, encseq, nes);
    const uint8_t *parts[] = {f0, f1, f2, f3};
    size_t lens[] = {nf0, nf1, nf2, nf3};
    size_t nb = cat(body, parts, lens, 4);
    size_t ns = der(seq, 0x30, body, nb);
    return der(out, 0x61, seq, ns);
}

/* KDC-REP: [APPLICATION 11 or 13] SEQUENCE { [0] pvno, [1] msg-type, [3] crealm, [4] cname, [5] ticket, [6] enc-part } */
static size_t kdc_rep(uint8_t *out, uint8_t app, const char *crealm, const char *cname, const char *host, uint8_t fill)
{
    uint8_t i5[8], f0[16], i13[8], f1[16], r[300], f3[300], f4[700], t[3000], f5[3100], ep[64], f6[80], body[4000],
        seq[4100];
    uint8_t five = 5, mt = app == 0x6b ? 11 : 13;
    size_t n = der(i5, 0x02, &five, 1);
    size_t nf0 = der(f0, 0xa0, i5, n);
    n = der(i13, 0x02, &mt, 1);
    size_t nf1 = der(f1, 0xa1, i13, n);
    n = gstring(r, crealm);
    size_t nf3 = der(f3, 0xa3, r, n);
    size_t nf4 = principal(f4, 0xa4, 1, cname, NULL);
    n = ticket(t, crealm, host, fill, 200);
    size_t nf5 = der(f5, 0xa5, t, n);
    uint8_t zero[20] = {0};
    n = der(ep, 0x30, zero, sizeof zero);
    size_t nf6 = der(f6, 0xa6, ep, n);
    const uint8_t *parts[] = {f0, f1, f3, f4, f5, f6};
    size_t lens[] = {nf0, nf1, nf3, nf4, nf5, nf6};
    size_t nb = cat(body, parts, lens, 6);
    size_t ns = der(seq, 0x30, body, nb);
    return der(out, app, seq, ns);
}

/* GSS-API token: 60 { krb5 OID, 01 00, AP-REQ [APPLICATION 14] SEQUENCE { ..., [3] ticket, [4] authenticator } } */
static size_t gss_ap_req(uint8_t *out, const char *realm, const char *host, uint8_t fill)
{
    static const uint8_t oid[] = {0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00};
    uint8_t i5[8], f0[16], t[3000], f3[3100], body[3300], seq[3400], app[3500], inner[3600];
    uint8_t five = 5;
    size_t n = der(i5, 0x02, &five, 1);
    size_t nf0 = der(f0, 0xa0, i5, n);
    n = ticket(t, realm, host, fill, 300);
    size_t nf3 = der(f3, 0xa3, t, n);
    memcpy(body, f0, nf0);
    memcpy(body + nf0, f3, nf3);
    size_t ns = der(seq, 0x30, body, nf0 + nf3);
    size_t na = der(app, 0x6e, seq, ns);
    memcpy(inner, oid, sizeof oid);
    memcpy(inner + sizeof oid, app, na);
    return der(out, 0x60, inner, sizeof oid + na);
}

static void test_tgs_rep(void **state)
{
    static uint8_t m[5000];
    size_t n = kdc_rep(m + 4, 0x6d, "CONTOSO.LOCAL", "alice", "dc1.contoso.local", 0x5c);
    krb_kdc_rep r;
    assert_true(krb_parse_kdc_rep(m + 4, n, &r)); /* UDP */
    assert_int_equal(r.msg_type, 13);
    assert_string_equal(r.crealm, "CONTOSO.LOCAL");
    assert_string_equal(r.cname, "alice");
    assert_string_equal(r.ticket.sname, "cifs/dc1.contoso.local");
    assert_string_equal(r.ticket.realm, "CONTOSO.LOCAL");
    assert_true(r.ticket.id != 0);
    uint64_t id = r.ticket.id;
    tu_le32(m, 0);
    m[0] = (uint8_t)(n >> 24);
    m[1] = (uint8_t)(n >> 16);
    m[2] = (uint8_t)(n >> 8);
    m[3] = (uint8_t)n;
    assert_true(krb_parse_kdc_rep(m, n + 4, &r)); /* TCP: record length first */
    assert_int_equal(r.ticket.id, id);
    /* a TCP reply cut after the ticket's first cipher bytes (the rest in a
     * later segment) still names the ticket the same way */
    size_t cut = 0;
    for (size_t i = 0; i + 4 <= n; i++)
        if (m[4 + i] == 0x5c && m[5 + i] == 0x5c && m[6 + i] == 0x5c && m[7 + i] == 0x5c) {
            cut = i + KRB_CIPHER_PREFIX;
            break;
        }
    assert_true(cut > 0 && cut < n);
    assert_true(krb_parse_kdc_rep(m, 4 + cut, &r));
    assert_int_equal(r.ticket.id, id);
    /* too few cipher bytes: no id, not parsed */
    assert_false(krb_parse_kdc_rep(m, 4 + cut - KRB_CIPHER_PREFIX + 8, &r));
    /* AS-REP */
    n = kdc_rep(m, 0x6b, "CONTOSO.LOCAL", "bob", "dc1.contoso.local", 0x11);
    assert_true(krb_parse_kdc_rep(m, n, &r));
    assert_int_equal(r.msg_type, 11);
    assert_string_equal(r.cname, "bob");
    assert_true(r.ticket.id != id);
}

static void test_malformed(void **state)
{
    static uint8_t m[5000];
    krb_kdc_rep r;
    size_t n = kdc_rep(m, 0x6d, "R", "u", "h", 0x22);
    /* every prefix parses or fails without reading past it */
    for (size_t k = 0; k < n; k++)
        (void)krb_parse_kdc_rep(m, k, &r);
    /* a length of five bytes is not DER */
    uint8_t bad[] = {0x6d, 0x85, 0, 0, 0, 0, 1, 0x30, 0};
    assert_false(krb_parse_kdc_rep(bad, sizeof bad, &r));
    /* a high tag number form */
    uint8_t hi[] = {0x7f, 0x01, 0x00};
    assert_false(krb_parse_kdc_rep(hi, sizeof hi, &r));
    /* KRB-ERROR and other applications are not replies */
    uint8_t err[] = {0x7e, 0x03, 0x30, 0x01, 0x00};
    assert_false(krb_parse_kdc_rep(err, sizeof err, &r));
    assert_false(krb_parse_kdc_rep(NULL, 0, &r));
    krb_ticket_ref t;
    assert_false(krb_find_ap_req(NULL, 0, &t));
    assert_false(krb_find_ap_req(bad, sizeof bad, &t));
}

static void test_ap_req(void **state)
{
    static uint8_t g[5000], m[5000];
    size_t n = gss_ap_req(g, "CONTOSO.LOCAL", "dc1.contoso.local", 0x5c);
    krb_ticket_ref t;
    assert_true(krb_find_ap_req(g, n, &t));
    assert_string_equal(t.sname, "cifs/dc1.contoso.local");
    assert_string_equal(t.realm, "CONTOSO.LOCAL");
    /* the same ticket (same cipher) as in a reply: the same id */
    size_t rn = kdc_rep(m, 0x6d, "CONTOSO.LOCAL", "alice", "dc1.contoso.local", 0x5c);
    krb_kdc_rep r;
    assert_true(krb_parse_kdc_rep(m, rn, &r));
    assert_int_equal(t.id, r.ticket.id);
    /* inside SPNEGO: mechTypes list (the OID without a token) then the token */
    static const uint8_t spnego_head[] = {0x60, 0x82, 0, 0, 0x06, 0x06, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x02,
                                          0xa0, 0x0f, 0x30, 0x0d, 0xa0, 0x0b, 0x06, 0x09, 0x2a, 0x86, 0x48,
                                          0x82, 0xf7, 0x12, 0x01, 0x02, 0x02};
    memcpy(m, spnego_head, sizeof spnego_head);
    memcpy(m + sizeof spnego_head, g, n);
    krb_ticket_ref t2;
    assert_true(krb_find_ap_req(m, sizeof spnego_head + n, &t2));
    assert_int_equal(t2.id, t.id);
    /* another ticket, another id */
    n = gss_ap_req(g, "CONTOSO.LOCAL", "dc1.contoso.local", 0x5d);
    assert_true(krb_find_ap_req(g, n, &t2));
    assert_true(t2.id != t.id);
}

/* ---- through the pipeline: Ethernet/IPv4 frames by hand ---- */

static size_t frame(uint8_t *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                    bool udp, uint32_t seq, uint8_t flags, const uint8_t *payload, size_t plen)
{
    memset(f, 0, 14);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    size_t l4 = udp ? 8 : 20;
    size_t tot = 20 + l4 + plen;
    memset(ip, 0, 20);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = udp ? 17 : 6;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *t = ip + 20;
    memset(t, 0, l4);
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    if (udp) {
        t[4] = (uint8_t)((8 + plen) >> 8);
        t[5] = (uint8_t)(8 + plen);
    } else {
        t[4] = (uint8_t)(seq >> 24);
        t[5] = (uint8_t)(seq >> 16);
        t[6] = (uint8_t)(seq >> 8);
        t[7] = (uint8_t)seq;
        t[12] = 0x50;
        t[13] = flags;
        t[14] = 0xff;
    }
    memcpy(t + l4, payload, plen);
    return 14 + tot;
}

typedef struct tcp_side {
    const uint8_t *src, *dst;
    uint16_t sport, dport;
    uint32_t seq;
} tcp_side;

static void send_tcp(pipeline *p, tcp_side *s, const uint8_t *msg, size_t n, uint64_t ts)
{
    static uint8_t nb[8000], f[9000];
    size_t w = b_nbss(nb, msg, n);
    size_t fl = frame(f, s->src, s->dst, s->sport, s->dport, false, s->seq, 0x18, nb, w);
    pipeline_packet(p, 1, ts, f, (uint32_t)fl, (uint32_t)fl);
    s->seq += (uint32_t)w;
}

static void run_kerberos_session(const char *path, bool with_kdc)
{
    static const uint8_t kdc[4] = {10, 0, 0, 1}, cli[4] = {10, 0, 0, 5}, srv[4] = {10, 0, 0, 9};
    static uint8_t g[5000], msg[9000];
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    o.log_flow = o.log_stats = false;
    char err[256];
    pw_output *out = output_open(path, "regular", NULL, false, err, sizeof err);
    assert_non_null(out);
    pipeline *p = pipeline_new(&o, NULL, out);
    assert_non_null(p);
    uint64_t ts = 1700000000ull * 1000000;
    if (with_kdc) {
        static uint8_t rep[5000], f[9000];
        size_t n = kdc_rep(rep, 0x6d, "CONTOSO.LOCAL", "alice", "dc1.contoso.local", 0x5c);
        size_t fl = frame(f, kdc, cli, 88, 50000, true, 0, 0, rep, n);
        pipeline_packet(p, 1, ts, f, (uint32_t)fl, (uint32_t)fl);
    }
    tcp_side c2s = {cli, srv, 50001, 445, 1000}, s2c = {srv, cli, 445, 50001, 5000};
    size_t gl = gss_ap_req(g, "CONTOSO.LOCAL", "dc1.contoso.local", 0x5c);
    b_hdr s = {.cmd = SMB2_SESSION_SETUP, .mid = 1, .sid = 0x77};
    send_tcp(p, &c2s, msg, b_sess_req(msg, &s, g, gl), ts + 1000);
    s.flags = 1;
    send_tcp(p, &s2c, msg, b_sess_rsp(msg, &s, 0), ts + 2000);
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 2, .sid = 0x77};
    send_tcp(p, &c2s, msg, b_tree_req(msg, &tc, "\\\\dc1\\IPC$"), ts + 3000);
    tc.flags = 1;
    tc.tid = 3;
    send_tcp(p, &s2c, msg, b_tree_rsp(msg, &tc, 2), ts + 4000);
    pipeline_finish(p);
    pipeline_free(p);
    output_close(out);
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static void test_pipeline_identity(void **state)
{
    char path[] = "/tmp/pw-krb-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    run_kerberos_session(path, true);
    const char *eve = slurp(path);
    assert_non_null(strstr(eve, "\"event_id\":5140"));
    assert_non_null(strstr(eve, "\"SubjectUserName\":\"alice\""));
    assert_non_null(strstr(eve, "\"SubjectDomainName\":\"CONTOSO.LOCAL\""));
    assert_non_null(strstr(eve, "\"identity_from\":\"kdc_reply\""));
    /* without the KDC's reply: no names, as Windows' ticket hides them */
    run_kerberos_session(path, false);
    eve = slurp(path);
    assert_non_null(strstr(eve, "\"event_id\":5140"));
    assert_null(strstr(eve, "alice"));
    assert_null(strstr(eve, "\"SubjectUserName\"")); /* empty: left out, as Winlogbeat does */
    assert_null(strstr(eve, "identity_from"));
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tgs_rep),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_ap_req),
        cmocka_unit_test(test_pipeline_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
