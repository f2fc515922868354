#include "detect_eve.h"

#include <stdio.h>
#include <string.h>

#include "layout.h"

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

void incident_writer_init(incident_writer *w, pw_output *out, bool log_incident, bool log_alert)
{
    memset(w, 0, sizeof(*w));
    w->out = out;
    w->log_incident = log_incident;
    w->log_alert = log_alert;
    jb_init(&w->jb, w->line, sizeof(w->line));
}

/* The record of an incident or of its alert: the run's addresses and the
 * time of its last observation. */
static void incident_record(pw_record *r, rec_kind kind, const incident *in)
{
    memset(r, 0, sizeof(*r));
    r->kind = kind;
    r->incident = in;
    r->hdr.ts_usec = in->last_usec;
    r->hdr.src_ip = in->client_ip;
    r->hdr.dest_ip = in->server_ip;
    r->hdr.src_port = in->client_port; /* of the first flow of the run */
    r->hdr.dest_port = in->server_port;
    r->hdr.proto = "TCP";
}

static void write_record(incident_writer *w, const pw_record *r)
{
    output_layout(w->out)->build(&w->jb, r);
    size_t len;
    const char *line = jb_line(&w->jb, &len);
    if (len)
        output_write(w->out, line, len);
}

void incident_writer_write(void *ctx, const incident *in)
{
    incident_writer *w = ctx;
    pw_record r;
    w->incidents++;
    if (w->log_incident) {
        incident_record(&r, REC_INCIDENT, in);
        write_record(w, &r);
    }
    if (w->log_alert) {
        w->alerts++;
        incident_record(&r, REC_ALERT, in);
        write_record(w, &r);
    }
}
