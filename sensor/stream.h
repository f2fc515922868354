/* TCP reassembly, per direction: delivers in-order bytes to a callback,
 * holds out-of-order segments within a memcap, resolves overlaps as Windows
 * does (the data received first wins), drops retransmissions, and announces
 * holes as gaps instead of waiting forever. */
#ifndef PW_STREAM_H
#define PW_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct stream_seg stream_seg;

typedef struct tcp_dir {
    bool have_isn;       /* next_seq is known */
    bool fin_seen, rst_seen;
    uint32_t next_seq;   /* next byte expected in order */
    uint32_t held_bytes; /* bytes held out of order */
    uint32_t held_segs;
    stream_seg *held;    /* out-of-order segments, sorted by seq */
    stream_seg *held_tail; /* the last of them: where a stream with holes appends */
    uint64_t delivered;  /* bytes delivered in order */
    uint64_t gap_bytes;  /* bytes announced as lost */
} tcp_dir;

typedef struct tcp_stream {
    tcp_dir dir[2];
    bool syn_seen[2];
    bool closed;         /* FIN both ways or RST */
} tcp_stream;

typedef struct stream_config {
    size_t memcap;             /* bytes held out of order, all flows together (default 64 MiB) */
    uint32_t max_held_per_dir; /* bytes held out of order in one direction (default 256 KiB) */
    bool midstream;            /* pick up flows without a SYN (default true) */
} stream_config;

typedef struct stream_stats {
    uint64_t segments, in_order, out_of_order, retransmitted, overlaps, gaps, gap_bytes;
    uint64_t memcap_drops, held_bytes, peak_held_bytes;
} stream_stats;

/* Where in-order bytes go. */
typedef struct stream_sink {
    void (*data)(void *ctx, int dir, const uint8_t *data, size_t len);
    void (*gap)(void *ctx, int dir, uint64_t len);
    void *ctx;
} stream_sink;

typedef struct stream_engine stream_engine;

void stream_config_default(stream_config *c);
stream_engine *stream_engine_new(const stream_config *c);
void stream_engine_free(stream_engine *e);

/* Feeds one TCP segment of direction dir. Calls sink for bytes that are now in
 * order (possibly several times: the segment, then held segments it unblocks).
 * When the out-of-order holdings of a direction exceed the limits, the oldest
 * hole is declared a gap and delivery goes on after it. */
void stream_segment(stream_engine *e, tcp_stream *s, int dir, uint32_t seq, uint8_t flags,
                    const uint8_t *payload, uint32_t len, const stream_sink *sink);
/* End of flow: holes before held data become gaps, held data is delivered,
 * and held memory is freed. */
void stream_flush(stream_engine *e, tcp_stream *s, const stream_sink *sink);
/* Frees held segments without delivering them. */
void stream_release(stream_engine *e, tcp_stream *s);
const stream_stats *stream_engine_stats(const stream_engine *e);

#endif
