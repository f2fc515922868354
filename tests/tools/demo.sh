#!/bin/sh
# make demo: replays every bundled sample and prints, per sample, who connected
# to which share, which pipes were opened and which alerts fired.
BUILD=${BUILD:-build}
out="$BUILD/demo"
mkdir -p "$out"
status=0
for pcap in pcaps/*.pcap; do
    [ -f "$pcap" ] || continue
    name=$(basename "$pcap" .pcap)
    about=$(sed -n "s/^### $name\.pcap — //p" pcaps/README.md 2>/dev/null | head -n 1)
    echo "=== $name${about:+ — $about}"
    "$BUILD/pipewatch" -r "$pcap" -o "$out/$name.eve.json" 2>&1 | sed -n '/^  dialects/,$p' | grep -v '^  not seen' || status=1
    echo
done
echo "Full EVE output (smb, winlog, alert, flow and stats records): $out/*.eve.json"
echo "For example: grep '\"event_type\":\"alert\"' $out/psexec-renamed.eve.json"
exit $status
