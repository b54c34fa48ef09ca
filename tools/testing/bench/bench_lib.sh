# SPDX-License-Identifier: GPL-2.0
#
# What every benchmark shares: rounds, interleaving and the ratio report.
#
# Under QEMU TCG a single measurement swings by half its value with what
# else the machine does, so no figure here is one measurement: each
# benchmark runs its two stacks alternately (XFRM, kipsec, XFRM, kipsec...)
# for KIPSEC_BENCH_ROUNDS rounds (at least 3), takes the ratio within each
# round, and reports the median with its min-max.

BENCH_ROUNDS=${KIPSEC_BENCH_ROUNDS:-3}
[ "$BENCH_ROUNDS" -ge 3 ] 2>/dev/null || BENCH_ROUNDS=3

# bench_ratio LABEL UNIT BETTER RATIO...: "LABEL UNIT median (min-max, N
# rounds, BETTER is better)"; RATIO is one round's ratio.
bench_ratio() {
	python3 - "$@" <<'PY'
import statistics, sys
label, unit, better = sys.argv[1:4]
r = sorted(float(v) for v in sys.argv[4:])
print(f"{label} {unit} {statistics.median(r):5.2f} "
      f"(min-max {r[0]:.2f}-{r[-1]:.2f}, {len(r)} interleaved rounds, {better} is better)")
PY
}

# bench_div A B: A / B, for one round's ratio.
bench_div() {
	python3 -c 'import sys; a, b = map(float, sys.argv[1:]); print(a / b if b else float("nan"))' "$1" "$2"
}
