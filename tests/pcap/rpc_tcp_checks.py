"""Checks on DCE/RPC straight over TCP in a pipewatch EVE file (the public smbexec capture)."""
import json
import sys


def records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def sealed(path, port, want_ops, user="Backdoor", full=True):
    """The ept_map record on 135, then sealed svcctl records on the port it named (full: the
    flow and stats records too, which a run with --types smb,winlog,alert does not write)."""
    recs = records(path)
    epm = [r for r in recs if r.get("event_type") == "dcerpc" and r["dcerpc"].get("operation") == "ept_map"]
    if len(epm) != 1 or epm[0]["dest_port"] != 135:
        sys.exit(f"{path}: {len(epm)} ept_map records, want one on port 135: {epm}")
    e = epm[0]["dcerpc"]
    if e.get("object") != "svcctl" or e.get("endpoint_port") != port or e.get("transport") != "ncacn_ip_tcp":
        sys.exit(f"ept_map record: {e}")
    calls = [r for r in recs if r.get("event_type") == "dcerpc" and r["dest_port"] == port]
    ops = [r["dcerpc"].get("operation") for r in calls]
    if ops != want_ops:
        sys.exit(f"svcctl calls over TCP port {port}: {ops}, want {want_ops}")
    for r in calls:
        d = r["dcerpc"]
        if (d.get("interface") != "svcctl" or d.get("encrypted") is not True or d.get("auth_level") != 6
                or d.get("transport") != "ncacn_ip_tcp" or "named_pipe" in d or "session_id" in d
                or "object" in d or "binary_path" in d or "smb" in r):
            sys.exit(f"sealed call record: {r}")
        if d.get("ntlmssp", {}).get("user") != user:
            sys.exit(f"the bind's NTLMSSP identity is not on the call: {d}")
    installs = [r for r in recs if r.get("event_type") == "winlog" and r["winlog"]["event_id"] in (7045, 4697)]
    if installs:
        sys.exit(f"{len(installs)} install events from sealed calls")
    if not full:
        print(f"{len(calls)} sealed svcctl calls over TCP port {port}, learnt from ept_map")
        return
    flows = [r for r in recs if r.get("event_type") == "flow" and r.get("app_proto") == "dcerpc"]
    if sorted(r["dest_port"] for r in flows) != sorted([135, port]):
        sys.exit(f"dcerpc flows: {[r['dest_port'] for r in flows]}")
    stats = [r for r in recs if r.get("event_type") == "stats"][-1]["stats"]["dcerpc"]
    if stats.get("flows_learned_endpoint") != 1 or stats.get("sealed_calls") != len(calls):
        sys.exit(f"stats.dcerpc: {stats}")
    print(f"{len(calls)} sealed svcctl calls over TCP port {port}, learnt from ept_map")


def incident(path, tool, hidden):
    recs = records(path)
    inc = [r["incident"] for r in recs if r.get("event_type") == "incident"]
    if len(inc) != 1:
        sys.exit(f"{path}: {len(inc)} incidents, want one")
    i = inc[0]
    if i["tool"] != tool or hidden not in i["not_seen"] or len(i["flows"]) != 2 or i["user"] != "Backdoor":
        sys.exit(f"incident: {i}")
    print(f"one incident: {i['tool']}; not seen: {'; '.join(i['not_seen'])}")


if __name__ == "__main__":
    if sys.argv[1] == "sealed":
        sealed(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","))
    elif sys.argv[1] == "sealed-sample":
        sealed(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","), user="Administrator", full=False)
    elif sys.argv[1] == "incident":
        incident(sys.argv[2], sys.argv[3], sys.argv[4])
    else:
        sys.exit(f"unknown check {sys.argv[1]}")
