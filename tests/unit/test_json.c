/* The JSON line writer: structure, escapes, UTF-8 checking, overflow, and
 * the Suricata timestamp form. */
#include "testutil.h"

#include <signal.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sensor/json.h"

static const char *one_str(char *buf, size_t cap, const char *val, size_t n)
{
    jbuf j;
    jb_init(&j, buf, cap);
    jb_open_object(&j, NULL);
    jb_strn(&j, "v", val, n);
    jb_close_object(&j);
    return jb_line(&j, NULL);
}

static void test_structure(void **state)
{
    char buf[256];
    jbuf j;
    jb_init(&j, buf, sizeof buf);
    jb_open_object(&j, NULL);
    jb_str(&j, "event_type", "alert");
    jb_u64(&j, "flow_id", 18446744073709551615ull);
    jb_i64(&j, "neg", -42);
    jb_i64(&j, "min", INT64_MIN);
    jb_bool(&j, "t", true);
    jb_bool(&j, "f", false);
    jb_str(&j, "n", NULL);
    jb_open_object(&j, "winlog");
    jb_open_array(&j, "keywords");
    jb_str(&j, NULL, "Audit Success");
    jb_str(&j, NULL, "x");
    jb_close_array(&j);
    jb_open_object(&j, "event_data");
    jb_close_object(&j);
    jb_u64(&j, "event_id", 5145);
    jb_close_object(&j);
    jb_open_array(&j, "empty");
    jb_close_array(&j);
    jb_close_object(&j);
    size_t len;
    const char *line = jb_line(&j, &len);
    const char *want =
        "{\"event_type\":\"alert\",\"flow_id\":18446744073709551615,\"neg\":-42,"
        "\"min\":-9223372036854775808,\"t\":true,\"f\":false,\"n\":null,"
        "\"winlog\":{\"keywords\":[\"Audit Success\",\"x\"],\"event_data\":{},\"event_id\":5145},"
        "\"empty\":[]}";
    assert_string_equal(line, want);
    assert_int_equal(len, strlen(want));
    assert_false(j.overflow);
    assert_int_equal(j.depth, 0);

    jb_reset(&j);
    assert_string_equal(jb_line(&j, &len), "");
    assert_int_equal(len, 0);
    jb_open_array(&j, NULL);
    jb_u64(&j, NULL, 0);
    jb_u64(&j, NULL, 7);
    jb_close_array(&j);
    assert_string_equal(jb_line(&j, NULL), "[0,7]");
}

static void test_escapes(void **state)
{
    char buf[256];
    assert_string_equal(one_str(buf, sizeof buf, "a\"b\\c", 5), "{\"v\":\"a\\\"b\\\\c\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\n\t\r\b\f", 5), "{\"v\":\"\\n\\t\\r\\b\\f\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\x01\x1f", 2), "{\"v\":\"\\u0001\\u001f\"}");
    /* An embedded NUL with an explicit length. */
    assert_string_equal(one_str(buf, sizeof buf, "a\0b", 3), "{\"v\":\"a\\u0000b\"}");
    /* DEL and '/' need no escape. */
    assert_string_equal(one_str(buf, sizeof buf, "\x7f/", 2), "{\"v\":\"\x7f/\"}");
    /* The AccessList separator as Windows writes it. */
    assert_string_equal(one_str(buf, sizeof buf, "%%4416\n\t\t\t\t", 11),
                        "{\"v\":\"%%4416\\n\\t\\t\\t\\t\"}");
    /* Windows paths. */
    assert_string_equal(one_str(buf, sizeof buf, "\\\\*\\IPC$", 8), "{\"v\":\"\\\\\\\\*\\\\IPC$\"}");
    /* Keys are escaped too. */
    jbuf j;
    jb_init(&j, buf, sizeof buf);
    jb_open_object(&j, NULL);
    jb_str(&j, "k\"", "v");
    jb_close_object(&j);
    assert_string_equal(jb_line(&j, NULL), "{\"k\\\"\":\"v\"}");
}

static void test_utf8(void **state)
{
    char buf[256];
    /* Valid 2, 3 and 4 byte sequences pass as they are. */
    assert_string_equal(one_str(buf, sizeof buf, "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9),
                        "{\"v\":\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"}");
    /* A lone continuation byte, a truncated sequence, an overlong '/',
     * a UTF-16 surrogate, a code point above U+10FFFF, and 0xff. */
    assert_string_equal(one_str(buf, sizeof buf, "\x80", 1), "{\"v\":\"\\u0080\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\xc3", 1), "{\"v\":\"\\u00c3\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\xe2\x82", 2), "{\"v\":\"\\u00e2\\u0082\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\xc0\xaf", 2), "{\"v\":\"\\u00c0\\u00af\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\xed\xa0\x80", 3), "{\"v\":\"\\u00ed\\u00a0\\u0080\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\xf4\x90\x80\x80", 4),
                        "{\"v\":\"\\u00f4\\u0090\\u0080\\u0080\"}");
    assert_string_equal(one_str(buf, sizeof buf, "a\xffz", 3), "{\"v\":\"a\\u00ffz\"}");
    /* The bad byte is replaced alone; the valid character after it is kept. */
    assert_string_equal(one_str(buf, sizeof buf, "\xc3\xc3\xa9", 3), "{\"v\":\"\\u00c3\xc3\xa9\"}");
    /* Edges of the valid ranges. */
    assert_string_equal(one_str(buf, sizeof buf, "\xed\x9f\xbf", 3), "{\"v\":\"\xed\x9f\xbf\"}");
    assert_string_equal(one_str(buf, sizeof buf, "\xf4\x8f\xbf\xbf", 4), "{\"v\":\"\xf4\x8f\xbf\xbf\"}");
}

/* A small JSON validator: true when s is one complete JSON value. */
static const char *skip_value(const char *s);

static const char *skip_string(const char *s)
{
    if (*s++ != '"')
        return NULL;
    while (*s && *s != '"') {
        if ((unsigned char)*s < 0x20)
            return NULL;
        if (*s == '\\') {
            s++;
            if (*s == 'u') {
                for (int i = 1; i <= 4; i++)
                    if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
                        return NULL;
                s += 4;
            } else if (!*s || !strchr("\"\\/bfnrt", *s)) {
                return NULL;
            }
        }
        s++;
    }
    return *s == '"' ? s + 1 : NULL;
}

static const char *skip_container(const char *s, char close, bool keyed)
{
    s++;
    if (*s == close)
        return s + 1;
    for (;;) {
        if (keyed) {
            s = skip_string(s);
            if (!s || *s++ != ':')
                return NULL;
        }
        s = skip_value(s);
        if (!s)
            return NULL;
        if (*s == close)
            return s + 1;
        if (*s++ != ',')
            return NULL;
    }
}

static const char *skip_value(const char *s)
{
    if (*s == '{')
        return skip_container(s, '}', true);
    if (*s == '[')
        return skip_container(s, ']', false);
    if (*s == '"')
        return skip_string(s);
    static const char *words[] = {"true", "false", "null"};
    for (size_t i = 0; i < 3; i++)
        if (!strncmp(s, words[i], strlen(words[i])))
            return s + strlen(words[i]);
    const char *start = s;
    if (*s == '-')
        s++;
    while (*s >= '0' && *s <= '9')
        s++;
    return s > start ? s : NULL;
}

static bool valid_json(const char *s)
{
    const char *e = skip_value(s);
    return e && *e == '\0';
}

/* The shape of an alert: nested objects and arrays after a few members. */
static void build_record(jbuf *j)
{
    jb_open_object(j, NULL);
    jb_str(j, "event_type", "alert");
    jb_u64(j, "flow_id", 1234567);
    jb_open_array(j, "vlan");
    jb_u64(j, NULL, 10);
    jb_close_array(j);
    jb_open_object(j, "winlog");
    jb_str(j, "channel", "Security");
    jb_open_array(j, "keywords");
    jb_str(j, NULL, "Audit Success");
    jb_close_array(j);
    jb_open_object(j, "event_data");
    jb_str(j, "ShareName", "\\\\*\\IPC$");
    jb_str(j, "RelativeTargetName", "svc-stdin");
    jb_close_object(j);
    jb_close_object(j);
    jb_open_object(j, "smb");
    jb_u64(j, "id", 3);
    jb_close_object(j);
    jb_close_object(j);
}

static void test_overflow(void **state)
{
    char buf[512];
    memset(buf, 'X', sizeof buf);
    jbuf j;
    /* A member that does not fit is dropped whole, the members after it
     * too, and the object still closes, saying it lost members. */
    jb_init(&j, buf, 40);
    jb_open_object(&j, NULL);
    jb_str(&j, "a", "12345"); /* {"a":"12345" = 12 bytes, 19 held back */
    assert_false(j.overflow);
    jb_str(&j, "b", "1234567890"); /* 17 more would leave less than 19: dropped whole */
    assert_true(j.overflow);
    jb_u64(&j, "c", 1); /* later appends, even small ones, are dropped */
    jb_open_object(&j, "d");
    jb_u64(&j, "e", 1);
    jb_close_object(&j); /* closes the skipped "d", not the line */
    assert_true(jb_truncated(&j));
    assert_string_equal(jb_line(&j, NULL), "{\"a\":\"12345\"");
    jb_close_object(&j);
    size_t len;
    assert_string_equal(jb_line(&j, &len), "{\"a\":\"12345\",\"truncated\":true}");
    assert_int_equal(len, 30);
    assert_int_equal(j.dropped, 4); /* b, c, d, e */
    assert_int_equal(j.depth, 0);
    /* Nothing was written past the capacity. */
    for (size_t i = 40; i < sizeof buf; i++)
        assert_int_equal(buf[i], 'X');
    /* Reset clears the mark. */
    jb_reset(&j);
    assert_false(j.overflow);
    assert_false(jb_truncated(&j));
    jb_u64(&j, NULL, 5);
    assert_string_equal(jb_line(&j, NULL), "5");

    /* A record that fits is not marked, and needs no more room than its text
     * and what its open containers hold back. */
    jb_init(&j, buf, sizeof buf);
    build_record(&j);
    char full[512];
    snprintf(full, sizeof full, "%s", jb_line(&j, &len));
    assert_false(jb_truncated(&j));
    assert_true(valid_json(full));
    assert_int_equal(len, strlen(full));

    /* Cut at every size: always one valid JSON object (or nothing when not
     * even the braces fit), either the whole record or a prefix of its
     * members closed and marked. */
    for (size_t cap = 1; cap <= len + 1; cap++) {
        jb_init(&j, buf, cap);
        build_record(&j);
        size_t n;
        const char *line = jb_line(&j, &n);
        assert_true(n < cap);
        assert_int_equal(j.depth, 0);
        if (n == 0) {
            assert_true(cap < 21);
            continue;
        }
        if (!valid_json(line))
            fail_msg("cap %zu: not valid JSON: %s", cap, line);
        if (jb_truncated(&j)) {
            assert_non_null(strstr(line, "\"truncated\":true}"));
            assert_string_equal(line + n - 17, "\"truncated\":true}");
        } else {
            assert_string_equal(line, full);
        }
    }
    /* One byte short of the whole record and its NUL: still valid, marked. */
    jb_init(&j, buf, len);
    build_record(&j);
    assert_true(jb_truncated(&j));
    assert_true(valid_json(jb_line(&j, NULL)));

    /* An escape sequence that does not fit is not cut in half. */
    jb_init(&j, buf, 8);
    jb_str(&j, NULL, "ab\x01");
    assert_true(j.overflow);
    assert_string_equal(jb_line(&j, NULL), "");

    /* Exactly full: 7 characters and the NUL in 8 bytes (nothing is open). */
    jb_init(&j, buf, 8);
    jb_str(&j, NULL, "abcde");
    assert_false(j.overflow);
    assert_string_equal(jb_line(&j, &len), "\"abcde\"");
    assert_int_equal(len, 7);

    /* An array at the top closes without the marker (it has no keys). */
    jb_init(&j, buf, 24);
    jb_open_array(&j, NULL);
    jb_str(&j, NULL, "0123456789abcdef");
    jb_close_array(&j);
    assert_true(jb_truncated(&j));
    assert_string_equal(jb_line(&j, NULL), "[]");

    /* A zero-sized buffer is overflowed from the start. */
    jb_init(&j, NULL, 0);
    jb_open_object(&j, NULL);
    jb_str(&j, NULL, "a");
    jb_close_object(&j);
    assert_true(j.overflow);
    assert_string_equal(jb_line(&j, &len), "");
    assert_int_equal(len, 0);
}

static void test_hex32(void **state)
{
    char buf[128];
    jbuf j;
    jb_init(&j, buf, sizeof buf);
    jb_open_object(&j, NULL);
    jb_hex32(&j, "m", 0x12019f);
    jb_hex32(&j, "z", 0);
    jb_hex32(&j, "f", 0xffffffffu);
    jb_hex32(&j, "s", 0xc0000022u);
    jb_close_object(&j);
    assert_string_equal(
        jb_line(&j, NULL),
        "{\"m\":\"0x0012019f\",\"z\":\"0x00000000\",\"f\":\"0xffffffff\",\"s\":\"0xc0000022\"}");
}

static const char *ts(char *buf, size_t cap, uint64_t usec)
{
    jbuf j;
    jb_init(&j, buf, cap);
    jb_timestamp(&j, NULL, usec);
    return jb_line(&j, NULL);
}

static void test_timestamp(void **state)
{
    char buf[96];
    assert_string_equal(ts(buf, sizeof buf, 0), "\"1970-01-01T00:00:00.000000+0000\"");
    assert_string_equal(ts(buf, sizeof buf, 1554297296123456ull), "\"2019-04-03T13:14:56.123456+0000\"");
    /* Same second again (cached date), then a different microsecond. */
    assert_string_equal(ts(buf, sizeof buf, 1554297296000001ull), "\"2019-04-03T13:14:56.000001+0000\"");
    assert_string_equal(ts(buf, sizeof buf, 951782400999999ull), "\"2000-02-29T00:00:00.999999+0000\"");
    assert_string_equal(ts(buf, sizeof buf, 4102444799000000ull), "\"2099-12-31T23:59:59.000000+0000\"");
    /* Back to the cached second's predecessor: the cache must not go stale. */
    assert_string_equal(ts(buf, sizeof buf, 1554297295999999ull), "\"2019-04-03T13:14:55.999999+0000\"");

    jbuf j;
    jb_init(&j, buf, sizeof buf);
    jb_open_object(&j, NULL);
    jb_timestamp(&j, "timestamp", 1554297296123456ull);
    jb_close_object(&j);
    assert_string_equal(jb_line(&j, NULL), "{\"timestamp\":\"2019-04-03T13:14:56.123456+0000\"}");
}

/* What an escaper written byte by byte makes of a string of single bytes
 * (no byte of it starts a valid UTF-8 sequence: each stands alone). */
static size_t ref_escape(const unsigned char *s, size_t n, char *out)
{
    size_t o = 0;
    out[o++] = '"';
    for (size_t i = 0; i < n; i++) {
        unsigned c = s[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            out[o++] = '\\';
            out[o++] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
        } else if (c < 0x20 || c >= 0x80) {
            o += (size_t)sprintf(out + o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = 0;
    return o;
}

/* The fast path (whole words checked for bytes that need escaping) sends
 * every string with such a byte, wherever it is, to the escaper: each
 * length up to 24, each place, each byte value. */
static void test_plain_words(void **state)
{
    (void)state;
    char buf[512], want[256], line[300];
    unsigned char s[24];
    for (size_t n = 1; n <= sizeof s; n++)
        for (size_t at = 0; at < n; at++)
            for (unsigned c = 0; c < 256; c++) {
                for (size_t i = 0; i < n; i++)
                    s[i] = (unsigned char)('a' + i % 26);
                s[at] = (unsigned char)c;
                ref_escape(s, n, want);
                snprintf(line, sizeof line, "{\"v\":%s}", want);
                assert_string_equal(one_str(buf, sizeof buf, (const char *)s, n), line);
            }
}

/* A string that needs escaping, at every size of line: written whole (in
 * one pass when there is room for six bytes for each of its bytes, piece by
 * piece when there is less) or dropped whole, never cut. */
static void test_escaped_every_size(void **state)
{
    (void)state;
    static const char *const strs[][2] = {
        {"\\\\10.77.0.1\\IPC$", "\"\\\\\\\\10.77.0.1\\\\IPC$\""},
        {"%%4416\n\t\t\t\t", "\"%%4416\\n\\t\\t\\t\\t\""},
        /* DEL and valid UTF-8 as they are, control and invalid bytes as \u00XX */
        {"a\"b\\c\x01\x7f\xc3\xa9\xff\xe2\x82", "\"a\\\"b\\\\c\\u0001\x7f\xc3\xa9\\u00ff\\u00e2\\u0082\""},
        {"\x80\x80\x80\x80\x80\x80\x80\x80", "\"\\u0080\\u0080\\u0080\\u0080\\u0080\\u0080\\u0080\\u0080\""},
    };
    for (size_t k = 0; k < sizeof strs / sizeof strs[0]; k++) {
        char full[300], cut[64], buf[300];
        const char *want = strs[k][1];
        snprintf(full, sizeof full, "{\"a\":\"1\",\"v\":%s}", want);
        snprintf(cut, sizeof cut, "{\"a\":\"1\",\"truncated\":true}");
        /* the member fits when the text before it and it leave what is held
         * back at depth 1: a bracket, the marker and the NUL */
        size_t need = strlen(full) - 1 + 1 + sizeof(",\"truncated\":true");
        for (size_t cap = strlen(cut) + 1; cap <= sizeof buf; cap++) {
            jbuf j;
            jb_init(&j, buf, cap);
            jb_open_object(&j, NULL);
            jb_str(&j, "a", "1");
            jb_str(&j, "v", strs[k][0]);
            jb_close_object(&j);
            assert_string_equal(jb_line(&j, NULL), cap >= need ? full : cut);
        }
    }
}

/* What jk_name is told (a value that needs no escaping) is checked in the
 * builds of make sanitize and make fuzz (PW_CHECKED): a wrong claim stops
 * the run rather than write a broken line. Other builds trust it. */
static void test_name_claim_checked(void **state)
{
    (void)state;
#ifdef PW_CHECKED
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        char b[64];
        jbuf j;
        jb_init(&j, b, sizeof b);
        jb_open_object(&j, NULL);
        jk_name(&j, JK("v"), "a\"b");
        _exit(0);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGABRT);
#else
    skip();
#endif
}

/* One record twice: keys given at run time and keys made at compile time
 * (JK) give the same text at every buffer size, truncated or not; so do the
 * values and keys said to need no scan (jk_name, jk_namen, jb_str_namekey). */
static void keyed_record(jbuf *j, bool lit)
{
    jb_reset(j);
    jb_open_object(j, NULL);
    if (lit) {
        jk_timestamp(j, JK("timestamp"), 1554297296123456ull);
        jk_u64(j, JK("flow_id"), 1611193048107716ull);
        jk_str(j, JK("event_type"), "winlog");
        jk_namen(j, JK("src_ip"), "10.99.0.2xx", 9);
        jk_open_object(j, JK("winlog"));
        jk_name(j, JK("channel"), "Security");
        jk_bool(j, JK("t"), true);
        jk_open_array(j, JK("keywords"));
        jb_elem_str(j, "Audit Success");
        jb_elem_u64(j, 42);
        jb_elem_strn(j, "ReadData (or ListDirectory)", 8);
        jb_close_array(j);
        jk_str(j, JK("ShareName"), "\\\\*\\IPC$");
        jk_str(j, JK("n"), NULL);
        jk_hex32(j, JK("access_mask"), 0x12019f);
        jk_raw(j, JK("raw"), "[1,2]", 5);
        jb_close_object(j);
    } else {
        jb_timestamp(j, "timestamp", 1554297296123456ull);
        jb_u64(j, "flow_id", 1611193048107716ull);
        jb_str_namekey(j, "event_type", "winlog");
        jb_strn(j, "src_ip", "10.99.0.2xx", 9);
        jb_open_object(j, "winlog");
        jb_str(j, "channel", "Security");
        jb_bool(j, "t", true);
        jb_open_array(j, "keywords");
        jb_str(j, NULL, "Audit Success");
        jb_u64(j, NULL, 42);
        jb_strn(j, NULL, "ReadData (or ListDirectory)", 8);
        jb_close_array(j);
        jb_str(j, "ShareName", "\\\\*\\IPC$");
        jb_str(j, "n", NULL);
        jb_hex32(j, "access_mask", 0x12019f);
        jb_raw(j, "raw", "[1,2]", 5);
        jb_close_object(j);
    }
    jb_close_object(j);
}

static void test_literal_keys(void **state)
{
    (void)state;
    char a[400] = "", b[400] = "";
    jbuf ja, jbb;
    jb_init(&ja, a, sizeof a);
    keyed_record(&ja, false);
    assert_string_equal(jb_line(&ja, NULL),
                        "{\"timestamp\":\"2019-04-03T13:14:56.123456+0000\",\"flow_id\":1611193048107716,"
                        "\"event_type\":\"winlog\",\"src_ip\":\"10.99.0.2\",\"winlog\":{\"channel\":\"Security\","
                        "\"t\":true,\"keywords\":[\"Audit Success\",42,\"ReadData\"],\"ShareName\":\"\\\\\\\\*\\\\IPC$\","
                        "\"n\":null,\"access_mask\":\"0x0012019f\",\"raw\":[1,2]}}");
    for (size_t cap = 0; cap <= sizeof a; cap++) {
        jb_init(&ja, cap ? a : NULL, cap);
        jb_init(&jbb, cap ? b : NULL, cap);
        keyed_record(&ja, false);
        keyed_record(&jbb, true);
        size_t la, lb;
        const char *ta = jb_line(&ja, &la), *tb = jb_line(&jbb, &lb);
        assert_int_equal(la, lb);
        assert_string_equal(ta, tb);
        assert_int_equal(jb_truncated(&ja), jb_truncated(&jbb));
        assert_true(la < (cap ? cap : 1));
    }
}

/* A nested member of a record, as the smb object of a fact is. */
static void nested_member(jbuf *j)
{
    jk_open_object(j, JK("smb"));
    jk_u64(j, JK("id"), 7);
    jk_str(j, JK("command"), "SMB2_COMMAND_CREATE");
    jk_str(j, JK("filename"), "svc\\x\"y");
    jk_open_array(j, JK("list"));
    jb_elem_str(j, "a");
    jb_elem_u64(j, 12);
    jb_close_array(j);
    jb_close_object(j);
}

static void record_with(jbuf *j, const char *copy, size_t n)
{
    jb_open_object(j, NULL);
    jk_str(j, JK("event_type"), "winlog");
    jk_u64(j, JK("flow_id"), 1611193048107716ull);
    if (!copy || !jb_raw_if_fits(j, copy, n))
        nested_member(j);
    jk_str(j, JK("tail"), "end");
    jb_close_object(j);
}

/* A member taken as text from one line (jb_mark_here, jb_since) and copied
 * into another (jb_raw_if_fits) makes the same line as the member written
 * piece by piece, at every size of line, cut ones included. */
static void test_member_copied(void **state)
{
    (void)state;
    char src[512], a[300], b[300];
    jbuf js, ja, jbb;
    jb_init(&js, src, sizeof src);
    jb_open_object(&js, NULL);
    jk_str(&js, JK("event_type"), "smb");
    jb_mark at = jb_mark_here(&js);
    nested_member(&js);
    size_t n = 0;
    const char *text = jb_since(&js, at, &n);
    assert_non_null(text);
    assert_int_equal(n, strlen("\"smb\":{\"id\":7,\"command\":\"SMB2_COMMAND_CREATE\","
                               "\"filename\":\"svc\\\\x\\\"y\",\"list\":[\"a\",12]}"));
    assert_memory_equal(text, "\"smb\":{\"id\":7,", 14);
    char copy[256];
    memcpy(copy, text, n);
    /* the first member of an object has no comma to leave out */
    jbuf jf;
    char f[256];
    jb_init(&jf, f, sizeof f);
    jb_open_object(&jf, NULL);
    jb_mark first = jb_mark_here(&jf);
    nested_member(&jf);
    size_t fn = 0;
    const char *ft = jb_since(&jf, first, &fn);
    assert_int_equal(fn, n);
    assert_memory_equal(ft, copy, n);
    for (size_t cap = 0; cap <= sizeof a; cap++) {
        jb_init(&ja, cap ? a : NULL, cap);
        jb_init(&jbb, cap ? b : NULL, cap);
        record_with(&ja, NULL, 0);
        record_with(&jbb, copy, n);
        size_t la, lb;
        const char *ta = jb_line(&ja, &la), *tb = jb_line(&jbb, &lb);
        assert_int_equal(la, lb);
        assert_string_equal(ta, tb);
        assert_int_equal(jb_truncated(&ja), jb_truncated(&jbb));
        assert_int_equal(ja.dropped, jbb.dropped);
    }
    /* nothing to take when the member was cut */
    char small[40];
    jb_init(&js, small, sizeof small);
    jb_open_object(&js, NULL);
    at = jb_mark_here(&js);
    nested_member(&js);
    assert_null(jb_since(&js, at, &n));
}

static void test_u64_digits(void **state)
{
    (void)state;
    char got[24], want[24];
    uint64_t v = 1;
    for (int i = 0; i < 20; i++, v *= 10)
        for (int d = -1; d <= 1; d++) {
            uint64_t x = v + (uint64_t)d;
            size_t n = jb_fmt_u64(x, got);
            got[n] = 0;
            snprintf(want, sizeof want, "%llu", (unsigned long long)x);
            assert_string_equal(got, want);
        }
    size_t n = jb_fmt_u64(UINT64_MAX, got);
    got[n] = 0;
    assert_string_equal(got, "18446744073709551615");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_structure), cmocka_unit_test(test_escapes), cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_overflow),  cmocka_unit_test(test_hex32),   cmocka_unit_test(test_timestamp),
        cmocka_unit_test(test_plain_words), cmocka_unit_test(test_literal_keys), cmocka_unit_test(test_u64_digits),
        cmocka_unit_test(test_member_copied), cmocka_unit_test(test_escaped_every_size),
        cmocka_unit_test(test_name_claim_checked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
