/* SHA-256 (FIPS 180-4), streaming, for the files an incident sees written.
 * Written here rather than taken from libgcrypt (which nDPI links): the
 * sensor would then depend on a library it does not declare, and would have
 * to initialise it before the workers start; this is 100 lines with no
 * allocation and a fixed-size state. */
#ifndef PW_INCIDENT_SHA256_H
#define PW_INCIDENT_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_ctx {
    uint32_t h[8];
    uint64_t bytes;
    uint8_t block[64];
    size_t fill;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const void *data, size_t len);
/* Writes the digest; c is left as it was, so hashing may go on. */
void sha256_peek(const sha256_ctx *c, uint8_t out[32]);
/* 64 lowercase hex digits and a NUL. */
void sha256_hex(const uint8_t d[32], char out[65]);

#endif
