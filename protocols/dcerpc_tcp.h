/* DCE/RPC straight over TCP (ncacn_ip_tcp, MS-RPCE 2.1.1.1): one
 * connection's bytes into the transport-free DCE/RPC parser, and its calls
 * into facts (dcerpc_facts), as for a named pipe but with no SMB around
 * them: the facts carry SMB_TRANSPORT_TCP, no share, pipe or session, and
 * the identity of the bind's own NTLMSSP logon when there is one.
 *
 * Which connections are DCE/RPC is the sensor's business (port 135, the
 * endpoints an ept_map reply named, or dcerpc_probe on the first bytes); so
 * are addresses: an ept_map reply is handed up as an rpc_endpoint. The
 * parser's tables and buffers are charged to the budget the caller gives. */
#ifndef PW_DCERPC_TCP_H
#define PW_DCERPC_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dcerpc.h"
#include "dcerpc_facts.h"
#include "smb_facts.h"

typedef struct dcerpc_tcp_sink {
    void (*fact)(void *ctx, const smb_fact *f);
    void (*endpoint)(void *ctx, const rpc_endpoint *e); /* may be NULL */
    void *ctx;
} dcerpc_tcp_sink;

typedef struct dcerpc_tcp_stats {
    uint64_t calls;           /* calls reported */
    uint64_t answered_calls;  /* with their response or fault */
    uint64_t encrypted_calls; /* sealed (packet privacy): stubs not read */
    uint64_t broken_calls;    /* cut by a limit or a loss: not decoded */
    uint64_t bad_headers;     /* chunks dropped at bytes that were no PDU header */
    uint64_t malformed;       /* PDUs or stubs that did not parse */
    uint64_t memcap_drops;    /* buffers refused by the budget */
    uint64_t endpoints;       /* endpoints ept_map replies named */
    uint64_t facts;
} dcerpc_tcp_stats;

typedef struct dcerpc_tcp dcerpc_tcp;

/* What the first bytes of one direction of a stream are (dcerpc_probe). */
enum {
    DCERPC_PROBE_NO = 0,
    DCERPC_PROBE_CLIENT, /* a BIND or ALTER_CONTEXT: this direction is the client's */
    DCERPC_PROBE_SERVER, /* a BIND_ACK or ALTER_CONTEXT_RESP: the server's */
};

/* A strict look at the first bytes of a stream direction: version 5.0 or
 * 5.1, a bind-family PDU type with its first-fragment flag, the NDR data
 * representation (ASCII, IEEE floats, either integer order, reserved bytes
 * zero), a fragment length that holds the header, the bind body and one
 * presentation context and no more than 8 KB, an authentication length
 * that fits it, fragment sizes of at least 1432 bytes (C706 12.6.3.1), and
 * 1 to 16 contexts. len may be one segment: what it holds of the PDU is
 * checked. */
int dcerpc_probe(const uint8_t *data, size_t len);

/* A connection whose client sends on stream direction client_dir (0 or 1);
 * expect: the interface an endpoint mapper named for its port
 * (DCERPC_IF_UNKNOWN: none). NULL when out of memory or budget. */
dcerpc_tcp *dcerpc_tcp_new(const dcerpc_limits *l, int client_dir, dcerpc_iface expect, dcerpc_tcp_sink sink,
                           size_t *mem_used, size_t mem_cap);
/* Reports the calls in flight (dcerpc_tcp_flush is done first), then frees. */
void dcerpc_tcp_free(dcerpc_tcp *t);
/* In-order bytes of stream direction dir. */
void dcerpc_tcp_data(dcerpc_tcp *t, int dir, const uint8_t *data, size_t len);
/* len bytes of direction dir were lost. */
void dcerpc_tcp_gap(dcerpc_tcp *t, int dir, uint64_t len);
/* End of the connection: every call in flight is reported. */
void dcerpc_tcp_flush(dcerpc_tcp *t);
dcerpc_tcp_stats dcerpc_tcp_get_stats(const dcerpc_tcp *t);
int dcerpc_tcp_client_dir(const dcerpc_tcp *t);

#endif
