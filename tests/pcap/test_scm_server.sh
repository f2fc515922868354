#!/bin/sh
# The service control manager and task scheduler behind the service and task
# samples answer as Windows does (ERROR_SERVICE_EXISTS for a second create,
# ERROR_SERVICE_MARKED_FOR_DELETE, ERROR_INSUFFICIENT_BUFFER with the size,
# SCHED_S_TASK_HAS_NOT_RUN before a run ...): tests/pcap/scm_server_checks.py.
. tests/pcap/lib.sh
/usr/bin/python3 -c 'import impacket' 2>/dev/null || { echo "python3-impacket is not installed"; exit 77; }
check "sample server answers" env PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 tests/pcap/scm_server_checks.py
finish
