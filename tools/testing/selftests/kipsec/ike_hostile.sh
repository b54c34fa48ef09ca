#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile exchanges from a configured peer's address, against an ipsecd
# running under valgrind (memcheck): genuine Main Mode messages 1-4 then a
# message 5 of 33 bytes (a body that is not a whole number of AES blocks:
# before BUF_INIT this freed an uninitialised buffer and killed ipsecd,
# no pre-shared key needed), other bad messages 5 and 3, and, once a real
# peer has an ISAKMP SA with it, forged quick mode and informational
# messages in clear or of odd lengths under that SA (ike_hostile.py).
# ipsecd must answer messages 1-4 of each round (the hostile message
# really met a responder waiting for it), log and count each failure,
# still run, still negotiate and carry traffic, and valgrind must report
# no error (--error-exitcode) and no definite leak when it exits.
#
# memcheck under TCG is slow (its start-up alone takes minutes on a loaded
# machine): the rounds of ike_hostile.py run at once, and every wait is
# generous.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

VG_ERROR=99

# vg_start: east's ipsecd under memcheck, pid in $work/east.pid.
vg_start() {
	ip netns exec "$NS_EAST" valgrind -q --error-exitcode=$VG_ERROR --leak-check=full \
		--errors-for-leak-kinds=definite --num-callers=24 --log-file="$work/valgrind.log" \
		"$IPSECD" -v -S "$work/east.sock" >"$work/east.log" 2>&1 &
	vg_pid=$!
	echo "$vg_pid" >"$work/east.pid"
	wait_until 400 test -S "$work/east.sock"
}

# vg_stop: SIGTERM, then its exit status (valgrind's when it found errors).
vg_stop() {
	kill "$vg_pid" 2>/dev/null
	wait_until 180 eval '! kill -0 "$vg_pid" 2>/dev/null'
	wait "$vg_pid"
	vg_rc=$?
	rm -f "$work/east.pid"
}

# p1_stat WORD: a number of the "phase 1:" line (established, failed).
p1_stat() {
	ctl east -s ike -v | awk -v w="$1" '/^phase 1:/ {
		for (i = 1; i <= NF; i++) if ($(i + 1) ~ w) { gsub(",", "", $i); print $i } }'
}

ike_start ikeh
need "ike_hostile" valgrind || finish
bulk_server "$NS_EAST" || not_ok "echo server did not start"
t0=$SECONDS
vg_start || { not_ok "ipsecd under valgrind did not start"; finish; }
ok "hostile: ipsecd runs under valgrind (started in $((SECONDS - t0)) s)"
M="auth hmac-sha2-256 enc aes-128 group modp2048" Q="enc aes-128-gcm"
ike_rule east tunnel 4 passive "$M" "$Q" >"$work/east.conf"
ctl east -f "$work/east.conf"

# ---- Main Mode: messages 5 and 3 that decryption or parsing refuses ----
ip netns exec "$NS_WEST" python3 "$here/ike_hostile.py" mm 192.0.2.1 192.0.2.2 "${KIPSEC_HOSTILE_WAIT:-400}" >"$work/mm" 2>&1
for r in mm5-33-bytes mm5-45-bytes mm5-header-only mm5-garbage-blocks mm5-in-clear; do
	check_eq "hostile: $r after a genuine main mode 1-4" "$r mm2 1 mm4 1" "$(grep "^$r " "$work/mm")"
done
for r in mm3-short-ke mm3-lying-length; do
	check_eq "hostile: $r gets no message 4" "$r mm2 1 mm4 0" "$(grep "^$r " "$work/mm")"
done
echo "# the hostile main modes took $((SECONDS - t0)) s since start-up"
check "hostile: ipsecd is still running after the bad main modes" kill -0 "$vg_pid"
# Responder failures are rate-limited (log.h): a line stands for itself and
# the "N more like it" it says it held back.  Five: the four messages 5
# and the short KE.
reported() {
	awk -v w="$1" '$0 ~ w { n++; if (match($0, /\(and [0-9]+ more like it/))
		n += substr($0, RSTART + 5) + 0 } END { print n + 0 }' "$work/east.log"
}
R_FAIL='phase 1 \\(main mode, responder\\) failed:'
five_reported() { [ "$(reported "$R_FAIL")" = 5 ]; }
if wait_until 20 five_reported; then
	ok "hostile: 5 responder failures logged (rate-limited lines with their counts)"
else
	not_ok "hostile: $(reported "$R_FAIL") responder failures logged, 5 wanted"
	grep 'responder) failed' "$work/east.log" | detail
fi
check "hostile: messages 5 that do not decrypt, logged as such" \
	grep -q 'message 5 does not decrypt' "$work/east.log"
# A clear message 5 is out of order for a responder waiting for an
# encrypted one (RFC 2409 §5: HDR*): dropped before any decryption.
check_eq "hostile: the message 5 in clear dropped as out of order, logged" 1 \
	"$(grep -c 'main mode message out of order' "$work/east.log")"
# Failed: the four messages 5 that do not decrypt and the short KE; the
# lying length is malformed and leaves its SA waiting, as the clear 5 does.
check_eq "hostile: 5 phase 1 failures counted" 5 "$(p1_stat failed)"
check_eq "hostile: 1 malformed, 1 dropped" "1 1" \
	"$(ctl east -s ike -v | awk '/^datagrams in:/ { gsub(",", ""); print $5, $7 }')"

# ---- a real peer, then forged quick mode under its ISAKMP SA ----
ipsecd_start west || not_ok "west's ipsecd did not start"
ike_rule west tunnel 4 active "$M" "$Q" >"$work/west.conf"
ctl west -f "$work/west.conf"
if wait_until 150 sa_pairs_up; then
	ok "hostile: a real negotiation works after the bad main modes"
else
	not_ok "hostile: no SA pair after the bad main modes"
	show_logs
fi
spis=$(kipsec_spis east)
cookies=$(ctl east -s ike | awk '/ established / { print $NF; exit }')
dropped=$(ctl east -s ike -v | awk '/^datagrams in:/ { gsub(",", ""); print $7 }')
if [ -n "$cookies" ]; then
	ip netns exec "$NS_WEST" python3 "$here/ike_hostile.py" qm 192.0.2.1 192.0.2.2 "$cookies" \
		>"$work/qm" 2>&1
	check_eq "hostile: forged quick mode and informational messages sent" "sent 10" "$(cat "$work/qm")"
else
	not_ok "hostile: east shows no established ISAKMP SA"
fi
after() {
	local d
	d=$(ctl east -s ike -v | awk '/^datagrams in:/ { gsub(",", ""); print $7 }')
	[ "$((d - dropped))" -ge 10 ]
}
check "hostile: the 10 forged messages counted as dropped" wait_until 20 after
check "hostile: ipsecd is still running after the forged quick modes" kill -0 "$vg_pid"
check_eq "hostile: the SA pair is untouched" "$spis" "$(kipsec_spis east)"
ike_check_traffic "hostile" kipsec
ipsecd_stop west
echo "# negotiation, forgeries and traffic done $((SECONDS - t0)) s since start-up"

# ---- valgrind's verdict ----
vg_stop
check_eq "hostile: ipsecd exits cleanly under valgrind (no memcheck error, no definite leak)" \
	0 "$vg_rc"
if [ -s "$work/valgrind.log" ]; then
	not_ok "hostile: valgrind reported"
	detail <"$work/valgrind.log"
else
	ok "hostile: valgrind reported nothing"
fi
finish
