#!/usr/bin/env bash
# bench_replay.sh BUILD - `gatelab replay` on a generated capture (bench/mkpcap.c:
# FTP sessions, active and passive, several per client, overlapping, among other
# TCP traffic): extraction time against `tcpdump -r X -w /dev/null` and
# `tshark -r X -Y ftp` in the same run (tshark on the small capture unless
# REPLAY_TSHARK_BIG=1: on 60 MB it already holds 400 MB, on 1 GB it would take
# gigabytes of a shared machine), peak RSS of the streamed extraction on
# a small and a large capture of the same concurrency, and the full re-enactment.
# Writes BUILD/bench/replay.json. Sizes: REPLAY_SESSIONS (default 100000, about
# 1 GB), REPLAY_SMALL (10000), REPLAY_ACTIVE (512 flows open at once).
set -uo pipefail
BUILD=${1:-build}
B=$BUILD/bench
GL=$BUILD/gatelab
BIG=${REPLAY_SESSIONS:-100000}
SMALL=${REPLAY_SMALL:-10000}
ACTIVE=${REPLAY_ACTIVE:-512}
die() { echo "bench_replay: $*" >&2; exit 1; }
[ -x "$B/mkpcap" ] || die "$B/mkpcap is not built (make $B/mkpcap)"
[ -x "$GL" ] || die "$GL is not built"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (make deps)"
command -v jq >/dev/null || die "jq is missing (make deps)"
mkdir -p "$B"

# The capture is a pure function of its options: regenerate only when they change.
gen() { # gen FILE SESSIONS
	local args="--packets 1000000000 --active $ACTIVE --ftp-every 2 --passive-every 2"
	args="$args --max-payload 250 --gap-us 1000 --ftp-sessions $2"
	if [ ! -f "$1" ] || [ "$(cat "$1.args" 2>/dev/null)" != "$args" ]; then
		echo "generating $1 ($args)"
		rm -f "$1.args"
		# shellcheck disable=SC2086  # args is a word list on purpose
		"$B/mkpcap" "$1" $args >"$1.summary" || die "mkpcap failed"
		echo "$args" >"$1.args"
	fi
	cat "$1.summary"
}
# timed NAME CMD...: wall seconds and peak RSS (KB) into $T/NAME
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
timed() {
	local name=$1
	shift
	/usr/bin/time -f "%e %M" -o "$T/$name" "$@" >"$T/$name.out" 2>"$T/$name.err"
	local rc=$?
	read -r s kb <"$T/$name"
	echo "$name: ${s} s, peak RSS ${kb} KB (exit $rc)"
	eval "${name}_s=$s ${name}_kb=$kb ${name}_rc=$rc"
}

big=$B/replay-$BIG.pcap
small=$B/replay-$SMALL.pcap
gen "$big" "$BIG"
gen "$small" "$SMALL"
size=$(stat -c %s "$big")
echo "capture: $big, $size bytes"

timed tcpdump tcpdump -r "$big" -w /dev/null
timed extract "$GL" replay --extract-only -q "$big"
cat "$T/extract.out"
timed extract_small "$GL" replay --extract-only -q "$small"
cat "$T/extract_small.out"
tshark_s=null
tshark_on=$small
[ "${REPLAY_TSHARK_BIG:-0}" = 1 ] && tshark_on=$big
if command -v tshark >/dev/null; then
	timed tshark tshark -r "$tshark_on" -Y ftp
else
	echo "tshark: missing, skipped"
fi
# The whole re-enactment, one mode (the sessions are held: its memory grows
# with the capture's sessions, see docs/REPLAY.md "Scale").
timed reenact "$GL" replay --modes direct -q "$big"
cat "$T/reenact.out"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "null" }'; }
x_tcpdump=$(ratio "$extract_s" "$tcpdump_s")
ref_s=$extract_s
[ "$tshark_on" = "$small" ] && ref_s=$extract_small_s
x_tshark=$([ "$tshark_s" = null ] && echo null || ratio "$tshark_s" "$ref_s")
x_rss=$(ratio "$extract_kb" "$extract_small_kb")
echo "extraction: ${x_tcpdump}x tcpdump's read (aim <= 3); tshark ${x_tshark}x slower on $tshark_on (aim >= 5)"
echo "streamed extraction peak RSS: $SMALL sessions ${extract_small_kb} KB, $BIG sessions ${extract_kb} KB (ratio $x_rss, same concurrency $ACTIVE)"
jq -n --arg cap "$big" --argjson size "$size" --argjson sessions "$BIG" --argjson small "$SMALL" \
	--argjson active "$ACTIVE" --argjson tcpdump_s "$tcpdump_s" --argjson extract_s "$extract_s" \
	--argjson tshark_s "$tshark_s" --arg tshark_on "$tshark_on" --argjson extract_kb "$extract_kb" \
	--argjson extract_small_kb "$extract_small_kb" --argjson reenact_s "$reenact_s" \
	--argjson reenact_kb "$reenact_kb" --argjson reenact_rc "$reenact_rc" \
	--argjson x_tcpdump "$x_tcpdump" --argjson x_tshark "$x_tshark" --argjson x_rss "$x_rss" \
	'{capture: $cap, bytes: $size, ftp_sessions: $sessions, active_flows: $active,
	  tcpdump_read_s: $tcpdump_s, extract_s: $extract_s, tshark_ftp_s: $tshark_s, tshark_capture: $tshark_on,
	  extract_vs_tcpdump: $x_tcpdump, tshark_vs_extract: $x_tshark,
	  extract_peak_rss_kb: $extract_kb, extract_small_sessions: $small,
	  extract_small_peak_rss_kb: $extract_small_kb, rss_ratio_big_small: $x_rss,
	  reenact_direct_s: $reenact_s, reenact_direct_peak_rss_kb: $reenact_kb,
	  reenact_exit: $reenact_rc}' >"$B/replay.json" || die "cannot write $B/replay.json"
[ "$extract_rc" -eq 0 ] && [ "$reenact_rc" -eq 0 ] || die "gatelab replay failed"
