#!/usr/bin/env bash
# it_bench_args.sh - the benchmark programs never take an option for their output path:
# --help prints the usage on stdout and exits 0, an unknown option prints it on stderr
# and exits 2, and neither writes a file (run in an empty directory to see).
set -u
BUILD=${BUILD:-build}
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$PWD

# The bench binaries of this build variant (make bench builds them; check does not).
bins=""
for b in bench_engine bench_sim mkpcap; do bins="$bins $BUILD/bench/$b"; done
# shellcheck disable=SC2086
if ! make --no-print-directory BUILD="$BUILD" $bins >"$tmp/make.log" 2>&1; then
	fail "building$bins: $(tail -3 "$tmp/make.log")"
fi

# check NAME CMD...: --help and --no-such-option on CMD, in an empty directory.
check() {
	local name=$1; shift
	local d="$tmp/cwd-${name//\//_}"
	mkdir "$d"
	(cd "$d" && "$@" --help) >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ "$rc" -eq 0 ] && grep -q '^usage: ' "$tmp/out" && [ ! -s "$tmp/err" ]; then
		pass "$name --help: usage on stdout, exit 0"
	else
		fail "$name --help: exit $rc, stdout: $(head -c 200 "$tmp/out"), stderr: $(head -c 200 "$tmp/err")"
	fi
	(cd "$d" && "$@" --no-such-option) >"$tmp/out" 2>"$tmp/err"; rc=$?
	if [ "$rc" -eq 2 ] && grep -q 'usage: ' "$tmp/err" && [ ! -s "$tmp/out" ]; then
		pass "$name --no-such-option: usage on stderr, exit 2"
	else
		fail "$name --no-such-option: exit $rc, stdout: $(head -c 200 "$tmp/out"), stderr: $(head -c 200 "$tmp/err")"
	fi
	if [ -z "$(ls -A "$d")" ]; then
		pass "$name: no file written for an option"
	else
		fail "$name wrote: $(ls -A "$d" | head -3 | tr '\n' ' ')"
	fi
}
for b in bench_engine bench_sim mkpcap; do
	if [ -x "$BUILD/bench/$b" ]; then check "$b" "$root/$BUILD/bench/$b"; else fail "$BUILD/bench/$b not built"; fi
done
check bench_translate.sh bash "$root/bench/bench_translate.sh"
check scripts/bench.sh bash "$root/scripts/bench.sh"

# Two output paths are bad usage too, not "the first one".
d=$tmp/cwd-two; mkdir "$d"
(cd "$d" && "$root/$BUILD/bench/bench_sim" a.json b.json) >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && [ -z "$(ls -A "$d")" ] && pass "bench_sim a.json b.json: exit 2, nothing written" ||
	fail "bench_sim with two paths: exit $rc, $(head -c 200 "$tmp/err")"
(cd "$d" && "$root/$BUILD/bench/bench_engine" --count 0 one) >/dev/null 2>"$tmp/err"; rc=$?
[ "$rc" -eq 2 ] && grep -q 'usage: bench_engine --count N' "$tmp/err" &&
	pass "bench_engine --count 0: usage, exit 2" || fail "bench_engine --count 0: exit $rc"

[ "$fails" -eq 0 ]
