#!/bin/sh
# A live run split over workers: impacket's psexec.py opens four connections
# (one per stdio pipe); live, the kernel's fanout hash includes the ports, so
# with --workers 2 they are shared out between the workers. The run must
# still be one incident with its four flows, the same as the offline replay.
. tests/pcap/lib.sh
. tests/live/lib.sh
live_netns i

"$PW" -q -r pcaps/impacket-psexec.pcap --types incident,alert -o "$TMP/offline.json" || { echo "FAIL offline"; exit 1; }
ip netns exec "$NSA" "$PW" -i "$A" -f "" --workers 2 --types incident,alert,stats -o "$TMP/live.json" 2>"$TMP/err" &
pid=$!
i=0
until grep -q "capturing on" "$TMP/err"; do
    i=$((i + 1))
    [ $i -gt 100 ] && { echo "FAIL pipewatch did not start: $(cat "$TMP/err")"; exit 1; }
    sleep 0.1
done
ip netns exec "$NSB" tcpreplay -q -i "$B" --mbps 20 pcaps/impacket-psexec.pcap >"$TMP/replay.log" 2>&1 ||
    { echo "FAIL tcpreplay: $(cat "$TMP/replay.log")"; exit 1; }
sleep 1
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
check "pipewatch exit $rc" test "$rc" -eq 0
check "--workers 2 live: one impacket-psexec incident with the four flows, as offline" python3 - "$TMP/offline.json" "$TMP/live.json" <<'PY'
import json, sys
def incidents(p):
    return [json.loads(l) for l in open(p) if '"event_type":"incident"' in l]
off, live = incidents(sys.argv[1]), incidents(sys.argv[2])
stats = [json.loads(l)["stats"] for l in open(sys.argv[2]) if '"event_type":"stats"' in l]
ws = stats[-1].get("capture_workers", []) if stats else []
if len(live) != 1:
    print("%d incidents live" % len(live)); sys.exit(1)
a, b = off[0]["incident"], live[0]["incident"]
for k in ("tool", "user", "service_name", "binary_path", "pipes", "commands"):
    # lists in the order the workers happened to report them
    if (sorted(a[k]) if isinstance(a[k], list) else a[k]) != (sorted(b[k]) if isinstance(b[k], list) else b[k]):
        print("%s: offline %r, live %r" % (k, a[k], b[k])); sys.exit(1)
if len(b["flows"]) != 4:
    print("%d flows live" % len(b["flows"])); sys.exit(1)
print("%s, %d flows; packets per worker: %s" % (b["tool"], len(b["flows"]), [w.get("packets") for w in ws]))
PY
finish
