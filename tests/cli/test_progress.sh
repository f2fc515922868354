#!/bin/sh
# Progress shows on a terminal and only there; --quiet leaves only errors;
# the end-of-run summary comes on stderr whether or not it is a terminal.
. tests/pcap/lib.sh
command -v script >/dev/null || { echo "script (util-linux) is not installed"; exit 77; }
SAMPLE=pcaps/psexec-renamed-recut.pcap
# On a terminal: a progress line naming the file, then the summary.
script -qec "$PW -r $SAMPLE -o $TMP/a.json" /dev/null >"$TMP/tty.out" 2>&1
if grep -q "$SAMPLE: 100.0%" "$TMP/tty.out" && grep -q "packets" "$TMP/tty.out" && grep -q "pipewatch summary" "$TMP/tty.out"; then
    echo "ok   terminal: progress line and summary"
else
    echo "FAIL terminal output: $(tr '\r' '\n' <"$TMP/tty.out" | head -n 5)"
    fails=$((fails + 1))
fi
# Not a terminal: no progress, the summary with the alert titles.
"$PW" -r "$SAMPLE" -o "$TMP/b.json" 2>"$TMP/pipe.err"
if grep -q "%" "$TMP/pipe.err"; then
    echo "FAIL progress written to a pipe"
    fails=$((fails + 1))
elif grep -q "3  Suspicious PsExec Execution" "$TMP/pipe.err" && grep -q "^  read:     1 capture(s), 7317 packets" "$TMP/pipe.err"; then
    echo "ok   pipe: no progress, summary with packets and alerts by rule"
else
    echo "FAIL summary: $(cat "$TMP/pipe.err")"
    fails=$((fails + 1))
fi
# --quiet on a terminal: nothing at all.
script -qec "$PW -q -r $SAMPLE -o $TMP/c.json" /dev/null >"$TMP/quiet.out" 2>&1
if [ -s "$TMP/quiet.out" ]; then
    echo "FAIL --quiet printed: $(cat "$TMP/quiet.out")"
    fails=$((fails + 1))
else
    echo "ok   --quiet prints nothing"
fi
finish
