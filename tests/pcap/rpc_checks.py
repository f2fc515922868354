"""Checks on the svcctl records and service events of a pipewatch EVE file."""
import json
import sys


def records(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def installs(path, name, image, start_text, start_num):
    recs = records(path)
    ev = [r["winlog"] for r in recs if r.get("event_type") == "winlog"]
    e7045 = [e for e in ev if e["event_id"] == 7045]
    e4697 = [e for e in ev if e["event_id"] == 4697]
    if len(e7045) != 1 or len(e4697) != 1:
        sys.exit(f"{path}: {len(e7045)} 7045 and {len(e4697)} 4697 events, want one each")
    a, b = e7045[0], e4697[0]
    want_a = {"ServiceName": name, "ImagePath": image, "ServiceType": "user mode service",
              "StartType": start_text, "AccountName": "LocalSystem"}
    want_b = {"ServiceName": name, "ServiceFileName": image, "ServiceType": "0x10",
              "ServiceStartType": str(start_num), "ServiceAccount": "LocalSystem"}
    if a["event_data"] != want_a:
        sys.exit(f"7045 {a['event_data']} != {want_a}")
    if a["channel"] != "System" or a["provider_name"] != "Service Control Manager" or a["keywords"] != ["Classic"]:
        sys.exit(f"7045 system fields: {a}")
    got_b = {k: b["event_data"][k] for k in want_b}
    if got_b != want_b or b["channel"] != "Security":
        sys.exit(f"4697 {b['event_data']} != {want_b}")
    print(f"{name}: 7045 and 4697")


def binpath(path, cmd):
    recs = records(path)
    svc = [r["smb"]["service"] for r in recs if r.get("event_type") == "smb" and "service" in r["smb"]]
    hits = [s for s in svc if s["operation"].startswith("RChangeServiceConfig") and s.get("binary_path") == cmd]
    if len(hits) != 1:
        sys.exit(f"{path}: {len(hits)} ChangeServiceConfig with the path; svcctl records: {svc}")
    print(f"{hits[0]['operation']}: {cmd}")


def rewrite_alert(path, cmd):
    recs = records(path)
    hits = [r for r in recs if r.get("event_type") == "alert"
            and r["alert"]["metadata"]["sigma_id"] == ["3f6f1a52-8c1e-4b7e-9d0a-0000a1c2e003"]
            and r["smb"]["service"].get("binary_path") == cmd]
    if len(hits) != 1:
        sys.exit(f"{path}: {len(hits)} binary-path rewrite alerts for {cmd}")
    rpc = [r["dcerpc"] for r in recs if r.get("event_type") == "dcerpc"
           and r["dcerpc"].get("binary_path") == cmd]
    if len(rpc) != 1 or rpc[0]["response"] != "UNREPLIED" or rpc[0]["interface"] != "svcctl":
        sys.exit(f"{path}: dcerpc records with the path: {rpc}")
    print(f"alert and dcerpc record ({rpc[0]['operation']}, call {rpc[0]['call_id']})")


def install_each(path, name, *images):
    """One 7045 and one 4697 for each image path, in order (smbexec creates its service per command)."""
    ev = [r["winlog"] for r in records(path) if r.get("event_type") == "winlog"]
    a = [e["event_data"]["ImagePath"] for e in ev if e["event_id"] == 7045 and e["event_data"]["ServiceName"] == name]
    b = [e["event_data"]["ServiceFileName"] for e in ev if e["event_id"] == 4697 and
         e["event_data"]["ServiceName"] == name]
    if a != list(images) or b != list(images):
        sys.exit(f"{path}: 7045 {a}, 4697 {b}, want {list(images)}")
    print(f"{name}: {len(a)} x 7045 and 4697")


def refused_install(path, name, code):
    """A CreateService* answered with an error: the svcctl record has the code, and no install event."""
    recs = records(path)
    ev = [r["winlog"]["event_id"] for r in recs if r.get("event_type") == "winlog"]
    if 7045 in ev or 4697 in ev:
        sys.exit(f"{path}: install events for a refused create")
    svc = [r["smb"]["service"] for r in recs if r.get("event_type") == "smb" and "service" in r["smb"]]
    hits = [s for s in svc if s["operation"].startswith("RCreateService") and s.get("name") == name]
    if len(hits) != 1 or hits[0].get("return_code") != code:
        sys.exit(f"{path}: create of {name}: {hits}")
    print(f"RCreateServiceW {name} -> {code}, no 7045/4697")


def task(path, name, user, content_start, content_end):
    """One 4698 for the task, its Subject and its definition's first and last characters."""
    ev = [r["winlog"] for r in records(path) if r.get("event_type") == "winlog" and r["winlog"]["event_id"] == 4698]
    if len(ev) != 1:
        sys.exit(f"{path}: {len(ev)} 4698 events, want one")
    d = ev[0]["event_data"]
    if d["TaskName"] != name or d["SubjectUserName"] != user or ev[0]["channel"] != "Security":
        sys.exit(f"{path}: 4698 {d}")
    if not d["TaskContent"].startswith(content_start) or not d["TaskContent"].endswith(content_end):
        sys.exit(f"{path}: TaskContent {d['TaskContent']!r}")
    print(f"4698 {name} by {user}, {len(d['TaskContent'])} characters of definition")


def sealed_tasks(path, n):
    """No 4698 from sealed task scheduler calls; each call reported encrypted."""
    recs = records(path)
    if any(r.get("event_type") == "winlog" and r["winlog"]["event_id"] == 4698 for r in recs):
        sys.exit(f"{path}: a 4698 from sealed calls")
    rpc = [r["dcerpc"] for r in recs if r.get("event_type") == "dcerpc" and
           r["dcerpc"].get("interface") == "ITaskSchedulerService"]
    if len(rpc) != n or not all(d["encrypted"] and d["auth_level"] == 6 for d in rpc):
        sys.exit(f"{path}: task scheduler calls {rpc}")
    print(f"{n} sealed task scheduler calls, no 4698")


if __name__ == "__main__":
    if sys.argv[1] == "installs":
        installs(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif sys.argv[1] == "binpath":
        binpath(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "rewrite-alert":
        rewrite_alert(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "install-each":
        install_each(sys.argv[2], sys.argv[3], *sys.argv[4:])
    elif sys.argv[1] == "refused-install":
        refused_install(sys.argv[2], sys.argv[3], int(sys.argv[4]))
    elif sys.argv[1] == "task":
        task(*sys.argv[2:7])
    elif sys.argv[1] == "sealed-tasks":
        sealed_tasks(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(f"unknown check {sys.argv[1]}")
