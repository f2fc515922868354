/* Sigma conditions: tokenised, checked by a two-state automaton (operand
 * expected / operator expected) and turned into postfix by shunting-yard with
 * explicit stacks, so no input decides how deep the C stack goes.
 * Precedence, tightest first: "x of", not, and, or. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigma_internal.h"

enum tok_kind { T_WORD, T_LPAR, T_RPAR, T_PIPE };

typedef struct ctok {
    uint8_t kind;
    const char *s;
    size_t len;
} ctok;

/* Operator stack entries. */
enum { S_LPAR, S_NOT, S_AND, S_OR };

static int prec(int op) { return op == S_NOT ? 3 : op == S_AND ? 2 : op == S_OR ? 1 : 0; }

static bool word_is(const ctok *t, const char *w)
{
    return t->kind == T_WORD && strlen(w) == t->len && strncasecmp(t->s, w, t->len) == 0;
}

/* '*' wildcards only, case-sensitive, as identifiers are YAML keys. */
static bool name_glob(const char *p, size_t pn, const char *s)
{
    size_t n = strlen(s), i = 0, j = 0, sj = SIZE_MAX, si = 0;
    while (i < n) {
        if (j < pn && p[j] == '*') {
            sj = j++;
            si = i;
        } else if (j < pn && p[j] == s[i]) {
            i++;
            j++;
        } else if (sj != SIZE_MAX) {
            i = ++si;
            j = sj + 1;
        } else
            return false;
    }
    while (j < pn && p[j] == '*')
        j++;
    return j == pn;
}

static bool emit(sigma_rule *r, uint8_t op, uint32_t a, uint32_t b, uint32_t n)
{
    long i = sigma_push((void **)&r->ops, &r->nops, sizeof(sigma_op));
    if (i < 0)
        return false;
    r->ops[i].op = op;
    r->ops[i].a = a;
    r->ops[i].b = b;
    r->ops[i].n = n;
    return true;
}

static bool emit_stackop(sigma_rule *r, int s)
{
    return emit(r, s == S_NOT ? OP_NOT : s == S_AND ? OP_AND : OP_OR, 0, 0, 0);
}

static size_t tokenize(const char *s, size_t n, ctok *out, size_t max, bool *too_many)
{
    size_t nt = 0;
    *too_many = false;
    for (size_t i = 0; i < n;) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            i++;
            continue;
        }
        if (nt == max) {
            *too_many = true;
            return nt;
        }
        ctok *t = &out[nt++];
        t->s = s + i;
        t->len = 1;
        if (c == '(' || c == ')' || c == '|') {
            t->kind = c == '(' ? T_LPAR : c == ')' ? T_RPAR : T_PIPE;
            i++;
            continue;
        }
        t->kind = T_WORD;
        size_t b = i;
        while (i < n && s[i] != ' ' && s[i] != '\t' && s[i] != '\n' && s[i] != '\r' && s[i] != '(' &&
               s[i] != ')' && s[i] != '|')
            i++;
        t->len = i - b;
    }
    return nt;
}

static bool is_keyword(const ctok *t)
{
    static const char *const kw[] = {"and", "or", "not", "of", "them", "all", "any", "near"};
    for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
        if (word_is(t, kw[i]))
            return true;
    return false;
}

static bool is_count(const ctok *t, uint32_t *n)
{
    if (t->kind != T_WORD || t->len == 0 || t->len > 6)
        return false;
    uint32_t v = 0;
    for (size_t i = 0; i < t->len; i++) {
        if (t->s[i] < '0' || t->s[i] > '9')
            return false;
        v = v * 10 + (uint32_t)(t->s[i] - '0');
    }
    *n = v;
    return true;
}

#define TOKFMT "'%.*s'"
#define TOKARG(t) (int)((t)->len > 64 ? 64 : (t)->len), (t)->s

/* Compiles one condition string, appending its postfix program to r->ops. */
static bool compile_one(sigma_rule *r, const sigma_scalar *c, sigma_err *err)
{
    unsigned line = c->line;
    ctok *toks = malloc(SIGMA_MAX_COND_TOKENS * sizeof(*toks));
    uint8_t *stk = malloc(SIGMA_MAX_COND_TOKENS);
    if (!toks || !stk) {
        free(toks);
        free(stk);
        sigma_err_set(err, line, "out of memory");
        return false;
    }
    bool too_many;
    size_t nt = tokenize(c->text, c->len, toks, SIGMA_MAX_COND_TOKENS, &too_many);
    bool ok = false;
    size_t sp = 0, depth = 0;
    bool want_operand = true;
    if (too_many) {
        sigma_err_set(err, line, "condition has more than %d tokens", SIGMA_MAX_COND_TOKENS);
        goto out;
    }
    if (nt == 0) {
        sigma_err_set(err, line, "empty condition");
        goto out;
    }
    for (size_t i = 0; i < nt; i++) {
        const ctok *t = &toks[i];
        if (t->kind == T_PIPE) {
            sigma_err_set(
                err, line,
                "aggregation expressions ('| count() ...') are not supported (found '|' in the condition)");
            goto out;
        }
        if (word_is(t, "near")) {
            sigma_err_set(err, line, "'near' aggregation is not supported");
            goto out;
        }
        if (want_operand) {
            uint32_t count = 0;
            if (t->kind == T_LPAR) {
                if (++depth > SIGMA_MAX_NESTING) {
                    sigma_err_set(err, line, "condition nests parentheses deeper than %d", SIGMA_MAX_NESTING);
                    goto out;
                }
                stk[sp++] = S_LPAR;
            } else if (word_is(t, "not")) {
                stk[sp++] = S_NOT;
            } else if (word_is(t, "all") || word_is(t, "any") || is_count(t, &count)) {
                bool all = word_is(t, "all");
                if (word_is(t, "any"))
                    count = 1;
                if (!all && count == 0) {
                    sigma_err_set(err, line, "'0 of' can never match; use 'not 1 of'");
                    goto out;
                }
                if (i + 2 >= nt || !word_is(&toks[i + 1], "of") || toks[i + 2].kind != T_WORD ||
                    (is_keyword(&toks[i + 2]) && !word_is(&toks[i + 2], "them"))) {
                    const ctok *bad =
                        i + 1 < nt ? (i + 2 < nt && word_is(&toks[i + 1], "of") ? &toks[i + 2] : &toks[i + 1])
                                   : t;
                    sigma_err_set(err, line,
                                  "condition syntax error: expected '%.*s of <selection pattern or them>' "
                                  "near " TOKFMT,
                                  TOKARG(t), TOKARG(bad));
                    goto out;
                }
                const ctok *pat = &toks[i + 2];
                bool them = word_is(pat, "them");
                uint32_t first = (uint32_t)r->nofidx, matched = 0;
                for (size_t s = 0; s < r->nsels; s++) {
                    /* "them" leaves out identifiers starting with '_', as the
                     * specification reserves those for helper selections. */
                    bool take =
                        them ? r->sels[s].name[0] != '_' : name_glob(pat->s, pat->len, r->sels[s].name);
                    if (!take)
                        continue;
                    long k = sigma_push((void **)&r->ofidx, &r->nofidx, sizeof(uint32_t));
                    if (k < 0) {
                        sigma_err_set(err, line, "out of memory");
                        goto out;
                    }
                    r->ofidx[k] = (uint32_t)s;
                    matched++;
                }
                if (matched == 0) {
                    sigma_err_set(err, line, "condition pattern " TOKFMT " matches no selection",
                                  TOKARG(pat));
                    goto out;
                }
                if (!emit(r, OP_OF, first, matched, all ? matched : count)) {
                    sigma_err_set(err, line, "out of memory");
                    goto out;
                }
                i += 2;
                want_operand = false;
            } else if (t->kind == T_WORD && !is_keyword(t)) {
                if (memchr(t->s, '*', t->len)) {
                    sigma_err_set(err, line, "wildcard " TOKFMT " needs '1 of' or 'all of' in front",
                                  TOKARG(t));
                    goto out;
                }
                size_t s = 0;
                while (s < r->nsels &&
                       !(strlen(r->sels[s].name) == t->len && memcmp(r->sels[s].name, t->s, t->len) == 0))
                    s++;
                if (s == r->nsels) {
                    sigma_err_set(err, line, "condition references undefined selection " TOKFMT, TOKARG(t));
                    goto out;
                }
                if (!emit(r, OP_SEL, (uint32_t)s, 0, 0)) {
                    sigma_err_set(err, line, "out of memory");
                    goto out;
                }
                want_operand = false;
            } else {
                sigma_err_set(err, line,
                              "condition syntax error: expected a selection, 'not', 'N of', 'all of' "
                              "or '(' but found " TOKFMT,
                              TOKARG(t));
                goto out;
            }
            continue;
        }
        if (word_is(t, "and") || word_is(t, "or")) {
            int op = word_is(t, "and") ? S_AND : S_OR;
            while (sp && stk[sp - 1] != S_LPAR && prec(stk[sp - 1]) >= prec(op))
                if (!emit_stackop(r, stk[--sp])) {
                    sigma_err_set(err, line, "out of memory");
                    goto out;
                }
            stk[sp++] = (uint8_t)op;
            want_operand = true;
        } else if (t->kind == T_RPAR) {
            while (sp && stk[sp - 1] != S_LPAR)
                if (!emit_stackop(r, stk[--sp])) {
                    sigma_err_set(err, line, "out of memory");
                    goto out;
                }
            if (!sp) {
                sigma_err_set(err, line, "condition syntax error: unbalanced ')'");
                goto out;
            }
            sp--;
            depth--;
        } else {
            sigma_err_set(err, line, "condition syntax error: expected 'and', 'or' or ')' but found " TOKFMT,
                          TOKARG(t));
            goto out;
        }
    }
    if (want_operand) {
        sigma_err_set(err, line, "condition syntax error: condition ends where a selection is expected");
        goto out;
    }
    while (sp) {
        if (stk[sp - 1] == S_LPAR) {
            sigma_err_set(err, line, "condition syntax error: missing ')'");
            goto out;
        }
        if (!emit_stackop(r, stk[--sp])) {
            sigma_err_set(err, line, "out of memory");
            goto out;
        }
    }
    ok = true;
out:
    free(toks);
    free(stk);
    return ok;
}

bool sigma_cond_compile(sigma_rule *r, const sigma_scalar *conds, size_t nconds, sigma_err *err)
{
    if (nconds == 0) {
        sigma_err_set(err, 0, "empty condition list");
        return false;
    }
    for (size_t i = 0; i < nconds; i++) {
        if (!compile_one(r, &conds[i], err))
            return false;
        if (i && !emit(r, OP_OR, 0, 0, 0)) {
            sigma_err_set(err, conds[i].line, "out of memory");
            return false;
        }
    }
    /* Prove at load time that evaluation fits its fixed stack. */
    size_t depth = 0, max = 0;
    for (size_t i = 0; i < r->nops; i++) {
        if (r->ops[i].op == OP_SEL || r->ops[i].op == OP_OF)
            depth++;
        else if (r->ops[i].op != OP_NOT)
            depth--;
        if (depth > max)
            max = depth;
    }
    if (max > SIGMA_EVAL_STACK) {
        sigma_err_set(err, conds[0].line, "condition too complex (needs %zu evaluation slots, limit %d)", max,
                      SIGMA_EVAL_STACK);
        return false;
    }
    return true;
}

static bool match_either(const sigma_rule *r, const sigma_value *v, const char *s,
                         const char *const alt[SIGMA_MAX_ALIASES], const sigma_event *ev)
{
    if (sigma_value_match(r, v, s, ev))
        return true;
    for (size_t i = 0; i < SIGMA_MAX_ALIASES; i++)
        if (alt[i] && sigma_value_match(r, v, alt[i], ev))
            return true;
    return false;
}

static bool fieldsel_match(const sigma_rule *r, const sigma_fieldsel *f, const sigma_event *ev)
{
    const sigma_value *v = &r->values[f->first], *end = v + f->count;
    if (!f->field) {
        /* Keyword: a value matches when any field value does. */
        bool group_ok = false;
        uint32_t group = v->group;
        for (; v < end; v++) {
            if (f->all && v->group != group) {
                if (!group_ok)
                    return false;
                group = v->group;
                group_ok = false;
            }
            if (f->all && group_ok)
                continue;
            bool hit = false;
            for (size_t i = 0; i < ev->nfields && !hit; i++)
                hit = ev->fields[i].value && sigma_value_match(r, v, ev->fields[i].value, ev);
            if (hit && !f->all)
                return true;
            group_ok |= hit;
        }
        return f->all && group_ok;
    }
    const char *s = sigma_fields_get(ev, f->owner, f->fid, f->field);
    /* s may point into part below, so part lives as long as s */
    // cppcheck-suppress variableScope
    char part[16];
    if (s && f->time)
        s = sigma_time_part_of(s, f->time, part, sizeof(part)) ? part : NULL;
    /* a field Winlogbeat also renders by name (AccessList ->
     * AccessListDescription): a value matches any of the forms */
    const char *alt[SIGMA_MAX_ALIASES] = {NULL};
    if (f->owner && f->fid) {
        for (size_t i = 0; i < f->nalias; i++)
            alt[i] = sigma_fields_get(ev, f->owner, f->alias_fid[i], f->alias[i]);
    } else {
        const char *alt_names[SIGMA_MAX_ALIASES];
        size_t nalt = f->time ? 0 : sigma_field_aliases(f->field, alt_names);
        for (size_t i = 0; i < nalt; i++)
            alt[i] = sigma_event_get(ev, alt_names[i]);
    }
    if (f->neq) {
        /* The field must be there to differ from a value. */
        if (!s)
            return false;
        for (; v < end; v++)
            if (sigma_value_match(r, v, s, ev))
                return false;
        return true;
    }
    if (!f->all) {
        for (; v < end; v++)
            if (match_either(r, v, s, alt, ev))
                return true;
        return false;
    }
    bool group_ok = false;
    uint32_t group = v->group;
    for (; v < end; v++) {
        if (v->group != group) {
            if (!group_ok)
                return false;
            group = v->group;
            group_ok = false;
        }
        if (!group_ok)
            group_ok = match_either(r, v, s, alt, ev);
    }
    return group_ok;
}

bool sigma_selection_match(const sigma_rule *r, uint32_t sel, const sigma_event *ev)
{
    const sigma_selection *s = &r->sels[sel];
    for (uint32_t m = s->first; m < s->first + s->count; m++) {
        const sigma_map *mp = &r->maps[m];
        bool ok = true;
        for (uint32_t f = mp->first; f < mp->first + mp->count && ok; f++)
            ok = fieldsel_match(r, &r->fsels[f], ev);
        if (ok)
            return true;
    }
    return false;
}

bool sigma_cond_eval(const sigma_rule *r, const sigma_event *ev)
{
    bool st[SIGMA_EVAL_STACK];
    /* Each selection is evaluated at most once per event even when the
     * condition names it twice (directly and through "1 of"). */
    uint8_t memo[SIGMA_MAX_SELECTIONS];
    memset(memo, 0, r->nsels);
    size_t sp = 0;
    for (size_t i = 0; i < r->nops; i++) {
        const sigma_op *o = &r->ops[i];
        switch (o->op) {
        case OP_SEL:
            if (!memo[o->a])
                memo[o->a] = sigma_selection_match(r, o->a, ev) ? 2 : 1;
            st[sp++] = memo[o->a] == 2;
            break;
        case OP_OF: {
            uint32_t hits = 0;
            /* Stop as soon as the outcome is known either way. */
            for (uint32_t k = 0; k < o->b && hits < o->n && hits + (o->b - k) >= o->n; k++) {
                uint32_t s = r->ofidx[o->a + k];
                if (!memo[s])
                    memo[s] = sigma_selection_match(r, s, ev) ? 2 : 1;
                hits += memo[s] == 2;
            }
            st[sp++] = hits >= o->n;
            break;
        }
        case OP_NOT:
            st[sp - 1] = !st[sp - 1];
            break;
        case OP_AND:
            sp--;
            st[sp - 1] = st[sp - 1] && st[sp];
            break;
        default:
            sp--;
            st[sp - 1] = st[sp - 1] || st[sp];
            break;
        }
    }
    return sp == 1 && st[0];
}

/* Beside the condition, so that the matchers (the full scan and the index)
 * need nothing of the loader. */
bool sigma_filters_pass(const sigma_rule *r, const sigma_event *ev)
{
    /* Each filter's condition is joined to the rule's with AND. */
    for (size_t i = 0; i < r->nfilters; i++)
        if (!sigma_cond_eval(r->filters[i], ev))
            return false;
    return true;
}
