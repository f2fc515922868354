/* A native Sigma engine: loads rules (YAML, via libyaml), compiles their
 * detection into a matcher once, and matches events without allocating.
 *
 * Events are flat lists of (field name, string value). Field names compare
 * case-sensitively first, then case-insensitively; values follow the Sigma
 * specification (case-insensitive strings, `*`/`?` wildcards with `\` escapes,
 * modifiers, numbers compared by value, `null` for an absent or empty field). */
#ifndef PW_SIGMA_H
#define PW_SIGMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sigma_field {
    const char *name;
    const char *value; /* NUL-terminated; NULL means absent */
} sigma_field;

typedef struct sigma_event {
    const char *product;  /* logsource of the event: "windows" */
    const char *service;  /* "security" */
    const char *category; /* NULL when none */
    const sigma_field *fields;
    size_t nfields;
} sigma_event;

typedef struct sigma_rule sigma_rule;
typedef struct sigma_ruleset sigma_ruleset;

/* Called for each rule that cannot be loaded: file, line (1-based, 0 when
 * unknown) and a one-line reason. */
typedef void (*sigma_error_fn)(void *ctx, const char *file, unsigned line, const char *reason);

sigma_ruleset *sigma_ruleset_new(void);
void sigma_ruleset_free(sigma_ruleset *rs);

/* Loads one .yml/.yaml file (which may hold several YAML documents) or every
 * .yml/.yaml file in a directory (sorted by name, not recursive into hidden
 * dirs). Returns the number of rules that failed to load (each reported
 * through err), or -1 when the path itself cannot be read (reported too). */
int sigma_load_path(sigma_ruleset *rs, const char *path, sigma_error_fn err, void *ctx);
/* Loads rules from a string (for tests and fuzzing); name is used in errors. */
int sigma_load_string(sigma_ruleset *rs, const char *name, const char *yaml, size_t len,
                      sigma_error_fn err, void *ctx);

/* Called the first time a rule's regular expression gives up at PCRE2's
 * match or depth limit (a pattern that backtracks without end): the value
 * is then taken as not matching, and counted. */
typedef void (*sigma_limit_fn)(void *ctx, const sigma_rule *r);
void sigma_ruleset_on_limit(sigma_ruleset *rs, sigma_limit_fn fn, void *ctx);
/* Regex matches stopped by PCRE2's limits, over every rule of the set. */
uint64_t sigma_ruleset_regex_limit_hits(const sigma_ruleset *rs);
uint64_t sigma_rule_regex_limit_hits(const sigma_rule *r);

size_t sigma_rule_count(const sigma_ruleset *rs);
const sigma_rule *sigma_rule_at(const sigma_ruleset *rs, size_t i);

/* Matches ev against every rule whose logsource fits it. Writes up to max
 * matching rules to out in load order and returns the number of matches
 * (which may exceed max). Does not allocate. Its cost follows the rules that
 * can apply to the event, not the size of the rule set: rules are indexed at
 * load time by logsource and by values their conditions require. */
size_t sigma_match(const sigma_ruleset *rs, const sigma_event *ev, const sigma_rule **out, size_t max);
/* The same for an event whose field names are constants of the program (a
 * name pointer always names the same text, as in the events winevent
 * builds): the fields the rules use are placed once per list of name
 * pointers, and read by number for every event after it, instead of being
 * looked up by name. Same result as sigma_match; does not allocate. */
size_t sigma_match_fixed(const sigma_ruleset *rs, const sigma_event *ev, const sigma_rule **out, size_t max);
/* The same, by evaluating every rule in turn: the reference the rule index
 * behind sigma_match is checked against (tests, benchmarks). */
size_t sigma_match_linear(const sigma_ruleset *rs, const sigma_event *ev, const sigma_rule **out, size_t max);
/* Rules the index cannot narrow down: evaluated for every event of their
 * logsource (a condition such as "not x" or a keyword search implies no key). */
size_t sigma_ruleset_unindexed(const sigma_ruleset *rs);
/* Matches one rule (logsource included). */
bool sigma_rule_match(const sigma_rule *r, const sigma_event *ev);

/* Rule metadata, as loaded. Strings are never NULL ("" when missing). */
const char *sigma_rule_title(const sigma_rule *r);
const char *sigma_rule_id(const sigma_rule *r);
const char *sigma_rule_level(const sigma_rule *r);  /* informational low medium high critical */
const char *sigma_rule_status(const sigma_rule *r);
const char *sigma_rule_description(const sigma_rule *r);
const char *sigma_rule_author(const sigma_rule *r);
const char *sigma_rule_file(const sigma_rule *r);
size_t sigma_rule_tag_count(const sigma_rule *r);
const char *sigma_rule_tag(const sigma_rule *r, size_t i);
size_t sigma_rule_reference_count(const sigma_rule *r);
const char *sigma_rule_reference(const sigma_rule *r, size_t i);
/* Stable number derived from the rule id (or the title when there is no id):
 * the same rule always gets the same signature_id. */
uint32_t sigma_rule_signature_id(const sigma_rule *r);
/* Suricata-style severity: critical 1, high 2, medium 3, low 4, informational 4. */
int sigma_rule_severity(const sigma_rule *r);

/* Correlation and filter documents load into the same ruleset. They never
 * match an event on their own: a filter's condition is joined (AND) to the
 * rules it names; a correlation gets the matches of the rules it names
 * through a sigma_corr engine. */
const char *sigma_rule_name(const sigma_rule *r); /* `name:` ("" when none) */
/* Place in its ruleset: the same rule files loaded again give the same index. */
size_t sigma_rule_index(const sigma_rule *r);
bool sigma_rule_is_correlation(const sigma_rule *r);
bool sigma_rule_is_filter(const sigma_rule *r);
/* Does a match of this rule make an alert of its own? False for rules that
 * correlations name without `generate: true`, and for correlations and filters. */
bool sigma_rule_alerts(const sigma_rule *r);
/* Reports each reference (of a correlation or a filter) that names no loaded
 * rule, and each filter whose logsource does not fit its rule; returns how
 * many. Call once every rule path is loaded. */
int sigma_ruleset_check(const sigma_ruleset *rs, sigma_error_fn err, void *ctx);

/* ---- correlation engine ------------------------------------------------
 * State of every correlation of one ruleset: groups (one per correlation and
 * group-by values), each with the recent matches it counts. One engine serves
 * all workers: it takes a lock around each call, and a rule is named by its
 * index, which is the same in every worker's copy of the ruleset. Memory is
 * bounded by limits.memcap; when it is spent the least recently fed group is
 * dropped (counted). */
typedef struct sigma_corr sigma_corr;

typedef struct sigma_corr_limits {
    size_t memcap;       /* bytes for group state (default 4 MiB) */
    uint32_t max_events; /* matches kept per group (default 64, at most 1024) */
} sigma_corr_limits;

void sigma_corr_limits_default(sigma_corr_limits *l);

/* One match a correlation counted. */
typedef struct sigma_corr_ref {
    uint64_t ts_usec;
    uint64_t flow_id; /* 0: a chained correlation's firing */
    uint32_t rule;    /* index of the rule that matched */
} sigma_corr_ref;

typedef struct sigma_corr_alert {
    const sigma_rule *rule; /* the correlation (from the engine's ruleset) */
    const char *type;       /* "event_count" ... */
    size_t ngroup;
    const char *const *group_names;  /* the correlation's group-by */
    const char *const *group_values; /* this group's values ("" when absent) */
    double value;         /* the count, distinct count, sum, mean or percentage that met the condition */
    const char *value_of; /* value_percentile: the field value that was that rare; else NULL */
    uint64_t first_usec, last_usec;
    uint64_t events;            /* matches counted */
    const sigma_corr_ref *refs; /* the last of them (at most max_events) */
    size_t nrefs;
    bool truncated; /* more matches came than max_events: the oldest are not listed */
} sigma_corr_alert;

typedef void (*sigma_corr_fn)(void *ctx, const sigma_corr_alert *a);

typedef struct sigma_corr_stats {
    uint64_t fed, groups, groups_peak, evicted;
    uint64_t alerts; /* firings, those of correlations that only feed others included */
    uint64_t raised; /* firings that make an alert (given to the callback) */
} sigma_corr_stats;

/* NULL when out of memory, or (with a reason in err) when a correlation
 * cannot work within the limits. rs must outlive the engine. */
sigma_corr *sigma_corr_new(const sigma_ruleset *rs, const sigma_corr_limits *l, sigma_corr_fn fn, void *ctx,
                           char *err, size_t errlen);
void sigma_corr_free(sigma_corr *c);
/* Number of correlations; 0 means nothing to feed. */
size_t sigma_corr_count(const sigma_corr *c);
/* Is a match of rule (by index) used by any correlation? Lock-free; c may be NULL. */
bool sigma_corr_wants(const sigma_corr *c, size_t rule_index);
/* A match of rule rule_index on ev at ts. May call fn (under the engine's lock). */
void sigma_corr_feed(sigma_corr *c, size_t rule_index, const sigma_event *ev, uint64_t ts_usec, uint64_t flow_id);
/* Time passes: groups whose window is over are evaluated and dropped. */
void sigma_corr_tick(sigma_corr *c, uint64_t now_usec);
/* End of input: every group is evaluated and dropped. */
void sigma_corr_flush(sigma_corr *c);
sigma_corr_stats sigma_corr_get_stats(sigma_corr *c);

#endif
