#include "smb_rpc.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "dcerpc_facts.h"

/* What smb_rpc keeps per pipe beside its parser (dcerpc_attach): the SMB
 * operation each call in flight was written with, and what every transport
 * keeps per association (dcerpc_facts.h). */
#define PIPE_CALLS 8

typedef struct pipe_call {
    bool used;
    uint32_t call_id;
    smb_pipe_io io;
} pipe_call;

typedef struct pipe_state {
    pipe_call calls[PIPE_CALLS];
    uint32_t next_call;
    rpc_assoc assoc;
} pipe_state;

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

/* The SMB side of a call's facts: the operation that carried it and its pipe. */
typedef struct pipe_host {
    smb_conn *c;
    smb_file *fe;
    smb_pipe_io io;
} pipe_host;

static void host_begin(void *ctx, const dcerpc_call *call, smb_fact_kind kind, smb_fact *f)
{
    (void)call;
    pipe_host *ph = ctx;
    const smb_pipe_io *io = &ph->io;
    smb_fact_init(ph->c, f, kind, io->version, io->command);
    f->h.message_id = io->message_id;
    f->h.session_id = io->session_id;
    f->h.tree_id = io->tree_id;
    smb_fact_file *pipe = (smb_fact_file *)smb_fact_file_of(f);
    memcpy(pipe->file_id, ph->fe->fid, 16);
    pipe->have_file_id = true;
    pipe->filename = ph->fe->name[0] ? ph->fe->name : NULL;
}

static void host_resolve(void *ctx, smb_fact *f)
{
    pipe_host *ph = ctx;
    smb_fact_resolve(ph->c, f);
}

static void host_emit(void *ctx, const smb_fact *f)
{
    pipe_host *ph = ctx;
    smb_emit(ph->c, f);
}

/* Bytes from the SMB budget for a buffer of one call; false when refused. */
static bool host_take(void *ctx, size_t n)
{
    smb_conn *c = ((pipe_host *)ctx)->c;
    if (!c->mem_used)
        return true;
    if (n > c->mem_cap || *c->mem_used > c->mem_cap - n) {
        c->st.rpc_memcap_drops++;
        return false;
    }
    *c->mem_used += n;
    return true;
}

static void host_give(void *ctx, size_t n)
{
    smb_conn *c = ((pipe_host *)ctx)->c;
    if (c->mem_used)
        *c->mem_used -= n;
}

/* The bind's own security token: an NTLMSSP AUTHENTICATE names who the
 * calls of this pipe run as. */
static void on_auth(void *ctx, const dcerpc_auth *a)
{
    smb_conn *c = ctx;
    smb_file *fe = c->rpc_file;
    pipe_state *ps = fe ? pipe_state_of(fe) : NULL;
    if (ps)
        rpc_facts_auth(&ps->assoc, a);
}

static void on_request(void *ctx, const dcerpc_call *call)
{
    smb_conn *c = ctx;
    smb_file *fe = c->rpc_file;
    pipe_state *ps = fe ? pipe_state_of(fe) : NULL;
    if (ps)
        call_io_remember(ps, call->call_id, &fe->rpc_io);
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
    pipe_host ph = {c, fe, call_io_take(ps, fe, call->call_id)};
    rpc_host h = {.begin = host_begin,
                  .resolve = host_resolve,
                  .emit = host_emit,
                  .take = host_take,
                  .give = host_give,
                  .ctx = &ph,
                  .malformed = &c->st.malformed};
    rpc_facts_call(&h, ps ? &ps->assoc : NULL, call);
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
