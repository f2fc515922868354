/* Sigma rule loading (libyaml document API), rule metadata and the matching
 * entry points. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <yaml.h>

#include "sigma_internal.h"
#include "yaml_depth.h"

struct sigma_ruleset {
    sigma_rule **rules;
    size_t n;
    sigma_index *ix; /* built after each load; NULL or stale: every rule is scanned */
};

sigma_ruleset *sigma_ruleset_new(void) { return calloc(1, sizeof(sigma_ruleset)); }

static void rule_free(sigma_rule *r)
{
    if (!r)
        return;
    free(r->title);
    free(r->id);
    free(r->status);
    free(r->description);
    free(r->author);
    free(r->level);
    free(r->file);
    free(r->name);
    if (r->corr) {
        sigma_corr_def *c = r->corr;
        for (size_t i = 0; i < c->nrefs; i++)
            free(c->refs[i]);
        free(c->refs);
        free(c->ref_idx);
        for (size_t i = 0; i < c->ngroup; i++)
            free(c->group_by[i]);
        free(c->group_by);
        for (size_t i = 0; i < c->naliases; i++) {
            free(c->aliases[i].alias);
            free(c->aliases[i].rule);
            free(c->aliases[i].field);
        }
        free(c->aliases);
        free(c->field);
        free(c);
    }
    for (size_t i = 0; i < r->nfrefs; i++)
        free(r->frefs[i]);
    free(r->frefs);
    free(r->fref_done);
    for (size_t i = 0; i < r->ntags; i++)
        free(r->tags[i]);
    free(r->tags);
    for (size_t i = 0; i < r->nrefs; i++)
        free(r->refs[i]);
    free(r->refs);
    free(r->product);
    free(r->service);
    free(r->category);
    for (size_t i = 0; i < r->nsels; i++)
        free(r->sels[i].name);
    free(r->sels);
    free(r->maps);
    for (size_t i = 0; i < r->nfsels; i++)
        free(r->fsels[i].field);
    free(r->fsels);
    for (size_t i = 0; i < r->nvalues; i++)
        sigma_value_free(&r->values[i]);
    free(r->values);
    free(r->ops);
    free(r->ofidx);
    if (r->mctx)
        pcre2_match_context_free(r->mctx);
    free(r);
}

void sigma_ruleset_free(sigma_ruleset *rs)
{
    if (!rs)
        return;
    for (size_t i = 0; i < rs->n; i++)
        rule_free(rs->rules[i]);
    free(rs->rules);
    sigma_index_free(rs->ix);
    free(rs);
}

/* ---- YAML helpers ---------------------------------------------------- */

static unsigned node_line(const yaml_node_t *n) { return n ? (unsigned)n->start_mark.line + 1 : 0; }

static bool scalar_is(const yaml_node_t *n, const char *s)
{
    return n && n->type == YAML_SCALAR_NODE && strlen(s) == n->data.scalar.length &&
           memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

static sigma_scalar to_scalar(const yaml_node_t *n)
{
    sigma_scalar sc = {(const char *)n->data.scalar.value, n->data.scalar.length,
                       n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE, node_line(n)};
    return sc;
}

static bool scalar_dup(const yaml_node_t *n, const char *what, char **out, sigma_err *err)
{
    if (n->type != YAML_SCALAR_NODE) {
        sigma_err_set(err, node_line(n), "'%s' must be a string", what);
        return false;
    }
    free(*out);
    *out = strndup((const char *)n->data.scalar.value, n->data.scalar.length);
    if (!*out) {
        sigma_err_set(err, node_line(n), "out of memory");
        return false;
    }
    return true;
}

static bool string_list(yaml_document_t *d, const yaml_node_t *n, const char *what, char ***out, size_t *nout,
                        sigma_err *err)
{
    if (n->type == YAML_SCALAR_NODE) {
        long i = sigma_push((void **)out, nout, sizeof(char *));
        return i >= 0 && scalar_dup(n, what, &(*out)[i], err);
    }
    if (n->type != YAML_SEQUENCE_NODE) {
        sigma_err_set(err, node_line(n), "'%s' must be a list of strings", what);
        return false;
    }
    for (yaml_node_item_t *it = n->data.sequence.items.start; it < n->data.sequence.items.top; it++) {
        yaml_node_t *e = yaml_document_get_node(d, *it);
        long i = sigma_push((void **)out, nout, sizeof(char *));
        if (i < 0) {
            sigma_err_set(err, node_line(e), "out of memory");
            return false;
        }
        if (!scalar_dup(e, what, &(*out)[i], err))
            return false;
    }
    return true;
}

/* ---- detection ------------------------------------------------------- */

static bool fieldsel_compile(sigma_rule *r, yaml_document_t *d, const yaml_node_t *key,
                             const yaml_node_t *val, long map, sigma_err *err)
{
    const char *k = (const char *)key->data.scalar.value;
    size_t klen = key->data.scalar.length;
    if (memchr(k, 0, klen)) {
        sigma_err_set(err, node_line(key), "field name contains a NUL byte");
        return false;
    }
    const char *bar = memchr(k, '|', klen);
    size_t flen = bar ? (size_t)(bar - k) : klen;
    sigma_mods m;
    if (!sigma_mods_parse(bar ? bar + 1 : "", &m, node_line(key), err))
        return false;
    long fi = sigma_push((void **)&r->fsels, &r->nfsels, sizeof(sigma_fieldsel));
    if (fi < 0) {
        sigma_err_set(err, node_line(key), "out of memory");
        return false;
    }
    r->maps[map].count++;
    sigma_fieldsel *f = &r->fsels[fi];
    if (flen) {
        f->field = strndup(k, flen);
        if (!f->field) {
            sigma_err_set(err, node_line(key), "out of memory");
            return false;
        }
    }
    f->all = m.all;
    f->neq = m.neq;
    f->time = m.time;
    if (!flen && (m.neq || m.time)) {
        sigma_err_set(err, node_line(key), "neq and the time modifiers need a field name");
        return false;
    }
    f->first = (uint32_t)r->nvalues;
    uint32_t written = 0;
    if (val->type == YAML_SCALAR_NODE) {
        sigma_scalar sc = to_scalar(val);
        if (!sigma_value_compile(r, &m, &sc, written++, !flen, err))
            return false;
    } else if (val->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = val->data.sequence.items.start; it < val->data.sequence.items.top; it++) {
            yaml_node_t *e = yaml_document_get_node(d, *it);
            if (e->type != YAML_SCALAR_NODE) {
                sigma_err_set(err, node_line(e), "values of '%.*s' must be strings or numbers, not %s",
                              (int)(klen > 64 ? 64 : klen), k,
                              e->type == YAML_MAPPING_NODE ? "a map" : "a list");
                return false;
            }
            sigma_scalar sc = to_scalar(e);
            if (!sigma_value_compile(r, &m, &sc, written++, !flen, err))
                return false;
        }
    } else {
        sigma_err_set(err, node_line(val), "value of '%.*s' must be a string, a number or a list of them",
                      (int)(klen > 64 ? 64 : klen), k);
        return false;
    }
    f = &r->fsels[fi];
    f->count = (uint32_t)(r->nvalues - f->first);
    if (written == 0) {
        sigma_err_set(err, node_line(val), "'%.*s' has an empty list of values", (int)(klen > 64 ? 64 : klen),
                      k);
        return false;
    }
    if (m.all && written == 1) {
        sigma_err_set(err, node_line(key), "modifier 'all' needs a list of at least two values");
        return false;
    }
    return true;
}

static long new_map(sigma_rule *r, sigma_err *err, unsigned line)
{
    long mi = sigma_push((void **)&r->maps, &r->nmaps, sizeof(sigma_map));
    if (mi < 0) {
        sigma_err_set(err, line, "out of memory");
        return -1;
    }
    r->maps[mi].first = (uint32_t)r->nfsels;
    return mi;
}

static bool map_compile(sigma_rule *r, yaml_document_t *d, const yaml_node_t *n, sigma_err *err)
{
    long mi = new_map(r, err, node_line(n));
    if (mi < 0)
        return false;
    if (n->data.mapping.pairs.start == n->data.mapping.pairs.top) {
        sigma_err_set(err, node_line(n), "empty map in a selection");
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (k->type != YAML_SCALAR_NODE) {
            sigma_err_set(err, node_line(k), "field names must be strings");
            return false;
        }
        if (!fieldsel_compile(r, d, k, v, mi, err))
            return false;
    }
    return true;
}

static bool selection_compile(sigma_rule *r, yaml_document_t *d, const yaml_node_t *key,
                              const yaml_node_t *val, sigma_err *err)
{
    if (r->nsels >= SIGMA_MAX_SELECTIONS) {
        sigma_err_set(err, node_line(key), "more than %d selections", SIGMA_MAX_SELECTIONS);
        return false;
    }
    long si = sigma_push((void **)&r->sels, &r->nsels, sizeof(sigma_selection));
    if (si < 0 ||
        !(r->sels[si].name = strndup((const char *)key->data.scalar.value, key->data.scalar.length))) {
        sigma_err_set(err, node_line(key), "out of memory");
        return false;
    }
    r->sels[si].first = (uint32_t)r->nmaps;
    if (val->type == YAML_MAPPING_NODE) {
        if (!map_compile(r, d, val, err))
            return false;
    } else {
        /* A list of plain values is a keyword search (any field value); its
         * maps are alternatives; both may be mixed. A lone scalar is a
         * one-keyword list. */
        long kw_map = -1;
        long kw_fsel = -1;
        yaml_node_item_t one = 0, *it, *end;
        if (val->type == YAML_SCALAR_NODE) {
            it = &one;
            end = &one + 1;
        } else {
            it = val->data.sequence.items.start;
            end = val->data.sequence.items.top;
            if (it == end) {
                sigma_err_set(err, node_line(val), "selection '%s' is an empty list", r->sels[si].name);
                return false;
            }
        }
        uint32_t group = 0;
        for (; it < end; it++) {
            const yaml_node_t *e = val->type == YAML_SCALAR_NODE ? val : yaml_document_get_node(d, *it);
            if (e->type == YAML_MAPPING_NODE) {
                if (!map_compile(r, d, e, err))
                    return false;
                continue;
            }
            if (e->type != YAML_SCALAR_NODE) {
                sigma_err_set(err, node_line(e), "nested lists are not allowed in selection '%s'",
                              r->sels[si].name);
                return false;
            }
            if (kw_map < 0) {
                kw_map = new_map(r, err, node_line(e));
                kw_fsel = sigma_push((void **)&r->fsels, &r->nfsels, sizeof(sigma_fieldsel));
                if (kw_map < 0 || kw_fsel < 0) {
                    sigma_err_set(err, node_line(e), "out of memory");
                    return false;
                }
                r->maps[kw_map].count = 1;
                r->fsels[kw_fsel].first = (uint32_t)r->nvalues;
            } else if (r->fsels[kw_fsel].first + r->fsels[kw_fsel].count != r->nvalues) {
                /* Keywords must stay contiguous; a map between them broke that. */
                sigma_err_set(err, node_line(e), "selection '%s' mixes keywords and maps; put keywords first",
                              r->sels[si].name);
                return false;
            }
            sigma_mods none;
            memset(&none, 0, sizeof(none));
            sigma_scalar sc = to_scalar(e);
            if (!sigma_value_compile(r, &none, &sc, group++, true, err))
                return false;
            r->fsels[kw_fsel].count = (uint32_t)(r->nvalues - r->fsels[kw_fsel].first);
        }
    }
    r->sels[si].count = (uint32_t)(r->nmaps - r->sels[si].first);
    return true;
}

static bool detection_compile(sigma_rule *r, yaml_document_t *d, const yaml_node_t *det, sigma_err *err)
{
    const char *what = r->kind == SR_FILTER ? "filter" : "detection";
    if (det->type != YAML_MAPPING_NODE) {
        sigma_err_set(err, node_line(det), "'%s' must be a map", what);
        return false;
    }
    const yaml_node_t *cond = NULL;
    for (yaml_node_pair_t *p = det->data.mapping.pairs.start; p < det->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (k->type != YAML_SCALAR_NODE || k->data.scalar.length == 0) {
            sigma_err_set(err, node_line(k), "selection names must be non-empty strings");
            return false;
        }
        if (scalar_is(k, "condition")) {
            cond = v;
            continue;
        }
        if (r->kind == SR_FILTER && scalar_is(k, "rules")) {
            if (!string_list(d, v, "rules", &r->frefs, &r->nfrefs, err))
                return false;
            continue;
        }
        if (scalar_is(k, "timeframe")) {
            sigma_err_set(err, node_line(k), "'timeframe' (aggregation over time) is not supported");
            return false;
        }
        if (!selection_compile(r, d, k, v, err))
            return false;
    }
    if (!cond) {
        sigma_err_set(err, node_line(det), "%s has no 'condition'", what);
        return false;
    }
    if (r->kind == SR_FILTER && r->nfrefs == 0) {
        sigma_err_set(err, node_line(det), "filter names no 'rules' to apply to");
        return false;
    }
    sigma_scalar conds[64];
    size_t nc = 0;
    if (cond->type == YAML_SCALAR_NODE)
        conds[nc++] = to_scalar(cond);
    else if (cond->type == YAML_SEQUENCE_NODE) {
        for (yaml_node_item_t *it = cond->data.sequence.items.start; it < cond->data.sequence.items.top;
             it++) {
            yaml_node_t *e = yaml_document_get_node(d, *it);
            if (e->type != YAML_SCALAR_NODE) {
                sigma_err_set(err, node_line(e), "each condition must be a string");
                return false;
            }
            if (nc == sizeof(conds) / sizeof(conds[0])) {
                sigma_err_set(err, node_line(e), "more than %zu conditions",
                              sizeof(conds) / sizeof(conds[0]));
                return false;
            }
            conds[nc++] = to_scalar(e);
        }
        if (nc == 0) {
            sigma_err_set(err, node_line(cond), "empty condition list");
            return false;
        }
    } else {
        sigma_err_set(err, node_line(cond), "'condition' must be a string or a list of strings");
        return false;
    }
    if (r->nsels == 0) {
        sigma_err_set(err, node_line(det), "%s has no selections", what);
        return false;
    }
    return sigma_cond_compile(r, conds, nc, err);
}

/* ---- correlations ---------------------------------------------------- */

/* "90m", "1h", "30s", "2d", "1w": a number and one lowercase unit letter. */
static bool timespan_parse(const yaml_node_t *n, uint64_t *out)
{
    if (n->type != YAML_SCALAR_NODE)
        return false;
    const char *s = (const char *)n->data.scalar.value;
    size_t len = n->data.scalar.length;
    if (len < 2 || len > 10)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    uint64_t unit;
    switch (s[len - 1]) {
    case 's':
        unit = 1;
        break;
    case 'm':
        unit = 60;
        break;
    case 'h':
        unit = 3600;
        break;
    case 'd':
        unit = 86400;
        break;
    case 'w':
        unit = 7 * 86400;
        break;
    default:
        return false;
    }
    if (v == 0 || v > 366ull * 86400)
        return false;
    *out = v * unit * 1000000ull;
    return true;
}

static int key_len(const yaml_node_t *k)
{
    if (k->type != YAML_SCALAR_NODE)
        return 1;
    return (int)(k->data.scalar.length > 64 ? 64 : k->data.scalar.length);
}

static const char *key_text(const yaml_node_t *k)
{
    return k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "?";
}

static bool corr_condition(sigma_corr_def *c, yaml_document_t *d, const yaml_node_t *n, sigma_err *err)
{
    if (n->type != YAML_MAPPING_NODE) {
        sigma_err_set(err, node_line(n), "correlation 'condition' must be a map (gt/gte/lt/lte/eq/neq, field)");
        return false;
    }
    static const char *const ops[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (scalar_is(k, "field")) {
            /* a list of one field is the same field */
            if (v->type == YAML_SEQUENCE_NODE && v->data.sequence.items.top - v->data.sequence.items.start == 1)
                v = yaml_document_get_node(d, *v->data.sequence.items.start);
            if (!scalar_dup(v, "condition field", &c->field, err))
                return false;
            continue;
        }
        int op = -1;
        for (int i = 0; i < 6; i++)
            if (scalar_is(k, ops[i]))
                op = i;
        if (op < 0) {
            sigma_err_set(err, node_line(k),
                          "correlation condition takes gt, gte, lt, lte, eq, neq and field, not '%.*s'", key_len(k),
                          key_text(k));
            return false;
        }
        char buf[64];
        char *end = NULL;
        double x = 0;
        if (v->type == YAML_SCALAR_NODE && v->data.scalar.length > 0 && v->data.scalar.length < sizeof(buf)) {
            memcpy(buf, v->data.scalar.value, v->data.scalar.length);
            buf[v->data.scalar.length] = 0;
            x = strtod(buf, &end);
        }
        if (!end || *end || end == buf) {
            sigma_err_set(err, node_line(v), "correlation condition '%s' needs a number", ops[op]);
            return false;
        }
        if (c->ncond == SIGMA_CORR_MAX_COND) {
            sigma_err_set(err, node_line(k), "too many correlation conditions");
            return false;
        }
        c->cond[c->ncond].op = (uint8_t)op;
        c->cond[c->ncond].v = x;
        c->ncond++;
    }
    return true;
}

static bool corr_aliases(sigma_corr_def *c, yaml_document_t *d, const yaml_node_t *n, sigma_err *err)
{
    if (n->type != YAML_MAPPING_NODE) {
        sigma_err_set(err, node_line(n), "'aliases' must be a map of alias: {rule: field}");
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (k->type != YAML_SCALAR_NODE || v->type != YAML_MAPPING_NODE) {
            sigma_err_set(err, node_line(k), "'aliases' must be a map of alias: {rule: field}");
            return false;
        }
        for (yaml_node_pair_t *q = v->data.mapping.pairs.start; q < v->data.mapping.pairs.top; q++) {
            yaml_node_t *rk = yaml_document_get_node(d, q->key), *fv = yaml_document_get_node(d, q->value);
            long i = sigma_push((void **)&c->aliases, &c->naliases, sizeof(sigma_corr_alias));
            if (i < 0) {
                sigma_err_set(err, node_line(rk), "out of memory");
                return false;
            }
            if (!scalar_dup(k, "alias", &c->aliases[i].alias, err) ||
                !scalar_dup(rk, "alias rule", &c->aliases[i].rule, err) ||
                !scalar_dup(fv, "alias field", &c->aliases[i].field, err))
                return false;
        }
    }
    return true;
}

static const char *const corr_types[] = {"event_count", "value_count", "temporal",        "temporal_ordered",
                                         "value_sum",   "value_avg",   "value_percentile"};

static bool corr_attribute(sigma_corr_def *c, yaml_document_t *d, const yaml_node_t *k, const yaml_node_t *v,
                           int *type, bool *have_span, bool *have_cond, sigma_err *err)
{
    if (scalar_is(k, "type")) {
        for (int i = 0; i < 7; i++)
            if (scalar_is(v, corr_types[i]))
                *type = i;
        if (*type < 0)
            sigma_err_set(err, node_line(v),
                          "unknown correlation type (event_count, value_count, temporal, temporal_ordered, "
                          "value_sum, value_avg, value_percentile)");
        return *type >= 0;
    }
    if (scalar_is(k, "rules"))
        return string_list(d, v, "rules", &c->refs, &c->nrefs, err);
    if (scalar_is(k, "group-by"))
        return string_list(d, v, "group-by", &c->group_by, &c->ngroup, err);
    if (scalar_is(k, "timespan") || scalar_is(k, "timeframe")) {
        *have_span = timespan_parse(v, &c->timespan_usec);
        if (!*have_span)
            sigma_err_set(err, node_line(v), "timespan must be a number and s, m, h, d or w (\"10m\")");
        return *have_span;
    }
    if (scalar_is(k, "condition")) {
        *have_cond = true;
        return corr_condition(c, d, v, err);
    }
    if (scalar_is(k, "aliases"))
        return corr_aliases(c, d, v, err);
    if (scalar_is(k, "generate")) {
        c->generate = scalar_is(v, "true") || scalar_is(v, "True") || scalar_is(v, "yes");
        return true;
    }
    sigma_err_set(err, node_line(k), "unknown correlation attribute '%.*s'", key_len(k), key_text(k));
    return false;
}

static bool corr_compile(sigma_rule *r, yaml_document_t *d, const yaml_node_t *n, sigma_err *err)
{
    if (n->type != YAML_MAPPING_NODE) {
        sigma_err_set(err, node_line(n), "'correlation' must be a map");
        return false;
    }
    sigma_corr_def *c = calloc(1, sizeof(*c));
    if (!c) {
        sigma_err_set(err, node_line(n), "out of memory");
        return false;
    }
    r->corr = c;
    r->kind = SR_CORRELATION;
    int type = -1;
    bool have_span = false, have_cond = false;
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (!corr_attribute(c, d, k, v, &type, &have_span, &have_cond, err))
            return false;
    }
    if (type < 0) {
        sigma_err_set(err, node_line(n), "correlation has no 'type'");
        return false;
    }
    c->type = (uint8_t)type;
    if (c->nrefs == 0) {
        sigma_err_set(err, node_line(n), "correlation names no 'rules'");
        return false;
    }
    if (c->nrefs > SIGMA_CORR_MAX_RULES || c->ngroup > SIGMA_CORR_MAX_GROUP) {
        sigma_err_set(err, node_line(n), "correlation names more than %d rules or %d group-by fields",
                      SIGMA_CORR_MAX_RULES, SIGMA_CORR_MAX_GROUP);
        return false;
    }
    if (!have_span) {
        sigma_err_set(err, node_line(n), "correlation has no 'timespan'");
        return false;
    }
    bool temporal = type == SC_TEMPORAL || type == SC_TEMPORAL_ORDERED;
    if (!temporal && (!have_cond || c->ncond == 0)) {
        sigma_err_set(err, node_line(n), "correlation %s needs a 'condition' with gt/gte/lt/lte/eq/neq",
                      corr_types[type]);
        return false;
    }
    bool needs_field = type == SC_VALUE_COUNT || type == SC_VALUE_SUM || type == SC_VALUE_AVG ||
                       type == SC_VALUE_PERCENTILE;
    if (needs_field && !c->field) {
        sigma_err_set(err, node_line(n), "correlation %s needs 'field' in its condition", corr_types[type]);
        return false;
    }
    c->ref_idx = malloc(c->nrefs * sizeof(long));
    if (!c->ref_idx) {
        sigma_err_set(err, node_line(n), "out of memory");
        return false;
    }
    for (size_t i = 0; i < c->nrefs; i++)
        c->ref_idx[i] = -1;
    return true;
}

/* ---- rule metadata --------------------------------------------------- */

static uint32_t signature_of(const char *id)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)id; *p; p++) {
        unsigned char c = (*p >= 'A' && *p <= 'Z') ? (unsigned char)(*p + 32) : *p;
        h = (h ^ c) * 16777619u;
    }
    /* Suricata-style consumers reserve small ids for their own rules. */
    return 1000000u + h % (2147483648u - 1000000u);
}

static int severity_of(const char *level)
{
    if (strcmp(level, "critical") == 0)
        return 1;
    if (strcmp(level, "high") == 0)
        return 2;
    if (strcmp(level, "low") == 0 || strcmp(level, "informational") == 0)
        return 4;
    return 3;
}

static bool logsource_compile(sigma_rule *r, yaml_document_t *d, const yaml_node_t *n, sigma_err *err)
{
    if (n->type != YAML_MAPPING_NODE) {
        sigma_err_set(err, node_line(n), "'logsource' must be a map");
        return false;
    }
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        char **dst = scalar_is(k, "product")    ? &r->product
                     : scalar_is(k, "service")  ? &r->service
                     : scalar_is(k, "category") ? &r->category
                                                : NULL;
        if (dst && !scalar_dup(v, "logsource", dst, err))
            return false;
    }
    return true;
}

static sigma_rule *rule_compile(yaml_document_t *d, const yaml_node_t *root, const char *file, sigma_err *err)
{
    if (root->type != YAML_MAPPING_NODE) {
        sigma_err_set(err, node_line(root), "a rule must be a YAML map");
        return NULL;
    }
    sigma_rule *r = calloc(1, sizeof(*r));
    if (!r || !(r->file = strdup(file))) {
        free(r);
        sigma_err_set(err, node_line(root), "out of memory");
        return NULL;
    }
    const yaml_node_t *det = NULL, *corr = NULL;
    bool ok = true;
    for (yaml_node_pair_t *p = root->data.mapping.pairs.start; ok && p < root->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(d, p->key), *v = yaml_document_get_node(d, p->value);
        if (scalar_is(k, "action")) {
            sigma_err_set(
                err, node_line(k),
                "rule collections ('action: global/reset/repeat') are not supported; write each rule "
                "as a complete document");
            ok = false;
        } else if (scalar_is(k, "correlation")) {
            corr = v;
        } else if (scalar_is(k, "filter")) {
            det = v;
            r->kind = SR_FILTER;
        } else if (scalar_is(k, "name"))
            ok = scalar_dup(v, "name", &r->name, err);
        else if (scalar_is(k, "title"))
            ok = scalar_dup(v, "title", &r->title, err);
        else if (scalar_is(k, "id"))
            ok = scalar_dup(v, "id", &r->id, err);
        else if (scalar_is(k, "status"))
            ok = scalar_dup(v, "status", &r->status, err);
        else if (scalar_is(k, "description"))
            ok = scalar_dup(v, "description", &r->description, err);
        else if (scalar_is(k, "author"))
            ok = scalar_dup(v, "author", &r->author, err);
        else if (scalar_is(k, "level"))
            ok = scalar_dup(v, "level", &r->level, err);
        else if (scalar_is(k, "tags"))
            ok = string_list(d, v, "tags", &r->tags, &r->ntags, err);
        else if (scalar_is(k, "references"))
            ok = string_list(d, v, "references", &r->refs, &r->nrefs, err);
        else if (scalar_is(k, "logsource"))
            ok = logsource_compile(r, d, v, err);
        else if (scalar_is(k, "detection")) {
            if (r->kind == SR_FILTER) {
                sigma_err_set(err, node_line(k), "a filter document has 'filter', not 'detection'");
                ok = false;
            }
            det = v;
        }
        /* falsepositives, fields, date, modified, related, license and
         * custom attributes are accepted and not used by matching. */
    }
    if (ok && (!r->title || !*r->title)) {
        sigma_err_set(err, node_line(root), "rule has no 'title'");
        ok = false;
    }
    if (ok && corr && det) {
        sigma_err_set(err, node_line(root), "rule '%s' has both 'correlation' and '%s'", r->title,
                      r->kind == SR_FILTER ? "filter" : "detection");
        ok = false;
    }
    if (ok && !det && !corr) {
        sigma_err_set(err, node_line(root), "rule '%s' has no 'detection'", r->title);
        ok = false;
    }
    if (ok && r->level) {
        static const char *const levels[] = {"informational", "low", "medium", "high", "critical"};
        bool known = false;
        for (size_t i = 0; i < 5; i++)
            known |= strcmp(r->level, levels[i]) == 0;
        if (!known) {
            sigma_err_set(err, node_line(root), "unknown level '%s'", r->level);
            ok = false;
        }
    }
    if (ok)
        ok = corr ? corr_compile(r, d, corr, err) : detection_compile(r, d, det, err);
    if (!ok) {
        rule_free(r);
        return NULL;
    }
    char **strs[] = {&r->id, &r->status, &r->description, &r->author, &r->level, &r->name};
    for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
        if (!*strs[i] && !(*strs[i] = strdup(""))) {
            sigma_err_set(err, node_line(root), "out of memory");
            rule_free(r);
            return NULL;
        }
    r->signature_id = signature_of(*r->id ? r->id : r->title);
    r->severity = severity_of(r->level);
    return r;
}

/* ---- loading --------------------------------------------------------- */

static void report(sigma_error_fn fn, void *ctx, const char *file, unsigned line, const char *reason)
{
    if (fn)
        fn(ctx, file, line, reason);
}

static bool ruleset_add(sigma_ruleset *rs, sigma_rule *r)
{
    long i = sigma_push((void **)&rs->rules, &rs->n, sizeof(sigma_rule *));
    if (i < 0)
        return false;
    rs->rules[i] = r;
    r->index = (size_t)i;
    return true;
}

/* The rule a reference names: its id first, then its name. -1 when none. */
static long find_ref(const sigma_ruleset *rs, const char *ref)
{
    for (size_t i = 0; i < rs->n; i++)
        if (*rs->rules[i]->id && strcmp(rs->rules[i]->id, ref) == 0)
            return (long)i;
    for (size_t i = 0; i < rs->n; i++)
        if (*rs->rules[i]->name && strcmp(rs->rules[i]->name, ref) == 0)
            return (long)i;
    return -1;
}

static void link_correlation(sigma_ruleset *rs, sigma_rule *r)
{
    for (size_t k = 0; k < r->corr->nrefs; k++) {
        if (r->corr->ref_idx[k] >= 0)
            continue;
        long t = find_ref(rs, r->corr->refs[k]);
        if (t < 0 || rs->rules[t] == r || rs->rules[t]->kind == SR_FILTER)
            continue;
        r->corr->ref_idx[k] = t;
        if (r->corr->generate)
            rs->rules[t]->generated = true;
        else
            rs->rules[t]->quiet = true;
    }
}

static void link_filter(sigma_ruleset *rs, sigma_rule *r)
{
    if (!r->fref_done && !(r->fref_done = calloc(r->nfrefs, sizeof(bool))))
        return;
    for (size_t k = 0; k < r->nfrefs; k++) {
        long t = r->fref_done[k] ? -1 : find_ref(rs, r->frefs[k]);
        if (t < 0 || rs->rules[t]->kind != SR_DETECTION)
            continue;
        sigma_rule *tr = rs->rules[t];
        r->fref_done[k] = true;
        if (tr->nfilters < SIGMA_MAX_FILTERS)
            tr->filters[tr->nfilters++] = r;
    }
}

/* Resolves the references of correlations and filters to the rules loaded so
 * far; a reference to a rule of a file loaded later is resolved then. */
static void ruleset_link(sigma_ruleset *rs)
{
    for (size_t i = 0; i < rs->n; i++) {
        sigma_rule *r = rs->rules[i];
        if (r->corr)
            link_correlation(rs, r);
        if (r->kind == SR_FILTER)
            link_filter(rs, r);
    }
}

/* A filter's logsource must fit the rule it tunes. */
static bool logsource_same(const char *f, const char *r) { return !f || (r && strcasecmp(f, r) == 0); }

static int say(sigma_error_fn errfn, void *ctx, const char *file, const char *msg)
{
    if (errfn)
        errfn(ctx, file, 0, msg);
    return 1;
}

int sigma_ruleset_check(const sigma_ruleset *rs, sigma_error_fn errfn, void *ctx)
{
    int bad = 0;
    char msg[SIGMA_REASON_MAX];
    for (size_t i = 0; i < rs->n; i++) {
        const sigma_rule *r = rs->rules[i];
        for (size_t k = 0; r->corr && k < r->corr->nrefs; k++) {
            if (r->corr->ref_idx[k] >= 0)
                continue;
            snprintf(msg, sizeof(msg), "correlation '%s' names '%s', which is no loaded rule", r->title,
                     r->corr->refs[k]);
            bad += say(errfn, ctx, r->file, msg);
        }
        for (size_t k = 0; r->kind == SR_FILTER && k < r->nfrefs; k++) {
            if (r->fref_done && r->fref_done[k])
                continue;
            snprintf(msg, sizeof(msg), "filter '%s' names '%s', which is no loaded detection rule", r->title,
                     r->frefs[k]);
            bad += say(errfn, ctx, r->file, msg);
        }
        for (size_t k = 0; k < r->nfilters; k++) {
            const sigma_rule *f = r->filters[k];
            if (logsource_same(f->product, r->product) && logsource_same(f->service, r->service) &&
                logsource_same(f->category, r->category))
                continue;
            snprintf(msg, sizeof(msg), "filter '%s' has a logsource that does not fit rule '%s'", f->title,
                     r->title);
            bad += say(errfn, ctx, f->file, msg);
        }
    }
    return bad;
}

static void reindex(sigma_ruleset *rs)
{
    sigma_index_free(rs->ix);
    rs->ix = sigma_index_build(rs->rules, rs->n);
}

static int load_string(sigma_ruleset *rs, const char *name, const char *yaml, size_t len, sigma_error_fn errfn,
                       void *ctx)
{
    unsigned deep_line;
    if (!yaml_depth_ok(yaml, len, YAML_MAX_DEPTH, &deep_line)) {
        char msg[64];
        snprintf(msg, sizeof(msg), "YAML nested deeper than %d levels", YAML_MAX_DEPTH);
        report(errfn, ctx, name, deep_line, msg);
        return 1;
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) {
        report(errfn, ctx, name, 0, "out of memory");
        return 1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)yaml, len);
    int failed = 0;
    for (;;) {
        yaml_document_t d;
        if (!yaml_parser_load(&p, &d)) {
            char msg[SIGMA_REASON_MAX];
            snprintf(msg, sizeof(msg), "YAML syntax error: %s%s%s", p.problem ? p.problem : "unknown",
                     p.context ? " " : "", p.context ? p.context : "");
            unsigned line = (unsigned)(p.problem_mark.line + 1);
            if (p.problem_mark.line == 0 && p.problem_mark.column == 0 && p.context_mark.line)
                line = (unsigned)(p.context_mark.line + 1);
            report(errfn, ctx, name, line, msg);
            failed++;
            break;
        }
        yaml_node_t *root = yaml_document_get_root_node(&d);
        if (!root) {
            yaml_document_delete(&d);
            break;
        }
        /* An empty document (a stray '---') holds no rule. */
        if (!(root->type == YAML_SCALAR_NODE && root->data.scalar.length == 0)) {
            sigma_err e = {0, ""};
            sigma_rule *r = rule_compile(&d, root, name, &e);
            if (r && !ruleset_add(rs, r)) {
                rule_free(r);
                r = NULL;
                sigma_err_set(&e, node_line(root), "out of memory");
            }
            if (!r) {
                report(errfn, ctx, name, e.line, e.reason);
                failed++;
            }
        }
        yaml_document_delete(&d);
    }
    yaml_parser_delete(&p);
    ruleset_link(rs);
    return failed;
}

static int load_file(sigma_ruleset *rs, const char *path, sigma_error_fn errfn, void *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        char msg[SIGMA_REASON_MAX];
        snprintf(msg, sizeof(msg), "cannot open: %s", strerror(errno));
        report(errfn, ctx, path, 0, msg);
        return -1;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            /* Rule files are small; refuse anything that is clearly not one. */
            if (cap >= 16u << 20) {
                fclose(f);
                free(buf);
                report(errfn, ctx, path, 0, "file larger than 16 MiB, not a rule file");
                return 1;
            }
            cap = cap ? cap * 2 : 8192;
            char *nb = realloc(buf, cap);
            if (!nb) {
                fclose(f);
                free(buf);
                report(errfn, ctx, path, 0, "out of memory");
                return 1;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    bool rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        report(errfn, ctx, path, 0, "read error");
        return -1;
    }
    int n = load_string(rs, path, buf ? buf : "", len, errfn, ctx);
    free(buf);
    return n;
}

static bool has_rule_ext(const char *n)
{
    size_t l = strlen(n);
    return (l > 4 && strcmp(n + l - 4, ".yml") == 0) || (l > 5 && strcmp(n + l - 5, ".yaml") == 0);
}

static int cmp_names(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static int load_dir(sigma_ruleset *rs, const char *path, int depth, sigma_error_fn errfn, void *ctx)
{
    DIR *dir = opendir(path);
    if (!dir) {
        char msg[SIGMA_REASON_MAX];
        snprintf(msg, sizeof(msg), "cannot open directory: %s", strerror(errno));
        report(errfn, ctx, path, 0, msg);
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    int failed = 0;
    struct dirent *de;
    while ((de = readdir(dir))) {
        if (de->d_name[0] == '.')
            continue;
        long i = sigma_push((void **)&names, &n, sizeof(char *));
        if (i < 0 || !(names[i] = strdup(de->d_name))) {
            report(errfn, ctx, path, 0, "out of memory");
            failed++;
            if (i >= 0)
                n--;
            break;
        }
    }
    closedir(dir);
    if (n)
        qsort(names, n, sizeof(char *), cmp_names);
    for (size_t i = 0; i < n; i++) {
        size_t plen = strlen(path) + strlen(names[i]) + 2;
        char *full = malloc(plen);
        if (!full) {
            report(errfn, ctx, path, 0, "out of memory");
            failed++;
            break;
        }
        snprintf(full, plen, "%s/%s", path, names[i]);
        struct stat st;
        if (stat(full, &st) == 0) {
            if (S_ISDIR(st.st_mode) && depth < SIGMA_MAX_DIR_DEPTH) {
                int r = load_dir(rs, full, depth + 1, errfn, ctx);
                failed += r > 0 ? r : (r < 0 ? 1 : 0);
            } else if (S_ISREG(st.st_mode) && has_rule_ext(names[i])) {
                int r = load_file(rs, full, errfn, ctx);
                failed += r > 0 ? r : (r < 0 ? 1 : 0);
            }
        }
        free(full);
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    return failed;
}

int sigma_load_path(sigma_ruleset *rs, const char *path, sigma_error_fn err, void *ctx)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        char msg[SIGMA_REASON_MAX];
        snprintf(msg, sizeof(msg), "cannot read: %s", strerror(errno));
        report(err, ctx, path, 0, msg);
        return -1;
    }
    int n = S_ISDIR(st.st_mode) ? load_dir(rs, path, 0, err, ctx) : load_file(rs, path, err, ctx);
    reindex(rs);
    return n;
}

int sigma_load_string(sigma_ruleset *rs, const char *name, const char *yaml, size_t len, sigma_error_fn errfn,
                      void *ctx)
{
    int n = load_string(rs, name, yaml, len, errfn, ctx);
    reindex(rs);
    return n;
}

/* ---- matching and accessors ------------------------------------------ */

size_t sigma_rule_count(const sigma_ruleset *rs) { return rs->n; }

void sigma_ruleset_on_limit(sigma_ruleset *rs, sigma_limit_fn fn, void *ctx)
{
    for (size_t i = 0; i < rs->n; i++) {
        rs->rules[i]->on_limit = fn;
        rs->rules[i]->on_limit_ctx = ctx;
    }
}

uint64_t sigma_ruleset_regex_limit_hits(const sigma_ruleset *rs)
{
    uint64_t n = 0;
    for (size_t i = 0; rs && i < rs->n; i++)
        n += rs->rules[i]->regex_limit_hits;
    return n;
}

uint64_t sigma_rule_regex_limit_hits(const sigma_rule *r) { return r->regex_limit_hits; }

const sigma_rule *sigma_rule_at(const sigma_ruleset *rs, size_t i) { return i < rs->n ? rs->rules[i] : NULL; }

static bool logsource_fits(const char *rule, const char *ev)
{
    return !rule || (ev && strcasecmp(rule, ev) == 0);
}

bool sigma_rule_match(const sigma_rule *r, const sigma_event *ev)
{
    if (r->kind != SR_DETECTION)
        return false; /* correlations see matches, filters tune rules: neither matches an event alone */
    if (!logsource_fits(r->product, ev->product) || !logsource_fits(r->service, ev->service) ||
        !logsource_fits(r->category, ev->category))
        return false;
    return sigma_cond_eval(r, ev) && sigma_filters_pass(r, ev);
}

size_t sigma_match(const sigma_ruleset *rs, const sigma_event *ev, const sigma_rule **out, size_t max)
{
    if (rs->ix && sigma_index_rules(rs->ix) == rs->n)
        return sigma_index_match(rs->ix, rs->rules, ev, false, out, max);
    return sigma_match_linear(rs, ev, out, max);
}

size_t sigma_match_fixed(const sigma_ruleset *rs, const sigma_event *ev, const sigma_rule **out, size_t max)
{
    if (rs->ix && sigma_index_rules(rs->ix) == rs->n)
        return sigma_index_match(rs->ix, rs->rules, ev, true, out, max);
    return sigma_match_linear(rs, ev, out, max);
}

size_t sigma_ruleset_unindexed(const sigma_ruleset *rs)
{
    return rs->ix && sigma_index_rules(rs->ix) == rs->n ? sigma_index_unkeyed(rs->ix) : rs->n;
}

size_t sigma_match_linear(const sigma_ruleset *rs, const sigma_event *ev, const sigma_rule **out, size_t max)
{
    size_t hits = 0;
    for (size_t i = 0; i < rs->n; i++) {
        if (!sigma_rule_match(rs->rules[i], ev))
            continue;
        if (hits < max)
            out[hits] = rs->rules[i];
        hits++;
    }
    return hits;
}

const char *sigma_rule_title(const sigma_rule *r) { return r->title; }
const char *sigma_rule_id(const sigma_rule *r) { return r->id; }
const char *sigma_rule_level(const sigma_rule *r) { return r->level; }
const char *sigma_rule_status(const sigma_rule *r) { return r->status; }
const char *sigma_rule_description(const sigma_rule *r) { return r->description; }
const char *sigma_rule_author(const sigma_rule *r) { return r->author; }
const char *sigma_rule_file(const sigma_rule *r) { return r->file; }
size_t sigma_rule_tag_count(const sigma_rule *r) { return r->ntags; }
const char *sigma_rule_tag(const sigma_rule *r, size_t i) { return i < r->ntags ? r->tags[i] : ""; }
size_t sigma_rule_reference_count(const sigma_rule *r) { return r->nrefs; }
const char *sigma_rule_reference(const sigma_rule *r, size_t i) { return i < r->nrefs ? r->refs[i] : ""; }
uint32_t sigma_rule_signature_id(const sigma_rule *r) { return r->signature_id; }
int sigma_rule_severity(const sigma_rule *r) { return r->severity; }
const char *sigma_rule_name(const sigma_rule *r) { return r->name; }
size_t sigma_rule_index(const sigma_rule *r) { return r->index; }
bool sigma_rule_is_correlation(const sigma_rule *r) { return r->kind == SR_CORRELATION; }
bool sigma_rule_is_filter(const sigma_rule *r) { return r->kind == SR_FILTER; }
bool sigma_rule_alerts(const sigma_rule *r) { return r->kind == SR_DETECTION && (!r->quiet || r->generated); }
