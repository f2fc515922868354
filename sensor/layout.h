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

extern const layout_ops layout_eve; /* eve.c: Suricata's EVE JSON */

/* The layout of that name (outputs.eve-log.layout), NULL when there is none. */
const layout_ops *layout_find(const char *name);
/* "eve": for messages. */
const char *layout_names(void);

#endif
