#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecd and route-based tunnels: an `ike` rule with `interface ipsec0` on
# both gateways, each with a kipsec interface and the other LAN routed into
# it.  ipsecd negotiates the rule's selectors (here 0.0.0.0/0 both ways)
# and installs no flows; the SA pair it installs is bound to the interface.
#
#   - negotiated: an SA pair in both kernels, bound to ipsec0, no flow;
#   - traffic both ways (ping, TCP), only ESP on the wire, five pings counted
#     on all four SAs, and west's interface counting what its SAs did;
#   - ipsecctl -d of the rule takes the SAs out of both kernels.
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

ike_start ikif

# ike_check_traffic counts a burst of five pings on the four SAs right after
# the bulk transfer: the transfer's last segments (its FIN and ACK, late on a
# loaded host) must not land in the burst.  So the transfer settles first.
eval "bulk_transfer_$(declare -f wire_traffic)"
wire_traffic() {
	local rc
	bulk_transfer_wire_traffic "$@"
	rc=$?
	sleep 2
	return "$rc"
}
bulk_server "$NS_EAST" || not_ok "echo server did not start"

# iface_up SIDE NET4 NET6: ipsec0 with the other side's LANs routed into it.
iface_up() {
	local ns
	ns=$(ns_of "$1")
	ip -n "$ns" link add ipsec0 type kipsec &&
	ip -n "$ns" link set ipsec0 up &&
	ip -n "$ns" route replace "$2" dev ipsec0 &&
	ip -n "$ns" -6 route replace "$3" dev ipsec0
}

# iface_rule SIDE START: the route-based rule of SIDE.
iface_rule() {
	local me=192.0.2.1 peer=192.0.2.2
	[ "$1" = east ] && me=192.0.2.2 peer=192.0.2.1
	echo "ike $2 esp tunnel from any to any local $me peer $peer" \
		"main auth hmac-sha2-256 enc aes-128 group modp2048 quick enc aes-128-gcm group modp2048" \
		"interface ipsec0 psk \"s3cret-key\""
}

bound_pair() {
	[ "$(ip netns exec "$(ns_of "$1")" "$IPSECCTL" -s sa | grep -c ' interface ipsec0')" = 2 ]
}

case="ipsecd interface"
if iface_up west 10.2.0.0/24 fd02::/64 && iface_up east 10.1.0.0/24 fd01::/64; then
	ipsecd_start west && ipsecd_start east || not_ok "$case: ipsecd did not start"
	iface_rule east passive > "$work/east.conf"
	iface_rule west active > "$work/west.conf"
	check "$case: ipsecctl -n prints the rule back with its interface" \
		grep -q " interface ipsec0" <(ip netns exec "$NS_WEST" "$IPSECCTL" -nv -f "$work/west.conf")
	ctl east -f "$work/east.conf" && ctl west -f "$work/west.conf" ||
		not_ok "$case: ipsecctl -f refused the rules"
	dp_addresses tunnel 4
	if wait_until 30 sa_pairs_up; then
		ok "$case: negotiated, SA pairs in both kernels"
		check "$case: west's SAs are bound to ipsec0" bound_pair west
		check "$case: east's SAs are bound to ipsec0" bound_pair east
		check_eq "$case: no flows on either side" "0 0" \
			"$(kipsec_flow_count west) $(kipsec_flow_count east)"
		ike_check_traffic "$case ipv4 inner" kipsec
		# Every packet routed into ipsec0 went through its outbound SA, every
		# packet its inbound SA decrypted arrived on it.
		read -r spi_out spi_in < <(kipsec_spis west)
		check_eq "$case: west's interface counted its SAs' packets (tx, rx)" \
			"$(kipsec_sa_packets "$NS_WEST" "$spi_out") $(kipsec_sa_packets "$NS_WEST" "$spi_in")" \
			"$(ip netns exec "$NS_WEST" cat /sys/class/net/ipsec0/statistics/tx_packets) $(ip netns exec "$NS_WEST" cat /sys/class/net/ipsec0/statistics/rx_packets)"
		dp_addresses tunnel 6
		# Inner IPv6 over the same SAs: kipsec's interfaces carry whatever is
		# routed into them (a peer that holds its SAs to the negotiated
		# 0.0.0.0/0, as XFRM does, would want an IPv6 rule of its own).
		W_OUT=192.0.2.1 E_OUT=192.0.2.2
		ike_check_traffic "$case ipv6 inner" kipsec
	else
		not_ok "$case: no SA pair after 30 s"
		show_logs
	fi
	ctl west -d -f "$work/west.conf"
	check_eq "$case: ipsecctl -d: west's SAs are gone" 0 "$(kipsec_sa_count west)"
	if wait_until 5 test "$(kipsec_sa_count east)" = 0; then
		ok "$case: the delete notification took east's SAs out"
	else
		not_ok "$case: east still has $(kipsec_sa_count east) SAs"
		show_logs
	fi
	ipsecd_stop west
	ipsecd_stop east
else
	not_ok "$case: the kipsec interfaces could not be made"
fi
finish
