#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ESP and AH interoperability: kipsec.ko on west, Linux XFRM (ip xfrm) on east,
# same keys and SPIs, for every transform kipsec offers, tunnel and
# transport mode, IPv4 and IPv6; then kipsec on both sides.  For each case:
#
#   - ping both ways and a bulk TCP transfer both ways whose SHA-256 must
#     match at both ends;
#   - on the wire (a capture on the bridge between the two, where only what
#     really crossed is seen) ESP and nothing else between the peers;
#   - kipsec's SA counters equal XFRM's on the other end, packet for packet.
#
# KIPSEC_TEST_FILTER=REGEX runs the cases whose name matches.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

# name | ipsecctl enc [auth] | ip xfrm algorithm | enc key bytes | auth key bytes
#      [| more ipsecctl SA options]
transforms=(
	"aes128gcm16|aes-128-gcm|aead 'rfc4106(gcm(aes))' ENCKEY 128|20|0"
	"aes192gcm16|aes-192-gcm|aead 'rfc4106(gcm(aes))' ENCKEY 128|28|0"
	"aes256gcm16|aes-256-gcm|aead 'rfc4106(gcm(aes))' ENCKEY 128|36|0"
	"aes128gcm12|aes-128-gcm-12|aead 'rfc4106(gcm(aes))' ENCKEY 96|20|0"
	"aes256gcm12|aes-256-gcm-12|aead 'rfc4106(gcm(aes))' ENCKEY 96|36|0"
	"aes128gcm8|aes-128-gcm-8|aead 'rfc4106(gcm(aes))' ENCKEY 64|20|0"
	"aes192gcm8|aes-192-gcm-8|aead 'rfc4106(gcm(aes))' ENCKEY 64|28|0"
	"chacha20poly1305|chacha20-poly1305|aead 'rfc7539esp(chacha20,poly1305)' ENCKEY 128|36|0"
	"aes128-sha256|aes-128 hmac-sha2-256|enc 'cbc(aes)' ENCKEY auth-trunc 'hmac(sha256)' AUTHKEY 128|16|32"
	"aes192-sha1|aes-192 hmac-sha1|enc 'cbc(aes)' ENCKEY auth-trunc 'hmac(sha1)' AUTHKEY 96|24|20"
	"aes256-sha384|aes-256 hmac-sha2-384|enc 'cbc(aes)' ENCKEY auth-trunc 'hmac(sha384)' AUTHKEY 192|32|48"
	"aes256-sha512|aes-256 hmac-sha2-512|enc 'cbc(aes)' ENCKEY auth-trunc 'hmac(sha512)' AUTHKEY 256|32|64"
	"aes128-md5|aes-128 hmac-md5|enc 'cbc(aes)' ENCKEY auth-trunc 'hmac(md5)' AUTHKEY 96|16|16"
	"3des-sha1|3des hmac-sha1|enc 'cbc(des3_ede)' ENCKEY auth-trunc 'hmac(sha1)' AUTHKEY 96|24|20"
	"3des-sha256|3des hmac-sha2-256|enc 'cbc(des3_ede)' ENCKEY auth-trunc 'hmac(sha256)' AUTHKEY 128|24|32"
	"null-sha256|null hmac-sha2-256|enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha256)' AUTHKEY 128|0|32"
	"null-sha1|null hmac-sha1|enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha1)' AUTHKEY 96|0|20"
	# Extended sequence numbers (RFC 4303 §2.2.1): the high half in the
	# ICV (authencesn) and in the AEAD's associated data (RFC 4106 §5).
	"aes128gcm16-esn|aes-128-gcm|aead 'rfc4106(gcm(aes))' ENCKEY 128 flag esn replay-window 64|20|0|esn"
	"aes128-sha256-esn|aes-128 hmac-sha2-256|enc 'cbc(aes)' ENCKEY auth-trunc 'hmac(sha256)' AUTHKEY 128 flag esn replay-window 64|16|32|esn"
	"null-sha1-esn|null hmac-sha1|enc 'ecb(cipher_null)' '' auth-trunc 'hmac(sha1)' AUTHKEY 96 flag esn replay-window 64|0|20|esn"
)

# AH (RFC 4302) with every HMAC, in the same format (no encryption).
ah_transforms=(
	"ah-md5|hmac-md5|auth-trunc 'hmac(md5)' AUTHKEY 96|0|16"
	"ah-sha1|hmac-sha1|auth-trunc 'hmac(sha1)' AUTHKEY 96|0|20"
	"ah-sha256|hmac-sha2-256|auth-trunc 'hmac(sha256)' AUTHKEY 128|0|32"
	"ah-sha384|hmac-sha2-384|auth-trunc 'hmac(sha384)' AUTHKEY 192|0|48"
	"ah-sha512|hmac-sha2-512|auth-trunc 'hmac(sha512)' AUTHKEY 256|0|64"
	"ah-sha256-esn|hmac-sha2-256|auth-trunc 'hmac(sha256)' AUTHKEY 128 flag esn replay-window 64|0|32|esn"
)

# One case: $1 = peer stack on east (xfrm|kipsec), $2 mode, $3 family, $4 transform entry.
run_case() {
	local peer=$1 mode=$2 fam=$3 entry=$4
	local name algs xalg elen alen extra
	IFS='|' read -r name algs xalg elen alen extra <<<"$entry"
	local PROTO=esp enc auth ek1 ek2 ak1 ak2 sa_spec
	[[ $name == ah-* ]] && PROTO=ah
	local case="$PROTO $peer $mode ipv$fam $name"
	filtered "$case" || return 0

	ek1=$(key_hex "$elen" "$name-e1") ek2=$(key_hex "$elen" "$name-e2")
	ak1=$(key_hex "$alen" "$name-a1") ak2=$(key_hex "$alen" "$name-a2")
	if [ "$PROTO" = ah ]; then
		sa_spec="auth $algs authkey $ak1:$ak2"
	else
		read -r enc auth <<<"$algs"
		sa_spec="enc $enc"
		[ "$elen" -gt 0 ] && sa_spec+=" enckey $ek1:$ek2"
		[ -n "$auth" ] && sa_spec+=" auth $auth authkey $ak1:$ak2"
	fi
	[ -n "$extra" ] && sa_spec+=" $extra"

	dp_addresses "$mode" "$fam"
	# west: kipsec, by ipsecctl.
	dp_kipsec_conf "$mode" west "$sa_spec" > "$work/west.conf"
	if ! ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" 2>"$work/err"; then
		not_ok "$case: ipsecctl refused: $(cat "$work/err")"
		dp_reset
		return
	fi
	# east: XFRM with the same SAs, or kipsec again.
	if [ "$peer" = xfrm ]; then
		dp_xfrm_conf "$mode" "$xalg" "$ek1" "$ak1" "$ek2" "$ak2" || {
			not_ok "$case: ip xfrm refused the SAs"
			dp_reset
			return
		}
	else
		dp_kipsec_conf "$mode" east "$sa_spec" > "$work/east.conf"
		ip netns exec "$NS_EAST" "$IPSECCTL" -f "$work/east.conf"
	fi
	dp_check_traffic "$case" "$peer"
	dp_reset
}

# run_shard N OF: every OF-th case from the N-th, in a topology of its own.
run_shard() {
	local shard=$1 of=$2 i=0 peer mode fam entry
	work=$(mktemp -d)
	topo_up "dp$shard"
	bulk_server "$NS_EAST" || not_ok "echo server did not start"
	for peer in xfrm kipsec; do
		for mode in tunnel transport; do
			for fam in 4 6; do
				for entry in "${transforms[@]}" "${ah_transforms[@]}"; do
					# kipsec against itself: a few transforms suffice.
					if [ "$peer" = kipsec ]; then
						case ${entry%%|*} in
						aes128gcm16|aes256-sha512|null-sha1|*-esn|ah-sha256) ;;
						*) continue ;;
						esac
					fi
					[ $((i++ % of)) = "$shard" ] || continue
					run_case "$peer" "$mode" "$fam" "$entry"
				done
			done
		done
	done
	topo_down
	rm -rf "$work"
}

dp_start
# Cases are independent: run them in as many topologies as there are CPUs.
shards=$(nproc)
for s in $(seq 0 $((shards - 1))); do
	run_shard "$s" "$shards" > "$work/shard.$s" 2>&1 &
done
wait
cat "$work"/shard.*
t_pass=$(cat "$work"/shard.* | grep -c '^ok - ')
t_fail=$(cat "$work"/shard.* | grep -c '^not ok - ')
finish
