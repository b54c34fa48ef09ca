// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, SPI_ALLOC and larval SAs: against the contract of
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

/* =============================== SPI_ALLOC =============================== */

NL_FIXTURE(spi)

TEST_F(spi, alloc_in_range)
{
	struct sa_info sa;
	struct sa_req r;
	uint32_t got[32];
	unsigned int i, j;

	sa_req_init(&r, 0);
	for (i = 0; i < 32; i++) {
		ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x10000, 0x1ffff, &sa), "alloc");
		EXPECT_GE(sa.spi, 0x10000);
		EXPECT_LE(sa.spi, 0x1ffff);
		/* design.md: the answer is A_SA with FAMILY, SRC, DST, SPI, PROTO, STATE. */
		EXPECT_TRUE(sa.present[KIPSEC_SA_A_FAMILY]);
		EXPECT_EQ(AF_INET, sa.family);
		EXPECT_EQ(0, memcmp(r.src, sa.src, 4));
		EXPECT_EQ(0, memcmp(r.dst, sa.dst, 4));
		EXPECT_EQ(IPPROTO_ESP, sa.proto);
		EXPECT_EQ(KIPSEC_SA_STATE_LARVAL, sa.state);
		EXPECT_FALSE(sa.enc.present) TH_LOG("a larval SA has no algorithm");
		got[i] = sa.spi;
		for (j = 0; j < i; j++)
			EXPECT_NE(got[j], got[i]) TH_LOG("SPI 0x%x handed out twice", got[i]);
	}
	EXPECT_EQ(32, sa_count(self->s));

	/* Defaults: 256 to 0xffffffff. */
	ASSERT_OK(self->s, spi_alloc(self->s, &r, -1, -1, &sa), "default range");
	EXPECT_GE(sa.spi, 256);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0xfffffff0, -1, &sa), "min only");
	EXPECT_GE(sa.spi, 0xfffffff0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, -1, 300, &sa), "max only");
	EXPECT_GE(sa.spi, 256);
	EXPECT_LE(sa.spi, 300);
	/* AH and IPv6 too; MODE and REQID are kept. */
	r.proto = IPPROTO_AH;
	r.reqid = 12;
	r.mode = KIPSEC_MODE_TRANSPORT;
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x20000, 0x20000, &sa), "AH");
	EXPECT_EQ(0x20000, sa.spi);
	EXPECT_EQ(IPPROTO_AH, sa.proto);
	sa_req_init(&r, 0);
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x20000, 0x20000, &sa), "IPv6");
	EXPECT_EQ(AF_INET6, sa.family);
	EXPECT_EQ(0, memcmp(r.dst, sa.dst, 16));
	EXPECT_EQ(37, sa_count(self->s));
}

TEST_F(spi, alloc_bad_range)
{
	struct sa_req r;

	sa_req_init(&r, 0);
	EXPECT_REFUSED_MSG(self->s, EINVAL, spi_alloc(self->s, &r, 255, 0x1000, NULL), "min 255",
			   "256");
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, 0, 0x1000, NULL), "min 0");
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, 1, -1, NULL), "min 1");
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, 0x2000, 0x1fff, NULL), "min > max");
	/* The default minimum is 256: a maximum below it is an empty range. */
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, -1, 255, NULL), "max 255");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(spi, alloc_missing)
{
	static const int attrs[] = {
		KIPSEC_SA_A_FAMILY, KIPSEC_SA_A_SRC, KIPSEC_SA_A_DST, KIPSEC_SA_A_PROTO,
	};
	struct sa_req r;
	char what[64];
	unsigned int i;

	EXPECT_MISSING(self->s,
		       nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_SPI_ALLOC, 0), NULL, NULL),
		       "no A_SA", KIPSEC_A_SA, false);
	for (i = 0; i < 4; i++) {
		sa_req_init(&r, 0);
		r.omit = 1u << attrs[i];
		snprintf(what, sizeof(what), "SPI_ALLOC without attribute %d", attrs[i]);
		EXPECT_MISSING(self->s, spi_alloc(self->s, &r, -1, -1, NULL), what, attrs[i], true);
	}
	sa_req_init(&r, 0);
	r.proto = IPPROTO_TCP;
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, -1, -1, NULL), "protocol TCP");
	sa_req_init(&r, 0);
	r.addr_len = 5;
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, -1, -1, NULL), "5-byte addresses");
	sa_req_init(&r, 0);
	r.family = AF_UNIX;
	EXPECT_REFUSED(self->s, EINVAL, spi_alloc(self->s, &r, -1, -1, NULL), "AF_UNIX");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(spi, alloc_enospc)
{
	struct sa_info sa;
	struct sa_req r;

	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x3000, 0x3000, &sa), "the one SPI");
	EXPECT_EQ(0x3000, sa.spi);
	EXPECT_REFUSED(self->s, ENOSPC, spi_alloc(self->s, &r, 0x3000, 0x3000, NULL), "taken");
	/* Taken by a manual SA rather than a reservation. */
	sa_req_init(&r, 0x3001);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "manual SA");
	EXPECT_REFUSED(self->s, ENOSPC, spi_alloc(self->s, &r, 0x3001, 0x3001, NULL), "manual");
	/* A small range filled up. */
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x3000, 0x3003, &sa), "3rd of 4");
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x3000, 0x3003, &sa), "4th of 4");
	EXPECT_REFUSED(self->s, ENOSPC, spi_alloc(self->s, &r, 0x3000, 0x3003, NULL), "5th of 4");
	/* The SPI is per destination and protocol: elsewhere it is free. */
	sa_req_addrs(&r, "192.0.2.1", "192.0.2.3");
	EXPECT_OK(self->s, spi_alloc(self->s, &r, 0x3000, 0x3000, NULL), "other destination");
	sa_req_addrs(&r, "192.0.2.1", "192.0.2.2");
	r.proto = IPPROTO_AH;
	EXPECT_OK(self->s, spi_alloc(self->s, &r, 0x3000, 0x3000, NULL), "other protocol");
	EXPECT_EQ(6, sa_count(self->s));
}

static void find_larval(const struct sa_info *sa, void *data)
{
	struct sa_info *out = data;

	if (sa->spi == out->spi)
		*out = *sa;
}

TEST_F(spi, larval_completed_by_sa_add)
{
	struct sa_info sa, seen;
	struct sa_req r;
	unsigned int n;

	sa_req_init(&r, 0);
	r.reqid = 3;
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x40000, 0x4ffff, &sa), "alloc");
	/* The reservation is in the database, as larval, in dumps and counts. */
	memset(&seen, 0, sizeof(seen));
	seen.spi = sa.spi;
	ASSERT_OK(self->s, sa_dump(self->s, false, find_larval, &seen, &n), "dump");
	EXPECT_EQ(1, n);
	EXPECT_EQ(KIPSEC_SA_STATE_LARVAL, seen.state) TH_LOG("state in the dump");
	EXPECT_TRUE(seen.present[KIPSEC_SA_A_STATE]);
	EXPECT_EQ(1, sa_count(self->s));
	ASSERT_OK(self->s, sa_get(self->s, &(struct sa_req){ .family = AF_INET,
			.dst = { 192, 0, 2, 2 }, .spi = sa.spi, .proto = IPPROTO_ESP }, false,
			&seen), "get the larval SA");
	EXPECT_EQ(KIPSEC_SA_STATE_LARVAL, seen.state);

	/* SA_ADD with that SPI completes it: no EEXIST, no second SA. */
	sa_req_init(&r, sa.spi);
	r.reqid = 3;
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "complete");
	ASSERT_OK(self->s, sa_get(self->s, &r, true, &seen), "get");
	EXPECT_EQ(KIPSEC_SA_STATE_MATURE, seen.state);
	EXPECT_TRUE(seen.enc.has_key);
	EXPECT_STREQ("aes-gcm", seen.enc.name);
	EXPECT_EQ(1, sa_count(self->s));
	ASSERT_OK(self->s, sa_dump(self->s, false, NULL, NULL, &n), "dump");
	EXPECT_EQ(1, n);
	/* Completed once; a second SA_ADD is a duplicate. */
	EXPECT_REFUSED(self->s, EEXIST, sa_add(self->s, &r, 0), "complete twice");

	/* A refused completion leaves the reservation in place. */
	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x50000, 0x50000, &sa), "alloc");
	sa_req_init(&r, 0x50000);
	r.enc_key_len = 5;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "bad completion");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &seen), "reservation kept");
	EXPECT_EQ(KIPSEC_SA_STATE_LARVAL, seen.state);
	EXPECT_REFUSED(self->s, ENOSPC, spi_alloc(self->s, &r, 0x50000, 0x50000, NULL),
		       "still reserved");
	/* And SA_DEL removes a reservation like any SA. */
	EXPECT_OK(self->s, sa_del(self->s, &r), "delete the reservation");
	EXPECT_EQ(1, sa_count(self->s));
}

/* design.md: an uncompleted reservation disappears after 30 seconds. */
TEST_F_TIMEOUT(spi, larval_expires, 90)
{
	struct sa_info sa;
	struct sa_req r;
	int i;

	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x60000, 0x60000, &sa), "alloc");
	sa_req_init(&r, 0x60001);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "a mature SA beside it");
	sleep(25);
	EXPECT_EQ(2, sa_count(self->s)) TH_LOG("the reservation went before 30 s");
	for (i = 0; i < 30 && sa_count(self->s) != 1; i++)
		sleep(1);
	EXPECT_EQ(1, sa_count(self->s)) TH_LOG("the reservation outlived 30 s (%d s)", 25 + i);
	EXPECT_LE(i, 15) TH_LOG("the reservation went after %d s", 25 + i);
	r.spi = 0x60000;
	EXPECT_REFUSED(self->s, ENOENT, sa_get(self->s, &r, false, NULL), "expired reservation");
	r.spi = 0x60001;
	EXPECT_OK(self->s, sa_get(self->s, &r, false, NULL), "the mature SA stays");
	/* The SPI is free again. */
	EXPECT_OK(self->s, spi_alloc(self->s, &r, 0x60000, 0x60000, NULL), "realloc");
}

TEST_HARNESS_MAIN
