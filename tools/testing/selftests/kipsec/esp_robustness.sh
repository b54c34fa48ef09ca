#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipsec.ko's state coming and going while traffic flows: kipsec on west,
# Linux XFRM on east, an AES-128-GCM tunnel, floods both ways (ping -f and
# UDP), and meanwhile:
#
#   (a) every flow and SA flushed (ipsecctl -F), loaded again, then the
#       module removed, all under traffic: rmmod must succeed (nothing
#       holds the module: its reference count is 0);
#   (b) the west namespace deleted with live SAs while the flood runs, three
#       times in fresh namespaces; afterwards the module must still go (no
#       namespace exit left hanging), and no device may stay pinned;
#   (c) ten seconds of loading and flushing SAs and flows, deleting them
#       rule by rule and dumping them, racing the traffic and each other;
#       afterwards the databases are consistent and traffic flows;
#   (d) asynchronous crypto: the AEAD kipsec asks for is made asynchronous
#       by a pcrypt instance in front of it (crypto_user), and kprobes on
#       kipsec's completion callbacks prove that the packets went that way;
#       traffic checks out against XFRM, then the namespace is deleted and
#       the module removed with requests in flight.
#       Whether AES-NI's SIMD wrapper falls back to cryptd depends on
#       whether the FPU is usable at that moment (an interrupt taken inside
#       kernel FPU code): it cannot be forced from outside, so pcrypt (always
#       asynchronous) stands in for it.  cryptd's backlog, which a full queue
#       uses, is esp_crypto_backlog.sh's business: a kernel that mishandles
#       it may not survive, and the results here should reach the log first.
#
# After every step: no splat in the kernel log, the databases consistent
# with the counters, no namespace of ours left, the module's reference
# count 0.
set -u
t_start=$SECONDS

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/async_lib.sh"

K1=$(key_hex 20 rob-1) K2=$(key_hex 20 rob-2)
XALG="aead 'rfc4106(gcm(aes))' ENCKEY 128"
# A wide window: floods from two CPUs reorder more than 64 packets.
SA_SPEC="enc aes-128-gcm enckey $K1:$K2 replay 4096"
PREFIX=rb
traffic=()
STUCK=0

stop_traffic() {
	local p
	for p in "${traffic[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${traffic[@]}"; do
		wait "$p" 2>/dev/null
	done
	traffic=()
}

# Our namespaces still there (all start with $PREFIX).
our_netns() { ip netns list | awk -v p="$PREFIX" 'index($1, p) == 1 { print $1 }' | tr '\n' ' '; }

cleanup() {
	stop_traffic
	async_trace_stop
	async_instance_del pcrypt "seqiv(rfc4106(gcm(aes)))" 2>/dev/null
	local ns
	for ns in $(our_netns); do
		kill $(ip netns pids "$ns") 2>/dev/null
		ip netns del "$ns"
	done
	rm -rf "$work"
	# Not after a removal that blocked: loading would wait for it.
	[ "$STUCK" = 1 ] || load_module 2>/dev/null
}

# pair PREFIX: the two gateways, XFRM's SAs on east first (so that a crypto
# instance made afterwards is kipsec's alone), then kipsec's on west.
pair() {
	topo_up "$1"
	dp_addresses tunnel 4
	dp_xfrm_conf tunnel "$XALG" "$K1" "" "$K2" "" || return 1
	dp_kipsec_conf tunnel west "$SA_SPEC" > "$work/west.conf"
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
}

# west_again: west as topology.sh makes it, again, with its SAs, on the
# wire of the last pair (after the old west was deleted).
west_again() {
	local p=${NS_WEST%-west}
	# The old namespace goes in the background, its veth with it.
	wait_until 10 eval '! ip -n "$NS_WIRE" link show west >/dev/null 2>&1' || return 1
	ip netns add "$NS_WEST"
	ip link add "$p-west-eth" netns "$NS_WEST" type veth peer name west netns "$NS_WIRE"
	ip -n "$NS_WIRE" link set west master br0 up
	ip -n "$NS_WEST" link set "$p-west-eth" name eth0
	ip netns exec "$NS_WEST" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	ip -n "$NS_WEST" link add lan0 type dummy
	ip -n "$NS_WEST" link set lo up
	ip -n "$NS_WEST" link set eth0 up
	ip -n "$NS_WEST" link set lan0 up
	ip -n "$NS_WEST" addr add 192.0.2.1/24 dev eth0
	ip -n "$NS_WEST" addr add 10.1.0.1/24 dev lan0
	ip -n "$NS_WEST" route add 10.2.0.0/24 via 192.0.2.2
	# East still knows the old west's MAC address.
	ip -n "$NS_EAST" neigh flush dev eth0
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
}

# Floods through the tunnel, each direction by ping (every 10 ms) and UDP
# bursts, SECS long (stop_traffic ends them sooner).
flood_from_west() {
	ip netns exec "$NS_WEST" ping -q -i 0.01 -w "$1" -I "$W_IN" "$E_IN" >/dev/null 2>&1 &
	traffic+=($!)
	udp_flood "$NS_WEST" "$W_IN" "$E_IN" "$1" >/dev/null 2>&1 &
	traffic+=($!)
}
flood_from_east() {
	ip netns exec "$NS_EAST" ping -q -i 0.01 -w "$1" -I "$E_IN" "$W_IN" >/dev/null 2>&1 &
	traffic+=($!)
	udp_flood "$NS_EAST" "$E_IN" "$W_IN" "$1" >/dev/null 2>&1 &
	traffic+=($!)
}

# Both of west's SAs carried at least N packets.
protected() {
	[ "$(kipsec_sa_packets "$NS_WEST" 0x1000)" -ge "$1" ] &&
		[ "$(kipsec_sa_packets "$NS_WEST" 0x1001)" -ge "$1" ]
}

# sane STEP NS SAS POLICIES: the counts STATS_GET gives are those of the
# dumps and what the step left; no packet failed authentication or was
# malformed (kipsec's own output against XFRM's never should).
sane() {
	local step=$1 ns=$2 list
	list=$(state_list "$ns")
	check_eq "$step: STATS_GET and the dumps agree: $3 SAs, $4 flows" \
		"sa $3 policy $4 / $3 $4" \
		"$(state_stats "$ns") / $(grep -c '^sa ' <<<"$list") $(grep -c '^policy ' <<<"$list")"
	check_eq "$step: no authentication failure, nothing malformed" "0 0" \
		"$(kipsec_stat "$ns" 'in: authentication failed') $(kipsec_stat "$ns" 'in: malformed')"
}

# step_end STEP: the checks after every step.
step_end() {
	echo "# $1: $((SECONDS - t_start)) s since the start"
	dmesg_check "$1: kernel log clean"
	check_eq "$1: no namespace of ours left" "" "$(our_netns)"
	if module_loaded; then
		check_eq "$1: module reference count 0" 0 "$(cat /sys/module/kipsec/refcnt)"
	else
		not_ok "$1: kipsec.ko is not loaded"
	fi
}

# rmmod_within SECONDS: removes the module, retrying on EBUSY; a removal
# that blocks (a namespace exit that never ends) is given up on.
RMMOD_TRIES=0
rmmod_within() {
	local n=$(($1 * 10)) pid
	RMMOD_TRIES=0
	while [ "$n" -gt 0 ]; do
		RMMOD_TRIES=$((RMMOD_TRIES + 1))
		rmmod kipsec 2>/dev/null &
		pid=$!
		while [ "$n" -gt 0 ] && kill -0 "$pid" 2>/dev/null; do
			sleep 0.1
			n=$((n - 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			STUCK=1		# blocked in the kernel
			return 2
		fi
		wait "$pid" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

dp_start
need "robustness tools" ping python3 chrt taskset "$STATE" rmmod || finish
trap cleanup EXIT
dmesg_mark
start_lines=$dmesg_lines

# ---- (a) flush, reload and rmmod under traffic ----
step="(a) rmmod under traffic"
pair "$PREFIX-a" || not_ok "$step: configuration refused"
# Long enough to outlast every step up to the rmmod on a debug kernel
# (several times slower); stop_traffic ends them.
flood_from_west 600
flood_from_east 600
check "$step: the floods are protected by kipsec" wait_until 10 protected 50
check "$step: ipsecctl -F while they run" ip netns exec "$NS_WEST" "$IPSECCTL" -F
check_eq "$step: nothing left after the flush" "sa 0 policy 0" "$(state_stats "$NS_WEST")"
sleep 1
check "$step: loaded again while they run" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
check "$step: and the floods are protected again" wait_until 10 protected 50
sane "$step" "$NS_WEST" 2 2
check_eq "$step: reference count with state and traffic" 0 "$(cat /sys/module/kipsec/refcnt)"
rmmod_within 10
rc=$?
alive=0
for p in "${traffic[@]}"; do kill -0 "$p" 2>/dev/null && alive=$((alive + 1)); done
if [ "$rc" = 0 ]; then
	ok "$step: rmmod kipsec with live SAs under traffic ($RMMOD_TRIES tries, $alive floods running)"
else
	not_ok "$step: rmmod kipsec under traffic: $([ "$rc" = 2 ] && echo "blocked in the kernel" || echo "EBUSY for 10 s")"
fi
check "$step: the floods were still running" test "$alive" -gt 0
stop_traffic
check "$step: module loads again" load_module
check_eq "$step: west starts empty" "sa 0 policy 0" "$(state_stats "$NS_WEST")"
topo_down
step_end "$step"

# ---- (b) namespace deletion under traffic ----
step="(b) netns deletion under traffic"
dmesg_mark
deleted=0
pair "$PREFIX-b" || not_ok "$step: configuration refused"
for round in 1 2 3; do
	# Rounds 2 and 3: a fresh west on the same wire, same east.
	[ "$round" = 1 ] || west_again || not_ok "$step: round $round: configuration refused"
	# Traffic from east only: nothing of west's own keeps it alive, its
	# SAs encrypt the echo replies and decrypt the rest.
	flood_from_east 60
	if wait_until 10 protected 20; then
		sleep "0.$((round * 3))"
		ip netns del "$NS_WEST" && deleted=$((deleted + 1))
	else
		not_ok "$step: round $round: no protected traffic"
	fi
	sleep 0.5
	stop_traffic
done
topo_down
check_eq "$step: west deleted with live SAs under traffic, 3 rounds" 3 "$deleted"
sleep 1
step_end "$step"
# Every namespace exit finished: otherwise the module could not go.
rmmod_within 20
rc=$?
check_eq "$step: then rmmod kipsec succeeds (0: done, 2: blocked)" 0 "$rc"
[ "$rc" = 2 ] && finish
check "$step: module loads again" load_module

# ---- (c) load, flush, delete and dump racing traffic ----
step="(c) flush races"
dmesg_mark
pair "$PREFIX-c" || not_ok "$step: configuration refused"
flood_from_west 600
flood_from_east 600
racers=()
# Dumps, and deletion rule by rule, against the loads and flushes below.
ip netns exec "$NS_WEST" bash -c "end=\$((SECONDS + 10)); while [ \$SECONDS -lt \$end ]; do
	\"$IPSECCTL\" -s all -v >/dev/null 2>&1; done" &
racers+=($!)
ip netns exec "$NS_WEST" bash -c "end=\$((SECONDS + 10)); while [ \$SECONDS -lt \$end ]; do
	\"$IPSECCTL\" -d -f \"$work/west.conf\" >/dev/null 2>&1; done" &
racers+=($!)
rounds=0 refused=0
# Ten seconds, and at least three rounds however slow the kernel (a debug
# kernel may need more than ten seconds for one), within two minutes.
end=$((SECONDS + 10)) limit=$((SECONDS + 120))
while { [ $SECONDS -lt $end ] || [ "$rounds" -lt 3 ]; } && [ $SECONDS -lt $limit ]; do
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" >/dev/null 2>&1 || refused=$((refused + 1))
	ip netns exec "$NS_WEST" "$IPSECCTL" -F >/dev/null 2>&1 || refused=$((refused + 1))
	rounds=$((rounds + 1))
done
wait "${racers[@]}"
check "$step: $rounds rounds of load and flush under traffic ($refused loads refused by the racing deletes)" \
	test "$rounds" -ge 3
check "$step: flushed at last" ip netns exec "$NS_WEST" "$IPSECCTL" -F
check "$step: and loaded" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
check "$step: traffic is protected again" wait_until 10 protected 20
stop_traffic
check "$step: a ping each way passes" \
	ip netns exec "$NS_WEST" ping -q -c 2 -i 0.2 -W 2 -I "$W_IN" "$E_IN"
check "$step: and back" ip netns exec "$NS_EAST" ping -q -c 2 -i 0.2 -W 2 -I "$E_IN" "$W_IN"
sane "$step" "$NS_WEST" 2 2
topo_down
step_end "$step"

# ---- (d) asynchronous crypto: pcrypt ----
step="(d) async crypto"
dmesg_mark
if ! modprobe -q pcrypt || ! modprobe -q crypto_user; then
	skip "$step" "pcrypt or crypto_user is not available"
else
	topo_up "$PREFIX-d"
	bulk_server "$NS_EAST" || not_ok "$step: echo server did not start"
	dp_addresses tunnel 4
	dp_xfrm_conf tunnel "$XALG" "$K1" "" "$K2" "" || not_ok "$step: ip xfrm refused the SAs"
	drv=$(async_instance_add "pcrypt(seqiv(rfc4106(gcm(aes))))")
	check "$step: a pcrypt instance outranks seqiv(rfc4106(gcm(aes))) ($drv)" test -n "$drv"
	dp_kipsec_conf tunnel west "$SA_SPEC" > "$work/west.conf"
	check "$step: west's SAs use it" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
	check "$step: kprobes on kipsec's crypto completions" async_trace_start
	dp_check_traffic "$step: pings and TCP both ways against XFRM" xfrm
	out0=$(async_hits out 0) in0=$(async_hits in 0)
	check "$step: encryption completed asynchronously ($out0 callbacks)" test "$out0" -gt 0
	check "$step: decryption completed asynchronously ($in0 callbacks)" test "$in0" -gt 0
	check_eq "$step: every completion succeeded" "0 0" "$(async_hits out other) $(async_hits in other)"
	sane "$step" "$NS_WEST" 2 2
	# With requests in padata's queues: delete the namespace, then the module.
	kill $(ip netns pids "$NS_EAST") 2>/dev/null
	# From east only: a process in west would keep the namespace alive.
	flood_from_east 60
	check "$step: floods protected asynchronously" wait_until 10 protected 100
	before=$(async_hits in 0)
	sleep 1
	check "$step: completions keep coming ($before, then more)" test "$(async_hits in 0)" -gt "$before"
	check "$step: west deleted with asynchronous requests in flight" ip netns del "$NS_WEST"
	sleep 1
	stop_traffic
	async_trace_stop
	topo_down
	check "$step: the pcrypt instance can go (no transform left using it)" \
		async_instance_del pcrypt "seqiv(rfc4106(gcm(aes)))"
	step_end "$step"
	rmmod_within 20
	check_eq "$step: then rmmod kipsec succeeds (0: done, 2: blocked)" 0 $?
	check "$step: module loads again" load_module
fi

# A device still pinned (a dst or a reference kipsec kept) is reported
# by the kernel after 10 s of waiting.
dmesg_lines=$start_lines
new=$(dmesg | tail -n +"$((start_lines + 1))")
check_eq "no device was left waiting for its references to go" "" \
	"$(grep -E 'unregister_netdevice: waiting for|waiting for .* to become free' <<<"$new" | head -n 3)"
finish
