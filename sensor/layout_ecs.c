/* The ECS layout: each record as Elastic Common Schema fields, a Windows
 * event as Winlogbeat's security module indexes it (@timestamp, event.code,
 * event.action/category/type/outcome, host.name, source.*, user.*, winlog.*
 * with AccessListDescription and AccessMaskDescription), an alert as an ECS
 * alert (event.kind alert, rule.*, threat.*). What ECS has no field for is
 * kept under "pipewatch" in EVE's shape. */
#include <stdio.h>
#include <string.h>

#include "../detect/winevent_families.h"
#include "eve.h"
#include "layout.h"
#include "layout_incident.h"
#include "layout_win.h"

static void base(jbuf *j, const pw_record *r, const char *kind)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jb_rfc3339(j, "@timestamp", r->hdr.ts_usec);
    jb_open_object(j, "ecs");
    jb_str(j, "version", "8.11.0");
    jb_close_object(j);
    jb_open_object(j, "observer");
    jb_str(j, "type", "sensor");
    jb_str(j, "product", "pipewatch");
    jb_close_object(j);
    (void)kind;
}

static void addresses(jbuf *j, const rec_hdr *h)
{
    if (!h->src_ip)
        return;
    jb_open_object(j, "source");
    jb_str(j, "ip", h->src_ip);
    jb_u64(j, "port", h->src_port);
    jb_close_object(j);
    jb_open_object(j, "destination");
    jb_str(j, "ip", h->dest_ip);
    jb_u64(j, "port", h->dest_port);
    jb_close_object(j);
    jb_open_object(j, "network");
    jb_str(j, "transport", "tcp");
    jb_str(j, "protocol", "smb");
    jb_close_object(j);
}

static void one(jbuf *j, const char *key, const char *v)
{
    jb_open_array(j, key);
    jb_str(j, NULL, v);
    jb_close_array(j);
}

/* The event object of a Windows event (kind "event") or an alert on one. */
static void event_object(jbuf *j, const win_event *e, const sigma_rule *rule)
{
    char code[8];
    snprintf(code, sizeof(code), "%u", e->event_id);
    jb_open_object(j, "event");
    jb_str(j, "kind", rule ? "alert" : "event");
    jb_str(j, "code", code);
    jb_str(j, "provider", win_provider(e));
    jb_str(j, "module", "security");
    const win_ecs *c = win_ecs_of(e->event_id);
    jb_str(j, "action", c->action ? c->action : win_task(e->event_id));
    if (rule) {
        one(j, "category", "intrusion_detection");
        one(j, "type", "info");
        jb_u64(j, "severity", (uint64_t)sigma_rule_severity(rule));
    } else {
        jb_open_array(j, "category");
        for (size_t i = 0; i < 2 && c->category[i]; i++)
            jb_str(j, NULL, c->category[i]);
        jb_close_array(j);
        one(j, "type", c->type);
    }
    jb_str(j, "outcome", e->audit_success ? "success" : "failure");
    jb_close_object(j);
}

static void user_host(jbuf *j, const win_event *e)
{
    jb_open_object(j, "host");
    jb_str(j, "name", e->computer_name ? e->computer_name : "");
    jb_close_object(j);
    if (!winevent_get(e, "SubjectUserName"))
        return; /* the System log's events name no subject */
    jb_open_object(j, "user");
    jb_str(j, "name", win_field(e, "SubjectUserName"));
    jb_str(j, "domain", win_field(e, "SubjectDomainName"));
    jb_str(j, "id", win_field(e, "SubjectUserSid"));
    jb_close_object(j);
}

/* winlog.* as Winlogbeat writes it, event_data with the rendered access names. */
static void winlog_object(jbuf *j, const win_event *e)
{
    char code[8];
    snprintf(code, sizeof(code), "%u", e->event_id);
    jb_open_object(j, "winlog");
    jb_str(j, "channel", win_channel(e));
    jb_str(j, "provider_name", win_provider(e));
    jb_str(j, "event_id", code);
    jb_str(j, "computer_name", e->computer_name ? e->computer_name : "");
    const win_envelope *env = winevent_envelope(e->event_id);
    jb_str(j, "task", env ? env->task_name : win_task(e->event_id));
    if (env)
        jb_str(j, "opcode", env->opcode);
    jb_open_array(j, "keywords");
    jb_str(j, NULL, win_keywords(e));
    jb_close_array(j);
    jb_open_object(j, "event_data");
    /* as Winlogbeat: fields with no value are left out; its security
     * module indexes AccessMask as an array of its words ("0x12019f") */
    for (size_t i = 0; i < e->ndata; i++) {
        const sigma_field *fd = &e->fields[i];
        if (!fd->value || !fd->value[0])
            continue;
        if (!strcmp(fd->name, "AccessMask")) {
            one(j, fd->name, fd->value);
            continue;
        }
        jb_str(j, fd->name, fd->value);
    }
    /* the renderings by name every layout takes from the event
     * (detect/winevent_share.c) */
    eve_names_array(j, "AccessListDescription", winevent_get(e, "AccessListDescription"));
    eve_names_array(j, "AccessMaskDescription", winevent_get(e, "AccessMaskDescription"));
    jb_close_object(j);
    jb_close_object(j);
}

/* rule.* and threat.* of a Sigma match. */
static void rule_objects(jbuf *j, const sigma_rule *r)
{
    jb_open_object(j, "rule");
    jb_str(j, "uuid", sigma_rule_id(r));
    char sid[16];
    snprintf(sid, sizeof(sid), "%u", sigma_rule_signature_id(r));
    jb_str(j, "id", sid);
    jb_str(j, "name", sigma_rule_title(r));
    jb_str(j, "ruleset", "sigma");
    if (sigma_rule_reference_count(r))
        jb_str(j, "reference", sigma_rule_reference(r, 0));
    jb_close_object(j);
    /* attack.t1021.002 -> technique T1021.002 */
    jb_open_object(j, "threat");
    jb_str(j, "framework", "MITRE ATT&CK");
    jb_open_object(j, "technique");
    jb_open_array(j, "id");
    for (size_t i = 0; i < sigma_rule_tag_count(r); i++) {
        const char *t = sigma_rule_tag(r, i);
        if (!strncmp(t, "attack.t", 8) && t[8] >= '0' && t[8] <= '9') {
            char id[32];
            snprintf(id, sizeof(id), "T%s", t + 8);
            jb_str(j, NULL, id);
        }
    }
    jb_close_array(j);
    jb_close_object(j);
    jb_close_object(j);
}

/* An incident (event.kind event) or the alert raised for it (event.kind
 * alert), in ECS terms: source/destination the client and the server,
 * source.domain the client's workstation (as Winlogbeat fills it from
 * WorkstationName), user.*, service.name and process.* for the service the run
 * created (as Winlogbeat's security module fills service.* for 4697),
 * file.* for the first file written to an admin share, related.* for all of
 * them; the whole incident in EVE's shape under pipewatch. */
static void incident_ecs(jbuf *j, const pw_record *r)
{
    const incident *in = r->incident;
    bool alert = r->kind == REC_ALERT;
    const incident_service *svc = incident_main_service(in);
    uint32_t sid;
    const char *sig = incident_tool_signature(in->tool, &sid);
    char msg[1536], sum[1024];
    incident_summary(in, sum, sizeof(sum));
    snprintf(msg, sizeof(msg), "%s%s%s", alert ? sig : "", alert ? ": " : "", sum);
    jb_str(j, "message", msg);
    jb_open_object(j, "event");
    jb_str(j, "kind", alert ? "alert" : "event");
    if (alert)
        one(j, "category", "intrusion_detection");
    else {
        jb_open_array(j, "category");
        jb_str(j, NULL, "network");
        jb_str(j, NULL, "process");
        jb_close_array(j);
    }
    one(j, "type", "info");
    jb_str(j, "action", "remote-execution");
    jb_str(j, "module", "pipewatch");
    jb_str(j, "dataset", alert ? "pipewatch.alert" : "pipewatch.incident");
    if (!alert) {
        char id[24];
        snprintf(id, sizeof(id), "%llu", (unsigned long long)in->id);
        jb_str(j, "id", id);
    }
    jb_rfc3339(j, "start", in->first_usec);
    jb_rfc3339(j, "end", in->last_usec);
    jb_u64(j, "duration", (in->last_usec - in->first_usec) * 1000u);
    if (alert)
        jb_u64(j, "severity", 1);
    jb_close_object(j);
    if (alert) {
        char id[16];
        snprintf(id, sizeof(id), "%u", sid);
        jb_open_object(j, "rule");
        jb_str(j, "id", id);
        jb_str(j, "name", sig);
        jb_str(j, "category", "Remote execution");
        jb_str(j, "ruleset", "pipewatch-incidents");
        jb_close_object(j);
    }
    const char *tech[4];
    size_t nt = incident_techniques(in, tech);
    jb_open_object(j, "threat");
    jb_str(j, "framework", "MITRE ATT&CK");
    jb_open_object(j, "technique");
    jb_open_array(j, "id");
    for (size_t i = 0; i < nt; i++)
        jb_str(j, NULL, tech[i]);
    jb_close_array(j);
    jb_close_object(j);
    /* the tool, where ATT&CK names the software a technique was carried out with */
    jb_open_object(j, "software");
    jb_str(j, "name", in->tool);
    jb_close_object(j);
    jb_close_object(j);
    jb_open_object(j, "source");
    jb_str(j, "ip", in->client_ip);
    if (in->client_port)
        jb_u64(j, "port", in->client_port);
    if (in->workstation[0])
        jb_str(j, "domain", in->workstation);
    jb_close_object(j);
    jb_open_object(j, "destination");
    jb_str(j, "ip", in->server_ip);
    if (in->server_port)
        jb_u64(j, "port", in->server_port);
    jb_close_object(j);
    jb_open_object(j, "network");
    jb_str(j, "transport", "tcp");
    jb_str(j, "protocol", "smb");
    jb_close_object(j);
    if (in->user[0]) {
        jb_open_object(j, "user");
        jb_str(j, "name", in->user);
        if (in->domain[0])
            jb_str(j, "domain", in->domain);
        jb_close_object(j);
    }
    if (svc) {
        jb_open_object(j, "service");
        jb_str(j, "name", svc->name);
        jb_close_object(j);
    }
    /* what the service control manager or the task scheduler was told to run */
    const char *cmdline = svc && svc->binary_path[0] ? svc->binary_path
                          : in->ntasks && in->tasks[0].command[0] ? in->tasks[0].command
                                                                  : NULL;
    if (cmdline) {
        jb_open_object(j, "process");
        jb_str(j, "command_line", cmdline);
        if (!strchr(cmdline, ' ')) {
            const char *slash = strrchr(cmdline, '\\');
            jb_str(j, "executable", cmdline);
            jb_str(j, "name", slash ? slash + 1 : cmdline);
        }
        jb_close_object(j);
    }
    char hex[65];
    if (in->nfiles) {
        const incident_file *f = &in->files[0];
        char path[2 * INCIDENT_NAME_MAX + 2];
        jb_open_object(j, "file");
        jb_str(j, "name", f->name);
        jb_str(j, "directory", f->share);
        jb_str(j, "path", incident_file_path(f, path, sizeof(path)));
        jb_u64(j, "size", f->size);
        if (incident_file_hash(f, hex)[0]) {
            jb_open_object(j, "hash");
            jb_str(j, "sha256", hex);
            jb_close_object(j);
        }
        jb_close_object(j);
    }
    jb_open_object(j, "related");
    jb_open_array(j, "ip");
    jb_str(j, NULL, in->client_ip);
    jb_str(j, NULL, in->server_ip);
    jb_close_array(j);
    if (in->user[0])
        one(j, "user", in->user);
    if (in->workstation[0])
        one(j, "hosts", in->workstation);
    bool hashed = false;
    for (uint32_t i = 0; i < in->nfiles; i++)
        if (incident_file_hash(&in->files[i], hex)[0]) {
            if (!hashed)
                jb_open_array(j, "hash");
            hashed = true;
            jb_str(j, NULL, hex);
        }
    if (hashed)
        jb_close_array(j);
    jb_close_object(j);
    jb_open_object(j, "pipewatch");
    jb_str(j, "event_type", rec_kind_name(r->kind));
    if (alert)
        eve_incident_alert_objects(j, in);
    else
        eve_incident_object(j, in);
    jb_close_object(j);
}

/* A Sigma correlation's alert: the rule in ECS terms, the correlation (its
 * group, value and counted events) in EVE's shape under pipewatch. */
static void correlation_ecs(jbuf *j, const pw_record *r)
{
    jb_open_object(j, "event");
    jb_str(j, "kind", "alert");
    one(j, "category", "intrusion_detection");
    one(j, "type", "info");
    jb_str(j, "action", "sigma-correlation");
    jb_u64(j, "severity", (uint64_t)sigma_rule_severity(r->rule));
    jb_close_object(j);
    rule_objects(j, r->rule);
    jb_open_object(j, "pipewatch");
    jb_str(j, "event_type", rec_kind_name(r->kind));
    size_t n;
    const char *eve = eve_text(r, &n);
    jb_raw(j, "eve", eve, n);
    jb_close_object(j);
}

static void ecs_build(jbuf *j, const pw_record *r)
{
    base(j, r, rec_kind_name(r->kind));
    if (r->incident || (r->kind == REC_ALERT && r->corr)) {
        if (r->incident)
            incident_ecs(j, r);
        else
            correlation_ecs(j, r);
        jb_close_object(j);
        return;
    }
    switch (r->kind) {
    case REC_WINLOG:
    case REC_ALERT:
        event_object(j, r->ev, r->kind == REC_ALERT ? r->rule : NULL);
        if (r->kind == REC_ALERT)
            rule_objects(j, r->rule);
        user_host(j, r->ev);
        addresses(j, &r->hdr);
        winlog_object(j, r->ev);
        break;
    case REC_SMB:
        jb_open_object(j, "event");
        jb_str(j, "kind", "event");
        one(j, "category", "network");
        one(j, "type", "protocol");
        jb_close_object(j);
        addresses(j, &r->hdr);
        break;
    case REC_FLOW:
        jb_open_object(j, "event");
        jb_str(j, "kind", "event");
        one(j, "category", "network");
        jb_open_array(j, "type");
        jb_str(j, NULL, "connection");
        jb_str(j, NULL, "end");
        jb_close_array(j);
        jb_rfc3339(j, "start", r->flow->start_usec);
        jb_rfc3339(j, "end", r->flow->end_usec);
        jb_u64(j, "duration", (r->flow->end_usec - r->flow->start_usec) * 1000u);
        jb_close_object(j);
        if (r->hdr.src_ip) {
            jb_open_object(j, "source");
            jb_str(j, "ip", r->hdr.src_ip);
            jb_u64(j, "port", r->hdr.src_port);
            jb_u64(j, "packets", r->flow->pkts_toserver);
            jb_u64(j, "bytes", r->flow->bytes_toserver);
            jb_close_object(j);
            jb_open_object(j, "destination");
            jb_str(j, "ip", r->hdr.dest_ip);
            jb_u64(j, "port", r->hdr.dest_port);
            jb_u64(j, "packets", r->flow->pkts_toclient);
            jb_u64(j, "bytes", r->flow->bytes_toclient);
            jb_close_object(j);
            jb_open_object(j, "network");
            jb_str(j, "transport", r->hdr.proto && !strcmp(r->hdr.proto, "UDP") ? "udp" : "tcp");
            if (r->flow->app_proto)
                jb_str(j, "protocol", r->flow->app_proto);
            jb_close_object(j);
        }
        break;
    case REC_STATS:
        jb_open_object(j, "event");
        jb_str(j, "kind", "metric");
        jb_close_object(j);
        break;
    default:
        break;
    }
    /* the rest as EVE has it */
    jb_open_object(j, "pipewatch");
    jb_str(j, "event_type", rec_kind_name(r->kind));
    if (r->hdr.flow_id)
        jb_u64(j, "flow_id", r->hdr.flow_id);
    if (r->hdr.pcap_cnt)
        jb_u64(j, "pcap_cnt", r->hdr.pcap_cnt);
    if (r->kind == REC_ALERT)
        eve_alert_object(j, r->rule);
    if (r->fact)
        eve_smb_member(j, r);
    if (r->kind == REC_FLOW)
        eve_flow_object(j, r->flow);
    if (r->kind == REC_STATS)
        eve_stats_object(j, r->stats);
    if (r->kind != REC_SMB && r->kind != REC_WINLOG && r->kind != REC_ALERT && r->kind != REC_FLOW &&
        r->kind != REC_STATS) {
        /* a record type with no ECS mapping of its own (incident): its EVE record whole */
        size_t n;
        const char *eve = eve_text(r, &n);
        jb_raw(j, "eve", eve, n);
    }
    jb_close_object(j);
    jb_close_object(j);
}

const layout_ops layout_ecs = {"ecs", ecs_build};
