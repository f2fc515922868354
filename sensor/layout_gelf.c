/* The gelf layout: GELF 1.1 (version, host, short_message, timestamp,
 * level), the Windows event's fields as additional fields named as Windows
 * names them (_EventID, _Channel, _SourceName, _Category, _Keywords,
 * _ShareName, _RelativeTargetName …: Graylog shows them without the '_'),
 * and the rest of the record flattened from EVE (_smb_command,
 * _alert_signature, _flow_pkts_toserver …; GELF allows no nesting, arrays
 * are kept as a string of their JSON). An incident and its alert also have
 * the names of the Graylog Information Model (_source_ip, _destination_ip,
 * _user_name, _user_domain, _service_name, _process_command_line,
 * _file_name, _hash_sha256 …). */
#include <stdio.h>
#include <string.h>

#include "eve.h"
#include "layout.h"
#include "layout_incident.h"
#include "layout_win.h"

/* An incident or its alert by the Graylog Information Model's names (GIM
 * additional fields); the EVE record flattened after them adds the rest
 * (_incident_tool, _incident_flows, _alert_signature …). */
static void incident_fields(jbuf *j, const incident *in)
{
    const incident_service *svc = incident_main_service(in);
    jb_str(j, "_event_action", "remote-execution");
    jb_str(j, "_source_ip", in->client_ip);
    jb_u64(j, "_source_port", in->client_port);
    if (in->workstation[0])
        jb_str(j, "_source_hostname", in->workstation);
    jb_str(j, "_destination_ip", in->server_ip);
    jb_u64(j, "_destination_port", in->server_port);
    if (in->user[0])
        jb_str(j, "_user_name", in->user);
    if (in->domain[0])
        jb_str(j, "_user_domain", in->domain);
    if (svc)
        jb_str(j, "_service_name", svc->name);
    const char *cmdline = svc && svc->binary_path[0] ? svc->binary_path
                          : in->ntasks && in->tasks[0].command[0] ? in->tasks[0].command
                                                                  : NULL;
    if (cmdline)
        jb_str(j, "_process_command_line", cmdline);
    if (in->nfiles) {
        char hex[65], path[2 * INCIDENT_NAME_MAX + 2];
        jb_str(j, "_file_name", in->files[0].name);
        jb_str(j, "_file_path", incident_file_path(&in->files[0], path, sizeof(path)));
        if (incident_file_hash(&in->files[0], hex)[0])
            jb_str(j, "_hash_sha256", hex);
    }
}

static void gelf_build(jbuf *j, const pw_record *r)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jb_str(j, "version", "1.1");
    bool windows = (r->kind == REC_WINLOG || r->kind == REC_ALERT) && r->ev;
    const win_event *e = windows ? r->ev : NULL;
    jb_str(j, "host", e && e->computer_name && e->computer_name[0] ? e->computer_name : sensor_hostname());
    char msg[512];
    int level = 6;
    if (r->kind == REC_ALERT && e) {
        snprintf(msg, sizeof(msg), "%s: %s %s from %s", sigma_rule_title(r->rule), win_field(e, "ShareName"),
                 win_field(e, "RelativeTargetName"), win_field(e, "IpAddress"));
        level = sigma_level_severity(sigma_rule_level(r->rule));
    } else if (e)
        snprintf(msg, sizeof(msg), "%s", win_title(e->event_id));
    else if (r->incident) {
        /* the run in one line; its alert at the level of a critical Sigma rule */
        char sum[400];
        uint32_t sid;
        incident_summary(r->incident, sum, sizeof(sum));
        snprintf(msg, sizeof(msg), "%s%s%s", r->kind == REC_ALERT ? incident_tool_signature(r->incident->tool, &sid) : "",
                 r->kind == REC_ALERT ? ": " : "", sum);
        level = r->kind == REC_ALERT ? sigma_level_severity("critical") : 5;
    }
    else if (r->kind == REC_FLOW && r->hdr.src_ip)
        snprintf(msg, sizeof(msg), "flow %s:%u -> %s:%u %s", r->hdr.src_ip, r->hdr.src_port, r->hdr.dest_ip,
                 r->hdr.dest_port, r->flow->reason ? r->flow->reason : "");
    else
        snprintf(msg, sizeof(msg), "pipewatch %s record", rec_kind_name(r->kind));
    jb_str(j, "short_message", msg);
    jb_epoch(j, "timestamp", r->hdr.ts_usec);
    jb_u64(j, "level", (uint64_t)level);
    if (e) {
        jb_u64(j, "_EventID", e->event_id);
        jb_str(j, "_Channel", win_channel(e));
        jb_str(j, "_SourceName", win_provider(e));
        jb_str(j, "_Hostname", e->computer_name ? e->computer_name : "");
        jb_str(j, "_Category", win_task(e->event_id));
        jb_str(j, "_Keywords", win_keywords(e));
        jb_str(j, "_EventType", e->audit_success ? "AUDIT_SUCCESS" : "AUDIT_FAILURE");
        for (size_t i = 0; i < e->ndata; i++) {
            char key[80];
            snprintf(key, sizeof(key), "_%s", e->fields[i].name);
            jb_str(j, key, e->fields[i].value ? e->fields[i].value : "");
        }
    }
    if (r->incident)
        incident_fields(j, r->incident);
    size_t n;
    const char *eve = eve_text(r, &n);
    static const char *const skip[] = {"timestamp", "winlog", NULL};
    flat_members(j, eve, n, "_", skip);
    jb_close_object(j);
}

const layout_ops layout_gelf = {"gelf", gelf_build};
