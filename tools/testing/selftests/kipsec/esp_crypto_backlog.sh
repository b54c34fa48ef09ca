#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kipsec.ko on an asynchronous crypto implementation whose queue fills up:
# kipsec asks the crypto API to put requests beyond a full queue on a
# backlog (CRYPTO_TFM_REQ_MAY_BACKLOG), and a backlogged request completes
# twice: its callback is called with -EINPROGRESS when the request leaves
# the backlog for the queue, and again with the result (crypto/api.h;
# cryptd_queue_worker()).  The first call must be ignored: the request is
# still queued, its memory and its packet still in use.
#
# kipsec on west, XFRM on east, ChaCha20-Poly1305 (RFC 7634).  A cryptd
# instance made through crypto_user outranks the synchronous AEAD kipsec
# asks for, so west's SAs queue every request on cryptd's per-CPU queue
# (1000 requests).  Then a UDP sender running as a SCHED_FIFO task pinned to
# one CPU keeps cryptd's worker on that CPU (an ordinary kworker) off it
# while the queue fills, first out of west (encryption), then into west
# from east (decryption in the softirq the sender's own sends run).
# kprobes on kipsec's completion callbacks count the -EINPROGRESS calls:
# they prove the backlog was used.  Encryption may use it; decryption must
# not (as XFRM: whoever can reach us can fill it with forgeries): a request
# beyond the full queue is refused, and the packet dropped and counted as
# "in: crypto busy".  What must hold: no kernel complaint, no packet
# counted as an error, the SAs still carry traffic afterwards.
#
# A kernel that frees a request on the -EINPROGRESS call corrupts cryptd's
# queue and may not survive this test: it runs last, and says on the
# console what it is about to do.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/async_lib.sh"

async_chacha_sas backlog
SECS=${KIPSEC_BACKLOG_SECONDS:-3}

console() { { echo "esp_crypto_backlog: $*" > /dev/console; } 2>/dev/null; }

cleanup() {
	async_trace_stop
	[ -n "${NS_WEST:-}" ] && dp_reset 2>/dev/null
	topo_down
	async_instance_del cryptd "$INNER" 2>/dev/null
	rm -rf "$work"
}

dp_start
need "crypto backlog tools" python3 chrt taskset || finish
if ! modprobe -q cryptd || ! modprobe -q crypto_user; then
	skip "crypto backlog" "cryptd or crypto_user is not available"
	finish
fi
NS_WEST="" NS_EAST="" NS_WIRE=""
trap cleanup EXIT
dmesg_mark

topo_up cbl
dp_addresses tunnel 4
dp_xfrm_conf tunnel "$XALG" "$K1" "" "$K2" "" || { not_ok "ip xfrm refused the SAs"; finish; }
drv=$(async_instance_add "cryptd($INNER)")
check "a cryptd instance outranks $INNER ($drv)" test -n "$drv" || finish
dp_kipsec_conf tunnel west "$SA_SPEC" > "$work/west.conf"
check "west's SAs use it" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" || finish
check "kprobes on kipsec's crypto completions" async_trace_start || finish
check "a ping crosses" ip netns exec "$NS_WEST" ping -q -c 3 -i 0.2 -W 2 -I "$W_IN" "$E_IN"
check "through cryptd: both completions ran asynchronously" \
	test "$(async_hits out 0)" -gt 0 -a "$(async_hits in 0)" -gt 0

# ---- encryption: a real-time sender in west, on CPU 0 ----
errs0=$(kipsec_stat "$NS_WEST" 'out: errors')
console "a SCHED_FIFO sender fills cryptd's queue on CPU 0 (kipsec output)"
sent=$(udp_flood "$NS_WEST" "$W_IN" "$E_IN" "$SECS" 0)
sleep 2	# the worker drains the queue
console "output done"
backlog=$(async_hits out -115)
if [ "$backlog" -gt 0 ]; then
	ok "encryption: cryptd's backlog was used ($backlog requests left it; $sent)"
else
	skip "encryption: cryptd's backlog" "not reached ($sent)"
fi
check_eq "encryption: every completion but those notices succeeded" 0 "$(async_hits out other)"
grep "err:" "$TRACE/events/$KPROBES/out/hist" | sed "s/^/# /"
check_eq "encryption: no packet counted as an output error" 0 \
	$(($(kipsec_stat "$NS_WEST" 'out: errors') - errs0))
# Beyond 2048 in flight on the CPU (kipsec_inflight_get()), dropped instead.
echo "# encryption: $(kipsec_stat "$NS_WEST" 'out: crypto busy') packets dropped as crypto busy"
dmesg_check "encryption: kernel log clean"

# ---- decryption: a real-time sender in east, on CPU 1 ----
# Whether the softirq that decrypts runs under the sender or is left to
# ksoftirqd (starved with the worker) depends on the host's load on the
# emulated CPUs: up to three floods, until one fills the queue.
busy0=$(kipsec_stat "$NS_WEST" 'in: crypto busy')
busy=0 sent=""
for round in 1 2 3; do
	console "a SCHED_FIFO sender fills cryptd's queue on CPU 1 (kipsec input, round $round)"
	sent+="${sent:+, }$(udp_flood "$NS_EAST" "$E_IN" "$W_IN" "$SECS" 1)"
	sleep 2
	busy=$(($(kipsec_stat "$NS_WEST" 'in: crypto busy') - busy0))
	[ "$busy" -eq 0 ] || break
done
console "input done"
if [ "$busy" -gt 0 ]; then
	ok "decryption: cryptd's queue filled: $busy packets refused and counted as crypto busy ($sent)"
else
	skip "decryption: cryptd's queue full" "not reached ($sent)"
fi
check_eq "decryption: cryptd's backlog was not used" 0 "$(async_hits in -115)"
check_eq "decryption: every completion succeeded" 0 "$(async_hits in other)"
grep "err:" "$TRACE/events/$KPROBES/in/hist" | sed "s/^/# /"
check_eq "decryption: no decryption error, no authentication failure" "0 0" \
	"$(kipsec_sa_counter "$NS_WEST" 0x1001 'decrypt errors') $(kipsec_sa_counter "$NS_WEST" 0x1001 'auth failures')"
check "the SAs still carry traffic both ways" \
	ip netns exec "$NS_WEST" ping -q -c 3 -i 0.2 -W 2 -I "$W_IN" "$E_IN"
dmesg_check "decryption: kernel log clean"

async_trace_stop
dp_reset
topo_down
check "the cryptd instance can go (no transform left using it)" async_instance_del cryptd "$INNER"
finish
