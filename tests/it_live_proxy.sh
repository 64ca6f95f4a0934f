#!/usr/bin/env bash
# it_live_proxy.sh - the live proxy (gatelab live-proxy) between three network
# namespaces of its own (client, gateway, server with vsftpd): passive and
# active (EPSV/PASV/EPRT/PORT), IPv4 and IPv6, RETR/STOR/LIST by curl and lftp,
# each file checked by sha256; fast path copies 0 bytes, proxy path (splice and
# read/write) exactly 2x the data; a server blocked by policy (421), a bounce
# attempt by lftp refused (500); nothing left behind, also after SIGINT.
set -u
BUILD=${BUILD:-build}
GL=$(readlink -f "$BUILD/gatelab")
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces and nftables)"
	exit 0
fi
for tool in vsftpd lftp curl nft jq sha256sum; do
	if ! command -v "$tool" >/dev/null; then echo "FAIL: $tool is not installed"; exit 1; fi
done
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
# shellcheck source=tests/live_lab.sh
. "$(dirname "$0")/live_lab.sh"

stop_proxy() { # label
	local rc
	kill -INT "$PX_PID"
	wait "$PX_PID"; rc=$?
	PX_PID=""
	[ "$rc" -eq 0 ] && pass "$1: proxy exits 0 on SIGINT" ||
		fail "$1: proxy exited $rc: $( (grep -m 40 '^==' "$T/proxy.err" || tail -5 "$T/proxy.err") )"
	if ing nft list tables | grep -q "inet $TABLE\$"; then
		fail "$1: table inet $TABLE left behind"
	else
		pass "$1: table inet $TABLE gone after SIGINT"
	fi
}
stat_is() { # label jq-expr
	if jq -e "$2" "$T/stats.json" >/dev/null 2>&1; then pass "$1: $2"; else
		fail "$1: $2 (stats: $(jq -c '{bytes_copied,fast_transfers,proxy_transfers,errors,sessions,api_calls,nl_transactions}' "$T/stats.json" 2>/dev/null))"
	fi
}

sum_of() { sha256sum "$1" | cut -d' ' -f1; }
BYTES=0 XFERS=0 PASSIVE=0
# Counts a transfer: passive unless its client arguments make it active.
count() { # bytes args...
	local b=$1 a; shift
	BYTES=$((BYTES + b)); XFERS=$((XFERS + 1))
	for a in "$@"; do case $a in -P | *passive-mode\ no*) return ;; esac; done
	PASSIVE=$((PASSIVE + 1))
}
get() { # label url local-file src-file curl-args...
	local label=$1 url=$2 out=$3 src=$4; shift 4
	rm -f "$out"
	if inc curl -sS --max-time 15 "$@" -o "$out" "$url" 2>"$T/curl.err" &&
	   [ "$(sum_of "$out")" = "$(sum_of "$src")" ]; then
		pass "$label: sha256 matches"
	else
		fail "$label: $(cat "$T/curl.err")"
	fi
	count "$(stat -c %s "$src")" "$@"
}
put() { # label url remote-file curl-args...
	local label=$1 url=$2 remote=$3; shift 3
	if inc curl -sS --max-time 15 "$@" -T "$T/up.bin" "$url" 2>"$T/curl.err" &&
	   [ "$(sum_of "$remote")" = "$(sum_of "$T/up.bin")" ]; then
		pass "$label: sha256 of the stored file matches"
	else
		fail "$label: $(cat "$T/curl.err")"
	fi
	count "$(stat -c %s "$T/up.bin")" "$@"
}
list() { # label url curl-args...
	local label=$1 url=$2; shift 2
	if inc curl -sS --max-time 15 "$@" -o "$T/list.txt" "$url" 2>"$T/curl.err" &&
	   grep -q 'f1.bin' "$T/list.txt"; then
		pass "$label: listing names f1.bin"
	else
		fail "$label: $(cat "$T/curl.err")"
	fi
	# curl turns the listing's CRLF into LF (ASCII type): one byte per line
	# more went through the proxy than landed in the file.
	count "$(( $(stat -c %s "$T/list.txt" 2>/dev/null || echo 0) + $(wc -l <"$T/list.txt" 2>/dev/null || echo 0) ))" "$@"
}
lftp_get() { # label settings url-dir file
	local label=$1 set=$2 dir=$3 f=$4
	rm -f "$T/$f"
	if inc lftp -c "set net:max-retries 1; set net:timeout 10; $set; open $dir; lcd $T; get $f" \
		>"$T/lftp.err" 2>&1 && [ "$(sum_of "$T/$f")" = "$(sum_of "$R/pub/$f")" ]; then
		pass "$label: sha256 matches"
	else
		fail "$label: $(cat "$T/lftp.err")"
	fi
	count "$(stat -c %s "$R/pub/$f")" "$set"
}

run_suite() { # tag
	local t=$1 S4=ftp://203.0.113.10 S6='ftp://[2001:db8:2::10]'
	BYTES=0 XFERS=0 PASSIVE=0
	get "$t v4 RETR EPSV" "$S4/pub/f1.bin" "$T/o" "$R/pub/f1.bin"
	get "$t v4 RETR PASV" "$S4/pub/f2.bin" "$T/o" "$R/pub/f2.bin" --disable-epsv
	get "$t v4 RETR EPRT" "$S4/pub/f1.bin" "$T/o" "$R/pub/f1.bin" -P 192.0.2.10
	get "$t v4 RETR PORT" "$S4/pub/f2.bin" "$T/o" "$R/pub/f2.bin" -P 192.0.2.10 --disable-eprt
	put "$t v4 STOR PASV" "$S4/up/${t}_p4.bin" "$R/up/${t}_p4.bin" --disable-epsv
	put "$t v4 STOR PORT" "$S4/up/${t}_a4.bin" "$R/up/${t}_a4.bin" -P 192.0.2.10 --disable-eprt
	list "$t v4 LIST EPSV" "$S4/pub/"
	list "$t v4 LIST PORT" "$S4/pub/" -P 192.0.2.10 --disable-eprt
	get "$t v6 RETR EPSV" "$S6/pub/f1.bin" "$T/o" "$R/pub/f1.bin"
	get "$t v6 RETR EPRT" "$S6/pub/f2.bin" "$T/o" "$R/pub/f2.bin" -P 2001:db8:1::10
	put "$t v6 STOR EPSV" "$S6/up/${t}_p6.bin" "$R/up/${t}_p6.bin"
	put "$t v6 STOR EPRT" "$S6/up/${t}_a6.bin" "$R/up/${t}_a6.bin" -P 2001:db8:1::10
	list "$t v6 LIST EPSV" "$S6/pub/"
	lftp_get "$t lftp v4 PASV" "set ftp:prefer-epsv no" "$S4/pub" f2.bin
	lftp_get "$t lftp v4 PORT" "set ftp:passive-mode no" "$S4/pub" f1.bin
}


for m in ${MODES:-fast proxy-splice proxy-rw}; do
	case $m in
	fast) start_proxy fast || continue ;;
	proxy-splice) start_proxy proxy || continue ;;
	proxy-rw) start_proxy proxy --no-splice || continue ;;
	esac
	run_suite "$m"
	stop_proxy "$m"
	stat_is "$m" ".result == 0 and .errors == 0"
	stat_is "$m" ".sessions == $XFERS"
	if [ "$m" = fast ]; then
		stat_is "$m" ".bytes_copied == 0 and .fast_transfers == $XFERS and .proxy_transfers == 0"
		stat_is "$m" ".syscalls.splice == 0"
	else
		stat_is "$m" ".bytes_copied == 2 * $BYTES and .proxy_transfers == $XFERS"
		if [ "$m" = proxy-splice ]; then
			stat_is "$m" ".syscalls.splice > 0"
		else
			stat_is "$m" ".syscalls.splice == 0 and .syscalls.read > 0"
		fi
	fi
	# Netlink: 2 at open (a query and the table), 2 port redirects and
	# their 2 cancels, 1 at close; each kernel redirect adds 1 and its
	# cancel 1 (fast: every transfer; proxy: passive ones only).
	if [ "$m" = fast ]; then NR=$XFERS; else NR=$PASSIVE; fi
	stat_is "$m" ".nl_transactions == 7 + 2 * $NR and .nl_wall_ns > 0 and .nl_failed == 0"
	grep 'xfer' "$T/proxy.err" | sed "s/^/  $m: /"
done

# SIGINT in the middle of a proxy-path transfer: a clean exit all the same.
if start_proxy proxy; then
	ip netns exec "$NC" curl -sS --max-time 15 --limit-rate 100k -o "$T/slow" \
		ftp://203.0.113.10/pub/f1.bin 2>/dev/null &
	CURL_PID=$!
	for _ in $(seq 100); do [ -s "$T/slow" ] && break; sleep 0.05; done
	[ -s "$T/slow" ] && pass "mid-transfer: bytes flowing before SIGINT" ||
		fail "mid-transfer: no byte came through"
	stop_proxy "mid-transfer"
	stat_is "mid-transfer" ".result == 0 and .sessions == 1 and .bytes_copied > 0"
	wait "$CURL_PID" 2>/dev/null
	CURL_PID=""
fi

# A table left by an earlier run is removed at start.
ing nft add table inet "$TABLE"
ing nft add chain inet "$TABLE" junk
if start_proxy fast; then
	grep -q 'left by an earlier run' "$T/proxy.err" && pass "stale table reported at start" ||
		fail "stale table not reported: $(cat "$T/proxy.err")"
	ing nft list table inet "$TABLE" | grep -q 'chain junk' && fail "stale chain kept" ||
		pass "stale table replaced (its chain is gone)"
	# A server that refuses: the client hears a reply, the proxy goes on.
	if inc curl -sS -v --max-time 10 ftp://203.0.113.1/ >"$T/refused.out" 2>&1; then
		fail "refused server: curl succeeded"
	elif grep -qE '^< [45][0-9][0-9] ' "$T/refused.out"; then
		pass "refused server: the client gets $(grep -m1 -oE '^< [45][0-9][0-9]' "$T/refused.out")"
	else
		fail "refused server: no reply: $(tail -3 "$T/refused.out")"
	fi
	# Straight to the proxy's port: not intercepted, closed.
	inc curl -sS --max-time 10 ftp://192.0.2.1:8021/ >/dev/null 2>&1 &&
		fail "direct connection served" || pass "direct connection to the proxy port refused"
	get "after refusals: v4 RETR EPSV" ftp://203.0.113.10/pub/f2.bin "$T/o" "$R/pub/f2.bin"
	stop_proxy "stale"
	stat_is "refusals" ".sessions == 3 and .fast_transfers == 1"
	grep -q 'reason=not-intercepted' "$T/proxy.err" && pass "direct connection logged as not-intercepted" ||
		fail "no not-intercepted close in the log"
fi

# Policy and the FTP bounce check, with real clients: a server blocked by the
# site policy answers 421 from the proxy (no connection leaves the gateway);
# a PORT naming a third host (lftp's quote) gets 500 and nothing is set up.
if start_proxy fast --deny 203.0.113.10/32; then
	inc curl -sS -v --max-time 10 ftp://203.0.113.10/pub/f2.bin -o /dev/null >"$T/deny.out" 2>&1
	grep -qE '^< 421 Site blocked by policy' "$T/deny.out" &&
		pass "blocked server: the client gets 421 Site blocked by policy" ||
		fail "blocked server: $(tail -3 "$T/deny.out")"
	stop_proxy "deny"
	stat_is "deny" ".sessions == 1 and .fast_transfers == 0 and .proxy_transfers == 0"
	grep -q 'reason=denied' "$T/proxy.err" && pass "blocked server: closed as denied in the log" ||
		fail "no denied close in the log: $(tail -3 "$T/proxy.err")"
fi
if start_proxy fast; then
	inc lftp -c "set net:max-retries 1; set net:timeout 10; open ftp://203.0.113.10; quote PORT 192,0,2,99,4,1; quote NOOP" \
		>"$T/bounce.out" 2>&1
	grep -q '500 Illegal PORT command' "$T/bounce.out" &&
		pass "bounce: PORT naming another host answered 500 Illegal PORT command" ||
		fail "bounce: $(tail -3 "$T/bounce.out")"
	stop_proxy "bounce"
	stat_is "bounce" ".api_calls > 0 and .fast_transfers == 0 and .refused >= 1"
	grep -q 'bounce attempt refused' "$T/proxy.err" && pass "bounce: logged as a bounce attempt" ||
		fail "bounce: not in the log: $(grep -m3 S1 "$T/proxy.err")"
fi

kill "$FTPD4" "$FTPD6" 2>/dev/null; wait "$FTPD4" "$FTPD6" 2>/dev/null
alive=$(ps -o pid= -p "$FTPD4,$FTPD6" 2>/dev/null | wc -l)
[ "$alive" -eq 0 ] && pass "vsftpd processes gone (each proxy was waited for)" || fail "$alive processes of the lab still run"
FTPD4="" FTPD6=""
for n in $NC $NG $NS; do ip netns del "$n"; done
left=$(ip netns list | grep -c "^$P-" || true)
[ "$left" -eq 0 ] && pass "namespaces removed" || fail "namespaces left: $(ip netns list | grep "^$P-")"
NC="" NG="" NS=""
[ "$fails" -eq 0 ]
