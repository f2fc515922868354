#!/bin/sh
# Live capture goes on when the output cannot be reopened on SIGHUP: a veth
# pair between two namespaces made here, pipewatch on one end, tcpreplay on
# the other. Three PsExec runs (distinct addresses) are sent: before the
# rotation, while the output's directory is a plain file, and after it is a
# directory again. The first and the last must give their alerts, the middle
# one must be counted as not written, and pipewatch must still be capturing.
. tests/pcap/lib.sh
. tests/live/lib.sh
live_netns r

# Three copies of the sample with their own addresses and ports, one file each.
"$TOOLS/pcap-replicate" -k 3 -g 1 pcaps/psexec-renamed.pcap "$TMP/three.pcap" >/dev/null 2>&1 ||
    { echo "FAIL pcap-replicate"; exit 1; }
python3 - "$TMP/three.pcap" "$TMP/run" <<'PY' || { echo "FAIL cannot split the copies"; exit 1; }
import struct, sys
data = open(sys.argv[1], "rb").read()
head, recs, off = data[:24], [], 24
while off + 16 <= len(data):
    n = struct.unpack_from("<I", data, off + 8)[0]
    recs.append(data[off:off + 16 + n])
    off += 16 + n
per = len(recs) // 3
for i in range(3):
    open("%s%d.pcap" % (sys.argv[2], i + 1), "wb").write(head + b"".join(recs[i * per:(i + 1) * per]))
PY

send() { # send PCAP: replays it into the capturing end
    ip netns exec "$NSB" tcpreplay -q -i "$B" --mbps 20 "$1" >"$TMP/send.log" 2>&1 ||
        { echo "FAIL tcpreplay $1: $(cat "$TMP/send.log")"; fails=$((fails + 1)); }
    sleep 1
}
wait_for() { # wait_for FILE PATTERN: until FILE holds a line matching PATTERN (10 s at most)
    n=0
    until grep -Eq "$2" "$1" 2>/dev/null; do
        n=$((n + 1))
        [ $n -gt 100 ] && return 1
        sleep 0.1
    done
}

mkdir "$TMP/log"
ip netns exec "$NSA" "$PW" -i "$A" -f "" --types alert,stats -o "$TMP/log/eve.json" 2>"$TMP/err" &
pid=$!
wait_for "$TMP/err" "capturing on" || { echo "FAIL pipewatch did not start: $(cat "$TMP/err")"; exit 1; }
send "$TMP/run1.pcap"
wait_for "$TMP/log/eve.json" '"event_type":"alert"' || echo "     (no alert yet from the first run)"
# rotation that cannot make the new file: its directory is now a file
mv "$TMP/log" "$TMP/rotated"
: >"$TMP/log"
kill -HUP "$pid"
wait_for "$TMP/err" "cannot open output file" || echo "     (no line about the failed reopen)"
send "$TMP/run2.pcap"
alive=no
kill -0 "$pid" 2>/dev/null && alive=yes
rm "$TMP/log"
mkdir "$TMP/log"
kill -HUP "$pid"
wait_for "$TMP/err" "opened again;" || echo "     (no line about the output opened again)"
send "$TMP/run3.pcap"
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""

python3 - "$TMP/rotated/eve.json" "$TMP/log/eve.json" "$TMP/err" "$rc" "$alive" <<'PY' || fails=$((fails + 1))
import json, sys
old, new, err, rc, alive = sys.argv[1:]
def recs(p):
    try:
        return [json.loads(l) for l in open(p)]
    except FileNotFoundError:
        return []
def alerts(rs):
    return [r for r in rs if r["event_type"] == "alert"]
errs = open(err).read().splitlines()
a, b = recs(old), recs(new)
problems = []
if rc != "0":
    problems.append("exit %s after SIGTERM" % rc)
if alive != "yes":
    problems.append("pipewatch was not running after the failed reopen")
fails = [l for l in errs if "cannot open output file" in l]
if len(fails) != 1:
    problems.append("%d lines about the failed reopen, expected 1" % len(fails))
if len(alerts(a)) != 3:
    problems.append("%d alerts from the run before the rotation, expected 3" % len(alerts(a)))
if len(alerts(b)) != 3:
    problems.append("%d alerts from the run after the output came back, expected 3" % len(alerts(b)))
ips = {r["src_ip"] for r in alerts(a)} & {r["src_ip"] for r in alerts(b)}
if ips:
    problems.append("the same client in both files: %s" % sorted(ips))
stats = [r["stats"] for r in b if r["event_type"] == "stats"]
unw = stats[-1].get("output", {}).get("unwritten_records", 0) if stats else -1
if unw < 3:
    problems.append("stats output.unwritten_records %s, expected the middle run's 3 alerts or more" % unw)
if stats and stats[-1]["capture"]["packets"] < 3 * 72:
    problems.append("%d packets captured, 216 sent" % stats[-1]["capture"]["packets"])
if problems:
    print("FAIL live output not reopened: " + "; ".join(problems))
    print("     stderr: %r" % errs)
    sys.exit(1)
print("ok   live output not reopened: capture went on, 3 alerts before, 3 after, %d records counted as not written" % unw)
PY
finish
