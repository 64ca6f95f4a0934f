#!/usr/bin/env bash
# make.sh - regenerates the captures in pcaps/real-b/ (run as root): real FTP
# clients and vsftpd in network namespaces behind a gateway doing nftables
# masquerade with the kernel's FTP helper, captured on both gateway links.
#
#   client ns 192.0.2.10 / 2001:db8:1::10 -- gw (192.0.2.1 | 203.0.113.1) -- server ns 203.0.113.20
#
# Captures (each NAME-inside.pcap + NAME-outside.pcap, packet i = packet i):
#   port2121   lftp, active mode (PORT), LIST + RETR against vsftpd listening on port 2121;
#              the kernel's helper is assigned to 2121 too, so the outside capture is the
#              oracle for `translate --ftp-port 2121`
#   split-port a scripted client (/usr/bin/python3) sending "PO", a pause, then "RT ..."
#              with TCP_NODELAY: one PORT command in two TCP segments, then PASV + NLST
#   masq       ordinary masqueraded sessions on port 21: curl over IPv6 (EPSV) and curl over
#              IPv4 in active mode (EPRT), each RETR of a small file
set -eu
OUT=$(cd "$(dirname "$0")" && pwd)
P=$$
C=glb$P-c G=glb$P-g S=glb$P-s
WORK=$(mktemp -d)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	sleep 0.3
	for n in $C $G $S; do ip netns del "$n" 2>/dev/null || true; done
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ip netns add $C
ip netns add $G
ip netns add $S
ip link add cveth netns $C type veth peer name gin netns $G
ip link add gout netns $G type veth peer name sveth netns $S
for ns_if in "$C cveth" "$G gin" "$G gout" "$S sveth"; do
	set -- $ns_if
	ip -n "$1" link set "$2" up
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
done
for n in $C $G $S; do ip -n $n link set lo up; done
ip -n $C addr add 192.0.2.10/24 dev cveth
ip -n $C -6 addr add 2001:db8:1::10/64 dev cveth nodad
ip -n $C route add default via 192.0.2.1
ip -n $C -6 route add default via 2001:db8:1::1
ip -n $G addr add 192.0.2.1/24 dev gin
ip -n $G -6 addr add 2001:db8:1::1/64 dev gin nodad
ip -n $G addr add 203.0.113.1/24 dev gout
ip -n $G -6 addr add 2001:db8:2::1/64 dev gout nodad
# the server knows only its own link: the inside addresses are not routable from there
ip -n $S addr add 203.0.113.20/24 dev sveth
ip -n $S -6 addr add 2001:db8:2::20/64 dev sveth nodad
ip netns exec $G sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns exec $G nft -f - <<EOF
table inet glb_nat {
	ct helper ftp { type "ftp" protocol tcp; }
	chain pre { type filter hook prerouting priority 0; tcp dport 2121 ct helper set "ftp"; }
	chain post { type nat hook postrouting priority 100; oifname "gout" masquerade; }
}
EOF

mkdir -p "$WORK/ftp/pub" "$WORK/empty"
head -c 3000 /dev/urandom >"$WORK/ftp/pub/small.bin"
head -c 20000 /dev/urandom >"$WORK/ftp/pub/medium.bin"
chmod -R a+rX "$WORK/ftp"
vsftpd_conf() { # PORT FILE
	cat >"$2" <<EOF
listen=NO
listen_ipv6=YES
listen_port=$1
anonymous_enable=YES
no_anon_password=NO
anon_root=$WORK/ftp
local_enable=NO
write_enable=NO
secure_chroot_dir=$WORK/empty
seccomp_sandbox=NO
background=NO
xferlog_enable=NO
pasv_min_port=40000
pasv_max_port=40100
EOF
}
vsftpd_conf 21 "$WORK/v21.conf"
vsftpd_conf 2121 "$WORK/v2121.conf"
ip netns exec $S /usr/sbin/vsftpd "$WORK/v21.conf" &
PIDS+=($!)
ip netns exec $S /usr/sbin/vsftpd "$WORK/v2121.conf" &
PIDS+=($!)
sleep 0.5

capture() { # NAME CMD...: runs CMD in the client namespace while both links are captured
	local name=$1
	shift
	ip netns exec $G tcpdump -q -i gin -s 0 -U -w "$WORK/$name-inside.pcap" tcp 2>/dev/null &
	local t1=$!
	ip netns exec $G tcpdump -q -i gout -s 0 -U -w "$WORK/$name-outside.pcap" tcp 2>/dev/null &
	local t2=$!
	PIDS+=($t1 $t2)
	sleep 1
	timeout 60 ip netns exec $C "$@" || echo "make.sh: $name: the client failed" >&2
	sleep 1
	kill -INT $t1 $t2
	wait $t1 $t2 || true
	cp "$WORK/$name-inside.pcap" "$WORK/$name-outside.pcap" "$OUT/"
}

capture port2121 lftp -e "set ftp:passive-mode off; set net:max-retries 1; ls pub; get pub/small.bin -o $WORK/got.bin; quit" \
	-u anonymous,x ftp://203.0.113.20:2121

cat >"$WORK/split.py" <<'EOF'
import socket, sys, time
def reply(f):
    line = f.readline()
    while line[3:4] == b"-":
        line = f.readline()
    sys.stderr.write(line.decode(errors="replace"))
    return line
c = socket.create_connection(("203.0.113.20", 21), timeout=10)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = c.makefile("rb")
reply(f)
for cmd in (b"USER anonymous\r\n", b"PASS x\r\n", b"TYPE I\r\n"):
    c.sendall(cmd); reply(f)
l = socket.socket(); l.bind(("192.0.2.10", 0)); l.listen(1)
p = l.getsockname()[1]
c.sendall(b"PO"); time.sleep(0.3)
c.sendall(b"RT 192,0,2,10,%d,%d\r\n" % (p >> 8, p & 255)); reply(f)
c.sendall(b"PASV\r\n"); r = reply(f).decode()
h = r[r.index("(") + 1:r.index(")")].split(",")
d = socket.create_connection((".".join(h[:4]), int(h[4]) * 256 + int(h[5])), timeout=10)
c.sendall(b"NLST pub\r\n"); reply(f)
while d.recv(65536): pass
d.close(); reply(f)
c.sendall(b"QUIT\r\n"); reply(f)
c.close()
EOF
capture split-port /usr/bin/python3 "$WORK/split.py"

# the kernel's helper on port 21 only now: it drops a segment holding a partial "PO"
# (nf_conntrack_ftp refuses partial matches), so the split PORT ran without it
ip netns exec $G nft add rule inet glb_nat pre tcp dport 21 ct helper set '"ftp"'
masq() {
	curl -s -g -o /dev/null "ftp://[2001:db8:2::20]/pub/small.bin"
	curl -s -P - -o /dev/null "ftp://203.0.113.20/pub/medium.bin"
}
export -f masq
capture masq bash -c masq
ls -l "$OUT"/*.pcap
