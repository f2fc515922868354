/* The queue of a network destination: records are handed over without
 * waiting (capture never blocks on the network) and a writer thread of the
 * destination sends them, connecting, reconnecting with backoff while the
 * far end is away. The queue is bounded (memcap bytes): a record that does
 * not fit is counted as dropped, never lost without a count. A batch is
 * taken out of the queue only once the sink has sent all of it; a batch that
 * fails is sent again after the reconnect (a record may then arrive twice,
 * never not at all). */
#ifndef PW_DEST_QUEUE_H
#define PW_DEST_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DQ_DEFAULT_MEMCAP (16u << 20)
#define DQ_BATCH 256

/* What a destination's writer thread does; all three run on that thread. */
typedef struct dq_sink {
    void *ctx;
    /* Connects; false with a reason in err. */
    bool (*connect)(void *ctx, char *err, size_t errlen);
    /* Sends n records (all of them, or false with a reason in err). A record
     * the far end can never take (too large for a datagram) is left out and
     * counted in *skipped: the queue counts it as dropped. */
    bool (*send)(void *ctx, char *const *recs, const size_t *lens, size_t n, size_t *skipped, char *err,
                 size_t errlen);
    void (*disconnect)(void *ctx);
} dq_sink;

typedef struct dest_queue dest_queue;

/* name: for messages ("redis 127.0.0.1:6379"). The sink is copied. */
dest_queue *dq_start(const dq_sink *sink, const char *name, size_t memcap, char *err, size_t errlen);
/* Queues a copy of one record; false (and counted) when it does not fit. */
bool dq_put(dest_queue *q, const char *rec, size_t len);
/* Waits until the queue is empty, at most timeout_ms; what is left then is
 * counted as dropped and discarded. */
void dq_drain(dest_queue *q, unsigned timeout_ms);
uint64_t dq_dropped(dest_queue *q);
uint64_t dq_sent(dest_queue *q);
/* Stops the thread and frees the queue (what is left counted as dropped). */
void dq_stop(dest_queue *q);

/* The start of a queued destination's open: a zeroed struct dest of size
 * bytes, its URL read by parse (which sets *memcap, 0 for the default). NULL,
 * with the reason in err, when either fails. */
typedef bool (*dq_url_parser)(void *d, const char *url, size_t *memcap, char *err, size_t errlen);
void *dq_dest_new(size_t size, const char *url, dq_url_parser parse, size_t *memcap, char *err, size_t errlen);

/* The dest_ops members of a queued destination that only hand records to its
 * queue. Such a destination's struct dest begins with its dest_queue *. */
struct dest;
bool dq_dest_write(struct dest *d, const char *rec, size_t len, int *e);
bool dq_dest_flush(struct dest *d, int *e);
void dq_dest_drain(struct dest *d);
uint64_t dq_dest_dropped(struct dest *d);

#endif
