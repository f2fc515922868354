/* SMB1 the way old clients and Metasploit speak it: OEM strings (FLAGS2
 * Unicode bit clear) in TREE_CONNECT_ANDX and file names, the legacy opens
 * (OPEN_ANDX, OPEN, CREATE, CREATE_NEW, TRANS2_OPEN2) with their AccessMode
 * mapped to the NT mask and paired with their answers (status, FID), the
 * FID then naming later writes (admin-share files to the write hook, pipes
 * to their DCE/RPC parser), WRITE_ANDX and WRITE. */
#include "rpc_build.h"
#include "smb1_build.h"

#include "protocols/dcerpc.h"
#include "protocols/smb1.h"

static uint8_t msg[4096], wire[4200];

enum { UID = 0x0801, TID = 0x0007 };

/* What the write hook was handed. */
typedef struct hooked {
    char share[64], name[64];
    uint16_t fid;
    uint64_t offset;
    uint8_t data[512];
    size_t len, missing;
} hooked;
static hooked writes[8];
static int nwrites;

static void on_write(void *ctx, const smb_write_data *w)
{
    (void)ctx;
    if (nwrites >= 8)
        return;
    hooked *h = &writes[nwrites++];
    snprintf(h->share, sizeof h->share, "%s", w->share);
    snprintf(h->name, sizeof h->name, "%s", w->filename);
    h->fid = (uint16_t)(w->file_id[0] | (w->file_id[1] << 8));
    h->offset = w->offset;
    h->len = w->len < sizeof h->data ? w->len : sizeof h->data;
    memcpy(h->data, w->data, h->len);
    h->missing = w->missing;
}

typedef struct t1 {
    capture cap;
    smb_conn *c;
} t1;

static t1 *t1_new(void)
{
    t1 *t = calloc(1, sizeof(*t));
    smb_sink sink = {cap_sink, &t->cap};
    t->c = smb_conn_new(NULL, sink);
    smb_conn_set_write_hook(t->c, on_write);
    nwrites = 0;
    return t;
}

static void t1_free(t1 *t)
{
    smb_conn_free(t->c);
    free(t);
}

static void send1(t1 *t, int dir, size_t n)
{
    size_t w = b_nbss(wire, msg, n);
    smb_conn_data(t->c, dir, wire, w);
}

/* An OEM tree connect to path, answered with tid. */
static void connect(t1 *t, uint16_t tid, uint16_t mid, const char *path, const char *service)
{
    send1(t, 0, s1_tree_req(msg, UID, mid, path, 1, false));
    send1(t, 1, s1_tree_rsp(msg, tid, UID, mid, service));
}

static const cap_fact *last(const t1 *t)
{
    return &t->cap.facts[t->cap.n - 1];
}

static void test_legacy_maps(void **state)
{
    /* MS-CIFS 3.3.5.5: AccessMode -> DesiredAccess as Windows servers map it */
    assert_int_equal(smb1_legacy_access(0x0000), 0x80000000u); /* read: GENERIC_READ */
    assert_int_equal(smb1_legacy_access(0x0011), 0x40000000u); /* write: GENERIC_WRITE */
    assert_int_equal(smb1_legacy_access(0x0042), 0xC0000000u); /* read/write */
    assert_int_equal(smb1_legacy_access(0x0003), 0xA0000000u); /* execute: GENERIC_READ|GENERIC_EXECUTE */
    assert_int_equal(smb1_legacy_access(0x00FF), 0xC0000000u); /* FCB: read/write */
    assert_int_equal(smb1_legacy_access(0x0004), 0); /* no such access */
    /* SharingMode -> ShareAccess */
    assert_int_equal(smb1_legacy_share(0x0010, "\\a.txt"), 0); /* exclusive */
    assert_int_equal(smb1_legacy_share(0x0020, "\\a.txt"), 1); /* deny write: share read */
    assert_int_equal(smb1_legacy_share(0x0030, "\\a.txt"), 2); /* deny read: share write */
    assert_int_equal(smb1_legacy_share(0x0040, "\\a.txt"), 3); /* deny none */
    /* compatibility mode: program files deny none, the others deny read */
    assert_int_equal(smb1_legacy_share(0x0000, "\\PSEXESVC.EXE"), 3);
    assert_int_equal(smb1_legacy_share(0x0000, "\\lib\\x.dll"), 3);
    assert_int_equal(smb1_legacy_share(0x0000, "\\a.txt"), 2);
    assert_int_equal(smb1_legacy_share(0x0000, "\\exe"), 2);
    /* OpenMode -> CreateDisposition */
    assert_int_equal(smb1_legacy_disposition(0x0001), 1); /* FILE_OPEN */
    assert_int_equal(smb1_legacy_disposition(0x0010), 2); /* FILE_CREATE */
    assert_int_equal(smb1_legacy_disposition(0x0011), 3); /* FILE_OPEN_IF */
    assert_int_equal(smb1_legacy_disposition(0x0002), 4); /* FILE_OVERWRITE */
    assert_int_equal(smb1_legacy_disposition(0x0012), 5); /* FILE_OVERWRITE_IF */
    assert_int_equal(smb1_legacy_disposition(0x0000), 0);
    (void)state;
}

/* TREE_CONNECT_ANDX: an OEM path starts right after the password, even at
 * an odd offset; a Unicode one is aligned with one pad byte. */
static void test_tree_connect_oem_and_unicode(void **state)
{
    t1 *t = t1_new();
    /* bytes start at 32 + 1 + 8 + 2 = 43; a 2-byte password puts the path at 45
     */
    size_t n = s1_tree_req(msg, UID, 1, "\\\\SRV\\ADMIN$", 2, false);
    assert_int_equal(msg[45], '\\');
    send1(t, 0, n);
    send1(t, 1, s1_tree_rsp(msg, TID, UID, 1, "A:"));
    assert_int_equal(t->cap.n, 1);
    assert_int_equal(last(t)->f.h.kind, SMB_FACT_TREE_CONNECT);
    assert_string_equal(last(t)->share, "\\\\SRV\\ADMIN$");
    assert_int_equal(last(t)->share_type, SMB_SHARE_DISK);

    n = s1_tree_req(msg, UID, 2, "\\\\SRV\\IPC$", 2, true);
    assert_int_equal(msg[45], 0); /* the pad */
    assert_int_equal(msg[46], '\\');
    send1(t, 0, n);
    send1(t, 1, s1_tree_rsp(msg, 8, UID, 2, "IPC"));
    assert_int_equal(t->cap.n, 2);
    assert_string_equal(last(t)->share, "\\\\SRV\\IPC$");
    assert_int_equal(last(t)->share_type, SMB_SHARE_PIPE);
    /* a Latin-1 byte of an OEM name comes out as its character */
    send1(t, 0, s1_tree_req(msg, UID, 3, "\\\\SRV\\D\xC9P\xD4T", 1, false));
    send1(t, 1, s1_tree_rsp(msg, 9, UID, 3, "A:"));
    assert_string_equal(last(t)->share, "\\\\SRV\\D\xC3\x89P\xC3\x94T");
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 0);
    t1_free(t);
}

/* OPEN_ANDX with an OEM name, answered with a FID: the CREATE fact of
 * NT_CREATE_ANDX; WRITE_ANDX and WRITE on that FID reach the write hook at
 * their file offsets (OffsetHigh included); CLOSE names the file. */
static void test_open_andx_oem_then_writes(void **state)
{
    t1 *t = t1_new();
    connect(t, TID, 1, "\\\\SRV\\ADMIN$", "A:");
    /* read/write, deny none; create, or truncate what exists */
    send1(t, 0, s1_open_andx_req(msg, TID, UID, 2, "\\PSEXESVC.EXE", 0x0042, 0x0012, false));
    assert_int_equal(t->cap.n, 1); /* the fact waits for the answer */
    send1(t, 1, s1_open_andx_rsp(msg, TID, UID, 2, 0x4001, 0x0002));
    assert_int_equal(t->cap.n, 2);
    const cap_fact *f = last(t);
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_int_equal(f->f.h.smb_version, 1);
    assert_int_equal(f->f.h.command, 0x2d);
    assert_true(f->f.h.have_request);
    assert_true(f->f.h.have_response);
    assert_int_equal(f->f.h.status, 0);
    assert_string_equal(f->share, "\\\\SRV\\ADMIN$");
    assert_string_equal(f->filename, "\\PSEXESVC.EXE");
    assert_int_equal(f->f.u.file.desired_access, 0xC0000000u);
    assert_int_equal(f->f.u.file.share_access, 3);
    assert_int_equal(f->f.u.file.create_disposition, 5);
    assert_int_equal(f->f.u.file.file_attributes, 0x20);
    assert_int_equal(f->f.u.file.create_action, 2); /* OpenResults 2: created */
    assert_true(f->f.u.file.have_file_id);
    assert_int_equal(f->f.u.file.file_id[0], 0x01);
    assert_int_equal(f->f.u.file.file_id[1], 0x40);

    uint8_t data[300];
    for (int i = 0; i < 300; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    send1(t, 0, s1_write_andx_req(msg, TID, UID, 3, 0x4001, 0, data, 200));
    send1(t, 0, s1_write_andx_req(msg, TID, UID, 4, 0x4001, 0x100000010ull, data + 200, 100));
    send1(t, 0, s1_write_req(msg, TID, UID, 5, 0x4001, 7, data, 33));
    assert_int_equal(nwrites, 3);
    assert_string_equal(writes[0].share, "\\\\SRV\\ADMIN$");
    assert_string_equal(writes[0].name, "\\PSEXESVC.EXE");
    assert_int_equal(writes[0].fid, 0x4001);
    assert_int_equal(writes[0].offset, 0);
    assert_int_equal(writes[0].len, 200);
    assert_int_equal(writes[0].missing, 0);
    assert_memory_equal(writes[0].data, data, 200);
    assert_int_equal(writes[1].offset, 0x100000010ull);
    assert_int_equal(writes[1].len, 100);
    assert_memory_equal(writes[1].data, data + 200, 100);
    assert_int_equal(writes[2].offset, 7);
    assert_int_equal(writes[2].len, 33);
    assert_memory_equal(writes[2].data, data, 33);
    /* a WRITE whose data block is not BufferFormat 0x01 is malformed */
    size_t n = s1_write_req(msg, TID, UID, 6, 0x4001, 0, data, 10);
    msg[32 + 1 + 10 + 2] = 0x05;
    send1(t, 0, n);
    assert_int_equal(nwrites, 3);
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 1);

    /* CLOSE of that FID names the file */
    s1b b;
    s1_start(&b, msg, 0x04, false, 0, TID, UID, 7, false);
    s1_words(&b, 3);
    s1_w16(&b, 0, 0x4001);
    send1(t, 0, s1_end(&b));
    send1(t, 1, s1_empty(msg, 0x04, 0, TID, UID, 7));
    assert_int_equal(t->cap.n, 3);
    assert_int_equal(last(t)->f.h.kind, SMB_FACT_CLOSE);
    assert_string_equal(last(t)->filename, "\\PSEXESVC.EXE");
    t1_free(t);
}

/* A Unicode OPEN_ANDX name starts at an odd offset (32 + 1 + 30 + 2 = 65):
 * one pad byte. A failed open gives its fact with the status, no FID. */
static void test_open_andx_unicode_pad_and_failure(void **state)
{
    t1 *t = t1_new();
    connect(t, TID, 1, "\\\\SRV\\IPC$", "IPC");
    size_t n = s1_open_andx_req(msg, TID, UID, 2, "\\x-stdin", 0x0041, 0x0001, true);
    assert_int_equal(msg[65], 0);
    assert_int_equal(msg[66], '\\');
    send1(t, 0, n);
    send1(t, 1, s1_empty(msg, 0x2d, 0xC0000034, TID, UID, 2));
    assert_int_equal(t->cap.n, 2);
    const cap_fact *f = last(t);
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_string_equal(f->filename, "\\x-stdin");
    assert_string_equal(f->share, "\\\\SRV\\IPC$");
    assert_int_equal(f->f.h.status, 0xC0000034);
    assert_int_equal(f->f.u.file.desired_access, 0x40000000u);
    assert_int_equal(f->f.u.file.share_access, 3);
    assert_int_equal(f->f.u.file.create_disposition, 1);
    assert_false(f->f.u.file.have_file_id);
    assert_int_equal(smb_conn_get_stats(t->c)->orphan_responses, 0);
    t1_free(t);
}

/* SMB_COM_OPEN, SMB_COM_CREATE, SMB_COM_CREATE_NEW: BufferFormat 0x04 and
 * the name; each answer's FID is recorded. */
static void test_core_opens(void **state)
{
    t1 *t = t1_new();
    connect(t, TID, 1, "\\\\SRV\\C$", "A:");
    /* OPEN for reading, compatibility mode, OEM */
    send1(t, 0, s1_core_open_req(msg, 0x02, TID, UID, 2, "\\boot.ini", 0x0000, false));
    send1(t, 1, s1_core_open_rsp(msg, 0x02, TID, UID, 2, 0x11));
    const cap_fact *f = last(t);
    assert_int_equal(t->cap.n, 2);
    assert_int_equal(f->f.h.command, 0x02);
    assert_string_equal(f->filename, "\\boot.ini");
    assert_string_equal(f->share, "\\\\SRV\\C$");
    assert_int_equal(f->f.u.file.desired_access, 0x80000000u);
    assert_int_equal(f->f.u.file.share_access, 2);
    assert_int_equal(f->f.u.file.create_disposition, 1);
    assert_int_equal(f->f.u.file.create_action, 1);
    assert_int_equal(f->f.u.file.file_id[0], 0x11);
    /* CREATE (create or truncate), Unicode */
    send1(t, 0, s1_core_open_req(msg, 0x03, TID, UID, 3, "\\run.bat", 0x0020, true));
    send1(t, 1, s1_core_open_rsp(msg, 0x03, TID, UID, 3, 0x12));
    f = last(t);
    assert_int_equal(f->f.h.command, 0x03);
    assert_string_equal(f->filename, "\\run.bat");
    assert_int_equal(f->f.u.file.desired_access, 0xC0000000u);
    assert_int_equal(f->f.u.file.share_access, 2);
    assert_int_equal(f->f.u.file.create_disposition, 5);
    assert_int_equal(f->f.u.file.file_attributes, 0x20);
    assert_int_equal(f->f.u.file.create_action, 0); /* created or truncated: the answer does not say */
    /* CREATE_NEW of a program file: compatibility mode shares it */
    send1(t, 0, s1_core_open_req(msg, 0x0f, TID, UID, 4, "\\svc.exe", 0, false));
    send1(t, 1, s1_core_open_rsp(msg, 0x0f, TID, UID, 4, 0x13));
    f = last(t);
    assert_int_equal(t->cap.n, 4);
    assert_int_equal(f->f.h.command, 0x0f);
    assert_string_equal(f->filename, "\\svc.exe");
    assert_int_equal(f->f.u.file.share_access, 3);
    assert_int_equal(f->f.u.file.create_disposition, 2);
    assert_int_equal(f->f.u.file.create_action, 2);
    /* writes to the new file are C$'s: the write hook has them */
    const uint8_t data[8] = {'M', 'Z', 0x90, 0x00, 'a', 'b', 'c', 'd'};
    send1(t, 0, s1_write_andx_req(msg, TID, UID, 5, 0x13, 0, data, 8));
    assert_int_equal(nwrites, 1);
    assert_string_equal(writes[0].name, "\\svc.exe");
    assert_string_equal(writes[0].share, "\\\\SRV\\C$");
    /* BufferFormat other than 0x04: malformed, nothing pending */
    size_t n = s1_core_open_req(msg, 0x02, TID, UID, 6, "\\x", 0, false);
    msg[32 + 1 + 4 + 2] = 0x02;
    send1(t, 0, n);
    send1(t, 1, s1_core_open_rsp(msg, 0x02, TID, UID, 6, 0x14));
    assert_int_equal(t->cap.n, 4);
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 1);
    assert_int_equal(smb_conn_get_stats(t->c)->orphan_responses, 1);
    t1_free(t);
}

/* TRANS2_OPEN2, Unicode and OEM: the name in the parameters; an interim
 * answer is not the answer; other TRANSACTION2 subcommands are not opens. */
static void test_trans2_open2(void **state)
{
    t1 *t = t1_new();
    connect(t, TID, 1, "\\\\SRV\\ADMIN$", "A:");
    send1(t, 0, s1_open2_req(msg, TID, UID, 2, "\\Temp\\evil.dll", 0x0012, 0x0011, true));
    send1(t, 1, s1_empty(msg, 0x32, 0, TID, UID, 2)); /* interim */
    assert_int_equal(t->cap.n, 1);
    send1(t, 1, s1_open2_rsp(msg, TID, UID, 2, 0x21, 0x0002));
    assert_int_equal(t->cap.n, 2);
    const cap_fact *f = last(t);
    assert_int_equal(f->f.h.kind, SMB_FACT_CREATE);
    assert_int_equal(f->f.h.command, 0x32);
    assert_string_equal(f->filename, "\\Temp\\evil.dll");
    assert_int_equal(f->f.u.file.desired_access, 0xC0000000u);
    assert_int_equal(f->f.u.file.share_access, 0); /* exclusive */
    assert_int_equal(f->f.u.file.create_disposition, 3);
    assert_int_equal(f->f.u.file.file_attributes, 0x20);
    assert_int_equal(f->f.u.file.create_action, 2);
    assert_int_equal(f->f.u.file.file_id[0], 0x21);

    send1(t, 0, s1_open2_req(msg, TID, UID, 3, "\\notes.txt", 0x0000, 0x0001, false));
    send1(t, 1, s1_open2_rsp(msg, TID, UID, 3, 0x22, 0x0001));
    f = last(t);
    assert_int_equal(t->cap.n, 3);
    assert_string_equal(f->filename, "\\notes.txt");
    assert_int_equal(f->f.u.file.desired_access, 0x80000000u);
    assert_int_equal(f->f.u.file.create_action, 1);

    /* TRANS2_QUERY_PATH_INFORMATION (5): no pending open, no fact, no orphan */
    size_t n = s1_open2_req(msg, TID, UID, 4, "\\x", 0, 1, false);
    tu_le16(msg + 32 + 1 + 28, 0x0005);
    send1(t, 0, n);
    send1(t, 1, s1_open2_rsp(msg, TID, UID, 4, 0x23, 1));
    assert_int_equal(t->cap.n, 3);
    assert_int_equal(smb_conn_get_stats(t->c)->orphan_responses, 0);
    assert_int_equal(smb_conn_get_stats(t->c)->malformed, 0);
    t1_free(t);
}

/* A legacy open never answered is flushed as an unanswered CREATE. */
static void test_open_unanswered(void **state)
{
    t1 *t = t1_new();
    connect(t, TID, 1, "\\\\SRV\\IPC$", "IPC");
    send1(t, 0, s1_open_andx_req(msg, TID, UID, 2, "\\evil-stdout", 0x0040, 0x0001, false));
    send1(t, 0, s1_open2_req(msg, TID, UID, 3, "\\evil-stderr", 0x0040, 0x0001, false));
    smb_conn_flush(t->c);
    assert_int_equal(t->cap.n, 3);
    assert_int_equal(t->cap.facts[1].f.h.kind, SMB_FACT_CREATE);
    assert_false(t->cap.facts[1].f.h.have_response);
    assert_string_equal(t->cap.facts[1].filename, "\\evil-stdout");
    assert_string_equal(t->cap.facts[1].share, "\\\\SRV\\IPC$");
    assert_int_equal(t->cap.facts[1].f.u.file.desired_access, 0x80000000u);
    assert_string_equal(t->cap.facts[2].filename, "\\evil-stderr");
    assert_int_equal(t->cap.facts[2].f.h.command, 0x32);
    t1_free(t);
}

/* READ_ANDX request and response of the pipe's bytes. */
static void read_andx(t1 *t, uint16_t mid, uint16_t fid, const uint8_t *data, size_t len)
{
    s1b b;
    s1_start(&b, msg, 0x2e, false, 0, TID, UID, mid, false);
    s1_words(&b, 12);
    b.p[b.words] = 0xFF;
    s1_w16(&b, 4, fid);
    s1_w16(&b, 10, 1024);
    send1(t, 0, s1_end(&b));
    s1_start(&b, msg, 0x2e, true, 0, TID, UID, mid, false);
    s1_words(&b, 12);
    b.p[b.words] = 0xFF;
    s1_w16(&b, 10, (uint16_t)len);
    while (b.n % 4)
        s1_byte(&b, 0);
    s1_w16(&b, 12, (uint16_t)b.n);
    s1_raw(&b, data, len);
    send1(t, 1, s1_end(&b));
}

/* A pipe opened with OPEN_ANDX carries DCE/RPC: the FID of its answer
 * names the pipe whose WRITE_ANDX / READ_ANDX bytes make the call. */
static void test_open_andx_pipe_rpc(void **state)
{
    t1 *t = t1_new();
    connect(t, 8, 1, "\\\\SRV\\IPC$", "IPC");
    send1(t, 0, s1_open_andx_req(msg, 8, UID, 2, "\\svcctl", 0x0042, 0x0001, false));
    send1(t, 1, s1_open_andx_rsp(msg, 8, UID, 2, 0x4002, 0x0001));
    assert_int_equal(t->cap.n, 2);
    static uint8_t pdu[1024];
    rb b = {pdu, 0, true};
    rb_ctx ctx = {0, RB_SVCCTL, 2, 0};
    size_t pl = rb_bind(&b, DCERPC_BIND, 1, &ctx, 1);
    send1(t, 0, s1_write_andx_req(msg, 8, UID, 3, 0x4002, 0, pdu, (uint32_t)pl));
    uint16_t ok = 0;
    pl = rb_bind_ack(&b, DCERPC_BIND_ACK, 1, &ok, 1);
    read_andx(t, 4, 0x4002, pdu, pl);
    const uint8_t stub[20] = {0}; /* the service handle */
    pl = rb_request(&b, 3, 2, 0, 0 /* RCloseServiceHandle */, stub, sizeof stub, 0, 0);
    send1(t, 0, s1_write_andx_req(msg, 8, UID, 5, 0x4002, 0, pdu, (uint32_t)pl));
    const uint8_t out[24] = {0};
    pl = rb_response(&b, 3, 2, 0, out, sizeof out, 0, 0);
    read_andx(t, 6, 0x4002, pdu, pl);
    assert_int_equal(nwrites, 0); /* a pipe's bytes are not file bytes */
    assert_int_equal(t->cap.nrpc, 1);
    assert_string_equal(t->cap.rpc[0].interface, "svcctl");
    assert_string_equal(t->cap.rpc[0].operation, "RCloseServiceHandle");
    const smb_conn_stats *st = smb_conn_get_stats(t->c);
    assert_int_equal(st->rpc_calls, 1);
    assert_int_equal(st->rpc_answered_calls, 1);
    assert_int_equal(st->malformed, 0);
    t1_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_legacy_maps),
        cmocka_unit_test(test_tree_connect_oem_and_unicode),
        cmocka_unit_test(test_open_andx_oem_then_writes),
        cmocka_unit_test(test_open_andx_unicode_pad_and_failure),
        cmocka_unit_test(test_core_opens),
        cmocka_unit_test(test_trans2_open2),
        cmocka_unit_test(test_open_unanswered),
        cmocka_unit_test(test_open_andx_pipe_rpc),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
