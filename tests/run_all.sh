#!/usr/bin/env bash
# Runs every CUnit binary given, then every integration test tests/it_*.sh,
# and closes with one line "N passed, N failed" (CUnit tests + integration checks).
# VALGRIND=1 runs the unit binaries under valgrind (errors and leaks fail).
set -u
unit_only=0
if [ "${1:-}" = "--unit-only" ]; then unit_only=1; shift; fi
BUILD=${BUILD:-build}
export BUILD
passed=0; failed=0; failed_names=()

for bin in "$@"; do
  name=$(basename "$bin")
  log=$(mktemp)
  if [ "${VALGRIND:-0}" = 1 ]; then
    valgrind -q --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect,possible \
      --suppressions=tests/valgrind_nft.supp --suppressions=tests/valgrind_bpf.supp \
      --errors-for-leak-kinds=definite,indirect,possible "$bin" >"$log" 2>&1
  else
    "$bin" >"$log" 2>&1
  fi
  rc=$?
  line=$(grep -E '^ +tests +[0-9]+' "$log" | tail -1)
  if [ -n "$line" ]; then
    p=$(echo "$line" | awk '{print $4}'); f=$(echo "$line" | awk '{print $5}')
  else
    p=0; f=1
  fi
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
  passed=$((passed + p)); failed=$((failed + f))
  if [ "$rc" -ne 0 ]; then
    failed_names+=("$name"); echo "---- $name FAILED (exit $rc)"; tail -40 "$log"
  else
    echo "ok   $name ($p tests)"
  fi
  rm -f "$log"
done

if [ "$unit_only" = 0 ]; then
  for it in tests/it_*.sh; do
    [ -e "$it" ] || continue
    name=$(basename "$it" .sh)
    log=$(mktemp)
    bash "$it" >"$log" 2>&1
    rc=$?
    p=$(grep -c '^PASS:' "$log"); f=$(grep -c '^FAIL:' "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    passed=$((passed + p)); failed=$((failed + f))
    if [ "$rc" -ne 0 ]; then
      failed_names+=("$name"); echo "---- $name FAILED (exit $rc)"; grep -v '^PASS:' "$log" | tail -40
    else
      echo "ok   $name ($p checks)"
    fi
    rm -f "$log"
  done
fi

[ "${#failed_names[@]}" -gt 0 ] && echo "failed: ${failed_names[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "${#failed_names[@]}" -eq 0 ]
