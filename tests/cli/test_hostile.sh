#!/bin/sh
# Careless operators and hostile files: captures cut or grown while they are
# read, an output that is the capture, permissions, directories given as
# files, a full disk, deeply nested YAML, huge tables, runaway regexes. Each
# case: one clear line, the documented exit status, nothing seen is lost.
. tests/pcap/lib.sh
SAMPLE=pcaps/psexec-renamed.pcap
[ -f "$SAMPLE" ] || { echo "FAIL $SAMPLE is missing"; exit 1; }

ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*"
    fails=$((fails + 1))
}
# one_line NAME FILE PATTERN: FILE holds exactly one line, matching PATTERN
one_line() {
    if [ "$(grep -c . "$2")" -eq 1 ] && grep -Eq "$3" "$2"; then
        ok "$1: $(cat "$2")"
    else
        bad "$1: stderr is not one line matching /$3/: $(cat "$2")"
    fi
}
records() { # records FILE: the smb, winlog and alert lines, in order
    grep -E '"event_type":"(smb|winlog|alert)"' "$1"
}

# 200 copies of the sample one after the other: 2.6 MB, 2.6 MB of output.
"$TOOLS/pcap-replicate" -k 200 -g 1 "$SAMPLE" "$TMP/big.pcap" >/dev/null 2>&1 || { bad "pcap-replicate"; finish; }
size=$(wc -c <"$TMP/big.pcap")

# start_blocked OUT ARGS…: runs pipewatch with standard output into a FIFO
# nobody reads yet, so it stops early in the capture once the pipe and its
# output buffer are full; the reader is opened on fd 3. Sets $pid.
start_blocked() {
    rm -f "$TMP/fifo"
    mkfifo "$TMP/fifo"
    "$PW" -q "$@" >"$TMP/fifo" 2>"$TMP/err" &
    pid=$!
    exec 3<"$TMP/fifo"
    sleep 1
}
drain() { # drain OUT: reads the FIFO to OUT, waits for pipewatch; sets $rc
    cat <&3 >"$1"
    exec 3<&-
    wait "$pid"
    rc=$?
}

# --- a capture cut while it is read (truncate, log rotation) ---------------
# The mapped reader met SIGBUS here: no message, no stats record, events lost.
for w in 1 2; do
    cp "$TMP/big.pcap" "$TMP/cut.pcap"
    start_blocked -r "$TMP/cut.pcap" --workers "$w" --types smb,winlog,alert,stats
    truncate -s $((size / 2)) "$TMP/cut.pcap"
    drain "$TMP/cut.json"
    name="capture cut while read (--workers $w)"
    if [ "$rc" -ne 1 ]; then
        bad "$name: exit $rc, expected 1; stderr: $(cat "$TMP/err")"
        continue
    fi
    one_line "$name" "$TMP/err" "^pipewatch: .*cut.pcap: capture truncated while it was read: $size bytes at open, $((size / 2)) now"
    tail -n 1 "$TMP/cut.json" | grep -q '"event_type":"stats"' && ok "$name: the stats record is written" ||
        bad "$name: no stats record at the end"
    # what a clean read of the bytes left gives
    "$PW" -q -r "$TMP/cut.pcap" --workers "$w" --types smb,winlog,alert -o "$TMP/clean.json" 2>"$TMP/clean.err"
    clean_rc=$?
    records "$TMP/cut.json" | sort >"$TMP/a"
    records "$TMP/clean.json" | sort >"$TMP/b"
    n=$(grep -c . "$TMP/a")
    if [ "$n" -gt 1000 ] && cmp -s "$TMP/a" "$TMP/b"; then
        ok "$name: the $n events of a clean read of the bytes left are all written"
    else
        bad "$name: $n events written, $(grep -c . "$TMP/b") in a clean read of the cut file" \
            "(its exit $clean_rc, stderr: $(cat "$TMP/clean.err"))"
    fi
done

# --- a capture that grows while it is read (tcpdump -w writing it) ---------
head -c $((size * 2 / 5)) "$TMP/big.pcap" >"$TMP/grow.pcap"
start_blocked -r "$TMP/grow.pcap" --types smb,stats
tail -c +$((size * 2 / 5 + 1)) "$TMP/big.pcap" >>"$TMP/grow.pcap"
drain "$TMP/grow.json"
if [ "$rc" -eq 0 ]; then
    one_line "capture grown while read" "$TMP/err" \
        "^pipewatch: .*grow.pcap: the capture grew while it was read \\($((size * 2 / 5)) bytes at open, $size at the end\\); read to its size at open; use --follow"
else
    bad "capture grown while read: exit $rc, expected 0; stderr: $(cat "$TMP/err")"
fi

# --follow: appended in three pieces cut inside records; every event comes.
head -c $((size * 3 / 10)) "$TMP/big.pcap" >"$TMP/follow.pcap"
"$PW" -q --follow -r "$TMP/follow.pcap" --types smb,winlog,alert,stats -o "$TMP/follow.json" 2>"$TMP/err" &
pid=$!
sleep 0.5
head -c $((size * 13 / 20)) "$TMP/big.pcap" | tail -c +$((size * 3 / 10 + 1)) >>"$TMP/follow.pcap"
sleep 0.5
tail -c +$((size * 13 / 20 + 1)) "$TMP/big.pcap" >>"$TMP/follow.pcap"
sleep 2
kill -TERM "$pid"
wait "$pid"
rc=$?
"$PW" -q -r "$TMP/big.pcap" --types smb,winlog,alert -o "$TMP/clean.json"
records "$TMP/follow.json" >"$TMP/a"
records "$TMP/clean.json" >"$TMP/b"
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && cmp -s "$TMP/a" "$TMP/b" &&
    tail -n 1 "$TMP/follow.json" | grep -q '"event_type":"stats"'; then
    ok "--follow: all $(grep -c . "$TMP/a") events of the grown capture, stopped by SIGTERM, exit 0"
else
    bad "--follow: exit $rc, $(grep -c . "$TMP/a") events of $(grep -c . "$TMP/b"); stderr: $(cat "$TMP/err")"
fi
"$PW" -q --follow -r "$TMP/follow.pcap" -f "tcp" -o /dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && one_line "--follow through libpcap refused" "$TMP/err" "^pipewatch: --follow: .*follow.pcap is read through libpcap" ||
    bad "--follow with a filter: exit $rc: $(cat "$TMP/err")"

# --- the output is the capture ---------------------------------------------
cp "$SAMPLE" "$TMP/x.pcap"
ln "$TMP/x.pcap" "$TMP/hard.pcap"
for out in "$TMP/x.pcap" "$TMP/hard.pcap" "$TMP/./x.pcap"; do
    "$PW" -q -r "$TMP/x.pcap" -o "$out" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq 2 ] && cmp -s "$SAMPLE" "$TMP/x.pcap"; then
        one_line "-o $(basename "$out") is the capture: refused, capture intact" "$TMP/err" \
            "^pipewatch: output .* is the capture .*x.pcap: refusing to overwrite the capture it reads"
    else
        bad "-o $out: exit $rc, capture $(cmp -s "$SAMPLE" "$TMP/x.pcap" && echo intact || echo DESTROYED)"
    fi
done
# -o inside the replayed directory: skipped as a capture, the run goes on.
mkdir "$TMP/dir"
cp "$SAMPLE" "$TMP/dir/a.pcap"
"$PW" -q -r "$TMP/dir" -o "$TMP/dir/out.json" 2>"$TMP/err" && "$PW" -q -r "$TMP/dir" -o "$TMP/dir/out.json" 2>>"$TMP/err"
rc=$?
if [ "$rc" -eq 0 ] && [ ! -s "$TMP/err" ] && grep -q '"event_type":"alert"' "$TMP/dir/out.json"; then
    ok "-o inside the replayed directory: the output file is skipped, exit 0"
else
    bad "-o inside the replayed directory: exit $rc: $(cat "$TMP/err")"
fi

# --- messages that named the wrong cause ------------------------------------
cp "$SAMPLE" "$TMP/secret.pcap"
chmod 600 "$TMP/secret.pcap"
chmod 755 "$TMP"
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
    setpriv --reuid=nobody --regid=nogroup --clear-groups "$PW" -q -r "$TMP/secret.pcap" -o /dev/null 2>"$TMP/err"
    rc=$?
    [ "$rc" -eq 3 ] && one_line "capture without read permission" "$TMP/err" \
        "^pipewatch: .*secret.pcap: cannot read capture: permission denied$" ||
        bad "capture without read permission: exit $rc: $(cat "$TMP/err")"
elif [ "$(id -u)" -ne 0 ]; then
    "$PW" -q -r "$TMP/secret.pcap" -o /dev/null 2>/dev/null # own file: readable; use chmod 000
    chmod 000 "$TMP/secret.pcap"
    "$PW" -q -r "$TMP/secret.pcap" -o /dev/null 2>"$TMP/err"
    rc=$?
    [ "$rc" -eq 3 ] && one_line "capture without read permission" "$TMP/err" "cannot read capture: permission denied$" ||
        bad "capture without read permission: exit $rc: $(cat "$TMP/err")"
fi
"$PW" -q -c "$TMP/dir" -r "$SAMPLE" -o /dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && one_line "directory given as config" "$TMP/err" "^pipewatch: config .*dir: is a directory, not a configuration file$" ||
    bad "directory given as config: exit $rc: $(cat "$TMP/err")"

# --- YAML nested 100,000 deep (libyaml took 15 s and more) ----------------
for kind in flow-map flow-seq block-seq; do
    python3 tests/tools/yaml-deep.py "$kind" 100000 "$TMP/deep.yml"
    "$PW" -q -S "$TMP/deep.yml" -r "$SAMPLE" -o /dev/null 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq 2 ] && head -n 1 "$TMP/err" | grep -Eq "^pipewatch: rule .*deep.yml:[45]: YAML nested deeper than 64 levels$"; then
        ok "rule nested 100,000 deep ($kind): $(head -n 1 "$TMP/err")"
    else
        bad "rule nested 100,000 deep ($kind): exit $rc: $(cat "$TMP/err")"
    fi
    tail -n +4 "$TMP/deep.yml" >"$TMP/deep.yaml"
    "$PW" -q -c "$TMP/deep.yaml" -r "$SAMPLE" -o /dev/null 2>"$TMP/err"
    rc=$?
    [ "$rc" -eq 2 ] && one_line "configuration nested 100,000 deep ($kind)" "$TMP/err" \
        "^pipewatch: .*deep.yaml:[12]: YAML error: nested deeper than 64 levels$" ||
        bad "configuration nested 100,000 deep ($kind): exit $rc: $(cat "$TMP/err")"
done

# --- a regex that backtracks without end: counted and told, not silent -----
cat >"$TMP/runaway.yml" <<'EOF'
title: Runaway Regex
id: 0f0e0d0c-0b0a-4909-8807-060504030201
logsource:
    product: windows
    service: security
detection:
    selection:
        EventID: 5145
        RelativeTargetName|re: '^([a-zA-Z0-9-]+)+-$'
    condition: selection
level: low
EOF
for w in 1 2; do
    "$PW" -q --workers "$w" -S "$TMP/runaway.yml" -r "$SAMPLE" -o "$TMP/re.json" 2>"$TMP/err"
    rc=$?
    hits=$(grep -o '"rule_regex_limit":[0-9]*' "$TMP/re.json" | cut -d: -f2)
    if [ "$rc" -eq 0 ] && [ "$hits" = 3 ]; then
        one_line "regex at PCRE2's match limit (--workers $w): 3 counted" "$TMP/err" \
            "^pipewatch: rule .*runaway.yml: 'Runaway Regex': a regular expression stopped at PCRE2's match limit"
    else
        bad "regex at PCRE2's match limit (--workers $w): exit $rc, rule_regex_limit '$hits': $(cat "$TMP/err")"
    fi
done

# --- a flow table far larger than the traffic, or than the machine -------
printf 'flow:\n  max-flows: 10000000\n' >"$TMP/flows.yaml"
# ASan (make sanitize) writes the shadow of every allocation it hands out: an
# eighth of the 2.6 GB table, 330 MB, not pipewatch's own memory.
limit=200000
grep -q __asan_init "$PW" && limit=600000
/usr/bin/time -f "%M" -o "$TMP/rss" "$PW" -q -c "$TMP/flows.yaml" -r "$SAMPLE" -o "$TMP/flows.json" 2>"$TMP/err"
rc=$?
rss=$(tail -n 1 "$TMP/rss")
if [ "$rc" -eq 0 ] && [ "$rss" -lt "$limit" ] && grep -q '"event_type":"alert"' "$TMP/flows.json"; then
    ok "flow.max-flows 10,000,000 for a 72-packet capture: peak RSS $((rss / 1024)) MB"
else
    bad "flow.max-flows 10,000,000: exit $rc, peak RSS ${rss} KB: $(cat "$TMP/err")"
fi
printf 'flow:\n  memcap: 512gb\n' >"$TMP/flows.yaml"
"$PW" -q -c "$TMP/flows.yaml" -r "$SAMPLE" -o /dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && one_line "flow table larger than the machine" "$TMP/err" \
    "^pipewatch: config .*flows.yaml: flow.max-flows: [0-9]+ flows take [0-9]+ MB when full, more than the [0-9]+ MB of memory" ||
    bad "flow table larger than the machine: exit $rc: $(cat "$TMP/err")"

# --- SMB limits that one connection cannot fit in the SMB memcap -----------
# Inside the documented range (up to 1,000,000) each of these made every SMB
# connection pass the memcap at its start: no alert, exit 0.
for kv in max-pending:1000000 max-sessions:1000000 max-trees:1000000 max-files:1000000; do
    key=${kv%%:*} val=${kv#*:}
    printf 'app-layer:\n  protocols:\n    smb:\n      %s: %s\n' "$key" "$val" >"$TMP/smb.yaml"
    rm -f "$TMP/smb.json"
    "$PW" -q -c "$TMP/smb.yaml" -r "$SAMPLE" -o "$TMP/smb.json" 2>"$TMP/err"
    rc=$?
    if [ "$rc" -eq 2 ] && [ ! -e "$TMP/smb.json" ]; then
        one_line "smb.$key: $val" "$TMP/err" \
            "^pipewatch: config .*smb.yaml: app-layer.protocols.smb.$key: $val makes one SMB connection take [0-9]+ KB at its limits, more than the 65536 KB of app-layer.protocols.smb.memcap$"
    else
        bad "smb.$key: $val: exit $rc (expected 2, no output file): $(cat "$TMP/err")"
    fi
done
# each worker has its share of the memcap: 50,000 files fit 64 MB, not 8 MB
printf 'app-layer:\n  protocols:\n    smb:\n      max-files: 50000\n' >"$TMP/smb.yaml"
"$PW" -q --workers 8 -c "$TMP/smb.yaml" -r "$SAMPLE" -o /dev/null 2>"$TMP/err"
rc=$?
[ "$rc" -eq 2 ] && one_line "smb.max-files: 50000 with 8 workers" "$TMP/err" \
    "smb.max-files: 50000 makes .* \(8192 KB for each of 8 workers\)$" ||
    bad "smb.max-files: 50000 with 8 workers: exit $rc: $(cat "$TMP/err")"
# a large limit that fits is a ceiling: the run detects as with the defaults
printf 'app-layer:\n  protocols:\n    smb:\n      max-pending: 20000\n      max-files: 20000\n' >"$TMP/smb.yaml"
"$PW" -q -c "$TMP/smb.yaml" -r "$SAMPLE" -o "$TMP/smb.json" 2>"$TMP/err"
rc=$?
n=$(grep '"event_type":"alert"' "$TMP/smb.json" | grep -vc '"incident":') # the run's own alert aside
[ "$rc" -eq 0 ] && [ "$n" -eq 3 ] && ok "smb.max-pending and max-files 20,000 (fit the memcap): $n alerts" ||
    bad "smb limits of 20,000: exit $rc, $n alerts: $(cat "$TMP/err")"

# --- a full disk: the output ends with a whole record ----------------------
if [ "$(id -u)" -eq 0 ] && mkdir "$TMP/small" && mount -t tmpfs -o size=12k tmpfs "$TMP/small" 2>/dev/null; then
    "$PW" -q -r "$SAMPLE" -o "$TMP/small/eve.json" 2>"$TMP/err"
    rc=$?
    last=$(tail -c 1 "$TMP/small/eve.json" | od -An -c | tr -d ' ')
    if [ "$rc" -eq 1 ] && [ -s "$TMP/small/eve.json" ] && [ "$last" = '\n' ] &&
        python3 -c 'import json,sys
for l in open(sys.argv[1]): json.loads(l)' "$TMP/small/eve.json"; then
        one_line "full disk: $(wc -c <"$TMP/small/eve.json") bytes of whole records kept" "$TMP/err" \
            "^pipewatch: cannot write events to .*eve.json: No space left on device$"
    else
        bad "full disk: exit $rc, last byte '$last': $(cat "$TMP/err")"
    fi
    umount "$TMP/small"
else
    echo "skip full disk on a small tmpfs (needs root)"
fi

finish
