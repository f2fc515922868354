#!/usr/bin/python3
"""Re-cuts every TCP segment of a capture into 1-byte segments, reordered within windows of 4.

Usage: recut.py IN.pcap OUT.pcap [--seed N] [--window 4] [--verify]

Sequence numbers follow the bytes, IP length and IP/TCP checksums are recomputed, handshake and
pure ACK/FIN segments pass unchanged, and each packet gets a distinct timestamp in file order. The
reordering is drawn from a fixed seed, so the output is the same for the same input. A receiver
that reassembles correctly gets back exactly the original byte streams.
"""

import argparse
import random

from scapy.all import IP, TCP, PcapReader, PcapWriter


def cut(pkt):
    """The 1-byte segments of one packet, in byte order."""
    tcp = pkt[TCP]
    payload = bytes(tcp.payload)
    pieces = []
    for i in range(len(payload)):
        p = pkt.copy()
        p[TCP].remove_payload()
        p[TCP].seq = (tcp.seq + i) & 0xFFFFFFFF
        p[TCP].add_payload(payload[i:i + 1])
        del p[IP].len
        del p[IP].chksum
        del p[TCP].chksum
        pieces.append(p)
    return pieces


def streams(path):
    """Each direction's payload bytes keyed by sequence number, as a reassembler would place them."""
    flows = {}
    for pkt in PcapReader(path):
        if not pkt.haslayer(TCP):
            continue
        payload = bytes(pkt[TCP].payload)
        key = (pkt[IP].src, pkt[TCP].sport, pkt[IP].dst, pkt[TCP].dport)
        placed = flows.setdefault(key, {})
        for i, b in enumerate(payload):
            placed[(pkt[TCP].seq + i) & 0xFFFFFFFF] = b
    return {k: bytes(v[s] for s in sorted(v)) for k, v in flows.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("infile")
    ap.add_argument("outfile")
    ap.add_argument("--seed", type=int, default=4242)
    ap.add_argument("--window", type=int, default=4)
    ap.add_argument("--verify", action="store_true",
                    help="check that the output reassembles to the input's byte streams")
    args = ap.parse_args()
    rng = random.Random(args.seed)

    out = PcapWriter(args.outfile, sync=False)
    last_time = None
    emitted = 0
    for pkt in PcapReader(args.infile):
        batch = [pkt]
        if pkt.haslayer(TCP) and len(bytes(pkt[TCP].payload)) > 1:
            pieces = cut(pkt)
            batch = []
            for start in range(0, len(pieces), args.window):
                window = pieces[start:start + args.window]
                rng.shuffle(window)
                batch.extend(window)
        t = float(pkt.time)
        for p in batch:
            # Keep time strictly increasing in file order (1 microsecond apart at the least).
            if last_time is not None and t <= last_time:
                t = last_time + 1e-6
            p.time = t
            last_time = t
            # Rebuild from bytes so the recomputed lengths and checksums are what gets written.
            wire = p.__class__(bytes(p))
            wire.time = p.time
            out.write(wire)
            emitted += 1
    out.close()
    print("recut: %d packets written to %s" % (emitted, args.outfile))
    if args.verify:
        before, after = streams(args.infile), streams(args.outfile)
        if before != after:
            raise SystemExit("recut: reassembled streams differ from the input")
        print("recut: %d directions, %d payload bytes, identical after reassembly"
              % (len(after), sum(len(v) for v in after.values())))


if __name__ == "__main__":
    main()
