#!/bin/sh
# pipewatch report: one self-contained page from an EVE file, rendered by a
# real headless browser (Debian's chromium); its DOM must hold every incident
# of the samples with its tool, user and evidence, a timeline per target host,
# and the share and pipe tables; and the page asks for nothing from the network.
. tests/pcap/lib.sh
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
    # make test installs it (deps-test) when it can; missing as root means it could not be
    echo "chromium is not installed (make deps-test installs Debian's chromium)"
    exit 77
fi
# the tables come from the last stats record: impacket-psexec's
for s in smbexec benign-admin psexec-default psexec-renamed paexec impacket-psexec; do
    "$PW" -q -r "pcaps/$s.pcap" -o "$TMP/$s.json" || { echo "FAIL $s: exit $?"; exit 1; }
    cat "$TMP/$s.json" >>"$TMP/all.json"
done
# a value with markup in it (names on the wire are the client's to choose) stays text
printf '%s\n' '{"timestamp":"2026-11-29T03:21:45.000000+0000","event_type":"alert","src_ip":"10.99.0.9","dest_ip":"10.99.0.1","alert":{"signature":"</script><b id=\"injected\">x</b><!--"}}' >>"$TMP/all.json"
check "report written" "$PW" report "$TMP/all.json" -o "$TMP/report.html"
check "no network reference in the page" sh -c "! grep -Eiq '(src|href)=\"(https?:)?//|@import|url\\(' '$TMP/report.html'"
profile=$(mktemp -d "$TMP/chromium.XXXXXX")
timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --user-data-dir="$profile" --dump-dom "file://$TMP/report.html" \
    >"$TMP/dom.html" 2>"$TMP/chromium.err"
rc=$?
check "chromium rendered the page (exit $rc)" test "$rc" -eq 0 -a -s "$TMP/dom.html"
check "the DOM holds the incidents of the samples" python3 - "$TMP/all.json" "$TMP/dom.html" <<'PY'
import html.parser, json, sys
incidents = [json.loads(l)["incident"] for l in open(sys.argv[1]) if '"event_type":"incident"' in l]
dom = open(sys.argv[2]).read()

class P(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tools, self.hosts, self.rendered, self.evidence, self.stack = [], [], False, 0, []
        self.tables, self.cells = {}, []
        self.injected, self.markup_text = False, False
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id") == "injected":
            self.injected = True
        if tag == "body" and a.get("data-rendered") == "yes":
            self.rendered = True
        if tag == "details" and a.get("class") == "incident":
            self.tools.append(a.get("data-tool"))
        if tag == "section" and a.get("class") == "host":
            self.hosts.append(a.get("data-host"))
        if tag == "li" and a.get("class") == "evidence":
            self.evidence += 1
        if tag == "table" and a.get("class"):
            self.stack.append(a["class"])
            self.tables.setdefault(a["class"], [])
    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.stack.pop()
    def handle_data(self, d):
        if d == '</script><b id="injected">x</b><!--':
            self.markup_text = True
        if self.stack:
            self.tables[self.stack[-1]].append(d)

p = P()
p.feed(dom)
bad = []
if not p.rendered:
    bad.append("the page script did not run")
if sorted(p.tools) != sorted(i["tool"] for i in incidents) or len(incidents) != 5:
    bad.append("incidents in the DOM %s, in the EVE %s" % (p.tools, [i["tool"] for i in incidents]))
if p.injected:
    bad.append("markup from a record became an element of the page")
if not p.markup_text:
    bad.append("the record with markup is not shown as text")
if p.hosts != ["10.99.0.1"]:
    bad.append("host sections %s" % p.hosts)
if p.evidence != sum(len(i["evidence"]) for i in incidents):
    bad.append("%d evidence lines in the DOM" % p.evidence)
who = " ".join(p.tables.get("who", []))
for i in incidents:
    for want in (i["tool"], i["service_name"] or "", i["binary_path"] or ""):
        if want not in who:
            bad.append("who-executed table lacks %r" % want)
if "SRV\\Administrator" not in who:
    bad.append("who-executed table lacks the user")
if "\\\\SRV\\IPC$" not in " ".join(p.tables.get("shares", [])):
    bad.append("no share table")
if "RemCom_communicaton" not in " ".join(p.tables.get("pipes", [])):
    bad.append("no pipe table")
# smbexec reads its commands' output back from C$: the files read, apart from those written
read = [(f["share"], f["name"]) for i in incidents for f in i["files_read"]]
if not read or p.tables.get("files-read") != ["share", "name"] + [x for f in read for x in f]:
    bad.append("files-read table %s, the incidents read %s" % (p.tables.get("files-read"), read))
for b in bad:
    print(b)
if bad:
    sys.exit(1)
print("%d incidents (%s), %d evidence lines, share, pipe and files-read tables" % (len(p.tools), ", ".join(p.tools), p.evidence))
PY
"$PW" report "$TMP/nothing.json" -o "$TMP/x.html" 2>"$TMP/err"
rc=$?
check "unreadable input: exit 3 and the file named" sh -c "[ $rc -eq 3 ] && grep -q 'nothing.json' '$TMP/err'"
finish
