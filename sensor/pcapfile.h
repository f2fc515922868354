/* Reading a capture file packet by packet. A classic pcap file on disk is
 * read through a sliding memory map: no read() copies, no per-packet
 * library call, and at most one window of the file resident at a time.
 * Anything else (pcapng, standard input, a BPF filter, an unusual link type)
 * goes through libpcap. Either way errors are one line naming the file. */
#ifndef PW_PCAPFILE_H
#define PW_PCAPFILE_H

#include <stddef.h>
#include <stdint.h>

typedef struct capture_file capture_file;

typedef struct capture_pkt {
    uint64_t ts_usec;
    uint32_t caplen, len;
    const uint8_t *data; /* valid until the next call, or see capture_file_hold */
} capture_pkt;

/* Returns NULL with err set ("FILE: reason"). */
capture_file *capture_file_open(const char *path, const char *bpf, char *err, size_t errlen);
int capture_file_linktype(const capture_file *cf); /* a DLT_ value */
/* 1: *p holds a packet; 0: end of the file (when following: nothing more
 * yet, call again later); -1: the file is damaged here or was cut while it
 * was read, capture_file_error() says how.
 *
 * A mapped file that shrinks while it is read (truncate, log rotation) does
 * not kill the process with SIGBUS: pages it no longer has read as zeros
 * wherever they are touched, and the reader stops at the new end with -1 and
 * capture_file_cut() true. A file that grows is read to its size at open
 * (capture_file_grown() then says how large it became); a record the writer
 * has not finished there is the end, not damage. */
int capture_file_next(capture_file *cf, capture_pkt *p);
/* Follow the file as it grows (tail -f): at the end, or before a record the
 * writer has not finished, capture_file_next returns 0 and a later call
 * picks up what was appended. Only the mapped reader follows (returns 0
 * otherwise), and a followed file cannot be held. */
int capture_file_follow(capture_file *cf);
/* True once the file was found shorter than before while being read. */
int capture_file_cut(const capture_file *cf);
/* The file's size when it was found larger at the end than at open, else 0. */
int64_t capture_file_grown(const capture_file *cf);
/* A regular file's size at open; -1 for standard input. */
int64_t capture_file_open_size(const capture_file *cf);
const char *capture_file_error(const capture_file *cf);
/* Bytes of the file read so far (-1 when not known, as on a pipe). */
int64_t capture_file_pos(const capture_file *cf);
/* True when the memory-mapped reader is in use. */
int capture_file_mapped(const capture_file *cf);
/* Maps the rest of a mapped file at once, so every packet's data stays valid
 * until capture_file_close (for handing packets to other threads without a
 * copy). Returns 0 when not mapped: then data is valid until the next call. */
int capture_file_hold(capture_file *cf);
/* With a held file: bytes before file offset upto are no longer needed and
 * leave the resident set. */
void capture_file_release(capture_file *cf, uint64_t upto);
void capture_file_close(capture_file *cf);

#endif
