/* The cross-flow stage: events of many flows grouped into incidents. An
 * incident is what one client did to one server in a burst: every event
 * between the same pair of addresses, whatever the connection (a PsExec run
 * opens several), while no more than `gap` passes between two of them. It is
 * reported to its own sink once it is over (the gap passed, the table needed
 * its slot, or the input ended), with the flows and event ids it holds.
 * Memory: a fixed table of open incidents, sized by configuration. */
#ifndef PW_INCIDENT_H
#define PW_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "winevent_record.h"

#define INCIDENT_ADDR_MAX 64
#define INCIDENT_MAX_IDS 8   /* distinct event ids counted per incident */
#define INCIDENT_MAX_FLOWS 8 /* distinct flows listed per incident */

typedef struct incident_limits {
    uint32_t max_open; /* incidents open at once (default 1024); the stalest is closed to make room */
    uint64_t gap_usec; /* quiet time that ends an incident (default 10 minutes) */
} incident_limits;

void incident_limits_default(incident_limits *l);

/* One event of one flow, as the stage sees it. */
typedef struct incident_input {
    const win_event *event;
    const char *client_ip;
    const char *server_ip;
    uint64_t flow_id;
    uint64_t ts_usec;
} incident_input;

typedef struct incident {
    uint64_t id; /* 1, 2, ... in the order incidents were opened */
    char client_ip[INCIDENT_ADDR_MAX];
    char server_ip[INCIDENT_ADDR_MAX];
    uint64_t first_usec, last_usec;
    uint32_t events;
    struct {
        uint16_t event_id;
        uint32_t count;
    } ids[INCIDENT_MAX_IDS];
    uint32_t nids;
    uint32_t ids_dropped; /* events of ids past INCIDENT_MAX_IDS */
    uint64_t flows[INCIDENT_MAX_FLOWS];
    uint32_t nflows;
    uint32_t flows_more; /* distinct flows past INCIDENT_MAX_FLOWS */
    bool evicted;        /* closed early: the table needed its slot */
} incident;

typedef struct incident_sink {
    void (*incident)(void *ctx, const incident *in);
    void *ctx;
} incident_sink;

typedef struct incident_stats {
    uint64_t events;
    uint64_t opened;
    uint64_t reported;
    uint64_t evicted;
} incident_stats;

typedef struct incident_stage incident_stage;

/* NULL when out of memory. */
incident_stage *incident_new(const incident_limits *l, incident_sink sink);
void incident_free(incident_stage *s);
/* One event; also closes the incidents whose gap has passed at in->ts_usec. */
void incident_event(incident_stage *s, const incident_input *in);
/* Time passes without events. */
void incident_tick(incident_stage *s, uint64_t now_usec);
/* End of input: every open incident is reported. */
void incident_flush(incident_stage *s);
const incident_stats *incident_get_stats(const incident_stage *s);

#endif
