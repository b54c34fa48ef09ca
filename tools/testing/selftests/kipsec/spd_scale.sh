#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The SPD with 100 000 policies (issue 9): west holds that many unrelated
# outbound tunnel policies around one real tunnel to east (XFRM), plus a
# few policies that overlap the tunnel's traffic, and the first match by
# priority, then by insertion order (RFC 4301 §4.4.1), must decide:
#
#   priority 5     deny   udp 10.1.0.0/24 -> 10.2.0.0/24 port 9
#   priority 10    bypass udp 10.1.0.1 -> 10.2.0.1 port 7
#   priority 1000  esp    10.1.0.0/24 <-> 10.2.0.0/24 (the tunnel, in the middle)
#   priority 1000  deny   10.1.0.0/23 -> 10.2.0.0/23 (same priority, added later)
#   priority 2000  deny   10.1.0.0/16 -> 10.2.0.0/16
#
# Proof on the wire and in counters: pings carried as ESP (SA counters on
# both sides), UDP to port 7 in clear, UDP to port 9 nowhere on the wire and
# counted as discarded.  Then the tunnel's policy is deleted (traffic to
# east is refused by the /23 deny) and added again (protected again), and
# a flush leaves no policy.
#
# KIPSEC_SPD_POLICIES sets the number of unrelated policies.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

n=${KIPSEC_SPD_POLICIES:-100000}
dp_start
topo_up spd
dp_addresses tunnel 4
key1=$(key_hex 20 spd1) key2=$(key_hex 20 spd2)

# The unrelated policies, in four mask tuples (host pairs, /24 pairs with
# spread priorities, host pairs with a UDP port, /16 to a host at priority
# 1), none matching 10.1/16 -> 10.2/16; unrelated N FIRST.
unrelated() {
	awk -v n="$1" -v from="$2" 'BEGIN {
		for (i = from; i < from + n; i++) {
			a = int(i / 65536) % 64; b = int(i / 256) % 256; c = i % 256; j = int(i / 4)
			peer = sprintf("192.0.2.%d", 3 + i % 200)
			if (i % 4 == 0)
				printf "flow esp out from 172.%d.%d.%d to 100.%d.%d.%d peer %s\n", 16 + a, b, c, 64 + a, b, c, peer
			else if (i % 4 == 1)
				printf "flow esp out from 172.%d.%d.0/24 to 100.%d.%d.0/24 peer %s priority %d\n", 16 + int(j / 65536) % 16, int(j / 256) % 256, 64 + int(j / 256) % 64, j % 256, peer, i % 3000
			else if (i % 4 == 2)
				printf "flow esp out proto udp from 172.%d.%d.%d to 100.%d.%d.%d port %d peer %s\n", 16 + a, b, c, 64 + a, b, c, 1 + i % 60000, peer
			else
				printf "flow esp out from 198.%d.0.0/16 to 100.%d.%d.%d peer %s priority 1\n", 18 + a % 2, 64 + a, b, c, peer
		}
	}'
}

tunnel_flow="flow esp from $W_NET to $E_NET local $W_OUT peer $E_OUT"
{
	unrelated $((n / 2)) 0
	echo "flow out proto udp from 10.1.0.0/24 to 10.2.0.0/24 port 9 type deny priority 5"
	echo "flow out proto udp from 10.1.0.1 to 10.2.0.1 port 7 type bypass priority 10"
	echo "flow out from 10.1.0.0/16 to 10.2.0.0/16 type deny priority 2000"
	echo "$tunnel_flow"
	echo "flow out from 10.1.0.0/23 to 10.2.0.0/23 type deny"
	echo "esp tunnel from $W_OUT to $E_OUT spi 0x1000:0x1001 enc aes-128-gcm enckey $key1:$key2"
	unrelated $((n - n / 2)) $((n / 2))
} >"$work/west.conf"
# The tunnel's outbound policy: deleted and added back below.
printf 'flow esp out from %s to %s peer %s\n' "$W_NET" "$E_NET" "$E_OUT" >"$work/tunnel.conf"

ip -n "$NS_EAST" xfrm state add src "$W_OUT" dst "$E_OUT" proto esp spi 0x1000 mode tunnel \
	aead 'rfc4106(gcm(aes))' "$key1" 128
ip -n "$NS_EAST" xfrm state add src "$E_OUT" dst "$W_OUT" proto esp spi 0x1001 mode tunnel \
	aead 'rfc4106(gcm(aes))' "$key2" 128
ip -n "$NS_EAST" xfrm policy add src "$E_NET" dst "$W_NET" dir out \
	tmpl src "$E_OUT" dst "$W_OUT" proto esp mode tunnel
ip -n "$NS_EAST" xfrm policy add src "$W_NET" dst "$E_NET" dir in \
	tmpl src "$W_OUT" dst "$E_OUT" proto esp mode tunnel

west_policies() { ip netns exec "$NS_WEST" "$STATE" stats | awk '$1 == "policy" { print $2 }'; }

t0=$(date +%s)
check "ipsecctl -f installs $n unrelated policies and the tunnel" \
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
t1=$(date +%s)
# n unrelated, 3 of other actions, the tunnel's two, the /23 deny.
check_eq "west holds $((n + 6)) policies (loaded in $((t1 - t0)) s)" $((n + 6)) "$(west_policies)"

# Everything west sends to east's LAN leaves from west's LAN address.
ip -n "$NS_WEST" route replace "$E_NET" via "$E_OUT" src "$W_LAN"

# udp DST-PORT: one datagram from west's LAN address to east's.
udp() {
	ip netns exec "$NS_WEST" bash -c "echo spd > /dev/udp/$E_LAN/$1" 2>/dev/null || true
}

# The pings of the tunnel and the two UDP datagrams, captured on the wire.
traffic() {
	wire_capture "$work/wire.pcap" host "$W_OUT" or host "$E_OUT" or net 10.0.0.0/8
	sleep 0.5	# tcpdump has written its header, it may not see packets yet
	ip netns exec "$NS_WEST" ping -q -c 5 -i 0.2 -W 2 -I "$W_LAN" "$E_LAN" >"$work/ping" 2>&1
	ping_rc=$?
	udp 7
	udp 9
	sleep 0.5
	wire_capture_stop
	echo "# on the wire:"
	tcpdump -n -r "$work/wire.pcap" 2>/dev/null | detail
}

before_out=$(kipsec_sa_packets "$NS_WEST" 0x1000)
before_discard=$(kipsec_stat "$NS_WEST" "out: discarded by policy")
traffic
check_eq "ping through the tunnel among $n policies" 0 "$ping_rc"
esp=$(wire_count "$work/wire.pcap" esp)
[ "$esp" -ge 6 ] && ok "ESP on the wire ($esp packets)" || not_ok "ESP on the wire: $esp packets"
check_eq "no ICMP in clear on the wire" 0 "$(wire_count "$work/wire.pcap" icmp)"
check_eq "the priority 10 bypass sends UDP to port 7 in clear" 1 \
	"$(wire_count "$work/wire.pcap" udp dst port 7)"
check_eq "the priority 5 deny keeps UDP to port 9 off the wire" 0 \
	"$(wire_count "$work/wire.pcap" udp port 9)"
check_eq "west's outbound SA counted the 5 pings" $((before_out + 5)) \
	"$(kipsec_sa_packets "$NS_WEST" 0x1000)"
check_eq "east's XFRM SA counted them" 5 "$(xfrm_sa_packets "$NS_EAST" "$W_OUT" "$E_OUT" 0x1000)"
check_eq "west counted one datagram discarded by policy" $((before_discard + 1)) \
	"$(kipsec_stat "$NS_WEST" "out: discarded by policy")"

# Without the tunnel's outbound policy, the /23 deny (same priority, later)
# takes the pings: none on the wire.
check "the tunnel's outbound policy is deleted among $n" \
	ip netns exec "$NS_WEST" "$IPSECCTL" -d -f "$work/tunnel.conf"
before_discard=$(kipsec_stat "$NS_WEST" "out: discarded by policy")
traffic
check_fails "ping refused without it" test "$ping_rc" -eq 0
check_eq "no ESP on the wire without it" 0 "$(wire_count "$work/wire.pcap" esp)"
check_eq "no ICMP in clear without it" 0 "$(wire_count "$work/wire.pcap" icmp)"
check_eq "the /23 deny discarded 5 pings and the datagram to port 9" $((before_discard + 6)) \
	"$(kipsec_stat "$NS_WEST" "out: discarded by policy")"

# Added again, now the newest of priority 1000: the /23 deny, older, wins
# unless the tunnel's priority beats it.
printf 'flow esp out from %s to %s peer %s priority 999\n' "$W_NET" "$E_NET" "$E_OUT" \
	>"$work/tunnel.conf"
check "the tunnel's outbound policy is added again (priority 999)" \
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/tunnel.conf"
before_out=$(kipsec_sa_packets "$NS_WEST" 0x1000)
traffic
check_eq "ping through the tunnel again" 0 "$ping_rc"
esp=$(wire_count "$work/wire.pcap" esp)
[ "$esp" -ge 6 ] && ok "ESP on the wire again ($esp packets)" ||
	not_ok "ESP on the wire again: $esp packets"
check_eq "west's outbound SA counted 5 more pings" $((before_out + 5)) \
	"$(kipsec_sa_packets "$NS_WEST" 0x1000)"

t0=$(date +%s)
check "ipsecctl -F flushes $((n + 6)) policies" ip netns exec "$NS_WEST" "$IPSECCTL" -F
t1=$(date +%s)
check_eq "no policy left (flushed in $((t1 - t0)) s)" 0 "$(west_policies)"
finish
