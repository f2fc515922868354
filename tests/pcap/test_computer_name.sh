#!/bin/sh
# Windows writes its own name as Computer. On the public captures, every
# winlog record of a server whose NTLMSSP names were on the wire (the
# CHALLENGE's MsvAvDnsComputerName, or the NTLMv2 response's echo of it, as
# tshark reads them) carries that name, one name per server, with one worker
# and with several; no record has an address as Computer.
. tests/pcap/lib.sh
[ -d "$SHARED_REAL" ] || { echo "no public captures at $SHARED_REAL"; exit 77; }
command -v tshark >/dev/null || { echo "tshark is not installed"; exit 77; }
command -v python3 >/dev/null || { echo "python3 is not installed"; exit 77; }
for pcap in "$SHARED_REAL"/*; do
    [ -f "$pcap" ] || continue
    # server address -> DNS computer name, from tshark: the CHALLENGE comes
    # from the server, the AUTHENTICATE goes to it
    tshark -r "$pcap" -Y 'ntlmssp.messagetype == 2' -T fields -E separator='|' \
        -e ip.src -e ipv6.src -e ntlmssp.challenge.target_info.dns_computer_name >"$TMP/names" 2>/dev/null
    tshark -r "$pcap" -Y 'ntlmssp.messagetype == 3' -T fields -E separator='|' \
        -e ip.dst -e ipv6.dst -e ntlmssp.ntlmv2_response.dns_computer_name >>"$TMP/names" 2>/dev/null
    for workers in 1 2; do
        "$PW" -q --workers $workers -r "$pcap" -o "$TMP/out.json" 2>"$TMP/err" ||
            { echo "FAIL $pcap --workers $workers: exit $?: $(cat "$TMP/err")"; fails=$((fails + 1)); continue; }
        check "$(basename "$pcap") --workers $workers" python3 - "$TMP/names" "$TMP/out.json" <<'EOF'
import ipaddress, json, sys
names = {}
for line in open(sys.argv[1]):
    v4, v6, name = (line.rstrip("\n").split("|") + ["", "", ""])[:3]
    addr, name = v4 or v6, name.split(",")[0]
    if addr and name:
        names.setdefault(addr, set()).add(name)
seen, bad, n = {}, [], 0
for line in open(sys.argv[2]):
    rec = json.loads(line)
    if rec.get("event_type") != "winlog":
        continue
    n += 1
    server, comp = rec["dest_ip"], rec["winlog"]["computer_name"]
    seen.setdefault(server, set()).add(comp)
    try:
        ipaddress.ip_address(comp.strip("[]"))
        bad.append("address %s as Computer" % comp)
    except ValueError:
        pass
    want = names.get(server)
    if want and comp not in want:
        bad.append("%s: Computer %r, the wire named it %s" % (server, comp, sorted(want)))
for server, comps in seen.items():
    if server in names and len(comps) != 1:
        bad.append("%s: %d names %s" % (server, len(comps), sorted(comps)))
if bad:
    print("\n".join(sorted(set(bad))[:10]))
    sys.exit(1)
named = sorted("%s=%s" % (s, "".join(c)) for s, c in seen.items() if s in names)
print("%d winlog records; %s" % (n, ", ".join(named) if named else "no NTLMSSP names on the wire"))
EOF
    done
done
finish
