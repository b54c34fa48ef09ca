// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/nl_attr.c: the name of a missing attribute from the
 * kernel's NLMSGERR_ATTR_MISS_TYPE and the offset NLMSGERR_ATTR_MISS_NEST
 * gives of its nest in the request.
 */
#include <stdint.h>
#include <string.h>
#include <linux/genetlink.h>

#include "nl_priv.h"
#include "tap.h"

static char buf[4096];

/* SA_ADD with A_SA { FAMILY, ENC { NAME } }, and POLICY_ADD's A_POLICY { TMPL }. */
static struct nlmsghdr *request(uint32_t *sa, uint32_t *enc, uint32_t *pol, uint32_t *tmpl)
{
	struct nlmsghdr *nlh;
	struct nlattr *n1, *n2;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	mnl_nlmsg_put_extra_header(nlh, sizeof(struct genlmsghdr));
	n1 = mnl_attr_nest_start(nlh, KIPSEC_A_SA);
	*sa = (uint32_t)((char *)n1 - buf);
	mnl_attr_put_u16(nlh, KIPSEC_SA_A_FAMILY, 2);
	n2 = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENC);
	*enc = (uint32_t)((char *)n2 - buf);
	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "aes-gcm");
	mnl_attr_nest_end(nlh, n2);
	mnl_attr_nest_end(nlh, n1);
	n1 = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY);
	*pol = (uint32_t)((char *)n1 - buf);
	n2 = mnl_attr_nest_start(nlh, KIPSEC_POL_A_TMPL);
	*tmpl = (uint32_t)((char *)n2 - buf);
	mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, 50);
	mnl_attr_nest_end(nlh, n2);
	mnl_attr_nest_end(nlh, n1);
	return nlh;
}

int main(void)
{
	uint32_t sa, enc, pol, tmpl;
	struct nlmsghdr *nlh = request(&sa, &enc, &pol, &tmpl);

	is_str(kipsec_attr_name(nlh, false, 0, KIPSEC_A_SA), "KIPSEC_A_SA", "top level: A_SA");
	is_str(kipsec_attr_name(nlh, false, 0, KIPSEC_A_POLICY), "KIPSEC_A_POLICY",
	       "top level: A_POLICY");
	is_str(kipsec_attr_name(nlh, true, sa, KIPSEC_SA_A_SPI), "KIPSEC_SA_A_SPI",
	       "in A_SA: SPI");
	is_str(kipsec_attr_name(nlh, true, sa, KIPSEC_SA_A_MODE), "KIPSEC_SA_A_MODE",
	       "in A_SA: MODE");
	is_str(kipsec_attr_name(nlh, true, enc, KIPSEC_ALG_A_NAME), "KIPSEC_ALG_A_NAME",
	       "in A_SA's ENC: NAME");
	is_str(kipsec_attr_name(nlh, true, pol, KIPSEC_POL_A_DIR), "KIPSEC_POL_A_DIR",
	       "in A_POLICY: DIR");
	is_str(kipsec_attr_name(nlh, true, tmpl, KIPSEC_TMPL_A_MODE), "KIPSEC_TMPL_A_MODE",
	       "in A_POLICY's TMPL: MODE");
	/* Offsets that start no nest, numbers past a set, replies-only attributes. */
	ok(!kipsec_attr_name(nlh, true, sa + 4, KIPSEC_SA_A_SPI), "inside A_SA's header: no name");
	ok(!kipsec_attr_name(nlh, true, 2, KIPSEC_SA_A_SPI), "in the netlink header: no name");
	ok(!kipsec_attr_name(nlh, true, nlh->nlmsg_len + 8, 1), "past the request: no name");
	ok(!kipsec_attr_name(nlh, false, 0, KIPSEC_A_MAX + 1), "past the top set: no name");
	ok(!kipsec_attr_name(nlh, true, sa, KIPSEC_SA_A_STATE), "replies only: no name");
	return tap_done();
}
