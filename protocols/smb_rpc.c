#include "smb_rpc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "ntlmssp.h"
#include "srvsvc.h"
#include "svcctl.h"
#include "tsch.h"

/* What smb_rpc keeps per pipe beside its parser (dcerpc_attach): the SMB
 * operation each call in flight was written with, and the svcctl context
 * handles the responses returned, with the service each names. */
#define PIPE_CALLS 8
#define PIPE_HANDLES 16
#define PIPE_HANDLE_NAME 257 /* a service name is at most 256 characters; longer UTF-8 is cut */

typedef struct pipe_call {
    bool used;
    uint32_t call_id;
    smb_pipe_io io;
} pipe_call;

typedef struct pipe_handle {
    bool used;
    uint32_t seq;
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE];
    char name[PIPE_HANDLE_NAME];
} pipe_handle;

/* The logon the DCE/RPC bind carried itself (an NTLMSSP AUTHENTICATE in
 * the verifier of AUTH3, ALTER_CONTEXT or BIND). */
typedef struct pipe_logon {
    bool have;
    bool anonymous;
    char user[NTLM_NAME_MAX + 1];
    char domain[NTLM_NAME_MAX + 1];
    char workstation[NTLM_NAME_MAX + 1];
} pipe_logon;

typedef struct pipe_state {
    pipe_call calls[PIPE_CALLS];
    uint32_t next_call;
    pipe_handle handles[PIPE_HANDLES];
    uint32_t seq;
    pipe_logon logon;
} pipe_state;

/* Longest task XML kept for an event (UTF-8 bytes): task definitions run to
 * tens of KB; the buffer is taken from the SMB budget for the call only. */
#define TASK_XML_MAX 32768

static pipe_state *pipe_state_of(smb_file *fe) { return fe->rpc ? dcerpc_attach(fe->rpc, sizeof(pipe_state)) : NULL; }

static void call_io_remember(pipe_state *ps, uint32_t call_id, const smb_pipe_io *io)
{
    pipe_call *slot = NULL;
    for (uint32_t i = 0; i < PIPE_CALLS && !slot; i++) {
        if (!ps->calls[i].used || ps->calls[i].call_id == call_id)
            slot = &ps->calls[i];
    }
    if (!slot) {
        slot = &ps->calls[ps->next_call];
        ps->next_call = (ps->next_call + 1) % PIPE_CALLS;
    }
    slot->used = true;
    slot->call_id = call_id;
    slot->io = *io;
}

/* The SMB operation call_id's request came with (the pipe's last write when
 * it was not remembered); the entry is dropped. */
static smb_pipe_io call_io_take(pipe_state *ps, const smb_file *fe, uint32_t call_id)
{
    for (uint32_t i = 0; ps && i < PIPE_CALLS; i++) {
        if (ps->calls[i].used && ps->calls[i].call_id == call_id) {
            ps->calls[i].used = false;
            return ps->calls[i].io;
        }
    }
    return fe->rpc_io;
}

static pipe_handle *handle_find(pipe_state *ps, const uint8_t h[NDR_CONTEXT_HANDLE_SIZE])
{
    for (uint32_t i = 0; ps && i < PIPE_HANDLES; i++) {
        if (ps->handles[i].used && memcmp(ps->handles[i].handle, h, NDR_CONTEXT_HANDLE_SIZE) == 0)
            return &ps->handles[i];
    }
    return NULL;
}

/* Handle h names service `name` (the oldest entry gives way). */
static void handle_learn(pipe_state *ps, const uint8_t h[NDR_CONTEXT_HANDLE_SIZE], const char *name)
{
    if (!ps || !name[0])
        return;
    pipe_handle *e = handle_find(ps, h);
    for (uint32_t i = 0; !e && i < PIPE_HANDLES; i++) {
        if (!ps->handles[i].used)
            e = &ps->handles[i];
    }
    if (!e) {
        e = &ps->handles[0];
        for (uint32_t i = 1; i < PIPE_HANDLES; i++) {
            if (ps->handles[i].seq < e->seq)
                e = &ps->handles[i];
        }
    }
    e->used = true;
    e->seq = ++ps->seq;
    memcpy(e->handle, h, NDR_CONTEXT_HANDLE_SIZE);
    size_t len = strlen(name);
    if (len >= sizeof e->name) {
        len = sizeof e->name - 1;
        while (len > 0 && ((unsigned char)name[len] & 0xc0) == 0x80)
            len--; /* never cut a UTF-8 sequence */
    }
    memcpy(e->name, name, len);
    e->name[len] = '\0';
}

/* What an interface decoder tells the dcerpc record of its call. */
typedef struct rpc_detail {
    bool have_return;
    uint32_t return_code;
    bool have_object, have_path;
    uint32_t start_type;
    const srvsvc_share *shares; /* srvsvc: the server's shares */
    size_t nshares;
    char object[SVCCTL_STR_MAX + 1];
    char binary_path[SVCCTL_STR_MAX + 1];
} rpc_detail;

static void detail_str(char *dst, size_t cap, bool *have, const char *s)
{
    if (!s)
        return;
    size_t n = strlen(s);
    if (n >= cap)
        n = cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
    *have = true;
}

/* The header of a fact for a call of pipe fe written with io; the identity
 * of the bind's own logon when it had one. */
static void rpc_fact_begin(smb_conn *c, smb_file *fe, const smb_pipe_io *io, const dcerpc_call *call,
                           smb_fact_kind kind, smb_fact *f)
{
    smb_fact_init(c, f, kind, io->version, io->command);
    f->h.have_request = true;
    f->h.have_response = call->have_response;
    f->h.message_id = io->message_id;
    f->h.session_id = io->session_id;
    f->h.tree_id = io->tree_id;
    smb_fact_file *pipe = (smb_fact_file *)smb_fact_file_of(f);
    memcpy(pipe->file_id, fe->fid, 16);
    pipe->have_file_id = true;
    pipe->filename = fe->name[0] ? fe->name : NULL;
}

/* Sets the share and identity; true when the identity is the bind's own. */
static bool rpc_fact_resolve(smb_conn *c, const pipe_state *ps, smb_fact *f)
{
    smb_fact_resolve(c, f);
    if (!ps || !ps->logon.have)
        return false;
    smb_fact_identity(f, ps->logon.anonymous ? SMB_AUTH_ANONYMOUS : SMB_AUTH_NTLMSSP, ps->logon.user,
                      ps->logon.domain, ps->logon.workstation);
    return true;
}

/* One svcctl call ended: a fact with what the request asked and the
 * response answered; the handles it opened or closed update the table. */
static void svcctl_call(smb_conn *c, smb_file *fe, const dcerpc_call *call, pipe_state *ps, const smb_pipe_io *iop,
                        rpc_detail *d)
{
    if (!call->have_request || !svcctl_is_known(call->opnum))
        return;
    smb_pipe_io io = *iop;
    svcctl_request rq;
    svcctl_reply rp;
    bool have_rq =
        call->request && svcctl_decode_request(call->request, call->request_len, call->little_endian, call->opnum, &rq);
    bool have_rp = call->response &&
                   svcctl_decode_reply(call->response, call->response_len, call->little_endian, call->opnum, &rp);
    if (call->request && !have_rq)
        c->st.malformed++;
    bool ok = have_rp && rp.return_code == 0;
    pipe_handle *on = have_rq && rq.have_handle ? handle_find(ps, rq.handle) : NULL;
    const char *name = NULL;
    if (have_rq && rq.service_name[0])
        name = rq.service_name;
    else if (on)
        name = on->name;

    if (call->opnum == SVCCTL_CLOSE_SERVICE_HANDLE) {
        d->have_return = have_rp;
        d->return_code = have_rp ? rp.return_code : 0;
        if (ok && on)
            on->used = false;
        return;
    }

    smb_fact f;
    rpc_fact_begin(c, fe, &io, call, SMB_FACT_SERVICE, &f);
    smb_fact_service *sv = &f.u.service;
    sv->opnum = call->opnum;
    sv->operation = svcctl_opnum_name(call->opnum);
    sv->encrypted = call->encrypted;
    sv->fault = call->fault;
    sv->fault_status = call->fault ? call->fault_status : 0;
    sv->have_return = have_rp;
    sv->return_code = have_rp ? rp.return_code : 0;
    sv->service_type = sv->start_type = SVCCTL_NO_CHANGE;
    if (have_rq) {
        sv->name = name;
        sv->display_name = rq.have_display_name ? rq.display_name : NULL;
        sv->binary_path = rq.have_binary_path ? rq.binary_path : NULL;
        sv->account = rq.have_account ? rq.account : NULL;
        sv->account_present = rq.have_account;
        sv->desired_access = rq.desired_access;
        sv->service_type = rq.service_type;
        sv->start_type = rq.start_type;
        sv->control = rq.control;
    }
    rpc_fact_resolve(c, ps, &f);
    smb_emit(c, &f);
    d->have_return = sv->have_return;
    d->return_code = sv->return_code;
    d->start_type = sv->start_type;
    detail_str(d->object, sizeof d->object, &d->have_object, sv->name);
    detail_str(d->binary_path, sizeof d->binary_path, &d->have_path, sv->binary_path);

    /* After the fact: rq.service_name stays valid for it until here. */
    bool opens_service = call->opnum == SVCCTL_OPEN_SERVICE_W || call->opnum == SVCCTL_OPEN_SERVICE_A ||
                         svcctl_is_create_service(call->opnum);
    if (ok && rp.have_handle && have_rq && opens_service)
        handle_learn(ps, rp.handle, rq.service_name);
}

/* Bytes from the SMB budget for a buffer of one call; false when refused. */
static bool budget_take(smb_conn *c, size_t n)
{
    if (!c->mem_used)
        return true;
    if (n > c->mem_cap || *c->mem_used > c->mem_cap - n) {
        c->st.rpc_memcap_drops++;
        return false;
    }
    *c->mem_used += n;
    return true;
}

static void budget_give(smb_conn *c, size_t n)
{
    if (c->mem_used)
        *c->mem_used -= n;
}

/* One task scheduler call ended (ITaskSchedulerService or ATSVC). */
static void task_call(smb_conn *c, smb_file *fe, const dcerpc_call *call, bool atsvc, pipe_state *ps,
                      const smb_pipe_io *iop, rpc_detail *d)
{
    uint16_t op = call->opnum;
    bool known = atsvc ? op == ATSVC_JOB_ADD : (op == TSCH_REGISTER_TASK || op == TSCH_RUN || op == TSCH_DELETE);
    if (!call->have_request || !known)
        return;
    smb_pipe_io io = *iop;
    smb_fact f;
    rpc_fact_begin(c, fe, &io, call, SMB_FACT_TASK, &f);
    smb_fact_task *tk = &f.u.task;
    tk->atsvc = atsvc;
    tk->opnum = op;
    tk->operation = atsvc ? atsvc_opnum_name(op) : tsch_opnum_name(op);
    tk->encrypted = call->encrypted;
    tk->fault = call->fault;
    tk->fault_status = call->fault ? call->fault_status : 0;

    char *xml = NULL;
    tsch_request rq;
    tsch_reply rp;
    atsvc_job_add job;
    atsvc_job_add_reply jr;
    char at_name[24];
    if (atsvc) {
        if (call->request && atsvc_decode_job_add(call->request, call->request_len, call->little_endian, &job)) {
            tk->command = job.command;
            tk->flags = job.flags;
        } else if (call->request) {
            c->st.malformed++;
        }
        if (call->response &&
            atsvc_decode_job_add_reply(call->response, call->response_len, call->little_endian, &jr)) {
            tk->have_return = true;
            tk->return_code = jr.return_code;
            if (jr.return_code == 0) {
                /* the scheduler names an AT job after its id */
                memcpy(at_name, "\\At", 4);
                size_t w = 3;
                char digits[12];
                size_t k = 0;
                uint32_t v = jr.job_id;
                do {
                    digits[k++] = (char)('0' + v % 10);
                    v /= 10;
                } while (v);
                while (k)
                    at_name[w++] = digits[--k];
                at_name[w] = '\0';
                tk->name = at_name;
            }
        }
    } else {
        bool want_xml = op == TSCH_REGISTER_TASK && call->request && budget_take(c, TASK_XML_MAX);
        if (want_xml)
            xml = malloc(TASK_XML_MAX);
        if (want_xml && !xml)
            budget_give(c, TASK_XML_MAX);
        if (call->request && tsch_decode_request(call->request, call->request_len, call->little_endian, op, &rq, xml,
                                                 xml ? TASK_XML_MAX : 0)) {
            tk->name = rq.have_path && rq.path[0] ? rq.path : NULL;
            tk->xml = xml;
            tk->flags = rq.flags;
        } else if (call->request) {
            c->st.malformed++;
        }
        if (call->response && tsch_decode_reply(call->response, call->response_len, call->little_endian, op, &rp)) {
            tk->have_return = true;
            tk->return_code = rp.return_code;
            if (!tk->name && rp.have_actual_path && rp.actual_path[0])
                tk->name = rp.actual_path;
        }
    }
    tk->bind_identity = rpc_fact_resolve(c, ps, &f);
    smb_emit(c, &f);
    d->have_return = tk->have_return;
    d->return_code = tk->return_code;
    detail_str(d->object, sizeof d->object, &d->have_object, tk->name);
    if (xml) {
        free(xml);
        budget_give(c, TASK_XML_MAX);
    }
}

/* The bind's own security token: an NTLMSSP AUTHENTICATE names who the
 * calls of this pipe run as. */
static void on_auth(void *ctx, const dcerpc_auth *a)
{
    smb_conn *c = ctx;
    smb_file *fe = c->rpc_file;
    if (!fe || !a->token || (a->auth_type != 10 && a->auth_type != 9))
        return;
    ntlmssp_info ni;
    if (ntlmssp_parse_blob(a->token, a->token_len, &ni) != NTLMSSP_AUTHENTICATE)
        return;
    pipe_state *ps = pipe_state_of(fe);
    if (!ps)
        return;
    ps->logon.have = true;
    ps->logon.anonymous = ni.anonymous != 0;
    memcpy(ps->logon.user, ni.user, sizeof ps->logon.user);
    memcpy(ps->logon.domain, ni.domain, sizeof ps->logon.domain);
    memcpy(ps->logon.workstation, ni.workstation, sizeof ps->logon.workstation);
}

static void on_request(void *ctx, const dcerpc_call *call)
{
    smb_conn *c = ctx;
    smb_file *fe = c->rpc_file;
    pipe_state *ps = fe ? pipe_state_of(fe) : NULL;
    if (ps)
        call_io_remember(ps, call->call_id, &fe->rpc_io);
}

static const char *operation_name(dcerpc_iface iface, uint16_t opnum)
{
    switch (iface) {
    case DCERPC_IF_SVCCTL: return svcctl_opnum_name(opnum);
    case DCERPC_IF_TSCH: return tsch_opnum_name(opnum);
    case DCERPC_IF_ATSVC: return atsvc_opnum_name(opnum);
    default: return NULL;
    }
}

/* The dcerpc record of a call: what the parser saw, and what the decoder of
 * its interface added. */
static void rpc_call_fact(smb_conn *c, smb_file *fe, const dcerpc_call *call, pipe_state *ps, const smb_pipe_io *io,
                          const rpc_detail *d)
{
    smb_fact f;
    rpc_fact_begin(c, fe, io, call, SMB_FACT_RPC, &f);
    f.h.have_request = call->have_request;
    smb_fact_rpc *r = &f.u.rpc;
    char uuid[40];
    r->interface = call->iface_name;
    if (call->have_iface_uuid) {
        dcerpc_uuid_format(call->iface_uuid, uuid, sizeof uuid);
        r->uuid = uuid;
        r->ver_major = call->iface_ver_major;
        r->ver_minor = call->iface_ver_minor;
    }
    r->call_id = call->call_id;
    r->context_id = call->context_id;
    r->opnum = call->opnum;
    r->operation = call->have_request ? operation_name(call->iface, call->opnum) : NULL;
    r->have_request = call->have_request;
    r->have_response = call->have_response;
    r->request_broken = call->request_broken;
    r->response_broken = call->response_broken;
    r->request_frags = call->request_frags;
    r->response_frags = call->response_frags;
    r->request_len = call->request_len;
    r->response_len = call->response_len;
    r->fault = call->fault;
    r->fault_status = call->fault ? call->fault_status : 0;
    r->encrypted = call->encrypted;
    r->auth_type = call->auth_type;
    r->auth_level = call->auth_level;
    r->have_return = d->have_return;
    r->return_code = d->return_code;
    r->object = d->have_object ? d->object : NULL;
    r->binary_path = d->have_path ? d->binary_path : NULL;
    r->start_type = d->start_type;
    r->shares = d->shares;
    r->nshares = d->nshares;
    rpc_fact_resolve(c, ps, &f);
    smb_emit(c, &f);
}

/* A srvsvc NetrShareEnum / NetrShareGetInfo answered with success: the
 * shares as the server spells them, for the dcerpc fact (the sensor learns
 * them per server). The reply is decoded into this thread's buffer, valid
 * until the fact is handled. */
static void srvsvc_call(const dcerpc_call *call, rpc_detail *d)
{
    static _Thread_local srvsvc_reply reply;
    if (!call->have_request || !call->have_response || call->fault || call->encrypted || call->response_broken ||
        !call->response || !srvsvc_is_known(call->opnum))
        return;
    if (!srvsvc_decode_reply(call->response, call->response_len, call->little_endian, call->opnum, &reply))
        return;
    /* 234 ERROR_MORE_DATA: the entries it holds are the server's too */
    if (reply.return_code != 0 && reply.return_code != 234)
        return;
    d->shares = reply.shares;
    d->nshares = reply.n;
}

/* The end of a call: counted, decoded by interface, reported. */
static void on_call(void *ctx, const dcerpc_call *call)
{
    smb_conn *c = ctx;
    c->st.rpc_calls++;
    if (call->have_response)
        c->st.rpc_answered_calls++;
    if (call->request_broken || call->response_broken)
        c->st.rpc_broken_calls++;
    if (call->encrypted)
        c->st.rpc_encrypted_calls++;
    smb_file *fe = c->rpc_file;
    if (!fe)
        return;
    pipe_state *ps = pipe_state_of(fe);
    smb_pipe_io io = call_io_take(ps, fe, call->call_id);
    rpc_detail d;
    memset(&d, 0, offsetof(rpc_detail, object));
    d.object[0] = d.binary_path[0] = '\0';
    d.start_type = SVCCTL_NO_CHANGE;
    switch (call->iface) {
    case DCERPC_IF_SVCCTL: svcctl_call(c, fe, call, ps, &io, &d); break;
    case DCERPC_IF_TSCH: task_call(c, fe, call, false, ps, &io, &d); break;
    case DCERPC_IF_ATSVC: task_call(c, fe, call, true, ps, &io, &d); break;
    case DCERPC_IF_SRVSVC: srvsvc_call(call, &d); break;
    default: break;
    }
    rpc_call_fact(c, fe, call, ps, &io, &d);
}

static void parser_gone(smb_conn *c, smb_file *fe)
{
    const dcerpc_stats *ds = dcerpc_get_stats(fe->rpc);
    c->st.rpc_memcap_drops += ds->memcap_drops;
    dcerpc_free(fe->rpc);
    fe->rpc = NULL;
}

/* The parser of fe, created at the first bytes of a pipe. */
static dcerpc_conn *parser_of(smb_conn *c, smb_file *fe)
{
    if (fe->rpc_off)
        return NULL;
    if (!fe->rpc) {
        dcerpc_limits l;
        dcerpc_limits_default(&l);
        if (c->lim.max_rpc_buffer)
            l.max_stub = c->lim.max_rpc_buffer;
        dcerpc_sink sink = {.request = on_request, .call = on_call, .auth = on_auth, .ctx = c};
        fe->rpc = dcerpc_new(&l, sink, c->mem_used, c->mem_cap);
        if (!fe->rpc) {
            c->st.rpc_memcap_drops++;
            fe->rpc_off = true;
        }
    }
    return fe->rpc;
}

static void feed(smb_conn *c, smb_file *fe, int dir, const uint8_t *data, size_t len, size_t missing)
{
    dcerpc_conn *d = fe->rpc;
    c->rpc_file = fe;
    dcerpc_data(d, dir, data, len);
    if (missing)
        dcerpc_gap(d, dir, missing);
    c->rpc_file = NULL;
    if (dcerpc_is_rpc(d) == 0) {
        /* not DCE/RPC (a PsExec stdin pipe, a file): stop looking */
        parser_gone(c, fe);
        fe->rpc_off = true;
    }
}

void smb_rpc_write(smb_conn *c, smb_file *fe, const smb_pipe_io *io, const uint8_t *data, size_t len,
                   size_t missing)
{
    if (!fe || !parser_of(c, fe))
        return;
    fe->rpc_io = *io;
    feed(c, fe, DCERPC_TO_SERVER, data, len, missing);
}

void smb_rpc_read(smb_conn *c, smb_file *fe, const uint8_t *data, size_t len, size_t missing)
{
    if (!smb_rpc_active(fe))
        return;
    feed(c, fe, DCERPC_TO_CLIENT, data, len, missing);
}

bool smb_rpc_active(const smb_file *fe) { return fe && fe->rpc && !fe->rpc_off; }

void smb_rpc_read_request(smb_conn *c, const smb_file *fe, uint8_t version, uint64_t message_id, uint32_t pid)
{
    if (!smb_rpc_active(fe))
        return;
    smb_pipe_read *r = NULL;
    for (uint32_t i = 0; i < SMB_PIPE_READS && !r; i++) {
        if (!c->reads[i].used)
            r = &c->reads[i];
    }
    if (!r) {
        r = &c->reads[c->next_read];
        c->next_read = (c->next_read + 1) % SMB_PIPE_READS;
    }
    r->used = true;
    r->version = version;
    r->message_id = message_id;
    r->pid = pid;
    memcpy(r->fid, fe->fid, 16);
}

smb_file *smb_rpc_read_response(smb_conn *c, uint8_t version, uint64_t message_id, uint32_t pid)
{
    for (uint32_t i = 0; i < SMB_PIPE_READS; i++) {
        smb_pipe_read *r = &c->reads[i];
        if (r->used && r->version == version && r->message_id == message_id && r->pid == pid) {
            r->used = false;
            return smb_file_get(c, r->fid, false);
        }
    }
    return NULL;
}

void smb_rpc_close(smb_conn *c, smb_file *fe)
{
    if (!fe || !fe->rpc)
        return;
    c->rpc_file = fe;
    dcerpc_flush(fe->rpc);
    c->rpc_file = NULL;
    parser_gone(c, fe);
}

void smb_rpc_flush(smb_conn *c)
{
    for (uint32_t i = 0; i < c->lim.max_files; i++) {
        if (c->files[i].used)
            smb_rpc_close(c, &c->files[i]);
    }
}
