/* Outputs: any layout to any destination. Each destination kind framed as
 * its medium wants (lines in a file and on a stream socket, a datagram per
 * record), a file reopened after rotation, and a layout of the test's own
 * used for the records the sensor writes (stats here). */
#include "testutil.h"

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "sensor/output.h"
#include "sensor/pipeline.h"

static int bound_socket(const char *path, int type)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof sun.sun_path, "%s", path);
    unlink(path);
    int fd = socket(AF_UNIX, type, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof sun), 0);
    if (type == SOCK_STREAM)
        assert_int_equal(listen(fd, 1), 0);
    return fd;
}

/* A layout that writes the kind of the record and, for stats, the packets. */
static void tiny_build(jbuf *j, const pw_record *r)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jb_u64(j, "kind", (uint64_t)r->kind);
    if (r->kind == REC_STATS)
        jb_u64(j, "packets", r->stats->c->packets);
    jb_close_object(j);
}
static const layout_ops tiny = {"tiny", tiny_build};

static void test_dgram(void **state)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/pw-test-dgram.%d", (int)getpid());
    int srv = bound_socket(path, SOCK_DGRAM);
    char err[256];
    pw_output *o = output_open(path, "unix_dgram", &tiny, false, err, sizeof err);
    assert_non_null(o);
    assert_ptr_equal(output_layout(o), &tiny);
    assert_true(output_write(o, "{\"a\":1}", 7));
    pw_counters c;
    memset(&c, 0, sizeof c);
    c.packets = 42;
    pipeline_write_stats(o, &c, 1, 0);
    char buf[256];
    ssize_t n = recv(srv, buf, sizeof buf, 0);
    assert_int_equal(n, 7);
    assert_memory_equal(buf, "{\"a\":1}", 7);
    n = recv(srv, buf, sizeof buf - 1, 0);
    assert_true(n > 0);
    buf[n] = 0;
    assert_string_equal(buf, "{\"kind\":4,\"packets\":42}");
    assert_int_equal(output_lines(o), 2);
    assert_true(output_close(o));
    close(srv);
    unlink(path);
}

static void test_stream(void **state)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/pw-test-stream.%d", (int)getpid());
    int srv = bound_socket(path, SOCK_STREAM);
    char err[256];
    pw_output *o = output_open(path, "unix_stream", NULL, false, err, sizeof err);
    assert_non_null(o);
    assert_ptr_equal(output_layout(o), &layout_eve);
    int cli = accept(srv, NULL, NULL);
    assert_true(cli >= 0);
    assert_true(output_write(o, "one", 3));
    assert_true(output_write(o, "two", 3));
    assert_true(output_flush(o));
    char buf[64];
    size_t got = 0;
    while (got < 8) {
        ssize_t n = read(cli, buf + got, sizeof buf - got);
        assert_true(n > 0);
        got += (size_t)n;
    }
    assert_int_equal(got, 8);
    assert_memory_equal(buf, "one\ntwo\n", 8);
    assert_true(output_close(o));
    close(cli);
    close(srv);
    unlink(path);
    /* Nobody listening: one message naming the socket. */
    assert_null(output_open(path, "unix_stream", NULL, false, err, sizeof err));
    assert_non_null(strstr(err, "cannot connect to unix socket /tmp/pw-test-stream."));
}

static void test_file_reopen(void **state)
{
    char path[64], moved[80];
    snprintf(path, sizeof path, "/tmp/pw-test-file.%d", (int)getpid());
    snprintf(moved, sizeof moved, "%s.1", path);
    char err[256];
    pw_output *o = output_open(path, "regular", NULL, false, err, sizeof err);
    assert_non_null(o);
    assert_true(output_write(o, "before", 6));
    assert_int_equal(rename(path, moved), 0); /* logrotate */
    assert_true(output_reopen(o));
    assert_true(output_write(o, "after", 5));
    assert_true(output_close(o));
    char buf[64];
    FILE *f = fopen(moved, "rb");
    assert_non_null(f);
    buf[fread(buf, 1, sizeof buf - 1, f)] = 0;
    fclose(f);
    assert_string_equal(buf, "before\n");
    f = fopen(path, "rb");
    assert_non_null(f);
    buf[fread(buf, 1, sizeof buf - 1, f)] = 0;
    fclose(f);
    assert_string_equal(buf, "after\n");
    unlink(path);
    unlink(moved);
}

static void test_kinds(void **state)
{
    assert_true(output_dest_known("regular"));
    assert_true(output_dest_known("file"));
    assert_true(output_dest_known("unix_stream"));
    assert_true(output_dest_known("unix_dgram"));
    assert_true(output_dest_known("redis"));
    assert_true(output_dest_known("syslog"));
    assert_true(output_dest_known("gelf"));
    assert_false(output_dest_known("kafka"));
    assert_string_equal(output_dest_names(), "regular, unix_stream, unix_dgram, redis, syslog, gelf");
    char err[256];
    assert_null(output_open("/tmp/x", "kafka", NULL, false, err, sizeof err));
    assert_string_equal(err,
                        "unknown output kind 'kafka' (known: regular, unix_stream, unix_dgram, redis, syslog, gelf)");
    /* a URL picks its kind; a URL of no known scheme is refused, not made a file */
    assert_string_equal(output_url_kind("redis://h:1/k"), "redis");
    assert_string_equal(output_url_kind("redis+unix:///s/k"), "redis");
    assert_string_equal(output_url_kind("syslog"), "syslog");
    assert_string_equal(output_url_kind("syslog+tcp://h:1"), "syslog");
    assert_string_equal(output_url_kind("gelf+udp://h:1"), "gelf");
    assert_string_equal(output_url_kind("kafka://h:1"), "");
    assert_null(output_url_kind("/var/log/eve.json"));
    assert_null(output_open("kafka://h:1", "regular", NULL, false, err, sizeof err));
    assert_non_null(strstr(err, "unknown destination 'kafka://h:1'"));
    assert_ptr_equal(layout_find("eve"), &layout_eve);
    assert_ptr_equal(layout_find("ecs"), &layout_ecs);
    assert_ptr_equal(layout_find("gelf"), &layout_gelf);
    assert_null(layout_find("cef"));
    assert_string_equal(layout_names(), "eve, ecs, splunk, gelf, logpoint");
    rec_kind k = REC_SMB;
    assert_true(rec_kind_parse("flow", &k));
    assert_int_equal(k, REC_FLOW);
    assert_false(rec_kind_parse("dns", &k));
    assert_string_equal(rec_kind_name(REC_WINLOG), "winlog");
    assert_string_equal(rec_kind_names(), "smb, winlog, alert, flow, stats, incident");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dgram),
        cmocka_unit_test(test_stream),
        cmocka_unit_test(test_file_reopen),
        cmocka_unit_test(test_kinds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
