/* Windows Security events rebuilt from SMB facts: 5145 ("A network share
 * object was checked to see whether client can be granted desired access")
 * for every CREATE, and 5140 ("A network share object was accessed") for
 * every successful TREE_CONNECT, with field names and value formats exactly as
 * Windows writes them, so rules and queries written for real logs apply. */
#ifndef PW_WINEVENT_H
#define PW_WINEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../protocols/smb_facts.h"
#include "sigma.h"

#define WINEVENT_MAX_FIELDS 24
#define WINEVENT_STORAGE 4096

typedef struct win_event {
    uint16_t event_id;        /* 5145 or 5140 */
    bool audit_success;       /* keywords: Audit Success / Audit Failure */
    const char *computer_name; /* server name from the share path ("" when unknown) */
    /* EventData fields in the order Windows writes them, then the system
     * fields (EventID, Channel, Provider_Name, Computer, Keywords) that Sigma
     * rules also name. Values point into storage. */
    sigma_field fields[WINEVENT_MAX_FIELDS];
    size_t nfields;           /* all fields */
    size_t ndata;             /* the first ndata fields are EventData */
    sigma_event sigma;        /* the same fields, as a Sigma event (logsource windows/security) */
    char storage[WINEVENT_STORAGE];
    size_t used;
} win_event;

/* Where the client was on the network. */
typedef struct win_peer {
    const char *client_ip;   /* "10.0.0.5" or "fe80::1" (Windows writes IPv4 as-is, IPv6 plain) */
    uint16_t client_port;
    const char *server_ip;
} win_peer;

/* Builds the event a fact stands for. Returns false when the fact gives no
 * event (not a CREATE/TREE_CONNECT, or a failed TREE_CONNECT). */
bool winevent_from_fact(const smb_fact *f, const win_peer *peer, win_event *out);

/* "\\SRV\IPC$" -> "\\*\IPC$"; writes at most n bytes including the NUL. */
void winevent_share_name(const char *share, char *buf, size_t n);
/* SMB1 names lose their leading '\'; SMB2 names are kept. */
const char *winevent_relative_name(const char *filename);
/* "%%1538 %%1541 %%4416 …" for the bits of an access mask, separated as
 * Windows separates them in the rendered XML (see docs/events.md). */
void winevent_access_list(uint32_t mask, char *buf, size_t n);
/* "0x12019f" */
void winevent_hex(uint32_t v, char *buf, size_t n);

/* Value of a field by name, NULL when absent. */
const char *winevent_get(const win_event *e, const char *name);

#endif
