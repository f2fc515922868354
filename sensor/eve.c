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

/* The flow's part of the header (flow_id, then the addresses, ports and
 * protocol), as text: every record of a flow writes the same, so the text is
 * kept in a small table per worker thread, filed by flow, and copied. A slot
 * is used only when the flow_id, the ports, the protocol and both addresses
 * are the record's own. */
#define HDR_MEMO_SLOTS 256
#define HDR_MEMO_IP 48
typedef struct hdr_memo {
    uint64_t flow_id;
    uint16_t src_port, dest_port;
    char proto[8];
    char src_ip[HDR_MEMO_IP], dest_ip[HDR_MEMO_IP];
    size_t fid_len, addr_len; /* addr_len 0: an empty slot */
    char fid[24];
    char addr[HDR_MEMO_IP * 2 + 96];
} hdr_memo;
static _Thread_local hdr_memo hdr_memos[HDR_MEMO_SLOTS];

static hdr_memo *hdr_memo_slot(const rec_hdr *h)
{
    uint64_t k = h->flow_id ^ (h->flow_id >> 23) ^ ((uint64_t)h->src_port << 5) ^ h->dest_port;
    return &hdr_memos[k % HDR_MEMO_SLOTS];
}

static bool hdr_memo_is(const hdr_memo *m, const rec_hdr *h, const char *proto)
{
    return m->addr_len && m->flow_id == h->flow_id && m->src_port == h->src_port && m->dest_port == h->dest_port &&
           strcmp(m->src_ip, h->src_ip) == 0 && strcmp(m->dest_ip, h->dest_ip) == 0 && strcmp(m->proto, proto) == 0;
}

static void hdr_addresses(jbuf *j, const rec_hdr *h, const char *proto)
{
    jk_str(j, JK("src_ip"), h->src_ip);
    jk_u64(j, JK("src_port"), h->src_port);
    jk_str(j, JK("dest_ip"), h->dest_ip);
    jk_u64(j, JK("dest_port"), h->dest_port);
    jk_str(j, JK("proto"), proto);
}

/* Keeps the addresses just written (from at on) in m, when they and the
 * key fit. */
static void hdr_memo_keep(hdr_memo *m, const jbuf *j, jb_mark at, const rec_hdr *h, const char *proto)
{
    size_t sl = strlen(h->src_ip), dl = strlen(h->dest_ip), pl = strlen(proto);
    m->addr_len = 0;
    if (sl >= HDR_MEMO_IP || dl >= HDR_MEMO_IP || pl >= sizeof m->proto ||
        !(m->addr_len = jb_keep_since(j, at, m->addr, sizeof m->addr)))
        return;
    m->flow_id = h->flow_id;
    m->src_port = h->src_port;
    m->dest_port = h->dest_port;
    memcpy(m->src_ip, h->src_ip, sl + 1);
    memcpy(m->dest_ip, h->dest_ip, dl + 1);
    memcpy(m->proto, proto, pl + 1);
    m->fid_len = jb_fmt_u64(h->flow_id, m->fid);
}

void eve_begin(jbuf *j, const rec_hdr *h, const char *event_type)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    jk_timestamp(j, JK("timestamp"), h->ts_usec);
    const char *proto = h->proto ? h->proto : "TCP";
    hdr_memo *m = h->src_ip ? hdr_memo_slot(h) : NULL;
    bool hit = m && hdr_memo_is(m, h, proto);
    if (h->flow_id) {
        if (hit)
            jk_raw(j, JK("flow_id"), m->fid, m->fid_len);
        else
            jk_u64(j, JK("flow_id"), h->flow_id);
    }
    if (h->pcap_cnt)
        jk_u64(j, JK("pcap_cnt"), h->pcap_cnt);
    jk_name(j, JK("event_type"), event_type);
    if (h->vlan_id) {
        jk_open_array(j, JK("vlan"));
        jb_elem_u64(j, h->vlan_id);
        jb_close_array(j);
    }
    if (!h->src_ip)
        return;
    if (hit && jb_raw_if_fits(j, m->addr, m->addr_len))
        return;
    jb_mark at = jb_mark_here(j);
    hdr_addresses(j, h, proto);
    if (!hit)
        hdr_memo_keep(m, j, at, h, proto);
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
        jk_name(j, JK("status"), "NO_RESPONSE");
        return;
    }
    /* "0x%x" of the status, by hand: this runs for every SMB record */
    char code[16] = "0x";
    size_t n = 2;
    int shift = 28;
    while (shift > 0 && !((f->status >> shift) & 0xF))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        code[n++] = "0123456789abcdef"[(f->status >> shift) & 0xF];
    code[n] = '\0';
    const char *name = smb_status_name(f->status);
    if (name)
        jk_name(j, JK("status"), name);
    else
        jk_namen(j, JK("status"), code, n);
    jk_namen(j, JK("status_code"), code, n);
}

static const char *command_name(const smb_fact_head *f)
{
    const char *n = f->smb_version == 1 ? smb1_command_name((uint8_t)f->command) : smb2_command_name(f->command);
    return n ? n : "UNKNOWN";
}

static void tree_fields(jbuf *j, const smb_fact_tree *t)
{
    if (t->share)
        jk_str(j, JK("share"), t->share);
    jk_name(j, JK("share_type"), share_type_name(t->share_type));
}

static void file_fields(jbuf *j, const smb_fact_head *h, const smb_fact_file *f)
{
    if (f->filename) {
        jk_str(j, JK("filename"), f->filename);
        if (f->tree.share_type == SMB_SHARE_PIPE)
            jk_str(j, JK("named_pipe"), f->filename);
    }
    tree_fields(j, &f->tree);
    if (h->kind == SMB_FACT_CREATE) {
        const char *d = smb_disposition_name(f->create_disposition);
        if (d)
            jk_name(j, JK("disposition"), d);
        jk_name(j, JK("access"), (f->create_options & 0x00001000) ? "delete on close" : "normal");
        jk_hex32(j, JK("access_mask"), f->desired_access);
        jk_hex32(j, JK("share_access"), f->share_access);
        jk_hex32(j, JK("create_options"), f->create_options);
        const char *act = h->have_response && h->status == 0 ? create_action_name(f->create_action) : NULL;
        if (act)
            jk_name(j, JK("create_action"), act);
    }
    if (f->have_file_id) {
        char guid[37];
        eve_format_guid(f->file_id, guid);
        jk_namen(j, JK("fuid"), guid, 36);
    }
}

static void service_fields(jbuf *j, const smb_fact_service *s)
{
    jk_open_object(j, JK("service"));
    jk_str(j, JK("operation"), s->operation ? s->operation : "");
    if (s->encrypted)
        jk_bool(j, JK("encrypted"), true);
    if (s->fault)
        jk_hex32(j, JK("fault_status"), s->fault_status);
    if (s->have_return)
        jk_u64(j, JK("return_code"), s->return_code);
    if (s->name)
        jk_str(j, JK("name"), s->name);
    if (s->display_name)
        jk_str(j, JK("display_name"), s->display_name);
    if (s->binary_path)
        jk_str(j, JK("binary_path"), s->binary_path);
    if (s->service_type != 0xffffffffu)
        jk_hex32(j, JK("service_type"), s->service_type);
    if (s->start_type != 0xffffffffu)
        jk_u64(j, JK("start_type"), s->start_type);
    if (s->account)
        jk_str(j, JK("account"), s->account);
    jb_close_object(j);
}

static void task_fields(jbuf *j, const smb_fact_task *t)
{
    jk_open_object(j, JK("task"));
    jk_str(j, JK("interface"), t->atsvc ? "atsvc" : "ITaskSchedulerService");
    jk_str(j, JK("operation"), t->operation ? t->operation : "");
    if (t->encrypted)
        jk_bool(j, JK("encrypted"), true);
    if (t->fault)
        jk_hex32(j, JK("fault_status"), t->fault_status);
    if (t->have_return)
        jk_hex32(j, JK("return_code"), t->return_code);
    if (t->name)
        jk_str(j, JK("name"), t->name);
    if (t->command)
        jk_str(j, JK("command"), t->command);
    if (t->xml)
        jk_u64(j, JK("xml_length"), strlen(t->xml));
    if (t->bind_identity)
        jk_bool(j, JK("bind_identity"), true);
    jb_close_object(j);
}

/* The ntlmssp member of a session, as text: every record of the session
 * writes the same three names, so it is kept per worker thread, filed by
 * where the names are held, and used only when the names are the same. */
#define IDENT_MEMO_SLOTS 64
#define IDENT_MEMO_NAME 64
typedef struct ident_memo {
    char domain[IDENT_MEMO_NAME];
    char user[IDENT_MEMO_NAME];
    char host[IDENT_MEMO_NAME];
    size_t len; /* 0: empty slot */
    char text[320];
} ident_memo;
static _Thread_local ident_memo ident_memos[IDENT_MEMO_SLOTS];

static void ntlmssp_members(jbuf *j, const char *domain, const char *user, const char *host)
{
    jk_open_object(j, JK("ntlmssp"));
    jk_str(j, JK("domain"), domain);
    jk_str(j, JK("user"), user);
    jk_str(j, JK("host"), host);
    jb_close_object(j);
}

static void ntlmssp_member(jbuf *j, const char *domain, const char *user, const char *host)
{
    uintptr_t k = ((uintptr_t)domain >> 4) ^ ((uintptr_t)user >> 3) ^ ((uintptr_t)host >> 5);
    ident_memo *m = &ident_memos[k % IDENT_MEMO_SLOTS];
    if (m->len && strcmp(m->user, user) == 0 && strcmp(m->domain, domain) == 0 && strcmp(m->host, host) == 0) {
        if (jb_raw_if_fits(j, m->text, m->len))
            return;
        ntlmssp_members(j, domain, user, host);
        return;
    }
    jb_mark at = jb_mark_here(j);
    ntlmssp_members(j, domain, user, host);
    size_t dl = strlen(domain), ul = strlen(user), hl = strlen(host);
    m->len = 0;
    if (dl >= IDENT_MEMO_NAME || ul >= IDENT_MEMO_NAME || hl >= IDENT_MEMO_NAME ||
        !(m->len = jb_keep_since(j, at, m->text, sizeof m->text)))
        return;
    memcpy(m->domain, domain, dl + 1);
    memcpy(m->user, user, ul + 1);
    memcpy(m->host, host, hl + 1);
}

static void identity_fields(jbuf *j, const smb_fact_head *h)
{
    const smb_identity *w = &h->who;
    if (h->kind != SMB_FACT_SESSION_SETUP && !w->user && !w->domain)
        return;
    if (w->auth == SMB_AUTH_NTLMSSP || w->auth == SMB_AUTH_ANONYMOUS) {
        ntlmssp_member(j, w->domain ? w->domain : "", w->user ? w->user : "", w->workstation ? w->workstation : "");
    } else if (w->auth == SMB_AUTH_KERBEROS) {
        jk_open_object(j, JK("kerberos"));
        jk_bool(j, JK("ticket"), true);
        if (w->from_kdc) {
            /* not on this connection: the KDC's reply that issued its ticket */
            jk_str(j, JK("cname"), w->user ? w->user : "");
            jk_str(j, JK("crealm"), w->domain ? w->domain : "");
            jk_str(j, JK("identity_from"), "kdc_reply");
        }
        jb_close_object(j);
    }
}

const char *eve_fact_record_type(const smb_fact *f)
{
    return f->h.kind == SMB_FACT_RPC || f->h.transport == SMB_TRANSPORT_TCP ? "dcerpc" : "smb";
}

/* The transport of a DCE/RPC call straight over TCP; a call through a pipe
 * has its pipe instead. */
#define TRANSPORT_TCP "ncacn_ip_tcp"

/* A DCE/RPC call in Suricata's dcerpc shape (request, response, call_id,
 * rpc_version, req/res with frag_cnt and stub_data_size), with the
 * interface and operation named, the pipe it came through, and what the
 * svcctl and task scheduler decoders read. */
static void dcerpc_object(jbuf *j, const smb_fact *f, uint64_t tx_id)
{
    const smb_fact_rpc *r = &f->u.rpc;
    jk_open_object(j, JK("dcerpc"));
    jk_u64(j, JK("id"), tx_id);
    jk_str(j, JK("request"), r->have_request ? "REQUEST" : "UNSEEN");
    jk_str(j, JK("response"), r->fault ? "FAULT" : r->have_response ? "RESPONSE" : "UNREPLIED");
    jk_u64(j, JK("call_id"), r->call_id);
    jk_str(j, JK("rpc_version"), "5.0");
    bool tcp = f->h.transport == SMB_TRANSPORT_TCP;
    if (tcp)
        jk_str(j, JK("transport"), TRANSPORT_TCP);
    if (r->interface)
        jk_str(j, JK("interface"), r->interface);
    if (r->uuid) {
        char ver[16];
        snprintf(ver, sizeof ver, "%u.%u", r->ver_major, r->ver_minor);
        jk_str(j, JK("uuid"), r->uuid);
        jk_str(j, JK("version"), ver);
    }
    jk_u64(j, JK("context_id"), r->context_id);
    if (r->have_request)
        jk_u64(j, JK("opnum"), r->opnum);
    if (r->operation)
        jk_str(j, JK("operation"), r->operation);
    jk_open_object(j, JK("req"));
    if (r->have_request)
        jk_u64(j, JK("opnum"), r->opnum);
    jk_u64(j, JK("frag_cnt"), r->request_frags);
    jk_u64(j, JK("stub_data_size"), r->request_len);
    if (r->request_broken)
        jk_bool(j, JK("broken"), true);
    jb_close_object(j);
    jk_open_object(j, JK("res"));
    jk_u64(j, JK("frag_cnt"), r->response_frags);
    jk_u64(j, JK("stub_data_size"), r->response_len);
    if (r->response_broken)
        jk_bool(j, JK("broken"), true);
    jb_close_object(j);
    if (r->fault)
        jk_hex32(j, JK("fault_status"), r->fault_status);
    jk_bool(j, JK("encrypted"), r->encrypted);
    if (r->auth_level)
        jk_u64(j, JK("auth_level"), r->auth_level);
    if (r->have_return)
        jk_hex32(j, JK("return_code"), r->return_code);
    if (r->object)
        jk_str(j, JK("object"), r->object);
    if (r->binary_path)
        jk_str(j, JK("binary_path"), r->binary_path);
    if (r->start_type != 0xffffffffu && r->binary_path)
        jk_u64(j, JK("start_type"), r->start_type);
    if (r->endpoint_port)
        jk_u64(j, JK("endpoint_port"), r->endpoint_port);
    if (r->endpoint_ip)
        jk_str(j, JK("endpoint_ip"), r->endpoint_ip);
    if (tcp) {
        identity_fields(j, &f->h);
        jb_close_object(j);
        return;
    }
    if (r->pipe.filename)
        jk_str(j, JK("named_pipe"), r->pipe.filename);
    if (r->pipe.have_file_id) {
        char guid[37];
        eve_format_guid(r->pipe.file_id, guid);
        jk_namen(j, JK("fuid"), guid, 36);
    }
    jk_u64(j, JK("session_id"), f->h.session_id);
    jk_u64(j, JK("tree_id"), f->h.tree_id);
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
    if (h->transport == SMB_TRANSPORT_TCP) {
        /* a service or task call straight over TCP: no SMB around it */
        jk_open_object(j, JK("dcerpc"));
        jk_u64(j, JK("id"), tx_id);
        jk_str(j, JK("transport"), TRANSPORT_TCP);
        if (h->kind == SMB_FACT_SERVICE)
            service_fields(j, &f->u.service);
        else if (h->kind == SMB_FACT_TASK)
            task_fields(j, &f->u.task);
        identity_fields(j, h);
        jb_close_object(j);
        return;
    }
    jk_open_object(j, JK("smb"));
    jk_u64(j, JK("id"), tx_id);
    const char *dialect = smb_dialect_name(h->dialect);
    jk_name(j, JK("dialect"), dialect ? dialect : "unknown");
    jk_name(j, JK("command"), command_name(h));
    status_fields(j, h);
    jk_u64(j, JK("session_id"), h->session_id);
    jk_u64(j, JK("tree_id"), h->tree_id);
    if (!h->have_request)
        jk_bool(j, JK("request_seen"), false);
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

void eve_smb_member(jbuf *j, const pw_record *r)
{
    rec_memo *m = r->smb_memo;
    if (m && m->valid && jb_raw_if_fits(j, m->text, m->len))
        return;
    jb_mark at = jb_mark_here(j);
    eve_smb_object(j, r->fact, r->tx_id);
    if (m && !m->valid)
        m->valid = (m->len = jb_keep_since(j, at, m->text, sizeof m->text)) != 0;
}

/* The last arrays written, by key and text, in eight slots taken in turn:
 * the events of a run write the same few rights lists (a 5140's and a
 * 5145's alternate). Kept by content, so a copy is always of what would be
 * written. */
#define NAMES_MEMO_TEXT 512
#define NAMES_MEMO_JSON 1536
/* Cppcheck 2.10 does not parse _Thread_local and calls every member unused;
 * eve_names_array reads and writes all four. */
typedef struct names_memo_slot {
    // cppcheck-suppress unusedStructMember
    char key[32];
    // cppcheck-suppress unusedStructMember
    char names[NAMES_MEMO_TEXT];
    // cppcheck-suppress unusedStructMember
    char json[NAMES_MEMO_JSON];
    // cppcheck-suppress unusedStructMember
    size_t jlen;
} names_memo_slot;
#define NAMES_MEMO_SLOTS 8
static _Thread_local names_memo_slot names_memo[NAMES_MEMO_SLOTS];
static _Thread_local unsigned names_memo_next;

void eve_names_array(jbuf *j, const char *key, const char *names)
{
    if (!names || !names[0])
        return;
    size_t nlen = strlen(names), klen = strlen(key);
    bool keep = nlen < NAMES_MEMO_TEXT && klen < sizeof(names_memo[0].key);
    for (unsigned k = 0; keep && k < NAMES_MEMO_SLOTS; k++) {
        const names_memo_slot *m = &names_memo[k];
        if (m->jlen && memcmp(m->names, names, nlen + 1) == 0 && strcmp(m->key, key) == 0) {
            if (jb_raw_if_fits(j, m->json, m->jlen))
                return;
            break;
        }
    }
    jb_mark at = jb_mark_here(j);
    jb_open_array(j, key);
    for (const char *p = names; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len)
            jb_strn(j, NULL, p, len);
        p += len + (nl ? 1 : 0);
    }
    jb_close_array(j);
    if (!keep)
        return;
    names_memo_slot *m = &names_memo[names_memo_next % NAMES_MEMO_SLOTS];
    if ((m->jlen = jb_keep_since(j, at, m->json, sizeof m->json)) == 0)
        return;
    memcpy(m->key, key, klen + 1);
    memcpy(m->names, names, nlen + 1);
    names_memo_next++;
}

/* The members of the winlog object that only the event's definition
 * decides (channel to version), as text kept per definition and copied. */
#define WINLOG_MEMO_SLOTS 8
typedef struct winlog_memo {
    const win_event_def *def; /* NULL: an empty slot */
    size_t len;
    char text[384];
} winlog_memo;
static _Thread_local winlog_memo winlog_memos[WINLOG_MEMO_SLOTS];
static _Thread_local unsigned winlog_memo_next;

static void winlog_envelope_members(jbuf *j, const win_event *e)
{
    const win_family *fam = e->def->family;
    jk_name(j, JK("channel"), fam->channel);
    jk_name(j, JK("provider_name"), fam->provider);
    jk_u64(j, JK("event_id"), e->def->event_id);
    if (fam->level)
        jk_name(j, JK("level"), fam->level);
    if (fam->provider_guid)
        jk_name(j, JK("provider_guid"), fam->provider_guid);
    const win_envelope *env = winevent_envelope(e->def->event_id);
    if (env) {
        jk_name(j, JK("task"), env->task_name);
        jk_name(j, JK("opcode"), env->opcode);
        jk_u64(j, JK("version"), env->version);
    }
}

static void winlog_envelope(jbuf *j, const win_event *e)
{
    for (unsigned i = 0; i < WINLOG_MEMO_SLOTS; i++) {
        const winlog_memo *m = &winlog_memos[i];
        if (m->def == e->def) {
            if (!jb_raw_if_fits(j, m->text, m->len))
                winlog_envelope_members(j, e);
            return;
        }
    }
    jb_mark at = jb_mark_here(j);
    winlog_envelope_members(j, e);
    winlog_memo *m = &winlog_memos[winlog_memo_next % WINLOG_MEMO_SLOTS];
    m->def = NULL;
    if ((m->len = jb_keep_since(j, at, m->text, sizeof m->text)) == 0)
        return;
    m->def = e->def;
    winlog_memo_next++;
}

void eve_winlog_object(jbuf *j, const win_event *e)
{
    if (e->def->family->rules_only)
        return; /* pipewatch's own view of a call: no Windows event to write */
    jk_open_object(j, JK("winlog"));
    winlog_envelope(j, e);
    jk_str(j, JK("computer_name"), e->computer_name ? e->computer_name : "");
    jk_open_array(j, JK("keywords"));
    jb_elem_str(j, e->keywords ? e->keywords : "");
    jb_close_array(j);
    jk_open_object(j, JK("event_data"));
    /* Winlogbeat leaves out the fields whose value is empty
     * (<Data Name="ShareLocalPath"/>); the names are the definition's */
    for (size_t i = 0; i < e->ndata; i++)
        if (e->fields[i].value && e->fields[i].value[0])
            jb_str_namekey(j, e->fields[i].name, e->fields[i].value);
    /* Winlogbeat's security module adds the rights by name, as arrays
     * (the event's own renderings, detect/winevent_share.c) */
    eve_names_array(j, "AccessListDescription", winevent_get(e, "AccessListDescription"));
    eve_names_array(j, "AccessMaskDescription", winevent_get(e, "AccessMaskDescription"));
    jb_close_object(j);
    jb_close_object(j);
    /* Winlogbeat's event.outcome: the audit keyword as success or failure */
    const win_family *fam = e->def->family;
    if (fam->keyword_success && fam->keyword_failure && strcmp(fam->keyword_success, fam->keyword_failure) != 0) {
        jk_open_object(j, JK("event"));
        jk_name(j, JK("outcome"), e->audit_success ? "success" : "failure");
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
    jk_open_object(j, JK("alert"));
    jk_str(j, JK("action"), "allowed");
    jk_u64(j, JK("gid"), 1);
    jk_u64(j, JK("signature_id"), sigma_rule_signature_id(r));
    jk_u64(j, JK("rev"), 1);
    jk_str(j, JK("signature"), sigma_rule_title(r));
    jk_str(j, JK("category"), category_of(r, cat, sizeof(cat)));
    jk_u64(j, JK("severity"), (uint64_t)sigma_rule_severity(r));
    jk_open_object(j, JK("metadata"));
    jk_open_array(j, JK("sigma_id"));
    jb_elem_str(j, sigma_rule_id(r));
    jb_close_array(j);
    jk_open_array(j, JK("level"));
    jb_elem_str(j, sigma_rule_level(r));
    jb_close_array(j);
    if (sigma_rule_tag_count(r)) {
        jk_open_array(j, JK("tags"));
        for (size_t i = 0; i < sigma_rule_tag_count(r); i++)
            jb_elem_str(j, sigma_rule_tag(r, i));
        jb_close_array(j);
    }
    if (sigma_rule_reference_count(r)) {
        jk_open_array(j, JK("references"));
        for (size_t i = 0; i < sigma_rule_reference_count(r); i++)
            jb_elem_str(j, sigma_rule_reference(r, i));
        jb_close_array(j);
    }
    jb_close_object(j);
    jb_close_object(j);
}

void eve_flow_object(jbuf *j, const flow_rec *f)
{
    if (f->app_proto)
        jk_str(j, JK("app_proto"), f->app_proto);
    jk_open_object(j, JK("flow"));
    jk_u64(j, JK("pkts_toserver"), f->pkts_toserver);
    jk_u64(j, JK("pkts_toclient"), f->pkts_toclient);
    jk_u64(j, JK("bytes_toserver"), f->bytes_toserver);
    jk_u64(j, JK("bytes_toclient"), f->bytes_toclient);
    jk_timestamp(j, JK("start"), f->start_usec);
    jk_timestamp(j, JK("end"), f->end_usec);
    jk_u64(j, JK("age"), (f->end_usec - f->start_usec) / 1000000);
    if (f->state)
        jk_str(j, JK("state"), f->state);
    jk_str(j, JK("reason"), f->reason);
    jk_bool(j, JK("alerted"), f->alerted);
    jk_bool(j, JK("midstream"), f->midstream);
    jb_close_object(j);
    jk_open_object(j, JK("ndpi"));
    jk_str(j, JK("app_protocol"), f->app_name && f->app_name[0] ? f->app_name : "Unknown");
    jb_close_object(j);
    const smb_conn_stats *ss = f->smb;
    if (ss) {
        jk_open_object(j, JK("smb"));
        jk_str(j, JK("dialect"), f->smb_dialect ? f->smb_dialect : "unknown");
        jk_u64(j, JK("smb1_messages"), ss->smb1_msgs);
        jk_u64(j, JK("smb2_messages"), ss->smb2_msgs);
        jk_u64(j, JK("encrypted_messages"), ss->encrypted_msgs);
        jk_u64(j, JK("compressed_messages"), ss->compressed_msgs);
        jk_bool(j, JK("encrypted"), ss->encrypted_msgs > 0);
        jk_u64(j, JK("gaps"), ss->gaps);
        jk_u64(j, JK("resyncs"), ss->resyncs);
        jk_u64(j, JK("malformed"), ss->malformed);
        jk_u64(j, JK("orphan_responses"), ss->orphan_responses);
        jk_u64(j, JK("limit_drops"), ss->limit_drops);
        jb_close_object(j);
    }
}

void eve_stats_object(jbuf *j, const stats_rec *st)
{
    jk_open_object(j, JK("stats"));
    jk_u64(j, JK("uptime"), st->uptime_usec / 1000000);
    pw_counters_json(j, st->c);
    if (st->unwritten_records || st->reopen_failures) {
        jk_open_object(j, JK("output"));
        jk_u64(j, JK("unwritten_records"), st->unwritten_records);
        jk_u64(j, JK("reopen_failures"), st->reopen_failures);
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
    jk_open_object(j, JK("correlation"));
    jk_str(j, JK("type"), a->type);
    jk_open_object(j, JK("group"));
    for (size_t i = 0; i < a->ngroup; i++)
        jb_str(j, a->group_names[i], a->group_values[i]);
    jb_close_object(j);
    corr_num(j, "value", a->value);
    if (a->value_of)
        jk_str(j, JK("value_of"), a->value_of);
    jk_timestamp(j, JK("first_seen"), a->first_usec);
    jk_timestamp(j, JK("last_seen"), a->last_usec);
    jk_u64(j, JK("events_count"), a->events);
    jk_bool(j, JK("truncated"), a->truncated);
    jk_open_array(j, JK("events"));
    for (size_t i = 0; i < a->nrefs; i++) {
        const sigma_rule *r = rules ? sigma_rule_at(rules, a->refs[i].rule) : NULL;
        jb_open_object(j, NULL);
        jk_timestamp(j, JK("timestamp"), a->refs[i].ts_usec);
        if (a->refs[i].flow_id)
            jk_u64(j, JK("flow_id"), a->refs[i].flow_id);
        if (r) {
            jk_str(j, JK("rule"), sigma_rule_title(r));
            jk_u64(j, JK("signature_id"), sigma_rule_signature_id(r));
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
        eve_smb_member(j, r);
        break;
    case REC_WINLOG:
        eve_winlog_object(j, r->ev);
        eve_smb_member(j, r);
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
        eve_smb_member(j, r);
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
