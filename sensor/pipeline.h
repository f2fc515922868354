/* The pipeline runs the stages for one worker, as two explicit lists in
 * pipeline.c: per packet decode -> flow -> classify -> stream, whose in-order
 * bytes go to the app layer and the parser; per fact the parser reports,
 * fact -> events -> rules -> observers -> output (records, laid out by the
 * output's layout). One pipeline is single-threaded; workers each own one. */
#ifndef PW_PIPELINE_H
#define PW_PIPELINE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../detect/sigma.h"
#include "counters.h"
#include "json.h"
#include "options.h"
#include "output.h"

typedef struct pipeline pipeline;


/* Who watches the facts and alerts of a pipeline besides its output (the
 * run's summary, for one): called from the pipeline's "observers" stage, in
 * the order added. Either function may be NULL. */
typedef struct pipeline_observer {
    void (*on_fact)(void *ctx, const smb_fact *f, const char *client_ip);
    void (*on_alert)(void *ctx, const sigma_rule *r, const char *share, const char *name, const char *client_ip);
    void *ctx;
} pipeline_observer;

#define PIPELINE_MAX_OBSERVERS 4

pipeline *pipeline_new(const pw_options *o, const sigma_ruleset *rules, pw_output *out);
void pipeline_free(pipeline *p);
/* The stages in their order: "decode flow classify stream | fact events ...". */
const char *pipeline_stage_names(char *buf, size_t n);
/* False when PIPELINE_MAX_OBSERVERS are there already. */
bool pipeline_add_observer(pipeline *p, pipeline_observer ob);

/* One captured frame. Returns false when output failed (stop reading). */
bool pipeline_packet(pipeline *p, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen);
/* The next packet is number n of the input (its pcap_cnt), for a worker that
 * sees only some of the packets; by default a pipeline numbers what it sees. */
void pipeline_number_next(pipeline *p, uint64_t n);
/* Time passes without packets (live capture on a quiet link). */
void pipeline_tick(pipeline *p, uint64_t now_usec);
/* End of input: every flow is flushed (their pending events written). */
void pipeline_finish(pipeline *p);
/* Time of the newest packet seen. */
uint64_t pipeline_now(const pipeline *p);
/* Time of the first packet seen (0 before any). */
uint64_t pipeline_first_ts(const pipeline *p);
/* Adds this pipeline's counters to c. */
void pipeline_counters(const pipeline *p, pw_counters *c);
/* Writes a "stats" EVE record of counters c at time ts. */
void pipeline_write_stats(pw_output *out, const pw_counters *c, uint64_t ts_usec, uint64_t uptime_usec);
/* The run's one Sigma correlation engine (NULL: none), shared by every
 * pipeline: each match of a rule a correlation names is fed to it, and it
 * is told the time once a second. Set before the pipelines start. */
void pipeline_set_correlator(sigma_corr *c);
/* The run's one incident stage (NULL: none), shared by every pipeline the
 * same way: facts, events, alerts and admin-share write bytes go to it. */
struct incident_stage;
void pipeline_set_incidents(struct incident_stage *s);
/* End of input for every pipeline: the correlations' open windows are
 * evaluated and the open incidents reported, before the last stats record. */
void pipeline_finish_shared(void);
/* Adds what the shared stages counted (the alerts of correlations) to
 * counters summed over the workers; pipeline_write_stats does so itself. */
void pipeline_count_shared(pw_counters *c);
/* Adds members of the caller's own (the run's summary tables) to every stats record. */
void pipeline_set_stats_extra(void (*fn)(jbuf *j, void *ctx), void *ctx);

#endif
