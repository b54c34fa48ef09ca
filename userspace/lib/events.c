// SPDX-License-Identifier: GPL-2.0
/* libkipsec: notifications of the "events" multicast group. */
#include <errno.h>
#include <string.h>
#include <linux/genetlink.h>

#include "nl_priv.h"

/* MAPPING: the new source of an SA's ESP in UDP, of the SA's family. */
static int parse_mapping(const struct nlattr *nest, struct kipsec_event *ev)
{
	const struct nlattr *m[KIPSEC_MAPPING_A_MAX + 1];

	if (!ev->has_sa || kipsec_parse_nested(nest, m, KIPSEC_MAPPING_A_MAX) ||
	    !m[KIPSEC_MAPPING_A_SRC] || !m[KIPSEC_MAPPING_A_SPORT] ||
	    kipsec_get_addr(m[KIPSEC_MAPPING_A_SRC], ev->sa.src.family, &ev->mapping_src) ||
	    kipsec_get_u16(m[KIPSEC_MAPPING_A_SPORT], &ev->mapping_sport))
		return -EBADMSG;
	ev->has_mapping = true;
	return 0;
}

static int parse_event(struct kipsec_nl *h, const struct nlmsghdr *nlh, struct kipsec_event *ev)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != h->family_id)
		return -ENOENT;		/* not ours: ignore */
	memset(ev, 0, sizeof(*ev));
	if (kipsec_parse_genl(nlh, tb, KIPSEC_A_MAX))
		return -EBADMSG;
	ev->cmd = g->cmd;
	if (tb[KIPSEC_A_SA]) {
		if (kipsec_sa_parse(tb[KIPSEC_A_SA], &ev->sa))
			return -EBADMSG;
		ev->has_sa = true;
	}
	if (tb[KIPSEC_A_POLICY]) {
		if (kipsec_policy_parse(tb[KIPSEC_A_POLICY], &ev->policy))
			return -EBADMSG;
		ev->has_policy = true;
	}
	if (tb[KIPSEC_A_SEL_PKT]) {
		if (kipsec_policy_parse(tb[KIPSEC_A_SEL_PKT], &ev->pkt))
			return -EBADMSG;
		ev->has_pkt = true;
	}
	if (tb[KIPSEC_A_PROTO] && kipsec_get_u8(tb[KIPSEC_A_PROTO], &ev->proto))
		return -EBADMSG;
	ev->hard = tb[KIPSEC_A_EXPIRE_HARD] != NULL;
	return tb[KIPSEC_A_MAPPING] ? parse_mapping(tb[KIPSEC_A_MAPPING], ev) : 0;
}

int kipsec_event_recv(struct kipsec_nl *h, kipsec_event_cb cb, void *arg)
{
	ssize_t n = mnl_socket_recvfrom(h->sock, h->rx, KIPSEC_RX_BUF);
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)h->rx;
	struct kipsec_event ev;
	int len, err = 0;

	if (n < 0)
		return -errno;
	len = (int)n;
	for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
		int r;

		if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
			continue;
		r = parse_event(h, nlh, &ev);
		if (r == -ENOENT)
			continue;
		if (r) {
			err = r;	/* report, but deliver the rest */
			continue;
		}
		cb(&ev, arg);
		kipsec_sa_wipe(&ev.sa);
	}
	return err;
}
