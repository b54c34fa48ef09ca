# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the ipsecd tests (ike_*.sh), on top of lib.sh, topology.sh and
# dataplane_lib.sh: starting and stopping ipsecd and strongSwan's charon in
# the two gateway namespaces, writing their configurations, and the proof
# that a negotiated pair of SAs carries the traffic.
#
# charon runs one per namespace under `unshare -m`, with tmpfs on /run and
# /var/run, its own strongswan.conf (STRONGSWAN_CONF) and its own vici
# socket, so that two of them never meet.
#
# Source after lib.sh, topology.sh and dataplane_lib.sh, with $here set.
# shellcheck disable=SC2154

IPSECD=${IPSECD:-$top/userspace/ipsecd/ipsecd}
# 64 KiB each way: enough to cross many packets, quick under TCG.
BULK_BYTES=${KIPSEC_BULK_BYTES:-65536}
CHARON=${CHARON:-/usr/lib/ipsec/charon}
SWANCTL=${SWANCTL:-swanctl}

# ike_start PREFIX: the module, a scratch directory, the topology, and the
# kernel's crypto warmed up (the first AEAD SA of a boot loads modules and
# seeds the DRBG: seconds under TCG, which would stall the first exchange).
ike_start() {
	work=$(mktemp -d)
	trap 'ike_cleanup' EXIT
	need "ipsecd" ip ping tcpdump python3 "$IPSECCTL" "$IPSECD" || finish
	load_module || { not_ok "insmod $KIPSEC_KO"; finish; }
	modprobe -q xfrm_user
	modprobe -q esp4
	modprobe -q esp6
	local k
	k=0x$(printf '%072d' 1)
	{
		echo "esp from 192.0.2.1 to 192.0.2.2 spi 0x100 enc aes-256-gcm enckey $k"
		echo "esp from 192.0.2.1 to 192.0.2.2 spi 0x101 enc aes-128 enckey ${k:0:34} auth hmac-sha1 authkey ${k:0:42}"
		echo "esp from 192.0.2.1 to 192.0.2.2 spi 0x102 enc 3des enckey ${k:0:50} auth hmac-sha2-256 authkey ${k:0:66}"
	} | "$IPSECCTL" -f - && "$IPSECCTL" -F
	topo_up "$1"
}

ike_cleanup() {
	local p
	for p in "$work"/*.pid; do
		[ -e "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 0.3
	topo_down
	rm -rf "$work"
}

ns_of() { [ "$1" = west ] && echo "$NS_WEST" || echo "$NS_EAST"; }

# ipsecd_start SIDE [ARGS]: ipsecd in SIDE's namespace, log in $work/SIDE.log.
ipsecd_start() {
	local side=$1 ns
	shift
	ns=$(ns_of "$side")
	ip netns exec "$ns" "$IPSECD" -v -S "$work/$side.sock" "$@" >"$work/$side.log" 2>&1 &
	echo $! >"$work/$side.pid"
	for _ in $(seq 100); do
		[ -S "$work/$side.sock" ] && return 0
		sleep 0.05
	done
	return 1
}

# stop_pidfile FILE: SIGTERM to the daemon FILE names, up to 5 s for it to
# exit (and clean up), then FILE is gone.
stop_pidfile() {
	local pid
	[ -e "$1" ] || return 0
	pid=$(cat "$1")
	kill "$pid" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	rm -f "$1"
}

# ipsecd_stop SIDE: SIGTERM, and wait for it to have cleaned up.
ipsecd_stop() { stop_pidfile "$work/$1.pid"; }

# ctl SIDE ARGS...: ipsecctl in SIDE's namespace, talking to its ipsecd.
ctl() {
	local side=$1
	shift
	ip netns exec "$(ns_of "$side")" "$IPSECCTL" -S "$work/$side.sock" "$@"
}

# ike_rule SIDE MODE FAMILY START MAIN QUICK [PSK]: one ike rule for SIDE.
ike_rule() {
	local side=$1 mode=$2 fam=$3 start=$4 main=$5 quick=$6 psk=${7:-s3cret-key}
	dp_addresses "$mode" "$fam"
	local me peer src dst
	read -r me peer src dst < <(dp_side "$side")
	if [ "$mode" = tunnel ]; then
		echo "ike $start esp tunnel from $src to $dst local $me peer $peer main $main quick $quick psk \"$psk\""
	else
		echo "ike $start esp transport from $me to $peer main $main quick $quick psk \"$psk\""
	fi
}

# ike_rules MODE FAMILY START MAIN QUICK: east's rule passive, west's
# START, each written to $work/SIDE.conf, and loaded, east's first.
ike_rules() {
	ike_rule east "$1" "$2" passive "$4" "$5" >"$work/east.conf"
	ike_rule west "$1" "$2" "$3" "$4" "$5" >"$work/west.conf"
	ctl east -f "$work/east.conf" && ctl west -f "$work/west.conf"
}

# ---- strongSwan ----

# charon_start SIDE: charon in SIDE's namespace with its own files;
# CHARON_EXTRA: more lines for its charon { } section.
charon_start() {
	local side=$1 ns dir=$work/swan-$1
	ns=$(ns_of "$side")
	rm -rf "$dir"
	mkdir -p "$dir"
	cat >"$dir/strongswan.conf" <<EOF
charon {
	load = random nonce openssl aes sha1 sha2 md5 hmac gmp kernel-netlink socket-default vici
	install_routes = no
	install_virtual_ip = no
	retransmit_tries = 3
	retransmit_timeout = 2
	${CHARON_EXTRA:-}
	plugins {
		vici {
			socket = unix://$dir/charon.vici
		}
	}
	filelog {
		log {
			path = $dir/charon.log
			flush_line = yes
			default = 1
			ike = 2
			cfg = 1
			knl = 1
		}
	}
}
swanctl {
	load = pem pkcs1 x509 revocation constraints pubkey openssl random
}
EOF
	# Its own /run and /var/run: charon.pid and friends stay apart.
	ip netns exec "$ns" unshare -m sh -c "mount -t tmpfs none /run && mount -t tmpfs none /var/run &&
		STRONGSWAN_CONF=$dir/strongswan.conf exec $CHARON" >"$dir/stdout" 2>&1 &
	echo $! >"$work/swan-$side.pid"
	for _ in $(seq 200); do
		[ -S "$dir/charon.vici" ] && swan "$side" --stats >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	return 1
}

charon_stop() {
	[ -e "$work/swan-$1.pid" ] || return 0
	# unshare exec'd sh which exec'd charon: the pid is charon's.
	stop_pidfile "$work/swan-$1.pid"
	ip -n "$(ns_of "$1")" xfrm state flush
	ip -n "$(ns_of "$1")" xfrm policy flush
}

# swan SIDE COMMAND ARGS...: swanctl against SIDE's charon (the options
# follow the command).
swan() {
	local side=$1 dir=$work/swan-$1 cmd=$2
	shift 2
	ip netns exec "$(ns_of "$side")" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		"$SWANCTL" "$cmd" --uri "unix://$dir/charon.vici" "$@"
}

# swan_load SIDE MODE FAMILY IKE-PROPOSAL ESP-PROPOSAL START [PSK]: one
# IKEv1 connection "k" with child "k" between the two gateways.
swan_load() {
	local side=$1 mode=$2 fam=$3 ike=$4 esp=$5 start=$6 psk=${7:-s3cret-key}
	local dir=$work/swan-$1 me peer lts rts
	dp_addresses "$mode" "$fam"
	me=$W_OUT peer=$E_OUT lts=$W_NET rts=$E_NET
	if [ "$side" = east ]; then
		me=$E_OUT peer=$W_OUT lts=$E_NET rts=$W_NET
	fi
	if [ "$mode" = transport ]; then
		lts=$me rts=$peer
	fi
	cat >"$dir/swanctl.conf" <<EOF
connections {
	k {
		version = 1
		aggressive = no
		local_addrs = $me
		remote_addrs = $peer
		proposals = $ike
		rekey_time = 0
		reauth_time = 0
		local {
			auth = psk
			id = $me
		}
		remote {
			auth = psk
			id = $peer
		}
		children {
			k {
				local_ts = $lts
				remote_ts = $rts
				esp_proposals = $esp
				mode = $mode
				start_action = $start
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-k {
		id-a = $me
		id-b = $peer
		secret = "$psk"
	}
}
EOF
	swan "$side" --load-all --file "$dir/swanctl.conf" >"$dir/load.out" 2>&1
}

# ---- proofs ----

# kipsec_spis SIDE: "OUT IN": the SPIs of the kipsec SA pair between the
# gateways (outbound first), from ipsecctl -s sa.
kipsec_spis() {
	local me=$W_OUT peer=$E_OUT
	[ "$1" = east ] && me=$E_OUT peer=$W_OUT
	ip netns exec "$(ns_of "$1")" "$IPSECCTL" -s sa | awk -v me="$me" -v peer="$peer" '
		$4 == me && $6 == peer { out = $8 }
		$4 == peer && $6 == me { inb = $8 }
		END { print out, inb }'
}

# kipsec_sa_count SIDE: SAs in the kernel (larval ones included).
kipsec_sa_count() { ip netns exec "$(ns_of "$1")" "$IPSECCTL" -s sa | grep -c '^esp '; }
kipsec_flow_count() { ip netns exec "$(ns_of "$1")" "$IPSECCTL" -s flow | grep -c '^flow '; }

# sa_pair_up SIDE: kipsec has a mature pair between the gateways.
sa_pair_up() {
	local spis
	spis=$(kipsec_spis "$1")
	[ "$(echo "$spis" | wc -w)" = 2 ]
}

# sa_pairs_up: both gateways' kipsec has its mature pair.
sa_pairs_up() { sa_pair_up west && sa_pair_up east; }

# logged SIDE REGEX: a line of SIDE's ipsecd log matches.
logged() { grep -Eq "$2" "$work/$1.log"; }

# The four packet counters of the pair: west out, east in, east out, west in.
pair_counters() {
	local peer=$1 spi_out=$2 spi_in=$3
	echo "$(kipsec_sa_packets "$NS_WEST" "$spi_out")" \
		"$(if [ "$peer" = xfrm ]; then xfrm_sa_packets "$NS_EAST" "$W_OUT" "$E_OUT" "$spi_out"
		   else kipsec_sa_packets "$NS_EAST" "$spi_out"; fi)" \
		"$(if [ "$peer" = xfrm ]; then xfrm_sa_packets "$NS_EAST" "$E_OUT" "$W_OUT" "$spi_in"
		   else kipsec_sa_packets "$NS_EAST" "$spi_in"; fi)" \
		"$(kipsec_sa_packets "$NS_WEST" "$spi_in")"
}

# ike_check_traffic CASE PEER: traffic both ways between the inner
# addresses (ping, a TCP transfer checked end to end); on the wire only
# ESP between the gateways (IKE aside); then five echo requests are
# counted on each of the four SAs: west's kipsec SAs and the peer's
# (kipsec on east, or charon's XFRM states).  Counting a quiet burst, not
# the bulk transfer, keeps a packet the bridge dropped under load (TCP
# sends it again) from looking like an SA that lost it.
ike_check_traffic() {
	local case=$1 peer=$2 ok=1 why="" spi_out spi_in a b
	wire_traffic ike || ok=0
	why=$WIRE_WHY
	read -r spi_out spi_in < <(kipsec_spis west)
	if [ -z "$spi_out" ] || [ -z "$spi_in" ]; then
		not_ok "$case: west has no SA pair"
		return
	fi
	# A late packet of the TCP close would count as a sixth: start from
	# counters that stand still.
	a=$(pair_counters "$peer" "$spi_out" "$spi_in")
	for _ in $(seq 10); do
		sleep 0.5
		b=$(pair_counters "$peer" "$spi_out" "$spi_in")
		[ "$a" = "$b" ] && break
		a=$b
	done
	ip netns exec "$NS_WEST" $PING -q -c 5 -i 0.1 -W 2 -I "$W_IN" "$E_IN" >/dev/null 2>&1 ||
		{ ok=0 why+=" ping-burst"; }
	b=$(pair_counters "$peer" "$spi_out" "$spi_in")
	# shellcheck disable=SC2086
	set -- $a $b
	[ "$1" -gt 0 ] && [ "$4" -gt 0 ] || { ok=0 why+=" counters=$a"; }
	[ $(($5 - $1)) = 5 ] && [ $(($6 - $2)) = 5 ] && [ $(($7 - $3)) = 5 ] && [ $(($8 - $4)) = 5 ] ||
		{ ok=0 why+=" five-pings-counted: before=$a after=$b"; }
	if [ "$ok" = 1 ]; then
		ok "$case: traffic (esp on wire $WIRE_PROTECTED, SA packets out $5 in $8, 5 pings counted on all four SAs)"
	else
		not_ok "$case: traffic:$why"
		head -n 10 "$work/leaks" | sed 's/^/#   clear: /'
		[ "$peer" = xfrm ] && ip -s -n "$NS_EAST" xfrm state | sed 's/^/#   /' | head -30
	fi
}

# show_logs: the daemons' logs as TAP comments (after a failure).
show_logs() {
	local f
	for f in "$work"/west.log "$work"/east.log "$work"/swan-*/charon.log; do
		[ -s "$f" ] || continue
		echo "# --- $(basename "$(dirname "$f")")/$(basename "$f")"
		tail -n 25 "$f" | sed 's/^/#   /'
	done
}
