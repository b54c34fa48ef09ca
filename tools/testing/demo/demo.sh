#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kipsec demo, run inside the VM by `make demo`: two gateways, west and
# east, each in its own network namespace, joined through a bridge in a third
# ("wire") namespace.  ipsecd runs on each side; ipsecctl hands each its
# ike rule; they negotiate (their logs show it as it happens), install the
# SAs in kipsec.ko, and traffic then crosses the wire as ESP only.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
here=$top/tools/testing/demo
ipsecctl=$top/userspace/ipsecctl/ipsecctl
ipsecd=$top/userspace/ipsecd/ipsecd
run=$(mktemp -d)

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "loading kipsec.ko"
# insmod does not load what the module needs (nf_defrag_ipv6): modprobe it first.
for dep in $(modinfo -F depends "$top/kipsec.ko" | tr , ' '); do modprobe "$dep"; done
insmod "$top/kipsec.ko"
genl ctrl get name kipsec | head -n 2

step "building the topology: west (192.0.2.1, 10.1.0.0/24) -- wire -- east (192.0.2.2, 10.2.0.0/24)"
ip netns add wire
ip -n wire link add br0 type bridge
ip -n wire link set br0 up
for side in west east; do
	ip netns add $side
	ip link add $side-eth0 netns $side type veth peer name $side netns wire
	ip -n wire link set $side master br0 up
	ip -n $side link set lo up
	ip -n $side link set $side-eth0 name eth0 up
done
ip -n west addr add 192.0.2.1/24 dev eth0
ip -n east addr add 192.0.2.2/24 dev eth0
ip -n west link add lan0 type dummy; ip -n west link set lan0 up
ip -n east link add lan0 type dummy; ip -n east link set lan0 up
ip -n west addr add 10.1.0.1/24 dev lan0
ip -n east addr add 10.2.0.1/24 dev lan0
ip -n west route add 10.2.0.0/24 via 192.0.2.2
ip -n east route add 10.1.0.0/24 via 192.0.2.1

# The first AEAD SA of a boot loads crypto modules and seeds the kernel's
# DRBG: seconds under emulation.  Done here, not during the negotiation.
k=0x$(printf '%072d' 1)
echo "esp from 192.0.2.1 to 192.0.2.2 spi 0x100 enc aes-256-gcm enckey $k" | "$ipsecctl" -f -
"$ipsecctl" -F

step "starting ipsecd on both gateways (their logs follow, prefixed)"
for side in west east; do
	ip netns exec $side "$ipsecd" -v -S "$run/$side.sock" >"$run/$side.log" 2>&1 &
	echo $! >"$run/$side.pid"
	# The log follows until its ipsecd exits.
	tail -n +1 -F --pid="$(cat "$run/$side.pid")" "$run/$side.log" 2>/dev/null |
		sed -u "s/^/    [$side ipsecd] /" &
done
for side in west east; do
	while [ ! -S "$run/$side.sock" ]; do sleep 0.1; done
done
ctl() { local side=$1; shift; ip netns exec "$side" "$ipsecctl" -S "$run/$side.sock" "$@"; }

for side in east west; do
	step "$side: ipsecctl -f $side.conf (the pre-shared key is read from demo.psk)"
	grep -v '^#' "$here/$side.conf" | sed '/^$/d; s/^/    /'
	ctl $side -f "$here/$side.conf"
done
step "negotiating..."
for _ in $(seq 100); do
	[ "$(ip netns exec east "$ipsecctl" -s sa | grep -c '^esp')" = 2 ] && break
	sleep 0.2
done
sleep 0.5

for side in west east; do
	step "$side: ipsecctl -s all (flows installed by ipsecd, SAs it negotiated, its IKE SAs)"
	ctl $side -s all
done
step "west: ipsecctl -s ike -j"
ctl west -s ike -j

step "traffic: west 10.1.0.1 pings east 10.2.0.1; the wire (a capture on the bridge) sees only ESP"
ip netns exec wire tcpdump -i br0 -n -l -c 6 ip 2>/dev/null > "$run/wire" &
dump=$!
sleep 1
ip netns exec west ping -c 3 -I 10.1.0.1 10.2.0.1
wait $dump
sed 's/^/    wire: /' "$run/wire"
step "west: ipsecctl -s sa -v (the SAs counted the traffic)"
ctl west -s sa -v

step "stopping ipsecd on both sides: it deletes its SAs, tells the peer, removes its flows"
for side in west east; do
	kill "$(cat "$run/$side.pid")"
	wait "$(cat "$run/$side.pid")" 2>/dev/null || true
done
sleep 0.5
step "what is left in the kernels"
for side in west east; do
	echo "    $side:"
	ip netns exec $side "$ipsecctl" -s all | sed 's/^/        /'
done
rm -rf "$run"
for side in west east wire; do ip netns del $side; done
rmmod kipsec
step "done"
