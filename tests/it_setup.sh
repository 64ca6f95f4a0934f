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
