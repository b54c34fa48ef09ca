// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: module init and exit, and the per network namespace state.
 *
 * Order matters both ways: the namespaces' databases exist before the
 * netlink family can reach them, and the family is gone before they go.
 * Objects freed after an RCU grace period in process context (SAs) run on
 * kipsec_wq, which is drained after the last namespace let go of them.
 */
#include <linux/module.h>
#include <linux/percpu.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "kipsec.h"
#include "replay.h"

unsigned int kipsec_net_id __read_mostly;
struct workqueue_struct *kipsec_wq __read_mostly;

static void inflight_release(struct percpu_ref *ref)
{
	struct kipsec_net *kn = container_of(ref, struct kipsec_net, inflight);

	complete(&kn->inflight_done);
}

static int __net_init kipsec_net_init(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);
	int err;

	kn->net = net;
	mutex_init(&kn->lock);
	init_completion(&kn->inflight_done);
	err = percpu_ref_init(&kn->inflight, inflight_release, 0, GFP_KERNEL);
	if (err)
		return err;
	err = -ENOMEM;
	kn->counters = alloc_percpu(struct kipsec_counters);
	if (!kn->counters)
		goto err_ref;
	err = kipsec_sad_init(kn);
	if (err)
		goto err_counters;
	err = kipsec_spd_init(kn);
	if (err)
		goto err_sad;
	err = kipsec_acquire_init(kn);
	if (err)
		goto err_spd;
	/*
	 * IPv6 reassembles only after LOCAL_IN: have it done before, as
	 * conntrack would, so that fragmented ESP reaches our hook whole.
	 */
	err = nf_defrag_ipv6_enable(net);
	if (err)
		goto err_acquire;
	err = kipsec_hooks_register(net);
	if (err)
		goto err_defrag;
	return 0;
err_defrag:
	nf_defrag_ipv6_disable(net);
err_acquire:
	kipsec_acquire_exit(kn);
err_spd:
	kipsec_spd_exit(kn);
err_sad:
	kipsec_sad_exit(kn);
err_counters:
	free_percpu(kn->counters);
err_ref:
	percpu_ref_exit(&kn->inflight);
	return err;
}

/*
 * No new packets once the hooks are gone; then the held ones are dropped
 * and the ones inside the crypto API awaited, before anything they use
 * goes away.
 */
static void __net_exit kipsec_net_exit(struct net *net)
{
	struct kipsec_net *kn = kipsec_pernet(net);

	kipsec_hooks_unregister(net);
	nf_defrag_ipv6_disable(net);
	kipsec_acquire_exit(kn);
	percpu_ref_kill(&kn->inflight);
	wait_for_completion(&kn->inflight_done);
	percpu_ref_exit(&kn->inflight);
	kipsec_spd_exit(kn);
	kipsec_sad_exit(kn);
	free_percpu(kn->counters);
}

static struct pernet_operations kipsec_net_ops = {
	.init = kipsec_net_init,
	.exit = kipsec_net_exit,
	.id = &kipsec_net_id,
	.size = sizeof(struct kipsec_net),
};

static int __init kipsec_init(void)
{
	int err;

	err = kipsec_replay_selftest();
	if (err)
		return err;
	err = kipsec_sa_cache_init();
	if (err)
		return err;
	err = -ENOMEM;
	kipsec_wq = alloc_workqueue("kipsec", WQ_MEM_RECLAIM, 0);
	if (!kipsec_wq)
		goto err_cache;
	err = register_pernet_subsys(&kipsec_net_ops);
	if (err)
		goto err_wq;
	err = kipsec_genl_init();
	if (err)
		goto err_pernet;
	return 0;
err_pernet:
	unregister_pernet_subsys(&kipsec_net_ops);
err_wq:
	destroy_workqueue(kipsec_wq);
err_cache:
	kipsec_sa_cache_exit();
	return err;
}

static void __exit kipsec_exit(void)
{
	kipsec_genl_exit();
	unregister_pernet_subsys(&kipsec_net_ops);
	/* SAs go through call_rcu() to kipsec_wq: let every one arrive, then drain. */
	rcu_barrier();
	destroy_workqueue(kipsec_wq);
	kipsec_sa_cache_exit();
}

module_init(kipsec_init);
module_exit(kipsec_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kipsec: IPsec (ESP, AH) with its own SPD, SAD and generic netlink family");
MODULE_ALIAS_GENL_FAMILY(KIPSEC_GENL_NAME);
