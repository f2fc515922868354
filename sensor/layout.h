/* Layouts: how a record looks (EVE JSON today). A layout turns one record,
 * given as plain data (record.h), into the text of one line in a jbuf; it
 * knows nothing of where the text goes (dest.h).
 *
 * A new layout is a file with its layout_ops and one row in layouts[]
 * (layout.c). */
#ifndef PW_LAYOUT_H
#define PW_LAYOUT_H

#include "json.h"
#include "record.h"

typedef struct layout_ops {
    const char *name;
    /* The whole record into j (which it resets first). */
    void (*build)(jbuf *j, const pw_record *r);
} layout_ops;

extern const layout_ops layout_eve;      /* eve.c: Suricata's EVE JSON */
extern const layout_ops layout_ecs;      /* layout_ecs.c: Elastic Common Schema, as Winlogbeat's security module */
extern const layout_ops layout_splunk;   /* layout_splunk.c: Splunk HTTP Event Collector JSON */
extern const layout_ops layout_gelf;     /* layout_gelf.c: GELF 1.1 */
extern const layout_ops layout_logpoint; /* layout_logpoint.c: flat fields as LogPoint names them */

/* The layout of that name (outputs.eve-log.layout), NULL when there is none. */
const layout_ops *layout_find(const char *name);
/* "eve, ecs, splunk, gelf, logpoint": for messages. */
const char *layout_names(void);

#endif
