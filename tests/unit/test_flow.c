/* Flow table: direction, timeouts, eviction, flush order, flow ids. */
#include "testutil.h"

#include "sensor/flow.h"

#define SEC 1000000ull

typedef struct released {
    int n;
    uint64_t ids[64];
    uint16_t sports[64]; /* port[0] of each released flow */
} released;

static void on_release(void *ctx, flow *f)
{
    released *r = ctx;
    assert_true(r->n < 64);
    r->ids[r->n] = f->flow_id;
    r->sports[r->n] = f->port[0];
    r->n++;
}

static decoded_pkt pkt(uint8_t proto, uint8_t a, uint16_t sp, uint8_t b, uint16_t dp, uint8_t flags,
                       uint64_t ts)
{
    decoded_pkt p;
    memset(&p, 0, sizeof(p));
    p.ts_usec = ts;
    p.ipver = 4;
    p.proto = proto;
    p.src[0] = 10;
    p.src[3] = a;
    p.dst[0] = 10;
    p.dst[3] = b;
    p.sport = sp;
    p.dport = dp;
    p.tcp_flags = flags;
    p.payload_wire_len = 10;
    return p;
}

static flow_config cfg_small(uint32_t max)
{
    flow_config c;
    flow_config_default(&c);
    c.max_flows = max;
    return c;
}

static void test_defaults(void **st)
{
    flow_config c;
    flow_config_default(&c);
    assert_int_equal(c.max_flows, 65536);
    assert_int_equal(c.tcp_timeout_usec, 600 * SEC);
    assert_int_equal(c.tcp_closed_timeout_usec, 10 * SEC);
    assert_int_equal(c.udp_timeout_usec, 60 * SEC);
    assert_int_equal(c.emergency_timeout_usec, 10 * SEC);
}

static void test_both_directions_one_flow(void **st)
{
    released r = {0};
    flow_config c = cfg_small(16);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir = -1;
    decoded_pkt p = pkt(6, 1, 50000, 2, 445, TCP_SYN, 1 * SEC);
    flow *f = flow_lookup(t, &p, &dir);
    assert_non_null(f);
    assert_int_equal(dir, 0);
    assert_false(f->midstream);
    assert_int_equal(f->addr[0][3], 1);
    assert_int_equal(f->addr[1][3], 2);
    assert_int_equal(f->port[0], 50000);
    assert_int_equal(f->port[1], 445);
    p = pkt(6, 2, 445, 1, 50000, TCP_SYN | TCP_ACK, 2 * SEC);
    assert_ptr_equal(flow_lookup(t, &p, &dir), f);
    assert_int_equal(dir, 1);
    p = pkt(6, 1, 50000, 2, 445, TCP_ACK, 3 * SEC);
    assert_ptr_equal(flow_lookup(t, &p, &dir), f);
    assert_int_equal(dir, 0);
    assert_int_equal(f->pkts[0], 2);
    assert_int_equal(f->pkts[1], 1);
    assert_int_equal(f->bytes[0], 20);
    assert_int_equal(f->first_ts, 1 * SEC);
    assert_int_equal(f->last_ts, 3 * SEC);
    /* another VLAN, another port, another protocol: other flows */
    p.vlan_id = 7;
    assert_ptr_not_equal(flow_lookup(t, &p, &dir), f);
    p = pkt(6, 1, 50001, 2, 445, TCP_ACK, 3 * SEC);
    assert_ptr_not_equal(flow_lookup(t, &p, &dir), f);
    p = pkt(17, 1, 50000, 2, 445, 0, 3 * SEC);
    assert_ptr_not_equal(flow_lookup(t, &p, &dir), f);
    /* ICMP has no flow */
    p = pkt(1, 1, 0, 2, 0, 0, 3 * SEC);
    assert_null(flow_lookup(t, &p, &dir));
    const flow_stats *s = flow_table_stats(t);
    assert_int_equal(s->created, 4);
    assert_int_equal(s->active, 4);
    assert_int_equal(s->memcap_drops, 0);
    flow_table_free(t);
    assert_int_equal(r.n, 4);
}

static void test_midstream_and_synack_first(void **st)
{
    released r = {0};
    flow_config c = cfg_small(16);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir;
    /* midstream: the first packet's sender is direction 0 */
    decoded_pkt p = pkt(6, 2, 445, 1, 50000, TCP_ACK | TCP_PSH, SEC);
    flow *f = flow_lookup(t, &p, &dir);
    assert_int_equal(dir, 0);
    assert_true(f->midstream);
    assert_int_equal(f->port[0], 445);
    /* a SYN-ACK seen first: its receiver is the initiator */
    p = pkt(6, 4, 445, 3, 40000, TCP_SYN | TCP_ACK, SEC);
    f = flow_lookup(t, &p, &dir);
    assert_int_equal(dir, 1);
    assert_int_equal(f->port[0], 40000);
    assert_int_equal(f->addr[0][3], 3);
    assert_int_equal(f->pkts[1], 1);
    assert_int_equal(f->pkts[0], 0);
    flow_table_free(t);
}

static void test_timeouts(void **st)
{
    released r = {0};
    flow_config c = cfg_small(16);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir;
    decoded_pkt p = pkt(6, 1, 1001, 2, 445, TCP_SYN, 0);
    flow *tcp_open = flow_lookup(t, &p, &dir);
    p = pkt(17, 1, 1002, 2, 53, 0, 0);
    assert_non_null(flow_lookup(t, &p, &dir));
    p = pkt(6, 1, 1003, 2, 445, TCP_SYN, 0);
    flow *tcp_closed = flow_lookup(t, &p, &dir);
    tcp_closed->tcp.closed = true; /* as stream_segment sets it after this packet */
    uint64_t open_id = tcp_open->flow_id, closed_id = tcp_closed->flow_id;
    flow_table_expire(t, 10 * SEC);
    assert_int_equal(r.n, 0);
    flow_table_expire(t, 10 * SEC + 1);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ids[0], closed_id);
    flow_table_expire(t, 60 * SEC + 1);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.sports[1], 1002);
    /* activity keeps a flow alive */
    p = pkt(6, 2, 445, 1, 1001, TCP_ACK, 500 * SEC);
    assert_ptr_equal(flow_lookup(t, &p, &dir), tcp_open);
    flow_table_expire(t, 700 * SEC);
    assert_int_equal(r.n, 2);
    flow_table_expire(t, 1100 * SEC + 1);
    assert_int_equal(r.n, 3);
    assert_int_equal(r.ids[2], open_id);
    const flow_stats *s = flow_table_stats(t);
    assert_int_equal(s->timed_out, 2);
    assert_int_equal(s->closed, 1);
    assert_int_equal(s->active, 0);
    assert_int_equal(s->peak_active, 3);
    flow_table_free(t);
    assert_int_equal(r.n, 3);
}

static void test_full_table(void **st)
{
    released r = {0};
    flow_config c = cfg_small(3);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir;
    for (uint16_t i = 0; i < 3; i++) {
        decoded_pkt p = pkt(6, 1, (uint16_t)(2000 + i), 2, 445, TCP_SYN, i * SEC);
        assert_non_null(flow_lookup(t, &p, &dir));
    }
    /* the oldest flow was idle 9 s only: it goes anyway, counted as active */
    decoded_pkt p = pkt(6, 1, 3000, 2, 445, TCP_SYN, 9 * SEC);
    flow *f = flow_lookup(t, &p, &dir);
    assert_non_null(f);
    assert_int_equal(f->port[0], 3000);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.sports[0], 2000);
    assert_int_equal(flow_table_stats(t)->memcap_drops, 1);
    /* touch flow 2001 so that 2002 becomes the least recently used */
    p = pkt(6, 2, 445, 1, 2001, TCP_ACK, 10 * SEC);
    assert_non_null(flow_lookup(t, &p, &dir));
    p = pkt(6, 1, 3001, 2, 445, TCP_SYN, 12 * SEC + 1);
    f = flow_lookup(t, &p, &dir);
    assert_non_null(f);
    assert_int_equal(f->port[0], 3001);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.sports[1], 2002);
    const flow_stats *s = flow_table_stats(t);
    assert_int_equal(s->evicted, 2);
    assert_int_equal(s->memcap_drops, 1); /* 2002 had been idle past the emergency timeout */
    assert_int_equal(s->active, 3);
    assert_int_equal(s->created, 5);
    flow_table_free(t);
}

/* A SYN flood fills the table with flows that never carry payload: those
 * make room first, so an established flow survives even when it is the
 * least recently used. */
static void test_full_table_embryonic(void **st)
{
    released r = {0};
    flow_config c = cfg_small(3);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir;
    decoded_pkt p = pkt(6, 1, 2000, 2, 445, TCP_ACK | TCP_PSH, 0);
    assert_non_null(flow_lookup(t, &p, &dir));
    for (uint16_t i = 1; i < 3; i++) {
        p = pkt(6, 1, (uint16_t)(2000 + i), 2, 445, TCP_SYN, i * SEC);
        p.payload_wire_len = 0;
        assert_non_null(flow_lookup(t, &p, &dir));
    }
    p = pkt(6, 1, 3000, 2, 445, TCP_ACK | TCP_PSH, 3 * SEC);
    assert_non_null(flow_lookup(t, &p, &dir));
    assert_int_equal(r.n, 1);
    assert_int_equal(r.sports[0], 2001);
    /* 2002 carries data now: no flow without payload is left */
    p = pkt(6, 1, 2002, 2, 445, TCP_ACK | TCP_PSH, 4 * SEC);
    assert_non_null(flow_lookup(t, &p, &dir));
    p = pkt(6, 1, 3001, 2, 445, TCP_SYN, 5 * SEC);
    p.payload_wire_len = 0;
    assert_non_null(flow_lookup(t, &p, &dir));
    assert_int_equal(r.n, 2);
    assert_int_equal(r.sports[1], 2000);
    const flow_stats *s = flow_table_stats(t);
    assert_int_equal(s->evicted, 2);
    assert_int_equal(s->memcap_drops, 2);
    flow_table_free(t);
}

static void test_flush_order(void **st)
{
    released r = {0};
    flow_config c = cfg_small(64);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir;
    for (uint16_t i = 0; i < 40; i++) {
        decoded_pkt p = pkt(i % 2 ? 17 : 6, 1, (uint16_t)(5000 + i), 2, 445, 0, i);
        assert_non_null(flow_lookup(t, &p, &dir));
    }
    /* activity in reverse order must not change the flush order */
    for (uint16_t i = 40; i-- > 0;) {
        decoded_pkt p = pkt(i % 2 ? 17 : 6, 2, 445, 1, (uint16_t)(5000 + i), 0, 100 + i);
        assert_non_null(flow_lookup(t, &p, &dir));
        assert_int_equal(dir, 1);
    }
    flow_table_flush(t);
    assert_int_equal(r.n, 40);
    for (int i = 0; i < 40; i++)
        assert_int_equal(r.sports[i], 5000 + i);
    assert_int_equal(flow_table_stats(t)->active, 0);
    flow_table_free(t);
    assert_int_equal(r.n, 40);
}

static void test_flow_id(void **st)
{
    released r = {0};
    flow_config c = cfg_small(8);
    flow_table *t1 = flow_table_new(&c, on_release, &r);
    flow_table *t2 = flow_table_new(&c, on_release, &r);
    int dir;
    decoded_pkt p = pkt(6, 1, 1234, 2, 445, TCP_SYN, 1700000000000000ull);
    decoded_pkt q = pkt(6, 2, 445, 1, 1234, TCP_SYN | TCP_ACK, 1700000000000000ull);
    flow *a = flow_lookup(t1, &p, &dir);
    flow *b = flow_lookup(t2, &q, &dir); /* same tuple seen from the other side */
    assert_int_equal(a->flow_id, b->flow_id);
    assert_true(a->flow_id > 0);
    assert_true(a->flow_id < (1ull << 51));
    decoded_pkt p2 = pkt(6, 1, 1234, 2, 445, TCP_SYN, 1700000000000001ull);
    p2.vlan_id = 1;
    flow *d = flow_lookup(t1, &p2, &dir);
    assert_int_not_equal(d->flow_id, a->flow_id);
    flow_table_free(t1);
    flow_table_free(t2);
}

static void test_port_reuse(void **st)
{
    released r = {0};
    flow_config c = cfg_small(8);
    flow_table *t = flow_table_new(&c, on_release, &r);
    int dir;
    decoded_pkt p = pkt(6, 1, 1234, 2, 445, TCP_SYN, SEC);
    flow *f = flow_lookup(t, &p, &dir);
    uint64_t old = f->flow_id;
    /* a SYN on an open flow is a retransmission */
    p.ts_usec = 2 * SEC;
    assert_ptr_equal(flow_lookup(t, &p, &dir), f);
    f->tcp.closed = true;
    p.ts_usec = 3 * SEC;
    flow *g = flow_lookup(t, &p, &dir);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.ids[0], old);
    assert_int_not_equal(g->flow_id, old);
    assert_int_equal(g->first_ts, 3 * SEC);
    assert_false(g->tcp.closed);
    assert_int_equal(flow_table_stats(t)->closed, 1);
    assert_int_equal(flow_table_stats(t)->created, 2);
    flow_table_free(t);
}

/* Many flows through a small table: lookups stay exact under collisions. */
static void test_many_flows(void **st)
{
    released r = {0};
    flow_config c = cfg_small(1000);
    flow_table *t = flow_table_new(&c, NULL, &r);
    int dir;
    flow *fl[1000];
    for (uint32_t i = 0; i < 1000; i++) {
        decoded_pkt p = pkt(6, (uint8_t)(i % 7), (uint16_t)(i * 13), (uint8_t)(i % 5 + 10), 445, 0, i);
        fl[i] = flow_lookup(t, &p, &dir);
        assert_non_null(fl[i]);
    }
    for (uint32_t i = 0; i < 1000; i++) {
        decoded_pkt p = pkt(6, (uint8_t)(i % 5 + 10), 445, (uint8_t)(i % 7), (uint16_t)(i * 13), 0, 2000);
        assert_ptr_equal(flow_lookup(t, &p, &dir), fl[i]);
        assert_int_equal(dir, 1);
    }
    /* full: the new flow takes the place of the least recently used, flow 0 */
    decoded_pkt p = pkt(6, 99, 1, 98, 2, 0, 3000);
    flow *nf = flow_lookup(t, &p, &dir);
    assert_non_null(nf);
    assert_ptr_equal(nf, fl[0]);
    assert_int_equal(nf->port[0], 1);
    assert_int_equal(flow_table_stats(t)->active, 1000);
    assert_int_equal(flow_table_stats(t)->evicted, 1);
    flow_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_both_directions_one_flow),
        cmocka_unit_test(test_midstream_and_synack_first),
        cmocka_unit_test(test_timeouts),
        cmocka_unit_test(test_full_table), cmocka_unit_test(test_full_table_embryonic),
        cmocka_unit_test(test_flush_order),
        cmocka_unit_test(test_flow_id),
        cmocka_unit_test(test_port_reuse),
        cmocka_unit_test(test_many_flows),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
