#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hostile ESP at a kipsec gateway: packets crafted by esp_craft.py (its own
# RFC 4303/4106 implementation) from the other side of the wire, each of
# them replayed, too old, forged, truncated, badly padded, of an unknown SPI
# or for an SA that expired.  Every one must be dropped and counted where
# it belongs, nothing of it delivered, while the genuine packets between
# them still are; the VM runner fails the run if the kernel complained.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
. "$here/topology.sh"
. "$here/dataplane_lib.sh"

dp_start
need "esp attacks" /usr/bin/python3 || finish
need_craft "esp attacks" || finish

topo_up atk
k_out=$(key_hex 20 out) k_in=$(key_hex 20 in) k_exp=$(key_hex 20 expiring)
cat > "$work/west.conf" <<EOF
flow esp from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2
esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x1000:0x1001 enc aes-128-gcm enckey $k_out:$k_in
esp tunnel from 192.0.2.2 to 192.0.2.1 spi 0x1002 enc aes-128-gcm enckey $k_exp hard packets 1
EOF
check "west loads its SAs" ip netns exec "$NS_WEST" "$IPSECCTL" -f "$work/west.conf" || finish

got=$work/delivered
ip netns exec "$NS_WEST" /usr/bin/python3 "$CRAFT" listen 10.1.0.1 7777 "$got" &
for _ in $(seq 100); do grep -q listening "$got" 2>/dev/null && break; sleep 0.05; done

# send SPI SEQ KEY PAYLOAD [FAULT]: from east, then give west a moment.
send() {
	ip netns exec "$NS_EAST" /usr/bin/python3 "$CRAFT" send 192.0.2.2 192.0.2.1 "$@"
	sleep 0.3
}
sa() { kipsec_sa_counter "$NS_WEST" "$1" "$2"; }
glob() { kipsec_stat "$NS_WEST" "$1"; }
delivered() { grep -c -x "$1" "$got"; }

send 0x1001 1 "$k_in" p1
check_eq "a genuine packet is delivered" 1 "$(delivered p1)"
check_eq "and counted on its SA" 1 "$(sa 0x1001 packets)"

send 0x1001 1 "$k_in" replay1
check_eq "a replayed packet is not delivered" 0 "$(delivered replay1)"
check_eq "a replayed packet counts as a replay drop" 1 "$(sa 0x1001 'replay drops')"

send 0x1001 100 "$k_in" p100
send 0x1001 30 "$k_in" old30
check_eq "a packet left of the window (100 - 30 >= 64) is not delivered" 0 "$(delivered old30)"
check_eq "and counts as a replay drop" 2 "$(sa 0x1001 'replay drops')"
check_eq "global replay counter" 2 "$(glob 'in: replayed')"

send 0x1001 101 "$k_in" forged icv
check_eq "a forged ICV is not delivered" 0 "$(delivered forged)"
check_eq "and counts as an authentication failure" 1 "$(sa 0x1001 'auth failures')"
check_eq "global authentication failures" 1 "$(glob 'in: authentication failed')"
# The forged packet must not have moved the window (RFC 4303 §3.4.3).
send 0x1001 101 "$k_in" p101
check_eq "the sequence number a forgery used is still accepted" 1 "$(delivered p101)"

send 0x1001 102 "$k_in" truncated truncated
check_eq "a truncated packet is not delivered" 0 "$(delivered truncated)"
check_eq "and counts as a decryption error" 1 "$(sa 0x1001 'decrypt errors')"

send 0x1001 103 "$k_in" badpad badpad
check_eq "bad padding (authentic, but not 1, 2, 3, ...) is not delivered" 0 "$(delivered badpad)"
check_eq "and counts as a decryption error" 2 "$(sa 0x1001 'decrypt errors')"

send 0x1001 104 "$k_in" nexthdr nexthdr
check_eq "tunnel mode carrying UDP directly is not delivered" 0 "$(delivered nexthdr)"
check_eq "and counts as a decryption error" 3 "$(sa 0x1001 'decrypt errors')"

malformed=$(glob 'in: malformed')
send 0x1001 105 "$k_in" short short
check_eq "a packet shorter than an ESP header counts as malformed" $((malformed + 1)) \
	"$(glob 'in: malformed')"

send 0x9999 1 "$k_in" nosa
check_eq "an unknown SPI is not delivered" 0 "$(delivered nosa)"
check_eq "and counts as no SA" 1 "$(glob 'in: unknown SPI')"

send 0x1001 106 "$k_in" p106
check_eq "after all that, a genuine packet still passes" 1 "$(delivered p106)"
check_eq "the SA counted every genuine packet and nothing else" 4 "$(sa 0x1001 packets)"

# An SA with a hard limit of one packet: the second finds it gone.
send 0x1002 1 "$k_exp" e1
check_eq "the expiring SA delivers its one packet" 1 "$(delivered e1)"
for _ in $(seq 20); do [ "$(sa 0x1002 packets)" = -1 ] && break; sleep 0.1; done
check_eq "then it is gone (hard expiry)" -1 "$(sa 0x1002 packets)"
send 0x1002 2 "$k_exp" e2
check_eq "a packet for the expired SA is not delivered" 0 "$(delivered e2)"
check_eq "and counts as no SA" 2 "$(glob 'in: unknown SPI')"

check_eq "exactly the genuine packets arrived, in order" "p1 p100 p101 p106 e1" \
	"$(grep -v listening "$got" | tr '\n' ' ' | sed 's/ $//')"
kill %1 2>/dev/null
finish
