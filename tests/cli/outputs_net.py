#!/usr/bin/env python3
"""syslog and GELF destinations against listeners started here (loopback
UDP and TCP, a unix datagram socket in a temporary directory).

  outputs_net.py PIPEWATCH CAPTURE TMPDIR
"""
import json, os, re, socket, subprocess, sys, threading, time

from incident_layouts import check_incidents

PW, CAP, TMP = sys.argv[1:4]
TYPES = "smb,winlog,alert,flow"
fails = 0


def check(name, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        fails += 1


def run_pw(out, extra=()):
    return subprocess.run([PW, "-q", "--types", TYPES, "-r", CAP, "-o", out] + list(extra), capture_output=True)


class Dgram:
    """Collects datagrams until told to stop."""

    def __init__(self, family=socket.AF_INET, path=None):
        self.s = socket.socket(family, socket.SOCK_DGRAM)
        self.s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
        self.s.bind(path if path else ("127.0.0.1", 0))
        self.addr = path if path else "127.0.0.1:%d" % self.s.getsockname()[1]
        self.s.settimeout(0.2)
        self.got, self.stop = [], False
        self.t = threading.Thread(target=self.loop)
        self.t.start()

    def loop(self):
        while not self.stop:
            try:
                self.got.append(self.s.recv(70000))
            except socket.timeout:
                pass

    def done(self):
        time.sleep(0.3)
        self.stop = True
        self.t.join()
        self.s.close()
        return self.got


class Stream:
    """Accepts connections and keeps all bytes received."""

    def __init__(self):
        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        self.s.listen(4)
        self.s.settimeout(0.2)
        self.addr = "127.0.0.1:%d" % self.s.getsockname()[1]
        self.data, self.stop = b"", False
        self.t = threading.Thread(target=self.loop)
        self.t.start()

    def loop(self):
        conns = []
        while not self.stop:
            try:
                c, _ = self.s.accept()
                c.settimeout(0.05)
                conns.append(c)
            except socket.timeout:
                pass
            for c in conns:
                try:
                    while True:
                        b = c.recv(65536)
                        if not b:
                            break
                        self.data += b
                except socket.timeout:
                    pass

    def done(self):
        time.sleep(0.3)
        self.stop = True
        self.t.join()
        self.s.close()
        return self.data


ref = subprocess.run([PW, "-q", "--types", TYPES, "-r", CAP], capture_output=True, check=True).stdout.splitlines()
check("reference replay has records", len(ref) > 10, "%d records" % len(ref))

HDR = re.compile(rb"^<(\d+)>1 (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z) (\S+) pipewatch (\d+) - - ")


def syslog_payloads(msgs, pri):
    out = []
    for m in msgs:
        h = HDR.match(m)
        if not h or int(h.group(1)) != pri:
            return None
        out.append(m[h.end():])
    return out


# syslog over UDP, facility local3 (19) severity warning (4): PRI 156
l = Dgram()
p = run_pw("syslog+udp://%s?facility=local3&severity=warning" % l.addr)
got = syslog_payloads(l.done(), 19 * 8 + 4)
check("syslog udp: RFC 5424 header, PRI 156, every record", p.returncode == 0 and got == ref,
      "exit %d, %s records" % (p.returncode, "no" if got is None else len(got)))

# syslog over TCP: octet counting
l = Stream()
p = run_pw("syslog+tcp://%s?facility=auth&severity=2" % l.addr)
data, msgs = l.done(), []
while data:
    sp = data.index(b" ")
    n = int(data[:sp])
    msgs.append(data[sp + 1:sp + 1 + n])
    data = data[sp + 1 + n:]
got = syslog_payloads(msgs, 4 * 8 + 2)
check("syslog tcp: octet-counted frames, PRI 34, every record", p.returncode == 0 and got == ref,
      "%s records" % ("no" if got is None else len(got)))

# the same from conf/pipewatch.yaml keys: filetype syslog with its sub-block
l = Dgram()
cfg = os.path.join(TMP, "syslog.yaml")
host, port = l.addr.split(":")
open(cfg, "w").write("outputs:\n  - eve-log:\n      filetype: syslog\n      syslog:\n        protocol: udp\n"
                     "        server: %s\n        port: %s\n        facility: local1\n        level: Error\n"
                     % (host, port))
p = subprocess.run([PW, "-q", "-c", cfg, "--types", TYPES, "-r", CAP], capture_output=True)
got = syslog_payloads(l.done(), 17 * 8 + 3)
check("syslog from the configuration (filetype: syslog, syslog: {protocol: udp …})",
      p.returncode == 0 and got == ref, "exit %d, %s records" % (p.returncode, "no" if got is None else len(got)))

# the local socket kind, at a path of ours; default local5.info = 174
path = os.path.join(TMP, "log")
l = Dgram(socket.AF_UNIX, path)
p = run_pw("syslog+unix://" + path)
got = syslog_payloads(l.done(), 21 * 8 + 6)
check("syslog unix: one datagram per record, PRI 174", p.returncode == 0 and got == ref,
      "%s records" % ("no" if got is None else len(got)))


def gelf_reassemble(dgrams):
    msgs, parts, bad, chunked = [], {}, 0, 0
    for d in dgrams:
        if d[:2] != b"\x1e\x0f":
            msgs.append(d)
            continue
        mid, seq, cnt = d[2:10], d[10], d[11]
        if seq >= cnt or cnt > 128 or len(d) > 512:
            bad += 1
        e = parts.setdefault(mid, {"cnt": cnt, "p": {}, "first": len(msgs)})
        e["p"][seq] = d[12:]
        if len(e["p"]) == cnt:
            msgs.append(b"".join(e["p"][i] for i in range(cnt)))
            chunked += 1
    return msgs, bad, chunked


l = Dgram()
p = run_pw("gelf+udp://%s?chunk_size=512" % l.addr, ["--layout", "eve"])
msgs, bad, chunked = gelf_reassemble(l.done())
big = sum(1 for r in ref if len(r) > 512)
check("gelf udp: chunks well formed (magic, id, seq < count <= 128, <= 512 bytes)", bad == 0 and chunked == big > 0,
      "%d records larger than one chunk, %d reassembled" % (big, chunked))
check("gelf udp: every record, whole", p.returncode == 0 and sorted(msgs) == sorted(ref), "%d messages" % len(msgs))

# without --layout, a GELF destination gets the gelf layout
l = Dgram()
p = run_pw("gelf+udp://%s" % l.addr)
msgs, bad, chunked = gelf_reassemble(l.done())
gelf = [json.loads(m) for m in msgs]
check("gelf udp: GELF 1.1 by default", p.returncode == 0 and len(gelf) == len(ref) and
      all(g.get("version") == "1.1" and "short_message" in g for g in gelf), "%d messages" % len(gelf))

l = Stream()
p = run_pw("gelf+tcp://%s" % l.addr, ["--layout", "eve"])
data = l.done()
msgs = data.split(b"\0")
check("gelf tcp: NUL-terminated messages, every record", p.returncode == 0 and data.endswith(b"\0") and
      msgs[:-1] == ref, "%d messages" % (len(msgs) - 1))

# incidents and their alerts in every layout, through syslog over TCP (a run
# split over four connections); and through GELF over UDP in its layout
INC = "pcaps/impacket-psexec.pcap"
for layout in ("eve", "ecs", "splunk", "gelf", "logpoint"):
    l = Stream()
    p = subprocess.run([PW, "-q", "--types", "incident,alert", "--layout", layout, "-r", INC, "-o",
                        "syslog+tcp://%s" % l.addr], capture_output=True)
    data, msgs = l.done(), []
    while data:
        sp = data.index(b" ")
        n = int(data[:sp])
        msgs.append(data[sp + 1:sp + 1 + n])
        data = data[sp + 1 + n:]
    got = syslog_payloads(msgs, 21 * 8 + 6) or []
    check("syslog tcp, %s: exit 0, records" % layout, p.returncode == 0 and len(got) > 2, "%d" % len(got))
    for what, ok, detail in check_incidents(layout, [json.loads(m) for m in got], INC):
        check("syslog tcp: " + what, ok, detail)
l = Dgram()
p = subprocess.run([PW, "-q", "--types", "incident,alert", "-r", INC, "-o", "gelf+udp://%s?chunk_size=512" % l.addr],
                   capture_output=True)
msgs, bad, chunked = gelf_reassemble(l.done())
check("gelf udp: the incident in chunks", p.returncode == 0 and bad == 0 and chunked >= 1, "%d chunked" % chunked)
for what, ok, detail in check_incidents("gelf", [json.loads(m) for m in msgs], INC):
    check("gelf udp: " + what, ok, detail)

# a listener that is not there: records are counted, the run goes on and ends 0
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()
p = run_pw("gelf+tcp://127.0.0.1:%d" % port, ["--layout", "eve"])
err = p.stderr.decode()
check("gelf tcp, nobody listening: exit 0, every record counted dropped",
      p.returncode == 0 and ("%d records not delivered" % len(ref)) in err, err.strip().splitlines()[-1])

# bad destinations: one line, exit 2
for url in ["syslog+udp://127.0.0.1", "syslog+tcp://127.0.0.1:0", "syslog?facility=bogus", "syslog?severity=9",
            "gelf+udp://127.0.0.1:99999", "gelf+udp://127.0.0.1:1?chunk_size=10", "redis://127.0.0.1:1",
            "redis://127.0.0.1:6379/k?mode=set", "redis+unix:///k", "smtp://x"]:
    p = run_pw(url, ["--layout", "eve"])
    err = p.stderr.decode().strip()
    check("bad destination %s: exit 2, one line naming it" % url,
          p.returncode == 2 and len(err.splitlines()) == 1 and url.split("?")[0] in err, err)

sys.exit(1 if fails else 0)
