#include "detect_eve.h"

#include <stdio.h>
#include <string.h>

void corr_writer_init(corr_writer *w, eve_output *out, const sigma_ruleset *rules, bool log_alert)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->rules = rules;
    w->log_alert = log_alert;
    jb_init(&w->jb, w->line, sizeof(w->line));
}

/* A measure as JSON: whole numbers as integers, else three decimals. */
static void num(jbuf *j, const char *key, double v)
{
    if (v >= 0 && v < 1e15 && v == (double)(uint64_t)v) {
        jb_u64(j, key, (uint64_t)v);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof(buf), "%.3f", v);
    jb_str(j, key, buf);
}

void corr_writer_alert(void *ctx, const sigma_corr_alert *a)
{
    corr_writer *w = ctx;
    w->alerts++;
    if (!w->log_alert)
        return;
    jbuf *j = &w->jb;
    jb_reset(j);
    eve_hdr h;
    memset(&h, 0, sizeof(h));
    h.ts_usec = a->last_usec;
    eve_begin(j, &h, "alert");
    eve_alert_object(j, a->rule);
    jb_open_object(j, "correlation");
    jb_str(j, "type", a->type);
    jb_open_object(j, "group");
    for (size_t i = 0; i < a->ngroup; i++)
        jb_str(j, a->group_names[i], a->group_values[i]);
    jb_close_object(j);
    num(j, "value", a->value);
    if (a->value_of)
        jb_str(j, "value_of", a->value_of);
    jb_timestamp(j, "first_seen", a->first_usec);
    jb_timestamp(j, "last_seen", a->last_usec);
    jb_u64(j, "events_count", a->events);
    jb_bool(j, "truncated", a->truncated);
    jb_open_array(j, "events");
    for (size_t i = 0; i < a->nrefs; i++) {
        const sigma_rule *r = sigma_rule_at(w->rules, a->refs[i].rule);
        jb_open_object(j, NULL);
        jb_timestamp(j, "timestamp", a->refs[i].ts_usec);
        if (a->refs[i].flow_id)
            jb_u64(j, "flow_id", a->refs[i].flow_id);
        if (r) {
            jb_str(j, "rule", sigma_rule_title(r));
            jb_u64(j, "signature_id", sigma_rule_signature_id(r));
        }
        jb_close_object(j);
    }
    jb_close_array(j);
    jb_close_object(j);
    jb_close_object(j);
    size_t len;
    const char *line = jb_line(j, &len);
    eve_write(w->out, line, len);
}
