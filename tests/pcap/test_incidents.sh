#!/bin/sh
# One incident per tool run, with the right tool, user, service and binary, on
# every bundled sample and on the public captures of real runs; none on the
# benign samples; the same with --workers 2 and 3, where a run's connections
# (impacket psexec.py opens four) are one incident. The SHA-256 of a file
# written to ADMIN$ is the one tshark's bytes give.
. tests/pcap/lib.sh
run_checks() { # run_checks PCAP NAME [ARGS...]
    pcap=$1
    name=$2
    shift 2
    if ! "$PW" -q -r "$pcap" --types incident,alert "$@" -o "$TMP/$name.json" 2>"$TMP/err"; then
        echo "FAIL $name: exit $?: $(cat "$TMP/err")"
        fails=$((fails + 1))
        return
    fi
    check "$name $*" python3 tests/pcap/incident_checks.py "$TMP/$name.json" "$name"
}
for pcap in pcaps/*.pcap; do
    name=$(basename "$pcap" .pcap)
    run_checks "$pcap" "$name"
done
for n in 2 3; do
    run_checks pcaps/impacket-psexec.pcap impacket-psexec --workers $n
    run_checks pcaps/psexec-default.pcap psexec-default --workers $n
done
if [ -d "$SHARED_REAL" ]; then
    for pcap in "$SHARED_REAL"/*; do
        name=$(basename "$pcap")
        name=${name%.pcap}
        name=${name%.pcapng}
        case $name in smbexec-svcctl | svcctl-changeserviceconfig-oneway) continue ;; esac
        run_checks "$pcap" "$name"
    done
else
    echo "skip the real captures: $SHARED_REAL not here"
fi
# the hash of PSEXESVC.exe as written, against the bytes tshark reads out of the WRITE
if command -v tshark >/dev/null 2>&1; then
    want=$(tshark -r pcaps/psexec-default.pcap -Y "smb2.cmd==9 && smb2.flags.response==0" \
        -T fields -e data.data 2>/dev/null | head -n 1 | python3 -c "import sys,hashlib;print(hashlib.sha256(bytes.fromhex(sys.stdin.read().strip())).hexdigest())")
    got=$(python3 -c "import json,sys
for l in open(sys.argv[1]):
    r=json.loads(l)
    if r['event_type']=='incident': print(r['incident']['files'][0]['sha256'])" "$TMP/psexec-default.json")
    check "PSEXESVC.exe sha256 $got is tshark's" test "$want" = "$got"
fi
finish
