#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Route-based tunnels: a kipsec interface (ip link add ipsec0 type kipsec)
# on west, a Linux XFRM interface (type xfrm, if_id 42, states and
# 0.0.0.0/0 / ::/0 policies with that if_id) on east, the two joined by the
# bridge of topology.sh.  Each LAN is routed into the tunnel interface;
# no kipsec flow exists at all.  For IPv4 and IPv6 outer addresses, with
# IPv4 and IPv6 inner traffic:
#
#   - ping both ways and a TCP transfer of a few MB, checked end to end;
#   - on the bridge only ESP between the gateways, never an inner packet;
#   - kipsec's SA counters equal XFRM's on the other end, and the
#     interface's tx/rx packets and bytes equal its SAs' exactly;
#   - the interface's MTU comes from the SA's overhead, unless set by hand;
#   - without an SA, what is routed into the interface is dropped and
#     counted as a tx error, and never leaves in clear;
#   - ipsecctl's errors: a missing interface, one that is not kipsec's;
#   - the interface deleted under traffic takes its SAs along; a namespace
#     deleted with an interface, SAs and traffic in it; the module removed
#     with interfaces in use; and a clean kernel log.
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

BULK_BYTES=${KIPSEC_BULK_BYTES:-2097152}
IF_ID=42
K1=$(key_hex 20 iface-1) K2=$(key_hex 20 iface-2)

# sysfs counter of an interface: ns dev name.
if_stat() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/$3"; }

# The kipsec side: ipsec0, addressless, the other LAN routed into it.
west_iface() {
	ip -n "$NS_WEST" link add ipsec0 type kipsec &&
	ip -n "$NS_WEST" link set ipsec0 up &&
	ip -n "$NS_WEST" route replace 10.2.0.0/24 dev ipsec0 &&
	ip -n "$NS_WEST" -6 route replace fd02::/64 dev ipsec0
}

# The XFRM side: xfrm0 with if_id 42 and the policies of a route-based tunnel.
east_iface() {
	ip -n "$NS_EAST" link add xfrm0 type xfrm dev eth0 if_id $IF_ID &&
	ip -n "$NS_EAST" link set xfrm0 up &&
	ip -n "$NS_EAST" route replace 10.1.0.0/24 dev xfrm0 &&
	ip -n "$NS_EAST" -6 route replace fd01::/64 dev xfrm0
}

# SAs over outer family $1 for inner family $2 (default: the outer one): kipsec
# bound to ipsec0, XFRM with if_id 42.  An XFRM state carries one inner
# family, that of its selector: a mixed pair names it ("sel").
sas_up() {
	local w e sel any=0.0.0.0/0
	if [ "$1" = 4 ]; then w=192.0.2.1 e=192.0.2.2; else w=2001:db8::1 e=2001:db8::2; fi
	[ "${2:-$1}" = 6 ] && any=::/0
	W_OUT=$w E_OUT=$e
	echo "esp tunnel from $w to $e spi 0x1000:0x1001 enc aes-128-gcm enckey $K1:$K2 interface ipsec0" \
		> "$work/west.conf"
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" || return 1
	ip -n "$NS_EAST" xfrm state add src $w dst $e proto esp spi 0x1000 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$K1" 128 if_id $IF_ID sel src $any dst $any &&
	ip -n "$NS_EAST" xfrm state add src $e dst $w proto esp spi 0x1001 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$K2" 128 if_id $IF_ID sel src $any dst $any || return 1
	for sel in "0.0.0.0/0" "::/0"; do
		ip -n "$NS_EAST" xfrm policy add src $sel dst $sel dir out \
			tmpl src $e dst $w proto esp mode tunnel if_id $IF_ID &&
		ip -n "$NS_EAST" xfrm policy add src $sel dst $sel dir in \
			tmpl src $w dst $e proto esp mode tunnel if_id $IF_ID || return 1
	done
}

sas_down() {
	ip netns exec "$NS_WEST" "$IPSECCTL" -F 2>/dev/null
	ip -n "$NS_EAST" xfrm policy flush
	ip -n "$NS_EAST" xfrm state flush
}

# Inner family $1: the LAN addresses the traffic runs between.
inner() {
	if [ "$1" = 4 ]; then
		W_IN=10.1.0.1 E_IN=10.2.0.1 PING=ping
	else
		W_IN=fd01::1 E_IN=fd02::1 PING="ping -6"
	fi
}

snapshot() {
	local c
	for c in tx_packets tx_bytes rx_packets rx_bytes tx_errors; do
		printf '%s ' "$(if_stat "$NS_WEST" ipsec0 $c)"
	done
}

# settle: up to 5 s until west's outbound SA has sent nothing for half a second.
settle() {
	local a b
	b=$(kipsec_sa_packets "$NS_WEST" 0x1000)
	for _ in $(seq 10); do
		sleep 0.5
		a=$b
		b=$(kipsec_sa_packets "$NS_WEST" 0x1000)
		[ "$a" = "$b" ] && return 0
	done
}

# sa_totals: west's two SAs' packets and bytes, "out-packets in-packets
# out-bytes in-bytes".
sa_totals() {
	echo "$(kipsec_sa_packets "$NS_WEST" 0x1000) $(kipsec_sa_packets "$NS_WEST" 0x1001)" \
		"$(kipsec_sa_counter "$NS_WEST" 0x1000 bytes) $(kipsec_sa_counter "$NS_WEST" 0x1001 bytes)"
}

# One case: outer family $1, inner family $2, with SAs of their own.
traffic_case() {
	local case="kipsec interface - xfrm interface: outer ipv$1 inner ipv$2" why=""
	local tp0 tb0 rp0 rb0 te0 tp1 tb1 rp1 rb1 te1 w_out w_in e_in e_out sob sib
	filtered "$case" || return 0
	if ! sas_up "$1" "$2" 2>"$work/err"; then
		not_ok "$case: SAs refused: $(cat "$work/err")"
		sas_down
		return
	fi
	inner "$2"
	read -r tp0 tb0 rp0 rb0 te0 < <(snapshot)
	wire_traffic || why+=$WIRE_WHY
	# A late packet of the TCP close between the reads below would be in
	# one counter and not the other: let the traffic end first.
	settle
	# And if one still comes (a loaded TCG guest resends late), read
	# again: the interface's counters between two equal readings of the
	# SAs' were read while nothing moved.
	local sas0 sas1=
	for _ in $(seq 5); do
		sas0=$(sa_totals)
		read -r tp1 tb1 rp1 rb1 te1 < <(snapshot)
		sas1=$(sa_totals)
		[ "$sas0" = "$sas1" ] && break
		sleep 0.5
	done
	read -r w_out w_in sob sib <<<"$sas1"
	e_in=$(xfrm_sa_packets "$NS_EAST" "$W_OUT" "$E_OUT" 0x1000)
	e_out=$(xfrm_sa_packets "$NS_EAST" "$E_OUT" "$W_OUT" 0x1001)
	[ "$((tp1 - tp0))" = "$w_out" ] || why+=" if-tx-packets=$((tp1 - tp0)),sa=$w_out"
	[ "$((tb1 - tb0))" = "$sob" ] || why+=" if-tx-bytes=$((tb1 - tb0)),sa=$sob"
	[ "$((rp1 - rp0))" = "$w_in" ] || why+=" if-rx-packets=$((rp1 - rp0)),sa=$w_in"
	[ "$((rb1 - rb0))" = "$sib" ] || why+=" if-rx-bytes=$((rb1 - rb0)),sa=$sib"
	[ "$te1" = "$te0" ] || why+=" if-tx-errors=$((te1 - te0))"
	counted_as_sent "$w_out" "$e_in" || why+=" west-out=$w_out,east-in=$e_in"
	counted_as_sent "$e_out" "$w_in" || why+=" east-out=$e_out,west-in=$w_in"
	if [ -z "$why" ]; then
		ok "$case (ESP on wire $WIRE_PROTECTED, interface tx $w_out rx $w_in = its SAs' = XFRM's)"
	else
		not_ok "$case:$why"
		{
			ip netns exec "$NS_WEST" "$IPSECCTL" -s sa -v
			ip netns exec "$NS_WEST" "$IPSECCTL" -s stats
			ip -s -n "$NS_WEST" link show ipsec0
			ip -s -n "$NS_EAST" xfrm state
			cat "$work/leaks"
		} 2>&1 | detail
	fi
	sas_down
}

# The MTU an aes-128-gcm SA leaves of a 1500-byte path (RFC 4106: 8-byte IV,
# 16-byte ICV; 4-byte alignment; 2 bytes of trailer).
expected_mtu() { echo $(( (1500 - $1 - 8 - 8 - 16) / 4 * 4 - 2 )); }

check_link() {
	local info
	info=$(ip -d -n "$NS_WEST" link show ipsec0)
	if [[ $info == *POINTOPOINT,NOARP* && $info == *"link/none"* && $info == *kipsec* ]]; then
		ok "ip link add ipsec0 type kipsec: point-to-point, no ARP, no link layer"
	else
		not_ok "ipsec0 is not what it should be"
		printf '%s\n' "$info" | detail
	fi
}

outer_round() {
	local fam=$1 hl=20 mtu
	[ "$fam" = 6 ] && hl=40
	filtered "outer ipv$fam" || return 0
	if sas_up "$fam" 2>"$work/err"; then
		mtu=$(ip netns exec "$NS_WEST" cat /sys/class/net/ipsec0/mtu)
		check_eq "outer ipv$fam: ipsec0's MTU from its SA's overhead" "$(expected_mtu $hl)" "$mtu"
		check "outer ipv$fam: the SAs show their interface" \
			grep -q "interface ipsec0" <(ip netns exec "$NS_WEST" "$IPSECCTL" -s sa)
	else
		not_ok "outer ipv$fam: SAs refused: $(cat "$work/err")"
	fi
	sas_down
	traffic_case "$fam" 4
	traffic_case "$fam" 6
}

# An MTU the administrator set stays when an SA is bound.
mtu_by_hand() {
	filtered "mtu by hand" || return 0
	ip -n "$NS_WEST" link set ipsec0 mtu 1300
	if sas_up 4 2>"$work/err"; then
		check_eq "mtu by hand: an MTU set by hand stays when an SA is bound" 1300 \
			"$(ip netns exec "$NS_WEST" cat /sys/class/net/ipsec0/mtu)"
	else
		not_ok "mtu by hand: SAs refused: $(cat "$work/err")"
	fi
	sas_down
}

# Without an SA: dropped, a tx error, nothing in clear on the wire.
no_sa_case() {
	local te0 te1 leaks
	filtered "no SA" || return 0
	inner 4
	te0=$(if_stat "$NS_WEST" ipsec0 tx_errors)
	wire_capture "$work/nosa.pcap"
	ip netns exec "$NS_WEST" ping -q -c 3 -i 0.2 -W 1 -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1
	wire_capture_stop
	te1=$(if_stat "$NS_WEST" ipsec0 tx_errors)
	leaks=$(wire_count "$work/nosa.pcap" host 10.2.0.1 or host 10.1.0.1)
	if [ "$((te1 - te0))" -ge 3 ] && [ "$leaks" = 0 ]; then
		ok "no SA: routed into ipsec0, dropped and counted ($((te1 - te0)) tx errors), none in clear"
	else
		not_ok "no SA: tx errors $((te1 - te0)), clear packets on the wire $leaks"
	fi
}

refusals() {
	filtered "ipsecctl" || return 0
	local conf=$work/bad.conf out
	echo "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x2000 enc aes-128-gcm enckey $K1 interface nosuch0" > "$conf"
	out=$(ip netns exec "$NS_WEST" "$IPSECCTL" -f "$conf" 2>&1)
	check "ipsecctl: a missing interface is named at its line" \
		grep -q "bad.conf:1: no interface \"nosuch0\"" <<<"$out"
	echo "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x2000 enc aes-128-gcm enckey $K1 interface lo" > "$conf"
	out=$(ip netns exec "$NS_WEST" "$IPSECCTL" -f "$conf" 2>&1)
	check "ipsecctl: an interface that is not kipsec's is refused by the kernel" \
		grep -q "bad.conf:1: kernel refused .*not a kipsec interface" <<<"$out"
	check_eq "ipsecctl: nothing was installed" "" \
		"$(ip netns exec "$NS_WEST" "$IPSECCTL" -s sa)"
}

# Background traffic into the tunnel both ways, until killed.
flood_start() {
	ip netns exec "$NS_WEST" ping -q -f -I 10.1.0.1 10.2.0.1 >/dev/null 2>&1 &
	FLOOD=$!
	ip netns exec "$NS_EAST" ping -q -f -I 10.2.0.1 10.1.0.1 >/dev/null 2>&1 &
	FLOOD+=" $!"
}

flood_stop() {
	# shellcheck disable=SC2086
	kill $FLOOD 2>/dev/null
	# shellcheck disable=SC2086
	wait $FLOOD 2>/dev/null
}

delete_under_traffic() {
	local sas
	filtered "deleted under traffic" || return 0
	sas_up 4 || { not_ok "deleted under traffic: SAs refused"; return; }
	flood_start
	sleep 2
	wire_capture "$work/del.pcap"
	check "deleted under traffic: ip link del ipsec0" ip -n "$NS_WEST" link del ipsec0
	sleep 1
	wire_capture_stop
	flood_stop
	sas=$(ip netns exec "$NS_WEST" "$IPSECCTL" -s sa)
	check_eq "deleted under traffic: its SAs went with it" "" "$sas"
	check_eq "deleted under traffic: nothing in clear on the wire afterwards" 0 \
		"$(wire_count "$work/del.pcap" host 10.2.0.1 and host 10.1.0.1 and not esp)"
	sas_down
}

netns_with_iface() {
	filtered "namespace deleted" || return 0
	west_iface
	sas_up 4 || { not_ok "namespace deleted: SAs refused"; return; }
	flood_start
	sleep 2
	check "namespace deleted with an interface, SAs and traffic in it" ip netns del "$NS_WEST"
	flood_stop
	# The namespace's teardown is asynchronous: wait for it to be gone.
	sleep 3
	NS_WEST=
}

module_removed() {
	filtered "module removed" || return 0
	local ns=ift-mod
	ip netns add $ns
	ip -n $ns link set lo up
	# The peer behind a dummy link: the ESP goes nowhere, which is fine here.
	ip -n $ns link add d0 type dummy
	ip -n $ns link set d0 up
	ip -n $ns addr add 198.51.100.1/24 dev d0
	ip -n $ns link add ipsec0 type kipsec
	ip -n $ns link set ipsec0 up
	ip -n $ns addr add 10.9.0.1/24 dev ipsec0
	echo "esp tunnel from 198.51.100.1 to 198.51.100.2 spi 0x3000 enc aes-128-gcm enckey $K1 interface ipsec0" \
		> "$work/mod.conf"
	ip netns exec $ns "$IPSECCTL" -f "$work/mod.conf"
	ip netns exec $ns ping -q -c 20 -i 0.05 10.9.0.2 >/dev/null 2>&1
	local n
	n=$(kipsec_sa_packets $ns 0x3000)
	[ "$n" -gt 0 ] || not_ok "module removed: the SA sent nothing ($n)"
	if wait_until 20 rmmod kipsec 2>/dev/null; then
		ok "module removed with an interface and its SA in use"
		check_fails "module removed: its interfaces went with it" ip -n $ns link show ipsec0
	else
		not_ok "module removed: rmmod kipsec failed"
	fi
	ip netns del $ns
	load_module || not_ok "insmod $KIPSEC_KO again"
}

dp_start
dmesg_mark
modprobe -q xfrm_interface
topo_up ift
bulk_server "$NS_EAST" || not_ok "echo server did not start"
if west_iface && east_iface; then
	check_link
	refusals
	no_sa_case
	outer_round 4
	outer_round 6
	mtu_by_hand
	delete_under_traffic
	netns_with_iface
else
	not_ok "the tunnel interfaces could not be made"
fi
topo_down
module_removed
dmesg_check "kernel log clean"
finish
