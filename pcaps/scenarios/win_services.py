"""The service control manager (MS-SCMR), the task scheduler (MS-TSCH ITaskSchedulerService and
ATSVC) and the endpoint mapper (C706 / MS-RPCE ept_map) as a Windows server answers them, for the
sample captures. Nothing is ever run: a service or a task is a record in a table.

Return codes are Windows': ERROR_SERVICE_EXISTS (1073) for a second create of the same name,
ERROR_SERVICE_DOES_NOT_EXIST (1060) for an open of an unknown one, ERROR_SERVICE_MARKED_FOR_DELETE
(1072) once deleted while a handle is still open, ERROR_SERVICE_REQUEST_TIMEOUT (1053) when the
binary is a command line rather than a service program (cmd.exe never reports to the SCM),
ERROR_SERVICE_NOT_ACTIVE (1062) for a stop of a stopped service, ERROR_INSUFFICIENT_BUFFER (122)
with the size needed for QueryServiceConfigW; HRESULT_FROM_WIN32(ERROR_ALREADY_EXISTS) for a task
registered twice with TASK_CREATE, SCHED_S_TASK_HAS_NOT_RUN before a task's first run.

Stand-in output: smbexec and atexec read back the output file their command line redirects to.
When such a command line is "started", the table writes a short fixed text into that file (into
the directory that serves the share it names), so that the client's read succeeds as on Windows.
"""

import hashlib
import os
import re
import struct
import threading
import time
import uuid as uuidlib

from impacket.dcerpc.v5 import atsvc, epm, scmr, tsch

from rpc_server import NCA_CONTEXT_MISMATCH, NCA_OP_RNG_ERROR, RPC_X_BAD_STUB_DATA, Fault, NdrWriter, wire_str

ERROR_SUCCESS = 0
ERROR_FILE_NOT_FOUND = 2
ERROR_INVALID_HANDLE = 6
ERROR_INSUFFICIENT_BUFFER = 122
ERROR_SERVICE_REQUEST_TIMEOUT = 1053
ERROR_SERVICE_ALREADY_RUNNING = 1056
ERROR_SERVICE_DISABLED = 1058
ERROR_SERVICE_DOES_NOT_EXIST = 1060
ERROR_SERVICE_NOT_ACTIVE = 1062
ERROR_SERVICE_MARKED_FOR_DELETE = 1072
ERROR_SERVICE_EXISTS = 1073
ERROR_DUPLICATE_SERVICE_NAME = 1078
S_OK = 0
SCHED_S_TASK_HAS_NOT_RUN = 0x00041303
HRESULT_ALREADY_EXISTS = 0x800700B7
HRESULT_FILE_NOT_FOUND = 0x80070002

NO_CHANGE = 0xFFFFFFFF
SERVICE_STOPPED, SERVICE_RUNNING = 1, 4
SERVICE_CONTROL_STOP = 1
SERVICE_DISABLED = 4

# What the stand-in output file holds for a command; anything else gets an empty file.
STAND_IN_OUTPUT = {
    "cd": "C:\\Windows\\system32\r\n",
    "whoami": "nt authority\\system\r\n",
    "hostname": "SRV\r\n",
}


def stand_in(command):
    return STAND_IN_OUTPUT.get(command.strip().lower(), "").encode()


class Handles:
    """Context handles (20 bytes: attributes 0 and a GUID), made deterministic from a counter."""

    def __init__(self, tag):
        self.tag = tag
        self.n = 0
        self.table = {}

    def new(self, obj):
        self.n += 1
        guid = hashlib.sha256(("%s-%d" % (self.tag, self.n)).encode()).digest()[:16]
        h = b"\x00" * 4 + guid
        self.table[h] = obj
        return h

    def get(self, h):
        obj = self.table.get(bytes(h))
        if obj is None:
            raise Fault(NCA_CONTEXT_MISMATCH)
        return obj

    def drop(self, h):
        return self.table.pop(bytes(h), None)


class Service:
    def __init__(self, name, display, stype, start, error, binpath, account):
        self.name, self.display = name, display or name
        self.type, self.start, self.error = stype, start, error
        self.binpath, self.account = binpath, account or "LocalSystem"
        self.state = SERVICE_STOPPED
        self.deleted = False
        self.handles = 0


def parse(cls, stub):
    try:
        return cls(stub)
    except Exception:
        raise Fault(RPC_X_BAD_STUB_DATA)


def answer(*fields):
    """A response stub of DWORDs and raw byte strings (handles, GUIDs)."""
    w = NdrWriter()
    for f in fields:
        if isinstance(f, (bytes, bytearray)):
            w.raw(bytes(f))
        else:
            w.u32(f)
    return w.bytes()


def is_command_line(binpath):
    low = binpath.lower()
    return "%comspec%" in low or "cmd.exe" in low or "cmd /" in low or "powershell" in low


class ServiceControlManager:
    uuid = "367abb81-9844-35f1-ad32-98f038001003"
    version = (2, 0)

    def __init__(self, shares, existing=()):
        self.lock = threading.Lock()
        self.shares = shares  # share name (upper case) -> local directory
        self.services = {}
        self.handles = Handles("scm")
        for name, binpath in existing:
            self.services[name.lower()] = Service(name, name, 0x10, 3, 1, binpath, "LocalSystem")
        self.ops = {0: self.close, 1: self.control, 2: self.delete, 6: self.query_status, 11: self.change_config,
                    12: self.create, 15: self.open_manager, 16: self.open_service, 17: self.query_config,
                    19: self.start, 45: self.create_wow64}

    def call(self, assoc, opnum, stub):
        op = self.ops.get(opnum)
        if op is None:
            raise Fault(NCA_OP_RNG_ERROR)
        with self.lock:
            return op(stub)

    def _service(self, h):
        obj = self.handles.get(h)
        if not isinstance(obj, Service):
            return None
        return obj

    def open_manager(self, stub):
        parse(scmr.ROpenSCManagerW, stub)
        return answer(self.handles.new("manager"), ERROR_SUCCESS)

    def create(self, stub, cls=scmr.RCreateServiceW):
        req = parse(cls, stub)
        self.handles.get(handle_bytes(req["hSCManager"]))
        name = wire_str(req["lpServiceName"])
        display = wire_str(req["lpDisplayName"])
        tag = b"\x00" * 4  # lpdwTagId: NULL in, NULL out (no load-order group)
        old = self.services.get(name.lower())
        if old is not None:
            code = ERROR_SERVICE_MARKED_FOR_DELETE if old.deleted else ERROR_SERVICE_EXISTS
            return answer(tag, b"\x00" * 20, code)
        for s in self.services.values():
            if display and s.display.lower() == display.lower():
                return answer(tag, b"\x00" * 20, ERROR_DUPLICATE_SERVICE_NAME)
        svc = Service(name, display, req["dwServiceType"], req["dwStartType"], req["dwErrorControl"],
                      wire_str(req["lpBinaryPathName"]), wire_str(req["lpServiceStartName"]))
        self.services[name.lower()] = svc
        svc.handles += 1
        return answer(tag, self.handles.new(svc), ERROR_SUCCESS)

    def create_wow64(self, stub):
        return self.create(stub, scmr.RCreateServiceWOW64W)

    def open_service(self, stub):
        req = parse(scmr.ROpenServiceW, stub)
        self.handles.get(handle_bytes(req["hSCManager"]))
        svc = self.services.get(wire_str(req["lpServiceName"]).lower())
        if svc is None:
            return answer(b"\x00" * 20, ERROR_SERVICE_DOES_NOT_EXIST)
        svc.handles += 1
        return answer(self.handles.new(svc), ERROR_SUCCESS)

    def close(self, stub):
        req = parse(scmr.RCloseServiceHandle, stub)
        h = handle_bytes(req["hSCObject"])
        obj = self.handles.get(h)
        self.handles.drop(h)
        if isinstance(obj, Service):
            obj.handles -= 1
            if obj.deleted and obj.handles == 0 and obj.state == SERVICE_STOPPED:
                self.services.pop(obj.name.lower(), None)
        return answer(b"\x00" * 20, ERROR_SUCCESS)

    def start(self, stub):
        req = parse(scmr.RStartServiceW, stub)
        svc = self._service(handle_bytes(req["hService"]))
        if svc is None:
            return answer(ERROR_INVALID_HANDLE)
        if svc.deleted:
            return answer(ERROR_SERVICE_MARKED_FOR_DELETE)
        if svc.start == SERVICE_DISABLED:
            return answer(ERROR_SERVICE_DISABLED)
        if svc.state == SERVICE_RUNNING:
            return answer(ERROR_SERVICE_ALREADY_RUNNING)
        if is_command_line(svc.binpath):
            self.write_smbexec_output(svc.binpath)
            return answer(ERROR_SERVICE_REQUEST_TIMEOUT)
        svc.state = SERVICE_RUNNING
        return answer(ERROR_SUCCESS)

    def write_smbexec_output(self, binpath):
        # %COMSPEC% /Q /c echo <command> ^> \\127.0.0.1\C$\__output 2^>^&1 > %TEMP%\execute.bat & ...
        m = re.search(r"echo (.*?) \^> \\\\[^\\]+\\([^\\]+)\\(\S+) 2\^>\^&1", binpath)
        if not m:
            return
        directory = self.shares.get(m.group(2).upper())
        if directory:
            with open(os.path.join(directory, m.group(3).replace("\\", "/")), "wb") as f:
                f.write(stand_in(m.group(1)))

    def status(self, svc, state=None):
        return answer(svc.type, state or svc.state, 0x1 if svc.state == SERVICE_RUNNING else 0, 0, 0, 0, 0)

    def control(self, stub):
        req = parse(scmr.RControlService, stub)
        svc = self._service(handle_bytes(req["hService"]))
        if svc is None:
            return answer(b"\x00" * 28, ERROR_INVALID_HANDLE)
        if req["dwControl"] == SERVICE_CONTROL_STOP:
            if svc.state != SERVICE_RUNNING:
                return self.status(svc) + answer(ERROR_SERVICE_NOT_ACTIVE)
            svc.state = SERVICE_STOPPED
            out = self.status(svc) + answer(ERROR_SUCCESS)
            if svc.deleted and svc.handles == 0:
                self.services.pop(svc.name.lower(), None)
            return out
        return self.status(svc) + answer(ERROR_SUCCESS)

    def query_status(self, stub):
        req = parse(scmr.RQueryServiceStatus, stub)
        svc = self._service(handle_bytes(req["hService"]))
        if svc is None:
            return answer(b"\x00" * 28, ERROR_INVALID_HANDLE)
        return self.status(svc) + answer(ERROR_SUCCESS)

    def delete(self, stub):
        req = parse(scmr.RDeleteService, stub)
        svc = self._service(handle_bytes(req["hService"]))
        if svc is None:
            return answer(ERROR_INVALID_HANDLE)
        if svc.deleted:
            return answer(ERROR_SERVICE_MARKED_FOR_DELETE)
        svc.deleted = True
        return answer(ERROR_SUCCESS)

    def change_config(self, stub):
        req = parse(scmr.RChangeServiceConfigW, stub)
        svc = self._service(handle_bytes(req["hService"]))
        tag = b"\x00" * 4
        if svc is None:
            return answer(tag, ERROR_INVALID_HANDLE)
        if svc.deleted:
            return answer(tag, ERROR_SERVICE_MARKED_FOR_DELETE)
        for attr, field in (("type", "dwServiceType"), ("start", "dwStartType"), ("error", "dwErrorControl")):
            if req[field] != NO_CHANGE:
                setattr(svc, attr, req[field])
        for attr, field in (("binpath", "lpBinaryPathName"), ("account", "lpServiceStartName"),
                            ("display", "lpDisplayName")):
            value = wire_str(req[field])
            if value is not None:
                setattr(svc, attr, value)
        return answer(tag, ERROR_SUCCESS)

    def query_config(self, stub):
        req = parse(scmr.RQueryServiceConfigW, stub)
        svc = self._service(handle_bytes(req["hService"]))
        if svc is None:
            raise Fault(NCA_CONTEXT_MISMATCH)
        strings = (svc.binpath, "", "", svc.account, svc.display)
        # QUERY_SERVICE_CONFIGW (36 bytes on x64 Windows with its pointers) and its strings.
        needed = 36 + sum(2 * (len(s) + 1) for s in strings)
        w = NdrWriter()
        if req["cbBufSize"] < needed:
            for v in (0, 0, 0, 0, 0, 0, 0, 0, 0):
                w.u32(v)
            w.u32(needed)
            w.u32(ERROR_INSUFFICIENT_BUFFER)
            return w.bytes()
        w.u32(svc.type)
        w.u32(svc.start)
        w.u32(svc.error)
        w.pointer(True)
        w.pointer(True)
        w.u32(0)
        w.pointer(True)
        w.pointer(True)
        w.pointer(True)
        for s in strings:
            w.wstr(s)
        w.u32(needed)
        w.u32(ERROR_SUCCESS)
        return w.bytes()


def handle_bytes(h):
    if isinstance(h, (bytes, bytearray)):
        return bytes(h)
    return bytes(h["Data"])


class TaskScheduler:
    """ITaskSchedulerService (MS-TSCH 3.2.5.4) and ATSVC (3.2.5.2) over one table of tasks."""

    uuid = "86d35949-83c9-4044-b424-db363231fd0c"
    version = (1, 0)

    def __init__(self, shares):
        self.lock = threading.Lock()
        self.shares = shares
        self.tasks = {}  # path (lower) -> dict(path, xml, last_run)
        self.jobs = {}
        self.next_job = 1
        self.runs = 0
        self.ops = {0: self.highest_version, 1: self.register, 12: self.run, 13: self.delete,
                    16: self.last_run_info}

    def call(self, assoc, opnum, stub):
        op = self.ops.get(opnum)
        if op is None:
            raise Fault(NCA_OP_RNG_ERROR)
        with self.lock:
            return op(stub)

    def highest_version(self, stub):
        return answer(0x00010006, S_OK)  # version 1.6 (Windows 10 / Server 2016 and later)

    def register(self, stub):
        req = parse(tsch.SchRpcRegisterTask, stub)
        path = wire_str(req["path"]) or "\\Task%d" % (len(self.tasks) + 1)
        xml = wire_str(req["xml"])
        w = NdrWriter()
        exists = path.lower() in self.tasks
        if exists and not req["flags"] & 0x4:  # TASK_UPDATE not asked
            w.pointer(False)
            w.pointer(False)
            w.u32(HRESULT_ALREADY_EXISTS)
            return w.bytes()
        self.tasks[path.lower()] = {"path": path, "xml": xml, "last_run": None}
        w.pointer(True)
        w.wstr(path)
        w.pointer(False)  # pErrorInfo: none, the XML was valid
        w.u32(S_OK)
        return w.bytes()

    def run(self, stub):
        req = parse(tsch.SchRpcRun, stub)
        task = self.tasks.get(wire_str(req["path"]).lower())
        if task is None:
            return answer(b"\x00" * 16, HRESULT_FILE_NOT_FOUND)
        self.runs += 1
        task["last_run"] = time.gmtime()
        self.write_atexec_output(task["xml"])
        guid = uuidlib.UUID(bytes=hashlib.sha256(("run-%d" % self.runs).encode()).digest()[:16])
        return answer(guid.bytes_le, S_OK)

    def write_atexec_output(self, xml):
        # <Arguments>/C <command> &gt; %windir%\Temp\<name>.tmp 2&gt;&amp;1</Arguments>
        m = re.search(r"<Arguments>/C (.*?) &gt; %windir%\\Temp\\(\w+\.tmp) 2&gt;&amp;1</Arguments>", xml or "")
        directory = self.shares.get("ADMIN$")
        if m and directory:
            os.makedirs(os.path.join(directory, "Temp"), exist_ok=True)
            with open(os.path.join(directory, "Temp", m.group(2)), "wb") as f:
                f.write(stand_in(m.group(1).replace("&amp;", "&")))

    def delete(self, stub):
        req = parse(tsch.SchRpcDelete, stub)
        if self.tasks.pop(wire_str(req["path"]).lower(), None) is None:
            return answer(HRESULT_FILE_NOT_FOUND)
        return answer(S_OK)

    def last_run_info(self, stub):
        req = parse(tsch.SchRpcGetLastRunInfo, stub)
        task = self.tasks.get(wire_str(req["path"]).lower())
        w = NdrWriter()
        if task is None:
            for _ in range(8):
                w.u16(0)
            w.u32(0)
            w.u32(HRESULT_FILE_NOT_FOUND)
            return w.bytes()
        t = task["last_run"]
        fields = (0,) * 8 if t is None else (t.tm_year, t.tm_mon, (t.tm_wday + 1) % 7, t.tm_mday, t.tm_hour,
                                             t.tm_min, t.tm_sec, 0)
        for v in fields:
            w.u16(v)
        w.u32(0)  # the last run's return code
        w.u32(SCHED_S_TASK_HAS_NOT_RUN if t is None else S_OK)
        return w.bytes()


class AtService:
    """ATSVC (MS-TSCH 3.2.5.2): NetrJobAdd, NetrJobDel, as a host with the AT service enabled."""

    uuid = "1ff70682-0a51-30e8-076d-740be8cee98b"
    version = (1, 0)

    def __init__(self, scheduler):
        self.scheduler = scheduler

    def call(self, assoc, opnum, stub):
        s = self.scheduler
        with s.lock:
            if opnum == 0:
                req = parse(atsvc.NetrJobAdd, stub)
                job = s.next_job
                s.next_job += 1
                s.jobs[job] = wire_str(req["pAtInfo"]["Command"])
                return answer(job, ERROR_SUCCESS)
            if opnum == 1:
                req = parse(atsvc.NetrJobDel, stub)
                for j in range(req["MinJobId"], req["MaxJobId"] + 1):
                    s.jobs.pop(j, None)
                return answer(ERROR_SUCCESS)
        raise Fault(NCA_OP_RNG_ERROR)


def tower_floor(lhs, rhs):
    return struct.pack("<H", len(lhs)) + lhs + struct.pack("<H", len(rhs)) + rhs


class EndpointMapper:
    """ept_map (opnum 3) for the interfaces this server listens for over ncacn_ip_tcp."""

    uuid = "e1af8308-5d1f-11c9-91a4-08002b14a0fa"
    version = (3, 0)
    EPT_S_NOT_REGISTERED = 0x16C9A0D6

    def __init__(self, address, endpoints):
        self.ip = address
        self.endpoints = endpoints  # (interface uuid text, major version) -> TCP port

    def call(self, assoc, opnum, stub):
        if opnum != 3:
            raise Fault(NCA_OP_RNG_ERROR)
        req = parse(epm.ept_map, stub)
        tower = b"".join(req["map_tower"]["tower_octet_string"])
        floor1 = tower[2:]
        lhs_len = struct.unpack("<H", floor1[:2])[0]
        lhs = floor1[2:2 + lhs_len]
        iface = (str(uuidlib.UUID(bytes_le=lhs[1:17])), struct.unpack("<H", lhs[17:19])[0])
        minor = floor1[2 + lhs_len + 2:2 + lhs_len + 4]
        port = self.endpoints.get(iface)
        w = NdrWriter()
        w.u32(0)
        w.raw(b"\x00" * 16)  # entry_handle: no more entries
        if port is None:
            w.u32(0)
            w.u32(req["max_towers"])
            w.u32(0)
            w.u32(0)
            w.u32(self.EPT_S_NOT_REGISTERED)
            return w.bytes()
        out = tower_floor(lhs, minor)
        out += tower_floor(b"\x0d" + uuidlib.UUID("8a885d04-1ceb-11c9-9fe8-08002b104860").bytes_le + b"\x02\x00",
                           b"\x00\x00")
        out += tower_floor(b"\x0b", b"\x00\x00")
        out += tower_floor(b"\x07", struct.pack(">H", port))
        out += tower_floor(b"\x09", bytes(int(x) for x in self.ip.split(".")))
        out = struct.pack("<H", 5) + out
        w.u32(1)  # num_towers
        w.u32(req["max_towers"])  # ITowers: conformant varying array of pointers
        w.u32(0)
        w.u32(1)
        w.pointer(True)
        w.u32(len(out))  # twr_t
        w.u32(len(out))
        w.raw(out)
        w.align(4)
        w.u32(0)
        return w.bytes()
