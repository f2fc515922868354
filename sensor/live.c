#include "live.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/if_packet.h>
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"

#define DEFAULT_LIVE_FILTER "tcp port 445 or tcp port 139"
#define LIVE_FLUSH_USEC 20000

typedef struct worker {
    pthread_t thread;
    int idx;
    live_ctx *lc;
    pw_options opts; /* the run's options, stats written by the main thread */
    pcap_t *h[PW_MAX_PATHS];
    int dlt[PW_MAX_PATHS];
    size_t nh;
    pipeline *pl;
    pthread_mutex_t lock; /* guards snap */
    pw_counters snap;
    int status;
    char err[CAPTURE_ERRLEN];
} worker;

static uint64_t wall_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void on_packet(u_char *user, const struct pcap_pkthdr *hdr, const u_char *data)
{
    void **args = (void **)user;
    worker *w = args[0];
    int dlt = *(int *)args[1];
    uint64_t ts = (uint64_t)hdr->ts.tv_sec * 1000000u + (uint64_t)hdr->ts.tv_usec;
    pipeline_packet(w->pl, dlt, ts, data, hdr->caplen, hdr->len);
}

static void snapshot(worker *w)
{
    pw_counters c;
    memset(&c, 0, sizeof(c));
    pipeline_counters(w->pl, &c);
    for (size_t i = 0; i < w->nh; i++) {
        struct pcap_stat ps;
        if (pcap_stats(w->h[i], &ps) == 0) {
            c.kernel_packets += ps.ps_recv;
            c.kernel_drops += ps.ps_drop;
            c.kernel_ifdrops += ps.ps_ifdrop;
        }
    }
    pthread_mutex_lock(&w->lock);
    w->snap = c;
    pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    live_ctx *lc = w->lc;
    struct pollfd pfd[PW_MAX_PATHS];
    for (size_t i = 0; i < w->nh; i++) {
        pfd[i].fd = pcap_get_selectable_fd(w->h[i]);
        pfd[i].events = POLLIN;
    }
    uint64_t last_snap = 0;
    while (!*lc->stop) {
        poll(pfd, w->nh, 100);
        for (size_t i = 0; i < w->nh && !*lc->stop; i++) {
            void *args[2] = {w, &w->dlt[i]};
            /* Non-blocking: what the ring holds now, at most a few blocks. */
            int rc = pcap_dispatch(w->h[i], 4096, on_packet, (u_char *)args);
            if (rc == PCAP_ERROR) {
                snprintf(w->err, sizeof(w->err), "interface %s: capture stopped: %s",
                         w->opts.interfaces[i], pcap_geterr(w->h[i]));
                w->status = 1;
                *lc->stop = 1;
            }
        }
        uint64_t now = wall_usec();
        pipeline_tick(w->pl, now);
        if (now - last_snap >= 200000) {
            snapshot(w);
            last_snap = now;
        }
    }
    snapshot(w);
    pipeline_finish(w->pl);
    snapshot(w);
    return NULL;
}

static bool join_fanout(pcap_t *h, int group, char *err, size_t errlen, const char *iface)
{
    int val = (int)(((unsigned)group & 0xffffu) | ((unsigned)(PACKET_FANOUT_HASH | PACKET_FANOUT_FLAG_DEFRAG) << 16));
    if (setsockopt(pcap_fileno(h), SOL_PACKET, PACKET_FANOUT, &val, sizeof(val)) != 0) {
        snprintf(err, errlen, "interface %s: cannot join fanout group %d: %s", iface, group, strerror(errno));
        return false;
    }
    return true;
}

bool live_drop_privileges(const char *user, const char *group, char *err, size_t errlen)
{
    if (!user && !group)
        return true;
    uid_t uid = getuid();
    gid_t gid = getgid();
    if (user) {
        struct passwd *pw = getpwnam(user);
        if (!pw) {
            snprintf(err, errlen, "--user: no such user '%s'", user);
            return false;
        }
        uid = pw->pw_uid;
        gid = pw->pw_gid;
    }
    if (group) {
        struct group *gr = getgrnam(group);
        if (!gr) {
            snprintf(err, errlen, "run-as.group: no such group '%s'", group);
            return false;
        }
        gid = gr->gr_gid;
    }
    if (setgroups(0, NULL) != 0 && errno != EPERM) {
        snprintf(err, errlen, "cannot drop supplementary groups: %s", strerror(errno));
        return false;
    }
    if (setgid(gid) != 0 || setuid(uid) != 0) {
        snprintf(err, errlen, "cannot drop privileges to %s: %s", user ? user : group, strerror(errno));
        return false;
    }
    return true;
}

void live_drops_init(live_drops *d, int nworkers)
{
    memset(d, 0, sizeof(*d));
    d->nworkers = nworkers > LIVE_MAX_WORKERS ? LIVE_MAX_WORKERS : nworkers;
}

bool live_drops_check(live_drops *d, uint64_t now_usec, const uint64_t *kernel_packets, const uint64_t *kernel_drops,
                      char *msg, size_t n)
{
    uint64_t packets = 0, drops = 0;
    for (int i = 0; i < d->nworkers; i++) {
        packets += kernel_packets[i];
        drops += kernel_drops[i];
    }
    if (drops <= d->reported)
        return false;
    if (d->warned && now_usec - d->last_warn_usec < LIVE_DROP_WARN_INTERVAL_USEC)
        return false;
    size_t len;
    double pct = packets ? 100.0 * (double)drops / (double)packets : 0.0;
    if (!d->warned)
        len = (size_t)snprintf(msg, n, "warning: the kernel is dropping packets: %llu of %llu dropped (%.2f%%)",
                               (unsigned long long)drops, (unsigned long long)packets, pct);
    else
        len = (size_t)snprintf(msg, n,
                               "warning: the kernel keeps dropping packets: %llu more in the last %llu s, %llu of "
                               "%llu in all (%.2f%%)",
                               (unsigned long long)(drops - d->reported),
                               (unsigned long long)((now_usec - d->last_warn_usec) / 1000000u),
                               (unsigned long long)drops, (unsigned long long)packets, pct);
    if (d->nworkers > 1) {
        const char *sep = "; by worker:";
        for (int i = 0; i < d->nworkers && len < n; i++) {
            uint64_t more = kernel_drops[i] - d->worker_reported[i];
            if (more) {
                len += (size_t)snprintf(msg + len, n - len, "%s %d: %llu", sep, i, (unsigned long long)more);
                sep = ",";
            }
        }
    }
    if (len < n)
        snprintf(msg + len, n - len, " (capture buffer full: raise --buffer-size or --workers)");
    for (int i = 0; i < d->nworkers; i++)
        d->worker_reported[i] = kernel_drops[i];
    d->reported = drops;
    d->last_warn_usec = now_usec;
    d->warned = true;
    return true;
}

typedef struct live_stats_ctx {
    worker *ws;
    int n;
    summary *sum;
} live_stats_ctx;

/* The members a live stats record adds: the capture counters of each worker. */
static void live_stats_extra(jbuf *j, void *ctx)
{
    live_stats_ctx *sc = ctx;
    if (sc->sum)
        summary_json(j, sc->sum);
    jb_open_array(j, "capture_workers");
    for (int i = 0; i < sc->n; i++) {
        worker *w = &sc->ws[i];
        pthread_mutex_lock(&w->lock);
        pw_counters c = w->snap;
        pthread_mutex_unlock(&w->lock);
        jb_open_object(j, NULL);
        jb_u64(j, "worker", (uint64_t)i);
        jb_u64(j, "packets", c.packets);
        jb_u64(j, "bytes", c.bytes);
        jb_u64(j, "kernel_packets", c.kernel_packets);
        jb_u64(j, "kernel_drops", c.kernel_drops);
        jb_u64(j, "kernel_ifdrops", c.kernel_ifdrops);
        jb_close_object(j);
    }
    jb_close_array(j);
}

static bool check_drops(live_drops *d, worker *ws, int n, uint64_t now)
{
    uint64_t kp[LIVE_MAX_WORKERS], kd[LIVE_MAX_WORKERS];
    for (int i = 0; i < n && i < LIVE_MAX_WORKERS; i++) {
        pthread_mutex_lock(&ws[i].lock);
        kp[i] = ws[i].snap.kernel_packets;
        kd[i] = ws[i].snap.kernel_drops;
        pthread_mutex_unlock(&ws[i].lock);
    }
    char msg[1024];
    if (!live_drops_check(d, now, kp, kd, msg, sizeof(msg)))
        return false;
    fprintf(stderr, "pipewatch: %s\n", msg);
    return true;
}

static void sum_snapshots(worker *ws, int n, pw_counters *c)
{
    memset(c, 0, sizeof(*c));
    for (int i = 0; i < n; i++) {
        pthread_mutex_lock(&ws[i].lock);
        pw_counters_add(c, &ws[i].snap);
        pthread_mutex_unlock(&ws[i].lock);
    }
}

/* The session's scheduler group. Where the kernel groups processes by
 * session (autogroup, on by default in Debian's kernels), the CPU is shared
 * between the groups first and a nice value only ranks a process within its
 * own: nice -10 alone does not put the capture ahead of a compiler started
 * from another login. The group has a nice value of its own, in
 * /proc/self/autogroup; the capture gives it its own value for the run and
 * puts the old one back at exit. The file is opened before privileges are
 * dropped, and the put back goes through that descriptor. */
static struct {
    int fd;
    int old;         /* the group's value before the first change */
    bool set;        /* changed, and not put back yet */
    bool registered; /* live_group_restore runs at exit */
} g_group = {-1, 0, false, false};

/* The group's nice value from text such as "/autogroup-93 nice -5". */
bool live_group_parse(const char *text, int *nice)
{
    const char *p = strstr(text, " nice ");
    if (!p)
        return false;
    char *end;
    errno = 0;
    long v = strtol(p + 6, &end, 10);
    if (errno || end == p + 6 || v < -20 || v > 19)
        return false;
    *nice = (int)v;
    return true;
}

/* The kernel takes one write of a group's nice value a tenth of a second
 * from a process without CAP_SYS_ADMIN, whichever process wrote last. */
static int group_write(int fd, int nice)
{
    char buf[16];
    int n = snprintf(buf, sizeof(buf), "%d", nice);
    for (int attempt = 0; attempt < 3; attempt++) {
        if (write(fd, buf, (size_t)n) == n)
            return 0;
        if (errno != EAGAIN)
            return errno;
        struct timespec ts = {0, 110 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    return EAGAIN;
}

void live_group_restore(void)
{
    if (!g_group.set)
        return;
    g_group.set = false;
    int e = group_write(g_group.fd, g_group.old);
    if (e)
        fprintf(stderr, "pipewatch: warning: cannot put this session's scheduler group back to nice %d (%s)\n",
                g_group.old, strerror(e));
    close(g_group.fd);
    g_group.fd = -1;
}

int live_group_set(const char *enabled_path, const char *group_path, int want, bool quiet)
{
    FILE *f = fopen(enabled_path, "r");
    if (!f)
        return 0; /* a kernel without session groups */
    int on = fgetc(f);
    fclose(f);
    if (on != '1')
        return 0;
    int fd = open(group_path, O_RDWR | O_CLOEXEC);
    char text[128];
    ssize_t n = fd >= 0 ? read(fd, text, sizeof(text) - 1) : -1;
    int e = errno;
    int now;
    if (n > 0)
        text[n] = 0;
    if (n <= 0 || !live_group_parse(text, &now)) {
        if (!quiet)
            fprintf(stderr, "pipewatch: warning: cannot read this session's scheduler group from %s (%s): other "
                            "sessions' work can take as much of the CPU as the capture\n", group_path,
                    n < 0 ? strerror(e) : "not a group's nice value");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    if (now == want) {
        close(fd);
        return 0;
    }
    e = group_write(fd, want);
    if (e) {
        if (!quiet)
            fprintf(stderr, "pipewatch: warning: cannot set this session's scheduler group to nice %d (%s): it "
                            "stays at nice %d, and other sessions' work can take as much of the CPU as the capture "
                            "(root, CAP_SYS_NICE or LimitNICE=%d allows it)\n", want, strerror(e), now, want);
        close(fd);
        return -1;
    }
    if (g_group.fd >= 0)
        close(g_group.fd);
    g_group.fd = fd;
    if (!g_group.set)
        g_group.old = now;
    g_group.set = true;
    if (!g_group.registered)
        g_group.registered = atexit(live_group_restore) == 0;
    return 1;
}

/* Sets the nice value of the calling thread, which the threads started
 * after it inherit (on Linux a nice value is a thread's), and of its
 * session's scheduler group. Lowering it needs root or CAP_SYS_NICE (or
 * RLIMIT_NICE); when it cannot be done the capture goes on where it is, and
 * says so. Returns the nice value the capture runs at. */
int live_set_priority(int want, bool quiet)
{
    errno = 0;
    int now = getpriority(PRIO_PROCESS, 0);
    if (errno)
        now = 0;
    if (now != want) {
        if (setpriority(PRIO_PROCESS, 0, want) != 0) {
            if (!quiet)
                fprintf(stderr, "pipewatch: warning: cannot set the capture's priority to nice %d (%s): it runs at "
                                "nice %d, where the host's other work can keep it from reading the kernel ring "
                                "(--priority, threading.priority)\n", want, strerror(errno), now);
            return now;
        }
    }
    live_group_set("/proc/sys/kernel/sched_autogroup_enabled", "/proc/self/autogroup", want, quiet);
    return want;
}

int live_run(live_ctx *lc, pw_counters *total)
{
    const pw_options *o = lc->o;
    int nworkers = o->workers > 0 ? o->workers : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (nworkers < 1)
        nworkers = 1;
    if (nworkers > 64)
        nworkers = 64;
    const char *bpf = o->live_bpf ? (*o->live_bpf ? o->live_bpf : NULL) : DEFAULT_LIVE_FILTER;
    worker *ws = calloc((size_t)nworkers, sizeof(worker));
    if (!ws) {
        fprintf(stderr, "pipewatch: out of memory\n");
        return 1;
    }
    char err[CAPTURE_ERRLEN];
    int status = 0;
    int opened = 0;
    for (int i = 0; i < nworkers && status == 0; i++, opened++) {
        worker *w = &ws[i];
        w->idx = i;
        w->lc = lc;
        w->opts = *o;
        w->opts.stats_interval_usec = 0;
        pw_options_for_worker(&w->opts, nworkers);
        pthread_mutex_init(&w->lock, NULL);
        for (size_t k = 0; k < o->n_interfaces; k++) {
            w->h[k] = capture_open_live(o->interfaces[k], o->snaplen, o->buffer_size_mb, o->promisc, bpf, err,
                                        sizeof(err));
            if (!w->h[k]) {
                status = 3;
                break;
            }
            w->nh++;
            w->dlt[k] = pcap_datalink(w->h[k]);
            pcap_setnonblock(w->h[k], 1, err);
            if (nworkers > 1 && !join_fanout(w->h[k], o->cluster_id + (int)k, err, sizeof(err), o->interfaces[k])) {
                if (i == 0) {
                    /* No fanout on this kernel or socket: one worker sees everything. */
                    fprintf(stderr, "pipewatch: %s; falling back to one worker\n", err);
                    nworkers = 1;
                    continue;
                }
                status = 3;
                break;
            }
        }
        if (status == 0) {
            w->pl = pipeline_new(&w->opts, lc->rules[i], lc->out);
            if (!w->pl) {
                snprintf(err, sizeof(err), "cannot start worker %d: out of memory", i);
                status = 1;
            } else if (lc->sum) {
                pipeline_add_observer(w->pl, summary_observer(lc->sum));
            }
        }
    }
    errno = 0;
    int nice_value = getpriority(PRIO_PROCESS, 0);
    if (errno)
        nice_value = 0;
    if (status == 0 && !live_drop_privileges(o->run_as_user, o->run_as_group, err, sizeof(err)))
        status = 2;
    if (status != 0) {
        fprintf(stderr, "pipewatch: %s\n", err);
        for (int i = 0; i < opened; i++) {
            for (size_t k = 0; k < ws[i].nh; k++)
                pcap_close(ws[i].h[k]);
            pipeline_free(ws[i].pl);
            pthread_mutex_destroy(&ws[i].lock);
        }
        free(ws);
        return status;
    }
    if (!o->quiet)
        fprintf(stderr, "pipewatch: capturing on %zu interface(s) with %d worker(s) at nice %d\n", o->n_interfaces,
                nworkers, nice_value);
    int started = 0;
    for (int i = 0; i < nworkers; i++) {
        if (pthread_create(&ws[i].thread, NULL, worker_main, &ws[i]) != 0) {
            fprintf(stderr, "pipewatch: cannot start worker thread %d\n", i);
            *lc->stop = 1;
            status = 1;
            break;
        }
        started++;
    }
    live_stats_ctx sc = {ws, nworkers, lc->sum};
    pipeline_set_stats_extra(live_stats_extra, &sc);
    live_drops drops;
    live_drops_init(&drops, nworkers);
    uint64_t start = wall_usec(), last_stats = start;
    while (!*lc->stop) {
        /* Events reach the output within this nap of leaving a worker. */
        struct timespec nap = {0, LIVE_FLUSH_USEC * 1000};
        nanosleep(&nap, NULL);
        if (*lc->reopen) {
            *lc->reopen = 0;
            const char *e = output_reopen(lc->out) ? NULL : output_take_error(lc->out);
            if (e)
                fprintf(stderr, "pipewatch: %s\n", e);
        }
        uint64_t now = wall_usec();
        bool periodic = o->log_stats && o->stats_interval_usec && now - last_stats >= o->stats_interval_usec;
        if (*lc->dump_stats || periodic) {
            *lc->dump_stats = 0;
            last_stats = now;
            pw_counters c;
            sum_snapshots(ws, nworkers, &c);
            pipeline_write_stats(lc->out, &c, now, now - start);
        }
        output_flush(lc->out);
        if (output_failed(lc->out))
            break;
        check_drops(&drops, ws, nworkers, now); /* even with --quiet: the events are incomplete */
    }
    *lc->stop = 1;
    for (int i = 0; i < started; i++)
        pthread_join(ws[i].thread, NULL);
    sum_snapshots(ws, nworkers, total);
    pipeline_finish_shared();
    if (total->kernel_drops) {
        fprintf(stderr, "pipewatch: the kernel dropped %llu of %llu packets (%.2f%%)",
                (unsigned long long)total->kernel_drops, (unsigned long long)total->kernel_packets,
                total->kernel_packets ? 100.0 * (double)total->kernel_drops / (double)total->kernel_packets : 0.0);
        for (int i = 0; i < nworkers && nworkers > 1; i++)
            fprintf(stderr, "%s worker %d: %llu of %llu", i ? "," : ";", i,
                    (unsigned long long)ws[i].snap.kernel_drops, (unsigned long long)ws[i].snap.kernel_packets);
        fputc('\n', stderr);
    }
    if (o->log_stats) {
        uint64_t now = wall_usec();
        pipeline_write_stats(lc->out, total, now, now - start);
    }
    pipeline_set_stats_extra(lc->sum ? summary_json : NULL, lc->sum);
    for (int i = 0; i < nworkers; i++) {
        if (ws[i].status && !status) {
            fprintf(stderr, "pipewatch: %s\n", ws[i].err);
            status = ws[i].status;
        }
        for (size_t k = 0; k < ws[i].nh; k++)
            pcap_close(ws[i].h[k]);
        pipeline_free(ws[i].pl);
        pthread_mutex_destroy(&ws[i].lock);
    }
    free(ws);
    return status;
}
