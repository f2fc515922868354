#include "eve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "../protocols/smb_conn.h"

#define EVE_BUFSZ (256 * 1024)

/* Workers share one output: a record is appended under the lock, so lines
 * never interleave. Records are rare next to packets, so the lock is cold. */
struct eve_output {
    pthread_mutex_t lock;
    int fd;
    bool is_stdout;
    eve_filetype type;
    bool append;
    bool failed;
    bool reported; /* the failure was told (eve_take_error) */
    char path[512];
    char error[640];
    uint64_t lines;
    size_t len;
    char buf[EVE_BUFSZ];
};

static int open_target(eve_output *o, char *err, size_t errlen)
{
    if (o->is_stdout)
        return STDOUT_FILENO;
    if (o->type == EVE_REGULAR) {
        int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (o->append ? O_APPEND : O_TRUNC);
        int fd = open(o->path, flags, 0640);
        if (fd < 0)
            snprintf(err, errlen, "cannot open output file %s: %s", o->path, strerror(errno));
        return fd;
    }
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(o->path) >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "unix socket path too long: %s", o->path);
        return -1;
    }
    memcpy(sun.sun_path, o->path, strlen(o->path) + 1);
    int fd = socket(AF_UNIX, (o->type == EVE_UNIX_STREAM ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        snprintf(err, errlen, "cannot connect to unix socket %s: %s", o->path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

eve_output *eve_open(const char *path, eve_filetype type, bool append, char *err, size_t errlen)
{
    eve_output *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&o->lock, NULL);
    o->type = type;
    o->append = append;
    o->is_stdout = !path || strcmp(path, "-") == 0;
    snprintf(o->path, sizeof(o->path), "%s", o->is_stdout ? "<stdout>" : path);
    o->fd = open_target(o, err, errlen);
    if (o->fd < 0) {
        free(o);
        return NULL;
    }
    return o;
}

static void fail(eve_output *o, int e)
{
    if (!o->failed)
        snprintf(o->error, sizeof(o->error), "cannot write events to %s: %s", o->path, strerror(e));
    o->failed = true;
}

/* Writes whole lines: p starts at a line boundary, or carry bytes after one
 * (the newline after a long record). When the write fails part way (a full
 * disk), the regular file is cut back to the end of its last whole line, so
 * a reader never sees half a record. */
static bool write_all_carry(eve_output *o, const char *p, size_t n, size_t carry)
{
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(o->fd, p + done, n - done);
        if (w > 0) {
            done += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        int e = w < 0 ? errno : EIO;
        size_t tail = carry + done;
        for (size_t i = done; i > 0; i--)
            if (p[i - 1] == '\n') {
                tail = done - i;
                break;
            }
        struct stat st;
        off_t at;
        if (tail && fstat(o->fd, &st) == 0 && S_ISREG(st.st_mode) && (at = lseek(o->fd, 0, SEEK_CUR)) >= (off_t)tail)
            (void)!ftruncate(o->fd, at - (off_t)tail);
        fail(o, e);
        return false;
    }
    return true;
}

static bool write_all(eve_output *o, const char *p, size_t n) { return write_all_carry(o, p, n, 0); }

static bool flush_locked(eve_output *o)
{
    if (o->failed) {
        o->len = 0;
        return false;
    }
    bool ok = write_all(o, o->buf, o->len);
    o->len = 0;
    return ok;
}

static bool write_locked(eve_output *o, const char *line, size_t len)
{
    if (o->failed)
        return false;
    o->lines++;
    if (o->type == EVE_UNIX_DGRAM) {
        /* One datagram per record, no newline: that is what a datagram reader expects. */
        if (send(o->fd, line, len, 0) < 0) {
            fail(o, errno);
            return false;
        }
        return true;
    }
    if (o->len + len + 1 > sizeof(o->buf)) {
        if (!flush_locked(o))
            return false;
        if (len + 1 > sizeof(o->buf))
            return write_all(o, line, len) && write_all_carry(o, "\n", 1, len);
    }
    memcpy(o->buf + o->len, line, len);
    o->len += len;
    o->buf[o->len++] = '\n';
    return true;
}

bool eve_flush(eve_output *o)
{
    pthread_mutex_lock(&o->lock);
    bool ok = flush_locked(o);
    pthread_mutex_unlock(&o->lock);
    return ok;
}

bool eve_write(eve_output *o, const char *line, size_t len)
{
    pthread_mutex_lock(&o->lock);
    bool ok = write_locked(o, line, len);
    pthread_mutex_unlock(&o->lock);
    return ok;
}

static bool reopen_locked(eve_output *o)
{
    if (o->is_stdout || o->type != EVE_REGULAR)
        return true;
    flush_locked(o);
    char err[600];
    bool saved = o->append;
    o->append = true;
    int fd = open_target(o, err, sizeof(err));
    o->append = saved;
    if (fd < 0) {
        snprintf(o->error, sizeof(o->error), "%s", err);
        o->failed = true;
        return false;
    }
    close(o->fd);
    o->fd = fd;
    return true;
}

bool eve_reopen(eve_output *o)
{
    pthread_mutex_lock(&o->lock);
    bool ok = reopen_locked(o);
    pthread_mutex_unlock(&o->lock);
    return ok;
}

bool eve_close(eve_output *o)
{
    if (!o)
        return true;
    bool ok = flush_locked(o) && !o->failed;
    if (!o->is_stdout && close(o->fd) != 0 && ok) {
        fail(o, errno);
        ok = false;
    }
    pthread_mutex_destroy(&o->lock);
    free(o);
    return ok;
}

bool eve_failed(const eve_output *o) { return o->failed; }
const char *eve_error(const eve_output *o) { return o->error; }

const char *eve_take_error(eve_output *o)
{
    pthread_mutex_lock(&o->lock);
    const char *e = o->failed && !o->reported ? o->error : NULL;
    o->reported = o->failed;
    pthread_mutex_unlock(&o->lock);
    return e;
}
uint64_t eve_lines(const eve_output *o) { return o->lines; }

void eve_format_ip(uint8_t ipver, const uint8_t *addr, char *out, size_t n)
{
    if (!inet_ntop(ipver == 6 ? AF_INET6 : AF_INET, addr, out, (socklen_t)n))
        snprintf(out, n, "?");
}

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

void eve_begin(jbuf *j, const eve_hdr *h, const char *event_type)
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
    jb_str(j, "computer_name", e->computer_name ? e->computer_name : "");
    jb_open_array(j, "keywords");
    jb_str(j, NULL, e->keywords ? e->keywords : "");
    jb_close_array(j);
    jb_open_object(j, "event_data");
    for (size_t i = 0; i < e->ndata; i++)
        jb_str(j, e->fields[i].name, e->fields[i].value ? e->fields[i].value : "");
    jb_close_object(j);
    jb_close_object(j);
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
