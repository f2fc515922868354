#include "summary.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define SUM_ENTRIES 256
#define SUM_CLIENTS 8
#define SUM_NAME 160

typedef struct sum_entry {
    char name[SUM_NAME];
    uint64_t count;
    char clients[SUM_CLIENTS][48];
    unsigned nclients;
    bool more_clients;
} sum_entry;

typedef struct sum_table {
    sum_entry e[SUM_ENTRIES];
    unsigned n;
    uint64_t overflow;
} sum_table;

/* Workers report into one summary: a lock keeps the tables whole. */
struct summary {
    pthread_mutex_t lock;
    sum_table shares, pipes, alerts;
    unsigned captures;
    uint64_t alert_lines;
    char alert_text[16][320];
};

summary *summary_new(void)
{
    summary *s = calloc(1, sizeof(summary));
    if (s)
        pthread_mutex_init(&s->lock, NULL);
    return s;
}

void summary_free(summary *s)
{
    if (!s)
        return;
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static void add(sum_table *t, const char *name, const char *client)
{
    sum_entry *e = NULL;
    for (unsigned i = 0; i < t->n; i++)
        if (strcmp(t->e[i].name, name) == 0) {
            e = &t->e[i];
            break;
        }
    if (!e) {
        if (t->n == SUM_ENTRIES) {
            t->overflow++;
            return;
        }
        e = &t->e[t->n++];
        snprintf(e->name, sizeof(e->name), "%s", name);
    }
    e->count++;
    if (!client)
        return;
    for (unsigned i = 0; i < e->nclients; i++)
        if (strcmp(e->clients[i], client) == 0)
            return;
    if (e->nclients < SUM_CLIENTS)
        snprintf(e->clients[e->nclients++], sizeof(e->clients[0]), "%s", client);
    else
        e->more_clients = true;
}

void summary_on_fact(void *ctx, const smb_fact *f, const char *client_ip)
{
    summary *s = ctx;
    if (f->h.kind != SMB_FACT_TREE_CONNECT && f->h.kind != SMB_FACT_CREATE)
        return;
    pthread_mutex_lock(&s->lock);
    const smb_fact_tree *t = &f->u.tree;
    if (f->h.kind == SMB_FACT_TREE_CONNECT && t->share && (!f->h.have_response || f->h.status == 0))
        add(&s->shares, t->share, client_ip);
    const smb_fact_file *file = &f->u.file;
    if (f->h.kind == SMB_FACT_CREATE && file->filename && file->tree.share_type == SMB_SHARE_PIPE)
        add(&s->pipes, file->filename[0] == '\\' ? file->filename + 1 : file->filename, client_ip);
    pthread_mutex_unlock(&s->lock);
}

void summary_on_alert(void *ctx, const sigma_rule *r, const char *share, const char *name, const char *client_ip)
{
    summary *s = ctx;
    pthread_mutex_lock(&s->lock);
    add(&s->alerts, sigma_rule_title(r), client_ip);
    if (s->alert_lines < 16)
        snprintf(s->alert_text[s->alert_lines], sizeof(s->alert_text[0]), "%-15s %s %s  [%s]",
                 client_ip ? client_ip : "?", share ? share : "?", name ? name : "?", sigma_rule_title(r));
    s->alert_lines++;
    pthread_mutex_unlock(&s->lock);
}

pipeline_observer summary_observer(summary *s)
{
    pipeline_observer ob = {summary_on_fact, summary_on_alert, s};
    return ob;
}

void summary_add_capture(summary *s) { s->captures++; }

static int by_count(const void *a, const void *b)
{
    const sum_entry *x = a, *y = b;
    if (x->count != y->count)
        return x->count < y->count ? 1 : -1;
    return strcmp(x->name, y->name);
}

static void json_table(jbuf *j, const char *key, const char *name_key, const char *count_key,
                       const sum_table *t, bool clients)
{
    sum_entry *sorted = malloc(sizeof(sum_entry) * (t->n ? t->n : 1));
    if (!sorted)
        return;
    memcpy(sorted, t->e, sizeof(sum_entry) * t->n);
    qsort(sorted, t->n, sizeof(sum_entry), by_count);
    jb_open_array(j, key);
    for (unsigned i = 0; i < t->n && i < 10; i++) {
        jb_open_object(j, NULL);
        jb_str(j, name_key, sorted[i].name);
        jb_u64(j, count_key, sorted[i].count);
        if (clients) {
            jb_u64(j, "clients", sorted[i].nclients); /* distinct, counted up to 8 */
            if (sorted[i].more_clients)
                jb_bool(j, "more_clients", true);
        }
        jb_close_object(j);
    }
    jb_close_array(j);
    free(sorted);
}

void summary_json(jbuf *j, void *ctx)
{
    summary *s = ctx;
    pthread_mutex_lock(&s->lock);
    json_table(j, "shares", "share", "tree_connects", &s->shares, true);
    json_table(j, "named_pipes", "name", "opens", &s->pipes, true);
    json_table(j, "alerts_by_rule", "signature", "alerts", &s->alerts, false);
    pthread_mutex_unlock(&s->lock);
}

static void print_table(FILE *out, const char *title, const char *what, const sum_table *t, int top_n)
{
    if (t->n == 0) {
        fprintf(out, "  %s: none\n", title);
        return;
    }
    sum_entry *sorted = malloc(sizeof(sum_entry) * t->n);
    if (!sorted)
        return;
    memcpy(sorted, t->e, sizeof(sum_entry) * t->n);
    qsort(sorted, t->n, sizeof(sum_entry), by_count);
    fprintf(out, "  %s:\n", title);
    for (unsigned i = 0; i < t->n && (int)i < top_n; i++) {
        fprintf(out, "    %6llu  %-44s %s", (unsigned long long)sorted[i].count, sorted[i].name, what);
        for (unsigned k = 0; k < sorted[i].nclients; k++)
            fprintf(out, "%s%s", k ? ", " : " ", sorted[i].clients[k]);
        fprintf(out, "%s\n", sorted[i].more_clients ? ", …" : "");
    }
    if (t->n > (unsigned)top_n)
        fprintf(out, "    … %u more\n", t->n - (unsigned)top_n);
    if (t->overflow)
        fprintf(out, "    (%llu not tabulated: table full)\n", (unsigned long long)t->overflow);
    free(sorted);
}

void summary_print(const summary *s, FILE *out, const pw_counters *c, double seconds, int top_n)
{
    double mb = (double)c->bytes / 1e6;
    fprintf(out, "pipewatch summary\n");
    fprintf(out, "  read:     %u capture(s), %llu packets, %.1f MB in %.2f s (%.1f MB/s, %.0f packets/s)\n",
            s->captures, (unsigned long long)c->packets, mb, seconds, seconds > 0 ? mb / seconds : 0.0,
            seconds > 0 ? (double)c->packets / seconds : 0.0);
    if (c->kernel_packets || c->kernel_drops) /* live capture */
        fprintf(out, "  kernel:   %llu packets, %llu dropped (%.2f%%), %llu dropped by the interface\n",
                (unsigned long long)c->kernel_packets, (unsigned long long)c->kernel_drops,
                c->kernel_packets ? 100.0 * (double)c->kernel_drops / (double)c->kernel_packets : 0.0,
                (unsigned long long)c->kernel_ifdrops);
    fprintf(out, "  flows:    %llu, SMB %llu (midstream %llu); SMB sessions %llu (NTLMSSP %llu, Kerberos %llu)\n",
            (unsigned long long)c->flows, (unsigned long long)c->flows_smb, (unsigned long long)c->flows_midstream,
            (unsigned long long)c->smb_sessions, (unsigned long long)c->smb_ntlm_sessions,
            (unsigned long long)c->smb_kerberos_sessions);
    fprintf(out, "  dialects:");
    for (int i = 0; i < PW_N_DIALECTS; i++)
        if (c->smb_by_dialect[i])
            fprintf(out, " %s=%llu", pw_dialect_names[i], (unsigned long long)c->smb_by_dialect[i]);
    fprintf(out, "%s; encrypted flows %llu\n", c->flows_smb ? "" : " none",
            (unsigned long long)c->smb_encrypted_flows);
    print_table(out, "shares connected (tree connects, clients)", "from", &s->shares, top_n);
    print_table(out, "named pipes opened", "by", &s->pipes, top_n);
    /* 5145 and 5140 always, the other event ids once seen */
    fprintf(out, "  events:   %llu smb", (unsigned long long)c->events_smb);
    for (int i = 0; i < PW_N_WINLOG_IDS; i++)
        if (i < 2 || c->events_winlog[i])
            fprintf(out, ", %llu %s", (unsigned long long)c->events_winlog[i], pw_winlog_keys[i] + 7);
    fprintf(out, ", %llu alerts\n", (unsigned long long)c->alerts);
    print_table(out, "alerts by rule", "from", &s->alerts, top_n);
    if (c->rule_regex_limit)
        fprintf(out, "  rules:    %llu regex matches stopped at PCRE2's match limit (taken as no match)\n",
                (unsigned long long)c->rule_regex_limit);
    for (uint64_t i = 0; i < s->alert_lines && i < 16; i++)
        fprintf(out, "    ! %s\n", s->alert_text[i]);
    if (s->alert_lines > 16)
        fprintf(out, "    ! … %llu more alerts in the EVE output\n", (unsigned long long)(s->alert_lines - 16));
    fprintf(out, "  not seen: %llu TCP gaps (%llu bytes), %llu SMB resyncs, %llu encrypted SMB messages, "
                 "%llu midstream flows, %llu flow memcap drops, %llu reassembly memcap drops, "
                 "%llu SMB state limit drops, %llu SMB memcap drops, %llu truncated/malformed packets, "
                 "%llu unsupported link type\n",
            (unsigned long long)c->tcp_gaps, (unsigned long long)c->tcp_gap_bytes,
            (unsigned long long)c->smb_resyncs, (unsigned long long)c->smb_encrypted_msgs,
            (unsigned long long)c->flows_midstream, (unsigned long long)c->flow_memcap_drops,
            (unsigned long long)c->stream_memcap_drops, (unsigned long long)c->smb_limit_drops,
            (unsigned long long)(c->smb_memcap_drops + c->smb_pdu_memcap_drops),
            (unsigned long long)(c->decode_truncated + c->decode_malformed),
            (unsigned long long)c->decode_unsupported);
}
