/* The DCE/RPC parser alone: binds and contexts, calls paired by call_id,
 * fragments of every size, faults, sealed and signed calls, big-endian
 * senders, limits and gaps. */
#include "rpc_build.h"

#include "protocols/dcerpc.h"

#define MAX_SEEN 16

typedef struct seen_call {
    dcerpc_call c;
    uint8_t req[512], rsp[512];
    bool req_null, rsp_null;
} seen_call;

typedef struct seen {
    int nreq, ncall, nauth;
    seen_call reqs[MAX_SEEN], calls[MAX_SEEN];
    dcerpc_auth auth[MAX_SEEN];
    uint8_t token[MAX_SEEN][64];
} seen;

static void copy_call(seen_call *s, const dcerpc_call *c)
{
    s->c = *c;
    s->req_null = c->request == NULL;
    s->rsp_null = c->response == NULL;
    if (c->request && c->request_len <= sizeof s->req)
        memcpy(s->req, c->request, c->request_len);
    if (c->response && c->response_len <= sizeof s->rsp)
        memcpy(s->rsp, c->response, c->response_len);
}

static void on_req(void *ctx, const dcerpc_call *c)
{
    seen *s = ctx;
    if (s->nreq < MAX_SEEN)
        copy_call(&s->reqs[s->nreq++], c);
}

static void on_call(void *ctx, const dcerpc_call *c)
{
    seen *s = ctx;
    if (s->ncall < MAX_SEEN)
        copy_call(&s->calls[s->ncall++], c);
}

static void on_auth(void *ctx, const dcerpc_auth *a)
{
    seen *s = ctx;
    if (s->nauth < MAX_SEEN && a->token_len <= sizeof s->token[0]) {
        s->auth[s->nauth] = *a;
        memcpy(s->token[s->nauth], a->token, a->token_len);
        s->nauth++;
    }
}

static dcerpc_conn *new_parser(seen *s, const dcerpc_limits *l, size_t *used, size_t cap)
{
    memset(s, 0, sizeof *s);
    dcerpc_sink sink = {.request = on_req, .call = on_call, .auth = on_auth, .ctx = s};
    dcerpc_conn *d = dcerpc_new(l, sink, used, cap);
    assert_non_null(d);
    return d;
}

static uint8_t pdu[8192];

static void bind_svcctl(dcerpc_conn *d, bool le, uint16_t ctx_id)
{
    rb b = {pdu, 0, le};
    rb_ctx c = {ctx_id, RB_SVCCTL, 2, 0};
    dcerpc_data(d, DCERPC_TO_SERVER, pdu, rb_bind(&b, DCERPC_BIND, 1, &c, 1));
    uint16_t ok = 0;
    dcerpc_data(d, DCERPC_TO_CLIENT, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1));
}

static void test_iface_table(void **state)
{
    assert_int_equal(dcerpc_iface_lookup(RB_SVCCTL), DCERPC_IF_SVCCTL);
    assert_int_equal(dcerpc_iface_lookup(RB_ATSVC), DCERPC_IF_ATSVC);
    assert_int_equal(dcerpc_iface_lookup(RB_NDR_SYNTAX), DCERPC_IF_UNKNOWN);
    assert_string_equal(dcerpc_iface_name(DCERPC_IF_SVCCTL), "svcctl");
    assert_string_equal(dcerpc_iface_name(DCERPC_IF_TSCH), "ITaskSchedulerService");
    assert_null(dcerpc_iface_name(DCERPC_IF_UNKNOWN));
    for (int i = 1; i < DCERPC_IF_COUNT; i++)
        assert_non_null(dcerpc_iface_name((dcerpc_iface)i));
    char buf[40];
    dcerpc_uuid_format(RB_SVCCTL, buf, sizeof buf);
    assert_string_equal(buf, "367abb81-9844-35f1-ad32-98f038001003");
}

static void test_bind_request_response(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    assert_int_equal(dcerpc_is_rpc(d), -1);
    bind_svcctl(d, true, 0);
    assert_int_equal(dcerpc_is_rpc(d), 1);
    rb b = {pdu, 0, true};
    const uint8_t stub[] = "request stub bytes";
    dcerpc_data(d, DCERPC_TO_SERVER, pdu, rb_request(&b, 3, 7, 0, 12, stub, sizeof stub, 0, 0));
    assert_int_equal(s.nreq, 1);
    assert_int_equal(s.ncall, 0);
    seen_call *r = &s.reqs[0];
    assert_int_equal(r->c.call_id, 7);
    assert_int_equal(r->c.opnum, 12);
    assert_int_equal(r->c.iface, DCERPC_IF_SVCCTL);
    assert_string_equal(r->c.iface_name, "svcctl");
    assert_int_equal(r->c.iface_ver_major, 2);
    assert_true(r->c.have_request);
    assert_false(r->c.have_response);
    assert_true(r->c.little_endian);
    assert_int_equal(r->c.request_len, sizeof stub);
    assert_memory_equal(r->req, stub, sizeof stub);
    const uint8_t out[] = {1, 2, 3, 4, 0, 0, 0, 0};
    dcerpc_data(d, DCERPC_TO_CLIENT, pdu, rb_response(&b, 3, 7, 0, out, sizeof out, 0, 0));
    assert_int_equal(s.ncall, 1);
    seen_call *c = &s.calls[0];
    assert_true(c->c.have_request);
    assert_true(c->c.have_response);
    assert_false(c->c.fault);
    assert_int_equal(c->c.request_frags, 1);
    assert_int_equal(c->c.response_frags, 1);
    assert_int_equal(c->c.request_len, sizeof stub);
    assert_memory_equal(c->req, stub, sizeof stub);
    assert_int_equal(c->c.response_len, sizeof out);
    assert_memory_equal(c->rsp, out, sizeof out);
    assert_int_equal(dcerpc_get_stats(d)->calls, 1);
    /* a response nobody asked for, not a first fragment: an orphan */
    dcerpc_data(d, DCERPC_TO_CLIENT, pdu, rb_response(&b, 2, 99, 0, out, sizeof out, 0, 0));
    assert_int_equal(dcerpc_get_stats(d)->orphan_frags, 1);
    assert_int_equal(s.ncall, 1);
    dcerpc_free(d);
}

/* The stub is cut into fragments of k bytes (k = 1 .. N) in both
 * directions, and the byte stream is handed over in chunks of m bytes. */
static void test_fragments_every_size(void **state)
{
    uint8_t stub[61], out[47];
    for (size_t i = 0; i < sizeof stub; i++)
        stub[i] = (uint8_t)(i * 7 + 1);
    for (size_t i = 0; i < sizeof out; i++)
        out[i] = (uint8_t)(200 - i);
    static uint8_t stream[2][65536];
    for (size_t k = 1; k <= sizeof stub; k++) {
        for (int le = 0; le <= 1; le++) {
            size_t len[2] = {0, 0};
            rb b = {pdu, 0, le != 0};
            rb_ctx c = {0, RB_SVCCTL, 2, 0};
            size_t n = rb_bind(&b, DCERPC_BIND, 1, &c, 1);
            memcpy(stream[0], pdu, n);
            len[0] = n;
            uint16_t ok = 0;
            n = rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1);
            memcpy(stream[1], pdu, n);
            len[1] = n;
            for (size_t off = 0; off < sizeof stub; off += k) {
                size_t take = sizeof stub - off < k ? sizeof stub - off : k;
                uint8_t fl = (uint8_t)((off == 0 ? 1 : 0) | (off + take == sizeof stub ? 2 : 0));
                n = rb_request(&b, fl, 5, 0, 45, stub + off, take, 0, 0);
                memcpy(stream[0] + len[0], pdu, n);
                len[0] += n;
            }
            for (size_t off = 0; off < sizeof out; off += k) {
                size_t take = sizeof out - off < k ? sizeof out - off : k;
                uint8_t fl = (uint8_t)((off == 0 ? 1 : 0) | (off + take == sizeof out ? 2 : 0));
                n = rb_response(&b, fl, 5, 0, out + off, take, 0, 0);
                memcpy(stream[1] + len[1], pdu, n);
                len[1] += n;
            }
            size_t chunk = k % 23 + 1; /* 1 .. 23 bytes per delivery */
            seen s;
            size_t used = 0;
            dcerpc_conn *d = new_parser(&s, NULL, &used, 1 << 20);
            for (int dir = 0; dir < 2; dir++) {
                for (size_t off = 0; off < len[dir]; off += chunk) {
                    size_t take = len[dir] - off < chunk ? len[dir] - off : chunk;
                    dcerpc_data(d, dir, stream[dir] + off, take);
                }
            }
            assert_int_equal(s.nreq, 1);
            assert_int_equal(s.ncall, 1);
            seen_call *sc = &s.calls[0];
            size_t frags_req = (sizeof stub + k - 1) / k, frags_rsp = (sizeof out + k - 1) / k;
            assert_int_equal(sc->c.request_frags, frags_req);
            assert_int_equal(sc->c.response_frags, frags_rsp);
            assert_int_equal(sc->c.opnum, 45);
            assert_int_equal(sc->c.iface, DCERPC_IF_SVCCTL);
            assert_int_equal(sc->c.little_endian, le != 0);
            assert_false(sc->c.request_broken);
            assert_int_equal(sc->c.request_len, sizeof stub);
            assert_memory_equal(sc->req, stub, sizeof stub);
            assert_int_equal(sc->c.response_len, sizeof out);
            assert_memory_equal(sc->rsp, out, sizeof out);
            assert_int_equal(dcerpc_get_stats(d)->malformed, 0);
            assert_true(used > 0);
            dcerpc_free(d);
            assert_int_equal(used, 0); /* every byte charged was given back */
        }
    }
}

/* Context ids need not be 0, 1, 2 nor in order; the ack answers in the
 * order of the offer; a refused context names no interface. */
static void test_reordered_contexts(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    rb b = {pdu, 0, true};
    rb_ctx c[3] = {{3, RB_SRVSVC, 3, 0}, {1, RB_SVCCTL, 2, 0}, {7, RB_ATSVC, 1, 0}};
    dcerpc_data(d, 0, pdu, rb_bind(&b, DCERPC_BIND, 1, c, 3));
    uint16_t res[3] = {2, 0, 0}; /* srvsvc refused */
    dcerpc_data(d, 1, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, res, 3));
    const uint8_t stub[4] = {0};
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 10, 7, 1, stub, 4, 0, 0));
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 11, 1, 15, stub, 4, 0, 0));
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 12, 3, 16, stub, 4, 0, 0));
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 13, 9, 16, stub, 4, 0, 0));
    assert_int_equal(s.nreq, 4);
    assert_int_equal(s.reqs[0].c.iface, DCERPC_IF_ATSVC);
    assert_int_equal(s.reqs[0].c.context_id, 7);
    assert_int_equal(s.reqs[1].c.iface, DCERPC_IF_SVCCTL);
    assert_int_equal(s.reqs[1].c.opnum, 15);
    assert_int_equal(s.reqs[2].c.iface, DCERPC_IF_UNKNOWN); /* refused */
    assert_false(s.reqs[2].c.have_iface_uuid);
    assert_int_equal(s.reqs[3].c.iface, DCERPC_IF_UNKNOWN); /* never offered */
    /* calls answered out of order pair by call_id */
    dcerpc_data(d, 1, pdu, rb_response(&b, 3, 12, 3, stub, 4, 0, 0));
    dcerpc_data(d, 1, pdu, rb_response(&b, 3, 10, 7, stub, 4, 0, 0));
    assert_int_equal(s.ncall, 2);
    assert_int_equal(s.calls[0].c.call_id, 12);
    assert_int_equal(s.calls[1].c.call_id, 10);
    assert_int_equal(s.calls[1].c.opnum, 1);
    dcerpc_flush(d);
    assert_int_equal(s.ncall, 4);
    assert_false(s.calls[2].c.have_response);
    assert_true(s.calls[2].c.have_request);
    dcerpc_free(d);
}

static void test_alter_context_and_nak(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    rb b = {pdu, 0, true};
    rb_ctx c0 = {0, RB_SRVSVC, 3, 0};
    dcerpc_data(d, 0, pdu, rb_bind(&b, DCERPC_BIND, 1, &c0, 1));
    uint16_t ok = 0;
    dcerpc_data(d, 1, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1));
    rb_ctx c1 = {1, RB_SVCCTL, 2, 0};
    dcerpc_data(d, 0, pdu, rb_bind(&b, DCERPC_ALTER_CONTEXT, 2, &c1, 1));
    dcerpc_data(d, 1, pdu, rb_bind_ack(&b, DCERPC_ALTER_CONTEXT_RESP, 2, &ok, 1));
    const uint8_t stub[8] = {0};
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 3, 1, 12, stub, 8, 0, 0));
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 4, 0, 15, stub, 8, 0, 0));
    assert_int_equal(s.nreq, 2);
    assert_int_equal(s.reqs[0].c.iface, DCERPC_IF_SVCCTL);
    assert_int_equal(s.reqs[1].c.iface, DCERPC_IF_SRVSVC);
    /* an alter_context refused with BIND_NAK: the new context is not usable */
    rb_ctx c2 = {2, RB_ATSVC, 1, 0};
    dcerpc_data(d, 0, pdu, rb_bind(&b, DCERPC_ALTER_CONTEXT, 5, &c2, 1));
    rb_hdr(&b, DCERPC_BIND_NAK, 3, 5);
    rb_u16(&b, 4);
    dcerpc_data(d, 1, pdu, rb_end(&b, 0, 0, 0));
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 6, 2, 0, stub, 8, 0, 0));
    assert_int_equal(s.reqs[2].c.iface, DCERPC_IF_UNKNOWN);
    dcerpc_free(d);
}

static void test_fault(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    bind_svcctl(d, true, 0);
    rb b = {pdu, 0, true};
    const uint8_t stub[12] = {1};
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 9, 0, 12, stub, sizeof stub, 0, 0));
    dcerpc_data(d, 1, pdu, rb_fault(&b, 9, 0, 0x1c010003));
    assert_int_equal(s.ncall, 1);
    seen_call *c = &s.calls[0];
    assert_true(c->c.fault);
    assert_int_equal(c->c.fault_status, 0x1c010003);
    assert_true(c->c.have_response);
    assert_true(c->rsp_null);
    assert_false(c->req_null);
    assert_int_equal(c->c.opnum, 12);
    /* a fault for a call whose request was not seen still names the call */
    dcerpc_data(d, 1, pdu, rb_fault(&b, 40, 0, 5));
    assert_int_equal(s.ncall, 2);
    assert_false(s.calls[1].c.have_request);
    assert_int_equal(s.calls[1].c.iface, DCERPC_IF_SVCCTL);
    dcerpc_free(d);
}

static void test_sealed_and_signed(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    bind_svcctl(d, true, 0);
    rb b = {pdu, 0, true};
    uint8_t stub[30];
    memset(stub, 0x5a, sizeof stub);
    /* packet privacy, in two fragments: said to be encrypted, never read */
    dcerpc_data(d, 0, pdu, rb_request(&b, 1, 2, 0, 12, stub, 17, DCERPC_AUTH_LEVEL_PRIVACY, 16));
    dcerpc_data(d, 0, pdu, rb_request(&b, 2, 2, 0, 12, stub, 13, DCERPC_AUTH_LEVEL_PRIVACY, 16));
    assert_int_equal(s.nreq, 1);
    assert_true(s.reqs[0].c.encrypted);
    assert_true(s.reqs[0].req_null);
    assert_int_equal(s.reqs[0].c.auth_level, 6);
    assert_int_equal(s.reqs[0].c.auth_type, 10);
    assert_int_equal(s.reqs[0].c.request_frags, 2);
    dcerpc_data(d, 1, pdu, rb_response(&b, 3, 2, 0, stub, 9, DCERPC_AUTH_LEVEL_PRIVACY, 16));
    assert_int_equal(s.ncall, 1);
    assert_true(s.calls[0].c.encrypted);
    assert_true(s.calls[0].rsp_null);
    /* integrity: readable; verifier and padding are not part of the stub */
    const uint8_t odd[] = {1, 2, 3, 4, 5, 6, 7};
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 3, 0, 12, odd, sizeof odd, DCERPC_AUTH_LEVEL_INTEGRITY, 16));
    assert_int_equal(s.nreq, 2);
    assert_false(s.reqs[1].c.encrypted);
    assert_int_equal(s.reqs[1].c.request_len, sizeof odd);
    assert_memory_equal(s.reqs[1].req, odd, sizeof odd);
    /* a padding length that runs back past the body header is malformed */
    size_t n = rb_request(&b, 3, 4, 0, 12, odd, 1, DCERPC_AUTH_LEVEL_INTEGRITY, 16);
    pdu[n - 16 - 8 + 2] = 200;
    dcerpc_data(d, 0, pdu, n);
    assert_int_equal(s.nreq, 2);
    assert_int_equal(dcerpc_get_stats(d)->malformed, 1);
    dcerpc_free(d);
}

static void test_big_endian(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    bind_svcctl(d, false, 4);
    rb b = {pdu, 0, false};
    const uint8_t stub[6] = {9, 8, 7, 6, 5, 4};
    size_t n = rb_request(&b, 3, 0x01020304, 4, 44, stub, sizeof stub, 0, 0);
    assert_int_equal(pdu[4], 0x00);
    assert_int_equal(pdu[12], 0x01); /* call_id written big-endian */
    dcerpc_data(d, 0, pdu, n);
    assert_int_equal(s.nreq, 1);
    assert_int_equal(s.reqs[0].c.call_id, 0x01020304);
    assert_int_equal(s.reqs[0].c.opnum, 44);
    assert_int_equal(s.reqs[0].c.context_id, 4);
    assert_int_equal(s.reqs[0].c.iface, DCERPC_IF_SVCCTL);
    assert_false(s.reqs[0].c.little_endian);
    assert_memory_equal(s.reqs[0].req, stub, sizeof stub);
    dcerpc_free(d);
}

/* Over the stub limit, over the PDU limit, over the budget, across a gap:
 * the call is reported broken and without stub. */
static void test_limits_and_gaps(void **state)
{
    dcerpc_limits l;
    dcerpc_limits_default(&l);
    l.max_stub = 40;
    l.max_pdu = 64;
    seen s;
    size_t used = 0;
    dcerpc_conn *d = new_parser(&s, &l, &used, 1 << 20);
    bind_svcctl(d, true, 0);
    rb b = {pdu, 0, true};
    uint8_t stub[200];
    memset(stub, 1, sizeof stub);
    dcerpc_data(d, 0, pdu, rb_request(&b, 1, 2, 0, 12, stub, 30, 0, 0));
    dcerpc_data(d, 0, pdu, rb_request(&b, 0, 2, 0, 12, stub, 30, 0, 0)); /* 60 > 40 */
    dcerpc_data(d, 0, pdu, rb_request(&b, 2, 2, 0, 12, stub, 5, 0, 0));
    assert_int_equal(s.nreq, 1);
    assert_true(s.reqs[0].c.request_broken);
    assert_true(s.reqs[0].req_null);
    assert_int_equal(s.reqs[0].c.request_frags, 3);
    /* a PDU longer than max_pdu, delivered in pieces: passed over, call broken */
    size_t n = rb_request(&b, 3, 3, 0, 12, stub, 100, 0, 0);
    dcerpc_data(d, 0, pdu, 50);
    dcerpc_data(d, 0, pdu + 50, n - 50);
    assert_int_equal(s.nreq, 2);
    assert_true(s.reqs[1].c.request_broken);
    /* the parser is still in step */
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 4, 0, 12, stub, 8, 0, 0));
    assert_int_equal(s.nreq, 3);
    assert_false(s.reqs[2].c.request_broken);
    /* a gap in the middle of a request */
    dcerpc_data(d, 0, pdu, rb_request(&b, 1, 5, 0, 12, stub, 8, 0, 0));
    dcerpc_gap(d, 0, 100);
    dcerpc_data(d, 0, pdu, rb_request(&b, 2, 5, 0, 12, stub, 8, 0, 0));
    assert_int_equal(s.nreq, 4);
    assert_true(s.reqs[3].c.request_broken);
    dcerpc_flush(d);
    assert_true(s.calls[s.ncall - 1].c.request_broken);
    assert_true(dcerpc_get_stats(d)->broken_calls >= 3);
    dcerpc_free(d);
    assert_int_equal(used, 0);

    /* the shared budget: room for the tables only */
    dcerpc_conn *probe = new_parser(&s, NULL, &used, 1 << 20);
    size_t tables = used;
    dcerpc_free(probe);
    used = 0;
    d = new_parser(&s, NULL, &used, tables + 100);
    bind_svcctl(d, true, 0);
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 6, 0, 12, stub, 150, 0, 0));
    assert_int_equal(s.nreq, 1);
    assert_true(s.reqs[0].c.request_broken);
    assert_true(dcerpc_get_stats(d)->memcap_drops >= 1);
    assert_true(used <= tables + 100);
    dcerpc_free(d);
    assert_int_equal(used, 0);
    /* no room for the tables at all: no parser */
    used = 0;
    dcerpc_sink sink = {.request = on_req, .call = on_call, .ctx = &s};
    assert_null(dcerpc_new(NULL, sink, &used, 10));
}

static void test_not_rpc_and_eviction(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    const uint8_t junk[] = "PSEXESVC stdin bytes that are not DCE/RPC";
    dcerpc_data(d, 0, junk, sizeof junk);
    assert_int_equal(dcerpc_is_rpc(d), 0);
    assert_int_equal(dcerpc_get_stats(d)->bad_headers, 1);
    dcerpc_free(d);

    dcerpc_limits l;
    dcerpc_limits_default(&l);
    l.max_calls = 2;
    d = new_parser(&s, &l, NULL, 0);
    bind_svcctl(d, true, 0);
    rb b = {pdu, 0, true};
    const uint8_t stub[4] = {0};
    for (uint32_t id = 1; id <= 3; id++)
        dcerpc_data(d, 0, pdu, rb_request(&b, 3, id, 0, 12, stub, 4, 0, 0));
    assert_int_equal(s.ncall, 1); /* the oldest made room */
    assert_int_equal(s.calls[0].c.call_id, 1);
    assert_int_equal(dcerpc_get_stats(d)->evicted_calls, 1);
    dcerpc_free(d);
}

/* The verifiers of BIND, BIND_ACK and AUTH3 (who sets up the association)
 * go to the sink's auth callback. */
static void test_bind_auth(void **state)
{
    seen s;
    dcerpc_conn *d = new_parser(&s, NULL, NULL, 0);
    rb b = {pdu, 0, true};
    rb_ctx c = {0, RB_ATSVC, 1, 0};
    rb_bind_ex(&b, DCERPC_BIND, 2, &c, 1, 10, 2, 40);
    dcerpc_data(d, 0, pdu, b.n);
    uint16_t ok = 0;
    rb_bind_ack(&b, DCERPC_BIND_ACK, 2, &ok, 1);
    dcerpc_data(d, 1, pdu, b.n);
    rb_hdr(&b, DCERPC_AUTH3, 3, 2);
    rb_u32(&b, 0);
    dcerpc_data(d, 0, pdu, rb_end(&b, 10, 2, 24));
    assert_int_equal(s.nauth, 2); /* the ack carried none */
    assert_int_equal(s.auth[0].ptype, DCERPC_BIND);
    assert_int_equal(s.auth[0].auth_type, 10);
    assert_int_equal(s.auth[0].auth_level, 2);
    assert_int_equal(s.auth[0].auth_context_id, 0x1234);
    assert_int_equal(s.auth[0].token_len, 40);
    assert_int_equal(s.token[0][0], 0xA0);
    assert_int_equal(s.token[0][39], 0xA0 + 39);
    assert_int_equal(s.auth[1].ptype, DCERPC_AUTH3);
    assert_int_equal(s.auth[1].token_len, 24);
    /* the contexts of an authenticated bind are read as well */
    const uint8_t stub[4] = {0};
    dcerpc_data(d, 0, pdu, rb_request(&b, 3, 4, 0, 0, stub, 4, 2, 16));
    assert_int_equal(s.reqs[0].c.iface, DCERPC_IF_ATSVC);
    assert_int_equal(s.reqs[0].c.auth_level, 2);
    /* an auth_length longer than the PDU is malformed, not read */
    rb_bind_ex(&b, DCERPC_BIND, 5, &c, 1, 10, 2, 8);
    pdu[10] = 0xF0;
    dcerpc_data(d, 0, pdu, b.n);
    assert_int_equal(s.nauth, 2);
    dcerpc_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_iface_table),
        cmocka_unit_test(test_bind_request_response),
        cmocka_unit_test(test_fragments_every_size),
        cmocka_unit_test(test_reordered_contexts),
        cmocka_unit_test(test_alter_context_and_nak),
        cmocka_unit_test(test_fault),
        cmocka_unit_test(test_sealed_and_signed),
        cmocka_unit_test(test_big_endian),
        cmocka_unit_test(test_limits_and_gaps),
        cmocka_unit_test(test_not_rpc_and_eviction),
        cmocka_unit_test(test_bind_auth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
