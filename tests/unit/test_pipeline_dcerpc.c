/* DCE/RPC straight over TCP through the whole pipeline, on hand-built
 * frames: an ept_map reply on port 135 teaches the endpoint, a bind and
 * CreateServiceW over it give 7045 and 4697 in the bind's identity and a
 * dcerpc record with the flow's addresses; sealed calls on a port nobody
 * named are found by the probe and reported encrypted; other bytes are left
 * alone; the endpoint table keeps its bound and its lifetime. */
#include "frame_build.h"
#include "rpc_tcp_build.h"

#include <unistd.h>

#include "detect/sigma.h"
#include "protocols/dcerpc.h"
#include "protocols/epm.h"
#include "sensor/options.h"
#include "sensor/output.h"
#include "sensor/pipeline.h"

#define CLIENT 0x0a000001u
#define SERVER 0x0a000002u

typedef struct run {
    char path[64];
    pw_output *out;
    pipeline *p;
    uint64_t ts;
    uint32_t seq[2];
} run;

static uint8_t frame[16384], pdu[8192], stub[4096];
static char text[1 << 18];

static void run_open(run *r, pw_options *o)
{
    snprintf(r->path, sizeof r->path, "/tmp/pipewatch-test-rpc.XXXXXX");
    int fd = mkstemp(r->path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    r->out = output_open(r->path, "regular", NULL, false, err, sizeof err);
    assert_non_null(r->out);
    r->p = pipeline_new(o, NULL, r->out);
    assert_non_null(r->p);
    r->ts = 1700000000ull * 1000000;
}

/* One segment of a flow between CLIENT:cport and server:sport (dir 0: from the client). */
static void seg(run *r, uint32_t server, uint16_t cport, uint16_t sport, int dir, const uint8_t *p, size_t n)
{
    r->ts += 1000;
    size_t len = dir == 0 ? fb_tcp(frame, CLIENT, cport, server, sport, r->seq[0], 0x18, p, n)
                          : fb_tcp(frame, server, sport, CLIENT, cport, r->seq[1], 0x18, p, n);
    r->seq[dir] += (uint32_t)n;
    assert_true(pipeline_packet(r->p, FB_DLT_IPV4, r->ts, frame, (uint32_t)len, (uint32_t)len));
}

static void flow_start(run *r) { r->seq[0] = 1000, r->seq[1] = 90000; }

static const char *run_close(run *r, pw_counters *c)
{
    pipeline_finish(r->p);
    memset(c, 0, sizeof *c);
    pipeline_counters(r->p, c);
    pipeline_free(r->p);
    assert_true(output_close(r->out));
    FILE *f = fopen(r->path, "rb");
    assert_non_null(f);
    size_t n = fread(text, 1, sizeof text - 1, f);
    text[n] = 0;
    fclose(f);
    unlink(r->path);
    return text;
}

static int count(const char *hay, const char *needle)
{
    int n = 0;
    for (const char *q = hay; (q = strstr(q, needle)); q += strlen(needle))
        n++;
    return n;
}

/* ept_map on port 135 from cport: the mapper says iface listens on port (no address). */
static void epm_flow(run *r, uint16_t cport, const uint8_t *iface, uint16_t port)
{
    flow_start(r);
    rb b = {pdu, 0, true};
    rb_ctx c = {0, RB_EPM, 3, 0};
    seg(r, SERVER, cport, 135, 0, pdu, rb_bind(&b, DCERPC_BIND, 1, &c, 1));
    uint16_t ok = 0;
    seg(r, SERVER, cport, 135, 1, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1));
    uint8_t tw[128];
    size_t tl = eb_tower(tw, iface, 2, port, NULL);
    size_t sl = eb_map_request(stub, true, false, tw, tl);
    seg(r, SERVER, cport, 135, 0, pdu, rb_request(&b, 3, 2, 0, EPM_MAP, stub, sl, 0, 0));
    const uint8_t *ts[1] = {tw};
    sl = eb_map_reply(stub, true, false, ts, &tl, 1, 0);
    seg(r, SERVER, cport, 135, 1, pdu, rb_response(&b, 3, 2, 0, stub, sl, 0, 0));
}

/* A svcctl association: bind (and AUTH3 with alice's logon) unless
 * `midstream`, then CreateServiceW answered 0, sealed at level 6. */
static void svcctl_flow(run *r, uint32_t server, uint16_t cport, uint16_t sport, bool midstream, uint8_t level,
                        const char *name)
{
    flow_start(r);
    rb b = {pdu, 0, true};
    uint16_t auth = level == 6 ? 16 : 0;
    if (!midstream) {
        rb_ctx c = {0, RB_SVCCTL, 2, 0};
        seg(r, server, cport, sport, 0, pdu, rb_bind_ex(&b, DCERPC_BIND, 1, &c, 1, 10, level, 40));
        uint16_t ok = 0;
        seg(r, server, cport, sport, 1, pdu, rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1));
        seg(r, server, cport, sport, 0, pdu, eb_auth3(&b, 1, level, "CORP", "alice", "WKS7"));
    }
    size_t sl = eb_create_service(stub, true, name, "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output");
    seg(r, server, cport, sport, 0, pdu, rb_request(&b, 3, 2, 0, 12, stub, sl, auth ? level : 0, auth));
    sl = eb_create_service_reply(stub, true, 0);
    seg(r, server, cport, sport, 1, pdu, rb_response(&b, 3, 2, 0, stub, sl, auth ? level : 0, auth));
}

static void test_learn_then_create_service(void **state)
{
    (void)state;
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    run r = {.ts = 0};
    run_open(&r, &o);
    epm_flow(&r, 50000, RB_SVCCTL, 49700);
    svcctl_flow(&r, SERVER, 50001, 49700, false, 2, "BTOBTO");
    /* a sealed run on a port no mapper named: the probe finds it */
    svcctl_flow(&r, 0x0a000003u, 50002, 5555, false, 6, "HIDDEN");
    /* something else on a high port: not DCE/RPC */
    flow_start(&r);
    const char *http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    seg(&r, 0x0a000003u, 50003, 5556, 0, (const uint8_t *)http, strlen(http));
    pw_counters c;
    const char *t = run_close(&r, &c);

    /* the ept_map call, with the endpoint it named */
    assert_int_equal(count(t, "\"operation\":\"ept_map\""), 1);
    assert_int_equal(count(t, "\"object\":\"svcctl\",\"endpoint_port\":49700"), 1);
    /* the install over the learnt port: 7045 and 4697, the bind's identity */
    assert_int_equal(count(t, "\"event_id\":7045"), 1);
    assert_int_equal(count(t, "\"event_id\":4697"), 1);
    assert_int_equal(count(t, "\"ServiceName\":\"BTOBTO\""), 2);
    assert_int_equal(count(t, "\"SubjectUserName\":\"alice\",\"SubjectDomainName\":\"CORP\""), 1);
    /* records of a TCP call: the flow's addresses, no smb object, no smb record */
    assert_int_equal(count(t, "\"event_type\":\"smb\""), 0);
    assert_int_equal(count(t, "\"smb\":{"), 0);
    assert_int_equal(count(t, "\"dest_port\":49700,\"proto\":\"TCP\",\"dcerpc\":{"), 1);
    assert_int_equal(count(t, "\"transport\":\"ncacn_ip_tcp\""), 3 + 2); /* dcerpc records, then 7045/4697 */
    assert_int_equal(count(t, "\"named_pipe\""), 0);
    /* the sealed call: an encrypted record, no event, no name */
    assert_int_equal(count(t, "\"dest_port\":5555,\"proto\":\"TCP\",\"dcerpc\":{"), 1);
    assert_int_equal(count(t, "\"encrypted\":true,\"auth_level\":6"), 1);
    assert_int_equal(count(t, "HIDDEN"), 0);
    /* flows: dcerpc for three, none for the HTTP one */
    assert_int_equal(count(t, "\"app_proto\":\"dcerpc\""), 3);
    assert_int_equal(c.rpc_flows, 3);
    assert_int_equal(c.rpc_flows_port135, 1);
    assert_int_equal(c.rpc_flows_learned, 1);
    assert_int_equal(c.rpc_flows_probed, 1);
    assert_int_equal(c.rpc_endpoints_learned, 1);
    assert_int_equal(c.rpc_calls, 3);
    assert_int_equal(c.rpc_sealed_calls, 1);
    assert_int_equal(c.flows_smb, 0);
    assert_int_equal(pw_winlog_count(&c, 5145), 0);
}

/* The endpoint table holds max-endpoints entries (least recently used
 * out, counted) for endpoint-timeout: a flow seen from its middle (no bind
 * for the probe) is DCE/RPC only while its endpoint is in the table. */
static void test_endpoint_table_bounds(void **state)
{
    (void)state;
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    o.max_rpc_endpoints = 2;
    o.rpc_endpoint_timeout_usec = 10ull * 1000000;
    run r = {.ts = 0};
    run_open(&r, &o);
    epm_flow(&r, 50010, RB_SVCCTL, 49701);
    epm_flow(&r, 50011, RB_SVCCTL, 49702);
    epm_flow(&r, 50012, RB_SVCCTL, 49703); /* 49701 leaves */
    svcctl_flow(&r, SERVER, 50020, 49701, true, 2, "GONE");
    svcctl_flow(&r, SERVER, 50021, 49703, true, 2, "KEPT");
    r.ts += 20ull * 1000000; /* 49702's lifetime is over */
    svcctl_flow(&r, SERVER, 50022, 49702, true, 2, "STALE");
    pw_counters c;
    const char *t = run_close(&r, &c);
    assert_int_equal(c.rpc_endpoints_learned, 3);
    assert_int_equal(c.rpc_endpoint_evictions, 1);
    assert_int_equal(c.rpc_flows_learned, 1);
    assert_int_equal(count(t, "GONE"), 0);
    assert_int_equal(count(t, "STALE"), 0);
    /* no bind: the interface is the one the mapper named */
    assert_int_equal(count(t, "\"ServiceName\":\"KEPT\""), 2);
    assert_int_equal(count(t, "\"interface\":\"svcctl\",\"context_id\":0,\"opnum\":12"), 1);
}

/* A flood of flows that pass the probe costs parser state within the
 * memcap: the oldest give way (counted), never more memory. */
static void test_probe_flood_in_memcap(void **state)
{
    (void)state;
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    o.smb_memcap = 1u << 20;
    run r = {.ts = 0};
    run_open(&r, &o);
    rb b = {pdu, 0, true};
    rb_ctx cx = {0, RB_SVCCTL, 2, 0};
    size_t n = rb_bind(&b, DCERPC_BIND, 1, &cx, 1);
    for (int i = 0; i < 3000; i++) {
        flow_start(&r);
        seg(&r, SERVER, (uint16_t)(20000 + i), 7000, 0, pdu, n);
    }
    pw_counters c;
    run_close(&r, &c);
    assert_int_equal(c.rpc_flows_probed, 3000);
    assert_true(c.smb_memcap_evictions > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_then_create_service),
        cmocka_unit_test(test_endpoint_table_bounds),
        cmocka_unit_test(test_probe_flood_in_memcap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
