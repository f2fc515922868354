/* The logpoint layout: one flat JSON object per record. A Windows event has
 * the names LogPoint's Windows normalisation and its Sigma conversions use
 * (event_source: the provider, event_id, event_category: the task,
 * event_type: Audit Success/Failure, host, user, domain, source_address,
 * source_port, destination_address, destination_port) and its EventData
 * fields as Windows names them (ShareName, RelativeTargetName …); the rest
 * of the record is flattened from EVE (smb_command, alert_signature …). An
 * incident and its alert add the taxonomy's names for the run (user,
 * domain, workstation, service, command, file, hash …). */
#include <stdio.h>
#include <string.h>

#include "eve.h"
#include "layout.h"
#include "layout_incident.h"
#include "layout_win.h"

static void logpoint_build(jbuf *j, const pw_record *r)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jb_rfc3339(j, "log_ts", r->hdr.ts_usec);
    jb_str(j, "record_type", rec_kind_name(r->kind));
    const win_event *e = (r->kind == REC_WINLOG || r->kind == REC_ALERT) ? r->ev : NULL;
    if (e) {
        jb_str(j, "event_source", win_provider(e));
        jb_u64(j, "event_id", e->event_id);
        jb_str(j, "channel", win_channel(e));
        jb_str(j, "event_category", win_task(e->event_id));
        jb_str(j, "event_type", win_keywords(e));
        jb_str(j, "host", e->computer_name ? e->computer_name : "");
        jb_str(j, "user", win_field(e, "SubjectUserName"));
        jb_str(j, "domain", win_field(e, "SubjectDomainName"));
        jb_str(j, "message", win_title(e->event_id));
        for (size_t i = 0; i < e->ndata; i++)
            jb_str(j, e->fields[i].name, e->fields[i].value ? e->fields[i].value : "");
    }
    if (r->incident) {
        const incident *in = r->incident;
        const incident_service *svc = incident_main_service(in);
        char buf[1024];
        if (r->kind == REC_ALERT) {
            uint32_t sid;
            jb_str(j, "alert_name", incident_tool_signature(in->tool, &sid));
            jb_str(j, "severity", "critical");
        }
        jb_str(j, "message", incident_summary(in, buf, sizeof(buf)));
        jb_str(j, "action", "remote-execution");
        if (in->user[0])
            jb_str(j, "user", in->user);
        if (in->domain[0])
            jb_str(j, "domain", in->domain);
        if (in->workstation[0])
            jb_str(j, "workstation", in->workstation);
        if (svc) {
            jb_str(j, "service", svc->name);
            if (svc->binary_path[0])
                jb_str(j, "command", svc->binary_path);
        } else if (in->ntasks && in->tasks[0].command[0])
            jb_str(j, "command", in->tasks[0].command);
        if (in->nfiles) {
            char hex[65];
            jb_str(j, "file", in->files[0].name);
            jb_str(j, "path", incident_file_path(&in->files[0], buf, sizeof(buf)));
            if (incident_file_hash(&in->files[0], hex)[0])
                jb_str(j, "hash", hex);
        }
    }
    if (r->hdr.src_ip) {
        jb_str(j, "source_address", r->hdr.src_ip);
        jb_u64(j, "source_port", r->hdr.src_port);
        jb_str(j, "destination_address", r->hdr.dest_ip);
        jb_u64(j, "destination_port", r->hdr.dest_port);
    }
    size_t n;
    const char *eve = eve_text(r, &n);
    static const char *const skip[] = {"timestamp", "winlog", "event_type", "src_ip",  "src_port",
                                       "dest_ip",   "dest_port", NULL};
    flat_members(j, eve, n, "", skip);
    jb_close_object(j);
}

const layout_ops layout_logpoint = {"logpoint", logpoint_build};
