/* Link, network and transport decoding of one captured frame.
 *
 * Linktypes: Ethernet (with 802.1Q / 802.1ad / QinQ VLAN tags), Linux cooked
 * SLL and SLL2, raw IP (DLT_RAW, LINKTYPE_IPV4, LINKTYPE_IPV6), BSD loopback
 * (DLT_NULL and DLT_LOOP). IPv4 (with fragment reassembly) and IPv6 (with
 * extension headers; fragments are counted and not reassembled). TCP and UDP. */
#ifndef PW_DECODE_H
#define PW_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10

typedef struct decoded_pkt {
    uint64_t ts_usec;  /* capture time, microseconds since the epoch */
    uint8_t ipver;     /* 4 or 6 */
    uint8_t proto;     /* IPPROTO_TCP, IPPROTO_UDP, other */
    uint8_t src[16];   /* IPv4 addresses use the first 4 bytes, the rest is zero */
    uint8_t dst[16];
    uint16_t sport, dport;
    uint32_t seq, ack; /* TCP only */
    uint8_t tcp_flags;
    uint16_t vlan_id;  /* outermost VLAN id, 0 when untagged */
    const uint8_t *payload; /* L4 payload (points into the frame or the defrag buffer) */
    uint32_t payload_len;   /* bytes present */
    uint32_t payload_wire_len; /* bytes the headers claim (> payload_len when snaplen cut it) */
    const uint8_t *l3;         /* the IP header (for nDPI), in the frame or the defrag buffer */
    uint32_t l3_len;           /* bytes from the IP header to the end of the IP payload present */
} decoded_pkt;

typedef enum decode_result {
    DECODE_OK = 0,        /* an IP packet with a transport header: *out is filled */
    DECODE_NOT_IP,        /* ARP, LLDP, … : ignored */
    DECODE_FRAGMENT_HELD, /* an IPv4 fragment kept for reassembly */
    DECODE_TRUNCATED,     /* a header did not fit in the captured bytes */
    DECODE_MALFORMED,     /* a header with impossible values */
    DECODE_UNSUPPORTED_LINKTYPE,
} decode_result;

typedef struct decode_stats {
    uint64_t packets, not_ip, truncated, malformed, ipv4, ipv6, tcp, udp, other_l4;
    uint64_t frags_seen, frags_reassembled, frags_dropped, ipv6_frags;
} decode_stats;

/* The link layer of a frame, peeled: where the network header starts and
 * which one it is. decode_packet and the worker hash both use it, so they
 * agree on every frame. */
typedef enum link_result {
    LINK_OK = 0,      /* ipver and off are set */
    LINK_NOT_IP,      /* ARP, LLDP, more VLAN tags than VLAN_MAX_TAGS … */
    LINK_TRUNCATED,   /* the link header did not fit in the captured bytes */
    LINK_UNSUPPORTED, /* a linktype pipewatch does not decode */
} link_result;

#define VLAN_MAX_TAGS 8 /* 802.1Q / 802.1ad / QinQ tags peeled at most */

typedef struct link_info {
    uint8_t ipver;    /* 4 or 6 */
    uint16_t vlan_id; /* outermost VLAN id, 0 when untagged */
    uint32_t off;     /* offset of the IP header in the frame */
} link_info;

link_result decode_link(int linktype, const uint8_t *frame, uint32_t caplen, link_info *out);

typedef struct decoder decoder;

/* frag_memcap: bytes of IPv4 fragments held at most; frag_timeout_usec: how
 * long an incomplete datagram is kept. */
decoder *decoder_new(size_t frag_memcap, uint64_t frag_timeout_usec);
void decoder_free(decoder *d);
/* True when pipewatch can decode this pcap linktype (DLT value). */
bool decode_linktype_supported(int linktype);
/* Decodes one frame. out->payload may point into a reassembly buffer owned by
 * d, valid until the next call. */
decode_result decode_packet(decoder *d, int linktype, const uint8_t *frame, uint32_t caplen,
                            uint64_t ts_usec, decoded_pkt *out);
const decode_stats *decoder_stats(const decoder *d);

#endif
