#!/usr/bin/env bash
# bench_live_ebpf.sh BUILD [MB] [ROUNDS] - the kernel fast paths compared on
# one lab (tests/live_lab.sh): an MB-megabyte passive RETR (default 100) in
# three modes, ROUNDS times each (default 3), interleaved: kernel-alg
# (masquerade + conntrack's FTP helper, no proxy), fastpath (the proxy's
# nftables redirects) and fastpath-ebpf (live-proxy --ebpf). Throughput (curl's
# rate of the data connection), the
# softirq time of the whole machine per GB (/proc/stat: all namespaces share
# one kernel, other jobs included), the proxy's CPU. Writes
# BUILD/bench/live_ebpf.json. Needs root; machine-dependent: make bench only.
set -u
BUILD=${1:-build}
MB=${2:-100}
ROUNDS=${3:-3}
GL=$(readlink -f "$BUILD/gatelab")
OUT="$BUILD/bench/live_ebpf.json"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: bench_live_ebpf needs root (network namespaces, nftables, BPF)"
	exit 0
fi
if [ ! -f "$BUILD/bpf/gl_fast.bpf.o" ]; then
	echo "skipped: bench_live_ebpf: this build has no eBPF fast path (make deps; make)"
	exit 0
fi
fail() { echo "bench_live_ebpf: $*" >&2; exit 1; }
# shellcheck source=tests/live_lab.sh
. "$(dirname "$0")/../tests/live_lab.sh"

head -c "$((MB * 1024 * 1024))" /dev/urandom >"$R/pub/big.bin"
chmod 644 "$R/pub/big.bin"
mkdir -p "$BUILD/bench"
TCK=$(getconf CLK_TCK)
ALG=glalg$$

alg_on() {
	ing nft -f - <<-EOF || fail "kernel-alg: nft refused the ruleset"
	table inet $ALG {
		ct helper ftp-standard { type "ftp" protocol tcp; }
		chain pre { type filter hook prerouting priority filter; tcp dport 21 ct helper set "ftp-standard"; }
		chain post { type nat hook postrouting priority srcnat; oifname "${P}go" masquerade; }
	}
	EOF
}
alg_off() { ing nft delete table inet "$ALG"; }
softirq() { awk '/^cpu /{print $8}' /proc/stat; } # ticks, all CPUs

results=()
run_one() { # mode round
	local mode=$1 round=$2 t0 t1 s0 s1 cpu=0 wall speed
	case $mode in
	kernel-alg) alg_on ;;
	fastpath) start_proxy fast || exit 1 ;;
	fastpath-ebpf) start_proxy fast --ebpf || exit 1 ;;
	esac
	s0=$(softirq); t0=$(date +%s.%N)
	# curl's own rate: the data connection only, not the login before it.
	speed=$(inc curl -sS --max-time 300 -w '%{speed_download}' -o "$T/big.out" \
		ftp://203.0.113.10/pub/big.bin) || fail "$mode: transfer failed"
	t1=$(date +%s.%N); s1=$(softirq)
	if [ "$mode" = kernel-alg ]; then
		alg_off
	else
		cpu=$(awk -v t="$TCK" '{printf "%.3f", ($14 + $15) / t}' "/proc/$PX_PID/stat")
		kill -INT "$PX_PID"; wait "$PX_PID" || fail "$mode: proxy exit status $?"
		PX_PID=""
		[ "$(jq .bytes_copied "$T/stats.json")" = 0 ] || fail "$mode: the proxy copied data"
	fi
	cmp -s "$T/big.out" "$R/pub/big.bin" || fail "$mode: the copy differs"
	wall=$(echo "$t1 - $t0" | bc)
	local mbps sirq
	mbps=$(echo "scale=1; ${speed%.*} * 8 / 1000000" | bc)
	sirq=$(echo "scale=3; ($s1 - $s0) / $TCK * 1024 / $MB" | bc)
	printf '%-14s round %d  wall %6.2f s  %7.1f Mbit/s  softirq %6.2f s/GB  proxy cpu %5.2f s\n' \
		"$mode" "$round" "$wall" "$mbps" "$sirq" "$cpu"
	results+=("{\"mode\":\"$mode\",\"round\":$round,\"wall_s\":$wall,\"mbit_s\":$mbps,\"softirq_s_per_gb\":$sirq,\"proxy_cpu_s\":$cpu}")
}

for r in $(seq "$ROUNDS"); do
	for m in kernel-alg fastpath fastpath-ebpf; do run_one "$m" "$r"; done
done
printf '%s\n' "${results[@]}" | jq -s --argjson mb "$MB" '{mb: $mb, runs: .,
	median: (group_by(.mode) | map({mode: .[0].mode,
		mbit_s: (map(.mbit_s) | sort | .[length / 2 | floor]),
		softirq_s_per_gb: (map(.softirq_s_per_gb) | sort | .[length / 2 | floor]),
		proxy_cpu_s: (map(.proxy_cpu_s) | sort | .[length / 2 | floor])}))}' >"$OUT"
jq -r '.median[] | "median \(.mode): \(.mbit_s) Mbit/s, softirq \(.softirq_s_per_gb) s/GB, proxy cpu \(.proxy_cpu_s) s"' "$OUT"
jq -r '(.median | map({(.mode): .mbit_s}) | add) as $m |
	"fastpath-ebpf / kernel-alg = \($m["fastpath-ebpf"] / $m["kernel-alg"] * 100 | floor / 100)x, fastpath-ebpf / fastpath = \($m["fastpath-ebpf"] / $m["fastpath"] * 100 | floor / 100)x"' "$OUT"
echo "wrote $OUT"
