#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Benchmark: IKEv1 negotiations per second and memory per tunnel, ipsecd
# against ipsecd next to strongSwan's charon against charon, in the same VM
# run (under QEMU TCG only the ratios mean something).
#
# N tunnels (KIPSEC_BENCH_IKE_N, default 32) between two gateways, each
# between its own pair of addresses, so that each needs a Main Mode (PSK,
# AES-128/SHA2-256/MODP2048) and a Quick Mode (AES-128-GCM with PFS
# MODP2048).  The responder loads its N passive rules first; the clock runs
# from the moment the initiator loads its N active ones to the moment both
# kernels hold all 2N SAs.  Memory per tunnel is the growth of the daemons'
# resident sets (initiator + responder) over the same run, divided by N.
#
# Runs inside the VM: make bench.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
here=$top/tools/testing/selftests/kipsec
n=${KIPSEC_BENCH_IKE_N:-32}
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"
. "$top/tools/testing/bench/bench_lib.sh"

now() { date +%s.%N; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }
xfrm_count() { ip -n "$1" xfrm state | grep -c '^src ' || true; }
sa_count() { ip netns exec "$1" "$IPSECCTL" -s sa | grep -c '^esp ' || true; }

ike_start ikeb
# One address pair per tunnel on the wire's link.
for i in $(seq 1 "$n"); do
	ip -n "$NS_WEST" addr add "198.18.1.$i/16" dev eth0
	ip -n "$NS_EAST" addr add "198.18.2.$i/16" dev eth0
done
main="auth hmac-sha2-256 enc aes-128 group modp2048"
quick="enc aes-128-gcm group modp2048"
for i in $(seq 1 "$n"); do
	echo "ike active esp tunnel from 10.1.$i.0/24 to 10.2.$i.0/24 local 198.18.1.$i peer 198.18.2.$i main $main quick $quick psk \"bench\""
done >"$work/west.conf"
for i in $(seq 1 "$n"); do
	echo "ike passive esp tunnel from 10.2.$i.0/24 to 10.1.$i.0/24 local 198.18.2.$i peer 198.18.1.$i main $main quick $quick psk \"bench\""
done >"$work/east.conf"

# per_tunnel N T0 T1 M0 M1: sets RATE (negotiations/s) and MEM (KiB per
# tunnel) of one round.
per_tunnel() {
	read -r RATE MEM < <(python3 -c 'import sys; n, t0, t1, m0, m1 = map(float, sys.argv[1:]); print(n / (t1 - t0), (m1 - m0) / n)' "$@")
}

# ipsecd_round: one round of ipsecd against ipsecd; sets RATE, MEM and
# FAILS (phase 1 failures).
ipsecd_round() {
	local r0 r1 t0 t1 failed
	ipsecd_start west
	ipsecd_start east
	ctl east -f "$work/east.conf"
	sleep 1
	r0=$(( $(rss_kb "$(cat "$work/west.pid")") + $(rss_kb "$(cat "$work/east.pid")") ))
	t0=$(now)
	ctl west -f "$work/west.conf"
	while [ "$(sa_count "$NS_WEST")" -lt $((2 * n)) ] || [ "$(sa_count "$NS_EAST")" -lt $((2 * n)) ]; do
		sleep 0.1
		if [ "$(echo "$(now) - $t0 > 300" | bc)" = 1 ]; then
			echo "ike bench: ipsecd did not finish: $(sa_count "$NS_WEST") SAs" >&2
			tail -n 20 "$work/west.log" >&2
			exit 1
		fi
	done
	t1=$(now)
	r1=$(( $(rss_kb "$(cat "$work/west.pid")") + $(rss_kb "$(cat "$work/east.pid")") ))
	failed=$(ctl west -s ike -v | awk '/^phase 1:/ { print $5 }')
	ipsecd_stop west
	ipsecd_stop east
	ip netns exec "$NS_WEST" "$IPSECCTL" -F >/dev/null
	ip netns exec "$NS_EAST" "$IPSECCTL" -F >/dev/null
	per_tunnel "$n" "$t0" "$t1" "$r0" "$r1"
	FAILS=${failed:-0}
}

swan_conf() {	# swan_conf SIDE START
	local side=$1 start=$2 me=1 peer=2 l=1 r=2
	[ "$side" = east ] && me=2 peer=1 l=2 r=1
	echo "connections {"
	for i in $(seq 1 "$n"); do
		cat <<EOF
	t$i {
		version = 1
		local_addrs = 198.18.$me.$i
		remote_addrs = 198.18.$peer.$i
		proposals = aes128-sha256-modp2048
		rekey_time = 0
		reauth_time = 0
		local { auth = psk
			id = 198.18.$me.$i }
		remote { auth = psk
			id = 198.18.$peer.$i }
		children { t$i {
			local_ts = 10.$l.$i.0/24
			remote_ts = 10.$r.$i.0/24
			esp_proposals = aes128gcm16-modp2048
			start_action = $start
			rekey_time = 0 } }
	}
EOF
	done
	echo "}"
	echo "secrets { ike-all { secret = \"bench\" } }"
}

# charon_round: the same with strongSwan's charon on both sides; sets RATE
# and MEM.
charon_round() {
	local cw ce s0 s1 u0 u1
	charon_start west
	charon_start east
	swan_conf east none >"$work/swan-east/swanctl.conf"
	swan_conf west start >"$work/swan-west/swanctl.conf"
	swan east --load-all --file "$work/swan-east/swanctl.conf" >/dev/null
	sleep 1
	cw=$(cat "$work/swan-west.pid") ce=$(cat "$work/swan-east.pid")
	s0=$(( $(rss_kb "$cw") + $(rss_kb "$ce") ))
	u0=$(now)
	swan west --load-all --file "$work/swan-west/swanctl.conf" >/dev/null
	while [ "$(xfrm_count "$NS_WEST")" -lt $((2 * n)) ] || [ "$(xfrm_count "$NS_EAST")" -lt $((2 * n)) ]; do
		sleep 0.1
		if [ "$(echo "$(now) - $u0 > 300" | bc)" = 1 ]; then
			echo "ike bench: charon did not finish: $(xfrm_count "$NS_WEST") states" >&2
			exit 1
		fi
	done
	u1=$(now)
	s1=$(( $(rss_kb "$cw") + $(rss_kb "$ce") ))
	charon_stop west
	charon_stop east
	per_tunnel "$n" "$u0" "$u1" "$s0" "$s1"
}

rate=() mem=() fails=0
for _ in $(seq "$BENCH_ROUNDS"); do
	ipsecd_round
	ir=$RATE im=$MEM fails=$((fails + FAILS))
	charon_round
	rate+=("$(bench_div "$ir" "$RATE")") mem+=("$(bench_div "$im" "$MEM")")
done
echo "ike: $n tunnels a round (Main Mode PSK AES-128/SHA2-256/MODP2048 + Quick Mode AES-128-GCM, PFS MODP2048)"
[ "$fails" -eq 0 ] || echo "ike: ipsecd: $fails phase 1 failures over the rounds"
bench_ratio "ike: negotiation rate" "ratio ipsecd/strongSwan" higher "${rate[@]}"
bench_ratio "ike: memory per tunnel (both daemons)" "ratio ipsecd/strongSwan" lower "${mem[@]}"
