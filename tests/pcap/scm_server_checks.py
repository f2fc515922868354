"""The sample server's service control manager and task scheduler (pcaps/scenarios/win_services.py)
answer as Windows does: requests built with impacket's client NDR classes, answers decoded with
its response classes; the codes are MS-SCMR 3.1.4 / MS-TSCH 3.2.5 numbers, written out.
Run with Debian's /usr/bin/python3 (python3-impacket)."""
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "pcaps", "scenarios"))

from impacket.dcerpc.v5 import scmr, tsch  # noqa: E402
from impacket.dcerpc.v5.dtypes import NULL  # noqa: E402

import win_services as ws  # noqa: E402
from rpc_server import Fault  # noqa: E402

bad = []


def expect(what, got, want):
    if got != want:
        bad.append("%s: %r, want %r" % (what, got, want))


def call(iface, opnum, req, resp_cls):
    return resp_cls(iface.call(None, opnum, req.getData()))


def create(scm, h, name, path):
    r = scmr.RCreateServiceW()
    r["hSCManager"] = h
    r["lpServiceName"] = name + "\x00"
    r["lpDisplayName"] = name + "\x00"
    r["dwDesiredAccess"] = scmr.SERVICE_ALL_ACCESS
    r["dwServiceType"] = scmr.SERVICE_WIN32_OWN_PROCESS
    r["dwStartType"] = scmr.SERVICE_DEMAND_START
    r["dwErrorControl"] = scmr.SERVICE_ERROR_IGNORE
    r["lpBinaryPathName"] = path + "\x00"
    for f in ("lpLoadOrderGroup", "lpdwTagId", "lpDependencies", "lpServiceStartName", "lpPassword"):
        r[f] = NULL
    r["dwDependSize"] = r["dwPwSize"] = 0
    return call(scm, 12, r, scmr.RCreateServiceWResponse)


def on_handle(scm, opnum, cls, resp_cls, h, **fields):
    r = cls()
    r[cls.structure[0][0]] = h  # the handle is each call's first parameter
    for k, v in fields.items():
        r[k] = v
    return call(scm, opnum, r, resp_cls)


with tempfile.TemporaryDirectory() as cdrive:
    scm = ws.ServiceControlManager({"C$": cdrive}, [("XblAuthManager", "C:\\svchost.exe -k netsvcs")])
    o = scmr.ROpenSCManagerW()
    o["lpMachineName"] = "\\\\SRV\x00"
    o["lpDatabaseName"] = "ServicesActive\x00"
    o["dwDesiredAccess"] = 0xF003F
    m = call(scm, 15, o, scmr.ROpenSCManagerWResponse)
    expect("OpenSCManagerW", m["ErrorCode"], 0)
    h = m["lpScHandle"]
    path = ("%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & "
            "%COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat")
    c = create(scm, h, "BTOBTO", path)
    expect("CreateServiceW", c["ErrorCode"], 0)
    expect("CreateServiceW again", create(scm, h, "btobto", path)["ErrorCode"], 1073)
    svc = c["lpServiceHandle"]
    st = on_handle(scm, 19, scmr.RStartServiceW, scmr.RStartServiceWResponse, svc, argc=0, argv=NULL)
    expect("StartServiceW of a command line", st["ErrorCode"], 1053)
    expect("stand-in output", open(os.path.join(cdrive, "__output"), "rb").read(), b"nt authority\\system\r\n")
    stop = on_handle(scm, 1, scmr.RControlService, scmr.RControlServiceResponse, svc, dwControl=1)
    expect("ControlService stop of a stopped service", stop["ErrorCode"], 1062)
    d = on_handle(scm, 2, scmr.RDeleteService, scmr.RDeleteServiceResponse, svc)
    expect("DeleteService", d["ErrorCode"], 0)
    d = on_handle(scm, 2, scmr.RDeleteService, scmr.RDeleteServiceResponse, svc)
    expect("DeleteService again", d["ErrorCode"], 1072)
    expect("CreateServiceW while marked for delete", create(scm, h, "BTOBTO", path)["ErrorCode"],
           1072)
    cl = scmr.RCloseServiceHandle()
    cl["hSCObject"] = svc
    expect("CloseServiceHandle", call(scm, 0, cl, scmr.RCloseServiceHandleResponse)["ErrorCode"], 0)
    expect("CreateServiceW after the last handle went", create(scm, h, "BTOBTO", path)["ErrorCode"], 0)
    try:
        call(scm, 0, cl, scmr.RCloseServiceHandleResponse)
        bad.append("a closed handle was accepted")
    except Fault as f:
        expect("closed handle", f.status, 0x1C00001A)
    os_ = scmr.ROpenServiceW()
    os_["hSCManager"] = h
    os_["lpServiceName"] = "nosuch\x00"
    os_["dwDesiredAccess"] = scmr.SERVICE_ALL_ACCESS
    expect("OpenServiceW unknown", call(scm, 16, os_, scmr.ROpenServiceWResponse)["ErrorCode"],
           1060)
    os_["lpServiceName"] = "XblAuthManager\x00"
    x = call(scm, 16, os_, scmr.ROpenServiceWResponse)["lpServiceHandle"]
    q = scmr.RQueryServiceConfigW()
    q["hService"] = x
    q["cbBufSize"] = 0
    small = call(scm, 17, q, scmr.RQueryServiceConfigWResponse)
    expect("QueryServiceConfigW, no buffer", small["ErrorCode"], 122)
    q["cbBufSize"] = small["pcbBytesNeeded"]
    full = call(scm, 17, q, scmr.RQueryServiceConfigWResponse)
    expect("QueryServiceConfigW", (full["ErrorCode"], full["lpServiceConfig"]["lpBinaryPathName"]),
           (0, "C:\\svchost.exe -k netsvcs\x00"))

with tempfile.TemporaryDirectory() as admin:
    ts = ws.TaskScheduler({"ADMIN$": admin})
    xml = ("<Task><Actions><Exec><Command>cmd.exe</Command><Arguments>/C whoami &gt; %windir%\\Temp\\ab.tmp "
           "2&gt;&amp;1</Arguments></Exec></Actions></Task>")
    r = tsch.SchRpcRegisterTask()
    r["path"] = "\\ab\x00"
    r["xml"] = xml + "\x00"
    r["flags"] = tsch.TASK_CREATE
    r["sddl"] = NULL
    r["logonType"] = tsch.TASK_LOGON_NONE
    r["cCreds"] = 0
    r["pCreds"] = NULL
    reg = call(ts, 1, r, tsch.SchRpcRegisterTaskResponse)
    expect("SchRpcRegisterTask", (reg["ErrorCode"], reg["pActualPath"]), (0, "\\ab\x00"))
    expect("SchRpcRegisterTask again", call(ts, 1, r, tsch.SchRpcRegisterTaskResponse)["ErrorCode"],
           0x800700B7)
    li = tsch.SchRpcGetLastRunInfo()
    li["path"] = "\\ab\x00"
    before = call(ts, 16, li, tsch.SchRpcGetLastRunInfoResponse)
    expect("SchRpcGetLastRunInfo before a run", (before["ErrorCode"], before["pLastRuntime"]["wYear"]),
           (0x00041303, 0))
    run = tsch.SchRpcRun()
    run["path"] = "\\ab\x00"
    run["cArgs"] = 0
    run["pArgs"] = NULL
    run["flags"] = 0
    run["sessionId"] = 0
    run["user"] = NULL
    expect("SchRpcRun", call(ts, 12, run, tsch.SchRpcRunResponse)["ErrorCode"], 0)
    after = call(ts, 16, li, tsch.SchRpcGetLastRunInfoResponse)
    expect("SchRpcGetLastRunInfo after the run", after["ErrorCode"] == 0 and after["pLastRuntime"]["wYear"] > 2000,
           True)
    expect("stand-in output", open(os.path.join(admin, "Temp", "ab.tmp"), "rb").read(), b"nt authority\\system\r\n")
    de = tsch.SchRpcDelete()
    de["path"] = "\\ab\x00"
    de["flags"] = 0
    expect("SchRpcDelete", call(ts, 13, de, tsch.SchRpcDeleteResponse)["ErrorCode"], 0)
    expect("SchRpcDelete again", call(ts, 13, de, tsch.SchRpcDeleteResponse)["ErrorCode"], 0x80070002)

for b in bad:
    print(b)
print("%s" % ("%d difference(s)" % len(bad) if bad else "service control manager and task scheduler answer as Windows"))
sys.exit(1 if bad else 0)
