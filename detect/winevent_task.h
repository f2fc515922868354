/* The scheduled-task family: 4698 (Security log, "A scheduled task was
 * created") for every SchRpcRegisterTask or NetrJobAdd the server answered
 * with success (docs/events.md). */
#ifndef PW_WINEVENT_TASK_H
#define PW_WINEVENT_TASK_H

#include <stddef.h>

#include "../protocols/smb_facts.h"
#include "winevent_record.h"

size_t winevent_task_4698(const smb_fact *f, const win_peer *peer, win_event *out, size_t max);

#endif
