/* The code generated from the counters table (counters.h). */
#include "counters.h"

#include <stddef.h>
#include <string.h>

#define PW_WINLOG_KEY(id) "winlog_" #id,
const char *const pw_winlog_keys[PW_N_WINLOG_IDS] = {PW_WINLOG_IDS(PW_WINLOG_KEY)};
#undef PW_WINLOG_KEY

#define PW_DIALECT_KEY(d, key, name) key,
const char *const pw_dialect_keys[PW_N_DIALECTS] = {PW_SMB_DIALECTS(PW_DIALECT_KEY)};
#undef PW_DIALECT_KEY
#define PW_DIALECT_NAME(d, key, name) name,
const char *const pw_dialect_names[PW_N_DIALECTS] = {PW_SMB_DIALECTS(PW_DIALECT_NAME)};
#undef PW_DIALECT_NAME

static inline void add_one(uint64_t *dst, uint64_t src, int how)
{
    if (how == PW_MAX)
        *dst = src > *dst ? src : *dst;
    else
        *dst += src;
}

void pw_counters_add(pw_counters *dst, const pw_counters *src)
{
#define PW_ADD_S(m, sec, key, how, shown) add_one(&dst->m, src->m, how);
#define PW_ADD_A(m, n, sec, keys, how, shown)                                                                  \
    for (size_t i = 0; i < (n); i++)                                                                           \
        add_one(&dst->m[i], src->m[i], how);
    PW_COUNTERS(PW_ADD_S, PW_ADD_A)
#undef PW_ADD_S
#undef PW_ADD_A
}

/* One row of the table as data, for the JSON writer. */
typedef struct row {
    const char *section, *key;
    const char *const *keys; /* arrays: a key per element */
    size_t n, off;
    int shown;
} row;

static const row rows[] = {
#define PW_ROW_S(m, sec, k, how, sh) {sec, k, NULL, 1, offsetof(pw_counters, m), sh},
#define PW_ROW_A(m, cnt, sec, ks, how, sh) {sec, NULL, ks, cnt, offsetof(pw_counters, m), sh},
    PW_COUNTERS(PW_ROW_S, PW_ROW_A)
#undef PW_ROW_S
#undef PW_ROW_A
};

/* Length of the first dotted component of s. */
static size_t head_len(const char *s)
{
    const char *dot = strchr(s, '.');
    return dot ? (size_t)(dot - s) : strlen(s);
}

/* Closes the sections of open that next does not share, opens the rest of
 * next. Returns the depth of the sections now open. */
static int switch_section(jbuf *j, const char *open, int depth, const char *next)
{
    /* the number of leading components the two paths share */
    int shared = 0;
    const char *a = open, *b = next;
    while (a && b && *a && *b) {
        size_t la = head_len(a), lb = head_len(b);
        if (la != lb || memcmp(a, b, la) != 0)
            break;
        shared++;
        a = a[la] ? a + la + 1 : a + la;
        b = b[lb] ? b + lb + 1 : b + lb;
    }
    for (; depth > shared; depth--)
        jb_close_object(j);
    while (b && *b) {
        char name[64];
        size_t lb = head_len(b);
        if (lb >= sizeof(name))
            lb = sizeof(name) - 1;
        memcpy(name, b, lb);
        name[lb] = '\0';
        jb_open_object(j, name);
        depth++;
        b = b[lb] ? b + lb + 1 : b + lb;
    }
    return depth;
}

/* True when row w writes a member for values v. */
static bool row_shown(const row *w, const uint64_t *v)
{
    if (w->shown != PW_NONZERO)
        return true;
    for (size_t i = 0; i < w->n; i++)
        if (v[i])
            return true;
    return false;
}

void pw_counters_json(jbuf *j, const pw_counters *c)
{
    const char *open = "";
    int depth = 0;
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        const row *w = &rows[r];
        const uint64_t *v = (const uint64_t *)(const void *)((const char *)c + w->off);
        if (!row_shown(w, v))
            continue; /* a section is opened by its first member written */
        if (strcmp(open, w->section) != 0) {
            depth = switch_section(j, open, depth, w->section);
            open = w->section;
        }
        for (size_t i = 0; i < w->n; i++) {
            if (w->shown == PW_NONZERO && v[i] == 0)
                continue;
            jb_u64(j, w->keys ? w->keys[i] : w->key, v[i]);
        }
    }
    for (; depth > 0; depth--)
        jb_close_object(j);
}

int pw_winlog_slot(unsigned event_id)
{
    static const unsigned ids[] = {
#define PW_WINLOG_ID(id) id,
        PW_WINLOG_IDS(PW_WINLOG_ID)
#undef PW_WINLOG_ID
    };
    for (int i = 0; i < PW_N_WINLOG_IDS; i++)
        if (ids[i] == event_id)
            return i;
    return -1;
}

uint64_t pw_winlog_count(const pw_counters *c, unsigned event_id)
{
    int s = pw_winlog_slot(event_id);
    return s < 0 ? 0 : c->events_winlog[s];
}

int pw_dialect_slot(uint16_t dialect)
{
    static const uint16_t dialects[] = {
#define PW_DIALECT_ID(d, key, name) d,
        PW_SMB_DIALECTS(PW_DIALECT_ID)
#undef PW_DIALECT_ID
    };
    for (int i = 1; i < PW_N_DIALECTS; i++)
        if (dialects[i] == dialect)
            return i;
    return 0;
}
