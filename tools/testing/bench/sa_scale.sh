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

ip netns add bench-kipsec
settle; m0=$(kmem_kb); t0=$(now)
ip netns exec bench-kipsec "$ipsecctl" -f "$work/kipsec.conf"
t1=$(now); settle; m1=$(kmem_kb)
got=$(ip netns exec bench-kipsec "$ipsecctl" -s sa -j | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["sas"]))')
ip netns exec bench-kipsec "$ipsecctl" -F
ip netns del bench-kipsec

ip netns add bench-xfrm
settle; x0=$(kmem_kb); u0=$(now)
ip -n bench-xfrm -batch "$work/xfrm.batch"
u1=$(now); settle; x1=$(kmem_kb)
xgot=$(ip -n bench-xfrm xfrm state count 2>/dev/null | awk '{print $NF}' || true)
[ -n "$xgot" ] || xgot=$(ip -n bench-xfrm xfrm state list | grep -c '^src')
ip -n bench-xfrm xfrm state flush
ip netns del bench-xfrm

python3 - "$n" "$got" "$xgot" "$t0" "$t1" "$m0" "$m1" "$u0" "$u1" "$x0" "$x1" <<'PY'
import sys
n, got, xgot = (int(v) for v in sys.argv[1:4])
t0, t1, m0, m1, u0, u1, x0, x1 = (float(v) for v in sys.argv[4:])
kt, xt = t1 - t0, u1 - u0
km, xm = (m1 - m0) * 1024 / n, (x1 - x0) * 1024 / n
print(f"sa-scale: {n} SAs, kipsec installed {got}, xfrm installed {xgot}")
print(f"sa-scale: add time   kipsec {kt:8.2f} s   xfrm {xt:8.2f} s   ratio kipsec/xfrm {kt / xt:5.2f} (lower is better)")
print(f"sa-scale: memory/SA  kipsec {km:8.0f} B   xfrm {xm:8.0f} B   ratio kipsec/xfrm {km / xm:5.2f} (lower is better)")
if got != n:
    sys.exit("sa-scale: kipsec did not install every SA")
PY
rm -rf "$work"
