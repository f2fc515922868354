"""The incident of a bundled sample, and the alert raised for it, read back
from the records of each layout by that layout's own field names, against
what the sample is known to hold (tool, user, service, binary, flows: the
values of its golden EVE file, pcaps/*.eve.json). Used by outputs_layouts.py
(file destination) and outputs_net.py (network destinations)."""
import json

SAMPLES = {
    "pcaps/psexec-renamed.pcap": {
        "tool": "psexec-renamed", "user": "Administrator", "service": "updsvc",
        "binary": "%SystemRoot%\\updsvc.exe", "flows": [1827834515514], "client": "10.99.0.2",
        "server": "10.99.0.1", "sha256": "2a67d865a35c9140eb2a31bc0729f7874691d5f5b9c72d77ebf0497bf14b57e9",
        "signature": "Remote execution with Sysinternals PsExec (service renamed)"},
    "pcaps/impacket-psexec.pcap": {
        "tool": "impacket-psexec", "user": "Administrator", "service": "lGFb",
        "binary": "%SystemRoot%\\AibNyyur.exe",
        "flows": [850473740023415, 1330084034599500, 2186196010600778, 223108238486689],
        "client": "10.99.0.2", "server": "10.99.0.1",
        "sha256": "40b452e762d90b06eed3008901248193ca6cef58e6f6e8588c4e69b6ce7113e4",
        "signature": "Remote execution with impacket psexec.py"},
}


def get(rec, path):
    for p in path.split("."):
        if isinstance(rec, list):
            rec = rec[int(p)] if p.isdigit() and int(p) < len(rec) else None
        elif isinstance(rec, dict):
            rec = rec.get(p)
        else:
            return None
    return rec


def js(v):
    """A list kept as the text of its JSON (GELF, LogPoint)."""
    try:
        return json.loads(v) if isinstance(v, str) else None
    except ValueError:
        return None


# Per layout: which records are the incident and its alert, and where each
# value is. Paths are dotted; a callable reads what a path cannot.
LAYOUTS = {
    "eve": {
        "incident": lambda r: r.get("event_type") == "incident",
        "alert": lambda r: r.get("event_type") == "alert" and "incident" in r,
        "fields": {"tool": "incident.tool", "user": "incident.user", "service": "incident.service_name",
                   "binary": "incident.binary_path", "flows": "incident.flows", "client": "src_ip",
                   "server": "dest_ip", "sha256": "incident.files.0.sha256", "signature": "alert.signature"},
    },
    "ecs": {
        "incident": lambda r: get(r, "pipewatch.event_type") == "incident" and get(r, "event.kind") == "event",
        "alert": lambda r: get(r, "event.kind") == "alert" and get(r, "pipewatch.incident") is not None,
        "fields": {"tool": "threat.software.name", "user": "user.name", "service": "service.name",
                   "binary": "process.command_line", "flows": "pipewatch.incident.flows", "client": "source.ip",
                   "server": "destination.ip", "sha256": "file.hash.sha256", "signature": "rule.name"},
    },
    "splunk": {
        "incident": lambda r: r.get("source") == "pipewatch:incident",
        "alert": lambda r: r.get("source") == "pipewatch:alert" and get(r, "event.tool") is not None,
        "fields": {"tool": "event.tool", "user": "event.user", "service": "event.service_name",
                   "binary": "event.service_path", "flows": "event.flow_id", "client": "event.src_ip",
                   "server": "event.dest_ip", "sha256": "event.file_hash.0", "signature": "event.signature"},
    },
    "gelf": {
        "incident": lambda r: r.get("_event_type") == "incident",
        "alert": lambda r: r.get("_event_type") == "alert" and "_incident_tool" in r,
        "fields": {"tool": "_incident_tool", "user": "_user_name", "service": "_service_name",
                   "binary": "_process_command_line", "flows": lambda r: js(r.get("_incident_flows")),
                   "client": "_source_ip", "server": "_destination_ip", "sha256": "_hash_sha256",
                   "signature": "_alert_signature"},
    },
    "logpoint": {
        "incident": lambda r: r.get("record_type") == "incident",
        "alert": lambda r: r.get("record_type") == "alert" and "incident_tool" in r,
        "fields": {"tool": "incident_tool", "user": "user", "service": "service", "binary": "command",
                   "flows": lambda r: js(r.get("incident_flows")), "client": "source_address",
                   "server": "destination_address", "sha256": "hash", "signature": "alert_name"},
    },
}

INCIDENT_KEYS = ("tool", "user", "service", "binary", "flows", "client", "server", "sha256")
ALERT_KEYS = ("tool", "user", "service", "binary", "client", "server", "signature")


def value(layout, rec, key):
    where = LAYOUTS[layout]["fields"][key]
    return where(rec) if callable(where) else get(rec, where)


def check_incidents(layout, recs, capture):
    """[(what, ok, detail)]: exactly one incident and one alert for it, each
    with the sample's values under the layout's names."""
    want = SAMPLES[capture]
    L = LAYOUTS[layout]
    out = []
    for kind, keys in (("incident", INCIDENT_KEYS), ("alert", ALERT_KEYS)):
        found = [r for r in recs if L[kind](r)]
        if len(found) != 1:
            out.append(("%s: one %s record of %s" % (layout, kind, capture), False, "%d found" % len(found)))
            continue
        bad = ["%s=%r (want %r)" % (k, value(layout, found[0], k), want[k]) for k in keys
               if value(layout, found[0], k) != want[k]]
        out.append(("%s: the %s of %s has its %s" % (layout, kind, capture, ", ".join(keys)), not bad,
                    "; ".join(bad)))
    return out
