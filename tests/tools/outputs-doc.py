#!/usr/bin/env python3
"""Writes docs/outputs.md: the destinations and layouts, with one record of
each type in each layout as pipewatch makes it from the bundled
renamed-PsExec sample (make outputs-doc; tests/cli/test_out_layouts.sh
checks that the file is current).

  outputs-doc.py PIPEWATCH > docs/outputs.md
"""
import json, socket, subprocess, sys

PW = sys.argv[1]
CAP = "pcaps/psexec-renamed.pcap"
HOST = socket.gethostname()

HEAD = r"""# Outputs: destinations and layouts

A record is laid out by one **layout** (how it looks) and sent to one
**destination** (where it goes); any layout goes to any destination.

    pipewatch -r x.pcap --layout ecs -o redis://127.0.0.1:6379/pipewatch
    pipewatch -i eth1 --layout gelf -o gelf+udp://graylog.example:12201
    pipewatch -i eth1 -o syslog                       # RFC 5424 to the local syslog socket

This file is written by `make outputs-doc` (tests/tools/outputs-doc.py) from
the bundled sample `pcaps/psexec-renamed.pcap`; `make test` fails when it is
not current. The sensor's own host name is shown as `SENSOR`.

## Destinations

`-o DEST` takes a file name or one of these URLs; in `conf/pipewatch.yaml`,
`outputs.eve-log.filetype` names the kind and its sub-block the far end.

| `-o` | `filetype` | what is sent |
|---|---|---|
| `FILE`, `-` | `regular` | a line per record; `SIGHUP` reopens the file (log rotation) |
| (the path) | `unix_stream`, `unix_dgram` | a line per record / a datagram per record |
| `redis://[:PASS@]HOST:PORT/KEY[?mode=list\|rpush\|lpush\|channel]` | `redis` | `RPUSH` (list, rpush; the default), `LPUSH` or `PUBLISH` of each record under KEY, after `AUTH PASS` when given; pipelined, up to 256 commands a round trip |
| `redis+unix:///PATH/TO/SOCKET/KEY[?mode=…]` | `redis` with `unix-socket` | the same over a unix socket |
| `syslog` | `syslog`, `protocol: local` | RFC 5424 to `/dev/log`, a datagram per record |
| `syslog+unix:///PATH` | | the same to another local datagram socket |
| `syslog+udp://HOST:PORT` | `syslog`, `protocol: udp` | RFC 5424, a datagram per record |
| `syslog+tcp://HOST:PORT` | `syslog`, `protocol: tcp` | RFC 5424 with octet counting (RFC 6587: `LEN SP MSG`) |
| `gelf+udp://HOST:PORT[?chunk_size=N]` | `gelf`, `protocol: udp` | a datagram per record; larger than N bytes (default 8192): GELF chunks (`0x1e 0x0f`, 8-byte message id, sequence number, count; at most 128) |
| `gelf+tcp://HOST:PORT` | `gelf`, `protocol: tcp` | each record ended by a NUL byte |

A syslog message is `<PRI>1 TIMESTAMP HOSTNAME pipewatch PID - - RECORD`:
PRI is facility × 8 + severity, `?facility=` (a name, `local5` by default,
or 0..23) and `?severity=` (`emerg` … `debug`, `info` by default, or 0..7);
in the configuration `syslog: {facility: local5, level: info}`. A GELF
destination gets the `gelf` layout unless `--layout` says otherwise. A URL
given with `-o` wins over the configuration; a plain path given with `-o`
is a file even when the configuration says `filetype: redis`, `syslog` or
`gelf` (`unix_stream` and `unix_dgram` still take the path as their socket).

```yaml
outputs:
  - eve-log:
      filetype: redis          # regular | unix_stream | unix_dgram | redis | syslog | gelf
      layout: ecs              # eve | ecs | splunk | gelf | logpoint
      redis:
        server: 127.0.0.1
        port: 6379             # or unix-socket: /run/redis/redis.sock
        key: pipewatch
        mode: list             # list | rpush | lpush | channel
        # password: secret
      syslog:
        protocol: udp          # local | udp | tcp
        server: 10.0.0.5
        port: 514
        facility: local5
        level: info
      gelf:
        protocol: udp          # udp | tcp
        server: graylog.example
        port: 12201
        chunk-size: 8192
```

### When the far end is away

Network destinations never hold up capture: a record is put in a queue
(bounded: `&memcap=BYTES` on the URL, 16 MiB by default) and a writer
thread of the destination sends it. The thread connects, and reconnects
after a failure with a backoff from 50 ms to 2 s, telling the operator once
per outage (`pipewatch: redis 127.0.0.1:6379 key pipewatch: … reconnecting`,
then `connected again`). Records stay queued until the far end has taken
them (for Redis: until its replies are read), so a batch cut by a failure is
sent again after the reconnect: a record may arrive twice, never silently
not at all. A record that does not fit the queue, one too large for a
datagram, and whatever is still queued 5 s after the end of the run are
counted as dropped: `events.output_dropped` in the stats record (left out
while 0) and one line at the end of the run
(`pipewatch: DEST: N records not delivered …`). The run goes on and exits 0:
a destination that is away is not a fault of the run. A bad URL is: one
line naming it, exit 2.

## Layouts

- `eve` (default): Suricata's EVE JSON, as described in docs/events.md.
- `ecs`: Elastic Common Schema, a Windows event as Winlogbeat's security
  module indexes it: `@timestamp`, `event.code` (a string), `event.action`
  (the task: `Detailed File Share`, `File Share`), `event.category`,
  `event.type`, `event.outcome` (`success`/`failure` from the audit
  keyword), `host.name`, `source.ip`/`source.port`, `user.name`/`user.domain`
  /`user.id` (the subject), and `winlog.*` as Winlogbeat writes it
  (`winlog.event_id` a string, `winlog.task`, `winlog.event_data.AccessMask`
  an array of its words, `["0x12019f"]`, as the security module indexes it)
  with `winlog.event_data.AccessListDescription` (the AccessList codes by
  the names Windows renders, msobjs.dll: `READ_CONTROL`, `ReadData (or
  ListDirectory)` …) and `AccessMaskDescription` (the mask's bits by the
  names of Winlogbeat's own table, lowest bit first: `Create Child`,
  `READ_CONTROL` …; see docs/events.md), the same renderings as EVE's. An alert is
  `event.kind: alert` with `rule.*` (`uuid` the Sigma id, `id` the signature
  id, `name`, `ruleset: sigma`, `reference`) and `threat.technique.id` from
  the ATT&CK tags. Flows are `event.category: network`, `event.type:
  [connection, end]` with `source.packets`/`bytes` and the like; stats are
  `event.kind: metric`. What ECS has no field for is kept under `pipewatch.*`
  in EVE's shape.
- `splunk`: Splunk HTTP Event Collector JSON (`time` in epoch seconds,
  `host`, `source`, `sourcetype`, `event`). A Windows event has `source:
  WinEventLog:Security` (`WinEventLog:System` for the service control
  manager's events), `sourcetype: WinEventLog`, and its fields flat under
  `event` by the names Splunk's Windows add-on extracts: `EventCode`,
  `LogName`, `SourceName`, `ComputerName`, `TaskCategory`, `Keywords`,
  `Type`, `OpCode`, `Message`, and the EventData names (`ShareName`,
  `RelativeTargetName`, `IpAddress`, `AccessMask` …). The event is JSON:
  the sourcetype wants `KV_MODE = json` (or `INDEXED_EXTRACTIONS = json`)
  in props.conf. Alerts are `source: pipewatch:alert` (the same Windows
  fields plus `signature`, `signature_id`, `severity`, `rule_id`,
  `rule_level`), so a search for the event does not count its alert twice;
  other records carry their EVE object under `source: pipewatch:TYPE`,
  `sourcetype: pipewatch:eve`.
- `gelf`: GELF 1.1 (`version`, `host`: the Windows computer or the sensor,
  `short_message`, `timestamp`, `level`: 6, or the Sigma level's syslog
  severity for alerts: critical 2, high 3, medium 4, low 5). A Windows
  event's fields are additional fields by their Windows names: `_EventID`,
  `_Channel`, `_SourceName`, `_Hostname`, `_Category`, `_Keywords`,
  `_EventType`, `_ShareName`, `_RelativeTargetName` … (Graylog shows them as
  `EventID`, `ShareName` …, the names its Windows inputs use). The rest of
  the record is EVE flattened (`_smb_command`, `_alert_signature`,
  `_flow_pkts_toserver`; GELF allows no nesting: an array is a string of its
  JSON; characters other than letters, digits, `_ . -` in a key become `_`).
- `logpoint`: one flat object: `event_source` (the provider), `event_id`,
  `event_category` (the task), `event_type` (`Audit Success`/`Failure`),
  `host`, `user`, `domain`, `source_address`, `source_port`,
  `destination_address`, `destination_port`, `message`, the EventData
  fields by their Windows names (`ShareName`, `RelativeTargetName` …: LogPoint
  keeps them as Windows writes them), `record_type` (EVE's `event_type`) and
  the rest of the record flattened from EVE as for GELF, without the `_`.
  `event_source` and `event_id` are what LogPoint's Sigma conversions read;
  the other taxonomy names follow LogPoint's common taxonomy and are not
  checked against a LogPoint installation.

### Incidents and their alerts

An incident record (docs/incidents.md) and the alert raised for it are
record kinds like the others: every layout lays them out, every destination
takes them. Each layout names what a run is made of as its SIEM does, and
keeps the rest of the incident in its own way:

| | `ecs` | `splunk` | `gelf` | `logpoint` |
|---|---|---|---|---|
| kind | `event.kind: event`, `event.category: [network, process]`; the alert `event.kind: alert`, `event.category: [intrusion_detection]`, `event.severity: 1` | `source`/`sourcetype` `pipewatch:incident`; the alert `pipewatch:alert` with `signature`, `signature_id`, `severity`, `category`, `ids_type` | `short_message` the run in one line, `level` 5; the alert's `level` 2 (as a critical Sigma rule) and the signature first | `record_type: incident`; the alert with `alert_name`, `severity: critical` |
| tool | `threat.software.name` | `tool` | `_incident_tool` | `incident_tool` |
| client, server | `source.ip`/`port`, `source.domain` (the workstation, as Winlogbeat fills it from WorkstationName), `destination.ip`/`port` | `src` (workstation, else address), `src_ip`, `src_port`, `src_nt_host`, `dest`, `dest_ip`, `dest_port` | `_source_ip`, `_source_port`, `_source_hostname`, `_destination_ip`, `_destination_port` | `source_address`, `source_port`, `workstation`, `destination_address`, `destination_port` |
| user | `user.name`, `user.domain` | `user`, `domain` | `_user_name`, `_user_domain` | `user`, `domain` |
| service, binary | `service.name` (as Winlogbeat's security module fills it for 4697), `process.command_line` (and `executable`, `name` when the path has no arguments) | `service_name`, `service_path` (CIM Endpoint Services); a task's command `process` | `_service_name`, `_process_command_line` | `service`, `command` |
| files | `file.name`/`directory`/`path`/`size`/`hash.sha256` (the first file), `related.hash` (all) | `file_name`, `file_path`, `file_hash` (multivalue) | `_file_name`, `_file_path`, `_hash_sha256` (the first file) | `file`, `path`, `hash` (the first file) |
| flows, pipes, evidence … | under `pipewatch.incident` in EVE's shape | `flow_id`, `pipe` (multivalue), and the EVE `incident` object | EVE flattened: `_incident_flows`, `_incident_pipes` … (lists as the text of their JSON) | EVE flattened: `incident_flows` … |
| also | `message`, `event.action: remote-execution`, `event.start`/`end`/`duration`, `threat.technique.id` (T1021.002; T1569.002 with a service, T1053.005 with a task, T1570 with a file written), `related.ip`/`user`/`hosts`, `rule.*` for the alert | `vendor_product`, `action`, `message`, `incident_id`, `first_seen`, `last_seen`, `duration` | `_event_action` | `message`, `action` |

A hash is given under these names only when the whole file was hashed; a
partial one stays in the incident's own `files` list, marked
`sha256_partial`. The Splunk names are those of Splunk's Common Information
Model where it has one (Intrusion Detection, Endpoint); the GELF names those
of the Graylog Information Model (GIM); the LogPoint names follow its
taxonomy's style and are not checked against a LogPoint installation. A
correlation's alert (docs/sigma.md) is, under `ecs`, `event.kind: alert`
with the correlation's `rule.*` and its EVE record under `pipewatch.eve`;
the flat layouts flatten it as any record.

### The seed rule's conversions

`tests/cli/test_out_layouts.sh` evaluates each conversion of the seed rule
(Suspicious PsExec Execution, /work/shared/seed) on the sample's records in
the layout its SIEM reads: Splunk's (`source="WinEventLog:Security"
EventCode ShareName RelativeTargetName`) on `splunk`, Graylog's (`EventID
ShareName RelativeTargetName`) on `gelf`, LogPoint's (`event_source event_id
ShareName RelativeTargetName`) on `logpoint`, and the Elasticsearch one
(`winlog.channel winlog.event_id winlog.event_data.ShareName`) plus the ECS
fields pySigma's pipeline reads (`event.code`, `user.name`, `source.ip`) on
`ecs`; each selects exactly the three pipe events the rule alerts on. The
conversions' own flaws stay theirs: their values are escaped for their
query languages (`\\\\*\\\\IPC$`), the es-qs and watcher queries name
`RelativeTargetName` without its `winlog.event_data.` prefix (as written
they match nothing in a Winlogbeat index, ours included), and the watcher's
time filter reads `timestamp` where Winlogbeat writes `@timestamp`.

## A record of each type, in each layout
"""

EXPLAIN = {
    "smb": "an SMB command (here the CREATE of the -stdin pipe)",
    "winlog": "a rebuilt Windows event (5145 for the -stdin pipe)",
    "alert": "a Sigma match (the seed rule on the -stdin pipe)",
    "flow": "a finished flow",
    "stats": "the counters at the end of the run",
    "incident": "one remote-execution run (here the renamed PsExec's)",
    "incident alert": "the alert raised for that incident",
}


def run(layout):
    out = subprocess.run([PW, "-q", "--layout", layout, "-r", CAP], capture_output=True, check=True).stdout
    eve = subprocess.run([PW, "-q", "-r", CAP], capture_output=True, check=True).stdout
    return list(zip([json.loads(l) for l in eve.splitlines()], out.decode().splitlines()))


def pick(pairs, kind):
    for e, line in pairs:
        if kind == "incident alert":
            if e["event_type"] == "alert" and "incident" in e:
                return line
            continue
        if e["event_type"] != kind or (kind == "alert" and "incident" in e):
            continue
        if kind in ("smb", "winlog", "alert"):
            if (e.get("smb") or {}).get("filename") != "updsvc-WKS01-4242-stdin":
                continue
            if kind == "smb" and e["smb"].get("command") != "SMB2_COMMAND_CREATE":
                continue
        return line
    return None


out = [HEAD]
for layout in ("eve", "ecs", "splunk", "gelf", "logpoint"):
    out.append("\n### %s\n" % layout)
    pairs = run(layout)
    for kind in ("smb", "winlog", "alert", "flow", "stats", "incident", "incident alert"):
        line = pick(pairs, kind)
        if line is None:
            continue
        rec = json.loads(line)
        # the sensor's own name stands where a record is about no Windows host
        if layout in ("splunk", "gelf") and kind not in ("winlog", "alert") and rec.get("host") == HOST:
            rec["host"] = "SENSOR"
        text = json.dumps(rec, indent=2, ensure_ascii=False)
        out.append("%s, %s:\n\n```json\n%s\n```\n" % (kind, EXPLAIN[kind], text))
sys.stdout.write("\n".join(out))
