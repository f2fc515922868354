/* Offline workers: the frame hash keeps both directions of a flow, and
 * every fragment of a datagram, on one worker. */
#include "testutil.h"

#include "sensor/workers.h"

static size_t eth_ipv4(uint8_t *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                       uint16_t frag)
{
    memset(f, 0, 60);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    ip[0] = 0x45;
    ip[3] = 40;
    ip[6] = (uint8_t)(frag >> 8);
    ip[7] = (uint8_t)frag;
    ip[9] = 6;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    ip[20] = (uint8_t)(sport >> 8);
    ip[21] = (uint8_t)sport;
    ip[22] = (uint8_t)(dport >> 8);
    ip[23] = (uint8_t)dport;
    return 54;
}

static void test_symmetric_and_fragments(void **state)
{
    (void)state;
    uint8_t a[60], b[60], c[60];
    unsigned spread[8] = {0};
    for (unsigned i = 0; i < 256; i++) {
        uint8_t cli[4] = {10, 0, (uint8_t)(i >> 4), (uint8_t)i}, srv[4] = {192, 168, 0, 1};
        size_t n = eth_ipv4(a, cli, srv, (uint16_t)(40000 + i), 445, 0);
        eth_ipv4(b, srv, cli, 445, (uint16_t)(40000 + i), 0);
        eth_ipv4(c, cli, srv, 0, 0, 0x00b9); /* a later fragment: no ports */
        unsigned wa = worker_hash(1, a, (uint32_t)n, 8);
        assert_int_equal(wa, worker_hash(1, b, (uint32_t)n, 8));
        assert_int_equal(wa, worker_hash(1, c, (uint32_t)n, 8));
        assert_true(wa < 8);
        spread[wa]++;
    }
    /* 256 clients spread over all 8 workers. */
    for (int w = 0; w < 8; w++)
        assert_true(spread[w] > 8);
    assert_int_equal(worker_hash(1, a, 54, 1), 0);
    assert_int_equal(worker_hash(1, a, 10, 4), 0); /* truncated: worker 0, no read past the end */
}

/* The caps are the sensor's: N workers share them out. */
static void test_caps_shared(void **state)
{
    pw_options o;
    pw_options_default(&o);
    uint32_t flows = o.flow.max_flows;
    size_t stream = o.stream.memcap, smb = o.smb_memcap, defrag = o.defrag_memcap;
    pw_options one = o;
    pw_options_for_worker(&one, 1);
    assert_memory_equal(&one, &o, sizeof(o));
    pw_options_for_worker(&o, 4);
    assert_int_equal(o.flow.max_flows, flows / 4);
    assert_int_equal(o.stream.memcap, stream / 4);
    assert_int_equal(o.smb_memcap, smb / 4);
    assert_int_equal(o.defrag_memcap, defrag / 4);
    assert_int_equal(o.smb.max_files, one.smb.max_files); /* per-connection limits stay */
    pw_options tiny;
    pw_options_default(&tiny);
    tiny.flow.max_flows = 3;
    pw_options_for_worker(&tiny, 8);
    assert_int_equal(tiny.flow.max_flows, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_symmetric_and_fragments),
        cmocka_unit_test(test_caps_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
