#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What an asynchronous crypto completion uses must still be there when it
# runs, and what waits for the crypto API must stay bounded.  kipsec on
# west, XFRM on east, ChaCha20-Poly1305 (RFC 7634) through a cryptd
# instance made with crypto_user (async_lib.sh), so that every request
# completes later, in cryptd's per-CPU worker; a SCHED_FIFO sender pinned to
# a CPU keeps that worker off the CPU meanwhile, so requests pile up:
#
#   (a) ESP forged to west's live inbound SPI, sequence numbers ahead of the
#       window (every check before the ICV passes), flooded at west: the
#       packets cryptd's full queue refuses are dropped and counted as "in:
#       crypto busy" (input does not wait on the crypto backlog), the rest
#       fail authentication, unreclaimable slab stays bounded meanwhile,
#       and genuine traffic passes afterwards;
#   (b) west's namespace deleted while east floods it, decryption requests
#       pending: the device they arrived on must stay until they complete;
#   (c) west's device deleted while east floods it, the same;
#   (d) west's device, then its namespace, deleted while west floods east,
#       encryption requests pending (and on cryptd's backlog);
#   (e) a TCP SYN held for an ACQUIRE (transport-mode policy, no SA): its
#       route is one TCP lends without a reference; the client goes, the
#       device is deleted (its cached routes with it: deletion must not
#       wait for the held packet), and then the SA comes: the held packet
#       must leave through a route still valid.
#
# Run under slub_debug=FZP init_on_free=1 (or KASAN) to make a use after
# free crash rather than pass: the VM runner's -a adds kernel arguments.
# The slab bound of (a) discriminates only when the flood is fast: an
# emulated CPU shared with other guests sends a few thousand packets in
# its 3 s, which an unbounded backlog would hold in a few MB too; what
# proves the bound then is the crypto-busy count.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/async_lib.sh"

async_chacha_sas teardown
PREFIX=at
flood_pid=""
t0=$SECONDS

cleanup() {
	[ -n "$flood_pid" ] && kill "$flood_pid" 2>/dev/null
	async_trace_stop
	local ns
	for ns in $(ip netns list | awk -v p="$PREFIX" 'index($1, p) == 1 { print $1 }'); do
		kill $(ip netns pids "$ns") 2>/dev/null
		ip netns del "$ns"
	done
	async_instance_del cryptd "$INNER" 2>/dev/null
	rm -rf "$work"
}

# pair NAME: the two gateways, XFRM's SAs first, then kipsec's on west.
pair() {
	topo_up "$PREFIX-$1"
	dp_addresses tunnel 4
	dp_xfrm_conf tunnel "$XALG" "$K1" "" "$K2" "" &&
		dp_kipsec_conf tunnel west "$SA_SPEC" > "$work/west.conf" &&
		ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf"
}

# forge NS SRC DST SPI SECONDS CPU: ESP with a live SPI, sequence numbers
# from 100000 on (ahead of any window here), random IV, ciphertext and ICV,
# as fast as a SCHED_FIFO task pinned to CPU sends them.
forge() {
	ip netns exec "$1" chrt -f 10 taskset -c "$6" python3 -c '
import os, socket, struct, sys, time
src, dst, spi, secs = sys.argv[1], sys.argv[2], int(sys.argv[3], 0), float(sys.argv[4])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP)
s.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
s.bind((src, 0))
s.setblocking(False)
body, seq, n, end = os.urandom(8 + 64 + 16), 100000, 0, time.monotonic() + secs
while time.monotonic() < end:
    for _ in range(64):
        seq += 1
        try:
            s.sendto(struct.pack("!II", spi, seq) + body, (dst, 0))
            n += 1
        except OSError:
            pass
print("sent", n)
' "$2" "$3" "$4" "$5"
}

sunreclaim_kb() { awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo; }

# peak_sunreclaim PID: the highest SUnreclaim seen until PID is gone (kB).
peak_sunreclaim() {
	local peak=0 v
	while kill -0 "$1" 2>/dev/null; do
		v=$(sunreclaim_kb)
		[ "$v" -gt "$peak" ] && peak=$v
		sleep 0.1
	done
	echo "$peak"
}

# pending_delete STEP SECONDS CMD...: CMD (a deletion) SECONDS into the
# flood $flood_pid; then the flood's end, and the kernel log.
pending_delete() {
	local step=$1 after=$2 t
	shift 2
	sleep "$after"
	t=$SECONDS
	check "$step: $* while requests are pending" "$@"
	echo "# $step: the deletion took $((SECONDS - t)) s"
	wait "$flood_pid" >/dev/null 2>&1
	flood_pid=""
	sleep 1
	dmesg_check "$step: kernel log clean"
}

dp_start
need "async teardown tools" python3 chrt taskset || finish
if ! modprobe -q cryptd || ! modprobe -q crypto_user; then
	skip "async teardown" "cryptd or crypto_user is not available"
	finish
fi
trap cleanup EXIT
dmesg_mark
start_lines=$dmesg_lines

# ---- (a) forged ESP flooded at an asynchronous AEAD ----
step="(a) forged flood"
pair a || { not_ok "$step: configuration refused"; finish; }
drv=$(async_instance_add "cryptd($INNER)")
check "a cryptd instance outranks $INNER ($drv)" test -n "$drv" || finish
# West's SAs again, now on cryptd.
ip netns exec "$NS_WEST" "$IPSECCTL" -F
check "west's SAs use it" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" || finish
check "kprobes on kipsec's crypto completions" async_trace_start || finish
check "$step: a ping crosses before" ip netns exec "$NS_WEST" ping -q -c 2 -i 0.2 -W 2 -I "$W_IN" "$E_IN"
check "$step: through cryptd: decryption completed asynchronously" test "$(async_hits in 0)" -gt 0
pkts0=$(kipsec_sa_packets "$NS_WEST" 0x1001)
base=$(sunreclaim_kb)
forge "$NS_EAST" "$E_OUT" "$W_OUT" 0x1001 3 1 > "$work/forge.out" &
flood_pid=$!
peak=$(peak_sunreclaim "$flood_pid")
wait "$flood_pid"
flood_pid=""
sleep 1	# the worker drains the queue
busy=$(kipsec_stat "$NS_WEST" 'in: crypto busy')
fails=$(kipsec_sa_counter "$NS_WEST" 0x1001 'auth failures')
echo "# $step: $(cat "$work/forge.out"): $busy refused as crypto busy, $fails failed authentication"
check "$step: the packets a full queue refused are counted as crypto busy ($busy)" test "$busy" -gt 0
check "$step: the others failed authentication ($fails)" test "$fails" -gt 0
check_eq "$step: none was delivered, none moved the window" 0 \
	"$(kipsec_sa_counter "$NS_WEST" 0x1001 'replay drops')"
check "$step: unreclaimable slab grew by $(((peak - base) / 1024)) MB at most (bound: 16 MB)" \
	test $((peak - base)) -lt 16384
check "$step: a ping crosses after" ip netns exec "$NS_WEST" ping -q -c 3 -i 0.2 -W 2 -I "$W_IN" "$E_IN"
check "$step: and was decrypted by kipsec" test "$(kipsec_sa_packets "$NS_WEST" 0x1001)" -ge $((pkts0 + 3))
dmesg_check "$step: kernel log clean"
topo_down

# ---- (b) netns deletion, decryption pending ----
step="(b) netns deletion under decryption"
pair b || not_ok "$step: configuration refused"
udp_flood "$NS_EAST" "$E_IN" "$W_IN" 3 1 >/dev/null &
flood_pid=$!
pending_delete "$step" 1.5 ip netns del "$NS_WEST"
topo_down

# ---- (c) device deletion, decryption pending ----
step="(c) device deletion under decryption"
pair c || not_ok "$step: configuration refused"
udp_flood "$NS_EAST" "$E_IN" "$W_IN" 3 1 >/dev/null &
flood_pid=$!
pending_delete "$step" 1.5 ip -n "$NS_WEST" link del eth0
topo_down

# ---- (d) device and netns deletion, encryption pending ----
step="(d) deletions under encryption"
pair d || not_ok "$step: configuration refused"
out0=$(async_hits out -115)
udp_flood "$NS_WEST" "$W_IN" "$E_IN" 3 0 >/dev/null &
flood_pid=$!
pending_delete "$step" 1.5 ip -n "$NS_WEST" link del eth0
echo "# $step: $(($(async_hits out -115) - out0)) encryption requests went through cryptd's backlog"
check "$step: then the namespace" ip netns del "$NS_WEST"
sleep 1
dmesg_check "$step: namespace gone, kernel log clean"
topo_down

# ---- (e) a packet held for an ACQUIRE, its route lent ----
step="(e) ACQUIRE"
topo_up "$PREFIX-e"
cat > "$work/acq.conf" <<EOF
flow esp from 192.0.2.1 to 192.0.2.3
EOF
check "$step: a transport-mode flow to a peer without SA" \
	ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/acq.conf"
acq0=$(kipsec_stat "$NS_WEST" 'ACQUIRE events')
ip netns exec "$NS_WEST" python3 -c '
import socket
s = socket.socket()
s.settimeout(1)
try:
    s.connect(("192.0.2.3", 80))
except OSError:
    pass
' &
client=$!
check "$step: the SYN asked for an SA" \
	wait_until 5 eval 'test "$(kipsec_stat "$NS_WEST" "ACQUIRE events")" -gt "$acq0"'
wait "$client"
t=$SECONDS
check "$step: the device goes while a packet is held" ip -n "$NS_WEST" link del eth0
check "$step: without waiting for the held packet ($((SECONDS - t)) s)" test $((SECONDS - t)) -lt 5
sleep 1	# an RCU grace period: a route without reference would be freed by now
cat > "$work/sa.conf" <<EOF
esp transport from 192.0.2.1 to 192.0.2.3 spi 0x2000 enc chacha20-poly1305 enckey $K1
EOF
check "$step: then the SA comes" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/sa.conf"
check "$step: and the held SYN went through it" \
	wait_until 5 eval 'test "$(kipsec_sa_packets "$NS_WEST" 0x2000)" -ge 1'
sleep 1
dmesg_check "$step: kernel log clean"
topo_down

async_trace_stop
check "the cryptd instance can go (no transform left using it)" async_instance_del cryptd "$INNER"
# A device pinned for good is reported by the kernel after 10 s.
dmesg_lines=$start_lines
check_eq "no device left waiting for its references" "" \
	"$(dmesg | tail -n +"$((start_lines + 1))" | grep -E 'unregister_netdevice: waiting for' | head -n 3)"
echo "# $(basename "$0"): $((SECONDS - t0)) s"
finish
