/* Link/IP/TCP decoding and IPv4 defragmentation: [linktype selector:1] then
 * frames [len:2 LE][bytes], all through one decoder so fragments meet. The
 * defragmentation memcap is 4 KB so that inputs within the target's 8 KB
 * length cap (tests/fuzz/run.sh) reach it. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = {1, 113, 276, 101, 12, 14, 0, 108, 228, 229};
    if (size < 1)
        return 0;
    int dlt = linktypes[data[0] % (sizeof(linktypes) / sizeof(linktypes[0]))];
    decoder *d = decoder_new(4 * 1024, 1000000);
    if (!d)
        return 0;
    size_t off = 1;
    uint64_t ts = 1;
    uint64_t sink = 0;
    while (off + 2 <= size) {
        size_t len = (size_t)(data[off] | (data[off + 1] << 8));
        off += 2;
        if (len > size - off)
            len = size - off;
        uint8_t *frame = malloc(len ? len : 1);
        if (!frame)
            break;
        memcpy(frame, data + off, len);
        decoded_pkt p;
        if (decode_packet(d, dlt, frame, (uint32_t)len, ts += 1000, &p) == DECODE_OK) {
            for (uint32_t i = 0; i < p.payload_len; i++)
                sink += p.payload[i];
            for (uint32_t i = 0; i < p.l3_len; i++)
                sink += p.l3[i];
        }
        free(frame);
        off += len;
    }
    decoder_free(d);
    return sink == 1 ? 1 : 0; /* keep the reads */
}
