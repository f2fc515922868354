/* Live capture on one or more interfaces, with N workers joined to one
 * AF_PACKET fanout group per interface (PACKET_FANOUT_HASH is symmetric, so
 * both directions of a flow land on the same worker). */
#ifndef PW_LIVE_H
#define PW_LIVE_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../detect/sigma.h"
#include "output.h"
#include "options.h"
#include "pipeline.h"
#include "summary.h"

typedef struct live_ctx {
    const pw_options *o;
    const sigma_ruleset *const *rules; /* one per worker (rules[i] for worker i) */
    pw_output *out;
    summary *sum;
    volatile sig_atomic_t *stop;       /* SIGINT / SIGTERM */
    volatile sig_atomic_t *reopen;     /* SIGHUP */
    volatile sig_atomic_t *dump_stats; /* SIGUSR1 */
} live_ctx;

/* Runs until *stop; every pending event is flushed before it returns.
 * total receives the counters of all workers, kernel drops included.
 * The last stats record (with each worker's capture counters) is written
 * here, before the workers go.
 * Returns an exit status (0, or 1 when an interface failed while running,
 * 3 when an interface could not be opened). */
int live_run(live_ctx *lc, pw_counters *total);

/* Kernel drop warnings on stderr: one line as soon as the kernel starts
 * dropping, then at most one per LIVE_DROP_WARN_INTERVAL_USEC while it keeps
 * dropping, with the drops of each worker. */
#define LIVE_MAX_WORKERS 64
#define LIVE_DROP_WARN_INTERVAL_USEC (60ull * 1000000)

typedef struct live_drops {
    int nworkers;
    bool warned;
    uint64_t reported; /* drops in the last line */
    uint64_t worker_reported[LIVE_MAX_WORKERS];
    uint64_t last_warn_usec;
} live_drops;

void live_drops_init(live_drops *d, int nworkers);
/* Given each worker's kernel counters so far (nworkers entries), returns
 * true with a line in msg when one is due. */
bool live_drops_check(live_drops *d, uint64_t now_usec, const uint64_t *kernel_packets, const uint64_t *kernel_drops,
                      char *msg, size_t n);

/* Live capture's nice value (threading.priority), set on the main thread
 * before any other starts (output senders, workers), which inherit it, and
 * before privileges are dropped; where the kernel groups processes by
 * session, the session's group gets it too, until exit. One warning line
 * (unless quiet) when it cannot be set; returns the nice value the process
 * runs at. */
int live_set_priority(int want, bool quiet);

/* The session-group part of it, on the files given (the kernel's switch and
 * the group's file): 1 when the group was set to want (and will be put back
 * at exit, or by live_group_restore), 0 when there is nothing to do (no
 * session groups, or the group is at want already), -1 with a warning line
 * when it cannot be done. */
int live_group_set(const char *enabled_path, const char *group_path, int want, bool quiet);
void live_group_restore(void);
bool live_group_parse(const char *text, int *nice);

/* Drops to user (and group, or the user's primary group). Returns false with
 * err set when it cannot. */
bool live_drop_privileges(const char *user, const char *group, char *err, size_t errlen);

#endif
