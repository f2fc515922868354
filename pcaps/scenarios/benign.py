#!/usr/bin/python3
"""Everyday administration over SMB: file copies, directory listings, the usual RPC pipes, a print job.

Nothing here looks like remote execution: no service binary, no stdio pipes. It must raise no
alert.
"""

import io

from impacket.dcerpc.v5 import lsad, rrp, samr, transport
from impacket.dcerpc.v5.rpcrt import DCERPCException

import common
from common import log

FILES = {
    "report-2026-11.txt": b"Quarterly report\r\n" * 20,
    "inventory.csv": b"host,os,owner\r\nWKS01,Windows 11,ops\r\nSRV,Samba,ops\r\n",
}


def rpc(conn, args, pipe, uuid, calls):
    rpct = transport.SMBTransport(args.host, args.port, filename="\\" + pipe, smb_connection=conn)
    dce = rpct.get_dce_rpc()
    dce.connect()
    dce.bind(uuid)
    try:
        calls(dce)
        log("%s calls ok" % pipe)
    except DCERPCException as e:
        log("%s call refused: %s" % (pipe, e))
    dce.disconnect()


def lsa_calls(dce):
    policy = lsad.hLsarOpenPolicy2(dce, lsad.POLICY_VIEW_LOCAL_INFORMATION)["PolicyHandle"]
    lsad.hLsarQueryInformationPolicy(dce, policy, lsad.POLICY_INFORMATION_CLASS.PolicyAccountDomainInformation)
    lsad.hLsarClose(dce, policy)


def samr_calls(dce):
    server = samr.hSamrConnect(dce)["ServerHandle"]
    samr.hSamrEnumerateDomainsInSamServer(dce, server)
    samr.hSamrCloseHandle(dce, server)


def winreg_calls(dce):
    hklm = rrp.hOpenLocalMachine(dce)["phKey"]
    key = rrp.hBaseRegOpenKey(dce, hklm, "SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion")["phkResult"]
    rrp.hBaseRegCloseKey(dce, key)
    rrp.hBaseRegCloseKey(dce, hklm)


def main():
    ap = common.base_args(__doc__.splitlines()[0])
    args = ap.parse_args()
    conn = common.connect(args)
    shares = conn.listShares()
    log("srvsvc NetrShareEnum -> %d shares" % len(shares))
    for name, body in sorted(FILES.items()):
        conn.putFile("share", name, io.BytesIO(body).read)
        log("copied %s" % name)
    conn.createDirectory("share", "archive")
    conn.putFile("share", "archive\\inventory.csv", io.BytesIO(FILES["inventory.csv"]).read)
    for path in ("*", "archive\\*"):
        log("listed share\\%s: %d entries" % (path, len(conn.listPath("share", path))))
    sink = io.BytesIO()
    conn.getFile("share", "report-2026-11.txt", sink.write)
    log("read back %d bytes" % len(sink.getvalue()))
    log("listed C$: %d entries" % len(conn.listPath("C$", "*")))
    rpc(conn, args, "lsarpc", lsad.MSRPC_UUID_LSAD, lsa_calls)
    rpc(conn, args, "samr", samr.MSRPC_UUID_SAMR, samr_calls)
    rpc(conn, args, "winreg", rrp.MSRPC_UUID_RRP, winreg_calls)
    try:
        ptid = common.tree(conn, "printer")
        fid = conn.createFile(ptid, "job.txt", desiredAccess=0x00120116, shareMode=common.SHARE_RW,
                              creationOption=common.OPTIONS_NONDIR_SYNC, creationDisposition=2,
                              fileAttributes=0x80, impersonationLevel=common.IMPERSONATION)
        conn.writeFile(ptid, fid, b"Test page from WKS01\r\n\x0c")
        conn.closeFile(ptid, fid)
        log("print job sent")
    except Exception as e:
        log("print job refused: %s" % e)
    common.quiet_close(conn)


if __name__ == "__main__":
    main()
