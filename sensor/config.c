#include "../detect/yaml_depth.h"
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <yaml.h>

#include "layout.h"
#include "output.h"

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

/* ------------------------------------------------------------ key table */

typedef enum key_kind {
    K_SECTION, /* a mapping of keys below this path */
    K_LIST,    /* a list of mappings, each of keys below this path */
    K_BOOL,
    K_UINT,   /* a whole number from min to max */
    K_SIZE,   /* a size (64mb, 512kb) from min to max bytes */
    K_STRING, /* kept until config_release() */
    K_CUSTOM, /* a value of its own shape: fn */
} key_kind;

typedef enum dst_type { D_NONE, D_BOOL, D_INT, D_U32, D_U64, D_SIZE, D_STR } dst_type;

typedef bool (*custom_fn)(cfg *c, yaml_node_t *v, const char *path);

/* One configuration key: its dotted path, what its value is, the bounds,
 * the unit conversion (stored = value * mul / div) and where in pw_options
 * it is stored. A new key is one row. */
typedef struct key_row {
    const char *path;
    key_kind kind;
    unsigned long long min, max;
    unsigned long long mul, div;
    dst_type dst;
    size_t off;
    custom_fn fn;
} key_row;

#define OPT(field) offsetof(pw_options, field)
#define SECTION(p) {p, K_SECTION, 0, 0, 1, 1, D_NONE, 0, NULL}
#define LIST(p) {p, K_LIST, 0, 0, 1, 1, D_NONE, 0, NULL}
#define BOOL(p, field) {p, K_BOOL, 0, 1, 1, 1, D_BOOL, OPT(field), NULL}
#define UINT(p, lo, hi, field, dt) {p, K_UINT, lo, hi, 1, 1, dt, OPT(field), NULL}
#define SECONDS(p, lo, hi, field) {p, K_UINT, lo, hi, 1000000ull, 1, D_U64, OPT(field), NULL}
#define SIZE(p, lo, hi, field, dt) {p, K_SIZE, lo, hi, 1, 1, dt, OPT(field), NULL}
#define SIZE_IN(p, lo, hi, unit, field, dt) {p, K_SIZE, lo, hi, 1, unit, dt, OPT(field), NULL}
#define STRING(p, field) {p, K_STRING, 0, 0, 1, 1, D_STR, OPT(field), NULL}
#define CUSTOM(p, fn) {p, K_CUSTOM, 0, 0, 1, 1, D_NONE, 0, fn}
/* A destination's sub-block outputs.eve-log.NAME: the section and its far
 * end (server, port in 1..65535), in the pw_options member of that name;
 * FAR_KEY: one more string key of it. */
#define FAR_END(name, member)                                                                                    \
    SECTION("outputs.eve-log." name), STRING("outputs.eve-log." name ".server", member.server),                 \
        UINT("outputs.eve-log." name ".port", 1, 65535, member.port, D_INT)
#define FAR_KEY(name, key, field) STRING("outputs.eve-log." name "." key, field)

static bool set_rule_files(cfg *c, yaml_node_t *v, const char *path);
static bool set_types(cfg *c, yaml_node_t *v, const char *path);
static bool set_filetype(cfg *c, yaml_node_t *v, const char *path);
static bool set_layout(cfg *c, yaml_node_t *v, const char *path);
static bool set_eve_enabled(cfg *c, yaml_node_t *v, const char *path);
static bool set_smb_enabled(cfg *c, yaml_node_t *v, const char *path);
static bool set_ports(cfg *c, yaml_node_t *v, const char *path);
static bool set_interface(cfg *c, yaml_node_t *v, const char *path);
static bool set_threads(cfg *c, yaml_node_t *v, const char *path);
static bool check_cluster_type(cfg *c, yaml_node_t *v, const char *path);
static bool set_priority(cfg *c, yaml_node_t *v, const char *path);

static const key_row keys[] = {
    CUSTOM("rule-files", set_rule_files),
    BOOL("skip-bad-rules", skip_bad_rules),

    LIST("outputs"),
    SECTION("outputs.eve-log"),
    CUSTOM("outputs.eve-log.enabled", set_eve_enabled),
    STRING("outputs.eve-log.filename", eve_filename),
    BOOL("outputs.eve-log.append", eve_append),
    CUSTOM("outputs.eve-log.types", set_types),
    CUSTOM("outputs.eve-log.filetype", set_filetype),
    CUSTOM("outputs.eve-log.layout", set_layout),
    /* the destinations' sub-blocks, one shape: the far end (server, port),
     * then the keys of that destination */
    FAR_END("redis", redis),
    FAR_KEY("redis", "unix-socket", redis.unix_socket),
    FAR_KEY("redis", "key", redis.key),
    FAR_KEY("redis", "mode", redis.mode),
    FAR_KEY("redis", "password", redis.password),
    FAR_END("syslog", syslog),
    FAR_KEY("syslog", "protocol", syslog.protocol),
    FAR_KEY("syslog", "facility", syslog.facility),
    FAR_KEY("syslog", "level", syslog.level),
    FAR_END("gelf", gelf),
    FAR_KEY("gelf", "protocol", gelf.protocol),
    UINT("outputs.eve-log.gelf.chunk-size", 64, 65000, gelf.chunk_size, D_INT),

    LIST("af-packet"),
    CUSTOM("af-packet.interface", set_interface),
    CUSTOM("af-packet.threads", set_threads),
    UINT("af-packet.cluster-id", 0, 65535, cluster_id, D_INT),
    CUSTOM("af-packet.cluster-type", check_cluster_type),
    SIZE_IN("af-packet.buffer-size", 1ull << 20, 4ull << 30, 1ull << 20, buffer_size_mb, D_INT),
    BOOL("af-packet.promisc", promisc),
    UINT("af-packet.snaplen", 128, 262144, snaplen, D_INT),
    STRING("af-packet.bpf-filter", live_bpf),

    SECTION("threading"),
    CUSTOM("threading.priority", set_priority),

    SECTION("pcap-file"),
    STRING("pcap-file.bpf-filter", bpf),

    SECTION("stats"),
    BOOL("stats.enabled", log_stats),
    SECONDS("stats.interval", 0, 86400, stats_interval_usec),

    SECTION("incidents"),
    SIZE("incidents.memcap", 256 * 1024, 1ull << 34, incident_memcap, D_SIZE),
    SECONDS("incidents.timeout", 1, 86400, incident_gap_usec),
    SECTION("correlation"),
    SIZE("correlation.memcap", 64 * 1024, 1ull << 34, corr_memcap, D_SIZE),
    UINT("correlation.max-events", 1, 1024, corr_max_events, D_U32),

    SECTION("flow"),
    /* a memcap in bytes buys one flow entry per KiB */
    SIZE_IN("flow.memcap", 1ull << 20, 1ull << 40, 1024, flow.max_flows, D_U32),
    UINT("flow.max-flows", 16, 100000000, flow.max_flows, D_U32),

    SECTION("flow-timeouts"),
    SECTION("flow-timeouts.tcp"),
    SECONDS("flow-timeouts.tcp.established", 1, 86400 * 30, flow.tcp_timeout_usec),
    SECONDS("flow-timeouts.tcp.closed", 0, 86400, flow.tcp_closed_timeout_usec),
    SECONDS("flow-timeouts.tcp.emergency-established", 0, 86400, flow.emergency_timeout_usec),
    SECTION("flow-timeouts.udp"),
    SECONDS("flow-timeouts.udp.established", 1, 86400, flow.udp_timeout_usec),
    SECONDS("flow-timeouts.udp.new", 1, 86400, flow.udp_timeout_usec),

    SECTION("stream"),
    SIZE("stream.memcap", 64 * 1024, 1ull << 40, stream.memcap, D_SIZE),
    BOOL("stream.midstream", stream.midstream),
    SECTION("stream.reassembly"),
    SIZE("stream.reassembly.memcap", 64 * 1024, 1ull << 40, stream.memcap, D_SIZE),
    SIZE("stream.reassembly.max-held-per-direction", 4096, 1ull << 30, stream.max_held_per_dir, D_U32),

    SECTION("defrag"),
    SIZE("defrag.memcap", 64 * 1024, 1ull << 34, defrag_memcap, D_SIZE),
    SECONDS("defrag.timeout", 1, 3600, defrag_timeout_usec),

    SECTION("app-layer"),
    SECTION("app-layer.protocols"),
    SECTION("app-layer.protocols.smb"),
    CUSTOM("app-layer.protocols.smb.enabled", set_smb_enabled),
    SECTION("app-layer.protocols.smb.detection-ports"),
    CUSTOM("app-layer.protocols.smb.detection-ports.dp", set_ports),
    UINT("app-layer.protocols.smb.max-sessions", 1, 1000000, smb.max_sessions, D_U32),
    UINT("app-layer.protocols.smb.max-trees", 1, 1000000, smb.max_trees, D_U32),
    UINT("app-layer.protocols.smb.max-files", 1, 1000000, smb.max_files, D_U32),
    UINT("app-layer.protocols.smb.max-pending", 1, 1000000, smb.max_pending, D_U32),
    SIZE("app-layer.protocols.smb.memcap", 1ull << 20, 1ull << 40, smb_memcap, D_SIZE),
    SIZE("app-layer.protocols.smb.max-pdu-buffer", 1024, 16ull << 20, smb.max_pdu_buffer, D_U32),
    SIZE("app-layer.protocols.smb.max-rpc-buffer", 1024, 16ull << 20, smb.max_rpc_buffer, D_U32),
    UINT("app-layer.protocols.smb.max-servers", 1, 1000000, max_servers, D_U32),
    UINT("app-layer.protocols.smb.max-tickets", 1, 1000000, max_tickets, D_U32),
    SECTION("app-layer.protocols.dcerpc"),
    BOOL("app-layer.protocols.dcerpc.enabled", dcerpc_enabled),
    UINT("app-layer.protocols.dcerpc.max-endpoints", 1, 1000000, max_rpc_endpoints, D_U32),
    SECONDS("app-layer.protocols.dcerpc.endpoint-timeout", 1, 7 * 86400, rpc_endpoint_timeout_usec),
    SECTION("app-layer.ndpi"),
    BOOL("app-layer.ndpi.enabled", appid_enabled),
    UINT("app-layer.ndpi.max-packets", 1, 1000, appid_max_packets, D_U32),

    SECTION("run-as"),
    STRING("run-as.user", run_as_user),
    STRING("run-as.group", run_as_group),
};

static const key_row *find_key(const char *path)
{
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        if (!strcmp(keys[i].path, path))
            return &keys[i];
    return NULL;
}

/* Stores v (already within the row's bounds) in the destination, saturating
 * at the destination's width. */
static void store(const key_row *k, pw_options *o, unsigned long long v)
{
    void *dst = (char *)o + k->off;
    switch (k->dst) {
    case D_BOOL:
        *(bool *)dst = v != 0;
        break;
    case D_INT:
        *(int *)dst = v > INT_MAX ? INT_MAX : (int)v;
        break;
    case D_U32:
        *(uint32_t *)dst = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
        break;
    case D_U64:
        *(uint64_t *)dst = (uint64_t)v;
        break;
    case D_SIZE:
        *(size_t *)dst = v > SIZE_MAX ? SIZE_MAX : (size_t)v;
        break;
    default:
        break;
    }
}

typedef bool (*section_fn)(cfg *c, const char *key, const char *path, yaml_node_t *val);

/* Calls fn for every key of a mapping. */
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

static bool each_item(cfg *c, yaml_node_t *seq, const char *path, section_fn fn)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return fail(c, seq, path, "expected a list%s", "");
    for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++)
        if (!each_key(c, yaml_document_get_node(c->doc, *it), path, fn))
            return false;
    return true;
}

/* One key of the file: looked up by its full path and applied as its row says. */
static bool apply_key(cfg *c, const char *k, const char *path, yaml_node_t *v)
{
    (void)k;
    const key_row *row = find_key(path);
    if (!row)
        return fail(c, c->key, path, "unknown key%s", "");
    unsigned long long x = 0;
    bool b = false;
    const char *s = NULL;
    switch (row->kind) {
    case K_SECTION:
        return each_key(c, v, path, apply_key);
    case K_LIST:
        return each_item(c, v, path, apply_key);
    case K_BOOL:
        if (!get_bool(c, v, path, &b))
            return false;
        store(row, c->o, b);
        return true;
    case K_UINT:
        if (!get_uint(c, v, path, row->min, row->max, &x))
            return false;
        store(row, c->o, x * row->mul / row->div);
        return true;
    case K_SIZE:
        if (!get_size(c, v, path, row->min, row->max, &x))
            return false;
        store(row, c->o, x * row->mul / row->div);
        return true;
    case K_STRING:
        if (!get_string(c, v, path, &s))
            return false;
        *(const char **)(void *)((char *)c->o + row->off) = s;
        return true;
    case K_CUSTOM:
        return row->fn(c, v, path);
    }
    return false;
}

/* ------------------------------------------------ values of their own shape */

/* "139, 445" or "[139, 445]" or a YAML list. */
static bool set_ports(cfg *c, yaml_node_t *v, const char *path)
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

static bool set_smb_enabled(cfg *c, yaml_node_t *v, const char *path)
{
    bool b;
    if (!get_bool(c, v, path, &b))
        return false;
    if (!b)
        c->o->n_smb_ports = 0;
    return true;
}

static bool set_types(cfg *c, yaml_node_t *v, const char *path)
{
    char msg[200];
    if (v->type != YAML_SEQUENCE_NODE) {
        snprintf(msg, sizeof(msg), "expected a list such as [%s]%%s", rec_kind_names());
        return fail(c, v, path, msg, "");
    }
    pw_options *o = c->o;
    /* stats records stay as they are unless listed: they have a section of their own */
    for (int k = 0; k < REC_KINDS; k++)
        if (k != REC_STATS)
            *pw_options_log(o, k) = false;
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
        yaml_node_t *n = yaml_document_get_node(c->doc, *it);
        const char *s = scalar(n);
        if (!s && n && n->type == YAML_MAPPING_NODE && n->data.mapping.pairs.top > n->data.mapping.pairs.start)
            s = scalar(yaml_document_get_node(c->doc, n->data.mapping.pairs.start->key));
        if (!s)
            return fail(c, n, path, "expected a record type name%s", "");
        rec_kind k;
        if (!rec_kind_parse(s, &k)) {
            snprintf(msg, sizeof(msg), "unknown record type '%%s' (known: %s)", rec_kind_names());
            return fail(c, n, path, msg, s);
        }
        *pw_options_log(o, k) = true;
    }
    return true;
}

static bool set_eve_enabled(cfg *c, yaml_node_t *v, const char *path)
{
    bool on;
    if (!get_bool(c, v, path, &on))
        return false;
    if (!on)
        c->o->log_smb = c->o->log_winlog = c->o->log_alert = c->o->log_flow = c->o->log_stats = false;
    return true;
}

static bool set_filetype(cfg *c, yaml_node_t *v, const char *path)
{
    const char *s = NULL;
    if (!get_string(c, v, path, &s))
        return false;
    if (!output_dest_known(s)) {
        char msg[320];
        snprintf(msg, sizeof(msg), "'%%s' is not one of %s", output_dest_names());
        return fail(c, v, path, msg, s);
    }
    c->o->eve_filetype = s;
    return true;
}

static bool set_layout(cfg *c, yaml_node_t *v, const char *path)
{
    const char *s = NULL;
    if (!get_string(c, v, path, &s))
        return false;
    if (!layout_find(s)) {
        char msg[320];
        snprintf(msg, sizeof(msg), "'%%s' is not one of %s", layout_names());
        return fail(c, v, path, msg, s);
    }
    c->o->layout = s;
    return true;
}

static bool set_interface(cfg *c, yaml_node_t *v, const char *path)
{
    const char *s = NULL;
    pw_options *o = c->o;
    if (!get_string(c, v, path, &s))
        return false;
    if (!strcmp(s, "default"))
        return true;
    if (o->n_interfaces == PW_MAX_PATHS)
        return fail(c, v, path, "too many interfaces%s", "");
    o->interfaces[o->n_interfaces++] = s;
    return true;
}

static bool set_threads(cfg *c, yaml_node_t *v, const char *path)
{
    const char *s = NULL;
    unsigned long long x;
    if (!want_scalar(c, v, path, &s))
        return false;
    if (!strcmp(s, "auto")) {
        c->o->workers = 0;
        return true;
    }
    if (!get_uint(c, v, path, 1, 64, &x))
        return false;
    c->o->workers = (int)x;
    return true;
}

/* A nice value, -20 to 19: the one signed number of the configuration. */
static bool set_priority(cfg *c, yaml_node_t *v, const char *path)
{
    const char *s = NULL;
    if (!want_scalar(c, v, path, &s))
        return false;
    char *end = NULL;
    errno = 0;
    long x = strtol(s, &end, 10);
    if (!*s || *end || errno || x < -20 || x > 19)
        return fail(c, v, path, "'%s' is not a nice value from -20 to 19", s);
    c->o->priority = (int)x;
    return true;
}

static bool check_cluster_type(cfg *c, yaml_node_t *v, const char *path)
{
    const char *s = NULL;
    if (!want_scalar(c, v, path, &s))
        return false;
    if (strcmp(s, "cluster_flow") && strcmp(s, "cluster_hash"))
        return fail(c, v, path, "'%s' is not supported (cluster_flow or cluster_hash keep both directions "
                                "of a flow on one worker)", s);
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

static bool set_rule_files(cfg *c, yaml_node_t *v, const char *path)
{
    if (v->type == YAML_SCALAR_NODE)
        return add_rule_path(c, v, path);
    if (v->type != YAML_SEQUENCE_NODE)
        return fail(c, v, path, "expected a list of rule files or directories%s", "");
    for (yaml_node_item_t *it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++)
        if (!add_rule_path(c, yaml_document_get_node(c->doc, *it), path))
            return false;
    return true;
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
        ok = each_key(&c, root, "", apply_key);
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
