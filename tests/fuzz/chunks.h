/* The input format of the two-direction stream targets (fuzz_smb,
 * fuzz_dcerpc): a sequence of chunks [dir:1 bit | gap:1 bit | len:14 bits
 * LE][bytes]. Each chunk is delivered to one direction, or announced as a gap
 * of len + 1 bytes; a chunk longer than what is left is cut, and a last lone
 * byte goes to direction 0. */
#ifndef PW_FUZZ_CHUNKS_H
#define PW_FUZZ_CHUNKS_H

#include <stddef.h>
#include <stdint.h>

typedef struct fuzz_chunk_sink {
    void (*data)(void *ctx, int dir, const uint8_t *p, size_t n);
    void (*gap)(void *ctx, int dir, size_t n);
    void *ctx;
} fuzz_chunk_sink;

static inline void fuzz_chunks(const uint8_t *data, size_t size, const fuzz_chunk_sink *s)
{
    size_t off = 0;
    while (off + 2 <= size) {
        uint16_t h = (uint16_t)(data[off] | (data[off + 1] << 8));
        off += 2;
        int dir = h & 1;
        size_t len = (size_t)(h >> 2);
        if (len > size - off)
            len = size - off;
        if (h & 2)
            s->gap(s->ctx, dir, len + 1);
        else
            s->data(s->ctx, dir, data + off, len);
        off += len;
    }
    if (off < size)
        s->data(s->ctx, 0, data + off, size - off);
}

#endif
