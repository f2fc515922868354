#!/bin/sh
# Each rule alerts on its own tool's captures and on no other; the seed rule
# gives exactly three alerts on a renamed-PsExec run, whatever the transport;
# the 5145 fields match what Windows logged for PsExec.
. tests/pcap/lib.sh
python3 tests/pcap/detections.py "$PW" "$SHARED_REAL"
