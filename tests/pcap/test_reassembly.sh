#!/bin/sh
# Reassembly against a synthetic capture: two TCP connections (IPv4 and IPv6,
# handshake, data both ways, FIN) are written by a small Python generator that
# also prints the digest each must give. The capture, then its pcap-recut
# rewrites (1-byte and 7-byte segments, shuffled within a window), must all
# give exactly those digests.
set -eu
BUILD=${BUILD:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 - "$tmp/in.pcap" >"$tmp/expected" <<'PY'
import random, struct, sys

rng = random.Random(4242)
out = open(sys.argv[1], "wb")
out.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
ts = [1700000000 * 1000000]

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def frame(v6, src, dst, sp, dp, seq, ack, flags, data):
    tcp = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 5 << 4, flags, 65535, 0, 0) + data
    if v6:
        pseudo = src + dst + struct.pack("!IxxxB", len(tcp), 6)
    else:
        pseudo = src + dst + struct.pack("!xBH", 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    if v6:
        ip = struct.pack("!IHBB", 0x60000000, len(tcp), 6, 64) + src + dst
        et = 0x86dd
    else:
        h = struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0) + src + dst
        ip = h[:10] + struct.pack("!H", csum(h)) + h[12:]
        et = 0x0800
    f = b"\x00\x01\x02\x03\x04\x05\x00\x06\x07\x08\x09\x0a" + struct.pack("!H", et) + ip + tcp
    ts[0] += 137
    out.write(struct.pack("<IIII", ts[0] // 1000000, ts[0] % 1000000, len(f), len(f)) + f)

def fnv(b):
    h = 0xcbf29ce484222325
    for x in b:
        h = ((h ^ x) * 0x100000001b3) & 0xffffffffffffffff
    return h

def conn(v6, cli, srv, cport, sport, isn_c, isn_s, name):
    sent = [b"", b""]
    seq = [isn_c + 1, isn_s + 1]
    ends = [(cli, cport), (srv, sport)]
    frame(v6, cli, srv, cport, sport, isn_c, 0, 0x02, b"")
    frame(v6, srv, cli, sport, cport, isn_s, seq[0], 0x12, b"")
    frame(v6, cli, srv, cport, sport, seq[0], seq[1], 0x10, b"")
    for i in range(60):
        d = rng.randrange(2)
        data = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 1400)))
        (a, ap), (b, bp) = ends[d], ends[1 - d]
        frame(v6, a, b, ap, bp, seq[d] & 0xffffffff, seq[1 - d] & 0xffffffff, 0x18, data)
        seq[d] += len(data)
        sent[d] += data
    frame(v6, cli, srv, cport, sport, seq[0] & 0xffffffff, seq[1] & 0xffffffff, 0x11, b"")
    frame(v6, srv, cli, sport, cport, seq[1] & 0xffffffff, (seq[0] + 1) & 0xffffffff, 0x11, b"")
    print("%s:%d %s:%d %d %016x 0 %d %016x 0" % (name[0], cport, name[1], sport, len(sent[0]), fnv(sent[0]),
                                                 len(sent[1]), fnv(sent[1])))

conn(False, bytes([10, 1, 0, 5]), bytes([10, 1, 0, 9]), 49152, 445, 0xffff0000, 7, ("10.1.0.5", "10.1.0.9"))
v6a = bytes.fromhex("20010db8000000000000000000000005")
v6b = bytes.fromhex("20010db8000000000000000000000009")
conn(True, v6a, v6b, 50000, 445, 12345, 0xfffffff0, ("2001:db8::5", "2001:db8::9"))
PY
sort "$tmp/expected" -o "$tmp/expected"
[ "$(wc -l <"$tmp/expected")" -eq 2 ]

check() {
    "$BUILD/tools/stream-digest" "$1" 2>/dev/null | sort >"$tmp/got"
    if ! cmp -s "$tmp/expected" "$tmp/got"; then
        echo "FAIL: $2"
        diff "$tmp/expected" "$tmp/got" || true
        exit 1
    fi
    echo "ok: $2"
}

check "$tmp/in.pcap" "original capture"
for args in "-n 1" "-n 7" "-n 1 -w 64 -s 1" "-n 7 -w 16 -s 2" "-n 500 -w 8 -s 3"; do
    # shellcheck disable=SC2086
    "$BUILD/tools/pcap-recut" $args "$tmp/in.pcap" "$tmp/out.pcap" 2>/dev/null
    check "$tmp/out.pcap" "pcap-recut $args"
done
