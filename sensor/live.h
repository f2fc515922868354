/* Live capture on one or more interfaces, with N workers joined to one
 * AF_PACKET fanout group per interface (PACKET_FANOUT_HASH is symmetric, so
 * both directions of a flow land on the same worker). */
#ifndef PW_LIVE_H
#define PW_LIVE_H

#include <signal.h>

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
 * Returns an exit status (0, or 1 when an interface failed while running,
 * 3 when an interface could not be opened). */
int live_run(live_ctx *lc, pw_counters *total);

/* Drops to user (and group, or the user's primary group). Returns false with
 * err set when it cannot. */
bool live_drop_privileges(const char *user, const char *group, char *err, size_t errlen);

#endif
