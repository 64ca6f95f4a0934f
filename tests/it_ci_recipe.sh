#!/usr/bin/env bash
# it_ci_recipe.sh - the README's CI recipe ("Using gatelab in a CI pipeline"), taken from
# README.md itself so the two cannot drift: the plain-shell block is run as written against
# the committed ci/baseline/basic.json, and the GitHub Actions and GitLab blocks must carry
# the same gatelab commands.
set -u
BUILD=${BUILD:-build}
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
root=$PWD

# The fenced block of LANG right after the first line equal to TITLE.
block() { # TITLE LANG
	awk -v t="$1" -v l="$2" '
		$0 == t { seen = 1; next }
		seen && !inb && $0 == "```" l { inb = 1; next }
		inb && $0 == "```" { exit }
		inb { print }' README.md
}
block "Plain shell (any CI):" sh >"$tmp/recipe.sh"
block "GitHub Actions:" yaml >"$tmp/github.yaml"
block "GitLab CI:" yaml >"$tmp/gitlab.yaml"
for f in recipe.sh github.yaml gitlab.yaml; do
	[ -s "$tmp/$f" ] && pass "README.md has the $f block" || fail "README.md: no $f block found"
done

# The recipe's commands, one per line (continuations joined, comments dropped).
sed -e 's/[[:space:]]#.*$//' "$tmp/recipe.sh" | sed -e ':a' -e '/\\$/{N;s/\\\n//;ba' -e '}' |
	tr -s ' \t' ' ' | sed -e 's/^ //' -e 's/ $//' | grep -v '^$' >"$tmp/cmds"
if [ "$(head -1 "$tmp/cmds")" = make ] && grep -q '^build/gatelab run scenarios/basic.yaml ' "$tmp/cmds" &&
   grep -q '^build/gatelab compare ci/baseline/basic.json ' "$tmp/cmds"; then
	pass "the recipe: make, gatelab run, gatelab compare against ci/baseline/basic.json"
else
	fail "the recipe is not what this test knows how to run: $(tr '\n' ';' <"$tmp/cmds")"
fi
[ -s ci/baseline/basic.json ] && pass "ci/baseline/basic.json is in the repository" ||
	fail "ci/baseline/basic.json missing"

# The CI files run the same gatelab commands (whitespace and line breaks aside).
norm() { tr -s ' \t\n\\' ' ' <"$1"; }
for y in github gitlab; do
	ny=$(norm "$tmp/$y.yaml")
	miss=""
	while read -r c; do
		case $c in build/gatelab*) case $ny in *"$c"*) ;; *) miss="$miss [$c]" ;; esac ;; esac
	done <"$tmp/cmds"
	[ -z "$miss" ] && pass "the $y block runs the recipe's gatelab commands" ||
		fail "the $y block lacks:$miss"
done

# Run it as written, in a scratch directory that sees this build as build/ (the
# recipe's `make` is the build this test runs under, already done).
w=$tmp/w
mkdir "$w"
ln -s "$root/$BUILD" "$w/build"
ln -s "$root/scenarios" "$w/scenarios"
ln -s "$root/ci" "$w/ci"
grep -vx make "$tmp/cmds" >"$tmp/run.sh"
(cd "$w" && bash -e "$tmp/run.sh") >"$tmp/out" 2>&1; rc=$?
[ "$rc" -eq 0 ] && pass "the recipe passes against the committed baseline (exit 0)" ||
	fail "the recipe: exit $rc: $(grep -v '^ ' "$tmp/out" | tail -5)"
if cmp -s "$w/current.json" ci/baseline/basic.json; then
	pass "current.json is byte-identical to ci/baseline/basic.json (deterministic simulator)"
else
	fail "current.json differs from the baseline; when meant, regenerate: build/gatelab run scenarios/basic.yaml --json ci/baseline/basic.json"
fi
if xmllint --noout "$w/compare-junit.xml" 2>"$tmp/x" && ! grep -q '<failure' "$w/compare-junit.xml" &&
   grep -q '<testsuite name="gatelab.compare"' "$w/compare-junit.xml"; then
	pass "compare-junit.xml: well-formed, no failure"
else
	fail "compare-junit.xml: $(head -c 300 "$tmp/x")"
fi
grep -q "^\*\*Result: ok\*\*" "$w/compare.md" && pass "compare.md: **Result: ok**" ||
	fail "compare.md: $(head -3 "$w/compare.md")"

# The gate closes: a count off by one in current.json fails the job (exit 1).
jq '.modes.proxy.bytes_copied += 1' "$w/current.json" >"$w/c2" && mv "$w/c2" "$w/current.json"
grep '^build/gatelab compare ' "$tmp/run.sh" >"$tmp/cmp.sh"
(cd "$w" && bash "$tmp/cmp.sh") >"$tmp/out2" 2>&1; rc=$?
if [ "$rc" -eq 1 ] && grep -q '<failure type="REGRESSED"' "$w/compare-junit.xml" &&
   grep -q "^\*\*Result: REGRESSION\*\*" "$w/compare.md"; then
	pass "a regressed count fails the recipe's compare (exit 1, JUnit failure, Markdown REGRESSION)"
else
	fail "regressed count: exit $rc, $(head -c 300 "$tmp/out2")"
fi

# The baseline is a gatelab.metrics/1 document both schema validators accept.
/usr/bin/python3 tests/schema_validate.py docs/metrics.schema.json ci/baseline/basic.json >"$tmp/v" 2>&1 &&
	NODE_PATH=/usr/share/nodejs /usr/bin/node tests/schema_validate.js docs/metrics.schema.json \
		ci/baseline/basic.json >>"$tmp/v" 2>&1 &&
	pass "ci/baseline/basic.json valid against docs/metrics.schema.json (both validators)" ||
	fail "ci/baseline/basic.json: $(head -c 300 "$tmp/v")"

[ "$fails" -eq 0 ]
