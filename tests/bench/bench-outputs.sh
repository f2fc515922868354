#!/bin/bash
# bench-outputs.sh: run by `make bench` after bench.sh. Times pipewatch on one capture (the
# renamed-PsExec sample grown with pcap-replicate: many flows, many records) with each layout to
# /dev/null, and with the eve layout to each destination: a file, a private redis-server on
# loopback, syslog and GELF over UDP and TCP to local sinks that read and discard. Prints a markdown
# table (records/s as pipewatch sees them, from its start to its exit including the final drain of
# the queue; the records the far end counted; pipewatch's dropped count), also written to
# $BUILD/bench-outputs.md. Speed is reported, never asserted.
#
# Environment: BUILD (build-bench), BENCH_OUT_COPIES (2000 copies of the sample), BENCH_RUNS (3).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build-bench}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
PW=$B/pipewatch
RUNS=${BENCH_RUNS:-3}
COPIES=${BENCH_OUT_COPIES:-2000}
REPORT=$B/bench-outputs.md
WORK=$(mktemp -d /tmp/pw-bench-out.XXXXXX)
REDIS_PID=""
SINK_PID=""
cleanup() {
    [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
    [ -n "$SINK_PID" ] && kill "$SINK_PID" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
say() { echo "bench-outputs: $*" >&2; }

REPL=$B/tools/pcap-replicate
[ -x "$REPL" ] || REPL=$ROOT/build/tools/pcap-replicate
"$REPL" -k "$COPIES" -g 50 "$ROOT/pcaps/psexec-renamed.pcap" "$WORK/cap.pcap" >/dev/null
TYPES=smb,winlog,alert,flow
NREC=$("$PW" -q --types $TYPES -r "$WORK/cap.pcap" | wc -l)
say "capture: $COPIES copies of psexec-renamed.pcap, $NREC records"

port() { # port tcp|udp: a free loopback port of that kind
    python3 -c 'import socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])' "${1:-tcp}"
}

# A sink on loopback that counts what it receives: udp (datagrams) or tcp (bytes of frames ended by
# NUL or octet-counted: it counts NULs, or "N " prefixes are not parsed: only bytes are counted).
start_sink() { # start_sink udp|tcp PORT: the count is written to $WORK/sink.count on SIGTERM
    rm -f "$WORK/sink.count"
    python3 - "$1" "$2" "$WORK/sink.count" <<'PY' &
import os, signal, socket, sys
kind, port, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
n = {"msgs": 0, "bytes": 0}
def done(*_):
    open(out, "w").write("%d %d\n" % (n["msgs"], n["bytes"]))
    os._exit(0)
signal.signal(signal.SIGTERM, done)
if kind == "udp":
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 16 << 20)
    s.bind(("127.0.0.1", port))
    while True:
        d = s.recv(70000)
        n["msgs"] += 1
        n["bytes"] += len(d)
else:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    while True:
        c, _ = s.accept()
        while True:
            d = c.recv(1 << 20)
            if not d:
                break
            n["bytes"] += len(d)
            n["msgs"] += d.count(b"\0")
PY
    SINK_PID=$!
    SINK_PORT=$2
    sleep 0.3
}
stop_sink() {
    kill "$SINK_PID" 2>/dev/null || true
    for _ in $(seq 40); do [ -s "$WORK/sink.count" ] && break; sleep 0.05; done
    local m b
    read -r m b <"$WORK/sink.count" || { echo "-"; return; }
    if [ "$1" = bytes ]; then echo "$((b / RUNS)) bytes/run"; else echo "$((m / RUNS)) msgs/run"; fi
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# row NAME COUNT_CMD PIPEWATCH-ARGS…: times RUNS runs, then COUNT_CMD says what the far end got;
# prints a table row
row() {
    local name=$1 got=$2
    shift 2
    local times=() dropped=0
    for _ in $(seq "$RUNS"); do
        local t0 t1
        t0=$(date +%s.%N)
        "$PW" -q --types $TYPES -r "$WORK/cap.pcap" "$@" >/dev/null 2>"$WORK/err" || { say "$name failed: $(tail -1 "$WORK/err")"; return; }
        t1=$(date +%s.%N)
        times+=("$(echo "$t1 - $t0" | bc)")
        dropped=$(sed -n 's/.*: \([0-9]*\) records not delivered.*/\1/p' "$WORK/err" | tail -1)
    done
    local med
    med=$(printf '%s\n' "${times[@]}" | median)
    printf '| %s | %.2f | %.0f | %s | %s |\n' "$name" "$med" "$(echo "$NREC / $med" | bc -l)" "$($got)" "${dropped:-0}" | tee -a "$REPORT"
}
none() { echo "-"; }

{
    echo "| layout → destination | seconds | records/s | the far end got | counted dropped |"
    echo "|---|---|---|---|---|"
} | tee "$REPORT"
for l in eve ecs splunk gelf logpoint; do
    row "$l → /dev/null" none --layout "$l" -o /dev/null
done
row "eve → file" none -o "$WORK/out.json"

if command -v redis-server >/dev/null; then
    RP=$(port)
    redis-server --bind 127.0.0.1 --port "$RP" --save '' --appendonly no --dir "$WORK" --logfile "$WORK/redis.log" &
    REDIS_PID=$!
    sleep 0.5
    redis-cli -p "$RP" del pw >/dev/null
    rcount() { echo "$(($(redis-cli -p "$RP" llen pw) / RUNS)) records/run"; redis-cli -p "$RP" del pw >/dev/null; }
    row "eve → redis list" rcount -o "redis://127.0.0.1:$RP/pw"
    row "ecs → redis list" rcount --layout ecs -o "redis://127.0.0.1:$RP/pw"
    kill "$REDIS_PID"
    REDIS_PID=""
else
    say "redis-server is not installed: no redis rows"
fi
msgs() { stop_sink msgs; }
bytes() { stop_sink bytes; }
for proto in udp tcp; do
    start_sink "$proto" "$(port $proto)"
    P=$SINK_PORT
    row "eve → syslog+$proto" "$([ $proto = udp ] && echo msgs || echo bytes)" -o "syslog+$proto://127.0.0.1:$P"
    start_sink "$proto" "$(port $proto)"
    P=$SINK_PORT
    row "gelf → gelf+$proto" msgs -o "gelf+$proto://127.0.0.1:$P"
done
say "report: $REPORT"
