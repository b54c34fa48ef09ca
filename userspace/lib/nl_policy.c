// SPDX-License-Identifier: GPL-2.0
/* libkipsec: security policies (KIPSEC_A_POLICY) and global statistics. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "nl_priv.h"

static void put_tmpl(struct nlmsghdr *nlh, const struct kipsec_tmpl *t)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, KIPSEC_POL_A_TMPL);
	uint16_t family = t->dst.family ? t->dst.family : t->src.family;

	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, t->proto);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, t->mode);
	if (family)
		mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY, family);
	if (t->src.family)
		kipsec_put_addr(nlh, KIPSEC_TMPL_A_SRC, &t->src);
	if (t->dst.family)
		kipsec_put_addr(nlh, KIPSEC_TMPL_A_DST, &t->dst);
	mnl_attr_put_u32(nlh, KIPSEC_TMPL_A_REQID, t->reqid);
	mnl_attr_nest_end(nlh, n);
}

/* for_del: the id alone when known, else direction and selector. */
void kipsec_policy_put(struct nlmsghdr *nlh, uint16_t type, const struct kipsec_policy *pol,
		       bool for_del)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	if (pol->id) {
		mnl_attr_put_u32(nlh, KIPSEC_POL_A_ID, pol->id);
		if (for_del)
			goto out;
	}
	mnl_attr_put_u16(nlh, KIPSEC_POL_A_FAMILY, pol->src.family);
	kipsec_put_addr(nlh, KIPSEC_POL_A_SRC, &pol->src);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_SRC_PREFIXLEN, pol->src_plen);
	kipsec_put_addr(nlh, KIPSEC_POL_A_DST, &pol->dst);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DST_PREFIXLEN, pol->dst_plen);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_PROTO, pol->proto);
	mnl_attr_put_u16(nlh, KIPSEC_POL_A_SPORT, pol->sport);
	mnl_attr_put_u16(nlh, KIPSEC_POL_A_DPORT, pol->dport);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, pol->dir);
	if (for_del)
		goto out;
	mnl_attr_put_u32(nlh, KIPSEC_POL_A_PRIORITY, pol->priority);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_ACTION, pol->action);
	if (pol->action == KIPSEC_ACTION_PROTECT) {
		mnl_attr_put_u8(nlh, KIPSEC_POL_A_LEVEL, pol->level);
		if (pol->has_tmpl)
			put_tmpl(nlh, &pol->tmpl);
	}
out:
	mnl_attr_nest_end(nlh, n);
}

static int parse_tmpl(const struct nlattr *nest, struct kipsec_tmpl *t)
{
	const struct nlattr *tb[KIPSEC_TMPL_A_MAX + 1];
	uint16_t family = 0;

	if (kipsec_parse_nested(nest, tb, KIPSEC_TMPL_A_MAX))
		return -EBADMSG;
	if ((tb[KIPSEC_TMPL_A_PROTO] && kipsec_get_u8(tb[KIPSEC_TMPL_A_PROTO], &t->proto)) ||
	    (tb[KIPSEC_TMPL_A_MODE] && kipsec_get_u8(tb[KIPSEC_TMPL_A_MODE], &t->mode)) ||
	    (tb[KIPSEC_TMPL_A_FAMILY] && kipsec_get_u16(tb[KIPSEC_TMPL_A_FAMILY], &family)) ||
	    (tb[KIPSEC_TMPL_A_REQID] && kipsec_get_u32(tb[KIPSEC_TMPL_A_REQID], &t->reqid)) ||
	    (tb[KIPSEC_TMPL_A_SRC] && kipsec_get_addr(tb[KIPSEC_TMPL_A_SRC], family, &t->src)) ||
	    (tb[KIPSEC_TMPL_A_DST] && kipsec_get_addr(tb[KIPSEC_TMPL_A_DST], family, &t->dst)))
		return -EBADMSG;
	return 0;
}

int kipsec_policy_parse(const struct nlattr *nest, struct kipsec_policy *pol)
{
	const struct nlattr *tb[KIPSEC_POL_A_MAX + 1];
	uint16_t family = 0;

	memset(pol, 0, sizeof(*pol));
	if (kipsec_parse_nested(nest, tb, KIPSEC_POL_A_MAX))
		return -EBADMSG;
	if (tb[KIPSEC_POL_A_FAMILY] && kipsec_get_u16(tb[KIPSEC_POL_A_FAMILY], &family))
		return -EBADMSG;
	pol->src.family = pol->dst.family = family;
	if ((tb[KIPSEC_POL_A_ID] && kipsec_get_u32(tb[KIPSEC_POL_A_ID], &pol->id)) ||
	    (tb[KIPSEC_POL_A_SRC] && kipsec_get_addr(tb[KIPSEC_POL_A_SRC], family, &pol->src)) ||
	    (tb[KIPSEC_POL_A_DST] && kipsec_get_addr(tb[KIPSEC_POL_A_DST], family, &pol->dst)) ||
	    (tb[KIPSEC_POL_A_SRC_PREFIXLEN] &&
	     kipsec_get_u8(tb[KIPSEC_POL_A_SRC_PREFIXLEN], &pol->src_plen)) ||
	    (tb[KIPSEC_POL_A_DST_PREFIXLEN] &&
	     kipsec_get_u8(tb[KIPSEC_POL_A_DST_PREFIXLEN], &pol->dst_plen)) ||
	    (tb[KIPSEC_POL_A_PROTO] && kipsec_get_u8(tb[KIPSEC_POL_A_PROTO], &pol->proto)) ||
	    (tb[KIPSEC_POL_A_SPORT] && kipsec_get_u16(tb[KIPSEC_POL_A_SPORT], &pol->sport)) ||
	    (tb[KIPSEC_POL_A_DPORT] && kipsec_get_u16(tb[KIPSEC_POL_A_DPORT], &pol->dport)) ||
	    (tb[KIPSEC_POL_A_DIR] && kipsec_get_u8(tb[KIPSEC_POL_A_DIR], &pol->dir)) ||
	    (tb[KIPSEC_POL_A_PRIORITY] && kipsec_get_u32(tb[KIPSEC_POL_A_PRIORITY], &pol->priority)) ||
	    (tb[KIPSEC_POL_A_ACTION] && kipsec_get_u8(tb[KIPSEC_POL_A_ACTION], &pol->action)) ||
	    (tb[KIPSEC_POL_A_LEVEL] && kipsec_get_u8(tb[KIPSEC_POL_A_LEVEL], &pol->level)))
		return -EBADMSG;
	if (tb[KIPSEC_POL_A_TMPL]) {
		pol->has_tmpl = true;
		if (parse_tmpl(tb[KIPSEC_POL_A_TMPL], &pol->tmpl))
			return -EBADMSG;
	}
	if (tb[KIPSEC_POL_A_STATS]) {
		const struct nlattr *s[KIPSEC_POL_STATS_A_MAX + 1];

		if (kipsec_parse_nested(tb[KIPSEC_POL_A_STATS], s, KIPSEC_POL_STATS_A_MAX) ||
		    (s[KIPSEC_POL_STATS_A_PACKETS] &&
		     kipsec_get_u64(s[KIPSEC_POL_STATS_A_PACKETS], &pol->packets)) ||
		    (s[KIPSEC_POL_STATS_A_BYTES] &&
		     kipsec_get_u64(s[KIPSEC_POL_STATS_A_BYTES], &pol->bytes)))
			return -EBADMSG;
	}
	return 0;
}

static int one_pol_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];

	if (kipsec_parse_genl(nlh, tb, KIPSEC_A_MAX) || !tb[KIPSEC_A_POLICY])
		return -EBADMSG;
	return kipsec_policy_parse(tb[KIPSEC_A_POLICY], arg);
}

int kipsec_policy_add(struct kipsec_nl *h, struct kipsec_policy *pol)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_POLICY_ADD, NLM_F_CREATE | NLM_F_EXCL);
	struct kipsec_policy got;
	uint32_t id = pol->id;
	int err;

	pol->id = 0;	/* the kernel assigns it */
	kipsec_policy_put(nlh, KIPSEC_A_POLICY, pol, false);
	pol->id = id;
	memset(&got, 0, sizeof(got));
	err = kipsec_transact(h, nlh, one_pol_cb, &got);
	if (!err)
		pol->id = got.id;
	return err;
}

int kipsec_policy_del(struct kipsec_nl *h, const struct kipsec_policy *pol)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_POLICY_DEL, 0);

	kipsec_policy_put(nlh, KIPSEC_A_POLICY, pol, true);
	return kipsec_transact(h, nlh, NULL, NULL);
}

int kipsec_policy_get(struct kipsec_nl *h, uint32_t id, struct kipsec_policy *out)
{
	struct nlmsghdr *nlh = kipsec_msg_start(h, KIPSEC_CMD_POLICY_GET, 0);
	struct nlattr *n = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	int err;

	mnl_attr_put_u32(nlh, KIPSEC_POL_A_ID, id);
	mnl_attr_nest_end(nlh, n);
	memset(out, 0, sizeof(*out));
	err = kipsec_transact(h, nlh, one_pol_cb, out);
	if (!err && !out->id)
		err = -EBADMSG;
	return err;
}

int kipsec_policy_dump(struct kipsec_nl *h, struct kipsec_policy **out, size_t *n)
{
	return kipsec_dump_list(h, KIPSEC_CMD_POLICY_GET, false, sizeof(**out), one_pol_cb,
				(void **)out, n);
}

int kipsec_policy_flush(struct kipsec_nl *h)
{
	return kipsec_transact(h, kipsec_msg_start(h, KIPSEC_CMD_POLICY_FLUSH, 0), NULL, NULL);
}

static int stats_cb(const struct nlmsghdr *nlh, void *arg)
{
	const struct nlattr *tb[KIPSEC_A_MAX + 1];
	const struct nlattr *s[KIPSEC_STATS_A_MAX + 1];
	uint64_t *v = arg;	/* struct kipsec_stats in attribute order, PAD left out */

	if (kipsec_parse_genl(nlh, tb, KIPSEC_A_MAX) || !tb[KIPSEC_A_STATS] ||
	    kipsec_parse_nested(tb[KIPSEC_A_STATS], s, KIPSEC_STATS_A_MAX))
		return -EBADMSG;
	for (int t = KIPSEC_STATS_A_SA_COUNT; t <= KIPSEC_STATS_A_MAX; t++) {
		if (t == KIPSEC_STATS_A_PAD)
			continue;
		if (s[t] && kipsec_get_u64(s[t], &v[t - KIPSEC_STATS_A_SA_COUNT -
						    (t > KIPSEC_STATS_A_PAD)]))
			return -EBADMSG;
	}
	return 0;
}

int kipsec_stats_get(struct kipsec_nl *h, struct kipsec_stats *st)
{
	_Static_assert(sizeof(struct kipsec_stats) ==
		       (KIPSEC_STATS_A_MAX - KIPSEC_STATS_A_SA_COUNT) * sizeof(uint64_t),
		       "struct kipsec_stats must follow enum kipsec_stats_attr");
	memset(st, 0, sizeof(*st));
	return kipsec_transact(h, kipsec_msg_start(h, KIPSEC_CMD_STATS_GET, 0), stats_cb, st);
}
