#!/bin/sh
# Runs every test of the suite and ends with one line "tests: N passed, N failed".
# Unit tests are the cmocka binaries in $BUILD/tests; the other tests are the
# scripts tests/*/test_*.sh (each exits 0 on success, 77 when it cannot run here).
BUILD=${BUILD:-build}
passed=0
failed=0
skipped=0
failures=""
run() {
    name=$1
    shift
    "$@" >"$BUILD/test-logs/$name.log" 2>&1
    rc=$?
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        echo "PASS $name"
    elif [ $rc -eq 77 ]; then
        skipped=$((skipped + 1))
        echo "SKIP $name: $(tail -n 1 "$BUILD/test-logs/$name.log")"
    else
        failed=$((failed + 1))
        failures="$failures $name"
        echo "FAIL $name (log: $BUILD/test-logs/$name.log)"
        tail -n 30 "$BUILD/test-logs/$name.log" | sed 's/^/    /'
    fi
}
mkdir -p "$BUILD/test-logs"
for t in "$BUILD"/tests/test_*; do
    [ -x "$t" ] || continue
    run "$(basename "$t")" "$t"
done
for t in tests/pcap/test_*.sh tests/cli/test_*.sh tests/fuzz/test_*.sh tests/lint/test_*.sh tests/live/test_*.sh; do
    [ -f "$t" ] || continue
    run "$(basename "$t" .sh)" env BUILD="$BUILD" sh "$t"
done
[ -n "$failures" ] && echo "failed:$failures"
echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
