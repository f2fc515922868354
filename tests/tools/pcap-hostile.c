/* Writes captures of hostile traffic for the memory-bound tests.
 *
 *   pcap-hostile SCENARIO COUNT out.pcap [MIX.pcap]
 *
 * With MIX.pcap (Ethernet), its frames are woven into the middle third of the
 * hostile traffic, evenly spaced and on the hostile clock, so a test can check
 * that detection goes on while the hostile traffic is still filling the tables.
 *
 * synflood    COUNT SYNs to port 445 from distinct addresses and ports
 * smbconns    COUNT handshaken SMB connections, each with a NEGOTIATE, never closed
 * trees       one connection: COUNT tree connects and COUNT creates, never closed
 * gaps        one connection whose client stream loses 1 byte in every 10, COUNT bytes long
 * nbsshuge    COUNT connections announcing NBSS messages of 16 MiB - 1 and SMB2 length
 *             fields of 0xffffffff, followed by a little data
 * compound    COUNT requests whose NextCommand points backwards, at itself, or past the end
 * ntlmbad     COUNT SESSION_SETUPs whose NTLMSSP field offsets point outside the blob
 * spnego      COUNT SESSION_SETUPs whose security blob is SPNEGO nested 2000 levels deep
 * halfruns    COUNT clients (distinct addresses) each starting a PsExec run and leaving it: a tree
 *             connect to IPC$ and an open of the PSEXESVC control pipe, never closed
 * pending     COUNT connections, each with a tree connect and 64 CREATEs of named pipes
 *             never answered: requests still pending when the run ends (the flush at exit)
 * slots       COUNT connections, each filling every name slot of the default limits:
 *             32 tree connects and 64 creates answered, 64 more creates never answered
 * bigslots    the same with 1,000 of each (for max-trees, max-files, max-pending of 1,000)
 *
 * Everything is Ethernet/IPv4/TCP with valid checksums-free headers (pipewatch does not verify
 * checksums, as a SPAN sensor must not: offloads leave them wrong). */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static pcap_dumper_t *dump;
static uint64_t now_us = 1700000000ull * 1000000;
static uint8_t frame[70000];
static uint64_t frames_out;

typedef struct mixed {
    struct pcap_pkthdr h;
    uint8_t *data;
} mixed;
static mixed *mix;
static size_t mix_n, mix_next;
static uint64_t mix_start, mix_stride;

static void write_frame(const uint8_t *data, uint32_t len)
{
    struct pcap_pkthdr h;
    now_us += 10;
    h.ts.tv_sec = (time_t)(now_us / 1000000);
    h.ts.tv_usec = (suseconds_t)(now_us % 1000000);
    h.caplen = h.len = len;
    if (dump)
        pcap_dump((u_char *)dump, &h, data);
    frames_out++;
}

static void weave(int all)
{
    while (mix_next < mix_n && (all || frames_out >= mix_start + mix_next * mix_stride)) {
        write_frame(mix[mix_next].data, mix[mix_next].h.caplen);
        mix_next++;
    }
}

static void put16be(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; }
static void put32be(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (24 - 8 * i));
}
static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

typedef struct conn {
    uint32_t cip, sip;
    uint16_t cport, sport;
    uint32_t cseq, sseq;
} conn;

static void emit(uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                 uint8_t flags, const uint8_t *payload, size_t len)
{
    memset(frame, 0, 54);
    memcpy(frame, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    put16be(frame + 12, 0x0800);
    uint8_t *ip = frame + 14;
    ip[0] = 0x45;
    put16be(ip + 2, (uint16_t)(20 + 20 + len));
    ip[8] = 64;
    ip[9] = 6;
    put32be(ip + 12, src);
    put32be(ip + 16, dst);
    uint8_t *tcp = ip + 20;
    put16be(tcp, sport);
    put16be(tcp + 2, dport);
    put32be(tcp + 4, seq);
    put32be(tcp + 8, ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16be(tcp + 14, 65535);
    if (len)
        memcpy(tcp + 20, payload, len);
    write_frame(frame, (uint32_t)(54 + len));
    weave(0);
}

static void handshake(conn *c)
{
    emit(c->cip, c->sip, c->cport, c->sport, c->cseq, 0, 0x02, NULL, 0);
    emit(c->sip, c->cip, c->sport, c->cport, c->sseq, c->cseq + 1, 0x12, NULL, 0);
    c->cseq++;
    c->sseq++;
    emit(c->cip, c->sip, c->cport, c->sport, c->cseq, c->sseq, 0x10, NULL, 0);
}

static void client_send(conn *c, const uint8_t *p, size_t len)
{
    emit(c->cip, c->sip, c->cport, c->sport, c->cseq, c->sseq, 0x18, p, len);
    c->cseq += (uint32_t)len;
}

static void server_send(conn *c, const uint8_t *p, size_t len)
{
    emit(c->sip, c->cip, c->sport, c->cport, c->sseq, c->cseq, 0x18, p, len);
    c->sseq += (uint32_t)len;
}

/* NBSS header + SMB2 header; returns the offset of the body. */
static size_t smb2_hdr(uint8_t *p, uint16_t cmd, uint64_t mid, int response, uint32_t status, uint32_t tree,
                       uint64_t session)
{
    memset(p, 0, 68);
    memcpy(p + 4, "\xfeSMB", 4);
    put16(p + 8, 64);
    put32(p + 12, status);
    put16(p + 16, cmd);
    put16(p + 18, 1);
    put32(p + 20, response ? 1 : 0);
    put64(p + 28, mid);
    put32(p + 40, tree);
    put64(p + 44, session);
    return 68;
}

static void nbss_len(uint8_t *p, size_t total) { put32be(p, (uint32_t)(total - 4) & 0x00ffffff); }

static size_t utf16(uint8_t *p, const char *s)
{
    size_t n = 0;
    for (; *s; s++) {
        p[n++] = (uint8_t)*s;
        p[n++] = 0;
    }
    return n;
}

static void negotiate(conn *c)
{
    uint8_t b[256];
    size_t o = smb2_hdr(b, 0, 0, 0, 0, 0, 0);
    put16(b + o, 36);
    put16(b + o + 2, 1);
    put16(b + o + 36, 0x0210);
    o += 38;
    nbss_len(b, o);
    client_send(c, b, o);
}

static void tree_connect(conn *c, uint64_t mid, uint32_t tree, const char *path)
{
    uint8_t b[512];
    size_t o = smb2_hdr(b, 3, mid, 0, 0, 0, 0x1000);
    put16(b + o, 9);
    put16(b + o + 4, 64 + 8);
    size_t n = utf16(b + o + 8, path);
    put16(b + o + 6, (uint16_t)n);
    o += 8 + n;
    nbss_len(b, o);
    client_send(c, b, o);
    o = smb2_hdr(b, 3, mid, 1, 0, tree, 0x1000);
    put16(b + o, 16);
    b[o + 2] = 2; /* pipe */
    put32(b + o + 12, 0x1f01ff);
    o += 16;
    nbss_len(b, o);
    server_send(c, b, o);
}

static void create_req(conn *c, uint64_t mid, uint32_t tree, const char *name, int answered, uint64_t fid);

static void create(conn *c, uint64_t mid, uint32_t tree, const char *name, uint64_t fid)
{
    create_req(c, mid, tree, name, 1, fid);
}

static void create_req(conn *c, uint64_t mid, uint32_t tree, const char *name, int answered, uint64_t fid)
{
    uint8_t b[512];
    size_t o = smb2_hdr(b, 5, mid, 0, 0, tree, 0x1000);
    put16(b + o, 57);
    put32(b + o + 24, 0x0012019f);
    put32(b + o + 36, 1);
    put16(b + o + 44, 64 + 56);
    size_t n = utf16(b + o + 56, name);
    put16(b + o + 46, (uint16_t)n);
    o += 56 + n;
    nbss_len(b, o);
    client_send(c, b, o);
    if (!answered)
        return;
    o = smb2_hdr(b, 5, mid, 1, 0, tree, 0x1000);
    put16(b + o, 89);
    put32(b + o + 4, 1);
    put64(b + o + 64, fid);
    put64(b + o + 72, fid);
    o += 88;
    nbss_len(b, o);
    server_send(c, b, o);
}

static conn mkconn(uint32_t i)
{
    conn c = {0x0a000000u | ((i + 2) & 0xffffff), 0xc0a80001u, (uint16_t)(1024 + (i % 60000)), 445,
              0x10000000u + i * 7919u, 0x20000000u};
    return c;
}

static int read_mix(const char *path)
{
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *m = pcap_open_offline(path, err);
    if (!m) {
        fprintf(stderr, "pcap-hostile: %s\n", err);
        return -1;
    }
    if (pcap_datalink(m) != DLT_EN10MB) {
        fprintf(stderr, "pcap-hostile: %s: not Ethernet\n", path);
        pcap_close(m);
        return -1;
    }
    struct pcap_pkthdr *h;
    const u_char *d;
    size_t cap = 0;
    while (pcap_next_ex(m, &h, &d) == 1) {
        if (mix_n == cap) {
            cap = cap ? cap * 2 : 256;
            mixed *nm = realloc(mix, cap * sizeof(*mix));
            if (!nm)
                return -1;
            mix = nm;
        }
        mix[mix_n].h = *h;
        mix[mix_n].data = malloc(h->caplen ? h->caplen : 1);
        if (!mix[mix_n].data)
            return -1;
        memcpy(mix[mix_n].data, d, h->caplen);
        mix_n++;
    }
    pcap_close(m);
    return 0;
}

static int scenario(const char *sc, unsigned long count);

int main(int argc, char **argv)
{
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: pcap-hostile SCENARIO COUNT out.pcap [MIX.pcap]\n");
        return 2;
    }
    const char *sc = argv[1];
    unsigned long count = strtoul(argv[2], NULL, 10);
    if (argc == 5) {
        if (read_mix(argv[4]) < 0)
            return 1;
        /* a dry run counts the hostile frames, so the mix lands in their middle third */
        size_t keep = mix_n;
        mix_n = 0;
        uint64_t start_us = now_us;
        int rc = scenario(sc, count);
        if (rc)
            return rc;
        mix_n = keep;
        mix_start = frames_out / 3;
        mix_stride = frames_out / 3 / (mix_n ? mix_n : 1);
        if (mix_stride == 0)
            mix_stride = 1;
        frames_out = 0;
        now_us = start_us;
    }
    pcap_t *p = pcap_open_dead(DLT_EN10MB, 65535);
    dump = pcap_dump_open(p, argv[3]);
    if (!dump) {
        fprintf(stderr, "pcap-hostile: %s: %s\n", argv[3], pcap_geterr(p));
        return 1;
    }
    int rc = scenario(sc, count);
    weave(1);
    pcap_dump_close(dump);
    pcap_close(p);
    for (size_t i = 0; i < mix_n; i++)
        free(mix[i].data);
    free(mix);
    return rc;
}

static int scenario(const char *sc, unsigned long count)
{
    static uint8_t b[65536];
    if (!strcmp(sc, "synflood")) {
        for (unsigned long i = 0; i < count; i++) {
            conn c = mkconn((uint32_t)i);
            emit(c.cip, c.sip, c.cport, c.sport, c.cseq, 0, 0x02, NULL, 0);
        }
    } else if (!strcmp(sc, "smbconns")) {
        for (unsigned long i = 0; i < count; i++) {
            conn c = mkconn((uint32_t)i);
            handshake(&c);
            negotiate(&c);
        }
    } else if (!strcmp(sc, "halfruns")) {
        for (unsigned long i = 0; i < count; i++) {
            conn c = mkconn((uint32_t)i);
            handshake(&c);
            negotiate(&c);
            tree_connect(&c, 1, 1, "\\\\SRV\\IPC$");
            create(&c, 2, 1, "PSEXESVC", i + 1);
        }
    } else if (!strcmp(sc, "trees")) {
        conn c = mkconn(1);
        handshake(&c);
        negotiate(&c);
        char name[64];
        for (unsigned long i = 0; i < count; i++) {
            snprintf(name, sizeof(name), "\\\\SRV\\SHARE%lu", i);
            tree_connect(&c, 2 * i + 1, (uint32_t)i + 1, name);
            snprintf(name, sizeof(name), "pipe%lu", i);
            create(&c, 2 * i + 2, (uint32_t)i + 1, name, i + 1);
        }
    } else if (!strcmp(sc, "pending")) {
        char name[64];
        for (unsigned long i = 0; i < count; i++) {
            conn c = mkconn((uint32_t)i);
            handshake(&c);
            negotiate(&c);
            tree_connect(&c, 1, 1, "\\\\SRV\\IPC$");
            for (unsigned k = 0; k < 64; k++) {
                snprintf(name, sizeof(name), "svc%lu-WKS-%u-stdin", i, k);
                create_req(&c, 2 + k, 1, name, 0, 0);
            }
        }
    } else if (!strcmp(sc, "slots") || !strcmp(sc, "bigslots")) {
        char name[64];
        unsigned nt = 32, nf = 64, np = 64;
        if (sc[0] == 'b')
            nt = nf = np = 1000;
        for (unsigned long i = 0; i < count; i++) {
            conn c = mkconn((uint32_t)i);
            handshake(&c);
            negotiate(&c);
            uint64_t mid = 1;
            for (unsigned k = 0; k < nt; k++) {
                snprintf(name, sizeof(name), "\\\\SRV%lu\\SHARE%u", i, k);
                tree_connect(&c, mid++, k + 1, name);
            }
            for (unsigned k = 0; k < nf; k++) {
                snprintf(name, sizeof(name), "file%lu-%u", i, k);
                create(&c, mid++, 1, name, k + 1);
            }
            for (unsigned k = 0; k < np; k++) {
                snprintf(name, sizeof(name), "wait%lu-%u", i, k);
                create_req(&c, mid++, 1, name, 0, 0);
            }
        }
    } else if (!strcmp(sc, "gaps")) {
        conn c = mkconn(1);
        handshake(&c);
        size_t o = 0;
        uint64_t mid = 1;
        while (o < count) {
            size_t n = smb2_hdr(b, 5, mid++, 0, 0, 1, 0x1000);
            put16(b + n, 57);
            put16(b + n + 44, 64 + 56);
            size_t k = utf16(b + n + 56, "some-pipe-name");
            put16(b + n + 46, (uint16_t)k);
            n += 56 + k;
            nbss_len(b, n);
            /* 9 bytes sent, 1 byte lost, over and over. */
            for (size_t i = 0; i < n; i += 10) {
                size_t len = n - i < 9 ? n - i : 9;
                emit(c.cip, c.sip, c.cport, c.sport, c.cseq + (uint32_t)i, c.sseq, 0x18, b + i, len);
            }
            c.cseq += (uint32_t)n;
            o += n;
        }
    } else if (!strcmp(sc, "nbsshuge")) {
        for (unsigned long i = 0; i < count; i++) {
            conn c = mkconn((uint32_t)i);
            handshake(&c);
            size_t n = smb2_hdr(b, 5, 1, 0, 0, 1, 1);
            put32be(b, 0x00ffffff);
            put16(b + n, 57);
            put16(b + n + 44, 0xffff);
            put16(b + n + 46, 0xffff);
            put32(b + n + 48, 0xffffffff);
            put32(b + n + 52, 0xffffffff);
            memset(b + n + 56, 0x41, 1400);
            client_send(&c, b, n + 56 + 1400);
        }
    } else if (!strcmp(sc, "compound")) {
        conn c = mkconn(1);
        handshake(&c);
        static const uint32_t bad_next[] = {0xffffff80u /* backwards */, 8 /* into itself */,
                                            0x7ffffff8u /* past the end */};
        for (unsigned long i = 0; i < count; i++) {
            /* Two 128-byte operations: the first chains correctly to the second, whose NextCommand is bad. */
            memset(b, 0, 4 + 256);
            smb2_hdr(b, 5, i * 2 + 1, 0, 0, 1, 1);
            smb2_hdr(b + 128, 5, i * 2 + 2, 0, 0, 1, 1);
            put32(b + 4 + 20, 0);
            put32(b + 4 + 128 + 20, 0x4); /* related */
            put32(b + 4 + 20, 128);        /* NextCommand of the first */
            put32(b + 4 + 128 + 20, bad_next[i % 3]);
            put16(b + 4 + 64, 57);
            put16(b + 4 + 128 + 64, 57);
            put32be(b, 256);
            client_send(&c, b, 4 + 256);
        }
    } else if (!strcmp(sc, "ntlmbad") || !strcmp(sc, "spnego")) {
        conn c = mkconn(1);
        handshake(&c);
        for (unsigned long i = 0; i < count; i++) {
            size_t n = smb2_hdr(b, 1, i + 1, 0, 0, 0, 0);
            put16(b + n, 25);
            size_t blob = n + 24;
            size_t bl;
            if (!strcmp(sc, "ntlmbad")) {
                uint8_t *t = b + blob;
                memset(t, 0, 88);
                memcpy(t, "NTLMSSP\0", 8);
                put32(t + 8, 3);
                /* LM, NT, domain, user, host, session key: lengths and offsets past the end. */
                for (int f = 0; f < 6; f++) {
                    put16(t + 12 + 8 * f, (uint16_t)(0x100 + f));
                    put16(t + 14 + 8 * f, (uint16_t)(0x100 + f));
                    put32(t + 16 + 8 * f, i % 2 ? 0xfffffff0u : (uint32_t)(80 + f));
                }
                put32(t + 60, 0x00000001);
                bl = 88;
            } else {
                /* 0x30 0x82 LEN … nested 2000 times, lengths all consistent. */
                size_t depth = 2000, inner = 16;
                bl = depth * 4 + inner;
                for (size_t d = 0; d < depth; d++) {
                    uint8_t *q = b + blob + d * 4;
                    q[0] = d % 2 ? 0xa0 : 0x30;
                    q[1] = 0x82;
                    put16be(q + 2, (uint16_t)(bl - d * 4 - 4));
                }
                memset(b + blob + depth * 4, 0x04, inner);
            }
            put16(b + n + 12, 64 + 24);
            put16(b + n + 14, (uint16_t)bl);
            n = blob + bl;
            nbss_len(b, n);
            client_send(&c, b, n);
        }
    } else {
        fprintf(stderr, "pcap-hostile: unknown scenario %s\n", sc);
        return 2;
    }
    return 0;
}
