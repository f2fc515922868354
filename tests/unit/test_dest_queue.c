/* The queue of the network destinations (sensor/dest_queue.c) with a sink
 * of the test's own: a far end that refuses to connect a few times, fails
 * sends, or never comes. Every record is delivered, in order, or counted as
 * dropped; a full queue counts what does not fit; the writer never needs the
 * caller to wait. */
#include "testutil.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "sensor/dest_queue.h"

#define MAX_GOT 4096

typedef struct far_end {
    pthread_mutex_t lock;
    int refuse_connects; /* connects that fail before one succeeds */
    int fail_sends;      /* sends that fail (after sending half the batch) */
    bool never;          /* no connect ever succeeds */
    size_t skip_longer;  /* records longer than this are skipped (0: none) */
    int connects;
    size_t ngot;
    char got[MAX_GOT][16];
} far_end;

static bool fe_connect(void *ctx, char *err, size_t n)
{
    far_end *f = ctx;
    pthread_mutex_lock(&f->lock);
    bool ok = !f->never && f->refuse_connects-- <= 0;
    f->connects++;
    pthread_mutex_unlock(&f->lock);
    if (!ok)
        snprintf(err, n, "refused");
    return ok;
}

static bool fe_send(void *ctx, char *const *recs, const size_t *lens, size_t n, size_t *skipped, char *err,
                    size_t errlen)
{
    far_end *f = ctx;
    pthread_mutex_lock(&f->lock);
    bool fail = f->fail_sends > 0;
    size_t upto = fail ? n / 2 : n;
    for (size_t i = 0; i < upto; i++) {
        if (f->skip_longer && lens[i] > f->skip_longer) {
            (*skipped)++;
            continue;
        }
        if (f->ngot < MAX_GOT) {
            snprintf(f->got[f->ngot], sizeof f->got[0], "%.*s", (int)lens[i], recs[i]);
            f->ngot++;
        }
    }
    if (fail) {
        f->fail_sends--;
        snprintf(err, errlen, "connection reset");
    }
    pthread_mutex_unlock(&f->lock);
    return !fail;
}

static void fe_disconnect(void *ctx) { (void)ctx; }

static dest_queue *start(far_end *f, size_t memcap)
{
    pthread_mutex_init(&f->lock, NULL);
    dq_sink s = {f, fe_connect, fe_send, fe_disconnect};
    char err[128];
    dest_queue *q = dq_start(&s, "test", memcap, err, sizeof err);
    assert_non_null(q);
    return q;
}

static void put_n(dest_queue *q, int n)
{
    for (int i = 0; i < n; i++) {
        char rec[16];
        int l = snprintf(rec, sizeof rec, "r%04d", i);
        dq_put(q, rec, (size_t)l);
    }
}

/* Every record of (some of) the records the far end got, once in order: the
 * first occurrence of each; a record sent again after a failure may repeat. */
static int distinct_in_order(const far_end *f)
{
    int next = 0;
    for (size_t i = 0; i < f->ngot; i++) {
        int v = -1;
        sscanf(f->got[i], "r%d", &v);
        if (v == next)
            next++;
        else if (v > next)
            return -1; /* a gap: a record was lost */
    }
    return next;
}

static void test_delivered_after_refusals(void **state)
{
    (void)state;
    static far_end f = {.refuse_connects = 3};
    dest_queue *q = start(&f, 0);
    put_n(q, 1000);
    dq_drain(q, 10000);
    assert_int_equal(dq_dropped(q), 0);
    assert_int_equal(dq_sent(q), 1000);
    dq_stop(q);
    assert_int_equal(f.ngot, 1000);
    assert_int_equal(distinct_in_order(&f), 1000);
    assert_true(f.connects >= 4);
}

static void test_failed_sends_resent(void **state)
{
    (void)state;
    static far_end f = {.fail_sends = 3};
    dest_queue *q = start(&f, 0);
    put_n(q, 1000);
    dq_drain(q, 10000);
    assert_int_equal(dq_dropped(q), 0);
    dq_stop(q);
    /* half batches were taken before each failure: those come twice */
    assert_true(f.ngot > 1000);
    assert_int_equal(distinct_in_order(&f), 1000);
}

static void test_never_connects_all_counted(void **state)
{
    (void)state;
    static far_end f = {.never = true};
    dest_queue *q = start(&f, 0);
    put_n(q, 500);
    dq_drain(q, 300);
    assert_int_equal(dq_dropped(q), 500);
    assert_int_equal(dq_sent(q), 0);
    dq_stop(q);
    assert_int_equal(f.ngot, 0);
}

static void test_memcap_counts_what_does_not_fit(void **state)
{
    (void)state;
    static far_end f = {.never = true};
    dest_queue *q = start(&f, 100); /* 20 records of 5 bytes */
    put_n(q, 50);
    assert_int_equal(dq_dropped(q), 30);
    dq_drain(q, 100);
    assert_int_equal(dq_dropped(q), 50);
    dq_stop(q);
}

static void test_skipped_are_dropped(void **state)
{
    (void)state;
    static far_end f = {.skip_longer = 5};
    dest_queue *q = start(&f, 0);
    put_n(q, 10);
    dq_put(q, "much too long", 13);
    put_n(q, 1);
    dq_drain(q, 10000);
    assert_int_equal(dq_dropped(q), 1);
    assert_int_equal(dq_sent(q), 11);
    dq_stop(q);
    assert_int_equal(f.ngot, 11);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_delivered_after_refusals),
        cmocka_unit_test(test_failed_sends_resent),
        cmocka_unit_test(test_never_connects_all_counted),
        cmocka_unit_test(test_memcap_counts_what_does_not_fit),
        cmocka_unit_test(test_skipped_are_dropped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
