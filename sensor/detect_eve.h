/* Records of the cross-flow stages: a Sigma correlation's alert, written
 * from the correlation engine's callback (any worker's thread, under the
 * engine's lock), laid out by the run's layout. */
#ifndef PW_DETECT_EVE_H
#define PW_DETECT_EVE_H

#include "../detect/sigma.h"
#include "json.h"
#include "output.h"

typedef struct corr_writer {
    pw_output *out;
    const sigma_ruleset *rules; /* the engine's ruleset: names the counted rules */
    bool log_alert;
    uint64_t alerts;
    jbuf jb;
    char line[64 * 1024];
} corr_writer;

void corr_writer_init(corr_writer *w, pw_output *out, const sigma_ruleset *rules, bool log_alert);
/* sigma_corr_fn: one `alert` record with a `correlation` object. */
void corr_writer_alert(void *ctx, const sigma_corr_alert *a);

#endif
