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


if __name__ == "__main__":
    if sys.argv[1] == "installs":
        installs(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], int(sys.argv[6]))
    elif sys.argv[1] == "binpath":
        binpath(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "rewrite-alert":
        rewrite_alert(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown check {sys.argv[1]}")
