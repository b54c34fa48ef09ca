#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecd against ipsecd: kipsec.ko and ipsecd on both gateways.
#
#   - Main Mode and Quick Mode in tunnel and transport mode, IPv4 and IPv6,
#     with and without PFS: the SA pair is in both kernels, traffic flows,
#     only ESP on the wire, five pings counted on all four SAs;
#   - `ipsecctl -d` of the rule on one side takes its SAs and flows out of
#     that kernel and, by a delete notification, out of the other;
#   - on demand: with a `dynamic` rule nothing is negotiated until traffic
#     needs it; then the kernel's ACQUIRE starts the negotiation and the
#     first packet arrives;
#   - many exchanges at once: eight rules between the same gateways
#     negotiate together over one ISAKMP SA;
#   - stopping ipsecd on one side cleans its kernel and the peer's;
#   - rekey: a phase 2 lifetime of 20 s; at its soft limit (85%) the kernel's
#     EXPIRE makes the initiator negotiate a successor, which carries the
#     traffic, and at the hard limit the old pair goes from both kernels.
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

ike_start ikep
bulk_server "$NS_EAST" || not_ok "echo server did not start"


# run_case NAME MODE FAMILY MAIN QUICK
run_case() {
	local name=$1 mode=$2 fam=$3 main=$4 quick=$5 case="ipsecd $1" flows
	filtered "$case" || return 0
	ipsecd_start west && ipsecd_start east || { not_ok "$case: ipsecd did not start"; return; }
	ike_rules "$mode" "$fam" active "$main" "$quick" ||
		not_ok "$case: ipsecctl -f refused the rules"
	if wait_until 20 sa_pairs_up; then
		ok "$case: negotiated, SA pairs in both kernels"
		ike_check_traffic "$case" kipsec
	else
		not_ok "$case: no SA pair after 20 s"
		show_logs
	fi
	# Transport mode covers the gateways' own addresses: IKE is let
	# through by four bypass flows (UDP 500 and 4500, both directions).
	flows=2
	[ "$mode" = transport ] && flows=6
	check_eq "$case: west has the rule's flows$([ "$flows" = 6 ] && echo ' and the IKE bypass')" \
		"$flows" "$(kipsec_flow_count west)"
	ctl west -d -f "$work/west.conf"
	check_eq "$case: ipsecctl -d: west's SAs and flows are gone" "0 0" \
		"$(kipsec_sa_count west) $(kipsec_flow_count west)"
	if wait_until 5 test "$(kipsec_sa_count east)" = 0; then
		ok "$case: the delete notification took east's SAs out"
	else
		not_ok "$case: east still has $(kipsec_sa_count east) SAs"
		show_logs
	fi
	ipsecd_stop west
	ipsecd_stop east
	check_eq "$case: east stopped: no flow left" 0 "$(kipsec_flow_count east)"
}

run_case "ipv4 tunnel aes256-sha256-modp2048, gcm, pfs" tunnel 4 \
	"auth hmac-sha2-256 enc aes-256 group modp2048" "enc aes-256-gcm group modp2048"
run_case "ipv4 transport 3des-sha1-modp1024, aes-sha1, no pfs" transport 4 \
	"auth hmac-sha1 enc 3des group modp1024" "auth hmac-sha1 enc aes-128"
run_case "ipv6 tunnel aes128-sha1-modp1536, aes-sha256, pfs ecp256" tunnel 6 \
	"auth hmac-sha1 enc aes-128 group modp1536" "auth hmac-sha2-256 enc aes-256 group ecp256"
run_case "ipv6 transport aes192-sha512-ecp384, gcm-12, no pfs" transport 6 \
	"auth hmac-sha2-512 enc aes-192 group ecp384" "enc aes-128-gcm-12"

# ---- on demand ----
case="ipsecd on demand"
if filtered "$case"; then
	ipsecd_start west && ipsecd_start east
	main="auth hmac-sha2-256 enc aes-128 group modp2048" quick="enc aes-128-gcm"
	ike_rules tunnel 4 dynamic "$main" "$quick"
	sleep 1
	check_eq "$case: a dynamic rule negotiates nothing by itself" "0 0" \
		"$(kipsec_sa_count west) $(kipsec_sa_count east)"
	# One echo request with a long deadline: it waits in the kernel
	# (ACQUIRE) while the SAs are negotiated, then goes through them.
	if ip netns exec "$NS_WEST" ping -c 1 -W 25 -I "$W_IN" "$E_IN" >"$work/ping" 2>&1; then
		ok "$case: the first packet arrived and was answered"
	else
		not_ok "$case: the first packet was not answered"
		sed 's/^/#   /' "$work/ping"
		show_logs
	fi
	check "$case: the kernel's ACQUIRE started it" logged west "negotiating \\(traffic needs it \\(acquire\\)\\)"
	read -r spi_out spi_in < <(kipsec_spis west)
	check_eq "$case: the echo request and its answer went through the new SAs" "1 1" \
		"$(kipsec_sa_packets "$NS_WEST" "${spi_out:-0}") $(kipsec_sa_packets "$NS_WEST" "${spi_in:-0}")"
	ipsecd_stop east
	if wait_until 5 test "$(kipsec_sa_count west)" = 0; then
		ok "$case: east stopped: its delete notification took west's SAs out"
	else
		not_ok "$case: west still has $(kipsec_sa_count west) SAs after east stopped"
	fi
	check_eq "$case: east's kernel is clean" "0 0" "$(kipsec_sa_count east) $(kipsec_flow_count east)"
	ipsecd_stop west
fi

# ---- rekey on soft expiry ----
case="ipsecd rekey"
if filtered "$case"; then
	ipsecd_start west && ipsecd_start east
	main="auth hmac-sha2-256 enc aes-128 group modp2048" quick="enc aes-128-gcm lifetime 20"
	ike_rules tunnel 4 active "$main" "$quick"
	wait_until 20 sa_pairs_up || not_ok "$case: no first pair"
	read -r first _ < <(kipsec_spis west)
	if wait_until 25 logged west "reached its soft lifetime .*: rekeying"; then
		ok "$case: the soft EXPIRE started a rekey"
	else
		not_ok "$case: no rekey after the soft lifetime"
		show_logs
	fi
	two_pairs_then_one() { [ "$(kipsec_sa_count west)" = 2 ] && [ "$(kipsec_sa_count east)" = 2 ] &&
			       [ "$(kipsec_spis west | cut -d' ' -f1)" != "$first" ]; }
	if wait_until 15 two_pairs_then_one; then
		ok "$case: after the hard lifetime one pair is left on each side, a new one"
	else
		not_ok "$case: SAs west $(kipsec_sa_count west), east $(kipsec_sa_count east)"
	fi
	check "$case: traffic goes through the successor" \
		ip netns exec "$NS_WEST" ping -c 2 -i 0.2 -W 2 -I "$W_IN" "$E_IN"
	ipsecd_stop west
	ipsecd_stop east
fi

# ---- many at once ----
case="ipsecd eight rules at once"
if filtered "$case"; then
	ipsecd_start west && ipsecd_start east
	main="auth hmac-sha2-256 enc aes-128 group modp2048" quick="enc aes-128-gcm group modp2048"
	: >"$work/west.conf"
	: >"$work/east.conf"
	for i in $(seq 10 17); do
		echo "ike active esp tunnel from 10.1.$i.0/24 to 10.2.$i.0/24 local 192.0.2.1 peer 192.0.2.2 main $main quick $quick psk \"k\"" >>"$work/west.conf"
		echo "ike passive esp tunnel from 10.2.$i.0/24 to 10.1.$i.0/24 local 192.0.2.2 peer 192.0.2.1 main $main quick $quick psk \"k\"" >>"$work/east.conf"
	done
	ctl east -f "$work/east.conf" && ctl west -f "$work/west.conf"
	sixteen() { [ "$(kipsec_sa_count west)" = 16 ] && [ "$(kipsec_sa_count east)" = 16 ]; }
	if wait_until 30 sixteen; then
		ok "$case: 8 SA pairs in each kernel"
	else
		not_ok "$case: SAs west $(kipsec_sa_count west), east $(kipsec_sa_count east)"
		show_logs
	fi
	check_eq "$case: one ISAKMP SA carried them" 1 \
		"$(ctl west -s ike | grep -c ' established initiator ')"
	check_eq "$case: -s ike shows 8 installed phase 2 SAs" 8 "$(ctl west -s ike | grep -c ' installed ')"
	check "$case: -s ike -j is JSON with 8 phase 2 SAs" sh -c \
		"ip netns exec $NS_WEST $IPSECCTL -S $work/west.sock -s ike -j |
		 python3 -c 'import json,sys; d=json.load(sys.stdin)[\"ike\"]; sys.exit(len(d[\"phase2\"]) != 8 or len(d[\"rules\"]) != 8)'"
	ctl west -F
	check_eq "$case: ipsecctl -F flushes ipsecd's rules, SAs and flows" "0 0" \
		"$(kipsec_sa_count west) $(kipsec_flow_count west)"
	ipsecd_stop west
	ipsecd_stop east
fi

finish
