/* The sensor's settings, one struct: filled with defaults, then by the
 * configuration file (config.c), then by the command line (main.c). */
#ifndef PW_OPTIONS_H
#define PW_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The table of the servers' own share names (srvsvc) holds 8 shares per
 * server slot (max-servers), at most 262144 in all. */
static inline uint32_t pw_max_shares(uint32_t max_servers)
{
    uint64_t n = (uint64_t)max_servers * 8u;
    return n > (1u << 18) ? 1u << 18 : (uint32_t)n;
}

#include "../protocols/smb_conn.h"
#include "flow.h"
#include "stream.h"

#define PW_MAX_PATHS 64
#define PW_MAX_PORTS 16
#define PW_WORKERS_DEFAULT (-1)
/* Live capture runs at this nice value: above the host's other work, so
 * that the kernel ring is read however busy the host is (docs/performance.md,
 * "Live capture"); below what a system's own daemons usually take. */
#define PW_PRIORITY_DEFAULT (-10)

typedef struct pw_options {
    /* inputs */
    const char *read_files[PW_MAX_PATHS];
    size_t n_read_files;
    const char *interfaces[PW_MAX_PATHS];
    size_t n_interfaces;
    const char *bpf;          /* replay filter (-f, pcap-file.bpf-filter); NULL: none */
    const char *live_bpf;     /* live filter (-f, af-packet.bpf-filter); NULL: port 445 or 139 */
    int snaplen;
    int buffer_size_mb;       /* kernel capture buffer */
    bool promisc;
    int workers;              /* 1 = everything on the main thread; 0 = auto (one per CPU);
                                 PW_WORKERS_DEFAULT: auto live, 1 offline */
    int cluster_id;           /* AF_PACKET fanout group id */
    int priority;             /* live: nice value of the capture threads (threading.priority) */

    /* rules */
    const char *rule_paths[PW_MAX_PATHS];
    size_t n_rule_paths;
    bool skip_bad_rules;
    size_t corr_memcap;       /* correlation.memcap: Sigma correlation state, all workers together */
    uint32_t corr_max_events; /* correlation.max-events: matches kept per group */
    size_t incident_memcap;        /* incidents.memcap: open incidents of all workers */
    uint64_t incident_gap_usec;    /* incidents.timeout: quiet time that ends one */

    /* output */
    const char *eve_filename; /* NULL or "-": stdout */
    const char *eve_filetype; /* the destination kind (output.c): "regular", "unix_stream", "unix_dgram" */
    const char *layout;       /* how records look (layout.c): "eve" */
    bool eve_append;
    bool eve_filename_cli; /* -o was given: a plain path there is a file, whatever filetype says */
    /* filetype redis, syslog, gelf: the far end (outputs.eve-log.redis: …);
     * main.c makes the destination's URL of them */
    struct {
        const char *server, *key, *mode, *password, *unix_socket;
        int port;
    } redis;
    struct {
        const char *server, *protocol, *facility, *level;
        int port;
    } syslog;
    struct {
        const char *server, *protocol;
        int port, chunk_size;
    } gelf;
    bool log_smb, log_winlog, log_alert, log_flow, log_stats;
    bool log_incident; /* "incident" records (an incident's alert is an "alert") */
    uint64_t stats_interval_usec; /* 0: only at the end */

    /* engine limits */
    flow_config flow;
    stream_config stream;
    smb_limits smb;
    size_t smb_memcap;        /* SMB connection state, all flows together */
    uint32_t max_servers;     /* servers whose own name is kept (hostnames), all workers together */
    struct hostnames *hostnames; /* the run's table, shared by its workers; NULL: each pipeline its own */
    uint32_t max_tickets;     /* Kerberos cifs/ tickets whose client is kept (from KDC replies) */
    struct hostnames *tickets; /* the run's table of them, shared like hostnames */
    /* the servers' own share names and paths (srvsvc replies), at most
     * pw_max_shares(max_servers), shared like hostnames */
    struct hostnames *shares;
    bool dcerpc_enabled;          /* DCE/RPC over TCP: port 135, learnt endpoints, the probe */
    uint32_t max_rpc_endpoints;   /* endpoints learnt from ept_map replies, all workers together */
    uint64_t rpc_endpoint_timeout_usec; /* how long a learnt endpoint is believed */
    struct hostnames *rpc_endpoints; /* the run's table of them, shared like hostnames */
    size_t defrag_memcap;
    uint64_t defrag_timeout_usec;
    bool appid_enabled;
    uint32_t appid_max_packets;
    uint16_t smb_ports[PW_MAX_PORTS];
    size_t n_smb_ports;

    /* process */
    const char *run_as_user;
    const char *run_as_group;
    bool quiet;
    bool progress; /* show progress on a terminal */
    const char *config_file;
} pw_options;

void pw_options_default(pw_options *o);

/* The switch that turns records of kind k (layout.h's rec_kind) on or off. */
bool *pw_options_log(pw_options *o, int kind);

/* Turns o into the options of one of n workers: the memcaps and the flow
 * table, configured for the whole sensor, are shared out among them. */
void pw_options_for_worker(pw_options *o, int n);

#endif
