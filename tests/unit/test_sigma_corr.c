/* Sigma correlations (all seven types, chains, aliases, generate, bounds,
 * several threads), filter documents, and the neq and time modifiers. The
 * rules are the specification's own examples where it has them. */
#include "testutil.h"

#include <pthread.h>

#include "../../detect/sigma.h"

#define SEC 1000000ull

static void print_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    int *n = ctx;
    if (n)
        (*n)++;
    fprintf(stderr, "%s:%u: %s\n", file, line, reason);
}

static sigma_ruleset *load(const char *yaml)
{
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_non_null(rs);
    assert_int_equal(sigma_load_string(rs, "t.yml", yaml, strlen(yaml), print_err, NULL), 0);
    assert_int_equal(sigma_ruleset_check(rs, print_err, NULL), 0);
    return rs;
}

typedef struct got {
    int n;
    char title[8][128];
    char group[8][128];
    double value[8];
    uint64_t events[8];
    size_t nrefs[8];
    uint64_t first_flow[8];
    char value_of[8][64];
} got;

static void on_alert(void *ctx, const sigma_corr_alert *a)
{
    got *g = ctx;
    if (g->n >= 8)
        return;
    snprintf(g->title[g->n], sizeof(g->title[0]), "%s", sigma_rule_title(a->rule));
    g->group[g->n][0] = 0;
    for (size_t i = 0; i < a->ngroup; i++) {
        size_t l = strlen(g->group[g->n]);
        snprintf(g->group[g->n] + l, sizeof(g->group[0]) - l, "%s%s=%s", i ? "," : "", a->group_names[i],
                 a->group_values[i]);
    }
    g->value[g->n] = a->value;
    g->events[g->n] = a->events;
    g->nrefs[g->n] = a->nrefs;
    g->first_flow[g->n] = a->nrefs ? a->refs[0].flow_id : 0;
    snprintf(g->value_of[g->n], sizeof(g->value_of[0]), "%s", a->value_of ? a->value_of : "");
    g->n++;
}

/* Matches ev against the ruleset as the sensor does and feeds the engine. */
static size_t feed(const sigma_ruleset *rs, sigma_corr *c, const sigma_field *f, size_t nf, uint64_t ts, uint64_t flow)
{
    sigma_event ev = {"windows", "security", NULL, f, nf};
    const sigma_rule *m[8];
    size_t n = sigma_match(rs, &ev, m, 8);
    for (size_t i = 0; i < n && i < 8; i++)
        sigma_corr_feed(c, sigma_rule_index(m[i]), &ev, ts, flow);
    return n;
}

static void login(const sigma_ruleset *rs, sigma_corr *c, const char *id, const char *user, uint64_t ts)
{
    sigma_field f[] = {{"EventID", id}, {"User", user}};
    feed(rs, c, f, 2, ts, ts / SEC);
}

/* The specification's example: failed logins (event_count, gte 10, by User)
 * followed by a successful login of the same user (temporal_ordered), 10m. */
static const char brute_force[] = "title: Correlation - Multiple Failed Logins Followed by Successful Login\n"
                                  "id: b180ead8-d58f-40b2-ae54-c8940995b9b6\n"
                                  "status: experimental\n"
                                  "correlation:\n"
                                  "    type: temporal_ordered\n"
                                  "    rules:\n"
                                  "        - multiple_failed_login\n"
                                  "        - successful_login\n"
                                  "    group-by:\n"
                                  "        - User\n"
                                  "    timespan: 10m\n"
                                  "level: high\n"
                                  "---\n"
                                  "title: Multiple failed logons\n"
                                  "id: a8418a5a-5fc4-46b5-b23b-6c73beb19d41\n"
                                  "name: multiple_failed_login\n"
                                  "correlation:\n"
                                  "    type: event_count\n"
                                  "    rules:\n"
                                  "        - failed_login\n"
                                  "    group-by:\n"
                                  "        - User\n"
                                  "    timespan: 10m\n"
                                  "    condition:\n"
                                  "        gte: 10\n"
                                  "---\n"
                                  "title: Single failed login\n"
                                  "id: 53ba33fd-3a50-4468-a5ef-c583635cfa92\n"
                                  "name: failed_login\n"
                                  "logsource:\n    product: windows\n    service: security\n"
                                  "detection:\n    selection:\n        EventID:\n            - 529\n"
                                  "            - 4625\n    condition: selection\n"
                                  "---\n"
                                  "title: Successful login\n"
                                  "id: 4d0a2c83-c62c-4ed4-b475-c7e23a9269b8\n"
                                  "name: successful_login\n"
                                  "logsource:\n    product: windows\n    service: security\n"
                                  "detection:\n    selection:\n        EventID:\n            - 528\n"
                                  "            - 4624\n    condition: selection\n";

static void test_spec_example_chain(void **state)
{
    (void)state;
    sigma_ruleset *rs = load(brute_force);
    assert_int_equal(sigma_rule_count(rs), 4);
    /* generate defaults to false: the rules a correlation uses make no alert of
     * their own */
    for (size_t i = 0; i < 4; i++)
        assert_false(sigma_rule_alerts(sigma_rule_at(rs, i)));
    got g = {0};
    char err[256];
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, err, sizeof(err));
    assert_non_null(c);
    assert_int_equal(sigma_corr_count(c), 2);
    /* nine failures, then a success: not enough */
    for (int i = 0; i < 9; i++)
        login(rs, c, "4625", "bob", (100 + (uint64_t)i) * SEC);
    login(rs, c, "4624", "bob", 120 * SEC);
    assert_int_equal(g.n, 0);
    /* eve's ten failures make the inner correlation fire; it is named by the
     * outer one without generate: true, so it gives no alert of its own */
    for (int i = 0; i < 10; i++)
        login(rs, c, "4625", "eve", (130 + (uint64_t)i) * SEC);
    assert_int_equal(g.n, 0);
    assert_int_equal(sigma_corr_get_stats(c).alerts, 1);
    /* eve logs in: the ordered pair is complete */
    login(rs, c, "4624", "eve", 200 * SEC);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.title[0], "Correlation - Multiple Failed Logins Followed by Successful Login");
    assert_string_equal(g.group[0], "User=eve");
    assert_true(g.value[0] == 2);
    assert_int_equal(g.events[0], 2);     /* the inner correlation's firing, then the login */
    assert_int_equal(g.first_flow[0], 0); /* a correlation's firing has no flow */
    /* a success before the failures is out of order */
    login(rs, c, "4624", "zed", 300 * SEC);
    for (int i = 0; i < 10; i++)
        login(rs, c, "4625", "zed", (301 + (uint64_t)i) * SEC);
    assert_int_equal(g.n, 1);
    assert_int_equal(sigma_corr_get_stats(c).alerts, 3); /* eve's inner, eve's outer, zed's inner */
    sigma_corr_flush(c);
    assert_int_equal(g.n, 1);
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static const char base_rules[] = "title: share access\nname: share_access\nid: "
                                 "0b3b8b5e-0000-4000-8000-000000000001\n"
                                 "logsource:\n    product: windows\n    service: security\n"
                                 "detection:\n    sel:\n        EventID: 5145\n    condition: sel\n"
                                 "---\n"
                                 "title: share connect\nname: share_connect\n"
                                 "logsource:\n    product: windows\n    service: security\n"
                                 "detection:\n    sel:\n        EventID: 5140\n    condition: sel\n";

static sigma_ruleset *with_base(const char *corr)
{
    char buf[8192];
    snprintf(buf, sizeof(buf), "%s---\n%s", base_rules, corr);
    return load(buf);
}

static void access(const sigma_ruleset *rs, sigma_corr *c, const char *ip, const char *name, const char *size,
                   uint64_t ts)
{
    sigma_field f[] = {{"EventID", "5145"}, {"IpAddress", ip}, {"RelativeTargetName", name}, {"Size", size}};
    feed(rs, c, f, 4, ts, 7);
}

static void test_value_count(void **state)
{
    (void)state;
    /* the specification's value_count shape: distinct values of a field per group
     */
    sigma_ruleset *rs = with_base("title: many names\ncorrelation:\n    type: value_count\n    rules:\n"
                                  "        - share_access\n    group-by:\n        - IpAddress\n"
                                  "    timespan: 1d\n    condition:\n        field: RelativeTargetName\n"
                                  "        gte: 3\n");
    got g = {0};
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, NULL, 0);
    access(rs, c, "10.0.0.5", "a", "1", 1 * SEC);
    access(rs, c, "10.0.0.5", "A", "1", 2 * SEC); /* same value, other case */
    access(rs, c, "10.0.0.5", "b", "1", 3 * SEC);
    access(rs, c, "10.0.0.6", "c", "1", 4 * SEC);
    assert_int_equal(g.n, 0);
    access(rs, c, "10.0.0.5", "c", "1", 5 * SEC);
    assert_int_equal(g.n, 1);
    assert_true(g.value[0] == 3);
    assert_string_equal(g.group[0], "IpAddress=10.0.0.5");
    assert_int_equal(g.events[0], 4);
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static void test_event_count_window_slides(void **state)
{
    (void)state;
    sigma_ruleset *rs = with_base("title: burst\ncorrelation:\n    type: event_count\n    rules:\n"
                                  "        - 0b3b8b5e-0000-4000-8000-000000000001\n    group-by:\n"
                                  "        - IpAddress\n    timespan: 10s\n    condition:\n        gt: "
                                  "2\n");
    got g = {0};
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, NULL, 0);
    access(rs, c, "10.0.0.5", "a", "1", 0 * SEC);
    access(rs, c, "10.0.0.5", "a", "1", 5 * SEC);
    access(rs, c, "10.0.0.5", "a", "1", 11 * SEC); /* the first is out of the window */
    assert_int_equal(g.n, 0);
    access(rs, c, "10.0.0.5", "a", "1", 12 * SEC);
    assert_int_equal(g.n, 1);
    assert_true(g.value[0] == 3);
    /* the group starts afresh after firing */
    access(rs, c, "10.0.0.5", "a", "1", 13 * SEC);
    assert_int_equal(g.n, 1);
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static void test_event_count_upper_bound_closes(void **state)
{
    (void)state;
    /* a range (the specification's "101 to 200" shape, smaller): known only when
     * the window is over */
    sigma_ruleset *rs = with_base("title: few\ncorrelation:\n    type: event_count\n    rules:\n"
                                  "        - share_access\n    group-by:\n        - IpAddress\n"
                                  "    timespan: 1m\n    condition:\n        gt: 1\n        lte: 3\n");
    got g = {0};
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, NULL, 0);
    access(rs, c, "10.0.0.5", "a", "1", 0 * SEC);
    access(rs, c, "10.0.0.5", "a", "1", 1 * SEC);
    access(rs, c, "10.0.0.6", "a", "1", 1 * SEC);
    for (int i = 0; i < 4; i++)
        access(rs, c, "10.0.0.7", "a", "1", (2 + (uint64_t)i) * SEC);
    assert_int_equal(g.n, 0);
    sigma_corr_tick(c, 30 * SEC);
    assert_int_equal(g.n, 0);
    sigma_corr_tick(c, 61 * SEC); /* .5 had 2 (fires), .6 had 1, .7 had 4 */
    assert_int_equal(g.n, 1);
    assert_string_equal(g.group[0], "IpAddress=10.0.0.5");
    assert_true(g.value[0] == 2);
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static void test_neq_condition_and_eq(void **state)
{
    (void)state;
    sigma_ruleset *rs = with_base("title: not two\ncorrelation:\n    type: event_count\n    rules:\n"
                                  "        - share_access\n    group-by:\n        - IpAddress\n"
                                  "    timespan: 1m\n    condition:\n        neq: 2\n"
                                  "---\ntitle: exactly two\ncorrelation:\n    type: event_count\n    "
                                  "rules:\n"
                                  "        - share_access\n    group-by:\n        - IpAddress\n"
                                  "    timespan: 1m\n    condition:\n        eq: 2\n    generate: true\n");
    /* generate: true on one of them lets the base rule alert alone */
    assert_true(sigma_rule_alerts(sigma_rule_at(rs, 0)));
    got g = {0};
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, NULL, 0);
    access(rs, c, "10.0.0.5", "a", "1", 0);
    access(rs, c, "10.0.0.5", "a", "1", 1 * SEC);
    access(rs, c, "10.0.0.6", "a", "1", 1 * SEC);
    sigma_corr_flush(c);
    assert_int_equal(g.n, 2);
    /* flush walks the groups oldest first: .5 under both, then .6 */
    int neq = strcmp(g.title[0], "not two") == 0 ? 0 : 1;
    assert_string_equal(g.title[neq], "not two");
    assert_string_equal(g.title[1 - neq], "exactly two");
    assert_string_equal(g.group[neq], "IpAddress=10.0.0.6");
    assert_string_equal(g.group[1 - neq], "IpAddress=10.0.0.5");
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static void test_value_sum_avg(void **state)
{
    (void)state;
    sigma_ruleset *rs = with_base("title: bytes\ncorrelation:\n    type: value_sum\n    rules:\n"
                                  "        - share_access\n    group-by:\n        - IpAddress\n"
                                  "    timespan: 1h\n    condition:\n        field: Size\n        gte: "
                                  "1000\n"
                                  "---\ntitle: mean\ncorrelation:\n    type: value_avg\n    rules:\n"
                                  "        - share_access\n    group-by:\n        - IpAddress\n"
                                  "    timespan: 1h\n    condition:\n        field: Size\n        gt: "
                                  "300\n");
    got g = {0};
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, NULL, 0);
    access(rs, c, "10.0.0.5", "a", "400", 1 * SEC);
    access(rs, c, "10.0.0.5", "b", "500", 2 * SEC);
    access(rs, c, "10.0.0.5", "c", "x", 3 * SEC); /* not a number: not summed */
    assert_int_equal(g.n, 0);
    access(rs, c, "10.0.0.5", "d", "100", 4 * SEC);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.title[0], "bytes");
    assert_true(g.value[0] == 1000);
    sigma_corr_flush(c); /* mean 333.3 over three numbers */
    assert_int_equal(g.n, 2);
    assert_string_equal(g.title[1], "mean");
    assert_true(g.value[1] > 333.3 && g.value[1] < 333.4);
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static void test_value_percentile(void **state)
{
    (void)state;
    /* the specification's test rule: a value that makes up at most 1% of a
     * group's events */
    sigma_ruleset *rs = load("title: process_creation\nname: process_creation\n"
                             "logsource:\n    product: windows\n    service: security\n"
                             "detection:\n    sel:\n        EventID: 4688\n    condition: sel\n"
                             "---\n"
                             "title: A computer spawned a processes name in the last 24h than 1% "
                             "of all the "
                             "processes.\ncorrelation:\n    type: value_percentile\n    rules: \n"
                             "        - process_creation\n    group-by:\n        - ComputerName\n"
                             "    timespan: 24h\n    condition:\n        field: image\n        "
                             "lte: 1\n");
    got g = {0};
    sigma_corr_limits l;
    sigma_corr_limits_default(&l);
    l.max_events = 256;
    sigma_corr *c = sigma_corr_new(rs, &l, on_alert, &g, NULL, 0);
    for (int i = 0; i < 200; i++) {
        sigma_field f[] = {
            {"EventID", "4688"}, {"ComputerName", "WS1"}, {"Image", i == 77 ? "evil.exe" : "svchost.exe"}};
        feed(rs, c, f, 3, (uint64_t)i * SEC, 1);
    }
    sigma_corr_flush(c);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.value_of[0], "evil.exe");
    assert_true(g.value[0] == 0.5);
    assert_string_equal(g.group[0], "ComputerName=WS1");
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

/* The specification's aliases example: one address as destination in one
 * rule's events and as source in the other's. */
static void test_temporal_aliases(void **state)
{
    (void)state;
    sigma_ruleset *rs = load("title: internal error\nname: internal_error\nlogsource:\n    product: "
                             "windows\n"
                             "detection:\n    selection:\n        http.response.status_code: 500\n"
                             "    condition: selection\n"
                             "---\n"
                             "title: new connection\nname: new_network_connection\nlogsource:\n    "
                             "product: windows\n"
                             "detection:\n    selection:\n        event.category: network\n"
                             "        event.type: connection\n        event.outcome: success\n"
                             "    condition: selection\n"
                             "---\n"
                             "title: error then connection\ncorrelation:\n    type: temporal\n    "
                             "rules:\n"
                             "        - internal_error\n        - new_network_connection\n    "
                             "group-by:\n"
                             "        - internal_ip\n        - remote_ip\n    timespan: 10s\n    "
                             "aliases:\n"
                             "        internal_ip:\n            internal_error: destination.ip\n"
                             "            new_network_connection: source.ip\n        remote_ip:\n"
                             "            internal_error: source.ip\n"
                             "            new_network_connection: destination.ip\n");
    got g = {0};
    sigma_corr *c = sigma_corr_new(rs, NULL, on_alert, &g, NULL, 0);
    sigma_field conn[] = {{"event.category", "network"},
                          {"event.type", "connection"},
                          {"event.outcome", "success"},
                          {"source.ip", "10.1.1.1"},
                          {"destination.ip", "192.0.2.9"}};
    sigma_field err1[] = {
        {"http.response.status_code", "500"}, {"destination.ip", "10.1.1.1"}, {"source.ip", "192.0.2.8"}};
    sigma_field err2[] = {
        {"http.response.status_code", "500"}, {"destination.ip", "10.1.1.1"}, {"source.ip", "192.0.2.9"}};
    feed(rs, c, conn, 5, 100 * SEC, 1);
    feed(rs, c, err1, 3, 101 * SEC, 2); /* other remote: another group */
    assert_int_equal(g.n, 0);
    feed(rs, c, err2, 3, 120 * SEC, 3); /* right pair, but 20 s later */
    assert_int_equal(g.n, 0);
    feed(rs, c, conn, 5, 125 * SEC, 4);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.group[0], "internal_ip=10.1.1.1,remote_ip=192.0.2.9");
    assert_true(g.value[0] == 2);
    sigma_corr_free(c);
    sigma_ruleset_free(rs);
}

static void test_bounded_groups(void **state)
{
    (void)state;
    sigma_ruleset *rs = with_base("title: per name\ncorrelation:\n    type: event_count\n    rules:\n"
                                  "        - share_access\n    group-by:\n        - RelativeTargetName\n"
                                  "    timespan: 1h\n    condition:\n        gte: 2\n");
    got g = {0};
    sigma_corr_limits l;
    sigma_corr_limits_default(&l);
    l.memcap = 16 * 1024;
    l.max_events = 8;
    sigma_corr *c = sigma_corr_new(rs, &l, on_alert, &g, NULL, 0);
    char name[32];
    for (int i = 0; i < 5000; i++) {
        snprintf(name, sizeof(name), "n%d", i);
        access(rs, c, "10.0.0.5", name, "1", (uint64_t)i);
    }
    sigma_corr_stats st = sigma_corr_get_stats(c);
    assert_true(st.groups_peak < 40); /* 16 KiB of groups */
    assert_true(st.evicted > 4900);
    assert_int_equal(g.n, 0);
    /* the newest groups are still there */
    access(rs, c, "10.0.0.5", "n4999", "1", 6000);
    assert_int_equal(g.n, 1);
    sigma_corr_free(c);
    /* a rising count beyond what a group keeps is refused with a reason */
    char err[256];
    sigma_ruleset *big = with_base("title: huge\ncorrelation:\n    type: event_count\n    rules:\n"
                                   "        - share_access\n    group-by:\n        - IpAddress\n"
                                   "    timespan: 1h\n    condition:\n        gte: 100\n");
    assert_null(sigma_corr_new(big, &l, on_alert, &g, err, sizeof(err)));
    assert_non_null(strstr(err, "'huge'"));
    assert_non_null(strstr(err, "max-events"));
    sigma_ruleset_free(big);
    sigma_ruleset_free(rs);
}

typedef struct thr {
    const sigma_ruleset *rs;
    sigma_corr *c;
    int part;
} thr;

static void *worker(void *arg)
{
    thr *t = arg;
    /* each worker has its own copy of the rules, as the sensor's workers do */
    for (int i = 0; i < 500; i++) {
        sigma_field f[] = {{"EventID", "5145"}, {"IpAddress", "10.0.0.5"}, {"RelativeTargetName", "x"}};
        sigma_event ev = {"windows", "security", NULL, f, 3};
        const sigma_rule *m[4];
        size_t n = sigma_match(t->rs, &ev, m, 4);
        for (size_t k = 0; k < n; k++)
            sigma_corr_feed(t->c, sigma_rule_index(m[k]), &ev, (uint64_t)(i * 2 + t->part) * 1000, (uint64_t)t->part);
    }
    return NULL;
}

static void test_workers_share_one_engine(void **state)
{
    (void)state;
    const char *corr = "title: thousand\ncorrelation:\n    type: event_count\n    rules:\n"
                       "        - share_access\n    group-by:\n        - IpAddress\n"
                       "    timespan: 1h\n    condition:\n        gte: 1000\n";
    sigma_ruleset *rs0 = with_base(corr), *rs1 = with_base(corr);
    got g = {0};
    sigma_corr_limits l;
    sigma_corr_limits_default(&l);
    l.max_events = 1024;
    sigma_corr *c = sigma_corr_new(rs0, &l, on_alert, &g, NULL, 0);
    thr t0 = {rs0, c, 0}, t1 = {rs1, c, 1};
    pthread_t a, b;
    pthread_create(&a, NULL, worker, &t0);
    pthread_create(&b, NULL, worker, &t1);
    pthread_join(a, NULL);
    pthread_join(b, NULL);
    /* 500 matches on each worker: one group of 1000 */
    assert_int_equal(g.n, 1);
    assert_true(g.value[0] == 1000);
    assert_int_equal(sigma_corr_get_stats(c).fed, 1000);
    sigma_corr_free(c);
    sigma_ruleset_free(rs0);
    sigma_ruleset_free(rs1);
}

typedef struct reason_buf {
    char text[512];
} reason_buf;

static void keep_reason(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)file;
    (void)line;
    reason_buf *b = ctx;
    snprintf(b->text, sizeof(b->text), "%s", reason);
}

static void test_load_errors(void **state)
{
    (void)state;
    static const struct {
        const char *yaml, *reason;
    } bad[] = {
        {"title: c\ncorrelation:\n  type: counting\n  rules: [a]\n", "unknown correlation type"},
        {"title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: "
         "5x\n",
         "timespan"},
        {"title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: "
         "5m\n",
         "needs a 'condition'"},
        {"title: c\ncorrelation:\n  type: value_count\n  rules: [a]\n  timespan: "
         "5m\n  condition:\n    gt: 2\n",
         "needs 'field'"},
        {"title: c\ncorrelation:\n  type: event_count\n  rules: [a]\n  timespan: "
         "5m\n  condition:\n    more: 2\n",
         "not 'more'"},
        {"title: f\nlogsource:\n  product: windows\nfilter:\n  selection:\n    "
         "A: 1\n  condition: not selection\n",
         "names no 'rules'"},
        {"title: x\nlogsource:\n  product: windows\ndetection:\n  s:\n    "
         "A|neq|all: [1, 2]\n  condition: s\n",
         "neq cannot be combined with all"},
        {"title: x\nlogsource:\n  product: windows\ndetection:\n  s:\n    "
         "A|hour|contains: 1\n  condition: s\n",
         "time modifiers"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sigma_ruleset *rs = sigma_ruleset_new();
        reason_buf rb = {""};
        assert_int_equal(sigma_load_string(rs, "bad.yml", bad[i].yaml, strlen(bad[i].yaml), keep_reason, &rb), 1);
        if (!strstr(rb.text, bad[i].reason))
            fprintf(stderr, "case %zu: '%s'\n", i, rb.text);
        assert_non_null(strstr(rb.text, bad[i].reason));
        sigma_ruleset_free(rs);
    }
    /* an unresolved reference is found by the check, once every file is in */
    sigma_ruleset *rs = sigma_ruleset_new();
    const char *y = "title: c\ncorrelation:\n  type: temporal\n  rules: "
                    "[nowhere]\n  group-by: [A]\n  timespan: 5m\n";
    assert_int_equal(sigma_load_string(rs, "c.yml", y, strlen(y), print_err, NULL), 0);
    int n = 0;
    assert_int_equal(sigma_ruleset_check(rs, print_err, &n), 1);
    assert_int_equal(n, 1);
    /* ... and resolved by a later file */
    const char *r = "title: r\nname: nowhere\nlogsource:\n  product: "
                    "windows\ndetection:\n  s:\n    A: 1\n  condition: s\n";
    assert_int_equal(sigma_load_string(rs, "r.yml", r, strlen(r), print_err, NULL), 0);
    assert_int_equal(sigma_ruleset_check(rs, print_err, NULL), 0);
    sigma_ruleset_free(rs);
}

static bool one(const sigma_ruleset *rs, const sigma_field *f, size_t n)
{
    sigma_event ev = {"windows", "security", NULL, f, n};
    const sigma_rule *m[4];
    return sigma_match(rs, &ev, m, 4) == 1;
}

/* The filter specification's example, and a filter written as SigmaHQ's
 * tuning filters are: `not selection` on the rules it names. */
static void test_filters(void **state)
{
    (void)state;
    sigma_ruleset *rs = sigma_ruleset_new();
    const char *y = ("title: Data Compressed - rar.exe\nid: "
                     "6f3e2987-db24-4c78-a860-b4f4095a7095\n"
                     "logsource:\n    category: process_creation\n    product: windows\n"
                     "detection:\n    sel:\n        Image|endswith: '\\rar.exe'\n    "
                     "condition: sel\n"
                     "---\n"
                     "title: other\nid: 7a7a7a7a-0000-4000-8000-000000000000\n"
                     "logsource:\n    category: process_creation\n    product: windows\n"
                     "detection:\n    sel:\n        Image|endswith: '\\rar.exe'\n    "
                     "condition: sel\n"
                     "---\n"
                     "title: Filter Administrator account\n"
                     "description: The valid administrator account start with adm_\n"
                     "logsource:\n    category: process_creation\n    product: windows\n"
                     "filter:\n    rules:\n        - 6f3e2987-db24-4c78-a860-b4f4095a7095\n"
                     "        - df0841c0-9846-4e9f-ad8a-7df91571771b\n"
                     "    selection:\n        User|startswith: 'adm_'\n    condition: not "
                     "selection\n");
    assert_int_equal(sigma_load_string(rs, "f.yml", y, strlen(y), print_err, NULL), 0);
    assert_true(sigma_rule_is_filter(sigma_rule_at(rs, 2)));
    sigma_field admin[] = {{"Image", "C:\\tools\\rar.exe"}, {"User", "adm_jo"}};
    sigma_field user[] = {{"Image", "C:\\tools\\rar.exe"}, {"User", "jo"}};
    sigma_event ev = {"windows", NULL, "process_creation", admin, 2};
    const sigma_rule *m[4];
    /* the filtered rule no longer matches the admin; the other rule still does */
    assert_int_equal(sigma_match(rs, &ev, m, 4), 1);
    assert_string_equal(sigma_rule_title(m[0]), "other");
    ev.fields = user;
    assert_int_equal(sigma_match(rs, &ev, m, 4), 2);
    /* the second rule the filter names is not loaded: the check says so */
    int n = 0;
    assert_int_equal(sigma_ruleset_check(rs, print_err, &n), 1);
    sigma_ruleset_free(rs);
}

static void test_neq_modifier(void **state)
{
    (void)state;
    sigma_ruleset *rs = load("title: neq\nlogsource:\n    product: windows\n    service: security\n"
                             "detection:\n    sel:\n        EventID: 5145\n        ShareName|neq: "
                             "'\\\\*\\IPC$'\n"
                             "        AccessMask|neq: [0x1, 0x2]\n    condition: sel\n"
                             "---\n"
                             "title: neq fieldref\nlogsource:\n    product: windows\n    service: "
                             "security\n"
                             "detection:\n    sel:\n        EventID: 4624\n"
                             "        TargetUserName|fieldref|neq: SubjectUserName\n    condition: "
                             "sel\n");
    sigma_field ipc[] = {{"EventID", "5145"}, {"ShareName", "\\\\*\\ipc$"}, {"AccessMask", "0x3"}};
    sigma_field adm[] = {{"EventID", "5145"}, {"ShareName", "\\\\*\\ADMIN$"}, {"AccessMask", "0x3"}};
    sigma_field adm1[] = {{"EventID", "5145"}, {"ShareName", "\\\\*\\ADMIN$"}, {"AccessMask", "0x2"}};
    sigma_field nosh[] = {{"EventID", "5145"}, {"AccessMask", "0x3"}};
    assert_false(one(rs, ipc, 3)); /* case-insensitive, like every Sigma string */
    assert_true(one(rs, adm, 3));
    assert_false(one(rs, adm1, 3)); /* equal to one of the values */
    assert_false(one(rs, nosh, 2)); /* an absent field differs from nothing */
    sigma_field same[] = {{"EventID", "4624"}, {"TargetUserName", "Bob"}, {"SubjectUserName", "bob"}};
    sigma_field diff[] = {{"EventID", "4624"}, {"TargetUserName", "alice"}, {"SubjectUserName", "bob"}};
    assert_false(one(rs, same, 3));
    assert_true(one(rs, diff, 3));
    sigma_ruleset_free(rs);
}

static void test_time_modifiers(void **state)
{
    (void)state;
    sigma_ruleset *rs = load("title: night\nlogsource:\n    product: windows\n"
                             "detection:\n    sel:\n        TimeCreated|hour|gte: 22\n    late:\n"
                             "        TimeCreated|hour|lt: 5\n    condition: sel or late\n"
                             "---\ntitle: new year\nlogsource:\n    product: windows\n"
                             "detection:\n    sel:\n        TimeCreated|month: 1\n        "
                             "TimeCreated|day: 1\n"
                             "        TimeCreated|year: 2026\n        TimeCreated|minute|neq: "
                             "0\n    condition: sel\n"
                             "---\ntitle: week one\nlogsource:\n    product: windows\n"
                             "detection:\n    sel:\n        TimeCreated|week: 1\n    condition: "
                             "sel\n");
    sigma_event ev = {"windows", NULL, NULL, NULL, 1};
    const sigma_rule *m[4];
    static const struct {
        const char *t;
        size_t hits;
        const char *first;
    } cases[] = {
        {"2026-03-04T23:10:00.000Z", 1, "night"},
        {"2026-03-04 03:59:59", 1, "night"},
        {"2026-03-04T12:00:00Z", 0, NULL},
        {"2026-01-01T12:30:00.1234567Z", 2, "new year"}, /* 1 Jan 2026 is a Thursday: ISO week 1 */
        {"2026-01-01T12:00:00Z", 1, "week one"},
        {"2027-01-03T12:00:00Z", 0, NULL}, /* a Sunday: week 53 of 2026 */
        {"2027-01-04T12:00:00Z", 1, "week one"},
        {"2024-12-30T12:00:00Z", 1, "week one"}, /* Monday of ISO week 1 of 2025 */
        {"not a date", 0, NULL},
        {"2026-13-01T00:00:00Z", 0, NULL},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sigma_field f[] = {{"TimeCreated", cases[i].t}};
        ev.fields = f;
        size_t n = sigma_match(rs, &ev, m, 4);
        if (n != cases[i].hits)
            fprintf(stderr, "%s: %zu hits\n", cases[i].t, n);
        assert_int_equal(n, cases[i].hits);
        if (n)
            assert_string_equal(sigma_rule_title(m[0]), cases[i].first);
    }
    sigma_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spec_example_chain),
        cmocka_unit_test(test_value_count),
        cmocka_unit_test(test_event_count_window_slides),
        cmocka_unit_test(test_event_count_upper_bound_closes),
        cmocka_unit_test(test_neq_condition_and_eq),
        cmocka_unit_test(test_value_sum_avg),
        cmocka_unit_test(test_value_percentile),
        cmocka_unit_test(test_temporal_aliases),
        cmocka_unit_test(test_bounded_groups),
        cmocka_unit_test(test_workers_share_one_engine),
        cmocka_unit_test(test_load_errors),
        cmocka_unit_test(test_filters),
        cmocka_unit_test(test_neq_modifier),
        cmocka_unit_test(test_time_modifiers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
