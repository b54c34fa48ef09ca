#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP-in-UDP benchmark (RFC 3948): the two-gateway topology of the
# selftests (topology.sh, no NAT: the cost measured is the encapsulation's)
# protected with AES-GCM-128 in UDP on port 4500 by Linux XFRM ("encap
# espinudp", with the UDP_ENCAP socket its input needs) and by kipsec
# ("udpencap", no socket), in the same VM run.  TCP single-stream
# throughput (iperf3) and the rate of 64-byte UDP datagrams delivered, as
# kipsec/XFRM ratios, each the median of interleaved rounds (bench_lib.sh).
# Each run also checks that the wire carried UDP 4500 only.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$top/tools/testing/selftests/kipsec/topology.sh"
. "$top/tools/testing/bench/bench_lib.sh"
ipsecctl=$top/userspace/ipsecctl/ipsecctl
udp_helper=$top/tools/testing/selftests/kipsec/natt_udp.py
secs=${KIPSEC_BENCH_SECONDS:-10}
work=$(mktemp -d)
socks=()

key1=0x$(printf 'kipsec bench key 1..' | od -An -tx1 | tr -d ' \n')
key2=0x$(printf 'kipsec bench key 2..' | od -An -tx1 | tr -d ' \n')

# XFRM receives ESP in UDP only through a socket with UDP_ENCAP_ESPINUDP.
encap_sockets() {
	local ns
	for ns in "$NS_WEST" "$NS_EAST"; do
		ip netns exec "$ns" python3 "$udp_helper" encap 0.0.0.0 4500 > "$work/sock.$ns" &
		socks+=($!)
		for _ in $(seq 50); do
			grep -q ready "$work/sock.$ns" && break
			sleep 0.1
		done
	done
}

xfrm_setup() {
	local ns a1="aead rfc4106(gcm(aes)) $key1 128" a2="aead rfc4106(gcm(aes)) $key2 128"
	local e="encap espinudp 4500 4500 0.0.0.0"
	encap_sockets
	for ns in "$NS_WEST" "$NS_EAST"; do
		ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel $a1 $e
		ip -n "$ns" xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 mode tunnel $a2 $e
	done
	ip -n "$NS_WEST" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
	ip -n "$NS_WEST" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
	ip -n "$NS_EAST" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir out tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
	ip -n "$NS_EAST" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir in tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
}

kipsec_setup() {
	local sa="enc aes-128-gcm enckey $key1:$key2 udpencap"
	cat > "$work/west.conf" <<CONF
flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2
esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 $sa
CONF
	cat > "$work/east.conf" <<CONF
flow esp from 10.2.0.0/24 to 10.1.0.0/24 local 192.0.2.2 peer 192.0.2.1
esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 $sa
CONF
	ip netns exec "$NS_WEST" "$ipsecctl" -f "$work/west.conf"
	ip netns exec "$NS_EAST" "$ipsecctl" -f "$work/east.conf"
}

teardown() {
	local pid
	for pid in "${socks[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	socks=()
	topo_down
}

# measure STACK: prints "tcp_mbps udp_pps"
measure() {
	local stack=$1 tcp udp encap other
	topo_up "bnatt"
	"${stack}_setup"
	ip netns exec "$NS_EAST" iperf3 -s -D -B 10.2.0.1 -1 --logfile "$work/srv1.log"
	sleep 0.5
	wire_capture "$work/wire.pcap" -c 2000 host 192.0.2.1 and host 192.0.2.2
	tcp=$(ip netns exec "$NS_WEST" iperf3 -c 10.2.0.1 -B 10.1.0.1 -t "$secs" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)')
	wire_capture_stop
	encap=$(wire_count "$work/wire.pcap" udp port 4500)
	other=$(wire_count "$work/wire.pcap" not udp port 4500 and not arp and not icmp6)
	if [ "$encap" -lt 100 ] || [ "$other" -ne 0 ]; then
		echo "bench: natt/$stack: wire shows $encap ESP-in-UDP and $other other packets" >&2
		exit 1
	fi
	ip netns exec "$NS_EAST" iperf3 -s -D -B 10.2.0.1 -1 --logfile "$work/srv2.log"
	sleep 0.5
	udp=$(ip netns exec "$NS_WEST" iperf3 -c 10.2.0.1 -B 10.1.0.1 -u -l 64 -b 0 -t "$secs" -J |
		python3 -c 'import json,sys; s = json.load(sys.stdin)["end"]["sum"]; print((s["packets"] - s["lost_packets"]) / s["seconds"])')
	teardown
	echo "$tcp $udp"
}

modprobe -q esp4 2>/dev/null || true
here=$top/tools/testing/selftests/kipsec . "$top/tools/testing/selftests/kipsec/lib.sh"
load_module
# measure() runs in a subshell and tears its topology down itself.
trap 'rm -rf "$work"' EXIT

tcp=() udp=()
for _ in $(seq "$BENCH_ROUNDS"); do
	read -r xt xu < <(measure xfrm)
	read -r kt ku < <(measure kipsec)
	echo "# round: xfrm $xt Mbit/s $xu pps, kipsec $kt Mbit/s $ku pps"
	tcp+=("$(bench_div "$kt" "$xt")") udp+=("$(bench_div "$ku" "$xu")")
done
bench_ratio "natt: aes-128-gcm in udp tcp" "ratio kipsec/xfrm" higher "${tcp[@]}"
bench_ratio "natt: aes-128-gcm in udp udp-64 pps" "ratio kipsec/xfrm" higher "${udp[@]}"
