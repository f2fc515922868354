/* IPv4 frames (DLT_IPV4) built by hand for the pipeline tests. */
#ifndef PW_FRAME_BUILD_H
#define PW_FRAME_BUILD_H

#include <stdint.h>
#include <string.h>

#define FB_DLT_IPV4 228

static inline size_t fb_ip(uint8_t *p, uint8_t proto, uint32_t src, uint32_t dst, size_t l4_len)
{
    size_t total = 20 + l4_len;
    memset(p, 0, 20);
    p[0] = 0x45;
    p[2] = (uint8_t)(total >> 8);
    p[3] = (uint8_t)total;
    p[8] = 64;
    p[9] = proto;
    for (int i = 0; i < 4; i++) {
        p[12 + i] = (uint8_t)(src >> (24 - 8 * i));
        p[16 + i] = (uint8_t)(dst >> (24 - 8 * i));
    }
    return 20;
}

static inline size_t fb_tcp(uint8_t *f, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport, uint32_t seq,
                            uint8_t flags, const uint8_t *payload, size_t plen)
{
    size_t n = fb_ip(f, 6, src, dst, 20 + plen);
    uint8_t *t = f + n;
    memset(t, 0, 20);
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    for (int i = 0; i < 4; i++)
        t[4 + i] = (uint8_t)(seq >> (24 - 8 * i));
    t[12] = 0x50;
    t[13] = flags;
    if (plen)
        memcpy(t + 20, payload, plen);
    return n + 20 + plen;
}

#endif
