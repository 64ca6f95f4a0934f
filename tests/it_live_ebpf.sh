#!/usr/bin/env bash
# it_live_ebpf.sh - the eBPF fast path (gatelab live-proxy --ebpf) in the live
# lab's three namespaces: passive and active, IPv4 and IPv6, RETR and STOR of a
# few MB by sha256; the proxy copies 0 bytes; the flow map empty after the
# sessions; the outside link carries the same tuples and TTLs as the nftables
# fast path's, checksums valid; a vanished client's connection removed by the
# idle timeout; a killed run's filters replaced; nothing attached afterwards.
set -u
BUILD=${BUILD:-build}
GL=$(readlink -f "$BUILD/gatelab")
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces, tc, BPF)"
	exit 0
fi
if [ ! -f "$BUILD/bpf/gl_fast.bpf.o" ]; then
	echo "SKIP: this build has no eBPF fast path (clang's BPF target or bpftool missing: make deps)"
	exit 0
fi
for tool in vsftpd curl jq sha256sum bpftool tc tshark tcpdump ethtool; do
	if ! command -v "$tool" >/dev/null; then echo "FAIL: $tool is not installed"; exit 1; fi
done
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# shellcheck source=tests/live_lab.sh
. "$(dirname "$0")/live_lab.sh"
CAP_PID=""
trap 'kill $CAP_PID 2>/dev/null; [ -n "${KEEP:-}" ] && cp "$T"/*.pcap "$T"/*.err "$KEEP"/; cleanup' EXIT

MB=${EBPF_MB:-4}
head -c $((MB * 1048576)) /dev/urandom >"$R/pub/big.bin"
head -c $((MB * 1048576 - 12345)) /dev/urandom >"$T/upbig.bin"
chmod 644 "$R/pub/big.bin" "$T/upbig.bin"
# Full checksums on the wire from both hosts (veth would leave them to an
# offload that never happens), so every checksum in a capture is checkable.
inc ethtool -K "${P}ci" tx off >/dev/null
ins ethtool -K "${P}so" tx off >/dev/null
ing ethtool -K "${P}gi" tx off >/dev/null
ing ethtool -K "${P}go" tx off >/dev/null

sum_of() { sha256sum "$1" | cut -d' ' -f1; }
stat_is() { # label jq-expr
	if jq -e "$2" "$T/stats.json" >/dev/null 2>&1; then pass "$1: $2"; else
		fail "$1: $2 (stats: $(jq -c . "$T/stats.json" 2>/dev/null | cut -c1-600))"
	fi
}
prog_id() { ing tc filter show dev "${P}gi" ingress | grep -o ' id [0-9]*' | head -1 | tr -dc 0-9; }
map_id() { # name
	bpftool -j prog show id "$1" | jq -r '.map_ids[]' | while read -r m; do
		bpftool -j map show id "$m" | jq -r "select(.name == \"$2\") | .id"
	done
}
map_len() { bpftool -j map dump id "$1" 2>/dev/null | jq length; }
XFERS=0 BYTES=0
get() { # label url src curl-args...
	local label=$1 url=$2 src=$3; shift 3
	rm -f "$T/o"
	if inc curl -sS --max-time 30 "$@" -o "$T/o" "$url" 2>"$T/curl.err" &&
	   [ "$(sum_of "$T/o")" = "$(sum_of "$src")" ]; then
		pass "$label: sha256 matches"
	else
		fail "$label: $(cat "$T/curl.err")"
	fi
	XFERS=$((XFERS + 1)) BYTES=$((BYTES + $(stat -c %s "$src")))
}
put() { # label url remote curl-args...
	local label=$1 url=$2 remote=$3; shift 3
	if inc curl -sS --max-time 30 "$@" -T "$T/upbig.bin" "$url" 2>"$T/curl.err" &&
	   [ "$(sum_of "$remote")" = "$(sum_of "$T/upbig.bin")" ]; then
		pass "$label: sha256 of the stored file matches"
	else
		fail "$label: $(cat "$T/curl.err")"
	fi
	XFERS=$((XFERS + 1)) BYTES=$((BYTES + $(stat -c %s "$T/upbig.bin")))
}
stop_proxy() { # label
	local rc
	kill -INT "$PX_PID"; wait "$PX_PID"; rc=$?; PX_PID=""
	[ -n "${KEEP:-}" ] && cp "$T/proxy.err" "$KEEP/proxy-$1.err"
	[ "$rc" -eq 0 ] && pass "$1: proxy exits 0 on SIGINT" || fail "$1: proxy exited $rc: $(tail -5 "$T/proxy.err")"
}
nothing_attached() { # label old-prog-id
	local i out gone=0
	for i in gi go; do
		out=$(ing tc filter show dev "${P}$i" ingress; ing tc qdisc show dev "${P}$i" | grep clsact)
		[ -z "$out" ] && pass "$1: nothing on ${P}$i's tc ingress" || fail "$1: left on ${P}$i: $out"
	done
	for _ in $(seq 40); do bpftool prog show id "$2" >/dev/null 2>&1 || { gone=1; break; }; sleep 0.05; done
	[ "$gone" = 1 ] && pass "$1: program $2 unloaded (maps with it)" || fail "$1: program $2 still loaded"
	ing nft list tables | grep -q "inet $TABLE\$" && fail "$1: table inet $TABLE left" ||
		pass "$1: table inet $TABLE gone"
}
# One data connection's SYN on each link, as "src sport dst dport ttl", and
# the checksum errors of the outside capture.
syn_of() { # pcap family
	local f=ip; [ "$2" = 6 ] && f=ipv6
	tshark -r "$1" -Y "tcp.flags.syn == 1 && tcp.flags.ack == 0 && tcp.port != 21 && $f" \
		-T fields -e "$f.src" -e tcp.srcport -e "$f.dst" -e tcp.dstport \
		-e "$([ "$2" = 6 ] && echo ipv6.hlim || echo ip.ttl)" 2>/dev/null | head -1
}
bad_sums() {
	tshark -r "$1" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
		-Y 'tcp.checksum.status == "Bad" || ip.checksum.status == "Bad"' 2>/dev/null | wc -l
}
# The outside tuple in terms of the inside one: which ports are kept.
shape() { # inside-syn outside-syn
	set -- $1 $2
	[ $# -eq 10 ] || { echo "no SYN captured on both links"; return; }
	echo "$6 $([ "$2" = "$7" ] && echo sport=inside || echo "sport=$7") $8 $([ "$4" = "$9" ] && echo dport=inside || echo "dport=$9") ttl-$(( $5 - ${10} ))"
}
cap_start() { # netns dev file
	ip netns exec "$1" tcpdump --immediate-mode -i "$2" -w "$3" -U -s 128 tcp 2>"$3.err" &
	CAP_PID="$CAP_PID $!"
	for _ in $(seq 100); do grep -q 'listening on' "$3.err" 2>/dev/null && return; sleep 0.05; done
}
capture_one() { # tag family url curl-args... : one RETR with both links captured;
	local tag=$1 fam=$2 url=$3; shift 3   # the shape goes to $T/shape
	CAP_PID=""
	cap_start "$NC" "${P}ci" "$T/$tag-in.pcap"
	cap_start "$NS" "${P}so" "$T/$tag-out.pcap"
	get "$tag capture v$fam" "$url" "$R/pub/f1.bin" "$@"
	sleep 0.3
	kill $CAP_PID 2>/dev/null; wait $CAP_PID 2>/dev/null; CAP_PID=""
	shape "$(syn_of "$T/$tag-in.pcap" "$fam")" "$(syn_of "$T/$tag-out.pcap" "$fam")" >"$T/shape"
}

S4=ftp://203.0.113.10 S6='ftp://[2001:db8:2::10]'

# ---- the reference: the nftables fast path's outside link
if start_proxy fast; then
	capture_one nft 4 "$S4/pub/f1.bin"; NFT_P4=$(cat "$T/shape")
	capture_one nft 4 "$S4/pub/f1.bin" -P 192.0.2.10; NFT_A4=$(cat "$T/shape")
	capture_one nft 6 "$S6/pub/f1.bin"; NFT_P6=$(cat "$T/shape")
	stop_proxy nft
fi

# ---- the eBPF fast path
if start_proxy fast --ebpf --ebpf-linger 300 --ebpf-idle 1500; then
	PID=$(prog_id)
	FLOWS=$(map_id "$PID" gl_flows) PEND=$(map_id "$PID" gl_pend)
	[ -n "$PID" ] && [ -n "$FLOWS" ] && [ -n "$PEND" ] &&
		pass "ebpf: program $PID on ${P}gi with maps gl_flows=$FLOWS gl_pend=$PEND" ||
		fail "ebpf: program or maps not found (prog '$PID')"
	ing tc filter show dev "${P}go" ingress | grep -q "id $PID " &&
		pass "ebpf: the same program on ${P}go" || fail "ebpf: not on ${P}go"
	XFERS=0 BYTES=0
	get "ebpf v4 RETR EPSV" "$S4/pub/big.bin" "$R/pub/big.bin"
	get "ebpf v4 RETR PASV" "$S4/pub/big.bin" "$R/pub/big.bin" --disable-epsv
	get "ebpf v4 RETR EPRT" "$S4/pub/big.bin" "$R/pub/big.bin" -P 192.0.2.10
	get "ebpf v4 RETR PORT" "$S4/pub/big.bin" "$R/pub/big.bin" -P 192.0.2.10 --disable-eprt
	put "ebpf v4 STOR PASV" "$S4/up/e_p4.bin" "$R/up/e_p4.bin" --disable-epsv
	put "ebpf v4 STOR PORT" "$S4/up/e_a4.bin" "$R/up/e_a4.bin" -P 192.0.2.10 --disable-eprt
	get "ebpf v6 RETR EPSV" "$S6/pub/big.bin" "$R/pub/big.bin"
	get "ebpf v6 RETR EPRT" "$S6/pub/big.bin" "$R/pub/big.bin" -P 2001:db8:1::10
	put "ebpf v6 STOR EPSV" "$S6/up/e_p6.bin" "$R/up/e_p6.bin"
	put "ebpf v6 STOR EPRT" "$S6/up/e_a6.bin" "$R/up/e_a6.bin" -P 2001:db8:1::10
	N=$XFERS SUM=$BYTES
	capture_one ebpf 4 "$S4/pub/f1.bin"; EB_P4=$(cat "$T/shape")
	for c in in out; do
		b=$(bad_sums "$T/ebpf-$c.pcap")
		[ "$b" = 0 ] && pass "ebpf capture ($c, v4 passive): every IP/TCP checksum valid" ||
			fail "ebpf capture ($c): $b packets with a bad checksum"
	done
	capture_one ebpf 4 "$S4/pub/f1.bin" -P 192.0.2.10; EB_A4=$(cat "$T/shape")
	b=$(bad_sums "$T/ebpf-out.pcap")
	[ "$b" = 0 ] && pass "ebpf capture (out, v4 active): checksums valid" || fail "ebpf capture (v4 active): $b bad"
	capture_one ebpf 6 "$S6/pub/f1.bin"; EB_P6=$(cat "$T/shape")
	b=$(bad_sums "$T/ebpf-out.pcap")
	[ "$b" = 0 ] && pass "ebpf capture (out, v6 passive): checksums valid" || fail "ebpf capture (v6): $b bad"
	for k in P4 A4 P6; do
		n=NFT_$k e=EB_$k
		[ -n "${!n:-}" ] && [ "${!n}" = "${!e}" ] && [ "${!e#no SYN}" = "${!e}" ] &&
			pass "outside link, $k: eBPF carries what nftables does ('${!e}')" ||
			fail "outside link, $k: nftables '${!n:-}' vs eBPF '${!e}'"
	done
	sleep 0.6 # the linger
	[ "$(map_len "$FLOWS")" = 0 ] && pass "ebpf: gl_flows empty after the sessions" ||
		fail "ebpf: gl_flows holds $(map_len "$FLOWS") entries after the sessions"
	[ "$(map_len "$PEND")" = 0 ] && pass "ebpf: gl_pend empty after the sessions" ||
		fail "ebpf: gl_pend holds $(map_len "$PEND") entries"
	# A client that vanishes mid-transfer: its link goes down; the idle
	# timeout (1.5 s here) removes the connection.
	# (a slow reader: curl's --limit-rate leaves the kernel to buffer it all)
	ip netns exec "$NC" /usr/bin/python3 -c '
import ftplib, time
f = ftplib.FTP("203.0.113.10", timeout=20); f.login()
f.retrbinary("RETR /pub/big.bin", lambda b: time.sleep(0.05), blocksize=4096)' 2>/dev/null &
	CURL_PID=$!
	for _ in $(seq 100); do [ "$(map_len "$FLOWS")" = 2 ] && break; sleep 0.05; done
	[ "$(map_len "$FLOWS")" = 2 ] && pass "vanish: the slow transfer is in gl_flows" ||
		fail "vanish: slow transfer not in the map ($(map_len "$FLOWS"))"
	inc ip link set "${P}ci" down
	for _ in $(seq 80); do [ "$(map_len "$FLOWS")" = 0 ] && break; sleep 0.05; done
	[ "$(map_len "$FLOWS")" = 0 ] && pass "vanish: removed by the idle timeout" ||
		fail "vanish: still $(map_len "$FLOWS") entries after 4 s"
	kill "$CURL_PID" 2>/dev/null; wait "$CURL_PID" 2>/dev/null; CURL_PID=""
	inc ip link set "${P}ci" up
	inc ip route replace default via 192.0.2.1 2>/dev/null
	inc ip -6 route replace default via 2001:db8:1::1 2>/dev/null
	stop_proxy ebpf
	stat_is ebpf ".result == 0 and .errors == 0"
	stat_is ebpf ".bytes_copied == 0 and .proxy_transfers == 0 and .syscalls.splice == 0"
	# N + 3 captured transfers, each one connection, and the vanished
	# client's (whether the proxy counts that transfer depends on when its
	# session learns of the end: not checked).
	stat_is ebpf ".fast_flows == $N + 4 and .fast_transfers >= $N + 3"
	stat_is ebpf ".fast_flows_closed == .fast_flows - 1 and .fast_flows_idle == 1 and .fast_flows_left == 0"
	stat_is ebpf ".fast_untranslated == 0 and .fast_bytes >= $SUM"
	nothing_attached ebpf "$PID"
fi

# ---- a run killed (SIGKILL) leaves its filters; the next one replaces them
if start_proxy fast --ebpf; then
	OLD=$(prog_id)
	kill -KILL "$PX_PID"; wait "$PX_PID" 2>/dev/null; PX_PID=""
	ing tc filter show dev "${P}gi" ingress | grep -q gl_fast &&
		pass "killed: its filter stays attached (nobody closed it)" || fail "killed: no filter left?"
	if start_proxy fast --ebpf; then
		grep -q 'replacing the tc filter' "$T/proxy.err" && pass "restart: stale filter reported" ||
			fail "restart: stale filter not reported: $(cat "$T/proxy.err")"
		NEW=$(prog_id)
		[ -n "$NEW" ] && [ "$NEW" != "$OLD" ] && pass "restart: program $OLD replaced by $NEW" ||
			fail "restart: program '$OLD' -> '$NEW'"
		get "restart v4 RETR" "$S4/pub/f1.bin" "$R/pub/f1.bin"
		stop_proxy restart
		stat_is restart ".fast_flows == 1 and .bytes_copied == 0"
		nothing_attached restart "$NEW"
		bpftool prog show id "$OLD" >/dev/null 2>&1 && fail "restart: old program $OLD still loaded" ||
			pass "restart: old program $OLD unloaded"
	fi
fi

kill "$FTPD4" "$FTPD6" 2>/dev/null; wait "$FTPD4" "$FTPD6" 2>/dev/null; FTPD4="" FTPD6=""
for n in $NC $NG $NS; do ip netns del "$n"; done

# ---- the lab's mode: gatelab live --modes fastpath-ebpf (lftp and curl,
# PASV/EPSV/PORT/EPRT, RETR/STOR/LIST, IPv4 and IPv6; its own namespaces)
"$GL" live --modes fastpath-ebpf --ipv6 --size 2000000 --json "$T/live.json" >"$T/live.out" 2>"$T/live.err"
rc=$?
[ $rc -eq 0 ] && pass "gatelab live --modes fastpath-ebpf: exit 0" || fail "gatelab live: exit $rc: $(tail -3 "$T/live.err")"
if jq -e '.modes["fastpath-ebpf"] | .transfers_ok == 33 and .transfers_failed == 0 and .bytes_copied == 0 and .fastpath_packets > 0' \
	"$T/live.json" >/dev/null 2>&1; then
	pass "live fastpath-ebpf: 33 transfers ok, 0 bytes copied, packets counted by the program"
else
	fail "live fastpath-ebpf: $(jq -c '.modes["fastpath-ebpf"] | {transfers_ok, transfers_failed, bytes_copied, fastpath_packets}' "$T/live.json" 2>/dev/null)"
fi
NC="" NG="" NS=""
[ "$fails" -eq 0 ]
