#include "detect_eve.h"

#include <stdio.h>
#include <string.h>

#include "eve.h"

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

static const struct {
    const char *tool, *signature;
} tool_signatures[] = {
    {"psexec", "Remote execution with Sysinternals PsExec"},
    {"psexec-renamed", "Remote execution with Sysinternals PsExec (service renamed)"},
    {"paexec", "Remote execution with PAExec"},
    {"remcom", "Remote execution with RemCom"},
    {"impacket-psexec", "Remote execution with impacket psexec.py"},
    {"smbexec", "Remote execution with smbexec (command in a service)"},
    {"atexec", "Remote execution with a scheduled task (atexec)"},
    {"winexe", "Remote execution with winexe"},
    {"csexec", "Remote execution with CSExec"},
    {"metasploit-psexec", "Remote execution with Metasploit psexec"},
    {"unknown-service-exec", "Remote execution through a new service (tool not known)"},
    {"scheduled-task-exec", "Remote execution through a scheduled task (tool not known)"},
};

const char *incident_tool_signature(const char *tool, uint32_t *sid)
{
    size_t n = sizeof(tool_signatures) / sizeof(tool_signatures[0]);
    for (size_t i = 0; i < n; i++)
        if (strcmp(tool_signatures[i].tool, tool) == 0) {
            *sid = 3900001u + (uint32_t)i; /* one fixed id per tool, apart from the Sigma rules' */
            return tool_signatures[i].signature;
        }
    *sid = 3900000u;
    return "Remote execution";
}

static void hdr_incident(jbuf *j, const incident *in, const char *type)
{
    rec_hdr h;
    memset(&h, 0, sizeof(h));
    h.ts_usec = in->last_usec;
    h.src_ip = in->client_ip;
    h.dest_ip = in->server_ip;
    h.src_port = in->client_port; /* of the first flow of the run */
    h.dest_port = in->server_port;
    h.proto = "TCP";
    eve_begin(j, &h, type);
}

static void str_or_null(jbuf *j, const char *key, const char *v) { jb_str(j, key, v && *v ? v : NULL); }

void incident_writer_write(void *ctx, const incident *in)
{
    incident_writer *w = ctx;
    jbuf *j = &w->jb;
    uint32_t sid;
    const char *sig = incident_tool_signature(in->tool, &sid);
    w->incidents++;
    const incident_service *svc = NULL;
    for (uint32_t i = 0; i < in->nservices && !svc; i++)
        if (in->services[i].created)
            svc = &in->services[i];
    if (!svc && in->nservices)
        svc = &in->services[0];
    if (w->log_incident) {
        hdr_incident(j, in, "incident");
        jb_open_object(j, "incident");
        jb_u64(j, "id", in->id);
        jb_str(j, "tool", in->tool);
        jb_open_array(j, "evidence");
        for (uint32_t i = 0; i < in->nevidence; i++)
            jb_str(j, NULL, in->evidence[i]);
        jb_close_array(j);
        jb_open_object(j, "client");
        jb_str(j, "ip", in->client_ip);
        str_or_null(j, "workstation", in->workstation);
        jb_close_object(j);
        jb_open_object(j, "server");
        jb_str(j, "ip", in->server_ip);
        jb_close_object(j);
        str_or_null(j, "user", in->user);
        str_or_null(j, "domain", in->domain);
        str_or_null(j, "workstation", in->workstation);
        str_or_null(j, "service_name", svc ? svc->name : NULL);
        str_or_null(j, "binary_path", svc ? svc->binary_path : NULL);
        str_or_null(j, "task_name", in->ntasks ? in->tasks[0].name : NULL);
        str_or_null(j, "task_command", in->ntasks ? in->tasks[0].command : NULL);
        jb_open_array(j, "services");
        for (uint32_t i = 0; i < in->nservices; i++) {
            jb_open_object(j, NULL);
            jb_str(j, "name", in->services[i].name);
            str_or_null(j, "binary_path", in->services[i].binary_path);
            jb_str(j, "operations", in->services[i].operations);
            jb_close_object(j);
        }
        jb_close_array(j);
        jb_open_array(j, "commands");
        for (uint32_t i = 0; i < in->ncommands; i++)
            jb_str(j, NULL, in->commands[i]);
        jb_close_array(j);
        jb_open_array(j, "files");
        for (uint32_t i = 0; i < in->nfiles; i++) {
            const incident_file *f = &in->files[i];
            char hex[65];
            if (!f->wrote)
                continue;
            jb_open_object(j, NULL);
            jb_str(j, "share", f->share);
            jb_str(j, "name", f->name);
            jb_u64(j, "size", f->size);
            jb_u64(j, "bytes_written", f->written);
            jb_str(j, "sha256", incident_file_sha256(f, hex) ? hex : NULL);
            jb_bool(j, "sha256_partial", f->partial || f->hashed < f->size);
            jb_u64(j, "bytes_hashed", f->hashed);
            jb_close_object(j);
        }
        jb_close_array(j);
        if (in->files_more)
            jb_u64(j, "files_more", in->files_more);
        /* files of admin shares opened without writing: the output smbexec
         * and atexec read back */
        jb_open_array(j, "files_read");
        for (uint32_t i = 0; i < in->nfiles; i++) {
            if (in->files[i].wrote)
                continue;
            jb_open_object(j, NULL);
            jb_str(j, "share", in->files[i].share);
            jb_str(j, "name", in->files[i].name);
            jb_close_object(j);
        }
        jb_close_array(j);
        jb_open_array(j, "shares");
        for (uint32_t i = 0; i < in->nshares; i++)
            jb_str(j, NULL, in->shares[i]);
        jb_close_array(j);
        jb_open_array(j, "pipes");
        for (uint32_t i = 0; i < in->npipes; i++)
            jb_str(j, NULL, in->pipes[i]);
        jb_close_array(j);
        if (in->pipes_more)
            jb_u64(j, "pipes_more", in->pipes_more);
        jb_open_array(j, "flows");
        for (uint32_t i = 0; i < in->nflows; i++)
            jb_u64(j, NULL, in->flows[i]);
        jb_close_array(j);
        if (in->flows_more)
            jb_u64(j, "flows_more", in->flows_more);
        jb_timestamp(j, "first_seen", in->first_usec);
        jb_timestamp(j, "last_seen", in->last_usec);
        jb_open_object(j, "events");
        jb_u64(j, "total", in->events);
        for (uint32_t i = 0; i < in->nids; i++) {
            char id[8];
            snprintf(id, sizeof(id), "%u", (unsigned)in->ids[i].event_id);
            jb_u64(j, id, in->ids[i].count);
        }
        jb_close_object(j);
        jb_u64(j, "alerts_total", in->alerts_total);
        jb_open_array(j, "alerts");
        for (uint32_t i = 0; i < in->nalerts; i++) {
            jb_open_object(j, NULL);
            jb_u64(j, "signature_id", in->alerts[i].signature_id);
            jb_str(j, "signature", in->alerts[i].signature);
            jb_u64(j, "count", in->alerts[i].count);
            jb_close_object(j);
        }
        jb_close_array(j);
        jb_open_array(j, "not_seen");
        for (uint32_t i = 0; i < in->nnot_seen; i++)
            jb_str(j, NULL, in->not_seen[i]);
        jb_close_array(j);
        jb_bool(j, "evicted", in->evicted);
        jb_close_object(j);
        jb_close_object(j);
        size_t len;
        const char *line = jb_line(j, &len);
        output_write(w->out, line, len);
    }
    if (w->log_alert) {
        w->alerts++;
        hdr_incident(j, in, "alert");
        jb_open_object(j, "alert");
        jb_str(j, "action", "allowed");
        jb_u64(j, "gid", 1);
        jb_u64(j, "signature_id", sid);
        jb_u64(j, "rev", 1);
        jb_str(j, "signature", sig);
        jb_str(j, "category", "Remote execution");
        jb_u64(j, "severity", 1);
        jb_close_object(j);
        jb_open_object(j, "incident");
        jb_u64(j, "id", in->id);
        jb_str(j, "tool", in->tool);
        str_or_null(j, "user", in->user);
        str_or_null(j, "service_name", svc ? svc->name : NULL);
        str_or_null(j, "binary_path", svc ? svc->binary_path : NULL);
        jb_close_object(j);
        jb_close_object(j);
        size_t len;
        const char *line = jb_line(j, &len);
        output_write(w->out, line, len);
    }
}
