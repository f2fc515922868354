/* The record of one Windows event rebuilt from the wire, and the data that
 * describes each event family: its channel, provider, Sigma logsource and
 * keywords, and for each event id the EventData fields in the order Windows
 * writes them. Types only: the field helpers (winevent_fields), the builders
 * of each family (winevent_share ...) and the dispatcher (winevent) all stand
 * on this header, and it on nothing of theirs. */
#ifndef PW_WINEVENT_RECORD_H
#define PW_WINEVENT_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sigma.h"

#define WINEVENT_MAX_FIELDS 24
/* Room for the values of one event: a task definition (4698 TaskContent)
 * runs to tens of KB and is kept up to 32 KB. */
#define WINEVENT_STORAGE 40960

/* One event family: where Windows logs its events and how they are keyed. */
typedef struct win_family {
    const char *channel;  /* "Security" */
    const char *provider; /* "Microsoft-Windows-Security-Auditing" */
    /* Sigma logsource the events are matched under */
    const char *product;  /* "windows" */
    const char *service;  /* "security" */
    const char *category; /* NULL */
    /* Keywords of a successful and a failed event ("Audit Success", "Audit Failure") */
    const char *keyword_success;
    const char *keyword_failure;
    /* Level as Winlogbeat names it ("information": also the Security audit
     * events' level 0, which Windows renders Information); NULL: none */
    const char *level;
    /* the provider's GUID as Winlogbeat writes winlog.provider_guid; NULL
     * for a classic provider, which has none */
    const char *provider_guid;
    /* pipewatch's own view of what has no Windows event (a service's binary
     * path rewritten): matched by rules, never written as a winlog record */
    bool rules_only;
} win_family;

/* One event id of a family, with its EventData field names in order. */
typedef struct win_event_def {
    uint16_t event_id;
    const char *event_id_text; /* "5145": the EventID field's value */
    const win_family *family;
    const char *const *data_fields;
    size_t ndata;
} win_event_def;

typedef struct win_event {
    const win_event_def *def;
    uint16_t event_id;
    bool audit_success;        /* picks the family's success or failure keyword */
    const char *keywords;      /* the keyword written */
    const char *computer_name; /* the server's name ("" when unknown) */
    /* EventData fields in the order Windows writes them, then the system
     * fields (EventID, Channel, Provider_Name, Computer, Keywords) that Sigma
     * rules also name. Values point into storage or at constants. */
    sigma_field fields[WINEVENT_MAX_FIELDS];
    size_t nfields; /* all fields */
    size_t ndata;   /* the first ndata fields are EventData */
    sigma_event sigma; /* the same fields, under the family's logsource */
    char storage[WINEVENT_STORAGE];
    size_t used;
} win_event;

/* Where the client was on the network. */
typedef struct win_peer {
    const char *client_ip; /* "10.0.0.5" or "fe80::1" (Windows writes IPv4 as-is, IPv6 plain) */
    uint16_t client_port;
    const char *server_ip;
    /* The server's own name as NTLMSSP gave it (its DNS name, else its
     * NetBIOS name), on this connection or another one to the same address;
     * NULL when not known. */
    const char *server_name;
    /* The share the event is about as the server itself names it, and its
     * local path ("C:\Windows"; "" for IPC$), from the server's srvsvc
     * replies (NetrShareEnum / NetrShareGetInfo); NULL when not known. */
    const char *share_name;
    const char *share_path;
} win_peer;

#endif
