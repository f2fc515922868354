/* What the SIEM layouts (ecs, splunk, gelf, logpoint) share: the names
 * Windows renders for an event's message codes, the event's task and title,
 * epoch time, and the flattening of an EVE part into top-level members for
 * shapes that allow no nesting. */
#ifndef PW_LAYOUT_WIN_H
#define PW_LAYOUT_WIN_H

#include <stddef.h>
#include <stdint.h>

#include "../detect/sigma.h"
#include "../detect/winevent.h"
#include "json.h"
#include "record.h"

/* "Detailed File Share" (5145), "File Share" (5140) …: the event's task category. */
const char *win_task(unsigned event_id);
/* The first line of the event's message. */
const char *win_title(unsigned event_id);
/* The event's channel ("Security", "System"), provider and keywords, from
 * its family (detect/winevent_families.c). */
const char *win_channel(const win_event *e);
const char *win_provider(const win_event *e);
const char *win_keywords(const win_event *e);
/* ECS event.category, event.type and event.action of an event id
 * (Winlogbeat's security module's where it maps the id). */
typedef struct win_ecs {
    const char *category[2]; /* NULL-ended */
    const char *type;
    const char *action; /* NULL: the task category */
} win_ecs;
const win_ecs *win_ecs_of(unsigned event_id);
/* The value of a field of the event, "" when it has none. */
const char *win_field(const win_event *e, const char *name);

/* A member holding seconds since the epoch with microseconds, 1764386505.286212. */
void jb_epoch(jbuf *j, const char *key, uint64_t ts_usec);
/* "2026-11-29T03:21:45.286212Z" */
void jb_rfc3339(jbuf *j, const char *key, uint64_t ts_usec);

/* Writes every member of the JSON object text (made by this program's EVE
 * builders) as top-level members of j: nested objects become prefixed keys
 * ("smb" "command" -> prefix + "smb_command"), arrays a string of their JSON
 * text, null members left out (GELF takes strings and numbers). Keys in skip
 * (NULL-ended) are left out at the top. */
void flat_members(jbuf *j, const char *json, size_t len, const char *prefix, const char *const *skip);

/* The sensor's own host name (for records about no Windows host). */
const char *sensor_hostname(void);
/* The record as EVE JSON into a buffer of this thread (valid until the next
 * call on the thread); *len its length. */
const char *eve_text(const pw_record *r, size_t *len);

/* A sigma level as a syslog severity: critical 2 … informational 6. */
int sigma_level_severity(const char *level);

#endif
