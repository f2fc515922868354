/* The service-install family: 7045 (System log, Service Control Manager) and
 * 4697 (Security log) for every CreateService* the server answered with
 * success, and 7040 for a ChangeServiceConfig that sets a new start type;
 * values rendered as Windows renders them (docs/events.md). */
#ifndef PW_WINEVENT_SERVICE_H
#define PW_WINEVENT_SERVICE_H

#include <stddef.h>
#include <stdint.h>

#include "../protocols/smb_facts.h"
#include "winevent_record.h"

/* Builders: the events a fact of this family gives, into out[0..max);
 * return how many. */
size_t winevent_service_7045(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);
size_t winevent_service_4697(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);
size_t winevent_service_7040(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);

/* pipewatch's own event for a ChangeServiceConfig that sets a new binary
 * path, unless the server refused it (an unanswered one counts). */
size_t winevent_service_path_change(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);

/* "user mode service", "kernel mode driver" ... as 7045 writes a service
 * type; NULL for a type Windows has no word for. */
const char *winevent_service_type_text(uint32_t type);
/* "boot start" .. "disabled"; NULL past 4. */
const char *winevent_start_type_text(uint32_t start);

#endif
