#!/bin/sh
# pipewatch and tshark agree on the service and task calls of every bundled
# sample: names, binary paths, return codes, task XML, sealed calls
# (tests/pcap/rpc_tshark.py says what is compared).
. tests/pcap/lib.sh
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
n=0
for pcap in pcaps/*.pcap; do
    [ -f "$pcap" ] || continue
    # tshark cannot follow the 1-byte re-cut: its original stands in (see test_tshark.sh)
    ref=$pcap
    case "$pcap" in *-recut.pcap) ref=${pcap%-recut.pcap}.pcap ;; esac
    "$PW" -q -r "$pcap" --types smb,winlog -o "$TMP/out.json" 2>"$TMP/err" ||
        { echo "FAIL $pcap: pipewatch exit $?: $(cat "$TMP/err")"; fails=$((fails + 1)); continue; }
    # SMB on port 8445 only when tshark is told (see pcaps/README.md)
    decode=
    case "$pcap" in *-8445.pcap) decode="-d tcp.port==8445,nbss" ;; esac
    # shellcheck disable=SC2086
    check "$pcap" python3 tests/pcap/rpc_tshark.py "$ref" "$TMP/out.json" $decode
    n=$((n + 1))
done
[ "$n" -gt 0 ] || { echo "no captures found"; exit 1; }
finish
