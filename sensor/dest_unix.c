/* Unix socket destinations, connected at start: a stream socket carries one
 * record per line, a datagram socket one record per datagram (no newline:
 * what a datagram reader expects). */
#include "dest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct dest {
    fd_lines w; /* w.fd is the socket; the buffer is used by the stream kind only */
    bool dgram;
};

static int connect_unix(const char *path, int type, char *err, size_t errlen)
{
    struct sockaddr_un sun;
    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    if (!path || strlen(path) >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "unix socket path too long: %s", path ? path : "");
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
        snprintf(err, errlen, "cannot connect to unix socket %s: %s", path, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

static dest *unix_open(const char *path, bool dgram, char *err, size_t errlen)
{
    dest *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->dgram = dgram;
    d->w.fd = connect_unix(path, dgram ? SOCK_DGRAM : SOCK_STREAM, err, errlen);
    if (d->w.fd < 0) {
        free(d);
        return NULL;
    }
    return d;
}

static dest *stream_open(const char *path, bool append, char *err, size_t errlen)
{
    (void)append;
    return unix_open(path, false, err, errlen);
}

static dest *dgram_open(const char *path, bool append, char *err, size_t errlen)
{
    (void)append;
    return unix_open(path, true, err, errlen);
}

static bool unix_write(dest *d, const char *rec, size_t len, int *e)
{
    if (!d->dgram)
        return fd_lines_put(&d->w, rec, len, e);
    if (send(d->w.fd, rec, len, 0) < 0) {
        *e = errno;
        return false;
    }
    return true;
}

static bool unix_flush(dest *d, int *e)
{
    return fd_lines_flush(&d->w, e);
}

static bool unix_close(dest *d, int *e)
{
    bool ok = true;
    if (close(d->w.fd) != 0) {
        *e = errno;
        ok = false;
    }
    free(d);
    return ok;
}

const dest_ops dest_unix_stream = {stream_open, unix_write, unix_flush, NULL, unix_close, NULL, NULL};
const dest_ops dest_unix_dgram = {dgram_open, unix_write, unix_flush, NULL, unix_close, NULL, NULL};
