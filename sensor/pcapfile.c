#include "pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>
#include <zlib.h>

#include "capture.h"

/* Bytes of the file mapped at once. Small enough that the window adds little
 * to the resident set, large enough that remapping costs nothing per packet. */
#define WINDOW (8u << 20)
/* libpcap's largest snapshot length: a record claiming more is damage. */
#define MAX_CAPLEN 262144u

/* How often, in bytes read, the mapped reader asks the file for its size. */
#define SIZE_CHECK_EVERY (1u << 20)

/* A gzip'd capture: zlib inflates it as libpcap reads, through a stdio
 * stream of our own (fopencookie), so memory stays at inflate's window and
 * one input buffer whatever the file's size. Output goes straight into
 * libpcap's reads, so every byte inflated before a fault reaches it. What
 * went wrong in the gzip layer is kept here, since libpcap only sees a read
 * that failed or ended. */
typedef struct gz_source {
    z_stream zs;
    int fd;
    int plain;     /* not gzip: standard input handed over as it is (after the bytes peeked) */
    int live;      /* zs initialised */
    int ended;     /* the last member ended and no other follows */
    int zerr;      /* Z_OK; Z_BUF_ERROR: the stream ended early; else corrupt */
    char why[128]; /* what is wrong, in zlib's words */
    uint64_t in;   /* compressed bytes read from the file */
    uint64_t out;  /* capture bytes given to libpcap */
    uint8_t buf[64u << 10];
} gz_source;

struct capture_file {
    /* libpcap path */
    pcap_t *h;
    gz_source *gz; /* with h: the capture is gzip'd */
    char *path;
    int64_t open_size; /* a regular file's size at open, else -1 */
    int64_t grown;     /* the size found at the end when larger than open_size, else 0 */
    /* mapped path */
    int fd;
    int guard;         /* slot in guards[], -1 when none */
    int follow;        /* wait for more at the end instead of ending */
    int cut;           /* the file shrank while it was read */
    uint64_t size, pos;
    uint64_t checked;  /* pos at the last size check */
    const uint8_t *win;
    uint64_t win_off, win_len;
    int swapped, nsec, dlt;
    int held;             /* the whole file is mapped in win */
    uint64_t released;    /* with held: bytes before this were given back */
    uint64_t populated;   /* with held: page tables filled up to here */
    char err[CAPTURE_ERRLEN];
};

static uint32_t get32(const uint8_t *p, int swapped)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return swapped ? __builtin_bswap32(v) : v;
}

/* A mapped file that shrinks under the reader (log rotation, truncate) turns
 * every access past its new end into SIGBUS. The handler below catches the
 * faults that fall inside a registered mapping: it puts a page of zeros in
 * place of the missing one, marks the file as cut and lets the access go on,
 * so whichever thread touched the page (the reader or a worker holding a
 * frame by reference) keeps running. The reader checks the mark before it
 * hands out each packet and ends with "truncated while it was read". A fault
 * anywhere else goes to the previous handler, or kills the process as before. */
#define GUARDS 8

static struct guard {
    _Atomic uintptr_t lo, hi; /* [lo, hi) mapped; 0, 0 when free */
    atomic_int hit;
    atomic_int used;
} guards[GUARDS];

static struct sigaction old_bus;
static pthread_mutex_t guard_lock = PTHREAD_MUTEX_INITIALIZER;
static uintptr_t guard_page = 4096; /* set before the handler is installed */

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
    uintptr_t a = (uintptr_t)si->si_addr;
    for (int i = 0; i < GUARDS; i++) {
        uintptr_t lo = atomic_load(&guards[i].lo), hi = atomic_load(&guards[i].hi);
        if (a >= lo && a < hi) {
            void *at = (void *)(a & ~(guard_page - 1));
            if (mmap(at, guard_page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
                atomic_store(&guards[i].hit, 1);
                return;
            }
            break;
        }
    }
    /* not ours: the previous disposition takes the repeated fault */
    if ((old_bus.sa_flags & SA_SIGINFO) && old_bus.sa_sigaction) {
        old_bus.sa_sigaction(sig, si, uc);
        return;
    }
    sigaction(SIGBUS, &old_bus, NULL);
}

/* (Re)installs the handler when something else took SIGBUS since. */
static int guard_install(void)
{
    struct sigaction cur;
    if (sigaction(SIGBUS, NULL, &cur) != 0)
        return -1;
    if ((cur.sa_flags & SA_SIGINFO) && cur.sa_sigaction == on_sigbus)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    if (page > 0)
        guard_page = (uintptr_t)page;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_sigbus;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigemptyset(&sa.sa_mask);
    old_bus = cur;
    return sigaction(SIGBUS, &sa, NULL);
}

static int guard_take(void)
{
    pthread_mutex_lock(&guard_lock);
    int got = -1;
    if (guard_install() == 0)
        for (int i = 0; i < GUARDS && got < 0; i++)
            if (!atomic_load(&guards[i].used)) {
                atomic_store(&guards[i].used, 1);
                atomic_store(&guards[i].hit, 0);
                got = i;
            }
    pthread_mutex_unlock(&guard_lock);
    return got;
}

static void guard_set(int g, const void *p, uint64_t len)
{
    if (g < 0)
        return;
    atomic_store(&guards[g].lo, 0);
    atomic_store(&guards[g].hi, p ? (uintptr_t)p + (uintptr_t)len : 0);
    atomic_store(&guards[g].lo, (uintptr_t)p);
}

static void guard_give_back(int g)
{
    if (g < 0)
        return;
    guard_set(g, NULL, 0);
    atomic_store(&guards[g].used, 0);
}

static int guard_hit(int g) { return g >= 0 && atomic_load(&guards[g].hit); }

/* The link types the decoder knows whose file value libpcap would report
 * unchanged, plus LINKTYPE_RAW, which libpcap reports as DLT_RAW. */
static int dlt_of_linktype(uint32_t lt)
{
    switch (lt) {
    case 0:   /* null */
    case 1:   /* Ethernet */
    case 108: /* loop */
    case 113: /* Linux cooked */
    case 276: /* Linux cooked v2 */
    case 228: /* raw IPv4 */
    case 229: /* raw IPv6 */
        return (int)lt;
    case 101:
        return DLT_RAW;
    default:
        return -1;
    }
}

/* A classic pcap file we can map: 0 and the header's facts, or -1. */
static int probe_classic(capture_file *cf, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    uint8_t hdr[24];
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 24 || pread(fd, hdr, 24, 0) != 24) {
        close(fd);
        return -1;
    }
    uint32_t magic;
    memcpy(&magic, hdr, 4);
    int swapped, nsec;
    if (magic == 0xa1b2c3d4u || magic == 0xa1b23c4du) {
        swapped = 0;
        nsec = magic == 0xa1b23c4du;
    } else if (magic == 0xd4c3b2a1u || magic == 0x4d3cb2a1u) {
        swapped = 1;
        nsec = magic == 0x4d3cb2a1u;
    } else {
        close(fd);
        return -1;
    }
    uint16_t major;
    memcpy(&major, hdr + 4, 2);
    if (swapped)
        major = __builtin_bswap16(major);
    int dlt = dlt_of_linktype(get32(hdr + 20, swapped) & 0x03FFFFFFu);
    if (major != 2 || dlt < 0) {
        close(fd);
        return -1;
    }
    cf->fd = fd;
    cf->size = (uint64_t)st.st_size;
    cf->open_size = st.st_size;
    cf->pos = 24;
    cf->checked = 24;
    cf->swapped = swapped;
    cf->nsec = nsec;
    cf->dlt = dlt;
    return 0;
}

/* A regular file that starts with gzip's magic (1f 8b). */
static int is_gzip(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    struct stat st;
    uint8_t m[2];
    int yes = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && pread(fd, m, 2, 0) == 2 && m[0] == 0x1f && m[1] == 0x8b;
    close(fd);
    return yes;
}

static void gz_fail(gz_source *z, int zerr, const char *why)
{
    if (z->zerr != Z_OK)
        return;
    z->zerr = zerr;
    snprintf(z->why, sizeof z->why, "%s", why ? why : "zlib error");
}

/* Compressed bytes inflate has taken. */
static uint64_t gz_consumed(const gz_source *z) { return z->in - z->zs.avail_in; }

static ssize_t gz_read(void *cookie, char *out, size_t n)
{
    gz_source *z = cookie;
    if (z->plain) {
        /* what was peeked first, then the descriptor */
        if (z->zs.avail_in) {
            size_t k = n < z->zs.avail_in ? n : z->zs.avail_in;
            memcpy(out, z->zs.next_in, k);
            z->zs.next_in += k;
            z->zs.avail_in -= (uInt)k;
            return (ssize_t)k;
        }
        ssize_t got;
        while ((got = read(z->fd, out, n)) < 0 && errno == EINTR) {
        }
        return got;
    }
    if (z->zerr != Z_OK)
        return z->zerr == Z_BUF_ERROR ? 0 : -1;
    z->zs.next_out = (Bytef *)out;
    z->zs.avail_out = n > (1u << 30) ? 1u << 30 : (uInt)n;
    uInt want = z->zs.avail_out;
    while (z->zs.avail_out == want && !z->ended) {
        if (z->zs.avail_in == 0) {
            ssize_t got = read(z->fd, z->buf, sizeof z->buf);
            if (got < 0) {
                if (errno == EINTR)
                    continue;
                gz_fail(z, Z_ERRNO, strerror(errno));
                break;
            }
            if (got == 0) {
                /* the file ends inside a member */
                gz_fail(z, Z_BUF_ERROR, "unexpected end of file");
                break;
            }
            z->in += (uint64_t)got;
            z->zs.next_in = z->buf;
            z->zs.avail_in = (uInt)got;
        }
        int rc = inflate(&z->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            /* another member may follow (gzip -c a b >ab.gz); anything
             * else after the last one is left alone, as gunzip does */
            if (z->zs.avail_in == 0) {
                ssize_t got = read(z->fd, z->buf, sizeof z->buf);
                if (got > 0) {
                    z->in += (uint64_t)got;
                    z->zs.next_in = z->buf;
                    z->zs.avail_in = (uInt)got;
                }
            }
            if (z->zs.avail_in >= 2 && z->zs.next_in[0] == 0x1f && z->zs.next_in[1] == 0x8b)
                inflateReset(&z->zs);
            else
                z->ended = 1;
        } else if (rc == Z_BUF_ERROR && z->zs.avail_in == 0) {
            continue; /* needs more input */
        } else if (rc != Z_OK) {
            gz_fail(z, rc == Z_MEM_ERROR ? Z_MEM_ERROR : Z_DATA_ERROR, z->zs.msg ? z->zs.msg : "invalid data");
            break;
        }
    }
    size_t made = want - z->zs.avail_out;
    z->out += made;
    if (made)
        return (ssize_t)made; /* the fault, if any, at the next read */
    return z->zerr == Z_OK || z->zerr == Z_BUF_ERROR ? 0 : -1;
}

static int gz_close(void *cookie)
{
    gz_source *z = cookie;
    if (z->live) {
        z->in = gz_consumed(z);
        z->zs.avail_in = 0;
        inflateEnd(&z->zs);
        z->live = 0;
    }
    if (z->fd >= 0)
        close(z->fd);
    z->fd = -1;
    return 0;
}

/* What the gzip layer says of an open or a read that failed; NULL when it
 * saw nothing wrong. */
static const char *gz_fault(const gz_source *z, char *buf, size_t n)
{
    if (!z || z->zerr == Z_OK)
        return NULL;
    uint64_t in = z->live ? gz_consumed(z) : z->in;
    if (z->zerr == Z_BUF_ERROR)
        snprintf(buf, n, "gzip stream cut short: %s after %llu compressed bytes (%llu bytes of capture)", z->why,
                 (unsigned long long)in, (unsigned long long)z->out);
    else
        snprintf(buf, n, "gzip data corrupt: %s after %llu compressed bytes (%llu bytes of capture)", z->why,
                 (unsigned long long)in, (unsigned long long)z->out);
    return buf;
}

/* Opens a gzip'd capture (pcap or pcapng inside) through libpcap; fd >= 0:
 * standard input (a dup of it), whose first peeked bytes are in peek[0..npeek),
 * then gzip'd only when gz is set, else handed over as it is. */
static int open_gzip(capture_file *cf, const char *path, const char *bpf, int fd, const uint8_t *peek,
                     size_t npeek, int gz, char *err, size_t errlen)
{
    cf->gz = calloc(1, sizeof *cf->gz);
    if (!cf->gz) {
        if (fd >= 0)
            close(fd);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    cf->gz->fd = fd >= 0 ? fd : open(path, O_RDONLY | O_CLOEXEC);
    if (cf->gz->fd < 0) {
        snprintf(err, errlen, "%s: cannot read capture: %s", path, strerror(errno));
        return -1;
    }
    if (npeek)
        memcpy(cf->gz->buf, peek, npeek);
    cf->gz->zs.next_in = cf->gz->buf;
    cf->gz->zs.avail_in = (uInt)npeek;
    cf->gz->in = npeek;
    cf->gz->plain = !gz;
    /* 16 + window bits: a gzip header and trailer around deflate data */
    if (gz && inflateInit2(&cf->gz->zs, 16 + MAX_WBITS) != Z_OK) {
        gz_close(cf->gz);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    cf->gz->live = gz;
    cookie_io_functions_t io = {.read = gz_read, .write = NULL, .seek = NULL, .close = gz_close};
    FILE *fp = fopencookie(cf->gz, "r", io);
    if (!fp) {
        gz_close(cf->gz);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    char inner[CAPTURE_ERRLEN];
    cf->h = capture_open_stream(fp, path, bpf, inner, sizeof inner);
    if (!cf->h) {
        char why[CAPTURE_ERRLEN];
        if (gz_fault(cf->gz, why, sizeof why))
            snprintf(err, errlen, "%s: not a readable gzip'd capture: %s", path, why);
        else
            snprintf(err, errlen, gz ? "%s (gzip'd)" : "%s", inner);
        return -1;
    }
    struct stat st;
    if (fd < 0 && stat(path, &st) == 0)
        cf->open_size = st.st_size;
    return 0;
}

/* Standard input: its first two bytes say whether it is gzip'd. They cannot
 * be pushed back into a pipe, so either way it is read through a stream of
 * our own that gives them first. */
static int open_stdin(capture_file *cf, const char *bpf, char *err, size_t errlen)
{
    uint8_t m[2];
    size_t got = 0;
    while (got < 2) {
        ssize_t k = read(0, m + got, 2 - got);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            break;
        got += (size_t)k;
    }
    int fd = dup(0);
    if (fd < 0) {
        snprintf(err, errlen, "-: cannot read standard input: %s", strerror(errno));
        return -1;
    }
    return open_gzip(cf, "-", bpf, fd, m, got, got == 2 && m[0] == 0x1f && m[1] == 0x8b, err, errlen);
}

capture_file *capture_file_open(const char *path, const char *bpf, char *err, size_t errlen)
{
    capture_file *cf = calloc(1, sizeof(*cf));
    if (!cf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    cf->fd = -1;
    cf->guard = -1;
    cf->open_size = -1;
    cf->path = strdup(path);
    if (!cf->path) {
        free(cf);
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    if ((!bpf || !*bpf) && strcmp(path, "-") != 0 && probe_classic(cf, path) == 0) {
        cf->guard = guard_take();
        return cf;
    }
    if (strcmp(path, "-") == 0 || is_gzip(path)) {
        if ((strcmp(path, "-") == 0 ? open_stdin(cf, bpf, err, errlen)
                                    : open_gzip(cf, path, bpf, -1, NULL, 0, 1, err, errlen)) != 0) {
            free(cf->gz);
            free(cf->path);
            free(cf);
            return NULL;
        }
        return cf;
    }
    cf->h = capture_open_file(path, bpf, err, errlen);
    if (!cf->h) {
        free(cf->path);
        free(cf);
        return NULL;
    }
    struct stat st;
    if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode))
        cf->open_size = st.st_size;
    return cf;
}

int capture_file_linktype(const capture_file *cf) { return cf->h ? pcap_datalink(cf->h) : cf->dlt; }

int capture_file_mapped(const capture_file *cf) { return cf->h == NULL; }

const char *capture_file_error(const capture_file *cf) { return cf->err; }

int64_t capture_file_pos(const capture_file *cf)
{
    if (!cf->h)
        return (int64_t)cf->pos;
    if (cf->gz && cf->gz->plain)
        return -1; /* standard input as it is: a pipe */
    if (cf->gz) /* compressed bytes, as the file's size is */
        return cf->gz->live ? (int64_t)gz_consumed(cf->gz) : (int64_t)cf->gz->in;
    FILE *f = pcap_file(cf->h);
    return f ? (int64_t)ftell(f) : -1;
}

int capture_file_hold(capture_file *cf)
{
    if (cf->h || cf->follow)
        return 0;
    guard_set(cf->guard, NULL, 0);
    if (cf->win)
        munmap((void *)cf->win, cf->win_len);
    cf->win = NULL;
    void *m = mmap(NULL, cf->size, PROT_READ, MAP_PRIVATE, cf->fd, 0);
    if (m == MAP_FAILED)
        return 0;
    madvise(m, cf->size, MADV_SEQUENTIAL);
    guard_set(cf->guard, m, cf->size);
    cf->win = m;
    cf->win_off = 0;
    cf->win_len = cf->size;
    cf->held = 1;
    cf->released = 0;
    cf->populated = 0;
    return 1;
}

void capture_file_release(capture_file *cf, uint64_t upto)
{
    if (!cf->held)
        return;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    upto &= ~(page - 1);
    if (upto > cf->size)
        upto = cf->size & ~(page - 1);
    if (upto <= cf->released)
        return;
    /* a private read-only file mapping: the pages come back from the page
     * cache if touched again, nothing is lost */
    madvise((void *)(cf->win + cf->released), upto - cf->released, MADV_DONTNEED);
    cf->released = upto;
}

/* Maps the window that holds [lo, hi) of the file. */
static int cover(capture_file *cf, uint64_t lo, uint64_t hi)
{
    if (cf->win && lo >= cf->win_off && hi <= cf->win_off + cf->win_len)
        return 0;
    if (cf->held) {
        snprintf(cf->err, sizeof(cf->err), "the file changed size while it was read");
        return -1;
    }
    guard_set(cf->guard, NULL, 0);
    if (cf->win)
        munmap((void *)cf->win, cf->win_len);
    cf->win = NULL;
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t off = lo & ~(page - 1);
    uint64_t len = cf->size - off < WINDOW ? cf->size - off : WINDOW;
    if (len < hi - off)
        len = hi - off;
    void *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, cf->fd, (off_t)off);
    if (m == MAP_FAILED) {
        snprintf(cf->err, sizeof(cf->err), "cannot map the file: %s", strerror(errno));
        return -1;
    }
    madvise(m, len, MADV_SEQUENTIAL);
    guard_set(cf->guard, m, len);
    cf->win = m;
    cf->win_off = off;
    cf->win_len = len;
    return 0;
}

/* Asks the file for its size: a file that shrank is cut (the reader stops at
 * its new end), one that grew is taken in when following, else noted. */
static void refresh_size(capture_file *cf)
{
    struct stat st;
    cf->checked = cf->pos;
    if (fstat(cf->fd, &st) != 0)
        return;
    uint64_t now = (uint64_t)st.st_size;
    if (now < cf->size) {
        cf->size = now;
        cf->cut = 1;
    } else if (now > cf->size && !cf->cut) {
        if (cf->follow)
            cf->size = now;
        else
            cf->grown = (int64_t)now;
    }
}

static int cut_error(capture_file *cf)
{
    snprintf(cf->err, sizeof(cf->err),
             "capture truncated while it was read: %lld bytes at open, %llu now",
             (long long)cf->open_size, (unsigned long long)cf->size);
    return -1;
}

/* libpcap's reader at its end: a cut or a grown file is told as such. */
static int pcap_end(capture_file *cf, int rc)
{
    struct stat st;
    if (cf->open_size >= 0 && stat(cf->path, &st) == 0) {
        if (st.st_size < cf->open_size) {
            cf->cut = 1;
            cf->size = (uint64_t)st.st_size;
            return cut_error(cf);
        }
        if (st.st_size > cf->open_size) {
            cf->grown = st.st_size;
            return 0; /* a record cut short by the writer is not damage */
        }
    }
    if (rc == PCAP_ERROR_BREAK)
        return 0;
    snprintf(cf->err, sizeof(cf->err), "%s", pcap_geterr(cf->h));
    return -1;
}

/* libpcap found the capture inside a gzip damaged. Corrupt deflate data
 * often inflates to garbage before zlib can tell (the CRC is checked at the
 * end), so the rest of the stream is inflated, and nothing else kept, to
 * see whether the gzip itself is at fault: then that is the reason. */
static int gz_damage(capture_file *cf)
{
    char inner[256];
    snprintf(inner, sizeof inner, "%s", pcap_geterr(cf->h));
    static _Thread_local char sink[16384];
    while (gz_read(cf->gz, sink, sizeof sink) > 0) {
    }
    char why[200];
    if (gz_fault(cf->gz, why, sizeof why))
        snprintf(cf->err, sizeof(cf->err), "%s; the capture inflated from it broke first: %s", why, inner);
    else
        snprintf(cf->err, sizeof(cf->err), "%s (the gzip itself is sound)", inner);
    return -1;
}

int capture_file_next(capture_file *cf, capture_pkt *p)
{
    if (cf->h) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc;
        while ((rc = pcap_next_ex(cf->h, &hdr, &data)) == 0) {
        }
        if (rc < 0) {
            /* the gzip layer's fault, when it had one, is the reason */
            char why[CAPTURE_ERRLEN];
            if (gz_fault(cf->gz, why, sizeof why)) {
                snprintf(cf->err, sizeof(cf->err), "%s", why);
                return -1;
            }
            if (cf->gz && !cf->gz->plain && rc == PCAP_ERROR)
                return gz_damage(cf);
            return pcap_end(cf, rc);
        }
        p->ts_usec = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
        p->caplen = hdr->caplen;
        p->len = hdr->len;
        p->data = data;
        return 1;
    }
    if (cf->cut && cf->pos >= cf->size)
        return cut_error(cf);
    if (guard_hit(cf->guard) || cf->pos - cf->checked >= SIZE_CHECK_EVERY)
        refresh_size(cf);
    for (int tries = 0;; tries++) {
        uint64_t left = cf->pos < cf->size ? cf->size - cf->pos : 0;
        const char *partial = NULL;
        if (left >= 16) {
            uint64_t win_end = cf->win_off + cf->win_len;
            if ((!cf->win || cf->pos < cf->win_off || cf->pos + 16 > win_end) &&
                cover(cf, cf->pos, cf->pos + 16) < 0)
                return -1;
            uint32_t caplen = get32(cf->win + (cf->pos - cf->win_off) + 8, cf->swapped);
            if (caplen > MAX_CAPLEN) {
                snprintf(cf->err, sizeof(cf->err),
                         "invalid packet capture length %u, bigger than maximum of %u", caplen, MAX_CAPLEN);
                if (guard_hit(cf->guard))
                    refresh_size(cf);
                return cf->cut ? cut_error(cf) : -1;
            }
            if (left - 16 >= caplen)
                break; /* a whole record */
            snprintf(cf->err, sizeof(cf->err), "truncated dump file; tried to read %u captured bytes, only got %u",
                     caplen, (unsigned)(left - 16));
            partial = cf->err;
        } else if (left > 0) {
            snprintf(cf->err, sizeof(cf->err), "truncated dump file; tried to read 16 header bytes, only got %u",
                     (unsigned)left);
            partial = cf->err;
        }
        /* The end, or a record the file does not hold whole: ask the file
         * once whether it changed before deciding. */
        if (tries == 0) {
            refresh_size(cf);
            continue;
        }
        if (cf->cut)
            return cut_error(cf);
        if (cf->follow || (partial && cf->grown))
            return 0; /* more may come, or the writer was mid-record */
        return partial ? -1 : 0;
    }
#ifdef MADV_POPULATE_READ
    if (cf->held && cf->pos >= cf->populated && cf->populated < cf->size) {
        /* map the next stretch in one call rather than a fault per page
         * (an older kernel refuses it: then the faults do the work) */
        uint64_t from = cf->populated, len = cf->size - from < WINDOW ? cf->size - from : WINDOW;
        madvise((void *)(cf->win + from), len, MADV_POPULATE_READ);
        cf->populated = from + len;
    }
#endif
    uint32_t caplen;
    const uint8_t *h;
    for (;;) {
        h = cf->win + (cf->pos - cf->win_off);
        caplen = get32(h + 8, cf->swapped);
        if (cf->pos + 16 + caplen > cf->win_off + cf->win_len && cover(cf, cf->pos, cf->pos + 16 + caplen) < 0)
            return -1;
        h = cf->win + (cf->pos - cf->win_off);
        if (!guard_hit(cf->guard))
            break;
        /* the header came from a page the file no longer has */
        refresh_size(cf);
        if (cf->pos + 16 + (uint64_t)caplen > cf->size)
            return cut_error(cf);
        break;
    }
    uint32_t sec = get32(h, cf->swapped), frac = get32(h + 4, cf->swapped), len = get32(h + 12, cf->swapped);
    p->ts_usec = (uint64_t)sec * 1000000u + (cf->nsec ? frac / 1000u : frac);
    p->caplen = caplen;
    p->len = len;
    p->data = h + 16;
    cf->pos += 16 + (uint64_t)caplen;
    return 1;
}

int capture_file_follow(capture_file *cf)
{
    if (cf->h || cf->held)
        return 0;
    cf->follow = 1;
    return 1;
}

int capture_file_cut(const capture_file *cf) { return cf->cut; }

int64_t capture_file_grown(const capture_file *cf) { return cf->cut ? 0 : cf->grown; }

int64_t capture_file_open_size(const capture_file *cf) { return cf->open_size; }

void capture_file_close(capture_file *cf)
{
    if (!cf)
        return;
    if (cf->h)
        pcap_close(cf->h); /* closes a gzip'd capture's stream too */
    free(cf->gz);
    guard_set(cf->guard, NULL, 0);
    if (cf->win)
        munmap((void *)cf->win, cf->win_len);
    guard_give_back(cf->guard);
    if (cf->fd >= 0)
        close(cf->fd);
    free(cf->path);
    free(cf);
}
