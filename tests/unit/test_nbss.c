/* NBSS framing: in-place delivery, splitting, control messages, large
 * messages, resync after garbage and gaps. */
#include "testutil.h"

#include "protocols/nbss.h"

typedef struct got {
    int n;
    const uint8_t *ptr[16];
    size_t avail[16], full[16];
    uint8_t first[16][8];
    uint8_t last_byte[16];
} got;

static void on_pdu(void *ctx, const uint8_t *pdu, size_t avail, size_t full)
{
    got *g = ctx;
    if (g->n >= 16)
        return;
    g->ptr[g->n] = pdu;
    g->avail[g->n] = avail;
    g->full[g->n] = full;
    memcpy(g->first[g->n], pdu, avail < 8 ? avail : 8);
    g->last_byte[g->n] = avail ? pdu[avail - 1] : 0;
    g->n++;
}

/* An NBSS message holding a fake SMB2 message of body_len bytes (>= 64). */
static size_t smb2_msg(uint8_t *p, size_t body_len, uint8_t fill)
{
    p[0] = 0;
    p[1] = (uint8_t)(body_len >> 16);
    p[2] = (uint8_t)(body_len >> 8);
    p[3] = (uint8_t)body_len;
    memset(p + 4, fill, body_len);
    memcpy(p + 4, "\xFESMB\x40\x00", 6);
    return body_len + 4;
}

static void test_in_place(void **state)
{
    uint8_t buf[200];
    size_t n = smb2_msg(buf, 100, 0xAB);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 65536, on_pdu, &g);
    nbss_feed(&f, buf, n);
    assert_int_equal(g.n, 1);
    assert_ptr_equal(g.ptr[0], buf + 4); /* not copied */
    assert_int_equal(g.avail[0], 100);
    assert_int_equal(g.full[0], 100);
    assert_null(f.buf);
    assert_int_equal(f.ctr.messages, 1);
    nbss_release(&f);
}

static void test_one_byte_chunks(void **state)
{
    uint8_t buf[300];
    size_t n = smb2_msg(buf, 100, 0xAB);
    n += smb2_msg(buf + n, 70, 0xCD);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 65536, on_pdu, &g);
    for (size_t i = 0; i < n; i++)
        nbss_feed(&f, buf + i, 1);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.avail[0], 100);
    assert_memory_equal(g.first[0], "\xFESMB\x40\x00\xAB\xAB", 8);
    assert_int_equal(g.last_byte[0], 0xAB);
    assert_int_equal(g.avail[1], 70);
    assert_int_equal(g.last_byte[1], 0xCD);
    assert_int_equal(f.ctr.resyncs, 0);
    assert_int_equal(f.ctr.bytes_skipped, 0);
    assert_int_equal(f.buf_cap, 1024); /* grown once, to what the messages needed */
    nbss_release(&f);
}

static void test_several_in_one(void **state)
{
    uint8_t buf[600];
    size_t n = 0;
    n += smb2_msg(buf + n, 64, 1);
    n += smb2_msg(buf + n, 80, 2);
    n += smb2_msg(buf + n, 96, 3);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 65536, on_pdu, &g);
    nbss_feed(&f, buf, n);
    assert_int_equal(g.n, 3);
    assert_ptr_equal(g.ptr[1], buf + 68 + 4);
    assert_int_equal(g.avail[2], 96);
    assert_int_equal(g.last_byte[2], 3);
    nbss_release(&f);
}

static void test_port139_control(void **state)
{
    uint8_t buf[400];
    size_t n = 0;
    /* session request: called + calling names, 68 bytes */
    buf[n++] = 0x81;
    buf[n++] = 0;
    buf[n++] = 0;
    buf[n++] = 68;
    memset(buf + n, 0x20, 68);
    n += 68;
    /* positive response, keepalive */
    memcpy(buf + n, "\x82\x00\x00\x00\x85\x00\x00\x00", 8);
    n += 8;
    /* a session message with the 17-bit length (E bit set: 0x10040 bytes) */
    size_t big = 0x10040;
    uint8_t *m = calloc(1, big + 4);
    smb2_msg(m, big, 7);
    assert_int_equal(m[1], 1);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 0x20000, on_pdu, &g);
    nbss_feed(&f, buf, n);
    nbss_feed(&f, m, big + 4);
    assert_int_equal(f.ctr.control, 2);
    assert_int_equal(f.ctr.keepalives, 1);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.avail[0], big);
    assert_int_equal(f.ctr.bytes_skipped, 0);
    free(m);
    nbss_release(&f);
}

static void test_large_skipped(void **state)
{
    /* a 1 MiB WRITE arriving in 1460-byte segments: only the head is kept */
    size_t body = 1 << 20;
    uint8_t *m = calloc(1, body + 4);
    size_t n = smb2_msg(m, body, 9);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 65536, on_pdu, &g);
    for (size_t off = 0; off < n; off += 1460)
        nbss_feed(&f, m + off, n - off < 1460 ? n - off : 1460);
    uint8_t next[100];
    size_t nn = smb2_msg(next, 64, 5);
    nbss_feed(&f, next, nn);
    assert_int_equal(g.n, 2);
    assert_int_equal(g.avail[0], NBSS_HEAD_KEEP);
    assert_int_equal(g.full[0], body);
    assert_int_equal(f.ctr.truncated, 1);
    assert_int_equal(f.ctr.bytes_skipped, body - NBSS_HEAD_KEEP);
    assert_true(f.buf_cap <= 1024); /* the tail was never buffered */
    assert_int_equal(g.avail[1], 64);
    assert_ptr_equal(g.ptr[1], next + 4);
    free(m);
    nbss_release(&f);
}

static void test_garbage_resync(void **state)
{
    uint8_t buf[300];
    /* 13 bytes that look like nothing, including a false 0x00 start */
    memcpy(buf, "\x01\x02\x00\x00\x10\x41SMB\x00\xFF\x00\x99", 13);
    size_t n = 13 + smb2_msg(buf + 13, 80, 4);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 65536, on_pdu, &g);
    nbss_feed(&f, buf, n);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.avail[0], 80);
    assert_int_equal(f.ctr.resyncs, 1);
    assert_int_equal(f.ctr.bytes_skipped, 13);
    nbss_release(&f);

    /* the same, one byte at a time: the header straddles the carried bytes */
    memset(&g, 0, sizeof(g));
    nbss_init(&f, 65536, on_pdu, &g);
    for (size_t i = 0; i < n; i++)
        nbss_feed(&f, buf + i, 1);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.avail[0], 80);
    assert_int_equal(g.last_byte[0], 4);
    assert_int_equal(f.ctr.resyncs, 1);
    assert_int_equal(f.ctr.bytes_skipped, 13);
    nbss_release(&f);
}

static void test_gaps(void **state)
{
    uint8_t a[200], b[200];
    size_t na = smb2_msg(a, 150, 1);
    size_t nb = smb2_msg(b, 64, 2);
    got g = {0};
    nbss_framer f;
    nbss_init(&f, 65536, on_pdu, &g);
    /* gap inside a buffered message: it is dropped, the next header is
     * still found where the length said */
    nbss_feed(&f, a, 50);
    nbss_gap(&f, 40);
    nbss_feed(&f, a + 90, na - 90);
    nbss_feed(&f, b, nb);
    assert_int_equal(g.n, 1);
    assert_int_equal(g.avail[0], 64);
    assert_int_equal(f.ctr.dropped, 1);
    assert_int_equal(f.ctr.resyncs, 0);

    /* gap at a message boundary with unknown extent: resync on garbage */
    nbss_gap(&f, 1000);
    nbss_feed(&f, a + 100, na - 100); /* tail of some message: all 0x01 */
    nbss_feed(&f, b, nb);
    assert_int_equal(g.n, 2);
    assert_int_equal(f.ctr.resyncs, 1);
    assert_int_equal(f.ctr.bytes_skipped, na - 100);
    nbss_release(&f);
}

static void test_check_header(void **state)
{
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x50\xFESMB\x40\x00", 10, 0), 1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x50\xFESMB\x41\x00", 10, 0), 0);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x50\xFESMB", 8, 0), -1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x20\xFFSMB", 8, 0), 0); /* too short */
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x40\xFFSMB", 8, 0), 1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x40\xFDSMB", 8, 0), 1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x40\xFCSMB", 8, 0), 1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x00\x00\x00\x40\xFBSMB", 8, 0), 0);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x85\x00\x00\x00", 4, 1), 1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x85\x00\x00\x00", 4, 0), 0);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x85\x00\x00\x01", 4, 1), 0);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x83\x00\x00\x01", 4, 1), 1);
    assert_int_equal(nbss_check_header((const uint8_t *)"\x86\x00\x00\x00", 4, 1), 0);
}

/* Two framers charged to one budget: the second cannot buffer a message
 * the budget has no room for, skips exactly that one, and buffers the next
 * smaller one; releasing gives every byte back. */
static void test_shared_budget(void **state)
{
    static uint8_t a[2100], b[1700];
    size_t na = smb2_msg(a, 2000, 0x11);
    size_t nb = smb2_msg(b, 1500, 0x22);
    nb += smb2_msg(b + nb, 100, 0x33);
    size_t used = 0;
    got ga = {0}, gb = {0};
    nbss_framer fa, fb;
    nbss_init(&fa, 65536, on_pdu, &ga);
    nbss_init(&fb, 65536, on_pdu, &gb);
    nbss_set_budget(&fa, &used, 3100);
    nbss_set_budget(&fb, &used, 3100);
    nbss_feed(&fa, a, 700);
    nbss_feed(&fa, a + 700, na - 700);
    assert_int_equal(ga.n, 1);
    assert_int_equal(ga.avail[0], 2000);
    assert_int_equal(used, 2048);
    /* 1500 bytes need a 2048-byte buffer: over the budget */
    nbss_feed(&fb, b, 700);
    nbss_feed(&fb, b + 700, 1504 - 700);
    /* the 100-byte message, split, fits in 1024 */
    nbss_feed(&fb, b + 1504, 50);
    nbss_feed(&fb, b + 1554, nb - 1554);
    assert_int_equal(gb.n, 1);
    assert_int_equal(gb.avail[0], 100);
    assert_int_equal(gb.last_byte[0], 0x33);
    assert_int_equal(fb.ctr.memcap_drops, 1);
    assert_int_equal(fb.ctr.dropped, 1);
    assert_int_equal(fb.ctr.resyncs, 0);
    assert_int_equal(fa.ctr.memcap_drops, 0);
    assert_int_equal(used, 2048 + 1024);
    nbss_release(&fa);
    assert_int_equal(used, 1024);
    nbss_release(&fb);
    assert_int_equal(used, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_place),       cmocka_unit_test(test_one_byte_chunks),
        cmocka_unit_test(test_several_in_one), cmocka_unit_test(test_port139_control),
        cmocka_unit_test(test_large_skipped),  cmocka_unit_test(test_garbage_resync),
        cmocka_unit_test(test_gaps),           cmocka_unit_test(test_check_header),
        cmocka_unit_test(test_shared_budget),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
