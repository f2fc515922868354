#include "workers.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../protocols/reader.h"
#include "decode.h"

#define RING_BYTES (4u << 20)
#define MAX_FRAME 262144u /* bytes of a frame kept (larger captures are cut) */

typedef struct ring_hdr {
    uint64_t ts;
    uint64_t no; /* the frame's number in the input */
    uint32_t caplen, wirelen;
    int32_t linktype;
    uint32_t is_ref; /* the frame is not in the ring: a rec_ref follows */
} ring_hdr;

typedef struct rec_ref {
    const uint8_t *data;
    uint64_t end_off;
} rec_ref;

typedef struct worker {
    pthread_t thread;
    pw_options opts; /* the run's, with this worker's share of the caps */
    pipeline *pl;
    uint8_t *ring;
    uint8_t *frame; /* a frame that wraps around the end of the ring, put together */
    /* Reader and worker each publish their position once per batch, and on
     * separate cache lines: a store per frame to a shared line cost more than
     * the frame's processing. */
    _Alignas(64) uint64_t wpos; /* the reader's: bytes written */
    uint32_t unpublished;       /* records written since head was last stored */
    _Alignas(64) _Atomic uint64_t head; /* bytes written and visible to the worker */
    _Alignas(64) _Atomic uint64_t tail; /* bytes consumed, by the worker */
    _Atomic uint64_t consumed_off;      /* end_off of the last referenced frame processed */
    _Atomic int done;
} worker;

struct worker_pool {
    int n;
    uint64_t handed; /* frames handed out so far */
    worker *w;
    bool finished;
};

static size_t rec_size(uint32_t caplen) { return sizeof(ring_hdr) + (((size_t)caplen + 7) & ~(size_t)7); }

static void nap(void)
{
    struct timespec ts = {0, 20000};
    nanosleep(&ts, NULL);
}

/* Copies len bytes into the ring at position pos, wrapping. */
static void ring_put(uint8_t *ring, uint64_t pos, const void *src, size_t len)
{
    size_t off = (size_t)(pos % RING_BYTES);
    size_t first = len < RING_BYTES - off ? len : RING_BYTES - off;
    memcpy(ring + off, src, first);
    memcpy(ring, (const uint8_t *)src + first, len - first);
}

static void ring_get(const uint8_t *ring, uint64_t pos, void *dst, size_t len)
{
    size_t off = (size_t)(pos % RING_BYTES);
    size_t first = len < RING_BYTES - off ? len : RING_BYTES - off;
    memcpy(dst, ring + off, first);
    memcpy((uint8_t *)dst + first, ring, len - first);
}

static void publish(worker *w)
{
    if (w->unpublished) {
        atomic_store_explicit(&w->head, w->wpos, memory_order_release);
        w->unpublished = 0;
    }
}

/* Room for need bytes in w's ring: the position to write them at. */
static uint64_t reserve(worker *w, size_t need)
{
    while (w->wpos + need - atomic_load_explicit(&w->tail, memory_order_acquire) > RING_BYTES) {
        publish(w); /* the worker may be waiting for what is written but not yet visible */
        sched_yield();
    }
    return w->wpos;
}

static void commit(worker *w, uint64_t end)
{
    w->wpos = end;
    if (++w->unpublished >= 32)
        publish(w);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    uint8_t *frame = w->frame;
    uint64_t tail = atomic_load_explicit(&w->tail, memory_order_relaxed);
    uint64_t consumed = 0;
    unsigned batch = 0;
    for (;;) {
        uint64_t head = atomic_load_explicit(&w->head, memory_order_acquire);
        if (tail == head || batch >= 64) {
            if (batch) {
                atomic_store_explicit(&w->consumed_off, consumed, memory_order_release);
                atomic_store_explicit(&w->tail, tail, memory_order_release);
                batch = 0;
            }
            if (tail != head)
                continue;
            if (atomic_load_explicit(&w->done, memory_order_acquire) &&
                atomic_load_explicit(&w->head, memory_order_acquire) == tail)
                break;
            nap();
            continue;
        }
        batch++;
        ring_hdr h;
        ring_get(w->ring, tail, &h, sizeof(h));
        if (h.is_ref) {
            rec_ref ref;
            ring_get(w->ring, tail + sizeof(h), &ref, sizeof(ref));
            pipeline_number_next(w->pl, h.no);
            pipeline_packet(w->pl, h.linktype, h.ts, ref.data, h.caplen, h.wirelen);
            consumed = ref.end_off;
            tail += sizeof(h) + sizeof(ref);
            continue;
        }
        const uint8_t *data;
        size_t off = (size_t)((tail + sizeof(h)) % RING_BYTES);
        if (off + h.caplen <= RING_BYTES) {
            data = w->ring + off; /* contiguous: no copy */
        } else {
            ring_get(w->ring, tail + sizeof(h), frame, h.caplen);
            data = frame;
        }
        pipeline_number_next(w->pl, h.no);
        pipeline_packet(w->pl, h.linktype, h.ts, data, h.caplen, h.wirelen);
        tail += rec_size(h.caplen);
    }
    return NULL;
}

worker_pool *worker_pool_new(int n, const pw_options *o, const sigma_ruleset *const *rules, pw_output *out,
                             summary *sum)
{
    worker_pool *wp = calloc(1, sizeof(*wp));
    if (!wp)
        return NULL;
    wp->w = calloc((size_t)n, sizeof(worker));
    if (!wp->w) {
        free(wp);
        return NULL;
    }
    for (int i = 0; i < n; i++) {
        worker *w = &wp->w[i];
        w->ring = malloc(RING_BYTES);
        /* Memory is had here, before any thread starts, so that a shortage
         * is one clean failure of the start rather than a worker's abort. */
        w->frame = i > 0 ? malloc(MAX_FRAME + 8) : NULL;
        w->opts = *o;
        pw_options_for_worker(&w->opts, n);
        w->pl = pipeline_new(&w->opts, rules[i], out);
        if (!w->ring || !w->pl || (i > 0 && !w->frame)) {
            free(w->ring);
            free(w->frame);
            pipeline_free(w->pl);
            break;
        }
        if (sum)
            pipeline_add_observer(w->pl, summary_observer(sum));
        /* worker 0 is the reading thread itself: N workers use N threads */
        if (i > 0 && pthread_create(&w->thread, NULL, worker_main, w) != 0) {
            free(w->ring);
            free(w->frame);
            pipeline_free(w->pl);
            break;
        }
        wp->n++;
    }
    if (wp->n != n) {
        wp->finished = false;
        worker_pool_finish(wp);
        worker_pool_free(wp);
        return NULL;
    }
    return wp;
}

unsigned worker_hash_addrs(int ipver, const uint8_t *a, const uint8_t *b, unsigned n)
{
    if (n <= 1)
        return 0;
    size_t alen = ipver == 6 ? 16 : 4;
    /* Symmetric: the sum of the two address hashes does not depend on direction. */
    uint32_t ha = 2166136261u, hb = 2166136261u;
    for (size_t i = 0; i < alen; i++) {
        ha = (ha ^ a[i]) * 16777619u;
        hb = (hb ^ b[i]) * 16777619u;
    }
    uint32_t h = ha + hb;
    h ^= h >> 16;
    h *= 0x45d9f3bu;
    h ^= h >> 16;
    return h % n;
}

/* The link layer peeled as decode peels it, then the IP addresses. */
unsigned worker_hash(int linktype, const uint8_t *data, uint32_t caplen, unsigned n)
{
    if (n <= 1)
        return 0;
    link_info li;
    if (decode_link(linktype, data, caplen, &li) != LINK_OK)
        return 0;
    rd_t r = rd_make(data + li.off, caplen - li.off);
    const uint8_t *a, *b;
    if (li.ipver == 4) {
        rd_skip(&r, 12);
        a = rd_bytes(&r, 4);
        b = rd_bytes(&r, 4);
    } else {
        rd_skip(&r, 8);
        a = rd_bytes(&r, 16);
        b = rd_bytes(&r, 16);
    }
    if (!rd_ok(&r))
        return 0;
    return worker_hash_addrs(li.ipver, a, b, n);
}

/* The worker that owns the frame; NULL when that is worker 0, the reading
 * thread, which has then processed the frame already. */
static worker *route(worker_pool *wp, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen)
{
    unsigned k = worker_hash(linktype, data, caplen, (unsigned)wp->n);
    ++wp->handed;
    if (k > 0)
        return &wp->w[k];
    pipeline_number_next(wp->w[0].pl, wp->handed);
    pipeline_packet(wp->w[0].pl, linktype, ts_usec, data, caplen, wirelen);
    return NULL;
}

void worker_pool_packet(worker_pool *wp, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                        uint32_t wirelen)
{
    if (caplen > MAX_FRAME)
        caplen = MAX_FRAME;
    worker *w = route(wp, linktype, ts_usec, data, caplen, wirelen);
    if (!w)
        return;
    size_t need = rec_size(caplen);
    uint64_t head = reserve(w, need);
    ring_hdr h = {ts_usec, wp->handed, caplen, wirelen, linktype, 0};
    ring_put(w->ring, head, &h, sizeof(h));
    ring_put(w->ring, head + sizeof(h), data, caplen);
    commit(w, head + need);
}

void worker_pool_packet_ref(worker_pool *wp, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                            uint32_t wirelen, uint64_t end_off)
{
    worker *w = route(wp, linktype, ts_usec, data, caplen, wirelen);
    if (!w)
        return;
    ring_hdr h = {ts_usec, wp->handed, caplen, wirelen, linktype, 1};
    rec_ref ref = {data, end_off};
    size_t need = sizeof(h) + sizeof(ref);
    uint64_t head = reserve(w, need);
    ring_put(w->ring, head, &h, sizeof(h));
    ring_put(w->ring, head + sizeof(h), &ref, sizeof(ref));
    commit(w, head + need);
}

uint64_t worker_pool_consumed(worker_pool *wp, uint64_t read_off)
{
    uint64_t low = read_off;
    for (int i = 0; i < wp->n; i++) {
        worker *w = &wp->w[i];
        publish(w);
        /* tail first: a worker seen idle after it has processed everything handed to it */
        uint64_t tail = atomic_load_explicit(&w->tail, memory_order_acquire);
        uint64_t head = atomic_load_explicit(&w->head, memory_order_acquire);
        if (tail == head)
            continue;
        uint64_t c = atomic_load_explicit(&w->consumed_off, memory_order_acquire);
        if (c < low)
            low = c;
    }
    return low;
}

void worker_pool_wait(void) { nap(); }

void worker_pool_drain(worker_pool *wp)
{
    for (int i = 0; i < wp->n; i++) {
        worker *w = &wp->w[i];
        publish(w);
        while (atomic_load_explicit(&w->tail, memory_order_acquire) !=
               atomic_load_explicit(&w->head, memory_order_acquire))
            nap();
    }
}

void worker_pool_finish(worker_pool *wp)
{
    if (wp->finished)
        return;
    wp->finished = true;
    for (int i = 0; i < wp->n; i++) {
        publish(&wp->w[i]);
        atomic_store_explicit(&wp->w[i].done, 1, memory_order_release);
    }
    for (int i = 0; i < wp->n; i++) {
        if (i > 0)
            pthread_join(wp->w[i].thread, NULL);
        pipeline_finish(wp->w[i].pl);
    }
}

void worker_pool_counters(const worker_pool *wp, pw_counters *c)
{
    for (int i = 0; i < wp->n; i++)
        pipeline_counters(wp->w[i].pl, c);
}

uint64_t worker_pool_first_ts(const worker_pool *wp)
{
    uint64_t t = 0;
    for (int i = 0; i < wp->n; i++) {
        uint64_t f = pipeline_first_ts(wp->w[i].pl);
        if (f && (!t || f < t))
            t = f;
    }
    return t;
}

uint64_t worker_pool_now(const worker_pool *wp)
{
    uint64_t t = 0;
    for (int i = 0; i < wp->n; i++) {
        uint64_t f = pipeline_now(wp->w[i].pl);
        if (f > t)
            t = f;
    }
    return t;
}

void worker_pool_free(worker_pool *wp)
{
    if (!wp)
        return;
    for (int i = 0; i < wp->n; i++) {
        pipeline_free(wp->w[i].pl);
        free(wp->w[i].ring);
        free(wp->w[i].frame);
    }
    free(wp->w);
    free(wp);
}
