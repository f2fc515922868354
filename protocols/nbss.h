/* NetBIOS session service framing (RFC 1002) for SMB on TCP 445 and 139.
 *
 * One framer per direction turns arbitrary chunks of the byte stream into
 * whole SMB messages. A message that lies entirely inside one chunk is handed
 * up in place; one that spans chunks is copied into a buffer that never holds
 * more than max_pdu_buffer bytes. Of a longer message (READ response, WRITE
 * request carrying bulk data) only the head is kept and the rest is passed
 * over without copying. After a gap or bytes that are not NBSS the framer
 * scans for the next plausible NBSS header followed by an SMB signature. */
#ifndef PW_NBSS_H
#define PW_NBSS_H

#include <stddef.h>
#include <stdint.h>

/* Bytes kept of a message longer than max_pdu_buffer: the SMB header and the
 * fixed part of any command, plus room for a small DCE/RPC header. */
#define NBSS_HEAD_KEEP 512

#define NBSS_SESSION_MESSAGE 0x00
#define NBSS_SESSION_REQUEST 0x81
#define NBSS_POSITIVE_RESPONSE 0x82
#define NBSS_NEGATIVE_RESPONSE 0x83
#define NBSS_RETARGET_RESPONSE 0x84
#define NBSS_KEEPALIVE 0x85

/* One SMB message: avail bytes at pdu (starting with the SMB signature);
 * full_len is the length the NBSS header announced (avail < full_len when the
 * tail was skipped). pdu is valid only during the call. */
typedef void (*nbss_pdu_fn)(void *ctx, const uint8_t *pdu, size_t avail, size_t full_len);

typedef struct nbss_counters {
    uint64_t messages; /* session messages delivered */
    uint64_t control;  /* session request/response/retarget messages */
    uint64_t keepalives;
    uint64_t truncated;     /* messages delivered with their tail skipped */
    uint64_t dropped;       /* messages lost: to a gap, or no buffer for them */
    uint64_t memcap_drops;  /* of those, refused by the shared budget */
    uint64_t resyncs;       /* header found again after a gap or garbage */
    uint64_t bytes_skipped; /* bytes passed over: message tails and garbage */
} nbss_counters;

typedef struct nbss_framer {
    int state;
    uint8_t hb[10]; /* header being collected: 4 NBSS bytes + 6 of the SMB header */
    uint8_t hb_len;
    uint8_t rs[16]; /* bytes carried between chunks while resynchronising */
    uint8_t rs_len;
    uint32_t msg_len; /* length announced by the current header */
    uint32_t msg_got; /* bytes of the current message seen so far */
    uint32_t keep;    /* bytes of the current message to buffer */
    uint64_t skip_left;
    uint8_t *buf;
    size_t buf_len, buf_cap;
    size_t max_pdu_buffer;
    size_t *mem_used; /* shared budget the buffer is charged to (NULL: none) */
    size_t mem_cap;
    nbss_counters ctr;
    nbss_pdu_fn on_pdu;
    void *ctx;
} nbss_framer;

void nbss_init(nbss_framer *f, size_t max_pdu_buffer, nbss_pdu_fn on_pdu, void *ctx);
void nbss_release(nbss_framer *f);
/* Charges the message buffer to *used, which may not pass cap: a message
 * that would is skipped like one over max_pdu_buffer and counted in
 * ctr.memcap_drops. Several framers may share one budget. */
void nbss_set_budget(nbss_framer *f, size_t *used, size_t cap);
void nbss_feed(nbss_framer *f, const uint8_t *data, size_t len);
/* len bytes lost: a gap inside a tail being skipped keeps the framer in step,
 * any other gap drops the partial message and starts a resync. */
void nbss_gap(nbss_framer *f, uint64_t len);

/* Looks at the start of an NBSS header at p: 1 plausible, 0 not, -1 needs
 * more bytes (at most 10). Session messages must carry an SMB1/2/3 signature
 * and a length that fits that header; control messages (only when
 * allow_control) their fixed lengths. */
int nbss_check_header(const uint8_t *p, size_t n, int allow_control);

#endif
