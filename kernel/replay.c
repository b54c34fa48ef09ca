// SPDX-License-Identifier: GPL-2.0
/*
 * Anti-replay window (RFC 4303 §3.4.3) as the block ring of RFC 6479, and
 * ESN inference (RFC 4303 Appendix A2.2).
 */
#include <linux/bits.h>
#include <linux/errno.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include <linux/slab.h>

#include "replay.h"

#define BLOCK_BITS	64

struct kipsec_replay *kipsec_replay_alloc(u32 window, gfp_t gfp)
{
	struct kipsec_replay *rp;
	u32 nblocks = 0;

	if (window) {
		/*
		 * One block more than the window needs, so that sliding into a
		 * new block never clears a block the window still covers
		 * (RFC 6479 §2.2); a power of two so a bit's block is a mask.
		 */
		nblocks = roundup_pow_of_two(DIV_ROUND_UP(window, BLOCK_BITS) + 1);
	}
	rp = kzalloc(struct_size(rp, bitmap, nblocks), gfp);
	if (!rp)
		return NULL;
	rp->window = window;
	rp->nblocks = nblocks;
	return rp;
}

void kipsec_replay_free(struct kipsec_replay *rp)
{
	kfree(rp);
}

u64 kipsec_replay_infer_esn(const struct kipsec_replay *rp, u32 seql)
{
	u64 top = READ_ONCE(rp->top);
	u32 tl = lower_32_bits(top);
	u32 th = upper_32_bits(top);
	/* Without a window the inference still needs one: a window of one. */
	u32 w = rp->window ? rp->window : 1;
	u32 bottom = tl - w + 1;	/* modulo 2^32 */

	if (tl >= w - 1) {
		/* Case A: the window lies inside one 2^32 subspace. */
		if (seql >= bottom)
			return ((u64)th << 32) | seql;
		return ((u64)(th + 1) << 32) | seql;
	}
	/*
	 * Case B: the window spans two subspaces.  In the first subspace there
	 * is no earlier one: a large Seql is simply ahead.
	 */
	if (seql >= bottom && th)
		return ((u64)(th - 1) << 32) | seql;
	return ((u64)th << 32) | seql;
}

/* The bit of @seq in the ring: its block, and the mask inside it. */
static u64 *slot(const struct kipsec_replay *rp, u64 seq, u64 *mask)
{
	u32 bit = seq & (rp->nblocks * BLOCK_BITS - 1);

	*mask = BIT_ULL(bit % BLOCK_BITS);
	return (u64 *)&rp->bitmap[bit / BLOCK_BITS];
}

int kipsec_replay_check(const struct kipsec_replay *rp, u64 seq)
{
	u64 top = READ_ONCE(rp->top), mask, *block;

	/* The first packet sent carries 1: 0 is never valid (RFC 4303 §3.3.3). */
	if (!seq)
		return -EINVAL;
	if (!rp->window || seq > top)
		return 0;
	if (top - seq >= rp->window)
		return -ERANGE;
	block = slot(rp, seq, &mask);
	if (READ_ONCE(*block) & mask)
		return -EEXIST;
	return 0;
}

int kipsec_replay_advance(struct kipsec_replay *rp, u64 seq)
{
	int err = kipsec_replay_check(rp, seq);
	u64 mask, *block;

	if (err)
		return err;
	if (seq > rp->top) {
		if (rp->window) {
			u64 cur = rp->top / BLOCK_BITS;
			u64 diff = seq / BLOCK_BITS - cur;
			u64 i;

			/* Blocks the window slides onto start empty (RFC 6479 §2.3). */
			diff = min_t(u64, diff, rp->nblocks);
			for (i = 1; i <= diff; i++)
				WRITE_ONCE(rp->bitmap[(cur + i) & (rp->nblocks - 1)], 0);
		}
		WRITE_ONCE(rp->top, seq);
	}
	if (rp->window) {
		block = slot(rp, seq, &mask);
		WRITE_ONCE(*block, *block | mask);
	}
	return 0;
}

void kipsec_replay_copy(struct kipsec_replay *to, const struct kipsec_replay *from)
{
	u64 top = READ_ONCE(from->top), seq, mask, *block;
	u32 i;

	memset(to->bitmap, 0, to->nblocks * sizeof(to->bitmap[0]));
	WRITE_ONCE(to->top, top);
	/*
	 * What the old window saw stays seen; what lay left of it (or every
	 * number, with replay protection off) was never recorded, so it
	 * counts as seen too: refusing it is what the old window would do.
	 */
	for (i = 0; i < to->window && i < top; i++) {
		seq = top - i;
		if (i < from->window) {
			block = slot(from, seq, &mask);
			if (!(READ_ONCE(*block) & mask))
				continue;
		}
		block = slot(to, seq, &mask);
		*block |= mask;
	}
}
