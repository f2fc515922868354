#include "pipeline.h"

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../detect/winevent.h"
#include "../protocols/kerberos.h"
#include "../protocols/smb_conn.h"
#include "appid.h"
#include "decode.h"
#include "flow.h"
#include "hostnames.h"
#include "json.h"
#include "stream.h"

#define LINE_BUFSZ (64 * 1024)
#define MAX_MATCHES 32
/* TCP payload packets looked at before a flow on a port other than the SMB
 * ports is declared not SMB. */
#define PROBE_PACKETS 4

enum app_state { APP_UNDECIDED = 0, APP_SMB, APP_OTHER };

typedef struct flow_app {
    pipeline *pl;
    flow *f;
    appid_flow *ndpi;
    smb_conn *smb;
    uint64_t tx_id;
    uint8_t state;
    uint8_t probes;
    int8_t client_dir; /* learned from the SMB request flag; -1 until then */
    bool alerted;
    bool named;       /* the server's name from this connection was given to the hostnames table */
    bool smb_refused; /* over the SMB memcap: the flow is counted, not parsed */
    bool smb_evicted; /* its SMB state was given up to make room for a newer connection */
    char app_name[32];
    struct flow_app *lru_prev, *lru_next; /* connections with SMB state, least recently active first */
} flow_app;

struct pipeline {
    const pw_options *o;
    const sigma_ruleset *rules;
    eve_output *out;
    decoder *dec;
    flow_table *flows;
    stream_engine *streams;
    appid *ndpi;
    pw_counters c;
    uint64_t now;      /* time of the packet being processed */
    uint64_t first_ts; /* first packet time */
    uint64_t last_expire;
    uint64_t last_stats;
    bool output_failed;
    bool finishing;
    size_t smb_mem;       /* footprint of the live SMB connections */
    size_t smb_conn_cost; /* footprint of one */
    uint64_t pkt_no;      /* number of the current packet in the input (pcap_cnt) */
    uint64_t next_no;     /* set by pipeline_number_next for the next packet */
    flow_app *smb_lru_head, *smb_lru_tail;
    hostnames *hosts;  /* the run's (o->hostnames) or the pipeline's own */
    hostnames *tickets; /* Kerberos tickets -> client principal, the same way */
    bool own_hosts, own_tickets;
    char computer[HOSTNAMES_NAME_MAX + 1];
    char principal[HOSTNAMES_NAME_MAX + 1];
    pipeline_fact_fn on_fact;
    pipeline_alert_fn on_alert;
    void *observer;
    jbuf jb;
    char line[LINE_BUFSZ];
    win_event ev[WINEVENT_MAX_PER_FACT];
};

/* ---------------------------------------------------------------- output */

static void emit(pipeline *p)
{
    size_t len;
    const char *line = jb_line(&p->jb, &len);
    if (!eve_write(p->out, line, len))
        p->output_failed = true;
}

typedef struct endpoints {
    char client[64], server[64];
    uint16_t cport, sport;
} endpoints;

/* Client is the side that sent requests: the SMB parser learns it from the
 * request/response flag (dir 1 when a midstream capture began with the server). */
static void endpoints_of(const flow *f, int client_dir, endpoints *e)
{
    int c = client_dir == 1 ? 1 : 0;
    eve_format_ip(f->ipver, f->addr[c], e->client, sizeof(e->client));
    eve_format_ip(f->ipver, f->addr[!c], e->server, sizeof(e->server));
    e->cport = f->port[c];
    e->sport = f->port[!c];
}

static void hdr_of(const pipeline *p, const flow *f, const endpoints *e, eve_hdr *h)
{
    memset(h, 0, sizeof(*h));
    h->ts_usec = p->now;
    h->flow_id = f->flow_id;
    h->pcap_cnt = p->pkt_no;
    h->src_ip = e->client;
    h->dest_ip = e->server;
    h->src_port = e->cport;
    h->dest_port = e->sport;
    h->proto = f->proto == IPPROTO_UDP ? "UDP" : "TCP";
    h->vlan_id = f->vlan_id;
}

static sigma_corr *correlator;

void pipeline_set_correlator(sigma_corr *c) { correlator = c; }

static void write_alerts(pipeline *p, flow_app *a, const smb_fact *fact, const win_event *ev, const endpoints *e,
                         const eve_hdr *h)
{
    const sigma_rule *m[MAX_MATCHES];
    size_t n = sigma_match(p->rules, &ev->sigma, m, MAX_MATCHES);
    if (n > MAX_MATCHES) {
        p->c.rule_matches_max_exceeded += n - MAX_MATCHES;
        n = MAX_MATCHES;
    }
    for (size_t i = 0; i < n; i++) {
        size_t ri = sigma_rule_index(m[i]);
        if (sigma_corr_wants(correlator, ri))
            sigma_corr_feed(correlator, ri, &ev->sigma, p->now, a->f->flow_id);
        if (!sigma_rule_alerts(m[i]))
            continue; /* it counts for a correlation only */
        p->c.alerts++;
        a->alerted = true;
        if (p->on_alert) {
            const smb_fact_tree *t = smb_fact_tree_of(fact);
            const smb_fact_file *file = smb_fact_file_of(fact);
            p->on_alert(p->observer, m[i], t ? t->share : NULL, file ? file->filename : NULL, e->client);
        }
        if (!p->o->log_alert)
            continue;
        eve_begin(&p->jb, h, "alert");
        eve_alert_object(&p->jb, m[i]);
        eve_winlog_object(&p->jb, ev);
        eve_smb_object(&p->jb, fact, a->tx_id);
        jb_close_object(&p->jb);
        emit(p);
    }
}

static void count_session(pipeline *p, const smb_fact *f)
{
    if (f->h.status != 0)
        return;
    p->c.smb_sessions++;
    if (f->h.who.auth == SMB_AUTH_NTLMSSP)
        p->c.smb_ntlm_sessions++;
    else if (f->h.who.auth == SMB_AUTH_KERBEROS)
        p->c.smb_kerberos_sessions++;
}

/* The server's own name: what NTLMSSP told on this connection (the DNS
 * name, else the NetBIOS one), handed to the table once for the other
 * connections to that address; else what the table learnt from them. NULL
 * when no connection to the server has named it yet. */
static const char *server_name(pipeline *p, flow_app *a, const smb_fact *fact, const char *server_ip)
{
    const smb_server_names *n = &fact->h.server;
    const char *own = n->dns_computer ? n->dns_computer : n->nb_computer;
    if (own) {
        if (!a->named) {
            bool evicted;
            hostnames_result r = hostnames_learn(p->hosts, server_ip, own, &evicted);
            a->named = true;
            p->c.smb_servers_named += r == HOSTNAMES_NEW;
            p->c.smb_server_renames += r == HOSTNAMES_CHANGED;
            p->c.smb_server_evictions += evicted;
        }
        return own;
    }
    return hostnames_lookup(p->hosts, server_ip, p->computer, sizeof p->computer) ? p->computer : NULL;
}

/* Windows' default "maximum lifetime for service ticket" (600 minutes):
 * the ticket's own end time is in its encrypted part. */
#define KDC_TICKET_LIFETIME_USEC (600ull * 60 * 1000000)

static bool ticket_key(const char *client_ip, uint64_t id, char *key, size_t n)
{
    int w = snprintf(key, n, "%s/%016llx", client_ip, (unsigned long long)id);
    return w > 0 && (size_t)w < n;
}

/* A KDC's reply (port 88, UDP or TCP, read from the one packet: a TCP reply
 * whose ticket starts in a later segment is not read): who the cifs/ ticket
 * it carries was issued to, kept by client address and ticket. */
static void kdc_packet(pipeline *p, const decoded_pkt *pkt)
{
    krb_kdc_rep rep;
    if (!krb_parse_kdc_rep(pkt->payload, pkt->payload_len, &rep) || strncasecmp(rep.ticket.sname, "cifs/", 5) != 0)
        return;
    char client[64], key[HOSTNAMES_ADDR_MAX + 1], who[HOSTNAMES_NAME_MAX + 1];
    eve_format_ip(pkt->ipver, pkt->dst, client, sizeof client);
    int w = snprintf(who, sizeof who, "%s@%s", rep.cname, rep.crealm);
    if (!ticket_key(client, rep.ticket.id, key, sizeof key) || w <= 0 || (size_t)w >= sizeof who)
        return;
    bool evicted;
    if (hostnames_learn_at(p->tickets, key, who, p->now, &evicted) == HOSTNAMES_NEW)
        p->c.kdc_tickets++;
    p->c.kdc_ticket_evictions += evicted;
}

/* A Kerberos session's user: the client the KDC issued the session's ticket
 * to, when the sensor saw that reply and the ticket is still within its
 * lifetime. Fills *copy (fact with the names) and returns it, else fact. */
static const smb_fact *kdc_identity(pipeline *p, const smb_fact *fact, const char *client_ip, smb_fact *copy,
                                    char *buf, size_t n)
{
    const smb_identity *w = &fact->h.who;
    if (w->auth != SMB_AUTH_KERBEROS || !w->krb_ticket)
        return fact;
    char key[HOSTNAMES_ADDR_MAX + 1];
    uint64_t when;
    if (!ticket_key(client_ip, w->krb_ticket, key, sizeof key) ||
        !hostnames_lookup_at(p->tickets, key, buf, n, &when) || p->now - when > KDC_TICKET_LIFETIME_USEC)
        return fact;
    char *at = strrchr(buf, '@');
    if (!at || at == buf || !at[1])
        return fact;
    *at = '\0';
    *copy = *fact;
    copy->h.who.user = buf;
    copy->h.who.domain = at + 1;
    copy->h.who.from_kdc = true;
    p->c.kdc_identities++;
    return copy;
}

static void on_fact(void *ctx, const smb_fact *fact)
{
    flow_app *a = ctx;
    pipeline *p = a->pl;
    endpoints e;
    eve_hdr h;
    endpoints_of(a->f, fact->h.req_dir, &e);
    hdr_of(p, a->f, &e, &h);
    a->tx_id++;
    if (fact->h.req_dir >= 0)
        a->client_dir = (int8_t)fact->h.req_dir;
    smb_fact inferred;
    fact = kdc_identity(p, fact, e.client, &inferred, p->principal, sizeof p->principal);

    if (fact->h.kind == SMB_FACT_SESSION_SETUP && fact->h.have_response)
        count_session(p, fact);
    if (p->on_fact)
        p->on_fact(p->observer, fact, e.client);

    if (p->o->log_smb) {
        eve_begin(&p->jb, &h, eve_fact_record_type(fact));
        eve_smb_object(&p->jb, fact, a->tx_id);
        jb_close_object(&p->jb);
        emit(p);
        if (fact->h.kind != SMB_FACT_RPC)
            p->c.events_smb++;
    }

    win_peer peer = {e.client, e.cport, e.server, server_name(p, a, fact, e.server)};
    size_t nev = winevent_build(fact, &peer, p->ev, WINEVENT_MAX_PER_FACT);
    for (size_t i = 0; i < nev; i++) {
        const win_event *ev = &p->ev[i];
        if (ev->event_id == 5145)
            p->c.events_5145++;
        else if (ev->event_id == 5140)
            p->c.events_5140++;
        if (p->o->log_winlog && !ev->def->family->rules_only) {
            eve_begin(&p->jb, &h, "winlog");
            eve_winlog_object(&p->jb, ev);
            eve_smb_object(&p->jb, fact, a->tx_id);
            jb_close_object(&p->jb);
            emit(p);
        }
        if (p->rules)
            write_alerts(p, a, fact, ev, &e, &h);
    }
}

/* ------------------------------------------------------------- app layer */

static int dialect_slot(uint16_t d)
{
    switch (d) {
    case 0x0001:
        return 1;
    case 0x0202:
        return 2;
    case 0x0210:
        return 3;
    case 0x0300:
        return 4;
    case 0x0302:
        return 5;
    case 0x0311:
        return 6;
    default:
        return 0;
    }
}

static void lru_unlink(pipeline *p, flow_app *a)
{
    if (a->lru_prev)
        a->lru_prev->lru_next = a->lru_next;
    else
        p->smb_lru_head = a->lru_next;
    if (a->lru_next)
        a->lru_next->lru_prev = a->lru_prev;
    else
        p->smb_lru_tail = a->lru_prev;
    a->lru_prev = a->lru_next = NULL;
}

static void lru_append(pipeline *p, flow_app *a)
{
    a->lru_prev = p->smb_lru_tail;
    a->lru_next = NULL;
    if (p->smb_lru_tail)
        p->smb_lru_tail->lru_next = a;
    else
        p->smb_lru_head = a;
    p->smb_lru_tail = a;
}

/* Reports what the parser still holds, adds its counters to the run's and
 * frees the SMB state of a connection. */
static void smb_detach(pipeline *p, flow_app *a)
{
    smb_conn_flush(a->smb);
    const smb_conn_stats *ss = smb_conn_get_stats(a->smb);
    p->c.smb_encrypted_msgs += ss->encrypted_msgs;
    p->c.smb_compressed_msgs += ss->compressed_msgs;
    if (ss->encrypted_msgs)
        p->c.smb_encrypted_flows++;
    p->c.smb_resyncs += ss->resyncs;
    p->c.smb_malformed += ss->malformed;
    p->c.smb_limit_drops += ss->limit_drops;
    p->c.smb_orphan_responses += ss->orphan_responses;
    p->c.smb_pdu_memcap_drops += ss->pdu_memcap_drops;
    p->c.smb_auth_unrecognised += ss->auth_unrecognised;
    p->c.smb_by_dialect[dialect_slot(smb_conn_dialect(a->smb))]++;
    lru_unlink(p, a);
    smb_conn_free(a->smb);
    a->smb = NULL;
    p->smb_mem -= p->smb_conn_cost;
}

/* A connection's name slots or buffers need room in a spent SMB memcap: the
 * least recently active other connections give up their state, as for a new
 * connection, so the traffic being parsed now is the traffic kept. */
static void smb_reclaim(void *ctx, size_t need)
{
    flow_app *a = ctx;
    pipeline *p = a->pl;
    for (int i = 0; i < 4 && p->smb_mem + need > p->o->smb_memcap; i++) {
        flow_app *old = p->smb_lru_head;
        if (old == a)
            old = a->lru_next;
        if (!old)
            break;
        smb_detach(p, old);
        old->smb_refused = old->smb_evicted = true;
        p->c.smb_memcap_evictions++;
    }
}

/* SMB state is made at the first byte of the connection, not at its SYN, so
 * a SYN flood costs flow entries only; the SMB memcap bounds the rest. When
 * it is spent, the least recently active connections give up their state
 * (at most a few per new one): otherwise whoever opened connections first
 * would blind the parser to every connection after. */
static bool smb_ready(flow_app *a)
{
    if (a->smb)
        return true;
    pipeline *p = a->pl;
    if (a->smb_refused)
        return false;
    for (int i = 0; i < 4 && p->smb_mem + p->smb_conn_cost > p->o->smb_memcap && p->smb_lru_head; i++) {
        flow_app *old = p->smb_lru_head;
        smb_detach(p, old);
        old->smb_refused = old->smb_evicted = true;
        p->c.smb_memcap_evictions++;
    }
    if (p->smb_mem + p->smb_conn_cost > p->o->smb_memcap) {
        a->smb_refused = true;
        p->c.smb_memcap_drops++;
        return false;
    }
    smb_sink sink = {on_fact, a};
    a->smb = smb_conn_new(&p->o->smb, sink);
    if (!a->smb) {
        a->smb_refused = true;
        p->c.smb_memcap_drops++;
        return false;
    }
    p->smb_mem += p->smb_conn_cost;
    smb_conn_set_budget(a->smb, &p->smb_mem, p->o->smb_memcap);
    smb_conn_set_reclaim(a->smb, smb_reclaim, a);
    lru_append(p, a);
    return true;
}

static void on_stream_data(void *ctx, int dir, const uint8_t *data, size_t len)
{
    flow_app *a = ctx;
    if (!smb_ready(a))
        return;
    if (a->pl->smb_lru_tail != a) {
        lru_unlink(a->pl, a);
        lru_append(a->pl, a);
    }
    smb_conn_data(a->smb, dir, data, len);
}

static void on_stream_gap(void *ctx, int dir, uint64_t len)
{
    flow_app *a = ctx;
    if (smb_ready(a))
        smb_conn_gap(a->smb, dir, len);
}

static bool is_smb_port(const pipeline *p, uint16_t port)
{
    for (size_t i = 0; i < p->o->n_smb_ports; i++)
        if (p->o->smb_ports[i] == port)
            return true;
    return false;
}

static void start_smb(pipeline *p, flow_app *a)
{
    a->state = APP_SMB;
    p->c.flows_smb++;
}

static flow_app *app_new(pipeline *p, flow *f)
{
    flow_app *a = calloc(1, sizeof(*a));
    if (!a)
        return NULL;
    a->pl = p;
    a->f = f;
    a->client_dir = -1;
    if (p->ndpi)
        a->ndpi = appid_flow_new(p->ndpi);
    f->app = a;
    p->c.flows++;
    if (f->midstream)
        p->c.flows_midstream++;
    if (f->proto == IPPROTO_TCP && (is_smb_port(p, f->port[0]) || is_smb_port(p, f->port[1])))
        start_smb(p, a);
    return a;
}

static void settle_app_name(pipeline *p, flow_app *a)
{
    if (!a->ndpi)
        return;
    char buf[64];
    appid_giveup(p->ndpi, a->ndpi);
    snprintf(a->app_name, sizeof(a->app_name), "%s", appid_name(p->ndpi, a->ndpi, buf, sizeof(buf)));
    appid_flow_free(p->ndpi, a->ndpi);
    a->ndpi = NULL;
}

static void write_flow_record(pipeline *p, flow *f, flow_app *a, const char *reason)
{
    const smb_conn_stats *ss = a->smb ? smb_conn_get_stats(a->smb) : NULL;
    int cdir = a->client_dir == 1 ? 1 : 0;
    endpoints e;
    eve_hdr h;
    endpoints_of(f, cdir, &e);
    hdr_of(p, f, &e, &h);
    h.pcap_cnt = 0;
    h.ts_usec = f->last_ts;
    eve_begin(&p->jb, &h, "flow");
    if (a->state == APP_SMB)
        jb_str(&p->jb, "app_proto", a->smb_evicted   ? "smb (memcap: evicted)"
                                    : a->smb_refused ? "smb (memcap: not parsed)"
                                                     : "smb");
    jb_open_object(&p->jb, "flow");
    jb_u64(&p->jb, "pkts_toserver", f->pkts[cdir]);
    jb_u64(&p->jb, "pkts_toclient", f->pkts[!cdir]);
    jb_u64(&p->jb, "bytes_toserver", f->bytes[cdir]);
    jb_u64(&p->jb, "bytes_toclient", f->bytes[!cdir]);
    jb_timestamp(&p->jb, "start", f->first_ts);
    jb_timestamp(&p->jb, "end", f->last_ts);
    jb_u64(&p->jb, "age", (f->last_ts - f->first_ts) / 1000000);
    if (f->proto == IPPROTO_TCP)
        jb_str(&p->jb, "state", f->tcp.closed ? "closed" : "established");
    jb_str(&p->jb, "reason", reason);
    jb_bool(&p->jb, "alerted", a->alerted);
    jb_bool(&p->jb, "midstream", f->midstream);
    jb_close_object(&p->jb);
    jb_open_object(&p->jb, "ndpi");
    jb_str(&p->jb, "app_protocol", a->app_name[0] ? a->app_name : "Unknown");
    jb_close_object(&p->jb);
    if (ss) {
        jb_open_object(&p->jb, "smb");
        const char *d = smb_dialect_name(smb_conn_dialect(a->smb));
        jb_str(&p->jb, "dialect", d ? d : "unknown");
        jb_u64(&p->jb, "smb1_messages", ss->smb1_msgs);
        jb_u64(&p->jb, "smb2_messages", ss->smb2_msgs);
        jb_u64(&p->jb, "encrypted_messages", ss->encrypted_msgs);
        jb_u64(&p->jb, "compressed_messages", ss->compressed_msgs);
        jb_bool(&p->jb, "encrypted", ss->encrypted_msgs > 0);
        jb_u64(&p->jb, "gaps", ss->gaps);
        jb_u64(&p->jb, "resyncs", ss->resyncs);
        jb_u64(&p->jb, "malformed", ss->malformed);
        jb_u64(&p->jb, "orphan_responses", ss->orphan_responses);
        jb_u64(&p->jb, "limit_drops", ss->limit_drops);
        jb_close_object(&p->jb);
    }
    jb_close_object(&p->jb);
    emit(p);
    p->c.events_flow++;
}

/* A flow leaves the table: deliver what the reassembler still holds, let the
 * parser report requests that never got an answer, then log the flow. */
static void on_flow_release(void *ctx, flow *f)
{
    pipeline *p = ctx;
    flow_app *a = f->app;
    if (!a) {
        stream_release(p->streams, &f->tcp);
        return;
    }
    if (f->last_ts > p->now)
        p->now = f->last_ts;
    if (a->state == APP_SMB) {
        stream_sink sink = {on_stream_data, on_stream_gap, a};
        stream_flush(p->streams, &f->tcp, &sink);
    } else {
        stream_release(p->streams, &f->tcp);
    }
    if (a->smb)
        smb_conn_flush(a->smb); /* its last facts come before the flow record */
    settle_app_name(p, a);
    if (p->o->log_flow)
        write_flow_record(p, f, a, p->finishing ? "shutdown" : f->tcp.closed ? "closed" : "timeout");
    if (a->smb)
        smb_detach(p, a);
    free(a);
    f->app = NULL;
}

/* ------------------------------------------------------------- lifecycle */

pipeline *pipeline_new(const pw_options *o, const sigma_ruleset *rules, eve_output *out)
{
    pipeline *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->o = o;
    p->rules = rules;
    p->out = out;
    p->smb_conn_cost = smb_conn_footprint(&o->smb);
    p->dec = decoder_new(o->defrag_memcap, o->defrag_timeout_usec);
    p->flows = flow_table_new(&o->flow, on_flow_release, p);
    p->streams = stream_engine_new(&o->stream);
    if (o->appid_enabled)
        p->ndpi = appid_new(o->appid_max_packets);
    p->hosts = o->hostnames;
    if (!p->hosts) {
        p->hosts = hostnames_new(o->max_servers);
        p->own_hosts = true;
    }
    p->tickets = o->tickets;
    if (!p->tickets) {
        p->tickets = hostnames_new(o->max_tickets);
        p->own_tickets = true;
    }
    jb_init(&p->jb, p->line, sizeof(p->line));
    if (!p->dec || !p->flows || !p->streams || (o->appid_enabled && !p->ndpi) || !p->hosts ||
        !p->tickets) {
        pipeline_free(p);
        return NULL;
    }
    return p;
}

void pipeline_free(pipeline *p)
{
    if (!p)
        return;
    if (p->flows)
        flow_table_free(p->flows);
    stream_engine_free(p->streams);
    decoder_free(p->dec);
    appid_free(p->ndpi);
    if (p->own_hosts)
        hostnames_free(p->hosts);
    if (p->own_tickets)
        hostnames_free(p->tickets);
    free(p);
}

void pipeline_set_observer(pipeline *p, pipeline_fact_fn fact_fn, pipeline_alert_fn alert_fn, void *ctx)
{
    p->on_fact = fact_fn;
    p->on_alert = alert_fn;
    p->observer = ctx;
}

/* ---------------------------------------------------------------- packets */

static void classify(pipeline *p, flow_app *a, const decoded_pkt *pkt)
{
    if (a->ndpi && pkt->l3 && pkt->l3_len) {
        if (appid_packet(p->ndpi, a->ndpi, pkt->l3, pkt->l3_len, pkt->ts_usec)) {
            char buf[64];
            snprintf(a->app_name, sizeof(a->app_name), "%s", appid_name(p->ndpi, a->ndpi, buf, sizeof(buf)));
            bool smb = appid_is_smb(a->ndpi);
            appid_flow_free(p->ndpi, a->ndpi);
            a->ndpi = NULL;
            if (smb && a->state == APP_UNDECIDED && pkt->proto == IPPROTO_TCP)
                start_smb(p, a);
        }
    }
    if (a->state != APP_UNDECIDED || pkt->proto != IPPROTO_TCP || pkt->payload_len == 0)
        return;
    if (smb_probe(pkt->payload, pkt->payload_len)) {
        start_smb(p, a);
        return;
    }
    if (++a->probes >= PROBE_PACKETS && !a->ndpi)
        a->state = APP_OTHER;
}

static void maybe_expire(pipeline *p)
{
    if (p->now - p->last_expire >= 1000000) {
        flow_table_expire(p->flows, p->now);
        sigma_corr_tick(correlator, p->now);
        p->last_expire = p->now;
    }
    if (p->o->log_stats && p->o->stats_interval_usec && p->now - p->last_stats >= p->o->stats_interval_usec) {
        if (p->last_stats) {
            pw_counters c;
            memset(&c, 0, sizeof(c));
            pipeline_counters(p, &c);
            pipeline_write_stats(p->out, &c, p->now, p->now - p->first_ts);
        }
        p->last_stats = p->now;
    }
}

bool pipeline_packet(pipeline *p, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen)
{
    p->c.packets++;
    p->c.bytes += wirelen;
    p->pkt_no = p->next_no ? p->next_no : p->c.packets;
    p->next_no = 0;
    if (ts_usec > p->now)
        p->now = ts_usec;
    if (!p->first_ts) {
        p->first_ts = ts_usec;
        p->last_expire = ts_usec;
    }
    decoded_pkt pkt;
    decode_result r = decode_packet(p->dec, linktype, data, caplen, ts_usec, &pkt);
    if (r == DECODE_OK && (pkt.proto == IPPROTO_TCP || pkt.proto == IPPROTO_UDP)) {
        int dir = 0;
        flow *f = flow_lookup(p->flows, &pkt, &dir);
        if (pkt.sport == 88 && pkt.payload_len)
            kdc_packet(p, &pkt);
        if (f) {
            flow_app *a = f->app ? f->app : app_new(p, f);
            if (a) {
                if (a->state == APP_UNDECIDED || a->ndpi)
                    classify(p, a, &pkt);
                if (a->state == APP_SMB) {
                    stream_sink sink = {on_stream_data, on_stream_gap, a};
                    stream_segment(p->streams, &f->tcp, dir, pkt.seq, pkt.tcp_flags, pkt.payload,
                                   pkt.payload_len, &sink);
                }
            }
        }
    } else if (r == DECODE_UNSUPPORTED_LINKTYPE) {
        p->c.decode_unsupported++;
    }
    maybe_expire(p);
    return !p->output_failed;
}

void pipeline_number_next(pipeline *p, uint64_t n) { p->next_no = n; }

void pipeline_tick(pipeline *p, uint64_t now_usec)
{
    if (now_usec > p->now)
        p->now = now_usec;
    maybe_expire(p);
}

void pipeline_finish(pipeline *p)
{
    p->finishing = true;
    flow_table_flush(p->flows);
    eve_flush(p->out);
}

uint64_t pipeline_now(const pipeline *p) { return p->now; }
uint64_t pipeline_first_ts(const pipeline *p) { return p->first_ts; }

void pipeline_counters(const pipeline *p, pw_counters *c)
{
    const decode_stats *d = decoder_stats(p->dec);
    const flow_stats *fs = flow_table_stats(p->flows);
    const stream_stats *ss = stream_engine_stats(p->streams);
    const pw_counters *m = &p->c;
    c->packets += m->packets;
    c->bytes += m->bytes;
    c->decode_not_ip += d->not_ip;
    c->decode_truncated += d->truncated;
    c->decode_malformed += d->malformed;
    c->decode_unsupported += m->decode_unsupported;
    c->frags_reassembled += d->frags_reassembled;
    c->frags_dropped += d->frags_dropped;
    c->ipv6_frags += d->ipv6_frags;
    c->flows += m->flows;
    c->flows_smb += m->flows_smb;
    c->flows_midstream += m->flows_midstream;
    c->flows_timed_out += fs->timed_out;
    c->flows_evicted += fs->evicted;
    c->flow_memcap_drops += fs->memcap_drops;
    c->tcp_segments += ss->segments;
    c->tcp_out_of_order += ss->out_of_order;
    c->tcp_retransmitted += ss->retransmitted;
    c->tcp_overlaps += ss->overlaps;
    c->tcp_gaps += ss->gaps;
    c->tcp_gap_bytes += ss->gap_bytes;
    c->stream_memcap_drops += ss->memcap_drops;
    c->smb_sessions += m->smb_sessions;
    c->smb_ntlm_sessions += m->smb_ntlm_sessions;
    c->smb_kerberos_sessions += m->smb_kerberos_sessions;
    c->smb_encrypted_msgs += m->smb_encrypted_msgs;
    c->smb_compressed_msgs += m->smb_compressed_msgs;
    c->smb_encrypted_flows += m->smb_encrypted_flows;
    c->smb_resyncs += m->smb_resyncs;
    c->smb_malformed += m->smb_malformed;
    c->smb_limit_drops += m->smb_limit_drops;
    c->smb_orphan_responses += m->smb_orphan_responses;
    c->smb_memcap_drops += m->smb_memcap_drops;
    c->smb_memcap_evictions += m->smb_memcap_evictions;
    c->smb_servers_named += m->smb_servers_named;
    c->smb_server_renames += m->smb_server_renames;
    c->smb_server_evictions += m->smb_server_evictions;
    c->kdc_tickets += m->kdc_tickets;
    c->kdc_ticket_evictions += m->kdc_ticket_evictions;
    c->kdc_identities += m->kdc_identities;
    c->smb_pdu_memcap_drops += m->smb_pdu_memcap_drops;
    c->smb_auth_unrecognised += m->smb_auth_unrecognised;
    for (int i = 0; i < 7; i++)
        c->smb_by_dialect[i] += m->smb_by_dialect[i];
    c->events_smb += m->events_smb;
    c->events_5145 += m->events_5145;
    c->events_5140 += m->events_5140;
    c->events_flow += m->events_flow;
    c->alerts += m->alerts;
    c->rule_matches_max_exceeded += m->rule_matches_max_exceeded;
    c->rule_regex_limit += sigma_ruleset_regex_limit_hits(p->rules);
}

static void (*stats_extra)(jbuf *j, void *ctx);
static void *stats_extra_ctx;

void pipeline_set_stats_extra(void (*fn)(jbuf *j, void *ctx), void *ctx)
{
    stats_extra = fn;
    stats_extra_ctx = ctx;
}

void pipeline_write_stats(eve_output *out, const pw_counters *c, uint64_t ts_usec, uint64_t uptime_usec)
{
    char line[32768];
    jbuf j;
    jb_init(&j, line, sizeof(line));
    eve_hdr h;
    memset(&h, 0, sizeof(h));
    h.ts_usec = ts_usec;
    eve_begin(&j, &h, "stats");
    jb_open_object(&j, "stats");
    jb_u64(&j, "uptime", uptime_usec / 1000000);
    jb_open_object(&j, "capture");
    jb_u64(&j, "packets", c->packets);
    jb_u64(&j, "bytes", c->bytes);
    jb_u64(&j, "kernel_packets", c->kernel_packets);
    jb_u64(&j, "kernel_drops", c->kernel_drops);
    jb_u64(&j, "kernel_ifdrops", c->kernel_ifdrops);
    jb_close_object(&j);
    jb_open_object(&j, "decoder");
    jb_u64(&j, "not_ip", c->decode_not_ip);
    jb_u64(&j, "truncated", c->decode_truncated);
    jb_u64(&j, "malformed", c->decode_malformed);
    jb_u64(&j, "unsupported_linktype", c->decode_unsupported);
    jb_u64(&j, "ipv4_frags_reassembled", c->frags_reassembled);
    jb_u64(&j, "ipv4_frags_dropped", c->frags_dropped);
    jb_u64(&j, "ipv6_frags_skipped", c->ipv6_frags);
    jb_close_object(&j);
    jb_open_object(&j, "flow");
    jb_u64(&j, "total", c->flows);
    jb_u64(&j, "smb", c->flows_smb);
    jb_u64(&j, "midstream", c->flows_midstream);
    jb_u64(&j, "timed_out", c->flows_timed_out);
    jb_u64(&j, "evicted", c->flows_evicted);
    jb_u64(&j, "memcap_drops", c->flow_memcap_drops);
    jb_close_object(&j);
    jb_open_object(&j, "tcp");
    jb_u64(&j, "segments", c->tcp_segments);
    jb_u64(&j, "out_of_order", c->tcp_out_of_order);
    jb_u64(&j, "retransmitted", c->tcp_retransmitted);
    jb_u64(&j, "overlaps", c->tcp_overlaps);
    jb_u64(&j, "gaps", c->tcp_gaps);
    jb_u64(&j, "gap_bytes", c->tcp_gap_bytes);
    jb_u64(&j, "reassembly_memcap_drops", c->stream_memcap_drops);
    jb_close_object(&j);
    jb_open_object(&j, "smb");
    jb_u64(&j, "sessions", c->smb_sessions);
    jb_u64(&j, "ntlmssp_sessions", c->smb_ntlm_sessions);
    jb_u64(&j, "kerberos_sessions", c->smb_kerberos_sessions);
    jb_u64(&j, "auth_unrecognised", c->smb_auth_unrecognised);
    jb_u64(&j, "encrypted_flows", c->smb_encrypted_flows);
    jb_u64(&j, "encrypted_messages", c->smb_encrypted_msgs);
    jb_u64(&j, "compressed_messages", c->smb_compressed_msgs);
    jb_u64(&j, "resyncs", c->smb_resyncs);
    jb_u64(&j, "malformed", c->smb_malformed);
    jb_u64(&j, "orphan_responses", c->smb_orphan_responses);
    jb_u64(&j, "state_limit_drops", c->smb_limit_drops);
    jb_u64(&j, "memcap_drops", c->smb_memcap_drops);
    jb_u64(&j, "memcap_evictions", c->smb_memcap_evictions);
    jb_u64(&j, "servers_named", c->smb_servers_named);
    jb_u64(&j, "server_renames", c->smb_server_renames);
    jb_u64(&j, "server_name_evictions", c->smb_server_evictions);
    jb_u64(&j, "kdc_tickets", c->kdc_tickets);
    jb_u64(&j, "kdc_ticket_evictions", c->kdc_ticket_evictions);
    jb_u64(&j, "kdc_identities", c->kdc_identities);
    jb_u64(&j, "pdu_memcap_drops", c->smb_pdu_memcap_drops);
    static const char *dialects[7] = {"unknown", "NT LM 0.12", "2.02", "2.10", "3.00", "3.02", "3.11"};
    jb_open_object(&j, "flows_by_dialect");
    for (int i = 0; i < 7; i++)
        jb_u64(&j, dialects[i], c->smb_by_dialect[i]);
    jb_close_object(&j);
    jb_close_object(&j);
    jb_open_object(&j, "events");
    jb_u64(&j, "smb", c->events_smb);
    jb_u64(&j, "winlog_5145", c->events_5145);
    jb_u64(&j, "winlog_5140", c->events_5140);
    jb_u64(&j, "flow", c->events_flow);
    jb_u64(&j, "alerts", c->alerts);
    jb_u64(&j, "alerts_over_match_limit", c->rule_matches_max_exceeded);
    jb_u64(&j, "rule_regex_limit", c->rule_regex_limit);
    jb_close_object(&j);
    if (stats_extra)
        stats_extra(&j, stats_extra_ctx);
    jb_close_object(&j);
    jb_close_object(&j);
    size_t len;
    const char *s = jb_line(&j, &len);
    eve_write(out, s, len);
}
