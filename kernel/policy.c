// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the security policy database (RFC 4301 §4.4.1).
 *
 * A packet takes the first policy that matches it in order of priority,
 * and among equal priorities in order of insertion (a sequence number
 * per policy).  A linear walk in that order is the definition; what is
 * kept here finds the same policy without a walk, by tuple-space search:
 *
 *  - Policies whose selectors share a mask tuple (family, source and
 *    destination prefix lengths, and whether the protocol, the source
 *    port and the destination port are named or ANY) form a group.
 *    Within a group a packet selects one masked key, so at most one
 *    policy of the group matches it, and that one has the key as its
 *    selector: selectors have no bits past their prefix (netlink.c) and
 *    a selector is unique per direction.
 *  - Every policy of a direction is in one hash table by its selector
 *    (kn->pol_by_sel, an rhashtable).  A lookup probes it once per group
 *    with the packet masked by the group's tuple; an exact selector
 *    (single hosts, ports) is simply the group of full-length prefixes.
 *  - Each group keeps its members ordered by (priority, seq) in an
 *    rbtree, for the lowest priority it holds (best): a group whose best
 *    priority is above the match found so far cannot win and is skipped.
 *
 * The cost of a lookup is one probe per group of the direction, and the
 * number of groups is bounded by the distinct tuples in use (a gateway
 * has a few: host-to-host, its site prefixes, a catch-all), not by the
 * number of policies.  Adding and deleting cost one hash insertion or
 * removal and one rbtree operation: O(log n).
 *
 * Why not a prefix trie: a policy names two prefixes and up to two ports,
 * so a trie on one address must either replicate policies or backtrack
 * into sub-tries of the other address (grid of tries) to honour priority
 * across overlapping prefixes, for a gain only when many distinct prefix
 * lengths are in use.  Tuple space keeps every policy once, makes equal
 * priorities and insertion order trivial (they are compared on the
 * candidates found, at most one per group) and reuses the kernel's
 * rhashtable, whose RCU lookups and resizing the SAD already relies on.
 * Its worst case is a configuration with many distinct prefix-length
 * pairs, where a lookup costs one probe per pair in use.
 *
 * Readers (the data path) hold only rcu_read_lock(); every change happens
 * under kn->lock.  Dumps and flushes go by policy id (kn->pol_xa), not by
 * priority, as they always did.
 */
#include <linux/netlink.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/moduleparam.h>
#include <linux/rculist.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include <net/ip.h>
#include <net/ipv6.h>

#include "kipsec.h"

/*
 * A bound per namespace, as for SAs (sa.c): any user namespace may own
 * one.  Room for 100 000 tunnels' outbound and inbound policies.
 */
static unsigned int max_policies __read_mostly = 1 << 18;
module_param(max_policies, uint, 0644);
MODULE_PARM_DESC(max_policies, "most policies per network namespace");

/* Which of a selector's protocol and ports are named (not ANY). */
#define SPD_EXACT_PROTO	BIT(0)
#define SPD_EXACT_SPORT	BIT(1)
#define SPD_EXACT_DPORT	BIT(2)
#define SPD_EXACT_PORTS	(SPD_EXACT_SPORT | SPD_EXACT_DPORT)

/* The policies of one direction that share a mask tuple. */
struct kipsec_spd_group {
	struct list_head list;		/* in kn->policies[dir], RCU */
	struct rb_root_cached members;	/* by (priority, seq), under kn->lock */
	u32 best;			/* the lowest priority of members */
	unsigned long index;		/* in kn->pol_groups */
	u8 family;
	u8 splen;
	u8 dplen;
	u8 exact;			/* SPD_EXACT_* */
	__be32 smask[4];		/* the prefixes as masks, per 32-bit word */
	__be32 dmask[4];
	struct rcu_head rcu;
};

/* The selector is the key, hashed as bytes: it must have no holes. */
static const struct rhashtable_params sel_params = {
	.key_len = sizeof(struct kipsec_selector),
	.key_offset = offsetof(struct kipsec_policy, sel),
	.head_offset = offsetof(struct kipsec_policy, by_sel),
	.automatic_shrinking = true,
};

int kipsec_spd_init(struct kipsec_net *kn)
{
	int dir, err;

	BUILD_BUG_ON(sizeof(struct kipsec_selector) != 2 * sizeof(struct in6_addr) + 8);
	for (dir = 0; dir < ARRAY_SIZE(kn->policies); dir++) {
		INIT_LIST_HEAD(&kn->policies[dir]);
		err = rhashtable_init(&kn->pol_by_sel[dir], &sel_params);
		if (err)
			goto err_tables;
	}
	xa_init(&kn->pol_groups);
	xa_init_flags(&kn->pol_xa, XA_FLAGS_ALLOC1);
	atomic_set(&kn->pol_count, 0);
	atomic_set(&kn->pol_genid, 1);
	return 0;
err_tables:
	while (dir--)
		rhashtable_destroy(&kn->pol_by_sel[dir]);
	return err;
}

static void spd_destroy(struct kipsec_net *kn)
{
	int dir;

	for (dir = 0; dir < ARRAY_SIZE(kn->pol_by_sel); dir++)
		rhashtable_destroy(&kn->pol_by_sel[dir]);
	xa_destroy(&kn->pol_groups);
	xa_destroy(&kn->pol_xa);
}

void kipsec_spd_exit(struct kipsec_net *kn)
{
	kipsec_policy_flush(kn);
	spd_destroy(kn);
}

/* ---- the tuple space, under kn->lock ---- */

static u8 sel_exact(const struct kipsec_selector *sel)
{
	return (sel->proto ? SPD_EXACT_PROTO : 0) | (sel->sport ? SPD_EXACT_SPORT : 0) |
	       (sel->dport ? SPD_EXACT_DPORT : 0);
}

/* Every direction and tuple has its own index: 22 bits. */
static unsigned long group_index(u8 dir, const struct kipsec_selector *sel)
{
	unsigned long idx = dir << 1 | (sel->family == AF_INET6);

	return ((idx << 8 | sel->splen) << 8 | sel->dplen) << 3 | sel_exact(sel);
}

static void prefix_mask(u8 plen, __be32 mask[4])
{
	int i, bits;

	for (i = 0; i < 4; i++) {
		bits = clamp_t(int, plen - 32 * i, 0, 32);
		mask[i] = bits ? htonl(~0U << (32 - bits)) : 0;
	}
}

/* The group of sel's tuple, made (empty, not yet listed) if need be. */
static struct kipsec_spd_group *group_get(struct kipsec_net *kn, u8 dir,
					  const struct kipsec_selector *sel)
{
	unsigned long idx = group_index(dir, sel);
	struct kipsec_spd_group *g = xa_load(&kn->pol_groups, idx);
	int err;

	if (g)
		return g;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->members = RB_ROOT_CACHED;
	g->index = idx;
	g->family = sel->family;
	g->splen = sel->splen;
	g->dplen = sel->dplen;
	g->exact = sel_exact(sel);
	prefix_mask(sel->splen, g->smask);
	prefix_mask(sel->dplen, g->dmask);
	err = xa_err(xa_store(&kn->pol_groups, idx, g, GFP_KERNEL_ACCOUNT));
	if (err) {
		kfree(g);
		return ERR_PTR(err);
	}
	return g;
}

/* A group that lost (or never had) its last member goes. */
static void group_put(struct kipsec_net *kn, struct kipsec_spd_group *g, bool listed)
{
	xa_erase(&kn->pol_groups, g->index);
	if (!listed) {
		kfree(g);
		return;
	}
	list_del_rcu(&g->list);
	kfree_rcu(g, rcu);
}

/* RFC 4301 §4.4.1: the lower priority value first, then the older policy. */
static bool earlier(const struct kipsec_policy *a, const struct kipsec_policy *b)
{
	return a->priority < b->priority || (a->priority == b->priority && a->seq < b->seq);
}

static bool order_less(struct rb_node *a, const struct rb_node *b)
{
	return earlier(rb_entry(a, struct kipsec_policy, by_order),
		       rb_entry(b, struct kipsec_policy, by_order));
}

static u32 group_best(const struct kipsec_spd_group *g)
{
	return rb_entry(rb_first_cached(&g->members), struct kipsec_policy, by_order)->priority;
}

static int spd_link(struct kipsec_net *kn, struct kipsec_policy *pol)
{
	struct kipsec_spd_group *g;
	bool listed;
	int err;

	lockdep_assert_held(&kn->lock);
	g = group_get(kn, pol->dir, &pol->sel);
	if (IS_ERR(g))
		return PTR_ERR(g);
	listed = !RB_EMPTY_ROOT(&g->members.rb_root);
	pol->seq = ++kn->pol_seq;
	err = rhashtable_insert_fast(&kn->pol_by_sel[pol->dir], &pol->by_sel, sel_params);
	if (err) {
		if (!listed)
			group_put(kn, g, false);
		return err;
	}
	pol->group = g;
	rb_add_cached(&pol->by_order, &g->members, order_less);
	/*
	 * Lowered after the policy is in the table: a concurrent lookup
	 * that reads the old bound may miss the new policy, never an old one.
	 */
	WRITE_ONCE(g->best, group_best(g));
	if (!listed)
		list_add_tail_rcu(&g->list, &kn->policies[pol->dir]);
	return 0;
}

static void spd_unlink(struct kipsec_net *kn, struct kipsec_policy *pol)
{
	struct kipsec_spd_group *g = pol->group;

	lockdep_assert_held(&kn->lock);
	rhashtable_remove_fast(&kn->pol_by_sel[pol->dir], &pol->by_sel, sel_params);
	rb_erase_cached(&pol->by_order, &g->members);
	if (RB_EMPTY_ROOT(&g->members.rb_root))
		group_put(kn, g, true);
	else
		WRITE_ONCE(g->best, group_best(g));
}

/* The policy with exactly this selector in this direction. */
static struct kipsec_policy *spd_find(struct kipsec_net *kn, u8 dir,
				      const struct kipsec_selector *sel)
{
	return rhashtable_lookup_fast(&kn->pol_by_sel[dir], sel, sel_params);
}

/* ---- the database ---- */

int kipsec_policy_insert(struct kipsec_net *kn, struct kipsec_policy *pol,
			 struct netlink_ext_ack *extack)
{
	int err;

	mutex_lock(&kn->lock);
	if (spd_find(kn, pol->dir, &pol->sel)) {
		NL_SET_ERR_MSG(extack, "a policy with this direction and selector exists");
		err = -EEXIST;
		goto out;
	}
	if (atomic_read(&kn->pol_count) >= READ_ONCE(max_policies)) {
		NL_SET_ERR_MSG(extack,
			       "too many policies in this network namespace (kipsec.max_policies)");
		err = -ENOSPC;
		goto out;
	}
	err = xa_alloc_cyclic(&kn->pol_xa, &pol->id, pol, xa_limit_32b, &kn->pol_xa_next,
			      GFP_KERNEL_ACCOUNT);
	if (err < 0)
		goto out;
	err = spd_link(kn, pol);
	if (err) {
		xa_erase(&kn->pol_xa, pol->id);
		goto out;
	}
	atomic_inc(&kn->pol_count);
	atomic_inc(&kn->pol_genid);
	kipsec_notify_policy(kn, pol, KIPSEC_CMD_POLICY_ADD);
out:
	mutex_unlock(&kn->lock);
	return err;
}

/* kn->lock held. */
static void policy_unlink(struct kipsec_net *kn, struct kipsec_policy *pol)
{
	spd_unlink(kn, pol);
	xa_erase(&kn->pol_xa, pol->id);
	atomic_dec(&kn->pol_count);
	atomic_inc(&kn->pol_genid);
}

int kipsec_policy_delete(struct kipsec_net *kn, u32 id, u8 dir,
			 const struct kipsec_selector *sel)
{
	struct kipsec_policy *pol;

	mutex_lock(&kn->lock);
	pol = id ? xa_load(&kn->pol_xa, id) : spd_find(kn, dir, sel);
	if (!pol) {
		mutex_unlock(&kn->lock);
		return -ENOENT;
	}
	policy_unlink(kn, pol);
	kipsec_notify_policy(kn, pol, KIPSEC_CMD_POLICY_DEL);
	mutex_unlock(&kn->lock);
	kipsec_acquire_forget(kn, pol->id);
	kfree_rcu(pol, rcu);
	return 0;
}

void kipsec_policy_flush(struct kipsec_net *kn)
{
	struct kipsec_policy *pol;
	unsigned long idx;

	mutex_lock(&kn->lock);
	xa_for_each(&kn->pol_xa, idx, pol) {
		policy_unlink(kn, pol);
		kfree_rcu(pol, rcu);
	}
	kipsec_notify_flush(kn, KIPSEC_CMD_POLICY_FLUSH, 0);
	mutex_unlock(&kn->lock);
	kipsec_acquire_forget(kn, 0);
}

struct kipsec_policy *kipsec_policy_find_id(struct kipsec_net *kn, u32 id)
{
	return xa_load(&kn->pol_xa, id);
}

/* ---- matching packets (RFC 4301 §4.4.1.1, §5) ---- */

/* The key a packet offers to the group g: its fields masked by g's tuple. */
static void group_key(const struct kipsec_spd_group *g, const struct kipsec_flow *fl,
		      struct kipsec_selector *key)
{
	int i, words = g->family == AF_INET ? 1 : 4;

	memset(key, 0, sizeof(*key));
	for (i = 0; i < words; i++) {
		key->saddr.a6.s6_addr32[i] = fl->saddr.a6.s6_addr32[i] & g->smask[i];
		key->daddr.a6.s6_addr32[i] = fl->daddr.a6.s6_addr32[i] & g->dmask[i];
	}
	key->family = g->family;
	key->splen = g->splen;
	key->dplen = g->dplen;
	if (g->exact & SPD_EXACT_PROTO)
		key->proto = fl->proto;
	if (g->exact & SPD_EXACT_SPORT)
		key->sport = fl->sport;
	if (g->exact & SPD_EXACT_DPORT)
		key->dport = fl->dport;
}

struct kipsec_policy *kipsec_policy_lookup(struct kipsec_net *kn, u8 dir,
					   const struct kipsec_flow *fl)
{
	struct kipsec_policy *pol, *best = NULL;
	struct kipsec_spd_group *g;
	struct kipsec_selector key;

	list_for_each_entry_rcu(g, &kn->policies[dir], list) {
		if (g->family != fl->family)
			continue;
		/* Ports of a non-first fragment are OPAQUE: only ANY matches (§7.1). */
		if (fl->opaque && (g->exact & SPD_EXACT_PORTS))
			continue;
		if (best && READ_ONCE(g->best) > best->priority)
			continue;
		group_key(g, fl, &key);
		pol = rhashtable_lookup(&kn->pol_by_sel[dir], &key, sel_params);
		if (pol && (!best || earlier(pol, best)))
			best = pol;
	}
	return best;
}

static void flow_ports(const struct sk_buff *skb, unsigned int off, struct kipsec_flow *fl)
{
	__be16 ports[2], *p;

	if (fl->proto != IPPROTO_TCP && fl->proto != IPPROTO_UDP && fl->proto != IPPROTO_SCTP)
		return;
	p = skb_header_pointer(skb, off, sizeof(ports), ports);
	if (!p) {
		/* Too short to hold them: treat as unknown, like a fragment. */
		fl->opaque = true;
		return;
	}
	fl->sport = ntohs(p[0]);
	fl->dport = ntohs(p[1]);
}

/* The selector fields of the packet at skb's network header. */
int kipsec_flow_from_skb(const struct sk_buff *skb, u8 family, struct kipsec_flow *fl)
{
	unsigned int noff = skb_network_offset(skb);

	memset(fl, 0, sizeof(*fl));
	fl->family = family;
	if (family == AF_INET) {
		struct iphdr _iph;
		const struct iphdr *iph = skb_header_pointer(skb, noff, sizeof(_iph), &_iph);

		if (!iph || iph->ihl < 5)
			return -EINVAL;
		fl->saddr.a4 = iph->saddr;
		fl->daddr.a4 = iph->daddr;
		fl->proto = iph->protocol;
		if (iph->frag_off & htons(IP_OFFSET))
			fl->opaque = true;
		else
			flow_ports(skb, noff + iph->ihl * 4, fl);
	} else {
		struct ipv6hdr _ip6h;
		const struct ipv6hdr *ip6h = skb_header_pointer(skb, noff, sizeof(_ip6h), &_ip6h);
		__be16 frag_off = 0;
		u8 nexthdr;
		int off;

		if (!ip6h)
			return -EINVAL;
		fl->saddr.a6 = ip6h->saddr;
		fl->daddr.a6 = ip6h->daddr;
		nexthdr = ip6h->nexthdr;
		off = ipv6_skip_exthdr(skb, noff + sizeof(*ip6h), &nexthdr, &frag_off);
		if (off < 0)
			return -EINVAL;
		fl->proto = nexthdr;
		if (frag_off & htons(IP6_OFFSET))
			fl->opaque = true;
		else
			flow_ports(skb, off, fl);
	}
	return 0;
}

#ifdef KIPSEC_DEBUG
#include "policy_selftest.c"
#endif
