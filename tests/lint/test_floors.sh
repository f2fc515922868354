#!/bin/sh
# The floors: no #include runs up a floor (protocols/ < detect/ < sensor/, unit
# tests and fuzz targets at the floor of their module), and no circle of files
# inside a floor, neither in the include lines nor in which object uses which
# (nm over $BUILD/obj). Known circles pass only from tests/lint/known-circles.txt.
# The checker is first run on a tree built to break every rule, so it cannot
# pass by finding nothing.
cd "$(dirname "$0")/../.." || exit 1
BUILD=${BUILD:-build}
command -v python3 >/dev/null 2>&1 || { echo "python3 is not installed"; exit 77; }
command -v nm >/dev/null 2>&1 || { echo "nm is not installed"; exit 77; }
fail=0
bad=tests/lint/fixtures/bad
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
for f in protocols/ping protocols/pong sensor/top; do
    mkdir -p "$tmp/obj/$(dirname $f)"
    ${CC:-cc} -c "$bad/$f.c" -o "$tmp/obj/$f.o" || { echo "FAIL cannot compile the fixture $f.c"; exit 1; }
done

expect() { # expect WHAT: the last run's output holds the line WHAT
    if grep -qF -- "$1" "$tmp/out"; then
        echo "ok   fixture: $1"
    else
        echo "FAIL fixture: no '$1' in:"
        sed 's/^/    /' "$tmp/out"
        fail=1
    fi
}

python3 tests/lint/floors.py --root "$bad" --objects "$tmp/obj" >"$tmp/out" 2>&1
[ $? -eq 1 ] || { echo "FAIL the checker passed the bad fixture"; fail=1; }
expect 'FAIL protocols/ping.c:4: includes "../sensor/top.h" of sensor/, a floor above protocols/'
expect 'FAIL tests/unit/test_ping.c:3: includes "sensor/top.h" of sensor/, above the floor of its module (protocols/)'
expect 'FAIL circle of files (includes): detect/left.h detect/right.h'
expect 'FAIL circle of files (uses): protocols/ping.c protocols/pong.c'
expect 'FAIL protocols/ping.c: uses sensor/top.c, a floor above'

python3 tests/lint/floors.py --root "$bad" --objects "$tmp/obj" --allow "$bad/allow-ping.txt" >"$tmp/out" 2>&1
expect "known circle (uses), allowed by $bad/allow-ping.txt: protocols/ping.c protocols/pong.c"
if grep -q 'FAIL circle of files (uses)' "$tmp/out"; then
    echo "FAIL an allowed circle was still reported"
    fail=1
fi
python3 tests/lint/floors.py --root "$bad" --allow "$bad/allow-stale.txt" >"$tmp/out" 2>&1
expect "FAIL $bad/allow-stale.txt: the circle protocols/a.c protocols/b.c is gone: remove it from the list"

echo "--- the tree"
if [ -d "$BUILD/obj/protocols" ]; then
    python3 tests/lint/floors.py --objects "$BUILD/obj" --allow tests/lint/known-circles.txt || fail=1
else
    echo "FAIL no objects in $BUILD/obj (build first)"
    fail=1
fi
[ $fail -eq 0 ] && echo "PASS floors" || echo "FAIL floors"
exit $fail
