# live_lab.sh - sourced by the live tests and benchmarks: three network
# namespaces of the caller's own (client 192.0.2.10 | gateway 192.0.2.1,
# 203.0.113.1 | server 203.0.113.10, and 2001:db8:1::/64, 2001:db8:2::/64),
# vsftpd per family in the server, start_proxy for `gatelab live-proxy` in the
# gateway; the EXIT trap removes processes, namespaces and the temp dir.
# The caller sets GL (the gatelab binary) and defines fail().
P=gl$$
NC=$P-c NG=$P-gw NS=$P-s
TABLE=gl$$
T=$(mktemp -d /tmp/gatelab_it_live.XXXXXX)
chmod 755 "$T"
PX_PID="" FTPD4="" FTPD6="" CURL_PID=""
cleanup() {
	for p in $PX_PID $FTPD4 $FTPD6 $CURL_PID; do kill "$p" 2>/dev/null; done
	for p in $PX_PID $FTPD4 $FTPD6 $CURL_PID; do wait "$p" 2>/dev/null; done
	for n in $NC $NG $NS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

inc() { ip netns exec "$NC" "$@"; }
ing() { ip netns exec "$NG" "$@"; }
ins() { ip netns exec "$NS" "$@"; }

# ---- the lab: client 192.0.2.10 | gateway 192.0.2.1, 203.0.113.1 | server 203.0.113.10
for n in $NC $NG $NS; do ip netns add "$n" || { echo "FAIL: ip netns add $n"; exit 1; }; done
ip link add "${P}ci" type veth peer name "${P}gi"
ip link add "${P}go" type veth peer name "${P}so"
ip link set "${P}ci" netns "$NC"; ip link set "${P}gi" netns "$NG"
ip link set "${P}go" netns "$NG"; ip link set "${P}so" netns "$NS"
inc ip addr add 192.0.2.10/24 dev "${P}ci"
inc ip -6 addr add 2001:db8:1::10/64 dev "${P}ci" nodad
ing ip addr add 192.0.2.1/24 dev "${P}gi"
ing ip -6 addr add 2001:db8:1::1/64 dev "${P}gi" nodad
ing ip addr add 203.0.113.1/24 dev "${P}go"
ing ip -6 addr add 2001:db8:2::1/64 dev "${P}go" nodad
ins ip addr add 203.0.113.10/24 dev "${P}so"
ins ip -6 addr add 2001:db8:2::10/64 dev "${P}so" nodad
for n in $NC $NG $NS; do ip -n "$n" link set lo up; done
inc ip link set "${P}ci" up; ing ip link set "${P}gi" up; ing ip link set "${P}go" up
ins ip link set "${P}so" up
inc ip route add default via 192.0.2.1
inc ip -6 route add default via 2001:db8:1::1
ing sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# ---- the server: vsftpd per family, anonymous read, an upload directory
R="$T/root"
mkdir -p "$R/pub" "$R/up"
chown ftp "$R/up"
head -c 300000 /dev/urandom >"$R/pub/f1.bin"
head -c 70001 /dev/urandom >"$R/pub/f2.bin"
head -c 123457 /dev/urandom >"$T/up.bin"
chmod 644 "$R/pub/"*.bin "$T/up.bin"
vsconf() { # file listen-lines...
	local f=$1; shift
	{
		printf '%s\n' "$@"
		cat <<-CONF
		background=NO
		anonymous_enable=YES
		local_enable=NO
		write_enable=YES
		anon_upload_enable=YES
		anon_umask=022
		anon_root=$R
		no_anon_password=YES
		pasv_enable=YES
		pasv_min_port=40000
		pasv_max_port=40999
		port_enable=YES
		connect_from_port_20=NO
		seccomp_sandbox=NO
		secure_chroot_dir=/var/run/vsftpd/empty
		ftp_username=ftp
		xferlog_enable=NO
		CONF
	} >"$f"
}
vsconf "$T/vs4.conf" listen=YES listen_ipv6=NO listen_address=203.0.113.10
vsconf "$T/vs6.conf" listen=NO listen_ipv6=YES listen_address6=2001:db8:2::10
ip netns exec "$NS" vsftpd "$T/vs4.conf" >"$T/vs4.log" 2>&1 &
FTPD4=$!
ip netns exec "$NS" vsftpd "$T/vs6.conf" >"$T/vs6.log" 2>&1 &
FTPD6=$!

# Wait for both vsftpd listeners.
for _ in $(seq 100); do
	ins ss -ltn | grep -q '203.0.113.10:21' && ins ss -ltn | grep -q '2001:db8:2::10\]:21' && break
	sleep 0.05
done

# ---- the proxy
start_proxy() { # mode extra-args...
	local mode=$1; shift
	rm -f "$T/ready" "$T/stats.json"
	# PX_WRAP: e.g. "valgrind -q --error-exitcode=99 --leak-check=full"
	ip netns exec "$NG" ${PX_WRAP:-} "$GL" live-proxy --listen 192.0.2.1 --listen6 2001:db8:1::1 --port 8021 \
		--public4 203.0.113.1 --public6 2001:db8:2::1 --inside-if "${P}gi" \
		--outside-if "${P}go" --mode "$mode" --table "$TABLE" --ready-file "$T/ready" \
		--stats "$T/stats.json" --log "$@" 2>"$T/proxy.err" &
	PX_PID=$!
	for _ in $(seq 400); do [ -s "$T/ready" ] && return 0; sleep 0.05; done
	fail "proxy ($mode) not ready: $(cat "$T/proxy.err")"
	return 1
}
