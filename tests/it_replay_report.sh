#!/usr/bin/env bash
# it_replay_report.sh - `gatelab replay CAPTURE --report DIR` on a real capture
# (pcaps/real-b/port2121-inside.pcap: lftp against vsftpd on port 2121, whose
# AUTH TLS the proxy answers itself): titled by the capture, the capture's
# figures, one row per session with each mode's verdict and why, replay.json
# in the directory and linked, and the page rendered by headless Chromium.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_replay_report.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
CAP=pcaps/real-b/port2121-inside.pcap
R="$T/rep"

if "$GL" replay "$CAP" -q --ftp-port 2121 --report "$R" 2>"$T/err"; then
	pass "replay --report: exit 0"
else
	fail "replay --report: $(head -c 300 "$T/err")"
fi
H="$R/index.html"
if grep -q "<title>gatelab replay: $CAP</title>" "$H" && grep -q "<h1>gatelab replay: $CAP</h1>" "$H" &&
	! grep -q 'gatelab run: replay' "$H" "$R/report.md" &&
	head -1 "$R/report.md" | grep -qx "# gatelab replay: $CAP"; then
	pass "index.html and report.md are titled by the capture, not 'gatelab run: replay'"
else
	fail "titles: $(grep -o '<h1>.*</h1>' "$H"; head -1 "$R/report.md")"
fi
if [ -s "$R/replay.json" ] && jq -e '.capture.file and (.capture.sessions | length) == 1' \
	"$R/replay.json" >/dev/null && grep -q '<a href="replay.json">replay.json</a>' "$H" &&
	grep -q '(replay.json)' "$R/report.md"; then
	pass "replay.json is in the report directory and linked from both pages"
else
	fail "replay.json missing or not linked"
fi
if grep -q '<dt>frames</dt><dd>70 (70 TCP), 0 unreadable' "$H" &&
	grep -q '1 FTP session(s), 2 transfer(s), 2 complete in the capture' "$H" &&
	grep -q '<dt>lost or cut</dt>' "$H"; then
	pass "the capture: file, 70 frames, 1 session, 2 complete transfers, what was lost"
else
	fail "capture section: $(grep -A8 '<h2>Capture' "$H" | head -12)"
fi
# One row: the session's ends, and per mode the verdict the JSON carries, with its reason.
row=$(grep -A2 '^<tr><td>1</td>' "$H" | tr -d '\n')
want_direct=$(jq -r '.modes.direct.replay[0].reproduced' "$R/replay.json")
if grep -q '192.0.2.10:[0-9]* &rarr; 203.0.113.20:2121' <<<"$row" &&
	[ "$want_direct" = true ] &&
	grep -q 'v-ok"><b>reproduced</b>' <<<"$row" &&
	grep -q 'v-mid"><b>reproduced except by policy</b><br><small>command 2 (AUTH): AUTH TLS refused by the gateway&#39;s policy' <<<"$row" &&
	[ "$(grep -o '<th class="l">\(direct\|nat\|proxy\|fastpath\)</th>' "$H" | wc -l)" -eq 4 ]; then
	pass "sessions table: one row, a verdict column per mode, the proxy's difference and why"
else
	fail "sessions row: $row"
fi
grep -q '^| 1 | 192.0.2.10:[0-9]* -> 203.0.113.20:2121 | 13 | 2 | \*\*reproduced\*\* | \*\*reproduced\*\* | \*\*reproduced except by policy\*\*: command 2 (AUTH)' \
	"$R/report.md" && pass "report.md: the same row" || fail "report.md row: $(grep '^| 1 ' "$R/report.md")"

if command -v chromium >/dev/null; then
	prof=$(mktemp -d)
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --screenshot="$T/shot.png" --window-size=1280,1600 \
		"file://$(realpath "$H")" >/dev/null 2>&1
	rm -rf "$prof"
	if /usr/bin/python3 - "$T/shot.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert len(data) > 20000 and data[:8] == b"\x89PNG\r\n\x1a\n", len(data)
pos, idat, w, h = 8, b"", 0, 0
while pos < len(data):
    n, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if typ == b"IHDR":
        w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
        assert depth == 8 and ctype in (2, 6), (depth, ctype)
        bpp = 3 if ctype == 2 else 4
    elif typ == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = w * bpp + 1
# the verdict colours (green #1e7d32, red #c0392b) appear in the rendered rows
def px(y, x):
    return raw[y * stride + 1 + x * bpp:y * stride + 1 + x * bpp + 3]
seen = set()
for y in range(0, h, 2):
    for x in range(0, w, 2):
        seen.add(bytes(px(y, x)))
# filters make raw bytes differ from pixels: count distinct values as a liveness
# check, and require the page not to be blank
assert len(seen) > 50, len(seen)
PY
	then pass "headless Chromium renders the replay report (PNG, many colours)"
	else fail "screenshot missing or blank"; fi
else
	fail "chromium missing (make deps)"
fi

[ "$fails" -eq 0 ] && exit 0 || exit 1
