#!/bin/sh
# Sigma correlations over captures: the rules of tests/pcap/rules/correlations.yml
# fire on a PsExec run with the group and the events they counted, and give
# the same alerts with one worker or several, also when the events of one
# correlation come from flows that the workers share out (four copies of a run
# between four pairs of addresses).
. tests/pcap/lib.sh
RULES=tests/pcap/rules/correlations.yml
# "signature|group|value|events_count|listed events" per correlation alert, sorted
corr_alerts() {
    python3 - "$1" <<'PY'
import json, sys
out = []
for line in open(sys.argv[1]):
    r = json.loads(line)
    c = r.get("correlation")
    if r["event_type"] != "alert" or not c:
        continue
    group = ",".join("%s=%s" % kv for kv in sorted(c["group"].items()))
    flows = all("flow_id" in e for e in c["events"]) or c["type"] == "temporal_ordered"
    out.append("%s|%s|%s|%s|%d|%s" % (r["alert"]["signature"], group, c["value"], c["events_count"],
                                      len(c["events"]), "flows" if flows else "NO-FLOW"))
print("\n".join(sorted(out)))
PY
}
"$PW" -q -S "$RULES" -r pcaps/psexec-renamed.pcap --types alert -o "$TMP/one.json" || { echo "FAIL exit $?"; exit 1; }
corr_alerts "$TMP/one.json" >"$TMP/got"
cat >"$TMP/want" <<'W'
Admin share then pipes from the same client|IpAddress=10.99.0.2|2|2|2|flows
Several named pipes opened by one client|IpAddress=10.99.0.2|3|3|3|flows
W
check "psexec-renamed: the event_count and temporal_ordered correlations" diff "$TMP/want" "$TMP/got"
# the base rules are named by correlations without generate: true: no alert of their own
check "base rules make no alert alone" sh -c "! grep -q '\"signature\":\"Named pipe opened on IPC' '$TMP/one.json'"

"$TOOLS/pcap-replicate" -k 4 pcaps/psexec-renamed.pcap "$TMP/four.pcap" >/dev/null 2>&1 || { echo "FAIL pcap-replicate"; exit 1; }
"$PW" -q -S "$RULES" -r "$TMP/four.pcap" --types alert -o "$TMP/w1.json" || { echo "FAIL exit $?"; exit 1; }
corr_alerts "$TMP/w1.json" >"$TMP/want1"
check "four clients: value_count of IpAddress reaches 4" grep -q "One pipe name opened from many clients|RelativeTargetName=.*|4|4|4|flows" "$TMP/want1"
for n in 2 3; do
    "$PW" -q -S "$RULES" -r "$TMP/four.pcap" --workers $n --types alert -o "$TMP/w$n.json" || { echo "FAIL exit $?"; exit 1; }
    corr_alerts "$TMP/w$n.json" >"$TMP/got$n"
    check "four clients --workers $n: the same correlation alerts as one worker ($(wc -l <"$TMP/want1"))" diff "$TMP/want1" "$TMP/got$n"
done

# the stats record counts the correlations' alerts in events.alerts, and on
# their own in events.correlation_alerts, with one worker and with several
count_alerts() {
    python3 - "$1" <<'PY'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
alerts = [r for r in recs if r["event_type"] == "alert"]
corr = [r for r in alerts if "correlation" in r]
ev = [r for r in recs if r["event_type"] == "stats"][-1]["stats"]["events"]
print("records %d/%d stats %d/%d" % (len(alerts), len(corr), ev["alerts"], ev.get("correlation_alerts", 0)))
PY
}
for n in 1 2; do
    "$PW" -q -S "$RULES" -r "$TMP/four.pcap" --workers $n --types alert,stats -o "$TMP/s$n.json" || { echo "FAIL exit $?"; exit 1; }
    got=$(count_alerts "$TMP/s$n.json")
    ncorr=$(wc -l <"$TMP/want1")
    case "$got" in
    "records "*"/$ncorr stats "*"/$ncorr") a=${got#records }; a=${a%%/*}; s=${got#*stats }; s=${s%%/*}
        check "--workers $n: stats counts every alert record ($got)" test "$a" = "$s" -a "$ncorr" -gt 0 ;;
    *) check "--workers $n: stats counts the correlation alerts ($got, want $ncorr)" false ;;
    esac
done
# every layout lays a correlation's alert out (it has no event of its own)
for layout in ecs splunk gelf logpoint; do
    "$PW" -q -S "$RULES" -r pcaps/psexec-renamed.pcap --types alert --layout $layout -o "$TMP/l.json" ||
        { echo "FAIL --layout $layout: exit $?"; exit 1; }
    check "--layout $layout: the two correlation alerts, with their signature" test "$(grep -c 'Admin share then pipes from the same client\|Several named pipes opened by one client' "$TMP/l.json")" = 2
done
"$PW" -q -S "$RULES" -r pcaps/psexec-renamed.pcap --types alert --layout ecs -o "$TMP/ecs.json"
check "ecs: a correlation alert is event.kind alert with its rule" grep -q '"event":{"kind":"alert","category":\["intrusion_detection"\],"type":\["info"\],"action":"sigma-correlation".*"rule":{"uuid":"2b9e4d70-3f8a-4c61-9d05-c7a1e6b83f19"' "$TMP/ecs.json"
"$PW" -S "$RULES" -r pcaps/psexec-renamed.pcap --types alert -o "$TMP/sum.json" 2>"$TMP/sum.err" || { echo "FAIL exit $?"; exit 1; }
check "the summary counts them too (2 correlation alerts)" grep -q "5140, 2 alerts" "$TMP/sum.err"
finish
