#!/usr/bin/env bash
# it_live.sh - `gatelab live` on this machine's kernel: real lftp and curl
# through direct routing, the kernel's NAT + FTP helper and Debian's ftp-proxy
# (gatelab's proxy and fast path too when the epoll driver is in the build);
# active and passive, EPSV/EPRT, IPv4 and IPv6, RETR/STOR/LIST, 20 clients at
# once; the kernel-alg captures held to `translate` packet by packet; nothing
# left behind after a run, after SIGINT mid-run and after a client is killed.
# Needs root (CI runs as root); otherwise says SKIP and checks the refusal.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
T=$(mktemp -d /tmp/gatelab_it_live.XXXXXX)
chmod 755 "$T"
trap 'rm -rf "$T"' EXIT
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
check() { # file description jq-expression
	if jq -e "$3" "$1" >/dev/null 2>&1; then pass "$2"; else fail "$2 ($3)"; fi
}
# The lab's namespaces are gll<pid>-*: none of a finished run may remain.
lab_ns() { ip netns list 2>/dev/null | grep -c "^gll$1-" || true; }
descendants() { # pid: every process below it
	local k
	for k in $(ps -o pid= --ppid "$1" 2>/dev/null); do echo "$k"; descendants "$k"; done
}

# --- usage errors and refusals (any user) --------------------------------
"$GL" live --modes bogus >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && grep -q "unknown mode 'bogus'" "$T/e" && pass "--modes bogus: exit 2, named" ||
	fail "--modes bogus: exit $rc: $(cat "$T/e")"
"$GL" live --clients 0 >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && pass "--clients 0: exit 2" || fail "--clients 0: exit $rc"
"$GL" live --size 12X >/dev/null 2>"$T/e"; rc=$?
[ $rc -eq 2 ] && pass "--size 12X: exit 2" || fail "--size 12X: exit $rc"
"$GL" help | grep -q '^  live ' && pass "gatelab help lists live" || fail "live not in gatelab help"

if [ "$(id -u)" -ne 0 ]; then
	"$GL" live >/dev/null 2>"$T/e"; rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$T/e")" -eq 1 ] && grep -q root "$T/e" &&
		pass "not root: one line, exit 2" || fail "not root: exit $rc: $(cat "$T/e")"
	echo "SKIP: it_live.sh needs root for network namespaces (CI runs as root)"
	[ $fails -eq 0 ]; exit
fi
if command -v setpriv >/dev/null; then
	cp "$GL" "$T/gatelab"
	setpriv --reuid=65534 --regid=65534 --clear-groups "$T/gatelab" live >/dev/null 2>"$T/e"
	rc=$?
	[ $rc -eq 2 ] && [ "$(wc -l <"$T/e")" -eq 1 ] && grep -q root "$T/e" &&
		pass "as nobody: one line naming root, exit 2" || fail "as nobody: exit $rc: $(cat "$T/e")"
fi
for t in vsftpd lftp curl nft tcpdump strace /usr/sbin/ftp-proxy; do
	command -v "$t" >/dev/null || { fail "$t missing (scripts/deps.sh)"; }
done

# proxy/fastpath: only once live_proxy_run is linked.
"$GL" live --modes proxy --size 1 >/dev/null 2>"$T/e" </dev/null &
gpid=$!; sleep 0.3; kill -INT $gpid 2>/dev/null; wait $gpid 2>/dev/null
if grep -q "not available in this build" "$T/e"; then
	echo "SKIP: proxy and fastpath modes: $(head -1 "$T/e" | sed 's/^gatelab: live: //')"
	MODES=direct,kernel-alg,suse-proxy
else
	MODES=direct,kernel-alg,suse-proxy,proxy,fastpath
fi

# --- every mode, both clients, every data command, IPv4 + IPv6 ------------
SIZE=2000000
"$GL" live --modes $MODES --ipv6 --size $SIZE --json "$T/m.json" --report "$T/rep" \
	>"$T/out" 2>"$T/err" &
gpid=$!; wait $gpid; rc=$?
[ $rc -eq 0 ] && pass "live $MODES --ipv6: exit 0" || fail "live exited $rc: $(tail -5 "$T/err")"
[ "$(lab_ns $gpid)" -eq 0 ] && pass "no namespace of the run left" || fail "namespaces left: $(ip netns list)"
ls -d /tmp/gll$gpid.* >/dev/null 2>&1 && fail "work directory left" || pass "work directory removed"
F="$T/m.json"
check "$F" "schema gatelab.metrics/1" '.schema == "gatelab.metrics/1"'
check "$F" "direct: 33 transfers ok (lftp 5 + curl 6 data commands x RETR/STOR/LIST), none failed" \
	'.modes.direct.transfers_ok == 33 and .modes.direct.transfers_failed == 0'
check "$F" "kernel-alg: 33 transfers ok, none failed" \
	'.modes["kernel-alg"].transfers_ok == 33 and .modes["kernel-alg"].transfers_failed == 0'
check "$F" "suse-proxy: 12 transfers ok (IPv4 PASV/PORT), none failed" \
	'.modes["suse-proxy"].transfers_ok == 12 and .modes["suse-proxy"].transfers_failed == 0'
grep -q "suse-proxy: 7 client/data-command combination(s) not run" "$T/err" &&
	pass "suse-proxy: what it cannot carry is said on stderr" || fail "suse-proxy skips not reported"
check "$F" "direct and kernel-alg: no process copies anything" \
	'.modes.direct.bytes_copied == 0 and .modes["kernel-alg"].bytes_copied == 0 and .modes["kernel-alg"].gateway_cpu_s == 0'
check "$F" "kernel-alg: the gateway forwarded packets, direct counts none as translated" \
	'.modes["kernel-alg"].fastpath_packets > 0 and .modes.direct.fastpath_packets == 0'
# 4 RETR + 4 STOR of SIZE bytes, each read and written by ftp-proxy
check "$F" "suse-proxy: bytes_copied >= 2 x 8 x size (recv + send)" \
	".modes[\"suse-proxy\"].bytes_copied >= 16 * $SIZE"
check "$F" "suse-proxy: CPU, context switches and recvfrom/sendto measured" \
	'.modes["suse-proxy"].gateway_cpu_s > 0 and .modes["suse-proxy"].context_switches > 0 and .modes["suse-proxy"].syscalls.recvfrom > 0 and .modes["suse-proxy"].syscalls.sendto > 0'
check "$F" "every mode: wall_s, softirq_s, measured_by" \
	'[.modes[] | (.wall_s > 0 and .softirq_s >= 0 and (.measured_by | length) > 0)] | all'
check "$F" "every listed transfer has a 16-hex-digit hash" \
	'[.modes[].transfers[] | (.hash | test("^[0-9a-f]{16}$"))] | all'
check "$F" "downloads carry the file's hash in every mode" \
	'[.modes[].transfers[] | select(.command | startswith("RETR")) | .hash] | unique | length == 1'
check "$F" "IPv6 sessions ran" '[.modes.direct.transfers[] | select(.command | test("IPv6"))] | length > 0'
if [ "${MODES#*proxy,fastpath}" != "$MODES" ]; then
	check "$F" "proxy: every transfer ok; data through the process (>= 2 x size per transfer)" \
		".modes.proxy.transfers_failed == 0 and .modes.proxy.bytes_copied >= 2 * $SIZE"
	check "$F" "fastpath: every transfer ok, zero data bytes copied by the proxy" \
		'.modes.fastpath.transfers_failed == 0 and .modes.fastpath.bytes_copied == 0'
fi
for f in index.html report.md metrics.json metrics.csv; do
	[ -s "$T/rep/$f" ] && pass "report: $f" || fail "report: $f missing"
done
grep -q "suse-proxy" "$T/rep/metrics.csv" && pass "report CSV has the live modes" ||
	fail "metrics.csv lacks suse-proxy"
grep -q "## Live measurements" "$T/rep/report.md" && grep -q "Live measurements" "$T/rep/index.html" &&
	pass "report.md and index.html carry the live measurements" || fail "no live section in the report"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
	/usr/bin/python3 - "$F" docs/metrics.schema.json >"$T/v" 2>&1 <<'PY'
import json, sys, jsonschema
doc = json.load(open(sys.argv[1])); schema = json.load(open(sys.argv[2]))
# Local "#/$defs" references only: resolve them against this file, whatever
# its "$id" says (older jsonschema joins a relative $id onto every $ref).
schema.pop("$id", None)
jsonschema.Draft202012Validator(schema).validate(doc)
PY
	[ $? -eq 0 ] && pass "metrics valid against docs/metrics.schema.json" || fail "schema: $(tail -3 "$T/v")"
fi
"$GL" report "$F" -o "$T/rep2" >/dev/null 2>&1 && cmp -s "$T/rep/metrics.csv" "$T/rep2/metrics.csv" &&
	pass "gatelab report re-renders the live metrics" || fail "gatelab report on live metrics"

# --- gatelab's proxy driver counts its own syscalls: held to strace -f -C ----
if [ "${MODES#*proxy,fastpath}" != "$MODES" ]; then
	"$GL" live --modes proxy,fastpath --client curl --data PASV,PORT --commands RETR,STOR \
		--size 1000000 --strace "$T/st" --json "$T/ms.json" -q 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] && pass "proxy,fastpath under strace: exit 0" || fail "strace run: exit $rc: $(tail -3 "$T/err")"
	for md in proxy fastpath; do
		# strace's summary rows: "% time seconds usecs/call calls [errors] name"
		awk '/^% time/{s=1;next} s && $1 ~ /^[0-9.]+$/ && $NF != "total" {print $NF, $4}' \
			"$T/st/$md.strace" >"$T/st/$md.calls"
		jq -r ".modes.$md.syscalls | to_entries[] | \"\\(.key) \\(.value)\"" "$T/ms.json" >"$T/st/$md.own"
		[ -s "$T/st/$md.own" ] && pass "$md: the driver reports syscalls by name" || fail "$md: no syscalls"
		bad=$(awk 'NR==FNR {st[$1]=$2; next} {
			s = ($1 in st) ? st[$1] : 0
			# epoll_wait: only the driver calls it, to the call. Other calls: the
			# count of the driver is what it made; libnftables may add more.
			if ($1 == "epoll_wait" ? s != $2 : s < $2) print $1 ": driver " $2 ", strace " s
		}' "$T/st/$md.calls" "$T/st/$md.own")
		[ -z "$bad" ] && pass "$md: syscall counts agree with strace -f -C" || fail "$md: $bad"
	done
	# The redirect policy: the client asks server A, server B answers (the
	# runner checks that every upload landed on B).
	"$GL" live --modes proxy,fastpath --redirect --client lftp,curl --data PASV,PORT \
		--commands RETR,STOR --size 500000 --json "$T/mr.json" -q 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] && pass "--redirect A -> B in proxy and fastpath: exit 0" ||
		fail "--redirect: exit $rc: $(tail -3 "$T/err")"
	check "$T/mr.json" "--redirect: 8 transfers ok per mode, uploads found on B" \
		'.modes.proxy.transfers_ok == 8 and .modes.fastpath.transfers_ok == 8'
else
	echo "SKIP: the proxy driver's syscall counts against strace, --redirect: proxy modes not in this build"
fi

# --- 100 MB RETR and STOR, active and passive, on both of gatelab's paths ------
if [ "$MODES" != direct,kernel-alg,suse-proxy ]; then
	"$GL" live --modes proxy,fastpath --client curl --data EPSV,PORT --commands RETR,STOR \
		--size 100M --json "$T/m100.json" -q 2>"$T/err"
	rc=$?
	[ $rc -eq 0 ] && pass "100 MB RETR+STOR, EPSV+PORT, proxy and fastpath: every sha256 verified" ||
		fail "100 MB: exit $rc: $(tail -3 "$T/err")"
	check "$T/m100.json" "100 MB: 4 transfers ok per mode" \
		'.modes.proxy.transfers_ok == 4 and .modes.fastpath.transfers_ok == 4'
	check "$T/m100.json" "100 MB: the fast path copies no data byte, the proxy path every one twice" \
		'.modes.fastpath.bytes_copied == 0 and .modes.proxy.bytes_copied >= 800000000'
fi

# --- the kernel's NAT captured on both links, held to translate ------------
"$GL" live --modes kernel-alg --data PASV,PORT --pcap "$T/pcap" --size 300000 -q 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && pass "kernel-alg with --pcap: exit 0" || fail "--pcap run exited $rc: $(tail -3 "$T/err")"
[ -s "$T/pcap/kernel-alg-inside.pcap" ] && [ -s "$T/pcap/kernel-alg-outside.pcap" ] &&
	pass "inside and outside captures written" || fail "captures missing"
# lftp PORT + curl PORT, each for RETR, STOR and LIST: 6 PORT commands.
GATELAB_LIVE_PCAP="$T/pcap/kernel-alg" GATELAB_LIVE_PORTS=6 \
	"$BUILD/tests/test_translate_oracle" >"$T/o" 2>&1
[ $? -eq 0 ] && pass "translate of the inside capture matches the kernel's outside capture" ||
	fail "oracle: $(grep -v '^$' "$T/o" | tail -8)"

# --- 20 clients at once ---------------------------------------------------
"$GL" live --modes kernel-alg --clients 20 --client curl --data PASV,PORT --commands RETR,STOR \
	--size 1000000 --json "$T/m20.json" -q 2>"$T/err"
rc=$?
[ $rc -eq 0 ] && pass "20 clients at once: exit 0" || fail "20 clients: exit $rc: $(tail -3 "$T/err")"
check "$T/m20.json" "20 clients x 4 transfers ok" \
	'.modes["kernel-alg"].transfers_ok == 80 and .modes["kernel-alg"].transfers_failed == 0'
check "$T/m20.json" "the list shows 64 and counts the other 16" \
	'.modes["kernel-alg"].xfers_listed == 64 and .modes["kernel-alg"].xfers_omitted == 16'

# --- SIGINT mid-run ---------------------------------------------------------
"$GL" live --modes direct --client curl --data PASV --commands RETR --size 400M -q \
	>/dev/null 2>"$T/err" &
gpid=$!
for _ in $(seq 1 300); do pgrep -P $gpid -x curl >/dev/null && break; sleep 0.05; done
kids=$(descendants $gpid)
[ -n "$kids" ] && pass "mid-run: $(echo $kids | wc -w) processes below gatelab" || fail "no client seen running"
kill -INT $gpid; wait $gpid; rc=$?
[ $rc -eq 1 ] && grep -q "interrupted by signal 2" "$T/err" && pass "SIGINT: exit 1, said so" ||
	fail "SIGINT: exit $rc: $(cat "$T/err")"
[ "$(lab_ns $gpid)" -eq 0 ] && pass "SIGINT: namespaces removed" || fail "SIGINT: namespaces left: $(ip netns list)"
# A killed process reparented to init may stay a zombie for a moment: dead,
# not left running. Anything else still there is a leak.
running() { local n=0 k st; for k in $kids; do
	st=$(ps -o stat= -p "$k" 2>/dev/null) || continue
	case "$st" in Z*) ;; *) n=$((n + 1)); echo "left: $(ps -o pid=,stat=,args= -p "$k")" >&2 ;; esac
done; echo $n; }
left=$(running 2>"$T/left")
[ "$left" -eq 0 ] && pass "SIGINT: no process of the run left running" ||
	fail "SIGINT: $left processes left: $(cat "$T/left")"
ls -d /tmp/gll$gpid.* >/dev/null 2>&1 && fail "SIGINT: work directory left" || pass "SIGINT: work directory removed"

# --- a client killed mid-transfer ------------------------------------------
"$GL" live --modes kernel-alg --client curl --data PASV --commands RETR --size 400M -q \
	--json "$T/mk.json" >/dev/null 2>"$T/err" &
gpid=$!
c=""; for _ in $(seq 1 300); do c=$(pgrep -P $gpid -x curl) && break; sleep 0.05; done
[ -n "$c" ] && kill -KILL $c
wait $gpid; rc=$?
[ $rc -eq 1 ] && grep -q "curl exited 137" "$T/err" && pass "killed client: the transfer fails, exit 1" ||
	fail "killed client: exit $rc: $(cat "$T/err")"
check "$T/mk.json" "killed client: counted as a failed transfer" '.modes["kernel-alg"].transfers_failed == 1'
[ "$(lab_ns $gpid)" -eq 0 ] && pass "killed client: namespaces removed" || fail "killed client: namespaces left"

# --- gatelab itself killed (SIGKILL: nothing can clean up) -------------------
# Its namespaces stay; the next run removes them and says which.
"$GL" live --modes direct --client curl --data PASV --commands RETR --size 400M -q \
	>/dev/null 2>"$T/err" &
gpid=$!
for _ in $(seq 1 300); do pgrep -P $gpid -x curl >/dev/null && break; sleep 0.05; done
kids=$(descendants $gpid)
kill -KILL $gpid; wait $gpid 2>/dev/null
for k in $kids; do kill -KILL "$k" 2>/dev/null; done
[ "$(lab_ns $gpid)" -gt 0 ] && pass "SIGKILL: the killed run's namespaces are left ($(lab_ns $gpid))" ||
	fail "SIGKILL: expected namespaces left behind"
"$GL" live --modes direct --client curl --data PASV --commands LIST --size 1000 -q \
	>/dev/null 2>"$T/err2"; rc=$?
[ $rc -eq 0 ] && [ "$(lab_ns $gpid)" -eq 0 ] && grep -q "removed namespace gll$gpid-gw left by an earlier run" "$T/err2" &&
	! ls -d /tmp/gll$gpid.* >/dev/null 2>&1 &&
	pass "SIGKILL: the next run removed the stale namespaces and work directory, and said so" ||
	fail "SIGKILL: next run exit $rc, left $(lab_ns $gpid): $(cat "$T/err2")"

[ $fails -eq 0 ]
