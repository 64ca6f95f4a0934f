#!/usr/bin/env bash
# it_schemas.sh - every JSON Schema in docs/ loads in both validators the tests use
# (Debian's python3-jsonschema via /usr/bin/python3 and node-ajv via /usr/bin/node, both
# draft-07): absolute $id, local $refs only, the example documents of tests/data/schema/
# accepted or rejected by both, and committed documents of that schema (ci/baseline/) valid.
set -u
fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Debian's nodejs looks in /usr/share/nodejs by itself; one from elsewhere does not.
export NODE_PATH=/usr/share/nodejs
PY=(/usr/bin/python3 tests/schema_validate.py)
JS=(/usr/bin/node tests/schema_validate.js)
DRAFT7="http://json-schema.org/draft-07/schema#"

# --- the validators are the Debian packages' (not a pip or npm copy).
m=$(/usr/bin/python3 -c 'import jsonschema; print(jsonschema.__file__)' 2>/dev/null)
case $(dpkg -S "$m" 2>/dev/null) in
python3-jsonschema:*) pass "jsonschema for /usr/bin/python3 is python3-jsonschema's ($m)" ;;
*) fail "jsonschema for /usr/bin/python3 is '$m', not from python3-jsonschema (make deps)" ;;
esac
m=$(cd /tmp && /usr/bin/node -e 'console.log(require.resolve("ajv"))' 2>/dev/null)
case $(dpkg -S "$m" 2>/dev/null) in
node-ajv:*) pass "ajv for /usr/bin/node is node-ajv's ($m)" ;;
*) fail "ajv for /usr/bin/node is '$m', not from node-ajv (make deps)" ;;
esac

# --- the validators check the schema itself: a broken one is bad input (exit 2), not a pass.
echo '{"$schema": "'"$DRAFT7"'", "type": "no-such-type"}' >"$tmp/broken.schema.json"
echo '{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object"}' >"$tmp/newer.schema.json"
echo '{}' >"$tmp/empty.json"
for s in broken newer; do
	for v in PY JS; do
		declare -n run=$v
		"${run[@]}" "$tmp/$s.schema.json" "$tmp/empty.json" >"$tmp/out" 2>&1; rc=$?
		[ "$rc" -eq 2 ] && pass "$v: the $s schema is refused (exit 2): $(head -c 100 "$tmp/out")" ||
			fail "$v: the $s schema: exit $rc, $(head -c 200 "$tmp/out")"
		unset -n run
	done
done

n_schemas=0
for schema in docs/*.schema.json; do
	[ -e "$schema" ] || continue
	n_schemas=$((n_schemas + 1))
	stem=$(basename "$schema" .schema.json)
	# --- its shape: draft-07, an absolute $id, every $ref local and pointing somewhere.
	if jq -e --arg d "$DRAFT7" '."$schema" == $d' "$schema" >/dev/null; then
		pass "$schema: \$schema is draft-07"
	else
		fail "$schema: \$schema is $(jq -c '."$schema"' "$schema"), want $DRAFT7"
	fi
	id=$(jq -r '."$id" // ""' "$schema")
	[[ $id =~ ^[a-z][a-z0-9+.-]*://[^/]+/ ]] && pass "$schema: absolute \$id $id" ||
		fail "$schema: \$id '$id' is not an absolute URI (a bare name makes validators resolve \$refs against it)"
	bad_refs=$(jq -r '[.. | objects | ."$ref"? // empty | select(startswith("#/definitions/") | not)] | .[]' "$schema")
	[ -z "$bad_refs" ] && pass "$schema: every \$ref is #/definitions/..." || fail "$schema: non-local \$refs: $bad_refs"
	dangling=$(jq -r '. as $s | [.. | objects | ."$ref"? // empty | select(startswith("#/definitions/"))
		| select(($s.definitions[ltrimstr("#/definitions/")]) == null)] | unique | .[]' "$schema")
	[ -z "$dangling" ] && pass "$schema: every \$ref resolves" || fail "$schema: dangling \$refs: $dangling"
	title=$(jq -r '.title // ""' "$schema")
	konst=$(jq -r '.properties.schema.const // ""' "$schema")
	[ -n "$konst" ] && [ "$konst" = "$title" ] && pass "$schema: documents say \"schema\": \"$konst\" (its title)" ||
		fail "$schema: title '$title' and the documents' schema const '$konst' differ"
	# --- both validators load it.
	for v in PY JS; do
		declare -n run=$v
		"${run[@]}" "$schema" >"$tmp/out" 2>&1 && pass "$v loads $schema" ||
			fail "$v cannot load $schema: $(head -c 300 "$tmp/out")"
		unset -n run
	done
	# --- its example documents: good-* valid, bad-* rejected (exit 1), by both.
	d=tests/data/schema/$stem
	goods=("$d"/good-*.json); bads=("$d"/bad-*.json)
	[ -e "${goods[0]}" ] && [ -e "${bads[0]}" ] && pass "$d: ${#goods[@]} good and ${#bads[@]} bad documents" ||
		{ fail "$d: needs good-*.json and bad-*.json examples"; continue; }
	# committed documents of this schema are good ones too
	for f in ci/baseline/*.json; do
		[ -e "$f" ] && [ "$(jq -r '.schema? // ""' "$f" 2>/dev/null)" = "$konst" ] && goods+=("$f")
	done
	for v in PY JS; do
		declare -n run=$v
		for f in "${goods[@]}"; do
			"${run[@]}" "$schema" "$f" >"$tmp/out" 2>&1 && pass "$v: $f valid" ||
				fail "$v: $f: $(head -c 300 "$tmp/out")"
		done
		for f in "${bads[@]}"; do
			"${run[@]}" "$schema" "$f" >"$tmp/out" 2>&1; rc=$?
			[ "$rc" -eq 1 ] && pass "$v: $f rejected: $(head -1 "$tmp/out" | cut -c1-110)" ||
				fail "$v: $f: exit $rc, want 1 (rejected): $(head -c 300 "$tmp/out")"
		done
		unset -n run
	done
done
[ "$n_schemas" -gt 0 ] && pass "$n_schemas schema(s) in docs/" || fail "no docs/*.schema.json found"

[ "$fails" -eq 0 ]
