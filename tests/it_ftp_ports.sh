#!/usr/bin/env bash
# it_ftp_ports.sh - `replay` and `translate` on the real captures of
# pcaps/real-b/: FTP on port 2121 (--ftp-port, the hint when it is missing,
# the kernel's outside capture as oracle), a PORT split over two segments
# (the leak named, exit 3) and an outside capture of masquerade (why every
# packet is dropped, exit 3).
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_ftp_ports.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
R=pcaps/real-b
NAT=(--inside 192.0.2.0/24 --inside 2001:db8:1::/64 --public 203.0.113.1 --public 2001:db8:2::1)
# FTP control lines that carry an address (PORT/EPRT/227/229), in order
addr_lines() {
	tshark -r "$1" -Y "tcp.len > 0 && tcp.port == $2" -T fields -e tcp.payload 2>/dev/null |
		xxd -r -p | tr -d '\r' | grep -aE '^(PORT|EPRT|227|229) '
}

# ---- 6: a session on port 2121 ----
out=$("$GL" replay "$R/port2121-inside.pcap" --modes direct --json "$T/no.json" 2>&1)
if grep -q '^0 FTP session(s)' <<<"$out" &&
	grep -q 'look like FTP on a port not taken as FTP.*try --ftp-port 2121' <<<"$out" &&
	jq -e '.capture.ftp_like_flows >= 1 and .capture.ftp_like_port == 2121' "$T/no.json" >/dev/null; then
	pass "replay without --ftp-port: 0 sessions, and the summary names port 2121 as FTP-like"
else
	fail "replay without --ftp-port: $out"
fi
if "$GL" replay "$R/port2121-inside.pcap" -q --ftp-port 2121 --json "$T/p.json" 2>"$T/err" &&
	jq -e '(.capture.sessions | length) == 1 and .capture.sessions[0].server_port == 2121 and
		([.capture.sessions[0].transfers[] | [.command, .mode, .bytes, .complete]] ==
		 [["LIST", "active", 135, true], ["RETR", "active", 3000, true]]) and
		.capture.ftp_like_flows == 0 and .modes.direct.replay[0].reproduced and
		.modes.nat.replay[0].reproduced' \
		"$T/p.json" >/dev/null; then
	pass "replay --ftp-port 2121: one session, LIST 135 B + RETR 3000 B active, reproduced in direct and nat (the proxy answers AUTH TLS itself)"
else
	fail "replay --ftp-port 2121: $(head -c 300 "$T/err") $(jq -c '.capture.sessions[0].transfers, [.modes[].replay[]]' "$T/p.json" 2>/dev/null)"
fi
err=$("$GL" translate "$R/port2121-inside.pcap" "$T/no.pcap" "${NAT[@]}" -q 2>&1)
if grep -q 'look like FTP on port 2121.*--ftp-port 2121' <<<"$err" &&
	addr_lines "$T/no.pcap" 2121 | grep -q '^PORT 192,0,2,10,'; then
	pass "translate without --ftp-port: PORT left naming the inside, and the warning says why"
else
	fail "translate without --ftp-port: $err"
fi
if "$GL" translate "$R/port2121-inside.pcap" "$T/p.pcap" "${NAT[@]}" -q --ftp-port 2121 \
	--json "$T/p-tr.json" 2>"$T/err"; then
	ours=$(addr_lines "$T/p.pcap" 2121)
	kernel=$(addr_lines "$R/port2121-outside.pcap" 2121)
	if [ -n "$ours" ] && [ "$ours" = "$kernel" ] && ! grep -q '192,0,2' <<<"$ours" &&
		jq -e '.ftp_ports == [2121] and .editor_rewrites == 2 and .leaks.packets == 0' \
			"$T/p-tr.json" >/dev/null; then
		pass "translate --ftp-port 2121: the PORT lines the kernel's helper wrote ($(wc -l <<<"$ours"))"
	else
		fail "translate --ftp-port 2121: ours [$ours] kernel [$kernel]"
	fi
else
	fail "translate --ftp-port 2121: $(head -1 "$T/err")"
fi
if "$GL" translate "$R/masq-inside.pcap" "$T/m.pcap" "${NAT[@]}" -q 2>"$T/err"; then
	ours=$(addr_lines "$T/m.pcap" 21 | grep '^EPRT')
	kernel=$(addr_lines "$R/masq-outside.pcap" 21 | grep '^EPRT')
	[ -n "$ours" ] && [ "$ours" = "$kernel" ] &&
		pass "translate masq-inside (default port 21): EPRT as the kernel wrote it: $ours" ||
		fail "translate masq-inside: ours [$ours] kernel [$kernel]"
else
	fail "translate masq-inside: $(head -1 "$T/err")"
fi

# ---- 7: a PORT split across two segments ----
"$GL" translate "$R/split-port-inside.pcap" "$T/s.pcap" "${NAT[@]}" -q --json "$T/s.json" \
	2>"$T/err"
rc=$?
if [ "$rc" -eq 3 ] && grep -q 'packet 15: still names the inside address 192.0.2.10' "$T/err" &&
	grep -q 'packet 13: an FTP control line continues in the next segment' "$T/err" &&
	jq -e '.leaks.packets == 1 and .leaks.first_packet == 15 and
		.leaks.first_address == "192.0.2.10" and .leaks.split_lines == 1' "$T/s.json" >/dev/null &&
	tshark -r "$T/s.pcap" -Y 'frame.number == 15' -T fields -e tcp.payload 2>/dev/null |
		xxd -r -p | grep -q '^RT 192,0,2,10,'; then
	pass "split PORT: exit 3, packet 15 named with the inside address it still carries"
else
	fail "split PORT: exit $rc: $(cat "$T/err")"
fi

# ---- 7: an outside capture of masqueraded sessions ----
"$GL" translate "$R/masq-outside.pcap" "$T/o.pcap" "${NAT[@]}" --capture-side outside -q \
	--json "$T/o.json" 2>"$T/err"
rc=$?
if [ "$rc" -eq 3 ] && grep -q '104 of 104 packets dropped.*captured on the outside.*inside capture' "$T/err" &&
	jq -e '.dropped.no_origin == 104 and .packets.out == 0' "$T/o.json" >/dev/null; then
	pass "outside capture of masquerade: exit 3, 104 of 104 dropped and why"
else
	fail "outside capture: exit $rc: $(cat "$T/err")"
fi

# ---- usage ----
for bad in "--ftp-port 0" "--ftp-port 70000" "--ftp-port x" "--ftp-port 21 --ftp-port 21"; do
	# shellcheck disable=SC2086
	"$GL" translate "$R/masq-inside.pcap" "$T/u.pcap" "${NAT[@]}" $bad 2>"$T/err" >/dev/null
	rc1=$?
	# shellcheck disable=SC2086
	"$GL" replay "$R/masq-inside.pcap" $bad 2>"$T/err2" >/dev/null
	rc2=$?
	if [ "$rc1" -eq 2 ] && [ "$rc2" -eq 2 ] && grep -q -- '--ftp-port' "$T/err" &&
		grep -q -- '--ftp-port' "$T/err2"; then
		pass "'$bad': exit 2 from translate and replay"
	else
		fail "'$bad': translate $rc1, replay $rc2: $(cat "$T/err" "$T/err2")"
	fi
done

[ "$fails" -eq 0 ] && exit 0 || exit 1
