#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dead peer detection (RFC 3706) and INITIAL-CONTACT (RFC 2407 §4.6.3.3)
# of ipsecd, against ipsecd and against strongSwan's charon, four cases at
# once, each in namespaces of its own (they mostly wait):
#
#   cut/ipsecd, cut/charon: west's rule is active with "dpd delay 3
#   timeout 10", east (ipsecd passive with the same dpd, or charon with
#   dpd_delay 6s, dpd_timeout 10s, dpd_action clear) answers.
#     - under a ping every 0.2 s no R-U-THERE of ours (ipsecctl's dpd
#       counter, and no informational exchange from west on the bridge);
#     - idle, R-U-THERE and ACKs go (the counters, informational exchanges
#       both ways on the bridge: they are encrypted, the exchange type is
#       what the wire shows);
#     - east's link cut on the bridge for 40 s: within timeout + 10 s west
#       has no phase 1 or phase 2 SA (ipsecctl -s ike) and no SA in the
#       kernel, and its log says the peer is dead;
#     - the link back: the active rule brings the tunnel back by itself
#       within 60 s, with new SPIs, ESP counted on west's new SAs.
#
#   reboot/ipsecd, reboot/charon: west's rule is active, without dpd; east
#   (ipsecd passive, or charon with start_action none) is killed (SIGKILL:
#   it sends no delete) and its kernel SAs and policies flushed, as a
#   reboot leaves them, then started again, now active (start_action
#   start): it negotiates at once.  Its first phase 1 carries
#   INITIAL-CONTACT: west deletes the old SAs at once (its log says so,
#   and the old SPIs are gone from its kernel), and traffic is back within
#   60 s with nothing done on west.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

DELAY=3
TIMEOUT=10
CUT=40
MAIN="auth hmac-sha2-256 enc aes-128 group modp2048"
QUICK="enc aes-128-gcm"
SWAN_IKE=aes128-sha256-modp2048
SWAN_ESP=aes128gcm16

ike_start kda
dp_addresses tunnel 4
top_work=$work

dpd_cleanup() {
	local p
	for p in "$top_work"/*/*.pid; do
		[ -e "$p" ] && kill -9 "$(cat "$p")" 2>/dev/null
	done
	work=$top_work
	ike_cleanup
	for p in kdb kdc kdd; do
		ip netns del "$p-west" 2>/dev/null
		ip netns del "$p-east" 2>/dev/null
		ip netns del "$p-wire" 2>/dev/null
	done
	return 0
}
trap 'dpd_cleanup' EXIT

err() { echo "$*" >>"$work/errors"; }

# within SECONDS COMMAND...: COMMAND succeeds before SECONDS have passed
# (wall clock: wait_until counts tries, and a try here takes seconds).
within() {
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" && return 0
		sleep 0.5
	done
	return 1
}

# step TEXT: where a case is, as a TAP comment (the cases run for minutes).
step() { echo "# ${work##*/} at ${SECONDS}s: $*"; }

# ike_stat SIDE sent|acked: R-U-THEREs west sent, ACKs it took (ipsecctl -v -s ike).
ike_stat() {
	ctl "$1" -v -s ike | awk -v f="$2" '/^dpd: / { print (f == "sent" ? $2 : $5) }'
}

# west_gone: west has no phase 1 or 2 SA (negotiating ones aside) and no
# SA of the rule in the kernel.
west_gone() {
	local s
	s=$(ctl west -s ike)
	! echo "$s" | grep -q ' established ' && ! echo "$s" | grep -q ' installed ' &&
		[ "$(kipsec_sa_count west)" = 0 ]
}

east_up() { if [ "$east" = charon ]; then swan east --list-sas | grep -q INSTALLED; else sa_pair_up east; fi; }
both_up() { sa_pair_up west && east_up; }

# west_in_packets: packets on all of west's inbound SAs from east (a pair
# replaced by a simultaneous one keeps its inbound SA for a while, and a
# peer may go on sending on it).
west_in_packets() {
	local spi n=0
	for spi in $(ip netns exec "$NS_WEST" "$IPSECCTL" -s sa |
		     awk -v me="$W_OUT" -v peer="$E_OUT" '$4 == peer && $6 == me { print $8 }'); do
		n=$((n + $(kipsec_sa_packets "$NS_WEST" "$spi")))
	done
	echo "$n"
}

# tunnel_ok: three pings through the tunnel answered, and counted on
# west's inbound SAs (the pings went through IPsec, not around it).
tunnel_ok() {
	local a b
	a=$(west_in_packets)
	ip netns exec "$NS_WEST" ping -q -c 3 -i 0.2 -W 1 -I "$W_IN" "$E_IN" >/dev/null 2>&1 || return 1
	b=$(west_in_packets)
	[ $((b - a)) -ge 3 ]
}

# info_from PCAP ADDR: informational exchanges (ISAKMP exchange type 5,
# RFC 2408 §3.1) from ADDR on UDP 500.
info_from() { wire_count "$1" "udp port 500 and src host $2 and udp[26] = 5"; }

# east_start: east's IKE end, by kind: ipsecd with its rule, or charon.
east_start() {
	if [ "$east" = charon ]; then
		charon_start east || { err "charon did not start"; return; }
		swan_load east tunnel 4 "$SWAN_IKE" "$SWAN_ESP" "$1" || err "charon refused the connection"
		if [ -n "${2:-}" ]; then
			# IKEv1 DPD: R-U-THERE after twice our delay of silence
			# (its R-U-THERE keeps ours from going: each proves the
			# peer alive, so ours go in between), dead after 10 s.
			sed -i -e "s/^\t\treauth_time = 0/&\n\t\tdpd_delay = $((2 * DELAY))s\n\t\tdpd_timeout = ${TIMEOUT}s/" \
				-e "s/^\t\t\t\tstart_action = .*/&\n\t\t\t\tdpd_action = clear/" \
				"$work/swan-east/swanctl.conf"
			swan east --load-all --file "$work/swan-east/swanctl.conf" >>"$work/swan-east/load.out" 2>&1 ||
				err "charon refused the dpd settings"
		fi
		return
	fi
	ipsecd_start east || { err "ipsecd did not start on east"; return; }
	ctl east -f "$work/east.conf" || err "east refused its rule"
}

# setup NAME PREFIX EAST-KIND EAST-START DPD: the topology and both ends up.
setup() {
	local dpd=${5:+ dpd delay $DELAY timeout $TIMEOUT}
	work=$top_work/$1 east=$3
	mkdir -p "$work"
	[ "$2" = kda ] || topo_up "$2"
	dp_addresses tunnel 4
	ike_rule west tunnel 4 active "$MAIN" "$QUICK$dpd" >"$work/west.conf"
	ike_rule east tunnel 4 "$4" "$MAIN" "$QUICK$dpd" >"$work/east.conf"
	east_start "$([ "$4" = active ] && echo start || echo none)" "$5"
	ipsecd_start west || err "ipsecd did not start on west"
	ctl west -f "$work/west.conf" || err "west refused its rule"
	within 40 both_up || err "no first SA pair after 40 s"
}

# The ping-then-idle windows, then the cut; findings go to $work.
cut_case() {
	local t0 s0 s1 s2 a0 a2
	setup "$1" "$2" "$3" passive dpd
	step "up; busy window"
	# Busy: after a first delay (a probe of the quiet start may still be
	# on its way), 8 s of ping: nothing to ask.
	# Until stopped: under load the windows take longer than they say.
	ip netns exec "$NS_WEST" ping -q -i 0.2 -I "$W_IN" "$E_IN" >"$work/busy.ping" 2>&1 &
	echo $! >"$work/ping.pid"
	sleep $((DELAY + 2))
	s0=$(ike_stat west sent)
	wire_capture "$work/busy.pcap" udp port 500
	sleep 8
	wire_capture_stop
	s1=$(ike_stat west sent)
	kill -INT "$(cat "$work/ping.pid")"
	wait "$(cat "$work/ping.pid")" 2>/dev/null
	rm -f "$work/ping.pid"
	echo "$s0 $s1 $(info_from "$work/busy.pcap" "$W_OUT") $(info_from "$work/busy.pcap" "$E_OUT")" \
		>"$work/busy"
	# Idle: three delays of silence.
	step "idle window"
	a0=$(ike_stat west acked)
	wire_capture "$work/idle.pcap" udp port 500
	sleep $((3 * DELAY + 2))
	wire_capture_stop
	s2=$(ike_stat west sent)
	a2=$(ike_stat west acked)
	echo "$((s2 - s1)) $((a2 - a0)) $(info_from "$work/idle.pcap" "$W_OUT") $(info_from "$work/idle.pcap" "$E_OUT")" \
		>"$work/idle"
	read -r _ old < <(kipsec_spis west)
	echo "$old" >"$work/old_spi"
	# The cut.
	step "link cut"
	ip -n "$NS_WIRE" link set east down
	t0=$SECONDS
	if within $((TIMEOUT + 10)) west_gone; then
		echo $((SECONDS - t0)) >"$work/gone"
	fi
	ctl west -s ike >"$work/ike_after_cut"
	sleep $((CUT - (SECONDS - t0)))
	ip -n "$NS_WIRE" link set east up
	step "link back"
	t0=$SECONDS
	if within 60 both_up && within 10 tunnel_ok; then
		echo $((SECONDS - t0)) >"$work/back"
	fi
	read -r _ new < <(kipsec_spis west)
	echo "$new" >"$work/new_spi"
}

# Kill east (no delete goes), flush its kernel, start it again.
reboot_case() {
	local t0 old
	# Passive at first: both ends starting at once is another test's
	# matter (and against charon ends with a pair only half used).
	setup "$1" "$2" "$3" passive ""
	within 10 tunnel_ok || err "no traffic before the reboot"
	read -r _ old < <(kipsec_spis west)
	echo "$old" >"$work/old_spi"
	if [ "$east" = charon ]; then
		kill -9 "$(cat "$work/swan-east.pid")"
		rm -f "$work/swan-east.pid"
		ip -n "$NS_EAST" xfrm state flush
		ip -n "$NS_EAST" xfrm policy flush
	else
		kill -9 "$(cat "$work/east.pid")"
		rm -f "$work/east.pid" "$work/east.sock"
		ip netns exec "$NS_EAST" "$IPSECCTL" -S "$work/east.sock" -F >/dev/null 2>&1
		[ "$(kipsec_sa_count east) $(kipsec_flow_count east)" = "0 0" ] ||
			err "east's kernel still has SAs or flows after the flush"
		mv "$work/east.log" "$work/east-before.log"
	fi
	sleep 2
	step "east starts again"
	ike_rule east tunnel 4 active "$MAIN" "$QUICK" >"$work/east.conf"
	t0=$SECONDS
	east_start start ""
	if within 60 tunnel_ok; then
		echo $((SECONDS - t0)) >"$work/back"
	fi
	read -r _ new < <(kipsec_spis west)
	echo "$new" >"$work/new_spi"
	ip netns exec "$NS_WEST" "$IPSECCTL" -s sa >"$work/west_sas"
}

finish_case() {
	ipsecd_stop west
	ipsecd_stop east
	charon_stop east
	[ "$1" = kda ] || topo_down
}

cut_verdict() {
	local case="ipsecd dpd cut/$2" d=$top_work/$1 s0 s1 iw ie ds da
	work=$d
	if [ -s "$d/errors" ]; then
		not_ok "$case: $(tr '\n' ' ' <"$d/errors")"
		show_logs
	fi
	read -r s0 s1 iw ie < <(cat "$d/busy" 2>/dev/null)
	# Under traffic no R-U-THERE of ours: west sends informational
	# messages then only to answer east's (charon's own checks).
	if [ -n "${s1:-}" ] && [ "$s0" = "$s1" ] && [ "$iw" -le "$ie" ] &&
	   { [ "$2" = charon ] || [ "$ie" = 0 ]; }; then
		ok "$case: busy: no R-U-THERE sent (counter $s0 -> $s1, informational on the wire: west $iw, east $ie)"
	else
		not_ok "$case: busy: R-U-THERE counter ${s0:-?} -> ${s1:-?}, informational west ${iw:-?} east ${ie:-?}"
		sed 's/^/#   ping: /' "$d/busy.ping" 2>/dev/null
		grep -E 'R-U-THERE' "$d/west.log" | sed 's/^/#   /' | head -30
	fi
	read -r ds da iw ie < <(cat "$d/idle" 2>/dev/null)
	# charon's own R-U-THEREs (every 6 s) leave room for one of ours at least.
	local want=2
	[ "$2" = charon ] && want=1
	if [ "${ds:-0}" -ge "$want" ] && [ "${da:-0}" -ge "$want" ] && [ "${iw:-0}" -ge 2 ] && [ "${ie:-0}" -ge 2 ]; then
		ok "$case: idle: $ds R-U-THERE sent, $da acknowledged, informational on the wire: west $iw, east $ie"
	else
		not_ok "$case: idle: ${ds:-?} R-U-THERE sent, ${da:-?} acknowledged, informational west ${iw:-?} east ${ie:-?}"
		show_logs
	fi
	if [ -s "$d/gone" ] && logged west "dead \(no R-U-THERE-ACK for [0-9]+ s\): deleting"; then
		ok "$case: link cut: west's SAs gone after $(cat "$d/gone") s (at most $((TIMEOUT + 10))), the log says dead"
	else
		not_ok "$case: link cut: west's SAs not gone within $((TIMEOUT + 10)) s"
		sed 's/^/#   /' "$d/ike_after_cut" 2>/dev/null
		show_logs
	fi
	if [ -s "$d/back" ] && [ "$(cat "$d/new_spi")" != "$(cat "$d/old_spi")" ]; then
		ok "$case: link back: the active rule's tunnel is back after $(cat "$d/back") s (spi in $(cat "$d/old_spi") -> $(cat "$d/new_spi"))"
	else
		not_ok "$case: link back: no working tunnel within 60 s"
		show_logs
	fi
}

reboot_verdict() {
	local case="ipsecd dpd reboot/$2" d=$top_work/$1 old new
	work=$d
	if [ -s "$d/errors" ]; then
		not_ok "$case: $(tr '\n' ' ' <"$d/errors")"
		show_logs
	fi
	old=$(cat "$d/old_spi" 2>/dev/null) new=$(cat "$d/new_spi" 2>/dev/null)
	if [ -s "$d/back" ] && [ -n "$new" ] && [ "$new" != "$old" ]; then
		ok "$case: traffic back $(cat "$d/back") s after the peer's restart (spi in $old -> $new)"
	else
		not_ok "$case: no traffic within 60 s of the peer's restart"
		show_logs
	fi
	if logged west "INITIAL-CONTACT in phase 1 SA [0-9a-f]+: the peer restarted; deleted [1-9][0-9]* older phase 1 and [1-9][0-9]* phase 2 SAs" &&
	   [ -n "$old" ] && ! grep -q "spi $old " "$d/west_sas"; then
		ok "$case: west deleted the old SAs on INITIAL-CONTACT ($(grep -oE 'deleted [1-9][0-9]* older.*' "$d/west.log" | tail -1)), spi $old gone from its kernel"
	else
		not_ok "$case: the old SAs were not deleted on INITIAL-CONTACT"
		grep -i "initial" "$d/west.log" | sed 's/^/#   /'
		sed 's/^/#   /' "$d/west_sas" 2>/dev/null
		show_logs
	fi
}

swan=
need "strongSwan" "$CHARON" "$SWANCTL" && swan=1
filtered "ipsecd dpd cut/ipsecd" && { (cut_case cut kda ipsecd; finish_case kda) & }
filtered "ipsecd dpd reboot/ipsecd" && { (reboot_case reboot kdb ipsecd; finish_case kdb) & }
if [ -n "$swan" ]; then
	filtered "ipsecd dpd cut/charon" && { (cut_case cutswan kdc charon; finish_case kdc) & }
	filtered "ipsecd dpd reboot/charon" && { (reboot_case rebootswan kdd charon; finish_case kdd) & }
fi
wait
filtered "ipsecd dpd cut/ipsecd" && cut_verdict cut ipsecd
filtered "ipsecd dpd reboot/ipsecd" && reboot_verdict reboot ipsecd
if [ -n "$swan" ]; then
	filtered "ipsecd dpd cut/charon" && cut_verdict cutswan charon
	filtered "ipsecd dpd reboot/charon" && reboot_verdict rebootswan charon
fi

finish
