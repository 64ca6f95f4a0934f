#!/usr/bin/env bash
# Regenerates the committed seed corpora fuzz/corpus/{packet,ftp,capture}/ from
# the project's captures (pcaps/), the FTP grammar test table and a few
# hand-written hostile lines. Run from the repo root; needs gcc and libpcap.
set -euo pipefail
cd "$(dirname "$0")/.."
C=fuzz/corpus
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
rm -rf $C/packet $C/ftp $C/capture
mkdir -p $C/packet $C/ftp $C/capture

gcc -std=c17 -O1 -D_DEFAULT_SOURCE -D_GNU_SOURCE -o "$tmp/extract" fuzz/fuzz_seed_extract.c \
  net/net_addr.c net/net_csum.c net/net_pkt_csum.c net/net_pkt_parse.c net/net_pkt_payload.c \
  net/net_pkt_rewrite.c net/net_tuple.c replay/rep_reader.c replay/rep_link.c -lpcap

# Packets and control payloads: the small FTP captures (both families, PORT,
# PASV, EPRT, EPSV, a capture that starts mid-session, DLT_NULL).
for cap in pcaps/zeek/ipv4.pcap pcaps/zeek/ipv6.pcap pcaps/zeek/retr.pcap \
           pcaps/zeek/ftp-many-port-expected.pcap pcaps/suricata/*.pcap; do
  name=$(basename "$cap" .pcap)
  "$tmp/extract" "$cap" $C/packet $C/ftp "$name" 25
done

# Whole FTP sessions on the fuzz topology, so the editor has lines to rewrite.
"$tmp/extract" --synth $C/packet

# FTP lines from the grammar table (tests/test_ftp.c string literals).
n=0
grep -oE '"[^"]*(PORT|EPRT|EPSV|PASV|227|229|USER|RETR)[^"]*"' tests/test_ftp.c | sort -u |
  while IFS= read -r lit; do
    line=${lit:1:${#lit}-2}
    case "$line" in 2*|1*|3*|4*|5*) opt='\001' ;; *) opt='\000' ;; esac
    { printf "$opt"; printf "%b\r\n" "$line"; } > $C/ftp/table-$(printf %04d $n)
    n=$((n + 1))
  done
# Hostile lines the table does not spell out.
printf '\000PORT 1,2,3,4,5\r\nPORT 1,2,3,4,256,1\r\nEPRT |3|1.2.3.4|21|\r\n' > $C/ftp/hostile-port
printf '\000EPRT x1x192.0.2.1x1025x\r\nEPRT |2|::ffff:1.2.3.4|65535|\r\nPO\000RT 1,2,3,4,5,6\r\n' > $C/ftp/hostile-eprt
printf '\001227-multi\r\n227 (9,9,9,9,1,1)\r\n229 Entering (|||65535|)\r\n229 (!!!1!)\n227 =1,2,3,4,5,6' > $C/ftp/hostile-reply
head -c 600 /dev/zero | tr '\0' 'A' | sed 's/^/\x00PORT /' > $C/ftp/hostile-long

# Captures: whole small ones and their cut heads; byte 0 selects translate
# from inside (0), from outside with a redirect (3), or the bare reader (4).
for cap in pcaps/suricata/*.pcap pcaps/zeek/ipv4.pcap pcaps/zeek/ipv6.pcap; do
  name=$(basename "$cap" .pcap)
  { printf '\000'; cat "$cap"; } > $C/capture/$name-in
  { printf '\004'; cat "$cap"; } > $C/capture/$name-read
  { printf '\003'; head -c 3000 "$cap"; } > $C/capture/$name-out-cut
done
{ printf '\004'; head -c 20 pcaps/zeek/ipv4.pcap; } > $C/capture/short-header
{ printf '\000'; printf 'not a capture at all\n'; } > $C/capture/not-a-capture
du -sh $C
