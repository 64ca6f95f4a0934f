#!/usr/bin/env bash
# bench_live.sh BUILD - the live table of `make bench`: every available `gatelab live`
# mode side by side on one RETR of 10 MB and of 1 GB (LIVE_SIZES), LIVE_RUNS (3)
# repeats each, one run covering all modes per repeat; throughput, proxy CPU per GB,
# syscalls per GB and context switches with min/median/max into BUILD/bench/live.json.
# Needs root; says so and writes nothing otherwise.
set -uo pipefail

BUILD=${1:-build}
B=$BUILD/bench
GL=$BUILD/gatelab
RUNS=${LIVE_RUNS:-3}
SIZES=${LIVE_SIZES:-"10000000 1000000000"}
mkdir -p "$B"
if [ "$(id -u)" -ne 0 ]; then
	echo "skipped: gatelab live needs root (network namespaces)"
	exit 0
fi
T=$(mktemp -d /tmp/gatelab_bench_live.XXXXXX)
trap 'rm -rf "$T"' EXIT

# One curl RETR per mode: the same transfer everywhere, nothing else counted.
for size in $SIZES; do
	for r in $(seq 1 "$RUNS"); do
		if ! "$GL" live --client curl --data PASV --commands RETR --size "$size" -q \
			--json "$T/s$size-r$r.json" 2>"$T/err"; then
			echo "bench_live: gatelab live --size $size failed: $(tail -3 "$T/err")" >&2
			exit 1
		fi
		echo "  size $size run $r done"
	done
done

# Per (size, mode): min/median/max over the runs of each figure, per GB where it says.
jq -s --argjson runs "$RUNS" '
(.[0].modes | keys_unsorted) as $order |
def stats: sort as $s | {min: $s[0], median: $s[($s | length) / 2 | floor], max: $s[-1]};
def gb($m): ($m.transfers | map(.bytes) | add) / 1e9;
[ .[] | .modes | to_entries[] | .value as $m |
  { mode: .key, size: $m.transfers[0].expected_bytes,
    mbit_s: ($m.throughput_bps / 1e6),
    cpu_s_per_gb: ($m.gateway_cpu_s / gb($m)),
    syscalls_per_gb: (([$m.syscalls[]] | add // 0) / gb($m)),
    context_switches: $m.context_switches,
    softirq_s_per_gb: ($m.softirq_s / gb($m)),
    bytes_copied_per_gb: ($m.bytes_copied / gb($m)) } ]
| group_by([.size, .mode]) | sort_by(.[0].size, (.[0].mode as $m | $order | index($m))) | map(
    { size: .[0].size, mode: .[0].mode, runs: length,
      mbit_s: (map(.mbit_s) | stats), cpu_s_per_gb: (map(.cpu_s_per_gb) | stats),
      syscalls_per_gb: (map(.syscalls_per_gb) | stats),
      context_switches: (map(.context_switches) | stats),
      softirq_s_per_gb: (map(.softirq_s_per_gb) | stats),
      bytes_copied_per_gb: (map(.bytes_copied_per_gb) | stats) })
| { schema: "gatelab.bench-live/1", runs: $runs,
    note: "one curl RETR per mode and run; min/median/max over runs; suse-proxy runs under strace",
    rows: map({size, mode, runs,
      mbit_s_min: .mbit_s.min, mbit_s_median: .mbit_s.median, mbit_s_max: .mbit_s.max,
      cpu_s_per_gb_min: .cpu_s_per_gb.min, cpu_s_per_gb_median: .cpu_s_per_gb.median,
      cpu_s_per_gb_max: .cpu_s_per_gb.max,
      syscalls_per_gb_median: .syscalls_per_gb.median,
      context_switches_min: .context_switches.min, context_switches_median: .context_switches.median,
      context_switches_max: .context_switches.max,
      softirq_s_per_gb_median: .softirq_s_per_gb.median,
      bytes_copied_per_gb_median: .bytes_copied_per_gb.median}) }' \
	"$T"/s*-r*.json >"$B/live.json.tmp" && mv "$B/live.json.tmp" "$B/live.json" || exit 1

printf '%-11s %-11s %22s %20s %14s %12s\n' size mode "Mbit/s min/med/max" "cpu s/GB med" \
	"syscalls/GB" "ctxsw med"
jq -r '.rows[] | [.size, .mode, "\(.mbit_s_min|floor)/\(.mbit_s_median|floor)/\(.mbit_s_max|floor)",
	(.cpu_s_per_gb_median*1000|round/1000), (.syscalls_per_gb_median|round), .context_switches_median]
	| @tsv' "$B/live.json" |
	awk -F'\t' '{printf "%-11s %-11s %22s %20s %14s %12s\n", $1, $2, $3, $4, $5, $6}'
echo "live: $B/live.json"
