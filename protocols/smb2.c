#include "smb2.h"

#include <string.h>

#include "reader.h"
#include "smb_ops.h"
#include "smb_rpc.h"
#include "smb_state.h"

static const uint8_t fid_previous[16] = {0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
                                         0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};

int smb2_parse_header(const uint8_t *msg, size_t len, smb2_hdr *h)
{
    rd_t r = rd_make(msg, len);
    const uint8_t *sig = rd_bytes(&r, 4);
    uint16_t ssize = rd_le16(&r);
    h->credit_charge = rd_le16(&r);
    h->status = rd_le32(&r);
    h->command = rd_le16(&r);
    h->credits = rd_le16(&r);
    h->flags = rd_le32(&r);
    h->next_command = rd_le32(&r);
    h->message_id = rd_le64(&r);
    if (h->flags & SMB2_FLAGS_ASYNC_COMMAND) {
        h->async_id = rd_le64(&r);
        h->tree_id = 0;
    } else {
        h->async_id = 0;
        (void)rd_le32(&r);
        h->tree_id = rd_le32(&r);
    }
    h->session_id = rd_le64(&r);
    rd_skip(&r, 16);
    if (!rd_ok(&r) || memcmp(sig, "\xFESMB", 4) != 0 || ssize != SMB2_HEADER_SIZE)
        return 0;
    return 1;
}

size_t smb2_chain_step(size_t off, size_t avail, uint32_t next_command, bool *last)
{
    *last = true;
    if (next_command == 0)
        return avail - off;
    if (next_command < SMB2_HEADER_SIZE || (next_command & 7) != 0 || next_command >= avail - off)
        return 0;
    *last = false;
    return next_command;
}

bool smb2_string(const uint8_t *msg, size_t msg_len, uint32_t off, uint32_t len, char *out, size_t outcap)
{
    rd_t r = rd_make(msg, msg_len);
    rd_t s = rd_sub(&r, off, len);
    out[0] = '\0';
    if (!rd_ok(&s))
        return false;
    utf16_to_utf8(s.p, s.len, out, outcap);
    return true;
}

/* One element of a compound, with what it inherits from the one before. */
typedef struct smb2_msg {
    const uint8_t *p;
    size_t len;
    smb2_hdr h;
    const uint8_t *body; /* after the header */
    size_t body_len;
    uint8_t fid[16]; /* FileId this operation works on, after "previous" is resolved */
    bool have_fid;
} smb2_msg;

static void fact_from_msg(smb_conn *c, smb_fact *f, smb_fact_kind kind, const smb2_msg *m)
{
    smb_fact_init(c, f, kind, 2, m->h.command);
    f->h.message_id = m->h.message_id;
    f->h.session_id = m->h.session_id;
    f->h.tree_id = m->h.tree_id;
}

static smb_op op_of(const smb2_msg *m)
{
    smb_op op = {2, m->h.command, m->h.message_id, m->h.session_id, m->h.tree_id, m->h.status};
    return op;
}

static void req_negotiate(smb_conn *c, const smb2_msg *m)
{
    smb_pending_add(c, 2, m->h.command, m->h.message_id, 0);
}

static void rsp_negotiate(smb_conn *c, const smb2_msg *m, const smb_pending *p)
{
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 4);
    uint16_t dialect = rd_le16(&r);
    smb_fact f;
    if (m->h.status == SMB_STATUS_SUCCESS && rd_ok(&r))
        c->dialect = dialect;
    fact_from_msg(c, &f, SMB_FACT_NEGOTIATE, m);
    f.h.have_request = p != NULL;
    f.h.have_response = true;
    f.h.status = m->h.status;
    f.h.dialect = rd_ok(&r) ? dialect : c->dialect;
    smb_emit(c, &f);
}

static smb_auth auth_of(const ntlmssp_info *ni)
{
    switch (ni->kind) {
    case NTLMSSP_AUTHENTICATE:
        return ni->anonymous ? SMB_AUTH_ANONYMOUS : SMB_AUTH_NTLMSSP;
    case NTLMSSP_KERBEROS:
        return SMB_AUTH_KERBEROS;
    default:
        return SMB_AUTH_OTHER;
    }
}

static void req_session_setup(smb_conn *c, const smb2_msg *m)
{
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 12);
    uint16_t off = rd_le16(&r);
    uint16_t len = rd_le16(&r);
    smb_pending_add(c, 2, m->h.command, m->h.message_id, 0);
    if (!rd_ok(&r))
        return;
    rd_t all = rd_make(m->p, m->len);
    rd_t blob = rd_sub(&all, off, len);
    if (!rd_ok(&blob))
        return;
    ntlmssp_info *ni = &c->stage.ntlm;
    ntlmssp_kind k = ntlmssp_parse_blob(blob.p, blob.len, ni);
    if (k == NTLMSSP_NONE && blob.len)
        c->st.auth_unrecognised++;
    if (k != NTLMSSP_AUTHENTICATE && k != NTLMSSP_KERBEROS)
        return;
    smb_server_learn(c, ni);
    smb_stage_kerberos(c, k == NTLMSSP_KERBEROS ? blob.p : NULL, blob.len);
    c->stage.used = true;
    c->stage.version = 2;
    c->stage.message_id = m->h.message_id;
    c->stage.session_id = m->h.session_id;
    c->stage.auth = auth_of(ni);
}

static void rsp_session_setup(smb_conn *c, const smb2_msg *m, const smb_pending *p)
{
    if (m->h.status == SMB_STATUS_MORE_PROCESSING) {
        /* the server's CHALLENGE names it */
        rd_t r = rd_make(m->body, m->body_len);
        rd_skip(&r, 4);
        uint16_t off = rd_le16(&r);
        uint16_t len = rd_le16(&r);
        rd_t all = rd_make(m->p, m->len);
        rd_t blob = rd_sub(&all, off, len);
        if (rd_ok(&r) && rd_ok(&blob) && blob.len)
            smb_server_from_blob(c, blob.p, blob.len);
        return;
    }
    smb_session *s = smb_session_get(c, m->h.session_id, true);
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 2);
    uint16_t session_flags = rd_le16(&r);
    smb_session_take_stage(c, s, 2, m->h.message_id);
    /* SMB2_SESSION_FLAG_IS_NULL: an anonymous logon whatever the token said */
    if (s && rd_ok(&r) && (session_flags & 0x0002))
        s->auth = SMB_AUTH_ANONYMOUS;
    if (s && s->auth == SMB_AUTH_UNKNOWN && m->h.status == SMB_STATUS_SUCCESS) {
        /* request not seen: the response token may still name Kerberos */
        rd_t rr = rd_make(m->body, m->body_len);
        rd_skip(&rr, 4);
        uint16_t off = rd_le16(&rr);
        uint16_t len = rd_le16(&rr);
        rd_t all = rd_make(m->p, m->len);
        rd_t blob = rd_sub(&all, off, len);
        ntlmssp_info ni;
        if (rd_ok(&rr) && rd_ok(&blob) && ntlmssp_parse_blob(blob.p, blob.len, &ni) == NTLMSSP_KERBEROS)
            s->auth = SMB_AUTH_KERBEROS;
    }
    smb_fact f;
    fact_from_msg(c, &f, SMB_FACT_SESSION_SETUP, m);
    f.h.have_request = p != NULL;
    f.h.have_response = true;
    f.h.status = m->h.status;
    smb_fact_resolve(c, &f);
    smb_emit(c, &f);
    if (s && m->h.status != SMB_STATUS_SUCCESS)
        s->used = false;
}

static void req_tree_connect(smb_conn *c, const smb2_msg *m)
{
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 2);
    uint16_t flags = rd_le16(&r);
    uint16_t off = rd_le16(&r);
    uint16_t len = rd_le16(&r);
    smb_pending *p = smb_pending_add(c, 2, m->h.command, m->h.message_id, 0);
    if (!p)
        return;
    p->session_id = m->h.session_id;
    p->tree_id = m->h.tree_id;
    if (!rd_ok(&r))
        return;
    /* 3.1.1 with the extension: the path sits in the extension after its
     * 16-byte fixed part, and older writers left PathOffset pointing at the
     * extension itself */
    if ((flags & SMB2_TREE_CONNECT_FLAG_EXTENSION_PRESENT) && c->dialect == 0x0311 &&
        off < SMB2_HEADER_SIZE + 8 + 16)
        off = SMB2_HEADER_SIZE + 8 + 16;
    p->have_name = smb2_string(m->p, m->len, off, len, p->name, SMB_NAME_SLOT);
}

static void rsp_tree_connect(smb_conn *c, const smb2_msg *m, const smb_pending *p)
{
    smb_share_type type = SMB_SHARE_UNKNOWN;
    if (m->h.status == SMB_STATUS_SUCCESS) {
        rd_t r = rd_make(m->body, m->body_len);
        rd_skip(&r, 2);
        uint8_t t = rd_u8(&r);
        if (rd_ok(&r) && t >= 1 && t <= 3)
            type = (smb_share_type)t;
    }
    smb_op op = op_of(m);
    smb_op_tree_connect(c, &op, p, type);
}

static void simple_request(smb_conn *c, const smb2_msg *m)
{
    smb_pending *p = smb_pending_add(c, 2, m->h.command, m->h.message_id, 0);
    if (!p)
        return;
    p->session_id = m->h.session_id;
    p->tree_id = m->h.tree_id;
    if (m->have_fid) {
        memcpy(p->fid, m->fid, 16);
        p->have_fid = true;
    }
}

static void req_create(smb_conn *c, smb2_msg *m)
{
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 24);
    uint32_t access = rd_le32(&r);
    uint32_t attrs = rd_le32(&r);
    uint32_t share = rd_le32(&r);
    uint32_t disp = rd_le32(&r);
    uint32_t opts = rd_le32(&r);
    uint16_t noff = rd_le16(&r);
    uint16_t nlen = rd_le16(&r);
    if (!rd_ok(&r)) {
        c->st.malformed++;
        return;
    }
    smb_tree_infer(c, 2, m->h.session_id, m->h.tree_id);
    smb_pending *p = smb_pending_add(c, 2, m->h.command, m->h.message_id, 0);
    if (!p)
        return;
    p->session_id = m->h.session_id;
    p->tree_id = m->h.tree_id;
    p->desired_access = access;
    p->file_attributes = attrs;
    p->share_access = share;
    p->create_disposition = disp;
    p->create_options = opts;
    /* an empty name opens the share root; NameOffset may then point anywhere */
    if (nlen == 0)
        p->have_name = true;
    else
        p->have_name = smb2_string(m->p, m->len, noff, nlen, p->name, SMB_NAME_SLOT);
    /* the next related operation refers to this file, whose id is not known yet */
    m->have_fid = false;
}

static void rsp_create(smb_conn *c, smb2_msg *m, const smb_pending *p)
{
    if (!p)
        return; /* nothing to say without the name */
    const uint8_t *fid = NULL;
    uint32_t action = 0;
    if (m->h.status == SMB_STATUS_SUCCESS) {
        rd_t r = rd_make(m->body, m->body_len);
        rd_skip(&r, 4);
        action = rd_le32(&r);
        rd_skip(&r, 56);
        fid = rd_bytes(&r, 16);
        if (fid) {
            /* the next related operation works on this file */
            memcpy(m->fid, fid, 16);
            m->have_fid = true;
        }
    }
    smb_op op = op_of(m);
    smb_op_create(c, &op, p, fid, action);
}

/* The part of [off, off+len) of the message that is there, and how much of
 * it the framer skipped. False when it starts outside the message. */
static bool pipe_bytes(const smb2_msg *m, uint32_t off, uint32_t len, rd_t *data, size_t *missing)
{
    size_t have = len;
    if (off <= m->len && have > m->len - off)
        have = m->len - off; /* truncated message: look at what is there */
    rd_t all = rd_make(m->p, m->len);
    *data = rd_sub(&all, off, have);
    *missing = len - have;
    return rd_ok(data);
}

/* [off, off+len) of the message, written by the client to pipe fe. */
static void write_pipe(smb_conn *c, const smb2_msg *m, smb_file *fe, uint32_t off, uint32_t len)
{
    rd_t data;
    size_t missing;
    if (!pipe_bytes(m, off, len, &data, &missing))
        return;
    smb_pipe_io io = {2, m->h.command, m->h.message_id, m->h.session_id, fe->tree_id};
    smb_rpc_write(c, fe, &io, data.p, data.len, missing);
}

static void req_write(smb_conn *c, const smb2_msg *m)
{
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 2);
    uint16_t doff = rd_le16(&r);
    uint32_t dlen = rd_le32(&r);
    if (!rd_ok(&r) || !m->have_fid)
        return;
    smb_file *fe = smb_file_infer(c, 2, m->h.session_id, m->h.tree_id, m->fid);
    if (!fe)
        return;
    smb_tree *t = smb_tree_get(c, fe->session_id, fe->tree_id, false);
    bool pipe = t && (t->type == SMB_SHARE_PIPE || (t->have_name && smb_share_is_ipc(t->share)));
    if (pipe) {
        write_pipe(c, m, fe, doff, dlen);
        return;
    }
    uint64_t foff = rd_le64(&r);
    rd_t data;
    size_t missing;
    if (c->write_hook && rd_ok(&r) && pipe_bytes(m, doff, dlen, &data, &missing))
        smb_op_admin_write(c, fe, foff, data.p, data.len, missing);
}

static void req_read(smb_conn *c, const smb2_msg *m)
{
    if (m->have_fid)
        smb_rpc_read_request(c, smb_file_get(c, m->fid, false), 2, m->h.message_id, 0);
}

#define FSCTL_PIPE_TRANSCEIVE 0x0011C017u
#define STATUS_BUFFER_OVERFLOW 0x80000005u

/* DCE/RPC over a pipe also travels in IOCTL FSCTL_PIPE_TRANSCEIVE (the
 * Windows client's usual way to send an RPC request and read the answer). */
static void req_ioctl(smb_conn *c, const smb2_msg *m)
{
    rd_t r = rd_make(m->body, m->body_len);
    rd_skip(&r, 4);
    uint32_t ctl = rd_le32(&r);
    rd_skip(&r, 16);
    uint32_t in_off = rd_le32(&r);
    uint32_t in_len = rd_le32(&r);
    if (!rd_ok(&r) || ctl != FSCTL_PIPE_TRANSCEIVE || !m->have_fid)
        return;
    smb_file *fe = smb_file_infer(c, 2, m->h.session_id, m->h.tree_id, m->fid);
    if (fe)
        write_pipe(c, m, fe, in_off, in_len);
}

/* What the server returned from a pipe: READ data or IOCTL output. */
static void rsp_pipe(smb_conn *c, const smb2_msg *m)
{
    if (m->h.status == SMB_STATUS_PENDING && (m->h.flags & SMB2_FLAGS_ASYNC_COMMAND))
        return; /* interim: the data comes with the final answer */
    bool data_status = m->h.status == SMB_STATUS_SUCCESS || m->h.status == STATUS_BUFFER_OVERFLOW;
    rd_t r = rd_make(m->body, m->body_len);
    smb_file *fe;
    uint32_t off, len;
    if (m->h.command == SMB2_READ) {
        fe = smb_rpc_read_response(c, 2, m->h.message_id, 0);
        rd_skip(&r, 2);
        off = rd_u8(&r);
        rd_skip(&r, 1);
        len = rd_le32(&r);
    } else {
        rd_skip(&r, 4);
        uint32_t ctl = rd_le32(&r);
        const uint8_t *fid = rd_bytes(&r, 16);
        rd_skip(&r, 8);
        off = rd_le32(&r);
        len = rd_le32(&r);
        if (!rd_ok(&r) || ctl != FSCTL_PIPE_TRANSCEIVE)
            return;
        fe = smb_file_get(c, fid, false);
    }
    if (!fe || !data_status || !rd_ok(&r))
        return;
    rd_t data;
    size_t missing;
    if (pipe_bytes(m, off, len, &data, &missing))
        smb_rpc_read(c, fe, data.p, data.len, missing);
}

static void handle_request(smb_conn *c, smb2_msg *m)
{
    switch (m->h.command) {
    case SMB2_NEGOTIATE:
        req_negotiate(c, m);
        break;
    case SMB2_SESSION_SETUP:
        req_session_setup(c, m);
        break;
    case SMB2_TREE_CONNECT:
        req_tree_connect(c, m);
        break;
    case SMB2_CREATE:
        req_create(c, m);
        break;
    case SMB2_LOGOFF:
    case SMB2_TREE_DISCONNECT:
    case SMB2_CLOSE:
        simple_request(c, m);
        break;
    case SMB2_WRITE:
        req_write(c, m);
        break;
    case SMB2_READ:
        req_read(c, m);
        break;
    case SMB2_IOCTL:
        req_ioctl(c, m);
        break;
    default:
        break;
    }
}

static smb_pending *smb1_negotiate_pending(smb_conn *c)
{
    for (uint32_t i = 0; i < c->n_pending; i++) {
        if (c->pending[i].version == 1 && c->pending[i].command == 0x72)
            return &c->pending[i];
    }
    return NULL;
}

static bool is_tracked(uint16_t cmd) { return cmd <= SMB2_CLOSE; }

static void handle_response(smb_conn *c, smb2_msg *m)
{
    if (m->h.command == SMB2_READ || m->h.command == SMB2_IOCTL) {
        rsp_pipe(c, m);
        return;
    }
    if (!is_tracked(m->h.command))
        return;
    smb_pending *p = smb_pending_find(c, 2, m->h.message_id, 0);
    if (p && p->command != m->h.command)
        p = NULL;
    smb_op op = op_of(m);
    if (!p && m->h.command == SMB2_NEGOTIATE && m->h.message_id == 0)
        p = smb1_negotiate_pending(c); /* multi-protocol negotiate answered in SMB2 */
    /* an interim answer: the real one comes later with the same MessageId */
    if (m->h.status == SMB_STATUS_PENDING && (m->h.flags & SMB2_FLAGS_ASYNC_COMMAND))
        return;
    if (!p)
        c->st.orphan_responses++;
    switch (m->h.command) {
    case SMB2_NEGOTIATE:
        rsp_negotiate(c, m, p);
        break;
    case SMB2_SESSION_SETUP:
        rsp_session_setup(c, m, p);
        break;
    case SMB2_LOGOFF:
        smb_op_logoff(c, &op, p);
        break;
    case SMB2_TREE_CONNECT:
        rsp_tree_connect(c, m, p);
        break;
    case SMB2_TREE_DISCONNECT:
        smb_op_tree_disconnect(c, &op, p);
        break;
    case SMB2_CREATE:
        rsp_create(c, m, p);
        break;
    case SMB2_CLOSE:
        smb_op_close(c, &op, p);
        break;
    default:
        break;
    }
    if (p)
        smb_pending_del(c, p);
}

/* FileId of the commands that carry one in their fixed part (request side). */
static bool request_fid(const smb2_msg *m, uint8_t fid[16])
{
    size_t at;
    switch (m->h.command) {
    case SMB2_CLOSE:
        at = 8;
        break;
    case SMB2_READ:
    case SMB2_WRITE:
        at = 16;
        break;
    case SMB2_IOCTL:
        at = 8;
        break;
    default:
        return false;
    }
    rd_t r = rd_make(m->body, m->body_len);
    rd_t s = rd_sub(&r, at, 16);
    if (!rd_ok(&s))
        return false;
    memcpy(fid, s.p, 16);
    return true;
}

/* Compound elements are at most one per 64 bytes, but bound the walk anyway. */
#define SMB2_MAX_CHAIN 256

void smb2_handle(smb_conn *c, const uint8_t *pdu, size_t avail)
{
    size_t off = 0;
    smb2_msg prev;
    memset(&prev, 0, sizeof(prev));
    for (int n = 0; n < SMB2_MAX_CHAIN && off < avail; n++) {
        smb2_msg m;
        memset(&m, 0, sizeof(m));
        if (!smb2_parse_header(pdu + off, avail - off, &m.h)) {
            c->st.malformed++;
            return;
        }
        bool last;
        size_t len = smb2_chain_step(off, avail, m.h.next_command, &last);
        if (len == 0) {
            /* a NextCommand that does not lead forward: keep this element
             * (up to the end of the message) and stop. Pointing past the
             * end of a message whose tail was skipped is no fault. */
            if (!c->cur_truncated || m.h.next_command < SMB2_HEADER_SIZE || (m.h.next_command & 7))
                c->st.malformed++;
            len = avail - off;
            last = true;
        }
        m.p = pdu + off;
        m.len = len;
        m.body = m.p + SMB2_HEADER_SIZE;
        m.body_len = len - SMB2_HEADER_SIZE;
        bool is_resp = (m.h.flags & SMB2_FLAGS_SERVER_TO_REDIR) != 0;
        if (n == 0)
            smb_note_direction(c, is_resp);
        if (n > 0 && (m.h.flags & SMB2_FLAGS_RELATED_OPERATIONS)) {
            m.h.session_id = prev.h.session_id;
            if (!(m.h.flags & SMB2_FLAGS_ASYNC_COMMAND))
                m.h.tree_id = prev.h.tree_id;
        }
        uint8_t fid[16];
        if (request_fid(&m, fid)) {
            if (memcmp(fid, fid_previous, 16) == 0) {
                if (n > 0 && prev.have_fid) {
                    memcpy(m.fid, prev.fid, 16);
                    m.have_fid = true;
                }
            } else {
                memcpy(m.fid, fid, 16);
                m.have_fid = true;
            }
        }
        if (is_resp)
            handle_response(c, &m);
        else
            handle_request(c, &m);
        if (!m.have_fid && n > 0 && prev.have_fid && m.h.command != SMB2_CREATE) {
            memcpy(m.fid, prev.fid, 16);
            m.have_fid = true;
        }
        prev = m;
        if (last)
            break;
        off += len;
    }
}
