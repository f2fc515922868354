/* The endpoint mapper (epm, C706 appendix O, MS-RPCE 2.2.1.2): decoders of
 * the ept_map call (opnum 3), pure functions from the reassembled stub (and
 * the sender's integer representation) to a struct, over the NDR
 * primitives.
 *
 * A client asks the mapper on TCP port 135 where an interface listens; the
 * request carries a protocol tower naming the interface, the reply one or
 * more towers with the TCP port (and IPv4 address) it listens on. Towers
 * are octet strings of floors (C706 appendix L), encoded little-endian
 * whatever the NDR representation; the port and address on the wire are in
 * network order. The stubs may be NDR or NDR64 (MS-RPCE 2.2.5: pointers and
 * array counts of 8 bytes), as the context's transfer syntax says. */
#ifndef PW_EPM_H
#define PW_EPM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define EPM_MAP 3
/* Towers of one reply kept; a reply naming more keeps the first ones. */
#define EPM_MAX_TOWERS 4
/* Towers of one reply read at most (a reply with more is not decoded). */
#define EPM_MAX_REPLY_TOWERS 64
/* Floors of one tower read at most. */
#define EPM_MAX_FLOORS 8

/* Floor protocol identifiers (C706 appendix I). */
enum {
    EPM_PROT_UUID = 0x0d,
    EPM_PROT_TCP = 0x07,
    EPM_PROT_IP = 0x09,
    EPM_PROT_RPC_CO = 0x0b,
};

typedef struct epm_tower {
    bool have_iface; /* floor 1: the interface */
    uint8_t iface_uuid[16]; /* canonical (string) byte order */
    uint16_t ver_major, ver_minor;
    bool rpc_co;   /* floor 3 names connection-oriented RPC */
    bool have_port; /* a TCP floor */
    uint16_t port;
    bool have_ip; /* an IP floor (0.0.0.0 when the mapper leaves it to the caller) */
    uint8_t ip[4];
} epm_tower;

/* One tower octet string; false when it does not hold at least its floor
 * count and whole floors. */
bool epm_tower_decode(const uint8_t *p, size_t len, epm_tower *t);

/* The request stub of ept_map: the tower asked for (*have_tower false when
 * the pointer was NULL). False when the stub does not hold the parameters. */
bool epm_decode_map_request(const uint8_t *stub, size_t len, bool little_endian, bool ndr64, epm_tower *t,
                            bool *have_tower);

typedef struct epm_map_reply {
    uint32_t num_towers; /* as the reply says */
    uint32_t ntowers;    /* towers kept (at most EPM_MAX_TOWERS), in reply order */
    epm_tower towers[EPM_MAX_TOWERS];
    uint32_t status;     /* 0 found, 0x16c9a0d6 ept_s_not_registered ... */
} epm_map_reply;

/* The response stub of ept_map. False when the stub does not hold the
 * reply up to its status, or a tower in it does not decode. */
bool epm_decode_map_reply(const uint8_t *stub, size_t len, bool little_endian, bool ndr64, epm_map_reply *r);

#endif
