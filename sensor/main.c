/* pipewatch: the command line. */
#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../detect/sigma.h"
#include "../protocols/smb_conn.h"
#include "capture.h"
#include "config.h"
#include "output.h"
#include "flow.h"
#include "hostnames.h"
#include "live.h"
#include "options.h"
#include "pcapfile.h"
#include "detect_eve.h"
#include "pipeline.h"
#include "report.h"
#include "summary.h"
#include "workers.h"

#ifndef PW_VERSION
#define PW_VERSION "0.1.0"
#endif
#ifndef PW_SYSCONFDIR
#define PW_SYSCONFDIR "/usr/local/etc/pipewatch"
#endif

enum {
    EXIT_OK = 0,
    EXIT_RUNTIME = 1, /* a fault while running: output write, capture read error midway, lost interface */
    EXIT_USAGE = 2,   /* bad option, config or rule */
    EXIT_INPUT = 3,   /* a capture that cannot be read: missing, empty, corrupt, unsupported link type */
};

static volatile sig_atomic_t g_stop, g_reopen, g_dump_stats;

static void on_signal(int sig)
{
    if (sig == SIGHUP)
        g_reopen = 1;
    else if (sig == SIGUSR1)
        g_dump_stats = 1;
    else
        g_stop = 1;
}

static void usage(FILE *out)
{
    fprintf(out,
            "Usage: pipewatch [OPTIONS] -r CAPTURE [-r CAPTURE …]\n"
            "       pipewatch [OPTIONS] -i INTERFACE [-i INTERFACE …]\n"
            "\n"
            "Watches SMB and DCE/RPC traffic, rebuilds from the wire the Windows events of remote\n"
            "execution (5140, 5145; 7045, 4697 and 7040 from svcctl; 4698 from the task scheduler),\n"
            "runs Sigma rules on them, joins each run into one incident and writes EVE JSON lines\n"
            "(smb, dcerpc, winlog, alert, flow, incident, stats).\n"
            "\n"
            "Input:\n"
            "  -r, --read PATH          replay a capture file (pcap or pcapng, also gzip'd), every\n"
            "                           file in a directory, or - for standard input; repeatable\n"
            "  -i, --interface IFACE    capture live on IFACE (a SPAN or TAP port); repeatable\n"
            "  -f, --filter EXPR        BPF capture filter (offline default: none; live default:\n"
            "                           'tcp port 445 or tcp port 139'; \"\" captures everything)\n"
            "      --snaplen N          bytes captured per packet, live (default 65535)\n"
            "      --buffer-size MB     kernel capture buffer, live (default 64)\n"
            "      --no-promisc         do not put the interface in promiscuous mode\n"
            "      --priority N         nice value of live capture, -20 to 19 (default -10: ahead\n"
            "                           of the host's other work; needs root or CAP_SYS_NICE)\n"
            "      --workers N|auto     worker threads; auto: one per CPU (default: auto live,\n"
            "                           1 offline)\n"
            "      --follow             keep reading a capture file as it grows (tail -f), until\n"
            "                           SIGINT or SIGTERM; one classic pcap file\n"
            "\n"
            "Rules:\n"
            "  -S, --rules PATH         Sigma rule file or directory; repeatable (default: the\n"
            "                           bundled conf/rules, or " PW_SYSCONFDIR "/rules)\n"
            "      --skip-bad-rules     start even when some rules cannot be loaded\n"
            "      --list-rules         load the rules, list them and exit\n"
            "      --test-rules         load the rules, report errors and exit (0 when all load)\n"
            "\n"
            "Output:\n"
            "  -o, --output DEST        write records to DEST: a FILE (replaced; default: standard\n"
            "                           output; the config's eve-log file is appended to), or\n"
            "                           redis://[:PASS@]HOST:PORT/KEY[?mode=list|lpush|channel],\n"
            "                           redis+unix:///SOCKET/KEY, syslog (/dev/log),\n"
            "                           syslog+udp://HOST:PORT, syslog+tcp://HOST:PORT,\n"
            "                           gelf+udp://HOST:PORT, gelf+tcp://HOST:PORT (docs/outputs.md)\n"
            "      --layout NAME        how records look: eve (default), ecs, splunk, gelf, logpoint\n"
            "      --types LIST         record types to write, comma separated\n"
            "                           (default: smb,winlog,alert,flow,stats,incident; smb\n"
            "                           includes the dcerpc records)\n"
            "      --stats-interval S   write a stats record every S seconds (default: at exit only)\n"
            "\n"
            "Configuration and process:\n"
            "  -c, --config FILE        read settings from a YAML file (conf/pipewatch.yaml)\n"
            "      --user USER          drop privileges to USER after opening the interfaces\n"
            "  -q, --quiet              print nothing but errors\n"
            "  -h, --help               this help\n"
            "  -V, --version            print the version and exit\n"
            "\n"
            "Report:\n"
            "  pipewatch report EVE.json -o report.html   one self-contained HTML page of the incidents,\n"
            "                           alerts and end-of-run tables of an EVE file\n"
            "\n"
            "Exit status: 0 success; 1 runtime fault (output not writable, capture damaged midway,\n"
            "interface lost); 2 bad option, configuration or rule; 3 capture cannot be read.\n");
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pipewatch: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static double mono_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* --------------------------------------------------------------- rules */

typedef struct rule_errors {
    unsigned count;
    bool silent;
    char first[PATH_MAX + 320]; /* "FILE:LINE: reason" of the first error */
} rule_errors;

static void on_rule_error(void *ctx, const char *file, unsigned line, const char *reason)
{
    rule_errors *re = ctx;
    if (re->count++ == 0) {
        if (line)
            snprintf(re->first, sizeof(re->first), "%s:%u: %s", file, line, reason);
        else
            snprintf(re->first, sizeof(re->first), "%s: %s", file, reason);
    }
    if (re->silent)
        return;
    if (line)
        err("rule %s:%u: %s", file, line, reason);
    else
        err("rule %s: %s", file, reason);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* The bundled rules beside the binary (build/pipewatch -> conf/rules), else
 * the installed ones. */
static const char *default_rules_dir(char *buf, size_t n)
{
    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (len > 0) {
        exe[len] = 0;
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = 0;
            snprintf(buf, n, "%s/../conf/rules", exe);
            if (is_dir(buf))
                return buf;
            snprintf(buf, n, "%s/../etc/pipewatch/rules", exe);
            if (is_dir(buf))
                return buf;
        }
    }
    snprintf(buf, n, "%s/rules", PW_SYSCONFDIR);
    return is_dir(buf) ? buf : NULL;
}

/* A rule's regex stopped at PCRE2's match limit: said once per rule, however
 * many workers hold a copy of it. */
static void on_regex_limit(void *ctx, const sigma_rule *r)
{
    static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    static uint32_t told[256];
    static size_t ntold;
    (void)ctx;
    pthread_mutex_lock(&lock);
    bool seen = false;
    for (size_t i = 0; i < ntold && !seen; i++)
        seen = told[i] == sigma_rule_signature_id(r);
    if (!seen) {
        if (ntold < sizeof(told) / sizeof(told[0]))
            told[ntold++] = sigma_rule_signature_id(r);
        err("rule %s: '%s': a regular expression stopped at PCRE2's match limit; such values count as no match "
            "(stats: events.rule_regex_limit)",
            sigma_rule_file(r), sigma_rule_title(r));
    }
    pthread_mutex_unlock(&lock);
}

/* Loads the rules; silent for the extra copies that workers get (a ruleset's
 * regex match data is not shared between threads). re receives the errors. */
static int load_rules(const pw_options *o, sigma_ruleset **out, bool silent, rule_errors *re)
{
    *out = NULL;
    memset(re, 0, sizeof(*re));
    re->silent = silent;
    sigma_ruleset *rs = sigma_ruleset_new();
    if (!rs) {
        if (!silent)
            err("out of memory");
        return EXIT_RUNTIME;
    }
    if (o->n_rule_paths == 0) {
        char dbuf[PATH_MAX + 32];
        const char *d = default_rules_dir(dbuf, sizeof(dbuf));
        if (d && sigma_load_path(rs, d, on_rule_error, re) < 0)
            re->count++;
    }
    for (size_t i = 0; i < o->n_rule_paths; i++)
        if (sigma_load_path(rs, o->rule_paths[i], on_rule_error, re) < 0)
            re->count++;
    /* references between files resolve once every file is in */
    re->count += (unsigned)sigma_ruleset_check(rs, on_rule_error, re);
    sigma_ruleset_on_limit(rs, on_regex_limit, NULL);
    *out = rs;
    if (re->count && !o->skip_bad_rules && !silent) {
        err("%u rule error(s); fix the rules or start with --skip-bad-rules", re->count);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* Each worker loads its own copy of the rules; a copy that does not come
 * out as the first did (a rule file changed or became unreadable in
 * between, memory ran out) would leave that worker's flows without rules,
 * silently: that stops the start instead, naming the rule file. */
static int load_worker_rules(const pw_options *o, sigma_ruleset **sets, int n, const rule_errors *first)
{
    for (int i = 1; i < n; i++) {
        rule_errors re;
        int rc = load_rules(o, &sets[i], true, &re);
        if (rc == EXIT_OK && sigma_rule_count(sets[i]) == sigma_rule_count(sets[0]) && re.count == first->count)
            continue;
        if (re.count > first->count || (re.count && strcmp(re.first, first->first) != 0))
            err("rule %s (worker %d's copy of the rules); not starting", re.first, i);
        else
            err("rules %s: worker %d's copy has %zu rules, the first %zu (%s); not starting",
                o->n_rule_paths ? o->rule_paths[0] : "(bundled)", i, sets[i] ? sigma_rule_count(sets[i]) : 0,
                sigma_rule_count(sets[0]), rc == EXIT_RUNTIME ? "out of memory" : "rule files changed while loading");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static void list_rules(const sigma_ruleset *rs)
{
    for (size_t i = 0; i < sigma_rule_count(rs); i++) {
        const sigma_rule *r = sigma_rule_at(rs, i);
        printf("%-10u %-13s %-36s %s  (%s)\n", sigma_rule_signature_id(r), sigma_rule_level(r), sigma_rule_id(r),
               sigma_rule_title(r), sigma_rule_file(r));
    }
}

/* --------------------------------------------------------------- options */

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || end == s || *end || v > max || s[0] == '-')
        return false;
    *out = v;
    return true;
}

static bool parse_types(pw_options *o, const char *list)
{
    for (int k = 0; k < REC_KINDS; k++)
        *pw_options_log(o, k) = false;
    char buf[256];
    snprintf(buf, sizeof(buf), "%s", list);
    for (char *save = NULL, *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        rec_kind k;
        if (!rec_kind_parse(t, &k)) {
            err("--types: unknown record type '%s' (known: %s)", t, rec_kind_names());
            return false;
        }
        *pw_options_log(o, k) = true;
    }
    return true;
}

enum {
    OPT_SNAPLEN = 256,
    OPT_BUFFER,
    OPT_NO_PROMISC,
    OPT_WORKERS,
    OPT_SKIP_BAD,
    OPT_LIST_RULES,
    OPT_TEST_RULES,
    OPT_TYPES,
    OPT_STATS_INTERVAL,
    OPT_USER,
    OPT_LAYOUT,
    OPT_FOLLOW,
    OPT_PRIORITY,
};

static const struct option long_opts[] = {
    {"read", required_argument, NULL, 'r'},
    {"interface", required_argument, NULL, 'i'},
    {"filter", required_argument, NULL, 'f'},
    {"snaplen", required_argument, NULL, OPT_SNAPLEN},
    {"buffer-size", required_argument, NULL, OPT_BUFFER},
    {"no-promisc", no_argument, NULL, OPT_NO_PROMISC},
    {"priority", required_argument, NULL, OPT_PRIORITY},
    {"workers", required_argument, NULL, OPT_WORKERS},
    {"follow", no_argument, NULL, OPT_FOLLOW},
    {"rules", required_argument, NULL, 'S'},
    {"skip-bad-rules", no_argument, NULL, OPT_SKIP_BAD},
    {"list-rules", no_argument, NULL, OPT_LIST_RULES},
    {"test-rules", no_argument, NULL, OPT_TEST_RULES},
    {"output", required_argument, NULL, 'o'},
    {"types", required_argument, NULL, OPT_TYPES},
    {"layout", required_argument, NULL, OPT_LAYOUT},
    {"stats-interval", required_argument, NULL, OPT_STATS_INTERVAL},
    {"config", required_argument, NULL, 'c'},
    {"user", required_argument, NULL, OPT_USER},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

/* The config file is read before the other options so that the command line
 * wins; this finds -c/--config first. */
static const char *find_config_arg(int argc, char **argv)
{
    const char *cfg = NULL;
    for (int i = 1; i < argc; i++) {
        if ((!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config")) && i + 1 < argc)
            cfg = argv[++i];
        else if (!strncmp(argv[i], "--config=", 9))
            cfg = argv[i] + 9;
        else if (!strncmp(argv[i], "-c", 2) && argv[i][2])
            cfg = argv[i] + 2;
    }
    return cfg;
}

/* outputs.eve-log.filetype redis, syslog or gelf, set in the configuration:
 * the URL of the destination its sub-block describes, into o->eve_filename.
 * A URL or a path given with -o wins (a path there is a file). False when
 * the URL does not fit. */
static bool destination_url(pw_options *o, char *buf, size_t n)
{
    const char *ft = o->eve_filetype;
    if (o->eve_filename && output_url_kind(o->eve_filename))
        return true; /* a URL names its own kind */
    bool net = !strcmp(ft, "redis") || !strcmp(ft, "syslog") || !strcmp(ft, "gelf");
    if (!net)
        return true;
    if (o->eve_filename_cli) {
        o->eve_filetype = "regular";
        return true;
    }
    int l;
    if (!strcmp(ft, "redis") && o->redis.unix_socket)
        l = snprintf(buf, n, "redis+unix://%s/%s?mode=%s", o->redis.unix_socket, o->redis.key, o->redis.mode);
    else if (!strcmp(ft, "redis"))
        l = snprintf(buf, n, "redis://%s%s%s%s:%d/%s?mode=%s", o->redis.password ? ":" : "",
                     o->redis.password ? o->redis.password : "", o->redis.password ? "@" : "", o->redis.server,
                     o->redis.port, o->redis.key, o->redis.mode);
    else if (!strcmp(ft, "syslog") && !strcmp(o->syslog.protocol, "local"))
        l = snprintf(buf, n, "syslog?facility=%s&severity=%s", o->syslog.facility, o->syslog.level);
    else if (!strcmp(ft, "syslog"))
        l = snprintf(buf, n, "syslog+%s://%s:%d?facility=%s&severity=%s", o->syslog.protocol,
                     o->syslog.server ? o->syslog.server : "", o->syslog.port, o->syslog.facility, o->syslog.level);
    else
        l = snprintf(buf, n, "gelf+%s://%s:%d?chunk_size=%d", o->gelf.protocol, o->gelf.server ? o->gelf.server : "",
                     o->gelf.port, o->gelf.chunk_size);
    if (l < 0 || (size_t)l >= n)
        return false;
    o->eve_filename = buf;
    return true;
}

/* ---------------------------------------------------------------- runs */

typedef struct run {
    pw_options *o;
    pw_output *out;
    pipeline *pl;      /* one worker: the reading thread runs the pipeline */
    worker_pool *pool; /* --workers N > 1 */
    summary *sum;
    bool follow;       /* --follow */
    bool out_known;    /* out_dev/out_ino: the output file, skipped in a replayed directory */
    dev_t out_dev;
    ino_t out_ino;
} run;

static void handle_signals_offline(run *r)
{
    if (g_reopen) {
        g_reopen = 0;
        const char *e = output_reopen(r->out) ? NULL : output_take_error(r->out);
        if (e)
            err("%s", e);
    }
}

/* Progress on a terminal: position in the file, rate and time left. */
typedef struct progress {
    bool on;
    double start, last;
    uint64_t size;
    const char *path;
} progress;

static void progress_show(progress *pg, const capture_file *cf, uint64_t packets, bool final)
{
    double now = mono_sec();
    if (!final && now - pg->last < 0.5)
        return;
    pg->last = now;
    int64_t pos = capture_file_pos(cf);
    double el = now - pg->start;
    double done = pos > 0 && pg->size ? (double)pos / (double)pg->size : 0;
    double rate = el > 0 && pos > 0 ? (double)pos / el / 1e6 : 0;
    double left = done > 0 ? el * (1 - done) / done : 0;
    fprintf(stderr, "\r\033[K%s: %5.1f%%  %llu packets  %.1f MB/s  %.0f s left", pg->path, done * 100,
            (unsigned long long)packets, rate, final ? 0.0 : left);
    if (final)
        fputc('\n', stderr);
}

static int replay_file(run *r, const char *path, uint64_t *first_ts)
{
    char e[CAPTURE_ERRLEN];
    capture_file *cf = capture_file_open(path, r->o->bpf, e, sizeof(e));
    if (!cf) {
        err("%s", e);
        return EXIT_INPUT;
    }
    /* standard input needs no following: a pipe is read until its writer closes it */
    bool following = r->follow && strcmp(path, "-") != 0;
    if (following && !capture_file_follow(cf)) {
        err("--follow: %s is read through libpcap (pcapng, gzip'd or a capture filter), which cannot follow a growing "
            "file; only classic pcap files without -f can be followed", path);
        capture_file_close(cf);
        return EXIT_USAGE;
    }
    int dlt = capture_file_linktype(cf);
    capture_pkt pk;
    int rc = 0;
    int status = EXIT_OK;
    progress pg = {r->o->progress && !r->o->quiet && !r->follow && isatty(STDERR_FILENO), mono_sec(), 0, 0,
                   path};
    struct stat st;
    if (pg.on && stat(path, &st) == 0)
        pg.size = (uint64_t)st.st_size;
    uint64_t n = 0;
    /* With workers and a mapped file, frames go to them by reference; the
     * file's pages leave the resident set once every worker is past them. */
    bool by_ref = r->pool && capture_file_hold(cf);
    uint64_t next_release = 0;
    for (;;) {
        if (g_stop)
            break;
        rc = capture_file_next(cf, &pk);
        if (rc == 0 && following) {
            /* nothing more yet: what was seen goes out (as live), then wait a
             * little (a signal cuts the wait short) */
            output_flush(r->out);
            struct timespec ts = {0, 100 * 1000 * 1000};
            nanosleep(&ts, NULL);
            if (g_reopen)
                handle_signals_offline(r);
            if (output_failed(r->out))
                break;
            continue;
        }
        if (rc <= 0)
            break;
        if (pg.on && (n & 0x3ff) == 0)
            progress_show(&pg, cf, n, false);
        if (!*first_ts)
            *first_ts = pk.ts_usec;
        n++;
        if (by_ref) {
            uint64_t off = (uint64_t)capture_file_pos(cf);
            worker_pool_packet_ref(r->pool, dlt, pk.ts_usec, pk.data, pk.caplen, pk.len, off);
            if (off >= next_release) {
                /* keep at most 8 MB of the file between the slowest worker and the reader */
                uint64_t low;
                while ((low = worker_pool_consumed(r->pool, off)) + (8u << 20) < off)
                    worker_pool_wait();
                capture_file_release(cf, low);
                next_release = off + (2u << 20);
            }
        } else if (r->pool)
            worker_pool_packet(r->pool, dlt, pk.ts_usec, pk.data, pk.caplen, pk.len);
        else if (!pipeline_packet(r->pl, dlt, pk.ts_usec, pk.data, pk.caplen, pk.len))
            break;
        if (g_reopen)
            handle_signals_offline(r);
    }
    if (!g_stop && rc < 0) {
        if (capture_file_cut(cf))
            err("%s: %s; read to the new end (%llu packets)", path, capture_file_error(cf),
                (unsigned long long)n);
        else
            err("%s: capture damaged after packet %llu: %s", path, (unsigned long long)n,
                capture_file_error(cf));
        status = EXIT_RUNTIME;
    } else if (capture_file_grown(cf)) {
        err("%s: the capture grew while it was read (%lld bytes at open, %lld at the end); read to its size at "
            "open; use --follow to read a capture that is still being written",
            path, (long long)capture_file_open_size(cf), (long long)capture_file_grown(cf));
    }
    if (pg.on)
        progress_show(&pg, cf, n, true);
    if (by_ref)
        worker_pool_drain(r->pool); /* the frames point into the mapping */
    capture_file_close(cf);
    summary_add_capture(r->sum);
    return status;
}

static int run_offline(run *r)
{
    char e[CAPTURE_ERRLEN];
    char **files = capture_expand_paths(r->o->read_files, r->o->n_read_files, e, sizeof(e));
    if (!files) {
        err("%s", e);
        return EXIT_INPUT;
    }
    /* The output file inside a replayed directory is not a capture. */
    size_t kept = 0;
    for (char **f = files; *f; f++) {
        struct stat st;
        if (r->out_known && stat(*f, &st) == 0 && st.st_dev == r->out_dev && st.st_ino == r->out_ino) {
            free(*f);
            continue;
        }
        files[kept++] = *f;
    }
    files[kept] = NULL;
    if (kept == 0) {
        err("%s: directory holds no capture files (only the output file)", r->o->read_files[0]);
        capture_free_paths(files);
        return EXIT_INPUT;
    }
    if (r->follow && (kept != 1 || is_dir(r->o->read_files[0]))) {
        err("--follow: give one capture file, not %s", kept != 1 ? "several" : "a directory");
        capture_free_paths(files);
        return EXIT_USAGE;
    }
    int status = EXIT_OK;
    uint64_t first_ts = 0;
    for (char **f = files; *f && !g_stop; f++) {
        int s = replay_file(r, *f, &first_ts);
        if (s != EXIT_OK && status == EXIT_OK)
            status = s;
        if (output_failed(r->out) || s == EXIT_USAGE)
            break;
    }
    capture_free_paths(files);
    return status;
}

/* The worker count a run will use: --workers, else one per CPU live, one offline. */
static int workers_resolved(const pw_options *o)
{
    int n = o->workers;
    if (n == PW_WORKERS_DEFAULT) /* live: one per CPU, as af-packet threads: auto */
        n = o->n_interfaces ? 0 : 1;
    if (n == 0) { /* auto */
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        n = cpus < 1 ? 1 : cpus > 64 ? 64 : (int)cpus;
    }
    return n;
}

/* One SMB connection at its max-* limits must fit in the SMB memcap (each
 * worker's share of it), else every connection would pass the memcap as it
 * fills and the sensor would be blind: a configuration error, naming the
 * limit that costs the most. */
static bool smb_limits_fit(const pw_options *o, const char *cfg)
{
    int n = workers_resolved(o);
    size_t cap = o->smb_memcap / (size_t)(n > 1 ? n : 1);
    size_t need = smb_conn_full_cost(&o->smb);
    if (need <= cap)
        return true;
    static const char *const keys[4] = {"max-sessions", "max-trees", "max-files", "max-pending"};
    int worst = 0;
    size_t worst_cost = 0;
    for (int i = 0; i < 4; i++) {
        smb_limits l = o->smb;
        uint32_t *v[4] = {&l.max_sessions, &l.max_trees, &l.max_files, &l.max_pending};
        *v[i] = 1;
        size_t cost = need - smb_conn_full_cost(&l);
        if (cost > worst_cost) {
            worst_cost = cost;
            worst = i;
        }
    }
    const uint32_t vals[4] = {o->smb.max_sessions, o->smb.max_trees, o->smb.max_files, o->smb.max_pending};
    char per[64] = "";
    if (n > 1)
        snprintf(per, sizeof(per), " (%zu KB for each of %d workers)", cap >> 10, n);
    err("config %s: app-layer.protocols.smb.%s: %u makes one SMB connection take %zu KB at its limits, more "
        "than the %zu KB of app-layer.protocols.smb.memcap%s",
        cfg ? cfg : "(defaults)", keys[worst], vals[worst], need >> 10, o->smb_memcap >> 10, per);
    return false;
}

int main(int argc, char **argv)
{
    if (argc > 1 && !strcmp(argv[1], "report"))
        return report_main(argc - 1, argv + 1);
    static pw_options o;
    pw_options_default(&o);
    o.quiet = false;
    bool list = false, test = false, follow = false, layout_cli = false;

    const char *cfg = find_config_arg(argc, argv);
    if (cfg && is_dir(cfg)) {
        err("config %s: is a directory, not a configuration file", cfg);
        return EXIT_USAGE;
    }
    if (cfg) {
        char e[1024];
        if (!config_load(&o, cfg, e, sizeof(e))) {
            err("%s", e);
            return EXIT_USAGE;
        }
        /* The flow table costs memory only as flows arrive, but one that
         * could never fit is a configuration error, not a fault at run time. */
        uint64_t need = flow_table_bytes(o.flow.max_flows);
        long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
        uint64_t have = pages > 0 && psize > 0 ? (uint64_t)pages * (uint64_t)psize : 0;
        if (have && need > have) {
            err("config %s: flow.max-flows: %u flows take %llu MB when full, more than the %llu MB of memory of "
                "this machine",
                cfg, o.flow.max_flows, (unsigned long long)(need >> 20), (unsigned long long)(have >> 20));
            return EXIT_USAGE;
        }
    }

    int ch;
    unsigned long v;
    opterr = 0; /* our own one-line messages */
    while ((ch = getopt_long(argc, argv, ":r:i:f:S:o:c:qhV", long_opts, NULL)) != -1) {
        switch (ch) {
        case 'r':
            if (o.n_read_files == PW_MAX_PATHS) {
                err("-r: at most %d captures", PW_MAX_PATHS);
                return EXIT_USAGE;
            }
            o.read_files[o.n_read_files++] = optarg;
            break;
        case 'i':
            if (o.n_interfaces == PW_MAX_PATHS) {
                err("-i: at most %d interfaces", PW_MAX_PATHS);
                return EXIT_USAGE;
            }
            o.interfaces[o.n_interfaces++] = optarg;
            break;
        case 'f':
            o.bpf = o.live_bpf = optarg;
            break;
        case 'S':
            if (o.n_rule_paths == PW_MAX_PATHS) {
                err("--rules: at most %d paths", PW_MAX_PATHS);
                return EXIT_USAGE;
            }
            o.rule_paths[o.n_rule_paths++] = optarg;
            break;
        case 'o':
            o.eve_filename = optarg;
            o.eve_filename_cli = true;
            o.eve_append = false; /* a run's own result, as tcpdump -w; the config's eve-log appends */
            break;
        case OPT_LAYOUT:
            if (!layout_find(optarg)) {
                err("--layout: unknown layout '%s' (known: %s)", optarg, layout_names());
                return EXIT_USAGE;
            }
            o.layout = optarg;
            layout_cli = true;
            break;
        case 'c':
            break; /* read above */
        case 'q':
            o.quiet = true;
            break;
        case 'h':
            usage(stdout);
            return EXIT_OK;
        case 'V':
            printf("pipewatch %s\n", PW_VERSION);
            return EXIT_OK;
        case OPT_SNAPLEN:
            if (!parse_uint(optarg, 262144, &v) || v < 128) {
                err("--snaplen: '%s' is not a number from 128 to 262144", optarg);
                return EXIT_USAGE;
            }
            o.snaplen = (int)v;
            break;
        case OPT_BUFFER:
            if (!parse_uint(optarg, 4096, &v) || v < 1) {
                err("--buffer-size: '%s' is not a number of MB from 1 to 4096", optarg);
                return EXIT_USAGE;
            }
            o.buffer_size_mb = (int)v;
            break;
        case OPT_NO_PROMISC:
            o.promisc = false;
            break;
        case OPT_PRIORITY: {
            char *end = NULL;
            errno = 0;
            long nv = strtol(optarg, &end, 10);
            if (!*optarg || *end || errno || nv < -20 || nv > 19) {
                err("--priority: '%s' is not a nice value from -20 to 19", optarg);
                return EXIT_USAGE;
            }
            o.priority = (int)nv;
            break;
        }
        case OPT_WORKERS:
            if (!strcmp(optarg, "auto")) {
                o.workers = 0;
                break;
            }
            if (!parse_uint(optarg, 64, &v) || v < 1) {
                err("--workers: '%s' is not a number from 1 to 64, or auto", optarg);
                return EXIT_USAGE;
            }
            o.workers = (int)v;
            break;
        case OPT_FOLLOW:
            follow = true;
            break;
        case OPT_SKIP_BAD:
            o.skip_bad_rules = true;
            break;
        case OPT_LIST_RULES:
            list = true;
            break;
        case OPT_TEST_RULES:
            test = true;
            break;
        case OPT_TYPES:
            if (!parse_types(&o, optarg))
                return EXIT_USAGE;
            break;
        case OPT_STATS_INTERVAL:
            if (!parse_uint(optarg, 86400, &v)) {
                err("--stats-interval: '%s' is not a number of seconds from 0 to 86400", optarg);
                return EXIT_USAGE;
            }
            o.stats_interval_usec = (uint64_t)v * 1000000u;
            break;
        case OPT_USER:
            o.run_as_user = optarg;
            break;
        case ':':
            err("%s: needs a value (see --help)", argv[optind - 1]);
            return EXIT_USAGE;
        default:
            if (optopt)
                err("unknown option '-%c' (see --help)", optopt);
            else
                err("unknown option '%s' (see --help)", argv[optind - 1]);
            return EXIT_USAGE;
        }
    }
    if (optind < argc) {
        err("unexpected argument '%s' (captures are given with -r)", argv[optind]);
        return EXIT_USAGE;
    }

    sigma_ruleset *rules = NULL;
    rule_errors rerr;
    int rc = load_rules(&o, &rules, false, &rerr);
    if (list || test) {
        if (list)
            list_rules(rules);
        if (test && rc == EXIT_OK && !o.quiet)
            printf("%zu rules loaded, no errors\n", sigma_rule_count(rules));
        sigma_ruleset_free(rules);
        return rc;
    }
    if (rc != EXIT_OK) {
        sigma_ruleset_free(rules);
        return rc;
    }
    if (o.n_read_files == 0 && o.n_interfaces == 0) {
        err("nothing to read: give a capture with -r FILE or an interface with -i IFACE (see --help)");
        sigma_ruleset_free(rules);
        return EXIT_USAGE;
    }
    if (o.n_read_files && o.n_interfaces) {
        err("-r and -i cannot be used together");
        sigma_ruleset_free(rules);
        return EXIT_USAGE;
    }

    if (follow && o.n_interfaces) {
        err("--follow reads a capture file (-r), not an interface");
        sigma_ruleset_free(rules);
        return EXIT_USAGE;
    }
    if (!smb_limits_fit(&o, cfg)) {
        sigma_ruleset_free(rules);
        return EXIT_USAGE;
    }
    /* The output must not be one of the captures: opening it would cut the
     * capture before it is read. A capture in a replayed directory that is
     * the output is skipped instead (run_offline). */
    struct stat ost;
    bool out_exists = o.eve_filename && strcmp(o.eve_filename, "-") != 0 && output_is_file(o.eve_filetype) &&
                      stat(o.eve_filename, &ost) == 0 && S_ISREG(ost.st_mode);
    for (size_t i = 0; out_exists && i < o.n_read_files; i++) {
        struct stat rst;
        if (stat(o.read_files[i], &rst) == 0 && S_ISREG(rst.st_mode) && rst.st_dev == ost.st_dev &&
            rst.st_ino == ost.st_ino) {
            err("output %s is the capture %s: refusing to overwrite the capture it reads", o.eve_filename,
                o.read_files[i]);
            sigma_ruleset_free(rules);
            return EXIT_USAGE;
        }
    }

    /* One ruleset per worker: the first is the one loaded above. All are
     * loaded before the output is opened and capture starts. */
    static sigma_ruleset *worker_rules[64];
    o.workers = workers_resolved(&o);
    int nsets = o.workers > 1 ? o.workers : 1;
    worker_rules[0] = rules;
    rc = load_worker_rules(&o, worker_rules, nsets, &rerr);
    if (rc != EXIT_OK) {
        for (int i = 0; i < nsets; i++)
            sigma_ruleset_free(worker_rules[i]);
        return rc;
    }

    char e[700];
    char url[1024];
    if (!destination_url(&o, url, sizeof(url))) {
        err("outputs.eve-log: the %s destination's settings make too long a URL", o.eve_filetype);
        return EXIT_USAGE;
    }
    /* A GELF server takes GELF only: the gelf layout unless one was chosen. */
    const char *kind = output_url_kind(o.eve_filename);
    if (!layout_cli && kind && !strcmp(kind, "gelf") && !strcmp(o.layout, "eve") && layout_find("gelf"))
        o.layout = "gelf";
    const layout_ops *layout = layout_find(o.layout);
    if (o.n_interfaces)
        live_set_priority(o.priority, o.quiet);
    pw_output *out = layout ? output_open(o.eve_filename, o.eve_filetype, layout, o.eve_append, e, sizeof(e)) : NULL;
    if (!layout)
        snprintf(e, sizeof(e), "unknown layout '%s' (known: %s)", o.layout, layout_names());
    if (!out) {
        err("%s", e);
        for (int i = 0; i < nsets; i++)
            sigma_ruleset_free(worker_rules[i]);
        return EXIT_USAGE;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGUSR1, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    run r = {.o = &o, .out = out, .sum = summary_new(), .follow = follow};
    if (o.eve_filename && strcmp(o.eve_filename, "-") != 0 && output_is_file(o.eve_filetype) &&
        stat(o.eve_filename, &ost) == 0) {
        r.out_known = true;
        r.out_dev = ost.st_dev;
        r.out_ino = ost.st_ino;
    }
    if (!r.sum) {
        err("out of memory");
        return EXIT_RUNTIME;
    }
    pipeline_set_stats_extra(summary_json, r.sum);
    /* one table of server names for all workers: a name learnt on one
     * worker's connection reaches the events of the others */
    o.hostnames = hostnames_new(o.max_servers);
    o.tickets = hostnames_new(o.max_tickets);
    o.shares = hostnames_new(pw_max_shares(o.max_servers));
    o.rpc_endpoints = hostnames_new(o.max_rpc_endpoints);
    if (!o.hostnames || !o.tickets || !o.shares || !o.rpc_endpoints) {
        err("out of memory");
        return EXIT_RUNTIME;
    }
    /* One correlation engine for the run, whatever the workers: it takes a
     * lock per match fed, and matches are rare next to packets. */
    static corr_writer cw;
    sigma_corr_limits cl = {o.corr_memcap, o.corr_max_events};
    corr_writer_init(&cw, out, rules, o.log_alert);
    sigma_corr *corr = sigma_corr_new(rules, &cl, corr_writer_alert, &cw, e, sizeof(e));
    if (!corr) {
        err("%s", e[0] ? e : "out of memory");
        return e[0] ? EXIT_USAGE : EXIT_RUNTIME;
    }
    pipeline_set_correlator(sigma_corr_count(corr) ? corr : NULL);
    /* One incident stage for the run too: the connections of one run may
     * reach different workers (live, the fanout hash includes ports). The
     * incident type carries the incident records and their alerts. */
    static incident_writer iw;
    incident_writer_init(&iw, out, o.log_incident, o.log_incident && o.log_alert);
    incident_limits il = {o.incident_memcap, o.incident_gap_usec};
    incident_stage *inc = NULL;
    if (o.log_incident) {
        incident_sink isink = {incident_writer_write, &iw};
        inc = incident_new(&il, isink);
        if (!inc) {
            err("out of memory");
            return EXIT_RUNTIME;
        }
    }
    pipeline_set_incidents(inc);
    double t0 = mono_sec();
    int status;
    pw_counters c = {0};
    if (o.n_interfaces) {
        live_ctx lc = {&o, (const sigma_ruleset *const *)worker_rules, out, r.sum, &g_stop, &g_reopen,
                       &g_dump_stats};
        status = live_run(&lc, &c); /* writes the last stats record */
    } else if (o.workers > 1) {
        r.pool = worker_pool_new(o.workers, &o, (const sigma_ruleset *const *)worker_rules, out, r.sum);
        if (!r.pool) {
            err("cannot start %d workers: out of memory", o.workers);
            return EXIT_RUNTIME;
        }
        status = run_offline(&r);
        worker_pool_finish(r.pool);
        pipeline_finish_shared();
        worker_pool_counters(r.pool, &c);
        if (o.log_stats)
            pipeline_write_stats(out, &c, worker_pool_now(r.pool),
                                 worker_pool_now(r.pool) - worker_pool_first_ts(r.pool));
        worker_pool_free(r.pool);
        r.pool = NULL;
    } else {
        r.pl = pipeline_new(&o, rules, out);
        if (!r.pl) {
            err("cannot start the pipeline: out of memory");
            return EXIT_RUNTIME;
        }
        pipeline_add_observer(r.pl, summary_observer(r.sum));
        status = run_offline(&r);
        pipeline_finish(r.pl);
        pipeline_finish_shared();
        pipeline_counters(r.pl, &c);
        if (o.log_stats)
            pipeline_write_stats(out, &c, pipeline_now(r.pl), pipeline_now(r.pl) - pipeline_first_ts(r.pl));
    }
    /* windows still open at the end of input are evaluated now */
    pipeline_finish_shared(); /* done already unless the run stopped early */
    pipeline_count_shared(&c); /* for the summary: the stats record counted them already */
    pipeline_set_correlator(NULL);
    sigma_corr_free(corr);
    pipeline_set_incidents(NULL);
    incident_free(inc);
    output_drain(out);
    c.output_dropped = output_dropped(out);
    if (c.output_dropped)
        err("%s: %llu records not delivered (queue full or destination away), counted as events.output_dropped",
            output_name(out), (unsigned long long)c.output_dropped);
    output_flush(out);
    if (output_failed(out)) {
        const char *why = output_take_error(out);
        if (why)
            err("%s", why);
        status = EXIT_RUNTIME;
    }
    output_unwritten_info lost = output_unwritten(out);
    if (!output_close(out) && status == EXIT_OK) {
        err("cannot close the output %s", o.eve_filename ? o.eve_filename : "<stdout>");
        status = EXIT_RUNTIME;
    }
    double secs = mono_sec() - t0;
    if (!o.quiet && status != EXIT_INPUT)
        summary_print(r.sum, stderr, &c, secs, 10);
    /* An output that could not be reopened after SIGHUP: what it missed. */
    if (lost.detached || (lost.records && !o.quiet))
        err("output %s: %llu records could not be written while it could not be reopened%s", o.eve_filename,
            (unsigned long long)lost.records, lost.detached ? "; it was still closed at the end" : "");
    if (lost.detached && status == EXIT_OK)
        status = EXIT_RUNTIME;
    pipeline_free(r.pl);
    hostnames_free(o.hostnames);
    hostnames_free(o.tickets);
    hostnames_free(o.shares);
    hostnames_free(o.rpc_endpoints);
    summary_free(r.sum);
    for (int i = 0; i < nsets; i++)
        sigma_ruleset_free(worker_rules[i]);
    config_release();
    return status;
}
