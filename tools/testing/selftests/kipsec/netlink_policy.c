// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, the policy commands: against the contract of
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

/* ============================== policies ============================== */

NL_FIXTURE(policy)

TEST_F(policy, add_get)
{
	struct pol_info pi;
	struct pol_req p;
	uint32_t id, id2;

	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "add");
	EXPECT_GT(id, 0);
	ASSERT_OK(self->s, pol_get(self->s, id, &pi), "get");
	EXPECT_EQ(id, pi.id);
	EXPECT_EQ(AF_INET, pi.family);
	EXPECT_EQ(0, memcmp(p.src, pi.src, 4));
	EXPECT_EQ(24, pi.src_plen);
	EXPECT_EQ(0, memcmp(p.dst, pi.dst, 4));
	EXPECT_EQ(24, pi.dst_plen);
	EXPECT_EQ(KIPSEC_DIR_OUT, pi.dir);
	EXPECT_EQ(KIPSEC_ACTION_PROTECT, pi.action);
	EXPECT_EQ(KIPSEC_LEVEL_REQUIRE, pi.level) TH_LOG("the default level is require");
	EXPECT_EQ(1000, pi.priority) TH_LOG("the default priority is 1000");
	EXPECT_TRUE(pi.tmpl);
	EXPECT_EQ(IPPROTO_ESP, pi.t_proto);
	EXPECT_EQ(KIPSEC_MODE_TUNNEL, pi.t_mode);
	EXPECT_EQ(AF_INET, pi.t_family);
	EXPECT_EQ(0, memcmp(p.t_src, pi.t_src, 4));
	EXPECT_EQ(0, memcmp(p.t_dst, pi.t_dst, 4));

	/* Transport mode, AH, level use, ports, priority, IPv6. */
	pol_req_init(&p);
	pol_req_sel(&p, "fd01::/64", "fd02::1/128");
	p.dir = KIPSEC_DIR_IN;
	p.proto = IPPROTO_TCP;
	p.sport = 1024;
	p.dport = 443;
	p.priority = 10;
	p.level = KIPSEC_LEVEL_USE;
	p.t_proto = IPPROTO_AH;
	p.t_mode = KIPSEC_MODE_TRANSPORT;
	p.t_family = 0;
	p.t_reqid = 42;
	ASSERT_OK(self->s, pol_add(self->s, &p, &id2), "add IPv6");
	EXPECT_NE(id, id2);
	ASSERT_OK(self->s, pol_get(self->s, id2, &pi), "get IPv6");
	EXPECT_EQ(AF_INET6, pi.family);
	EXPECT_EQ(0, memcmp(p.dst, pi.dst, 16));
	EXPECT_EQ(128, pi.dst_plen);
	EXPECT_EQ(IPPROTO_TCP, pi.proto);
	EXPECT_EQ(1024, pi.sport);
	EXPECT_EQ(443, pi.dport);
	EXPECT_EQ(KIPSEC_DIR_IN, pi.dir);
	EXPECT_EQ(10, pi.priority);
	EXPECT_EQ(KIPSEC_LEVEL_USE, pi.level);
	EXPECT_EQ(IPPROTO_AH, pi.t_proto);
	EXPECT_EQ(KIPSEC_MODE_TRANSPORT, pi.t_mode);
	EXPECT_EQ(42, pi.t_reqid);

	/* design.md: a tunnel's own end (SRC) may be left to routing. */
	pol_req_init(&p);
	pol_req_sel(&p, "10.5.0.0/24", "10.6.0.0/24");
	p.t_omit = 1u << KIPSEC_TMPL_A_SRC;
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "tunnel template without SRC");
	ASSERT_OK(self->s, pol_get(self->s, id, &pi), "get it");
	EXPECT_EQ(KIPSEC_MODE_TUNNEL, pi.t_mode);
	EXPECT_EQ(AF_INET, pi.t_family);
	EXPECT_EQ(0, memcmp(p.t_dst, pi.t_dst, 4));
	EXPECT_FALSE(pi.tmpl_present[KIPSEC_TMPL_A_SRC] &&
		     memcmp(pi.t_src, "\0\0\0\0", 4))
		TH_LOG("a source nobody gave");

	/* BYPASS and DISCARD take no template; a /0 selector needs no address. */
	pol_req_init(&p);
	p.tmpl = false;
	p.action = KIPSEC_ACTION_BYPASS;
	p.dir = KIPSEC_DIR_FWD;
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "bypass");
	ASSERT_OK(self->s, pol_get(self->s, id, &pi), "get bypass");
	EXPECT_EQ(KIPSEC_ACTION_BYPASS, pi.action);
	EXPECT_FALSE(pi.tmpl) TH_LOG("a bypass policy reported with a template");
	pol_req_init(&p);
	p.tmpl = false;
	p.action = KIPSEC_ACTION_DISCARD;
	p.omit = 1u << KIPSEC_POL_A_SRC | 1u << KIPSEC_POL_A_DST;
	p.src_plen = 0;
	p.dst_plen = -1;
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "discard, /0 without addresses");
	ASSERT_OK(self->s, pol_get(self->s, id, &pi), "get discard");
	EXPECT_EQ(0, pi.src_plen);
	EXPECT_EQ(0, pi.dst_plen);
	EXPECT_EQ(KIPSEC_ACTION_DISCARD, pi.action);
	EXPECT_EQ(5, pol_count(self->s));
	/* Ports with SCTP and UDP. */
	pol_req_init(&p);
	p.proto = IPPROTO_SCTP;
	p.dport = 9;
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "SCTP port");
	pol_req_init(&p);
	p.proto = IPPROTO_UDP;
	p.sport = 500;
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "UDP port");
	EXPECT_EQ(7, pol_count(self->s));
}

TEST_F(policy, get_errors)
{
	struct nlmsghdr *nlh;
	struct nlattr *n;
	uint32_t id;
	struct pol_req p;

	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "add");
	EXPECT_REFUSED(self->s, ENOENT, pol_get(self->s, id + 1, NULL), "unknown id");
	EXPECT_REFUSED(self->s, ENOENT, pol_get(self->s, 0x7fffffff, NULL), "unknown id");
	nlh = nlt_msg(self->s, KIPSEC_CMD_POLICY_GET, 0);
	n = mnl_attr_nest_start(nlh, KIPSEC_A_POLICY | NLA_F_NESTED);
	mnl_attr_put_u8(nlh, KIPSEC_POL_A_DIR, KIPSEC_DIR_OUT);
	mnl_attr_nest_end(nlh, n);
	EXPECT_MISSING(self->s, nlt_talk(self->s, nlh, NULL, NULL), "POLICY_GET without ID",
		       KIPSEC_POL_A_ID, true);
	EXPECT_MISSING(self->s,
		       nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_POLICY_GET, 0), NULL, NULL),
		       "POLICY_GET without A_POLICY", KIPSEC_A_POLICY, false);
	EXPECT_OK(self->s, pol_get(self->s, id, NULL), "still there");
}

struct pol_seen {
	unsigned int n, dups;
	uint32_t ids[64];
	uint8_t seen[64];
};

static void mark_pol(const struct pol_info *pi, void *data)
{
	struct pol_seen *d = data;
	unsigned int i;

	d->n++;
	for (i = 0; i < 64; i++)
		if (d->ids[i] == pi->id && d->seen[i]++)
			d->dups++;
}

TEST_F(policy, dump)
{
	struct pol_seen d;
	struct pol_req p;
	char src[32];
	unsigned int i, n;

	ASSERT_OK(self->s, pol_dump(self->s, NULL, NULL, &n), "empty dump");
	EXPECT_EQ(0, n);
	memset(&d, 0, sizeof(d));
	for (i = 0; i < 40; i++) {
		pol_req_init(&p);
		snprintf(src, sizeof(src), "10.%u.0.0/16", i + 1);
		pol_req_sel(&p, src, "10.200.0.0/16");
		p.dir = 1 + i % 3;
		ASSERT_OK(self->s, pol_add(self->s, &p, &d.ids[i]), "add");
	}
	ASSERT_OK(self->s, pol_dump(self->s, mark_pol, &d, &n), "dump");
	EXPECT_EQ(40, d.n);
	EXPECT_EQ(0, d.dups);
	for (i = 0; i < 40; i++)
		EXPECT_EQ(1, d.seen[i]) TH_LOG("policy %u seen %u times", d.ids[i], d.seen[i]);
	EXPECT_EQ(0, self->s->intr);
	EXPECT_EQ(40, pol_count(self->s));
}

TEST_F(policy, duplicate)
{
	struct pol_req p;

	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, NULL), "add");
	EXPECT_REFUSED_MSG(self->s, EEXIST, pol_add(self->s, &p, NULL), "same policy", "exists");
	/* Same direction and selector, other action or priority: still a duplicate. */
	p.priority = 5;
	EXPECT_REFUSED(self->s, EEXIST, pol_add(self->s, &p, NULL), "other priority");
	p.tmpl = false;
	p.action = KIPSEC_ACTION_DISCARD;
	EXPECT_REFUSED(self->s, EEXIST, pol_add(self->s, &p, NULL), "other action");
	/* Another direction is another policy. */
	p.dir = KIPSEC_DIR_IN;
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "other direction");
	/* So is another protocol, port or prefix. */
	p.proto = IPPROTO_UDP;
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "other protocol");
	p.dport = 53;
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "other port");
	pol_req_sel(&p, "10.1.0.0/25", "10.2.0.0/24");
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "other prefix");
	EXPECT_REFUSED(self->s, EEXIST, pol_add(self->s, &p, NULL), "that one twice");
	EXPECT_EQ(5, pol_count(self->s));
}

TEST_F(policy, bad_selector)
{
	struct pol_req p;

	/* Host bits past the prefix. */
	pol_req_init(&p);
	pol_req_sel(&p, "10.1.0.1/24", "10.2.0.0/24");
	EXPECT_REFUSED_MSG(self->s, EINVAL, pol_add(self->s, &p, NULL), "10.1.0.1/24", "bits");
	pol_req_init(&p);
	pol_req_sel(&p, "10.1.0.0/24", "10.2.0.128/24");
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "10.2.0.128/24");
	pol_req_init(&p);
	pol_req_sel(&p, "fd01::1/64", "fd02::/64");
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "fd01::1/64");
	pol_req_init(&p);
	pol_req_sel(&p, "10.1.0.0/0", "10.2.0.0/24");
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "10.1.0.0/0");
	/* Prefix lengths past the family's. */
	pol_req_init(&p);
	p.src_plen = 33;
	EXPECT_REFUSED_MSG(self->s, EINVAL, pol_add(self->s, &p, NULL), "/33", "prefix");
	pol_req_init(&p);
	p.dst_plen = 64;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "IPv4 /64");
	/* A prefix above 0 without its address. */
	pol_req_init(&p);
	p.omit = 1u << KIPSEC_POL_A_DST;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "/24 without address");
	/* Addresses of the wrong size or family. */
	pol_req_init(&p);
	p.addr_len = 5;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "5-byte addresses");
	pol_req_init(&p);
	p.addr_len = 16;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "AF_INET 16 bytes");
	pol_req_init(&p);
	p.family = AF_UNIX;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "AF_UNIX");
	/* Ports need TCP, UDP or SCTP. */
	pol_req_init(&p);
	p.sport = 80;
	EXPECT_REFUSED_MSG(self->s, EINVAL, pol_add(self->s, &p, NULL), "port, any protocol",
			   "port");
	pol_req_init(&p);
	p.proto = IPPROTO_ICMP;
	p.dport = 8;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "ICMP with a port");
	pol_req_init(&p);
	p.proto = IPPROTO_ESP;
	p.sport = 1;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "ESP with a port");
	EXPECT_EQ(0, pol_count(self->s));
}

TEST_F(policy, bad_template)
{
	static const struct {
		int attr;
		const char *name;
	} tunnel_needs[] = {
		{ KIPSEC_TMPL_A_FAMILY, "family" },
		{ KIPSEC_TMPL_A_DST, "dst" },
		{ KIPSEC_TMPL_A_PROTO, "proto" },
		{ KIPSEC_TMPL_A_MODE, "mode" },
	};
	struct pol_req p;
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(tunnel_needs) / sizeof(tunnel_needs[0]); i++) {
		pol_req_init(&p);
		p.t_omit = 1u << tunnel_needs[i].attr;
		snprintf(what, sizeof(what), "tunnel template without %s", tunnel_needs[i].name);
		EXPECT_MISSING(self->s, pol_add(self->s, &p, NULL), what, tunnel_needs[i].attr,
			       true);
	}
	/* Tunnel mode without SRC and DST (both left to routing: no peer). */
	pol_req_init(&p);
	p.t_omit = 1u << KIPSEC_TMPL_A_SRC | 1u << KIPSEC_TMPL_A_DST;
	EXPECT_MISSING(self->s, pol_add(self->s, &p, NULL), "tunnel template, no peer",
		       KIPSEC_TMPL_A_DST, true);
	/* Transport mode: the packet's addresses are the endpoints. */
	pol_req_init(&p);
	p.t_mode = KIPSEC_MODE_TRANSPORT;
	EXPECT_REFUSED_MSG(self->s, EINVAL, pol_add(self->s, &p, NULL),
			   "transport template with endpoints", "transport");
	pol_req_init(&p);
	p.t_mode = KIPSEC_MODE_TRANSPORT;
	p.t_omit = 1u << KIPSEC_TMPL_A_SRC | 1u << KIPSEC_TMPL_A_FAMILY;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "transport template with DST");
	/* Only PROTECT takes a template (and a level). */
	pol_req_init(&p);
	p.action = KIPSEC_ACTION_BYPASS;
	EXPECT_REFUSED_MSG(self->s, EINVAL, pol_add(self->s, &p, NULL), "bypass with template",
			   "template");
	pol_req_init(&p);
	p.action = KIPSEC_ACTION_DISCARD;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "discard with template");
	pol_req_init(&p);
	p.action = KIPSEC_ACTION_BYPASS;
	p.tmpl = false;
	p.level = KIPSEC_LEVEL_USE;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "bypass with a level");
	/* PROTECT needs one. */
	pol_req_init(&p);
	p.tmpl = false;
	EXPECT_MISSING(self->s, pol_add(self->s, &p, NULL), "protect without template",
		       KIPSEC_POL_A_TMPL, true);
	/* A template for something other than ESP or AH, or with bad endpoints. */
	pol_req_init(&p);
	p.t_proto = IPPROTO_UDP;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "template for UDP");
	pol_req_init(&p);
	{
		/* IPv6 family, 4-byte endpoints. */
		struct nlmsghdr *nlh = nlt_msg(self->s, KIPSEC_CMD_POLICY_ADD, 0);
		struct nlattr *n, *t;

		p.tmpl = false;
		nlt_put_pol(nlh, &p);
		n = first_attr(nlh);
		t = mnl_attr_nest_start(nlh, KIPSEC_POL_A_TMPL | NLA_F_NESTED);
		mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_PROTO, IPPROTO_ESP);
		mnl_attr_put_u8(nlh, KIPSEC_TMPL_A_MODE, KIPSEC_MODE_TUNNEL);
		mnl_attr_put_u16(nlh, KIPSEC_TMPL_A_FAMILY, AF_INET6);
		mnl_attr_put(nlh, KIPSEC_TMPL_A_SRC, 4, p.t_src);
		mnl_attr_put(nlh, KIPSEC_TMPL_A_DST, 4, p.t_dst);
		mnl_attr_nest_end(nlh, t);
		close_last_nest(nlh, n);
		EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL),
			       "AF_INET6 template with 4-byte endpoints");
	}
	EXPECT_EQ(0, pol_count(self->s));
}

TEST_F(policy, add_missing)
{
	static const struct {
		int attr;
		const char *name;
	} needs[] = {
		{ KIPSEC_POL_A_FAMILY, "family" },
		{ KIPSEC_POL_A_DIR, "dir" },
		{ KIPSEC_POL_A_ACTION, "action" },
	};
	struct pol_req p;
	char what[64];
	unsigned int i;

	EXPECT_MISSING(self->s,
		       nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_POLICY_ADD, 0), NULL, NULL),
		       "no A_POLICY", KIPSEC_A_POLICY, false);
	for (i = 0; i < sizeof(needs) / sizeof(needs[0]); i++) {
		pol_req_init(&p);
		p.omit = 1u << needs[i].attr;
		snprintf(what, sizeof(what), "policy without %s", needs[i].name);
		EXPECT_MISSING(self->s, pol_add(self->s, &p, NULL), what, needs[i].attr, true);
	}
	/* The kernel assigns ids. */
	pol_req_init(&p);
	p.id = 7;
	EXPECT_REFUSED(self->s, EINVAL, pol_add(self->s, &p, NULL), "policy with an ID");
	/* Reply-only statistics in a request. */
	{
		struct nlmsghdr *nlh = nlt_msg(self->s, KIPSEC_CMD_POLICY_ADD, 0);
		struct nlattr *n;

		pol_req_init(&p);
		nlt_put_pol(nlh, &p);
		n = first_attr(nlh);
		mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, KIPSEC_POL_A_STATS | NLA_F_NESTED));
		close_last_nest(nlh, n);
		EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL),
			       "POL_A_STATS in a request");
	}
	EXPECT_EQ(0, pol_count(self->s));
}

/* As sad.add_out_of_range_values: the netlink core refuses with ERANGE. */
TEST_F(policy, add_out_of_range_values)
{
	struct pol_req p;

	pol_req_init(&p);
	pol_req_sel(&p, "fd01::/64", "fd02::/64");
	p.dst_plen = 129;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "IPv6 /129");
	pol_req_init(&p);
	p.src_plen = 255;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "IPv4 /255");
	pol_req_init(&p);
	p.dir = 4;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "direction 4");
	pol_req_init(&p);
	p.dir = 0;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "direction 0");
	pol_req_init(&p);
	p.action = 0;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "action 0");
	pol_req_init(&p);
	p.action = 4;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "action 4");
	pol_req_init(&p);
	p.level = 3;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "level 3");
	pol_req_init(&p);
	p.t_mode = 3;
	EXPECT_REFUSED(self->s, ERANGE, pol_add(self->s, &p, NULL), "template mode 3");
	EXPECT_EQ(0, pol_count(self->s));
}

TEST_F(policy, del)
{
	struct pol_req p, q;
	uint32_t id, id2;
	unsigned int n;

	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "add");
	pol_req_init(&q);
	q.dir = KIPSEC_DIR_IN;
	ASSERT_OK(self->s, pol_add(self->s, &q, &id2), "add inbound");

	/* By id. */
	EXPECT_OK(self->s, pol_del_id(self->s, id), "delete by id");
	EXPECT_REFUSED(self->s, ENOENT, pol_del_id(self->s, id), "delete by id twice");
	EXPECT_REFUSED(self->s, ENOENT, pol_get(self->s, id, NULL), "get deleted");
	EXPECT_REFUSED(self->s, ENOENT, pol_del_id(self->s, 0x7ffffff0), "unknown id");
	EXPECT_EQ(1, pol_count(self->s));

	/* By direction and selector: the direction is part of the name. */
	q.dir = KIPSEC_DIR_OUT;
	EXPECT_REFUSED(self->s, ENOENT, pol_del_sel(self->s, &q), "other direction");
	q.dir = KIPSEC_DIR_IN;
	pol_req_sel(&q, "10.1.0.0/24", "10.2.0.0/25");
	EXPECT_REFUSED(self->s, ENOENT, pol_del_sel(self->s, &q), "other selector");
	pol_req_sel(&q, "10.1.0.0/24", "10.2.0.0/24");
	q.proto = IPPROTO_TCP;
	EXPECT_REFUSED(self->s, ENOENT, pol_del_sel(self->s, &q), "other protocol");
	q.proto = 0;
	q.omit = 1u << KIPSEC_POL_A_DIR;
	EXPECT_MISSING(self->s, pol_del_sel(self->s, &q), "selector without DIR", KIPSEC_POL_A_DIR,
		       true);
	q.omit = 0;
	pol_req_sel(&q, "10.1.0.1/24", "10.2.0.0/24");
	EXPECT_REFUSED(self->s, EINVAL, pol_del_sel(self->s, &q), "selector with host bits");
	pol_req_sel(&q, "10.1.0.0/24", "10.2.0.0/24");
	EXPECT_EQ(1, pol_count(self->s));
	/* The action and template do not name a policy: only DIR + selector do. */
	q.tmpl = false;
	q.action = KIPSEC_ACTION_DISCARD;
	EXPECT_OK(self->s, pol_del_sel(self->s, &q), "delete by selector");
	EXPECT_REFUSED(self->s, ENOENT, pol_get(self->s, id2, NULL), "gone");
	EXPECT_REFUSED(self->s, ENOENT, pol_del_sel(self->s, &q), "delete by selector twice");
	ASSERT_OK(self->s, pol_dump(self->s, NULL, NULL, &n), "dump");
	EXPECT_EQ(0, n);
	EXPECT_MISSING(self->s,
		       nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_POLICY_DEL, 0), NULL, NULL),
		       "POLICY_DEL without A_POLICY", KIPSEC_A_POLICY, false);
}

TEST_F(policy, flush)
{
	struct pol_req p;
	struct sa_req r;
	char src[32];
	unsigned int i, n;

	EXPECT_OK(self->s, pol_flush(self->s), "flush nothing");
	for (i = 0; i < 10; i++) {
		pol_req_init(&p);
		snprintf(src, sizeof(src), "10.%u.0.0/16", i + 1);
		pol_req_sel(&p, src, "10.200.0.0/16");
		ASSERT_OK(self->s, pol_add(self->s, &p, NULL), "add");
	}
	sa_req_init(&r, 0x1234);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "an SA");
	/* Flushing SAs leaves policies, flushing policies leaves SAs. */
	EXPECT_OK(self->s, sa_flush(self->s, -1), "SA flush");
	EXPECT_EQ(10, pol_count(self->s));
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "the SA again");
	EXPECT_OK(self->s, pol_flush(self->s), "policy flush");
	ASSERT_OK(self->s, pol_dump(self->s, NULL, NULL, &n), "dump");
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, pol_count(self->s));
	EXPECT_EQ(1, sa_count(self->s));
	pol_req_init(&p);
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "add after flush");
	EXPECT_EQ(1, pol_count(self->s));
}

TEST_HARNESS_MAIN
