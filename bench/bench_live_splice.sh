#!/usr/bin/env bash
# bench_live_splice.sh BUILD [MB] - the live proxy's proxy path, splice(2) vs
# read/write: one MB-megabyte RETR (default 100) through `gatelab live-proxy`
# in a lab of its own (tests/live_lab.sh); prints and writes to
# BUILD/bench/live_splice.json the syscalls by kind and the proxy's CPU time.
# Needs root; machine-dependent, so never part of `make check`.
set -u
BUILD=${1:-build}
MB=${2:-100}
GL=$(readlink -f "$BUILD/gatelab")
OUT="$BUILD/bench/live_splice.json"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: bench_live_splice needs root (network namespaces and nftables)"
	exit 0
fi
fail() { echo "bench_live_splice: $*" >&2; exit 1; }
# shellcheck source=tests/live_lab.sh
. "$(dirname "$0")/../tests/live_lab.sh"

head -c "$((MB * 1024 * 1024))" /dev/urandom >"$R/pub/big.bin"
chmod 644 "$R/pub/big.bin"
mkdir -p "$BUILD/bench"
TCK=$(getconf CLK_TCK)
results=()
for how in splice rw; do
	if [ "$how" = splice ]; then start_proxy proxy || exit 1; else start_proxy proxy --no-splice || exit 1; fi
	t0=$(date +%s.%N)
	inc curl -sS --max-time 120 -o "$T/big.out" ftp://203.0.113.10/pub/big.bin ||
		fail "$how: transfer failed"
	t1=$(date +%s.%N)
	# utime + stime of the proxy process (fields 14, 15), before it exits.
	cpu=$(awk -v t="$TCK" '{printf "%.3f", ($14 + $15) / t}' "/proc/$PX_PID/stat")
	kill -INT "$PX_PID"; wait "$PX_PID" || fail "$how: proxy exit status $?"
	PX_PID=""
	cmp -s "$T/big.out" "$R/pub/big.bin" || fail "$how: the copy differs"
	wall=$(echo "$t1 - $t0" | bc)
	results+=("$(jq -c --arg how "$how" --argjson cpu "$cpu" --argjson wall "$wall" \
		'{how: $how, cpu_s: $cpu, wall_s: $wall, bytes_copied, syscalls}' "$T/stats.json")")
	printf '%-6s  wall %6.2f s  proxy cpu %6.3f s  bytes_copied %s\n' "$how" "$wall" "$cpu" \
		"$(jq .bytes_copied "$T/stats.json")"
	jq -r '.syscalls | to_entries | map(select(.value > 0)) | map("\(.key)=\(.value)") | join(" ")' \
		"$T/stats.json" | sed 's/^/        /'
done
printf '%s\n' "${results[@]}" | jq -s --argjson mb "$MB" '{name: "live_splice", file_mb: $mb, runs: .}' >"$OUT"
echo "written: $OUT"
