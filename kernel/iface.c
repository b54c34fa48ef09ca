// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: route-based tunnels, "ip link add ipsec0 type kipsec".
 *
 * A point-to-point device with no link layer (ARPHRD_NONE, as an XFRM or
 * WireGuard interface): whatever is routed into it, IPv4 or IPv6, leaves
 * protected by the interface's outbound SA in tunnel mode, whatever its
 * addresses, with no SPD lookup; whatever an SA bound to it decrypts
 * arrives on it (input.c), so that routing, "iifname" rules and sockets
 * bound to it see the tunnel's traffic apart.
 *
 * An SA names its interface by index (KIPSEC_SA_A_IFINDEX).  Every SA
 * bound to an interface delivers to it; the one of them whose destination
 * is not a local address when it is added is the interface's outbound SA,
 * the newest such one (a rekeyed pair replaces its predecessor).  The
 * interface holds a reference on it, read under RCU by the transmit path:
 * O(1) whatever the number of SAs and policies.
 *
 * Lifetimes: binding happens under RTNL and kn->lock, so that an SA never
 * binds to an interface being deleted.  An interface deleted with SAs
 * bound takes them with it (SA_DEL events tell ipsecd), as a route goes
 * with its device: none is left naming an index that no longer exists.
 * A namespace going away deletes its interfaces before kipsec's own state
 * (default_device_exit_batch() runs before the subsystems' exits), and
 * unloading the module deletes every one (rtnl_link_unregister()).
 * Interfaces cannot move to another namespace: their SAs are this one's.
 */
#include <linux/etherdevice.h>
#include <linux/if_arp.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/rtnetlink.h>

#include "kipsec.h"

/*
 * Before an SA is bound: 1500 less the largest overhead of an ESP tunnel
 * over IPv6 with a 16-byte IV, 16 bytes of padding and a 16-byte ICV.
 */
#define KIPSEC_IFACE_MTU_DEFAULT	1400
/* The path an SA's MTU is computed for: an Ethernet link (a smaller one answers ICMP). */
#define KIPSEC_IFACE_PATH_MTU		ETH_DATA_LEN

struct kipsec_iface {
	struct kipsec_net *kn;
	struct kipsec_sa __rcu *out_sa;	/* a reference; changed under kn->lock */
	unsigned int auto_mtu;		/* the MTU we set: the user has not set one */
};

static const struct net_device_ops kipsec_iface_netdev_ops;

static struct kipsec_iface *iface_of(struct net_device *dev)
{
	return netdev_priv(dev);
}

static bool kipsec_iface_is(const struct net_device *dev)
{
	return dev->netdev_ops == &kipsec_iface_netdev_ops;
}

static void tx_error(struct net_device *dev, struct sk_buff *skb)
{
	DEV_STATS_INC(dev, tx_errors);
	kfree_skb(skb);
}

/* What is routed into the interface goes out through its SA (output.c). */
static netdev_tx_t kipsec_iface_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct kipsec_iface *ifc = iface_of(dev);
	struct kipsec_sa *sa;
	unsigned int len = skb->len;

	switch (skb->protocol) {
	case htons(ETH_P_IP):
		if (!pskb_network_may_pull(skb, sizeof(struct iphdr)) || ip_hdr(skb)->version != 4)
			goto err;
		break;
	case htons(ETH_P_IPV6):
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6)
			goto err;
		break;
	default:
		goto err;
	}
	rcu_read_lock();
	sa = rcu_dereference(ifc->out_sa);
	if (sa && (!kipsec_sa_usable(sa) || !refcount_inc_not_zero(&sa->refcnt)))
		sa = NULL;
	rcu_read_unlock();
	if (!sa) {
		/* No SA (yet): as a route to nowhere, and counted as a carrier error. */
		DEV_STATS_INC(dev, tx_carrier_errors);
		goto err;
	}
	/*
	 * The route into the interface stays for now: too big for the path,
	 * the sender is told by ICMP through it (output.c's pmtu_exceeded()).
	 */
	memset(skb->cb, 0, sizeof(skb->cb));
	dev_sw_netstats_tx_add(dev, 1, len);
	/* Bottom halves are off here, as kipsec_xmit() wants. */
	kipsec_xmit(ifc->kn, sa, skb);
	return NETDEV_TX_OK;
err:
	tx_error(dev, skb);
	return NETDEV_TX_OK;
}

static int kipsec_iface_dev_init(struct net_device *dev)
{
	struct kipsec_iface *ifc = iface_of(dev);

	ifc->kn = kipsec_pernet(dev_net(dev));
	ifc->auto_mtu = dev->mtu;
	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	return dev->tstats ? 0 : -ENOMEM;
}

/*
 * RTNL held, the device unlisted: its SAs go (see the top).  The outbound
 * SA's reference is dropped here; packets already past the pointer hold
 * their own.
 */
static void kipsec_iface_dev_uninit(struct net_device *dev)
{
	struct kipsec_iface *ifc = iface_of(dev);
	struct kipsec_net *kn = ifc->kn;
	struct kipsec_sa *sa;

	mutex_lock(&kn->lock);
	sa = rcu_dereference_protected(ifc->out_sa, lockdep_is_held(&kn->lock));
	RCU_INIT_POINTER(ifc->out_sa, NULL);
	mutex_unlock(&kn->lock);
	if (sa)
		kipsec_sa_put(sa);
	/*
	 * Not when register_netdevice() failed: the index may be unset, or
	 * the one of another device it collided with.
	 */
	if (dev->reg_state == NETREG_UNREGISTERING)
		kipsec_sa_flush_iface(kn, dev->ifindex);
}

static int kipsec_iface_change_mtu(struct net_device *dev, int mtu)
{
	dev->mtu = mtu;
	/* Set by hand: an SA bound later keeps it. */
	iface_of(dev)->auto_mtu = 0;
	return 0;
}

static const struct net_device_ops kipsec_iface_netdev_ops = {
	.ndo_init = kipsec_iface_dev_init,
	.ndo_uninit = kipsec_iface_dev_uninit,
	.ndo_start_xmit = kipsec_iface_xmit,
	.ndo_change_mtu = kipsec_iface_change_mtu,
	.ndo_get_stats64 = dev_get_tstats64,
};

static void kipsec_iface_dev_free(struct net_device *dev)
{
	free_percpu(dev->tstats);
}

/*
 * Checksums are filled in by kipsec_xmit().  No GSO: the stack splits a
 * GSO packet before it reaches us, so that the interface counts the
 * packets and bytes its SA protects, one for one.
 */
#define KIPSEC_IFACE_FEATURES	(NETIF_F_SG | NETIF_F_HW_CSUM | NETIF_F_HIGHDMA)
/* The outer IPv6 header, ESP's header and IV; its trailer and ICV. */
#define KIPSEC_IFACE_HEADROOM	(LL_MAX_HEADER + sizeof(struct ipv6hdr) + 8 + 16)
#define KIPSEC_IFACE_TAILROOM	(16 + 2 + 32)

static void kipsec_iface_setup(struct net_device *dev)
{
	dev->netdev_ops = &kipsec_iface_netdev_ops;
	dev->needs_free_netdev = true;
	dev->priv_destructor = kipsec_iface_dev_free;
	dev->type = ARPHRD_NONE;
	dev->flags = IFF_POINTOPOINT | IFF_NOARP;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->hard_header_len = 0;
	dev->addr_len = 0;
	dev->needed_headroom = KIPSEC_IFACE_HEADROOM;
	dev->needed_tailroom = KIPSEC_IFACE_TAILROOM;
	dev->mtu = KIPSEC_IFACE_MTU_DEFAULT;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = IP_MAX_MTU - sizeof(struct ipv6hdr) - 128;
	/* Its SAs are this namespace's. */
	dev->features |= NETIF_F_NETNS_LOCAL | NETIF_F_LLTX | KIPSEC_IFACE_FEATURES;
	dev->hw_features |= KIPSEC_IFACE_FEATURES;
}

static int kipsec_iface_validate(struct nlattr *tb[], struct nlattr *data[],
				 struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG(extack, "a kipsec interface has no link-layer address");
		return -EINVAL;
	}
	return 0;
}

static struct rtnl_link_ops kipsec_iface_link_ops __read_mostly = {
	.kind = "kipsec",
	.priv_size = sizeof(struct kipsec_iface),
	.setup = kipsec_iface_setup,
	.validate = kipsec_iface_validate,
};

/* Is the SA's destination one of ours: then it is an inbound SA. */
static bool dst_is_local(struct net *net, const struct kipsec_sa *sa)
{
	if (sa->id.family == AF_INET)
		return inet_addr_type(net, sa->id.daddr.a4) == RTN_LOCAL;
	return ipv6_chk_addr(net, &sa->id.daddr.a6, NULL, 0);
}

int kipsec_iface_check(struct kipsec_net *kn, const struct kipsec_sa *sa,
		       struct netlink_ext_ack *extack)
{
	struct net_device *dev;

	ASSERT_RTNL();
	dev = __dev_get_by_index(kn->net, sa->ifindex);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no interface with this index in this network namespace");
		return -ENODEV;
	}
	if (!kipsec_iface_is(dev)) {
		NL_SET_ERR_MSG(extack, "not a kipsec interface (ip link add NAME type kipsec)");
		return -EINVAL;
	}
	if (sa->mode != KIPSEC_MODE_TUNNEL) {
		NL_SET_ERR_MSG(extack, "an SA bound to an interface is in tunnel mode");
		return -EINVAL;
	}
	return 0;
}

/* The inner packet that fits a KIPSEC_IFACE_PATH_MTU path once protected by sa. */
static unsigned int sa_mtu(const struct kipsec_sa *sa)
{
	unsigned int ohl = sa->id.family == AF_INET ? sizeof(struct iphdr) :
						     sizeof(struct ipv6hdr);

	return sa->ops->max_payload(sa, KIPSEC_IFACE_PATH_MTU - ohl, sa->id.family);
}

/* RTNL and kn->lock held, after kipsec_iface_check(): sa is in the SAD. */
void kipsec_iface_bind(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	struct net_device *dev = __dev_get_by_index(kn->net, sa->ifindex);
	struct kipsec_iface *ifc = iface_of(dev);
	struct kipsec_sa *old;
	unsigned int mtu;

	if (dst_is_local(kn->net, sa))
		return;
	refcount_inc(&sa->refcnt);
	old = rcu_replace_pointer(ifc->out_sa, sa, lockdep_is_held(&kn->lock));
	if (old)
		kipsec_sa_put(old);
	/* MTU from the SA's overhead, unless the administrator chose one. */
	mtu = sa_mtu(sa);
	if (ifc->auto_mtu && ifc->auto_mtu == dev->mtu && mtu >= dev->min_mtu &&
	    mtu != dev->mtu && !dev_set_mtu(dev, mtu))
		ifc->auto_mtu = mtu;
}

void kipsec_iface_unbind(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	struct net_device *dev;
	struct kipsec_iface *ifc;

	lockdep_assert_held(&kn->lock);
	rcu_read_lock();
	/*
	 * A device being deleted is unlisted before its uninit, which waits
	 * for kn->lock and then clears the pointer itself.
	 */
	dev = dev_get_by_index_rcu(kn->net, sa->ifindex);
	if (dev && kipsec_iface_is(dev)) {
		ifc = iface_of(dev);
		if (rcu_access_pointer(ifc->out_sa) == sa) {
			RCU_INIT_POINTER(ifc->out_sa, NULL);
			kipsec_sa_put(sa);
		}
	}
	rcu_read_unlock();
}

struct net_device *kipsec_iface_rx_dev(struct kipsec_net *kn, const struct kipsec_sa *sa)
{
	struct net_device *dev = dev_get_by_index_rcu(kn->net, sa->ifindex);

	if (!dev || !kipsec_iface_is(dev) || !netif_running(dev))
		return NULL;
	return dev;
}

/* A packet the interface's SA decrypted arrives on it. */
void kipsec_iface_rx(struct net_device *dev, struct sk_buff *skb)
{
	dev_sw_netstats_rx_add(dev, skb->len);
	skb->dev = dev;
	skb_reset_mac_header(skb);
	skb->mac_len = 0;
}

int __init kipsec_iface_init(void)
{
	return rtnl_link_register(&kipsec_iface_link_ops);
}

/* Deletes every kipsec interface of every namespace, with their SAs. */
void kipsec_iface_exit(void)
{
	rtnl_link_unregister(&kipsec_iface_link_ops);
}

MODULE_ALIAS_RTNL_LINK("kipsec");
