#include "smb_rpc.h"

#include <string.h>

#include "svcctl.h"

/* A svcctl CreateService* request, whole: the service being installed. */
static void svcctl_request(smb_conn *c, smb_file *fe, const dcerpc_call *call)
{
    if (!svcctl_is_create_service(call->opnum) || call->encrypted || !call->request)
        return;
    svcctl_create_service sc;
    if (!svcctl_decode_create_service(call->request, call->request_len, call->little_endian, call->opnum, &sc)) {
        c->st.malformed++;
        return;
    }
    const smb_pipe_io *io = &fe->rpc_io;
    smb_fact f;
    smb_fact_init(c, &f, SMB_FACT_SERVICE_CREATE, io->version, io->command);
    f.h.have_request = true;
    f.h.message_id = io->message_id;
    f.h.session_id = io->session_id;
    f.h.tree_id = io->tree_id;
    smb_fact_service *sv = &f.u.service;
    memcpy(sv->pipe.file_id, fe->fid, 16);
    sv->pipe.have_file_id = true;
    sv->pipe.filename = fe->name;
    sv->name = sc.service_name;
    sv->display_name = sc.display_name[0] ? sc.display_name : NULL;
    sv->binary_path = sc.binary_path;
    sv->service_type = sc.service_type;
    sv->start_type = sc.start_type;
    sv->account_present = sc.account_present;
    sv->desired_access = sc.desired_access;
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
}

static void on_request(void *ctx, const dcerpc_call *call)
{
    smb_conn *c = ctx;
    smb_file *fe = c->rpc_file;
    if (!fe)
        return;
    switch (call->iface) {
    case DCERPC_IF_SVCCTL:
        svcctl_request(c, fe, call);
        break;
    default:
        break;
    }
}

/* The end of a call: what the response says is not reported yet. */
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
        dcerpc_sink sink = {.request = on_request, .call = on_call, .ctx = c};
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
