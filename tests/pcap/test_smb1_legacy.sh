#!/bin/sh
# An SMB1 session as old clients and Metasploit speak it (OEM strings, the
# legacy opens, the service binary written out of order with WRITE_ANDX and
# WRITE), written by tests/tools/smb1-legacy-pcap.py with OEM strings and again
# with Unicode ones: in both, pipewatch gives the 5145s Windows writes for each
# open, the seed rule's alerts on the renamed PsExec pipes, and one incident
# whose file hash is the sha256sum of the binary the capture carries.
. tests/pcap/lib.sh
for form in oem unicode; do
    flag=
    [ $form = unicode ] && flag=--unicode
    python3 tests/tools/smb1-legacy-pcap.py $flag "$TMP/$form.pcap" "$TMP/$form.bin" ||
        { echo "FAIL: smb1-legacy-pcap.py $flag"; exit 1; }
    sha=$(sha256sum "$TMP/$form.bin" | cut -d' ' -f1)
    if "$PW" -q -r "$TMP/$form.pcap" -o "$TMP/$form.json" 2>"$TMP/err"; then
        check "smb1-legacy $form" python3 tests/pcap/smb1_legacy_checks.py "$TMP/$form.json" "$sha"
    else
        echo "FAIL smb1-legacy $form: pipewatch: $(cat "$TMP/err")"
        fails=$((fails + 1))
    fi
done
finish
