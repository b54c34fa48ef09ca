# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Shared by the kipsec shell tests: one "ok - NAME" or "not ok - NAME" line
# per check (TAP-ish; run_tests.sh counts them), a "# " line of detail under
# a failure, and the exit status: 0 all passed, 1 something failed, 4
# (kselftest's skip) nothing could run.  Under CI=true a missing tool is a
# failure, never a skip.
#
# Source it with $here set to this directory.
# shellcheck disable=SC2154

top=$(cd "$here/../../../.." && pwd)
KIPSEC_KO=${KIPSEC_KO:-$top/kipsec.ko}
STATE=$here/kipsec_state
IPSECCTL=${IPSECCTL:-$top/userspace/ipsecctl/ipsecctl}

t_pass=0 t_fail=0 t_skip=0
# What the kernel logs when it is unhappy (the VM runner greps the same).
SPLAT='BUG:|WARNING:|Oops|general protection fault|UBSAN|KASAN|refcount_t:|list_(add|del) corruption|unreferenced object|lockdep|possible recursive locking|INFO: task .* blocked|soft lockup|rcu_.*stall'

ok() { t_pass=$((t_pass + 1)); echo "ok - $*"; }

not_ok() { t_fail=$((t_fail + 1)); echo "not ok - $*"; }

# skip NAME WHY: a skip, or under CI=true a failure.
skip() {
	if [ "${CI:-}" = true ]; then
		not_ok "$1 (CI=true: no skipping: $2)"
	else
		t_skip=$((t_skip + 1))
		echo "ok - $1 # SKIP $2"
	fi
}

# detail: standard input as TAP comments, the first 40 lines.
detail() { sed 's/^/#   /' | head -n 40; }

# check NAME COMMAND...: ok if COMMAND succeeds; its output shown if not.
check() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -eq 0 ]; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   $* -> exit $rc"
		printf '%s\n' "$out" | detail
	fi
	return "$rc"
}

# check_fails NAME COMMAND...: ok if COMMAND fails.
check_fails() {
	local name=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 0 ]; then
		ok "$name"
	else
		not_ok "$name"
		echo "#   $* succeeded"
		printf '%s\n' "$out" | detail
	fi
}

# check_eq NAME EXPECTED ACTUAL
check_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   expected:"
		printf '%s\n' "$2" | detail
		echo "#   got:"
		printf '%s\n' "$3" | detail
	fi
}

# have TOOL...: whether every tool is there (an executable path or a command).
have() {
	local t
	for t in "$@"; do
		if [[ $t == *.ko ]]; then
			[ -r "$t" ] || return 1
		elif [[ $t == */* ]]; then
			[ -x "$t" ] || return 1
		else
			command -v "$t" >/dev/null || return 1
		fi
	done
}

# need NAME TOOL...: have, or skip (fail under CI) NAME and return 1.
need() {
	local name=$1 t
	shift
	for t in "$@"; do
		if ! have "$t"; then
			skip "$name" "$t is missing"
			return 1
		fi
	done
}

# wait_until SECONDS COMMAND...: until COMMAND succeeds (tried every 0.1 s).
wait_until() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

module_loaded() { [ -d /sys/module/kipsec ]; }

# insmod does not resolve dependencies: modprobe what modinfo lists first.
load_module() {
	local dep
	module_loaded && return 0
	for dep in $(modinfo -F depends "$KIPSEC_KO" 2>/dev/null | tr ',' ' '); do
		modprobe -q "$dep"
	done
	insmod "$KIPSEC_KO"
}

# State of the namespace $1 ("" for the current one), by kipsec_state.
ns_exec() {
	local ns=$1
	shift
	if [ -n "$ns" ]; then
		ip netns exec "$ns" "$@"
	else
		"$@"
	fi
}

state_stats() { ns_exec "$1" "$STATE" stats | tr '\n' ' ' | sed 's/ $//'; }
state_list() { ns_exec "$1" "$STATE" list; }

# dmesg_mark; ... dmesg_check NAME: no splat logged since the mark.
dmesg_mark() { dmesg_lines=$(dmesg | wc -l); }
dmesg_check() {
	local new
	new=$(dmesg | tail -n +"$((dmesg_lines + 1))")
	if printf '%s\n' "$new" | grep -Eq "$SPLAT"; then
		not_ok "$1"
		printf '%s\n' "$new" | grep -E -A12 "$SPLAT" | detail
	else
		ok "$1"
	fi
}

# finish: the summary comment and the exit status.
finish() {
	echo "# $(basename "$0"): $t_pass passed, $t_fail failed, $t_skip skipped"
	[ "$t_fail" -gt 0 ] && exit 1
	[ "$t_pass" -eq 0 ] && [ "$t_skip" -gt 0 ] && exit 4
	exit 0
}
