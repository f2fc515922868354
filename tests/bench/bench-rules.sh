#!/bin/bash
# bench-rules.sh: run by `make bench-rules` (and `make bench`). Matching cost against the size of
# the rule set: generated sets of 10, 1,000 and 10,000 rules (tests/tools/rulegen.h, written out by
# sigma-rulegen), plus BENCH_RULES_DIR when the user has a real collection, each over the same
# capture (the renamed-PsExec sample replicated 1,000 times: 8,000 Windows events, every one run
# through the rules). Prints a markdown table, also written to $BUILD/bench-rules.md:
#   load s       loading and indexing the rules (--test-rules)
#   replay s     the whole run, loading included (best of BENCH_RUNS)
#   events/s     Windows events (5145 + 5140) over the replay time, loading included
#   matching µs  (replay - load) per event over the 10-rule row's: the added cost of the rules
# and, with 10,000 rules, the time from SIGTERM to exit with 6,400 requests pending (100
# connections of 64 unanswered CREATEs, read with --follow so the process is waiting when the
# signal comes). Speed is reported here, never asserted.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build-bench}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_RUNS:-3}
PW=$B/pipewatch
REPORT=$B/bench-rules.md
for t in "$PW" "$B/tools/sigma-rulegen" "$B/tools/pcap-replicate" "$B/tools/pcap-hostile"; do
    [ -x "$t" ] || { echo "bench-rules: $t is missing (run 'make bench-rules')" >&2; exit 1; }
done
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pipewatch-bench-rules.XXXXXX")
trap 'rm -rf "$TMP"' EXIT

now() { date +%s.%N; }
"$B/tools/pcap-replicate" -k 1000 -g 1 "$ROOT/pcaps/psexec-renamed.pcap" "$TMP/cap.pcap" >/dev/null 2>&1
"$B/tools/pcap-hostile" pending 100 "$TMP/pending.pcap"

row() { # row NAME RULEDIR
    local t0 t1 load best=
    t0=$(now)
    "$PW" -q -S "$2" --test-rules
    t1=$(now)
    load=$(echo "$t1 - $t0" | bc -l)
    for _ in $(seq "$RUNS"); do
        t0=$(now)
        "$PW" -q -S "$2" -r "$TMP/cap.pcap" --types stats -o "$TMP/stats.json"
        t1=$(now)
        local el
        el=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$el < $best" | bc -l)" = 1 ]; then best=$el; fi
    done
    local ev
    ev=$(python3 -c 'import json,sys
s=json.loads(open(sys.argv[1]).readline())["stats"]["events"]
print(s["winlog_5145"]+s["winlog_5140"])' "$TMP/stats.json")
    local rules
    rules=$("$PW" -S "$2" --test-rules | grep -Eo '^[0-9]+')
    [ -n "${base:-}" ] || base=$(echo "$best - $load" | bc -l)
    printf '| %s | %s | %.2f | %.2f | %s | %s | %s |\n' "$1" "$rules" "$load" "$best" "$ev" \
        "$(python3 -c 'import sys; print("%.0f" % (float(sys.argv[1]) / float(sys.argv[2])))' "$ev" "$best")" \
        "$(python3 -c 'import sys; ev, t, l, b = map(float, sys.argv[1:])
print("%.1f" % max(0.0, (t - l - b) / ev * 1e6))' "$ev" "$best" "$load" "$base")"
}

{
    echo "| rule set | rules | load s | replay s | events | events/s | matching µs/event |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    for n in 10 1000 10000; do
        "$B/tools/sigma-rulegen" "$n" "$TMP/rules-$n"
        row "generated $n" "$TMP/rules-$n"
    done
    if [ -n "${BENCH_RULES_DIR:-}" ]; then
        row "$BENCH_RULES_DIR" "$BENCH_RULES_DIR"
    fi
    "$PW" -q --follow -S "$TMP/rules-10000" -r "$TMP/pending.pcap" -o "$TMP/pending.json" &
    pid=$!
    # wait until the capture is read: the output file holds the flows' first records only at exit,
    # so wait for the loading and the read, generously
    sleep 5
    t0=$(now)
    kill -TERM "$pid"
    wait "$pid" || true
    t1=$(now)
    printf '\nSIGTERM to exit, 10,000 rules, 6,400 pending requests flushed (%s alerts): %.2f s\n' \
        "$(grep -c '"event_type":"alert"' "$TMP/pending.json")" "$(echo "$t1 - $t0" | bc -l)"
} | tee "$REPORT"
