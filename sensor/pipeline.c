#include "pipeline.h"

#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../detect/incident.h"
#include "../detect/winevent.h"
#include "../protocols/dcerpc_tcp.h"
#include "../protocols/kerberos.h"
#include "../detect/winevent_share.h"
#include "../protocols/smb_conn.h"
#include "../protocols/srvsvc.h"
#include "appid.h"
#include "decode.h"
#include "flow.h"
#include "hostnames.h"
#include "json.h"
#include "stream.h"

#define LINE_BUFSZ (64 * 1024)
#define MAX_MATCHES 32
#define MAX_EVENTS WINEVENT_MAX_PER_FACT /* Windows events one fact stands for, at most */
/* TCP payload packets looked at before a flow on a port other than the SMB
 * ports is declared not SMB. */
#define PROBE_PACKETS 4

/* APP_RPC: DCE/RPC straight over TCP (port 135, an endpoint an ept_map
 * reply named, or dcerpc_probe). */
enum app_state { APP_UNDECIDED = 0, APP_SMB, APP_OTHER, APP_RPC };

/* The TCP port of the endpoint mapper (MS-RPCE 2.1.1.1). */
#define EPM_PORT 135

typedef struct flow_app {
    pipeline *pl;
    flow *f;
    appid_flow *ndpi;
    smb_conn *smb;
    dcerpc_tcp *rpc;       /* APP_RPC: the parser, from the first byte */
    int8_t rpc_client_dir; /* APP_RPC: the stream direction of the client */
    uint8_t rpc_expect;    /* APP_RPC: the interface a learnt endpoint names (dcerpc_iface) */
    bool rpc_refused;      /* APP_RPC over the memcap: counted, not parsed */
    uint64_t tx_id;
    uint64_t last_no; /* pcap_cnt of the flow's latest packet */
    uint8_t state;
    uint8_t probes;
    int8_t client_dir; /* learned from the SMB request flag; -1 until then */
    bool alerted;
    bool smb_refused; /* over the SMB memcap: the flow is counted, not parsed */
    bool smb_evicted; /* its SMB state was given up to make room for a newer connection */
    bool named;       /* the server's name from this connection was given to the hostnames table */
    char app_name[32];
    /* Both addresses as text, made once for the flow's records (every smb,
     * winlog and alert record names them); addr_text[i] is f->addr[i]. */
    bool have_addr_text;
    char addr_text[2][INET6_ADDRSTRLEN];
    struct flow_app *lru_prev, *lru_next; /* connections with SMB state, least recently active first */
} flow_app;

/* Flows released during a lookup wait here, moved out of the table, until
 * the lookup has returned: their end of flow then runs after it, never
 * inside the flow table. A lookup releases at most two flows: a closed flow
 * whose ports a new SYN reuses, and the flow a full table evicts for it. */
#define RELEASE_QUEUE 4

typedef struct released {
    flow f; /* the flow as it left the table (its entry is already reused) */
    const char *reason;
} released;

struct pipeline {
    const pw_options *o;
    const sigma_ruleset *rules;
    pw_output *out;
    decoder *dec;
    flow_table *flows;
    stream_engine *streams;
    appid *ndpi;
    pw_counters c;
    uint64_t now;      /* time of the packet being processed */
    uint64_t now_pkt;  /* that packet's own timestamp (now never goes back) */
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
    hostnames *shares;  /* server and share -> the server's spelling and path, the same way */
    hostnames *endpoints; /* DCE/RPC endpoints "server/port" -> interface, the same way */
    bool own_hosts, own_tickets, own_shares, own_endpoints;
    char computer[HOSTNAMES_NAME_MAX + 1];
    char share_seen[HOSTNAMES_NAME_MAX + 1];
    char principal[HOSTNAMES_NAME_MAX + 1];
    bool in_lookup;       /* flow_lookup is running: releases are queued */
    released rq[RELEASE_QUEUE];
    size_t rq_len;
    pipeline_observer observers[PIPELINE_MAX_OBSERVERS];
    size_t n_observers;
    const layout_ops *layout;
    jbuf jb;
    rec_memo smb_memo; /* the smb member of the fact being written */
    char line[LINE_BUFSZ];
    win_event ev[MAX_EVENTS]; /* the events of the fact in the fact stages */
    const sigma_rule *m[MAX_EVENTS][MAX_MATCHES]; /* the rules each matched */
    size_t nm[MAX_EVENTS];
};

/* ---------------------------------------------------------------- output */

/* One record, laid out by the output's layout and written. A record that
 * did not fit its line is written with the members that fit, closed and
 * marked "truncated" (see json.h), and counted. */
static void emit(pipeline *p, const pw_record *r)
{
    p->layout->build(&p->jb, r);
    size_t len;
    const char *line = jb_line(&p->jb, &len);
    if (jb_truncated(&p->jb))
        p->c.records_truncated++;
    if (len == 0)
        return;
    if (!output_write(p->out, line, len))
        p->output_failed = true;
}

typedef struct endpoints {
    const char *client, *server; /* the flow's addr_text */
    uint16_t cport, sport;
} endpoints;

/* Client is the side that sent requests: the SMB parser learns it from the
 * request/response flag (dir 1 when a midstream capture began with the server).
 * f is the flow of a (its copy, when it already left the table). */
static void endpoints_of(flow_app *a, const flow *f, int client_dir, endpoints *e)
{
    if (!a->have_addr_text) {
        rec_format_ip(f->ipver, f->addr[0], a->addr_text[0], sizeof(a->addr_text[0]));
        rec_format_ip(f->ipver, f->addr[1], a->addr_text[1], sizeof(a->addr_text[1]));
        a->have_addr_text = true;
    }
    int c = client_dir == 1 ? 1 : 0;
    e->client = a->addr_text[c];
    e->server = a->addr_text[!c];
    e->cport = f->port[c];
    e->sport = f->port[!c];
}

static void hdr_of(const pipeline *p, const flow *f, const endpoints *e, rec_hdr *h)
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
    rec_format_ip(pkt->ipver, pkt->dst, client, sizeof client);
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

static sigma_corr *correlator;
static incident_stage *incidents;

void pipeline_set_correlator(sigma_corr *c) { correlator = c; }
void pipeline_set_incidents(incident_stage *s) { incidents = s; }

/* The correlation engine is shared by the workers, so no worker counts its
 * alerts: they are added here, to events.alerts and on their own. */
void pipeline_count_shared(pw_counters *c)
{
    uint64_t n = correlator ? sigma_corr_get_stats(correlator).raised : 0;
    c->alerts += n;
    c->correlation_alerts += n;
}

void pipeline_finish_shared(void)
{
    sigma_corr_flush(correlator);
    incident_flush(incidents);
}

/* --------------------------------------------------------- fact stages
 * What the parser reports goes through these in order, one fact at a time:
 * each stage reads what the ones before it left in the fact_work. */

typedef struct fact_work {
    flow_app *a;
    const smb_fact *fact;
    endpoints e;
    rec_hdr h;
    smb_fact inferred; /* the fact with the identity a KDC reply gave, when it did */
    size_t nev; /* events in p->ev[], their matches in p->m[], p->nm[] */
} fact_work;

/* Each stage is stage_<name>(pipeline *, fact_work *). */

/* The fact in its flow: its number, the client's side, who ran it (a Kerberos
 * session's user from the KDC's reply, when seen), the sessions counted. */
static void stage_fact(pipeline *p, fact_work *w)
{
    flow_app *a = w->a;
    endpoints_of(a, a->f, w->fact->h.req_dir, &w->e);
    hdr_of(p, a->f, &w->e, &w->h);
    a->tx_id++;
    if (w->fact->h.req_dir >= 0)
        a->client_dir = (int8_t)w->fact->h.req_dir;
    w->fact = kdc_identity(p, w->fact, w->e.client, &w->inferred, p->principal, sizeof p->principal);
    if (w->fact->h.kind == SMB_FACT_SESSION_SETUP && w->fact->h.have_response)
        count_session(p, w->fact);
}

/* The key of a share of a server in the share table: the address and a
 * hash of the name folded to lower case (ASCII, as wf_ieq compares), so a
 * name of any length fits; the stored spelling is compared on lookup. */
static bool share_key(const char *server_ip, const char *name, char *key, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
    for (const char *c = name; *c; c++) {
        char l = *c >= 'A' && *c <= 'Z' ? (char)(*c + 32) : *c;
        h = (h ^ (uint8_t)l) * 0x100000001b3ull;
    }
    /* "<address>|<hash in 16 hex digits>", by hand: this runs for every
     * share event */
    size_t a = strlen(server_ip);
    if (a + 1 + 16 + 1 > n)
        return false;
    memcpy(key, server_ip, a);
    key[a] = '|';
    for (int i = 0; i < 16; i++)
        key[a + 1 + i] = "0123456789abcdef"[(h >> (60 - 4 * i)) & 0xF];
    key[a + 17] = '\0';
    return true;
}

/* A stored entry: the server's spelling, then "\n" and the local path when
 * the reply gave one. */
static bool share_lookup(pipeline *p, const char *server_ip, const char *name, const char **path)
{
    char key[HOSTNAMES_ADDR_MAX + 1];
    *path = NULL;
    if (!server_ip || !name || !name[0] || !share_key(server_ip, name, key, sizeof key) ||
        !hostnames_lookup(p->shares, key, p->share_seen, sizeof p->share_seen))
        return false;
    char *nl = strchr(p->share_seen, '\n');
    if (nl) {
        *nl = '\0';
        *path = nl + 1;
    }
    return strcasecmp(p->share_seen, name) == 0;
}

/* The server's own share names from a srvsvc reply, for the events of
 * every later connection to it. A reply without paths (level 0, 1, 501)
 * does not forget a path learnt before. */
static void learn_shares(pipeline *p, const char *server_ip, const smb_fact_rpc *r)
{
    for (size_t i = 0; i < r->nshares; i++) {
        const srvsvc_share *s = &r->shares[i];
        char key[HOSTNAMES_ADDR_MAX + 1], value[HOSTNAMES_NAME_MAX + 1];
        if (!share_key(server_ip, s->name, key, sizeof key))
            continue;
        const char *old_path;
        bool known = share_lookup(p, server_ip, s->name, &old_path);
        const char *path = s->have_path ? s->path : known ? old_path : NULL;
        int w = path ? snprintf(value, sizeof value, "%s\n%s", s->name, path)
                     : snprintf(value, sizeof value, "%s", s->name);
        if (w < 0 || (size_t)w >= sizeof value) /* a path that would be cut: the name alone */
            w = snprintf(value, sizeof value, "%s", s->name);
        if (w < 0 || (size_t)w >= sizeof value)
            continue;
        bool evicted;
        hostnames_result res = hostnames_learn(p->shares, key, value, &evicted);
        p->c.smb_shares_learnt += res == HOSTNAMES_NEW;
        p->c.smb_share_evictions += evicted;
    }
}

/* The Windows events the fact stands for. */
static void stage_events(pipeline *p, fact_work *w)
{
    win_peer peer = {w->e.client, w->e.cport, w->e.server, server_name(p, w->a, w->fact, w->e.server), NULL, NULL};
    if (w->fact->h.kind == SMB_FACT_RPC && w->fact->u.rpc.nshares && w->e.server[0])
        learn_shares(p, w->e.server, &w->fact->u.rpc);
    const smb_fact_tree *tree = smb_fact_tree_of(w->fact);
    const char *share = tree ? winevent_share_part(tree->share) : NULL;
    const char *path;
    if ((w->fact->h.kind == SMB_FACT_CREATE || w->fact->h.kind == SMB_FACT_TREE_CONNECT) &&
        share_lookup(p, w->e.server, share, &path)) {
        peer.share_name = p->share_seen;
        peer.share_path = path;
    }
    w->nev = winevent_build(w->fact, &peer, p->ev, MAX_EVENTS);
    for (size_t i = 0; i < w->nev; i++) {
        int slot = pw_winlog_slot(p->ev[i].event_id);
        if (slot >= 0)
            p->c.events_winlog[slot]++;
    }
}

/* The Sigma rules each event matches. A match of a rule that a correlation
 * names is fed to the run's correlation engine; a rule that only counts for
 * a correlation gives no alert of its own. */
static void stage_rules(pipeline *p, fact_work *w)
{
    for (size_t i = 0; i < w->nev; i++) {
        size_t n = p->rules ? sigma_match_fixed(p->rules, &p->ev[i].sigma, p->m[i], MAX_MATCHES) : 0;
        if (n > MAX_MATCHES) {
            p->c.rule_matches_max_exceeded += n - MAX_MATCHES;
            n = MAX_MATCHES;
        }
        size_t kept = 0;
        for (size_t k = 0; k < n; k++) {
            const sigma_rule *r = p->m[i][k];
            size_t ri = sigma_rule_index(r);
            if (sigma_corr_wants(correlator, ri))
                sigma_corr_feed(correlator, ri, &p->ev[i].sigma, p->now, w->a->f->flow_id);
            if (sigma_rule_alerts(r))
                p->m[i][kept++] = r;
        }
        n = kept;
        p->nm[i] = n;
        p->c.alerts += n;
        if (n)
            w->a->alerted = true;
    }
}

/* The run's incident stage (one for all workers, behind its lock) gets a
 * small copy of the fact, its events and its alerts. */
static void stage_incidents(pipeline *p, fact_work *w)
{
    if (!incidents)
        return;
    incident_obs io;
    if (incident_obs_of_fact(w->fact, &io)) {
        io.client_ip = w->e.client;
        io.server_ip = w->e.server;
        io.client_port = w->e.cport;
        io.server_port = w->e.sport;
        io.flow_id = w->a->f->flow_id;
        io.ts_usec = p->now;
        incident_observe(incidents, &io);
    }
    for (size_t i = 0; i < w->nev; i++) {
        incident_input ii = {&p->ev[i], w->e.client, w->e.server, w->a->f->flow_id, p->now};
        incident_event(incidents, &ii);
        for (size_t k = 0; k < p->nm[i]; k++) {
            incident_obs o = {.kind = IO_ALERT,
                              .client_ip = w->e.client,
                              .server_ip = w->e.server,
                              .client_port = w->e.cport,
                              .server_port = w->e.sport,
                              .flow_id = w->a->f->flow_id,
                              .ts_usec = p->now,
                              .signature = sigma_rule_title(p->m[i][k]),
                              .signature_id = sigma_rule_signature_id(p->m[i][k])};
            incident_observe(incidents, &o);
        }
    }
}

/* Whoever watches facts and alerts besides the output (the run's summary). */
static void stage_observers(pipeline *p, fact_work *w)
{
    for (size_t k = 0; k < p->n_observers; k++) {
        const pipeline_observer *ob = &p->observers[k];
        if (ob->on_fact)
            ob->on_fact(ob->ctx, w->fact, w->e.client);
        const smb_fact_tree *t = smb_fact_tree_of(w->fact);
        const smb_fact_file *file = smb_fact_file_of(w->fact);
        for (size_t i = 0; ob->on_alert && i < w->nev; i++)
            for (size_t r = 0; r < p->nm[i]; r++)
                ob->on_alert(ob->ctx, p->m[i][r], t ? t->share : NULL, file ? file->filename : NULL, w->e.client);
    }
}

/* The records: the fact, then each event followed by its alerts. */
static void stage_output(pipeline *p, fact_work *w)
{
    const flow_app *a = w->a;
    /* a service or task call straight over TCP has no SMB operation of its
     * own: its dcerpc record (and its events) carry it */
    bool own_record = w->fact->h.transport != SMB_TRANSPORT_TCP || w->fact->h.kind == SMB_FACT_RPC;
    /* kept only when records of events follow the fact's own */
    rec_memo *memo = w->nev ? &p->smb_memo : NULL;
    if (memo)
        memo->valid = false;
    if (p->o->log_smb && own_record) {
        pw_record r = {.kind = REC_SMB, .hdr = w->h, .fact = w->fact, .tx_id = a->tx_id, .smb_memo = memo};
        emit(p, &r);
        if (w->fact->h.kind != SMB_FACT_RPC)
            p->c.events_smb++;
    }
    for (size_t i = 0; i < w->nev; i++) {
        if (p->o->log_winlog && !p->ev[i].def->family->rules_only) {
            pw_record r = {.kind = REC_WINLOG,
                           .hdr = w->h,
                           .fact = w->fact,
                           .tx_id = a->tx_id,
                           .ev = &p->ev[i],
                           .smb_memo = memo};
            emit(p, &r);
        }
        for (size_t k = 0; p->o->log_alert && k < p->nm[i]; k++) {
            pw_record r = {.kind = REC_ALERT,
                           .hdr = w->h,
                           .fact = w->fact,
                           .tx_id = a->tx_id,
                           .ev = &p->ev[i],
                           .rule = p->m[i][k],
                           .smb_memo = memo};
            emit(p, &r);
        }
    }
}

/* The fact stages, in order. */
#define FACT_STAGES(X) X(fact) X(events) X(rules) X(incidents) X(observers) X(output)

/* The parser's sink: one fact through the fact stages. */
static void on_fact(void *ctx, const smb_fact *fact)
{
    flow_app *a = ctx;
    pipeline *p = a->pl;
    fact_work w = {.a = a, .fact = fact};
#define RUN_FACT_STAGE(name) stage_##name(p, &w);
    FACT_STAGES(RUN_FACT_STAGE)
#undef RUN_FACT_STAGE
}

/* ------------------------------------------------------------- app layer */

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
    p->c.smb_rpc_memcap_drops += ss->rpc_memcap_drops;
    p->c.smb_auth_unrecognised += ss->auth_unrecognised;
    p->c.smb_by_dialect[pw_dialect_slot(smb_conn_dialect(a->smb))]++;
    lru_unlink(p, a);
    smb_conn_free(a->smb);
    a->smb = NULL;
    p->smb_mem -= p->smb_conn_cost;
}

/* A connection's name slots or buffers need room in a spent SMB memcap: the
 * least recently active other connections give up their state, as for a new
 * connection, so the traffic being parsed now is the traffic kept. */
/* The bytes of an admin-share write, for the hash of the file an incident lists. */
static void on_write(void *ctx, const smb_write_data *w)
{
    flow_app *a = ctx;
    endpoints e;
    endpoints_of(a, a->f, a->client_dir, &e);
    incident_obs o = {.kind = IO_WRITE, .client_ip = e.client, .server_ip = e.server, .client_port = e.cport,
                      .server_port = e.sport, .flow_id = a->f->flow_id, .ts_usec = a->pl->now, .share = w->share,
                      .name = w->filename, .file_id = w->file_id, .offset = w->offset, .data = w->data,
                      .len = w->len, .missing = w->missing};
    incident_observe(incidents, &o);
}

static void rpc_detach(pipeline *p, flow_app *a);

/* The least recently active connection gives up its parser state (SMB, or
 * DCE/RPC over TCP, which share the memcap) to make room. */
static void app_evict(pipeline *p, flow_app *old)
{
    if (old->smb)
        smb_detach(p, old);
    else
        rpc_detach(p, old);
    old->smb_refused = old->rpc_refused = old->smb_evicted = true;
    p->c.smb_memcap_evictions++;
}

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
        app_evict(p, old);
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
    for (int i = 0; i < 4 && p->smb_mem + p->smb_conn_cost > p->o->smb_memcap && p->smb_lru_head; i++)
        app_evict(p, p->smb_lru_head);
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
    if (incidents)
        smb_conn_set_write_hook(a->smb, on_write);
    lru_append(p, a);
    return true;
}

/* ------------------------------------------------ DCE/RPC over TCP */

/* "address/port" of one side of a flow: the key of the endpoint table. */
static bool endpoint_key(const char *ip, unsigned port, char *key, size_t n)
{
    int w = snprintf(key, n, "%s/%u", ip, port);
    return w > 0 && (size_t)w < n;
}

/* An ept_map reply named where an interface listens (its own address, or
 * the mapper's): the flows to it are DCE/RPC, for every worker. */
static void on_rpc_endpoint(void *ctx, const rpc_endpoint *e)
{
    flow_app *a = ctx;
    pipeline *p = a->pl;
    char ip[64], key[HOSTNAMES_ADDR_MAX + 1], uuid[40];
    if (e->have_ip)
        snprintf(ip, sizeof ip, "%u.%u.%u.%u", e->ip[0], e->ip[1], e->ip[2], e->ip[3]);
    else
        rec_format_ip(a->f->ipver, a->f->addr[a->rpc_client_dir == 1 ? 0 : 1], ip, sizeof ip);
    const char *iface = dcerpc_iface_name(e->iface);
    if (!iface) {
        dcerpc_uuid_format(e->uuid, uuid, sizeof uuid);
        iface = uuid;
    }
    bool evicted;
    if (endpoint_key(ip, e->port, key, sizeof key) &&
        hostnames_learn_at(p->endpoints, key, iface, p->now, &evicted) != HOSTNAMES_REFUSED) {
        p->c.rpc_endpoints_learned++;
        p->c.rpc_endpoint_evictions += evicted;
    }
}

/* The interface a learnt endpoint on side `side` of the flow names, while
 * its lifetime lasts: 0 none, else the dcerpc_iface plus one (unnamed
 * interfaces give DCERPC_IF_UNKNOWN + 1). */
static int endpoint_learnt(pipeline *p, const flow *f, int side)
{
    char ip[64], key[HOSTNAMES_ADDR_MAX + 1], name[HOSTNAMES_NAME_MAX + 1];
    uint64_t when;
    rec_format_ip(f->ipver, f->addr[side], ip, sizeof ip);
    if (!endpoint_key(ip, f->port[side], key, sizeof key) ||
        !hostnames_lookup_at(p->endpoints, key, name, sizeof name, &when) ||
        p->now - when > p->o->rpc_endpoint_timeout_usec)
        return 0;
    for (int i = 1; i < DCERPC_IF_COUNT; i++) {
        const char *n = dcerpc_iface_name((dcerpc_iface)i);
        if (n && strcmp(n, name) == 0)
            return i + 1;
    }
    return DCERPC_IF_UNKNOWN + 1;
}

static void start_rpc(pipeline *p, flow_app *a, int client_dir, dcerpc_iface expect)
{
    a->state = APP_RPC;
    a->rpc_client_dir = (int8_t)(client_dir == 1 ? 1 : 0);
    a->client_dir = a->rpc_client_dir;
    a->rpc_expect = (uint8_t)expect;
    p->c.rpc_flows++;
}

/* The parser of a DCE/RPC flow, made at its first byte and charged to the
 * SMB memcap, where the least recently active connections make room as for
 * an SMB connection. */
static bool rpc_ready(flow_app *a)
{
    if (a->rpc)
        return true;
    if (a->rpc_refused)
        return false;
    pipeline *p = a->pl;
    dcerpc_limits l;
    dcerpc_limits_default(&l);
    if (p->o->smb.max_rpc_buffer)
        l.max_stub = p->o->smb.max_rpc_buffer;
    dcerpc_tcp_sink sink = {on_fact, on_rpc_endpoint, a};
    for (int i = 0; i < 4 && !a->rpc && p->smb_lru_head; i++) {
        a->rpc = dcerpc_tcp_new(&l, a->rpc_client_dir, (dcerpc_iface)a->rpc_expect, sink, &p->smb_mem,
                                p->o->smb_memcap);
        if (!a->rpc)
            app_evict(p, p->smb_lru_head);
    }
    if (!a->rpc)
        a->rpc = dcerpc_tcp_new(&l, a->rpc_client_dir, (dcerpc_iface)a->rpc_expect, sink, &p->smb_mem,
                                p->o->smb_memcap);
    if (!a->rpc) {
        a->rpc_refused = true;
        p->c.rpc_memcap_drops++;
        return false;
    }
    lru_append(p, a);
    return true;
}

/* Reports the calls still in flight, adds the connection's counters to the
 * run's and frees its parser. */
static void rpc_detach(pipeline *p, flow_app *a)
{
    if (!a->rpc)
        return;
    dcerpc_tcp_flush(a->rpc);
    dcerpc_tcp_stats st = dcerpc_tcp_get_stats(a->rpc);
    p->c.rpc_calls += st.calls;
    p->c.rpc_answered_calls += st.answered_calls;
    p->c.rpc_sealed_calls += st.encrypted_calls;
    p->c.rpc_broken_calls += st.broken_calls;
    p->c.rpc_bad_headers += st.bad_headers;
    p->c.rpc_malformed += st.malformed;
    p->c.rpc_memcap_drops += st.memcap_drops;
    lru_unlink(p, a);
    dcerpc_tcp_free(a->rpc);
    a->rpc = NULL;
}

static void on_stream_data(void *ctx, int dir, const uint8_t *data, size_t len)
{
    flow_app *a = ctx;
    if (a->state == APP_RPC) {
        if (!rpc_ready(a))
            return;
        if (a->pl->smb_lru_tail != a) {
            lru_unlink(a->pl, a);
            lru_append(a->pl, a);
        }
        dcerpc_tcp_data(a->rpc, dir, data, len);
        return;
    }
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
    if (a->state == APP_RPC) {
        if (a->rpc)
            dcerpc_tcp_gap(a->rpc, dir, len);
        return;
    }
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
    if (f->proto == IPPROTO_TCP && (is_smb_port(p, f->port[0]) || is_smb_port(p, f->port[1]))) {
        start_smb(p, a);
    } else if (f->proto == IPPROTO_TCP && p->o->dcerpc_enabled) {
        int learnt;
        if (f->port[1] == EPM_PORT || f->port[0] == EPM_PORT) {
            start_rpc(p, a, f->port[1] == EPM_PORT ? 0 : 1, DCERPC_IF_EPM);
            p->c.rpc_flows_port135++;
        } else if (hostnames_count(p->endpoints) &&
                   ((learnt = endpoint_learnt(p, f, 1)) || (learnt = -endpoint_learnt(p, f, 0)))) {
            /* the responder's side first: with a SYN seen, it is the server */
            start_rpc(p, a, learnt > 0 ? 0 : 1, (dcerpc_iface)((learnt > 0 ? learnt : -learnt) - 1));
            p->c.rpc_flows_learned++;
        }
    }
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
    pw_record r = {.kind = REC_FLOW};
    endpoints_of(a, f, cdir, &e);
    hdr_of(p, f, &e, &r.hdr);
    r.hdr.pcap_cnt = 0;
    r.hdr.ts_usec = f->last_ts;
    flow_rec fr = {
        .app_proto = a->state == APP_RPC ? (a->smb_evicted   ? "dcerpc (memcap: evicted)"
                                            : a->rpc_refused ? "dcerpc (memcap: not parsed)"
                                                             : "dcerpc")
                     : a->state != APP_SMB ? NULL
                     : a->smb_evicted      ? "smb (memcap: evicted)"
                     : a->smb_refused      ? "smb (memcap: not parsed)"
                                           : "smb",
        .pkts_toserver = f->pkts[cdir],
        .pkts_toclient = f->pkts[!cdir],
        .bytes_toserver = f->bytes[cdir],
        .bytes_toclient = f->bytes[!cdir],
        .start_usec = f->first_ts,
        .end_usec = f->last_ts,
        .state = f->proto == IPPROTO_TCP ? (f->tcp.closed ? "closed" : "established") : NULL,
        .reason = reason,
        .alerted = a->alerted,
        .midstream = f->midstream,
        .app_name = a->app_name,
        .smb = ss,
        .smb_dialect = ss ? smb_dialect_name(smb_conn_dialect(a->smb)) : NULL,
    };
    r.flow = &fr;
    emit(p, &r);
    p->c.events_flow++;
}

static const char *release_reason(const pipeline *p, const flow *f)
{
    return p->finishing ? "shutdown" : f->tcp.closed ? "closed" : "timeout";
}

/* The end of a flow: deliver what the reassembler still holds, let the
 * parser report requests that never got an answer, then log the flow. */
static void end_flow(pipeline *p, flow *f, const char *reason)
{
    flow_app *a = f->app;
    if (!a) {
        stream_release(p->streams, &f->tcp);
        return;
    }
    if (f->last_ts > p->now)
        p->now = f->last_ts;
    if (a->state == APP_SMB || a->state == APP_RPC) {
        stream_sink sink = {on_stream_data, on_stream_gap, a};
        stream_flush(p->streams, &f->tcp, &sink);
    } else {
        stream_release(p->streams, &f->tcp);
    }
    if (a->smb)
        smb_conn_flush(a->smb); /* its last facts come before the flow record */
    if (a->rpc)
        dcerpc_tcp_flush(a->rpc);
    settle_app_name(p, a);
    if (p->o->log_flow)
        write_flow_record(p, f, a, reason);
    if (a->smb)
        smb_detach(p, a);
    rpc_detach(p, a);
    free(a);
    f->app = NULL;
}

/* The flow table lets a flow go (timeout, close, eviction, end of input).
 * Inside a lookup the flow is queued; otherwise (expiry and the final flush,
 * which run between packets) it ends at once. */
static void on_flow_release(void *ctx, flow *f)
{
    pipeline *p = ctx;
    if (p->in_lookup && p->rq_len < RELEASE_QUEUE) {
        released *r = &p->rq[p->rq_len++];
        r->f = *f;
        r->reason = release_reason(p, f);
        if (r->f.app)
            ((flow_app *)r->f.app)->f = &r->f;
        f->app = NULL;
        memset(&f->tcp, 0, sizeof(f->tcp)); /* its held segments moved with the copy */
        return;
    }
    end_flow(p, f, release_reason(p, f));
}

/* Ends the flows the last lookup released. Their records carry the number of
 * their own latest packet, not that of the packet whose lookup let them go. */
static void drain_released(pipeline *p)
{
    uint64_t pkt_no = p->pkt_no;
    for (size_t i = 0; i < p->rq_len; i++) {
        released *r = &p->rq[i];
        const flow_app *a = r->f.app;
        p->pkt_no = a ? a->last_no : 0;
        end_flow(p, &r->f, r->reason);
    }
    p->rq_len = 0;
    p->pkt_no = pkt_no;
}

/* ------------------------------------------------------------- lifecycle */

pipeline *pipeline_new(const pw_options *o, const sigma_ruleset *rules, pw_output *out)
{
    pipeline *p = calloc(1, sizeof(*p));
    if (!p)
        return NULL;
    p->o = o;
    p->rules = rules;
    p->out = out;
    p->layout = output_layout(out);
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
    p->shares = o->shares;
    if (!p->shares) {
        p->shares = hostnames_new(pw_max_shares(o->max_servers));
        p->own_shares = true;
    }
    p->endpoints = o->rpc_endpoints;
    if (!p->endpoints) {
        p->endpoints = hostnames_new(o->max_rpc_endpoints);
        p->own_endpoints = true;
    }
    jb_init(&p->jb, p->line, sizeof(p->line));
    if (!p->dec || !p->flows || !p->streams || (o->appid_enabled && !p->ndpi) || !p->hosts ||
        !p->tickets || !p->shares || !p->endpoints) {
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
    if (p->own_shares)
        hostnames_free(p->shares);
    if (p->own_endpoints)
        hostnames_free(p->endpoints);
    free(p);
}

bool pipeline_add_observer(pipeline *p, pipeline_observer ob)
{
    if (p->n_observers == PIPELINE_MAX_OBSERVERS)
        return false;
    p->observers[p->n_observers++] = ob;
    return true;
}

/* ---------------------------------------------------------------- packets */

static void classify(pipeline *p, flow_app *a, const decoded_pkt *pkt, int dir)
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
    int rpc = p->o->dcerpc_enabled ? dcerpc_probe(pkt->payload, pkt->payload_len) : DCERPC_PROBE_NO;
    if (rpc != DCERPC_PROBE_NO) {
        start_rpc(p, a, rpc == DCERPC_PROBE_CLIENT ? dir : !dir, DCERPC_IF_UNKNOWN);
        p->c.rpc_flows_probed++;
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
        incident_tick(incidents, p->now);
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

/* -------------------------------------------------------- packet stages
 * A frame goes through these in order until one has nothing more for it.
 * Classification comes before reassembly because only the flows that a
 * parser will read are reassembled; reassembly hands in-order bytes to the
 * app layer (on_stream_data: the SMB memcap, then the parser), whose facts
 * go through the fact stages above. */

typedef struct packet_work {
    int linktype;
    const uint8_t *data;
    uint32_t caplen;
    decoded_pkt *pkt; /* filled by decode */
    flow *f;
    int dir;
    flow_app *a;
} packet_work;

/* Each stage is stage_<name>(pipeline *, packet_work *), false when the
 * frame goes no further. */

static bool stage_decode(pipeline *p, packet_work *w)
{
    decode_result r = decode_packet(p->dec, w->linktype, w->data, w->caplen, p->now_pkt, w->pkt);
    if (r == DECODE_UNSUPPORTED_LINKTYPE)
        p->c.decode_unsupported++;
    return r == DECODE_OK && (w->pkt->proto == IPPROTO_TCP || w->pkt->proto == IPPROTO_UDP);
}

/* The flow of the packet. A flow the lookup evicts to make room ends right
 * after it, before this packet's own work (the release queue). */
static bool stage_flow(pipeline *p, packet_work *w)
{
    p->in_lookup = true;
    w->f = flow_lookup(p->flows, w->pkt, &w->dir);
    p->in_lookup = false;
    if (p->rq_len)
        drain_released(p);
    if (w->pkt->sport == 88 && w->pkt->payload_len)
        kdc_packet(p, w->pkt); /* a KDC's reply: who a ticket was issued to */
    if (!w->f)
        return false;
    w->a = w->f->app ? w->f->app : app_new(p, w->f);
    if (!w->a)
        return false;
    w->a->last_no = p->pkt_no;
    return true;
}

/* Which parser, if any, reads the flow (SMB ports, the SMB probe, nDPI). */
static bool stage_classify(pipeline *p, packet_work *w)
{
    if (w->a->state == APP_UNDECIDED || w->a->ndpi)
        classify(p, w->a, w->pkt, w->dir);
    return w->a->state == APP_SMB || w->a->state == APP_RPC;
}

static bool stage_stream(pipeline *p, packet_work *w)
{
    stream_sink sink = {on_stream_data, on_stream_gap, w->a};
    stream_segment(p->streams, &w->f->tcp, w->dir, w->pkt->seq, w->pkt->tcp_flags, w->pkt->payload,
                   w->pkt->payload_len, &sink);
    return true;
}

/* The packet stages, in order. Run as direct calls (the hot path), so the
 * compiler sees through them; the list is also their names. */
#define PACKET_STAGES(X) X(decode) X(flow) X(classify) X(stream)

bool pipeline_packet(pipeline *p, int linktype, uint64_t ts_usec, const uint8_t *data, uint32_t caplen,
                     uint32_t wirelen)
{
    p->c.packets++;
    p->c.bytes += wirelen;
    p->pkt_no = p->next_no ? p->next_no : p->c.packets;
    p->next_no = 0;
    p->now_pkt = ts_usec;
    if (ts_usec > p->now)
        p->now = ts_usec;
    if (!p->first_ts) {
        p->first_ts = ts_usec;
        p->last_expire = ts_usec;
    }
    decoded_pkt pkt;
    packet_work w = {.linktype = linktype, .data = data, .caplen = caplen, .pkt = &pkt};
#define RUN_PACKET_STAGE(name)                                                                                 \
    if (!stage_##name(p, &w))                                                                                  \
        goto done;
    PACKET_STAGES(RUN_PACKET_STAGE)
#undef RUN_PACKET_STAGE
done:
    maybe_expire(p);
    return !p->output_failed;
}

const char *pipeline_stage_names(char *buf, size_t n)
{
#define STAGE_NAME(name) #name,
    static const char *const packet[] = {PACKET_STAGES(STAGE_NAME)};
    static const char *const fact[] = {FACT_STAGES(STAGE_NAME)};
#undef STAGE_NAME
    size_t k = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sizeof(packet) / sizeof(packet[0]) && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " " : "", packet[i]);
    for (size_t i = 0; i < sizeof(fact) / sizeof(fact[0]) && k < n; i++)
        k += (size_t)snprintf(buf + k, n - k, "%s%s", i ? " " : " | ", fact[i]);
    return buf;
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
    output_flush(p->out);
}

uint64_t pipeline_now(const pipeline *p) { return p->now; }
uint64_t pipeline_first_ts(const pipeline *p) { return p->first_ts; }

/* The pipeline's own counters, with those its stages keep, added to c. */
void pipeline_counters(const pipeline *p, pw_counters *c)
{
    const decode_stats *d = decoder_stats(p->dec);
    const flow_stats *fs = flow_table_stats(p->flows);
    const stream_stats *ss = stream_engine_stats(p->streams);
    pw_counters m = p->c;
    m.decode_not_ip = d->not_ip;
    m.decode_truncated = d->truncated;
    m.decode_malformed = d->malformed;
    m.frags_reassembled = d->frags_reassembled;
    m.frags_dropped = d->frags_dropped;
    m.ipv6_frags = d->ipv6_frags;
    m.flows_timed_out = fs->timed_out;
    m.flows_evicted = fs->evicted;
    m.flow_memcap_drops = fs->memcap_drops;
    m.tcp_segments = ss->segments;
    m.tcp_out_of_order = ss->out_of_order;
    m.tcp_retransmitted = ss->retransmitted;
    m.tcp_overlaps = ss->overlaps;
    m.tcp_gaps = ss->gaps;
    m.tcp_gap_bytes = ss->gap_bytes;
    m.stream_memcap_drops = ss->memcap_drops;
    m.rule_regex_limit += sigma_ruleset_regex_limit_hits(p->rules);
    pw_counters_add(c, &m);
}

static void (*stats_extra)(jbuf *j, void *ctx);
static void *stats_extra_ctx;

void pipeline_set_stats_extra(void (*fn)(jbuf *j, void *ctx), void *ctx)
{
    stats_extra = fn;
    stats_extra_ctx = ctx;
}

/* The incident stage's counters, then the caller's own members. */
static void stats_more(jbuf *j, void *ctx)
{
    (void)ctx;
    if (incidents) {
        incident_stats is = incident_get_stats(incidents);
        jb_open_object(j, "incidents");
        jb_u64(j, "opened", is.opened);
        jb_u64(j, "reported", is.reported);
        jb_u64(j, "dropped", is.dropped);
        jb_u64(j, "evicted", is.evicted);
        jb_u64(j, "open_peak", is.open_peak);
        jb_u64(j, "max_open", is.max_open);
        jb_u64(j, "write_bytes_not_held", is.held_bytes_dropped);
        jb_close_object(j);
    }
    if (stats_extra)
        stats_extra(j, stats_extra_ctx);
}

void pipeline_write_stats(pw_output *out, const pw_counters *c, uint64_t ts_usec, uint64_t uptime_usec)
{
    char line[32768];
    pw_counters cc = *c;
    pipeline_count_shared(&cc);
    cc.output_dropped = output_dropped(out); /* the destination's count, not a worker's */
    output_unwritten_info u = output_unwritten(out);
    stats_rec st = {&cc, uptime_usec, u.records, u.reopen_failures, stats_more, NULL};
    pw_record r = {.kind = REC_STATS, .stats = &st};
    r.hdr.ts_usec = ts_usec;
    jbuf j;
    jb_init(&j, line, sizeof(line));
    output_layout(out)->build(&j, &r);
    size_t len;
    const char *s = jb_line(&j, &len);
    if (len)
        output_write(out, s, len);
}
