/* Internals shared by the Sigma loader (sigma.c), the condition compiler
 * (sigma_cond.c) and the value matcher (sigma_match.c). Nothing outside
 * detect/sigma*.c includes this.
 *
 * A compiled rule is a handful of flat arrays linked by index, so building
 * them with realloc is safe and matching walks plain memory:
 *   selection -> [first, count) of maps            (OR)
 *   map       -> [first, count) of field selectors (AND)
 *   fieldsel  -> [first, count) of values          (OR, or AND of groups with |all)
 * The condition is a postfix program over selection indices.
 *
 * Thread safety: each `re` value owns its PCRE2 match data (allocated at load
 * time so matching never allocates), so one rule must not be matched from two
 * threads at once. A multi-threaded sensor gives each thread its own ruleset. */
#ifndef PW_SIGMA_INTERNAL_H
#define PW_SIGMA_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigma.h"

/* Limits that keep a hostile or broken rule file from costing unbounded
 * memory or stack. */
#define SIGMA_MAX_NESTING 64 /* parentheses in a condition */
#define SIGMA_MAX_COND_TOKENS 4096
#define SIGMA_EVAL_STACK 256     /* operands alive at once while evaluating */
#define SIGMA_MAX_SELECTIONS 256 /* per rule */
#define SIGMA_MAX_DIR_DEPTH 8    /* sub-directories followed by sigma_load_path */
#define SIGMA_REASON_MAX 512

enum sigma_value_kind {
    SV_STR,      /* wildcard string (with numeric equality when written as a YAML integer) */
    SV_NULL,     /* field absent or empty */
    SV_RE,       /* PCRE2 */
    SV_CIDR,     /* address prefix */
    SV_CMP,      /* gt/gte/lt/lte */
    SV_EXISTS,   /* field present (or not) */
    SV_FIELDREF, /* equal to another field of the same event */
};

/* How an SV_STR pattern is matched, chosen at compile time. */
enum sigma_glob_kind {
    GL_EQ,       /* literal, whole value */
    GL_PREFIX,   /* literal* */
    GL_SUFFIX,   /* *literal */
    GL_CONTAINS, /* *literal* */
    GL_ANY,      /* "*": any present value */
    GL_GLOB,     /* general token program */
};

/* Tokens of a GL_GLOB program; 0..255 are literal bytes (already folded when
 * the value is case-insensitive). */
enum { TK_STAR = 256, TK_ONE = 257, TK_DASH = 258 };

enum sigma_cmp_op { CMP_GT, CMP_GTE, CMP_LT, CMP_LTE };

typedef struct sigma_value {
    uint8_t kind;     /* sigma_value_kind */
    uint8_t glob;     /* sigma_glob_kind (SV_STR) */
    uint8_t cmp;      /* sigma_cmp_op (SV_CMP) */
    bool cased;       /* SV_STR, SV_FIELDREF: compare bytes exactly */
    bool has_num;     /* SV_STR: written as a YAML integer, compare numerically when the field is one */
    bool exists;      /* SV_EXISTS */
    uint8_t family;   /* SV_CIDR: 4 or 6 */
    uint8_t prefix;   /* SV_CIDR: prefix length in bits */
    uint8_t addr[16]; /* SV_CIDR: network, host bits cleared */
    uint32_t group;   /* values written as one YAML value (base64offset variants) share a group */
    int64_t num;      /* SV_STR with has_num */
    double bound;     /* SV_CMP */
    char *lit;        /* literal bytes for fast paths; field name for SV_FIELDREF */
    size_t litlen;
    uint16_t *tok; /* GL_GLOB program */
    size_t ntok;
    pcre2_code *re;
    pcre2_match_data *md;
} sigma_value;

/* The date parts the time modifiers take out of a field value. */
enum sigma_time_part { TP_NONE = 0, TP_MINUTE, TP_HOUR, TP_DAY, TP_WEEK, TP_MONTH, TP_YEAR };

typedef struct sigma_fieldsel {
    char *field;  /* NULL: keyword search over every field value */
    /* field and its aliases (sigma_field_aliases, unless time) by number in
     * owner (sigma_fields_bind); 0: none */
    const struct sigma_fields *owner;
    uint32_t fid, alias_fid[2];
    const char *alias[2];
    uint8_t nalias;
    bool all;     /* every value group must match, instead of any value */
    bool neq;     /* |neq: the field differs from every value */
    uint8_t time; /* sigma_time_part: values are matched against that part of a date */
    uint32_t first, count;
} sigma_fieldsel;

typedef struct sigma_map {
    uint32_t first, count; /* field selectors */
} sigma_map;

typedef struct sigma_selection {
    char *name;
    uint32_t first, count; /* maps */
} sigma_selection;

enum sigma_op_kind { OP_SEL, OP_OF, OP_NOT, OP_AND, OP_OR };

typedef struct sigma_op {
    uint8_t op;
    uint32_t a; /* OP_SEL: selection; OP_OF: first index in rule->ofidx */
    uint32_t b; /* OP_OF: how many selections the pattern named */
    uint32_t n; /* OP_OF: how many of them must match */
} sigma_op;

enum sigma_rule_kind { SR_DETECTION = 0, SR_CORRELATION, SR_FILTER };

enum sigma_corr_type {
    SC_EVENT_COUNT,
    SC_VALUE_COUNT,
    SC_TEMPORAL,
    SC_TEMPORAL_ORDERED,
    SC_VALUE_SUM,
    SC_VALUE_AVG,
    SC_VALUE_PERCENTILE,
};

enum sigma_corr_op { CO_GT, CO_GTE, CO_LT, CO_LTE, CO_EQ, CO_NEQ };

#define SIGMA_CORR_MAX_COND 6
#define SIGMA_CORR_MAX_GROUP 8
#define SIGMA_CORR_MAX_RULES 32
#define SIGMA_MAX_FILTERS 16 /* filters applied to one rule */

typedef struct sigma_corr_alias {
    char *alias, *rule, *field; /* in events of `rule` (a name or id), `alias` is `field` */
} sigma_corr_alias;

/* A correlation document, as loaded. */
typedef struct sigma_corr_def {
    uint8_t type; /* sigma_corr_type */
    char **refs;  /* rules: as written (id or name) */
    size_t nrefs;
    long *ref_idx; /* the rule each names in the ruleset, -1 until resolved */
    char **group_by;
    size_t ngroup;
    sigma_corr_alias *aliases;
    size_t naliases;
    uint64_t timespan_usec;
    struct {
        uint8_t op; /* sigma_corr_op */
        double v;
    } cond[SIGMA_CORR_MAX_COND];
    size_t ncond;
    char *field; /* value_* types: the field whose values are counted, summed ... */
    bool generate;
} sigma_corr_def;

struct sigma_rule {
    char *title, *id, *status, *description, *author, *level, *file;
    char *name;     /* `name:`, for references; "" when none */
    size_t index;   /* place in its ruleset: the same rule has the same index in every copy */
    uint8_t kind;   /* sigma_rule_kind */
    bool quiet;     /* named by a correlation with generate: false ... */
    bool generated; /* ... unless one naming it says generate: true: then it alerts alone too */
    sigma_corr_def *corr;
    /* SR_FILTER: the rules named (id or name), and whether each was found */
    char **frefs;
    size_t nfrefs;
    bool *fref_done;
    /* filters applied to this rule: each one's condition must hold too */
    const struct sigma_rule *filters[SIGMA_MAX_FILTERS];
    size_t nfilters;
    char **tags;
    size_t ntags;
    char **refs;
    size_t nrefs;
    char *product, *service, *category; /* NULL when the rule does not name them */
    uint32_t signature_id;
    int severity;

    sigma_selection *sels;
    size_t nsels;
    sigma_map *maps;
    size_t nmaps;
    sigma_fieldsel *fsels;
    size_t nfsels;
    sigma_value *values;
    size_t nvalues;
    sigma_op *ops;
    size_t nops;
    uint32_t *ofidx;
    size_t nofidx;
    pcre2_match_context *mctx; /* bounds PCRE2 backtracking for every `re` of the rule */
    /* Regex matches of this rule stopped by PCRE2's limits (the rule is
     * matched by one thread only; see above), and whom to tell the first time. */
    uint64_t regex_limit_hits;
    sigma_limit_fn on_limit;
    void *on_limit_ctx;
};

/* Where a compile step failed. */
typedef struct sigma_err {
    unsigned line;
    char reason[SIGMA_REASON_MAX];
} sigma_err;

void sigma_err_set(sigma_err *e, unsigned line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Grows *arr (of elem-sized items, *n used) by one zeroed slot; returns its
 * index or -1 when out of memory. */
long sigma_push(void **arr, size_t *n, size_t elem);

/* sigma_match.c */
/* Modifier set of one detection key, parsed from "Field|mod1|mod2". */
typedef struct sigma_mods {
    uint8_t anchor; /* 0 none, 1 contains, 2 startswith, 3 endswith */
    uint8_t enc;    /* 0 none, 1 utf16le, 2 utf16be, 3 utf16 (BOM + LE) */
    uint8_t b64;    /* 0 none, 1 base64, 2 base64offset */
    bool all, cased, windash, re, re_i, re_m, re_s, cidr, exists, fieldref;
    bool neq;
    uint8_t time; /* sigma_time_part */
    bool cmp;
    uint8_t cmp_op;
} sigma_mods;

/* Parses the modifiers after the field name (text after the first '|', may be
 * empty). Rejects unknown and unsupported modifiers and bad combinations. */
bool sigma_mods_parse(const char *s, sigma_mods *m, unsigned line, sigma_err *err);

/* One YAML scalar as the compiler sees it. */
typedef struct sigma_scalar {
    const char *text;
    size_t len;
    bool plain; /* unquoted: null, integers and booleans are recognised */
    unsigned line;
} sigma_scalar;

/* Compiles one written value under mods into one or more values appended to
 * rule->values (base64offset gives three, sharing a group). keyword: the value
 * is matched against every field (default anchor contains). */
bool sigma_value_compile(sigma_rule *r, const sigma_mods *m, const sigma_scalar *sc, uint32_t group,
                         bool keyword, sigma_err *err);
void sigma_value_free(sigma_value *v);

/* Does value v accept s (NULL: field absent)? ev is needed by fieldref. */
bool sigma_value_match(const sigma_rule *r, const sigma_value *v, const char *s, const sigma_event *ev);

/* Field value by name: exact name first, then ASCII case-insensitive. NULL
 * when the field is absent (or listed with a NULL value). */
const char *sigma_event_get(const sigma_event *ev, const char *name);
/* The fields that render field name by name (AccessList ->
 * AccessListDescription; AccessMask -> AccessMaskDescription and
 * AccessListDescription), which a rule's value may match instead: their
 * number, the names in out. */
#define SIGMA_MAX_ALIASES 2
size_t sigma_field_aliases(const char *name, const char *out[SIGMA_MAX_ALIASES]);

/* sigma_fields.c: the field names of a rule set bound once. Binding numbers
 * every field name (and alias) the rules' selectors use; an event whose
 * field names are constants (names_fixed) is then entered once before its
 * rules are evaluated, which places every numbered field in it, so each
 * selector reads its field by number instead of comparing names. Events
 * not entered (sigma_match, more than 32 fields, a single rule matched
 * alone) are looked up by name, with the same result. */
typedef struct sigma_fields sigma_fields;
/* Numbers the fields of every selector of rules (and records the binding in
 * them); NULL when out of memory (every lookup is then by name). */
sigma_fields *sigma_fields_bind(sigma_rule *const *rules, size_t n);
void sigma_fields_free(sigma_fields *b);
/* The number of a name the rules use, 0 when none does. */
uint32_t sigma_fields_id(const sigma_fields *b, const char *name);
/* ev, whose field names are constants, is the event the calling thread
 * matches next, until sigma_fields_leave. */
void sigma_fields_enter(sigma_fields *b, const sigma_event *ev);
void sigma_fields_leave(void);
/* The value of field fid of owner (name: the same field by name), as
 * sigma_event_get(ev, name) gives it. */
const char *sigma_fields_get(const sigma_event *ev, const sigma_fields *owner, uint32_t fid, const char *name);

/* The integer syntax numeric values compare by (sign and decimal digits). */
bool sigma_parse_int(const char *s, size_t n, int64_t *out);

/* sigma_index.c: which rules can apply to an event. Rules are grouped by
 * logsource; within a group each rule is filed under keys that any event it
 * matches must produce (a field's whole value, its first or last three
 * bytes, a three-byte piece, its number), or kept aside when its condition
 * implies none. Matching looks the event's keys up, marks the rules found in
 * a bitmap and evaluates those in load order: the same result as evaluating
 * every rule, at a cost in proportion to the rules that can apply. */
typedef struct sigma_index sigma_index;
/* NULL when out of memory (matching then scans every rule). */
sigma_index *sigma_index_build(sigma_rule *const *rules, size_t n);
void sigma_index_free(sigma_index *ix);
size_t sigma_index_rules(const sigma_index *ix);
/* Rules filed under no key (evaluated for every event of their logsource). */
size_t sigma_index_unkeyed(const sigma_index *ix);
/* names_fixed: ev's field names are constants (see sigma_match_fixed). */
size_t sigma_index_match(const sigma_index *ix, sigma_rule *const *rules, const sigma_event *ev, bool names_fixed,
                         const sigma_rule **out, size_t max);

/* Iterative wildcard match over a token program; exposed for tests of the
 * worst case. */
bool sigma_glob_match(const uint16_t *tok, size_t ntok, const char *s, size_t n);

/* Takes the date part `part` (sigma_time_part) out of a date written
 * "YYYY-MM-DD[T ]hh:mm[:ss...]" (or a date alone for day/week/month/year)
 * into a decimal string; false when the value is not such a date. */
bool sigma_time_part_of(const char *s, uint8_t part, char *out, size_t outlen);

/* Every filter applied to r lets ev through (its condition holds). */
bool sigma_filters_pass(const sigma_rule *r, const sigma_event *ev);

/* sigma_cond.c */
/* Compiles condition strings (OR-ed together) into rule->ops. */
bool sigma_cond_compile(sigma_rule *r, const sigma_scalar *conds, size_t nconds, sigma_err *err);
bool sigma_cond_eval(const sigma_rule *r, const sigma_event *ev);
bool sigma_selection_match(const sigma_rule *r, uint32_t sel, const sigma_event *ev);

#endif
