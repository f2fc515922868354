#!/bin/sh
# Live capture: two network namespaces joined by a veth pair; pipewatch captures
# on one end while tcpreplay sends bundled samples into the other. The smb,
# winlog and alert records must equal those of `-r` on the same captures
# (timestamps, flow ids and packet numbers aside), SIGTERM must flush them,
# and the stats record must count the packets. Then the same with --workers 2
# (AF_PACKET fanout): nothing lost, nothing doubled.
. tests/pcap/lib.sh
. tests/live/lib.sh
live_netns l

live_run() { # live_run NAME WORKERS PCAP…
    lname=$1 workers=$2
    shift 2
    : >"$TMP/$lname.err"
    ip netns exec "$NSA" "$PW" -i "$A" -f "" --workers "$workers" -o "$TMP/$lname.json" 2>"$TMP/$lname.err" &
    pid=$!
    i=0
    until grep -q "capturing on" "$TMP/$lname.err"; do
        i=$((i + 1))
        [ $i -gt 100 ] && { echo "FAIL $lname: pipewatch did not start: $(cat "$TMP/$lname.err")"; fails=$((fails + 1)); return 1; }
        kill -0 "$pid" 2>/dev/null || { echo "FAIL $lname: pipewatch exited: $(cat "$TMP/$lname.err")"; fails=$((fails + 1)); pid=""; return 1; }
        sleep 0.1
    done
    sent=0
    for pcap in "$@"; do
        ip netns exec "$NSB" tcpreplay -q -i "$B" --mbps 50 "$pcap" >"$TMP/replay.log" 2>&1 ||
            { echo "FAIL tcpreplay $pcap: $(cat "$TMP/replay.log")"; fails=$((fails + 1)); }
        n=$(grep -Eo '[0-9]+ packets' "$TMP/replay.log" | head -n 1 | cut -d' ' -f1)
        sent=$((sent + ${n:-0}))
    done
    sleep 1
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    pid=""
    [ $rc -eq 0 ] || { echo "FAIL $lname: exit $rc after SIGTERM: $(cat "$TMP/$lname.err")"; fails=$((fails + 1)); }
    python3 - "$TMP/$lname.json" "$sent" <<'PY' || fails=$((fails + 1))
import json, sys
stats = [json.loads(l)["stats"] for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
sent = int(sys.argv[2])
if not stats:
    print("FAIL no stats record at exit"); sys.exit(1)
cap = stats[-1]["capture"]
if cap["packets"] < sent or cap["kernel_drops"] != 0:
    print("FAIL stats: %d packets counted, %d sent, %d kernel drops" % (cap["packets"], sent, cap["kernel_drops"]))
    sys.exit(1)
print("ok   stats record counts %d packets (%d sent), 0 kernel drops" % (cap["packets"], sent))
PY
}

for pcap in pcaps/psexec-renamed.pcap pcaps/smb1-nt1.pcap; do
    [ -f "$pcap" ] || { echo "FAIL $pcap missing"; fails=$((fails + 1)); continue; }
    name=$(basename "$pcap" .pcap)
    "$PW" -q -r "$pcap" -o "$TMP/$name.offline.json"
    live_run "$name.live" 1 "$pcap" &&
        check "$name: live equals replay" python3 tests/pcap/eve_compare.py events "$TMP/$name.offline.json" "$TMP/$name.live.json"
    grep -q '"event_type":"alert"' "$TMP/$name.offline.json" && ! grep -q '"event_type":"alert"' "$TMP/$name.live.json" &&
        { echo "FAIL $name: alerts missing live"; fails=$((fails + 1)); }
done

# Several connections spread over two workers.
if [ -f pcaps/psexec-default.pcap ]; then
    "$PW" -q -r pcaps/psexec-default.pcap -o "$TMP/multi.offline.json"
    live_run multi.live 2 pcaps/psexec-default.pcap &&
        check "psexec-default: --workers 2 equals replay" python3 tests/pcap/eve_compare.py events "$TMP/multi.offline.json" "$TMP/multi.live.json"
    grep -q "2 worker(s)" "$TMP/multi.live.err" && echo "ok   two workers ran" ||
        { echo "FAIL two workers did not run: $(cat "$TMP/multi.live.err")"; fails=$((fails + 1)); }
fi

# start_pw NAME ARGS…: pipewatch on $A, its output in $TMP/NAME.json, stderr in $TMP/NAME.err;
# returns once it captures. stop_pw: SIGTERM, sets rc.
start_pw() {
    sname=$1
    shift
    ip netns exec "$NSA" "$PW" -i "$A" "$@" -o "$TMP/$sname.json" 2>"$TMP/$sname.err" &
    pid=$!
    i=0
    until grep -q "capturing on" "$TMP/$sname.err"; do
        i=$((i + 1))
        [ $i -gt 100 ] || kill -0 "$pid" 2>/dev/null || break
        [ $i -gt 100 ] && break
        sleep 0.1
    done
    grep -q "capturing on" "$TMP/$sname.err" || { echo "FAIL $sname: pipewatch did not start: $(cat "$TMP/$sname.err")"; fails=$((fails + 1)); return 1; }
}
stop_pw() {
    kill -TERM "$pid"
    wait "$pid"
    rc=$?
    pid=""
}
replay_count() { # replay_count PCAP TCPREPLAY-ARGS…: sends, prints the packets sent
    rpcap=$1
    shift
    ip netns exec "$NSB" tcpreplay -q -i "$B" "$@" "$rpcap" >"$TMP/replay.log" 2>&1 ||
        { echo "FAIL tcpreplay $rpcap: $(cat "$TMP/replay.log")" >&2; fails=$((fails + 1)); }
    grep -Eo '[0-9]+ packets' "$TMP/replay.log" | head -n 1 | cut -d' ' -f1
}

# A burst while the sensor cannot read (stopped, as a sensor starved of CPU is): with the
# defaults (no --workers: one per CPU) the kernel ring must hold it all. Four distinct copies of
# the recut PsExec capture, 29k small packets; a ring of one snaplen-sized slot per packet (the
# TPACKET_V2 layout of libpcap's immediate mode) holds about a thousand of them. Every event of
# the offline replay of the same file must come out live.
burst=$TMP/burst.pcap
"$TOOLS/pcap-replicate" -k 4 pcaps/psexec-renamed-recut.pcap "$burst" >/dev/null 2>&1 ||
    { echo "FAIL pcap-replicate"; fails=$((fails + 1)); }
"$PW" -q -r "$burst" -o "$TMP/burst.offline.json"
if start_pw burst; then
    kill -STOP "$pid"
    sent=$(replay_count "$burst" --pps 20000)
    kill -CONT "$pid"
    sleep 1
    stop_pw
    [ $rc -eq 0 ] || { echo "FAIL burst: exit $rc: $(cat "$TMP/burst.err")"; fails=$((fails + 1)); }
    python3 - "$TMP/burst.json" "${sent:-0}" "$(nproc)" <<'PY' || fails=$((fails + 1))
import json, sys
stats = [json.loads(l)["stats"] for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
sent, ncpu = int(sys.argv[2]), int(sys.argv[3])
cap, ws = stats[-1]["capture"], stats[-1].get("capture_workers", [])
bad = []
if sent < 20000: bad.append("only %d packets sent" % sent)
if cap["packets"] != sent: bad.append("%d packets counted, %d sent" % (cap["packets"], sent))
if cap["kernel_drops"] != 0: bad.append("%d kernel drops" % cap["kernel_drops"])
if len(ws) != min(ncpu, 64): bad.append("%d workers in the stats record, %d CPUs" % (len(ws), ncpu))
for k in ("packets", "kernel_packets", "kernel_drops"):
    if sum(w[k] for w in ws) != cap[k]: bad.append("workers' %s do not add up to %d" % (k, cap[k]))
if bad:
    print("FAIL burst while stopped: " + "; ".join(bad)); sys.exit(1)
print("ok   burst of %d packets while stopped: all counted, 0 kernel drops, %d workers: %s" %
      (sent, len(ws), ", ".join("%d" % w["packets"] for w in ws)))
PY
    check "burst: live equals replay" python3 tests/pcap/eve_compare.py events "$TMP/burst.offline.json" "$TMP/burst.json"
fi

# A quiet link: the events of a replay are written while pipewatch keeps running (the kernel
# hands over a partly filled block after its timeout), well within 5 s.
if start_pw quiet -f ""; then
    replay_count pcaps/psexec-renamed.pcap --mbps 50 >/dev/null
    # the run's incident alert comes when the run is over (incidents.timeout): not counted here
    want=$(grep '"event_type":"alert"' "$TMP/psexec-renamed.offline.json" | grep -vc '"incident":')
    i=0
    while [ "$(grep '"event_type":"alert"' "$TMP/quiet.json" | grep -vc '"incident":')" -lt "$want" ] && [ $i -lt 50 ]; do
        i=$((i + 1))
        sleep 0.1
    done
    got=$(grep '"event_type":"alert"' "$TMP/quiet.json" | grep -vc '"incident":')
    stop_pw
    if [ "$got" -eq "$want" ] && [ "$want" -gt 0 ]; then
        echo "ok   quiet link: $got of $want alerts written before exit (within $((i * 100)) ms of the replay's end)"
    else
        echo "FAIL quiet link: $got of $want alerts written 5 s after the replay"
        fails=$((fails + 1))
    fi
fi

# Priority: live capture runs at nice -10 by default (every thread: the workers inherit it from
# the main thread), at the nice value --priority gives, and where it may not lower its nice value
# (no CAP_SYS_NICE) it captures at the nice value it has, with one warning line. Where the kernel
# groups processes by session (autogroup), the session's group (this script's, which pipewatch
# shares) is at that nice value during the run and back at its own after it.
nices() { for t in /proc/"$1"/task/*; do awk '{print $19}' "$t/stat"; done | sort -u | tr '\n' ' '; }
group_nice() { sed -n 's/.* nice \(-\{0,1\}[0-9]*\)$/\1/p' "/proc/$1/autogroup" 2>/dev/null; }
groups=no
[ "$(cat /proc/sys/kernel/sched_autogroup_enabled 2>/dev/null)" = 1 ] && [ -n "$(group_nice $$)" ] && groups=yes
if [ $groups = no ]; then
    echo "skip session scheduler groups: the kernel does not group by session here"
elif [ "$(group_nice $$)" = -10 ] || [ "$(group_nice $$)" = 3 ]; then
    echo "skip session scheduler groups: this session's group is at nice $(group_nice $$) already"
    groups=no
fi
for want in -10 3; do
    args=""
    [ "$want" = 3 ] && args="--priority 3"
    g_before=$(group_nice $$)
    # shellcheck disable=SC2086
    if start_pw "prio$want" $args; then
        got=$(nices "$pid")
        threads=$(ls /proc/"$pid"/task | wc -l)
        line=$(grep "capturing on" "$TMP/prio$want.err")
        g_during=$(group_nice "$pid")
        stop_pw
        g_after=$(group_nice $$)
        if [ "$got" = "$want " ] && [ "$threads" -ge 2 ] && echo "$line" | grep -q "at nice $want\$"; then
            echo "ok   priority ${args:-(default)}: $threads threads at nice $want; $line"
        else
            echo "FAIL priority ${args:-(default)}: threads at nice '$got' ($threads threads), want $want; $line"
            fails=$((fails + 1))
        fi
        if [ $groups = no ]; then
            :
        elif [ "$g_during" = "$want" ] && [ "$g_after" = "$g_before" ] && [ "$g_before" != "$want" ] &&
            ! grep -q "scheduler group" "$TMP/prio$want.err"; then
            echo "ok   priority ${args:-(default)}: the session's scheduler group at nice $g_during during the run, back at $g_after after it"
        else
            echo "FAIL priority ${args:-(default)}: session group at nice '$g_during' during the run (want $want)," \
                "'$g_after' after it (was '$g_before'): $(grep "scheduler group" "$TMP/prio$want.err")"
            fails=$((fails + 1))
        fi
    fi
done
# a network destination's sender thread too (started before the workers)
ip netns exec "$NSA" "$PW" -i "$A" -o syslog+udp://127.0.0.1:5514 2>"$TMP/prio-net.err" &
pid=$!
i=0
until grep -q "capturing on" "$TMP/prio-net.err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
got=$(nices "$pid")
threads=$(ls /proc/"$pid"/task | wc -l)
stop_pw
if [ "$got" = "-10 " ] && [ "$threads" -ge 3 ]; then
    echo "ok   priority with a network destination: $threads threads (sender included) at nice -10"
else
    echo "FAIL priority with a network destination: threads at nice '$got' ($threads threads): $(cat "$TMP/prio-net.err")"
    fails=$((fails + 1))
fi
if command -v setpriv >/dev/null; then
    chmod 0777 "$TMP"
    ip netns exec "$NSA" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=+net_raw \
        --ambient-caps=+net_raw "$PW" -i "$A" -o "$TMP/noprio.json" 2>"$TMP/noprio.err" &
    pid=$!
    i=0
    until grep -q "capturing on" "$TMP/noprio.err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
    got=$(nices "$pid")
    stop_pw
    warn="^pipewatch: warning: cannot set the capture's priority to nice -10 (Permission denied): it runs at nice 0"
    if [ "$(grep -c "$warn" "$TMP/noprio.err")" -eq 1 ] && grep -q "capturing on .* at nice 0\$" "$TMP/noprio.err" &&
        ! grep -q "scheduler group" "$TMP/noprio.err" && [ "$got" = "0 " ] && [ $rc -eq 0 ]; then
        echo "ok   priority without CAP_SYS_NICE: captures at nice 0, $(head -n 1 "$TMP/noprio.err")"
    else
        echo "FAIL priority without CAP_SYS_NICE: exit $rc, threads at nice '$got': $(cat "$TMP/noprio.err")"
        fails=$((fails + 1))
    fi
fi
# As the systemd unit starts it: at nice -10 already (Nice=), without CAP_SYS_NICE. Without
# RLIMIT_NICE the session's group cannot follow: one warning line, and the capture goes on; with
# the unit's LimitNICE=-10 (RLIMIT_NICE 30) pipewatch sets the group itself and puts it back.
if [ $groups = yes ] && command -v setpriv >/dev/null && command -v prlimit >/dev/null; then
    chmod 0777 "$TMP"
    lims=0
    if prlimit --nice=30:30 true 2>/dev/null; then
        lims="0 30"
    else
        echo "skip priority with RLIMIT_NICE 30 (LimitNICE=-10): this root may not raise RLIMIT_NICE (no CAP_SYS_RESOURCE)"
    fi
    for lim in $lims; do
        g_before=$(group_nice $$)
        ip netns exec "$NSA" nice -n -10 prlimit --nice=$lim:$lim setpriv --reuid=nobody --regid=nogroup \
            --clear-groups --inh-caps=+net_raw --ambient-caps=+net_raw "$PW" -i "$A" -o "$TMP/unit$lim.json" \
            2>"$TMP/unit$lim.err" &
        pid=$!
        i=0
        until grep -q "capturing on" "$TMP/unit$lim.err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
        got=$(nices "$pid")
        g_during=$(group_nice "$pid")
        stop_pw
        g_after=$(group_nice $$)
        warn="^pipewatch: warning: cannot set this session's scheduler group to nice -10 (Operation not permitted): it stays at nice $g_before,"
        if [ $lim = 0 ]; then
            ok=no
            [ "$(grep -c "$warn" "$TMP/unit$lim.err")" -eq 1 ] && [ "$(grep -c warning "$TMP/unit$lim.err")" -eq 1 ] &&
                [ "$g_during" = "$g_before" ] && ok=yes
            what="without RLIMIT_NICE: threads at nice -10, the session's group stays at $g_during, one warning line"
        else
            ok=no
            ! grep -q warning "$TMP/unit$lim.err" && [ "$g_during" = -10 ] && [ "$g_before" != -10 ] && ok=yes
            what="with RLIMIT_NICE 30 (LimitNICE=-10): the session's group at $g_during during the run"
        fi
        if [ $ok = yes ] && [ "$got" = "-10 " ] && [ "$g_after" = "$g_before" ] && [ $rc -eq 0 ] &&
            grep -q "capturing on .* at nice -10\$" "$TMP/unit$lim.err"; then
            echo "ok   priority as the systemd unit starts it, $what, back at $g_after after it"
        else
            echo "FAIL priority as the systemd unit starts it (RLIMIT_NICE $lim): exit $rc, threads at nice '$got'," \
                "group '$g_during' during, '$g_after' after (was '$g_before'): $(cat "$TMP/unit$lim.err")"
            fails=$((fails + 1))
        fi
    done
fi

# The kernel drops (a 1 MB ring per worker, stopped while 29k packets arrive): one warning line
# on stderr as it starts, the drops in the stats record (per worker, adding up) and in the
# end-of-run line; the packets the kernel saw are all accounted for.
if start_pw drops --workers auto --buffer-size 1; then
    kill -STOP "$pid"
    sent=$(replay_count "$burst" --pps 20000)
    kill -CONT "$pid"
    sleep 1
    stop_pw
    python3 - "$TMP/drops.json" "$TMP/drops.err" "${sent:-0}" "$rc" <<'PY' || fails=$((fails + 1))
import json, re, sys
stats = [json.loads(l)["stats"] for l in open(sys.argv[1]) if '"event_type":"stats"' in l]
err = open(sys.argv[2]).read()
sent, rc = int(sys.argv[3]), int(sys.argv[4])
cap, ws = stats[-1]["capture"], stats[-1]["capture_workers"]
bad = []
if rc != 0: bad.append("exit %d" % rc)
if cap["kernel_drops"] == 0: bad.append("no kernel drops counted")
if cap["kernel_packets"] != sent: bad.append("kernel saw %d packets, %d sent" % (cap["kernel_packets"], sent))
if cap["packets"] + cap["kernel_drops"] != sent:
    bad.append("%d read + %d dropped != %d sent" % (cap["packets"], cap["kernel_drops"], sent))
for k in ("packets", "kernel_packets", "kernel_drops"):
    if sum(w[k] for w in ws) != cap[k]: bad.append("workers' %s do not add up" % k)
warn = re.findall(r"^pipewatch: warning: the kernel is dropping packets: (\d+) of (\d+)", err, re.M)
if len(warn) != 1: bad.append("%d 'kernel is dropping' warnings" % len(warn))
if "kernel keeps dropping" in err: bad.append("a repeated warning within the minute")
end = re.findall(r"^pipewatch: the kernel dropped (\d+) of (\d+) packets", err, re.M)
if end != [(str(cap["kernel_drops"]), str(cap["kernel_packets"]))]: bad.append("end-of-run line %s" % end)
summ = re.findall(r"^  kernel:   (\d+) packets, (\d+) dropped", err, re.M)
if summ != [(str(cap["kernel_packets"]), str(cap["kernel_drops"]))]: bad.append("summary's kernel line %s" % summ)
if bad:
    print("FAIL drops: " + "; ".join(bad) + "\n" + err); sys.exit(1)
print("ok   drops: %d of %d dropped, one warning (%s), per worker %s" %
      (cap["kernel_drops"], sent, warn[0][0] + " at first", [w["kernel_drops"] for w in ws]))
PY
fi

# Log rotation and signals: SIGHUP reopens the output (the old file keeps what
# came before), SIGUSR1 writes a stats record at once; --user drops root (so the
# output directory must be writable by that user, as /var/log/pipewatch is),
# and the session's scheduler group is put back at exit all the same.
chmod 0777 "$TMP"
g_before=$(group_nice $$)
ip netns exec "$NSA" "$PW" -i "$A" -f "" --user nobody -o "$TMP/rot.json" 2>"$TMP/rot.err" &
pid=$!
i=0
until grep -q "capturing on" "$TMP/rot.err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
ip netns exec "$NSB" tcpreplay -q -i "$B" --mbps 50 pcaps/psexec-renamed.pcap >/dev/null 2>&1
sleep 1
mv "$TMP/rot.json" "$TMP/rot.1.json"
kill -HUP "$pid"
sleep 0.5
ip netns exec "$NSB" tcpreplay -q -i "$B" --mbps 50 pcaps/paexec.pcap >/dev/null 2>&1
sleep 1
kill -USR1 "$pid"
sleep 0.5
user=$(ps -o user= -p "$pid" 2>/dev/null | tr -d ' ')
g_during=$(group_nice "$pid")
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=""
g_after=$(group_nice $$)
if [ $groups = yes ]; then
    if [ "$g_during" = -10 ] && [ "$g_after" = "$g_before" ] && ! grep -q "scheduler group" "$TMP/rot.err"; then
        echo "ok   --user nobody: the session's scheduler group at nice $g_during during the run, back at $g_after after it"
    else
        echo "FAIL --user nobody: session group at '$g_during' during the run, '$g_after' after it (was '$g_before'): $(grep "scheduler group" "$TMP/rot.err")"
        fails=$((fails + 1))
    fi
fi
alerts() { grep '"event_type":"alert"' "$1" 2>/dev/null | grep -c "\"signature\":\"$2"; }
seed=$(alerts "$TMP/rot.1.json" "Suspicious PsExec Execution")
pa=$(alerts "$TMP/rot.json" "PAExec Remote Execution With Default Names")
pa_old=$(alerts "$TMP/rot.1.json" "PAExec")
stats=$(grep -c '"event_type":"stats"' "$TMP/rot.json" 2>/dev/null)
if [ $rc -eq 0 ] && [ "$seed" -eq 3 ] && [ "$pa" -eq 5 ] && [ "$pa_old" -eq 0 ] && [ "$stats" -eq 2 ] && [ "$user" = nobody ]; then
    echo "ok   SIGHUP: 3 seed alerts in the rotated file, 5 PAExec alerts (the service file created: two 5145) in the new one; SIGUSR1 + exit: 2 stats records; ran as $user"
else
    echo "FAIL rotation/signals: exit $rc, user '$user', rotated file $seed seed alerts and $pa_old PAExec, new file $pa PAExec alerts, $stats stats records: $(cat "$TMP/rot.err")"
    fails=$((fails + 1))
fi

# No privilege: one clear line naming the interface and what is missing, exit 3.
if command -v setpriv >/dev/null; then
    ip netns exec "$NSA" setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
        "$PW" -q -i "$A" -o /dev/null 2>"$TMP/perm.err"
    rc=$?
    if [ $rc -eq 3 ] && grep -q "^pipewatch: interface $A: permission denied: run as root or give the binary CAP_NET_RAW" "$TMP/perm.err"; then
        echo "ok   no privilege: $(head -n 1 "$TMP/perm.err")"
    else
        echo "FAIL no privilege: exit $rc: $(cat "$TMP/perm.err")"
        fails=$((fails + 1))
    fi
fi

# The interface disappears while capturing: the events seen so far are written,
# one line names the interface, exit 1.
ip netns exec "$NSA" "$PW" -i "$A" -f "" -o "$TMP/gone.json" 2>"$TMP/gone.err" &
pid=$!
i=0
until grep -q "capturing on" "$TMP/gone.err" || [ $i -gt 100 ]; do i=$((i + 1)); sleep 0.1; done
ip netns exec "$NSB" tcpreplay -q -i "$B" --mbps 50 pcaps/psexec-renamed.pcap >/dev/null 2>&1
sleep 1
ip -n "$NSA" link del "$A"
i=0
while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do i=$((i + 1)); sleep 0.1; done
kill -TERM "$pid" 2>/dev/null
wait "$pid"
rc=$?
pid=""
n=$(grep '"event_type":"alert"' "$TMP/gone.json" | grep -c '"signature":"Suspicious PsExec Execution"')
if [ $rc -eq 1 ] && [ "$n" -eq 3 ] && grep -q "^pipewatch: interface $A: capture stopped" "$TMP/gone.err"; then
    echo "ok   interface gone: exit 1, 3 alerts kept, $(grep "capture stopped" "$TMP/gone.err" | head -n 1)"
else
    echo "FAIL interface gone: exit $rc, $n alerts: $(grep pipewatch: "$TMP/gone.err")"
    fails=$((fails + 1))
fi

# A missing interface: one clear line, exit 3.
ip netns exec "$NSA" "$PW" -q -i nosuchif0 -o "$TMP/x.json" 2>"$TMP/nosuch.err"
rc=$?
if [ $rc -eq 3 ] && grep -q "^pipewatch: interface nosuchif0: no such interface" "$TMP/nosuch.err"; then
    echo "ok   missing interface: $(cat "$TMP/nosuch.err")"
else
    echo "FAIL missing interface: exit $rc: $(cat "$TMP/nosuch.err")"
    fails=$((fails + 1))
fi
finish
