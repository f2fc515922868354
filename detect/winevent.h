/* Windows events rebuilt from the facts of the parsers, with field names
 * and value formats exactly as Windows writes them, so rules and queries
 * written for real logs apply. One fact may give several events (a service
 * install is both 7045 and 4697); each family's builders live in their own
 * module (winevent_share: 5145, 5140), over the shared field helpers
 * (winevent_fields) and the family data (winevent_families). */
#ifndef PW_WINEVENT_H
#define PW_WINEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../protocols/smb_facts.h"
#include "winevent_record.h"

/* Most events one fact gives. */
#define WINEVENT_MAX_PER_FACT 4

/* Builds the events fact f stands for into out[0..max); returns how many
 * (0 when it stands for none: a CLOSE, a failed TREE_CONNECT ...). */
size_t winevent_build(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);

/* Value of a field by name, NULL when absent. */
const char *winevent_get(const win_event *e, const char *name);

#endif
