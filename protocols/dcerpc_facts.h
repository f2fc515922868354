/* DCE/RPC calls into facts, whatever carried them: the one place the
 * interface decoders (svcctl, tsch) meet the facts, used by the SMB pipe
 * glue (smb_rpc) and by DCE/RPC straight over TCP (dcerpc_tcp).
 *
 * The transport gives each association an rpc_assoc (in the block its
 * parser attaches, dcerpc_attach) and a host: how a fact's transport fields
 * are set (the SMB operation and pipe, or nothing), who the transport says
 * ran the call, where facts go, and the budget a call's buffers are taken
 * from. Calls are then decoded by interface and reported as facts: a
 * service or task fact for the svcctl and task scheduler calls, and an RPC
 * fact (the dcerpc record) for every call. */
#ifndef PW_DCERPC_FACTS_H
#define PW_DCERPC_FACTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "ndr.h"
#include "ntlmssp.h"
#include "smb_facts.h"

#define RPC_ASSOC_HANDLES 16
#define RPC_HANDLE_NAME 257 /* a service name is at most 256 characters; longer UTF-8 is cut */

typedef struct rpc_handle {
    bool used;
    uint32_t seq;
    uint8_t handle[NDR_CONTEXT_HANDLE_SIZE];
    char name[RPC_HANDLE_NAME];
} rpc_handle;

/* The logon the DCE/RPC bind carried itself (an NTLMSSP AUTHENTICATE in
 * the verifier of AUTH3, ALTER_CONTEXT or BIND). */
typedef struct rpc_logon {
    bool have;
    bool anonymous;
    char user[NTLM_NAME_MAX + 1];
    char domain[NTLM_NAME_MAX + 1];
    char workstation[NTLM_NAME_MAX + 1];
} rpc_logon;

/* What one association keeps for its calls: the svcctl context handles the
 * responses returned, with the service each names, and the bind's logon. */
typedef struct rpc_assoc {
    rpc_handle handles[RPC_ASSOC_HANDLES];
    uint32_t seq;
    rpc_logon logon;
} rpc_assoc;

/* Where an endpoint mapper said an interface listens (an ept_map reply's
 * tower for connection-oriented RPC over TCP). */
typedef struct rpc_endpoint {
    dcerpc_iface iface; /* DCERPC_IF_UNKNOWN for one pipewatch does not name */
    uint8_t uuid[16];
    uint16_t ver_major;
    uint16_t port;
    bool have_ip; /* the tower gave an address other than 0.0.0.0 */
    uint8_t ip[4];
} rpc_endpoint;

typedef struct rpc_host {
    /* A fact of this kind for call, with the transport's fields set
     * (smb_fact zeroed first). */
    void (*begin)(void *ctx, const dcerpc_call *call, smb_fact_kind kind, smb_fact *f);
    /* The share and identity the transport knows (may be NULL). */
    void (*resolve)(void *ctx, smb_fact *f);
    void (*emit)(void *ctx, const smb_fact *f);
    /* n bytes of the shared budget for one call's buffer (NULL: no budget). */
    bool (*take)(void *ctx, size_t n);
    void (*give)(void *ctx, size_t n);
    /* An ept_map reply named an endpoint (may be NULL). */
    void (*endpoint)(void *ctx, const rpc_endpoint *e);
    void *ctx;
    uint64_t *malformed; /* stubs that did not decode (may be NULL) */
} rpc_host;

/* A bind's security token: an NTLMSSP AUTHENTICATE names who the calls of
 * the association run as. as may be NULL. */
void rpc_facts_auth(rpc_assoc *as, const dcerpc_auth *a);
/* One call ended: decoded by interface, reported as facts through h. as may
 * be NULL (the handle table and logon are then unknown). */
void rpc_facts_call(const rpc_host *h, rpc_assoc *as, const dcerpc_call *call);
/* "RCreateServiceW" for the interfaces pipewatch decodes, else NULL. */
const char *rpc_operation_name(dcerpc_iface iface, uint16_t opnum);

#endif
