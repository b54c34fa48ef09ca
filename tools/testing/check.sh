#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every test of kipsec, in one run: build checks on the host (warnings,
# sparse), the userspace unit and parser tests on the host, and the
# kselftests inside a QEMU guest running Debian's kernel with the freshly
# built kipsec.ko.  Each suite ends with "SUITE: N passed, N failed, N
# skipped"; this script adds them up and ends with the same line for all.
# Under CI=true a skipped test is a failure: nothing may be missing in CI.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
logdir=${KIPSEC_LOG_DIR:-$top/build/logs}
mkdir -p "$logdir"

passed=0 failed=0 skipped=0

count() {	# count NAME pass|fail|skip [why]
	case $2 in
	pass) passed=$((passed + 1)); echo "ok - $1" ;;
	fail) failed=$((failed + 1)); echo "not ok - $1${3:+: $3}" ;;
	skip) skipped=$((skipped + 1)); echo "ok - $1 # SKIP ${3:-}" ;;
	esac
}

# run_suite NAME COMMAND...: run a suite that prints its own summary line.
run_suite() {
	local name=$1; shift
	local log=$logdir/$name.log
	echo "=== $name: $*"
	"$@" 2>&1 | tee "$log"
	local rc=${PIPESTATUS[0]}
	local line
	line=$(grep -E "^$name: [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$" "$log" | tail -n 1)
	if [ -z "$line" ]; then
		count "$name" fail "suite printed no summary (exit $rc)"
		return
	fi
	read -r p f s < <(echo "$line" | sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$/\1 \2 \3/')
	passed=$((passed + p)); failed=$((failed + f)); skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		count "$name exit status" fail "exit $rc"
	fi
}

# The debug module (KIPSEC_DEBUG=1: its replay window self-test runs at
# load) is the one the VM tests load.  Every make of the module below gets
# the same flags, or kbuild would rebuild it without them.
debug=KIPSEC_DEBUG=1

# Build with W=1: any warning in our own sources fails this check.
echo "=== build"
if make -s module "$debug" KBUILD_EXTRA="W=1" >"$logdir/build-module.log" 2>&1; then
	count "kipsec.ko builds" pass
else
	cat "$logdir/build-module.log"
	count "kipsec.ko builds" fail
fi
if grep -E "^$top/(kernel|include)/.*warning:" "$logdir/build-module.log" >/dev/null ||
   grep -E "^(kernel|include)/.*warning:" "$logdir/build-module.log" >/dev/null; then
	grep "warning:" "$logdir/build-module.log"
	count "kipsec.ko is W=1 clean" fail
else
	count "kipsec.ko is W=1 clean" pass
fi
if make -s sparse "$debug" >"$logdir/sparse.log" 2>&1 && ! grep -E "(kernel|include)/[^:]+:[0-9]+:[0-9]+: (warning|error):" "$logdir/sparse.log"; then
	count "kipsec.ko is sparse clean" pass
else
	cat "$logdir/sparse.log"
	count "kipsec.ko is sparse clean" fail
fi
if make -s userspace selftests >"$logdir/build-userspace.log" 2>&1; then
	count "userspace and selftests build with -Werror" pass
else
	cat "$logdir/build-userspace.log"
	count "userspace and selftests build with -Werror" fail
fi

# A staged install (DESTDIR, as a packager makes it) puts exactly the
# expected files under DESTDIR and touches nothing outside it; the systemd
# units pass systemd-analyze verify; DKMS builds the staged sources.
run_suite install tools/testing/check-install.sh "$debug"

run_suite userspace make -s -C userspace check

# libFuzzer over ipsecd's message parser, for a bounded time.
run_suite fuzz userspace/tests/fuzz/run.sh

# The YAML spec of the family against the uAPI header and the kernel's
# nla_policy tables and operations.
run_suite netlink-spec tools/testing/check-netlink-spec.py
# And that the check catches each kind of drift it exists for.
run_suite netlink-spec-self-test tools/testing/check-netlink-spec.py --self-test

# One VM boot runs every kernel-side suite.
run_suite kselftests tools/testing/vm/run-in-vm.sh -t 4500 -m 2048 -- \
	tools/testing/selftests/kipsec/run_tests.sh

echo "$passed passed, $failed failed, $skipped skipped"
if [ "${CI:-}" = true ] && [ "$skipped" -gt 0 ]; then
	echo "check: $skipped test(s) skipped under CI=true: that is a failure" >&2
	exit 1
fi
[ "$failed" -eq 0 ]
