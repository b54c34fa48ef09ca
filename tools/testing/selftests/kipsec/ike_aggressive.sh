#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Aggressive Mode (RFC 2409 §5.4) with pre-shared keys and FQDN or user
# FQDN identities (srcid, dstid), kipsec.ko and ipsecd on west, strongSwan
# (swanctl "aggressive = yes") or ipsecd on east.  Each negotiating case
# proves:
#
#   - the SA pair is in kipsec.ko; a capture of the IKE datagrams on the
#     bridge holds exchange type 4 (aggressive) and 32 (quick), no type 2
#     (main), and tshark finds no malformed ISAKMP in it; the initiator's
#     identity is readable in it (it travels in clear: that is the price);
#   - traffic flows both ways, only ESP on the wire, five pings counted on
#     all four SAs (ike_check_traffic);
#   - where ipsecd answers, it holds a decoy rule for the same peer address
#     first, with another dstid and another key: the key is chosen by the
#     identity of message 1, not by the address.
#
# A flood: 2000 forged message 1s at 200/s from the aggressive peer's own
# address and identity (each asks for a Diffie-Hellman) against ipsecd on
# east.  It answers at most its budget (20 a second, as many at once),
# never more than 16 half open for the address, resends each answer at most
# five times, stays responsive and small, and the genuine peer negotiates
# as soon as the flood ends.
#
# Refused, ipsecd against ipsecd (nothing in either kernel but each rule's
# flows, and the cause in the log of each side): a wrong pre-shared key,
# the responder's dstid not matching, the initiator's dstid not matching.
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

need "tshark" tshark || finish
ike_start ikea
bulk_server "$NS_EAST" || not_ok "echo server did not start"

M="auth hmac-sha2-256 enc aes-128 group modp2048" Q="enc aes-128-gcm"
SWAN_IKE=aes128-sha256-modp2048 SWAN_ESP=aes128gcm16
# strongSwan refuses to answer Aggressive Mode with a PSK unless told.
CHARON_EXTRA="i_dont_care_about_security_and_use_aggressive_mode_psk = yes"

# am_rule SIDE START SRCID DSTID PSK [NETS]: an aggressive rule of SIDE
# (NETS: "SRC DST" instead of the side's own networks).
am_rule() {
	local side=$1 start=$2 srcid=$3 dstid=$4 psk=$5 me peer src dst
	dp_addresses tunnel "${FAM:-4}"
	read -r me peer src dst < <(dp_side "$side")
	[ -n "${6:-}" ] && read -r src dst <<<"$6"
	echo "ike $start esp tunnel from $src to $dst local $me peer $peer aggressive $M quick $Q srcid $srcid dstid \"$dstid\" psk \"$psk\""
}

# decoy SIDE: first, a rule for the same peer with another identity and key.
decoy() {
	local nets="10.1.9.0/24 10.2.9.0/24"
	[ "${FAM:-4}" = 6 ] && nets="fd01:9::/64 fd02:9::/64"
	[ "$1" = east ] && nets="${nets#* } ${nets% *}"
	am_rule "$1" passive "$1.example.org" other.example.org "a decoy key" "$nets"
}

# swan_am SIDE START MY-ID PEER-ID PSK: charon's aggressive connection "k".
swan_am() {
	local side=$1 start=$2 myid=$3 peerid=$4 psk=$5 dir=$work/swan-$1 me peer lts rts
	dp_addresses tunnel 4
	read -r me peer lts rts < <(dp_side "$side")
	cat >"$dir/swanctl.conf" <<EOF
connections {
	k {
		version = 1
		aggressive = yes
		local_addrs = $me
		remote_addrs = $peer
		proposals = $SWAN_IKE
		rekey_time = 0
		reauth_time = 0
		local {
			auth = psk
			id = $myid
		}
		remote {
			auth = psk
			id = $peerid
		}
		children {
			k {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = $SWAN_ESP
				mode = tunnel
				start_action = $start
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-k {
		id-a = $myid
		id-b = $peerid
		secret = "$psk"
	}
}
EOF
	swan "$side" --load-all --file "$dir/swanctl.conf" >"$dir/load.out" 2>&1
}

# ike_capture FILE / ike_capture_stop: the IKE datagrams on the bridge.
ike_capture() {
	wire_capture "$1" udp port 500 or udp port 4500
	IKE_PID=$WIRE_PID WIRE_PID=
}
ike_capture_stop() { WIRE_PID=$IKE_PID; wire_capture_stop; }

# wire_ike CASE PCAP ID: what crossed, as tshark reads it.
wire_ike() {
	local case=$1 pcap=$2 id=$3 types bad am
	bad=$(tshark -r "$pcap" -Y 'isakmp && _ws.malformed' 2>/dev/null | wc -l)
	check_eq "$case: tshark: no malformed ISAKMP" 0 "$bad"
	types=$(tshark -r "$pcap" -Y isakmp -T fields -e isakmp.exchangetype 2>/dev/null |
		sort -un | tr '\n' ' ')
	am=$(tshark -r "$pcap" -Y 'isakmp.exchangetype == 4' 2>/dev/null | wc -l)
	check "$case: tshark: aggressive mode (type 4, $am datagrams) and quick mode (32), no main mode (types: $types)" \
		eval '[ "$am" -ge 3 ] && [[ " $types" == *" 4 "* ]] && [[ " $types" == *" 32 "* ]] &&
		      [[ " $types" != *" 2 "* ]]'
	check "$case: tshark: the initiator's identity $id is in clear in message 1" \
		eval 'tshark -r "$pcap" -Y "isakmp.exchangetype == 4" -V 2>/dev/null | grep -q "$id"'
}

# negotiated CASE PCAP ID PEER: SA pair up on west, then the proofs.
negotiated() {
	local case=$1 pcap=$2 id=$3 peer=$4
	if wait_until 30 sa_pair_up west && { [ "$peer" = xfrm ] || wait_until 10 sa_pair_up east; }; then
		ok "$case: negotiated, SA pair in kipsec.ko"
		ike_capture_stop
		wire_ike "$case" "$pcap" "$id"
		ike_check_traffic "$case" "$peer"
		check "$case: -s ike: an aggressive phase 1 established, peer identified by name" \
			sh -c "ip netns exec $NS_WEST $IPSECCTL -S $work/west.sock -s ike |
			       grep ' established ' | grep ' aggressive' | grep -q 'peer-id [a-z-]*fqdn '"
	else
		ike_capture_stop
		not_ok "$case: no SA pair in kipsec.ko after 30 s"
		show_logs
	fi
}

xfrm_states() { ip -n "$NS_EAST" xfrm state | grep -c '^src '; }

# ---- against strongSwan ----

# swan_case NAME ROLE: ipsecd on west as ROLE, charon on east.
swan_case() {
	local case="charon $1" role=$2 sstart=none start=active wid=west.example.org
	local eid=east.example.org pcap=$work/ike-$2.pcap
	filtered "$case" || return 0
	[ "$role" = responder ] && sstart=none start=passive
	ipsecd_start west || { not_ok "$case: ipsecd did not start"; return; }
	charon_start east || { not_ok "$case: charon did not start"; ipsecd_stop west; return; }
	swan_am east "$sstart" "$eid" "$wid" "am-key-$role" ||
		{ not_ok "$case: swanctl refused the connection"; sed 's/^/#   /' "$work/swan-east/load.out"; }
	{
		[ "$role" = responder ] && decoy west
		am_rule west "$start" "$wid" "$eid" "am-key-$role"
	} >"$work/west.conf"
	ike_capture "$pcap"
	ctl west -f "$work/west.conf" 2>"$work/err" || not_ok "$case: ipsecctl -f: $(cat "$work/err")"
	local ipid=
	if [ "$role" = responder ]; then
		swan east --initiate --child k --timeout 30 >"$work/initiate.out" 2>&1 &
		ipid=$!
	fi
	negotiated "$case" "$pcap" "$([ "$role" = responder ] && echo "$eid" || echo "$wid")" xfrm
	[ -n "$ipid" ] && wait "$ipid"
	ipsecd_stop west
	check_eq "$case: ipsecd stopped: no SA and no flow left in kipsec.ko" "0 0" \
		"$(kipsec_sa_count west) $(kipsec_flow_count west)"
	if wait_until 5 test "$(xfrm_states)" = 0; then
		ok "$case: charon removed its SAs (delete notifications)"
	else
		not_ok "$case: charon still has $(xfrm_states) XFRM states"
	fi
	charon_stop east
	rm -f "$work"/west.log "$work"/swan-east/charon.log
}

swan_case "aggressive psk fqdn, ipsecd initiates" initiator
swan_case "aggressive psk fqdn, charon initiates" responder

# ---- ipsecd against ipsecd ----

# self_case NAME FAMILY WEST-ID EAST-ID
self_case() {
	local case="ipsecd $1" pcap=$work/ike-self-$2.pcap wid=$3 eid=$4
	filtered "$case" || return 0
	FAM=$2
	ipsecd_start west && ipsecd_start east || { not_ok "$case: ipsecd did not start"; return; }
	{ decoy east; am_rule east passive "$eid" "$wid" "self-key"; } >"$work/east.conf"
	am_rule west active "$wid" "$eid" "self-key" >"$work/west.conf"
	ike_capture "$pcap"
	ctl east -f "$work/east.conf" && ctl west -f "$work/west.conf" ||
		not_ok "$case: ipsecctl -f refused the rules"
	negotiated "$case" "$pcap" "$wid" kipsec
	check "$case: east chose the rule by the identity, not the first for the address" \
		logged east "phase 1 SA [0-9a-f]+ established as responder \\(aggressive mode, peer id [a-z-]*fqdn $wid"
	ipsecd_stop west
	ipsecd_stop east
	FAM=4
}

self_case "aggressive psk fqdn ipv4" 4 west.example.org east.example.org
self_case "aggressive psk user fqdn ipv6" 6 west@example.org east@example.org

# ---- a flood of message 1s ----

FLOOD_COUNT=${FLOOD_COUNT:-2000} FLOOD_RATE=${FLOOD_RATE:-200} FLOOD_RSS_KB=${FLOOD_RSS_KB:-4096}
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$(cat "$work/$1.pid")/status"; }

flood_case() {
	local case="flood: forged aggressive mode message 1s" pcap=$work/flood.pcap
	local rss0 rss1 fpid most_half=0 n secs answered datagrams most t0 looks=0 failed=0
	filtered "$case" || return 0
	ipsecd_start east || { not_ok "$case: ipsecd did not start"; return; }
	am_rule east passive east.example.org west.example.org flood-key >"$work/east.conf"
	ctl east -f "$work/east.conf" || not_ok "$case: ipsecctl -f refused the rule"
	rss0=$(rss east)
	wire_capture "$pcap" udp
	ip netns exec "$NS_WEST" python3 "$here/ike_am_flood.py" send 192.0.2.1 192.0.2.2 \
		"$FLOOD_COUNT" "$FLOOD_RATE" west.example.org >"$work/flood.out" 2>&1 &
	fpid=$!
	# Sampled while it lasts: the control socket answers, the state is bounded.
	while kill -0 "$fpid" 2>/dev/null; do
		looks=$((looks + 1))
		if ctl east -s ike >"$work/show" 2>&1; then
			n=$(grep -c ' AM2-sent ' "$work/show")
			[ "$n" -gt "$most_half" ] && most_half=$n
		else
			failed=$((failed + 1))
		fi
		sleep 0.5
	done
	wait "$fpid"
	secs=$(awk '/^sent/ { print int($4 + 1) }' "$work/flood.out")
	rss1=$(rss east)
	check "$case: ipsecd answered ipsecctl -s ike throughout ($looks times, $failed failed)" \
		test "$failed" = 0 -a "$looks" -gt 0
	check "$case: at most 16 half-open SAs for the address ($most_half seen)" \
		test "$most_half" -le 16
	ipsecd_start west || not_ok "$case: ipsecd did not start on west"
	am_rule west active west.example.org east.example.org flood-key >"$work/west.conf"
	t0=$SECONDS
	ctl west -f "$work/west.conf" || not_ok "$case: west refused the rule"
	if wait_until 30 sa_pairs_up; then
		ok "$case: the genuine peer negotiated right after the flood, in $((SECONDS - t0)) s"
		ike_check_traffic "$case" kipsec
	else
		not_ok "$case: the genuine peer got no SA pair within 30 s of the flood's end"
		show_logs
	fi
	wire_capture_stop
	read -r answered datagrams most < <(python3 "$here/ike_am_flood.py" answers "$pcap" 192.0.2.2 |
		awk '{ printf "%s ", $2 }')
	check "$case: $(cat "$work/flood.out"): $answered answered (Diffie-Hellman), within the budget of 20/s + 20" \
		test "${answered:-0}" -ge 20 -a "${answered:-0}" -le $((20 * ${secs:-1} + 20))
	check "$case: each answer sent at most 6 times ($datagrams datagrams, at most $most for one cookie)" \
		test "${most:-99}" -le 6
	check "$case: ipsecd's memory grew by $((rss1 - rss0)) KiB (under $FLOOD_RSS_KB)" \
		test $((rss1 - rss0)) -lt "$FLOOD_RSS_KB"
	check "$case: the budget's drops are logged (rate-limited)" \
		logged east "Diffie-Hellman budget"
	ipsecd_stop west
	ipsecd_stop east
}

flood_case

# ---- refused ----

# kstate: "west-SAs west-flows east-SAs east-flows".
kstate() {
	local side
	for side in west east; do
		ip netns exec "$(ns_of "$side")" "$IPSECCTL" -s all |
			awk '/^esp / { s++ } /^flow / { f++ } END { printf "%d %d ", s, f }'
	done
}
settled() { [ "$(kstate)" = "0 2 0 2 " ]; }

# refused NAME WEST-RULE-ARGS EAST-RULE-ARGS WEST-LOG EAST-LOG
#   RULE-ARGS: "SRCID DSTID PSK"
refused() {
	local case="refused: $1" wlog=$4 elog=$5
	filtered "$case" || return 0
	ipsecd_start west && ipsecd_start east || { not_ok "$case: ipsecd did not start"; return; }
	# shellcheck disable=SC2086
	am_rule east passive $3 >"$work/east.conf"
	# shellcheck disable=SC2086
	am_rule west active $2 >"$work/west.conf"
	ctl east -f "$work/east.conf" && ctl west -f "$work/west.conf" ||
		not_ok "$case: ipsecctl -f refused the rules"
	if wait_until 15 logged west "peer 192.0.2.2: phase 1 \\(aggressive mode, initiator\\) failed: $wlog"; then
		ok "$case: west's log says why: $(grep -o "phase 1 (.*failed: .*" "$work/west.log" | head -n 1)"
	else
		not_ok "$case: west's log does not say \"$wlog\""
		show_logs
	fi
	if wait_until 10 logged east "peer 192.0.2.1: phase 1 \\(aggressive mode, responder\\) failed: $elog"; then
		ok "$case: east's log says why: $(grep -o "phase 1 (.*failed: .*" "$work/east.log" | head -n 1)"
	else
		not_ok "$case: east's log does not say \"$elog\""
		show_logs
	fi
	if wait_until 5 settled; then
		ok "$case: no SA in either kernel, only each rule's two flows"
	else
		not_ok "$case: SAs and flows: west $(kstate | cut -d' ' -f1-2), east $(kstate | cut -d' ' -f3-4)"
	fi
	check_eq "$case: neither side established a phase 1" "0 0" \
		"$(grep -c 'phase 1 SA .* established' "$work/west.log") $(grep -c 'phase 1 SA .* established' "$work/east.log")"
	ipsecd_stop west
	ipsecd_stop east
}

refused "wrong pre-shared key" \
	"west.example.org east.example.org one-key" "east.example.org west.example.org another-key" \
	"authentication failed: HASH_R did not verify: the pre-shared keys differ" \
	"authentication failed: the peer says AUTHENTICATION-FAILED: the pre-shared keys differ"
refused "the responder's dstid does not match" \
	"west.example.org east.example.org k" "east.example.org other.example.org k" \
	"the peer refused our identity fqdn west.example.org \\(INVALID-ID-INFORMATION\\)" \
	"the peer identifies as fqdn west.example.org, our rule for it requires dstid fqdn other.example.org"
refused "the initiator's dstid does not match" \
	"west.example.org other.example.org k" "east.example.org west.example.org k" \
	"the peer identifies as fqdn east.example.org, our rule requires dstid fqdn other.example.org" \
	"the peer refused our identity fqdn east.example.org \\(INVALID-ID-INFORMATION\\)"

finish
