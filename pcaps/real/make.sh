#!/usr/bin/env bash
# make.sh - makes the captures in pcaps/real/ from real traffic: vsftpd (own config file, own
# temporary directory) and lftp/curl in network namespaces, captured with tcpdump on the client's
# link with offloads off (MTU-sized frames, real checksums). Run as root: bash make.sh [OUTDIR].
set -eu
OUT=$(readlink -f "${1:-$(dirname "$0")}")
N=gl$$
C=$N-c R=$N-r S=$N-s
T=$(mktemp -d /tmp/glcap.XXXXXX)
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
	for ns in $C $R $S; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

# client 192.0.2.10 -- router (192.0.2.1 | 203.0.113.1) -- server 203.0.113.20
net_up() {
	for ns in $C $R $S; do ip netns add "$ns"; nsx "$ns" ip link set lo up; done
	ip link add "$N-c0" netns $C type veth peer name "$N-r0" netns $R
	ip link add "$N-s0" netns $S type veth peer name "$N-r1" netns $R
	nsx $C ip addr add 192.0.2.10/24 dev "$N-c0"
	nsx $R ip addr add 192.0.2.1/24 dev "$N-r0"
	nsx $R ip addr add 203.0.113.1/24 dev "$N-r1"
	nsx $S ip addr add 203.0.113.20/24 dev "$N-s0"
	for x in "$C $N-c0" "$R $N-r0" "$R $N-r1" "$S $N-s0"; do
		set -- $x
		nsx "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
		nsx "$1" ip link set "$2" up
	done
	nsx $C ip route add default via 192.0.2.1
	nsx $S ip route add default via 203.0.113.1
	nsx $R sysctl -qw net.ipv4.ip_forward=1
}

# vsftpd 3.0.3 with its own config: anonymous (downloads from pub/, uploads to incoming/),
# local logins through PAM (no user is created: a wrong password is all we need).
ftpd_up() {
	mkdir -p "$T/anon/pub" "$T/anon/incoming" "$T/empty" "$T/dl"
	chmod 755 "$T" "$T/anon" "$T/anon/pub"
	chown ftp:ftp "$T/anon/incoming"
	chmod 755 "$T/anon/incoming"
	# a text file with LF line ends (ASCII mode sends CRLF), binaries of fixed content
	/usr/bin/python3 - "$T/anon/pub" <<'PY'
import sys, hashlib
d = sys.argv[1]
with open(d + "/notes.txt", "w") as f:
    for i in range(400):
        f.write("line %04d of the gatelab ascii-mode test file\n" % i)
def blob(name, n):
    out, h = bytearray(), b"gatelab"
    while len(out) < n:
        h = hashlib.sha256(h).digest(); out += h
    open(d + "/" + name, "wb").write(out[:n])
blob("small.bin", 100000)
blob("tiny.bin", 5000)
blob("big.bin", 2 * 1024 * 1024)
for i in range(40):
    open("%s/file-with-a-longish-name-%02d.dat" % (d, i), "w").write("x" * i)
PY
	/usr/bin/python3 -c 'import sys; open(sys.argv[1],"wb").write(bytes(range(256))*200)' "$T/up.bin"
	chmod 644 "$T"/anon/pub/*
	cat >"$T/vsftpd.conf" <<CONF
listen=YES
listen_ipv6=NO
listen_address=203.0.113.20
background=NO
anonymous_enable=YES
anon_root=$T/anon
no_anon_password=NO
local_enable=YES
pam_service_name=vsftpd
write_enable=YES
anon_upload_enable=YES
anon_other_write_enable=YES
anon_umask=022
ascii_download_enable=YES
ascii_upload_enable=YES
connect_from_port_20=YES
pasv_enable=YES
pasv_min_port=40000
pasv_max_port=40100
secure_chroot_dir=$T/empty
xferlog_enable=NO
dirmessage_enable=NO
ssl_enable=NO
seccomp_sandbox=NO
CONF
	ip netns exec $S vsftpd "$T/vsftpd.conf" &
	PIDS+=($!)
	sleep 0.5
}

cap_start() { # name [tcpdump options]
	local name=$1; shift
	ip netns exec $R tcpdump -Z root --immediate-mode -i "$N-r0" -U -n -w "$T/$name.pcap" "$@" tcp 2>"$T/tcpdump.err" &
	CAP=$!
	PIDS+=($CAP)
	sleep 1
}
cap_stop() { # name
	sleep 1.5
	kill -TERM $CAP; wait $CAP 2>/dev/null || true
	cat "$T/tcpdump.err" >&2; cp "$T/$1.pcap" "$OUT/$1.pcap"
	echo "$1.pcap: $(stat -c %s "$OUT/$1.pcap") bytes"
}

LFTP="lftp -d -c"
LSET="set net:max-retries 1; set net:timeout 5; set cmd:fail-exit yes"

net_up
ftpd_up

# 1. Issue 10's shape: a wrong password (lftp tries AUTH TLS first, vsftpd without TLS says
# 530), then an anonymous passive RETR of a missing file (550).
cap_start auth-fail-missing
nsx $C $LFTP "$LSET; open -u alice,wrongpass 203.0.113.20; ls" >"$T/lftp1.log" 2>&1 || true
nsx $C $LFTP "$LSET; set ftp:passive-mode on; open -u anonymous,lftp@ 203.0.113.20; get -O $T pub/missing.bin" >"$T/lftp2.log" 2>&1 || true; cat $T/lftp*.log >&2
cap_stop auth-fail-missing

# 2. REST, ASCII and uploads (curl, passive): a resumed RETR (REST 40000 of 100000), an
# ASCII-mode RETR (TYPE A: LF becomes CRLF on the wire), STOR, APPE, and REST + STOR.
cap_start rest-ascii
nsx $C curl -s -o /dev/null -C 40000 ftp://203.0.113.20/pub/small.bin
nsx $C curl -s -o /dev/null --use-ascii ftp://203.0.113.20/pub/notes.txt
nsx $C curl -s -T "$T/up.bin" ftp://203.0.113.20/incoming/up.bin
nsx $C curl -s -T "$T/up.bin" --append ftp://203.0.113.20/incoming/up.bin
head -c 20000 "$T/up.bin" >"$T/part.bin"
nsx $C curl -s -T "$T/part.bin" ftp://203.0.113.20/incoming/part.bin
nsx $C lftp -c "$LSET; open -u anonymous,lftp@ 203.0.113.20; set ftp:passive-mode on; put -c -O incoming $T/up.bin -o part.bin" >/dev/null 2>&1 || true
cap_stop rest-ascii

# 3. A snap length of 128 bytes: an NLST of pub/ (2 kB of names) and a RETR of 100000 bytes,
# every data frame cut.
cap_start nlst-snaplen128 -s 128
nsx $C $LFTP "$LSET; set ftp:passive-mode on; open -u anonymous,lftp@ 203.0.113.20; nlist pub; get -O $T/dl pub/small.bin" >/dev/null 2>&1 || true
cap_stop nlst-snaplen128

# 4. A lossy link: 3% of the server's data segments dropped by nftables in the forward path,
# and a token bucket (4 Mbit/s, 300 ms of queue) on the way to the client standing in for a
# long path; a passive RETR of 2 MiB, captured on the client's link after the losses.
nsx $R nft -f - <<NFT
table inet $N {
	chain lossy {
		type filter hook forward priority 0; policy accept;
		ip saddr 203.0.113.20 tcp sport != 21 tcp flags & (syn | fin) == 0 numgen random mod 100 < 3 drop
	}
}
NFT
nsx $R tc qdisc add dev "$N-r0" root tbf rate 4mbit burst 16kb latency 300ms 2>/dev/null ||
	echo "make.sh: no tbf qdisc: the lossy capture has no queueing delay" >&2
cap_start lossy-retr
nsx $C curl -s -o /dev/null ftp://203.0.113.20/pub/big.bin
cap_stop lossy-retr
nsx $R tc qdisc del dev "$N-r0" root 2>/dev/null || true
nsx $R nft delete table inet $N

# 5. A retransmission after both FINs: the client's packets on the data connection are dropped
# after its handshake (conntrack's packet count), so the server never hears the ACKs or the FIN
# of a 5000-byte RETR and retransmits its first data segment after both FINs were on the link.
nsx $R sysctl -qw net.netfilter.nf_conntrack_acct=1
nsx $R nft -f - <<NFT
table inet $N {
	chain lossy {
		type filter hook forward priority 0; policy accept;
		ip saddr 192.0.2.10 tcp dport 40000-40100 ct original packets > 2 drop
	}
}
NFT
cap_start late-retransmission
ip netns exec $C curl -s -o /dev/null ftp://203.0.113.20/pub/tiny.bin &
CURL=$!
PIDS+=($CURL)
sleep 1.5
nsx $R nft delete table inet $N
wait $CURL || true
sleep 2
cap_stop late-retransmission
