/* Field names bound once: see sigma_internal.h.
 *
 * The rules of a set name a few dozen distinct fields; each gets a number
 * when the set is indexed. An event whose field names are constants (a name
 * pointer always names the same text: sigma_match_fixed) has a layout,
 * the list of its name pointers, and the events of one kind share it. For
 * each layout seen, the place of every numbered field in it is worked out
 * once, by name, exactly as sigma_event_get does (exact name first, then
 * case-insensitive); an event of a known layout then finds a field by
 * number with one array read. Layouts are kept in a small table made at
 * load time, so matching allocates nothing. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sigma_internal.h"

#define LAYOUTS 16          /* layouts kept; a new one takes its hash's slot */
#define LAYOUT_FIELDS 32    /* events with more fields are looked up by name */
#define ABSENT 0xff

_Static_assert(SIGMA_MAX_ALIASES == 2, "sigma_fieldsel keeps two aliases");

typedef struct layout {
    size_t n; /* 0: empty slot (an event with no field needs no layout) */
    const char *names[LAYOUT_FIELDS];
    uint8_t *at; /* per field number - 1: its place in the event, or ABSENT */
} layout;

struct sigma_fields {
    const char **names; /* by number - 1; owned by the rules (aliases: constants) */
    uint32_t n;
    layout layouts[LAYOUTS];
    uint8_t *at; /* LAYOUTS * n places */
};

/* The event being matched and the places of its fields; set by
 * sigma_fields_enter for the thread that matches it. */
static _Thread_local const sigma_event *bound_ev;
static _Thread_local const uint8_t *bound_at;
static _Thread_local const sigma_fields *bound_set;

static uint32_t intern(sigma_fields *b, const char *name, bool *oom)
{
    if (!name)
        return 0;
    for (uint32_t i = 0; i < b->n; i++)
        if (strcmp(b->names[i], name) == 0)
            return i + 1;
    size_t n = b->n;
    if (sigma_push((void **)&b->names, &n, sizeof(char *)) < 0) {
        *oom = true;
        return 0;
    }
    b->names[b->n] = name;
    return ++b->n;
}

sigma_fields *sigma_fields_bind(sigma_rule *const *rules, size_t nrules)
{
    sigma_fields *b = calloc(1, sizeof(*b));
    if (!b)
        return NULL;
    bool oom = false;
    for (size_t i = 0; i < nrules && !oom; i++) {
        sigma_rule *r = rules[i];
        for (size_t k = 0; k < r->nfsels && !oom; k++) {
            sigma_fieldsel *f = &r->fsels[k];
            f->owner = b;
            f->fid = intern(b, f->field, &oom);
            f->nalias = f->field && !f->time ? (uint8_t)sigma_field_aliases(f->field, f->alias) : 0;
            for (uint8_t a = 0; a < f->nalias; a++)
                f->alias_fid[a] = intern(b, f->alias[a], &oom);
        }
    }
    if (!oom && b->n)
        b->at = malloc((size_t)LAYOUTS * b->n);
    if (oom || (b->n && !b->at)) {
        for (size_t i = 0; i < nrules; i++)
            for (size_t k = 0; k < rules[i]->nfsels; k++)
                rules[i]->fsels[k].owner = NULL;
        sigma_fields_free(b);
        return NULL;
    }
    for (size_t l = 0; l < LAYOUTS && b->at; l++)
        b->layouts[l].at = b->at + l * b->n;
    return b;
}

void sigma_fields_free(sigma_fields *b)
{
    if (!b)
        return;
    if (bound_set == b) {
        bound_ev = NULL;
        bound_set = NULL;
    }
    free(b->names);
    free(b->at);
    free(b);
}

uint32_t sigma_fields_id(const sigma_fields *b, const char *name)
{
    if (!b || !name)
        return 0;
    for (uint32_t i = 0; i < b->n; i++)
        if (strcmp(b->names[i], name) == 0)
            return i + 1;
    return 0;
}

/* The place of a name in a layout, as sigma_event_get finds it. */
static uint8_t place(const sigma_event *ev, const char *name)
{
    for (size_t i = 0; i < ev->nfields; i++)
        if (ev->fields[i].name && strcmp(ev->fields[i].name, name) == 0)
            return (uint8_t)i;
    for (size_t i = 0; i < ev->nfields; i++)
        if (ev->fields[i].name && strcasecmp(ev->fields[i].name, name) == 0)
            return (uint8_t)i;
    return ABSENT;
}

void sigma_fields_enter(sigma_fields *b, const sigma_event *ev)
{
    bound_ev = NULL;
    if (!b || !b->n || ev->nfields == 0 || ev->nfields > LAYOUT_FIELDS)
        return;
    uint64_t h = ev->nfields;
    for (size_t i = 0; i < ev->nfields; i++)
        h = (h ^ (uint64_t)(uintptr_t)ev->fields[i].name) * 1099511628211ull;
    layout *l = &b->layouts[(h ^ (h >> 29)) % LAYOUTS];
    bool same = l->n == ev->nfields;
    for (size_t i = 0; same && i < ev->nfields; i++)
        same = l->names[i] == ev->fields[i].name;
    if (!same) {
        l->n = ev->nfields;
        for (size_t i = 0; i < ev->nfields; i++)
            l->names[i] = ev->fields[i].name;
        for (uint32_t k = 0; k < b->n; k++)
            l->at[k] = place(ev, b->names[k]);
    }
    bound_ev = ev;
    bound_at = l->at;
    bound_set = b;
}

void sigma_fields_leave(void) { bound_ev = NULL; }

const char *sigma_fields_get(const sigma_event *ev, const sigma_fields *owner, uint32_t fid, const char *name)
{
    if (fid && ev == bound_ev && owner == bound_set) {
        uint8_t at = bound_at[fid - 1];
        return at == ABSENT ? NULL : ev->fields[at].value;
    }
    return name ? sigma_event_get(ev, name) : NULL;
}
