#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecd against strongSwan's charon (IKEv1, swanctl): kipsec.ko and ipsecd
# on west, charon and Linux XFRM on east.  Each case negotiates Main Mode
# with a pre-shared key and Quick Mode, ipsecd as initiator or responder,
# then proves it:
#
#   - the SA pair is in kipsec.ko; traffic flows both ways (ping, a TCP
#     transfer checked end to end), only ESP crosses the wire (capture on
#     the bridge), and west's SA counters equal east's XFRM counters;
#   - stopping ipsecd deletes its SAs and flows from kipsec.ko and tells
#     charon, which removes its own (delete notifications).
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

need "strongSwan" "$CHARON" "$SWANCTL" || finish
ike_start ikei
bulk_server "$NS_EAST" || not_ok "echo server did not start"

xfrm_states() { ip -n "$NS_EAST" xfrm state | grep -c '^src '; }

# case NAME ROLE MODE FAMILY MAIN QUICK SWAN-IKE SWAN-ESP
#   ROLE: the role of ipsecd (initiator: active rule; responder: charon starts)
run_case() {
	local name=$1 role=$2 mode=$3 fam=$4 main=$5 quick=$6 sike=$7 sesp=$8
	local case="charon $name" start=active sstart=none
	filtered "$case" || return 0
	[ "$role" = responder ] && start=passive sstart=start

	ipsecd_start west || { not_ok "$case: ipsecd did not start"; return; }
	charon_start east || { not_ok "$case: charon did not start"; ipsecd_stop west; return; }
	swan_load east "$mode" "$fam" "$sike" "$sesp" none ||
		{ not_ok "$case: swanctl refused the connection"; sed 's/^/#   /' "$work/swan-east/load.out"; }
	ike_rule west "$mode" "$fam" "$start" "$main" "$quick" >"$work/west.conf"
	if ! ctl west -f "$work/west.conf" 2>"$work/err"; then
		not_ok "$case: ipsecctl -f: $(cat "$work/err")"
	fi
	local ipid=
	if [ "$sstart" = start ]; then
		swan east --initiate --child k --timeout 30 >"$work/initiate.out" 2>&1 &
		ipid=$!
	fi
	if wait_until 30 sa_pair_up west; then
		ok "$case: negotiated ($role), SA pair in kipsec.ko"
		ike_check_traffic "$case" xfrm
		check "$case: -s ike shows phase 1 and phase 2 established" \
			sh -c "ip netns exec $NS_WEST $IPSECCTL -S $work/west.sock -s ike | grep -q ' established ' &&
			       ip netns exec $NS_WEST $IPSECCTL -S $work/west.sock -s ike | grep -q ' installed '"
	else
		not_ok "$case: no SA pair in kipsec.ko after 30 s"
		show_logs
	fi
	[ -n "$ipid" ] && wait "$ipid"
	ipsecd_stop west
	check_eq "$case: ipsecd stopped: no SA and no flow left in kipsec.ko" "0 0" \
		"$(kipsec_sa_count west) $(kipsec_flow_count west)"
	if wait_until 5 test "$(xfrm_states)" = 0; then
		ok "$case: charon removed its SAs (delete notifications)"
	else
		not_ok "$case: charon still has $(xfrm_states) XFRM states"
		show_logs
	fi
	charon_stop east
	rm -f "$work"/west.log "$work"/swan-east/charon.log
}

# Main Mode AES-256/SHA2-256/MODP2048, Quick Mode AES-GCM with PFS.
run_case "ipv4 tunnel aes256-sha256-modp2048 gcm pfs, ipsecd initiates" initiator tunnel 4 \
	"auth hmac-sha2-256 enc aes-256 group modp2048" "enc aes-256-gcm group modp2048" \
	aes256-sha256-modp2048 aes256gcm16-modp2048
# Main Mode 3DES/SHA1/MODP1024, Quick Mode without PFS.
run_case "ipv4 transport 3des-sha1-modp1024 no pfs, charon initiates" responder transport 4 \
	"auth hmac-sha1 enc 3des group modp1024" "auth hmac-sha1 enc aes-128" \
	3des-sha1-modp1024 aes128-sha1
run_case "ipv6 tunnel 3des-sha1-modp1024 no pfs, charon initiates" responder tunnel 6 \
	"auth hmac-sha1 enc 3des group modp1024" "auth hmac-sha2-256 enc aes-128" \
	3des-sha1-modp1024 aes128-sha256
run_case "ipv6 transport aes256-sha256-modp2048 pfs, ipsecd initiates" initiator transport 6 \
	"auth hmac-sha2-256 enc aes-256 group modp2048" "auth hmac-sha2-512 enc aes-256 group modp2048" \
	aes256-sha256-modp2048 aes256-sha512-modp2048
# Elliptic curves (RFC 5903) in both phases.
run_case "ipv4 tunnel aes128-sha384-ecp256 pfs ecp384, charon initiates" responder tunnel 4 \
	"auth hmac-sha2-384 enc aes-128 group ecp256" "enc aes-128-gcm group ecp384" \
	aes128-sha384-ecp256 aes128gcm16-ecp384

finish
