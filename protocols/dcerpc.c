#include "dcerpc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndr.h"

#define HDR_SIZE 16

/* ---- interfaces -------------------------------------------------------- */

#define UUID(a, b, c, d0, d1, e0, e1, e2, e3, e4, e5)                                                          \
    {(uint8_t)((a) >> 24), (uint8_t)((a) >> 16), (uint8_t)((a) >> 8), (uint8_t)(a), (uint8_t)((b) >> 8),     \
     (uint8_t)(b),         (uint8_t)((c) >> 8),  (uint8_t)(c),        d0,           d1,                      \
     e0,                   e1,                   e2,                  e3,           e4,                      \
     e5}

static const struct {
    dcerpc_iface id;
    const char *name;
    uint8_t uuid[16];
} ifaces[] = {
    {DCERPC_IF_SVCCTL, "svcctl", UUID(0x367abb81, 0x9844, 0x35f1, 0xad, 0x32, 0x98, 0xf0, 0x38, 0x00, 0x10, 0x03)},
    {DCERPC_IF_ATSVC, "atsvc", UUID(0x1ff70682, 0x0a51, 0x30e8, 0x07, 0x6d, 0x74, 0x0b, 0xe8, 0xce, 0xe9, 0x8b)},
    {DCERPC_IF_TSCH, "ITaskSchedulerService",
     UUID(0x86d35949, 0x83c9, 0x4044, 0xb4, 0x24, 0xdb, 0x36, 0x32, 0x31, 0xfd, 0x0c)},
    {DCERPC_IF_SRVSVC, "srvsvc", UUID(0x4b324fc8, 0x1670, 0x01d3, 0x12, 0x78, 0x5a, 0x47, 0xbf, 0x6e, 0xe1, 0x88)},
    {DCERPC_IF_WKSSVC, "wkssvc", UUID(0x6bffd098, 0xa112, 0x3610, 0x98, 0x33, 0x46, 0xc3, 0xf8, 0x7e, 0x34, 0x5a)},
    {DCERPC_IF_SAMR, "samr", UUID(0x12345778, 0x1234, 0xabcd, 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xac)},
    {DCERPC_IF_LSARPC, "lsarpc", UUID(0x12345778, 0x1234, 0xabcd, 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab)},
    {DCERPC_IF_LSADS, "lsads", UUID(0x3919286a, 0xb10c, 0x11d0, 0x9b, 0xa8, 0x00, 0xc0, 0x4f, 0xd9, 0x2e, 0xf5)},
    {DCERPC_IF_WINREG, "winreg", UUID(0x338cd001, 0x2244, 0x31f1, 0xaa, 0xaa, 0x90, 0x00, 0x38, 0x00, 0x10, 0x03)},
    {DCERPC_IF_NETLOGON, "netlogon",
     UUID(0x12345678, 0x1234, 0xabcd, 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0xcf, 0xfb)},
    {DCERPC_IF_DRSUAPI, "drsuapi", UUID(0xe3514235, 0x4b06, 0x11d1, 0xab, 0x04, 0x00, 0xc0, 0x4f, 0xc2, 0xdc, 0xd2)},
    {DCERPC_IF_EPM, "epm", UUID(0xe1af8308, 0x5d1f, 0x11c9, 0x91, 0xa4, 0x08, 0x00, 0x2b, 0x14, 0xa0, 0xfa)},
    {DCERPC_IF_SPOOLSS, "spoolss", UUID(0x12345678, 0x1234, 0xabcd, 0xef, 0x00, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab)},
    {DCERPC_IF_EVENTLOG, "eventlog",
     UUID(0x82273fdc, 0xe32a, 0x18c3, 0x3f, 0x78, 0x82, 0x79, 0x29, 0xdc, 0x23, 0xea)},
    {DCERPC_IF_EVEN6, "IEventService",
     UUID(0xf6beaff7, 0x1e19, 0x4fbb, 0x9f, 0x8f, 0xb8, 0x9e, 0x20, 0x18, 0x33, 0x7c)},
    {DCERPC_IF_MGMT, "mgmt", UUID(0xafa8bd80, 0x7d8a, 0x11c9, 0xbe, 0xf4, 0x08, 0x00, 0x2b, 0x10, 0x29, 0x89)},
    {DCERPC_IF_ISYSTEMACTIVATOR, "ISystemActivator",
     UUID(0x000001a0, 0x0000, 0x0000, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x46)},
    {DCERPC_IF_IREMOTEACTIVATION, "IRemoteActivation",
     UUID(0x4d9f4ab8, 0x7d1c, 0x11cf, 0x86, 0x1e, 0x00, 0x20, 0xaf, 0x6e, 0x7c, 0x57)},
    {DCERPC_IF_IOXIDRESOLVER, "IOXIDResolver",
     UUID(0x99fcfec4, 0x5260, 0x101b, 0xbb, 0xcb, 0x00, 0xaa, 0x00, 0x21, 0x34, 0x7a)},
};

dcerpc_iface dcerpc_iface_lookup(const uint8_t uuid[16])
{
    for (size_t i = 0; i < sizeof ifaces / sizeof ifaces[0]; i++) {
        if (memcmp(ifaces[i].uuid, uuid, 16) == 0)
            return ifaces[i].id;
    }
    return DCERPC_IF_UNKNOWN;
}

const char *dcerpc_iface_name(dcerpc_iface id)
{
    for (size_t i = 0; i < sizeof ifaces / sizeof ifaces[0]; i++) {
        if (ifaces[i].id == id)
            return ifaces[i].name;
    }
    return NULL;
}

void dcerpc_uuid_format(const uint8_t u[16], char *buf, size_t n)
{
    snprintf(buf, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0], u[1], u[2], u[3],
             u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14], u[15]);
}

/* NDR64's transfer syntax (MS-RPCE 2.2.5.1): 71710533-beba-4937-8319-b5dbef9ccc36. */
static const uint8_t ndr64_syntax[16] = UUID(0x71710533, 0xbeba, 0x4937, 0x83, 0x19, 0xb5, 0xdb, 0xef, 0x9c, 0xcc,
                                             0x36);

/* A UUID as NDR sends it (a u32, two u16 in the sender's byte order, then
 * eight bytes) into canonical order. */
static bool read_uuid(ndr_t *n, uint8_t out[16])
{
    uint32_t a = ndr_u32(n);
    uint16_t b = ndr_u16(n);
    uint16_t c = ndr_u16(n);
    const uint8_t *rest = ndr_bytes(n, 8);
    if (!rest)
        return false;
    out[0] = (uint8_t)(a >> 24);
    out[1] = (uint8_t)(a >> 16);
    out[2] = (uint8_t)(a >> 8);
    out[3] = (uint8_t)a;
    out[4] = (uint8_t)(b >> 8);
    out[5] = (uint8_t)b;
    out[6] = (uint8_t)(c >> 8);
    out[7] = (uint8_t)c;
    memcpy(out + 8, rest, 8);
    return true;
}

/* ---- state ------------------------------------------------------------- */

typedef struct rpc_buf {
    uint8_t *p;
    size_t len, cap;
} rpc_buf;

typedef struct rpc_ctx {
    bool used;
    uint16_t id;
    int8_t accepted; /* -1 not answered yet, 0 refused, 1 accepted */
    dcerpc_iface iface;
    uint8_t uuid[16];
    uint16_t ver_major, ver_minor;
    bool ndr64; /* the transfer syntax: NDR64 (accepted, else first offered) */
} rpc_ctx;

typedef struct rpc_call {
    bool used;
    bool req_open; /* the first request fragment was seen, not the last */
    uint64_t seq;  /* creation order: the oldest makes room */
    dcerpc_call pub;
    rpc_buf req, rsp;
} rpc_call;

typedef struct rpc_dir {
    uint8_t hdr[HDR_SIZE];
    size_t hdr_len;
    uint32_t frag_len;
    rpc_buf pdu;
    uint64_t skip; /* bytes of a PDU too long to buffer still to pass over */
    bool drop;     /* the rest of the current chunk is dropped */
} rpc_dir;

struct dcerpc_conn {
    dcerpc_limits lim;
    dcerpc_sink sink;
    size_t *mem_used;
    size_t mem_cap;
    size_t mem; /* what this parser has charged */
    int is_rpc;
    uint64_t seq;
    rpc_dir dir[2];
    rpc_ctx *ctxs;
    rpc_call *calls;
    uint16_t *bind_order; /* context ids of the last BIND/ALTER_CONTEXT, in order */
    uint32_t n_bind_order;
    dcerpc_stats st;
    void *attached; /* dcerpc_attach */
    size_t attached_len;
    dcerpc_iface expect; /* dcerpc_expect */
};

void dcerpc_limits_default(dcerpc_limits *l)
{
    l->max_pdu = 65536;
    l->max_stub = 262144;
    l->max_calls = 8;
    l->max_contexts = 16;
}

static bool charge(dcerpc_conn *d, size_t n)
{
    if (d->mem_used) {
        if (n > d->mem_cap || *d->mem_used > d->mem_cap - n) {
            d->st.memcap_drops++;
            return false;
        }
        *d->mem_used += n;
    }
    d->mem += n;
    return true;
}

static void uncharge(dcerpc_conn *d, size_t n)
{
    if (d->mem_used)
        *d->mem_used -= n;
    d->mem -= n;
}

static void buf_free(dcerpc_conn *d, rpc_buf *b)
{
    if (b->p) {
        uncharge(d, b->cap);
        free(b->p);
    }
    memset(b, 0, sizeof *b);
}

/* Room for `more` bytes after b->len, never past limit bytes in all. */
static bool buf_reserve(dcerpc_conn *d, rpc_buf *b, size_t more, size_t limit)
{
    if (more > limit || b->len > limit - more)
        return false;
    size_t need = b->len + more;
    if (need <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : (limit < 256 ? limit : 256);
    while (cap < need) /* ends: need <= limit */
        cap = cap > limit / 2 ? limit : cap * 2;
    if (!charge(d, cap - b->cap))
        return false;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        uncharge(d, cap - b->cap);
        return false;
    }
    b->p = p;
    b->cap = cap;
    return true;
}

static bool buf_append(dcerpc_conn *d, rpc_buf *b, const uint8_t *p, size_t n, size_t limit)
{
    if (n == 0)
        return true;
    if (!buf_reserve(d, b, n, limit))
        return false;
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return true;
}

static size_t tables_size(const dcerpc_limits *l)
{
    return sizeof(dcerpc_conn) + (size_t)l->max_contexts * (sizeof(rpc_ctx) + sizeof(uint16_t)) +
           (size_t)l->max_calls * sizeof(rpc_call);
}

dcerpc_conn *dcerpc_new(const dcerpc_limits *l, dcerpc_sink sink, size_t *mem_used, size_t mem_cap)
{
    dcerpc_limits lim;
    if (l)
        lim = *l;
    else
        dcerpc_limits_default(&lim);
    if (lim.max_calls == 0)
        lim.max_calls = 1;
    if (lim.max_contexts == 0)
        lim.max_contexts = 1;
    if (lim.max_pdu < HDR_SIZE)
        lim.max_pdu = HDR_SIZE;
    dcerpc_conn *d = calloc(1, sizeof(dcerpc_conn));
    rpc_ctx *ctxs = calloc(lim.max_contexts, sizeof(rpc_ctx));
    uint16_t *order = calloc(lim.max_contexts, sizeof(uint16_t));
    rpc_call *calls = calloc(lim.max_calls, sizeof(rpc_call));
    if (d) {
        d->mem_used = mem_used;
        d->mem_cap = mem_cap;
    }
    if (!d || !ctxs || !order || !calls || !charge(d, tables_size(&lim))) {
        free(d);
        free(ctxs);
        free(order);
        free(calls);
        return NULL;
    }
    d->lim = lim;
    d->sink = sink;
    d->is_rpc = -1;
    d->ctxs = ctxs;
    d->bind_order = order;
    d->calls = calls;
    return d;
}

static void call_release(dcerpc_conn *d, rpc_call *c)
{
    buf_free(d, &c->req);
    buf_free(d, &c->rsp);
    c->used = false;
}

void dcerpc_free(dcerpc_conn *d)
{
    if (!d)
        return;
    for (uint32_t i = 0; i < d->lim.max_calls; i++) {
        if (d->calls[i].used)
            call_release(d, &d->calls[i]);
    }
    for (int i = 0; i < 2; i++)
        buf_free(d, &d->dir[i].pdu);
    uncharge(d, tables_size(&d->lim));
    if (d->attached) {
        uncharge(d, d->attached_len);
        free(d->attached);
    }
    free(d->ctxs);
    free(d->bind_order);
    free(d->calls);
    free(d);
}

int dcerpc_is_rpc(const dcerpc_conn *d) { return d->is_rpc; }
const dcerpc_stats *dcerpc_get_stats(const dcerpc_conn *d) { return &d->st; }
size_t dcerpc_mem(const dcerpc_conn *d) { return d->mem; }

void *dcerpc_attach(dcerpc_conn *d, size_t n)
{
    if (d->attached)
        return n <= d->attached_len ? d->attached : NULL;
    if (n == 0 || !charge(d, n))
        return NULL;
    d->attached = calloc(1, n);
    if (!d->attached) {
        uncharge(d, n);
        return NULL;
    }
    d->attached_len = n;
    return d->attached;
}

void dcerpc_expect(dcerpc_conn *d, dcerpc_iface iface)
{
    if (d)
        d->expect = iface;
}

/* ---- contexts ---------------------------------------------------------- */

static rpc_ctx *ctx_find(dcerpc_conn *d, uint16_t id)
{
    for (uint32_t i = 0; i < d->lim.max_contexts; i++) {
        if (d->ctxs[i].used && d->ctxs[i].id == id)
            return &d->ctxs[i];
    }
    return NULL;
}

static rpc_ctx *ctx_add(dcerpc_conn *d, uint16_t id)
{
    rpc_ctx *c = ctx_find(d, id);
    for (uint32_t i = 0; !c && i < d->lim.max_contexts; i++) {
        if (!d->ctxs[i].used)
            c = &d->ctxs[i];
    }
    if (!c) {
        d->st.context_drops++;
        return NULL;
    }
    memset(c, 0, sizeof *c);
    c->used = true;
    c->id = id;
    c->accepted = -1;
    return c;
}

/* ---- calls ------------------------------------------------------------- */

static void call_emit_end(dcerpc_conn *d, rpc_call *c)
{
    dcerpc_call *p = &c->pub;
    if (c->req_open)
        p->request_broken = true; /* its last fragment never came */
    if (p->request_broken || p->response_broken)
        d->st.broken_calls++;
    p->request = p->have_request && !p->request_broken && !p->encrypted ? c->req.p : NULL;
    p->request_len = p->request ? c->req.len : 0;
    p->response = p->have_response && !p->response_broken && !p->encrypted && !p->fault ? c->rsp.p : NULL;
    p->response_len = p->response ? c->rsp.len : 0;
    d->st.calls++;
    if (d->sink.call)
        d->sink.call(d->sink.ctx, p);
    call_release(d, c);
}

static rpc_call *call_find(dcerpc_conn *d, uint32_t call_id)
{
    for (uint32_t i = 0; i < d->lim.max_calls; i++) {
        if (d->calls[i].used && d->calls[i].pub.call_id == call_id)
            return &d->calls[i];
    }
    return NULL;
}

static void call_bind_context(dcerpc_conn *d, rpc_call *c, uint16_t ctx_id)
{
    c->pub.context_id = ctx_id;
    rpc_ctx *x = ctx_find(d, ctx_id);
    if (!x && d->expect) {
        /* its bind was not seen: the interface the transport expects */
        c->pub.iface = d->expect;
        c->pub.iface_name = dcerpc_iface_name(d->expect);
        return;
    }
    if (!x || x->accepted == 0)
        return;
    c->pub.iface = x->iface;
    c->pub.iface_name = dcerpc_iface_name(x->iface);
    c->pub.have_iface_uuid = true;
    memcpy(c->pub.iface_uuid, x->uuid, 16);
    c->pub.iface_ver_major = x->ver_major;
    c->pub.iface_ver_minor = x->ver_minor;
    c->pub.ndr64 = x->ndr64;
}

static rpc_call *call_new(dcerpc_conn *d, uint32_t call_id)
{
    rpc_call *c = NULL, *oldest = NULL;
    for (uint32_t i = 0; i < d->lim.max_calls && !c; i++) {
        if (!d->calls[i].used)
            c = &d->calls[i];
        else if (!oldest || d->calls[i].seq < oldest->seq)
            oldest = &d->calls[i];
    }
    if (!c) {
        d->st.evicted_calls++;
        call_emit_end(d, oldest);
        c = oldest;
    }
    memset(c, 0, sizeof *c);
    c->used = true;
    c->seq = ++d->seq;
    c->pub.call_id = call_id;
    return c;
}

/* The fields of one fragment that carries a stub. */
typedef struct frag {
    uint8_t ptype, flags;
    bool le;
    uint32_t call_id;
    uint16_t ctx_id;
    uint16_t opnum;
    uint8_t auth_type, auth_level;
    uint32_t fault_status;
    const uint8_t *stub;
    size_t stub_len;
} frag;

static void on_request(dcerpc_conn *d, const frag *f)
{
    rpc_call *c = call_find(d, f->call_id);
    if (f->flags & DCERPC_PFC_FIRST_FRAG) {
        if (c)
            call_emit_end(d, c); /* a call id used again: the old call is over */
        c = call_new(d, f->call_id);
        c->req_open = true;
        c->pub.opnum = f->opnum;
        c->pub.little_endian = f->le;
        c->pub.auth_type = f->auth_type;
        c->pub.auth_level = f->auth_level;
        call_bind_context(d, c, f->ctx_id);
    } else if (!c || !c->req_open) {
        d->st.orphan_frags++;
        return;
    }
    c->pub.request_frags++;
    if (f->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
        c->pub.encrypted = true;
    if (!c->pub.encrypted && !c->pub.request_broken &&
        !buf_append(d, &c->req, f->stub, f->stub_len, d->lim.max_stub)) {
        c->pub.request_broken = true;
        buf_free(d, &c->req);
    }
    if (!(f->flags & DCERPC_PFC_LAST_FRAG))
        return;
    c->req_open = false;
    c->pub.have_request = true;
    dcerpc_call *p = &c->pub;
    p->request = !p->request_broken && !p->encrypted ? c->req.p : NULL;
    p->request_len = p->request ? c->req.len : 0;
    if (d->sink.request)
        d->sink.request(d->sink.ctx, p);
}

static void on_response(dcerpc_conn *d, const frag *f)
{
    rpc_call *c = call_find(d, f->call_id);
    if (!c) {
        if (!(f->flags & DCERPC_PFC_FIRST_FRAG) && f->ptype != DCERPC_FAULT) {
            d->st.orphan_frags++;
            return;
        }
        /* the request was not seen (a capture that starts midway) */
        c = call_new(d, f->call_id);
        c->pub.little_endian = f->le;
        call_bind_context(d, c, f->ctx_id);
    }
    if (f->ptype == DCERPC_FAULT) {
        c->pub.fault = true;
        c->pub.fault_status = f->fault_status;
        c->pub.have_response = true;
        c->pub.response_frags++;
        call_emit_end(d, c);
        return;
    }
    if (f->flags & DCERPC_PFC_FIRST_FRAG) {
        c->rsp.len = 0;
        c->pub.response_frags = 0;
        c->pub.response_broken = false;
    } else if (c->pub.response_frags == 0) {
        d->st.orphan_frags++;
        c->pub.response_broken = true;
    }
    c->pub.response_frags++;
    if (f->auth_level == DCERPC_AUTH_LEVEL_PRIVACY)
        c->pub.encrypted = true;
    if (!c->pub.encrypted && !c->pub.response_broken &&
        !buf_append(d, &c->rsp, f->stub, f->stub_len, d->lim.max_stub)) {
        c->pub.response_broken = true;
        buf_free(d, &c->rsp);
    }
    if (f->flags & DCERPC_PFC_LAST_FRAG) {
        c->pub.have_response = true;
        call_emit_end(d, c);
    }
}

/* ---- PDUs -------------------------------------------------------------- */

typedef struct hdr {
    uint8_t vers, minor, ptype, flags;
    bool le;
    uint16_t frag_len, auth_len;
    uint32_t call_id;
} hdr;

static bool parse_hdr(const uint8_t *p, hdr *h)
{
    h->vers = p[0];
    h->minor = p[1];
    h->ptype = p[2];
    h->flags = p[3];
    uint8_t int_rep = p[4] >> 4;
    h->le = int_rep == 1;
    if (h->vers != 5 || h->minor > 1 || int_rep > 1 || h->ptype > 19)
        return false;
    if (h->le) {
        h->frag_len = (uint16_t)(p[8] | (p[9] << 8));
        h->auth_len = (uint16_t)(p[10] | (p[11] << 8));
        h->call_id = (uint32_t)p[12] | ((uint32_t)p[13] << 8) | ((uint32_t)p[14] << 16) | ((uint32_t)p[15] << 24);
    } else {
        h->frag_len = (uint16_t)((p[8] << 8) | p[9]);
        h->auth_len = (uint16_t)((p[10] << 8) | p[11]);
        h->call_id = ((uint32_t)p[12] << 24) | ((uint32_t)p[13] << 16) | ((uint32_t)p[14] << 8) | (uint32_t)p[15];
    }
    return h->frag_len >= HDR_SIZE;
}

/* The stub of a fragment whose body header ends at body_end: what lies
 * before the verifier and its padding. */
static bool split_auth(const hdr *h, const uint8_t *p, size_t body_end, frag *f)
{
    size_t end = h->frag_len;
    f->auth_type = f->auth_level = 0;
    if (h->auth_len) {
        if ((size_t)h->auth_len + 8 > end - body_end)
            return false;
        size_t trailer = end - h->auth_len - 8;
        f->auth_type = p[trailer];
        f->auth_level = p[trailer + 1];
        uint8_t pad = p[trailer + 2];
        if (pad > trailer - body_end)
            return false;
        end = trailer - pad;
    }
    f->stub = p + body_end;
    f->stub_len = end - body_end;
    return true;
}

static void on_bind(dcerpc_conn *d, ndr_t *n)
{
    (void)ndr_u16(n); /* max_xmit_frag */
    (void)ndr_u16(n); /* max_recv_frag */
    (void)ndr_u32(n); /* assoc_group_id */
    uint8_t count = ndr_u8(n);
    ndr_bytes(n, 3);
    d->n_bind_order = 0;
    for (unsigned i = 0; i < count && ndr_ok(n); i++) {
        uint16_t id = ndr_u16(n);
        uint8_t ntrans = ndr_u8(n);
        ndr_u8(n);
        uint8_t uuid[16];
        bool got = read_uuid(n, uuid);
        uint16_t major = ndr_u16(n);
        uint16_t minor = ndr_u16(n);
        uint8_t first[16];
        bool have_first = ntrans && read_uuid(n, first);
        ndr_bytes(n, (size_t)ntrans * 20 - (have_first ? 16 : 0));
        if (!got || !ndr_ok(n))
            break;
        rpc_ctx *c = ctx_add(d, id);
        if (!c)
            continue;
        memcpy(c->uuid, uuid, 16);
        c->iface = dcerpc_iface_lookup(uuid);
        c->ver_major = major;
        c->ver_minor = minor;
        c->ndr64 = have_first && memcmp(first, ndr64_syntax, 16) == 0;
        if (d->n_bind_order < d->lim.max_contexts)
            d->bind_order[d->n_bind_order++] = id;
    }
    if (!ndr_ok(n))
        d->st.malformed++;
}

static void on_bind_ack(dcerpc_conn *d, ndr_t *n)
{
    (void)ndr_u16(n);
    (void)ndr_u16(n);
    (void)ndr_u32(n);
    uint16_t addr_len = ndr_u16(n);
    ndr_bytes(n, addr_len);
    ndr_align(n, 4);
    uint8_t count = ndr_u8(n);
    ndr_bytes(n, 3);
    for (unsigned i = 0; i < count && ndr_ok(n); i++) {
        uint16_t result = ndr_u16(n);
        (void)ndr_u16(n); /* reason */
        uint8_t syntax[16];
        bool got = read_uuid(n, syntax);
        ndr_bytes(n, 4);
        if (!got || !ndr_ok(n) || i >= d->n_bind_order)
            break;
        rpc_ctx *c = ctx_find(d, d->bind_order[i]);
        if (c) {
            c->accepted = result == 0;
            if (result == 0)
                c->ndr64 = memcmp(syntax, ndr64_syntax, 16) == 0;
        }
    }
    if (!ndr_ok(n))
        d->st.malformed++;
}

/* The verifier of a PDU that sets up the association, to the sink. */
static void bind_auth(dcerpc_conn *d, const uint8_t *p, const hdr *h)
{
    if (!h->auth_len || !d->sink.auth)
        return;
    if ((size_t)h->auth_len + 8 > (size_t)h->frag_len - HDR_SIZE) {
        d->st.malformed++;
        return;
    }
    size_t trailer = (size_t)h->frag_len - h->auth_len - 8;
    ndr_t n = ndr_make(p + trailer, 8, h->le);
    dcerpc_auth a;
    a.ptype = h->ptype;
    a.call_id = h->call_id;
    a.auth_type = ndr_u8(&n);
    a.auth_level = ndr_u8(&n);
    ndr_bytes(&n, 2); /* pad length, reserved */
    a.auth_context_id = ndr_u32(&n);
    a.token = p + trailer + 8;
    a.token_len = h->auth_len;
    d->sink.auth(d->sink.ctx, &a);
}

static void on_pdu(dcerpc_conn *d, const uint8_t *p, const hdr *h)
{
    ndr_t n = ndr_make(p, h->frag_len, h->le);
    ndr_bytes(&n, HDR_SIZE);
    frag f;
    memset(&f, 0, sizeof f);
    f.ptype = h->ptype;
    f.flags = h->flags;
    f.le = h->le;
    f.call_id = h->call_id;
    switch (h->ptype) {
    case DCERPC_BIND:
    case DCERPC_ALTER_CONTEXT:
        on_bind(d, &n);
        bind_auth(d, p, h);
        return;
    case DCERPC_BIND_ACK:
    case DCERPC_ALTER_CONTEXT_RESP:
        on_bind_ack(d, &n);
        bind_auth(d, p, h);
        return;
    case DCERPC_AUTH3:
        bind_auth(d, p, h);
        return;
    case DCERPC_BIND_NAK:
        for (uint32_t i = 0; i < d->n_bind_order; i++) {
            rpc_ctx *c = ctx_find(d, d->bind_order[i]);
            if (c)
                c->accepted = 0;
        }
        return;
    case DCERPC_REQUEST:
        (void)ndr_u32(&n); /* alloc_hint */
        f.ctx_id = ndr_u16(&n);
        f.opnum = ndr_u16(&n);
        if (h->flags & DCERPC_PFC_OBJECT_UUID)
            ndr_bytes(&n, 16);
        break;
    case DCERPC_RESPONSE:
    case DCERPC_FAULT:
        (void)ndr_u32(&n);
        f.ctx_id = ndr_u16(&n);
        ndr_bytes(&n, 2); /* cancel_count, reserved */
        if (h->ptype == DCERPC_FAULT) {
            f.fault_status = ndr_u32(&n);
            if (!ndr_ok(&n)) {
                d->st.malformed++;
                return;
            }
            f.flags |= DCERPC_PFC_FIRST_FRAG | DCERPC_PFC_LAST_FRAG;
            on_response(d, &f);
            return;
        }
        break;
    default:
        return;
    }
    if (!ndr_ok(&n) || !split_auth(h, p, n.r.off, &f)) {
        d->st.malformed++;
        /* the call lost this fragment */
        rpc_call *c = call_find(d, h->call_id);
        if (c) {
            if (h->ptype == DCERPC_REQUEST)
                c->pub.request_broken = true;
            else
                c->pub.response_broken = true;
        }
        return;
    }
    if (h->ptype == DCERPC_REQUEST)
        on_request(d, &f);
    else
        on_response(d, &f);
}

/* A PDU of this call that is not read (too long to buffer, budget spent). */
static void lose_pdu(dcerpc_conn *d, const hdr *h)
{
    rpc_call *c = call_find(d, h->call_id);
    if (h->ptype == DCERPC_REQUEST) {
        if (!c && (h->flags & DCERPC_PFC_FIRST_FRAG)) {
            c = call_new(d, h->call_id);
            c->req_open = true;
        }
        if (c) {
            c->pub.request_frags++;
            c->pub.request_broken = true;
            buf_free(d, &c->req);
            if (h->flags & DCERPC_PFC_LAST_FRAG) {
                c->req_open = false;
                c->pub.have_request = true;
                c->pub.request = NULL;
                c->pub.request_len = 0;
                if (d->sink.request)
                    d->sink.request(d->sink.ctx, &c->pub);
            }
        }
    } else if (h->ptype == DCERPC_RESPONSE && c) {
        c->pub.response_frags++;
        c->pub.response_broken = true;
        buf_free(d, &c->rsp);
        if (h->flags & DCERPC_PFC_LAST_FRAG) {
            c->pub.have_response = true;
            call_emit_end(d, c);
        }
    }
}

/* ---- framing ----------------------------------------------------------- */

static void bad_header(dcerpc_conn *d, rpc_dir *ds)
{
    d->st.bad_headers++;
    if (d->is_rpc < 0)
        d->is_rpc = 0;
    ds->hdr_len = 0;
    ds->drop = true;
}

static void pdu_done(dcerpc_conn *d, int dir, const uint8_t *p, const hdr *h)
{
    d->st.pdus[dir]++;
    d->is_rpc = 1;
    on_pdu(d, p, h);
}

void dcerpc_data(dcerpc_conn *d, int dir, const uint8_t *data, size_t len)
{
    if (!d || (dir != 0 && dir != 1) || !data)
        return;
    rpc_dir *ds = &d->dir[dir];
    ds->drop = false;
    while (len > 0 && !ds->drop) {
        if (ds->skip) {
            size_t n = ds->skip < len ? (size_t)ds->skip : len;
            ds->skip -= n;
            data += n;
            len -= n;
            continue;
        }
        hdr h;
        if (ds->hdr_len == 0 && len >= HDR_SIZE) {
            /* the common case: a whole PDU inside this chunk, read in place */
            if (!parse_hdr(data, &h)) {
                bad_header(d, ds);
                break;
            }
            if (h.frag_len <= len) {
                pdu_done(d, dir, data, &h);
                data += h.frag_len;
                len -= h.frag_len;
                continue;
            }
        }
        if (ds->hdr_len < HDR_SIZE) {
            size_t n = HDR_SIZE - ds->hdr_len;
            if (n > len)
                n = len;
            memcpy(ds->hdr + ds->hdr_len, data, n);
            ds->hdr_len += n;
            data += n;
            len -= n;
            if (ds->hdr_len < HDR_SIZE)
                break;
            if (!parse_hdr(ds->hdr, &h)) {
                bad_header(d, ds);
                break;
            }
            ds->frag_len = h.frag_len;
            ds->pdu.len = 0;
            if (h.frag_len > d->lim.max_pdu || !buf_append(d, &ds->pdu, ds->hdr, HDR_SIZE, d->lim.max_pdu)) {
                lose_pdu(d, &h);
                buf_free(d, &ds->pdu);
                ds->skip = h.frag_len - HDR_SIZE;
                ds->hdr_len = 0;
                continue;
            }
        }
        size_t want = ds->frag_len - ds->pdu.len;
        size_t n = want < len ? want : len;
        buf_append(d, &ds->pdu, data, n, d->lim.max_pdu); /* reserved above: frag_len <= max_pdu */
        data += n;
        len -= n;
        if (ds->pdu.len == ds->frag_len) {
            parse_hdr(ds->pdu.p, &h);
            pdu_done(d, dir, ds->pdu.p, &h);
            buf_free(d, &ds->pdu);
            ds->hdr_len = 0;
        }
    }
}

void dcerpc_gap(dcerpc_conn *d, int dir, uint64_t len)
{
    (void)len;
    if (!d || (dir != 0 && dir != 1))
        return;
    rpc_dir *ds = &d->dir[dir];
    buf_free(d, &ds->pdu);
    ds->hdr_len = 0;
    ds->skip = 0;
    for (uint32_t i = 0; i < d->lim.max_calls; i++) {
        rpc_call *c = &d->calls[i];
        if (!c->used)
            continue;
        if (dir == DCERPC_TO_SERVER && c->req_open)
            c->pub.request_broken = true;
        if (dir == DCERPC_TO_CLIENT && (c->pub.have_request || c->pub.response_frags))
            c->pub.response_broken = true;
    }
}

void dcerpc_flush(dcerpc_conn *d)
{
    if (!d)
        return;
    for (;;) {
        rpc_call *oldest = NULL;
        for (uint32_t i = 0; i < d->lim.max_calls; i++) {
            if (d->calls[i].used && (!oldest || d->calls[i].seq < oldest->seq))
                oldest = &d->calls[i];
        }
        if (!oldest)
            break;
        call_emit_end(d, oldest);
    }
}
