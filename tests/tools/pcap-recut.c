/* pcap-recut: rewrites every TCP segment that carries data as segments of N
 * bytes (fixing IP lengths, sequence numbers and checksums) and optionally
 * shuffles packets within a window, so reassembly can be tested against real
 * captures cut and reordered in ways the original sender never did.
 * Packets with SYN set are never moved and nothing crosses them: a connection
 * picked up from its handshake stays one, so its bytes must come out intact.
 *
 * Usage: pcap-recut [-n N] [-w W] [-s SEED] in.pcap out.pcap */
#include <pcap/pcap.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "protocols/reader.h"

typedef struct pending {
    struct pcap_pkthdr h;
    uint8_t *data;
} pending;

typedef struct out_state {
    pcap_dumper_t *dump;
    pending *win;
    size_t nwin, cap;
    uint64_t rng;
    unsigned long written;
} out_state;

static uint64_t rng_next(uint64_t *s)
{
    /* xorshift64*: deterministic for a given seed, good enough to shuffle */
    uint64_t x = *s;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *s = x;
    return x * UINT64_C(2685821657736338717);
}

static void emit_one(out_state *o, size_t idx)
{
    pcap_dump((u_char *)o->dump, &o->win[idx].h, o->win[idx].data);
    free(o->win[idx].data);
    o->win[idx] = o->win[--o->nwin];
    o->written++;
}

/* Queues one packet; with a window of 1 this writes it at once. */
static void out_packet(out_state *o, const struct pcap_pkthdr *h, const uint8_t *data)
{
    uint8_t *copy = malloc(h->caplen ? h->caplen : 1);
    if (!copy) {
        fprintf(stderr, "pcap-recut: out of memory\n");
        exit(1);
    }
    memcpy(copy, data, h->caplen);
    o->win[o->nwin].h = *h;
    o->win[o->nwin].data = copy;
    o->nwin++;
    if (o->nwin == o->cap)
        emit_one(o, o->cap == 1 ? 0 : (size_t)(rng_next(&o->rng) % o->nwin));
}

static void out_drain(out_state *o)
{
    while (o->nwin)
        emit_one(o, o->nwin == 1 ? 0 : (size_t)(rng_next(&o->rng) % o->nwin));
}

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        s += (uint32_t)(p[i] << 8 | p[i + 1]);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}

/* Offset of the IP header in a frame, or -1 when this is not IP. */
static long l3_offset(int linktype, const uint8_t *f, uint32_t caplen)
{
    rd_t r = rd_make(f, caplen);
    uint16_t et;
    switch (linktype) {
    case DLT_EN10MB:
        rd_skip(&r, 12);
        et = rd_be16(&r);
        for (int i = 0; i < 8 && (et == 0x8100 || et == 0x88a8 || et == 0x9100); i++) {
            rd_skip(&r, 2);
            et = rd_be16(&r);
        }
        break;
    case 113:
        rd_skip(&r, 14);
        et = rd_be16(&r);
        break;
    case 276:
        et = rd_be16(&r);
        rd_skip(&r, 18);
        break;
    case 0:
    case 108:
        return caplen >= 4 ? 4 : -1;
    case 12:
    case 14:
    case 101:
    case 228:
    case 229:
        return 0;
    default:
        return -1;
    }
    if (!rd_ok(&r) || (et != 0x0800 && et != 0x86dd))
        return -1;
    return (long)r.off;
}

static bool is_syn(int linktype, const struct pcap_pkthdr *h, const uint8_t *f)
{
    long l3 = l3_offset(linktype, f, h->caplen);
    if (l3 < 0)
        return false;
    rd_t r = rd_make(f + l3, h->caplen - (size_t)l3);
    uint8_t v = rd_u8(&r) >> 4;
    size_t tcp;
    if (v == 4) {
        tcp = (size_t)(f[l3] & 15) * 4;
        rd_seek(&r, 9);
    } else if (v == 6) {
        tcp = 40;
        rd_seek(&r, 6);
    } else {
        return false;
    }
    if (rd_u8(&r) != 6 || !rd_seek(&r, tcp + 13))
        return false;
    return (rd_u8(&r) & 0x02) && rd_ok(&r);
}

/* Splits the frame into n-byte segments when it is an unfragmented TCP
 * segment with data, captured whole; returns false to copy it unchanged. */
static bool recut(out_state *o, int linktype, const struct pcap_pkthdr *h, const uint8_t *f, uint32_t n)
{
    long l3 = l3_offset(linktype, f, h->caplen);
    if (l3 < 0 || h->caplen != h->len)
        return false;
    rd_t r = rd_make(f + l3, h->caplen - (size_t)l3);
    uint8_t v = rd_u8(&r) >> 4;
    uint32_t iphl, ipend;
    if (v == 4) {
        iphl = (uint32_t)(f[l3] & 15) * 4;
        r.off = 2;
        ipend = rd_be16(&r);
        uint16_t frag = (rd_skip(&r, 2), rd_be16(&r));
        rd_skip(&r, 1);
        if (rd_u8(&r) != 6 || (frag & 0x3fff) || iphl < 20)
            return false;
    } else if (v == 6) {
        iphl = 40;
        r.off = 4;
        ipend = 40u + rd_be16(&r);
        if (rd_u8(&r) != 6)
            return false;
    } else {
        return false;
    }
    if (!rd_ok(&r) || ipend > rd_left(&r) + r.off || ipend < iphl + 20)
        return false;
    const uint8_t *ip = f + l3;
    const uint8_t *tcp = ip + iphl;
    uint32_t doff = (uint32_t)(tcp[12] >> 4) * 4;
    uint8_t flags = tcp[13];
    if (doff < 20 || iphl + doff > ipend || (flags & 0x06)) /* SYN or RST: keep as they are */
        return false;
    uint32_t plen = ipend - iphl - doff;
    if (plen <= n)
        return false;
    uint32_t seq = (uint32_t)tcp[4] << 24 | (uint32_t)tcp[5] << 16 | (uint32_t)tcp[6] << 8 | tcp[7];
    const uint8_t *payload = tcp + doff;
    uint32_t hdr = (uint32_t)l3 + iphl + doff;
    uint8_t *buf = malloc(hdr + n);
    if (!buf)
        return false;
    for (uint32_t off = 0; off < plen; off += n) {
        uint32_t len = plen - off < n ? plen - off : n;
        bool last = off + len == plen;
        memcpy(buf, f, hdr);
        memcpy(buf + hdr, payload + off, len);
        uint8_t *nip = buf + l3, *ntcp = nip + iphl;
        uint32_t l4len = doff + len;
        if (v == 4) {
            put16(nip + 2, (uint16_t)(iphl + l4len));
            put16(nip + 10, 0);
            put16(nip + 10, fold(sum16(nip, iphl, 0)));
        } else {
            put16(nip + 4, (uint16_t)l4len);
        }
        put32(ntcp + 4, seq + off);
        /* FIN and PSH belong to the end of the original segment */
        ntcp[13] = last ? flags : (uint8_t)(flags & ~0x09);
        put16(ntcp + 16, 0);
        uint32_t s = 0;
        if (v == 4) {
            s = sum16(nip + 12, 8, s);
        } else {
            s = sum16(nip + 8, 32, s);
        }
        s += 6 + l4len;
        s = sum16(ntcp, l4len, s);
        put16(ntcp + 16, fold(s));
        struct pcap_pkthdr nh = *h;
        nh.caplen = nh.len = hdr + len;
        out_packet(o, &nh, buf);
    }
    free(buf);
    return true;
}

int main(int argc, char **argv)
{
    unsigned long n = 1, w = 1;
    unsigned long long seed = 1;
    int c;
    while ((c = getopt(argc, argv, "n:w:s:")) != -1) {
        switch (c) {
        case 'n':
            n = strtoul(optarg, NULL, 10);
            break;
        case 'w':
            w = strtoul(optarg, NULL, 10);
            break;
        case 's':
            seed = strtoull(optarg, NULL, 10);
            break;
        default:
            goto usage;
        }
    }
    if (argc - optind != 2 || n < 1 || n > 65535 || w < 1 || w > 1000000)
        goto usage;
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(argv[optind], err);
    if (!in) {
        fprintf(stderr, "pcap-recut: %s: %s\n", argv[optind], err);
        return 1;
    }
    int linktype = pcap_datalink(in);
    pcap_t *dead = pcap_open_dead(linktype, 262144);
    out_state o = {0};
    o.dump = pcap_dump_open(dead, argv[optind + 1]);
    if (!o.dump) {
        fprintf(stderr, "pcap-recut: %s: %s\n", argv[optind + 1], pcap_geterr(dead));
        return 1;
    }
    o.cap = w;
    o.win = calloc(w, sizeof(pending));
    o.rng = seed * UINT64_C(0x9e3779b97f4a7c15) + 1;
    if (!o.win)
        return 1;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    unsigned long read = 0;
    while ((rc = pcap_next_ex(in, &h, &data)) == 1) {
        read++;
        if (is_syn(linktype, h, data)) {
            out_drain(&o);
            out_packet(&o, h, data);
            out_drain(&o);
        } else if (!recut(&o, linktype, h, data, (uint32_t)n)) {
            out_packet(&o, h, data);
        }
    }
    if (rc == PCAP_ERROR)
        fprintf(stderr, "pcap-recut: %s: %s\n", argv[optind], pcap_geterr(in));
    out_drain(&o);
    pcap_dump_close(o.dump);
    pcap_close(dead);
    pcap_close(in);
    free(o.win);
    fprintf(stderr, "pcap-recut: %lu packets in, %lu out\n", read, o.written);
    return rc == PCAP_ERROR ? 1 : 0;
usage:
    fprintf(stderr, "usage: pcap-recut [-n N] [-w W] [-s SEED] in.pcap out.pcap\n");
    return 2;
}
