/* The end-of-run summary a person reads on stderr: what was captured, who
 * connected to which share, which pipes were opened, which alerts fired, and
 * what the sensor could not see. Tables are bounded; overflow is counted. */
#ifndef PW_SUMMARY_H
#define PW_SUMMARY_H

#include <stdint.h>
#include <stdio.h>

#include "../detect/sigma.h"
#include "../protocols/smb_facts.h"
#include "pipeline.h"

typedef struct summary summary;

summary *summary_new(void);
void summary_free(summary *s);
void summary_on_fact(void *ctx, const smb_fact *f, const char *client_ip);
void summary_on_alert(void *ctx, const sigma_rule *r, const char *share, const char *name, const char *client_ip);
/* The summary as a pipeline observer (summary_on_fact, summary_on_alert). */
pipeline_observer summary_observer(summary *s);
/* One more capture file read. */
void summary_add_capture(summary *s);
/* The tables as members of the stats record: shares, named_pipes, alerts_by_rule (top 10). */
void summary_json(jbuf *j, void *ctx);
/* Prints the tables; seconds is the wall time of the run. */
void summary_print(const summary *s, FILE *out, const pw_counters *c, double seconds, int top_n);

#endif
