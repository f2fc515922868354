/* NDR (C706 chapter 14, MS-RPCE 2.2.5): the primitives an interface decoder
 * is built from. Every read goes through the bounds-checked reader; a read
 * that does not fit sets the sticky error and returns 0 / false, so a decoder
 * reads a whole structure and checks ndr_ok() once. Alignment is relative to
 * the start of the buffer given to ndr_make (the stub of one call, or one
 * PDU), as NDR defines it. The integer representation (little or big endian)
 * comes from the sender's data representation label (drep). Nothing here
 * recurses: a decoder walks its structure with its own bounded loops. */
#ifndef PW_NDR_H
#define PW_NDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "reader.h"

/* Referent ids remembered for full pointers ([ptr]); one more is an error. */
#define NDR_MAX_REFS 32
/* An NDR context handle: attributes and a UUID. */
#define NDR_CONTEXT_HANDLE_SIZE 20

typedef struct ndr {
    rd_t r;
    bool le; /* integers little-endian (drep integer representation 1) */
    uint32_t refs[NDR_MAX_REFS];
    size_t nrefs;
} ndr_t;

ndr_t ndr_make(const uint8_t *p, size_t len, bool little_endian);
static inline bool ndr_ok(const ndr_t *n) { return rd_ok(&n->r); }
static inline size_t ndr_left(const ndr_t *n) { return rd_left(&n->r); }
/* Marks the buffer as not matching what the decoder expects. */
static inline void ndr_fail(ndr_t *n) { n->r.err = true; }

/* Skips to the next multiple of a (1, 2, 4 or 8). */
void ndr_align(ndr_t *n, size_t a);
uint8_t ndr_u8(ndr_t *n);
uint16_t ndr_u16(ndr_t *n); /* aligned 2 */
uint32_t ndr_u32(ndr_t *n); /* aligned 4 */
uint64_t ndr_u64(ndr_t *n); /* hyper, aligned 8 */
/* Raw bytes (no alignment); NULL when they do not fit. */
const uint8_t *ndr_bytes(ndr_t *n, size_t len);

/* A unique ([unique]) or reference-less embedded pointer: its referent id,
 * 0 for NULL. The pointee follows (for top-level parameters, at once). */
uint32_t ndr_unique_ptr(ndr_t *n);
/* A full pointer ([ptr]): true when its pointee follows, i.e. the referent id
 * is not NULL and was not seen before in this buffer; *id gets the id. */
bool ndr_full_ptr(ndr_t *n, uint32_t *id);

/* A conformant varying string (MaximumCount, Offset, ActualCount, then the
 * characters): [string] wchar_t* as UTF-8 in out (cut to outcap, always
 * NUL-terminated), or [string] char* (8-bit, taken as Latin-1). *count gets
 * ActualCount when count is not NULL. False (and the error set) when the
 * counts do not fit the buffer or contradict each other. */
bool ndr_string_utf16(ndr_t *n, char *out, size_t outcap, uint32_t *count);
bool ndr_string_8bit(ndr_t *n, char *out, size_t outcap, uint32_t *count);
/* A unique pointer to such a string: *present tells whether it was non-NULL;
 * out is "" when it was NULL. */
bool ndr_unique_string(ndr_t *n, bool wide, char *out, size_t outcap, bool *present);

/* A conformant array of bytes (MaximumCount then the bytes): pointer into
 * the buffer, *len its length; NULL (error set) when it does not fit. */
const uint8_t *ndr_conformant_bytes(ndr_t *n, uint32_t *len);

/* A context handle (20 bytes, aligned 4) copied into out. */
bool ndr_context_handle(ndr_t *n, uint8_t out[NDR_CONTEXT_HANDLE_SIZE]);

#endif
