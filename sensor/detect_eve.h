/* Records of the cross-flow stages, laid out by the run's layout: a Sigma
 * correlation's alert, written from the correlation engine's callback (any
 * worker's thread, under the engine's lock), and an incident with its alert,
 * written from the incident stage's sink (under its lock). */
#ifndef PW_DETECT_EVE_H
#define PW_DETECT_EVE_H

#include "../detect/incident.h"
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

/* incident_sink: an `incident` record, then one `alert` naming the tool. */
typedef struct incident_writer {
    pw_output *out;
    bool log_incident, log_alert;
    uint64_t incidents, alerts;
    jbuf jb;
    char line[64 * 1024];
} incident_writer;

void incident_writer_init(incident_writer *w, pw_output *out, bool log_incident, bool log_alert);
void incident_writer_write(void *ctx, const incident *in);

#endif
