#!/usr/bin/env bash
# it_replay.sh - `gatelab replay` on every capture in pcaps/: the JSON's
# capture object, per-mode verdicts (complete sessions reproduced everywhere,
# broken captures with their reason), and bad inputs refused with exit 2 and one line.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_replay.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# Captures whose every session is a complete record: reproduced in all modes.
complete="kernel-nat/curl-pasv-inside kernel-nat/curl-pasv-outside kernel-nat/lftp-port-inside
kernel-nat/lftp-port-outside suricata/ftp-download-active suricata/ftp-download-passive
suricata/ftp-upload-active zeek/ipv4 zeek/ipv6 zeek/retr"
# Captures that are not a complete record: every mode says "capture incomplete".
broken="zeek/ftp-many-port-expected zeek/ftp-with-numbers-in-filename-first200 zeek/ftp-auth-tls
zeek/bigtransfer zeek/cwd-navigation suricata/ftp-epsv"

for f in pcaps/*/*.pcap; do
	name=${f#pcaps/}
	name=${name%.pcap}
	j="$T/$(basename "$name").json"
	extra=()
	case $name in real-b/port2121-*) extra=(--ftp-port 2121) ;; esac
	if ! "$GL" replay "$f" -q "${extra[@]}" --json "$j" 2>"$T/err"; then
		fail "$name: replay exited non-zero: $(head -1 "$T/err")"
		continue
	fi
	# The capture object's shape, for every session and transfer.
	if jq -e '(.capture.sessions | length) as $n | .schema == "gatelab.metrics/1" and (.capture.sessions | length) >= 1 and
		all(.capture.sessions[]; (.client | type) == "string" and (.server | type) == "string"
		    and (.commands | type) == "array" and (.replies | type) == "array" and
		    all(.transfers[]; (.command | type) == "string" and
			(.mode == "active" or .mode == "passive" or .mode == "unknown") and
			(.bytes | type) == "number" and (.complete | type) == "boolean")) and
		(.capture.mapping | length) >= 2 and
		(.modes | keys | sort) == ["direct", "fastpath", "nat", "proxy"] and
		all(.modes[]; (.replay | length) == $n) and
		all(.modes[].replay[]; .reproduced or ((.reason | length) > 0)) and
		all(.modes[].transfers[]; .path == "kernel" or .path == "fast" or .path == "proxy")' \
		"$j" >/dev/null; then
		pass "$name: capture object and a verdict (or its reason) per session and mode"
	else
		fail "$name: JSON capture object or verdicts malformed"
	fi
	if [[ " $(echo $complete) " == *" $name "* ]]; then
		if jq -e 'all(.modes[].replay[]; .reproduced) and
			all(.capture.sessions[].transfers[]; .complete)' "$j" >/dev/null; then
			pass "$name: every session reproduced in every mode"
		else
			fail "$name: not reproduced: $(jq -c '[.modes[].replay[] | select(.reproduced | not) | .reason]' "$j")"
		fi
	fi
	if [[ " $(echo $broken) " == *" $name "* ]]; then
		if jq -e 'all(.modes[].replay[]; (.reproduced | not) and
			(.reason | startswith("capture incomplete")))' "$j" >/dev/null; then
			pass "$name: broken capture reported as such in every mode"
		else
			fail "$name: broken capture not reported: $(jq -c '[.modes[].replay[]]' "$j")"
		fi
	fi
	# (the exported scenario of every capture: tests/it_replay_export.sh)
done

# Expected sessions and sizes through the CLI (independent oracles in
# tests/test_replay_extract.c): spot checks of the JSON numbers.
jq -e '[.capture.sessions[0].transfers[] | [.command, .mode, .bytes]] ==
	[["RETR","passive",1048576],["STOR","passive",1048576]]' "$T/curl-pasv-inside.json" \
	>/dev/null && pass "curl-pasv: RETR and STOR of 1 MiB, passive" ||
	fail "curl-pasv: transfers $(jq -c '.capture.sessions[0].transfers' "$T/curl-pasv-inside.json")"
jq -e '.capture.sessions[0].commands | length == 500 and all(.[]; . == "PORT")' \
	"$T/ftp-many-port-expected.json" >/dev/null && pass "many-port: 500 PORT commands" ||
	fail "many-port: commands not 500 PORTs"
jq -e '.capture.sessions[0].client == "127.0.0.1" and .capture.sessions[0].server == "127.0.0.1"' \
	"$T/ftp-port-memcap.json" >/dev/null && pass "loopback capture: client and server 127.0.0.1" ||
	fail "loopback capture: ends wrong"
jq -e '[.modes.proxy.replay[0].reproduced, .modes.direct.replay[0].reproduced] == [false, true]
	and (.modes.proxy.replay[0].reason | contains("EPRT"))' \
	"$T/ftp-active-dynamic_port-02.json" >/dev/null &&
	pass "IPv6 EPRT on IPv4: the proxy's refusal is the reported difference" ||
	fail "IPv6 EPRT on IPv4: verdicts $(jq -c '[.modes[].replay[0]]' "$T/ftp-active-dynamic_port-02.json")"

jq -e '.capture.unannounced_flows == 18 and all(.modes[]; .replay[0].reproduced) and
	all(.modes[].replay[1:][]; (.reproduced | not) and
	    (.reason | contains("data connection not captured")))' \
	"$T/ftp-ippair-leak-5204.json" >/dev/null &&
	pass "ippair-leak: session 1 reproduced, the 9 whose data went elsewhere say why" ||
	fail "ippair-leak: $(jq -c '[.modes.direct.replay[]]' "$T/ftp-ippair-leak-5204.json")"
jq -e '.capture.sessions[0].transfers[1] | .bytes == 23822 and .announced_size == 5416666670
	and (.complete | not)' "$T/bigtransfer.json" >/dev/null &&
	pass "bigtransfer: 23822 of 5416666670 announced bytes, incomplete" ||
	fail "bigtransfer: $(jq -c '.capture.sessions[0].transfers' "$T/bigtransfer.json")"
jq -e '.capture.sessions[0] | .tls and (.notes | any(contains("AUTH")))' \
	"$T/ftp-auth-tls.json" >/dev/null && pass "auth-tls: reported unreadable after AUTH" ||
	fail "auth-tls: not reported"
jq -e '.capture.sessions[0].truncated_lines == 1 and .modes.direct.replay[0].reproduced' \
	"$T/ftp-too-long-command.json" >/dev/null &&
	pass "too-long-command: line truncated and counted, direct mode reproduces it" ||
	fail "too-long-command: $(jq -c '[.capture.sessions[0].truncated_lines, .modes.direct.replay]' "$T/ftp-too-long-command.json")"

# --modes and --report
if "$GL" replay pcaps/zeek/retr.pcap -q --modes nat --json "$T/nat.json" --report "$T/rep" \
	2>"$T/err" && jq -e '(.modes | keys) == ["nat"]' "$T/nat.json" >/dev/null &&
	[ -s "$T/rep/replay.json" ]; then
	pass "--modes nat runs one mode; --report writes replay.json"
else
	fail "--modes/--report: $(head -1 "$T/err")"
fi

# Bad input: exit 2, one line on stderr.
printf 'not a capture at all\n' >"$T/text.pcap"
head -c 10 pcaps/zeek/retr.pcap >"$T/short.pcap"
for bad in "$T/text.pcap" "$T/short.pcap" "$T/missing.pcap" "--modes bogus pcaps/zeek/retr.pcap" ""; do
	# shellcheck disable=SC2086
	"$GL" replay $bad >/dev/null 2>"$T/err"
	rc=$?
	lines=$(wc -l <"$T/err")
	if [ "$rc" -eq 2 ] && [ "$lines" -eq 1 ]; then
		pass "bad input '${bad:-<none>}': exit 2, one line: $(cat "$T/err")"
	else
		fail "bad input '${bad:-<none>}': exit $rc, $lines lines"
	fi
done

[ "$fails" -eq 0 ] && exit 0 || exit 1
