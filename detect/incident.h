/* The cross-flow stage: what one client did to one server in a burst, across
 * every connection between them (a PsExec run opens several), as one
 * incident, and which remote-execution tool did it.
 *
 * The stage is fed small observations made from the facts, events and
 * alerts of every flow: the pipeline copies what it needs (names, the
 * service, the bytes of admin-share writes) and the stage keeps its own
 * copies, so one stage serves every worker behind its lock. An incident is
 * open while less than `gap` passes between two of its observations; it is
 * closed when the gap passes, when the table needs its slot (the least
 * recently active gives way, counted), or at the end of input. A closed
 * incident is reported to the sink only when something in it is evidence of
 * remote execution (a tool's pipes, a service created, a task registered);
 * the rest (everyday file and RPC traffic) is dropped and counted.
 * Memory: a fixed table sized from `memcap`, plus out-of-order write bytes
 * held for hashing, charged to the same memcap. */
#ifndef PW_INCIDENT_H
#define PW_INCIDENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "incident_sha256.h"
#include "winevent_record.h"

#define INCIDENT_ADDR_MAX 64
#define INCIDENT_NAME_MAX 128
#define INCIDENT_TEXT_MAX 512
#define INCIDENT_MAX_IDS 8    /* distinct event ids counted per incident */
#define INCIDENT_MAX_FLOWS 8  /* distinct flows listed per incident */
#define INCIDENT_MAX_PIPES 12 /* pipe names listed */
#define INCIDENT_MAX_SHARES 6
#define INCIDENT_MAX_FILES 4 /* files written to admin shares */
#define INCIDENT_MAX_SERVICES 4
#define INCIDENT_MAX_TASKS 4
#define INCIDENT_MAX_COMMANDS 8
#define INCIDENT_MAX_ALERTS 8
#define INCIDENT_MAX_EVIDENCE 6
#define INCIDENT_HOLD_MAX (256 * 1024) /* out-of-order bytes held per file for hashing */

typedef struct incident_limits {
    size_t memcap;     /* the table and the held write bytes (default 16 MiB) */
    uint64_t gap_usec; /* quiet time that ends an incident (default 10 minutes) */
} incident_limits;

void incident_limits_default(incident_limits *l);

enum incident_obs_kind {
    IO_EVENT = 1, /* a Windows event was built (event_id) */
    IO_SESSION,   /* a logon: user, domain, workstation */
    IO_TREE,      /* a tree connect: share */
    IO_CREATE,    /* an open: share, name (a pipe on IPC$, a file elsewhere) */
    IO_SERVICE,   /* a svcctl call: operation, name, binary_path, encrypted */
    IO_TASK,      /* a task registered: name, command; sealed: any task call, operation */
    IO_WRITE,     /* bytes written to an admin-share file: name, file_id, offset, data */
    IO_ALERT,     /* a Sigma alert: signature, signature_id */
};

/* One observation. Strings may be NULL; nothing is kept by reference. */
typedef struct incident_obs {
    uint8_t kind;
    const char *client_ip, *server_ip;
    uint16_t client_port, server_port; /* of the flow (0: not known) */
    uint64_t flow_id;
    uint64_t ts_usec;
    const char *user, *domain, *workstation;
    const char *share;
    const char *name;        /* pipe or file (CREATE, WRITE), service (SERVICE), task (TASK) */
    const char *operation;   /* SERVICE: "RCreateServiceW" */
    const char *binary_path; /* SERVICE */
    const char *command;     /* TASK */
    bool encrypted;          /* SERVICE, TASK: sealed DCE/RPC, nothing known inside */
    bool over_tcp;           /* SERVICE, TASK: DCE/RPC straight over TCP, not through a pipe */
    bool success;            /* the operation succeeded (status 0 seen; SERVICE: return value 0) */
    bool have_return;        /* SERVICE: the response's return value was read */
    uint32_t return_code;    /* SERVICE: that return value (1073 ERROR_SERVICE_EXISTS ...) */
    bool fault;              /* SERVICE: the call was answered by a FAULT PDU (return_code: its status) */
    bool write_intent;       /* CREATE: the open asks to write (write access, or creates/overwrites) */
    uint16_t event_id;       /* EVENT */
    const char *signature;   /* ALERT */
    uint32_t signature_id;
    const uint8_t *file_id; /* WRITE: 16 bytes */
    uint64_t offset;
    const uint8_t *data;
    size_t len;
    size_t missing; /* WRITE: bytes of this write that were not seen */
    char text[INCIDENT_TEXT_MAX]; /* room for a command taken out of a task's XML */
} incident_obs;

/* A file written to an admin share (a WRITE seen, or an open asking to
 * write), hashed as it was written. */
typedef struct incident_file {
    char share[INCIDENT_NAME_MAX];
    char name[INCIDENT_NAME_MAX];
    uint8_t file_id[16];
    uint64_t size;    /* end of the furthest write */
    uint64_t hashed;  /* bytes hashed, from offset 0 in order */
    uint64_t written; /* bytes the writes carried */
    bool partial;     /* bytes missing, or written out of order beyond what is held: the hash covers [0, hashed) */
    sha256_ctx sha;
    struct held *held; /* writes ahead of `hashed`, waiting for the gap before them */
    size_t held_bytes;
} incident_file;

/* A file opened on an admin share only to be read (smbexec's __output,
 * atexec's Temp\*.tmp): nothing put on the host, nothing to hash. */
typedef struct incident_file_read {
    char share[INCIDENT_NAME_MAX];
    char name[INCIDENT_NAME_MAX];
} incident_file_read;

typedef struct incident_service {
    char name[INCIDENT_NAME_MAX];
    char binary_path[INCIDENT_TEXT_MAX];
    char operations[INCIDENT_NAME_MAX]; /* "RCreateServiceW,RStartServiceW" (as many as fit) */
    bool create_sent;                   /* a CreateService request was seen */
    bool created;                       /* ... and its response succeeded */
    bool create_refused;                /* ... and its response refused it (create_status) */
    uint32_t create_status;             /* Win32 error of the refused create: 1073 ERROR_SERVICE_EXISTS ... */
    bool create_fault;                  /* refused by a FAULT PDU: create_status is its status */
    bool started;                       /* a StartService whose response succeeded */
} incident_service;

typedef struct incident_task {
    char name[INCIDENT_NAME_MAX];
    char command[INCIDENT_TEXT_MAX];
    bool at_job; /* ATSVC NetrJobAdd (an AT job), not a Task Scheduler registration */
} incident_task;

typedef struct incident {
    uint64_t id; /* while open: 1, 2, ... as opened; reported: a hash of client, server and first_seen */
    char client_ip[INCIDENT_ADDR_MAX];
    char server_ip[INCIDENT_ADDR_MAX];
    uint16_t client_port, server_port; /* of the first flow */
    char user[INCIDENT_NAME_MAX], domain[INCIDENT_NAME_MAX], workstation[INCIDENT_NAME_MAX];
    uint64_t first_usec, last_usec;
    uint32_t events; /* Windows events */
    uint32_t observations;
    struct {
        uint16_t event_id;
        uint32_t count;
    } ids[INCIDENT_MAX_IDS];
    uint32_t nids;
    uint32_t ids_dropped; /* events of ids past INCIDENT_MAX_IDS */
    uint64_t flows[INCIDENT_MAX_FLOWS];
    uint32_t nflows;
    uint32_t flows_more; /* distinct flows past INCIDENT_MAX_FLOWS */
    char shares[INCIDENT_MAX_SHARES][INCIDENT_NAME_MAX];
    uint32_t nshares;
    char pipes[INCIDENT_MAX_PIPES][INCIDENT_NAME_MAX];
    uint32_t npipes, pipes_more;
    incident_file files[INCIDENT_MAX_FILES];
    uint32_t nfiles, files_more;
    incident_file_read files_read[INCIDENT_MAX_FILES];
    uint32_t nfiles_read, files_read_more;
    incident_service services[INCIDENT_MAX_SERVICES];
    uint32_t nservices;
    incident_task tasks[INCIDENT_MAX_TASKS];
    uint32_t ntasks;
    char commands[INCIDENT_MAX_COMMANDS][INCIDENT_TEXT_MAX];
    uint32_t ncommands;
    struct {
        uint32_t signature_id;
        char signature[INCIDENT_NAME_MAX];
        uint32_t count;
    } alerts[INCIDENT_MAX_ALERTS];
    uint32_t nalerts, alerts_total;
    bool svcctl_sealed;    /* svcctl went encrypted: service name and binary not seen */
    bool no_session_setup; /* no logon seen: the user is not known */
    bool evicted;          /* closed early: the table needed its slot */
    bool svcctl_sealed_tcp; /* svcctl went encrypted straight over TCP */
    /* sealed svcctl calls by operation (the opnum is in clear): services
     * created, started and deleted whose names are hidden; counts stop at
     * 255 (they sit in what was padding, so the table holds as many) */
    uint8_t sealed_creates, sealed_starts, sealed_deletes;
    bool tasks_sealed;       /* a task scheduler call went encrypted: task name and command not seen */
    bool tasks_sealed_tcp;   /* ... straight over TCP */
    bool tasks_sealed_atsvc; /* ... on ATSVC (else ITaskSchedulerService) */
    char sealed_task_ops[INCIDENT_NAME_MAX]; /* "SchRpcRegisterTask,SchRpcRun" (by opnum, in clear) */

    /* Attribution, filled when the incident closes (incident_attribute) */
    const char *tool; /* "psexec", ...; NULL: no evidence of remote execution */
    char evidence[INCIDENT_MAX_EVIDENCE][INCIDENT_TEXT_MAX];
    uint32_t nevidence;
    char not_seen[4][INCIDENT_NAME_MAX]; /* parts of a run that were not on the wire */
    uint32_t nnot_seen;
} incident;

typedef struct incident_sink {
    void (*incident)(void *ctx, const incident *in);
    void *ctx;
} incident_sink;

typedef struct incident_stats {
    uint64_t observations;
    uint64_t opened;
    uint64_t reported;           /* incidents with a tool: given to the sink */
    uint64_t dropped;            /* closed without evidence of remote execution */
    uint64_t evicted;            /* closed early to make room (reported or dropped as above) */
    uint64_t held_bytes_dropped; /* out-of-order write bytes over the budget: hash partial */
    uint32_t max_open;
    uint32_t open_peak;
} incident_stats;

typedef struct incident_stage incident_stage;

/* NULL when out of memory. */
incident_stage *incident_new(const incident_limits *l, incident_sink sink);
void incident_free(incident_stage *s);
/* One observation (thread-safe); also closes the incidents whose gap has passed. */
void incident_observe(incident_stage *s, const incident_obs *o);
/* One Windows event of one flow (an IO_EVENT observation). */
typedef struct incident_input {
    const win_event *event;
    const char *client_ip;
    const char *server_ip;
    uint64_t flow_id;
    uint64_t ts_usec;
} incident_input;
void incident_event(incident_stage *s, const incident_input *in);
/* Time passes without observations. */
void incident_tick(incident_stage *s, uint64_t now_usec);
/* End of input: every open incident is closed. */
void incident_flush(incident_stage *s);
incident_stats incident_get_stats(incident_stage *s);

/* The observation a fact stands for (kind, names, service, identity); the
 * caller adds addresses, flow and time. False for facts the stage has no
 * use for. Strings point into the fact. */
struct smb_fact;
bool incident_obs_of_fact(const struct smb_fact *f, incident_obs *o);

/* smbexec's command out of a service binary path (`%COMSPEC% /Q /c echo
 * <command> ^> \\127.0.0.1\C$\__output ...`); false when it is not one. */
bool incident_smbexec_command(const char *bin, char *out, size_t cap);

/* Names the tool of an incident and its evidence from what it holds (done
 * when it closes; exposed for tests). */
void incident_attribute(incident *in);
/* The SHA-256 of a file, as hex; false when nothing was hashed. */
bool incident_file_sha256(const incident_file *f, char out[65]);

#endif
