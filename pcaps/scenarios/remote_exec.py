#!/usr/bin/python3
"""Replays, against a real SMB server, the SMB sequence a PsExec-style tool puts on the wire.

  --tool psexec    Sysinternals PsExec, default service PSEXESVC
  --tool renamed   Sysinternals PsExec run with `-r updsvc`
  --tool paexec    PAExec (service PAExec-<pid>-<host>, pipes PAExecIn|Out|Err<host><pid>)
  --tool remcom    impacket psexec.py (RemCom service with random names from a fixed seed)

Order per tool: ADMIN$ tree connect, service binary written, IPC$ tree connect, svcctl pipe,
DCE/RPC bind + OpenSCManagerW + CreateServiceW + StartServiceW, control pipe, stdio pipes.
Samba refuses CreateServiceW and serves none of the tool pipes (STATUS_OBJECT_NAME_NOT_FOUND);
both are on the wire all the same, which is what a sensor sees. The impacket server registers
the tool pipes, so there the opens succeed.
"""

import random
import string

from impacket.dcerpc.v5 import scmr, transport
from impacket.dcerpc.v5.rpcrt import DCERPCException

import common
from common import log

CLIENT_PID = 4242


def tool_names(tool):
    host = common.CLIENT_NAME
    if tool in ("psexec", "renamed"):
        svc = "PSEXESVC" if tool == "psexec" else "updsvc"
        return {
            "service": svc,
            "binary": svc + ".exe",
            "control": [(svc, common.ACCESS_CONTROL_PIPE)],
            "stdio": [("%s-%s-%d-%s" % (svc, host, CLIENT_PID, s), acc) for s, acc in
                      (("stdin", common.ACCESS_STDIN), ("stdout", common.ACCESS_STDOUT),
                       ("stderr", common.ACCESS_STDOUT))],
            "stdio_own_connection": False,
            "list_shares": False,
        }
    if tool == "paexec":
        svc = "PAExec-%d-%s" % (CLIENT_PID, host)
        return {
            "service": svc,
            "binary": svc + ".exe",
            "control": [(svc, common.ACCESS_CONTROL_PIPE)],
            "stdio": [("PAExec%s%s%d" % (s, host, CLIENT_PID), acc) for s, acc in
                      (("In", common.ACCESS_STDIN), ("Out", common.ACCESS_STDOUT),
                       ("Err", common.ACCESS_STDOUT))],
            "stdio_own_connection": False,
            "list_shares": False,
        }
    if tool == "remcom":
        # psexec.py draws an 8-letter binary name, a 4-letter service name and a 4-letter
        # "machine" tag for the stdio pipes; a fixed seed keeps them the same on every run.
        rng = random.Random(4242)
        letters = string.ascii_letters
        binary = "".join(rng.choice(letters) for _ in range(8)) + ".exe"
        svc = "".join(rng.choice(letters) for _ in range(4))
        machine = "".join(rng.choice(letters) for _ in range(4))
        return {
            "service": svc,
            "binary": binary,
            "control": [("RemCom_communicaton", common.ACCESS_CONTROL_PIPE)],
            "stdio": [("RemCom_%s%s%d" % (s, machine, CLIENT_PID), acc) for s, acc in
                      (("stdin", common.ACCESS_STDIN), ("stdout", common.ACCESS_STDOUT),
                       ("stderr", common.ACCESS_STDOUT))],
            "stdio_own_connection": True,
            "list_shares": True,
        }
    raise ValueError(tool)


def list_shares(conn):
    # psexec.py looks for a writable share through srvsvc NetrShareEnum before uploading.
    try:
        shares = conn.listShares()
        log("srvsvc NetrShareEnum -> %d shares" % len(shares))
    except Exception as e:  # the request is on the wire whatever the answer
        log("srvsvc NetrShareEnum failed: %s" % e)


def service_calls(conn, args, names):
    """svcctl on IPC$: bind, OpenSCManagerW, CreateServiceW, StartServiceW. Returns the IPC$ tid."""
    rpc = transport.SMBTransport(args.host, args.port, filename=r"\svcctl", smb_connection=conn)
    dce = rpc.get_dce_rpc()
    dce.connect()
    ipc_tid = rpc._SMBTransport__tid  # the IPC$ tree the transport connected; the pipes reuse it
    dce.bind(scmr.MSRPC_UUID_SCMR)
    log("svcctl bound")
    try:
        scm = scmr.hROpenSCManagerW(dce, "\\\\%s\x00" % common.SERVER_NAME)["lpScHandle"]
        log("OpenSCManagerW ok")
    except DCERPCException as e:
        log("OpenSCManagerW failed: %s" % e)
        return dce, ipc_tid
    service = None
    try:
        service = scmr.hRCreateServiceW(dce, scm, names["service"] + "\x00", names["service"] + "\x00",
                                        lpBinaryPathName="%%SystemRoot%%\\%s\x00" % names["binary"],
                                        dwStartType=scmr.SERVICE_DEMAND_START)["lpServiceHandle"]
        log("CreateServiceW ok")
    except DCERPCException as e:
        log("CreateServiceW refused: %s" % e)
    if service is None:
        try:
            service = scmr.hROpenServiceW(dce, scm, names["service"] + "\x00")["lpServiceHandle"]
        except DCERPCException as e:
            log("OpenServiceW refused: %s" % e)
    if service is None:
        # No handle came back; StartServiceW still goes out, as the tool would send it, with an
        # all-zero context handle that the server rejects.
        service = b"\x00" * 20
    try:
        scmr.hRStartServiceW(dce, service)
        log("StartServiceW ok")
    except DCERPCException as e:
        log("StartServiceW refused: %s" % e)
    try:
        scmr.hRCloseServiceHandle(dce, scm)
    except DCERPCException:
        pass
    return dce, ipc_tid


def stdio_on_own_connection(args, name, access):
    conn = common.connect(args)
    tid = common.tree(conn, "IPC$")
    common.open_pipe(conn, tid, name, access)
    common.quiet_close(conn)


def write_keylog(conn, path):
    # What tshark's smb2_seskey_list needs to decrypt the sample: the session id as it appears on
    # the wire (little-endian) and the 16-byte session key, both in hex.
    low = conn.getSMBServer()
    sid = low._Session["SessionID"].to_bytes(8, "little").hex()
    with open(path, "w") as f:
        f.write("%s,%s\n" % (sid, low._Session["SessionKey"].hex()))


def run(args):
    names = tool_names(args.tool)
    conn = common.connect(args)
    if names["list_shares"]:
        list_shares(conn)
    admin_tid = common.tree(conn, "ADMIN$")
    common.write_file(conn, admin_tid, names["binary"], common.fake_binary(names["binary"]))
    if args.no_svcctl:
        dce, ipc_tid = None, common.tree(conn, "IPC$")
    else:
        dce, ipc_tid = service_calls(conn, args, names)
    if args.keylog:
        write_keylog(conn, args.keylog)
    for name, access in names["control"]:
        common.open_pipe(conn, ipc_tid, name, access)
    for name, access in names["stdio"]:
        if names["stdio_own_connection"]:
            stdio_on_own_connection(args, name, access)
        else:
            common.open_pipe(conn, ipc_tid, name, access)
    if dce is not None:
        try:
            dce.disconnect()
        except Exception:
            pass
    common.quiet_close(conn)


def main():
    ap = common.base_args(__doc__.splitlines()[0])
    ap.add_argument("--tool", required=True, choices=["psexec", "renamed", "paexec", "remcom"])
    ap.add_argument("--no-svcctl", action="store_true",
                    help="leave out the svcctl calls (for a server that does not serve svcctl)")
    ap.add_argument("--keylog", help="write the SMB3 session id and session key here (encrypted sample)")
    run(ap.parse_args())


if __name__ == "__main__":
    main()
