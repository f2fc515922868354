/* SMB2: header, compound rules, strings, and every command turned into facts. */
#include "rpc_build.h"
#include "smb_build.h"

#include "protocols/dcerpc.h"
#include "protocols/svcctl.h"
#include "protocols/smb2.h"
#include "protocols/utf16.h"

static uint8_t wire[70000];
static uint8_t msg[70000];

typedef struct t_ctx {
    capture cap;
    smb_conn *c;
} t_ctx;

static t_ctx *ctx_new(void)
{
    t_ctx *t = calloc(1, sizeof(*t));
    smb_sink sink = {cap_sink, &t->cap};
    t->c = smb_conn_new(NULL, sink);
    return t;
}

static void ctx_free(t_ctx *t)
{
    smb_conn_free(t->c);
    free(t);
}

static void send_msg(t_ctx *t, int dir, const uint8_t *m, size_t n)
{
    size_t w = b_nbss(wire, m, n);
    smb_conn_data(t->c, dir, wire, w);
}

/* TREE_CONNECT of path (message 1 of session sid) answered as tree tid. */
static void tree_connect(t_ctx *t, uint64_t sid, const char *path, uint32_t tid, uint8_t share_type)
{
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 1, .sid = sid};
    send_msg(t, 0, msg, b_tree_req(msg, &tc, path));
    tc.flags = RSP;
    tc.tid = tid;
    send_msg(t, 1, msg, b_tree_rsp(msg, &tc, share_type));
}

/* A connection with \\DC\IPC$ connected as tree 1 of session 4. */
static t_ctx *ipc_connect(void)
{
    t_ctx *t = ctx_new();
    tree_connect(t, 4, "\\\\DC\\IPC$", 1, 2);
    return t;
}

/* The same with the pipe opened as file (0xA, 0xB) (message 2). */
static t_ctx *pipe_open(const char *pipe)
{
    t_ctx *t = ipc_connect();
    b_create cr = {0x12019f, 0, 7, 1, 0, pipe};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 2, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_create_req(msg, &ch, &cr));
    ch.flags = RSP;
    send_msg(t, 1, msg, b_create_rsp(msg, &ch, 1, 0xA, 0xB));
    return t;
}

static void test_header(void **state)
{
    b_hdr h = {.cmd = SMB2_CREATE, .flags = RSP, .status = 0xC0000034, .mid = 77, .sid = 0x1122, .tid = 5};
    size_t n = b_smb2_hdr(msg, &h);
    smb2_hdr p;
    assert_int_equal(smb2_parse_header(msg, n, &p), 1);
    assert_int_equal(p.command, SMB2_CREATE);
    assert_int_equal(p.status, 0xC0000034);
    assert_int_equal(p.message_id, 77);
    assert_int_equal(p.session_id, 0x1122);
    assert_int_equal(p.tree_id, 5);
    assert_int_equal(smb2_parse_header(msg, 63, &p), 0);
    msg[4] = 65;
    assert_int_equal(smb2_parse_header(msg, n, &p), 0);
    b_hdr a = {.cmd = SMB2_CREATE, .flags = RSP | 2, .async_id = 0xABCDEF, .sid = 9};
    b_smb2_hdr(msg, &a);
    assert_int_equal(smb2_parse_header(msg, 64, &p), 1);
    assert_int_equal(p.async_id, 0xABCDEF);
    assert_int_equal(p.tree_id, 0);
}

static void test_chain_step(void **state)
{
    bool last;
    assert_int_equal(smb2_chain_step(0, 300, 0, &last), 300);
    assert_true(last);
    assert_int_equal(smb2_chain_step(0, 300, 136, &last), 136);
    assert_false(last);
    assert_int_equal(smb2_chain_step(136, 400, 168, &last), 168);
    assert_int_equal(smb2_chain_step(0, 304, 304, &last), 0);         /* no room for the next header */
    assert_int_equal(smb2_chain_step(0, 300, 132, &last), 0);         /* not 8-aligned */
    assert_int_equal(smb2_chain_step(0, 300, 32, &last), 0);          /* into its own header */
    assert_int_equal(smb2_chain_step(0, 300, 304, &last), 0);         /* past the end */
    assert_int_equal(smb2_chain_step(0, 300, 0xFFFFFFF8u, &last), 0); /* backward as a signed offset */
}

static void test_strings(void **state)
{
    char out[16];
    /* "a" + unpaired high surrogate + "b" + U+1F600 as a pair */
    const uint8_t s[] = {'a', 0, 0x00, 0xD8, 'b', 0, 0x3D, 0xD8, 0x00, 0xDE};
    assert_int_equal(utf16_to_utf8(s, sizeof(s), out, sizeof(out)), 9);
    assert_string_equal(out, "a\xEF\xBF\xBD"
                             "b\xF0\x9F\x98\x80");
    /* lone low surrogate; output cut on a character boundary */
    const uint8_t l[] = {0x00, 0xDC, 'x', 0};
    char small[4];
    assert_int_equal(utf16_to_utf8(l, sizeof(l), small, sizeof(small)), 3);
    assert_string_equal(small, "\xEF\xBF\xBD");
    char big[SMB_NAME_MAX + 1];
    uint8_t *longname = malloc(4000);
    for (int i = 0; i < 2000; i++) {
        longname[2 * i] = 'A';
        longname[2 * i + 1] = 0;
    }
    assert_int_equal(utf16_to_utf8(longname, 4000, big, sizeof(big)), SMB_NAME_MAX);
    free(longname);
    assert_false(smb2_string(s, sizeof(s), 8, 4, out, sizeof(out)));
    assert_true(smb2_string(s, sizeof(s), 0, 2, out, sizeof(out)));
    assert_string_equal(out, "a");
}

static void test_names(void **state)
{
    assert_string_equal(smb2_command_name(SMB2_TREE_CONNECT), "SMB2_COMMAND_TREE_CONNECT");
    assert_string_equal(smb2_command_name(SMB2_CREATE), "SMB2_COMMAND_CREATE");
    assert_string_equal(smb2_command_name(0x99), "SMB2_COMMAND_UNKNOWN");
    assert_string_equal(smb1_command_name(0xa2), "SMB1_COMMAND_NT_CREATE_ANDX");
    assert_string_equal(smb1_command_name(0x75), "SMB1_COMMAND_TREE_CONNECT_ANDX");
    assert_string_equal(smb1_command_name(0x73), "SMB1_COMMAND_SESSION_SETUP_ANDX");
    assert_string_equal(smb1_command_name(0x72), "SMB1_COMMAND_NEGOTIATE_PROTOCOL");
    assert_string_equal(smb_status_name(0), "STATUS_SUCCESS");
    assert_string_equal(smb_status_name(0xC0000034), "STATUS_OBJECT_NAME_NOT_FOUND");
    assert_string_equal(smb_status_name(0xC00000CC), "STATUS_BAD_NETWORK_NAME");
    assert_string_equal(smb_status_name(0xC000006D), "STATUS_LOGON_FAILURE");
    assert_string_equal(smb_status_name(0xC000035C), "STATUS_NETWORK_SESSION_EXPIRED");
    assert_null(smb_status_name(0x12345678));
    assert_string_equal(smb_dialect_name(0x0311), "3.11");
    assert_string_equal(smb_dialect_name(0x02FF), "2.??");
    assert_string_equal(smb_dialect_name(0x0001), "NT LM 0.12");
    assert_string_equal(smb_disposition_name(1), "FILE_OPEN");
    assert_string_equal(smb_disposition_name(5), "FILE_OVERWRITE_IF");
    assert_null(smb_disposition_name(6));
}

/* NEGOTIATE, SESSION_SETUP (two rounds), TREE_CONNECT, CREATE, CLOSE,
 * TREE_DISCONNECT, LOGOFF: every fact field by field. */
static void test_full_session(void **state)
{
    t_ctx *t = ctx_new();
    /* NEGOTIATE request (dialect list) and response 3.1.1 */
    b_hdr h = {.cmd = SMB2_NEGOTIATE, .mid = 0};
    static const uint16_t dialects[] = {0x0210, 0x0311};
    send_msg(t, 0, msg, b_negotiate_req(msg, &h, dialects, 2));
    h.flags = RSP;
    send_msg(t, 1, msg, b_negotiate_rsp(msg, &h, 0x0311));
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(t->cap.facts[0].f.h.kind, SMB_FACT_NEGOTIATE);
    assert_int_equal(t->cap.facts[0].f.h.dialect, 0x0311);
    assert_true(t->cap.facts[0].f.h.have_request);
    assert_int_equal(t->cap.facts[0].f.h.req_dir, 0);
    assert_int_equal(smb_conn_dialect(t->c), 0x0311);

    /* SESSION_SETUP round 1 (NEGOTIATE token) -> MORE_PROCESSING: no fact */
    uint8_t tok[600];
    memset(tok, 0, 40);
    memcpy(tok, "NTLMSSP", 8);
    tu_le32(tok + 8, 1);
    b_hdr s1 = {.cmd = SMB2_SESSION_SETUP, .mid = 1};
    send_msg(t, 0, msg, b_sess_req(msg, &s1, tok, 40));
    s1.flags = RSP;
    s1.status = 0xC0000016;
    s1.sid = 0x4000000001;
    send_msg(t, 1, msg, b_sess_rsp(msg, &s1, 0));
    assert_int_equal(t->cap.n, 1);
    /* round 2: AUTHENTICATE; the response confirms the session */
    size_t tl = b_ntlm_auth(tok, "3B", "backdoor", "WIN10");
    b_hdr s2 = {.cmd = SMB2_SESSION_SETUP, .mid = 2, .sid = 0x4000000001};
    send_msg(t, 0, msg, b_sess_req(msg, &s2, tok, tl));
    s2.flags = RSP;
    send_msg(t, 1, msg, b_sess_rsp(msg, &s2, 0));
    assert_int_equal(t->cap.n, 2);
    cap_fact *f = &t->cap.facts[1];
    assert_int_equal(f->f.h.kind, SMB_FACT_SESSION_SETUP);
    assert_int_equal(f->f.h.status, 0);
    assert_int_equal(f->f.h.session_id, 0x4000000001);
    assert_int_equal(f->f.h.who.auth, SMB_AUTH_NTLMSSP);
    assert_string_equal(f->user, "backdoor");
    assert_string_equal(f->domain, "3B");
    assert_string_equal(f->ws, "WIN10");

    /* TREE_CONNECT \\SRV\IPC$ */
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 3, .sid = 0x4000000001};
    send_msg(t, 0, msg, b_tree_req(msg, &tc, "\\\\SRV\\IPC$"));
    tc.flags = RSP;
    tc.tid = 5;
    send_msg(t, 1, msg, b_tree_rsp(msg, &tc, 2));
    assert_int_equal(t->cap.n, 3);
    f = &t->cap.facts[2];
    assert_int_equal(f->f.h.kind, SMB_FACT_TREE_CONNECT);
    assert_int_equal(f->f.h.command, SMB2_TREE_CONNECT);
    assert_string_equal(f->share, "\\\\SRV\\IPC$");
    assert_int_equal(f->share_type, SMB_SHARE_PIPE);
    assert_int_equal(f->f.h.tree_id, 5);
    assert_int_equal(f->f.h.message_id, 3);
    assert_string_equal(f->user, "backdoor");
    assert_int_equal(f->f.h.dialect, 0x0311);

    /* CREATE blabla-HOST-1-stdin */
    b_create cr = {0x120196, 0x80, 7, 1, 0x400040, "blabla-HOST-1-stdin"};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 4, .sid = 0x4000000001, .tid = 5};
    send_msg(t, 0, msg, b_create_req(msg, &ch, &cr));
    ch.flags = RSP;
    send_msg(t, 1, msg, b_create_rsp(msg, &ch, 1, 0x11, 0x22));
    assert_int_equal(t->cap.n, 4);
    f = &t->cap.facts[3];
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_true(f->f.h.have_request);
    assert_true(f->f.h.have_response);
    assert_string_equal(f->filename, "blabla-HOST-1-stdin");
    assert_string_equal(f->share, "\\\\SRV\\IPC$");
    assert_int_equal(f->share_type, SMB_SHARE_PIPE);
    assert_int_equal(f->f.u.file.desired_access, 0x120196);
    assert_int_equal(f->f.u.file.file_attributes, 0x80);
    assert_int_equal(f->f.u.file.share_access, 7);
    assert_int_equal(f->f.u.file.create_disposition, 1);
    assert_int_equal(f->f.u.file.create_options, 0x400040);
    assert_int_equal(f->f.u.file.create_action, 1);
    assert_true(f->f.u.file.have_file_id);
    assert_int_equal(f->f.u.file.file_id[0], 0x11);
    assert_int_equal(f->f.u.file.file_id[8], 0x22);
    assert_string_equal(f->user, "backdoor");
    assert_string_equal(f->domain, "3B");
    assert_int_equal(f->f.h.who.auth, SMB_AUTH_NTLMSSP);

    /* CLOSE gives the name back */
    b_hdr cl = {.cmd = SMB2_CLOSE, .mid = 5, .sid = 0x4000000001, .tid = 5};
    send_msg(t, 0, msg, b_close_req(msg, &cl, 0x11, 0x22));
    cl.flags = RSP;
    send_msg(t, 1, msg, b_close_rsp(msg, &cl));
    f = &t->cap.facts[4];
    assert_int_equal(f->f.h.kind, SMB_FACT_CLOSE);
    assert_string_equal(f->filename, "blabla-HOST-1-stdin");

    /* TREE_DISCONNECT, LOGOFF */
    b_hdr td = {.cmd = SMB2_TREE_DISCONNECT, .mid = 6, .sid = 0x4000000001, .tid = 5};
    send_msg(t, 0, msg, b_small(msg, &td));
    td.flags = RSP;
    send_msg(t, 1, msg, b_small(msg, &td));
    f = &t->cap.facts[5];
    assert_int_equal(f->f.h.kind, SMB_FACT_TREE_DISCONNECT);
    assert_string_equal(f->share, "\\\\SRV\\IPC$");
    b_hdr lo = {.cmd = SMB2_LOGOFF, .mid = 7, .sid = 0x4000000001};
    send_msg(t, 0, msg, b_small(msg, &lo));
    lo.flags = RSP;
    send_msg(t, 1, msg, b_small(msg, &lo));
    f = &t->cap.facts[6];
    assert_int_equal(f->f.h.kind, SMB_FACT_LOGOFF);
    assert_string_equal(f->user, "backdoor");
    assert_int_equal(t->cap.n, 7);
    const smb_conn_stats *st = smb_conn_get_stats(t->c);
    assert_int_equal(st->facts, 7);
    assert_int_equal(st->smb2_msgs, 16);
    assert_int_equal(st->orphan_responses, 0);
    assert_int_equal(st->malformed, 0);
    ctx_free(t);
}

static void test_failures_and_disk_share(void **state)
{
    t_ctx *t = ctx_new();
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 3, .sid = 8};
    send_msg(t, 0, msg, b_tree_req(msg, &tc, "\\\\SRV\\NOPE"));
    tc.flags = RSP;
    tc.status = 0xC00000CC;
    send_msg(t, 1, msg, b_error_rsp(msg, &tc));
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(t->cap.facts[0].f.h.status, 0xC00000CC);
    assert_string_equal(t->cap.facts[0].share, "\\\\SRV\\NOPE");
    assert_int_equal(t->cap.facts[0].share_type, SMB_SHARE_UNKNOWN);

    b_hdr t2 = {.cmd = SMB2_TREE_CONNECT, .mid = 4, .sid = 8};
    send_msg(t, 0, msg, b_tree_req(msg, &t2, "\\\\SRV\\admin$"));
    t2.flags = RSP;
    t2.tid = 9;
    send_msg(t, 1, msg, b_tree_rsp(msg, &t2, 1));
    b_create cr = {0x120196, 0, 0, 5, 0, "PSEXESVC.exe"};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 5, .sid = 8, .tid = 9};
    send_msg(t, 0, msg, b_create_req(msg, &ch, &cr));
    ch.flags = RSP;
    ch.status = 0xC0000022;
    send_msg(t, 1, msg, b_error_rsp(msg, &ch));
    cap_fact *f = &t->cap.facts[2];
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_int_equal(f->f.h.status, 0xC0000022);
    assert_string_equal(f->share, "\\\\SRV\\admin$");
    assert_int_equal(f->share_type, SMB_SHARE_DISK);
    assert_false(f->f.u.file.have_file_id);
    assert_int_equal(f->f.u.file.create_action, 0);
    assert_int_equal(f->f.u.file.create_disposition, 5);
    assert_int_equal(f->f.h.who.auth, SMB_AUTH_UNKNOWN);
    assert_true(f->user_null);
    ctx_free(t);
}

/* CREATE + CLOSE as one related compound: the CLOSE uses FileId "previous". */
static void test_compound_related(void **state)
{
    t_ctx *t = ctx_new();
    tree_connect(t, 3, "\\\\S\\C$", 2, 1);

    b_create cr = {0x80, 0, 7, 1, 0, "dir\\file.txt"};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 10, .sid = 3, .tid = 2};
    size_t a = b_create_req(msg, &ch, &cr);
    size_t a8 = (a + 7) & ~(size_t)7;
    memset(msg + a, 0, a8 - a);
    tu_le32(msg + 20, (uint32_t)a8);
    b_hdr cl = {.cmd = SMB2_CLOSE, .flags = 4, .mid = 11};
    size_t b = b_close_req(msg + a8, &cl, UINT64_MAX, UINT64_MAX);
    send_msg(t, 0, msg, a8 + b);
    /* responses, also compounded */
    b_hdr r1 = {.cmd = SMB2_CREATE, .flags = RSP, .mid = 10, .sid = 3, .tid = 2};
    a = b_create_rsp(msg, &r1, 1, 0x55, 0x66);
    a8 = (a + 7) & ~(size_t)7;
    tu_le32(msg + 20, (uint32_t)a8);
    b_hdr r2 = {.cmd = SMB2_CLOSE, .flags = RSP | 4, .mid = 11, .sid = 3, .tid = 2};
    b = b_close_rsp(msg + a8, &r2);
    send_msg(t, 1, msg, a8 + b);
    assert_int_equal(t->cap.n, 3);
    cap_fact *f = &t->cap.facts[1];
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_string_equal(f->filename, "dir\\file.txt");
    assert_string_equal(f->share, "\\\\S\\C$");
    f = &t->cap.facts[2];
    assert_int_equal(f->f.h.kind, SMB_FACT_CLOSE);
    assert_int_equal(f->f.h.session_id, 3); /* inherited from the CREATE */
    assert_int_equal(f->f.h.tree_id, 2);
    assert_string_equal(f->share, "\\\\S\\C$");
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 0);
    ctx_free(t);
}

/* Two unrelated CREATEs in one compound; then a chain whose NextCommand
 * points back into itself: the first element is used, the walk stops. */
static void test_compound_unrelated_and_bad(void **state)
{
    t_ctx *t = ctx_new();
    b_create c1 = {1, 0, 0, 1, 0, "one"};
    b_create c2 = {2, 0, 0, 1, 0, "two"};
    b_hdr h1 = {.cmd = SMB2_CREATE, .mid = 20, .sid = 1, .tid = 1};
    size_t a = b_create_req(msg, &h1, &c1);
    size_t a8 = (a + 7) & ~(size_t)7;
    tu_le32(msg + 20, (uint32_t)a8);
    b_hdr h2 = {.cmd = SMB2_CREATE, .mid = 21, .sid = 1, .tid = 1};
    size_t b = b_create_req(msg + a8, &h2, &c2);
    send_msg(t, 0, msg, a8 + b);
    b_hdr r = {.cmd = SMB2_CREATE, .flags = RSP, .mid = 21, .sid = 1, .tid = 1};
    send_msg(t, 1, msg, b_create_rsp(msg, &r, 1, 2, 2));
    r.mid = 20;
    send_msg(t, 1, msg, b_create_rsp(msg, &r, 1, 1, 1));
    assert_int_equal(t->cap.n, 2);
    assert_string_equal(t->cap.facts[0].filename, "two");
    assert_int_equal(t->cap.facts[0].f.u.file.desired_access, 2);
    assert_string_equal(t->cap.facts[1].filename, "one");

    /* NextCommand = 8: points into its own header */
    b_hdr h3 = {.cmd = SMB2_CREATE, .mid = 30, .sid = 1, .tid = 1, .next = 8};
    a = b_create_req(msg, &h3, &c1);
    send_msg(t, 0, msg, a);
    /* NextCommand beyond the message */
    b_hdr h4 = {.cmd = SMB2_CREATE, .mid = 31, .sid = 1, .tid = 1, .next = 4096};
    a = b_create_req(msg, &h4, &c2);
    send_msg(t, 0, msg, a);
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 2);
    smb_conn_flush(t->c);
    assert_int_equal(t->cap.n, 4); /* both requests were still seen once */
    assert_false(t->cap.facts[2].f.h.have_response);
    assert_string_equal(t->cap.facts[2].filename, "one");
    assert_string_equal(t->cap.facts[3].filename, "two");
    ctx_free(t);
}

static void test_pending_then_final(void **state)
{
    t_ctx *t = ctx_new();
    b_create cr = {0x12019f, 0, 3, 1, 0, "PSEXESVC"};
    b_hdr ch = {.cmd = SMB2_CREATE, .mid = 40, .sid = 1, .tid = 1};
    send_msg(t, 0, msg, b_create_req(msg, &ch, &cr));
    b_hdr interim = {
        .cmd = SMB2_CREATE, .flags = RSP | 2, .status = 0x103, .mid = 40, .sid = 1, .async_id = 7};
    send_msg(t, 1, msg, b_error_rsp(msg, &interim));
    assert_int_equal(t->cap.n, 0);
    b_hdr fin = {
        .cmd = SMB2_CREATE, .flags = RSP | 2, .status = 0xC00000AC, .mid = 40, .sid = 1, .async_id = 7};
    send_msg(t, 1, msg, b_error_rsp(msg, &fin));
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(t->cap.facts[0].f.h.status, 0xC00000AC);
    assert_string_equal(t->cap.facts[0].filename, "PSEXESVC");
    smb_conn_flush(t->c);
    assert_int_equal(t->cap.n, 1);
    ctx_free(t);
}

static void test_kerberos_and_anonymous(void **state)
{
    t_ctx *t = ctx_new();
    const uint8_t krb[] = {0x60, 0x11, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x12,
                           0x01, 0x02, 0x02, 0x01, 0x00, 0x6e, 0x02, 0x30, 0x00};
    b_hdr s = {.cmd = SMB2_SESSION_SETUP, .mid = 1};
    send_msg(t, 0, msg, b_sess_req(msg, &s, krb, sizeof(krb)));
    s.flags = RSP;
    s.sid = 0x77;
    send_msg(t, 1, msg, b_sess_rsp(msg, &s, 0));
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(t->cap.facts[0].f.h.who.auth, SMB_AUTH_KERBEROS);
    assert_true(t->cap.facts[0].user_null);

    uint8_t tok[200];
    size_t tl = b_ntlm_auth(tok, "", "", "");
    b_hdr a = {.cmd = SMB2_SESSION_SETUP, .mid = 2, .sid = 0x99};
    send_msg(t, 0, msg, b_sess_req(msg, &a, tok, tl));
    a.flags = RSP;
    send_msg(t, 1, msg, b_sess_rsp(msg, &a, 0x0002));
    assert_int_equal(t->cap.facts[1].f.h.who.auth, SMB_AUTH_ANONYMOUS);
    assert_string_equal(t->cap.facts[1].user, "");

    /* Every fact of a session names it the same way, whether the tree was
     * answered, flushed unanswered or a file was opened in it: the
     * anonymous logon keeps its empty user, Kerberos gives no names. */
    const uint64_t sids[2] = {0x99, 0x77};
    for (int i = 0; i < 2; i++) {
        int base = t->cap.n;
        b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 10 + 10 * (uint64_t)i, .sid = sids[i]};
        send_msg(t, 0, msg, b_tree_req(msg, &tc, "\\\\H\\IPC$"));
        tc.flags = RSP;
        tc.tid = 3;
        send_msg(t, 1, msg, b_tree_rsp(msg, &tc, 0)); /* no share type given: IPC$ is a pipe */
        b_create cr = {0x12019f, 0, 7, 1, 0, "srvsvc"};
        b_hdr ch = {.cmd = SMB2_CREATE, .mid = 11 + 10 * (uint64_t)i, .sid = sids[i], .tid = 3};
        send_msg(t, 0, msg, b_create_req(msg, &ch, &cr));
        ch.flags = RSP;
        send_msg(t, 1, msg, b_create_rsp(msg, &ch, 1, 1, 2));
        b_hdr t2 = {.cmd = SMB2_TREE_CONNECT, .mid = 12 + 10 * (uint64_t)i, .sid = sids[i]};
        send_msg(t, 0, msg, b_tree_req(msg, &t2, "\\\\H\\IPC$"));
        smb_conn_flush(t->c);
        assert_int_equal(t->cap.n, base + 3);
        for (int k = base; k < base + 3; k++) {
            cap_fact *f = &t->cap.facts[k];
            assert_int_equal(f->share_type, SMB_SHARE_PIPE);
            if (i == 0) {
                assert_int_equal(f->f.h.who.auth, SMB_AUTH_ANONYMOUS);
                assert_false(f->user_null);
                assert_string_equal(f->user, "");
            } else {
                assert_int_equal(f->f.h.who.auth, SMB_AUTH_KERBEROS);
                assert_true(f->user_null);
                assert_true(f->domain_null);
            }
        }
    }
    ctx_free(t);
}

/* TREE_CONNECT on 3.1.1 with the extension: path after the 16-byte extension header */
static void test_tree_connect_extension(void **state)
{
    t_ctx *t = ctx_new();
    b_hdr h = {.cmd = SMB2_NEGOTIATE, .flags = RSP};
    send_msg(t, 1, msg, b_negotiate_rsp(msg, &h, 0x0311));
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 3, .sid = 1};
    size_t n = b_smb2_hdr(msg, &tc);
    memset(msg + n, 0, 24);
    tu_le16(msg + n, 9);
    tu_le16(msg + n + 2, 0x0004);
    tu_le16(msg + n + 4, 72); /* points at the extension */
    size_t pl = tu_utf16(msg + 88, "\\\\H\\IPC$");
    tu_le16(msg + n + 6, (uint16_t)pl);
    send_msg(t, 0, msg, 88 + pl);
    tc.flags = RSP;
    tc.tid = 1;
    send_msg(t, 1, msg, b_tree_rsp(msg, &tc, 2));
    assert_int_equal(t->cap.n, 2);
    assert_string_equal(t->cap.facts[1].share, "\\\\H\\IPC$");
    ctx_free(t);
}

/* svcctl: BIND then CreateServiceW REQUEST written to the \svcctl pipe. */
static size_t rpc_bind(uint8_t *p)
{
    rb b = {p, 0, true};
    rb_ctx svcctl = {0, RB_SVCCTL, 2, 0};
    return rb_bind(&b, DCERPC_BIND, 1, &svcctl, 1);
}

/* A whole REQUEST (call id 2, context 0) of opnum with stub. */
static size_t rpc_request(uint8_t *p, uint16_t opnum, const uint8_t *stub, size_t slen)
{
    rb b = {p, 0, true};
    return rb_request(&b, 3, 2, 0, opnum, stub, slen, 0, 0);
}

static size_t ndr_str(uint8_t *p, size_t off, const char *s)
{
    while (off & 3)
        p[off++] = 0;
    uint32_t n = (uint32_t)strlen(s) + 1;
    off += tu_le32(p + off, n);
    off += tu_le32(p + off, 0);
    off += tu_le32(p + off, n);
    off += tu_utf16(p + off, s);
    p[off++] = 0;
    p[off++] = 0;
    return off;
}

static size_t create_service_stub(uint8_t *p, int with_account)
{
    size_t o = 20; /* policy handle */
    memset(p, 0, 20);
    o = ndr_str(p, o, "EvilSvc");
    while (o & 3)
        p[o++] = 0;
    o += tu_le32(p + o, 0x20000);
    o = ndr_str(p, o, "Evil Display");
    while (o & 3)
        p[o++] = 0;
    o += tu_le32(p + o, 0xF01FF);
    o += tu_le32(p + o, 0x10);
    o += tu_le32(p + o, 3);
    o += tu_le32(p + o, 1);
    o = ndr_str(p, o, "%SystemRoot%\\evil.exe");
    while (o & 3)
        p[o++] = 0;
    o += tu_le32(p + o, 0); /* lpLoadOrderGroup */
    o += tu_le32(p + o, 0); /* lpdwTagId */
    o += tu_le32(p + o, 0); /* lpDependencies */
    o += tu_le32(p + o, 0); /* dwDependSize */
    if (with_account) {
        o += tu_le32(p + o, 0x20004);
        o = ndr_str(p, o, "LocalSystem");
        while (o & 3)
            p[o++] = 0;
    } else {
        o += tu_le32(p + o, 0);
    }
    o += tu_le32(p + o, 0); /* lpPassword */
    o += tu_le32(p + o, 0); /* dwPwSize */
    return o;
}

static void test_svcctl_create_service(void **state)
{
    t_ctx *t = pipe_open("svcctl");
    uint8_t rpc[1024], stub[800];
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 3, .sid = 4, .tid = 1};
    size_t rl = rpc_bind(rpc);
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    size_t sl = create_service_stub(stub, 1);
    rl = rpc_request(rpc, 12, stub, sl);
    w.mid = 4;
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    assert_int_equal(t->cap.n, 2); /* the call is reported at its end */
    /* the answer, through a READ: ERROR_SERVICE_EXISTS */
    uint8_t out[64], ret[28] = {0};
    ret[4] = 0x77; /* the handle */
    tu_le32(ret + 24, 1073);
    rb ob = {out, 0, true};
    rb_response(&ob, 3, 2, 0, ret, sizeof ret, 0, 0);
    b_hdr rd = {.cmd = SMB2_READ, .mid = 40, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_read_req(msg, &rd, 0xA, 0xB));
    rd.flags = RSP;
    send_msg(t, 1, msg, b_read_rsp(msg, &rd, out, 52));
    assert_int_equal(t->cap.n, 3);
    cap_fact *f = &t->cap.facts[2];
    assert_int_equal(f->f.h.kind, SMB_FACT_SERVICE);
    assert_true(f->f.h.have_response);
    assert_int_equal(f->f.u.service.opnum, 12);
    assert_true(f->f.u.service.have_return);
    assert_int_equal(f->f.u.service.return_code, 1073);
    assert_int_equal(f->f.h.message_id, 4); /* the write of the request */
    assert_string_equal(f->svc, "EvilSvc");
    assert_string_equal(f->svc_display, "Evil Display");
    assert_string_equal(f->svc_bin, "%SystemRoot%\\evil.exe");
    assert_int_equal(f->f.u.service.service_type, 0x10);
    assert_int_equal(f->f.u.service.start_type, 3);
    assert_int_equal(f->f.u.service.account_present, 1);
    assert_string_equal(f->filename, "svcctl");
    assert_string_equal(f->share, "\\\\DC\\IPC$");

    /* the NDR parser on its own: a string count past the stub is rejected */
    svcctl_create_service sc;
    sl = create_service_stub(stub, 0);
    assert_true(svcctl_decode_create_service(stub, sl, true, 12, &sc));
    assert_false(sc.account_present);
    tu_le32(stub + 28, 0x7FFFFFFF); /* ActualCount of lpServiceName */
    assert_false(svcctl_decode_create_service(stub, sl, true, 12, &sc));
    assert_false(svcctl_decode_create_service(stub, 30, true, 12, &sc));
    assert_false(svcctl_decode_create_service(stub, sl, true, 13, &sc));

    /* a REQUEST on a pipe never bound to svcctl gives nothing */
    b_create c2 = {0x12019f, 0, 7, 1, 0, "srvsvc"};
    b_hdr h2 = {.cmd = SMB2_CREATE, .mid = 5, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_create_req(msg, &h2, &c2));
    h2.flags = RSP;
    send_msg(t, 1, msg, b_create_rsp(msg, &h2, 1, 0xC, 0xD));
    sl = create_service_stub(stub, 0);
    rl = rpc_request(rpc, 12, stub, sl);
    w.mid = 6;
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xC, 0xD, rpc, rl));
    assert_int_equal(t->cap.n, 4);
    ctx_free(t);
}

/* One svcctl call through IOCTL FSCTL_PIPE_TRANSCEIVE on pipe (0xA, 0xB). */
static void svc_exchange(t_ctx *t, uint64_t mid, uint32_t call_id, uint16_t opnum, const uint8_t *stub, size_t sl,
                         const uint8_t *rstub, size_t rl)
{
    static uint8_t rpc[1024];
    size_t n = rpc_request(rpc, opnum, stub, sl);
    tu_le32(rpc + 12, call_id);
    b_hdr io = {.cmd = SMB2_IOCTL, .mid = mid, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_ioctl(msg, &io, false, 0xA, 0xB, rpc, n));
    rb b = {rpc, 0, true};
    n = rb_response(&b, 3, call_id, 0, rstub, rl, 0, 0);
    io.flags = RSP;
    send_msg(t, 1, msg, b_ioctl(msg, &io, true, 0xA, 0xB, rpc, n));
}

/* The handles the responses return name the service of later calls; a
 * closed handle names nothing; a CreateService refused is reported with its
 * return code. */
static void test_svcctl_handles(void **state)
{
    t_ctx *t = pipe_open("svcctl");
    uint8_t rpc[256], stub[256], rsp[64];
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 3, .sid = 4, .tid = 1};
    size_t bl = rpc_bind(rpc);
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, bl));
    assert_int_equal(t->cap.n, 2);

    /* OpenServiceW "Spooler" -> handle 0x5a.. */
    memset(stub, 0x11, 20);
    size_t sl = ndr_str(stub, 20, "Spooler");
    while (sl & 3)
        stub[sl++] = 0;
    sl += tu_le32(stub + sl, 0xF01FF);
    memset(rsp, 0x5a, 20);
    tu_le32(rsp + 20, 0);
    svc_exchange(t, 10, 5, SVCCTL_OPEN_SERVICE_W, stub, sl, rsp, 24);
    assert_int_equal(t->cap.n, 3);
    assert_string_equal(t->cap.facts[2].svc, "Spooler");

    /* StartServiceW on that handle names Spooler */
    memset(stub, 0x5a, 20);
    tu_le32(stub + 20, 0);
    tu_le32(stub + 24, 0);
    tu_le32(rsp, 0);
    svc_exchange(t, 11, 6, SVCCTL_START_SERVICE_W, stub, 28, rsp, 4);
    assert_int_equal(t->cap.n, 4);
    cap_fact *f = &t->cap.facts[3];
    assert_int_equal(f->f.u.service.opnum, SVCCTL_START_SERVICE_W);
    assert_string_equal(f->f.u.service.operation, "RStartServiceW");
    assert_string_equal(f->svc, "Spooler");
    assert_int_equal(f->f.u.service.return_code, 0);

    /* ChangeServiceConfigW on it: the new path, the start type kept */
    memset(stub, 0x5a, 20);
    sl = 20;
    sl += tu_le32(stub + sl, 0xffffffff);
    sl += tu_le32(stub + sl, 0xffffffff);
    sl += tu_le32(stub + sl, 0xffffffff);
    sl += tu_le32(stub + sl, 0x20000);
    sl = ndr_str(stub, sl, "cmd.exe /c calc");
    svc_exchange(t, 12, 7, SVCCTL_CHANGE_SERVICE_CONFIG_W, stub, sl, rsp, 8);
    assert_int_equal(t->cap.n, 5);
    f = &t->cap.facts[4];
    assert_string_equal(f->svc, "Spooler");
    assert_string_equal(f->svc_bin, "cmd.exe /c calc");
    assert_int_equal(f->f.u.service.start_type, 0xffffffff);
    /* every call also has its dcerpc fact, the decoder's reading on it */
    assert_int_equal(t->cap.nrpc, 3);
    const cap_rpc *r = &t->cap.rpc[2];
    assert_string_equal(r->interface, "svcctl");
    assert_string_equal(r->operation, "RChangeServiceConfigW");
    assert_string_equal(r->object, "Spooler");
    assert_string_equal(r->binary_path, "cmd.exe /c calc");
    assert_int_equal(r->f.u.rpc.call_id, 7);
    assert_int_equal(r->f.u.rpc.opnum, 11);
    assert_true(r->f.u.rpc.have_request);
    assert_true(r->f.u.rpc.have_response);
    assert_int_equal(r->f.u.rpc.request_frags, 1);
    assert_int_equal(r->f.u.rpc.response_frags, 1);
    assert_int_equal(r->f.u.rpc.response_len, 8);
    assert_true(r->f.u.rpc.have_return);
    assert_false(r->f.u.rpc.encrypted);
    assert_string_equal(r->uuid, "367abb81-9844-35f1-ad32-98f038001003");
    assert_int_equal(r->f.u.rpc.pipe.have_file_id, 1);
    assert_int_equal(r->f.h.message_id, 12);

    /* CloseServiceHandle: no fact; the handle names nothing after it */
    memset(stub, 0x5a, 20);
    memset(rsp, 0, 24);
    svc_exchange(t, 13, 8, SVCCTL_CLOSE_SERVICE_HANDLE, stub, 20, rsp, 24);
    assert_int_equal(t->cap.n, 5);
    memset(stub, 0x5a, 20);
    svc_exchange(t, 14, 9, SVCCTL_DELETE_SERVICE, stub, 20, rsp, 4);
    assert_int_equal(t->cap.n, 6);
    assert_null(t->cap.facts[5].f.u.service.name);

    /* a fault: no return code, the fault's status */
    memset(stub, 0x22, 20);
    size_t n = rpc_request(rpc, SVCCTL_DELETE_SERVICE, stub, 20);
    tu_le32(rpc + 12, 10);
    b_hdr io = {.cmd = SMB2_IOCTL, .mid = 15, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_ioctl(msg, &io, false, 0xA, 0xB, rpc, n));
    rb fb = {rpc, 0, true};
    n = rb_fault(&fb, 10, 0, 0x1c010002); /* nca_s_op_rng_error */
    io.flags = RSP;
    send_msg(t, 1, msg, b_ioctl(msg, &io, true, 0xA, 0xB, rpc, n));
    assert_int_equal(t->cap.n, 7);
    f = &t->cap.facts[6];
    assert_true(f->f.u.service.fault);
    assert_true(f->f.h.have_response);
    /* CloseServiceHandle has no service fact, but a dcerpc one */
    assert_int_equal(t->cap.nrpc, 6);
    assert_string_equal(t->cap.rpc[3].operation, "RCloseServiceHandle");
    assert_true(t->cap.rpc[5].f.u.rpc.fault);
    assert_int_equal(t->cap.rpc[5].f.u.rpc.fault_status, 0x1c010002);
    assert_int_equal(f->f.u.service.fault_status, 0x1c010002);
    assert_int_equal(f->f.h.status, 0);
    assert_false(f->f.u.service.have_return);
    ctx_free(t);
}

static const uint8_t RB_TSCH[16] = {0x86, 0xd3, 0x59, 0x49, 0x83, 0xc9, 0x40, 0x44,
                                    0xb4, 0x24, 0xdb, 0x36, 0x32, 0x31, 0xfd, 0x0c};

/* atexec: a bind to ITaskSchedulerService whose AUTH3 carries its own
 * NTLMSSP logon, then SchRpcRegisterTask answered S_OK: a task fact named
 * by the request, with the XML, in the bind's identity. */
static void test_task_register_bind_identity(void **state)
{
    t_ctx *t = pipe_open("atsvc");
    static uint8_t pdu[4096];
    rb b = {pdu, 0, true};
    rb_ctx ctx = {0, RB_TSCH, 1, 0};
    size_t pl = rb_bind(&b, DCERPC_BIND, 1, &ctx, 1);
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 3, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, pdu, pl));
    uint16_t ok = 0;
    pl = rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1);
    b_hdr rd = {.cmd = SMB2_READ, .mid = 4, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_read_req(msg, &rd, 0xA, 0xB));
    rd.flags = RSP;
    send_msg(t, 1, msg, b_read_rsp(msg, &rd, pdu, pl));
    /* AUTH3: header, 4 bytes of padding, the verifier with the AUTHENTICATE */
    uint8_t tok[512];
    size_t tl = b_ntlm_auth(tok, "EXAMPLE", "Administrator", "ATTACKER");
    rb_hdr(&b, DCERPC_AUTH3, 0x03, 1);
    rb_u32(&b, 0);
    rb_u8(&b, 10); /* NTLMSSP */
    rb_u8(&b, 2);  /* connect: the calls stay in clear */
    rb_u8(&b, 0);
    rb_u8(&b, 0);
    rb_u32(&b, 1);
    rb_bytes(&b, tok, tl);
    tu_le16(pdu + 8, (uint16_t)b.n);
    tu_le16(pdu + 10, (uint16_t)tl);
    w.mid = 5;
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, pdu, b.n));

    static uint8_t stub[2048];
    rb s = {stub, 0, true};
    const char *path = "\\CYAlyNSS";
    const char *xml = "<Task><Actions><Exec><Command>cmd.exe</Command></Exec></Actions></Task>";
    const char *strs[2] = {path, xml};
    rb_u32(&s, 0x20000);
    for (int k = 0; k < 2; k++) {
        uint32_t n = (uint32_t)strlen(strs[k]) + 1;
        rb_align(&s, 4);
        rb_u32(&s, n);
        rb_u32(&s, 0);
        rb_u32(&s, n);
        for (uint32_t i = 0; i < n; i++)
            rb_u16(&s, (uint16_t)strs[k][i]);
    }
    rb_align(&s, 4);
    rb_u32(&s, 6);
    rb_u32(&s, 0);
    rb_u32(&s, 3);
    rb_u32(&s, 0);
    rb_u32(&s, 0);
    pl = rb_request(&b, 3, 2, 0, 1, stub, s.n, 0, 0);
    b_hdr io = {.cmd = SMB2_IOCTL, .mid = 6, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_ioctl(msg, &io, false, 0xA, 0xB, pdu, pl));
    uint8_t out[16] = {0}; /* pActualPath NULL, pErrorInfo NULL, S_OK */
    pl = rb_response(&b, 3, 2, 0, out, 12, 0, 0);
    io.flags = RSP;
    send_msg(t, 1, msg, b_ioctl(msg, &io, true, 0xA, 0xB, pdu, pl));

    assert_int_equal(t->cap.n, 3);
    cap_fact *f = &t->cap.facts[2];
    assert_int_equal(f->f.h.kind, SMB_FACT_TASK);
    assert_false(f->f.u.task.atsvc);
    assert_int_equal(f->f.u.task.opnum, 1);
    assert_true(f->f.u.task.have_return);
    assert_int_equal(f->f.u.task.return_code, 0);
    assert_true(f->f.u.task.bind_identity);
    assert_string_equal(f->user, "Administrator");
    assert_string_equal(f->domain, "EXAMPLE");
    assert_string_equal(f->ws, "ATTACKER");
    assert_string_equal(f->svc, "\\CYAlyNSS"); /* the task name, captured by the sink */
    assert_string_equal(f->svc_bin, xml);
    ctx_free(t);
}

/* A CreateService request in two fragments over two WRITEs gives one fact,
 * once whole; READ and IOCTL answers end their calls (pipe responses). */
static void test_svcctl_fragments_and_responses(void **state)
{
    t_ctx *t = pipe_open("svcctl");
    uint8_t rpc[1024], stub[800];
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 3, .sid = 4, .tid = 1};
    size_t rl = rpc_bind(rpc);
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    size_t sl = create_service_stub(stub, 0);
    size_t half = 37;
    rl = rpc_request(rpc, 45, stub, half);
    rpc[3] = 1; /* first fragment only */
    w.mid = 4;
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    assert_int_equal(t->cap.n, 2); /* not whole yet */
    rl = rpc_request(rpc, 45, stub + half, sl - half);
    rpc[3] = 2; /* last fragment */
    w.mid = 5;
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    assert_int_equal(t->cap.n, 2); /* whole, but not answered yet */
    assert_int_equal(smb_conn_get_stats(t->c)->rpc_calls, 0);

    /* the answer comes back through a READ: the call ends */
    uint8_t out[64], ret[32] = {0};
    rb ob = {out, 0, true};
    rb_response(&ob, 3, 2, 0, ret, sizeof ret, 0, 0); /* call_id of rpc_request */
    b_hdr rd = {.cmd = SMB2_READ, .mid = 6, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_read_req(msg, &rd, 0xA, 0xB));
    rd.flags = RSP;
    send_msg(t, 1, msg, b_read_rsp(msg, &rd, out, 56));
    assert_int_equal(t->cap.n, 3);
    cap_fact *f = &t->cap.facts[2];
    assert_int_equal(f->f.h.kind, SMB_FACT_SERVICE);
    assert_int_equal(f->f.u.service.opnum, 45);
    assert_string_equal(f->svc, "EvilSvc");
    assert_string_equal(f->svc_bin, "%SystemRoot%\\evil.exe");
    assert_int_equal(f->f.h.message_id, 5); /* the write that completed it */
    assert_true(f->f.u.service.have_return);
    assert_int_equal(f->f.u.service.return_code, 0);
    assert_int_equal(smb_conn_get_stats(t->c)->rpc_calls, 1);
    assert_int_equal(smb_conn_get_stats(t->c)->orphan_responses, 0);

    /* IOCTL FSCTL_PIPE_TRANSCEIVE: request and answer in one exchange */
    rl = rpc_request(rpc, 15, stub, 20);
    tu_le32(rpc + 12, 9);
    b_hdr io = {.cmd = SMB2_IOCTL, .mid = 7, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_ioctl(msg, &io, false, 0xA, 0xB, rpc, rl));
    tu_le32(out + 12, 9);
    io.flags = RSP;
    send_msg(t, 1, msg, b_ioctl(msg, &io, true, 0xA, 0xB, out, 56));
    assert_int_equal(smb_conn_get_stats(t->c)->rpc_calls, 2);
    assert_int_equal(smb_conn_get_stats(t->c)->rpc_broken_calls, 0);
    assert_int_equal(t->cap.n, 4); /* OpenSCManagerW (no machine, no database) */
    assert_int_equal(t->cap.facts[3].f.u.service.opnum, 15);
    assert_int_equal(t->cap.facts[3].f.h.message_id, 7);

    /* a request whose answer never comes ends with the pipe's CLOSE */
    rl = rpc_request(rpc, 16, stub, 20);
    tu_le32(rpc + 12, 11);
    w.mid = 8;
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    b_hdr cl = {.cmd = SMB2_CLOSE, .mid = 9, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_close_req(msg, &cl, 0xA, 0xB));
    cl.flags = RSP;
    send_msg(t, 1, msg, b_close_rsp(msg, &cl));
    assert_int_equal(smb_conn_get_stats(t->c)->rpc_calls, 3);
    /* the CLOSE fact, then the unanswered OpenServiceW the CLOSE ended (its stub
     * cut: no name) */
    assert_int_equal(t->cap.n, 6);
    assert_int_equal(t->cap.facts[4].f.h.kind, SMB_FACT_CLOSE);
    f = &t->cap.facts[5];
    assert_int_equal(f->f.h.kind, SMB_FACT_SERVICE);
    assert_int_equal(f->f.u.service.opnum, 16);
    assert_false(f->f.h.have_response);
    assert_false(f->f.u.service.have_return);
    assert_null(f->f.u.service.name);
    ctx_free(t);
}

/* Bytes of a pipe that are not DCE/RPC (PsExec's stdin) are not parsed. */
static void test_pipe_not_rpc(void **state)
{
    t_ctx *t = pipe_open("PSEXESVC-stdin");
    uint8_t rpc[1024];
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 3, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, (const uint8_t *)"dir\r\n", 5));
    /* later bytes that would parse are not looked at any more */
    w.mid = 4;
    size_t rl = rpc_bind(rpc);
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    smb_conn_flush(t->c);
    assert_int_equal(smb_conn_get_stats(t->c)->rpc_calls, 0);
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 0);
    assert_int_equal(t->cap.n, 2);
    ctx_free(t);
}

/* A file id answered again without its CLOSE seen is a new pipe: what was
 * bound on the old one does not carry over. */
static void test_file_id_reused(void **state)
{
    t_ctx *t = ipc_connect();
    const char *names[2] = {"svcctl", "srvsvc"};
    for (uint64_t i = 0; i < 2; i++) {
        b_create cr = {0x12019f, 0, 7, 1, 0, names[i]};
        b_hdr ch = {.cmd = SMB2_CREATE, .mid = 2 + i, .sid = 4, .tid = 1};
        send_msg(t, 0, msg, b_create_req(msg, &ch, &cr));
        ch.flags = RSP;
        send_msg(t, 1, msg, b_create_rsp(msg, &ch, 1, 0xA, 0xB));
        if (i == 0) {
            uint8_t rpc[128];
            size_t rl = rpc_bind(rpc);
            b_hdr w = {.cmd = SMB2_WRITE, .mid = 10, .sid = 4, .tid = 1};
            send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
        }
    }
    uint8_t rpc[1024], stub[800];
    size_t sl = create_service_stub(stub, 0);
    size_t rl = rpc_request(rpc, 12, stub, sl);
    b_hdr w = {.cmd = SMB2_WRITE, .mid = 11, .sid = 4, .tid = 1};
    send_msg(t, 0, msg, b_write_req(msg, &w, 0xA, 0xB, rpc, rl));
    assert_int_equal(t->cap.n, 3); /* tree, two creates: no service */
    assert_string_equal(t->cap.facts[2].filename, "srvsvc");
    ctx_free(t);
}

/* The server's CHALLENGE names it: every fact of the connection carries
 * the names, also those of a later Kerberos session on it. */
static void test_challenge_names_server(void **state)
{
    t_ctx *t = ctx_new();
    uint8_t tok[600];
    memset(tok, 0, 40);
    memcpy(tok, "NTLMSSP", 8);
    tu_le32(tok + 8, 1);
    b_hdr s1 = {.cmd = SMB2_SESSION_SETUP, .mid = 1};
    send_msg(t, 0, msg, b_sess_req(msg, &s1, tok, 40));
    size_t cl =
        b_ntlm_challenge(tok, "3B", "01566S-WIN16-IR", "3B", "01566s-win16-ir.threebeesco.com", "threebeesco.com");
    s1.flags = RSP;
    s1.status = 0xC0000016;
    s1.sid = 0x11;
    send_msg(t, 1, msg, b_sess_rsp_blob(msg, &s1, tok, cl));
    assert_int_equal(t->cap.n, 0);
    /* AUTHENTICATE without a domain */
    size_t tl = b_ntlm_auth(tok, "", "backdoor", "WIN10");
    b_hdr s2 = {.cmd = SMB2_SESSION_SETUP, .mid = 2, .sid = 0x11};
    send_msg(t, 0, msg, b_sess_req(msg, &s2, tok, tl));
    s2.flags = RSP;
    send_msg(t, 1, msg, b_sess_rsp(msg, &s2, 0));
    assert_int_equal(t->cap.n, 1);
    cap_fact *f = &t->cap.facts[0];
    assert_string_equal(f->server_dns, "01566s-win16-ir.threebeesco.com");
    assert_string_equal(f->server_nb, "01566S-WIN16-IR");
    assert_string_equal(f->server_target, "3B");
    assert_string_equal(f->server_nb_domain, "3B");
    assert_true(f->domain_null); /* the wire's domain stays the wire's */
    b_hdr tc = {.cmd = SMB2_TREE_CONNECT, .mid = 3, .sid = 0x11};
    send_msg(t, 0, msg, b_tree_req(msg, &tc, "\\\\172.16.66.36\\IPC$"));
    tc.flags = RSP;
    tc.tid = 5;
    send_msg(t, 1, msg, b_tree_rsp(msg, &tc, 2));
    assert_int_equal(t->cap.n, 2);
    assert_string_equal(t->cap.facts[1].server_dns, "01566s-win16-ir.threebeesco.com");
    ctx_free(t);

    /* a capture without the CHALLENGE: the NTLMv2 response's echo of it */
    t = ctx_new();
    tl = b_ntlm_auth_v2(tok, "atlas.lab", "administrator", "WS", "DC_ATLAS", "ATLAS", "DC_ATLAS.atlas.lab");
    b_hdr s3 = {.cmd = SMB2_SESSION_SETUP, .mid = 7, .sid = 0x22};
    send_msg(t, 0, msg, b_sess_req(msg, &s3, tok, tl));
    s3.flags = RSP;
    send_msg(t, 1, msg, b_sess_rsp(msg, &s3, 0));
    assert_int_equal(t->cap.n, 1);
    f = &t->cap.facts[0];
    assert_string_equal(f->server_dns, "DC_ATLAS.atlas.lab");
    assert_string_equal(f->server_nb, "DC_ATLAS");
    assert_string_equal(f->server_nb_domain, "ATLAS");
    assert_string_equal(f->server_target, ""); /* only a CHALLENGE has one */
    assert_string_equal(f->user, "administrator");
    ctx_free(t);

    /* Kerberos alone names no server */
    t = ctx_new();
    static const uint8_t krb[] = {0x60, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
                                  0xf7, 0x12, 0x01, 0x02, 0x02, 0x01, 0x00};
    b_hdr s4 = {.cmd = SMB2_SESSION_SETUP, .mid = 1, .sid = 0x33};
    send_msg(t, 0, msg, b_sess_req(msg, &s4, krb, sizeof krb));
    s4.flags = RSP;
    send_msg(t, 1, msg, b_sess_rsp(msg, &s4, 0));
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(t->cap.facts[0].f.h.who.auth, SMB_AUTH_KERBEROS);
    assert_null(t->cap.facts[0].f.h.server.dns_computer);
    assert_null(t->cap.facts[0].f.h.server.target_name);
    ctx_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_chain_step),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_full_session),
        cmocka_unit_test(test_failures_and_disk_share),
        cmocka_unit_test(test_compound_related),
        cmocka_unit_test(test_compound_unrelated_and_bad),
        cmocka_unit_test(test_pending_then_final),
        cmocka_unit_test(test_kerberos_and_anonymous),
        cmocka_unit_test(test_tree_connect_extension),
        cmocka_unit_test(test_svcctl_create_service),
        cmocka_unit_test(test_svcctl_fragments_and_responses),
        cmocka_unit_test(test_svcctl_handles),
        cmocka_unit_test(test_task_register_bind_identity),
        cmocka_unit_test(test_pipe_not_rpc),
        cmocka_unit_test(test_file_id_reused),
        cmocka_unit_test(test_challenge_names_server),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
