/* Offline replay on several cores: the reading thread hashes each frame by
 * its IP addresses (both directions and every fragment of a flow land on the
 * same worker), runs worker 0's pipeline itself and hands the other frames to
 * their worker's thread through its ring (a copy, or a reference into a held
 * capture file); each worker runs its own pipeline. Events keep their order within a flow; across flows they
 * interleave as the workers go. */
#ifndef PW_WORKERS_H
#define PW_WORKERS_H

#include <stdbool.h>
#include <stdint.h>

#include "../detect/sigma.h"
#include "output.h"
#include "options.h"
#include "pipeline.h"
#include "summary.h"

typedef struct worker_pool worker_pool;

/* rules[i] is worker i's own ruleset (a ruleset is matched by one thread only). */
worker_pool *worker_pool_new(int n, const pw_options *o, const sigma_ruleset *const *rules, pw_output *out,
                             summary *sum);
/* Hands one frame to the worker that owns its flow (blocks while that worker's ring is full). */
void worker_pool_packet(worker_pool *wp, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                        uint32_t wirelen);
/* The same for a frame whose bytes stay valid until the workers are done
 * with them (a held, memory-mapped capture file): only a reference goes
 * through the ring. end_off is the file offset just past the frame. */
void worker_pool_packet_ref(worker_pool *wp, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                            uint32_t wirelen, uint64_t end_off);
/* The file offset below which every referenced frame has been processed
 * (read_off: how far the reader has handed frames out). */
uint64_t worker_pool_consumed(worker_pool *wp, uint64_t read_off);
/* A short sleep while waiting for the workers. */
void worker_pool_wait(void);
/* Waits until every frame handed out so far has been processed. */
void worker_pool_drain(worker_pool *wp);
/* Waits for the workers to drain their rings, flushes every flow, stops the threads. */
void worker_pool_finish(worker_pool *wp);
void worker_pool_counters(const worker_pool *wp, pw_counters *c);
uint64_t worker_pool_first_ts(const worker_pool *wp);
uint64_t worker_pool_now(const worker_pool *wp);
void worker_pool_free(worker_pool *wp);

/* The worker index of a frame: a symmetric hash of its IP addresses, found
 * with the link-layer peel decode uses (decode_link). */
unsigned worker_hash(int linktype, const uint8_t *data, uint32_t caplen, unsigned n);
/* The same hash of two addresses (4 bytes each for IPv4, 16 for IPv6). */
unsigned worker_hash_addrs(int ipver, const uint8_t *a, const uint8_t *b, unsigned n);

#endif
