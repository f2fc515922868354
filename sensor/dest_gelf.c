/* The GELF destination: each record is one GELF message (the gelf layout
 * makes records GELF 1.1 objects; any layout can be sent).
 *   gelf+udp://HOST:PORT  one datagram per message; a message larger than
 *                         chunk_size bytes goes as chunks: 0x1e 0x0f, an
 *                         8-byte message id, the chunk's number and the
 *                         count, then its part (at most 128 chunks; a
 *                         larger message is counted as dropped)
 *   gelf+tcp://HOST:PORT  messages each ended by a NUL byte
 *   ?chunk_size=BYTES (UDP datagram size, default 8192, 64..65000)
 *   &memcap=BYTES (the queue's bound) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dest.h"
#include "dest_net.h"
#include "dest_queue.h"

#define GELF_CHUNK_HDR 12
#define GELF_MAX_CHUNKS 128

struct dest {
    dest_queue *q; /* first: the dq_dest_* members of dest_ops read it */
    net_peer peer;
    size_t chunk_size;
    uint64_t next_id;
    char *buf;
};

static bool query_size(const char *query, const char *key, size_t lo, size_t hi, size_t *out, bool *bad)
{
    char v[32];
    if (!query || !net_query_get(query, key, v, sizeof(v)))
        return false;
    char *end;
    unsigned long long x = strtoull(v, &end, 10);
    *bad = !v[0] || *end || x < lo || x > hi;
    if (!*bad)
        *out = (size_t)x;
    return true;
}

static bool parse_url(void *ctx, const char *url, size_t *memcap, char *err, size_t errlen)
{
    struct dest *d = ctx;
    const char *query = NULL;
    bool ok;
    if (!strncmp(url, "gelf+udp://", 11)) {
        ok = net_peer_parse(&d->peer, url + 11, &query);
        d->peer.type = SOCK_DGRAM;
    } else if (!strncmp(url, "gelf+tcp://", 11)) {
        ok = net_peer_parse(&d->peer, url + 11, &query);
        d->peer.type = SOCK_STREAM;
    } else
        ok = false;
    if (!ok) {
        snprintf(err, errlen, "bad GELF destination '%s': want gelf+udp://HOST:PORT or gelf+tcp://HOST:PORT", url);
        return false;
    }
    d->chunk_size = 8192;
    bool bad = false;
    if (query_size(query, "chunk_size", 64, 65000, &d->chunk_size, &bad) && bad) {
        snprintf(err, errlen, "bad GELF destination '%s': chunk_size is a byte count from 64 to 65000", url);
        return false;
    }
    if (query_size(query, "memcap", 4096, (size_t)1 << 40, memcap, &bad) && bad) {
        snprintf(err, errlen, "bad GELF destination '%s': memcap is a byte count of 4096 or more", url);
        return false;
    }
    return true;
}

static bool gelf_connect(void *ctx, char *err, size_t errlen)
{
    struct dest *d = ctx;
    return net_peer_connect(&d->peer, err, errlen);
}

static void gelf_disconnect(void *ctx)
{
    struct dest *d = ctx;
    net_peer_close(&d->peer);
}

static bool send_udp(struct dest *d, const char *rec, size_t len, size_t *skipped, char *err, size_t errlen)
{
    if (len <= d->chunk_size)
        return net_send_all(d->peer.fd, rec, len, err, errlen);
    size_t part = d->chunk_size - GELF_CHUNK_HDR;
    size_t count = (len + part - 1) / part;
    if (count > GELF_MAX_CHUNKS) {
        (*skipped)++;
        return true;
    }
    uint64_t id = d->next_id++;
    for (size_t i = 0; i < count; i++) {
        unsigned char *c = (unsigned char *)d->buf;
        c[0] = 0x1e;
        c[1] = 0x0f;
        for (int b = 0; b < 8; b++)
            c[2 + b] = (unsigned char)(id >> (56 - 8 * b));
        c[10] = (unsigned char)i;
        c[11] = (unsigned char)count;
        size_t off = i * part;
        size_t n = len - off < part ? len - off : part;
        memcpy(d->buf + GELF_CHUNK_HDR, rec + off, n);
        if (!net_send_all(d->peer.fd, d->buf, GELF_CHUNK_HDR + n, err, errlen))
            return false;
    }
    return true;
}

static bool gelf_send(void *ctx, char *const *recs, const size_t *lens, size_t n, size_t *skipped, char *err,
                      size_t errlen)
{
    struct dest *d = ctx;
    for (size_t i = 0; i < n; i++) {
        if (d->peer.type == SOCK_DGRAM) {
            if (!send_udp(d, recs[i], lens[i], skipped, err, errlen))
                return false;
        } else if (!net_send_all(d->peer.fd, recs[i], lens[i], err, errlen) ||
                   !net_send_all(d->peer.fd, "", 1, err, errlen))
            return false;
    }
    return true;
}

static dest *gelf_open(const char *url, bool append, char *err, size_t errlen)
{
    (void)append;
    size_t memcap;
    struct dest *d = dq_dest_new(sizeof(*d), url, parse_url, &memcap, err, errlen);
    if (!d)
        return NULL;
    d->buf = malloc(d->chunk_size);
    if (!d->buf) {
        free(d);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    /* message ids: unique per sender, so the time and pid seed them */
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    d->next_id = ((uint64_t)ts.tv_sec << 32) ^ ((uint64_t)ts.tv_nsec << 8) ^ (uint64_t)getpid();
    char name[640];
    snprintf(name, sizeof(name), "gelf %s %s:%d", d->peer.type == SOCK_STREAM ? "tcp" : "udp", d->peer.host,
             d->peer.port);
    dq_sink s = {d, gelf_connect, gelf_send, gelf_disconnect};
    d->q = dq_start(&s, name, memcap, err, errlen);
    if (!d->q) {
        free(d->buf);
        free(d);
        return NULL;
    }
    return d;
}

static bool gelf_close(dest *d, int *e)
{
    (void)e;
    dq_stop(d->q);
    net_peer_close(&d->peer);
    free(d->buf);
    free(d);
    return true;
}

const dest_ops dest_gelf = {gelf_open, dq_dest_write, dq_dest_flush, NULL, gelf_close, dq_dest_drain, dq_dest_dropped};
