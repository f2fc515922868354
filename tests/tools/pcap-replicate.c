/*
 * pcap-replicate: write K rewritten copies of a capture into one file, to grow a real seed capture
 * into a benchmark-sized one without making the traffic look like one flow seen K times.
 *
 *   pcap-replicate [-k K] [-g G] [-c MAXPKTS] IN.pcap OUT.pcap
 *
 * Copy i (0 <= i < K) has:
 *   - every IPv4 address (both ends) increased by i * 256, i.e. i is added to the third octet with
 *     carry into the second; a copy that would leave the first octet of an address is refused, so
 *     10.x seeds stay inside 10/8;
 *   - every TCP/UDP port >= 1024 moved by i * 7 within 1024..65535 (well-known server ports such as
 *     445, 139, 80 and 53 stay, or the copies would stop being SMB/HTTP/DNS to any dissector);
 *   - the IPv4 header checksum recomputed and TCP/UDP checksums updated incrementally (RFC 1624),
 *     which stays right for truncated packets too; a UDP checksum of zero stays zero;
 *   - timestamps shifted. Copies are taken in groups of G: the copies of one group start 1 ms apart
 *     and are merged by timestamp, so they interleave like concurrent clients; each group starts one
 *     second after the previous group ends, so groups follow each other. G = K (the default) gives
 *     one fully interleaved file; K = 10 * G gives a file 10x longer with the same concurrency.
 * IPv6 and non-IP packets are copied with only their timestamp changed.
 * -c limits how many packets of the input are used (a prefix of the seed).
 */
#include <pcap/pcap.h>

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PORT_SHIFT 7u
#define COPY_START_STEP_US 1000ull

struct copy {
    pcap_t *in;
    unsigned index;
    int64_t shift_us;
    struct pcap_pkthdr hdr;
    const u_char *data;
    uint64_t used;
    int live;
};

static unsigned char pkt_buf[262144 + 64];

static uint16_t get16(const unsigned char *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static void put16(unsigned char *p, uint16_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), applied per 16-bit word that changed. */
static uint16_t csum_update16(uint16_t sum, uint16_t old, uint16_t new_val)
{
    uint32_t s = (uint16_t)~sum;
    s += (uint16_t)~old;
    s += new_val;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint16_t csum_update32(uint16_t sum, uint32_t old, uint32_t new_val)
{
    sum = csum_update16(sum, (uint16_t)(old >> 16), (uint16_t)(new_val >> 16));
    return csum_update16(sum, (uint16_t)old, (uint16_t)new_val);
}

static uint16_t ipv4_header_csum(const unsigned char *ip, size_t hlen)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < hlen; i += 2) {
        if (i != 10)
            s += get16(ip + i);
    }
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static uint16_t shift_port(uint16_t port, unsigned copy)
{
    if (port < 1024)
        return port;
    uint32_t span = 65536u - 1024u;
    return (uint16_t)(1024u + ((uint32_t)(port - 1024u) + copy * PORT_SHIFT) % span);
}

/* Offset of the IPv4 header in a frame of this link type, or -1 when the frame is not IPv4. */
static long ipv4_offset(int linktype, const unsigned char *p, size_t len)
{
    size_t off;
    uint16_t type;
    switch (linktype) {
    case DLT_EN10MB:
        if (len < 14)
            return -1;
        off = 12;
        type = get16(p + off);
        /* One or two VLAN tags (802.1Q, 802.1ad). */
        for (int tags = 0; tags < 2 && (type == 0x8100 || type == 0x88a8); tags++) {
            off += 4;
            if (len < off + 2)
                return -1;
            type = get16(p + off);
        }
        return type == 0x0800 ? (long)(off + 2) : -1;
    case DLT_LINUX_SLL:
        if (len < 16)
            return -1;
        return get16(p + 14) == 0x0800 ? 16 : -1;
    case DLT_RAW:
        return (len >= 1 && (p[0] >> 4) == 4) ? 0 : -1;
    default:
        return -1;
    }
}

static int rewrite_ipv4(unsigned char *ip, size_t caplen, unsigned copy)
{
    if (caplen < 20 || (ip[0] >> 4) != 4)
        return 0;
    size_t hlen = (size_t)(ip[0] & 0x0f) * 4;
    if (hlen < 20 || hlen > caplen)
        return 0;
    uint32_t delta = copy * 256u;
    uint32_t old_src = get32(ip + 12), old_dst = get32(ip + 16);
    uint32_t new_src = old_src + delta, new_dst = old_dst + delta;
    if ((new_src >> 24) != (old_src >> 24) || (new_dst >> 24) != (old_dst >> 24))
        return -1;
    put32(ip + 12, new_src);
    put32(ip + 16, new_dst);
    put16(ip + 10, ipv4_header_csum(ip, hlen));

    uint8_t proto = ip[9];
    int first_fragment = (get16(ip + 6) & 0x1fff) == 0;
    if (!first_fragment)
        return 0;
    unsigned char *l4 = ip + hlen;
    size_t l4len = caplen - hlen;
    size_t csum_off;
    if (proto == 6 && l4len >= 18)
        csum_off = 16;
    else if (proto == 17 && l4len >= 8)
        csum_off = 6;
    else
        return 0;
    uint16_t old_sport = get16(l4), old_dport = get16(l4 + 2);
    uint16_t new_sport = shift_port(old_sport, copy), new_dport = shift_port(old_dport, copy);
    put16(l4, new_sport);
    put16(l4 + 2, new_dport);
    uint16_t sum = get16(l4 + csum_off);
    if (proto == 17 && sum == 0)
        return 0;
    sum = csum_update32(sum, old_src, new_src);
    sum = csum_update32(sum, old_dst, new_dst);
    sum = csum_update16(sum, old_sport, new_sport);
    sum = csum_update16(sum, old_dport, new_dport);
    /* A UDP checksum that computes to zero is sent as all ones (RFC 768). */
    if (proto == 17 && sum == 0)
        sum = 0xffff;
    put16(l4 + csum_off, sum);
    return 0;
}

static int64_t ts_us(const struct timeval *tv)
{
    return (int64_t)tv->tv_sec * 1000000 + tv->tv_usec;
}

static int advance(struct copy *c, uint64_t max_pkts, const char *path)
{
    if (max_pkts && c->used >= max_pkts) {
        c->live = 0;
        return 0;
    }
    struct pcap_pkthdr *h;
    int rc = pcap_next_ex(c->in, &h, &c->data);
    if (rc == 1) {
        c->hdr = *h;
        c->used++;
        return 0;
    }
    c->live = 0;
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap-replicate: %s: %s\n", path, pcap_geterr(c->in));
        return -1;
    }
    return 0;
}

/* First and last timestamps of the (prefix of the) input, and its link type and snaplen. */
static int scan_input(const char *path, uint64_t max_pkts, int64_t *first, int64_t *last, int *linktype,
                      int *snaplen)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, err);
    if (!p) {
        fprintf(stderr, "pcap-replicate: %s: %s\n", path, err);
        return -1;
    }
    *linktype = pcap_datalink(p);
    *snaplen = pcap_snapshot(p);
    struct pcap_pkthdr *h;
    const u_char *d;
    uint64_t n = 0;
    int rc;
    while ((max_pkts == 0 || n < max_pkts) && (rc = pcap_next_ex(p, &h, &d)) == 1) {
        int64_t t = ts_us(&h->ts);
        if (n == 0)
            *first = t;
        *last = t;
        n++;
    }
    pcap_close(p);
    if (n == 0) {
        fprintf(stderr, "pcap-replicate: %s: no packets\n", path);
        return -1;
    }
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: pcap-replicate [-k COPIES] [-g INTERLEAVED_PER_GROUP] [-c MAXPKTS] IN OUT\n");
    exit(2);
}

int main(int argc, char **argv)
{
    unsigned k = 1, g = 0;
    uint64_t max_pkts = 0;
    int opt;
    while ((opt = getopt(argc, argv, "k:g:c:")) != -1) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(optarg, &end, 10);
        if (errno || *end || end == optarg)
            usage();
        if (opt == 'k')
            k = (unsigned)v;
        else if (opt == 'g')
            g = (unsigned)v;
        else if (opt == 'c')
            max_pkts = v;
        else
            usage();
    }
    if (argc - optind != 2 || k == 0 || k > 65536)
        usage();
    if (g == 0 || g > k)
        g = k;
    if (g > 1024) {
        fprintf(stderr, "pcap-replicate: at most 1024 copies interleave\n");
        return 2;
    }
    const char *in_path = argv[optind], *out_path = argv[optind + 1];

    int64_t first = 0, last = 0;
    int linktype, snaplen;
    if (scan_input(in_path, max_pkts, &first, &last, &linktype, &snaplen) < 0)
        return 1;
    int64_t group_len = (last - first) + (int64_t)(g - 1) * (int64_t)COPY_START_STEP_US + 1000000;

    pcap_t *dead = pcap_open_dead_with_tstamp_precision(linktype, snaplen, PCAP_TSTAMP_PRECISION_MICRO);
    pcap_dumper_t *out = dead ? pcap_dump_open(dead, out_path) : NULL;
    if (!out) {
        fprintf(stderr, "pcap-replicate: %s: %s\n", out_path, dead ? pcap_geterr(dead) : "pcap_open_dead");
        return 1;
    }
    struct copy *copies = calloc(g, sizeof(*copies));
    if (!copies) {
        fprintf(stderr, "pcap-replicate: out of memory\n");
        return 1;
    }
    uint64_t written = 0, rewritten = 0;
    for (unsigned base = 0; base < k; base += g) {
        unsigned width = (k - base < g) ? k - base : g;
        int64_t group_shift = (int64_t)(base / g) * group_len;
        for (unsigned j = 0; j < width; j++) {
            char err[PCAP_ERRBUF_SIZE];
            struct copy *c = &copies[j];
            memset(c, 0, sizeof(*c));
            c->index = base + j;
            c->shift_us = group_shift + (int64_t)j * (int64_t)COPY_START_STEP_US;
            c->in = pcap_open_offline_with_tstamp_precision(in_path, PCAP_TSTAMP_PRECISION_MICRO, err);
            if (!c->in) {
                fprintf(stderr, "pcap-replicate: %s: %s\n", in_path, err);
                return 1;
            }
            c->live = 1;
            if (advance(c, max_pkts, in_path) < 0)
                return 1;
        }
        for (;;) {
            /* Linear scan: the group is small and the scan costs far less than the write. */
            struct copy *next = NULL;
            int64_t best = 0;
            for (unsigned j = 0; j < width; j++) {
                struct copy *c = &copies[j];
                if (!c->live)
                    continue;
                int64_t t = ts_us(&c->hdr.ts) + c->shift_us;
                if (!next || t < best) {
                    next = c;
                    best = t;
                }
            }
            if (!next)
                break;
            struct pcap_pkthdr h = next->hdr;
            size_t caplen = h.caplen < sizeof(pkt_buf) ? h.caplen : sizeof(pkt_buf);
            h.caplen = (bpf_u_int32)caplen;
            memcpy(pkt_buf, next->data, caplen);
            h.ts.tv_sec = (time_t)(best / 1000000);
            h.ts.tv_usec = (suseconds_t)(best % 1000000);
            long ip = ipv4_offset(linktype, pkt_buf, caplen);
            if (ip >= 0 && next->index > 0) {
                if (rewrite_ipv4(pkt_buf + ip, caplen - (size_t)ip, next->index) < 0) {
                    fprintf(stderr, "pcap-replicate: copy %u would move an address out of its /8\n",
                            next->index);
                    return 1;
                }
                rewritten++;
            }
            pcap_dump((u_char *)out, &h, pkt_buf);
            written++;
            if (advance(next, max_pkts, in_path) < 0)
                return 1;
        }
        for (unsigned j = 0; j < width; j++)
            pcap_close(copies[j].in);
    }
    if (pcap_dump_flush(out) != 0) {
        fprintf(stderr, "pcap-replicate: %s: write failed\n", out_path);
        return 1;
    }
    pcap_dump_close(out);
    pcap_close(dead);
    free(copies);
    fprintf(stderr, "pcap-replicate: %u copies (%u interleaved per group), %" PRIu64 " packets written, %" PRIu64
                    " IPv4 packets rewritten\n",
            k, g, written, rewritten);
    return 0;
}
