#!/bin/sh
# Every bundled sample replays to exactly its golden EVE file (pcaps/NAME.eve.json),
# which was produced by pipewatch and read by a person (make golden rewrites them).
. tests/pcap/lib.sh
n=0
for pcap in pcaps/*.pcap pcaps/*.pcapng; do
    [ -f "$pcap" ] || continue
    base=${pcap%.*}
    golden=$base.eve.json
    if [ ! -f "$golden" ]; then
        echo "FAIL $pcap has no golden file $golden (run make golden and read it)"
        fails=$((fails + 1))
        continue
    fi
    n=$((n + 1))
    "$PW" -q -r "$pcap" -o "$TMP/out.json" 2>"$TMP/err" || { echo "FAIL $pcap: exit $?: $(cat "$TMP/err")"; fails=$((fails + 1)); continue; }
    if diff -u "$golden" "$TMP/out.json" >"$TMP/diff"; then
        echo "ok   $pcap: $(wc -l <"$golden") records"
    else
        echo "FAIL $pcap differs from $golden:"
        head -n 40 "$TMP/diff" | sed 's/^/     /'
        fails=$((fails + 1))
    fi
done
[ "$n" -gt 0 ] || { echo "no bundled samples with golden files in pcaps/"; exit 1; }
# The same with the shipped configuration, which documents the defaults: its live capture filter
# (af-packet bpf-filter, ports 445 and 139) is not the replay's, so SMB on another port and
# DCE/RPC straight over TCP replay as they do without it.
same=0
for pcap in pcaps/*.pcap pcaps/*.pcapng; do
    golden=${pcap%.*}.eve.json
    [ -f "$golden" ] || continue
    "$PW" -q -c conf/pipewatch.yaml -r "$pcap" -o "$TMP/cfg.json" 2>"$TMP/err" &&
        cmp -s "$golden" "$TMP/cfg.json" && same=$((same + 1)) && continue
    echo "FAIL $pcap with -c conf/pipewatch.yaml differs from $golden: $(cat "$TMP/err")"
    diff -u "$golden" "$TMP/cfg.json" | head -n 10 | sed 's/^/     /'
    fails=$((fails + 1))
done
[ "$same" -eq "$n" ] && echo "ok   with -c conf/pipewatch.yaml: all $n samples replay to their golden files"
finish
