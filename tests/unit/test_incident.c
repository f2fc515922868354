/* The cross-flow stage: events of several flows between one client and one
 * server make one incident; a quiet gap, another pair, a full table or the
 * end of input close them. */
#include "testutil.h"

#include "detect/incident.h"

typedef struct got {
    int n;
    incident in[16];
} got;

static void on_incident(void *ctx, const incident *in)
{
    got *g = ctx;
    if (g->n < 16)
        g->in[g->n++] = *in;
}

static win_event ev_5145, ev_5140;

static void feed(incident_stage *s, const win_event *e, const char *c, const char *srv, uint64_t flow, uint64_t t)
{
    incident_input in = {e, c, srv, flow, t};
    incident_event(s, &in);
}

#define SEC 1000000ull

static void test_grouping(void **state)
{
    ev_5145.event_id = 5145;
    ev_5140.event_id = 5140;
    got g = {0};
    incident_limits l;
    incident_limits_default(&l);
    l.gap_usec = 60 * SEC;
    incident_sink sink = {on_incident, &g};
    incident_stage *s = incident_new(&l, sink);
    assert_non_null(s);
    /* a PsExec-like run: the 445 connection and a second one, same pair */
    feed(s, &ev_5140, "10.0.0.5", "10.0.0.1", 11, 100 * SEC);
    feed(s, &ev_5145, "10.0.0.5", "10.0.0.1", 11, 101 * SEC);
    feed(s, &ev_5145, "10.0.0.5", "10.0.0.1", 12, 130 * SEC);
    /* another client meanwhile */
    feed(s, &ev_5140, "10.0.0.9", "10.0.0.1", 20, 131 * SEC);
    assert_int_equal(g.n, 0); /* nothing is over yet */
    /* the first pair is quiet past the gap: its incident ends */
    incident_tick(s, 191 * SEC); /* 61 s after the first pair, 60 after the second */
    assert_int_equal(g.n, 1);
    incident *a = &g.in[0];
    assert_int_equal(a->id, 1);
    assert_string_equal(a->client_ip, "10.0.0.5");
    assert_string_equal(a->server_ip, "10.0.0.1");
    assert_int_equal(a->events, 3);
    assert_int_equal(a->nflows, 2);
    assert_int_equal(a->flows[0], 11);
    assert_int_equal(a->flows[1], 12);
    assert_int_equal(a->nids, 2);
    assert_int_equal(a->ids[0].event_id, 5140);
    assert_int_equal(a->ids[0].count, 1);
    assert_int_equal(a->ids[1].event_id, 5145);
    assert_int_equal(a->ids[1].count, 2);
    assert_true(a->first_usec == 100 * SEC && a->last_usec == 130 * SEC);
    assert_false(a->evicted);
    /* the same pair later: a new incident */
    feed(s, &ev_5145, "10.0.0.5", "10.0.0.1", 13, 300 * SEC); /* also closes 10.0.0.9's */
    assert_int_equal(g.n, 2);
    assert_string_equal(g.in[1].client_ip, "10.0.0.9");
    incident_flush(s);
    assert_int_equal(g.n, 3);
    assert_int_equal(g.in[2].id, 3);
    assert_int_equal(g.in[2].events, 1);
    assert_int_equal(incident_get_stats(s)->events, 5);
    assert_int_equal(incident_get_stats(s)->reported, 3);
    incident_free(s);
}

static void test_table_full(void **state)
{
    ev_5145.event_id = 5145;
    got g = {0};
    incident_limits l = {2, 60 * SEC};
    incident_sink sink = {on_incident, &g};
    incident_stage *s = incident_new(&l, sink);
    feed(s, &ev_5145, "a", "srv", 1, 10 * SEC);
    feed(s, &ev_5145, "b", "srv", 2, 20 * SEC);
    feed(s, &ev_5145, "a", "srv", 1, 21 * SEC); /* "b" is now the stalest */
    feed(s, &ev_5145, "c", "srv", 3, 22 * SEC);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.in[0].client_ip, "b");
    assert_true(g.in[0].evicted);
    assert_int_equal(incident_get_stats(s)->evicted, 1);
    /* many flows and ids: counted past the lists */
    for (uint64_t f = 0; f < INCIDENT_MAX_FLOWS + 3; f++)
        feed(s, &ev_5145, "a", "srv", 100 + f, 23 * SEC);
    win_event other[INCIDENT_MAX_IDS + 2];
    for (int i = 0; i < INCIDENT_MAX_IDS + 2; i++) {
        other[i].event_id = (uint16_t)(7000 + i);
        feed(s, &other[i], "a", "srv", 1, 24 * SEC);
    }
    incident_flush(s);
    assert_int_equal(g.n, 3);
    const incident *a = g.in[1].id == 1 ? &g.in[1] : &g.in[2];
    assert_int_equal(a->nflows, INCIDENT_MAX_FLOWS);
    assert_int_equal(a->flows_more, 4); /* flow 1 and 100..106 fill the list; 107..110 do not fit */
    assert_int_equal(a->nids, INCIDENT_MAX_IDS);
    assert_int_equal(a->ids_dropped, 3);
    incident_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grouping),
        cmocka_unit_test(test_table_full),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
