/* Incident records (REC_INCIDENT) and the alert raised for each incident
 * (REC_ALERT with an incident), as every layout needs them: the alert's
 * signature, the run's main service, a one-line summary, the ATT&CK
 * techniques the evidence stands for, and the EVE objects that the EVE
 * layout writes and the other layouts keep for what they have no field for. */
#ifndef PW_LAYOUT_INCIDENT_H
#define PW_LAYOUT_INCIDENT_H

#include <stddef.h>
#include <stdint.h>

#include "../detect/incident.h"
#include "json.h"

/* The alert signature of a tool ("Remote execution with Sysinternals PsExec
 * (service renamed)") and its signature_id (one fixed id per tool). */
const char *incident_tool_signature(const char *tool, uint32_t *sid);
/* The service the run created (the first created, else the first seen); NULL: none. */
const incident_service *incident_main_service(const incident *in);
/* "psexec-renamed by SRV\Administrator from 10.99.0.2 (WKS01) on 10.99.0.1:
 * service updsvc, %SystemRoot%\updsvc.exe" into buf. */
const char *incident_summary(const incident *in, char *buf, size_t n);
/* The ATT&CK technique ids of the run ("T1021.002" always: admin shares and
 * named pipes over SMB; "T1569.002" with a service; "T1053.005" with a task;
 * "T1570" with a file written to an admin share); returns how many (at most 4). */
size_t incident_techniques(const incident *in, const char *out[4]);
/* The SHA-256 of a file the run wrote, in hex; "" unless the whole file was
 * hashed (a partial hash stays in the EVE object, marked so). */
const char *incident_file_hash(const incident_file *f, char hex[65]);
/* "\\SRV\ADMIN$\updsvc.exe": the file's share and name as one path. */
const char *incident_file_path(const incident_file *f, char *buf, size_t n);

/* EVE: the "incident" object of an incident record. */
void eve_incident_object(jbuf *j, const incident *in);
/* EVE: the "alert" object (Suricata's shape) and the short "incident"
 * object (id, tool, user, service_name, binary_path) of its alert. */
void eve_incident_alert_objects(jbuf *j, const incident *in);

#endif
