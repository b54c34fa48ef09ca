#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile bytes on UDP 500: ipsecd on east receives thousands of random,
# truncated, oversized and subtly corrupted datagrams (ike_garbage.py, from
# west); it must still be running, have counted them as malformed, have
# logged them rate-limited (not one line each), and then negotiate with
# west as if nothing had happened.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

ike_start ikeg
bulk_server "$NS_EAST" || not_ok "echo server did not start"
ipsecd_start east || { not_ok "ipsecd did not start"; finish; }
M="auth hmac-sha2-256 enc aes-128 group modp2048" Q="enc aes-128-gcm"
ike_rule east tunnel 4 passive "$M" "$Q" >"$work/east.conf"
ctl east -f "$work/east.conf"

t0=$SECONDS
if ip netns exec "$NS_WEST" python3 "$here/ike_garbage.py" 192.0.2.2 500 3000 >"$work/garbage" 2>&1; then
	ok "garbage: sent $(tail -n 1 "$work/garbage")"
else
	not_ok "garbage: the sender failed"
	sed 's/^/#   /' "$work/garbage"
fi
sleep 1
check "garbage: ipsecd is still running" kill -0 "$(cat "$work/east.pid")"
malformed=$(ctl east -s ike -v | awk '/^datagrams in:/ { gsub(",", ""); print $5 }')
if [ "${malformed:-0}" -ge 1000 ]; then
	ok "garbage: $malformed datagrams counted as malformed"
else
	not_ok "garbage: only ${malformed:-?} counted as malformed"
	ctl east -s ike -v | sed 's/^/#   /'
fi
# At most one line a second for each reason (log_limited()), however long
# the sender took on this machine; and far fewer lines than datagrams.
lines=$(grep -c "dropped a datagram" "$work/east.log")
reasons=$(grep -o "dropped a datagram from [^:]*: .*" "$work/east.log" |
	sed -E 's/^dropped a datagram from [^:]*: //; s/ \(and [0-9]+ more like it.*$//' | sort -u | wc -l)
bound=$((reasons * (SECONDS - t0 + 2)))
[ "$bound" -le 1500 ] || bound=1500
if [ "$lines" -ge 1 ] && [ "$lines" -le "$bound" ]; then
	ok "garbage: logged rate-limited ($lines lines, $reasons reasons in $((SECONDS - t0)) s)"
else
	not_ok "garbage: $lines log lines for the drops (at most $bound: $reasons reasons in $((SECONDS - t0)) s)"
fi
check_eq "garbage: nothing in the kernel" 0 "$(kipsec_sa_count east)"

ipsecd_start west
ike_rule west tunnel 4 active "$M" "$Q" >"$work/west.conf"
ctl west -f "$work/west.conf"
if wait_until 20 sa_pairs_up; then
	ok "garbage: a real negotiation still works afterwards"
	ike_check_traffic "garbage" kipsec
else
	not_ok "garbage: no SA pair after the garbage"
	show_logs
fi
ipsecd_stop west
ipsecd_stop east
finish
