/* Application-protocol identification with nDPI, consulted only until a flow
 * is classified (or a packet budget is spent), plus the names pipewatch puts
 * on flows. nDPI state lives only while a flow is being classified; nDPI's
 * module itself is set up by the first appid_flow_new. */
#ifndef PW_APPID_H
#define PW_APPID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct appid appid;
typedef struct appid_flow appid_flow;

typedef struct appid_stats {
    uint64_t flows_classified, flows_given_up, packets_inspected, alloc_failures;
} appid_stats;

/* max_packets: packets per flow given to nDPI before giving up. */
appid *appid_new(uint32_t max_packets);
void appid_free(appid *a);

appid_flow *appid_flow_new(appid *a);
void appid_flow_free(appid *a, appid_flow *f);

/* Feeds the L3 packet (IP header first). Returns true once the flow is
 * classified (or given up): the caller may then free the appid_flow. */
bool appid_packet(appid *a, appid_flow *f, const uint8_t *l3, uint32_t l3_len, uint64_t ts_usec);
/* Gives up on a flow (end of flow, budget) and settles on nDPI's guess. */
void appid_giveup(appid *a, appid_flow *f);
/* nDPI's name of the flow's protocol ("SMBv23", "HTTP", "Unknown"), written
 * into buf; valid once classified or given up. */
const char *appid_name(appid *a, const appid_flow *f, char *buf, size_t n);
/* True when nDPI says the flow is SMB (v1 or v2/3). */
bool appid_is_smb(const appid_flow *f);
const appid_stats *appid_get_stats(const appid *a);

#endif
