/* SMB1 wire bytes through the parser into the incident stage and the 5145
 * builder: a file written to ADMIN$ over an OEM-string SMB1 session (opened
 * with OPEN_ANDX, written with WRITE_ANDX and WRITE) is hashed as SMB2
 * WRITEs are, in order or not, partial when a gap is never filled; the
 * legacy opens give the 5145 Windows writes for their AccessMode. */
#include "smb1_build.h"

#include "detect/incident.h"
#include "detect/winevent.h"

#define SEC 1000000ull

static uint8_t msg[70000], wire[70100];

enum { UID = 0x0801, ADMIN_TID = 7, IPC_TID = 8, FID = 0x4001 };

/* The 1000 bytes of the file: (i * 31 + 5) % 251. Their digests, from
 * `python3 -c "import sys; sys.stdout.buffer.write(bytes((i*31+5)%251 for i in
 * range(1000)))" | sha256sum` (and `| head -c 300 | sha256sum`). */
static uint8_t file_bytes[1000];
#define SHA_WHOLE "3fb924dbbe525dd14195dfdfe848afc0cd6715ce33a88a3f9c36db88b38db43d"
#define SHA_FIRST_300 "a2532ff38e20c29aba4639b2fde6639b1f4b84d669d8f3757f0fac036ecfbbb2"

/* What the parser's facts and writes became. */
typedef struct run {
    smb_conn *c;
    incident_stage *stage;
    int nincidents;
    incident in; /* the last one */
    int nevents;
    char mask[4][16], target[4][64], share[4][32];
} run;

static run R; /* incidents and events are large: not on the stack */
static win_event ev[WINEVENT_MAX_PER_FACT];

static void on_incident(void *ctx, const incident *in)
{
    run *r = ctx;
    r->nincidents++;
    r->in = *in;
}

static void observe(run *r, incident_obs *o)
{
    o->client_ip = "10.0.0.5";
    o->server_ip = "10.0.0.1";
    o->client_port = 1025;
    o->server_port = 445;
    o->flow_id = 1;
    o->ts_usec = SEC;
    incident_observe(r->stage, o);
}

/* The sensor's part, in short: each fact to the stage and to the events. */
static void on_fact(void *ctx, const smb_fact *f)
{
    run *r = ctx;
    incident_obs o;
    if (incident_obs_of_fact(f, &o))
        observe(r, &o);
    if (f->h.kind != SMB_FACT_CREATE)
        return;
    win_peer peer = {"10.0.0.5", 1025, "10.0.0.1", NULL, NULL, NULL};
    size_t n = winevent_build(f, &peer, ev, WINEVENT_MAX_PER_FACT);
    for (size_t i = 0; i < n && r->nevents < 4; i++, r->nevents++) {
        snprintf(r->mask[r->nevents], sizeof r->mask[0], "%s", winevent_get(&ev[i], "AccessMask"));
        snprintf(r->target[r->nevents], sizeof r->target[0], "%s", winevent_get(&ev[i], "RelativeTargetName"));
        snprintf(r->share[r->nevents], sizeof r->share[0], "%s", winevent_get(&ev[i], "ShareName"));
    }
}

static void on_write(void *ctx, const smb_write_data *w)
{
    incident_obs o = {.kind = IO_WRITE,
                      .share = w->share,
                      .name = w->filename,
                      .file_id = w->file_id,
                      .offset = w->offset,
                      .data = w->data,
                      .len = w->len,
                      .missing = w->missing};
    observe(ctx, &o);
}

static void start(void)
{
    memset(&R, 0, sizeof R);
    for (int i = 0; i < 1000; i++)
        file_bytes[i] = (uint8_t)((i * 31 + 5) % 251);
    incident_limits l;
    incident_limits_default(&l);
    incident_sink sink = {on_incident, &R};
    R.stage = incident_new(&l, sink);
    assert_non_null(R.stage);
    smb_sink s = {on_fact, &R};
    R.c = smb_conn_new(NULL, s);
    assert_non_null(R.c);
    smb_conn_set_write_hook(R.c, on_write);
}

static void finish(void)
{
    smb_conn_free(R.c);
    incident_free(R.stage);
}

static void send1(int dir, size_t n)
{
    size_t w = b_nbss(wire, msg, n);
    smb_conn_data(R.c, dir, wire, w);
}

/* OEM tree connects to ADMIN$ and IPC$, and the service binary opened on
 * ADMIN$ with OPEN_ANDX (read/write, deny none; create or truncate). */
static void open_binary(void)
{
    send1(0, s1_tree_req(msg, UID, 1, "\\\\SRV\\ADMIN$", 1, false));
    send1(1, s1_tree_rsp(msg, ADMIN_TID, UID, 1, "A:"));
    send1(0, s1_tree_req(msg, UID, 2, "\\\\SRV\\IPC$", 1, false));
    send1(1, s1_tree_rsp(msg, IPC_TID, UID, 2, "IPC"));
    send1(0, s1_open_andx_req(msg, ADMIN_TID, UID, 3, "\\PSEXESVC.EXE", 0x0042, 0x0012, false));
    send1(1, s1_open_andx_rsp(msg, ADMIN_TID, UID, 3, FID, 0x0002));
}

static uint16_t mid = 10;

static void write_andx(uint64_t off, uint32_t len)
{
    send1(0, s1_write_andx_req(msg, ADMIN_TID, UID, mid++, FID, off, file_bytes + off, len));
}

/* PsExec's control pipe, then the end of the run. */
static void end_run(void)
{
    send1(0, s1_open_andx_req(msg, IPC_TID, UID, 90, "\\PSEXESVC", 0x0042, 0x0001, false));
    send1(1, s1_open_andx_rsp(msg, IPC_TID, UID, 90, 0x4002, 0x0001));
    incident_flush(R.stage);
    assert_int_equal(R.nincidents, 1);
    assert_int_equal(R.in.nfiles, 1);
}

/* The whole file, in two WRITE_ANDX and one WRITE: the hash is the
 * sha256sum of its bytes; the 5145s are those of a created file. */
static void test_whole_file(void **state)
{
    start();
    open_binary();
    write_andx(0, 500);
    send1(0, s1_write_req(msg, ADMIN_TID, UID, mid++, FID, 500, file_bytes + 500, 200));
    write_andx(700, 300);
    end_run();
    const incident_file *f = &R.in.files[0];
    char hex[65];
    assert_true(incident_file_sha256(f, hex));
    assert_string_equal(hex, SHA_WHOLE);
    assert_false(f->partial);
    assert_int_equal(f->size, 1000);
    assert_int_equal(f->hashed, 1000);
    assert_int_equal(f->written, 1000);
    assert_string_equal(f->share, "\\\\SRV\\ADMIN$");
    /* OPEN_ANDX read/write: GENERIC_READ|GENERIC_WRITE mapped for a file,
     * with SMB1's FILE_READ_ATTRIBUTES; created, so a second 5145 (0x2) */
    assert_int_equal(R.nevents, 3);
    assert_string_equal(R.mask[0], "0x12019f");
    assert_string_equal(R.target[0], "PSEXESVC.EXE");
    assert_string_equal(R.share[0], "\\\\*\\ADMIN$");
    assert_string_equal(R.mask[1], "0x2");
    assert_string_equal(R.target[2], "PSEXESVC");
    assert_string_equal(R.share[2], "\\\\*\\IPC$");
    finish();
    (void)state;
}

/* Out of order: the end first, then the start; the middle never comes.
 * The hash covers the first 300 bytes and says it is partial. */
static void test_out_of_order_with_gap(void **state)
{
    start();
    open_binary();
    write_andx(600, 400);
    write_andx(0, 300);
    end_run();
    const incident_file *f = &R.in.files[0];
    char hex[65];
    assert_true(incident_file_sha256(f, hex));
    assert_string_equal(hex, SHA_FIRST_300);
    assert_true(f->partial);
    assert_int_equal(f->hashed, 300);
    assert_int_equal(f->size, 1000);
    assert_int_equal(f->written, 700);
    finish();
    (void)state;
}

/* Out of order, every byte in the end: the whole file's hash. */
static void test_out_of_order_filled(void **state)
{
    start();
    open_binary();
    write_andx(600, 400);
    write_andx(0, 300);
    send1(0, s1_write_req(msg, ADMIN_TID, UID, mid++, FID, 300, file_bytes + 300, 300));
    end_run();
    char hex[65];
    assert_true(incident_file_sha256(&R.in.files[0], hex));
    assert_string_equal(hex, SHA_WHOLE);
    assert_false(R.in.files[0].partial);
    finish();
    (void)state;
}

/* A WRITE_ANDX cut by max-pdu-buffer: the bytes not held make it partial. */
static void test_write_not_held(void **state)
{
    start();
    smb_conn_free(R.c);
    smb_limits lim = {0};
    lim.max_pdu_buffer = 256;
    smb_sink s = {on_fact, &R};
    R.c = smb_conn_new(&lim, s);
    smb_conn_set_write_hook(R.c, on_write);
    open_binary();
    /* one message of 1000 data bytes, delivered in pieces so the parser holds
     * only its head */
    size_t n = s1_write_andx_req(msg, ADMIN_TID, UID, mid++, FID, 0, file_bytes, 1000);
    size_t w = b_nbss(wire, msg, n);
    for (size_t off = 0; off < w; off += 100)
        smb_conn_data(R.c, 0, wire + off, w - off < 100 ? w - off : 100);
    end_run();
    const incident_file *f = &R.in.files[0];
    assert_true(f->partial);
    assert_int_equal(f->size, 1000);
    assert_true(f->hashed < 1000);
    finish();
    (void)state;
}

/* The other legacy AccessModes as Windows audits them. */
static void test_legacy_masks(void **state)
{
    start();
    open_binary();
    /* write only: GENERIC_WRITE -> 0x120116, | 0x80 */
    send1(0, s1_open_andx_req(msg, ADMIN_TID, UID, 20, "\\a.log", 0x0041, 0x0001, false));
    send1(1, s1_open_andx_rsp(msg, ADMIN_TID, UID, 20, 0x10, 0x0001));
    /* execute: GENERIC_READ|GENERIC_EXECUTE -> 0x120089 | 0x1200a0 */
    send1(0, s1_core_open_req(msg, 0x02, ADMIN_TID, UID, 21, "\\b.exe", 0x0003, false));
    send1(1, s1_core_open_rsp(msg, 0x02, ADMIN_TID, UID, 21, 0x11));
    assert_int_equal(R.nevents, 4);
    assert_string_equal(R.mask[2], "0x120196");
    assert_string_equal(R.target[2], "a.log");
    assert_string_equal(R.mask[3], "0x1200a9");
    assert_string_equal(R.target[3], "b.exe");
    finish();
    (void)state;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_file),          cmocka_unit_test(test_out_of_order_with_gap),
        cmocka_unit_test(test_out_of_order_filled), cmocka_unit_test(test_write_not_held),
        cmocka_unit_test(test_legacy_masks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
