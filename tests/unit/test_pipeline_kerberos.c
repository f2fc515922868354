/* Kerberos through the whole pipeline: a Kerberos session's 5145 named after
 * the KDC's reply, and no names without it. The parser's own cases:
 * test_kerberos.c. */
#include "krb_build.h"
#include "smb_build.h"

#include <unistd.h>

#include "protocols/smb2.h"
#include "sensor/output.h"
#include "sensor/options.h"
#include "sensor/pipeline.h"

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
        size_t n = kb_kdc_rep(rep, 0x6d, "CONTOSO.LOCAL", "alice", "dc1.contoso.local", 0x5c);
        size_t fl = frame(f, kdc, cli, 88, 50000, true, 0, 0, rep, n);
        pipeline_packet(p, 1, ts, f, (uint32_t)fl, (uint32_t)fl);
    }
    tcp_side c2s = {cli, srv, 50001, 445, 1000}, s2c = {srv, cli, 445, 50001, 5000};
    size_t gl = kb_gss_ap_req(g, "CONTOSO.LOCAL", "dc1.contoso.local", 0x5c);
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
        cmocka_unit_test(test_pipeline_identity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
