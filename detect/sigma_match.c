/* Sigma values: modifier parsing, compiling a written value into a matcher,
 * and matching one field value against it without allocating. */
#include <ctype.h>
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigma_internal.h"

static inline unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static bool bytes_eq(const char *a, const char *b, size_t n, bool cased)
{
    if (cased)
        return memcmp(a, b, n) == 0;
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)a[i]) != (unsigned char)b[i])
            return false;
    return true;
}

/* lit is already folded when !cased. Naive scan is fine for field values of
 * a few hundred bytes and needs no preprocessing table per value. */
static bool bytes_contains(const char *s, size_t n, const char *lit, size_t m, bool cased)
{
    if (m == 0)
        return true;
    if (m > n)
        return false;
    if (cased)
        return memmem(s, n, lit, m) != NULL;
    unsigned char first = (unsigned char)lit[0];
    for (size_t i = 0; i + m <= n; i++)
        if (fold((unsigned char)s[i]) == first && bytes_eq(s + i + 1, lit + 1, m - 1, false))
            return true;
    return false;
}

/* One token at s[i]; returns bytes consumed, 0 on mismatch. Literal tokens of
 * |cased values keep their case. The alternatives of TK_DASH differ in their
 * first byte, so at most one can match. */
static size_t tok_at(uint16_t t, const char *s, size_t i, size_t n, bool cased)
{
    unsigned char c = (unsigned char)s[i];
    if (t < 256)
        return (cased ? c : fold(c)) == t ? 1 : 0;
    if (t == TK_ONE)
        return 1;
    if (c == '-' || c == '/')
        return 1;
    /* U+2013 en dash, U+2014 em dash, U+2015 horizontal bar in UTF-8 */
    if (c == 0xE2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80) {
        unsigned char d = (unsigned char)s[i + 2];
        if (d >= 0x93 && d <= 0x95)
            return 3;
    }
    return 0;
}

static bool glob_walk(const uint16_t *tok, size_t ntok, const char *s, size_t n, bool cased)
{
    /* Classic single-backtrack-point matcher: on a mismatch only the most
     * recent star is retried one byte further on, so the walk is O(n * m)
     * with no recursion. Retrying only the last star is enough because what
     * lies between two stars matches deterministically at a given position. */
    size_t i = 0, j = 0, star_j = SIZE_MAX, star_i = 0;
    while (i < n) {
        if (j < ntok && tok[j] == TK_STAR) {
            star_j = j++;
            star_i = i;
            continue;
        }
        size_t len = j < ntok ? tok_at(tok[j], s, i, n, cased) : 0;
        if (len) {
            i += len;
            j++;
            continue;
        }
        if (star_j == SIZE_MAX)
            return false;
        i = ++star_i;
        j = star_j + 1;
    }
    while (j < ntok && tok[j] == TK_STAR)
        j++;
    return j == ntok;
}

bool sigma_glob_match(const uint16_t *tok, size_t ntok, const char *s, size_t n)
{
    return glob_walk(tok, ntok, s, n, false);
}

size_t sigma_field_aliases(const char *name, const char *out[SIGMA_MAX_ALIASES])
{
    if (!name)
        return 0;
    /* AccessList codes by Windows' names; AccessMask by Winlogbeat's names
     * of its bits and by Windows' names of the same bits (which are the
     * AccessList's), so a name matches AccessMask as it matches AccessList */
    if (strcasecmp(name, "AccessList") == 0) {
        out[0] = "AccessListDescription";
        return 1;
    }
    if (strcasecmp(name, "AccessMask") == 0) {
        out[0] = "AccessMaskDescription";
        out[1] = "AccessListDescription";
        return 2;
    }
    return 0;
}

const char *sigma_event_get(const sigma_event *ev, const char *name)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (ev->fields[i].name && strcmp(ev->fields[i].name, name) == 0)
            return ev->fields[i].value;
    for (size_t i = 0; i < ev->nfields; i++)
        if (ev->fields[i].name && strcasecmp(ev->fields[i].name, name) == 0)
            return ev->fields[i].value;
    return NULL;
}

/* Decimal integer, optional sign, nothing else. */
static bool parse_int(const char *s, size_t n, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (i < n && (s[i] == '-' || s[i] == '+'))
        neg = s[i++] == '-';
    if (i == n)
        return false;
    uint64_t v = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX)
        return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

bool sigma_parse_int(const char *s, size_t n, int64_t *out) { return parse_int(s, n, out); }

/* Decimal number (integer or fraction, optional exponent). strtod alone would
 * also take "inf", "nan" and hex, which are not numbers in an event field. */
static bool parse_num(const char *s, size_t n, double *out)
{
    if (n == 0 || n > 64)
        return false;
    char buf[65];
    bool digit = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            digit = true;
        else if (!(c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            return false;
        buf[i] = c;
    }
    if (!digit)
        return false;
    buf[n] = 0;
    char *end;
    errno = 0;
    double d = strtod(buf, &end);
    if (end != buf + n || errno == ERANGE || !isfinite(d))
        return false;
    *out = d;
    return true;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

/* Day of the week, 0 = Monday (Sakamoto's method over the Gregorian calendar). */
static int weekday(int y, int m, int d)
{
    static const int t[12] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
    if (m < 3)
        y--;
    int sun0 = (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
    return (sun0 + 6) % 7;
}

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int day_of_year(int y, int m, int d)
{
    static const int before[12] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
    return before[m - 1] + d + (m > 2 && leap(y) ? 1 : 0);
}

/* ISO 8601 week number (1..53): the week holding the year's first Thursday is week 1. */
static int iso_week(int y, int m, int d)
{
    int wd = weekday(y, m, d); /* 0 Monday */
    int w = (day_of_year(y, m, d) - wd + 9) / 7;
    if (w < 1) {
        /* the last week of the previous year: 53 when that year began on a
         * Thursday, or on a Wednesday in a leap year */
        int py = y - 1;
        int jan1 = weekday(py, 1, 1);
        return (jan1 == 3 || (jan1 == 2 && leap(py))) ? 53 : 52;
    }
    if (w == 53) {
        int jan1 = weekday(y, 1, 1);
        if (!(jan1 == 3 || (jan1 == 2 && leap(y))))
            return 1;
    }
    return w;
}

bool sigma_time_part_of(const char *s, uint8_t part, char *out, size_t outlen)
{
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0;
    if (n < 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4, &y) || !digits(s + 5, 2, &mo) ||
        !digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return false;
    bool has_time = n >= 16 && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && digits(s + 11, 2, &h) &&
                    digits(s + 14, 2, &mi) && h < 24 && mi < 60;
    if ((part == TP_HOUR || part == TP_MINUTE) && !has_time)
        return false;
    int v;
    switch (part) {
    case TP_MINUTE:
        v = mi;
        break;
    case TP_HOUR:
        v = h;
        break;
    case TP_DAY:
        v = d;
        break;
    case TP_WEEK:
        v = iso_week(y, mo, d);
        break;
    case TP_MONTH:
        v = mo;
        break;
    default:
        v = y;
        break;
    }
    return snprintf(out, outlen, "%d", v) < (int)outlen;
}

void sigma_err_set(sigma_err *e, unsigned line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    e->line = line;
    vsnprintf(e->reason, sizeof(e->reason), fmt, ap);
    va_end(ap);
}

long sigma_push(void **arr, size_t *n, size_t elem)
{
    /* Grow to the next power of two so pushing stays amortised O(1). */
    size_t cap = 1;
    while (cap < *n + 1)
        cap <<= 1;
    if ((*n & (*n - 1)) == 0 || *n == 0) {
        void *p = realloc(*arr, cap * elem);
        if (!p)
            return -1;
        *arr = p;
    }
    memset((char *)*arr + *n * elem, 0, elem);
    return (long)(*n)++;
}

bool sigma_mods_parse(const char *s, sigma_mods *m, unsigned line, sigma_err *err)
{
    memset(m, 0, sizeof(*m));
    while (*s) {
        const char *bar = strchr(s, '|');
        size_t len = bar ? (size_t)(bar - s) : strlen(s);
        char name[32];
        if (len == 0 || len >= sizeof(name)) {
            sigma_err_set(err, line, "unknown modifier '%.*s'", (int)(len > 64 ? 64 : len), s);
            return false;
        }
        memcpy(name, s, len);
        name[len] = 0;
        s += len + (bar ? 1 : 0);
        if (bar && !*s) {
            sigma_err_set(err, line, "empty modifier after '|%s|'", name);
            return false;
        }
        uint8_t anchor = 0;
        if (strcmp(name, "contains") == 0)
            anchor = 1;
        else if (strcmp(name, "startswith") == 0)
            anchor = 2;
        else if (strcmp(name, "endswith") == 0)
            anchor = 3;
        if (anchor) {
            if (m->anchor) {
                sigma_err_set(err, line,
                              "modifier '%s' conflicts with an earlier contains/startswith/endswith", name);
                return false;
            }
            m->anchor = anchor;
            continue;
        }
        uint8_t enc = 0;
        if (strcmp(name, "utf16le") == 0 || strcmp(name, "wide") == 0)
            enc = 1;
        else if (strcmp(name, "utf16be") == 0)
            enc = 2;
        else if (strcmp(name, "utf16") == 0)
            enc = 3;
        if (enc) {
            if (m->enc || m->b64) {
                sigma_err_set(err, line, "modifier '%s' must come once and before base64/base64offset", name);
                return false;
            }
            m->enc = enc;
            continue;
        }
        if (strcmp(name, "base64") == 0 || strcmp(name, "base64offset") == 0) {
            if (m->b64) {
                sigma_err_set(err, line, "modifier '%s' given twice", name);
                return false;
            }
            m->b64 = name[6] ? 2 : 1;
        } else if (strcmp(name, "all") == 0)
            m->all = true;
        else if (strcmp(name, "cased") == 0)
            m->cased = true;
        else if (strcmp(name, "windash") == 0)
            m->windash = true;
        else if (strcmp(name, "re") == 0)
            m->re = true;
        else if (strcmp(name, "i") == 0 || strcmp(name, "m") == 0 || strcmp(name, "s") == 0) {
            if (!m->re) {
                sigma_err_set(err, line, "modifier '%s' is only valid after 're'", name);
                return false;
            }
            if (name[0] == 'i')
                m->re_i = true;
            else if (name[0] == 'm')
                m->re_m = true;
            else
                m->re_s = true;
        } else if (strcmp(name, "cidr") == 0)
            m->cidr = true;
        else if (strcmp(name, "exists") == 0)
            m->exists = true;
        else if (strcmp(name, "fieldref") == 0)
            m->fieldref = true;
        else if (strcmp(name, "neq") == 0)
            m->neq = true;
        else if (strcmp(name, "minute") == 0 || strcmp(name, "hour") == 0 || strcmp(name, "day") == 0 ||
                 strcmp(name, "week") == 0 || strcmp(name, "month") == 0 || strcmp(name, "year") == 0) {
            if (m->time) {
                sigma_err_set(err, line, "modifier '%s' conflicts with an earlier time modifier", name);
                return false;
            }
            m->time = name[0] == 'h'   ? TP_HOUR
                      : name[0] == 'd' ? TP_DAY
                      : name[0] == 'w' ? TP_WEEK
                      : name[0] == 'y' ? TP_YEAR
                      : name[1] == 'i' ? TP_MINUTE
                                       : TP_MONTH;
        }
        else if (strcmp(name, "gt") == 0 || strcmp(name, "gte") == 0 || strcmp(name, "lt") == 0 ||
                 strcmp(name, "lte") == 0) {
            if (m->cmp) {
                sigma_err_set(err, line, "modifier '%s' conflicts with an earlier comparison", name);
                return false;
            }
            m->cmp = true;
            m->cmp_op = name[0] == 'g' ? (name[2] ? CMP_GTE : CMP_GT) : (name[2] ? CMP_LTE : CMP_LT);
        } else if (strcmp(name, "expand") == 0) {
            sigma_err_set(err, line,
                          "modifier 'expand' (placeholder expansion) is not supported: replace the "
                          "placeholder with its values");
            return false;
        } else {
            sigma_err_set(err, line, "unknown modifier '%s'", name);
            return false;
        }
    }
    /* Type modifiers replace string matching, so they take no string
     * transformation; say which pair is wrong rather than guess. */
    int types = m->re + m->cidr + m->exists + m->fieldref + m->cmp;
    if (types > 1) {
        sigma_err_set(err, line, "modifiers re, cidr, exists, fieldref and gt/gte/lt/lte cannot be combined");
        return false;
    }
    bool strmods = m->anchor || m->enc || m->b64 || m->windash;
    if (types && strmods) {
        sigma_err_set(err, line,
                      "contains/startswith/endswith/windash/base64/utf16 cannot be combined with %s",
                      m->re         ? "re"
                      : m->cidr     ? "cidr"
                      : m->exists   ? "exists"
                      : m->fieldref ? "fieldref"
                                    : "gt/gte/lt/lte");
        return false;
    }
    if (m->enc && !m->b64 && m->windash) {
        sigma_err_set(err, line, "windash cannot be combined with utf16le/utf16be/utf16/wide");
        return false;
    }
    if (m->b64 && m->windash) {
        sigma_err_set(err, line, "windash cannot be combined with base64/base64offset");
        return false;
    }
    if (m->exists && m->all) {
        sigma_err_set(err, line, "exists cannot be combined with all");
        return false;
    }
    if (m->neq && (m->all || m->exists)) {
        sigma_err_set(err, line, "neq cannot be combined with %s", m->all ? "all" : "exists");
        return false;
    }
    if (m->time && (m->re || m->cidr || m->exists || m->fieldref || strmods)) {
        sigma_err_set(err, line,
                      "time modifiers (minute, hour, day, week, month, year) take a number, alone or with "
                      "gt/gte/lt/lte/neq");
        return false;
    }
    return true;
}

/* Removes Sigma escapes; fails on an unescaped wildcard, which an encoding
 * modifier cannot carry through. */
static bool unescape_plain(const char *s, size_t n, char *out, size_t *outn)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
            c = s[++i];
        else if (c == '*' || c == '?')
            return false;
        out[o++] = c;
    }
    *outn = o;
    return true;
}

/* UTF-8 -> UTF-16; invalid sequences go through byte by byte as code points
 * U+0080..U+00FF, which is what a Latin-1 rule author would expect. */
static size_t to_utf16(const char *s, size_t n, uint8_t enc, uint8_t *out)
{
    size_t o = 0;
    bool be = enc == 2;
    if (enc == 3) {
        out[o++] = 0xFF;
        out[o++] = 0xFE;
    }
    for (size_t i = 0; i < n;) {
        unsigned char c = (unsigned char)s[i];
        uint32_t cp = c;
        size_t len = 1;
        if (c >= 0xC2 && c <= 0xDF && i + 1 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80) {
            cp = ((c & 0x1Fu) << 6) | ((unsigned char)s[i + 1] & 0x3Fu);
            len = 2;
        } else if (c >= 0xE0 && c <= 0xEF && i + 2 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
                   ((unsigned char)s[i + 2] & 0xC0) == 0x80) {
            cp = ((c & 0x0Fu) << 12) | (((unsigned char)s[i + 1] & 0x3Fu) << 6) |
                 ((unsigned char)s[i + 2] & 0x3Fu);
            len = 3;
        } else if (c >= 0xF0 && c <= 0xF4 && i + 3 < n && ((unsigned char)s[i + 1] & 0xC0) == 0x80 &&
                   ((unsigned char)s[i + 2] & 0xC0) == 0x80 && ((unsigned char)s[i + 3] & 0xC0) == 0x80) {
            cp = ((c & 0x07u) << 18) | (((unsigned char)s[i + 1] & 0x3Fu) << 12) |
                 (((unsigned char)s[i + 2] & 0x3Fu) << 6) | ((unsigned char)s[i + 3] & 0x3Fu);
            len = 4;
        }
        i += len;
        uint16_t units[2];
        int nu = 1;
        if (cp >= 0x10000) {
            cp -= 0x10000;
            units[0] = (uint16_t)(0xD800 | (cp >> 10));
            units[1] = (uint16_t)(0xDC00 | (cp & 0x3FF));
            nu = 2;
        } else
            units[0] = (uint16_t)cp;
        for (int k = 0; k < nu; k++) {
            out[o++] = be ? (uint8_t)(units[k] >> 8) : (uint8_t)units[k];
            out[o++] = be ? (uint8_t)units[k] : (uint8_t)(units[k] >> 8);
        }
    }
    return o;
}

/* utf16le/utf16be/utf16/wide without base64: the value as the specification
 * transforms it, its characters as UTF-16 bytes (utf16: after the byte order
 * mark FF FE), in a pattern for str_compile. Wildcards stay wildcards; `?`,
 * one character, becomes two one-byte wildcards (one code unit); a byte of
 * the encoding that is a wildcard or backslash is escaped. out holds 4 * n +
 * 4 bytes, run (scratch) 3 * n. Event values are text without NUL bytes, so a value whose
 * encoding has one (any character below U+0100) matches none of them. */
static size_t utf16_pattern(const char *s, size_t n, uint8_t enc, char *out, uint8_t *run)
{
    size_t o = 0;
    if (enc == 3) {
        out[o++] = (char)0xFF;
        out[o++] = (char)0xFE;
    }
    for (size_t i = 0; i < n;) {
        if (s[i] == '*' || s[i] == '?') {
            out[o++] = s[i];
            if (s[i] == '?')
                out[o++] = '?';
            i++;
            continue;
        }
        /* a run of literal characters, escapes removed, up to the next wildcard */
        size_t rl = 0;
        while (i < n && s[i] != '*' && s[i] != '?') {
            if (s[i] == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
                i++;
            run[rl++] = (uint8_t)s[i++];
        }
        size_t un = to_utf16((const char *)run, rl, enc == 3 ? 1 : enc, run + n);
        for (size_t u = 0; u < un; u++) {
            uint8_t c = run[n + u];
            if (c == '*' || c == '?' || c == '\\')
                out[o++] = '\\';
            out[o++] = (char)c;
        }
    }
    return o;
}

static size_t base64(const uint8_t *in, size_t n, char *out)
{
    static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = al[(v >> 18) & 63];
        out[o++] = al[(v >> 12) & 63];
        out[o++] = i + 1 < n ? al[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? al[v & 63] : '=';
    }
    return o;
}

/* Builds the token program of one string and picks the cheapest matcher
 * that is equivalent to it. */
static bool str_compile(sigma_value *v, const char *s, size_t n, bool escapes, uint8_t anchor, bool cased,
                        bool windash)
{
    uint16_t *tok = malloc((n + 2) * sizeof(*tok));
    if (!tok)
        return false;
    size_t nt = 0;
    if (anchor == 1 || anchor == 3)
        tok[nt++] = TK_STAR;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        uint16_t t;
        if (escapes && c == '\\' && i + 1 < n && (s[i + 1] == '*' || s[i + 1] == '?' || s[i + 1] == '\\'))
            t = (unsigned char)s[++i];
        else if (escapes && c == '*')
            t = TK_STAR;
        else if (escapes && c == '?')
            t = TK_ONE;
        else if (windash && (c == '-' || c == '/'))
            t = TK_DASH;
        else
            t = cased ? c : fold(c);
        if (t == TK_STAR && nt && tok[nt - 1] == TK_STAR)
            continue;
        tok[nt++] = t;
    }
    if ((anchor == 1 || anchor == 2) && !(nt && tok[nt - 1] == TK_STAR))
        tok[nt++] = TK_STAR;

    v->kind = SV_STR;
    v->cased = cased;
    if (nt == 1 && tok[0] == TK_STAR) {
        v->glob = GL_ANY;
        free(tok);
        return true;
    }
    bool lead = nt && tok[0] == TK_STAR, trail = nt > 1 && tok[nt - 1] == TK_STAR;
    size_t b = lead ? 1 : 0, e = nt - (trail ? 1 : 0);
    bool literal = true;
    for (size_t i = b; i < e; i++)
        if (tok[i] >= 256)
            literal = false;
    if (!literal) {
        v->glob = GL_GLOB;
        v->tok = tok;
        v->ntok = nt;
        return true;
    }
    v->lit = malloc(e - b + 1);
    if (!v->lit) {
        free(tok);
        return false;
    }
    for (size_t i = b; i < e; i++)
        v->lit[i - b] = (char)tok[i];
    v->lit[e - b] = 0;
    v->litlen = e - b;
    v->glob = lead ? (trail ? GL_CONTAINS : GL_SUFFIX) : (trail ? GL_PREFIX : GL_EQ);
    free(tok);
    return true;
}

static bool cidr_compile(sigma_value *v, const char *s, size_t n)
{
    char buf[64];
    if (n == 0 || n >= sizeof(buf))
        return false;
    memcpy(buf, s, n);
    buf[n] = 0;
    char *slash = strchr(buf, '/');
    long bits = -1;
    if (slash) {
        *slash = 0;
        size_t nd = strlen(slash + 1);
        if (nd == 0 || nd > 3 || strspn(slash + 1, "0123456789") != nd)
            return false;
        bits = strtol(slash + 1, NULL, 10);
    }
    if (inet_pton(AF_INET, buf, v->addr) == 1)
        v->family = 4;
    else if (inet_pton(AF_INET6, buf, v->addr) == 1)
        v->family = 6;
    else
        return false;
    long max = v->family == 4 ? 32 : 128;
    if (bits < 0)
        bits = max;
    if (bits > max)
        return false;
    v->prefix = (uint8_t)bits;
    /* Clear host bits so a rule written as 10.1.2.3/8 still means 10/8. */
    for (long i = 0; i < max / 8; i++) {
        long keep = bits - i * 8;
        if (keep <= 0)
            v->addr[i] = 0;
        else if (keep < 8)
            v->addr[i] &= (uint8_t)(0xFF << (8 - keep));
    }
    v->kind = SV_CIDR;
    return true;
}

static bool is_null_scalar(const sigma_scalar *sc)
{
    if (!sc->plain)
        return false;
    return sc->len == 0 || (sc->len == 1 && sc->text[0] == '~') ||
           (sc->len == 4 && (memcmp(sc->text, "null", 4) == 0 || memcmp(sc->text, "Null", 4) == 0 ||
                             memcmp(sc->text, "NULL", 4) == 0));
}

static sigma_value *new_value(sigma_rule *r, uint32_t group)
{
    long i = sigma_push((void **)&r->values, &r->nvalues, sizeof(sigma_value));
    if (i < 0)
        return NULL;
    r->values[i].group = group;
    return &r->values[i];
}

bool sigma_value_compile(sigma_rule *r, const sigma_mods *m, const sigma_scalar *sc, uint32_t group,
                         bool keyword, sigma_err *err)
{
    unsigned line = sc->line;
    bool null = is_null_scalar(sc);
    if (null &&
        (m->re || m->cidr || m->cmp || m->fieldref || m->exists || m->b64 || m->anchor || m->windash)) {
        sigma_err_set(err, line, "null cannot be used with modifiers");
        return false;
    }
    if (null && keyword) {
        sigma_err_set(err, line, "null cannot be a keyword");
        return false;
    }
    if (keyword && (m->exists || m->fieldref)) {
        sigma_err_set(err, line, "exists/fieldref need a field name");
        return false;
    }
    sigma_value *v = new_value(r, group);
    if (!v) {
        sigma_err_set(err, line, "out of memory");
        return false;
    }
    if (null) {
        v->kind = SV_NULL;
        return true;
    }
    if (m->exists) {
        bool t = sc->len == 4 && strncasecmp(sc->text, "true", 4) == 0;
        bool f = sc->len == 5 && strncasecmp(sc->text, "false", 5) == 0;
        if (!t && !f) {
            sigma_err_set(err, line, "exists takes true or false, not '%.*s'",
                          (int)(sc->len > 64 ? 64 : sc->len), sc->text);
            return false;
        }
        v->kind = SV_EXISTS;
        v->exists = t;
        return true;
    }
    if (m->fieldref) {
        v->kind = SV_FIELDREF;
        v->cased = m->cased;
        v->lit = strndup(sc->text, sc->len);
        if (!v->lit) {
            sigma_err_set(err, line, "out of memory");
            return false;
        }
        v->litlen = sc->len;
        return true;
    }
    if (m->cmp) {
        if (!parse_num(sc->text, sc->len, &v->bound)) {
            sigma_err_set(err, line, "gt/gte/lt/lte need a number, not '%.*s'",
                          (int)(sc->len > 64 ? 64 : sc->len), sc->text);
            return false;
        }
        v->kind = SV_CMP;
        v->cmp = m->cmp_op;
        return true;
    }
    if (m->cidr) {
        if (!cidr_compile(v, sc->text, sc->len)) {
            sigma_err_set(err, line, "bad CIDR network '%.*s'", (int)(sc->len > 64 ? 64 : sc->len), sc->text);
            return false;
        }
        return true;
    }
    if (m->re) {
        if (memchr(sc->text, 0, sc->len)) {
            sigma_err_set(err, line, "regular expression contains a NUL byte");
            return false;
        }
        uint32_t opts =
            (m->re_i ? PCRE2_CASELESS : 0) | (m->re_m ? PCRE2_MULTILINE : 0) | (m->re_s ? PCRE2_DOTALL : 0);
        int ec;
        PCRE2_SIZE off;
        v->kind = SV_RE;
        v->re = pcre2_compile((PCRE2_SPTR)sc->text, sc->len, opts, &ec, &off, NULL);
        if (!v->re) {
            PCRE2_UCHAR msg[256];
            pcre2_get_error_message(ec, msg, sizeof(msg));
            sigma_err_set(err, line, "bad regular expression '%.*s' at offset %zu: %s",
                          (int)(sc->len > 80 ? 80 : sc->len), sc->text, (size_t)off, (const char *)msg);
            return false;
        }
        /* A pattern anchored at the start by plain characters (no
         * alternation anywhere, no multiline '^') only matches values that
         * begin with them: kept in lit for the rule index. */
        if (!m->re_m && sc->len > 1 && sc->text[0] == '^' && !memchr(sc->text, '|', sc->len)) {
            size_t k = 1;
            while (k < sc->len && (isalnum((unsigned char)sc->text[k]) || sc->text[k] == '-' || sc->text[k] == '_'))
                k++;
            size_t lit = k - 1;
            if (lit && k < sc->len && (sc->text[k] == '?' || sc->text[k] == '*' || sc->text[k] == '{'))
                lit--; /* the last one is optional */
            if (lit >= 3) {
                v->lit = strndup(sc->text + 1, lit);
                v->litlen = v->lit ? lit : 0;
            }
        }
        /* JIT is an optimisation only; the interpreter is used when it is unavailable. */
        (void)pcre2_jit_compile(v->re, PCRE2_JIT_COMPLETE);
        v->md = pcre2_match_data_create_from_pattern(v->re, NULL);
        if (!v->md) {
            sigma_err_set(err, line, "out of memory");
            return false;
        }
        if (!r->mctx) {
            r->mctx = pcre2_match_context_create(NULL);
            if (!r->mctx) {
                sigma_err_set(err, line, "out of memory");
                return false;
            }
            /* A pathological pattern fails to match instead of stalling the sensor. */
            pcre2_set_match_limit(r->mctx, 100000);
            pcre2_set_depth_limit(r->mctx, 1000);
        }
        return true;
    }
    uint8_t anchor = m->anchor;
    if (keyword && !anchor)
        anchor = 1;
    if (m->enc && !m->b64) {
        char *pat = malloc(sc->len * 4 + 4);
        uint8_t *run = malloc(sc->len * 3 + 1);
        bool ok = pat && run;
        if (ok) {
            size_t pn = utf16_pattern(sc->text, sc->len, m->enc, pat, run);
            ok = str_compile(v, pat, pn, true, anchor, m->cased, false);
        }
        free(pat);
        free(run);
        if (!ok) {
            sigma_err_set(err, line, "out of memory");
            return false;
        }
        return true;
    }
    if (m->b64) {
        char *plain = malloc(sc->len + 1);
        uint8_t *raw = malloc(sc->len * 4 + 4);
        char *enc = malloc(sc->len * 16 + 16);
        bool ok = plain && raw && enc;
        size_t pn = 0;
        if (ok && !unescape_plain(sc->text, sc->len, plain, &pn)) {
            free(plain);
            free(raw);
            free(enc);
            sigma_err_set(err, line, "wildcards cannot be used with base64/base64offset");
            return false;
        }
        size_t rn = 0;
        if (ok) {
            if (m->enc)
                rn = to_utf16(plain, pn, m->enc, raw + 2);
            else {
                memcpy(raw + 2, plain, pn);
                rn = pn;
            }
        }
        for (int off = 0; ok && off < (m->b64 == 2 ? 3 : 1); off++) {
            /* The shifted copies are encoded after `off` filler bytes; the
             * characters that depend on the filler, or on whatever follows
             * the value, differ from event to event and are cut off. */
            uint8_t *in = raw + 2 - off;
            memset(in, 0, (size_t)off);
            size_t total = rn + (size_t)off;
            size_t en = base64(in, total, enc);
            size_t start = 0, end = en;
            if (m->b64 == 2) {
                static const size_t lead[3] = {0, 2, 3}, trail[3] = {0, 3, 2};
                start = lead[off];
                end = en - trail[total % 3];
            }
            if (end < start)
                end = start;
            sigma_value *vv = off ? new_value(r, group) : v;
            ok = vv && str_compile(vv, enc + start, end - start, false, anchor, true, false);
        }
        free(plain);
        free(raw);
        free(enc);
        if (!ok) {
            sigma_err_set(err, line, "out of memory");
            return false;
        }
        return true;
    }
    if (!str_compile(v, sc->text, sc->len, true, anchor, m->cased, m->windash)) {
        sigma_err_set(err, line, "out of memory");
        return false;
    }
    int64_t num;
    if (sc->plain && v->glob == GL_EQ && !m->cased && parse_int(sc->text, sc->len, &num)) {
        v->has_num = true;
        v->num = num;
    }
    return true;
}

void sigma_value_free(sigma_value *v)
{
    free(v->lit);
    free(v->tok);
    if (v->md)
        pcre2_match_data_free(v->md);
    if (v->re)
        pcre2_code_free(v->re);
}

static bool str_match(const sigma_value *v, const char *s)
{
    size_t n = strlen(s);
    if (v->has_num) {
        int64_t x;
        if (parse_int(s, n, &x))
            return x == v->num;
    }
    switch (v->glob) {
    case GL_EQ:
        return n == v->litlen && bytes_eq(s, v->lit, n, v->cased);
    case GL_PREFIX:
        return n >= v->litlen && bytes_eq(s, v->lit, v->litlen, v->cased);
    case GL_SUFFIX:
        return n >= v->litlen && bytes_eq(s + n - v->litlen, v->lit, v->litlen, v->cased);
    case GL_CONTAINS:
        return bytes_contains(s, n, v->lit, v->litlen, v->cased);
    case GL_ANY:
        return true;
    default:
        return glob_walk(v->tok, v->ntok, s, n, v->cased);
    }
}

static bool cidr_match(const sigma_value *v, const char *s)
{
    uint8_t a[16];
    if (v->family == 4) {
        if (inet_pton(AF_INET, s, a) != 1)
            return false;
    } else if (inet_pton(AF_INET6, s, a) != 1)
        return false;
    unsigned bits = v->prefix;
    for (unsigned i = 0; bits; i++) {
        unsigned take = bits >= 8 ? 8 : bits;
        uint8_t mask = (uint8_t)(0xFF << (8 - take));
        if ((a[i] & mask) != v->addr[i])
            return false;
        bits -= take;
    }
    return true;
}

bool sigma_value_match(const sigma_rule *r, const sigma_value *v, const char *s, const sigma_event *ev)
{
    switch (v->kind) {
    case SV_NULL:
        return !s || !*s;
    case SV_EXISTS:
        return (s != NULL) == v->exists;
    default:
        break;
    }
    if (!s)
        return false;
    switch (v->kind) {
    case SV_STR:
        return str_match(v, s);
    case SV_RE: {
        int rc = pcre2_match(v->re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0, 0, v->md, r->mctx);
        if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT || rc == PCRE2_ERROR_HEAPLIMIT ||
            rc == PCRE2_ERROR_JIT_STACKLIMIT) {
            /* counted, not silent: the rule is only ever matched by this
             * thread, and the counter is not part of what matching reads */
            sigma_rule *w = (sigma_rule *)r;
            if (w->regex_limit_hits++ == 0 && w->on_limit)
                w->on_limit(w->on_limit_ctx, r);
        }
        return rc >= 0;
    }
    case SV_CIDR:
        return cidr_match(v, s);
    case SV_CMP: {
        double x;
        if (!parse_num(s, strlen(s), &x))
            return false;
        switch (v->cmp) {
        case CMP_GT:
            return x > v->bound;
        case CMP_GTE:
            return x >= v->bound;
        case CMP_LT:
            return x < v->bound;
        default:
            return x <= v->bound;
        }
    }
    case SV_FIELDREF: {
        const char *o = sigma_event_get(ev, v->lit);
        if (!o)
            return false;
        size_t n = strlen(s);
        if (strlen(o) != n)
            return false;
        if (v->cased)
            return memcmp(s, o, n) == 0;
        for (size_t i = 0; i < n; i++)
            if (fold((unsigned char)s[i]) != fold((unsigned char)o[i]))
                return false;
        return true;
    }
    default:
        return false;
    }
}
