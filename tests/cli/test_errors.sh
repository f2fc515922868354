#!/bin/sh
# Every class of bad input gets one clear line on stderr naming the file,
# option or value, a documented exit status, and no lost events.
. tests/pcap/lib.sh
SAMPLE=pcaps/psexec-renamed.pcap
[ -f "$SAMPLE" ] || { echo "FAIL $SAMPLE is missing"; exit 1; }

expect() { # expect NAME STATUS PATTERN CMD…: exit STATUS, stderr matches PATTERN (grep -E), one line
    name=$1 want=$2 pat=$3
    shift 3
    "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    got=$?
    lines=$(grep -c . "$TMP/stderr")
    if [ "$got" -ne "$want" ]; then
        echo "FAIL $name: exit $got, expected $want; stderr: $(cat "$TMP/stderr")"
        fails=$((fails + 1))
    elif ! grep -Eq "$pat" "$TMP/stderr"; then
        echo "FAIL $name: stderr does not match /$pat/: $(cat "$TMP/stderr")"
        fails=$((fails + 1))
    elif [ "$lines" -ne 1 ]; then
        echo "FAIL $name: $lines lines on stderr, expected 1: $(cat "$TMP/stderr")"
        fails=$((fails + 1))
    else
        echo "ok   $name: $(cat "$TMP/stderr")"
    fi
}

# Captures that cannot be read: exit 3.
expect "missing capture" 3 "^pipewatch: /nonexistent.pcap: cannot read capture: No such file" \
    "$PW" -q -r /nonexistent.pcap
: >"$TMP/empty.pcap"
expect "zero-length capture" 3 "^pipewatch: .*empty.pcap: empty file, not a capture" "$PW" -q -r "$TMP/empty.pcap"
printf 'this is not a capture file at all, just text\n' >"$TMP/garbage.pcap"
expect "not a capture" 3 "^pipewatch: .*garbage.pcap: not a readable pcap or pcapng capture" \
    "$PW" -q -r "$TMP/garbage.pcap"
# A classic pcap header with link type 147 (USER0) and no packets.
printf '\324\303\262\241\002\000\004\000\000\000\000\000\000\000\000\000\377\377\000\000\223\000\000\000' \
    >"$TMP/user0.pcap"
expect "unsupported link type" 3 "^pipewatch: .*user0.pcap: unsupported link type 147" "$PW" -q -r "$TMP/user0.pcap"
mkdir "$TMP/emptydir"
expect "empty directory" 3 "^pipewatch: .*emptydir: directory holds no capture files" "$PW" -q -r "$TMP/emptydir"

# A capture cut in the middle of a packet: the events before the cut are
# written, the fault is named, exit 1.
"$PW" -q -r "$SAMPLE" --types smb -o "$TMP/full.json"
size=$(wc -c <"$SAMPLE")
head -c $((size * 2 / 3)) "$SAMPLE" >"$TMP/cut.pcap"
expect "truncated capture" 1 "^pipewatch: .*cut.pcap: capture damaged after packet [0-9]+: " \
    "$PW" -q -r "$TMP/cut.pcap" --types smb -o "$TMP/cut.json"
full=$(grep -c . "$TMP/full.json")
# Requests the cut left unanswered are reported at the end (NO_RESPONSE, UNREPLIED):
# what comes before them is the full run's first events.
awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] ~ /"status":"NO_RESPONSE"|"response":"UNREPLIED"/) n--; for (i = 1; i <= n; i++) print l[i] }' \
    "$TMP/cut.json" >"$TMP/cut-answered.json"
cut=$(grep -c . "$TMP/cut-answered.json")
if [ "$cut" -gt 0 ] && [ "$cut" -lt "$full" ] && head -n "$cut" "$TMP/full.json" | cmp -s - "$TMP/cut-answered.json"; then
    echo "ok   truncated capture keeps the $cut events before the cut (of $full)"
else
    echo "FAIL truncated capture: $cut events kept of $full, or they differ from the full run's first ones"
    fails=$((fails + 1))
fi

# Usage errors: exit 2.
expect "unknown option" 2 "^pipewatch: unknown option '--frobnicate' \\(see --help\\)" "$PW" --frobnicate
expect "option without its value" 2 "^pipewatch: --output: needs a value" "$PW" -q -r "$SAMPLE" --output
expect "no input" 2 "^pipewatch: nothing to read: give a capture with -r FILE or an interface with -i IFACE" "$PW" -q
expect "stray argument" 2 "^pipewatch: unexpected argument 'capture.pcap' \\(captures are given with -r\\)" \
    "$PW" -q capture.pcap
expect "bad number" 2 "^pipewatch: --workers: 'many' is not a number from 1 to 64" "$PW" -q --workers many -r "$SAMPLE"
expect "bad priority" 2 "^pipewatch: --priority: '-21' is not a nice value from -20 to 19" "$PW" -q --priority -21 -r "$SAMPLE"
expect "priority not a number" 2 "^pipewatch: --priority: 'high' is not a nice value from -20 to 19" "$PW" -q --priority high -r "$SAMPLE"
expect "unknown record type" 2 "^pipewatch: --types: unknown record type 'dns'" "$PW" -q --types smb,dns -r "$SAMPLE"
expect "unwritable output" 2 "^pipewatch: cannot open output file /nonexistent/dir/eve.json: No such file or directory" \
    "$PW" -q -r "$SAMPLE" -o /nonexistent/dir/eve.json
printf 'stream:\n  midstream: yes\n  depth: 1mb\n' >"$TMP/bad.yaml"
expect "config unknown key" 2 "^pipewatch: .*bad.yaml:3: stream.depth: unknown key" "$PW" -q -c "$TMP/bad.yaml" -r "$SAMPLE"
expect "config missing" 2 "^pipewatch: config /nonexistent.yaml: cannot read: No such file" \
    "$PW" -q -c /nonexistent.yaml -r "$SAMPLE"
printf 'title: Broken\nlogsource:\n  product: windows\ndetection:\n  sel:\n    Field|frobnicate: x\n  condition: sel\n' \
    >"$TMP/bad-rule.yml"
"$PW" -q -S "$TMP/bad-rule.yml" -r "$SAMPLE" >/dev/null 2>"$TMP/rule-err"
rc=$?
if [ $rc -eq 2 ] && grep -q "^pipewatch: rule .*bad-rule.yml:6: .*frobnicate" "$TMP/rule-err" &&
    tail -n 1 "$TMP/rule-err" | grep -q "^pipewatch: 1 rule error(s); fix the rules or start with --skip-bad-rules"; then
    echo "ok   bad rule: exit 2, names file, line and modifier: $(head -n 1 "$TMP/rule-err")"
else
    echo "FAIL bad rule: exit $rc, stderr: $(cat "$TMP/rule-err")"
    fails=$((fails + 1))
fi
"$PW" -q --skip-bad-rules -S "$TMP/bad-rule.yml" -r "$SAMPLE" -o "$TMP/skip.json" 2>/dev/null
rc=$?
if [ $rc -eq 0 ] && grep -q '"event_type":"smb"' "$TMP/skip.json"; then
    echo "ok   --skip-bad-rules starts and writes events"
else
    echo "FAIL --skip-bad-rules: exit $rc"
    fails=$((fails + 1))
fi

# A full disk while writing events: exit 1, the fault named.
if [ -w /dev/full ]; then
    expect "disk full" 1 "^pipewatch: cannot write events to /dev/full: No space left on device" \
        "$PW" -q -r "$SAMPLE" -o /dev/full
fi

# --help and --version work and exit 0.
"$PW" --help >"$TMP/help" && grep -q -- "--read PATH" "$TMP/help" && echo "ok   --help" || { echo "FAIL --help"; fails=$((fails + 1)); }
"$PW" --version | grep -Eq '^pipewatch [0-9a-z.+-]+' && echo "ok   --version" || { echo "FAIL --version"; fails=$((fails + 1)); }
finish
