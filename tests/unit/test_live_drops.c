/* Live capture: the kernel drop warnings on stderr, one as the kernel starts
 * dropping, then at most one a minute while it keeps dropping. */
#include "testutil.h"

#include "sensor/live.h"

#define SEC 1000000ull

static void test_first_drop_warns_at_once(void **state)
{
    (void)state;
    live_drops d;
    char msg[512];
    uint64_t kp[2] = {1000, 1000}, kd[2] = {0, 0};
    live_drops_init(&d, 2);
    assert_false(live_drops_check(&d, 5 * SEC, kp, kd, msg, sizeof(msg)));
    kp[0] = 3000;
    kd[0] = 40;
    assert_true(live_drops_check(&d, 6 * SEC, kp, kd, msg, sizeof(msg)));
    assert_string_equal(msg, "warning: the kernel is dropping packets: 40 of 4000 dropped (1.00%); by worker: 0: 40 "
                             "(capture buffer full: raise --buffer-size or --workers)");
    /* Nothing new: nothing said. */
    assert_false(live_drops_check(&d, 70 * SEC, kp, kd, msg, sizeof(msg)));
}

static void test_repeats_rate_limited(void **state)
{
    (void)state;
    live_drops d;
    char msg[512];
    uint64_t kp[1] = {100}, kd[1] = {10};
    live_drops_init(&d, 1);
    assert_true(live_drops_check(&d, 1 * SEC, kp, kd, msg, sizeof(msg)));
    kp[0] = 200;
    kd[0] = 20;
    /* Still dropping, but within the minute: quiet. */
    assert_false(live_drops_check(&d, 30 * SEC, kp, kd, msg, sizeof(msg)));
    assert_false(live_drops_check(&d, 60 * SEC, kp, kd, msg, sizeof(msg)));
    kp[0] = 1000;
    kd[0] = 50;
    assert_true(live_drops_check(&d, 61 * SEC, kp, kd, msg, sizeof(msg)));
    assert_string_equal(msg, "warning: the kernel keeps dropping packets: 40 more in the last 60 s, 50 of 1000 in all "
                             "(5.00%) (capture buffer full: raise --buffer-size or --workers)");
    /* The next line counts from this one. */
    kd[0] = 51;
    assert_false(live_drops_check(&d, 100 * SEC, kp, kd, msg, sizeof(msg)));
    assert_true(live_drops_check(&d, 122 * SEC, kp, kd, msg, sizeof(msg)));
    assert_non_null(strstr(msg, ": 1 more in the last 61 s, 51 of 1000 in all"));
}

static void test_short_buffer_stays_terminated(void **state)
{
    (void)state;
    live_drops d;
    char msg[24];
    uint64_t kp[3] = {10, 10, 10}, kd[3] = {1, 2, 3};
    live_drops_init(&d, 3);
    assert_true(live_drops_check(&d, SEC, kp, kd, msg, sizeof(msg)));
    assert_int_equal(strlen(msg), sizeof(msg) - 1);
    assert_memory_equal(msg, "warning: the kernel is ", 23);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_drop_warns_at_once),
        cmocka_unit_test(test_repeats_rate_limited),
        cmocka_unit_test(test_short_buffer_stays_terminated),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
