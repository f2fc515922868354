#!/usr/bin/env python3
"""Writes seed inputs for the fuzz targets from capture files (classic pcap).

usage: make-seeds.py OUTDIR CAPTURE...   (OUTDIR is usually tests/fuzz/corpus)

Each capture gives: fuzz_decode and fuzz_pipeline inputs (its first frames),
fuzz_stream input (its TCP segments), fuzz_smb input (the TCP payload of
each connection on port 445/139, in the order of the capture, by direction),
fuzz_ntlmssp inputs (the security blobs of SMB2 SESSION_SETUPs), fuzz_dcerpc
input (the DCE/RPC PDUs carried in each connection's pipe reads and writes,
by direction) and fuzz_ndr inputs (the stubs of its RPC requests).
Seeds are capped at 60 KB so the fuzzer's -max_len keeps them whole.
"""
import os
import struct
import sys

LINKTYPES_PIPE = [1, 113, 276, 101, 12, 0, 108, 228, 229]
LINKTYPES_DEC = [1, 113, 276, 101, 12, 14, 0, 108, 228, 229]
CAP = 60000


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise SystemExit("%s: not a classic pcap" % path)
    linktype = struct.unpack(end + "I", data[20:24])[0]
    off = 24
    frames = []
    while off + 16 <= len(data):
        sec, usec, caplen, wirelen = struct.unpack(end + "IIII", data[off:off + 16])
        off += 16
        frames.append((sec * 1000000 + usec, data[off:off + caplen]))
        off += caplen
    return linktype, frames


def tcp_of(frame):
    """(src, dst, sport, dport, seq, flags, payload) of an Ethernet/IPv4/TCP frame, or None."""
    if len(frame) < 14:
        return None
    et = struct.unpack(">H", frame[12:14])[0]
    p = 14
    while et in (0x8100, 0x88A8) and len(frame) >= p + 4:
        et = struct.unpack(">H", frame[p + 2:p + 4])[0]
        p += 4
    if et != 0x0800 or len(frame) < p + 20:
        return None
    ihl = (frame[p] & 15) * 4
    tot = struct.unpack(">H", frame[p + 2:p + 4])[0]
    if frame[p + 9] != 6:
        return None
    src, dst = frame[p + 12:p + 16], frame[p + 16:p + 20]
    t = p + ihl
    if len(frame) < t + 20:
        return None
    sport, dport, seq = struct.unpack(">HHI", frame[t:t + 8])
    doff = (frame[t + 12] >> 4) * 4
    flags = frame[t + 13]
    payload = frame[t + doff:p + tot]
    return src, dst, sport, dport, seq, flags, payload


def session_blobs(payload):
    """Security blobs of the SMB2 SESSION_SETUP messages that open a segment."""
    out = []
    if len(payload) < 4 + 64 + 8 or payload[4:8] != b"\xfeSMB":
        return out
    smb = payload[4:]
    cmd, flags = struct.unpack("<H", smb[12:14])[0], struct.unpack("<I", smb[16:20])[0]
    if cmd != 1:
        return out
    body = smb[64:]
    if flags & 1:  # response: StructureSize, SessionFlags, then the buffer
        off, ln = struct.unpack("<HH", body[4:8])
    else:
        off, ln = struct.unpack("<HH", body[12:16])
    if ln and off + ln <= len(smb):
        out.append(smb[off:off + ln])
    return out


RPC_TYPES = (0, 2, 3, 11, 12, 13, 14, 15, 16)


def rpc_pdus(payload):
    """DCE/RPC PDUs (little-endian, whole) found in one segment's payload."""
    out = []
    i = 0
    while True:
        i = payload.find(b"\x05\x00", i)
        if i < 0 or i + 16 > len(payload):
            return out
        ptype, drep = payload[i + 2], payload[i + 4]
        frag = struct.unpack("<H", payload[i + 8:i + 10])[0]
        if ptype in RPC_TYPES and drep == 0x10 and 16 <= frag <= len(payload) - i:
            out.append(payload[i:i + frag])
            i += frag
        else:
            i += 1


def refragment(pdu, size):
    """A REQUEST or RESPONSE PDU without verifier cut into fragments of size stub bytes."""
    if pdu[2] not in (0, 2) or struct.unpack("<H", pdu[10:12])[0] or len(pdu) <= 24:
        return [pdu]
    head, stub, out = pdu[:24], pdu[24:], []
    for k in range(0, len(stub), size):
        part = stub[k:k + size]
        flags = (pdu[3] & ~3) | (1 if k == 0 else 0) | (2 if k + size >= len(stub) else 0)
        h = bytearray(head)
        h[3] = flags
        h[8:10] = struct.pack("<H", 24 + len(part))
        out.append(bytes(h) + part)
    return out


def write(outdir, target, name, blob):
    d = os.path.join(outdir, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), "wb") as f:
        f.write(blob[:CAP])


def main():
    if len(sys.argv) < 3:
        print(__doc__)
        return 2
    outdir = sys.argv[1]
    for path in sys.argv[2:]:
        name = os.path.splitext(os.path.basename(path))[0]
        linktype, frames = read_pcap(path)
        sel_p = bytes([LINKTYPES_PIPE.index(linktype) if linktype in LINKTYPES_PIPE else 0])
        sel_d = bytes([LINKTYPES_DEC.index(linktype) if linktype in LINKTYPES_DEC else 0])
        pipe, dec = bytearray(sel_p), bytearray(sel_d)
        prev = frames[0][0] if frames else 0
        for ts, fr in frames:
            step = min(255, max(0, (ts - prev) // 100000))
            prev = ts
            if len(pipe) + len(fr) + 3 < CAP:
                pipe += struct.pack("<HB", len(fr), step) + fr
            if len(dec) + len(fr) + 2 < CAP:
                dec += struct.pack("<H", len(fr)) + fr
        write(outdir, "fuzz_pipeline", name, bytes(pipe))
        write(outdir, "fuzz_decode", name, bytes(dec))
        # Connections: first SMB one gives fuzz_smb and fuzz_stream seeds.
        conns = {}
        for ts, fr in frames:
            t = tcp_of(fr)
            if not t:
                continue
            src, dst, sport, dport, seq, flags, payload = t
            if 445 not in (sport, dport) and 139 not in (sport, dport):
                continue
            key = tuple(sorted([(src, sport), (dst, dport)]))
            conns.setdefault(key, []).append(((src, sport), seq, flags, payload))
        for i, (key, segs) in enumerate(list(conns.items())[:4]):
            client = segs[0][0]
            smb, stream = bytearray(), bytearray()
            base = {}
            for who, seq, flags, payload in segs:
                d = 0 if who == client else 1
                base.setdefault(d, seq)
                if payload:
                    for k in range(0, len(payload), 0x3FFF):
                        part = payload[k:k + 0x3FFF]
                        smb += struct.pack("<H", (len(part) << 2) | d) + part
                part = payload[:0xFFF]
                stream += struct.pack("<BHI", flags, (d << 15) | len(part), (seq - base[d]) & 0xFFFFFFFF) + part
            for j, blob in enumerate(b for _, _, _, p in segs for b in session_blobs(p)):
                write(outdir, "fuzz_ntlmssp", "%s-%d-%d" % (name, i, j), b"\x00" + blob)
            write(outdir, "fuzz_smb", "%s-%d" % (name, i), bytes(smb))
            rpc, frag, nstub = bytearray(), bytearray(), 0
            for who, seq, flags, payload in segs:
                d = 0 if who == client else 1
                for pdu in rpc_pdus(payload):
                    rpc += struct.pack("<H", (len(pdu) << 2) | d) + pdu
                    for part in refragment(pdu, 7):
                        frag += struct.pack("<H", (len(part) << 2) | d) + part
                    if pdu[2] == 0 and len(pdu) > 24 and nstub < 8:
                        opnum = struct.unpack("<H", pdu[22:24])[0]
                        auth = struct.unpack("<H", pdu[10:12])[0]
                        end = len(pdu) - (auth + 8 if auth else 0)
                        if end > 24:
                            write(outdir, "fuzz_ndr", "%s-%d-%d" % (name, i, nstub),
                                  bytes([opnum & 0xFF, 1]) + pdu[24:end])
                            nstub += 1
            if rpc:
                write(outdir, "fuzz_dcerpc", "%s-%d" % (name, i), bytes(rpc))
                write(outdir, "fuzz_dcerpc", "%s-%d-frag7" % (name, i), bytes(frag))
            write(outdir, "fuzz_stream", "%s-%d" % (name, i), bytes(stream))
    return 0


if __name__ == "__main__":
    sys.exit(main())
