/* The file destination: a regular file (created 0640, truncated or appended
 * to) or standard output, one record per line; reopened after log rotation. */
#include "dest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct dest {
    fd_lines w;
    bool is_stdout;
    bool append;
    char path[512];
};

/* Writes n bytes; *done says how many went out when it fails. */
static bool write_counted(int fd, const char *p, size_t n, size_t *done, int *e)
{
    *done = 0;
    while (*done < n) {
        ssize_t w = write(fd, p + *done, n - *done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            *e = errno;
            return false;
        }
        if (w == 0) {
            *e = EIO;
            return false;
        }
        *done += (size_t)w;
    }
    return true;
}

bool fd_write_all(int fd, const char *p, size_t n, int *e)
{
    size_t done;
    return write_counted(fd, p, n, &done, e);
}

/* A write that failed part way (a full disk) left `tail` bytes of a record
 * that is not whole at the end of the file: a regular file is cut back to
 * its last whole line, so a reader never sees half a record. */
static void cut_back(int fd, size_t tail)
{
    struct stat st;
    off_t at;
    if (tail && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (at = lseek(fd, 0, SEEK_CUR)) >= (off_t)tail)
        (void)!ftruncate(fd, at - (off_t)tail);
}

/* Bytes after the last newline among the first `done` of p (p starts at a
 * line boundary). */
static size_t partial_tail(const char *p, size_t done)
{
    for (size_t i = done; i > 0; i--)
        if (p[i - 1] == '\n')
            return done - i;
    return done;
}

bool fd_lines_flush(fd_lines *w, int *e)
{
    size_t done;
    bool ok = write_counted(w->fd, w->buf, w->len, &done, e);
    if (!ok)
        cut_back(w->fd, partial_tail(w->buf, done));
    w->len = 0;
    return ok;
}

bool fd_lines_put(fd_lines *w, const char *rec, size_t len, int *e)
{
    if (w->len + len + 1 > sizeof(w->buf)) {
        if (!fd_lines_flush(w, e))
            return false;
        if (len + 1 > sizeof(w->buf)) {
            size_t done;
            if (!write_counted(w->fd, rec, len, &done, e)) {
                cut_back(w->fd, done);
                return false;
            }
            if (!write_counted(w->fd, "\n", 1, &done, e)) {
                cut_back(w->fd, len);
                return false;
            }
            return true;
        }
    }
    memcpy(w->buf + w->len, rec, len);
    w->len += len;
    w->buf[w->len++] = '\n';
    return true;
}

static int open_file(const char *path, bool append, char *err, size_t errlen)
{
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    int fd = open(path, flags, 0640);
    if (fd < 0)
        snprintf(err, errlen, "cannot open output file %s: %s", path, strerror(errno));
    return fd;
}

static dest *file_open(const char *path, bool append, char *err, size_t errlen)
{
    dest *d = calloc(1, sizeof(*d));
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    d->is_stdout = !path || strcmp(path, "-") == 0;
    d->append = append;
    snprintf(d->path, sizeof(d->path), "%s", d->is_stdout ? "-" : path);
    d->w.fd = d->is_stdout ? STDOUT_FILENO : open_file(d->path, append, err, errlen);
    if (d->w.fd < 0) {
        free(d);
        return NULL;
    }
    return d;
}

static bool file_write(dest *d, const char *rec, size_t len, int *e)
{
    return fd_lines_put(&d->w, rec, len, e);
}

static bool file_flush(dest *d, int *e)
{
    return fd_lines_flush(&d->w, e);
}

/* The rotated file is left to whoever moved it; records go on in a new file
 * of the same name (appended to, should one be there already). */
static bool file_reopen(dest *d, char *err, size_t errlen)
{
    if (d->is_stdout)
        return true;
    d->w.len = 0;
    int fd = open_file(d->path, true, err, errlen);
    if (fd < 0) {
        /* The old file is let go all the same: SIGHUP asks for it, and
         * records written into a file that was removed would be lost
         * without being counted. */
        if (d->w.fd >= 0)
            close(d->w.fd);
        d->w.fd = -1;
        return false;
    }
    if (d->w.fd >= 0)
        close(d->w.fd);
    d->w.fd = fd;
    return true;
}

static bool file_close(dest *d, int *e)
{
    bool ok = true;
    if (!d->is_stdout && d->w.fd >= 0 && close(d->w.fd) != 0) {
        *e = errno;
        ok = false;
    }
    free(d);
    return ok;
}

const dest_ops dest_file = {file_open, file_write, file_flush, file_reopen, file_close, NULL, NULL};
