#include "../detect/yaml_depth.h"
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

/* Strings handed to pw_options live here until config_release(). */
static char **g_strings;
static size_t g_nstrings, g_capstrings;

static const char *keep(const char *s)
{
    if (g_nstrings == g_capstrings) {
        size_t ncap = g_capstrings ? g_capstrings * 2 : 32;
        char **n = realloc(g_strings, ncap * sizeof(char *));
        if (!n)
            return NULL;
        g_strings = n;
        g_capstrings = ncap;
    }
    char *d = strdup(s);
    if (d)
        g_strings[g_nstrings++] = d;
    return d;
}

void config_release(void)
{
    for (size_t i = 0; i < g_nstrings; i++)
        free(g_strings[i]);
    free(g_strings);
    g_strings = NULL;
    g_nstrings = g_capstrings = 0;
}

typedef struct cfg {
    yaml_document_t *doc;
    const char *file;
    pw_options *o;
    char *err;
    size_t errlen;
    bool failed;
    const yaml_node_t *key; /* the key being applied: unknown keys are reported at its line */
} cfg;

static unsigned line_of(const yaml_node_t *n) { return n ? (unsigned)n->start_mark.line + 1 : 0; }

static bool fail(cfg *c, const yaml_node_t *n, const char *key, const char *fmt, const char *val)
{
    if (!c->failed) {
        char what[256];
        snprintf(what, sizeof(what), fmt, val ? val : "");
        snprintf(c->err, c->errlen, "%s:%u: %s: %s", c->file, line_of(n), key, what);
    }
    c->failed = true;
    return false;
}

static const char *scalar(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : NULL;
}

static bool want_scalar(cfg *c, const yaml_node_t *n, const char *key, const char **out)
{
    const char *s = scalar(n);
    if (!s)
        return fail(c, n, key, "expected a single value%s", "");
    *out = s;
    return true;
}

static bool get_bool(cfg *c, const yaml_node_t *n, const char *key, bool *out)
{
    const char *s = NULL;
    if (!want_scalar(c, n, key, &s))
        return false;
    static const char *yes[] = {"yes", "true", "on", "1", "y"};
    static const char *no[] = {"no", "false", "off", "0", "n"};
    for (size_t i = 0; i < 5; i++) {
        if (!strcasecmp(s, yes[i])) {
            *out = true;
            return true;
        }
        if (!strcasecmp(s, no[i])) {
            *out = false;
            return true;
        }
    }
    return fail(c, n, key, "'%s' is not yes or no", s);
}

static bool get_uint(cfg *c, const yaml_node_t *n, const char *key, unsigned long long min,
                     unsigned long long max, unsigned long long *out)
{
    const char *s = NULL;
    if (!want_scalar(c, n, key, &s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end || s[0] == '-' || v < min || v > max) {
        char msg[128];
        snprintf(msg, sizeof(msg), "'%%s' is not a whole number from %llu to %llu", min, max);
        return fail(c, n, key, msg, s);
    }
    *out = v;
    return true;
}

/* "64mb", "512kb", "1gb", "4096": Suricata's size notation. */
static bool get_size(cfg *c, const yaml_node_t *n, const char *key, unsigned long long min, unsigned long long max,
                     unsigned long long *out)
{
    const char *s = NULL;
    if (!want_scalar(c, n, key, &s))
        return false;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mul = 1;
    if (!strcasecmp(end, "kb") || !strcasecmp(end, "k") || !strcasecmp(end, "kib"))
        mul = 1024ull;
    else if (!strcasecmp(end, "mb") || !strcasecmp(end, "m") || !strcasecmp(end, "mib"))
        mul = 1024ull * 1024;
    else if (!strcasecmp(end, "gb") || !strcasecmp(end, "g") || !strcasecmp(end, "gib"))
        mul = 1024ull * 1024 * 1024;
    else if (*end)
        mul = 0;
    if (errno || end == s || s[0] == '-' || !mul || v > max / mul || v * mul < min) {
        char msg[160];
        snprintf(msg, sizeof(msg), "'%%s' is not a size from %llu to %llu bytes (e.g. 64mb, 512kb)", min, max);
        return fail(c, n, key, msg, s);
    }
    *out = v * mul;
    return true;
}

static bool get_string(cfg *c, const yaml_node_t *n, const char *key, const char **out)
{
    const char *s = NULL;
    if (!want_scalar(c, n, key, &s))
        return false;
    *out = keep(s);
    return *out != NULL || fail(c, n, key, "out of memory%s", "");
}

typedef bool (*section_fn)(cfg *c, const char *key, const char *path, yaml_node_t *val);

/* Calls fn for every key of a mapping; the section's own fn rejects unknown keys. */
static bool each_key(cfg *c, yaml_node_t *map, const char *path, section_fn fn)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return fail(c, map, path, "expected a mapping of keys%s", "");
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        const char *ks = scalar(k);
        if (!ks)
            return fail(c, k, path, "keys must be plain names%s", "");
        char full[256];
        snprintf(full, sizeof(full), "%s%s%s", path, *path ? "." : "", ks);
        c->key = k;
        if (!fn(c, ks, full, v))
            return false;
    }
    return true;
}

#define UNKNOWN(c, v, path) ((void)(v), fail(c, (c)->key, path, "unknown key%s", ""))
#define SEC(us) (us * 1000000ull)

static bool sec_timeouts_tcp(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "established")) {
        if (!get_uint(c, v, path, 1, 86400 * 30, &x))
            return false;
        c->o->flow.tcp_timeout_usec = SEC(x);
    } else if (!strcmp(k, "closed")) {
        if (!get_uint(c, v, path, 0, 86400, &x))
            return false;
        c->o->flow.tcp_closed_timeout_usec = SEC(x);
    } else if (!strcmp(k, "emergency-established")) {
        if (!get_uint(c, v, path, 0, 86400, &x))
            return false;
        c->o->flow.emergency_timeout_usec = SEC(x);
    } else
        return UNKNOWN(c, v, path);
    return true;
}

static bool sec_timeouts_udp(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (strcmp(k, "established") && strcmp(k, "new"))
        return UNKNOWN(c, v, path);
    if (!get_uint(c, v, path, 1, 86400, &x))
        return false;
    c->o->flow.udp_timeout_usec = SEC(x);
    return true;
}

static bool sec_flow_timeouts(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "tcp"))
        return each_key(c, v, path, sec_timeouts_tcp);
    if (!strcmp(k, "udp"))
        return each_key(c, v, path, sec_timeouts_udp);
    return UNKNOWN(c, v, path);
}

static bool sec_flow(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 1ull << 20, 1ull << 40, &x))
            return false;
        c->o->flow.max_flows = (uint32_t)(x / 1024 > 0xffffffffull ? 0xffffffffull : x / 1024);
    } else if (!strcmp(k, "max-flows")) {
        if (!get_uint(c, v, path, 16, 100000000, &x))
            return false;
        c->o->flow.max_flows = (uint32_t)x;
    } else
        return UNKNOWN(c, v, path);
    return true;
}

static bool sec_reassembly(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 64 * 1024, 1ull << 40, &x))
            return false;
        c->o->stream.memcap = (size_t)x;
    } else if (!strcmp(k, "max-held-per-direction")) {
        if (!get_size(c, v, path, 4096, 1ull << 30, &x))
            return false;
        c->o->stream.max_held_per_dir = (uint32_t)x;
    } else
        return UNKNOWN(c, v, path);
    return true;
}

static bool sec_stream(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 64 * 1024, 1ull << 40, &x))
            return false;
        c->o->stream.memcap = (size_t)x;
        return true;
    }
    if (!strcmp(k, "midstream"))
        return get_bool(c, v, path, &c->o->stream.midstream);
    if (!strcmp(k, "reassembly"))
        return each_key(c, v, path, sec_reassembly);
    return UNKNOWN(c, v, path);
}

static bool sec_defrag(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 64 * 1024, 1ull << 34, &x))
            return false;
        c->o->defrag_memcap = (size_t)x;
    } else if (!strcmp(k, "timeout")) {
        if (!get_uint(c, v, path, 1, 3600, &x))
            return false;
        c->o->defrag_timeout_usec = SEC(x);
    } else
        return UNKNOWN(c, v, path);
    return true;
}

/* "139, 445" or "[139, 445]" or a YAML list. */
static bool get_ports(cfg *c, yaml_node_t *v, const char *path)
{
    c->o->n_smb_ports = 0;
    char buf[256];
    if (v->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            unsigned long long x;
            yaml_node_t *n = yaml_document_get_node(c->doc, *it);
            if (!get_uint(c, n, path, 1, 65535, &x))
                return false;
            if (c->o->n_smb_ports == PW_MAX_PORTS)
                return fail(c, n, path, "at most 16 ports%s", "");
            c->o->smb_ports[c->o->n_smb_ports++] = (uint16_t)x;
        }
        return true;
    }
    const char *s = NULL;
    if (!want_scalar(c, v, path, &s))
        return false;
    snprintf(buf, sizeof(buf), "%s", s);
    for (char *save = NULL, *t = strtok_r(buf, "[], ", &save); t; t = strtok_r(NULL, "[], ", &save)) {
        char *end;
        unsigned long p = strtoul(t, &end, 10);
        if (*end || p < 1 || p > 65535)
            return fail(c, v, path, "'%s' is not a port number", t);
        if (c->o->n_smb_ports == PW_MAX_PORTS)
            return fail(c, v, path, "at most 16 ports%s", "");
        c->o->smb_ports[c->o->n_smb_ports++] = (uint16_t)p;
    }
    return true;
}

static bool sec_detection_ports(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "dp"))
        return get_ports(c, v, path);
    return UNKNOWN(c, v, path);
}

static bool sec_smb(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    smb_limits *l = &c->o->smb;
    if (!strcmp(k, "enabled")) {
        bool b;
        if (!get_bool(c, v, path, &b))
            return false;
        if (!b)
            c->o->n_smb_ports = 0;
        return true;
    }
    if (!strcmp(k, "detection-ports"))
        return each_key(c, v, path, sec_detection_ports);
    uint32_t *dst = !strcmp(k, "max-sessions") ? &l->max_sessions
                    : !strcmp(k, "max-trees")  ? &l->max_trees
                    : !strcmp(k, "max-files")  ? &l->max_files
                    : !strcmp(k, "max-pending") ? &l->max_pending
                                                : NULL;
    if (dst) {
        if (!get_uint(c, v, path, 1, 1000000, &x))
            return false;
        *dst = (uint32_t)x;
        return true;
    }
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 1ull << 20, 1ull << 40, &x))
            return false;
        c->o->smb_memcap = (size_t)x;
        return true;
    }
    if (!strcmp(k, "max-servers") || !strcmp(k, "max-tickets")) {
        if (!get_uint(c, v, path, 1, 1000000, &x))
            return false;
        *(k[4] == 's' ? &c->o->max_servers : &c->o->max_tickets) = (uint32_t)x;
        return true;
    }
    if (!strcmp(k, "max-pdu-buffer")) {
        if (!get_size(c, v, path, 1024, 16ull << 20, &x))
            return false;
        l->max_pdu_buffer = (uint32_t)x;
        return true;
    }
    if (!strcmp(k, "max-rpc-buffer")) {
        if (!get_size(c, v, path, 1024, 16ull << 20, &x))
            return false;
        l->max_rpc_buffer = (uint32_t)x;
        return true;
    }
    return UNKNOWN(c, v, path);
}

static bool sec_ndpi(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "enabled"))
        return get_bool(c, v, path, &c->o->appid_enabled);
    if (!strcmp(k, "max-packets")) {
        if (!get_uint(c, v, path, 1, 1000, &x))
            return false;
        c->o->appid_max_packets = (uint32_t)x;
        return true;
    }
    return UNKNOWN(c, v, path);
}

static bool sec_protocols(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "smb"))
        return each_key(c, v, path, sec_smb);
    return UNKNOWN(c, v, path);
}

static bool sec_app_layer(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "protocols"))
        return each_key(c, v, path, sec_protocols);
    if (!strcmp(k, "ndpi"))
        return each_key(c, v, path, sec_ndpi);
    return UNKNOWN(c, v, path);
}

static bool sec_stats(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "enabled"))
        return get_bool(c, v, path, &c->o->log_stats);
    if (!strcmp(k, "interval")) {
        if (!get_uint(c, v, path, 0, 86400, &x))
            return false;
        c->o->stats_interval_usec = SEC(x);
        return true;
    }
    return UNKNOWN(c, v, path);
}

static bool sec_correlation(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 64 * 1024, 1ull << 34, &x))
            return false;
        c->o->corr_memcap = (size_t)x;
        return true;
    }
    if (!strcmp(k, "max-events")) {
        if (!get_uint(c, v, path, 1, 1024, &x))
            return false;
        c->o->corr_max_events = (uint32_t)x;
        return true;
    }
    return UNKNOWN(c, v, path);
}

static bool sec_incidents(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    if (!strcmp(k, "memcap")) {
        if (!get_size(c, v, path, 256 * 1024, 1ull << 34, &x))
            return false;
        c->o->incident_memcap = (size_t)x;
        return true;
    }
    if (!strcmp(k, "timeout")) {
        if (!get_uint(c, v, path, 1, 86400, &x))
            return false;
        c->o->incident_gap_usec = SEC(x);
        return true;
    }
    return UNKNOWN(c, v, path);
}

static bool set_types(cfg *c, yaml_node_t *v, const char *path)
{
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, v, path, "expected a list such as [smb, winlog, alert, flow, stats]%s", "");
    pw_options *o = c->o;
    o->log_smb = o->log_winlog = o->log_alert = o->log_flow = o->log_incident = false;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *n = yaml_document_get_node(c->doc, *it);
        const char *s = scalar(n);
        if (!s && n && n->type == YAML_MAPPING_NODE && n->data.mapping.pairs.top > n->data.mapping.pairs.start)
            s = scalar(yaml_document_get_node(c->doc, n->data.mapping.pairs.start->key));
        if (!s)
            return fail(c, n, path, "expected a record type name%s", "");
        if (!strcmp(s, "smb"))
            o->log_smb = true;
        else if (!strcmp(s, "winlog"))
            o->log_winlog = true;
        else if (!strcmp(s, "alert"))
            o->log_alert = true;
        else if (!strcmp(s, "flow"))
            o->log_flow = true;
        else if (!strcmp(s, "stats"))
            o->log_stats = true;
        else if (!strcmp(s, "incident"))
            o->log_incident = true;
        else
            return fail(c, n, path, "unknown record type '%s' (known: smb, winlog, alert, flow, stats, incident)", s);
    }
    return true;
}

static bool sec_eve(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    const char *s = NULL;
    if (!strcmp(k, "enabled")) {
        bool on;
        if (!get_bool(c, v, path, &on))
            return false;
        if (!on)
            c->o->log_smb = c->o->log_winlog = c->o->log_alert = c->o->log_flow = c->o->log_stats =
                c->o->log_incident = false;
        return true;
    }
    if (!strcmp(k, "filename"))
        return get_string(c, v, path, &c->o->eve_filename);
    if (!strcmp(k, "append"))
        return get_bool(c, v, path, &c->o->eve_append);
    if (!strcmp(k, "types"))
        return set_types(c, v, path);
    if (!strcmp(k, "filetype")) {
        if (!want_scalar(c, v, path, &s))
            return false;
        if (!strcmp(s, "regular") || !strcmp(s, "file"))
            c->o->eve_type = EVE_REGULAR;
        else if (!strcmp(s, "unix_stream"))
            c->o->eve_type = EVE_UNIX_STREAM;
        else if (!strcmp(s, "unix_dgram"))
            c->o->eve_type = EVE_UNIX_DGRAM;
        else
            return fail(c, v, path, "'%s' is not one of regular, unix_stream, unix_dgram", s);
        return true;
    }
    return UNKNOWN(c, v, path);
}

static bool sec_output_item(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "eve-log"))
        return each_key(c, v, path, sec_eve);
    return UNKNOWN(c, v, path);
}

static bool sec_af_packet_item(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    unsigned long long x;
    const char *s = NULL;
    pw_options *o = c->o;
    if (!strcmp(k, "interface")) {
        if (!get_string(c, v, path, &s))
            return false;
        if (!strcmp(s, "default"))
            return true;
        if (o->n_interfaces == PW_MAX_PATHS)
            return fail(c, v, path, "too many interfaces%s", "");
        o->interfaces[o->n_interfaces++] = s;
        return true;
    }
    if (!strcmp(k, "threads")) {
        if (!want_scalar(c, v, path, &s))
            return false;
        if (!strcmp(s, "auto")) {
            o->workers = 0;
            return true;
        }
        if (!get_uint(c, v, path, 1, 64, &x))
            return false;
        o->workers = (int)x;
        return true;
    }
    if (!strcmp(k, "cluster-id")) {
        if (!get_uint(c, v, path, 0, 65535, &x))
            return false;
        o->cluster_id = (int)x;
        return true;
    }
    if (!strcmp(k, "cluster-type")) {
        if (!want_scalar(c, v, path, &s))
            return false;
        if (strcmp(s, "cluster_flow") && strcmp(s, "cluster_hash"))
            return fail(c, v, path, "'%s' is not supported (cluster_flow or cluster_hash keep both directions "
                                    "of a flow on one worker)", s);
        return true;
    }
    if (!strcmp(k, "buffer-size")) {
        if (!get_size(c, v, path, 1 << 20, 4ull << 30, &x))
            return false;
        o->buffer_size_mb = (int)(x >> 20);
        return true;
    }
    if (!strcmp(k, "promisc"))
        return get_bool(c, v, path, &o->promisc);
    if (!strcmp(k, "snaplen")) {
        if (!get_uint(c, v, path, 128, 262144, &x))
            return false;
        o->snaplen = (int)x;
        return true;
    }
    if (!strcmp(k, "bpf-filter"))
        return get_string(c, v, path, &o->bpf);
    return UNKNOWN(c, v, path);
}

static bool sec_pcap_file(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "bpf-filter"))
        return get_string(c, v, path, &c->o->bpf);
    return UNKNOWN(c, v, path);
}

static bool sec_run_as(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "user"))
        return get_string(c, v, path, &c->o->run_as_user);
    if (!strcmp(k, "group"))
        return get_string(c, v, path, &c->o->run_as_group);
    return UNKNOWN(c, v, path);
}

static bool each_item(cfg *c, yaml_node_t *seq, const char *path, section_fn fn)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return fail(c, seq, path, "expected a list%s", "");
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
        if (!each_key(c, yaml_document_get_node(c->doc, *it), path, fn))
            return false;
    return true;
}

static bool add_rule_path(cfg *c, yaml_node_t *n, const char *path)
{
    const char *s = NULL;
    if (!get_string(c, n, path, &s))
        return false;
    if (c->o->n_rule_paths == PW_MAX_PATHS)
        return fail(c, n, path, "at most 64 rule paths%s", "");
    c->o->rule_paths[c->o->n_rule_paths++] = s;
    return true;
}

static bool sec_top(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    if (!strcmp(k, "rule-files")) {
        if (v->type == YAML_SCALAR_NODE)
            return add_rule_path(c, v, path);
        if (v->type != YAML_SEQUENCE_NODE)
            return fail(c, v, path, "expected a list of rule files or directories%s", "");
        for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
            if (!add_rule_path(c, yaml_document_get_node(c->doc, *it), path))
                return false;
        return true;
    }
    if (!strcmp(k, "skip-bad-rules"))
        return get_bool(c, v, path, &c->o->skip_bad_rules);
    if (!strcmp(k, "outputs"))
        return each_item(c, v, path, sec_output_item);
    if (!strcmp(k, "af-packet"))
        return each_item(c, v, path, sec_af_packet_item);
    if (!strcmp(k, "pcap-file"))
        return each_key(c, v, path, sec_pcap_file);
    if (!strcmp(k, "stats"))
        return each_key(c, v, path, sec_stats);
    if (!strcmp(k, "correlation"))
        return each_key(c, v, path, sec_correlation);
    if (!strcmp(k, "incidents"))
        return each_key(c, v, path, sec_incidents);
    if (!strcmp(k, "flow"))
        return each_key(c, v, path, sec_flow);
    if (!strcmp(k, "flow-timeouts"))
        return each_key(c, v, path, sec_flow_timeouts);
    if (!strcmp(k, "stream"))
        return each_key(c, v, path, sec_stream);
    if (!strcmp(k, "defrag"))
        return each_key(c, v, path, sec_defrag);
    if (!strcmp(k, "app-layer"))
        return each_key(c, v, path, sec_app_layer);
    if (!strcmp(k, "run-as"))
        return each_key(c, v, path, sec_run_as);
    return UNKNOWN(c, v, path);
}

bool config_load_string(pw_options *o, const char *name, const char *text, size_t len, char *err, size_t errlen)
{
    unsigned deep_line; /* libyaml's work grows with the square of the nesting: bound it first */
    if (!yaml_depth_ok(text, len, YAML_MAX_DEPTH, &deep_line)) {
        snprintf(err, errlen, "%s:%u: YAML error: nested deeper than %d levels", name, deep_line, YAML_MAX_DEPTH);
        return false;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        snprintf(err, errlen, "%s: out of memory", name);
        return false;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    if (!yaml_parser_load(&parser, &doc)) {
        snprintf(err, errlen, "%s:%zu: YAML error: %s", name, parser.problem_mark.line + 1,
                 parser.problem ? parser.problem : "unreadable");
        yaml_parser_delete(&parser);
        return false;
    }
    cfg c = {&doc, name, o, err, errlen, false, NULL};
    yaml_node_t *root = yaml_document_get_root_node(&doc);
    bool ok = true;
    if (root && !(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0))
        ok = each_key(&c, root, "", sec_top);
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return ok;
}

bool config_load(pw_options *o, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "config %s: cannot read: %s", path, strerror(errno));
        return false;
    }
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t n = fread(buf + len, 1, cap - len, f);
        len += n;
        if (len < cap)
            break;
        if (cap >= (16u << 20)) {
            free(buf);
            fclose(f);
            snprintf(err, errlen, "config %s: larger than 16 MiB, not a configuration file", path);
            return false;
        }
        char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        free(buf);
        snprintf(err, errlen, "config %s: cannot read%s", path, rerr ? ": I/O error" : ": out of memory");
        return false;
    }
    bool ok = config_load_string(o, path, buf, len, err, errlen);
    free(buf);
    return ok;
}
