/* Sockets and URL pieces of the network destinations (dest_net.h). */
#include "dest_net.h"

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

bool net_split_hostport(const char *s, size_t len, char *host, size_t hostlen, int *port)
{
    const char *colon;
    const char *h = s;
    size_t hl;
    if (len && s[0] == '[') {
        const char *close = memchr(s, ']', len);
        if (!close || close + 1 >= s + len || close[1] != ':')
            return false;
        h = s + 1;
        hl = (size_t)(close - h);
        colon = close + 1;
    } else {
        colon = NULL;
        for (size_t i = 0; i < len; i++)
            if (s[i] == ':')
                colon = s + i;
        if (!colon)
            return false;
        hl = (size_t)(colon - s);
    }
    if (hl == 0 || hl >= hostlen)
        return false;
    memcpy(host, h, hl);
    host[hl] = 0;
    const char *p = colon + 1;
    size_t pl = (size_t)(s + len - p);
    if (pl == 0 || pl > 5)
        return false;
    int v = 0;
    for (size_t i = 0; i < pl; i++) {
        if (p[i] < '0' || p[i] > '9')
            return false;
        v = v * 10 + (p[i] - '0');
    }
    if (v < 1 || v > 65535)
        return false;
    *port = v;
    return true;
}

bool net_query_get(const char *query, const char *key, char *out, size_t outlen)
{
    size_t kl = strlen(key);
    for (const char *p = query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t l = end ? (size_t)(end - p) : strlen(p);
        if (l > kl && !strncmp(p, key, kl) && p[kl] == '=') {
            size_t vl = l - kl - 1;
            if (vl >= outlen)
                return false;
            memcpy(out, p + kl + 1, vl);
            out[vl] = 0;
            return true;
        }
        p = end ? end + 1 : NULL;
    }
    return false;
}

static void set_timeouts(int fd)
{
    struct timeval tv = {NET_TIMEOUT_MS / 1000, (NET_TIMEOUT_MS % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

int net_connect(const char *host, int port, int type, char *err, size_t errlen)
{
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = type;
    char ps[8];
    snprintf(ps, sizeof(ps), "%d", port);
    int rc = getaddrinfo(host, ps, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(rc));
        return -1;
    }
    int fd = -1;
    int e = 0;
    for (struct addrinfo *a = res; a; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
        if (fd < 0) {
            e = errno;
            continue;
        }
        set_timeouts(fd);
        if (connect(fd, a->ai_addr, a->ai_addrlen) == 0)
            break;
        e = errno;
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    if (fd < 0)
        snprintf(err, errlen, "cannot connect to %s:%d: %s", host, port, strerror(e));
    return fd;
}

int net_connect_unix(const char *path, int type, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "unix socket path too long: %s", path);
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "cannot make a unix socket: %s", strerror(errno));
        return -1;
    }
    set_timeouts(fd);
    if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

bool net_send_all(int fd, const char *p, size_t n, char *err, size_t errlen)
{
    while (n > 0) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            snprintf(err, errlen, "send failed: %s", w < 0 ? strerror(errno) : "nothing sent");
            return false;
        }
        p += w;
        n -= (size_t)w;
    }
    return true;
}

bool net_peer_connect(net_peer *p, char *err, size_t errlen)
{
    p->fd = p->unix_path[0] ? net_connect_unix(p->unix_path, p->type, err, errlen)
                            : net_connect(p->host, p->port, p->type, err, errlen);
    return p->fd >= 0;
}

void net_peer_close(net_peer *p)
{
    if (p->fd >= 0)
        close(p->fd);
    p->fd = -1;
}

bool net_peer_parse(net_peer *p, const char *s, const char **query)
{
    const char *q = strchr(s, '?');
    *query = q ? q + 1 : NULL;
    size_t len = q ? (size_t)(q - s) : strlen(s);
    if (len && s[len - 1] == '/')
        len--;
    p->fd = -1;
    return net_split_hostport(s, len, p->host, sizeof(p->host), &p->port);
}
