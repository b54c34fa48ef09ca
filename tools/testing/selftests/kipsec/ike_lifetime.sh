#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Phase 2 lifetimes in bytes and seconds (RFC 2407 §4.5) and
# RESPONDER-LIFETIME (§4.6.3.1).  Four topologies at once, each in
# namespaces of its own:
#
#   - "bytes/charon", "bytes/ipsecd": west's ipsecd offers lifetime 3600
#     bytes 200K, east (strongSwan's charon, or ipsecd passive) accepts;
#     1000-byte pings every 0.05 s for 60 s.  The time lifetime is never
#     reached, so every rekey is a byte rekey: at least four generations of
#     SPIs on the wire and in west's kernel, three or more soft EXPIREs of
#     the kernel (ipsecctl -m -j) each with the SA's byte counter between
#     the soft and the hard limit, no SA sampled past the hard limit by
#     more than a packet, the limits on the SAs (soft 85 % on the
#     initiator, hard 200K), never more than two pairs, ESP only on the
#     wire, few lost pings.  (charon 5.9 as responder installs no limits
#     of its own: ipsecd's rekeys drive both sides.)
#   - "responder/ipsecd": west offers lifetime 3600 bytes 1M, east's
#     passive rule has lifetime 600 bytes 100K: RESPONDER-LIFETIME in east's
#     quick mode message 2 (tshark, with west's phase 1 key from -W), and
#     both kernels' SAs with hard limits 600 s and 102400 bytes;
#   - "responder/charon": strongSwan initiating (life_time 3600s) against
#     the same east rule: RESPONDER-LIFETIME on the wire, east's SAs with
#     600 s, charon parsed the notification; what charon installed is
#     reported (strongSwan 5.9 keeps its own 3600 s: it does not honour
#     RESPONDER-LIFETIME, and the pair ends at east's shorter limit).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

DURATION=${KIPSEC_LIFETIME_DURATION:-60}
MAIN="auth hmac-sha2-256 enc aes-128 group modp2048"
LIMIT=204800		# 200K
ike_start kla
dp_addresses tunnel 4
top_work=$work

lifetime_cleanup() {
	local p
	for p in "$top_work"/*/*.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	work=$top_work
	ike_cleanup
	for p in klb klc kld; do
		ip netns del "$p-west" 2>/dev/null
		ip netns del "$p-east" 2>/dev/null
		ip netns del "$p-wire" 2>/dev/null
	done
	return 0
}
trap 'lifetime_cleanup' EXIT

xfrm_states() { ip -n "$NS_EAST" xfrm state | grep -c '^src '; }

# sample: "SECONDS SAS SPI:BYTES..." for west's SAs of the rule (a reqid),
# outbound ones marked with a leading "o".
sample() {
	ip netns exec "$NS_WEST" "$IPSECCTL" -s sa -v | awk -v t="$SECONDS" -v me="$W_OUT" '
		/^esp / { spi = ""; if (/ reqid /) { n++; spi = ($4 == me ? "o" : "i") $8 } }
		spi != "" && /bytes: / { for (i = 1; i < NF; i++) if ($i == "bytes:") s = s " " spi ":" $(i + 1) }
		END { print t, n + 0 s }'
}

# up: west (and east's kipsec, unless charon) has its mature pair.
up() { sa_pair_up west && { [ "$east" = charon ] || sa_pair_up east; }; }

# bytes_scenario NAME PREFIX EAST: a byte-rekey topology (see the top).
bytes_scenario() {
	local name=$1 east=$3 end
	work=$top_work/$name
	mkdir -p "$work"
	[ "$2" = kla ] || topo_up "$2"
	dp_addresses tunnel 4
	if [ "$east" = charon ]; then
		charon_start east && swan_load east tunnel 4 aes128-sha256-modp2048 aes128gcm16 none ||
			echo "charon did not take the connection" >>"$work/errors"
	else
		ipsecd_start east || echo "ipsecd did not start on east" >>"$work/errors"
		ike_rule east tunnel 4 passive "$MAIN" "enc aes-128-gcm lifetime 3600 bytes 200K" \
			>"$work/east.conf"
		ctl east -f "$work/east.conf" || echo "east refused the rule" >>"$work/errors"
	fi
	ipsecd_start west || echo "ipsecd did not start on west" >>"$work/errors"
	# The kernel's events on west: each EXPIRE carries the SA's counters.
	ip netns exec "$NS_WEST" "$IPSECCTL" -m -j >"$work/west.events" 2>&1 &
	echo $! >"$work/monitor.pid"
	ike_rule west tunnel 4 active "$MAIN" "enc aes-128-gcm lifetime 3600 bytes 200K" \
		>"$work/west.conf"
	ctl west -f "$work/west.conf" || echo "west refused the rule" >>"$work/errors"
	wait_until 30 up || echo "no first SA pair after 30 s" >>"$work/errors"
	ip netns exec "$NS_WEST" "$IPSECCTL" -s sa >"$work/first.sa"
	[ "$east" = charon ] && ip -s -n "$NS_EAST" xfrm state >"$work/first.xfrm"
	wire_capture "$work/wire.pcap" not arp
	ip netns exec "$NS_WEST" ping -q -s 1000 -i 0.05 -w "$DURATION" -I "$W_IN" "$E_IN" \
		>"$work/ping" 2>&1 &
	echo $! >"$work/ping.pid"
	end=$((SECONDS + DURATION))
	while [ "$SECONDS" -lt "$end" ]; do
		sample >>"$work/west.samples"
		if [ "$east" = charon ]; then
			echo "$SECONDS $(xfrm_states)" >>"$work/east.samples"
		else
			echo "$SECONDS $(kipsec_sa_count east)" >>"$work/east.samples"
		fi
		sleep 1
	done
	wait "$(cat "$work/ping.pid")"
	rm -f "$work/ping.pid"
	wire_capture_stop
	stop_pidfile "$work/monitor.pid"
	ctl west -F
	[ "$east" = charon ] || ctl east -F
	wait_until 5 test "$(kipsec_sa_count west)" = 0
	kipsec_sa_count west >"$work/left"
	ipsecd_stop west
	ipsecd_stop east
	charon_stop east
	[ "$2" = kla ] || topo_down
}

bytes_verdict() {
	local name=$1 case="ipsecd lifetime bytes/$1" d=$top_work/$1 maxw maxe gens n high
	local sent recv lost wire clear
	work=$d
	if [ -s "$d/errors" ]; then
		not_ok "$case: $(tr '\n' ' ' <"$d/errors")"
		show_logs
	fi
	# The limits west gave its SAs: hard 200K, soft 85 % (initiator).
	if grep -q "soft bytes $((LIMIT * 85 / 100)) seconds 3060 hard bytes $LIMIT seconds 3600" \
		"$d/first.sa" 2>/dev/null; then
		ok "$case: west's SAs have soft bytes $((LIMIT * 85 / 100)), hard bytes $LIMIT and 3600 s"
	else
		not_ok "$case: west's SA limits"
		sed 's/^/#   /' "$d/first.sa" 2>/dev/null
	fi
	[ -s "$d/first.xfrm" ] && grep -E 'limit|expire|lifetime' "$d/first.xfrm" | head -4 |
		sed 's/^/#   charon installed: /'
	maxw=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$d/west.samples" 2>/dev/null)
	maxe=$(awk 'BEGIN { m = 0 } $2 > m { m = $2 } END { print m }' "$d/east.samples" 2>/dev/null)
	if [ "${maxw:-9}" -le 4 ] && [ "${maxe:-9}" -le 4 ]; then
		ok "$case: at most two pairs at any time (most SAs seen: west $maxw, east $maxe)"
	else
		not_ok "$case: more than two pairs: up to ${maxw:-?} SAs on west, ${maxe:-?} on east"
	fi
	# West's soft EXPIREs: "SPI BYTES SOFT-LIMIT" each, the counters the
	# kernel had when it asked for the rekey.
	python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("event", "").lower() == "expire" and not e.get("hard"):
        sa = e["sa"]
        print("0x%08x" % sa["spi"], sa["stats"]["bytes"], sa["lifetime_soft"]["bytes"])
' "$d/west.events" >"$d/expires" 2>&1
	gens=$(awk '{ for (i = 3; i <= NF; i++) { split($i, v, ":"); if (v[1] ~ /^o/) print v[1] } }' \
	       "$d/west.samples" 2>/dev/null | sort -u | wc -l)
	n=$(awk -v soft=$((LIMIT * 85 / 100)) -v hard=$LIMIT '$3 == soft && $2 >= soft && $2 <= hard + 1100' \
	    "$d/expires" | wc -l)
	if [ "$gens" -ge 4 ] && [ "$n" -ge 3 ] && [ "$n" = "$(wc -l <"$d/expires")" ]; then
		ok "$case: $gens outbound SAs in ${DURATION} s of a 3600 s lifetime; $n soft EXPIREs, each SA at $((LIMIT * 85 / 100))-$LIMIT bytes ($(awk '{ printf "%s ", $2 }' "$d/expires"))"
	else
		not_ok "$case: $gens outbound SAs (4 wanted); $n of $(wc -l <"$d/expires") soft EXPIREs with the SA's bytes between the soft and hard limits (3 or more wanted)"
		sed 's/^/#   expire: /' "$d/expires"
		show_logs
	fi
	# Sampled every second: no SA ever past its hard limit (by more than a packet).
	high=$(awk -v max=$((LIMIT + 1100)) '{ for (i = 3; i <= NF; i++) { split($i, v, ":")
		if (v[2] > max) print v[1] "=" v[2] } }' "$d/west.samples" 2>/dev/null | sort -u | tr '\n' ' ')
	check_eq "$case: no SA sampled past its hard byte limit" "" "$high"
	grep -q 'reached its soft lifetime' "$d/west.log" "$d/east.log" 2>/dev/null ||
		[ -s "$d/swan-east/charon.log" ] ||
		echo "# no soft EXPIRE logged by ipsecd"
	read -r sent recv < <(sed -nE 's/^([0-9]+) packets transmitted, ([0-9]+) received.*/\1 \2/p' \
				       "$d/ping" 2>/dev/null)
	lost=$((${sent:-0} - ${recv:-0}))
	wire=$(tcpdump -n -r "$d/wire.pcap" "ip proto 50 and src $W_OUT and dst $E_OUT" 2>/dev/null |
	       grep -o 'spi=0x[0-9a-f]*' | sort -u | wc -l)
	clear=$(wire_count "$d/wire.pcap" "icmp and host $W_IN and host $E_IN")
	if [ "$wire" -ge 4 ] && [ "$clear" = 0 ]; then
		ok "$case: $wire SPIs of west's ESP on the wire, no clear echo packet"
	else
		not_ok "$case: wire: $wire SPIs of west's ESP (4 wanted), clear echo packets $clear"
	fi
	if [ "${sent:-0}" -gt 0 ] && [ $((lost * 50)) -le "$sent" ]; then
		ok "$case: traffic went on: $lost of $sent pings lost"
	else
		not_ok "$case: $lost of ${sent:-0} pings lost"
		sed 's/^/#   /' "$d/ping" 2>/dev/null
	fi
	check_eq "$case: ipsecctl -F: no SA left on west" 0 "$(cat "$d/left" 2>/dev/null)"
}

EAST_SHORT="enc aes-128-gcm lifetime 600 bytes 100K"

# responder_scenario NAME PREFIX WEST: east's ipsecd passive with the
# shorter lifetime, west ipsecd or charon initiating.
responder_scenario() {
	local name=$1 west=$3
	work=$top_work/$name
	mkdir -p "$work"
	topo_up "$2"
	dp_addresses tunnel 4
	ipsecd_start east || echo "ipsecd did not start on east" >>"$work/errors"
	ike_rule east tunnel 4 passive "$MAIN" "$EAST_SHORT" >"$work/east.conf"
	ctl east -f "$work/east.conf" || echo "east refused the rule" >>"$work/errors"
	wire_capture "$work/wire.pcap" udp port 500
	if [ "$west" = charon ]; then
		charon_start west && swan_load west tunnel 4 aes128-sha256-modp2048 aes128gcm16 none &&
			sed -i 's/^\t\t\t\trekey_time = 0$/\t\t\t\trekey_time = 3000s\n\t\t\t\tlife_time = 3600s/' \
				"$work/swan-west/swanctl.conf" &&
			swan west --load-all --file "$work/swan-west/swanctl.conf" >/dev/null 2>&1 &&
			swan west --initiate --child k >"$work/initiate.out" 2>&1 ||
			echo "charon did not initiate" >>"$work/errors"
		wait_until 30 sa_pair_up east || echo "no SA pair on east after 30 s" >>"$work/errors"
		ip -s -n "$NS_WEST" xfrm state >"$work/west.xfrm"
	else
		ipsecd_start west -W "$work/west.keys" ||
			echo "ipsecd did not start on west" >>"$work/errors"
		ike_rule west tunnel 4 active "$MAIN" "enc aes-128-gcm lifetime 3600 bytes 1M" \
			>"$work/west.conf"
		ctl west -f "$work/west.conf" || echo "west refused the rule" >>"$work/errors"
		wait_until 30 sa_pairs_up || echo "no SA pairs after 30 s" >>"$work/errors"
		ip netns exec "$NS_WEST" "$IPSECCTL" -s sa >"$work/west.sa"
		ctl west -s ike >"$work/west.ike"
	fi
	ip netns exec "$NS_EAST" "$IPSECCTL" -s sa >"$work/east.sa"
	wire_capture_stop
	ipsecd_stop west
	ipsecd_stop east
	charon_stop west
	topo_down
}

# rl_on_wire PCAP KEYS: quick mode messages with RESPONDER-LIFETIME that
# tshark decrypts with the keys (ipsecd -W's "ICOOKIE,KEY" lines).
rl_on_wire() {
	local opts=() line
	while read -r line; do
		opts+=(-o "uat:ikev1_decryption_table:$line")
	done <"$2"
	tshark -r "$1" "${opts[@]}" -Y 'isakmp.exchangetype == 32 && isakmp.notify.msgtype == 24576' \
		-T fields -e isakmp.notify.msgtype 2>/dev/null | grep -c 24576
}

responder_verdict() {
	local name=$1 west=$2 case="ipsecd lifetime responder/$2" d=$top_work/$1 n malformed
	work=$d
	if [ -s "$d/errors" ]; then
		not_ok "$case: $(tr '\n' ' ' <"$d/errors")"
		show_logs
	fi
	# The responder's own SAs: 600 s and 100K, soft at 92 %.
	if [ "$(grep -c "soft bytes 94208 seconds 552 hard bytes 102400 seconds 600" "$d/east.sa")" = 2 ]; then
		ok "$case: east (responder) installed its shorter lifetime: 600 s, 102400 bytes"
	else
		not_ok "$case: east's SA limits"
		sed 's/^/#   /' "$d/east.sa"
	fi
	if logged east 'our lifetime is shorter than the initiator.s: 600 s, 100K \(RESPONDER-LIFETIME\)'; then
		ok "$case: east sent RESPONDER-LIFETIME (its log)"
	else
		not_ok "$case: east did not say it sent RESPONDER-LIFETIME"
		show_logs
	fi
	malformed=$(tshark -r "$d/wire.pcap" -Y 'isakmp && _ws.malformed' 2>/dev/null | wc -l)
	check_eq "$case: no malformed ISAKMP packet on the wire" 0 "$malformed"
	if [ "$west" = charon ]; then
		# strongSwan 5.9 has no name for it: "N((24576))".
		if grep -Eq 'QUICK_MODE response .*N\(\(24576\)\)|RESPONDER_LIFETIME' \
			"$d/swan-west/charon.log"; then
			ok "$case: charon received RESPONDER-LIFETIME (its log)"
		else
			not_ok "$case: charon did not log a RESPONDER-LIFETIME"
			show_logs
		fi
		grep -E 'lifetime|RESPONDER' "$d/swan-west/charon.log" | head -3 | sed 's/^/#   charon: /'
		grep -E 'expire add' "$d/west.xfrm" | head -1 | sed 's/^/#   charon installed: /'
		return
	fi
	n=$(rl_on_wire "$d/wire.pcap" "$d/west.keys")
	if [ "${n:-0}" -ge 1 ]; then
		ok "$case: RESPONDER-LIFETIME in quick mode message 2 on the wire (tshark, decrypted: $n)"
	else
		not_ok "$case: no RESPONDER-LIFETIME found on the wire"
		tshark -r "$d/wire.pcap" -T fields -e isakmp.exchangetype 2>/dev/null | sort | uniq -c |
			sed 's/^/#   exchanges: /'
		sed 's/^/#   key log: /' "$d/west.keys" 2>/dev/null | cut -c1-40
		tshark -r "$d/wire.pcap" -o "uat:ikev1_decryption_table:$(head -1 "$d/west.keys")" \
			-V -Y 'isakmp.exchangetype == 32' 2>&1 | grep -vE '^ +(\[|Frame|Arrival|Epoch|Encap)' |
			sed -n '1,200p' | grep -iE 'decrypt|notif|payload|error|warn|uat|type' |
			head -40 | sed 's/^/#   tshark: /'
	fi
	if [ "$(grep -c "soft bytes 87040 seconds 510 hard bytes 102400 seconds 600" "$d/west.sa")" = 2 ] &&
	   grep -q 'lifetime 600s bytes 100K' "$d/west.ike"; then
		ok "$case: west (initiator) honoured it: SAs of 600 s and 102400 bytes, ipsecctl -s ike shows 600s bytes 100K"
	else
		not_ok "$case: west did not install the shorter lifetime"
		sed 's/^/#   /' "$d/west.sa" "$d/west.ike"
		show_logs
	fi
}

swan=
need "strongSwan" "$CHARON" "$SWANCTL" tshark && swan=1
filtered "ipsecd lifetime bytes/ipsecd" && { bytes_scenario ipsecd kla ipsecd & }
[ -n "$swan" ] && filtered "ipsecd lifetime bytes/charon" && { bytes_scenario charon klb charon & }
filtered "ipsecd lifetime responder/ipsecd" && { responder_scenario rl-ipsecd klc ipsecd & }
[ -n "$swan" ] && filtered "ipsecd lifetime responder/charon" &&
	{ responder_scenario rl-charon kld charon & }
wait
filtered "ipsecd lifetime bytes/ipsecd" && bytes_verdict ipsecd
[ -n "$swan" ] && filtered "ipsecd lifetime bytes/charon" && bytes_verdict charon
filtered "ipsecd lifetime responder/ipsecd" && responder_verdict rl-ipsecd ipsecd
[ -n "$swan" ] && filtered "ipsecd lifetime responder/charon" && responder_verdict rl-charon charon

finish
