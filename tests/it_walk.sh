#!/usr/bin/env bash
# it_walk.sh - `gatelab run --walkthrough` end to end on scenarios/teach.yaml cut to
# 1 MB: the page (self-contained, offline), bad --session values, the pcapng
# comments read back by tshark, and a headless Chromium driven through the DevTools
# protocol (tests/walk_cdp.py): keys to the PORT step, the table, screenshots, print.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
cpid=""
cleanup() {
	if [ -n "$cpid" ]; then kill "$cpid" 2>/dev/null; wait "$cpid" 2>/dev/null; fi
	rm -rf "$tmp"
}
trap cleanup EXIT

sed 's/size: 20MB/size: 1MB/' scenarios/teach.yaml >"$tmp/teach.yaml"
W="$tmp/walk"
P="$tmp/pcap"
if "$GL" run "$tmp/teach.yaml" --walkthrough "$W" --pcap "$P" >"$tmp/out" 2>"$tmp/err"; then
	pass "run --walkthrough --pcap: exit 0"
else
	fail "run --walkthrough: $(head -c 400 "$tmp/err")"
fi
H="$W/walkthrough.html"
if [ -s "$H" ] && grep -q "^walk-through: $W/walkthrough.html" "$tmp/out"; then
	pass "walkthrough.html written and announced"
else
	fail "no walkthrough.html: $(cat "$tmp/out")"
fi
if ls "$W" | grep -q '\.part$'; then fail "a temp file was left"; else pass "no temp file left"; fi
refs=$(grep -oE '(https?:)?//[a-zA-Z0-9.-]+\.[a-z]{2,}[^"'"'"' )<>]*' "$H" | grep -vE '^http://www\.w3\.org/2000/svg$' | sort -u)
if [ -z "$refs" ] && ! grep -qiE '<(link|img|iframe)[^>]*(href|src)=|<script[^>]*src=' "$H"; then
	pass "the page references nothing outside itself"
else
	fail "network references: $refs"
fi
if grep -q '@media print' "$H" && grep -q 'id="walk-data" type="application/json"' "$H"; then
	pass "the page carries its data and a print layout"
else
	fail "walk-data or @media print missing"
fi
# The data as the page reads it: every mode, PORT lines on both links in nat.
if /usr/bin/python3 - "$H" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
data = json.loads(re.search(r'<script id="walk-data" type="application/json">(.*?)</script>', html, re.S).group(1))
modes = {m["mode"]: m for m in data["modes"]}
assert list(modes) == ["direct", "nat", "proxy", "fastpath"], list(modes)
assert data["session"] == 1 and "PORT" in data["desc"], data["desc"]
nat = [s for s in modes["nat"]["steps"] if s["in"] and (s["in"]["text"] or "").startswith("PORT ")]
assert len(nat) == 1 and nat[0]["out"]["text"].startswith("PORT 203,0,113,1,"), nat
assert nat[0]["edits"] == 1 and nat[0]["len_delta"] == len(nat[0]["out"]["text"]) - len(nat[0]["in"]["text"])
fp = modes["fastpath"]
assert any(s["kind"] == "api" and s["api"].startswith("natapi_redirect_session") for s in fp["steps"])
data_steps = [s for s in fp["steps"] if s["kind"] == "packet" and not s["control"] and s["in"] and s["in"]["len"]]
assert data_steps and all(s["path"] == "fast" for s in data_steps), data_steps[:2]
assert fp["steps"][-1]["transitions"] <= fp["transitions"]
px = modes["proxy"]
assert px["bytes_copied"] > 2 * 1000000, px["bytes_copied"]
assert sum(s["hidden"] for s in fp["steps"]) + fp["hidden_tail"] + sum(1 for s in fp["steps"] if s["kind"] == "packet") == fp["packets"]
PY
then pass "the embedded data: PORT rewritten in nat, redirect_session and fast data in fastpath, every packet counted"
else fail "embedded data"; fi

# Bad --session: usage error, nothing written.
if "$GL" run "$tmp/teach.yaml" -q --walkthrough "$tmp/w9" --session 9 >/dev/null 2>"$tmp/e9"; then
	fail "--session 9 accepted"
else
	rc=$?
	if [ $rc -eq 2 ] && grep -q 'session 9: the scenario has 3 session' "$tmp/e9" && [ ! -e "$tmp/w9/walkthrough.html" ]; then
		pass "--session 9 of 3: exit 2, clear error, no page"
	else
		fail "--session 9: exit $rc $(cat "$tmp/e9")"
	fi
fi
if "$GL" run "$tmp/teach.yaml" -q --walkthrough "$tmp/w0" --session 0 >/dev/null 2>"$tmp/e0"; then
	fail "--session 0 accepted"
elif grep -q "session '0' is not a session number" "$tmp/e0"; then
	pass "--session 0: usage error"
else
	fail "--session 0: $(cat "$tmp/e0")"
fi
if "$GL" run "$tmp/teach.yaml" -q --session 2 >/dev/null 2>"$tmp/es"; then
	fail "--session without --walkthrough accepted"
elif [ $? -eq 2 ] && grep -q 'give --walkthrough DIR' "$tmp/es"; then
	pass "--session without --walkthrough: usage error"
else
	fail "--session alone: $(cat "$tmp/es")"
fi
# Session 2 is passive: the server's 227 names its own, public address, so the
# kernel passes it unchanged (nothing to rewrite for a NAT on the client's side).
if "$GL" run "$tmp/teach.yaml" -q --modes nat --walkthrough "$tmp/w2" --session 2 >/dev/null 2>&1 &&
   /usr/bin/python3 - "$tmp/w2/walkthrough.html" <<'PY'
import json, re, sys
html = open(sys.argv[1]).read()
data = json.loads(re.search(r'<script id="walk-data" type="application/json">(.*?)</script>', html, re.S).group(1))
assert [m["mode"] for m in data["modes"]] == ["nat"]
st = [s for s in data["modes"][0]["steps"] if s["out"] and (s["out"]["text"] or "").startswith("227 ")]
assert st and st[0]["edits"] == 0 and st[0]["in"]["text"] == st[0]["out"]["text"], st
assert "198,51,100,20" in st[0]["out"]["text"], st
PY
then pass "--session 2 --modes nat: the 227 reply passes unchanged in the passive session's walk"
else fail "--session 2 walk"; fi

# The lesson's claim (make demo): at 10 Gbit/s the proxy path keeps the gateway's CPU
# busy for the whole big download and is slower; the fast path leaves it idle part
# of the time. Busy share = CPU charged during the transfer / the transfer's duration.
if "$GL" run scenarios/teach.yaml -q --modes proxy,fastpath --json "$tmp/teach.json" 2>"$tmp/et" &&
   /usr/bin/python3 - "$tmp/teach.json" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["modes"]
big = {k: [x for x in m[k]["transfers"] if x["command"] == "RETR /pub/big.bin"][0] for k in ("proxy", "fastpath")}
busy = {k: m[k]["gateway_cpu_s"] / big[k]["duration_s"] for k in big}
print("  busy share", {k: round(v, 2) for k, v in busy.items()},
      "Mbit/s", {k: round(big[k]["throughput_bps"] / 1e6) for k in big})
assert busy["proxy"] > 0.9 and busy["fastpath"] < 0.9, busy
assert big["fastpath"]["throughput_bps"] > 1.5 * big["proxy"]["throughput_bps"], big
PY
then pass "teach.yaml: the proxy path saturates the gateway's CPU, the fast path does not and is faster"
else fail "teach.yaml's lesson: $(cat "$tmp/et")"; fi

# pcapng comments, read back by tshark.
comments() { tshark -r "$1" -Y frame.comment -T fields -e frame.comment 2>/dev/null; }
if command -v tshark >/dev/null; then
	for f in walk-nat-inside walk-nat-outside walk-fastpath-inside walk-fastpath-outside walk-proxy-inside; do
		if [ -s "$P/$f.pcapng" ] && tshark -r "$P/$f.pcapng" -c 1 >/dev/null 2>"$tmp/ts"; then :; else
			fail "$f.pcapng unreadable: $(cat "$tmp/ts")"; fi
	done
	comments "$P/walk-nat-inside.pcapng" >"$tmp/c-nat-in"
	if grep -q '^mapping 1 created$' "$tmp/c-nat-in" &&
	   grep -qE '^PORT 192,0,2,10,[0-9]+,[0-9]+ rewritten to PORT 203,0,113,1,[0-9]+,[0-9]+, seq \+[0-9]+$' "$tmp/c-nat-in" &&
	   comments "$P/walk-nat-outside.pcapng" | grep -qE '^mapping [0-9]+ created; redirect [0-9]+ consumed'; then
		pass "tshark reads the nat comments: mapping created, PORT rewritten with its seq delta, redirect consumed"
	else
		fail "nat comments: $(sort "$tmp/c-nat-in" | uniq -c | head -8)"
	fi
	if comments "$P/walk-fastpath-inside.pcapng" | grep -q 'delivered to the proxy (user mode)' &&
	   comments "$P/walk-fastpath-inside.pcapng" | grep -q 'written by the proxy (user mode)' &&
	   comments "$P/walk-fastpath-inside.pcapng" | grep -q '^fast path: mapping'; then
		pass "fastpath comments: control up to the proxy and down, data on the fast path"
	else
		fail "fastpath comments: $(comments "$P/walk-fastpath-inside.pcapng" | sort | uniq -c | head)"
	fi
	# Every packet of the link is there (comment or not): as many as the main run's? No:
	# the walk runs session 1 alone; its inside capture holds its PORT exactly once.
	n=$(tshark -r "$P/walk-nat-inside.pcapng" -Y 'ftp.request.command == "PORT"' 2>/dev/null | wc -l)
	if [ "$n" -eq 1 ]; then pass "the inside capture holds the session's one PORT"; else fail "PORT packets: $n"; fi
else
	fail "tshark missing (make deps)"
fi

# A real browser, driven through the DevTools protocol.
if command -v chromium >/dev/null; then
	prof="$tmp/prof"
	mkdir -p "$prof" "$tmp/shots"
	chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--remote-debugging-address=127.0.0.1 --remote-debugging-port=0 \
		--user-data-dir="$prof" --window-size=1280,720 \
		"file://$(realpath "$H")" >"$tmp/chromium.log" 2>&1 &
	cpid=$!
	if timeout 120 /usr/bin/python3 tests/walk_cdp.py "$prof" "$tmp/shots" >"$tmp/cdp" 2>&1; then
		pass "headless Chromium: $(grep -c '^PASS' "$tmp/cdp") checks through the DevTools protocol"
	else
		fail "headless Chromium: $(grep -v '^PASS' "$tmp/cdp" | head -12)"
	fi
	kill "$cpid" 2>/dev/null
	wait "$cpid" 2>/dev/null
	cpid=""
	if [ -n "${WALK_SHOTS:-}" ]; then mkdir -p "$WALK_SHOTS" && cp "$tmp"/shots/*.png "$WALK_SHOTS"/; fi
else
	fail "chromium missing (make deps)"
fi

if [ "$fails" -eq 0 ]; then exit 0; fi
exit 1
