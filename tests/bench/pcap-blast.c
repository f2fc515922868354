/*
 * pcap-blast: send every packet of a capture out of one interface as fast as the kernel takes them,
 * for the live benchmark when tcpreplay's top speed is below what a busy mirror port delivers.
 *
 *   pcap-blast [-n LOOPS] IFACE FILE.pcap
 *
 * The whole capture is read into memory first (no file reading while sending), then sent through a
 * raw packet socket bound to IFACE, with the queueing discipline bypassed (PACKET_QDISC_BYPASS) and
 * 64 packets a system call (sendmmsg). No pacing: this is a top-speed sender only. A packet the
 * kernel refuses for want of buffer space is sent again; any other error stops the run. At the end
 * it prints, on stdout, the two lines the benchmark reads (the words of tcpreplay's summary):
 *
 *   Actual: N packets (B bytes) sent in S seconds
 *   Rated: X Bps, Y Mbps, Z pps
 *
 * Needs CAP_NET_RAW (root).
 */
#include <pcap/pcap.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

struct pkt {
    size_t off;
    uint32_t len;
};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int usage(void)
{
    fprintf(stderr, "usage: pcap-blast [-n LOOPS] IFACE FILE.pcap\n");
    return 2;
}

int main(int argc, char **argv)
{
    long loops = 1;
    int opt;
    while ((opt = getopt(argc, argv, "n:")) != -1) {
        if (opt != 'n')
            return usage();
        char *end;
        loops = strtol(optarg, &end, 10);
        if (*end || loops < 1 || loops > 1000000) {
            fprintf(stderr, "pcap-blast: -n %s: not a count of 1 to 1000000\n", optarg);
            return 2;
        }
    }
    if (argc - optind != 2)
        return usage();
    const char *ifname = argv[optind], *file = argv[optind + 1];

    char err[PCAP_ERRBUF_SIZE];
    pcap_t *p = pcap_open_offline(file, err);
    if (!p) {
        fprintf(stderr, "pcap-blast: %s: %s\n", file, err);
        return 1;
    }
    if (pcap_datalink(p) != DLT_EN10MB) {
        fprintf(stderr, "pcap-blast: %s: link type %d, only Ethernet captures can be sent\n", file,
                pcap_datalink(p));
        pcap_close(p);
        return 1;
    }
    unsigned char *data = NULL;
    struct pkt *pkts = NULL;
    size_t used = 0, room = 0, n = 0, nroom = 0;
    struct pcap_pkthdr *h;
    const u_char *d;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &d)) == 1) {
        if (h->caplen < 14 || h->caplen > 65535)
            continue;
        if (used + h->caplen > room) {
            room = room ? room * 2 : 1u << 24;
            while (room < used + h->caplen)
                room *= 2;
            unsigned char *nd = realloc(data, room);
            if (!nd) {
                fprintf(stderr, "pcap-blast: %s: out of memory after %zu packets\n", file, n);
                return 1;
            }
            data = nd;
        }
        if (n == nroom) {
            nroom = nroom ? nroom * 2 : 65536;
            struct pkt *np = realloc(pkts, nroom * sizeof *np);
            if (!np) {
                fprintf(stderr, "pcap-blast: %s: out of memory after %zu packets\n", file, n);
                return 1;
            }
            pkts = np;
        }
        memcpy(data + used, d, h->caplen);
        pkts[n].off = used;
        pkts[n].len = h->caplen;
        used += h->caplen;
        n++;
    }
    if (rc == PCAP_ERROR) {
        fprintf(stderr, "pcap-blast: %s: %s (after %zu packets)\n", file, pcap_geterr(p), n);
        return 1;
    }
    pcap_close(p);
    if (n == 0) {
        fprintf(stderr, "pcap-blast: %s: no Ethernet packet to send\n", file);
        return 1;
    }

    unsigned ifindex = if_nametoindex(ifname);
    if (!ifindex) {
        fprintf(stderr, "pcap-blast: %s: no such interface\n", ifname);
        return 1;
    }
    int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: this socket receives nothing */
    if (fd < 0) {
        fprintf(stderr, "pcap-blast: packet socket: %s\n", strerror(errno));
        return 1;
    }
    int one = 1;
    if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one) < 0)
        fprintf(stderr, "pcap-blast: PACKET_QDISC_BYPASS: %s (sending through the qdisc)\n", strerror(errno));
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = (int)ifindex, .sll_protocol = 0};
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) {
        fprintf(stderr, "pcap-blast: bind to %s: %s\n", ifname, strerror(errno));
        return 1;
    }

    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0, bytes = 0, retries = 0;
    double t0 = now();
    for (long l = 0; l < loops; l++) {
        size_t i = 0;
        while (i < n) {
            unsigned k = 0;
            for (; k < BATCH && i + k < n; k++) {
                iov[k].iov_base = data + pkts[i + k].off;
                iov[k].iov_len = pkts[i + k].len;
                memset(&msgs[k], 0, sizeof msgs[k]);
                msgs[k].msg_hdr.msg_iov = &iov[k];
                msgs[k].msg_hdr.msg_iovlen = 1;
            }
            int r = sendmmsg(fd, msgs, k, 0);
            if (r < 0) {
                if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
                    retries++;
                    continue;
                }
                fprintf(stderr, "pcap-blast: send on %s: %s (after %" PRIu64 " packets)\n", ifname,
                        strerror(errno), sent);
                return 1;
            }
            for (int j = 0; j < r; j++)
                bytes += pkts[i + (size_t)j].len;
            sent += (uint64_t)r;
            i += (size_t)r;
        }
    }
    double secs = now() - t0;
    if (secs <= 0)
        secs = 1e-9;
    close(fd);
    printf("Actual: %" PRIu64 " packets (%" PRIu64 " bytes) sent in %.6f seconds\n", sent, bytes, secs);
    printf("Rated: %.1f Bps, %.2f Mbps, %.2f pps\n", (double)bytes / secs, (double)bytes * 8 / secs / 1e6,
           (double)sent / secs);
    if (retries)
        printf("Retried: %" PRIu64 " batches refused for want of buffer space\n", retries);
    free(pkts);
    free(data);
    return 0;
}
