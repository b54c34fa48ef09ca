#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The libFuzzer suite of ipsecd's message parser (fuzz_isakmp.c), run by
# `make check` for a bounded time (KIPSEC_FUZZ_SECONDS, default 30) with
# AddressSanitizer and UBSan, from a seed corpus of well-formed messages
# written here.  Ends with "fuzz: N passed, N failed, N skipped"; under
# CI=true a missing clang or libFuzzer is a failure.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../.." && pwd)
out=$here/out
secs=${KIPSEC_FUZZ_SECONDS:-30}
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

rm -rf "$out"
mkdir -p "$out/corpus"
if ! command -v "$CLANG" >/dev/null; then
	skip "fuzz_isakmp builds" "$CLANG is missing (apt-get install clang-14 libfuzzer-14-dev)"
	summary
fi
if "$CLANG" -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
	-std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I"$top/include/uapi" -I"$top/userspace/lib" -I"$top/userspace/ipsecd" \
	-o "$out/fuzz_isakmp" "$here/fuzz_isakmp.c" "$top/userspace/ipsecd/isakmp.c" \
	"$top/userspace/ipsecd/proposal.c" "$top/userspace/lib/ike_alg.c" >"$out/build.log" 2>&1; then
	pass "fuzz_isakmp builds with -fsanitize=fuzzer,address,undefined"
else
	fail "fuzz_isakmp builds"
	sed 's/^/# /' "$out/build.log" | head -n 40
	summary
fi

# Seeds: main mode message 1 (SA, one AES/SHA2-256/MODP2048 transform), a
# quick mode SA with an ESP proposal, ID, nonce, notify and delete chains.
seed() { printf "$2" >"$out/corpus/$1"; }
hdr='\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x00\x00\x00\x00\x00'
seed mm1 "$hdr"'\x01\x10\x02\x00\x00\x00\x00\x00\x00\x00\x00\x48\x00\x00\x00\x2c\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x20\x01\x01\x00\x01\x00\x00\x00\x18\x01\x01\x00\x00\x80\x01\x00\x07\x80\x0e\x01\x00\x80\x02\x00\x04\x80\x04\x00\x0e'
seed qm "$hdr"'\x01\x10\x20\x00\x00\x00\x00\x01\x00\x00\x00\x54\x0a\x00\x00\x34\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00\x28\x01\x03\x04\x01\xc0\xff\xee\x01\x00\x00\x00\x1c\x01\x14\x00\x00\x80\x01\x00\x01\x00\x02\x00\x04\x00\x00\x04\xb0\x80\x04\x00\x01\x80\x06\x00\x80\x05\x00\x00\x0c\x00\x01\x02\x03\x04\x05\x06\x07\x00\x00\x00\x0c\x04\x00\x00\x00\x0a\x01\x00\x00'
seed info "$hdr"'\x0b\x10\x05\x00\x00\x00\x00\x00\x00\x00\x00\x40\x0c\x00\x00\x10\x00\x00\x00\x01\x03\x04\x00\x0e\xc0\xff\xee\x01\x00\x00\x00\x14\x00\x00\x00\x01\x03\x04\x00\x02\x00\x00\x01\x00\x00\x00\x02\x00'

"$out/fuzz_isakmp" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
	-artifact_prefix="$out/" "$out/corpus" >"$out/fuzz.log" 2>&1
rc=$?
runs=$(grep -o 'Done [0-9]* runs' "$out/fuzz.log" | awk '{ print $2 }')
if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
	pass "fuzz_isakmp: $runs inputs in ${secs}s, no crash, leak or undefined behaviour"
else
	fail "fuzz_isakmp: exit $rc"
	grep -E -A25 'ERROR|runtime error|SUMMARY' "$out/fuzz.log" | head -n 60 | sed 's/^/# /'
	ls "$out"/crash-* "$out"/leak-* "$out"/timeout-* 2>/dev/null | sed 's/^/# artifact: /'
fi
cov=$(grep -o 'cov: [0-9]*' "$out/fuzz.log" | tail -n 1 | awk '{ print $2 }')
if [ "${cov:-0}" -ge 150 ]; then
	pass "fuzz_isakmp: coverage reached ${cov} edges (the seeds parse)"
else
	fail "fuzz_isakmp: coverage only ${cov:-0} edges"
fi
summary
