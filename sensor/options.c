#include "options.h"

#include <string.h>

#include "record.h"

bool *pw_options_log(pw_options *o, int kind)
{
    switch ((rec_kind)kind) {
    case REC_SMB:
        return &o->log_smb;
    case REC_WINLOG:
        return &o->log_winlog;
    case REC_ALERT:
        return &o->log_alert;
    case REC_FLOW:
        return &o->log_flow;
    case REC_STATS:
        return &o->log_stats;
    case REC_INCIDENT:
        return &o->log_incident;
    default:
        return NULL;
    }
}

void pw_options_default(pw_options *o)
{
    memset(o, 0, sizeof(*o));
    o->snaplen = 65535;
    o->buffer_size_mb = 64;
    o->promisc = true;
    o->workers = PW_WORKERS_DEFAULT;
    o->cluster_id = 99;
    o->priority = PW_PRIORITY_DEFAULT;
    o->eve_filetype = "regular";
    o->layout = "eve";
    o->eve_append = true;
    o->redis.server = "127.0.0.1";
    o->redis.port = 6379;
    o->redis.key = "pipewatch";
    o->redis.mode = "list";
    o->syslog.protocol = "local";
    o->syslog.port = 514;
    o->syslog.facility = "local5";
    o->syslog.level = "info";
    o->gelf.protocol = "udp";
    o->gelf.port = 12201;
    o->gelf.chunk_size = 8192;
    o->log_smb = o->log_winlog = o->log_alert = o->log_flow = o->log_stats = true;
    o->log_incident = true;
    o->stats_interval_usec = 0;
    flow_config_default(&o->flow);
    stream_config_default(&o->stream);
    smb_limits_default(&o->smb);
    o->smb_memcap = 64u << 20;
    o->max_servers = 1024;
    o->max_tickets = 4096;
    o->dcerpc_enabled = true;
    o->max_rpc_endpoints = 4096;
    o->rpc_endpoint_timeout_usec = 3600ull * 1000000;
    o->defrag_memcap = 16u << 20;
    o->defrag_timeout_usec = 60ull * 1000000;
    o->appid_enabled = true;
    o->appid_max_packets = 16;
    o->smb_ports[0] = 445;
    o->smb_ports[1] = 139;
    o->n_smb_ports = 2;
    o->progress = true;
    o->corr_memcap = 4u << 20;
    o->corr_max_events = 64;
    o->incident_memcap = 16u << 20;
    o->incident_gap_usec = 600ull * 1000000;
}

void pw_options_for_worker(pw_options *o, int n)
{
    if (n <= 1)
        return;
    uint32_t flows = o->flow.max_flows / (uint32_t)n;
    o->flow.max_flows = flows ? flows : 1;
    o->stream.memcap /= (size_t)n;
    o->smb_memcap /= (size_t)n;
    o->defrag_memcap /= (size_t)n;
}
