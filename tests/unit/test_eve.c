/* EVE output: record shapes, the output file's checked writes, formats. */
#include "testutil.h"

#include <pthread.h>
#include <unistd.h>

#include "detect/winevent.h"
#include "protocols/smb_conn.h"
#include "sensor/eve.h"
#include "sensor/json.h"
#include "sensor/output.h"

static char line[16384];

static const char *render_smb(const smb_fact *f)
{
    jbuf j;
    jb_init(&j, line, sizeof(line));
    rec_hdr h = {1554297296123456ull, 42, 7, "10.0.0.5", "10.0.0.1", 49832, 445, "TCP", 0};
    eve_begin(&j, &h, "smb");
    eve_smb_object(&j, f, 3);
    jb_close_object(&j);
    size_t len;
    return jb_line(&j, &len);
}

static void test_guid_and_ip(void **state)
{
    (void)state;
    uint8_t id[16];
    for (int i = 0; i < 16; i++)
        id[i] = (uint8_t)(i * 17);
    char g[37];
    eve_format_guid(id, g);
    assert_string_equal(g, "00112233-4455-6677-8899-aabbccddeeff");
    char ip[64];
    uint8_t v4[16] = {192, 168, 1, 46};
    rec_format_ip(4, v4, ip, sizeof(ip));
    assert_string_equal(ip, "192.168.1.46");
    uint8_t v6[16] = {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
    rec_format_ip(6, v6, ip, sizeof(ip));
    assert_string_equal(ip, "fe80::1");
}

static void test_create_record(void **state)
{
    (void)state;
    smb_fact f;
    memset(&f, 0, sizeof(f));
    f.h.kind = SMB_FACT_CREATE;
    f.h.smb_version = 2;
    f.h.command = 5;
    f.h.dialect = 0x0210;
    f.h.req_dir = 0;
    f.h.have_request = f.h.have_response = true;
    f.h.status = 0;
    f.h.session_id = 0x400000000021ull;
    f.h.tree_id = 5;
    f.u.file.tree.share = "\\\\DC1\\IPC$";
    f.u.file.tree.share_type = SMB_SHARE_PIPE;
    f.u.file.filename = "updsvc-WKS01-4242-stdin";
    f.u.file.desired_access = 0x120196;
    f.u.file.create_disposition = 1;
    f.u.file.create_options = 0x400040;
    f.u.file.create_action = 1;
    f.u.file.have_file_id = true;
    f.u.file.file_id[0] = 1;
    f.h.who.auth = SMB_AUTH_NTLMSSP;
    f.h.who.user = "backdoor";
    f.h.who.domain = "3B";
    f.h.who.workstation = "WKS01";
    assert_string_equal(
        render_smb(&f),
        "{\"timestamp\":\"2019-04-03T13:14:56.123456+0000\",\"flow_id\":42,\"pcap_cnt\":7,\"event_type\":\"smb\","
        "\"src_ip\":\"10.0.0.5\",\"src_port\":49832,\"dest_ip\":\"10.0.0.1\",\"dest_port\":445,\"proto\":\"TCP\","
        "\"smb\":{\"id\":3,\"dialect\":\"2.10\",\"command\":\"SMB2_COMMAND_CREATE\",\"status\":\"STATUS_SUCCESS\","
        "\"status_code\":\"0x0\",\"session_id\":70368744177697,\"tree_id\":5,"
        "\"filename\":\"updsvc-WKS01-4242-stdin\",\"named_pipe\":\"updsvc-WKS01-4242-stdin\","
        "\"share\":\"\\\\\\\\DC1\\\\IPC$\",\"share_type\":\"PIPE\",\"disposition\":\"FILE_OPEN\",\"access\":\"normal\","
        "\"access_mask\":\"0x00120196\",\"share_access\":\"0x00000000\",\"create_options\":\"0x00400040\","
        "\"create_action\":\"FILE_OPENED\",\"fuid\":\"01000000-0000-0000-0000-000000000000\","
        "\"ntlmssp\":{\"domain\":\"3B\",\"user\":\"backdoor\",\"host\":\"WKS01\"}}}");
}

static void test_unanswered_tree_connect(void **state)
{
    (void)state;
    smb_fact f;
    memset(&f, 0, sizeof(f));
    f.h.kind = SMB_FACT_TREE_CONNECT;
    f.h.smb_version = 2;
    f.h.command = 3;
    f.h.have_request = true;
    f.h.have_response = false;
    f.u.tree.share = "\\\\10.10.10.3\\IPC$";
    const char *s = render_smb(&f);
    assert_non_null(strstr(s, "\"command\":\"SMB2_COMMAND_TREE_CONNECT\",\"status\":\"NO_RESPONSE\",\"session_id\":0"));
    assert_non_null(strstr(s, "\"share\":\"\\\\\\\\10.10.10.3\\\\IPC$\",\"share_type\":\"UNKNOWN\""));
    assert_null(strstr(s, "status_code"));
}

static void test_failed_smb1_create(void **state)
{
    (void)state;
    smb_fact f;
    memset(&f, 0, sizeof(f));
    f.h.kind = SMB_FACT_CREATE;
    f.h.smb_version = 1;
    f.h.command = 0xa2;
    f.h.dialect = 0x0001;
    f.h.have_request = f.h.have_response = true;
    f.h.status = 0xc0000034;
    f.u.file.filename = "\\ahexec";
    f.u.file.tree.share = "\\\\192.168.1.195\\IPC$";
    f.u.file.tree.share_type = SMB_SHARE_PIPE;
    f.u.file.create_action = 1;
    const char *s = render_smb(&f);
    assert_non_null(strstr(s, "\"dialect\":\"NT LM 0.12\",\"command\":\"SMB1_COMMAND_NT_CREATE_ANDX\","
                              "\"status\":\"STATUS_OBJECT_NAME_NOT_FOUND\",\"status_code\":\"0xc0000034\""));
    /* No create action for a create that failed. */
    assert_null(strstr(s, "create_action"));
}

static void test_output_file_and_full_disk(void **state)
{
    (void)state;
    char path[] = "/tmp/pipewatch-eve-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[256];
    pw_output *o = output_open(path, "regular", NULL, false, err, sizeof(err));
    assert_non_null(o);
    assert_null(output_take_error(o)); /* nothing failed */
    assert_true(output_write(o, "{\"a\":1}", 7));
    assert_true(output_write(o, "{\"b\":2}", 7));
    assert_int_equal(output_lines(o), 2);
    assert_true(output_close(o));
    FILE *f = fopen(path, "r");
    char buf[64] = "";
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    unlink(path);
    assert_int_equal(n, 16);
    assert_string_equal(buf, "{\"a\":1}\n{\"b\":2}\n");

    o = output_open("/dev/full", "regular", NULL, true, err, sizeof(err));
    assert_non_null(o);
    assert_true(output_write(o, "{}", 2)); /* buffered */
    assert_false(output_flush(o));
    assert_true(output_failed(o));
    assert_string_equal(output_error(o), "cannot write events to /dev/full: No space left on device");
    /* Told once: whoever takes the error first reports it, later takers get nothing. */
    assert_string_equal(output_take_error(o), "cannot write events to /dev/full: No space left on device");
    assert_null(output_take_error(o));
    assert_false(output_write(o, "{}", 2));
    assert_false(output_close(o));

    assert_null(output_open("/nonexistent/dir/eve.json", "regular", NULL, true, err, sizeof(err)));
    assert_string_equal(err, "cannot open output file /nonexistent/dir/eve.json: No such file or directory");
}

/* A line of cap bytes (0: none) made by write; its text, length and
 * whether it was cut. */
typedef struct kept_line {
    void (*write)(jbuf *j);
    size_t cap;
    char buf[2048];
    size_t len;
    bool cut;
} kept_line;

static void kept_line_build(kept_line *l)
{
    jbuf j;
    jb_init(&j, l->cap ? l->buf : NULL, l->cap);
    l->write(&j);
    const char *t = jb_line(&j, &l->len);
    memmove(l->buf, t, l->len + 1);
    l->cut = jb_truncated(&j);
}

static void *kept_line_thread(void *arg)
{
    kept_line_build(arg);
    return NULL;
}

/* The line write makes is want; and written again by this thread, which
 * has kept parts of it as text, it is the line a thread that never wrote
 * them makes, at every size of line, cut ones included. */
static void assert_kept_as_fresh(void (*write)(jbuf *j), const char *want)
{
    kept_line first = {write, sizeof(first.buf), "", 0, false};
    kept_line_build(&first);
    assert_string_equal(first.buf, want);
    for (size_t cap = 0; cap <= strlen(want) + 1; cap++) {
        kept_line again = {write, cap, "", 0, false}, fresh = {write, cap, "", 0, false};
        kept_line_build(&again);
        pthread_t t;
        assert_int_equal(pthread_create(&t, NULL, kept_line_thread, &fresh), 0);
        assert_int_equal(pthread_join(t, NULL), 0);
        assert_int_equal(again.len, fresh.len);
        assert_string_equal(again.buf, fresh.buf);
        assert_int_equal(again.cut, fresh.cut);
    }
}

/* The rights arrays of an event. */
static void names_write(jbuf *j)
{
    jb_open_object(j, NULL);
    jb_str(j, "ShareName", "\\\\*\\IPC$");
    eve_names_array(j, "AccessListDescription", "ReadData (or ListDirectory)\nReadAttributes");
    eve_names_array(j, "AccessMaskDescription", "Read data\nRead attributes\nSynchronize");
    jb_close_object(j);
}

/* eve_names_array copies the arrays it wrote last (the same rights, event
 * after event). */
static void test_names_arrays_copied(void **state)
{
    (void)state;
    assert_kept_as_fresh(names_write, "{\"ShareName\":\"\\\\\\\\*\\\\IPC$\","
                                      "\"AccessListDescription\":[\"ReadData (or ListDirectory)\",\"ReadAttributes\"],"
                                      "\"AccessMaskDescription\":[\"Read data\",\"Read attributes\",\"Synchronize\"]}");
}

/* An answered TREE_CONNECT to \\srv\IPC$ by 3B\backdoor over NTLMSSP. */
static smb_fact tree_fact(void)
{
    smb_fact f;
    memset(&f, 0, sizeof f);
    f.h.kind = SMB_FACT_TREE_CONNECT;
    f.h.smb_version = 2;
    f.h.command = 3;
    f.h.have_request = f.h.have_response = true;
    f.h.session_id = 0x11;
    f.u.tree.share = "\\\\srv\\IPC$";
    f.h.who.auth = SMB_AUTH_NTLMSSP;
    f.h.who.user = "backdoor";
    f.h.who.domain = "3B";
    return f;
}

/* A fact with its 5140, written as one winlog record: the header, the
 * winlog object and the smb object all have parts that a thread keeps as
 * text and copies (eve_begin's flow part, the envelope, the rights arrays,
 * the ntlmssp member). */
static void winlog_write(jbuf *j)
{
    smb_fact f = tree_fact();
    f.h.dialect = 0x0300;
    f.u.tree.share_type = SMB_SHARE_PIPE;
    f.h.who.workstation = "WKS\\01";
    win_peer peer = {"172.16.66.1", 50000, "172.16.66.36", "srv.threebeesco.com", NULL, NULL};
    static _Thread_local win_event ev[WINEVENT_MAX_PER_FACT];
    assert_int_equal(winevent_build(&f, &peer, ev, WINEVENT_MAX_PER_FACT), 1);
    rec_hdr h = {1554297296123456ull, 1611193048107716ull, 7, "172.16.66.1", "172.16.66.36", 50000, 445, "TCP", 0};
    eve_begin(j, &h, "winlog");
    eve_winlog_object(j, &ev[0]);
    eve_smb_object(j, &f, 4);
    jb_close_object(j);
}

static void test_kept_parts_copied(void **state)
{
    (void)state;
    assert_kept_as_fresh(
        winlog_write,
        "{\"timestamp\":\"2019-04-03T13:14:56.123456+0000\",\"flow_id\":1611193048107716,\"pcap_cnt\":7,"
        "\"event_type\":\"winlog\",\"src_ip\":\"172.16.66.1\",\"src_port\":50000,\"dest_ip\":\"172.16.66.36\","
        "\"dest_port\":445,\"proto\":\"TCP\",\"winlog\":{\"channel\":\"Security\","
        "\"provider_name\":\"Microsoft-Windows-Security-Auditing\",\"event_id\":5140,\"level\":\"information\","
        "\"provider_guid\":\"{54849625-5478-4994-a5ba-3e3b0328c30d}\",\"task\":\"File Share\",\"opcode\":\"Info\","
        "\"version\":1,\"computer_name\":\"srv.threebeesco.com\",\"keywords\":[\"Audit Success\"],"
        "\"event_data\":{\"SubjectUserSid\":\"S-1-0-0\",\"SubjectUserName\":\"backdoor\",\"SubjectDomainName\":\"3B\","
        "\"SubjectLogonId\":\"0x11\",\"ObjectType\":\"File\",\"IpAddress\":\"172.16.66.1\",\"IpPort\":\"50000\","
        "\"ShareName\":\"\\\\\\\\*\\\\IPC$\",\"AccessMask\":\"0x1\",\"AccessList\":\"%%4416\\n\\t\\t\\t\\t\","
        "\"AccessListDescription\":[\"ReadData (or ListDirectory)\"],\"AccessMaskDescription\":[\"Create Child\"]}},"
        "\"event\":{\"outcome\":\"success\"},\"smb\":{\"id\":4,\"dialect\":\"3.00\","
        "\"command\":\"SMB2_COMMAND_TREE_CONNECT\",\"status\":\"STATUS_SUCCESS\",\"status_code\":\"0x0\","
        "\"session_id\":17,\"tree_id\":0,\"share\":\"\\\\\\\\srv\\\\IPC$\",\"share_type\":\"PIPE\","
        "\"ntlmssp\":{\"domain\":\"3B\",\"user\":\"backdoor\",\"host\":\"WKS\\\\01\"}}}");
}

static const char *header_line(const rec_hdr *h)
{
    jbuf j;
    jb_init(&j, line, sizeof(line));
    eve_begin(&j, h, "flow");
    jb_close_object(&j);
    return jb_line(&j, NULL);
}

/* A kept flow part is used only for the flow it was written for: the same
 * flow_id with another address, port or protocol (a hash collision, a
 * reused id) gets its own. */
static void test_header_kept_per_flow(void **state)
{
    (void)state;
    char src[16] = "10.0.0.5";
    rec_hdr h = {1554297296123456ull, 42, 0, src, "10.0.0.1", 49832, 445, "TCP", 0};
    const char *want = "{\"timestamp\":\"2019-04-03T13:14:56.123456+0000\",\"flow_id\":42,\"event_type\":\"flow\","
                       "\"src_ip\":\"10.0.0.5\",\"src_port\":49832,\"dest_ip\":\"10.0.0.1\",\"dest_port\":445,"
                       "\"proto\":\"TCP\"}";
    assert_string_equal(header_line(&h), want);
    assert_string_equal(header_line(&h), want);
    memcpy(src, "10.0.0.6", 9); /* the same pointer, other text */
    assert_non_null(strstr(header_line(&h), "\"src_ip\":\"10.0.0.6\",\"src_port\":49832,"));
    h.dest_ip = "10.0.0.9";
    assert_non_null(strstr(header_line(&h), "\"dest_ip\":\"10.0.0.9\",\"dest_port\":445,"));
    h.dest_port = 139;
    assert_non_null(strstr(header_line(&h), "\"dest_port\":139,\"proto\":\"TCP\"}"));
    h.src_port = 1;
    assert_non_null(strstr(header_line(&h), "\"src_port\":1,"));
    h.proto = "UDP";
    assert_non_null(strstr(header_line(&h), "\"proto\":\"UDP\"}"));
    h.flow_id = 43;
    assert_non_null(strstr(header_line(&h), "\"flow_id\":43,"));
    h.src_ip = NULL; /* no addresses: none written */
    assert_string_equal(header_line(&h), "{\"timestamp\":\"2019-04-03T13:14:56.123456+0000\",\"flow_id\":43,"
                                         "\"event_type\":\"flow\"}");
}

/* A kept ntlmssp member is used only for the same three names: a session
 * whose names changed where they are held gets its own. */
static void test_identity_kept_per_names(void **state)
{
    (void)state;
    char user[16] = "alice";
    smb_fact f = tree_fact();
    f.h.who.user = user;
    f.h.who.domain = "CORP";
    f.h.who.workstation = "WKS01";
    assert_non_null(strstr(render_smb(&f), "\"ntlmssp\":{\"domain\":\"CORP\",\"user\":\"alice\",\"host\":\"WKS01\"}"));
    assert_non_null(strstr(render_smb(&f), "\"user\":\"alice\""));
    memcpy(user, "bob", 4);
    assert_non_null(strstr(render_smb(&f), "\"ntlmssp\":{\"domain\":\"CORP\",\"user\":\"bob\",\"host\":\"WKS01\"}"));
    f.h.who.workstation = NULL;
    assert_non_null(strstr(render_smb(&f), "\"ntlmssp\":{\"domain\":\"CORP\",\"user\":\"bob\",\"host\":\"\"}"));
}

/* The winlog object as Winlogbeat ships the event: its envelope (task,
 * opcode, version, level, provider_guid; event.outcome), no empty EventData
 * field, the rights by name as an array. */
static void test_winlog_envelope(void **state)
{
    (void)state;
    smb_fact f = tree_fact();
    win_peer peer = {"172.16.66.1", 50000, "172.16.66.36", "01566s-win16-ir.threebeesco.com", NULL, NULL};
    static win_event ev[WINEVENT_MAX_PER_FACT];
    assert_int_equal(winevent_build(&f, &peer, ev, WINEVENT_MAX_PER_FACT), 1);
    jbuf j;
    jb_init(&j, line, sizeof(line));
    eve_winlog_object(&j, &ev[0]);
    size_t len;
    const char *out = jb_line(&j, &len);
    assert_non_null(strstr(out, "\"provider_guid\":\"{54849625-5478-4994-a5ba-3e3b0328c30d}\""));
    assert_non_null(strstr(out, "\"task\":\"File Share\",\"opcode\":\"Info\",\"version\":1"));
    assert_non_null(strstr(out, "\"level\":\"information\""));
    assert_non_null(strstr(out, "\"computer_name\":\"01566s-win16-ir.threebeesco.com\""));
    assert_non_null(strstr(out, "\"event\":{\"outcome\":\"success\"}"));
    assert_non_null(strstr(out, "\"AccessListDescription\":[\"ReadData (or ListDirectory)\"],"
                                "\"AccessMaskDescription\":[\"Create Child\"]}"));
    /* IPC$ has no local path: Windows writes <Data Name="ShareLocalPath"/>, Winlogbeat leaves it out */
    assert_null(strstr(out, "ShareLocalPath"));
    assert_non_null(strstr(out, "\"ShareName\":\"\\\\\\\\*\\\\IPC$\""));

    f.h.kind = SMB_FACT_CREATE;
    f.u.file.tree.share = "\\\\srv\\C$";
    f.u.file.filename = "x.exe";
    f.u.file.desired_access = 0x2;
    f.h.status = 0xC0000022u;
    assert_int_equal(winevent_build(&f, &peer, ev, WINEVENT_MAX_PER_FACT), 1);
    jb_init(&j, line, sizeof(line));
    eve_winlog_object(&j, &ev[0]);
    out = jb_line(&j, &len);
    assert_non_null(strstr(out, "\"task\":\"Detailed File Share\",\"opcode\":\"Info\",\"version\":0"));
    assert_non_null(strstr(out, "\"event\":{\"outcome\":\"failure\"}"));
    assert_non_null(strstr(out, "\"ShareLocalPath\":\"\\\\??\\\\C:\\\\\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guid_and_ip),
        cmocka_unit_test(test_create_record),
        cmocka_unit_test(test_unanswered_tree_connect),
        cmocka_unit_test(test_failed_smb1_create),
        cmocka_unit_test(test_output_file_and_full_disk),
        cmocka_unit_test(test_winlog_envelope),
        cmocka_unit_test(test_names_arrays_copied),
        cmocka_unit_test(test_kept_parts_copied),
        cmocka_unit_test(test_header_kept_per_flow),
        cmocka_unit_test(test_identity_kept_per_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
