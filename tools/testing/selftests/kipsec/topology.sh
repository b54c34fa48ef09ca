#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two IPsec gateways joined by a wire, for tests, demo and benchmarks:
#
#   west (ns $NS_WEST)            wire (ns $NS_WIRE)           east (ns $NS_EAST)
#   lan0 10.1.0.1/24 fd01::1/64                                lan0 10.2.0.1/24 fd02::1/64
#   eth0 192.0.2.1/24 2001:db8::1 -- west == br0 == east -- eth0 192.0.2.2/24 2001:db8::2
#
# Each gateway routes the other's LAN via the other's wire address, so that
# without IPsec the traffic would flow in clear: a test must prove it did not.
# Capture on br0 in the wire namespace sees only what really crossed.
#
# Source this file; call topo_up [PREFIX] and topo_down.

: "${TOPO_PREFIX:=kt}"

topo_up() {
	local p=${1:-$TOPO_PREFIX} side
	NS_WEST=$p-west NS_EAST=$p-east NS_WIRE=$p-wire
	ip netns add "$NS_WIRE"
	ip -n "$NS_WIRE" link add br0 type bridge
	ip -n "$NS_WIRE" link set br0 up
	for side in west east; do
		local ns=$p-$side
		ip netns add "$ns"
		ip link add "$p-$side-eth" netns "$ns" type veth peer name "$side" netns "$NS_WIRE"
		ip -n "$NS_WIRE" link set "$side" master br0 up
		ip -n "$ns" link set lo up
		ip -n "$ns" link set "$p-$side-eth" name eth0
		ip -n "$ns" link add lan0 type dummy
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
		ip -n "$ns" link set eth0 up
		ip -n "$ns" link set lan0 up
	done
	ip -n "$NS_WEST" addr add 192.0.2.1/24 dev eth0
	ip -n "$NS_WEST" addr add 2001:db8::1/64 dev eth0 nodad
	ip -n "$NS_WEST" addr add 10.1.0.1/24 dev lan0
	ip -n "$NS_WEST" addr add fd01::1/64 dev lan0 nodad
	ip -n "$NS_EAST" addr add 192.0.2.2/24 dev eth0
	ip -n "$NS_EAST" addr add 2001:db8::2/64 dev eth0 nodad
	ip -n "$NS_EAST" addr add 10.2.0.1/24 dev lan0
	ip -n "$NS_EAST" addr add fd02::1/64 dev lan0 nodad
	ip -n "$NS_WEST" route add 10.2.0.0/24 via 192.0.2.2
	ip -n "$NS_WEST" route add fd02::/64 via 2001:db8::2
	ip -n "$NS_EAST" route add 10.1.0.0/24 via 192.0.2.1
	ip -n "$NS_EAST" route add fd01::/64 via 2001:db8::1
	export NS_WEST NS_EAST NS_WIRE
}

topo_down() {
	local ns
	for ns in "$NS_WEST" "$NS_EAST" "$NS_WIRE"; do
		[ -n "$ns" ] && ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# wire_capture FILE FILTER...: start tcpdump on the bridge; sets WIRE_PID.
wire_capture() {
	local file=$1; shift
	# Immediate mode: packets reach the file as they arrive, not when a
	# ring block retires, so none are still in the kernel when it is killed.
	# A buffer of 8 MiB (tcpdump's default is 2): woken per packet, a
	# tcpdump starved of CPU under TCG must not lose a burst.
	ip netns exec "$NS_WIRE" tcpdump -i br0 --immediate-mode -B 8192 -U -n -w "$file" "$@" 2>/dev/null &
	WIRE_PID=$!
	# tcpdump needs a moment before it sees packets.
	for _ in $(seq 50); do
		[ -s "$file" ] && break
		sleep 0.1
	done
}

wire_capture_stop() {
	[ -n "${WIRE_PID:-}" ] || return 0
	sleep 0.3
	# It may have stopped on its own (-c COUNT): not an error.
	kill "$WIRE_PID" 2>/dev/null || true
	wait "$WIRE_PID" 2>/dev/null || true
	WIRE_PID=
}

# wire_count FILE FILTER...: packets in a capture matching a filter.
wire_count() {
	local file=$1; shift
	tcpdump -n -r "$file" "$@" 2>/dev/null | wc -l
}

# nat_masquerade NS OUT RANGE: NS masquerades what leaves through OUT, UDP
# to the source ports RANGE (A-B: a port change a NAT-T peer must follow),
# the rest to any port; whatever NS's ruleset was before goes.
nat_masquerade() {
	ip netns exec "$1" nft -f - <<-EOF
		flush ruleset
		table inet nat {
			chain post {
				type nat hook postrouting priority srcnat; policy accept;
				oifname "$2" meta l4proto udp masquerade to :$3
				oifname "$2" masquerade
			}
		}
	EOF
}
