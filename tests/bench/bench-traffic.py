#!/usr/bin/python3
"""Traffic actors for tests/bench/make-bench-pcap.sh, run inside its network namespaces.

  bench-traffic.py dns-server ADDR            answer every A query with a fixed address
  bench-traffic.py dns-client SERVER COUNT    send COUNT queries, wait for each answer (1 s max)
  bench-traffic.py smb-session SERVER SEED    one impacket SMB2 session: pipe opens, listings,
                                              small file I/O and, on some seeds, a PsExec-like run
  bench-traffic.py smb-dense SERVER SEED N    N short impacket sessions, each on its own TCP
                                              connection: a few pipe opens on IPC$, small files
                                              created, written, read and deleted, a listing; on
                                              every fourth a PsExec-like run without the big binary

Every network wait has a timeout; errors from the server (unknown pipes, refused services) are the
expected, realistic answers and are counted, not fatal.
"""
import os
import random
import socket
import struct
import sys

PASSWORD = "Passw0rd!"
DOMAIN = "CORP"


def dns_server(addr):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind((addr, 53))
    answer_ip = socket.inet_aton("10.77.0.200")
    while True:
        data, peer = sock.recvfrom(2048)
        if len(data) < 12:
            continue
        qid, _flags, qdcount = struct.unpack("!HHH", data[:6])
        if qdcount != 1:
            continue
        # The question runs from byte 12 to the end of its name plus type and class.
        end = 12
        while end < len(data) and data[end] != 0:
            end += data[end] + 1
        end += 5
        if end > len(data):
            continue
        question = data[12:end]
        header = struct.pack("!HHHHHH", qid, 0x8180, 1, 1, 0, 0)
        rr = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + answer_ip
        sock.sendto(header + question + rr, peer)


def dns_client(server, count):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(1.0)
    hosts = ["fs01", "dc01", "wks%02d" % random.randint(1, 60), "intranet", "wpad", "printer3"]
    answered = 0
    for i in range(count):
        name = "%s.corp.example" % hosts[i % len(hosts)]
        q = struct.pack("!HHHHHH", random.randint(0, 0xFFFF), 0x0100, 1, 0, 0, 0)
        for label in name.split("."):
            q += bytes([len(label)]) + label.encode()
        q += b"\x00" + struct.pack("!HH", 1, 1)
        sock.sendto(q, (server, 53))
        try:
            sock.recvfrom(2048)
            answered += 1
        except socket.timeout:
            pass
    print("dns-client: %d/%d answered" % (answered, count))


GENERIC_READ = 0x80000000
GENERIC_WRITE = 0x40000000
PIPE_ACCESS = 0x0012019F
FILE_RW = 0x00000003


def try_open(conn, tid, name, access, stats):
    try:
        fid = conn.openFile(tid, name, desiredAccess=access)
        conn.closeFile(tid, fid)
        stats["ok"] += 1
    except Exception:
        stats["fail"] += 1


def psexec_like(conn, server, rnd, stats):
    """The sequence a (possibly renamed) PsExec leaves on the wire: ADMIN$ write of the service
    binary, svcctl over IPC$, then the tool's control and stdio pipes."""
    from impacket.dcerpc.v5 import scmr, transport

    renamed = rnd.random() < 0.6
    svc = rnd.choice(["xyz", "updsvc", "wmisync"]) if renamed else "PSEXESVC"
    host = "WKS%02d" % rnd.randint(1, 60)
    pid = rnd.randint(1000, 9999)
    exe = svc + ".exe"
    body = b"MZ" + bytes(rnd.getrandbits(8) for _ in range(4094)) * 48
    pos = [0]

    def reader(size):
        chunk = body[pos[0]:pos[0] + size]
        pos[0] += len(chunk)
        return chunk

    try:
        conn.putFile("ADMIN$", exe, reader)
        stats["ok"] += 1
    except Exception:
        stats["fail"] += 1
    try:
        rpc = transport.SMBTransport(server, 445, r"\svcctl", smb_connection=conn)
        dce = rpc.get_dce_rpc()
        dce.connect()
        dce.bind(scmr.MSRPC_UUID_SCMR)
        handle = scmr.hROpenSCManagerW(dce)["lpScHandle"]
        try:
            scmr.hRCreateServiceW(dce, handle, svc + "\x00", svc + "\x00",
                                  lpBinaryPathName="%%SystemRoot%%\\%s\x00" % exe,
                                  dwStartType=scmr.SERVICE_DEMAND_START)
        except Exception:
            stats["fail"] += 1
        try:
            scmr.hROpenServiceW(dce, handle, svc + "\x00")
        except Exception:
            stats["fail"] += 1
        dce.disconnect()
        stats["ok"] += 1
    except Exception:
        stats["fail"] += 1
    ipc = conn.connectTree("IPC$")
    try_open(conn, ipc, svc, PIPE_ACCESS, stats)
    for suffix, access in (("stdin", GENERIC_WRITE), ("stdout", GENERIC_READ), ("stderr", GENERIC_READ)):
        try_open(conn, ipc, "%s-%s-%d-%s" % (svc, host, pid, suffix), access, stats)
    conn.disconnectTree(ipc)
    try:
        conn.deleteFile("ADMIN$", exe)
    except Exception:
        stats["fail"] += 1


def smb_session(server, seed):
    from impacket.smb3structs import SMB2_DIALECT_21, SMB2_DIALECT_30
    from impacket.smbconnection import SMBConnection

    rnd = random.Random(seed)
    stats = {"ok": 0, "fail": 0}
    dialect = SMB2_DIALECT_21 if seed % 2 == 0 else SMB2_DIALECT_30
    user = ["Administrator", "alice", "svc_backup"][seed % 3]
    conn = SMBConnection("FILESRV01", server, sess_port=445, preferredDialect=dialect, timeout=20)
    conn.login(user, PASSWORD, DOMAIN)
    ipc = conn.connectTree("IPC$")
    pipes = ["srvsvc", "wkssvc", "lsarpc", "samr", "netlogon", "winreg", "spoolss", "svcctl", "atsvc",
             "eventlog", "browser", "ntsvcs", "epmapper"]
    for _ in range(40):
        try_open(conn, ipc, rnd.choice(pipes), PIPE_ACCESS, stats)
    conn.disconnectTree(ipc)
    for pattern in ("*", "dir\\*", "dir\\sub\\*"):
        try:
            conn.listPath("data", pattern)
            stats["ok"] += 1
        except Exception:
            stats["fail"] += 1
    small = bytes(rnd.getrandbits(8) for _ in range(65536)) * 8
    name = "imp_%d.bin" % seed
    pos = [0]

    def reader(size):
        chunk = small[pos[0]:pos[0] + size]
        pos[0] += len(chunk)
        return chunk

    sink = []
    try:
        conn.putFile("data", name, reader)
        conn.getFile("data", name, lambda b: sink.append(len(b)))
        conn.deleteFile("data", name)
        stats["ok"] += 1
    except Exception:
        stats["fail"] += 1
    if seed % 3 != 2:
        psexec_like(conn, server, rnd, stats)
    conn.logoff()
    print("smb-session %d: %d ok, %d refused" % (seed, stats["ok"], stats["fail"]))


def smb_dense(server, seed, count):
    from impacket.smb3structs import SMB2_DIALECT_21, SMB2_DIALECT_30
    from impacket.smbconnection import SMBConnection

    rnd = random.Random(seed)
    stats = {"ok": 0, "fail": 0}
    pipes = ["srvsvc", "wkssvc", "lsarpc", "samr", "netlogon", "winreg", "spoolss", "svcctl", "atsvc",
             "eventlog", "browser", "ntsvcs", "epmapper"]
    for n in range(count):
        dialect = SMB2_DIALECT_21 if (seed + n) % 2 == 0 else SMB2_DIALECT_30
        user = ["Administrator", "alice", "svc_backup"][(seed + n) % 3]
        try:
            conn = SMBConnection("FILESRV01", server, sess_port=445, preferredDialect=dialect, timeout=20)
            conn.login(user, PASSWORD, DOMAIN)
        except Exception:
            stats["fail"] += 1
            continue
        ipc = conn.connectTree("IPC$")
        for _ in range(rnd.randint(3, 8)):
            try_open(conn, ipc, rnd.choice(pipes), PIPE_ACCESS, stats)
        if n % 4 == 0:
            svc = rnd.choice(["xyz", "updsvc", "wmisync", "PSEXESVC"])
            host, pid = "WKS%02d" % rnd.randint(1, 60), rnd.randint(1000, 9999)
            try_open(conn, ipc, svc, PIPE_ACCESS, stats)
            for suffix, access in (("stdin", GENERIC_WRITE), ("stdout", GENERIC_READ), ("stderr", GENERIC_READ)):
                try_open(conn, ipc, "%s-%s-%d-%s" % (svc, host, pid, suffix), access, stats)
        conn.disconnectTree(ipc)
        data = conn.connectTree("data")
        for k in range(rnd.randint(2, 6)):
            name = "d%d_%d_%d.txt" % (seed, n, k)
            try:
                fid = conn.createFile(data, name, desiredAccess=FILE_RW | 0x00010000)
                conn.writeFile(data, fid, bytes(rnd.getrandbits(8) for _ in range(rnd.randint(64, 2048))))
                conn.readFile(data, fid, 0, 512)
                conn.closeFile(data, fid)
                conn.deleteFile("data", name)
                stats["ok"] += 1
            except Exception:
                stats["fail"] += 1
        try:
            conn.listPath("data", "dir\\sub\\*")
            stats["ok"] += 1
        except Exception:
            stats["fail"] += 1
        conn.disconnectTree(data)
        try:
            conn.logoff()
            conn.close()
        except Exception:
            pass
    print("smb-dense %d: %d sessions, %d ok, %d refused" % (seed, count, stats["ok"], stats["fail"]))


def main():
    if len(sys.argv) >= 3 and sys.argv[1] == "dns-server":
        dns_server(sys.argv[2])
    elif len(sys.argv) >= 4 and sys.argv[1] == "dns-client":
        dns_client(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 4 and sys.argv[1] == "smb-session":
        smb_session(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) >= 5 and sys.argv[1] == "smb-dense":
        smb_dense(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
