"""pipewatch and tshark read the same service and task calls out of a capture.

usage: rpc_tshark.py PCAP EVE [TSHARK-ARGS...]   (EVE: pipewatch's smb and winlog records of PCAP)

Compared, as multisets: the service name and binary path of every CreateService* and
ChangeServiceConfig* request and the return code of every svcctl response tshark decodes
(svcctl dissector; ChangeServiceConfigW read out of its stub bytes, which tshark 4.0 does not
decode); the path and XML of every SchRpcRegisterTask (read out of tshark's stub
bytes: tshark 4.0 names ITaskSchedulerService calls but decodes none of their fields) against
4698's TaskName and TaskContent; the command of every NetrJobAdd (atsvc dissector); the calls
tshark sees sealed (auth level 6) against pipewatch's `encrypted` records.
Calls that tshark decodes on a connection pipewatch read no DCE/RPC from (DCE/RPC directly over
TCP, before the sensor reads it) are named in the last line, not compared. Exit 1 on a difference.
"""
import collections
import json
import struct
import subprocess
import sys

SVC_OPS = {0: "RCloseServiceHandle", 11: "RChangeServiceConfigW", 12: "RCreateServiceW", 15: "ROpenSCManagerW",
           16: "ROpenServiceW", 45: "RCreateServiceWOW64W"}


FIELDS = ["tcp.srcport", "tcp.dstport", "dcerpc.pkt_type", "dcerpc.auth_level", "svcctl.opnum", "svcctl.servicename",
          "svcctl.binarypathname", "svcctl.rc", "taskschedulerservice.opnum", "atsvc.opnum",
          "atsvc.atsvc_JobInfo.command", "dcerpc.stub_data"]


def tshark(pcap, extra):
    """One row (a dict of FIELDS) per DCE/RPC PDU tshark reads."""
    cmd = ["tshark", "-r", pcap] + extra + ["-Y", "dcerpc", "-T", "fields", "-E", "separator=\t", "-E",
                                            "occurrence=f"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return [dict(zip(FIELDS, line.split("\t"))) for line in out.splitlines()]


def flow_of(row_src, row_dst):
    return tuple(sorted((int(row_src), int(row_dst))))


def wstr(stub, off):
    """A conformant varying UTF-16 string at off (aligned to 4): (text, offset after it)."""
    off += (-off) % 4
    _, _, count = struct.unpack_from("<LLL", stub, off)
    off += 12
    text = stub[off:off + 2 * count].decode("utf-16le").rstrip("\x00")
    return text, off + 2 * count


def change_config_path(stub):
    """lpBinaryPathName of RChangeServiceConfigW: after the handle and three DWORDs (MS-SCMR 3.1.4.11)."""
    if not struct.unpack_from("<L", stub, 32)[0]:
        return ""
    return wstr(stub, 36)[0]


def register_task(stub):
    ptr = struct.unpack_from("<L", stub, 0)[0]
    off = 4
    path = None
    if ptr:
        path, off = wstr(stub, off)
    xml, _ = wstr(stub, off)
    return path, xml


def main():
    pcap, eve = sys.argv[1], sys.argv[2]
    rows = tshark(pcap, sys.argv[3:])
    recs = [json.loads(line) for line in open(eve)]
    rpc = [r for r in recs if r["event_type"] == "dcerpc"]
    read_flows = {flow_of(r["src_port"], r["dest_port"]) for r in rpc}
    bad, unread = [], collections.Counter()

    for row in rows:
        if flow_of(row["tcp.srcport"], row["tcp.dstport"]) not in read_flows:
            unread[flow_of(row["tcp.srcport"], row["tcp.dstport"])] += 1

    def on_read_flow(row):
        return flow_of(row["tcp.srcport"], row["tcp.dstport"]) in read_flows

    def select(ptype, key, values=None):
        for row in rows:
            if row["dcerpc.pkt_type"] == ptype and row[key] and (values is None or int(row[key]) in values) \
                    and on_read_flow(row):
                yield row

    # svcctl requests: name and binary path
    want = collections.Counter()
    for row in select("0", "svcctl.opnum", (11, 12, 45)):
        if row["svcctl.opnum"] == "11":  # tshark 4.0 shows ChangeServiceConfigW's stub only
            want[(SVC_OPS[11], "", change_config_path(bytes.fromhex(row["dcerpc.stub_data"])))] += 1
        else:
            want[(SVC_OPS[int(row["svcctl.opnum"])], row["svcctl.servicename"], row["svcctl.binarypathname"])] += 1
    got = collections.Counter()
    for r in rpc:
        d = r["dcerpc"]
        if d.get("interface") == "svcctl" and d.get("operation") in ("RCreateServiceW", "RCreateServiceWOW64W",
                                                                    "RChangeServiceConfigW"):
            name = d.get("object", "") if d["operation"] != "RChangeServiceConfigW" else ""
            got[(d["operation"], name, d.get("binary_path", ""))] += 1
    if want != got:
        bad.append("svcctl requests: tshark %s, pipewatch %s" % (dict(want), dict(got)))
    n_svc = sum(want.values())

    # svcctl return codes, where tshark decodes one
    want = collections.Counter()
    for row in select("2", "svcctl.opnum", SVC_OPS):
        if row["svcctl.opnum"] == "11":
            rc = struct.unpack_from("<L", bytes.fromhex(row["dcerpc.stub_data"]), 4)[0]
        elif row["svcctl.rc"]:
            rc = int(row["svcctl.rc"], 16)
        else:
            continue
        want[(SVC_OPS[int(row["svcctl.opnum"])], rc)] += 1
    got = collections.Counter()
    for r in rpc:
        d = r["dcerpc"]
        if d.get("interface") == "svcctl" and d.get("operation") in SVC_OPS.values() and "return_code" in d:
            got[(d["operation"], int(d["return_code"], 16))] += 1
    if want != got:
        bad.append("svcctl return codes: tshark %s, pipewatch %s" % (dict(want), dict(got)))

    # SchRpcRegisterTask: path and XML from tshark's stub bytes, against 4698
    want = collections.Counter()
    for row in select("0", "taskschedulerservice.opnum", (1,)):
        if row["dcerpc.auth_level"] != "6":
            want[register_task(bytes.fromhex(row["dcerpc.stub_data"]))] += 1
    got = collections.Counter()
    for r in recs:
        if r["event_type"] == "winlog" and r["winlog"]["event_id"] == 4698 and not r["winlog"]["event_data"][
                "TaskName"].startswith("\\At"):
            d = r["winlog"]["event_data"]
            got[(d["TaskName"], d["TaskContent"])] += 1
    want = collections.Counter({(p, x.rstrip(" \t\r\n")): n for (p, x), n in want.items()})
    if want != got:
        bad.append("SchRpcRegisterTask: tshark %s, pipewatch 4698 %s" % (list(want), list(got)))
    n_task = sum(want.values())

    # NetrJobAdd: the command
    want = collections.Counter(row["atsvc.atsvc_JobInfo.command"] for row in select("0", "atsvc.opnum", (0,)))
    n_jobs = sum(want.values())
    got = collections.Counter(r["smb"]["task"]["command"] for r in recs if r["event_type"] == "smb" and
                              r["smb"].get("task", {}).get("operation") == "NetrJobAdd")
    if want != got:
        bad.append("NetrJobAdd: tshark %s, pipewatch %s" % (dict(want), dict(got)))

    # sealed requests: tshark sees auth level 6, pipewatch reports them encrypted
    want = sum(1 for row in select("0", "dcerpc.auth_level", (6,)))
    got = sum(1 for r in rpc if r["dcerpc"].get("encrypted") and r["dcerpc"].get("request") == "REQUEST")
    if want != got:
        bad.append("sealed calls: tshark %d, pipewatch %d" % (want, got))

    for b in bad:
        print(b)
    note = ""
    if unread:
        note = "; not compared, no DCE/RPC read on: %s" % ", ".join(
            "ports %d-%d (%d PDUs)" % (a, b, n) for (a, b), n in sorted(unread.items()))
    print("%d svcctl requests, %d task registrations, %d AT jobs, %d sealed calls agree%s" % (n_svc, n_task, n_jobs, want,
                                                                                              note))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
