#!/usr/bin/env python3
"""Writes a capture of one SMB1 session the way old clients and Metasploit's
psexec speak it: NT LM 0.12 without Unicode (every string OEM, FLAGS2 Unicode
bit clear), a logon without extended security, and the legacy opens.

usage: smb1-legacy-pcap.py [--unicode] OUT.pcap [PAYLOAD]

PAYLOAD, when given, gets the bytes of the service binary written to ADMIN$,
so that a test can hash them with sha256sum. --unicode writes the same session
with Unicode strings (FLAGS2 Unicode bit set, CAP_UNICODE offered), each
aligned on an even offset from the SMB header.

The frames are built here from MS-CIFS (2.2.3 header, 2.2.4 commands,
2.2.6.1 TRANS2_OPEN2) on one TCP connection 10.99.1.2:49200 -> 10.99.1.1:445,
with its handshake and its close; every value is fixed, so the capture is the
same byte for byte on every run. What the session does:

- TREE_CONNECT_ANDX \\\\SRV\\ADMIN$, OPEN_ANDX \\updsvc.exe (read/write, create
  or truncate), the 768-byte binary written out of order (WRITE_ANDX at 512,
  WRITE_ANDX at 0, SMB_COM_WRITE at 256), CLOSE;
- TREE_CONNECT_ANDX \\\\SRV\\C$, SMB_COM_CREATE, SMB_COM_CREATE_NEW, an
  SMB_COM_OPEN answered STATUS_OBJECT_NAME_NOT_FOUND, TRANS2_OPEN2;
- TREE_CONNECT_ANDX \\\\SRV\\IPC$, OPEN_ANDX of PsExec's pipes under a renamed
  service (updsvc, updsvc-WKS01-4242-stdin/-stdout/-stderr).
"""
import random
import struct
import sys

CLIENT = bytes([10, 99, 1, 2])
SERVER = bytes([10, 99, 1, 1])
CPORT, SPORT = 49200, 445
MAC_C = bytes.fromhex("020000000002")
MAC_S = bytes.fromhex("020000000001")

FLAGS2_OEM = 0x4001  # NT status codes, long names; no Unicode, no extended security
FLAGS2_UNICODE = 0xC001
UNICODE = False
UID = 100
PID = 0x0BEE

STATUS_NOT_FOUND = 0xC0000034


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


class Tcp:
    """One connection's frames, with sequence numbers and checksums."""

    def __init__(self):
        self.frames = []
        self.seq = {0: 1000, 1: 50000}
        self.ip_id = {0: 1, 1: 1}
        self.t = 1700000000.0

    def frame(self, d, flags, payload=b""):
        src, dst = (CLIENT, SERVER) if d == 0 else (SERVER, CLIENT)
        sport, dport = (CPORT, SPORT) if d == 0 else (SPORT, CPORT)
        ack = self.seq[1 - d] if flags != 0x02 else 0
        tcp = struct.pack("!HHIIBBHHH", sport, dport, self.seq[d], ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        csum = checksum(pseudo + tcp + payload)
        tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
        total = 20 + len(tcp) + len(payload)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, self.ip_id[d], 0x4000, 64, 6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", checksum(ip)) + ip[12:]
        self.ip_id[d] += 1
        eth = (MAC_S + MAC_C if d == 0 else MAC_C + MAC_S) + b"\x08\x00"
        self.frames.append((self.t, eth + ip + tcp + payload))
        self.t += 0.0005
        self.seq[d] = (self.seq[d] + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF

    def handshake(self):
        self.frame(0, 0x02)
        self.frame(1, 0x12)
        self.frame(0, 0x10)

    def send(self, d, smb):
        self.frame(d, 0x18, struct.pack("!I", len(smb)) + smb)  # NBSS session message

    def close(self):
        self.frame(0, 0x11)
        self.frame(1, 0x11)
        self.frame(0, 0x10)

    def write(self, path):
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
            for t, data in self.frames:
                sec = int(t)
                usec = int(round((t - sec) * 1e6))
                f.write(struct.pack("<IIII", sec, usec, len(data), len(data)))
                f.write(data)


def smb(cmd, words, data, reply=False, status=0, tid=0xFFFF, mid=0, uid=UID):
    """One SMB1 message: header, WordCount, words, ByteCount, bytes."""
    flags = 0x98 if reply else 0x18
    hdr = b"\xffSMB" + struct.pack("<BIBH", cmd, status, flags, FLAGS2_UNICODE if UNICODE else FLAGS2_OEM)
    hdr += b"\0" * 12 + struct.pack("<HHHH", tid, PID, uid, mid)
    assert len(words) % 2 == 0
    return hdr + bytes([len(words) // 2]) + words + struct.pack("<H", len(data)) + data


def oem(s):
    return s.encode("latin-1") + b"\0"


def string(s, at):
    """An SMB_STRING whose first byte would sit at offset `at` from the SMB
    header: OEM as it is; Unicode after a pad byte when `at` is odd."""
    if not UNICODE:
        return oem(s)
    return b"\0" * (at & 1) + s.encode("utf-16-le") + b"\0\0"


def data_at(words):
    """Offset of the data bytes of a message with these parameter words."""
    return 32 + 1 + len(words) + 2


ANDX_NONE = b"\xff\x00\x00\x00"


class Session:
    def __init__(self, tcp):
        self.tcp = tcp
        self.mid = 1

    def req(self, cmd, words, data, tid=0xFFFF):
        self.mid += 1
        self.tcp.send(0, smb(cmd, words, data, tid=tid, mid=self.mid))
        return self.mid

    def rsp(self, cmd, words, data, tid=0xFFFF, status=0):
        self.tcp.send(1, smb(cmd, words, data, reply=True, status=status, tid=tid, mid=self.mid))

    def negotiate(self):
        dialects = b"".join(b"\x02" + oem(d) for d in ("PC NETWORK PROGRAM 1.0", "LANMAN1.0", "LM1.2X002", "NT LM 0.12"))
        self.req(0x72, b"", dialects)
        # NT SMBs, status32, large files ...; CAP_UNICODE only with --unicode; no extended security
        caps = 0x0000E3FC if UNICODE else 0x0000E3FC & ~0x4
        words = struct.pack("<HBHHIIIIQhB", 3, 0x03, 50, 1, 16644, 65536, 0, caps, 0, 0, 8)
        self.rsp(0x72, words, bytes(range(1, 9)) + string("WORKGROUP", data_at(words) + 8))

    def logon(self, user, domain):
        pw = bytes(24)
        words = ANDX_NONE + struct.pack("<HHHIHHII", 16644, 50, 0, 0, 24, 24, 0, 0x0000005C)
        d = pw + pw
        for text in (user, domain, "Unix", "Samba"):
            d += string(text, data_at(words) + len(d))
        self.req(0x73, words, d)
        words = ANDX_NONE + struct.pack("<H", 0)
        d = b""
        for text in ("Unix", "Samba", domain):
            d += string(text, data_at(words) + len(d))
        self.rsp(0x73, words, d)

    def tree(self, path, tid, service):
        words = ANDX_NONE + struct.pack("<HH", 0x0008, 1)
        self.req(0x75, words, b"\0" + string(path, data_at(words) + 1) + oem("?????"))
        words = ANDX_NONE + struct.pack("<H", 1)
        self.rsp(0x75, words, oem(service) + string("", data_at(words) + len(service) + 1), tid=tid)

    def open_andx(self, tid, name, access_mode, open_mode, fid, results, status=0):
        words = ANDX_NONE + struct.pack("<HHHHIHIII", 0x0001, access_mode, 0x0016, 0x0020, 0, open_mode, 0, 0, 0)
        self.req(0x2D, words, string(name, data_at(words)), tid=tid)
        if status:
            self.rsp(0x2D, b"", b"", tid=tid, status=status)
            return
        words = ANDX_NONE + struct.pack("<HHIIHHHHIH", fid, 0x0020, 0, 0, access_mode & 7, 0, 0, results, 0, 0)
        self.rsp(0x2D, words, b"", tid=tid)

    def core_open(self, cmd, tid, name, mode_or_attrs, fid, status=0):
        words = struct.pack("<HH", mode_or_attrs, 0x0016) if cmd == 0x02 else struct.pack("<HI", mode_or_attrs, 0)
        self.req(cmd, words, b"\x04" + string(name, data_at(words) + 1), tid=tid)
        if status:
            self.rsp(cmd, b"", b"", tid=tid, status=status)
        elif cmd == 0x02:
            self.rsp(cmd, struct.pack("<HHIIH", fid, 0x0020, 0, 0, mode_or_attrs), b"", tid=tid)
        else:
            self.rsp(cmd, struct.pack("<H", fid), b"", tid=tid)

    def open2(self, tid, name, access_mode, open_mode, fid, action):
        # TRANSACTION2: 15 words (14 + one setup word), Name (an empty OEM
        # string), a pad to 4, then the TRANS2_OPEN2 parameters
        head = 32 + 1 + 30 + 2
        name_field = string("", head)
        pad = (-(head + len(name_field))) % 4
        poff = head + len(name_field) + pad
        params = struct.pack("<HHHHIHI", 0, access_mode, 0, 0x0020, 0, open_mode, 0) + bytes(10)
        params += string(name, poff + len(params))
        words = struct.pack("<HHHHBBHIHHHHHBBH", len(params), 0, 30, 0, 0, 0, 0, 0, 0, len(params), poff, 0,
                            poff + len(params), 1, 0, 0x0000)
        self.req(0x32, words, name_field + bytes(pad) + params, tid=tid)
        rparams = struct.pack("<HHIIHHHHIHI", fid, 0x0020, 0, 0, access_mode & 7, 0, 0, action, 0, 0, 0)
        head = 32 + 1 + 20 + 2
        pad = (-(head + 1)) % 4
        poff = head + 1 + pad
        words = struct.pack("<HHHHHHHHHBB", len(rparams), 0, 0, len(rparams), poff, 0, 0, poff + len(rparams), 0, 0, 0)
        self.rsp(0x32, words, b"\0" + bytes(pad) + rparams, tid=tid)

    def write_andx(self, tid, fid, offset, data):
        head = 32 + 1 + 28 + 2
        pad = (-head) % 4
        words = ANDX_NONE + struct.pack("<HIIHHHHHI", fid, offset, 0, 0, 0, 0, len(data), head + pad, 0)
        self.req(0x2F, words, bytes(pad) + data, tid=tid)
        self.rsp(0x2F, ANDX_NONE + struct.pack("<HHI", len(data), 0, 0), b"", tid=tid)

    def write(self, tid, fid, offset, data):
        self.req(0x0B, struct.pack("<HHIH", fid, len(data), offset, 0), b"\x01" + struct.pack("<H", len(data)) + data,
                 tid=tid)
        self.rsp(0x0B, struct.pack("<H", len(data)), b"", tid=tid)

    def close(self, tid, fid):
        self.req(0x04, struct.pack("<HI", fid, 0xFFFFFFFF), b"", tid=tid)
        self.rsp(0x04, b"", b"", tid=tid)


def service_binary():
    rng = random.Random("pipewatch-smb1-legacy")
    return b"MZ\x90\x00" + bytes(rng.randrange(256) for _ in range(764))


def main():
    global UNICODE
    args = sys.argv[1:]
    if args and args[0] == "--unicode":
        UNICODE = True
        args = args[1:]
    if len(args) not in (1, 2):
        print(__doc__, file=sys.stderr)
        return 2
    binary = service_binary()
    tcp = Tcp()
    tcp.handshake()
    s = Session(tcp)
    s.negotiate()
    s.logon("Administrator", "WORKGROUP")
    admin, cdrive, ipc = 2001, 2002, 2003
    s.tree("\\\\SRV\\ADMIN$", admin, "A:")
    s.open_andx(admin, "\\updsvc.exe", 0x0042, 0x0012, 0x4000, 0x0002)
    s.write_andx(admin, 0x4000, 512, binary[512:])
    s.write_andx(admin, 0x4000, 0, binary[:256])
    s.write(admin, 0x4000, 256, binary[256:512])
    s.close(admin, 0x4000)
    s.tree("\\\\SRV\\C$", cdrive, "A:")
    s.core_open(0x03, cdrive, "\\Windows\\Temp\\run.bat", 0x0020, 0x4001)
    s.write(cdrive, 0x4001, 0, b"cmd.exe /c whoami > \\\\127.0.0.1\\C$\\out.txt\r\n")
    s.close(cdrive, 0x4001)
    s.core_open(0x0F, cdrive, "\\Windows\\Temp\\new.txt", 0x0020, 0x4002)
    s.close(cdrive, 0x4002)
    s.core_open(0x02, cdrive, "\\boot.ini", 0x0040, 0, status=STATUS_NOT_FOUND)
    s.open2(cdrive, "\\Windows\\Temp\\log.txt", 0x0012, 0x0011, 0x4003, 0x0002)
    s.close(cdrive, 0x4003)
    s.tree("\\\\SRV\\IPC$", ipc, "IPC")
    s.open_andx(ipc, "\\updsvc", 0x0042, 0x0001, 0x4004, 0x0001)
    s.open_andx(ipc, "\\updsvc-WKS01-4242-stdin", 0x0041, 0x0001, 0x4005, 0x0001)
    s.open_andx(ipc, "\\updsvc-WKS01-4242-stdout", 0x0040, 0x0001, 0x4006, 0x0001)
    s.open_andx(ipc, "\\updsvc-WKS01-4242-stderr", 0x0040, 0x0001, 0, 0, status=STATUS_NOT_FOUND)
    tcp.close()
    tcp.write(args[0])
    if len(args) == 2:
        with open(args[1], "wb") as f:
            f.write(binary)
    return 0


if __name__ == "__main__":
    sys.exit(main())
