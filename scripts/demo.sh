#!/usr/bin/env bash
# demo.sh BUILD - `make demo`: runs scenarios/teach.yaml (10 Gbit/s links: the gateway's
# CPU, not the window, limits TCP) in all four modes with a report and the walk-through
# of session 1 in BUILD/demo, then, briefly, translates the kernel-NAT oracle's capture
# with `gatelab translate` and compares PORT rewrites.
set -euo pipefail

BUILD=${1:-build}
IN=pcaps/kernel-nat/lftp-port-inside.pcap
KERNEL=pcaps/kernel-nat/lftp-port-outside.pcap
REPORT=$BUILD/demo
DIR=$BUILD/demo-translate
OUT=$DIR/lftp-port-outside.pcap
JSON=$DIR/lftp-port-translate.json
GATELAB=$BUILD/gatelab

if [ ! -x "$GATELAB" ]; then
	echo "demo: $GATELAB is not built (run 'make' and read its errors)" >&2
	exit 1
fi
if [ ! -f "$IN" ]; then
	echo "demo: $IN is missing (run from the repository root)" >&2
	exit 1
fi
# An earlier demo kept its translate outputs in BUILD/demo: they now live beside it,
# and the report may only replace an empty directory or an earlier report.
if [ -d "$REPORT" ] && [ ! -f "$REPORT/report.md" ]; then
	rm -f "$REPORT"/lftp-port-outside.pcap "$REPORT"/lftp-port-translate.json
	rmdir "$REPORT" 2>/dev/null || true
fi

echo "== gatelab run: a client fetches 20 MB through the gateway over 10 Gbit/s links, four ways"
echo "\$ $GATELAB run scenarios/teach.yaml --report $REPORT"
"$GATELAB" run scenarios/teach.yaml --report "$REPORT"
echo
echo "direct: no gateway process; nat: the kernel translates; proxy: every byte goes up to the"
echo "FTP proxy and back down (transitions, copies): the gateway's CPU is busy all the transfer"
echo "long and caps the throughput; fastpath: the proxy commands the gNAT, so data stays in the"
echo "kernel (data_tr 0) at NAT cost and reaches the rate the kernel path allows."
echo "Report: $REPORT/index.html (also report.md, metrics.json, metrics.csv, the SVGs; docs/REPORTS.md)"
echo
echo "== the walk-through: session 1 (an active-mode PORT download), step by step, in each mode"
echo "   open $REPORT/walkthrough.html in a browser: arrow keys step, 1-4 switch modes"
echo "   (docs/TEACHING.md is the 45-minute lesson built on it)"
echo

mkdir -p "$DIR"
rm -f "$OUT" "$JSON"

echo "== second part: gatelab translate on a real capture, against the Linux kernel"
echo "== gatelab translate: the client's side of an active-mode FTP session (lftp -> vsftpd),"
echo "   as the gateway would send it out (inside 192.0.2.0/24, public 203.0.113.1)"
echo "\$ $GATELAB translate $IN $OUT --inside 192.0.2.0/24 --public 203.0.113.1 --json $JSON"
"$GATELAB" translate "$IN" "$OUT" --inside 192.0.2.0/24 --public 203.0.113.1 --json "$JSON"
echo

# One line per PORT command: frame, then the argument as the line carried it.
port_lines() {
	tshark -r "$1" -Y 'ftp.request.command == "PORT"' -T fields \
		-e frame.number -e ip.src -e ftp.request.arg 2>/dev/null
}

# What a NAT decides per packet (TTL and MACs are the link's business).
headers() {
	tshark -r "$1" -T fields -E separator=, -e ip.src -e ip.dst -e tcp.srcport -e tcp.dstport \
		-e tcp.seq_raw -e tcp.ack_raw -e tcp.len 2>/dev/null
}

echo "== PORT commands: sent by the client / rewritten by gatelab / rewritten by Linux"
printf '%-6s %-24s %-24s %-24s\n' frame "client (inside link)" "gatelab (outside)" "Linux nf_nat_ftp"
if command -v tshark >/dev/null; then
	paste <(port_lines "$IN") <(port_lines "$OUT") <(port_lines "$KERNEL") |
		awk -F'\t' '{ printf "%-6s %-24s %-24s %-24s\n", $1, $3, $6, $9 }'
	echo
	echo "== addresses on the output link (packets per source -> destination)"
	tshark -r "$OUT" -T fields -e ip.src -e ip.dst 2>/dev/null | sort | uniq -c | sort -rn
	echo
	echo "== packet by packet against the kernel's outside capture"
	same=$(paste -d'|' <(headers "$OUT") <(headers "$KERNEL") | awk -F'|' '$1 == $2' | wc -l)
	echo "$same of $(headers "$KERNEL" | wc -l) packets carry the same addresses, ports," \
		"TCP seq/ack and payload length as the kernel's"
else
	echo "(tshark is not installed: run 'make deps')"
fi
echo
echo "translated capture: $OUT"
echo "summary as JSON:    $JSON"
echo "the Linux kernel's: $KERNEL (same traffic through nftables masquerade + nf_nat_ftp)"
echo
echo "report of the run:  $REPORT/index.html"
echo "walk-through:       $REPORT/walkthrough.html"
