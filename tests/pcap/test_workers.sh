#!/bin/sh
# --workers N on a capture file writes the same records as one worker (the
# order across flows aside): every bundled sample, and a 40 MB capture that
# crosses many windows of the mapped reader while frames go to the workers
# by reference.
. tests/pcap/lib.sh
records() { grep -v '"event_type":"stats"' "$1" | sort; }
for pcap in pcaps/*.pcap; do
    records "${pcap%.pcap}.eve.json" >"$TMP/want"
    for n in 2 3; do
        "$PW" -q --workers $n -r "$pcap" -o "$TMP/out.json" 2>"$TMP/err" ||
            { echo "FAIL $pcap --workers $n: exit $?: $(cat "$TMP/err")"; fails=$((fails + 1)); continue; }
        records "$TMP/out.json" >"$TMP/got"
        if cmp -s "$TMP/want" "$TMP/got"; then
            echo "ok   $pcap --workers $n: $(wc -l <"$TMP/got") records, as the golden file"
        else
            echo "FAIL $pcap --workers $n differs from the golden file:"
            diff "$TMP/want" "$TMP/got" | head -n 10 | cut -c1-300 | sed 's/^/     /'
            fails=$((fails + 1))
        fi
    done
done
"$TOOLS/pcap-hostile" trees 100000 "$TMP/big.pcap" pcaps/psexec-renamed.pcap || { echo "FAIL pcap-hostile"; exit 1; }
"$PW" -q -r "$TMP/big.pcap" -o "$TMP/one.json" || { echo "FAIL one worker: exit $?"; exit 1; }
records "$TMP/one.json" >"$TMP/want"
alerts=$(grep -c '"event_type":"alert"' "$TMP/want")
[ "$alerts" -ge 3 ] || { echo "FAIL only $alerts alerts in the one-worker run"; fails=$((fails + 1)); }
for n in 2 3; do
    "$PW" -q --workers $n -r "$TMP/big.pcap" -o "$TMP/out.json" || { echo "FAIL --workers $n: exit $?"; fails=$((fails + 1)); continue; }
    records "$TMP/out.json" >"$TMP/got"
    if cmp -s "$TMP/want" "$TMP/got"; then
        echo "ok   $(($(wc -c <"$TMP/big.pcap") / 1000000)) MB capture --workers $n: $(wc -l <"$TMP/got") records ($alerts alerts), as one worker"
    else
        echo "FAIL $(wc -c <"$TMP/big.pcap") byte capture --workers $n differs from one worker:"
        diff "$TMP/want" "$TMP/got" | head -n 10 | cut -c1-300 | sed 's/^/     /'
        fails=$((fails + 1))
    fi
done
finish
