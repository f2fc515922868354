#!/usr/bin/env python3
"""Checks pipewatch's EVE output against tshark's reading of the same capture.

Every TREE_CONNECT and CREATE request that tshark dissects (SMB2 commands 3
and 5, SMB1 TREE_CONNECT_ANDX and the SMB1 opens: NT_CREATE_ANDX, OPEN_ANDX,
OPEN, CREATE, CREATE_NEW and TRANSACTION2 / TRANS2_OPEN2) must appear in
pipewatch's `smb` records with the same name and the same final status: no
more, no fewer.

usage: eve_compare.py tshark CAPTURE EVE.json     compare with tshark
       eve_compare.py same EVE_A.json EVE_B.json  the same SMB operations in both
       eve_compare.py events EVE_A.json EVE_B.json the same smb, winlog and alert records in
                                                   both, whatever their time, flow id and
                                                   packet number (live capture vs replay)
"""
import collections
import json
import subprocess
import sys


def norm_share(s):
    return s.lower()


def norm_name(s):
    # SMB1 names carry a leading backslash; tshark and pipewatch both keep it.
    return s


# NT_CREATE_ANDX, OPEN_ANDX, OPEN, CREATE, CREATE_NEW, TRANSACTION2 (TRANS2_OPEN2)
SMB1_OPENS = (0xa2, 0x2d, 0x02, 0x03, 0x0f, 0x32)
EVE_CREATES = ("SMB2_COMMAND_CREATE", "SMB1_COMMAND_NT_CREATE_ANDX", "SMB1_COMMAND_OPEN_ANDX", "SMB1_COMMAND_OPEN",
               "SMB1_COMMAND_CREATE", "SMB1_COMMAND_CREATE_NEW", "SMB1_COMMAND_TRANS2")


def tshark_ops(capture):
    """Multiset of (kind, name, status) from tshark: requests paired with final responses."""
    fields = ["tcp.stream", "smb2.cmd", "smb2.flags.response", "smb2.msg_id", "smb2.tree",
              "smb2.filename", "smb2.nt_status", "smb2.flags.async",
              "smb.cmd", "smb.flags.response", "smb.mid", "smb.path", "smb.file", "smb.nt_status",
              "smb.trans2.cmd"]
    cmd = ["tshark", "-n", "-r", capture, "-o", "tcp.desegment_tcp_streams:TRUE",
           "-d", "tcp.port==8445,nbss",
           "-Y", "smb2.cmd==3 || smb2.cmd==5 || smb.cmd==0x75 || smb.cmd==0xa2 || smb.cmd==0x2d || smb.cmd==0x02"
           " || smb.cmd==0x03 || smb.cmd==0x0f || (smb.cmd==0x32 && smb.trans2.cmd==0)",
           "-T", "fields", "-E", "separator=\t", "-E", "occurrence=a", "-E", "aggregator=|"]
    for f in fields:
        cmd += ["-e", f]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    pending = {}
    ops = collections.Counter()
    for line in out.splitlines():
        v = line.split("\t")
        v += [""] * (len(fields) - len(v))
        d = dict(zip(fields, v))
        stream = d["tcp.stream"]
        if d["smb2.cmd"]:
            cmds = d["smb2.cmd"].split("|")
            resps = d["smb2.flags.response"].split("|")
            mids = d["smb2.msg_id"].split("|")
            trees = d["smb2.tree"].split("|")
            names = d["smb2.filename"].split("|") if d["smb2.filename"] else []
            stats = d["smb2.nt_status"].split("|") if d["smb2.nt_status"] else []
            asyncs = d["smb2.flags.async"].split("|")
            ni = 0
            si = 0
            for i, c in enumerate(cmds):
                if c not in ("3", "5"):
                    if resps[i] in ("1", "True"):
                        si += 1
                    continue
                key = (stream, mids[i] if i < len(mids) else "")
                if resps[i] in ("0", "False"):
                    if c == "3":
                        name = trees[i] if i < len(trees) else ""
                        pending[key] = ("tree", norm_share(name))
                    else:
                        name = names[ni] if ni < len(names) else ""
                        ni += 1
                        pending[key] = ("create", norm_name(name))
                else:
                    st = stats[si] if si < len(stats) else ""
                    si += 1
                    if st == "0x00000103":  # STATUS_PENDING: the final answer comes later
                        continue
                    if key in pending:
                        kind, name = pending.pop(key)
                        ops[(kind, name, int(st, 16) if st else -1)] += 1
        elif d["smb.cmd"]:
            cmds = d["smb.cmd"].split("|")
            resp = d["smb.flags.response"] in ("1", "True")
            key = (stream, d["smb.mid"])
            for c in cmds:
                c = int(c, 0)
                if c == 0x32 and d["smb.trans2.cmd"].split("|")[0] not in ("0x0000", "0"):
                    continue  # of TRANSACTION2 only TRANS2_OPEN2 opens a file
                if c != 0x75 and c not in SMB1_OPENS:
                    continue
                kind = "tree" if c == 0x75 else "create"
                if not resp:
                    # tshark also shows the path of the tree the request travels on: the
                    # path being connected (or the file being opened) is the last one.
                    name = (d["smb.path"] if kind == "tree" else d["smb.file"]).split("|")[-1]
                    pending[(key, kind)] = (kind, norm_share(name) if kind == "tree" else norm_name(name))
                else:
                    st = d["smb.nt_status"].split("|")[0]
                    if (key, kind) in pending:
                        k2, name = pending.pop((key, kind))
                        ops[(k2, name, int(st, 16) if st else -1)] += 1
    for kind, name in pending.values():
        ops[(kind, name, None)] += 1
    return ops


def eve_ops(path):
    ops = collections.Counter()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") != "smb":
                continue
            s = r["smb"]
            st = int(s["status_code"], 16) if "status_code" in s else None
            if s["command"] in ("SMB2_COMMAND_TREE_CONNECT", "SMB1_COMMAND_TREE_CONNECT_ANDX"):
                if "share" in s:
                    ops[("tree", norm_share(s["share"]), st)] += 1
            elif s["command"] in EVE_CREATES:
                ops[("create", norm_name(s.get("filename", "")), st)] += 1
    return ops


VOLATILE = ("timestamp", "flow_id", "pcap_cnt", "src_port")


def event_records(path):
    recs = collections.Counter()
    with open(path) as f:
        for line in f:
            r = json.loads(line)
            if r.get("event_type") not in ("smb", "winlog", "alert"):
                continue
            for k in VOLATILE:
                r.pop(k, None)
            # incidents are numbered as they open, which differs as workers interleave
            if isinstance(r.get("incident"), dict):
                r["incident"].pop("id", None)
            ed = r.get("winlog", {}).get("event_data")
            if ed:
                ed.pop("IpPort", None)
            recs[json.dumps(r, sort_keys=True)] += 1
    return recs


def report(a_name, a, b_name, b):
    if a == b:
        print("same %d operations" % sum(a.values()))
        return 0
    for k in sorted(set(a) | set(b), key=str):
        if a[k] != b[k]:
            print("differs: %s: %s %d, %s %d" % (k, a_name, a[k], b_name, b[k]))
    return 1


def main():
    if len(sys.argv) != 4 or sys.argv[1] not in ("tshark", "same", "events"):
        print(__doc__)
        return 2
    if sys.argv[1] == "tshark":
        t = tshark_ops(sys.argv[2])
        e = eve_ops(sys.argv[3])
        if not t:
            print("tshark sees no TREE_CONNECT/CREATE in %s" % sys.argv[2])
        return report("tshark", t, "pipewatch", e)
    get = eve_ops if sys.argv[1] == "same" else event_records
    a = get(sys.argv[2])
    if not a:
        print("no SMB operations in %s: nothing to compare" % sys.argv[2])
        return 1
    return report(sys.argv[2], a, sys.argv[3], get(sys.argv[3]))


if __name__ == "__main__":
    sys.exit(main())
