#!/bin/sh
# Service installs and scheduled tasks in the bundled samples made against the
# project's own service control manager and task scheduler (pcaps/README.md):
# the 7045, 4697 and 4698 events each tool run must give, and none where the
# server refused or the calls were sealed.
. tests/pcap/lib.sh
for s in smbexec atexec atexec-integrity at-job impacket-psexec-installed service-exists service-binpath-rewrite \
    svcctl-tcp-integrity svcctl-tcp-sealed; do
    "$PW" -q -r "pcaps/$s.pcap" --types smb,winlog,alert -o "$TMP/$s.json" || { echo "FAIL pipewatch on $s"; exit 1; }
done
R=tests/pcap/rpc_checks.py
SMBEXEC='^> \\127.0.0.1\C$\__output 2^>^&1 > %TEMP%\execute.bat & %COMSPEC% /Q /c %TEMP%\execute.bat & del %TEMP%\execute.bat'
check "smbexec.py: one 7045 and one 4697 per command" python3 $R install-each "$TMP/smbexec.json" BTOBTO \
    "%COMSPEC% /Q /c echo cd  $SMBEXEC" "%COMSPEC% /Q /c echo whoami $SMBEXEC"
check "psexec.py's sequence, service created: one 7045, one 4697" python3 $R \
    installs "$TMP/impacket-psexec-installed.json" lGFb '%SystemRoot%\AibNyyur.exe' 'demand start' 3
check "a service that exists: ERROR_SERVICE_EXISTS, no install event" python3 $R \
    refused-install "$TMP/service-exists.json" updsvc 1073
check "atexec.py (sealed): no 4698" python3 $R sealed-tasks "$TMP/atexec.json" 4
check "atexec's sequence at packet integrity: 4698 with the bind's identity" python3 $R \
    task "$TMP/atexec-integrity.json" '\WrKcqOxj' Administrator '<?xml version="1.0" encoding="UTF-16"?>' '</Task>'
check "NetrJobAdd: 4698 for \\At1 with the command" python3 $R \
    task "$TMP/at-job.json" '\At1' Administrator 'cmd.exe /c C:\Windows\Temp\upd.bat' 'upd.bat'
check "ChangeServiceConfigW: the new binary path" python3 $R \
    binpath "$TMP/service-binpath-rewrite.json" 'C:\Windows\System32\cmd.exe /c C:\Windows\Temp\upd.exe'
check "svcctl straight over TCP (ept_map, then the learnt port): one 7045 and one 4697" python3 $R install-each \
    "$TMP/svcctl-tcp-integrity.json" BTOBTO "%COMSPEC% /Q /c echo whoami $SMBEXEC"
check "svcctl sealed over TCP: encrypted dcerpc records, no install event" python3 tests/pcap/rpc_tcp_checks.py \
    sealed-sample "$TMP/svcctl-tcp-sealed.json" 49670 \
    ROpenSCManagerW,RCreateServiceW,RStartServiceW,RDeleteService,RCloseServiceHandle,RCloseServiceHandle
finish
