#!/usr/bin/env bash
# bench_html.sh DIR - writes DIR/index.html from every DIR/*.json: one section per
# file, its scalars as a key/value table and each array of objects as its own table,
# so a new benchmark only has to drop one more JSON file. With gnuplot, rate columns
# (*pps*, *per_s*) of those tables are drawn as inline SVG bar charts.
set -euo pipefail

DIR=${1:-build/bench}
HTML=$DIR/index.html
command -v jq >/dev/null || { echo "bench_html: jq is missing (make deps)" >&2; exit 1; }

# jq helpers shared by every query below.
JQLIB='
def esc: tostring | gsub("&"; "&amp;") | gsub("<"; "&lt;") | gsub(">"; "&gt;");
# Rates and times to a readable precision; the JSON keeps every digit.
def num: if (if . < 0 then -. else . end) >= 100 then round else (. * 10000 | round) / 10000 end;
def objarr: type == "array" and length > 0 and all(.[]; type == "object");
def join_path($p; $k): if $p == "" then $k else $p + "." + $k end;
# Scalars (and arrays of scalars) outside arrays of objects, as [path, value].
def rows($p):
  if type == "object" then to_entries[] | .key as $k | .value | rows(join_path($p; $k))
  elif objarr then empty
  elif type == "array" then [$p, (map(if type == "object" or type == "array" then tojson else tostring end) | join(", "))]
  else [$p, .] end;
# Arrays of objects, each flattened to rows of {dotted.key: scalar}.
def tables($p):
  if type == "object" then to_entries[] | .key as $k | .value | tables(join_path($p; $k))
  elif objarr then {name: $p, rows: map(reduce rows("") as $r ({}; .[$r[0]] = $r[1]))}
  else empty end;
def columns: [.rows[] | keys_unsorted[]] | reduce .[] as $c ([]; if index([$c]) then . else . + [$c] end);
'

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
	echo '<!doctype html><html><head><meta charset="utf-8"><title>gatelab benchmarks</title>'
	echo '<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin:.5em 0 1.5em}'
	echo 'td,th{border:1px solid #bbb;padding:2px 8px;text-align:left}td.n{text-align:right}'
	echo 'th{background:#eee}h2{border-bottom:1px solid #888}</style></head><body>'
	echo "<h1>gatelab benchmarks</h1><p>generated $(date -u '+%Y-%m-%d %H:%M UTC') from $DIR/*.json"
	echo '(deterministic counts and wall-clock figures are kept apart inside each file)</p>'
} >"$HTML.tmp"

shopt -s nullglob
files=("$DIR"/*.json)
[ "${#files[@]}" -gt 0 ] || echo '<p>no benchmark results yet: run <code>make bench</code></p>' >>"$HTML.tmp"
n=0
for f in "${files[@]}"; do
	name=$(basename "$f")
	if ! jq -e 'type == "object"' "$f" >/dev/null 2>&1; then
		echo "<h2>$name</h2><p>not a JSON object: skipped</p>" >>"$HTML.tmp"
		continue
	fi
	{
		echo "<h2>$name</h2>"
		jq -r "$JQLIB"'
			[rows("")] | if length == 0 then empty else
			"<table><tr><th>figure</th><th>value</th></tr>",
			(.[] | "<tr><td>\(.[0] | esc)</td><td" + (if (.[1] | type) == "number" then " class=\"n\"" else "" end) +
				">\(.[1] | if type == "number" then num else . end | esc)</td></tr>"),
			"</table>" end' "$f"
		jq -r "$JQLIB"'
			tables("") | columns as $cols |
			"<h3>\(.name | esc)</h3><table><tr>" + ($cols | map("<th>\(esc)</th>") | join("")) + "</tr>",
			(.rows[] | . as $r | "<tr>" + ($cols | map(. as $c | $r[$c] |
				if type == "number" then "<td class=\"n\">\(num)</td>" elif . == null then "<td></td>"
				else "<td>\(esc)</td>" end) | join("")) + "</tr>"),
			"</table>"' "$f"
	} >>"$HTML.tmp"
	if command -v gnuplot >/dev/null; then
		# One chart per table that has a label column and rate columns.
		jq -c "$JQLIB"'tables("") | columns as $cols |
			[$cols[] | select(test("pps|per_s"))] as $rates |
			{name, rates: $rates, rows,
			 label: ([$cols[] as $c | select(all(.rows[]; (.[$c] | type) == "string")) | $c] +
				 [$cols[] | select(. as $c | $rates | index([$c]) | not)] | first)}
			| select(.label != null and (.rates | length) > 0)' "$f" | while read -r spec; do
			n=$((n + 1))
			dat=$tmp/plot$n.dat
			echo "$spec" | jq -r '. as $s | (["label"] + .rates | @tsv), (.rows[] as $r | [$r[$s.label] | tostring] + [$s.rates[] as $c | $r[$c] // 0] | @tsv)' >"$dat"
			ncol=$(echo "$spec" | jq '.rates | length + 1')
			title=$(echo "$spec" | jq -r '.name')
			if gnuplot >"$tmp/plot$n.svg" 2>"$tmp/plot$n.err" <<-EOF; then
				set terminal svg size 720,360 dynamic noenhanced font "sans,11"
				set datafile separator "\t"
				set title "$name: $title"
				set style data histograms
				set style histogram clustered gap 1
				set style fill solid 0.8 border -1
				set key outside right
				set yrange [0:*]
				set grid ytics
				plot for [i=2:$ncol] "$dat" using i:xtic(1) title columnheader(i)
			EOF
				sed '1,/^<svg/{/^<svg/!d}' "$tmp/plot$n.svg" >>"$HTML.tmp"
			else
				echo "<p>plot of $title failed: $(head -1 "$tmp/plot$n.err")</p>" >>"$HTML.tmp"
			fi
		done
	fi
done
echo '</body></html>' >>"$HTML.tmp"
mv "$HTML.tmp" "$HTML"
echo "wrote $HTML (${#files[@]} result files)"
