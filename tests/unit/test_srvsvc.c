/* srvsvc decoders: NetrShareEnum and NetrShareGetInfo replies (MS-SRVS
 * 3.1.4.8, 3.1.4.10) at the levels that name shares, from the wire bytes of
 * a public capture and from replies built here, in both byte orders and
 * cut at every length. */
#include "rpc_build.h"

#include "protocols/srvsvc.h"

/* The NetrShareEnum (level 1) reply stub of a Windows server to impacket's
 * psexec.py, as on the wire (the public capture impacket_psexec.pcap,
 * frame 125): ADMIN$, C$, IPC$ and a custom share Users. */
static const uint8_t ENUM1[] =
    "\x01\x00\x00\x00\x01\x00\x00\x00\x00\x00\x02\x00\x04\x00\x00\x00"
    "\x04\x00\x02\x00\x04\x00\x00\x00\x08\x00\x02\x00\x00\x00\x00\x80"
    "\x0c\x00\x02\x00\x10\x00\x02\x00\x00\x00\x00\x80\x14\x00\x02\x00"
    "\x18\x00\x02\x00\x03\x00\x00\x80\x1c\x00\x02\x00\x20\x00\x02\x00"
    "\x00\x00\x00\x00\x24\x00\x02\x00\x07\x00\x00\x00\x00\x00\x00\x00"
    "\x07\x00\x00\x00\x41\x00\x44\x00\x4d\x00\x49\x00\x4e\x00\x24\x00"
    "\x00\x00\x00\x00\x0d\x00\x00\x00\x00\x00\x00\x00\x0d\x00\x00\x00"
    "\x52\x00\x65\x00\x6d\x00\x6f\x00\x74\x00\x65\x00\x20\x00\x41\x00"
    "\x64\x00\x6d\x00\x69\x00\x6e\x00\x00\x00\x00\x00\x03\x00\x00\x00"
    "\x00\x00\x00\x00\x03\x00\x00\x00\x43\x00\x24\x00\x00\x00\x00\x00"
    "\x0e\x00\x00\x00\x00\x00\x00\x00\x0e\x00\x00\x00\x44\x00\x65\x00"
    "\x66\x00\x61\x00\x75\x00\x6c\x00\x74\x00\x20\x00\x73\x00\x68\x00"
    "\x61\x00\x72\x00\x65\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00"
    "\x05\x00\x00\x00\x49\x00\x50\x00\x43\x00\x24\x00\x00\x00\x00\x00"
    "\x0b\x00\x00\x00\x00\x00\x00\x00\x0b\x00\x00\x00\x52\x00\x65\x00"
    "\x6d\x00\x6f\x00\x74\x00\x65\x00\x20\x00\x49\x00\x50\x00\x43\x00"
    "\x00\x00\x00\x00\x06\x00\x00\x00\x00\x00\x00\x00\x06\x00\x00\x00"
    "\x55\x00\x73\x00\x65\x00\x72\x00\x73\x00\x00\x00\x01\x00\x00\x00"
    "\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x04\x00\x00\x00"
    "\x28\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00";

#define ENUM1_LEN (sizeof ENUM1 - 1) /* the literal's NUL is not on the wire */

static void test_enum_level1_wire(void **state)
{
    srvsvc_reply *r = calloc(1, sizeof *r);
    assert_true(srvsvc_decode_reply(ENUM1, ENUM1_LEN, true, 15, r));
    assert_int_equal(r->level, 1);
    assert_int_equal(r->entries, 4);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->return_code, 0);
    const char *names[] = {"ADMIN$", "C$", "IPC$", "Users"};
    const uint32_t types[] = {0x80000000u, 0x80000000u, 0x80000003u, 0};
    for (int i = 0; i < 4; i++) {
        assert_string_equal(r->shares[i].name, names[i]);
        assert_int_equal(r->shares[i].type, types[i]);
        assert_false(r->shares[i].have_path); /* level 1 has no path */
    }
    /* every cut of the stub is refused, never read past */
    for (size_t cut = 0; cut < ENUM1_LEN; cut++)
        assert_false(srvsvc_decode_reply(ENUM1, cut, true, 15, r));
    /* not an opnum read here */
    assert_false(srvsvc_decode_reply(ENUM1, ENUM1_LEN, true, 14, r));
    free(r);
}

typedef struct share_in {
    const char *name, *remark, *path; /* NULL: a NULL pointer */
} share_in;

/* SHARE_INFO_2 / 502 fixed part (502 with a security descriptor of sdlen bytes). */
static void fixed_2(rb *b, uint32_t level, const share_in *s, uint32_t *ref, uint32_t sdlen)
{
    rb_u32(b, s->name ? (*ref += 4) : 0);
    rb_u32(b, 0); /* STYPE_DISKTREE */
    rb_u32(b, s->remark ? (*ref += 4) : 0);
    rb_u32(b, 0);          /* permissions */
    rb_u32(b, 0xffffffffu); /* max_uses */
    rb_u32(b, 1);          /* current_uses */
    rb_u32(b, s->path ? (*ref += 4) : 0);
    rb_u32(b, 0); /* passwd: NULL */
    if (level == 502) {
        rb_u32(b, sdlen);
        rb_u32(b, sdlen ? (*ref += 4) : 0);
    }
}

static void deferred_2(rb *b, uint32_t level, const share_in *s, uint32_t sdlen)
{
    if (s->name)
        rb_wstring(b, s->name);
    if (s->remark)
        rb_wstring(b, s->remark);
    if (s->path)
        rb_wstring(b, s->path);
    if (level == 502 && sdlen) {
        rb_align(b, 4);
        rb_u32(b, sdlen);
        for (uint32_t i = 0; i < sdlen; i++)
            rb_u8(b, (uint8_t)i);
    }
}

/* A NetrShareEnum reply at level 2 or 502 with n shares, status st. */
static size_t enum_stub(uint8_t *p, bool le, uint32_t level, const share_in *s, uint32_t n, uint32_t st)
{
    rb b = {p, 0, le};
    uint32_t ref = 0x20000;
    rb_u32(&b, level);
    rb_u32(&b, level);
    rb_u32(&b, ref);
    rb_u32(&b, n);
    rb_u32(&b, ref += 4);
    rb_u32(&b, n); /* conformance */
    for (uint32_t i = 0; i < n; i++)
        fixed_2(&b, level, &s[i], &ref, i == 1 ? 20 : 0);
    for (uint32_t i = 0; i < n; i++)
        deferred_2(&b, level, &s[i], i == 1 ? 20 : 0);
    rb_align(&b, 4);
    rb_u32(&b, n);       /* TotalEntries */
    rb_u32(&b, ref += 4); /* ResumeHandle */
    rb_u32(&b, 0);
    rb_u32(&b, st);
    return b.n;
}

static const share_in SHARES[] = {
    {"ADMIN$", "Remote Admin", "C:\\Windows"},
    {"Finance", "", "D:\\Shares\\Finance"},
    {"IPC$", "Remote IPC", ""},
    {"Scratch", NULL, NULL},
};

static void test_enum_levels_with_paths(void **state)
{
    static uint8_t p[4096];
    srvsvc_reply *r = calloc(1, sizeof *r);
    for (int le = 0; le < 2; le++) {
        const uint32_t levels[] = {2, 502};
        for (int k = 0; k < 2; k++) {
            size_t n = enum_stub(p, le, levels[k], SHARES, 4, 0);
            assert_true(srvsvc_decode_reply(p, n, le, 15, r));
            assert_int_equal(r->level, levels[k]);
            assert_int_equal(r->n, 4);
            assert_string_equal(r->shares[0].name, "ADMIN$");
            assert_true(r->shares[0].have_path);
            assert_string_equal(r->shares[0].path, "C:\\Windows");
            assert_string_equal(r->shares[1].name, "Finance");
            assert_string_equal(r->shares[1].path, "D:\\Shares\\Finance");
            assert_string_equal(r->shares[2].path, "");
            assert_true(r->shares[2].have_path);
            /* a NULL path at a level that has paths: an empty one */
            assert_string_equal(r->shares[3].name, "Scratch");
            assert_true(r->shares[3].have_path);
            assert_string_equal(r->shares[3].path, "");
            for (size_t cut = 0; cut < n; cut++)
                assert_false(srvsvc_decode_reply(p, cut, le, 15, r));
        }
    }
    /* ERROR_MORE_DATA still carries the entries it holds */
    size_t n = enum_stub(p, true, 2, SHARES, 2, 234);
    assert_true(srvsvc_decode_reply(p, n, true, 15, r));
    assert_int_equal(r->return_code, 234);
    assert_int_equal(r->n, 2);
    /* a level that names no share (the union arm disagreeing too) */
    p[0] = 5;
    assert_false(srvsvc_decode_reply(p, n, true, 15, r));
    free(r);
}

/* More shares than are kept: all read past, the first SRVSVC_MAX_SHARES kept,
 * the status still found. */
static void test_enum_many(void **state)
{
    enum { N = SRVSVC_MAX_SHARES + 9 };
    static share_in many[N];
    static char names[N][16];
    for (int i = 0; i < N; i++) {
        snprintf(names[i], sizeof names[i], "Share%02d", i);
        many[i] = (share_in){names[i], "r", "C:\\x"};
    }
    static uint8_t p[32768];
    size_t n = enum_stub(p, true, 2, many, N, 0);
    srvsvc_reply *r = calloc(1, sizeof *r);
    assert_true(srvsvc_decode_reply(p, n, true, 15, r));
    assert_int_equal(r->entries, N);
    assert_int_equal(r->n, SRVSVC_MAX_SHARES);
    assert_string_equal(r->shares[SRVSVC_MAX_SHARES - 1].name, names[SRVSVC_MAX_SHARES - 1]);
    assert_int_equal(r->return_code, 0);
    /* an entry count that the stub cannot hold */
    p[12] = 0xff;
    p[13] = 0xff;
    assert_false(srvsvc_decode_reply(p, n, true, 15, r));
    free(r);
}

/* NetrShareGetInfo level 2 and 502, and level 1 (no path). */
static void test_get_info(void **state)
{
    static uint8_t p[1024];
    srvsvc_reply *r = calloc(1, sizeof *r);
    const uint32_t levels[] = {2, 502};
    for (int k = 0; k < 2; k++) {
        rb b = {p, 0, true};
        uint32_t ref = 0x20000;
        rb_u32(&b, levels[k]);
        rb_u32(&b, ref);
        fixed_2(&b, levels[k], &SHARES[1], &ref, 0);
        deferred_2(&b, levels[k], &SHARES[1], 0);
        rb_align(&b, 4);
        rb_u32(&b, 0);
        assert_true(srvsvc_decode_reply(p, b.n, true, 16, r));
        assert_int_equal(r->n, 1);
        assert_string_equal(r->shares[0].name, "Finance");
        assert_string_equal(r->shares[0].path, "D:\\Shares\\Finance");
        for (size_t cut = 0; cut < b.n; cut++)
            assert_false(srvsvc_decode_reply(p, cut, true, 16, r));
    }
    rb b = {p, 0, false}; /* big-endian, level 1 */
    rb_u32(&b, 1);
    rb_u32(&b, 0x20000);
    rb_u32(&b, 0x20004);
    rb_u32(&b, 0);
    rb_u32(&b, 0);
    rb_wstring(&b, "Finance");
    rb_align(&b, 4);
    rb_u32(&b, 0);
    assert_true(srvsvc_decode_reply(p, b.n, false, 16, r));
    assert_int_equal(r->n, 1);
    assert_string_equal(r->shares[0].name, "Finance");
    assert_false(r->shares[0].have_path);
    /* the share not found: NERR_NetNameNotFound (2310), no info */
    b = (rb){p, 0, true};
    rb_u32(&b, 2);
    rb_u32(&b, 0);
    rb_u32(&b, 2310);
    assert_true(srvsvc_decode_reply(p, b.n, true, 16, r));
    assert_int_equal(r->n, 0);
    assert_int_equal(r->return_code, 2310);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_enum_level1_wire),
        cmocka_unit_test(test_enum_levels_with_paths),
        cmocka_unit_test(test_enum_many),
        cmocka_unit_test(test_get_info),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
