/* The output of a run: records laid out by one layout (layout.h) and sent
 * to one destination (dest.h), any layout to any destination. Workers share
 * one output: a record is written under a lock, so records never interleave.
 * Writes are checked; the first fault is kept with the destination's name
 * and told to the operator once (output_take_error). */
#ifndef PW_OUTPUT_H
#define PW_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "layout.h"

typedef struct pw_output pw_output;

/* The destination kinds by their configuration name (outputs.eve-log.filetype). */
bool output_dest_known(const char *name);
/* The kind writes a file (or standard output): one a capture could be. */
bool output_is_file(const char *name);
/* "regular, unix_stream, unix_dgram": for messages. */
const char *output_dest_names(void);

/* The kind a URL names ("redis", "syslog", "gelf"); "" for a URL of no
 * known scheme; NULL for a file name. */
const char *output_url_kind(const char *path);

/* path NULL or "-" is standard output (whatever the kind); a URL (redis://…,
 * syslog…, gelf+…://) picks its kind itself. layout NULL is EVE.
 * Returns NULL and writes a reason into err. */
pw_output *output_open(const char *path, const char *dest_kind, const layout_ops *layout, bool append, char *err,
                       size_t errlen);
/* The layout records for this output are built with. */
const layout_ops *output_layout(const pw_output *o);
/* One record (no line end: the destination frames it). False once writing failed. */
bool output_write(pw_output *o, const char *rec, size_t len);
bool output_flush(pw_output *o);
/* Reopens a file after log rotation (other destinations: nothing to do).
 * When it cannot be opened, the old file is let go all the same and the
 * output is detached: writes count records instead of failing, the open is
 * retried at each call and at writes and flushes with a delay growing from
 * 1 to 30 s, and the run goes on. Returns false when the file is not open
 * afterwards (output_take_error tells why, once). */
bool output_reopen(pw_output *o);
/* Flushes and closes; false when any write failed. */
bool output_close(pw_output *o);
/* Network destinations: waits (bounded) until the queue is sent; what is
 * left is counted as dropped. */
void output_drain(pw_output *o);
/* Records the destination could not deliver (queue full, far end away). */
uint64_t output_dropped(const pw_output *o);
const char *output_name(const pw_output *o);
bool output_failed(const pw_output *o);
const char *output_error(const pw_output *o); /* "cannot write events to X: reason" */
/* The error, the first time it is asked for after a failure, else NULL. */
const char *output_take_error(pw_output *o);
uint64_t output_lines(const pw_output *o);

typedef struct output_unwritten_info {
    uint64_t records;         /* records not written while the file could not be reopened */
    uint64_t reopen_failures; /* opens that failed after a SIGHUP, retries included */
    bool detached;            /* not open now */
} output_unwritten_info;
output_unwritten_info output_unwritten(pw_output *o);

#endif
