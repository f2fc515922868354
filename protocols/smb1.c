#include "smb1.h"

#include <string.h>

#include "reader.h"
#include "smb_ops.h"
#include "smb_rpc.h"
#include "smb_state.h"

int smb1_parse_header(const uint8_t *msg, size_t len, smb1_hdr *h)
{
    rd_t r = rd_make(msg, len);
    const uint8_t *sig = rd_bytes(&r, 4);
    h->command = rd_u8(&r);
    h->status = rd_le32(&r);
    h->flags = rd_u8(&r);
    h->flags2 = rd_le16(&r);
    rd_skip(&r, 2 + 8 + 2); /* PIDHigh, SecurityFeatures, Reserved */
    h->tid = rd_le16(&r);
    h->pid = rd_le16(&r);
    h->uid = rd_le16(&r);
    h->mid = rd_le16(&r);
    return rd_ok(&r) && memcmp(sig, "\xFFSMB", 4) == 0;
}

bool smb1_is_andx(uint8_t cmd)
{
    switch (cmd) {
    case 0x24: /* LOCKING_ANDX */
    case 0x2d: /* OPEN_ANDX */
    case SMB1_READ_ANDX:
    case SMB1_WRITE_ANDX:
    case SMB1_SESSION_SETUP_ANDX:
    case SMB1_LOGOFF_ANDX:
    case SMB1_TREE_CONNECT_ANDX:
    case SMB1_NT_CREATE_ANDX:
        return true;
    default:
        return false;
    }
}

bool smb1_string(const uint8_t *msg, size_t len, size_t off, bool unicode, char *out, size_t outcap,
                 size_t *next)
{
    out[0] = '\0';
    if (unicode && (off & 1))
        off++;
    if (off > len) {
        *next = len;
        return false;
    }
    size_t end = off;
    if (unicode) {
        while (end + 1 < len && (msg[end] || msg[end + 1]))
            end += 2;
        utf16_to_utf8(msg + off, end - off, out, outcap);
        *next = end + 2 <= len ? end + 2 : len;
    } else {
        while (end < len && msg[end])
            end++;
        oem_to_utf8(msg + off, end - off, out, outcap);
        *next = end + 1 <= len ? end + 1 : len;
    }
    return true;
}

/* One command of a chain: its parameter words and data bytes. */
typedef struct smb1_cmd {
    const uint8_t *msg; /* the whole SMB1 message: offsets are from its start */
    size_t len;
    smb1_hdr h;
    uint8_t cmd;
    bool is_resp;
    bool unicode;
    rd_t words;
    size_t bytes_off; /* offset of the data bytes in msg */
    uint16_t bcc;
} smb1_cmd;

static void fact_init1(smb_conn *c, smb_fact *f, smb_fact_kind kind, const smb1_cmd *m)
{
    smb_fact_init(c, f, kind, 1, m->cmd);
    f->h.message_id = m->h.mid;
    f->h.session_id = m->h.uid;
    f->h.tree_id = m->h.tid;
    f->h.have_response = true;
    f->h.status = m->h.status;
}

static smb_op op_of(const smb1_cmd *m)
{
    smb_op op = {1, m->cmd, m->h.mid, m->h.uid, m->h.tid, m->h.status};
    return op;
}

static void fid_bytes(uint8_t out[16], uint16_t fid)
{
    memset(out, 0, 16);
    out[0] = (uint8_t)fid;
    out[1] = (uint8_t)(fid >> 8);
}

static smb_pending *add1(smb_conn *c, const smb1_cmd *m)
{
    smb_pending *p = smb_pending_add(c, 1, m->cmd, m->h.mid, m->h.pid);
    if (p) {
        p->session_id = m->h.uid;
        p->tree_id = m->h.tid;
    }
    return p;
}

static void req_negotiate(smb_conn *c, const smb1_cmd *m)
{
    smb_pending *p = add1(c, m);
    if (!p)
        return;
    /* dialects: 0x02 "name" NUL, repeated */
    size_t off = m->bytes_off, end = m->bytes_off + m->bcc;
    if (end > m->len)
        end = m->len;
    char name[64];
    for (uint32_t i = 0; off < end && i < 64; i++) {
        if (m->msg[off] != 0x02)
            break;
        size_t next;
        smb1_string(m->msg, end, off + 1, false, name, sizeof(name), &next);
        if (strcmp(name, "NT LM 0.12") == 0)
            p->aux = i + 1;
        off = next;
    }
}

static void rsp_negotiate(smb_conn *c, const smb1_cmd *m, smb_pending *p)
{
    rd_t w = m->words;
    uint16_t idx = rd_le16(&w);
    smb_fact f;
    fact_init1(c, &f, SMB_FACT_NEGOTIATE, m);
    f.h.have_request = p != NULL;
    /* 17 parameter words is the NT LM 0.12 response */
    if (rd_ok(&w) && m->h.status == 0 && ((p && p->aux && idx == p->aux - 1) || (!p && m->words.len == 34)))
        c->dialect = 0x0001;
    f.h.dialect = c->dialect;
    smb_emit(c, &f);
}

static void req_session_setup(smb_conn *c, const smb1_cmd *m)
{
    add1(c, m);
    rd_t w = m->words;
    ntlmssp_info *ni = &c->stage.ntlm;
    memset(ni, 0, sizeof(*ni));
    bool found = false;
    if (w.len == 24) {
        /* extended security: the SPNEGO/NTLMSSP blob opens the data bytes */
        rd_skip(&w, 14);
        uint16_t blob_len = rd_le16(&w);
        rd_t all = rd_make(m->msg, m->len);
        rd_t blob = rd_sub(&all, m->bytes_off, blob_len);
        if (rd_ok(&w) && rd_ok(&blob)) {
            ntlmssp_kind k = ntlmssp_parse_blob(blob.p, blob.len, ni);
            if (k == NTLMSSP_NONE && blob.len)
                c->st.auth_unrecognised++;
            found = k == NTLMSSP_AUTHENTICATE || k == NTLMSSP_KERBEROS;
            if (found)
                smb_server_learn(c, ni);
            smb_stage_kerberos(c, k == NTLMSSP_KERBEROS ? blob.p : NULL, blob.len);
        }
    } else if (w.len == 26) {
        /* NT LM 0.12 without extended security: passwords then names in clear */
        rd_skip(&w, 14);
        uint16_t oem_len = rd_le16(&w);
        uint16_t uni_len = rd_le16(&w);
        if (rd_ok(&w)) {
            size_t off = m->bytes_off + oem_len + uni_len, next;
            smb1_string(m->msg, m->len, off, m->unicode, ni->user, sizeof(ni->user), &next);
            smb1_string(m->msg, m->len, next, m->unicode, ni->domain, sizeof(ni->domain), &next);
            ni->kind = NTLMSSP_AUTHENTICATE;
            ni->anonymous = ni->user[0] == '\0';
            found = true;
        }
    }
    if (!found)
        return;
    c->stage.used = true;
    c->stage.version = 1;
    c->stage.message_id = m->h.mid;
    c->stage.session_id = m->h.uid;
    c->stage.auth = ni->kind == NTLMSSP_KERBEROS ? SMB_AUTH_KERBEROS
                    : ni->anonymous              ? SMB_AUTH_ANONYMOUS
                                                 : SMB_AUTH_NTLMSSP;
}

static void rsp_session_setup(smb_conn *c, const smb1_cmd *m, const smb_pending *p)
{
    if (m->h.status == SMB_STATUS_MORE_PROCESSING) {
        /* extended security: Action, SecurityBlobLength, then the blob (the
         * server's CHALLENGE, which names it) opens the data bytes */
        rd_t w = m->words;
        if (w.len == 8) {
            rd_skip(&w, 6);
            uint16_t blob_len = rd_le16(&w);
            rd_t all = rd_make(m->msg, m->len);
            rd_t blob = rd_sub(&all, m->bytes_off, blob_len);
            if (rd_ok(&w) && rd_ok(&blob) && blob.len)
                smb_server_from_blob(c, blob.p, blob.len);
        }
        return;
    }
    smb_session *s = m->h.status == 0 ? smb_session_get(c, m->h.uid, true) : NULL;
    bool staged = smb_session_take_stage(c, s, 1, m->h.mid);
    smb_fact f;
    fact_init1(c, &f, SMB_FACT_SESSION_SETUP, m);
    f.h.have_request = p != NULL;
    smb_fact_resolve(c, &f);
    if (!s && staged) /* a failed logon still names who tried */
        smb_fact_identity(&f, c->stage.auth, c->stage.ntlm.user, c->stage.ntlm.domain, c->stage.ntlm.workstation);
    smb_emit(c, &f);
}

static void req_tree_connect(smb_conn *c, const smb1_cmd *m)
{
    smb_pending *p = add1(c, m);
    rd_t w = m->words;
    rd_skip(&w, 6);
    uint16_t pw_len = rd_le16(&w);
    if (!p || !rd_ok(&w))
        return;
    size_t next;
    p->have_name =
        smb1_string(m->msg, m->len, m->bytes_off + pw_len, m->unicode, p->name, SMB_NAME_SLOT, &next);
}

static void rsp_tree_connect(smb_conn *c, const smb1_cmd *m, const smb_pending *p)
{
    smb_share_type type = SMB_SHARE_UNKNOWN;
    char service[16];
    size_t next;
    /* the service type is always an OEM string */
    if (m->h.status == 0 && m->bcc &&
        smb1_string(m->msg, m->len, m->bytes_off, false, service, sizeof(service), &next)) {
        if (strcmp(service, "IPC") == 0)
            type = SMB_SHARE_PIPE;
        else if (strcmp(service, "A:") == 0)
            type = SMB_SHARE_DISK;
        else if (strcmp(service, "LPT1:") == 0)
            type = SMB_SHARE_PRINT;
    }
    smb_op op = op_of(m);
    smb_op_tree_connect(c, &op, p, type);
}

static void req_nt_create(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    rd_skip(&w, 5);
    uint16_t name_len = rd_le16(&w);
    rd_skip(&w, 8);
    uint32_t access = rd_le32(&w);
    rd_skip(&w, 8);
    uint32_t attrs = rd_le32(&w);
    uint32_t share = rd_le32(&w);
    uint32_t disp = rd_le32(&w);
    uint32_t opts = rd_le32(&w);
    if (!rd_ok(&w)) {
        c->st.malformed++;
        return;
    }
    smb_tree_infer(c, 1, m->h.uid, m->h.tid);
    smb_pending *p = add1(c, m);
    if (!p)
        return;
    p->desired_access = access;
    p->file_attributes = attrs;
    p->share_access = share;
    p->create_disposition = disp;
    p->create_options = opts;
    size_t off = m->bytes_off;
    if (m->unicode && (off & 1))
        off++; /* Unicode names are aligned on the message, after one pad byte */
    rd_t all = rd_make(m->msg, m->len);
    rd_t name = rd_sub(&all, off, name_len);
    if (!rd_ok(&name))
        return;
    if (m->unicode)
        utf16_to_utf8(name.p, name.len, p->name, SMB_NAME_SLOT);
    else
        oem_to_utf8(name.p, name.len, p->name, SMB_NAME_SLOT);
    p->have_name = true;
}

static void rsp_nt_create(smb_conn *c, const smb1_cmd *m, const smb_pending *p)
{
    if (!p)
        return;
    uint8_t fid[16];
    bool have_fid = false;
    uint32_t action = 0;
    if (m->h.status == 0) {
        rd_t w = m->words;
        rd_skip(&w, 5);
        uint16_t id = rd_le16(&w);
        action = rd_le32(&w);
        have_fid = rd_ok(&w);
        fid_bytes(fid, id);
    }
    smb_op op = op_of(m);
    smb_op_create(c, &op, p, have_fid ? fid : NULL, action);
}

static void req_close(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    uint16_t fid = rd_le16(&w);
    smb_pending *p = add1(c, m);
    if (p && rd_ok(&w)) {
        fid_bytes(p->fid, fid);
        p->have_fid = true;
    }
}

static smb_file *file_of(smb_conn *c, uint16_t fid)
{
    uint8_t key[16];
    fid_bytes(key, fid);
    return smb_file_get(c, key, false);
}

/* The part of [off, off+len) of the message that is there; false when it
 * starts outside. *missing: what the framer skipped of it. */
static bool pipe_bytes(const smb1_cmd *m, size_t off, size_t len, rd_t *data, size_t *missing)
{
    size_t have = len;
    if (off <= m->len && have > m->len - off)
        have = m->len - off;
    rd_t all = rd_make(m->msg, m->len);
    *data = rd_sub(&all, off, have);
    *missing = len - have;
    return rd_ok(data);
}

static void pipe_data(smb_conn *c, const smb1_cmd *m, uint16_t fid, size_t off, size_t len)
{
    smb_file *fe = file_of(c, fid);
    rd_t data;
    size_t missing;
    if (!fe || !pipe_bytes(m, off, len, &data, &missing))
        return;
    smb_pipe_io io = {1, m->cmd, m->h.mid, m->h.uid, m->h.tid};
    smb_rpc_write(c, fe, &io, data.p, data.len, missing);
}

static void req_read_andx(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    rd_skip(&w, 4);
    uint16_t fid = rd_le16(&w);
    if (rd_ok(&w))
        smb_rpc_read_request(c, file_of(c, fid), 1, m->h.mid, m->h.pid);
}

#define STATUS_BUFFER_OVERFLOW 0x80000005u

/* READ_ANDX and TRANSACTION responses: what the server returned from a pipe. */
static void rsp_pipe(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    if (m->cmd == SMB1_TRANSACTION && w.len < 20)
        return; /* an interim response: the data comes later */
    smb_file *fe = smb_rpc_read_response(c, 1, m->h.mid, m->h.pid);
    if (!fe || (m->h.status != 0 && m->h.status != STATUS_BUFFER_OVERFLOW))
        return;
    rd_skip(&w, m->cmd == SMB1_READ_ANDX ? 10 : 12);
    uint16_t len = rd_le16(&w);
    uint16_t off = rd_le16(&w);
    rd_t data;
    size_t missing;
    if (rd_ok(&w) && pipe_bytes(m, off, len, &data, &missing))
        smb_rpc_read(c, fe, data.p, data.len, missing);
}

static void req_write_andx(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    rd_skip(&w, 4);
    uint16_t fid = rd_le16(&w);
    rd_skip(&w, 14);
    uint16_t dlen = rd_le16(&w);
    uint16_t doff = rd_le16(&w);
    if (rd_ok(&w))
        pipe_data(c, m, fid, doff, dlen);
}

#define TRANS_TRANSACT_NMPIPE 0x0026

static void req_transaction(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    rd_skip(&w, 22);
    uint16_t dcount = rd_le16(&w);
    uint16_t doff = rd_le16(&w);
    uint8_t setup_count = rd_u8(&w);
    rd_skip(&w, 1);
    uint16_t sub = rd_le16(&w);
    uint16_t fid = rd_le16(&w);
    if (rd_ok(&w) && setup_count >= 2 && sub == TRANS_TRANSACT_NMPIPE) {
        pipe_data(c, m, fid, doff, dcount);
        smb_rpc_read_request(c, file_of(c, fid), 1, m->h.mid, m->h.pid);
    }
}

static void handle_cmd(smb_conn *c, const smb1_cmd *m)
{
    if (!m->is_resp) {
        switch (m->cmd) {
        case SMB1_NEGOTIATE:
            req_negotiate(c, m);
            break;
        case SMB1_SESSION_SETUP_ANDX:
            req_session_setup(c, m);
            break;
        case SMB1_TREE_CONNECT_ANDX:
            req_tree_connect(c, m);
            break;
        case SMB1_NT_CREATE_ANDX:
            req_nt_create(c, m);
            break;
        case SMB1_CLOSE:
            req_close(c, m);
            break;
        case SMB1_TREE_DISCONNECT:
        case SMB1_LOGOFF_ANDX:
            add1(c, m);
            break;
        case SMB1_WRITE_ANDX:
            req_write_andx(c, m);
            break;
        case SMB1_TRANSACTION:
            req_transaction(c, m);
            break;
        case SMB1_READ_ANDX:
            req_read_andx(c, m);
            break;
        default:
            break;
        }
        return;
    }
    if (m->cmd == SMB1_READ_ANDX || m->cmd == SMB1_TRANSACTION) {
        rsp_pipe(c, m);
        return;
    }
    switch (m->cmd) {
    case SMB1_NEGOTIATE:
    case SMB1_SESSION_SETUP_ANDX:
    case SMB1_TREE_CONNECT_ANDX:
    case SMB1_NT_CREATE_ANDX:
    case SMB1_CLOSE:
    case SMB1_TREE_DISCONNECT:
    case SMB1_LOGOFF_ANDX:
        break;
    default:
        return;
    }
    smb_pending *p = smb_pending_find(c, 1, m->h.mid, m->h.pid);
    if (p && p->command != m->cmd)
        p = NULL;
    smb_op op = op_of(m);
    if (!p)
        c->st.orphan_responses++;
    switch (m->cmd) {
    case SMB1_NEGOTIATE:
        rsp_negotiate(c, m, p);
        break;
    case SMB1_SESSION_SETUP_ANDX:
        rsp_session_setup(c, m, p);
        break;
    case SMB1_TREE_CONNECT_ANDX:
        rsp_tree_connect(c, m, p);
        break;
    case SMB1_NT_CREATE_ANDX:
        rsp_nt_create(c, m, p);
        break;
    case SMB1_CLOSE:
        smb_op_close(c, &op, p);
        break;
    case SMB1_TREE_DISCONNECT:
        smb_op_tree_disconnect(c, &op, p);
        break;
    case SMB1_LOGOFF_ANDX:
        smb_op_logoff(c, &op, p);
        break;
    default:
        break;
    }
    if (p)
        smb_pending_del(c, p);
}

void smb1_handle(smb_conn *c, const uint8_t *pdu, size_t avail)
{
    smb1_cmd m;
    memset(&m, 0, sizeof(m));
    if (!smb1_parse_header(pdu, avail, &m.h)) {
        c->st.malformed++;
        return;
    }
    m.msg = pdu;
    m.len = avail;
    m.is_resp = (m.h.flags & SMB1_FLAGS_REPLY) != 0;
    m.unicode = (m.h.flags2 & SMB1_FLAGS2_UNICODE) != 0;
    smb_note_direction(c, m.is_resp);
    rd_t all = rd_make(pdu, avail);
    size_t off = SMB1_HEADER_SIZE;
    uint8_t cmd = m.h.command;
    for (int n = 0; n < SMB1_MAX_ANDX; n++) {
        rd_t r = all;
        rd_seek(&r, off);
        uint8_t wct = rd_u8(&r);
        const uint8_t *words = rd_bytes(&r, (size_t)wct * 2);
        uint16_t bcc = rd_le16(&r);
        if (!rd_ok(&r)) {
            /* an error response may stop after WordCount 0 and ByteCount 0 */
            if (n == 0)
                c->st.malformed++;
            return;
        }
        m.cmd = cmd;
        m.words = rd_make(words, (size_t)wct * 2);
        m.bytes_off = r.off;
        m.bcc = bcc;
        handle_cmd(c, &m);
        if (!smb1_is_andx(cmd) || wct < 2)
            return;
        uint8_t next_cmd = words[0];
        uint16_t next_off = (uint16_t)(words[2] | (words[3] << 8));
        /* the chain only moves forward and stays inside the message */
        if (next_cmd == 0xFF || next_off <= off || next_off >= avail)
            return;
        cmd = next_cmd;
        off = next_off;
    }
}
