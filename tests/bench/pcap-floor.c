/*
 * pcap-floor: the cheapest possible pass over a capture with libpcap, to give the benchmark its
 * floor. It reads every packet with pcap_next_ex and touches nothing but the header, so what it
 * measures is file reading and libpcap's record parsing; no sensor can run faster on the same file.
 *
 *   pcap-floor FILE.pcap      prints "packets N bytes B" (B = sum of captured lengths)
 */
#include <pcap/pcap.h>

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: pcap-floor FILE.pcap\n");
        return 2;
    }
    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap-floor: %s: %s\n", argv[1], err);
        return 1;
    }
    uint64_t packets = 0, bytes = 0;
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        packets++;
        bytes += h->caplen;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap-floor: %s: %s (after %" PRIu64 " packets)\n", argv[1], pcap_geterr(p), packets);
        pcap_close(p);
        return 1;
    }
    pcap_close(p);
    printf("packets %" PRIu64 " bytes %" PRIu64 "\n", packets, bytes);
    return 0;
}
