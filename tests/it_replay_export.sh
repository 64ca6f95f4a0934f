#!/usr/bin/env bash
# it_replay_export.sh - `gatelab replay --export-scenario` on EVERY capture in
# pcaps/: the scenario is written and `gatelab run` runs it in all four modes
# with every transfer the capture answered ok (downloads verified, captured
# refusals expected), or the export is refused with the scenario limit named
# and no file left behind; never a silently cut scenario.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_replay_export.XXXXXX)
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
written=0
refused=0

for f in $(find pcaps -name '*.pcap' | sort); do
	name=${f#pcaps/}
	name=${name%.pcap}
	b=$(basename "$name")
	extra=()
	case $name in real-b/port2121-*) extra=(--ftp-port 2121) ;; esac
	y="$T/$b.yaml"
	"$GL" replay "$f" -q --modes direct "${extra[@]}" --json "$T/$b.json" \
		--export-scenario "$y" 2>"$T/$b.err" >/dev/null
	rc=$?
	if [ "$rc" -ne 0 ]; then
		if [ "$rc" -eq 1 ] && [ ! -e "$y" ] && [ ! -e "$y.tmp" ] &&
			grep -qE 'not written: .*(SCEN_[A-Z_]+|bytes a captured command keeps|at least one)' "$T/$b.err" &&
			[ -s "$T/$b.json" ]; then
			pass "$name: export refused, the limit named: $(grep -o 'not written: .*' "$T/$b.err")"
			refused=$((refused + 1))
		else
			fail "$name: replay exit $rc: $(head -c 300 "$T/$b.err")"
		fi
		continue
	fi
	written=$((written + 1))
	# the transfers the capture answered (a final reply, ok or refused)
	want=$(jq '[.capture.sessions[] | select((.commands | length) > 0) | .transfers[] |
		select(.final > 0)] | length' "$T/$b.json")
	# a file of 100 MB or more (bigtransfer's 5.4 GB) would take minutes per mode:
	# the test runs it at 1 MiB, after checking the export kept its size
	run_y=$y
	scaled=""
	if grep -qE 'size: [0-9]{9,}' "$y"; then
		sed -E 's/size: [0-9]{9,}/size: 1048576/' "$y" >"$T/$b.small.yaml"
		run_y="$T/$b.small.yaml"
		scaled=" (files of 100 MB or more run at 1 MiB)"
	fi
	if ! "$GL" run "$run_y" -q --json "$T/$b.run.json" >"$T/$b.run.out" 2>&1; then
		fail "$name: gatelab run on the export failed: $(head -c 300 "$T/$b.run.out")"
		continue
	fi
	if jq -e --argjson w "$want" '(.modes | keys | sort) == ["direct", "fastpath", "nat", "proxy"] and
		all(.modes[]; .transfers_failed == 0 and .transfers_ok == $w)' "$T/$b.run.json" >/dev/null; then
		pass "$name: export runs in 4 modes, $want transfer(s) as the capture answered them$scaled"
	else
		fail "$name: want $want ok: $(jq -c '[.modes | to_entries[] | [.key, .value.transfers_ok, .value.transfers_failed]]' "$T/$b.run.json")"
	fi
	if grep -q 'left out' "$T/$b.err"; then
		n=$(grep -o '[0-9]* captured command(s) left out' "$T/$b.err" | cut -d' ' -f1)
		c=$(grep -c '# left out: ' "$y")
		[ "$n" = "$c" ] && pass "$name: $n command(s) left out, each a comment in the file" ||
			fail "$name: stderr says $n left out, the file has $c comments"
	fi
done
[ "$written" -ge 20 ] && pass "$written captures exported and run, $refused refused with their limit" ||
	fail "only $written captures exported ($refused refused)"

grep -q 'path: "/rand.txt", size: 5416666670' "$T/bigtransfer.yaml" &&
	pass "bigtransfer: the export keeps the announced 5416666670 bytes the server sent" ||
	fail "bigtransfer: $(grep -A3 files: "$T/bigtransfer.yaml")"

# The cases issue 11 named: CWD kept with the file where it put it; the limits.
grep -q '"CWD pub"' "$T/curl-pasv-inside.yaml" && grep -q '"RETR one-1MiB.bin"' "$T/curl-pasv-inside.yaml" &&
	grep -q 'path: "/pub/one-1MiB.bin", size: 1048576' "$T/curl-pasv-inside.yaml" &&
	pass "curl-pasv: CWD pub kept, RETR relative, the file at /pub/one-1MiB.bin" ||
	fail "curl-pasv export: $(grep -A12 commands: "$T/curl-pasv-inside.yaml")"
grep -q 'session 1 has 19 commands to export; a scenario session holds at most 16 (SCEN_MAX_CMDS)' \
	"$T/ftp-epsv.err" && pass "ftp-epsv: refused, 19 commands > SCEN_MAX_CMDS" ||
	fail "ftp-epsv: $(cat "$T/ftp-epsv.err")"
grep -q 'more than 32 files and directories.*SCEN_MAX_FILES' "$T/cwd-navigation.err" &&
	pass "cwd-navigation: refused, more than SCEN_MAX_FILES" || fail "cwd-navigation: $(cat "$T/cwd-navigation.err")"
grep -q 'family: 6' "$T/masq-inside.yaml" && grep -q 'data: active' "$T/masq-inside.yaml" &&
	grep -q 'extended: true' "$T/masq-inside.yaml" &&
	pass "masq (IPv6 EPSV + IPv4 EPRT): both sessions exported, and they ran above" ||
	fail "masq export: $(cat "$T/masq-inside.yaml")"

[ "$fails" -eq 0 ] && exit 0 || exit 1
