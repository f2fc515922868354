#!/bin/sh
# The syslog and GELF destinations against local listeners (tests/cli/outputs_net.py).
. tests/pcap/lib.sh
python3 tests/cli/outputs_net.py "$PW" pcaps/psexec-renamed.pcap "$TMP"
