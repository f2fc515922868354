/* Connection-oriented DCE/RPC (C706 chapter 12, MS-RPCE 2.2.2): one parser
 * per association, fed with the bytes of each direction wherever they come
 * from (an SMB named pipe, a TCP connection). It knows nothing of its
 * transport.
 *
 * It follows the presentation contexts that BIND / ALTER_CONTEXT offer and
 * BIND_ACK / ALTER_CONTEXT_RESP / BIND_NAK settle (context id -> interface
 * UUID and version, named from a table of well-known interfaces), pairs
 * REQUEST with RESPONSE or FAULT by call_id, reassembles the stub of a call
 * from its fragments in each direction (PFC_FIRST_FRAG .. PFC_LAST_FRAG, of
 * any size), and strips the authentication verifier and its padding. A stub
 * sealed with packet privacy (auth level 6) is reported as encrypted and
 * never read.
 *
 * Memory: PDUs that span chunks and the stubs of calls in flight live in
 * buffers bounded by dcerpc_limits and charged to a budget the caller passes
 * (the SMB memcap). A call whose stub does not fit, or that lost a fragment
 * to a gap, is reported broken and without stub: never parsed torn.
 *
 * Output: for each call, sink.request() once its request is whole, and
 * sink.call() once the call ends (response or fault seen, evicted to make
 * room, or flushed). Stub pointers are valid during the callback only. */
#ifndef PW_DCERPC_H
#define PW_DCERPC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Directions of an association. */
#define DCERPC_TO_SERVER 0
#define DCERPC_TO_CLIENT 1

/* PDU types (C706 12.6.4). */
enum {
    DCERPC_REQUEST = 0,
    DCERPC_RESPONSE = 2,
    DCERPC_FAULT = 3,
    DCERPC_BIND = 11,
    DCERPC_BIND_ACK = 12,
    DCERPC_BIND_NAK = 13,
    DCERPC_ALTER_CONTEXT = 14,
    DCERPC_ALTER_CONTEXT_RESP = 15,
    DCERPC_AUTH3 = 16,
};

#define DCERPC_PFC_FIRST_FRAG 0x01
#define DCERPC_PFC_LAST_FRAG 0x02
#define DCERPC_PFC_OBJECT_UUID 0x80

#define DCERPC_AUTH_LEVEL_INTEGRITY 5
#define DCERPC_AUTH_LEVEL_PRIVACY 6

/* Interfaces pipewatch names. */
typedef enum dcerpc_iface {
    DCERPC_IF_UNKNOWN = 0,
    DCERPC_IF_SVCCTL,
    DCERPC_IF_ATSVC,
    DCERPC_IF_TSCH, /* ITaskSchedulerService */
    DCERPC_IF_SRVSVC,
    DCERPC_IF_WKSSVC,
    DCERPC_IF_SAMR,
    DCERPC_IF_LSARPC,
    DCERPC_IF_LSADS,
    DCERPC_IF_WINREG,
    DCERPC_IF_NETLOGON,
    DCERPC_IF_DRSUAPI,
    DCERPC_IF_EPM,
    DCERPC_IF_SPOOLSS,
    DCERPC_IF_EVENTLOG,
    DCERPC_IF_EVEN6,
    DCERPC_IF_MGMT,
    DCERPC_IF_ISYSTEMACTIVATOR,
    DCERPC_IF_IREMOTEACTIVATION,
    DCERPC_IF_IOXIDRESOLVER,
    DCERPC_IF_COUNT
} dcerpc_iface;

/* UUIDs are kept in their canonical (string) byte order. */
dcerpc_iface dcerpc_iface_lookup(const uint8_t uuid[16]);
const char *dcerpc_iface_name(dcerpc_iface i); /* "svcctl"; NULL for unknown */
/* "367abb81-9844-35f1-ad32-98f038001003" (buf of 37 bytes at least) */
void dcerpc_uuid_format(const uint8_t uuid[16], char *buf, size_t n);

typedef struct dcerpc_limits {
    uint32_t max_pdu;      /* bytes of one PDU buffered when it spans chunks (default 65536) */
    uint32_t max_stub;     /* bytes of one call's stub per direction (default 262144) */
    uint32_t max_calls;    /* calls in flight (default 8); the oldest makes room */
    uint32_t max_contexts; /* presentation contexts (default 16) */
} dcerpc_limits;

void dcerpc_limits_default(dcerpc_limits *l);

typedef struct dcerpc_call {
    uint32_t call_id;
    uint16_t context_id;
    uint16_t opnum;            /* of the request; 0 when it was not seen */
    dcerpc_iface iface;        /* of the context the call names, when its bind was seen */
    const char *iface_name;    /* NULL when unknown */
    bool have_iface_uuid;
    uint8_t iface_uuid[16];
    uint16_t iface_ver_major, iface_ver_minor;
    bool little_endian;        /* the request's integer representation (else the response's) */
    bool ndr64;                /* the context's transfer syntax is NDR64 (MS-RPCE 2.2.5), not NDR */
    bool have_request;         /* the last fragment of the request was seen */
    bool have_response;        /* the last fragment of the response, or a fault, was seen */
    bool fault;
    uint32_t fault_status;     /* of the FAULT PDU */
    bool encrypted;            /* packet privacy: sealed stubs, not read */
    uint8_t auth_type, auth_level; /* of the request's verifier; 0 without one */
    bool request_broken;       /* a request fragment was lost or did not fit */
    bool response_broken;
    uint32_t request_frags, response_frags;
    /* Reassembled stubs, without verifier and padding; NULL when not seen,
     * sealed or broken. */
    const uint8_t *request;
    size_t request_len;
    const uint8_t *response;
    size_t response_len;
} dcerpc_call;

/* The authentication verifier of a BIND, BIND_ACK, ALTER_CONTEXT,
 * ALTER_CONTEXT_RESP or AUTH3: the security token the association is set up
 * with (an NTLMSSP NEGOTIATE / CHALLENGE / AUTHENTICATE, a Kerberos or
 * SPNEGO token), for whoever wants to know who bound. */
typedef struct dcerpc_auth {
    uint8_t ptype;
    uint32_t call_id;
    uint8_t auth_type;  /* 10 NTLMSSP (WINNT), 9 SPNEGO, 16 Kerberos ... */
    uint8_t auth_level; /* 2 connect .. 6 privacy */
    uint32_t auth_context_id;
    const uint8_t *token; /* valid during the callback */
    size_t token_len;
} dcerpc_auth;

typedef struct dcerpc_sink {
    void (*request)(void *ctx, const dcerpc_call *call); /* the request is whole */
    void (*call)(void *ctx, const dcerpc_call *call);    /* the call ended */
    void (*auth)(void *ctx, const dcerpc_auth *auth);    /* may be NULL */
    void *ctx;
} dcerpc_sink;

typedef struct dcerpc_stats {
    uint64_t pdus[2];
    uint64_t bad_headers;     /* chunks dropped at a PDU header that was not one */
    uint64_t malformed;       /* PDUs whose body did not parse */
    uint64_t orphan_frags;    /* fragments of a call whose first fragment was not seen */
    uint64_t broken_calls;    /* calls reported without stub: limit, budget or gap */
    uint64_t memcap_drops;    /* buffers refused by the shared budget */
    uint64_t evicted_calls;   /* calls ended early to make room */
    uint64_t context_drops;   /* contexts not tracked: limit */
    uint64_t calls;           /* calls reported */
} dcerpc_stats;

typedef struct dcerpc_conn dcerpc_conn;

/* NULL when out of memory or when the budget cannot hold the parser's tables.
 * mem_used may be NULL (no budget). */
dcerpc_conn *dcerpc_new(const dcerpc_limits *l, dcerpc_sink sink, size_t *mem_used, size_t mem_cap);
/* Frees without reporting the calls in flight (see dcerpc_flush). */
void dcerpc_free(dcerpc_conn *d);
/* In-order bytes of one direction. A chunk that does not start a valid PDU
 * header where one is due is dropped to its end; the next chunk is read
 * from its first byte (a pipe write or read starts a PDU). */
void dcerpc_data(dcerpc_conn *d, int dir, const uint8_t *data, size_t len);
/* len bytes of direction dir were lost: the calls in progress that way are broken. */
void dcerpc_gap(dcerpc_conn *d, int dir, uint64_t len);
/* Reports every call still in flight (sink.call) and forgets it. */
void dcerpc_flush(dcerpc_conn *d);
/* 1 once a valid PDU was seen, 0 when the first bytes were not DCE/RPC, -1 before any. */
int dcerpc_is_rpc(const dcerpc_conn *d);
const dcerpc_stats *dcerpc_get_stats(const dcerpc_conn *d);
/* Bytes this parser holds now (tables and buffers). */
size_t dcerpc_mem(const dcerpc_conn *d);
/* The interface the transport expects (the one an endpoint mapper named
 * for this port): calls on a context whose bind was not seen are taken to
 * be on it (named, without UUID). DCERPC_IF_UNKNOWN: none. */
void dcerpc_expect(dcerpc_conn *d, dcerpc_iface iface);
/* State an interface decoder keeps for this association (a table of
 * context handles ...): n zeroed bytes, charged to the parser's budget and
 * freed with it; the same block on later calls (n must not grow). NULL when
 * the budget or memory refuses it. */
void *dcerpc_attach(dcerpc_conn *d, size_t n);

#endif
