/* Destinations: where the bytes of finished records go (a regular file or
 * standard output, a unix socket). A destination knows nothing of what a
 * record looks like (that is the layout's business, layout.h); it gets one
 * record at a time, without a line end, and frames it as its medium wants
 * (a line in a file or a stream, one datagram on a datagram socket).
 *
 * A new destination is a file with its dest_ops and one row in dest_types[]
 * (output.c). The output (output.h) serialises calls: a destination is used
 * by one thread at a time. Faults are reported as an errno value; the output
 * turns them into one message naming the destination. */
#ifndef PW_DEST_H
#define PW_DEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct dest dest; /* a destination's own state */

typedef struct dest_ops {
    /* path: a file name, "-" for standard output, a socket path, a URL
     * (network destinations: see docs/outputs.md). append:
     * keep what a regular file holds. NULL with a reason in err on failure. */
    dest *(*open)(const char *path, bool append, char *err, size_t errlen);
    /* One record. False with *e set when it could not be written. */
    bool (*write)(dest *d, const char *rec, size_t len, int *e);
    /* Pushes out what is buffered. */
    bool (*flush)(dest *d, int *e);
    /* After log rotation (SIGHUP): open the file anew (the output has flushed
     * first). NULL: nothing to do. */
    bool (*reopen)(dest *d, char *err, size_t errlen);
    /* Closes and frees, without flushing (the output flushes first unless
     * writing has failed: then what is buffered is dropped). */
    bool (*close)(dest *d, int *e);
    /* Network destinations (a queue and a writer thread, dest_queue.h):
     * waits, bounded, until what is queued has been sent; NULL: nothing to do. */
    void (*drain)(dest *d);
    /* Records not delivered (queue full, or still queued when the run
     * ended with the far end away); NULL: the destination drops nothing. */
    uint64_t (*dropped)(dest *d);
} dest_ops;

extern const dest_ops dest_file;        /* a regular file, or standard output for "-" */
extern const dest_ops dest_unix_stream; /* a connected SOCK_STREAM unix socket: lines */
extern const dest_ops dest_unix_dgram;  /* a connected SOCK_DGRAM unix socket: a datagram per record */
extern const dest_ops dest_redis;       /* redis://, redis+unix://: RPUSH, LPUSH or PUBLISH (dest_redis.c) */
extern const dest_ops dest_syslog;      /* syslog, syslog+udp://, syslog+tcp://: RFC 5424 (dest_syslog.c) */
extern const dest_ops dest_gelf;        /* gelf+udp:// (chunked), gelf+tcp:// (dest_gelf.c) */

/* Buffered writing to a file descriptor, for destinations that carry lines:
 * records are appended with a newline and written 256 KiB at a time. */
#define FD_LINES_BUFSZ (256 * 1024)

typedef struct fd_lines {
    int fd;
    size_t len;
    char buf[FD_LINES_BUFSZ];
} fd_lines;

bool fd_write_all(int fd, const char *p, size_t n, int *e);
bool fd_lines_put(fd_lines *w, const char *rec, size_t len, int *e);
bool fd_lines_flush(fd_lines *w, int *e);

#endif
