// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: inbound processing (RFC 4301 §5.2).
 *
 * LOCAL_IN sees IPsec packets addressed to this host after reassembly.  An
 * ESP packet whose SPI names one of our SAs is taken: replay window first
 * (cheap, §3.4.3 of RFC 4303), then the ICV and decryption, then the window
 * is advanced, the trailer checked and stripped, the packet decapsulated,
 * and the inner packet checked against the inbound policy that the SA
 * serves.  An SPI we do not know may belong to Linux's own XFRM: such
 * packets are left alone; any other is dropped and counted.
 *
 * The decrypted packet re-enters the stack on the device it arrived on, as
 * Linux's XFRM does (neighbour discovery, link-local addresses and sockets
 * bound to the device keep working), synchronously, with a per-CPU mark up
 * while it is inside: that is how the hooks below tell it, and any clone
 * or fragment of it, from clear text.  Bottom halves are off meanwhile, so
 * nothing else reaches those hooks on this CPU in between.
 *
 * Clear-text packets (LOCAL_IN and FORWARD) that match an inbound policy
 * of level "require" are dropped: they should have arrived protected.
 */
#include <linux/ip.h>
#include <linux/if_arp.h>
#include <linux/if_ether.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <net/dsfield.h>
#include <linux/etherdevice.h>
#include <net/esp.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/xfrm.h>

#include "kipsec.h"
#include "replay.h"

/* Nested decryptions (ESP in ESP) beyond this are refused: bounded stack. */
#define RX_NEST_MAX	3

/* Non-zero while this CPU feeds a decrypted packet back to the stack. */
static DEFINE_PER_CPU(unsigned int, rx_nest);

static void count_sa(struct kipsec_net *kn, atomic64_t *sa_stat, enum kipsec_counter c)
{
	if (sa_stat)
		atomic64_inc(sa_stat);
	kipsec_count(kn, c);
}

/*
 * IPv6: walks the extension headers to the first that is not hop-by-hop,
 * routing or destination options.  *prev is the offset of the next-header
 * byte naming it.  Fragments are not walked through: at LOCAL_IN an IPv6
 * packet is not reassembled yet.
 */
static int ipv6_upper(const struct sk_buff *skb, u8 *proto, unsigned int *prev)
{
	unsigned int off = sizeof(struct ipv6hdr);
	u8 nexthdr = ipv6_hdr(skb)->nexthdr;

	*prev = offsetof(struct ipv6hdr, nexthdr);
	while (nexthdr == NEXTHDR_HOP || nexthdr == NEXTHDR_ROUTING || nexthdr == NEXTHDR_DEST) {
		struct ipv6_opt_hdr _hdr;
		const struct ipv6_opt_hdr *hdr;

		hdr = skb_header_pointer(skb, off, sizeof(_hdr), &_hdr);
		if (!hdr)
			return -EINVAL;
		*prev = off;
		nexthdr = hdr->nexthdr;
		off += ipv6_optlen(hdr);
	}
	*proto = nexthdr;
	return off;
}

/* Does an inbound policy allow what this SA decrypted (RFC 4301 §5.2 step 4)? */
static bool tmpl_serves(const struct kipsec_tmpl *t, const struct kipsec_sa *sa)
{
	if (t->proto != sa->id.proto || t->mode != sa->mode || (t->reqid && t->reqid != sa->reqid))
		return false;
	if (t->mode == KIPSEC_MODE_TRANSPORT)
		return true;
	/* Zero-padded addresses; an unset endpoint is a wildcard. */
	return t->family == sa->id.family &&
	       (ipv6_addr_any(&t->saddr.a6) || !memcmp(&t->saddr, &sa->ep.saddr, sizeof(t->saddr))) &&
	       (ipv6_addr_any(&t->daddr.a6) || !memcmp(&t->daddr, &sa->id.daddr, sizeof(t->daddr)));
}

static bool decrypted_allowed(struct kipsec_net *kn, const struct kipsec_sa *sa,
			      struct sk_buff *skb, u8 family)
{
	struct kipsec_policy *pol;
	struct kipsec_flow fl;
	bool ok;

	if (kipsec_flow_from_skb(skb, family, &fl))
		return false;
	rcu_read_lock();
	pol = kipsec_policy_lookup(kn, KIPSEC_DIR_IN, &fl) ?:
	      kipsec_policy_lookup(kn, KIPSEC_DIR_FWD, &fl);
	if (!pol)
		/* Tunnelled traffic must be traffic some policy asked for. */
		ok = sa->mode == KIPSEC_MODE_TRANSPORT;
	else if (pol->action == KIPSEC_ACTION_PROTECT)
		ok = tmpl_serves(&pol->tmpl, sa);
	else
		ok = pol->action == KIPSEC_ACTION_BYPASS;
	if (pol && ok) {
		atomic64_inc(&pol->packets);
		atomic64_add(skb->len, &pol->bytes);
	}
	rcu_read_unlock();
	return ok;
}

/* Tunnel mode: the inner packet follows the ESP header. */
static int decap_tunnel(struct sk_buff *skb, u8 *family)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int off = skb_network_offset(skb) + cb->hoff + cb->hlen;
	u8 inner_ds;

	switch (cb->nexthdr) {
	case IPPROTO_IPIP:
		*family = AF_INET;
		break;
	case IPPROTO_IPV6:
		*family = AF_INET6;
		break;
	default:
		/* 59 is a dummy packet (RFC 4303 §2.6), anything else wrong. */
		return cb->nexthdr == NEXTHDR_NONE ? -ENODATA : -EPROTO;
	}
	if (!pskb_may_pull(skb, off))
		return -EINVAL;
	__skb_pull(skb, off);
	skb_reset_network_header(skb);
	if (*family == AF_INET) {
		const struct iphdr *iph;

		if (!pskb_may_pull(skb, sizeof(*iph)))
			return -EINVAL;
		iph = ip_hdr(skb);
		if (iph->version != 4 || iph->ihl < 5 || ntohs(iph->tot_len) < iph->ihl * 4 ||
		    ntohs(iph->tot_len) > skb->len)
			return -EINVAL;
		if (pskb_trim(skb, ntohs(iph->tot_len)))
			return -ENOMEM;
		inner_ds = ip_hdr(skb)->tos;
		skb->protocol = htons(ETH_P_IP);
	} else {
		const struct ipv6hdr *ip6h;

		if (!pskb_may_pull(skb, sizeof(*ip6h)))
			return -EINVAL;
		ip6h = ipv6_hdr(skb);
		if (ip6h->version != 6 ||
		    ntohs(ip6h->payload_len) + sizeof(*ip6h) > skb->len)
			return -EINVAL;
		if (pskb_trim(skb, ntohs(ip6h->payload_len) + sizeof(*ip6h)))
			return -ENOMEM;
		inner_ds = ipv6_get_dsfield(ipv6_hdr(skb));
		skb->protocol = htons(ETH_P_IPV6);
	}
	/* RFC 6040 §4.2: CE on the outer header reaches the inner one. */
	if (INET_ECN_decapsulate(skb, cb->outer_tos, inner_ds) == 2)
		return -EINVAL;
	return 0;
}

/* Transport mode: the IP header closes over the ESP header. */
static int decap_transport(struct sk_buff *skb, unsigned int prev)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int hoff = cb->hoff;
	u8 *nh = skb_network_header(skb);

	memmove(nh + cb->hlen, nh, hoff);
	__skb_pull(skb, cb->hlen);
	skb_reset_network_header(skb);
	nh = skb_network_header(skb);
	nh[prev] = cb->nexthdr;
	if (cb->family == AF_INET) {
		struct iphdr *iph = ip_hdr(skb);

		iph->tot_len = htons(skb->len);
		ip_send_check(iph);
	} else {
		ipv6_hdr(skb)->payload_len = htons(skb->len - sizeof(struct ipv6hdr));
	}
	return 0;
}

/* Back into the stack as if just received, on the same device (see top). */
static void deliver(struct sk_buff *skb)
{
	/* Whatever the NIC said was about the outer packet. */
	skb->ip_summed = CHECKSUM_NONE;
	skb->pkt_type = PACKET_HOST;
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_reset_network_header(skb);
	/* Link-layer header in front again, for packet sockets (tcpdump). */
	skb_mac_header_rebuild(skb);
	if (skb->dev->type == ARPHRD_ETHER && skb->mac_len == ETH_HLEN)
		eth_hdr(skb)->h_proto = skb->protocol;

	local_bh_disable();
	if (__this_cpu_read(rx_nest) >= RX_NEST_MAX) {
		kfree_skb(skb);
	} else {
		__this_cpu_inc(rx_nest);
		netif_receive_skb_core(skb);
		__this_cpu_dec(rx_nest);
	}
	local_bh_enable();
}

void kipsec_input_done(struct sk_buff *skb, int err)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct kipsec_net *kn = sa->kn;
	u8 family = cb->family;
	int rc;

	if (err == -EBADMSG) {
		/* The ICV did not verify: forged or corrupted (RFC 4303 §3.4.4). */
		count_sa(kn, &sa->stats.auth_fails, KIPSEC_CNT_IN_AUTH_FAIL);
		goto drop;
	}
	if (err) {
		count_sa(kn, &sa->stats.decrypt_errs, KIPSEC_CNT_IN_MALFORMED);
		goto drop;
	}
	/* Only now, authenticated, may the packet move the window (§3.4.3). */
	spin_lock_bh(&sa->lock);
	rc = kipsec_replay_advance(sa->replay, cb->seq);
	spin_unlock_bh(&sa->lock);
	if (rc) {
		count_sa(kn, &sa->stats.replay_drops, KIPSEC_CNT_IN_REPLAY);
		goto drop;
	}
	if (sa->id.proto == IPPROTO_ESP && kipsec_esp_input_finish(skb)) {
		count_sa(kn, &sa->stats.decrypt_errs, KIPSEC_CNT_IN_MALFORMED);
		goto drop;
	}
	if (sa->mode == KIPSEC_MODE_TUNNEL) {
		rc = decap_tunnel(skb, &family);
		if (rc == -ENODATA) {
			/* Traffic flow confidentiality padding: fine, and done. */
			kipsec_sa_account(sa, 0);
			consume_skb(skb);
			goto out;
		}
	} else {
		rc = decap_transport(skb, cb->prev);
	}
	if (rc) {
		count_sa(kn, &sa->stats.decrypt_errs, KIPSEC_CNT_IN_MALFORMED);
		goto drop;
	}
	if (!decrypted_allowed(kn, sa, skb, family)) {
		count_sa(kn, &sa->stats.policy_drops, KIPSEC_CNT_IN_POLICY_DROP);
		goto drop;
	}
	if (!kipsec_sa_account(sa, skb->len))
		goto drop;
	deliver(skb);
	goto out;
drop:
	kfree_skb(skb);
out:
	kipsec_sa_put(sa);
	percpu_ref_put(&kn->inflight);
}

/* Would Linux's own XFRM take this SPI?  Then it is not ours to drop. */
static bool xfrm_owns(struct net *net, const struct sk_buff *skb, const struct kipsec_sa_id *id)
{
	struct xfrm_state *x;

	x = xfrm_state_lookup(net, skb->mark, (const xfrm_address_t *)&id->daddr,
			      htonl(id->spi), id->proto, id->family);
	if (!x)
		return false;
	xfrm_state_put(x);
	return true;
}

/* ESP or AH addressed to us: ours if we know its SPI. */
static unsigned int ipsec_input(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
				u8 proto, unsigned int hoff, unsigned int prev)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	/* SPI and sequence number: at 0 and 4 in ESP, 4 and 8 in AH. */
	unsigned int at = proto == IPPROTO_AH ? 4 : 0;
	struct kipsec_sa_id id = {};
	struct kipsec_sa *sa;
	__be32 *hdr;
	u64 seq;
	int err;

	if (!pskb_may_pull(skb, skb_network_offset(skb) + hoff + at + 8)) {
		kipsec_count(kn, KIPSEC_CNT_IN_MALFORMED);
		return NF_DROP;
	}
	hdr = (__be32 *)(skb_network_header(skb) + hoff + at);
	id.spi = ntohl(hdr[0]);
	id.proto = proto;
	id.family = family;
	if (family == AF_INET)
		id.daddr.a4 = ip_hdr(skb)->daddr;
	else
		id.daddr.a6 = ipv6_hdr(skb)->daddr;

	sa = kipsec_sa_lookup(kn, &id);
	if (!sa) {
		if (xfrm_owns(kn->net, skb, &id))
			return NF_ACCEPT;
		kipsec_count(kn, KIPSEC_CNT_IN_NO_SA);
		return NF_DROP;
	}
	if (!kipsec_sa_usable(sa)) {
		kipsec_sa_put(sa);
		kipsec_count(kn, KIPSEC_CNT_IN_NO_SA);
		return NF_DROP;
	}
	seq = ntohl(hdr[1]);
	if (sa->flags & KIPSEC_SA_F_ESN)
		seq = kipsec_replay_infer_esn(sa->replay, seq);
	if (kipsec_replay_check(sa->replay, seq)) {
		count_sa(kn, &sa->stats.replay_drops, KIPSEC_CNT_IN_REPLAY);
		kipsec_sa_put(sa);
		return NF_DROP;
	}

	memset(cb, 0, sizeof(*cb));
	cb->sa = sa;
	cb->seq = seq;
	cb->hoff = hoff;
	cb->family = family;
	/* Transport decapsulation rewrites this next-header byte. */
	cb->prev = prev;
	cb->outer_tos = family == AF_INET ? ip_hdr(skb)->tos : ipv6_get_dsfield(ipv6_hdr(skb));
	percpu_ref_get(&kn->inflight);
	err = proto == IPPROTO_AH ? kipsec_ah_input(skb) : kipsec_esp_input(skb);
	if (err != -EINPROGRESS)
		kipsec_input_done(skb, err);
	return NF_STOLEN;
}

/* A clear-text packet: may it come in without protection? */
static unsigned int clear_text(struct kipsec_net *kn, struct sk_buff *skb, u8 family, u8 dir)
{
	struct kipsec_policy *pol = NULL;
	struct kipsec_flow fl;
	unsigned int verdict = NF_ACCEPT;

	if (list_empty_careful(&kn->policies[KIPSEC_DIR_IN]) &&
	    (dir == KIPSEC_DIR_IN || list_empty_careful(&kn->policies[KIPSEC_DIR_FWD])))
		return NF_ACCEPT;
	if (kipsec_flow_from_skb(skb, family, &fl))
		return NF_ACCEPT;
	rcu_read_lock();
	/* Forwarded traffic: a forward policy first, else the inbound one. */
	if (dir == KIPSEC_DIR_FWD)
		pol = kipsec_policy_lookup(kn, KIPSEC_DIR_FWD, &fl);
	if (!pol)
		pol = kipsec_policy_lookup(kn, KIPSEC_DIR_IN, &fl);
	if (pol) {
		atomic64_inc(&pol->packets);
		atomic64_add(skb->len, &pol->bytes);
		if (pol->action == KIPSEC_ACTION_DISCARD ||
		    (pol->action == KIPSEC_ACTION_PROTECT && pol->level == KIPSEC_LEVEL_REQUIRE))
			verdict = NF_DROP;
	}
	rcu_read_unlock();
	if (verdict == NF_DROP)
		kipsec_count(kn, KIPSEC_CNT_IN_POLICY_DROP);
	return verdict;
}

/* LOCAL_IN (dir IN) and FORWARD (dir FWD). */
unsigned int kipsec_input_hook(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
			       const struct nf_hook_state *state, u8 dir)
{
	unsigned int hoff, prev;
	u8 proto;

	/* Decrypted by us and checked against its SA's policy already. */
	if (this_cpu_read(rx_nest))
		return NF_ACCEPT;
	if (dir == KIPSEC_DIR_IN) {
		if (family == AF_INET) {
			proto = ip_hdr(skb)->protocol;
			hoff = ip_hdrlen(skb);
			prev = offsetof(struct iphdr, protocol);
		} else {
			int off = ipv6_upper(skb, &proto, &prev);

			if (off < 0)
				return NF_ACCEPT;
			hoff = off;
		}
		if (proto == IPPROTO_ESP || proto == IPPROTO_AH)
			return ipsec_input(kn, skb, family, proto, hoff, prev);
	}
	return clear_text(kn, skb, family, dir);
}
