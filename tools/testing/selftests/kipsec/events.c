// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec notifications on the "events" multicast group (design.md,
 * "Netlink semantics"): SA_ADD (also for a replace), SA_DEL, SA_FLUSH (with
 * A_PROTO when filtered), POLICY_ADD, POLICY_DEL, POLICY_FLUSH; never a
 * key; nothing for a refused request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nltest_harness.h"

struct event {
	uint8_t cmd;
	bool has_sa, has_pol, has_proto;
	uint8_t proto;
	struct sa_info sa;
	struct pol_info pol;
};

/* The next event on l: 1, 0 on timeout, or -errno. */
static int next_event(struct nlt *l, int timeout_ms, struct event *ev)
{
	for (;;) {
		int len = nlt_recv_raw(l, timeout_ms);
		const struct nlmsghdr *nlh;

		if (len <= 0)
			return len;
		nlh = (const struct nlmsghdr *)l->rx;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			const struct nlattr *tb[KIPSEC_A_MAX + 1];

			if (nlh->nlmsg_type != l->family)
				continue;
			memset(ev, 0, sizeof(*ev));
			ev->cmd = nlt_cmd(nlh);
			nlt_parse_msg(nlh, tb, KIPSEC_A_MAX);
			if (tb[KIPSEC_A_SA]) {
				ev->has_sa = true;
				sa_info_parse(tb[KIPSEC_A_SA], &ev->sa);
			}
			if (tb[KIPSEC_A_POLICY]) {
				ev->has_pol = true;
				pol_info_parse(tb[KIPSEC_A_POLICY], &ev->pol);
			}
			if (tb[KIPSEC_A_PROTO]) {
				ev->has_proto = true;
				ev->proto = mnl_attr_get_u8(tb[KIPSEC_A_PROTO]);
			}
			/* One notification per datagram. */
			return 1;
		}
	}
}

static const char *cmd_name(uint8_t cmd)
{
	static const char * const names[] = {
		[KIPSEC_CMD_SA_ADD] = "SA_ADD", [KIPSEC_CMD_SA_DEL] = "SA_DEL",
		[KIPSEC_CMD_SA_GET] = "SA_GET", [KIPSEC_CMD_SA_FLUSH] = "SA_FLUSH",
		[KIPSEC_CMD_SPI_ALLOC] = "SPI_ALLOC", [KIPSEC_CMD_POLICY_ADD] = "POLICY_ADD",
		[KIPSEC_CMD_POLICY_DEL] = "POLICY_DEL", [KIPSEC_CMD_POLICY_GET] = "POLICY_GET",
		[KIPSEC_CMD_POLICY_FLUSH] = "POLICY_FLUSH", [KIPSEC_CMD_STATS_GET] = "STATS_GET",
		[KIPSEC_CMD_ACQUIRE] = "ACQUIRE", [KIPSEC_CMD_EXPIRE] = "EXPIRE",
	};

	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ? names[cmd] : "?";
}

/* Waits for the next event and checks its command. */
#define EXPECT_EVENT(l, ev, want) do {						\
	int __r = next_event(l, 2000, ev);					\
	EXPECT_EQ(1, __r) TH_LOG("no %s event (%d)", cmd_name(want), __r);	\
	if (__r == 1)								\
		EXPECT_EQ(want, (ev)->cmd)					\
			TH_LOG("%s event where %s was due", cmd_name((ev)->cmd),	\
			       cmd_name(want));					\
} while (0)

/* Nothing more within a moment. */
#define EXPECT_NO_EVENT(l, ev, why) do {					\
	int __r = next_event(l, 300, ev);					\
	EXPECT_EQ(0, __r) TH_LOG("%s: unexpected %s event", why,		\
				 __r == 1 ? cmd_name((ev)->cmd) : "?");		\
} while (0)

FIXTURE(events) {
	struct nlt *s;		/* makes the changes */
	struct nlt *l;		/* listens */
};

FIXTURE_SETUP(events)
{
	int err;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->s = nlt_open();
	ASSERT_NE(NULL, self->s);
	self->l = nlt_open();
	ASSERT_NE(NULL, self->l);
	ASSERT_NE(0, self->l->events_grp) TH_LOG("the family has no \"events\" group");
	err = nlt_join_events(self->l);
	ASSERT_EQ(0, err) TH_LOG("joining events: %s", strerror(-err));
}

FIXTURE_TEARDOWN(events)
{
	nlt_close(self->l);
	nlt_close(self->s);
}

static void expect_no_keys(struct __test_metadata *_metadata, const struct event *ev)
{
	EXPECT_FALSE(ev->sa.enc.has_key) TH_LOG("%s event carries the ENC key", cmd_name(ev->cmd));
	EXPECT_FALSE(ev->sa.auth.has_key) TH_LOG("%s event carries the AUTH key",
						 cmd_name(ev->cmd));
}

TEST_F(events, sa_add_del)
{
	struct event ev;
	struct sa_req r;

	sa_req_init(&r, 0x1000);
	r.enc = "aes-cbc";
	r.enc_key_len = 32;
	r.auth = "hmac-sha2-256";
	r.auth_key_len = 32;
	r.reqid = 4;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_ADD);
	EXPECT_TRUE(ev.has_sa);
	EXPECT_EQ(0x1000, ev.sa.spi);
	EXPECT_EQ(IPPROTO_ESP, ev.sa.proto);
	EXPECT_EQ(AF_INET, ev.sa.family);
	EXPECT_EQ(0, memcmp(r.dst, ev.sa.dst, 4));
	EXPECT_EQ(4, ev.sa.reqid);
	EXPECT_STREQ("aes-cbc", ev.sa.enc.name);
	EXPECT_STREQ("hmac-sha2-256", ev.sa.auth.name);
	expect_no_keys(_metadata, &ev);

	ASSERT_OK(self->s, sa_del(self->s, &r), "del");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_DEL);
	EXPECT_TRUE(ev.has_sa);
	EXPECT_EQ(0x1000, ev.sa.spi);
	EXPECT_EQ(IPPROTO_ESP, ev.sa.proto);
	expect_no_keys(_metadata, &ev);
	EXPECT_NO_EVENT(self->l, &ev, "after SA_DEL");
}

TEST_F(events, sa_replace)
{
	struct event ev;
	struct sa_req r;

	sa_req_init(&r, 0x1100);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_ADD);
	r.enc_key_len = 36;
	ASSERT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "replace");
	/* design.md: a replace is announced as SA_ADD too. */
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_ADD);
	EXPECT_EQ(0x1100, ev.sa.spi);
	expect_no_keys(_metadata, &ev);
	EXPECT_NO_EVENT(self->l, &ev, "after a replace");
}

TEST_F(events, larval_completed)
{
	struct sa_info sa;
	struct event ev;
	struct sa_req r;

	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x2000, 0x2000, &sa), "alloc");
	/* Whether a reservation is announced is not said; drain it if it is. */
	while (next_event(self->l, 300, &ev) == 1)
		EXPECT_NE(KIPSEC_CMD_SA_DEL, ev.cmd);
	sa_req_init(&r, 0x2000);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "complete");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_ADD);
	EXPECT_EQ(0x2000, ev.sa.spi);
	EXPECT_EQ(KIPSEC_SA_STATE_MATURE, ev.sa.state);
	expect_no_keys(_metadata, &ev);
}

TEST_F(events, sa_flush)
{
	struct event ev;
	struct sa_req r;
	unsigned int i;

	for (i = 0; i < 6; i++) {
		sa_req_init(&r, 0x3000 + i);
		if (i % 2) {
			r.proto = IPPROTO_AH;
			r.enc = NULL;
			r.auth = "hmac-sha1";
			r.auth_key_len = 20;
		}
		ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
		EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_ADD);
	}
	/* A filtered flush: one SA_FLUSH event, with the protocol. */
	ASSERT_OK(self->s, sa_flush(self->s, IPPROTO_AH), "flush AH");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_FLUSH);
	EXPECT_TRUE(ev.has_proto) TH_LOG("filtered SA_FLUSH event without A_PROTO");
	EXPECT_EQ(IPPROTO_AH, ev.proto);
	EXPECT_NO_EVENT(self->l, &ev, "after a flush");
	/* A full flush: without it. */
	ASSERT_OK(self->s, sa_flush(self->s, -1), "flush");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_FLUSH);
	EXPECT_FALSE(ev.has_proto) TH_LOG("unfiltered SA_FLUSH event with A_PROTO %u", ev.proto);
	EXPECT_NO_EVENT(self->l, &ev, "after a flush");
}

TEST_F(events, policies)
{
	struct pol_req p;
	struct event ev;
	uint32_t id, id2;

	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_ADD);
	EXPECT_TRUE(ev.has_pol);
	EXPECT_EQ(id, ev.pol.id) TH_LOG("the event's id is not the reply's");
	EXPECT_EQ(KIPSEC_DIR_OUT, ev.pol.dir);
	EXPECT_EQ(KIPSEC_ACTION_PROTECT, ev.pol.action);
	EXPECT_TRUE(ev.pol.tmpl);
	EXPECT_EQ(24, ev.pol.src_plen);

	pol_req_init(&p);
	p.dir = KIPSEC_DIR_IN;
	ASSERT_OK(self->s, pol_add(self->s, &p, &id2), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_ADD);
	EXPECT_EQ(id2, ev.pol.id);

	ASSERT_OK(self->s, pol_del_id(self->s, id), "del by id");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_DEL);
	EXPECT_TRUE(ev.has_pol);
	EXPECT_EQ(id, ev.pol.id);
	ASSERT_OK(self->s, pol_del_sel(self->s, &p), "del by selector");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_DEL);
	EXPECT_EQ(id2, ev.pol.id);
	EXPECT_EQ(KIPSEC_DIR_IN, ev.pol.dir);

	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, &id), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_ADD);
	ASSERT_OK(self->s, pol_flush(self->s), "flush");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_FLUSH);
	EXPECT_NO_EVENT(self->l, &ev, "after a policy flush");
}

TEST_F(events, refused_requests_are_silent)
{
	struct pol_req p;
	struct event ev;
	struct sa_req r;

	sa_req_init(&r, 0x4000);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_SA_ADD);
	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, NULL), "add");
	EXPECT_EVENT(self->l, &ev, KIPSEC_CMD_POLICY_ADD);

	/* Nothing changed, nothing to tell. */
	EXPECT_EQ(-EEXIST, sa_add(self->s, &r, 0));
	EXPECT_EQ(-EEXIST, pol_add(self->s, &p, NULL));
	r.spi = 0x4001;
	EXPECT_EQ(-ENOENT, sa_del(self->s, &r));
	r.enc_key_len = 3;
	EXPECT_EQ(-EINVAL, sa_add(self->s, &r, 0));
	EXPECT_EQ(-ENOENT, pol_del_id(self->s, 999999));
	EXPECT_EQ(-EINVAL, sa_flush(self->s, IPPROTO_TCP));
	/* Nor do reads. */
	r.spi = 0x4000;
	r.enc_key_len = 20;
	EXPECT_EQ(0, sa_get(self->s, &r, true, NULL));
	EXPECT_EQ(0, sa_dump(self->s, true, NULL, NULL, NULL));
	EXPECT_EQ(0, pol_dump(self->s, NULL, NULL, NULL));
	EXPECT_NO_EVENT(self->l, &ev, "after refused requests and reads");
}

TEST_F(events, order_and_every_listener)
{
	struct nlt *l2;
	struct event ev;
	struct sa_req r;
	unsigned int i;

	l2 = nlt_open();
	ASSERT_NE(NULL, l2);
	ASSERT_EQ(0, nlt_join_events(l2));
	for (i = 0; i < 20; i++) {
		sa_req_init(&r, 0x5000 + i);
		ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	}
	for (i = 0; i < 20; i++) {
		sa_req_init(&r, 0x5000 + 19 - i);
		ASSERT_OK(self->s, sa_del(self->s, &r), "del");
	}
	/* Both listeners see all 40, in the order they happened. */
	for (i = 0; i < 40; i++) {
		uint32_t spi = i < 20 ? 0x5000 + i : 0x5000 + 39 - i;
		uint8_t cmd = i < 20 ? KIPSEC_CMD_SA_ADD : KIPSEC_CMD_SA_DEL;

		EXPECT_EVENT(self->l, &ev, cmd);
		EXPECT_EQ(spi, ev.sa.spi) TH_LOG("event %u", i);
		EXPECT_EVENT(l2, &ev, cmd);
		EXPECT_EQ(spi, ev.sa.spi) TH_LOG("second listener, event %u", i);
	}
	EXPECT_NO_EVENT(self->l, &ev, "after 40");
	nlt_close(l2);
}

TEST_F(events, not_before_joining)
{
	struct nlt *late;
	struct event ev;
	struct sa_req r;

	late = nlt_open();
	ASSERT_NE(NULL, late);
	sa_req_init(&r, 0x6000);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	/* A socket that did not join hears nothing. */
	EXPECT_NO_EVENT(late, &ev, "socket not in the group");
	ASSERT_EQ(0, nlt_join_events(late));
	ASSERT_OK(self->s, sa_del(self->s, &r), "del");
	EXPECT_EVENT(late, &ev, KIPSEC_CMD_SA_DEL);
	nlt_close(late);
}

TEST_HARNESS_MAIN
