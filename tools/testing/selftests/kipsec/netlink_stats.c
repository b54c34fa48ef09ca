// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, STATS_GET and the per-namespace limits: against the contract of
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

/* ============================== STATS_GET ============================== */

NL_FIXTURE(stats)

TEST_F(stats, counts)
{
	struct stats_info st;
	struct pol_req p;
	struct sa_req r;
	unsigned int i;

	ASSERT_OK(self->s, stats_get(self->s, &st), "stats");
	/* Every counter of enum kipsec_stats_attr, all 0 in a new namespace. */
	for (i = KIPSEC_STATS_A_SA_COUNT; i < KIPSEC_STATS_A_PAD; i++) {
		EXPECT_TRUE(st.present[i]) TH_LOG("counter %u missing", i);
		EXPECT_EQ(0, st.v[i]) TH_LOG("counter %u is %llu in a new namespace", i,
					     (unsigned long long)st.v[i]);
	}
	for (i = 0; i < 5; i++) {
		sa_req_init(&r, 0xa000 + i);
		ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	}
	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, -1, -1, NULL), "larval");
	for (i = 0; i < 3; i++) {
		pol_req_init(&p);
		p.dir = 1 + i;
		ASSERT_OK(self->s, pol_add(self->s, &p, NULL), "policy");
	}
	ASSERT_OK(self->s, stats_get(self->s, &st), "stats");
	EXPECT_EQ(6, st.v[KIPSEC_STATS_A_SA_COUNT]) TH_LOG("larval SAs count too");
	EXPECT_EQ(3, st.v[KIPSEC_STATS_A_POLICY_COUNT]);
	/* A refused request counts nothing. */
	sa_req_init(&r, 0xa000);
	EXPECT_REFUSED(self->s, EEXIST, sa_add(self->s, &r, 0), "duplicate");
	EXPECT_OK(self->s, sa_del(self->s, &r), "del");
	EXPECT_OK(self->s, pol_del_sel(self->s, &p), "del policy");
	ASSERT_OK(self->s, stats_get(self->s, &st), "stats");
	EXPECT_EQ(5, st.v[KIPSEC_STATS_A_SA_COUNT]);
	EXPECT_EQ(2, st.v[KIPSEC_STATS_A_POLICY_COUNT]);
	EXPECT_OK(self->s, sa_flush(self->s, -1), "flush");
	EXPECT_OK(self->s, pol_flush(self->s), "flush");
	ASSERT_OK(self->s, stats_get(self->s, &st), "stats");
	EXPECT_EQ(0, st.v[KIPSEC_STATS_A_SA_COUNT]);
	EXPECT_EQ(0, st.v[KIPSEC_STATS_A_POLICY_COUNT]);
	/* No data plane traffic here: the packet counters stay 0. */
	for (i = KIPSEC_STATS_A_IN_NO_SA; i < KIPSEC_STATS_A_PAD; i++)
		EXPECT_EQ(0, st.v[i]) TH_LOG("counter %u moved without traffic", i);
	/* STATS_GET has no dump. */
	{
		int err = nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_STATS_GET, NLM_F_DUMP),
				   NULL, NULL);

		EXPECT_EQ(-EOPNOTSUPP, err) TH_LOG("STATS_GET dump: %s", strerror(-err));
	}
}

/* ===================== per-namespace limits ===================== */

/*
 * The module parameters bound every namespace's SAD and SPD (any user
 * namespace can own one and reach the family).  The fixture lowers them
 * and puts them back whatever happens.
 */
#define PARAMS "/sys/module/kipsec/parameters/"

static int param_rw(const char *name, char *val, size_t len, bool write)
{
	char path[128];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), PARAMS "%s", name);
	f = fopen(path, write ? "w" : "r");
	if (!f)
		return -errno;
	ok = write ? fputs(val, f) >= 0 : fgets(val, (int)len, f) != NULL;
	if (fclose(f) || !ok)
		return -EIO;
	return 0;
}

static const char *const limit_names[] = { "max_sas", "max_larval_spis", "max_policies" };

FIXTURE(limits) {
	struct nlt *s;
	char saved[3][32];
};

FIXTURE_SETUP(limits)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, param_rw(limit_names[i], self->saved[i], 32, false))
			TH_LOG("module parameter %u (max_sas, max_larval_spis, max_policies) missing", i);
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	self->s = nlt_open();
	ASSERT_NE(NULL, self->s);
}

FIXTURE_TEARDOWN(limits)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		if (self->saved[i][0])
			param_rw(limit_names[i], self->saved[i], 0, true);
	if (self->s)
		nlt_close(self->s);
}

static void set_limit(struct __test_metadata *_metadata, const char *name, const char *v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%s", v);
	ASSERT_EQ(0, param_rw(name, buf, 0, true)) TH_LOG("setting %s", name);
}

TEST_F(limits, sas)
{
	struct nlt *other;
	struct sa_req r;
	unsigned int i;

	set_limit(_metadata, "max_sas", "3");
	for (i = 0; i < 3; i++) {
		sa_req_init(&r, 0x5000 + i);
		ASSERT_OK(self->s, sa_add(self->s, &r, 0), "below the limit");
	}
	sa_req_init(&r, 0x5003);
	EXPECT_REFUSED_MSG(self->s, ENOSPC, sa_add(self->s, &r, 0), "past max_sas", "max_sas");
	/* A larval SA is an SA too. */
	EXPECT_REFUSED_MSG(self->s, ENOSPC, spi_alloc(self->s, &r, -1, -1, NULL),
			   "SPI_ALLOC past max_sas", "max_sas");
	/* Replacing one needs no room. */
	sa_req_init(&r, 0x5000);
	EXPECT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "replace at the limit");
	EXPECT_EQ(3, sa_count(self->s));
	/* Room again once one goes. */
	EXPECT_OK(self->s, sa_del(self->s, &r), "del");
	sa_req_init(&r, 0x5003);
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "room again");
	/* The limit is per namespace: a fresh one has all of it. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	other = nlt_open();
	ASSERT_NE(NULL, other);
	for (i = 0; i < 3; i++) {
		sa_req_init(&r, 0x5000 + i);
		EXPECT_OK(other, sa_add(other, &r, 0), "another namespace");
	}
	nlt_close(other);
}

TEST_F(limits, larval_spis)
{
	struct sa_info sa;
	struct sa_req r;

	set_limit(_metadata, "max_larval_spis", "2");
	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, -1, -1, &sa), "first");
	ASSERT_OK(self->s, spi_alloc(self->s, &r, -1, -1, NULL), "second");
	EXPECT_REFUSED_MSG(self->s, ENOSPC, spi_alloc(self->s, &r, -1, -1, NULL), "third",
			   "max_larval_spis");
	/* Full SAs are not held back by reservations. */
	sa_req_init(&r, 0x5100);
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "a full SA");
	/* Completing a reservation frees its slot. */
	sa_req_init(&r, sa.spi);
	ASSERT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "complete the first");
	EXPECT_OK(self->s, spi_alloc(self->s, &r, -1, -1, NULL), "a slot again");
	EXPECT_REFUSED(self->s, ENOSPC, spi_alloc(self->s, &r, -1, -1, NULL), "full again");
	EXPECT_EQ(4, sa_count(self->s));
}

TEST_F(limits, policies)
{
	struct pol_req p;
	unsigned int i;

	set_limit(_metadata, "max_policies", "2");
	for (i = 0; i < 2; i++) {
		pol_req_init(&p);
		p.dir = 1 + i;
		ASSERT_OK(self->s, pol_add(self->s, &p, NULL), "below the limit");
	}
	pol_req_init(&p);
	p.dir = KIPSEC_DIR_FWD;
	EXPECT_REFUSED_MSG(self->s, ENOSPC, pol_add(self->s, &p, NULL), "past max_policies",
			   "max_policies");
	EXPECT_OK(self->s, pol_flush(self->s), "flush");
	EXPECT_OK(self->s, pol_add(self->s, &p, NULL), "room again");
}

TEST_HARNESS_MAIN
