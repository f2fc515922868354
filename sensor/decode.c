/* Link, network and transport decoding. Every header read goes through rd_t.
 *
 * IPv4 fragments are reassembled in a fixed set of contexts allocated up
 * front; a datagram is limited to 65535 bytes, so each context owns a 64 KiB
 * buffer and a one-bit-per-byte map of what arrived (the first copy of a byte
 * wins, as on Windows). IPv6 fragments are counted in ipv6_frags and skipped,
 * first fragment included: handing a partial TCP segment to reassembly would
 * corrupt the byte stream worse than a clean gap. */
#include "decode.h"

#include <stdlib.h>
#include <string.h>

#include "../protocols/reader.h"

#define FRAG_CTX_COUNT 16
#define IP_MAX_DATA 65535u /* largest IPv4 payload offset + length */
#define IPV6_MAX_EXT 8

typedef struct frag_ctx {
    bool used;
    uint8_t proto;
    uint16_t id;
    uint8_t src[4], dst[4];
    uint64_t first_ts;
    uint32_t total_len; /* data length, known once the last fragment arrived */
    uint32_t received;  /* distinct data bytes held */
    uint32_t nfrags;
    bool have_last;
    uint8_t *data; /* IP_MAX_DATA bytes */
    uint8_t *map;  /* one bit per data byte */
} frag_ctx;

struct decoder {
    decode_stats st;
    size_t frag_memcap, frag_held;
    uint64_t frag_timeout;
    frag_ctx frags[FRAG_CTX_COUNT];
    uint8_t *out; /* the last reassembled datagram's data */
};

decoder *decoder_new(size_t frag_memcap, uint64_t frag_timeout_usec)
{
    decoder *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    d->frag_memcap = frag_memcap;
    d->frag_timeout = frag_timeout_usec;
    d->out = malloc(IP_MAX_DATA);
    bool ok = d->out != NULL;
    for (int i = 0; ok && i < FRAG_CTX_COUNT; i++) {
        d->frags[i].data = malloc(IP_MAX_DATA);
        d->frags[i].map = malloc((IP_MAX_DATA + 7) / 8);
        ok = d->frags[i].data && d->frags[i].map;
    }
    if (!ok) {
        decoder_free(d);
        return NULL;
    }
    return d;
}

void decoder_free(decoder *d)
{
    if (!d)
        return;
    for (int i = 0; i < FRAG_CTX_COUNT; i++) {
        free(d->frags[i].data);
        free(d->frags[i].map);
    }
    free(d->out);
    free(d);
}

const decode_stats *decoder_stats(const decoder *d) { return &d->st; }

bool decode_linktype_supported(int linktype)
{
    switch (linktype) {
    case 0:
    case 1:
    case 12:
    case 14:
    case 101:
    case 108:
    case 113:
    case 228:
    case 229:
    case 276:
        return true;
    default:
        return false;
    }
}

static decode_result decode_l4(decoder *d, uint8_t proto, const uint8_t *p, uint32_t avail, uint32_t wire,
                               decoded_pkt *out)
{
    rd_t r = rd_make(p, avail);
    out->proto = proto;
    if (proto == 6) {
        out->sport = rd_be16(&r);
        out->dport = rd_be16(&r);
        out->seq = rd_be32(&r);
        out->ack = rd_be32(&r);
        uint32_t doff = (uint32_t)(rd_u8(&r) >> 4) * 4;
        out->tcp_flags = rd_u8(&r);
        if (!rd_ok(&r)) {
            d->st.truncated++;
            return DECODE_TRUNCATED;
        }
        if (doff < 20 || doff > wire) {
            d->st.malformed++;
            return DECODE_MALFORMED;
        }
        if (!rd_seek(&r, doff)) {
            d->st.truncated++;
            return DECODE_TRUNCATED;
        }
        d->st.tcp++;
        out->payload = p + doff;
        out->payload_len = avail - doff;
        out->payload_wire_len = wire - doff;
        return DECODE_OK;
    }
    if (proto == 17) {
        out->sport = rd_be16(&r);
        out->dport = rd_be16(&r);
        uint16_t ulen = rd_be16(&r);
        rd_skip(&r, 2);
        if (!rd_ok(&r)) {
            d->st.truncated++;
            return DECODE_TRUNCATED;
        }
        if (ulen < 8 || ulen > wire) {
            /* a zero length is legal for UDP jumbograms only; take the IP length then */
            if (ulen != 0 || wire < 8) {
                d->st.malformed++;
                return DECODE_MALFORMED;
            }
            ulen = (uint16_t)(wire > 0xffff ? 0xffff : wire);
        }
        d->st.udp++;
        out->payload = p + 8;
        out->payload_wire_len = (uint32_t)ulen - 8;
        out->payload_len = avail - 8 < out->payload_wire_len ? avail - 8 : out->payload_wire_len;
        return DECODE_OK;
    }
    d->st.other_l4++;
    out->payload = p;
    out->payload_len = avail;
    out->payload_wire_len = wire;
    return DECODE_OK;
}

static void frag_drop(decoder *d, frag_ctx *c)
{
    d->st.frags_dropped += c->nfrags;
    d->frag_held -= c->received;
    c->used = false;
}

static void frag_expire(decoder *d, uint64_t now)
{
    for (int i = 0; i < FRAG_CTX_COUNT; i++) {
        frag_ctx *c = &d->frags[i];
        if (c->used && now > c->first_ts && now - c->first_ts > d->frag_timeout)
            frag_drop(d, c);
    }
}

/* Adds one fragment's data; returns the reassembled data length, or 0 while
 * incomplete (or dropped). */
static uint32_t frag_add(decoder *d, const uint8_t *iph, uint32_t off, bool more, const uint8_t *data,
                         uint32_t len, uint64_t ts)
{
    uint8_t proto = iph[9];
    uint16_t id = (uint16_t)((iph[4] << 8) | iph[5]);
    frag_expire(d, ts);
    if (off + len > IP_MAX_DATA || (more && (len == 0 || (len & 7)))) {
        d->st.malformed++;
        d->st.frags_dropped++;
        return 0;
    }
    frag_ctx *c = NULL, *free_c = NULL, *oldest = NULL;
    for (int i = 0; i < FRAG_CTX_COUNT; i++) {
        frag_ctx *x = &d->frags[i];
        if (!x->used) {
            if (!free_c)
                free_c = x;
            continue;
        }
        if (x->id == id && x->proto == proto && !memcmp(x->src, iph + 12, 4) &&
            !memcmp(x->dst, iph + 16, 4)) {
            c = x;
            break;
        }
        if (!oldest || x->first_ts < oldest->first_ts)
            oldest = x;
    }
    if (!c) {
        if (!free_c) {
            /* all contexts busy: the oldest incomplete datagram is the least likely to finish */
            frag_drop(d, oldest);
            free_c = oldest;
        }
        c = free_c;
        c->used = true;
        c->proto = proto;
        c->id = id;
        memcpy(c->src, iph + 12, 4);
        memcpy(c->dst, iph + 16, 4);
        c->first_ts = ts;
        c->total_len = 0;
        c->received = 0;
        c->nfrags = 0;
        c->have_last = false;
        memset(c->map, 0, (IP_MAX_DATA + 7) / 8);
    }
    if (!more) {
        if (c->have_last ? c->total_len != off + len : (c->received && off + len < c->total_len)) {
            d->st.malformed++;
            frag_drop(d, c);
            d->st.frags_dropped++;
            return 0;
        }
        c->have_last = true;
        c->total_len = off + len;
    } else if (c->have_last && off + len > c->total_len) {
        d->st.malformed++;
        frag_drop(d, c);
        d->st.frags_dropped++;
        return 0;
    }
    uint32_t fresh = 0;
    for (uint32_t i = off; i < off + len; i++)
        fresh += !(c->map[i >> 3] & (1u << (i & 7)));
    if (d->frag_held + fresh > d->frag_memcap) {
        frag_drop(d, c);
        d->st.frags_dropped++;
        return 0;
    }
    for (uint32_t i = off; i < off + len; i++) {
        if (!(c->map[i >> 3] & (1u << (i & 7)))) {
            c->map[i >> 3] |= (uint8_t)(1u << (i & 7));
            c->data[i] = data[i - off];
        }
    }
    if (!c->have_last && off + len > c->total_len)
        c->total_len = off + len; /* highest byte so far, checked against the last fragment */
    c->received += fresh;
    d->frag_held += fresh;
    c->nfrags++;
    if (!c->have_last || c->received != c->total_len)
        return 0;
    uint32_t n = c->total_len;
    memcpy(d->out, c->data, n);
    d->st.frags_reassembled++;
    d->frag_held -= c->received;
    c->used = false;
    return n;
}

static decode_result decode_ipv4(decoder *d, const uint8_t *p, uint32_t avail, uint64_t ts, decoded_pkt *out)
{
    rd_t r = rd_make(p, avail);
    uint8_t vihl = rd_u8(&r);
    rd_skip(&r, 1);
    uint16_t total = rd_be16(&r);
    rd_skip(&r, 2);
    uint16_t frag = rd_be16(&r);
    rd_skip(&r, 1);
    uint8_t proto = rd_u8(&r);
    rd_skip(&r, 2);
    const uint8_t *src = rd_bytes(&r, 4);
    const uint8_t *dst = rd_bytes(&r, 4);
    if (!rd_ok(&r)) {
        d->st.truncated++;
        return DECODE_TRUNCATED;
    }
    uint32_t ihl = (uint32_t)(vihl & 15) * 4;
    /* segmentation offload on the capturing host can leave a zero total
     * length on an unfragmented packet: the captured bytes are all there is */
    if (total == 0 && !(frag & 0x3fff))
        total = (uint16_t)(avail > 0xffff ? 0xffff : avail);
    if ((vihl >> 4) != 4 || ihl < 20 || total < ihl) {
        d->st.malformed++;
        return DECODE_MALFORMED;
    }
    if (ihl > avail) {
        d->st.truncated++;
        return DECODE_TRUNCATED;
    }
    d->st.ipv4++;
    out->ipver = 4;
    memcpy(out->src, src, 4);
    memcpy(out->dst, dst, 4);
    /* bytes past the total length are link padding (Ethernet minimum frame) */
    uint32_t have = avail < total ? avail : total;
    out->l3 = p;
    out->l3_len = have;
    uint32_t foff = (uint32_t)(frag & 0x1fff) * 8;
    bool more = frag & 0x2000;
    if (foff || more) {
        d->st.frags_seen++;
        if (have < total) {
            d->st.truncated++;
            d->st.frags_dropped++;
            return DECODE_TRUNCATED;
        }
        uint32_t n = frag_add(d, p, foff, more, p + ihl, total - ihl, ts);
        if (!n)
            return DECODE_FRAGMENT_HELD;
        out->l3 = NULL; /* the reassembled datagram has no IP header of its own: nDPI skips it */
        out->l3_len = 0;
        return decode_l4(d, proto, d->out, n, n, out);
    }
    return decode_l4(d, proto, p + ihl, have - ihl, total - ihl, out);
}

static decode_result decode_ipv6(decoder *d, const uint8_t *p, uint32_t avail, decoded_pkt *out)
{
    rd_t r = rd_make(p, avail);
    uint8_t v = rd_u8(&r);
    rd_skip(&r, 3);
    uint32_t plen = rd_be16(&r);
    uint8_t nh = rd_u8(&r);
    rd_skip(&r, 1);
    const uint8_t *src = rd_bytes(&r, 16);
    const uint8_t *dst = rd_bytes(&r, 16);
    if (!rd_ok(&r)) {
        d->st.truncated++;
        return DECODE_TRUNCATED;
    }
    if ((v >> 4) != 6) {
        d->st.malformed++;
        return DECODE_MALFORMED;
    }
    d->st.ipv6++;
    out->ipver = 6;
    memcpy(out->src, src, 16);
    memcpy(out->dst, dst, 16);
    out->l3 = p;
    out->l3_len = avail < 40 + plen || plen == 0 ? avail : 40 + plen;
    uint32_t body = avail - 40;
    if (plen == 0)
        plen = body; /* jumbogram: the hop-by-hop option's length is not worth trusting either */
    if (body > plen)
        body = plen;
    rd_t b = rd_make(p + 40, body);
    uint32_t pos = 0;
    for (int i = 0;; i++) {
        if (nh != 0 && nh != 43 && nh != 60 && nh != 44 && nh != 51)
            break;
        if (i == IPV6_MAX_EXT) {
            d->st.malformed++;
            return DECODE_MALFORMED;
        }
        rd_seek(&b, pos);
        uint8_t next = rd_u8(&b);
        uint8_t hlen = rd_u8(&b);
        if (!rd_ok(&b)) {
            d->st.truncated++;
            return DECODE_TRUNCATED;
        }
        if (nh == 44) {
            d->st.ipv6_frags++;
            return DECODE_FRAGMENT_HELD;
        }
        uint32_t len = nh == 51 ? ((uint32_t)hlen + 2) * 4 : ((uint32_t)hlen + 1) * 8;
        if (pos + len > plen) {
            d->st.malformed++;
            return DECODE_MALFORMED;
        }
        if (pos + len > body) {
            d->st.truncated++;
            return DECODE_TRUNCATED;
        }
        pos += len;
        nh = next;
    }
    return decode_l4(d, nh, p + 40 + pos, body - pos, plen - pos, out);
}

static link_result ip_of_ethertype(uint16_t et, rd_t *r, link_info *out)
{
    if (!rd_ok(r))
        return LINK_TRUNCATED;
    out->off = (uint32_t)r->off;
    if (et == 0x0800)
        out->ipver = 4;
    else if (et == 0x86dd)
        out->ipver = 6;
    else
        return LINK_NOT_IP;
    return LINK_OK;
}

link_result decode_link(int linktype, const uint8_t *frame, uint32_t caplen, link_info *out)
{
    memset(out, 0, sizeof(*out));
    rd_t r = rd_make(frame, caplen);
    switch (linktype) {
    case 1: { /* Ethernet, with 802.1Q, 802.1ad and QinQ tags */
        rd_skip(&r, 12);
        uint16_t et = rd_be16(&r);
        for (int i = 0; (et == 0x8100 || et == 0x88a8 || et == 0x9100) && i < VLAN_MAX_TAGS; i++) {
            uint16_t tci = rd_be16(&r);
            if (i == 0)
                out->vlan_id = tci & 0x0fff;
            et = rd_be16(&r);
        }
        return ip_of_ethertype(et, &r, out);
    }
    case 113: { /* Linux cooked (SLL): the protocol ends the 16-byte header */
        rd_skip(&r, 14);
        uint16_t et = rd_be16(&r);
        return ip_of_ethertype(et, &r, out);
    }
    case 276: { /* Linux cooked v2 (SLL2): the protocol starts the 20-byte header */
        uint16_t et = rd_be16(&r);
        rd_skip(&r, 18);
        return ip_of_ethertype(et, &r, out);
    }
    case 0:
    case 108: {
        /* the address family is in the capturing host's byte order for DLT_NULL,
         * and OpenBSD's DLT_LOOP is big-endian: accept either order */
        const uint8_t *af = rd_bytes(&r, 4);
        if (!af)
            return LINK_TRUNCATED;
        uint32_t be = ((uint32_t)af[0] << 24) | ((uint32_t)af[1] << 16) | ((uint32_t)af[2] << 8) | af[3];
        uint32_t le = ((uint32_t)af[3] << 24) | ((uint32_t)af[2] << 16) | ((uint32_t)af[1] << 8) | af[0];
        uint32_t fam = be < le ? be : le;
        out->off = 4;
        if (fam == 2)
            out->ipver = 4;
        else if (fam == 24 || fam == 28 || fam == 30)
            out->ipver = 6;
        else
            return LINK_NOT_IP;
        return LINK_OK;
    }
    case 12:
    case 14:
    case 101: /* raw IP: the version nibble tells */
        if (caplen < 1)
            return LINK_TRUNCATED;
        if ((frame[0] >> 4) != 4 && (frame[0] >> 4) != 6)
            return LINK_NOT_IP;
        out->ipver = frame[0] >> 4;
        return LINK_OK;
    case 228:
        out->ipver = 4;
        return LINK_OK;
    case 229:
        out->ipver = 6;
        return LINK_OK;
    default:
        return LINK_UNSUPPORTED;
    }
}

decode_result decode_packet(decoder *d, int linktype, const uint8_t *frame, uint32_t caplen, uint64_t ts_usec,
                            decoded_pkt *out)
{
    memset(out, 0, sizeof(*out));
    out->ts_usec = ts_usec;
    d->st.packets++;
    link_info li;
    switch (decode_link(linktype, frame, caplen, &li)) {
    case LINK_OK:
        break;
    case LINK_NOT_IP:
        d->st.not_ip++;
        return DECODE_NOT_IP;
    case LINK_TRUNCATED:
        d->st.truncated++;
        return DECODE_TRUNCATED;
    default:
        return DECODE_UNSUPPORTED_LINKTYPE;
    }
    out->vlan_id = li.vlan_id;
    if (li.ipver == 4)
        return decode_ipv4(d, frame + li.off, caplen - li.off, ts_usec, out);
    return decode_ipv6(d, frame + li.off, caplen - li.off, out);
}
