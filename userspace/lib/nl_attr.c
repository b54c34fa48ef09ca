// SPDX-License-Identifier: GPL-2.0
/*
 * libkipsec: the names of the family's request attributes, for the kernel's
 * "missing attribute" answer.  The kernel names a missing attribute by
 * number (NLMSGERR_ATTR_MISS_TYPE) and, inside a nest, by the offset of
 * that nest in the request (NLMSGERR_ATTR_MISS_NEST); the request it
 * answers is still in our buffer, so the nest's place there tells which
 * attribute set the number belongs to.
 */
#include <stddef.h>
#include <stdint.h>
#include <linux/genetlink.h>

#include "nl_priv.h"

#define N(a) [a] = #a

static const char *const top_names[KIPSEC_A_MAX + 1] = {
	N(KIPSEC_A_SA), N(KIPSEC_A_POLICY), N(KIPSEC_A_SPI_MIN), N(KIPSEC_A_SPI_MAX),
	N(KIPSEC_A_PROTO), N(KIPSEC_A_SHOW_KEYS),
};

static const char *const sa_names[KIPSEC_SA_A_MAX + 1] = {
	N(KIPSEC_SA_A_FAMILY), N(KIPSEC_SA_A_SRC), N(KIPSEC_SA_A_DST), N(KIPSEC_SA_A_SPI),
	N(KIPSEC_SA_A_PROTO), N(KIPSEC_SA_A_MODE), N(KIPSEC_SA_A_REQID), N(KIPSEC_SA_A_ENC),
	N(KIPSEC_SA_A_AUTH), N(KIPSEC_SA_A_REPLAY_WINDOW), N(KIPSEC_SA_A_FLAGS),
	N(KIPSEC_SA_A_LIFE_SOFT), N(KIPSEC_SA_A_LIFE_HARD), N(KIPSEC_SA_A_ENCAP),
	N(KIPSEC_SA_A_SEQ_OUT),
};

static const char *const alg_names[KIPSEC_ALG_A_MAX + 1] = {
	N(KIPSEC_ALG_A_NAME), N(KIPSEC_ALG_A_KEY), N(KIPSEC_ALG_A_ICV_LEN),
};

static const char *const life_names[KIPSEC_LIFE_A_MAX + 1] = {
	N(KIPSEC_LIFE_A_BYTES), N(KIPSEC_LIFE_A_PACKETS), N(KIPSEC_LIFE_A_ADD_SECS),
	N(KIPSEC_LIFE_A_USE_SECS),
};

static const char *const encap_names[KIPSEC_ENCAP_A_MAX + 1] = {
	N(KIPSEC_ENCAP_A_SPORT), N(KIPSEC_ENCAP_A_DPORT),
};

static const char *const pol_names[KIPSEC_POL_A_MAX + 1] = {
	N(KIPSEC_POL_A_ID), N(KIPSEC_POL_A_FAMILY), N(KIPSEC_POL_A_SRC),
	N(KIPSEC_POL_A_SRC_PREFIXLEN), N(KIPSEC_POL_A_DST), N(KIPSEC_POL_A_DST_PREFIXLEN),
	N(KIPSEC_POL_A_PROTO), N(KIPSEC_POL_A_SPORT), N(KIPSEC_POL_A_DPORT), N(KIPSEC_POL_A_DIR),
	N(KIPSEC_POL_A_PRIORITY), N(KIPSEC_POL_A_ACTION), N(KIPSEC_POL_A_LEVEL),
	N(KIPSEC_POL_A_TMPL),
};

static const char *const tmpl_names[KIPSEC_TMPL_A_MAX + 1] = {
	N(KIPSEC_TMPL_A_PROTO), N(KIPSEC_TMPL_A_MODE), N(KIPSEC_TMPL_A_FAMILY),
	N(KIPSEC_TMPL_A_SRC), N(KIPSEC_TMPL_A_DST), N(KIPSEC_TMPL_A_REQID),
};

#undef N

/* An attribute set: its names, and the set each of its nests holds. */
struct attr_set {
	const char *const *names;
	unsigned int max;
	const struct attr_set *(*nested)(unsigned int type);
};

static const struct attr_set *sa_nested(unsigned int type);
static const struct attr_set *pol_nested(unsigned int type);
static const struct attr_set *top_nested(unsigned int type);

static const struct attr_set top_set = { top_names, KIPSEC_A_MAX, top_nested };
static const struct attr_set sa_set = { sa_names, KIPSEC_SA_A_MAX, sa_nested };
static const struct attr_set alg_set = { alg_names, KIPSEC_ALG_A_MAX, NULL };
static const struct attr_set life_set = { life_names, KIPSEC_LIFE_A_MAX, NULL };
static const struct attr_set encap_set = { encap_names, KIPSEC_ENCAP_A_MAX, NULL };
static const struct attr_set pol_set = { pol_names, KIPSEC_POL_A_MAX, pol_nested };
static const struct attr_set tmpl_set = { tmpl_names, KIPSEC_TMPL_A_MAX, NULL };

static const struct attr_set *top_nested(unsigned int type)
{
	return type == KIPSEC_A_SA ? &sa_set : type == KIPSEC_A_POLICY ? &pol_set : NULL;
}

static const struct attr_set *sa_nested(unsigned int type)
{
	switch (type) {
	case KIPSEC_SA_A_ENC:
	case KIPSEC_SA_A_AUTH:
		return &alg_set;
	case KIPSEC_SA_A_LIFE_SOFT:
	case KIPSEC_SA_A_LIFE_HARD:
		return &life_set;
	case KIPSEC_SA_A_ENCAP:
		return &encap_set;
	}
	return NULL;
}

static const struct attr_set *pol_nested(unsigned int type)
{
	return type == KIPSEC_POL_A_TMPL ? &tmpl_set : NULL;
}

/* The attribute among those from start to end of req's bytes that holds offset off. */
static const struct nlattr *attr_holding(const char *req, size_t start, size_t end, uint32_t off)
{
	while (start + sizeof(struct nlattr) <= end) {
		const struct nlattr *a = (const struct nlattr *)(req + start);

		if (a->nla_len < sizeof(*a) || start + a->nla_len > end)
			return NULL;
		if (off >= start && off < start + a->nla_len)
			return a;
		start += MNL_ALIGN(a->nla_len);
	}
	return NULL;
}

/*
 * The set of the nest that starts at offset off of req, found by walking
 * down from the top through the nests that hold off; NULL if none does.
 */
static const struct attr_set *set_at(const struct nlmsghdr *req, uint32_t off)
{
	const struct attr_set *set = &top_set;
	const char *base = (const char *)req;
	size_t start = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(struct genlmsghdr));
	size_t end = req->nlmsg_len;

	while (set && set->nested) {
		const struct nlattr *a = attr_holding(base, start, end, off);
		size_t at;

		if (!a)
			return NULL;
		at = (size_t)((const char *)a - base);
		set = set->nested(mnl_attr_get_type(a));
		if (at == off)
			return set;
		start = at + MNL_ATTR_HDRLEN;
		end = at + a->nla_len;
	}
	return NULL;
}

const char *kipsec_attr_name(const struct nlmsghdr *req, bool in_nest, uint32_t nest_off,
			     uint32_t type)
{
	const struct attr_set *set = in_nest ? set_at(req, nest_off) : &top_set;

	if (!set || type > set->max)
		return NULL;
	return set->names[type];
}
