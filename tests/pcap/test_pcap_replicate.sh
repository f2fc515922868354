#!/bin/sh
# pcap-replicate (the benchmark's capture multiplier) on a hand-built capture: exact addresses,
# ports, timestamps and order of every copy, checksums recomputed from scratch and compared, and
# the refusal to move an address out of its /8.
set -eu
BUILD=${BUILD:-build}
TOOL=$BUILD/tools/pcap-replicate
[ -x "$TOOL" ] || { echo "missing $TOOL (make unit-tests)"; exit 1; }
T=$(mktemp -d /tmp/pw-test-replicate.XXXXXX)
trap 'rm -rf "$T"' EXIT

python3 - "$TOOL" "$T" <<'EOF'
import struct, subprocess, sys

tool, tmp = sys.argv[1], sys.argv[2]

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF

def ip4(a):
    return bytes(int(x) for x in a.split("."))

def ipv4(src, dst, proto, l4, frag=0):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 0x1234, frag, 64, proto, 0, ip4(src), ip4(dst))
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + l4

def l4_csum(src, dst, proto, seg):
    return csum(ip4(src) + ip4(dst) + struct.pack("!BBH", 0, proto, len(seg)) + seg)

def tcp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHIIBBHHH", sport, dport, 1, 2, 0x50, 0x18, 65535, 0, 0) + payload
    c = l4_csum(src, dst, 6, seg)
    return seg[:16] + struct.pack("!H", c) + seg[18:]

def udp(src, dst, sport, dport, payload, zero=False):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    c = 0 if zero else (l4_csum(src, dst, 17, seg) or 0xFFFF)
    return seg[:6] + struct.pack("!H", c) + seg[8:]

ETH = b"\x02\0\0\0\0\x01\x02\0\0\0\0\x02"
def eth(payload, vlan=False, etype=0x0800):
    if vlan:
        return ETH + struct.pack("!HHH", 0x8100, 7, etype) + payload
    return ETH + struct.pack("!H", etype) + payload

A, B = "10.1.2.3", "10.1.2.4"
full5 = eth(ipv4(A, B, 6, tcp(A, B, 50001, 445, b"x" * 300)))
pkts = [  # (ts_us, frame, wire length)
    (1000_000000, eth(ipv4(A, B, 6, tcp(A, B, 50000, 445, b"SMB\x01q"))), None),
    (1000_000500, eth(ipv4(A, B, 17, udp(A, B, 40000, 53, b"query12")), vlan=True), None),
    (1000_000700, eth(ipv4(B, A, 6, tcp(B, A, 445, 50000, b"reply"))), None),
    (1000_200000, eth(ipv4(A, B, 17, udp(A, B, 65535, 1024, b"z", zero=True))), None),
    (1000_300000, eth(bytes(40) + b"v6", etype=0x86DD), None),
    (1000_300001, full5[:80], len(full5)),
    (1000_300002, eth(ipv4(A, B, 17, b"\xAA" * 16, frag=0x0003)), None),
]

def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for ts, frame, wire in packets:
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame), wire or len(frame)))
            f.write(frame)

def read_pcap(path):
    out = []
    with open(path, "rb") as f:
        data = f.read()
    assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4, "not a microsecond pcap"
    off = 24
    while off < len(data):
        sec, usec, caplen, wire = struct.unpack("<IIII", data[off:off + 16])
        out.append((sec * 1000000 + usec, data[off + 16:off + 16 + caplen], wire))
        off += 16 + caplen
    return out

def shift_port(p, i):
    return p if p < 1024 else 1024 + (p - 1024 + 7 * i) % 64512

def expect(frame, copy, wire):
    """The frame copy `copy` must hold, built from scratch (checksums recomputed, not patched)."""
    if copy == 0:
        return frame
    vlan = frame[12:14] == b"\x81\x00"
    l3 = 18 if vlan else 14
    if frame[l3 - 2:l3] != b"\x08\x00":
        return frame
    ip = frame[l3:]
    src = ".".join(str(b) for b in ip[12:16])
    dst = ".".join(str(b) for b in ip[16:20])
    def moved(a):
        v = struct.unpack("!I", ip4(a))[0] + 256 * copy
        return ".".join(str(b) for b in struct.pack("!I", v))
    nsrc, ndst = moved(src), moved(dst)
    proto, frag = ip[9], struct.unpack("!H", ip[6:8])[0]
    l4 = ip[20:]
    if frag & 0x1FFF == 0 and proto in (6, 17):
        sport, dport = struct.unpack("!HH", l4[:4])
        if wire != len(frame):  # truncated: rebuild the whole segment, then cut it the same way
            l4 = full5[l3 + 20:]
        payload = l4[20:] if proto == 6 else l4[8:]
        if proto == 6:
            l4 = tcp(nsrc, ndst, shift_port(sport, copy), shift_port(dport, copy), payload)
        else:
            zero = struct.unpack("!H", l4[6:8])[0] == 0
            l4 = udp(nsrc, ndst, shift_port(sport, copy), shift_port(dport, copy), payload, zero)
    new_ip = ipv4(nsrc, ndst, proto, b"", frag)[:20]
    new_ip = new_ip[:2] + ip[2:4] + new_ip[4:10] + b"\0\0" + new_ip[12:]
    new_ip = new_ip[:10] + struct.pack("!H", csum(new_ip)) + new_ip[12:]
    return (frame[:l3] + new_ip + l4)[:len(frame)]

inp, out = tmp + "/in.pcap", tmp + "/out.pcap"
write_pcap(inp, pkts)
fails = 0
def check(cond, msg):
    global fails
    if not cond:
        fails += 1
        print("FAIL:", msg)

# Three copies interleaved: copy j starts j ms later, packets merged by timestamp.
subprocess.run([tool, "-k", "3", inp, out], check=True)
got = read_pcap(out)
want = sorted(((ts + 1000 * j, j, i, expect(f, j, w or len(f)), w or len(f))
               for j in range(3) for i, (ts, f, w) in enumerate(pkts)), key=lambda x: (x[0], x[1]))
check(len(got) == 21, "21 packets, got %d" % len(got))
for n, ((ts, frame, wire), (wts, j, i, wframe, wwire)) in enumerate(zip(got, want)):
    check(ts == wts, "packet %d: ts %d, want %d (copy %d of input %d)" % (n, ts, wts, j, i))
    check(wire == wwire, "packet %d: wire length %d, want %d" % (n, wire, wwire))
    check(frame == wframe, "packet %d (copy %d of input %d): bytes differ\n got %s\nwant %s"
          % (n, j, i, frame.hex(), wframe.hex()))
# Spot values, spelled out: copy 2 of the first packet.
c2 = [f for ts, f, w in got if ts == 1000_002000][0]
check(c2[26:34] == ip4("10.1.4.3") + ip4("10.1.4.4"), "copy 2 addresses 10.1.4.3 -> 10.1.4.4")
check(struct.unpack("!HH", c2[34:38]) == (50014, 445), "copy 2 ports 50014 -> 445")
c1udp = [f for ts, f, w in got if ts == 1000_201000][0]
check(struct.unpack("!HHHH", c1udp[34:42])[:2] == (1030, 1031), "port 65535 wraps to 1030")
check(c1udp[40:42] == b"\0\0", "zero UDP checksum stays zero")

# One copy per group: groups follow each other, the next starting 1 s after the previous ends.
subprocess.run([tool, "-k", "2", "-g", "1", inp, out], check=True)
got = [ts for ts, f, w in read_pcap(out)]
span = pkts[-1][0] - pkts[0][0]
check(got == [p[0] for p in pkts] + [p[0] + span + 1000000 for p in pkts], "sequential groups: %s" % got)

# -c: only a prefix of the input is used.
subprocess.run([tool, "-k", "2", "-c", "2", inp, out], check=True)
check(len(read_pcap(out)) == 4, "-c 2 -k 2 gives 4 packets")

# An address whose copy would leave 10/8 is refused, not wrapped.
edge = tmp + "/edge.pcap"
write_pcap(edge, [(5, eth(ipv4("10.255.255.1", "10.0.0.1", 17, udp("10.255.255.1", "10.0.0.1", 5000, 53, b"q"))), None)])
r = subprocess.run([tool, "-k", "2", edge, out], capture_output=True, text=True)
check(r.returncode == 1 and "out of its /8" in r.stderr, "refusal: rc %d %s" % (r.returncode, r.stderr))

print("pcap-replicate: %d failures" % fails)
sys.exit(1 if fails else 0)
EOF
