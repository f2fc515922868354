#!/bin/sh
# An OEM-string SMB1 session between real implementations: Samba's smbd with
# `unicode = no` (it offers no CAP_UNICODE, so every string is OEM) and NT1
# only, and Samba's smbclient, in two network namespaces of this test's own.
# The client puts a file on ADMIN$, lists C$ and reads the file back. tshark
# must see OEM strings only, and agree with pipewatch on every TREE_CONNECT and
# open; pipewatch's 5145 names the file, and the incident stage would hash it.
# Needs root, ip netns, smbd, smbclient, tcpdump and tshark; skips otherwise.
. tests/pcap/lib.sh
[ "$(id -u)" -eq 0 ] || { echo "not root: no network namespaces"; exit 77; }
for t in ip smbd smbclient smbpasswd tcpdump tshark; do
    command -v $t >/dev/null || { echo "$t is not installed"; exit 77; }
done
SRV=pw-oem-s$$
CLI=pw-oem-c$$
cleanup() {
    for ns in $SRV $CLI; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns"); do kill -TERM "$pid" 2>/dev/null; done
            sleep 0.3
            for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null; done
            ip netns delete "$ns"
        fi
    done
    rm -rf "$TMP"
}
trap cleanup EXIT INT TERM
ip netns add $SRV && ip netns add $CLI || { echo "cannot make network namespaces"; exit 77; }
ip link add vs$$ type veth peer name vc$$
ip link set vs$$ netns $SRV
ip link set vc$$ netns $CLI
ip netns exec $SRV ip addr add 10.99.7.1/24 dev vs$$
ip netns exec $CLI ip addr add 10.99.7.2/24 dev vc$$
for ns in $SRV $CLI; do ip netns exec $ns ip link set lo up; done
ip netns exec $SRV ip link set vs$$ up
ip netns exec $CLI ip link set vc$$ up
ip netns exec $SRV ethtool -K vs$$ tso off gso off gro off tx off rx off >/dev/null 2>&1
ip netns exec $CLI ethtool -K vc$$ tso off gso off gro off tx off rx off >/dev/null 2>&1

d=$TMP/samba
mkdir -p $d/state $d/cache $d/lock $d/pid $d/private $d/log $d/ncalrpc $d/admin $d/cdrive
echo "root = Administrator" >$d/users.map
cat >$d/smb.conf <<EOF
[global]
    netbios name = SRV
    workgroup = WORKGROUP
    server role = standalone server
    interfaces = 10.99.7.1/24
    bind interfaces only = yes
    state directory = $d/state
    cache directory = $d/cache
    lock directory = $d/lock
    pid directory = $d/pid
    private dir = $d/private
    ncalrpc dir = $d/ncalrpc
    log file = $d/log/log.%m
    passdb backend = tdbsam:$d/private/passdb.tdb
    username map = $d/users.map
    smb ports = 445
    server min protocol = NT1
    server max protocol = NT1
    unicode = no
    load printers = no
    disable spoolss = yes
[ADMIN\$]
    path = $d/admin
    read only = no
[C\$]
    path = $d/cdrive
    read only = no
EOF
printf 'Passw0rd!\nPassw0rd!\n' | smbpasswd -c $d/smb.conf -s -a root >/dev/null
printf '[global]\n    netbios name = WKS01\n    workgroup = WORKGROUP\n    client min protocol = NT1\n    client max protocol = NT1\n' >$TMP/client.conf
ip netns exec $SRV smbd -F -s $d/smb.conf </dev/null >$d/log/stdout 2>&1 &
i=0
until ip netns exec $SRV ss -Hltn "sport = :445" | grep -q LISTEN; do
    i=$((i + 1))
    [ $i -lt 100 ] || { echo "FAIL smbd did not start: $(cat $d/log/stdout)"; exit 1; }
    sleep 0.1
done
ip netns exec $SRV tcpdump -i vs$$ -s 0 --immediate-mode -U -w $TMP/oem.pcap tcp 2>$TMP/tcpdump.err &
tcpdump=$!
sleep 1
head -c 3000 /dev/urandom >$TMP/svc.bin
(cd $TMP && ip netns exec $CLI smbclient -s $TMP/client.conf -U 'Administrator%Passw0rd!' //10.99.7.1/ADMIN\$ \
    -c 'put svc.bin oemsvc.exe; get oemsvc.exe back.bin' >$TMP/client.out 2>&1) &&
    ip netns exec $CLI smbclient -s $TMP/client.conf -U 'Administrator%Passw0rd!' //10.99.7.1/C\$ -c 'ls' \
        >>$TMP/client.out 2>&1 || { echo "FAIL smbclient: $(cat $TMP/client.out)"; exit 1; }
sleep 1
kill -INT $tcpdump
wait $tcpdump
cmp -s $TMP/svc.bin $TMP/back.bin || { echo "FAIL the file did not come back whole"; exit 1; }
# the NEGOTIATE comes before the server said it has no CAP_UNICODE: it may carry the flag
unicode=$(tshark -n -r $TMP/oem.pcap -Y "smb.flags2.string == 1 && smb.cmd != 0x72" 2>/dev/null | wc -l)
oem=$(tshark -n -r $TMP/oem.pcap -Y "smb.cmd == 0x75 && smb.flags2.string == 0" 2>/dev/null | wc -l)
[ "$unicode" -eq 0 ] && [ "$oem" -gt 0 ] || { echo "FAIL not an OEM session: $unicode Unicode messages, $oem OEM tree connects"; exit 1; }
echo "ok   OEM session: $oem OEM TREE_CONNECT_ANDX messages, no Unicode message after the NEGOTIATE"
"$PW" -q -r $TMP/oem.pcap -o $TMP/out.json 2>$TMP/err || { echo "FAIL pipewatch: $(cat $TMP/err)"; exit 1; }
check "tshark agreement" python3 tests/pcap/eve_compare.py tshark $TMP/oem.pcap $TMP/out.json
check "5145 of the file" python3 -c '
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ev = [r["winlog"]["event_data"] for r in ev if r["event_type"] == "winlog" and r["winlog"]["event_id"] == 5145]
got = {(e["ShareName"], e["RelativeTargetName"], e["SubjectUserName"]) for e in ev}
want = ("\\\\*\\ADMIN$", "oemsvc.exe", "Administrator")
sys.exit(0 if want in got else "no 5145 %r in %r" % (want, sorted(got)))
' $TMP/out.json
finish
