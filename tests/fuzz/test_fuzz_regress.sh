#!/bin/sh
# Every fuzz target replays its seed corpus and every input that once made it
# crash (tests/fuzz/regress/TARGET/), without a crash or a sanitizer report
# (under `make sanitize` these binaries carry ASan and UBSan).
. tests/pcap/lib.sh
n=0
for bin in "$BUILD"/fuzz-regress/fuzz_*; do
    [ -x "$bin" ] || continue
    t=$(basename "$bin")
    n=$((n + 1))
    check "$t" "$bin" tests/fuzz/corpus/$t tests/fuzz/regress/$t
done
[ "$n" -gt 0 ] || { echo "FAIL no fuzz targets built in $BUILD/fuzz-regress"; exit 1; }
finish
