// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: ESP in UDP (RFC 3948), for SAs with encapsulation ports.
 *
 * Outbound, the mode code (output.c) leaves room for a UDP header between
 * the outer IP header and the ESP header and names UDP in the IP header;
 * kipsec_encap_output() fills it once ESP is done: the SA's ports, the
 * length, and the checksum, zero for IPv4 (RFC 3948 §2.1) and computed
 * over the whole datagram for IPv6, where zero is not allowed (RFC 8200
 * §8.1).
 *
 * Inbound there is no socket: a UDP datagram addressed to us at a port
 * some SA receives on (its DPORT, counted in kn->encap_ports) is looked at
 * by the LOCAL_IN hook (input.c), which sees it before the UDP layer.
 * RFC 3948 §2.2 tells its kind by what follows the UDP header: a single
 * 0xFF byte is a NAT keepalive (§2.3), dropped and counted; four zero
 * bytes are the non-ESP marker of IKE, left to the stack so that the IKE
 * daemon's socket on that port gets it; anything else is ESP, whose SPI
 * input.c looks up.  An SPI kipsec does not know is left to XFRM when
 * XFRM has it (its own NAT-T socket on the same port), or to a socket
 * bound to the port; else dropped and counted.  So manual SAs work with no
 * daemon at all, and a daemon on 4500 keeps receiving its IKE messages.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/ip6_checksum.h>
#include <net/ipv6.h>
#include <net/udp.h>

#include "kipsec.h"

#define NAT_KEEPALIVE	0xff	/* RFC 3948 §2.3 */
/* At most one MAPPING event per SA in this time: a NAT that keeps changing
 * (or a replayed packet from elsewhere) must not flood the key manager.
 */
#define MAPPING_INTERVAL	HZ

void kipsec_encap_init(struct kipsec_net *kn)
{
	xa_init(&kn->encap_ports);
}

void kipsec_encap_exit(struct kipsec_net *kn)
{
	WARN_ON(!xa_empty(&kn->encap_ports));
	xa_destroy(&kn->encap_ports);
}

/* kn->lock held: sa's receiving port joins the set (none: nothing to do). */
int kipsec_encap_port_get(struct kipsec_net *kn, const struct kipsec_sa *sa)
{
	unsigned long n;
	void *old;

	lockdep_assert_held(&kn->lock);
	if (!sa->encap_dport)
		return 0;
	old = xa_load(&kn->encap_ports, sa->encap_dport);
	n = old ? xa_to_value(old) : 0;
	return xa_err(xa_store(&kn->encap_ports, sa->encap_dport, xa_mk_value(n + 1),
			       GFP_KERNEL_ACCOUNT));
}

/* kn->lock held: the port leaves the set with its last SA.  Cannot fail. */
void kipsec_encap_port_put(struct kipsec_net *kn, const struct kipsec_sa *sa)
{
	unsigned long n;
	void *old;

	lockdep_assert_held(&kn->lock);
	if (!sa->encap_dport)
		return;
	old = xa_load(&kn->encap_ports, sa->encap_dport);
	if (WARN_ON(!old))
		return;
	n = xa_to_value(old);
	if (n > 1)
		/* Replaces a value entry in place: no allocation. */
		xa_store(&kn->encap_ports, sa->encap_dport, xa_mk_value(n - 1), GFP_KERNEL);
	else
		xa_erase(&kn->encap_ports, sa->encap_dport);
}

/*
 * After ESP: the UDP header in the room the mode code left in front of the
 * ESP header (KIPSEC_CB(skb)->hoff points at ESP).  The IP header's
 * length fields are set by ip_local_out() / ip6_local_out().
 */
void kipsec_encap_output(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	const struct kipsec_sa *sa = cb->sa;
	unsigned int uoff, ulen;
	struct udphdr *uh;

	if (!sa->encap_dport)
		return;
	uoff = skb_network_offset(skb) + cb->hoff - sizeof(*uh);
	ulen = skb->len - uoff;
	uh = (struct udphdr *)(skb->data + uoff);
	uh->source = htons(sa->encap_sport);
	uh->dest = htons(sa->encap_dport);
	uh->len = htons(ulen);
	uh->check = 0;
	skb_set_transport_header(skb, uoff);
	if (cb->family == AF_INET6) {
		const struct ipv6hdr *ip6h = ipv6_hdr(skb);
		__wsum csum = skb_checksum(skb, uoff, ulen, 0);

		uh->check = csum_ipv6_magic(&ip6h->saddr, &ip6h->daddr, ulen, IPPROTO_UDP, csum);
		if (!uh->check)
			uh->check = CSUM_MANGLED_0;
	}
}

/*
 * The UDP checksum of a datagram we take before the UDP layer would have
 * checked it.  IPv4 senders of ESP in UDP may leave it zero (RFC 3948
 * §2.1); IPv6 ones may not.
 */
static bool udp_csum_ok(struct sk_buff *skb, u8 family, unsigned int uoff,
			const struct udphdr *uh)
{
	if (!uh->check)
		return family == AF_INET;
	return !nf_checksum(skb, NF_INET_LOCAL_IN, uoff, IPPROTO_UDP,
			    family == AF_INET ? NFPROTO_IPV4 : NFPROTO_IPV6);
}

static enum kipsec_udp_kind udp_drop(struct kipsec_net *kn, enum kipsec_counter c)
{
	kipsec_count(kn, c);
	return KIPSEC_UDP_DROP;
}

/*
 * A UDP datagram addressed to us, its header at *hoff from the network
 * header: ESP in UDP or not (RFC 3948 §2.2)?  For ESP, *hoff is moved to
 * the ESP header and the datagram trimmed to the UDP length.
 */
enum kipsec_udp_kind kipsec_encap_classify(struct kipsec_net *kn, struct sk_buff *skb,
					   u8 family, unsigned int *hoff)
{
	unsigned int uoff = skb_network_offset(skb) + *hoff, ulen;
	struct udphdr _uh;
	const struct udphdr *uh;
	u8 _m[4];
	const u8 *m;

	if (xa_empty(&kn->encap_ports))
		return KIPSEC_UDP_PASS;
	uh = skb_header_pointer(skb, uoff, sizeof(_uh), &_uh);
	if (!uh || !xa_load(&kn->encap_ports, ntohs(uh->dest)))
		return KIPSEC_UDP_PASS;
	ulen = ntohs(uh->len);
	if (ulen < sizeof(*uh) || ulen > skb->len - uoff)
		return udp_drop(kn, KIPSEC_CNT_IN_UDP_MALFORMED);
	ulen -= sizeof(*uh);
	m = skb_header_pointer(skb, uoff + sizeof(*uh), min_t(unsigned int, ulen, 4), _m);
	/* The non-ESP marker: IKE, for whoever listens on the port (§2.2). */
	if (ulen >= 4 && m && !(m[0] | m[1] | m[2] | m[3]))
		return KIPSEC_UDP_PASS;
	if (pskb_trim_rcsum(skb, uoff + sizeof(*uh) + ulen))
		return udp_drop(kn, KIPSEC_CNT_IN_UDP_MALFORMED);
	/* skb_header_pointer() may have pointed into the packet: read again. */
	uh = skb_header_pointer(skb, uoff, sizeof(_uh), &_uh);
	if (!uh || !udp_csum_ok(skb, family, uoff, uh))
		return udp_drop(kn, KIPSEC_CNT_IN_UDP_MALFORMED);
	m = skb_header_pointer(skb, uoff + sizeof(*uh), 1, _m);
	if (ulen == 1 && m && *m == NAT_KEEPALIVE)
		return udp_drop(kn, KIPSEC_CNT_IN_UDP_KEEPALIVE);
	/* Shorter than an ESP header (SPI, sequence number): nothing at all. */
	if (ulen < 8)
		return udp_drop(kn, KIPSEC_CNT_IN_UDP_MALFORMED);
	*hoff += sizeof(*uh);
	return KIPSEC_UDP_ESP;
}

/*
 * The SA an ESP packet named is the one for the way it came: an SA with
 * encapsulation takes ESP in UDP to its port only, one without takes raw
 * ESP only (as XFRM's input refuses a mismatch).  hoff is the ESP header.
 */
bool kipsec_encap_sa_matches(const struct kipsec_sa *sa, const struct sk_buff *skb,
			     unsigned int hoff, bool udp)
{
	const struct udphdr *uh;

	if (!udp)
		return !sa->encap_dport;
	uh = (const struct udphdr *)(skb_network_header(skb) + hoff - sizeof(*uh));
	return sa->encap_dport && ntohs(uh->dest) == sa->encap_dport;
}

/*
 * ESP in UDP for an SPI neither kipsec nor XFRM knows: a socket bound to
 * the port is not kipsec's to starve (a daemon counting its own garbage,
 * an application whose port an SA happens to name).  Linearity: input.c
 * pulled the UDP and ESP headers.
 */
bool kipsec_encap_sock_owns(struct kipsec_net *kn, const struct sk_buff *skb, u8 family,
			    unsigned int hoff)
{
	const struct udphdr *uh;
	int dif = skb->dev ? skb->dev->ifindex : 0;
	struct sock *sk;
	bool owned;

	uh = (const struct udphdr *)(skb_network_header(skb) + hoff - sizeof(*uh));
	/*
	 * The __ lookups: udp4_lib_lookup() and udp6_lib_lookup() are
	 * exported only with NF_TPROXY or NF_SOCKET, which a defconfig
	 * kernel lacks.  No reference: only whether there is one, under RCU.
	 */
	rcu_read_lock();
	if (family == AF_INET)
		sk = __udp4_lib_lookup(kn->net, ip_hdr(skb)->saddr, uh->source, ip_hdr(skb)->daddr,
				       uh->dest, dif, 0, &udp_table, NULL);
	else
		sk = __udp6_lib_lookup(kn->net, &ipv6_hdr(skb)->saddr, uh->source,
				       &ipv6_hdr(skb)->daddr, uh->dest, dif, 0, &udp_table, NULL);
	owned = !!sk;
	rcu_read_unlock();
	return owned;
}

/*
 * An authenticated packet (ICV verified, window moved) of an SA with
 * encapsulation: does it come from the address and port the SA sends to?
 * If not, a NAT between us has a new mapping, and the key manager hears
 * of it (as XFRM's MAPPING, RFC 3947 §5 leaves the update to IKE) rather
 * than the SA's replies going on silently to the old one.  In transport
 * mode the address is one of the SA's selectors (input.c's from_peer()
 * refuses another before any crypto): only the port can change there.
 */
void kipsec_encap_mapping(struct kipsec_sa *sa, const struct sk_buff *skb)
{
	const struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	union kipsec_inaddr src = {};
	unsigned long now = jiffies, last;
	const struct udphdr *uh;

	if (!sa->encap_dport)
		return;
	uh = (const struct udphdr *)(skb_network_header(skb) + cb->hoff - sizeof(*uh));
	if (cb->family == AF_INET)
		src.a4 = ip_hdr(skb)->saddr;
	else
		src.a6 = ipv6_hdr(skb)->saddr;
	if (ntohs(uh->source) == sa->encap_sport && !memcmp(&src, &sa->ep.saddr, sizeof(src)))
		return;
	last = READ_ONCE(sa->mapping_jiffies);
	if (last && time_before(now, last + MAPPING_INTERVAL))
		return;
	/* One CPU sends it; 0 means "never sent". */
	if (cmpxchg(&sa->mapping_jiffies, last, now ?: 1) != last)
		return;
	kipsec_notify_mapping(sa->kn, sa, &src, ntohs(uh->source));
}

/*
 * Transport mode behind a NAT (RFC 3948 §3.1.2): the sender computed the
 * inner TCP or UDP checksum over addresses the NAT has since rewritten in
 * the one IP header, so it no longer verifies here.  The RFC's options are
 * an incremental update from the original addresses (NAT-OA, which only
 * IKE learns: manual SAs have none) or not verifying it; kipsec takes the
 * second, as XFRM does, and tells the stack the checksum is verified:
 * this ESP packet's ICV has already proved its integrity (kipsec refuses
 * ESP without integrity), which is the condition the RFC sets.  Tunnel
 * mode's inner checksums are untouched by the NAT and are verified.
 */
u8 kipsec_encap_rx_csum(const struct kipsec_sa *sa, u8 nexthdr)
{
	if (sa->encap_dport && sa->mode == KIPSEC_MODE_TRANSPORT &&
	    (nexthdr == IPPROTO_TCP || nexthdr == IPPROTO_UDP))
		return CHECKSUM_UNNECESSARY;
	return CHECKSUM_NONE;
}
