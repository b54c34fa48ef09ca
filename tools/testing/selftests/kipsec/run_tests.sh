#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every kipsec kselftest, inside the VM (tools/testing/check.sh runs it as
# `run-in-vm.sh -t 4500 -m 2048 -- tools/testing/selftests/kipsec/run_tests.sh`):
# loads the freshly built kipsec.ko ($KIPSEC_KO, default kipsec.ko at the top
# of the repository), runs the C tests (TEST_GEN_PROGS) and the shell tests
# (TEST_PROGS) the Makefile lists, prints every ok / not ok line prefixed
# with the test's name, and ends with
#
#   kselftests: N passed, N failed, N skipped
#
# Exit status 1 if anything failed.  Under CI=true a missing test program or
# tool is a failure, not a skip.  KIPSEC_TEST_FILTER=REGEX runs only the
# tests whose name matches; KIPSEC_VERBOSE=1 shows every test's whole output
# (otherwise only that of tests with failures).
#
# Nothing is built here: the guest sees the repository read-only.  Build
# first (make selftests).
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../../../.." && pwd)
KIPSEC_KO=${KIPSEC_KO:-$top/kipsec.ko}
# The shell tests run from elsewhere: an absolute path.
KIPSEC_KO=$(realpath -m "$KIPSEC_KO")
export KIPSEC_KO
SUITE=kselftests
# Per program; the harness has its own per-test timeouts below these.
TIMEOUT=${KIPSEC_TEST_TIMEOUT:-1800}
. "$here/kernel_log.sh"
SPLAT=$KERNEL_SPLAT

passed=0 failed=0 skipped=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT

pass() { passed=$((passed + 1)); echo "ok - $*"; }
fail() { failed=$((failed + 1)); echo "not ok - $*"; }
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$1 (CI=true: no skipping: $2)"
	else
		skipped=$((skipped + 1))
		echo "ok - $1 # SKIP $2"
	fi
}

# insmod does not resolve dependencies: modprobe what modinfo lists first.
load_kipsec() {
	local dep
	for dep in $(modinfo -F depends "$KIPSEC_KO" 2>/dev/null | tr ',' ' '); do
		modprobe -q "$dep"
	done
	insmod "$KIPSEC_KO"
}

summary() {
	echo "$SUITE: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}

# The Makefile is the one list of tests: TEST_GEN_PROGS, then TEST_PROGS.
lists=$(make -s --no-print-directory -C "$here" list 2>/dev/null)
c_tests=$(printf '%s\n' "$lists" | sed -n 1p)
sh_tests=$(printf '%s\n' "$lists" | sed -n 2p)
# Tests that mostly wait (lifetimes, retransmission backoff, rekeys) run all
# at once, each in namespaces of its own, before the others.
concurrent=$(printf '%s\n' "$lists" | sed -n 3p)
if [ -z "$c_tests$sh_tests" ]; then
	fail "reading the test lists from $here/Makefile"
	summary
fi

selected() { [ -z "${KIPSEC_TEST_FILTER:-}" ] || [[ $1 =~ $KIPSEC_TEST_FILTER ]]; }

# run_start NAME COMMAND...: start a test in the background; run_collect
# NAME waits for it and turns its TAP lines into ours.  run_one does both.
run_start() {
	local name=$1
	shift
	dmesg | wc -l >"$log/$name.before"
	date +%s >"$log/$name.t0"
	timeout -k 10 "$TIMEOUT" "$@" >"$log/$name.out" 2>&1 </dev/null &
	echo $! >"$log/$name.pid"
}

run_one() {
	run_start "$@"
	run_collect "$1"
}

run_collect() {
	local name=$1 out=$log/$1.out rc before line status desc n_ok=0 n_fail=0 n_skip=0
	wait "$(cat "$log/$name.pid")"
	rc=$?
	before=$(cat "$log/$name.before")
	echo "# $name took $(($(date +%s) - $(cat "$log/$name.t0"))) s"
	# "ok 3 fixture.test", "not ok 3 ...", "ok 3 # SKIP why" (the
	# harness); "ok - name", "not ok - name", "ok - name # SKIP why" (shell).
	local tap='^(not )?ok( [0-9]+)?( -)? (.*)$' skipped_re='^(.*[^ ])? *# SKIP *(.*)$'
	while IFS= read -r line; do
		[[ $line =~ $tap ]] || continue
		status=${BASH_REMATCH[1]:+fail}
		desc=${BASH_REMATCH[4]}
		if [[ $desc =~ $skipped_re ]]; then
			skip "$name: ${BASH_REMATCH[1]:-${BASH_REMATCH[2]}}" "${BASH_REMATCH[2]}"
			n_skip=$((n_skip + 1))
		elif [ "$status" = fail ]; then
			fail "$name: $desc"
			n_fail=$((n_fail + 1))
		else
			pass "$name: $desc"
			n_ok=$((n_ok + 1))
		fi
	done <"$out"
	if [ "${KIPSEC_VERBOSE:-}" = 1 ] || [ "$n_fail" -gt 0 ] || { [ "$rc" -ne 0 ] && [ "$rc" -ne 4 ]; }; then
		echo "# ---- $name output ----"
		sed 's/^/# /' "$out"
		echo "# ---- end of $name ----"
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		fail "$name: timed out after ${TIMEOUT}s"
	elif [ "$rc" -eq 4 ] && [ "$n_ok" -eq 0 ] && [ "$n_fail" -eq 0 ]; then
		[ "$n_skip" -gt 0 ] || skip "$name" "the test skipped itself (exit 4)"
	elif [ "$rc" -ne 0 ] && [ "$n_fail" -eq 0 ]; then
		# Crashed, or failed without saying which check.
		fail "$name: exit status $rc"
	fi
	# A test whose run made the kernel complain failed, whatever it says.
	if dmesg | tail -n +"$((before + 1))" | grep -Eq "$SPLAT"; then
		fail "$name: kernel log clean"
		dmesg | tail -n +"$((before + 1))" | grep -E -A15 "$SPLAT" | head -n 60 | sed 's/^/# /'
	fi
}

if [ "$(id -u)" -ne 0 ]; then
	skip "$SUITE" "needs root (run it in the VM: tools/testing/vm/run-in-vm.sh)"
	summary
fi

start=$(date +%s)
# A debug kernel with kmemleak: forget what boot left, so that the scan at
# the end reports only what the tests leaked.
KMEMLEAK=/sys/kernel/debug/kmemleak
[ -w "$KMEMLEAK" ] && echo clear > "$KMEMLEAK"
if [ -d /sys/module/kipsec ]; then
	rmmod kipsec 2>/dev/null || true
fi
if [ ! -r "$KIPSEC_KO" ]; then
	fail "insmod $KIPSEC_KO: no such module (make module KIPSEC_DEBUG=1)"
	summary
fi
if out=$(load_kipsec 2>&1); then
	pass "insmod $(basename "$KIPSEC_KO")"
else
	fail "insmod $KIPSEC_KO: $out"
	dmesg | tail -n 20 | sed 's/^/# /'
	summary
fi

for t in $c_tests; do
	selected "$t" || continue
	if [ ! -x "$here/$t" ]; then
		skip "$t" "not built (make selftests)"
		continue
	fi
	run_one "$t" "$here/$t"
done
is_concurrent() { [[ " $concurrent " == *" $1 "* ]]; }

started=()
[ -n "$concurrent" ] && { [ -d /sys/module/kipsec ] || load_kipsec; }
for t in $concurrent; do
	selected "$t" || continue
	if [ ! -r "$here/$t" ]; then
		skip "$t" "missing"
		continue
	fi
	run_start "${t%.sh}" bash "$here/$t"
	started+=("${t%.sh}")
done
for t in "${started[@]}"; do
	run_collect "$t"
done

for t in $sh_tests; do
	selected "$t" || continue
	is_concurrent "$t" && continue
	if [ ! -r "$here/$t" ]; then
		skip "$t" "missing"
		continue
	fi
	# A shell test may unload the module: it must be loaded for the next.
	[ -d /sys/module/kipsec ] || load_kipsec
	run_one "${t%.sh}" bash "$here/$t"
done

if [ -d /sys/module/kipsec ]; then
	if rmmod kipsec; then
		pass "rmmod kipsec at the end"
	else
		fail "rmmod kipsec at the end"
	fi
fi
if [ -w "$KMEMLEAK" ]; then
	# Two scans: an object is reported once it stayed unreferenced over a
	# whole scan and is older than kmemleak's minimum age.
	echo scan > "$KMEMLEAK"
	sleep 6
	echo scan > "$KMEMLEAK"
	leaks=$(grep -c '^unreferenced object' "$KMEMLEAK")
	if [ "$leaks" -eq 0 ]; then
		pass "kmemleak: no unreferenced object after the suite"
	else
		fail "kmemleak: $leaks unreferenced objects after the suite"
		head -n 80 "$KMEMLEAK" | sed 's/^/# /'
	fi
fi
echo "# $SUITE took $(($(date +%s) - start)) s"
summary
