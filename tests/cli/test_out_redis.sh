#!/bin/sh
# The Redis destination against a real redis-server (tests/cli/outputs_redis.py).
. tests/pcap/lib.sh
command -v redis-server >/dev/null 2>&1 || { echo "redis-server is not installed (make deps-test)"; exit 77; }
"$TOOLS/pcap-replicate" -k 20 -g 1 pcaps/psexec-renamed.pcap "$TMP/x20.pcap" >/dev/null || exit 1
python3 tests/cli/outputs_redis.py "$PW" "$TMP/x20.pcap" "$TMP"
