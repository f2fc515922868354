/* Incident records and their alerts for the layouts (layout_incident.h). */
#include "layout_incident.h"

#include <stdio.h>
#include <string.h>

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
    for (size_t i = 0; tool && i < n; i++)
        if (strcmp(tool_signatures[i].tool, tool) == 0) {
            *sid = 3900001u + (uint32_t)i; /* one fixed id per tool, apart from the Sigma rules' */
            return tool_signatures[i].signature;
        }
    *sid = 3900000u;
    return "Remote execution";
}

const incident_service *incident_main_service(const incident *in)
{
    for (uint32_t i = 0; i < in->nservices; i++)
        if (in->services[i].created)
            return &in->services[i];
    return in->nservices ? &in->services[0] : NULL;
}

const char *incident_summary(const incident *in, char *buf, size_t n)
{
    const incident_service *svc = incident_main_service(in);
    size_t o = 0;
#define PUT(...)                                                                                                   \
    do {                                                                                                           \
        int k_ = snprintf(buf + o, n - o, __VA_ARGS__);                                                            \
        o = k_ < 0 ? o : (o + (size_t)k_ < n ? o + (size_t)k_ : n - 1);                                            \
    } while (0)
    buf[0] = 0;
    PUT("%s", in->tool ? in->tool : "remote execution");
    if (in->user[0])
        PUT(" by %s%s%s", in->domain, in->domain[0] ? "\\" : "", in->user);
    PUT(" from %s", in->client_ip);
    if (in->workstation[0])
        PUT(" (%s)", in->workstation);
    PUT(" on %s", in->server_ip);
    if (svc)
        PUT(": service %s%s%s", svc->name, svc->binary_path[0] ? ", " : "", svc->binary_path);
    else if (in->ntasks)
        PUT(": task %s%s%s", in->tasks[0].name, in->tasks[0].command[0] ? ", " : "", in->tasks[0].command);
#undef PUT
    return buf;
}

size_t incident_techniques(const incident *in, const char *out[4])
{
    size_t k = 0;
    out[k++] = "T1021.002"; /* SMB/Windows Admin Shares */
    if (in->nservices)
        out[k++] = "T1569.002"; /* System Services: Service Execution */
    if (in->ntasks || in->tasks_sealed)
        out[k++] = "T1053.005"; /* Scheduled Task/Job: Scheduled Task */
    if (in->nfiles)
        out[k++] = "T1570"; /* Lateral Tool Transfer */
    return k;
}

const char *incident_file_hash(const incident_file *f, char hex[65])
{
    if (!incident_file_sha256(f, hex) || f->partial || f->hashed < f->size)
        hex[0] = 0;
    return hex;
}

const char *incident_file_path(const incident_file *f, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", f->share, f->share[0] ? "\\" : "", f->name);
    return buf;
}

static void str_or_null(jbuf *j, const char *key, const char *v) { jb_str(j, key, v && *v ? v : NULL); }

void eve_incident_object(jbuf *j, const incident *in)
{
    const incident_service *svc = incident_main_service(in);
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
    /* files of admin shares opened only to be read: the output smbexec and
     * atexec read back */
    jb_open_array(j, "files_read");
    for (uint32_t i = 0; i < in->nfiles_read; i++) {
        jb_open_object(j, NULL);
        jb_str(j, "share", in->files_read[i].share);
        jb_str(j, "name", in->files_read[i].name);
        jb_close_object(j);
    }
    jb_close_array(j);
    if (in->files_read_more)
        jb_u64(j, "files_read_more", in->files_read_more);
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
}

void eve_incident_alert_objects(jbuf *j, const incident *in)
{
    uint32_t sid;
    const char *sig = incident_tool_signature(in->tool, &sid);
    const incident_service *svc = incident_main_service(in);
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
}
