// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: where the data path meets the stack, per network namespace.
 *
 *   POST_ROUTING  outbound policies: protect, bypass, discard (output.c),
 *                 after source NAT (NF_IP_PRI_NAT_SRC, 100), so policies
 *                 see the addresses that go on the wire; a packet taken
 *                 there has its connection confirmed first (see
 *                 kipsec_ct_confirm()), since conntrack's own confirmation
 *                 (NF_IP_PRI_CONNTRACK_CONFIRM, INT_MAX) would come after;
 *   LOCAL_IN      ESP for our SAs, raw or in UDP (encap.c, RFC 3948:
 *                 no socket needed), and the inbound check of clear text
 *                 (input.c), after the filter table, as XFRM's own input
 *                 runs after it;
 *   FORWARD       the inbound check of forwarded clear text.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_core.h>

#include "kipsec.h"

#define PRI_OUT4	(NF_IP_PRI_NAT_SRC + 1)
#define PRI_OUT6	(NF_IP6_PRI_NAT_SRC + 1)
#define PRI_IN4		(NF_IP_PRI_SELINUX_LAST + 1)
#define PRI_IN6		(NF_IP6_PRI_SELINUX_LAST + 1)

/*
 * A packet kipsec takes at POST_ROUTING never reaches conntrack's
 * confirmation at INT_MAX: its connection would stay unconfirmed, the
 * reply would be NEW to "ct state" and a source NAT binding would never be
 * committed.  So it is confirmed here, before it is encapsulated, by what
 * conntrack's confirmation hook itself calls (ipv4_confirm(),
 * ipv6_confirm()): nf_confirm() runs the connection's helper and sequence
 * adjustment on the clear packet, then inserts it with its NAT binding, as
 * XFRM gets for free by transforming in dst_output(), after every
 * POST_ROUTING hook.  Unlike conntrack's hook it does not wait for the
 * real device's pass under a VRF: the packet taken here has no other.
 * The outer packet starts again with no ct (kipsec_output_done()).  A
 * transform that fails afterwards leaves the connection confirmed, as
 * does a packet lost on the wire (or one XFRM fails to transform).
 * Returns NF_ACCEPT, or NF_DROP when conntrack refuses the packet (a
 * helper's verdict, a clash it cannot resolve): drop it then.
 */
unsigned int kipsec_ct_confirm(struct sk_buff *skb, u8 family)
{
#if IS_ENABLED(CONFIG_NF_CONNTRACK)
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	__be16 frag_off;
	u8 nexthdr;
	int off;

	if (!ct || ctinfo == IP_CT_RELATED_REPLY)
		return nf_conntrack_confirm(skb);
	if (family == AF_INET)
		return nf_confirm(skb, skb_network_offset(skb) + ip_hdrlen(skb), ct, ctinfo);
	nexthdr = ipv6_hdr(skb)->nexthdr;
	off = ipv6_skip_exthdr(skb, skb_network_offset(skb) + sizeof(struct ipv6hdr),
			       &nexthdr, &frag_off);
	/* No transport header to hand a helper: confirm only, as ipv6_confirm(). */
	if (off < 0 || (frag_off & htons(~0x7)))
		return nf_conntrack_confirm(skb);
	return nf_confirm(skb, off, ct, ctinfo);
#else
	return NF_ACCEPT;
#endif
}

static unsigned int out4(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_output_hook(kipsec_pernet(state->net), skb, AF_INET, state);
}

static unsigned int out6(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_output_hook(kipsec_pernet(state->net), skb, AF_INET6, state);
}

static unsigned int in4(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_input_hook(kipsec_pernet(state->net), skb, AF_INET, state, KIPSEC_DIR_IN);
}

static unsigned int in6(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_input_hook(kipsec_pernet(state->net), skb, AF_INET6, state, KIPSEC_DIR_IN);
}

static unsigned int fwd4(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_input_hook(kipsec_pernet(state->net), skb, AF_INET, state, KIPSEC_DIR_FWD);
}

static unsigned int fwd6(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_input_hook(kipsec_pernet(state->net), skb, AF_INET6, state, KIPSEC_DIR_FWD);
}

static const struct nf_hook_ops kipsec_nf_ops[] = {
	{ .hook = out4, .pf = NFPROTO_IPV4, .hooknum = NF_INET_POST_ROUTING, .priority = PRI_OUT4 },
	{ .hook = out6, .pf = NFPROTO_IPV6, .hooknum = NF_INET_POST_ROUTING, .priority = PRI_OUT6 },
	{ .hook = in4, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN, .priority = PRI_IN4 },
	{ .hook = in6, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN, .priority = PRI_IN6 },
	{ .hook = fwd4, .pf = NFPROTO_IPV4, .hooknum = NF_INET_FORWARD, .priority = PRI_IN4 },
	{ .hook = fwd6, .pf = NFPROTO_IPV6, .hooknum = NF_INET_FORWARD, .priority = PRI_IN6 },
};

int kipsec_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, kipsec_nf_ops, ARRAY_SIZE(kipsec_nf_ops));
}

void kipsec_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, kipsec_nf_ops, ARRAY_SIZE(kipsec_nf_ops));
}
