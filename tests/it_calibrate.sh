#!/usr/bin/env bash
# it_calibrate.sh - `gatelab calibrate` on this machine: a profile JSON with
# sane positive figures and the measurements behind them, written atomically,
# no network namespace left behind, a non-root run keeping the per-packet
# default, bad usage refused.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_calibrate.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
netns_lab() { ip netns list 2>/dev/null | grep -c '^glcal' || true; }

# jq -e fails on false/null: each check is one boolean expression.
check() { # file description jq-expression
	if jq -e "$3" "$1" >/dev/null 2>&1; then pass "$2"; else fail "$2 ($3)"; fi
}

before=$(netns_lab)
start=$(date +%s)
"$GL" calibrate --out "$T/costs.json" --quiet >"$T/out.txt" 2>"$T/err.txt"
rc=$?
secs=$(( $(date +%s) - start ))
[ "$rc" -eq 0 ] && pass "calibrate exits 0" || fail "calibrate exited $rc: $(cat "$T/err.txt")"
[ "$secs" -le 20 ] && pass "calibrate took ${secs}s (<= 20 s)" || fail "calibrate took ${secs}s"
[ ! -s "$T/out.txt" ] && pass "--quiet prints nothing" || fail "--quiet printed: $(head -3 "$T/out.txt")"
[ ! -e "$T/costs.json.tmp" ] && pass "no temp file left" || fail "costs.json.tmp left behind"
[ "$(netns_lab)" -eq "$before" ] && pass "no namespace left behind (ip netns list)" ||
	fail "namespaces left: $(ip netns list)"

F="$T/costs.json"
check "$F" "profile has a name" '.name == "calibrated"'
check "$F" "per_transition_ns in (10 ns, 1 ms)" '.per_transition_ns > 10 and .per_transition_ns < 1000000'
check "$F" "per_byte_ns in (0, 10 ns)" '.per_byte_ns > 0 and .per_byte_ns < 10'
check "$F" "per_packet_ns in (0, 1 ms)" '.per_packet_ns > 0 and .per_packet_ns < 1000000'
check "$F" "per_api_call_ns positive" '.per_api_call_ns > 0'
check "$F" "syscall median positive, min <= median <= max, 7 repeats" \
	'.measurements.syscall_ns | .median > 0 and .min <= .median and .median <= .max and .n == 7'
check "$F" "socketpair sizes measured, all positive" \
	'.measurements.socketpair_rw | length >= 3 and all(.[]; .ns.median > 0)'
check "$F" "bigger socketpair transfers cost more per call" \
	'.measurements.socketpair_rw | (last.ns.median > first.ns.median)'
check "$F" "memcpy per byte positive and below 10 ns" \
	'.measurements.memcpy_byte_ns.median > 0 and .measurements.memcpy_byte_ns.median < 10'
if [ "$(id -u)" -eq 0 ]; then
	check "$F" "as root: packet path measured through the namespaces" \
		'.measurements.packet_measured == true and .measurements.packet_forward_ns.median > 0'
fi

# Without --out the JSON goes to stdout.
"$GL" calibrate --quiet >"$T/stdout.json" 2>/dev/null
check "$T/stdout.json" "without --out: the profile JSON on stdout" '.per_transition_ns > 0'

# Not root: no namespaces, the per-packet default kept and said so.
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null; then
	cp "$GL" "$T/gatelab" && chmod 755 "$T/gatelab"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$T/gatelab" calibrate --quiet \
		>"$T/nonroot.json" 2>/dev/null
	check "$T/nonroot.json" "non-root: packet path not measured, the default kept and said so" \
		'.measurements.packet_measured == false and .per_packet_ns > 0 and (.measurements.packet_note | test("not root"))'
fi

# Bad usage and an unwritable output.
"$GL" calibrate --bogus >/dev/null 2>&1
[ $? -eq 2 ] && pass "unknown option exits 2" || fail "unknown option did not exit 2"
"$GL" calibrate --quiet --out "$T/no/such/dir/costs.json" >/dev/null 2>"$T/err2.txt"
rc=$?
[ "$rc" -eq 1 ] && grep -q "cannot write" "$T/err2.txt" && pass "unwritable --out exits 1 with a message" ||
	fail "unwritable --out: exit $rc, $(cat "$T/err2.txt")"
[ "$(netns_lab)" -eq "$before" ] && pass "still no namespace left after every run" ||
	fail "namespaces left: $(ip netns list)"

[ "$fails" -eq 0 ]
