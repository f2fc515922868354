/* EVE JSON output: one JSON object per line, in Suricata's EVE shape.
 *
 * eve_output owns the destination (stdout, a regular file, a unix socket)
 * and a write buffer; writes are checked, retried on EINTR and short writes,
 * and a failure (a full disk, a closed socket) is reported once with the
 * path and the reason. The record builders compose objects into a jbuf. */
#ifndef PW_EVE_H
#define PW_EVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../detect/sigma.h"
#include "../detect/winevent.h"
#include "../protocols/smb_facts.h"
#include "json.h"

typedef enum eve_filetype {
    EVE_REGULAR = 0,
    EVE_UNIX_STREAM,
    EVE_UNIX_DGRAM,
} eve_filetype;

typedef struct eve_output eve_output;

/* path NULL or "-" is stdout. Returns NULL and writes a reason into err. */
eve_output *eve_open(const char *path, eve_filetype type, bool append, char *err, size_t errlen);
/* Appends one line (a newline is added). Returns false once writing failed. */
bool eve_write(eve_output *o, const char *line, size_t len);
bool eve_flush(eve_output *o);
/* Reopens a regular file (log rotation). */
bool eve_reopen(eve_output *o);
/* Flushes and closes; returns false when any write failed. */
bool eve_close(eve_output *o);
bool eve_failed(const eve_output *o);
const char *eve_error(const eve_output *o); /* "cannot write to X: reason" */
/* The error, the first time it is asked for after a failure, else NULL: each
 * fault is told to the operator once, whoever notices it first. */
const char *eve_take_error(eve_output *o);
uint64_t eve_lines(const eve_output *o);

/* The fields every record starts with. */
typedef struct eve_hdr {
    uint64_t ts_usec;
    uint64_t flow_id;  /* 0: omitted */
    uint64_t pcap_cnt; /* 0: omitted */
    const char *src_ip, *dest_ip; /* NULL: omitted with the ports */
    uint16_t src_port, dest_port;
    const char *proto; /* "TCP" */
    uint16_t vlan_id;  /* 0: omitted */
} eve_hdr;

void eve_begin(jbuf *j, const eve_hdr *h, const char *event_type);
/* The "smb" object of a fact. tx_id is the per-flow transaction number. */
/* The object of a fact: "smb", or "dcerpc" for a DCE/RPC call. */
void eve_smb_object(jbuf *j, const smb_fact *f, uint64_t tx_id);
/* The event_type of a fact's record: "smb", or "dcerpc". */
const char *eve_fact_record_type(const smb_fact *f);
/* The "winlog" object (Winlogbeat's shape) of a rebuilt Windows event. */
void eve_winlog_object(jbuf *j, const win_event *e);
/* The "alert" object of a Sigma match. */
void eve_alert_object(jbuf *j, const sigma_rule *r);
/* "00000001-0000-0000-0000-000000000002" style id of a 16-byte file id. */
void eve_format_guid(const uint8_t id[16], char out[37]);
/* Text of an address of 4 or 16 bytes. */
void eve_format_ip(uint8_t ipver, const uint8_t *addr, char *out, size_t n);

#endif
