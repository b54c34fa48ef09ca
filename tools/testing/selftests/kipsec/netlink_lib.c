// SPDX-License-Identifier: GPL-2.0
/* The helpers of the netlink_*.c programs (netlink_lib.h). */
#include <string.h>

#include "netlink_lib.h"

const struct hmac hmacs[N_HMACS] = {
	{ "hmac-md5", 16, 12 },
	{ "hmac-sha1", 20, 12 },
	{ "hmac-sha2-256", 32, 16 },
	{ "hmac-sha2-384", 48, 24 },
	{ "hmac-sha2-512", 64, 32 },
};

const struct sa_required sa_required[N_SA_REQUIRED] = {
	{ KIPSEC_SA_A_FAMILY, "family" },
	{ KIPSEC_SA_A_SRC, "src" },
	{ KIPSEC_SA_A_DST, "dst" },
	{ KIPSEC_SA_A_SPI, "spi" },
	{ KIPSEC_SA_A_PROTO, "proto" },
	{ KIPSEC_SA_A_MODE, "mode" },
};

static uint64_t count(struct nlt *s, int which)
{
	struct stats_info st;

	if (stats_get(s, &st))
		return ~0ULL;
	return st.v[which];
}

uint64_t sa_count(struct nlt *s)
{
	return count(s, KIPSEC_STATS_A_SA_COUNT);
}

uint64_t pol_count(struct nlt *s)
{
	return count(s, KIPSEC_STATS_A_POLICY_COUNT);
}

struct nlattr *first_attr(struct nlmsghdr *nlh)
{
	return mnl_nlmsg_get_payload_offset(nlh, GENL_HDRLEN);
}

void close_last_nest(struct nlmsghdr *nlh, struct nlattr *nest)
{
	nest->nla_len = (char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)nest;
}
