/* A bounded record queue with a writer thread (dest_queue.h). */
#include "dest_queue.h"

#include "dest_net.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct dq_rec {
    struct dq_rec *next;
    size_t len;
    char data[];
} dq_rec;

struct dest_queue {
    pthread_mutex_t lock;
    pthread_cond_t wake; /* records queued, or stop */
    pthread_cond_t idle; /* a send ended (the queue may be empty) */
    pthread_t thread;
    dq_sink sink;
    dq_rec *head, *tail;
    size_t bytes, memcap;
    bool stop;
    bool busy; /* the writer holds records taken from the head */
    uint64_t dropped, sent;
    char name[256];
};

static void add_ms(struct timespec *ts, unsigned ms)
{
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

/* Sleeps ms unless stopped first (lock held). */
static void nap(dest_queue *q, unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    add_ms(&ts, ms);
    while (!q->stop && pthread_cond_timedwait(&q->wake, &q->lock, &ts) != ETIMEDOUT)
        ;
}

static void *writer(void *arg)
{
    dest_queue *q = arg;
    bool connected = false, told_down = false;
    unsigned backoff = 50;
    char *recs[DQ_BATCH];
    size_t lens[DQ_BATCH];
    char why[256];
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->head && !q->stop)
            pthread_cond_wait(&q->wake, &q->lock);
        if (!q->head && q->stop)
            break;
        if (!connected) {
            pthread_mutex_unlock(&q->lock);
            why[0] = 0;
            connected = q->sink.connect(q->sink.ctx, why, sizeof(why));
            pthread_mutex_lock(&q->lock);
            if (!connected) {
                if (!told_down)
                    fprintf(stderr, "pipewatch: %s: %s; records are queued and sending is retried\n", q->name, why);
                told_down = true;
                if (q->stop)
                    break; /* dq_drain has given up; dq_stop counts what is left */
                nap(q, backoff);
                backoff = backoff * 2 > 2000 ? 2000 : backoff * 2;
                continue;
            }
            if (told_down)
                fprintf(stderr, "pipewatch: %s: connected again\n", q->name);
            told_down = false;
            backoff = 50;
        }
        /* Take a batch; the records stay in the queue until sent. */
        size_t n = 0;
        for (dq_rec *r = q->head; r && n < DQ_BATCH; r = r->next, n++) {
            recs[n] = r->data;
            lens[n] = r->len;
        }
        q->busy = true;
        pthread_mutex_unlock(&q->lock);
        why[0] = 0;
        size_t skipped = 0;
        bool ok = q->sink.send(q->sink.ctx, recs, lens, n, &skipped, why, sizeof(why));
        pthread_mutex_lock(&q->lock);
        q->busy = false;
        if (!ok) {
            pthread_cond_broadcast(&q->idle);
            fprintf(stderr, "pipewatch: %s: %s; reconnecting\n", q->name, why);
            told_down = true;
            pthread_mutex_unlock(&q->lock);
            q->sink.disconnect(q->sink.ctx);
            pthread_mutex_lock(&q->lock);
            connected = false;
            continue;
        }
        for (size_t i = 0; i < n && q->head; i++) {
            dq_rec *r = q->head;
            q->head = r->next;
            if (!q->head)
                q->tail = NULL;
            q->bytes -= r->len;
            free(r);
            q->sent++;
        }
        q->sent -= skipped;
        q->dropped += skipped;
        pthread_cond_broadcast(&q->idle);
    }
    pthread_mutex_unlock(&q->lock);
    if (connected)
        q->sink.disconnect(q->sink.ctx);
    return NULL;
}

dest_queue *dq_start(const dq_sink *sink, const char *name, size_t memcap, char *err, size_t errlen)
{
    dest_queue *q = calloc(1, sizeof(*q));
    if (!q) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    q->sink = *sink;
    q->memcap = memcap ? memcap : DQ_DEFAULT_MEMCAP;
    snprintf(q->name, sizeof(q->name), "%s", name);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->wake, NULL);
    pthread_cond_init(&q->idle, NULL);
    if (pthread_create(&q->thread, NULL, writer, q) != 0) {
        snprintf(err, errlen, "%s: cannot start the writer thread", name);
        pthread_mutex_destroy(&q->lock);
        pthread_cond_destroy(&q->wake);
        pthread_cond_destroy(&q->idle);
        free(q);
        return NULL;
    }
    return q;
}

bool dq_put(dest_queue *q, const char *rec, size_t len)
{
    pthread_mutex_lock(&q->lock);
    bool fits = q->bytes + len <= q->memcap;
    dq_rec *r = fits ? malloc(sizeof(*r) + len) : NULL;
    if (!r) {
        q->dropped++;
        pthread_mutex_unlock(&q->lock);
        return false;
    }
    r->next = NULL;
    r->len = len;
    memcpy(r->data, rec, len);
    if (q->tail)
        q->tail->next = r;
    else
        q->head = r;
    q->tail = r;
    q->bytes += len;
    pthread_cond_signal(&q->wake);
    pthread_mutex_unlock(&q->lock);
    return true;
}

/* Lock held, the writer not inside a send. */
static void discard_locked(dest_queue *q)
{
    while (q->head) {
        dq_rec *r = q->head;
        q->head = r->next;
        q->bytes -= r->len;
        q->dropped++;
        free(r);
    }
    q->tail = NULL;
}

void dq_drain(dest_queue *q, unsigned timeout_ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    add_ms(&ts, timeout_ms);
    pthread_mutex_lock(&q->lock);
    while (q->head && pthread_cond_timedwait(&q->idle, &q->lock, &ts) != ETIMEDOUT)
        ;
    while (q->head && q->busy) /* a send under way ends within its socket timeout */
        pthread_cond_wait(&q->idle, &q->lock);
    if (q->head)
        discard_locked(q);
    pthread_mutex_unlock(&q->lock);
}

uint64_t dq_dropped(dest_queue *q)
{
    pthread_mutex_lock(&q->lock);
    uint64_t n = q->dropped;
    pthread_mutex_unlock(&q->lock);
    return n;
}

uint64_t dq_sent(dest_queue *q)
{
    pthread_mutex_lock(&q->lock);
    uint64_t n = q->sent;
    pthread_mutex_unlock(&q->lock);
    return n;
}

void dq_stop(dest_queue *q)
{
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
    pthread_join(q->thread, NULL);
    discard_locked(q);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->wake);
    pthread_cond_destroy(&q->idle);
    free(q);
}

void *dq_dest_new(size_t size, const char *url, dq_url_parser parse, size_t *memcap, char *err, size_t errlen)
{
    void *d = calloc(1, size);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    *memcap = 0;
    if (!parse(d, url, memcap, err, errlen)) {
        free(d);
        return NULL;
    }
    return d;
}

/* The queue is the first member of a queued destination's struct dest. */
static dest_queue *queue_of(struct dest *d) { return *(dest_queue **)(void *)d; }

bool dq_dest_write(struct dest *d, const char *rec, size_t len, int *e)
{
    (void)e;
    dq_put(queue_of(d), rec, len); /* what does not fit is counted, not a fault */
    return true;
}

bool dq_dest_flush(struct dest *d, int *e)
{
    (void)d;
    (void)e;
    return true; /* the writer thread sends as records come */
}

void dq_dest_drain(struct dest *d) { dq_drain(queue_of(d), NET_DRAIN_MS); }
uint64_t dq_dest_dropped(struct dest *d) { return dq_dropped(queue_of(d)); }
