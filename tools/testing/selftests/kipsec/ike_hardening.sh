#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsecd against a hostile network and hostile local users, ipsecd on both
# gateways (west initiates, east answers):
#
#   replays      west deletes the rule's SAs (a second rule keeps
#                the ISAKMP SA): its genuine Quick Mode message 1, replayed
#                verbatim from the capture, makes east create nothing (no
#                SA, no reserved SPI) and east says why; west's delete
#                notification, replayed after the rule is back, leaves the
#                new SAs alone and is dropped as a replay;
#   NAT port     west's IKE leaves through a NAT that maps port 500 to
#                20500 and 4500 to 24500; NAT-D sees it, both float to 4500
#                (RFC 3947); west holds back east's message 2 a moment, so
#                that east resends it on its timer: every east->west Quick
#                Mode datagram on the wire goes to port 24500, none elsewhere;
#   control      the control socket is 0600; a user other than root who
#                reaches it anyway (chmod) is refused with the reason and a
#                log line, and loads nothing; ipsecd refuses a socket path
#                that is a symbolic link or not a socket (leaving it as it
#                was) and a directory others may write to;
#   no core      ipsecd killed by SIGSEGV with an unlimited core size
#                leaves no core file (PR_SET_DUMPABLE 0).
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"
. "$here/ike_lib.sh"

ike_start ikeh
need "ike_hardening" nft setpriv || finish
bulk_server "$NS_EAST" || not_ok "echo server did not start"
M="auth hmac-sha2-256 enc aes-128 group modp2048" Q="enc aes-128-gcm"
t0=$SECONDS
# took CASE: how long the case ran, as a TAP comment.
took() { echo "# $1: $((SECONDS - t0)) s"; t0=$SECONDS; }
no_sa() { [ "$(kipsec_sa_count "$1")" = 0 ]; }
p1_established() { ctl "$1" -s ike | grep -q " established "; }
dropped() { ctl "$1" -s ike -v | awk '/^datagrams in:/ { print $NF }'; }
fact() { awk -v k="$1" '$1 == k { $1 = ""; sub(/^ /, ""); print }' "$2"; }
# A quick mode datagram (ISAKMP exchange type 32, byte 18 after the UDP
# header), for nft (@th counts bits from the UDP header) and tcpdump.
NFT_QM="udp sport 500 @th,208,8 32"
BPF_QM="udp and udp[26] = 32"
# On the NAT-T port, after the four bytes of the non-ESP marker.
BPF_QM_NATT="udp port 4500 and udp[8:4] = 0 and udp[30] = 32"

# hold NS CHAIN-HOOK [MATCH]: drop quick mode datagrams on that hook.
hold() {
	ip netns exec "$1" nft -f - <<EOF
table inet khold {
	chain c {
		type filter hook $2 priority 0;
		$NFT_QM ${3:-} drop
	}
}
EOF
}
release() { ip netns exec "$1" nft delete table inet khold 2>/dev/null; }

# ---- replays ----
# (A forged quick mode message 2 ahead of the genuine one is the stateful
# fuzzer's regression seed forge-qm2, userspace/tests/fuzz/run.sh: there the
# order of the two is certain, which a capture-driven forger in the VM
# could not make it.)
case="replays"
if filtered "$case"; then
	ipsecd_start west && ipsecd_start east || not_ok "$case: ipsecd did not start"
	ike_rule east tunnel 4 passive "$M" "$Q" >"$work/east.conf"
	ike_rule west tunnel 4 active "$M" "$Q" >"$work/west.conf"
	# The second rule keeps the ISAKMP SA when the first is deleted.
	echo "ike passive esp tunnel from 10.1.5.0/24 to 10.2.5.0/24 local 192.0.2.1 peer 192.0.2.2 main $M quick $Q psk \"s3cret-key\"" \
		>"$work/west2.conf"
	ctl east -f "$work/east.conf" && ctl west -f "$work/west2.conf" ||
		not_ok "$case: ipsecctl -f refused the rules"
	wire_capture "$work/qm.pcap" udp port 500
	ctl west -f "$work/west.conf"
	if wait_until 15 sa_pairs_up; then
		ok "$case: the exchange completed"
	else
		not_ok "$case: no SA pair"
		show_logs
	fi
	wire_capture_stop

	case="replays"
	# West takes the rule's SAs out; the delete takes east's out too.
	wire_capture "$work/del.pcap" udp port 500
	ctl west -d -f "$work/west.conf"
	wait_until 5 no_sa east || not_ok "$case: east still has SAs after west's delete"
	wire_capture_stop
	check "$case: the ISAKMP SA stays (west's second rule)" p1_established east
	drops=$(dropped east)
	ip netns exec "$NS_WEST" python3 "$here/ike_forge.py" replay "$work/qm.pcap" \
		192.0.2.1 192.0.2.2 32 first >"$work/replay1" 2>&1
	check_eq "$case: west's genuine message 1 replayed from the capture" 1 \
		"$(fact replayed "$work/replay1")"
	# Under load east may take a while to get to it: wait for the count,
	# then check that nothing else happened.
	more_drops() { [ "$(dropped east)" -gt "${drops:-0}" ]; }
	check "$case: replayed message 1: east dropped and counted it" wait_until 20 more_drops
	check_eq "$case: replayed message 1: east has no SA, no reserved SPI" 0 "$(kipsec_sa_count east)"
	check "$case: replayed message 1: east's log says it is a replay" wait_until 5 \
		logged east "quick mode message for a message ID already used .*\\(replay\\)"
	# The rule back: a new pair; then the old delete again.
	ctl west -f "$work/west.conf"
	wait_until 15 sa_pairs_up || not_ok "$case: no new SA pair"
	before=$(kipsec_spis east)
	ip netns exec "$NS_WEST" python3 "$here/ike_forge.py" replay "$work/del.pcap" \
		192.0.2.1 192.0.2.2 5 last >"$work/replay2" 2>&1
	check_eq "$case: west's genuine delete replayed from the capture" 1 \
		"$(fact replayed "$work/replay2")"
	check "$case: replayed delete: east's log says it is a replay" wait_until 20 \
		logged east "informational message for a message ID already used .*\\(replay\\)"
	check_eq "$case: replayed delete: east's SA pair stays" "$before" "$(kipsec_spis east)"
	ipsecd_stop west
	ipsecd_stop east
	took "replays"
fi

# ---- NAT: east's resends go to the port west talks from ----
case="NAT port"
if filtered "$case"; then
	ip netns exec "$NS_WEST" nft -f - <<EOF
table ip knat {
	chain post {
		type nat hook postrouting priority srcnat;
		ip daddr 192.0.2.2 udp sport 500 snat to 192.0.2.1:20500
		ip daddr 192.0.2.2 udp sport 4500 snat to 192.0.2.1:24500
	}
}
EOF
	ipsecd_start west && ipsecd_start east || not_ok "$case: ipsecd did not start"
	ike_rule east tunnel 4 passive "$M" "$Q" >"$work/east.conf"
	ike_rule west tunnel 4 active "$M" "$Q" >"$work/west.conf"
	ctl east -f "$work/east.conf" || not_ok "$case: ipsecctl -f refused the rule"
	# West does not see east's message 2 for 2.5 s: east resends it.  The
	# NAT's port change made both float to 4500 (RFC 3947): quick mode
	# follows the non-ESP marker there.
	NFT_QM="udp sport 4500 @th,240,8 32" hold "$NS_WEST" input
	wire_capture "$work/nat.pcap" udp
	ctl west -f "$work/west.conf"
	east_qm() { [ "$(wire_count "$work/nat.pcap" "src host 192.0.2.2 and $BPF_QM_NATT")" -ge 1 ]; }
	wait_until 10 east_qm || not_ok "$case: east sent no message 2"
	sleep 2.5
	release "$NS_WEST"
	wait_until 15 sa_pairs_up || { not_ok "$case: no SA pair through the NAT"; show_logs; }
	wire_capture_stop
	to_nat=$(wire_count "$work/nat.pcap" "src host 192.0.2.2 and dst port 24500 and $BPF_QM_NATT")
	to_500=$(wire_count "$work/nat.pcap" "src host 192.0.2.2 and not dst port 24500 and ($BPF_QM or $BPF_QM_NATT)")
	check "$case: east resent its message 2 ($to_nat quick mode datagrams to west's NAT port 24500)" \
		test "$to_nat" -ge 2
	check_eq "$case: no quick mode datagram from east to another port" 0 "$to_500"
	resent() { ctl east -s ike -v | awk '/^datagrams out:/ { exit !($NF >= 1) }'; }
	check "$case: east counted a retransmission" resent
	ipsecd_stop west
	ipsecd_stop east
	ip netns exec "$NS_WEST" nft delete table ip knat
	took "$case"
fi

# ---- the control socket ----
# as_nobody COMMAND...: in east's namespace as uid/gid 65534.
as_nobody() { ip netns exec "$NS_EAST" setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
# refused_path PATH NAME: ipsecd with that socket path exits at once
# (not killed after 5 s by timeout, 124), its log in $work/NAME.log.
refused_path() {
	local rc
	timeout 5 ip netns exec "$NS_EAST" "$IPSECD" -S "$1" >"$work/$2.log" 2>&1
	rc=$?
	[ "$rc" != 0 ] && [ "$rc" != 124 ]
}
case="control"
if filtered "$case"; then
	ipsecd_start east || not_ok "$case: ipsecd did not start"
	check_eq "$case: the socket is mode 0600" 600 "$(stat -c %a "$work/east.sock")"
	ike_rule east tunnel 4 passive "$M" "$Q" >"$work/east.conf"
	chmod 0644 "$work/east.conf"
	shut_out() { ! as_nobody "$IPSECCTL" -S "$work/east.sock" -s ike; }
	check "$case: the file system keeps nobody out" shut_out
	# A mistake that opens the socket: ipsecd itself still says no.
	chmod 0711 "$work"
	chmod 0666 "$work/east.sock"
	# (check() has locals rc and out: these are nrc and nout.)
	nout=$(as_nobody "$IPSECCTL" -S "$work/east.sock" -s ike 2>&1)
	nrc=$?
	said_no() { [ "$nrc" != 0 ] && grep -q "for root only" <<<"$nout"; }
	check "$case: nobody's -s ike is refused (exit $nrc): $nout" said_no
	as_nobody "$IPSECCTL" -S "$work/east.sock" -f "$work/east.conf" >"$work/nobody-f" 2>&1
	nrc=$?
	check "$case: nobody's -f is refused (exit $nrc): $(head -n 1 "$work/nobody-f")" test "$nrc" != 0
	check_eq "$case: no rule loaded" 0 "$(ctl east -s ike | grep -c '^ike ')"
	check "$case: ipsecd logged the refusal" logged east "control: refused a request from uid 65534"
	check "$case: root is still served" ctl east -s ike
	chmod 0700 "$work"
	ipsecd_stop east

	# Paths ipsecd must not take, and must leave as they were.
	echo precious >"$work/target"
	ln -s "$work/target" "$work/link.sock"
	refused_path "$work/link.sock" link
	check "$case: a symbolic link as socket path is refused" grep -q "is a symbolic link" "$work/link.log"
	check "$case: ... and left alone" test -L "$work/link.sock" -a "$(cat "$work/target")" = precious
	echo data >"$work/file.sock"
	refused_path "$work/file.sock" file
	check "$case: a regular file as socket path is refused" grep -q "is not a socket" "$work/file.log"
	check_eq "$case: ... and kept" data "$(cat "$work/file.sock")"
	mkdir -m 0777 "$work/pub"
	refused_path "$work/pub/ipsecd.sock" pub
	check "$case: a directory others may write to is refused" grep -q "is not private" "$work/pub.log"
	ip netns exec "$NS_EAST" "$IPSECD" -S "$work/priv/ipsecd.sock" >"$work/priv.log" 2>&1 &
	echo $! >"$work/priv.pid"
	wait_until 5 test -S "$work/priv/ipsecd.sock"
	check_eq "$case: a missing directory is made private" 700 "$(stat -c %a "$work/priv" 2>&1)"
	stop_pidfile "$work/priv.pid"
	took "$case"
fi

# ---- no core dump of key material ----
case="no core"
if filtered "$case"; then
	pattern=$(cat /proc/sys/kernel/core_pattern)
	echo "$work/core.%p" >/proc/sys/kernel/core_pattern
	(ulimit -c unlimited && exec ip netns exec "$NS_EAST" "$IPSECD" -S "$work/core.sock") \
		>"$work/core.log" 2>&1 &
	pid=$!
	wait_until 5 test -S "$work/core.sock"
	# ip netns exec execs ipsecd: the pid is ipsecd's.
	kill -SEGV "$pid"
	wait "$pid" 2>/dev/null
	rc=$?
	sleep 0.5
	echo "$pattern" >/proc/sys/kernel/core_pattern
	check_eq "$case: ipsecd died of SIGSEGV" 139 "$rc"
	cores=$(find "$work" -maxdepth 1 -name 'core.[0-9]*' | wc -l)
	check_eq "$case: no core file written" 0 "$cores"
	took "$case"
fi

finish
