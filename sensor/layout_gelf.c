/* The gelf layout: GELF 1.1 (version, host, short_message, timestamp,
 * level), the Windows event's fields as additional fields named as Windows
 * names them (_EventID, _Channel, _SourceName, _Category, _Keywords,
 * _ShareName, _RelativeTargetName …: Graylog shows them without the '_'),
 * and the rest of the record flattened from EVE (_smb_command,
 * _alert_signature, _flow_pkts_toserver …; GELF allows no nesting, arrays
 * are kept as a string of their JSON). */
#include <stdio.h>
#include <string.h>

#include "eve.h"
#include "layout.h"
#include "layout_win.h"

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
    size_t n;
    const char *eve = eve_text(r, &n);
    static const char *const skip[] = {"timestamp", "winlog", NULL};
    flat_members(j, eve, n, "_", skip);
    jb_close_object(j);
}

const layout_ops layout_gelf = {"gelf", gelf_build};
