#!/bin/sh
# deps.sh "PKGCONFIG NAMES" "DEBIAN PACKAGES" [COMMANDS…]
# Checks that the pkg-config modules and commands are there; when some are
# missing, installs the Debian packages with apt-get if we are root, or prints
# the exact command to run and fails.
mods=$1
debs=$2
shift 2
missing=""
for m in $mods; do
    pkg-config --exists "$m" 2>/dev/null || missing="$missing $m"
done
command -v pkg-config >/dev/null 2>&1 || missing="$missing pkg-config"
command -v cc >/dev/null 2>&1 || missing="$missing cc"
for c in "$@"; do
    command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends $debs"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "pipewatch: installing missing build dependencies ($missing ): $cmd" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2 || { echo "pipewatch: apt-get update failed" >&2; exit 1; }
    apt-get install -y -qq --no-install-recommends $debs >&2 || { echo "pipewatch: apt-get install failed" >&2; exit 1; }
    exit 0
fi
echo "pipewatch: missing build dependencies:$missing" >&2
echo "pipewatch: install them with: sudo $cmd" >&2
exit 1
