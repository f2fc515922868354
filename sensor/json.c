/* JSON line writer over a caller's buffer. Room for the closing bracket of
 * every open container, and for the truncation marker of the top-level
 * object, is held back, so a line that overflows still closes; a member that
 * does not fit rolls back whole and the members after it are dropped. */
#include "json.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

static char empty_line[1] = "";

#define TRUNC_MARK ",\"truncated\":true"

/* Bytes held back for closing what is open: one bracket per container and
 * the marker, plus the terminating NUL. */
static inline size_t held_back(int depth)
{
    return depth > 0 ? (size_t)depth + sizeof(TRUNC_MARK) : 1;
}

static inline void set_depth(jbuf *j, int depth)
{
    j->depth = depth;
    size_t h = held_back(depth);
    j->limit = j->cap > h ? j->cap - h : 0;
}

void jb_init(jbuf *j, char *buf, size_t cap)
{
    j->buf = buf;
    j->cap = buf ? cap : 0;
    jb_reset(j);
}

void jb_reset(jbuf *j)
{
    j->len = 0;
    j->overflow = j->cap == 0;
    j->need_comma = false;
    j->root_object = false;
    set_depth(j, 0);
    j->skipped = 0;
    j->dropped = 0;
    if (j->cap > 0)
        j->buf[0] = '\0';
}

/* Room for n more bytes of a member that opens extra_depth (0 or 1)
 * containers; marks the line when there is none. */
static inline bool room(jbuf *j, size_t n, int extra_depth)
{
    if (j->overflow)
        return false;
    /* opening the first container holds back the marker too */
    size_t more = extra_depth ? (j->depth ? 1 : sizeof(TRUNC_MARK)) : 0;
    if (j->len + n + more > j->limit) {
        j->overflow = true;
        return false;
    }
    return true;
}

/* Appends raw bytes of a member; false (and the line marked) when they do
 * not fit with what is held back. extra_depth: containers this append opens. */
static inline bool put_open(jbuf *j, const char *s, size_t n, int extra_depth)
{
    if (!room(j, n, extra_depth))
        return false;
    memcpy(j->buf + j->len, s, n);
    j->len += n;
    return true;
}

static inline bool put(jbuf *j, const char *s, size_t n)
{
    return put_open(j, s, n, 0);
}

static inline bool putc1(jbuf *j, char c)
{
    if (!room(j, 1, 0))
        return false;
    j->buf[j->len++] = c;
    return true;
}

static const char hexdig[] = "0123456789abcdef";

/* Length of the valid UTF-8 sequence at s (RFC 3629: no overlongs, no
 * surrogates, nothing above U+10FFFF), or 0 when it is not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t need;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    if (s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < need; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
    }
    return need;
}

/* True when no byte of s needs escaping: printable ASCII other than the
 * quote and the backslash (DEL included, as put_escaped copies it). Eight
 * bytes at a time: a byte below 0x20, from 0x80, '"' or '\\' shows in the
 * high bit of its lane (each test is exact as to whether some lane has
 * it, which is all that is asked). */
#define LANES(b) (0x0101010101010101ull * (uint64_t)(b))
static inline uint64_t lane_zero(uint64_t v) { return (v - LANES(1)) & ~v & LANES(0x80); }

static inline bool plain_word(const char *s)
{
    uint64_t x;
    memcpy(&x, s, 8);
    uint64_t bad = ((x - LANES(0x20)) & ~x) | x | lane_zero(x ^ LANES('"')) | lane_zero(x ^ LANES('\\'));
    return !(bad & LANES(0x80));
}

static bool plain_text(const char *s, size_t n)
{
    if (n >= 8) {
        size_t i = 0;
        for (; i + 8 <= n; i += 8)
            if (!plain_word(s + i))
                return false;
        /* the last bytes in one word that overlaps the one before */
        return i == n || plain_word(s + n - 8);
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return false;
    }
    return true;
}

/* The escaped form of byte c (not plain, not the start of valid UTF-8)
 * into out; returns its length. */
static inline size_t escape_byte(unsigned char c, char out[6])
{
    out[0] = '\\';
    switch (c) {
    case '"': out[1] = '"'; return 2;
    case '\\': out[1] = '\\'; return 2;
    case '\b': out[1] = 'b'; return 2;
    case '\f': out[1] = 'f'; return 2;
    case '\n': out[1] = 'n'; return 2;
    case '\r': out[1] = 'r'; return 2;
    case '\t': out[1] = 't'; return 2;
    default:
        /* Control characters, and each byte of an invalid UTF-8 sequence
         * (which then reads back as the Latin-1 character of that byte). */
        out[1] = 'u';
        out[2] = '0';
        out[3] = '0';
        out[4] = hexdig[c >> 4];
        out[5] = hexdig[c & 0xF];
        return 6;
    }
}

static inline bool plain_byte(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

/* The escaped text of str into p, which has room for 6 bytes for each of
 * str's; returns the end of what was written. A string comes here only when
 * it needs escaping, and such strings are short with escapes close together
 * (share paths, access lists), so it goes byte by byte. */
static char *escape_into(char *p, const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (plain_byte(c)) {
            *p++ = (char)c;
            i++;
            continue;
        }
        if (c >= 0x80) {
            size_t len = utf8_len(s + i, n - i);
            if (len) {
                memcpy(p, str + i, len);
                p += len;
                i += len;
                continue;
            }
        }
        p += escape_byte(c, p);
        i++;
    }
    return p;
}

/* The length of str escaped: what escape_into writes. */
static size_t escaped_len(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len = 0;
    char esc[6];
    for (size_t i = 0; i < n;) {
        size_t u;
        if (plain_byte(s[i])) {
            len++;
            i++;
        } else if (s[i] >= 0x80 && (u = utf8_len(s + i, n - i)) != 0) {
            len += u;
            i += u;
        } else {
            len += escape_byte(s[i], esc);
            i++;
        }
    }
    return len;
}

/* The quoted, escaped text, written in one pass once there is room for
 * it: room for the worst case (six bytes a byte) needs no count, else the
 * exact length is counted first. It fits whole or not at all. */
static bool put_escaped(jbuf *j, const char *str, size_t n)
{
    if (j->overflow)
        return false;
    size_t avail = j->limit > j->len ? j->limit - j->len : 0;
    bool worst_fits = avail >= 2 && n <= (avail - 2) / 6;
    if (!worst_fits && !room(j, escaped_len(str, n) + 2, 0))
        return false;
    char *p = j->buf + j->len;
    *p++ = '"';
    p = escape_into(p, str, n);
    *p++ = '"';
    j->len = (size_t)(p - j->buf);
    return true;
}

/* A whole member in one step, when every piece is known to need no
 * escaping: the comma when due, the key (key_lit: in its written form;
 * else a plain name, quoted here; NULL: none), then the text, in quotes
 * when quote is set. It fits whole or is dropped whole, as a member the
 * slow path writes piece by piece. */
static inline void put_member(jbuf *j, const char *key, size_t klen, bool key_lit, const char *text, size_t n,
                              bool quote)
{
    if (j->overflow) {
        j->dropped++;
        return;
    }
    size_t comma = j->need_comma ? 1 : 0;
    size_t kwrap = key && !key_lit ? 3 : 0;
    size_t need = comma + (key ? klen : 0) + kwrap + n + (quote ? 2 : 0);
    if (j->len + need > j->limit) {
        j->overflow = true;
        j->dropped++;
        j->buf[j->len] = '\0';
        return;
    }
    char *p = j->buf + j->len;
    if (comma)
        *p++ = ',';
    if (key) {
        if (kwrap)
            *p++ = '"';
        memcpy(p, key, klen);
        p += klen;
        if (kwrap) {
            *p++ = '"';
            *p++ = ':';
        }
    }
    if (quote)
        *p++ = '"';
    memcpy(p, text, n);
    p += n;
    if (quote)
        *p++ = '"';
    *p = '\0';
    j->len = (size_t)(p - j->buf);
    j->need_comma = true;
}

/* Writes the comma and the key of a new member: key_lit says the key is
 * already in its written form (quoted, with its colon: JK()). Returns the
 * length to roll back to if the member does not fit, or SIZE_MAX when the
 * line is full. */
static size_t begin_key(jbuf *j, const char *key, size_t klen, bool key_lit, bool key_plain)
{
    if (j->overflow) {
        j->dropped++;
        return SIZE_MAX;
    }
    size_t mark = j->len;
    if (j->need_comma && !putc1(j, ',')) {
        j->dropped++;
        return SIZE_MAX;
    }
    bool ok = true;
    if (key && key_lit)
        ok = put(j, key, klen);
    else if (key && key_plain)
        ok = putc1(j, '"') && put(j, key, klen) && put(j, "\":", 2);
    else if (key)
        ok = put_escaped(j, key, klen) && putc1(j, ':');
    if (!ok) {
        j->len = mark;
        j->dropped++;
        return SIZE_MAX;
    }
    return mark;
}

static size_t begin(jbuf *j, const char *key) { return begin_key(j, key, key ? strlen(key) : 0, false, false); }

static void end(jbuf *j, size_t mark, bool ok)
{
    if (!ok) {
        j->len = mark;
        j->overflow = true;
        j->dropped++;
    } else {
        j->need_comma = true;
    }
    j->buf[j->len] = '\0';
}

static void end_overflow(jbuf *j, size_t mark)
{
    if (mark != SIZE_MAX)
        j->len = mark;
    if (j->cap > 0)
        j->buf[j->len] = '\0';
}

/* A key given at run time goes the fast way when it needs no escaping. */
static inline bool plain_key(const char *key, size_t *klen)
{
    *klen = key ? strlen(key) : 0;
    return !key || plain_text(key, *klen);
}

static void put_raw_member(jbuf *j, const char *key, const char *text, size_t n)
{
    size_t klen;
    if (plain_key(key, &klen)) {
        put_member(j, key, klen, false, text, n, false);
        return;
    }
    size_t mark = begin(j, key);
    if (mark == SIZE_MAX) {
        end_overflow(j, mark);
        return;
    }
    end(j, mark, put(j, text, n));
}

static void open_key(jbuf *j, const char *key, size_t klen, bool key_lit, bool key_plain, char c)
{
    size_t mark = begin_key(j, key, klen, key_lit, key_plain);
    bool ok = mark != SIZE_MAX && put_open(j, &c, 1, 1);
    if (mark == SIZE_MAX) {
        end_overflow(j, mark);
    } else {
        end(j, mark, ok);
    }
    if (!ok) {
        /* Its contents go with it; its close must not close an outer one. */
        j->skipped++;
        return;
    }
    if (j->depth == 0)
        j->root_object = c == '{';
    j->need_comma = false;
    set_depth(j, j->depth + 1);
}

static void open_with(jbuf *j, const char *key, char c)
{
    size_t klen;
    bool plain = plain_key(key, &klen);
    open_key(j, key, klen, false, plain, c);
}

void jk_open_object(jbuf *j, jkey k) { open_key(j, k.text, k.len, true, false, '{'); }

void jk_open_array(jbuf *j, jkey k) { open_key(j, k.text, k.len, true, false, '['); }

void jb_open_object(jbuf *j, const char *key)
{
    open_with(j, key, '{');
}

void jb_open_array(jbuf *j, const char *key)
{
    open_with(j, key, '[');
}

/* Closing never fails: its bytes were held back when the container opened. */
static void close_with(jbuf *j, char c)
{
    if (j->skipped > 0) {
        j->skipped--;
        return;
    }
    if (j->depth <= 0 || j->cap == 0)
        return;
    if (j->depth == 1 && j->dropped && j->root_object) {
        const char *mark = j->need_comma ? TRUNC_MARK : &TRUNC_MARK[1];
        size_t n = strlen(mark);
        memcpy(j->buf + j->len, mark, n);
        j->len += n;
    }
    j->buf[j->len++] = c;
    j->buf[j->len] = '\0';
    j->need_comma = true;
    set_depth(j, j->depth - 1);
}

void jb_close_object(jbuf *j)
{
    close_with(j, '}');
}

void jb_close_array(jbuf *j)
{
    close_with(j, ']');
}

/* A string member: one step when neither key nor value needs escaping,
 * else piece by piece through put_escaped. */
static void str_member(jbuf *j, const char *key, size_t klen, bool key_lit, const char *val, size_t n)
{
    if (!val) {
        put_member(j, key, klen, key_lit, "null", 4, false);
        return;
    }
    if (plain_text(val, n)) {
        put_member(j, key, klen, key_lit, val, n, true);
        return;
    }
    /* a key here is a literal or was found plain (jb_strn) */
    size_t mark = begin_key(j, key, klen, key_lit, true);
    if (mark == SIZE_MAX) {
        end_overflow(j, mark);
        return;
    }
    end(j, mark, put_escaped(j, val, n));
}

void jb_strn(jbuf *j, const char *key, const char *val, size_t n)
{
    size_t klen;
    if (plain_key(key, &klen)) {
        str_member(j, key, klen, false, val, n);
        return;
    }
    if (!val) {
        put_raw_member(j, key, "null", 4);
        return;
    }
    size_t mark = begin(j, key);
    if (mark == SIZE_MAX) {
        end_overflow(j, mark);
        return;
    }
    end(j, mark, put_escaped(j, val, n));
}

void jb_str(jbuf *j, const char *key, const char *val)
{
    jb_strn(j, key, val, val ? strlen(val) : 0);
}

void jk_strn(jbuf *j, jkey k, const char *val, size_t n) { str_member(j, k.text, k.len, true, val, n); }

void jk_str(jbuf *j, jkey k, const char *val) { str_member(j, k.text, k.len, true, val, val ? strlen(val) : 0); }

/* A value or key the program says needs no escaping (jk_name,
 * jb_str_namekey) is scanned only in the builds of make sanitize and make
 * fuzz (PW_CHECKED), where a wrong claim stops the run. */
#ifdef PW_CHECKED
#define CHECK_PLAIN(s, n) ((void)(plain_text(s, n) || (abort(), 0)))
#else
#define CHECK_PLAIN(s, n) ((void)0)
#endif

void jk_namen(jbuf *j, jkey k, const char *val, size_t n)
{
    CHECK_PLAIN(val, n);
    put_member(j, k.text, k.len, true, val, n, true);
}

void jk_name(jbuf *j, jkey k, const char *val) { jk_namen(j, k, val, strlen(val)); }

void jb_str_namekey(jbuf *j, const char *key, const char *val)
{
    size_t klen = strlen(key);
    CHECK_PLAIN(key, klen);
    str_member(j, key, klen, false, val, val ? strlen(val) : 0);
}

void jb_elem_str(jbuf *j, const char *val) { str_member(j, NULL, 0, false, val, val ? strlen(val) : 0); }

void jb_elem_strn(jbuf *j, const char *val, size_t n) { str_member(j, NULL, 0, false, val, n); }

void jk_raw(jbuf *j, jkey k, const char *json, size_t n) { put_member(j, k.text, k.len, true, json, n, false); }

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
                                  "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
                                  "8081828384858687888990919293949596979899";

/* Decimal digits, two at a time from the right, without a division loop
 * through snprintf. */
size_t jb_fmt_u64(uint64_t v, char *out)
{
    char tmp[20];
    size_t k = sizeof tmp;
    while (v >= 100) {
        unsigned d = (unsigned)(v % 100);
        v /= 100;
        tmp[--k] = digit_pairs[2 * d + 1];
        tmp[--k] = digit_pairs[2 * d];
    }
    if (v >= 10) {
        tmp[--k] = digit_pairs[2 * v + 1];
        tmp[--k] = digit_pairs[2 * v];
    } else {
        tmp[--k] = (char)('0' + v);
    }
    size_t n = sizeof tmp - k;
    memcpy(out, tmp + k, n);
    return n;
}

static size_t fmt_u64(uint64_t v, char *out) { return jb_fmt_u64(v, out); }

void jb_raw(jbuf *j, const char *key, const char *json, size_t n) { put_raw_member(j, key, json, n); }

jb_mark jb_mark_here(const jbuf *j) { return (jb_mark){j->len, j->dropped, j->need_comma, j->overflow}; }

const char *jb_since(const jbuf *j, jb_mark m, size_t *n)
{
    size_t skip = m.comma ? 1 : 0;
    if (m.overflow || j->overflow || j->dropped != m.dropped || j->len < m.len + skip)
        return NULL;
    *n = j->len - m.len - skip;
    return j->buf + m.len + skip;
}

size_t jb_keep_since(const jbuf *j, jb_mark m, char *dst, size_t cap)
{
    size_t n;
    const char *text = jb_since(j, m, &n);
    if (!text || n > cap)
        return 0;
    memcpy(dst, text, n);
    return n;
}

/* Written whole, the text fits exactly when it fits here: a member written
 * piece by piece needs, at its deepest, its own closers on top of what is
 * held back for the line, and those are within its final length. */
bool jb_raw_if_fits(jbuf *j, const char *text, size_t n)
{
    if (j->overflow || j->len + (j->need_comma ? 1 : 0) + n > j->limit)
        return false;
    put_member(j, NULL, 0, false, text, n, false);
    return true;
}

void jb_u64(jbuf *j, const char *key, uint64_t v)
{
    char num[24];
    size_t n = fmt_u64(v, num);
    put_raw_member(j, key, num, n);
}

void jk_u64(jbuf *j, jkey k, uint64_t v)
{
    char num[24];
    size_t n = fmt_u64(v, num);
    put_member(j, k.text, k.len, true, num, n, false);
}

void jb_elem_u64(jbuf *j, uint64_t v)
{
    char num[24];
    size_t n = fmt_u64(v, num);
    put_member(j, NULL, 0, false, num, n, false);
}

void jb_i64(jbuf *j, const char *key, int64_t v)
{
    char num[24];
    size_t n = 0;
    uint64_t mag = (uint64_t)v;
    if (v < 0) {
        num[n++] = '-';
        mag = 0 - mag;
    }
    n += fmt_u64(mag, num + n);
    put_raw_member(j, key, num, n);
}

void jb_bool(jbuf *j, const char *key, bool v)
{
    if (v)
        put_raw_member(j, key, "true", 4);
    else
        put_raw_member(j, key, "false", 5);
}

static void hex32_text(uint32_t v, char txt[12])
{
    txt[0] = '"';
    txt[1] = '0';
    txt[2] = 'x';
    for (int i = 0; i < 8; i++)
        txt[3 + i] = hexdig[(v >> (28 - 4 * i)) & 0xF];
    txt[11] = '"';
}

void jb_hex32(jbuf *j, const char *key, uint32_t v)
{
    char txt[12];
    hex32_text(v, txt);
    put_raw_member(j, key, txt, 12);
}

void jk_hex32(jbuf *j, jkey k, uint32_t v)
{
    char txt[12];
    hex32_text(v, txt);
    put_member(j, k.text, k.len, true, txt, 12, false);
}

void jk_bool(jbuf *j, jkey k, bool v)
{
    if (v)
        put_member(j, k.text, k.len, true, "true", 4, false);
    else
        put_member(j, k.text, k.len, true, "false", 5, false);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

/* Formatting the date is the costly part; events come in bursts within the
 * same second, so the "YYYY-MM-DDTHH:MM:SS" text is kept per thread.
 * Cppcheck 2.10 does not parse _Thread_local, loses the variable and calls
 * every member unused; jb_timestamp below reads and writes all three. */
static _Thread_local struct {
    // cppcheck-suppress unusedStructMember
    bool valid;
    // cppcheck-suppress unusedStructMember
    int64_t sec;
    // cppcheck-suppress unusedStructMember
    char text[20];
} ts_cache;

/* The quoted timestamp into txt[33]; false when the time has no date. */
static bool timestamp_text(uint64_t ts_usec, char txt[34])
{
    int64_t sec = (int64_t)(ts_usec / 1000000u);
    unsigned usec = (unsigned)(ts_usec % 1000000u);
    if (!ts_cache.valid || ts_cache.sec != sec) {
        time_t t = (time_t)sec;
        struct tm tm;
        if (!gmtime_r(&t, &tm))
            return false;
        unsigned year = (unsigned)tm.tm_year + 1900u;
        char *p = ts_cache.text;
        if (year > 9999)
            year = 9999;
        p[0] = (char)('0' + year / 1000);
        p[1] = (char)('0' + year / 100 % 10);
        put2(p + 2, year % 100);
        p[4] = '-';
        put2(p + 5, (unsigned)tm.tm_mon + 1);
        p[7] = '-';
        put2(p + 8, (unsigned)tm.tm_mday);
        p[10] = 'T';
        put2(p + 11, (unsigned)tm.tm_hour);
        p[13] = ':';
        put2(p + 14, (unsigned)tm.tm_min);
        p[16] = ':';
        put2(p + 17, (unsigned)tm.tm_sec);
        p[19] = '\0';
        ts_cache.sec = sec;
        ts_cache.valid = true;
    }
    txt[0] = '"';
    memcpy(txt + 1, ts_cache.text, 19);
    txt[20] = '.';
    for (int i = 5; i >= 0; i--) {
        txt[21 + i] = (char)('0' + usec % 10);
        usec /= 10;
    }
    memcpy(txt + 27, "+0000\"", 6);
    return true;
}

void jb_timestamp(jbuf *j, const char *key, uint64_t ts_usec)
{
    char txt[34];
    if (timestamp_text(ts_usec, txt))
        put_raw_member(j, key, txt, 33);
    else
        put_raw_member(j, key, "null", 4);
}

void jk_timestamp(jbuf *j, jkey k, uint64_t ts_usec)
{
    char txt[34];
    if (timestamp_text(ts_usec, txt))
        put_member(j, k.text, k.len, true, txt, 33, false);
    else
        put_member(j, k.text, k.len, true, "null", 4, false);
}

bool jb_truncated(const jbuf *j) { return j->dropped > 0; }

const char *jb_line(jbuf *j, size_t *len)
{
    if (j->cap == 0) {
        if (len)
            *len = 0;
        return empty_line;
    }
    j->buf[j->len] = '\0';
    if (len)
        *len = j->len;
    return j->buf;
}
