#include "appid.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ndpi_api.h>

struct appid {
    struct ndpi_detection_module_struct *ndpi;
    uint32_t max_packets;
    appid_stats stats;
};

struct appid_flow {
    ndpi_protocol proto;
    uint32_t packets;
    bool done;
    struct ndpi_flow_struct *nf; /* freed as soon as the flow is classified */
};

appid *appid_new(uint32_t max_packets)
{
    appid *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->max_packets = max_packets ? max_packets : 1;
    return a;
}

/* nDPI's module is made when the first flow needs it: its set-up (host and
 * address lists, about 50 million instructions, twice that with its
 * teardown) is most of a run's start-up, and traffic on the SMB ports never
 * needs it. */
static bool ensure_ndpi(appid *a)
{
    if (a->ndpi)
        return true;
    a->ndpi = ndpi_init_detection_module(ndpi_no_prefs);
    if (!a->ndpi)
        return false;
    NDPI_PROTOCOL_BITMASK all;
    NDPI_BITMASK_SET_ALL(all);
    ndpi_set_protocol_detection_bitmask2(a->ndpi, &all);
    ndpi_finalize_initialization(a->ndpi);
    return true;
}

void appid_free(appid *a)
{
    if (!a)
        return;
    if (a->ndpi)
        ndpi_exit_detection_module(a->ndpi);
    free(a);
}

appid_flow *appid_flow_new(appid *a)
{
    if (!ensure_ndpi(a)) {
        a->stats.alloc_failures++;
        return NULL;
    }
    appid_flow *f = calloc(1, sizeof(*f));
    if (!f) {
        a->stats.alloc_failures++;
        return NULL;
    }
    f->nf = calloc(1, ndpi_detection_get_sizeof_ndpi_flow_struct());
    if (!f->nf) {
        free(f);
        a->stats.alloc_failures++;
        return NULL;
    }
    return f;
}

static void release_ndpi(appid_flow *f)
{
    if (f->nf) {
        ndpi_free_flow_data(f->nf);
        free(f->nf);
        f->nf = NULL;
    }
}

void appid_flow_free(appid *a, appid_flow *f)
{
    (void)a;
    if (!f)
        return;
    release_ndpi(f);
    free(f);
}

void appid_giveup(appid *a, appid_flow *f)
{
    if (f->done)
        return;
    uint8_t guessed = 0;
    f->proto = ndpi_detection_giveup(a->ndpi, f->nf, 1, &guessed);
    f->done = true;
    a->stats.flows_given_up++;
    release_ndpi(f);
}

bool appid_packet(appid *a, appid_flow *f, const uint8_t *l3, uint32_t l3_len, uint64_t ts_usec)
{
    if (f->done)
        return true;
    if (l3_len > 0xffff)
        l3_len = 0xffff;
    a->stats.packets_inspected++;
    f->proto = ndpi_detection_process_packet(a->ndpi, f->nf, l3, (unsigned short)l3_len, ts_usec / 1000);
    f->packets++;
    if (f->proto.app_protocol != NDPI_PROTOCOL_UNKNOWN || f->proto.master_protocol != NDPI_PROTOCOL_UNKNOWN) {
        f->done = true;
        a->stats.flows_classified++;
        release_ndpi(f);
        return true;
    }
    if (f->packets >= a->max_packets) {
        appid_giveup(a, f);
        return true;
    }
    return false;
}

const char *appid_name(appid *a, const appid_flow *f, char *buf, size_t n)
{
    if (!f || n == 0)
        return "Unknown";
    ndpi_protocol p = f->proto;
    if (p.app_protocol == NDPI_PROTOCOL_UNKNOWN && p.master_protocol == NDPI_PROTOCOL_UNKNOWN) {
        snprintf(buf, n, "Unknown");
        return buf;
    }
    return ndpi_protocol2name(a->ndpi, p, buf, (u_int)n);
}

bool appid_is_smb(const appid_flow *f)
{
    uint16_t p = f->proto.app_protocol, m = f->proto.master_protocol;
    return p == NDPI_PROTOCOL_SMBV1 || p == NDPI_PROTOCOL_SMBV23 || m == NDPI_PROTOCOL_SMBV1 ||
           m == NDPI_PROTOCOL_SMBV23;
}

const appid_stats *appid_get_stats(const appid *a) { return &a->stats; }
