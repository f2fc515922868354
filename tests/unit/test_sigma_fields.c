/* Field names bound once (detect/sigma_fields.c): sigma_match_fixed gives
 * exactly what evaluating every rule by name gives, for events whose field
 * layouts repeat, change, collide in the layout table, name a field in
 * another case, name it twice, carry it under its alias, or hold more fields
 * than a layout keeps. Run from the repository root (conf/rules). */
#include "testutil.h"

#include "../../detect/sigma.h"

static sigma_ruleset *rs;

static const char rules[] = "title: exact share\n"
                            "id: 00000000-0000-0000-0000-00000000f001\n"
                            "logsource: {product: windows, service: security}\n"
                            "detection:\n"
                            "  sel: {EventID: 5145, ShareName: '\\\\*\\IPC$', RelativeTargetName|endswith: '-stdin'}\n"
                            "  condition: sel\n"
                            "---\n"
                            "title: lower-case name in the rule\n"
                            "id: 00000000-0000-0000-0000-00000000f002\n"
                            "logsource: {product: windows, service: security}\n"
                            "detection:\n"
                            "  sel: {relativetargetname|contains: 'svcctl'}\n"
                            "  condition: sel\n"
                            "---\n"
                            "title: by alias\n"
                            "id: 00000000-0000-0000-0000-00000000f003\n"
                            "logsource: {product: windows, service: security}\n"
                            "detection:\n"
                            "  sel: {AccessList|contains: 'WriteData'}\n"
                            "  filter: {SubjectUserName: 'alice'}\n"
                            "  condition: sel and not filter\n"
                            "---\n"
                            "title: absent field\n"
                            "id: 00000000-0000-0000-0000-00000000f004\n"
                            "logsource: {product: windows, service: security}\n"
                            "detection:\n"
                            "  sel: {EventID: 5145, IpPort: null}\n"
                            "  condition: sel\n"
                            "---\n"
                            "title: field thirty-three\n"
                            "id: 00000000-0000-0000-0000-00000000f005\n"
                            "logsource: {product: windows, service: security}\n"
                            "detection:\n"
                            "  sel: {F32: 'last'}\n"
                            "  condition: sel\n";

/* Names are constants: string literals and one static table. */
static const char *const extra[] = {"F0",  "F1",  "F2",  "F3",  "F4",  "F5",  "F6",  "F7",  "F8",  "F9",  "F10",
                                    "F11", "F12", "F13", "F14", "F15", "F16", "F17", "F18", "F19", "F20", "F21",
                                    "F22", "F23", "F24", "F25", "F26", "F27", "F28", "F29", "F30", "F31", "F32"};

static void print_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)ctx;
    fprintf(stderr, "%s:%u: %s\n", file, line, reason);
}

static int setup(void **state)
{
    (void)state;
    rs = sigma_ruleset_new();
    if (!rs || sigma_load_string(rs, "fields.yml", rules, sizeof rules - 1, print_err, NULL) != 0)
        return -1;
    return sigma_load_path(rs, "conf/rules", print_err, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sigma_ruleset_free(rs);
    return 0;
}

static unsigned long matched;

/* The bound match and the match by name agree, twice (the second time the
 * layout is known). Returns how many rules matched. */
static size_t same(const sigma_field *f, size_t n)
{
    sigma_event ev = {"windows", "security", NULL, f, n};
    const sigma_rule *a[32], *b[32];
    size_t nb = sigma_match_linear(rs, &ev, b, 32);
    for (int pass = 0; pass < 2; pass++) {
        size_t na = sigma_match_fixed(rs, &ev, a, 32);
        assert_int_equal(na, nb);
        for (size_t i = 0; i < na && i < 32; i++)
            assert_ptr_equal(a[i], b[i]);
    }
    assert_int_equal(sigma_match(rs, &ev, a, 32), nb);
    matched += nb;
    return nb;
}

static bool has(const sigma_field *f, size_t n, const char *title)
{
    sigma_event ev = {"windows", "security", NULL, f, n};
    const sigma_rule *a[32];
    size_t na = sigma_match_fixed(rs, &ev, a, 32);
    for (size_t i = 0; i < na && i < 32; i++)
        if (strcmp(sigma_rule_title(a[i]), title) == 0)
            return true;
    return false;
}

static void test_layouts(void **state)
{
    (void)state;
    sigma_field f[40];
    /* the same layout with other values */
    const char *pipes[] = {"svc-stdin", "svcctl", "srvsvc", "x-stdin", "lsarpc"};
    for (size_t k = 0; k < 5; k++) {
        sigma_field g[] = {{"EventID", "5145"},
                           {"SubjectUserName", k == 3 ? "alice" : "bob"},
                           {"ShareName", "\\\\*\\IPC$"},
                           {"RelativeTargetName", pipes[k]},
                           {"AccessList", "%%4416"},
                           {"AccessListDescription", k % 2 ? "WriteData (or AddFile)" : "ReadData"}};
        same(g, 6);
    }
    sigma_field g[] = {{"EventID", "5145"}, {"ShareName", "\\\\*\\IPC$"}, {"RelativeTargetName", "svc-stdin"}};
    assert_true(has(g, 3, "exact share"));
    assert_true(has(g, 3, "absent field"));
    /* the same names in another order, in another case, twice, absent */
    sigma_field h[] = {{"relativeTARGETname", "x-stdin"}, {"EventID", "5145"}, {"ShareName", "\\\\*\\C$"}};
    same(h, 3);
    assert_false(has(h, 3, "exact share"));
    sigma_field d[] = {{"EventID", "5145"},
                       {"ShareName", "\\\\*\\C$"},
                       {"ShareName", "\\\\*\\IPC$"},
                       {"RelativeTargetName", "svcctl"},
                       {"relativetargetname", "nothing"},
                       {"IpPort", NULL}};
    same(d, 6);
    assert_false(has(d, 6, "exact share")); /* the first ShareName counts */
    assert_true(has(d, 6, "absent field"));
    sigma_field lc[] = {{"EventID", "5145"}, {"relativetargetname", "svcctl"}};
    assert_true(has(lc, 2, "lower-case name in the rule"));
    same(lc, 2);
    /* an exact name found after a case-insensitive one: the exact one counts */
    sigma_field ex[] = {{"RELATIVETARGETNAME", "svcctl"}, {"relativetargetname", "other"}};
    same(ex, 2);
    assert_false(has(ex, 2, "lower-case name in the rule"));
    /* many layouts: more than the table keeps, so they replace each other */
    for (size_t round = 0; round < 3; round++)
        for (size_t n = 1; n <= 33; n++) {
            for (size_t i = 0; i < n; i++) {
                f[i].name = extra[i];
                f[i].value = "v";
            }
            f[n - 1].name = "RelativeTargetName";
            f[n - 1].value = round == 1 ? "a-stdin" : "svcctl";
            same(f, n);
        }
    /* more fields than a layout holds: by name, the same result */
    for (size_t i = 0; i < 33; i++) {
        f[i].name = extra[i];
        f[i].value = i == 32 ? "last" : "v";
    }
    assert_int_equal(same(f, 33), 1);
    assert_true(has(f, 33, "field thirty-three"));
    assert_true(matched > 10);
}

/* The events winevent builds are matched the bound way in the sensor; a
 * rule set loaded again (the index and its binding rebuilt) still agrees. */
static void test_reload(void **state)
{
    (void)state;
    sigma_field g[] = {{"EventID", "5145"}, {"ShareName", "\\\\*\\IPC$"}, {"RelativeTargetName", "svc-stdin"}};
    size_t before = same(g, 3);
    static const char more[] = "title: more\n"
                               "id: 00000000-0000-0000-0000-00000000f006\n"
                               "logsource: {product: windows, service: security}\n"
                               "detection:\n"
                               "  sel: {ShareName|endswith: 'IPC$'}\n"
                               "  condition: sel\n";
    assert_int_equal(sigma_load_string(rs, "more.yml", more, sizeof more - 1, print_err, NULL), 0);
    assert_int_equal(same(g, 3), before + 1);
    assert_true(has(g, 3, "more"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layouts),
        cmocka_unit_test(test_reload),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
