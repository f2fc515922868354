#!/bin/sh
# Static analysis with cppcheck over every C source of the tree: the build's
# compiler warnings miss things like a variable scoped wider than its use or
# a pointer that could be const. Any finding fails the test; a false positive
# is silenced in the code with "// cppcheck-suppress <id>" and a reason.
cd "$(dirname "$0")/../.." || exit 1
if ! command -v cppcheck >/dev/null 2>&1; then
    # as root "make test" installs it first (deps-test), so missing means broken
    [ "$(id -u)" = 0 ] && { echo "cppcheck is not installed (run make deps-test)"; exit 1; }
    echo "cppcheck is not installed"
    exit 77
fi
cppcheck --version
out=$(cppcheck --enable=warning,style,performance,portability --inline-suppr --quiet --error-exitcode=1 \
    -I. --std=c11 -D_GNU_SOURCE sensor protocols detect tests/tools tests/bench tests/fuzz tests/unit 2>&1)
rc=$?
if [ $rc -ne 0 ]; then
    printf '%s\n' "$out"
    echo "cppcheck: findings above (exit $rc)"
    exit 1
fi
echo "cppcheck: no findings"
exit 0
