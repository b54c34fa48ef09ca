#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SA lifetimes and ACQUIRE (RFC 4301 §4.4.2.1, §5.1): kipsec on west, XFRM
# on east with SAs that never expire.  West's outbound SA gets soft and hard
# limits in packets, bytes, seconds since added and seconds since first
# use; `ipsecctl -m` must show the soft EXPIRE, then the hard one, in that
# order and at the right moment, and the SA must carry exactly what its
# hard limit allows.  Then a flow without SA: one ACQUIRE for several
# packets, which wait and are delivered once the SA is added.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

dp_start
topo_up life
dp_addresses tunnel 4
k1=$(key_hex 20 life-1) k2=$(key_hex 20 life-2)
# east_fresh: east's XFRM SAs and policies anew, their counters at zero.
east_fresh() {
	ip -n "$NS_EAST" xfrm policy flush
	ip -n "$NS_EAST" xfrm state flush
	dp_xfrm_conf tunnel "aead 'rfc4106(gcm(aes))' ENCKEY 128" "$k1" "" "$k2" ""
}
east_fresh || { not_ok "ip xfrm refused the SAs"; finish; }

events=$work/events
monitor() {
	: > "$events"
	ip netns exec "$NS_WEST" "$IPSECCTL" -m > "$events" 2>&1 &
	MON=$!
	sleep 0.5
}
monitor_stop() { kill "$MON" 2>/dev/null; wait "$MON" 2>/dev/null; }

# load LIMITS: west's flow and SA pair; LIMITS go on the outbound SA only.
load() {
	cat > "$work/west.conf" <<EOF
flow esp from $W_NET to $E_NET local $W_OUT peer $E_OUT
esp tunnel from $W_OUT to $E_OUT spi 0x1000 enc aes-128-gcm enckey $k1 $1
esp tunnel from $E_OUT to $W_OUT spi 0x1001 enc aes-128-gcm enckey $k2
EOF
	ip netns exec "$NS_WEST" "$IPSECCTL" -F
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
}

# pings N SIZE: N echo requests from west's LAN to east's, 0.1 s apart.
pings() {
	ip netns exec "$NS_WEST" ping -q -c "$1" -s "$2" -i 0.1 -W 1 -I "$W_IN" "$E_IN" >/dev/null 2>&1
}

# The expire lines of the events, as "soft" / "hard", for SPI 0x1000.
expiries() {
	grep '^expire ' "$events" | grep 'spi 0x00001000' | awk '{ print $2 }' | tr '\n' ' ' |
		sed 's/ $//'
}

hard_seen() { grep -q '^expire hard .*spi 0x00001000' "$events"; }

# --- packets: soft 5, hard 10, and 20 tried ---
monitor
load "soft packets 5 hard packets 10"
pings 20 56
wait_until 5 hard_seen
monitor_stop
check_eq "packets: soft EXPIRE, then hard EXPIRE, once each" "soft hard" "$(expiries)"
check_eq "packets: the SA is gone after its hard limit" -1 "$(kipsec_sa_packets "$NS_WEST" 0x1000)"
check_eq "packets: the peer received exactly the 10 the hard limit allows" 10 \
	"$(xfrm_sa_packets "$NS_EAST" "$W_OUT" "$E_OUT" 0x1000)"
check "packets: more traffic then asks for a new SA (ACQUIRE)" grep -q '^acquire ' "$events"

# --- bytes: 100-byte pings are 128-byte inner packets: soft after 4, hard after 8 ---
east_fresh
monitor
load "soft bytes 500 hard bytes 1000"
pings 12 100
wait_until 5 hard_seen
monitor_stop
check_eq "bytes: soft EXPIRE, then hard EXPIRE" "soft hard" "$(expiries)"
check_eq "bytes: the peer received the 8 packets within 1000 bytes" 8 \
	"$(xfrm_sa_packets "$NS_EAST" "$W_OUT" "$E_OUT" 0x1000)"

# --- seconds since added: soft 2, hard 4, no traffic needed ---
monitor
load "soft seconds 2 hard seconds 4"
t0=$(date +%s)
wait_until 8 hard_seen
t1=$(date +%s)
monitor_stop
check_eq "seconds: soft EXPIRE, then hard EXPIRE" "soft hard" "$(expiries)"
check "seconds: the hard EXPIRE came 4 to 6 s after the SA was added" \
	test $((t1 - t0)) -ge 4 -a $((t1 - t0)) -le 6

# --- seconds since first use: nothing while unused ---
monitor
load "soft use-seconds 1 hard use-seconds 2"
sleep 3
check_eq "use-seconds: no EXPIRE while the SA is unused" "" "$(expiries)"
t0=$(date +%s)
pings 1 56
wait_until 5 hard_seen
t1=$(date +%s)
monitor_stop
check_eq "use-seconds: soft, then hard, once used" "soft hard" "$(expiries)"
check "use-seconds: the hard EXPIRE came 2 to 4 s after the first packet" \
	test $((t1 - t0)) -ge 2 -a $((t1 - t0)) -le 4

# --- ACQUIRE: one event for several packets, which wait for the SA ---
ip netns exec "$NS_WEST" "$IPSECCTL" -F
acquires=$(kipsec_stat "$NS_WEST" 'ACQUIRE events')
monitor
echo "flow esp from $W_NET to $E_NET local $W_OUT peer $E_OUT" |
	ip netns exec "$NS_WEST" "$IPSECCTL" -f -
ip netns exec "$NS_WEST" ping -c 3 -i 0.2 -W 20 -I "$W_IN" "$E_IN" > "$work/ping" 2>&1 &
PING=$!
acquired() { grep -q '^acquire ' "$events"; }
wait_until 5 acquired
sleep 1
check_eq "acquire: one ACQUIRE for three packets" 1 "$(grep -c '^acquire ' "$events")"
check "acquire: it names the flow and the packet" \
	grep -q "^acquire flow esp out from $W_NET to $E_NET .*packet from $W_IN to $E_IN" "$events"
check_eq "acquire: counted once" $((acquires + 1)) "$(kipsec_stat "$NS_WEST" 'ACQUIRE events')"
# The SAs arrive as ipsecd adds them, inbound first, so that the answers
# to the held packets, which leave as soon as the outbound SA is there,
# find theirs.
{ sed -n 3p "$work/west.conf"; sed -n 2p "$work/west.conf"; } | sed 's/ soft.*//' |
	ip netns exec "$NS_WEST" "$IPSECCTL" -f -
wait "$PING"
monitor_stop
sed 's/^/# ping: /' "$work/ping"
check_eq "acquire: the held echo requests were delivered and answered" "3 received" \
	"$(grep -o '[0-9]* received' "$work/ping")"
check_eq "acquire: still one ACQUIRE" 1 "$(grep -c '^acquire ' "$events")"
finish
