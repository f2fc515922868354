#!/bin/bash
# profile.sh PIPEWATCH CAPTURE [PACKETS]: where pipewatch's time goes, as callgrind instruction
# counts (exact and repeatable, unlike timings on a shared machine) over the first PACKETS packets
# (default 100000) of CAPTURE. Prints a markdown table by stage; run by bench.sh with BENCH_PROFILE=1.
# The stages are inclusive costs of the functions named beside them; "other" is what is left.
set -euo pipefail
PW=$1
PCAP=$2
N=${3:-100000}
command -v valgrind >/dev/null || { echo "valgrind is missing: apt-get install valgrind" >&2; exit 1; }
W=$(mktemp -d /tmp/pw-profile.XXXXXX)
trap 'rm -rf "$W"' EXIT
# classic pcap, as the capture itself: pipewatch maps it instead of reading it through libpcap
editcap -F pcap -r "$PCAP" "$W/prefix.pcap" "1-$N" 2>/dev/null
valgrind --tool=callgrind --callgrind-out-file="$W/cg.out" "$PW" -q -r "$W/prefix.pcap" -o "$W/eve.json" 2>/dev/null
callgrind_annotate --inclusive=yes --threshold=100 "$W/cg.out" >"$W/incl.txt" 2>/dev/null
python3 - "$W/incl.txt" "$W/eve.json" "$N" "$(basename "$PCAP")" <<'PY'
import re, sys
incl = {}
for line in open(sys.argv[1]):
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+(\S+?):([A-Za-z_][\w]*)[.\w]* \[", line)
    if m:
        ir, fn = int(m.group(1).replace(",", "")), m.group(3)
        incl[fn] = max(incl.get(fn, 0), ir)
events = sum(1 for _ in open(sys.argv[2]))
g = lambda *fns: sum(incl.get(f, 0) for f in fns)
total = g("main")
stages = [
    ("start-up and exit (main outside the packet loop)", total - g("run_offline")),
    ("reading the capture (capture_file_next, libpcap)", g("capture_file_next")),
    ("decoding L2-L4 (decode_packet)", g("decode_packet")),
    ("flow table (flow_lookup)", g("flow_lookup")),
    ("nDPI (appid_flow_new, appid_packet; its set-up at the first flow included)", g("appid_flow_new", "appid_packet")),
    ("SMB parsing: NBSS, SMB1/2, DCE/RPC (smb_conn_data minus smb_emit)", g("smb_conn_data") - g("smb_emit")),
    ("Windows events from facts (winevent_build)", g("winevent_build")),
    ("Sigma rules (sigma_match, sigma_match_fixed)", g("sigma_match", "sigma_match_fixed")),
    ("incident stage (incident_observe)", g("incident_observe")),
    ("EVE JSON records (eve_build, the layout of every record)", g("eve_build")),
]
known = sum(v for _, v in stages)
stages.append(("other (reassembly, flow records, bookkeeping)", total - known))
print("Profile: callgrind, first %s packets of `%s`, %d EVE records written; %.0f instructions per packet"
      % (sys.argv[3], sys.argv[4], events, total / int(sys.argv[3])))
print()
print("| stage | instructions (M) | share |")
print("| --- | ---: | ---: |")
for name, v in stages:
    print("| %s | %.1f | %.1f%% |" % (name, v / 1e6, 100.0 * v / total if total else 0))
print("| total | %.1f | 100%% |" % (total / 1e6))
PY
