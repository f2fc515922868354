#!/bin/sh
# Service installs and svcctl calls in the public captures of ../shared/pcaps/real:
# the events and records the samples must give (skipped without them).
. tests/pcap/lib.sh
[ -d "$SHARED_REAL" ] || { echo "no $SHARED_REAL"; exit 77; }
for f in psexec-smb21-kerberos.pcap svcctl-changeserviceconfig-oneway.pcap impacket-psexec-445-139.pcap \
    winexe-smb1.pcap; do
    [ -f "$SHARED_REAL/$f" ] || { echo "no $SHARED_REAL/$f"; exit 77; }
    "$PW" -q -r "$SHARED_REAL/$f" --types smb,winlog,alert -o "$TMP/$f.json" || { echo "FAIL pipewatch on $f"; exit 1; }
done
check "PsExec (CreateServiceWOW64W over SMB 2.1, Kerberos): one 7045, one 4697" python3 tests/pcap/rpc_checks.py \
    installs "$TMP/psexec-smb21-kerberos.pcap.json" PSEXESVC '%SystemRoot%\PSEXESVC.exe' 'demand start' 3
check "impacket psexec: one 7045, one 4697" python3 tests/pcap/rpc_checks.py \
    installs "$TMP/impacket-psexec-445-139.pcap.json" SDfL '%systemroot%\HtCOoeYd.exe' 'auto start' 2
check "winexe over SMB1 TRANSACTION: one 7045, one 4697" python3 tests/pcap/rpc_checks.py \
    installs "$TMP/winexe-smb1.pcap.json" winexesvc 'winexesvc.exe' 'demand start' 3
check "ChangeServiceConfig, one direction: the new binary path" python3 tests/pcap/rpc_checks.py \
    binpath "$TMP/svcctl-changeserviceconfig-oneway.pcap.json" \
    'c:\windows\system32\cmd.exe /c powershell -exec bypass -nop -e Y2FsYy5leGU='
check "ChangeServiceConfig, one direction: the binary-path rewrite rule fires" python3 tests/pcap/rpc_checks.py \
    rewrite-alert "$TMP/svcctl-changeserviceconfig-oneway.pcap.json" \
    'c:\windows\system32\cmd.exe /c powershell -exec bypass -nop -e Y2FsYy5leGU='
finish
