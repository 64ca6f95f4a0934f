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
for cap in pcaps/suricata/*.pcap pcaps/zeek/ipv4.pcap pcaps/zeek/ipv6.pcap \
    pcaps/real/auth-fail-missing.pcap pcaps/real/nlst-snaplen128.pcap \
    pcaps/real/late-retransmission.pcap; do
  name=$(basename "$cap" .pcap)
  { printf '\000'; cat "$cap"; } > $C/capture/$name-in
  { printf '\004'; cat "$cap"; } > $C/capture/$name-read
  { printf '\003'; head -c 3000 "$cap"; } > $C/capture/$name-out-cut
done
{ printf '\004'; head -c 20 pcaps/zeek/ipv4.pcap; } > $C/capture/short-header
{ printf '\000'; printf 'not a capture at all\n'; } > $C/capture/not-a-capture
du -sh $C

# ---- proxy: scripts of operations (fuzz/fuzz_proxy_body.c's encoding) -------
# op byte: low nibble 0 open, 1 client bytes, 2 server bytes, 3 client bytes one
# per feed, 4 server connected, 5 connect failed, 6 client closed, 7 server
# closed, 8 data up, 9 data failed, 10 data done, 11 timer, 12 free; bits 4-5
# the session slot. Bytes ops take a length byte, the others one argument.
rm -rf $C/proxy && mkdir -p $C/proxy
pxb() { printf "\\$(printf %03o "$1")"; }
# pxfeed OP FILE: the file's bytes in pieces of at most 255.
pxfeed() {
  local size off=0 n
  size=$(stat -c %s "$2")
  while [ "$off" -lt "$size" ]; do
    n=$((size - off)); [ "$n" -gt 255 ] && n=255
    pxb "$1"; pxb "$n"; tail -c +$((off + 1)) "$2" | head -c "$n"
    off=$((off + n))
  done
}
pxtext() { printf '%b' "$2" > "$tmp/px"; pxfeed "$1" "$tmp/px"; }
# Options byte, then session 0 opened, connected and greeted.
pxlogin() { pxb "$1"; pxb 0; pxb 0; pxb 4; pxb 0; pxtext 2 '220 ready\r\n'; }

# The control streams of the captures, both directions in capture order.
for name in ftp-active-dynamic_port-02 ftp-download-active ftp-download-passive \
            ftp-many-port-expected ftp-port-memcap ftp-upload-active ipv4 ipv6 retr; do
  for opt in 0 1; do
    { pxlogin $opt
      for f in $C/ftp/$name-*; do
        tail -c +2 "$f" > "$tmp/pl"
        if [ "$(head -c 1 "$f" | od -An -tu1 | tr -d ' ')" = 1 ]; then pxfeed 2 "$tmp/pl"
        else pxfeed 1 "$tmp/pl"; fi
        pxb 8; pxb 0; pxb 8; pxb 1
      done
      pxb 10; pxb 0; pxb 11; pxb 255; pxb 6; pxb 0
    } > $C/proxy/cap-$name-$opt
  done
done

# The FTP lines of tests/test_ftp.c and tests/test_proxy_lines.c, each sent
# by the side it belongs to, then answered (or asked) by the other.
n=0
{ grep -oE '"[^"]*(PORT|EPRT|EPSV|PASV|227|229|USER|RETR)[^"]*"' tests/test_ftp.c
  grep -oE '^[[:space:]]*\{"[^"]*"' tests/test_proxy_lines.c | sed 's/^[[:space:]]*{//'; } |
  sort -u | while IFS= read -r lit; do
    line=${lit:1:${#lit}-2}
    { pxlogin $((n % 2))
      case "$line" in
        [1-5][0-9][0-9]*) pxtext 1 'PASV\r\n'; pxtext 2 "$line\r\n" ;;
        *) pxtext 1 "$line\r\n"; pxtext 2 '227 Entering Passive Mode (198,51,100,20,4,1)\r\n' ;;
      esac
      pxb 8; pxb 0; pxb 8; pxb 1; pxb 10; pxb 0; pxb 11; pxb 255
    } > $C/proxy/line-$(printf %04d $n)
    n=$((n + 1))
  done

# Whole sessions and hostile ones: PASV/PORT/EPSV transfers on the proxy path,
# a multi-line reply that never ends, a silent server, a silent client, a
# command one byte per feed, two sessions at once, an IPv6 session.
{ pxlogin 1; pxtext 1 'USER a\r\nPASS b\r\nPASV\r\nRETR /f\r\n'
  pxtext 2 '331 pw\r\n230 ok\r\n227 Entering Passive Mode (198,51,100,20,4,1)\r\n150 go\r\n'
  pxb 8; pxb 0; pxb 8; pxb 1; pxb 10; pxb 0; pxtext 2 '226 done\r\n'; pxtext 1 'QUIT\r\n'
  pxtext 2 '221 bye\r\n'; pxb 7; pxb 0; pxb 12; pxb 0; } > $C/proxy/sess-pasv-proxy
{ pxlogin 0; pxtext 1 'PORT 192,0,2,10,4,2\r\nSTOR /f\r\n'
  pxtext 2 '200 ok\r\n150 go\r\n'; pxb 8; pxb 0; pxb 10; pxb 0; pxtext 2 '226 done\r\n'
  pxtext 1 'EPSV\r\nLIST\r\n'; pxtext 2 '229 Entering (|||1026|)\r\n150 go\r\n226 ok\r\n'
  pxb 6; pxb 0; } > $C/proxy/sess-port-epsv
{ pxlogin 2; pxtext 1 'STAT\r\n'; pxtext 2 '211-status\r\n'
  for i in 1 2 3 4 5 6 7 8; do pxtext 2 ' line without end of reply\r\n'; done
  pxb 11; pxb 255; } > $C/proxy/hostile-endless-reply
{ pxlogin 16; pxtext 1 'LIST\r\n'; pxb 11; pxb 200; pxb 11; pxb 255; pxb 11; pxb 255; } \
  > $C/proxy/hostile-silent-server
{ pxlogin 16; pxb 11; pxb 255; pxb 11; pxb 255; } > $C/proxy/hostile-silent-client
{ pxlogin 0; pxtext 3 'PORT 192,0,2,10,4,2\r\n'; pxtext 3 'EPRT |1|198.51.100.99|1025|\r\n'
  pxtext 2 '227 (198,51,100,99,4,1)\r\n'; } > $C/proxy/hostile-bytewise-bounce
{ pxlogin 4; pxb 16; pxb 0; pxb 20; pxb 0; pxtext 18 '220 two\r\n'; pxtext 1 'PASV\r\n'
  pxtext 2 '227 (198,51,100,20,4,1)\r\n'; pxb 32; pxb 1; pxb 36; pxb 0; pxb 12; pxb 0
  pxtext 33 'USER x\r\n'; pxb 28; pxb 0; } \
  > $C/proxy/sess-several
{ pxb 8; pxb 0; pxb 4; pxb 4; pxb 0; pxtext 2 '220 v6\r\n'; pxtext 1 'EPRT |2|2001:db8:1::10|1025|\r\nRETR /a\r\n'
  pxtext 2 '200 ok\r\n150 go\r\n226 ok\r\n'; } > $C/proxy/sess-v6

# ---- scen: the shipped scenarios and the bad files of tests/test_scen.c ------
rm -rf $C/scen && mkdir -p $C/scen
cp scenarios/*.yaml $C/scen/
cat > "$tmp/badscen.c" <<'CEOF'
#include <stdio.h>
#define static
#define CU_ASSERT(x)
struct bad_case { const char *yaml; const char *err; };
CEOF
{ sed -n '/^#define BASE/,/^$/p' tests/test_scen.c
  sed -n '/^static const struct bad_case bad\[\] = {/,/^};/p' tests/test_scen.c
  cat <<'CEOF'
int main(int argc, char **argv)
{
	(void)argc;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char p[512];
		FILE *f;

		snprintf(p, sizeof(p), "%s/bad-%02zu.yaml", argv[1], i);
		f = fopen(p, "w");
		if (!f || fputs(bad[i].yaml, f) < 0 || fclose(f) != 0)
			return 1;
	}
	return 0;
}
CEOF
} >> "$tmp/badscen.c"
gcc -std=c17 -o "$tmp/badscen" "$tmp/badscen.c" && "$tmp/badscen" $C/scen
du -sh $C/proxy $C/scen
