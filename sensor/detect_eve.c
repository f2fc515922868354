#include "detect_eve.h"

#include <string.h>

void corr_writer_init(corr_writer *w, pw_output *out, const sigma_ruleset *rules, bool log_alert)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->rules = rules;
    w->log_alert = log_alert;
    jb_init(&w->jb, w->line, sizeof(w->line));
}

void corr_writer_alert(void *ctx, const sigma_corr_alert *a)
{
    corr_writer *w = ctx;
    w->alerts++;
    if (!w->log_alert)
        return;
    pw_record r = {.kind = REC_ALERT, .rule = a->rule, .corr = a, .corr_rules = w->rules};
    r.hdr.ts_usec = a->last_usec;
    output_layout(w->out)->build(&w->jb, &r);
    size_t len;
    const char *line = jb_line(&w->jb, &len);
    if (len)
        output_write(w->out, line, len);
}
