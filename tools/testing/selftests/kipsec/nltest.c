// SPDX-License-Identifier: GPL-2.0
/*
 * nltest: raw generic netlink client of the kipsec family for the
 * kselftests (see nltest.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nltest.h"

#define RXSZ	(256 * 1024)

static struct nlmsghdr *put_hdr(struct nlt *s, void *buf, uint16_t type, uint8_t cmd,
				uint8_t version, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *g;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = ++s->seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = version;
	return nlh;
}

struct nlmsghdr *nlt_msg_at(struct nlt *s, void *buf, uint8_t cmd, uint16_t flags)
{
	return put_hdr(s, buf, s->family, cmd, KIPSEC_GENL_VERSION, flags);
}

struct nlmsghdr *nlt_msg(struct nlt *s, uint8_t cmd, uint16_t flags)
{
	memset(s->buf, 0, 4096);
	return nlt_msg_at(s, s->buf, cmd, flags);
}

uint8_t nlt_cmd(const struct nlmsghdr *nlh)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	return g->cmd;
}

void nlt_parse_nest(const struct nlattr *nest, const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_for_each_nested(a, nest) {
		unsigned int type = mnl_attr_get_type(a);

		if (type <= max)
			tb[type] = a;
	}
}

void nlt_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max)
{
	const struct nlattr *a;

	memset(tb, 0, sizeof(*tb) * (max + 1));
	mnl_attr_for_each(a, nlh, GENL_HDRLEN) {
		unsigned int type = mnl_attr_get_type(a);

		if (type <= max)
			tb[type] = a;
	}
}

/* The extended ACK TLVs of an NLMSG_ERROR or NLMSG_DONE (RFC 3549 + extack). */
static void parse_ext(struct nlt *s, const struct nlmsghdr *nlh, size_t payload)
{
	const struct nlattr *a;

	s->ext_msg[0] = '\0';
	s->has_offs = s->has_miss = s->has_miss_nest = false;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	mnl_attr_for_each(a, nlh, payload) {
		switch (mnl_attr_get_type(a)) {
		case NLMSGERR_ATTR_MSG:
			snprintf(s->ext_msg, sizeof(s->ext_msg), "%.*s",
				 (int)mnl_attr_get_payload_len(a), mnl_attr_get_str(a));
			break;
		case NLMSGERR_ATTR_OFFS:
			s->has_offs = true;
			s->ext_offs = mnl_attr_get_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_TYPE:
			s->has_miss = true;
			s->miss_type = mnl_attr_get_u32(a);
			break;
		case NLMSGERR_ATTR_MISS_NEST:
			s->has_miss_nest = true;
			s->miss_nest = mnl_attr_get_u32(a);
			break;
		}
	}
}

/* Where the TLVs of an NLMSG_ERROR start: after the echoed request. */
static size_t err_payload(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	size_t payload = sizeof(*e);

	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		payload += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	return payload;
}

int nlt_set_rcvbuf(struct nlt *s, int bytes)
{
	/* RCVBUFFORCE: past rmem_max, we are root in the VM. */
	if (setsockopt(s->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) &&
	    setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes)))
		return -errno;
	return 0;
}

int nlt_send(struct nlt *s, const void *buf, size_t len)
{
	ssize_t n = mnl_socket_sendto(s->nl, buf, len);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EMSGSIZE;
}

int nlt_recv_raw(struct nlt *s, int timeout_ms)
{
	ssize_t n;

	if (timeout_ms >= 0) {
		struct pollfd p = { .fd = s->fd, .events = POLLIN };
		int r = poll(&p, 1, timeout_ms);

		if (r < 0)
			return -errno;
		if (r == 0)
			return 0;
	}
	n = recv(s->fd, s->rx, s->rxsz, 0);
	if (n < 0)
		return -errno;
	return (int)n;
}

int nlt_wait(struct nlt *s, uint32_t seq, nlt_cb cb, void *data)
{
	bool stopped = false;

	s->intr = 0;
	for (;;) {
		int len = nlt_recv_raw(s, 20000);
		const struct nlmsghdr *nlh;

		if (len < 0)
			return len;
		if (len == 0)
			return -ETIMEDOUT;
		nlh = (const struct nlmsghdr *)s->rx;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			/* Events and answers to earlier requests are not ours. */
			if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != s->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				s->intr++;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

				parse_ext(s, nlh, err_payload(nlh));
				return e->error;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				int err = *(const int *)mnl_nlmsg_get_payload(nlh);

				parse_ext(s, nlh, sizeof(int));
				return err;
			}
			if (cb && !stopped && cb(nlh, data))
				stopped = true;
		}
	}
}

int nlt_talk(struct nlt *s, struct nlmsghdr *nlh, nlt_cb cb, void *data)
{
	int err;

	/* A dump ends with NLMSG_DONE; anything else with its ACK. */
	if ((nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP)
		nlh->nlmsg_flags |= NLM_F_ACK;
	s->ext_msg[0] = '\0';
	s->has_offs = s->has_miss = s->has_miss_nest = false;
	err = nlt_send(s, nlh, nlh->nlmsg_len);
	if (err)
		return err;
	return nlt_wait(s, nlh->nlmsg_seq, cb, data);
}

/* ---- family resolution ---- */

struct family_res {
	uint16_t id;
	uint32_t grp;
};

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	struct family_res *res = data;
	const struct nlattr *tb[CTRL_ATTR_MAX + 1], *g;

	nlt_parse_msg(nlh, tb, CTRL_ATTR_MAX);
	if (tb[CTRL_ATTR_FAMILY_ID])
		res->id = mnl_attr_get_u16(tb[CTRL_ATTR_FAMILY_ID]);
	if (!tb[CTRL_ATTR_MCAST_GROUPS])
		return 0;
	mnl_attr_for_each_nested(g, tb[CTRL_ATTR_MCAST_GROUPS]) {
		const struct nlattr *gb[CTRL_ATTR_MCAST_GRP_MAX + 1];

		nlt_parse_nest(g, gb, CTRL_ATTR_MCAST_GRP_MAX);
		if (gb[CTRL_ATTR_MCAST_GRP_NAME] && gb[CTRL_ATTR_MCAST_GRP_ID] &&
		    !strcmp(mnl_attr_get_str(gb[CTRL_ATTR_MCAST_GRP_NAME]), KIPSEC_MCGRP_EVENTS))
			res->grp = mnl_attr_get_u32(gb[CTRL_ATTR_MCAST_GRP_ID]);
	}
	return 0;
}

struct nlt *nlt_open(void)
{
	struct family_res res = { 0 };
	struct nlmsghdr *nlh;
	struct nlt *s;
	int one = 1, err;

	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->buf = calloc(1, NLT_BUFSZ);
	s->rxsz = RXSZ;
	s->rx = malloc(s->rxsz);
	s->nl = mnl_socket_open(NETLINK_GENERIC);
	if (!s->buf || !s->rx || !s->nl)
		goto fail;
	s->fd = mnl_socket_get_fd(s->nl);
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0 ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) ||
	    setsockopt(s->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)))
		goto fail;
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)getpid() << 12;

	nlh = put_hdr(s, s->buf, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, 1, 0);
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, KIPSEC_GENL_NAME);
	err = nlt_talk(s, nlh, family_cb, &res);
	if (err || !res.id) {
		errno = err ? -err : ENOENT;
		goto fail_errno;
	}
	s->family = res.id;
	s->events_grp = res.grp;
	return s;
fail:
	if (!errno)
		errno = ENOMEM;
fail_errno:
	err = errno;
	nlt_close(s);
	errno = err;
	return NULL;
}

void nlt_close(struct nlt *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->buf);
	free(s->rx);
	free(s);
}

int nlt_join_events(struct nlt *s)
{
	int grp = (int)s->events_grp;

	if (!grp)
		return -ENOENT;
	if (setsockopt(s->fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)))
		return -errno;
	return 0;
}

void nlt_key(uint8_t *key, int len, uint32_t seed)
{
	int i;

	for (i = 0; i < len; i++)
		key[i] = (uint8_t)(seed * 131 + i * 37 + 1);
}

void nlt_addr(uint16_t family, const char *text, uint8_t *out)
{
	memset(out, 0, 16);
	if (inet_pton(family, text, out) != 1) {
		fprintf(stderr, "nltest: bad address %s\n", text);
		abort();
	}
}

/* ---- SAs ---- */

void sa_req_init(struct sa_req *r, uint32_t spi)
{
	memset(r, 0, sizeof(*r));
	r->family = AF_INET;
	nlt_addr(AF_INET, "192.0.2.1", r->src);
	nlt_addr(AF_INET, "192.0.2.2", r->dst);
	r->spi = spi;
	r->proto = IPPROTO_ESP;
	r->mode = KIPSEC_MODE_TUNNEL;
	r->enc = "aes-gcm";
	r->enc_key_len = 20;
	r->auth_key_len = -1;
	r->window = -1;
	r->flags = -1;
	r->seq_out = -1;
	r->mark = -1;
	r->mark_mask = -1;
}

void sa_req_addrs(struct sa_req *r, const char *src, const char *dst)
{
	r->family = strchr(src, ':') ? AF_INET6 : AF_INET;
	nlt_addr(r->family, src, r->src);
	nlt_addr(r->family, dst, r->dst);
}

static int addr_len(uint16_t family, int override)
{
	if (override)
		return override;
	return family == AF_INET6 ? 16 : 4;
}

static struct nlattr *nest_start(struct nlmsghdr *nlh, uint16_t type)
{
	/* The kernel validates strictly: a nest must say it is one. */
	return mnl_attr_nest_start(nlh, type | NLA_F_NESTED);
}

static void put_alg(struct nlmsghdr *nlh, uint16_t type, const char *name, int key_len,
		    uint32_t icv, uint32_t seed)
{
	struct nlattr *n = nest_start(nlh, type);
	uint8_t key[256];

	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, name);
	if (key_len >= 0) {
		nlt_key(key, key_len, seed);
		mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, key_len, key);
	}
	if (icv)
		mnl_attr_put_u32(nlh, KIPSEC_ALG_A_ICV_LEN, icv);
	mnl_attr_nest_end(nlh, n);
}

static void put_life(struct nlmsghdr *nlh, uint16_t type, const struct nlt_life *l)
{
	struct nlattr *n;

	if (!l->bytes && !l->packets && !l->add_secs && !l->use_secs)
		return;
	n = nest_start(nlh, type);
	if (l->bytes)
		mnl_attr_put_u64(nlh, KIPSEC_LIFE_A_BYTES, l->bytes);
	if (l->packets)
		mnl_attr_put_u64(nlh, KIPSEC_LIFE_A_PACKETS, l->packets);
	if (l->add_secs)
		mnl_attr_put_u64(nlh, KIPSEC_LIFE_A_ADD_SECS, l->add_secs);
	if (l->use_secs)
		mnl_attr_put_u64(nlh, KIPSEC_LIFE_A_USE_SECS, l->use_secs);
	mnl_attr_nest_end(nlh, n);
}

#define SA_WANT(r, a)	(!((r)->omit & (1u << (a))))

void nlt_put_sa(struct nlmsghdr *nlh, const struct sa_req *r)
{
	struct nlattr *n = nest_start(nlh, KIPSEC_A_SA);
	int alen = addr_len(r->family, r->addr_len);

	if (SA_WANT(r, KIPSEC_SA_A_FAMILY))
		mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, r->family);
	if (SA_WANT(r, KIPSEC_SA_A_SRC))
		mnl_attr_put(nlh, KIPSEC_SA_A_SRC, alen, r->src);
	if (SA_WANT(r, KIPSEC_SA_A_DST))
		mnl_attr_put(nlh, KIPSEC_SA_A_DST, alen, r->dst);
	if (SA_WANT(r, KIPSEC_SA_A_SPI))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI, r->spi);
	if (SA_WANT(r, KIPSEC_SA_A_PROTO))
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, r->proto);
	if (SA_WANT(r, KIPSEC_SA_A_MODE) && r->mode)
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, r->mode);
	if (r->reqid)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, r->reqid);
	if (r->enc && SA_WANT(r, KIPSEC_SA_A_ENC))
		put_alg(nlh, KIPSEC_SA_A_ENC, r->enc, r->enc_key_len, r->enc_icv, r->spi * 2);
	if (r->auth && SA_WANT(r, KIPSEC_SA_A_AUTH))
		put_alg(nlh, KIPSEC_SA_A_AUTH, r->auth, r->auth_key_len, r->auth_icv,
			r->spi * 2 + 1);
	if (r->window >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REPLAY_WINDOW, (uint32_t)r->window);
	if (r->flags >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_FLAGS, (uint32_t)r->flags);
	if (r->seq_out != -1)
		mnl_attr_put_u64(nlh, KIPSEC_SA_A_SEQ_OUT, (uint64_t)r->seq_out);
	put_life(nlh, KIPSEC_SA_A_LIFE_SOFT, &r->soft);
	put_life(nlh, KIPSEC_SA_A_LIFE_HARD, &r->hard);
	if (r->encap) {
		struct nlattr *e = nest_start(nlh, KIPSEC_SA_A_ENCAP);

		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_SPORT, r->encap_sport);
		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_DPORT, r->encap_dport);
		mnl_attr_nest_end(nlh, e);
	}
	if (r->mark >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_MARK, (uint32_t)r->mark);
	if (r->mark_mask >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_MARK_MASK, (uint32_t)r->mark_mask);
	mnl_attr_nest_end(nlh, n);
}

void nlt_put_sa_id(struct nlmsghdr *nlh, const struct sa_req *r)
{
	struct nlattr *n = nest_start(nlh, KIPSEC_A_SA);
	int alen = addr_len(r->family, r->addr_len);

	if (SA_WANT(r, KIPSEC_SA_A_FAMILY))
		mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, r->family);
	if (SA_WANT(r, KIPSEC_SA_A_DST))
		mnl_attr_put(nlh, KIPSEC_SA_A_DST, alen, r->dst);
	if (SA_WANT(r, KIPSEC_SA_A_SPI))
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI, r->spi);
	if (SA_WANT(r, KIPSEC_SA_A_PROTO))
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, r->proto);
	mnl_attr_nest_end(nlh, n);
}

static void alg_parse(const struct nlattr *nest, struct alg_info *out)
{
	const struct nlattr *tb[KIPSEC_ALG_A_MAX + 1];

	memset(out, 0, sizeof(*out));
	out->present = true;
	nlt_parse_nest(nest, tb, KIPSEC_ALG_A_MAX);
	if (tb[KIPSEC_ALG_A_NAME])
		snprintf(out->name, sizeof(out->name), "%s", mnl_attr_get_str(tb[KIPSEC_ALG_A_NAME]));
	if (tb[KIPSEC_ALG_A_KEY]) {
		out->has_key = true;
		out->key_len = mnl_attr_get_payload_len(tb[KIPSEC_ALG_A_KEY]);
		if (out->key_len > KIPSEC_KEY_MAX)
			out->key_len = KIPSEC_KEY_MAX;
		memcpy(out->key, mnl_attr_get_payload(tb[KIPSEC_ALG_A_KEY]), out->key_len);
	}
	if (tb[KIPSEC_ALG_A_KEY_LEN]) {
		out->has_key_len = true;
		out->key_len_attr = mnl_attr_get_u32(tb[KIPSEC_ALG_A_KEY_LEN]);
	}
	if (tb[KIPSEC_ALG_A_ICV_LEN]) {
		out->has_icv = true;
		out->icv = mnl_attr_get_u32(tb[KIPSEC_ALG_A_ICV_LEN]);
	}
}

static void life_parse(const struct nlattr *nest, struct nlt_life *out)
{
	const struct nlattr *tb[KIPSEC_LIFE_A_MAX + 1];

	memset(out, 0, sizeof(*out));
	if (!nest)
		return;
	nlt_parse_nest(nest, tb, KIPSEC_LIFE_A_MAX);
	if (tb[KIPSEC_LIFE_A_BYTES])
		out->bytes = mnl_attr_get_u64(tb[KIPSEC_LIFE_A_BYTES]);
	if (tb[KIPSEC_LIFE_A_PACKETS])
		out->packets = mnl_attr_get_u64(tb[KIPSEC_LIFE_A_PACKETS]);
	if (tb[KIPSEC_LIFE_A_ADD_SECS])
		out->add_secs = mnl_attr_get_u64(tb[KIPSEC_LIFE_A_ADD_SECS]);
	if (tb[KIPSEC_LIFE_A_USE_SECS])
		out->use_secs = mnl_attr_get_u64(tb[KIPSEC_LIFE_A_USE_SECS]);
}

static void copy_addr(const struct nlattr *a, uint8_t *out, int *len)
{
	int n = mnl_attr_get_payload_len(a);

	*len = n;
	memcpy(out, mnl_attr_get_payload(a), n > 16 ? 16 : n);
}

void sa_info_parse(const struct nlattr *sa_nest, struct sa_info *out)
{
	const struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	unsigned int i;

	memset(out, 0, sizeof(*out));
	nlt_parse_nest(sa_nest, tb, KIPSEC_SA_A_MAX);
	for (i = 1; i <= KIPSEC_SA_A_MAX; i++)
		out->present[i] = tb[i] != NULL;
	if (tb[KIPSEC_SA_A_FAMILY])
		out->family = mnl_attr_get_u16(tb[KIPSEC_SA_A_FAMILY]);
	if (tb[KIPSEC_SA_A_SRC])
		copy_addr(tb[KIPSEC_SA_A_SRC], out->src, &out->src_len);
	if (tb[KIPSEC_SA_A_DST])
		copy_addr(tb[KIPSEC_SA_A_DST], out->dst, &out->dst_len);
	if (tb[KIPSEC_SA_A_SPI])
		out->spi = mnl_attr_get_u32(tb[KIPSEC_SA_A_SPI]);
	if (tb[KIPSEC_SA_A_PROTO])
		out->proto = mnl_attr_get_u8(tb[KIPSEC_SA_A_PROTO]);
	if (tb[KIPSEC_SA_A_MODE])
		out->mode = mnl_attr_get_u8(tb[KIPSEC_SA_A_MODE]);
	if (tb[KIPSEC_SA_A_REQID])
		out->reqid = mnl_attr_get_u32(tb[KIPSEC_SA_A_REQID]);
	if (tb[KIPSEC_SA_A_STATE])
		out->state = mnl_attr_get_u8(tb[KIPSEC_SA_A_STATE]);
	if (tb[KIPSEC_SA_A_ENC])
		alg_parse(tb[KIPSEC_SA_A_ENC], &out->enc);
	if (tb[KIPSEC_SA_A_AUTH])
		alg_parse(tb[KIPSEC_SA_A_AUTH], &out->auth);
	if (tb[KIPSEC_SA_A_REPLAY_WINDOW])
		out->window = mnl_attr_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW]);
	if (tb[KIPSEC_SA_A_FLAGS])
		out->flags = mnl_attr_get_u32(tb[KIPSEC_SA_A_FLAGS]);
	life_parse(tb[KIPSEC_SA_A_LIFE_SOFT], &out->soft);
	life_parse(tb[KIPSEC_SA_A_LIFE_HARD], &out->hard);
	if (tb[KIPSEC_SA_A_ENCAP]) {
		const struct nlattr *e[KIPSEC_ENCAP_A_MAX + 1];

		nlt_parse_nest(tb[KIPSEC_SA_A_ENCAP], e, KIPSEC_ENCAP_A_MAX);
		if (e[KIPSEC_ENCAP_A_SPORT])
			out->encap_sport = mnl_attr_get_u16(e[KIPSEC_ENCAP_A_SPORT]);
		if (e[KIPSEC_ENCAP_A_DPORT])
			out->encap_dport = mnl_attr_get_u16(e[KIPSEC_ENCAP_A_DPORT]);
	}
	if (tb[KIPSEC_SA_A_MARK])
		out->mark = mnl_attr_get_u32(tb[KIPSEC_SA_A_MARK]);
	if (tb[KIPSEC_SA_A_MARK_MASK])
		out->mark_mask = mnl_attr_get_u32(tb[KIPSEC_SA_A_MARK_MASK]);
	if (tb[KIPSEC_SA_A_ADD_TIME])
		out->add_time = mnl_attr_get_u64(tb[KIPSEC_SA_A_ADD_TIME]);
	if (tb[KIPSEC_SA_A_SEQ_OUT])
		out->seq_out = mnl_attr_get_u64(tb[KIPSEC_SA_A_SEQ_OUT]);
	if (tb[KIPSEC_SA_A_SEQ_IN])
		out->seq_in = mnl_attr_get_u64(tb[KIPSEC_SA_A_SEQ_IN]);
}

int sa_add(struct nlt *s, const struct sa_req *r, uint16_t flags)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SA_ADD, flags);

	nlt_put_sa(nlh, r);
	return nlt_talk(s, nlh, NULL, NULL);
}

/* Reads the answers to requests first..last: refusals counted, ends with last's. */
static int wait_batch(struct nlt *s, uint32_t first, uint32_t last, unsigned int *refused,
		      int *first_err)
{
	for (;;) {
		int len = nlt_recv_raw(s, 60000);
		const struct nlmsghdr *nlh;

		if (len < 0)
			return len;
		if (len == 0)
			return -ETIMEDOUT;
		nlh = (const struct nlmsghdr *)s->rx;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlmsgerr *e;

			if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != s->portid ||
			    nlh->nlmsg_seq < first || nlh->nlmsg_seq > last)
				continue;
			e = mnl_nlmsg_get_payload(nlh);
			if (e->error) {
				(*refused)++;
				if (!*first_err) {
					*first_err = e->error;
					parse_ext(s, nlh, err_payload(nlh));
				}
			}
			if (nlh->nlmsg_seq == last)
				return 0;
		}
	}
}

int sa_add_batch(struct nlt *s, const struct sa_req *r, unsigned int n, unsigned int batch,
		 bool vary_dst, unsigned int *refused)
{
	struct sa_req one = *r;
	unsigned int done = 0, dummy;
	int first_err = 0, err;

	if (!refused)
		refused = &dummy;
	*refused = 0;
	/* A whole batch of refusals must fit in the receive buffer. */
	nlt_set_rcvbuf(s, 16 << 20);
	while (done < n) {
		struct nlmsghdr *nlh = NULL;
		uint32_t first = s->seq + 1;
		size_t len = 0;
		unsigned int k;

		for (k = 0; k < batch && done + k < n && len + 2048 <= NLT_BUFSZ; k++) {
			nlh = nlt_msg_at(s, s->buf + len, KIPSEC_CMD_SA_ADD, 0);
			one.spi = r->spi + done + k;
			if (vary_dst) {
				int off = r->family == AF_INET6 ? 12 : 0;
				uint32_t a;

				memcpy(&a, r->dst + off, 4);
				a = htonl(ntohl(a) + done + k);
				memcpy(one.dst + off, &a, 4);
			}
			nlt_put_sa(nlh, &one);
			len += NLMSG_ALIGN(nlh->nlmsg_len);
		}
		nlh->nlmsg_flags |= NLM_F_ACK;
		err = nlt_send(s, s->buf, len);
		if (!err)
			err = wait_batch(s, first, nlh->nlmsg_seq, refused, &first_err);
		if (err)
			return err;
		done += k;
	}
	return first_err;
}

int sa_del(struct nlt *s, const struct sa_req *r)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SA_DEL, 0);

	nlt_put_sa_id(nlh, r);
	return nlt_talk(s, nlh, NULL, NULL);
}

struct sa_cb_ctx {
	uint8_t cmd;
	unsigned int count;
	struct sa_info *one;
	void (*cb)(const struct sa_info *, void *);
	void *data;
};

static int sa_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct sa_cb_ctx *c = data;
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct sa_info info;

	if (nlt_cmd(nlh) != c->cmd)
		return 0;
	nlt_parse_msg(nlh, tb, KIPSEC_A_MAX);
	if (!tb[KIPSEC_A_SA])
		return 0;
	c->count++;
	sa_info_parse(tb[KIPSEC_A_SA], c->one ? c->one : &info);
	if (c->cb)
		c->cb(c->one ? c->one : &info, c->data);
	return 0;
}

int sa_get(struct nlt *s, const struct sa_req *r, bool keys, struct sa_info *out)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SA_GET, 0);
	struct sa_info dummy;
	struct sa_cb_ctx c = { .cmd = KIPSEC_CMD_SA_GET, .one = out ? out : &dummy };
	int err;

	nlt_put_sa_id(nlh, r);
	if (keys)
		mnl_attr_put(nlh, KIPSEC_A_SHOW_KEYS, 0, NULL);
	memset(c.one, 0, sizeof(*c.one));
	err = nlt_talk(s, nlh, sa_msg_cb, &c);
	if (!err && c.count != 1)
		return -EPROTO;
	return err;
}

int sa_dump(struct nlt *s, bool keys, void (*cb)(const struct sa_info *, void *), void *data,
	    unsigned int *count)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SA_GET, NLM_F_DUMP);
	struct sa_cb_ctx c = { .cmd = KIPSEC_CMD_SA_GET, .cb = cb, .data = data };
	int err;

	if (keys)
		mnl_attr_put(nlh, KIPSEC_A_SHOW_KEYS, 0, NULL);
	err = nlt_talk(s, nlh, sa_msg_cb, &c);
	if (count)
		*count = c.count;
	return err;
}

int sa_flush(struct nlt *s, int proto)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SA_FLUSH, 0);

	if (proto >= 0)
		mnl_attr_put_u8(nlh, KIPSEC_A_PROTO, (uint8_t)proto);
	return nlt_talk(s, nlh, NULL, NULL);
}

int spi_alloc(struct nlt *s, const struct sa_req *r, int64_t min, int64_t max,
	      struct sa_info *out)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SPI_ALLOC, 0);
	struct nlattr *n;
	struct sa_info dummy;
	struct sa_cb_ctx c = { .cmd = KIPSEC_CMD_SPI_ALLOC, .one = out ? out : &dummy };
	int alen = addr_len(r->family, r->addr_len), err;

	n = nest_start(nlh, KIPSEC_A_SA);
	if (SA_WANT(r, KIPSEC_SA_A_FAMILY))
		mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, r->family);
	if (SA_WANT(r, KIPSEC_SA_A_SRC))
		mnl_attr_put(nlh, KIPSEC_SA_A_SRC, alen, r->src);
	if (SA_WANT(r, KIPSEC_SA_A_DST))
		mnl_attr_put(nlh, KIPSEC_SA_A_DST, alen, r->dst);
	if (SA_WANT(r, KIPSEC_SA_A_PROTO))
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, r->proto);
	if (r->mode && SA_WANT(r, KIPSEC_SA_A_MODE))
		mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, r->mode);
	if (r->reqid)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, r->reqid);
	mnl_attr_nest_end(nlh, n);
	if (min >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_A_SPI_MIN, (uint32_t)min);
	if (max >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_A_SPI_MAX, (uint32_t)max);
	memset(c.one, 0, sizeof(*c.one));
	err = nlt_talk(s, nlh, sa_msg_cb, &c);
	if (!err && c.count != 1)
		return -EPROTO;
	return err;
}

/* ---- policies ---- */

void pol_req_init(struct pol_req *p)
{
	memset(p, 0, sizeof(*p));
	pol_req_sel(p, "10.1.0.0/24", "10.2.0.0/24");
	p->dir = KIPSEC_DIR_OUT;
	p->action = KIPSEC_ACTION_PROTECT;
	p->priority = -1;
	p->tmpl = true;
	p->t_proto = IPPROTO_ESP;
	p->t_mode = KIPSEC_MODE_TUNNEL;
	p->t_family = AF_INET;
	nlt_addr(AF_INET, "192.0.2.1", p->t_src);
	nlt_addr(AF_INET, "192.0.2.2", p->t_dst);
}

static int prefix(const char *text, uint16_t *family, uint8_t *addr)
{
	char buf[64];
	char *slash;
	int plen;

	snprintf(buf, sizeof(buf), "%s", text);
	*family = strchr(buf, ':') ? AF_INET6 : AF_INET;
	slash = strchr(buf, '/');
	plen = *family == AF_INET6 ? 128 : 32;
	if (slash) {
		*slash = '\0';
		plen = atoi(slash + 1);
	}
	nlt_addr(*family, buf, addr);
	return plen;
}

void pol_req_sel(struct pol_req *p, const char *src, const char *dst)
{
	p->src_plen = prefix(src, &p->family, p->src);
	p->dst_plen = prefix(dst, &p->family, p->dst);
}

#define POL_WANT(p, a)	(!((p)->omit & (1u << (a))))
#define TMPL_WANT(p, a)	(!((p)->t_omit & (1u << (a))))

void nlt_put_pol(struct nlmsghdr *nlh, const struct pol_req *p)
{
	struct nlattr *n = nest_start(nlh, KIPSEC_A_POLICY);
	int alen = addr_len(p->family, p->addr_len);

	if (p->id)
		mnl_attr_put_u32(nlh, KIPSEC_POL_A_ID, p->id);
	if (POL_WANT(p, KIPSEC_POL_A_FAMILY))
		mnl_attr_put_u16(nlh, KIPSEC_POL_A_FAMILY, p->family);
	if (POL_WANT(p, KIPSEC_POL_A_SRC))
		mnl_attr_put(nlh, KIPSEC_POL_A_SRC, alen, p->src);
	if (POL_WANT(p, KIPSEC_POL_A_SRC_PREFIXLEN) && p->src_plen >= 0)
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_SRC_PREFIXLEN, (uint8_t)p->src_plen);
	if (POL_WANT(p, KIPSEC_POL_A_DST))
		mnl_attr_put(nlh, KIPSEC_POL_A_DST, alen, p->dst);
	if (POL_WANT(p, KIPSEC_POL_A_DST_PREFIXLEN) && p->dst_plen >= 0)
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_DST_PREFIXLEN, (uint8_t)p->dst_plen);
	if (p->proto)
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_PROTO, p->proto);
	if (p->sport)
		mnl_attr_put_u16(nlh, KIPSEC_POL_A_SPORT, p->sport);
	if (p->dport)
		mnl_attr_put_u16(nlh, KIPSEC_POL_A_DPORT, p->dport);
	if (POL_WANT(p, KIPSEC_POL_A_DIR))
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, p->dir);
	if (p->priority >= 0)
		mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, (uint32_t)p->priority);
	if (POL_WANT(p, KIPSEC_POL_A_ACTION))
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_ACTION, p->action);
	if (p->level)
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_LEVEL, p->level);
	if (p->tmpl) {
		struct nlattr *t = nest_start(nlh, KIPSEC_POL_A_TMPL);
		int tlen = p->t_family == AF_INET6 ? 16 : 4;

		if (TMPL_WANT(p, KIPSEC_TMPL_A_PROTO))
			mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, p->t_proto);
		if (TMPL_WANT(p, KIPSEC_TMPL_A_MODE))
			mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, p->t_mode);
		if (p->t_family && TMPL_WANT(p, KIPSEC_TMPL_A_FAMILY))
			mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY, p->t_family);
		if (p->t_family && TMPL_WANT(p, KIPSEC_TMPL_A_SRC))
			mnl_attr_put(nlh, KIPSEC_TMPL_A_SRC, tlen, p->t_src);
		if (p->t_family && TMPL_WANT(p, KIPSEC_TMPL_A_DST))
			mnl_attr_put(nlh, KIPSEC_TMPL_A_DST, tlen, p->t_dst);
		if (p->t_reqid)
			mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_REQID, p->t_reqid);
		mnl_attr_nest_end(nlh, t);
	}
	mnl_attr_nest_end(nlh, n);
}

void pol_info_parse(const struct nlattr *nest, struct pol_info *out)
{
	const struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	int len;
	unsigned int i;

	memset(out, 0, sizeof(*out));
	nlt_parse_nest(nest, tb, KIPSEC_POL_A_MAX);
	for (i = 1; i <= KIPSEC_POL_A_MAX; i++)
		out->present[i] = tb[i] != NULL;
	if (tb[KIPSEC_POL_A_ID])
		out->id = mnl_attr_get_u32(tb[KIPSEC_POL_A_ID]);
	if (tb[KIPSEC_POL_A_FAMILY])
		out->family = mnl_attr_get_u16(tb[KIPSEC_POL_A_FAMILY]);
	if (tb[KIPSEC_POL_A_SRC])
		copy_addr(tb[KIPSEC_POL_A_SRC], out->src, &len);
	if (tb[KIPSEC_POL_A_DST])
		copy_addr(tb[KIPSEC_POL_A_DST], out->dst, &len);
	if (tb[KIPSEC_POL_A_SRC_PREFIXLEN])
		out->src_plen = mnl_attr_get_u8(tb[KIPSEC_POL_A_SRC_PREFIXLEN]);
	if (tb[KIPSEC_POL_A_DST_PREFIXLEN])
		out->dst_plen = mnl_attr_get_u8(tb[KIPSEC_POL_A_DST_PREFIXLEN]);
	if (tb[KIPSEC_POL_A_PROTO])
		out->proto = mnl_attr_get_u8(tb[KIPSEC_POL_A_PROTO]);
	if (tb[KIPSEC_POL_A_SPORT])
		out->sport = mnl_attr_get_u16(tb[KIPSEC_POL_A_SPORT]);
	if (tb[KIPSEC_POL_A_DPORT])
		out->dport = mnl_attr_get_u16(tb[KIPSEC_POL_A_DPORT]);
	if (tb[KIPSEC_POL_A_DIR])
		out->dir = mnl_attr_get_u8(tb[KIPSEC_POL_A_DIR]);
	if (tb[KIPSEC_POL_A_PRIORITY])
		out->priority = mnl_attr_get_u32(tb[KIPSEC_POL_A_PRIORITY]);
	if (tb[KIPSEC_POL_A_ACTION])
		out->action = mnl_attr_get_u8(tb[KIPSEC_POL_A_ACTION]);
	if (tb[KIPSEC_POL_A_LEVEL])
		out->level = mnl_attr_get_u8(tb[KIPSEC_POL_A_LEVEL]);
	if (tb[KIPSEC_POL_A_TMPL]) {
		const struct nlattr *t[KIPSEC_TMPL_A_MAX + 1];

		out->tmpl = true;
		nlt_parse_nest(tb[KIPSEC_POL_A_TMPL], t, KIPSEC_TMPL_A_MAX);
		for (i = 1; i <= KIPSEC_TMPL_A_MAX; i++)
			out->tmpl_present[i] = t[i] != NULL;
		if (t[KIPSEC_TMPL_A_PROTO])
			out->t_proto = mnl_attr_get_u8(t[KIPSEC_TMPL_A_PROTO]);
		if (t[KIPSEC_TMPL_A_MODE])
			out->t_mode = mnl_attr_get_u8(t[KIPSEC_TMPL_A_MODE]);
		if (t[KIPSEC_TMPL_A_FAMILY])
			out->t_family = mnl_attr_get_u16(t[KIPSEC_TMPL_A_FAMILY]);
		if (t[KIPSEC_TMPL_A_SRC])
			copy_addr(t[KIPSEC_TMPL_A_SRC], out->t_src, &len);
		if (t[KIPSEC_TMPL_A_DST])
			copy_addr(t[KIPSEC_TMPL_A_DST], out->t_dst, &len);
		if (t[KIPSEC_TMPL_A_REQID])
			out->t_reqid = mnl_attr_get_u32(t[KIPSEC_TMPL_A_REQID]);
	}
}

struct pol_cb_ctx {
	uint8_t cmd;
	unsigned int count;
	struct pol_info *one;
	void (*cb)(const struct pol_info *, void *);
	void *data;
};

static int pol_msg_cb(const struct nlmsghdr *nlh, void *data)
{
	struct pol_cb_ctx *c = data;
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	struct pol_info info;

	if (nlt_cmd(nlh) != c->cmd)
		return 0;
	nlt_parse_msg(nlh, tb, KIPSEC_A_MAX);
	if (!tb[KIPSEC_A_POLICY])
		return 0;
	c->count++;
	pol_info_parse(tb[KIPSEC_A_POLICY], c->one ? c->one : &info);
	if (c->cb)
		c->cb(c->one ? c->one : &info, c->data);
	return 0;
}

int pol_add(struct nlt *s, const struct pol_req *p, uint32_t *id)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_POLICY_ADD, 0);
	struct pol_info info = { 0 };
	struct pol_cb_ctx c = { .cmd = KIPSEC_CMD_POLICY_ADD, .one = &info };
	int err;

	nlt_put_pol(nlh, p);
	err = nlt_talk(s, nlh, pol_msg_cb, &c);
	if (err)
		return err;
	/* design.md: POLICY_ADD answers A_POLICY with the new ID. */
	if (c.count != 1 || !info.present[KIPSEC_POL_A_ID])
		return -EPROTO;
	if (id)
		*id = info.id;
	return 0;
}

int pol_del_id(struct nlt *s, uint32_t id)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_POLICY_DEL, 0);
	struct nlattr *n = nest_start(nlh, KIPSEC_A_POLICY);

	mnl_attr_put_u32(nlh, KIPSEC_POL_A_ID, id);
	mnl_attr_nest_end(nlh, n);
	return nlt_talk(s, nlh, NULL, NULL);
}

int pol_del_sel(struct nlt *s, const struct pol_req *p)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_POLICY_DEL, 0);

	nlt_put_pol(nlh, p);
	return nlt_talk(s, nlh, NULL, NULL);
}

int pol_get(struct nlt *s, uint32_t id, struct pol_info *out)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_POLICY_GET, 0);
	struct nlattr *n = nest_start(nlh, KIPSEC_A_POLICY);
	struct pol_info dummy;
	struct pol_cb_ctx c = { .cmd = KIPSEC_CMD_POLICY_GET, .one = out ? out : &dummy };
	int err;

	mnl_attr_put_u32(nlh, KIPSEC_POL_A_ID, id);
	mnl_attr_nest_end(nlh, n);
	memset(c.one, 0, sizeof(*c.one));
	err = nlt_talk(s, nlh, pol_msg_cb, &c);
	if (!err && c.count != 1)
		return -EPROTO;
	return err;
}

int pol_dump(struct nlt *s, void (*cb)(const struct pol_info *, void *), void *data,
	     unsigned int *count)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_POLICY_GET, NLM_F_DUMP);
	struct pol_cb_ctx c = { .cmd = KIPSEC_CMD_POLICY_GET, .cb = cb, .data = data };
	int err;

	err = nlt_talk(s, nlh, pol_msg_cb, &c);
	if (count)
		*count = c.count;
	return err;
}

int pol_flush(struct nlt *s)
{
	return nlt_talk(s, nlt_msg(s, KIPSEC_CMD_POLICY_FLUSH, 0), NULL, NULL);
}

/* ---- statistics ---- */

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	struct stats_info *st = data;
	const struct nlattr *tb[KIPSEC_A_MAX + 1], *sb[KIPSEC_STATS_A_MAX + 1];
	unsigned int i;

	nlt_parse_msg(nlh, tb, KIPSEC_A_MAX);
	if (!tb[KIPSEC_A_STATS])
		return 0;
	nlt_parse_nest(tb[KIPSEC_A_STATS], sb, KIPSEC_STATS_A_MAX);
	for (i = 1; i <= KIPSEC_STATS_A_MAX; i++) {
		if (!sb[i] || i == KIPSEC_STATS_A_PAD)
			continue;
		st->present[i] = true;
		st->v[i] = mnl_attr_get_u64(sb[i]);
	}
	return 0;
}

int stats_get(struct nlt *s, struct stats_info *out)
{
	memset(out, 0, sizeof(*out));
	return nlt_talk(s, nlt_msg(s, KIPSEC_CMD_STATS_GET, 0), stats_cb, out);
}
