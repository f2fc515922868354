#!/bin/bash
# bench.sh: run by `make bench`. Times, on the same capture and in one run, the bare libpcap read
# loop (the floor), pipewatch (events to /dev/null and to a file), tshark with an SMB2 display
# filter and ndpiReader, each BENCH_RUNS times, and prints a markdown table of medians, also written
# to $BUILD/bench-report.md. Speed is reported here, never asserted.
#
# Environment: BUILD (build-bench), BENCH_RUNS (3), BENCH_10X=1 (also the 10x capture, for the flat
# memory check), BENCH_TSHARK_RUNS (BENCH_RUNS; tshark needs about 50 s per run on the 1.2 GB file),
# BENCH_TSHARK_DIV (1 = whole file; N > 1: tshark reads only the first 1/N of the packets and its
# time is scaled by the packet ratio, which flatters tshark: its cost per packet grows with the state
# it keeps), BENCH_PCAP (use this capture instead of making one),
# BENCH_WORKERS (e.g. "2": also time pipewatch --workers N when the binary accepts it),
# BENCH_SET (bulk: the bulk-transfer capture; dense: the capture dense in small SMB operations made
# by make-bench-pcap.sh --dense, report in $BUILD/bench-dense-report.md),
# BENCH_PROFILE=1 (also a callgrind profile of pipewatch over the first 100k packets, by stage).
# Start-up is the median wall time of pipewatch replaying a capture that holds no packet.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${BUILD:-build-bench}
case $BUILD in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
RUNS=${BENCH_RUNS:-3}
TSHARK_DIV=${BENCH_TSHARK_DIV:-1}
TSHARK_RUNS=${BENCH_TSHARK_RUNS:-$RUNS}
CACHE=${BENCH_CACHE:-$HERE/cache}
PIPEWATCH=$B/pipewatch
FLOOR=$B/tools/pcap-floor
SET=${BENCH_SET:-bulk}
REPORT=$B/bench-report.md
[ "$SET" = dense ] && REPORT=$B/bench-dense-report.md
TIME=/usr/bin/time

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$FLOOR" ] || die "$FLOOR is missing (run 'make bench')"
if [ ! -x "$TIME" ] || ! command -v tshark >/dev/null || ! command -v ndpiReader >/dev/null ||
    ! command -v editcap >/dev/null; then
    [ "$(id -u)" = 0 ] || die "need /usr/bin/time, tshark, editcap and ndpiReader: apt-get install time tshark libndpi-bin"
    say "installing time tshark libndpi-bin"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends time tshark libndpi-bin >&2
fi

gen_args=()
[ "${BENCH_10X:-0}" = 1 ] && gen_args=(--10x)
if [ -n "${BENCH_PCAP:-}" ]; then
    PCAP=$BENCH_PCAP
elif [ "$SET" = dense ]; then
    BUILD=$BUILD BENCH_CACHE=$CACHE bash "$HERE/make-bench-pcap.sh" --dense "${gen_args[@]}"
    PCAP=$CACHE/dense.pcap
    P10=$CACHE/dense-10x.pcap
else
    BUILD=$BUILD BENCH_CACHE=$CACHE bash "$HERE/make-bench-pcap.sh" "${gen_args[@]}"
    PCAP=$CACHE/bench.pcap
    P10=$CACHE/bench-10x.pcap
fi
[ -s "$PCAP" ] || die "no capture at $PCAP"

WORK=$(mktemp -d /tmp/pw-bench-run.XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# One timed run: wall seconds from the clock (the floor runs well under a second, finer than
# time(1)'s %e) and peak RSS from time(1). Prints "SECONDS RSS_KIB", or fails with the tool's error.
timed() {
    local t0 t1 rss
    t0=$(date +%s.%N)
    if ! "$TIME" -f '%M' -o "$WORK/time" "$@" >"$WORK/out" 2>"$WORK/err"; then
        say "failed: $* ($(tail -2 "$WORK/err" | tr '\n' ' '))"
        return 1
    fi
    t1=$(date +%s.%N)
    rss=$(tail -1 "$WORK/time")
    echo "$(echo "$t1 - $t0" | bc -l) $rss"
}

median() { sort -g | awk '{a[NR]=$1} END {if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# measure NAME FILE SCALE CMD...: BENCH_RUNS runs; appends "name secs rss scale packets bytes" to
# $WORK/results, where secs is the median, scaled to the whole capture when SCALE != 1.
measure() {
    local name=$1 file=$2 scale=$3
    shift 3
    local i times="" rsses="" r
    for i in $(seq 1 "${MEASURE_RUNS:-$RUNS}"); do
        r=$(timed "$@") || { echo "$name - - $scale" >>"$WORK/results"; return 0; }
        times="$times ${r% *}"
        rsses="$rsses ${r#* }"
        say "$name run $i: ${r% *} s, ${r#* } KiB"
    done
    local t rss
    t=$(echo $times | tr ' ' '\n' | median)
    rss=$(echo $rsses | tr ' ' '\n' | sort -n | tail -1)
    echo "$name $(echo "$t * $scale" | bc -l) $rss $scale $file" >>"$WORK/results"
}

# measure_startup NAME CMD...: a command that does next to nothing, so time(1) and date(1) around
# it would be most of what is timed: 40 runs started straight from this shell, each timed by
# $EPOCHREALTIME, median; peak RSS from one more run under time(1).
measure_startup() {
    local name=$1
    shift
    local i t0 t1 times=""
    for i in $(seq 1 40); do
        t0=$EPOCHREALTIME
        "$@" >/dev/null 2>&1 || { echo "$name - - 1 -" >>"$WORK/results"; return 0; }
        t1=$EPOCHREALTIME
        times="$times $(echo "$t1 - $t0" | bc -l)"
    done
    local t rss
    t=$(echo $times | tr ' ' '\n' | median)
    rss=$(timed "$@" | cut -d' ' -f2)
    say "$name: median of 40 runs $t s, $rss KiB"
    echo "$name $t $rss 1 -" >>"$WORK/results"
}

read -r _ PKTS _ BYTES <<<"$("$FLOOR" "$PCAP")"
FILE_BYTES=$(stat -c %s "$PCAP")
say "capture $PCAP: $PKTS packets, $BYTES captured bytes, file $FILE_BYTES bytes"
# Every tool reads from the page cache: warm it once so the first timed run is not the odd one out.
cat "$PCAP" >/dev/null

: >"$WORK/results"
measure "pcap-floor" "$PCAP" 1 "$FLOOR" "$PCAP"

HAVE_PW=0
if [ -x "$PIPEWATCH" ]; then
    HAVE_PW=1
    # A capture file with its header and no packet: what is left is start-up and exit.
    printf '\xd4\xc3\xb2\xa1\x02\x00\x04\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xff\x00\x00\x01\x00\x00\x00' >"$WORK/empty.pcap"
    measure_startup "pipewatch-empty" "$PIPEWATCH" -r "$WORK/empty.pcap" --quiet -o /dev/null
    measure_startup "true" /bin/true
    measure "pipewatch>/dev/null" "$PCAP" 1 "$PIPEWATCH" -r "$PCAP" --quiet -o /dev/null
    measure "pipewatch-o-file" "$PCAP" 1 "$PIPEWATCH" -r "$PCAP" --quiet -o "$WORK/eve.json"
    [ -s "$WORK/eve.json" ] && say "pipewatch wrote $(wc -l <"$WORK/eve.json") event lines"
    for n in ${BENCH_WORKERS:-}; do
        if "$PIPEWATCH" --help 2>&1 | grep -q -- --workers; then
            measure "pipewatch--workers-$n" "$PCAP" 1 "$PIPEWATCH" -r "$PCAP" --quiet -o /dev/null --workers "$n"
        else
            say "pipewatch has no --workers yet: skipped"
        fi
    done
else
    say "SKIPPED pipewatch: $PIPEWATCH does not exist yet (no sensor/main.c in this tree);" \
        "the table gives the peers and the floor only"
fi

# With BENCH_TSHARK_DIV=N tshark reads a prefix of 1/N of the packets and its time is scaled by the
# packet ratio (its peak RSS is then that of the prefix, as the table says).
TS_FILE=$PCAP
TS_SCALE=1
if [ "$TSHARK_DIV" -gt 1 ]; then
    TS_PKTS=$((PKTS / TSHARK_DIV))
    TS_FILE=$WORK/tshark-prefix.pcap
    editcap -r "$PCAP" "$TS_FILE" "1-$TS_PKTS" 2>/dev/null
    TS_SCALE=$(echo "$PKTS / $TS_PKTS" | bc -l)
    cat "$TS_FILE" >/dev/null
fi
MEASURE_RUNS=$TSHARK_RUNS measure "tshark" "$TS_FILE" "$TS_SCALE" tshark -n -r "$TS_FILE" -Y 'smb2.cmd==3 || smb2.cmd==5'
# nDPI 4.2's ndpiReader has no "-v 0" (its -v takes 1-3 and adds output); -q alone keeps it quiet
# and its summary goes to the discarded stdout.
measure "ndpiReader" "$PCAP" 1 ndpiReader -q -i "$PCAP"
# Suricata, when installed (Debian 12 has it in bookworm-backports only, so `make bench` does not
# install it): its packaged configuration (eve-log with its default types, smb among them), no
# rules, no checksum validation (the replicated captures' rewritten addresses leave the checksums
# stale), its eve.json written to a scratch folder as pipewatch's is; single-threaded, and with its
# default run mode (autofp) beside `--workers N`.
if command -v suricata >/dev/null && [ -r /etc/suricata/suricata.yaml ]; then
    mkdir -p "$WORK/suricata"
    measure "suricata-single" "$PCAP" 1 suricata -r "$PCAP" -S /dev/null -k none --runmode single -l "$WORK/suricata"
    [ -s "$WORK/suricata/eve.json" ] && say "suricata wrote $(wc -l <"$WORK/suricata/eve.json") event lines"
    measure "suricata-autofp" "$PCAP" 1 suricata -r "$PCAP" -S /dev/null -k none -l "$WORK/suricata"
else
    say "no suricata (apt-get install -t bookworm-backports suricata): its rows are left out"
fi

if [ "${BENCH_10X:-0}" = 1 ] && [ -z "${BENCH_PCAP:-}" ]; then
    cat "$P10" >/dev/null 2>&1 || true
    # One run each: the point is peak RSS against the 1x run, and a 12 GB read takes a while.
    if [ "$HAVE_PW" = 1 ]; then
        MEASURE_RUNS=1 measure "pipewatch-10x>/dev/null" "$P10" 1 "$PIPEWATCH" -r "$P10" --quiet -o /dev/null
        for n in ${BENCH_WORKERS:-}; do
            MEASURE_RUNS=1 measure "pipewatch-10x--workers-$n" "$P10" 1 "$PIPEWATCH" -r "$P10" --quiet -o /dev/null --workers "$n"
        done
    fi
    MEASURE_RUNS=1 measure "pcap-floor-10x" "$P10" 1 "$FLOOR" "$P10"
    MEASURE_RUNS=1 measure "ndpiReader-10x" "$P10" 1 ndpiReader -q -i "$P10"
fi

# --- report ---------------------------------------------------------------------------------------
PW_SECS=$(awk '$1 == "pipewatch>/dev/null" && $2 != "-" {print $2}' "$WORK/results")
{
    echo "# pipewatch benchmark"
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); machine: $(nproc) cores," \
        "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)," \
        "$(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo) RAM; $(uname -sr)"
    echo "- capture: \`$(basename "$PCAP")\`, $PKTS packets, $BYTES captured bytes ($FILE_BYTES bytes on disk)"
    echo "- runs per tool: $RUNS (tshark: $TSHARK_RUNS; 10x capture: 1), median wall time; file in the page" \
        "cache; peak RSS is the largest of the runs"
    if [ "$TSHARK_DIV" -gt 1 ]; then
        echo "- tshark read the first 1/$TSHARK_DIV of the packets ($(basename "$TS_FILE"), $TS_PKTS packets);" \
            "its time is scaled by $(printf '%.3f' "$TS_SCALE") to the whole capture, its RSS is the prefix's"
    fi
    echo "- rates are over the captured bytes of the whole capture (MB = 10^6 bytes);" \
        "\"x pipewatch\" = tool's time / pipewatch's time (> 1: pipewatch is faster)"
    echo
    echo "| tool | seconds (median) | MB/s | Gbit/s | packets/s | peak RSS (MiB) | x pipewatch |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    while read -r name secs rss scale file; do
        pkts=$PKTS
        bytes=$BYTES
        if [ "$name" = pipewatch-empty ] || [ "$name" = true ]; then
            label="pipewatch, start-up and exit (capture with no packet; median of 40)"
            [ "$name" = true ] && label="/bin/true, the cost of starting any process (median of 40)"
            [ "$secs" = "-" ] || awk -v s="$secs" -v r="$rss" -v l="$label" 'BEGIN {
                printf "| %s | %.4f | | | | %.1f | |\n", l, s, r / 1024 }'
            continue
        fi
        if [ "$file" != "$PCAP" ] && [ "$file" != "$TS_FILE" ]; then
            read -r _ pkts _ bytes <<<"$("$FLOOR" "$file")"
        fi
        label=$name
        case $name in
        pcap-floor) label="bare libpcap read (pcap-floor)" ;;
        "pipewatch>/dev/null") label="pipewatch -r F -o /dev/null" ;;
        pipewatch-o-file) label="pipewatch -r F -o eve.json" ;;
        pipewatch--workers-*) label="pipewatch --workers ${name##*-}" ;;
        tshark) label="tshark -Y 'smb2.cmd==3 \|\| smb2.cmd==5'" ;;
        ndpiReader) label="ndpiReader -q -i F" ;;
        suricata-single) label="suricata -r F --runmode single (no rules, eve: its default types)" ;;
        suricata-autofp) label="suricata -r F (autofp, no rules, eve: its default types)" ;;
        pcap-floor-10x) label="bare libpcap read, 10x capture" ;;
        ndpiReader-10x) label="ndpiReader, 10x capture" ;;
        "pipewatch-10x>/dev/null") label="pipewatch, 10x capture" ;;
        pipewatch-10x--workers-*) label="pipewatch --workers ${name##*-}, 10x capture" ;;
        esac
        [ "$scale" != 1 ] && label="$label (scaled from 1/$TSHARK_DIV)"
        if [ "$secs" = "-" ]; then
            echo "| $label | failed | | | | | |"
            continue
        fi
        awk -v l="$label" -v s="$secs" -v r="$rss" -v p="$pkts" -v b="$bytes" -v pw="${PW_SECS:-}" 'BEGIN {
            ratio = (pw == "" || pw == 0) ? "not yet measured" : sprintf("%.2f", s / pw)
            printf "| %s | %.3f | %.0f | %.2f | %.0f | %.1f | %s |\n", l, s, b / s / 1e6, b * 8 / s / 1e9, p / s, r / 1024, ratio
        }'
    done <"$WORK/results"
    if [ "$HAVE_PW" = 0 ]; then
        echo "| pipewatch -r F -o /dev/null | not yet measured (binary missing) | | | | | |"
    fi
    if [ "${BENCH_PROFILE:-0}" = 1 ] && [ "$HAVE_PW" = 1 ]; then
        echo
        bash "$HERE/profile.sh" "$PIPEWATCH" "$PCAP" 100000
    fi
} >"$REPORT"
echo
cat "$REPORT"
echo
say "report written to $REPORT"
