#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer suites of ipsecd, run by `make check` for a bounded time
# with AddressSanitizer and UBSan:
#
#   fuzz_isakmp     the message parser (KIPSEC_FUZZ_SECONDS, default 30),
#                   from a seed corpus of well-formed messages written here;
#   fuzz_exchange   the exchange layer: a real initiator and responder in
#                   one process, the input choosing which of their
#                   datagrams to mutate and how (KIPSEC_FUZZ_EXCHANGE_SECONDS,
#                   default 60); its seeds are genuine exchanges in every
#                   configuration, and the inputs that crashed ipsecd before
#                   (a message 5 of 33 bytes, quick mode messages without
#                   the encryption flag) stay in it as regressions.
#
# Built with -ftrivial-auto-var-init=pattern: a stack variable used before
# it is set holds 0xAA.. and a pointer in it crashes at once.  Ends with
# "fuzz: N passed, N failed, N skipped"; under CI=true a missing clang or
# libFuzzer is a failure.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
us=$top/userspace
out=$here/out
secs=${KIPSEC_FUZZ_SECONDS:-30}
xsecs=${KIPSEC_FUZZ_EXCHANGE_SECONDS:-60}
CLANG=${CLANG:-clang-14}
passed=0 failed=0 skipped=0

pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$1 (CI=true: no skipping: $2)"
	else
		skipped=$((skipped + 1))
		echo "ok - $1 # SKIP $2"
	fi
}
summary() {
	echo "fuzz: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}

# build NAME SOURCES... [-lLIB]
build() {
	local name=$1; shift
	if "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-ftrivial-auto-var-init=pattern \
		-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
		-I"$top/include/uapi" -I"$us/lib" -I"$us/ipsecd" -I"$us/tests/unit" \
		-o "$out/$name" "$@" >"$out/build-$name.log" 2>&1; then
		pass "$name builds with -fsanitize=fuzzer,address,undefined"
	else
		fail "$name builds"
		sed 's/^/# /' "$out/build-$name.log" | head -n 40
		return 1
	fi
}

# fuzz NAME SECONDS MIN_EDGES: run it on its corpus, count it.
fuzz() {
	local name=$1 t=$2 min=$3 rc runs cov
	"$out/$name" -max_total_time="$t" -max_len=4096 -timeout=10 -rss_limit_mb=1536 \
		-artifact_prefix="$out/$name-" "$out/corpus-$name" >"$out/$name.log" 2>&1
	rc=$?
	runs=$(grep -o 'Done [0-9]* runs' "$out/$name.log" | awk '{ print $2 }')
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		pass "$name: $runs inputs in ${t}s, no crash, leak or undefined behaviour"
	else
		fail "$name: exit $rc"
		grep -E -A25 'ERROR|runtime error|SUMMARY|deadly' "$out/$name.log" | head -n 60 | sed 's/^/# /'
		ls "$out/$name"-crash-* "$out/$name"-leak-* "$out/$name"-timeout-* 2>/dev/null |
			sed 's/^/# artifact: /'
	fi
	cov=$(grep -o 'cov: [0-9]*' "$out/$name.log" | tail -n 1 | awk '{ print $2 }')
	if [ "${cov:-0}" -ge "$min" ]; then
		pass "$name: coverage reached ${cov} edges (at least $min)"
	else
		fail "$name: coverage only ${cov:-0} edges (at least $min expected)"
	fi
}

rm -rf "$out"
mkdir -p "$out/corpus-fuzz_isakmp" "$out/corpus-fuzz_exchange"
if ! command -v "$CLANG" >/dev/null; then
	skip "fuzz_isakmp and fuzz_exchange build" "$CLANG is missing (apt-get install clang-14 libfuzzer-14-dev)"
	summary
fi
build fuzz_isakmp "$here/fuzz_isakmp.c" "$us/ipsecd/isakmp.c" "$us/ipsecd/proposal.c" \
	"$us/lib/ike_alg.c" || summary

# Seeds: main mode message 1 (SA, one AES/SHA2-256/MODP2048 transform), a
# quick mode SA with an ESP proposal, ID, nonce, notify and delete chains.
seed() { printf "$2" >"$out/corpus-fuzz_isakmp/$1"; }
hdr='\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x00\x00\x00\x00\x00'
seed mm1 "$hdr"'\x01\x10\x02\x00\x00\x00\x00\x00\x00\x00\x00\x48\x00\x00\x00\x2c\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x20\x01\x01\x00\x01\x00\x00\x00\x18\x01\x01\x00\x00\x80\x01\x00\x07\x80\x0e\x01\x00\x80\x02\x00\x04\x80\x04\x00\x0e'
seed qm "$hdr"'\x01\x10\x20\x00\x00\x00\x00\x01\x00\x00\x00\x54\x0a\x00\x00\x34\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x28\x01\x03\x04\x01\xc0\xff\xee\x01\x00\x00\x00\x1c\x01\x14\x00\x00\x80\x01\x00\x01\x00\x02\x00\x04\x00\x00\x04\xb0\x80\x04\x00\x01\x80\x06\x00\x80\x05\x00\x00\x0c\x00\x01\x02\x03\x04\x05\x06\x07\x00\x00\x00\x0c\x04\x00\x00\x00\x0a\x01\x00\x00'
seed info "$hdr"'\x0b\x10\x05\x00\x00\x00\x00\x00\x00\x00\x00\x40\x0c\x00\x00\x10\x00\x00\x00\x01\x03\x04\x00\x0e\xc0\xff\xee\x01\x00\x00\x00\x14\x00\x00\x00\x01\x03\x04\x00\x02\x00\x00\x01\x00\x00\x00\x02\x00'

fuzz fuzz_isakmp "$secs" 150

# The exchange layer, over everything of ipsecd but its sockets and loop.
build fuzz_exchange "$here/fuzz_exchange.c" "$us/tests/unit/fake_nl.c" \
	"$us"/ipsecd/{dispatch,isakmp,crypto,cookie,proposal,phase1,aggressive,phase2,info,sa,rule,kernel,log,timer,natt,dpd,lifetime}.c \
	"$us"/lib/{addr,alg,ike_alg,rule,text}.c -lcrypto || summary
# Input: configuration, seed (2 bytes), then operations of 5 bytes: kind,
# index of the datagram, position (2 bytes), value (fuzz_exchange.c).
xseed() { printf "$2" >"$out/corpus-fuzz_exchange/$1"; }
for c in 0 1 2 3 4 5; do
	xseed genuine-$c "\\x0$c\\x12\\x34"
done
xseed mm5-33-bytes '\x00\x12\x34\x00\x04\x00\x21\x00'
xseed qm1-clear '\x00\x12\x34\x01\x06\x00\x13\x00'
xseed qm2-clear '\x01\x12\x34\x01\x07\x00\x13\x00'
xseed qm3-clear '\x02\x12\x34\x01\x08\x00\x13\x00'
xseed mm5-twice '\x03\x12\x34\x04\x04\x00\x00\x00'
xseed qm1-payload '\x00\x12\x34\x08\x06\x00\x3c\x41'
xseed qm2-cut '\x01\x12\x34\x07\x07\x00\x01\x00'
xseed mm4-late '\x00\x12\x34\x09\x03\x01\xf4\x00'
xseed soft-expire '\x00\x12\x34\x0a\x08\x00\x00\x00'
xseed hard-expire '\x01\x12\x34\x0a\x08\x00\x00\x03'
# A forged message 6, quick mode 1, 2 and 3 ahead of the genuine one: the
# exchange must still end with matching keys (a forged message 2 used to
# leave the initiator's IV moved, and the genuine one then failed).
xseed forge-mm6 '\x00\x12\x34\x0b\x05\x00\x20\x01'
xseed forge-qm1 '\x01\x12\x34\x0b\x06\x00\x30\x80'
xseed forge-qm2 '\x02\x12\x34\x0b\x07\x00\x10\x01'
xseed forge-qm3 '\x03\x12\x34\x0b\x08\x00\x05\x40'
# Aggressive mode (configurations 4 and 5): message 1 repeated (the stored
# message 2, no second Diffie-Hellman), message 2 lost (resent by the
# responder's timer), message 3 lost (the repeated message 2 draws it
# again), HASH_R and HASH_I corrupted, the ID of message 1 changed.
xseed am1-twice '\x04\x12\x34\x04\x00\x00\x00\x00'
xseed am2-lost '\x05\x12\x34\x03\x01\x00\x00\x00'
xseed am3-lost '\x04\x12\x34\x03\x02\x00\x00\x00'
xseed am2-hash '\x05\x12\x34\x02\x01\x01\x20\x01'
xseed am3-hash '\x04\x12\x34\x02\x02\x00\x24\x80'
xseed am1-id '\x04\x12\x34\x01\x00\x01\x40\x41'
# One datagram lost, in each exchange: retransmission must still end with
# matching keys (main mode message 6, aggressive mode messages 1 and 3).
xseed mm6-lost '\x01\x12\x34\x03\x05\x00\x00\x00'
xseed am1-lost '\x05\x12\x34\x03\x00\x00\x00\x00'
xseed forge-all '\x00\x12\x34\x0b\x05\x00\x01\x01\x0b\x06\x00\x02\x02\x0b\x07\x00\x03\x04\x0b\x08\x00\x04\x08'
# Every seed once: the genuine ones, and those that only forge messages from
# message 6 on, must end with matching keys on both sides.
if "$out/fuzz_exchange" -runs=0 "$out/corpus-fuzz_exchange" >"$out/fuzz_exchange-seeds.log" 2>&1; then
	pass "fuzz_exchange: genuine exchanges in 6 configurations (main and aggressive mode) install matching SA pairs, also with one datagram lost and with forged messages 6 and quick mode ahead of the genuine ones; the old crashers pass"
else
	fail "fuzz_exchange: a seed failed"
	grep -E -A25 'ERROR|runtime error|deadly' "$out/fuzz_exchange-seeds.log" | head -n 40 | sed 's/^/# /'
fi
fuzz fuzz_exchange "$xsecs" 900
summary
