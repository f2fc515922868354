/* TCP reassembly: ordering, overlaps (first copy wins), gaps, limits. */
#include "testutil.h"

#include "sensor/decode.h"
#include "sensor/stream.h"

typedef struct capture {
    uint8_t buf[2][8192];
    size_t len[2];
    uint64_t gaps[2];
    int ngap_calls[2];
    char log[512]; /* "D5 G3 D2" ... per call, both directions */
    const uint8_t *last_ptr;
} capture;

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len)
{
    capture *c = ctx;
    assert_true(len > 0);
    assert_true(c->len[dir] + len <= sizeof(c->buf[dir]));
    memcpy(c->buf[dir] + c->len[dir], data, len);
    c->len[dir] += len;
    c->last_ptr = data;
    size_t l = strlen(c->log);
    snprintf(c->log + l, sizeof(c->log) - l, "%sD%zu", l ? " " : "", len);
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
    capture *c = ctx;
    c->gaps[dir] += len;
    c->ngap_calls[dir]++;
    size_t l = strlen(c->log);
    snprintf(c->log + l, sizeof(c->log) - l, "%sG%llu", l ? " " : "", (unsigned long long)len);
}

typedef struct fixture {
    stream_engine *e;
    tcp_stream s;
    capture c;
    stream_sink sink;
} fixture;

static fixture *fx_new(size_t memcap, uint32_t per_dir, bool midstream)
{
    fixture *f = calloc(1, sizeof(*f));
    stream_config cfg;
    stream_config_default(&cfg);
    if (memcap)
        cfg.memcap = memcap;
    if (per_dir)
        cfg.max_held_per_dir = per_dir;
    cfg.midstream = midstream;
    f->e = stream_engine_new(&cfg);
    f->sink.data = on_data;
    f->sink.gap = on_gap;
    f->sink.ctx = &f->c;
    return f;
}

static void fx_free(fixture *f)
{
    stream_release(f->e, &f->s);
    assert_int_equal(stream_engine_stats(f->e)->held_bytes, 0);
    stream_engine_free(f->e);
    free(f);
}

static void seg(fixture *f, int dir, uint32_t seq, uint8_t flags, const char *data)
{
    stream_segment(f->e, &f->s, dir, seq, flags, (const uint8_t *)data, (uint32_t)strlen(data), &f->sink);
}

static void test_defaults(void **st)
{
    stream_config c;
    stream_config_default(&c);
    assert_int_equal(c.memcap, 64u << 20);
    assert_int_equal(c.max_held_per_dir, 256u << 10);
    assert_true(c.midstream);
}

static void test_in_order_zero_copy(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 1000, TCP_SYN, "");
    assert_true(f->s.dir[0].have_isn);
    assert_int_equal(f->s.dir[0].next_seq, 1001);
    static const char a[] = "hello ";
    stream_segment(f->e, &f->s, 0, 1001, TCP_ACK, (const uint8_t *)a, 6, &f->sink);
    assert_ptr_equal(f->c.last_ptr, (const uint8_t *)a); /* delivered in place, not copied */
    seg(f, 0, 1007, TCP_ACK | TCP_PSH, "world");
    assert_int_equal(f->c.len[0], 11);
    assert_memory_equal(f->c.buf[0], "hello world", 11);
    assert_string_equal(f->c.log, "D6 D5");
    assert_int_equal(f->s.dir[0].delivered, 11);
    assert_int_equal(f->s.dir[0].next_seq, 1012);
    const stream_stats *s = stream_engine_stats(f->e);
    assert_int_equal(s->segments, 3);
    assert_int_equal(s->in_order, 2);
    assert_int_equal(s->out_of_order, 0);
    assert_int_equal(s->peak_held_bytes, 0);
    fx_free(f);
}

static void test_reordered(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 1, 0, TCP_SYN | TCP_ACK, "");
    seg(f, 1, 11, TCP_ACK, "KLMNO");
    seg(f, 1, 6, TCP_ACK, "FGHIJ");
    assert_int_equal(f->c.len[1], 0);
    assert_int_equal(f->s.dir[1].held_bytes, 10);
    assert_int_equal(f->s.dir[1].held_segs, 2);
    assert_int_equal(stream_engine_stats(f->e)->held_bytes, 10);
    seg(f, 1, 1, TCP_ACK, "ABCDE");
    assert_int_equal(f->c.len[1], 15);
    assert_memory_equal(f->c.buf[1], "ABCDEFGHIJKLMNO", 15);
    assert_string_equal(f->c.log, "D5 D5 D5");
    assert_int_equal(f->s.dir[1].held_bytes, 0);
    assert_null(f->s.dir[1].held);
    const stream_stats *s = stream_engine_stats(f->e);
    assert_int_equal(s->out_of_order, 3);
    assert_int_equal(s->held_bytes, 0);
    assert_int_equal(s->peak_held_bytes, 10);
    fx_free(f);
}

/* After a hole, segments in order are appended behind the last held one;
 * one that lands between held segments, one that overlaps the last, and
 * the hole's filler still put every byte in its place. */
static void test_held_tail(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    char want[401];
    for (int i = 0; i < 400; i++)
        want[i] = (char)('a' + i % 26);
    want[400] = 0;
    char piece[11];
    /* bytes 1..10 are the hole; 11..400 come in order, 10 at a time, but 201..210 late */
    for (uint32_t s = 11; s <= 391; s += 10) {
        if (s == 201)
            continue;
        memcpy(piece, want + s - 1, 10);
        piece[10] = 0;
        const stream_seg *before = f->s.dir[0].held_tail;
        seg(f, 0, s, TCP_ACK, piece);
        assert_non_null(f->s.dir[0].held_tail);
        assert_ptr_not_equal(f->s.dir[0].held_tail, before);
    }
    assert_int_equal(f->s.dir[0].held_segs, 38);
    const stream_seg *last = f->s.dir[0].held_tail;
    memcpy(piece, want + 200, 10);
    seg(f, 0, 201, TCP_ACK, piece); /* between held segments */
    assert_ptr_equal(f->s.dir[0].held_tail, last);
    assert_int_equal(f->s.dir[0].held_segs, 39);
    memcpy(piece, want + 395, 5);
    memcpy(piece + 5, "ZZZZZ", 5);
    seg(f, 0, 396, TCP_ACK, piece); /* 396..400 already held: only 401..405 are new */
    assert_ptr_not_equal(f->s.dir[0].held_tail, last);
    assert_int_equal(f->s.dir[0].held_segs, 40);
    assert_int_equal(f->s.dir[0].held_bytes, 395);
    memcpy(piece, want, 10);
    seg(f, 0, 1, TCP_ACK, piece);
    assert_int_equal(f->c.len[0], 405);
    assert_memory_equal(f->c.buf[0], want, 400);
    assert_memory_equal(f->c.buf[0] + 400, "ZZZZZ", 5);
    assert_null(f->s.dir[0].held);
    assert_null(f->s.dir[0].held_tail);
    assert_int_equal(f->c.gaps[0], 0);
    fx_free(f);
}

static void test_retransmission_dropped(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 99, TCP_SYN, "");
    seg(f, 0, 100, TCP_ACK, "abcd");
    seg(f, 0, 100, TCP_ACK, "abcd");
    seg(f, 0, 102, TCP_ACK, "cd");
    seg(f, 0, 110, TCP_ACK, "xy");
    seg(f, 0, 110, TCP_ACK, "xy"); /* retransmission of held data */
    assert_int_equal(f->c.len[0], 4);
    assert_int_equal(f->s.dir[0].held_bytes, 2);
    assert_int_equal(stream_engine_stats(f->e)->retransmitted, 3);
    fx_free(f);
}

/* A segment exactly half the sequence space away (2^31) is taken as behind,
 * a retransmission, without overflow (found by fuzz_pipeline under UBSan). */
static void test_half_space_away(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 99, TCP_SYN, "");
    seg(f, 0, 100, TCP_ACK, "abcd");
    seg(f, 0, 104u + 0x80000000u, TCP_ACK, "zz");
    assert_int_equal(f->c.len[0], 4);
    assert_int_equal(stream_engine_stats(f->e)->retransmitted, 1);
    fx_free(f);
}

/* The new segment straddles delivered data: only the new bytes go out. */
static void test_overlap_with_delivered(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 1, 0, "abcdef");
    seg(f, 0, 4, 0, "XYZghi"); /* XYZ overlaps "def": first copy wins */
    assert_int_equal(f->c.len[0], 9);
    assert_memory_equal(f->c.buf[0], "abcdefghi", 9);
    assert_int_equal(stream_engine_stats(f->e)->overlaps, 1);
    fx_free(f);
}

/* Overlaps with held data: the bytes held first win, the new segment only
 * fills the holes around them. */
static void test_overlap_with_held(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 5, 0, "EF");        /* seq 5-6 */
    seg(f, 0, 9, 0, "IJ");        /* seq 9-10 */
    seg(f, 0, 3, 0, "cdxyghzzk"); /* seq 3-11: keeps c d, g h, k */
    assert_int_equal(f->s.dir[0].held_bytes, 9);
    assert_int_equal(f->s.dir[0].held_segs, 5);
    seg(f, 0, 1, 0, "abQQ"); /* seq 1-4: QQ overlaps held "cd" */
    assert_int_equal(f->c.len[0], 11);
    assert_memory_equal(f->c.buf[0], "abcdEFghIJk", 11);
    assert_int_equal(f->s.dir[0].next_seq, 12);
    assert_int_equal(f->s.dir[0].held_bytes, 0);
    const stream_stats *s = stream_engine_stats(f->e);
    assert_int_equal(s->overlaps, 2);
    assert_int_equal(s->held_bytes, 0);
    fx_free(f);
}

/* New in-order data that runs over a held segment: held bytes win. */
static void test_in_order_over_held(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 4, 0, "DE");
    seg(f, 0, 1, 0, "abcxyfg");
    assert_int_equal(f->c.len[0], 7);
    assert_memory_equal(f->c.buf[0], "abcDEfg", 7);
    assert_string_equal(f->c.log, "D3 D2 D2");
    fx_free(f);
}

static void test_midstream(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 5000, TCP_ACK, "mid");
    seg(f, 0, 5003, TCP_ACK, "stream");
    assert_int_equal(f->c.len[0], 9);
    assert_memory_equal(f->c.buf[0], "midstream", 9);
    assert_false(f->s.syn_seen[0]);
    fx_free(f);

    f = fx_new(0, 0, false);
    seg(f, 0, 5000, TCP_ACK, "mid");
    assert_int_equal(f->c.len[0], 0);
    assert_false(f->s.dir[0].have_isn);
    seg(f, 0, 41, TCP_SYN, "");
    seg(f, 0, 42, TCP_ACK, "ok");
    assert_memory_equal(f->c.buf[0], "ok", 2);
    fx_free(f);
}

static void test_wraparound(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0xfffffffd, TCP_SYN, ""); /* next 0xfffffffe */
    seg(f, 0, 2, 0, "ef");              /* held across the wrap */
    assert_int_equal(f->s.dir[0].held_bytes, 2);
    seg(f, 0, 0xfffffffe, 0, "abcd"); /* fffffffe..1 */
    assert_int_equal(f->c.len[0], 6);
    assert_memory_equal(f->c.buf[0], "abcdef", 6);
    assert_int_equal(f->s.dir[0].next_seq, 4);
    seg(f, 0, 0xffffffff, 0, "bc"); /* old data, before the wrap */
    assert_int_equal(f->c.len[0], 6);
    assert_int_equal(stream_engine_stats(f->e)->retransmitted, 1);
    fx_free(f);
}

static void test_fin_rst(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 1, 0, TCP_SYN | TCP_ACK, "");
    seg(f, 0, 1, TCP_FIN | TCP_ACK, "bye");
    assert_true(f->s.dir[0].fin_seen);
    assert_false(f->s.closed);
    assert_memory_equal(f->c.buf[0], "bye", 3);
    seg(f, 1, 1, TCP_FIN | TCP_ACK, "");
    assert_true(f->s.closed);
    fx_free(f);

    f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 1, 7, TCP_RST, "diagnostic text");
    assert_true(f->s.closed);
    assert_true(f->s.dir[1].rst_seen);
    assert_int_equal(f->c.len[1], 0);
    fx_free(f);
}

static void test_one_byte_segments(void **st)
{
    fixture *f = fx_new(0, 0, true);
    char msg[3000];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (char)('A' + (i * 7) % 26);
    seg(f, 0, 0xfffffa00, TCP_SYN, "");
    for (uint32_t i = 0; i < sizeof(msg); i++)
        stream_segment(f->e, &f->s, 0, 0xfffffa01 + i, TCP_ACK, (const uint8_t *)msg + i, 1, &f->sink);
    assert_int_equal(f->c.len[0], sizeof(msg));
    assert_memory_equal(f->c.buf[0], msg, sizeof(msg));

    /* the same message as 1-byte segments in reverse order, in the other direction */
    seg(f, 1, 77, TCP_SYN | TCP_ACK, "");
    for (uint32_t i = sizeof(msg); i-- > 0;)
        stream_segment(f->e, &f->s, 1, 78 + i, TCP_ACK, (const uint8_t *)msg + i, 1, &f->sink);
    assert_int_equal(f->c.len[1], sizeof(msg));
    assert_memory_equal(f->c.buf[1], msg, sizeof(msg));
    assert_int_equal(f->s.dir[1].gap_bytes, 0);
    assert_int_equal(stream_engine_stats(f->e)->peak_held_bytes, sizeof(msg) - 1);
    fx_free(f);
}

static void test_gap_at_flush(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 1, 0, "ab");
    seg(f, 0, 6, 0, "fg");  /* hole 3..5 */
    seg(f, 0, 20, 0, "tu"); /* hole 8..19 */
    seg(f, 0, 22, 0, "vw");
    stream_flush(f->e, &f->s, &f->sink);
    assert_string_equal(f->c.log, "D2 G3 D2 G12 D2 D2");
    assert_memory_equal(f->c.buf[0], "abfgtuvw", 8);
    assert_int_equal(f->c.gaps[0], 15);
    assert_int_equal(f->s.dir[0].gap_bytes, 15);
    assert_int_equal(f->s.dir[0].delivered, 8);
    assert_null(f->s.dir[0].held);
    const stream_stats *s = stream_engine_stats(f->e);
    assert_int_equal(s->gaps, 2);
    assert_int_equal(s->gap_bytes, 15);
    assert_int_equal(s->held_bytes, 0);
    fx_free(f);
}

/* Holdings beyond max_held_per_dir: the first hole is declared lost. */
static void test_gap_per_dir_limit(void **st)
{
    fixture *f = fx_new(0, 10, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 1, 0, "a");
    seg(f, 0, 5, 0, "efgh");  /* hole 2..4, 4 held */
    seg(f, 0, 12, 0, "lmno"); /* hole 9..11, 8 held */
    assert_int_equal(f->s.dir[0].held_bytes, 8);
    seg(f, 0, 20, 0, "tuv"); /* 11 > 10: first hole goes */
    assert_string_equal(f->c.log, "D1 G3 D4");
    assert_int_equal(f->s.dir[0].next_seq, 9);
    assert_int_equal(f->s.dir[0].held_bytes, 7);
    seg(f, 0, 9, 0, "ijk");
    assert_string_equal(f->c.log, "D1 G3 D4 D3 D4");
    assert_int_equal(f->s.dir[0].next_seq, 16);
    stream_flush(f->e, &f->s, &f->sink);
    assert_memory_equal(f->c.buf[0], "aefghijklmnotuv", 15);
    assert_int_equal(f->c.gaps[0], 3 + 4);
    fx_free(f);
}

/* The global memcap is never exceeded, whatever several streams do. */
static void test_memcap(void **st)
{
    stream_config cfg;
    stream_config_default(&cfg);
    cfg.memcap = 100;
    stream_engine *e = stream_engine_new(&cfg);
    capture c[4];
    memset(c, 0, sizeof(c));
    tcp_stream s[4];
    memset(s, 0, sizeof(s));
    uint8_t data[30];
    memset(data, 'x', sizeof(data));
    for (int k = 0; k < 4; k++) {
        stream_sink sink = {on_data, on_gap, &c[k]};
        stream_segment(e, &s[k], 0, 0, TCP_SYN, NULL, 0, &sink);
        for (uint32_t j = 0; j < 4; j++) {
            stream_segment(e, &s[k], 0, 100 + j * 40, 0, data, 30, &sink);
            assert_true(stream_engine_stats(e)->held_bytes <= 100);
        }
    }
    const stream_stats *ss = stream_engine_stats(e);
    assert_int_equal(ss->peak_held_bytes, 90);
    assert_true(ss->memcap_drops > 0);
    /* stream 0 held 90 bytes, then its own 4th segment made it give up its first hole */
    assert_int_equal(c[0].gaps[0], 99);
    stream_sink sink0 = {on_data, on_gap, &c[0]};
    stream_flush(e, &s[0], &sink0);
    uint64_t total = 0;
    for (int k = 0; k < 4; k++) {
        stream_sink sink = {on_data, on_gap, &c[k]};
        stream_flush(e, &s[k], &sink);
        /* every byte is either delivered or announced lost */
        assert_int_equal(c[k].len[0], 120);
        assert_int_equal(c[k].gaps[0], 99 + 3 * 10);
        total += c[k].len[0];
    }
    assert_int_equal(total, 480);
    assert_int_equal(stream_engine_stats(e)->held_bytes, 0);
    stream_engine_free(e);
}

/* A segment a gigabyte ahead is a resync, not something to hold. */
static void test_far_ahead_resync(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 1, 0, "ab");
    seg(f, 0, 10, 0, "jk");
    seg(f, 0, 0x50000000, 0, "far");
    assert_null(f->s.dir[0].held);
    assert_int_equal(f->s.dir[0].next_seq, 0x50000003);
    assert_string_equal(f->c.log, "D2 G7 D2 G1342177268 D3");
    fx_free(f);
}

/* A per-direction limit smaller than the segment: the hole becomes a gap and
 * the segment is delivered directly. */
static void test_segment_larger_than_limit(void **st)
{
    fixture *f = fx_new(0, 4, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 3, 0, "cdefgh");
    assert_string_equal(f->c.log, "G2 D6");
    assert_int_equal(f->s.dir[0].held_bytes, 0);
    fx_free(f);
}

static void test_release_frees(void **st)
{
    fixture *f = fx_new(0, 0, true);
    seg(f, 0, 0, TCP_SYN, "");
    seg(f, 0, 10, 0, "abc");
    seg(f, 1, 500, TCP_ACK, "z");
    seg(f, 1, 505, TCP_ACK, "yy");
    assert_int_equal(stream_engine_stats(f->e)->held_bytes, 5);
    stream_release(f->e, &f->s);
    assert_int_equal(stream_engine_stats(f->e)->held_bytes, 0);
    assert_int_equal(f->s.dir[0].held_bytes, 0);
    assert_int_equal(f->s.dir[1].held_segs, 0);
    assert_string_equal(f->c.log, "D1");
    fx_free(f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_in_order_zero_copy),
        cmocka_unit_test(test_held_tail), cmocka_unit_test(test_reordered),
        cmocka_unit_test(test_retransmission_dropped),
        cmocka_unit_test(test_half_space_away),
        cmocka_unit_test(test_overlap_with_delivered),
        cmocka_unit_test(test_overlap_with_held),
        cmocka_unit_test(test_in_order_over_held),
        cmocka_unit_test(test_midstream),
        cmocka_unit_test(test_wraparound),
        cmocka_unit_test(test_fin_rst),
        cmocka_unit_test(test_one_byte_segments),
        cmocka_unit_test(test_gap_at_flush),
        cmocka_unit_test(test_gap_per_dir_limit),
        cmocka_unit_test(test_memcap),
        cmocka_unit_test(test_far_ahead_resync),
        cmocka_unit_test(test_segment_larger_than_limit),
        cmocka_unit_test(test_release_frees),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
