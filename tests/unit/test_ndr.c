/* NDR primitives: alignment, integers in both byte orders, pointers,
 * conformant varying strings, conformant arrays, context handles. */
#include "rpc_build.h"

#include "protocols/ndr.h"

static void test_integers_and_alignment(void **state)
{
    const uint8_t le[] = {0x01, 0xFF, 0x34, 0x12, 0x78, 0x56, 0x34, 0x12, 0x88, 0x77, 0x66, 0x55,
                          0x44, 0x33, 0x22, 0x11, 0x09, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA,
                          0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80};
    ndr_t n = ndr_make(le, sizeof le, true);
    assert_int_equal(ndr_u8(&n), 1);
    assert_int_equal(ndr_u16(&n), 0x1234); /* skips one byte to align */
    assert_int_equal(ndr_u32(&n), 0x12345678);
    assert_true(ndr_u64(&n) == 0x1122334455667788ull);
    assert_int_equal(ndr_u8(&n), 9);
    assert_true(ndr_u64(&n) == 0x8000000000000001ull); /* aligned 8: seven bytes passed */
    assert_true(ndr_ok(&n));
    assert_int_equal(ndr_left(&n), 0);
    assert_int_equal(ndr_u8(&n), 0);
    assert_false(ndr_ok(&n)); /* past the end: sticky error */

    const uint8_t be[] = {0x12, 0x34, 0x00, 0x00, 0x12, 0x34, 0x56, 0x78, 0x11, 0x22, 0x33, 0x44,
                          0x55, 0x66, 0x77, 0x88};
    n = ndr_make(be, sizeof be, false);
    assert_int_equal(ndr_u16(&n), 0x1234);
    assert_int_equal(ndr_u32(&n), 0x12345678);
    assert_true(ndr_u64(&n) == 0x1122334455667788ull);
    assert_true(ndr_ok(&n));

    /* alignment that does not fit is an error, not a wrap */
    n = ndr_make(le, 3, true);
    ndr_u8(&n);
    assert_int_equal(ndr_u32(&n), 0);
    assert_false(ndr_ok(&n));
}

static void test_pointers(void **state)
{
    uint8_t buf[64];
    rb b = {buf, 0, true};
    rb_u32(&b, 0x20000);
    rb_u32(&b, 0);
    rb_u32(&b, 0x20004);
    rb_u32(&b, 0x20000); /* the first referent again */
    rb_u32(&b, 0);
    ndr_t n = ndr_make(buf, b.n, true);
    assert_int_equal(ndr_unique_ptr(&n), 0x20000);
    assert_int_equal(ndr_unique_ptr(&n), 0);
    n = ndr_make(buf, b.n, true);
    uint32_t id;
    assert_true(ndr_full_ptr(&n, &id));
    assert_int_equal(id, 0x20000);
    assert_false(ndr_full_ptr(&n, &id)); /* NULL */
    assert_int_equal(id, 0);
    assert_true(ndr_full_ptr(&n, &id));
    assert_false(ndr_full_ptr(&n, &id)); /* seen: its pointee is not sent again */
    assert_int_equal(id, 0x20000);
    assert_true(ndr_ok(&n));

    /* more distinct referents than the table holds: an error, not a guess */
    uint8_t many[4 * (NDR_MAX_REFS + 1)];
    rb m = {many, 0, true};
    for (uint32_t i = 0; i <= NDR_MAX_REFS; i++)
        rb_u32(&m, 0x100 + i);
    n = ndr_make(many, m.n, true);
    for (uint32_t i = 0; i < NDR_MAX_REFS; i++)
        assert_true(ndr_full_ptr(&n, NULL));
    assert_false(ndr_full_ptr(&n, NULL));
    assert_false(ndr_ok(&n));
}

static size_t put_wstring(rb *b, const char *s, uint32_t max, uint32_t offset, uint32_t actual)
{
    rb_align(b, 4);
    rb_u32(b, max);
    rb_u32(b, offset);
    rb_u32(b, actual);
    for (uint32_t i = 0; i < actual; i++)
        rb_u16(b, (uint16_t)(unsigned char)(i < strlen(s) ? s[i] : 0));
    return b->n;
}

static void test_strings(void **state)
{
    uint8_t buf[256];
    char out[64];
    uint32_t count;
    for (int le = 0; le <= 1; le++) {
        rb b = {buf, 0, le != 0};
        rb_u8(&b, 7); /* forces alignment before the counts */
        put_wstring(&b, "cmd.exe", 8, 0, 8);
        rb_u32(&b, 0xdead);
        ndr_t n = ndr_make(buf, b.n, le != 0);
        ndr_u8(&n);
        assert_true(ndr_string_utf16(&n, out, sizeof out, &count));
        assert_string_equal(out, "cmd.exe");
        assert_int_equal(count, 8);
        assert_int_equal(ndr_u32(&n), 0xdead);
    }
    /* non-ASCII: U+00E9 and a surrogate pair (U+1F600) */
    rb b = {buf, 0, true};
    rb_u32(&b, 4);
    rb_u32(&b, 0);
    rb_u32(&b, 4);
    rb_u16(&b, 0x00E9);
    rb_u16(&b, 0xD83D);
    rb_u16(&b, 0xDE00);
    rb_u16(&b, 0);
    ndr_t n = ndr_make(buf, b.n, true);
    assert_true(ndr_string_utf16(&n, out, sizeof out, NULL));
    assert_string_equal(out, "\xc3\xa9\xf0\x9f\x98\x80");
    /* cut to the output, on a character boundary */
    n = ndr_make(buf, b.n, true);
    assert_true(ndr_string_utf16(&n, out, 4, NULL));
    assert_string_equal(out, "\xc3\xa9");
    /* counts that lie: actual > max, offset > max, more than the buffer */
    const uint32_t bad[][3] = {{2, 0, 3}, {2, 3, 0}, {100, 0, 100}, {0xFFFFFFFF, 0, 0x7FFFFFFF}};
    for (size_t i = 0; i < 4; i++) {
        b.n = 0;
        rb_u32(&b, bad[i][0]);
        rb_u32(&b, bad[i][1]);
        rb_u32(&b, bad[i][2]);
        rb_u32(&b, 0x00410041);
        n = ndr_make(buf, b.n, true);
        assert_false(ndr_string_utf16(&n, out, sizeof out, NULL));
        assert_false(ndr_ok(&n));
        assert_string_equal(out, "");
    }
    /* 8-bit strings, and a unique pointer to one */
    b.n = 0;
    rb_u32(&b, 0x20000);
    rb_u32(&b, 5);
    rb_u32(&b, 0);
    rb_u32(&b, 5);
    rb_bytes(&b, "abcd", 5);
    rb_align(&b, 4);
    rb_u32(&b, 0); /* a NULL one */
    n = ndr_make(buf, b.n, true);
    bool present;
    assert_true(ndr_unique_string(&n, false, out, sizeof out, &present));
    assert_true(present);
    assert_string_equal(out, "abcd");
    assert_true(ndr_unique_string(&n, false, out, sizeof out, &present));
    assert_false(present);
    assert_string_equal(out, "");
    assert_true(ndr_ok(&n));
}

static void test_arrays_and_handles(void **state)
{
    uint8_t buf[64];
    rb b = {buf, 0, true};
    rb_u32(&b, 3);
    rb_bytes(&b, "xyz", 3);
    rb_align(&b, 4);
    for (int i = 0; i < 20; i++)
        rb_u8(&b, (uint8_t)i);
    ndr_t n = ndr_make(buf, b.n, true);
    uint32_t len;
    const uint8_t *p = ndr_conformant_bytes(&n, &len);
    assert_non_null(p);
    assert_int_equal(len, 3);
    assert_memory_equal(p, "xyz", 3);
    uint8_t h[NDR_CONTEXT_HANDLE_SIZE];
    assert_true(ndr_context_handle(&n, h));
    assert_int_equal(h[0], 0);
    assert_int_equal(h[19], 19);
    assert_true(ndr_ok(&n));
    assert_false(ndr_context_handle(&n, h)); /* nothing left */
    /* an array longer than what is left */
    b.n = 0;
    rb_u32(&b, 1000);
    n = ndr_make(buf, b.n, true);
    assert_null(ndr_conformant_bytes(&n, &len));
    assert_int_equal(len, 0);
    assert_false(ndr_ok(&n));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers_and_alignment),
        cmocka_unit_test(test_pointers),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_arrays_and_handles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
