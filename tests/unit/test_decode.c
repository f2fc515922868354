/* Decoding of hand-built frames for every supported linktype. */
#include "testutil.h"

#include "sensor/decode.h"

static size_t be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
    return 2;
}

static size_t be32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
    return 4;
}

/* TCP header (20 bytes, or 24 with one MSS option) followed by payload. */
static size_t tcp_hdr(uint8_t *p, uint16_t sp, uint16_t dp, uint32_t seq, uint32_t ack, uint8_t flags,
                      bool opt, const char *payload)
{
    size_t n = 0;
    n += be16(p + n, sp);
    n += be16(p + n, dp);
    n += be32(p + n, seq);
    n += be32(p + n, ack);
    p[n++] = (uint8_t)((opt ? 6 : 5) << 4);
    p[n++] = flags;
    n += be16(p + n, 65535);
    n += be16(p + n, 0);
    n += be16(p + n, 0);
    if (opt) {
        p[n++] = 2;
        p[n++] = 4;
        n += be16(p + n, 1460);
    }
    size_t l = strlen(payload);
    memcpy(p + n, payload, l);
    return n + l;
}

static size_t udp_hdr(uint8_t *p, uint16_t sp, uint16_t dp, const char *payload)
{
    size_t l = strlen(payload);
    be16(p, sp);
    be16(p + 2, dp);
    be16(p + 4, (uint16_t)(8 + l));
    be16(p + 6, 0);
    memcpy(p + 8, payload, l);
    return 8 + l;
}

/* IPv4 header (IHL 5) with the given l4 bytes; frag = flags|offset field. */
static size_t ipv4(uint8_t *p, uint8_t proto, uint16_t id, uint16_t frag, const uint8_t *l4, size_t l4len)
{
    p[0] = 0x45;
    p[1] = 0;
    be16(p + 2, (uint16_t)(20 + l4len));
    be16(p + 4, id);
    be16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    be16(p + 10, 0);
    static const uint8_t src[4] = {10, 0, 0, 1}, dst[4] = {10, 0, 0, 2};
    memcpy(p + 12, src, 4);
    memcpy(p + 16, dst, 4);
    memcpy(p + 20, l4, l4len);
    return 20 + l4len;
}

static const uint8_t v6src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t v6dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

static size_t ipv6(uint8_t *p, uint8_t nh, const uint8_t *body, size_t blen)
{
    be32(p, 0x60000000);
    be16(p + 4, (uint16_t)blen);
    p[6] = nh;
    p[7] = 64;
    memcpy(p + 8, v6src, 16);
    memcpy(p + 24, v6dst, 16);
    memcpy(p + 40, body, blen);
    return 40 + blen;
}

static size_t eth(uint8_t *p, uint16_t type)
{
    static const uint8_t macs[12] = {0, 1, 2, 3, 4, 5, 0, 6, 7, 8, 9, 10};
    memcpy(p, macs, 12);
    return 12 + be16(p + 12, type);
}

/* An IPv4 TCP packet 10.0.0.1:1234 -> 10.0.0.2:445 carrying "SMB!". */
static size_t v4_tcp_packet(uint8_t *p)
{
    uint8_t l4[64];
    size_t n = tcp_hdr(l4, 1234, 445, 0x11223344, 0x55667788, TCP_ACK | TCP_PSH, true, "SMB!");
    return ipv4(p, 6, 1, 0x4000, l4, n);
}

static void check_v4_tcp(const decoded_pkt *d, uint64_t ts)
{
    static const uint8_t src[16] = {10, 0, 0, 1}, dst[16] = {10, 0, 0, 2};
    assert_int_equal(d->ts_usec, ts);
    assert_int_equal(d->ipver, 4);
    assert_int_equal(d->proto, 6);
    assert_memory_equal(d->src, src, 16);
    assert_memory_equal(d->dst, dst, 16);
    assert_int_equal(d->sport, 1234);
    assert_int_equal(d->dport, 445);
    assert_int_equal(d->seq, 0x11223344);
    assert_int_equal(d->ack, 0x55667788);
    assert_int_equal(d->tcp_flags, TCP_ACK | TCP_PSH);
    assert_int_equal(d->payload_len, 4);
    assert_int_equal(d->payload_wire_len, 4);
    assert_memory_equal(d->payload, "SMB!", 4);
}

static decoder *dec(void) { return decoder_new(1 << 20, 30 * 1000000ull); }

static void test_linktypes_supported(void **st)
{
    static const int yes[] = {0, 1, 12, 14, 101, 108, 113, 228, 229, 276};
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
        assert_true(decode_linktype_supported(yes[i]));
    assert_false(decode_linktype_supported(105));
    assert_false(decode_linktype_supported(127));
    decoder *d = dec();
    uint8_t f[80];
    decoded_pkt out;
    size_t n = v4_tcp_packet(f);
    assert_int_equal(decode_packet(d, 127, f, (uint32_t)n, 1, &out), DECODE_UNSUPPORTED_LINKTYPE);
    decoder_free(d);
}

static void test_ethernet_ipv4_tcp(void **st)
{
    decoder *d = dec();
    uint8_t f[128];
    size_t n = eth(f, 0x0800);
    n += v4_tcp_packet(f + n);
    memset(f + n, 0xee, 6); /* Ethernet padding beyond the IP total length */
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 1, f, (uint32_t)n + 6, 1700000000123456ull, &out), DECODE_OK);
    check_v4_tcp(&out, 1700000000123456ull);
    assert_int_equal(out.vlan_id, 0);
    const decode_stats *s = decoder_stats(d);
    assert_int_equal(s->packets, 1);
    assert_int_equal(s->ipv4, 1);
    assert_int_equal(s->tcp, 1);
    decoder_free(d);
}

static void test_vlan_qinq(void **st)
{
    static const uint16_t outer[] = {0x8100, 0x88a8, 0x9100};
    for (size_t k = 0; k < 3; k++) {
        decoder *d = dec();
        uint8_t f[128];
        size_t n = eth(f, outer[k]);
        n += be16(f + n, 0x2000 | 100); /* PCP 1, VLAN 100 */
        n += be16(f + n, 0x8100);
        n += be16(f + n, 200);
        n += be16(f + n, 0x0800);
        n += v4_tcp_packet(f + n);
        decoded_pkt out;
        assert_int_equal(decode_packet(d, 1, f, (uint32_t)n, 5, &out), DECODE_OK);
        check_v4_tcp(&out, 5);
        assert_int_equal(out.vlan_id, 100);
        decoder_free(d);
    }
    /* a single tag */
    decoder *d = dec();
    uint8_t f[128];
    size_t n = eth(f, 0x8100);
    n += be16(f + n, 42);
    n += be16(f + n, 0x0800);
    n += v4_tcp_packet(f + n);
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 1, f, (uint32_t)n, 5, &out), DECODE_OK);
    assert_int_equal(out.vlan_id, 42);
    /* a tag cut short */
    assert_int_equal(decode_packet(d, 1, f, 16, 5, &out), DECODE_TRUNCATED);
    decoder_free(d);
}

static void test_not_ip(void **st)
{
    decoder *d = dec();
    uint8_t f[64] = {0};
    size_t n = eth(f, 0x0806); /* ARP */
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 1, f, (uint32_t)n + 28, 1, &out), DECODE_NOT_IP);
    assert_int_equal(decoder_stats(d)->not_ip, 1);
    assert_int_equal(decode_packet(d, 1, f, 10, 1, &out), DECODE_TRUNCATED);
    assert_int_equal(decoder_stats(d)->truncated, 1);
    decoder_free(d);
}

static void test_sll_sll2(void **st)
{
    decoder *d = dec();
    uint8_t f[128] = {0};
    /* SLL: packet type, ARPHRD, address length, 8 address bytes, protocol */
    be16(f, 0);
    be16(f + 2, 1);
    be16(f + 4, 6);
    be16(f + 14, 0x0800);
    size_t n = 16 + v4_tcp_packet(f + 16);
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 113, f, (uint32_t)n, 9, &out), DECODE_OK);
    check_v4_tcp(&out, 9);

    /* SLL2: protocol, reserved, ifindex, ARPHRD, packet type, address length, 8 address bytes */
    memset(f, 0, sizeof(f));
    be16(f, 0x0800);
    be32(f + 4, 3);
    be16(f + 8, 1);
    f[11] = 6;
    n = 20 + v4_tcp_packet(f + 20);
    assert_int_equal(decode_packet(d, 276, f, (uint32_t)n, 10, &out), DECODE_OK);
    check_v4_tcp(&out, 10);
    assert_int_equal(decode_packet(d, 276, f, 19, 10, &out), DECODE_TRUNCATED);
    decoder_free(d);
}

static void test_raw_and_loopback(void **st)
{
    decoder *d = dec();
    uint8_t f[128];
    decoded_pkt out;
    size_t n = v4_tcp_packet(f);
    static const int raw[] = {12, 14, 101, 228};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(decode_packet(d, raw[i], f, (uint32_t)n, 3, &out), DECODE_OK);
        check_v4_tcp(&out, 3);
    }
    /* BSD loopback: AF_INET in either byte order */
    uint8_t g[128];
    tu_le32(g, 2);
    memcpy(g + 4, f, n);
    assert_int_equal(decode_packet(d, 0, g, (uint32_t)n + 4, 4, &out), DECODE_OK);
    check_v4_tcp(&out, 4);
    be32(g, 2);
    assert_int_equal(decode_packet(d, 108, g, (uint32_t)n + 4, 4, &out), DECODE_OK);
    check_v4_tcp(&out, 4);
    be32(g, 7);
    assert_int_equal(decode_packet(d, 0, g, (uint32_t)n + 4, 4, &out), DECODE_NOT_IP);

    /* IPv6 over raw, LINKTYPE_IPV6 and loopback (AF_INET6 = 24, 28 or 30) */
    uint8_t l4[64];
    size_t l = udp_hdr(l4, 5353, 53, "q");
    uint8_t v6[128];
    size_t m = ipv6(v6, 17, l4, l);
    assert_int_equal(decode_packet(d, 101, v6, (uint32_t)m, 6, &out), DECODE_OK);
    assert_int_equal(out.ipver, 6);
    assert_int_equal(decode_packet(d, 229, v6, (uint32_t)m, 6, &out), DECODE_OK);
    assert_int_equal(out.proto, 17);
    static const uint32_t afs[] = {24, 28, 30};
    for (size_t i = 0; i < 3; i++) {
        tu_le32(g, afs[i]);
        memcpy(g + 4, v6, m);
        memset(&out, 0xff, sizeof(out));
        assert_int_equal(decode_packet(d, 0, g, (uint32_t)m + 4, 6, &out), DECODE_OK);
        assert_int_equal(out.ipver, 6);
        assert_memory_equal(out.src, v6src, 16);
        assert_memory_equal(out.dst, v6dst, 16);
        assert_int_equal(out.sport, 5353);
        assert_int_equal(out.dport, 53);
        assert_int_equal(out.payload_len, 1);
        assert_int_equal(out.payload[0], 'q');
        assert_int_equal(out.seq, 0);
        assert_int_equal(out.vlan_id, 0);
    }
    /* LINKTYPE_IPV4 refuses an IPv6 packet */
    assert_int_equal(decode_packet(d, 228, v6, (uint32_t)m, 6, &out), DECODE_MALFORMED);
    decoder_free(d);
}

static void test_ipv6_ext_headers(void **st)
{
    decoder *d = dec();
    uint8_t body[256];
    size_t n = 0;
    /* hop-by-hop (8 bytes: PadN) -> routing (24 bytes) -> dest opts (8) -> TCP */
    body[n++] = 43;
    body[n++] = 0;
    body[n++] = 1;
    body[n++] = 4;
    memset(body + n, 0, 4);
    n += 4;
    body[n++] = 60;
    body[n++] = 2; /* (2+1)*8 = 24 bytes */
    body[n++] = 0;
    body[n++] = 0;
    memset(body + n, 0, 20);
    n += 20;
    body[n++] = 6;
    body[n++] = 0;
    body[n++] = 1;
    body[n++] = 4;
    memset(body + n, 0, 4);
    n += 4;
    n += tcp_hdr(body + n, 49152, 445, 7, 9, TCP_SYN, false, "");
    uint8_t f[512];
    size_t m = eth(f, 0x86dd);
    m += ipv6(f + m, 0, body, n);
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 1, f, (uint32_t)m, 1, &out), DECODE_OK);
    assert_int_equal(out.ipver, 6);
    assert_int_equal(out.proto, 6);
    assert_int_equal(out.sport, 49152);
    assert_int_equal(out.dport, 445);
    assert_int_equal(out.seq, 7);
    assert_int_equal(out.tcp_flags, TCP_SYN);
    assert_int_equal(out.payload_len, 0);
    /* cut inside the routing header */
    assert_int_equal(decode_packet(d, 1, f, 14 + 40 + 12, 1, &out), DECODE_TRUNCATED);
    /* an extension header claiming more than the payload length */
    body[9] = 200;
    m = eth(f, 0x86dd) + ipv6(f + 14, 0, body, n);
    assert_int_equal(decode_packet(d, 1, f, (uint32_t)m, 1, &out), DECODE_MALFORMED);

    /* fragment header: counted and skipped */
    uint8_t fr[64] = {6, 0, 0, 1, 0, 0, 0, 42};
    size_t fl = 8 + tcp_hdr(fr + 8, 1, 2, 3, 4, TCP_ACK, false, "abcdefgh");
    m = ipv6(f, 44, fr, fl);
    assert_int_equal(decode_packet(d, 229, f, (uint32_t)m, 1, &out), DECODE_FRAGMENT_HELD);
    assert_int_equal(decoder_stats(d)->ipv6_frags, 1);

    /* a chain of more destination-options headers than the walk allows */
    uint8_t chain[128];
    for (int i = 0; i < 10; i++) {
        chain[i * 8] = i == 9 ? 59 : 60;
        chain[i * 8 + 1] = 0;
        memset(chain + i * 8 + 2, 0, 6);
        chain[i * 8 + 2] = 1;
        chain[i * 8 + 3] = 4;
    }
    m = ipv6(f, 60, chain, 80);
    assert_int_equal(decode_packet(d, 229, f, (uint32_t)m, 1, &out), DECODE_MALFORMED);
    decoder_free(d);
}

static void test_ipv4_malformed_truncated(void **st)
{
    decoder *d = dec();
    uint8_t f[128];
    size_t n = v4_tcp_packet(f);
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 228, f, 19, 1, &out), DECODE_TRUNCATED);
    f[0] = 0x44; /* IHL 16 bytes */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_MALFORMED);
    f[0] = 0x4f; /* IHL 60 > total length 48 */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_MALFORMED);
    be16(f + 2, 100); /* IHL 60 > captured 48 */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_TRUNCATED);
    f[0] = 0x45;
    be16(f + 2, 0); /* zero total length (offload): the captured length is taken */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_OK);
    assert_int_equal(out.payload_len, 4);
    assert_int_equal(out.payload_wire_len, 4);
    be16(f + 2, 19); /* total length below the header */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_MALFORMED);
    be16(f + 2, (uint16_t)n);
    /* TCP data offset 4 words */
    f[20 + 12] = 0x40;
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_MALFORMED);
    f[20 + 12] = 0x60;
    /* TCP header cut */
    assert_int_equal(decode_packet(d, 228, f, 20 + 10, 1, &out), DECODE_TRUNCATED);
    /* TCP options cut */
    assert_int_equal(decode_packet(d, 228, f, 20 + 22, 1, &out), DECODE_TRUNCATED);
    /* snaplen cut inside the payload: what is there is given, the wire length kept */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n - 2, 1, &out), DECODE_OK);
    assert_int_equal(out.payload_len, 2);
    assert_int_equal(out.payload_wire_len, 4);
    const decode_stats *s = decoder_stats(d);
    assert_int_equal(s->malformed, 4);
    assert_int_equal(s->truncated, 4);
    decoder_free(d);
}

static void test_udp_and_other(void **st)
{
    decoder *d = dec();
    uint8_t l4[64], f[128];
    size_t l = udp_hdr(l4, 138, 138, "netbios");
    size_t n = ipv4(f, 17, 5, 0, l4, l);
    decoded_pkt out;
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_OK);
    assert_int_equal(out.proto, 17);
    assert_int_equal(out.sport, 138);
    assert_int_equal(out.payload_len, 7);
    assert_memory_equal(out.payload, "netbios", 7);
    be16(f + 20 + 4, 4); /* UDP length below its header */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_MALFORMED);
    uint8_t icmp[8] = {8, 0, 0, 0, 0, 1, 0, 1};
    n = ipv4(f, 1, 6, 0, icmp, 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_OK);
    assert_int_equal(out.proto, 1);
    assert_int_equal(out.payload_len, 8);
    assert_int_equal(decoder_stats(d)->other_l4, 1);
    assert_int_equal(decoder_stats(d)->udp, 1);
    decoder_free(d);
}

/* A UDP datagram with 24 payload bytes "ABCDEFGHIJKLMNOPQRSTUVWX" split into
 * fragments of 8 data bytes (the UDP header is the first fragment's data). */
static size_t frag(uint8_t *p, uint16_t id, uint32_t off, bool more, const uint8_t *dgram, uint32_t len)
{
    return ipv4(p, 17, id, (uint16_t)((more ? 0x2000 : 0) | (off / 8)), dgram + off, len);
}

static uint32_t make_dgram(uint8_t *dg)
{
    return (uint32_t)udp_hdr(dg, 1000, 2000, "ABCDEFGHIJKLMNOPQRSTUVWX");
}

static void expect_dgram(const decoded_pkt *out)
{
    assert_int_equal(out->proto, 17);
    assert_int_equal(out->sport, 1000);
    assert_int_equal(out->dport, 2000);
    assert_int_equal(out->payload_len, 24);
    assert_memory_equal(out->payload, "ABCDEFGHIJKLMNOPQRSTUVWX", 24);
}

static void test_frag_in_order(void **st)
{
    decoder *d = dec();
    uint8_t dg[64], f[128];
    uint32_t dl = make_dgram(dg); /* 32 bytes */
    decoded_pkt out;
    for (uint32_t off = 0; off < dl; off += 8) {
        size_t n = frag(f, 77, off, off + 8 < dl, dg, 8);
        decode_result r = decode_packet(d, 228, f, (uint32_t)n, 100 + off, &out);
        if (off + 8 < dl) {
            assert_int_equal(r, DECODE_FRAGMENT_HELD);
        } else {
            assert_int_equal(r, DECODE_OK);
            expect_dgram(&out);
            assert_int_equal(out.ts_usec, 124);
        }
    }
    const decode_stats *s = decoder_stats(d);
    assert_int_equal(s->frags_seen, 4);
    assert_int_equal(s->frags_reassembled, 1);
    assert_int_equal(s->frags_dropped, 0);
    decoder_free(d);
}

static void test_frag_out_of_order_and_overlap(void **st)
{
    decoder *d = dec();
    uint8_t dg[64], f[128], evil[64];
    uint32_t dl = make_dgram(dg);
    decoded_pkt out;
    size_t n = frag(f, 9, 24, false, dg, 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_FRAGMENT_HELD);
    n = frag(f, 9, 8, true, dg, 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 2, &out), DECODE_FRAGMENT_HELD);
    /* an overlapping fragment with other bytes for 8..23: the copy of 8..15 already held wins */
    memcpy(evil, dg, dl);
    memset(evil + 8, 'z', 16);
    n = frag(f, 9, 8, true, evil, 16);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 3, &out), DECODE_FRAGMENT_HELD);
    n = frag(f, 9, 0, true, dg, 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 4, &out), DECODE_OK);
    assert_int_equal(out.payload_len, 24);
    assert_memory_equal(out.payload, "ABCDEFGHzzzzzzzzQRSTUVWX", 24);
    decoder_free(d);
}

static void test_frag_timeout(void **st)
{
    decoder *d = decoder_new(1 << 20, 1000);
    uint8_t dg[64], f[128];
    make_dgram(dg);
    decoded_pkt out;
    size_t n = frag(f, 1, 0, true, dg, 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 10, &out), DECODE_FRAGMENT_HELD);
    n = frag(f, 1, 8, true, dg, 16);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 20, &out), DECODE_FRAGMENT_HELD);
    n = frag(f, 1, 24, false, dg, 8);
    /* 2000 us later: the first two fragments were dropped, this one starts over */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 2010, &out), DECODE_FRAGMENT_HELD);
    assert_int_equal(decoder_stats(d)->frags_dropped, 2);
    n = frag(f, 1, 0, true, dg, 24);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 2020, &out), DECODE_OK);
    expect_dgram(&out);
    decoder_free(d);
}

static void test_frag_memcap(void **st)
{
    decoder *d = decoder_new(20, 1000000);
    uint8_t dg[64], f[128];
    make_dgram(dg);
    decoded_pkt out;
    size_t n = frag(f, 1, 0, true, dg, 16);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_FRAGMENT_HELD);
    n = frag(f, 2, 0, true, dg, 8); /* 16 + 8 > 20: dropped */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 2, &out), DECODE_FRAGMENT_HELD);
    assert_int_equal(decoder_stats(d)->frags_dropped, 1);
    n = frag(f, 1, 16, false, dg, 16); /* datagram 1 would need 32 > 20: dropped too */
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 3, &out), DECODE_FRAGMENT_HELD);
    assert_int_equal(decoder_stats(d)->frags_dropped, 3);
    /* everything held was given back: a small datagram still fits */
    uint8_t l4[32];
    size_t l = udp_hdr(l4, 1, 2, "12345678"); /* 16 bytes */
    n = ipv4(f, 17, 3, 0x2000, l4, 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 4, &out), DECODE_FRAGMENT_HELD);
    n = ipv4(f, 17, 3, 1, l4 + 8, l - 8);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 5, &out), DECODE_OK);
    assert_int_equal(out.payload_len, 8);
    assert_memory_equal(out.payload, "12345678", 8);
    assert_int_equal(decoder_stats(d)->frags_reassembled, 1);
    decoder_free(d);
}

static void test_frag_malformed(void **st)
{
    decoder *d = dec();
    uint8_t dg[64], f[128];
    make_dgram(dg);
    decoded_pkt out;
    /* a non-final fragment whose length is not a multiple of 8 */
    size_t n = frag(f, 4, 0, true, dg, 7);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_FRAGMENT_HELD);
    assert_int_equal(decoder_stats(d)->malformed, 1);
    /* offset + length beyond 65535 */
    n = ipv4(f, 17, 5, 0x1fff, dg, 16);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1, &out), DECODE_FRAGMENT_HELD);
    assert_int_equal(decoder_stats(d)->malformed, 2);
    /* a fragment cut by the snaplen cannot be reassembled */
    n = frag(f, 6, 0, true, dg, 16);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n - 4, 1, &out), DECODE_TRUNCATED);
    assert_int_equal(decoder_stats(d)->frags_dropped, 3);
    decoder_free(d);
}

/* More concurrent datagrams than contexts: the oldest is given up. */
static void test_frag_contexts_bounded(void **st)
{
    decoder *d = dec();
    uint8_t dg[64], f[128];
    make_dgram(dg);
    decoded_pkt out;
    for (uint16_t id = 0; id < 40; id++) {
        size_t n = frag(f, id, 0, true, dg, 8);
        assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 1 + id, &out), DECODE_FRAGMENT_HELD);
    }
    assert_int_equal(decoder_stats(d)->frags_dropped, 24);
    size_t n = frag(f, 39, 8, false, dg, 24);
    assert_int_equal(decode_packet(d, 228, f, (uint32_t)n, 100, &out), DECODE_OK);
    expect_dgram(&out);
    decoder_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_linktypes_supported),
        cmocka_unit_test(test_ethernet_ipv4_tcp),
        cmocka_unit_test(test_vlan_qinq),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_sll_sll2),
        cmocka_unit_test(test_raw_and_loopback),
        cmocka_unit_test(test_ipv6_ext_headers),
        cmocka_unit_test(test_ipv4_malformed_truncated),
        cmocka_unit_test(test_udp_and_other),
        cmocka_unit_test(test_frag_in_order),
        cmocka_unit_test(test_frag_out_of_order_and_overlap),
        cmocka_unit_test(test_frag_timeout),
        cmocka_unit_test(test_frag_memcap),
        cmocka_unit_test(test_frag_malformed),
        cmocka_unit_test(test_frag_contexts_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
