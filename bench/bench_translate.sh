#!/usr/bin/env bash
# bench_translate.sh BUILD - times `gatelab translate` against tcprewrite doing the
# equivalent address rewrite (pseudo-NAT of 192.0.2.0/24 to 203.0.113.1, checksums
# fixed) on the same synthetic capture; writes BUILD/bench/translate.json.
# Environment: PACKETS (default 2000000), RUNS (3..9, default 5), SEED (default 1).
set -euo pipefail

usage() {
	echo "usage: bench/bench_translate.sh [BUILD]   (default build; writes BUILD/bench/translate.json)"
	echo "  environment: PACKETS (default 2000000), RUNS (3..9, default 5), SEED (default 1)"
}
# An option is never taken for the build directory.
case "${1:-}" in
-h|--help) usage; exit 0 ;;
-*) echo "bench_translate: unknown option '$1'" >&2; usage >&2; exit 2 ;;
esac
[ $# -le 1 ] || { echo "bench_translate: one BUILD directory at most" >&2; usage >&2; exit 2; }
BUILD=${1:-build}
B=$BUILD/bench
PACKETS=${PACKETS:-2000000}
RUNS=${RUNS:-5}
SEED=${SEED:-1}
IN=$B/synthetic.pcap
OUT_T=$B/out-tcprewrite.pcap
OUT_G=$B/out-gatelab.pcap
JSON=$B/translate.json
# gatelab's own summary: embedded in translate.json, not a result file of its own.
RESULT=$(mktemp "${TMPDIR:-/tmp}/gatelab-bench-result.XXXXXX")
trap 'rm -f "$RESULT"' EXIT
INSIDE=192.0.2.0/24
PUBLIC=203.0.113.1

die() { echo "bench_translate: $*" >&2; exit 1; }
[ -x "$B/mkpcap" ] || die "$B/mkpcap is not built (make $B/mkpcap)"
[ -x "$BUILD/gatelab" ] || die "$BUILD/gatelab is not built"
command -v tcprewrite >/dev/null || die "tcprewrite is missing (make deps)"
command -v jq >/dev/null || die "jq is missing (make deps)"
case "$RUNS" in [3-9]) ;; *) die "RUNS must be 3..9" ;; esac
mkdir -p "$B"

# The capture is a pure function of its options: regenerate only when they change.
gen_args="--packets $PACKETS --seed $SEED"
if [ ! -f "$IN" ] || [ "$(cat "$IN.args" 2>/dev/null)" != "$gen_args" ]; then
	echo "generating $IN ($gen_args)"
	rm -f "$IN.args"
	# shellcheck disable=SC2086  # gen_args is a word list on purpose
	"$B/mkpcap" "$IN" $gen_args >"$IN.summary"
	echo "$gen_args" >"$IN.args"
fi
gen=$(cat "$IN.summary")
echo "$gen"
field() { echo "$gen" | tr ' ' '\n' | sed -n "s/^$1=//p"; }

# Catch a broken generator before timing anything: checksums of a sample.
if command -v tshark >/dev/null; then
	bad=$(tshark -r "$IN" -c 50000 -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-Y 'ip.checksum.status == 0 || tcp.checksum.status == 0' 2>/dev/null | wc -l)
	[ "$bad" -eq 0 ] || die "$IN: $bad bad checksums in the first 50000 packets"
fi

now_ns() { date +%s%N; }
run_tcprewrite() {
	tcprewrite --infile="$IN" --outfile="$OUT_T" --srcipmap=$INSIDE:$PUBLIC/32 \
		--dstipmap=$INSIDE:$PUBLIC/32 --fixcsum >/dev/null 2>&1
}
run_gatelab() {
	"$BUILD/gatelab" translate "$IN" "$OUT_G" --inside $INSIDE --public $PUBLIC \
		--quiet --json "$RESULT" >/dev/null
}

declare -a t_tcprewrite=() t_gatelab=()
for ((i = 1; i <= RUNS; i++)); do
	# Alternate the order so neither tool always runs on a warmer cache.
	for tool in $( ((i % 2)) && echo tcprewrite gatelab || echo gatelab tcprewrite); do
		start=$(now_ns)
		"run_$tool" || die "$tool failed on $IN (run it by hand to see why)"
		end=$(now_ns)
		eval "t_$tool+=($((end - start)))"
	done
	echo "run $i/$RUNS: tcprewrite $(((t_tcprewrite[i - 1]) / 1000000)) ms," \
		"gatelab $(((t_gatelab[i - 1]) / 1000000)) ms"
done

packets_out() { capinfos -c -M "$1" 2>/dev/null | awk -F': *' '/Number of packets/ { print $2 }'; }
# Text that names an inside address in a PORT command: tcprewrite leaves it.
port_inside() { grep -a -o 'PORT 192,0,2,' "$1" | wc -l; }

stats() { # name ns... -> JSON object of wall-clock figures
	local name=$1; shift
	printf '%s\n' "$@" | sort -n | jq -s --arg tool "$name" --argjson pkts "$(field packets)" '
		(length) as $n | {
		tool: $tool,
		runs: $n,
		min_s: (.[0] / 1e9),
		median_s: (.[($n / 2 | floor)] / 1e9),
		max_s: (.[$n - 1] / 1e9),
		median_pps: ($pkts / (.[($n / 2 | floor)] / 1e9) | floor),
		wall_s: map(. / 1e9) }'
}

# Speed means nothing if the output is wrong: checksums of a sample of each.
bad_sample() {
	command -v tshark >/dev/null || { echo null; return; }
	tshark -r "$1" -c 50000 -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE \
		-Y 'ip.checksum.status == 0 || tcp.checksum.status == 0' 2>/dev/null | wc -l
}

result=null
[ -s "$RESULT" ] && result=$(cat "$RESULT")
jq -n \
	--argjson t "$(stats tcprewrite "${t_tcprewrite[@]}")" \
	--argjson g "$(stats gatelab "${t_gatelab[@]}")" \
	--argjson result "$result" \
	--arg cmd_t "tcprewrite --srcipmap=$INSIDE:$PUBLIC/32 --dstipmap=$INSIDE:$PUBLIC/32 --fixcsum" \
	--arg cmd_g "gatelab translate IN OUT --inside $INSIDE --public $PUBLIC" \
	--arg input "$IN" --arg seed "$SEED" \
	--argjson pk "$(field packets)" --argjson by "$(field bytes)" --argjson fl "$(field flows)" \
	--argjson fs "$(field ftp_sessions)" --argjson pc "$(field port_commands)" \
	--argjson dc "$(field data_connections)" \
	--argjson out_t "$(packets_out "$OUT_T")" --argjson out_g "$(packets_out "$OUT_G")" \
	--argjson pi_t "$(port_inside "$OUT_T")" --argjson pi_g "$(port_inside "$OUT_G")" \
	--argjson bad_t "$(bad_sample "$OUT_T")" --argjson bad_g "$(bad_sample "$OUT_G")" \
	--arg host "$(uname -srm)" --arg cpu "$(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)" \
	'{
	schema: "gatelab.bench.translate/1",
	deterministic: {
		input: $input, seed: ($seed | tonumber), packets: $pk, bytes: $by, flows: $fl,
		ftp_sessions: $fs, port_commands: $pc, data_connections: $dc,
		packets_out_tcprewrite: $out_t, packets_out_gatelab: $out_g,
		port_lines_naming_inside_tcprewrite: $pi_t, port_lines_naming_inside_gatelab: $pi_g,
		bad_checksums_first_50000_tcprewrite: $bad_t, bad_checksums_first_50000_gatelab: $bad_g,
		gatelab_result: $result },
	commands: { tcprewrite: $cmd_t, gatelab: $cmd_g },
	wall_clock: {
		host: $host, cpu: $cpu,
		tools: [$t, $g],
		pps_ratio_gatelab_over_tcprewrite: (($g.median_pps / $t.median_pps) * 100 | round / 100) } }' \
	>"$JSON.tmp"
mv "$JSON.tmp" "$JSON"
rm -f "$OUT_T" "$OUT_G"

jq -r '
	"deterministic: \(.deterministic.packets) packets, \(.deterministic.flows) flows, " +
	"\(.deterministic.ftp_sessions) FTP sessions, \(.deterministic.port_commands) PORT; out: " +
	"tcprewrite \(.deterministic.packets_out_tcprewrite) pkts (\(.deterministic.port_lines_naming_inside_tcprewrite) PORT still naming 192.0.2.x), " +
	"gatelab \(.deterministic.packets_out_gatelab) pkts (\(.deterministic.port_lines_naming_inside_gatelab)); " +
	"bad checksums in the first 50000: tcprewrite \(.deterministic.bad_checksums_first_50000_tcprewrite), " +
	"gatelab \(.deterministic.bad_checksums_first_50000_gatelab)",
	(.wall_clock.tools[] | "\(.tool): min \(.min_s)s median \(.median_s)s max \(.max_s)s -> \(.median_pps) packets/s"),
	"gatelab/tcprewrite packets/s ratio: \(.wall_clock.pps_ratio_gatelab_over_tcprewrite)"' "$JSON"
echo "wrote $JSON"
