// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the generic netlink family "kipsec" (include/uapi/linux/kipsec.h,
 * Documentation/netlink/specs/kipsec.yaml).  Requests are validated
 * strictly by the policies below, then by hand where a policy cannot say it
 * (an address is 4 or 16 bytes depending on the family); every refusal
 * carries an extack message.  The semantics are in Documentation/design.md.
 */
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/ipv6.h>
#include <net/sock.h>

#include "kipsec.h"
#include "replay.h"

static struct genl_family kipsec_family;

enum { KIPSEC_MCGRP_EVENTS_ID };

static const struct genl_multicast_group kipsec_mcgrps[] = {
	[KIPSEC_MCGRP_EVENTS_ID] = {
		.name = KIPSEC_MCGRP_EVENTS,
		/* SA and policy changes are the namespace's business. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* ---- policies ---- */

#define ADDR_POLICY { .type = NLA_BINARY, .len = sizeof(struct in6_addr) }

static const struct nla_policy alg_policy[KIPSEC_ALG_A_MAX + 1] = {
	[KIPSEC_ALG_A_NAME] = { .type = NLA_NUL_STRING, .len = KIPSEC_ALG_NAME_MAX - 1 },
	[KIPSEC_ALG_A_KEY] = { .type = NLA_BINARY, .len = KIPSEC_KEY_MAX },
	[KIPSEC_ALG_A_ICV_LEN] = NLA_POLICY_RANGE(NLA_U32, 1, 64),
	[KIPSEC_ALG_A_KEY_LEN] = { .type = NLA_REJECT },
};

static const struct nla_policy life_policy[KIPSEC_LIFE_A_MAX + 1] = {
	[KIPSEC_LIFE_A_BYTES] = { .type = NLA_U64 },
	[KIPSEC_LIFE_A_PACKETS] = { .type = NLA_U64 },
	[KIPSEC_LIFE_A_ADD_SECS] = { .type = NLA_U64 },
	[KIPSEC_LIFE_A_USE_SECS] = { .type = NLA_U64 },
	[KIPSEC_LIFE_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy encap_policy[KIPSEC_ENCAP_A_MAX + 1] = {
	[KIPSEC_ENCAP_A_SPORT] = NLA_POLICY_MIN(NLA_U16, 1),
	[KIPSEC_ENCAP_A_DPORT] = NLA_POLICY_MIN(NLA_U16, 1),
};

static const struct nla_policy sa_policy[KIPSEC_SA_A_MAX + 1] = {
	[KIPSEC_SA_A_FAMILY] = { .type = NLA_U16 },
	[KIPSEC_SA_A_SRC] = ADDR_POLICY,
	[KIPSEC_SA_A_DST] = ADDR_POLICY,
	[KIPSEC_SA_A_SPI] = { .type = NLA_U32 },
	[KIPSEC_SA_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_SA_A_MODE] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_MODE_TRANSPORT, KIPSEC_MODE_TUNNEL),
	[KIPSEC_SA_A_REQID] = { .type = NLA_U32 },
	[KIPSEC_SA_A_ENC] = NLA_POLICY_NESTED(alg_policy),
	[KIPSEC_SA_A_AUTH] = NLA_POLICY_NESTED(alg_policy),
	[KIPSEC_SA_A_REPLAY_WINDOW] = NLA_POLICY_MAX(NLA_U32, KIPSEC_REPLAY_WINDOW_MAX),
	[KIPSEC_SA_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, KIPSEC_SA_F_ALL),
	[KIPSEC_SA_A_LIFE_SOFT] = NLA_POLICY_NESTED(life_policy),
	[KIPSEC_SA_A_LIFE_HARD] = NLA_POLICY_NESTED(life_policy),
	[KIPSEC_SA_A_ENCAP] = NLA_POLICY_NESTED(encap_policy),
	/* What only the kernel reports is refused in a request. */
	[KIPSEC_SA_A_STATE] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_STATS] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_ADD_TIME] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_USE_TIME] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_SEQ_OUT] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_SEQ_IN] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy tmpl_policy[KIPSEC_TMPL_A_MAX + 1] = {
	[KIPSEC_TMPL_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_TMPL_A_MODE] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_MODE_TRANSPORT, KIPSEC_MODE_TUNNEL),
	[KIPSEC_TMPL_A_FAMILY] = { .type = NLA_U16 },
	[KIPSEC_TMPL_A_SRC] = ADDR_POLICY,
	[KIPSEC_TMPL_A_DST] = ADDR_POLICY,
	[KIPSEC_TMPL_A_REQID] = { .type = NLA_U32 },
};

static const struct nla_policy pol_policy[KIPSEC_POL_A_MAX + 1] = {
	[KIPSEC_POL_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[KIPSEC_POL_A_FAMILY] = { .type = NLA_U16 },
	[KIPSEC_POL_A_SRC] = ADDR_POLICY,
	[KIPSEC_POL_A_SRC_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[KIPSEC_POL_A_DST] = ADDR_POLICY,
	[KIPSEC_POL_A_DST_PREFIXLEN] = NLA_POLICY_MAX(NLA_U8, 128),
	[KIPSEC_POL_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_POL_A_SPORT] = { .type = NLA_U16 },
	[KIPSEC_POL_A_DPORT] = { .type = NLA_U16 },
	[KIPSEC_POL_A_DIR] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_DIR_IN, KIPSEC_DIR_FWD),
	[KIPSEC_POL_A_PRIORITY] = { .type = NLA_U32 },
	[KIPSEC_POL_A_ACTION] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_ACTION_PROTECT,
						 KIPSEC_ACTION_DISCARD),
	[KIPSEC_POL_A_LEVEL] = NLA_POLICY_RANGE(NLA_U8, KIPSEC_LEVEL_REQUIRE, KIPSEC_LEVEL_USE),
	[KIPSEC_POL_A_TMPL] = NLA_POLICY_NESTED(tmpl_policy),
	[KIPSEC_POL_A_STATS] = { .type = NLA_REJECT },
	[KIPSEC_POL_A_PAD] = { .type = NLA_REJECT },
};

static const struct nla_policy kipsec_policy[KIPSEC_A_MAX + 1] = {
	[KIPSEC_A_SA] = NLA_POLICY_NESTED(sa_policy),
	[KIPSEC_A_POLICY] = NLA_POLICY_NESTED(pol_policy),
	[KIPSEC_A_SPI_MIN] = { .type = NLA_U32 },
	[KIPSEC_A_SPI_MAX] = { .type = NLA_U32 },
	[KIPSEC_A_PROTO] = { .type = NLA_U8 },
	[KIPSEC_A_STATS] = { .type = NLA_REJECT },
	[KIPSEC_A_SHOW_KEYS] = { .type = NLA_FLAG },
	[KIPSEC_A_EXPIRE_HARD] = { .type = NLA_REJECT },
	[KIPSEC_A_SEL_PKT] = { .type = NLA_REJECT },
	[KIPSEC_A_PAD] = { .type = NLA_REJECT },
};

/* ---- request parsing ---- */

/* A missing attribute: the extack names it (and points at the nest). */
#define REQUIRE(extack, nest, tb, type) ({					\
	bool __missing = !(tb)[type];						\
	if (__missing) {							\
		NL_SET_ERR_ATTR_MISS(extack, nest, type);			\
		NL_SET_ERR_MSG(extack, "missing attribute " #type);		\
	}									\
	__missing;								\
})

static int get_family(const struct nlattr *a, u8 *family, struct netlink_ext_ack *extack)
{
	u16 f = nla_get_u16(a);

	if (f != AF_INET && f != AF_INET6) {
		NL_SET_ERR_MSG_ATTR(extack, a, "address family must be AF_INET or AF_INET6");
		return -EINVAL;
	}
	*family = f;
	return 0;
}

static int get_addr(const struct nlattr *a, u8 family, union kipsec_inaddr *out,
		    struct netlink_ext_ack *extack)
{
	if (nla_len(a) != kipsec_addr_len(family)) {
		if (family == AF_INET)
			NL_SET_ERR_MSG_ATTR(extack, a, "an AF_INET address is exactly 4 bytes");
		else
			NL_SET_ERR_MSG_ATTR(extack, a, "an AF_INET6 address is exactly 16 bytes");
		return -EINVAL;
	}
	memset(out, 0, sizeof(*out));
	nla_memcpy(out, a, nla_len(a));
	return 0;
}

static int get_ipsec_proto(const struct nlattr *a, u8 *proto, struct netlink_ext_ack *extack)
{
	u8 p = nla_get_u8(a);

	if (p != IPPROTO_ESP && p != IPPROTO_AH) {
		NL_SET_ERR_MSG_ATTR(extack, a, "protocol must be IPPROTO_ESP (50) or IPPROTO_AH (51)");
		return -EINVAL;
	}
	*proto = p;
	return 0;
}

static int parse_nest(struct nlattr **tb, int max, const struct nlattr *nest,
		      const struct nla_policy *policy, struct genl_info *info, int top)
{
	if (!nest) {
		NL_SET_ERR_ATTR_MISS(info->extack, NULL, top);
		if (top == KIPSEC_A_SA)
			NL_SET_ERR_MSG(info->extack, "missing attribute KIPSEC_A_SA");
		else
			NL_SET_ERR_MSG(info->extack, "missing attribute KIPSEC_A_POLICY");
		return -EINVAL;
	}
	return nla_parse_nested(tb, max, nest, policy, info->extack);
}

/* FAMILY, DST, PROTO: what every SA request names. */
static int parse_sa_dst(struct nlattr **tb, const struct nlattr *nest, struct kipsec_sa_id *id,
			struct netlink_ext_ack *extack)
{
	int err;

	if (REQUIRE(extack, nest, tb, KIPSEC_SA_A_FAMILY) ||
	    REQUIRE(extack, nest, tb, KIPSEC_SA_A_DST) ||
	    REQUIRE(extack, nest, tb, KIPSEC_SA_A_PROTO))
		return -EINVAL;
	memset(id, 0, sizeof(*id));
	err = get_family(tb[KIPSEC_SA_A_FAMILY], &id->family, extack);
	if (!err)
		err = get_addr(tb[KIPSEC_SA_A_DST], id->family, &id->daddr, extack);
	if (!err)
		err = get_ipsec_proto(tb[KIPSEC_SA_A_PROTO], &id->proto, extack);
	return err;
}

/* FAMILY, DST, SPI, PROTO: the name of an SA (RFC 4301 §4.1). */
static int parse_sa_id(struct nlattr **tb, const struct nlattr *nest, struct kipsec_sa_id *id,
		       struct netlink_ext_ack *extack)
{
	int err = parse_sa_dst(tb, nest, id, extack);

	if (err)
		return err;
	if (REQUIRE(extack, nest, tb, KIPSEC_SA_A_SPI))
		return -EINVAL;
	id->spi = nla_get_u32(tb[KIPSEC_SA_A_SPI]);
	return 0;
}

static int parse_life(const struct nlattr *nest, struct kipsec_lifetime *lt,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_LIFE_A_MAX + 1];
	int err;

	memset(lt, 0, sizeof(*lt));
	if (!nest)
		return 0;
	err = nla_parse_nested(tb, KIPSEC_LIFE_A_MAX, nest, life_policy, extack);
	if (err)
		return err;
	if (tb[KIPSEC_LIFE_A_BYTES])
		lt->bytes = nla_get_u64(tb[KIPSEC_LIFE_A_BYTES]);
	if (tb[KIPSEC_LIFE_A_PACKETS])
		lt->packets = nla_get_u64(tb[KIPSEC_LIFE_A_PACKETS]);
	if (tb[KIPSEC_LIFE_A_ADD_SECS])
		lt->add_secs = nla_get_u64(tb[KIPSEC_LIFE_A_ADD_SECS]);
	if (tb[KIPSEC_LIFE_A_USE_SECS])
		lt->use_secs = nla_get_u64(tb[KIPSEC_LIFE_A_USE_SECS]);
	return 0;
}

/* A soft limit is a warning before the hard one: never past it. */
static bool soft_above_hard(const struct kipsec_lifetime *s, const struct kipsec_lifetime *h)
{
	return (s->bytes && h->bytes && s->bytes > h->bytes) ||
	       (s->packets && h->packets && s->packets > h->packets) ||
	       (s->add_secs && h->add_secs && s->add_secs > h->add_secs) ||
	       (s->use_secs && h->use_secs && s->use_secs > h->use_secs);
}

static int parse_alg(const struct nlattr *nest, struct kipsec_alg_req *req,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_ALG_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, KIPSEC_ALG_A_MAX, nest, alg_policy, extack);
	if (err)
		return err;
	if (REQUIRE(extack, nest, tb, KIPSEC_ALG_A_NAME))
		return -EINVAL;
	memset(req, 0, sizeof(*req));
	req->attr = nest;
	req->name = nla_data(tb[KIPSEC_ALG_A_NAME]);
	if (tb[KIPSEC_ALG_A_KEY]) {
		req->key = nla_data(tb[KIPSEC_ALG_A_KEY]);
		req->key_len = nla_len(tb[KIPSEC_ALG_A_KEY]);
	}
	if (tb[KIPSEC_ALG_A_ICV_LEN])
		req->icv_len = nla_get_u32(tb[KIPSEC_ALG_A_ICV_LEN]);
	return 0;
}

/* ---- replies and events ---- */

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
static int put_sa(struct sk_buff *skb, const struct kipsec_sa *sa, bool keys)
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

static int put_selector(struct sk_buff *skb, const struct kipsec_selector *sel)
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

static int put_policy(struct sk_buff *skb, int type, const struct kipsec_policy *pol)
{
	struct nlattr *nest = nla_nest_start(skb, type), *st;

	if (!nest ||
	    nla_put_u32(skb, KIPSEC_POL_A_ID, pol->id) ||
	    put_selector(skb, &pol->sel) ||
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

/* One message: the genl header, then fill(). */
typedef int (*fill_fn)(struct sk_buff *skb, const void *obj, bool keys);

static int fill_sa(struct sk_buff *skb, const void *obj, bool keys)
{
	return put_sa(skb, obj, keys);
}

static int fill_policy(struct sk_buff *skb, const void *obj, bool keys)
{
	return put_policy(skb, KIPSEC_A_POLICY, obj);
}

static int put_msg(struct sk_buff *skb, u32 portid, u32 seq, int flags, u8 cmd,
		   fill_fn fill, const void *obj, bool keys)
{
	void *hdr = genlmsg_put(skb, portid, seq, &kipsec_family, flags, cmd);

	if (!hdr)
		return -EMSGSIZE;
	if (fill(skb, obj, keys)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int reply(struct genl_info *info, fill_fn fill, const void *obj, bool keys)
{
	struct sk_buff *skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	int err;

	if (!skb)
		return -ENOMEM;
	err = put_msg(skb, info->snd_portid, info->snd_seq, 0, info->genlhdr->cmd, fill, obj,
		      keys);
	if (err) {
		/* Keys may already be in it. */
		memzero_explicit(skb->data, skb->len);
		kfree_skb(skb);
		return err;
	}
	return genlmsg_reply(skb, info);
}

static void multicast(struct kipsec_net *kn, struct sk_buff *skb, gfp_t gfp)
{
	genlmsg_multicast_netns(&kipsec_family, kn->net, skb, 0, KIPSEC_MCGRP_EVENTS_ID, gfp);
}

static bool listening(struct kipsec_net *kn)
{
	return genl_has_listeners(&kipsec_family, kn->net, KIPSEC_MCGRP_EVENTS_ID);
}

static void notify(struct kipsec_net *kn, u8 cmd, fill_fn fill, const void *obj)
{
	struct sk_buff *skb;

	if (!listening(kn))
		return;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	if (put_msg(skb, 0, 0, 0, cmd, fill, obj, false)) {
		kfree_skb(skb);
		return;
	}
	multicast(kn, skb, GFP_KERNEL);
}

void kipsec_notify_sa(struct kipsec_net *kn, const struct kipsec_sa *sa, u8 cmd)
{
	notify(kn, cmd, fill_sa, sa);
}

void kipsec_notify_policy(struct kipsec_net *kn, const struct kipsec_policy *pol, u8 cmd)
{
	notify(kn, cmd, fill_policy, pol);
}

void kipsec_notify_expire(struct kipsec_net *kn, const struct kipsec_sa *sa, bool hard)
{
	struct sk_buff *skb;
	void *hdr;

	if (!listening(kn))
		return;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &kipsec_family, 0, KIPSEC_CMD_EXPIRE);
	if (!hdr || put_sa(skb, sa, false) ||
	    (hard && nla_put_flag(skb, KIPSEC_A_EXPIRE_HARD))) {
		kfree_skb(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	multicast(kn, skb, GFP_KERNEL);
}

/* The packet that asked: a selector of single addresses (RFC 4301 §5.1). */
static int put_sel_pkt(struct sk_buff *skb, const struct kipsec_flow *fl)
{
	struct kipsec_selector sel = {
		.saddr = fl->saddr,
		.daddr = fl->daddr,
		.family = fl->family,
		.splen = kipsec_addr_len(fl->family) * 8,
		.dplen = kipsec_addr_len(fl->family) * 8,
		.proto = fl->proto,
		.sport = fl->opaque ? 0 : fl->sport,
		.dport = fl->opaque ? 0 : fl->dport,
	};
	struct nlattr *nest = nla_nest_start(skb, KIPSEC_A_SEL_PKT);

	if (!nest || put_selector(skb, &sel))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* From the data path: atomic context. */
void kipsec_notify_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
			   const struct kipsec_flow *fl)
{
	struct sk_buff *skb;
	void *hdr;

	if (!listening(kn))
		return;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &kipsec_family, 0, KIPSEC_CMD_ACQUIRE);
	if (!hdr || put_policy(skb, KIPSEC_A_POLICY, pol) || put_sel_pkt(skb, fl)) {
		kfree_skb(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	multicast(kn, skb, GFP_ATOMIC);
}

void kipsec_notify_flush(struct kipsec_net *kn, u8 cmd, u8 proto)
{
	struct sk_buff *skb;
	void *hdr;

	if (!listening(kn))
		return;
	skb = nlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!skb)
		return;
	hdr = genlmsg_put(skb, 0, 0, &kipsec_family, 0, cmd);
	if (!hdr || (proto && nla_put_u8(skb, KIPSEC_A_PROTO, proto))) {
		kfree_skb(skb);
		return;
	}
	genlmsg_end(skb, hdr);
	multicast(kn, skb, GFP_KERNEL);
}

/* ---- permissions ---- */

/*
 * Permissions are checked here rather than by genetlink's
 * GENL_UNS_ADMIN_PERM so that a refusal, like any other, says why.
 */
#define OP_ADMIN	BIT(0)

static int check_admin(const struct sk_buff *skb, struct net *net, struct netlink_ext_ack *extack)
{
	if (netlink_ns_capable(skb, net->user_ns, CAP_NET_ADMIN))
		return 0;
	NL_SET_ERR_MSG(extack, "needs CAP_NET_ADMIN in the network namespace's user namespace");
	return -EPERM;
}

static int kipsec_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			   struct genl_info *info)
{
	if (!(ops->internal_flags & OP_ADMIN))
		return 0;
	return check_admin(skb, genl_info_net(info), info->extack);
}

/* Dumps have no pre_doit: their start checks. */
static int dump_start_admin(struct netlink_callback *cb)
{
	return check_admin(cb->skb, sock_net(cb->skb->sk), cb->extack);
}

/* ---- SA commands ---- */

static struct kipsec_net *info_kn(struct genl_info *info)
{
	return kipsec_pernet(genl_info_net(info));
}

/* The endpoints and identity of an SA; the SPI only when with_spi. */
static int parse_sa_cfg(struct nlattr **tb, const struct nlattr *nest, bool with_spi,
			struct kipsec_sa_cfg *cfg, struct netlink_ext_ack *extack)
{
	int err;

	memset(cfg, 0, sizeof(*cfg));
	err = with_spi ? parse_sa_id(tb, nest, &cfg->id, extack) :
			 parse_sa_dst(tb, nest, &cfg->id, extack);
	if (err)
		return err;
	if (REQUIRE(extack, nest, tb, KIPSEC_SA_A_SRC))
		return -EINVAL;
	err = get_addr(tb[KIPSEC_SA_A_SRC], cfg->id.family, &cfg->saddr, extack);
	if (err)
		return err;
	if (tb[KIPSEC_SA_A_MODE])
		cfg->mode = nla_get_u8(tb[KIPSEC_SA_A_MODE]);
	if (tb[KIPSEC_SA_A_REQID])
		cfg->reqid = nla_get_u32(tb[KIPSEC_SA_A_REQID]);
	return 0;
}

static int sa_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1], *nest = info->attrs[KIPSEC_A_SA];
	struct kipsec_alg_req enc, auth;
	struct netlink_ext_ack *extack = info->extack;
	u16 nlflags = info->nlhdr->nlmsg_flags;
	struct kipsec_net *kn = info_kn(info);
	struct kipsec_sa_cfg cfg;
	struct kipsec_sa *sa;
	int err;

	err = parse_nest(tb, KIPSEC_SA_A_MAX, nest, sa_policy, info, KIPSEC_A_SA);
	if (err)
		return err;
	err = parse_sa_cfg(tb, nest, true, &cfg, extack);
	if (err)
		return err;
	if (REQUIRE(extack, nest, tb, KIPSEC_SA_A_MODE))
		return -EINVAL;
	/* 0 is never sent, 1-255 are reserved by IANA (RFC 4303 §2.1). */
	if (cfg.id.spi < 256) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SPI], "SPI must be 256 or more (RFC 4303 §2.1)");
		return -EINVAL;
	}
	cfg.replay_window = tb[KIPSEC_SA_A_REPLAY_WINDOW] ?
			    nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]) : KIPSEC_REPLAY_WINDOW_DEFAULT;
	if (tb[KIPSEC_SA_A_FLAGS])
		cfg.flags = nla_get_u32(tb[KIPSEC_SA_A_FLAGS]);
	err = parse_life(tb[KIPSEC_SA_A_LIFE_SOFT], &cfg.soft, extack);
	if (!err)
		err = parse_life(tb[KIPSEC_SA_A_LIFE_HARD], &cfg.hard, extack);
	if (err)
		return err;
	if (soft_above_hard(&cfg.soft, &cfg.hard)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_LIFE_SOFT],
				    "a soft lifetime limit is above its hard limit");
		return -EINVAL;
	}
	if (tb[KIPSEC_SA_A_ENCAP]) {
		struct nlattr *e[KIPSEC_ENCAP_A_MAX + 1];

		if (cfg.id.proto != IPPROTO_ESP) {
			NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_ENCAP],
					    "UDP encapsulation is for ESP only (RFC 3948)");
			return -EINVAL;
		}
		err = nla_parse_nested(e, KIPSEC_ENCAP_A_MAX, tb[KIPSEC_SA_A_ENCAP], encap_policy,
				       extack);
		if (err)
			return err;
		if (REQUIRE(extack, tb[KIPSEC_SA_A_ENCAP], e, KIPSEC_ENCAP_A_SPORT) ||
		    REQUIRE(extack, tb[KIPSEC_SA_A_ENCAP], e, KIPSEC_ENCAP_A_DPORT))
			return -EINVAL;
		cfg.encap_sport = nla_get_u16(e[KIPSEC_ENCAP_A_SPORT]);
		cfg.encap_dport = nla_get_u16(e[KIPSEC_ENCAP_A_DPORT]);
	}
	if (tb[KIPSEC_SA_A_ENC]) {
		err = parse_alg(tb[KIPSEC_SA_A_ENC], &enc, extack);
		if (err)
			return err;
	}
	if (tb[KIPSEC_SA_A_AUTH]) {
		err = parse_alg(tb[KIPSEC_SA_A_AUTH], &auth, extack);
		if (err)
			return err;
	}

	sa = kipsec_sa_alloc(kn, &cfg);
	if (!sa)
		return -ENOMEM;
	err = kipsec_xform_init(&sa->xf, cfg.id.proto, cfg.flags & KIPSEC_SA_F_ESN,
				tb[KIPSEC_SA_A_ENC] ? &enc : NULL,
				tb[KIPSEC_SA_A_AUTH] ? &auth : NULL, extack);
	if (!err)
		err = kipsec_sa_insert(kn, sa, nlflags & NLM_F_REPLACE, nlflags & NLM_F_CREATE,
				       extack);
	if (err)
		kipsec_sa_free(sa);
	return err;
}

static int sa_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1], *nest = info->attrs[KIPSEC_A_SA];
	struct kipsec_sa_id id;
	int err;

	err = parse_nest(tb, KIPSEC_SA_A_MAX, nest, sa_policy, info, KIPSEC_A_SA);
	if (!err)
		err = parse_sa_id(tb, nest, &id, info->extack);
	if (err)
		return err;
	err = kipsec_sa_delete(info_kn(info), &id);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no SA with this destination, SPI and protocol");
	return err;
}

static int sa_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1], *nest = info->attrs[KIPSEC_A_SA];
	struct kipsec_sa_id id;
	struct kipsec_sa *sa;
	int err;

	err = parse_nest(tb, KIPSEC_SA_A_MAX, nest, sa_policy, info, KIPSEC_A_SA);
	if (!err)
		err = parse_sa_id(tb, nest, &id, info->extack);
	if (err)
		return err;
	sa = kipsec_sa_lookup(info_kn(info), &id);
	if (!sa) {
		NL_SET_ERR_MSG(info->extack, "no SA with this destination, SPI and protocol");
		return -ENOENT;
	}
	err = reply(info, fill_sa, sa, info->attrs[KIPSEC_A_SHOW_KEYS]);
	kipsec_sa_put(sa);
	return err;
}

static int sa_dump_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *di = genl_dumpit_info(cb);
	int err = dump_start_admin(cb);

	if (err)
		return err;
	cb->args[0] = 0;				/* next dump index */
	cb->args[1] = !!di->attrs[KIPSEC_A_SHOW_KEYS];
	return 0;
}

/*
 * A dump walks an xarray by index, so it resumes where the last skb ended
 * whatever changed meanwhile; a change of generation since the dump began
 * marks the next message NLM_F_DUMP_INTR and the client starts over.
 */
static int dump_xa(struct sk_buff *skb, struct netlink_callback *cb, struct xarray *xa,
		   atomic_t *genid, u8 cmd, fill_fn fill, bool keys)
{
	unsigned long idx;
	void *obj;

	cb->seq = atomic_read(genid);
	rcu_read_lock();
	xa_for_each_start(xa, idx, obj, cb->args[0]) {
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					&kipsec_family, NLM_F_MULTI, cmd);

		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fill(skb, obj, keys)) {
			genlmsg_cancel(skb, hdr);
			break;
		}
		genlmsg_end(skb, hdr);
		cb->args[0] = idx + 1;
	}
	rcu_read_unlock();
	return skb->len;
}

static int sa_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_pernet(sock_net(skb->sk));

	return dump_xa(skb, cb, &kn->sa_xa, &kn->sa_genid, KIPSEC_CMD_SA_GET, fill_sa,
		       cb->args[1]);
}

static int sa_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	u8 proto = 0;

	if (info->attrs[KIPSEC_A_PROTO]) {
		int err = get_ipsec_proto(info->attrs[KIPSEC_A_PROTO], &proto, info->extack);

		if (err)
			return err;
	}
	kipsec_sa_flush(info_kn(info), proto);
	return 0;
}

static int spi_alloc_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_SA_A_MAX + 1], *nest = info->attrs[KIPSEC_A_SA];
	struct netlink_ext_ack *extack = info->extack;
	u32 min = 256, max = U32_MAX;
	struct kipsec_sa_cfg cfg;
	struct kipsec_sa *sa;
	int err;

	if (info->attrs[KIPSEC_A_SPI_MIN])
		min = nla_get_u32(info->attrs[KIPSEC_A_SPI_MIN]);
	if (info->attrs[KIPSEC_A_SPI_MAX])
		max = nla_get_u32(info->attrs[KIPSEC_A_SPI_MAX]);
	if (min < 256) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[KIPSEC_A_SPI_MIN],
				    "SPI range must start at 256 or more (RFC 4303 §2.1)");
		return -EINVAL;
	}
	if (min > max) {
		NL_SET_ERR_MSG_ATTR(extack, info->attrs[KIPSEC_A_SPI_MAX],
				    "SPI range is empty (min > max)");
		return -EINVAL;
	}
	/* The kernel chooses the SPI: a requested one is ignored. */
	err = parse_nest(tb, KIPSEC_SA_A_MAX, nest, sa_policy, info, KIPSEC_A_SA);
	if (!err)
		err = parse_sa_cfg(tb, nest, false, &cfg, extack);
	if (err)
		return err;
	cfg.replay_window = KIPSEC_REPLAY_WINDOW_DEFAULT;
	err = kipsec_sa_reserve_spi(info_kn(info), &cfg, min, max, &sa, extack);
	if (err)
		return err;
	err = reply(info, fill_sa, sa, false);
	kipsec_sa_put(sa);
	return err;
}

/* ---- policy commands ---- */

static bool host_bits_set(const union kipsec_inaddr *a, u8 family, u8 plen)
{
	const u8 *b = (const u8 *)a;
	unsigned int i, bits = kipsec_addr_len(family) * 8;

	for (i = plen; i < bits; i++)
		if (b[i / 8] & (0x80 >> (i % 8)))
			return true;
	return false;
}

static int parse_prefix(struct nlattr **tb, int addr_type, int plen_type, u8 family,
			union kipsec_inaddr *addr, u8 *plen, struct netlink_ext_ack *extack)
{
	u8 max = kipsec_addr_len(family) * 8;
	int err;

	memset(addr, 0, sizeof(*addr));
	*plen = tb[plen_type] ? nla_get_u8(tb[plen_type]) : (tb[addr_type] ? max : 0);
	if (*plen > max) {
		NL_SET_ERR_MSG_ATTR(extack, tb[plen_type], "prefix length too long for the family");
		return -EINVAL;
	}
	if (!tb[addr_type]) {
		if (*plen) {
			NL_SET_ERR_ATTR_MISS(extack, NULL, addr_type);
			NL_SET_ERR_MSG(extack, "a prefix length above 0 needs an address");
			return -EINVAL;
		}
		return 0;
	}
	err = get_addr(tb[addr_type], family, addr, extack);
	if (err)
		return err;
	if (host_bits_set(addr, family, *plen)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[addr_type],
				    "address has bits set past its prefix length");
		return -EINVAL;
	}
	return 0;
}

static int parse_selector(struct nlattr **tb, const struct nlattr *nest,
			  struct kipsec_selector *sel, struct netlink_ext_ack *extack)
{
	int err;

	memset(sel, 0, sizeof(*sel));
	if (REQUIRE(extack, nest, tb, KIPSEC_POL_A_FAMILY))
		return -EINVAL;
	err = get_family(tb[KIPSEC_POL_A_FAMILY], &sel->family, extack);
	if (!err)
		err = parse_prefix(tb, KIPSEC_POL_A_SRC, KIPSEC_POL_A_SRC_PREFIXLEN, sel->family,
				   &sel->saddr, &sel->splen, extack);
	if (!err)
		err = parse_prefix(tb, KIPSEC_POL_A_DST, KIPSEC_POL_A_DST_PREFIXLEN, sel->family,
				   &sel->daddr, &sel->dplen, extack);
	if (err)
		return err;
	if (tb[KIPSEC_POL_A_PROTO])
		sel->proto = nla_get_u8(tb[KIPSEC_POL_A_PROTO]);
	if (tb[KIPSEC_POL_A_SPORT])
		sel->sport = nla_get_u16(tb[KIPSEC_POL_A_SPORT]);
	if (tb[KIPSEC_POL_A_DPORT])
		sel->dport = nla_get_u16(tb[KIPSEC_POL_A_DPORT]);
	if ((sel->sport || sel->dport) && sel->proto != IPPROTO_TCP &&
	    sel->proto != IPPROTO_UDP && sel->proto != IPPROTO_SCTP) {
		NL_SET_ERR_MSG_ATTR(extack, tb[sel->sport ? KIPSEC_POL_A_SPORT : KIPSEC_POL_A_DPORT],
				    "ports need protocol TCP, UDP or SCTP");
		return -EINVAL;
	}
	return 0;
}

static int parse_tmpl(const struct nlattr *nest, u8 dir, struct kipsec_tmpl *t,
		      struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KIPSEC_TMPL_A_MAX + 1];
	int err;

	err = nla_parse_nested(tb, KIPSEC_TMPL_A_MAX, nest, tmpl_policy, extack);
	if (err)
		return err;
	if (REQUIRE(extack, nest, tb, KIPSEC_TMPL_A_PROTO) ||
	    REQUIRE(extack, nest, tb, KIPSEC_TMPL_A_MODE))
		return -EINVAL;
	memset(t, 0, sizeof(*t));
	err = get_ipsec_proto(tb[KIPSEC_TMPL_A_PROTO], &t->proto, extack);
	if (err)
		return err;
	t->mode = nla_get_u8(tb[KIPSEC_TMPL_A_MODE]);
	if (tb[KIPSEC_TMPL_A_REQID])
		t->reqid = nla_get_u32(tb[KIPSEC_TMPL_A_REQID]);
	if (t->mode == KIPSEC_MODE_TRANSPORT) {
		/* The packet's own addresses are the endpoints (RFC 4301 §4.1). */
		if (tb[KIPSEC_TMPL_A_FAMILY] || tb[KIPSEC_TMPL_A_SRC] || tb[KIPSEC_TMPL_A_DST]) {
			NL_SET_ERR_MSG_ATTR(extack, nest,
					    "a transport mode template takes no tunnel endpoints");
			return -EINVAL;
		}
		return 0;
	}
	/*
	 * The peer is needed: the destination of outbound traffic, the
	 * source of inbound.  Our own end may be left to routing (outbound)
	 * or match any local address (inbound).
	 */
	if (REQUIRE(extack, nest, tb, KIPSEC_TMPL_A_FAMILY) ||
	    (dir == KIPSEC_DIR_OUT ? REQUIRE(extack, nest, tb, KIPSEC_TMPL_A_DST) :
				     REQUIRE(extack, nest, tb, KIPSEC_TMPL_A_SRC)))
		return -EINVAL;
	err = get_family(tb[KIPSEC_TMPL_A_FAMILY], &t->family, extack);
	if (!err && tb[KIPSEC_TMPL_A_SRC])
		err = get_addr(tb[KIPSEC_TMPL_A_SRC], t->family, &t->saddr, extack);
	if (!err && tb[KIPSEC_TMPL_A_DST])
		err = get_addr(tb[KIPSEC_TMPL_A_DST], t->family, &t->daddr, extack);
	return err;
}

static int policy_add_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1], *nest = info->attrs[KIPSEC_A_POLICY];
	struct netlink_ext_ack *extack = info->extack;
	struct kipsec_policy *pol;
	int err;

	err = parse_nest(tb, KIPSEC_POL_A_MAX, nest, pol_policy, info, KIPSEC_A_POLICY);
	if (err)
		return err;
	if (tb[KIPSEC_POL_A_ID]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_ID], "the kernel assigns policy ids");
		return -EINVAL;
	}
	if (REQUIRE(extack, nest, tb, KIPSEC_POL_A_DIR) ||
	    REQUIRE(extack, nest, tb, KIPSEC_POL_A_ACTION))
		return -EINVAL;
	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	err = parse_selector(tb, nest, &pol->sel, extack);
	if (err)
		goto fail;
	pol->dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
	pol->action = nla_get_u8(tb[KIPSEC_POL_A_ACTION]);
	pol->priority = tb[KIPSEC_POL_A_PRIORITY] ? nla_get_u32(tb[KIPSEC_POL_A_PRIORITY]) : 1000;
	if (pol->action == KIPSEC_ACTION_PROTECT) {
		pol->level = tb[KIPSEC_POL_A_LEVEL] ? nla_get_u8(tb[KIPSEC_POL_A_LEVEL]) :
						      KIPSEC_LEVEL_REQUIRE;
		err = -EINVAL;
		if (REQUIRE(extack, nest, tb, KIPSEC_POL_A_TMPL))
			goto fail;
		err = parse_tmpl(tb[KIPSEC_POL_A_TMPL], pol->dir, &pol->tmpl, extack);
		if (err)
			goto fail;
	} else if (tb[KIPSEC_POL_A_TMPL] || tb[KIPSEC_POL_A_LEVEL]) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_POL_A_TMPL] ?: tb[KIPSEC_POL_A_LEVEL],
				    "only a PROTECT policy takes a template and a level");
		err = -EINVAL;
		goto fail;
	}
	err = kipsec_policy_insert(info_kn(info), pol, extack);
	if (err)
		goto fail;
	/* Published: the reply reads it under RCU, it may be deleted meanwhile. */
	rcu_read_lock();
	pol = kipsec_policy_find_id(info_kn(info), pol->id);
	if (pol) {
		struct kipsec_policy copy = *pol;

		rcu_read_unlock();
		return reply(info, fill_policy, &copy, false);
	}
	rcu_read_unlock();
	return 0;
fail:
	kfree(pol);
	return err;
}

static int policy_del_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1], *nest = info->attrs[KIPSEC_A_POLICY];
	struct kipsec_selector sel;
	u32 id = 0;
	u8 dir = 0;
	int err;

	err = parse_nest(tb, KIPSEC_POL_A_MAX, nest, pol_policy, info, KIPSEC_A_POLICY);
	if (err)
		return err;
	if (tb[KIPSEC_POL_A_ID]) {
		id = nla_get_u32(tb[KIPSEC_POL_A_ID]);
	} else {
		if (REQUIRE(info->extack, nest, tb, KIPSEC_POL_A_DIR))
			return -EINVAL;
		dir = nla_get_u8(tb[KIPSEC_POL_A_DIR]);
		err = parse_selector(tb, nest, &sel, info->extack);
		if (err)
			return err;
	}
	err = kipsec_policy_delete(info_kn(info), id, dir, &sel);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no such policy");
	return err;
}

static int policy_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[KIPSEC_POL_A_MAX + 1], *nest = info->attrs[KIPSEC_A_POLICY];
	struct kipsec_policy *pol, copy;
	int err;

	err = parse_nest(tb, KIPSEC_POL_A_MAX, nest, pol_policy, info, KIPSEC_A_POLICY);
	if (err)
		return err;
	if (REQUIRE(info->extack, nest, tb, KIPSEC_POL_A_ID))
		return -EINVAL;
	rcu_read_lock();
	pol = kipsec_policy_find_id(info_kn(info), nla_get_u32(tb[KIPSEC_POL_A_ID]));
	if (pol)
		copy = *pol;
	rcu_read_unlock();
	if (!pol) {
		NL_SET_ERR_MSG(info->extack, "no such policy");
		return -ENOENT;
	}
	return reply(info, fill_policy, &copy, false);
}

static int policy_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_pernet(sock_net(skb->sk));

	return dump_xa(skb, cb, &kn->pol_xa, &kn->pol_genid, KIPSEC_CMD_POLICY_GET, fill_policy,
		       false);
}

static int policy_flush_doit(struct sk_buff *skb, struct genl_info *info)
{
	kipsec_policy_flush(info_kn(info));
	return 0;
}

/* ---- statistics ---- */

static int stats_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct kipsec_net *kn = info_kn(info);
	struct kipsec_counters sum = {};
	struct nlattr *nest;
	struct sk_buff *msg;
	int cpu, c;
	void *hdr;

	for_each_possible_cpu(cpu) {
		const struct kipsec_counters *pc = per_cpu_ptr(kn->counters, cpu);

		for (c = 0; c < KIPSEC_CNT_MAX; c++)
			sum.v[c] += READ_ONCE(pc->v[c]);
	}
	msg = nlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &kipsec_family, 0,
			  KIPSEC_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, KIPSEC_A_STATS);
	if (!nest ||
	    put_u64(msg, KIPSEC_STATS_A_SA_COUNT, atomic_read(&kn->sa_count), KIPSEC_STATS_A_PAD) ||
	    put_u64(msg, KIPSEC_STATS_A_POLICY_COUNT, atomic_read(&kn->pol_count),
		    KIPSEC_STATS_A_PAD))
		goto nospace;
	/* enum kipsec_counter follows enum kipsec_stats_attr from IN_NO_SA on. */
	BUILD_BUG_ON(KIPSEC_STATS_A_EXPIRES - KIPSEC_STATS_A_IN_NO_SA != KIPSEC_CNT_EXPIRES);
	for (c = 0; c < KIPSEC_CNT_MAX; c++)
		if (put_u64(msg, KIPSEC_STATS_A_IN_NO_SA + c, sum.v[c], KIPSEC_STATS_A_PAD))
			goto nospace;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
nospace:
	kfree_skb(msg);
	return -EMSGSIZE;
}

/* ---- the family ---- */

static int policy_dump_start(struct netlink_callback *cb)
{
	return dump_start_admin(cb);
}

static const struct genl_ops kipsec_ops[] = {
	{
		.cmd = KIPSEC_CMD_SA_ADD,
		.doit = sa_add_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_SA_DEL,
		.doit = sa_del_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		/* Keys are secrets: reading SAs is an administrator's job too. */
		.cmd = KIPSEC_CMD_SA_GET,
		.doit = sa_get_doit,
		.start = sa_dump_start,
		.dumpit = sa_dumpit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_SA_FLUSH,
		.doit = sa_flush_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_SPI_ALLOC,
		.doit = spi_alloc_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_ADD,
		.doit = policy_add_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_DEL,
		.doit = policy_del_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_GET,
		.doit = policy_get_doit,
		.start = policy_dump_start,
		.dumpit = policy_dumpit,
		.internal_flags = OP_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_FLUSH,
		.doit = policy_flush_doit,
		.internal_flags = OP_ADMIN,
	},
	{
		/* Counters hold no secrets: anyone may read them. */
		.cmd = KIPSEC_CMD_STATS_GET,
		.doit = stats_doit,
	},
};

static struct genl_family kipsec_family __ro_after_init = {
	.name = KIPSEC_GENL_NAME,
	.version = KIPSEC_GENL_VERSION,
	.maxattr = KIPSEC_A_MAX,
	.policy = kipsec_policy,
	.netnsok = true,
	/* kn->lock serialises changes; requests need no global lock. */
	.parallel_ops = true,
	.pre_doit = kipsec_pre_doit,
	.module = THIS_MODULE,
	.ops = kipsec_ops,
	.n_ops = ARRAY_SIZE(kipsec_ops),
	/*
	 * SA_ADD takes NLM_F_REPLACE / NLM_F_CREATE as rtnetlink does, which
	 * genetlink refuses for operations at or after resv_start_op.  Every
	 * operation still has its attributes validated strictly.
	 */
	.resv_start_op = __KIPSEC_CMD_MAX,
	.mcgrps = kipsec_mcgrps,
	.n_mcgrps = ARRAY_SIZE(kipsec_mcgrps),
};

int __init kipsec_genl_init(void)
{
	return genl_register_family(&kipsec_family);
}

void kipsec_genl_exit(void)
{
	genl_unregister_family(&kipsec_family);
}
