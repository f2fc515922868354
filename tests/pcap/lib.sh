# Shared by the pcap tests: where things are, and a runner that keeps stderr.
BUILD=${BUILD:-build}
PW="$BUILD/pipewatch"
TOOLS="$BUILD/tools"
SHARED_REAL=${SHARED_REAL:-../shared/pcaps/real}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/pipewatch-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT INT TERM
fails=0
check() { # check NAME CMD…: runs CMD, reports, counts failures
    check_name=$1
    shift
    if out=$("$@" 2>&1); then
        echo "ok   $check_name${out:+: $(echo "$out" | tail -n 1)}"
    else
        echo "FAIL $check_name"
        echo "$out" | sed 's/^/     /'
        fails=$((fails + 1))
    fi
}
finish() {
    [ "$fails" -eq 0 ] || { echo "$fails check(s) failed"; exit 1; }
    exit 0
}
