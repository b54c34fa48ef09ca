#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipsec.ko coming and going with live state: namespaces full of SAs,
# reservations and policies are deleted, the module is removed while other
# namespaces still hold state (and a process listens to events, and another
# is adding SAs), loaded again, and nothing of before is left; the kernel
# log stays clean throughout.  Leaves the module loaded.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"

need "module lifecycle tools" ip genl insmod rmmod modprobe modinfo "$STATE" "$KIPSEC_KO" || finish

nss=(kml-0 kml-1 kml-2 kml-3)
pids=()
cleanup() {
	local p ns
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	for ns in "${nss[@]}" kml-race; do
		ip netns del "$ns" 2>/dev/null
	done
	load_module 2>/dev/null
}
trap cleanup EXIT

dmesg_mark
check "module loads" load_module
check "genl ctrl list shows the kipsec family" \
	bash -c 'genl ctrl list | grep -q "^Name: kipsec$"'
check "the family has the events multicast group" \
	bash -c 'genl ctrl get name kipsec | grep -Eq "name: events"'

# Four namespaces with state: 60 SAs, 60 policies, 1 reservation each.
for ns in "${nss[@]}"; do
	ip netns add "$ns"
	check "$ns: filled" ip netns exec "$ns" "$STATE" fill 60
	check_eq "$ns: 61 SAs and 60 policies" "sa 61 policy 60" "$(state_stats "$ns")"
done
check_eq "the initial namespace saw none of it" "sa 0 policy 0" "$(state_stats "")"

# A listener subscribed to events, in a namespace that will outlive rmmod.
ip netns exec kml-0 "$STATE" listen >/dev/null 2>&1 &
pids+=($!)

# Deleting namespaces frees their databases (in netns cleanup's workqueue,
# which rmmod below has to wait for anyway).
ip netns del kml-1
ip netns del kml-2
ip netns add kml-1
check_eq "a namespace of the same name starts empty" "sa 0 policy 0" "$(state_stats kml-1)"
check_eq "kml-3 kept its state" "sa 61 policy 60" "$(state_stats kml-3)"
check_eq "no socket or namespace pins the module" 0 "$(cat /sys/module/kipsec/refcnt)"

# Remove the module while kml-0 and kml-3 hold state and a socket listens.
check "rmmod with live state in two namespaces" rmmod kipsec
check_fails "the family is gone" genl ctrl get name kipsec
check_eq "kipsec_state sees no family (exit 3)" 3 \
	"$(ip netns exec kml-3 "$STATE" stats >/dev/null 2>&1; echo $?)"

check "module loads again" load_module
for ns in kml-0 kml-3; do
	check_eq "$ns: empty after reload" "sa 0 policy 0" "$(state_stats "$ns")"
	check_eq "$ns: nothing in the dumps" "" "$(state_list "$ns")"
done
kill "${pids[@]}" 2>/dev/null
wait 2>/dev/null
pids=()

# Removal racing with a namespace being filled and deleted.
races=0
for round in 1 2 3; do
	ip netns add kml-race
	ip netns exec kml-race "$STATE" fill 400 >/dev/null 2>&1 &
	filler=$!
	ip netns exec kml-0 "$STATE" fill 30 >/dev/null 2>&1
	sleep 0.$((round * 2))
	ip netns del kml-race
	# rmmod may meet a request in flight; it must get through quickly.
	removed=false
	for _ in $(seq 50); do
		rmmod kipsec 2>/dev/null && { removed=true; break; }
		sleep 0.1
	done
	wait "$filler" 2>/dev/null
	$removed && races=$((races + 1))
	load_module
done
check_eq "rmmod during fills and namespace deletion, 3 rounds" 3 "$races"
check_eq "nothing left after the races" "sa 0 policy 0" "$(state_stats kml-0)"

dmesg_check "kernel log clean through it all"
finish
