#!/usr/bin/env bash
# Runs each libFuzzer target for a fixed time on a work copy of its seed corpus
# and regression inputs (the repo is never written), and prints per target the
# executions and coverage reached. Usage: run_fuzz.sh FUZZ_DIR SECONDS [TARGET...]
# (no target: all five).
set -u
dir=$1; secs=$2; shift 2
[ "$#" -gt 0 ] || set -- packet ftp capture proxy scen
failed=()
for t in "$@"; do
  work=$dir/corpus/$t; art=$dir/artifacts/$t/; log=$dir/$t.log
  mkdir -p "$work" "$art"
  for src in fuzz/corpus/$t fuzz/regress/$t; do
    [ -d "$src" ] && find "$src" -maxdepth 1 -type f ! -name '.*' -exec cp -n {} "$work"/ \;
  done
  "$dir/fuzz_$t" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
    -artifact_prefix="$art" -print_final_stats=1 "$work" >"$log" 2>&1
  rc=$?
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  rate=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -1)
  if [ "$rc" -ne 0 ]; then
    failed+=("$t")
    echo "FAIL: fuzz_$t (exit $rc) after ${execs:-?} executions; artifacts in $art"
    grep -E 'ERROR|SUMMARY|#[0-9]+ in ' "$log" | head -30
  else
    echo "PASS: fuzz_$t ${secs}s: ${execs:-?} executions (${rate:-?}/s), ${cov:-cov: ?}, corpus $(ls "$work" | wc -l) inputs"
  fi
done
[ "${#failed[@]}" -eq 0 ]
