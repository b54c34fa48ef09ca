# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by esp_robustness.sh, esp_crypto_backlog.sh and esp_async_teardown.sh,
# on top of lib.sh:
#
#   - asynchronous crypto on demand: an instance of the pcrypt or cryptd
#     template wrapping the AEAD kipsec.ko asks for, created through
#     crypto_user (crypto_user.py), outranks the synchronous one, so an SA
#     added afterwards gets a transform whose every request completes later,
#     in another context (pcrypt: padata's workers; cryptd: its per-CPU
#     queue, which puts requests beyond its length on a backlog and tells
#     the caller twice: -EINPROGRESS when it leaves the backlog, then the
#     result);
#   - proof that the asynchronous path ran: kprobes on kipsec's two crypto
#     completion callbacks, esp_output_complete() and esp_input_complete(),
#     with a histogram of the err they were called with;
#   - udp_flood, a UDP sender that can run as a real-time task pinned to one
#     CPU, so that the per-CPU worker of cryptd on that CPU waits while the
#     queue fills.
#
# Source after lib.sh, with $here set.

CRYPTO_USER=$here/crypto_user.py

# async_chacha_sas NAME: the ChaCha20-Poly1305 SAs (RFC 7634) both async
# tests run: INNER, the AEAD kipsec asks the crypto API for; K1 and K2,
# keys of their own (key_hex); XALG and SA_SPEC, the SAs for ip xfrm
# (dp_xfrm_conf) and for ipsecctl (dp_kipsec_conf).
# shellcheck disable=SC2034 # set for the test that sources this file
async_chacha_sas() {
	INNER="seqiv(rfc7539esp(chacha20,poly1305))"
	K1=$(key_hex 36 "$1-1") K2=$(key_hex 36 "$1-2")
	XALG="aead 'rfc7539esp(chacha20,poly1305)' ENCKEY 128"
	SA_SPEC="enc chacha20-poly1305 enckey $K1:$K2 replay 4096"
}
TRACE=/sys/kernel/tracing
KPROBES=kipsec_selftest

# async_trace_start: kprobes on the completions, counted by err.
async_trace_start() {
	async_trace_stop
	if ! mountpoint -q "$TRACE"; then
		mount -t tracefs nodev "$TRACE" 2>/dev/null || return 1
	fi
	echo "p:$KPROBES/out kipsec:esp_output_complete err=%si:s32" >> "$TRACE/kprobe_events" &&
	echo "p:$KPROBES/in kipsec:esp_input_complete err=%si:s32" >> "$TRACE/kprobe_events" &&
	echo 'hist:keys=err' > "$TRACE/events/$KPROBES/out/trigger" &&
	echo 'hist:keys=err' > "$TRACE/events/$KPROBES/in/trigger" &&
	echo 1 > "$TRACE/events/$KPROBES/enable"
}

async_trace_stop() {
	[ -d "$TRACE/events/$KPROBES" ] || return 0
	echo 0 > "$TRACE/events/$KPROBES/enable"
	echo '!hist:keys=err' > "$TRACE/events/$KPROBES/out/trigger" 2>/dev/null
	echo '!hist:keys=err' > "$TRACE/events/$KPROBES/in/trigger" 2>/dev/null
	echo "-:$KPROBES/out" >> "$TRACE/kprobe_events"
	echo "-:$KPROBES/in" >> "$TRACE/kprobe_events"
	return 0
}

# async_hits out|in ERR|other: calls of that completion with err ERR
# ("other": neither 0 nor -EINPROGRESS).
async_hits() {
	awk -v e="$2" '
		$1 == "{" && $2 == "err:" {
			v = $3 + 0
			# The histogram prints a negative s32 as its u64 value:
			# 2^64 - n.  Small n: the last 7 digits give it exactly.
			if (length($3) == 20 && substr($3, 1, 13) == "1844674407370")
				v = substr($3, 14) - 9551616
			if ((e == "other" && v != 0 && v != -115) || (e != "other" && v == e + 0))
				n += $6
		}
		END { print n + 0 }' "$TRACE/events/$KPROBES/$1/hist" 2>/dev/null || echo 0
}

# async_instance_add NAME: instantiates NAME ("pcrypt(seqiv(...))"); its
# driver name on stdout.
async_instance_add() {
	python3 "$CRYPTO_USER" add "$1"
}

# async_instance_del TEMPLATE INNER: removes the TEMPLATE instances of the
# AEAD INNER, once the SAs that used them are freed (an RCU grace period
# and a workqueue away): by crypto_user when the driver name fits its
# 64-byte field, else by removing the template's module.
async_instance_del() {
	local tmpl=$1 inner=$2 drv
	for _ in $(seq 50); do
		drv=$(python3 "$CRYPTO_USER" drivers "$inner" | awk -v t="$tmpl(" 'index($1, t) == 1 { print $1; exit }')
		[ -z "$drv" ] && return 0
		if [ ${#drv} -lt 64 ]; then
			python3 "$CRYPTO_USER" del "$drv" 2>/dev/null
		else
			rmmod "$tmpl" 2>/dev/null
		fi
		sleep 0.2
	done
	echo "# $tmpl instance $drv still registered" >&2
	return 1
}

# udp_flood NS SRC DST SECONDS [CPU]: UDP to port 9.  With CPU: as fast as
# the sender goes, as a SCHED_FIFO task pinned to that CPU, with an 8 MB
# send buffer and 64-byte datagrams (many requests in flight).  Without:
# bursts of 8 datagrams of 1000 bytes every 10 ms, about what an emulated
# CPU protects in both directions while the test itself still gets to run.
udp_flood() {
	local ns=$1 src=$2 dst=$3 secs=$4 cpu=${5:-} pre=()
	[ -n "$cpu" ] && pre=(chrt -f 10 taskset -c "$cpu")
	ip netns exec "$ns" "${pre[@]}" python3 -c '
import socket, sys, time
src, dst, secs, rt = sys.argv[1], sys.argv[2], float(sys.argv[3]), sys.argv[4] == "rt"
s = socket.socket(socket.AF_INET6 if ":" in dst else socket.AF_INET, socket.SOCK_DGRAM)
if rt:
    s.setsockopt(socket.SOL_SOCKET, 32, 8 << 20)  # SO_SNDBUFFORCE
s.bind((src, 0))
s.setblocking(False)
payload, n, end = bytes(64 if rt else 1000), 0, time.monotonic() + secs
while time.monotonic() < end:
    for _ in range(64 if rt else 8):
        try:
            s.sendto(payload, (dst, 9))
            n += 1
        except OSError:  # a full send buffer, an ICMP error: go on
            pass
    if not rt:
        time.sleep(0.01)
print("sent", n)
' "$src" "$dst" "$secs" "${cpu:+rt}"
}
