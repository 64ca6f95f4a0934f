#!/usr/bin/env bash
# coverage.sh BUILDDIR - `make coverage`: runs every unit and integration test from a
# --coverage build, writes the lcov HTML report to build/coverage/ and prints line
# coverage per top-level directory; fails when engine/ + api/ are below the 85% floor.
set -uo pipefail

BUILD=${1:-build/cov}
HTML=build/coverage
INFO=$BUILD/coverage.info
FLOOR=85
# Directories reported one by one; others found in the data are listed too.
DIRS=(net ftp engine api replay cli)

if [ ! -d "$BUILD/obj" ]; then
	echo "coverage: $BUILD/obj does not exist; run 'make coverage'" >&2
	exit 2
fi
# The test binaries only: gcc leaves test_x-test_x.gcno/.gcda beside them.
tests=()
for t in "$BUILD"/tests/test_*; do
	case "${t##*/}" in *.*) continue ;; esac
	[ -x "$t" ] && tests+=("$t")
done

# Counters from an earlier run would inflate this one.
lcov --quiet --zerocounters --directory "$BUILD" >/dev/null 2>&1
BUILD=$BUILD bash tests/run_all.sh "${tests[@]}"
tests_rc=$?

mkdir -p "$HTML"
if ! lcov --quiet --capture --directory "$BUILD" --base-directory . \
	--output-file "$INFO.raw" >"$BUILD/lcov.log" 2>&1; then
	echo "coverage: lcov capture failed (see $BUILD/lcov.log)" >&2
	tail -5 "$BUILD/lcov.log" >&2
	exit 2
fi
lcov --quiet --remove "$INFO.raw" '/usr/*' '*/tests/*' '*/bench/*' \
	--output-file "$INFO" >>"$BUILD/lcov.log" 2>&1
genhtml --quiet --title gatelab --output-directory "$HTML" "$INFO" >>"$BUILD/lcov.log" 2>&1 ||
	echo "coverage: genhtml failed (see $BUILD/lcov.log)" >&2

# The tracefile lists, per source file (SF:), lines found (LF:) and hit (LH:).
summary=$(awk -v root="$PWD/" '
	/^SF:/ { f = substr($0, 4); if (index(f, root) == 1) f = substr(f, length(root) + 1)
		 n = split(f, parts, "/"); dir = (n > 1) ? parts[1] : "." }
	/^LF:/ { found[dir] += substr($0, 4) }
	/^LH:/ { hit[dir] += substr($0, 4) }
	END { for (d in found) print d, hit[d], found[d] }' "$INFO")

pct() { awk -v h="$1" -v f="$2" 'BEGIN { if (f > 0) printf "%.1f", 100 * h / f; else printf "n/a" }'; }

echo
echo "line coverage (report: $HTML/index.html)"
all_h=0; all_f=0; core_h=0; core_f=0
listed=" ${DIRS[*]} "
others=$(echo "$summary" | awk 'NF == 3 { print $1 }' | sort | while read -r d; do
	case "$listed" in *" $d "*) ;; *) echo "$d" ;; esac
done)
for d in "${DIRS[@]}" $others; do
	read -r h f < <(echo "$summary" | awk -v d="$d" '$1 == d { print $2, $3; found = 1 }
		END { if (!found) print 0, 0 }')
	if [ "$f" -eq 0 ]; then
		printf '  %-8s no code measured\n' "$d/"
	else
		printf '  %-8s %6s%%  (%d of %d lines)\n' "$d/" "$(pct "$h" "$f")" "$h" "$f"
	fi
	all_h=$((all_h + h)); all_f=$((all_f + f))
	case "$d" in engine | api) core_h=$((core_h + h)); core_f=$((core_f + f)) ;; esac
done
printf '  %-8s %6s%%  (%d of %d lines)\n' total "$(pct "$all_h" "$all_f")" "$all_h" "$all_f"

rc=0
if [ "$core_f" -eq 0 ]; then
	echo "FLOOR: engine/ + api/ have no measured lines: the ${FLOOR}% floor is not met"
	rc=1
elif awk -v h="$core_h" -v f="$core_f" -v fl="$FLOOR" 'BEGIN { exit !(100 * h < fl * f) }'; then
	echo "FLOOR: engine/ + api/ at $(pct "$core_h" "$core_f")% lines, below the ${FLOOR}% floor"
	rc=1
else
	echo "floor: engine/ + api/ at $(pct "$core_h" "$core_f")% lines (>= ${FLOOR}%)"
fi
if [ "$tests_rc" -ne 0 ]; then
	echo "coverage: some tests failed (see above); the figures cover what ran"
	rc=1
fi
exit "$rc"
