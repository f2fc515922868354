#!/usr/bin/env python3
"""Writes hand-built seeds for fuzz_epm and fuzz_dcerpc_tcp (DCE/RPC straight over TCP).

usage: make-seeds-rpc-tcp.py OUTDIR   (OUTDIR is usually tests/fuzz/corpus)

fuzz_epm: ept_map request and reply stubs naming svcctl on port 49700, in
NDR and NDR64, both integer orders. fuzz_dcerpc_tcp: an endpoint mapper
association (bind, ept_map), and a svcctl one (bind, AUTH3 with an NTLMSSP
logon, CreateServiceW and its reply), in clear and sealed.
"""
import os
import struct
import sys

NDR = bytes.fromhex("045d888aeb1cc9119fe808002b104860")  # 8a885d04-1ceb-11c9-9fe8-08002b104860, as NDR sends it (LE)
SVCCTL = "367abb81-9844-35f1-ad32-98f038001003"
EPM = "e1af8308-5d1f-11c9-91a4-08002b14a0fa"


def uuid_le(u):
    h = bytes.fromhex(u.replace("-", ""))
    return h[3::-1] + h[5:3:-1] + h[7:5:-1] + h[8:]


def uuid_be(u):
    return bytes.fromhex(u.replace("-", ""))


def tower(iface, major, port):
    floors = [(b"\x0d" + uuid_le(iface) + struct.pack("<H", major), b"\x00\x00"),
              (b"\x0d" + NDR + struct.pack("<H", 2), b"\x00\x00"),
              (b"\x0b", b"\x00\x00"), (b"\x07", struct.pack(">H", port)), (b"\x09", bytes([10, 0, 0, 2]))]
    out = struct.pack("<H", len(floors))
    for lhs, rhs in floors:
        out += struct.pack("<H", len(lhs)) + lhs + struct.pack("<H", len(rhs)) + rhs
    return out


class W:
    def __init__(self, le, ndr64=False):
        self.b, self.e, self.ndr64 = bytearray(), "<" if le else ">", ndr64

    def align(self, a):
        while len(self.b) % a:
            self.b.append(0)

    def u16(self, v):
        self.align(2)
        self.b += struct.pack(self.e + "H", v)

    def u32(self, v):
        self.align(4)
        self.b += struct.pack(self.e + "I", v)

    def wide(self, v):
        if self.ndr64:
            self.align(8)
            self.b += struct.pack(self.e + "Q", v)
        else:
            self.u32(v)

    def raw(self, d):
        self.b += d

    def wstr(self, s):
        n = len(s) + 1
        self.u32(n)
        self.u32(0)
        self.u32(n)
        for c in s + "\0":
            self.u16(ord(c))


def map_request(le, ndr64):
    w, t = W(le, ndr64), tower(SVCCTL, 2, 49700)
    w.wide(1)
    w.u32(0)
    w.raw(bytes(12))
    w.wide(2)
    w.wide(len(t))
    w.u32(len(t))
    w.raw(t)
    w.align(4)
    w.raw(bytes(20))
    w.u32(4)
    return bytes(w.b)


def map_reply(le, ndr64):
    w, t = W(le, ndr64), tower(SVCCTL, 2, 49700)
    w.raw(bytes(20))
    w.u32(1)
    w.wide(4)
    w.wide(0)
    w.wide(1)
    w.wide(3)
    w.align(8 if ndr64 else 4)
    w.wide(len(t))
    w.u32(len(t))
    w.raw(t)
    w.align(4)
    w.u32(0)
    return bytes(w.b)


def pdu(ptype, call_id, body, auth_level=0, token=b""):
    e = "<"
    if token:
        pad = (-len(body)) % 4
        body += bytes(pad) + bytes([10, auth_level, pad, 0]) + struct.pack("<I", 1) + token
    hdr = bytes([5, 0, ptype, 3, 0x10, 0, 0, 0]) + struct.pack(e + "HHI", 16 + len(body), len(token), call_id)
    return hdr + body


def bind(iface, major, level=0, token=b""):
    body = struct.pack("<HHIB3x", 4280, 4280, 0, 1)
    body += struct.pack("<HBx", 0, 1) + uuid_le(iface) + struct.pack("<HH", major, 0) + NDR + struct.pack("<I", 2)
    return pdu(11, 1, body, level, token)


def bind_ack():
    body = struct.pack("<HHIH", 4280, 4280, 0x1234, 4) + b"135\0" + bytes(2)
    body += struct.pack("<B3x", 1) + struct.pack("<HH", 0, 0) + NDR + struct.pack("<I", 2)
    return pdu(12, 1, body)


def request(call_id, opnum, stub, level=0):
    return pdu(0, call_id, struct.pack("<IHH", len(stub), 0, opnum) + stub, level, bytes(16) if level else b"")


def response(call_id, stub, level=0):
    return pdu(2, call_id, struct.pack("<IHBx", len(stub), 0, 0) + stub, level, bytes(16) if level else b"")


def ntlm_auth(domain, user, ws):
    names = [n.encode("utf-16-le") for n in (domain, user, ws)]
    off, fields, payload = 72, b"", bytes([0x11]) * 24
    nt = struct.pack("<HHI", 24, 24, off)
    off += 24
    for n in names:
        fields += struct.pack("<HHI", len(n), len(n), off)
        off += len(n)
        payload += n
    head = b"NTLMSSP\0" + struct.pack("<I", 3) + bytes(8) + nt + fields + bytes(8) + struct.pack("<I", 0xE2088215)
    return head + bytes(72 - len(head)) + payload


def create_service(le):
    w = W(le)
    w.raw(bytes(range(0x10, 0x24)))
    w.wstr("BTOBTO")
    w.u32(0x20000)
    w.wstr("BTOBTO")
    for v in (0xF01FF, 0x10, 3, 0):
        w.u32(v)
    w.wstr("%COMSPEC% /Q /c echo dir ^> \\\\127.0.0.1\\C$\\__output")
    for _ in range(7):
        w.u32(0)
    return bytes(w.b)


def chunks(parts):
    out = b""
    for d, b in parts:
        out += struct.pack("<H", (len(b) << 2) | d) + b
    return out


def main():
    outdir = sys.argv[1]
    seeds = {}
    for le in (True, False):
        for ndr64 in (False, True):
            flag = bytes([(1 if le else 0) | (2 if ndr64 else 0)])
            seeds["fuzz_epm/map-request-%s-%s" % ("le" if le else "be", "ndr64" if ndr64 else "ndr")] = flag + map_request(le, ndr64)
            seeds["fuzz_epm/map-reply-%s-%s" % ("le" if le else "be", "ndr64" if ndr64 else "ndr")] = flag + map_reply(le, ndr64)
    seeds["fuzz_epm/tower"] = b"\x01" + tower(SVCCTL, 2, 49700)
    epm = [(0, bind(EPM, 3)), (1, bind_ack()), (0, request(2, 3, map_request(True, False))),
           (1, response(2, map_reply(True, False)))]
    seeds["fuzz_dcerpc_tcp/ept-map"] = bytes([12, 0]) + chunks(epm)
    for level, name in ((2, "clear"), (6, "sealed")):
        auth = ntlm_auth("CORP", "alice", "WKS7")
        svc = [(0, bind(SVCCTL, 2, level, bytes(40))), (1, bind_ack()),
               (0, pdu(16, 1, bytes(4), level, auth)),
               (0, request(2, 12, create_service(True), 6 if level == 6 else 0)),
               (1, response(2, bytes(4) + bytes(range(0x40, 0x54)) + bytes(4), 6 if level == 6 else 0))]
        seeds["fuzz_dcerpc_tcp/svcctl-" + name] = bytes([0, 1]) + chunks([(1 - d, b) for d, b in svc])
    for rel, data in seeds.items():
        path = os.path.join(outdir, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
