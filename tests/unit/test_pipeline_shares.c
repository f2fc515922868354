/* Custom share names through the whole pipeline: a client that enumerates
 * the server's shares over \srvsvc (NetrShareEnum level 2, as the wire
 * carries it) and then connects to "FINANCE" gets 5140 and 5145 with the
 * server's spelling "Finance" and its path, on a later connection too; a
 * share the server did not name, and the same name on another server, keep
 * the client's spelling. */
#include "rpc_build.h"
#include "smb_build.h"

#include <unistd.h>

#include "protocols/smb2.h"
#include "sensor/output.h"
#include "sensor/options.h"
#include "sensor/pipeline.h"

static size_t frame(uint8_t *f, const uint8_t src[4], const uint8_t dst[4], uint16_t sport, uint16_t dport,
                    uint32_t seq, const uint8_t *payload, size_t plen)
{
    memset(f, 0, 14);
    f[12] = 0x08;
    uint8_t *ip = f + 14;
    size_t tot = 20 + 20 + plen;
    memset(ip, 0, 40);
    ip[0] = 0x45;
    ip[2] = (uint8_t)(tot >> 8);
    ip[3] = (uint8_t)tot;
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    uint8_t *t = ip + 20;
    t[0] = (uint8_t)(sport >> 8);
    t[1] = (uint8_t)sport;
    t[2] = (uint8_t)(dport >> 8);
    t[3] = (uint8_t)dport;
    t[4] = (uint8_t)(seq >> 24);
    t[5] = (uint8_t)(seq >> 16);
    t[6] = (uint8_t)(seq >> 8);
    t[7] = (uint8_t)seq;
    t[12] = 0x50;
    t[13] = 0x18;
    t[14] = 0xff;
    memcpy(t + 20, payload, plen);
    return 14 + tot;
}

typedef struct side {
    const uint8_t *src, *dst;
    uint16_t sport, dport;
    uint32_t seq;
} side;

static pipeline *pl;
static uint64_t learnt; /* stats: smb.shares_named of the last run */
static uint64_t ts = 1700000000ull * 1000000;

static void send(side *s, const uint8_t *msg, size_t n)
{
    static uint8_t nb[9000], f[9100];
    size_t w = b_nbss(nb, msg, n);
    size_t fl = frame(f, s->src, s->dst, s->sport, s->dport, s->seq, nb, w);
    ts += 1000;
    pipeline_packet(pl, 1, ts, f, (uint32_t)fl, (uint32_t)fl);
    s->seq += (uint32_t)w;
}

static uint8_t msg[9000];

static void tree(side *c, side *s, uint64_t mid, const char *path, uint32_t tid, uint8_t type)
{
    b_hdr h = {.cmd = SMB2_TREE_CONNECT, .mid = mid, .sid = 0x77};
    send(c, msg, b_tree_req(msg, &h, path));
    h.flags = RSP;
    h.tid = tid;
    send(s, msg, b_tree_rsp(msg, &h, type));
}

static void create(side *c, side *s, uint64_t mid, uint32_t tid, const char *name, uint64_t fid)
{
    b_create cr = {0x12019f, 0, 7, 1, 0, name};
    b_hdr h = {.cmd = SMB2_CREATE, .mid = mid, .sid = 0x77, .tid = tid};
    send(c, msg, b_create_req(msg, &h, &cr));
    h.flags = RSP;
    send(s, msg, b_create_rsp(msg, &h, 1, fid, fid + 1));
}

static void pipe_write(side *c, uint64_t mid, uint64_t fid, const uint8_t *data, size_t n)
{
    b_hdr h = {.cmd = SMB2_WRITE, .mid = mid, .sid = 0x77, .tid = 1};
    send(c, msg, b_write_req(msg, &h, fid, fid + 1, data, n));
}

/* A READ of the pipe answered with data. */
static void pipe_read(side *c, side *s, uint64_t mid, uint64_t fid, const uint8_t *data, size_t n)
{
    b_hdr h = {.cmd = SMB2_READ, .mid = mid, .sid = 0x77, .tid = 1};
    size_t w = b_smb2_hdr(msg, &h);
    memset(msg + w, 0, 49);
    tu_le16(msg + w, 49);
    tu_le32(msg + w + 4, 4280);
    tu_le64(msg + w + 16, fid);
    tu_le64(msg + w + 24, fid + 1);
    send(c, msg, w + 49);
    h.flags = RSP;
    w = b_smb2_hdr(msg, &h);
    memset(msg + w, 0, 16);
    tu_le16(msg + w, 17);
    msg[w + 2] = 80;
    tu_le32(msg + w + 4, (uint32_t)n);
    memcpy(msg + 80, data, n);
    send(s, msg, 80 + n);
}

/* NetrShareEnum's reply at level 2: Finance (D:\Shares\Finance) and IPC$. */
static size_t enum_reply(uint8_t *p)
{
    rb b = {p, 0, true};
    rb_u32(&b, 2);
    rb_u32(&b, 2);
    rb_u32(&b, 0x20000);
    rb_u32(&b, 2);
    rb_u32(&b, 0x20004);
    rb_u32(&b, 2);
    const char *names[] = {"Finance", "IPC$"}, *paths[] = {"D:\\Shares\\Finance", ""};
    for (int i = 0; i < 2; i++) {
        rb_u32(&b, 0x20008 + 16 * (uint32_t)i); /* netname */
        rb_u32(&b, i ? 0x80000003u : 0);
        rb_u32(&b, 0); /* remark: NULL */
        rb_u32(&b, 0);
        rb_u32(&b, 0xffffffffu);
        rb_u32(&b, 0);
        rb_u32(&b, 0x2000c + 16 * (uint32_t)i); /* path */
        rb_u32(&b, 0);                          /* passwd: NULL */
    }
    for (int i = 0; i < 2; i++) {
        rb_wstring(&b, names[i]);
        rb_wstring(&b, paths[i]);
    }
    rb_align(&b, 4);
    rb_u32(&b, 2);
    rb_u32(&b, 0);
    rb_u32(&b, 0);
    return b.n;
}

static void enumerate(side *c, side *s)
{
    tree(c, s, 1, "\\\\fs01\\IPC$", 1, 2);
    create(c, s, 2, 1, "srvsvc", 0xA);
    static uint8_t rpc[2048], stub[1024];
    rb b = {rpc, 0, true};
    rb_ctx ctx = {0, RB_SRVSVC, 3, 0};
    pipe_write(c, 3, 0xA, rpc, rb_bind(&b, 11, 1, &ctx, 1));
    uint16_t ok = 0;
    pipe_read(c, s, 4, 0xA, rpc, rb_bind_ack(&b, 12, 1, &ok, 1));
    /* the request's stub is not read: the reply names the shares */
    memset(stub, 0, 32);
    pipe_write(c, 5, 0xA, rpc, rb_request(&b, 3, 2, 0, 15, stub, 32, 0, 0));
    size_t sl = enum_reply(stub);
    pipe_read(c, s, 6, 0xA, rpc, rb_response(&b, 3, 2, 0, stub, sl, 0, 0));
}

static char *run(bool with_enum)
{
    static const uint8_t cli[4] = {10, 0, 0, 5}, srv[4] = {10, 0, 0, 9}, other[4] = {10, 0, 0, 10};
    char path[] = "/tmp/pw-shares-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    pw_options o;
    pw_options_default(&o);
    o.appid_enabled = false;
    o.log_flow = false;
    char err[256];
    pw_output *out = output_open(path, "regular", NULL, false, err, sizeof err);
    assert_non_null(out);
    pl = pipeline_new(&o, NULL, out);
    assert_non_null(pl);
    side c1 = {cli, srv, 50001, 445, 1000}, s1 = {srv, cli, 445, 50001, 5000};
    if (with_enum)
        enumerate(&c1, &s1);
    /* a later connection to the same server */
    side c2 = {cli, srv, 50002, 445, 1000}, s2 = {srv, cli, 445, 50002, 5000};
    tree(&c2, &s2, 1, "\\\\fs01\\FINANCE", 2, 1);
    create(&c2, &s2, 2, 2, "q3.xlsx", 0x20);
    tree(&c2, &s2, 3, "\\\\fs01\\PAYROLL", 3, 1);
    /* another server with a share of that name */
    side c3 = {cli, other, 50003, 445, 1000}, s3 = {other, cli, 445, 50003, 5000};
    tree(&c3, &s3, 1, "\\\\fs02\\FINANCE", 2, 1);
    pipeline_finish(pl);
    pw_counters c;
    memset(&c, 0, sizeof c); /* pipeline_counters adds to c */
    pipeline_counters(pl, &c);
    learnt = c.smb_shares_learnt;
    pipeline_free(pl);
    output_close(out);
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    unlink(path);
    return buf;
}

/* The winlog records of one event id and share name, one a line. */
static int count(const char *eve, const char *needle_a, const char *needle_b)
{
    int n = 0;
    for (const char *l = eve; *l;) {
        const char *e = strchr(l, '\n');
        size_t len = e ? (size_t)(e - l) : strlen(l);
        char line[16384];
        snprintf(line, sizeof line, "%.*s", (int)len, l);
        if (strstr(line, "\"event_type\":\"winlog\"") && strstr(line, needle_a) && (!needle_b || strstr(line, needle_b)))
            n++;
        l += len + (e ? 1 : 0);
    }
    return n;
}

static void test_shares_learnt(void **state)
{
    const char *eve = run(true);
    /* 5140 and 5145 of FINANCE on fs01: the server's spelling and path */
    assert_int_equal(count(eve, "\"ShareName\":\"\\\\\\\\*\\\\Finance\"",
                           "\"ShareLocalPath\":\"\\\\??\\\\D:\\\\Shares\\\\Finance\""),
                     2);
    assert_int_equal(count(eve, "\"event_id\":5145", "\"ShareName\":\"\\\\\\\\*\\\\Finance\""), 1);
    /* PAYROLL (not in the reply) and FINANCE on the other server: as typed */
    assert_int_equal(count(eve, "\"ShareName\":\"\\\\\\\\*\\\\PAYROLL\"", NULL), 1);
    assert_int_equal(count(eve, "\"ShareName\":\"\\\\\\\\*\\\\FINANCE\"", NULL), 1);
    assert_null(strstr(eve, "\"ShareName\":\"\\\\\\\\*\\\\FINANCE\",\"ShareLocalPath\""));
    /* counted (stats smb.shares_named): Finance and IPC$ */
    assert_int_equal(learnt, 2);
    /* without the enumeration: the client's spelling, no path */
    eve = run(false);
    assert_int_equal(count(eve, "\"ShareName\":\"\\\\\\\\*\\\\FINANCE\"", NULL), 3);
    assert_int_equal(count(eve, "Finance", NULL), 0);
    assert_int_equal(learnt, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shares_learnt),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
