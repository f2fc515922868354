/* The connection as a whole: delivery patterns, midstream starts, gaps,
 * port 139, limits, SMB3 transforms, end of flow, direction learning. */
#include "smb_build.h"

#include "protocols/smb2.h"
#include "protocols/utf16.h"

static uint8_t stream[2][20000];
static size_t slen[2];
static uint8_t msg[70000];

static void put(int dir, const uint8_t *m, size_t n) { slen[dir] += b_nbss(stream[dir] + slen[dir], m, n); }

/* A tree connect + create conversation, requests in stream[0], responses in stream[1]. */
static void build_conversation(void)
{
    slen[0] = slen[1] = 0;
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 1, .sid = 5};
    put(0, msg, b_tree_req(msg, &tc, "\\\\SRV\\IPC$"));
    b_create cr = {0x120089, 0, 7, 1, 0, "PSEXESVC-H-1-stdout"};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 2, .sid = 5, .tid = 3};
    put(0, msg, b_create_req(msg, &ch, &cr));
    tc.flags = RSP;
    tc.tid = 3;
    put(1, msg, b_tree_rsp(msg, &tc, 2));
    ch.flags = RSP;
    put(1, msg, b_create_rsp(msg, &ch, 1, 1, 2));
}

static smb_conn *conn(capture *cap, const smb_limits *l)
{
    memset(cap, 0, sizeof(*cap));
    smb_sink sink = {cap_sink, cap};
    return smb_conn_new(l, sink);
}

static void check_conversation(const capture *cap, int req_dir)
{
    assert_int_equal(cap->n, 2);
    assert_int_equal(cap->facts[0].f.h.kind, SMB_FACT_TREE_CONNECT);
    assert_string_equal(cap->facts[0].share, "\\\\SRV\\IPC$");
    assert_int_equal(cap->facts[1].f.h.kind, SMB_FACT_CREATE);
    assert_string_equal(cap->facts[1].filename, "PSEXESVC-H-1-stdout");
    assert_string_equal(cap->facts[1].share, "\\\\SRV\\IPC$");
    assert_int_equal(cap->facts[1].f.u.file.desired_access, 0x120089);
    assert_int_equal(cap->facts[1].f.h.req_dir, req_dir);
}

static void test_one_byte_deliveries(void **state)
{
    build_conversation();
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    for (size_t i = 0; i < slen[0]; i++)
        smb_conn_data(c, 0, stream[0] + i, 1);
    for (size_t i = 0; i < slen[1]; i++)
        smb_conn_data(c, 1, stream[1] + i, 1);
    check_conversation(&cap, 0);
    const smb_conn_stats *st = smb_conn_get_stats(c);
    assert_int_equal(st->pdus[0], 2);
    assert_int_equal(st->pdus[1], 2);
    assert_int_equal(st->resyncs, 0);
    assert_int_equal(st->bytes_skipped, 0);
    smb_conn_free(c);
}

static void test_all_in_one_and_reversed_dirs(void **state)
{
    build_conversation();
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    /* the flow layer called the server direction 0 */
    smb_conn_data(c, 1, stream[0], slen[0]);
    smb_conn_data(c, 0, stream[1], slen[1]);
    check_conversation(&cap, 1);
    smb_conn_free(c);
}

static void test_midstream_response_first(void **state)
{
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    slen[0] = slen[1] = 0;
    /* the tail of an earlier message, then a TREE_CONNECT response whose request was not seen */
    memset(stream[1], 0x41, 30);
    slen[1] = 30;
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .flags = RSP, .mid = 9, .sid = 5, .tid = 7};
    put(1, msg, b_tree_rsp(msg, &tc, 2));
    b_hdr ch = {.cmd = SMB2_CREATE, .flags = RSP, .mid = 10, .sid = 5, .tid = 7};
    put(1, msg, b_create_rsp(msg, &ch, 1, 1, 1));
    smb_conn_data(c, 1, stream[1], slen[1]);
    assert_int_equal(cap.n, 1);
    assert_int_equal(cap.facts[0].f.h.kind, SMB_FACT_TREE_CONNECT);
    assert_false(cap.facts[0].f.h.have_request);
    assert_true(cap.facts[0].share_null);
    assert_int_equal(cap.facts[0].f.h.req_dir, 0);
    const smb_conn_stats *st = smb_conn_get_stats(c);
    assert_int_equal(st->orphan_responses, 2);
    assert_int_equal(st->bytes_skipped, 30);
    assert_int_equal(st->resyncs, 1);
    /* a later CREATE on that tree knows its type but not its name */
    b_create cr = {0x12019f, 0, 7, 1, 0, "x"};
    b_hdr c2 = {.cmd = SMB2_CREATE, .mid = 11, .sid = 5, .tid = 7};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &c2, &cr)));
    c2.flags = RSP;
    smb_conn_data(c, 1, msg, b_nbss(msg, msg, b_create_rsp(msg, &c2, 1, 2, 2)));
    assert_int_equal(cap.n, 2);
    assert_true(cap.facts[1].share_null);
    assert_int_equal(cap.facts[1].share_type, SMB_SHARE_PIPE);
    assert_int_equal(cap.facts[1].f.h.req_dir, 0);
    smb_conn_free(c);
}

static void test_gap_then_resync(void **state)
{
    build_conversation();
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    size_t first = 10 + 4 + 72 + 20; /* part of the TREE_CONNECT request */
    smb_conn_data(c, 0, stream[0], 50);
    smb_conn_gap(c, 0, 5000);                   /* lost far more than the message */
    smb_conn_data(c, 0, stream[0] + first, 20); /* leftover bytes of something */
    size_t create_at = 4 + (size_t)(stream[0][3] | stream[0][2] << 8);
    smb_conn_data(c, 0, stream[0] + create_at, slen[0] - create_at);
    smb_conn_data(c, 1, stream[1], slen[1]);
    const smb_conn_stats *st = smb_conn_get_stats(c);
    assert_int_equal(st->gaps, 1);
    assert_int_equal(st->resyncs, 1);
    assert_int_equal(st->bytes_skipped, 20);
    /* the tree connect was lost: its response is an orphan; the CREATE pairs */
    assert_int_equal(st->orphan_responses, 1);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.facts[1].f.h.kind, SMB_FACT_CREATE);
    assert_string_equal(cap.facts[1].filename, "PSEXESVC-H-1-stdout");
    assert_true(cap.facts[1].share_null);
    smb_conn_free(c);
}

static void test_port139_session_request_and_keepalive(void **state)
{
    build_conversation();
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    uint8_t pre[80];
    pre[0] = 0x81;
    pre[1] = 0;
    pre[2] = 0;
    pre[3] = 68;
    memset(pre + 4, 'A', 68);
    smb_conn_data(c, 0, pre, 72);
    smb_conn_data(c, 1, (const uint8_t *)"\x82\x00\x00\x00", 4);
    smb_conn_data(c, 0, (const uint8_t *)"\x85\x00\x00\x00", 4);
    smb_conn_data(c, 0, stream[0], slen[0]);
    smb_conn_data(c, 1, stream[1], slen[1]);
    check_conversation(&cap, 0);
    assert_int_equal(smb_conn_get_stats(c)->malformed, 0);
    assert_int_equal(smb_conn_get_stats(c)->resyncs, 0);
    assert_true(smb_probe(pre, 72));
    assert_true(smb_probe(stream[0], slen[0]));
    assert_false(smb_probe((const uint8_t *)"GET / HTTP/1.1\r\n", 16));
    assert_false(smb_probe((const uint8_t *)"\x85\x00\x00\x00", 4));
    smb_conn_free(c);
}

static void test_large_write_skipped(void **state)
{
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    /* a 200 KiB WRITE to a file, arriving in 1448-byte segments */
    size_t dlen = 200 * 1024;
    uint8_t *m = calloc(1, dlen + 200);
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 50, .sid = 1, .tid = 1};
    size_t n = b_write_req(m + 4, &w, 1, 1, NULL, dlen);
    m[0] = 0;
    m[1] = (uint8_t)(n >> 16);
    m[2] = (uint8_t)(n >> 8);
    m[3] = (uint8_t)n;
    for (size_t off = 0; off < n + 4; off += 1448)
        smb_conn_data(c, 0, m + off, n + 4 - off < 1448 ? n + 4 - off : 1448);
    build_conversation();
    smb_conn_data(c, 0, stream[0], slen[0]);
    smb_conn_data(c, 1, stream[1], slen[1]);
    const smb_conn_stats *st = smb_conn_get_stats(c);
    assert_int_equal(st->bytes_skipped, n - 512);
    assert_int_equal(st->pdus[0], 3);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(cap.n, 2);
    free(m);
    smb_conn_free(c);
}

static void test_limits(void **state)
{
    smb_limits l;
    smb_limits_default(&l);
    l.max_pending = 2;
    l.max_trees = 1;
    capture cap;
    smb_conn *c = conn(&cap, &l);
    b_create cr = {1, 0, 0, 1, 0, "f"};
    for (uint64_t mid = 1; mid <= 3; mid++) {
        b_hdr h = {.cmd = SMB2_CREATE, .mid = mid, .sid = 1, .tid = 1};
        smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &h, &cr)));
    }
    assert_int_equal(smb_conn_get_stats(c)->limit_drops, 1);
    b_hdr r = {.cmd = SMB2_CREATE, .flags = RSP, .mid = 3, .sid = 1, .tid = 1};
    smb_conn_data(c, 1, msg, b_nbss(msg, msg, b_create_rsp(msg, &r, 1, 3, 3)));
    assert_int_equal(cap.n, 0);
    assert_int_equal(smb_conn_get_stats(c)->orphan_responses, 1);
    /* two trees in a table of one */
    for (uint32_t tid = 1; tid <= 2; tid++) {
        b_hdr t = {.cmd = SMB2_TREE_CONNECT, .flags = RSP, .mid = 10 + tid, .sid = 1, .tid = tid};
        smb_conn_data(c, 1, msg, b_nbss(msg, msg, b_tree_rsp(msg, &t, 1)));
    }
    assert_int_equal(smb_conn_get_stats(c)->limit_drops, 2);
    smb_conn_flush(c);
    assert_int_equal(cap.n, 4); /* 2 orphan tree connects + 2 flushed creates */
    assert_false(cap.facts[2].f.h.have_response);
    assert_int_equal(cap.facts[2].f.h.status, 0);
    smb_conn_free(c);
}

typedef struct reclaimer {
    size_t *used;
    size_t give; /* bytes an eviction frees */
    int calls;
    size_t need;
} reclaimer;

/* The next call to reclaim frees n bytes held elsewhere. */
static void offer(reclaimer *r, size_t n) { r->give = n; }

static void reclaim(void *ctx, size_t need)
{
    reclaimer *r = ctx;
    r->calls++;
    r->need = need;
    *r->used -= r->give;
    r->give = 0;
}

/* Name slots are charged to the budget as they are first written, a slot
 * that does not fit asks the owner for room once, and freeing the
 * connection gives every byte back. */
static void test_name_slots_charged(void **state)
{
    const size_t slot = SMB_NAME_MAX + 1;
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    size_t other = 100000; /* what other connections hold */
    size_t used = other;
    reclaimer r = {&used, 0, 0, 0};
    smb_conn_set_budget(c, &used, other + 2 * slot);
    smb_conn_set_reclaim(c, reclaim, &r);
    b_create cr = {1, 0, 0, 1, 0, "pipe"};
    for (uint64_t mid = 1; mid <= 3; mid++) {
        b_hdr h = {.cmd = SMB2_CREATE, .mid = mid, .sid = 1, .tid = 1};
        smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &h, &cr)));
    }
    /* two requests fit, the third asked for room, got none and was dropped */
    assert_int_equal(used, other + 2 * slot);
    assert_int_equal(r.calls, 1);
    assert_int_equal(r.need, slot);
    assert_int_equal(smb_conn_get_stats(c)->limit_drops, 1);
    /* an answered request frees its entry but its slot stays charged (its
     * page stays resident): the next request reuses it at no cost */
    b_hdr a = {.cmd = SMB2_CREATE, .flags = RSP, .mid = 2, .sid = 1, .tid = 1};
    smb_conn_data(c, 1, msg, b_nbss(msg, msg, b_create_rsp(msg, &a, 1, 9, 9)));
    assert_int_equal(used, other + 2 * slot); /* the file's name slot did not fit */
    assert_int_equal(smb_conn_get_stats(c)->limit_drops, 2);
    b_hdr h4 = {.cmd = SMB2_CREATE, .mid = 4, .sid = 1, .tid = 1};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &h4, &cr)));
    assert_int_equal(smb_conn_get_stats(c)->limit_drops, 2);
    assert_int_equal(r.calls, 2);
    /* an eviction elsewhere makes room: the tree is tracked */
    offer(&r, other);
    b_hdr t = {.cmd = SMB2_TREE_CONNECT, .flags = RSP, .mid = 10, .sid = 1, .tid = 7};
    smb_conn_data(c, 1, msg, b_nbss(msg, msg, b_tree_rsp(msg, &t, 2)));
    assert_int_equal(r.calls, 3);
    assert_int_equal(smb_conn_get_stats(c)->limit_drops, 2);
    assert_int_equal(used, 3 * slot);
    smb_conn_free(c);
    assert_int_equal(used, 0);
    (void)state;
}

static void test_encrypted_and_compressed(void **state)
{
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    uint8_t tr[4 + 52 + 100];
    memset(tr, 0x5A, sizeof(tr));
    tr[0] = 0;
    tr[1] = 0;
    tr[2] = 0;
    tr[3] = 152;
    memcpy(tr + 4, "\xFDSMB", 4);
    smb_conn_data(c, 0, tr, sizeof(tr));
    smb_conn_data(c, 1, tr, sizeof(tr));
    uint8_t cm[4 + 16 + 20];
    memset(cm, 0, sizeof(cm));
    cm[3] = 36;
    memcpy(cm + 4, "\xFCSMB", 4);
    smb_conn_data(c, 0, cm, sizeof(cm));
    const smb_conn_stats *st = smb_conn_get_stats(c);
    assert_int_equal(st->encrypted_msgs, 2);
    assert_int_equal(st->compressed_msgs, 1);
    assert_int_equal(st->smb2_msgs, 0);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(cap.n, 0);
    smb_conn_free(c);
}

static void test_flush(void **state)
{
    build_conversation();
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    smb_conn_data(c, 0, stream[0], slen[0]);
    assert_int_equal(cap.n, 0);
    smb_conn_flush(c);
    assert_int_equal(cap.n, 2);
    assert_int_equal(cap.facts[0].f.h.kind, SMB_FACT_TREE_CONNECT);
    assert_string_equal(cap.facts[0].share, "\\\\SRV\\IPC$");
    assert_false(cap.facts[0].f.h.have_response);
    assert_true(cap.facts[0].f.h.have_request);
    assert_int_equal(cap.facts[0].share_type, SMB_SHARE_PIPE);
    assert_int_equal(cap.facts[1].f.h.kind, SMB_FACT_CREATE);
    assert_string_equal(cap.facts[1].filename, "PSEXESVC-H-1-stdout");
    assert_int_equal(cap.facts[1].f.u.file.desired_access, 0x120089);
    assert_false(cap.facts[1].f.h.have_response);
    smb_conn_flush(c);
    assert_int_equal(cap.n, 2);
    smb_conn_free(c);
}

/* SMB1 NEGOTIATE offering "SMB 2.???" answered by an SMB2 NEGOTIATE (MessageId 0). */
static void test_multi_protocol_negotiate(void **state)
{
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    size_t n = 0;
    memset(msg, 0, 32);
    memcpy(msg, "\xFFSMB\x72", 5);
    msg[9] = 0x18;
    n = 32;
    msg[n++] = 0;
    const char d[] = "\x02NT LM 0.12\0\x02SMB 2.002\0\x02SMB 2.???";
    tu_le16(msg + n, sizeof(d));
    n += 2;
    memcpy(msg + n, d, sizeof(d));
    n += sizeof(d);
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, n));
    b_hdr h = {.cmd = SMB2_NEGOTIATE, .flags = RSP, .mid = 0};
    n = b_smb2_hdr(msg, &h);
    memset(msg + n, 0, 64);
    tu_le16(msg + n, 65);
    tu_le16(msg + n + 4, 0x02FF);
    smb_conn_data(c, 1, msg, b_nbss(msg, msg, n + 64));
    assert_int_equal(cap.n, 1);
    assert_true(cap.facts[0].f.h.have_request);
    assert_int_equal(cap.facts[0].f.h.dialect, 0x02FF);
    assert_int_equal(smb_conn_get_stats(c)->orphan_responses, 0);
    assert_int_equal(smb_conn_get_stats(c)->smb1_msgs, 1);
    smb_conn_free(c);
}

/* A compound whose second element lies in the skipped tail of a long message:
 * the first element is used and nothing is counted as malformed. */
static void test_truncated_compound(void **state)
{
    capture cap;
    smb_limits l;
    smb_limits_default(&l);
    l.max_pdu_buffer = 1024;
    smb_conn *c = conn(&cap, &l);
    size_t dlen = 4000;
    static uint8_t big[8192];
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 60, .sid = 1, .tid = 1};
    size_t a = b_write_req(big + 4, &w, 1, 1, NULL, dlen);
    size_t a8 = (a + 7) & ~(size_t)7;
    tu_le32(big + 4 + 20, (uint32_t)a8);
    b_hdr cl = {.cmd = SMB2_CLOSE, .flags = 4, .mid = 61};
    size_t b = b_close_req(big + 4 + a8, &cl, UINT64_MAX, UINT64_MAX);
    size_t n = a8 + b;
    big[0] = 0;
    big[1] = (uint8_t)(n >> 16);
    big[2] = (uint8_t)(n >> 8);
    big[3] = (uint8_t)n;
    for (size_t off = 0; off < n + 4; off += 1000)
        smb_conn_data(c, 0, big + off, n + 4 - off < 1000 ? n + 4 - off : 1000);
    const smb_conn_stats *st = smb_conn_get_stats(c);
    assert_int_equal(st->pdus[0], 1);
    assert_int_equal(st->malformed, 0);
    assert_int_equal(st->bytes_skipped, n - 512);
    smb_conn_free(c);
}

/* Answers out of order: pending entries move in the table, names stay with them. */
static void test_out_of_order_answers(void **state)
{
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    const char *names[3] = {"alpha", "bravo-longer-name", "c"};
    for (int i = 0; i < 3; i++) {
        b_create cr = {(uint32_t)i + 1, 0, 0, 1, 0, names[i]};
        b_hdr h = {.cmd = SMB2_CREATE, .mid = 100 + (uint64_t)i, .sid = 1, .tid = 1};
        smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &h, &cr)));
    }
    const int order[3] = {0, 2, 1};
    for (int k = 0; k < 3; k++) {
        b_hdr r = {.cmd = SMB2_CREATE, .flags = RSP, .mid = 100 + (uint64_t)order[k], .sid = 1, .tid = 1};
        smb_conn_data(c, 1, msg, b_nbss(msg, msg, b_create_rsp(msg, &r, 1, 9, (uint64_t)k)));
    }
    assert_int_equal(cap.n, 3);
    assert_string_equal(cap.facts[0].filename, "alpha");
    assert_int_equal(cap.facts[0].f.u.file.desired_access, 1);
    assert_string_equal(cap.facts[1].filename, "c");
    assert_int_equal(cap.facts[1].f.u.file.desired_access, 3);
    assert_string_equal(cap.facts[2].filename, "bravo-longer-name");
    assert_int_equal(cap.facts[2].f.u.file.desired_access, 2);
    smb_conn_free(c);
}

/* Only the client direction: the tree of a CREATE is inferred from the one
 * TREE_CONNECT of that session still waiting; with two waiting, no guess. */
static void test_one_direction_tree_inference(void **state)
{
    capture cap;
    smb_conn *c = conn(&cap, NULL);
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 1, .sid = 5};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_tree_req(msg, &tc, "\\\\10.0.0.3\\IPC$")));
    b_create cr = {0x12019f, 0, 7, 1, 0, "svcctl"};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 2, .sid = 5, .tid = 1};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &ch, &cr)));
    /* session 6: two tree connects waiting */
    b_hdr t1 = {.cmd = SMB2_TREE_CONNECT, .mid = 3, .sid = 6};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_tree_req(msg, &t1, "\\\\H\\A$")));
    b_hdr t2 = {.cmd = SMB2_TREE_CONNECT, .mid = 4, .sid = 6};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_tree_req(msg, &t2, "\\\\H\\B$")));
    b_hdr c2 = {.cmd = SMB2_CREATE, .mid = 5, .sid = 6, .tid = 9};
    smb_conn_data(c, 0, msg, b_nbss(msg, msg, b_create_req(msg, &c2, &cr)));
    smb_conn_flush(c);
    assert_int_equal(cap.n, 5);
    cap_fact *f = &cap.facts[1];
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_string_equal(f->share, "\\\\10.0.0.3\\IPC$");
    assert_int_equal(f->share_type, SMB_SHARE_PIPE);
    assert_false(f->f.h.have_response);
    f = &cap.facts[4];
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_true(f->share_null);
    smb_conn_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_byte_deliveries),
        cmocka_unit_test(test_all_in_one_and_reversed_dirs),
        cmocka_unit_test(test_midstream_response_first),
        cmocka_unit_test(test_gap_then_resync),
        cmocka_unit_test(test_port139_session_request_and_keepalive),
        cmocka_unit_test(test_large_write_skipped),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_name_slots_charged),
        cmocka_unit_test(test_encrypted_and_compressed),
        cmocka_unit_test(test_flush),
        cmocka_unit_test(test_multi_protocol_negotiate),
        cmocka_unit_test(test_truncated_compound),
        cmocka_unit_test(test_out_of_order_answers),
        cmocka_unit_test(test_one_direction_tree_inference),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
