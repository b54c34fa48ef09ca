// SPDX-License-Identifier: GPL-2.0
/* libkipsec: security associations (KIPSEC_A_SA) and SPI allocation. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_priv.h"

static void put_alg(struct nlmsghdr *nlh, uint16_t type, const struct kipsec_alg *alg)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, alg->name);
	if (alg->key_len)
		mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, alg->key_len, alg->key);
	if (alg->icv_len)
		mnl_attr_put_u32(nlh, KIPSEC_ALG_A_ICV_LEN, alg->icv_len);
	mnl_attr_nest_end(nlh, n);
}

static void put_life(struct nlmsghdr *nlh, uint16_t type, const struct kipsec_lifetime *l)
{
	struct nlattr *n;

	if (!l->bytes && !l->packets && !l->add_secs && !l->use_secs)
		return;
	n = mnl_attr_nest_start(nlh, type);
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

void kipsec_sa_put(struct nlmsghdr *nlh, const struct kipsec_sa *sa, enum kipsec_sa_put_what what)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, KIPSEC_A_SA);

	mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, sa->src.family ? sa->src.family : sa->dst.family);
	if (what != KIPSEC_SA_PUT_ID)
		kipsec_put_addr(nlh, KIPSEC_SA_A_SRC, &sa->src);
	kipsec_put_addr(nlh, KIPSEC_SA_A_DST, &sa->dst);
	if (what != KIPSEC_SA_PUT_SPI_ALLOC)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI, sa->spi);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_PROTO, sa->proto);
	if (what == KIPSEC_SA_PUT_ID)
		goto out;
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, sa->mode);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_REQID, sa->reqid);
	if (what == KIPSEC_SA_PUT_SPI_ALLOC)
		goto out;
	if (sa->enc.name[0])
		put_alg(nlh, KIPSEC_SA_A_ENC, &sa->enc);
	if (sa->auth.name[0])
		put_alg(nlh, KIPSEC_SA_A_AUTH, &sa->auth);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_REPLAY_WINDOW, sa->replay_window);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_FLAGS, sa->flags);
	put_life(nlh, KIPSEC_SA_A_LIFE_SOFT, &sa->soft);
	put_life(nlh, KIPSEC_SA_A_LIFE_HARD, &sa->hard);
	if (sa->encap_sport || sa->encap_dport) {
		struct nlattr *e = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENCAP);

		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_SPORT, sa->encap_sport);
		mnl_attr_put_u16(nlh, KIPSEC_ENCAP_A_DPORT, sa->encap_dport);
		mnl_attr_nest_end(nlh, e);
	}
	if (sa->mark_mask) {
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_MARK, sa->mark);
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_MARK_MASK, sa->mark_mask);
	}
	if (sa->ifindex)
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_IFINDEX, sa->ifindex);
out:
	mnl_attr_nest_end(nlh, n);
}

static int parse_alg(const struct nlattr *nest, struct kipsec_alg *alg)
{
	const struct nlattr *tb[KIPSEC_ALG_A_MAX + 1];

	if (kipsec_parse_nested(nest, tb, KIPSEC_ALG_A_MAX))
		return -EBADMSG;
	if (!tb[KIPSEC_ALG_A_NAME] || mnl_attr_validate(tb[KIPSEC_ALG_A_NAME], MNL_TYPE_NUL_STRING) < 0 ||
	    mnl_attr_get_payload_len(tb[KIPSEC_ALG_A_NAME]) > KIPSEC_ALG_NAME_MAX)
		return -EBADMSG;
	strcpy(alg->name, mnl_attr_get_str(tb[KIPSEC_ALG_A_NAME]));
	if (tb[KIPSEC_ALG_A_KEY]) {
		uint16_t len = mnl_attr_get_payload_len(tb[KIPSEC_ALG_A_KEY]);

		if (len > KIPSEC_KEY_MAX)
			return -EBADMSG;
		memcpy(alg->key, mnl_attr_get_payload(tb[KIPSEC_ALG_A_KEY]), len);
		alg->key_len = len;
	}
	if (tb[KIPSEC_ALG_A_ICV_LEN] && kipsec_get_u32(tb[KIPSEC_ALG_A_ICV_LEN], &alg->icv_len))
		return -EBADMSG;
	if (tb[KIPSEC_ALG_A_KEY_LEN] && kipsec_get_u32(tb[KIPSEC_ALG_A_KEY_LEN], &alg->size))
		return -EBADMSG;
	if (!tb[KIPSEC_ALG_A_KEY_LEN])
		alg->size = alg->key_len;
	return 0;
}

static int parse_life(const struct nlattr *nest, struct kipsec_lifetime *l)
{
	const struct nlattr *tb[KIPSEC_LIFE_A_MAX + 1];

	if (kipsec_parse_nested(nest, tb, KIPSEC_LIFE_A_MAX))
		return -EBADMSG;
	if ((tb[KIPSEC_LIFE_A_BYTES] && kipsec_get_u64(tb[KIPSEC_LIFE_A_BYTES], &l->bytes)) ||
	    (tb[KIPSEC_LIFE_A_PACKETS] && kipsec_get_u64(tb[KIPSEC_LIFE_A_PACKETS], &l->packets)) ||
	    (tb[KIPSEC_LIFE_A_ADD_SECS] && kipsec_get_u64(tb[KIPSEC_LIFE_A_ADD_SECS], &l->add_secs)) ||
	    (tb[KIPSEC_LIFE_A_USE_SECS] && kipsec_get_u64(tb[KIPSEC_LIFE_A_USE_SECS], &l->use_secs)))
		return -EBADMSG;
	return 0;
}

static int parse_stats(const struct nlattr *nest, struct kipsec_sa_stats *s)
{
	const struct nlattr *tb[KIPSEC_SA_STATS_A_MAX + 1];
	static const struct {
		int type;
		size_t off;
	} map[] = {
		{ KIPSEC_SA_STATS_A_PACKETS, offsetof(struct kipsec_sa_stats, packets) },
		{ KIPSEC_SA_STATS_A_BYTES, offsetof(struct kipsec_sa_stats, bytes) },
		{ KIPSEC_SA_STATS_A_REPLAY_DROPS, offsetof(struct kipsec_sa_stats, replay_drops) },
		{ KIPSEC_SA_STATS_A_AUTH_FAILS, offsetof(struct kipsec_sa_stats, auth_fails) },
		{ KIPSEC_SA_STATS_A_DECRYPT_ERRS, offsetof(struct kipsec_sa_stats, decrypt_errs) },
		{ KIPSEC_SA_STATS_A_POLICY_DROPS, offsetof(struct kipsec_sa_stats, policy_drops) },
	};

	if (kipsec_parse_nested(nest, tb, KIPSEC_SA_STATS_A_MAX))
		return -EBADMSG;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (tb[map[i].type] &&
		    kipsec_get_u64(tb[map[i].type], (uint64_t *)((char *)s + map[i].off)))
			return -EBADMSG;
	return 0;
}

int kipsec_sa_parse(const struct nlattr *nest, struct kipsec_sa *sa)
{
	const struct nlattr *tb[KIPSEC_SA_A_MAX + 1];
	uint16_t family;

	memset(sa, 0, sizeof(*sa));
	if (kipsec_parse_nested(nest, tb, KIPSEC_SA_A_MAX))
		return -EBADMSG;
	if (!tb[KIPSEC_SA_A_FAMILY] || kipsec_get_u16(tb[KIPSEC_SA_A_FAMILY], &family) ||
	    !kipsec_addr_len(family))
		return -EBADMSG;
	sa->src.family = sa->dst.family = family;
	if ((tb[KIPSEC_SA_A_SRC] && kipsec_get_addr(tb[KIPSEC_SA_A_SRC], family, &sa->src)) ||
	    (tb[KIPSEC_SA_A_DST] && kipsec_get_addr(tb[KIPSEC_SA_A_DST], family, &sa->dst)) ||
	    (tb[KIPSEC_SA_A_SPI] && kipsec_get_u32(tb[KIPSEC_SA_A_SPI], &sa->spi)) ||
	    (tb[KIPSEC_SA_A_PROTO] && kipsec_get_u8(tb[KIPSEC_SA_A_PROTO], &sa->proto)) ||
	    (tb[KIPSEC_SA_A_MODE] && kipsec_get_u8(tb[KIPSEC_SA_A_MODE], &sa->mode)) ||
	    (tb[KIPSEC_SA_A_REQID] && kipsec_get_u32(tb[KIPSEC_SA_A_REQID], &sa->reqid)) ||
	    (tb[KIPSEC_SA_A_ENC] && parse_alg(tb[KIPSEC_SA_A_ENC], &sa->enc)) ||
	    (tb[KIPSEC_SA_A_AUTH] && parse_alg(tb[KIPSEC_SA_A_AUTH], &sa->auth)) ||
	    (tb[KIPSEC_SA_A_REPLAY_WINDOW] &&
	     kipsec_get_u32(tb[KIPSEC_SA_A_REPLAY_WINDOW], &sa->replay_window)) ||
	    (tb[KIPSEC_SA_A_FLAGS] && kipsec_get_u32(tb[KIPSEC_SA_A_FLAGS], &sa->flags)) ||
	    (tb[KIPSEC_SA_A_LIFE_SOFT] && parse_life(tb[KIPSEC_SA_A_LIFE_SOFT], &sa->soft)) ||
	    (tb[KIPSEC_SA_A_LIFE_HARD] && parse_life(tb[KIPSEC_SA_A_LIFE_HARD], &sa->hard)) ||
	    (tb[KIPSEC_SA_A_STATE] && kipsec_get_u8(tb[KIPSEC_SA_A_STATE], &sa->state)) ||
	    (tb[KIPSEC_SA_A_STATS] && parse_stats(tb[KIPSEC_SA_A_STATS], &sa->stats)) ||
	    (tb[KIPSEC_SA_A_ADD_TIME] && kipsec_get_u64(tb[KIPSEC_SA_A_ADD_TIME], &sa->add_time)) ||
	    (tb[KIPSEC_SA_A_USE_TIME] && kipsec_get_u64(tb[KIPSEC_SA_A_USE_TIME], &sa->use_time)) ||
	    (tb[KIPSEC_SA_A_SEQ_OUT] && kipsec_get_u64(tb[KIPSEC_SA_A_SEQ_OUT], &sa->seq_out)) ||
	    (tb[KIPSEC_SA_A_SEQ_IN] && kipsec_get_u64(tb[KIPSEC_SA_A_SEQ_IN], &sa->seq_in)) ||
	    (tb[KIPSEC_SA_A_MARK] && kipsec_get_u32(tb[KIPSEC_SA_A_MARK], &sa->mark)) ||
	    (tb[KIPSEC_SA_A_MARK_MASK] &&
	     kipsec_get_u32(tb[KIPSEC_SA_A_MARK_MASK], &sa->mark_mask)) ||
	    (tb[KIPSEC_SA_A_IFINDEX] && kipsec_get_u32(tb[KIPSEC_SA_A_IFINDEX], &sa->ifindex)))
		goto bad;
	if (tb[KIPSEC_SA_A_ENCAP]) {
		const struct nlattr *e[KIPSEC_ENCAP_A_MAX + 1];

		if (kipsec_parse_nested(tb[KIPSEC_SA_A_ENCAP], e, KIPSEC_ENCAP_A_MAX) ||
		    (e[KIPSEC_ENCAP_A_SPORT] && kipsec_get_u16(e[KIPSEC_ENCAP_A_SPORT], &sa->encap_sport)) ||
		    (e[KIPSEC_ENCAP_A_DPORT] && kipsec_get_u16(e[KIPSEC_ENCAP_A_DPORT], &sa->encap_dport)))
			goto bad;
	}
	return 0;
bad:
	kipsec_sa_wipe(sa);
	return -EBADMSG;
}

/* The reply of SA_GET / SPI_ALLOC, or one message of a dump. */
static int one_sa_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];

	if (kipsec_parse_genl(nlh, tb, KIPSEC_A_MAX) || !tb[KIPSEC_A_SA])
		return -EBADMSG;
	return kipsec_sa_parse(tb[KIPSEC_A_SA], arg);
}

int kipsec_sa_add(struct kipsec_nl *h, const struct kipsec_sa *sa, bool replace)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_SA_ADD,
						replace ? NLM_F_REPLACE : NLM_F_CREATE | NLM_F_EXCL);
	int err;

	kipsec_sa_put(nlh, sa, KIPSEC_SA_PUT_FULL);
	err = kipsec_transact(h, nlh, NULL, NULL);
	explicit_bzero(h->tx, nlh->nlmsg_len);
	return err;
}

int kipsec_sa_del(struct kipsec_nl *h, const struct kipsec_sa *sa)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_SA_DEL, 0);

	kipsec_sa_put(nlh, sa, KIPSEC_SA_PUT_ID);
	return kipsec_transact(h, nlh, NULL, NULL);
}

int kipsec_sa_get(struct kipsec_nl *h, struct kipsec_sa *sa, bool keys)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_SA_GET, 0);
	struct kipsec_sa got;
	int err;

	kipsec_sa_put(nlh, sa, KIPSEC_SA_PUT_ID);
	if (keys)
		mnl_attr_put(nlh, KIPSEC_A_SHOW_KEYS, 0, NULL);
	memset(&got, 0, sizeof(got));
	got.src.family = 0;
	err = kipsec_transact(h, nlh, one_sa_cb, &got);
	if (!err && !got.src.family)
		err = -EBADMSG;		/* ACK without the SA */
	if (!err)
		*sa = got;
	kipsec_sa_wipe(&got);
	return err;
}

void kipsec_sa_list_free(struct kipsec_sa *sas, size_t n)
{
	if (!sas)
		return;
	explicit_bzero(sas, n * sizeof(*sas));
	free(sas);
}

int kipsec_sa_dump(struct kipsec_nl *h, bool keys, struct kipsec_sa **out, size_t *n)
{
	return kipsec_dump_list(h, KIPSEC_CMD_SA_GET, keys, sizeof(**out), one_sa_cb,
				(void **)out, n);
}

int kipsec_sa_flush(struct kipsec_nl *h, uint8_t proto)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_SA_FLUSH, 0);

	if (proto)
		mnl_attr_put_u8(nlh, KIPSEC_A_PROTO, proto);
	return kipsec_transact(h, nlh, NULL, NULL);
}

int kipsec_spi_alloc(struct kipsec_nl *h, struct kipsec_sa *sa, uint32_t min, uint32_t max)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_SPI_ALLOC, 0);
	struct kipsec_sa got;
	int err;

	kipsec_sa_put(nlh, sa, KIPSEC_SA_PUT_SPI_ALLOC);
	mnl_attr_put_u32(nlh, KIPSEC_A_SPI_MIN, min);
	mnl_attr_put_u32(nlh, KIPSEC_A_SPI_MAX, max);
	memset(&got, 0, sizeof(got));
	err = kipsec_transact(h, nlh, one_sa_cb, &got);
	if (!err && !got.spi)
		err = -EBADMSG;
	if (!err)
		sa->spi = got.spi;
	return err;
}
