#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IKE through a masquerading NAT (RFC 3947) and the ESP in UDP it sets up
# (RFC 3948), with ipsecd and strongSwan on either side:
#
#   west  (ns $NS_WEST)  10.0.0.2, lan 10.1.0.1/24 --+
#                                                    +- br0 10.0.0.1  nat (ns $NS_NAT)
#   west2 (ns $NS_WEST2) 10.0.0.3, lan 10.3.0.1/24 --+  out0 198.51.100.1 ---- east 198.51.100.2
#                                                       (ns $NS_EAST), lan 10.2.0.1/24
#
# The NAT masquerades to 198.51.100.1, UDP to source ports 20000-20009:
# both IKE ports change, so a peer that does not float and follow the
# ports cannot work; without IPsec the LANs would reach each other in
# clear through it.  Every case captures on the NAT's outside interface,
# where only what crossed is seen, and asserts: UDP 500 only for Main
# Mode 1-4, IKE on 4500 from message 5 on (tshark dissects every ISAKMP
# message, none malformed), no protocol 50 at all, no inner address,
# the traffic's packets counted on kipsec's SAs.  Cases:
#
#   ipsecd to charon      west ipsecd initiates, east is strongSwan
#   charon to ipsecd      west strongSwan initiates, east ipsecd responds
#                         (its peer is the NAT's address, the ID west's own)
#   ipsecd to ipsecd      both ipsecd
#   two behind one nat    west and west2 (one public address, two ports)
#                         to one ipsecd at once
#   keepalives            from the side behind the NAT, at the interval of
#                         ipsecd -K (RFC 3948 §2.3)
#   mapping               conntrack flushed and a new port range mid-stream:
#                         the pings resume by themselves within 40 s, and
#                         east's ipsecd says the mapping changed
#   aggressive ...        Aggressive Mode with FQDN identities (RFC 2409
#                         §5.4), ipsecd to charon and to ipsecd: NAT-D in
#                         messages 2 and 3 (RFC 3947 §3.2), message 3 and
#                         quick mode on 4500, only messages 1 and 2 on 500
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

P=ikn
W_PRIV=10.0.0.2 W2_PRIV=10.0.0.3 NAT_IN=10.0.0.1 NAT_PUB=198.51.100.1 E_PUB=198.51.100.2
W_NET=10.1.0.0/24 W2_NET=10.3.0.0/24 E_NET=10.2.0.0/24
W_LAN=10.1.0.1 W2_LAN=10.3.0.1 E_LAN=10.2.0.1
M="auth hmac-sha2-256 enc aes-128 group modp2048" Q="enc aes-128-gcm"
SWAN_IKE=aes128-sha256-modp2048 SWAN_ESP=aes128gcm16

ns_of() {
	case $1 in
	west) echo "$NS_WEST" ;;
	west2) echo "$NS_WEST2" ;;
	*) echo "$NS_EAST" ;;
	esac
}

# nat_range A-B: the NAT's masquerade, UDP to source ports A-B.
nat_range() { nat_masquerade "$NS_NAT" out0 "$1"; }

nat_topo_up() {
	local ns side
	NS_WEST=$P-west NS_WEST2=$P-west2 NS_NAT=$P-nat NS_EAST=$P-east NS_WIRE=$P-nat
	for ns in "$NS_WEST" "$NS_WEST2" "$NS_NAT" "$NS_EAST"; do
		ip netns add "$ns"
		ip -n "$ns" link set lo up
	done
	ip -n "$NS_NAT" link add br0 type bridge
	ip -n "$NS_NAT" addr add $NAT_IN/24 dev br0
	ip -n "$NS_NAT" link set br0 up
	for side in west west2; do
		ns=$(ns_of $side)
		ip link add eth0 netns "$ns" type veth peer name "$side" netns "$NS_NAT"
		ip -n "$NS_NAT" link set "$side" master br0 up
		ip -n "$ns" link add lan0 type dummy
		ip -n "$ns" link set eth0 up
		ip -n "$ns" link set lan0 up
	done
	ip -n "$NS_WEST" addr add $W_PRIV/24 dev eth0
	ip -n "$NS_WEST" addr add $W_LAN/24 dev lan0
	ip -n "$NS_WEST2" addr add $W2_PRIV/24 dev eth0
	ip -n "$NS_WEST2" addr add $W2_LAN/24 dev lan0
	ip -n "$NS_WEST" route add default via $NAT_IN
	ip -n "$NS_WEST2" route add default via $NAT_IN
	ip link add eth0 netns "$NS_EAST" type veth peer name out0 netns "$NS_NAT"
	ip -n "$NS_NAT" addr add $NAT_PUB/24 dev out0
	ip -n "$NS_NAT" link set out0 up
	ip -n "$NS_EAST" addr add $E_PUB/24 dev eth0
	ip -n "$NS_EAST" link set eth0 up
	ip -n "$NS_EAST" link add lan0 type dummy
	ip -n "$NS_EAST" addr add $E_LAN/24 dev lan0
	ip -n "$NS_EAST" link set lan0 up
	# Without IPsec, east's replies to the LANs go to the NAT in clear.
	ip -n "$NS_EAST" route add 10.0.0.0/8 via $NAT_PUB
	ip netns exec "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1
	nat_range 20000-20009
	export NS_WEST NS_WEST2 NS_NAT NS_EAST NS_WIRE
}

nat_topo_down() {
	local ns
	for ns in "$NS_WEST" "$NS_WEST2" "$NS_NAT" "$NS_EAST"; do
		ip netns del "$ns" 2>/dev/null
	done
	return 0
}

# capture_out FILE [FILTER]: tcpdump on the NAT's outside (WIRE_PID, as wire_capture).
capture_out() {
	local file=$1
	shift
	ip netns exec "$NS_NAT" tcpdump -i out0 --immediate-mode -U -n -w "$file" "$@" 2>/dev/null &
	WIRE_PID=$!
	sleep 0.5
}

# The phase 1 of a rule: main mode, or with AGGR=1 aggressive mode with
# FQDN identities (SIDE: west or east).
phase1() {
	local other=east
	[ "$1" = east ] && other=west
	if [ -n "${AGGR:-}" ]; then
		echo "aggressive $M srcid $1.example.org dstid $other.example.org"
	else
		echo "main $M"
	fi
}

# rule_west SIDE START LAN-NET LOCAL: SIDE's rule to east.
rule_west() {
	echo "ike $2 esp tunnel from $3 to $E_NET local $4 peer $E_PUB $(phase1 west) quick $Q psk \"nat-key\""
}

# rule_east NET...: east's rules, one per LAN behind the NAT, peer the NAT.
rule_east() {
	local net
	for net in "$@"; do
		echo "ike passive esp tunnel from $E_NET to $net local $E_PUB peer $NAT_PUB $(phase1 east) quick $Q psk \"nat-key\""
	done
}

# swan_id SIDE ADDR: charon's identity for SIDE: ADDR, or its FQDN with AGGR.
swan_id() { [ -n "${AGGR:-}" ] && echo "$1.example.org" || echo "$2"; }

# swan_conf SIDE ME ADDRS REMOTE-ADDRS MY-ID REMOTE-ID LTS RTS START: one
# IKEv1 connection, loaded into SIDE's charon.
swan_conf() {
	local side=$1 dir=$work/swan-$1
	cat >"$dir/swanctl.conf" <<EOF
connections {
	k {
		version = 1
		aggressive = $([ -n "${AGGR:-}" ] && echo yes || echo no)
		local_addrs = $2
		remote_addrs = $3
		proposals = $SWAN_IKE
		rekey_time = 0
		reauth_time = 0
		local {
			auth = psk
			id = $4
		}
		remote {
			auth = psk
			id = $5
		}
		children {
			k {
				local_ts = $6
				remote_ts = $7
				esp_proposals = $SWAN_ESP
				mode = tunnel
				start_action = $8
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-k {
		id-a = $4
		id-b = $5
		secret = "nat-key"
	}
}
EOF
	swan "$side" --load-all --file "$dir/swanctl.conf" >"$dir/load.out" 2>&1
}

# spis_of SIDE: "OUT IN", SIDE's (first) mature SA pair through the NAT.
spis_of() {
	local me=$W_PRIV peer=$E_PUB
	[ "$1" = west2 ] && me=$W2_PRIV
	[ "$1" = east ] && me=$E_PUB peer=$NAT_PUB
	ip netns exec "$(ns_of "$1")" "$IPSECCTL" -s sa | awk -v me="$me" -v peer="$peer" '
		$4 == me && $6 == peer && !out { out = $8 }
		$4 == peer && $6 == me && !inb { inb = $8 }
		END { print out, inb }'
}

# pair_up SIDE: SIDE's kipsec.ko holds a mature SA pair through the NAT.
pair_up() { [ "$(spis_of "$1" | wc -w)" = 2 ]; }

# natt_line SIDE: SIDE's phase 1 SA as ipsecctl -s ike shows it.
natt_line() { ctl "$1" -s ike | grep ' established '; }

# ping_lan FROM-SIDE FROM-ADDR TO-ADDR: five pings, all answered.
ping_lan() {
	ip netns exec "$(ns_of "$1")" ping -q -c 5 -i 0.2 -W 2 -I "$2" "$3" >/dev/null 2>&1
}

# wire_verdict CASE PCAP MIN-ESP: what crossed the NAT's outside.
wire_verdict() {
	local case=$1 pcap=$2 min=$3 esp raw ike500 inner swan_bad types
	raw=$(wire_count "$pcap" "ip proto 50")
	esp=$(wire_count "$pcap" "udp port 4500 and udp[8:4] != 0 and greater 60")
	ike500=$(wire_count "$pcap" "udp port 500")
	inner=$(tcpdump -n -r "$pcap" 2>/dev/null | grep -cE ' 10\.[123]\.0\.1[ .:]')
	if [ "$raw" = 0 ] && [ "$esp" -ge "$min" ] && [ "$inner" = 0 ]; then
		ok "$case: the outside wire carries ESP in UDP 4500 ($esp), no protocol 50, no inner address"
	else
		not_ok "$case: outside wire: ESP in UDP $esp (at least $min wanted), protocol 50: $raw, inner addresses: $inner"
	fi
	# Main Mode 1-4 (aggressive mode 1-2) on 500 for each exchange (some
	# resent), the rest on 4500.
	local xt=2 first="main mode 1-4" first_n=4 later="main mode 5/6"
	[ -n "${AGGR:-}" ] && xt=4 first="aggressive mode 1-2" first_n=2 later="aggressive mode 3"
	if [ "$ike500" -ge "$first_n" ] && [ "$ike500" -le $((first_n * 4)) ]; then
		ok "$case: UDP 500 only for $first ($ike500 datagrams)"
	else
		not_ok "$case: $ike500 datagrams on UDP 500"
	fi
	if ! command -v tshark >/dev/null; then
		skip "$case: tshark dissects the exchange" "no tshark"
		return
	fi
	swan_bad=$(tshark -r "$pcap" -Y 'isakmp && _ws.malformed' 2>/dev/null | wc -l)
	check_eq "$case: tshark: no malformed ISAKMP" 0 "$swan_bad"
	# Exchange types 2 (identity protection: messages 5 and 6) or 4
	# (aggressive: message 3), and 32 (quick mode).
	types=$(tshark -r "$pcap" -Y 'udp.port == 4500 && isakmp' -T fields -e isakmp.exchangetype \
		2>/dev/null | sort -un | tr '\n' ' ')
	check "$case: tshark: $later and quick mode on UDP 4500 (exchange types: $types)" \
		eval '[[ " $types" == *" $xt "* ]] && [[ " $types" == *" 32 "* ]]'
	check_eq "$case: tshark: no ISAKMP on UDP 500 after $first" 0 \
		"$(tshark -r "$pcap" -Y "udp.port == 500 && isakmp.exchangetype != $xt" 2>/dev/null | wc -l)"
}

# traffic CASE SIDE LAN ME: pings both ways and TCP between SIDE's LAN and
# east's, counted on the kipsec side(s).
traffic() {
	local case=$1 side=$2 lan=$3 ok=1 why=""
	ping_lan "$side" "$lan" "$E_LAN" || { ok=0 why+=" ping-to-east"; }
	ping_lan east "$E_LAN" "$lan" || { ok=0 why+=" ping-from-east"; }
	bulk "$(ns_of "$side")" "$NS_EAST" "$lan" "$E_LAN" || { ok=0 why+=" tcp"; }
	if [ "$ok" = 1 ]; then
		ok "$case: pings both ways and TCP through the NAT"
	else
		not_ok "$case: traffic:$why"
		show_logs
	fi
}

# sa_counted CASE SIDE: SIDE's SA pair carried the traffic.
sa_counted() {
	local out inb a b ns
	ns=$(ns_of "$2")
	read -r out inb < <(spis_of "$2")
	a=$(kipsec_sa_packets "$ns" "${out:-0}") b=$(kipsec_sa_packets "$ns" "${inb:-0}")
	check "$1: $2's SA pair counted the traffic (out $a, in $b packets)" \
		test "$a" -ge 10 -a "$b" -ge 10
}

# ipsecd_nat CASE [WEST-ARGS]: ipsecd on east, passive for west's LAN, and
# on west behind the NAT, active; both rules loaded.
ipsecd_nat() {
	local case=$1
	shift
	ipsecd_start east || not_ok "$case: ipsecd did not start on east"
	rule_east $W_NET >"$work/east.conf"
	ctl east -f "$work/east.conf" || not_ok "$case: east refused the rule"
	ipsecd_start west "$@" || not_ok "$case: ipsecd did not start on west"
	rule_west west active $W_NET $W_PRIV >"$work/west.conf"
	ctl west -f "$work/west.conf" || not_ok "$case: west refused the rule"
}

case_start() {
	work=$top_work/$1
	mkdir -p "$work"
	nat_topo_up
	bulk_server "$NS_EAST" || not_ok "$2: echo server did not start"
}

case_end() {
	wire_capture_stop
	local p
	for p in "$work"/*.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 0.3
	nat_topo_down
}

# ---- the cases ----

ipsecd_to_charon() {
	local case="${AGGR:+aggressive }ipsecd to charon"
	case_start "${AGGR:+a}i2c" "$case"
	capture_out "$work/out.pcap"
	charon_start east || not_ok "$case: charon did not start"
	swan_conf east $E_PUB %any "$(swan_id east $E_PUB)" "$(swan_id west $W_PRIV)" $E_NET $W_NET none ||
		not_ok "$case: swanctl refused the connection"
	ipsecd_start west || not_ok "$case: ipsecd did not start"
	rule_west west active $W_NET $W_PRIV >"$work/west.conf"
	ctl west -f "$work/west.conf" || not_ok "$case: ipsecctl -f refused the rule"
	if ! wait_until 30 pair_up west; then
		not_ok "$case: no SA pair"
		show_logs
	fi
	check "$case: west floated, behind the NAT ($(natt_line west))" \
		eval 'natt_line west | grep -q " natt port 4500 nat local "'
	traffic "$case" west $W_LAN
	sa_counted "$case" west
	wire_capture_stop
	wire_verdict "$case" "$work/out.pcap" 20
	case_end
}

charon_to_ipsecd() {
	local case="${AGGR:+aggressive }charon to ipsecd"
	case_start "${AGGR:+a}c2i" "$case"
	capture_out "$work/out.pcap"
	ipsecd_start east || not_ok "$case: ipsecd did not start"
	rule_east $W_NET >"$work/east.conf"
	ctl east -f "$work/east.conf" || not_ok "$case: ipsecctl -f refused the rule"
	charon_start west || not_ok "$case: charon did not start"
	swan_conf west $W_PRIV $E_PUB "$(swan_id west $W_PRIV)" "$(swan_id east $E_PUB)" $W_NET $E_NET start ||
		not_ok "$case: swanctl refused the connection"
	if ! wait_until 30 pair_up east; then
		not_ok "$case: no SA pair"
		show_logs
	fi
	check "$case: east follows charon to its NAT port ($(natt_line east))" \
		eval 'natt_line east | grep -Eq " natt port 200[0-9][0-9] nat peer "'
	[ -z "${AGGR:-}" ] && check "$case: east accepted charon's own address as its ID, and said why" \
		logged east "identifies as $W_PRIV, its address behind the NAT"
	traffic "$case" west $W_LAN
	sa_counted "$case" east
	wire_capture_stop
	wire_verdict "$case" "$work/out.pcap" 20
	case_end
}

ipsecd_to_ipsecd() {
	local case="${AGGR:+aggressive }ipsecd to ipsecd"
	case_start "${AGGR:+a}i2i" "$case"
	capture_out "$work/out.pcap"
	ipsecd_nat "$case"
	if ! wait_until 30 eval 'pair_up west && pair_up east'; then
		not_ok "$case: no SA pairs"
		show_logs
	fi
	check "$case: west: NAT-T, behind the NAT" eval 'natt_line west | grep -q " nat local "'
	check "$case: east: NAT-T, the peer behind the NAT" eval 'natt_line east | grep -q " nat peer "'
	traffic "$case" west $W_LAN
	sa_counted "$case" west
	sa_counted "$case" east
	wire_capture_stop
	wire_verdict "$case" "$work/out.pcap" 20
	case_end
}

two_behind_one_nat() {
	local case="two behind one nat" ports
	case_start two "$case"
	capture_out "$work/out.pcap"
	ipsecd_start east || not_ok "$case: ipsecd did not start on east"
	rule_east $W_NET $W2_NET >"$work/east.conf"
	ctl east -f "$work/east.conf" || not_ok "$case: east refused the rules"
	ipsecd_start west && ipsecd_start west2 || not_ok "$case: ipsecd did not start behind the NAT"
	rule_west west active $W_NET $W_PRIV >"$work/west.conf"
	rule_west west2 active $W2_NET $W2_PRIV >"$work/west2.conf"
	# One after the other: west2's first phase 1 then carries
	# INITIAL-CONTACT while west's SAs are up at the same public address.
	# They are another host's (another identity): east must keep them
	# (RFC 2407 §4.6.3.3 speaks of the SAs of the sending system).
	ctl west -f "$work/west.conf"
	wait_until 30 pair_up west || not_ok "$case: west's SA pair did not come up"
	ctl west2 -f "$work/west2.conf"
	if ! wait_until 40 eval 'pair_up west && pair_up west2 && [ "$(kipsec_sa_count east)" -ge 4 ]'; then
		not_ok "$case: not both SA pairs"
		show_logs
	fi
	check_eq "$case: east: both first contacts deleted nothing (west2's took none of west's SAs)" 2 \
		"$(grep -c 'INITIAL-CONTACT in phase 1 SA .*; deleted 0 older phase 1 and 0 phase 2 SAs' "$work/east.log")"
	ports=$(ctl east -s ike | awk '/ established / { for (i = 1; i < NF; i++) if ($i == "natt") print $(i + 2) }' |
		sort -u | wc -l)
	check_eq "$case: east has two phase 1 SAs with the NAT, at two ports" 2 "$ports"
	traffic "$case: west" west $W_LAN
	traffic "$case: west2" west2 $W2_LAN
	wire_capture_stop
	wire_verdict "$case" "$work/out.pcap" 40
	case_end
}

keepalives() {
	local case="keepalives" n gaps
	case_start ka "$case"
	ipsecd_nat "$case" -K 2
	wait_until 30 pair_up west || not_ok "$case: no SA pair"
	capture_out "$work/ka.pcap" "udp and src host $NAT_PUB and dst port 4500 and udp[4:2] = 9 and udp[8] = 0xff"
	sleep 9
	wire_capture_stop
	n=$(wire_count "$work/ka.pcap")
	gaps=$(tcpdump -tt -n -r "$work/ka.pcap" 2>/dev/null | awk '{ if (t) printf "%.1f ", $1 - t; t = $1 }')
	if [ "$n" -ge 3 ] && [ "$n" -le 6 ]; then
		ok "$case: $n keepalives in 9 s at -K 2 (gaps $gaps s)"
	else
		not_ok "$case: $n keepalives in 9 s at -K 2 (gaps $gaps s)"
	fi
	check_eq "$case: east sends none (it is not behind a NAT)" 0 \
		"$(ctl east -s ike -v | awk '/^nat keepalives:/ { print $5 }')"
	case_end
}

mapping() {
	local case="mapping" t_flush resumed
	case_start map "$case"
	ipsecd_nat "$case" -K 5
	wait_until 30 pair_up west || not_ok "$case: no SA pair"
	ip netns exec "$NS_WEST" ping -D -i 0.25 -w 60 -W 1 -I $W_LAN $E_LAN >"$work/ping" 2>&1 &
	echo $! >"$work/ping.pid"
	sleep 8
	# The NAT forgets every mapping and maps anew, to other ports.
	t_flush=$(date +%s)
	nat_range 20010-20019
	ip netns exec "$NS_NAT" conntrack -F >/dev/null 2>&1
	wait "$(cat "$work/ping.pid")"
	rm -f "$work/ping.pid"
	resumed=$(awk -v t="$t_flush" -F'[][]' '/bytes from/ && $2 + 0 > t + 0.5 { print int($2 - t); exit }' "$work/ping")
	if [ -n "$resumed" ] && [ "$resumed" -le 40 ]; then
		ok "$case: the pings resumed $resumed s after the NAT's new mapping"
	else
		not_ok "$case: the pings did not resume within 40 s of the new mapping"
		tail -n 3 "$work/ping" | detail
		show_logs
	fi
	check "$case: east's ipsecd followed the new mapping, and said so" \
		logged east "NAT mapping changed: the peer's port 2000[0-9] is now 2001[0-9]"
	case_end
}

top_work=$(mktemp -d)
work=$top_work
trap 'case_end >/dev/null 2>&1; rm -rf "$top_work"' EXIT
need "ike_natt" ip ping tcpdump nft conntrack python3 "$IPSECCTL" "$IPSECD" || finish
load_module || { not_ok "insmod $KIPSEC_KO"; finish; }
swan=
need "strongSwan" "$CHARON" "$SWANCTL" && swan=1
if [ -n "$swan" ]; then
	filtered "ipsecd to charon" && ipsecd_to_charon
	filtered "charon to ipsecd" && charon_to_ipsecd
fi
filtered "ipsecd to ipsecd" && ipsecd_to_ipsecd
# Aggressive mode through the NAT: the same cases, FQDN identities.
AGGR=1
# strongSwan answers Aggressive Mode with a PSK only when told to.
CHARON_EXTRA="i_dont_care_about_security_and_use_aggressive_mode_psk = yes"
if [ -n "$swan" ]; then
	filtered "aggressive ipsecd to charon" && ipsecd_to_charon
	filtered "aggressive charon to ipsecd" && charon_to_ipsecd
fi
filtered "aggressive ipsecd to ipsecd" && ipsecd_to_ipsecd
AGGR= CHARON_EXTRA=
filtered "two behind one nat" && two_behind_one_nat
filtered "keepalives" && keepalives
filtered "mapping" && mapping
finish
