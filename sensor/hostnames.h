/* The servers' own names by address, learnt from NTLMSSP (the CHALLENGE's
 * target info, or the NTLMv2 response that echoes it) on one connection and
 * given to the events of every connection to that address, also those
 * authenticated otherwise (Kerberos) or seen without their logon.
 *
 * Cross-flow state, so one table serves all workers: a fixed array of
 * entries made at start (no allocation afterwards), a hash on the address
 * text and a least-recently-used order under one mutex. When full, the
 * least recently used server gives its place to the newcomer; evictions are
 * counted by the caller that caused them. */
#ifndef PW_HOSTNAMES_H
#define PW_HOSTNAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest name kept (a DNS name is at most 255 bytes). */
#define HOSTNAMES_NAME_MAX 255
/* Longest address text ("ffff:...:255.255.255.255"). */
#define HOSTNAMES_ADDR_MAX 63

typedef struct hostnames hostnames;

typedef enum hostnames_result {
    HOSTNAMES_SAME = 0, /* already known under that name */
    HOSTNAMES_NEW,      /* a server not in the table before */
    HOSTNAMES_CHANGED,  /* a known server now gives another name */
    HOSTNAMES_REFUSED,  /* address or name empty, or the address too long */
} hostnames_result;

/* A table of at most max_entries servers (at least 1); NULL when out of memory. */
hostnames *hostnames_new(uint32_t max_entries);
void hostnames_free(hostnames *t);
/* Bytes the table holds (for the memory figures). */
size_t hostnames_footprint(uint32_t max_entries);

/* Server addr is called name (cut to HOSTNAMES_NAME_MAX bytes on a UTF-8
 * boundary). *evicted is set when another server had to leave the table. */
hostnames_result hostnames_learn(hostnames *t, const char *addr, const char *name, bool *evicted);
/* Copies the name of server addr into buf (NUL-terminated, cut to n-1
 * bytes); false, and buf "", when the server has none. */
bool hostnames_lookup(hostnames *t, const char *addr, char *buf, size_t n);
/* The same with the time the entry was learnt (or last renamed). The table
 * also serves other keys than addresses (Kerberos tickets by client and
 * ticket id): any text of at most HOSTNAMES_ADDR_MAX bytes. */
hostnames_result hostnames_learn_at(hostnames *t, const char *key, const char *name, uint64_t when, bool *evicted);
bool hostnames_lookup_at(hostnames *t, const char *key, char *buf, size_t n, uint64_t *when);
/* Servers in the table now. */
uint32_t hostnames_count(hostnames *t);

#endif
