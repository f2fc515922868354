/* sigma_match must not allocate: this binary replaces malloc and friends
 * (glibc allows an executable to do so) with counting wrappers around glibc's
 * own allocator, and counts calls while matching. Sanitizer builds bring their
 * own allocator, so there the test is skipped. */
#include "testutil.h"

#include "../../detect/sigma.h"

#if defined(__SANITIZE_ADDRESS__)
#define PW_HAVE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PW_HAVE_ASAN 1
#endif
#endif

#ifndef PW_HAVE_ASAN
extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void __libc_free(void *);

static volatile int counting;
static volatile long allocs;

void *malloc(size_t n)
{
    if (counting)
        allocs++;
    return __libc_malloc(n);
}
void *calloc(size_t a, size_t b)
{
    if (counting)
        allocs++;
    return __libc_calloc(a, b);
}
void *realloc(void *p, size_t n)
{
    if (counting)
        allocs++;
    return __libc_realloc(p, n);
}
void free(void *p) { __libc_free(p); }
#endif

static const char rules[] = "title: every kind of value\n"
                            "logsource:\n    product: windows\n    service: security\n"
                            "detection:\n"
                            "    sel_str:\n"
                            "        EventID: 5145\n"
                            "        ShareName: \\\\*\\IPC$\n"
                            "        RelativeTargetName|endswith: ['-stdin', '-stdout']\n"
                            "    sel_re:\n"
                            "        RelativeTargetName|re: '^[a-z]+-[A-Z0-9]+-[0-9]+-std(in|out|err)$'\n"
                            "    sel_cidr:\n"
                            "        IpAddress|cidr: ['10.0.0.0/8', 'fe80::/10']\n"
                            "    sel_b64:\n"
                            "        CommandLine|utf16le|base64offset|contains: 'http://'\n"
                            "    sel_win:\n"
                            "        CommandLine|windash|contains|all: [' -c ', ' -e ']\n"
                            "    sel_ref:\n"
                            "        SubjectUserName|fieldref: TargetUserName\n"
                            "    sel_cmp:\n"
                            "        IpPort|gte: 1024\n"
                            "    keywords:\n"
                            "        - 'mimikatz'\n"
                            "        - 'upd*svc'\n"
                            "    filter:\n"
                            "        SubjectUserName: null\n"
                            "    condition: (all of sel_* or keywords) and not filter\n";

static void test_match_does_not_allocate(void **state)
{
    (void)state;
#ifdef PW_HAVE_ASAN
    (void)rules;
    skip();
#else
    sigma_ruleset *rs = sigma_ruleset_new();
    assert_int_equal(sigma_load_string(rs, "noalloc.yml", rules, strlen(rules), NULL, NULL), 0);
    assert_int_equal(sigma_load_path(rs, "conf/rules", NULL, NULL), 0);
    sigma_field f[] = {
        {"EventID", "5145"},
        {"ShareName", "\\\\*\\IPC$"},
        {"RelativeTargetName", "updsvc-WKS01-4242-stdin"},
        {"IpAddress", "10.1.2.3"},
        {"IpPort", "49712"},
        {"CommandLine", "x /c y -e z"},
        {"SubjectUserName", "alice"},
        {"TargetUserName", "ALICE"},
    };
    sigma_event ev = {"windows", "security", NULL, f, sizeof(f) / sizeof(f[0])};
    sigma_field *pipe = &f[2]; /* the event sees it through ev.fields */
    const sigma_rule *out[16];
    /* The first match may let PCRE2 size its backtracking frames in the
     * match data, which it then keeps. */
    size_t first = sigma_match(rs, &ev, out, 16);
    assert_int_equal(first, 2); /* the seed rule and the rule above */
    counting = 1;
    size_t total = 0;
    for (int i = 0; i < 1000; i++) {
        pipe->value = (i & 1) ? "updsvc-WKS01-4242-stdin" : "PSEXESVC-WKS01-4242-stdout";
        total += sigma_match(rs, &ev, out, 16);
    }
    counting = 0;
    assert_int_equal(allocs, 0);
    /* renamed pipe: the seed rule and the rule above (through its keywords);
     * default PsExec name: only the informational rule */
    assert_int_equal(total, 500 * 2 + 500 * 1);
    sigma_ruleset_free(rs);
#endif
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_match_does_not_allocate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
