/* DCE/RPC straight over TCP: the probe on a stream's first bytes (what it
 * takes, what it refuses), and a connection's bytes into facts: a bind with
 * its own NTLMSSP logon and CreateServiceW, sealed calls, ept_map replies
 * handed up as endpoints, the interface a learnt endpoint names, and any
 * segmentation of the stream. */
#include "rpc_tcp_build.h"

#include "protocols/dcerpc_tcp.h"
#include "protocols/epm.h"

#define MAX_FACTS 16

typedef struct got_fact {
    smb_fact_kind kind;
    smb_transport transport;
    int req_dir;
    bool encrypted;
    bool have_return;
    uint32_t return_code;
    uint16_t opnum;
    char name[128], binary[256], user[64], iface[32], object[64], operation[40];
    uint16_t endpoint_port;
    uint64_t session_id;
    bool have_share;
    char nb_computer[64], dns_computer[64], target_name[64];
} got_fact;

typedef struct seen {
    got_fact f[MAX_FACTS];
    int n;
    rpc_endpoint ep[8];
    int nep;
} seen;

static void cp(char *dst, size_t cap, const char *s) { snprintf(dst, cap, "%s", s ? s : ""); }

static void on_fact(void *ctx, const smb_fact *f)
{
    seen *s = ctx;
    assert_true(s->n < MAX_FACTS);
    got_fact *g = &s->f[s->n++];
    memset(g, 0, sizeof *g);
    g->kind = f->h.kind;
    g->transport = f->h.transport;
    g->req_dir = f->h.req_dir;
    g->session_id = f->h.session_id;
    cp(g->user, sizeof g->user, f->h.who.user);
    cp(g->nb_computer, sizeof g->nb_computer, f->h.server.nb_computer);
    cp(g->dns_computer, sizeof g->dns_computer, f->h.server.dns_computer);
    cp(g->target_name, sizeof g->target_name, f->h.server.target_name);
    const smb_fact_tree *t = smb_fact_tree_of(f);
    g->have_share = t && t->share;
    if (f->h.kind == SMB_FACT_SERVICE) {
        g->encrypted = f->u.service.encrypted;
        g->have_return = f->u.service.have_return;
        g->return_code = f->u.service.return_code;
        g->opnum = f->u.service.opnum;
        cp(g->name, sizeof g->name, f->u.service.name);
        cp(g->binary, sizeof g->binary, f->u.service.binary_path);
        cp(g->operation, sizeof g->operation, f->u.service.operation);
    } else if (f->h.kind == SMB_FACT_RPC) {
        g->encrypted = f->u.rpc.encrypted;
        g->opnum = f->u.rpc.opnum;
        g->endpoint_port = f->u.rpc.endpoint_port;
        cp(g->iface, sizeof g->iface, f->u.rpc.interface);
        cp(g->object, sizeof g->object, f->u.rpc.object);
        cp(g->operation, sizeof g->operation, f->u.rpc.operation);
    }
}

static void on_endpoint(void *ctx, const rpc_endpoint *e)
{
    seen *s = ctx;
    assert_true(s->nep < 8);
    s->ep[s->nep++] = *e;
}

static uint8_t pdu[8192], stub[4096];

/* ---- the probe ---------------------------------------------------------- */

static void test_probe_takes(void **state)
{
    (void)state;
    rb b = {pdu, 0, true};
    rb_ctx c[2] = {{0, RB_SVCCTL, 2, 0}, {1, RB_ATSVC, 1, 0}};
    for (int le = 0; le < 2; le++) {
        b.le = le;
        size_t n = rb_bind(&b, DCERPC_BIND, 1, c, 2);
        assert_int_equal(dcerpc_probe(pdu, n), DCERPC_PROBE_CLIENT);
        /* one segment may hold only the first bytes of the PDU */
        assert_int_equal(dcerpc_probe(pdu, 40), DCERPC_PROBE_CLIENT);
        n = rb_bind(&b, DCERPC_ALTER_CONTEXT, 2, c, 1);
        assert_int_equal(dcerpc_probe(pdu, n), DCERPC_PROBE_CLIENT);
        n = rb_bind_ex(&b, DCERPC_BIND, 3, c, 1, 10, 6, 40); /* with an NTLMSSP verifier */
        assert_int_equal(dcerpc_probe(pdu, n), DCERPC_PROBE_CLIENT);
        uint16_t ok[1] = {0};
        n = rb_bind_ack(&b, DCERPC_BIND_ACK, 1, ok, 1);
        assert_int_equal(dcerpc_probe(pdu, n), DCERPC_PROBE_SERVER);
        n = rb_bind_ack(&b, DCERPC_ALTER_CONTEXT_RESP, 2, ok, 1);
        assert_int_equal(dcerpc_probe(pdu, n), DCERPC_PROBE_SERVER);
    }
}

/* A good bind, changed in one place: the probe must refuse it. */
static void test_probe_refuses(void **state)
{
    (void)state;
    rb b = {pdu, 0, true};
    rb_ctx c = {0, RB_SVCCTL, 2, 0};
    size_t n = rb_bind(&b, DCERPC_BIND, 1, &c, 1);
    uint8_t good[256];
    memcpy(good, pdu, n);
    struct {
        size_t off;
        uint8_t v;
        const char *what;
    } bad[] = {
        {0, 4, "rpc_vers 4"},
        {1, 2, "minor 2"},
        {2, 0, "a REQUEST first"},
        {2, 2, "a RESPONSE first"},
        {2, 20, "an unknown ptype"},
        {3, 0x02, "no first-fragment flag"},
        {3, 0x83, "object UUID flag on a bind"},
        {4, 0x11, "EBCDIC characters"},
        {4, 0x20, "integer representation 2"},
        {5, 1, "VAX floats"},
        {6, 1, "reserved drep byte"},
        {9, 0x30, "frag_length over 8 KB"},
        {8, 40, "frag_length under one context"},
        {10, 0xff, "auth_length past the PDU"},
        {17, 0x01, "max_xmit_frag 256, under 1432"},
        {24, 0, "no presentation context"},
        {24, 17, "17 presentation contexts"},
        {30, 0, "no transfer syntax"},
        {30, 9, "9 transfer syntaxes"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memcpy(pdu, good, n);
        pdu[bad[i].off] = bad[i].v;
        if (bad[i].off == 17)
            pdu[16] = 0; /* max_xmit_frag 256 */
        if (dcerpc_probe(pdu, n) != DCERPC_PROBE_NO)
            fail_msg("probe took a bind with %s", bad[i].what);
    }
    memcpy(pdu, good, n);
    for (size_t cut = 0; cut < 28; cut++)
        assert_int_equal(dcerpc_probe(pdu, cut), DCERPC_PROBE_NO);
    assert_int_equal(dcerpc_probe(NULL, 100), DCERPC_PROBE_NO);

    /* other protocols' first bytes */
    uint8_t msg[512];
    b_hdr h = {.cmd = 0, .mid = 0};
    size_t m = b_small(msg, &h);
    uint8_t nb[600];
    m = b_nbss(nb, msg, m);
    assert_int_equal(dcerpc_probe(nb, m), DCERPC_PROBE_NO); /* SMB2 over NBSS */
    assert_true(smb_probe(nb, m));
    static const char http[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";
    static const uint8_t tls[] = {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03, 1, 2, 3, 4, 5,
                                  6,    7,    8,    9,    10,   11,   12,   13,   14,   15,   16,   17, 18, 19, 20, 21};
    static const char nbss_request[] = "\x81\x00\x00\x44 CKFDENECFDEFFCFGEFFCCACACACACACA\x00 ENEBFDEBCACACACA";
    assert_int_equal(dcerpc_probe((const uint8_t *)http, sizeof http - 1), DCERPC_PROBE_NO);
    assert_int_equal(dcerpc_probe(tls, sizeof tls), DCERPC_PROBE_NO);
    assert_int_equal(dcerpc_probe((const uint8_t *)nbss_request, sizeof nbss_request - 1), DCERPC_PROBE_NO);
    /* and what a bind looks like to the SMB probe */
    assert_false(smb_probe(good, n));

    /* random bytes do not pass, even with the version bytes right */
    uint32_t x = 12345;
    int taken = 0;
    for (int i = 0; i < 200000; i++) {
        for (int k = 0; k < 72; k++) {
            x = x * 1103515245u + 12345u;
            pdu[k] = (uint8_t)(x >> 16);
        }
        pdu[0] = 5;
        pdu[1] = 0;
        taken += dcerpc_probe(pdu, 72) != DCERPC_PROBE_NO;
    }
    assert_int_equal(taken, 0);
}

/* ---- a connection ------------------------------------------------------- */

/* The client's bytes and the server's, PDU by PDU, in order: fed in chunks
 * of `chunk` bytes (0: whole PDUs). */
typedef struct stream {
    uint8_t bytes[2][16384];
    size_t len[2];
    int order[32][3]; /* dir, offset, length */
    int n;
} stream;

static stream st;

static void put(int dir, const uint8_t *p, size_t n)
{
    memcpy(st.bytes[dir] + st.len[dir], p, n);
    st.order[st.n][0] = dir;
    st.order[st.n][1] = (int)st.len[dir];
    st.order[st.n][2] = (int)n;
    st.n++;
    st.len[dir] += n;
}

static void play(dcerpc_tcp *t, int client_dir, size_t chunk)
{
    for (int i = 0; i < st.n; i++) {
        int dir = st.order[i][0] ? !client_dir : client_dir;
        const uint8_t *p = st.bytes[st.order[i][0]] + st.order[i][1];
        size_t n = (size_t)st.order[i][2];
        size_t step = chunk ? chunk : n;
        for (size_t off = 0; off < n; off += step)
            dcerpc_tcp_data(t, dir, p + off, off + step < n ? step : n - off);
    }
}

/* bind svcctl, AUTH3 with a logon at `level`, CreateServiceW answered 0. */
static void svcctl_run(bool le, uint8_t level)
{
    memset(&st, 0, sizeof st);
    rb b = {pdu, 0, le};
    rb_ctx c = {0, RB_SVCCTL, 2, 0};
    put(0, pdu, rb_bind_ex(&b, DCERPC_BIND, 1, &c, 1, 10, level, 40));
    uint16_t ok = 0;
    put(1, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1));
    put(0, pdu, eb_auth3(&b, 1, level, "CORP", "alice", "WKS7"));
    size_t sl = eb_create_service(stub, le, "BTOBTO", "%COMSPEC% /Q /c echo dir ^> \\\\127.0.0.1\\C$\\__output");
    uint16_t auth = level == 6 ? 16 : 0;
    put(0, pdu, rb_request(&b, 3, 2, 0, 12, stub, sl, auth ? level : 0, auth));
    sl = eb_create_service_reply(stub, le, 0);
    put(1, pdu, rb_response(&b, 3, 2, 0, stub, sl, auth ? level : 0, auth));
}

static dcerpc_tcp *conn(seen *s, int client_dir, dcerpc_iface expect, size_t *used, size_t cap)
{
    memset(s, 0, sizeof *s);
    dcerpc_tcp_sink sink = {on_fact, on_endpoint, s};
    dcerpc_tcp *t = dcerpc_tcp_new(NULL, client_dir, expect, sink, used, cap);
    assert_non_null(t);
    return t;
}

static void test_create_service_over_tcp(void **state)
{
    (void)state;
    static seen s;
    static const size_t chunks[] = {0, 1, 7, 100};
    for (int le = 0; le < 2; le++) {
        for (size_t ci = 0; ci < sizeof chunks / sizeof chunks[0]; ci++) {
            for (int cdir = 0; cdir < 2; cdir++) {
                svcctl_run(le, 2);
                size_t used = 0;
                dcerpc_tcp *t = conn(&s, cdir, DCERPC_IF_UNKNOWN, &used, 1 << 20);
                play(t, cdir, chunks[ci]);
                assert_int_equal(s.n, 2);
                got_fact *sv = &s.f[0], *r = &s.f[1];
                assert_int_equal(sv->kind, SMB_FACT_SERVICE);
                assert_int_equal(sv->transport, SMB_TRANSPORT_TCP);
                assert_int_equal(sv->req_dir, cdir);
                assert_string_equal(sv->operation, "RCreateServiceW");
                assert_string_equal(sv->name, "BTOBTO");
                assert_string_equal(sv->binary, "%COMSPEC% /Q /c echo dir ^> \\\\127.0.0.1\\C$\\__output");
                assert_true(sv->have_return);
                assert_int_equal(sv->return_code, 0);
                assert_false(sv->encrypted);
                assert_string_equal(sv->user, "alice"); /* the bind's own logon */
                assert_int_equal(sv->session_id, 0);
                assert_false(sv->have_share);
                assert_int_equal(r->kind, SMB_FACT_RPC);
                assert_string_equal(r->iface, "svcctl");
                assert_string_equal(r->object, "BTOBTO");
                dcerpc_tcp_stats ts = dcerpc_tcp_get_stats(t);
                assert_int_equal(ts.calls, 1);
                assert_int_equal(ts.answered_calls, 1);
                assert_int_equal(ts.encrypted_calls, 0);
                assert_true(used > 0);
                dcerpc_tcp_free(t);
                assert_int_equal(used, 0); /* everything charged is given back */
            }
        }
    }
}

/* The bind_ack's verifier carries the server's NTLMSSP CHALLENGE: its names
 * are the server's on every fact of the connection, as an SMB session's
 * CHALLENGE names its server; without one, nothing is named. */
static void test_server_named_by_bind_ack(void **state)
{
    (void)state;
    static seen s;
    for (int named = 0; named < 2; named++) {
        memset(&st, 0, sizeof st);
        rb b = {pdu, 0, true};
        rb_ctx c = {0, RB_SVCCTL, 2, 0};
        put(0, pdu, rb_bind_ex(&b, DCERPC_BIND, 1, &c, 1, 10, 5, 40));
        uint16_t ok = 0;
        size_t n = rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1);
        if (named) {
            uint8_t tok[512];
            size_t tl = b_ntlm_challenge(tok, "CORP", "SRV01", "CORP", "srv01.corp.example", "corp.example");
            b.n = n;
            n = rb_end(&b, 10, 5, (uint16_t)tl);
            memcpy(pdu + n - tl, tok, tl);
        }
        put(1, pdu, n);
        put(0, pdu, eb_auth3(&b, 1, 5, "", "alice", "WKS7"));
        size_t sl = eb_create_service(stub, true, "BTOBTO", "cmd.exe /c whoami");
        put(0, pdu, rb_request(&b, 3, 2, 0, 12, stub, sl, 5, 16));
        sl = eb_create_service_reply(stub, true, 0);
        put(1, pdu, rb_response(&b, 3, 2, 0, stub, sl, 5, 16));
        dcerpc_tcp *t = conn(&s, 0, DCERPC_IF_UNKNOWN, NULL, 0);
        play(t, 0, 0);
        assert_int_equal(s.n, 2);
        for (int i = 0; i < 2; i++) {
            assert_string_equal(s.f[i].nb_computer, named ? "SRV01" : "");
            assert_string_equal(s.f[i].dns_computer, named ? "srv01.corp.example" : "");
            assert_string_equal(s.f[i].target_name, named ? "CORP" : "");
        }
        assert_string_equal(s.f[0].name, "BTOBTO");
        assert_string_equal(s.f[0].user, "alice");
        dcerpc_tcp_free(t);
    }
}

static void test_sealed_over_tcp(void **state)
{
    (void)state;
    static seen s;
    svcctl_run(true, 6);
    dcerpc_tcp *t = conn(&s, 0, DCERPC_IF_UNKNOWN, NULL, 0);
    play(t, 0, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.f[0].kind, SMB_FACT_SERVICE);
    assert_true(s.f[0].encrypted);
    assert_string_equal(s.f[0].operation, "RCreateServiceW"); /* the opnum is in clear */
    assert_string_equal(s.f[0].name, "");                     /* nothing guessed */
    assert_string_equal(s.f[0].binary, "");
    assert_false(s.f[0].have_return);
    assert_string_equal(s.f[0].user, "alice");
    assert_true(s.f[1].encrypted);
    assert_int_equal(dcerpc_tcp_get_stats(t).encrypted_calls, 1);
    dcerpc_tcp_free(t);
}

static void test_ept_map_endpoint(void **state)
{
    (void)state;
    static seen s;
    static const uint8_t ip[4] = {10, 0, 0, 2};
    for (int form = 0; form < 4; form++) {
        bool le = form & 1;
        memset(&st, 0, sizeof st);
        rb b = {pdu, 0, le};
        rb_ctx c = {0, RB_EPM, 3, 0};
        put(0, pdu, rb_bind(&b, DCERPC_BIND, 1, &c, 1));
        uint16_t ok = 0;
        put(1, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1));
        uint8_t tw[128];
        size_t tl = eb_tower(tw, RB_SVCCTL, 2, 49700, form & 2 ? ip : NULL);
        size_t sl = eb_map_request(stub, le, false, tw, tl);
        put(0, pdu, rb_request(&b, 3, 2, 0, EPM_MAP, stub, sl, 0, 0));
        const uint8_t *ts[1] = {tw};
        sl = eb_map_reply(stub, le, false, ts, &tl, 1, 0);
        put(1, pdu, rb_response(&b, 3, 2, 0, stub, sl, 0, 0));
        dcerpc_tcp *t = conn(&s, 0, DCERPC_IF_EPM, NULL, 0);
        play(t, 0, 3);
        assert_int_equal(s.nep, 1);
        assert_int_equal(s.ep[0].iface, DCERPC_IF_SVCCTL);
        assert_int_equal(s.ep[0].port, 49700);
        assert_int_equal(s.ep[0].have_ip, (form & 2) != 0);
        if (form & 2)
            assert_memory_equal(s.ep[0].ip, ip, 4);
        assert_int_equal(s.n, 1);
        assert_string_equal(s.f[0].iface, "epm");
        assert_string_equal(s.f[0].operation, "ept_map");
        assert_string_equal(s.f[0].object, "svcctl");
        assert_int_equal(s.f[0].endpoint_port, 49700);
        assert_int_equal(dcerpc_tcp_get_stats(t).endpoints, 1);
        dcerpc_tcp_free(t);
    }
}

/* A flow to a learnt endpoint seen from its middle: no bind, yet the calls
 * are the interface the mapper named. */
static void test_expected_interface(void **state)
{
    (void)state;
    static seen s;
    memset(&st, 0, sizeof st);
    rb b = {pdu, 0, true};
    size_t sl = eb_create_service(stub, true, "svc9", "c:\\x.exe");
    put(0, pdu, rb_request(&b, 3, 7, 0, 12, stub, sl, 0, 0));
    sl = eb_create_service_reply(stub, true, 1073); /* ERROR_SERVICE_EXISTS */
    put(1, pdu, rb_response(&b, 3, 7, 0, stub, sl, 0, 0));
    dcerpc_tcp *t = conn(&s, 1, DCERPC_IF_SVCCTL, NULL, 0);
    play(t, 1, 0);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.f[0].kind, SMB_FACT_SERVICE);
    assert_string_equal(s.f[0].name, "svc9");
    assert_int_equal(s.f[0].return_code, 1073);
    assert_string_equal(s.f[0].user, ""); /* no bind, no logon: nothing known */
    assert_string_equal(s.f[1].iface, "svcctl");
    dcerpc_tcp_free(t);
    /* without an expected interface the same bytes name none */
    t = conn(&s, 1, DCERPC_IF_UNKNOWN, NULL, 0);
    play(t, 1, 0);
    assert_int_equal(s.n, 1);
    assert_string_equal(s.f[0].iface, "");
    dcerpc_tcp_free(t);
}

/* The budget: a connection that does not fit is refused, calls in flight at
 * the end are reported when freed. */
static void test_budget_and_flush(void **state)
{
    (void)state;
    static seen s;
    size_t used = 0;
    dcerpc_tcp_sink sink = {on_fact, on_endpoint, &s};
    assert_null(dcerpc_tcp_new(NULL, 0, DCERPC_IF_UNKNOWN, sink, &used, 64));
    assert_int_equal(used, 0);
    svcctl_run(true, 2);
    st.n--; /* the response never comes */
    dcerpc_tcp *t = conn(&s, 0, DCERPC_IF_UNKNOWN, &used, 1 << 20);
    play(t, 0, 0);
    assert_int_equal(s.n, 0);
    dcerpc_tcp_free(t);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.f[0].kind, SMB_FACT_SERVICE);
    assert_false(s.f[0].have_return);
    assert_int_equal(used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_probe_takes),
        cmocka_unit_test(test_probe_refuses),
        cmocka_unit_test(test_create_service_over_tcp),
        cmocka_unit_test(test_server_named_by_bind_ack),
        cmocka_unit_test(test_sealed_over_tcp),
        cmocka_unit_test(test_ept_map_endpoint),
        cmocka_unit_test(test_expected_interface),
        cmocka_unit_test(test_budget_and_flush),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
