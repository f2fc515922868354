/* The endpoint mapper's ept_map decoders: towers, requests and replies built
 * by hand in both integer representations and in NDR and NDR64, cut at every
 * offset, and hostile counts. */
#include "rpc_tcp_build.h"

#include "protocols/dcerpc.h"
#include "protocols/epm.h"

static const uint8_t IP[4] = {10, 0, 0, 2};

static void test_tower(void **state)
{
    (void)state;
    uint8_t t[128];
    size_t n = eb_tower(t, RB_SVCCTL, 2, 49683, IP);
    epm_tower w;
    assert_true(epm_tower_decode(t, n, &w));
    assert_true(w.have_iface);
    assert_memory_equal(w.iface_uuid, RB_SVCCTL, 16);
    assert_int_equal(dcerpc_iface_lookup(w.iface_uuid), DCERPC_IF_SVCCTL);
    assert_int_equal(w.ver_major, 2);
    assert_int_equal(w.ver_minor, 0);
    assert_true(w.rpc_co);
    assert_true(w.have_port);
    assert_int_equal(w.port, 49683);
    assert_true(w.have_ip);
    assert_memory_equal(w.ip, IP, 4);
    /* every cut: the floors it announces are not all there */
    for (size_t cut = 0; cut < n; cut++)
        assert_false(epm_tower_decode(t, cut, &w));
    /* without the IP floor (the mapper leaves the address to the caller) */
    n = eb_tower(t, RB_ATSVC, 1, 1025, NULL);
    assert_true(epm_tower_decode(t, n, &w));
    assert_false(w.have_ip);
    assert_int_equal(w.port, 1025);
    assert_int_equal(dcerpc_iface_lookup(w.iface_uuid), DCERPC_IF_ATSVC);
    /* no floors */
    uint8_t none[2] = {0, 0};
    assert_false(epm_tower_decode(none, 2, &w));
}

static void test_map_forms(void **state)
{
    (void)state;
    uint8_t t1[128], t2[128], stub[1024];
    size_t n1 = eb_tower(t1, RB_SVCCTL, 2, 49683, IP);
    size_t n2 = eb_tower(t2, RB_SVCCTL, 2, 49684, NULL);
    for (int form = 0; form < 4; form++) {
        bool le = form & 1, ndr64 = form & 2;
        size_t n = eb_map_request(stub, le, ndr64, t1, n1);
        epm_tower asked;
        bool have;
        assert_true(epm_decode_map_request(stub, n, le, ndr64, &asked, &have));
        assert_true(have);
        assert_memory_equal(asked.iface_uuid, RB_SVCCTL, 16);
        assert_int_equal(asked.port, 49683);
        /* every cut of the request fails: max_towers is its last field */
        for (size_t cut = 0; cut < n; cut++)
            assert_false(epm_decode_map_request(stub, cut, le, ndr64, &asked, &have));

        const uint8_t *ts[3] = {t1, NULL, t2};
        size_t tl[3] = {n1, 0, n2};
        n = eb_map_reply(stub, le, ndr64, ts, tl, 3, 0);
        epm_map_reply r;
        assert_true(epm_decode_map_reply(stub, n, le, ndr64, &r));
        assert_int_equal(r.num_towers, 3);
        assert_int_equal(r.ntowers, 2); /* the NULL pointer holds no tower */
        assert_int_equal(r.towers[0].port, 49683);
        assert_true(r.towers[0].have_ip);
        assert_int_equal(r.towers[1].port, 49684);
        assert_false(r.towers[1].have_ip);
        assert_int_equal(r.status, 0);
        for (size_t cut = 0; cut < n; cut++)
            assert_false(epm_decode_map_reply(stub, cut, le, ndr64, &r));
        /* not registered: no towers, the status */
        n = eb_map_reply(stub, le, ndr64, ts, tl, 0, 0x16c9a0d6);
        assert_true(epm_decode_map_reply(stub, n, le, ndr64, &r));
        assert_int_equal(r.ntowers, 0);
        assert_int_equal(r.status, 0x16c9a0d6);
    }
}

static void test_map_hostile(void **state)
{
    (void)state;
    uint8_t t1[128], stub[4096];
    size_t n1 = eb_tower(t1, RB_SVCCTL, 2, 49683, IP);
    const uint8_t *ts[1] = {t1};
    size_t tl[1] = {n1};
    epm_map_reply r;
    /* actual count above the maximum */
    size_t n = eb_map_reply(stub, true, false, ts, tl, 1, 0);
    tu_le32(stub + 24, 0); /* max_count 0 < actual_count 1 */
    assert_false(epm_decode_map_reply(stub, n, true, false, &r));
    /* more towers than the decoder reads */
    n = eb_map_reply(stub, true, false, ts, tl, 1, 0);
    tu_le32(stub + 24, 100000);
    tu_le32(stub + 32, 100000);
    assert_false(epm_decode_map_reply(stub, n, true, false, &r));
    /* a tower_length over its array's count */
    n = eb_map_reply(stub, true, false, ts, tl, 1, 0);
    tu_le32(stub + 44, (uint32_t)n1 + 1);
    assert_false(epm_decode_map_reply(stub, n, true, false, &r));
    /* an NDR64 count past 32 bits */
    n = eb_map_reply(stub, true, true, ts, tl, 1, 0);
    stub[24 + 4] = 1; /* max_count's high word */
    assert_false(epm_decode_map_reply(stub, n, true, true, &r));
    /* more towers than kept: the first ones */
    const uint8_t *many[EPM_MAX_TOWERS + 2];
    size_t ml[EPM_MAX_TOWERS + 2];
    for (int i = 0; i < EPM_MAX_TOWERS + 2; i++) {
        many[i] = t1;
        ml[i] = n1;
    }
    n = eb_map_reply(stub, false, false, many, ml, EPM_MAX_TOWERS + 2, 0);
    assert_true(epm_decode_map_reply(stub, n, false, false, &r));
    assert_int_equal(r.ntowers, EPM_MAX_TOWERS);
    assert_int_equal(r.num_towers, EPM_MAX_TOWERS + 2);
    /* a request whose tower pointer is NULL */
    rb b = {stub, 0, true};
    rb_u32(&b, 0);
    rb_u32(&b, 0);
    for (int i = 0; i < 20; i++)
        rb_u8(&b, 0);
    rb_u32(&b, 1);
    epm_tower asked;
    bool have = true;
    assert_true(epm_decode_map_request(stub, b.n, true, false, &asked, &have));
    assert_false(have);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tower),
        cmocka_unit_test(test_map_forms),
        cmocka_unit_test(test_map_hostile),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
