// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: where the data path meets the stack, per network namespace.
 *
 *   POST_ROUTING  outbound policies: protect, bypass, discard (output.c),
 *                 after source NAT, so policies see the addresses that go
 *                 on the wire;
 *   LOCAL_IN      ESP for our SAs, and the inbound check of clear text
 *                 (input.c), after the filter table, as XFRM's own input
 *                 runs after it;
 *   FORWARD       the inbound check of forwarded clear text.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>

#include "kipsec.h"

#define PRI_OUT4	(NF_IP_PRI_NAT_SRC + 1)
#define PRI_OUT6	(NF_IP6_PRI_NAT_SRC + 1)
#define PRI_IN4		(NF_IP_PRI_SELINUX_LAST + 1)
#define PRI_IN6		(NF_IP6_PRI_SELINUX_LAST + 1)

static unsigned int out4(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_output_hook(kipsec_pernet(state->net), skb, AF_INET);
}

static unsigned int out6(void *priv, struct sk_buff *skb, const struct nf_hook_state *state)
{
	return kipsec_output_hook(kipsec_pernet(state->net), skb, AF_INET6);
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
