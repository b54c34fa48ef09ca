// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the events of the family, on its "events" multicast group of the
 * namespace (design.md, "Netlink semantics").  Changes are announced with
 * the command that makes them (SA_ADD, SA_DEL, SA_FLUSH, POLICY_ADD, ...);
 * EXPIRE (RFC 4301 §4.4.2.1's lifetimes), ACQUIRE (§5.1: an outbound
 * packet found no SA) and MAPPING (RFC 3948: a NAT's new mapping) are
 * events only.  Nothing is built when nobody
 * listens; events never carry keys.
 */
#include <linux/kernel.h>
#include <linux/skbuff.h>
#include <net/genetlink.h>
#include <net/netlink.h>

#include "kipsec.h"
#include "nlmsg.h"

/* One event: its message built by fill() and sent to the group. */
static void notify(struct kipsec_net *kn, u8 cmd, kipsec_fill_fn fill, const void *obj,
		   gfp_t gfp)
{
	struct sk_buff *skb;

	if (!genl_has_listeners(&kipsec_genl_family, kn->net, KIPSEC_MCGRP_EVENTS_ID))
		return;
	skb = nlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!skb)
		return;
	if (kipsec_nlmsg_put(skb, 0, 0, 0, cmd, fill, obj, false)) {
		kfree_skb(skb);
		return;
	}
	genlmsg_multicast_netns(&kipsec_genl_family, kn->net, skb, 0, KIPSEC_MCGRP_EVENTS_ID, gfp);
}

void kipsec_notify_sa(struct kipsec_net *kn, const struct kipsec_sa *sa, u8 cmd)
{
	notify(kn, cmd, kipsec_nlmsg_fill_sa, sa, GFP_KERNEL);
}

void kipsec_notify_policy(struct kipsec_net *kn, const struct kipsec_policy *pol, u8 cmd)
{
	notify(kn, cmd, kipsec_nlmsg_fill_policy, pol, GFP_KERNEL);
}

struct expire_event {
	const struct kipsec_sa *sa;
	bool hard;
};

static int fill_expire(struct sk_buff *skb, const void *obj, bool keys)
{
	const struct expire_event *ev = obj;

	if (kipsec_nlmsg_put_sa(skb, ev->sa, false) ||
	    (ev->hard && nla_put_flag(skb, KIPSEC_A_EXPIRE_HARD)))
		return -EMSGSIZE;
	return 0;
}

void kipsec_notify_expire(struct kipsec_net *kn, const struct kipsec_sa *sa, bool hard)
{
	struct expire_event ev = { .sa = sa, .hard = hard };

	notify(kn, KIPSEC_CMD_EXPIRE, fill_expire, &ev, GFP_KERNEL);
}

struct acquire_event {
	const struct kipsec_policy *pol;
	const struct kipsec_flow *fl;
};

/* The policy with its template, and the packet that asked: a selector of single addresses. */
static int fill_acquire(struct sk_buff *skb, const void *obj, bool keys)
{
	const struct acquire_event *ev = obj;
	const struct kipsec_flow *fl = ev->fl;
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
	struct nlattr *nest;

	if (kipsec_nlmsg_put_policy(skb, KIPSEC_A_POLICY, ev->pol))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, KIPSEC_A_SEL_PKT);
	if (!nest || kipsec_nlmsg_put_selector(skb, &sel))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* From the data path: atomic context. */
void kipsec_notify_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
			   const struct kipsec_flow *fl)
{
	struct acquire_event ev = { .pol = pol, .fl = fl };

	notify(kn, KIPSEC_CMD_ACQUIRE, fill_acquire, &ev, GFP_ATOMIC);
}

/* proto 0: every SA (or the SPD); else the protocol the flush was for. */
static int fill_flush(struct sk_buff *skb, const void *obj, bool keys)
{
	u8 proto = *(const u8 *)obj;

	return proto && nla_put_u8(skb, KIPSEC_A_PROTO, proto) ? -EMSGSIZE : 0;
}

void kipsec_notify_flush(struct kipsec_net *kn, u8 cmd, u8 proto)
{
	notify(kn, cmd, fill_flush, &proto, GFP_KERNEL);
}

struct mapping_event {
	const struct kipsec_sa *sa;
	const union kipsec_inaddr *saddr;
	u16 sport;
};

/* The SA, and where its packets now come from. */
static int fill_mapping(struct sk_buff *skb, const void *obj, bool keys)
{
	const struct mapping_event *ev = obj;
	struct nlattr *nest;

	if (kipsec_nlmsg_put_sa(skb, ev->sa, false))
		return -EMSGSIZE;
	nest = nla_nest_start(skb, KIPSEC_A_MAPPING);
	if (!nest ||
	    nla_put(skb, KIPSEC_MAPPING_A_SRC, kipsec_addr_len(ev->sa->id.family), ev->saddr) ||
	    nla_put_u16(skb, KIPSEC_MAPPING_A_SPORT, ev->sport))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* From the data path (encap.c, rate-limited there): atomic context. */
void kipsec_notify_mapping(struct kipsec_net *kn, const struct kipsec_sa *sa,
			   const union kipsec_inaddr *saddr, u16 sport)
{
	struct mapping_event ev = { .sa = sa, .saddr = saddr, .sport = sport };

	notify(kn, KIPSEC_CMD_MAPPING, fill_mapping, &ev, GFP_ATOMIC);
}
