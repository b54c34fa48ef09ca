#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU through a kipsec gateway (RFC 4301 §8; issue #3, item 7), with
# kipsec.ko on west and Linux XFRM on east, then kipsec on both sides,
# AES-128-GCM-16:
#
#   tunnel, IPv4   an inner packet with DF that would not fit once
#                  encapsulated is answered with ICMP "fragmentation needed"
#                  carrying exactly the size that fits (1446 for 1500: the
#                  same number XFRM computes), the inner route learns it,
#                  the largest packet that fits passes and one byte more
#                  does not; without DF a 3000-byte ping crosses, as ESP
#                  only; a 1 MB TCP transfer each way, started
#                  with the route cache flushed, is intact and leaves the
#                  learnt MTU on the route (TCP learnt it from kipsec);
#   tunnel, IPv6   the same with "packet too big" (1426 for 1500);
#   transport      a 1 MB TCP transfer each way intact while the protected
#                  packets leave as outer fragments (transport mode
#                  fragments at the source, even a DF ping);
#   1280           IPv6 in an IPv6 tunnel over links of the IPv6 minimum
#                  MTU: a 1280-byte inner packet (which no one may be told
#                  to shrink) still crosses, as outer fragments, and TCP
#                  works;
#   forwarded      a host behind west (routed through it) sending DF
#                  packets too big for the tunnel gets ICMP "fragmentation
#                  needed" / "packet too big" from west (RFC 4301 §8.2.1),
#                  then its own traffic, TCP included, fits.
#
# In every case the SA counters of west equal those of its peer packet for
# packet, nothing crosses the wire in clear, and west counts no output
# error.  KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

# 1 MB each way, unless the caller asks for less.
BULK_BYTES=${KIPSEC_MTU_BULK_BYTES:-1048576}
XALG="aead 'rfc4106(gcm(aes))' ENCKEY 128"
K1=$(key_hex 20 mtu-1) K2=$(key_hex 20 mtu-2)
# A wide replay window: a TCP sender's packets cross the two CPUs' input
# backlogs of the veths and can arrive more than 64 apart (measured: 81),
# which is reordering, not replay; duplicates would still be refused.
SA_SPEC="enc aes-128-gcm enckey $K1:$K2 replay 4096"

# fits LINK-MTU FAMILY: the largest inner packet an AES-GCM-16 tunnel
# carries unfragmented: outer header, SPI + sequence (8), IV (8), ICV (16),
# the rest rounded down to 4 bytes (RFC 4303 §2.4), minus pad length and
# next header (2).  esp4_get_mtu()/esp6_get_mtu() of XFRM say the same.
fits() {
	local ohl=20
	[ "$2" = 6 ] && ohl=40
	echo $(( ( ($1 - ohl - 32) / 4) * 4 - 2 ))
}

# ip header + icmp header: ping -s N sends N + this.
icmp_hl() { if [ "$1" = 6 ]; then echo 48; else echo 28; fi; }

# setup PEER MODE FAMILY: west (kipsec) and east (PEER) protect the flow.
setup() {
	local peer=$1 mode=$2 fam=$3
	dp_addresses "$mode" "$fam"
	ERR0=$(kipsec_stat "$NS_WEST" 'out: errors') DROPS0=$(lower_drops)
	dp_kipsec_conf "$mode" west "$SA_SPEC" > "$work/west.conf"
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" || return 1
	if [ "$peer" = xfrm ]; then
		dp_xfrm_conf "$mode" "$XALG" "$K1" "" "$K2" ""
	else
		dp_kipsec_conf "$mode" east "$SA_SPEC" > "$work/east.conf"
		ip netns exec "$NS_EAST" "$IPSECCTL" -f "$work/east.conf"
	fi
}

# west_ping ARGS...: ping from west's inner address to east's, output kept.
west_ping() {
	ip netns exec "$NS_WEST" $PING -n -c 1 -W 2 -I "$W_IN" "$@" "$E_IN" > "$work/ping" 2>&1
}

flush_route_cache() {
	ip -n "$1" -4 route flush cache 2>/dev/null
	ip -n "$1" -6 route flush cache 2>/dev/null
	return 0
}

# route_mtu NS DST SRC: the mtu the route cache holds for DST, or "none".
route_mtu() {
	ip -n "$1" route get "$2" from "$3" 2>/dev/null |
		awk '{ for (i = 1; i < NF; i++) if ($i == "mtu") { print $(i + 1); exit } }
		     END { }' | grep . || echo none
}

# Packets lost beneath ESP, which are no one's bug: what the input backlogs
# dropped (every CPU, every namespace: under TCG a burst can overflow one)
# and the outer fragments west's IP layer failed to reassemble.
lower_drops() {
	local n=0 d key val
	while read -r _ d _; do n=$((n + 16#$d)); done < /proc/net/softnet_stat
	while read -r key val; do
		case $key in Ip6ReasmFails|ReasmFails) n=$((n + val)) ;; esac
	done < <(ip netns exec "$NS_WEST" cat /proc/net/snmp6
		 ip netns exec "$NS_WEST" awk '/^Ip:/ { if (!h) { split($0, k); h = 1 } else
			for (i = 2; i <= NF; i++) if (k[i] == "ReasmFails") print k[i], $i }' /proc/net/snmp)
	echo "$n"
}

# The proof common to every case: SA counters equal on both ends (kipsec
# counts a packet before encapsulation, XFRM after reassembly: the same
# packets), nothing in clear on the wire, no output error on west.  A
# packet still in flight (the last ACK, being decrypted under TCG) is
# waited for, up to two seconds.
check_counters() {
	local case=$1 peer=$2 w_out w_in e_in e_out errs lost tries=20
	while :; do
		read -r w_out e_in w_in e_out < <(dp_sa_counts "$peer")
		[ "$w_out" = "$e_in" ] && [ "$w_in" = "$e_out" ] && break
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || break
		sleep 0.1
	done
	lost=$(( $(lower_drops) - DROPS0 ))
	if [ "$w_out" -gt 0 ] && [ "$w_out" = "$e_in" ] && [ "$w_in" -gt 0 ] && [ "$w_in" = "$e_out" ]; then
		ok "$case: SA counters agree (west out $w_out = $peer in, west in $w_in = $peer out)"
	elif [ "$w_out" -ge "$e_in" ] && [ "$e_out" -ge "$w_in" ] && [ "$w_in" -gt 0 ] && [ "$e_in" -gt 0 ] &&
	     [ $((w_out - e_in + e_out - w_in)) -le "$lost" ]; then
		ok "$case: SA counters agree but for $((w_out - e_in + e_out - w_in)) packets lost beneath ESP ($lost)"
	else
		not_ok "$case: SA counters: west out $w_out, $peer in $e_in; west in $w_in, $peer out $e_out ($lost lost beneath ESP)"
		{ ip netns exec "$NS_WEST" "$IPSECCTL" -s sa -v; ip netns exec "$NS_WEST" "$IPSECCTL" -s stats
		  if [ "$peer" = xfrm ]; then ip -s -n "$NS_EAST" xfrm state; else
		  ip netns exec "$NS_EAST" "$IPSECCTL" -s sa -v; ip netns exec "$NS_EAST" "$IPSECCTL" -s stats; fi
		  ip netns exec "$NS_WEST" cat /proc/net/snmp6 | grep -i reasm
		  ip -s -n "$NS_WEST" link show eth0; ip -s -n "$NS_EAST" link show eth0; } 2>&1 | sed 's/^/#   /'
	fi
	errs=$(kipsec_stat "$NS_WEST" 'out: errors')
	check_eq "$case: west counts no output error" 0 "$((errs - ERR0))"
}

# wire_clear FILE MODE: packets on the wire that are not ESP between the
# peers and name a peer or (tunnel mode) an inner address; address
# resolution and neighbour discovery aside.  By BPF: printing and parsing
# every packet of a capture takes seconds under TCG.
wire_clear() {
	local hosts="host $W_OUT or host $E_OUT"
	[ "$2" = tunnel ] && hosts+=" or host $W_IN or host $E_IN"
	# An ESP fragment: IPv4 says 50 in every fragment; IPv6 has a fragment
	# header (44) between the peers' addresses.
	wire_count "$1" "($hosts) and not arp and not ip proto 50 and not ip6 proto 50 and
		not (ip6 and ip6[6] == 44 and src host ($W_OUT or $E_OUT) and dst host ($W_OUT or $E_OUT)) and
		not (icmp6 and ip6[40] >= 133 and ip6[40] <= 137)"
}

# frag_filter FAMILY: tcpdump filter of fragments sent by west.
frag_filter() {
	if [ "$1" = 4 ]; then
		echo "ip and src $W_OUT and ip[6:2] & 0x3fff != 0"
	else
		echo "ip6 and src $W_OUT and ip6[6] == 44"
	fi
}

# bulk_check CASE SENDER-NS FROM TO: bulk() of dataplane_lib.sh as a
# check, but bounded: a transfer that stalls (a path MTU black hole) fails
# in BULK_TIMEOUT seconds, not in bulk.py's two minutes.
BULK_TIMEOUT=${KIPSEC_MTU_BULK_TIMEOUT:-25}
bulk_check() {
	local case=$1 sender=$2 src=$3 dst=$4 log=$work/srv.$NS_EAST before out got
	before=$(wc -l < "$log")
	out=$(timeout "$BULK_TIMEOUT" ip netns exec "$sender" python3 "$BULK" send "$dst" 5001 \
		"$BULK_BYTES" "$src" 2>&1)
	# The server's line follows the client's end: wait only for a client
	# that got its echo back.
	if [ "$(printf '%s\n' "$out" | wc -l)" = 2 ]; then
		for _ in $(seq 100); do
			[ "$(wc -l < "$log")" -gt "$before" ] && break
			sleep 0.05
		done
	fi
	got=$(tail -n 1 "$log")
	if [ "$(printf '%s\n' "$out" | wc -l)" = 2 ] &&
	   [ "$(printf '%s\n%s\n' "$out" "$got" | sort -u)" = "$BULK_BYTES ${got#* }" ]; then
		ok "$case: $((BULK_BYTES / 1024)) KiB of TCP each way intact"
	else
		not_ok "$case: TCP transfer of $BULK_BYTES bytes each way"
		{ echo "client: $out"; echo "server: $got"; } | detail
	fi
}

tunnel_case() {
	local peer=$1 fam=$2 case="$1 tunnel ipv$2" exp hl big frags clear msg
	filtered "$case" || return 0
	setup "$peer" tunnel "$fam" || { not_ok "$case: configuration refused"; return; }
	exp=$(fits 1500 "$fam") hl=$(icmp_hl "$fam") big=$((1500 - $(icmp_hl "$fam")))
	msg="fragmentation needed"
	[ "$fam" = 6 ] && msg="packet too big"

	# TCP first, from a clean route cache: it must learn the MTU itself.
	flush_route_cache "$NS_WEST"
	wire_capture "$work/wire.pcap"
	bulk_check "$case" "$NS_WEST" "$W_IN" "$E_IN"
	check_eq "$case: TCP left the path MTU on the route" "$exp" \
		"$(route_mtu "$NS_WEST" "$E_IN" "$W_IN")"

	flush_route_cache "$NS_WEST"
	west_ping -M do -s "$big"
	if grep -Eq "mtu ?=? ?$exp\b" "$work/ping" && ! grep -q ' 1 received' "$work/ping"; then
		ok "$case: a DF ping of $((big + hl)) bytes gets ICMP $msg, mtu $exp"
	else
		not_ok "$case: a DF ping of $((big + hl)) bytes: no ICMP $msg with mtu $exp"
		detail < "$work/ping"
	fi
	check_eq "$case: the inner route learnt mtu $exp" "$exp" "$(route_mtu "$NS_WEST" "$E_IN" "$W_IN")"
	west_ping -M do -s $((exp - hl))
	check "$case: a DF ping of $exp bytes (the most that fits) passes" grep -q ' 1 received' "$work/ping"
	west_ping -M do -s $((exp - hl + 1))
	check_fails "$case: a DF ping of $((exp + 1)) bytes does not" grep -q ' 1 received' "$work/ping"

	# IPv4 without DF may be fragmented as the inner packet (XFRM) or as
	# the outer one (kipsec); either way only as ESP.  (IPv6 has no such
	# case: a local ping of 3000 bytes is refused with "packet too big"
	# by XFRM and kipsec alike, measured; see Documentation/datapath.rst.)
	if [ "$fam" = 4 ]; then
		west_ping -M dont -s 3000
		check "$case: a ping of 3000 bytes without DF crosses" grep -q ' 1 received' "$work/ping" ||
			detail < "$work/ping"
	fi
	wire_capture_stop
	clear=$(wire_clear "$work/wire.pcap" tunnel)
	check_eq "$case: nothing in clear on the wire" 0 "$clear"
	check_counters "$case" "$peer"
}

transport_case() {
	local peer=$1 fam=$2 case="$1 transport ipv$2" frags clear big
	filtered "$case" || return 0
	setup "$peer" transport "$fam" || { not_ok "$case: configuration refused"; return; }
	big=$((1500 - $(icmp_hl "$fam")))
	wire_capture "$work/wire.pcap"
	bulk_check "$case" "$NS_WEST" "$W_IN" "$E_IN"
	# DF or not, transport mode fragments what it protected.
	west_ping -M do -s "$big"
	check "$case: a DF ping of 1500 bytes crosses (fragmented at the source)" \
		grep -q ' 1 received' "$work/ping"
	wire_capture_stop
	frags=$(wire_count "$work/wire.pcap" "$(frag_filter "$fam")")
	check "$case: west's protected packets left as fragments ($frags)" test "$frags" -ge 100
	clear=$(wire_clear "$work/wire.pcap" transport)
	check_eq "$case: nothing in clear on the wire" 0 "$clear"
	check_counters "$case" "$peer"
}

# IPv6 in IPv6 over links of 1280 bytes, the IPv6 minimum (RFC 8200 §5).
min_mtu_case() {
	local peer=$1 case="$1 tunnel ipv6 link mtu 1280" frags clear
	filtered "$case" || return 0
	ip -n "$NS_WEST" link set eth0 mtu 1280
	ip -n "$NS_EAST" link set eth0 mtu 1280
	ip -n "$NS_WIRE" link set west mtu 1280
	ip -n "$NS_WIRE" link set east mtu 1280
	setup "$peer" tunnel 6 || { not_ok "$case: configuration refused"; return; }
	wire_capture "$work/wire.pcap"
	# Not a DF ping: XFRM tells a local sender its tunnel's MTU (1206)
	# even below 1280; what both must do is carry what the sender sends.
	west_ping -s 1232
	check "$case: a ping of 1280 bytes crosses" grep -q ' 1 received' "$work/ping" ||
		detail < "$work/ping"
	bulk_check "$case" "$NS_WEST" "$W_IN" "$E_IN"
	wire_capture_stop
	frags=$(wire_count "$work/wire.pcap" "$(frag_filter 6)")
	check "$case: outer ESP fragments on the wire ($frags)" test "$frags" -ge 2
	clear=$(wire_clear "$work/wire.pcap" tunnel)
	check_eq "$case: nothing in clear on the wire" 0 "$clear"
	check_counters "$case" "$peer"
}

forward_case() {
	local peer=$1 fam=$2 case="$1 forwarded ipv$2" exp hl big msg pat
	filtered "$case" || return 0
	setup "$peer" tunnel "$fam" || { not_ok "$case: configuration refused"; return; }
	exp=$(fits 1500 "$fam") hl=$(icmp_hl "$fam") big=$((1500 - $(icmp_hl "$fam")))
	local host=10.1.0.2 gw=10.1.0.1
	msg="fragmentation needed"
	pat="From $gw icmp_seq=1 Frag needed and DF set \(mtu = $exp\)"
	if [ "$fam" = 6 ]; then
		host=fd01::2 gw=fd01::1 msg="packet too big"
		pat="From $gw icmp_seq=1 Packet too big: mtu=$exp"
	fi
	ip netns exec "$NS_HOST" $PING -n -c 1 -W 2 -M do -s "$big" "$E_IN" > "$work/ping" 2>&1
	if grep -Eq "$pat" "$work/ping"; then
		ok "$case: west answers a DF packet of $((big + hl)) bytes with ICMP $msg, mtu $exp"
	else
		not_ok "$case: west did not answer a DF packet of $((big + hl)) bytes with ICMP $msg, mtu $exp"
		detail < "$work/ping"
	fi
	check_eq "$case: the host's route learnt mtu $exp" "$exp" "$(route_mtu "$NS_HOST" "$E_IN" "$host")"
	ip netns exec "$NS_HOST" $PING -n -c 1 -W 2 -M do -s $((exp - hl)) "$E_IN" > "$work/ping" 2>&1
	check "$case: then a DF packet of $exp bytes from the host crosses" grep -q ' 1 received' "$work/ping"
	flush_route_cache "$NS_HOST"
	bulk_check "$case" "$NS_HOST" "$host" "$E_IN"
	check_eq "$case: TCP from the host learnt mtu $exp" "$exp" "$(route_mtu "$NS_HOST" "$E_IN" "$host")"
	check_counters "$case" "$peer"
}

# run_group NAME CASE...: cases one after the other in a topology of their own.
run_group() {
	local name=$1 c t0=$SECONDS t1
	shift
	work=$(mktemp -d)
	TOPO_PREFIX=$name
	topo_up "$name"
	bulk_server "$NS_EAST" || not_ok "$name: echo server did not start"
	for c in "$@"; do
		t1=$SECONDS
		eval "$c"
		echo "# $c: $((SECONDS - t1)) s"
		dp_reset
		flush_route_cache "$NS_WEST"
		flush_route_cache "$NS_EAST"
	done
	# The echo server (and anything else left) by process id.
	kill $(ip netns pids "$NS_EAST") 2>/dev/null
	[ -n "${NS_HOST:-}" ] && ip netns del "$NS_HOST"
	topo_down
	rm -rf "$work"
	echo "# $name: $((SECONDS - t0)) s"
}

NS_WEST="" NS_EAST="" NS_WIRE=""
dp_start
out=$(mktemp -d)
# Against XFRM, and against kipsec (where the forwarded host and IPv6
# transport add nothing the XFRM run does not prove of west): two
# topologies, side by side (the VM has two CPUs).  The 1280 case comes
# last, it shrinks the links.
run_group mx host_up "tunnel_case xfrm 4" "tunnel_case xfrm 6" "transport_case xfrm 4" \
	"transport_case xfrm 6" "forward_case xfrm 4" "forward_case xfrm 6" "min_mtu_case xfrm" \
	> "$out/xfrm" 2>&1 &
run_group mk "tunnel_case kipsec 4" "tunnel_case kipsec 6" "transport_case kipsec 4" \
	"min_mtu_case kipsec" > "$out/kipsec" 2>&1 &
wait
cat "$out/xfrm" "$out/kipsec"
t_pass=$(cat "$out"/* | grep -c '^ok - ')
t_fail=$(cat "$out"/* | grep -c '^not ok - ')
rm -rf "$out"
finish
