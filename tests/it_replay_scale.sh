#!/usr/bin/env bash
# it_replay_scale.sh - `gatelab replay` at scale on captures generated here
# (bench/mkpcap.c, nothing big committed): more sessions than any old limit
# all attempted and counted, hashed data-connection pairing (probes per
# lookup constant as live sessions grow), the extractor's live-session
# high-water mark equal to the capture's concurrency, exit 4 for sessions
# not attempted, the progress line on a terminal only.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
CC=${CC:-cc}
T=$(mktemp -d /tmp/gatelab_it_replay_scale.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
field() { tr ' ' '\n' <"$1" | sed -n "s/^$2=//p"; }

if ! $CC -std=c17 -O1 -D_DEFAULT_SOURCE -D_GNU_SOURCE -o "$T/mkpcap" bench/mkpcap.c \
	net/net_csum.c -lpcap 2>"$T/cc.log"; then
	fail "mkpcap does not compile: $(head -3 "$T/cc.log")"
	exit 1
fi

# 1. 1,100 FTP sessions (half passive, 8 clients with many sessions each, 64
# flows open at once), every session complete: all attempted, all counted.
"$T/mkpcap" "$T/s1100.pcap" --packets 10000000 --active 64 --ftp-every 1 --passive-every 2 \
	--ftp-sessions 1100 --clients 8 >"$T/s1100.txt"
n=$(field "$T/s1100.txt" ftp_sessions)
"$GL" replay "$T/s1100.pcap" --modes direct,proxy -q --json "$T/s1100.json" >"$T/out" 2>"$T/err"
rc=$?
if [ "$rc" -eq 0 ] && [ "$n" -eq 1100 ] &&
	grep -qx "direct   1100 reproduced, 0 reproduced except by gateway policy, 0 not reproduced, 0 not attempted" "$T/out" &&
	grep -qx "proxy    1100 reproduced, 0 reproduced except by gateway policy, 0 not reproduced, 0 not attempted" "$T/out" &&
	jq -e '(.capture.sessions | length) == 1100 and
	       all(.modes[].replay[]; .reenacted and .outcome == "reproduced") and
	       ([.modes[].replay | length] == [1100, 1100])' "$T/s1100.json" >/dev/null; then
	pass "1100 sessions: every one re-enacted and reproduced in direct and proxy, exit 0"
else
	fail "1100 sessions: exit $rc, $(cat "$T/out" "$T/err" | head -5)"
fi
# sessions of one captured client share one simulated client host
shared=$(jq '[.capture.mapping[] | select(.role == "client")] | group_by([.batch, .captured]) |
	if all(map(.sim) | unique | length == 1) then map(select(length > 1)) | length else -1 end' \
	"$T/s1100.json")
if [ "$shared" -gt 0 ] &&
	[ "$(jq '[.capture.sessions[].client] | unique | length' "$T/s1100.json")" -eq 8 ]; then
	pass "1100 sessions of 8 clients: $shared batch-client groups of several sessions share one simulated host"
else
	fail "client mapping: $(jq -c '.capture.mapping[:4]' "$T/s1100.json")"
fi

# 2. Pairing is a hashed lookup: probes per data flow stay constant whether 16
# or 512 sessions are live; the live-session high-water mark is the capture's.
for active in 16 512; do
	"$T/mkpcap" "$T/a$active.pcap" --packets 10000000 --active "$active" --ftp-every 1 \
		--passive-every 3 --ftp-sessions 3000 >"$T/a$active.txt"
	"$GL" replay "$T/a$active.pcap" --modes direct -q --json "$T/a$active.json" >/dev/null 2>&1
	live=$(field "$T/a$active.txt" ftp_live_max)
	data=$(field "$T/a$active.txt" data_connections)
	read -r lookups probes hw < <(jq -r '.capture | "\(.pair_lookups) \(.pair_probes) \(.live_sessions_max)"' \
		"$T/a$active.json")
	if [ "$lookups" -eq "$data" ] && [ "$probes" -le $((lookups * 3 / 2)) ]; then
		pass "$active live sessions: $probes pairing probes for $lookups data flows (hashed)"
	else
		fail "$active live sessions: $probes probes for $lookups lookups ($data data flows)"
	fi
	[ "$hw" -eq "$live" ] && pass "$active flows open: extractor's live sessions peak $hw = the capture's $live" ||
		fail "live sessions peak $hw, the capture's $live"
done

# 3. A capture cut before some sessions sent a command: those are "not
# attempted" (why: no command captured), counted, exit 4.
"$T/mkpcap" "$T/cut.pcap" --packets 250 --active 64 --ftp-every 1 >/dev/null
"$GL" replay "$T/cut.pcap" --modes nat -q --json "$T/cut.json" >"$T/out" 2>"$T/err"
rc=$?
na=$(jq '[.modes.nat.replay[] | select(.outcome == "not_attempted" and .reason == "no command captured")] | length' "$T/cut.json")
if [ "$rc" -eq 4 ] && [ "$na" -gt 0 ] && grep -q "nat .* $na not attempted\$" "$T/out" &&
	grep -q "could not be attempted" "$T/err"; then
	pass "cut capture: $na sessions not attempted (no command captured), exit 4"
else
	fail "cut capture: exit $rc, $na not attempted: $(cat "$T/out" "$T/err")"
fi

# 4. Progress: a line on stderr when it is a terminal, none otherwise or with -q.
/usr/bin/python3 - "$GL" "$T/s1100.pcap" >"$T/pty.txt" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "replay", sys.argv[2], "--modes", "direct"])
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
PY
if grep -q $'\rreplay: [0-9]* packets, .* MB of .* MB (100%), 1100 FTP sessions, .* MB/s, done' "$T/pty.txt"; then
	pass "progress line on a terminal: $(grep -o 'replay: [0-9]* packets[^'$'\e'']*done' "$T/pty.txt" | tail -1)"
else
	fail "no progress line on a pty: $(head -c 300 "$T/pty.txt")"
fi
"$GL" replay "$T/s1100.pcap" --modes direct >/dev/null 2>"$T/err"
! grep -q "packets, .* MB" "$T/err" && pass "no progress line when stderr is not a terminal" ||
	fail "progress line written to a file: $(head -c 200 "$T/err")"

# translate shows the same line on a terminal
/usr/bin/python3 - "$GL" "$T/s1100.pcap" "$T/tr.pcap" >"$T/pty.txt" <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "translate", sys.argv[2], sys.argv[3], "--inside",
                           "192.0.2.0/24", "--public", "203.0.113.1"])
out = b""
while True:
    try:
        b = os.read(fd, 65536)
    except OSError:
        break
    if not b:
        break
    out += b
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
PY
grep -q $'translate: [0-9]* packets, .* MB of .* MB (100%), .* MB/s, done' "$T/pty.txt" &&
	pass "translate: progress line on a terminal" ||
	fail "translate: no progress line on a pty: $(head -c 300 "$T/pty.txt")"

echo "it_replay_scale: $fails failure(s)"
[ "$fails" -eq 0 ] && exit 0 || exit 1
