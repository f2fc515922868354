/* The capture file reader: the mapped reader gives what libpcap gives for
 * every classic pcap flavour (byte order, nanosecond stamps), across window
 * boundaries, and names the damage of a cut or corrupt file the same way. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>

#include "sensor/pcapfile.h"

static void put32(FILE *f, uint32_t v, int be)
{
    uint8_t b[4];
    for (int i = 0; i < 4; i++)
        b[i] = be ? (uint8_t)(v >> (24 - 8 * i)) : (uint8_t)(v >> (8 * i));
    fwrite(b, 1, 4, f);
}

static void put16(FILE *f, uint16_t v, int be)
{
    uint8_t b[2] = {be ? (uint8_t)(v >> 8) : (uint8_t)v, be ? (uint8_t)v : (uint8_t)(v >> 8)};
    fwrite(b, 1, 2, f);
}

/* n Ethernet frames of sizes 60 + (i * 977) % 1400, byte i of frame k = k + i. */
static void write_pcap(const char *path, int be, int nsec, uint32_t linktype, int n, uint32_t big_every)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    put32(f, nsec ? 0xa1b23c4du : 0xa1b2c3d4u, be);
    put16(f, 2, be);
    put16(f, 4, be);
    put32(f, 0, be);
    put32(f, 0, be);
    put32(f, 262144, be);
    put32(f, linktype, be);
    static uint8_t frame[70000];
    for (int k = 0; k < n; k++) {
        uint32_t len = 60 + (uint32_t)(k * 977) % 1400;
        if (big_every && k % big_every == 0)
            len = 65000;
        for (uint32_t i = 0; i < len; i++)
            frame[i] = (uint8_t)(k + i);
        put32(f, 1700000000u + (uint32_t)k, be);
        put32(f, nsec ? (uint32_t)k * 1000u + 999u : (uint32_t)k, be);
        put32(f, len, be);
        put32(f, len + 4, be);
        fwrite(frame, 1, len, f);
    }
    fclose(f);
}

/* Reads the file twice, mapped and through libpcap (a filter forces it),
 * and checks both give the same packets. Returns the count. */
static int read_both(const char *path, int expect_mapped)
{
    char err[512];
    capture_file *a = capture_file_open(path, NULL, err, sizeof(err));
    capture_file *b = capture_file_open(path, "ip or not ip", err, sizeof(err));
    assert_non_null(a);
    assert_non_null(b);
    assert_int_equal(capture_file_mapped(a), expect_mapped);
    assert_int_equal(capture_file_mapped(b), 0);
    assert_int_equal(capture_file_linktype(a), capture_file_linktype(b));
    int n = 0, ra;
    capture_pkt pa, pb;
    for (;;) {
        ra = capture_file_next(a, &pa);
        int rb = capture_file_next(b, &pb);
        assert_int_equal(ra, rb);
        if (ra <= 0)
            break;
        assert_int_equal(pa.ts_usec, pb.ts_usec);
        assert_int_equal(pa.caplen, pb.caplen);
        assert_int_equal(pa.len, pb.len);
        assert_memory_equal(pa.data, pb.data, pa.caplen);
        n++;
    }
    if (ra < 0)
        assert_string_equal(capture_file_error(a), capture_file_error(b));
    capture_file_close(a);
    capture_file_close(b);
    return n;
}

static char path[64];

static void test_flavours(void **state)
{
    for (int be = 0; be < 2; be++)
        for (int nsec = 0; nsec < 2; nsec++) {
            write_pcap(path, be, nsec, 1, 50, 0);
            assert_int_equal(read_both(path, 1), 50);
        }
    char err[512];
    write_pcap(path, 0, 1, 1, 3, 0);
    capture_file *cf = capture_file_open(path, NULL, err, sizeof(err));
    capture_pkt p;
    assert_int_equal(capture_file_next(cf, &p), 1);
    assert_int_equal(capture_file_next(cf, &p), 1);
    assert_int_equal(p.ts_usec, 1700000001ull * 1000000 + 1); /* 1999 ns */
    assert_int_equal(p.caplen, 60 + 977);
    assert_int_equal(p.len, 60 + 977 + 4);
    assert_int_equal(p.data[0], 1);
    capture_file_close(cf);
}

/* 300 frames of 65000 bytes every 2: about 10 MB, past one 8 MB window. */
static void test_windows(void **state)
{
    write_pcap(path, 0, 0, 1, 300, 2);
    assert_int_equal(read_both(path, 1), 300);
}

static void test_damage(void **state)
{
    write_pcap(path, 0, 0, 1, 20, 0);
    FILE *f = fopen(path, "rb+");
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    /* cut inside the data of the last frame, then inside its header */
    assert_int_equal(truncate(path, size - 5), 0);
    assert_int_equal(read_both(path, 1), 19);
    uint32_t last = 60 + (19 * 977) % 1400;
    assert_int_equal(truncate(path, size - last - 16 + 7), 0);
    assert_int_equal(read_both(path, 1), 19);
    char err[512];
    capture_file *cf = capture_file_open(path, NULL, err, sizeof(err));
    capture_pkt p;
    while (capture_file_next(cf, &p) > 0) {
    }
    assert_string_equal(capture_file_error(cf), "truncated dump file; tried to read 16 header bytes, only got 7");
    capture_file_close(cf);
    /* a record claiming 300000 bytes */
    write_pcap(path, 0, 0, 1, 2, 0);
    f = fopen(path, "rb+");
    fseek(f, 24 + 8, SEEK_SET);
    put32(f, 300000, 0);
    fclose(f);
    cf = capture_file_open(path, NULL, err, sizeof(err));
    assert_int_equal(capture_file_next(cf, &p), -1);
    assert_string_equal(capture_file_error(cf), "invalid packet capture length 300000, bigger than maximum of 262144");
    capture_file_close(cf);
}

static long file_size(const char *p)
{
    struct stat st;
    assert_int_equal(stat(p, &st), 0);
    return (long)st.st_size;
}

/* Packets in a file read to its end, and whether it ended in damage. */
static int count_packets(const char *p, int *rc_out)
{
    char err[512];
    capture_file *cf = capture_file_open(p, NULL, err, sizeof(err));
    assert_non_null(cf);
    capture_pkt pk;
    int n = 0, rc;
    while ((rc = capture_file_next(cf, &pk)) > 0)
        n++;
    *rc_out = rc;
    capture_file_close(cf);
    return n;
}

/* A capture cut (truncate, log rotation) while it is read, inside the
 * mapped window and under packets already handed out: no SIGBUS, the reader
 * ends at the new end with "truncated while it was read", and it gave the
 * packets a clean read of the cut file gives. held: as --workers reads it. */
static void cut_while_read(int held)
{
    write_pcap(path, 0, 0, 1, 300, 2); /* about 10 MB: past one window */
    char err[512];
    capture_file *cf = capture_file_open(path, NULL, err, sizeof(err));
    assert_non_null(cf);
    if (held)
        assert_int_equal(capture_file_hold(cf), 1);
    capture_pkt pk = {0};
    int n = 0;
    while (capture_file_pos(cf) < 3 * 1024 * 1024) {
        assert_int_equal(capture_file_next(cf, &pk), 1);
        n++;
    }
    /* cut three pages before the end of the last packet handed out, then
     * touch that packet: its tail is gone from the file */
    long at = (long)capture_file_pos(cf) - 3 * 4096 - 100;
    assert_int_equal(truncate(path, at), 0);
    volatile unsigned sum = 0;
    for (uint32_t i = 0; i < pk.caplen; i++)
        sum += pk.data[i];
    (void)sum;
    int rc;
    while ((rc = capture_file_next(cf, &pk)) > 0)
        n++;
    assert_int_equal(rc, -1);
    assert_int_equal(capture_file_cut(cf), 1);
    assert_non_null(strstr(capture_file_error(cf), "capture truncated while it was read"));
    capture_file_close(cf);
    /* a cut further on, past the current window: read to the new end */
    write_pcap(path, 0, 0, 1, 300, 2);
    cf = capture_file_open(path, NULL, err, sizeof(err));
    if (held)
        assert_int_equal(capture_file_hold(cf), 1);
    n = 0;
    for (int i = 0; i < 5; i++, n++)
        assert_int_equal(capture_file_next(cf, &pk), 1);
    long size = file_size(path);
    assert_int_equal(truncate(path, size * 3 / 4), 0);
    while ((rc = capture_file_next(cf, &pk)) > 0) {
        sum += pk.data[pk.caplen - 1];
        n++;
    }
    assert_int_equal(rc, -1);
    assert_int_equal(capture_file_cut(cf), 1);
    capture_file_close(cf);
    int clean_rc;
    assert_int_equal(count_packets(path, &clean_rc), n);
    assert_int_equal(clean_rc, -1); /* the cut fell inside a record */
}

static void test_cut_while_read(void **state) { cut_while_read(0); }
static void test_cut_while_held(void **state) { cut_while_read(1); }

static void copy_range(const char *from, const char *to, long lo, long hi)
{
    FILE *a = fopen(from, "rb"), *b = fopen(to, lo ? "ab" : "wb");
    assert_non_null(a);
    assert_non_null(b);
    fseek(a, lo, SEEK_SET);
    static char buf[1 << 16];
    for (long left = hi - lo; left > 0;) {
        size_t want = left < (long)sizeof(buf) ? (size_t)left : sizeof(buf);
        size_t got = fread(buf, 1, want, a);
        assert_true(got > 0);
        fwrite(buf, 1, got, b);
        left -= (long)got;
    }
    fclose(a);
    fclose(b);
}

/* A capture written while it is read: without following, the read ends at
 * the size seen at open, a record the writer had not finished is no damage,
 * and the growth is told; following, every packet comes, partial records
 * are waited for. */
static void test_growing(void **state)
{
    char full[80];
    snprintf(full, sizeof(full), "%s.full", path);
    write_pcap(full, 0, 0, 1, 40, 0);
    long size = file_size(full);
    int rc;
    int all = count_packets(full, &rc);
    assert_int_equal(all, 40);
    assert_int_equal(rc, 0);

    char err[512];
    copy_range(full, path, 0, size * 2 / 5); /* mid-record */
    capture_file *cf = capture_file_open(path, NULL, err, sizeof(err));
    assert_non_null(cf);
    copy_range(full, path, size * 2 / 5, size);
    capture_pkt pk;
    int n = 0;
    while ((rc = capture_file_next(cf, &pk)) > 0)
        n++;
    assert_int_equal(rc, 0);
    assert_true(n > 0 && n < 40);
    assert_int_equal(capture_file_grown(cf), size);
    assert_int_equal(capture_file_open_size(cf), size * 2 / 5);
    capture_file_close(cf);

    copy_range(full, path, 0, size / 3);
    cf = capture_file_open(path, NULL, err, sizeof(err));
    assert_int_equal(capture_file_follow(cf), 1);
    n = 0;
    long cuts[] = {size / 2, size / 2 + 7, size * 4 / 5, size};
    long at = size / 3;
    for (size_t c = 0; c <= sizeof(cuts) / sizeof(cuts[0]); c++) {
        while ((rc = capture_file_next(cf, &pk)) > 0) {
            assert_int_equal(pk.ts_usec, (1700000000ull + (uint64_t)n) * 1000000 + (uint64_t)n);
            assert_int_equal(pk.data[0], (uint8_t)n);
            n++;
        }
        assert_int_equal(rc, 0);
        if (c < sizeof(cuts) / sizeof(cuts[0])) {
            copy_range(full, path, at, cuts[c]);
            at = cuts[c];
        }
    }
    assert_int_equal(n, 40);
    assert_int_equal(capture_file_cut(cf), 0);
    capture_file_close(cf);
    /* libpcap's reader does not follow */
    cf = capture_file_open(path, "ip or not ip", err, sizeof(err));
    assert_int_equal(capture_file_follow(cf), 0);
    capture_file_close(cf);
    unlink(full);
}

/* Link types the mapped reader does not take go through libpcap. */
static void test_fallback(void **state)
{
    write_pcap(path, 0, 0, 101, 5, 0); /* LINKTYPE_RAW: libpcap's DLT_RAW */
    assert_int_equal(read_both(path, 1), 5);
    /* a user link type: libpcap opens it, and the decoder refuses it by name */
    write_pcap(path, 0, 0, 147, 5, 0);
    char err[512] = "";
    assert_null(capture_file_open(path, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "unsupported link type 147"));
}

/* path gzip'd into gz (level 1); its size. */
static long gzip_file(const char *from, const char *gz)
{
    FILE *in = fopen(from, "rb");
    assert_non_null(in);
    gzFile out = gzopen(gz, "wb1");
    assert_non_null(out);
    static char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        assert_int_equal(gzwrite(out, buf, (unsigned)n), (int)n);
    fclose(in);
    assert_int_equal(gzclose(out), Z_OK);
    return file_size(gz);
}

/* Reads a and b side by side: the same packets, the same end. */
static int read_same(const char *pa_path, const char *pb_path, int *rc)
{
    char err[512];
    capture_file *a = capture_file_open(pa_path, NULL, err, sizeof(err));
    assert_non_null(a);
    capture_file *b = capture_file_open(pb_path, NULL, err, sizeof(err));
    assert_non_null(b);
    int n = 0, rb;
    capture_pkt pa, pb;
    for (;;) {
        int ra = capture_file_next(a, &pa);
        rb = capture_file_next(b, &pb);
        if (ra <= 0 || rb <= 0)
            break;
        assert_int_equal(pa.ts_usec, pb.ts_usec);
        assert_int_equal(pa.caplen, pb.caplen);
        assert_int_equal(pa.len, pb.len);
        assert_memory_equal(pa.data, pb.data, pa.caplen);
        n++;
    }
    *rc = rb;
    capture_file_close(a);
    capture_file_close(b);
    return n;
}

/* A gzip'd capture (known by its magic, any name) gives the packets of the
 * plain one through a streaming inflate; a cut or corrupt gzip ends with -1
 * and says so, after every packet before the fault. */
static void test_gzip(void **state)
{
    char gz[80], cut[80];
    snprintf(gz, sizeof gz, "%s.any-name", path);
    snprintf(cut, sizeof cut, "%s.cut.gz", path);
    write_pcap(path, 0, 0, 1, 300, 2); /* 10 MB: many reads, past any buffer */
    long size = gzip_file(path, gz);
    int rc;
    assert_int_equal(read_same(path, gz, &rc), 300);
    assert_int_equal(rc, 0);
    char err[512];
    capture_file *cf = capture_file_open(gz, NULL, err, sizeof(err));
    assert_non_null(cf);
    assert_int_equal(capture_file_mapped(cf), 0);
    assert_int_equal(capture_file_follow(cf), 0);
    assert_int_equal(capture_file_open_size(cf), size);
    capture_pkt p;
    int n = 0;
    while (capture_file_next(cf, &p) > 0)
        n++;
    assert_int_equal(n, 300);
    /* the position is in compressed bytes, as the file's size */
    assert_int_equal(capture_file_pos(cf), size);
    capture_file_close(cf);

    /* cut in the middle: the packets before it, then the reason */
    copy_range(gz, cut, 0, size / 2);
    int got = read_same(path, cut, &rc);
    assert_int_equal(rc, -1);
    assert_true(got > 10 && got < 300);
    cf = capture_file_open(cut, NULL, err, sizeof(err));
    while (capture_file_next(cf, &p) > 0) {
    }
    char want[128];
    snprintf(want, sizeof want, "gzip stream cut short: unexpected end of file after %ld compressed bytes (", size / 2);
    assert_non_null(strstr(capture_file_error(cf), want));
    capture_file_close(cf);

    /* cut inside the gzip header: nothing to open */
    copy_range(gz, cut, 0, 6);
    assert_null(capture_file_open(cut, NULL, err, sizeof(err)));
    assert_non_null(strstr(err, "not a readable gzip'd capture: gzip stream cut short"));

    /* a broken deflate block: zlib's reason, wherever libpcap stumbled */
    copy_range(gz, cut, 0, size);
    FILE *f = fopen(cut, "rb+");
    fseek(f, size / 3, SEEK_SET);
    fputc(0x55, f);
    fputc(0xaa, f);
    fclose(f);
    cf = capture_file_open(cut, NULL, err, sizeof(err));
    assert_non_null(cf);
    while ((rc = capture_file_next(cf, &p)) > 0) {
    }
    assert_int_equal(rc, -1);
    assert_non_null(strstr(capture_file_error(cf), "gzip data corrupt: "));
    capture_file_close(cf);
    unlink(gz);
    unlink(cut);
}

static int setup(void **state)
{
    snprintf(path, sizeof(path), "/tmp/pw-test-pcapfile-%d.pcap", (int)getpid());
    return 0;
}

static int teardown(void **state)
{
    unlink(path);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flavours),
        cmocka_unit_test(test_windows),
        cmocka_unit_test(test_damage),
        cmocka_unit_test(test_fallback),
        cmocka_unit_test(test_cut_while_read),
        cmocka_unit_test(test_cut_while_held),
        cmocka_unit_test(test_growing),
        cmocka_unit_test(test_gzip),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
