#!/usr/bin/env bash
# Installs the Debian packages gatelab needs to build, test, benchmark and report.
# Idempotent: installs only what is missing; as non-root it prints the apt line instead.
set -euo pipefail

PKGS=(
  build-essential pkg-config
  libpcap-dev libnet1-dev libcunit1-dev libyaml-dev libjansson-dev libnftables-dev
  clang libclang-rt-14-dev lcov valgrind
  tshark wireshark-common tcpreplay graphviz gnuplot-nox jq libxml2-utils python3-jsonschema
  iproute2 nftables vsftpd lftp curl ftp-proxy ethtool strace tcpdump
  libbpf-dev bpftool linux-libc-dev
  nodejs node-ajv
  xxd bc
  chromium
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "gatelab: missing Debian packages; run as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi

echo "gatelab: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
