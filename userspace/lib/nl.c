// SPDX-License-Identifier: GPL-2.0
/*
 * libkipsec: the netlink socket, family resolution, requests and replies,
 * extended ACK messages.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "nl_priv.h"

const char *kipsec_nl_extack(const struct kipsec_nl *h)
{
	return h ? h->extack : "";
}

int kipsec_nl_fd(const struct kipsec_nl *h)
{
	return mnl_socket_get_fd(h->sock);
}

/*
 * The extended ACK (NETLINK_EXT_ACK) follows the error code and, unless the
 * ACK was capped (NETLINK_CAP_ACK), a copy of the request.  NLMSG_DONE of a
 * dump carries the same TLVs right after its error code.
 */
static void save_extack(struct kipsec_nl *h, const struct nlmsghdr *nlh)
{
	size_t plen = mnl_nlmsg_get_payload_len(nlh);
	size_t off = sizeof(int);
	const struct nlattr *a;
	const char *msg = NULL, *name;
	bool in_nest = false;
	uint32_t nest = 0;
	int miss = -1;

	h->extack[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

		if (plen < sizeof(*e))
			return;
		if (nlh->nlmsg_flags & NLM_F_CAPPED)
			off = sizeof(*e);
		else
			off = sizeof(int) + e->msg.nlmsg_len;
	}
	if (MNL_ALIGN(off) >= plen)
		return;
	mnl_attr_for_each(a, nlh, off) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
				msg = mnl_attr_get_str(a);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
				miss = (int)mnl_attr_get_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			if (mnl_attr_validate(a, MNL_TYPE_U32) == 0) {
				in_nest = true;
				nest = mnl_attr_get_u32(a);
			}
			break;
		}
	}
	if (msg) {
		snprintf(h->extack, sizeof(h->extack), "%s", msg);
		return;
	}
	if (miss < 0)
		return;
	/* The kernel names it by number; the request is still in h->tx. */
	name = kipsec_attr_name((const struct nlmsghdr *)h->tx, in_nest, nest, (uint32_t)miss);
	if (name)
		snprintf(h->extack, sizeof(h->extack), "missing attribute %s", name);
	else
		snprintf(h->extack, sizeof(h->extack), "missing attribute %d", miss);
}

/*
 * Reads the replies to request @seq until its ACK (or NLMSG_DONE for a
 * dump).  Messages of other sequence numbers are leftovers of an earlier
 * request and are skipped.  A callback error does not stop the reading, so
 * the socket is left in step for the next request.
 */
static int read_replies(struct kipsec_nl *h, uint32_t seq, bool dump,
			kipsec_msg_cb cb, void *arg, bool *intr)
{
	int err = 0;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(h->sock, h->rx, KIPSEC_RX_BUF);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)h->rx;
		int len;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		len = (int)n;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != h->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR && intr)
				*intr = true;
			switch (nlh->nlmsg_type) {
			case NLMSG_NOOP:
				continue;
			case NLMSG_OVERRUN:
				return -EOVERFLOW;
			case NLMSG_ERROR: {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				if (mnl_nlmsg_get_payload_len(nlh) < sizeof(int))
					return -EBADMSG;
				save_extack(h, nlh);
				if (e->error)
					return e->error < 0 ? e->error : -e->error;
				/* A dump ends with DONE, never with a bare ACK. */
				if (!dump)
					return err;
				continue;
			}
			case NLMSG_DONE: {
				int derr = 0;

				if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
					memcpy(&derr, mnl_nlmsg_get_payload(nlh), sizeof(int));
				if (derr < 0) {
					save_extack(h, nlh);
					return derr;
				}
				return err;
			}
			default:
				if (cb && !err)
					err = cb(nlh, arg);
			}
		}
	}
}

/*
 * A new request in h->tx, on a zeroed buffer: libmnl does not clear the
 * padding after an attribute whose length is not a multiple of 4 (a string,
 * a u8, a u16), and those bytes must not carry whatever an earlier request
 * (a key) left there (valgrind: "sendto(msg) points to uninitialised
 * byte(s)").
 */
static struct nlmsghdr *msg_header(struct kipsec_nl *h)
{
	memset(h->tx, 0, KIPSEC_TX_BUF);
	return mnl_nlmsg_put_header(h->tx);
}

struct nlmsghdr *kipsec_msg_start(struct kipsec_nl *h, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = msg_header(h);
	struct genlmsghdr *g;

	nlh->nlmsg_type = h->family_id;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++h->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = KIPSEC_GENL_VERSION;
	return nlh;
}

static int send_msg(struct kipsec_nl *h, struct nlmsghdr *nlh)
{
	h->extack[0] = '\0';
	if (mnl_socket_sendto(h->sock, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	return 0;
}

int kipsec_transact(struct kipsec_nl *h, struct nlmsghdr *nlh, kipsec_msg_cb cb, void *arg)
{
	int err;

	nlh->nlmsg_flags |= NLM_F_ACK;
	err = send_msg(h, nlh);
	if (err)
		return err;
	return read_replies(h, nlh->nlmsg_seq, false, cb, arg, NULL);
}

int kipsec_dump(struct kipsec_nl *h, struct nlmsghdr *nlh, kipsec_msg_cb cb, void *arg, bool *intr)
{
	int err;

	nlh->nlmsg_flags |= NLM_F_DUMP;
	*intr = false;
	err = send_msg(h, nlh);
	if (err)
		return err;
	return read_replies(h, nlh->nlmsg_seq, true, cb, arg, intr);
}

/* ---- attribute helpers ---- */

struct tb_ctx {
	const struct nlattr **tb;
	int max;
};

static int tb_cb(const struct nlattr *a, void *data)
{
	struct tb_ctx *c = data;
	int type = mnl_attr_get_type(a);

	/* Attributes newer than this library are ignored, not fatal. */
	if (type <= c->max)
		c->tb[type] = a;
	return MNL_CB_OK;
}

int kipsec_parse_nested(const struct nlattr *nest, const struct nlattr **tb, int max)
{
	struct tb_ctx c = { tb, max };

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	if (mnl_attr_parse_nested(nest, tb_cb, &c) < 0)
		return -EBADMSG;
	return 0;
}

int kipsec_parse_genl(const struct nlmsghdr *nlh, const struct nlattr **tb, int max)
{
	struct tb_ctx c = { tb, max };

	memset(tb, 0, sizeof(*tb) * (size_t)(max + 1));
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(struct genlmsghdr))
		return -EBADMSG;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), tb_cb, &c) < 0)
		return -EBADMSG;
	return 0;
}

int kipsec_get_u8(const struct nlattr *a, uint8_t *v)
{
	if (mnl_attr_get_payload_len(a) != 1)
		return -EBADMSG;
	*v = mnl_attr_get_u8(a);
	return 0;
}

int kipsec_get_u16(const struct nlattr *a, uint16_t *v)
{
	if (mnl_attr_get_payload_len(a) != 2)
		return -EBADMSG;
	*v = mnl_attr_get_u16(a);
	return 0;
}

int kipsec_get_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_get_payload_len(a) != 4)
		return -EBADMSG;
	*v = mnl_attr_get_u32(a);
	return 0;
}

int kipsec_get_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_get_payload_len(a) != 8)
		return -EBADMSG;
	memcpy(v, mnl_attr_get_payload(a), 8);	/* may be 4-aligned only */
	return 0;
}

int kipsec_get_addr(const struct nlattr *a, uint16_t family, struct kipsec_addr *out)
{
	size_t len = kipsec_addr_len(family);

	if (!len || mnl_attr_get_payload_len(a) != len)
		return -EBADMSG;
	memset(out, 0, sizeof(*out));
	out->family = family;
	memcpy(out->u.bytes, mnl_attr_get_payload(a), len);
	return 0;
}

void kipsec_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct kipsec_addr *a)
{
	mnl_attr_put(nlh, type, kipsec_addr_len(a->family), a->u.bytes);
}

/* ---- opening: CTRL_CMD_GETFAMILY ---- */

static int family_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct kipsec_nl *h = arg;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1];
	const struct nlattr *grp;

	if (kipsec_parse_genl(nlh, tb, CTRL_ATTR_MAX))
		return -EBADMSG;
	if (!tb[CTRL_ATTR_FAMILY_ID] || kipsec_get_u16(tb[CTRL_ATTR_FAMILY_ID], &h->family_id))
		return -EBADMSG;
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(grp, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *g[CTRL_ATTR_MCAST_GRP_MAX + 1];

		if (kipsec_parse_nested(grp, g, CTRL_ATTR_MCAST_GRP_MAX))
			return -EBADMSG;
		if (!g[CTRL_ATTR_MCAST_GRP_NAME] || !g[CTRL_ATTR_MCAST_GRP_ID] ||
		    mnl_attr_validate(g[CTRL_ATTR_MCAST_GRP_NAME], MNL_TYPE_NUL_STRING) < 0)
			continue;
		if (!strcmp(mnl_attr_get_str(g[CTRL_ATTR_MCAST_GRP_NAME]), KIPSEC_MCGRP_EVENTS) &&
		    kipsec_get_u32(g[CTRL_ATTR_MCAST_GRP_ID], &h->events_group))
			return -EBADMSG;
	}
	return 0;
}

static int resolve_family(struct kipsec_nl *h)
{
	struct nlmsghdr *nlh = msg_header(h);
	struct genlmsghdr *g;

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = ++h->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KIPSEC_GENL_NAME);
	return kipsec_transact(h, nlh, family_cb, h);
}

int kipsec_nl_open(struct kipsec_nl **hp)
{
	struct kipsec_nl *h;
	int one = 1, err;

	*hp = NULL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->rx = malloc(KIPSEC_RX_BUF);
	h->tx = malloc(KIPSEC_TX_BUF);
	if (!h->rx || !h->tx) {
		err = -ENOMEM;
		goto fail;
	}
	h->seq = (uint32_t)time(NULL);
	h->sock = mnl_socket_open(NETLINK_GENERIC);
	if (!h->sock) {
		err = -errno;
		goto fail;
	}
	/* Ask for the kernel's explanation of a refusal, and keep ACKs small. */
	mnl_socket_setsockopt(h->sock, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(h->sock, NETLINK_CAP_ACK, &one, sizeof(one));
	if (mnl_socket_bind(h->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		goto fail;
	}
	h->portid = mnl_socket_get_portid(h->sock);
	err = resolve_family(h);
	if (err)
		goto fail;
	*hp = h;
	return 0;
fail:
	kipsec_nl_close(h);
	return err;
}

void kipsec_nl_close(struct kipsec_nl *h)
{
	if (!h)
		return;
	if (h->sock)
		mnl_socket_close(h->sock);
	/* Both buffers may have held key material. */
	if (h->rx)
		explicit_bzero(h->rx, KIPSEC_RX_BUF);
	if (h->tx)
		explicit_bzero(h->tx, KIPSEC_TX_BUF);
	free(h->rx);
	free(h->tx);
	free(h);
}

int kipsec_events_subscribe(struct kipsec_nl *h)
{
	int grp = (int)h->events_group;

	if (!grp)
		return -ENOENT;
	if (mnl_socket_setsockopt(h->sock, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) < 0)
		return -errno;
	return 0;
}

/* A dump that keeps being interrupted by concurrent changes gives up. */
#define DUMP_RETRIES 8

struct dump_list {
	void *v;
	size_t n, cap, size;
	kipsec_msg_cb one;
};

static int dump_list_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct dump_list *l = arg;

	if (kipsec_array_grow(&l->v, l->n, &l->cap, l->size, 256))
		return -ENOMEM;
	if (l->one(nlh, (char *)l->v + l->n * l->size))
		return -EBADMSG;
	l->n++;
	return 0;
}

int kipsec_dump_list(struct kipsec_nl *h, uint8_t cmd, bool keys, size_t size, kipsec_msg_cb one,
		     void **out, size_t *n)
{
	for (int attempt = 0; attempt < DUMP_RETRIES; attempt++) {
		struct nlmsghdr *nlh = kipsec_msg_start(h, cmd, 0);
		struct dump_list l = { .size = size, .one = one };
		bool intr;
		int err;

		if (keys)
			mnl_attr_put(nlh, KIPSEC_A_SHOW_KEYS, 0, NULL);
		err = kipsec_dump(h, nlh, dump_list_cb, &l, &intr);
		if (!err && !intr) {
			*out = l.v;
			*n = l.n;
			return 0;
		}
		if (l.v) {
			explicit_bzero(l.v, l.n * size);
			free(l.v);
		}
		if (err)
			return err;
		/* NLM_F_DUMP_INTR: the table changed under the dump; start over. */
	}
	return -EAGAIN;
}
