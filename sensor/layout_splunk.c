/* The splunk layout: Splunk HTTP Event Collector JSON, one event per
 * record: time (epoch seconds), host, source, sourcetype and event. A
 * Windows event has source WinEventLog:Security (WinEventLog:System for the
 * service control manager's) and sourcetype WinEventLog, and its fields flat
 * under event by the names Splunk's Windows add-on extracts (EventCode,
 * ComputerName, LogName, SourceName, TaskCategory, Keywords, the EventData
 * names: ShareName, RelativeTargetName …). Alerts carry the same fields
 * with the rule's under source pipewatch:alert; other records carry their
 * EVE object under source pipewatch:<type>. */
#include <stdio.h>
#include <string.h>

#include "eve.h"
#include "layout.h"
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
        eve_smb_object(j, r->fact, r->tx_id);
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
        eve_smb_object(j, r->fact, r->tx_id);
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
