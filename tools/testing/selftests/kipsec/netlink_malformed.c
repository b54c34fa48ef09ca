// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, malformed messages to any command: against the contract of
 * Documentation/design.md ("Netlink semantics"): exact errnos, an extack
 * with every refusal, and nothing changed by a refused request.  The other
 * commands are in the other netlink_*.c programs; what they share is
 * netlink_lib.c.
 *
 * Each test runs in a network namespace of its own.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "netlink_lib.h"
#include "nltest_harness.h"

/* ====================== malformed messages, any command ====================== */

NL_FIXTURE(malformed)

static void put_raw(struct nlmsghdr *nlh, const void *data, size_t len)
{
	memcpy(mnl_nlmsg_get_payload_tail(nlh), data, len);
	nlh->nlmsg_len += MNL_ALIGN(len);
}

/* A good SA_ADD for 0x5000, then fiddle, then expect EINVAL. */
static struct nlmsghdr *good_sa_add(struct nlt *s, struct nlattr **sa)
{
	struct nlmsghdr *nlh = nlt_msg(s, KIPSEC_CMD_SA_ADD, 0);
	struct sa_req r;

	sa_req_init(&r, 0x5000);
	nlt_put_sa(nlh, &r);
	*sa = first_attr(nlh);
	return nlh;
}

TEST_F(malformed, truncated_and_garbage_attributes)
{
	struct nlmsghdr *nlh;
	struct nlattr *sa;

	/* An attribute header claiming 3 bytes (less than itself). */
	nlh = good_sa_add(self->s, &sa);
	put_raw(nlh, &(struct nlattr){ .nla_len = 3, .nla_type = KIPSEC_SA_A_REQID }, 4);
	close_last_nest(nlh, sa);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "nla_len 3");

	/* An attribute running past the end of its nest. */
	nlh = good_sa_add(self->s, &sa);
	{
		uint8_t raw[8] = { 0 };
		struct nlattr *a = (struct nlattr *)raw;

		a->nla_len = 64;
		a->nla_type = KIPSEC_SA_A_REQID;
		put_raw(nlh, raw, sizeof(raw));
	}
	close_last_nest(nlh, sa);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "nla_len past the nest");

	/* Garbage after the last attribute. */
	nlh = good_sa_add(self->s, &sa);
	put_raw(nlh, "\xff\xff\xff\xff\xde\xad\xbe\xef", 8);
	close_last_nest(nlh, sa);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "garbage in the nest");

	/* A nest of nothing but garbage. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	sa = mnl_attr_nest_start(nlh, KIPSEC_A_SA | NLA_F_NESTED);
	put_raw(nlh, "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d", 13);
	close_last_nest(nlh, sa);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "garbage nest");

	/* A top-level attribute past the end of the message. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_FLUSH, 0);
	put_raw(nlh, &(struct nlattr){ .nla_len = 200, .nla_type = KIPSEC_A_PROTO }, 4);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "top-level overrun");

	/* Integers of the wrong size. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	{
		struct sa_req r;

		sa_req_init(&r, 0x5000);
		r.omit = 1u << KIPSEC_SA_A_SPI;
		nlt_put_sa(nlh, &r);
		sa = first_attr(nlh);
		mnl_attr_put_u16(nlh, KIPSEC_SA_A_SPI, 0x5000);
		close_last_nest(nlh, sa);
	}
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "2-byte SPI");
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	{
		struct sa_req r;

		sa_req_init(&r, 0x5000);
		r.omit = 1u << KIPSEC_SA_A_FAMILY;
		nlt_put_sa(nlh, &r);
		sa = first_attr(nlh);
		mnl_attr_put_u32(nlh, KIPSEC_SA_A_FAMILY, AF_INET);
		close_last_nest(nlh, sa);
	}
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "4-byte FAMILY");

	/* An algorithm name without its NUL. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	{
		struct sa_req r;
		struct nlattr *enc;
		uint8_t key[20];

		sa_req_init(&r, 0x5000);
		r.enc = NULL;
		nlt_put_sa(nlh, &r);
		sa = first_attr(nlh);
		enc = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENC | NLA_F_NESTED);
		mnl_attr_put(nlh, KIPSEC_ALG_A_NAME, 7, "aes-gcm");
		nlt_key(key, 20, 3);
		mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, 20, key);
		mnl_attr_nest_end(nlh, enc);
		close_last_nest(nlh, sa);
	}
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "name without NUL");

	/* Unknown attribute types, in the nest and at the top. */
	nlh = good_sa_add(self->s, &sa);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_MAX + 10, 1);
	close_last_nest(nlh, sa);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "unknown SA attribute");
	nlh = good_sa_add(self->s, &sa);
	mnl_attr_put_u32(nlh, KIPSEC_A_MAX + 10, 1);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "unknown top attribute");

	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(malformed, wrong_nesting)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;
	struct sa_req r;

	/* KIPSEC_A_SA without NLA_F_NESTED. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	sa_req_init(&r, 0x5000);
	nlt_put_sa(nlh, &r);
	first_attr(nlh)->nla_type &= ~NLA_F_NESTED;
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "A_SA not flagged nested");

	/* The ENC nest without NLA_F_NESTED. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	r.enc = NULL;
	nlt_put_sa(nlh, &r);
	n = first_attr(nlh);
	{
		struct nlattr *enc = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENC);
		uint8_t key[20];

		enc->nla_type = KIPSEC_SA_A_ENC;
		mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "aes-gcm");
		nlt_key(key, 20, 4);
		mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, 20, key);
		mnl_attr_nest_end(nlh, enc);
	}
	close_last_nest(nlh, n);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "ENC not flagged nested");

	/* A scalar flagged as a nest. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	sa_req_init(&r, 0x5000);
	r.omit = 1u << KIPSEC_SA_A_SPI;
	nlt_put_sa(nlh, &r);
	n = first_attr(nlh);
	mnl_attr_put_u32(nlh, KIPSEC_SA_A_SPI | NLA_F_NESTED, 0x5000);
	close_last_nest(nlh, n);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "SPI flagged nested");

	/* The SA's attributes at the top level, not in KIPSEC_A_SA. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	sa_req_init(&r, 0x5000);
	nlt_put_sa(nlh, &r);
	n = first_attr(nlh);
	memmove(n, mnl_attr_get_payload(n), mnl_attr_get_payload_len(n));
	nlh->nlmsg_len -= MNL_ATTR_HDRLEN;
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "SA attributes at the top");

	/* An SA nest inside the SA nest. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	n = mnl_attr_nest_start(nlh, KIPSEC_A_SA | NLA_F_NESTED);
	nlt_put_sa(nlh, &r);
	mnl_attr_nest_end(nlh, n);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "A_SA in A_SA");

	/* The SA sent as KIPSEC_A_POLICY. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	nlt_put_sa(nlh, &r);
	first_attr(nlh)->nla_type = KIPSEC_A_POLICY | NLA_F_NESTED;
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "SA in A_POLICY");

	/* A policy sent to SA_ADD: no KIPSEC_A_SA. */
	{
		struct pol_req p;

		pol_req_init(&p);
		nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
		nlt_put_pol(nlh, &p);
		EXPECT_MISSING(self->s, nlt_talk(self->s, nlh, NULL, NULL), "policy to SA_ADD",
			       KIPSEC_A_SA, false);
	}
	/* An ALG nest at the top level. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	nlt_put_sa(nlh, &r);
	n = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENC | NLA_F_NESTED);
	mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "aes-gcm");
	mnl_attr_nest_end(nlh, n);
	EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "ENC at the top");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(malformed, headers_and_commands)
{
	struct nlmsghdr *nlh;
	int err;

	/* A message too short for its generic netlink header: refused by
	 * genetlink itself, before kipsec sees it (no kipsec extack).
	 */
	nlh = nlt_msg(self->s, KIPSEC_CMD_STATS_GET, 0);
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	err = nlt_talk(self->s, nlh, NULL, NULL);
	EXPECT_EQ(-EINVAL, err) TH_LOG("truncated genl header: %s", strerror(-err));

	/* Event-only commands and unknown ones are not requests. */
	err = nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_ACQUIRE, 0), NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("ACQUIRE as a request: %s", strerror(-err));
	err = nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_EXPIRE, 0), NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("EXPIRE as a request: %s", strerror(-err));
	err = nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_MAX + 1, 0), NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("command %d: %s", KIPSEC_CMD_MAX + 1, strerror(-err));
	err = nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_UNSPEC, 0), NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("command 0: %s", strerror(-err));
	/* No dump for commands that have none. */
	err = nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_SA_FLUSH, NLM_F_DUMP), NULL, NULL);
	EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("SA_FLUSH dump: %s", strerror(-err));
	/* Still alive and answering. */
	{
		struct stats_info st;

		EXPECT_OK(self->s, stats_get(self->s, &st), "stats after all that");
	}
}

TEST_HARNESS_MAIN
