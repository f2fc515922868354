#!/bin/sh
# An output that cannot be reopened on SIGHUP (log rotation into a directory
# that is gone or unwritable): the run goes on, says so once, counts what it
# could not write, and writes again once the file can be opened (at the next
# SIGHUP or by itself, retrying with a growing delay). Timing is held by
# --follow: the capture grows only when this script appends to it.
. tests/pcap/lib.sh
SAMPLE=pcaps/psexec-renamed.pcap
ok() { echo "ok   $*"; }
bad() {
    echo "FAIL $*"
    fails=$((fails + 1))
}
records() { grep -E '"event_type":"(smb|dcerpc|winlog|alert)"' "$1"; }

# 30 copies of the sample one second apart; the capture grows in thirds.
"$TOOLS/pcap-replicate" -k 30 -g 1 "$SAMPLE" "$TMP/all.pcap" >/dev/null 2>&1 || { bad "pcap-replicate"; finish; }
size=$(wc -c <"$TMP/all.pcap")
"$PW" -q -r "$TMP/all.pcap" --types smb,winlog,alert -o "$TMP/clean.json" || { bad "clean read"; finish; }
records "$TMP/clean.json" >"$TMP/clean"

grow() { # grow FROM TO: appends bytes FROM..TO (fractions of 30) of all.pcap
    head -c $((size * $2 / 30)) "$TMP/all.pcap" | tail -c +$((size * $1 / 30 + 1)) >>"$TMP/f.pcap"
}
# wait_lines FILE N: until FILE holds N lines of records (or 10 s)
wait_lines() {
    i=0
    while [ "$(records "$1" 2>/dev/null | grep -c .)" -lt "$2" ] && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}
# wait_err PATTERN: until stderr holds a line matching PATTERN (or 10 s)
wait_err() {
    i=0
    while ! grep -Eq "$1" "$TMP/err" && [ $i -lt 100 ]; do
        sleep 0.1
        i=$((i + 1))
    done
}

# how: "sighup" reopens with a SIGHUP, "retry" waits for the retry alone.
# what: "file" replaces the output's directory with a file (ENOTDIR, even
# for root), "mode" makes the directory unwritable (not for root).
run_case() {
    how=$1 what=$2
    name="output not reopened ($what, back by $how)"
    rm -rf "$TMP/log" "$TMP/old"
    mkdir "$TMP/log"
    head -c $((size / 3)) "$TMP/all.pcap" >"$TMP/f.pcap"
    "$PW" -q --follow -r "$TMP/f.pcap" --types smb,winlog,alert,stats -o "$TMP/log/eve.json" 2>"$TMP/err" &
    pid=$!
    wait_lines "$TMP/log/eve.json" 1
    sleep 0.5
    # rotation: the file moves away, the new one cannot be made
    mv "$TMP/log" "$TMP/old"
    if [ "$what" = file ]; then
        : >"$TMP/log"
    else
        mkdir "$TMP/log" && chmod 555 "$TMP/log"
    fi
    kill -HUP "$pid"
    wait_err "cannot open output file"
    before=$(records "$TMP/old/eve.json" | grep -c .)
    grow 10 20
    sleep 1
    kill -HUP "$pid" # fails again: not said again
    sleep 0.3
    if [ "$what" = file ]; then
        rm "$TMP/log" && mkdir "$TMP/log"
    else
        chmod 755 "$TMP/log"
    fi
    if [ "$how" = sighup ]; then
        kill -HUP "$pid"
    else
        sleep 4 # the retry delay has grown to at most 4 s by now
    fi
    grow 20 30
    wait_err "opened again;"
    sleep 1.5
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    records "$TMP/old/eve.json" >"$TMP/a"
    records "$TMP/log/eve.json" 2>/dev/null >"$TMP/b"
    if ! python3 - "$TMP/clean" "$TMP/a" "$TMP/b" "$TMP/log/eve.json" "$TMP/err" "$rc" "$name" <<'PY'; then
import json, sys
clean, a, b, out, err, rc, name = sys.argv[1:]
clean = open(clean).read().splitlines()
a = open(a).read().splitlines()
b = open(b).read().splitlines()
errs = open(err).read().splitlines()
problems = []
if rc != "0":
    problems.append("exit %s" % rc)
fails = [l for l in errs if "cannot open output file" in l]
if len(fails) != 1 or "capture goes on" not in fails[0]:
    problems.append("not one line about the failed reopen: %r" % errs)
back = [l for l in errs if "opened again;" in l]
if len(back) != 1:
    problems.append("not one line about the output opened again: %r" % errs)
# what was written before is a prefix of the clean run, what came after a suffix
if not a or a != clean[:len(a)]:
    problems.append("the rotated file is not the start of the clean run (%d records)" % len(a))
if not b or b != clean[len(clean) - len(b):]:
    problems.append("the new file is not the end of the clean run (%d records)" % len(b))
stats = [json.loads(l)["stats"] for l in open(out) if '"event_type":"stats"' in l]
lost = len(clean) - len(a) - len(b)
if not stats:
    problems.append("no stats record in the new file")
else:
    o = stats[-1].get("output", {})
    # the middle third's records were counted, not written
    if lost <= 0 or o.get("unwritten_records") != lost:
        problems.append("stats output %r, %d records missing" % (o, lost))
    if o.get("reopen_failures", 0) < 2:
        problems.append("reopen_failures %r, expected 2 or more" % o.get("reopen_failures"))
if problems:
    print("FAIL %s: %s" % (name, "; ".join(problems)))
    sys.exit(1)
print("ok   %s: %d records before, %d after, %d counted as not written; exit 0" % (name, len(a), len(b), lost))
PY
        fails=$((fails + 1))
        sed 's/^/     /' "$TMP/err"
    fi
    chmod 755 "$TMP/log" 2>/dev/null
}

run_case sighup file
run_case retry file
if [ "$(id -u)" -ne 0 ]; then
    run_case sighup mode
else
    echo "skip unwritable directory (root writes anywhere; the file case covers it)"
fi

# Still closed at the end: the loss is said, the exit status is 1.
rm -rf "$TMP/log" "$TMP/old"
mkdir "$TMP/log"
cp "$TMP/all.pcap" "$TMP/f.pcap"
"$PW" -q --follow -r "$TMP/f.pcap" --types smb,winlog,alert,stats -o "$TMP/log/eve.json" 2>"$TMP/err" &
pid=$!
wait_lines "$TMP/log/eve.json" 1
mv "$TMP/log" "$TMP/old"
: >"$TMP/log"
kill -HUP "$pid"
wait_err "cannot open output file"
kill -TERM "$pid"
wait "$pid"
rc=$?
if [ "$rc" -eq 1 ] && [ "$(grep -c . "$TMP/err")" -eq 2 ] &&
    grep -Eq "^pipewatch: output .*log/eve.json: [0-9]+ records could not be written while it could not be reopened; it was still closed at the end$" "$TMP/err"; then
    ok "output still closed at the end: $(tail -n 1 "$TMP/err"), exit 1"
else
    bad "output still closed at the end: exit $rc: $(cat "$TMP/err")"
fi
finish
