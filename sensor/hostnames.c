#include "hostnames.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

typedef struct host_entry {
    uint32_t hnext;            /* next entry of the same bucket, NIL at the end */
    uint32_t prev, next;       /* least recently used first */
    uint64_t when;             /* learnt (or renamed) at */
    char addr[HOSTNAMES_ADDR_MAX + 1];
    char name[HOSTNAMES_NAME_MAX + 1];
} host_entry;

struct hostnames {
    pthread_mutex_t lock;
    uint32_t max, nbuckets, count;
    uint32_t lru_head, lru_tail, free_next; /* free_next: entries never used start there */
    uint32_t *buckets;
    host_entry *e;
};

static uint32_t bucket_count(uint32_t max)
{
    uint32_t n = 16;
    while (n < 2 * max && n < (1u << 30))
        n <<= 1;
    return n;
}

size_t hostnames_footprint(uint32_t max_entries)
{
    if (max_entries == 0)
        max_entries = 1;
    return sizeof(hostnames) + (size_t)bucket_count(max_entries) * sizeof(uint32_t) +
           (size_t)max_entries * sizeof(host_entry);
}

hostnames *hostnames_new(uint32_t max_entries)
{
    if (max_entries == 0)
        max_entries = 1;
    hostnames *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->max = max_entries;
    t->nbuckets = bucket_count(max_entries);
    t->buckets = malloc((size_t)t->nbuckets * sizeof(uint32_t));
    t->e = calloc(max_entries, sizeof(host_entry));
    if (!t->buckets || !t->e || pthread_mutex_init(&t->lock, NULL) != 0) {
        free(t->buckets);
        free(t->e);
        free(t);
        return NULL;
    }
    for (uint32_t i = 0; i < t->nbuckets; i++)
        t->buckets[i] = NIL;
    t->lru_head = t->lru_tail = NIL;
    return t;
}

void hostnames_free(hostnames *t)
{
    if (!t)
        return;
    pthread_mutex_destroy(&t->lock);
    free(t->buckets);
    free(t->e);
    free(t);
}

/* FNV-1a over the address text */
static uint32_t hash_addr(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 16777619u;
    return h;
}

static void lru_unlink(hostnames *t, uint32_t i)
{
    host_entry *x = &t->e[i];
    if (x->prev != NIL)
        t->e[x->prev].next = x->next;
    else
        t->lru_head = x->next;
    if (x->next != NIL)
        t->e[x->next].prev = x->prev;
    else
        t->lru_tail = x->prev;
    x->prev = x->next = NIL;
}

static void lru_append(hostnames *t, uint32_t i)
{
    host_entry *x = &t->e[i];
    x->prev = t->lru_tail;
    x->next = NIL;
    if (t->lru_tail != NIL)
        t->e[t->lru_tail].next = i;
    else
        t->lru_head = i;
    t->lru_tail = i;
}

static void touch(hostnames *t, uint32_t i)
{
    if (t->lru_tail != i) {
        lru_unlink(t, i);
        lru_append(t, i);
    }
}

static uint32_t find(const hostnames *t, const char *addr, uint32_t b)
{
    for (uint32_t i = t->buckets[b]; i != NIL; i = t->e[i].hnext) {
        if (strcmp(t->e[i].addr, addr) == 0)
            return i;
    }
    return NIL;
}

static void bucket_remove(hostnames *t, uint32_t i)
{
    uint32_t b = hash_addr(t->e[i].addr) & (t->nbuckets - 1);
    uint32_t *link = &t->buckets[b];
    while (*link != NIL && *link != i)
        link = &t->e[*link].hnext;
    if (*link == i)
        *link = t->e[i].hnext;
}

/* Largest n <= len that does not cut a UTF-8 sequence in two. */
static size_t utf8_cut(const char *s, size_t len, size_t n)
{
    if (n >= len)
        return len;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void set_name(host_entry *x, const char *name)
{
    size_t n = utf8_cut(name, strlen(name), HOSTNAMES_NAME_MAX);
    memcpy(x->name, name, n);
    x->name[n] = '\0';
}

static bool same_name(const host_entry *x, const char *name)
{
    size_t n = utf8_cut(name, strlen(name), HOSTNAMES_NAME_MAX);
    return strlen(x->name) == n && memcmp(x->name, name, n) == 0;
}

hostnames_result hostnames_learn(hostnames *t, const char *addr, const char *name, bool *evicted)
{
    return hostnames_learn_at(t, addr, name, 0, evicted);
}

hostnames_result hostnames_learn_at(hostnames *t, const char *addr, const char *name, uint64_t when, bool *evicted)
{
    if (evicted)
        *evicted = false;
    if (!t || !addr || !name || !addr[0] || !name[0] || strlen(addr) > HOSTNAMES_ADDR_MAX)
        return HOSTNAMES_REFUSED;
    pthread_mutex_lock(&t->lock);
    uint32_t b = hash_addr(addr) & (t->nbuckets - 1);
    uint32_t i = find(t, addr, b);
    hostnames_result r;
    if (i != NIL) {
        r = same_name(&t->e[i], name) ? HOSTNAMES_SAME : HOSTNAMES_CHANGED;
        if (r == HOSTNAMES_CHANGED)
            set_name(&t->e[i], name);
        t->e[i].when = when;
        touch(t, i);
    } else {
        if (t->free_next < t->max) {
            i = t->free_next++;
            t->count++;
        } else {
            /* full: the least recently used server makes room */
            i = t->lru_head;
            lru_unlink(t, i);
            bucket_remove(t, i);
            if (evicted)
                *evicted = true;
        }
        host_entry *x = &t->e[i];
        memcpy(x->addr, addr, strlen(addr) + 1);
        set_name(x, name);
        x->when = when;
        x->hnext = t->buckets[b];
        t->buckets[b] = i;
        lru_append(t, i);
        r = HOSTNAMES_NEW;
    }
    pthread_mutex_unlock(&t->lock);
    return r;
}

bool hostnames_lookup(hostnames *t, const char *addr, char *buf, size_t n)
{
    return hostnames_lookup_at(t, addr, buf, n, NULL);
}

bool hostnames_lookup_at(hostnames *t, const char *addr, char *buf, size_t n, uint64_t *when)
{
    if (n == 0)
        return false;
    buf[0] = '\0';
    if (!t || !addr || !addr[0])
        return false;
    pthread_mutex_lock(&t->lock);
    uint32_t i = find(t, addr, hash_addr(addr) & (t->nbuckets - 1));
    if (i != NIL) {
        const host_entry *x = &t->e[i];
        size_t len = utf8_cut(x->name, strlen(x->name), n - 1);
        memcpy(buf, x->name, len);
        buf[len] = '\0';
        if (when)
            *when = x->when;
        touch(t, i);
    }
    pthread_mutex_unlock(&t->lock);
    return i != NIL;
}

uint32_t hostnames_count(hostnames *t)
{
    pthread_mutex_lock(&t->lock);
    uint32_t n = t->count;
    pthread_mutex_unlock(&t->lock);
    return n;
}
