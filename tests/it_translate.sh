#!/usr/bin/env bash
# it_translate.sh - `gatelab translate` on every capture in pcaps/ that has an
# inside network, checked with tshark: checksums, no inside address left,
# announced data endpoints consistent, no new TCP losses; then bad inputs.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_translate.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# tshark without its "running as root" chatter
tshark_q() { tshark "$@" 2>/dev/null; }

TS=(tshark_q -n -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE)

# The checksum filter itself must see a bad checksum: corrupt the first
# packet's IPv4 header checksum (pcap 24 + record 16 + Ethernet 14 + 10).
cp pcaps/kernel-nat/lftp-port-inside.pcap "$T/corrupt.pcap"
printf '\xde\xad' | dd of="$T/corrupt.pcap" bs=1 seek=64 conv=notrunc status=none
nbad=$("${TS[@]}" -r "$T/corrupt.pcap" -Y 'ip.checksum.status==0 || tcp.checksum.status==0' | wc -l)
[ "$nbad" -eq 1 ] && pass "checksum filter sees one corrupted checksum" ||
	fail "checksum filter saw $nbad bad packets in a capture with one corrupted checksum"

# Announced data endpoints (PORT, EPRT, 227, 229) that a later SYN (no ACK)
# really connects to. Prints "announced matched".
endpoints_matched() {
	"${TS[@]}" -r "$1" -T fields -E occurrence=f \
		-e ip.src -e ipv6.src -e ip.dst -e ipv6.dst -e tcp.srcport -e tcp.dstport \
		-e tcp.flags.syn -e tcp.flags.ack -e ftp.request.command -e ftp.request.arg \
		-e ftp.response.code -e ftp.response.arg 2>/dev/null |
	awk -F'\t' '
	function want(key) { if (!(key in pend)) { pend[key] = 1; ann++ } }
	{
		src = $1 $2; dst = $3 $4
		if ($9 == "PORT" && split($10, a, ",") == 6)
			want(a[1] "." a[2] "." a[3] "." a[4] ":" (a[5] * 256 + a[6]))
		if ($9 == "EPRT" && split($10, a, "|") >= 4)
			want(a[3] ":" a[4])
		if ($11 == "227" && match($12, /[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+,[0-9]+/)) {
			split(substr($12, RSTART, RLENGTH), a, ",")
			want(a[1] "." a[2] "." a[3] "." a[4] ":" (a[5] * 256 + a[6]))
		}
		if ($11 == "229" && match($12, /\|\|\|[0-9]+\|/))
			want(src ":" substr($12, RSTART + 3, RLENGTH - 4))
		if ($7 == "1" && $8 == "0") {
			key = dst ":" $6
			if (key in pend) { matched++; delete pend[key] }
		}
	}
	END { printf "%d %d\n", ann, matched }'
}

losses() {
	"${TS[@]}" -r "$1" -Y 'tcp.analysis.ack_lost_segment || tcp.analysis.lost_segment' \
		2>/dev/null | wc -l
}

# check NAME IN HDRFILTER PAYLOADREGEX ARGS...
check_capture() {
	local name=$1 in=$2 hdr=$3 pay=$4
	shift 4
	local out="$T/$name.pcap" err="$T/$name.err"
	if ! "$GL" translate "$in" "$out" --quiet --json "$T/$name.json" "$@" 2>"$err"; then
		fail "$name: translate exited non-zero: $(head -1 "$err")"
		return
	fi
	pass "$name: translated"
	local bad
	bad=$("${TS[@]}" -r "$out" \
		-Y 'ip.checksum.status==0 || tcp.checksum.status==0 || udp.checksum.status==0' | wc -l)
	[ "$bad" -eq 0 ] && pass "$name: all checksums good" || fail "$name: $bad bad checksums"
	local left
	left=$("${TS[@]}" -r "$out" -Y "$hdr" | wc -l)
	[ "$left" -eq 0 ] && pass "$name: no inside address in headers" ||
		fail "$name: $left packets with an inside address ($hdr)"
	left=$("${TS[@]}" -r "$out" -T fields -e ftp.request.arg -e ftp.response.arg |
		grep -Eic "$pay")
	[ "$left" -eq 0 ] && pass "$name: no inside address in FTP lines" ||
		fail "$name: $left FTP lines name an inside address"
	local ai mi ao mo
	read -r ai mi <<<"$(endpoints_matched "$in")"
	read -r ao mo <<<"$(endpoints_matched "$out")"
	if [ "$ao" -eq "$ai" ] && [ "$mo" -ge "$mi" ]; then
		pass "$name: $mo of $ao announced data endpoints connected to (input: $mi of $ai)"
	else
		fail "$name: announced/connected $ao/$mo in OUT, $ai/$mi in IN"
	fi
	local li lo
	li=$(losses "$in"); lo=$(losses "$out")
	[ "$lo" -le "$li" ] && pass "$name: TCP losses $lo <= $li" ||
		fail "$name: TCP losses $lo in OUT > $li in IN"
	local pin pout
	pin=$(capinfos -c -M "$in" | awk '/Number of packets/ {print $NF}')
	pout=$(capinfos -c -M "$out" | awk '/Number of packets/ {print $NF}')
	local drops
	drops=$(jq '.dropped.total' "$T/$name.json")
	[ "$pout" -eq $((pin - drops)) ] && pass "$name: $pout packets out = $pin in - $drops dropped" ||
		fail "$name: $pout packets out, $pin in, $drops dropped"
	jq -e '.schema == "gatelab.translate/1" and .sessions > 0' "$T/$name.json" >/dev/null &&
		pass "$name: JSON summary with sessions" || fail "$name: JSON summary wrong or no sessions"
}

P4="--public 203.0.113.1"
check_capture lftp-port pcaps/kernel-nat/lftp-port-inside.pcap 'ip.addr==192.0.2.0/24' \
	'192\.0\.2\.|192,0,2,' --inside 192.0.2.0/24 $P4
check_capture curl-pasv pcaps/kernel-nat/curl-pasv-inside.pcap 'ip.addr==192.0.2.0/24' \
	'192\.0\.2\.|192,0,2,' --inside 192.0.2.0/24 $P4
check_capture zeek-ipv4 pcaps/zeek/ipv4.pcap 'ip.addr==141.142.220.235' \
	'141\.142\.220\.235|141,142,220,235' --inside 141.142.220.235/32 $P4
check_capture zeek-retr pcaps/zeek/retr.pcap 'ip.addr==141.142.228.5' \
	'141\.142\.228\.5|141,142,228,5' --inside 141.142.228.5/32 $P4
check_capture zeek-ipv6 pcaps/zeek/ipv6.pcap 'ipv6.addr==2001:470:1f11:81f::/64' \
	'2001:470:1f11:81f:' --inside 2001:470:1f11:81f::/64 --public 2001:db8:2::1 $P4
check_capture zeek-many-port pcaps/zeek/ftp-many-port-expected.pcap 'ip.addr==10.0.0.1' \
	'10\.0\.0\.1[^0-9]|10,0,0,1,' --inside 10.0.0.1/32 $P4
check_capture zeek-midsession pcaps/zeek/ftp-with-numbers-in-filename-first200.pcap \
	'ip.addr==192.168.21.95' '192\.168\.21\.95|192,168,21,95' --inside 192.168.21.95/32 $P4
for c in ftp-download-active ftp-download-passive ftp-upload-active; do
	check_capture "suricata-$c" "pcaps/suricata/$c.pcap" 'ip.addr==172.23.0.3' \
		'172\.23\.0\.3|172,23,0,3' --inside 172.23.0.3/32 $P4
done
# EPRT naming an IPv6 address on an IPv4 session, no data connection
check_capture suricata-eprt6 pcaps/suricata/ftp-active-dynamic_port-02.pcap 'ip.addr==1.1.1.1' \
	'1\.1\.1\.1[^0-9]' --inside 1.1.1.1/32 $P4

# pcapng input reads the same as pcap
editcap -F pcapng pcaps/zeek/ipv4.pcap "$T/ipv4.pcapng"
if "$GL" translate "$T/ipv4.pcapng" "$T/ng.pcap" --quiet --inside 141.142.220.235/32 $P4 &&
	[ "$(capinfos -c -M "$T/ng.pcap" | awk '/Number of packets/ {print $NF}')" = \
	  "$(capinfos -c -M "$T/zeek-ipv4.pcap" | awk '/Number of packets/ {print $NF}')" ]; then
	pass "pcapng input: same packets out as from pcap"
else
	fail "pcapng input"
fi

# 802.1Q-tagged frames: the tags are kept, the packets translated the same
if tcprewrite --enet-vlan=add --enet-vlan-tag=5 --enet-vlan-cfi=0 --enet-vlan-pri=0 \
	-i pcaps/zeek/ipv4.pcap -o "$T/vlan.pcap" 2>/dev/null &&
	"$GL" translate "$T/vlan.pcap" "$T/vlan-out.pcap" --quiet --inside 141.142.220.235/32 $P4; then
	tagged=$("${TS[@]}" -r "$T/vlan-out.pcap" -Y 'vlan.id==5' | wc -l)
	left=$("${TS[@]}" -r "$T/vlan-out.pcap" -Y 'ip.addr==141.142.220.235' | wc -l)
	bad=$("${TS[@]}" -r "$T/vlan-out.pcap" -Y 'ip.checksum.status==0 || tcp.checksum.status==0' |
		wc -l)
	[ "$tagged" -eq 95 ] && [ "$left" -eq 0 ] && [ "$bad" -eq 0 ] &&
		pass "VLAN input: 95 tagged frames out, translated, checksums good" ||
		fail "VLAN input: $tagged tagged, $left with the inside address, $bad bad checksums"
else
	fail "VLAN input: tcprewrite or translate failed"
fi

# BSD loopback capture: no inside/outside; translate says so and translates nothing
out=$("$GL" translate pcaps/suricata/ftp-port-memcap.pcap "$T/lo.pcap" --inside 127.0.0.0/8 \
	$P4 --json "$T/lo.json" 2>&1 >/dev/null)
rc=$?
if [ $rc -eq 0 ] && grep -q "warning: .*both ends inside.*nothing translated" <<<"$out" &&
	jq -e '.sessions == 0 and .packets.translated == 0 and .packets.both_ends_inside == 18
	       and .link_type == "NULL" and (.warning | test("loopback"))' "$T/lo.json" >/dev/null; then
	pass "loopback capture: warned, nothing translated, 18 packets unchanged"
else
	fail "loopback capture: rc $rc, '$out'"
fi
# records byte-identical (the 24-byte file header differs only in snaplen)
if cmp -s <(tail -c +25 pcaps/suricata/ftp-port-memcap.pcap) <(tail -c +25 "$T/lo.pcap"); then
	pass "loopback capture: OUT records byte-identical to IN"
else
	fail "loopback capture: OUT differs from IN"
fi
# ... and with an inside that is not in the capture at all
out=$("$GL" translate pcaps/suricata/ftp-port-memcap.pcap "$T/lo2.pcap" --inside 192.0.2.0/24 \
	$P4 2>&1 >/dev/null)
grep -q "warning: .*no IP packet from or to the inside prefix" <<<"$out" &&
	pass "capture without the inside prefix: warned" || fail "no warning: '$out'"

# Bad inputs: exit 2, one line naming the file (and packet), no OUT
bad_input() {
	local name=$1 file=$2 want=$3
	local err rc
	err=$("$GL" translate "$file" "$T/bad.pcap" --inside 192.0.2.0/24 $P4 2>&1 >/dev/null)
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <<<"$err")" -eq 1 ] && grep -qF "gatelab: $file: " <<<"$err" &&
		grep -qE "$want" <<<"$err" && [ ! -e "$T/bad.pcap" ] &&
		[ -z "$(ls "$T" | grep '^bad\.pcap\.')" ]; then
		pass "bad input $name: exit 2, '$err', no OUT"
	else
		fail "bad input $name: rc $rc, '$err'"
	fi
}
echo "this is a text file, not a capture" >"$T/text.txt"
bad_input text "$T/text.txt" "not a pcap or pcapng file"
head -c 300000 pcaps/kernel-nat/lftp-port-inside.pcap >"$T/trunc.pcap"
bad_input truncated "$T/trunc.pcap" "packet [0-9]+: .*truncated"
head -c 12 pcaps/zeek/ipv4.pcap >"$T/head.pcap"
bad_input truncated-header "$T/head.pcap" "truncated"
{ printf '\x00'; tail -c +2 pcaps/zeek/ipv4.pcap; } >"$T/magic.pcap"
bad_input wrong-magic "$T/magic.pcap" "not a pcap or pcapng file"
bad_input missing "$T/does-not-exist.pcap" "cannot open"

# A run that cannot write OUT fails with exit 1 and names OUT
err=$("$GL" translate pcaps/zeek/ipv4.pcap "$T/no-such-dir/o.pcap" --inside 10.0.0.0/8 $P4 2>&1)
rc=$?
[ $rc -eq 1 ] && grep -qF "gatelab: $T/no-such-dir/o.pcap: " <<<"$err" &&
	pass "unwritable OUT: exit 1, '$err'" || fail "unwritable OUT: rc $rc, '$err'"

# Usage errors: exit 2
usage() {
	local name=$1 want=$2
	shift 2
	local err rc
	err=$("$GL" "$@" 2>&1 >/dev/null)
	rc=$?
	[ $rc -eq 2 ] && grep -qF -- "$want" <<<"$err" && pass "usage $name: exit 2" ||
		fail "usage $name: rc $rc, '$err'"
}
usage no-inside "--inside PREFIX is required" translate pcaps/zeek/ipv4.pcap "$T/u.pcap" $P4
usage bad-redirect "redirect 'tcp:99999=1.2.3.4'" translate pcaps/zeek/ipv4.pcap "$T/u.pcap" \
	--inside 10.0.0.0/8 $P4 --redirect tcp:99999=1.2.3.4
usage bad-side "--capture-side must be" translate a b --capture-side middle
usage unknown-command "unknown command" frobnicate
"$GL" translate --help | grep -q "tcp:203.0.113.20:21=192.0.2.30:21" &&
	pass "translate --help documents the redirect SPEC" || fail "translate --help"
"$GL" help | grep -q "^  translate" && pass "gatelab help lists translate" || fail "gatelab help"

[ "$fails" -eq 0 ]
