/* The EVE layout: Suricata's EVE JSON, one object per record. */
#include "eve.h"

#include <stdio.h>
#include <string.h>

#include "../detect/winevent_families.h"
#include "../protocols/smb_conn.h"
#include "layout_incident.h"

void eve_format_guid(const uint8_t id[16], char out[37])
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (int i = 0; i < 16; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            out[o++] = '-';
        out[o++] = hex[id[i] >> 4];
        out[o++] = hex[id[i] & 15];
    }
    out[o] = 0;
}

void eve_begin(jbuf *j, const rec_hdr *h, const char *event_type)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jb_timestamp(j, "timestamp", h->ts_usec);
    if (h->flow_id)
        jb_u64(j, "flow_id", h->flow_id);
    if (h->pcap_cnt)
        jb_u64(j, "pcap_cnt", h->pcap_cnt);
    jb_str(j, "event_type", event_type);
    if (h->vlan_id) {
        jb_open_array(j, "vlan");
        jb_u64(j, NULL, h->vlan_id);
        jb_close_array(j);
    }
    if (h->src_ip) {
        jb_str(j, "src_ip", h->src_ip);
        jb_u64(j, "src_port", h->src_port);
        jb_str(j, "dest_ip", h->dest_ip);
        jb_u64(j, "dest_port", h->dest_port);
        jb_str(j, "proto", h->proto ? h->proto : "TCP");
    }
}

static const char *share_type_name(smb_share_type t)
{
    switch (t) {
    case SMB_SHARE_DISK:
        return "FILE";
    case SMB_SHARE_PIPE:
        return "PIPE";
    case SMB_SHARE_PRINT:
        return "PRINT";
    default:
        return "UNKNOWN";
    }
}

static const char *create_action_name(uint32_t a)
{
    static const char *names[] = {"FILE_SUPERSEDED", "FILE_OPENED", "FILE_CREATED", "FILE_OVERWRITTEN"};
    return a < 4 ? names[a] : NULL;
}

static void status_fields(jbuf *j, const smb_fact_head *f)
{
    if (!f->have_response) {
        jb_str(j, "status", "NO_RESPONSE");
        return;
    }
    char code[16];
    const char *name = smb_status_name(f->status);
    snprintf(code, sizeof(code), "0x%x", f->status);
    jb_str(j, "status", name ? name : code);
    jb_str(j, "status_code", code);
}

static const char *command_name(const smb_fact_head *f)
{
    const char *n = f->smb_version == 1 ? smb1_command_name((uint8_t)f->command) : smb2_command_name(f->command);
    return n ? n : "UNKNOWN";
}

static void tree_fields(jbuf *j, const smb_fact_tree *t)
{
    if (t->share)
        jb_str(j, "share", t->share);
    jb_str(j, "share_type", share_type_name(t->share_type));
}

static void file_fields(jbuf *j, const smb_fact_head *h, const smb_fact_file *f)
{
    if (f->filename) {
        jb_str(j, "filename", f->filename);
        if (f->tree.share_type == SMB_SHARE_PIPE)
            jb_str(j, "named_pipe", f->filename);
    }
    tree_fields(j, &f->tree);
    if (h->kind == SMB_FACT_CREATE) {
        const char *d = smb_disposition_name(f->create_disposition);
        if (d)
            jb_str(j, "disposition", d);
        jb_str(j, "access", (f->create_options & 0x00001000) ? "delete on close" : "normal");
        jb_hex32(j, "access_mask", f->desired_access);
        jb_hex32(j, "share_access", f->share_access);
        jb_hex32(j, "create_options", f->create_options);
        const char *act = h->have_response && h->status == 0 ? create_action_name(f->create_action) : NULL;
        if (act)
            jb_str(j, "create_action", act);
    }
    if (f->have_file_id) {
        char guid[37];
        eve_format_guid(f->file_id, guid);
        jb_str(j, "fuid", guid);
    }
}

static void service_fields(jbuf *j, const smb_fact_service *s)
{
    jb_open_object(j, "service");
    jb_str(j, "operation", s->operation ? s->operation : "");
    if (s->encrypted)
        jb_bool(j, "encrypted", true);
    if (s->fault)
        jb_hex32(j, "fault_status", s->fault_status);
    if (s->have_return)
        jb_u64(j, "return_code", s->return_code);
    if (s->name)
        jb_str(j, "name", s->name);
    if (s->display_name)
        jb_str(j, "display_name", s->display_name);
    if (s->binary_path)
        jb_str(j, "binary_path", s->binary_path);
    if (s->service_type != 0xffffffffu)
        jb_hex32(j, "service_type", s->service_type);
    if (s->start_type != 0xffffffffu)
        jb_u64(j, "start_type", s->start_type);
    if (s->account)
        jb_str(j, "account", s->account);
    jb_close_object(j);
}

static void task_fields(jbuf *j, const smb_fact_task *t)
{
    jb_open_object(j, "task");
    jb_str(j, "interface", t->atsvc ? "atsvc" : "ITaskSchedulerService");
    jb_str(j, "operation", t->operation ? t->operation : "");
    if (t->encrypted)
        jb_bool(j, "encrypted", true);
    if (t->fault)
        jb_hex32(j, "fault_status", t->fault_status);
    if (t->have_return)
        jb_hex32(j, "return_code", t->return_code);
    if (t->name)
        jb_str(j, "name", t->name);
    if (t->command)
        jb_str(j, "command", t->command);
    if (t->xml)
        jb_u64(j, "xml_length", strlen(t->xml));
    if (t->bind_identity)
        jb_bool(j, "bind_identity", true);
    jb_close_object(j);
}

static void identity_fields(jbuf *j, const smb_fact_head *h)
{
    const smb_identity *w = &h->who;
    if (h->kind != SMB_FACT_SESSION_SETUP && !w->user && !w->domain)
        return;
    if (w->auth == SMB_AUTH_NTLMSSP || w->auth == SMB_AUTH_ANONYMOUS) {
        jb_open_object(j, "ntlmssp");
        jb_str(j, "domain", w->domain ? w->domain : "");
        jb_str(j, "user", w->user ? w->user : "");
        jb_str(j, "host", w->workstation ? w->workstation : "");
        jb_close_object(j);
    } else if (w->auth == SMB_AUTH_KERBEROS) {
        jb_open_object(j, "kerberos");
        jb_bool(j, "ticket", true);
        if (w->from_kdc) {
            /* not on this connection: the KDC's reply that issued its ticket */
            jb_str(j, "cname", w->user ? w->user : "");
            jb_str(j, "crealm", w->domain ? w->domain : "");
            jb_str(j, "identity_from", "kdc_reply");
        }
        jb_close_object(j);
    }
}

const char *eve_fact_record_type(const smb_fact *f) { return f->h.kind == SMB_FACT_RPC ? "dcerpc" : "smb"; }

/* A DCE/RPC call in Suricata's dcerpc shape (request, response, call_id,
 * rpc_version, req/res with frag_cnt and stub_data_size), with the
 * interface and operation named, the pipe it came through, and what the
 * svcctl and task scheduler decoders read. */
static void dcerpc_object(jbuf *j, const smb_fact *f, uint64_t tx_id)
{
    const smb_fact_rpc *r = &f->u.rpc;
    jb_open_object(j, "dcerpc");
    jb_u64(j, "id", tx_id);
    jb_str(j, "request", r->have_request ? "REQUEST" : "UNSEEN");
    jb_str(j, "response", r->fault ? "FAULT" : r->have_response ? "RESPONSE" : "UNREPLIED");
    jb_u64(j, "call_id", r->call_id);
    jb_str(j, "rpc_version", "5.0");
    if (r->interface)
        jb_str(j, "interface", r->interface);
    if (r->uuid) {
        char ver[16];
        snprintf(ver, sizeof ver, "%u.%u", r->ver_major, r->ver_minor);
        jb_str(j, "uuid", r->uuid);
        jb_str(j, "version", ver);
    }
    jb_u64(j, "context_id", r->context_id);
    if (r->have_request)
        jb_u64(j, "opnum", r->opnum);
    if (r->operation)
        jb_str(j, "operation", r->operation);
    jb_open_object(j, "req");
    if (r->have_request)
        jb_u64(j, "opnum", r->opnum);
    jb_u64(j, "frag_cnt", r->request_frags);
    jb_u64(j, "stub_data_size", r->request_len);
    if (r->request_broken)
        jb_bool(j, "broken", true);
    jb_close_object(j);
    jb_open_object(j, "res");
    jb_u64(j, "frag_cnt", r->response_frags);
    jb_u64(j, "stub_data_size", r->response_len);
    if (r->response_broken)
        jb_bool(j, "broken", true);
    jb_close_object(j);
    if (r->fault)
        jb_hex32(j, "fault_status", r->fault_status);
    jb_bool(j, "encrypted", r->encrypted);
    if (r->auth_level)
        jb_u64(j, "auth_level", r->auth_level);
    if (r->have_return)
        jb_hex32(j, "return_code", r->return_code);
    if (r->object)
        jb_str(j, "object", r->object);
    if (r->binary_path)
        jb_str(j, "binary_path", r->binary_path);
    if (r->start_type != 0xffffffffu && r->binary_path)
        jb_u64(j, "start_type", r->start_type);
    if (r->pipe.filename)
        jb_str(j, "named_pipe", r->pipe.filename);
    if (r->pipe.have_file_id) {
        char guid[37];
        eve_format_guid(r->pipe.file_id, guid);
        jb_str(j, "fuid", guid);
    }
    jb_u64(j, "session_id", f->h.session_id);
    jb_u64(j, "tree_id", f->h.tree_id);
    identity_fields(j, &f->h);
    jb_close_object(j);
}

void eve_smb_object(jbuf *j, const smb_fact *f, uint64_t tx_id)
{
    const smb_fact_head *h = &f->h;
    if (h->kind == SMB_FACT_RPC) {
        dcerpc_object(j, f, tx_id);
        return;
    }
    jb_open_object(j, "smb");
    jb_u64(j, "id", tx_id);
    const char *dialect = smb_dialect_name(h->dialect);
    jb_str(j, "dialect", dialect ? dialect : "unknown");
    jb_str(j, "command", command_name(h));
    status_fields(j, h);
    jb_u64(j, "session_id", h->session_id);
    jb_u64(j, "tree_id", h->tree_id);
    if (!h->have_request)
        jb_bool(j, "request_seen", false);
    switch (h->kind) {
    case SMB_FACT_TREE_CONNECT:
    case SMB_FACT_TREE_DISCONNECT: tree_fields(j, &f->u.tree); break;
    case SMB_FACT_CREATE:
    case SMB_FACT_CLOSE: file_fields(j, h, &f->u.file); break;
    case SMB_FACT_SERVICE: service_fields(j, &f->u.service); break;
    case SMB_FACT_TASK: task_fields(j, &f->u.task); break;
    default: break;
    }
    identity_fields(j, h);
    jb_close_object(j);
}

void eve_names_array(jbuf *j, const char *key, const char *names)
{
    if (!names || !names[0])
        return;
    jb_open_array(j, key);
    for (const char *p = names; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len)
            jb_strn(j, NULL, p, len);
        p += len + (nl ? 1 : 0);
    }
    jb_close_array(j);
}

void eve_winlog_object(jbuf *j, const win_event *e)
{
    if (e->def->family->rules_only)
        return; /* pipewatch's own view of a call: no Windows event to write */
    jb_open_object(j, "winlog");
    jb_str(j, "channel", e->def->family->channel);
    jb_str(j, "provider_name", e->def->family->provider);
    jb_u64(j, "event_id", e->event_id);
    if (e->def->family->level)
        jb_str(j, "level", e->def->family->level);
    if (e->def->family->provider_guid)
        jb_str(j, "provider_guid", e->def->family->provider_guid);
    const win_envelope *env = winevent_envelope(e->event_id);
    if (env) {
        jb_str(j, "task", env->task_name);
        jb_str(j, "opcode", env->opcode);
        jb_u64(j, "version", env->version);
    }
    jb_str(j, "computer_name", e->computer_name ? e->computer_name : "");
    jb_open_array(j, "keywords");
    jb_str(j, NULL, e->keywords ? e->keywords : "");
    jb_close_array(j);
    jb_open_object(j, "event_data");
    /* Winlogbeat leaves out the fields whose value is empty
     * (<Data Name="ShareLocalPath"/>) */
    for (size_t i = 0; i < e->ndata; i++)
        if (e->fields[i].value && e->fields[i].value[0])
            jb_str(j, e->fields[i].name, e->fields[i].value);
    /* Winlogbeat's security module adds the rights by name, as arrays
     * (the event's own renderings, detect/winevent_share.c) */
    eve_names_array(j, "AccessListDescription", winevent_get(e, "AccessListDescription"));
    eve_names_array(j, "AccessMaskDescription", winevent_get(e, "AccessMaskDescription"));
    jb_close_object(j);
    jb_close_object(j);
    /* Winlogbeat's event.outcome: the audit keyword as success or failure */
    const win_family *fam = e->def->family;
    if (fam->keyword_success && fam->keyword_failure && strcmp(fam->keyword_success, fam->keyword_failure) != 0) {
        jb_open_object(j, "event");
        jb_str(j, "outcome", e->audit_success ? "success" : "failure");
        jb_close_object(j);
    }
}

/* "attack.lateral_movement" -> "Lateral Movement": the ATT&CK tactic of the
 * rule is the closest thing Sigma has to Suricata's classtype. */
static const char *category_of(const sigma_rule *r, char *buf, size_t n)
{
    static const char *tactics[][2] = {
        {"attack.lateral_movement", "Lateral Movement"},
        {"attack.execution", "Execution"},
        {"attack.persistence", "Persistence"},
        {"attack.privilege_escalation", "Privilege Escalation"},
        {"attack.defense_evasion", "Defense Evasion"},
        {"attack.credential_access", "Credential Access"},
        {"attack.discovery", "Discovery"},
        {"attack.collection", "Collection"},
        {"attack.exfiltration", "Exfiltration"},
        {"attack.command_and_control", "Command and Control"},
        {"attack.impact", "Impact"},
        {"attack.initial_access", "Initial Access"},
    };
    for (size_t i = 0; i < sigma_rule_tag_count(r); i++)
        for (size_t k = 0; k < sizeof(tactics) / sizeof(tactics[0]); k++)
            if (strcmp(sigma_rule_tag(r, i), tactics[k][0]) == 0) {
                snprintf(buf, n, "%s", tactics[k][1]);
                return buf;
            }
    return "Sigma Rule Match";
}

void eve_alert_object(jbuf *j, const sigma_rule *r)
{
    char cat[64];
    jb_open_object(j, "alert");
    jb_str(j, "action", "allowed");
    jb_u64(j, "gid", 1);
    jb_u64(j, "signature_id", sigma_rule_signature_id(r));
    jb_u64(j, "rev", 1);
    jb_str(j, "signature", sigma_rule_title(r));
    jb_str(j, "category", category_of(r, cat, sizeof(cat)));
    jb_u64(j, "severity", (uint64_t)sigma_rule_severity(r));
    jb_open_object(j, "metadata");
    jb_open_array(j, "sigma_id");
    jb_str(j, NULL, sigma_rule_id(r));
    jb_close_array(j);
    jb_open_array(j, "level");
    jb_str(j, NULL, sigma_rule_level(r));
    jb_close_array(j);
    if (sigma_rule_tag_count(r)) {
        jb_open_array(j, "tags");
        for (size_t i = 0; i < sigma_rule_tag_count(r); i++)
            jb_str(j, NULL, sigma_rule_tag(r, i));
        jb_close_array(j);
    }
    if (sigma_rule_reference_count(r)) {
        jb_open_array(j, "references");
        for (size_t i = 0; i < sigma_rule_reference_count(r); i++)
            jb_str(j, NULL, sigma_rule_reference(r, i));
        jb_close_array(j);
    }
    jb_close_object(j);
    jb_close_object(j);
}

void eve_flow_object(jbuf *j, const flow_rec *f)
{
    if (f->app_proto)
        jb_str(j, "app_proto", f->app_proto);
    jb_open_object(j, "flow");
    jb_u64(j, "pkts_toserver", f->pkts_toserver);
    jb_u64(j, "pkts_toclient", f->pkts_toclient);
    jb_u64(j, "bytes_toserver", f->bytes_toserver);
    jb_u64(j, "bytes_toclient", f->bytes_toclient);
    jb_timestamp(j, "start", f->start_usec);
    jb_timestamp(j, "end", f->end_usec);
    jb_u64(j, "age", (f->end_usec - f->start_usec) / 1000000);
    if (f->state)
        jb_str(j, "state", f->state);
    jb_str(j, "reason", f->reason);
    jb_bool(j, "alerted", f->alerted);
    jb_bool(j, "midstream", f->midstream);
    jb_close_object(j);
    jb_open_object(j, "ndpi");
    jb_str(j, "app_protocol", f->app_name && f->app_name[0] ? f->app_name : "Unknown");
    jb_close_object(j);
    const smb_conn_stats *ss = f->smb;
    if (ss) {
        jb_open_object(j, "smb");
        jb_str(j, "dialect", f->smb_dialect ? f->smb_dialect : "unknown");
        jb_u64(j, "smb1_messages", ss->smb1_msgs);
        jb_u64(j, "smb2_messages", ss->smb2_msgs);
        jb_u64(j, "encrypted_messages", ss->encrypted_msgs);
        jb_u64(j, "compressed_messages", ss->compressed_msgs);
        jb_bool(j, "encrypted", ss->encrypted_msgs > 0);
        jb_u64(j, "gaps", ss->gaps);
        jb_u64(j, "resyncs", ss->resyncs);
        jb_u64(j, "malformed", ss->malformed);
        jb_u64(j, "orphan_responses", ss->orphan_responses);
        jb_u64(j, "limit_drops", ss->limit_drops);
        jb_close_object(j);
    }
}

void eve_stats_object(jbuf *j, const stats_rec *st)
{
    jb_open_object(j, "stats");
    jb_u64(j, "uptime", st->uptime_usec / 1000000);
    pw_counters_json(j, st->c);
    if (st->unwritten_records || st->reopen_failures) {
        jb_open_object(j, "output");
        jb_u64(j, "unwritten_records", st->unwritten_records);
        jb_u64(j, "reopen_failures", st->reopen_failures);
        jb_close_object(j);
    }
    if (st->extra)
        st->extra(j, st->extra_ctx);
    jb_close_object(j);
}

/* A measure as JSON: whole numbers as integers, else three decimals. */
static void corr_num(jbuf *j, const char *key, double v)
{
    if (v >= 0 && v < 1e15 && v == (double)(uint64_t)v) {
        jb_u64(j, key, (uint64_t)v);
        return;
    }
    char buf[64];
    snprintf(buf, sizeof(buf), "%.3f", v);
    jb_str(j, key, buf);
}

/* The "correlation" object of a correlation's alert: its group, its value
 * and the events it counted. */
static void correlation_object(jbuf *j, const sigma_corr_alert *a, const sigma_ruleset *rules)
{
    jb_open_object(j, "correlation");
    jb_str(j, "type", a->type);
    jb_open_object(j, "group");
    for (size_t i = 0; i < a->ngroup; i++)
        jb_str(j, a->group_names[i], a->group_values[i]);
    jb_close_object(j);
    corr_num(j, "value", a->value);
    if (a->value_of)
        jb_str(j, "value_of", a->value_of);
    jb_timestamp(j, "first_seen", a->first_usec);
    jb_timestamp(j, "last_seen", a->last_usec);
    jb_u64(j, "events_count", a->events);
    jb_bool(j, "truncated", a->truncated);
    jb_open_array(j, "events");
    for (size_t i = 0; i < a->nrefs; i++) {
        const sigma_rule *r = rules ? sigma_rule_at(rules, a->refs[i].rule) : NULL;
        jb_open_object(j, NULL);
        jb_timestamp(j, "timestamp", a->refs[i].ts_usec);
        if (a->refs[i].flow_id)
            jb_u64(j, "flow_id", a->refs[i].flow_id);
        if (r) {
            jb_str(j, "rule", sigma_rule_title(r));
            jb_u64(j, "signature_id", sigma_rule_signature_id(r));
        }
        jb_close_object(j);
    }
    jb_close_array(j);
    jb_close_object(j);
}

static void eve_build(jbuf *j, const pw_record *r)
{
    /* a DCE/RPC call is written with the smb records, as a dcerpc record */
    eve_begin(j, &r->hdr, r->kind == REC_SMB ? eve_fact_record_type(r->fact) : rec_kind_name(r->kind));
    switch (r->kind) {
    case REC_SMB:
        eve_smb_object(j, r->fact, r->tx_id);
        break;
    case REC_WINLOG:
        eve_winlog_object(j, r->ev);
        eve_smb_object(j, r->fact, r->tx_id);
        break;
    case REC_ALERT:
        if (r->incident) {
            eve_incident_alert_objects(j, r->incident);
            break;
        }
        eve_alert_object(j, r->rule);
        if (r->corr) {
            correlation_object(j, r->corr, r->corr_rules);
            break;
        }
        eve_winlog_object(j, r->ev);
        eve_smb_object(j, r->fact, r->tx_id);
        break;
    case REC_FLOW:
        eve_flow_object(j, r->flow);
        break;
    case REC_STATS:
        eve_stats_object(j, r->stats);
        break;
    case REC_INCIDENT:
        eve_incident_object(j, r->incident);
        break;
    default:
        break;
    }
    jb_close_object(j);
}

const layout_ops layout_eve = {"eve", eve_build};
