# SPDX-License-Identifier: GPL-2.0
#
# Shared by the data-plane tests, on top of lib.sh (TAP counting, module
# loading): deterministic keys, the two-gateway configurations for kipsec
# (ipsecctl) and Linux XFRM (ip xfrm), and the traffic check that proves a
# case: traffic both ways intact, only ESP on the wire, kipsec's SA
# counters equal to the peer's.
#
# Source after lib.sh and topology.sh, with $here set.

BULK=$here/bulk.py
# esp_craft.py: ESP and AH packets made independently of kipsec and XFRM.
# shellcheck disable=SC2034 # for the tests that source this file
CRAFT=$here/esp_craft.py
# The IPsec protocol of the SAs the helpers below configure: esp or ah.
PROTO=${PROTO:-esp}
BULK_BYTES=${KIPSEC_BULK_BYTES:-262144}

# A case runs when the filter is unset or matches the test's own name (the
# filter run_tests.sh selected this script with) or the case's.
filtered() {
	local script
	script=$(basename "$0" .sh)
	[ -z "${KIPSEC_TEST_FILTER:-}" ] || [[ $script =~ $KIPSEC_TEST_FILTER ]] ||
		[[ $1 =~ $KIPSEC_TEST_FILTER ]]
}

# dp_start: the module and XFRM's, a scratch directory, cleanup at exit.
dp_start() {
	work=$(mktemp -d)
	trap 'topo_down; rm -rf "$work"' EXIT
	need "data plane" ip ping tcpdump python3 "$IPSECCTL" || finish
	load_module || { not_ok "insmod $KIPSEC_KO"; finish; }
	modprobe -q xfrm_user
	modprobe -q esp4
	modprobe -q esp6
	modprobe -q ah4
	modprobe -q ah6
}

# Both gateways back to no SA and no policy, kipsec's and XFRM's.
dp_reset() {
	local ns
	for ns in "$NS_WEST" "$NS_EAST"; do
		ip netns exec "$ns" "$IPSECCTL" -F 2>/dev/null
		ip -n "$ns" xfrm policy flush
		ip -n "$ns" xfrm state flush
	done
}

# key_hex BYTES SEED: a fixed key of BYTES bytes, "0x..."; empty for 0.
key_hex() {
	local n=$1 seed=$2 out="" i=0
	[ "$n" -gt 0 ] || return 0
	while [ ${#out} -lt $((n * 2)) ]; do
		out+=$(printf '%s/%s' "$seed" "$i" | sha256sum | cut -c1-64)
		i=$((i + 1))
	done
	echo "0x${out:0:$((n * 2))}"
}

# dp_addresses MODE FAMILY: the outer (W_OUT, E_OUT) and inner (W_IN, E_IN)
# addresses and prefixes of topology.sh for this case.
dp_addresses() {
	if [ "$2" = 4 ]; then
		W_OUT=192.0.2.1 E_OUT=192.0.2.2 W_NET=10.1.0.0/24 E_NET=10.2.0.0/24
		W_LAN=10.1.0.1 E_LAN=10.2.0.1 PING=ping
	else
		W_OUT=2001:db8::1 E_OUT=2001:db8::2 W_NET=fd01::/64 E_NET=fd02::/64
		W_LAN=fd01::1 E_LAN=fd02::1 PING="ping -6"
	fi
	if [ "$1" = tunnel ]; then
		W_IN=$W_LAN E_IN=$E_LAN
	else
		W_IN=$W_OUT E_IN=$E_OUT
	fi
}

# need_craft NAME: esp_craft.py's modules are there, or NAME is skipped.
need_craft() {
	/usr/bin/python3 -c 'import cryptography, scapy' 2>/dev/null && return 0
	skip "$1" "python3-cryptography and python3-scapy are needed"
	return 1
}

# dp_side SIDE: "ME PEER SRC DST" of west or east: its outer address, the
# other gateway's, its inner network and the other's.
dp_side() {
	if [ "$1" = east ]; then
		echo "$E_OUT $W_OUT $E_NET $W_NET"
	else
		echo "$W_OUT $E_OUT $W_NET $E_NET"
	fi
}

# dp_kipsec_conf MODE SIDE SA-SPEC: ipsec.conf for kipsec on west or east.
# SPI 0x1000 carries west->east, 0x1001 east->west, on both sides.
dp_kipsec_conf() {
	local mode=$1 side=$2 spec=$3 me peer src dst
	read -r me peer src dst < <(dp_side "$side")
	if [ "$mode" = tunnel ]; then
		echo "flow $PROTO from $src to $dst local $me peer $peer"
	else
		echo "flow $PROTO from $me to $peer"
	fi
	echo "$PROTO $mode from $W_OUT to $E_OUT spi 0x1000:0x1001 $spec"
}

# dp_xfrm_conf MODE XALG EK1 AK1 EK2 AK2: the same, on east, with ip xfrm.
dp_xfrm_conf() {
	local mode=$1 xalg=$2 a1 a2 sel_out sel_in
	# RFC 4302 §2.2 aligns IPv4 AH to 32 bits; Linux does so when told.
	local align=" flag align4"
	[ "$PROTO" = ah ] && [[ $W_OUT != *:* ]] || align=
	a1=${xalg//ENCKEY/$3}; a1=${a1//AUTHKEY/$4}$align
	a2=${xalg//ENCKEY/$5}; a2=${a2//AUTHKEY/$6}$align
	eval "ip -n $NS_EAST xfrm state add src $W_OUT dst $E_OUT proto $PROTO spi 0x1000 mode $mode $a1" &&
	eval "ip -n $NS_EAST xfrm state add src $E_OUT dst $W_OUT proto $PROTO spi 0x1001 mode $mode $a2" ||
		return 1
	if [ "$mode" = tunnel ]; then
		sel_out="src $E_NET dst $W_NET" sel_in="src $W_NET dst $E_NET"
	else
		sel_out="src $E_OUT dst $W_OUT" sel_in="src $W_OUT dst $E_OUT"
	fi
	ip -n "$NS_EAST" xfrm policy add $sel_out dir out \
		tmpl src "$E_OUT" dst "$W_OUT" proto "$PROTO" mode "$mode" &&
	ip -n "$NS_EAST" xfrm policy add $sel_in dir in \
		tmpl src "$W_OUT" dst "$E_OUT" proto "$PROTO" mode "$mode"
}

# kipsec_sa_counter NS SPI LABEL: a counter of one kipsec SA ("packets",
# "replay drops", "auth failures", "decrypt errors", "policy drops"), -1
# when there is no such SA.  From ipsecctl -s sa -v text: no interpreter to
# start, which under TCG is most of the cost.
kipsec_sa_counter() {
	ip netns exec "$1" "$IPSECCTL" -s sa -v | awk -v spi="$(printf '0x%08x' "$2")" -v label="$3" '
		/^(esp|ah) / { mine = index($0, " spi " spi " ") > 0 }
		mine && (i = index($0, label ": ")) {
			split(substr($0, i + length(label) + 2), v, " ")
			print v[1]; found = 1; exit
		}
		END { if (!found) print -1 }'
}

kipsec_sa_packets() { kipsec_sa_counter "$1" "$2" packets; }

# kipsec_left_of_window NS SPI: the packets an inbound kipsec SA dropped as
# left of its window.  With ESN such a packet is not told from one of the
# next 2^32 subspace: RFC 4303 Appendix A2.2 infers Seqh + 1 for it, and its
# ICV then fails; on an ESN SA the authentication failures count too.
kipsec_left_of_window() {
	local n
	n=$(kipsec_sa_counter "$1" "$2" "replay drops")
	if ip netns exec "$1" "$IPSECCTL" -s sa | grep -q "spi $(printf '0x%08x' "$2") .* esn"; then
		n=$((n + $(kipsec_sa_counter "$1" "$2" "auth failures")))
	fi
	echo "$n"
}

# kipsec_stat NS LABEL: a global counter of ipsecctl -s stats ("in: replayed").
kipsec_stat() {
	ip netns exec "$1" "$IPSECCTL" -s stats | awk -v label="$2" '
		index($0, label) == 1 { print $NF; found = 1 } END { if (!found) print -1 }'
}

# xfrm_sa_packets NS SRC DST SPI: packets counted on an XFRM state.
xfrm_sa_packets() {
	ip -s -n "$1" xfrm state get src "$2" dst "$3" proto "$PROTO" spi "$4" |
		awk '/lifetime current:/ { getline; sub(/\(packets\)/, "", $2); print $2; exit }'
}

# bulk_server NS: one echo server on port 5001 of every address of NS.
bulk_server() {
	ip netns exec "$1" python3 "$BULK" serve :: 5001 > "$work/srv.$1" 2>&1 &
	for _ in $(seq 200); do
		grep -q listening "$work/srv.$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

# bulk FROM-NS TO-NS FROM-ADDR TO-ADDR: one TCP connection carrying
# BULK_BYTES each way through TO-NS's echo server; true if both arrived
# intact: what was sent, what the far end received, what came back.
bulk() {
	local sender=$1 receiver=$2 src=$3 dst=$4 log=$work/srv.$2 before out got
	before=$(wc -l < "$log")
	out=$(ip netns exec "$sender" python3 "$BULK" send "$dst" 5001 "$BULK_BYTES" "$src" 2>&1)
	for _ in $(seq 100); do
		[ "$(wc -l < "$log")" -gt "$before" ] && break
		sleep 0.05
	done
	got=$(tail -n 1 "$log")
	[ "$(printf '%s\n' "$out" | wc -l)" = 2 ] &&
		[ "$(printf '%s\n%s\n' "$out" "$got" | sort -u)" = "$BULK_BYTES ${got#* }" ]
}

# counted_as_sent SENT RECEIVED: true when RECEIVED is SENT, or short of
# it by at most 2 % (at least 3 packets), and never above it.
counted_as_sent() {
	local sent=$1 got=$2 slack
	slack=$(((sent + 49) / 50))
	[ "$slack" -ge 3 ] || slack=3
	[ "$sent" -gt 0 ] && [ "$got" -le "$sent" ] && [ $((sent - got)) -le "$slack" ]
}

# wire_traffic [ike]: pings both ways and a TCP transfer both ways between
# the inner addresses ($W_IN, $E_IN), captured on the bridge, then one pass
# over the capture: WIRE_PROTECTED counts ESP (or AH, whose payload tcpdump
# shows but which authenticates it) between the peers; anything else with a
# peer or inner address (neighbour discovery aside) is a leak, counted in
# WIRE_CLEAR and its lines kept in $work/leaks.  With ike, only ESP counts as
# protected, and IKE on UDP 500/4500 (with the ICMP error about a late
# resend to a port its sender closed) is no leak.  WIRE_WHY says what
# failed; the status is 0 when at least 10 packets were protected, none
# was clear and all traffic got through.
wire_traffic() {
	local mode=${1:-esp}
	WIRE_WHY=""
	wire_capture "$work/wire.pcap"
	ip netns exec "$NS_WEST" $PING -q -c 3 -i 0.2 -W 2 -I "$W_IN" "$E_IN" >/dev/null 2>&1 ||
		WIRE_WHY+=" ping-west-east"
	ip netns exec "$NS_EAST" $PING -q -c 3 -i 0.2 -W 2 -I "$E_IN" "$W_IN" >/dev/null 2>&1 ||
		WIRE_WHY+=" ping-east-west"
	bulk "$NS_WEST" "$NS_EAST" "$W_IN" "$E_IN" || WIRE_WHY+=" tcp-both-ways"
	wire_capture_stop
	read -r WIRE_PROTECTED WIRE_CLEAR < <(tcpdump -n -r "$work/wire.pcap" 2>/dev/null | awk \
		-v a="$W_OUT" -v b="$E_OUT" -v c="$W_IN" -v d="$E_IN" -v ike="$([ "$mode" = ike ] && echo 1)" '
		function has(x) { return index($0, " " x " ") || index($0, " " x ".") || index($0, " " x ":") }
		ike && / ESP\(spi=|: ip-proto-50/ { if (has(a) && has(b)) esp++; next }
		!ike && / (ESP|AH)\(spi=|: ip-proto-5[01]/ { if (has(a) && has(b)) esp++; next }
		# Later IPv6 fragments name no protocol; the first one did.
		/: frag \([1-9]/ { next }
		/ ARP,|neighbor (solicitation|advertisement)|router solicitation/ { next }
		ike && /\.(500|4500) > |\.(500|4500): / { next }
		ike && / ICMP .* udp port [0-9]+ unreachable/ && !has(c) && !has(d) { next }
		has(a) || has(b) || has(c) || has(d) { leak++; print > "/dev/stderr" }
		END { print esp + 0, leak + 0 }' 2>"$work/leaks")
	[ "$WIRE_PROTECTED" -ge 10 ] || WIRE_WHY+=" esp-on-wire=$WIRE_PROTECTED"
	[ "$WIRE_CLEAR" -eq 0 ] || WIRE_WHY+=" clear-on-wire=$WIRE_CLEAR"
	[ -z "$WIRE_WHY" ]
}

# dp_sa_counts PEER: the packets of the SAs 0x1000 and 0x1001 as
# "west-out peer-in west-in peer-out"; PEER is kipsec or xfrm (east's).
dp_sa_counts() {
	local w_out w_in e_in e_out
	w_out=$(kipsec_sa_packets "$NS_WEST" 0x1000)
	w_in=$(kipsec_sa_packets "$NS_WEST" 0x1001)
	if [ "$1" = xfrm ]; then
		e_in=$(xfrm_sa_packets "$NS_EAST" "$W_OUT" "$E_OUT" 0x1000)
		e_out=$(xfrm_sa_packets "$NS_EAST" "$E_OUT" "$W_OUT" 0x1001)
	else
		e_in=$(kipsec_sa_packets "$NS_EAST" 0x1000)
		e_out=$(kipsec_sa_packets "$NS_EAST" 0x1001)
	fi
	echo "$w_out $e_in $w_in $e_out"
}

# dp_check_traffic CASE PEER: the proof of one case (see the top of the file).
dp_check_traffic() {
	local case=$1 peer=$2 ok=1 why="" w_out w_in e_in e_out w_rd e_rd
	wire_traffic || ok=0
	why=$WIRE_WHY

	read -r w_out e_in w_in e_out < <(dp_sa_counts "$peer")
	# What one side sent, the other counted: never more, and less only by
	# what the emulated wire may drop in a burst of fragments (TCP resent
	# it; the transfer's checksum above proves nothing was lost for good),
	# or what a kipsec receiver counted as left of its window (RFC 4303
	# §3.4.3): on a loaded TCG host a sender's vCPU stalls long enough to
	# reorder a burst by more than 64 packets.  Those arrived, and say so.
	w_rd=$(kipsec_left_of_window "$NS_WEST" 0x1001)
	e_rd=0
	[ "$peer" = kipsec ] && e_rd=$(kipsec_left_of_window "$NS_EAST" 0x1000)
	counted_as_sent "$w_out" "$((e_in + e_rd))" || { ok=0 why+=" west-out=$w_out,east-in=$e_in+$e_rd"; }
	counted_as_sent "$e_out" "$((w_in + w_rd))" || { ok=0 why+=" east-out=$e_out,west-in=$w_in+$w_rd"; }
	if [ "$ok" = 1 ]; then
		ok "$case ($PROTO on wire $WIRE_PROTECTED, SA packets out $w_out in $w_in$([ $((w_rd + e_rd)) -eq 0 ] || echo ", left of the window $w_rd in $e_rd out"))"
	else
		not_ok "$case:$why"
		# What the two sides counted, for whoever reads the failure.
		{
			ip netns exec "$NS_WEST" "$IPSECCTL" -s sa -v
			ip netns exec "$NS_WEST" "$IPSECCTL" -s stats
			ip -s -n "$NS_EAST" xfrm state
			ip netns exec "$NS_EAST" "$IPSECCTL" -s stats
			ip netns exec "$NS_EAST" nstat -az | grep -E 'Reasm|Frag|InDiscards|InHdrErrors'
		} 2>&1 | detail
	fi
}

# A host behind west: west's lan0 becomes a veth to it, west routes.
#   host eth0 10.1.0.2/24 fd01::2/64 == lan0 of west 10.1.0.1 fd01::1
host_up() {
	NS_HOST=$TOPO_PREFIX-host
	ip netns add "$NS_HOST"
	ip -n "$NS_WEST" link del lan0
	ip link add "$NS_HOST-eth" netns "$NS_HOST" type veth peer name lan0 netns "$NS_WEST"
	ip -n "$NS_HOST" link set "$NS_HOST-eth" name eth0
	ip netns exec "$NS_HOST" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$NS_HOST" link set lo up
	ip -n "$NS_HOST" link set eth0 up
	ip -n "$NS_WEST" link set lan0 up
	ip -n "$NS_WEST" addr add 10.1.0.1/24 dev lan0
	ip -n "$NS_WEST" addr add fd01::1/64 dev lan0 nodad
	ip -n "$NS_HOST" addr add 10.1.0.2/24 dev eth0
	ip -n "$NS_HOST" addr add fd01::2/64 dev eth0 nodad
	ip -n "$NS_HOST" route add default via 10.1.0.1
	ip -n "$NS_HOST" route add default via fd01::1
	ip netns exec "$NS_WEST" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}
