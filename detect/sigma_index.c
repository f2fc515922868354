/* The rule index: see sigma_internal.h. Built once after loading; matching
 * only reads it and its scratch bitmap, so it allocates nothing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigma_internal.h"

/* Key kinds: what of a field's value the key is made of. */
enum { K_EQ = 1, K_PRE = 2, K_SUF = 4, K_CON = 8, K_NUM = 16 };
#define GRAM 3       /* bytes of a prefix, suffix or piece key */
#define EQ_MAX 255   /* longest whole value filed as a key */

typedef struct ix_field {
    const char *name; /* the rule's field name (owned by a rule) */
    const char *alias[SIGMA_MAX_ALIASES]; /* the fields that render it by name */
    size_t nalias;
    uint32_t fid, alias_fid[SIGMA_MAX_ALIASES]; /* by number in the index's field binding */
    uint8_t kinds;
} ix_field;

typedef struct ix_class {
    const char *product, *service, *category; /* a rule's logsource (NULL: any) */
    ix_field *fields;
    size_t nfields;
    uint32_t *unkeyed;
    size_t nunkeyed;
} ix_class;

typedef struct ix_slot {
    uint64_t hash; /* 0: empty */
    uint32_t first, count;
} ix_slot;

struct sigma_index {
    size_t nrules;
    ix_class *classes;
    size_t nclasses;
    ix_slot *slots;
    size_t mask;
    uint32_t *filed; /* rule numbers, by key */
    uint64_t *cand;  /* scratch: candidate rules of the event being matched */
    size_t words;
    size_t unkeyed;
    sigma_fields *fb; /* the rules' field names, bound */
};

/* ---- keys ------------------------------------------------------------- */

static inline unsigned char fold(unsigned char c) { return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c; }

static uint64_t key_hash(uint32_t cls, uint32_t field, uint8_t kind, const char *b, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    uint32_t head[3] = {cls, field, kind};
    const unsigned char *p = (const unsigned char *)head;
    for (size_t i = 0; i < sizeof(head); i++)
        h = (h ^ p[i]) * 1099511628211ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ fold((unsigned char)b[i])) * 1099511628211ull;
    return h ? h : 1;
}

static size_t fmt_i64(int64_t v, char *buf)
{
    char tmp[24];
    size_t k = 0, w = 0;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        buf[w++] = '-';
    while (k)
        buf[w++] = tmp[--k];
    return w;
}

/* ---- what a rule's condition implies ---------------------------------- */

typedef struct ikey {
    uint32_t field; /* in the class */
    uint8_t kind;
    const char *b;
    size_t n;
    int64_t num; /* K_NUM */
} ikey;

/* A set of keys of which an event must produce one; top: no such set. */
typedef struct kset {
    bool top;
    int score; /* how many events a key of the set is expected to let through: lower is better */
    ikey *k;
    size_t n, cap;
} kset;

static void ks_free(kset *s)
{
    free(s->k);
    s->k = NULL;
    s->n = s->cap = 0;
}

static void ks_top(kset *s)
{
    ks_free(s);
    s->top = true;
    s->score = 0;
}

static bool ks_add(kset *s, const ikey *k)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 4;
        ikey *nk = realloc(s->k, nc * sizeof(ikey));
        if (!nk)
            return false;
        s->k = nk;
        s->cap = nc;
    }
    s->k[s->n++] = *k;
    return true;
}

/* a |= b (b is emptied) */
static bool ks_union(kset *a, kset *b)
{
    if (a->top || b->top) {
        ks_top(a);
        ks_free(b);
        return true;
    }
    for (size_t i = 0; i < b->n; i++)
        if (!ks_add(a, &b->k[i]))
            return false;
    if (b->score > a->score)
        a->score = b->score;
    ks_free(b);
    return true;
}

/* a = the better of a and b, either being implied (b is emptied) */
static void ks_better(kset *a, kset *b)
{
    bool take_b = !b->top && (a->top || b->score < a->score || (b->score == a->score && b->n < a->n));
    if (take_b) {
        ks_free(a);
        *a = *b;
        memset(b, 0, sizeof(*b));
    } else
        ks_free(b);
}

static long class_field(ix_class *c, const char *name, uint8_t kind)
{
    for (size_t i = 0; i < c->nfields; i++)
        if (strcmp(c->fields[i].name, name) == 0) {
            c->fields[i].kinds |= kind;
            return (long)i;
        }
    long i = sigma_push((void **)&c->fields, &c->nfields, sizeof(ix_field));
    if (i >= 0) {
        c->fields[i].name = name;
        c->fields[i].kinds = kind;
    }
    return i;
}

/* Keys of one value: false when the value implies none (then *ok = false). */
static bool value_keys(ix_class *c, const char *field, const sigma_value *v, kset *out, bool *ok)
{
    *ok = false;
    if (v->kind != SV_STR && !(v->kind == SV_RE && v->litlen >= GRAM))
        return true;
    ikey k = {0, 0, v->lit, v->litlen, 0};
    int score;
    uint8_t glob = v->kind == SV_RE ? GL_PREFIX : v->glob;
    switch (glob) {
    case GL_EQ:
        if (v->litlen == 0 || v->litlen > EQ_MAX)
            return true;
        k.kind = K_EQ;
        score = 1;
        break;
    case GL_PREFIX:
    case GL_SUFFIX:
        if (v->litlen < GRAM)
            return true;
        k.kind = glob == GL_PREFIX ? K_PRE : K_SUF;
        k.n = GRAM;
        if (glob == GL_SUFFIX)
            k.b = v->lit + v->litlen - GRAM;
        score = 2;
        break;
    case GL_CONTAINS:
        if (v->litlen < GRAM)
            return true;
        k.kind = K_CON;
        k.n = GRAM;
        k.b = v->lit + v->litlen - GRAM; /* the end of a name is its least shared part */
        score = 3;
        break;
    default:
        return true;
    }
    long f = class_field(c, field, k.kind);
    if (f < 0)
        return false;
    k.field = (uint32_t)f;
    if (!ks_add(out, &k))
        return false;
    if (v->kind == SV_STR && v->has_num) {
        /* a numeric event value is compared by number only */
        ikey kn = {0, K_NUM, NULL, 0, v->num};
        if ((f = class_field(c, field, K_NUM)) < 0)
            return false;
        kn.field = (uint32_t)f;
        if (!ks_add(out, &kn))
            return false;
        score = 5; /* event ids: shared by many rules */
    }
    if (score > out->score)
        out->score = score;
    *ok = true;
    return true;
}

static bool fieldsel_keys(ix_class *c, const sigma_rule *r, const sigma_fieldsel *fs, kset *out)
{
    memset(out, 0, sizeof(*out));
    /* neq and the time modifiers match values other than those written:
     * nothing of the field's value can be filed for them */
    if (!fs->field || fs->all || fs->neq || fs->time) {
        out->top = true;
        return true;
    }
    for (uint32_t i = 0; i < fs->count; i++) {
        bool ok;
        if (!value_keys(c, fs->field, &r->values[fs->first + i], out, &ok))
            return false;
        if (!ok) {
            ks_top(out);
            return true;
        }
    }
    return true;
}

static bool selection_keys(ix_class *c, const sigma_rule *r, uint32_t sel, kset *out)
{
    memset(out, 0, sizeof(*out));
    const sigma_selection *s = &r->sels[sel];
    for (uint32_t m = 0; m < s->count; m++) {
        const sigma_map *mp = &r->maps[s->first + m];
        kset best = {true, 0, NULL, 0, 0};
        for (uint32_t f = 0; f < mp->count; f++) {
            kset one;
            if (!fieldsel_keys(c, r, &r->fsels[mp->first + f], &one)) {
                ks_free(&best);
                ks_free(out);
                return false;
            }
            ks_better(&best, &one);
        }
        if (!ks_union(out, &best)) {
            ks_free(&best);
            ks_free(out);
            return false;
        }
        if (out->top)
            return true;
    }
    if (s->count == 0)
        ks_top(out);
    return true;
}

/* Walks the postfix condition with sets in place of truth values. */
static bool rule_keys(ix_class *c, const sigma_rule *r, kset *out)
{
    kset st[SIGMA_EVAL_STACK];
    size_t sp = 0;
    bool ok = true;
    for (size_t i = 0; ok && i < r->nops; i++) {
        const sigma_op *o = &r->ops[i];
        switch (o->op) {
        case OP_SEL:
            ok = sp < SIGMA_EVAL_STACK && selection_keys(c, r, o->a, &st[sp]);
            sp += ok;
            break;
        case OP_OF: {
            if (sp >= SIGMA_EVAL_STACK) {
                ok = false;
                break;
            }
            kset *u = &st[sp];
            memset(u, 0, sizeof(*u));
            if (o->n == 0 || o->b == 0)
                u->top = true;
            for (uint32_t k = 0; ok && !u->top && k < o->b; k++) {
                kset one;
                ok = selection_keys(c, r, r->ofidx[o->a + k], &one) && ks_union(u, &one);
            }
            sp++;
            break;
        }
        case OP_NOT:
            ks_top(&st[sp - 1]); /* "not x" implies nothing of x's keys */
            break;
        case OP_AND:
            sp--;
            ks_better(&st[sp - 1], &st[sp]);
            break;
        default:
            sp--;
            ok = ks_union(&st[sp - 1], &st[sp]);
            break;
        }
    }
    if (ok && sp == 1) {
        *out = st[0];
        return true;
    }
    for (size_t i = 0; i < sp; i++)
        ks_free(&st[i]);
    return false;
}

/* ---- building ---------------------------------------------------------- */

static bool same_ls(const char *a, const char *b) { return (!a && !b) || (a && b && strcasecmp(a, b) == 0); }

typedef struct pair {
    uint64_t hash;
    uint32_t rule;
} pair;

static int cmp_pair(const void *a, const void *b)
{
    const pair *x = a, *y = b;
    if (x->hash != y->hash)
        return x->hash < y->hash ? -1 : 1;
    return x->rule < y->rule ? -1 : x->rule > y->rule;
}

void sigma_index_free(sigma_index *ix)
{
    if (!ix)
        return;
    for (size_t i = 0; i < ix->nclasses; i++) {
        free(ix->classes[i].fields);
        free(ix->classes[i].unkeyed);
    }
    free(ix->classes);
    free(ix->slots);
    free(ix->filed);
    free(ix->cand);
    sigma_fields_free(ix->fb);
    free(ix);
}

sigma_index *sigma_index_build(sigma_rule *const *rules, size_t n)
{
    if (n >= UINT32_MAX)
        return NULL;
    sigma_index *ix = calloc(1, sizeof(*ix));
    if (!ix)
        return NULL;
    ix->nrules = n;
    ix->words = (n + 63) / 64;
    ix->cand = calloc(ix->words ? ix->words : 1, sizeof(uint64_t));
    pair *pairs = NULL;
    size_t npairs = 0;
    if (!ix->cand)
        goto oom;
    for (size_t i = 0; i < n; i++) {
        const sigma_rule *r = rules[i];
        if (r->kind != SR_DETECTION)
            continue; /* correlations and filters never match an event alone */
        size_t ci = 0;
        while (ci < ix->nclasses &&
               !(same_ls(ix->classes[ci].product, r->product) && same_ls(ix->classes[ci].service, r->service) &&
                 same_ls(ix->classes[ci].category, r->category)))
            ci++;
        if (ci == ix->nclasses) {
            if (sigma_push((void **)&ix->classes, &ix->nclasses, sizeof(ix_class)) < 0)
                goto oom;
            ix->classes[ci].product = r->product;
            ix->classes[ci].service = r->service;
            ix->classes[ci].category = r->category;
        }
        ix_class *c = &ix->classes[ci];
        kset ks;
        if (!rule_keys(c, r, &ks))
            goto oom;
        if (ks.top || ks.n == 0) {
            ks_free(&ks);
            long u = sigma_push((void **)&c->unkeyed, &c->nunkeyed, sizeof(uint32_t));
            if (u < 0)
                goto oom;
            c->unkeyed[u] = (uint32_t)i;
            ix->unkeyed++;
            continue;
        }
        for (size_t k = 0; k < ks.n; k++) {
            const ikey *key = &ks.k[k];
            char num[24];
            const char *b = key->b;
            size_t bn = key->n;
            if (key->kind == K_NUM) {
                bn = fmt_i64(key->num, num);
                b = num;
            }
            long pi = sigma_push((void **)&pairs, &npairs, sizeof(pair));
            if (pi < 0) {
                ks_free(&ks);
                goto oom;
            }
            pairs[pi].hash = key_hash((uint32_t)ci, key->field, key->kind, b, bn);
            pairs[pi].rule = (uint32_t)i;
        }
        ks_free(&ks);
    }
    if (npairs)
        qsort(pairs, npairs, sizeof(pair), cmp_pair);
    size_t nslots = 16;
    while (nslots < npairs * 2)
        nslots <<= 1;
    ix->slots = calloc(nslots, sizeof(ix_slot));
    ix->filed = malloc((npairs ? npairs : 1) * sizeof(uint32_t));
    if (!ix->slots || !ix->filed)
        goto oom;
    ix->mask = nslots - 1;
    size_t nf = 0;
    for (size_t i = 0; i < npairs;) {
        size_t j = i;
        uint32_t first = (uint32_t)nf;
        for (; j < npairs && pairs[j].hash == pairs[i].hash; j++)
            if (j == i || pairs[j].rule != pairs[j - 1].rule)
                ix->filed[nf++] = pairs[j].rule;
        size_t s = pairs[i].hash & ix->mask;
        while (ix->slots[s].hash)
            s = (s + 1) & ix->mask;
        ix->slots[s].hash = pairs[i].hash;
        ix->slots[s].first = first;
        ix->slots[s].count = (uint32_t)nf - first;
        i = j;
    }
    free(pairs);
    ix->fb = sigma_fields_bind(rules, n);
    for (size_t ci = 0; ci < ix->nclasses; ci++)
        for (size_t f = 0; f < ix->classes[ci].nfields; f++) {
            ix_field *fd = &ix->classes[ci].fields[f];
            fd->nalias = sigma_field_aliases(fd->name, fd->alias);
            fd->fid = sigma_fields_id(ix->fb, fd->name);
            for (size_t a = 0; a < fd->nalias; a++)
                fd->alias_fid[a] = sigma_fields_id(ix->fb, fd->alias[a]);
        }
    return ix;
oom:
    free(pairs);
    sigma_index_free(ix);
    return NULL;
}

size_t sigma_index_rules(const sigma_index *ix) { return ix->nrules; }

size_t sigma_index_unkeyed(const sigma_index *ix) { return ix->unkeyed; }

/* ---- matching ---------------------------------------------------------- */

static bool fits(const char *rule, const char *ev) { return !rule || (ev && strcasecmp(rule, ev) == 0); }

static inline void mark(const sigma_index *ix, uint64_t h)
{
    for (size_t s = h & ix->mask; ix->slots[s].hash; s = (s + 1) & ix->mask)
        if (ix->slots[s].hash == h) {
            const ix_slot *sl = &ix->slots[s];
            for (uint32_t i = 0; i < sl->count; i++) {
                uint32_t r = ix->filed[sl->first + i];
                ix->cand[r >> 6] |= 1ull << (r & 63);
            }
            return;
        }
}

size_t sigma_index_match(const sigma_index *ix, sigma_rule *const *rules, const sigma_event *ev, bool names_fixed,
                         const sigma_rule **out, size_t max)
{
    if (names_fixed)
        sigma_fields_enter(ix->fb, ev);
    for (size_t ci = 0; ci < ix->nclasses; ci++) {
        const ix_class *c = &ix->classes[ci];
        if (!fits(c->product, ev->product) || !fits(c->service, ev->service) || !fits(c->category, ev->category))
            continue;
        for (size_t i = 0; i < c->nunkeyed; i++)
            ix->cand[c->unkeyed[i] >> 6] |= 1ull << (c->unkeyed[i] & 63);
        for (size_t f = 0; f < c->nfields; f++) {
            const ix_field *fd = &c->fields[f];
            const char *v = sigma_fields_get(ev, ix->fb, fd->fid, fd->name);
            if (!v)
                continue; /* every filed value needs the field present */
            for (size_t pass = 0; pass <= fd->nalias; pass++) {
                if (pass)
                    v = sigma_fields_get(ev, ix->fb, fd->alias_fid[pass - 1], fd->alias[pass - 1]);
                if (!v)
                    continue;
                size_t n = strlen(v);
                if ((fd->kinds & K_EQ) && n >= 1 && n <= EQ_MAX)
                    mark(ix, key_hash((uint32_t)ci, (uint32_t)f, K_EQ, v, n));
                if ((fd->kinds & K_PRE) && n >= GRAM)
                    mark(ix, key_hash((uint32_t)ci, (uint32_t)f, K_PRE, v, GRAM));
                if ((fd->kinds & K_SUF) && n >= GRAM)
                    mark(ix, key_hash((uint32_t)ci, (uint32_t)f, K_SUF, v + n - GRAM, GRAM));
                if (fd->kinds & K_CON)
                    for (size_t i = 0; i + GRAM <= n; i++)
                        mark(ix, key_hash((uint32_t)ci, (uint32_t)f, K_CON, v + i, GRAM));
                int64_t x;
                if ((fd->kinds & K_NUM) && sigma_parse_int(v, n, &x)) {
                    char num[24];
                    mark(ix, key_hash((uint32_t)ci, (uint32_t)f, K_NUM, num, fmt_i64(x, num)));
                }
            }
        }
    }
    size_t hits = 0;
    for (size_t w = 0; w < ix->words; w++) {
        uint64_t bits = ix->cand[w];
        if (!bits)
            continue;
        ix->cand[w] = 0;
        while (bits) {
            size_t i = w * 64 + (size_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            /* its logsource fits: its class was looked at */
            if (!sigma_cond_eval(rules[i], ev) || !sigma_filters_pass(rules[i], ev))
                continue;
            if (hits < max)
                out[hits] = rules[i];
            hits++;
        }
    }
    sigma_fields_leave();
    return hits;
}
