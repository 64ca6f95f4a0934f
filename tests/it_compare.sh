#!/usr/bin/env bash
# it_compare.sh - `gatelab compare` as a CI step runs it: exit codes on the
# crafted pairs of tests/data/compare, error lines for bad input, JUnit XML
# validated with xmllint, Markdown content, and real `make bench` files.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
D=tests/data/compare
T=$(mktemp -d /tmp/gatelab_it_compare.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# expect STATUS NAME ARGS...: runs compare, output in $T/out and $T/err.
expect() {
	local want=$1 name=$2 rc
	shift 2
	"$GL" compare "$@" >"$T/out" 2>"$T/err"
	rc=$?
	if [ "$rc" -eq "$want" ]; then
		pass "$name: exit $rc"
	else
		fail "$name: exit $rc, expected $want"
		sed 's/^/    /' "$T/out" "$T/err" | head -20
	fi
}

# out_has NAME REGEX / err_has NAME REGEX: the last run printed REGEX.
out_has() { grep -Eq -- "$2" "$T/out" && pass "$1" || fail "$1: stdout lacks /$2/"; }
err_has() { grep -Eq -- "$2" "$T/err" && pass "$1" || fail "$1: stderr lacks /$2/"; }

[ -x "$GL" ] || { fail "$GL not built"; exit 1; }

# --- verdicts ------------------------------------------------------------
expect 0 "identical (keys reordered)" $D/metrics_base.json $D/metrics_same.json
out_has "identical: all leaves same" '^37 leaves: 37 same'
out_has "identical: result ok" '^result: ok'
expect 1 "count changed" $D/metrics_base.json $D/metrics_count.json
out_has "count changed: row" '^modes\.proxy\.bytes_copied +1048576 +1048577 +\+1 +count +REGRESSED$'
expect 0 "count changed, --count-tolerance 1" --count-tolerance 1 \
	$D/metrics_base.json $D/metrics_count.json
out_has "count tolerance: within" 'bytes_copied .* within$'
expect 1 "boolean reproduced true->false" $D/metrics_base.json $D/metrics_bool.json
out_has "boolean: row" '^reproduced +true +false .*REGRESSED$'
expect 1 "field missing in current" $D/metrics_base.json $D/metrics_missing.json
out_has "missing: row" '^modes\.fastpath\.api_calls +6 +- .*MISSING$'
expect 0 "new field" $D/metrics_base.json $D/metrics_new.json
out_has "new: reported" '^modes\.fastpath\.redirects_opened +- +6 .* new$'
expect 1 "type changed" $D/metrics_base.json $D/metrics_retyped.json
expect 0 "host timing within tolerance, other machine" \
	$D/metrics_base.json $D/metrics_host_within.json
out_has "host: machine change reported" '^host\.uname .* changed$'
expect 1 "host timing beyond tolerance" $D/metrics_base.json $D/metrics_host_slower.json
expect 0 "host 50% slower with --tolerance 60" --tolerance 60% \
	$D/metrics_base.json $D/metrics_host_slower.json

expect 0 "bench: 5% slower is within 10%" $D/bench_base.json $D/bench_within.json
expect 1 "bench: 25% slower regresses" $D/bench_base.json $D/bench_slower.json
out_has "bench slower: duration" 'median_s +1\.2 +1\.5 +x1\.250 +timing +REGRESSED$'
out_has "bench slower: rate" 'median_pps +1666666 +1333333 +x0\.800 +timing +REGRESSED$'
expect 0 "bench: 25% slower passes --tolerance 30" --tolerance 30 \
	$D/bench_base.json $D/bench_slower.json
expect 0 "bench: faster is never a regression" $D/bench_base.json $D/bench_faster.json
out_has "bench faster: reported" 'median_s +1\.2 +0\.84 +x0\.700 +timing +improved$'
expect 1 "engine.json: pps drop" $D/engine_base.json $D/engine_slower.json
expect 1 "engine.json: callgrind instructions are exact" \
	$D/engine_base.json $D/engine_instructions.json
expect 0 "engine.json: 1% pps drop within" $D/engine_base.json $D/engine_within.json

# the table fits 100 columns
"$GL" compare --all $D/bench_base.json $D/bench_slower.json >"$T/out"
w=$(awk '{ if (length($0) > m) m = length($0) } END { print m }' "$T/out")
[ "$w" -le 100 ] && pass "table width $w <= 100" || fail "table is $w columns wide"

# --quiet: nothing on stdout, one stderr line per failure
expect 1 "quiet" --quiet $D/metrics_base.json $D/metrics_count.json
[ ! -s "$T/out" ] && pass "quiet: stdout empty" || fail "quiet: stdout not empty"
err_has "quiet: regression on stderr" \
	'^gatelab: compare: count REGRESSED: modes\.proxy\.bytes_copied: baseline 1048576, current 1048577'

# --- bad input: exit 2, one clear line --------------------------------------
expect 2 "schema mismatch" $D/metrics_base.json $D/metrics_v2.json
err_has "schema mismatch: explained" \
	'baseline is gatelab\.metrics/1, current is gatelab\.metrics/2: compare files of the same schema version'
expect 2 "schema in one file only" $D/metrics_base.json $D/metrics_noschema.json
err_has "schema one-sided: explained" 'baseline has schema gatelab\.metrics/1 but current has none'
expect 2 "truncated JSON" $D/metrics_base.json $D/malformed_truncated.json
err_has "truncated: line and column" 'malformed_truncated\.json: line 25, column 5: malformed JSON'
expect 2 "trailing garbage" $D/malformed_trailing.json $D/metrics_base.json
err_has "trailing: line and column" 'malformed_trailing\.json: line 50, column 1: malformed JSON: end of file expected'
expect 2 "empty file" $D/metrics_base.json $D/malformed_empty.json
expect 2 "unreadable file" $D/metrics_base.json $D/no-such.json
err_has "unreadable: named" 'no-such\.json: cannot read: No such file or directory'
expect 2 "one file only" $D/metrics_base.json
expect 2 "bad tolerance" --tolerance abc $D/metrics_base.json $D/metrics_base.json
expect 2 "negative tolerance" --count-tolerance -1 $D/metrics_base.json $D/metrics_base.json
expect 2 "report in a missing directory" --junit "$T/no/dir/j.xml" \
	$D/metrics_base.json $D/metrics_base.json
[ -z "$(ls "$T/no" 2>/dev/null)" ] && pass "no partial report" || fail "partial report left"
expect 0 "help" --help
out_has "help: exit codes" 'Exit status: 0 no regression, 1 regression, 2 bad'

# --- JUnit and Markdown --------------------------------------------------
expect 1 "reports on a regression" --junit "$T/j.xml" --markdown "$T/m.md" \
	$D/bench_base.json $D/bench_slower.json
if command -v xmllint >/dev/null; then
	xmllint --noout "$T/j.xml" 2>"$T/xerr" && pass "JUnit is well-formed XML" ||
		{ fail "JUnit is not well-formed"; cat "$T/xerr"; }
	n=$(xmllint --xpath 'count(//testcase)' "$T/j.xml")
	f=$(xmllint --xpath 'count(//testcase/failure)' "$T/j.xml")
	a=$(xmllint --xpath 'string(/testsuites/testsuite/@failures)' "$T/j.xml")
	[ "$n" = 20 ] && [ "$f" = 10 ] && [ "$a" = 10 ] &&
		pass "JUnit: 20 testcases, 10 failures" || fail "JUnit: $n testcases, $f failures, attr $a"
	m=$(xmllint --xpath 'string(//testcase[@name="wall_clock.tools[0].median_s"]/failure/@message)' "$T/j.xml")
	[ "$m" = "timing REGRESSED: baseline 1.2, current 1.5 (x1.250)" ] &&
		pass "JUnit: failure message" || fail "JUnit: failure message '$m'"
else
	fail "xmllint not installed (scripts/deps.sh installs libxml2-utils)"
fi
grep -q '^\*\*Result: REGRESSION\*\* (10 failing of 20 leaves)$' "$T/m.md" &&
	pass "Markdown: result line" || fail "Markdown: no result line"
sed -n '/^## Regressions/,/^## Other changes/p' "$T/m.md" |
	grep -qF '| wall\_clock.tools\[0\].median\_s | 1.2 | 1.5 | x1.250 | timing | REGRESSED |' &&
	pass "Markdown: regression row under Regressions" || fail "Markdown: regression row"
ls "$T" | grep -q 'XXXXXX\|\.xml\.\|\.md\.' && fail "temporary files left" || pass "no temporary files left"

# hostile keys and values: the XML still parses
printf '{"a<&\\"\\u0001>": "x\\u0002]]>\\u00e9", "n": 1}\n' >"$T/h1.json"
printf '{"a<&\\"\\u0001>": "y", "n": 2}\n' >"$T/h2.json"
expect 1 "hostile keys" --junit "$T/h.xml" --markdown "$T/h.md" "$T/h1.json" "$T/h2.json"
if command -v xmllint >/dev/null; then
	xmllint --noout "$T/h.xml" 2>/dev/null && pass "hostile keys: XML well-formed" ||
		fail "hostile keys: XML not well-formed"
fi
grep -q $'\x01\|\x02' "$T/out" "$T/h.xml" "$T/h.md" && fail "control bytes leaked" ||
	pass "hostile keys: no control bytes in any output"

# --- real benchmark files, when make bench has run -------------------------
for f in "$BUILD/bench/translate.json" "$BUILD/bench/engine.json"; do
	[ -f "$f" ] || continue
	expect 0 "$(basename "$f") against itself" "$f" "$f"
done

# --- the simulator's metrics, once `gatelab run` exists: same seed, same figures --
if "$GL" help run >/dev/null 2>&1 && [ -f scenarios/basic.yaml ]; then
	if "$GL" run scenarios/basic.yaml --json "$T/run1.json" >/dev/null 2>&1 &&
		"$GL" run scenarios/basic.yaml --json "$T/run2.json" >/dev/null 2>&1; then
		expect 0 "gatelab run twice: identical deterministic metrics" "$T/run1.json" "$T/run2.json"
	else
		echo "SKIP: gatelab run scenarios/basic.yaml --json did not run here"
	fi
fi

[ "$fails" -eq 0 ]
