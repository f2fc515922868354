#!/bin/sh
# gzip'd captures (.pcap.gz, .pcapng.gz, known by their magic 1f 8b, not by
# their name) read as the plain capture is: the same EVE byte for byte, alone,
# inside -r DIR and on standard input, in bounded memory; a cut or corrupt gzip gives one line
# naming the file and what is wrong, the events before it and exit 1, as any
# damaged capture.
. tests/pcap/lib.sh
command -v gzip >/dev/null || { echo "gzip is missing"; exit 77; }

same() { # same NAME A B: files A and B are byte-identical and not empty
    if [ -s "$2" ] && cmp -s "$2" "$3"; then
        echo "ok   $1 ($(grep -c . "$2") records)"
    else
        echo "FAIL $1: $2 and $3 differ or are empty"
        fails=$((fails + 1))
    fi
}

expect() { # expect NAME STATUS PATTERN CMD…: exit STATUS, one stderr line matching PATTERN (grep -E)
    name=$1 want=$2 pat=$3
    shift 3
    "$@" >"$TMP/stdout" 2>"$TMP/stderr"
    got=$?
    if [ "$got" -ne "$want" ] || ! grep -Eq "$pat" "$TMP/stderr" || [ "$(grep -c . "$TMP/stderr")" -ne 1 ]; then
        echo "FAIL $name: exit $got (expected $want), stderr: $(cat "$TMP/stderr")"
        fails=$((fails + 1))
    else
        echo "ok   $name: $(cat "$TMP/stderr")"
    fi
}

# Every bundled sample, gzip'd: the EVE of the plain capture, byte for byte.
for p in pcaps/*.pcap; do
    b=$(basename "$p" .pcap)
    gzip -c "$p" >"$TMP/$b.pcap.gz"
    "$PW" -q -r "$p" -o "$TMP/$b.plain.json" || echo "note: $p exits $?"
    "$PW" -q -r "$TMP/$b.pcap.gz" -o "$TMP/$b.gz.json"
    same "$b.pcap.gz gives the EVE of $b.pcap" "$TMP/$b.plain.json" "$TMP/$b.gz.json"
done

S=psexec-renamed
# Known by its magic, whatever its name.
cp "$TMP/$S.pcap.gz" "$TMP/misnamed.pcap"
"$PW" -q -r "$TMP/misnamed.pcap" -o "$TMP/misnamed.json"
same "a gzip named .pcap is read as gzip" "$TMP/$S.plain.json" "$TMP/misnamed.json"

# pcapng inside gzip (the libpcap path) agrees with the same pcapng plain.
if command -v editcap >/dev/null; then
    editcap -F pcapng "pcaps/$S.pcap" "$TMP/$S.pcapng"
    gzip -c "$TMP/$S.pcapng" >"$TMP/$S.pcapng.gz"
    "$PW" -q -r "$TMP/$S.pcapng" -o "$TMP/ng.plain.json"
    "$PW" -q -r "$TMP/$S.pcapng.gz" -o "$TMP/ng.gz.json"
    same "$S.pcapng.gz gives the EVE of $S.pcapng" "$TMP/ng.plain.json" "$TMP/ng.gz.json"
    same "pcapng and pcap give the same EVE" "$TMP/$S.plain.json" "$TMP/ng.plain.json"
else
    echo "note: editcap missing, pcapng.gz not checked"
fi

# Standard input, gzip'd or not (its first two bytes decide): the same EVE.
"$PW" -q -r - -o "$TMP/stdin.gz.json" <"$TMP/$S.pcap.gz"
same "a gzip'd capture on standard input" "$TMP/$S.plain.json" "$TMP/stdin.gz.json"
cat "pcaps/$S.pcap" | "$PW" -q -r - -o "$TMP/stdin.json"
same "a plain capture piped to standard input" "$TMP/$S.plain.json" "$TMP/stdin.json"
expect "empty standard input" 3 "^pipewatch: -: not a readable pcap or pcapng capture: truncated dump file; tried to read 4 file header bytes, only got 0$" \
    "$PW" -q -r - -o "$TMP/x.json" </dev/null

# Inside a directory, beside a plain capture: as the files one by one.
mkdir "$TMP/dir"
cp "$TMP/$S.pcap.gz" "$TMP/dir/1-$S.pcap.gz"
cp pcaps/paexec.pcap "$TMP/dir/2-paexec.pcap"
"$PW" -q -r "$TMP/dir" -o "$TMP/dir.json"
"$PW" -q -r "pcaps/$S.pcap" -r pcaps/paexec.pcap -o "$TMP/files.json"
same "-r DIR with a .pcap.gz reads it as its plain capture" "$TMP/files.json" "$TMP/dir.json"

# With a capture filter and with two workers: the same as the plain capture.
"$PW" -q -f "tcp port 445" -r "pcaps/$S.pcap" -o "$TMP/f.plain.json"
"$PW" -q -f "tcp port 445" -r "$TMP/$S.pcap.gz" -o "$TMP/f.gz.json"
same "a capture filter on a gzip'd capture" "$TMP/f.plain.json" "$TMP/f.gz.json"
"$PW" -q --workers 2 -r "$TMP/$S.pcap.gz" -o "$TMP/w.json"
sort "$TMP/w.json" >"$TMP/w.sorted"
sort "$TMP/$S.plain.json" >"$TMP/p.sorted"
same "--workers 2 on a gzip'd capture (records as a set)" "$TMP/p.sorted" "$TMP/w.sorted"

# Cut short: exit 1, one line naming the file, the events before the cut kept
# (those equal the full run's first ones; requests the cut left unanswered come
# at the end, as for a cut plain capture).
size=$(wc -c <"$TMP/$S.pcap.gz")
head -c $((size / 2)) "$TMP/$S.pcap.gz" >"$TMP/cut.pcap.gz"
"$PW" -q -r "pcaps/$S.pcap" --types smb -o "$TMP/full.json"
expect "truncated gzip" 1 \
    "^pipewatch: .*cut.pcap.gz: capture damaged after packet [0-9]+: gzip stream cut short: unexpected end of file after $((size / 2)) compressed bytes \\([0-9]+ bytes of capture\\)$" \
    "$PW" -q -r "$TMP/cut.pcap.gz" --types smb -o "$TMP/cut.json"
awk '{ l[NR] = $0 } END { n = NR; while (n > 0 && l[n] ~ /"status":"NO_RESPONSE"|"response":"UNREPLIED"/) n--; for (i = 1; i <= n; i++) print l[i] }' \
    "$TMP/cut.json" >"$TMP/cut-answered.json"
full=$(grep -c . "$TMP/full.json")
cut=$(grep -c . "$TMP/cut-answered.json")
if [ "$cut" -gt 0 ] && [ "$cut" -lt "$full" ] && head -n "$cut" "$TMP/full.json" | cmp -s - "$TMP/cut-answered.json"; then
    echo "ok   truncated gzip keeps the $cut events before the cut (of $full)"
else
    echo "FAIL truncated gzip: $cut events kept of $full, or they differ from the full run's first ones"
    fails=$((fails + 1))
fi

# Corrupt deflate data in the middle: exit 1, zlib's reason, events before it kept.
python3 - "$TMP/$S.pcap.gz" "$TMP/bad.pcap.gz" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[len(d) // 3] ^= 0xff
open(sys.argv[2], "wb").write(d)
PY
expect "corrupt gzip" 1 "^pipewatch: .*bad.pcap.gz: capture damaged after packet [0-9]+: gzip data corrupt: .+ after [0-9]+ compressed bytes" \
    "$PW" -q -r "$TMP/bad.pcap.gz" -o "$TMP/bad.json"
# A wrong CRC in the trailer: every packet was read, the fault still said.
python3 - "$TMP/$S.pcap.gz" "$TMP/crc.pcap.gz" <<'PY'
import sys
d = bytearray(open(sys.argv[1], "rb").read())
d[-6] ^= 0xff
open(sys.argv[2], "wb").write(d)
PY
expect "gzip with a wrong CRC" 1 "^pipewatch: .*crc.pcap.gz: capture damaged after packet [0-9]+: gzip data corrupt: incorrect data check" \
    "$PW" -q -r "$TMP/crc.pcap.gz" -o "$TMP/crc.json"
same "a wrong CRC keeps every event" "$TMP/$S.plain.json" "$TMP/crc.json"

# Nothing readable: exit 3.
head -c 12 "$TMP/$S.pcap.gz" >"$TMP/stub.pcap.gz"
expect "gzip cut in its header" 3 "^pipewatch: .*stub.pcap.gz: not a readable gzip'd capture: gzip stream cut short: unexpected end of file" \
    "$PW" -q -r "$TMP/stub.pcap.gz" -o "$TMP/x.json"
printf 'not a capture at all\n' | gzip >"$TMP/text.gz"
expect "gzip'd text" 3 "^pipewatch: .*text.gz: not a readable pcap or pcapng capture: .*\\(gzip'd\\)$" \
    "$PW" -q -r "$TMP/text.gz" -o "$TMP/x.json"
expect "--follow on a gzip'd capture" 2 "^pipewatch: --follow: .*$S.pcap.gz is read through libpcap \\(pcapng, gzip'd" \
    "$PW" -q --follow -r "$TMP/$S.pcap.gz" -o "$TMP/x.json"

# Memory: a gzip'd capture costs what the plain one does, however large
# (inflate's window and one 64 KB buffer, never the file).
R="$TOOLS/pcap-replicate"
if [ -x "$R" ] && [ -x /usr/bin/time ]; then
    "$R" -k 1500 -g 50 "pcaps/$S.pcap" "$TMP/big.pcap" >/dev/null
    gzip -1 -c "$TMP/big.pcap" >"$TMP/big.pcap.gz"
    /usr/bin/time -f %M -o "$TMP/rss.plain" "$PW" -q -r "$TMP/big.pcap" -o "$TMP/big.plain.json"
    /usr/bin/time -f %M -o "$TMP/rss.gz" "$PW" -q -r "$TMP/big.pcap.gz" -o "$TMP/big.gz.json"
    same "a $(($(wc -c <"$TMP/big.pcap") >> 20)) MB capture gzip'd gives its EVE" "$TMP/big.plain.json" "$TMP/big.gz.json"
    plain=$(tail -n 1 "$TMP/rss.plain") gz=$(tail -n 1 "$TMP/rss.gz")
    if [ "$gz" -le $((plain + 16384)) ]; then
        echo "ok   gzip'd read in bounded memory: max RSS $gz KB (plain, mapped: $plain KB)"
    else
        echo "FAIL gzip'd read: max RSS $gz KB, plain $plain KB"
        fails=$((fails + 1))
    fi
else
    echo "note: $R or /usr/bin/time missing, memory not checked"
fi
finish
