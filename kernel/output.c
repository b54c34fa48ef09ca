// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: outbound processing (RFC 4301 §5.1).
 *
 * Every packet leaving the namespace, locally generated or forwarded,
 * passes the POST_ROUTING hook.  The first matching outbound policy says
 * bypass, discard or protect; a protected packet is taken (NF_STOLEN),
 * split if it is a GSO packet, encapsulated in tunnel or transport mode,
 * transformed, and sent again with ip_local_out(), so that it crosses
 * LOCAL_OUT and POST_ROUTING as the packet the wire will see.  That
 * second pass is recognised by the socket it is sent with (see
 * kipsec_output_done()), and is never processed twice.
 *
 * What an asynchronous completion uses is held meanwhile: the SA (a
 * reference), the namespace (kn->inflight), the route (a reference of
 * its own, never one borrowed under RCU), and through the route its
 * device: a route whose device goes away is moved to the blackhole device
 * (dst_dev_put()), so skb->dev is taken from the route again when the
 * packet moves on.
 *
 * Path MTU (RFC 4301 §8): in tunnel mode a packet that would not fit once
 * encapsulated is answered with ICMP "fragmentation needed" / "packet too
 * big" carrying the size that fits, and the inner route learns it, as a
 * router in front of a smaller link would do; an IPv4 packet without DF is
 * encapsulated anyway and the outer packet fragmented.  Transport mode
 * fragments the protected packet (encap_transport()).
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/dsfield.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ipv6.h>
#include <net/route.h>

#include "kipsec.h"

static unsigned int ip_hdr_len(u8 family)
{
	return family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

static u8 skb_family(const struct sk_buff *skb)
{
	return (skb_network_header(skb)[0] >> 4) == 4 ? AF_INET : AF_INET6;
}

/* The route to the tunnel peer, cached per SA; a reference for the caller. */
static struct dst_entry *tunnel_route(struct kipsec_net *kn, struct kipsec_sa *sa)
{
	if (sa->id.family == AF_INET) {
		struct flowi4 fl4 = {
			.daddr = sa->id.daddr.a4,
			.saddr = sa->ep.saddr.a4,
			.flowi4_proto = sa->id.proto,
		};
		struct rtable *rt;
		__be32 saddr;

		rt = dst_cache_get_ip4(&sa->dst_cache, &saddr);
		if (rt)
			return &rt->dst;
		rt = ip_route_output_key(kn->net, &fl4);
		if (IS_ERR(rt))
			return ERR_CAST(rt);
		dst_cache_set_ip4(&sa->dst_cache, &rt->dst, fl4.saddr);
		return &rt->dst;
	} else {
		struct flowi6 fl6 = {
			.daddr = sa->id.daddr.a6,
			.saddr = sa->ep.saddr.a6,
			.flowi6_proto = sa->id.proto,
		};
		struct dst_entry *dst;
		struct in6_addr saddr;
		int err;

		dst = dst_cache_get_ip6(&sa->dst_cache, &saddr);
		if (dst)
			return dst;
		dst = ip6_route_output(kn->net, NULL, &fl6);
		if (dst->error) {
			err = dst->error;
			dst_release(dst);
			return ERR_PTR(err);
		}
		dst_cache_set_ip6(&sa->dst_cache, dst, &fl6.saddr);
		return dst;
	}
}

/*
 * Transport mode: where the ESP header goes.  IPv4: after the header and
 * its options.  IPv6: after hop-by-hop, routing and the destination
 * options before a routing header (RFC 4303 §3.1.1); *prev is the offset
 * of the next-header byte that will name ESP.
 */
static int transport_offset(struct sk_buff *skb, u8 family, unsigned int *prev)
{
	if (family == AF_INET) {
		const struct iphdr *iph = ip_hdr(skb);

		/* Transport mode protects whole datagrams only (RFC 4303 §3.1.1). */
		if (ip_is_fragment(iph))
			return -EINVAL;
		*prev = offsetof(struct iphdr, protocol);
		return iph->ihl * 4;
	} else {
		u8 *nexthdr;
		int off = ip6_find_1stfragopt(skb, &nexthdr);

		if (off < 0)
			return off;
		if (*nexthdr == NEXTHDR_FRAGMENT)
			return -EINVAL;
		*prev = nexthdr - skb_network_header(skb);
		return off;
	}
}

/*
 * Too big once encapsulated: tell the sender the size that fits (RFC 4301
 * §8.2.1) and teach the inner route, which local senders consult.  Returns
 * true when the packet must be dropped; an IPv4 packet without DF may go
 * and be fragmented as an outer packet.
 */
static bool pmtu_exceeded(struct sk_buff *skb, u8 family, unsigned int mtu)
{
	if (family == AF_INET) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) || skb->ignore_df)
			return false;
		skb_dst_update_pmtu_no_confirm(skb, mtu);
		icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
		return true;
	}
	/* IPv6 links carry at least 1280 bytes: below that, fragment the outer. */
	if (mtu < IPV6_MIN_MTU)
		return false;
	skb_dst_update_pmtu_no_confirm(skb, mtu);
	icmpv6_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
	return true;
}

static void drop(struct kipsec_net *kn, struct sk_buff *skb)
{
	kipsec_count(kn, KIPSEC_CNT_OUT_ERRORS);
	kfree_skb(skb);
}

static void build_outer4(struct kipsec_sa *sa, struct sk_buff *skb, struct dst_entry *dst,
			 u8 inner_dsfield, __be16 df)
{
	struct iphdr *iph = ip_hdr(skb);

	iph->version = 4;
	iph->ihl = sizeof(*iph) / 4;
	/* DSCP copied, ECN as RFC 6040 §4.1 (RFC 4301 §5.1.2.1). */
	iph->tos = INET_ECN_encapsulate(inner_dsfield, inner_dsfield);
	iph->frag_off = df;
	iph->ttl = ip4_dst_hoplimit(dst);
	iph->protocol = kipsec_encap_proto(sa);
	iph->saddr = sa->ep.saddr.a4;
	iph->daddr = sa->id.daddr.a4;
	iph->tot_len = htons(skb->len);
	iph->check = 0;
	ip_select_ident(dev_net(dst->dev), skb, NULL);
}

static void build_outer6(struct kipsec_sa *sa, struct sk_buff *skb, struct dst_entry *dst,
			 u8 inner_dsfield)
{
	struct ipv6hdr *ip6h = ipv6_hdr(skb);

	ip6_flow_hdr(ip6h, INET_ECN_encapsulate(inner_dsfield, inner_dsfield), 0);
	ip6h->nexthdr = kipsec_encap_proto(sa);
	ip6h->hop_limit = ip6_dst_hoplimit(dst);
	ip6h->saddr = sa->ep.saddr.a6;
	ip6h->daddr = sa->id.daddr.a6;
}

/* Makes room for the outer IP header and ESP header in front of the inner packet. */
static int encap_tunnel(struct kipsec_sa *sa, struct sk_buff *skb, struct dst_entry *dst,
			unsigned int hlen)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	u8 ifam = skb_family(skb), ofam = sa->id.family;
	unsigned int ohl = ip_hdr_len(ofam);
	__be16 df = 0;
	u8 dsfield;

	if (skb_cow_head(skb, ohl + hlen + LL_RESERVED_SPACE(dst->dev)))
		return -ENOMEM;
	if (ifam == AF_INET) {
		dsfield = ip_hdr(skb)->tos;
		/* DF copied from the inner header (RFC 4301 §8.1). */
		df = ip_hdr(skb)->frag_off & htons(IP_DF);
	} else {
		dsfield = ipv6_get_dsfield(ipv6_hdr(skb));
		/*
		 * An inner IPv6 packet too big for the tunnel got here only
		 * when the tunnel carries less than the IPv6 minimum of 1280
		 * (pmtu_exceeded()): the outer packet is fragmented then.
		 */
		df = 0;
	}
	skb_push(skb, ohl + hlen);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, ohl);
	cb->hoff = ohl;
	cb->family = ofam;
	cb->nexthdr = ifam == AF_INET ? IPPROTO_IPIP : IPPROTO_IPV6;
	skb_dst_drop(skb);
	skb_dst_set(skb, dst);
	if (ofam == AF_INET) {
		build_outer4(sa, skb, dst, dsfield, df);
		skb->protocol = htons(ETH_P_IP);
	} else {
		build_outer6(sa, skb, dst, dsfield);
		skb->protocol = htons(ETH_P_IPV6);
		/* What the inner header allows, the outer IPv6 may do. */
		skb->ignore_df = !df;
	}
	return 0;
}

/* Moves the IP header forward to open a gap for the ESP header after it. */
static int encap_transport(struct sk_buff *skb, unsigned int hlen)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	u8 family = skb_family(skb);
	unsigned int prev;
	int off;
	u8 *nh;

	off = transport_offset(skb, family, &prev);
	if (off < 0)
		return off;
	if (skb_cow_head(skb, hlen + LL_RESERVED_SPACE(skb_dst(skb)->dev)))
		return -ENOMEM;
	nh = skb_network_header(skb);
	skb_push(skb, hlen);
	memmove(skb->data, nh, off);
	skb_reset_network_header(skb);
	skb_set_transport_header(skb, off);
	nh = skb_network_header(skb);
	cb->hoff = off;
	cb->family = family;
	cb->nexthdr = nh[prev];
	nh[prev] = kipsec_encap_proto(cb->sa);
	/*
	 * Transport mode shares its route with the traffic it protects, so
	 * no path MTU can be taught for the inner flow alone: a packet that
	 * outgrows the link is fragmented here, at its source.
	 */
	if (family == AF_INET)
		ip_hdr(skb)->frag_off &= ~htons(IP_DF);
	skb->ignore_df = 1;
	return 0;
}

/* Encapsulates and transforms one packet; consumes skb, dst and a reference on sa. */
static void xmit_one(struct kipsec_net *kn, struct kipsec_sa *sa, struct sk_buff *skb,
		     struct dst_entry *dst)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	bool tunnel = sa->mode == KIPSEC_MODE_TUNNEL;
	/* ESP in UDP: the UDP header goes in front of ESP's (encap.c). */
	unsigned int ulen = kipsec_encap_hlen(sa);
	unsigned int hlen = sa->ops->hlen(sa, tunnel ? sa->id.family : skb_family(skb)) + ulen;
	int err;

	if (skb->ip_summed == CHECKSUM_PARTIAL && skb_checksum_help(skb))
		goto fail;
	/* A hard byte or packet limit ends the SA, not the traffic's secrecy. */
	if (!kipsec_sa_account(sa, skb->len))
		goto fail;
	memset(cb, 0, sizeof(*cb));
	cb->sa = sa;
	/* The counter never cycles: the SA ends first (RFC 4303 §3.3.3). */
	if (!kipsec_sa_next_seq(sa, &cb->seq))
		goto fail;
	err = tunnel ? encap_tunnel(sa, skb, dst, hlen) : encap_transport(skb, hlen);
	if (err)
		goto fail;
	cb->hoff += ulen;
	dst = NULL;	/* now the skb's */
	/* Transport mode keeps the packet's route: maybe borrowed (noref). */
	if (!kipsec_inflight_get(kn, &cb->slot))
		err = -ENOBUFS;
	else if (!skb_dst_force(skb))
		err = -ENETUNREACH;
	else
		err = sa->ops->output(skb);
	if (err != -EINPROGRESS)
		kipsec_output_done(skb, err);
	return;
fail:
	dst_release(dst);
	drop(kn, skb);
	kipsec_sa_put(sa);
}

/*
 * Sends a transformed packet.  Its second pass through the hooks is told
 * apart by the socket handed to ip_local_out() (nf_hook_state.sk), a
 * kernel socket of the namespace only kipsec has: not by a per-CPU flag
 * around the send (on PREEMPT_RT bottom halves do not keep a preempting
 * sender off this CPU, whose clear text would then skip the SPD), not by
 * a bit in skb->cb (the IP layer owns it).  skb->sk stays the packet's
 * owner, as with UDP tunnels, for socket memory accounting; like theirs,
 * the outer packet no longer runs the owner's cgroup egress programs.
 */
static void xmit_done(struct kipsec_net *kn, struct sk_buff *skb, u8 family)
{
	struct sock *sk = family == AF_INET ? kn->xmit_sk4 : kn->xmit_sk6;

	if (!sk) {
		drop(kn, skb);
		return;
	}
	nf_reset_ct(skb);
	skb->ip_summed = CHECKSUM_NONE;
	skb->encapsulation = 0;
	skb_clear_hash(skb);
	/* The device of the hook may be gone by now; the route's is not. */
	skb->dev = skb_dst(skb)->dev;
	local_bh_disable();
	if (family == AF_INET) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		ip_local_out(kn->net, sk, skb);
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		ip6_local_out(kn->net, sk, skb);
	}
	local_bh_enable();
}

void kipsec_output_done(struct sk_buff *skb, int err)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct kipsec_net *kn = sa->kn;
	u16 slot = cb->slot;

	if (err == -ENOBUFS) {
		kipsec_count(kn, KIPSEC_CNT_OUT_CRYPTO_BUSY);
		kfree_skb(skb);
	} else if (err) {
		drop(kn, skb);
	} else {
		kipsec_encap_output(skb);
		xmit_done(kn, skb, cb->family);
	}
	kipsec_sa_put(sa);
	kipsec_inflight_put(kn, slot);
}

/*
 * Protects skb with sa: checks the path MTU, splits a GSO packet into the
 * segments it stands for, and hands each to xmit_one().  Consumes skb and
 * the caller's reference on sa.  Bottom halves are off.
 */
void kipsec_xmit(struct kipsec_net *kn, struct kipsec_sa *sa, struct sk_buff *skb)
{
	struct dst_entry *dst = NULL;
	struct sk_buff *segs, *next;

	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		unsigned int fits;

		dst = tunnel_route(kn, sa);
		if (IS_ERR(dst)) {
			drop(kn, skb);
			kipsec_sa_put(sa);
			return;
		}
		/* The largest inner packet that fits the path once protected. */
		fits = sa->ops->max_payload(sa, dst_mtu(dst) - ip_hdr_len(sa->id.family) -
					    kipsec_encap_hlen(sa), sa->id.family);
		if ((skb_is_gso(skb) ? !skb_gso_validate_network_len(skb, fits) : skb->len > fits) &&
		    pmtu_exceeded(skb, skb_family(skb), fits)) {
			kfree_skb(skb);
			dst_release(dst);
			kipsec_sa_put(sa);
			return;
		}
	}
	if (!skb_is_gso(skb)) {
		xmit_one(kn, sa, skb, dst);
		return;
	}
	/* As a NIC without offloads would: segments with their checksums. */
	segs = skb_gso_segment(skb, 0);
	if (IS_ERR_OR_NULL(segs)) {
		drop(kn, skb);
		dst_release(dst);
		kipsec_sa_put(sa);
		return;
	}
	consume_skb(skb);
	skb_list_walk_safe(segs, skb, next) {
		skb_mark_not_on_list(skb);
		refcount_inc(&sa->refcnt);
		xmit_one(kn, sa, skb, dst ? dst_clone(dst) : NULL);
	}
	dst_release(dst);
	kipsec_sa_put(sa);
}

/* Transport mode names no endpoints: the packet's own are (RFC 4301 §4.1). */
static int template_endpoints(struct kipsec_net *kn, const struct kipsec_tmpl *t,
			      const struct kipsec_flow *fl, struct kipsec_sa_ep *ep)
{
	memset(ep, 0, sizeof(*ep));
	ep->proto = t->proto;
	ep->mode = t->mode;
	if (t->mode == KIPSEC_MODE_TRANSPORT) {
		ep->family = fl->family;
		ep->saddr = fl->saddr;
		ep->daddr = fl->daddr;
		return 0;
	}
	ep->family = t->family;
	ep->saddr = t->saddr;
	ep->daddr = t->daddr;
	/* Addresses are zero-padded to 16 bytes: one test serves both families. */
	if (!ipv6_addr_any(&ep->saddr.a6))
		return 0;
	/* No local endpoint configured: the one routing picks for the peer. */
	if (t->family == AF_INET) {
		struct flowi4 fl4 = { .daddr = t->daddr.a4, .flowi4_proto = t->proto };
		struct rtable *rt = ip_route_output_key(kn->net, &fl4);

		if (IS_ERR(rt))
			return PTR_ERR(rt);
		ip_rt_put(rt);
		ep->saddr.a4 = fl4.saddr;
	} else {
		struct flowi6 fl6 = { .daddr = t->daddr.a6, .flowi6_proto = t->proto };
		struct dst_entry *dst = ip6_route_output(kn->net, NULL, &fl6);
		int err = dst->error;

		if (!err)
			err = ipv6_dev_get_saddr(kn->net, ip6_dst_idev(dst)->dev, &fl6.daddr, 0,
						 &fl6.saddr);
		dst_release(dst);
		if (err)
			return err;
		ep->saddr.a6 = fl6.saddr;
	}
	return 0;
}

/* Sent by kipsec_output_done(): already transformed. */
static bool transformed(const struct kipsec_net *kn, const struct nf_hook_state *state)
{
	return state->sk && (state->sk == kn->xmit_sk4 || state->sk == kn->xmit_sk6);
}

/* POST_ROUTING: every packet on its way out. */
unsigned int kipsec_output_hook(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
				const struct nf_hook_state *state)
{
	struct kipsec_policy *pol;
	struct kipsec_flow fl;
	struct kipsec_sa_ep ep;
	struct kipsec_sa *sa;
	unsigned int verdict;

	if (transformed(kn, state) || list_empty_careful(&kn->policies[KIPSEC_DIR_OUT]))
		return NF_ACCEPT;
	if (kipsec_flow_from_skb(skb, family, &fl))
		return NF_ACCEPT;

	rcu_read_lock();
	pol = kipsec_policy_lookup(kn, KIPSEC_DIR_OUT, &fl);
	if (!pol) {
		rcu_read_unlock();
		return NF_ACCEPT;
	}
	atomic64_inc(&pol->packets);
	atomic64_add(skb->len, &pol->bytes);
	switch (pol->action) {
	case KIPSEC_ACTION_BYPASS:
		rcu_read_unlock();
		return NF_ACCEPT;
	case KIPSEC_ACTION_DISCARD:
		rcu_read_unlock();
		kipsec_count(kn, KIPSEC_CNT_OUT_DISCARD);
		return NF_DROP;
	}
	if (template_endpoints(kn, &pol->tmpl, &fl, &ep)) {
		rcu_read_unlock();
		kipsec_count(kn, KIPSEC_CNT_OUT_ERRORS);
		return NF_DROP;
	}
	sa = kipsec_sa_lookup_ep(kn, &ep, pol->tmpl.reqid);
	/* "use": protect when an SA exists, else send clear (RFC 4301 §4.4.1). */
	if (!sa && pol->level == KIPSEC_LEVEL_USE) {
		rcu_read_unlock();
		return NF_ACCEPT;
	}
	/* Taken from here on, held or sent: conntrack would confirm too late. */
	if (kipsec_ct_confirm(skb, family) != NF_ACCEPT) {
		rcu_read_unlock();
		if (sa)
			kipsec_sa_put(sa);
		kipsec_count(kn, KIPSEC_CNT_OUT_ERRORS);
		return NF_DROP;
	}
	if (!sa) {
		kipsec_count(kn, KIPSEC_CNT_OUT_NO_SA);
		verdict = kipsec_acquire(kn, pol, &fl, &ep, skb);
		rcu_read_unlock();
		return verdict;
	}
	rcu_read_unlock();

	local_bh_disable();
	kipsec_xmit(kn, sa, skb);
	local_bh_enable();
	return NF_STOLEN;
}
