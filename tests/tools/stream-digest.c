/* stream-digest: runs a capture through decode, the flow table and TCP
 * reassembly, and prints one line per TCP flow with the byte count, an
 * FNV-1a hash and the gap bytes of each direction. A capture and its
 * pcap-recut rewrite must give the same lines (sorted).
 *
 * Usage: stream-digest capture.pcap */
#include <arpa/inet.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode.h"
#include "sensor/flow.h"
#include "sensor/stream.h"

typedef struct digest {
    uint64_t hash[2], bytes[2], gaps[2];
} digest;

static stream_engine *engine;

static void on_data(void *ctx, int dir, const uint8_t *data, size_t len)
{
    digest *g = ctx;
    uint64_t h = g->hash[dir];
    for (size_t i = 0; i < len; i++) {
        h ^= data[i];
        h *= UINT64_C(0x100000001b3);
    }
    g->hash[dir] = h;
    g->bytes[dir] += len;
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
    digest *g = ctx;
    g->gaps[dir] += len;
}

static void endpoint(const flow *f, int i, char *out, size_t n)
{
    char a[INET6_ADDRSTRLEN];
    inet_ntop(f->ipver == 6 ? AF_INET6 : AF_INET, f->addr[i], a, sizeof(a));
    snprintf(out, n, "%s:%u", a, f->port[i]);
}

static void on_release(void *ctx, flow *f)
{
    (void)ctx;
    digest *g = f->app;
    if (!g)
        return;
    stream_sink sink = {on_data, on_gap, g};
    stream_flush(engine, &f->tcp, &sink);
    char a[64], b[64];
    endpoint(f, 0, a, sizeof(a));
    endpoint(f, 1, b, sizeof(b));
    printf("%s %s %llu %016llx %llu %llu %016llx %llu\n", a, b, (unsigned long long)g->bytes[0],
           (unsigned long long)g->hash[0], (unsigned long long)g->gaps[0], (unsigned long long)g->bytes[1],
           (unsigned long long)g->hash[1], (unsigned long long)g->gaps[1]);
    free(g);
    f->app = NULL;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: stream-digest capture.pcap\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *in = pcap_open_offline(argv[1], err);
    if (!in) {
        fprintf(stderr, "stream-digest: %s: %s\n", argv[1], err);
        return 1;
    }
    int linktype = pcap_datalink(in);
    decoder *dec = decoder_new(16u << 20, UINT64_C(30000000));
    stream_config sc;
    stream_config_default(&sc);
    engine = stream_engine_new(&sc);
    flow_config fc;
    flow_config_default(&fc);
    flow_table *flows = flow_table_new(&fc, on_release, NULL);
    if (!dec || !engine || !flows)
        return 1;
    struct pcap_pkthdr *h;
    const u_char *data;
    while (pcap_next_ex(in, &h, &data) == 1) {
        decoded_pkt p;
        uint64_t ts = (uint64_t)h->ts.tv_sec * 1000000 + (uint64_t)h->ts.tv_usec;
        if (decode_packet(dec, linktype, data, h->caplen, ts, &p) != DECODE_OK || p.proto != 6)
            continue;
        int dir;
        flow *f = flow_lookup(flows, &p, &dir);
        if (!f)
            continue;
        if (!f->app) {
            digest *g = calloc(1, sizeof(digest));
            if (!g)
                return 1;
            g->hash[0] = g->hash[1] = UINT64_C(0xcbf29ce484222325); /* FNV-1a offset basis */
            f->app = g;
        }
        stream_sink sink = {on_data, on_gap, f->app};
        stream_segment(engine, &f->tcp, dir, p.seq, p.tcp_flags, p.payload, p.payload_len, &sink);
    }
    flow_table_free(flows);
    const stream_stats *s = stream_engine_stats(engine);
    fprintf(stderr, "stream-digest: %llu segments, %llu out of order, %llu retransmitted, %llu gaps\n",
            (unsigned long long)s->segments, (unsigned long long)s->out_of_order,
            (unsigned long long)s->retransmitted, (unsigned long long)s->gaps);
    stream_engine_free(engine);
    decoder_free(dec);
    pcap_close(in);
    return 0;
}
