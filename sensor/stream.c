/* TCP reassembly per direction.
 *
 * The in-order case (segment at next_seq, nothing held) hands the packet's own
 * payload to the sink: no copy, no allocation. Only out-of-order data is
 * copied into malloc'd segments, accounted against the per-direction limit and
 * the engine-wide memcap, so held memory never exceeds either. */
#include "stream.h"

#include <stdlib.h>
#include <string.h>

/* A segment this far ahead of next_seq is not reordering but a lost sync. */
#define STREAM_FAR_AHEAD (1u << 30)

struct stream_seg {
    stream_seg *next;
    uint32_t seq, len;
    uint8_t data[];
};

struct stream_engine {
    stream_config cfg;
    stream_stats st;
};

/* Serial-number comparison (RFC 1982): correct across the 2^32 wrap. */
static inline int32_t seq_diff(uint32_t a, uint32_t b) { return (int32_t)(a - b); }

void stream_config_default(stream_config *c)
{
    c->memcap = 64u << 20;
    c->max_held_per_dir = 256u << 10;
    c->midstream = true;
}

stream_engine *stream_engine_new(const stream_config *c)
{
    stream_engine *e = calloc(1, sizeof(*e));
    if (!e)
        return NULL;
    if (c)
        e->cfg = *c;
    else
        stream_config_default(&e->cfg);
    return e;
}

void stream_engine_free(stream_engine *e) { free(e); }

const stream_stats *stream_engine_stats(const stream_engine *e) { return &e->st; }

static void emit(tcp_dir *d, int dir, const uint8_t *p, uint32_t len, const stream_sink *sink)
{
    d->next_seq += len;
    d->delivered += len;
    if (sink && sink->data)
        sink->data(sink->ctx, dir, p, len);
}

static void emit_gap(stream_engine *e, tcp_dir *d, int dir, uint32_t len, const stream_sink *sink)
{
    if (!len)
        return;
    d->next_seq += len;
    d->gap_bytes += len;
    e->st.gaps++;
    e->st.gap_bytes += len;
    if (sink && sink->gap)
        sink->gap(sink->ctx, dir, len);
}

static void seg_free(stream_engine *e, tcp_dir *d, stream_seg *h)
{
    d->held = h->next;
    if (!d->held)
        d->held_tail = NULL;
    d->held_bytes -= h->len;
    d->held_segs--;
    e->st.held_bytes -= h->len;
    free(h);
}

/* Delivers new in-order data [next_seq, next_seq+len) merged with held
 * segments; where both cover a byte the held copy, received first, wins. */
static void deliver(stream_engine *e, tcp_dir *d, int dir, const uint8_t *p, uint32_t len,
                    const stream_sink *sink)
{
    uint32_t cur_seq = d->next_seq;
    for (;;) {
        /* drop what of the new data is now behind next_seq */
        int32_t behind = seq_diff(d->next_seq, cur_seq);
        if (behind > 0) {
            if ((uint32_t)behind >= len) {
                len = 0;
            } else {
                p += behind;
                len -= (uint32_t)behind;
            }
            cur_seq = d->next_seq;
        }
        stream_seg *h = d->held;
        if (h && seq_diff(h->seq, d->next_seq) <= 0) {
            uint32_t skip = (uint32_t)seq_diff(d->next_seq, h->seq);
            if (skip < h->len) {
                if (len)
                    e->st.overlaps++;
                emit(d, dir, h->data + skip, h->len - skip, sink);
            }
            seg_free(e, d, h);
            continue;
        }
        if (!len)
            return;
        uint32_t n = len;
        if (h && (uint32_t)seq_diff(h->seq, d->next_seq) < n)
            n = (uint32_t)seq_diff(h->seq, d->next_seq);
        emit(d, dir, p, n, sink);
        p += n;
        len -= n;
        cur_seq += n;
    }
}

/* Declares the hole before the first held segment lost and delivers what
 * then follows in order. */
static void skip_first_hole(stream_engine *e, tcp_dir *d, int dir, const stream_sink *sink)
{
    stream_seg *h = d->held;
    if (!h)
        return;
    int32_t hole = seq_diff(h->seq, d->next_seq);
    if (hole > 0)
        emit_gap(e, d, dir, (uint32_t)hole, sink);
    deliver(e, d, dir, NULL, 0, sink);
}

static bool hold_piece(stream_engine *e, tcp_dir *d, stream_seg **link, uint32_t seq, const uint8_t *p,
                       uint32_t len)
{
    stream_seg *s = malloc(sizeof(*s) + len);
    if (!s)
        return false;
    s->seq = seq;
    s->len = len;
    memcpy(s->data, p, len);
    s->next = *link;
    *link = s;
    if (!s->next)
        d->held_tail = s;
    d->held_bytes += len;
    d->held_segs++;
    e->st.held_bytes += len;
    if (e->st.held_bytes > e->st.peak_held_bytes)
        e->st.peak_held_bytes = e->st.held_bytes;
    return true;
}

/* Inserts the parts of [seq, seq+len) not already held, keeping the list
 * sorted. Returns the bytes actually stored. */
static uint32_t hold(stream_engine *e, tcp_dir *d, uint32_t seq, const uint8_t *p, uint32_t len)
{
    /* A lossy stream's segments arrive in order after its first hole: they
     * go after the last one held without walking the list (which would make
     * a stream with a hole every few bytes cost quadratic time). */
    stream_seg *t = d->held_tail;
    if (t && seq_diff(seq, t->seq + t->len) >= 0)
        return hold_piece(e, d, &t->next, seq, p, len) ? len : 0;
    stream_seg **link = &d->held;
    uint32_t stored = 0;
    while (len) {
        stream_seg *h = *link;
        if (!h || seq_diff(seq + len, h->seq) <= 0) {
            if (hold_piece(e, d, link, seq, p, len))
                stored += len;
            return stored;
        }
        uint32_t hend = h->seq + h->len;
        if (seq_diff(seq, h->seq) < 0) {
            uint32_t n = (uint32_t)seq_diff(h->seq, seq);
            if (hold_piece(e, d, link, seq, p, n)) {
                stored += n;
                link = &(*link)->next;
            }
            seq += n;
            p += n;
            len -= n;
        }
        if (seq_diff(seq, hend) < 0) {
            uint32_t cover = (uint32_t)seq_diff(hend, seq);
            if (cover >= len)
                return stored;
            seq += cover;
            p += cover;
            len -= cover;
        }
        link = &(*link)->next;
    }
    return stored;
}

void stream_segment(stream_engine *e, tcp_stream *s, int dir, uint32_t seq, uint8_t flags,
                    const uint8_t *payload, uint32_t len, const stream_sink *sink)
{
    tcp_dir *d = &s->dir[dir & 1];
    dir &= 1;
    e->st.segments++;
    if (flags & 0x02) {
        s->syn_seen[dir] = true;
        if (!d->have_isn || (!d->delivered && !d->held && !d->gap_bytes)) {
            d->have_isn = true;
            d->next_seq = seq + 1;
        }
        seq++; /* data on a SYN starts after the SYN's sequence number */
    }
    if (flags & 0x04) {
        /* data on a RST is a diagnostic text, not part of the stream */
        d->rst_seen = true;
        s->closed = true;
        return;
    }
    if (flags & 0x01) {
        d->fin_seen = true;
        if (s->dir[dir ^ 1].fin_seen)
            s->closed = true;
    }
    if (!len)
        return;
    if (!d->have_isn) {
        if (!e->cfg.midstream)
            return;
        d->have_isn = true;
        d->next_seq = seq;
    }
    for (;;) {
        int32_t ahead = seq_diff(seq, d->next_seq);
        if (ahead <= 0) {
            uint32_t behind = d->next_seq - seq; /* -ahead, also for ahead == INT32_MIN */
            if (behind >= len) {
                e->st.retransmitted++;
                return;
            }
            if (behind) {
                e->st.overlaps++;
                payload += behind;
                len -= behind;
            }
            if (d->held)
                e->st.out_of_order++;
            else
                e->st.in_order++;
            deliver(e, d, dir, payload, len, sink);
            return;
        }
        if ((uint32_t)ahead > STREAM_FAR_AHEAD) {
            while (d->held)
                skip_first_hole(e, d, dir, sink);
            if (seq_diff(seq, d->next_seq) > 0)
                emit_gap(e, d, dir, (uint32_t)seq_diff(seq, d->next_seq), sink);
            continue;
        }
        bool dir_full = (uint64_t)d->held_bytes + len > e->cfg.max_held_per_dir;
        bool cap_full = e->st.held_bytes + len > e->cfg.memcap;
        if (!dir_full && !cap_full) {
            uint32_t stored = hold(e, d, seq, payload, len);
            if (!stored) {
                e->st.retransmitted++;
            } else {
                e->st.out_of_order++;
                if (stored < len)
                    e->st.overlaps++;
            }
            return;
        }
        if (cap_full && !dir_full)
            e->st.memcap_drops++;
        if (d->held) {
            skip_first_hole(e, d, dir, sink);
        } else {
            /* nothing to give back: the hole up to this segment is lost */
            emit_gap(e, d, dir, (uint32_t)ahead, sink);
        }
    }
}

void stream_flush(stream_engine *e, tcp_stream *s, const stream_sink *sink)
{
    for (int dir = 0; dir < 2; dir++) {
        while (s->dir[dir].held)
            skip_first_hole(e, &s->dir[dir], dir, sink);
    }
}

void stream_release(stream_engine *e, tcp_stream *s)
{
    for (int dir = 0; dir < 2; dir++) {
        while (s->dir[dir].held)
            seg_free(e, &s->dir[dir], s->dir[dir].held);
    }
}
