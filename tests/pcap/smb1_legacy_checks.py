#!/usr/bin/env python3
"""Checks the EVE output of the SMB1 legacy session of tests/tools/smb1-legacy-pcap.py.

usage: smb1_legacy_checks.py EVE.json SHA256   (SHA256: sha256sum of the binary the capture writes)
"""
import json
import sys

recs = [json.loads(line) for line in open(sys.argv[1])]
want_sha = sys.argv[2]
bad = []


def expect(what, got, want):
    if got != want:
        bad.append("%s: got %r, want %r" % (what, got, want))


opens = [(r["smb"]["command"], r["smb"].get("filename"), r["smb"]["status"]) for r in recs
         if r["event_type"] == "smb" and "filename" in r["smb"] and r["smb"]["command"] != "SMB1_COMMAND_CLOSE"]
expect("opens", opens, [
    ("SMB1_COMMAND_OPEN_ANDX", "\\updsvc.exe", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_CREATE", "\\Windows\\Temp\\run.bat", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_CREATE_NEW", "\\Windows\\Temp\\new.txt", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_OPEN", "\\boot.ini", "STATUS_OBJECT_NAME_NOT_FOUND"),
    ("SMB1_COMMAND_TRANS2", "\\Windows\\Temp\\log.txt", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_OPEN_ANDX", "\\updsvc", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_OPEN_ANDX", "\\updsvc-WKS01-4242-stdin", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_OPEN_ANDX", "\\updsvc-WKS01-4242-stdout", "STATUS_SUCCESS"),
    ("SMB1_COMMAND_OPEN_ANDX", "\\updsvc-WKS01-4242-stderr", "STATUS_OBJECT_NAME_NOT_FOUND"),
])
ev = [r["winlog"]["event_data"] for r in recs if r["event_type"] == "winlog" and r["winlog"]["event_id"] == 5145]
# AccessMode read/write -> 0x12019f, write -> 0x120196, read -> 0x120089 (GENERIC_* mapped for a
# file, FILE_READ_ATTRIBUTES added over SMB1); SMB_COM_CREATE/CREATE_NEW open for read/write;
# a created file gets its second 5145 (0x2)
expect("5145", [(e["ShareName"], e["RelativeTargetName"], e["AccessMask"]) for e in ev], [
    ("\\\\*\\ADMIN$", "updsvc.exe", "0x12019f"),
    ("\\\\*\\ADMIN$", "updsvc.exe", "0x2"),
    ("\\\\*\\C$", "Windows\\Temp\\run.bat", "0x12019f"),
    ("\\\\*\\C$", "Windows\\Temp\\new.txt", "0x12019f"),
    ("\\\\*\\C$", "Windows\\Temp\\new.txt", "0x2"),
    ("\\\\*\\C$", "boot.ini", "0x120089"),
    ("\\\\*\\C$", "Windows\\Temp\\log.txt", "0x12019f"),
    ("\\\\*\\C$", "Windows\\Temp\\log.txt", "0x2"),
    ("\\\\*\\IPC$", "updsvc", "0x12019f"),
    ("\\\\*\\IPC$", "updsvc-WKS01-4242-stdin", "0x120196"),
    ("\\\\*\\IPC$", "updsvc-WKS01-4242-stdout", "0x120089"),
    ("\\\\*\\IPC$", "updsvc-WKS01-4242-stderr", "0x120089"),
])
expect("5145 users", sorted({(e["SubjectUserName"], e["SubjectDomainName"]) for e in ev}),
       [("Administrator", "WORKGROUP")])
shares = [r["winlog"]["event_data"]["ShareName"] for r in recs
          if r["event_type"] == "winlog" and r["winlog"]["event_id"] == 5140]
expect("5140", shares, ["\\\\*\\ADMIN$", "\\\\*\\C$", "\\\\*\\IPC$"])
alerts = [r["alert"]["signature"] for r in recs if r["event_type"] == "alert" and "incident" not in r]
expect("seed alerts", alerts, ["Suspicious PsExec Execution"] * 3)
inc = [r["incident"] for r in recs if r["event_type"] == "incident"]
expect("incidents", len(inc), 1)
if inc:
    expect("tool", inc[0]["tool"], "psexec-renamed")
    f = [x for x in inc[0]["files"] if x["name"] == "\\updsvc.exe"]
    expect("binary", [(x["share"], x["size"], x["bytes_hashed"], x["sha256"], x["sha256_partial"]) for x in f],
           [("\\\\SRV\\ADMIN$", 768, 768, want_sha, False)])
for b in bad:
    print(b)
sys.exit(1 if bad else 0)
