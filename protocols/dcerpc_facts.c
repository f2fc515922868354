#include "dcerpc_facts.h"

#include <stdlib.h>
#include <string.h>

#include <stdio.h>

#include "epm.h"
#include "srvsvc.h"
#include "svcctl.h"
#include "tsch.h"

/* Longest task XML kept for an event (UTF-8 bytes): task definitions run to
 * tens of KB; the buffer is taken from the budget for the call only. */
#define TASK_XML_MAX 32768

static rpc_handle *handle_find(rpc_assoc *as, const uint8_t h[NDR_CONTEXT_HANDLE_SIZE])
{
    for (uint32_t i = 0; as && i < RPC_ASSOC_HANDLES; i++) {
        if (as->handles[i].used && memcmp(as->handles[i].handle, h, NDR_CONTEXT_HANDLE_SIZE) == 0)
            return &as->handles[i];
    }
    return NULL;
}

/* Handle h names service `name` (the oldest entry gives way). */
static void handle_learn(rpc_assoc *as, const uint8_t h[NDR_CONTEXT_HANDLE_SIZE], const char *name)
{
    if (!as || !name[0])
        return;
    rpc_handle *e = handle_find(as, h);
    for (uint32_t i = 0; !e && i < RPC_ASSOC_HANDLES; i++) {
        if (!as->handles[i].used)
            e = &as->handles[i];
    }
    if (!e) {
        e = &as->handles[0];
        for (uint32_t i = 1; i < RPC_ASSOC_HANDLES; i++) {
            if (as->handles[i].seq < e->seq)
                e = &as->handles[i];
        }
    }
    e->used = true;
    e->seq = ++as->seq;
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
    uint16_t endpoint_port;
    char endpoint_ip[16];
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

static void malformed(const rpc_host *h)
{
    if (h->malformed)
        (*h->malformed)++;
}

/* The header of a fact for a call: the transport's fields, then the call's. */
static void fact_begin(const rpc_host *h, const dcerpc_call *call, smb_fact_kind kind, smb_fact *f)
{
    memset(f, 0, sizeof *f);
    h->begin(h->ctx, call, kind, f);
    f->h.kind = kind;
    f->h.have_request = true;
    f->h.have_response = call->have_response;
}

/* Sets the share and identity; true when the identity is the bind's own. */
static bool fact_resolve(const rpc_host *h, const rpc_assoc *as, smb_fact *f)
{
    if (h->resolve)
        h->resolve(h->ctx, f);
    if (!as || !as->logon.have)
        return false;
    smb_fact_identity(f, as->logon.anonymous ? SMB_AUTH_ANONYMOUS : SMB_AUTH_NTLMSSP, as->logon.user,
                      as->logon.domain, as->logon.workstation);
    return true;
}

/* One svcctl call ended: a fact with what the request asked and the
 * response answered; the handles it opened or closed update the table. */
static void svcctl_call(const rpc_host *h, const dcerpc_call *call, rpc_assoc *as, rpc_detail *d)
{
    if (!call->have_request || !svcctl_is_known(call->opnum))
        return;
    /* the decoders read NDR: an NDR64 stub is reported, not decoded */
    const uint8_t *req = call->ndr64 ? NULL : call->request, *rsp = call->ndr64 ? NULL : call->response;
    svcctl_request rq;
    svcctl_reply rp;
    bool have_rq = req && svcctl_decode_request(req, call->request_len, call->little_endian, call->opnum, &rq);
    bool have_rp = rsp && svcctl_decode_reply(rsp, call->response_len, call->little_endian, call->opnum, &rp);
    if (req && !have_rq)
        malformed(h);
    bool ok = have_rp && rp.return_code == 0;
    rpc_handle *on = have_rq && rq.have_handle ? handle_find(as, rq.handle) : NULL;
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
    fact_begin(h, call, SMB_FACT_SERVICE, &f);
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
    fact_resolve(h, as, &f);
    h->emit(h->ctx, &f);
    d->have_return = sv->have_return;
    d->return_code = sv->return_code;
    d->start_type = sv->start_type;
    detail_str(d->object, sizeof d->object, &d->have_object, sv->name);
    detail_str(d->binary_path, sizeof d->binary_path, &d->have_path, sv->binary_path);

    /* After the fact: rq.service_name stays valid for it until here. */
    bool opens_service = call->opnum == SVCCTL_OPEN_SERVICE_W || call->opnum == SVCCTL_OPEN_SERVICE_A ||
                         svcctl_is_create_service(call->opnum);
    if (ok && rp.have_handle && have_rq && opens_service)
        handle_learn(as, rp.handle, rq.service_name);
}

static bool budget_take(const rpc_host *h, size_t n) { return !h->take || h->take(h->ctx, n); }

static void budget_give(const rpc_host *h, size_t n)
{
    if (h->give)
        h->give(h->ctx, n);
}

/* One task scheduler call ended (ITaskSchedulerService or ATSVC). */
static void task_call(const rpc_host *h, const dcerpc_call *call, bool atsvc, rpc_assoc *as, rpc_detail *d)
{
    uint16_t op = call->opnum;
    bool known = atsvc ? op == ATSVC_JOB_ADD : (op == TSCH_REGISTER_TASK || op == TSCH_RUN || op == TSCH_DELETE);
    if (!call->have_request || !known)
        return;
    smb_fact f;
    fact_begin(h, call, SMB_FACT_TASK, &f);
    smb_fact_task *tk = &f.u.task;
    tk->atsvc = atsvc;
    tk->opnum = op;
    tk->operation = atsvc ? atsvc_opnum_name(op) : tsch_opnum_name(op);
    tk->encrypted = call->encrypted;
    tk->fault = call->fault;
    tk->fault_status = call->fault ? call->fault_status : 0;

    /* the decoders read NDR: an NDR64 stub is reported, not decoded */
    const uint8_t *req = call->ndr64 ? NULL : call->request, *rsp = call->ndr64 ? NULL : call->response;
    char *xml = NULL;
    tsch_request rq;
    tsch_reply rp;
    atsvc_job_add job;
    atsvc_job_add_reply jr;
    char at_name[24];
    if (atsvc) {
        if (req && atsvc_decode_job_add(req, call->request_len, call->little_endian, &job)) {
            tk->command = job.command;
            tk->flags = job.flags;
        } else if (req) {
            malformed(h);
        }
        if (rsp &&
            atsvc_decode_job_add_reply(rsp, call->response_len, call->little_endian, &jr)) {
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
        bool want_xml = op == TSCH_REGISTER_TASK && req && budget_take(h, TASK_XML_MAX);
        if (want_xml)
            xml = malloc(TASK_XML_MAX);
        if (want_xml && !xml)
            budget_give(h, TASK_XML_MAX);
        if (req && tsch_decode_request(req, call->request_len, call->little_endian, op, &rq, xml,
                                                 xml ? TASK_XML_MAX : 0)) {
            tk->name = rq.have_path && rq.path[0] ? rq.path : NULL;
            tk->xml = xml;
            tk->flags = rq.flags;
        } else if (req) {
            malformed(h);
        }
        if (rsp && tsch_decode_reply(rsp, call->response_len, call->little_endian, op, &rp)) {
            tk->have_return = true;
            tk->return_code = rp.return_code;
            if (!tk->name && rp.have_actual_path && rp.actual_path[0])
                tk->name = rp.actual_path;
        }
    }
    tk->bind_identity = fact_resolve(h, as, &f);
    h->emit(h->ctx, &f);
    d->have_return = tk->have_return;
    d->return_code = tk->return_code;
    detail_str(d->object, sizeof d->object, &d->have_object, tk->name);
    if (xml) {
        free(xml);
        budget_give(h, TASK_XML_MAX);
    }
}

/* ept_map: the interface asked for is the record's object; each TCP tower
 * of a successful reply is an endpoint for the host. */
static void epm_call(const rpc_host *h, const dcerpc_call *call, rpc_detail *d)
{
    if (!call->have_request || call->opnum != EPM_MAP)
        return;
    epm_tower asked;
    bool have_asked = false;
    char uuid[40];
    if (call->request && !epm_decode_map_request(call->request, call->request_len, call->little_endian, call->ndr64,
                                                 &asked, &have_asked))
        malformed(h);
    if (have_asked && asked.have_iface) {
        const char *name = dcerpc_iface_name(dcerpc_iface_lookup(asked.iface_uuid));
        if (!name) {
            dcerpc_uuid_format(asked.iface_uuid, uuid, sizeof uuid);
            name = uuid;
        }
        detail_str(d->object, sizeof d->object, &d->have_object, name);
    }
    epm_map_reply rp;
    if (!call->response)
        return;
    if (!epm_decode_map_reply(call->response, call->response_len, call->little_endian, call->ndr64, &rp)) {
        malformed(h);
        return;
    }
    d->have_return = true;
    d->return_code = rp.status;
    if (rp.status != 0)
        return;
    for (uint32_t i = 0; i < rp.ntowers; i++) {
        const epm_tower *t = &rp.towers[i];
        if (!t->rpc_co || !t->have_port || t->port == 0)
            continue;
        rpc_endpoint e;
        memset(&e, 0, sizeof e);
        const epm_tower *named = t->have_iface ? t : have_asked && asked.have_iface ? &asked : NULL;
        if (named) {
            memcpy(e.uuid, named->iface_uuid, 16);
            e.ver_major = named->ver_major;
            e.iface = dcerpc_iface_lookup(named->iface_uuid);
        }
        e.port = t->port;
        e.have_ip = t->have_ip && (t->ip[0] | t->ip[1] | t->ip[2] | t->ip[3]) != 0;
        memcpy(e.ip, t->ip, 4);
        if (!d->endpoint_port) {
            d->endpoint_port = e.port;
            if (e.have_ip)
                snprintf(d->endpoint_ip, sizeof d->endpoint_ip, "%u.%u.%u.%u", e.ip[0], e.ip[1], e.ip[2], e.ip[3]);
        }
        if (h->endpoint && named)
            h->endpoint(h->ctx, &e);
    }
}

void rpc_facts_auth(rpc_assoc *as, const dcerpc_auth *a)
{
    if (!as || !a->token || (a->auth_type != 10 && a->auth_type != 9))
        return;
    ntlmssp_info ni;
    if (ntlmssp_parse_blob(a->token, a->token_len, &ni) != NTLMSSP_AUTHENTICATE)
        return;
    as->logon.have = true;
    as->logon.anonymous = ni.anonymous != 0;
    memcpy(as->logon.user, ni.user, sizeof as->logon.user);
    memcpy(as->logon.domain, ni.domain, sizeof as->logon.domain);
    memcpy(as->logon.workstation, ni.workstation, sizeof as->logon.workstation);
}

const char *rpc_operation_name(dcerpc_iface iface, uint16_t opnum)
{
    switch (iface) {
    case DCERPC_IF_SVCCTL: return svcctl_opnum_name(opnum);
    case DCERPC_IF_TSCH: return tsch_opnum_name(opnum);
    case DCERPC_IF_ATSVC: return atsvc_opnum_name(opnum);
    case DCERPC_IF_EPM: return opnum == 3 ? "ept_map" : NULL;
    default: return NULL;
    }
}

/* The dcerpc record of a call: what the parser saw, and what the decoder of
 * its interface added. */
static void rpc_call_fact(const rpc_host *h, const dcerpc_call *call, const rpc_assoc *as, const rpc_detail *d)
{
    smb_fact f;
    fact_begin(h, call, SMB_FACT_RPC, &f);
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
    r->operation = call->have_request ? rpc_operation_name(call->iface, call->opnum) : NULL;
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
    r->endpoint_port = d->endpoint_port;
    r->endpoint_ip = d->endpoint_ip[0] ? d->endpoint_ip : NULL;
    r->shares = d->shares;
    r->nshares = d->nshares;
    fact_resolve(h, as, &f);
    h->emit(h->ctx, &f);
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

void rpc_facts_call(const rpc_host *h, rpc_assoc *as, const dcerpc_call *call)
{
    rpc_detail d;
    memset(&d, 0, offsetof(rpc_detail, object));
    d.object[0] = d.binary_path[0] = '\0';
    d.start_type = SVCCTL_NO_CHANGE;
    switch (call->iface) {
    case DCERPC_IF_SVCCTL: svcctl_call(h, call, as, &d); break;
    case DCERPC_IF_TSCH: task_call(h, call, false, as, &d); break;
    case DCERPC_IF_ATSVC: task_call(h, call, true, as, &d); break;
    case DCERPC_IF_EPM: epm_call(h, call, &d); break;
    case DCERPC_IF_SRVSVC: srvsvc_call(call, &d); break;
    default: break;
    }
    rpc_call_fact(h, call, as, &d);
}
