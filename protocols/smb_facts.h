/* What the SMB parser tells the layers above it.
 *
 * The parser turns a connection's bytes into facts: one per completed SMB
 * operation (request paired with its final response), or per request that
 * never got an answer when the connection ends. Facts travel up through an
 * smb_sink installed by the sensor; the parser knows nothing of capture,
 * rules or output. Strings in a fact are NUL-terminated UTF-8 owned by the
 * parser and valid only during the callback. */
#ifndef PW_SMB_FACTS_H
#define PW_SMB_FACTS_H

#include <stdbool.h>
#include <stdint.h>

#include "ntlmssp.h"

typedef enum smb_fact_kind {
    SMB_FACT_NEGOTIATE = 1,
    SMB_FACT_SESSION_SETUP,
    SMB_FACT_TREE_CONNECT,
    SMB_FACT_TREE_DISCONNECT,
    SMB_FACT_CREATE,
    SMB_FACT_CLOSE,
    SMB_FACT_LOGOFF,
    SMB_FACT_SERVICE, /* a svcctl (MS-SCMR) call through a pipe, at its end */
    SMB_FACT_TASK,    /* a task scheduler call (ITaskSchedulerService, ATSVC) through a pipe, at its end */
    SMB_FACT_RPC,     /* any DCE/RPC call through a pipe, at its end (the EVE dcerpc record) */
} smb_fact_kind;

typedef enum smb_share_type {
    SMB_SHARE_UNKNOWN = 0,
    SMB_SHARE_DISK,
    SMB_SHARE_PIPE,
    SMB_SHARE_PRINT,
} smb_share_type;

typedef enum smb_auth {
    SMB_AUTH_UNKNOWN = 0, /* no SESSION_SETUP seen (midstream) */
    SMB_AUTH_NTLMSSP,
    SMB_AUTH_KERBEROS,
    SMB_AUTH_ANONYMOUS,
    SMB_AUTH_OTHER,
} smb_auth;

/* Who ran an operation: the session it ran in (from SESSION_SETUP). */
typedef struct smb_identity {
    smb_auth auth;
    const char *user;        /* NTLMSSP user name ("" for an anonymous logon); NULL if unknown or Kerberos */
    const char *domain;      /* NTLMSSP domain name; NULL if unknown or Kerberos */
    const char *workstation; /* NTLMSSP workstation (client host) name; NULL if unknown */
    uint64_t krb_ticket;     /* Kerberos: the id of the ticket the AP-REQ presented (kerberos.h); 0 if none */
    /* user and domain were not on this connection: the sensor took them
     * from the KDC's reply that issued the session's ticket (cname, crealm) */
    bool from_kdc;
} smb_identity;

/* The server's own names, as its NTLMSSP CHALLENGE on this connection (or
 * the NTLMv2 response that echoes it) gave them; each NULL when not seen. */
typedef struct smb_server_names {
    const char *target_name;  /* CHALLENGE TargetName: the NetBIOS domain (or server) name */
    const char *nb_computer;  /* MsvAvNbComputerName */
    const char *nb_domain;    /* MsvAvNbDomainName */
    const char *dns_computer; /* MsvAvDnsComputerName: the server's FQDN */
    const char *dns_domain;   /* MsvAvDnsDomainName */
    uint8_t os_major;         /* the CHALLENGE's Windows version (10, 6 ...); 0 unknown */
    uint8_t os_minor;
    uint16_t os_build;
} smb_server_names;

/* The names of t as a fact's header holds them: NULL where empty. */
static inline void smb_server_names_of(const ntlm_target *t, smb_server_names *n)
{
    n->target_name = t->target_name[0] ? t->target_name : NULL;
    n->nb_computer = t->nb_computer[0] ? t->nb_computer : NULL;
    n->nb_domain = t->nb_domain[0] ? t->nb_domain : NULL;
    n->dns_computer = t->dns_computer[0] ? t->dns_computer : NULL;
    n->dns_domain = t->dns_domain[0] ? t->dns_domain : NULL;
    n->os_major = t->os_major;
    n->os_minor = t->os_minor;
    n->os_build = t->os_build;
}

/* What carried a DCE/RPC call's fact: an SMB connection (a named pipe,
 * ncacn_np), or a TCP connection of its own (ncacn_ip_tcp), which has no
 * SMB operation, share, pipe or session. */
typedef enum smb_transport {
    SMB_TRANSPORT_SMB = 0,
    SMB_TRANSPORT_TCP,
} smb_transport;

/* The header every fact has: the SMB operation and its outcome. */
typedef struct smb_fact_head {
    smb_fact_kind kind;
    smb_transport transport; /* SERVICE, TASK, RPC: TCP for DCE/RPC straight over TCP */
    uint8_t smb_version; /* 1 for SMB1, 2 for SMB2/SMB3 */
    uint16_t command;    /* wire command: SMB2 0x0000..0x0012, SMB1 0x72, 0x73, 0x75, 0xa2 … */
    uint16_t dialect;    /* 0x0202 0x0210 0x0300 0x0302 0x0311; 0x0001 = SMB1 "NT LM 0.12"; 0 unknown */
    int req_dir;         /* stream direction (0 or 1) that carried requests; -1 if unknown */
    bool have_request;   /* request seen (false: response only, midstream) */
    bool have_response;  /* final response seen (false: flushed at end of flow) */
    uint32_t status;     /* NTSTATUS of the final response; 0 when !have_response */
    uint64_t message_id; /* SMB2 MessageId; SMB1 MID */
    uint64_t session_id; /* SMB2 SessionId; SMB1 UID */
    uint32_t tree_id;    /* SMB2 TreeId; SMB1 TID */
    smb_identity who;
    smb_server_names server;
} smb_fact_head;

/* The share an operation worked in. */
typedef struct smb_fact_tree {
    const char *share;         /* as the client wrote it (`\\SRV\IPC$`); NULL when its tree connect was not seen */
    smb_share_type share_type; /* from the TREE_CONNECT response; IPC$ is a pipe share */
} smb_fact_tree;

/* CREATE and CLOSE: a file (or pipe) of a share. */
typedef struct smb_fact_file {
    smb_fact_tree tree;
    /* CREATE: the name as on the wire (SMB2: relative, no leading '\';
     * SMB1: usually with a leading '\'). CLOSE: the name of the file when known. */
    const char *filename;
    uint32_t desired_access;
    uint32_t share_access;
    uint32_t file_attributes;
    uint32_t create_disposition;
    uint32_t create_options;
    uint32_t create_action; /* from the response; 0 when unknown */
    uint8_t file_id[16];    /* SMB2 FileId (persistent+volatile); SMB1: FID in the first 2 bytes */
    bool have_file_id;
} smb_fact_file;

/* SMB_FACT_SERVICE: one svcctl call (OpenSCManager, OpenService,
 * CreateService*, ChangeServiceConfig, StartService, ControlService,
 * DeleteService) through a pipe, reported when the call ends, with what its
 * response said. The header's have_response tells whether the RPC response
 * (or a fault) came; its status stays 0 (the SMB operations that carried
 * the call have their own facts). */
typedef struct smb_fact_service {
    smb_fact_file pipe; /* the pipe it came through (name, file id, share) */
    uint16_t opnum;
    const char *operation; /* "RCreateServiceW" */
    bool encrypted;        /* sealed (packet privacy): nothing below is known */
    bool fault;
    uint32_t fault_status; /* of the FAULT PDU: 0x1c010002 nca_s_op_rng_error, 5 access denied ... */
    bool have_return;      /* the response's return value was read */
    uint32_t return_code;  /* Win32 error: 0 success, 1073 ERROR_SERVICE_EXISTS ... */
    /* The service: named by the request (OpenService, CreateService) or, for
     * the calls on a service handle, by the OpenService / CreateService that
     * returned the handle. NULL when unknown. */
    const char *name;
    const char *display_name; /* NULL when not given */
    /* CreateService: the binary path; ChangeServiceConfig: the new one, NULL
     * when the request keeps it */
    const char *binary_path;
    const char *account; /* lpServiceStartName; NULL when not given (LocalSystem) */
    uint32_t desired_access;
    /* CreateService: as given; ChangeServiceConfig: 0xffffffff when kept */
    uint32_t service_type;
    uint32_t start_type;
    bool account_present; /* lpServiceStartName given (else LocalSystem) */
    uint32_t control;     /* ControlService: SERVICE_CONTROL_STOP (1) ... */
} smb_fact_service;

/* SMB_FACT_TASK: SchRpcRegisterTask, SchRpcRun, SchRpcDelete
 * (ITaskSchedulerService) or NetrJobAdd (ATSVC) through a pipe, reported
 * when the call ends, like SMB_FACT_SERVICE. When the pipe's DCE/RPC bind
 * carried its own NTLMSSP logon, the header's identity is that one. */
typedef struct smb_fact_task {
    smb_fact_file pipe;
    bool atsvc; /* the ATSVC interface (NetrJobAdd), else ITaskSchedulerService */
    uint16_t opnum;
    const char *operation; /* "SchRpcRegisterTask", "NetrJobAdd" */
    bool encrypted;
    bool fault;
    uint32_t fault_status;
    bool have_return;
    uint32_t return_code; /* HRESULT (TSCH) or NET_API_STATUS (ATSVC) */
    /* The task: the request's path, else the path the response gave it
     * (RegisterTask), else "At<JobId>" (NetrJobAdd); NULL when unknown */
    const char *name;
    const char *xml;      /* RegisterTask: the task definition (bounded; NULL otherwise) */
    const char *command;  /* NetrJobAdd: the command */
    uint32_t flags;       /* RegisterTask, Delete: the flags; NetrJobAdd: AT_INFO Flags */
    bool bind_identity;   /* who: from the bind's own NTLMSSP AUTHENTICATE */
} smb_fact_task;

/* SMB_FACT_RPC: one DCE/RPC call of a pipe, whatever its interface, when it
 * ends (response, fault, or the pipe / connection ending first). For the
 * svcctl and task scheduler calls pipewatch decodes, the object it names
 * and what it set. */
typedef struct smb_fact_rpc {
    smb_fact_file pipe;
    const char *interface; /* "svcctl", "srvsvc" ...; NULL when not named or its bind was not seen */
    const char *uuid;      /* "367abb81-9844-35f1-ad32-98f038001003"; NULL when its bind was not seen */
    uint16_t ver_major, ver_minor;
    uint32_t call_id;
    uint16_t context_id;
    uint16_t opnum;
    const char *operation; /* "RCreateServiceW"; NULL for an interface pipewatch does not name */
    bool have_request, have_response; /* each one whole */
    bool request_broken, response_broken; /* lost to a gap or over the buffer limit */
    uint32_t request_frags, response_frags;
    uint64_t request_len, response_len; /* stub bytes, without verifier */
    bool fault;
    uint32_t fault_status;
    bool encrypted; /* packet privacy: the stubs are sealed */
    uint8_t auth_type, auth_level;
    bool have_return;      /* svcctl / task scheduler: the response's return value */
    uint32_t return_code;
    const char *object;      /* svcctl: the service; task scheduler: the task; NULL otherwise */
    const char *binary_path; /* CreateService / ChangeServiceConfig: the (new) binary path */
    uint32_t start_type;     /* CreateService / ChangeServiceConfig: 0xffffffff when not set */
    /* srvsvc NetrShareEnum / NetrShareGetInfo answered with success: the
     * server's shares as it names them, with their local paths where the
     * level gives them (protocols/srvsvc.h); NULL and 0 otherwise */
    const struct srvsvc_share *shares;
    size_t nshares;
    uint16_t endpoint_port;  /* ept_map: the TCP port the reply's first tower names; 0 otherwise */
    const char *endpoint_ip; /* ept_map: its IPv4 address when given (not 0.0.0.0), else NULL */
} smb_fact_rpc;

/* One fact: the header, then the payload its kind names. */
typedef struct smb_fact {
    smb_fact_head h;
    union {
        smb_fact_tree tree;       /* TREE_CONNECT, TREE_DISCONNECT */
        smb_fact_file file;       /* CREATE, CLOSE */
        smb_fact_service service; /* SERVICE */
        smb_fact_task task;       /* TASK */
        smb_fact_rpc rpc;         /* RPC */
    } u;                          /* NEGOTIATE, SESSION_SETUP, LOGOFF: none */
} smb_fact;

/* The share of a fact whose kind has one (tree, file, service), else NULL. */
static inline const smb_fact_tree *smb_fact_tree_of(const smb_fact *f)
{
    switch (f->h.kind) {
    case SMB_FACT_TREE_CONNECT:
    case SMB_FACT_TREE_DISCONNECT: return &f->u.tree;
    case SMB_FACT_CREATE:
    case SMB_FACT_CLOSE: return &f->u.file.tree;
    case SMB_FACT_SERVICE: return &f->u.service.pipe.tree;
    case SMB_FACT_TASK: return &f->u.task.pipe.tree;
    case SMB_FACT_RPC: return &f->u.rpc.pipe.tree;
    default: return NULL;
    }
}

/* The file of a fact whose kind has one (file, service), else NULL. */
static inline const smb_fact_file *smb_fact_file_of(const smb_fact *f)
{
    switch (f->h.kind) {
    case SMB_FACT_CREATE:
    case SMB_FACT_CLOSE: return &f->u.file;
    case SMB_FACT_SERVICE: return &f->u.service.pipe;
    case SMB_FACT_TASK: return &f->u.task.pipe;
    case SMB_FACT_RPC: return &f->u.rpc.pipe;
    default: return NULL;
    }
}

/* The bytes of one WRITE request to a file of an administrative share
 * (`ADMIN$`, `C$` ...: a share whose name ends in `$`, IPC$ aside), as they
 * pass: what the parser holds of the message (at most max-pdu-buffer), with
 * how many bytes of it were not held. Nothing is kept after the callback. */
typedef struct smb_write_data {
    const char *share;      /* `\\SRV\ADMIN$` */
    const char *filename;   /* as the CREATE named it */
    const uint8_t *file_id; /* 16 bytes */
    uint64_t session_id;
    uint64_t offset; /* in the file */
    const uint8_t *data;
    size_t len;
    size_t missing; /* bytes of this write after data that were not held */
} smb_write_data;

/* Who ran the operation, from a session's (or a staged logon's, or a
 * DCE/RPC bind's) names: the one place the rule lives. Kerberos hides the
 * names in the ticket: none are given. An anonymous logon is a known
 * identity with an empty user name. Empty names are otherwise unknown
 * (NULL). */
static inline void smb_fact_identity(smb_fact *f, smb_auth auth, const char *user, const char *domain,
                                     const char *workstation)
{
    smb_identity *w = &f->h.who;
    w->auth = auth;
    w->workstation = workstation && workstation[0] ? workstation : NULL;
    if (auth == SMB_AUTH_KERBEROS) {
        w->user = w->domain = NULL;
        return;
    }
    w->user = user && (user[0] || auth == SMB_AUTH_ANONYMOUS) ? user : NULL;
    w->domain = domain && domain[0] ? domain : NULL;
}

typedef struct smb_sink {
    void (*fact)(void *ctx, const smb_fact *f);
    void *ctx;
} smb_sink;

/* Called with the sink's ctx; installed with smb_conn_set_write_hook. */
typedef void (*smb_write_fn)(void *ctx, const smb_write_data *w);

#endif
