/* The Sigma correlation engine: groups of recent matches per correlation and
 * group-by values, evaluated as matches come and when windows close.
 *
 * Two ways to evaluate, chosen per correlation at start:
 *  - rising: every condition is gt/gte and the measure only grows as matches
 *    come (event_count, value_count, value_sum, temporal, temporal_ordered).
 *    The window slides: matches older than the timespan before the newest are
 *    forgotten, and the correlation fires as soon as the condition holds; the
 *    group then starts afresh, so one burst gives one alert.
 *  - closing: anything with an upper bound (lt, lte, eq, neq) or a measure
 *    that can fall (value_avg, value_percentile). Such a condition is only
 *    known once the window is over, so the window is fixed: it opens at the
 *    group's first match and is evaluated when the timespan has passed (or
 *    the input ends).
 * One lock guards all state, so workers may feed the same engine. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigma_internal.h"

#define GROUP_KEY_MAX 256
#define VALUE_MAX 48
#define MAX_EVENTS_CAP 1024
#define CHAIN_DEPTH 4

typedef struct centry {
    uint64_t ts, flow_id, vhash;
    double num;
    uint32_t rule;
    uint8_t slot; /* which of the correlation's rules */
    bool has_val, has_num;
    char val[VALUE_MAX];
} centry;

typedef struct cgroup {
    struct cgroup *hnext, *prev, *next; /* hash chain; LRU list, least recently fed first */
    uint32_t corr;
    uint64_t hash;
    uint64_t first_ts, last_ts;
    uint64_t count;   /* matches in this window */
    double sum;       /* closing: sum of the field over the window */
    uint64_t nnum;    /* closing: matches whose field was a number */
    bool truncated;   /* the ring dropped matches of this window */
    bool busy;        /* being fed or evaluated: not to be evicted by a chained match */
    uint32_t head, n; /* ring: oldest at head */
    uint16_t keylen;
    char key[GROUP_KEY_MAX];
    centry ring[];
} cgroup;

typedef struct corr_info {
    const sigma_rule *r;
    bool closing;
} corr_info;

typedef struct want {
    uint32_t corr, slot;
} want;

struct sigma_corr {
    pthread_mutex_t lock;
    const sigma_ruleset *rs;
    sigma_corr_limits lim;
    sigma_corr_fn fn;
    void *ctx;
    corr_info *corrs;
    size_t ncorrs;
    /* rule index -> [want_first[i], want_first[i + 1]) in wants */
    uint32_t *want_first;
    want *wants;
    size_t nrules;
    cgroup **buckets;
    size_t nbuckets;
    size_t max_groups, ngroups, group_size;
    cgroup *lru_head, *lru_tail;
    sigma_corr_stats st;
};

static const char *const type_names[] = {"event_count", "value_count", "temporal",        "temporal_ordered",
                                         "value_sum",   "value_avg",   "value_percentile"};

void sigma_corr_limits_default(sigma_corr_limits *l)
{
    l->memcap = 4u << 20;
    l->max_events = 64;
}

static uint64_t fnv(const char *s, size_t n, uint64_t h)
{
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 1099511628211ull;
    return h;
}

static bool is_closing(const sigma_corr_def *d)
{
    if (d->type == SC_VALUE_AVG || d->type == SC_VALUE_PERCENTILE)
        return true;
    for (size_t i = 0; i < d->ncond; i++)
        if (d->cond[i].op != CO_GT && d->cond[i].op != CO_GTE)
            return true;
    return false;
}

sigma_corr *sigma_corr_new(const sigma_ruleset *rs, const sigma_corr_limits *l, sigma_corr_fn fn, void *ctx, char *err,
                           size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    sigma_corr *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    pthread_mutex_init(&c->lock, NULL);
    c->rs = rs;
    if (l)
        c->lim = *l;
    else
        sigma_corr_limits_default(&c->lim);
    if (c->lim.max_events == 0)
        c->lim.max_events = 1;
    if (c->lim.max_events > MAX_EVENTS_CAP)
        c->lim.max_events = MAX_EVENTS_CAP;
    c->fn = fn;
    c->ctx = ctx;
    c->nrules = sigma_rule_count(rs);
    c->want_first = calloc(c->nrules + 1, sizeof(uint32_t));
    if (!c->want_first)
        goto oom;
    size_t nw = 0;
    for (size_t i = 0; i < c->nrules; i++) {
        const sigma_rule *r = sigma_rule_at(rs, i);
        if (r->kind != SR_CORRELATION)
            continue;
        c->ncorrs++;
        for (size_t k = 0; k < r->corr->nrefs; k++)
            if (r->corr->ref_idx[k] >= 0)
                nw++;
    }
    c->corrs = calloc(c->ncorrs ? c->ncorrs : 1, sizeof(corr_info));
    c->wants = calloc(nw ? nw : 1, sizeof(want));
    if (!c->corrs || !c->wants)
        goto oom;
    size_t ci = 0;
    for (size_t i = 0; i < c->nrules; i++) {
        const sigma_rule *r = sigma_rule_at(rs, i);
        if (r->kind != SR_CORRELATION)
            continue;
        const sigma_corr_def *d = r->corr;
        c->corrs[ci].r = r;
        c->corrs[ci].closing = is_closing(d);
        /* A rising count cannot pass what a group keeps. */
        if (!c->corrs[ci].closing && (d->type == SC_EVENT_COUNT || d->type == SC_VALUE_COUNT))
            for (size_t k = 0; k < d->ncond; k++)
                if (d->cond[k].v >= (double)c->lim.max_events) {
                    if (err)
                        snprintf(err, errlen,
                                 "%s: correlation '%s' counts to %g, more than the %u "
                                 "matches a group keeps "
                                 "(sigma.correlation.max-events)",
                                 r->file, r->title, d->cond[k].v, c->lim.max_events);
                    sigma_corr_free(c);
                    return NULL;
                }
        for (size_t k = 0; k < d->nrefs; k++)
            if (d->ref_idx[k] >= 0)
                c->want_first[d->ref_idx[k] + 1]++;
        ci++;
    }
    for (size_t i = 0; i < c->nrules; i++)
        c->want_first[i + 1] += c->want_first[i];
    uint32_t *fill = calloc(c->nrules + 1, sizeof(uint32_t));
    if (!fill)
        goto oom;
    ci = 0;
    for (size_t i = 0; i < c->nrules; i++) {
        const sigma_rule *r = sigma_rule_at(rs, i);
        if (r->kind != SR_CORRELATION)
            continue;
        for (size_t k = 0; k < r->corr->nrefs; k++) {
            long t = r->corr->ref_idx[k];
            if (t < 0)
                continue;
            want *w = &c->wants[c->want_first[t] + fill[t]++];
            w->corr = (uint32_t)ci;
            w->slot = (uint32_t)k;
        }
        ci++;
    }
    free(fill);
    c->group_size = sizeof(cgroup) + c->lim.max_events * sizeof(centry);
    c->max_groups = c->lim.memcap / c->group_size;
    if (c->max_groups == 0)
        c->max_groups = 1;
    c->nbuckets = 1;
    while (c->nbuckets < c->max_groups && c->nbuckets < (1u << 20))
        c->nbuckets <<= 1;
    c->buckets = calloc(c->nbuckets, sizeof(cgroup *));
    if (!c->buckets)
        goto oom;
    return c;
oom:
    if (err)
        snprintf(err, errlen, "out of memory");
    sigma_corr_free(c);
    return NULL;
}

static void group_unlink(sigma_corr *c, cgroup *g)
{
    cgroup **pp = &c->buckets[g->hash & (c->nbuckets - 1)];
    while (*pp && *pp != g)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = g->hnext;
    if (g->prev)
        g->prev->next = g->next;
    else
        c->lru_head = g->next;
    if (g->next)
        g->next->prev = g->prev;
    else
        c->lru_tail = g->prev;
    c->ngroups--;
}

static void group_drop(sigma_corr *c, cgroup *g)
{
    group_unlink(c, g);
    free(g);
}

void sigma_corr_free(sigma_corr *c)
{
    if (!c)
        return;
    while (c->lru_head)
        group_drop(c, c->lru_head);
    free(c->buckets);
    free(c->corrs);
    free(c->wants);
    free(c->want_first);
    pthread_mutex_destroy(&c->lock);
    free(c);
}

size_t sigma_corr_count(const sigma_corr *c) { return c ? c->ncorrs : 0; }

bool sigma_corr_wants(const sigma_corr *c, size_t rule_index)
{
    return c && rule_index < c->nrules && c->want_first[rule_index + 1] > c->want_first[rule_index];
}

static centry *ring_at(const sigma_corr *c, cgroup *g, uint32_t i)
{
    return &g->ring[(g->head + i) % c->lim.max_events];
}

/* The field a group-by name stands for in events of rule ri: an alias
 * naming that rule (by name or id) wins. */
static const char *field_for(const sigma_corr *c, const sigma_corr_def *d, const char *name, uint32_t ri)
{
    const sigma_rule *r = ri < c->nrules ? sigma_rule_at(c->rs, ri) : NULL;
    for (size_t i = 0; r && i < d->naliases; i++) {
        const sigma_corr_alias *a = &d->aliases[i];
        if (strcmp(a->alias, name) == 0 &&
            ((*r->name && strcmp(a->rule, r->name) == 0) || (*r->id && strcmp(a->rule, r->id) == 0)))
            return a->field;
    }
    return name;
}

static bool cond_holds(const sigma_corr_def *d, double x)
{
    for (size_t i = 0; i < d->ncond; i++) {
        double v = d->cond[i].v;
        bool ok;
        switch (d->cond[i].op) {
        case CO_GT: ok = x > v; break;
        case CO_GTE: ok = x >= v; break;
        case CO_LT: ok = x < v; break;
        case CO_LTE: ok = x <= v; break;
        case CO_EQ: ok = x == v; break;
        default: ok = x != v; break;
        }
        if (!ok)
            return false;
    }
    return true;
}

static uint64_t distinct_values(const sigma_corr *c, cgroup *g)
{
    uint64_t seen[MAX_EVENTS_CAP];
    uint64_t n = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const centry *e = ring_at(c, g, i);
        if (!e->has_val)
            continue;
        bool dup = false;
        for (uint64_t k = 0; k < n && !dup; k++)
            dup = seen[k] == e->vhash;
        if (!dup)
            seen[n++] = e->vhash;
    }
    return n;
}

static uint32_t distinct_slots(const sigma_corr *c, cgroup *g)
{
    bool seen[SIGMA_CORR_MAX_RULES] = {false};
    uint32_t n = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const centry *e = ring_at(c, g, i);
        if (!seen[e->slot]) {
            seen[e->slot] = true;
            n++;
        }
    }
    return n;
}

/* Matches of the rules in the order written: the earliest match of each rule
 * after the one found for the rule before. */
static bool in_order(const sigma_corr *c, cgroup *g, size_t nslots)
{
    size_t want_slot = 0;
    uint64_t after = 0;
    bool any = false;
    while (want_slot < nslots) {
        const centry *best = NULL;
        for (uint32_t i = 0; i < g->n; i++) {
            const centry *e = ring_at(c, g, i);
            if (e->slot == want_slot && (!any || e->ts > after) && (!best || e->ts < best->ts))
                best = e;
        }
        if (!best)
            return false;
        after = best->ts;
        any = true;
        want_slot++;
    }
    return true;
}

static void feed_locked(sigma_corr *c, size_t rule_index, const sigma_event *ev, uint64_t ts, uint64_t flow_id,
                        int depth);

static void fire(sigma_corr *c, cgroup *g, double value, const char *value_of, int depth)
{
    const corr_info *ci = &c->corrs[g->corr];
    const sigma_corr_def *d = ci->r->corr;
    const char *names[SIGMA_CORR_MAX_GROUP], *values[SIGMA_CORR_MAX_GROUP];
    char keycopy[GROUP_KEY_MAX + 1];
    memcpy(keycopy, g->key, g->keylen);
    keycopy[g->keylen] = 0;
    char *p = keycopy;
    for (size_t i = 0; i < d->ngroup; i++) {
        names[i] = d->group_by[i];
        values[i] = p;
        char *sep = p ? strchr(p, '\x1f') : NULL;
        if (sep) {
            *sep = 0;
            p = sep + 1;
        } else
            p = NULL;
        if (!values[i])
            values[i] = "";
    }
    sigma_corr_ref refs[MAX_EVENTS_CAP];
    size_t nrefs = 0;
    for (uint32_t i = 0; i < g->n; i++) {
        const centry *e = ring_at(c, g, i);
        refs[nrefs].ts_usec = e->ts;
        refs[nrefs].flow_id = e->flow_id;
        refs[nrefs].rule = e->rule;
        nrefs++;
    }
    c->st.alerts++;
    bool raise = !ci->r->quiet || ci->r->generated;
    if (raise)
        c->st.raised++;
    if (raise && c->fn) {
        sigma_corr_alert a = {
            ci->r,      type_names[d->type],           d->ngroup, names, values,      value, value_of, g->first_ts,
            g->last_ts, ci->closing ? g->count : g->n, refs,      nrefs, g->truncated};
        c->fn(c->ctx, &a);
    }
    /* A correlation may be named by another: its firing is a match there,
     * with the group-by values as the event's fields. */
    size_t self = ci->r->index;
    if (depth < CHAIN_DEPTH && sigma_corr_wants(c, self)) {
        sigma_field f[SIGMA_CORR_MAX_GROUP];
        for (size_t i = 0; i < d->ngroup; i++) {
            f[i].name = names[i];
            f[i].value = values[i];
        }
        sigma_event cev = {NULL, NULL, NULL, f, d->ngroup};
        feed_locked(c, self, &cev, g->last_ts, 0, depth + 1);
    }
}

/* A closing window is over: evaluate it. */
static void close_window(sigma_corr *c, cgroup *g, int depth)
{
    const sigma_corr_def *d = c->corrs[g->corr].r->corr;
    switch (d->type) {
    case SC_EVENT_COUNT:
        if (cond_holds(d, (double)g->count))
            fire(c, g, (double)g->count, NULL, depth);
        break;
    case SC_VALUE_COUNT: {
        double n = (double)distinct_values(c, g);
        if (cond_holds(d, n))
            fire(c, g, n, NULL, depth);
        break;
    }
    case SC_VALUE_SUM:
        if (g->nnum && cond_holds(d, g->sum))
            fire(c, g, g->sum, NULL, depth);
        break;
    case SC_VALUE_AVG:
        if (g->nnum && cond_holds(d, g->sum / (double)g->nnum))
            fire(c, g, g->sum / (double)g->nnum, NULL, depth);
        break;
    case SC_VALUE_PERCENTILE: {
        /* Each distinct value's share of the group's matches, in percent:
         * the condition picks the rare (lte) or the common (gte) ones. */
        uint64_t done[MAX_EVENTS_CAP];
        size_t ndone = 0, withval = 0;
        for (uint32_t i = 0; i < g->n; i++)
            withval += ring_at(c, g, i)->has_val;
        for (uint32_t i = 0; i < g->n && withval; i++) {
            const centry *e = ring_at(c, g, i);
            bool dup = !e->has_val;
            for (size_t k = 0; k < ndone && !dup; k++)
                dup = done[k] == e->vhash;
            if (dup)
                continue;
            done[ndone++] = e->vhash;
            size_t same = 0;
            for (uint32_t k = 0; k < g->n; k++) {
                const centry *o = ring_at(c, g, k);
                same += o->has_val && o->vhash == e->vhash;
            }
            double pct = 100.0 * (double)same / (double)withval;
            if (cond_holds(d, pct)) {
                char v[VALUE_MAX];
                memcpy(v, e->val, VALUE_MAX);
                fire(c, g, pct, v, depth);
            }
        }
        break;
    }
    case SC_TEMPORAL: {
        double n = distinct_slots(c, g);
        if (d->ncond ? cond_holds(d, n) : n == (double)d->nrefs)
            fire(c, g, n, NULL, depth);
        break;
    }
    default:
        if (in_order(c, g, d->nrefs))
            fire(c, g, (double)d->nrefs, NULL, depth);
        break;
    }
}

/* A rising window after a new match: fire when the condition holds. */
static bool rising_check(sigma_corr *c, cgroup *g, int depth)
{
    const sigma_corr_def *d = c->corrs[g->corr].r->corr;
    double x;
    bool hit;
    switch (d->type) {
    case SC_EVENT_COUNT:
        x = g->n;
        hit = cond_holds(d, x);
        break;
    case SC_VALUE_COUNT:
        x = (double)distinct_values(c, g);
        hit = cond_holds(d, x);
        break;
    case SC_VALUE_SUM: {
        x = 0;
        bool any = false;
        for (uint32_t i = 0; i < g->n; i++) {
            const centry *e = ring_at(c, g, i);
            if (e->has_num) {
                x += e->num;
                any = true;
            }
        }
        hit = any && cond_holds(d, x);
        break;
    }
    case SC_TEMPORAL:
        x = distinct_slots(c, g);
        hit = d->ncond ? cond_holds(d, x) : x == (double)d->nrefs;
        break;
    default:
        x = (double)d->nrefs;
        hit = in_order(c, g, d->nrefs);
        break;
    }
    if (hit)
        fire(c, g, x, NULL, depth);
    return hit;
}

static void group_reset(cgroup *g)
{
    g->n = g->head = 0;
    g->count = g->nnum = 0;
    g->sum = 0;
    g->truncated = false;
    g->first_ts = 0;
}

static cgroup *group_get(sigma_corr *c, uint32_t corr, const char *key, size_t keylen, uint64_t hash)
{
    cgroup **b = &c->buckets[hash & (c->nbuckets - 1)];
    for (cgroup *g = *b; g; g = g->hnext)
        if (g->hash == hash && g->corr == corr && g->keylen == keylen && memcmp(g->key, key, keylen) == 0) {
            if (c->lru_tail != g) {
                if (g->prev)
                    g->prev->next = g->next;
                else
                    c->lru_head = g->next;
                g->next->prev = g->prev;
                g->prev = c->lru_tail;
                g->next = NULL;
                c->lru_tail->next = g;
                c->lru_tail = g;
            }
            return g;
        }
    if (c->ngroups >= c->max_groups) {
        cgroup *old = c->lru_head;
        while (old && old->busy)
            old = old->next;
        c->st.evicted++;
        if (!old)
            return NULL;
        group_drop(c, old);
    }
    cgroup *g = calloc(1, c->group_size);
    if (!g) {
        c->st.evicted++;
        return NULL;
    }
    g->corr = corr;
    g->hash = hash;
    g->keylen = (uint16_t)keylen;
    memcpy(g->key, key, keylen);
    g->hnext = *b;
    *b = g;
    g->prev = c->lru_tail;
    if (c->lru_tail)
        c->lru_tail->next = g;
    else
        c->lru_head = g;
    c->lru_tail = g;
    c->ngroups++;
    c->st.groups++;
    if (c->ngroups > c->st.groups_peak)
        c->st.groups_peak = c->ngroups;
    return g;
}

static bool parse_number(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v))
        return false;
    *out = v;
    return true;
}

static void feed_one(sigma_corr *c, const want *w, size_t rule_index, const sigma_event *ev, uint64_t ts,
                     uint64_t flow_id, int depth)
{
    const corr_info *ci = &c->corrs[w->corr];
    const sigma_corr_def *d = ci->r->corr;
    char key[GROUP_KEY_MAX];
    size_t kl = 0;
    for (size_t i = 0; i < d->ngroup; i++) {
        const char *v = sigma_event_get(ev, field_for(c, d, d->group_by[i], (uint32_t)rule_index));
        if (i && kl < sizeof(key))
            key[kl++] = '\x1f';
        for (; v && *v && kl < sizeof(key); v++)
            key[kl++] = *v == '\x1f' ? ' ' : *v;
    }
    uint64_t hash = fnv(key, kl, 1469598103934665603ull ^ w->corr);
    cgroup *g = group_get(c, w->corr, key, kl, hash);
    if (!g)
        return;
    bool was_busy = g->busy;
    g->busy = true;
    uint64_t span = d->timespan_usec;
    if (ci->closing && g->first_ts && ts >= g->first_ts + span) {
        close_window(c, g, depth);
        group_reset(g);
    }
    if (!ci->closing) {
        /* slide: forget what is older than the timespan before this match */
        while (g->n && ring_at(c, g, 0)->ts + span < ts) {
            g->head = (g->head + 1) % c->lim.max_events;
            g->n--;
        }
        if (g->n == 0)
            g->first_ts = 0;
    }
    if (!g->first_ts)
        g->first_ts = ts;
    if (ts > g->last_ts)
        g->last_ts = ts;
    centry *e;
    if (g->n == c->lim.max_events) {
        e = ring_at(c, g, 0);
        g->head = (g->head + 1) % c->lim.max_events;
        g->truncated = true;
    } else {
        e = ring_at(c, g, g->n);
        g->n++;
    }
    memset(e, 0, sizeof(*e));
    e->ts = ts;
    e->flow_id = flow_id;
    e->rule = (uint32_t)rule_index;
    e->slot = (uint8_t)w->slot;
    g->count++;
    if (d->field) {
        const char *v = sigma_event_get(ev, field_for(c, d, d->field, (uint32_t)rule_index));
        if (v) {
            /* Values compare as Sigma compares strings: without case. */
            uint64_t h = 1469598103934665603ull;
            for (const char *q = v; *q; q++) {
                char lc = (*q >= 'A' && *q <= 'Z') ? (char)(*q + 32) : *q;
                h = fnv(&lc, 1, h);
            }
            e->has_val = true;
            e->vhash = h;
            snprintf(e->val, sizeof(e->val), "%s", v);
            if (parse_number(v, &e->num)) {
                e->has_num = true;
                g->sum += e->num;
                g->nnum++;
            }
        }
    }
    if (!ci->closing && rising_check(c, g, depth))
        group_reset(g);
    g->busy = was_busy;
}

static void feed_locked(sigma_corr *c, size_t rule_index, const sigma_event *ev, uint64_t ts, uint64_t flow_id,
                        int depth)
{
    if (rule_index >= c->nrules)
        return;
    c->st.fed++;
    for (uint32_t i = c->want_first[rule_index]; i < c->want_first[rule_index + 1]; i++) {
        /* The same rule named twice by one correlation counts once. */
        bool dup = false;
        for (uint32_t k = c->want_first[rule_index]; k < i && !dup; k++)
            dup = c->wants[k].corr == c->wants[i].corr;
        if (!dup)
            feed_one(c, &c->wants[i], rule_index, ev, ts, flow_id, depth);
    }
}

void sigma_corr_feed(sigma_corr *c, size_t rule_index, const sigma_event *ev, uint64_t ts_usec, uint64_t flow_id)
{
    if (!sigma_corr_wants(c, rule_index))
        return;
    pthread_mutex_lock(&c->lock);
    feed_locked(c, rule_index, ev, ts_usec, flow_id, 0);
    pthread_mutex_unlock(&c->lock);
}

static bool due(const sigma_corr *c, const cgroup *g, uint64_t now, bool all)
{
    const corr_info *ci = &c->corrs[g->corr];
    uint64_t span = ci->r->corr->timespan_usec;
    if (all)
        return true;
    if (ci->closing)
        return g->first_ts && now >= g->first_ts + span;
    return g->n == 0 || g->last_ts + span < now;
}

/* Evaluating a closing window may fire a chained correlation, which may add
 * or evict groups: each due group is taken out of the table before it is
 * evaluated, and the walk starts again from the oldest. Groups a chained
 * match creates meanwhile are newer than `now` or evaluated at the next walk.
 */
static void expire(sigma_corr *c, uint64_t now, bool all)
{
    size_t budget = c->ngroups * 2 + 16; /* chained groups made during the walk are left to the next one */
    for (;;) {
        cgroup *g = c->lru_head;
        while (g && !due(c, g, now, all))
            g = g->next;
        if (!g || budget-- == 0)
            return;
        group_unlink(c, g);
        if (c->corrs[g->corr].closing && (g->n || g->count))
            close_window(c, g, 0);
        free(g);
    }
}

void sigma_corr_tick(sigma_corr *c, uint64_t now_usec)
{
    if (!c || !c->ncorrs)
        return;
    pthread_mutex_lock(&c->lock);
    expire(c, now_usec, false);
    pthread_mutex_unlock(&c->lock);
}

void sigma_corr_flush(sigma_corr *c)
{
    if (!c || !c->ncorrs)
        return;
    pthread_mutex_lock(&c->lock);
    expire(c, 0, true);
    pthread_mutex_unlock(&c->lock);
}

sigma_corr_stats sigma_corr_get_stats(sigma_corr *c)
{
    sigma_corr_stats s;
    memset(&s, 0, sizeof(s));
    if (!c)
        return s;
    pthread_mutex_lock(&c->lock);
    s = c->st;
    pthread_mutex_unlock(&c->lock);
    return s;
}
