// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, what SA_ADD refuses: against the contract of
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

/* ======================= SA_ADD: what is refused ======================= */

NL_FIXTURE(sad)

TEST_F(sad, add_missing_attribute)
{
	struct nlmsghdr *nlh;
	struct sa_req r;
	char what[64];
	unsigned int i;

	/* No KIPSEC_A_SA at all. */
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	EXPECT_MISSING(self->s, nlt_talk(self->s, nlh, NULL, NULL), "no A_SA", KIPSEC_A_SA, false);
	for (i = 0; i < sizeof(sa_required) / sizeof(sa_required[0]); i++) {
		sa_req_init(&r, 0x4000);
		r.omit = 1u << sa_required[i].attr;
		snprintf(what, sizeof(what), "without %s", sa_required[i].name);
		/* The extack names the missing attribute, in the A_SA nest. */
		EXPECT_MISSING(self->s, sa_add(self->s, &r, 0), what, sa_required[i].attr, true);
	}
	/* ESP needs ENC; AH needs AUTH. */
	sa_req_init(&r, 0x4000);
	r.enc = NULL;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "ESP without ENC");
	sa_req_init(&r, 0x4000);
	r.enc = NULL;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "ESP with AUTH only");
	sa_req_init(&r, 0x4000);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AH without AUTH");
	/* Encryption without integrity, and neither (null alone). */
	sa_req_init(&r, 0x4000);
	r.enc = "aes-cbc";
	r.enc_key_len = 16;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "aes-cbc without AUTH");
	sa_req_init(&r, 0x4000);
	r.enc = "null";
	r.enc_key_len = -1;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "null without AUTH");
	/* An ALG nest without its NAME. */
	sa_req_init(&r, 0x4000);
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	r.enc = NULL;
	r.auth = NULL;
	nlt_put_sa(nlh, &r);
	{
		struct nlattr *sa = first_attr(nlh);
		struct nlattr *enc = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENC | NLA_F_NESTED);
		uint8_t key[20];

		nlt_key(key, 20, 1);
		mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, 20, key);
		mnl_attr_nest_end(nlh, enc);
		close_last_nest(nlh, sa);
	}
	EXPECT_MISSING(self->s, nlt_talk(self->s, nlh, NULL, NULL), "ENC without NAME",
		       KIPSEC_ALG_A_NAME, true);
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_bad_spi)
{
	static const uint32_t spis[] = { 0, 1, 100, 255 };
	struct sa_req r;
	char what[64];
	unsigned int i;

	/* RFC 4303 §2.1: 1-255 are reserved, 0 is never sent. */
	for (i = 0; i < 4; i++) {
		sa_req_init(&r, spis[i]);
		snprintf(what, sizeof(what), "SPI %u", spis[i]);
		EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), what, "SPI");
	}
	sa_req_init(&r, 0x4000);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	r.spi = 255;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AH SPI 255");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_bad_family_and_address)
{
	static const uint16_t families[] = { 0, AF_UNIX, AF_PACKET, AF_NETLINK, 0xffff };
	struct sa_req r;
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		sa_req_init(&r, 0x4000);
		r.family = families[i];
		r.addr_len = 4;
		snprintf(what, sizeof(what), "family %u", families[i]);
		EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), what);
	}
	/* An address is exactly 4 or 16 bytes, by the family. */
	sa_req_init(&r, 0x4000);
	r.addr_len = 5;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "5-byte addresses");
	sa_req_init(&r, 0x4000);
	r.addr_len = 3;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "3-byte addresses");
	sa_req_init(&r, 0x4000);
	r.addr_len = 16;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AF_INET, 16 bytes");
	sa_req_init(&r, 0x4000);
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	r.addr_len = 4;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AF_INET6, 4 bytes");
	sa_req_init(&r, 0x4000);
	r.addr_len = 0;
	{
		/* A 5-byte source with a good destination. */
		struct nlmsghdr *nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
		uint8_t five[5] = { 192, 0, 2, 1, 0 };
		struct nlattr *sa;

		r.omit = 1u << KIPSEC_SA_A_SRC;
		nlt_put_sa(nlh, &r);
		sa = first_attr(nlh);
		mnl_attr_put(nlh, KIPSEC_SA_A_SRC, 5, five);
		close_last_nest(nlh, sa);
		EXPECT_REFUSED_MSG(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL),
				   "5-byte source", "4 bytes");
	}
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_bad_proto)
{
	static const uint8_t protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP, 255 };
	struct sa_req r;
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		sa_req_init(&r, 0x4000);
		r.proto = protos[i];
		snprintf(what, sizeof(what), "protocol %u", protos[i]);
		EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), what);
	}
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_bad_algorithm_combination)
{
	struct sa_req r;

	/* AH authenticates only (RFC 4302): no cipher. */
	sa_req_init(&r, 0x4000);
	r.proto = IPPROTO_AH;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), "AH with ENC", "AH");
	/* An AEAD authenticates by itself. */
	sa_req_init(&r, 0x4000);
	r.auth = "hmac-sha2-256";
	r.auth_key_len = 32;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "aes-gcm with AUTH");
	sa_req_init(&r, 0x4000);
	r.enc = "chacha20-poly1305";
	r.enc_key_len = 36;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "chacha20-poly1305 with AUTH");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_unknown_algorithm)
{
	static const char * const encs[] = {
		"aes-ctr", "AES-GCM", "aes-gcm ", "", "des-cbc", "hmac-sha1", "rfc4106(gcm(aes))",
	};
	static const char * const auths[] = {
		"hmac-sha3-256", "HMAC-SHA1", "aes-cbc", "null", "", "hmac(sha1)",
	};
	struct sa_req r;
	char what[80];
	unsigned int i;

	for (i = 0; i < sizeof(encs) / sizeof(encs[0]); i++) {
		sa_req_init(&r, 0x4000);
		r.enc = encs[i];
		snprintf(what, sizeof(what), "ENC \"%s\"", encs[i]);
		EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), what, "unknown");
	}
	for (i = 0; i < sizeof(auths) / sizeof(auths[0]); i++) {
		sa_req_init(&r, 0x4000);
		r.enc = "aes-cbc";
		r.enc_key_len = 16;
		r.auth = auths[i];
		r.auth_key_len = 20;
		snprintf(what, sizeof(what), "AUTH \"%s\"", auths[i]);
		EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), what, "unknown");
	}
	/* AH with an unknown HMAC. */
	sa_req_init(&r, 0x4000);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	r.auth = "hmac-whirlpool";
	r.auth_key_len = 64;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AH hmac-whirlpool");
	/* A name longer than KIPSEC_ALG_NAME_MAX. */
	{
		char longname[KIPSEC_ALG_NAME_MAX + 8];

		memset(longname, 'a', sizeof(longname) - 1);
		longname[sizeof(longname) - 1] = '\0';
		sa_req_init(&r, 0x4000);
		r.enc = longname;
		EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "71-byte name");
	}
	EXPECT_EQ(0, sa_count(self->s));
}

struct bad_key {
	const char *enc;
	int enc_key;
	const char *auth;
	int auth_key;
	const char *names;	/* the algorithm the message must name */
};

TEST_F(sad, add_bad_key_size)
{
	static const struct bad_key cases[] = {
		{ "aes-gcm", 16, NULL, 0, "aes-gcm" },		/* no salt */
		{ "aes-gcm", 32, NULL, 0, "aes-gcm" },
		{ "aes-gcm", 19, NULL, 0, "aes-gcm" },
		{ "aes-gcm", 37, NULL, 0, "aes-gcm" },
		{ "aes-gcm", -1, NULL, 0, "aes-gcm" },		/* no key at all */
		{ "aes-gcm", 0, NULL, 0, "aes-gcm" },
		{ "chacha20-poly1305", 32, NULL, 0, "chacha20-poly1305" },
		{ "chacha20-poly1305", 35, NULL, 0, "chacha20-poly1305" },
		{ "aes-cbc", 20, "hmac-sha1", 20, "aes-cbc" },	/* an aes-gcm size */
		{ "aes-cbc", 15, "hmac-sha1", 20, "aes-cbc" },
		{ "aes-cbc", 36, "hmac-sha1", 20, "aes-cbc" },
		{ "3des-cbc", 16, "hmac-sha1", 20, "3des-cbc" },
		{ "3des-cbc", 8, "hmac-sha1", 20, "3des-cbc" },
		{ "null", 16, "hmac-sha1", 20, "null" },
		{ "aes-cbc", 16, "hmac-md5", 20, "hmac-md5" },
		{ "aes-cbc", 16, "hmac-sha1", 16, "hmac-sha1" },
		{ "aes-cbc", 16, "hmac-sha2-256", 20, "hmac-sha2-256" },
		{ "aes-cbc", 16, "hmac-sha2-384", 32, "hmac-sha2-384" },
		{ "aes-cbc", 16, "hmac-sha2-512", 32, "hmac-sha2-512" },
		{ "aes-cbc", 16, "hmac-sha2-256", -1, "hmac-sha2-256" },
		{ NULL, 0, "hmac-sha2-256", 16, "hmac-sha2-256" },	/* AH */
	};
	struct sa_req r;
	char what[96];
	unsigned int i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sa_req_init(&r, 0x4000);
		if (!cases[i].enc)
			r.proto = IPPROTO_AH;
		r.enc = cases[i].enc;
		r.enc_key_len = cases[i].enc_key;
		r.auth = cases[i].auth;
		r.auth_key_len = cases[i].auth_key;
		snprintf(what, sizeof(what), "%s key %d, %s key %d", cases[i].enc ?: "-",
			 cases[i].enc_key, cases[i].auth ?: "-", cases[i].auth_key);
		/* design.md: named algorithms, so that the error names them. */
		EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), what, cases[i].names);
	}
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_bad_icv)
{
	static const struct {
		const char *enc, *auth;
		uint32_t enc_icv, auth_icv;
	} cases[] = {
		{ "aes-gcm", NULL, 4, 0 },
		{ "aes-gcm", NULL, 20, 0 },
		{ "chacha20-poly1305", NULL, 12, 0 },
		{ "chacha20-poly1305", NULL, 8, 0 },
		{ "aes-cbc", "hmac-sha1", 0, 16 },
		{ "aes-cbc", "hmac-sha2-256", 0, 12 },
		{ "aes-cbc", "hmac-sha2-256", 0, 33 },
		{ "aes-cbc", "hmac-md5", 0, 16 },
		{ "aes-cbc", "hmac-sha1", 12, 0 },	/* a cipher has no ICV */
	};
	struct sa_req r;
	char what[96];
	unsigned int i, h;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sa_req_init(&r, 0x4000);
		r.enc = cases[i].enc;
		r.enc_icv = cases[i].enc_icv;
		if (!strcmp(r.enc, "chacha20-poly1305"))
			r.enc_key_len = 36;
		if (!strcmp(r.enc, "aes-cbc"))
			r.enc_key_len = 16;
		r.auth = cases[i].auth;
		r.auth_icv = cases[i].auth_icv;
		for (h = 0; r.auth && h < N_HMACS; h++)
			if (!strcmp(hmacs[h].name, r.auth))
				r.auth_key_len = hmacs[h].key_len;
		snprintf(what, sizeof(what), "%s ICV %u, %s ICV %u", r.enc, r.enc_icv,
			 r.auth ?: "-", r.auth_icv);
		EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), what);
	}
	/* AH with a truncation other than the RFC's. */
	sa_req_init(&r, 0x4000);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	r.auth = "hmac-sha2-512";
	r.auth_key_len = 64;
	r.auth_icv = 16;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AH sha2-512 ICV 16");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_bad_flags)
{
	struct sa_req r;

	sa_req_init(&r, 0x4000);
	r.flags = 1u << 1;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "flag bit 1");
	sa_req_init(&r, 0x4000);
	r.flags = KIPSEC_SA_F_ESN | 0x80000000u;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "ESN + flag bit 31");
	EXPECT_EQ(0, sa_count(self->s));
}

/* RFC 4303 Appendix A2: the receiver infers ESN from its window; XFRM refuses the same. */
TEST_F(sad, esn_needs_window)
{
	struct sa_req r;

	sa_req_init(&r, 0x4100);
	r.flags = KIPSEC_SA_F_ESN;
	r.window = 0;
	EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), "ESN, window 0",
			   "replay window");
	r.window = 1;
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "ESN, window 1");
	sa_req_init(&r, 0x4101);
	r.window = 0;
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "no ESN, window 0");
	EXPECT_EQ(2, sa_count(self->s));
}

/* SEQ_OUT: where the counter starts, below the last number (RFC 4303 §3.3.3). */
TEST_F(sad, seq_out)
{
	struct sa_info sa;
	struct sa_req r;

	sa_req_init(&r, 0x4200);
	r.seq_out = 0xffffffffLL;
	EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), "2^32 - 1 without ESN",
			   "2^32 - 1");
	r.seq_out = 0x100000000LL;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "2^32 without ESN");
	r.seq_out = 0xfffffffeLL;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "2^32 - 2");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(0xfffffffeULL, sa.seq_out);

	sa_req_init(&r, 0x4201);
	r.flags = KIPSEC_SA_F_ESN;
	r.seq_out = 0x123456789LL;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "ESN above 2^32");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(0x123456789ULL, sa.seq_out);
	EXPECT_EQ(2, sa_count(self->s));
}

/*
 * A replace continues the SA (XFRM's UPDSA keeps the replay state): the
 * counter is never moved back, by default or by request; a request may
 * move it on.  The data plane side is in esp_hardening.sh.
 */
TEST_F(sad, replace_keeps_seq)
{
	struct sa_info sa;
	struct sa_req r;

	sa_req_init(&r, 0x4300);
	r.seq_out = 1000;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	r.seq_out = -1;
	r.hard.packets = 1000000;
	ASSERT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "replace, new lifetime");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(1000, sa.seq_out) TH_LOG("a replace reset the sequence counter");
	EXPECT_EQ(1000000, sa.hard.packets);
	r.seq_out = 5;
	ASSERT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "replace, counter back");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(1000, sa.seq_out) TH_LOG("a replace moved the counter back");
	r.seq_out = 2000;
	ASSERT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "replace, counter on");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(2000, sa.seq_out);
	/* A larval SA has no counter to keep: its completion starts where asked. */
	sa_req_init(&r, 0);
	ASSERT_OK(self->s, spi_alloc(self->s, &r, -1, -1, &sa), "larval");
	r.spi = sa.spi;
	r.seq_out = 7;
	ASSERT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "complete");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(7, sa.seq_out);
}

TEST_F(sad, add_soft_above_hard)
{
	struct sa_req r;

	sa_req_init(&r, 0x4000);
	r.soft.bytes = 2000;
	r.hard.bytes = 1000;
	EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), "soft bytes > hard", "soft");
	sa_req_init(&r, 0x4000);
	r.soft.packets = 11;
	r.hard.packets = 10;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "soft packets > hard");
	sa_req_init(&r, 0x4000);
	r.soft.add_secs = 3601;
	r.hard.add_secs = 3600;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "soft add time > hard");
	sa_req_init(&r, 0x4000);
	r.soft.use_secs = 61;
	r.hard.use_secs = 60;
	r.soft.bytes = 1;
	r.hard.bytes = 2;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "soft use time > hard");
	EXPECT_EQ(0, sa_count(self->s));
}

/*
 * Values outside the range an attribute's netlink policy states: the
 * netlink core refuses them itself, with ERANGE and its own extack
 * (design.md).
 */
TEST_F(sad, add_out_of_range_values)
{
	struct nlmsghdr *nlh;
	struct nlattr *sa;
	struct sa_req r;

	sa_req_init(&r, 0x4000);
	r.window = KIPSEC_REPLAY_WINDOW_MAX + 1;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "window 4097");
	sa_req_init(&r, 0x4000);
	r.window = 0xffffffff;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "window 2^32-1");
	/* enum kipsec_mode is 1 or 2. */
	sa_req_init(&r, 0x4000);
	r.mode = 3;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "mode 3");
	nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
	sa_req_init(&r, 0x4000);
	r.omit = 1u << KIPSEC_SA_A_MODE;
	nlt_put_sa(nlh, &r);
	sa = first_attr(nlh);
	mnl_attr_put_u8(nlh, KIPSEC_SA_A_MODE, 0);
	close_last_nest(nlh, sa);
	EXPECT_REFUSED(self->s, ERANGE, nlt_talk(self->s, nlh, NULL, NULL), "mode 0");
	/* Longer than any address, any key. */
	sa_req_init(&r, 0x4000);
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	r.addr_len = 17;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "AF_INET6, 17 bytes");
	sa_req_init(&r, 0x4000);
	r.enc_key_len = KIPSEC_KEY_MAX + 1;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "129-byte key");
	/* ICV lengths no algorithm has. */
	sa_req_init(&r, 0x4000);
	r.enc_icv = 0xffffffff;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "aes-gcm ICV 2^32-1");
	sa_req_init(&r, 0x4000);
	r.enc = "aes-cbc";
	r.enc_key_len = 16;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	r.auth_icv = 65;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "hmac-sha1 ICV 65");
	/* NAT-T port 0. */
	sa_req_init(&r, 0x4000);
	r.encap = true;
	r.encap_sport = 0;
	r.encap_dport = 4500;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "UDP source port 0");
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_F(sad, add_reply_only_attributes)
{
	static const struct {
		int type, len;
	} in_sa[] = {
		{ KIPSEC_SA_A_STATE, 1 },
		{ KIPSEC_SA_A_STATS, 0 },
		{ KIPSEC_SA_A_ADD_TIME, 8 },
		{ KIPSEC_SA_A_USE_TIME, 8 },
		/* SEQ_OUT is settable (sad.seq_out); SEQ_IN is not. */
		{ KIPSEC_SA_A_SEQ_IN, 8 },
	};
	static const int top[] = { KIPSEC_A_STATS, KIPSEC_A_EXPIRE_HARD, KIPSEC_A_SEL_PKT };
	uint8_t zero[8] = { 0 };
	struct nlmsghdr *nlh;
	struct sa_req r;
	char what[64];
	unsigned int i;

	for (i = 0; i < sizeof(in_sa) / sizeof(in_sa[0]); i++) {
		struct nlattr *sa;

		nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
		sa_req_init(&r, 0x4000 + i);
		nlt_put_sa(nlh, &r);
		sa = first_attr(nlh);
		if (in_sa[i].type == KIPSEC_SA_A_STATS)
			mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, in_sa[i].type | NLA_F_NESTED));
		else
			mnl_attr_put(nlh, in_sa[i].type, in_sa[i].len, zero);
		close_last_nest(nlh, sa);
		snprintf(what, sizeof(what), "SA attribute %d in a request", in_sa[i].type);
		EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), what);
	}
	/* ALG_A_KEY_LEN is reported, never requested. */
	{
		struct nlattr *sa, *enc;
		uint8_t key[20];

		nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
		sa_req_init(&r, 0x4200);
		r.enc = NULL;
		nlt_put_sa(nlh, &r);
		sa = first_attr(nlh);
		enc = mnl_attr_nest_start(nlh, KIPSEC_SA_A_ENC | NLA_F_NESTED);
		mnl_attr_put_strz(nlh, KIPSEC_ALG_A_NAME, "aes-gcm");
		nlt_key(key, 20, 5);
		mnl_attr_put(nlh, KIPSEC_ALG_A_KEY, 20, key);
		mnl_attr_put_u32(nlh, KIPSEC_ALG_A_KEY_LEN, 20);
		mnl_attr_nest_end(nlh, enc);
		close_last_nest(nlh, sa);
		EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL),
			       "ALG_A_KEY_LEN in a request");
	}
	for (i = 0; i < sizeof(top) / sizeof(top[0]); i++) {
		nlh = nlt_msg(self->s, KIPSEC_CMD_SA_ADD, 0);
		sa_req_init(&r, 0x4100 + i);
		nlt_put_sa(nlh, &r);
		if (top[i] == KIPSEC_A_EXPIRE_HARD)
			mnl_attr_put(nlh, top[i], 0, NULL);
		else
			mnl_attr_nest_end(nlh, mnl_attr_nest_start(nlh, top[i] | NLA_F_NESTED));
		snprintf(what, sizeof(what), "top-level attribute %d in a request", top[i]);
		EXPECT_REFUSED(self->s, EINVAL, nlt_talk(self->s, nlh, NULL, NULL), what);
	}
	EXPECT_EQ(0, sa_count(self->s));
}

TEST_HARNESS_MAIN
