/* Shared parts of the SIEM layouts (layout_win.h). */
#include "layout_win.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>

#include "layout.h"

/* Per event id: the task category and first message line Windows writes,
 * and the ECS classification (4697, 4698 as Winlogbeat's security module
 * maps them; the others ours, in the same terms). */
static const struct {
    unsigned id;
    const char *task, *title;
    win_ecs ecs;
} events[] = {
    {5145, "Detailed File Share",
     "A network share object was checked to see whether client can be granted desired access.",
     {{"network", "file"}, "access", NULL}},
    {5140, "File Share", "A network share object was accessed.", {{"network", "file"}, "access", NULL}},
    {4697, "Security System Extension", "A service was installed in the system.",
     {{"iam", NULL}, "admin", "service-installed"}},
    {4698, "Other Object Access Events", "A scheduled task was created.",
     {{"iam", NULL}, "creation", "scheduled-task-created"}},
    {7045, "None", "A service was installed in the system.", {{"configuration", NULL}, "creation", "service-installed"}},
    {7040, "None", "The start type of a service was changed.", {{"configuration", NULL}, "change", "service-start-type-changed"}},
};

#define N_EVENTS (sizeof(events) / sizeof(events[0]))

static int event_slot(unsigned id)
{
    for (size_t i = 0; i < N_EVENTS; i++)
        if (events[i].id == id)
            return (int)i;
    return -1;
}

const char *win_task(unsigned id)
{
    int i = event_slot(id);
    return i < 0 ? "" : events[i].task;
}

const char *win_title(unsigned id)
{
    int i = event_slot(id);
    return i < 0 ? "" : events[i].title;
}

const win_ecs *win_ecs_of(unsigned id)
{
    static const win_ecs other = {{"host", NULL}, "info", NULL};
    int i = event_slot(id);
    return i < 0 ? &other : &events[i].ecs;
}

const char *win_channel(const win_event *e)
{
    return e->def && e->def->family ? e->def->family->channel : "Security";
}

const char *win_provider(const win_event *e)
{
    return e->def && e->def->family ? e->def->family->provider : "Microsoft-Windows-Security-Auditing";
}

const char *win_keywords(const win_event *e)
{
    if (e->keywords)
        return e->keywords;
    return e->audit_success ? "Audit Success" : "Audit Failure";
}

const char *win_field(const win_event *e, const char *name)
{
    const char *v = winevent_get(e, name);
    return v ? v : "";
}

void jb_epoch(jbuf *j, const char *key, uint64_t ts_usec)
{
    char num[32];
    int n = snprintf(num, sizeof(num), "%llu.%06u", (unsigned long long)(ts_usec / 1000000u),
                     (unsigned)(ts_usec % 1000000u));
    jb_raw(j, key, num, (size_t)n);
}

void jb_rfc3339(jbuf *j, const char *key, uint64_t ts_usec)
{
    time_t s = (time_t)(ts_usec / 1000000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    char buf[48];
    size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof(buf) - n, ".%06uZ", (unsigned)(ts_usec % 1000000u));
    jb_str(j, key, buf);
}

static char host_name[256];
static pthread_once_t host_once = PTHREAD_ONCE_INIT;

static void find_host_name(void)
{
    if (gethostname(host_name, sizeof(host_name) - 1) != 0 || !host_name[0])
        snprintf(host_name, sizeof(host_name), "pipewatch");
}

const char *sensor_hostname(void)
{
    pthread_once(&host_once, find_host_name);
    return host_name;
}

const char *eve_text(const pw_record *r, size_t *len)
{
    static _Thread_local char buf[65536];
    jbuf t;
    jb_init(&t, buf, sizeof(buf));
    layout_eve.build(&t, r);
    return jb_line(&t, len);
}

int sigma_level_severity(const char *level)
{
    static const struct {
        const char *level;
        int sev;
    } levels[] = {{"critical", 2}, {"high", 3}, {"medium", 4}, {"low", 5}, {"informational", 6}};
    for (size_t i = 0; level && i < sizeof(levels) / sizeof(levels[0]); i++)
        if (!strcmp(level, levels[i].level))
            return levels[i].sev;
    return 6;
}

/* ----------------------------------------------------------- flattening */

typedef struct cursor {
    const char *p, *end;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\t' || *c->p == '\r'))
        c->p++;
}

/* The end of the string token at c->p (on its opening quote). */
static const char *string_end(const cursor *c)
{
    const char *q = c->p + 1;
    while (q < c->end && *q != '"')
        q += *q == '\\' && q + 1 < c->end ? 2 : 1;
    return q < c->end ? q + 1 : c->end;
}

/* The end of the value at c->p: a string, a scalar or a whole container. */
static const char *value_end(const cursor *c)
{
    if (c->p >= c->end)
        return c->end;
    if (*c->p == '"')
        return string_end(c);
    if (*c->p == '{' || *c->p == '[') {
        int depth = 0;
        cursor k = *c;
        while (k.p < k.end) {
            if (*k.p == '"') {
                k.p = string_end(&k);
                continue;
            }
            if (*k.p == '{' || *k.p == '[')
                depth++;
            else if (*k.p == '}' || *k.p == ']') {
                if (--depth == 0)
                    return k.p + 1;
            }
            k.p++;
        }
        return k.end;
    }
    const char *q = c->p;
    while (q < c->end && *q != ',' && *q != '}' && *q != ']')
        q++;
    return q;
}

static void flat_object(jbuf *j, cursor *c, const char *prefix, const char *const *skip, int depth)
{
    if (c->p >= c->end || *c->p != '{' || depth > 8)
        return;
    c->p++;
    for (;;) {
        skip_ws(c);
        if (c->p >= c->end || *c->p == '}') {
            c->p++;
            return;
        }
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p != '"')
            return; /* not this program's JSON */
        const char *ks = c->p + 1, *ke = string_end(c) - 1;
        c->p = ke + 1;
        skip_ws(c);
        if (c->p < c->end && *c->p == ':')
            c->p++;
        skip_ws(c);
        char key[160];
        int kl = snprintf(key, sizeof(key), "%s%.*s", prefix, (int)(ke - ks), ks);
        if (kl < 0 || (size_t)kl >= sizeof(key)) {
            c->p = value_end(c);
            continue;
        }
        /* flat shapes (GELF) take letters, digits, '_', '.', '-' in a key */
        for (char *k = key; *k; k++)
            if (!((*k >= 'a' && *k <= 'z') || (*k >= 'A' && *k <= 'Z') || (*k >= '0' && *k <= '9') || *k == '_' ||
                  *k == '.' || *k == '-'))
                *k = '_';
        bool skipped = false;
        for (size_t i = 0; depth == 0 && skip && skip[i]; i++)
            if ((size_t)(ke - ks) == strlen(skip[i]) && !memcmp(ks, skip[i], (size_t)(ke - ks)))
                skipped = true;
        const char *ve = value_end(c);
        if (skipped) {
            c->p = ve;
            continue;
        }
        if (*c->p == '{') {
            char sub[164];
            snprintf(sub, sizeof(sub), "%s_", key);
            flat_object(j, c, sub, NULL, depth + 1);
            continue;
        }
        if (*c->p == '[')
            jb_strn(j, key, c->p, (size_t)(ve - c->p));
        else if (!(ve - c->p == 4 && !memcmp(c->p, "null", 4))) /* GELF takes strings and numbers: null is absent */
            jb_raw(j, key, c->p, (size_t)(ve - c->p));
        c->p = ve;
    }
}

void flat_members(jbuf *j, const char *json, size_t len, const char *prefix, const char *const *skip)
{
    cursor c = {json, json + len};
    skip_ws(&c);
    flat_object(j, &c, prefix ? prefix : "", skip, 0);
}
