#!/bin/sh
# make install into a temporary DESTDIR: the installed binary, run with the
# installed configuration and rules, finds the renamed-PsExec alerts; make
# uninstall removes what install put there. Also: every option --help lists
# is documented in the man page.
. tests/pcap/lib.sh
dest="$TMP/root"
make -s install BUILD="$BUILD" DESTDIR="$dest" PREFIX=/usr/local >"$TMP/install.log" 2>&1 ||
    { echo "FAIL make install: $(tail -n 5 "$TMP/install.log")"; exit 1; }
for f in usr/local/bin/pipewatch usr/local/etc/pipewatch/pipewatch.yaml \
    usr/local/etc/pipewatch/rules/suspicious-psexec-execution.yml usr/local/share/man/man8/pipewatch.8 \
    usr/local/lib/systemd/system/pipewatch.service; do
    [ -f "$dest/$f" ] && echo "ok   installed $f" || { echo "FAIL $f not installed"; fails=$((fails + 1)); }
done
grep -q "^ExecStart=/usr/local/bin/pipewatch -q -c /usr/local/etc/pipewatch/pipewatch.yaml" \
    "$dest/usr/local/lib/systemd/system/pipewatch.service" && echo "ok   unit file points at the installed paths" ||
    { echo "FAIL unit file paths"; fails=$((fails + 1)); }
# The installed binary finds its installed rules by itself (bin/../etc/pipewatch/rules).
"$dest/usr/local/bin/pipewatch" -q -c "$dest/usr/local/etc/pipewatch/pipewatch.yaml" \
    -r pcaps/psexec-renamed.pcap -o "$TMP/eve.json"
rc=$?
n=$(grep '"event_type":"alert"' "$TMP/eve.json" | grep -c '"signature":"Suspicious PsExec Execution"')
[ $rc -eq 0 ] && [ "$n" -eq 3 ] && echo "ok   installed binary: 3 alerts of the seed rule" ||
    { echo "FAIL installed binary: exit $rc, $n seed-rule alerts (expected 3)"; fails=$((fails + 1)); }
"$dest/usr/local/bin/pipewatch" --list-rules >"$TMP/rules" 2>&1
grep -q "$dest/usr/local/bin/../etc/pipewatch/rules/suspicious-psexec-execution.yml" "$TMP/rules" &&
    echo "ok   installed binary lists the installed rules" || { echo "FAIL --list-rules: $(cat "$TMP/rules")"; fails=$((fails + 1)); }

# Every long option of --help is in the man page, and the reverse.
"$PW" --help | grep -Eo -- '--[a-z][a-z-]+' | sort -u >"$TMP/help-opts"
sed 's/\\-/-/g' docs/pipewatch.8 | grep -Eo -- '--[a-z][a-z-]+' | sort -u >"$TMP/man-opts"
if diff "$TMP/help-opts" "$TMP/man-opts" >"$TMP/opt-diff"; then
    echo "ok   the man page documents the $(wc -l <"$TMP/help-opts") options of --help"
else
    echo "FAIL --help and docs/pipewatch.8 differ (< help, > man):"
    sed 's/^/     /' "$TMP/opt-diff"
    fails=$((fails + 1))
fi

make -s uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1
left=$(find "$dest" -type f | wc -l)
[ "$left" -eq 0 ] && echo "ok   uninstall removed every file" || { echo "FAIL uninstall left: $(find "$dest" -type f)"; fails=$((fails + 1)); }
finish
