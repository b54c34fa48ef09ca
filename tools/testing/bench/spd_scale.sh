#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# SPD scaling benchmark (issue 9): the rate of 64-byte UDP datagrams
# delivered through one AES-GCM-128 tunnel, west to east, with only the
# tunnel's policies and with KIPSEC_BENCH_POLICIES (100 000) unrelated
# outbound tunnel policies installed on west beside them; the sender is
# kipsec or Linux XFRM with the same policies (ip -batch of `xfrm policy
# add`), the receiver always XFRM.  Four topologies (selftests topology.sh)
# stay up side by side, so that the policies are installed once and each
# round measures all four in turn: XFRM and kipsec with the tunnel alone,
# XFRM and kipsec among N.  Prints kipsec/XFRM with 1 and with N, and each
# stack's own N/1, each the median of the rounds (bench_lib.sh).  Every
# measurement checks that the wire carried ESP and no clear UDP.
#
# Under TCG XFRM takes about 20 ms a policy to install and more as they
# grow (over 20 minutes for 100 000 on a loaded machine);
# KIPSEC_BENCH_SPD_XFRM=0 leaves XFRM among N out and reports kipsec's own
# N/1 and the ratio to XFRM with the tunnel alone.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
. "$top/tools/testing/selftests/kipsec/topology.sh"
. "$top/tools/testing/bench/bench_lib.sh"
ipsecctl=$top/userspace/ipsecctl/ipsecctl
secs=${KIPSEC_BENCH_SECONDS:-10}
n=${KIPSEC_BENCH_POLICIES:-100000}
work=$(mktemp -d)
key1=0x$(printf 'kipsec bench key 1..' | od -An -tx1 | tr -d ' \n')
key2=0x$(printf 'kipsec bench key 2..' | od -An -tx1 | tr -d ' \n')

# The same n unrelated policies for both stacks, in four mask tuples (host
# pairs, /24 pairs with spread priorities, host pairs with a UDP port, /16
# to a host at priority 1), none matching 10.1/16 -> 10.2/16: a line of
# ipsec.conf and the same policy as a line of `ip -batch`.
awk -v n="$n" -v k="$work/kipsec.conf" -v x="$work/xfrm.batch" 'BEGIN {
	for (i = 0; i < n; i++) {
		a = int(i / 65536) % 64; b = int(i / 256) % 256; c = i % 256
		t = i % 4; peer = sprintf("192.0.2.%d", 3 + i % 200); port = ""; proto = ""
		if (t == 0) {
			src = sprintf("172.%d.%d.%d/32", 16 + a, b, c); dst = sprintf("100.%d.%d.%d/32", 64 + a, b, c); prio = 1000
		} else if (t == 1) {
			j = int(i / 4)
			src = sprintf("172.%d.%d.0/24", 16 + int(j / 65536) % 16, int(j / 256) % 256)
			dst = sprintf("100.%d.%d.0/24", 64 + int(j / 256) % 64, j % 256); prio = i % 3000
		} else if (t == 2) {
			src = sprintf("172.%d.%d.%d/32", 16 + a, b, c); dst = sprintf("100.%d.%d.%d/32", 64 + a, b, c); prio = 1000
			proto = "udp"; port = 1 + i % 60000
		} else {
			src = sprintf("198.%d.0.0/16", 18 + a % 2); dst = sprintf("100.%d.%d.%d/32", 64 + a, b, c); prio = 1
		}
		if (proto != "") {
			printf "flow esp out proto udp from %s to %s port %d peer %s priority %d\n", src, dst, port, peer, prio > k
			printf "xfrm policy add src %s dst %s proto udp dport %d dir out priority %d tmpl src 192.0.2.1 dst %s proto esp mode tunnel\n", src, dst, port, prio, peer > x
		} else {
			printf "flow esp out from %s to %s peer %s priority %d\n", src, dst, peer, prio > k
			printf "xfrm policy add src %s dst %s dir out priority %d tmpl src 192.0.2.1 dst %s proto esp mode tunnel\n", src, dst, prio, peer > x
		}
	}
}'

use() { NS_WEST=$1-west NS_EAST=$1-east NS_WIRE=$1-wire; }

# east: XFRM, whichever stack west runs.
east_xfrm() {
	ip -n "$NS_EAST" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$key1" 128
	ip -n "$NS_EAST" xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$key2" 128
	ip -n "$NS_EAST" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir out \
		tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
	ip -n "$NS_EAST" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir in \
		tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
}

west_xfrm() {	# MANY: with the unrelated policies too
	ip -n "$NS_WEST" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x1000 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$key1" 128
	ip -n "$NS_WEST" xfrm state add src 192.0.2.2 dst 192.0.2.1 proto esp spi 0x1001 mode tunnel \
		aead 'rfc4106(gcm(aes))' "$key2" 128
	[ "$1" = 0 ] || ip -n "$NS_WEST" -batch "$work/xfrm.batch"
	ip -n "$NS_WEST" xfrm policy add src 10.1.0.0/24 dst 10.2.0.0/24 dir out priority 1000 \
		tmpl src 192.0.2.1 dst 192.0.2.2 proto esp mode tunnel
	ip -n "$NS_WEST" xfrm policy add src 10.2.0.0/24 dst 10.1.0.0/24 dir in priority 1000 \
		tmpl src 192.0.2.2 dst 192.0.2.1 proto esp mode tunnel
	[ "$1" = 0 ] || [ "$(ip -n "$NS_WEST" xfrm policy count | awk '{ for (i = 1; i < NF; i++) if ($i == "OUT") { print $(i + 1); exit } }')" -gt "$n" ] ||
		{ echo "spd-scale: xfrm holds $(ip -n "$NS_WEST" xfrm policy count)" >&2; exit 1; }
}

west_kipsec() {
	local conf=$work/west-$1.conf
	{
		[ "$1" = 0 ] || head -n $((n / 2)) "$work/kipsec.conf"
		echo "flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2"
		echo "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 enc aes-128-gcm enckey $key1:$key2"
		[ "$1" = 0 ] || tail -n +$((n / 2 + 1)) "$work/kipsec.conf"
	} >"$conf"
	ip netns exec "$NS_WEST" "$ipsecctl" -f "$conf"
}

# udp TOPOLOGY: datagrams per second delivered, ESP on the wire checked.
udp() {
	local pps esp clear
	use "$1"
	ip netns exec "$NS_EAST" iperf3 -s -D -B 10.2.0.1 -1 --logfile "$work/srv-$1.log"
	sleep 0.5
	wire_capture "$work/wire.pcap" -c 500 host 192.0.2.1 and host 192.0.2.2
	pps=$(ip netns exec "$NS_WEST" iperf3 -c 10.2.0.1 -B 10.1.0.1 -u -l 64 -b 0 -t "$secs" -J |
		python3 -c 'import json,sys; s = json.load(sys.stdin)["end"]["sum"]; print((s["packets"] - s["lost_packets"]) / s["seconds"])')
	wire_capture_stop
	esp=$(wire_count "$work/wire.pcap" esp)
	clear=$(wire_count "$work/wire.pcap" udp and not port 5201)
	if [ "$esp" -lt 20 ] || [ "$clear" -ne 0 ]; then
		echo "spd-scale: $1: wire shows $esp ESP and $clear clear UDP packets" >&2
		exit 1
	fi
	echo "$pps"
}

# lib.sh's load_module resolves the module's dependencies first.
here=$top/tools/testing/selftests/kipsec . "$top/tools/testing/selftests/kipsec/lib.sh"
load_module
modprobe -q xfrm_user 2>/dev/null || true
modprobe -q esp4 2>/dev/null || true
topos="sx1 sk1 sxn skn"
[ "${KIPSEC_BENCH_SPD_XFRM:-1}" = 1 ] || topos="sx1 sk1 skn"
trap 'for t in $topos; do use $t; topo_down; done; rm -rf "$work"' EXIT

for t in $topos; do
	topo_up "$t"
	east_xfrm
	t0=$(date +%s)
	case $t in
	sx1) west_xfrm 0 ;;
	sk1) west_kipsec 0 ;;
	sxn) west_xfrm 1 ;;
	skn) west_kipsec 1 ;;
	esac
	echo "# spd-scale: $t set up in $(($(date +%s) - t0)) s" >&2
done

k1=() kn=() ks=() xs=()
for _ in $(seq "$BENCH_ROUNDS"); do
	x1=$(udp sx1) c1=$(udp sk1)
	[[ $topos != *sxn* ]] || xn=$(udp sxn)
	cn=$(udp skn)
	k1+=("$(bench_div "$c1" "$x1")") ks+=("$(bench_div "$cn" "$c1")")
	[[ $topos != *sxn* ]] || { kn+=("$(bench_div "$cn" "$xn")") xs+=("$(bench_div "$xn" "$x1")"); }
done
bench_ratio "spd-scale: udp-64 pps, 1 tunnel policy" "ratio kipsec/xfrm" higher "${k1[@]}"
[[ $topos != *sxn* ]] ||
	bench_ratio "spd-scale: udp-64 pps, $n more policies" "ratio kipsec/xfrm" higher "${kn[@]}"
bench_ratio "spd-scale: udp-64 pps, kipsec with $n more / alone" "ratio" higher "${ks[@]}"
[[ $topos != *sxn* ]] ||
	bench_ratio "spd-scale: udp-64 pps, xfrm with $n more / alone" "ratio" higher "${xs[@]}"
