/* The servers' names by address: learn, look up, rename, least recently used
 * out when full, bounded names, and several threads at once. */
#include "testutil.h"

#include <pthread.h>

#include "sensor/hostnames.h"

static void test_learn_and_lookup(void **state)
{
    hostnames *t = hostnames_new(4);
    assert_non_null(t);
    char buf[HOSTNAMES_NAME_MAX + 1];
    bool ev = true;
    assert_false(hostnames_lookup(t, "172.16.66.36", buf, sizeof buf));
    assert_string_equal(buf, "");
    assert_int_equal(hostnames_learn(t, "172.16.66.36", "01566s-win16-ir.threebeesco.com", &ev), HOSTNAMES_NEW);
    assert_false(ev);
    assert_true(hostnames_lookup(t, "172.16.66.36", buf, sizeof buf));
    assert_string_equal(buf, "01566s-win16-ir.threebeesco.com");
    assert_int_equal(hostnames_learn(t, "172.16.66.36", "01566s-win16-ir.threebeesco.com", &ev), HOSTNAMES_SAME);
    assert_int_equal(hostnames_learn(t, "172.16.66.36", "other.threebeesco.com", &ev), HOSTNAMES_CHANGED);
    assert_true(hostnames_lookup(t, "172.16.66.36", buf, sizeof buf));
    assert_string_equal(buf, "other.threebeesco.com");
    assert_false(hostnames_lookup(t, "172.16.66.3", buf, sizeof buf));
    assert_int_equal(hostnames_learn(t, "fe80::1", "v6.lan", NULL), HOSTNAMES_NEW);
    assert_true(hostnames_lookup(t, "fe80::1", buf, sizeof buf));
    assert_string_equal(buf, "v6.lan");
    assert_int_equal(hostnames_count(t), 2);
    /* nothing to learn */
    assert_int_equal(hostnames_learn(t, "", "x", &ev), HOSTNAMES_REFUSED);
    assert_int_equal(hostnames_learn(t, "10.0.0.1", "", &ev), HOSTNAMES_REFUSED);
    assert_int_equal(hostnames_learn(t, NULL, "x", &ev), HOSTNAMES_REFUSED);
    char longaddr[HOSTNAMES_ADDR_MAX + 2];
    memset(longaddr, '1', sizeof longaddr - 1);
    longaddr[sizeof longaddr - 1] = '\0';
    assert_int_equal(hostnames_learn(t, longaddr, "x", &ev), HOSTNAMES_REFUSED);
    assert_int_equal(hostnames_count(t), 2);
    /* a small buffer gets a cut name, NUL-terminated */
    char small[4];
    assert_true(hostnames_lookup(t, "fe80::1", small, sizeof small));
    assert_string_equal(small, "v6.");
    hostnames_free(t);
}

/* Full: the least recently used server (learnt or looked up) leaves. */
static void test_lru_eviction(void **state)
{
    hostnames *t = hostnames_new(3);
    char buf[64];
    bool ev;
    assert_int_equal(hostnames_learn(t, "10.0.0.1", "a", &ev), HOSTNAMES_NEW);
    assert_int_equal(hostnames_learn(t, "10.0.0.2", "b", &ev), HOSTNAMES_NEW);
    assert_int_equal(hostnames_learn(t, "10.0.0.3", "c", &ev), HOSTNAMES_NEW);
    assert_false(ev);
    assert_true(hostnames_lookup(t, "10.0.0.1", buf, sizeof buf)); /* a is now the most recent */
    assert_int_equal(hostnames_learn(t, "10.0.0.4", "d", &ev), HOSTNAMES_NEW);
    assert_true(ev);
    assert_false(hostnames_lookup(t, "10.0.0.2", buf, sizeof buf)); /* b was the oldest */
    assert_true(hostnames_lookup(t, "10.0.0.1", buf, sizeof buf));
    assert_string_equal(buf, "a");
    assert_true(hostnames_lookup(t, "10.0.0.3", buf, sizeof buf));
    assert_true(hostnames_lookup(t, "10.0.0.4", buf, sizeof buf));
    assert_string_equal(buf, "d");
    assert_int_equal(hostnames_count(t), 3);
    /* many more than fit: the table stays at its size and the newest are there */
    for (int i = 0; i < 1000; i++) {
        char addr[32], name[32];
        snprintf(addr, sizeof addr, "192.168.%d.%d", i / 256, i % 256);
        snprintf(name, sizeof name, "host%d", i);
        hostnames_learn(t, addr, name, &ev);
    }
    assert_int_equal(hostnames_count(t), 3);
    assert_true(hostnames_lookup(t, "192.168.3.231", buf, sizeof buf));
    assert_string_equal(buf, "host999");
    assert_false(hostnames_lookup(t, "192.168.3.228", buf, sizeof buf));
    hostnames_free(t);
    /* a table of 0 holds one */
    t = hostnames_new(0);
    hostnames_learn(t, "10.0.0.1", "a", &ev);
    hostnames_learn(t, "10.0.0.2", "b", &ev);
    assert_true(ev);
    assert_false(hostnames_lookup(t, "10.0.0.1", buf, sizeof buf));
    assert_true(hostnames_lookup(t, "10.0.0.2", buf, sizeof buf));
    hostnames_free(t);
}

/* A name longer than a DNS name is cut on a character boundary. */
static void test_long_name(void **state)
{
    hostnames *t = hostnames_new(2);
    char name[400];
    memset(name, 'a', sizeof name);
    memcpy(name + HOSTNAMES_NAME_MAX - 1, "\xc3\xa9", 2); /* é across the limit */
    name[sizeof name - 1] = '\0';
    assert_int_equal(hostnames_learn(t, "10.0.0.1", name, NULL), HOSTNAMES_NEW);
    char buf[HOSTNAMES_NAME_MAX + 1];
    assert_true(hostnames_lookup(t, "10.0.0.1", buf, sizeof buf));
    assert_int_equal(strlen(buf), HOSTNAMES_NAME_MAX - 1);
    assert_int_equal(hostnames_learn(t, "10.0.0.1", name, NULL), HOSTNAMES_SAME);
    hostnames_free(t);
}

typedef struct worker_arg {
    hostnames *t;
    int id;
    int found;
} worker_arg;

static void *worker(void *p)
{
    worker_arg *a = p;
    char addr[32], name[32], buf[64];
    for (int i = 0; i < 20000; i++) {
        snprintf(addr, sizeof addr, "10.%d.0.%d", a->id, i % 50);
        snprintf(name, sizeof name, "srv%d-%d", a->id, i % 50);
        hostnames_learn(a->t, addr, name, NULL);
        if (hostnames_lookup(a->t, addr, buf, sizeof buf) && strcmp(buf, name) == 0)
            a->found++;
    }
    return NULL;
}

/* Workers share one table: what one learns the others see, and the lock
 * keeps the entries whole. */
static void test_threads(void **state)
{
    hostnames *t = hostnames_new(256);
    pthread_t th[4];
    worker_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (worker_arg){t, i, 0};
        assert_int_equal(pthread_create(&th[i], NULL, worker, &args[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(th[i], NULL);
        assert_int_equal(args[i].found, 20000); /* each thread's own servers: 200 < 256, never evicted */
    }
    assert_int_equal(hostnames_count(t), 200);
    char buf[64];
    assert_true(hostnames_lookup(t, "10.3.0.49", buf, sizeof buf));
    assert_string_equal(buf, "srv3-49");
    hostnames_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_learn_and_lookup),
        cmocka_unit_test(test_lru_eviction),
        cmocka_unit_test(test_long_name),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
