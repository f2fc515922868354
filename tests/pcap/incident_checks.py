"""Checks the incident records of one EVE file against what the sample is.

usage: incident_checks.py EVE SAMPLE   (SAMPLE: the capture's name without .pcap)
Exits 1 with one line per difference."""
import json
import sys

SAMPLES = {
    # sample: (tool, user, service, binary, flows)
    "psexec-default": ("psexec", "Administrator", "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", 1),
    "psexec-renamed": ("psexec-renamed", "Administrator", "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    "psexec-renamed-recut": ("psexec-renamed", "Administrator", "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    "psexec-renamed-pipes-open": ("psexec-renamed", "Administrator", None, None, 1),
    "nbss-port139": ("psexec-renamed", "Administrator", "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    "nonstandard-port-8445": ("psexec-renamed", "Administrator", "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    "midstream": ("psexec-renamed", None, "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    "smb1-nt1": ("psexec-renamed", "Administrator", "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    "paexec": ("paexec", "Administrator", "PAExec-4242-WKS01", "%SystemRoot%\\PAExec-4242-WKS01.exe", 1),
    "impacket-psexec": ("impacket-psexec", "Administrator", "lGFb", "%SystemRoot%\\AibNyyur.exe", 4),
    # against the project's own service control manager and task scheduler
    "smbexec": ("smbexec", "Administrator", "BTOBTO",
                "%COMSPEC% /Q /c echo cd  ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & "
                "%COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat", 1),
    "atexec": ("atexec", "Administrator", None, None, 1),
    "atexec-integrity": ("atexec", "Administrator", None, None, 1),
    "at-job": ("scheduled-task-exec", "Administrator", None, None, 1),
    "impacket-psexec-installed": ("impacket-psexec", "Administrator", "lGFb", "%SystemRoot%\\AibNyyur.exe", 4),
    "service-exists": ("psexec-renamed", "Administrator", "updsvc", "%SystemRoot%\\updsvc.exe", 1),
    # svcctl straight over TCP on the port ept_map named; the output file over SMB: two flows
    "svcctl-tcp-integrity": ("smbexec", "Administrator", "BTOBTO",
                             "%COMSPEC% /Q /c echo whoami ^> \\\\127.0.0.1\\C$\\__output 2^>^&1 > %TEMP%\\execute.bat & "
                             "%COMSPEC% /Q /c %TEMP%\\execute.bat & del %TEMP%\\execute.bat", 2),
    # sealed: smbexec from the calls' opnums and the output file, no service name or binary
    "svcctl-tcp-sealed": ("smbexec", "Administrator", None, None, 2),
    # not here yet: service-binpath-rewrite (no incident: a rewritten service is not attributed)
    # public captures of real runs (../shared/pcaps/real)
    # its svcctl goes sealed over TCP (ept_map, then the learnt port): that flow is the second
    "psexec-smb311-ntlm": ("psexec", "backdoor", None, None, 2),
    "psexec-smb21-kerberos": ("psexec", None, "PSEXESVC", "%SystemRoot%\\PSEXESVC.exe", 2),
    "impacket-psexec-445-139": ("impacket-psexec", "administrator", "SDfL", "%systemroot%\\HtCOoeYd.exe", 4),
    "winexe-smb1": ("winexe", "chewbacca", "winexesvc", "winexesvc.exe", 3),
}
BENIGN = {"benign-admin", "dialects", "smb3-encrypted", "smb30-encrypted", "smb311-compressed-smbghost"}

eve, sample = sys.argv[1], sys.argv[2]
incidents, alerts = [], []
for line in open(eve):
    r = json.loads(line)
    if r["event_type"] == "incident":
        incidents.append(r)
    elif r["event_type"] == "alert" and "incident" in r:
        alerts.append(r)
bad = []
if sample in BENIGN:
    if incidents or alerts:
        bad.append("benign sample: %d incident(s), %d incident alert(s)" % (len(incidents), len(alerts)))
elif sample in SAMPLES:
    tool, user, service, binary, flows = SAMPLES[sample]
    if len(incidents) != 1 or len(alerts) != 1:
        bad.append("%d incidents and %d incident alerts, want one of each" % (len(incidents), len(alerts)))
    for r in incidents[:1]:
        i = r["incident"]
        for key, want in (("tool", tool), ("user", user), ("service_name", service), ("binary_path", binary)):
            if i[key] != want:
                bad.append("%s: %r, want %r" % (key, i[key], want))
        if len(i["flows"]) != flows:
            bad.append("flows: %d, want %d" % (len(i["flows"]), flows))
        if (r["src_ip"], r["dest_ip"]) != (i["client"]["ip"], i["server"]["ip"]):
            bad.append("src_ip/dest_ip differ from client/server")
        if not i["evidence"]:
            bad.append("no evidence")
        for f in i["files"]:
            if f["bytes_written"] and not f["sha256"]:
                bad.append("file %s written without a hash" % f["name"])
    for a in alerts[:1]:
        if a["incident"]["tool"] != tool or tool.split("-")[0].lower() not in a["alert"]["signature"].lower():
            bad.append("alert does not name the tool: %s" % a["alert"]["signature"])
        if incidents and a["incident"]["id"] != incidents[0]["incident"]["id"]:
            bad.append("alert and incident ids differ")
for b in bad:
    print("%s: %s" % (sample, b))
if not bad:
    i = incidents[0]["incident"] if incidents else None
    print("%s: %s" % (sample, "%s, user %s, service %s, %d flow(s)" % (i["tool"], i["user"], i["service_name"],
                                                                          len(i["flows"])) if i else "no incident"))
sys.exit(1 if bad else 0)
