/* Offline workers: the frame hash keeps both directions of a flow, and
 * every fragment of a datagram, on one worker. */
#include "testutil.h"

#include "sensor/decode.h"
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

/* A TCP packet of IP version v (addresses src/dst of 4 or 16 bytes) at p:
 * the IP header, then a SYN from port 49152 to 445. */
static size_t ip_tcp(uint8_t *p, int v, const uint8_t *src, const uint8_t *dst)
{
    size_t ip_len = v == 4 ? 20 : 40;
    memset(p, 0, ip_len + 20);
    if (v == 4) {
        p[0] = 0x45;
        p[3] = 40; /* total length */
        p[8] = 64; /* TTL */
        p[9] = 6;  /* TCP */
        memcpy(p + 12, src, 4);
        memcpy(p + 16, dst, 4);
    } else {
        p[0] = 0x60;
        p[5] = 20; /* payload length */
        p[6] = 6;  /* next header: TCP */
        p[7] = 64; /* hop limit */
        memcpy(p + 8, src, 16);
        memcpy(p + 24, dst, 16);
    }
    uint8_t *t = p + ip_len;
    t[0] = 0xc0; /* source port 49152 */
    t[2] = 0x01; /* destination port 445 */
    t[3] = 0xbd;
    t[12] = 0x50; /* data offset: 5 words */
    t[13] = 0x02; /* SYN */
    return ip_len + 20;
}

/* Every link layer decode knows, wrapped around an IP packet: decode and the
 * worker hash find the same network header, VLAN tags (one to eight, 802.1Q,
 * 802.1ad and QinQ's 0x9100) included. */
typedef struct link_case {
    const char *name;
    int linktype;
    uint8_t hdr[64];
    size_t hlen;
    int v;
    uint16_t vlan;
} link_case;

static size_t vlan_eth(uint8_t *h, const uint16_t *tpids, int ntags, uint16_t inner)
{
    memset(h, 0, 12);
    h[0] = 0x02;
    h[6] = 0x02;
    size_t n = 12;
    for (int i = 0; i < ntags; i++) {
        h[n] = (uint8_t)(tpids[i] >> 8);
        h[n + 1] = (uint8_t)tpids[i];
        h[n + 2] = (uint8_t)((100 + i) >> 8);
        h[n + 3] = (uint8_t)(100 + i);
        n += 4;
    }
    h[n] = (uint8_t)(inner >> 8);
    h[n + 1] = (uint8_t)inner;
    return n + 2;
}

static void test_link_peel_agrees(void **state)
{
    (void)state;
    static const uint8_t c4[4] = {10, 1, 2, 3}, s4[4] = {10, 9, 8, 7};
    static const uint8_t c6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, s6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
    static const uint16_t q[8] = {0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100, 0x8100};
    static const uint16_t qinq[2] = {0x88a8, 0x8100}, old_qinq[2] = {0x9100, 0x8100};
    link_case cases[32];
    size_t nc = 0;
    for (int v = 4; v <= 6; v += 2) {
        uint16_t et = v == 4 ? 0x0800 : 0x86dd;
        link_case *c;
        c = &cases[nc++];
        *c = (link_case){"ethernet", 1, {0}, 0, v, 0};
        c->hlen = vlan_eth(c->hdr, q, 0, et);
        c = &cases[nc++];
        *c = (link_case){"802.1Q", 1, {0}, 0, v, 100};
        c->hlen = vlan_eth(c->hdr, q, 1, et);
        c = &cases[nc++];
        *c = (link_case){"802.1ad QinQ", 1, {0}, 0, v, 100};
        c->hlen = vlan_eth(c->hdr, qinq, 2, et);
        c = &cases[nc++];
        *c = (link_case){"0x9100 QinQ", 1, {0}, 0, v, 100};
        c->hlen = vlan_eth(c->hdr, old_qinq, 2, et);
        c = &cases[nc++];
        *c = (link_case){"five tags", 1, {0}, 0, v, 100};
        c->hlen = vlan_eth(c->hdr, q, 5, et);
        c = &cases[nc++];
        *c = (link_case){"eight tags", 1, {0}, 0, v, 100};
        c->hlen = vlan_eth(c->hdr, q, 8, et);
        c = &cases[nc++];
        *c = (link_case){"SLL", 113, {0, 0, 0, 1, 0, 6}, 16, v, 0};
        c->hdr[14] = (uint8_t)(et >> 8);
        c->hdr[15] = (uint8_t)et;
        c = &cases[nc++];
        *c = (link_case){"SLL2", 276, {(uint8_t)(et >> 8), (uint8_t)et}, 20, v, 0};
        cases[nc++] = (link_case){"raw (DLT_RAW 12)", 12, {0}, 0, v, 0};
        cases[nc++] = (link_case){"raw (14)", 14, {0}, 0, v, 0};
        cases[nc++] = (link_case){"raw (101)", 101, {0}, 0, v, 0};
        cases[nc++] = (link_case){v == 4 ? "IPv4 (228)" : "IPv6 (229)", v == 4 ? 228 : 229, {0}, 0, v, 0};
        /* null: host order (little-endian here); loop: big-endian */
        cases[nc++] = (link_case){"null", 0, {v == 4 ? 2 : 30, 0, 0, 0}, 4, v, 0};
        cases[nc++] = (link_case){"loop", 108, {0, 0, 0, v == 4 ? 2 : 24}, 4, v, 0};
    }
    assert_true(nc <= sizeof(cases) / sizeof(cases[0]));
    decoder *d = decoder_new(1 << 20, 1000000);
    assert_non_null(d);
    for (size_t i = 0; i < nc; i++) {
        const link_case *c = &cases[i];
        uint8_t f[160], r[160];
        memcpy(f, c->hdr, c->hlen);
        memcpy(r, c->hdr, c->hlen);
        size_t n = c->hlen + ip_tcp(f + c->hlen, c->v, c->v == 4 ? c4 : c6, c->v == 4 ? s4 : s6);
        ip_tcp(r + c->hlen, c->v, c->v == 4 ? s4 : s6, c->v == 4 ? c4 : c6);
        link_info li;
        if (decode_link(c->linktype, f, (uint32_t)n, &li) != LINK_OK)
            fail_msg("%s IPv%d: link not peeled", c->name, c->v);
        assert_int_equal(li.off, c->hlen);
        assert_int_equal(li.ipver, c->v);
        assert_int_equal(li.vlan_id, c->vlan);
        decoded_pkt pkt;
        if (decode_packet(d, c->linktype, f, (uint32_t)n, 1, &pkt) != DECODE_OK)
            fail_msg("%s IPv%d: not decoded", c->name, c->v);
        assert_int_equal(pkt.ipver, c->v);
        assert_int_equal(pkt.vlan_id, c->vlan);
        assert_int_equal(pkt.dport, 445);
        for (unsigned w = 2; w <= 7; w++) {
            unsigned want = worker_hash_addrs(pkt.ipver, pkt.src, pkt.dst, w);
            if (worker_hash(c->linktype, f, (uint32_t)n, w) != want)
                fail_msg("%s IPv%d: worker hash %u, decode's addresses %u", c->name, c->v,
                         worker_hash(c->linktype, f, (uint32_t)n, w), want);
            assert_int_equal(worker_hash(c->linktype, r, (uint32_t)n, w), want);
        }
    }
    /* Nine tags are more than either peels: not IP to both. */
    uint8_t f[160];
    size_t h = vlan_eth(f, q, 8, 0x8100);
    f[h] = 0; /* a ninth TCI, then IPv4 */
    f[h + 1] = 1;
    f[h + 2] = 0x08;
    f[h + 3] = 0x00;
    size_t n = h + 4 + ip_tcp(f + h + 4, 4, c4, s4);
    link_info li;
    assert_int_equal(decode_link(1, f, (uint32_t)n, &li), LINK_NOT_IP);
    decoded_pkt pkt;
    assert_int_equal(decode_packet(d, 1, f, (uint32_t)n, 1, &pkt), DECODE_NOT_IP);
    assert_int_equal(worker_hash(1, f, (uint32_t)n, 4), 0);
    /* A link header cut short, and an unknown linktype. */
    assert_int_equal(decode_link(1, f, 13, &li), LINK_TRUNCATED);
    assert_int_equal(decode_link(113, f, 15, &li), LINK_TRUNCATED);
    assert_int_equal(decode_link(0, f, 3, &li), LINK_TRUNCATED);
    assert_int_equal(decode_link(12, f, 0, &li), LINK_TRUNCATED);
    assert_int_equal(decode_link(147, f, (uint32_t)n, &li), LINK_UNSUPPORTED);
    decoder_free(d);
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
        cmocka_unit_test(test_link_peel_agrees),
        cmocka_unit_test(test_caps_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
