#!/usr/bin/env bash
# build_check.sh - before anything is compiled (the Makefile runs it when it is read): are
# the compiler, headers and libraries of the Debian -dev packages there? If not, one line
# naming the packages and `make deps` instead of a compiler error about a missing header.
# Usage: CC=cc bash scripts/build_check.sh [--tests] [--fuzz-cc CC]
# Prints nothing when all is there; otherwise the one line on stdout (the Makefile stops
# with it). Exit 0 either way, 2 for bad usage.
set -u

CC=${CC:-cc}
tests=0
fuzz_cc=""
while [ $# -gt 0 ]; do
	case $1 in
	--tests) tests=1 ;;
	--fuzz-cc) [ $# -ge 2 ] || { echo "usage: build_check.sh [--tests] [--fuzz-cc CC]" >&2; exit 2; }
		fuzz_cc=$2; shift ;;
	*) echo "usage: build_check.sh [--tests] [--fuzz-cc CC]" >&2; exit 2 ;;
	esac
	shift
done

# header|library (-l, empty: header only)|Debian package
need=(
	"pcap/pcap.h|pcap|libpcap-dev"
	"jansson.h|jansson|libjansson-dev"
	"yaml.h|yaml|libyaml-dev"
	"libnet.h|net|libnet1-dev"
	"nftables/libnftables.h|nftables|libnftables-dev"
)
if [ "$tests" = 1 ]; then
	need+=("CUnit/CUnit.h|cunit|libcunit1-dev" "valgrind/valgrind.h||valgrind")
fi

missing=()
add() { case " ${missing[*]} " in *" $1 "*) ;; *) missing+=("$1") ;; esac; }

cc_ok() { command -v "${1%% *}" >/dev/null 2>&1; }

if ! cc_ok "$CC"; then
	add build-essential
else
	# One preprocessor run and one link for everything; per item only when those fail.
	hdrs=$(for n in "${need[@]}"; do printf '#include <%s>\n' "${n%%|*}"; done)
	if ! printf '%s\n' "$hdrs" | $CC -E -x c - -o /dev/null >/dev/null 2>&1; then
		for n in "${need[@]}"; do
			printf '#include <%s>\n' "${n%%|*}" | $CC -E -x c - -o /dev/null >/dev/null 2>&1 ||
				add "${n##*|}"
		done
	fi
	libs=()
	for n in "${need[@]}"; do l=${n#*|}; l=${l%%|*}; [ -n "$l" ] && libs+=("-l$l"); done
	tmp=$(mktemp -d) || exit 0
	trap 'rm -rf "$tmp"' EXIT
	printf 'int main(void) { return 0; }\n' >"$tmp/t.c"
	if ! $CC -o "$tmp/t" "$tmp/t.c" "${libs[@]}" >/dev/null 2>&1; then
		for n in "${need[@]}"; do
			l=${n#*|}; l=${l%%|*}
			[ -n "$l" ] || continue
			$CC -o "$tmp/t" "$tmp/t.c" "-l$l" >/dev/null 2>&1 || add "${n##*|}"
		done
		# no single library to blame: the toolchain itself (e.g. no libc6-dev)
		[ "${#missing[@]}" -gt 0 ] || add build-essential
	fi
fi
if [ -n "$fuzz_cc" ] && ! cc_ok "$fuzz_cc"; then
	add clang
fi

if [ "${#missing[@]}" -gt 0 ]; then
	echo "gatelab: cannot build, missing Debian packages: ${missing[*]}; run 'make deps' (or 'bash scripts/deps.sh' as root)"
fi
exit 0
