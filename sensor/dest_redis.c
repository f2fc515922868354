/* The Redis destination, as Suricata's redis output: every record is pushed
 * onto a list (RPUSH, LPUSH) or published on a channel (PUBLISH) under one
 * key, over TCP or a unix socket, after AUTH when a password is given.
 * Records are queued and sent, pipelined, by a writer thread (dest_queue.h):
 * a batch of commands is written at once and its replies read after.
 *
 *   redis://[:PASSWORD@]HOST:PORT/KEY[?mode=list|rpush|lpush|channel]
 *   redis+unix:///PATH/TO/SOCKET/KEY[?mode=…]
 *   (either with &memcap=BYTES: the queue's bound, default 16 MiB) */
#include <hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "dest.h"
#include "dest_net.h"
#include "dest_queue.h"

struct dest {
    dest_queue *q; /* first: the dq_dest_* members of dest_ops read it */
    redisContext *c;
    char host[256];
    int port;
    char unix_path[108];
    char key[256];
    char pass[256];
    const char *cmd; /* RPUSH, LPUSH, PUBLISH */
};

static bool parse_mode(const char *m, const char **cmd)
{
    if (!strcmp(m, "list") || !strcmp(m, "rpush"))
        *cmd = "RPUSH";
    else if (!strcmp(m, "lpush"))
        *cmd = "LPUSH";
    else if (!strcmp(m, "channel") || !strcmp(m, "publish"))
        *cmd = "PUBLISH";
    else
        return false;
    return true;
}

/* Fills d from the URL; false with a reason. */
static bool parse_url(void *ctx, const char *url, size_t *memcap, char *err, size_t errlen)
{
    struct dest *d = ctx;
    const char *rest;
    bool is_unix = false;
    if (!strncmp(url, "redis://", 8))
        rest = url + 8;
    else if (!strncmp(url, "redis+unix://", 13)) {
        rest = url + 13;
        is_unix = true;
    } else {
        snprintf(err, errlen, "bad redis URL '%s': it starts with redis:// or redis+unix://", url);
        return false;
    }
    const char *q = strchr(rest, '?');
    size_t len = q ? (size_t)(q - rest) : strlen(rest);
    d->cmd = "RPUSH";
    if (q) {
        char v[32];
        if (net_query_get(q + 1, "mode", v, sizeof(v)) && !parse_mode(v, &d->cmd)) {
            snprintf(err, errlen, "bad redis URL '%s': mode '%s' is not list, rpush, lpush or channel", url, v);
            return false;
        }
        if (net_query_get(q + 1, "memcap", v, sizeof(v))) {
            char *end;
            unsigned long long m = strtoull(v, &end, 10);
            if (*end || m < 4096) {
                snprintf(err, errlen, "bad redis URL '%s': memcap '%s' is not a byte count of 4096 or more", url, v);
                return false;
            }
            *memcap = (size_t)m;
        }
    }
    const char *slash = NULL;
    for (size_t i = 0; i < len; i++)
        if (rest[i] == '/')
            slash = rest + i;
    if (is_unix) {
        /* everything up to the last '/' is the socket */
        if (!slash || slash == rest || rest[0] != '/' || (size_t)(slash - rest) >= sizeof(d->unix_path)) {
            snprintf(err, errlen, "bad redis URL '%s': want redis+unix:///PATH/KEY", url);
            return false;
        }
        memcpy(d->unix_path, rest, (size_t)(slash - rest));
    } else {
        slash = memchr(rest, '/', len);
        const char *at = memchr(rest, '@', slash ? (size_t)(slash - rest) : len);
        const char *hp = rest;
        if (at) {
            if (rest[0] != ':' || (size_t)(at - rest - 1) >= sizeof(d->pass)) {
                snprintf(err, errlen, "bad redis URL '%s': a password is given as redis://:PASSWORD@HOST:PORT/KEY", url);
                return false;
            }
            memcpy(d->pass, rest + 1, (size_t)(at - rest - 1));
            hp = at + 1;
        }
        if (!slash || !net_split_hostport(hp, (size_t)(slash - hp), d->host, sizeof(d->host), &d->port)) {
            snprintf(err, errlen, "bad redis URL '%s': want redis://HOST:PORT/KEY", url);
            return false;
        }
    }
    size_t kl = (size_t)(rest + len - slash - 1);
    if (kl == 0 || kl >= sizeof(d->key)) {
        snprintf(err, errlen, "bad redis URL '%s': no key after the last '/'", url);
        return false;
    }
    memcpy(d->key, slash + 1, kl);
    d->key[kl] = 0;
    return true;
}

static void redis_disconnect(void *ctx)
{
    struct dest *d = ctx;
    if (d->c)
        redisFree(d->c);
    d->c = NULL;
}

static bool redis_connect(void *ctx, char *err, size_t errlen)
{
    struct dest *d = ctx;
    struct timeval tv = {NET_TIMEOUT_MS / 1000, (NET_TIMEOUT_MS % 1000) * 1000};
    d->c = d->unix_path[0] ? redisConnectUnixWithTimeout(d->unix_path, tv) : redisConnectWithTimeout(d->host, d->port, tv);
    if (!d->c || d->c->err) {
        snprintf(err, errlen, "cannot connect: %s", d->c ? d->c->errstr : "out of memory");
        redis_disconnect(d);
        return false;
    }
    redisSetTimeout(d->c, tv);
    if (d->pass[0]) {
        redisReply *r = redisCommand(d->c, "AUTH %s", d->pass);
        bool ok = r && r->type != REDIS_REPLY_ERROR;
        snprintf(err, errlen, "AUTH refused: %s", r && r->type == REDIS_REPLY_ERROR ? r->str : d->c->errstr);
        if (r)
            freeReplyObject(r);
        if (!ok) {
            redis_disconnect(d);
            return false;
        }
    }
    return true;
}

static bool redis_send(void *ctx, char *const *recs, const size_t *lens, size_t n, size_t *skipped, char *err,
                       size_t errlen)
{
    struct dest *d = ctx;
    (void)skipped;
    for (size_t i = 0; i < n; i++) {
        const char *argv[3] = {d->cmd, d->key, recs[i]};
        size_t argl[3] = {strlen(d->cmd), strlen(d->key), lens[i]};
        if (redisAppendCommandArgv(d->c, 3, argv, argl) != REDIS_OK) {
            snprintf(err, errlen, "%s", d->c->errstr);
            return false;
        }
    }
    for (size_t i = 0; i < n; i++) {
        void *rp = NULL;
        if (redisGetReply(d->c, &rp) != REDIS_OK || !rp) {
            snprintf(err, errlen, "%s", d->c->err ? d->c->errstr : "no reply");
            return false;
        }
        redisReply *r = rp;
        bool bad = r->type == REDIS_REPLY_ERROR;
        if (bad)
            snprintf(err, errlen, "%s refused: %s", d->cmd, r->str);
        freeReplyObject(r);
        if (bad)
            return false;
    }
    return true;
}

static dest *redis_open(const char *url, bool append, char *err, size_t errlen)
{
    (void)append;
    size_t memcap;
    struct dest *d = dq_dest_new(sizeof(*d), url, parse_url, &memcap, err, errlen);
    if (!d)
        return NULL;
    char name[640];
    if (d->unix_path[0])
        snprintf(name, sizeof(name), "redis %s key %s", d->unix_path, d->key);
    else
        snprintf(name, sizeof(name), "redis %s:%d key %s", d->host, d->port, d->key);
    dq_sink s = {d, redis_connect, redis_send, redis_disconnect};
    d->q = dq_start(&s, name, memcap, err, errlen);
    if (!d->q) {
        free(d);
        return NULL;
    }
    return d;
}

static bool redis_close(dest *d, int *e)
{
    (void)e;
    dq_stop(d->q);
    redis_disconnect(d);
    free(d);
    return true;
}

const dest_ops dest_redis = {redis_open, dq_dest_write, dq_dest_flush, NULL, redis_close, dq_dest_drain, dq_dest_dropped};
