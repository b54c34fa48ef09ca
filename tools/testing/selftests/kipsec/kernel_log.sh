# SPDX-License-Identifier: GPL-2.0
#
# What a clean kernel log never shows: one list for the VM's init
# (tools/testing/vm/guest-init.sh, over the whole log) and run_tests.sh (over
# what each test added).  Sourced, not run.
#
# Each entry is the text of a report, not a subsystem's name: a debug kernel
# announces "RCU lockdep checking is enabled" and "kmemleak: Kernel memory
# leak detector initialized" at boot, and neither is a problem.  KASAN
# reports start with "BUG: KASAN:", kmemleak's with "unreferenced object".
KERNEL_SPLAT='BUG:|WARNING:|Oops|general protection fault|kernel BUG|UBSAN:|refcount_t:'
KERNEL_SPLAT+='|list_(add|del) corruption|unreferenced object|suspected memory leak'
KERNEL_SPLAT+='|possible (recursive|circular) locking|inconsistent lock state|suspicious RCU usage'
KERNEL_SPLAT+='|DEBUG_LOCKS_WARN_ON|turning off the locking correctness validator|ODEBUG:'
KERNEL_SPLAT+='|INFO: task .* blocked|soft lockup|rcu_.*stall|Kernel panic'
