#!/usr/bin/python3
"""impacket's SimpleSMBServer with the PsExec-style tool pipes registered, so their opens succeed.

Each registered pipe is backed by a local TCP listener that accepts and holds the connection; the
scenarios only open the pipes, so nothing needs to answer on them. SMB 2.0.2 is all this server
speaks.
"""

import argparse
import socket
import threading

from impacket import ntlm, smbserver

import remote_exec


def sink(listener):
    held = []
    while True:
        conn, _ = listener.accept()
        held.append(conn)  # keep it open as long as the server lives


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ip", required=True)
    ap.add_argument("--dir", required=True, help="directory served as ADMIN$")
    ap.add_argument("--password", required=True)
    args = ap.parse_args()

    server = smbserver.SimpleSMBServer(listenAddress=args.ip, listenPort=445)
    server.setSMB2Support(True)
    server.addShare("ADMIN$", args.dir, "Remote Admin")
    nthash = ntlm.compute_nthash(args.password).hex()
    server.addCredential("Administrator", 0, "aad3b435b51404eeaad3b435b51404ee", nthash)
    server.setSMBChallenge("")

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    threading.Thread(target=sink, args=(listener,), daemon=True).start()
    for tool in ("psexec", "renamed", "paexec", "remcom"):
        names = remote_exec.tool_names(tool)
        for name, _ in names["control"] + names["stdio"]:
            server.registerNamedPipe(name, listener.getsockname())
    server.start()


if __name__ == "__main__":
    main()
