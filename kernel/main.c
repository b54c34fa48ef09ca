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
#include <linux/net.h>
#include <linux/workqueue.h>
#include <net/genetlink.h>
#include <net/sock.h>
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "kipsec.h"
#include "replay.h"

unsigned int kipsec_net_id __read_mostly;
struct workqueue_struct *kipsec_wq __read_mostly;

/*
 * Packets one CPU of a namespace may have inside the crypto API at once.
 * An asynchronous implementation (cryptd, pcrypt, an accelerator) queues
 * what it is given: ESP forged to a live SPI, with sequence numbers ahead
 * of the window, passes every check before the ICV, so without a bound a
 * flood would queue without limit (and pcrypt has none of its own).  Per
 * namespace and CPU, not per SA: the memory held is then bounded whatever
 * the number of SAs an attacker can aim at (their SPIs are on the wire),
 * and the count is a CPU-local atomic where a per-SA one would bounce
 * between CPUs, as a per-namespace one would.  A flood arrives on the CPUs
 * that take its interrupts, and fills their slots only: other CPUs go on.
 * 2048 is twice cryptd's queue per CPU, so that the output side, which may
 * still use cryptd's backlog (esp.c), reaches it; at about 3 KB a packet
 * it is some 6 MB per CPU and namespace at most.
 */
#define KIPSEC_CRYPTO_INFLIGHT_MAX	2048

/*
 * Every packet that may outlive the hook it came through counts here:
 * the namespace waits for it to go (kipsec_net_exit()).  The slot is the
 * CPU it was taken on, counted until the matching put even when it was
 * over the bound, so that get and put always pair.
 */
bool kipsec_inflight_get(struct kipsec_net *kn, u16 *slot)
{
	unsigned int cpu = raw_smp_processor_id();

	percpu_ref_get(&kn->inflight);
	*slot = cpu;
	return atomic_inc_return(per_cpu_ptr(kn->crypto_inflight, cpu)) <=
	       KIPSEC_CRYPTO_INFLIGHT_MAX;
}

void kipsec_inflight_put(struct kipsec_net *kn, u16 slot)
{
	atomic_dec(per_cpu_ptr(kn->crypto_inflight, slot));
	percpu_ref_put(&kn->inflight);
}

/* A kernel socket of this namespace, never bound: it receives nothing. */
static struct sock *xmit_sock(struct net *net, int family)
{
	struct socket *sock;

	if (sock_create_kern(net, family, SOCK_DGRAM, IPPROTO_UDP, &sock))
		return NULL;
	return sock->sk;
}

static void xmit_sock_release(struct sock *sk)
{
	if (sk)
		sock_release(sk->sk_socket);
}

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
	kn->crypto_inflight = alloc_percpu(atomic_t);
	if (!kn->crypto_inflight)
		goto err_counters;
	/* Without IPv6 (ipv6.disable=1) there is no IPv6 socket: nor output. */
	kn->xmit_sk4 = xmit_sock(net, AF_INET);
	kn->xmit_sk6 = xmit_sock(net, AF_INET6);
	if (!kn->xmit_sk4)
		goto err_socks;
	kipsec_encap_init(kn);
	err = kipsec_sad_init(kn);
	if (err)
		goto err_socks;
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
	kipsec_encap_exit(kn);
err_socks:
	xmit_sock_release(kn->xmit_sk6);
	xmit_sock_release(kn->xmit_sk4);
	free_percpu(kn->crypto_inflight);
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
	kipsec_encap_exit(kn);
	xmit_sock_release(kn->xmit_sk6);
	xmit_sock_release(kn->xmit_sk4);
	free_percpu(kn->crypto_inflight);
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
	err = kipsec_policy_selftest();
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
	err = kipsec_iface_init();
	if (err)
		goto err_pernet;
	err = kipsec_genl_init();
	if (err)
		goto err_iface;
	return 0;
err_iface:
	kipsec_iface_exit();
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
	/* The interfaces and their SAs, while the namespaces' state is there. */
	kipsec_iface_exit();
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
