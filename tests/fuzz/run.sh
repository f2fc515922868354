#!/bin/sh
# make fuzz: runs each libFuzzer target for FUZZ_SECONDS (or until
# FUZZ_RUNS executions, when set, whichever comes first), seeded from
# tests/fuzz/corpus/TARGET, and prints one line per target: executions,
# coverage, corpus size, and the crash files if any (to be added to
# tests/fuzz/regress/TARGET/ once fixed).
BUILD=${BUILD:-build-fuzz}
secs=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:+-runs=$FUZZ_RUNS}
status=0
for t in "$@"; do
    work="$BUILD/corpus/$t"
    crashes="$BUILD/crashes/$t"
    mkdir -p "$work" "$crashes" tests/fuzz/corpus/$t
    ( cd "$BUILD/crashes/$t" && ASAN_OPTIONS=detect_leaks=1 "../../bin/$t" -max_total_time="$secs" $runs -print_final_stats=1 \
        -rss_limit_mb=2048 -max_len=65536 "../../corpus/$t" "../../../tests/fuzz/corpus/$t" ) >"$BUILD/$t.log" 2>&1
    rc=$?
    execs=$(grep -E '^stat::number_of_executed_units' "$BUILD/$t.log" | awk '{print $2}')
    cov=$(grep -Eo 'cov: [0-9]+' "$BUILD/$t.log" | tail -n 1)
    found=$(ls "$crashes" | grep -E '^(crash|leak|timeout|oom)-' | wc -l)
    echo "$t: ${execs:-?} executions, ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) inputs, $found findings (exit $rc)"
    [ "$rc" -eq 0 ] || { status=1; tail -n 30 "$BUILD/$t.log"; }
done
exit $status
