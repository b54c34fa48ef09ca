// SPDX-License-Identifier: GPL-2.0
/*
 * Randomised self-test of the SPD's tuple space, run at module load in the
 * debug build (KIPSEC_DEBUG=1), included by policy.c so that it reaches
 * the tuple space beneath the netlink-facing functions: a lookup that
 * picks the wrong policy sends traffic in clear, so a debug module refuses
 * to load with one.
 *
 * The reference is the definition (RFC 4301 §4.4.1): a walk over every
 * policy of the direction, the first match by (priority, insertion order),
 * with the matching rules the SPD had as a linear list.  Policies are drawn
 * from small pools of addresses, prefix lengths, protocols, ports and
 * priorities, so that overlaps and ties are the rule; inserts and deletes
 * interleave with lookups of random flows, v4 and v6, some of them
 * non-first fragments.
 */
#include <linux/prandom.h>

#define ST_POLICIES	192
#define ST_STEPS	3000
#define ST_FLOWS	8	/* flows looked up after each step */

/* The reference matching rules: what selector_match() of the list was. */
static bool st_prefix_match(const union kipsec_inaddr *net, const union kipsec_inaddr *addr,
			    u8 plen, u8 family)
{
	if (!plen)
		return true;
	if (family == AF_INET)
		return !((net->a4 ^ addr->a4) & inet_make_mask(plen));
	return ipv6_prefix_equal(&net->a6, &addr->a6, plen);
}

static bool st_selector_match(const struct kipsec_selector *sel, const struct kipsec_flow *fl)
{
	if (sel->family != fl->family ||
	    !st_prefix_match(&sel->saddr, &fl->saddr, sel->splen, fl->family) ||
	    !st_prefix_match(&sel->daddr, &fl->daddr, sel->dplen, fl->family))
		return false;
	if (sel->proto && sel->proto != fl->proto)
		return false;
	if (!sel->sport && !sel->dport)
		return true;
	if (fl->opaque)
		return false;
	return (!sel->sport || sel->sport == fl->sport) && (!sel->dport || sel->dport == fl->dport);
}

struct st_state {
	struct rnd_state rnd;
	struct kipsec_net *kn;
	struct kipsec_policy *pols[ST_POLICIES];	/* linked, in no order */
	unsigned int npols;
	unsigned int matched;				/* lookups that found a policy */
};

static u32 st_rand(struct st_state *st, u32 n)
{
	return prandom_u32_state(&st->rnd) % n;
}

/* An address near 10.0.0.0 or 2001:db8::, so that prefixes overlap. */
static void st_addr(struct st_state *st, u8 family, union kipsec_inaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (family == AF_INET) {
		a->a4 = htonl(0x0a000000 | st_rand(st, 3) << 16 | st_rand(st, 3) << 8 |
			      st_rand(st, 4));
		return;
	}
	a->a6.s6_addr32[0] = htonl(0x20010db8);
	a->a6.s6_addr32[1] = htonl(st_rand(st, 3) << 16);
	a->a6.s6_addr32[3] = htonl(st_rand(st, 4));
}

static u8 st_plen(struct st_state *st, u8 family)
{
	static const u8 v4[] = { 0, 8, 16, 23, 24, 30, 32, 32 };
	static const u8 v6[] = { 0, 32, 47, 48, 64, 126, 128, 128 };

	if (!st_rand(st, 8))
		return st_rand(st, family == AF_INET ? 33 : 129);
	return family == AF_INET ? v4[st_rand(st, 8)] : v6[st_rand(st, 8)];
}

static void st_masked(union kipsec_inaddr *a, u8 plen, u8 family)
{
	if (family == AF_INET)
		a->a4 &= inet_make_mask(plen);
	else
		ipv6_addr_prefix(&a->a6, &a->a6, plen);
}

static u16 st_port(struct st_state *st)
{
	static const u16 ports[] = { 1, 2, 500, 4500 };

	return ports[st_rand(st, ARRAY_SIZE(ports))];
}

static u8 st_proto(struct st_state *st)
{
	static const u8 protos[] = { IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP, IPPROTO_ICMP };

	return protos[st_rand(st, ARRAY_SIZE(protos))];
}

static void st_selector(struct st_state *st, struct kipsec_selector *sel)
{
	memset(sel, 0, sizeof(*sel));
	sel->family = st_rand(st, 2) ? AF_INET : AF_INET6;
	st_addr(st, sel->family, &sel->saddr);
	st_addr(st, sel->family, &sel->daddr);
	sel->splen = st_plen(st, sel->family);
	sel->dplen = st_plen(st, sel->family);
	st_masked(&sel->saddr, sel->splen, sel->family);
	st_masked(&sel->daddr, sel->dplen, sel->family);
	if (st_rand(st, 2))
		sel->proto = st_proto(st);
	if (sel->proto == IPPROTO_ICMP)
		return;
	if (sel->proto && st_rand(st, 2))
		sel->sport = st_port(st);
	if (sel->proto && st_rand(st, 2))
		sel->dport = st_port(st);
}

static void st_flow(struct st_state *st, struct kipsec_flow *fl)
{
	memset(fl, 0, sizeof(*fl));
	fl->family = st_rand(st, 2) ? AF_INET : AF_INET6;
	st_addr(st, fl->family, &fl->saddr);
	st_addr(st, fl->family, &fl->daddr);
	fl->proto = st_proto(st);
	if (fl->proto == IPPROTO_ICMP)
		return;
	if (!st_rand(st, 6)) {
		fl->opaque = true;	/* a non-first fragment */
		return;
	}
	fl->sport = st_rand(st, 8) ? st_port(st) : st_rand(st, 65536);
	fl->dport = st_rand(st, 8) ? st_port(st) : st_rand(st, 65536);
}

static bool st_same_selector(const struct kipsec_selector *a, const struct kipsec_selector *b)
{
	return !memcmp(a, b, sizeof(*a));
}

static struct kipsec_policy *st_ref_find(struct st_state *st, u8 dir,
					 const struct kipsec_selector *sel)
{
	unsigned int i;

	for (i = 0; i < st->npols; i++)
		if (st->pols[i]->dir == dir && st_same_selector(&st->pols[i]->sel, sel))
			return st->pols[i];
	return NULL;
}

static struct kipsec_policy *st_ref_lookup(struct st_state *st, u8 dir,
					   const struct kipsec_flow *fl)
{
	struct kipsec_policy *pol, *best = NULL;
	unsigned int i;

	for (i = 0; i < st->npols; i++) {
		pol = st->pols[i];
		if (pol->dir == dir && st_selector_match(&pol->sel, fl) &&
		    (!best || earlier(pol, best)))
			best = pol;
	}
	return best;
}

/* A new random policy, unless its selector is taken (as netlink refuses). */
static int st_insert(struct st_state *st)
{
	struct kipsec_policy *pol;
	int err;

	pol = kzalloc(sizeof(*pol), GFP_KERNEL);
	if (!pol)
		return -ENOMEM;
	st_selector(st, &pol->sel);
	pol->dir = st_rand(st, KIPSEC_DIR_FWD + 1);
	/* Mostly a few values, so that ties are frequent. */
	pol->priority = st_rand(st, 10) ? st_rand(st, 6) : prandom_u32_state(&st->rnd);
	if (spd_find(st->kn, pol->dir, &pol->sel) != st_ref_find(st, pol->dir, &pol->sel)) {
		kfree(pol);
		return -EINVAL;
	}
	if (st_ref_find(st, pol->dir, &pol->sel)) {
		kfree(pol);
		return 0;
	}
	err = spd_link(st->kn, pol);
	if (err) {
		kfree(pol);
		return err;
	}
	st->pols[st->npols++] = pol;
	return 0;
}

static int st_delete(struct st_state *st)
{
	unsigned int i = st_rand(st, st->npols);
	struct kipsec_policy *pol = st->pols[i];

	/* Half by selector, as POLICY_DEL without an id finds it. */
	if (st_rand(st, 2) && spd_find(st->kn, pol->dir, &pol->sel) != pol)
		return -EINVAL;
	spd_unlink(st->kn, pol);
	st->pols[i] = st->pols[--st->npols];
	kfree_rcu(pol, rcu);
	return 0;
}

static int st_lookups(struct st_state *st)
{
	struct kipsec_policy *got, *want;
	struct kipsec_flow fl;
	unsigned int i;
	u8 dir;

	for (i = 0; i < ST_FLOWS; i++) {
		st_flow(st, &fl);
		dir = st_rand(st, KIPSEC_DIR_FWD + 1);
		rcu_read_lock();
		got = kipsec_policy_lookup(st->kn, dir, &fl);
		rcu_read_unlock();
		want = st_ref_lookup(st, dir, &fl);
		st->matched += !!want;
		if (got != want) {
			pr_err("kipsec: policy self-test: flow family %u proto %u ports %u %u%s dir %u: got priority %d seq %lld, want %d seq %lld\n",
			       fl.family, fl.proto, fl.sport, fl.dport,
			       fl.opaque ? " opaque" : "", dir, got ? (int)got->priority : -1,
			       got ? got->seq : -1, want ? (int)want->priority : -1,
			       want ? want->seq : -1);
			return -EINVAL;
		}
	}
	return 0;
}

/* One step: mostly inserts until the table is full, then as many deletes. */
static int st_step(struct st_state *st)
{
	bool insert = st->npols < ST_POLICIES &&
		      (!st->npols || st_rand(st, 100) < 60);
	int err;

	err = insert ? st_insert(st) : st_delete(st);
	return err ?: st_lookups(st);
}

static int st_run(struct st_state *st)
{
	unsigned int i;
	int err = 0;

	mutex_lock(&st->kn->lock);
	for (i = 0; i < ST_STEPS && !err; i++)
		err = st_step(st);
	if (err)
		pr_err("kipsec: policy self-test failed at step %u (%u policies)\n",
		       i - 1, st->npols);
	while (st->npols)
		st_delete(st);
	mutex_unlock(&st->kn->lock);
	return err;
}

int kipsec_policy_selftest(void)
{
	struct st_state *st;
	int err = -ENOMEM;

	st = kzalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->kn = kzalloc(sizeof(*st->kn), GFP_KERNEL);
	if (!st->kn)
		goto out;
	mutex_init(&st->kn->lock);
	prandom_seed_state(&st->rnd, 0x6b69707365632d73ULL);
	err = kipsec_spd_init(st->kn);
	if (err)
		goto out;
	err = st_run(st);
	spd_destroy(st->kn);
	if (!err)
		pr_info("kipsec: policy self-tests passed (%u lookups, %u of them matched)\n",
			ST_STEPS * ST_FLOWS, st->matched);
out:
	kfree(st->kn);
	kfree(st);
	return err;
}
