"""Shared client plumbing for the sample scenarios (run with Debian's /usr/bin/python3 + python3-impacket).

Every scenario talks to the server started by pcaps/make-samples.sh inside its own network
namespace. Names, seeds and file contents are fixed so that two runs put the same names and
sizes on the wire; only timestamps, ports, challenges and GUIDs differ.
"""

import argparse
import random
import socket
import sys

from impacket import smb, smb3
from impacket.smb3structs import SMB2_DIALECT_002, SMB2_DIALECT_21, SMB2_DIALECT_30, SMB2_DIALECT_302
from impacket.smbconnection import SMBConnection, SessionError

SERVER_NAME = "SRV"
CLIENT_NAME = "WKS01"
USER = "Administrator"
PASSWORD = "Pipewatch-Sample-1"
DOMAIN = "SRV"

# Exactly what Sysinternals PsExec sends (checked against a public capture of PsExec v2.x):
# service binary written with 0x120196, control pipe opened with 0x12019f, stdin with 0x120196,
# stdout/stderr with 0x120089; share access 7 and create options 0x60 for every pipe.
ACCESS_BINARY = 0x00120196
ACCESS_CONTROL_PIPE = 0x0012019F
ACCESS_STDIN = 0x00120196
ACCESS_STDOUT = 0x00120089
SHARE_RW = 0x00000003
SHARE_RWD = 0x00000007
OPTIONS_NONDIR_SYNC = 0x00000060
DISPOSITION_OPEN = 1
DISPOSITION_OVERWRITE_IF = 5
IMPERSONATION = 2

DIALECTS = {
    "nt1": smb.SMB_DIALECT,
    "2.0.2": SMB2_DIALECT_002,
    "2.1": SMB2_DIALECT_21,
    "3.0": SMB2_DIALECT_30,
    "3.0.2": SMB2_DIALECT_302,
}


def log(msg):
    print("  [scenario] " + msg, flush=True)


def base_args(description):
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--host", default="10.99.0.1")
    ap.add_argument("--port", type=int, default=445)
    ap.add_argument("--dialect", default="2.1", choices=sorted(DIALECTS))
    ap.add_argument("--signing", action="store_true", help="require signing from the client side")
    return ap


_real_getaddrinfo = socket.getaddrinfo


def _tree_path_getaddrinfo(host, port, *rest, **kw):
    # impacket builds every TREE_CONNECT path as \\<address>\share by resolving the server with
    # port 80; Windows clients put the server's name there. Answer that one lookup with the name.
    if port == 80:
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (SERVER_NAME, 80))]
    return _real_getaddrinfo(host, port, *rest, **kw)


socket.getaddrinfo = _tree_path_getaddrinfo


def connect(args, dialect=None):
    """One TCP connection, negotiated and logged on as the mapped administrator."""
    dialect = dialect or args.dialect
    wanted = DIALECTS[dialect]
    # Port 139 makes impacket send the NetBIOS session request first, as a real client does.
    if wanted == SMB2_DIALECT_302:
        # SMBConnection refuses 3.0.2; the lower-level SMB3 object negotiates it and then
        # SMBConnection wraps it unchanged.
        low = smb3.SMB3(SERVER_NAME, args.host, CLIENT_NAME, sess_port=args.port, preferredDialect=wanted)
        if args.signing:
            low.RequireMessageSigning = True
        conn = SMBConnection(existingConnection=low)
    else:
        conn = SMBConnection(SERVER_NAME, args.host, myName=CLIENT_NAME, sess_port=args.port,
                             preferredDialect=wanted)
    conn.login(USER, PASSWORD, DOMAIN)
    log("connected %s:%d dialect=%s signing=%s" % (args.host, args.port, dialect, conn.isSigningRequired()))
    return conn


def is_smb1(conn):
    return conn.getDialect() == smb.SMB_DIALECT


def wire_name(conn, name):
    # SMB1 NT_CREATE_ANDX names carry a leading backslash; SMB2 CREATE names never do.
    return "\\" + name if is_smb1(conn) else name


def create_options(conn):
    # Samba rejects FILE_SYNCHRONOUS_IO_NONALERT in an SMB1 NT_CREATE_ANDX with
    # STATUS_INVALID_PARAMETER; SMB1 clients (winexe, for one) send FILE_NON_DIRECTORY_FILE only.
    return 0x40 if is_smb1(conn) else OPTIONS_NONDIR_SYNC


def tree(conn, share):
    tid = conn.connectTree(share)
    log("tree connect %s -> tid %d" % (share, tid))
    return tid


def write_file(conn, tid, name, body):
    fid = conn.createFile(tid, wire_name(conn, name), desiredAccess=ACCESS_BINARY, shareMode=SHARE_RW,
                          creationOption=create_options(conn), creationDisposition=DISPOSITION_OVERWRITE_IF,
                          fileAttributes=0x80, impersonationLevel=IMPERSONATION)
    conn.writeFile(tid, fid, body)
    conn.closeFile(tid, fid)
    log("wrote %s (%d bytes)" % (name, len(body)))


def open_pipe(conn, tid, name, access, keep=False):
    """CREATE of a named pipe on IPC$; the answer (success or NTSTATUS) is the point, not the pipe."""
    try:
        fid = conn.createFile(tid, wire_name(conn, name), desiredAccess=access, shareMode=SHARE_RWD,
                              creationOption=create_options(conn), creationDisposition=DISPOSITION_OPEN,
                              fileAttributes=0, impersonationLevel=IMPERSONATION)
    except SessionError as e:
        log("open pipe %s access=0x%08x -> 0x%08x" % (name, access, e.getErrorCode() & 0xFFFFFFFF))
        return None
    log("open pipe %s access=0x%08x -> ok" % (name, access))
    if keep:
        return fid
    conn.closeFile(tid, fid)
    return None


def fake_binary(name, size=96):
    """A fixed, tiny stand-in for a service executable: MZ header bytes and a deterministic filler."""
    rng = random.Random("pipewatch-sample-" + name)
    return b"MZ\x90\x00" + bytes(rng.randrange(256) for _ in range(size - 4))


def quiet_close(conn):
    try:
        conn.logoff()
    except Exception:
        pass
    try:
        conn.close()
    except Exception:
        pass


def fail(msg):
    print("scenario failed: " + msg, file=sys.stderr)
    sys.exit(1)
