// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the security policy database (RFC 4301 §4.4.1).
 *
 * One ordered list per direction: ascending priority, and among equal
 * priorities the order of insertion, so that the first match of a linear
 * walk is the one RFC 4301 §4.4.1 asks for.  Readers use RCU; changes
 * happen under kn->lock.  A dense id per policy serves deletion by id and
 * dumps.
 */
#include <linux/netlink.h>
#include <linux/inetdevice.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/rculist.h>
#include <linux/slab.h>

#include <net/ip.h>
#include <net/ipv6.h>

#include "kipsec.h"

int kipsec_spd_init(struct kipsec_net *kn)
{
	int dir;

	for (dir = 0; dir < ARRAY_SIZE(kn->policies); dir++)
		INIT_LIST_HEAD(&kn->policies[dir]);
	xa_init_flags(&kn->pol_xa, XA_FLAGS_ALLOC1);
	atomic_set(&kn->pol_count, 0);
	atomic_set(&kn->pol_genid, 1);
	return 0;
}

void kipsec_spd_exit(struct kipsec_net *kn)
{
	kipsec_policy_flush(kn);
	xa_destroy(&kn->pol_xa);
}

static bool same_selector(const struct kipsec_selector *a, const struct kipsec_selector *b)
{
	size_t alen = kipsec_addr_len(a->family);

	return a->family == b->family && a->splen == b->splen && a->dplen == b->dplen &&
	       a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       !memcmp(&a->saddr, &b->saddr, alen) && !memcmp(&a->daddr, &b->daddr, alen);
}

static struct kipsec_policy *find_selector(struct kipsec_net *kn, u8 dir,
					   const struct kipsec_selector *sel)
{
	struct kipsec_policy *pol;

	list_for_each_entry(pol, &kn->policies[dir], list)
		if (same_selector(&pol->sel, sel))
			return pol;
	return NULL;
}

int kipsec_policy_insert(struct kipsec_net *kn, struct kipsec_policy *pol,
			 struct netlink_ext_ack *extack)
{
	struct list_head *head = &kn->policies[pol->dir];
	struct kipsec_policy *pos;
	int err;

	mutex_lock(&kn->lock);
	if (find_selector(kn, pol->dir, &pol->sel)) {
		NL_SET_ERR_MSG(extack, "a policy with this direction and selector exists");
		err = -EEXIST;
		goto out;
	}
	err = xa_alloc_cyclic(&kn->pol_xa, &pol->id, pol, xa_limit_32b, &kn->pol_xa_next,
			      GFP_KERNEL);
	if (err < 0)
		goto out;
	err = 0;
	/* Before the first policy of a higher priority value: stable order. */
	list_for_each_entry(pos, head, list)
		if (pos->priority > pol->priority)
			break;
	list_add_tail_rcu(&pol->list, &pos->list);
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
	list_del_rcu(&pol->list);
	xa_erase(&kn->pol_xa, pol->id);
	atomic_dec(&kn->pol_count);
	atomic_inc(&kn->pol_genid);
}

int kipsec_policy_delete(struct kipsec_net *kn, u32 id, u8 dir,
			 const struct kipsec_selector *sel)
{
	struct kipsec_policy *pol;

	mutex_lock(&kn->lock);
	pol = id ? xa_load(&kn->pol_xa, id) : find_selector(kn, dir, sel);
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

static bool prefix_match(const union kipsec_inaddr *net, const union kipsec_inaddr *addr, u8 plen,
			 u8 family)
{
	if (!plen)
		return true;
	if (family == AF_INET)
		return !((net->a4 ^ addr->a4) & inet_make_mask(plen));
	return ipv6_prefix_equal(&net->a6, &addr->a6, plen);
}

static bool selector_match(const struct kipsec_selector *sel, const struct kipsec_flow *fl)
{
	if (sel->family != fl->family ||
	    !prefix_match(&sel->saddr, &fl->saddr, sel->splen, fl->family) ||
	    !prefix_match(&sel->daddr, &fl->daddr, sel->dplen, fl->family))
		return false;
	if (sel->proto && sel->proto != fl->proto)
		return false;
	if (!sel->sport && !sel->dport)
		return true;
	/* Ports of a non-first fragment are OPAQUE: only ANY matches (§7.1). */
	if (fl->opaque)
		return false;
	return (!sel->sport || sel->sport == fl->sport) && (!sel->dport || sel->dport == fl->dport);
}

struct kipsec_policy *kipsec_policy_lookup(struct kipsec_net *kn, u8 dir,
					   const struct kipsec_flow *fl)
{
	struct kipsec_policy *pol;

	list_for_each_entry_rcu(pol, &kn->policies[dir], list)
		if (selector_match(&pol->sel, fl))
			return pol;
	return NULL;
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
