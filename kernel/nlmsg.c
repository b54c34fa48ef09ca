// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the messages of the generic netlink family, written once for the
 * replies to requests (netlink.c), the entries of dumps and the events
 * (notify.c): an SA, a policy, a selector, as include/uapi/linux/kipsec.h
 * lays them out.  Keys are written only when asked (KIPSEC_A_SHOW_KEYS),
 * and wiped wherever a message that may hold them is dropped.
 */
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "kipsec.h"
#include "nlmsg.h"
#include "replay.h"

static int put_alg(struct sk_buff *skb, int type, const struct kipsec_alg_desc *d,
		   const u8 *key, u32 key_len, u32 icv_len, bool keys)
{
	struct nlattr *nest = nla_nest_start(skb, type);

	if (!nest ||
	    nla_put_string(skb, KIPSEC_ALG_A_NAME, d->name) ||
	    /* The length tells AES-128 from AES-256 without giving the key away. */
	    nla_put_u32(skb, KIPSEC_ALG_A_KEY_LEN, key_len) ||
	    (keys && key_len && nla_put(skb, KIPSEC_ALG_A_KEY, key_len, key)) ||
	    (icv_len && nla_put_u32(skb, KIPSEC_ALG_A_ICV_LEN, icv_len)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_life(struct sk_buff *skb, int type, const struct kipsec_lifetime *lt)
{
	struct nlattr *nest;

	if (!lt->bytes && !lt->packets && !lt->add_secs && !lt->use_secs)
		return 0;
	nest = nla_nest_start(skb, type);
	if (!nest ||
	    (lt->bytes && nla_put_u64_64bit(skb, KIPSEC_LIFE_A_BYTES, lt->bytes,
					    KIPSEC_LIFE_A_PAD)) ||
	    (lt->packets && nla_put_u64_64bit(skb, KIPSEC_LIFE_A_PACKETS, lt->packets,
					      KIPSEC_LIFE_A_PAD)) ||
	    (lt->add_secs && nla_put_u64_64bit(skb, KIPSEC_LIFE_A_ADD_SECS, lt->add_secs,
					       KIPSEC_LIFE_A_PAD)) ||
	    (lt->use_secs && nla_put_u64_64bit(skb, KIPSEC_LIFE_A_USE_SECS, lt->use_secs,
					       KIPSEC_LIFE_A_PAD)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int put_u64(struct sk_buff *skb, int type, u64 v, int pad)
{
	return nla_put_u64_64bit(skb, type, v, pad);
}

static int put_sa_stats(struct sk_buff *skb, const struct kipsec_sa *sa)
{
	const struct kipsec_sa_stats *s = &sa->stats;
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_SA_A_STATS);
	const int pad = KIPSEC_SA_STATS_A_PAD;

	if (!nest ||
	    put_u64(skb, KIPSEC_SA_STATS_A_PACKETS, atomic64_read(&s->packets), pad) ||
	    put_u64(skb, KIPSEC_SA_STATS_A_BYTES, atomic64_read(&s->bytes), pad) ||
	    put_u64(skb, KIPSEC_SA_STATS_A_REPLAY_DROPS, atomic64_read(&s->replay_drops), pad) ||
	    put_u64(skb, KIPSEC_SA_STATS_A_AUTH_FAILS, atomic64_read(&s->auth_fails), pad) ||
	    put_u64(skb, KIPSEC_SA_STATS_A_DECRYPT_ERRS, atomic64_read(&s->decrypt_errs), pad) ||
	    put_u64(skb, KIPSEC_SA_STATS_A_POLICY_DROPS, atomic64_read(&s->policy_drops), pad))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The KIPSEC_A_SA nest of a reply or event; keys only when asked. */
int kipsec_nlmsg_put_sa(struct sk_buff *skb, const struct kipsec_sa *sa, bool keys)
{
	const struct kipsec_xform *xf = &sa->xf;
	size_t alen = kipsec_addr_len(sa->id.family);
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_A_SA);
	const int pad = KIPSEC_SA_A_PAD;
	bool aead = xf->enc && xf->enc->kind == KIPSEC_ALG_KIND_AEAD;

	if (!nest ||
	    nla_put_u16(skb, KIPSEC_SA_A_FAMILY, sa->id.family) ||
	    nla_put(skb, KIPSEC_SA_A_SRC, alen, &sa->ep.saddr) ||
	    nla_put(skb, KIPSEC_SA_A_DST, alen, &sa->id.daddr) ||
	    nla_put_u32(skb, KIPSEC_SA_A_SPI, sa->id.spi) ||
	    nla_put_u8(skb, KIPSEC_SA_A_PROTO, sa->id.proto) ||
	    nla_put_u8(skb, KIPSEC_SA_A_STATE, READ_ONCE(sa->state)))
		return -EMSGSIZE;
	if (sa->mode && nla_put_u8(skb, KIPSEC_SA_A_MODE, sa->mode))
		return -EMSGSIZE;
	if (nla_put_u32(skb, KIPSEC_SA_A_REQID, sa->reqid))
		return -EMSGSIZE;
	if (sa->state == KIPSEC_SA_STATE_LARVAL)
		goto out;
	if (xf->enc && put_alg(skb, KIPSEC_SA_A_ENC, xf->enc, xf->enc_key, xf->enc_key_len,
			       aead ? xf->icv_len : 0, keys))
		return -EMSGSIZE;
	if (xf->auth && put_alg(skb, KIPSEC_SA_A_AUTH, xf->auth, xf->auth_key, xf->auth_key_len,
				xf->icv_len, keys))
		return -EMSGSIZE;
	if (nla_put_u32(skb, KIPSEC_SA_A_REPLAY_WINDOW, sa->replay_window) ||
	    nla_put_u32(skb, KIPSEC_SA_A_FLAGS, sa->flags) ||
	    put_life(skb, KIPSEC_SA_A_LIFE_SOFT, &sa->soft) ||
	    put_life(skb, KIPSEC_SA_A_LIFE_HARD, &sa->hard))
		return -EMSGSIZE;
	if (sa->encap_sport || sa->encap_dport) {
		struct nlattr *e = nla_nest_start(skb, KIPSEC_SA_A_ENCAP);

		if (!e || nla_put_u16(skb, KIPSEC_ENCAP_A_SPORT, sa->encap_sport) ||
		    nla_put_u16(skb, KIPSEC_ENCAP_A_DPORT, sa->encap_dport))
			return -EMSGSIZE;
		nla_nest_end(skb, e);
	}
	if (sa->mark_mask && (nla_put_u32(skb, KIPSEC_SA_A_MARK, sa->mark) ||
			      nla_put_u32(skb, KIPSEC_SA_A_MARK_MASK, sa->mark_mask)))
		return -EMSGSIZE;
	if (sa->ifindex && nla_put_u32(skb, KIPSEC_SA_A_IFINDEX, sa->ifindex))
		return -EMSGSIZE;
	if (put_sa_stats(skb, sa) ||
	    put_u64(skb, KIPSEC_SA_A_ADD_TIME, sa->add_time, pad) ||
	    put_u64(skb, KIPSEC_SA_A_USE_TIME, READ_ONCE(sa->use_time), pad) ||
	    put_u64(skb, KIPSEC_SA_A_SEQ_OUT, atomic64_read(&sa->seq_out), pad) ||
	    put_u64(skb, KIPSEC_SA_A_SEQ_IN, READ_ONCE(sa->replay->top), pad))
		return -EMSGSIZE;
out:
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nlmsg_put_selector(struct sk_buff *skb, const struct kipsec_selector *sel)
{
	size_t alen = kipsec_addr_len(sel->family);

	if (nla_put_u16(skb, KIPSEC_POL_A_FAMILY, sel->family) ||
	    nla_put(skb, KIPSEC_POL_A_SRC, alen, &sel->saddr) ||
	    nla_put_u8(skb, KIPSEC_POL_A_SRC_PREFIXLEN, sel->splen) ||
	    nla_put(skb, KIPSEC_POL_A_DST, alen, &sel->daddr) ||
	    nla_put_u8(skb, KIPSEC_POL_A_DST_PREFIXLEN, sel->dplen) ||
	    nla_put_u8(skb, KIPSEC_POL_A_PROTO, sel->proto) ||
	    nla_put_u16(skb, KIPSEC_POL_A_SPORT, sel->sport) ||
	    nla_put_u16(skb, KIPSEC_POL_A_DPORT, sel->dport))
		return -EMSGSIZE;
	return 0;
}

static int put_tmpl(struct sk_buff *skb, const struct kipsec_tmpl *t)
{
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_POL_A_TMPL);
	size_t alen = kipsec_addr_len(t->family);

	if (!nest ||
	    nla_put_u8(skb, KIPSEC_TMPL_A_PROTO, t->proto) ||
	    nla_put_u8(skb, KIPSEC_TMPL_A_MODE, t->mode) ||
	    nla_put_u32(skb, KIPSEC_TMPL_A_REQID, t->reqid))
		return -EMSGSIZE;
	/* A tunnel endpoint left open is all zeroes: not sent. */
	if (t->family &&
	    (nla_put_u16(skb, KIPSEC_TMPL_A_FAMILY, t->family) ||
	     (!ipv6_addr_any(&t->saddr.a6) && nla_put(skb, KIPSEC_TMPL_A_SRC, alen, &t->saddr)) ||
	     (!ipv6_addr_any(&t->daddr.a6) && nla_put(skb, KIPSEC_TMPL_A_DST, alen, &t->daddr))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nlmsg_put_policy(struct sk_buff *skb, int type, const struct kipsec_policy *pol)
{
	struct nlattr *nest = nla_nest_start(skb, type), *st;

	if (!nest ||
	    nla_put_u32(skb, KIPSEC_POL_A_ID, pol->id) ||
	    kipsec_nlmsg_put_selector(skb, &pol->sel) ||
	    nla_put_u8(skb, KIPSEC_POL_A_DIR, pol->dir) ||
	    nla_put_u32(skb, KIPSEC_POL_A_PRIORITY, pol->priority) ||
	    nla_put_u8(skb, KIPSEC_POL_A_ACTION, pol->action))
		return -EMSGSIZE;
	if (pol->action == KIPSEC_ACTION_PROTECT &&
	    (nla_put_u8(skb, KIPSEC_POL_A_LEVEL, pol->level) || put_tmpl(skb, &pol->tmpl)))
		return -EMSGSIZE;
	st = nla_nest_start(skb, KIPSEC_POL_A_STATS);
	if (!st ||
	    put_u64(skb, KIPSEC_POL_STATS_A_PACKETS, atomic64_read(&pol->packets),
		    KIPSEC_POL_STATS_A_PAD) ||
	    put_u64(skb, KIPSEC_POL_STATS_A_BYTES, atomic64_read(&pol->bytes),
		    KIPSEC_POL_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, st);
	nla_nest_end(skb, nest);
	return 0;
}

int kipsec_nlmsg_fill_sa(struct sk_buff *skb, const void *sa, bool keys)
{
	return kipsec_nlmsg_put_sa(skb, sa, keys);
}

int kipsec_nlmsg_fill_policy(struct sk_buff *skb, const void *pol, bool keys)
{
	return kipsec_nlmsg_put_policy(skb, KIPSEC_A_POLICY, pol);
}

/*
 * Key material in messages.  genlmsg_cancel() only moves the tail back, so
 * what a half-built message wrote past it stays in the buffer; a freed skb
 * is not cleared; and netlink_unicast() moves a message with much tailroom
 * into a smaller buffer (netlink_trim()), freeing the first one as it is.
 * So: a cancel wipes what it drops, an skb that may hold keys is wiped
 * before it is freed, and a reply with keys goes out in a buffer of its
 * size.  Once delivered, the receiving socket owns the skb and frees it
 * (as for XFRM); only init_on_free clears that copy.
 */
void kipsec_nlmsg_cancel(struct sk_buff *skb, void *hdr)
{
	unsigned int len = skb->len;

	genlmsg_cancel(skb, hdr);
	memzero_explicit(skb_tail_pointer(skb), len - skb->len);
}

void kipsec_nlmsg_free(struct sk_buff *skb)
{
	memzero_explicit(skb->head, skb_end_offset(skb));
	kfree_skb(skb);
}

/* A copy of a message with keys, in a buffer netlink_trim() leaves alone. */
static struct sk_buff *tight_copy(struct sk_buff *skb)
{
	struct sk_buff *copy = alloc_skb(skb->len, GFP_KERNEL);

	if (copy)
		skb_put_data(copy, skb->data, skb->len);
	kipsec_nlmsg_free(skb);
	return copy;
}

int kipsec_nlmsg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags, u8 cmd,
		     kipsec_fill_fn fill, const void *obj, bool keys)
{
	void *hdr = genlmsg_put(skb, portid, seq, &kipsec_genl_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (fill(skb, obj, keys)) {
		kipsec_nlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The answer to a doit request, keys wiped wherever it is dropped. */
int kipsec_nlmsg_reply(struct genl_info *info, kipsec_fill_fn fill, const void *obj, bool keys)
{
	struct sk_buff *skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	int err;

	if (!skb)
		return -ENOMEM;
	err = kipsec_nlmsg_put(skb, info->snd_portid, info->snd_seq, 0, info->genlhdr->cmd, fill,
			       obj, keys);
	if (err) {
		kipsec_nlmsg_free(skb);
		return err;
	}
	if (keys) {
		skb = tight_copy(skb);
		if (!skb)
			return -ENOMEM;
	}
	return genlmsg_reply(skb, info);
}
