#!/bin/bash
# bench-live.sh: run by `make bench-live` (as root). Live capture under load, reported, never asserted.
#
# Two network namespaces made here, joined by a veth pair (offloads off, no IPv6): tcpreplay (or
# pcap-blast, BENCH_LIVE_SENDER below) sends a dense SMB capture into one end, from a session of
# its own, and on the other end pipewatch and
# `tcpdump -i IF -B 65536 -w /dev/null` capture side by side, on the same replay, with the same
# filter (pipewatch's default, `tcp port 445 or tcp port 139`). For each replay rate (top speed,
# then stepped rates) and each pipewatch configuration (1 worker, N workers, and optionally an
# older build for a before/after), it reports: packets each saw, their kernel drops, the CREATE
# requests pipewatch found live against its offline replay of the same file, CPU time and peak RSS.
# A second part measures the delay from the end of a replay to its last alert in the output.
#
# Environment: BUILD (build-bench), BENCH_LIVE_PCAP (the capture to replay; default: the dense
# capture's seed replicated to about 180k packets, made by make-bench-pcap.sh --dense when
# missing), BENCH_LIVE_PACKETS (the default capture's size instead of 180000, e.g. 900000 for a
# replay that outlasts the kernel ring), BENCH_LIVE_RATES ("top 400 200": "top" or Mbit/s), BENCH_LIVE_RUNS (2 replays per
# rate and configuration), BENCH_LIVE_WORKERS ("1 auto"), BENCH_LIVE_LOAD (busy loops run beside
# the tools in a second, loaded pass, as other work on a sensor host; default: one per CPU; 0: no
# loaded pass), BENCH_LIVE_LOAD_KIND ("spin": busy loops; "build": that many compilers, pipewatch's
# own sources built again and again in a scratch folder, which also take memory bandwidth, caches
# and forks as a sensor host's other work does), BENCH_LIVE_OLD (a pipewatch binary to
# compare against, e.g. one built from an earlier commit), BENCH_LIVE_OLD_REV (a commit: its tree is
# built into the cache and used as BENCH_LIVE_OLD), BENCH_LIVE_PRELOAD (1: tcpreplay loads the capture
# into memory before sending, --preload-pcap, for a sender that reading the file slows down),
# BENCH_LIVE_SENDER ("tcpreplay", the default, or "blast": build-bench/tools/pcap-blast sends the
# top-speed replays instead, the capture held in memory and sent 64 packets a system call past the
# qdisc, for a machine where tcpreplay's top speed is below the rates a busy mirror port reaches;
# stepped rates are always sent by tcpreplay).
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build-bench}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
CACHE=${BENCH_CACHE:-$HERE/cache}
PW=$B/pipewatch
RATES=${BENCH_LIVE_RATES:-top 400 200}
LOAD=${BENCH_LIVE_LOAD:-$(nproc)}
LOAD_KIND=${BENCH_LIVE_LOAD_KIND:-spin}
case $LOAD_KIND in spin | build) ;; *) echo "bench-live: BENCH_LIVE_LOAD_KIND must be spin or build, not '$LOAD_KIND'" >&2; exit 2 ;; esac
SENDER=${BENCH_LIVE_SENDER:-tcpreplay}
case $SENDER in tcpreplay | blast) ;; *) echo "bench-live: BENCH_LIVE_SENDER must be tcpreplay or blast, not '$SENDER'" >&2; exit 2 ;; esac
RUNS=${BENCH_LIVE_RUNS:-2}
WORKERS=${BENCH_LIVE_WORKERS:-1 auto}
FILTER="tcp port 445 or tcp port 139"
REPORT=$B/bench-live-report.md
TIME=/usr/bin/time

say() { echo "bench-live: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (network namespaces, packet capture)"
[ -x "$PW" ] || die "$PW is missing (run 'make bench-live')"
for c in ip tcpreplay tcpdump ethtool python3; do
    command -v $c >/dev/null || die "$c is missing (make bench-live installs it)"
done
[ -x "$TIME" ] || die "/usr/bin/time is missing"
[ "$SENDER" = tcpreplay ] || [ -x "$B/tools/pcap-blast" ] || die "$B/tools/pcap-blast is missing (run 'make bench-live')"

OLD=${BENCH_LIVE_OLD:-}
if [ -n "${BENCH_LIVE_OLD_REV:-}" ]; then
    rev=$(git -C "$ROOT" rev-parse --short "$BENCH_LIVE_OLD_REV")
    od=$CACHE/old-$rev
    if [ ! -x "$od/build/pipewatch" ]; then
        say "building pipewatch at $rev into $od"
        rm -rf "$od" && mkdir -p "$od"
        git -C "$ROOT" archive "$rev" | tar -x -C "$od"
        env -u MAKEFLAGS -u MAKELEVEL -u MFLAGS make -C "$od" --no-print-directory -j2 BUILD=build OPT=-O2 \
            CFLAGS="-O2 -g -DNDEBUG" build/pipewatch >"$od/build.log" 2>&1 ||
            die "cannot build $rev: $(tail -3 "$od/build.log")"
    fi
    OLD=$od/build/pipewatch
fi

if [ -n "${BENCH_LIVE_PCAP:-}" ]; then
    PCAP=$BENCH_LIVE_PCAP
else
    # About 180k packets: the seed's copies all interleaved. More (BENCH_LIVE_PACKETS): the same
    # concurrency, in groups of that many interleaved copies one after the other, so that a
    # top-speed replay lasts longer than a kernel ring holds.
    LIVE_PKTS=${BENCH_LIVE_PACKETS:-180000}
    case $LIVE_PKTS in '' | *[!0-9]*) die "BENCH_LIVE_PACKETS must be a packet count, not '$LIVE_PKTS'" ;; esac
    PCAP=$CACHE/dense-live.pcap
    [ "$LIVE_PKTS" -gt 180000 ] && PCAP=$CACHE/dense-live-$LIVE_PKTS.pcap
    if [ ! -s "$PCAP" ]; then
        [ -s "$CACHE/dense-seed.pcap" ] || BUILD=$BUILD BENCH_CACHE=$CACHE bash "$HERE/make-bench-pcap.sh" --dense
        read -r _ sp _ _ <<<"$("$B/tools/pcap-floor" "$CACHE/dense-seed.pcap")"
        k=$(((LIVE_PKTS + sp - 1) / sp))
        g=$(((180000 + sp - 1) / sp))
        say "writing $PCAP: $k copies of the dense seed ($sp packets), $g interleaved at a time"
        "$B/tools/pcap-replicate" -k "$k" -g "$g" "$CACHE/dense-seed.pcap" "$PCAP.part" && mv "$PCAP.part" "$PCAP"
    fi
fi
[ -s "$PCAP" ] || die "no capture at $PCAP"

W=$(mktemp -d /tmp/pw-bench-live.XXXXXX)
TAG=pwbl$$
NSA=$TAG-a
NSB=$TAG-b
IFA=$TAG-a0
IFB=$TAG-b0
PIDS=()
HOGS=()
cleanup() {
    set +e
    for p in "${PIDS[@]}"; do kill -9 "$p" 2>/dev/null; done
    for p in "${HOGS[@]}"; do kill -9 -- "-$p" 2>/dev/null; done
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NSA"
ip netns add "$NSB"
ip link add "$IFA" netns "$NSA" type veth peer name "$IFB" netns "$NSB"
for x in "$NSA:$IFA" "$NSB:$IFB"; do
    ns=${x%%:*} ifc=${x#*:}
    ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    ip netns exec "$ns" ip link set "$ifc" up
    ip netns exec "$ns" ethtool -K "$ifc" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
done

# The offline reference: CREATE requests pipewatch finds in the file.
creates() { python3 -c '
import json, sys
n = 0
for line in open(sys.argv[1]):
    if "SMB2_COMMAND_CREATE" in line or "SMB1_COMMAND_NT_CREATE_ANDX" in line:
        r = json.loads(line)
        if r.get("event_type") == "smb" and r["smb"].get("command") in ("SMB2_COMMAND_CREATE", "SMB1_COMMAND_NT_CREATE_ANDX"):
            n += 1
print(n)' "$1"; }
"$PW" -q -r "$PCAP" -o "$W/offline.json"
OFF_CREATES=$(creates "$W/offline.json")
read -r _ FILE_PKTS _ FILE_BYTES <<<"$("$B/tools/pcap-floor" "$PCAP")"
say "capture $PCAP: $FILE_PKTS packets, $FILE_BYTES bytes; offline: $OFF_CREATES CREATE requests"

wait_for() { # wait_for FILE PATTERN
    local i=0
    until grep -q "$2" "$1" 2>/dev/null; do
        i=$((i + 1))
        [ $i -gt 200 ] && return 1
        sleep 0.05
    done
}

# one_run LABEL BINARY WORKERS RATE PASS: one replay, tcpdump and pipewatch side by side; appends a row.
one_run() {
    local label=$1 bin=$2 workers=$3 rate=$4 pass=$5
    local wargs=()
    [ "$workers" != default ] && wargs=(--workers "$workers")
    ip netns exec "$NSA" tcpdump -i "$IFA" -B 65536 -n -w /dev/null "$FILTER" 2>"$W/td.err" &
    local td=$!
    PIDS+=($td)
    ip netns exec "$NSA" "$TIME" -f '%M %U %S %e' -o "$W/pw.time" "$bin" -i "$IFA" "${wargs[@]}" \
        -o "$W/live.json" 2>"$W/pw.err" &
    local pw=$!
    PIDS+=($pw)
    wait_for "$W/pw.err" "capturing on" || die "$label: pipewatch did not start: $(cat "$W/pw.err")"
    wait_for "$W/td.err" "listening on" || die "tcpdump did not start: $(cat "$W/td.err")"
    local ropt=(--topspeed)
    [ "$rate" != top ] && ropt=(--mbps "$rate")
    [ "${BENCH_LIVE_PRELOAD:-0}" = 1 ] && ropt+=(--preload-pcap)
    # The sender runs at a higher priority than the capturing tools and the busy loops: a mirror
    # port does not slow down because the sensor host is busy. It runs in a session of its own, so
    # that where the kernel groups processes by session it does not share the capture's group
    # (the traffic of a mirror port is sent by another machine), and that group is at nice -15 too.
    local send=(tcpreplay -i "$IFB" "${ropt[@]}" "$PCAP")
    [ "$rate" = top ] && [ "$SENDER" = blast ] && send=("$B/tools/pcap-blast" "$IFB" "$PCAP")
    grep '^cpu[0-9]' /proc/stat >"$W/stat0"
    setsid -w sh -c 'echo -15 >/proc/self/autogroup 2>/dev/null; exec "$@"' sh \
        ip netns exec "$NSB" nice -n -15 "${send[@]}" >"$W/replay.log" 2>&1 ||
        die "${send[0]##*/}: $(cat "$W/replay.log")"
    grep '^cpu[0-9]' /proc/stat >"$W/stat1"
    sleep 2
    # $pw is time(1) (ip netns exec replaces itself); pipewatch is its child.
    kill -TERM "$td"
    local child
    child=$(pgrep -P "$pw" || true)
    [ -n "$child" ] && kill -TERM $child
    wait "$td" 2>/dev/null || true
    wait "$pw" 2>/dev/null || true
    local sent mbps td_got td_drop
    sent=$(grep -Eo 'Actual: [0-9]+ packets' "$W/replay.log" | grep -Eo '[0-9]+' | head -1)
    mbps=$(grep -Eo 'Rated: [0-9.]+ Bps, [0-9.]+ Mbps' "$W/replay.log" | grep -Eo '[0-9.]+ Mbps' | cut -d' ' -f1)
    local pps
    pps=$(grep -Eo '[0-9.]+ pps' "$W/replay.log" | head -1 | cut -d' ' -f1)
    td_got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} received by filter.*/\1/p' "$W/td.err")
    td_drop=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$W/td.err")
    python3 - "$W/live.json" "$W/pw.time" "$label" "$rate" "${sent:-0}" "${mbps:-0}" "${pps:-0}" \
        "${td_got:-0}" "${td_drop:-0}" "$OFF_CREATES" "$pass" "$W/stat0" "$W/stat1" >>"$W/rows" <<'PY'
import json, sys
live, tfile, label, rate, sent, mbps, pps, td_got, td_drop, off, pas, st0, st1 = sys.argv[1:]
# each core's busy share during the send: 1 - (idle + iowait) / all, from /proc/stat
def cores(path):
    return {f[0]: [int(x) for x in f[1:]] for f in (l.split() for l in open(path))}
c0, c1 = cores(st0), cores(st1)
busy = []
for name in sorted(c1, key=lambda n: int(n[3:])):
    d = [b - a for a, b in zip(c0.get(name, c1[name]), c1[name])]
    total = sum(d[:8])
    busy.append("%.0f" % (100.0 * (1 - (d[3] + d[4]) / total)) if total else "-")
stats, creates = None, 0
for line in open(live):
    r = json.loads(line)
    if r.get("event_type") == "stats":
        stats = r["stats"]
    elif r.get("event_type") == "smb" and r["smb"].get("command") in ("SMB2_COMMAND_CREATE", "SMB1_COMMAND_NT_CREATE_ANDX"):
        creates += 1
cap = stats["capture"]
nw = len(stats.get("capture_workers", [])) or 1
rss, user, sys_, el = open(tfile).read().split()[-4:]
cpu = float(user) + float(sys_)
print("| %s | %s | %s | %.0f Mbit/s, %.0f pps | %s / %s | %d | %d | %d | %s / %s | %.2f | %s | %.0f |" % (
    pas, label, "top speed" if rate == "top" else rate + " Mbit/s", float(mbps), float(pps), td_got, td_drop,
    cap["kernel_packets"], cap["kernel_drops"], nw, creates, off, cpu, " / ".join(busy), int(rss) / 1024))
PY
    say "$label, rate $rate: $(tail -1 "$W/rows")"
    PIDS=()
}

CONFIGS=()
for wk in $WORKERS; do CONFIGS+=("pipewatch --workers $wk|$PW|$wk"); done
CONFIGS+=("pipewatch (defaults)|$PW|default")
[ -n "$OLD" ] && CONFIGS+=("pipewatch ${BENCH_LIVE_OLD_REV:-(older build)}, 1 worker|$OLD|1")
: >"$W/rows"
HOGS=()
passes=idle
[ "$LOAD" -gt 0 ] && passes="idle loaded"
for pass in $passes; do
    if [ "$pass" = loaded ]; then
        if [ "$LOAD_KIND" = build ]; then
            # each hog its own process group, so that its compilers go with it
            setsid sh -c 'while :; do make -s -C "$1" BUILD="$2" -B -j"$3" "$2/pipewatch" >/dev/null 2>&1; done' \
                sh "$ROOT" "$W/hog-build" "$LOAD" &
            HOGS+=($!)
        else
            for _ in $(seq 1 "$LOAD"); do
                setsid sh -c 'while :; do :; done' &
                HOGS+=($!)
            done
        fi
    fi
    for rate in $RATES; do
        for cfg in "${CONFIGS[@]}"; do
            IFS='|' read -r label bin wk <<<"$cfg"
            for _ in $(seq 1 "$RUNS"); do one_run "$label" "$bin" "$wk" "$rate" "$pass"; done
        done
    done
done
for h in "${HOGS[@]}"; do kill -- "-$h" 2>/dev/null || true; done
HOGS=()

# Delay from packet to event on an otherwise quiet link: a small PsExec capture (72 packets, its
# last alert's packet near the end) sent at 50 Mbit/s; the time from starting tcpreplay until the
# third alert is in the output file, and the time tcpreplay itself took (the send alone).
LAT=()
for i in $(seq 1 10); do
    ip netns exec "$NSA" "$PW" -i "$IFA" -o "$W/lat.json" 2>"$W/lat.err" &
    pw=$!
    PIDS=($pw)
    wait_for "$W/lat.err" "capturing on" || die "pipewatch did not start: $(cat "$W/lat.err")"
    sleep 0.3
    LAT+=("$(python3 - "$W/lat.json" "$NSB" "$IFB" "$ROOT/pcaps/psexec-renamed.pcap" <<'PY'
import subprocess, sys, time
out, ns, ifb, pcap = sys.argv[1:]
t0 = time.monotonic()
rp = subprocess.Popen(["ip", "netns", "exec", ns, "tcpreplay", "-q", "-i", ifb, "--mbps", "50", pcap],
                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
t_sent = None
while time.monotonic() - t0 < 5:
    if t_sent is None and rp.poll() is not None:
        t_sent = time.monotonic()
    try:
        if sum(1 for l in open(out) if '"event_type":"alert"' in l) >= 3:
            break
    except OSError:
        pass
    time.sleep(0.001)
t1 = time.monotonic()
rp.wait()
if t_sent is None:
    t_sent = time.monotonic()
print("%.0f/%.0f" % ((t1 - t0) * 1000, (t_sent - t0) * 1000))
PY
)")
    kill -TERM "$pw"
    wait "$pw" || true
    PIDS=()
done

{
    echo "# pipewatch live capture benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores," \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1); $(uname -sr);" \
        "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "- capture: \`$(basename "$PCAP")\`, $FILE_PKTS packets, $FILE_BYTES bytes; offline, pipewatch finds" \
        "$OFF_CREATES CREATE requests in it"
    sender="tcpreplay"
    [ "$SENDER" = blast ] && sender="tcpreplay (top speed: pcap-blast, the capture held in memory, 64 packets a system call past the qdisc)"
    echo "- replayed with $sender into a veth pair between two namespaces; on the far end tcpdump" \
        "(\`-B 65536 -w /dev/null\`) and pipewatch capture the same replay at once, filter \`$FILTER\`"
    echo "- $RUNS replays per rate and configuration; CPU is pipewatch's user + system seconds over the whole run;" \
        "cores busy is each core's share of non-idle time during the send (/proc/stat: everything on it, the sender and the load included)"
    echo
    if [ "$LOAD_KIND" = build ]; then
        echo "- loaded pass: pipewatch's own sources compiled again and again with \`make -B -j$LOAD\` beside the tools, as other work on a sensor host;" \
            "the sender runs at nice -15 in a session of its own (a mirror port does not slow down for a busy sensor), the tools and compilers at 0"
    else
        echo "- loaded pass: $LOAD busy loop(s) (\`while :; do :; done\`) beside the tools, as other work on a sensor host;" \
            "the sender runs at nice -15 in a session of its own (a mirror port does not slow down for a busy sensor), the tools and loops at 0"
    fi
    echo
    echo "| pass | pipewatch | replay | achieved | tcpdump seen / dropped | pipewatch kernel packets | pipewatch kernel drops | workers | CREATEs live / offline | CPU s | cores busy % during the send | peak RSS MiB |"
    echo "| --- | --- | --- | --- | --- | ---: | ---: | ---: | --- | ---: | --- | ---: |"
    cat "$W/rows"
    echo
    echo "Packet to event, quiet link: ms from starting tcpreplay (psexec-renamed.pcap, 72 packets at" \
        "50 Mbit/s) to its 3rd alert in the output file / ms tcpreplay took, 10 runs: ${LAT[*]}"
} >"$REPORT"
echo
cat "$REPORT"
say "report written to $REPORT"
