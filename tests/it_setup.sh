#!/usr/bin/env bash
# it_setup.sh - the set-up promise of the README: deps.sh is the idempotent single install
# place, the make targets it names exist, and the benchmark tools behave (mkpcap is
# deterministic with valid checksums, bench_html renders any JSON it is given).
set -u
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- deps.sh: second run on an installed machine is silent, quick and exits 0.
start=$(date +%s)
out=$(bash scripts/deps.sh 2>&1); rc=$?
secs=$(($(date +%s) - start))
if [ "$rc" -eq 0 ] && [ -z "$out" ] && [ "$secs" -le 10 ]; then
	pass "scripts/deps.sh with everything installed: exit 0, silent, ${secs}s"
else
	fail "scripts/deps.sh: exit $rc after ${secs}s, output: ${out:0:200}"
fi

# --- deps.sh as non-root with a package missing prints the exact apt line.
# A dpkg-query shim pretends lcov is absent; the script is fed on stdin so the
# unprivileged user needs no access to the repository.
if [ "$(id -u)" -eq 0 ] && command -v su >/dev/null && id nobody >/dev/null 2>&1; then
	mkdir "$tmp/shim"
	cat >"$tmp/shim/dpkg-query" <<-'EOF'
		#!/bin/sh
		for a; do last=$a; done
		[ "$last" = lcov ] && exit 1
		exec /usr/bin/dpkg-query "$@"
	EOF
	chmod 755 "$tmp" "$tmp/shim" "$tmp/shim/dpkg-query"
	out=$(su nobody -s /bin/bash -c "PATH=$tmp/shim:\$PATH bash -s" <scripts/deps.sh 2>&1); rc=$?
	want="apt-get update && apt-get install -y --no-install-recommends lcov"
	if [ "$rc" -ne 0 ] && printf '%s\n' "$out" | grep -qxF "  $want"; then
		pass "scripts/deps.sh as non-root prints: $want"
	else
		fail "scripts/deps.sh as non-root: exit $rc, output: $out"
	fi
else
	echo "note: not root: the non-root apt-line check needs root to switch user"
fi

# --- deps.sh is the single install place: the tools the scripts call come from
# packages it lists.
pkgs=" $(sed -n '/^PKGS=(/,/^)/p' scripts/deps.sh | tr -s ' \n()' ' ') "
for tool in tshark capinfos tcprewrite jq gnuplot lcov genhtml valgrind; do
	path=$(command -v "$tool") || { fail "$tool is not installed"; continue; }
	pkg=$(dpkg -S "$(readlink -f "$path")" 2>/dev/null | head -1 | cut -d: -f1)
	case "$pkgs" in
	*" $pkg "*) pass "$tool comes from $pkg, listed in scripts/deps.sh" ;;
	*) fail "$tool comes from package '$pkg', not listed in scripts/deps.sh" ;;
	esac
done

# --- a machine without a -dev package: make stops before compiling anything, with one
# line naming the package and `make deps`. A compiler wrapper pretends one package's
# header and library are absent (it hides HIDE) and logs every call.
mkdir -p "$tmp/hide"
cat >"$tmp/hide/cc" <<'EOF'
#!/bin/bash
# hides the header "$HIDE_H" and the library -l"$HIDE_L"; logs each call to $CC_LOG
echo "$*" >>"$CC_LOG"
for a; do [ "$a" = "-l$HIDE_L" ] && { echo "ld: cannot find -l$HIDE_L" >&2; exit 1; }; done
for a; do
	if [ "$a" = -E ]; then
		in=$(cat)
		case $in in *"<$HIDE_H>"*) echo "fatal error: $HIDE_H: No such file or directory" >&2; exit 1 ;; esac
		printf '%s\n' "$in" | exec /usr/bin/cc "$@"
	fi
done
exec /usr/bin/cc "$@"
EOF
chmod 755 "$tmp/hide/cc"
hidden_make() { # HEADER LIB GOAL...: make's exit status; its output in $tmp/hide/out
	local h=$1 l=$2; shift 2
	: >"$tmp/hide/log"
	HIDE_H=$h HIDE_L=$l CC_LOG=$tmp/hide/log make --no-print-directory BUILD="$tmp/hide/b" \
		CC="$tmp/hide/cc" "$@" >"$tmp/hide/out" 2>&1
}
hidden_make jansson.h jansson all; rc=$?
if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/hide/out")" -eq 1 ] &&
   grep -q "missing Debian packages: libjansson-dev; run 'make deps' (or 'bash scripts/deps.sh' as root)" "$tmp/hide/out"; then
	pass "make without libjansson-dev: one line: $(cut -c1-90 "$tmp/hide/out")..."
else
	fail "make without libjansson-dev: exit $rc, output: $(head -c 400 "$tmp/hide/out")"
fi
if [ ! -e "$tmp/hide/b" ] && ! grep -q -- ' -c ' "$tmp/hide/log"; then
	pass "make without libjansson-dev: nothing compiled, no build directory"
else
	fail "make without libjansson-dev compiled: $(grep -- ' -c ' "$tmp/hide/log" | head -2)"
fi
hidden_make nftables/libnftables.h nftables all; rc=$?
[ "$rc" -ne 0 ] && grep -q 'missing Debian packages: libnftables-dev; ' "$tmp/hide/out" &&
	pass "make without libnftables-dev names libnftables-dev" ||
	fail "make without libnftables-dev: exit $rc, $(head -c 300 "$tmp/hide/out")"
hidden_make '' pcap all; rc=$?
[ "$rc" -ne 0 ] && grep -q 'missing Debian packages: libpcap-dev; ' "$tmp/hide/out" &&
	pass "make with pcap's header but not its library names libpcap-dev" ||
	fail "make without -lpcap: exit $rc, $(head -c 300 "$tmp/hide/out")"
hidden_make CUnit/CUnit.h cunit "$tmp/hide/b/tests/test_csum"; rc=$?
[ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/hide/out")" -eq 1 ] &&
	grep -q 'missing Debian packages: libcunit1-dev; ' "$tmp/hide/out" && [ ! -e "$tmp/hide/b" ] &&
	pass "a test binary without libcunit1-dev: one line, nothing built" ||
	fail "test binary without libcunit1-dev: exit $rc, $(head -c 300 "$tmp/hide/out")"
hidden_make CUnit/CUnit.h cunit -n all; rc=$?
if [ "$rc" -eq 0 ] && ! grep -q 'libcunit1-dev' "$tmp/hide/out"; then
	pass "make all does not need libcunit1-dev (only the tests do)"
else
	fail "make -n all without libcunit1-dev: exit $rc, $(head -c 300 "$tmp/hide/out")"
fi
rm -rf "$tmp/hide/b"
hidden_make jansson.h jansson -n deps; rc=$?
[ "$rc" -eq 0 ] && pass "make -n deps without libjansson-dev: not stopped" ||
	fail "make -n deps without libjansson-dev: exit $rc, $(head -c 300 "$tmp/hide/out")"
# demo and check install first, then make again: the check stops that inner make.
for t in check demo; do
	hidden_make jansson.h jansson -n "$t"; rc=$?
	if [ "$rc" -ne 0 ] && [ "$(head -1 "$tmp/hide/out")" = "bash scripts/deps.sh" ] &&
	   [ "$(grep -c 'missing Debian packages: libjansson-dev; ' "$tmp/hide/out")" -eq 1 ]; then
		pass "make -n $t without libjansson-dev: scripts/deps.sh first, then the one line"
	else
		fail "make -n $t without libjansson-dev: exit $rc, $(head -c 300 "$tmp/hide/out")"
	fi
done
out=$(CC=/nonexistent/cc bash scripts/build_check.sh)
[ "$out" = "gatelab: cannot build, missing Debian packages: build-essential; run 'make deps' (or 'bash scripts/deps.sh' as root)" ] &&
	pass "scripts/build_check.sh without a compiler names build-essential" ||
	fail "build_check.sh without a compiler: $out"
out=$(bash scripts/build_check.sh --tests --fuzz-cc "${FUZZ_CC:-clang}")
[ -z "$out" ] && pass "scripts/build_check.sh --tests on this machine: silent" ||
	fail "scripts/build_check.sh on this machine: $out"

# --- scripts and tests run Debian's interpreters by path (/usr/bin/python3, /usr/bin/node):
# a bare `python3` here is a pyenv build with other modules. Comment lines aside; deps.sh
# only names packages.
files=$(ls tests/*.sh tests/*.py tests/*.js scripts/* bench/*.sh fuzz/*.sh Makefile .ci/run 2>/dev/null |
	grep -vx scripts/deps.sh)
# (the names split so that this file's own pattern does not match itself)
interp='pyth''on[0-9.]*|no''de|no''dejs|pe''rl|ru''by|p''hp'
# shellcheck disable=SC2086
bare=$(grep -nE "(^|[^/A-Za-z0-9_.-])($interp)([[:space:];)]|\$)" $files |
	grep -vE '^[^:]+:[0-9]+:[[:space:]]*(#|//)')
# shellcheck disable=SC2086
shebang=$(grep -nE "^#!.*(env|[[:space:]])[[:space:]]*($interp)" $files)
if [ -z "$bare$shebang" ]; then
	pass "scripts and tests call python3/node by Debian's path, never from PATH"
else
	fail "interpreter from PATH: $(printf '%s\n%s' "$bare" "$shebang" | head -5)"
fi
for i in /usr/bin/python3 /usr/bin/node; do
	pkg=$(dpkg -S "$(readlink -f "$i")" 2>/dev/null | head -1 | cut -d: -f1)
	[ -n "$pkg" ] && pass "$i is Debian's (package $pkg)" || fail "$i belongs to no Debian package"
done

# --- the make targets the README names exist and call the right scripts.
for t in check demo coverage sanitize valgrind bench fuzz deps unit; do
	if make -n "$t" >"$tmp/make-$t" 2>&1; then
		pass "make -n $t"
	else
		fail "make -n $t: $(tail -1 "$tmp/make-$t")"
	fi
done
grep -q 'scripts/demo.sh' "$tmp/make-demo" && pass "make demo runs scripts/demo.sh" ||
	fail "make demo does not run scripts/demo.sh"
grep -q 'scripts/coverage.sh' "$tmp/make-coverage" && pass "make coverage runs scripts/coverage.sh" ||
	fail "make coverage does not run scripts/coverage.sh"
grep -q 'scripts/bench.sh' "$tmp/make-bench" && pass "make bench runs scripts/bench.sh" ||
	fail "make bench does not run scripts/bench.sh"
grep -q 'bench' "$tmp/make-check" && fail "make check mentions bench (benchmarks must stay out)" ||
	pass "make check leaves the benchmarks out"

for s in scripts/*.sh bench/*.sh tests/it_*.sh; do
	bash -n "$s" 2>"$tmp/syntax" && pass "bash -n $s" || fail "bash -n $s: $(head -1 "$tmp/syntax")"
done

# --- the README gives the two set-up commands and the docs it links exist.
for cmd in "make demo" "make check"; do
	grep -qF "$cmd" README.md && pass "README mentions '$cmd'" || fail "README lacks '$cmd'"
done
for doc in $(grep -oE 'docs/[A-Z_]+\.md' README.md | sort -u); do
	[ -f "$doc" ] && pass "README link $doc exists" || fail "README links missing $doc"
done

# --- mkpcap: same seed, same bytes; another seed, other bytes; checksums valid;
# the PORT commands it reports are in the file. Built standalone (it needs only
# net_csum) so this works from any build variant.
CC=${CC:-cc}
if $CC -std=c17 -Wall -Wextra -Werror -O1 -D_DEFAULT_SOURCE -D_GNU_SOURCE -o "$tmp/mkpcap" \
	bench/mkpcap.c net/net_csum.c -lpcap 2>"$tmp/cc.log"; then
	s1=$("$tmp/mkpcap" "$tmp/a.pcap" --packets 6000 --seed 7 --active 64 --ftp-every 4)
	"$tmp/mkpcap" "$tmp/b.pcap" --packets 6000 --seed 7 --active 64 --ftp-every 4 >/dev/null
	"$tmp/mkpcap" "$tmp/c.pcap" --packets 6000 --seed 8 --active 64 --ftp-every 4 >/dev/null
	cmp -s "$tmp/a.pcap" "$tmp/b.pcap" && pass "mkpcap: same seed, identical capture" ||
		fail "mkpcap: same seed gave different captures"
	cmp -s "$tmp/a.pcap" "$tmp/c.pcap" && fail "mkpcap: seeds 7 and 8 gave the same capture" ||
		pass "mkpcap: another seed, another capture"
	[ -e "$tmp/a.pcap.tmp" ] && fail "mkpcap left its temporary file" || pass "mkpcap: no temporary file left"
	if "$tmp/mkpcap" "$tmp/x.pcap" --packets 0 >/dev/null 2>&1; then
		fail "mkpcap accepted --packets 0"
	else
		pass "mkpcap: --packets 0 refused"
	fi
	if command -v tshark >/dev/null; then
		tshark -r "$tmp/a.pcap" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -T fields \
			-e ip.checksum.status -e tcp.checksum.status -e tcp.analysis.flags \
			-e ftp.request.command 2>/dev/null >"$tmp/a.fields"
		n=$(wc -l <"$tmp/a.fields")
		good=$(awk -F'\t' '$1 == 1 && $2 == 1' "$tmp/a.fields" | wc -l)
		flagged=$(awk -F'\t' '$3 != ""' "$tmp/a.fields" | wc -l)
		ports=$(awk -F'\t' '$4 == "PORT"' "$tmp/a.fields" | wc -l)
		want_pkts=$(echo "$s1" | sed -n 's/.* packets=\([0-9]*\).*/\1/p')
		want_ports=$(echo "$s1" | sed -n 's/.* port_commands=\([0-9]*\).*/\1/p')
		[ "$n" -eq "$want_pkts" ] && pass "mkpcap: $n packets as reported" ||
			fail "mkpcap: $n packets in file, $want_pkts reported"
		[ "$good" -eq "$n" ] && pass "mkpcap: IP and TCP checksums good in all $n packets" ||
			fail "mkpcap: only $good of $n packets have good checksums"
		[ "$flagged" -eq 0 ] && pass "mkpcap: no TCP analysis flags (no gaps, no bad ACKs)" ||
			fail "mkpcap: $flagged packets flagged by tshark's TCP analysis"
		[ "$ports" -eq "$want_ports" ] && [ "$ports" -gt 0 ] &&
			pass "mkpcap: $ports PORT commands, as reported" ||
			fail "mkpcap: $ports PORT commands in file, $want_ports reported"
	else
		echo "note: tshark missing: mkpcap's capture not dissected"
	fi
else
	fail "mkpcap does not compile: $(head -3 "$tmp/cc.log")"
fi

# --- the demo, end to end, on this build's gatelab.
BUILD=${BUILD:-build}
if [ -x "$BUILD/gatelab" ]; then
	if bash scripts/demo.sh "$BUILD" >"$tmp/demo.out" 2>&1; then
		pass "scripts/demo.sh $BUILD exits 0"
		rows=$(grep -cE '^[0-9]+ +192,0,2,10,[0-9,]+ +203,0,113,1,[0-9,]+ +203,0,113,1,' "$tmp/demo.out")
		[ "$rows" -eq 3 ] && pass "demo: 3 PORT lines, rewritten by gatelab and by Linux to 203.0.113.1" ||
			fail "demo: $rows PORT rows rewritten as expected, want 3"
		[ -s "$BUILD/demo-translate/lftp-port-outside.pcap" ] &&
			pass "demo: wrote $BUILD/demo-translate/lftp-port-outside.pcap" ||
			fail "demo: no output capture"
		[ -s "$BUILD/demo/index.html" ] && grep -q 'fastpath' "$BUILD/demo/index.html" &&
			pass "demo: wrote the report $BUILD/demo/index.html" || fail "demo: no report"
		[ -s "$BUILD/demo/walkthrough.html" ] && grep -q 'href="walkthrough.html"' "$BUILD/demo/index.html" &&
			pass "demo: wrote the walk-through, linked from the report" || fail "demo: no walk-through"
		for m in direct nat proxy fastpath; do
			grep -qE "^$m +[0-9]+ .* 3/0\$" "$tmp/demo.out" && pass "demo: $m row, teach.yaml's 3 transfers ok" ||
				fail "demo: no $m row with 3 transfers ok"
		done
	else
		fail "scripts/demo.sh $BUILD: $(tail -3 "$tmp/demo.out")"
	fi

	# --- bench_translate on a small capture: the JSON it writes and its counts.
	if [ -x "$tmp/mkpcap" ] && command -v tcprewrite >/dev/null; then
		mkdir -p "$tmp/b/bench"
		ln -s "$PWD/$BUILD/gatelab" "$tmp/b/gatelab"
		cp "$tmp/mkpcap" "$tmp/b/bench/mkpcap"
		if PACKETS=20000 RUNS=3 bash bench/bench_translate.sh "$tmp/b" >"$tmp/bt.out" 2>&1; then
			j=$tmp/b/bench/translate.json
			jq -e '.deterministic.packets == 20000 and .deterministic.packets_out_gatelab == 20000
				and .deterministic.packets_out_tcprewrite == 20000' "$j" >/dev/null &&
				pass "bench_translate: both tools wrote all 20000 packets" ||
				fail "bench_translate: packet counts $(jq -c '.deterministic' "$j" | head -c 200)"
			jq -e '.deterministic.port_commands > 0 and .deterministic.port_lines_naming_inside_gatelab == 0
				and .deterministic.port_lines_naming_inside_tcprewrite == .deterministic.port_commands' \
				"$j" >/dev/null &&
				pass "bench_translate: PORT lines: tcprewrite leaves every inside address, gatelab none" ||
				fail "bench_translate: PORT counts $(jq -c '.deterministic' "$j" | head -c 300)"
			jq -e '[.wall_clock.tools[] | .runs == 3 and .min_s <= .median_s and .median_s <= .max_s
				and .median_pps > 0] | all' "$j" >/dev/null &&
				pass "bench_translate: min <= median <= max over 3 runs per tool" ||
				fail "bench_translate: wall-clock figures inconsistent"
		else
			fail "bench_translate: $(tail -3 "$tmp/bt.out")"
		fi
	fi
else
	echo "note: $BUILD/gatelab not built: demo and bench_translate not run"
fi

# --- bench_html: one section per JSON file, tables from scalars and arrays of objects.
mkdir "$tmp/bench"
echo '{"deterministic":{"packets":1234},"wall_clock":{"tools":[{"tool":"a<b","median_pps":10},{"tool":"c","median_pps":20}]}}' \
	>"$tmp/bench/one.json"
echo '{"rows":[{"mappings":1000,"pps":5}]}' >"$tmp/bench/two.json"
if bash scripts/bench_html.sh "$tmp/bench" >/dev/null 2>"$tmp/html.err"; then
	h=$tmp/bench/index.html
	grep -q '<h2>one.json</h2>' "$h" && grep -q '<h2>two.json</h2>' "$h" &&
		pass "bench_html: one section per JSON file" || fail "bench_html: sections missing"
	grep -q '<td>deterministic.packets</td><td class="n">1234</td>' "$h" &&
		pass "bench_html: scalars as figure/value rows" || fail "bench_html: scalar row missing"
	grep -q '<td>a&lt;b</td><td class="n">10</td>' "$h" &&
		pass "bench_html: arrays of objects as tables, text escaped" || fail "bench_html: table row missing"
	if command -v gnuplot >/dev/null; then
		[ "$(grep -c '<svg' "$h")" -eq 2 ] && pass "bench_html: one inline SVG chart per rate table" ||
			fail "bench_html: expected 2 SVG charts, found $(grep -c '<svg' "$h")"
	fi
else
	fail "bench_html failed: $(head -1 "$tmp/html.err")"
fi

[ "$fails" -eq 0 ]
