#include "incident.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct slot {
    bool used;
    incident in;
} slot;

struct incident_stage {
    incident_limits lim;
    incident_sink sink;
    slot *slots;
    uint64_t next_id;
    incident_stats st;
};

void incident_limits_default(incident_limits *l)
{
    l->max_open = 1024;
    l->gap_usec = 600ull * 1000000;
}

incident_stage *incident_new(const incident_limits *l, incident_sink sink)
{
    incident_stage *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (l)
        s->lim = *l;
    else
        incident_limits_default(&s->lim);
    if (s->lim.max_open == 0)
        s->lim.max_open = 1;
    s->slots = calloc(s->lim.max_open, sizeof(slot));
    if (!s->slots) {
        free(s);
        return NULL;
    }
    s->sink = sink;
    return s;
}

void incident_free(incident_stage *s)
{
    if (!s)
        return;
    free(s->slots);
    free(s);
}

static void report(incident_stage *s, slot *sl)
{
    s->st.reported++;
    if (s->sink.incident)
        s->sink.incident(s->sink.ctx, &sl->in);
    sl->used = false;
}

/* Reports the open incidents, oldest first, whose last event is more than
 * the gap before now. */
static void close_quiet(incident_stage *s, uint64_t now)
{
    for (;;) {
        slot *oldest = NULL;
        for (uint32_t i = 0; i < s->lim.max_open; i++) {
            slot *sl = &s->slots[i];
            if (sl->used && now > sl->in.last_usec && now - sl->in.last_usec > s->lim.gap_usec &&
                (!oldest || sl->in.id < oldest->in.id))
                oldest = sl;
        }
        if (!oldest)
            return;
        report(s, oldest);
    }
}

static slot *find(incident_stage *s, const char *client, const char *server)
{
    for (uint32_t i = 0; i < s->lim.max_open; i++) {
        slot *sl = &s->slots[i];
        if (sl->used && strcmp(sl->in.client_ip, client) == 0 && strcmp(sl->in.server_ip, server) == 0)
            return sl;
    }
    return NULL;
}

static slot *open_slot(incident_stage *s, const incident_input *in)
{
    slot *free_slot = NULL, *stalest = NULL;
    for (uint32_t i = 0; i < s->lim.max_open && !free_slot; i++) {
        slot *sl = &s->slots[i];
        if (!sl->used)
            free_slot = sl;
        else if (!stalest || sl->in.last_usec < stalest->in.last_usec)
            stalest = sl;
    }
    if (!free_slot) {
        s->st.evicted++;
        stalest->in.evicted = true;
        report(s, stalest);
        free_slot = stalest;
    }
    memset(&free_slot->in, 0, sizeof free_slot->in);
    free_slot->used = true;
    free_slot->in.id = ++s->next_id;
    snprintf(free_slot->in.client_ip, sizeof free_slot->in.client_ip, "%s", in->client_ip);
    snprintf(free_slot->in.server_ip, sizeof free_slot->in.server_ip, "%s", in->server_ip);
    free_slot->in.first_usec = in->ts_usec;
    s->st.opened++;
    return free_slot;
}

static void count_id(incident *in, uint16_t id)
{
    for (uint32_t i = 0; i < in->nids; i++) {
        if (in->ids[i].event_id == id) {
            in->ids[i].count++;
            return;
        }
    }
    if (in->nids == INCIDENT_MAX_IDS) {
        in->ids_dropped++;
        return;
    }
    in->ids[in->nids].event_id = id;
    in->ids[in->nids].count = 1;
    in->nids++;
}

static void count_flow(incident *in, uint64_t flow_id)
{
    for (uint32_t i = 0; i < in->nflows; i++) {
        if (in->flows[i] == flow_id)
            return;
    }
    if (in->nflows == INCIDENT_MAX_FLOWS)
        in->flows_more++; /* may count a flow twice once the list is full */
    else
        in->flows[in->nflows++] = flow_id;
}

void incident_event(incident_stage *s, const incident_input *in)
{
    if (!s || !in || !in->event)
        return;
    s->st.events++;
    close_quiet(s, in->ts_usec);
    const char *client = in->client_ip ? in->client_ip : "";
    const char *server = in->server_ip ? in->server_ip : "";
    slot *sl = find(s, client, server);
    if (!sl) {
        incident_input copy = *in;
        copy.client_ip = client;
        copy.server_ip = server;
        sl = open_slot(s, &copy);
    }
    incident *ic = &sl->in;
    ic->events++;
    if (in->ts_usec > ic->last_usec)
        ic->last_usec = in->ts_usec;
    count_id(ic, in->event->event_id);
    count_flow(ic, in->flow_id);
}

void incident_tick(incident_stage *s, uint64_t now_usec)
{
    if (s)
        close_quiet(s, now_usec);
}

void incident_flush(incident_stage *s)
{
    if (!s)
        return;
    close_quiet(s, UINT64_MAX);
}

const incident_stats *incident_get_stats(const incident_stage *s) { return &s->st; }
