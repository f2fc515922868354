#!/bin/sh
# DCE/RPC straight over TCP in the public smbexec capture of ../shared/pcaps/real
# (skipped without it; tests/unit/test_dcerpc_tcp.c and test_pipeline_dcerpc.c
# cover the same behaviour on hand-built traffic): the endpoint learnt from
# ept_map on port 135, the sealed svcctl calls on it reported as encrypted,
# and one incident for the run across the TCP and SMB connections.
. tests/pcap/lib.sh
f=smbexec-svcctl.pcapng
[ -f "$SHARED_REAL/$f" ] || { echo "no $SHARED_REAL/$f"; exit 77; }
"$PW" -q -r "$SHARED_REAL/$f" -o "$TMP/out.json" || { echo "FAIL pipewatch on $f"; exit 1; }
ops=ROpenSCManagerA,RCreateServiceA,RStartServiceA,RDeleteService,RCloseServiceHandle,RCloseServiceHandle
check "smbexec: ept_map names svcctl's port, its sealed calls are encrypted records" python3 tests/pcap/rpc_tcp_checks.py \
    sealed "$TMP/out.json" 49683 "$ops,$ops"
check "smbexec: one incident, svcctl sealed over TCP not seen" python3 tests/pcap/rpc_tcp_checks.py \
    incident "$TMP/out.json" smbexec 'svcctl sealed over TCP (service name and binary hidden)'
"$PW" -q -r "$SHARED_REAL/$f" --workers 2 -o "$TMP/w2.json" || { echo "FAIL pipewatch --workers 2 on $f"; exit 1; }
check "smbexec with --workers 2: the same incident" python3 tests/pcap/rpc_tcp_checks.py \
    incident "$TMP/w2.json" smbexec 'svcctl sealed over TCP (service name and binary hidden)'
finish
