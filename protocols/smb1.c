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
    case SMB1_OPEN_ANDX:
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

#define GENERIC_READ 0x80000000u
#define GENERIC_WRITE 0x40000000u
#define GENERIC_EXECUTE 0x20000000u
#define FILE_SHARE_READ 0x1u
#define FILE_SHARE_WRITE 0x2u
enum { FILE_OPEN = 1, FILE_CREATE = 2, FILE_OPEN_IF = 3, FILE_OVERWRITE = 4, FILE_OVERWRITE_IF = 5 };
enum { FILE_OPENED = 1, FILE_CREATED = 2 };

/* AccessMode bits 0-2 (MS-CIFS 2.2.4.3.1); the mapping is the one MS-CIFS
 * gives for Windows servers (3.3.5.5, product behavior note). An FCB open
 * (low byte 0xFF) is a read/write open. */
uint32_t smb1_legacy_access(uint16_t access_mode)
{
    if ((access_mode & 0xFF) == 0xFF)
        return GENERIC_READ | GENERIC_WRITE;
    switch (access_mode & 7) {
    case 0:
        return GENERIC_READ;
    case 1:
        return GENERIC_WRITE;
    case 2:
        return GENERIC_READ | GENERIC_WRITE;
    case 3:
        return GENERIC_READ | GENERIC_EXECUTE;
    default:
        return 0;
    }
}

static bool ends_with_program(const char *name)
{
    const char *dot = strrchr(name, '.');
    if (!dot || strlen(dot + 1) != 3)
        return false;
    static const char *const ext[] = {"EXE", "DLL", "SYM", "COM"};
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++) {
        size_t k = 0;
        while (k < 3 && (dot[1 + k] & ~0x20) == ext[i][k])
            k++;
        if (k == 3)
            return true;
    }
    return false;
}

/* SharingMode, bits 4-6: 1 exclusive, 2 deny write, 3 deny read, 4 deny
 * none; compatibility mode (0, and FCB) is deny none for program files
 * (.EXE .DLL .SYM .COM), deny read for the others (MS-CIFS 3.3.5.5). */
uint32_t smb1_legacy_share(uint16_t access_mode, const char *name)
{
    unsigned mode = (access_mode & 0xFF) == 0xFF ? 0 : (access_mode >> 4) & 7;
    if (mode == 0)
        mode = name && ends_with_program(name) ? 4 : 3;
    switch (mode) {
    case 2:
        return FILE_SHARE_READ;
    case 3:
        return FILE_SHARE_WRITE;
    case 4:
        return FILE_SHARE_READ | FILE_SHARE_WRITE;
    default:
        return 0;
    }
}

/* OpenMode (MS-CIFS 2.2.4.41.1): bits 0-1 what to do when the file exists
 * (0 fail, 1 open, 2 truncate), bit 4 create it when it does not. */
uint32_t smb1_legacy_disposition(uint16_t open_mode)
{
    bool create = (open_mode & 0x10) != 0;
    switch (open_mode & 3) {
    case 0:
        return create ? FILE_CREATE : 0;
    case 1:
        return create ? FILE_OPEN_IF : FILE_OPEN;
    case 2:
        return create ? FILE_OVERWRITE_IF : FILE_OVERWRITE;
    default:
        return 0;
    }
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

/* What a legacy open asks, in NT terms: the same pending request an
 * NT_CREATE_ANDX makes, so the response, the 5145 and the FID that later
 * reads and writes name are handled as for it. */
typedef struct legacy_open {
    uint16_t access_mode; /* MS-CIFS AccessMode */
    bool have_mode;       /* SMB_COM_CREATE / CREATE_NEW have none: read/write, compatibility */
    uint32_t disposition;
    uint32_t attributes;
} legacy_open;

/* The file name: an SMB_STRING at off, inside [0, end) of the message. */
static void open_request(smb_conn *c, const smb1_cmd *m, const legacy_open *o, size_t off, size_t end)
{
    smb_tree_infer(c, 1, m->h.uid, m->h.tid);
    smb_pending *p = add1(c, m);
    if (!p)
        return;
    size_t next;
    p->have_name = smb1_string(m->msg, end, off, m->unicode, p->name, SMB_NAME_SLOT, &next);
    uint16_t mode = o->have_mode ? o->access_mode : 2; /* read/write, compatibility mode */
    p->desired_access = smb1_legacy_access(mode);
    p->share_access = smb1_legacy_share(mode, p->name);
    p->create_disposition = o->disposition;
    p->file_attributes = o->attributes;
}

/* Where the data bytes of the command end inside the message. */
static size_t bytes_end(const smb1_cmd *m)
{
    size_t end = m->bytes_off + m->bcc;
    return end < m->len ? end : m->len;
}

static void req_open_andx(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    rd_skip(&w, 4 + 2); /* AndX, Flags */
    legacy_open o = {.have_mode = true};
    o.access_mode = rd_le16(&w);
    rd_skip(&w, 2); /* SearchAttrs */
    o.attributes = rd_le16(&w);
    rd_skip(&w, 4); /* CreationTime */
    o.disposition = smb1_legacy_disposition(rd_le16(&w));
    if (!rd_ok(&w)) {
        c->st.malformed++;
        return;
    }
    open_request(c, m, &o, m->bytes_off, bytes_end(m));
}

/* SMB_COM_OPEN, SMB_COM_CREATE, SMB_COM_CREATE_NEW: BufferFormat 0x04, then
 * the name. OPEN opens what exists; CREATE creates or truncates; CREATE_NEW
 * fails when the file exists. The last two open for reading and writing in
 * compatibility mode (MS-CIFS 2.2.4.4, 2.2.4.16). */
static void req_core_open(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    legacy_open o = {0};
    if (m->cmd == SMB1_OPEN) {
        o.access_mode = rd_le16(&w);
        o.have_mode = true;
        o.disposition = FILE_OPEN;
    } else {
        o.attributes = rd_le16(&w);
        o.disposition = m->cmd == SMB1_CREATE ? FILE_OVERWRITE_IF : FILE_CREATE;
    }
    size_t end = bytes_end(m);
    if (!rd_ok(&w) || m->bytes_off >= end || m->msg[m->bytes_off] != 0x04) {
        c->st.malformed++;
        return;
    }
    open_request(c, m, &o, m->bytes_off + 1, end);
}

#define TRANS2_OPEN2 0x0000

/* TRANSACTION2 with the subcommand TRANS2_OPEN2 (MS-CIFS 2.2.6.1): the open
 * is in the parameters (Flags, AccessMode, Reserved, FileAttributes,
 * CreationTime, OpenFlags, AllocationSize, 10 reserved bytes, FileName).
 * Only a request whose parameters are all in this message is followed. */
static void req_transaction2(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    uint16_t total_params = rd_le16(&w);
    rd_skip(&w, 16);
    uint16_t pcount = rd_le16(&w);
    uint16_t poff = rd_le16(&w);
    rd_skip(&w, 4);
    uint8_t setup_count = rd_u8(&w);
    rd_skip(&w, 1);
    uint16_t sub = rd_le16(&w);
    if (!rd_ok(&w) || setup_count < 1 || sub != TRANS2_OPEN2 || pcount != total_params)
        return;
    rd_t all = rd_make(m->msg, m->len);
    rd_t par = rd_sub(&all, poff, pcount);
    rd_skip(&par, 2); /* Flags */
    legacy_open o = {.have_mode = true};
    o.access_mode = rd_le16(&par);
    rd_skip(&par, 2);
    o.attributes = rd_le16(&par);
    rd_skip(&par, 4);
    o.disposition = smb1_legacy_disposition(rd_le16(&par));
    rd_skip(&par, 4 + 10);
    if (!rd_ok(&par)) {
        c->st.malformed++;
        return;
    }
    open_request(c, m, &o, (size_t)poff + par.off, (size_t)poff + pcount);
}

/* The answer of a legacy open: FID and what was done. */
static void rsp_legacy_open(smb_conn *c, const smb1_cmd *m, const smb_pending *p)
{
    if (!p)
        return;
    uint8_t fid[16];
    bool have_fid = false;
    uint32_t action = 0;
    if (m->h.status == 0) {
        rd_t w = m->words;
        uint16_t id = 0;
        if (m->cmd == SMB1_OPEN_ANDX) {
            /* AndX, FID, FileAttrs, LastWriteTime, FileDataSize, AccessRights,
             * ResourceType, NMPipeStatus, OpenResults */
            rd_skip(&w, 4);
            id = rd_le16(&w);
            rd_skip(&w, 16);
            action = rd_le16(&w) & 3;
            have_fid = rd_ok(&w);
        } else if (m->cmd == SMB1_TRANSACTION2) {
            /* parameters: FID, FileAttributes, CreationTime, FileDataSize,
             * AccessMode, ResourceType, NMPipeStatus, ActionTaken */
            rd_skip(&w, 6);
            uint16_t pcount = rd_le16(&w);
            uint16_t poff = rd_le16(&w);
            rd_t all = rd_make(m->msg, m->len);
            rd_t par = rd_sub(&all, poff, pcount);
            id = rd_le16(&par);
            rd_skip(&par, 16);
            action = rd_le16(&par) & 3;
            have_fid = rd_ok(&w) && rd_ok(&par);
        } else {
            id = rd_le16(&w); /* OPEN: FID first; CREATE, CREATE_NEW: FID alone */
            have_fid = rd_ok(&w);
            action = m->cmd == SMB1_OPEN ? FILE_OPENED : m->cmd == SMB1_CREATE_NEW ? FILE_CREATED : 0;
        }
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

/* Bytes written to pipe fid (TRANSACTION TransactNmPipe). */
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

/* Bytes a WRITE carries to file fid at file offset foff: an admin-share
 * file's go to the write hook; any other file's to its pipe parser. */
static void write_data(smb_conn *c, const smb1_cmd *m, uint16_t fid, uint64_t foff, size_t off, size_t len)
{
    smb_file *fe = file_of(c, fid);
    rd_t data;
    size_t missing;
    if (!fe || !pipe_bytes(m, off, len, &data, &missing))
        return;
    if (smb_op_admin_write(c, fe, foff, data.p, data.len, missing))
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

/* WRITE_ANDX (MS-CIFS 2.2.4.43.1, MS-SMB 2.2.4.3.1): AndX, FID, Offset,
 * Timeout, WriteMode, Remaining, DataLengthHigh, DataLength, DataOffset,
 * and with 14 words OffsetHigh. */
static void req_write_andx(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    rd_skip(&w, 4);
    uint16_t fid = rd_le16(&w);
    uint64_t foff = rd_le32(&w);
    rd_skip(&w, 8);
    uint32_t dlen = rd_le16(&w);
    dlen = (dlen << 16) | rd_le16(&w);
    uint16_t doff = rd_le16(&w);
    if (m->words.len >= 28)
        foff |= (uint64_t)rd_le32(&w) << 32;
    if (rd_ok(&w))
        write_data(c, m, fid, foff, doff, dlen);
}

/* SMB_COM_WRITE (MS-CIFS 2.2.4.12.1): FID, CountOfBytesToWrite,
 * WriteOffsetInBytes, EstimateOfRemainingBytes; the data bytes are
 * BufferFormat 0x01, DataLength, Data. */
static void req_write(smb_conn *c, const smb1_cmd *m)
{
    rd_t w = m->words;
    uint16_t fid = rd_le16(&w);
    uint16_t count = rd_le16(&w);
    uint32_t foff = rd_le32(&w);
    rd_t all = rd_make(m->msg, m->len);
    rd_t b = rd_sub(&all, m->bytes_off, 3);
    uint8_t format = rd_u8(&b);
    uint16_t dlen = rd_le16(&b);
    if (!rd_ok(&w) || !rd_ok(&b) || format != 0x01 || dlen != count) {
        c->st.malformed++;
        return;
    }
    write_data(c, m, fid, foff, m->bytes_off + 3, dlen);
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
        case SMB1_OPEN_ANDX:
            req_open_andx(c, m);
            break;
        case SMB1_OPEN:
        case SMB1_CREATE:
        case SMB1_CREATE_NEW:
            req_core_open(c, m);
            break;
        case SMB1_TRANSACTION2:
            req_transaction2(c, m);
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
        case SMB1_WRITE:
            req_write(c, m);
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
    if (m->cmd == SMB1_TRANSACTION2) {
        /* only a TRANS2_OPEN2 was made pending; the other subcommands'
         * answers are none of ours, and an interim answer (no words, no
         * error) says the rest of the request may come */
        smb_pending *p = smb_pending_find(c, 1, m->h.mid, m->h.pid);
        if (!p || p->command != m->cmd || (m->h.status == 0 && m->words.len < 20))
            return;
        rsp_legacy_open(c, m, p);
        smb_pending_del(c, p);
        return;
    }
    switch (m->cmd) {
    case SMB1_NEGOTIATE:
    case SMB1_SESSION_SETUP_ANDX:
    case SMB1_TREE_CONNECT_ANDX:
    case SMB1_NT_CREATE_ANDX:
    case SMB1_OPEN_ANDX:
    case SMB1_OPEN:
    case SMB1_CREATE:
    case SMB1_CREATE_NEW:
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
    case SMB1_OPEN_ANDX:
    case SMB1_OPEN:
    case SMB1_CREATE:
    case SMB1_CREATE_NEW:
        rsp_legacy_open(c, m, p);
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
