/* The output: one destination, its lock and its fault. */
#include "output.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dest.h"

/* The destination kinds: a new one is its file and one row here. */
static const struct {
    const char *name;
    const dest_ops *ops;
    bool alias; /* another name for a kind above, left out of messages */
} dest_types[] = {
    {"regular", &dest_file, false},
    {"file", &dest_file, true},
    {"unix_stream", &dest_unix_stream, false},
    {"unix_dgram", &dest_unix_dgram, false},
    {"redis", &dest_redis, false},
    {"syslog", &dest_syslog, false},
    {"gelf", &dest_gelf, false},
};

/* Destinations named by a URL (-o): the scheme picks the kind. */
static const struct {
    const char *prefix;
    const dest_ops *ops;
} schemes[] = {
    {"redis://", &dest_redis},        {"redis+unix://", &dest_redis}, {"syslog+udp://", &dest_syslog},
    {"syslog+tcp://", &dest_syslog},  {"syslog+unix://", &dest_syslog}, {"gelf+udp://", &dest_gelf},
    {"gelf+tcp://", &dest_gelf},
};

#define N_DEST_TYPES (sizeof(dest_types) / sizeof(dest_types[0]))

static const dest_ops *dest_find(const char *name)
{
    for (size_t i = 0; i < N_DEST_TYPES; i++)
        if (!strcmp(dest_types[i].name, name ? name : "regular"))
            return dest_types[i].ops;
    return NULL;
}

bool output_dest_known(const char *name) { return dest_find(name) != NULL; }

bool output_is_file(const char *name) { return dest_find(name) == &dest_file; }

const char *output_dest_names(void)
{
    static char names[256];
    if (!names[0]) {
        size_t n = 0;
        for (size_t i = 0; i < N_DEST_TYPES; i++)
            if (!dest_types[i].alias)
                n += (size_t)snprintf(names + n, sizeof(names) - n, "%s%s", n ? ", " : "", dest_types[i].name);
    }
    return names;
}

struct pw_output {
    pthread_mutex_t lock;
    const dest_ops *ops;
    dest *d;
    const layout_ops *layout;
    bool failed;
    bool reported; /* the failure was told (output_take_error) */
    /* A file that could not be reopened (SIGHUP): the run goes on, records
     * are counted instead of written, the reopen is retried at each SIGHUP
     * and, with a growing delay, as records or flushes come. */
    bool detached;
    uint64_t unwritten;          /* records not written while detached, over the run */
    uint64_t detached_unwritten; /* of those, in the current detachment */
    uint64_t reopen_failures;
    uint64_t retry_at_ms, retry_delay_ms;
    char name[512];
    char error[1024];
    uint64_t lines;
};

const char *output_url_kind(const char *path)
{
    if (!path)
        return NULL;
    if (!strcmp(path, "syslog") || !strncmp(path, "syslog?", 7))
        return "syslog";
    for (size_t i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++)
        if (!strncmp(path, schemes[i].prefix, strlen(schemes[i].prefix)))
            return schemes[i].ops == &dest_redis ? "redis" : schemes[i].ops == &dest_gelf ? "gelf" : "syslog";
    return strstr(path, "://") ? "" : NULL;
}

pw_output *output_open(const char *path, const char *dest_kind, const layout_ops *layout, bool append, char *err,
                       size_t errlen)
{
    bool is_stdout = !path || strcmp(path, "-") == 0;
    const char *url_kind = is_stdout ? NULL : output_url_kind(path);
    if (url_kind && !url_kind[0]) {
        snprintf(err, errlen,
                 "unknown destination '%s' (URLs: redis://, redis+unix://, syslog, syslog+udp://, syslog+tcp://, "
                 "gelf+udp://, gelf+tcp://; anything else is a file name)",
                 path);
        return NULL;
    }
    if (url_kind)
        dest_kind = url_kind;
    const dest_ops *ops = is_stdout ? &dest_file : dest_find(dest_kind);
    if (!ops) {
        snprintf(err, errlen, "unknown output kind '%s' (known: %s)", dest_kind, output_dest_names());
        return NULL;
    }
    pw_output *o = calloc(1, sizeof(*o));
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    o->ops = ops;
    o->layout = layout ? layout : &layout_eve;
    snprintf(o->name, sizeof(o->name), "%s", is_stdout ? "<stdout>" : path);
    /* redis://:PASSWORD@host…: the password stays out of messages */
    char *pw = strstr(o->name, "://:");
    char *at = pw ? strchr(pw, '@') : NULL;
    if (at)
        memmove(pw + 4, at, strlen(at) + 1);
    o->d = ops->open(is_stdout ? "-" : path, append, err, errlen);
    if (!o->d) {
        free(o);
        return NULL;
    }
    pthread_mutex_init(&o->lock, NULL);
    return o;
}

const layout_ops *output_layout(const pw_output *o) { return o->layout; }

static void fail(pw_output *o, int e)
{
    if (!o->failed)
        snprintf(o->error, sizeof(o->error), "cannot write events to %s: %s", o->name, strerror(e));
    o->failed = true;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

#define RETRY_FIRST_MS 1000
#define RETRY_MAX_MS 30000

/* Opens the file again; false (and, the first time, the reason in o->error)
 * when it cannot be opened. */
static bool attach(pw_output *o)
{
    char err[600];
    if (!o->ops->reopen(o->d, err, sizeof(err))) {
        o->reopen_failures++;
        if (!o->detached)
            snprintf(o->error, sizeof(o->error),
                     "%s; capture goes on, records are counted as not written (stats: output.unwritten_records) "
                     "and the file is opened again at each SIGHUP and every few seconds",
                     err);
        return false;
    }
    if (o->detached) {
        fprintf(stderr, "pipewatch: output %s opened again; %llu records could not be written before\n", o->name,
                (unsigned long long)o->detached_unwritten);
        o->detached = false;
        o->reported = false;
        o->detached_unwritten = 0;
    }
    return true;
}

/* While detached: one more try once the delay has passed. */
static bool retry_due(pw_output *o)
{
    uint64_t now = mono_ms();
    if (now < o->retry_at_ms)
        return false;
    if (attach(o))
        return true;
    o->retry_delay_ms = o->retry_delay_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : o->retry_delay_ms * 2;
    o->retry_at_ms = now + o->retry_delay_ms;
    return false;
}

bool output_write(pw_output *o, const char *rec, size_t len)
{
    pthread_mutex_lock(&o->lock);
    bool ok = !o->failed;
    if (ok && o->detached && !retry_due(o)) {
        o->unwritten++;
        o->detached_unwritten++;
        pthread_mutex_unlock(&o->lock);
        return true;
    }
    if (ok) {
        int e = 0;
        o->lines++;
        if (!o->ops->write(o->d, rec, len, &e)) {
            fail(o, e);
            ok = false;
        }
    }
    pthread_mutex_unlock(&o->lock);
    return ok;
}

static bool flush_locked(pw_output *o)
{
    int e = 0;
    if (o->detached && !retry_due(o))
        return !o->failed;
    if (o->failed)
        return false; /* what is buffered cannot go anywhere */
    if (!o->ops->flush(o->d, &e)) {
        fail(o, e);
        return false;
    }
    return true;
}

bool output_flush(pw_output *o)
{
    pthread_mutex_lock(&o->lock);
    bool ok = flush_locked(o);
    pthread_mutex_unlock(&o->lock);
    return ok;
}

bool output_reopen(pw_output *o)
{
    if (!o->ops->reopen)
        return true;
    pthread_mutex_lock(&o->lock);
    bool ok = !o->failed;
    if (ok) {
        if (!o->detached)
            flush_locked(o);
        ok = attach(o);
        if (!ok) {
            /* the destination let the old file go (log rotation compresses or
             * removes it next): records are counted until a reopen works */
            o->detached = true;
            o->retry_delay_ms = RETRY_FIRST_MS;
            o->retry_at_ms = mono_ms() + o->retry_delay_ms;
        }
    }
    pthread_mutex_unlock(&o->lock);
    return ok;
}

bool output_close(pw_output *o)
{
    if (!o)
        return true;
    if (o->detached)
        o->retry_at_ms = 0; /* a last try, for the final records */
    bool ok = flush_locked(o);
    int e = 0;
    if (!o->ops->close(o->d, &e) && ok) {
        fail(o, e);
        ok = false;
    }
    ok = ok && !o->failed;
    pthread_mutex_destroy(&o->lock);
    free(o);
    return ok;
}

void output_drain(pw_output *o)
{
    if (o->ops->drain)
        o->ops->drain(o->d); /* the queue has its own lock */
}

uint64_t output_dropped(const pw_output *o) { return o->ops->dropped ? o->ops->dropped(o->d) : 0; }

const char *output_name(const pw_output *o) { return o->name; }

bool output_failed(const pw_output *o) { return o->failed; }
const char *output_error(const pw_output *o) { return o->error; }

const char *output_take_error(pw_output *o)
{
    pthread_mutex_lock(&o->lock);
    bool down = o->failed || o->detached;
    const char *e = down && !o->reported ? o->error : NULL;
    o->reported = down;
    pthread_mutex_unlock(&o->lock);
    return e;
}

uint64_t output_lines(const pw_output *o) { return o->lines; }

output_unwritten_info output_unwritten(pw_output *o)
{
    pthread_mutex_lock(&o->lock);
    output_unwritten_info u = {o->unwritten, o->reopen_failures, o->detached};
    pthread_mutex_unlock(&o->lock);
    return u;
}
