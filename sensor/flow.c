/* The flow table: chained hash on a node array reserved at start and touched
 * only as flows arrive (never-used nodes are taken in order, freed ones from a free list),
 * and four idle lists (TCP without payload yet, TCP open, TCP closed, UDP)
 * each ordered by last activity, so expiry and eviction only look at list
 * heads. A fifth list keeps creation order for a deterministic flush.
 *
 * Nodes not yet used are taken in order before the free list, so the
 * array's pages are touched only as flows arrive.
 *
 * The release callback must flush or release f->tcp (stream_flush /
 * stream_release): the table does not know the stream engine. */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX
#define FLOW_ID_MASK ((UINT64_C(1) << 51) - 1)

enum { L_EMBRYO, L_OPEN, L_CLOSED, L_UDP, L_COUNT };

typedef struct link2 {
    uint32_t prev, next;
} link2;

typedef struct fnode {
    flow f;         /* first: the callback's flow* converts back */
    uint32_t hnext; /* hash chain */
    uint32_t bucket;
    uint8_t list; /* which idle list */
    bool used;
    link2 idle, order;
} fnode;

typedef struct dlist {
    uint32_t head, tail;
} dlist;

struct flow_table {
    flow_config cfg;
    flow_stats st;
    flow_release_fn release;
    void *ctx;
    fnode *nodes;
    uint32_t *buckets; /* chain heads stored as index ^ NIL: zeroed memory is an empty table */
    uint32_t mask;
    uint32_t free_head;
    uint32_t fresh; /* nodes from here on were never used: not on the free list, not yet touched */
    dlist idle[L_COUNT], order;
    uint32_t last; /* flow returned by the previous lookup: its stream may have closed since */
};

void flow_config_default(flow_config *c)
{
    c->max_flows = 65536;
    c->tcp_timeout_usec = UINT64_C(600) * 1000000;
    c->tcp_closed_timeout_usec = UINT64_C(10) * 1000000;
    c->udp_timeout_usec = UINT64_C(60) * 1000000;
    c->emergency_timeout_usec = UINT64_C(10) * 1000000;
}

static void dl_remove(flow_table *t, dlist *l, uint32_t i, size_t off)
{
    link2 *k = (link2 *)((char *)&t->nodes[i] + off);
    if (k->prev != NIL)
        ((link2 *)((char *)&t->nodes[k->prev] + off))->next = k->next;
    else
        l->head = k->next;
    if (k->next != NIL)
        ((link2 *)((char *)&t->nodes[k->next] + off))->prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = NIL;
}

static void dl_append(flow_table *t, dlist *l, uint32_t i, size_t off)
{
    link2 *k = (link2 *)((char *)&t->nodes[i] + off);
    k->prev = l->tail;
    k->next = NIL;
    if (l->tail != NIL)
        ((link2 *)((char *)&t->nodes[l->tail] + off))->next = i;
    else
        l->head = i;
    l->tail = i;
}

#define IDLE_OFF offsetof(fnode, idle)
#define ORDER_OFF offsetof(fnode, order)

flow_table *flow_table_new(const flow_config *c, flow_release_fn release, void *ctx)
{
    flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    if (c)
        t->cfg = *c;
    else
        flow_config_default(&t->cfg);
    if (t->cfg.max_flows == 0)
        t->cfg.max_flows = 1;
    if (t->cfg.max_flows > (1u << 30))
        t->cfg.max_flows = 1u << 30;
    uint32_t nb = 1;
    while (nb < t->cfg.max_flows * 2u)
        nb <<= 1;
    t->mask = nb - 1;
    t->release = release;
    t->ctx = ctx;
    /* Both arrays are left as the allocator's fresh zero pages: a table
     * costs memory for the flows it has held, not for its size. */
    t->nodes = calloc(t->cfg.max_flows, sizeof(fnode));
    t->buckets = calloc(nb, sizeof(uint32_t));
    if (!t->nodes || !t->buckets) {
        free(t->nodes);
        free(t->buckets);
        free(t);
        return NULL;
    }
    t->free_head = NIL;
    t->fresh = 0;
    for (int l = 0; l < L_COUNT; l++)
        t->idle[l].head = t->idle[l].tail = NIL;
    t->order.head = t->order.tail = NIL;
    t->last = NIL;
    return t;
}

static inline uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= UINT64_C(0xbf58476d1ce4e5b9);
    x ^= x >> 27;
    x *= UINT64_C(0x94d049bb133111eb);
    x ^= x >> 31;
    return x;
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* A hash of the tuple that is the same for both directions: the endpoint
 * that sorts lower goes first. */
static uint64_t tuple_hash(uint8_t ipver, uint8_t proto, uint16_t vlan, const uint8_t *a, uint16_t pa,
                           const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, 16);
    if (c > 0 || (c == 0 && pa > pb)) {
        const uint8_t *x = a;
        a = b;
        b = x;
        uint16_t y = pa;
        pa = pb;
        pb = y;
    }
    uint64_t h = ((uint64_t)ipver << 56) ^ ((uint64_t)proto << 48) ^ ((uint64_t)vlan << 32) ^
                 ((uint64_t)pa << 16) ^ pb;
    h = mix64(h ^ load64(a));
    h = mix64(h ^ load64(a + 8));
    h = mix64(h ^ load64(b));
    h = mix64(h ^ load64(b + 8));
    return h;
}

static void classify(flow_table *t, uint32_t i)
{
    fnode *n = &t->nodes[i];
    if ((n->list == L_OPEN || n->list == L_EMBRYO) && n->f.tcp.closed) {
        dl_remove(t, &t->idle[n->list], i, IDLE_OFF);
        n->list = L_CLOSED;
        dl_append(t, &t->idle[L_CLOSED], i, IDLE_OFF);
    }
}

static void settle_last(flow_table *t)
{
    if (t->last != NIL && t->nodes[t->last].used)
        classify(t, t->last);
    t->last = NIL;
}

static void node_release(flow_table *t, uint32_t i)
{
    fnode *n = &t->nodes[i];
    if (t->release)
        t->release(t->ctx, &n->f);
    uint32_t *head = &t->buckets[n->bucket];
    if ((*head ^ NIL) == i) {
        *head = n->hnext ^ NIL;
    } else {
        uint32_t j = *head ^ NIL;
        while (t->nodes[j].hnext != i)
            j = t->nodes[j].hnext;
        t->nodes[j].hnext = n->hnext;
    }
    dl_remove(t, &t->idle[n->list], i, IDLE_OFF);
    dl_remove(t, &t->order, i, ORDER_OFF);
    n->used = false;
    n->hnext = t->free_head;
    t->free_head = i;
    t->st.active--;
    if (t->last == i)
        t->last = NIL;
}

static uint64_t timeout_of(const flow_table *t, int list)
{
    if (list == L_OPEN || list == L_EMBRYO)
        return t->cfg.tcp_timeout_usec;
    if (list == L_CLOSED)
        return t->cfg.tcp_closed_timeout_usec;
    return t->cfg.udp_timeout_usec;
}

void flow_table_expire(flow_table *t, uint64_t now_usec)
{
    settle_last(t);
    for (int l = 0; l < L_COUNT; l++) {
        uint64_t to = timeout_of(t, l);
        while (t->idle[l].head != NIL) {
            uint32_t i = t->idle[l].head;
            uint64_t last = t->nodes[i].f.last_ts;
            if (now_usec <= last || now_usec - last <= to)
                break;
            if (l == L_CLOSED)
                t->st.closed++;
            else
                t->st.timed_out++;
            node_release(t, i);
        }
    }
}

void flow_table_flush(flow_table *t)
{
    settle_last(t);
    while (t->order.head != NIL)
        node_release(t, t->order.head);
}

void flow_table_free(flow_table *t)
{
    if (!t)
        return;
    flow_table_flush(t);
    free(t->nodes);
    free(t->buckets);
    free(t);
}

const flow_stats *flow_table_stats(const flow_table *t) { return &t->st; }

uint64_t flow_table_bytes(uint32_t max_flows)
{
    uint64_t nb = 1;
    while (nb < (uint64_t)max_flows * 2u)
        nb <<= 1;
    return (uint64_t)max_flows * sizeof(fnode) + nb * sizeof(uint32_t);
}

/* A free node; when there is none, a new flow takes the place of the least
 * recently used TCP flow that has carried no payload yet (what a SYN flood
 * fills the table with), else of the least recently used flow. Dropping
 * the new flow instead would let whoever fills the table first blind the
 * sensor to every connection after. A flow pushed out while it was still
 * active (idle less than the emergency timeout) means the table is too
 * small for the traffic: counted in memcap_drops. */
static uint32_t node_get(flow_table *t, uint64_t now)
{
    if (t->free_head == NIL && t->fresh < t->cfg.max_flows)
        return t->fresh++;
    if (t->free_head == NIL) {
        uint32_t victim = t->idle[L_EMBRYO].head;
        for (int l = 0; l < L_COUNT && victim == NIL; l++) {
            uint32_t h = t->idle[l].head;
            if (h != NIL && (victim == NIL || t->nodes[h].f.last_ts < t->nodes[victim].f.last_ts))
                victim = h;
        }
        if (victim == NIL)
            return NIL;
        uint64_t last = t->nodes[victim].f.last_ts;
        t->st.evicted++;
        if (now <= last || now - last <= t->cfg.emergency_timeout_usec)
            t->st.memcap_drops++;
        node_release(t, victim);
    }
    uint32_t i = t->free_head;
    t->free_head = t->nodes[i].hnext;
    return i;
}

/* Direction of p in flow f: 0 or 1, -1 when p is not of f. */
static inline int match(const flow *f, const decoded_pkt *p)
{
    if (f->ipver != p->ipver || f->proto != p->proto || f->vlan_id != p->vlan_id)
        return -1;
    if (f->port[0] == p->sport && f->port[1] == p->dport && !memcmp(f->addr[0], p->src, 16) &&
        !memcmp(f->addr[1], p->dst, 16))
        return 0;
    if (f->port[0] == p->dport && f->port[1] == p->sport && !memcmp(f->addr[0], p->dst, 16) &&
        !memcmp(f->addr[1], p->src, 16))
        return 1;
    return -1;
}

/* p belongs to flow i: count it and make i the most recently used. */
static flow *touch(flow_table *t, uint32_t i, const decoded_pkt *p, int d, int *dir)
{
    fnode *n = &t->nodes[i];
    flow *f = &n->f;
    f->last_ts = p->ts_usec > f->last_ts ? p->ts_usec : f->last_ts;
    f->pkts[d]++;
    f->bytes[d] += p->payload_wire_len;
    uint8_t list = n->list == L_EMBRYO && p->payload_wire_len ? L_OPEN : n->list;
    if (list != n->list || t->idle[list].tail != i) {
        dl_remove(t, &t->idle[n->list], i, IDLE_OFF);
        n->list = list;
        dl_append(t, &t->idle[list], i, IDLE_OFF);
    }
    t->last = i;
    *dir = d;
    return f;
}

flow *flow_lookup(flow_table *t, const decoded_pkt *p, int *dir)
{
    if (p->proto != 6 && p->proto != 17)
        return NULL;
    bool tcp = p->proto == 6;
    bool syn_only = tcp && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN;
    /* Packets come in runs of one flow (a bulk transfer's segments): the
     * previous packet's flow is tried before hashing. */
    uint32_t prev = t->last;
    settle_last(t);
    if (prev != NIL && t->nodes[prev].used && !syn_only) {
        int d = match(&t->nodes[prev].f, p);
        if (d >= 0)
            return touch(t, prev, p, d, dir);
    }
    uint64_t h = tuple_hash(p->ipver, p->proto, p->vlan_id, p->src, p->sport, p->dst, p->dport);
    uint32_t b = (uint32_t)h & t->mask;
    for (uint32_t i = t->buckets[b] ^ NIL; i != NIL; i = t->nodes[i].hnext) {
        int d = match(&t->nodes[i].f, p);
        if (d < 0)
            continue;
        if (syn_only && t->nodes[i].f.tcp.closed) {
            /* port reuse: the old connection is over, this SYN opens a new one */
            t->st.closed++;
            node_release(t, i);
            break;
        }
        return touch(t, i, p, d, dir);
    }
    uint32_t i = node_get(t, p->ts_usec);
    if (i == NIL) {
        t->st.memcap_drops++;
        return NULL;
    }
    fnode *n = &t->nodes[i];
    memset(n, 0, sizeof(*n));
    flow *f = &n->f;
    f->ipver = p->ipver;
    f->proto = p->proto;
    f->vlan_id = p->vlan_id;
    /* a SYN-ACK seen first still tells who the client is */
    int d = tcp && (p->tcp_flags & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) ? 1 : 0;
    memcpy(f->addr[d], p->src, 16);
    memcpy(f->addr[d ^ 1], p->dst, 16);
    f->port[d] = p->sport;
    f->port[d ^ 1] = p->dport;
    f->midstream = tcp && !syn_only;
    f->first_ts = f->last_ts = p->ts_usec;
    f->pkts[d] = 1;
    f->bytes[d] = p->payload_wire_len;
    f->flow_id = mix64(h ^ mix64(p->ts_usec + UINT64_C(0x9e3779b97f4a7c15))) & FLOW_ID_MASK;
    if (!f->flow_id)
        f->flow_id = 1;
    n->used = true;
    n->bucket = b;
    n->hnext = t->buckets[b] ^ NIL;
    t->buckets[b] = i ^ NIL;
    n->list = !tcp ? L_UDP : p->payload_wire_len ? L_OPEN : L_EMBRYO;
    n->idle.prev = n->idle.next = n->order.prev = n->order.next = NIL;
    dl_append(t, &t->idle[n->list], i, IDLE_OFF);
    dl_append(t, &t->order, i, ORDER_OFF);
    t->st.created++;
    if (++t->st.active > t->st.peak_active)
        t->st.peak_active = t->st.active;
    t->last = i;
    *dir = d;
    return f;
}
