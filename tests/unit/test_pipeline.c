/* The pipeline end to end on hand-built frames: flows that a full table
 * evicts end after the lookup that let them go, in order, stamped with their
 * own packets' numbers. */
#include "frame_build.h"
#include "smb_build.h"

#include <unistd.h>

#include "sensor/output.h"
#include "detect/sigma.h"
#include "sensor/options.h"
#include "sensor/pipeline.h"

#define DLT_IPV4 FB_DLT_IPV4

static size_t udp_frame(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, size_t plen)
{
    size_t n = fb_ip(f, 17, src, dst, 8 + plen);
    uint8_t *u = f + n;
    u[0] = (uint8_t)(sport >> 8);
    u[1] = (uint8_t)sport;
    u[2] = (uint8_t)(dport >> 8);
    u[3] = (uint8_t)dport;
    u[4] = (uint8_t)((8 + plen) >> 8);
    u[5] = (uint8_t)(8 + plen);
    u[6] = u[7] = 0;
    memset(u + 8, 'x', plen);
    return n + 8 + plen;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof(text) - 1, f);
    text[n] = 0;
    fclose(f);
    return text;
}

/* The n-th line (from 0) of text, copied into out. */
static const char *line_at(const char *text, int n, char *out, size_t cap)
{
    for (int i = 0; i < n && text; i++) {
        text = strchr(text, '\n');
        if (text)
            text++;
    }
    if (!text || !*text)
        return NULL;
    const char *end = strchr(text, '\n');
    size_t len = end ? (size_t)(end - text) : strlen(text);
    if (len >= cap)
        len = cap - 1;
    memcpy(out, text, len);
    out[len] = 0;
    return out;
}

static void test_eviction_queued(void **state)
{
    char path[] = "/tmp/pipewatch-test-pipeline.XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    o.flow.max_flows = 16;
    char err[256];
    pw_output *out = output_open(path, "regular", NULL, false, err, sizeof err);
    assert_non_null(out);
    pipeline *p = pipeline_new(&o, NULL, out);
    assert_non_null(p);

    uint8_t frame[2048], smb[512];
    uint64_t ts = 1700000000ull * 1000000;
    /* Packet 1: a TREE_CONNECT request that is never answered. */
    b_hdr h = {.cmd = 3, .mid = 2, .sid = 0x11};
    size_t n = b_tree_req(smb, &h, "\\\\srv\\IPC$");
    n = b_nbss(smb, smb, n);
    size_t len = fb_tcp(frame, 0x0a000001, 50000, 0x0a000002, 445, 1000, 0x18, smb, n);
    assert_true(pipeline_packet(p, DLT_IPV4, ts, frame, (uint32_t)len, (uint32_t)len));
    /* Packets 2..17: sixteen UDP flows; the last finds the table full and
     * evicts the least recently used flow, the SMB one. */
    for (int i = 0; i < 16; i++) {
        ts += 1000;
        len = udp_frame(frame, 0x0a000003, (uint16_t)(2000 + i), 0x0a000004, 53, 10);
        assert_true(pipeline_packet(p, DLT_IPV4, ts, frame, (uint32_t)len, (uint32_t)len));
    }
    output_flush(out);
    char *text = read_all(path);
    char line[4096];
    /* The SMB flow's pending request, then its flow record: nothing else yet. */
    assert_non_null(line_at(text, 0, line, sizeof line));
    assert_non_null(strstr(line, "\"event_type\":\"smb\""));
    assert_non_null(strstr(line, "\"status\":\"NO_RESPONSE\""));
    /* stamped with its own (only) packet, not with packet 17 that evicted it */
    assert_non_null(strstr(line, "\"pcap_cnt\":1,"));
    assert_non_null(line_at(text, 1, line, sizeof line));
    assert_non_null(strstr(line, "\"event_type\":\"flow\""));
    assert_non_null(strstr(line, "\"dest_port\":445"));
    assert_null(strstr(line, "pcap_cnt"));
    assert_null(line_at(text, 2, line, sizeof line));
    pw_counters c;
    memset(&c, 0, sizeof c);
    pipeline_counters(p, &c);
    assert_int_equal(c.flows_evicted, 1);
    assert_int_equal(c.flows, 17);

    /* The flow that took its place works: another eviction later ends the
     * oldest UDP flow the same way (a flow record, no pcap_cnt). */
    ts += 1000;
    len = udp_frame(frame, 0x0a000005, 3000, 0x0a000004, 53, 10);
    assert_true(pipeline_packet(p, DLT_IPV4, ts, frame, (uint32_t)len, (uint32_t)len));
    output_flush(out);
    text = read_all(path);
    assert_non_null(line_at(text, 2, line, sizeof line));
    assert_non_null(strstr(line, "\"event_type\":\"flow\""));
    assert_non_null(strstr(line, "\"src_port\":2000"));
    pipeline_finish(p);
    pipeline_free(p);
    assert_true(output_close(out));
    text = read_all(path);
    int lines = 0;
    for (const char *q = text; (q = strchr(q, '\n')); q++)
        lines++;
    assert_int_equal(lines, 2 + 1 + 16); /* and the sixteen flows left at the end */
    unlink(path);
}

typedef struct seen {
    char log[256];
} seen;

static void note_fact(void *ctx, const smb_fact *f, const char *client_ip)
{
    seen *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "fact:%d:%s;", (int)f->h.kind, client_ip);
}

static void note_alert(void *ctx, const sigma_rule *r, const char *share, const char *name, const char *client_ip)
{
    seen *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof s->log - n, "alert:%s:%s:%s;", sigma_rule_title(r), share ? share : "-", client_ip);
}

/* Observers are a list: each sees every fact and alert, in the order added. */
static void test_observers(void **state)
{
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    o.log_smb = o.log_winlog = o.log_alert = o.log_flow = o.log_stats = false;
    char err[256];
    pw_output *out = output_open("/dev/null", "regular", NULL, true, err, sizeof err);
    assert_non_null(out);
    sigma_ruleset *rules = sigma_ruleset_new();
    const char *rule = "title: any share\n"
                       "id: 6b1a2c8e-0000-4000-8000-000000000001\n"
                       "logsource: {product: windows, service: security}\n"
                       "detection: {sel: {EventID: 5140}, condition: sel}\n";
    assert_int_equal(sigma_load_string(rules, "t.yml", rule, strlen(rule), NULL, NULL), 0);
    pipeline *p = pipeline_new(&o, rules, out);
    char names[128];
    assert_string_equal(pipeline_stage_names(names, sizeof names),
                        "decode flow classify stream | fact events rules incidents observers output");
    seen a = {{0}}, b = {{0}};
    assert_true(pipeline_add_observer(p, (pipeline_observer){note_fact, note_alert, &a}));
    assert_true(pipeline_add_observer(p, (pipeline_observer){NULL, note_alert, &b}));
    assert_true(pipeline_add_observer(p, (pipeline_observer){NULL, NULL, NULL}));
    assert_true(pipeline_add_observer(p, (pipeline_observer){NULL, NULL, NULL}));
    assert_false(pipeline_add_observer(p, (pipeline_observer){note_fact, NULL, &b})); /* the list is full */

    uint8_t frame[2048], smb[512];
    uint64_t ts = 1700000000ull * 1000000;
    b_hdr h = {.cmd = 3, .mid = 2, .sid = 0x11};
    size_t n = b_nbss(smb, smb, b_tree_req(smb, &h, "\\\\srv\\IPC$"));
    size_t len = fb_tcp(frame, 0x0a000001, 50000, 0x0a000002, 445, 1000, 0x18, smb, n);
    pipeline_packet(p, DLT_IPV4, ts, frame, (uint32_t)len, (uint32_t)len);
    h.flags = RSP;
    h.tid = 9;
    size_t m = b_nbss(smb, smb, b_tree_rsp(smb, &h, 2));
    len = fb_tcp(frame, 0x0a000002, 445, 0x0a000001, 50000, 5000, 0x18, smb, m);
    pipeline_packet(p, DLT_IPV4, ts + 10, frame, (uint32_t)len, (uint32_t)len);
    char want[256];
    snprintf(want, sizeof want, "fact:%d:10.0.0.1;alert:any share:\\\\srv\\IPC$:10.0.0.1;",
             (int)SMB_FACT_TREE_CONNECT);
    assert_string_equal(a.log, want);
    assert_string_equal(b.log, "alert:any share:\\\\srv\\IPC$:10.0.0.1;");
    pw_counters c;
    memset(&c, 0, sizeof c);
    pipeline_counters(p, &c);
    assert_int_equal(c.alerts, 1);
    assert_int_equal(pw_winlog_count(&c, 5140), 1);
    pipeline_finish(p);
    pipeline_free(p);
    sigma_ruleset_free(rules);
    assert_true(output_close(out));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eviction_queued),
        cmocka_unit_test(test_observers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
