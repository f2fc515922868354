#!/bin/sh
# The SIEM layouts against the seed rule's conversions (tests/cli/outputs_layouts.py).
. tests/pcap/lib.sh
python3 tests/cli/outputs_layouts.py "$PW" pcaps/psexec-renamed.pcap || exit 1
# docs/outputs.md shows what the layouts make now (make outputs-doc rewrites it)
python3 tests/tools/outputs-doc.py "$PW" >"$TMP/outputs.md" || exit 1
if ! diff -u docs/outputs.md "$TMP/outputs.md" >"$TMP/doc.diff"; then
    echo "FAIL docs/outputs.md is not what the layouts make (make outputs-doc, then read the diff):"
    head -40 "$TMP/doc.diff"
    exit 1
fi
echo "ok   docs/outputs.md is current"
