#!/usr/bin/env python3
"""Redis destination checks against a real redis-server started here, on a
private loopback port and a unix socket in a temporary directory.

  outputs_redis.py PIPEWATCH CAPTURE TMPDIR

1. every record of a replay arrives in the list, in order (RPUSH), and
   reversed with LPUSH; over the unix socket; with AUTH; on a channel;
2. the server is killed (SIGKILL) and restarted in the middle of a replay
   that this script feeds to pipewatch's standard input packet by packet:
   every record arrives or is counted as dropped, and the run exits 0.
"""
import os, signal, socket, struct, subprocess, sys, time

PW, CAP, TMP = sys.argv[1:4]
TYPES = "smb,winlog,alert,flow"
fails = 0


def check(name, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        fails += 1


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


class Redis:
    def __init__(self, name, *extra):
        self.dir = os.path.join(TMP, name)
        os.makedirs(self.dir, exist_ok=True)
        self.port = free_port()
        self.sock = os.path.join(self.dir, "redis.sock")
        self.extra = list(extra)
        self.proc = None
        self.start()

    def start(self):
        # appendfsync always: what the server acknowledged survives SIGKILL
        args = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--unixsocket", self.sock,
                "--dir", self.dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                "--logfile", os.path.join(self.dir, "log")] + self.extra
        self.proc = subprocess.Popen(args)
        for _ in range(400):
            try:
                self.cmd("PING")
                return
            except (OSError, RuntimeError):  # not listening yet, or LOADING its append-only file
                time.sleep(0.05)
        raise SystemExit("FAIL redis-server did not start")

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait()

    def cmd(self, *args):
        """One command over RESP; returns the decoded reply."""
        s = socket.create_connection(("127.0.0.1", self.port), timeout=5)
        try:
            if "--requirepass" in self.extra:
                pw = self.extra[self.extra.index("--requirepass") + 1]
                s.sendall(resp(["AUTH", pw]))
                read_reply(s.makefile("rb"))
            s.sendall(resp(list(args)))
            return read_reply(s.makefile("rb"))
        finally:
            s.close()


def resp(args):
    out = b"*%d\r\n" % len(args)
    for a in args:
        a = a if isinstance(a, bytes) else str(a).encode()
        out += b"$%d\r\n%s\r\n" % (len(a), a)
    return out


def read_reply(f):
    line = f.readline()
    if not line:
        raise OSError("connection closed")
    t, rest = line[:1], line[1:-2]
    if t == b"+":
        return rest.decode()
    if t == b"-":
        raise RuntimeError(rest.decode())
    if t == b":":
        return int(rest)
    if t == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)[:-2]
        return data
    if t == b"*":
        return [read_reply(f) for _ in range(int(rest))]
    raise OSError("bad reply %r" % line)


def run_pw(out, extra=(), stdin=None):
    return subprocess.run([PW, "-q", "--types", TYPES, "-r", CAP if stdin is None else "-", "-o", out] + list(extra),
                          input=stdin, capture_output=True)


ref = subprocess.run([PW, "-q", "--types", TYPES, "-r", CAP], capture_output=True, check=True).stdout.splitlines()
check("reference replay has records", len(ref) > 100, "%d records" % len(ref))

r = Redis("a")
p = run_pw("redis://127.0.0.1:%d/pw" % r.port)
got = r.cmd("LRANGE", "pw", 0, -1)
check("rpush: every record arrives, in order", p.returncode == 0 and got == ref,
      "exit %d, %d of %d records" % (p.returncode, len(got), len(ref)))
p = run_pw("redis://127.0.0.1:%d/pwl?mode=lpush" % r.port)
got = r.cmd("LRANGE", "pwl", 0, -1)
check("lpush: every record arrives, newest first", p.returncode == 0 and got == ref[::-1], "%d records" % len(got))
p = run_pw("redis+unix://%s/pwu" % r.sock)
got = r.cmd("LRANGE", "pwu", 0, -1)
check("unix socket: every record arrives", p.returncode == 0 and got == ref, "%d records" % len(got))

# channel: a subscriber sees every record
sub = socket.create_connection(("127.0.0.1", r.port), timeout=10)
sub.sendall(resp(["SUBSCRIBE", "pwc"]))
sf = sub.makefile("rb")
read_reply(sf)
p = run_pw("redis://127.0.0.1:%d/pwc?mode=channel" % r.port)
msgs = []
try:
    while len(msgs) < len(ref):
        m = read_reply(sf)
        msgs.append(m[2])
except (OSError, socket.timeout):
    pass
sub.close()
check("channel: a subscriber receives every record", p.returncode == 0 and msgs == ref, "%d records" % len(msgs))
r.stop()

# AUTH
ra = Redis("auth", "--requirepass", "s3cret")
p = run_pw("redis://:s3cret@127.0.0.1:%d/pwa" % ra.port)
got = ra.cmd("LRANGE", "pwa", 0, -1)
check("auth: every record arrives", p.returncode == 0 and got == ref, "%d records" % len(got))
p = run_pw("redis://:wrong@127.0.0.1:%d/pwb" % ra.port)
err = p.stderr.decode()
check("auth refused: the run ends 0, every record counted dropped",
      p.returncode == 0 and "AUTH refused" in err and ("%d records not delivered" % len(ref)) in err, err.strip())
ra.stop()


# Server killed and restarted mid-replay. The capture goes to pipewatch's
# standard input in three parts; the server dies after the first and comes
# back after the second.
def pcap_parts(path, n):
    data = open(path, "rb").read()
    hdr, off, pkts = data[:24], 24, []
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    while off + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[off + 8:off + 12])[0]
        pkts.append(data[off:off + 16 + incl])
        off += 16 + incl
    k = len(pkts) // n
    return hdr, [b"".join(pkts[i * k:(i + 1) * k if i < n - 1 else len(pkts)]) for i in range(n)]


def wait_stable(rd, key, least):
    last, since = -1, time.time()
    deadline = time.time() + 30
    while time.time() < deadline:
        n = rd.cmd("LLEN", key)
        if n != last:
            last, since = n, time.time()
        elif n >= least and time.time() - since > 0.5:
            return n
        time.sleep(0.05)
    return last


rk = Redis("kill")
hdr, parts = pcap_parts(CAP, 3)
proc = subprocess.Popen([PW, "-q", "--types", TYPES, "-r", "-", "-o", "redis://127.0.0.1:%d/pwk" % rk.port],
                        stdin=subprocess.PIPE, stderr=subprocess.PIPE)
proc.stdin.write(hdr + parts[0])
proc.stdin.flush()
before = wait_stable(rk, "pwk", 1)
rk.kill()
proc.stdin.write(parts[1])
proc.stdin.flush()
time.sleep(1.0)  # records of the second part queue up while the server is away
rk.start()
proc.stdin.write(parts[2])
proc.stdin.close()
err = proc.stderr.read().decode()
rc = proc.wait()
got = rk.cmd("LRANGE", "pwk", 0, -1)
dropped = 0
for line in err.splitlines():
    if "records not delivered" in line:
        dropped = int(line.split(": ")[-1].split()[0])
have = set(got)
missing = [x for x in ref if x not in have]
check("kill/restart: the run exits 0", rc == 0, "exit %d; %s" % (rc, err.strip().replace("\n", " | ")))
check("kill/restart: records arrived before the kill and after the restart", 0 < before < len(got),
      "%d before the kill, %d in the end" % (before, len(got)))
check("kill/restart: every record arrived or is counted dropped", len(missing) <= dropped,
      "%d of %d arrived, %d missing, %d counted dropped" % (len(ref) - len(missing), len(ref), len(missing), dropped))
check("kill/restart: nothing arrived that was not sent", have <= set(ref))
check("kill/restart: the outage was told", "reconnecting" in err or "retried" in err)
rk.stop()

# a tiny queue while the server is away: what does not fit is counted
port = free_port()
p = run_pw("redis://127.0.0.1:%d/pwm?memcap=4096" % port)
err = p.stderr.decode()
check("memcap: a full queue counts every record it cannot hold", p.returncode == 0 and
      ("%d records not delivered" % len(ref)) in err, err.strip().splitlines()[-1] if err.strip() else "")

sys.exit(1 if fails else 0)
