#!/usr/bin/python3
"""One ordinary session per SMB dialect: a file written and listed on a disk share, srvsvc on IPC$.

No tool pipe is opened here: the sample shows that TREE_CONNECT and CREATE are read the same way in
every dialect (signing on when the server requires it), and must raise no alert.
"""

import common
from common import log


def main():
    ap = common.base_args(__doc__.splitlines()[0])
    args = ap.parse_args()
    conn = common.connect(args)
    tid = common.tree(conn, "share")
    name = "dialect-%s.txt" % args.dialect
    common.write_file(conn, tid, name, ("written over SMB %s\r\n" % args.dialect).encode())
    entries = conn.listPath("share", "*")
    log("listed share: %d entries" % len(entries))
    shares = conn.listShares()
    log("srvsvc NetrShareEnum -> %d shares" % len(shares))
    common.quiet_close(conn)


if __name__ == "__main__":
    main()
