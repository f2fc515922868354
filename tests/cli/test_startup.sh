#!/bin/sh
# Start-up faults stop the run before capture with one clear line and a
# documented exit status: a worker whose copy of the rules does not load as
# the first did (exit 2, naming the rule file), a worker that cannot get its
# memory (exit 1, no abort).
. tests/pcap/lib.sh
SAMPLE=pcaps/psexec-renamed.pcap
RULE=conf/rules/suspicious-psexec-execution.yml
[ -f "$SAMPLE" ] && [ -f "$RULE" ] || { echo "FAIL $SAMPLE or $RULE is missing"; exit 1; }
command -v timeout >/dev/null 2>&1 || { echo "timeout is not installed"; exit 77; }

one_line() { # one_line NAME WANT_STATUS GOT_STATUS PATTERN: stderr ($TMP/stderr) is one line matching PATTERN
    if [ "$3" -ne "$2" ]; then
        echo "FAIL $1: exit $3, expected $2; stderr: $(cat "$TMP/stderr")"
        fails=$((fails + 1))
    elif ! grep -Eq "$4" "$TMP/stderr" || [ "$(grep -c . "$TMP/stderr")" -ne 1 ]; then
        echo "FAIL $1: stderr is not one line matching /$4/: $(cat "$TMP/stderr")"
        fails=$((fails + 1))
    else
        echo "ok   $1: $(cat "$TMP/stderr")"
    fi
}

# The rules are read once per worker. A FIFO as the rule file hands the first
# reader the real rule and the second a broken one: worker 1's copy fails.
mkfifo "$TMP/rule.yml"
printf 'title: broken\nlogsource: {product: windows}\n' >"$TMP/broken.yml"
( cat "$RULE" >"$TMP/rule.yml"; sleep 0.5; cat "$TMP/broken.yml" >"$TMP/rule.yml" ) &
writer=$!
timeout 30 "$PW" -q --workers 2 -S "$TMP/rule.yml" -r "$SAMPLE" -o "$TMP/out.json" 2>"$TMP/stderr"
one_line "worker's rules do not load" 2 $? "^pipewatch: rule $TMP/rule.yml(:[0-9]+)?: .*worker 1's copy of the rules.*not starting"
[ -e "$TMP/out.json" ] && { echo "FAIL the output was opened before the rules of every worker loaded"; fails=$((fails + 1)); }
kill "$writer" 2>/dev/null
wait "$writer" 2>/dev/null

# The same run with the rule loading twice works and alerts from both workers' flows.
( cat "$RULE" >"$TMP/rule.yml"; sleep 0.5; cat "$RULE" >"$TMP/rule.yml" ) &
writer=$!
timeout 30 "$PW" -q --workers 2 -S "$TMP/rule.yml" -r "$SAMPLE" -o "$TMP/out.json" 2>"$TMP/stderr"
rc=$?
wait "$writer" 2>/dev/null
n=$(grep -c '"event_type":"alert"' "$TMP/out.json" 2>/dev/null)
if [ "$rc" -ne 0 ] || [ "${n:-0}" -lt 1 ]; then
    echo "FAIL a FIFO rule read by two workers: exit $rc, $n alerts: $(cat "$TMP/stderr")"
    fails=$((fails + 1))
else
    echo "ok   a FIFO rule read by two workers: $n alerts"
fi

# A worker's 256 KiB frame buffer that cannot be had: one line, exit 1, no abort.
# (A preloaded malloc that fails that size; not under the sanitizers, whose
# malloc is linked into the binary and comes before any preloaded one.)
if nm "$PW" 2>/dev/null | grep -q ' __asan_init'; then
    echo "skip worker memory: $PW has the sanitizers' malloc"
elif [ -f "$TOOLS/failmalloc.so" ]; then
    timeout 30 env PW_FAIL_MALLOC_SIZE=262152 LD_PRELOAD="$TOOLS/failmalloc.so" "$PW" -q --workers 2 -r "$SAMPLE" \
        -o "$TMP/out2.json" 2>"$TMP/stderr"
    one_line "worker memory" 1 $? "^pipewatch: cannot start 2 workers: out of memory"
else
    echo "FAIL $TOOLS/failmalloc.so is not built"
    fails=$((fails + 1))
fi
finish
