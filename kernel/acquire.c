// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: ACQUIRE (RFC 4301 §5.1, step 3a: "a request to negotiate").
 *
 * An outbound packet that a "require" policy wants protected, with no SA
 * to do it, asks the key manager for one.  One ACQUIRE goes out per policy
 * and pair of endpoints, not one per packet, and the first packets are
 * held in a small queue.  When an SA appears (kipsec_acquire_kick() from
 * the SA add path) they are sent through it; when the wait times out they
 * are dropped and the next packet asks again.
 *
 * A held packet must not lean on what may go while it waits: its route is
 * made a reference of its own (the stack may have lent it under RCU only),
 * and its device is not kept at all (a reference would hold up the
 * device's deletion for as long as the wait): skb->dev is cleared and,
 * when the packet moves on, taken from the route, whose device is replaced
 * by the blackhole device if it goes meanwhile (dst_dev_put()).  The
 * namespace purges the queue before it goes (kipsec_acquire_exit()).
 */
#include <linux/netfilter.h>
#include <linux/skbuff.h>
#include <linux/slab.h>

#include "kipsec.h"

#define ACQ_MAX		256		/* pending acquires per namespace */
#define ACQ_QLEN	16		/* packets held per acquire */
#define ACQ_TIMEOUT	(30 * HZ)	/* as XFRM's default acquire lifetime */

struct kipsec_acq {
	struct list_head list;
	u32 pol_id;
	struct kipsec_sa_ep ep;
	u32 reqid;
	unsigned long expires;
	struct sk_buff_head queue;
	struct kipsec_sa *sa;		/* found by the worker */
};

static void acq_work(struct work_struct *work);

int kipsec_acquire_init(struct kipsec_net *kn)
{
	spin_lock_init(&kn->acq_lock);
	INIT_LIST_HEAD(&kn->acquires);
	INIT_DELAYED_WORK(&kn->acq_work, acq_work);
	return 0;
}

static void acq_free(struct kipsec_acq *a)
{
	__skb_queue_purge(&a->queue);
	kfree(a);
}

/* After the hooks are gone: nothing can queue any more. */
void kipsec_acquire_exit(struct kipsec_net *kn)
{
	struct kipsec_acq *a, *tmp;

	cancel_delayed_work_sync(&kn->acq_work);
	list_for_each_entry_safe(a, tmp, &kn->acquires, list) {
		list_del(&a->list);
		acq_free(a);
	}
	kn->acq_count = 0;
}

unsigned int kipsec_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
			    const struct kipsec_flow *fl, const struct kipsec_sa_ep *ep,
			    struct sk_buff *skb)
{
	unsigned int verdict = NF_DROP;
	struct kipsec_acq *a;
	bool fresh = false;

	spin_lock_bh(&kn->acq_lock);
	list_for_each_entry(a, &kn->acquires, list)
		if (a->pol_id == pol->id && !memcmp(&a->ep, ep, sizeof(*ep)))
			goto found;
	if (kn->acq_count >= ACQ_MAX)
		goto out;
	a = kzalloc(sizeof(*a), GFP_ATOMIC);
	if (!a)
		goto out;
	a->pol_id = pol->id;
	a->ep = *ep;
	a->reqid = pol->tmpl.reqid;
	a->expires = jiffies + ACQ_TIMEOUT;
	__skb_queue_head_init(&a->queue);
	list_add_tail(&a->list, &kn->acquires);
	kn->acq_count++;
	fresh = true;
found:
	if (skb_queue_len(&a->queue) < ACQ_QLEN && skb_dst_force(skb)) {
		/* Held (see top); its conntrack entry is a reference already. */
		skb->dev = NULL;
		__skb_queue_tail(&a->queue, skb);
		verdict = NF_STOLEN;
	}
out:
	spin_unlock_bh(&kn->acq_lock);
	if (fresh) {
		kipsec_count(kn, KIPSEC_CNT_ACQUIRES);
		kipsec_notify_acquire(kn, pol, fl);
		queue_delayed_work(kipsec_wq, &kn->acq_work, ACQ_TIMEOUT);
	}
	return verdict;
}

/*
 * A policy went away (pol_id 0: all of them): so do the packets held for
 * it, which would otherwise leave through whatever SA appears next.
 */
void kipsec_acquire_forget(struct kipsec_net *kn, u32 pol_id)
{
	struct kipsec_acq *a, *tmp;
	LIST_HEAD(gone);

	spin_lock_bh(&kn->acq_lock);
	list_for_each_entry_safe(a, tmp, &kn->acquires, list) {
		if (pol_id && a->pol_id != pol_id)
			continue;
		list_move_tail(&a->list, &gone);
		kn->acq_count--;
	}
	spin_unlock_bh(&kn->acq_lock);
	list_for_each_entry_safe(a, tmp, &gone, list) {
		list_del(&a->list);
		acq_free(a);
	}
}

/* An SA was added: the held packets may have their SA now. */
void kipsec_acquire_kick(struct kipsec_net *kn)
{
	if (!list_empty_careful(&kn->acquires))
		mod_delayed_work(kipsec_wq, &kn->acq_work, 0);
}

static void acq_work(struct work_struct *work)
{
	struct kipsec_net *kn = container_of(to_delayed_work(work), struct kipsec_net, acq_work);
	unsigned long now = jiffies, next = 0;
	struct kipsec_acq *a, *tmp;
	struct sk_buff *skb;
	LIST_HEAD(done);

	spin_lock_bh(&kn->acq_lock);
	list_for_each_entry_safe(a, tmp, &kn->acquires, list) {
		a->sa = kipsec_sa_lookup_ep(kn, &a->ep, a->reqid);
		if (a->sa || time_after_eq(now, a->expires)) {
			list_move_tail(&a->list, &done);
			kn->acq_count--;
		} else if (!next || time_before(a->expires, next)) {
			next = a->expires;
		}
	}
	spin_unlock_bh(&kn->acq_lock);

	list_for_each_entry_safe(a, tmp, &done, list) {
		list_del(&a->list);
		if (a->sa) {
			local_bh_disable();
			while ((skb = __skb_dequeue(&a->queue))) {
				skb->dev = skb_dst(skb)->dev;
				refcount_inc(&a->sa->refcnt);
				kipsec_xmit(kn, a->sa, skb);
			}
			local_bh_enable();
			kipsec_sa_put(a->sa);
		}
		acq_free(a);
	}
	if (next)
		queue_delayed_work(kipsec_wq, &kn->acq_work,
				   time_after(next, now) ? next - now : 0);
}
