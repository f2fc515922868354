/* The syslog destination: one RFC 5424 message per record,
 *   <PRI>1 TIMESTAMP HOSTNAME pipewatch PROCID - - RECORD
 * to the local syslog socket (a datagram each), over UDP (a datagram each)
 * or over TCP with octet-counting framing (RFC 6587 3.4.1: "LEN SP MSG").
 *
 *   syslog                       /dev/log
 *   syslog+unix:///PATH          another local datagram socket
 *   syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT
 *   ?facility=NAME|0..23 (default local5) &severity=NAME|0..7 (default info)
 *   &memcap=BYTES (the queue's bound) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "dest.h"
#include "dest_net.h"
#include "dest_queue.h"

#define SYSLOG_MAX_DGRAM 65000 /* a larger message does not fit one datagram: counted as dropped */

struct dest {
    dest_queue *q; /* first: the dq_dest_* members of dest_ops read it */
    net_peer peer;
    int pri;
    char hostname[256];
    char *msg; /* header + record, grown as needed */
    size_t cap;
};

static const char *const facilities[] = {"kern",     "user",     "mail",   "daemon",   "auth",         "syslog",
                                         "lpr",      "news",     "uucp",   "cron",     "authpriv",     "ftp",
                                         "ntp",      "security", "console", "solaris-cron", "local0", "local1",
                                         "local2",   "local3",   "local4", "local5",   "local6",       "local7"};
static const char *const severities[] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

static int name_or_number(const char *v, const char *const *names, int n)
{
    static const struct {
        const char *alias;
        int value;
    } sev_aliases[] = {{"emergency", 0}, {"critical", 2}, {"error", 3}, {"warn", 4}, {"information", 6}};
    for (int i = 0; i < n; i++)
        if (!strcasecmp(v, names[i]))
            return i;
    if (names == severities)
        for (size_t i = 0; i < sizeof(sev_aliases) / sizeof(sev_aliases[0]); i++)
            if (!strcasecmp(v, sev_aliases[i].alias))
                return sev_aliases[i].value;
    char *end;
    long x = strtol(v, &end, 10);
    return *v && !*end && x >= 0 && x < n ? (int)x : -1;
}

static bool parse_url(void *ctx, const char *url, size_t *memcap, char *err, size_t errlen)
{
    struct dest *d = ctx;
    const char *query = NULL;
    bool ok = true;
    if (!strcmp(url, "syslog") || !strncmp(url, "syslog?", 7)) {
        snprintf(d->peer.unix_path, sizeof(d->peer.unix_path), "/dev/log");
        d->peer.type = SOCK_DGRAM;
        query = url[6] ? url + 7 : NULL;
    } else if (!strncmp(url, "syslog+unix://", 14)) {
        const char *p = url + 14, *q = strchr(p, '?');
        size_t l = q ? (size_t)(q - p) : strlen(p);
        ok = l > 1 && p[0] == '/' && l < sizeof(d->peer.unix_path);
        if (ok)
            memcpy(d->peer.unix_path, p, l);
        d->peer.type = SOCK_DGRAM;
        query = q ? q + 1 : NULL;
    } else if (!strncmp(url, "syslog+udp://", 13)) {
        ok = net_peer_parse(&d->peer, url + 13, &query);
        d->peer.type = SOCK_DGRAM;
    } else if (!strncmp(url, "syslog+tcp://", 13)) {
        ok = net_peer_parse(&d->peer, url + 13, &query);
        d->peer.type = SOCK_STREAM;
    } else
        ok = false;
    d->peer.fd = -1;
    if (!ok) {
        snprintf(err, errlen,
                 "bad syslog destination '%s': want syslog, syslog+unix:///PATH, syslog+udp://HOST:PORT or "
                 "syslog+tcp://HOST:PORT",
                 url);
        return false;
    }
    int fac = 21, sev = 6; /* local5.info */
    char v[32];
    if (query && net_query_get(query, "facility", v, sizeof(v)) && (fac = name_or_number(v, facilities, 24)) < 0) {
        snprintf(err, errlen, "bad syslog destination '%s': facility '%s' is not a syslog facility (local0…)", url, v);
        return false;
    }
    if (query && net_query_get(query, "severity", v, sizeof(v)) && (sev = name_or_number(v, severities, 8)) < 0) {
        snprintf(err, errlen, "bad syslog destination '%s': severity '%s' is not one of emerg … debug, 0..7", url, v);
        return false;
    }
    if (query && net_query_get(query, "memcap", v, sizeof(v))) {
        char *end;
        unsigned long long m = strtoull(v, &end, 10);
        if (*end || m < 4096) {
            snprintf(err, errlen, "bad syslog destination '%s': memcap '%s' is not a byte count of 4096 or more", url, v);
            return false;
        }
        *memcap = (size_t)m;
    }
    d->pri = fac * 8 + sev;
    return true;
}

static bool sl_connect(void *ctx, char *err, size_t errlen)
{
    struct dest *d = ctx;
    return net_peer_connect(&d->peer, err, errlen);
}

static void sl_disconnect(void *ctx)
{
    struct dest *d = ctx;
    net_peer_close(&d->peer);
}

/* "<PRI>1 2026-12-01T10:00:00.123456Z host pipewatch 42 - - " */
static size_t header(const struct dest *d, char *buf, size_t n)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
    int l = snprintf(buf, n, "<%d>1 %s.%06ldZ %s pipewatch %ld - - ", d->pri, ts, (long)tv.tv_usec, d->hostname,
                     (long)getpid());
    return l > 0 && (size_t)l < n ? (size_t)l : 0;
}

static bool sl_send(void *ctx, char *const *recs, const size_t *lens, size_t n, size_t *skipped, char *err,
                    size_t errlen)
{
    struct dest *d = ctx;
    for (size_t i = 0; i < n; i++) {
        char hdr[400];
        size_t hl = header(d, hdr, sizeof(hdr));
        char pre[24] = "";
        size_t pl = 0;
        if (d->peer.type == SOCK_STREAM)
            pl = (size_t)snprintf(pre, sizeof(pre), "%zu ", hl + lens[i]);
        else if (hl + lens[i] > SYSLOG_MAX_DGRAM) {
            (*skipped)++;
            continue;
        }
        size_t need = pl + hl + lens[i];
        if (need > d->cap) {
            char *m = realloc(d->msg, need);
            if (!m) {
                (*skipped)++;
                continue;
            }
            d->msg = m;
            d->cap = need;
        }
        memcpy(d->msg, pre, pl);
        memcpy(d->msg + pl, hdr, hl);
        memcpy(d->msg + pl + hl, recs[i], lens[i]);
        if (!net_send_all(d->peer.fd, d->msg, need, err, errlen))
            return false;
    }
    return true;
}

static dest *sl_open(const char *url, bool append, char *err, size_t errlen)
{
    (void)append;
    size_t memcap;
    struct dest *d = dq_dest_new(sizeof(*d), url, parse_url, &memcap, err, errlen);
    if (!d)
        return NULL;
    if (gethostname(d->hostname, sizeof(d->hostname) - 1) != 0 || !d->hostname[0])
        snprintf(d->hostname, sizeof(d->hostname), "-");
    for (char *c = d->hostname; *c; c++)
        if (*c <= ' ' || *c > '~')
            *c = '_';
    char name[640];
    if (d->peer.unix_path[0])
        snprintf(name, sizeof(name), "syslog %s", d->peer.unix_path);
    else
        snprintf(name, sizeof(name), "syslog %s %s:%d", d->peer.type == SOCK_STREAM ? "tcp" : "udp", d->peer.host,
                 d->peer.port);
    dq_sink s = {d, sl_connect, sl_send, sl_disconnect};
    d->q = dq_start(&s, name, memcap, err, errlen);
    if (!d->q) {
        free(d);
        return NULL;
    }
    return d;
}

static bool sl_close(dest *d, int *e)
{
    (void)e;
    dq_stop(d->q);
    net_peer_close(&d->peer);
    free(d->msg);
    free(d);
    return true;
}

const dest_ops dest_syslog = {sl_open, dq_dest_write, dq_dest_flush, NULL, sl_close, dq_dest_drain, dq_dest_dropped};
