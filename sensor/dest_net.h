/* What the network destinations share: their URLs' pieces and sockets.
 * Each destination (dest_redis.c, dest_syslog.c, dest_gelf.c) sends from the
 * writer thread of its queue (dest_queue.h). */
#ifndef PW_DEST_NET_H
#define PW_DEST_NET_H

#include <stdbool.h>
#include <stddef.h>

#define NET_TIMEOUT_MS 2000 /* connect, send and reply timeout of one attempt */
#define NET_DRAIN_MS 5000   /* how long the end of a run waits for a queue to empty */

/* "host:port", "[v6]:port": false when malformed or the port is not 1..65535. */
bool net_split_hostport(const char *s, size_t len, char *host, size_t hostlen, int *port);
/* The value of key in a query "a=1&b=2" (copied into out); false when absent. */
bool net_query_get(const char *query, const char *key, char *out, size_t outlen);
/* A socket connected to host:port (SOCK_STREAM or SOCK_DGRAM) with send and
 * receive timeouts; -1 with a reason in err. */
int net_connect(const char *host, int port, int type, char *err, size_t errlen);
/* A connected unix socket of that type; -1 with a reason in err. */
int net_connect_unix(const char *path, int type, char *err, size_t errlen);
/* All n bytes, or false with a reason in err. */
bool net_send_all(int fd, const char *p, size_t n, char *err, size_t errlen);



/* One far end: a host and port or a unix socket, of one socket type. */
typedef struct net_peer {
    char host[256];
    int port;
    char unix_path[108]; /* set: the unix socket, host unused */
    int type;            /* SOCK_STREAM, SOCK_DGRAM */
    int fd;              /* -1: not connected */
} net_peer;

bool net_peer_connect(net_peer *p, char *err, size_t errlen);
void net_peer_close(net_peer *p);
/* "HOST:PORT[?query]" after the scheme into p (query: *query, NULL if none);
 * false when malformed. */
bool net_peer_parse(net_peer *p, const char *s, const char **query);
#endif
