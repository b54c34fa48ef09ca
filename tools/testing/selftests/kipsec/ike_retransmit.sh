#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Robustness of the exchange (issue #4, item 5), against a scripted peer
# (ike_peer.py) on the other gateway:
#
#   responder  east's ipsecd answers a repeated Main Mode message 1 with the
#              reply it stored, byte for byte, and counts it; an out-of-order
#              message for the same exchange gets no answer and does not
#              disturb it;
#   initiator  west's ipsecd, with a peer that never answers, resends the
#              same message 1 with exponential backoff (1, 2, 4, 8 s), gives
#              up after its retransmissions with one log line that says so,
#              and leaves no SA in the kernel (only its rule's flows).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

ike_start iker
M="auth hmac-sha2-256 enc aes-128 group modp2048" Q="enc aes-128-gcm"
fact() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$2"; }
retransmits() { ctl "$1" -s ike -v | awk '/^datagrams out:/ { print $NF }'; }

# ---- responder: the stored reply ----
ipsecd_start east || { not_ok "ipsecd did not start"; finish; }
ike_rule east tunnel 4 passive "$M" "$Q" >"$work/east.conf"
ctl east -f "$work/east.conf"
before=$(retransmits east)
ip netns exec "$NS_WEST" python3 "$here/ike_peer.py" repeat "$W_OUT" "$E_OUT" >"$work/repeat" 2>&1
check_eq "responder: message 1 gets a reply with our cookie and a responder cookie" 1 \
	"$(fact reply "$work/repeat")"
check_eq "responder: the repeated message 1 gets the same reply, byte for byte" 1 \
	"$(fact same_reply "$work/repeat")"
check_eq "responder: an out-of-order message 5 gets no answer" 0 \
	"$(fact out_of_order_answered "$work/repeat")"
check_eq "responder: the exchange is undisturbed: message 1 again, the same reply" 1 \
	"$(fact still_same_reply "$work/repeat")"
# Both repeats, and any resend of message 2 on the responder's own timer.
n=$(($(retransmits east) - ${before:-0}))
check "responder: both repeats counted as retransmissions ($n)" test "$n" -ge 2
check_eq "responder: the out-of-order message counted as dropped" 1 \
	"$(ctl east -s ike -v | awk '/^datagrams in:/ { gsub(",", ""); print ($NF >= 1) }')"
check "responder: ipsecd is still running" kill -0 "$(cat "$work/east.pid")"
ipsecd_stop east

# ---- initiator: backoff and giving up ----
ipsecd_start west || { not_ok "ipsecd did not start"; finish; }
ip netns exec "$NS_EAST" python3 "$here/ike_peer.py" listen "$E_OUT" 20 >"$work/listen" 2>&1 &
listener=$!
# The listener's socket must be there before the first message 1 leaves:
# python takes a while to start under TCG, and more on a loaded machine.
listening() { [ -n "$(ip netns exec "$NS_EAST" ss -Hunl 'sport = :500')" ]; }
wait_until 20 listening || not_ok "initiator: the listener did not start"
ike_rule west tunnel 4 active "$M" "$Q" >"$work/west.conf"
ctl west -f "$work/west.conf"
wait "$listener"
count=$(fact count "$work/listen") gaps=$(fact gaps "$work/listen")
check_eq "initiator: the first message 1 and 4 retransmissions in the 20 s after it" 5 "$count"
check_eq "initiator: every retransmission is the same datagram" 1 "$(fact identical "$work/listen")"
# shellcheck disable=SC2086
set -- $gaps
if [ $# -ge 4 ] && awk -v a="$1" -v b="$2" -v c="$3" -v d="$4" 'BEGIN {
	exit !(a > 0.8 && a < 1.5 && b > 1.8 && b < 2.5 && c > 3.8 && c < 4.5 && d > 7.8 && d < 8.5) }'; then
	ok "initiator: exponential backoff (gaps $gaps s)"
else
	not_ok "initiator: no 1, 2, 4, 8 s backoff (gaps: $gaps)"
fi
# 16 and 32 s more, then the give-up.
if wait_until 60 logged west "peer $E_OUT: phase 1 \\(main mode[^)]*\\).* failed: no answer to .* after 5 retransmissions"; then
	ok "initiator: gave up, and said so: $(grep -o "failed: no answer.*" "$work/west.log" | head -n 1)"
else
	not_ok "initiator: no give-up line in the log"
	show_logs
fi
check_eq "initiator: no SA left in the kernel, the rule's two flows" "0 2" \
	"$(kipsec_sa_count west) $(kipsec_flow_count west)"
ipsecd_stop west
finish
