#!/bin/sh
# The same SMB operations come out of a capture and of the same capture re-cut
# into 1-byte TCP segments, and re-cut and reordered within a window of 8
# (where tshark itself loses them). build/tools/pcap-recut does the cutting.
. tests/pcap/lib.sh
[ -x "$TOOLS/pcap-recut" ] || { echo "FAIL $TOOLS/pcap-recut is not built"; exit 1; }
n=0
for pcap in pcaps/psexec-renamed.pcap pcaps/paexec.pcap pcaps/smb1-nt1.pcap pcaps/nbss-port139.pcap \
    "$SHARED_REAL"/psexec-smb311-ntlm.pcapng "$SHARED_REAL"/psexec-smb21-kerberos.pcap \
    "$SHARED_REAL"/impacket-psexec-445-139.pcap "$SHARED_REAL"/winexe-smb1.pcap; do
    [ -f "$pcap" ] || continue
    n=$((n + 1))
    "$PW" -q -r "$pcap" --types smb -o "$TMP/orig.json" || { echo "FAIL $pcap: pipewatch failed"; fails=$((fails + 1)); continue; }
    "$TOOLS/pcap-recut" -n 1 "$pcap" "$TMP/cut.pcap" >/dev/null
    "$PW" -q -r "$TMP/cut.pcap" --types smb -o "$TMP/cut.json"
    check "$pcap 1-byte segments" python3 tests/pcap/eve_compare.py same "$TMP/orig.json" "$TMP/cut.json"
    "$TOOLS/pcap-recut" -n 1 -w 8 -s 7 "$pcap" "$TMP/mix.pcap" >/dev/null
    "$PW" -q -r "$TMP/mix.pcap" --types smb -o "$TMP/mix.json"
    check "$pcap 1-byte segments reordered" python3 tests/pcap/eve_compare.py same "$TMP/orig.json" "$TMP/mix.json"
done
[ "$n" -gt 0 ] || { echo "no captures found"; exit 1; }
finish
