#include "capture.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decode.h"

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool push(char ***list, size_t *n, size_t *cap, char *s)
{
    if (!s)
        return false;
    if (*n + 2 > *cap) {
        size_t ncap = *cap ? *cap * 2 : 16;
        char **nl = realloc(*list, ncap * sizeof(char *));
        if (!nl) {
            free(s);
            return false;
        }
        *list = nl;
        *cap = ncap;
    }
    (*list)[(*n)++] = s;
    (*list)[*n] = NULL;
    return true;
}

char **capture_expand_paths(const char *const *paths, size_t n, char *err, size_t errlen)
{
    char **list = NULL;
    size_t len = 0, cap = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (strcmp(paths[i], "-") == 0) {
            if (!push(&list, &len, &cap, strdup("-")))
                goto oom;
            continue;
        }
        if (stat(paths[i], &st) != 0) {
            snprintf(err, errlen, "%s: cannot read capture: %s", paths[i], strerror(errno));
            goto fail;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (!push(&list, &len, &cap, strdup(paths[i])))
                goto oom;
            continue;
        }
        DIR *d = opendir(paths[i]);
        if (!d) {
            snprintf(err, errlen, "%s: cannot read directory: %s", paths[i], strerror(errno));
            goto fail;
        }
        size_t first = len;
        struct dirent *de;
        while ((de = readdir(d))) {
            if (de->d_name[0] == '.')
                continue;
            size_t pl = strlen(paths[i]) + strlen(de->d_name) + 2;
            char *full = malloc(pl);
            if (!full) {
                closedir(d);
                goto oom;
            }
            snprintf(full, pl, "%s/%s", paths[i], de->d_name);
            if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
                free(full);
                continue;
            }
            if (!push(&list, &len, &cap, full)) {
                closedir(d);
                goto oom;
            }
        }
        closedir(d);
        if (len == first) {
            snprintf(err, errlen, "%s: directory holds no capture files", paths[i]);
            goto fail;
        }
        qsort(list + first, len - first, sizeof(char *), cmp_str);
    }
    if (!list) {
        snprintf(err, errlen, "no capture given");
        return NULL;
    }
    return list;
oom:
    snprintf(err, errlen, "out of memory");
fail:
    capture_free_paths(list);
    return NULL;
}

void capture_free_paths(char **list)
{
    if (!list)
        return;
    for (char **p = list; *p; p++)
        free(*p);
    free(list);
}

static bool apply_filter(pcap_t *h, const char *what, const char *bpf, char *err, size_t errlen)
{
    if (!bpf || !*bpf)
        return true;
    struct bpf_program prog;
    if (pcap_compile(h, &prog, bpf, 1, PCAP_NETMASK_UNKNOWN) != 0) {
        snprintf(err, errlen, "%s: bad capture filter '%s': %s", what, bpf, pcap_geterr(h));
        return false;
    }
    int rc = pcap_setfilter(h, &prog);
    pcap_freecode(&prog);
    if (rc != 0) {
        snprintf(err, errlen, "%s: cannot set capture filter: %s", what, pcap_geterr(h));
        return false;
    }
    return true;
}

static pcap_t *checked(pcap_t *h, const char *path, const char *bpf, char *err, size_t errlen);

pcap_t *capture_open_file(const char *path, const char *bpf, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    struct stat st;
    if (strcmp(path, "-") == 0) {
        st.st_mode = S_IFIFO; /* libpcap reads "-" as standard input */
    } else if (stat(path, &st) != 0) {
        snprintf(err, errlen, "%s: cannot read capture: %s", path, strerror(errno));
        return NULL;
    }
    if (S_ISREG(st.st_mode) && st.st_size == 0) {
        snprintf(err, errlen, "%s: empty file, not a capture", path);
        return NULL;
    }
    /* libpcap words every failure to open as a bad file; a file we may not
     * read is told as such. */
    if (!S_ISFIFO(st.st_mode) && access(path, R_OK) != 0) {
        snprintf(err, errlen, "%s: cannot read capture: %s", path,
                 errno == EACCES ? "permission denied" : strerror(errno));
        return NULL;
    }
    pcap_t *h = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!h) {
        snprintf(err, errlen, "%s: not a readable pcap or pcapng capture: %s", path, perr);
        return NULL;
    }
    return checked(h, path, bpf, err, errlen);
}

pcap_t *capture_open_stream(FILE *fp, const char *path, const char *bpf, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *h = pcap_fopen_offline_with_tstamp_precision(fp, PCAP_TSTAMP_PRECISION_MICRO, perr);
    if (!h) {
        fclose(fp);
        snprintf(err, errlen, "%s: not a readable pcap or pcapng capture: %s", path, perr);
        return NULL;
    }
    return checked(h, path, bpf, err, errlen);
}

/* The link type checked and the filter set on an opened capture file. */
static pcap_t *checked(pcap_t *h, const char *path, const char *bpf, char *err, size_t errlen)
{
    int dlt = pcap_datalink(h);
    if (!decode_linktype_supported(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen, "%s: unsupported link type %d (%s)", path, dlt, name ? name : "unknown");
        pcap_close(h);
        return NULL;
    }
    if (!apply_filter(h, path, bpf, err, errlen)) {
        pcap_close(h);
        return NULL;
    }
    return h;
}

pcap_t *capture_open_live(const char *iface, int snaplen, int buffer_mb, bool promisc, const char *bpf,
                          char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *h = pcap_create(iface, perr);
    if (!h) {
        snprintf(err, errlen, "interface %s: %s", iface, perr);
        return NULL;
    }
    pcap_set_snaplen(h, snaplen);
    pcap_set_promisc(h, promisc ? 1 : 0);
    /* No immediate mode: libpcap then maps a TPACKET_V3 ring, where packets
     * are packed into large blocks at their captured length (immediate mode
     * falls back to TPACKET_V2, one snaplen-sized slot per packet: a 64 MB
     * ring held about a thousand packets at snaplen 65535). The kernel hands
     * over a block when it is full or when it has waited this long, which
     * bounds the delay on a quiet link. */
    pcap_set_immediate_mode(h, 0);
    pcap_set_timeout(h, CAPTURE_BLOCK_TIMEOUT_MS);
    if (buffer_mb > 0)
        pcap_set_buffer_size(h, buffer_mb * 1024 * 1024);
    int rc = pcap_activate(h);
    if (rc < 0) {
        const char *why = pcap_geterr(h);
        switch (rc) {
        case PCAP_ERROR_NO_SUCH_DEVICE:
            snprintf(err, errlen, "interface %s: no such interface (%s)", iface, why);
            break;
        case PCAP_ERROR_PERM_DENIED:
            snprintf(err, errlen, "interface %s: permission denied: run as root or give the binary "
                                  "CAP_NET_RAW (%s)", iface, why);
            break;
        case PCAP_ERROR_IFACE_NOT_UP:
            snprintf(err, errlen, "interface %s: interface is down", iface);
            break;
        default:
            snprintf(err, errlen, "interface %s: cannot capture: %s", iface, why);
        }
        pcap_close(h);
        return NULL;
    }
    int dlt = pcap_datalink(h);
    if (!decode_linktype_supported(dlt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        snprintf(err, errlen, "interface %s: unsupported link type %d (%s)", iface, dlt, name ? name : "unknown");
        pcap_close(h);
        return NULL;
    }
    if (!apply_filter(h, iface, bpf, err, errlen)) {
        pcap_close(h);
        return NULL;
    }
    return h;
}
