/* TCP reassembly: the input is a sequence of segments for both directions
 * [flags:1][dir|len:2 LE (bit 15 = dir, 12 bits len)][seq delta:4 LE][payload],
 * seq given relative to the direction's first seq so the fuzzer reaches
 * overlaps, reordering, wraparound and gaps. Delivered bytes are checked to
 * be in bounds by touching them. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sensor/stream.h"

static uint64_t sum;

static void on_data(void *ctx, int dir, const uint8_t *d, size_t len)
{
    (void)ctx;
    for (size_t i = 0; i < len; i++)
        sum += d[i] + (uint64_t)dir;
}

static void on_gap(void *ctx, int dir, uint64_t len)
{
    (void)ctx;
    sum += len + (uint64_t)dir;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    stream_config cfg;
    stream_config_default(&cfg);
    cfg.memcap = 64 * 1024;
    cfg.max_held_per_dir = 16 * 1024;
    stream_engine *e = stream_engine_new(&cfg);
    if (!e)
        return 0;
    tcp_stream s;
    memset(&s, 0, sizeof(s));
    stream_sink sink = {on_data, on_gap, NULL};
    const uint32_t base[2] = {0xfffff000u, 0x10000000u};
    size_t off = 0;
    while (off + 7 <= size) {
        uint8_t flags = data[off];
        uint16_t dl = (uint16_t)(data[off + 1] | (data[off + 2] << 8));
        uint32_t delta = (uint32_t)data[off + 3] | ((uint32_t)data[off + 4] << 8) | ((uint32_t)data[off + 5] << 16) |
                         ((uint32_t)data[off + 6] << 24);
        off += 7;
        int dir = dl >> 15;
        size_t len = dl & 0x0fff;
        if (len > size - off)
            len = size - off;
        stream_segment(e, &s, dir, base[dir] + delta, flags, data + off, (uint32_t)len, &sink);
        off += len;
    }
    stream_flush(e, &s, &sink);
    stream_release(e, &s);
    stream_engine_free(e);
    return 0;
}
