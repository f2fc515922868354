#include "pcapfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "capture.h"

/* Bytes of the file mapped at once. Small enough that the window adds little
 * to the resident set, large enough that remapping costs nothing per packet. */
#define WINDOW (8u << 20)
/* libpcap's largest snapshot length: a record claiming more is damage. */
#define MAX_CAPLEN 262144u

struct capture_file {
    /* libpcap path */
    pcap_t *h;
    /* mapped path */
    int fd;
    uint64_t size, pos;
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
    cf->pos = 24;
    cf->swapped = swapped;
    cf->nsec = nsec;
    cf->dlt = dlt;
    return 0;
}

capture_file *capture_file_open(const char *path, const char *bpf, char *err, size_t errlen)
{
    capture_file *cf = calloc(1, sizeof(*cf));
    if (!cf) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    cf->fd = -1;
    if ((!bpf || !*bpf) && strcmp(path, "-") != 0 && probe_classic(cf, path) == 0)
        return cf;
    cf->h = capture_open_file(path, bpf, err, errlen);
    if (!cf->h) {
        free(cf);
        return NULL;
    }
    return cf;
}

int capture_file_linktype(const capture_file *cf) { return cf->h ? pcap_datalink(cf->h) : cf->dlt; }

int capture_file_mapped(const capture_file *cf) { return cf->h == NULL; }

const char *capture_file_error(const capture_file *cf) { return cf->err; }

int64_t capture_file_pos(const capture_file *cf)
{
    if (!cf->h)
        return (int64_t)cf->pos;
    FILE *f = pcap_file(cf->h);
    return f ? (int64_t)ftell(f) : -1;
}

int capture_file_hold(capture_file *cf)
{
    if (cf->h)
        return 0;
    if (cf->win)
        munmap((void *)cf->win, cf->win_len);
    cf->win = NULL;
    void *m = mmap(NULL, cf->size, PROT_READ, MAP_PRIVATE, cf->fd, 0);
    if (m == MAP_FAILED)
        return 0;
    madvise(m, cf->size, MADV_SEQUENTIAL);
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
    cf->win = m;
    cf->win_off = off;
    cf->win_len = len;
    return 0;
}

int capture_file_next(capture_file *cf, capture_pkt *p)
{
    if (cf->h) {
        struct pcap_pkthdr *hdr;
        const u_char *data;
        int rc;
        while ((rc = pcap_next_ex(cf->h, &hdr, &data)) == 0) {
        }
        if (rc == PCAP_ERROR_BREAK)
            return 0;
        if (rc < 0) {
            snprintf(cf->err, sizeof(cf->err), "%s", pcap_geterr(cf->h));
            return -1;
        }
        p->ts_usec = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
        p->caplen = hdr->caplen;
        p->len = hdr->len;
        p->data = data;
        return 1;
    }
    if (cf->pos >= cf->size)
        return 0;
#ifdef MADV_POPULATE_READ
    if (cf->held && cf->pos >= cf->populated) {
        /* map the next stretch in one call rather than a fault per page
         * (an older kernel refuses it: then the faults do the work) */
        uint64_t from = cf->populated, len = cf->size - from < WINDOW ? cf->size - from : WINDOW;
        madvise((void *)(cf->win + from), len, MADV_POPULATE_READ);
        cf->populated = from + len;
    }
#endif
    uint64_t left = cf->size - cf->pos;
    if (left < 16) {
        snprintf(cf->err, sizeof(cf->err), "truncated dump file; tried to read 16 header bytes, only got %u",
                 (unsigned)left);
        return -1;
    }
    uint64_t win_end = cf->win_off + cf->win_len;
    if ((!cf->win || cf->pos < cf->win_off || cf->pos + 16 > win_end) && cover(cf, cf->pos, cf->pos + 16) < 0)
        return -1;
    const uint8_t *h = cf->win + (cf->pos - cf->win_off);
    uint32_t sec = get32(h, cf->swapped), frac = get32(h + 4, cf->swapped);
    uint32_t caplen = get32(h + 8, cf->swapped), len = get32(h + 12, cf->swapped);
    if (caplen > MAX_CAPLEN) {
        snprintf(cf->err, sizeof(cf->err), "invalid packet capture length %u, bigger than maximum of %u",
                 caplen, MAX_CAPLEN);
        return -1;
    }
    if (left - 16 < caplen) {
        snprintf(cf->err, sizeof(cf->err), "truncated dump file; tried to read %u captured bytes, only got %u",
                 caplen, (unsigned)(left - 16));
        return -1;
    }
    if (cf->pos + 16 + caplen > cf->win_off + cf->win_len && cover(cf, cf->pos, cf->pos + 16 + caplen) < 0)
        return -1;
    p->ts_usec = (uint64_t)sec * 1000000u + (cf->nsec ? frac / 1000u : frac);
    p->caplen = caplen;
    p->len = len;
    p->data = cf->win + (cf->pos + 16 - cf->win_off);
    cf->pos += 16 + (uint64_t)caplen;
    return 1;
}

void capture_file_close(capture_file *cf)
{
    if (!cf)
        return;
    if (cf->h)
        pcap_close(cf->h);
    if (cf->win)
        munmap((void *)cf->win, cf->win_len);
    if (cf->fd >= 0)
        close(cf->fd);
    free(cf);
}
