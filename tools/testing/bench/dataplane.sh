#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Data-plane benchmark: the same two-gateway topology (selftests topology.sh)
# protected by Linux XFRM and by kipsec with the same transform and keys,
# in the same VM run.  TCP single-stream throughput (iperf3) and the rate of
# 64-byte UDP datagrams delivered, for AES-GCM-128 and AES-CBC-128 with
# HMAC-SHA2-256.  Prints kipsec/XFRM ratios, each the median of interleaved
# rounds (bench_lib.sh); absolute numbers under TCG mean nothing.  Each run
# also checks the wire carried ESP only.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$top/tools/testing/selftests/kipsec/topology.sh"
. "$top/tools/testing/bench/bench_lib.sh"
ipsecctl=$top/userspace/ipsecctl/ipsecctl
secs=${KIPSEC_BENCH_SECONDS:-10}
work=$(mktemp -d)

gcm_key=0x$(printf 'kipsec bench key 1..' | od -An -tx1 | tr -d ' \n')
gcm_key2=0x$(printf 'kipsec bench key 2..' | od -An -tx1 | tr -d ' \n')
cbc_key=0x$(printf '%032x' 11)
cbc_key2=0x$(printf '%032x' 12)
hmac_key=0x$(printf '%064x' 13)
hmac_key2=0x$(printf '%064x' 14)

# xfrm_setup CIPHER: the tunnel 10.1.0.0/24 <-> 10.2.0.0/24 with ip xfrm.
xfrm_setup() {
	local ns dir alg1 alg2
	case $1 in
	gcm) alg1="aead rfc4106(gcm(aes)) $gcm_key 128"; alg2="aead rfc4106(gcm(aes)) $gcm_key2 128" ;;
	cbc) alg1="enc cbc(aes) $cbc_key auth-trunc hmac(sha256) $hmac_key 128"
	     alg2="enc cbc(aes) $cbc_key2 auth-trunc hmac(sha256) $hmac_key2 128" ;;
	esac
	for ns in "$NS_WEST" "$NS_EAST"; do
		ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel $alg1
		ip -n "$ns" xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 mode tunnel $alg2
	done
	ip -n "$NS_WEST" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
	ip -n "$NS_WEST" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
	ip -n "$NS_EAST" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir out tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
	ip -n "$NS_EAST" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir in tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
}

# kipsec_setup CIPHER: the same tunnel with ipsecctl.
kipsec_setup() {
	local sa
	case $1 in
	gcm) sa="enc aes-128-gcm enckey $gcm_key:$gcm_key2" ;;
	cbc) sa="enc aes-128 enckey $cbc_key:$cbc_key2 auth hmac-sha2-256 authkey $hmac_key:$hmac_key2" ;;
	esac
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

# measure STACK CIPHER: prints "tcp_mbps udp_pps"
measure() {
	local stack=$1 cipher=$2 tcp udp esp clear
	topo_up "bench"
	"${stack}_setup" "$cipher"
	ip netns exec "$NS_EAST" iperf3 -s -D -B 10.2.0.1 -1 --logfile "$work/srv1.log"
	sleep 0.5
	wire_capture "$work/wire.pcap" -c 2000 host 192.0.2.1 and host 192.0.2.2
	tcp=$(ip netns exec "$NS_WEST" iperf3 -c 10.2.0.1 -B 10.1.0.1 -t "$secs" -J |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)')
	wire_capture_stop
	esp=$(wire_count "$work/wire.pcap" esp)
	clear=$(wire_count "$work/wire.pcap" not esp and not arp and not icmp6)
	if [ "$esp" -lt 100 ] || [ "$clear" -ne 0 ]; then
		echo "bench: $stack/$cipher: wire shows $esp ESP and $clear clear-text packets" >&2
		exit 1
	fi
	ip netns exec "$NS_EAST" iperf3 -s -D -B 10.2.0.1 -1 --logfile "$work/srv2.log"
	sleep 0.5
	udp=$(ip netns exec "$NS_WEST" iperf3 -c 10.2.0.1 -B 10.1.0.1 -u -l 64 -b 0 -t "$secs" -J |
		python3 -c 'import json,sys; s = json.load(sys.stdin)["end"]["sum"]; print((s["packets"] - s["lost_packets"]) / s["seconds"])')
	topo_down
	echo "$tcp $udp"
}

modprobe -q esp4 2>/dev/null || true
# lib.sh's load_module resolves the module's dependencies first.
here=$top/tools/testing/selftests/kipsec . "$top/tools/testing/selftests/kipsec/lib.sh"
load_module

for cipher in gcm cbc; do
	tcp=() udp=()
	for _ in $(seq "$BENCH_ROUNDS"); do
		read -r xt xu < <(measure xfrm "$cipher")
		read -r kt ku < <(measure kipsec "$cipher")
		tcp+=("$(bench_div "$kt" "$xt")") udp+=("$(bench_div "$ku" "$xu")")
	done
	case $cipher in
	gcm) name=aes-128-gcm ;;
	cbc) name=aes-128-cbc+hmac-sha2-256 ;;
	esac
	bench_ratio "dataplane: $name tcp" "ratio kipsec/xfrm" higher "${tcp[@]}"
	bench_ratio "dataplane: $name udp-64 pps" "ratio kipsec/xfrm" higher "${udp[@]}"
done
rm -rf "$work"
