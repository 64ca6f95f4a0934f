#!/usr/bin/env bash
# it_run.sh - `gatelab run` end to end on the shipped scenarios/basic.yaml
# (100 MB, four modes): exit codes, the table, the JSON contract fields,
# byte-identical JSON for the same seed, captures tshark can read, errors.
set -u
BUILD=${BUILD:-build}
GL="$BUILD/gatelab"
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- the full scenario, timed (it must stay under 30 s)
start=$(date +%s)
"$GL" run scenarios/basic.yaml --json "$tmp/a.json" >"$tmp/out" 2>"$tmp/err"
rc=$?
secs=$(($(date +%s) - start))
if [ "$rc" -eq 0 ] && [ "$secs" -lt 30 ]; then
	pass "run scenarios/basic.yaml: exit 0 in ${secs}s"
else
	fail "run scenarios/basic.yaml: exit $rc after ${secs}s: $(head -c 300 "$tmp/err")"
fi
for m in direct nat proxy fastpath; do
	if grep -Eq "^$m +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +[0-9.]+ +[0-9.]+ +1/0$" "$tmp/out"; then
		pass "table row for $m (1 transfer ok, 0 failed)"
	else
		fail "table row for $m missing or wrong: $(cat "$tmp/out")"
	fi
done
width=$(awk '{ if (length($0) > w) w = length($0) } END { print w + 0 }' "$tmp/out")
if [ "$width" -le 100 ]; then pass "table fits 100 columns ($width)"; else fail "table is $width columns wide"; fi

# --- the JSON contract (python3's json module reads it like users' CI would)
if /usr/bin/python3 - "$tmp/a.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["schema"] == "gatelab.metrics/1", d["schema"]
assert d["scenario"] == "basic" and d["seed"] == 1
assert list(d["modes"]) == ["direct", "nat", "proxy", "fastpath"], list(d["modes"])
size = 100_000_000
keys = ["transitions", "data_transitions", "bytes_copied", "api_calls", "fastpath_packets",
        "proxied_packets", "gateway_cpu_s", "throughput_bps", "transfers_ok", "transfers_failed"]
hashes = set()
for name, m in d["modes"].items():
    for k in keys:
        assert isinstance(m[k], (int, float)) and not isinstance(m[k], bool), (name, k)
    assert m["transfers_ok"] == 1 and m["transfers_failed"] == 0, name
    x = m["transfers"][0]
    assert x["ok"] and x["bytes"] == size == x["expected_bytes"], (name, x)
    hashes.add(x["hash"])
assert len(hashes) == 1, hashes
p, f, n, r = (d["modes"][k] for k in ("proxy", "fastpath", "nat", "direct"))
assert f["data_transitions"] == 0, f
assert p["data_transitions"] > 0 and p["bytes_copied"] >= 2 * size, p
assert p["api_calls"] > 0 and f["api_calls"] > 0
assert n["api_calls"] == 0 and r["api_calls"] == 0
assert "host" not in d
PY
then pass "JSON: schema, contract fields, same hash everywhere, fastpath data_transitions 0, proxy copies >= 2x"
else fail "JSON contract checks (see above)"; fi

# --- determinism: same scenario and seed, byte-identical JSON
"$GL" run scenarios/basic.yaml --json "$tmp/b.json" -q 2>/dev/null
if cmp -s "$tmp/a.json" "$tmp/b.json"; then pass "same seed: byte-identical JSON"; else fail "same seed: JSON differs"; fi

# --- the other shipped scenarios run clean
for f in scenarios/*.yaml; do
	[ "$f" = scenarios/basic.yaml ] && continue
	# 10,000 sessions: tests/it_scenarios.sh runs a cut, make bench the whole
	[ "$f" = scenarios/scale.yaml ] && continue
	"$GL" run "$f" -q >/dev/null 2>"$tmp/err"; rc=$?
	[ "$rc" -eq 0 ] && pass "run $f: exit 0" || fail "run $f: exit $rc, $(head -c 300 "$tmp/err")"
done

# --- another seed on a lossy link: other timings, the same intact files
sed 's/size: 100MB/size: 2MB/; s/loss: 0}/loss: 1%}/' scenarios/basic.yaml >"$tmp/lossy.yaml"
"$GL" run "$tmp/lossy.yaml" --seed 1 --json "$tmp/l1.json" -q 2>/dev/null; r1=$?
"$GL" run "$tmp/lossy.yaml" --seed 2 --json "$tmp/l2.json" -q 2>/dev/null; r2=$?
if [ "$r1" -eq 0 ] && [ "$r2" -eq 0 ] && ! cmp -s "$tmp/l1.json" "$tmp/l2.json" && /usr/bin/python3 - "$tmp/l1.json" "$tmp/l2.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
assert (a["seed"], b["seed"]) == (1, 2)
for m in a["modes"]:
    x, y = a["modes"][m], b["modes"][m]
    assert x["drops"]["link_loss"] > 0 and y["drops"]["link_loss"] > 0, m
    assert x["transfers"][0]["hash"] == y["transfers"][0]["hash"], m
    assert x["transfers"][0]["ok"] and y["transfers"][0]["ok"], m
assert any(a["modes"][m]["sim_time_s"] != b["modes"][m]["sim_time_s"] for m in a["modes"])
PY
then pass "1% loss, seeds 1 and 2: different timings, same intact files"
else fail "lossy seeds: exit $r1/$r2 or identical/broken results"; fi

# --- captures (of a 1 MB variant: eight captures of 100 MB would be 850 MB of disk):
# masquerade seen from outside, untouched inside
sed 's/size: 100MB/size: 1MB/' scenarios/basic.yaml >"$tmp/small.yaml"
"$GL" run "$tmp/small.yaml" --pcap "$tmp/pcap" -q 2>/dev/null || fail "small run with --pcap failed"
if [ -f "$tmp/pcap/nat-outside.pcap" ] && [ -f "$tmp/pcap/proxy-inside.pcap" ] && \
   [ "$(ls "$tmp/pcap" | wc -l)" -eq 8 ]; then
	pass "--pcap: eight captures (four modes x two links)"
else
	fail "--pcap: $(ls "$tmp/pcap" 2>&1)"
fi
leak=$(tshark -r "$tmp/pcap/nat-outside.pcap" -Y "ip.addr == 192.0.2.10" 2>/dev/null | wc -l)
pub=$(tshark -r "$tmp/pcap/nat-outside.pcap" -Y "ip.src == 203.0.113.1 && ftp.request.command == \"RETR\"" 2>/dev/null | wc -l)
if [ "$leak" -eq 0 ] && [ "$pub" -eq 1 ]; then
	pass "nat outside capture: RETR from the public address, no inside address"
else
	fail "nat outside capture: $leak packets with the inside address, $pub RETR from public"
fi
inside=$(tshark -r "$tmp/pcap/direct-outside.pcap" -Y "ip.src == 192.0.2.10 && ftp.request.command == \"RETR\"" 2>/dev/null | wc -l)
if [ "$inside" -eq 1 ]; then pass "direct outside capture: addresses unchanged"; else fail "direct: $inside RETR from 192.0.2.10"; fi

# --- errors: bad scenario (file:line:col), bad options -> exit 2
printf 'clients: []\nservers: []\nsessions: []\nbogus: 1\n' >"$tmp/bad.yaml"
"$GL" run "$tmp/bad.yaml" >/dev/null 2>"$tmp/err"; rc=$?
if [ "$rc" -eq 2 ] && grep -q "bad.yaml:4:1: unknown key 'bogus' in the scenario" "$tmp/err"; then
	pass "bad scenario: exit 2 with file:line:col"
else
	fail "bad scenario: exit $rc, $(cat "$tmp/err")"
fi
"$GL" run scenarios/basic.yaml --modes nat,bridge >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && pass "--modes bridge: exit 2" || fail "--modes bridge: exit $rc"
"$GL" run >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && pass "no scenario: exit 2" || fail "no scenario: exit $rc"
"$GL" run "$tmp/missing.yaml" >/dev/null 2>&1; rc=$?
[ "$rc" -eq 2 ] && pass "missing file: exit 2" || fail "missing file: exit $rc"

# --- a transfer that fails is exit 1: the proxy's policy denies the server
sed 's/^  default: allow$/  default: deny/' scenarios/basic.yaml | \
	sed 's/size: 100MB/size: 1MB/' >"$tmp/deny.yaml"
"$GL" run "$tmp/deny.yaml" --modes nat,fastpath --json "$tmp/d.json" >"$tmp/out" 2>"$tmp/err"; rc=$?
if [ "$rc" -eq 1 ] && grep -q "fastpath: 1 transfer(s) failed" "$tmp/err" && \
   grep -Eq '^nat .* 1/0$' "$tmp/out" && grep -Eq '^fastpath .* 0/1$' "$tmp/out"; then
	pass "policy deny: exit 1, nat 1/0, fastpath 0/1"
else
	fail "policy deny: exit $rc, $(cat "$tmp/out" "$tmp/err")"
fi

# --- --timing adds the host object, and only it
"$GL" run "$tmp/deny.yaml" --modes nat --timing --json "$tmp/t.json" -q 2>/dev/null
if /usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); assert d['host']['wall_s'] >= 0" "$tmp/t.json"; then
	pass "--timing: host.wall_s present"
else
	fail "--timing: no host.wall_s"
fi

[ "$fails" -eq 0 ]
