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
suricata/ftp-upload-active zeek/ipv4 zeek/ipv6 zeek/retr real/rest-ascii real/lossy-retr
real/late-retransmission"
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
		all(.modes[].gateway_left; .listeners == 0 and .transfers == 0 and
		    .redirects == 0 and .ports == 0) and
		all(.modes[].transfers[]; .path == "kernel" or .path == "fast" or .path == "proxy")' \
		"$j" >/dev/null; then
		pass "$name: capture object and a verdict (or its reason) per session and mode"
	else
		fail "$name: JSON capture object or verdicts malformed"
	fi
	if [[ " $(echo $complete) " == *" $name "* ]]; then
		if jq -e 'all(.modes[].replay[]; .outcome != "not_reproduced") and
			all(.capture.sessions[].transfers[]; .complete)' "$j" >/dev/null; then
			pass "$name: every session reproduced in every mode (or but for gateway policy)"
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

# pcaps/real/auth-fail-missing: the proxy's 534 to AUTH TLS is its policy (named), the
# server's 550 to RETR reaches the client; -q prints one summary line per mode, nothing else.
j="$T/auth-fail-missing.json"
jq -e '[.modes.direct.replay[].outcome, .modes.nat.replay[].outcome] | all(. == "reproduced")' \
	"$j" >/dev/null && jq -e '[.modes.proxy.replay[], .modes.fastpath.replay[]] |
	all(.outcome == "reproduced_except_policy" and .policy[0].verb == "AUTH" and
	    .policy[0].client_got == 534 and .policy[0].captured == 530)' "$j" >/dev/null &&
	pass "auth-fail-missing: AUTH answered by policy in proxy/fastpath, the rest reproduced" ||
	fail "auth-fail-missing: $(jq -c '[.modes[].replay[]]' "$j")"
out=$("$GL" replay pcaps/real/auth-fail-missing.pcap -q 2>&1)
[ "$(echo "$out" | wc -l)" -eq 4 ] &&
	echo "$out" | grep -qx 'proxy    0 reproduced, 2 reproduced except by gateway policy, 0 not reproduced' &&
	echo "$out" | grep -qx 'direct   2 reproduced, 0 reproduced except by gateway policy, 0 not reproduced' &&
	pass "-q: one summary line per mode" || fail "-q summary: $out"

# An independent reading of pcaps/real: per data connection, tshark's reassembled bytes in the
# transfer's direction (-z follow,tcp,raw), or its tcp.len sum where the snap length cut the
# payload; sorted, they must be the extractor's transfer sizes.
tshark_sizes() {
	/usr/bin/python3 - "$1" <<'PY'
import subprocess, sys
f = sys.argv[1]
out = subprocess.run(["tshark", "-r", f, "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport",
                      "-e", "tcp.dstport", "-e", "tcp.len", "-e", "frame.cap_len", "-e", "frame.len"],
                     capture_output=True, text=True, check=True).stdout
streams, cut = {}, set()
for line in out.splitlines():
    st, sp, dp, ln, cl, fl = line.split("\t")
    if "21" in (sp, dp):
        continue
    streams[int(st)] = streams.get(int(st), 0) + int(ln or 0)
    if int(cl) < int(fl):
        cut.add(int(st))
sizes = []
for st, lensum in streams.items():
    if st in cut:
        sizes.append(lensum)
        continue
    r = subprocess.run(["tshark", "-r", f, "-q", "-z", "follow,tcp,raw,%d" % st],
                       capture_output=True, text=True, check=True).stdout
    a = b = 0
    for l in r.split("=" * 67)[1].splitlines():
        if not l.strip() or l.startswith(("Follow", "Filter", "Node")):
            continue
        if l.startswith("\t"):
            b += len(l.strip()) // 2
        else:
            a += len(l.strip()) // 2
    if a or b:
        sizes.append(max(a, b))
print(" ".join(str(x) for x in sorted(sizes)))
PY
}
for f in pcaps/real/*.pcap; do
	name=$(basename "$f" .pcap)
	want=$(tshark_sizes "$f" 2>"$T/ts.err")
	got=$(jq -r '[.capture.sessions[].transfers[] | select(.connected and .bytes > 0) | .bytes] |
		sort | map(tostring) | join(" ")' "$T/$name.json")
	[ -n "$want" ] || [ "$name" = auth-fail-missing ] || { fail "$name: tshark read nothing: $(head -1 "$T/ts.err")"; continue; }
	[ "$want" = "$got" ] && pass "$name: transfer sizes equal tshark's reading ($got)" ||
		fail "$name: tshark $want, extractor $got"
done
jq -e '.capture.cut_frames == 73 and all(.capture.sessions[0].transfers[]; .unverifiable)' \
	"$T/nlst-snaplen128.json" >/dev/null &&
	"$GL" replay pcaps/real/nlst-snaplen128.pcap --modes direct | grep -q '^73 frame(s) cut by the snap length' &&
	pass "snaplen 128: 73 cut frames said, transfers unverifiable" ||
	fail "snaplen 128: $(jq -c '.capture | [.cut_frames, .sessions[0].transfers]' "$T/nlst-snaplen128.json")"
jq -e '.capture.unannounced_flows == 0 and .capture.late_segments > 0' \
	"$T/late-retransmission.json" >/dev/null &&
	pass "late retransmission: no unannounced flow, counted as a late segment" ||
	fail "late retransmission: $(jq -c '.capture | [.unannounced_flows, .late_segments]' "$T/late-retransmission.json")"

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
