#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Failed negotiations, ipsecd against ipsecd: west initiates, east answers.
# For each cause (a proposal mismatch, a wrong pre-shared key, a DH group
# mismatch, traffic selectors that do not mirror, PFS on one side only,
# each way):
#
#   - the negotiation fails: no SA pair;
#   - each side's log has one line naming the peer, the phase and the
#     cause, with both sides' values where there are two;
#   - neither kernel holds an SA (not even a reserved SPI) and each holds
#     only its rule's own two flows.
#
# Then one failure against strongSwan, to see that its notification is
# understood: charon offers a proposal ipsecd does not accept.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

ike_start ikef

M="auth hmac-sha2-256 enc aes-256 group modp2048"
Q="enc aes-256-gcm"

# kstate: "west-SAs west-flows east-SAs east-flows", one ipsecctl per side.
kstate() {
	local side
	for side in west east; do
		ip netns exec "$(ns_of "$side")" "$IPSECCTL" -s all |
			awk '/^esp / { s++ } /^flow / { f++ } END { printf "%d %d ", s, f }'
	done
}
settled() { [ "$(kstate)" = "0 2 0 2 " ]; }

# run_case NAME WEST-MAIN WEST-QUICK EAST-MAIN EAST-QUICK EAST-LOG WEST-LOG [WEST-PSK EAST-PSK [EAST-RULE]]
run_case() {
	local name=$1 wm=$2 wq=$3 em=$4 eq=$5 elog=$6 wlog=$7 wpsk=${8:-k} epsk=${9:-k} erule=${10:-}
	local case="failure: $name"
	filtered "$case" || return 0
	ipsecd_start west && ipsecd_start east || { not_ok "$case: ipsecd did not start"; return; }
	if [ -n "$erule" ]; then
		echo "$erule" >"$work/east.conf"
	else
		ike_rule east tunnel 4 passive "$em" "$eq" "$epsk" >"$work/east.conf"
	fi
	ike_rule west tunnel 4 active "$wm" "$wq" "$wpsk" >"$work/west.conf"
	ctl east -f "$work/east.conf" && ctl west -f "$work/west.conf" ||
		not_ok "$case: ipsecctl -f refused the rules"
	# One line each, naming the peer, the phase and the cause.
	if wait_until 10 logged east "peer 192.0.2.1: phase [12] \\(.*\\).* failed: .*$elog"; then
		ok "$case: east's log says why: $(grep -o "phase [12] (.*failed: .*" "$work/east.log" | head -n 1)"
	else
		not_ok "$case: east's log does not say \"$elog\""
		show_logs
	fi
	if wait_until 10 logged west "peer 192.0.2.2: phase [12] \\(.*\\).* failed: .*$wlog"; then
		ok "$case: west's log says why: $(grep -o "phase [12] (.*failed: .*" "$work/west.log" | head -n 1)"
	else
		not_ok "$case: west's log does not say \"$wlog\""
		show_logs
	fi
	if wait_until 5 settled; then
		ok "$case: no SA in either kernel, only each rule's two flows"
	else
		not_ok "$case: SAs and flows: west $(kstate | cut -d' ' -f1-2), east $(kstate | cut -d' ' -f3-4)"
	fi
	ipsecd_stop west
	ipsecd_stop east
}

run_case "phase 1 proposal mismatch" \
	"$M" "$Q" "auth hmac-sha1 enc 3des group modp2048" "$Q" \
	"no proposal chosen: we accept enc 3des auth hmac-sha1 group modp2048, the peer offered enc aes-256 auth hmac-sha2-256 group modp2048" \
	"the peer refused our proposal \\(NO-PROPOSAL-CHOSEN\\): we offered enc aes-256 auth hmac-sha2-256 group modp2048"
run_case "wrong pre-shared key" \
	"$M" "$Q" "$M" "$Q" \
	"authentication failed: .*the pre-shared keys differ" \
	"authentication failed: the peer says AUTHENTICATION-FAILED: the pre-shared keys differ" \
	"one key" "another key"
run_case "DH group mismatch" \
	"$M" "$Q" "auth hmac-sha2-256 enc aes-256 group modp1024" "$Q" \
	"DH group mismatch: ours modp1024, the peer's modp2048" \
	"NO-PROPOSAL-CHOSEN"
run_case "phase 2 proposal mismatch" \
	"$M" "$Q" "$M" "auth hmac-sha1 enc aes-128" \
	"no proposal chosen: we accept enc aes-128 auth hmac-sha1 group none tunnel, the peer offered enc aes-256-gcm group none tunnel" \
	"the peer refused it: NO-PROPOSAL-CHOSEN \\(we offered enc aes-256-gcm group none tunnel\\)"
run_case "traffic selectors do not mirror" \
	"$M" "$Q" "" "" \
	"traffic selectors do not mirror ours: the peer proposes 10.1.0.0/24 -> 10.2.0.0/24, our rule has 10.9.0.0/24 -> 10.2.0.0/24" \
	"the peer refused it: INVALID-ID-INFORMATION" k k \
	"ike passive esp tunnel from 10.2.0.0/24 to 10.9.0.0/24 local 192.0.2.2 peer 192.0.2.1 main $M quick $Q psk \"k\""
run_case "PFS on the initiator only" \
	"$M" "$Q group modp2048" "$M" "$Q" \
	"PFS on one side only: we have no PFS \\(group none\\), the peer wants PFS with modp2048" \
	"the peer refused it: NO-PROPOSAL-CHOSEN"
run_case "PFS on the responder only" \
	"$M" "$Q" "$M" "$Q group ecp256" \
	"PFS on one side only: we require PFS with ecp256, the peer offers no PFS" \
	"the peer refused it: NO-PROPOSAL-CHOSEN"

# ---- against strongSwan: charon proposes what ipsecd refuses ----
case="failure: charon's phase 1 proposal refused"
if filtered "$case" && have "$CHARON" "$SWANCTL"; then
	ipsecd_start west
	charon_start east || not_ok "$case: charon did not start"
	swan_load east tunnel 4 aes128-sha1-modp2048 aes128gcm16 none
	ike_rule west tunnel 4 passive "$M" "$Q" >"$work/west.conf"
	ctl west -f "$work/west.conf"
	swan east --initiate --child k --timeout 10 >"$work/initiate.out" 2>&1
	if wait_until 10 logged west "phase 1 \\(main mode, responder\\) failed: no proposal chosen: we accept enc aes-256 auth hmac-sha2-256 group modp2048, the peer offered enc aes-128 auth hmac-sha1 group modp2048"; then
		ok "$case: ipsecd's log names both proposals"
	else
		not_ok "$case: ipsecd's log does not name both proposals"
		show_logs
	fi
	check "$case: charon was told NO_PROPOSAL_CHOSEN" \
		grep -q "NO_PROPOSAL_CHOSEN" "$work/swan-east/charon.log"
	check_eq "$case: no SA in kipsec.ko, no XFRM state" "0 0" \
		"$(kipsec_sa_count west) $(ip -n "$NS_EAST" xfrm state | grep -c '^src ')"
	charon_stop east
	ipsecd_stop west
elif filtered "$case"; then
	skip "$case" "strongSwan is not installed"
fi

finish
