#!/bin/sh
# make golden: rewrites pcaps/NAME.eve.json from the current build. Read the diff
# (git diff pcaps/) before committing: these files are what the tests hold the code to.
BUILD=${BUILD:-build}
for pcap in pcaps/*.pcap pcaps/*.pcapng; do
    [ -f "$pcap" ] || continue
    "$BUILD/pipewatch" -q -r "$pcap" -o "${pcap%.*}.eve.json.new" || echo "pipewatch exited $? on $pcap"
    mv "${pcap%.*}.eve.json.new" "${pcap%.*}.eve.json"
    echo "wrote ${pcap%.*}.eve.json ($(wc -l <"${pcap%.*}.eve.json") records)"
done
git --no-pager diff --stat -- pcaps/ 2>/dev/null
