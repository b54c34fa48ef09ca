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
 * bound to the device keep working), the hooks told that it is the packet
 * decrypted (see rx_decrypted).  A decrypted fragment is first reassembled
 * with decrypted fragments only (see reassemble()).
 *
 * While the crypto API works on a packet (asynchronously, maybe), the
 * packet holds what its completion will use: the SA (a reference), the
 * namespace (kn->inflight), the device it arrived on (a reference, as
 * XFRM's input holds it).  Its route is dropped before: deliver() routes
 * the inner packet anew, and a route borrowed under RCU would not last.
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
#include <net/netfilter/ipv6/nf_defrag_ipv6.h>
#include <net/xfrm.h>

#include "kipsec.h"
#include "replay.h"

/*
 * Reassembly queue of decrypted fragments: the user of ip_defrag() and
 * nf_ct_frag6_gather(), part of a queue's key, far above the kernel's own
 * enum ip_defrag_users and ip6_defrag_users, so that no other fragment
 * ever joins one.
 */
#define KIPSEC_DEFRAG_USER	0x4b495053	/* "KIPS" */

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
	/* ESP in UDP: the UDP header goes with the ESP header (encap.c). */
	unsigned int ulen = kipsec_encap_hlen(cb->sa);
	unsigned int hoff = cb->hoff - ulen, gap = cb->hlen + ulen;
	u8 *nh;

	/*
	 * What is moved must be linear and ours to write: input pulled only
	 * up to the sequence number, and the IV (or AH's ICV) may lie in a
	 * page.  Today skb_cow_data() before the crypto pulls every page into
	 * the head, so this costs nothing; the memmove must not depend on it.
	 */
	if (skb_ensure_writable(skb, skb_network_offset(skb) + cb->hoff + cb->hlen))
		return -EINVAL;
	nh = skb_network_header(skb);
	memmove(nh + gap, nh, hoff);
	__skb_pull(skb, gap);
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

/*
 * The packet this CPU is delivering after decryption (deliver()): what
 * tells the hooks below that this very packet was decrypted and checked
 * against its SA's policy.  Not a per-CPU flag meaning "whatever reaches
 * the hooks now": on PREEMPT_RT, or from a netfilter queue reinjected in
 * process context, another packet can reach them on this CPU meanwhile,
 * and would skip the inbound check.  Not a bit in skb->cb: ip_rcv()
 * clears the part it owns, and what lies beyond is whatever the last layer
 * left (tc programs write it).  Not the security path extension, the
 * stack's own mark of decrypted packets: XFRM (xfrm_input_state()) takes
 * one to hold at least one of its SAs, and we have no xfrm_state to put
 * there.  The packet itself is the mark: the pointer, from the delivery
 * to the hooks, which the stack reaches synchronously with the same skb
 * (a packet socket clones its copy, ip_rcv() unshares only a shared skb).
 * A packet that leaves that path (a netfilter queue) comes back unmarked,
 * and counts as clear text: refused, not let through, if a policy wants
 * it protected.  Saved and restored, so a nested delivery leaves it right.
 */
static DEFINE_PER_CPU(const struct sk_buff *, rx_decrypted);

static bool decrypted(const struct sk_buff *skb)
{
	return this_cpu_read(rx_decrypted) == skb;
}

static bool still_fragment(struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return ip_is_fragment(ip_hdr(skb));
	return ipv6_find_hdr(skb, &(unsigned int){ 0 }, NEXTHDR_FRAGMENT, NULL, NULL) >= 0;
}

/*
 * A decrypted inner fragment waits for the others in a queue of its own
 * (KIPSEC_DEFRAG_USER): the stack's reassembly would also take clear-text
 * fragments, and the whole packet, marked or not after whichever fragment
 * it was built on, would pass a "require" policy it should not.  So a
 * packet counts as protected only if every fragment was; and the policy
 * check sees the whole packet, ports included (RFC 4301 §7).  Returns 0
 * with skb whole, -EINPROGRESS when skb was queued, else an error (skb
 * freed).  The reassembled packet is the one that completed the queue,
 * with the device it arrived on (ip_frag_reasm(), nf_ct_frag6_reasm()).
 */
static int reassemble(struct kipsec_net *kn, struct sk_buff *skb, u8 family)
{
	int err;

	if (family == AF_INET && !ip_is_fragment(ip_hdr(skb)))
		return 0;
	local_bh_disable();
	if (family == AF_INET) {
		memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
		err = ip_defrag(kn->net, skb, KIPSEC_DEFRAG_USER);
	} else {
		memset(IP6CB(skb), 0, sizeof(*IP6CB(skb)));
		err = nf_ct_frag6_gather(kn->net, skb, KIPSEC_DEFRAG_USER);
		if (err && err != -EINPROGRESS)
			kfree_skb(skb);
	}
	local_bh_enable();
	/* A fragment the queue would not take (RFC 8200 §4.5): not ours either. */
	if (!err && still_fragment(skb, family)) {
		kfree_skb(skb);
		err = -EINVAL;
	}
	return err;
}

/*
 * Back into the stack as if just received, on the same device (see top),
 * or on the kipsec interface iface its SA is bound to (iface.c).
 */
static void deliver(struct sk_buff *skb, struct net_device *iface)
{
	const struct sk_buff *prev;

	skb->pkt_type = PACKET_HOST;
	skb_dst_drop(skb);
	nf_reset_ct(skb);
	skb_reset_network_header(skb);
	if (iface) {
		/* No link layer: the packet starts at its IP header. */
		kipsec_iface_rx(iface, skb);
	} else {
		/* Link-layer header in front again, for packet sockets (tcpdump). */
		skb_mac_header_rebuild(skb);
		if (skb->dev->type == ARPHRD_ETHER && skb->mac_len == ETH_HLEN)
			eth_hdr(skb)->h_proto = skb->protocol;
	}

	/* Bottom halves off: on this CPU until the hooks have seen it. */
	local_bh_disable();
	prev = __this_cpu_read(rx_decrypted);
	__this_cpu_write(rx_decrypted, skb);
	netif_receive_skb_core(skb);
	__this_cpu_write(rx_decrypted, prev);
	local_bh_enable();
}

/*
 * An SA bound to a kipsec interface delivers what it decrypted there, with
 * no SPD check: a route-based tunnel carries whatever its peer routes into
 * it, as an XFRM interface with a 0.0.0.0/0 policy does; what may come in
 * is the routing and firewall's business ("iifname").  The interface is
 * gone or down: dropped.
 */
static void input_deliver_iface(struct kipsec_sa *sa, struct sk_buff *skb)
{
	struct net_device *iface;

	rcu_read_lock();
	iface = kipsec_iface_rx_dev(sa->kn, sa);
	if (iface) {
		skb->mark = (skb->mark & ~sa->mark_mask) | sa->mark;
		deliver(skb, iface);
	} else {
		kipsec_count(sa->kn, KIPSEC_CNT_IN_NO_SA);
		kfree_skb(skb);
	}
	rcu_read_unlock();
}

/* The inner packet, decapsulated: reassembled, checked, delivered. */
static void input_deliver(struct kipsec_sa *sa, struct sk_buff *skb, u8 family)
{
	struct kipsec_net *kn = sa->kn;
	int rc;

	/*
	 * Counted as it came out of the SA, before reassembly: an SA's packets
	 * are its ESP or AH packets, as XFRM counts them, whatever the
	 * fragments of a reassembled packet came through.
	 */
	if (!kipsec_sa_account(sa, skb->len))
		goto drop;
	rc = reassemble(kn, skb, family);
	if (rc == -EINPROGRESS)
		return;
	if (rc) {
		count_sa(kn, &sa->stats.decrypt_errs, KIPSEC_CNT_IN_MALFORMED);
		return;
	}
	if (sa->ifindex) {
		input_deliver_iface(sa, skb);
		return;
	}
	if (!decrypted_allowed(kn, sa, skb, family)) {
		count_sa(kn, &sa->stats.policy_drops, KIPSEC_CNT_IN_POLICY_DROP);
		goto drop;
	}
	/* The device went down while the crypto ran: nothing to deliver to. */
	if (!netif_running(skb->dev))
		goto drop;
	/* What the firewall can tell it by, as XFRM's secpath (design.md). */
	skb->mark = (skb->mark & ~sa->mark_mask) | sa->mark;
	deliver(skb, NULL);
	return;
drop:
	kfree_skb(skb);
}

/* How the crypto API's verdict on a packet is counted, when it is not 0. */
static void count_crypto_error(struct kipsec_sa *sa, int err)
{
	struct kipsec_net *kn = sa->kn;

	if (err == -EBADMSG)
		/* The ICV did not verify: forged or corrupted (RFC 4303 §3.4.4). */
		count_sa(kn, &sa->stats.auth_fails, KIPSEC_CNT_IN_AUTH_FAIL);
	else if (err == -ENOBUFS)
		/* Too many packets already waiting for the crypto API. */
		kipsec_count(kn, KIPSEC_CNT_IN_CRYPTO_BUSY);
	else
		count_sa(kn, &sa->stats.decrypt_errs, KIPSEC_CNT_IN_MALFORMED);
}

/*
 * What follows the protocol's crypto for every inbound packet, called by
 * ipsec_input() or from the crypto completion: the window moves (only now,
 * the packet authenticated), the protocol finishes (ESP's trailer), the
 * packet is decapsulated, checked and delivered.  Releases what
 * ipsec_input() took: the device, the SA, the crypto slot.
 */
void kipsec_input_done(struct sk_buff *skb, int err)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct kipsec_net *kn = sa->kn;
	/* The reference ipsec_input() took; cb will not last. */
	struct net_device *dev = skb->dev;
	netdevice_tracker dev_tracker = cb->dev_tracker;
	unsigned int slot = cb->slot;
	u8 family = cb->family;
	int rc;

	if (err) {
		count_crypto_error(sa, err);
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
	/* Authenticated: a NAT's new mapping may be believed now (RFC 3948). */
	kipsec_encap_mapping(sa, skb);
	if (sa->ops->input_finish(skb)) {
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
	/*
	 * Whatever the NIC said was about the outer packet; but transport
	 * mode behind a NAT has inner checksums the NAT broke (encap.c).
	 */
	skb->ip_summed = kipsec_encap_rx_csum(sa, cb->nexthdr);
	input_deliver(sa, skb, family);
	goto out;
drop:
	kfree_skb(skb);
out:
	netdev_put(dev, &dev_tracker);
	kipsec_sa_put(sa);
	kipsec_inflight_put(kn, slot);
}

/*
 * Transport mode: the outer source is the inner packet's, which the SA's
 * selectors name (RFC 4301 §5.2 step 4, §4.4.2): a packet under this SA
 * from anyone but its peer is refused before any crypto is spent on it.
 * (Tunnel mode checks the inner packet against the policy instead.)
 */
static bool from_peer(const struct kipsec_sa *sa, const struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return ip_hdr(skb)->saddr == sa->ep.saddr.a4;
	return ipv6_addr_equal(&ipv6_hdr(skb)->saddr, &sa->ep.saddr.a6);
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

/*
 * The SA an ESP or AH packet names (RFC 4301 §5.2 step 3a), with its
 * full sequence number, if the packet is worth the crypto: a live SA, from
 * its peer, not a replay.  NULL with the verdict otherwise; an SPI we do
 * not know but XFRM does is XFRM's.
 */
static struct kipsec_sa *input_sa(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
				  const struct kipsec_proto_ops *ops, unsigned int hoff, bool udp,
				  u64 *seq, unsigned int *verdict)
{
	struct kipsec_sa_id id = {};
	struct kipsec_sa *sa;
	__be32 *hdr;

	*verdict = NF_DROP;
	/* SPI and sequence number, where the protocol has them. */
	if (!pskb_may_pull(skb, skb_network_offset(skb) + hoff + ops->spi_off + 8)) {
		kipsec_count(kn, KIPSEC_CNT_IN_MALFORMED);
		return NULL;
	}
	hdr = (__be32 *)(skb_network_header(skb) + hoff + ops->spi_off);
	id.spi = ntohl(hdr[0]);
	id.proto = ops->proto;
	id.family = family;
	if (family == AF_INET)
		id.daddr.a4 = ip_hdr(skb)->daddr;
	else
		id.daddr.a6 = ipv6_hdr(skb)->daddr;

	sa = kipsec_sa_lookup(kn, &id);
	if (!sa) {
		if (xfrm_owns(kn->net, skb, &id) ||
		    (udp && kipsec_encap_sock_owns(kn, skb, family, hoff)))
			*verdict = NF_ACCEPT;
		else
			kipsec_count(kn, KIPSEC_CNT_IN_NO_SA);
		return NULL;
	}
	if (!kipsec_sa_usable(sa) || !kipsec_encap_sa_matches(sa, skb, hoff, udp)) {
		kipsec_count(kn, KIPSEC_CNT_IN_NO_SA);
		goto refuse;
	}
	if (sa->mode == KIPSEC_MODE_TRANSPORT && !from_peer(sa, skb, family)) {
		count_sa(kn, &sa->stats.policy_drops, KIPSEC_CNT_IN_POLICY_DROP);
		goto refuse;
	}
	*seq = ntohl(hdr[1]);
	if (sa->flags & KIPSEC_SA_F_ESN)
		*seq = kipsec_replay_infer_esn(sa->replay, *seq);
	if (kipsec_replay_check(sa->replay, *seq)) {
		count_sa(kn, &sa->stats.replay_drops, KIPSEC_CNT_IN_REPLAY);
		goto refuse;
	}
	return sa;
refuse:
	kipsec_sa_put(sa);
	return NULL;
}

/*
 * ESP or AH addressed to us, ours if we know its SPI: the SA's protocol
 * verifies and decrypts it, and kipsec_input_done() takes it from there,
 * now or from the crypto completion.
 */
static unsigned int ipsec_input(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
				const struct kipsec_proto_ops *ops, unsigned int hoff,
				unsigned int prev)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int verdict;
	struct kipsec_sa *sa;
	u64 seq;
	int err;

	/* ESP in UDP (encap.c): the header before ESP's is UDP's. */
	sa = input_sa(kn, skb, family, ops, hoff, skb_network_header(skb)[prev] == IPPROTO_UDP,
		      &seq, &verdict);
	if (!sa)
		return verdict;
	memset(cb, 0, sizeof(*cb));
	cb->sa = sa;
	cb->seq = seq;
	cb->hoff = hoff;
	cb->family = family;
	/* Transport decapsulation rewrites this next-header byte. */
	cb->prev = prev;
	cb->outer_tos = family == AF_INET ? ip_hdr(skb)->tos : ipv6_get_dsfield(ipv6_hdr(skb));
	skb_dst_drop(skb);
	netdev_hold(skb->dev, &cb->dev_tracker, GFP_ATOMIC);
	if (kipsec_inflight_get(kn, &cb->slot))
		err = sa->ops->input(skb);
	else
		err = -ENOBUFS;
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
	const struct kipsec_proto_ops *ops;
	unsigned int hoff, prev;
	u8 proto;

	/* Decrypted by us and checked against its SA's policy already. */
	if (decrypted(skb))
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
		ops = kipsec_proto_ops_find(proto);
		if (ops)
			return ipsec_input(kn, skb, family, ops, hoff, prev);
		if (proto == IPPROTO_UDP) {
			switch (kipsec_encap_classify(kn, skb, family, &hoff)) {
			case KIPSEC_UDP_ESP:
				return ipsec_input(kn, skb, family, &kipsec_esp_ops, hoff, prev);
			case KIPSEC_UDP_DROP:
				return NF_DROP;
			case KIPSEC_UDP_PASS:
				break;
			}
		}
	}
	return clear_text(kn, skb, family, dir);
}
