/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Anti-replay window for inbound SAs (RFC 4303 §3.4.3), kept as the
 * ring of 64-bit blocks of RFC 6479 so that sliding the window costs at
 * most one store per block skipped, and extended sequence number inference
 * (RFC 4303 Appendix A2).
 *
 * The caller serialises kipsec_replay_advance() (the SA's lock);
 * kipsec_replay_check() is a cheap early test that may be done without it
 * and is repeated by kipsec_replay_advance() once the ICV has verified.
 */
#ifndef _KIPSEC_REPLAY_H
#define _KIPSEC_REPLAY_H

#include <linux/types.h>

struct kipsec_replay {
	u64 top;		/* highest sequence number accepted, 0 = none yet */
	u32 window;		/* packets; 0 = replay protection off */
	u32 nblocks;		/* bitmap blocks, a power of two */
	u64 bitmap[];
};

struct kipsec_replay *kipsec_replay_alloc(u32 window, gfp_t gfp);
void kipsec_replay_free(struct kipsec_replay *rp);

/* Full 64-bit sequence number for the low 32 bits a packet carried. */
u64 kipsec_replay_infer_esn(const struct kipsec_replay *rp, u32 seq_low);

/* 0 if @seq may be new; -EINVAL for 0, -ERANGE if left of the window,
 * -EEXIST if already seen.
 */
int kipsec_replay_check(const struct kipsec_replay *rp, u64 seq);

/* Re-check and record @seq after its ICV verified; same errors. */
int kipsec_replay_advance(struct kipsec_replay *rp, u64 seq);

/* @to, not yet in use, continues @from (an SA being replaced); any windows. */
void kipsec_replay_copy(struct kipsec_replay *to, const struct kipsec_replay *from);

#ifdef KIPSEC_DEBUG
int kipsec_replay_selftest(void);
#else
static inline int kipsec_replay_selftest(void) { return 0; }
#endif

#endif /* _KIPSEC_REPLAY_H */
