// SPDX-License-Identifier: GPL-2.0
/*
 * Table-driven self-test of the replay window and ESN inference, run at
 * module load in the debug build (KIPSEC_DEBUG=1): a wrong window is a
 * silent security hole, so a debug module refuses to load with one.
 */
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/printk.h>
#include <linux/slab.h>

#include "replay.h"

/* COPY: the window continues in a new one of seq packets (an SA replaced). */
enum op { CHECK, ADVANCE, RUN, INFER, SET_TOP, COPY };

struct step {
	enum op op;
	u64 seq;	/* RUN: first of a run; INFER: the low 32 bits sent */
	u64 arg;	/* RUN: last of the run; INFER: the expected 64-bit seq */
	int want;	/* CHECK/ADVANCE/RUN: expected result */
};

struct replay_case {
	const char *name;
	u32 window;
	const struct step *steps;
	unsigned int nsteps;
};

#define CASE(n, w, s) { .name = n, .window = w, .steps = s, .nsteps = ARRAY_SIZE(s) }

static const struct step basic64[] = {
	{ CHECK, 0, 0, -EINVAL },
	{ ADVANCE, 1, 0, 0 },
	{ ADVANCE, 1, 0, -EEXIST },
	{ ADVANCE, 3, 0, 0 },
	{ CHECK, 2, 0, 0 },
	{ ADVANCE, 2, 0, 0 },
	{ ADVANCE, 2, 0, -EEXIST },
	{ ADVANCE, 100, 0, 0 },
	{ CHECK, 36, 0, -ERANGE },	/* 100 - 36 == 64: just left of the window */
	{ CHECK, 37, 0, 0 },
	{ ADVANCE, 37, 0, 0 },
	{ ADVANCE, 37, 0, -EEXIST },
	{ ADVANCE, 1000, 0, 0 },	/* a jump wider than the whole ring */
	{ CHECK, 999, 0, 0 },		/* cleared, not left over from before */
	{ CHECK, 1000, 0, -EEXIST },
	{ CHECK, 936, 0, -ERANGE },
	{ CHECK, 937, 0, 0 },
};

static const struct step ring64[] = {
	/* 200 in order: the 2-block ring wraps several times. */
	{ RUN, 1, 200, 0 },
	{ RUN, 137, 200, -EEXIST },
	{ CHECK, 136, 0, -ERANGE },
	{ ADVANCE, 202, 0, 0 },
	{ ADVANCE, 201, 0, 0 },		/* out of order, inside the window */
	{ ADVANCE, 201, 0, -EEXIST },
};

static const struct step off[] = {
	{ ADVANCE, 5, 0, 0 },
	{ ADVANCE, 5, 0, 0 },		/* no window, no replay check */
	{ ADVANCE, 1, 0, 0 },
	{ CHECK, 0, 0, -EINVAL },
};

static const struct step wide4096[] = {
	{ ADVANCE, 5000, 0, 0 },
	{ CHECK, 904, 0, -ERANGE },
	{ CHECK, 905, 0, 0 },
	{ RUN, 905, 4999, 0 },
	{ RUN, 905, 5000, -EEXIST },
	/* 8192 ahead: every stale bit of the 8192-bit ring must be gone. */
	{ ADVANCE, 5000 + 8192, 0, 0 },
	{ CHECK, 4999 + 8192, 0, 0 },
	{ CHECK, 5000 + 8192, 0, -EEXIST },
	/* One block ahead: only that block is cleared. */
	{ ADVANCE, 5100 + 8192, 0, 0 },
	{ CHECK, 5099 + 8192, 0, 0 },
	{ CHECK, 5000 + 8192, 0, -EEXIST },
};

/* RFC 4303 Appendix A2.2, both cases and both edges of each. */
static const struct step esn64[] = {
	{ INFER, 5, 5 },
	{ INFER, 0xfffffff0, 0xfffffff0 },	/* no subspace before the first */
	{ SET_TOP, 0x100000010ULL },		/* Case B: Tl = 16 < W - 1 */
	{ INFER, 0xffffffe0, 0xffffffe0 },	/* from the previous subspace */
	{ INFER, 0xffffffd1, 0xffffffd1 },	/* window bottom */
	{ INFER, 0xffffffd0, 0x1ffffffd0ULL },	/* below it: far ahead instead */
	{ INFER, 0x20, 0x100000020ULL },
	{ SET_TOP, 0x180000000ULL },		/* Case A */
	{ INFER, 0x7fffffc1, 0x17fffffc1ULL },	/* window bottom */
	{ INFER, 0x7fffffc0, 0x27fffffc0ULL },	/* below it: next subspace */
	{ INFER, 0x90000000, 0x190000000ULL },
};

/* What the old window saw, or lay left of it, stays refused in the new one. */
static const struct step copy64[] = {
	{ ADVANCE, 1, 0, 0 },
	{ ADVANCE, 100, 0, 0 },
	{ ADVANCE, 60, 0, 0 },
	{ COPY, 128, 0, 0 },
	{ CHECK, 100, 0, -EEXIST },
	{ CHECK, 60, 0, -EEXIST },
	{ CHECK, 61, 0, 0 },
	{ CHECK, 10, 0, -EEXIST },	/* left of the old window */
	{ CHECK, 1, 0, -EEXIST },
	{ ADVANCE, 61, 0, 0 },
	{ COPY, 32, 0, 0 },
	{ CHECK, 61, 0, -ERANGE },
	{ CHECK, 70, 0, 0 },
	{ CHECK, 100, 0, -EEXIST },
	{ ADVANCE, 101, 0, 0 },
	{ COPY, 0, 0, 0 },
	{ CHECK, 50, 0, 0 },		/* window off: anything goes */
};

static const struct replay_case cases[] = {
	CASE("basic, window 64", 64, basic64),
	CASE("ring wrap, window 64", 64, ring64),
	CASE("window off", 0, off),
	CASE("window 4096", 4096, wide4096),
	CASE("esn inference, window 64", 64, esn64),
	CASE("copied into other windows", 64, copy64),
};

static int run_step(struct kipsec_replay *rp, const struct step *s)
{
	u64 seq;
	int got;

	switch (s->op) {
	case CHECK:
		return kipsec_replay_check(rp, s->seq) == s->want ? 0 : -1;
	case ADVANCE:
		return kipsec_replay_advance(rp, s->seq) == s->want ? 0 : -1;
	case RUN:
		for (seq = s->seq; seq <= s->arg; seq++) {
			got = kipsec_replay_advance(rp, seq);
			if (got != s->want)
				return -1;
		}
		return 0;
	case INFER:
		return kipsec_replay_infer_esn(rp, (u32)s->seq) == s->arg ? 0 : -1;
	case SET_TOP:
		rp->top = s->seq;
		return 0;
	case COPY:
		break;
	}
	return -1;
}

/* COPY: *rpp is replaced by a copy of it in a window of s->seq packets. */
static int copy_step(struct kipsec_replay **rpp, const struct step *s)
{
	struct kipsec_replay *to = kipsec_replay_alloc(s->seq, GFP_KERNEL);

	if (!to)
		return -1;
	kipsec_replay_copy(to, *rpp);
	kipsec_replay_free(*rpp);
	*rpp = to;
	return 0;
}

int kipsec_replay_selftest(void)
{
	const struct replay_case *c;
	struct kipsec_replay *rp;
	unsigned int i;

	for (c = cases; c < cases + ARRAY_SIZE(cases); c++) {
		rp = kipsec_replay_alloc(c->window, GFP_KERNEL);
		if (!rp)
			return -ENOMEM;
		for (i = 0; i < c->nsteps; i++) {
			const struct step *s = &c->steps[i];

			if (s->op == COPY ? copy_step(&rp, s) : run_step(rp, s)) {
				pr_err("kipsec: replay self-test '%s' failed at step %u\n",
				       c->name, i);
				kipsec_replay_free(rp);
				return -EINVAL;
			}
		}
		kipsec_replay_free(rp);
	}
	pr_info("kipsec: replay self-tests passed (%zu cases)\n", ARRAY_SIZE(cases));
	return 0;
}
