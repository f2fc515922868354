/* Incident records and their alerts in every layout, from an incident made
 * here: a run whose logon was not seen (no user), with a task and no
 * service, one file hashed whole and one only in part. What each layout
 * names must be the incident's values; a partial hash is never given as a
 * file's hash; a value that is not there is left out, not written as null
 * where the layout is flat. */
#include "testutil.h"

#include "sensor/json.h"
#include "sensor/layout.h"
#include "sensor/layout_incident.h"

static char line[65536];

static void make_incident(incident *in)
{
    memset(in, 0, sizeof(*in));
    in->id = 77;
    snprintf(in->client_ip, sizeof(in->client_ip), "192.0.2.7");
    snprintf(in->server_ip, sizeof(in->server_ip), "192.0.2.9");
    in->client_port = 50123;
    in->server_port = 445;
    in->first_usec = 1795922500000000ull;
    in->last_usec = 1795922502500000ull;
    in->tool = "atexec";
    snprintf(in->evidence[0], sizeof(in->evidence[0]), "task writes its output to %%windir%%\\Temp");
    in->nevidence = 1;
    snprintf(in->tasks[0].name, sizeof(in->tasks[0].name), "\\zKpQ");
    snprintf(in->tasks[0].command, sizeof(in->tasks[0].command),
             "cmd.exe /C whoami > %%windir%%\\Temp\\zKpQ.tmp 2>&1");
    in->ntasks = 1;
    /* a file hashed whole */
    incident_file *f = &in->files[0];
    snprintf(f->share, sizeof(f->share), "\\\\SRV\\C$");
    snprintf(f->name, sizeof(f->name), "tool.exe");
    sha256_init(&f->sha);
    sha256_update(&f->sha, "abc", 3);
    f->size = f->hashed = f->written = 3;
    /* a file of which the first 2 bytes of 10 were hashed */
    f = &in->files[1];
    snprintf(f->share, sizeof(f->share), "\\\\SRV\\ADMIN$");
    snprintf(f->name, sizeof(f->name), "part.dll");
    sha256_init(&f->sha);
    sha256_update(&f->sha, "ab", 2);
    f->size = 10;
    f->hashed = 2;
    f->written = 6;
    f->partial = true;
    in->nfiles = 2;
    in->flows[0] = 1111;
    in->flows[1] = 2222;
    in->nflows = 2;
    in->no_session_setup = true;
}

static const char *render(const char *layout, rec_kind kind, const incident *in)
{
    pw_record r;
    memset(&r, 0, sizeof(r));
    r.kind = kind;
    r.incident = in;
    r.hdr.ts_usec = in->last_usec;
    r.hdr.src_ip = in->client_ip;
    r.hdr.dest_ip = in->server_ip;
    r.hdr.src_port = in->client_port;
    r.hdr.dest_port = in->server_port;
    r.hdr.proto = "TCP";
    jbuf j;
    jb_init(&j, line, sizeof(line));
    const layout_ops *l = layout_find(layout);
    assert_non_null(l);
    l->build(&j, &r);
    size_t len;
    const char *s = jb_line(&j, &len);
    assert_true(len > 0);
    return s;
}

/* sha256("abc") (FIPS 180-4, appendix B.1) */
#define ABC "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

static void has(const char *s, const char *frag)
{
    if (!strstr(s, frag)) {
        fprintf(stderr, "missing %s in %s\n", frag, s);
        fail();
    }
}

static void hasnt(const char *s, const char *frag)
{
    if (strstr(s, frag)) {
        fprintf(stderr, "unexpected %s in %s\n", frag, s);
        fail();
    }
}

static void test_helpers(void **state)
{
    (void)state;
    incident in;
    make_incident(&in);
    char hex[65], buf[512];
    assert_string_equal(incident_file_hash(&in.files[0], hex), ABC);
    assert_string_equal(incident_file_hash(&in.files[1], hex), "");
    assert_string_equal(incident_file_path(&in.files[0], buf, sizeof(buf)), "\\\\SRV\\C$\\tool.exe");
    assert_null(incident_main_service(&in));
    const char *t[4];
    assert_int_equal(incident_techniques(&in, t), 3);
    assert_string_equal(t[0], "T1021.002");
    assert_string_equal(t[1], "T1053.005");
    assert_string_equal(t[2], "T1570");
    assert_string_equal(incident_summary(&in, buf, sizeof(buf)),
                        "atexec from 192.0.2.7 on 192.0.2.9: task \\zKpQ, cmd.exe /C whoami > %windir%\\Temp\\zKpQ.tmp 2>&1");
    uint32_t sid;
    assert_string_equal(incident_tool_signature("atexec", &sid), "Remote execution with a scheduled task (atexec)");
    assert_int_equal(sid, 3900007);
    assert_string_equal(incident_tool_signature("no-such-tool", &sid), "Remote execution");
    assert_int_equal(sid, 3900000);
    /* a service created wins over one only opened */
    snprintf(in.services[0].name, sizeof(in.services[0].name), "opened");
    snprintf(in.services[1].name, sizeof(in.services[1].name), "made");
    in.services[1].created = true;
    in.nservices = 2;
    assert_string_equal(incident_main_service(&in)->name, "made");
}

static void test_eve(void **state)
{
    (void)state;
    incident in;
    make_incident(&in);
    const char *s = render("eve", REC_INCIDENT, &in);
    has(s, "\"event_type\":\"incident\",\"src_ip\":\"192.0.2.7\",\"src_port\":50123,\"dest_ip\":\"192.0.2.9\"");
    has(s, "\"tool\":\"atexec\"");
    has(s, "\"user\":null");
    has(s, "\"task_command\":\"cmd.exe /C whoami > %windir%\\\\Temp\\\\zKpQ.tmp 2>&1\"");
    has(s, "\"sha256\":\"" ABC "\",\"sha256_partial\":false");
    has(s, "\"sha256_partial\":true,\"bytes_hashed\":2");
    has(s, "\"flows\":[1111,2222]");
    s = render("eve", REC_ALERT, &in);
    has(s, "\"event_type\":\"alert\"");
    has(s, "\"signature_id\":3900007,\"rev\":1,\"signature\":\"Remote execution with a scheduled task (atexec)\"");
    has(s, "\"incident\":{\"id\":77,\"tool\":\"atexec\",\"user\":null");
}

static void test_ecs(void **state)
{
    (void)state;
    incident in;
    make_incident(&in);
    const char *s = render("ecs", REC_INCIDENT, &in);
    has(s, "\"event\":{\"kind\":\"event\",\"category\":[\"network\",\"process\"]");
    has(s, "\"id\":\"77\"");
    has(s, "\"duration\":2500000000");
    has(s, "\"technique\":{\"id\":[\"T1021.002\",\"T1053.005\",\"T1570\"]},\"software\":{\"name\":\"atexec\"}");
    has(s, "\"source\":{\"ip\":\"192.0.2.7\",\"port\":50123}");
    hasnt(s, "\"user\":{"); /* no logon seen: no user object */
    hasnt(s, "\"service\":{");
    has(s, "\"process\":{\"command_line\":\"cmd.exe /C whoami");
    hasnt(s, "\"executable\""); /* a command line with arguments is no executable path */
    has(s, "\"file\":{\"name\":\"tool.exe\",\"directory\":\"\\\\\\\\SRV\\\\C$\"");
    has(s, "\"hash\":{\"sha256\":\"" ABC "\"}");
    has(s, "\"related\":{\"ip\":[\"192.0.2.7\",\"192.0.2.9\"],\"hash\":[\"" ABC "\"]}");
    has(s, "\"pipewatch\":{\"event_type\":\"incident\",\"incident\":{\"id\":77");
    s = render("ecs", REC_ALERT, &in);
    has(s, "\"event\":{\"kind\":\"alert\",\"category\":[\"intrusion_detection\"]");
    has(s, "\"severity\":1");
    has(s, "\"rule\":{\"id\":\"3900007\",\"name\":\"Remote execution with a scheduled task (atexec)\"");
    has(s, "\"message\":\"Remote execution with a scheduled task (atexec): atexec from 192.0.2.7");
    hasnt(s, "\"dataset\":\"pipewatch.alert\",\"id\""); /* event.id is the incident record's */
}

static void test_splunk(void **state)
{
    (void)state;
    incident in;
    make_incident(&in);
    const char *s = render("splunk", REC_INCIDENT, &in);
    has(s, "\"source\":\"pipewatch:incident\",\"sourcetype\":\"pipewatch:incident\",\"event\":{");
    has(s, "\"tool\":\"atexec\",\"incident_id\":\"77\",\"src\":\"192.0.2.7\"");
    hasnt(s, "\"user\":\"");
    has(s, "\"task_name\":\"\\\\zKpQ\",\"process\":\"cmd.exe /C whoami");
    has(s, "\"file_name\":[\"tool.exe\",\"part.dll\"]");
    has(s, "\"file_hash\":[\"" ABC "\"]"); /* the partial hash is not a file's hash */
    has(s, "\"flow_id\":[1111,2222]");
    has(s, "\"duration\":2.500000");
    s = render("splunk", REC_ALERT, &in);
    has(s, "\"source\":\"pipewatch:alert\"");
    has(s, "\"signature\":\"Remote execution with a scheduled task (atexec)\",\"signature_id\":3900007");
}

static void test_flat(void **state)
{
    (void)state;
    incident in;
    make_incident(&in);
    const char *s = render("gelf", REC_INCIDENT, &in);
    has(s, "\"version\":\"1.1\"");
    has(s, "\"short_message\":\"atexec from 192.0.2.7 on 192.0.2.9: task");
    has(s, "\"level\":5");
    has(s, "\"_source_ip\":\"192.0.2.7\"");
    has(s, "\"_process_command_line\":\"cmd.exe /C whoami");
    has(s, "\"_hash_sha256\":\"" ABC "\"");
    has(s, "\"_incident_tool\":\"atexec\"");
    has(s, "\"_incident_flows\":\"[1111,2222]\"");
    hasnt(s, "null"); /* GELF takes strings and numbers */
    hasnt(s, "_user_name");
    s = render("gelf", REC_ALERT, &in);
    has(s, "\"level\":2");
    has(s, "\"_alert_signature_id\":3900007");
    hasnt(s, "null");
    s = render("logpoint", REC_INCIDENT, &in);
    has(s, "\"record_type\":\"incident\"");
    has(s, "\"command\":\"cmd.exe /C whoami");
    has(s, "\"file\":\"tool.exe\"");
    has(s, "\"hash\":\"" ABC "\"");
    has(s, "\"source_address\":\"192.0.2.7\",\"source_port\":50123");
    has(s, "\"incident_flows\":\"[1111,2222]\"");
    hasnt(s, "null");
    s = render("logpoint", REC_ALERT, &in);
    has(s, "\"alert_name\":\"Remote execution with a scheduled task (atexec)\",\"severity\":\"critical\"");
}

/* the first file hashed only in part: no layout names a hash for it */
static void test_partial_hash_only(void **state)
{
    (void)state;
    incident in;
    make_incident(&in);
    in.files[0] = in.files[1];
    in.nfiles = 1;
    const char *layouts[] = {"ecs", "splunk", "gelf", "logpoint"};
    const char *names[] = {"\"hash\":{", "\"file_hash\":[\"", "_hash_sha256", "\"hash\":\""};
    for (int i = 0; i < 4; i++) {
        const char *s = render(layouts[i], REC_INCIDENT, &in);
        hasnt(s, names[i]);
        has(s, "part.dll");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helpers), cmocka_unit_test(test_eve),   cmocka_unit_test(test_ecs),
        cmocka_unit_test(test_splunk),  cmocka_unit_test(test_flat),  cmocka_unit_test(test_partial_hash_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
