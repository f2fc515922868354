#!/usr/bin/env python3
"""Each layout against the seed rule's conversions (/work/shared/seed: the
Splunk, Elasticsearch (es-qs), Graylog and LogPoint queries of "Suspicious
PsExec Execution"): the query each conversion makes is evaluated here on the
records of the bundled renamed-PsExec sample, in the layout its SIEM reads,
and must select exactly the three events the rule alerts on (the -stdin,
-stdout and -stderr pipes). The conversions' own escaping (doubled
backslashes, es-qs's RelativeTargetName left without its winlog.event_data
prefix) is theirs: values are compared as Sigma means them.

  outputs_layouts.py PIPEWATCH CAPTURE
"""
import fnmatch, json, os, re, subprocess, sys, tempfile

from incident_layouts import check_incidents

PW, CAP = sys.argv[1:3]
fails = 0
PIPES = {"updsvc-WKS01-4242-stdin", "updsvc-WKS01-4242-stdout", "updsvc-WKS01-4242-stderr"}


def check(name, ok, detail=""):
    global fails
    print(("ok   " if ok else "FAIL ") + name + (": " + detail if detail else ""))
    if not ok:
        fails += 1


def records(layout, capture=None):
    out = subprocess.run([PW, "-q", "--layout", layout, "-r", capture or CAP], capture_output=True, check=True).stdout
    return [json.loads(l) for l in out.splitlines()]


def get(rec, path):
    for p in path.split("."):
        if not isinstance(rec, dict) or p not in rec:
            return None
        rec = rec[p]
    return rec


def like(v, pat):
    return isinstance(v, (str, int)) and fnmatch.fnmatchcase(str(v), pat)


def sigma(ev_id, share, target):
    """selection1 and not selection2 of the rule, on three field values."""
    sel = like(ev_id, "5145") and like(share, r"\\*\IPC$")
    sel1 = sel and any(like(target, p) for p in ("*-stdin", "*-stdout", "*-stderr"))
    sel2 = sel and like(target, "PSEXESVC*")
    return sel1 and not sel2


# Per layout: the query of its SIEM's conversion, and the target name it picks.
queries = {
    # es-qs / xpack-watcher: winlog.channel:"Security" AND winlog.event_id:"5145" AND
    # winlog.event_data.ShareName… AND RelativeTargetName…
    "ecs": lambda r: get(r, "winlog.channel") == "Security" and sigma(
        get(r, "winlog.event_id"), get(r, "winlog.event_data.ShareName"),
        get(r, "winlog.event_data.RelativeTargetName")),
    # splunk: source="WinEventLog:Security" EventCode="5145" ShareName=… RelativeTargetName=…
    "splunk": lambda r: r.get("source") == "WinEventLog:Security" and sigma(
        get(r, "event.EventCode"), get(r, "event.ShareName"), get(r, "event.RelativeTargetName")),
    # graylog: EventID:"5145" ShareName… RelativeTargetName… (GELF's _X is Graylog's X)
    "gelf": lambda r: sigma(r.get("_EventID"), r.get("_ShareName"), r.get("_RelativeTargetName")),
    # logpoint: event_source="Microsoft-Windows-Security-Auditing" event_id="5145" ShareName=… RelativeTargetName IN …
    "logpoint": lambda r: r.get("event_source") == "Microsoft-Windows-Security-Auditing" and sigma(
        r.get("event_id"), r.get("ShareName"), r.get("RelativeTargetName")),
}
target = {
    "ecs": lambda r: get(r, "winlog.event_data.RelativeTargetName"),
    "splunk": lambda r: get(r, "event.RelativeTargetName"),
    "gelf": lambda r: r.get("_RelativeTargetName"),
    "logpoint": lambda r: r.get("RelativeTargetName"),
}

eve = records("eve")
for layout, q in queries.items():
    recs = records(layout)
    check("%s: a record for each EVE record" % layout, len(recs) == len(eve), "%d records" % len(recs))
    # records come in EVE's order: the EVE type of each says which are alerts
    events = [r for r, e in zip(recs, eve) if e["event_type"] != "alert"]
    alerts = [r for r, e in zip(recs, eve) if e["event_type"] == "alert"]
    hits = [r for r in events if q(r)]
    names = sorted(target[layout](r) for r in hits)
    check("%s: the seed conversion's query selects the three pipe events" % layout,
          len(hits) == 3 and set(names) == PIPES, ", ".join(map(str, names)))
    # an alert carries the event it is about (as EVE's alert carries winlog),
    # except under Splunk, where alerts have a source of their own
    n = sum(1 for r in alerts if q(r))
    check("%s: alerts %s" % (layout, "are apart (source pipewatch:alert)" if layout == "splunk" else
                             "carry their event's fields"), n == (0 if layout == "splunk" else 3), "%d" % n)

# ECS: the fields pySigma's ECS pipeline and Winlogbeat users read
for r in records("ecs"):
    if get(r, "winlog.event_data.RelativeTargetName") in PIPES and get(r, "event.kind") == "event":
        ok = (get(r, "event.code") == "5145" and get(r, "user.name") == "Administrator" and
              get(r, "user.domain") == "SRV" and get(r, "source.ip") == "10.99.0.2" and
              isinstance(get(r, "source.port"), int) and get(r, "host.name") and
              get(r, "host.name") == get(r, "winlog.computer_name") and
              get(r, "event.outcome") in ("success", "failure") and
              re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", r["@timestamp"]) and
              "READ_CONTROL" in get(r, "winlog.event_data.AccessListDescription") and
              "SYNCHRONIZE" in get(r, "winlog.event_data.AccessMaskDescription") and
              not any(d.startswith("%%") for d in get(r, "winlog.event_data.AccessListDescription")))
        check("ecs: %s has event.code, user.*, source.*, host.name, the access descriptions"
              % get(r, "winlog.event_data.RelativeTargetName"), bool(ok))
alerts = [r for r in records("ecs") if get(r, "event.kind") == "alert" and get(r, "winlog")]
check("ecs: alerts are ECS alerts (rule.name, rule.uuid, threat.technique.id)",
      len(alerts) == 3 and all(get(a, "rule.name") == "Suspicious PsExec Execution" and
                               get(a, "rule.uuid") == "c462f537-a1e3-41a6-b5fc-b2c2cef9bf82" and
                               "T1021.002" in get(a, "threat.technique.id") for a in alerts), "%d alerts" % len(alerts))

# GELF 1.1: required fields, additional fields _[\w.-]+, no _id, no nesting
ok, why = True, ""
for r in records("gelf"):
    if r.get("version") != "1.1" or not r.get("host") or not r.get("short_message") or \
            not isinstance(r.get("timestamp"), (int, float)) or not isinstance(r.get("level"), int):
        ok, why = False, "required fields: %r" % {k: r.get(k) for k in ("version", "host", "short_message")}
    for k, v in r.items():
        if k in ("version", "host", "short_message", "full_message", "timestamp", "level"):
            continue
        if not re.match(r"^_[\w.\-]+$", k) or k == "_id" or isinstance(v, (dict, list)):
            ok, why = False, "field %s" % k
check("gelf: every record is GELF 1.1 (required fields, flat _fields, no _id)", ok, why)

# Splunk HEC: time, host, source, sourcetype, event on every record
ok = all(isinstance(r.get("time"), (int, float)) and r.get("host") and r.get("source") and r.get("sourcetype")
         and isinstance(r.get("event"), dict) for r in records("splunk"))
check("splunk: every record is an HEC event (time, host, source, sourcetype, event)", ok)

# incident records and their alerts: laid out by each layout, with the run's
# values under its own names (a run split over four connections included)
for capture in ("pcaps/psexec-renamed.pcap", "pcaps/impacket-psexec.pcap"):
    for layout in ("eve", "ecs", "splunk", "gelf", "logpoint"):
        with tempfile.TemporaryDirectory() as d:  # through the file destination
            path = os.path.join(d, "out.json")
            subprocess.run([PW, "-q", "--layout", layout, "-r", capture, "-o", path], check=True)
            recs = [json.loads(l) for l in open(path)]
        for what, ok, detail in check_incidents(layout, recs, capture):
            check("file: " + what, ok, detail)

# the time is the record's, in each shape
t0 = eve[0]["timestamp"]
check("times agree across layouts", records("ecs")[0]["@timestamp"][:26] == t0[:26] and
      abs(records("splunk")[0]["time"] - records("gelf")[0]["timestamp"]) < 1e-6, t0)
sys.exit(1 if fails else 0)
