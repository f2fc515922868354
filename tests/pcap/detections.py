#!/usr/bin/env python3
"""What each capture must give: alerts per rule, and the 5145 fields Windows
logged for the same kind of run.

usage: detections.py PIPEWATCH SHARED_REAL_DIR   (exit 0 when every check holds)
"""
import collections
import json
import os
import subprocess
import sys
import tempfile

SEED = "Suspicious PsExec Execution"
PAEXEC = "PAExec Remote Execution With Default Names"
REMCOM = "RemCom Or Impacket psexec.py Named Pipes"
WINEXE = "Winexe Named Pipes"
PSEXEC = "Sysinternals PsExec With Default Service Name"
RANDOM_BIN = "Service Installed With A Random Eight-Letter Binary In SystemRoot"
PATH_REWRITE = "Service Binary Path Rewritten Over The Network"
SHELL_TO_SHARE = "Service Installed Over The Network Running A Shell With Output To A Share"
TASK_TO_TEMP = "Scheduled Task Registered Over The Network Running A Shell With Output To Windows Temp"
SMBEXEC_PATH = ("%%COMSPEC%% /Q /c echo %s ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %%TEMP%%\\execute.bat & "
                "%%COMSPEC%% /Q /c %%TEMP%%\\execute.bat & del %%TEMP%%\\execute.bat")
RENAMED = ["updsvc-WKS01-4242-stdin", "updsvc-WKS01-4242-stdout", "updsvc-WKS01-4242-stderr"]

# capture -> {rule title: [RelativeTargetName (5145), ImagePath (7045), TaskName (4698) or BinaryPath (svcctl)
# of each alert]}; every other rule: no alert.
BUNDLED = {
    "psexec-renamed": {SEED: RENAMED},
    "psexec-renamed-pipes-open": {SEED: RENAMED},
    "psexec-renamed-recut": {SEED: RENAMED},
    "midstream": {SEED: RENAMED},
    "nbss-port139": {SEED: RENAMED},
    "nonstandard-port-8445": {SEED: RENAMED},
    "smb1-nt1": {SEED: RENAMED},
    # a CREATE that makes a file gives two 5145, as on Windows: the service file twice
    "psexec-default": {PSEXEC: ["PSEXESVC.exe", "PSEXESVC.exe", "PSEXESVC", "PSEXESVC-WKS01-4242-stdin",
                                "PSEXESVC-WKS01-4242-stdout", "PSEXESVC-WKS01-4242-stderr"]},
    "paexec": {PAEXEC: ["PAExec-4242-WKS01.exe", "PAExec-4242-WKS01.exe", "PAExecInWKS014242", "PAExecOutWKS014242",
                        "PAExecErrWKS014242"]},
    "impacket-psexec": {REMCOM: ["RemCom_communicaton", "RemCom_stdinEkjK4242", "RemCom_stdoutEkjK4242",
                                 "RemCom_stderrEkjK4242"]},
    "benign-admin": {},
    "dialects": {},
    "smb3-encrypted": {},
    # the project's own service control manager and task scheduler behind impacket's SMB server
    "smbexec": {SHELL_TO_SHARE: [SMBEXEC_PATH % "cd ", SMBEXEC_PATH % "whoami"]},
    "atexec": {},  # sealed: no 4698 to match
    "atexec-integrity": {TASK_TO_TEMP: ["\\WrKcqOxj"]},
    "at-job": {},
    "impacket-psexec-installed": {RANDOM_BIN: ["%SystemRoot%\\AibNyyur.exe"],
                                  REMCOM: ["RemCom_communicaton", "RemCom_stdinEkjK4242", "RemCom_stdoutEkjK4242",
                                           "RemCom_stderrEkjK4242"]},
    "service-exists": {SEED: RENAMED},
    # the rewrite to a command line, then the restore of the old path
    "service-binpath-rewrite": {PATH_REWRITE: ["C:\\Windows\\System32\\cmd.exe /c C:\\Windows\\Temp\\upd.exe",
                                               "C:\\Windows\\system32\\svchost.exe -k netsvcs -p"]},
    # svcctl straight over TCP, on the port ept_map named: the same 7045 as through a pipe
    "svcctl-tcp-integrity": {SHELL_TO_SHARE: [SMBEXEC_PATH % "whoami"]},
    "svcctl-tcp-sealed": {},  # sealed: no 7045 to match
}
REAL = {
    "psexec-smb311-ntlm.pcapng": {PSEXEC: ["PSEXESVC.exe", "PSEXESVC.exe", "PSEXESVC", "PSEXESVC-02694W-WIN10-13272-stdin",
                                           "PSEXESVC-02694W-WIN10-13272-stdout",
                                           "PSEXESVC-02694W-WIN10-13272-stderr"]},
    # the first PSEXESVC.exe CREATE makes the file (two 5145), the last one opens it
    "psexec-smb21-kerberos.pcap": {PSEXEC: ["PSEXESVC.exe", "PSEXESVC.exe", "PSEXESVC", "PSEXESVC-VICTIM-PC-2412-stdin",
                                            "PSEXESVC-VICTIM-PC-2412-stdout", "PSEXESVC-VICTIM-PC-2412-stderr",
                                            "PSEXESVC.exe"]},
    "impacket-psexec-445-139.pcap": {REMCOM: ["RemCom_communicaton", "RemCom_stdinKKiq6792",
                                              "RemCom_stdoutKKiq6792", "RemCom_stderrKKiq6792"],
                                     RANDOM_BIN: ["%systemroot%\\HtCOoeYd.exe"]},
    # ahexec twice: one open refused (0xc0000034), one granted; then the three stdio pipes.
    "winexe-smb1.pcap": {WINEXE: ["ahexec", "ahexec", "ahexec_stdin064C0001", "ahexec_stdout064C0001",
                                  "ahexec_stderr064C0001"]},
    "smb30-encrypted.pcap": {},
    "smbexec-svcctl.pcapng": {},
    # the rewrite to a shell, then its restore (SCShell); both unanswered in this one-way capture
    "svcctl-changeserviceconfig-oneway.pcap": {PATH_REWRITE: [
        "c:\\windows\\system32\\cmd.exe /c powershell -exec bypass -nop -e Y2FsYy5leGU=",
        "C:\\Windows\\system32\\svchost.exe -k netsvcs"]},
    "smb311-compressed-smbghost.pcapng": {},
}

# What Windows wrote for the same PsExec run (../shared/evtx): mask, and AccessList codes.
WIN_ACCESS = {
    "0x12019f": "%%1538 %%1541 %%4416 %%4417 %%4418 %%4419 %%4420 %%4423 %%4424",
    "0x120196": "%%1538 %%1541 %%4417 %%4418 %%4420 %%4423 %%4424",
    "0x120089": "%%1538 %%1541 %%4416 %%4419 %%4423",
}

failures = []


def run(pw, pcap):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        subprocess.run([pw, "-q", "-r", pcap, "-o", out.name], check=True)
        return [json.loads(line) for line in open(out.name)]


def check_alerts(name, recs, want):
    got = collections.defaultdict(list)
    for r in recs:
        # an incident's own alert (no winlog) is checked by test_incidents.sh
        if r["event_type"] == "alert" and "incident" not in r:
            if "winlog" in r:
                d = r["winlog"]["event_data"]
                got[r["alert"]["signature"]].append(d.get("RelativeTargetName", d.get("ImagePath", d.get("TaskName"))))
            else:  # pipewatch's own svcctl view: the call's smb record
                got[r["alert"]["signature"]].append(r["smb"]["service"]["binary_path"])
    if {k: sorted(v) for k, v in got.items()} != {k: sorted(v) for k, v in want.items()}:
        failures.append("%s: alerts %s, expected %s" % (name, dict(got), want))
    else:
        print("ok   %s: %s" % (name, {k: len(v) for k, v in want.items()} or "no alert"))


def check_psexec_5145(recs):
    ev = {}
    for r in recs:
        if r["event_type"] == "winlog" and r["winlog"]["event_id"] == 5145:
            d = r["winlog"]["event_data"]
            ev[d["RelativeTargetName"]] = d
    want = {"PSEXESVC": "0x12019f", "PSEXESVC-02694W-WIN10-13272-stdin": "0x120196",
            "PSEXESVC-02694W-WIN10-13272-stdout": "0x120089", "PSEXESVC-02694W-WIN10-13272-stderr": "0x120089"}
    for name, mask in want.items():
        d = ev.get(name)
        if not d:
            failures.append("psexec-smb311-ntlm: no 5145 for %s" % name)
            continue
        problems = []
        if d["AccessMask"] != mask:
            problems.append("AccessMask %s != %s" % (d["AccessMask"], mask))
        if " ".join(d["AccessList"].split()) != WIN_ACCESS[mask]:
            problems.append("AccessList %r" % d["AccessList"])
        if d["ShareName"] != "\\\\*\\IPC$":
            problems.append("ShareName %s" % d["ShareName"])
        if (d["SubjectUserName"], d["SubjectDomainName"]) != ("backdoor", "3B"):
            problems.append("user %s\\%s" % (d["SubjectDomainName"], d["SubjectUserName"]))
        if problems:
            failures.append("psexec-smb311-ntlm %s: %s" % (name, "; ".join(problems)))
        else:
            print("ok   psexec-smb311-ntlm 5145 %s: %s %s, 3B\\backdoor, \\\\*\\IPC$" % (name, mask, WIN_ACCESS[mask]))


def main():
    pw, real = sys.argv[1], sys.argv[2]
    for name, want in BUNDLED.items():
        recs = run(pw, "pcaps/%s.pcap" % name)
        check_alerts(name, recs, want)
        # The final stats record carries the same alerts by rule as the summary.
        stats = [r["stats"] for r in recs if r["event_type"] == "stats"][-1]
        by_rule = {a["signature"]: a["alerts"] for a in stats.get("alerts_by_rule", [])}
        if by_rule != {k: len(v) for k, v in want.items()}:
            failures.append("%s: stats alerts_by_rule %s" % (name, by_rule))
    if os.path.isdir(real):
        for name, want in REAL.items():
            recs = run(pw, os.path.join(real, name))
            check_alerts(name, recs, want)
            if name == "psexec-smb311-ntlm.pcapng":
                check_psexec_5145(recs)
    else:
        print("%s not found: the public captures were not checked" % real)
    for f in failures:
        print("FAIL " + f)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
