// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the generic netlink family "kipsec" (include/uapi/linux/kipsec.h,
 * Documentation/netlink/specs/kipsec.yaml).  Requests are validated
 * strictly by the policies below, then by hand where a policy cannot say it
 * (an address is 4 or 16 bytes depending on the family); every refusal
 * carries an extack (a message, or for a missing attribute the kernel's
 * NLMSGERR_ATTR_MISS_TYPE / MISS_NEST).  The semantics are in
 * Documentation/design.md.  What the replies say is written in nlmsg.c,
 * once for replies, dumps and the events of notify.c.
 */
#include <linux/kernel.h>
#include <linux/rtnetlink.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/netlink.h>
#include <net/sock.h>

#include "kipsec.h"
#include "nlmsg.h"
#include "replay.h"

static const struct genl_multicast_group kipsec_mcgrps[] = {
	[KIPSEC_MCGRP_EVENTS_ID] = {
		.name = KIPSEC_MCGRP_EVENTS,
		/* SA and policy changes are the namespace's business. */
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

/* ---- policies ---- */

/*
 * The tables below are alike by nature (duplicates pairs them): one entry
 * per attribute of each set, as the spec lists them, which
 * tools/testing/check-netlink-spec.py holds them to.
 */

/*
 * At most 16 bytes; exactly 4 or 16 by the family is checked in code, so that
 * a wrong length is EINVAL with a message naming the family's length.
 */
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
	/* SEQ_OUT is both: where a new SA's counter starts (tests, migration). */
	[KIPSEC_SA_A_SEQ_OUT] = { .type = NLA_U64 },
	[KIPSEC_SA_A_SEQ_IN] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_PAD] = { .type = NLA_REJECT },
	[KIPSEC_SA_A_MARK] = { .type = NLA_U32 },
	[KIPSEC_SA_A_MARK_MASK] = NLA_POLICY_MIN(NLA_U32, 1),
	[KIPSEC_SA_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
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
	[KIPSEC_A_MAPPING] = { .type = NLA_REJECT },
};

/* ---- request parsing ---- */

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

	if (!kipsec_proto_ops_find(p)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "protocol must be IPPROTO_ESP (50) or IPPROTO_AH (51)");
		return -EINVAL;
	}
	*proto = p;
	return 0;
}

static int parse_nest(struct nlattr **tb, int max, const struct nlattr *nest,
		      const struct nla_policy *policy, struct genl_info *info, int top)
{
	/* A missing attribute is told by type (and nest): MISS_TYPE, MISS_NEST. */
	if (GENL_REQ_ATTR_CHECK(info, top))
		return -EINVAL;
	return nla_parse_nested(tb, max, nest, policy, info->extack);
}

/* FAMILY, DST, PROTO: what every SA request names. */
static int parse_sa_dst(struct nlattr **tb, const struct nlattr *nest, struct kipsec_sa_id *id,
			struct netlink_ext_ack *extack)
{
	int err;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_SA_A_FAMILY) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_SA_A_DST) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_SA_A_PROTO))
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_SA_A_SPI))
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_ALG_A_NAME))
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

/* ---- permissions ---- */

/*
 * Permissions are checked here rather than by genetlink's
 * GENL_UNS_ADMIN_PERM so that a refusal, like any other, says why.  The
 * flag means what the spec's uns-admin-perm does (CAP_NET_ADMIN in the user
 * namespace owning the network namespace): check-netlink-spec.py holds the
 * ops table to the spec by this name.
 */
#define KIPSEC_OP_UNS_ADMIN	BIT(0)

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
	if (!(ops->internal_flags & KIPSEC_OP_UNS_ADMIN))
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_SA_A_SRC))
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

/* The replay window and the outbound counter of a new SA (RFC 4303 §3.3.3, §3.4.3). */
static int parse_sa_seq(struct nlattr **tb, struct kipsec_sa_cfg *cfg,
			struct netlink_ext_ack *extack)
{
	cfg->replay_window = tb[KIPSEC_SA_A_REPLAY_WINDOW] ?
			     nla_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]) :
			     KIPSEC_REPLAY_WINDOW_DEFAULT;
	if (tb[KIPSEC_SA_A_FLAGS])
		cfg->flags = nla_get_u32(tb[KIPSEC_SA_A_FLAGS]);
	/*
	 * The receiver of an ESN SA infers the high half of each sequence
	 * number from its window (RFC 4303 Appendix A2): no window, no
	 * inference.  XFRM refuses the same.
	 */
	if ((cfg->flags & KIPSEC_SA_F_ESN) && !cfg->replay_window) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_REPLAY_WINDOW],
				    "extended sequence numbers need a replay window above 0");
		return -EINVAL;
	}
	if (!tb[KIPSEC_SA_A_SEQ_OUT])
		return 0;
	cfg->seq_out = nla_get_u64(tb[KIPSEC_SA_A_SEQ_OUT]);
	/* At the last number the SA is spent: it could send nothing. */
	if (cfg->seq_out >= kipsec_seq_max(cfg->flags)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SEQ_OUT],
				    "sequence number must be below 2^32 - 1 (2^64 - 1 with ESN)");
		return -EINVAL;
	}
	return 0;
}

/* The soft and hard limits (RFC 4301 §4.4.2.1); a soft one is never past its hard one. */
static int parse_sa_lifetimes(struct nlattr **tb, struct kipsec_sa_cfg *cfg,
			      struct netlink_ext_ack *extack)
{
	int err;

	err = parse_life(tb[KIPSEC_SA_A_LIFE_SOFT], &cfg->soft, extack);
	if (!err)
		err = parse_life(tb[KIPSEC_SA_A_LIFE_HARD], &cfg->hard, extack);
	if (err)
		return err;
	if (soft_above_hard(&cfg->soft, &cfg->hard)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_LIFE_SOFT],
				    "a soft lifetime limit is above its hard limit");
		return -EINVAL;
	}
	return 0;
}

/* UDP encapsulation: both ports (RFC 3948). */
static int parse_encap(struct nlattr **tb, struct kipsec_sa_cfg *cfg,
		       struct netlink_ext_ack *extack)
{
	struct nlattr *e[KIPSEC_ENCAP_A_MAX + 1], *nest = tb[KIPSEC_SA_A_ENCAP];
	int err;

	if (!nest)
		return 0;
	if (cfg->id.proto != IPPROTO_ESP) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "UDP encapsulation is for ESP only (RFC 3948)");
		return -EINVAL;
	}
	err = nla_parse_nested(e, KIPSEC_ENCAP_A_MAX, nest, encap_policy, extack);
	if (err)
		return err;
	if (NL_REQ_ATTR_CHECK(extack, nest, e, KIPSEC_ENCAP_A_SPORT) ||
	    NL_REQ_ATTR_CHECK(extack, nest, e, KIPSEC_ENCAP_A_DPORT))
		return -EINVAL;
	cfg->encap_sport = nla_get_u16(e[KIPSEC_ENCAP_A_SPORT]);
	cfg->encap_dport = nla_get_u16(e[KIPSEC_ENCAP_A_DPORT]);
	return 0;
}

/*
 * The mark of what the SA decrypts, for firewall rules and policy routing
 * (as XFRM's if_id or secpath): skb->mark = (skb->mark & ~mask) | mark.
 */
static int parse_sa_mark(struct nlattr **tb, struct kipsec_sa_cfg *cfg,
			 struct netlink_ext_ack *extack)
{
	if (!tb[KIPSEC_SA_A_MARK]) {
		if (!tb[KIPSEC_SA_A_MARK_MASK])
			return 0;
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_MARK_MASK], "a mark mask needs a mark");
		return -EINVAL;
	}
	cfg->mark = nla_get_u32(tb[KIPSEC_SA_A_MARK]);
	cfg->mark_mask = tb[KIPSEC_SA_A_MARK_MASK] ? nla_get_u32(tb[KIPSEC_SA_A_MARK_MASK]) :
						     U32_MAX;
	if (cfg->mark & ~cfg->mark_mask) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_MARK], "the mark has bits outside its mask");
		return -EINVAL;
	}
	return 0;
}

/* An SA bound to an interface binds under RTNL: never to one being deleted (iface.c). */
static int sa_insert(struct kipsec_net *kn, struct kipsec_sa *sa, u16 nlflags,
		     struct netlink_ext_ack *extack)
{
	int err;

	if (sa->ifindex)
		rtnl_lock();
	err = kipsec_sa_insert(kn, sa, nlflags & NLM_F_REPLACE, nlflags & NLM_F_CREATE, extack);
	if (sa->ifindex)
		rtnl_unlock();
	return err;
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_SA_A_MODE))
		return -EINVAL;
	/* 0 is never sent, 1-255 are reserved by IANA (RFC 4303 §2.1). */
	if (cfg.id.spi < 256) {
		NL_SET_ERR_MSG_ATTR(extack, tb[KIPSEC_SA_A_SPI], "SPI must be 256 or more (RFC 4303 §2.1)");
		return -EINVAL;
	}
	err = parse_sa_seq(tb, &cfg, extack);
	if (!err)
		err = parse_sa_lifetimes(tb, &cfg, extack);
	if (!err)
		err = parse_encap(tb, &cfg, extack);
	if (!err)
		err = parse_sa_mark(tb, &cfg, extack);
	if (err)
		return err;
	if (tb[KIPSEC_SA_A_IFINDEX])
		cfg.ifindex = nla_get_u32(tb[KIPSEC_SA_A_IFINDEX]);
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
	err = kipsec_xform_init(&sa->xf, sa->ops, cfg.flags & KIPSEC_SA_F_ESN,
				tb[KIPSEC_SA_A_ENC] ? &enc : NULL,
				tb[KIPSEC_SA_A_AUTH] ? &auth : NULL, extack);
	if (!err)
		err = sa_insert(kn, sa, nlflags, extack);
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
	err = kipsec_nlmsg_reply(info, kipsec_nlmsg_fill_sa, sa, info->attrs[KIPSEC_A_SHOW_KEYS]);
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
		   atomic_t *genid, u8 cmd, kipsec_fill_fn fill, bool keys)
{
	unsigned long idx;
	void *obj;

	cb->seq = atomic_read(genid);
	rcu_read_lock();
	xa_for_each_start(xa, idx, obj, cb->args[0]) {
		void *hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
					&kipsec_genl_family, NLM_F_MULTI, cmd);

		if (!hdr)
			break;
		genl_dump_check_consistent(cb, hdr);
		if (fill(skb, obj, keys)) {
			kipsec_nlmsg_cancel(skb, hdr);
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

	return dump_xa(skb, cb, &kn->sa_xa, &kn->sa_genid, KIPSEC_CMD_SA_GET,
		       kipsec_nlmsg_fill_sa,
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
	err = kipsec_nlmsg_reply(info, kipsec_nlmsg_fill_sa, sa, false);
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_POL_A_FAMILY))
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_TMPL_A_PROTO) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_TMPL_A_MODE))
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_TMPL_A_FAMILY) ||
	    (dir == KIPSEC_DIR_OUT ? NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_TMPL_A_DST) :
				     NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_TMPL_A_SRC)))
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
	if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_POL_A_DIR) ||
	    NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_POL_A_ACTION))
		return -EINVAL;
	pol = kzalloc(sizeof(*pol), GFP_KERNEL_ACCOUNT);
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
		if (NL_REQ_ATTR_CHECK(extack, nest, tb, KIPSEC_POL_A_TMPL))
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
		return kipsec_nlmsg_reply(info, kipsec_nlmsg_fill_policy, &copy, false);
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
		if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, KIPSEC_POL_A_DIR))
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
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, KIPSEC_POL_A_ID))
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
	return kipsec_nlmsg_reply(info, kipsec_nlmsg_fill_policy, &copy, false);
}

static int policy_dumpit(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct kipsec_net *kn = kipsec_pernet(sock_net(skb->sk));

	return dump_xa(skb, cb, &kn->pol_xa, &kn->pol_genid, KIPSEC_CMD_POLICY_GET,
		       kipsec_nlmsg_fill_policy,
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
	hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq, &kipsec_genl_family, 0,
			  KIPSEC_CMD_STATS_GET);
	if (!hdr)
		goto nospace;
	nest = nla_nest_start(msg, KIPSEC_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(msg, KIPSEC_STATS_A_SA_COUNT, atomic_read(&kn->sa_count), KIPSEC_STATS_A_PAD) ||
	    nla_put_u64_64bit(msg, KIPSEC_STATS_A_POLICY_COUNT, atomic_read(&kn->pol_count),
		    KIPSEC_STATS_A_PAD))
		goto nospace;
	/*
	 * enum kipsec_counter follows enum kipsec_stats_attr from IN_NO_SA to
	 * EXPIRES, and on after PAD.
	 */
	BUILD_BUG_ON(KIPSEC_STATS_A_EXPIRES - KIPSEC_STATS_A_IN_NO_SA != KIPSEC_CNT_EXPIRES);
	BUILD_BUG_ON(KIPSEC_STATS_A_MAX - KIPSEC_STATS_A_IN_NO_SA - 1 != KIPSEC_CNT_MAX - 1);
	for (c = 0; c < KIPSEC_CNT_MAX; c++)
		if (nla_put_u64_64bit(msg, KIPSEC_STATS_A_IN_NO_SA + c + (c > KIPSEC_CNT_EXPIRES), sum.v[c],
			    KIPSEC_STATS_A_PAD))
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
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_SA_DEL,
		.doit = sa_del_doit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		/* Keys are secrets: reading SAs is an administrator's job too. */
		.cmd = KIPSEC_CMD_SA_GET,
		.doit = sa_get_doit,
		.start = sa_dump_start,
		.dumpit = sa_dumpit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_SA_FLUSH,
		.doit = sa_flush_doit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_SPI_ALLOC,
		.doit = spi_alloc_doit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_ADD,
		.doit = policy_add_doit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_DEL,
		.doit = policy_del_doit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_GET,
		.doit = policy_get_doit,
		.start = policy_dump_start,
		.dumpit = policy_dumpit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		.cmd = KIPSEC_CMD_POLICY_FLUSH,
		.doit = policy_flush_doit,
		.internal_flags = KIPSEC_OP_UNS_ADMIN,
	},
	{
		/* Counters hold no secrets: anyone may read them. */
		.cmd = KIPSEC_CMD_STATS_GET,
		.doit = stats_doit,
	},
};

struct genl_family kipsec_genl_family __ro_after_init = {
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
	return genl_register_family(&kipsec_genl_family);
}

void kipsec_genl_exit(void)
{
	genl_unregister_family(&kipsec_genl_family);
}
