// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the security association database (RFC 4301 §4.4.2).
 *
 * Each namespace indexes its SAs three ways: by (destination, SPI,
 * protocol) for inbound packets (RFC 4301 §4.1), by endpoints and mode for
 * the outbound template lookup (a group per endpoint pair, newest SA
 * first, so that the lookup usually stops at the head and removal never
 * walks), and by a dense id for dumps.  Readers use RCU
 * and take a reference; every change happens under kn->lock in process
 * context.  Lifetimes are driven by one delayed work per SA, which wakes at
 * the next deadline or when the data path reports a byte or packet limit.
 *
 * Removal: unlink under kn->lock and mark dead (under sa->lock, so that no
 * one can wake the lifetime work afterwards), cancel the lifetime work
 * outside kn->lock, drop the table's reference; the last reference frees
 * the SA after an RCU grace period, in process context (crypto transforms).
 */
#include <linux/jiffies.h>
#include <linux/moduleparam.h>
#include <linux/netlink.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "kipsec.h"
#include "replay.h"

/* An SPI reserved by SPI_ALLOC and never completed goes away (design.md). */
#define LARVAL_LIFETIME		(30 * HZ)
/* SPI_ALLOC tries at most this many candidates before giving up. */
#define SPI_ALLOC_TRIES		65536

/*
 * Per-namespace bounds: any user namespace can own a network namespace
 * and reach the family, so its databases must not grow without end (the
 * memory is also charged to its memory cgroup).  Generous, but finite.
 */
static unsigned int max_sas __read_mostly = 1 << 20;
module_param(max_sas, uint, 0644);
MODULE_PARM_DESC(max_sas, "most SAs per network namespace, larval ones included");
static unsigned int max_larval_spis __read_mostly = 1 << 16;
module_param(max_larval_spis, uint, 0644);
MODULE_PARM_DESC(max_larval_spis, "most SPIs reserved without an SA per network namespace");

static const struct rhashtable_params sa_id_params = {
	.key_len = sizeof(struct kipsec_sa_id),
	.key_offset = offsetof(struct kipsec_sa, id),
	.head_offset = offsetof(struct kipsec_sa, by_id),
	.automatic_shrinking = true,
};

static const struct rhashtable_params sa_ep_params = {
	.key_len = sizeof(struct kipsec_sa_ep),
	.key_offset = offsetof(struct kipsec_sa_group, ep),
	.head_offset = offsetof(struct kipsec_sa_group, node),
	.automatic_shrinking = true,
};

static void sa_life_work(struct work_struct *work);
static void sa_free_work(struct work_struct *work);

/* SAs are many and not a power of two in size: a cache of their own. */
static struct kmem_cache *sa_cache __read_mostly;

int __init kipsec_sa_cache_init(void)
{
	/* Charged to the memory cgroup of whoever adds the SA. */
	sa_cache = KMEM_CACHE(kipsec_sa, SLAB_ACCOUNT);
	return sa_cache ? 0 : -ENOMEM;
}

void kipsec_sa_cache_exit(void)
{
	kmem_cache_destroy(sa_cache);
}

int kipsec_sad_init(struct kipsec_net *kn)
{
	int err;

	err = rhashtable_init(&kn->sa_by_id, &sa_id_params);
	if (err)
		return err;
	err = rhashtable_init(&kn->sa_by_ep, &sa_ep_params);
	if (err) {
		rhashtable_destroy(&kn->sa_by_id);
		return err;
	}
	xa_init_flags(&kn->sa_xa, XA_FLAGS_ALLOC);
	atomic_set(&kn->sa_count, 0);
	/* Never 0: a dump compares generations and 0 means "not started". */
	atomic_set(&kn->sa_genid, 1);
	return 0;
}

void kipsec_sad_exit(struct kipsec_net *kn)
{
	kipsec_sa_flush(kn, 0);
	WARN_ON(!xa_empty(&kn->sa_xa));
	xa_destroy(&kn->sa_xa);
	rhashtable_destroy(&kn->sa_by_ep);
	rhashtable_destroy(&kn->sa_by_id);
}

struct kipsec_sa *kipsec_sa_alloc(struct kipsec_net *kn, const struct kipsec_sa_cfg *cfg)
{
	struct kipsec_sa *sa = kmem_cache_zalloc(sa_cache, GFP_KERNEL_ACCOUNT);

	if (!sa)
		return NULL;
	sa->replay = kipsec_replay_alloc(cfg->replay_window, GFP_KERNEL_ACCOUNT);
	if (!sa->replay) {
		kmem_cache_free(sa_cache, sa);
		return NULL;
	}
	if (dst_cache_init(&sa->dst_cache, GFP_KERNEL_ACCOUNT)) {
		kipsec_replay_free(sa->replay);
		kmem_cache_free(sa_cache, sa);
		return NULL;
	}
	sa->kn = kn;
	/* Requests name ESP or AH only (netlink.c): never NULL. */
	sa->ops = kipsec_proto_ops_find(cfg->id.proto);
	sa->id = cfg->id;
	sa->id.pad = 0;
	sa->ep.saddr = cfg->saddr;
	sa->ep.daddr = cfg->id.daddr;
	sa->ep.proto = cfg->id.proto;
	sa->ep.family = cfg->id.family;
	sa->ep.mode = cfg->mode;
	sa->mode = cfg->mode;
	sa->reqid = cfg->reqid;
	sa->flags = cfg->flags;
	sa->replay_window = cfg->replay_window;
	atomic64_set(&sa->seq_out, cfg->seq_out);
	sa->encap_sport = cfg->encap_sport;
	sa->encap_dport = cfg->encap_dport;
	sa->mark = cfg->mark;
	sa->mark_mask = cfg->mark_mask;
	sa->ifindex = cfg->ifindex;
	sa->soft = cfg->soft;
	sa->hard = cfg->hard;
	sa->state = KIPSEC_SA_STATE_MATURE;
	sa->add_time = ktime_get_real_seconds();
	sa->add_jiffies = jiffies;
	spin_lock_init(&sa->lock);
	INIT_LIST_HEAD(&sa->gc);
	INIT_LIST_HEAD(&sa->ep_list);
	INIT_DELAYED_WORK(&sa->life_work, sa_life_work);
	INIT_RCU_WORK(&sa->free_work, sa_free_work);
	refcount_set(&sa->refcnt, 1);
	return sa;
}

void kipsec_sa_free(struct kipsec_sa *sa)
{
	dst_cache_destroy(&sa->dst_cache);
	kipsec_xform_destroy(&sa->xf);
	kipsec_replay_free(sa->replay);
	/* The keys lived in xf's own buffers, wiped above; nothing secret here. */
	kmem_cache_free(sa_cache, sa);
}

static void sa_free_work(struct work_struct *work)
{
	struct kipsec_sa *sa = container_of(to_rcu_work(work), struct kipsec_sa, free_work);

	/* Only a lifetime work that unlinked this very SA can still be running. */
	cancel_delayed_work_sync(&sa->life_work);
	kipsec_sa_free(sa);
}

void kipsec_sa_put(struct kipsec_sa *sa)
{
	if (refcount_dec_and_test(&sa->refcnt))
		queue_rcu_work(kipsec_wq, &sa->free_work);
}

static struct kipsec_sa *sa_get_rcu(struct kipsec_sa *sa)
{
	return sa && refcount_inc_not_zero(&sa->refcnt) ? sa : NULL;
}

struct kipsec_sa *kipsec_sa_lookup(struct kipsec_net *kn, const struct kipsec_sa_id *id)
{
	struct kipsec_sa *sa;

	rcu_read_lock();
	sa = sa_get_rcu(rhashtable_lookup(&kn->sa_by_id, id, sa_id_params));
	rcu_read_unlock();
	return sa;
}

/*
 * The SA to protect outbound traffic between these endpoints: the newest
 * mature one, else the newest dying one (being rekeyed, RFC 4301 §4.5).
 * reqid 0 takes any.
 */
struct kipsec_sa *kipsec_sa_lookup_ep(struct kipsec_net *kn, const struct kipsec_sa_ep *ep,
				      u32 reqid)
{
	struct kipsec_sa *sa, *best = NULL;
	struct kipsec_sa_group *g;

	rcu_read_lock();
	g = rhashtable_lookup(&kn->sa_by_ep, ep, sa_ep_params);
	if (g) {
		list_for_each_entry_rcu(sa, &g->sas, ep_list) {
			if (!kipsec_sa_usable(sa) || (reqid && sa->reqid != reqid))
				continue;
			if (READ_ONCE(sa->state) == KIPSEC_SA_STATE_MATURE) {
				best = sa;
				break;
			}
			if (!best)
				best = sa;
		}
	}
	best = sa_get_rcu(best);
	rcu_read_unlock();
	return best;
}

/*
 * kn->lock held: the group of these endpoints, made if need be.  A new
 * group is empty, so lookups that find it find no SA: nothing is
 * published yet (see sa_link()).
 */
static struct kipsec_sa_group *ep_group(struct kipsec_net *kn, const struct kipsec_sa_ep *ep)
{
	struct kipsec_sa_group *g;
	int err;

	g = rhashtable_lookup_fast(&kn->sa_by_ep, ep, sa_ep_params);
	if (g)
		return g;
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return ERR_PTR(-ENOMEM);
	g->ep = *ep;
	INIT_LIST_HEAD(&g->sas);
	err = rhashtable_insert_fast(&kn->sa_by_ep, &g->node, sa_ep_params);
	if (err) {
		kfree(g);
		return ERR_PTR(err);
	}
	return g;
}

/* kn->lock held: an empty group goes (its last SA left, or none came). */
static void ep_group_put(struct kipsec_net *kn, struct kipsec_sa_group *g)
{
	if (list_empty(&g->sas)) {
		rhashtable_remove_fast(&kn->sa_by_ep, &g->node, sa_ep_params);
		kfree_rcu(g, rcu);
	}
}

/* kn->lock held: the SA joins the head of its group; cannot fail. */
static void ep_link(struct kipsec_sa *sa, struct kipsec_sa_group *g)
{
	list_add_rcu(&sa->ep_list, &g->sas);
	sa->group = g;
}

/* kn->lock held; the group goes with its last SA. */
static void ep_unlink(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	struct kipsec_sa_group *g = sa->group;

	if (!g)
		return;
	list_del_rcu(&sa->ep_list);
	sa->group = NULL;
	ep_group_put(kn, g);
}

void kipsec_sa_kick_lifetime(struct kipsec_sa *sa)
{
	spin_lock_bh(&sa->lock);
	if (!sa->dead)
		mod_delayed_work(kipsec_wq, &sa->life_work, 0);
	spin_unlock_bh(&sa->lock);
}

static bool over(const struct kipsec_lifetime *lt, u64 packets, u64 bytes)
{
	return (lt->packets && packets >= lt->packets) || (lt->bytes && bytes >= lt->bytes);
}

/*
 * Counts one packet of the data path.  Crossing a soft or hard limit wakes
 * the lifetime work once; past the hard limit the SA refuses packets even
 * before that work has removed it (RFC 4301 §4.4.2.1).
 */
bool kipsec_sa_account(struct kipsec_sa *sa, unsigned int bytes)
{
	u64 packets = atomic64_inc_return(&sa->stats.packets);
	u64 total = atomic64_add_return(bytes, &sa->stats.bytes);
	bool kick = false;

	if (unlikely(!READ_ONCE(sa->use_time))) {
		/* First use: the use-time limits start counting now. */
		WRITE_ONCE(sa->use_jiffies, jiffies);
		smp_wmb();
		WRITE_ONCE(sa->use_time, ktime_get_real_seconds());
		kick = sa->soft.use_secs || sa->hard.use_secs;
	}
	if (unlikely(over(&sa->soft, packets, total)) && !test_and_set_bit(0, &sa->limit_kicked))
		kick = true;
	if (unlikely(over(&sa->hard, packets, total))) {
		if (!test_and_set_bit(1, &sa->limit_kicked))
			kick = true;
		if ((sa->hard.packets && packets > sa->hard.packets) ||
		    (sa->hard.bytes && total - bytes >= sa->hard.bytes)) {
			if (kick)
				kipsec_sa_kick_lifetime(sa);
			return false;
		}
	}
	if (kick)
		kipsec_sa_kick_lifetime(sa);
	return true;
}

bool kipsec_sa_next_seq(struct kipsec_sa *sa, u64 *seq)
{
	u64 max = kipsec_seq_max(sa->flags);
	/* Stops at max: a spent SA stays spent, it never wraps to 0. */
	u64 last = atomic64_fetch_add_unless(&sa->seq_out, 1, (s64)max);

	if (unlikely(last >= max - 1)) {
		/*
		 * RFC 4303 §3.3.3, RFC 4302 §3.3.2: the counter must not cycle,
		 * the SA must be replaced.  Hard expiry does that (an EXPIRE
		 * tells the key manager) rather than leaving a blackhole.
		 */
		kipsec_sa_kick_lifetime(sa);
		if (last == max)
			return false;
	}
	*seq = last + 1;
	return true;
}

static bool seq_spent(const struct kipsec_sa *sa)
{
	return (u64)atomic64_read(&sa->seq_out) >= kipsec_seq_max(sa->flags);
}

/* Removes sa from every index; kn->lock held.  The table's reference stays
 * with the caller, who drops it after unlocking (sa_release()).
 */
static void sa_unlink(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	lockdep_assert_held(&kn->lock);
	spin_lock_bh(&sa->lock);
	sa->dead = true;
	spin_unlock_bh(&sa->lock);
	rhashtable_remove_fast(&kn->sa_by_id, &sa->by_id, sa_id_params);
	ep_unlink(kn, sa);
	kipsec_encap_port_put(kn, sa);
	xa_erase(&kn->sa_xa, sa->xa_index);
	atomic_dec(&kn->sa_count);
	if (sa->state == KIPSEC_SA_STATE_LARVAL)
		kn->larval_count--;
	if (sa->ifindex)
		kipsec_iface_unbind(kn, sa);
	atomic_inc(&kn->sa_genid);
}

/* After sa_unlink() and outside kn->lock: no lifetime work may outlive it. */
static void sa_release(struct kipsec_sa *sa)
{
	cancel_delayed_work_sync(&sa->life_work);
	kipsec_sa_put(sa);
}

/* ---- lifetimes (RFC 4301 §4.4.2.1) ---- */

/* now + secs in jiffies, or 0 when the limit is off or too far to matter. */
static unsigned long deadline(unsigned long start, u64 secs)
{
	if (!secs || secs > MAX_JIFFY_OFFSET / HZ / 2)
		return 0;
	return start + (unsigned long)secs * HZ;
}

static bool reached(const struct kipsec_sa *sa, const struct kipsec_lifetime *lt,
		    unsigned long now)
{
	unsigned long t;

	if (lt->packets && atomic64_read(&sa->stats.packets) >= lt->packets)
		return true;
	if (lt->bytes && atomic64_read(&sa->stats.bytes) >= lt->bytes)
		return true;
	t = deadline(sa->add_jiffies, lt->add_secs);
	if (t && time_after_eq(now, t))
		return true;
	if (READ_ONCE(sa->use_time)) {
		t = deadline(READ_ONCE(sa->use_jiffies), lt->use_secs);
		if (t && time_after_eq(now, t))
			return true;
	}
	return false;
}

static void earliest(unsigned long *next, unsigned long t)
{
	if (t && (!*next || time_before(t, *next)))
		*next = t;
}

static unsigned long next_deadline(const struct kipsec_sa *sa)
{
	unsigned long next = 0, use = READ_ONCE(sa->use_jiffies);

	if (sa->state == KIPSEC_SA_STATE_LARVAL)
		return sa->add_jiffies + LARVAL_LIFETIME;
	earliest(&next, deadline(sa->add_jiffies, sa->hard.add_secs));
	if (READ_ONCE(sa->use_time))
		earliest(&next, deadline(use, sa->hard.use_secs));
	if (!sa->soft_sent) {
		earliest(&next, deadline(sa->add_jiffies, sa->soft.add_secs));
		if (READ_ONCE(sa->use_time))
			earliest(&next, deadline(use, sa->soft.use_secs));
	}
	return next;
}

/* kn->lock held: arm the lifetime work for the next deadline, if any. */
static void sa_schedule(struct kipsec_sa *sa)
{
	unsigned long next = next_deadline(sa), now = jiffies;

	if (next)
		mod_delayed_work(kipsec_wq, &sa->life_work,
				 time_after(next, now) ? next - now : 0);
}

static void sa_life_work(struct work_struct *work)
{
	struct kipsec_sa *sa = container_of(to_delayed_work(work), struct kipsec_sa, life_work);
	struct kipsec_net *kn = sa->kn;
	unsigned long now = jiffies;
	bool remove = false;

	mutex_lock(&kn->lock);
	if (sa->dead)
		goto out;
	if (sa->state == KIPSEC_SA_STATE_LARVAL) {
		/* An SPI reservation nobody completed: gone without an event. */
		remove = time_after_eq(now, sa->add_jiffies + LARVAL_LIFETIME);
	} else if (reached(sa, &sa->hard, now) || seq_spent(sa)) {
		/* Hard expiry: tell, then the SA is gone (RFC 4301 §4.4.2.1). */
		kipsec_notify_expire(kn, sa, true);
		kipsec_count(kn, KIPSEC_CNT_EXPIRES);
		remove = true;
	} else if (!sa->soft_sent && reached(sa, &sa->soft, now)) {
		/* Soft expiry: time to rekey, the SA keeps working. */
		sa->soft_sent = true;
		WRITE_ONCE(sa->state, KIPSEC_SA_STATE_DYING);
		kipsec_notify_expire(kn, sa, false);
		kipsec_count(kn, KIPSEC_CNT_EXPIRES);
	}
	if (remove)
		sa_unlink(kn, sa);
	else
		sa_schedule(sa);
out:
	mutex_unlock(&kn->lock);
	/* The table's reference; we are the lifetime work, so no cancel. */
	if (remove)
		kipsec_sa_put(sa);
}

/* ---- changes ---- */

/*
 * Publishing an SA: RCU readers (the data path, dumps) may find it and take
 * a reference the moment it is in any index, and the caller frees an SA
 * whose insertion failed at once (kipsec_sa_free(), no grace period).  So
 * every step that can fail comes first, invisibly: the dump slot is
 * reserved empty, the endpoint group made empty.  Then one step that can
 * fail publishes (the SPI index); all that follows cannot fail.
 */

/* kn->lock held: reserves the SA's dump slot; readers see nothing there yet. */
static int sa_index(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	int err = xa_alloc_cyclic(&kn->sa_xa, &sa->xa_index, NULL, xa_limit_32b,
				  &kn->sa_xa_next, GFP_KERNEL_ACCOUNT);

	return err < 0 ? err : 0;
}

/* kn->lock held: put a new SA into every index it belongs to. */
static int sa_link(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	struct kipsec_sa_group *g = NULL;
	int err;

	err = sa_index(kn, sa);
	if (err)
		return err;
	if (sa->state != KIPSEC_SA_STATE_LARVAL) {
		g = ep_group(kn, &sa->ep);
		if (IS_ERR(g)) {
			err = PTR_ERR(g);
			goto err_xa;
		}
	}
	err = rhashtable_insert_fast(&kn->sa_by_id, &sa->by_id, sa_id_params);
	if (err)
		goto err_group;
	/* Published: nothing below may fail. */
	if (g)
		ep_link(sa, g);
	/* Fills the reserved slot: no allocation, no failure. */
	xa_store(&kn->sa_xa, sa->xa_index, sa, GFP_KERNEL);
	atomic_inc(&kn->sa_count);
	if (sa->state == KIPSEC_SA_STATE_LARVAL)
		kn->larval_count++;
	atomic_inc(&kn->sa_genid);
	return 0;
err_group:
	if (g)
		ep_group_put(kn, g);
err_xa:
	xa_erase(&kn->sa_xa, sa->xa_index);
	return err;
}

/* kn->lock held: is there room for one more SA (larval: reservation)? */
static int sa_room(struct kipsec_net *kn, bool larval, struct netlink_ext_ack *extack)
{
	if (atomic_read(&kn->sa_count) >= READ_ONCE(max_sas)) {
		NL_SET_ERR_MSG(extack, "too many SAs in this network namespace (kipsec.max_sas)");
		return -ENOSPC;
	}
	if (larval && kn->larval_count >= READ_ONCE(max_larval_spis)) {
		NL_SET_ERR_MSG(extack,
			       "too many SPIs reserved without an SA in this network namespace (kipsec.max_larval_spis)");
		return -ENOSPC;
	}
	return 0;
}

static void stats_copy(struct kipsec_sa_stats *to, const struct kipsec_sa_stats *from)
{
	atomic64_set(&to->packets, atomic64_read(&from->packets));
	atomic64_set(&to->bytes, atomic64_read(&from->bytes));
	atomic64_set(&to->replay_drops, atomic64_read(&from->replay_drops));
	atomic64_set(&to->auth_fails, atomic64_read(&from->auth_fails));
	atomic64_set(&to->decrypt_errs, atomic64_read(&from->decrypt_errs));
	atomic64_set(&to->policy_drops, atomic64_read(&from->policy_drops));
}

/*
 * kn->lock held, before sa is visible: a replacement continues the live SA
 * it replaces, as XFRM's UPDSA keeps the replay state.  The outbound counter
 * goes on where the old one stopped (RFC 4303 §3.3.3: it never goes back;
 * under the same key a repeated number would repeat an AEAD nonce, RFC 4106
 * §3.1), the window keeps what was received (a replayed packet stays
 * refused), and the counters and times stay, so lifetimes keep counting.
 * The old counter is spent on the way: a packet still leaving through the
 * old SA is dropped rather than sent with a number the new one will use.
 * *old_seq is the old counter, for undoing that if the replace fails.
 */
static int sa_inherit(struct kipsec_sa *sa, struct kipsec_sa *old, u64 *old_seq,
		      struct netlink_ext_ack *extack)
{
	u64 seq = atomic64_read(&old->seq_out);

	if (seq >= kipsec_seq_max(sa->flags)) {
		NL_SET_ERR_MSG(extack,
			       "the SA has used up the sequence numbers of its replacement: a new SPI is needed");
		return -EINVAL;
	}
	spin_lock_bh(&old->lock);
	kipsec_replay_copy(sa->replay, old->replay);
	spin_unlock_bh(&old->lock);
	stats_copy(&sa->stats, &old->stats);
	sa->add_time = old->add_time;
	sa->add_jiffies = old->add_jiffies;
	sa->use_jiffies = READ_ONCE(old->use_jiffies);
	sa->use_time = READ_ONCE(old->use_time);
	*old_seq = atomic64_xchg(&old->seq_out, (s64)kipsec_seq_max(old->flags));
	/* A requested start may move the counter on, never back. */
	if (*old_seq > (u64)atomic64_read(&sa->seq_out))
		atomic64_set(&sa->seq_out, *old_seq);
	return 0;
}

/* kn->lock held: sa takes old's place (same name), old is unlinked. */
static int sa_replace(struct kipsec_net *kn, struct kipsec_sa *old, struct kipsec_sa *sa,
		      struct netlink_ext_ack *extack)
{
	bool larval = old->state == KIPSEC_SA_STATE_LARVAL;
	struct kipsec_sa_group *g;
	u64 old_seq = 0;
	int err;

	if (!larval) {
		err = sa_inherit(sa, old, &old_seq, extack);
		if (err)
			return err;
	}
	g = ep_group(kn, &sa->ep);
	if (IS_ERR(g)) {
		err = PTR_ERR(g);
		goto err_seq;
	}
	/* Publishes sa (see sa_link()); nothing below may fail. */
	err = rhashtable_replace_fast(&kn->sa_by_id, &old->by_id, &sa->by_id, sa_id_params);
	if (err) {
		ep_group_put(kn, g);
		goto err_seq;
	}
	ep_link(sa, g);
	if (larval)
		kn->larval_count--;
	spin_lock_bh(&old->lock);
	old->dead = true;
	spin_unlock_bh(&old->lock);
	ep_unlink(kn, old);
	if (old->ifindex)
		kipsec_iface_unbind(kn, old);
	/* Same dump slot: a dump in progress neither loses nor repeats it. */
	sa->xa_index = old->xa_index;
	xa_store(&kn->sa_xa, sa->xa_index, sa, GFP_KERNEL_ACCOUNT);
	atomic_inc(&kn->sa_genid);
	return 0;
err_seq:
	if (!larval)
		atomic64_set(&old->seq_out, old_seq);
	return err;
}

int kipsec_sa_insert(struct kipsec_net *kn, struct kipsec_sa *sa, bool replace, bool create,
		     struct netlink_ext_ack *extack)
{
	struct kipsec_sa *old;
	int err;

	mutex_lock(&kn->lock);
	old = rhashtable_lookup_fast(&kn->sa_by_id, &sa->id, sa_id_params);
	if (old && old->state != KIPSEC_SA_STATE_LARVAL && !replace) {
		NL_SET_ERR_MSG(extack, "an SA with this destination, SPI and protocol exists");
		err = -EEXIST;
		goto out;
	}
	if (!old && replace && !create) {
		NL_SET_ERR_MSG(extack, "no SA with this destination, SPI and protocol to replace");
		err = -ENOENT;
		goto out;
	}
	/* The caller holds RTNL for an SA bound to an interface (iface.c). */
	if (sa->ifindex) {
		err = kipsec_iface_check(kn, sa, extack);
		if (err)
			goto out;
	}
	/* The port its ESP in UDP arrives at, if any (encap.c). */
	err = kipsec_encap_port_get(kn, sa);
	if (err)
		goto out;
	/* A larval SA (SPI_ALLOC) is completed by replacing it. */
	err = old ? sa_replace(kn, old, sa, extack) : sa_room(kn, false, extack) ?:
						    sa_link(kn, sa);
	if (err) {
		kipsec_encap_port_put(kn, sa);
		goto out;
	}
	if (old)
		kipsec_encap_port_put(kn, old);
	if (sa->ifindex)
		kipsec_iface_bind(kn, sa);
	sa_schedule(sa);
	kipsec_notify_sa(kn, sa, KIPSEC_CMD_SA_ADD);
out:
	mutex_unlock(&kn->lock);
	if (!err && old)
		sa_release(old);
	if (!err)
		kipsec_acquire_kick(kn);
	return err;
}

int kipsec_sa_reserve_spi(struct kipsec_net *kn, const struct kipsec_sa_cfg *cfg, u32 min,
			  u32 max, struct kipsec_sa **out, struct netlink_ext_ack *extack)
{
	u64 count = (u64)max - min + 1;
	u32 start = get_random_u32(), i, tries = min_t(u64, count, SPI_ALLOC_TRIES);
	struct kipsec_sa *sa;
	int err = -ENOSPC;

	sa = kipsec_sa_alloc(kn, cfg);
	if (!sa)
		return -ENOMEM;
	sa->state = KIPSEC_SA_STATE_LARVAL;
	mutex_lock(&kn->lock);
	err = sa_room(kn, true, extack);
	if (err)
		goto fail;
	err = -ENOSPC;
	for (i = 0; i < tries; i++) {
		/* A small range is walked whole; a large one is sampled. */
		u32 off = count <= SPI_ALLOC_TRIES ? (u32)(((u64)start + i) % count)
						   : (u32)(get_random_u32() % count);

		sa->id.spi = min + off;
		if (!rhashtable_lookup_fast(&kn->sa_by_id, &sa->id, sa_id_params)) {
			err = 0;
			break;
		}
	}
	if (err) {
		NL_SET_ERR_MSG(extack, "no free SPI in the range");
		goto fail;
	}
	err = sa_link(kn, sa);
	if (err)
		goto fail;
	sa_schedule(sa);
	/* The caller's reference, for the reply. */
	refcount_inc(&sa->refcnt);
	mutex_unlock(&kn->lock);
	*out = sa;
	return 0;
fail:
	mutex_unlock(&kn->lock);
	kipsec_sa_free(sa);
	return err;
}

int kipsec_sa_delete(struct kipsec_net *kn, const struct kipsec_sa_id *id)
{
	struct kipsec_sa *sa;

	mutex_lock(&kn->lock);
	sa = rhashtable_lookup_fast(&kn->sa_by_id, id, sa_id_params);
	if (!sa) {
		mutex_unlock(&kn->lock);
		return -ENOENT;
	}
	sa_unlink(kn, sa);
	kipsec_notify_sa(kn, sa, KIPSEC_CMD_SA_DEL);
	mutex_unlock(&kn->lock);
	sa_release(sa);
	return 0;
}

static void sa_release_list(struct list_head *gone)
{
	struct kipsec_sa *sa, *tmp;

	list_for_each_entry_safe(sa, tmp, gone, gc) {
		list_del(&sa->gc);
		sa_release(sa);
		cond_resched();
	}
}

/* proto 0: every SA.  Tells listeners once, not once per SA. */
void kipsec_sa_flush(struct kipsec_net *kn, u8 proto)
{
	struct kipsec_sa *sa;
	unsigned long idx;
	LIST_HEAD(gone);

	mutex_lock(&kn->lock);
	xa_for_each(&kn->sa_xa, idx, sa) {
		if (proto && sa->id.proto != proto)
			continue;
		sa_unlink(kn, sa);
		list_add_tail(&sa->gc, &gone);
	}
	kipsec_notify_flush(kn, KIPSEC_CMD_SA_FLUSH, proto);
	mutex_unlock(&kn->lock);
	sa_release_list(&gone);
}

/*
 * Deleted one by one, each told as SA_DEL (a daemon forgets that pair
 * only); a walk of the SAD, as rare as deleting an interface.
 */
void kipsec_sa_flush_iface(struct kipsec_net *kn, int ifindex)
{
	struct kipsec_sa *sa;
	unsigned long idx;
	LIST_HEAD(gone);

	mutex_lock(&kn->lock);
	xa_for_each(&kn->sa_xa, idx, sa) {
		if (sa->ifindex != ifindex)
			continue;
		sa_unlink(kn, sa);
		kipsec_notify_sa(kn, sa, KIPSEC_CMD_SA_DEL);
		list_add_tail(&sa->gc, &gone);
	}
	mutex_unlock(&kn->lock);
	sa_release_list(&gone);
}
