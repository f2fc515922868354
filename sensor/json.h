/* A JSON line builder over a fixed buffer: no allocation after init.
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 are written
 * as \u00XX of each byte so every line stays valid JSON.
 *
 * A line is always valid JSON, full or not: room for the closing brackets of
 * every open container (and for the marker below) is held back from the
 * members. A member that does not fit is dropped whole, and so is every
 * member after it (containers opened after it are skipped with their
 * contents); the containers already open still close, and a top-level object
 * that lost members ends with "truncated":true. */
#ifndef PW_JSON_H
#define PW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct jbuf {
    char *buf;
    size_t cap, len;
    size_t limit;    /* text may grow to this length: the rest is held back for closing */
    bool overflow;   /* a member did not fit: the rest of the line is dropped */
    bool need_comma; /* next member needs a leading comma */
    bool root_object; /* the outermost container is an object (it gets the marker) */
    int depth;       /* containers open in the text */
    int skipped;     /* containers opened after the overflow, not in the text */
    uint32_t dropped; /* members (and containers) dropped from this line */
} jbuf;

void jb_init(jbuf *j, char *buf, size_t cap);
void jb_reset(jbuf *j);
void jb_open_object(jbuf *j, const char *key);   /* key NULL at top level / in arrays */
void jb_close_object(jbuf *j);
void jb_open_array(jbuf *j, const char *key);
void jb_close_array(jbuf *j);
void jb_str(jbuf *j, const char *key, const char *val);          /* val NULL writes null */
void jb_strn(jbuf *j, const char *key, const char *val, size_t n);
void jb_u64(jbuf *j, const char *key, uint64_t v);
void jb_i64(jbuf *j, const char *key, int64_t v);
void jb_bool(jbuf *j, const char *key, bool v);
void jb_hex32(jbuf *j, const char *key, uint32_t v);
/* A member whose value is text already in JSON (a number, a string with its
 * quotes, a whole object made by this program). */
void jb_raw(jbuf *j, const char *key, const char *json, size_t n);  /* "0x0012019f" */
/* "2026-11-29T02:47:22.123456+0000", Suricata's timestamp form, in UTC. */
void jb_timestamp(jbuf *j, const char *key, uint64_t ts_usec);
const char *jb_line(jbuf *j, size_t *len); /* the text so far, NUL-terminated */

/* The same members with a key known when the program is compiled: JK("name")
 * is the key as it is written ("\"name\":"), quoted and followed by its
 * colon at compile time, so nothing is scanned or escaped at run time. The
 * name must be a string literal that needs no escaping. */
typedef struct jkey {
    const char *text;
    size_t len;
} jkey;
#define JK(name) ((jkey){"\"" name "\":", sizeof("\"" name "\":") - 1})

void jk_open_object(jbuf *j, jkey k);
void jk_open_array(jbuf *j, jkey k);
void jk_str(jbuf *j, jkey k, const char *val); /* val NULL writes null */
void jk_strn(jbuf *j, jkey k, const char *val, size_t n);
void jk_u64(jbuf *j, jkey k, uint64_t v);
void jk_bool(jbuf *j, jkey k, bool v);
void jk_hex32(jbuf *j, jkey k, uint32_t v);
void jk_raw(jbuf *j, jkey k, const char *json, size_t n);
void jk_timestamp(jbuf *j, jkey k, uint64_t ts_usec);
/* A value (not NULL) that is one of the program's own names (a table's
 * constant such as "STATUS_SUCCESS"), known to need no escaping: written
 * without the scan. */
void jk_name(jbuf *j, jkey k, const char *val);
void jk_namen(jbuf *j, jkey k, const char *val, size_t n);
/* A string member whose key is one of the program's own field names
 * (plain, not a literal here): the key is written without the scan. */
void jb_str_namekey(jbuf *j, const char *key, const char *val);
/* Array elements (no key). */
void jb_elem_str(jbuf *j, const char *val);
void jb_elem_strn(jbuf *j, const char *val, size_t n);
void jb_elem_u64(jbuf *j, uint64_t v);

/* A member written once and copied into other lines: where it starts
 * (jb_mark_here, before writing it), its text once written (jb_since:
 * without the leading comma; NULL when anything was dropped since the
 * mark), and that text appended to another line (jb_raw_if_fits: whole,
 * or not at all when it does not fit, so that the caller writes it member
 * by member and the line is cut where it would have been). */
typedef struct jb_mark {
    size_t len;
    uint32_t dropped;
    bool comma, overflow;
} jb_mark;
jb_mark jb_mark_here(const jbuf *j);
const char *jb_since(const jbuf *j, jb_mark m, size_t *n);
/* That text copied into dst (cap bytes): its length, 0 when it is not
 * whole or does not fit. */
size_t jb_keep_since(const jbuf *j, jb_mark m, char *dst, size_t cap);
bool jb_raw_if_fits(jbuf *j, const char *text, size_t n);

/* Decimal digits of v into out (at least 20 bytes); returns their count. */
size_t jb_fmt_u64(uint64_t v, char *out);
/* True when members were dropped from the line (it is still valid JSON once closed). */
bool jb_truncated(const jbuf *j);

#endif
