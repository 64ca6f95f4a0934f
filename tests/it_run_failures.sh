#!/usr/bin/env bash
# it_run_failures.sh - a run with failed transfers says why: one stderr line per
# failure transfers_failed counts (session, command, final reply), all of them even
# past the 64 transfers the metrics list, and the reply in the JSON's transfers.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$GL" run tests/data/run/failing.yaml --json "$tmp/m.json" -q >"$tmp/out" 2>"$tmp/err"; rc=$?
[ "$rc" -eq 1 ] && pass "failing.yaml: exit 1" || fail "failing.yaml: exit $rc, want 1: $(head -c 300 "$tmp/err")"
[ -s "$tmp/out" ] && fail "-q printed on stdout: $(head -c 200 "$tmp/out")" || pass "-q: nothing on stdout"

for m in direct fastpath; do
	want=$(jq ".modes.$m.transfers_failed" "$tmp/m.json")
	got=$(grep -c "^gatelab: run: $m: session " "$tmp/err")
	if [ "$want" -gt 64 ] && [ "$got" -eq "$want" ]; then
		pass "$m: $got failure lines, one per counted failure ($want, more than the 64 listed)"
	else
		fail "$m: $got failure lines for $want failures counted"
	fi
	grep -qxF "gatelab: run: $m: $want transfer(s) failed" "$tmp/err" &&
		pass "$m: the closing count line" || fail "$m: no closing count line"
	grep -qxF "gatelab: run: $m: session 1: RETR /pub/missing.bin: 550 Failed to open file." "$tmp/err" &&
		pass "$m: the refused RETR named with session, command and reply" ||
		fail "$m: no line for session 1's RETR /pub/missing.bin"
	n=$(grep -cE "^gatelab: run: $m: session 3 \(copy ([1-9]|[1-6][0-9]|70) of 70\): RETR /pub/nope.bin: 550 Failed to open file\.\$" "$tmp/err")
	u=$(grep -oE "^gatelab: run: $m: session 3 \(copy [0-9]+ of 70\)" "$tmp/err" | sort -u | wc -l)
	[ "$n" -eq 70 ] && [ "$u" -eq 70 ] && pass "$m: each of the 70 copies named once" ||
		fail "$m: $n lines / $u distinct copies of session 3, want 70"
	jq -e ".modes.$m.transfers[] | select(.command == \"RETR /pub/missing.bin\")
		| .reply_code == 550 and .reply == \"Failed to open file.\" and .ok == false" \
		"$tmp/m.json" >/dev/null && pass "$m: JSON transfer carries reply_code 550 and its text" ||
		fail "$m: JSON reply of the failed transfer: $(jq -c ".modes.$m.transfers[1]" "$tmp/m.json")"
	jq -e ".modes.$m.transfers[0] | .ok and .reply_code == 226" "$tmp/m.json" >/dev/null &&
		pass "$m: the good transfer's reply_code is 226" || fail "$m: good transfer: $(jq -c ".modes.$m.transfers[0]" "$tmp/m.json")"
	grep -qxF "gatelab: run: $m: session 4: step 1 (STOR /pub/up.bin): unexpected reply 226 \"Transfer complete.\"" "$tmp/err" &&
		pass "$m: the session whose expected refusal did not come, with its reason" ||
		fail "$m: no line for session 4's unexpected 226"
done
# The session the proxy refuses has no transfer: its reason is the refused greeting.
grep -qxF 'gatelab: run: fastpath: session 2: greeting: 550 "Site blocked by policy"' "$tmp/err" &&
	pass "fastpath: the refused session named with its greeting" ||
	fail "fastpath: no line for the refused session 2"
grep -q '^gatelab: run: direct: session 2' "$tmp/err" &&
	fail "direct: session 2 reported failed (no proxy refuses it there)" ||
	pass "direct: session 2 (no proxy) not reported"

# The report read back from the JSON keeps the replies.
if "$GL" report "$tmp/m.json" -o "$tmp/rep" >/dev/null 2>"$tmp/rerr"; then
	jq -e '.modes.fastpath.transfers[1].reply_code == 550' "$tmp/rep/metrics.json" >/dev/null &&
		pass "gatelab report: metrics.json keeps reply_code" || fail "report lost reply_code"
else
	fail "gatelab report on the failing run: $(head -c 300 "$tmp/rerr")"
fi

# A clean run prints no failure line.
sed 's/size: 100MB/size: 1MB/' scenarios/basic.yaml >"$tmp/small.yaml"
"$GL" run "$tmp/small.yaml" -q >/dev/null 2>"$tmp/err2"; rc=$?
[ "$rc" -eq 0 ] && [ ! -s "$tmp/err2" ] && pass "a clean run: exit 0, nothing on stderr" ||
	fail "clean run: exit $rc, stderr: $(head -c 300 "$tmp/err2")"

[ "$fails" -eq 0 ]
