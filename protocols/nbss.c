#include "nbss.h"

#include <stdlib.h>
#include <string.h>

enum { ST_HDR = 0, ST_BODY, ST_SKIP, ST_RESYNC };

#define NBSS_MAX_LEN 0x00FFFFFFu

void nbss_init(nbss_framer *f, size_t max_pdu_buffer, nbss_pdu_fn on_pdu, void *ctx)
{
    memset(f, 0, sizeof(*f));
    /* the head of every message must fit, whatever the configuration says */
    f->max_pdu_buffer = max_pdu_buffer < NBSS_HEAD_KEEP ? NBSS_HEAD_KEEP : max_pdu_buffer;
    f->on_pdu = on_pdu;
    f->ctx = ctx;
    f->state = ST_HDR;
}

void nbss_set_budget(nbss_framer *f, size_t *used, size_t cap)
{
    /* what is already buffered moves to the new budget */
    if (f->mem_used)
        *f->mem_used -= f->buf_cap;
    f->mem_used = used;
    f->mem_cap = cap;
    if (used)
        *used += f->buf_cap;
}

void nbss_release(nbss_framer *f)
{
    if (f->mem_used)
        *f->mem_used -= f->buf_cap;
    free(f->buf);
    f->buf = NULL;
    f->buf_cap = f->buf_len = 0;
}

int nbss_check_header(const uint8_t *p, size_t n, int allow_control)
{
    if (n < 1)
        return -1;
    uint8_t type = p[0];
    if (type != NBSS_SESSION_MESSAGE) {
        if (!allow_control || type < NBSS_SESSION_REQUEST || type > NBSS_KEEPALIVE)
            return 0;
        if (n < 4)
            return -1;
        if (p[1] & 0xFE)
            return 0;
        uint32_t l = ((uint32_t)(p[1] & 1) << 16) | ((uint32_t)p[2] << 8) | p[3];
        switch (type) {
        case NBSS_SESSION_REQUEST:
            return l >= 4 && l <= 256;
        case NBSS_POSITIVE_RESPONSE:
        case NBSS_KEEPALIVE:
            return l == 0;
        case NBSS_NEGATIVE_RESPONSE:
            return l == 1;
        default:
            return l == 6;
        }
    }
    if (n < 8)
        return -1;
    uint32_t l = ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    if (p[5] != 'S' || p[6] != 'M' || p[7] != 'B')
        return 0;
    switch (p[4]) {
    case 0xFE:
        if (l < 64)
            return 0;
        if (n < 10)
            return -1;
        return p[8] == 64 && p[9] == 0; /* StructureSize of every SMB2 header */
    case 0xFF:
        return l >= 35;
    case 0xFD:
        return l >= 52;
    case 0xFC:
        return l >= 16;
    default:
        return 0;
    }
}

static int ensure_buf(nbss_framer *f, size_t need)
{
    if (need <= f->buf_cap)
        return 1;
    /* grow by doubling so a connection that only ever sees small messages
     * keeps a small buffer */
    size_t cap = f->buf_cap ? f->buf_cap : 1024;
    while (cap < need)
        cap *= 2;
    if (cap > f->max_pdu_buffer)
        cap = f->max_pdu_buffer;
    if (cap < need)
        return 0;
    if (f->mem_used && *f->mem_used + (cap - f->buf_cap) > f->mem_cap) {
        f->ctr.memcap_drops++;
        return 0;
    }
    uint8_t *nb = realloc(f->buf, cap);
    if (!nb)
        return 0;
    if (f->mem_used)
        *f->mem_used += cap - f->buf_cap;
    f->buf = nb;
    f->buf_cap = cap;
    return 1;
}

static void start_resync(nbss_framer *f, const uint8_t *carry, size_t n)
{
    f->state = ST_RESYNC;
    if (n > sizeof(f->rs))
        n = sizeof(f->rs);
    if (n)
        memmove(f->rs, carry, n);
    f->rs_len = (uint8_t)n;
    f->hb_len = 0;
    f->buf_len = 0;
}

/* Scans rs + data for a plausible header. Returns bytes of data consumed;
 * on success the header's first bytes sit in hb and the state is ST_HDR. */
static size_t resync_step(nbss_framer *f, const uint8_t *data, size_t len)
{
    size_t rl = f->rs_len;
    size_t total = rl + len;
    uint8_t win[10];
    for (size_t k = 0; k < total; k++) {
        /* fast path: a session message header starts with 0x00 */
        if (k >= rl) {
            const uint8_t *z = memchr(data + (k - rl), 0, len - (k - rl));
            if (!z) {
                f->ctr.bytes_skipped += total;
                f->rs_len = 0;
                return len;
            }
            k = rl + (size_t)(z - data);
        }
        /* the candidate header's first bytes, joined across rs and data */
        size_t w = 0;
        for (; w < sizeof(win) && k + w < total; w++)
            win[w] = k + w < rl ? f->rs[k + w] : data[k + w - rl];
        int ok = nbss_check_header(win, w, 0);
        if (ok < 0) {
            /* not decidable yet: carry what is left to the next chunk */
            f->ctr.bytes_skipped += k;
            memcpy(f->rs, win, w);
            f->rs_len = (uint8_t)w;
            return len;
        }
        if (ok > 0) {
            f->ctr.bytes_skipped += k;
            f->ctr.resyncs++;
            f->state = ST_HDR;
            f->hb_len = 0;
            if (k < rl) {
                memcpy(f->hb, f->rs + k, rl - k);
                f->hb_len = (uint8_t)(rl - k);
            }
            f->rs_len = 0;
            return k < rl ? 0 : k - rl;
        }
    }
    f->ctr.bytes_skipped += total;
    f->rs_len = 0;
    return len;
}

static uint32_t head_keep(const nbss_framer *f, const uint8_t *hdr)
{
    uint32_t l = ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
    return l <= f->max_pdu_buffer ? l : NBSS_HEAD_KEEP;
}

/* A header was accepted (hdr points at >= 4 valid bytes): set up the message. */
static void begin_message(nbss_framer *f, const uint8_t *hdr)
{
    uint8_t type = hdr[0];
    uint32_t l = ((uint32_t)hdr[1] << 16) | ((uint32_t)hdr[2] << 8) | hdr[3];
    f->msg_len = l;
    f->msg_got = 0;
    f->buf_len = 0;
    if (type != NBSS_SESSION_MESSAGE) {
        if (type == NBSS_KEEPALIVE)
            f->ctr.keepalives++;
        else
            f->ctr.control++;
        f->keep = 0;
    } else {
        f->ctr.messages++;
        f->keep = head_keep(f, hdr);
    }
}

static void deliver(nbss_framer *f, const uint8_t *p, size_t avail)
{
    if (avail < f->msg_len)
        f->ctr.truncated++;
    if (f->on_pdu)
        f->on_pdu(f->ctx, p, avail, f->msg_len);
}

/* After the head of a message is complete: deliver it and skip the rest. */
static void after_head(nbss_framer *f)
{
    uint64_t rest = (uint64_t)f->msg_len - f->msg_got;
    f->state = rest ? ST_SKIP : ST_HDR;
    f->skip_left = rest;
}

void nbss_feed(nbss_framer *f, const uint8_t *data, size_t len)
{
    size_t pos = 0;
    while (pos < len) {
        const uint8_t *p = data + pos;
        size_t avail = len - pos;
        switch (f->state) {
        case ST_RESYNC:
            pos += resync_step(f, p, avail);
            break;
        case ST_SKIP: {
            size_t n = f->skip_left < avail ? (size_t)f->skip_left : avail;
            f->skip_left -= n;
            if (f->keep)
                f->ctr.bytes_skipped += n;
            pos += n;
            if (f->skip_left == 0)
                f->state = ST_HDR;
            break;
        }
        case ST_HDR: {
            if (f->hb_len == 0) {
                int ok = nbss_check_header(p, avail, 1);
                if (ok == 0) {
                    f->ctr.bytes_skipped++;
                    start_resync(f, NULL, 0);
                    pos++;
                    break;
                }
                if (ok > 0 && (p[0] != NBSS_SESSION_MESSAGE || avail - 4 >= head_keep(f, p))) {
                    begin_message(f, p);
                    if (f->keep == 0) {
                        pos += 4;
                        after_head(f);
                        break;
                    }
                    /* the whole message, or the whole kept head, is in this
                     * chunk: hand it up without copying */
                    {
                        f->msg_got = f->keep;
                        deliver(f, p + 4, f->keep);
                        pos += 4 + f->keep;
                        after_head(f);
                        break;
                    }
                }
                /* fall through to collecting the header byte by byte */
            }
            size_t need = sizeof(f->hb);
            while (pos < len && f->hb_len < need) {
                f->hb[f->hb_len++] = data[pos++];
                int ok = nbss_check_header(f->hb, f->hb_len, 1);
                if (ok < 0)
                    continue;
                if (ok == 0) {
                    f->ctr.bytes_skipped++;
                    start_resync(f, f->hb + 1, f->hb_len - 1u);
                    break;
                }
                begin_message(f, f->hb);
                if (f->keep == 0) {
                    /* control messages are 4 bytes of header, then their body */
                    f->msg_got = f->hb_len - 4u;
                    f->hb_len = 0;
                    after_head(f);
                    break;
                }
                if (!ensure_buf(f, f->keep)) {
                    f->ctr.dropped++;
                    f->keep = 0;
                    f->msg_got = f->hb_len - 4u;
                    f->hb_len = 0;
                    after_head(f);
                    break;
                }
                memcpy(f->buf, f->hb + 4, f->hb_len - 4u);
                f->buf_len = f->msg_got = f->hb_len - 4u;
                f->hb_len = 0;
                f->state = ST_BODY;
                break;
            }
            break;
        }
        case ST_BODY: {
            size_t want = f->keep - f->buf_len;
            size_t n = want < avail ? want : avail;
            memcpy(f->buf + f->buf_len, p, n);
            f->buf_len += n;
            f->msg_got += (uint32_t)n;
            pos += n;
            if (f->buf_len == f->keep) {
                deliver(f, f->buf, f->buf_len);
                f->buf_len = 0;
                after_head(f);
            }
            break;
        }
        }
    }
}

void nbss_gap(nbss_framer *f, uint64_t len)
{
    if (len == 0)
        return;
    if (f->state == ST_SKIP && len <= f->skip_left) {
        f->skip_left -= len;
        if (f->skip_left == 0)
            f->state = ST_HDR;
        return;
    }
    if (f->state == ST_BODY) {
        uint64_t rest = (uint64_t)f->msg_len - f->msg_got;
        f->ctr.dropped++;
        f->buf_len = 0;
        if (len <= rest) {
            /* the lost bytes were inside this message: the next header is
             * still where the length said it would be */
            f->skip_left = rest - len;
            f->keep = 0;
            f->state = f->skip_left ? ST_SKIP : ST_HDR;
            return;
        }
    }
    start_resync(f, NULL, 0);
}
