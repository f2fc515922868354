/* The rule index gives exactly what evaluating every rule gives: 10,000
 * generated rules (tests/tools/rulegen.h) and the shipped ones, over the
 * events of the bundled samples (read back from their golden EVE files) and
 * over events made to hit and nearly miss each kind of generated rule. Run
 * from the repository root. */
#include "testutil.h"

#include <dirent.h>

#include "../../detect/sigma.h"
#include "../tools/rulegen.h"

#define NRULES 10000

static sigma_ruleset *rs;
static unsigned long events, hits;

static void print_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)ctx;
    fprintf(stderr, "%s:%u: %s\n", file, line, reason);
}

static void same(const sigma_event *ev)
{
    const sigma_rule *a[64], *b[64];
    size_t na = sigma_match(rs, ev, a, 64), nb = sigma_match_linear(rs, ev, b, 64);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na && i < 64; i++)
        assert_ptr_equal(a[i], b[i]);
    events++;
    hits += na;
}

static int setup(void **state)
{
    (void)state;
    rs = sigma_ruleset_new();
    /* one file of NRULES documents */
    size_t cap = (size_t)NRULES * 1024, len = 0;
    char *all = malloc(cap);
    if (!rs || !all)
        return -1;
    for (unsigned i = 0; i < NRULES; i++) {
        len += (size_t)snprintf(all + len, cap - len, "---\n");
        int n = rulegen_rule(i, all + len, cap - len);
        if (n < 0)
            return -1;
        len += (size_t)n;
    }
    int bad = sigma_load_string(rs, "gen.yml", all, len, print_err, NULL);
    free(all);
    return bad == 0 && sigma_load_path(rs, "conf/rules", print_err, NULL) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sigma_ruleset_free(rs);
    return 0;
}

/* ---- the bundled samples' events, from their golden files ---------------- */

/* Copies the JSON string at *p (after its opening quote) into out,
 * unescaping the escapes pipewatch writes; *p ends after the closing quote. */
static void json_str(const char **p, char *out, size_t n)
{
    size_t w = 0;
    const char *s = *p;
    while (*s && *s != '"') {
        char c = *s++;
        if (c == '\\') {
            c = *s++;
            c = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' : c;
            if (s[-1] == 'u') { /* \u00XX */
                unsigned v = 0;
                sscanf(s, "%4x", &v);
                s += 4;
                c = (char)v;
            }
        }
        if (w + 1 < n)
            out[w++] = c;
    }
    out[w] = 0;
    *p = *s ? s + 1 : s;
}

static void golden_events(const char *path)
{
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    static char line[65536];
    while (fgets(line, sizeof(line), f)) {
        if (!strstr(line, "\"event_type\":\"winlog\""))
            continue;
        static char store[64][1024];
        sigma_field fl[64];
        size_t nf = 0;
        const char *id = strstr(line, "\"event_id\":");
        assert_non_null(id);
        snprintf(store[nf], sizeof(store[nf]), "%ld", strtol(id + 11, NULL, 10));
        fl[nf].name = "EventID";
        fl[nf].value = store[nf];
        nf++;
        const char *c = strstr(line, "\"computer_name\":\"");
        if (c) {
            c += 17;
            json_str(&c, store[nf], sizeof(store[nf]));
            fl[nf].name = "Computer";
            fl[nf].value = store[nf];
            nf++;
        }
        fl[nf].name = "Channel";
        fl[nf++].value = "Security";
        fl[nf].name = "Provider_Name";
        fl[nf++].value = "Microsoft-Windows-Security-Auditing";
        static char names[64][128];
        const char *p = strstr(line, "\"event_data\":{");
        assert_non_null(p);
        p += 14;
        while (*p == '"' && nf + 1 < 64) {
            p++;
            json_str(&p, names[nf], sizeof(names[nf]));
            assert_int_equal(*p, ':');
            p++;
            if (*p == '[') { /* an array Winlogbeat adds (AccessListDescription): not matched here */
                const char *close = strchr(p, ']');
                assert_non_null(close);
                p = close + 1;
                if (*p == ',')
                    p++;
                continue;
            }
            assert_int_equal(*p, '"');
            p++;
            json_str(&p, store[nf], sizeof(store[nf]));
            fl[nf].name = names[nf];
            fl[nf].value = store[nf];
            nf++;
            if (*p == ',')
                p++;
        }
        sigma_event ev = {"windows", "security", NULL, fl, nf};
        same(&ev);
    }
    fclose(f);
}

static void test_bundled_samples(void **state)
{
    (void)state;
    DIR *d = opendir("pcaps");
    assert_non_null(d);
    struct dirent *de;
    unsigned long before = hits, files = 0, ev0 = events;
    while ((de = readdir(d))) {
        size_t l = strlen(de->d_name);
        if (l > 9 && strcmp(de->d_name + l - 9, ".eve.json") == 0) {
            char path[512];
            snprintf(path, sizeof(path), "pcaps/%s", de->d_name);
            golden_events(path);
            files++;
        }
    }
    closedir(d);
    assert_true(files >= 10);
    assert_true(events - ev0 >= 40);
    /* the shipped rules and the generated real detections fire on them */
    assert_true(hits - before >= 20);
    print_message("%lu sample events, %lu matches, %zu of %zu rules unindexed\n", events - ev0, hits - before,
                  sigma_ruleset_unindexed(rs), sigma_rule_count(rs));
    assert_true(sigma_ruleset_unindexed(rs) < NRULES / 100);
}

/* ---- events aimed at each kind of generated rule ------------------------- */

static void test_generated(void **state)
{
    (void)state;
    static const unsigned other_ids[] = {4624, 4625, 4688, 4698, 4720, 7045, 1102, 4672};
    unsigned long before = hits;
    for (unsigned i = 0; i < NRULES; i += 31) {
        char nm[32], v1[64], v2[64], v3[64], id[16], mask[16];
        rulegen_name(i, nm, sizeof(nm));
        snprintf(mask, sizeof(mask), "0x%x", 0x100000u + i);
        /* 5145 with the name as is, with each suffix, embedded, numbered */
        const char *rel[] = {nm, v1, v2, v3};
        snprintf(v1, sizeof(v1), "%s-a", nm);
        snprintf(v2, sizeof(v2), "X%sY", nm);
        snprintf(v3, sizeof(v3), "%s-42", nm);
        for (size_t k = 0; k < 4; k++) {
            char svc[32];
            snprintf(svc, sizeof(svc), "svc%u", k == 1 ? i : i + 1);
            sigma_field f[] = {{"EventID", "5145"},      {"ShareName", "\\\\SRV\\IPC$"}, {"RelativeTargetName", rel[k]},
                               {"SubjectUserName", svc}, {"AccessMask", k == 2 ? mask : "0x1"},
                               {"Note", k == 3 ? "kw" : "x"}};
            sigma_event ev = {"windows", "security", NULL, f, sizeof(f) / sizeof(f[0])};
            same(&ev);
            f[0].value = "05145"; /* the same number written otherwise */
            same(&ev);
        }
        snprintf(v1, sizeof(v1), "\\\\SRV\\share%u$", i);
        snprintf(v2, sizeof(v2), "user%u", i);
        snprintf(id, sizeof(id), "%u", other_ids[(i / 10) % 8]);
        snprintf(v3, sizeof(v3), "kw%s", nm);
        sigma_field g[] = {{"EventID", "5140"}, {"ShareName", v1}, {"TargetUserName", v2}, {"Extra", v3}};
        sigma_event ev = {"windows", "security", NULL, g, 4};
        same(&ev);
        sigma_field g2[] = {{"EventID", id}, {"ShareName", v1}, {"TargetUserName", v2}, {"Extra", v3}};
        sigma_event ev2 = {"windows", "security", NULL, g2, 4};
        same(&ev2);
        snprintf(v1, sizeof(v1), "C:\\Windows\\TOOL%u.EXE", i);
        snprintf(v2, sizeof(v2), "tool -arg%u -x", i);
        sigma_field pc[] = {{"Image", v1}, {"CommandLine", v2}};
        sigma_event pe = {"windows", NULL, "process_creation", pc, 2};
        same(&pe);
        snprintf(v1, sizeof(v1), "/usr/bin%u/sh", i);
        sigma_field lx[] = {{"type", "EXECVE"}, {"a0", v1}};
        sigma_event le = {"linux", "auditd", NULL, lx, 2};
        same(&le);
    }
    print_message("%lu events in all, %lu matches\n", events, hits);
    assert_true(hits - before >= NRULES / 31);
}

/* Values and conditions at the edges of what the index files: each event
 * gives what evaluating every rule gives, and the expected rules fire. */
static void test_edges(void **state)
{
    (void)state;
    static const char *const det[] = {
        "    s:\n        A|re: '^abc|xyz'\n    condition: s\n",
        "    s:\n        A|re|i: '^Abcd'\n    condition: s\n",
        "    s:\n        A|re: '^abcd?e'\n    condition: s\n",
        "    s:\n        A|re|m: '^abcd'\n    condition: s\n",
        "    s:\n        A|re: '^abc{0}d'\n    condition: s\n",
        "    s:\n        EventID: 5145\n    condition: s\n",
        "    s:\n        A|cased: 'AbC'\n    condition: s\n",
        "    s:\n        A|contains|all: ['xx1', 'yy2']\n    condition: s\n",
        "    s:\n        A: 'abc'\n    condition: not s\n",
        "    sa:\n        A: 'one'\n    sb:\n        B|startswith: 'two'\n    condition: 1 of s*\n",
        "    sa:\n        A: 'one'\n    sb:\n        B|startswith: 'two'\n    condition: all of them\n",
        "    s:\n        A|endswith: 'ab'\n    condition: s\n",
        "    s:\n        eventid: 5140\n    condition: s\n",
        "    k:\n        - 'needle'\n    condition: k\n",
        "    s:\n        A: ''\n    condition: s\n",
        "    s:\n        A: null\n    condition: s\n",
        "    s:\n        A|base64offset|contains: 'abc'\n    condition: s\n",
        "    s:\n        A|windash|contains: '-abc'\n    condition: s\n",
        "    s:\n        A|startswith: 'abc'\n    f:\n        B: 'x'\n    condition: s or f\n",
        "    s:\n        A|startswith: 'abc'\n    f:\n        B: 'x'\n    condition: s and not f\n",
    };
    static char yaml[65536];
    size_t len = 0;
    for (size_t i = 0; i < sizeof(det) / sizeof(det[0]); i++)
        len += (size_t)snprintf(yaml + len, sizeof(yaml) - len,
                                "---\ntitle: edge %zu\nlogsource:\n    product: windows\n    service: security\n"
                                "detection:\n%s",
                                i, det[i]);
    sigma_ruleset *keep = rs;
    rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "edges.yml", yaml, len, print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), sizeof(det) / sizeof(det[0]));
    static const char *const vals[] = {"xyz",  "qxyz", "abcq", "aBCDx", "abce", "abde", "x\nabcd", "abd",
                                       "AbC",  "abc",  "xx1 yy2", "one",  "twofold", "xab", "needle",
                                       "",     "YWJj", "/abc", "\u2013abc", "+5145", "05145", "5145",
                                       "5140", NULL};
    unsigned long before = hits;
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        for (size_t j = 0; j < sizeof(vals) / sizeof(vals[0]); j += 5) {
            sigma_field f[] = {{"A", vals[i]}, {"B", vals[j]}, {"EventID", vals[(i + j) % 24]}, {"C", vals[j]}};
            sigma_event ev = {"windows", "security", NULL, f, 4};
            same(&ev);
            sigma_field g[] = {{"eventid", vals[i]}, {"EventID", vals[j]}};
            sigma_event ev2 = {"windows", "security", NULL, g, 2};
            same(&ev2);
        }
    assert_true(hits - before > 50);
    sigma_ruleset_free(rs);
    rs = keep;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bundled_samples),
        cmocka_unit_test(test_generated),
        cmocka_unit_test(test_edges),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
