#!/usr/bin/python3
"""impacket's SimpleSMBServer with a service control manager and task scheduler of the project's own.

The SMB server (SMB 2.0.2, NTLM, shares ADMIN$ and C$ on local directories) forwards the pipes
\\svcctl and \\atsvc to RPC servers in this process (win_services.py over rpc_server.py), which
answer as Windows does; the RemCom and PsExec tool pipes are registered too and held open. With
--tcp the same service control manager also listens on ncacn_ip_tcp at a fixed "dynamic" port,
behind an endpoint mapper on port 135 that answers ept_map for it. Nothing is ever executed.
"""

import argparse
import socket
import threading

from impacket import ntlm, smbserver

import remote_exec
import rpc_server
import win_services

SERVER_NAME = "SRV"
DOMAIN = "WORKGROUP"
SVCCTL_TCP_PORT = 49670  # where Windows' dynamic range starts its services


def hold(listener):
    held = []
    while True:
        conn, _ = listener.accept()
        held.append(conn)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--ip", required=True)
    ap.add_argument("--admin", required=True, help="directory served as ADMIN$")
    ap.add_argument("--cdrive", required=True, help="directory served as C$")
    ap.add_argument("--password", required=True)
    ap.add_argument("--existing", action="append", default=[], metavar="NAME=BINPATH",
                    help="a service installed before the run")
    ap.add_argument("--tcp", action="store_true", help="also serve svcctl over TCP behind an endpoint mapper on 135")
    args = ap.parse_args()

    server = smbserver.SimpleSMBServer(listenAddress=args.ip, listenPort=445)
    cfg = server._SimpleSMBServer__smbConfig  # fixed names instead of the random ones it draws
    cfg.set("global", "server_name", SERVER_NAME)
    cfg.set("global", "server_domain", DOMAIN)
    cfg.set("global", "server_os", "Windows Server 2019")
    server.setSMB2Support(True)
    server.addShare("ADMIN$", args.admin, "Remote Admin")
    server.addShare("C$", args.cdrive, "Default share")
    server.addCredential("Administrator", 500, "aad3b435b51404eeaad3b435b51404ee",
                         ntlm.compute_nthash(args.password).hex())
    server.setSMBChallenge("")

    shares = {"ADMIN$": args.admin, "C$": args.cdrive}
    existing = [tuple(e.split("=", 1)) for e in args.existing]
    scm = win_services.ServiceControlManager(shares, existing)
    scheduler = win_services.TaskScheduler(shares)
    at = win_services.AtService(scheduler)

    def rpc(address, interfaces, endpoint):
        s = rpc_server.RpcServer(address, interfaces, endpoint, SERVER_NAME, SERVER_NAME, args.password)
        s.start()
        return s

    # Windows names the svcctl pipe's endpoint \PIPE\ntsvcs in its bind_ack (svcctl is an alias).
    svcctl = rpc(("127.0.0.1", 0), [scm], "\\PIPE\\ntsvcs")
    atsvc_pipe = rpc(("127.0.0.1", 0), [scheduler, at], "\\PIPE\\atsvc")
    server.registerNamedPipe("svcctl", svcctl.address())
    server.registerNamedPipe("atsvc", atsvc_pipe.address())

    if args.tcp:
        rpc((args.ip, SVCCTL_TCP_PORT), [scm], str(SVCCTL_TCP_PORT))
        mapper = win_services.EndpointMapper(args.ip, {(win_services.ServiceControlManager.uuid, 2): SVCCTL_TCP_PORT})
        rpc((args.ip, 135), [mapper], "135")

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    threading.Thread(target=hold, args=(listener,), daemon=True).start()
    for tool in ("psexec", "renamed", "remcom"):
        names = remote_exec.tool_names(tool)
        for name, _ in names["control"] + names["stdio"]:
            server.registerNamedPipe(name, listener.getsockname())
    server.start()


if __name__ == "__main__":
    main()
