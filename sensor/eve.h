/* The EVE layout (layout_eve in layout.h): Suricata's EVE shape, one JSON
 * object per record. The builders below compose a record into a jbuf; they
 * are its parts, for the layout and for tests. */
#ifndef PW_EVE_H
#define PW_EVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../detect/sigma.h"
#include "../detect/winevent.h"
#include "../protocols/smb_facts.h"
#include "json.h"
#include "layout.h"

/* The fields every record starts with. */
void eve_begin(jbuf *j, const rec_hdr *h, const char *event_type);
/* The "smb" object of a fact. tx_id is the per-flow transaction number. */
/* The object of a fact: "smb", or "dcerpc" for a DCE/RPC call. */
void eve_smb_object(jbuf *j, const smb_fact *f, uint64_t tx_id);
/* The same for a record: copied from the record's memo when an earlier
 * record of its fact wrote it, else written (and kept in the memo). */
void eve_smb_member(jbuf *j, const pw_record *r);
/* The event_type of a fact's record: "smb", or "dcerpc". */
const char *eve_fact_record_type(const smb_fact *f);
/* The "winlog" object (Winlogbeat's shape) of a rebuilt Windows event. */
void eve_winlog_object(jbuf *j, const win_event *e);
/* Names one a line ("READ_CONTROL\nSYNCHRONIZE") as an array member, as
 * Winlogbeat writes AccessListDescription; nothing when names is empty. */
void eve_names_array(jbuf *j, const char *key, const char *names);
/* The "alert" object of a Sigma match. */
void eve_alert_object(jbuf *j, const sigma_rule *r);
/* app_proto and the "flow", "ndpi" and "smb" objects of a flow record. */
void eve_flow_object(jbuf *j, const flow_rec *f);
/* The "stats" object. */
void eve_stats_object(jbuf *j, const stats_rec *st);
/* "00000001-0000-0000-0000-000000000002" style id of a 16-byte file id. */
void eve_format_guid(const uint8_t id[16], char out[37]);

#endif
