#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: install N ESP SAs (AES-128-GCM, tunnel mode) through kipsec
# (ipsecctl -f, one netlink request per SA) and through Linux XFRM
# (ip -batch of `ip xfrm state add`, one netlink request per SA), each in a
# fresh namespace of the same VM.  Reports time and kernel memory per SA
# (growth of Slab + Percpu in /proc/meminfo), and kipsec/XFRM ratios.
#
# Runs inside the VM: make bench.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
ipsecctl=$top/userspace/ipsecctl/ipsecctl
n=${KIPSEC_BENCH_SAS:-100000}
work=$(mktemp -d)
. "$top/tools/testing/bench/bench_lib.sh"

kmem_kb() {	# slab + per-cpu allocations, in kB
	awk '/^(Slab|Percpu):/ { s += $2 } END { print s }' /proc/meminfo
}
settle() { sync; echo 3 > /proc/sys/vm/drop_caches; sleep 1; }
now() { date +%s.%N; }
key=0x$(printf '%040x' 7)
key2=0x$(printf '%040x' 8)

# The same SAs in both files: a pair per peer, as a gateway with many
# peers holds them (with one peer for all, XFRM's hash by destination is a
# single chain and its add time grows with the square of n), SPIs 0x1000
# upward, and a key per direction.
awk -v n="$n" -v key="$key" -v key2="$key2" 'BEGIN {
	for (i = 0; i < n / 2; i++) {
		a = sprintf("0x%x", 4096 + 2 * i); b = sprintf("0x%x", 4097 + 2 * i)
		peer = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256)
		printf "esp tunnel from 192.0.2.1 to %s spi %s:%s enc aes-128-gcm enckey %s:%s\n", peer, a, b, key, key2
	}
}' > "$work/kipsec.conf"
awk -v n="$n" -v key="$key" -v key2="$key2" 'BEGIN {
	for (i = 0; i < n / 2; i++) {
		peer = sprintf("10.%d.%d.%d", int(i / 65536), int(i / 256) % 256, i % 256)
		printf "xfrm state add src 192.0.2.1 dst %s proto esp spi 0x%x mode tunnel aead rfc4106(gcm(aes)) %s 128\n", peer, 4096 + 2 * i, key
		printf "xfrm state add src %s dst 192.0.2.1 proto esp spi 0x%x mode tunnel aead rfc4106(gcm(aes)) %s 128\n", peer, 4097 + 2 * i, key2
	}
}' > "$work/xfrm.batch"

# lib.sh's load_module resolves the module's dependencies first.
here=$top/tools/testing/selftests/kipsec . "$top/tools/testing/selftests/kipsec/lib.sh"
load_module
modprobe -q xfrm_user 2>/dev/null || true
modprobe -q esp4 2>/dev/null || true

# kipsec_round / xfrm_round: install the N SAs in a fresh namespace; set
# TIME (s) and MEM (bytes per SA), and check that all N went in.
kipsec_round() {
	local t0 t1 m0 m1 got
	ip netns add bench-kipsec
	settle; m0=$(kmem_kb); t0=$(now)
	ip netns exec bench-kipsec "$ipsecctl" -f "$work/kipsec.conf"
	t1=$(now); settle; m1=$(kmem_kb)
	got=$(ip netns exec bench-kipsec "$ipsecctl" -s sa -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))')
	ip netns exec bench-kipsec "$ipsecctl" -F
	ip netns del bench-kipsec
	[ "$got" -eq "$n" ] || { echo "sa-scale: kipsec installed $got of $n SAs" >&2; exit 1; }
	per_sa "$t0" "$t1" "$m0" "$m1"
}

xfrm_round() {
	local t0 t1 m0 m1 got
	ip netns add bench-xfrm
	settle; m0=$(kmem_kb); t0=$(now)
	ip -n bench-xfrm -batch "$work/xfrm.batch"
	t1=$(now); settle; m1=$(kmem_kb)
	got=$(ip -n bench-xfrm xfrm state list | grep -c '^src')
	ip -n bench-xfrm xfrm state flush
	ip netns del bench-xfrm
	[ "$got" -eq "$n" ] || { echo "sa-scale: xfrm installed $got of $n SAs" >&2; exit 1; }
	per_sa "$t0" "$t1" "$m0" "$m1"
}

per_sa() {
	read -r TIME MEM < <(python3 -c 'import sys; n, t0, t1, m0, m1 = map(float, sys.argv[1:]); print(t1 - t0, (m1 - m0) * 1024 / n)' "$n" "$@")
}

time=() mem=()
for _ in $(seq "$BENCH_ROUNDS"); do
	xfrm_round
	xt=$TIME xm=$MEM
	kipsec_round
	time+=("$(bench_div "$TIME" "$xt")") mem+=("$(bench_div "$MEM" "$xm")")
done
echo "sa-scale: $n SAs a round (AES-128-GCM tunnel SAs, a pair per peer)"
bench_ratio "sa-scale: add time" "ratio kipsec/xfrm" lower "${time[@]}"
bench_ratio "sa-scale: memory per SA" "ratio kipsec/xfrm" lower "${mem[@]}"
rm -rf "$work"
