/* Capture sources: capture files (pcap and pcapng, one by one or every file
 * of a directory) and live interfaces, through libpcap. Errors are written
 * into a caller buffer as one line naming the file or interface. */
#ifndef PW_CAPTURE_H
#define PW_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <pcap/pcap.h>

#define CAPTURE_ERRLEN 512

/* Expands the -r arguments: a file stays itself, a directory gives its
 * regular files sorted by name (hidden files skipped). Returns a NULL-ended
 * malloc'd array of malloc'd strings, or NULL with err set. */
char **capture_expand_paths(const char *const *paths, size_t n, char *err, size_t errlen);
void capture_free_paths(char **list);

/* Opens a capture file with microsecond timestamps; checks the link type.
 * Returns NULL with err set ("FILE: reason"). */
pcap_t *capture_open_file(const char *path, const char *bpf, char *err, size_t errlen);
/* The same over a stream already open (a decompressed capture): libpcap
 * reads fp and closes it with the handle, also on failure. path names it in
 * errors. */
pcap_t *capture_open_stream(FILE *fp, const char *path, const char *bpf, char *err, size_t errlen);

/* The longest a packet waits in a partly filled kernel block before the
 * block is handed to the reader (TPACKET_V3 block retire timeout). */
#define CAPTURE_BLOCK_TIMEOUT_MS 50

/* Opens a live interface: promiscuous, snaplen, a kernel buffer of
 * buffer_mb (a TPACKET_V3 ring of blocks), a BPF filter. Returns NULL with
 * err set ("interface X: reason"). */
pcap_t *capture_open_live(const char *iface, int snaplen, int buffer_mb, bool promisc, const char *bpf,
                          char *err, size_t errlen);

#endif
