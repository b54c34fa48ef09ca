#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP in UDP (RFC 3948) through a masquerading NAT, manual SAs, no daemon:
#
#   kipsec (ns $NS_K)          nat (ns $NS_NAT)                  peer (ns $NS_X)
#   lan0 10.1.0.1/24 fd01::1                                      lan0 10.2.0.1/24 fd02::1
#   eth0 10.0.0.2/24 ---- in0 10.0.0.1   out0 198.51.100.1 ---- eth0 198.51.100.2/24
#        fd00::2/64           fd00::1         2001:db8:1::1          2001:db8:1::2/64
#                         nft: UDP masquerade to :20000-20004 (IPv4 and IPv6)
#
# The NAT forces a port change (RFC 3948's reason to be); which port it
# picks is learnt from its conntrack table.  The peer is Linux XFRM
# ("encap espinudp", with the UDP_ENCAP socket its input needs), or kipsec
# again for the mapping case.  Every case captures on the NAT's outside
# interface, where only what really crossed is seen: UDP 4500 only, no
# ESP (protocol 50), no inner address.  Cases:
#
#   tunnel        ping both ways, TCP both ways; SA counters on both ends
#                 (IPv4, and IPv6 whose UDP checksum is computed)
#   transport     TCP through the NAT in transport mode: the inner
#                 checksums the NAT broke (RFC 3948 §3.1.2); IPv4, IPv6
#   garbage       short datagrams, a zero marker with junk, 0xFF bursts,
#                 ESP for unknown SPIs, truncated and forged ESP, a bad UDP
#                 checksum and length on 4500: dropped and counted, the
#                 tunnel still works, dmesg clean
#   listener      a UDP socket on 4500 beside manual SAs still gets the
#                 zero-marker (IKE) datagrams, never the ESP or keepalives
#   coexist       XFRM's own NAT-T (its UDP_ENCAP socket on 4500) beside
#                 kipsec's on the same host and port: both tunnels work
#   mapping       kipsec on both ends; conntrack -F and a new port range:
#                 the public side reports a MAPPING event (once, rate
#                 limited), and with the SA updated traffic flows again
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

UDP=$here/natt_udp.py
p=nt
NS_K=$p-k NS_NAT=$p-nat NS_X=$p-x
# For topology.sh's topo_down and dataplane_lib.sh's bulk helpers.
# shellcheck disable=SC2034 # read by topology.sh and dataplane_lib.sh
NS_WEST=$NS_K NS_EAST=$NS_X NS_WIRE=$NS_NAT
# fam 4|6: the addresses of the topology in that family.
fam() {
	if [ "$1" = 4 ]; then
		K_IN=10.0.0.2 NAT_IN=10.0.0.1 NAT_OUT=198.51.100.1 X_OUT=198.51.100.2
		K_LAN=10.1.0.1 X_LAN=10.2.0.1 K_NET=10.1.0.0/24 X_NET=10.2.0.0/24
		PING=ping CT="conntrack -f ipv4" ANY=0.0.0.0 IP=ip
	else
		K_IN=fd00::2 NAT_IN=fd00::1 NAT_OUT=2001:db8:1::1 X_OUT=2001:db8:1::2
		K_LAN=fd01::1 X_LAN=fd02::1 K_NET=fd01::/64 X_NET=fd02::/64
		PING="ping -6" CT="conntrack -f ipv6" ANY=:: IP=ip6
	fi
}
EK1=$(key_hex 20 natt-1) EK2=$(key_hex 20 natt-2)
XALG="aead 'rfc4106(gcm(aes))'"
bg_pids=()

natt_up() {
	local ns
	for ns in "$NS_K" "$NS_NAT" "$NS_X"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip link add eth0 netns "$NS_K" type veth peer name in0 netns "$NS_NAT"
	ip link add eth0 netns "$NS_X" type veth peer name out0 netns "$NS_NAT"
	for ns in "$NS_K" "$NS_X"; do
		ip -n "$ns" link add lan0 type dummy
		ip -n "$ns" link set lan0 up
		ip -n "$ns" link set eth0 up
	done
	ip -n "$NS_NAT" link set in0 up
	ip -n "$NS_NAT" link set out0 up
	for f in 4 6; do
		fam $f
		local len=24
		[ $f = 4 ] || len=64
		ip -n "$NS_K" addr add $K_IN/$len dev eth0 nodad
		ip -n "$NS_NAT" addr add $NAT_IN/$len dev in0 nodad
		ip -n "$NS_NAT" addr add $NAT_OUT/$len dev out0 nodad
		ip -n "$NS_X" addr add $X_OUT/$len dev eth0 nodad
		ip -n "$NS_K" addr add $K_LAN/$len dev lan0 nodad
		ip -n "$NS_X" addr add $X_LAN/$len dev lan0 nodad
		ip -n "$NS_K" route add default via $NAT_IN
		# Without IPsec the inner traffic would reach the NAT in clear.
		ip -n "$NS_X" route add $K_NET via $NAT_OUT
	done
	ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	nat_range 20000-20004
}

natt_down() {
	local pid
	for pid in "${bg_pids[@]}"; do
		kill "$pid" 2>/dev/null
	done
	topo_down
}

# nat_range A-B: the NAT's masquerade, UDP to source ports A-B.
nat_range() { nat_masquerade "$NS_NAT" out0 "$1"; }

# bg NAME COMMAND...: a helper in the background, waited for until it says "ready".
bg() {
	local log=$work/$1.log
	shift
	"$@" > "$log" 2>&1 &
	bg_pids+=($!)
	wait_until 5 grep -q ready "$log"
}

# nat_port: the NAT's outside port for kipsec's 4500, after one keepalive
# (RFC 3948 §2.3) from 10.0.0.2:4500 opened the mapping.
nat_port() {
	ip netns exec "$NS_K" python3 "$UDP" send $X_OUT 4500 ff 1 4500
	ip netns exec "$NS_NAT" $CT -L -p udp --orig-src $K_IN --orig-port-src 4500 2>/dev/null |
		grep -o 'dport=[0-9]*' | tail -n 1 | cut -d= -f2
}

# kipsec_conf MODE: kipsec behind the NAT; SPI 0x1000 out, 0x1001 in.
kipsec_conf() {
	if [ "$1" = tunnel ]; then
		echo "flow esp from $K_NET to $X_NET local $K_IN peer $X_OUT"
	else
		echo "flow esp proto tcp from $K_IN to $X_OUT"
	fi
	echo "esp $1 from $K_IN to $X_OUT spi 0x1000:0x1001 enc aes-128-gcm enckey $EK1:$EK2 udpencap"
}

# xfrm_conf MODE PORT: the peer, XFRM, sees kipsec as the NAT's PORT.
xfrm_conf() {
	local mode=$1 port=$2 sel_out sel_in
	eval "ip -n $NS_X xfrm state add src $NAT_OUT dst $X_OUT proto esp spi 0x1000 mode $mode" \
		"$XALG $EK1 128 encap espinudp $port 4500 $ANY" &&
	eval "ip -n $NS_X xfrm state add src $X_OUT dst $NAT_OUT proto esp spi 0x1001 mode $mode" \
		"$XALG $EK2 128 encap espinudp 4500 $port $ANY" || return 1
	if [ "$mode" = tunnel ]; then
		sel_out="src $X_NET dst $K_NET" sel_in="src $K_NET dst $X_NET"
	else
		sel_out="src $X_OUT dst $NAT_OUT proto tcp" sel_in="src $NAT_OUT dst $X_OUT proto tcp"
	fi
	ip -n "$NS_X" xfrm policy add $sel_out dir out \
		tmpl src $X_OUT dst $NAT_OUT proto esp mode "$mode" &&
	ip -n "$NS_X" xfrm policy add $sel_in dir in \
		tmpl src $NAT_OUT dst $X_OUT proto esp mode "$mode"
}

reset_all() {
	local ns
	for ns in "$NS_K" "$NS_X"; do
		ip netns exec "$ns" "$IPSECCTL" -F 2>/dev/null
		ip -n "$ns" xfrm policy flush
		ip -n "$ns" xfrm state flush
	done
	ip netns exec "$NS_NAT" conntrack -F -f ipv4 2>/dev/null
	ip netns exec "$NS_NAT" conntrack -F -f ipv6 2>/dev/null
	nat_range 20000-20004
}

# setup CASE MODE: kipsec and XFRM with the port the NAT gives; sets PORT.
setup() {
	PORT=$(nat_port)
	if [ -z "$PORT" ]; then
		not_ok "$1: the NAT opened no UDP mapping"
		return 1
	fi
	echo "# $1: the NAT maps $K_IN:4500 to $NAT_OUT:$PORT"
	kipsec_conf "$2" > "$work/k.conf"
	if ! ip netns exec "$NS_K" "$IPSECCTL" -f "$work/k.conf" 2>"$work/err"; then
		not_ok "$1: ipsecctl refused: $(cat "$work/err")"
		return 1
	fi
	xfrm_conf "$2" "$PORT" || { not_ok "$1: ip xfrm refused the SAs"; return 1; }
}

capture() {
	ip netns exec "$NS_NAT" tcpdump -i out0 -U -n -w "$work/out.pcap" 2>/dev/null &
	WIRE_PID=$!
	wait_until 5 test -s "$work/out.pcap"
}

# check_wire CASE: what crossed the NAT's outside: ESP in UDP only.  The
# ESP of transport mode is fragmented at its source when a TCP segment
# outgrows the link (design.md): later fragments name no port.
check_wire() {
	local all udp other esp clear frag rest
	wire_capture_stop
	if [ "$IP" = ip ]; then
		frag="ip proto 17 and ip[6:2] & 0x1fff != 0"
	else
		frag="ip6 and ip6[6] = 44"
	fi
	all=$(wire_count "$work/out.pcap" "$IP and not icmp6")
	udp=$(wire_count "$work/out.pcap" "$IP and udp and (src port 4500 or dst port 4500)")
	rest="$IP and not icmp6 and not (udp and (src port 4500 or dst port 4500)) and not ($frag)"
	other=$(wire_count "$work/out.pcap" "$rest")
	esp=$(wire_count "$work/out.pcap" "$IP proto 50")
	clear=$(wire_count "$work/out.pcap" "net $K_NET or net $X_NET or host $K_IN")
	check "$1: on the NAT's outside only UDP 4500 ($udp datagrams of $all packets, $other else)" \
		test "$udp" -ge 10 -a "$other" -eq 0 ||
		tcpdump -n -r "$work/out.pcap" "$rest" 2>/dev/null | detail
	check "$1: no raw ESP ($esp), no clear inner packet ($clear)" test "$esp" -eq 0 -a "$clear" -eq 0
}

# check_counters CASE: the SAs of both ends moved, and agree.
check_counters() {
	local k_out k_in x_in x_out
	k_out=$(kipsec_sa_packets "$NS_K" 0x1000) k_in=$(kipsec_sa_packets "$NS_K" 0x1001)
	x_in=$(xfrm_sa_packets "$NS_X" $NAT_OUT $X_OUT 0x1000)
	x_out=$(xfrm_sa_packets "$NS_X" $X_OUT $NAT_OUT 0x1001)
	check "$1: kipsec sent $k_out, XFRM received $x_in" counted_as_sent "$k_out" "$x_in"
	check "$1: XFRM sent $x_out, kipsec received $k_in" counted_as_sent "$x_out" "$k_in"
}

ping_k() { ip netns exec "$NS_K" $PING -q -c 3 -i 0.2 -W 2 -I $K_LAN $X_LAN >/dev/null 2>&1; }
ping_x() { ip netns exec "$NS_X" $PING -q -c 3 -i 0.2 -W 2 -I $X_LAN $K_LAN >/dev/null 2>&1; }

case_tunnel() {
	local c="natt tunnel ipv$1"
	fam "$1"
	filtered "$c" || return 0
	setup "$c" tunnel || return
	capture
	check "$c: ping kipsec -> XFRM" ping_k
	check "$c: ping XFRM -> kipsec" ping_x
	check "$c: TCP kipsec -> XFRM, both ways intact" bulk "$NS_K" "$NS_X" $K_LAN $X_LAN
	check "$c: TCP XFRM -> kipsec, both ways intact" bulk "$NS_X" "$NS_K" $X_LAN $K_LAN
	check_wire "$c"
	check_counters "$c"
}

case_transport() {
	local c="natt transport ipv$1"
	fam "$1"
	filtered "$c" || return 0
	setup "$c" transport || return
	capture
	# XFRM's TCP checksums cover the NAT's address, kipsec's its own:
	# each end must not verify them (RFC 3948 §3.1.2).
	check "$c: TCP kipsec -> XFRM through the NAT, both ways intact" \
		bulk "$NS_K" "$NS_X" $K_IN $X_OUT
	check_wire "$c"
	check_counters "$c"
}

# send_k HEX [N]: datagrams to kipsec's 4500, from inside the NAT.
send_k() { ip netns exec "$NS_NAT" python3 "$UDP" send $K_IN 4500 "$@"; }

# delta LABEL BEFORE: how much a global counter moved.
delta() { echo $(($(kipsec_stat "$NS_K" "$1") - $2)); }

# craft_bad: ESP in UDP to our SPI that scapy breaks below ESP: a UDP
# checksum that does not hold, a UDP length past the datagram's end.
craft_bad() {
	ip netns exec "$NS_NAT" /usr/bin/python3 - $NAT_IN $K_IN <<-'PY'
		import sys
		from scapy.all import IP, UDP, Raw, conf, send
		conf.verb = 0
		src, dst = sys.argv[1:3]
		esp = bytes.fromhex("000010017fffff00") + bytes(48)
		send(IP(src=src, dst=dst) / UDP(sport=4500, dport=4500, chksum=0x1234) / Raw(esp))
		send(IP(src=src, dst=dst) / UDP(sport=4500, dport=4500, len=200) / Raw(esp))
	PY
}

udp_noports() { ip netns exec "$NS_K" awk '/^Udp:/ { n++; if (n == 2) print $3 }' /proc/net/snmp; }

case_garbage() {
	local c="natt garbage" ka mal nosa af bad np junk
	fam 4
	filtered "$c" || return 0
	setup "$c" tunnel || return
	check "$c: the tunnel works before" ping_k
	dmesg_mark
	ka=$(kipsec_stat "$NS_K" "in: UDP keepalives")
	mal=$(kipsec_stat "$NS_K" "in: UDP malformed")
	nosa=$(kipsec_stat "$NS_K" "in: unknown SPI")
	af=$(kipsec_stat "$NS_K" "in: authentication failed")
	bad=$(kipsec_stat "$NS_K" "in: malformed")
	np=$(udp_noports)
	junk=$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')
	send_k "" 1				# empty
	send_k 01 1				# one byte, not a keepalive
	send_k 0102030405 1			# shorter than an ESP header
	send_k ff 50				# keepalives (RFC 3948 §2.3)
	send_k "00000000$junk" 3		# the non-ESP marker: IKE's
	send_k "deadbeef00000001$junk" 5	# an SPI nobody has
	send_k "000010017fffffff0102" 1		# our SPI, truncated
	send_k "000010017ffffff0$junk" 2	# our SPI, forged
	local broken=0
	if need_craft "$c: a bad UDP checksum and length"; then
		craft_bad && broken=2
	fi
	sleep 0.5
	check_eq "$c: 50 keepalives dropped and counted" 50 "$(delta "in: UDP keepalives" "$ka")"
	check_eq "$c: $((3 + broken)) datagrams too short for ESP or with a bad UDP checksum or length counted malformed" \
		$((3 + broken)) "$(delta "in: UDP malformed" "$mal")"
	check_eq "$c: 5 ESP packets for an unknown SPI counted" 5 "$(delta "in: unknown SPI" "$nosa")"
	check_eq "$c: truncated ESP of a live SA counted malformed" 1 "$(delta "in: malformed" "$bad")"
	check_eq "$c: forged ESP of a live SA failed authentication" 2 \
		"$(delta "in: authentication failed" "$af")"
	# IKE's marker is left to the UDP layer: no socket here, so its "no port".
	check "$c: zero-marker datagrams left to UDP (no socket: no-port +$(($(udp_noports) - np)))" \
		test $(($(udp_noports) - np)) -ge 3
	check "$c: the tunnel still works" ping_k
	dmesg_check "$c: no kernel complaint"
}

case_listener() {
	local c="natt listener" got
	fam 4
	filtered "$c" || return 0
	setup "$c" tunnel || return
	: > "$work/ike.rx"
	bg listener ip netns exec "$NS_K" python3 "$UDP" listen $K_IN 4500 "$work/ike.rx" ||
		{ not_ok "$c: the listener did not start"; return; }
	check "$c: the tunnel works beside the socket on 4500" ping_k
	send_k "00000000494b45" 3
	send_k ff 5
	wait_until 5 test "$(wc -l < "$work/ike.rx")" -ge 3
	got=$(wc -l < "$work/ike.rx")
	check_eq "$c: the socket on 4500 got the 3 IKE datagrams and nothing else" 3 "$got"
	check "$c: ... all with the non-ESP marker" test "$(grep -c '^00000000494b45$' "$work/ike.rx")" = 3
	check "$c: ESP still went to the SA (kipsec received $(kipsec_sa_packets "$NS_K" 0x1001))" \
		test "$(kipsec_sa_packets "$NS_K" 0x1001)" -gt 0
	kill "${bg_pids[-1]}" 2>/dev/null
}

case_coexist() {
	local c="natt coexist" x_in k_in
	fam 4
	filtered "$c" || return 0
	setup "$c" tunnel || return
	# A second tunnel, 10.1.1.0/24 <-> 10.2.1.0/24, XFRM's at both ends.
	ip -n "$NS_K" addr add 10.1.1.1/24 dev lan0
	ip -n "$NS_X" addr add 10.2.1.1/24 dev lan0
	ip -n "$NS_X" route add 10.1.1.0/24 via $NAT_OUT
	bg kencap ip netns exec "$NS_K" python3 "$UDP" encap 0.0.0.0 4500 ||
		{ not_ok "$c: XFRM's socket on kipsec's host did not open"; return; }
	eval "ip -n $NS_K xfrm state add src $K_IN dst $X_OUT proto esp spi 0x2000 mode tunnel reqid 2" \
		"$XALG $EK1 128 encap espinudp 4500 4500 0.0.0.0"
	eval "ip -n $NS_K xfrm state add src $X_OUT dst $K_IN proto esp spi 0x2001 mode tunnel reqid 2" \
		"$XALG $EK2 128 encap espinudp 4500 4500 0.0.0.0"
	ip -n "$NS_K" xfrm policy add src 10.1.1.0/24 dst 10.2.1.0/24 dir out \
		tmpl src $K_IN dst $X_OUT proto esp mode tunnel reqid 2
	ip -n "$NS_K" xfrm policy add src 10.2.1.0/24 dst 10.1.1.0/24 dir in \
		tmpl src $X_OUT dst $K_IN proto esp mode tunnel reqid 2
	eval "ip -n $NS_X xfrm state add src $NAT_OUT dst $X_OUT proto esp spi 0x2000 mode tunnel reqid 2" \
		"$XALG $EK1 128 encap espinudp $PORT 4500 0.0.0.0"
	eval "ip -n $NS_X xfrm state add src $X_OUT dst $NAT_OUT proto esp spi 0x2001 mode tunnel reqid 2" \
		"$XALG $EK2 128 encap espinudp 4500 $PORT 0.0.0.0"
	ip -n "$NS_X" xfrm policy add src 10.2.1.0/24 dst 10.1.1.0/24 dir out \
		tmpl src $X_OUT dst $NAT_OUT proto esp mode tunnel reqid 2
	ip -n "$NS_X" xfrm policy add src 10.1.1.0/24 dst 10.2.1.0/24 dir in \
		tmpl src $NAT_OUT dst $X_OUT proto esp mode tunnel reqid 2
	check "$c: kipsec's tunnel" ping_k
	check "$c: XFRM's tunnel on the same host and port" \
		ip netns exec "$NS_K" ping -q -c 3 -i 0.2 -W 2 -I 10.1.1.1 10.2.1.1
	x_in=$(xfrm_sa_packets "$NS_K" $X_OUT $K_IN 0x2001)
	k_in=$(kipsec_sa_packets "$NS_K" 0x1001)
	check "$c: XFRM decrypted its own ($x_in), kipsec its own ($k_in)" \
		test "$x_in" -ge 3 -a "$k_in" -ge 3
	kill "${bg_pids[-1]}" 2>/dev/null
	ip -n "$NS_K" addr del 10.1.1.1/24 dev lan0
	ip -n "$NS_X" addr del 10.2.1.1/24 dev lan0
}

# x_kipsec_conf PORT: kipsec on the public peer too, kipsec's end at the NAT's PORT.
x_kipsec_conf() {
	echo "flow esp from $X_NET to $K_NET local $X_OUT peer $NAT_OUT"
	echo "esp tunnel from $X_OUT to $NAT_OUT spi 0x1001:0x1000 enc aes-128-gcm enckey $EK2:$EK1 udpencap port $1"
}

case_mapping() {
	local c="natt mapping" port2 n
	fam 4
	filtered "$c" || return 0
	PORT=$(nat_port)
	kipsec_conf tunnel > "$work/k.conf"
	x_kipsec_conf "$PORT" > "$work/x.conf"
	ip netns exec "$NS_K" "$IPSECCTL" -f "$work/k.conf" &&
		ip netns exec "$NS_X" "$IPSECCTL" -f "$work/x.conf" ||
		{ not_ok "$c: ipsecctl refused"; return; }
	ip netns exec "$NS_X" stdbuf -oL "$IPSECCTL" -m > "$work/monitor.log" 2>&1 &
	bg_pids+=($!)
	sleep 0.5
	check "$c: kipsec <-> kipsec through the NAT (port $PORT)" ping_k
	check "$c: no MAPPING while the NAT keeps its mapping" test "$(grep -c '^mapping' "$work/monitor.log")" = 0
	# A new mapping: conntrack forgets, and the NAT picks from another range.
	nat_range 20005-20009
	ip netns exec "$NS_NAT" $CT -F 2>/dev/null
	ip netns exec "$NS_K" ping -q -c 30 -i 0.01 -W 1 -I $K_LAN $X_LAN >/dev/null 2>&1
	port2=$(ip netns exec "$NS_NAT" $CT -L -p udp --orig-src $K_IN 2>/dev/null |
		grep -o 'dport=[0-9]*' | tail -n 1 | cut -d= -f2)
	wait_until 5 grep -q "^mapping from $NAT_OUT port $port2 " "$work/monitor.log"
	n=$(grep -c "^mapping" "$work/monitor.log")
	# One a second at most: 30 packets in well under two seconds.
	check "$c: MAPPING from $NAT_OUT port $port2 (was $PORT) reported, $n events for 30 packets" \
		test "$n" -ge 1 -a "$n" -le 2
	grep "^mapping" "$work/monitor.log" | detail
	check "$c: ... naming the SA 0x1000" grep -q "^mapping from $NAT_OUT port $port2 .*spi 0x00001000" \
		"$work/monitor.log"
	# What a key manager does with it: SAs to the new port, traffic again
	# (new SAs on both ends: a new SA on one would restart its counter
	# inside the other's replay window).
	ip netns exec "$NS_X" "$IPSECCTL" -F
	ip netns exec "$NS_K" "$IPSECCTL" -F
	x_kipsec_conf "$port2" > "$work/x.conf"
	ip netns exec "$NS_K" "$IPSECCTL" -f "$work/k.conf"
	ip netns exec "$NS_X" "$IPSECCTL" -f "$work/x.conf"
	check "$c: with the SAs moved to port $port2, traffic flows again" ping_k
	kill "${bg_pids[-1]}" 2>/dev/null
}

dp_start
need "NAT" nft conntrack stdbuf || finish
trap 'natt_down; rm -rf "$work"' EXIT
natt_up
bulk_server "$NS_X" || not_ok "echo server (peer) did not start"
bulk_server "$NS_K" || not_ok "echo server (kipsec) did not start"
bg encap4 ip netns exec "$NS_X" python3 "$UDP" encap 0.0.0.0 4500 &&
	bg encap6 ip netns exec "$NS_X" python3 "$UDP" encap :: 4500 ||
	not_ok "XFRM's UDP_ENCAP sockets did not open"
for t in "tunnel 4" "tunnel 6" "transport 4" "transport 6" garbage listener coexist mapping; do
	case_$t
	reset_all
done
finish
