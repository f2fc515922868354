#!/bin/sh
# pipewatch and tshark agree on every TREE_CONNECT and CREATE (name and final
# status; SMB1's legacy opens too) of every bundled sample, of the SMB1 session
# with the legacy opens that tests/tools/smb1-legacy-pcap.py writes (OEM strings,
# and the same in Unicode), and
# of the public captures in ../shared/pcaps/real (skipped where that is absent).
. tests/pcap/lib.sh
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
python3 tests/tools/smb1-legacy-pcap.py "$TMP/smb1-legacy-oem.pcap" &&
    python3 tests/tools/smb1-legacy-pcap.py --unicode "$TMP/smb1-legacy-unicode.pcap" ||
    { echo "FAIL: smb1-legacy-pcap.py"; exit 1; }
n=0
for pcap in pcaps/*.pcap pcaps/*.pcapng "$TMP"/smb1-legacy-*.pcap "$SHARED_REAL"/*; do
    [ -f "$pcap" ] || continue
    "$PW" -q -r "$pcap" --types smb -o "$TMP/out.json" 2>"$TMP/err"
    rc=$?
    [ $rc -eq 0 ] || { echo "FAIL $pcap: pipewatch exit $rc: $(cat "$TMP/err")"; fails=$((fails + 1)); continue; }
    # tshark cannot follow a capture re-cut into 1-byte reordered segments: such a
    # sample is checked against tshark's reading of the capture it was cut from.
    ref=$pcap
    case "$pcap" in *-recut.pcap) ref=${pcap%-recut.pcap}.pcap ;; esac
    check "$pcap" python3 tests/pcap/eve_compare.py tshark "$ref" "$TMP/out.json"
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no captures found"; exit 1; }
finish
