/* Sigma engine: value semantics, modifiers, conditions, logsource, load
 * errors and the shipped rules. Run from the repository root (the shipped
 * rules are read from conf/rules). */
#include "testutil.h"

#include <sys/stat.h>
#include <unistd.h>

#include "../../detect/sigma.h"
#include "../../detect/sigma_internal.h"
#include "../../detect/yaml_depth.h"

#define RULES_DIR "conf/rules"

/* ---- helpers --------------------------------------------------------- */

typedef struct errs {
    int n;
    char file[256];
    unsigned line;
    char reason[512];
} errs;

static void collect(void *ctx, const char *file, unsigned line, const char *reason)
{
    errs *e = ctx;
    if (e->n++ == 0) {
        snprintf(e->file, sizeof(e->file), "%s", file);
        e->line = line;
        snprintf(e->reason, sizeof(e->reason), "%s", reason);
    }
}

static void print_err(void *ctx, const char *file, unsigned line, const char *reason)
{
    (void)ctx;
    fprintf(stderr, "%s:%u: %s\n", file, line, reason);
}

/* A rule around a detection body (indented by four spaces). */
static sigma_ruleset *rule_from(const char *detection)
{
    char buf[8192];
    snprintf(buf, sizeof(buf),
             "title: test\nid: 11111111-2222-4333-8444-555555555555\nlevel: high\n"
             "logsource:\n    product: windows\n    service: security\ndetection:\n%s",
             detection);
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_non_null(rs);
    int failed = sigma_load_string(rs, "t.yml", buf, strlen(buf), print_err, NULL);
    assert_int_equal(failed, 0);
    assert_int_equal(sigma_rule_count(rs), 1);
    return rs;
}

/* Loads a rule that must fail and returns the first error. */
static errs load_fail(const char *yaml)
{
    errs e;
    memset(&e, 0, sizeof(e));
    sigma_ruleset *rs = sigma_ruleset_new();
    int failed = sigma_load_string(rs, "bad.yml", yaml, strlen(yaml), collect, &e);
    assert_int_equal(failed, 1);
    assert_int_equal(e.n, 1);
    assert_int_equal(sigma_rule_count(rs), 0);
    assert_string_equal(e.file, "bad.yml");
    sigma_ruleset_free(rs);
    return e;
}

static errs det_fail(const char *detection)
{
    char buf[8192];
    snprintf(buf, sizeof(buf),
             "title: test\n"          /* line 1 */
             "logsource:\n"           /* 2 */
             "    product: windows\n" /* 3 */
             "detection:\n%s",        /* 4; the body starts at line 5 */
             detection);
    return load_fail(buf);
}

#define MAXF 16
typedef struct evb {
    sigma_field f[MAXF];
    sigma_event ev;
} evb;

/* Name, value pairs ended by a NULL name; a value of NULL leaves the field
 * absent (listed with a NULL value). The pairs travel as an array rather than
 * as variadic arguments, where a bare NULL need not arrive as a pointer. */
static const sigma_event *mkev(evb *b, const char *product, const char *service, const char *const *kv)
{
    size_t n = 0;
    for (; kv[2 * n]; n++) {
        assert_true(n < MAXF);
        b->f[n].name = kv[2 * n];
        b->f[n].value = kv[2 * n + 1];
    }
    b->ev.product = product;
    b->ev.service = service;
    b->ev.category = NULL;
    b->ev.fields = b->f;
    b->ev.nfields = n;
    return &b->ev;
}

static bool rs_hit_list(const sigma_ruleset *rs, const char *const *kv)
{
    evb b;
    return sigma_rule_match(sigma_rule_at(rs, 0), mkev(&b, "windows", "security", kv));
}
#define rs_hit(rs, ...) rs_hit_list((rs), (const char *const[]){__VA_ARGS__})

/* One selection "sel" with one field F (the YAML line after "F"). */
static bool one(const char *key_and_value, const char *field_value)
{
    char det[2048];
    snprintf(det, sizeof(det), "    sel:\n        %s\n    condition: sel\n", key_and_value);
    sigma_ruleset *rs = rule_from(det);
    bool r = rs_hit(rs, "F", field_value, "Other", "zzz", NULL);
    sigma_ruleset_free(rs);
    return r;
}

/* ---- escapes and wildcards (spec "Escaping") ------------------------- */

static void test_escape_star_and_question(void **state)
{
    (void)state;
    assert_true(one("F: 'a\\*b'", "a*b"));
    assert_false(one("F: 'a\\*b'", "axb"));
    assert_true(one("F: 'a\\?b'", "a?b"));
    assert_false(one("F: 'a\\?b'", "axb"));
    assert_true(one("F: 'a?c'", "abc"));
    assert_false(one("F: 'a?c'", "ac"));
    assert_false(one("F: 'a?c'", "abbc"));
    assert_true(one("F: 'a*c'", "ac"));
    assert_true(one("F: 'a*c'", "abbbc"));
    assert_false(one("F: 'a*c'", "abbbcd"));
}

static void test_escape_backslashes(void **state)
{
    (void)state;
    /* "\\" is one backslash; "\" before an ordinary character is itself */
    assert_true(one("F: 'a\\\\b'", "a\\b"));
    assert_false(one("F: 'a\\\\b'", "a\\\\b"));
    assert_true(one("F: 'a\\b'", "a\\b"));
    assert_true(one("F: 'C:\\Windows\\System32'", "c:\\windows\\system32"));
    /* "\\*": backslash, then wildcard */
    assert_true(one("F: 'a\\\\*'", "a\\"));
    assert_true(one("F: 'a\\\\*'", "a\\anything"));
    assert_false(one("F: 'a\\\\*'", "a*"));
    /* "\\\*": backslash and a literal star */
    assert_true(one("F: 'a\\\\\\*'", "a\\*"));
    assert_false(one("F: 'a\\\\\\*'", "a\\x"));
    /* "\\\\": two backslashes */
    assert_true(one("F: 'a\\\\\\\\b'", "a\\\\b"));
    assert_false(one("F: 'a\\\\\\\\b'", "a\\b"));
    /* a trailing backslash is literal */
    assert_true(one("F: 'abc\\'", "abc\\"));
    assert_false(one("F: 'abc\\'", "abc"));
}

static void test_seed_share_pattern(void **state)
{
    (void)state;
    /* The seed rule writes ShareName as a plain scalar \\*\IPC$: one
     * backslash, a wildcard, then "\IPC$". */
    assert_true(one("F: \\\\*\\IPC$", "\\\\*\\IPC$"));
    assert_true(one("F: \\\\*\\IPC$", "\\\\SRV\\IPC$"));
    assert_true(one("F: \\\\*\\IPC$", "\\\\srv01.corp\\ipc$"));
    assert_false(one("F: \\\\*\\IPC$", "\\\\*\\ADMIN$"));
    assert_false(one("F: \\\\*\\IPC$", "\\\\*\\IPC$x"));
    assert_false(one("F: \\\\*\\IPC$", "IPC$"));
}

static void test_case_folding(void **state)
{
    (void)state;
    assert_true(one("F: 'PSEXESVC*'", "psexesvc-host"));
    assert_true(one("F: 'abc'", "ABC"));
    assert_true(one("F|cased: 'Abc'", "Abc"));
    assert_false(one("F|cased: 'Abc'", "abc"));
    assert_false(one("F|cased|contains: 'B'", "abc"));
    assert_true(one("F|cased: 'A*c'", "Abbc"));
    assert_false(one("F|cased: 'A*c'", "abbc"));
    /* non-ASCII is compared bytewise: E-acute upper (C3 89) vs lower (C3 A9) */
    assert_false(one("F: \"\\xC9t\\xE9\"", "\xc3\xa9t\xc3\xa9"));
    assert_true(one("F: \"\\xC9T\\xE9\"", "\xc3\x89t\xc3\xa9"));
}

static void test_empty_null_numbers_bools(void **state)
{
    (void)state;
    assert_true(one("F: ''", ""));
    assert_false(one("F: ''", "x"));
    assert_false(one("F: ''", NULL));
    assert_true(one("F: null", NULL));
    assert_true(one("F: null", ""));
    assert_false(one("F: null", "x"));
    assert_true(one("F: ~", NULL));
    assert_false(one("F: 'null'", NULL));
    assert_true(one("F: 'null'", "NULL"));
    assert_true(one("F: 5145", "5145"));
    assert_true(one("F: 5145", "05145"));
    assert_false(one("F: 5145", "5146"));
    assert_false(one("F: 5145", "5145x"));
    assert_false(one("F: 5145", NULL));
    assert_true(one("F: '5145'", "5145"));
    assert_false(one("F: '5145'", "05145"));
    assert_true(one("F: -3", "-3"));
    assert_true(one("F|startswith: 51", "5145"));
    assert_true(one("F: true", "true"));
    assert_true(one("F: true", "True"));
    assert_false(one("F: false", "true"));
    assert_true(one("F: '*'", ""));
    assert_false(one("F: '*'", NULL));
}

/* ---- lists, maps, all ------------------------------------------------ */

static void test_lists_maps_all(void **state)
{
    (void)state;
    assert_true(one("F: [a, b, c]", "b"));
    assert_false(one("F: [a, b, c]", "d"));
    assert_true(one("F|contains|all: [foo, bar]", "xbarxfoo"));
    assert_false(one("F|contains|all: [foo, bar]", "xfoox"));

    sigma_ruleset *rs = rule_from("    sel:\n        A: 1\n        B: x\n    condition: sel\n");
    assert_true(rs_hit(rs, "A", "1", "B", "X", NULL));
    assert_false(rs_hit(rs, "A", "1", "B", "y", NULL));
    assert_false(rs_hit(rs, "A", "1", NULL));
    sigma_ruleset_free(rs);

    /* list of maps: OR of ANDs */
    rs = rule_from("    sel:\n        - A: 1\n          B: x\n        - C: z\n    condition: sel\n");
    assert_true(rs_hit(rs, "A", "1", "B", "x", NULL));
    assert_true(rs_hit(rs, "C", "Z", NULL));
    assert_false(rs_hit(rs, "A", "1", "C", "y", NULL));
    sigma_ruleset_free(rs);

    /* field names: exact first, then case-insensitive */
    rs = rule_from("    sel:\n        eventid: 7\n    condition: sel\n");
    assert_true(rs_hit(rs, "EventID", "7", NULL));
    assert_true(rs_hit(rs, "EventID", "8", "eventid", "7", NULL));
    assert_false(rs_hit(rs, "eventid", "8", "EventID", "7", NULL));
    sigma_ruleset_free(rs);
}

static void test_keywords(void **state)
{
    (void)state;
    sigma_ruleset *rs = rule_from("    keywords:\n        - 'evilsvc'\n        - 'mimi*katz'\n"
                                  "    condition: keywords\n");
    assert_true(rs_hit(rs, "A", "x", "B", "start EVILSVC now", NULL));
    assert_true(rs_hit(rs, "A", "run mimi-katz.exe", NULL));
    assert_false(rs_hit(rs, "A", "evil svc", "B", "katz", NULL));
    sigma_ruleset_free(rs);

    rs = rule_from("    keywords:\n        '|all':\n            - 'alpha'\n            - 'beta'\n"
                   "    condition: keywords\n");
    assert_true(rs_hit(rs, "A", "alpha", "B", "xbetax", NULL));
    assert_false(rs_hit(rs, "A", "alpha", "B", "gamma", NULL));
    sigma_ruleset_free(rs);
}

/* ---- modifiers ------------------------------------------------------- */

static void test_modifiers_string(void **state)
{
    (void)state;
    assert_true(one("F|contains: 'IPC'", "\\\\x\\ipc$"));
    assert_false(one("F|contains: 'IPC'", "ADMIN$"));
    assert_true(one("F|startswith: 'PAExec'", "paexecin-x"));
    assert_false(one("F|startswith: 'PAExec'", "xpaexec"));
    assert_true(one("F|endswith: '-stdin'", "a-b-STDIN"));
    assert_false(one("F|endswith: '-stdin'", "a-stdin2"));
    assert_true(one("F|contains: 'a?c'", "xxabcxx"));
    assert_false(one("F|contains: 'a?c'", "xxacxx"));
    /* windash: '-' and '/' both stand for any of - / en dash, em dash, horizontal bar */
    assert_true(one("F|windash|contains: ' -enc '", "powershell /enc x"));
    assert_true(one("F|windash|contains: ' -enc '", "powershell -enc x"));
    assert_true(one("F|windash|contains: ' -enc '", "powershell \xe2\x80\x93"
                                                    "enc x"));
    assert_true(one("F|windash|contains: ' -enc '", "powershell \xe2\x80\x94"
                                                    "enc x"));
    assert_true(one("F|windash|contains: ' -enc '", "powershell \xe2\x80\x95"
                                                    "enc x"));
    assert_false(one("F|windash|contains: ' -enc '", "powershell \xe2\x80\x92"
                                                     "enc x"));
    assert_false(one("F|windash|contains: ' -enc '", "powershell enc x"));
    assert_true(one("F|windash: '/c'", "-C"));
    /* a dash class after a wildcard, with multi-byte alternatives to step over */
    assert_true(one("F|windash: 'a*-b'", "a\xe2\x80\x94"
                                         "b"));
    assert_true(one("F|windash: 'a*-b'", "a\xe2\x80\x93-b"));
    assert_true(one("F|windash: 'a*-b'", "ax/b"));
    assert_false(one("F|windash: 'a*-b'", "a\xe2\x80\x93"
                                          "bx"));
    assert_false(one("F|windash: 'a*-b'", "a\xe2\x80"
                                          "b"));
}

static void test_modifiers_re(void **state)
{
    (void)state;
    assert_true(one("F|re: '^PSEXESVC-.*-std(in|out|err)$'", "PSEXESVC-H-1-stdin"));
    assert_false(one("F|re: '^PSEXESVC-.*-std(in|out|err)$'", "psexesvc-H-1-stdin"));
    assert_true(one("F|re|i: '^PSEXESVC-'", "psexesvc-H"));
    assert_true(one("F|re: '(?i)^PSEXESVC-'", "psexesvc-H"));
    assert_true(one("F|re|m: '^b$'", "a\nb\nc"));
    assert_false(one("F|re: '^b$'", "a\nb\nc"));
    assert_true(one("F|re|s: 'a.b'", "a\nb"));
    assert_false(one("F|re: 'a.b'", "a\nb"));
    assert_false(one("F|re: 'x'", NULL));
}

static void test_modifiers_cidr(void **state)
{
    (void)state;
    assert_true(one("F|cidr: 10.0.0.0/8", "10.200.3.4"));
    assert_false(one("F|cidr: 10.0.0.0/8", "11.0.0.1"));
    assert_true(one("F|cidr: 192.168.1.77/24", "192.168.1.5"));
    assert_false(one("F|cidr: 192.168.1.0/25", "192.168.1.200"));
    assert_true(one("F|cidr: 192.168.1.0/25", "192.168.1.100"));
    assert_true(one("F|cidr: 'fe80::/10'", "fe80::1"));
    assert_false(one("F|cidr: 'fe80::/10'", "fec0::1"));
    assert_false(one("F|cidr: 'fe80::/10'", "10.0.0.1"));
    assert_true(one("F|cidr: '2001:db8::/32'", "2001:db8:1::5"));
    assert_true(one("F|cidr: 10.1.2.3", "10.1.2.3"));
    assert_false(one("F|cidr: 10.1.2.3", "10.1.2.4"));
    assert_false(one("F|cidr: 10.0.0.0/8", "not an ip"));
    assert_true(one("F|cidr: 0.0.0.0/0", "1.2.3.4"));
}

static void test_modifiers_base64(void **state)
{
    (void)state;
    assert_true(one("F|base64: 'http://'", "aHR0cDovLw=="));
    assert_false(one("F|base64: 'http://'", "aHR0cDovLw"));
    assert_true(one("F|base64|contains: 'http://'", "xaHR0cDovLw==x"));
    /* the value at each of the three byte offsets of an encoded string */
    const char *at[3] = {
        "aHR0cDovL2V2aWwuZXhhbXBsZQ==", "QWh0dHA6Ly9ldmlsLmV4YW1wbGU=", "QUJodHRwOi8vZXZpbC5leGFtcGxl"};
    for (int i = 0; i < 3; i++)
        assert_true(one("F|base64offset|contains: 'http://'", at[i]));
    assert_false(one("F|base64offset|contains: 'http://'", "ZnRwOi8veA=="));
    /* UTF-16LE before base64offset, at all three offsets */
    const char *le[3] = {
        "cABvAHcAZQByAHMAaABlAGwAbAAgAC0AZQBuAGMA",
        "eABwAG8AdwBlAHIAcwBoAGUAbABsACAALQBlAG4AYwA=", "eAB5AHAAbwB3AGUAcgBzAGgAZQBsAGwAIAAtAGUAbgBjAA=="};
    for (int i = 0; i < 3; i++) {
        assert_true(one("F|utf16le|base64offset|contains: 'shell -enc'", le[i]));
        assert_true(one("F|wide|base64offset|contains: 'shell -enc'", le[i]));
        assert_false(one("F|base64offset|contains: 'shell -enc'", le[i]));
        assert_false(one("F|utf16le|base64offset|contains: 'shell -enx'", le[i]));
    }
    assert_true(one("F|utf16le|base64: 'cmd'", "YwBtAGQA"));
    assert_true(one("F|utf16be|base64: 'cmd'", "AGMAbQBk"));
    assert_true(one("F|utf16|base64: 'cmd'", "//5jAG0AZAA="));
    /* base64 is case-sensitive by nature */
    assert_false(one("F|base64: 'http://'", "AHR0CDOVLW=="));
}

/* utf16le/utf16be/utf16/wide alone (modifier appendix, "Encoding"): the
 * value's characters as UTF-16 bytes. U+6463 is 63 64 ("cd") in UTF-16LE and
 * 64 63 ("dc") in UTF-16BE; U+632A is 2A 63 ("*c") in UTF-16LE. */
#define U6463 "\xe6\x91\xa3"
#define U632A "\xe6\x8c\xaa"
static void test_modifiers_utf16_alone(void **state)
{
    (void)state;
    assert_true(one("F|wide|contains: '" U6463 "'", "abcdef"));
    assert_false(one("F|wide|contains: '" U6463 "'", "abdcef"));
    assert_true(one("F|utf16le: '" U6463 "'", "cd"));
    assert_false(one("F|utf16le: '" U6463 "'", "cde"));
    assert_true(one("F|utf16be: '" U6463 "'", "dc"));
    assert_false(one("F|utf16be: '" U6463 "'", "cd"));
    /* utf16: the byte order mark FF FE, then little-endian */
    assert_true(one("F|utf16|startswith: '" U6463 "'", "\xff\xfe" "cdzz"));
    assert_false(one("F|utf16|startswith: '" U6463 "'", "cdzz"));
    assert_true(one("F|wide|endswith: '" U6463 U6463 "'", "xxcdcd"));
    /* case-insensitive unless cased, as any string value */
    assert_true(one("F|wide: '" U6463 "'", "CD"));
    assert_false(one("F|wide|cased: '" U6463 "'", "CD"));
    /* wildcards stay wildcards; ? is one character, one 16-bit unit */
    assert_true(one("F|wide: '" U6463 "*" U6463 "'", "cdxyzcd"));
    assert_true(one("F|wide: '" U6463 "?'", "cdXY"));
    assert_false(one("F|wide: '" U6463 "?'", "cdX"));
    /* an encoded byte that is a wildcard character is that character */
    assert_true(one("F|wide: '" U632A "'", "*c"));
    assert_false(one("F|wide: '" U632A "'", "xc"));
    /* an escaped wildcard is the character, encoded: '*' is 2A 00 */
    assert_false(one("F|wide|contains: '\\*'", "*"));
    /* ASCII encodes with NUL bytes, which text event values never hold:
     * the value alone matches no such event (with base64 it is useful) */
    assert_false(one("F|wide|contains: 'cmd'", "cmd"));
    assert_false(one("F|utf16le: 'cmd'", "c"));
    assert_true(one("F|wide|base64: 'cmd'", "YwBtAGQA"));
}

/* The modifiers as public rule sets write them (SigmaHQ's encoded PowerShell
 * rules: a list under |wide|base64offset|contains next to clear text, and the
 * encoding modifiers alone), loaded as a whole rule and run through the
 * ruleset's index. */
static void test_modifiers_utf16_public_style(void **state)
{
    (void)state;
    static const char rule[] =
        "title: Encoded PowerShell Download Cradle\n"
        "id: 6ab2b1a5-1e10-4a47-9b3b-0f3c5c2d9e41\n"
        "status: test\n"
        "description: A download cradle in clear, base64 of UTF-16LE, or UTF-16 bytes\n"
        "references:\n"
        "    - https://github.com/SigmaHQ/sigma-specification/blob/main/specification/sigma-appendix-modifiers.md\n"
        "author: pipewatch tests\n"
        "date: 2026-12-01\n"
        "tags:\n"
        "    - attack.execution\n"
        "    - attack.t1059.001\n"
        "logsource:\n"
        "    product: windows\n"
        "    service: security\n"
        "detection:\n"
        "    selection_clear:\n"
        "        CommandLine|contains: 'DownloadString('\n"
        "    selection_encoded:\n"
        "        CommandLine|wide|base64offset|contains:\n"
        "            - 'DownloadString('\n"
        "            - 'DownloadFile('\n"
        "    selection_raw:\n"
        "        CommandLine|utf16le|contains: '" U6463 "'\n"
        "        ParentImage|utf16be|endswith: '" U6463 "'\n"
        "    condition: 1 of selection_*\n"
        "falsepositives:\n"
        "    - Unknown\n"
        "level: high\n";
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_non_null(rs);
    assert_int_equal(sigma_load_string(rs, "public.yml", rule, strlen(rule), print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 1);
    const sigma_rule *m[4];
    evb b;
    /* "powershell -e <base64 of UTF-16LE 'IEX (New-Object Net.WebClient).DownloadString(...)'>" */
    const char *enc[] = {"CommandLine",
                         "powershell -e SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkALgBEAG8AdwBuAGwAbwBhAGQAUwB0AHIAaQBuAGcAKAA=",
                         "ParentImage", "explorer.exe", NULL};
    assert_int_equal(sigma_match(rs, mkev(&b, "windows", "security", enc), m, 4), 1);
    const char *raw[] = {"CommandLine", "xxcdxx", "ParentImage", "zzdc", NULL};
    assert_int_equal(sigma_match(rs, mkev(&b, "windows", "security", raw), m, 4), 1);
    const char *half[] = {"CommandLine", "xxcdxx", "ParentImage", "zzcd", NULL};
    assert_int_equal(sigma_match(rs, mkev(&b, "windows", "security", half), m, 4), 0);
    const char *plain[] = {"CommandLine", "powershell -nop -c calc", "ParentImage", "cmd.exe", NULL};
    assert_int_equal(sigma_match(rs, mkev(&b, "windows", "security", plain), m, 4), 0);
    sigma_ruleset_free(rs);
}

static void test_modifiers_exists_fieldref_cmp(void **state)
{
    (void)state;
    assert_true(one("F|exists: true", ""));
    assert_true(one("F|exists: true", "x"));
    assert_false(one("F|exists: true", NULL));
    assert_true(one("F|exists: false", NULL));
    assert_false(one("F|exists: false", "x"));

    sigma_ruleset *rs = rule_from("    sel:\n        A|fieldref: B\n    condition: sel\n");
    assert_true(rs_hit(rs, "A", "Admin", "B", "ADMIN", NULL));
    assert_false(rs_hit(rs, "A", "Admin", "B", "Admins", NULL));
    assert_false(rs_hit(rs, "A", "Admin", NULL));
    sigma_ruleset_free(rs);
    rs = rule_from("    sel:\n        A|fieldref|cased: B\n    condition: sel\n");
    assert_false(rs_hit(rs, "A", "Admin", "B", "ADMIN", NULL));
    assert_true(rs_hit(rs, "A", "Admin", "B", "Admin", NULL));
    sigma_ruleset_free(rs);

    assert_true(one("F|gt: 10", "11"));
    assert_false(one("F|gt: 10", "10"));
    assert_true(one("F|gte: 10", "10"));
    assert_false(one("F|gte: 10", "9.5"));
    assert_true(one("F|lt: 10", "-2"));
    assert_false(one("F|lt: 10", "10"));
    assert_true(one("F|lte: 2.5", "2.5"));
    assert_false(one("F|lte: 2.5", "2.51"));
    assert_false(one("F|gt: 1", "abc"));
    assert_false(one("F|gt: 1", "inf"));
    assert_false(one("F|gt: 1", NULL));
}

/* ---- conditions ------------------------------------------------------ */

static sigma_ruleset *abc(const char *cond)
{
    char det[1024];
    snprintf(det, sizeof(det),
             "    a:\n        A: 1\n    b:\n        B: 1\n    c:\n        C: 1\n    _h:\n        H: 1\n"
             "    condition: %s\n",
             cond);
    return rule_from(det);
}

/* Evaluates cond for every assignment of a, b, c (bit 0 = a) and returns a
 * truth-table mask. */
static unsigned truth(const char *cond)
{
    sigma_ruleset *rs = abc(cond);
    unsigned mask = 0;
    for (unsigned v = 0; v < 8; v++)
        if (rs_hit(rs, "A", (v & 1) ? "1" : "0", "B", (v & 2) ? "1" : "0", "C", (v & 4) ? "1" : "0", NULL))
            mask |= 1u << v;
    sigma_ruleset_free(rs);
    return mask;
}

static void test_conditions(void **state)
{
    (void)state;
    /* masks: a = 0xAA, b = 0xCC, c = 0xF0 */
    assert_int_equal(truth("a"), 0xAA);
    assert_int_equal(truth("a and b"), 0x88);
    assert_int_equal(truth("a or b"), 0xEE);
    assert_int_equal(truth("not a"), 0x55);
    assert_int_equal(truth("a or b and c"), 0xAA | (0xCC & 0xF0));
    assert_int_equal(truth("(a or b) and c"), 0xEE & 0xF0);
    assert_int_equal(truth("not a and b"), 0x55 & 0xCC);
    assert_int_equal(truth("not (a and b)"), 0xFF & ~0x88u);
    assert_int_equal(truth("not not a"), 0xAA);
    assert_int_equal(truth("a and not b or c"), (0xAA & 0x33) | 0xF0);
    assert_int_equal(truth("((a))"), 0xAA);
    assert_int_equal(truth("a AND b OR NOT c"), 0x88 | 0x0F);
}

static void test_conditions_of(void **state)
{
    (void)state;
    assert_int_equal(truth("1 of them"), 0xFE);
    assert_int_equal(truth("all of them"), 0x80);
    assert_int_equal(truth("any of them"), 0xFE);
    assert_int_equal(truth("2 of them"), 0xE8);
    assert_int_equal(truth("1 of a*"), 0xAA);
    assert_int_equal(truth("all of c"), 0xF0);
}

static void test_conditions_more(void **state)
{
    (void)state;
    sigma_ruleset *rs =
        rule_from("    sel_a:\n        A: 1\n    sel_b:\n        B: 1\n    filter:\n        C: 1\n"
                  "    condition: 1 of sel_* and not filter\n");
    assert_true(rs_hit(rs, "A", "1", "B", "0", "C", "0", NULL));
    assert_false(rs_hit(rs, "A", "1", "B", "0", "C", "1", NULL));
    assert_false(rs_hit(rs, "A", "0", "B", "0", "C", "0", NULL));
    sigma_ruleset_free(rs);

    rs = rule_from("    sel_a:\n        A: 1\n    sel_b:\n        B: 1\n    condition: all of sel_*\n");
    assert_true(rs_hit(rs, "A", "1", "B", "1", NULL));
    assert_false(rs_hit(rs, "A", "1", "B", "0", NULL));
    sigma_ruleset_free(rs);

    /* "them" leaves out selections whose name starts with '_' */
    rs = rule_from("    sel:\n        A: 1\n    _helper:\n        B: 1\n    condition: all of them\n");
    assert_true(rs_hit(rs, "A", "1", "B", "0", NULL));
    sigma_ruleset_free(rs);

    /* a list of conditions is their OR */
    rs = rule_from(
        "    a:\n        A: 1\n    b:\n        B: 1\n    condition:\n        - a and b\n        - not a\n");
    assert_true(rs_hit(rs, "A", "1", "B", "1", NULL));
    assert_true(rs_hit(rs, "A", "0", "B", "0", NULL));
    assert_false(rs_hit(rs, "A", "1", "B", "0", NULL));
    sigma_ruleset_free(rs);

    /* 64 levels of parentheses are fine */
    char cond[512] = "";
    for (int i = 0; i < 64; i++)
        strcat(cond, "(");
    strcat(cond, "a");
    for (int i = 0; i < 64; i++)
        strcat(cond, ")");
    assert_int_equal(truth(cond), 0xAA);
}

/* ---- logsource ------------------------------------------------------- */

static void test_logsource(void **state)
{
    (void)state;
    sigma_ruleset *rs = rule_from("    sel:\n        A: 1\n    condition: sel\n");
    const sigma_rule *r = sigma_rule_at(rs, 0);
    sigma_field f[] = {{"A", "1"}};
    sigma_event ev = {"windows", "security", NULL, f, 1};
    assert_true(sigma_rule_match(r, &ev));
    ev.product = "WINDOWS";
    ev.service = "Security";
    assert_true(sigma_rule_match(r, &ev));
    ev.service = "system";
    assert_false(sigma_rule_match(r, &ev));
    ev.service = NULL;
    assert_false(sigma_rule_match(r, &ev));
    ev.service = "security";
    ev.product = "linux";
    assert_false(sigma_rule_match(r, &ev));
    ev.product = "windows";
    ev.category = "process_creation"; /* the rule names no category */
    assert_true(sigma_rule_match(r, &ev));
    sigma_ruleset_free(rs);

    const char *y = "title: cat\nlogsource:\n    category: process_creation\ndetection:\n"
                    "    sel:\n        A: 1\n    condition: sel\n";
    rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "c.yml", y, strlen(y), print_err, NULL), 0);
    r = sigma_rule_at(rs, 0);
    ev.category = NULL;
    assert_false(sigma_rule_match(r, &ev));
    ev.category = "Process_Creation";
    assert_true(sigma_rule_match(r, &ev));
    sigma_ruleset_free(rs);
}

/* ---- metadata -------------------------------------------------------- */

static uint32_t fnv_expect(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)(*s >= 'A' && *s <= 'Z' ? *s + 32 : *s)) * 16777619u;
    return 1000000u + h % (2147483648u - 1000000u);
}

static void test_metadata(void **state)
{
    (void)state;
    const char *y = "title: Meta\nid: ABCDEF01-2222-4333-8444-555555555555\nstatus: test\n"
                    "description: d\nauthor: me\nlevel: critical\ntags:\n  - attack.execution\n"
                    "  - attack.t1569.002\nreferences:\n  - https://example.org/a\n"
                    "falsepositives:\n  - none\nfields:\n  - A\n"
                    "detection:\n  s:\n    A: 1\n  condition: s\n"
                    "---\n"
                    "title: No Id\nlevel: informational\ndetection:\n  s:\n    A: 1\n  condition: s\n";
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "m.yml", y, strlen(y), print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 2);
    const sigma_rule *r = sigma_rule_at(rs, 0);
    assert_string_equal(sigma_rule_title(r), "Meta");
    assert_string_equal(sigma_rule_id(r), "ABCDEF01-2222-4333-8444-555555555555");
    assert_string_equal(sigma_rule_status(r), "test");
    assert_string_equal(sigma_rule_description(r), "d");
    assert_string_equal(sigma_rule_author(r), "me");
    assert_string_equal(sigma_rule_level(r), "critical");
    assert_string_equal(sigma_rule_file(r), "m.yml");
    assert_int_equal(sigma_rule_severity(r), 1);
    assert_int_equal(sigma_rule_tag_count(r), 2);
    assert_string_equal(sigma_rule_tag(r, 1), "attack.t1569.002");
    assert_int_equal(sigma_rule_reference_count(r), 1);
    assert_string_equal(sigma_rule_reference(r, 0), "https://example.org/a");
    assert_int_equal(sigma_rule_signature_id(r), fnv_expect("abcdef01-2222-4333-8444-555555555555"));
    assert_true(sigma_rule_signature_id(r) >= 1000000u && sigma_rule_signature_id(r) < 2147483648u);

    r = sigma_rule_at(rs, 1);
    assert_string_equal(sigma_rule_id(r), "");
    assert_string_equal(sigma_rule_author(r), "");
    assert_int_equal(sigma_rule_severity(r), 4);
    assert_int_equal(sigma_rule_signature_id(r), fnv_expect("No Id"));
    assert_null(sigma_rule_at(rs, 2));

    /* sigma_match reports every hit, in load order, even beyond max */
    sigma_field f[] = {{"A", "1"}};
    sigma_event ev = {"windows", "security", NULL, f, 1};
    const sigma_rule *out[1];
    assert_int_equal(sigma_match(rs, &ev, out, 1), 2);
    assert_ptr_equal(out[0], sigma_rule_at(rs, 0));
    sigma_ruleset_free(rs);

    assert_int_equal(
        sigma_rule_severity(sigma_rule_at(rs = rule_from("    s:\n        A: 1\n    condition: s\n"), 0)), 2);
    sigma_ruleset_free(rs);
}

/* A regex that backtracks without end stops at PCRE2's match limit: taken as
 * no match, counted per rule and for the set, told once per rule. */
static int limit_calls;
static const sigma_rule *limit_rule;
static void on_limit(void *ctx, const sigma_rule *r)
{
    (void)ctx;
    limit_calls++;
    limit_rule = r;
}

static void test_regex_limit(void **state)
{
    (void)state;
    sigma_ruleset *rs = rule_from("    s:\n        A|re: '^([a-z0-9-]+)+-$'\n    condition: s\n");
    sigma_ruleset_on_limit(rs, on_limit, NULL);
    const sigma_rule *r = sigma_rule_at(rs, 0);
    sigma_field f[] = {{"A", "updsvc-wks01-4242-stdin-and-then-some"}};
    sigma_event ev = {"windows", "security", NULL, f, 1};
    const sigma_rule *out[1];
    assert_int_equal(sigma_match(rs, &ev, out, 1), 0);
    assert_int_equal(sigma_rule_regex_limit_hits(r), 1);
    assert_int_equal(sigma_match(rs, &ev, out, 1), 0);
    assert_int_equal(sigma_ruleset_regex_limit_hits(rs), 2);
    assert_int_equal(limit_calls, 1);
    assert_ptr_equal(limit_rule, r);
    /* a value it can decide is no limit hit */
    sigma_field g[] = {{"A", "updsvc-"}};
    sigma_event ev2 = {"windows", "security", NULL, g, 1};
    assert_int_equal(sigma_match(rs, &ev2, out, 1), 1);
    assert_int_equal(sigma_ruleset_regex_limit_hits(rs), 2);
    sigma_ruleset_free(rs);
}

/* ---- load errors ----------------------------------------------------- */

static void test_error_yaml(void **state)
{
    (void)state;
    errs e = load_fail("title: x\ndetection:\n    sel:\n        A: [1, 2\n    condition: sel\n");
    assert_true(strstr(e.reason, "YAML syntax error") != NULL);
    assert_true(e.line >= 4 && e.line <= 5);
    e = load_fail("title: x\n\tdetection: 1\n");
    assert_int_equal(e.line, 2);
    assert_true(strstr(e.reason, "YAML syntax error") != NULL);
}

/* Nesting is bounded before libyaml sees the text (its work grows with the
 * square of the depth): deep flow and block nesting fail with the line. */
static void test_error_deep_yaml(void **state)
{
    (void)state;
    size_t n = 100000;
    char *buf = malloc(4 * n + 64);
    assert_non_null(buf);
    for (int kind = 0; kind < 3; kind++) {
        size_t len = (size_t)sprintf(buf, "title: x\nlogsource:\n    product: windows\ndetection: ");
        for (size_t i = 0; i < n; i++) {
            const char *piece = kind == 0 ? "{a: " : kind == 1 ? "[" : "- ";
            memcpy(buf + len, piece, strlen(piece));
            len += strlen(piece);
        }
        buf[len] = 0;
        if (kind == 2) /* block sequences start on the next line */
            buf[strlen("title: x\nlogsource:\n    product: windows\ndetection:")] = '\n';
        errs e = load_fail(buf);
        assert_string_equal(e.reason, "YAML nested deeper than 64 levels");
        assert_int_equal(e.line, kind == 2 ? 5 : 4);
    }
    free(buf);
    /* what the scanner counts and what it does not */
    unsigned line = 0;
    char deep[300];
    memset(deep, 0, sizeof(deep));
    for (int d = 0; d < 70; d++)
        deep[d] = '[';
    assert_false(yaml_depth_ok(deep, strlen(deep), 64, &line));
    assert_int_equal(line, 1);
    deep[62] = 0; /* 62 levels: fine */
    assert_true(yaml_depth_ok(deep, strlen(deep), 64, &line));
    static const char *const shallow[] = {
        "a: '[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[['\n",
        "a: \"{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{\\\"\"\n",
        "a: x # [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
        ("a: |\n  [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n"
         "      - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - - -\nb: 1\n"),
        "a: ['x[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[', 1]\n",
    };
    for (size_t i = 0; i < sizeof(shallow) / sizeof(shallow[0]); i++)
        assert_true(yaml_depth_ok(shallow[i], strlen(shallow[i]), 64, &line));
    /* a quote inside a plain scalar is a character, not a quote: the
     * brackets after it count */
    static const char *const hidden[] = {
        "a: it's [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
        "a: [x'y, [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
        "a: |\n  text\nb: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
        "- a: |\n    text\n  b: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\n",
    };
    for (size_t i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++)
        assert_false(yaml_depth_ok(hidden[i], strlen(hidden[i]), 64, &line));
}

static void test_error_modifiers(void **state)
{
    (void)state;
    errs e = det_fail("    sel:\n        A|contians: x\n    condition: sel\n");
    assert_int_equal(e.line, 6);
    assert_string_equal(e.reason, "unknown modifier 'contians'");
    e = det_fail("    sel:\n        A|expand: '%admins%'\n    condition: sel\n");
    assert_int_equal(e.line, 6);
    assert_true(strstr(e.reason, "'expand'") && strstr(e.reason, "not supported"));
    e = det_fail("    sel:\n        A|wide|windash: x\n    condition: sel\n");
    assert_true(strstr(e.reason, "windash cannot be combined with utf16le") != NULL);
    e = det_fail("    sel:\n        A|contains|startswith: x\n    condition: sel\n");
    assert_true(strstr(e.reason, "conflicts") != NULL);
    e = det_fail("    sel:\n        A|re|contains: x\n    condition: sel\n");
    assert_true(strstr(e.reason, "cannot be combined with re") != NULL);
    e = det_fail("    sel:\n        A|cidr: 10.0.0.0/33\n    condition: sel\n");
    assert_true(strstr(e.reason, "bad CIDR") != NULL);
    e = det_fail("    sel:\n        A|gt: many\n    condition: sel\n");
    assert_true(strstr(e.reason, "need a number") != NULL);
    e = det_fail("    sel:\n        A|all: x\n    condition: sel\n");
    assert_true(strstr(e.reason, "at least two") != NULL);
    e = det_fail("    sel:\n        A|base64: 'a*'\n    condition: sel\n");
    assert_true(strstr(e.reason, "wildcards") != NULL);
    e = det_fail("    sel:\n        A|exists: maybe\n    condition: sel\n");
    assert_true(strstr(e.reason, "true or false") != NULL);
}

static void test_error_regex(void **state)
{
    (void)state;
    errs e = det_fail("    sel:\n        A: x\n        B|re: 'a(b'\n    condition: sel\n");
    assert_int_equal(e.line, 7);
    assert_true(strstr(e.reason, "bad regular expression 'a(b'") != NULL);
    /* PCRE2's own words */
    assert_true(strstr(e.reason, "missing closing parenthesis") != NULL);
}

static void test_error_conditions(void **state)
{
    (void)state;
    errs e = det_fail("    sel:\n        A: x\n    condition: sel and and sel\n");
    assert_int_equal(e.line, 7);
    assert_string_equal(e.reason,
                        "condition syntax error: expected a selection, 'not', 'N of', 'all of' or '(' "
                        "but found 'and'");
    e = det_fail("    sel:\n        A: x\n    condition: sel and slection\n");
    assert_int_equal(e.line, 7);
    assert_string_equal(e.reason, "condition references undefined selection 'slection'");
    e = det_fail("    sel:\n        A: x\n    condition: sel sel\n");
    assert_string_equal(e.reason, "condition syntax error: expected 'and', 'or' or ')' but found 'sel'");
    e = det_fail("    sel:\n        A: x\n    condition: (sel\n");
    assert_string_equal(e.reason, "condition syntax error: missing ')'");
    e = det_fail("    sel:\n        A: x\n    condition: sel)\n");
    assert_string_equal(e.reason, "condition syntax error: unbalanced ')'");
    e = det_fail("    sel:\n        A: x\n    condition: sel and\n");
    assert_true(strstr(e.reason, "ends where a selection is expected") != NULL);
    e = det_fail("    sel:\n        A: x\n    condition: 1 of foo*\n");
    assert_string_equal(e.reason, "condition pattern 'foo*' matches no selection");
    e = det_fail("    sel:\n        A: x\n    condition: sel*\n");
    assert_true(strstr(e.reason, "needs '1 of'") != NULL);
    e = det_fail("    sel:\n        A: x\n    condition: sel | count() > 5\n");
    assert_true(strstr(e.reason, "aggregation") && strstr(e.reason, "not supported"));
    e = det_fail("    sel:\n        A: x\n    condition: sel near sel\n");
    assert_true(strstr(e.reason, "'near'") && strstr(e.reason, "not supported"));
    e = det_fail("    sel:\n        A: x\n    timeframe: 5m\n    condition: sel\n");
    assert_true(strstr(e.reason, "timeframe") != NULL);

    char det[1024] = "    sel:\n        A: x\n    condition: ";
    for (int i = 0; i < 65; i++)
        strcat(det, "(");
    strcat(det, "sel");
    for (int i = 0; i < 65; i++)
        strcat(det, ")");
    strcat(det, "\n");
    e = det_fail(det);
    assert_int_equal(e.line, 7);
    assert_true(strstr(e.reason, "deeper than 64") != NULL);
}

static void test_error_missing(void **state)
{
    (void)state;
    errs e = det_fail("    sel:\n        A: x\n");
    assert_int_equal(e.line, 5);
    assert_string_equal(e.reason, "detection has no 'condition'");
    e = load_fail("title: x\nlogsource:\n    product: windows\n");
    assert_int_equal(e.line, 1);
    assert_string_equal(e.reason, "rule 'x' has no 'detection'");
    e = load_fail("action: global\ntitle: x\n");
    assert_int_equal(e.line, 1);
    assert_true(strstr(e.reason, "not supported") != NULL);
    e = load_fail("title: c\nname: c\ncorrelation:\n  type: event_count\n");
    assert_int_equal(e.line, 4);
    assert_string_equal(e.reason, "correlation names no 'rules'");
    e = load_fail("title: x\nlevel: severe\ndetection:\n  s:\n    A: 1\n  condition: s\n");
    assert_string_equal(e.reason, "unknown level 'severe'");
}

static void test_error_keeps_good_documents(void **state)
{
    (void)state;
    const char *y = "title: good\ndetection:\n  s:\n    A: 1\n  condition: s\n"
                    "---\n"
                    "title: bad\ndetection:\n  s:\n    A|nope: 1\n  condition: s\n"
                    "---\n"
                    "title: good2\ndetection:\n  s:\n    A: 2\n  condition: s\n";
    errs e;
    memset(&e, 0, sizeof(e));
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "multi.yml", y, strlen(y), collect, &e), 1);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.line, 10);
    assert_string_equal(e.reason, "unknown modifier 'nope'");
    assert_int_equal(sigma_rule_count(rs), 2);
    assert_string_equal(sigma_rule_title(sigma_rule_at(rs, 1)), "good2");
    sigma_ruleset_free(rs);

    memset(&e, 0, sizeof(e));
    rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_path(rs, "/nonexistent/rules", collect, &e), -1);
    assert_int_equal(e.n, 1);
    assert_string_equal(e.file, "/nonexistent/rules");
    sigma_ruleset_free(rs);
}

static void write_rule(const char *dir, const char *name, const char *title)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "title: %s\ndetection:\n  s:\n    A: 1\n  condition: s\n", title);
    fclose(f);
}

static void test_load_directory(void **state)
{
    (void)state;
    char dir[] = "/tmp/pw-sigma-XXXXXX", sub[600], hid[600];
    assert_non_null(mkdtemp(dir));
    snprintf(sub, sizeof(sub), "%s/sub", dir);
    snprintf(hid, sizeof(hid), "%s/.git", dir);
    assert_int_equal(mkdir(sub, 0700), 0);
    assert_int_equal(mkdir(hid, 0700), 0);
    write_rule(dir, "b.yml", "B");
    write_rule(dir, "a.yaml", "A");
    write_rule(dir, ".hidden.yml", "hidden");
    write_rule(dir, "notes.txt", "txt");
    write_rule(sub, "c.yml", "C");
    write_rule(hid, "d.yml", "D");

    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_path(rs, dir, print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 3);
    assert_string_equal(sigma_rule_title(sigma_rule_at(rs, 0)), "A");
    assert_string_equal(sigma_rule_title(sigma_rule_at(rs, 1)), "B");
    assert_string_equal(sigma_rule_title(sigma_rule_at(rs, 2)), "C");
    char want[700];
    snprintf(want, sizeof(want), "%s/c.yml", sub);
    assert_string_equal(sigma_rule_file(sigma_rule_at(rs, 2)), want);
    sigma_ruleset_free(rs);

    const char *names[] = {"b.yml", "a.yaml", ".hidden.yml", "notes.txt"};
    char path[700];
    for (size_t i = 0; i < 4; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/c.yml", sub);
    unlink(path);
    snprintf(path, sizeof(path), "%s/d.yml", hid);
    unlink(path);
    rmdir(sub);
    rmdir(hid);
    rmdir(dir);
}

/* ---- matcher worst case ---------------------------------------------- */

static void test_glob_worst_case(void **state)
{
    (void)state;
    /* "*a*a*...*b" against 64 KiB of 'a': exponential for a naive
     * recursive matcher, linear-times-pattern here. */
    static char text[65536 + 1];
    memset(text, 'a', 65536);
    text[65536] = 0;
    uint16_t tok[41];
    size_t n = 0;
    for (int i = 0; i < 20; i++) {
        tok[n++] = TK_STAR;
        tok[n++] = 'a';
    }
    tok[n++] = 'b';
    assert_false(sigma_glob_match(tok, n, text, 65536));
    tok[n - 1] = TK_STAR;
    assert_true(sigma_glob_match(tok, n, text, 65536));

    sigma_ruleset *rs = rule_from("    s:\n        F: '*a*a*a*a*a*a*a*a*a*a*b'\n    condition: s\n");
    assert_false(rs_hit(rs, "F", text, NULL));
    text[65535] = 'B';
    assert_true(rs_hit(rs, "F", text, NULL));
    sigma_ruleset_free(rs);
}

/* Reference matcher for the exhaustive comparison below: the definition of
 * '*' and '?' written as plainly as possible (recursion is fine here, the
 * inputs are a few bytes long). */
static bool ref_glob(const char *p, const char *s)
{
    if (!*p)
        return !*s;
    if (*p == '*')
        return ref_glob(p + 1, s) || (*s && ref_glob(p, s + 1));
    if (!*s)
        return false;
    return (*p == '?' || *p == *s) && ref_glob(p + 1, s + 1);
}

static void test_glob_exhaustive(void **state)
{
    (void)state;
    /* every pattern over {a, b, *, ?} up to 5 tokens against every text over
     * {a, b} up to 6 bytes */
    static const char pal[] = "ab*?";
    size_t checked = 0;
    for (int plen = 0; plen <= 5; plen++) {
        int pcount = 1;
        for (int i = 0; i < plen; i++)
            pcount *= 4;
        for (int pc = 0; pc < pcount; pc++) {
            char pat[8];
            uint16_t tok[8];
            int x = pc;
            for (int i = 0; i < plen; i++, x /= 4) {
                pat[i] = pal[x % 4];
                tok[i] = pat[i] == '*' ? TK_STAR : pat[i] == '?' ? TK_ONE : (uint16_t)pat[i];
            }
            pat[plen] = 0;
            for (int tlen = 0; tlen <= 6; tlen++)
                for (int tc = 0; tc < (1 << tlen); tc++) {
                    char text[8];
                    for (int i = 0; i < tlen; i++)
                        text[i] = (tc >> i) & 1 ? 'b' : 'a';
                    text[tlen] = 0;
                    bool want = ref_glob(pat, text);
                    if (sigma_glob_match(tok, (size_t)plen, text, (size_t)tlen) != want)
                        fail_msg("pattern '%s' text '%s': expected %d", pat, text, want);
                    checked++;
                }
        }
    }
    assert_int_equal(checked, 1365 * 127);
}

/* ---- shipped rules --------------------------------------------------- */

static sigma_ruleset *shipped(void)
{
    sigma_ruleset *rs = sigma_ruleset_new();
    errs e;
    memset(&e, 0, sizeof(e));
    int failed = sigma_load_path(rs, RULES_DIR, collect, &e);
    if (e.n)
        fprintf(stderr, "%s:%u: %s\n", e.file, e.line, e.reason);
    assert_int_equal(failed, 0);
    assert_int_equal(e.n, 0);
    return rs;
}

static const sigma_rule *by_title(const sigma_ruleset *rs, const char *title)
{
    for (size_t i = 0; i < sigma_rule_count(rs); i++)
        if (strcmp(sigma_rule_title(sigma_rule_at(rs, i)), title) == 0)
            return sigma_rule_at(rs, i);
    fail_msg("no rule titled %s", title);
    return NULL;
}

/* A 5145 event as the event builder writes it. */
static bool ev5145(const sigma_rule *r, const char *event_id, const char *share, const char *name)
{
    sigma_field f[] = {
        {"SubjectUserName", "alice"}, {"SubjectDomainName", "CORP"}, {"ObjectType", "File"},
        {"IpAddress", "10.0.0.5"},    {"IpPort", "49712"},           {"ShareName", share},
        {"RelativeTargetName", name}, {"AccessMask", "0x12019f"},    {"EventID", event_id},
        {"Channel", "Security"},
    };
    sigma_event ev = {"windows", "security", NULL, f, sizeof(f) / sizeof(f[0])};
    return sigma_rule_match(r, &ev);
}

static void test_shipped_all_load(void **state)
{
    (void)state;
    sigma_ruleset *rs = shipped();
    assert_int_equal(sigma_rule_count(rs), 10);
    /* sorted by file name */
    assert_string_equal(sigma_rule_file(sigma_rule_at(rs, 0)), RULES_DIR "/csexec-pipe.yml");
    assert_string_equal(sigma_rule_file(sigma_rule_at(rs, 9)), RULES_DIR "/winexe-pipes.yml");
    for (size_t i = 0; i < sigma_rule_count(rs); i++) {
        const sigma_rule *r = sigma_rule_at(rs, i);
        assert_int_equal(strlen(sigma_rule_id(r)), 36);
        assert_true(sigma_rule_tag_count(r) >= 2);
        assert_true(sigma_rule_reference_count(r) >= 1);
        for (size_t j = 0; j < i; j++) {
            assert_string_not_equal(sigma_rule_id(r), sigma_rule_id(sigma_rule_at(rs, j)));
            assert_int_not_equal(sigma_rule_signature_id(r), sigma_rule_signature_id(sigma_rule_at(rs, j)));
        }
    }
    sigma_ruleset_free(rs);
}

static void test_shipped_seed_rule(void **state)
{
    (void)state;
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_path(rs, RULES_DIR "/suspicious-psexec-execution.yml", print_err, NULL), 0);
    assert_int_equal(sigma_rule_count(rs), 1);
    const sigma_rule *r = sigma_rule_at(rs, 0);
    assert_string_equal(sigma_rule_title(r), "Suspicious PsExec Execution");
    assert_string_equal(sigma_rule_id(r), "c462f537-a1e3-41a6-b5fc-b2c2cef9bf82");
    assert_string_equal(sigma_rule_level(r), "high");
    assert_int_equal(sigma_rule_severity(r), 2);
    assert_int_equal(sigma_rule_tag_count(r), 3);
    assert_string_equal(sigma_rule_tag(r, 1), "attack.t1077");
    assert_int_equal(sigma_rule_signature_id(r), fnv_expect("c462f537-a1e3-41a6-b5fc-b2c2cef9bf82"));

    assert_true(ev5145(r, "5145", "\\\\*\\IPC$", "updsvc-WKS01-4242-stdin"));
    assert_true(ev5145(r, "5145", "\\\\*\\IPC$", "updsvc-WKS01-4242-stdout"));
    assert_true(ev5145(r, "5145", "\\\\*\\IPC$", "updsvc-WKS01-4242-STDERR"));
    assert_true(ev5145(r, "5145", "\\\\DC01\\IPC$", "x-stdin"));
    assert_false(ev5145(r, "5145", "\\\\*\\IPC$", "PSEXESVC-WKS01-4242-stdin"));
    assert_false(ev5145(r, "5145", "\\\\*\\ADMIN$", "updsvc-WKS01-4242-stdin"));
    assert_false(ev5145(r, "5140", "\\\\*\\IPC$", "updsvc-WKS01-4242-stdin"));
    assert_false(ev5145(r, "5145", "\\\\*\\IPC$", "updsvc-WKS01-4242-stdin2"));
    assert_false(ev5145(r, "5145", "\\\\*\\IPC$", "RemCom_stdinAB12"));
    sigma_ruleset_free(rs);
}

static void test_shipped_tool_rules(void **state)
{
    (void)state;
    sigma_ruleset *rs = shipped();
    const char *ipc = "\\\\*\\IPC$", *admin = "\\\\*\\ADMIN$";

    const sigma_rule *r = by_title(rs, "PAExec Remote Execution With Default Names");
    assert_true(ev5145(r, "5145", ipc, "PAExecIn-WKS01-1234"));
    assert_true(ev5145(r, "5145", ipc, "PAExecErrWKS011234"));
    assert_true(ev5145(r, "5145", admin, "PAExec-1234-WKS01.exe"));
    assert_false(ev5145(r, "5145", ipc, "PAExec-1234-WKS01.exe"));
    assert_false(ev5145(r, "5145", admin, "PAExecIn-WKS01-1234"));
    assert_false(ev5145(r, "5145", ipc, "srvsvc"));
    assert_int_equal(sigma_rule_severity(r), 2);

    r = by_title(rs, "RemCom Or Impacket psexec.py Named Pipes");
    assert_true(ev5145(r, "5145", ipc, "RemCom_communicaton"));
    assert_true(ev5145(r, "5145", ipc, "RemCom_stdinAB12"));
    assert_true(ev5145(r, "5145", ipc, "RemCom_stderrAB12"));
    assert_false(ev5145(r, "5145", ipc, "RemCom_communication"));
    assert_false(ev5145(r, "5140", ipc, "RemCom_stdinAB12"));

    r = by_title(rs, "Winexe Named Pipes");
    assert_true(ev5145(r, "5145", ipc, "ahexec"));
    assert_true(ev5145(r, "5145", ipc, "ahexec_stdout0001"));
    assert_false(ev5145(r, "5145", ipc, "\\ahexec"));
    assert_false(ev5145(r, "5145", ipc, "ahexecx"));

    r = by_title(rs, "CSExec Named Pipe");
    assert_true(ev5145(r, "5145", ipc, "csexecsvc"));
    assert_true(ev5145(r, "5145", ipc, "csexecsvc-stdin"));
    assert_false(ev5145(r, "5145", ipc, "svcctl"));

    r = by_title(rs, "Sysinternals PsExec With Default Service Name");
    assert_int_equal(sigma_rule_severity(r), 4);
    assert_string_equal(sigma_rule_level(r), "informational");
    assert_true(ev5145(r, "5145", ipc, "PSEXESVC"));
    assert_true(ev5145(r, "5145", ipc, "PSEXESVC-WKS01-4242-stdin"));
    assert_true(ev5145(r, "5145", admin, "PSEXESVC.exe"));
    assert_false(ev5145(r, "5145", ipc, "updsvc-WKS01-4242-stdin"));
    assert_false(ev5145(r, "5145", admin, "PSEXESVC"));

    /* the whole set: a renamed PsExec pipe hits only the seed rule; the
     * default one only the informational rule */
    sigma_field f[] = {
        {"EventID", "5145"}, {"ShareName", ipc}, {"RelativeTargetName", "updsvc-WKS01-4242-stdin"}};
    sigma_event ev = {"windows", "security", NULL, f, 3};
    sigma_field *pipe = &f[2]; /* the event sees it through ev.fields */
    const sigma_rule *out[8];
    assert_int_equal(sigma_match(rs, &ev, out, 8), 1);
    assert_string_equal(sigma_rule_title(out[0]), "Suspicious PsExec Execution");
    pipe->value = "PSEXESVC-WKS01-4242-stdin";
    assert_int_equal(sigma_match(rs, &ev, out, 8), 1);
    assert_string_equal(sigma_rule_title(out[0]), "Sysinternals PsExec With Default Service Name");
    pipe->value = "RemCom_stdinAB12";
    assert_int_equal(sigma_match(rs, &ev, out, 8), 1);
    assert_string_equal(sigma_rule_title(out[0]), "RemCom Or Impacket psexec.py Named Pipes");
    ev.service = "system";
    assert_int_equal(sigma_match(rs, &ev, out, 8), 0);
    sigma_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape_star_and_question),
        cmocka_unit_test(test_escape_backslashes),
        cmocka_unit_test(test_seed_share_pattern),
        cmocka_unit_test(test_case_folding),
        cmocka_unit_test(test_empty_null_numbers_bools),
        cmocka_unit_test(test_lists_maps_all),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_modifiers_string),
        cmocka_unit_test(test_modifiers_re),
        cmocka_unit_test(test_modifiers_cidr),
        cmocka_unit_test(test_modifiers_base64),
        cmocka_unit_test(test_modifiers_utf16_alone),
        cmocka_unit_test(test_modifiers_utf16_public_style),
        cmocka_unit_test(test_modifiers_exists_fieldref_cmp),
        cmocka_unit_test(test_conditions),
        cmocka_unit_test(test_conditions_of),
        cmocka_unit_test(test_conditions_more),
        cmocka_unit_test(test_logsource),
        cmocka_unit_test(test_metadata),
        cmocka_unit_test(test_regex_limit),
        cmocka_unit_test(test_error_yaml),
        cmocka_unit_test(test_error_deep_yaml),
        cmocka_unit_test(test_error_modifiers),
        cmocka_unit_test(test_error_regex),
        cmocka_unit_test(test_error_conditions),
        cmocka_unit_test(test_error_missing),
        cmocka_unit_test(test_error_keeps_good_documents),
        cmocka_unit_test(test_load_directory),
        cmocka_unit_test(test_glob_worst_case),
        cmocka_unit_test(test_glob_exhaustive),
        cmocka_unit_test(test_shipped_all_load),
        cmocka_unit_test(test_shipped_seed_rule),
        cmocka_unit_test(test_shipped_tool_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
