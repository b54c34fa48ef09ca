#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Route-based tunnel throughput: the two-gateway topology (selftests
# topology.sh) joined by a kipsec interface on both gateways, against an
# XFRM interface (if_id) on both, same AES-GCM-128 SAs and keys, in the same
# VM run.  TCP single-stream throughput (iperf3) between the LANs routed
# into the interfaces; the ratio kipsec/XFRM is the median of interleaved
# rounds (bench_lib.sh).  Each run also checks that the wire carried ESP
# only.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$top/tools/testing/selftests/kipsec/topology.sh"
. "$top/tools/testing/bench/bench_lib.sh"
ipsecctl=$top/userspace/ipsecctl/ipsecctl
secs=${KIPSEC_BENCH_SECONDS:-10}
work=$(mktemp -d)

key1=0x$(printf 'kipsec bench key 1..' | od -An -tx1 | tr -d ' \n')
key2=0x$(printf 'kipsec bench key 2..' | od -An -tx1 | tr -d ' \n')

# route_lan NS DEV NET: the other side's LAN into the tunnel interface.
route_lan() { ip -n "$1" link set "$2" up && ip -n "$1" route replace "$3" dev "$2"; }

xfrm_setup() {
	local ns me peer net
	for ns in "$NS_WEST" "$NS_EAST"; do
		ip -n "$ns" link add tun0 type xfrm dev eth0 if_id 7
		ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \
			aead 'rfc4106(gcm(aes))' "$key1" 128 if_id 7
		ip -n "$ns" xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 mode tunnel \
			aead 'rfc4106(gcm(aes))' "$key2" 128 if_id 7
	done
	for ns in "$NS_WEST" "$NS_EAST"; do
		if [ "$ns" = "$NS_WEST" ]; then
			me=192.0.2.1 peer=192.0.2.2 net=10.2.0.0/24
		else
			me=192.0.2.2 peer=192.0.2.1 net=10.1.0.0/24
		fi
		ip -n "$ns" xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir out \
			tmpl src $me dst $peer proto esp mode tunnel if_id 7
		ip -n "$ns" xfrm policy add src 0.0.0.0/0 dst 0.0.0.0/0 dir in \
			tmpl src $peer dst $me proto esp mode tunnel if_id 7
		route_lan "$ns" tun0 $net
	done
}

kipsec_setup() {
	local ns net
	echo "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 enc aes-128-gcm enckey $key1:$key2 interface tun0" \
		> "$work/sa.conf"
	for ns in "$NS_WEST" "$NS_EAST"; do
		net=10.1.0.0/24
		[ "$ns" = "$NS_WEST" ] && net=10.2.0.0/24
		ip -n "$ns" link add tun0 type kipsec
		ip netns exec "$ns" "$ipsecctl" -f "$work/sa.conf"
		route_lan "$ns" tun0 $net
	done
}

# measure STACK: prints the TCP throughput in Mbit/s.
measure() {
	local stack=$1 tcp esp clear
	topo_up "bifc"
	"${stack}_setup"
	ip netns exec "$NS_EAST" iperf3 -s -D -B 10.2.0.1 -1 --logfile "$work/srv.log"
	sleep 0.5
	# Everything on the bridge: a clear inner packet would show its LAN addresses.
	wire_capture "$work/wire.pcap" -c 2000
	tcp=$(ip netns exec "$NS_WEST" iperf3 -c 10.2.0.1 -B 10.1.0.1 -t "$secs" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)')
	wire_capture_stop
	esp=$(wire_count "$work/wire.pcap" esp)
	clear=$(wire_count "$work/wire.pcap" not esp and not arp and not icmp6)
	if [ "$esp" -lt 100 ] || [ "$clear" -ne 0 ]; then
		echo "bench: $stack interface: wire shows $esp ESP and $clear clear-text packets" >&2
		exit 1
	fi
	topo_down
	echo "$tcp"
}

modprobe -q esp4 2>/dev/null || true
modprobe -q xfrm_interface 2>/dev/null || true
here=$top/tools/testing/selftests/kipsec . "$top/tools/testing/selftests/kipsec/lib.sh"
load_module

ratios=() kabs=() xabs=()
for _ in $(seq "$BENCH_ROUNDS"); do
	xt=$(measure xfrm)
	kt=$(measure kipsec)
	ratios+=("$(bench_div "$kt" "$xt")") kabs+=("$kt") xabs+=("$xt")
done
echo "iface: tcp Mbit/s per round: kipsec ${kabs[*]}, xfrm ${xabs[*]}"
bench_ratio "iface: aes-128-gcm tcp, kipsec interface vs xfrm interface" "ratio kipsec/xfrm" higher "${ratios[@]}"
rm -rf "$work"
