/* The state of one SMB connection: sessions, trees, open files and requests
 * awaiting their response, and the helpers that turn that state into facts.
 * Internal to protocols/: the handlers (smb1.c, smb2.c) and the pipe glue
 * read and update it; smb_conn.c, the entry point, creates it and frames the
 * bytes. Nothing here calls a handler, so the dependencies run one way:
 * smb_conn -> smb1/smb2 -> smb_state. */
#ifndef PW_SMB_STATE_H
#define PW_SMB_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "dcerpc.h"
#include "nbss.h"
#include "ntlmssp.h"
#include "smb_facts.h"
#include "smb_types.h"
#include "utf16.h"

#define SMB_STATUS_SUCCESS 0x00000000u
#define SMB_STATUS_PENDING 0x00000103u
#define SMB_STATUS_MORE_PROCESSING 0xC0000016u

typedef struct smb_session {
    bool used;
    uint64_t id;
    smb_auth auth;
    uint64_t krb_ticket; /* id of the Kerberos ticket of its AP-REQ, 0: none */
    char user[NTLM_NAME_MAX + 1];
    char domain[NTLM_NAME_MAX + 1];
    char workstation[NTLM_NAME_MAX + 1];
} smb_session;

typedef struct smb_tree {
    bool used;
    bool have_name;
    uint64_t session_id;
    uint32_t tree_id;
    smb_share_type type;
    char *share; /* SMB_NAME_MAX + 1 bytes of the connection's name area */
} smb_tree;

/* The SMB operation whose bytes a pipe's DCE/RPC parser is reading. */
typedef struct smb_pipe_io {
    uint8_t version;
    uint16_t command;
    uint64_t message_id;
    uint64_t session_id;
    uint32_t tree_id;
} smb_pipe_io;

typedef struct smb_file {
    bool used;
    bool rpc_off; /* smb_rpc.c: the pipe carries something else than DCE/RPC */
    uint8_t fid[16];
    uint64_t session_id;
    uint32_t tree_id;
    dcerpc_conn *rpc; /* smb_rpc.c: the pipe's DCE/RPC parser, from its first write */
    smb_pipe_io rpc_io;
    char *name; /* SMB_NAME_MAX + 1 bytes of the connection's name area */
} smb_file;

/* A read of a pipe waiting for its answer (SMB2 READ and SMB1 READ_ANDX /
 * TRANSACTION responses do not name the file). */
typedef struct smb_pipe_read {
    bool used;
    uint8_t version;
    uint64_t message_id;
    uint32_t pid;
    uint8_t fid[16];
} smb_pipe_read;

#define SMB_PIPE_READS 16

typedef struct smb_pending {
    uint8_t version;
    uint16_t command;
    uint64_t message_id;
    uint32_t pid; /* SMB1: PID (with MID, the key) */
    uint64_t session_id;
    uint32_t tree_id;
    uint8_t fid[16];
    bool have_fid;
    uint32_t desired_access, file_attributes, share_access, create_disposition, create_options;
    uint32_t aux; /* SMB1 NEGOTIATE: index of "NT LM 0.12" in the request, plus one;
                     TREE_CONNECT, CREATE: 1 once a tree / file id was inferred for it */
    bool have_name;
    char *name; /* last: SMB_NAME_MAX + 1 bytes of the connection's name area */
} smb_pending;

/* Names live apart from the tables so that a lookup walks small entries and
 * only the names in use are ever touched. */
#define SMB_NAME_SLOT (SMB_NAME_MAX + 1)

/* Credentials of the SESSION_SETUP request waiting for its response. */
typedef struct smb_auth_stage {
    bool used;
    uint8_t version;
    uint64_t message_id;
    uint64_t session_id;
    smb_auth auth;
    uint64_t krb_ticket;
    ntlmssp_info ntlm;
} smb_auth_stage;

struct smb_conn {
    smb_limits lim;
    size_t map_len; /* bytes mapped for the connection and its tables */
    smb_sink sink;
    smb_write_fn write_hook; /* NULL: admin-share write bytes are not handed up */
    smb_conn_stats st;
    nbss_framer fr[2];
    int cur_dir;
    bool cur_truncated; /* the message being handled lost its tail (NBSS head only) */
    int req_dir;
    uint16_t dialect;
    smb_session *sessions;
    smb_tree *trees;
    smb_file *files;
    smb_pending *pending;
    uint32_t n_pending;
    smb_auth_stage stage;
    ntlm_target server; /* the server's names, once NTLMSSP gave them */
    size_t *mem_used; /* the shared budget (smb_conn_set_budget), NULL: none */
    size_t mem_cap;
    smb_reclaim_fn reclaim; /* asked for room when a charge does not fit (smb_conn_set_reclaim) */
    void *reclaim_ctx;
    /* Name slots ever written, per table, and what they cost: a slot's page
     * stays resident once touched, so the charge is kept until the end. A new
     * tree or file takes the lowest free slot and a new request the next
     * entry, so the slots touched are always the first hwm of each table. */
    uint32_t hwm_trees, hwm_files, hwm_pending;
    size_t slot_mem;
    smb_file *rpc_file; /* smb_rpc.c: the pipe whose parser is running */
    smb_pipe_read reads[SMB_PIPE_READS];
    uint32_t next_read;
};

smb_session *smb_session_get(smb_conn *c, uint64_t id, bool create);
smb_tree *smb_tree_get(smb_conn *c, uint64_t sid, uint32_t tid, bool create);
void smb_tree_del(smb_conn *c, smb_tree *t);
/* A request names a tree we never saw answered: when exactly one TREE_CONNECT
 * of that session is still waiting, its response was lost (or the capture
 * holds one direction only) and this is its tree. */
void smb_tree_infer(smb_conn *c, uint8_t version, uint64_t sid, uint32_t tid);
smb_file *smb_file_get(smb_conn *c, const uint8_t fid[16], bool create);
/* A request names a file we never saw opened: when exactly one CREATE of
 * that session and tree is still waiting, its response was lost (or the
 * capture holds one direction only) and this is its file. */
smb_file *smb_file_infer(smb_conn *c, uint8_t version, uint64_t sid, uint32_t tid, const uint8_t fid[16]);
void smb_file_del(smb_conn *c, smb_file *f);
smb_pending *smb_pending_add(smb_conn *c, uint8_t version, uint16_t cmd, uint64_t mid, uint32_t pid);
smb_pending *smb_pending_find(smb_conn *c, uint8_t version, uint64_t mid, uint32_t pid);
void smb_pending_del(smb_conn *c, smb_pending *p);
/* Takes n bytes from the shared budget (asking the owner for room once when
 * they do not fit); false when they still do not. */
bool smb_state_charge(smb_conn *c, size_t n);

/* The dialect negotiated, or inferred from the traffic; 0 if unknown. */
uint16_t smb_state_dialect(const smb_conn *c);
/* Learns which stream direction carries requests from one message. */
void smb_note_direction(smb_conn *c, bool is_response);
/* A fact with the connection-wide fields set. */
void smb_fact_init(const smb_conn *c, smb_fact *f, smb_fact_kind kind, uint8_t version, uint16_t cmd);
/* The share of a fact whose kind has one, else NULL. */
smb_fact_tree *smb_fact_tree_mut(smb_fact *f);
/* The type of a share as the sensor settles it: the type the server gave,
 * and IPC$ is a pipe share even when no response said so. The one place
 * that rule lives. */
smb_share_type smb_share_settle(const char *share, smb_share_type type);
/* Sets a fact's share (settled as above). */
void smb_fact_set_tree(smb_fact_tree *t, const char *share, smb_share_type type);
/* Who ran the operation: smb_fact_identity (smb_facts.h). */
/* The identity of the fact's session, when the session is known. */
void smb_fact_who(smb_conn *c, smb_fact *f);
/* Fills the share from the tree table (kinds with a share) and the identity
 * from the session table. */
void smb_fact_resolve(smb_conn *c, smb_fact *f);
void smb_emit(smb_conn *c, const smb_fact *f);
/* The SESSION_SETUP response that answers the staged request (same SMB version
 * and message id) gives the staged credentials to session s (when not NULL) and
 * ends the stage; returns whether it did (the stage's data stays readable). */
bool smb_session_take_stage(smb_conn *c, smb_session *s, uint8_t version, uint64_t message_id);
/* The server's names from an NTLMSSP message (a CHALLENGE, or the target
 * info of an NTLMv2 AUTHENTICATE): names not known yet are taken, a
 * CHALLENGE's replace what an AUTHENTICATE gave. */
void smb_server_learn(smb_conn *c, const ntlmssp_info *ni);
/* A SESSION_SETUP request's Kerberos token: the id of the ticket it presents
 * goes to the stage (0 when none could be read). */
void smb_stage_kerberos(smb_conn *c, const uint8_t *blob, size_t len);
/* A SESSION_SETUP response's security blob: a CHALLENGE names the server. */
void smb_server_from_blob(smb_conn *c, const uint8_t *blob, size_t len);

/* The CREATE request's own fields (name, access, options …) into a file fact. */
void smb_fact_create_request(smb_fact_file *f, const smb_pending *p);
/* A successful TREE_CONNECT: remembers the tree (name and settled type). */
void smb_tree_connected(smb_conn *c, uint64_t sid, uint32_t tid, const smb_fact_tree *t);
/* True when a share path names the IPC$ share. */
bool smb_share_is_ipc(const char *share);
/* An administrative share: its name ends in `$` and it is not IPC$. */
bool smb_share_is_admin(const char *share);

/* The whole connection in one mapping (tables and name slots), at limits l
 * (a limit of 0 counts as 1); NULL when out of memory. */
smb_conn *smb_state_new(const smb_limits *l, smb_sink sink);
void smb_state_free(smb_conn *c);

#endif
