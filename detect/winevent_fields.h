/* Field helpers every event family builds with: an event begun from its
 * definition, values appended in the definition's order (the names are the
 * definition's data, never repeated in code), bounded storage for values
 * that come from the wire, number formats as Windows renders them, the
 * Subject and network fields many events share, and the system fields
 * taken from the family. */
#ifndef PW_WINEVENT_FIELDS_H
#define PW_WINEVENT_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../protocols/smb_facts.h"
#include "winevent_record.h"

/* Starts event e as an instance of def (success until said otherwise). */
void wf_begin(win_event *e, const win_event_def *def);
/* Appends the value of the next EventData field of the definition. */
void wf_value(win_event *e, const char *value);
/* Copies at most cap-1 bytes of s (cut on a UTF-8 boundary) into the event's
 * storage; "" when the storage is spent or s is NULL. */
const char *wf_put(win_event *e, const char *s, size_t cap);
const char *wf_putn(win_event *e, const char *s, size_t len, size_t cap);
/* Bytes of storage not used yet. */
size_t wf_room(const win_event *e);
/* Ends the event: the system fields from the family (EventID, Channel,
 * Provider_Name, Computer, Keywords) and its Sigma view. */
void wf_finish(win_event *e, const char *computer_name);

/* After wf_finish: one more field, outside EventData, that Sigma also sees
 * (a rendering Winlogbeat adds, such as AccessListDescription). */
void wf_extra(win_event *e, const char *name, const char *value);

/* "0x12019f" */
void wf_hex(uint64_t v, char *buf, size_t n);
/* "3" */
void wf_dec(uint32_t v, char *buf, size_t n);
/* Largest n <= len that does not cut a UTF-8 sequence in two. */
size_t wf_utf8_cut(const char *s, size_t len, size_t n);
/* ASCII case-insensitive equality. */
bool wf_ieq(const char *a, const char *b);

/* SubjectUserSid, SubjectUserName, SubjectDomainName, SubjectLogonId from
 * the identity of the operation's session (Windows' NULL SID: the SID never
 * crosses the wire; ANONYMOUS LOGON for an anonymous session). */
void wf_subject(win_event *e, const smb_fact_head *h);
/* IpAddress, IpPort of the client (empty when peer is NULL). */
void wf_peer(win_event *e, const win_peer *peer);

#endif
