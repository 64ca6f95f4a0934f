#!/usr/bin/env bash
# it_report.sh - `gatelab run --report` and `gatelab report` end to end on a
# scaled-down basic scenario: every output there and well-formed, no network
# references, the same bytes re-rendered, the JSON schema, a real browser.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# basic.yaml with 2 MB and 300 kB files (two sizes: the size plot appears).
sed -e 's/^name: basic/name: "small <\&> report"/' \
    -e 's|      - {path: /pub/big.bin, size: 100MB}|      - {path: /pub/big.bin, size: 2MB}\n      - {path: /pub/small.bin, size: 300kB}|' \
    -e 's|      - RETR /pub/big.bin|      - RETR /pub/big.bin\n      - RETR /pub/small.bin|' \
    scenarios/basic.yaml >"$tmp/small.yaml"

R="$tmp/rep"
if "$GL" run "$tmp/small.yaml" --report "$R" --trace --trace-limit 40 >"$tmp/out" 2>"$tmp/err"; then
	pass "run --report --trace: exit 0"
else
	fail "run --report: $(head -c 400 "$tmp/err")"
fi
files="index.html report.md metrics.json metrics.csv topology.svg path-direct.svg path-nat.svg
       path-proxy.svg path-fastpath.svg plot-transitions.svg plot-copied.svg plot-throughput.svg
       plot-cpu.svg plot-size.svg trace.md trace.svg walkthrough.html"
missing=""
for f in $files; do [ -s "$R/$f" ] || missing="$missing $f"; done
if [ -z "$missing" ]; then pass "every report file exists and is non-empty"; else fail "missing or empty:$missing"; fi
if ls "$tmp" | grep -q '\.tmp\.'; then fail "a temp directory was left beside the report"; else pass "no temp directory left"; fi

bad=""
for f in "$R"/*.svg; do xmllint --noout "$f" 2>>"$tmp/xml" || bad="$bad $(basename "$f")"; done
if [ -z "$bad" ]; then pass "every SVG is well-formed XML"; else fail "malformed SVG:$bad $(head -c 300 "$tmp/xml")"; fi

refs=$(grep -oE 'https?://[^"'"'"' )<>]*' "$R/index.html" | grep -vE '^http://www\.w3\.org/(2000/svg|1999/xlink)$' | sort -u)
if [ -z "$refs" ]; then pass "index.html references nothing on the network (xmlns only)"; else fail "network references: $refs"; fi
if grep -q '<svg' "$R/index.html" && ! grep -q '<?xml' "$R/index.html" && ! grep -qi '<!DOCTYPE svg' "$R/index.html"; then
	pass "SVGs inlined without XML prolog or DOCTYPE"
else
	fail "inlined SVGs wrong"
fi
if grep -q 'small &lt;&amp;&gt; report' "$R/index.html" && ! grep -q 'small <&> report' "$R/index.html"; then
	pass "the scenario name is HTML-escaped"
else
	fail "scenario name not escaped in index.html"
fi
if grep -q '^| proxy | ' "$R/report.md" && grep -q '^- \*\*transitions\*\*' "$R/report.md"; then
	pass "report.md has the summary table and the column legend"
else
	fail "report.md: $(head -c 300 "$R/report.md")"
fi
if [ "$(wc -l <"$R/metrics.csv")" -eq 5 ] && head -1 "$R/metrics.csv" | grep -q '^scenario,seed,mode,transitions,'; then
	pass "metrics.csv: header and one row per mode"
else
	fail "metrics.csv: $(cat "$R/metrics.csv")"
fi
if grep -q 'LOCAL up to user mode' "$tmp/out" && grep -q 'FORWARD in the kernel' "$tmp/out" &&
   grep -q 'mapping #' "$tmp/out" && grep -Eq '^trace: [0-9]+ of [0-9]+ packets shown' "$tmp/out"; then
	pass "--trace prints verdicts, mappings and the bounded count"
else
	fail "--trace output: $(head -c 400 "$tmp/out")"
fi
n=$(grep -cE '^ +[0-9]+\.[0-9]{6} proxy ' "$tmp/out")
if [ "$n" -gt 0 ] && [ "$n" -le 40 ]; then pass "--trace-limit 40 bounds the proxy mode ($n lines)"; else fail "proxy trace lines: $n"; fi

# Re-rendering the saved metrics gives the same bytes (trace aside: not in metrics).
"$GL" report "$R/metrics.json" -o "$tmp/rep2" >/dev/null 2>"$tmp/err2"
same=1
for f in $files; do
	case $f in trace.*|index.html|walkthrough.html) continue ;; esac
	cmp -s "$R/$f" "$tmp/rep2/$f" || { same=0; echo "  differs: $f"; }
done
if [ $same = 1 ]; then pass "gatelab report reproduces identical files"; else fail "re-render differs $(cat "$tmp/err2")"; fi
"$GL" report "$tmp/rep2/metrics.json" -o "$tmp/rep3" >/dev/null 2>&1
if cmp -s "$tmp/rep2/index.html" "$tmp/rep3/index.html"; then pass "index.html is deterministic"; else fail "index.html differs between renders"; fi
"$GL" run "$tmp/small.yaml" --report "$tmp/rep4" -q >/dev/null 2>&1
# A run's report also holds the walk-through (index.html links it); saved metrics
# cannot make one (index.html says how).
if diff -rq -x walkthrough.html -x index.html "$tmp/rep2" "$tmp/rep4" >/dev/null; then pass "same run, same report (byte-identical directory)"; else fail "two runs differ: $(diff -rq "$tmp/rep2" "$tmp/rep4" | head -3)"; fi
if cmp -s "$R/walkthrough.html" "$tmp/rep4/walkthrough.html" && grep -q 'href="walkthrough.html"' "$tmp/rep4/index.html" &&
   ! grep -q 'href="walkthrough.html"' "$tmp/rep2/index.html" && grep -q 'gatelab run SCENARIO --walkthrough' "$tmp/rep2/index.html"; then
	pass "the run's report links its walk-through (the same bytes in two runs); a re-render says how to make one"
else
	fail "walk-through in the report"
fi

# Not a report: left alone.
mkdir "$tmp/keep" && echo precious >"$tmp/keep/notes.txt"
if ! "$GL" report "$R/metrics.json" -o "$tmp/keep" >/dev/null 2>"$tmp/err3" && [ -f "$tmp/keep/notes.txt" ] &&
   [ ! -e "$tmp/keep/index.html" ] && grep -q 'not an earlier report' "$tmp/err3"; then
	pass "a directory that is not a report is not replaced"
else
	fail "foreign directory: $(cat "$tmp/err3")"
fi
# Missing tools: a clear error, no directory.
if ! PATH=/nonexistent "$GL" report "$R/metrics.json" -o "$tmp/rep5" >/dev/null 2>"$tmp/err4" &&
   grep -q 'graphviz' "$tmp/err4" && [ ! -e "$tmp/rep5" ]; then
	pass "without dot: clear error, nothing written"
else
	fail "without dot: $(cat "$tmp/err4")"
fi

# The JSON against docs/metrics.schema.json, with both validators (Debian's
# python3-jsonschema and node-ajv; tests/it_schemas.sh checks the schemas
# themselves), and a broken copy that both must reject (exit 1, not 2: the
# validators ran and said no).
jq 'del(.modes.proxy.transitions)' "$R/metrics.json" >"$tmp/broken.json"
for v in py js; do
	case $v in
	py) run=(/usr/bin/python3 tests/schema_validate.py) ;;
	js) run=(env NODE_PATH=/usr/share/nodejs /usr/bin/node tests/schema_validate.js) ;;
	esac
	if "${run[@]}" docs/metrics.schema.json "$R/metrics.json" >"$tmp/v.out" 2>&1; then
		pass "schema_validate.$v: metrics.json valid against docs/metrics.schema.json"
	else
		fail "schema_validate.$v: $(head -c 400 "$tmp/v.out")"
	fi
	"${run[@]}" docs/metrics.schema.json "$tmp/broken.json" >"$tmp/v.out" 2>&1; rc=$?
	if [ "$rc" -eq 1 ] && grep -q 'transitions' "$tmp/v.out"; then
		pass "schema_validate.$v: a metrics.json without a contract field is rejected"
	else
		fail "schema_validate.$v on the broken copy: exit $rc, $(head -c 400 "$tmp/v.out")"
	fi
done

# A real browser renders it: a PNG, not blank.
if command -v chromium >/dev/null; then
	prof=$(mktemp -d)
	timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$prof" --screenshot="$tmp/shot.png" --window-size=1280,2000 \
		"file://$(realpath "$R/index.html")" >/dev/null 2>&1
	rm -rf "$prof"
	if /usr/bin/python3 - "$tmp/shot.png" <<'PY'
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
# Colours of the unfiltered bytes of a few hundred rows: many distinct values.
colours = set()
for y in range(0, h, max(1, h // 300)):
    row = raw[y * stride + 1:(y + 1) * stride]
    colours.update(row[i:i + 3] for i in range(0, len(row), bpp * 7))
assert len(colours) > 50, len(colours)
PY
	then pass "headless Chromium renders index.html (PNG, many colours)"
	else fail "screenshot missing or blank"; fi
else
	fail "chromium missing (make deps)"
fi

if [ "$fails" -eq 0 ]; then exit 0; fi
exit 1
