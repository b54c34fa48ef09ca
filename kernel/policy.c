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
#include <linux/rculist.h>
#include <linux/slab.h>

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
}

struct kipsec_policy *kipsec_policy_find_id(struct kipsec_net *kn, u32 id)
{
	return xa_load(&kn->pol_xa, id);
}
