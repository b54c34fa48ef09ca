#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The data path where an SA ends or is changed, and transport mode against
# spoofed and paged packets; each case judged on the wire (capture on the
# bridge), by the counters and by what a socket received:
#
#   seq      an SA whose counter starts near its end (SEQ_OUT) sends up to
#            the last number, 2^32 - 1 (ESP, AH; RFC 4303 §3.3.3, RFC 4302
#            §3.3.2) or 2^64 - 1 (ESN), never a wrapped one, and is then
#            hard-expired with an EXPIRE event; the traffic after it meets
#            a "require" policy without SA: held for an ACQUIRE, never clear.
#   replace  NLM_F_REPLACE of a live SA (new lifetime) continues its
#            outbound counter on the wire and keeps its window: a replayed
#            packet stays refused.
#   spoof    transport mode: authentic ESP from an address that is not the
#            SA's peer is dropped and counted, the peer's is delivered.
#   paged    transport mode decapsulation of a paged skb (a packet socket's
#            frame past a page: only the Ethernet header is linear), IPv4
#            and IPv6 behind 1 KiB of destination options.  A guard: today
#            skb_cow_data() linearizes before decapsulation, so it passes
#            without decap_transport()'s own pull as well.
#
# SAs come from kipsec_state (keys of nltest's nlt_key()), crafted packets
# from esp_craft.py (an independent RFC 4303/4106 implementation).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

PY=/usr/bin/python3
dp_start
need "esp hardening" "$PY" "$STATE" || finish
need_craft "esp hardening" || finish

topo_up hard
# kipsec_state's key of an aes-gcm SA: nlt_key(20, SPI * 2).
sa_key() {
	local seed=$(($1 * 2)) i out=0x
	for i in $(seq 0 19); do
		out+=$(printf '%02x' $(((seed * 131 + i * 37 + 1) & 255)))
	done
	echo "$out"
}
west() { ip netns exec "$NS_WEST" "$@"; }
east() { ip netns exec "$NS_EAST" "$@"; }
sa() { kipsec_sa_counter "$NS_WEST" "$1" "$2"; }
glob() { kipsec_stat "$NS_WEST" "$1"; }
# The sequence numbers of proto $2 (ESP, AH) on the wire in capture $1.
wire_seqs() {
	tcpdump -n -r "$1" 2>/dev/null | grep "$2(spi=" | grep -o 'seq=0x[0-9a-f]*' |
		sed 's/seq=//' | tr '\n' ' ' | sed 's/ $//'
}

# Outbound: 10.1.0.0/24 -> 10.2.0.0/24 in tunnel to east, "require".
cat > "$work/flow.conf" <<EOF
flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2
EOF
cat > "$work/flow-ah.conf" <<EOF
flow ah from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2
EOF

# seq_case NAME CONF PROTO SPI START [kipsec_state options]: the SA sends
# START + 1 .. the last number, then is gone.
seq_case() {
	local name=$1 conf=$2 proto=$3 spi=$4 start=$5 cap ev no_sa
	shift 5
	cap=$work/seq-$spi.pcap ev=$work/seq-$spi.events
	west "$IPSECCTL" -F
	check "$name: the flow loads" west "$IPSECCTL" -f "$conf"
	check "$name: an SA starting at $start" \
		west "$STATE" add-sa 192.0.2.1 192.0.2.2 "$spi" seq "$start" "$@"
	west "$IPSECCTL" -m > "$ev" 2>&1 &
	local mon=$!
	wire_capture "$cap" ip or ip6
	no_sa=$(glob 'out: no SA')
	west ping -q -I 10.1.0.1 -c 6 -i 0.2 -W 1 10.2.0.1 > /dev/null 2>&1
	wire_capture_stop
	check_eq "$name: the last numbers on the wire, and none after them" \
		"0xfffffffd 0xfffffffe 0xffffffff" "$(wire_seqs "$cap" "$proto")"
	check_eq "$name: no ICMP in clear on the wire" 0 "$(wire_count "$cap" icmp)"
	wait_until 5 grep -q "expire hard" "$ev"
	check_eq "$name: a hard EXPIRE went out" 1 "$(grep -c "expire hard" "$ev")"
	check_eq "$name: the SA is gone" -1 "$(sa "$spi" packets)"
	check "$name: the traffic after it found no SA (held, ACQUIRE)" \
		test "$(glob 'out: no SA')" -gt "$no_sa"
	kill "$mon" 2>/dev/null
	wait "$mon" 2>/dev/null
}

# One listener for every case (dual-stack, on all of west's addresses),
# warming up while the first cases run: interpreters are slow under TCG.
got=$work/delivered
west "$PY" "$CRAFT" listen :: 7777 "$got" &
lst=$!
delivered() { grep -cx "$1" "$got" 2>/dev/null; }
# send_batch < LINES: esp_craft.py commands from east, in one interpreter.
send_batch() { east "$PY" "$CRAFT" batch; }

if filtered seq; then
	seq_case "ESP" "$work/flow.conf" ESP 0x3000 0xfffffffc
	seq_case "AH" "$work/flow-ah.conf" AH 0x3001 0xfffffffc ah
	seq_case "ESP with ESN at 2^64" "$work/flow.conf" ESP 0x3002 0xfffffffffffffffc esn
fi
check "the listener is up" wait_until 120 grep -q listening "$got"

if filtered replace; then
	west "$IPSECCTL" -F
	check "replace: the flow loads" west "$IPSECCTL" -f "$work/flow.conf"
	check "replace: outbound SA" west "$STATE" add-sa 192.0.2.1 192.0.2.2 0x3100
	check "replace: inbound SA" west "$STATE" add-sa 192.0.2.2 192.0.2.1 0x3101
	k_in=$(sa_key 0x3101)
	cap=$work/replace.pcap
	wire_capture "$cap" esp
	west ping -q -I 10.1.0.1 -c 3 -i 0.2 -W 1 10.2.0.1 > /dev/null 2>&1
	send_batch <<-EOF
	send 192.0.2.2 192.0.2.1 0x3101 1 $k_in r1
	send 192.0.2.2 192.0.2.1 0x3101 2 $k_in r2
	EOF
	wait_until 10 grep -qx r2 "$got"
	check "replace: the outbound SA, replaced with a lifetime" \
		west "$STATE" add-sa 192.0.2.1 192.0.2.2 0x3100 replace hard-packets 1000
	check "replace: the inbound SA, replaced with a lifetime" \
		west "$STATE" add-sa 192.0.2.2 192.0.2.1 0x3101 replace hard-packets 1000
	west ping -q -I 10.1.0.1 -c 2 -i 0.2 -W 1 10.2.0.1 > /dev/null 2>&1
	wire_capture_stop
	check_eq "replace: the outbound counter continues on the wire" \
		"0x1 0x2 0x3 0x4 0x5" "$(tcpdump -n -r "$cap" src 192.0.2.1 2>/dev/null |
			grep -o 'seq=0x[0-9a-f]*' | sed 's/seq=//' | tr '\n' ' ' | sed 's/ $//')"
	check_eq "replace: the packet counter continues" 5 "$(sa 0x3100 packets)"
	send_batch <<-EOF
	send 192.0.2.2 192.0.2.1 0x3101 2 $k_in replayed
	send 192.0.2.2 192.0.2.1 0x3101 3 $k_in r3
	EOF
	wait_until 10 grep -qx r3 "$got"
	check_eq "replace: a replay of a packet from before is refused" 1 \
		"$(sa 0x3101 'replay drops')"
	check_eq "replace: what was delivered" "r1 r2 r3" \
		"$(grep -xE 'r[0-9]|replayed' "$got" | tr '\n' ' ' | sed 's/ $//')"
fi

# Transport-mode SAs from east; frames sent from east's eth0 (any source).
if filtered 'spoof|paged'; then
	west "$IPSECCTL" -F
	check "transport: IPv4 SA from east" \
		west "$STATE" add-sa 192.0.2.2 192.0.2.1 0x3200 transport
	check "transport: IPv6 SA from east" \
		west "$STATE" add-sa 2001:db8::2 2001:db8::1 0x3201 transport
	# Frames past a page, for the paged case.
	for l in west east br0; do
		ip -n "$NS_WIRE" link set "$l" mtu 9000
	done
	ip -n "$NS_WEST" link set eth0 mtu 9000
	ip -n "$NS_EAST" link set eth0 mtu 9000
	mac=$(ip -n "$NS_WEST" -br link show eth0 | awk '{ print $3 }')
	k4=$(sa_key 0x3200) k6=$(sa_key 0x3201)
	pd=$(glob 'in: refused by policy') mal=$(glob 'in: malformed')
	send_batch <<-EOF
	send-l2 eth0 $mac 192.0.2.77 192.0.2.1 0x3200 1 $k4 spoofed
	send-l2 eth0 $mac 192.0.2.2 192.0.2.1 0x3200 1 $k4 genuine
	send-l2 eth0 $mac 192.0.2.2 192.0.2.1 0x3200 2 $k4 paged4 big
	send-l2 eth0 $mac 2001:db8::2 2001:db8::1 0x3201 1 $k6 paged6 dstopts big
	EOF
	big4=$(printf 'paged4%4994s' '' | tr ' ' x)
	big6=$(printf 'paged6%4994s' '' | tr ' ' x)
	wait_until 10 grep -qx "$big6" "$got"
fi

if filtered spoof; then
	check_eq "spoof: a spoofed source is counted on the SA" 1 "$(sa 0x3200 'policy drops')"
	check_eq "spoof: and globally" $((pd + 1)) "$(glob 'in: refused by policy')"
	check_eq "spoof: the spoofed packet is not delivered" 0 "$(delivered spoofed)"
	check_eq "spoof: its sequence number stayed free for the peer" 1 "$(delivered genuine)"
fi

if filtered paged; then
	check_eq "paged: IPv4, all 5000 bytes delivered intact" 1 "$(delivered "$big4")"
	check_eq "paged: IPv6 behind 1 KiB of options, delivered intact" 1 \
		"$(delivered "$big6")"
	check_eq "paged: nothing counted as malformed" "$mal" "$(glob 'in: malformed')"
	check_eq "paged: the IPv6 SA counted it" 1 "$(sa 0x3201 packets)"
fi
kill "$lst" 2>/dev/null
wait 2>/dev/null
finish
