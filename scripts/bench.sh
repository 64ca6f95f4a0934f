#!/usr/bin/env bash
# bench.sh BUILD - `make bench`: runs every benchmark into BUILD/bench/*.json, prints
# the figures and renders BUILD/bench/index.html. Kept out of `make check`: it takes
# minutes and its wall-clock figures depend on the machine.
set -uo pipefail

usage() { echo "usage: scripts/bench.sh [BUILD]   (default build; writes BUILD/bench/*.json, index.html)"; }
# An option is never taken for the build directory.
case "${1:-}" in
-h|--help) usage; exit 0 ;;
-*) echo "bench: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "bench: one BUILD directory at most" >&2; usage >&2; exit 2; }
BUILD=${1:-build}
B=$BUILD/bench
mkdir -p "$B"
rc=0

echo "== engine: translated packets/s on established flows, new sessions/s"
if [ -x "$B/bench_engine" ]; then
	if ! "$B/bench_engine" "$B/engine.json"; then
		echo "bench: bench_engine failed" >&2
		rc=1
	fi
else
	echo "skipped: $B/bench_engine is not built (bench/bench_engine.c has not landed yet)"
fi

echo
echo "== translate: gatelab vs tcprewrite on a synthetic capture"
if ! bash bench/bench_translate.sh "$BUILD"; then
	echo "bench: bench_translate failed" >&2
	rc=1
fi

echo
echo "== replay: a generated capture of FTP sessions (extraction vs tcpdump and tshark, RSS)"
if ! bash bench/bench_replay.sh "$BUILD"; then
	echo "bench: bench_replay failed" >&2
	rc=1
fi

echo
echo "== live: proxy path of a 100 MB RETR, splice(2) vs read/write (syscalls, proxy CPU)"
if ! bash bench/bench_live_splice.sh "$BUILD" 100; then
	echo "bench: bench_live_splice failed" >&2
	rc=1
fi

echo
echo "== live: 100 MB RETR, kernel-alg vs nftables fastpath vs eBPF fastpath (throughput, softirq/GB)"
if ! bash bench/bench_live_ebpf.sh "$BUILD" 100 3; then
	echo "bench: bench_live_ebpf failed" >&2
	rc=1
fi

echo
echo "== sim: events/s, one 1 GB transfer end to end, 10,000 sessions (wall time, peak RSS)"
if [ -x "$B/bench_sim" ]; then
	if ! "$B/bench_sim" "$B/sim.json"; then
		echo "bench: bench_sim failed" >&2
		rc=1
	fi
else
	echo "skipped: $B/bench_sim is not built"
fi

echo
echo "== live: every gatelab live mode side by side (root; 10 MB and 1 GB, LIVE_RUNS repeats)"
if ! bash bench/bench_live.sh "$BUILD"; then
	echo "bench: bench_live failed" >&2
	rc=1
fi

echo
bash scripts/bench_html.sh "$B" || rc=1
exit "$rc"
