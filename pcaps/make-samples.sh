#!/bin/bash
# Regenerates the bundled capture samples in pcaps/ from real SMB implementations.
#
# Run as root on Debian 12: `sh pcaps/make-samples.sh` (or `make samples`). It installs what is
# missing, builds two private network namespaces joined by a veth pair (10.99.0.1 server,
# 10.99.0.2 client; nothing is routed out of them), starts Samba's smbd (or impacket's
# SimpleSMBServer) in one, runs the client scenarios in pcaps/scenarios/ from the other, and
# records each run with tcpdump. Everything it starts is stopped again on exit, whatever happens.
#
# Optional arguments: sample names to make (default: all), e.g. `make-samples.sh paexec dialects`.
# PW_SAMPLES_OUT=<dir> writes the captures there instead of into pcaps/.
if [ -z "$BASH_VERSION" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${PW_SAMPLES_OUT:-$HERE}
SCEN=$HERE/scenarios
PY=/usr/bin/python3
SRV_NS=pw-srv-$$
CLI_NS=pw-cli-$$
VETH_S=pwsv$$
VETH_C=pwcv$$
SRV_IP=10.99.0.1
CLI_IP=10.99.0.2
PASSWORD=Pipewatch-Sample-1
WORK=
SERVER_PID=
TCPDUMP_PID=

log() { printf '== %s\n' "$*"; }
die() { printf 'make-samples: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (network namespaces, smbd, tcpdump)"

install_missing() {
    local need=() pkg
    for pkg in samba smbclient python3-impacket tcpdump iproute2 ethtool tshark python3-scapy; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || need+=("$pkg")
    done
    if [ ${#need[@]} -gt 0 ]; then
        log "installing ${need[*]}"
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}"
    fi
    # The Debian samba package enables its system smbd; ours runs privately, so a system one is
    # left alone (it listens in the host namespace, ours in its own).
}

# Stops only what this run started: processes in our two namespaces, then the namespaces.
cleanup() {
    local rc=$? pid ns
    set +e
    [ -n "$TCPDUMP_PID" ] && kill -INT "$TCPDUMP_PID" 2>/dev/null && wait "$TCPDUMP_PID" 2>/dev/null
    [ -n "$SERVER_PID" ] && kill -TERM "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
    for ns in "$SRV_NS" "$CLI_NS"; do
        if ip netns list | grep -qw "$ns"; then
            for pid in $(ip netns pids "$ns"); do kill -TERM "$pid" 2>/dev/null; done
            sleep 0.5
            for pid in $(ip netns pids "$ns"); do kill -KILL "$pid" 2>/dev/null; done
            ip netns delete "$ns"
        fi
    done
    [ -n "$WORK" ] && rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

setup_network() {
    ip netns add "$SRV_NS"
    ip netns add "$CLI_NS"
    ip link add "$VETH_S" type veth peer name "$VETH_C"
    ip link set "$VETH_S" netns "$SRV_NS"
    ip link set "$VETH_C" netns "$CLI_NS"
    local ns dev addr
    for ns in "$SRV_NS" "$CLI_NS"; do
        # No IPv6 router/neighbour chatter in the samples (harmless where IPv6 is absent).
        ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 2>/dev/null || true
        ip netns exec "$ns" ip link set lo up
    done
    ip netns exec "$SRV_NS" ip addr add "$SRV_IP/24" dev "$VETH_S"
    ip netns exec "$CLI_NS" ip addr add "$CLI_IP/24" dev "$VETH_C"
    for ns_dev in "$SRV_NS:$VETH_S" "$CLI_NS:$VETH_C"; do
        ns=${ns_dev%%:*} dev=${ns_dev#*:}
        ip netns exec "$ns" ip link set "$dev" up
        # Without this tcpdump records 64 KB super-segments that no real wire carries.
        # Checksum offload off too, so that every captured segment carries its real checksum.
        ip netns exec "$ns" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
    done
}

# smb.conf for one sample: $1 = extra [global] lines.
write_smb_conf() {
    local extra=$1 d=$WORK/samba
    rm -rf "$d"
    mkdir -p "$d"/{state,cache,lock,pid,private,log,ncalrpc,admin,cdrive,share,spool}
    chmod 1777 "$d/spool"
    printf 'root = Administrator\n' >"$d/users.map"
    cat >"$d/smb.conf" <<EOF
[global]
    netbios name = SRV
    workgroup = WORKGROUP
    server role = standalone server
    interfaces = $SRV_IP/24
    bind interfaces only = yes
    state directory = $d/state
    cache directory = $d/cache
    lock directory = $d/lock
    pid directory = $d/pid
    private dir = $d/private
    ncalrpc dir = $d/ncalrpc
    log file = $d/log/log.%m
    max log size = 0
    passdb backend = tdbsam:$d/private/passdb.tdb
    username map = $d/users.map
    smb ports = 445 139
    server min protocol = NT1
    server max protocol = SMB3_11
    server signing = auto
    server smb encrypt = off
    load printers = no
    printing = bsd
    printcap name = /dev/null
    disable spoolss = no
$extra

[ADMIN\$]
    path = $d/admin
    read only = no
[C\$]
    path = $d/cdrive
    read only = no
[share]
    path = $d/share
    read only = no
[printer]
    path = $d/spool
    printable = yes
    print command = /bin/true
EOF
    # The account every scenario logs on with: Administrator, mapped to root so that svcctl
    # treats it as an administrator.
    printf '%s\n%s\n' "$PASSWORD" "$PASSWORD" |
        smbpasswd -c "$d/smb.conf" -s -a root >/dev/null
}

start_smbd() {
    write_smb_conf "$1"
    local port=${2:-445}
    # -F keeps smbd in the foreground as its own process-group leader; never --no-process-group.
    ip netns exec "$SRV_NS" smbd -F -s "$WORK/samba/smb.conf" </dev/null >"$WORK/samba/log/stdout" 2>&1 &
    SERVER_PID=$!
    wait_port "$port"
}

start_impacket_server() {
    local d=$WORK/impacket
    rm -rf "$d"
    mkdir -p "$d/admin"
    ip netns exec "$SRV_NS" "$PY" "$SCEN/impacket_server.py" --ip "$SRV_IP" --dir "$d/admin" \
        --password "$PASSWORD" >"$WORK/impacket.log" 2>&1 &
    SERVER_PID=$!
    wait_port 445
}

# impacket's SMB server with the project's own service control manager and task scheduler behind
# its \svcctl and \atsvc pipes (scenarios/scm_server.py); extra arguments go to it (--tcp,
# --existing NAME=BINPATH).
start_scm_server() {
    local d=$WORK/scm
    rm -rf "$d"
    mkdir -p "$d/admin" "$d/cdrive"
    ip netns exec "$SRV_NS" env PYTHONPATH="$SCEN" PYTHONDONTWRITEBYTECODE=1 "$PY" "$SCEN/scm_server.py" \
        --ip "$SRV_IP" --admin "$d/admin" --cdrive "$d/cdrive" --password "$PASSWORD" "$@" >"$WORK/scm.log" 2>&1 &
    SERVER_PID=$!
    wait_port 445
    case " $* " in *" --tcp "*) wait_port 135 ;; esac
}

wait_port() {
    local i
    for i in $(seq 1 100); do
        if ip netns exec "$SRV_NS" ss -Hltn "sport = :$1" | grep -q LISTEN; then return 0; fi
        kill -0 "$SERVER_PID" 2>/dev/null || die "server exited early (see $WORK)"
        sleep 0.1
    done
    die "server did not listen on port $1"
}

stop_server() {
    [ -n "$SERVER_PID" ] || return 0
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
    SERVER_PID=
    # smbd's children (and the RPC helpers it starts on demand) go with it; make sure.
    local pid
    for pid in $(ip netns pids "$SRV_NS"); do kill -TERM "$pid" 2>/dev/null || true; done
    sleep 0.3
}

capture_start() {
    CAPTURE=$WORK/$1.pcap
    ip netns exec "$SRV_NS" tcpdump -i "$VETH_S" -s 0 --immediate-mode -U -w "$CAPTURE" tcp \
        2>"$WORK/tcpdump.$1.log" &
    TCPDUMP_PID=$!
    local i
    for i in $(seq 1 50); do
        grep -q 'listening on' "$WORK/tcpdump.$1.log" 2>/dev/null && break
        sleep 0.1
    done
    sleep 0.5
}

capture_stop() {
    sleep 1
    kill -INT "$TCPDUMP_PID"
    wait "$TCPDUMP_PID" || true
    TCPDUMP_PID=
    grep -E 'captured|dropped' "$WORK/tcpdump.$1.log" | sed 's/^/   /'
    grep -q '^0 packets dropped by kernel' "$WORK/tcpdump.$1.log" || die "$1: tcpdump dropped packets"
    cp "$CAPTURE" "$OUT/$1.pcap"
    log "$1.pcap: $(stat -c %s "$OUT/$1.pcap") bytes"
}

client() {
    ip netns exec "$CLI_NS" "$@"
}

# Samba's client tools read a config too: give them their own, so the host's smb.conf (its
# netbios name, for one) never ends up on the wire.
client_conf() {
    printf '[global]\n    netbios name = WKS01\n    workgroup = WORKGROUP\n' >"$WORK/client.conf"
    echo "$WORK/client.conf"
}

scenario() {
    client env PYTHONPATH="$SCEN" PYTHONHASHSEED=0 PYTHONDONTWRITEBYTECODE=1 "$PY" "$@"
}

# ---------------------------------------------------------------- samples

sample_remote_exec() {  # $1 sample name, $2 tool
    start_smbd ""
    capture_start "$1"
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --tool "$2" --dialect 2.1
    capture_stop "$1"
    stop_server
}

make_psexec_default() { sample_remote_exec psexec-default psexec; }
make_psexec_renamed() { sample_remote_exec psexec-renamed renamed; }
make_paexec() { sample_remote_exec paexec paexec; }
make_impacket_psexec() { sample_remote_exec impacket-psexec remcom; }

# The renamed-PsExec run against impacket's server, where the tool pipes exist and every open
# succeeds (Samba answers STATUS_OBJECT_NAME_NOT_FOUND for them); it has no svcctl.
make_psexec_renamed_pipes_open() {
    start_impacket_server
    capture_start psexec-renamed-pipes-open
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --tool renamed --dialect 2.0.2 --no-svcctl
    capture_stop psexec-renamed-pipes-open
    stop_server
}

# impacket's own example tools, run unchanged against the project's server (scenarios/run_example.py
# seeds their random names). smbexec.py: a shell of two commands (its automatic `cd`, then
# whoami), each a service created, started and deleted, output read from C$\__output.
make_smbexec() {
    start_scm_server
    capture_start smbexec
    printf 'whoami\n' | scenario "$SCEN/run_example.py" 4242 smbexec.py "Administrator:$PASSWORD@SRV" -target-ip "$SRV_IP"
    capture_stop smbexec
    stop_server
}

# atexec.py: its task bound at packet privacy (sealed), as the tool always does.
make_atexec() {
    start_scm_server
    capture_start atexec
    scenario "$SCEN/run_example.py" 4242 atexec.py "Administrator:$PASSWORD@$SRV_IP" whoami
    capture_stop atexec
    stop_server
}

sample_service_exec() {  # $1 sample name, $2 mode, then server arguments
    local name=$1 mode=$2
    shift 2
    start_scm_server "$@"
    capture_start "$name"
    scenario "$SCEN/service_exec.py" --host "$SRV_IP" --dialect 2.0.2 --mode "$mode"
    capture_stop "$name"
    stop_server
}

make_atexec_integrity() { sample_service_exec atexec-integrity atexec-integrity; }
make_at_job() { sample_service_exec at-job at-job; }
make_service_binpath_rewrite() {
    sample_service_exec service-binpath-rewrite binpath-rewrite \
        --existing 'XblAuthManager=C:\Windows\system32\svchost.exe -k netsvcs -p'
}
make_svcctl_tcp_integrity() { sample_service_exec svcctl-tcp-integrity tcp-integrity --tcp; }
make_svcctl_tcp_sealed() { sample_service_exec svcctl-tcp-sealed tcp-sealed --tcp; }

# impacket psexec.py's sequence (remote_exec.py --tool remcom) where CreateServiceW succeeds and
# the RemCom pipes exist.
make_impacket_psexec_installed() {
    start_scm_server
    capture_start impacket-psexec-installed
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --tool remcom --dialect 2.0.2
    capture_stop impacket-psexec-installed
    stop_server
}

# The renamed-PsExec run against a server where its service is already installed: CreateServiceW
# answers ERROR_SERVICE_EXISTS (1073), so no service is installed by this run.
make_service_exists() {
    start_scm_server --existing 'updsvc=%SystemRoot%\updsvc.exe'
    capture_start service-exists
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --tool renamed --dialect 2.0.2
    capture_stop service-exists
    stop_server
}

make_benign_admin() {
    start_smbd ""
    printf 'weekly backup log\n' >"$WORK/backup.log"
    capture_start benign-admin
    scenario "$SCEN/benign.py" --host "$SRV_IP" --dialect 3.0
    # Samba's own client tools as a second, independent implementation (SMB 3.1.1).
    client smbclient -s "$(client_conf)" "//SRV/share" -I "$SRV_IP" -U "Administrator%$PASSWORD" -m SMB3_11 \
        -c "ls; cd archive; ls; lcd $WORK; put backup.log backup.log" >/dev/null
    client rpcclient -s "$(client_conf)" -U "Administrator%$PASSWORD" -c "srvinfo; netshareenum; enumdomusers" "$SRV_IP" >/dev/null
    capture_stop benign-admin
    stop_server
}

make_dialects() {
    start_smbd "    server signing = mandatory"
    printf 'written over SMB 3.1.1\r\n' >"$WORK/dialect-3.1.1.txt"
    capture_start dialects
    local d
    for d in 2.0.2 2.1 3.0 3.0.2; do
        scenario "$SCEN/dialect_session.py" --host "$SRV_IP" --dialect "$d" --signing
    done
    # impacket 0.10 cannot sign 3.1.1 tree connects (pre-auth hash bug): smbclient does 3.1.1.
    client smbclient -s "$(client_conf)" "//SRV/share" -I "$SRV_IP" -U "Administrator%$PASSWORD" -m SMB3_11 \
        --client-protection=sign -c "lcd $WORK; put dialect-3.1.1.txt dialect-3.1.1.txt; ls" >/dev/null
    client smbclient -s "$(client_conf)" -L SRV -I "$SRV_IP" -U "Administrator%$PASSWORD" -m SMB3_11 \
        --client-protection=sign >/dev/null
    capture_stop dialects
    stop_server
}

make_smb3_encrypted() {
    start_smbd "    server smb encrypt = required"
    capture_start smb3-encrypted
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --tool renamed --dialect 3.0 --keylog "$WORK/keys"
    capture_stop smb3-encrypted
    cp "$WORK/keys" "$OUT/smb3-encrypted.keys"
    stop_server
}

make_smb1_nt1() {
    start_smbd ""
    capture_start smb1-nt1
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --tool renamed --dialect nt1
    capture_stop smb1-nt1
    stop_server
}

make_nbss_port139() {
    start_smbd "" 139
    capture_start nbss-port139
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --port 139 --tool renamed --dialect 2.1
    capture_stop nbss-port139
    stop_server
}

make_nonstandard_port_8445() {
    start_smbd "    smb ports = 8445" 8445
    capture_start nonstandard-port-8445
    scenario "$SCEN/remote_exec.py" --host "$SRV_IP" --port 8445 --tool renamed --dialect 2.1
    capture_stop nonstandard-port-8445
    stop_server
}

# Derived from psexec-renamed.pcap, so it comes after it.
make_midstream() {
    local src=$OUT/psexec-renamed.pcap cut
    [ -f "$src" ] || die "midstream needs psexec-renamed.pcap"
    # Start right after the first logon completes: no handshake, no NEGOTIATE, no NTLMSSP user.
    cut=$(tshark -r "$src" -Y 'smb2.cmd==1 && smb2.flags.response==1 && smb2.nt_status==0' \
        -T fields -e frame.number 2>/dev/null | head -1)
    [ -n "$cut" ] || die "midstream: no completed SESSION_SETUP in $src"
    editcap "$src" "$OUT/midstream.pcap" "1-$cut"
    log "midstream.pcap: psexec-renamed.pcap without frames 1-$cut"
}

make_psexec_renamed_recut() {
    local src=$OUT/psexec-renamed.pcap
    [ -f "$src" ] || die "psexec-renamed-recut needs psexec-renamed.pcap"
    "$PY" -B "$SCEN/recut.py" "$src" "$OUT/psexec-renamed-recut.pcap" --seed 4242 --window 4 --verify
}

order=(psexec_default psexec_renamed paexec impacket_psexec psexec_renamed_pipes_open benign_admin
    dialects smb3_encrypted smb1_nt1 nbss_port139 nonstandard_port_8445 midstream psexec_renamed_recut
    smbexec atexec atexec_integrity at_job impacket_psexec_installed service_exists service_binpath_rewrite
    svcctl_tcp_integrity svcctl_tcp_sealed)

main() {
    install_missing
    WORK=$(mktemp -d /tmp/pw-samples.XXXXXX)
    chmod 755 "$WORK"
    setup_network
    local want=("$@") s
    [ ${#want[@]} -gt 0 ] || want=("${order[@]}")
    for s in "${want[@]}"; do
        s=${s//-/_}
        declare -F "make_$s" >/dev/null || die "no sample named $s"
        log "sample ${s//_/-}"
        "make_$s"
    done
    log "done"
}

main "$@"
