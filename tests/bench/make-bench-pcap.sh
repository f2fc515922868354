#!/bin/bash
# make-bench-pcap.sh [--dense] [--10x]
#
# Makes, once, the benchmark capture tests/bench/cache/bench.pcap (>= 1.1e9 bytes and >= 1.05e6
# packets) and, with --10x, also bench-10x.pcap (ten times as long, same concurrency).
# With --dense: cache/dense.pcap (>= 1.05e6 packets, and with --10x dense-10x.pcap) from a seed
# cache/dense-seed.pcap of many short
# SMB sessions dense in small operations (thousands of CREATEs: pipe opens, small files written,
# read and deleted, listings, PsExec-like pipe sequences) and no bulk transfers; same server and
# namespaces, the clients run `bench-traffic.py smb-dense` and short smbclient sessions instead.
#
# 1. A seed capture (cache/seed.pcap, about SEED_MB) of real traffic: a Samba smbd and several
#    clients, each in its own network namespace, joined by veth pairs to a bridge in the server's
#    namespace, offloads off and every link rate-limited with tc so tcpdump on the bridge drops
#    nothing. The clients run, in waves, concurrently: smbclient bulk put/get with dialects 2.1, 3.0,
#    3.1.1 and SMB1 (NT1), unencrypted; directory listings; impacket sessions (2.1/3.0) with many
#    named-pipe opens and PsExec-like runs (ADMIN$ .exe write, svcctl, *-stdin/stdout/stderr pipes,
#    renamed and PSEXESVC); HTTP downloads (python http.server + curl); DNS over UDP.
#    Addresses are 10.77.0.0/24 and exist only inside those namespaces, which have no route out.
# 2. pcap-replicate writes K interleaved copies of the seed with distinct addresses and ports,
#    K chosen so that both minimums are met.
# Needs root (namespaces, tcpdump) for step 1; the cached seed is reused when present.
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CACHE=${BENCH_CACHE:-$HERE/cache}
BUILD=${BUILD:-build-bench}
REPLICATE=$ROOT/$BUILD/tools/pcap-replicate
FLOOR=$ROOT/$BUILD/tools/pcap-floor
PY=/usr/bin/python3
SEED=$CACHE/seed.pcap
BENCH=$CACHE/bench.pcap
BENCH10=$CACHE/bench-10x.pcap
MIN_BYTES=${BENCH_MIN_BYTES:-1100000000}
MIN_PKTS=${BENCH_MIN_PKTS:-1050000}
SEED_MB=${BENCH_SEED_MB:-200}
CLIENTS=${BENCH_CLIENTS:-4}
RATE_MBIT=${BENCH_RATE_MBIT:-400}
MAX_WAVES=${BENCH_MAX_WAVES:-30}
GEN_SECONDS=${BENCH_GEN_SECONDS:-900}
WANT_10X=0
DENSE=0
for arg in "$@"; do
    case $arg in
    --10x) WANT_10X=1 ;;
    --dense) DENSE=1 ;;
    *) echo "make-bench-pcap: unknown argument $arg (usage: make-bench-pcap.sh [--dense] [--10x])" >&2; exit 2 ;;
    esac
done
if [ "$DENSE" = 1 ]; then
    SEED=$CACHE/dense-seed.pcap
    BENCH=$CACHE/dense.pcap
    BENCH10=$CACHE/dense-10x.pcap
    MIN_BYTES=${BENCH_DENSE_MIN_BYTES:-1}
    SEED_MB=${BENCH_DENSE_SEED_MB:-20}
    CLIENTS=${BENCH_CLIENTS:-6}
    GEN_SECONDS=${BENCH_GEN_SECONDS:-300}
fi

say() { echo "make-bench-pcap: $*" >&2; }
die() { say "$*"; exit 1; }

[ -x "$REPLICATE" ] || die "$REPLICATE is missing (run through 'make bench')"
mkdir -p "$CACHE"

# --- seed capture ---------------------------------------------------------------------------------
W=""
NS_SRV=""
NS_CLI=()
PIDS=()

cleanup() {
    set +e
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
    sleep 0.3
    # Whatever still runs inside our namespaces was started by this script (smbd's children,
    # samba-dcerpcd): end those processes by id before the namespaces go.
    for ns in "${NS_CLI[@]}" $NS_SRV; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null; done
    done
    sleep 0.3
    for ns in "${NS_CLI[@]}" $NS_SRV; do
        for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
        ip netns del "$ns" 2>/dev/null
    done
    rm -f "$CACHE/seed.pcap.part"
    [ -n "$W" ] && [ -z "${BENCH_KEEP_WORKDIR:-}" ] && rm -rf "$W"
}

in_srv() { ip netns exec "$NS_SRV" "$@"; }

need_tools() {
    local missing=""
    for c in smbd smbclient smbpasswd tcpdump ip tc ethtool curl editcap capinfos tshark; do
        command -v "$c" >/dev/null 2>&1 || missing="$missing $c"
    done
    $PY -c 'import impacket' 2>/dev/null || missing="$missing python3-impacket"
    [ -z "$missing" ] && return 0
    [ "$(id -u)" = 0 ] || die "missing:$missing (install samba smbclient tcpdump iproute2 ethtool curl tshark python3-impacket)"
    say "installing missing tools:$missing"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends samba smbclient tcpdump iproute2 ethtool curl \
        tshark python3-impacket >&2
}

no_offloads() {
    # Without this the capture holds 64 KB super-segments and unfinished checksums no wire carries.
    ip netns exec "$1" ethtool -K "$2" rx off tx off sg off tso off gso off gro off >/dev/null 2>&1 || true
}

make_seed() {
    [ "$(id -u)" = 0 ] || die "making the seed capture needs root (network namespaces, tcpdump)"
    need_tools
    W=$(mktemp -d /tmp/pw-bench-gen.XXXXXX)
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    local tag=pwb$$
    NS_SRV=$tag-srv
    ip netns add "$NS_SRV"
    in_srv sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
    in_srv ip link set lo up
    in_srv ip link add br0 type bridge
    in_srv ip link set br0 up
    in_srv ip addr add 10.77.0.1/24 dev br0
    # The limit is shared by all links and both directions, so the bridge never sees more than RATE_MBIT.
    local per_link=$((RATE_MBIT / (2 * CLIENTS)))
    [ "$per_link" -ge 1 ] || per_link=1
    local c
    for c in $(seq 1 "$CLIENTS"); do
        local ns=$tag-c$c
        NS_CLI+=("$ns")
        ip netns add "$ns"
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
        ip netns exec "$ns" ip link set lo up
        ip link add name eth0 netns "$ns" type veth peer name "c$c" netns "$NS_SRV"
        in_srv ip link set "c$c" master br0
        in_srv ip link set "c$c" up
        ip netns exec "$ns" ip addr add "10.77.0.$((10 + c))/24" dev eth0
        ip netns exec "$ns" ip link set eth0 up
        no_offloads "$ns" eth0
        no_offloads "$NS_SRV" "c$c"
        ip netns exec "$ns" tc qdisc add dev eth0 root tbf rate "${per_link}mbit" burst 64kb latency 200ms
        in_srv tc qdisc add dev "c$c" root tbf rate "${per_link}mbit" burst 64kb latency 200ms
    done
    no_offloads "$NS_SRV" br0

    # Samba with everything private to the work dir; IPC$ comes by itself.
    mkdir -p "$W"/{run,lock,state,cache,private,ncalrpc,log,www} "$W"/share/{admin,c,data/dir/sub}
    cat >"$W/users.map" <<EOF
root = Administrator alice svc_backup
EOF
    cat >"$W/smb.conf" <<EOF
[global]
    netbios name = FILESRV01
    workgroup = CORP
    server role = standalone server
    security = user
    passdb backend = tdbsam:$W/private/passdb.tdb
    username map = $W/users.map
    map to guest = never
    pid directory = $W/run
    lock directory = $W/lock
    state directory = $W/state
    cache directory = $W/cache
    private dir = $W/private
    ncalrpc dir = $W/ncalrpc
    log file = $W/log/log.%m
    max log size = 1000
    log level = 0
    interfaces = 10.77.0.1/24
    bind interfaces only = yes
    smb ports = 445
    disable netbios = yes
    server min protocol = NT1
    server max protocol = SMB3_11
    server smb encrypt = off
    ntlm auth = yes
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = yes
[ADMIN\$]
    path = $W/share/admin
    read only = no
[C\$]
    path = $W/share/c
    read only = no
[data]
    path = $W/share/data
    read only = no
EOF
    printf 'Passw0rd!\nPassw0rd!\n' | smbpasswd -c "$W/smb.conf" -a -s root >/dev/null
    local i
    for i in $(seq 1 400); do : >"$W/share/data/dir/report-$i.docx"; done
    for i in $(seq 1 150); do : >"$W/share/data/dir/sub/log-$i.txt"; done
    head -c 3000 /dev/urandom | base64 >"$W/small"
    head -c 2097152 /dev/urandom >"$W/blob2"
    head -c 6291456 /dev/urandom >"$W/blob6"
    head -c 12582912 /dev/urandom >"$W/blob12"
    head -c 2097152 /dev/urandom >"$W/www/update.bin"
    head -c 262144 /dev/urandom >"$W/www/app.js"
    for i in $(seq 1 50); do echo "<li><a href=\"page$i.html\">page $i</a></li>"; done >"$W/www/index.html"

    # smbd stays the leader of its own process group (no --no-process-group): see GENERATING.md.
    # Started with ip netns exec itself (not through a shell function) so that $! is the daemon's own id.
    ip netns exec "$NS_SRV" smbd -F -s "$W/smb.conf" </dev/null >"$W/log/smbd.out" 2>&1 &
    PIDS+=($!)
    ip netns exec "$NS_SRV" "$PY" -m http.server 80 --bind 10.77.0.1 --directory "$W/www" </dev/null >/dev/null 2>&1 &
    PIDS+=($!)
    ip netns exec "$NS_SRV" "$PY" "$HERE/bench-traffic.py" dns-server 10.77.0.1 </dev/null >/dev/null 2>&1 &
    PIDS+=($!)
    for i in $(seq 1 50); do
        in_srv ss -ltn 2>/dev/null | grep -q '10.77.0.1:445 ' && break
        sleep 0.2
    done
    in_srv ss -ltn | grep -q '10.77.0.1:445 ' || die "smbd did not start: $(tail -5 "$W/log/smbd.out")"

    local tmp=$CACHE/seed.pcap.part
    ip netns exec "$NS_SRV" tcpdump -i br0 -n -s 0 -B 262144 --immediate-mode -Z root -w "$tmp" 2>"$W/log/tcpdump.err" &
    local dump=$!
    PIDS+=($dump)
    sleep 1.5

    local start=$SECONDS wave=0 size=0
    local dialects=(SMB2_10 SMB3_00 SMB3_11 NT1)
    local blobs=(blob2 blob6 blob12)
    while [ "$wave" -lt "$MAX_WAVES" ] && [ $((SECONDS - start)) -lt "$GEN_SECONDS" ]; do
        local jobs=()
        if [ "$DENSE" = 1 ]; then
            for c in $(seq 1 "$CLIENTS"); do
                local ns=${NS_CLI[$((c - 1))]}
                local d=${dialects[$(((c + wave) % 4))]}
                (
                    local k
                    for k in 1 2 3; do
                        ip netns exec "$ns" timeout 60 smbclient //10.77.0.1/data -U 'Administrator%Passw0rd!' \
                            -W CORP -m "$d" --option='client min protocol=NT1' --option='client smb encrypt=off' \
                            -c "put $W/small s${wave}c${c}k$k.txt; ls; cd dir; ls report-1*; cd \\; allinfo s${wave}c${c}k$k.txt; get s${wave}c${c}k$k.txt /dev/null; del s${wave}c${c}k$k.txt" \
                            >/dev/null 2>&1 || say "wave $wave client $c: smbclient $d failed"
                    done
                ) &
                jobs+=($!)
                local s
                for s in 1 2; do
                    ip netns exec "$ns" timeout 120 "$PY" "$HERE/bench-traffic.py" smb-dense 10.77.0.1 \
                        $((wave * 100 + c * 10 + s)) 12 >/dev/null 2>"$W/log/dense-$wave-$c-$s.err" &
                    jobs+=($!)
                done
            done
            wait "${jobs[@]}" || true
            wave=$((wave + 1))
            size=$(stat -c %s "$tmp" 2>/dev/null || echo 0)
            say "wave $wave done after $((SECONDS - start)) s, seed at $((size / 1000000)) MB"
            [ "$size" -ge $((SEED_MB * 1000000)) ] && break
            continue
        fi
        for c in $(seq 1 "$CLIENTS"); do
            local ns=${NS_CLI[$((c - 1))]}
            local d=${dialects[$(((c + wave) % 4))]}
            local b=${blobs[$(((c * 7 + wave) % 3))]}
            local f="w${wave}c${c}.bin"
            local smbopts=(-U 'Administrator%Passw0rd!' -W CORP -m "$d" --option='client min protocol=NT1'
                --option='client smb encrypt=off')
            (
                ip netns exec "$ns" timeout 120 smbclient //10.77.0.1/data "${smbopts[@]}" \
                    -c "put $W/$b $f; ls; cd dir; ls; cd sub; ls; cd \\; get $f /dev/null; allinfo $f; del $f" \
                    >/dev/null 2>&1 || say "wave $wave client $c: smbclient $d bulk failed"
                ip netns exec "$ns" timeout 60 smbclient //10.77.0.1/IPC\$ "${smbopts[@]}" \
                    -c "open srvsvc; open lsarpc; open PSEXESVC; open PSEXESVC-WKS$c-$((4000 + wave))-stdin" \
                    >/dev/null 2>&1 || true
            ) &
            jobs+=($!)
            (
                local s
                for s in 1 2; do
                    ip netns exec "$ns" timeout 60 "$PY" "$HERE/bench-traffic.py" smb-session 10.77.0.1 \
                        $((wave * 100 + c * 10 + s)) >/dev/null 2>"$W/log/imp-$wave-$c-$s.err" ||
                        say "wave $wave client $c: impacket session failed: $(tail -1 "$W/log/imp-$wave-$c-$s.err")"
                done
            ) &
            jobs+=($!)
            (
                ip netns exec "$ns" timeout 30 curl -s -o /dev/null -o /dev/null -o /dev/null \
                    http://10.77.0.1/index.html http://10.77.0.1/app.js http://10.77.0.1/update.bin || true
                ip netns exec "$ns" timeout 60 "$PY" "$HERE/bench-traffic.py" dns-client 10.77.0.1 200 \
                    >/dev/null || true
            ) &
            jobs+=($!)
        done
        wait "${jobs[@]}" || true
        wave=$((wave + 1))
        size=$(stat -c %s "$tmp" 2>/dev/null || echo 0)
        say "wave $wave done after $((SECONDS - start)) s, seed at $((size / 1000000)) MB"
        [ "$size" -ge $((SEED_MB * 1000000)) ] && break
    done
    # Background jobs of a script ignore SIGINT, so tcpdump is stopped with SIGTERM, which it also
    # handles by flushing its buffer and printing its drop counters.
    sleep 1
    kill -TERM "$dump"
    for i in $(seq 1 50); do kill -0 "$dump" 2>/dev/null || break; sleep 0.2; done
    wait "$dump" || true
    grep -E 'captured|dropped' "$W/log/tcpdump.err" >&2 || true
    local dropped
    dropped=$(sed -n 's/^\([0-9]*\) packets\{0,1\} dropped by kernel.*/\1/p' "$W/log/tcpdump.err")
    [ "${dropped:-0}" = 0 ] || say "warning: tcpdump dropped $dropped packets (lower BENCH_RATE_MBIT)"
    # A seed far below its target means the clients failed (their messages are above): better no
    # benchmark than one over a capture that is mostly handshakes.
    size=$(stat -c %s "$tmp")
    local min_seed=$((SEED_MB * 1000000 / 2))
    [ "$DENSE" = 1 ] && min_seed=2000000 # small operations: few bytes, many packets
    [ "$size" -ge "$min_seed" ] ||
        die "seed capture only $size bytes after $wave waves (target $SEED_MB MB): not kept"
    mv "$tmp" "$SEED"
    say "seed: $(stat -c %s "$SEED") bytes in $((SECONDS - start)) s of traffic"
    cleanup
    trap - EXIT INT TERM
}

# --- mix summary, replication, self-check -------------------------------------------------------------
count() { "$FLOOR" "$1"; } # "packets N bytes B"

describe_seed() {
    local out=${SEED%.pcap}.mix.txt
    [ -s "$out" ] && return 0
    command -v tshark >/dev/null 2>&1 || return 0
    {
        echo "# seed.pcap: $(count "$SEED")"
        tshark -r "$SEED" -q -z io,phs 2>/dev/null | sed -n '/^eth/,$p'
        echo "# SMB2 commands (requests+responses): cmd count"
        tshark -r "$SEED" -Y smb2 -T fields -e smb2.cmd 2>/dev/null | tr ',' '\n' | sort -n | uniq -c
        echo "# SMB2 dialects negotiated"
        tshark -r "$SEED" -Y 'smb2.cmd==0 && smb2.flags.response==1' -T fields -e smb2.dialect 2>/dev/null |
            sort | uniq -c
        echo "# SMB2 CREATE names on pipes (sample of distinct)"
        tshark -r "$SEED" -Y 'smb2.cmd==5 && smb2.flags.response==0' -T fields -e smb2.filename 2>/dev/null |
            sort | uniq -c | sort -rn | awk 'NR <= 40'
    } >"$out.part" && mv "$out.part" "$out"
}

replicate() { # OUT K G
    local out=$1 k=$2 g=$3
    say "writing $out: $k copies, $g interleaved per group"
    "$REPLICATE" -k "$k" -g "$g" "$SEED" "$out.part"
    mv "$out.part" "$out"
    say "$(basename "$out"): $(count "$out"), file $(stat -c %s "$out") bytes"
}

self_check() {
    # Copies must keep valid checksums: compare bad-checksum counts of a seed prefix and of two
    # rewritten copies of it (tshark validates IPv4, TCP and UDP checksums).
    command -v tshark >/dev/null 2>&1 || return 0
    local t=$CACHE/.check.pcap flt='ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0'
    local opts=(-o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE)
    "$REPLICATE" -k 1 -c 20000 "$SEED" "$t.1" 2>/dev/null
    "$REPLICATE" -k 2 -c 20000 "$SEED" "$t" 2>/dev/null
    local bad1 bad2
    bad1=$(tshark -r "$t.1" "${opts[@]}" -Y "$flt" 2>/dev/null | wc -l)
    bad2=$(tshark -r "$t" "${opts[@]}" -Y "$flt" 2>/dev/null | wc -l)
    rm -f "$t" "$t.1"
    # The seed itself may hold a TCP checksum sent as 0xffff where tshark wants 0x0000 (the same
    # value in ones' complement); rewriting normalises those, so copies may have fewer, never more.
    [ "$bad2" -le $((2 * bad1)) ] || die "replicated copies have bad checksums ($bad2 vs 2 x $bad1)"
    say "self-check: checksums of rewritten copies valid ($bad1 bad in the seed prefix itself)"
}

gen_start=$SECONDS
[ -s "$SEED" ] || make_seed
read -r _ seed_pkts _ seed_bytes <<<"$(count "$SEED")"
seed_file=$(stat -c %s "$SEED")
k_bytes=$(((MIN_BYTES + seed_file - 1) / seed_file))
k_pkts=$(((MIN_PKTS + seed_pkts - 1) / seed_pkts))
K=$((k_bytes > k_pkts ? k_bytes : k_pkts))
if [ ! -s "$BENCH" ] || [ "$(cat "${BENCH%.pcap}.k" 2>/dev/null)" != "$K" ]; then
    self_check
    replicate "$BENCH" "$K" "$K"
    echo "$K" >"${BENCH%.pcap}.k"
fi
if [ "$WANT_10X" = 1 ] && { [ ! -s "$BENCH10" ] || [ "$(cat "${BENCH10%.pcap}.k" 2>/dev/null)" != "$K" ]; }; then
    replicate "$BENCH10" $((K * 10)) "$K"
    echo "$K" >"${BENCH10%.pcap}.k"
fi
describe_seed
say "ready in $((SECONDS - gen_start)) s: seed $seed_pkts packets / $seed_file bytes, K=$K"
