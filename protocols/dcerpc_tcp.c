#include "dcerpc_tcp.h"

#include <stdlib.h>
#include <string.h>

#include "reader.h"

#define HDR_SIZE 16
#define MIN_FRAG_SIZE 1432  /* C706 12.6.3.1: MUST_RECV_FRAG_SIZE */
#define PROBE_MAX_FRAG 8192 /* a bind with a Kerberos token stays well below */
#define PROBE_MAX_CONTEXTS 16
#define PROBE_MAX_TRANSFER 8
#define BIND_BODY 12    /* max_xmit, max_recv, assoc_group, n_context, reserved */
#define CONTEXT_ELEM 24 /* context id, n_transfer, reserved, abstract syntax */
#define SYNTAX_ID 20

int dcerpc_probe(const uint8_t *data, size_t len)
{
    if (!data || len < HDR_SIZE + BIND_BODY)
        return DCERPC_PROBE_NO;
    rd_t r = rd_make(data, len);
    uint8_t vers = rd_u8(&r), minor = rd_u8(&r), ptype = rd_u8(&r), flags = rd_u8(&r);
    uint8_t drep[4];
    for (int i = 0; i < 4; i++)
        drep[i] = rd_u8(&r);
    if (vers != 5 || minor > 1 || !(flags & DCERPC_PFC_FIRST_FRAG) || (flags & ~0x1fu))
        return DCERPC_PROBE_NO;
    if ((drep[0] != 0x10 && drep[0] != 0x00) || drep[1] != 0 || drep[2] != 0 || drep[3] != 0)
        return DCERPC_PROBE_NO;
    bool le = drep[0] == 0x10;
    uint16_t frag_len = le ? rd_le16(&r) : rd_be16(&r);
    uint16_t auth_len = le ? rd_le16(&r) : rd_be16(&r);
    (void)rd_le32(&r); /* call_id */
    uint16_t max_xmit = le ? rd_le16(&r) : rd_be16(&r);
    uint16_t max_recv = le ? rd_le16(&r) : rd_be16(&r);
    (void)rd_le32(&r); /* assoc_group_id */
    if (!rd_ok(&r) || frag_len > PROBE_MAX_FRAG || max_xmit < MIN_FRAG_SIZE || max_recv < MIN_FRAG_SIZE)
        return DCERPC_PROBE_NO;
    size_t auth = auth_len ? (size_t)auth_len + 8 : 0;
    switch (ptype) {
    case DCERPC_BIND:
    case DCERPC_ALTER_CONTEXT: {
        uint8_t n_ctx = rd_u8(&r);
        rd_skip(&r, 3);
        (void)rd_le16(&r); /* context id */
        uint8_t n_transfer = rd_u8(&r);
        if (!rd_ok(&r) || n_ctx == 0 || n_ctx > PROBE_MAX_CONTEXTS || n_transfer == 0 ||
            n_transfer > PROBE_MAX_TRANSFER)
            return DCERPC_PROBE_NO;
        size_t need = HDR_SIZE + BIND_BODY + CONTEXT_ELEM + (size_t)n_transfer * SYNTAX_ID + auth;
        return frag_len >= need ? DCERPC_PROBE_CLIENT : DCERPC_PROBE_NO;
    }
    case DCERPC_BIND_ACK:
    case DCERPC_ALTER_CONTEXT_RESP: {
        uint16_t addr_len = le ? rd_le16(&r) : rd_be16(&r);
        if (!rd_ok(&r) || addr_len > 64)
            return DCERPC_PROBE_NO;
        size_t results = (HDR_SIZE + 10 + (size_t)addr_len + 3) & ~(size_t)3;
        size_t need = results + 4 + CONTEXT_ELEM + auth;
        return frag_len >= need ? DCERPC_PROBE_SERVER : DCERPC_PROBE_NO;
    }
    default: return DCERPC_PROBE_NO;
    }
}

struct dcerpc_tcp {
    dcerpc_conn *rpc;
    int client_dir;
    dcerpc_tcp_sink sink;
    size_t *mem_used;
    size_t mem_cap;
    dcerpc_tcp_stats st; /* the connection's own counts; the parser's are added when asked */
    ntlm_target server;  /* the server's names, from the NTLMSSP of its binds */
};

static rpc_assoc *assoc_of(dcerpc_tcp *t) { return dcerpc_attach(t->rpc, sizeof(rpc_assoc)); }

static void host_begin(void *ctx, const dcerpc_call *call, smb_fact_kind kind, smb_fact *f)
{
    (void)call;
    (void)kind;
    const dcerpc_tcp *t = ctx;
    f->h.transport = SMB_TRANSPORT_TCP;
    f->h.req_dir = t->client_dir;
    smb_server_names_of(&t->server, &f->h.server);
}

static void host_emit(void *ctx, const smb_fact *f)
{
    dcerpc_tcp *t = ctx;
    t->st.facts++;
    if (t->sink.fact)
        t->sink.fact(t->sink.ctx, f);
}

static bool host_take(void *ctx, size_t n)
{
    dcerpc_tcp *t = ctx;
    if (!t->mem_used)
        return true;
    if (n > t->mem_cap || *t->mem_used > t->mem_cap - n) {
        t->st.memcap_drops++;
        return false;
    }
    *t->mem_used += n;
    return true;
}

static void host_give(void *ctx, size_t n)
{
    dcerpc_tcp *t = ctx;
    if (t->mem_used)
        *t->mem_used -= n;
}

static void host_endpoint(void *ctx, const rpc_endpoint *e)
{
    dcerpc_tcp *t = ctx;
    t->st.endpoints++;
    if (t->sink.endpoint)
        t->sink.endpoint(t->sink.ctx, e);
}

static void on_auth(void *ctx, const dcerpc_auth *a)
{
    dcerpc_tcp *t = ctx;
    rpc_facts_auth(assoc_of(t), a);
    /* The bind_ack's CHALLENGE names the server as an SMB session's does:
     * Windows' Computer for the calls of this connection. */
    if (a->token && (a->auth_type == 10 || a->auth_type == 9)) {
        ntlmssp_info ni;
        if (ntlmssp_parse_blob(a->token, a->token_len, &ni) != NTLMSSP_NONE)
            ntlm_target_learn(&t->server, &ni);
    }
}

static void on_call(void *ctx, const dcerpc_call *call)
{
    dcerpc_tcp *t = ctx;
    t->st.calls++;
    if (call->have_response)
        t->st.answered_calls++;
    if (call->request_broken || call->response_broken)
        t->st.broken_calls++;
    if (call->encrypted)
        t->st.encrypted_calls++;
    rpc_host h = {.begin = host_begin,
                  .emit = host_emit,
                  .take = host_take,
                  .give = host_give,
                  .endpoint = host_endpoint,
                  .ctx = t,
                  .malformed = &t->st.malformed};
    rpc_facts_call(&h, assoc_of(t), call);
}

dcerpc_tcp *dcerpc_tcp_new(const dcerpc_limits *l, int client_dir, dcerpc_iface expect, dcerpc_tcp_sink sink,
                           size_t *mem_used, size_t mem_cap)
{
    dcerpc_tcp *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (mem_used && (sizeof *t > mem_cap || *mem_used > mem_cap - sizeof *t)) {
        free(t);
        return NULL;
    }
    t->client_dir = client_dir == 1 ? 1 : 0;
    t->sink = sink;
    t->mem_used = mem_used;
    t->mem_cap = mem_cap;
    if (mem_used)
        *mem_used += sizeof *t;
    dcerpc_sink ds = {.call = on_call, .auth = on_auth, .ctx = t};
    t->rpc = dcerpc_new(l, ds, mem_used, mem_cap);
    if (!t->rpc) {
        if (mem_used)
            *mem_used -= sizeof *t;
        free(t);
        return NULL;
    }
    dcerpc_expect(t->rpc, expect);
    return t;
}

void dcerpc_tcp_free(dcerpc_tcp *t)
{
    if (!t)
        return;
    dcerpc_tcp_flush(t);
    dcerpc_free(t->rpc);
    if (t->mem_used)
        *t->mem_used -= sizeof *t;
    free(t);
}

static int rpc_dir(const dcerpc_tcp *t, int dir) { return dir == t->client_dir ? DCERPC_TO_SERVER : DCERPC_TO_CLIENT; }

void dcerpc_tcp_data(dcerpc_tcp *t, int dir, const uint8_t *data, size_t len)
{
    if (t && (dir == 0 || dir == 1))
        dcerpc_data(t->rpc, rpc_dir(t, dir), data, len);
}

void dcerpc_tcp_gap(dcerpc_tcp *t, int dir, uint64_t len)
{
    if (t && (dir == 0 || dir == 1))
        dcerpc_gap(t->rpc, rpc_dir(t, dir), len);
}

void dcerpc_tcp_flush(dcerpc_tcp *t)
{
    if (t)
        dcerpc_flush(t->rpc);
}

dcerpc_tcp_stats dcerpc_tcp_get_stats(const dcerpc_tcp *t)
{
    dcerpc_tcp_stats s = t->st;
    const dcerpc_stats *ds = dcerpc_get_stats(t->rpc);
    s.bad_headers = ds->bad_headers;
    s.malformed += ds->malformed;
    s.memcap_drops += ds->memcap_drops;
    return s;
}
int dcerpc_tcp_client_dir(const dcerpc_tcp *t) { return t->client_dir; }
