/* SMB1: header, AndX chains, NEGOTIATE, SESSION_SETUP_ANDX, TREE_CONNECT_ANDX,
 * NT_CREATE_ANDX (Unicode pad), CLOSE, TREE_DISCONNECT. */
#include "rpc_build.h"
#include "smb_build.h"

#include "protocols/dcerpc.h"
#include "protocols/smb1.h"

static uint8_t msg[4096], wire[4200];

static size_t b1_hdr(uint8_t *p, uint8_t cmd, bool reply, uint32_t status, uint16_t tid, uint16_t uid,
                     uint16_t mid, bool unicode)
{
    memset(p, 0, 32);
    memcpy(p, "\xFFSMB", 4);
    p[4] = cmd;
    tu_le32(p + 5, status);
    p[9] = reply ? 0x98 : 0x18;
    tu_le16(p + 10, (uint16_t)(unicode ? 0xC807 : 0x4807));
    tu_le16(p + 24, tid);
    tu_le16(p + 26, 0x1234); /* PID */
    tu_le16(p + 28, uid);
    tu_le16(p + 30, mid);
    return 32;
}

typedef struct t1 {
    capture cap;
    smb_conn *c;
} t1;

static void send1(t1 *t, int dir, size_t n)
{
    size_t w = b_nbss(wire, msg, n);
    smb_conn_data(t->c, dir, wire, w);
}

static t1 *t1_new(void)
{
    t1 *t = calloc(1, sizeof(*t));
    smb_sink sink = {cap_sink, &t->cap};
    t->c = smb_conn_new(NULL, sink);
    return t;
}

static void t1_free(t1 *t)
{
    smb_conn_free(t->c);
    free(t);
}

static void test_header_and_string(void **state)
{
    smb1_hdr h;
    size_t n = b1_hdr(msg, 0xa2, true, 0xC0000034, 7, 8, 9, true);
    assert_int_equal(smb1_parse_header(msg, n, &h), 1);
    assert_int_equal(h.command, 0xa2);
    assert_int_equal(h.status, 0xC0000034);
    assert_int_equal(h.tid, 7);
    assert_int_equal(h.uid, 8);
    assert_int_equal(h.mid, 9);
    assert_int_equal(h.pid, 0x1234);
    assert_true(h.flags & SMB1_FLAGS_REPLY);
    assert_int_equal(smb1_parse_header(msg, 31, &h), 0);
    /* Unicode string at an odd offset: one pad byte first */
    uint8_t b[32] = {0};
    tu_utf16(b + 4, "IPC");
    char out[16];
    size_t next;
    assert_true(smb1_string(b, 12, 3, true, out, sizeof(out), &next));
    assert_string_equal(out, "IPC");
    assert_int_equal(next, 12);
    /* unterminated at the end of the message */
    assert_true(smb1_string((const uint8_t *)"A:", 2, 0, false, out, sizeof(out), &next));
    assert_string_equal(out, "A:");
    assert_false(smb1_string(b, 12, 13, false, out, sizeof(out), &next));
}

static size_t negotiate_req(uint8_t *p)
{
    size_t n = b1_hdr(p, 0x72, false, 0, 0, 0, 1, true);
    p[n++] = 0;
    const char *d[] = {"PC NETWORK PROGRAM 1.0", "LANMAN1.0", "NT LM 0.12", "SMB 2.002"};
    size_t bcc_at = n;
    n += 2;
    for (int i = 0; i < 4; i++) {
        p[n++] = 2;
        memcpy(p + n, d[i], strlen(d[i]) + 1);
        n += strlen(d[i]) + 1;
    }
    tu_le16(p + bcc_at, (uint16_t)(n - bcc_at - 2));
    return n;
}

static void test_negotiate(void **state)
{
    t1 *t = t1_new();
    send1(t, 0, negotiate_req(msg));
    size_t n = b1_hdr(msg, 0x72, true, 0, 0, 0, 1, true);
    msg[n++] = 17;
    memset(msg + n, 0, 34);
    tu_le16(msg + n, 2); /* index of NT LM 0.12 */
    n += 34;
    tu_le16(msg + n, 0);
    n += 2;
    send1(t, 1, n);
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(t->cap.facts[0].f.h.kind, SMB_FACT_NEGOTIATE);
    assert_int_equal(t->cap.facts[0].f.h.smb_version, 1);
    assert_int_equal(t->cap.facts[0].f.h.command, 0x72);
    assert_int_equal(t->cap.facts[0].f.h.dialect, 0x0001);
    assert_int_equal(smb_conn_dialect(t->c), 0x0001);
    t1_free(t);
}

/* SESSION_SETUP_ANDX (extended security, NTLMSSP) chained with TREE_CONNECT_ANDX. */
static void test_andx_chain(void **state)
{
    t1 *t = t1_new();
    uint8_t tok[300];
    size_t tl = b_ntlm_auth(tok, "WORKGROUP", "chewbacca", "CORNWALIS");
    size_t n = b1_hdr(msg, 0x73, false, 0, 0, 0x800, 2, true);
    size_t ss = n;
    msg[n++] = 12;
    memset(msg + n, 0, 24);
    msg[n] = 0x75; /* AndXCommand */
    tu_le16(msg + n + 14, (uint16_t)tl);
    n += 24;
    tu_le16(msg + n, (uint16_t)tl);
    n += 2;
    memcpy(msg + n, tok, tl);
    n += tl;
    tu_le16(msg + ss + 1 + 2, (uint16_t)n); /* AndXOffset -> the TREE_CONNECT_ANDX */
    msg[n++] = 4;
    memset(msg + n, 0, 8);
    msg[n] = 0xFF;
    tu_le16(msg + n + 6, 1); /* PasswordLength */
    n += 8;
    size_t bcc_at = n;
    n += 2;
    msg[n++] = 0; /* password */
    if (n & 1)
        msg[n++] = 0;
    n += tu_utf16(msg + n, "\\\\SRV\\IPC$");
    msg[n++] = 0;
    msg[n++] = 0;
    memcpy(msg + n, "?????", 6);
    n += 6;
    tu_le16(msg + bcc_at, (uint16_t)(n - bcc_at - 2));
    send1(t, 0, n);

    /* responses: SESSION_SETUP_ANDX ok + TREE_CONNECT_ANDX "IPC" */
    n = b1_hdr(msg, 0x73, true, 0, 0x800, 0x800, 2, true);
    ss = n;
    msg[n++] = 4;
    memset(msg + n, 0, 8);
    msg[n] = 0x75;
    n += 8;
    tu_le16(msg + n, 0);
    n += 2;
    tu_le16(msg + ss + 1 + 2, (uint16_t)n);
    msg[n++] = 3;
    memset(msg + n, 0, 6);
    msg[n] = 0xFF;
    n += 6;
    tu_le16(msg + n, 4);
    n += 2;
    memcpy(msg + n, "IPC", 4);
    n += 4;
    send1(t, 1, n);
    assert_int_equal(t->cap.n, 2);
    cap_fact *f = &t->cap.facts[0];
    assert_int_equal(f->f.h.kind, SMB_FACT_SESSION_SETUP);
    assert_int_equal(f->f.h.session_id, 0x800);
    assert_string_equal(f->user, "chewbacca");
    assert_string_equal(f->domain, "WORKGROUP");
    assert_string_equal(f->ws, "CORNWALIS");
    f = &t->cap.facts[1];
    assert_int_equal(f->f.h.kind, SMB_FACT_TREE_CONNECT);
    assert_int_equal(f->f.h.command, 0x75);
    assert_string_equal(f->share, "\\\\SRV\\IPC$");
    assert_int_equal(f->share_type, SMB_SHARE_PIPE);
    assert_int_equal(f->f.h.tree_id, 0x800);
    assert_string_equal(f->user, "chewbacca");
    assert_int_equal(f->f.h.req_dir, 0);
    t1_free(t);
}

static size_t nt_create_req(uint8_t *p, uint16_t mid, const char *name, bool unicode)
{
    size_t n = b1_hdr(p, 0xa2, false, 0, 0x800, 0x800, mid, unicode);
    p[n++] = 24;
    size_t w = n;
    memset(p + n, 0, 48);
    p[w] = 0xFF;
    size_t nl = strlen(name) * (unicode ? 2 : 1);
    tu_le16(p + w + 5, (uint16_t)nl);
    tu_le32(p + w + 15, 0x20113);  /* DesiredAccess */
    tu_le32(p + w + 27, 0x80);     /* ExtFileAttributes */
    tu_le32(p + w + 31, 3);        /* ShareAccess */
    tu_le32(p + w + 35, 1);        /* CreateDisposition */
    tu_le32(p + w + 39, 0x400040); /* CreateOptions */
    n += 48;
    size_t bcc_at = n;
    n += 2;
    if (unicode) {
        /* bytes start at an odd offset (32 + 1 + 48 + 2 = 83): one pad byte */
        p[n++] = 0;
        n += tu_utf16(p + n, name);
    } else {
        memcpy(p + n, name, strlen(name));
        n += strlen(name);
    }
    tu_le16(p + bcc_at, (uint16_t)(n - bcc_at - 2));
    return n;
}

static size_t nt_create_rsp(uint8_t *p, uint16_t mid, uint32_t status, uint16_t fid)
{
    size_t n = b1_hdr(p, 0xa2, true, status, 0x800, 0x800, mid, true);
    if (status) {
        p[n++] = 0;
        tu_le16(p + n, 0);
        return n + 2;
    }
    p[n++] = 34;
    memset(p + n, 0, 68);
    p[n] = 0xFF;
    tu_le16(p + n + 5, fid);
    tu_le32(p + n + 7, 1); /* CreateAction: opened */
    n += 68;
    tu_le16(p + n, 0);
    return n + 2;
}

static void test_nt_create_unicode_pad(void **state)
{
    t1 *t = t1_new();
    size_t n = nt_create_req(msg, 10, "\\ahexec_stdin064C0001", true);
    assert_int_equal(n % 2, 0);
    send1(t, 0, n);
    send1(t, 1, nt_create_rsp(msg, 10, 0, 0x4001));
    assert_int_equal(t->cap.n, 1);
    cap_fact *f = &t->cap.facts[0];
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_int_equal(f->f.h.smb_version, 1);
    assert_int_equal(f->f.h.command, 0xa2);
    assert_string_equal(f->filename, "\\ahexec_stdin064C0001");
    assert_int_equal(f->f.u.file.desired_access, 0x20113);
    assert_int_equal(f->f.u.file.file_attributes, 0x80);
    assert_int_equal(f->f.u.file.share_access, 3);
    assert_int_equal(f->f.u.file.create_disposition, 1);
    assert_int_equal(f->f.u.file.create_options, 0x400040);
    assert_int_equal(f->f.u.file.create_action, 1);
    assert_true(f->f.u.file.have_file_id);
    assert_int_equal(f->f.u.file.file_id[0], 0x01);
    assert_int_equal(f->f.u.file.file_id[1], 0x40);
    assert_int_equal(f->f.h.message_id, 10);

    /* CLOSE of that FID names the file; TREE_DISCONNECT follows */
    n = b1_hdr(msg, 0x04, false, 0, 0x800, 0x800, 11, true);
    msg[n++] = 3;
    memset(msg + n, 0, 6);
    tu_le16(msg + n, 0x4001);
    n += 6;
    tu_le16(msg + n, 0);
    send1(t, 0, n + 2);
    n = b1_hdr(msg, 0x04, true, 0, 0x800, 0x800, 11, true);
    msg[n++] = 0;
    tu_le16(msg + n, 0);
    send1(t, 1, n + 2);
    assert_int_equal(t->cap.n, 2);
    assert_int_equal(t->cap.facts[1].f.h.kind, SMB_FACT_CLOSE);
    assert_string_equal(t->cap.facts[1].filename, "\\ahexec_stdin064C0001");

    /* an ASCII name (no Unicode flag): no pad byte */
    send1(t, 0, nt_create_req(msg, 12, "\\svcctl", false));
    send1(t, 1, nt_create_rsp(msg, 12, 0xC0000034, 0));
    assert_int_equal(t->cap.n, 3);
    assert_string_equal(t->cap.facts[2].filename, "\\svcctl");
    assert_int_equal(t->cap.facts[2].f.h.status, 0xC0000034);
    assert_false(t->cap.facts[2].f.u.file.have_file_id);
    t1_free(t);
}

/* An AndX offset that points backward stops the chain after the first command. */
static void test_andx_backward(void **state)
{
    t1 *t = t1_new();
    size_t n = nt_create_req(msg, 20, "\\x", true);
    msg[33] = 0xa2;        /* AndXCommand: another NT_CREATE_ANDX */
    tu_le16(msg + 35, 32); /* AndXOffset back to the first parameters */
    send1(t, 0, n);
    send1(t, 1, nt_create_rsp(msg, 20, 0, 5));
    assert_int_equal(t->cap.n, 1);
    assert_string_equal(t->cap.facts[0].filename, "\\x");
    assert_int_equal(smb_conn_get_stats(t->c)->limit_drops, 0);
    /* an AndXOffset past the end is not followed either */
    n = nt_create_req(msg, 21, "\\y", true);
    msg[33] = 0xa2;
    tu_le16(msg + 35, 0xFFF0);
    send1(t, 0, n);
    smb_conn_flush(t->c);
    assert_int_equal(t->cap.n, 2);
    assert_string_equal(t->cap.facts[1].filename, "\\y");
    t1_free(t);
}

/* SMB1 message of wct words (set by the caller) whose data bytes hold
 * `data` at a 4-aligned offset; the data offset goes in word byte doff_at
 * and its length in dlen_at. */
static size_t b1_data(uint8_t *p, size_t n, uint8_t wct, size_t dlen_at, size_t doff_at, const uint8_t *data,
                      size_t dlen)
{
    size_t words = n + 1;
    p[n] = wct;
    n = words + (size_t)wct * 2;
    size_t bcc_at = n;
    n += 2;
    while (n % 4)
        p[n++] = 0;
    tu_le16(p + words + dlen_at, (uint16_t)dlen);
    tu_le16(p + words + doff_at, (uint16_t)n);
    memcpy(p + n, data, dlen);
    n += dlen;
    tu_le16(p + bcc_at, (uint16_t)(n - bcc_at - 2));
    return n;
}

static size_t svc_stub(uint8_t *p)
{
    rb b = {p, 0, true};
    for (int i = 0; i < 20; i++)
        rb_u8(&b, 0);
    const char *strs[2] = {"Svc1", "C:\\x.exe"};
    for (int k = 0; k < 2; k++) {
        uint32_t n = (uint32_t)strlen(strs[k]) + 1;
        rb_align(&b, 4);
        rb_u32(&b, n);
        rb_u32(&b, 0);
        rb_u32(&b, n);
        for (uint32_t i = 0; i < n; i++)
            rb_u16(&b, (uint16_t)strs[k][i]);
        if (k == 0) {
            rb_align(&b, 4);
            rb_u32(&b, 0);          /* no display name */
            rb_u32(&b, 0xF01FF);    /* access */
            rb_u32(&b, 0x10);       /* type */
            rb_u32(&b, 2);          /* auto start */
            rb_u32(&b, 1);          /* error control */
        }
    }
    return b.n;
}

/* DCE/RPC over SMB1: TransactNmPipe carries the bind and its answer,
 * WRITE_ANDX the CreateService request, READ_ANDX its response. */
static void test_pipe_rpc(void **state)
{
    t1 *t = t1_new();
    send1(t, 0, nt_create_req(msg, 10, "\\svcctl", true));
    send1(t, 1, nt_create_rsp(msg, 10, 0, 0x4001));
    static uint8_t pdu[2048], stub[512];
    rb b = {pdu, 0, true};
    rb_ctx ctx = {0, RB_SVCCTL, 2, 0};
    size_t pl = rb_bind(&b, DCERPC_BIND, 1, &ctx, 1);
    size_t n = b1_hdr(msg, 0x25, false, 0, 0x800, 0x800, 11, true);
    size_t words = n + 1;
    memset(msg + words, 0, 32);
    msg[words + 26] = 2;              /* SetupCount */
    tu_le16(msg + words + 28, 0x26);  /* TransactNmPipe */
    tu_le16(msg + words + 30, 0x4001);
    send1(t, 0, b1_data(msg, n, 16, 22, 24, pdu, pl));
    uint16_t ok = 0;
    pl = rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1);
    n = b1_hdr(msg, 0x25, true, 0, 0x800, 0x800, 11, true);
    memset(msg + n + 1, 0, 20);
    send1(t, 1, b1_data(msg, n, 10, 12, 14, pdu, pl));

    size_t sl = svc_stub(stub);
    pl = rb_request(&b, 3, 2, 0, 12, stub, sl, 0, 0);
    n = b1_hdr(msg, 0x2f, false, 0, 0x800, 0x800, 12, true);
    memset(msg + n + 1, 0, 28);
    msg[n + 1] = 0xFF;
    tu_le16(msg + n + 1 + 4, 0x4001);
    send1(t, 0, b1_data(msg, n, 14, 20, 22, pdu, pl));
    assert_int_equal(t->cap.n, 1); /* the call is reported when it ends */

    n = b1_hdr(msg, 0x2e, false, 0, 0x800, 0x800, 13, true);
    msg[n++] = 12;
    memset(msg + n, 0, 26);
    msg[n] = 0xFF;
    tu_le16(msg + n + 4, 0x4001);
    send1(t, 0, n + 26);
    const uint8_t out[28] = {0};
    pl = rb_response(&b, 3, 2, 0, out, sizeof out, 0, 0);
    n = b1_hdr(msg, 0x2e, true, 0, 0x800, 0x800, 13, true);
    memset(msg + n + 1, 0, 24);
    msg[n + 1] = 0xFF;
    send1(t, 1, b1_data(msg, n, 12, 10, 12, pdu, pl));
    assert_int_equal(t->cap.n, 2);
    cap_fact *f = &t->cap.facts[1];
    assert_int_equal(f->f.h.kind, SMB_FACT_SERVICE);
    assert_int_equal(f->f.h.smb_version, 1);
    assert_int_equal(f->f.h.command, 0x2f); /* the WRITE_ANDX of the request */
    assert_true(f->f.h.have_response);
    assert_true(f->f.u.service.have_return);
    assert_int_equal(f->f.u.service.return_code, 0);
    assert_string_equal(f->svc, "Svc1");
    assert_string_equal(f->svc_bin, "C:\\x.exe");
    assert_string_equal(f->svc_display, "");
    assert_int_equal(f->f.u.service.start_type, 2);
    assert_string_equal(f->filename, "\\svcctl");

    const smb_conn_stats *st = smb_conn_get_stats(t->c);
    assert_int_equal(st->rpc_calls, 1);
    assert_int_equal(st->rpc_answered_calls, 1);
    assert_int_equal(st->orphan_responses, 0);
    assert_int_equal(st->malformed, 0);
    t1_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_and_string), cmocka_unit_test(test_negotiate),
        cmocka_unit_test(test_andx_chain),        cmocka_unit_test(test_nt_create_unicode_pad),
        cmocka_unit_test(test_andx_backward),     cmocka_unit_test(test_pipe_rpc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
