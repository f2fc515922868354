/* Live capture: the session's scheduler group (autogroup) gets the capture's
 * nice value for the run and its own back at the end. Run on ordinary files
 * standing in for the kernel's: what is read, what is written, when nothing
 * is done. The kernel's own files are exercised by tests/live/test_live.sh. */
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sensor/live.h"

static char dir[64];
static char on_path[96], group_path[96];

static void put(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static const char *get(const char *path)
{
    static char buf[256];
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof(dir), "/tmp/pw-group.XXXXXX");
    if (!mkdtemp(dir))
        return -1;
    snprintf(on_path, sizeof(on_path), "%s/enabled", dir);
    snprintf(group_path, sizeof(group_path), "%s/autogroup", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(on_path);
    unlink(group_path);
    rmdir(dir);
    return 0;
}

static void test_parse(void **state)
{
    (void)state;
    int v = 99;
    assert_true(live_group_parse("/autogroup-93 nice -5\n", &v));
    assert_int_equal(v, -5);
    assert_true(live_group_parse("/autogroup-1 nice 19", &v));
    assert_int_equal(v, 19);
    assert_true(live_group_parse("/autogroup-1098 nice 0\n", &v));
    assert_int_equal(v, 0);
    v = 7;
    assert_false(live_group_parse("/autogroup-1 nice 20\n", &v));
    assert_false(live_group_parse("/autogroup-1 nice -21\n", &v));
    assert_false(live_group_parse("/autogroup-1 nice x\n", &v));
    assert_false(live_group_parse("/autogroup-1 nice ", &v));
    assert_false(live_group_parse("", &v));
    assert_int_equal(v, 7);
}

/* Sets the group, and on restore writes the old value back, once. */
static void test_set_and_restore(void **state)
{
    (void)state;
    put(on_path, "1\n");
    put(group_path, "/autogroup-7 nice 0\n");
    assert_int_equal(live_group_set(on_path, group_path, -10, true), 1);
    assert_string_equal(get(group_path), "/autogroup-7 nice 0\n-10");
    live_group_restore();
    assert_string_equal(get(group_path), "/autogroup-7 nice 0\n-100");
    live_group_restore();
    assert_string_equal(get(group_path), "/autogroup-7 nice 0\n-100");
    /* set twice before the restore: the value before the first comes back */
    put(group_path, "/autogroup-9 nice 2\n");
    assert_int_equal(live_group_set(on_path, group_path, -10, true), 1);
    put(group_path, "/autogroup-9 nice -10\n");
    assert_int_equal(live_group_set(on_path, group_path, -5, true), 1);
    live_group_restore();
    assert_string_equal(get(group_path), "/autogroup-9 nice -10\n-52");
    /* a positive value (--priority 3) and a negative old one */
    put(group_path, "/autogroup-8 nice -4\n");
    assert_int_equal(live_group_set(on_path, group_path, 3, true), 1);
    live_group_restore();
    assert_string_equal(get(group_path), "/autogroup-8 nice -4\n3-4");
}

/* No session groups, groups switched off, the group at the value already:
 * nothing written, nothing to put back. */
static void test_nothing_to_do(void **state)
{
    (void)state;
    put(group_path, "/autogroup-7 nice 0\n");
    unlink(on_path);
    assert_int_equal(live_group_set(on_path, group_path, -10, true), 0);
    put(on_path, "0\n");
    assert_int_equal(live_group_set(on_path, group_path, -10, true), 0);
    put(on_path, "1\n");
    put(group_path, "/autogroup-7 nice -10\n");
    assert_int_equal(live_group_set(on_path, group_path, -10, true), 0);
    live_group_restore();
    assert_string_equal(get(group_path), "/autogroup-7 nice -10\n");
}

/* A group file that is missing or says something else: -1, nothing written. */
static void test_cannot_read(void **state)
{
    (void)state;
    put(on_path, "1\n");
    unlink(group_path);
    assert_int_equal(live_group_set(on_path, group_path, -10, true), -1);
    put(group_path, "no group here\n");
    assert_int_equal(live_group_set(on_path, group_path, -10, true), -1);
    live_group_restore();
    assert_string_equal(get(group_path), "no group here\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test_setup_teardown(test_set_and_restore, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_to_do, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cannot_read, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
