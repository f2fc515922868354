# Sourced by the live tests, after tests/pcap/lib.sh. live_netns TAG makes two
# network namespaces, $NSA and $NSB, joined by a veth pair: $A in NSA (where
# pipewatch captures) and $B in NSB (where tcpreplay sends), both up, with no
# IPv6 on the link (no router solicitations or DAD: only the replayed
# packets). At exit the pipewatch of $pid is killed and the namespaces and
# $TMP removed. TAG (two or three letters) keeps the names of tests apart.
# Exits 77 without root or namespaces, 1 when a tool is missing or the pair
# cannot be made.
live_netns() {
    [ "$(id -u)" = 0 ] || { echo "needs root to create network namespaces"; exit 77; }
    for tool in ip tcpreplay; do
        command -v $tool >/dev/null || { echo "FAIL $tool is not installed (make test installs it as root)"; exit 1; }
    done
    ip netns add "pw$1-probe-$$" 2>/dev/null || { echo "network namespaces are not available here"; exit 77; }
    ip netns del "pw$1-probe-$$"
    A=pw${1}a$$
    B=pw${1}b$$
    NSA=pw$1-a-$$
    NSB=pw$1-b-$$
    pid=""
    trap live_teardown EXIT INT TERM
    ip netns add "$NSA" && ip netns add "$NSB" && ip link add "$A" type veth peer name "$B" &&
        ip link set "$A" netns "$NSA" && ip link set "$B" netns "$NSB" &&
        ip -n "$NSA" link set "$A" up && ip -n "$NSB" link set "$B" up &&
        ip -n "$NSA" link set lo up || { echo "FAIL cannot make the veth pair"; exit 1; }
    ip netns exec "$NSA" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
    ip netns exec "$NSB" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
}

live_teardown() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    ip netns del "$NSA" 2>/dev/null
    ip netns del "$NSB" 2>/dev/null
    rm -rf "$TMP"
}
