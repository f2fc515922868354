/* The event families and event definitions pipewatch writes, as data: each
 * family's channel, provider, Sigma logsource and keywords, and each event
 * id's EventData fields in Windows' order (docs/events.md describes where
 * each value comes from). The builders fill these definitions; outputs and
 * rules read them; nothing else spells a channel or a field list. */
#ifndef PW_WINEVENT_FAMILIES_H
#define PW_WINEVENT_FAMILIES_H

#include <stddef.h>
#include <stdint.h>

#include "winevent_record.h"

/* Security log, Microsoft-Windows-Security-Auditing, logsource windows/security. */
extern const win_family WIN_FAMILY_SECURITY;

/* System log, Service Control Manager, logsource windows/system. */
extern const win_family WIN_FAMILY_SYSTEM_SCM;

/* pipewatch's own svcctl view (logsource pipewatch/svcctl): matched by
 * rules, not written as a Windows event. */
extern const win_family WIN_FAMILY_PIPEWATCH_SVCCTL;

/* 5145: a network share object was checked to see whether client can be granted desired access. */
extern const win_event_def WIN_EVENT_5145;
/* 5140: a network share object was accessed. */
extern const win_event_def WIN_EVENT_5140;

/* 7045: a service was installed in the system (System log). */
extern const win_event_def WIN_EVENT_7045;
/* 4697: a service was installed in the system (Security log). */
extern const win_event_def WIN_EVENT_4697;
/* 4698: a scheduled task was created (Security log). */
extern const win_event_def WIN_EVENT_4698;
/* 7040: the start type of a service was changed (System log). */
extern const win_event_def WIN_EVENT_7040;

/* A ChangeServiceConfig that gives a service a new binary path (no Windows
 * event records it): pipewatch's own. */
extern const win_event_def WIN_EVENT_PW_SERVICE_PATH;

/* The system part of an event as the logs hold it and Winlogbeat renders it:
 * winlog.task (the task's name), winlog.version, winlog.opcode. */
typedef struct win_envelope {
    uint16_t event_id;
    uint16_t task;         /* <Task>12811</Task> */
    const char *task_name; /* "Detailed File Share" */
    uint8_t version;       /* <Version> */
    const char *opcode;    /* "Info" (<Opcode>0</Opcode>) */
} win_envelope;

/* The envelope of an event id, NULL when the logs read gave none. */
const win_envelope *winevent_envelope(uint16_t event_id);

/* The definition of an event id, NULL when pipewatch does not write it. */
const win_event_def *winevent_def(uint16_t event_id);
/* All definitions, for listings and documentation checks. */
const win_event_def *const *winevent_defs(size_t *n);

#endif
