/* The splunk layout: Splunk HTTP Event Collector JSON, one event per
 * record: time (epoch seconds), host, source, sourcetype and event. A
 * Windows event has source WinEventLog:Security (WinEventLog:System for the
 * service control manager's) and sourcetype WinEventLog, and its fields flat
 * under event by the names Splunk's Windows add-on extracts (EventCode,
 * ComputerName, LogName, SourceName, TaskCategory, Keywords, the EventData
 * names: ShareName, RelativeTargetName …). Alerts carry the same fields
 * with the rule's under source pipewatch:alert; an incident (source
 * pipewatch:incident) and its alert (pipewatch:alert) have flat fields by
 * the names of Splunk's Common Information Model (src, dest, user,
 * service_name, service_path, file_name, file_hash, signature …) besides
 * their EVE objects; other records carry their EVE object under source
 * pipewatch:<type>. */
#include <stdio.h>
#include <string.h>

#include "eve.h"
#include "layout.h"
#include "layout_incident.h"
#include "layout_win.h"

static void windows_fields(jbuf *j, const pw_record *r)
{
    const win_event *e = r->ev;
    char code[8];
    snprintf(code, sizeof(code), "%u", e->event_id);
    jb_str(j, "LogName", win_channel(e));
    jb_str(j, "SourceName", win_provider(e));
    jb_str(j, "EventCode", code);
    jb_str(j, "EventType", "0");
    jb_str(j, "Type", "Information");
    jb_str(j, "ComputerName", e->computer_name ? e->computer_name : "");
    jb_str(j, "TaskCategory", win_task(e->event_id));
    jb_str(j, "OpCode", "Info");
    jb_str(j, "Keywords", win_keywords(e));
    jb_str(j, "Message", win_title(e->event_id));
    for (size_t i = 0; i < e->ndata; i++)
        jb_str(j, e->fields[i].name, e->fields[i].value ? e->fields[i].value : "");
    if (r->hdr.src_ip) {
        jb_str(j, "src_ip", r->hdr.src_ip);
        jb_u64(j, "src_port", r->hdr.src_port);
        jb_str(j, "dest_ip", r->hdr.dest_ip);
        jb_u64(j, "dest_port", r->hdr.dest_port);
    }
    if (r->hdr.flow_id)
        jb_u64(j, "flow_id", r->hdr.flow_id);
}

/* Lists as JSON arrays: Splunk makes them multivalue fields. */
static void names_array(jbuf *j, const char *key, const char (*names)[INCIDENT_NAME_MAX], uint32_t n)
{
    jb_open_array(j, key);
    for (uint32_t i = 0; i < n; i++)
        jb_str(j, NULL, names[i]);
    jb_close_array(j);
}

/* An incident or its alert: CIM names (Intrusion Detection, Endpoint
 * Services and Filesystem) where CIM has one, the EVE names otherwise. */
static void incident_fields(jbuf *j, const pw_record *r)
{
    const incident *in = r->incident;
    const incident_service *svc = incident_main_service(in);
    char buf[1024];
    if (r->kind == REC_ALERT) {
        uint32_t sid;
        jb_str(j, "signature", incident_tool_signature(in->tool, &sid));
        jb_u64(j, "signature_id", sid);
        jb_u64(j, "severity", 1);
        jb_str(j, "category", "Remote execution");
        jb_str(j, "ids_type", "network");
    }
    jb_str(j, "vendor_product", "pipewatch");
    jb_str(j, "action", "remote-execution");
    jb_str(j, "message", incident_summary(in, buf, sizeof(buf)));
    jb_str(j, "tool", in->tool);
    snprintf(buf, sizeof(buf), "%llu", (unsigned long long)in->id);
    jb_str(j, "incident_id", buf);
    jb_str(j, "src", in->workstation[0] ? in->workstation : in->client_ip);
    jb_str(j, "src_ip", in->client_ip);
    jb_u64(j, "src_port", in->client_port);
    if (in->workstation[0])
        jb_str(j, "src_nt_host", in->workstation);
    jb_str(j, "dest", in->server_ip);
    jb_str(j, "dest_ip", in->server_ip);
    jb_u64(j, "dest_port", in->server_port);
    jb_str(j, "transport", "tcp");
    jb_str(j, "app", "smb");
    if (in->user[0])
        jb_str(j, "user", in->user);
    if (in->domain[0])
        jb_str(j, "domain", in->domain);
    if (svc) {
        jb_str(j, "service_name", svc->name);
        if (svc->binary_path[0])
            jb_str(j, "service_path", svc->binary_path);
    }
    if (in->ntasks) {
        jb_str(j, "task_name", in->tasks[0].name);
        if (in->tasks[0].command[0])
            jb_str(j, "process", in->tasks[0].command);
    }
    if (in->nfiles) {
        char hex[65], path[2 * INCIDENT_NAME_MAX + 2];
        jb_open_array(j, "file_name");
        for (uint32_t i = 0; i < in->nfiles; i++)
            jb_str(j, NULL, in->files[i].name);
        jb_close_array(j);
        jb_open_array(j, "file_path");
        for (uint32_t i = 0; i < in->nfiles; i++)
            jb_str(j, NULL, incident_file_path(&in->files[i], path, sizeof(path)));
        jb_close_array(j);
        jb_open_array(j, "file_hash");
        for (uint32_t i = 0; i < in->nfiles; i++)
            if (incident_file_hash(&in->files[i], hex)[0])
                jb_str(j, NULL, hex);
        jb_close_array(j);
    }
    names_array(j, "pipe", in->pipes, in->npipes);
    jb_open_array(j, "flow_id");
    for (uint32_t i = 0; i < in->nflows; i++)
        jb_u64(j, NULL, in->flows[i]);
    jb_close_array(j);
    jb_epoch(j, "first_seen", in->first_usec);
    jb_epoch(j, "last_seen", in->last_usec);
    jb_epoch(j, "duration", in->last_usec - in->first_usec); /* seconds */
    if (r->kind == REC_ALERT)
        eve_incident_alert_objects(j, in);
    else
        eve_incident_object(j, in);
}

static void splunk_build(jbuf *j, const pw_record *r)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jb_epoch(j, "time", r->hdr.ts_usec);
    bool windows = (r->kind == REC_WINLOG || r->kind == REC_ALERT) && r->ev;
    jb_str(j, "host", windows && r->ev->computer_name && r->ev->computer_name[0] ? r->ev->computer_name
                                                                                 : sensor_hostname());
    char source[64];
    if (r->kind == REC_WINLOG && windows) {
        snprintf(source, sizeof(source), "WinEventLog:%s", win_channel(r->ev));
        jb_str(j, "source", source);
        jb_str(j, "sourcetype", "WinEventLog");
        jb_open_object(j, "event");
        windows_fields(j, r);
        eve_smb_member(j, r);
        jb_close_object(j);
    } else if (r->kind == REC_ALERT && windows) {
        jb_str(j, "source", "pipewatch:alert");
        jb_str(j, "sourcetype", "pipewatch:alert");
        jb_open_object(j, "event");
        jb_str(j, "signature", sigma_rule_title(r->rule));
        jb_u64(j, "signature_id", sigma_rule_signature_id(r->rule));
        jb_u64(j, "severity", (uint64_t)sigma_rule_severity(r->rule));
        jb_str(j, "rule_id", sigma_rule_id(r->rule));
        jb_str(j, "rule_level", sigma_rule_level(r->rule));
        windows_fields(j, r);
        eve_alert_object(j, r->rule);
        eve_smb_member(j, r);
        jb_close_object(j);
    } else if (r->incident) {
        const char *src = r->kind == REC_ALERT ? "pipewatch:alert" : "pipewatch:incident";
        jb_str(j, "source", src);
        jb_str(j, "sourcetype", src);
        jb_open_object(j, "event");
        incident_fields(j, r);
        jb_close_object(j);
    } else {
        snprintf(source, sizeof(source), "pipewatch:%s", rec_kind_name(r->kind));
        jb_str(j, "source", source);
        jb_str(j, "sourcetype", "pipewatch:eve");
        size_t n;
        const char *eve = eve_text(r, &n);
        jb_raw(j, "event", eve, n);
    }
    jb_close_object(j);
}

const layout_ops layout_splunk = {"splunk", splunk_build};
