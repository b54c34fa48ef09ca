/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec: what the three netlink files share.  netlink.c takes requests
 * and registers the family, notify.c sends the events, nlmsg.c writes the
 * messages both send.
 */
#ifndef _KIPSEC_NLMSG_H
#define _KIPSEC_NLMSG_H

#include <net/genetlink.h>

#include "kipsec.h"

extern struct genl_family kipsec_genl_family;

/* The family's multicast groups, in the order of its mcgrps table. */
enum { KIPSEC_MCGRP_EVENTS_ID };

/* Writes an object's attributes into a message; keys only when asked. */
typedef int (*kipsec_fill_fn)(struct sk_buff *skb, const void *obj, bool keys);

int kipsec_nlmsg_fill_sa(struct sk_buff *skb, const void *sa, bool keys);
int kipsec_nlmsg_fill_policy(struct sk_buff *skb, const void *pol, bool keys);
/* The KIPSEC_A_SA nest; the policy as nest type; a selector's attributes. */
int kipsec_nlmsg_put_sa(struct sk_buff *skb, const struct kipsec_sa *sa, bool keys);
int kipsec_nlmsg_put_policy(struct sk_buff *skb, int type, const struct kipsec_policy *pol);
int kipsec_nlmsg_put_selector(struct sk_buff *skb, const struct kipsec_selector *sel);

/* One message: the genl header, then fill(); -EMSGSIZE leaves skb as it was. */
int kipsec_nlmsg_put(struct sk_buff *skb, u32 portid, u32 seq, int flags, u8 cmd,
		     kipsec_fill_fn fill, const void *obj, bool keys);
int kipsec_nlmsg_reply(struct genl_info *info, kipsec_fill_fn fill, const void *obj, bool keys);
/* genlmsg_cancel() and kfree_skb() for messages that may hold keys: wiped. */
void kipsec_nlmsg_cancel(struct sk_buff *skb, void *hdr);
void kipsec_nlmsg_free(struct sk_buff *skb);

#endif /* _KIPSEC_NLMSG_H */
