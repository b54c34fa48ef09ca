#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make check-debug: every kselftest inside the debug kernel (lockdep, KASAN,
# kmemleak, debug objects, UBSAN; tools/testing/vm/debug-kernel.config),
# with kipsec.ko built against that kernel's tree.  Any kernel report, and
# any object kmemleak finds unreferenced at the end, fails the run.
#
# The kernel build takes 30 to 60 minutes on two cores and is cached in
# $KIPSEC_DEBUG_KERNEL_DIR (default /var/tmp/kipsec-debug-kernel), outside
# the work tree; the module is built in build/debug-module/ so that the
# ordinary kipsec.ko at the top stays the stock kernel's.
#
# Ends with "check-debug: N passed, N failed, N skipped".
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
kdir=${KIPSEC_DEBUG_KERNEL_DIR:-/var/tmp/kipsec-debug-kernel}
logdir=${KIPSEC_LOG_DIR:-$top/build/logs}
mkdir -p "$logdir"

die() { echo "check-debug: $*" >&2; echo "check-debug: 0 passed, 1 failed, 0 skipped"; exit 1; }

missing=()
for p in flex bison bc libelf-dev; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
		die "cannot install ${missing[*]}"
fi

echo "=== the debug kernel (cached in $kdir)"
image=$(tools/testing/vm/build-debug-kernel.sh "$kdir" 2>"$logdir/debug-kernel.log" | tail -n 1)
[ -r "$image" ] || { tail -n 30 "$logdir/debug-kernel.log"; die "the debug kernel did not build"; }
tree=$kdir/linux-source-6.1

echo "=== kipsec.ko against it"
mod=$top/build/debug-module
mkdir -p "$mod"
cp -a Kbuild kernel include "$mod"/
make -s -C "$tree" M="$mod" KIPSEC_DEBUG=1 modules >"$logdir/debug-module.log" 2>&1 ||
	{ cat "$logdir/debug-module.log"; die "kipsec.ko does not build against the debug kernel"; }
make -s userspace selftests >"$logdir/build-userspace.log" 2>&1 ||
	{ cat "$logdir/build-userspace.log"; die "userspace does not build"; }

echo "=== kselftests in the debug kernel"
# Everything runs several times slower there: per-test and whole-run
# timeouts to match, and memory for KASAN's shadow.
KIPSEC_KO=$mod/kipsec.ko KIPSEC_TEST_TIMEOUT=${KIPSEC_TEST_TIMEOUT:-3600} \
	tools/testing/vm/run-in-vm.sh -K "$image" -t "${KIPSEC_DEBUG_TIMEOUT:-14400}" -m 4096 \
	-- tools/testing/selftests/kipsec/run_tests.sh 2>&1 | tee "$logdir/check-debug.log"
line=$(grep -E '^kselftests: [0-9]+ passed' "$logdir/check-debug.log" | tail -n 1)
[ -n "$line" ] || die "the suite printed no summary"
echo "check-debug: ${line#kselftests: }"
case $line in
*" 0 failed"*) exit 0 ;;
*) exit 1 ;;
esac
