#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kipsec demo, run inside the VM by `make demo`: two gateways, west and
# east, each in its own network namespace, joined through a bridge in a third
# ("wire") namespace.  Each side loads a manually keyed ESP tunnel with
# ipsecctl, and shows what the kernel now holds.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
here=$top/tools/testing/demo
ipsecctl=$top/userspace/ipsecctl/ipsecctl

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

for side in west east; do
	step "$side: ipsecctl -f $side.conf"
	sed 's/^/    /' "$here/$side.conf"
	ip netns exec $side "$ipsecctl" -f "$here/$side.conf"
	step "$side: ipsecctl -s all"
	ip netns exec $side "$ipsecctl" -s all
done

step "west: ipsecctl -s all -j"
ip netns exec west "$ipsecctl" -s all -j

step "traffic: west 10.1.0.1 pings east 10.2.0.1; the wire (a capture on the bridge) sees only ESP"
ip netns exec wire tcpdump -i br0 -n -l -c 6 ip 2>/dev/null > /tmp/demo-wire &
sleep 1
ip netns exec west ping -c 3 -I 10.1.0.1 10.2.0.1
wait
sed 's/^/    wire: /' /tmp/demo-wire
step "west: ipsecctl -s sa -v (the SAs counted the traffic)"
ip netns exec west "$ipsecctl" -s sa -v

step "flushing both sides"
for side in west east; do
	ip netns exec $side "$ipsecctl" -F
	ip netns exec $side "$ipsecctl" -s all
done
for side in west east wire; do ip netns del $side; done
rmmod kipsec
step "done"
