// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, SA_DEL, SA_GET, the SA dump and SA_FLUSH: against the contract of
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

/* ============================ SA_DEL, SA_GET ============================ */

NL_FIXTURE(sad)

TEST_F(sad, del)
{
	struct sa_req r, other;
	char what[64];
	unsigned int i;

	sa_req_init(&r, 0x6000);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	sa_req_init(&other, 0x6001);
	ASSERT_OK(self->s, sa_add(self->s, &other, 0), "add");
	/* The name is FAMILY, DST, SPI, PROTO; each is required. */
	for (i = 0; i < sizeof(sa_required) / sizeof(sa_required[0]); i++) {
		int attr = sa_required[i].attr;

		if (attr == KIPSEC_SA_A_SRC || attr == KIPSEC_SA_A_MODE)
			continue;
		r.omit = 1u << attr;
		snprintf(what, sizeof(what), "SA_DEL without %s", sa_required[i].name);
		EXPECT_MISSING(self->s, sa_del(self->s, &r), what, attr, true);
	}
	r.omit = 0;
	/* Not this one: other destination, protocol, SPI, family. */
	sa_req_addrs(&r, "192.0.2.1", "192.0.2.3");
	EXPECT_REFUSED(self->s, ENOENT, sa_del(self->s, &r), "other destination");
	sa_req_addrs(&r, "192.0.2.1", "192.0.2.2");
	r.proto = IPPROTO_AH;
	EXPECT_REFUSED(self->s, ENOENT, sa_del(self->s, &r), "other protocol");
	r.proto = IPPROTO_ESP;
	r.spi = 0x6002;
	EXPECT_REFUSED(self->s, ENOENT, sa_del(self->s, &r), "other SPI");
	r.spi = 0x6000;
	r.proto = 6;
	EXPECT_REFUSED(self->s, EINVAL, sa_del(self->s, &r), "protocol TCP");
	r.proto = IPPROTO_ESP;
	EXPECT_EQ(2, sa_count(self->s));

	EXPECT_OK(self->s, sa_del(self->s, &r), "delete");
	EXPECT_REFUSED(self->s, ENOENT, sa_del(self->s, &r), "delete twice");
	EXPECT_REFUSED(self->s, ENOENT, sa_get(self->s, &r, false, NULL), "get deleted");
	EXPECT_OK(self->s, sa_get(self->s, &other, false, NULL), "the other one stays");
	EXPECT_EQ(1, sa_count(self->s));
	/* SA_DEL without a KIPSEC_A_SA. */
	EXPECT_MISSING(self->s,
		       nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_SA_DEL, 0), NULL, NULL),
		       "SA_DEL without A_SA", KIPSEC_A_SA, false);
}

TEST_F(sad, get)
{
	struct sa_req r;
	struct sa_info sa;
	char what[64];
	unsigned int i;

	sa_req_init(&r, 0x6100);
	r.enc = "aes-cbc";
	r.enc_key_len = 32;
	r.auth = "hmac-sha2-256";
	r.auth_key_len = 32;
	r.reqid = 5;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");

	/* Without SHOW_KEYS: the algorithms, never the keys. */
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_TRUE(sa.enc.present);
	EXPECT_STREQ("aes-cbc", sa.enc.name);
	EXPECT_FALSE(sa.enc.has_key) TH_LOG("ENC key sent without SHOW_KEYS");
	EXPECT_TRUE(sa.auth.present);
	EXPECT_STREQ("hmac-sha2-256", sa.auth.name);
	EXPECT_FALSE(sa.auth.has_key) TH_LOG("AUTH key sent without SHOW_KEYS");
	/* The key lengths are no secret (they tell AES-128 from AES-256). */
	EXPECT_TRUE(sa.enc.has_key_len);
	EXPECT_EQ(32, sa.enc.key_len_attr);
	EXPECT_TRUE(sa.auth.has_key_len);
	EXPECT_EQ(32, sa.auth.key_len_attr);
	EXPECT_EQ(KIPSEC_SA_STATE_MATURE, sa.state);
	EXPECT_EQ(5, sa.reqid);
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_SRC]);
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_MODE]);
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_REPLAY_WINDOW]);
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_STATS]);
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_ADD_TIME]);
	EXPECT_GE(sa.add_time, 1500000000ULL) TH_LOG("ADD_TIME is seconds since the epoch");

	/* With SHOW_KEYS: both keys, as sent. */
	ASSERT_OK(self->s, sa_get(self->s, &r, true, &sa), "get with keys");
	EXPECT_TRUE(sa.enc.has_key);
	EXPECT_EQ(32, sa.enc.key_len);
	EXPECT_TRUE(sa.auth.has_key);
	EXPECT_EQ(32, sa.auth.key_len);

	/* The name alone finds it: no SRC needed. */
	r.omit = 1u << KIPSEC_SA_A_SRC;
	EXPECT_OK(self->s, sa_get(self->s, &r, false, NULL), "get without SRC");
	for (i = 0; i < sizeof(sa_required) / sizeof(sa_required[0]); i++) {
		int attr = sa_required[i].attr;

		if (attr == KIPSEC_SA_A_SRC || attr == KIPSEC_SA_A_MODE)
			continue;
		r.omit = 1u << attr;
		snprintf(what, sizeof(what), "SA_GET without %s", sa_required[i].name);
		EXPECT_MISSING(self->s, sa_get(self->s, &r, false, NULL), what, attr, true);
	}
	r.omit = 0;
	r.spi = 0x6101;
	EXPECT_REFUSED_MSG(self->s, ENOENT, sa_get(self->s, &r, false, NULL), "no such SPI", "SA");
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	r.spi = 0x6100;
	EXPECT_REFUSED(self->s, ENOENT, sa_get(self->s, &r, false, NULL), "IPv6 namesake");
	EXPECT_MISSING(self->s,
		       nlt_talk(self->s, nlt_msg(self->s, KIPSEC_CMD_SA_GET, 0), NULL, NULL),
		       "SA_GET without A_SA", KIPSEC_A_SA, false);
}

struct dump_seen {
	unsigned int n;
	unsigned int keys;
	uint8_t seen[256];
	unsigned int dups;
};

static void mark_sa(const struct sa_info *sa, void *data)
{
	struct dump_seen *d = data;
	unsigned int i = sa->spi - 0x7000;

	d->n++;
	if (sa->enc.has_key || sa->auth.has_key)
		d->keys++;
	if (i < 256 && d->seen[i]++)
		d->dups++;
}

TEST_F(sad, dump)
{
	struct dump_seen d;
	struct sa_req r;
	unsigned int i, n;

	ASSERT_OK(self->s, sa_dump(self->s, false, NULL, NULL, &n), "empty dump");
	EXPECT_EQ(0, n);
	for (i = 0; i < 60; i++) {
		sa_req_init(&r, 0x7000 + i);
		if (i % 3 == 1)
			sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
		if (i % 3 == 2) {
			r.proto = IPPROTO_AH;
			r.enc = NULL;
			r.auth = "hmac-sha1";
			r.auth_key_len = 20;
		}
		ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	}
	memset(&d, 0, sizeof(d));
	ASSERT_OK(self->s, sa_dump(self->s, false, mark_sa, &d, &n), "dump");
	EXPECT_EQ(60, d.n);
	EXPECT_EQ(0, d.dups);
	EXPECT_EQ(0, d.keys) TH_LOG("keys in a dump without SHOW_KEYS");
	for (i = 0; i < 60; i++)
		EXPECT_EQ(1, d.seen[i]) TH_LOG("SPI 0x%x seen %u times", 0x7000 + i, d.seen[i]);
	memset(&d, 0, sizeof(d));
	ASSERT_OK(self->s, sa_dump(self->s, true, mark_sa, &d, &n), "dump with keys");
	EXPECT_EQ(60, d.n);
	EXPECT_EQ(60, d.keys) TH_LOG("SHOW_KEYS dump without keys");
	EXPECT_EQ(0, self->s->intr);
	EXPECT_EQ(60, sa_count(self->s));
}

/* =============================== SA_FLUSH =============================== */

static void add_mixed(struct __test_metadata *_metadata, struct nlt *s, unsigned int n_esp,
		      unsigned int n_ah)
{
	struct sa_req r;
	unsigned int i;

	for (i = 0; i < n_esp + n_ah; i++) {
		sa_req_init(&r, 0x8000 + i);
		if (i >= n_esp) {
			r.proto = IPPROTO_AH;
			r.enc = NULL;
			r.auth = "hmac-sha2-256";
			r.auth_key_len = 32;
		}
		ASSERT_OK(s, sa_add(s, &r, 0), "add");
	}
}

TEST_F(sad, flush_all)
{
	unsigned int n;
	struct sa_req r;

	EXPECT_OK(self->s, sa_flush(self->s, -1), "flush nothing");
	add_mixed(_metadata, self->s, 5, 4);
	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, 0x9000, 0x9fff, NULL), "a larval SA too");
	ASSERT_EQ(10, sa_count(self->s));
	EXPECT_OK(self->s, sa_flush(self->s, -1), "flush");
	ASSERT_OK(self->s, sa_dump(self->s, false, NULL, NULL, &n), "dump");
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, flush_by_proto)
{
	struct sa_info sa;
	struct sa_req r;
	unsigned int n;

	add_mixed(_metadata, self->s, 5, 4);
	EXPECT_OK(self->s, sa_flush(self->s, IPPROTO_ESP), "flush ESP");
	ASSERT_OK(self->s, sa_dump(self->s, false, NULL, NULL, &n), "dump");
	EXPECT_EQ(4, n);
	EXPECT_EQ(4, sa_count(self->s));
	sa_req_init(&r, 0x8005);
	r.proto = IPPROTO_AH;
	EXPECT_OK(self->s, sa_get(self->s, &r, false, &sa), "AH stays");
	EXPECT_OK(self->s, sa_flush(self->s, IPPROTO_ESP), "flush ESP again");
	EXPECT_EQ(4, sa_count(self->s));
	EXPECT_OK(self->s, sa_flush(self->s, IPPROTO_AH), "flush AH");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, flush_bad_proto)
{
	static const int protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_COMP, 255 };
	char what[64];
	unsigned int i;

	add_mixed(_metadata, self->s, 2, 2);
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		snprintf(what, sizeof(what), "flush protocol %d", protos[i]);
		EXPECT_REFUSED(self->s, EINVAL, sa_flush(self->s, protos[i]), what);
	}
	EXPECT_EQ(4, sa_count(self->s)) TH_LOG("a refused flush removed SAs");
	/* A PROTO of the wrong size. */
	{
		struct nlmsghdr *nlh = nlt_msg(self->s, KIPSEC_CMD_SA_FLUSH, 0);

		mnl_attr_put_u32(nlh, KIPSEC_A_PROTO, IPPROTO_ESP);
		EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), "4-byte PROTO");
	}
	EXPECT_EQ(4, sa_count(self->s));
}

TEST_HARNESS_MAIN
