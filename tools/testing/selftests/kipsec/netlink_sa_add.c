// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec netlink semantics, SA_ADD of every algorithm and option, replace and duplicates: against the contract of
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

/*
 * Adds r, reads it back with its keys and compares what the kernel reports
 * with what was asked for.
 */
static void add_and_check(struct __test_metadata *_metadata, struct nlt *s,
			  const struct sa_req *r, const char *what)
{
	struct sa_info sa;
	uint8_t key[KIPSEC_KEY_MAX];
	int alen = r->family == AF_INET6 ? 16 : 4;
	unsigned int i;

	EXPECT_OK(s, sa_add(s, r, 0), what);
	if (_metadata->passed == 0)
		return;
	EXPECT_OK(s, sa_get(s, r, true, &sa), what);
	if (_metadata->passed == 0)
		return;
	EXPECT_EQ(r->family, sa.family) TH_LOG("%s: family", what);
	EXPECT_EQ(alen, sa.src_len) TH_LOG("%s: source length", what);
	EXPECT_EQ(alen, sa.dst_len) TH_LOG("%s: destination length", what);
	EXPECT_EQ(0, memcmp(r->src, sa.src, alen)) TH_LOG("%s: source", what);
	EXPECT_EQ(0, memcmp(r->dst, sa.dst, alen)) TH_LOG("%s: destination", what);
	EXPECT_EQ(r->spi, sa.spi) TH_LOG("%s: SPI", what);
	EXPECT_EQ(r->proto, sa.proto) TH_LOG("%s: protocol", what);
	EXPECT_EQ(r->mode, sa.mode) TH_LOG("%s: mode", what);
	EXPECT_EQ(KIPSEC_SA_STATE_MATURE, sa.state) TH_LOG("%s: state", what);
	if (r->enc) {
		EXPECT_TRUE(sa.enc.present) TH_LOG("%s: no ENC in the reply", what);
		EXPECT_STREQ(r->enc, sa.enc.name);
		if (r->enc_key_len > 0) {
			nlt_key(key, r->enc_key_len, r->spi * 2);
			EXPECT_TRUE(sa.enc.has_key) TH_LOG("%s: SHOW_KEYS sent no ENC key", what);
			EXPECT_EQ(r->enc_key_len, sa.enc.key_len) TH_LOG("%s: ENC key length", what);
			EXPECT_EQ(0, memcmp(key, sa.enc.key, r->enc_key_len))
				TH_LOG("%s: ENC key differs", what);
		} else {
			EXPECT_EQ(0, sa.enc.key_len) TH_LOG("%s: a key for a keyless cipher", what);
		}
		if (r->enc_icv) {
			EXPECT_TRUE(sa.enc.has_icv) TH_LOG("%s: no ICV_LEN in ENC", what);
			EXPECT_EQ(r->enc_icv, sa.enc.icv) TH_LOG("%s: ICV length", what);
		}
	} else {
		EXPECT_FALSE(sa.enc.present) TH_LOG("%s: ENC in the reply of an SA without", what);
	}
	if (r->auth) {
		EXPECT_TRUE(sa.auth.present) TH_LOG("%s: no AUTH in the reply", what);
		EXPECT_STREQ(r->auth, sa.auth.name);
		nlt_key(key, r->auth_key_len, r->spi * 2 + 1);
		EXPECT_TRUE(sa.auth.has_key) TH_LOG("%s: SHOW_KEYS sent no AUTH key", what);
		EXPECT_EQ(r->auth_key_len, sa.auth.key_len) TH_LOG("%s: AUTH key length", what);
		EXPECT_EQ(0, memcmp(key, sa.auth.key, r->auth_key_len))
			TH_LOG("%s: AUTH key differs", what);
		/* kipsec.h: ICV_LEN defaults to the RFC truncation. */
		for (i = 0; i < N_HMACS; i++) {
			if (strcmp(hmacs[i].name, r->auth))
				continue;
			EXPECT_EQ(r->auth_icv ? r->auth_icv : hmacs[i].icv, sa.auth.icv)
				TH_LOG("%s: AUTH ICV length", what);
		}
	} else {
		EXPECT_FALSE(sa.auth.present) TH_LOG("%s: AUTH in the reply of an SA without", what);
	}
}

static uint32_t next_spi = 0x1000;

/* ======================= SA_ADD: what is accepted ======================= */

NL_FIXTURE(sad)

TEST_F(sad, add_aes_gcm)
{
	static const int keys[] = { 20, 28, 36 };
	static const uint32_t icvs[] = { 0, 8, 12, 16 };
	struct sa_req r;
	char what[64];
	unsigned int k, i;

	for (k = 0; k < 3; k++) {
		for (i = 0; i < 4; i++) {
			sa_req_init(&r, next_spi++);
			r.enc_key_len = keys[k];
			r.enc_icv = icvs[i];
			snprintf(what, sizeof(what), "aes-gcm key %d ICV %u", keys[k], icvs[i]);
			add_and_check(_metadata, self->s, &r, what);
		}
	}
	EXPECT_EQ(12, sa_count(self->s));
}

TEST_F(sad, add_chacha20_poly1305)
{
	struct sa_req r;

	sa_req_init(&r, next_spi++);
	r.enc = "chacha20-poly1305";
	r.enc_key_len = 36;
	add_and_check(_metadata, self->s, &r, "chacha20-poly1305");
	sa_req_init(&r, next_spi++);
	r.enc = "chacha20-poly1305";
	r.enc_key_len = 36;
	r.enc_icv = 16;
	add_and_check(_metadata, self->s, &r, "chacha20-poly1305 ICV 16");
	EXPECT_EQ(2, sa_count(self->s));
}

TEST_F(sad, add_aes_cbc)
{
	static const int keys[] = { 16, 24, 32 };
	struct sa_req r;
	char what[64];
	unsigned int k, h;

	for (k = 0; k < 3; k++) {
		for (h = 0; h < N_HMACS; h++) {
			sa_req_init(&r, next_spi++);
			r.enc = "aes-cbc";
			r.enc_key_len = keys[k];
			r.auth = hmacs[h].name;
			r.auth_key_len = hmacs[h].key_len;
			snprintf(what, sizeof(what), "aes-cbc %d + %s", keys[k], hmacs[h].name);
			add_and_check(_metadata, self->s, &r, what);
		}
	}
	EXPECT_EQ(3 * N_HMACS, sa_count(self->s));
}

TEST_F(sad, add_3des_cbc)
{
	struct sa_req r;
	char what[64];
	unsigned int h;

	for (h = 0; h < N_HMACS; h++) {
		sa_req_init(&r, next_spi++);
		r.enc = "3des-cbc";
		r.enc_key_len = 24;
		r.auth = hmacs[h].name;
		r.auth_key_len = hmacs[h].key_len;
		snprintf(what, sizeof(what), "3des-cbc + %s", hmacs[h].name);
		add_and_check(_metadata, self->s, &r, what);
	}
	EXPECT_EQ(N_HMACS, sa_count(self->s));
}

TEST_F(sad, add_null_enc)
{
	struct sa_req r;
	char what[64];
	unsigned int h;

	/* RFC 2410: integrity only, the cipher takes no key. */
	for (h = 0; h < N_HMACS; h++) {
		sa_req_init(&r, next_spi++);
		r.enc = "null";
		r.enc_key_len = -1;
		r.auth = hmacs[h].name;
		r.auth_key_len = hmacs[h].key_len;
		snprintf(what, sizeof(what), "null + %s", hmacs[h].name);
		add_and_check(_metadata, self->s, &r, what);
	}
	EXPECT_EQ(N_HMACS, sa_count(self->s));
}

TEST_F(sad, add_ah)
{
	struct sa_req r;
	char what[64];
	unsigned int h, m;

	for (m = KIPSEC_MODE_TRANSPORT; m <= KIPSEC_MODE_TUNNEL; m++) {
		for (h = 0; h < N_HMACS; h++) {
			sa_req_init(&r, next_spi++);
			r.proto = IPPROTO_AH;
			r.mode = m;
			r.enc = NULL;
			r.auth = hmacs[h].name;
			r.auth_key_len = hmacs[h].key_len;
			snprintf(what, sizeof(what), "AH %s mode %u", hmacs[h].name, m);
			add_and_check(_metadata, self->s, &r, what);
		}
	}
	/* An explicit ICV length equal to the RFC's is fine too. */
	sa_req_init(&r, next_spi++);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	r.auth = "hmac-sha2-256";
	r.auth_key_len = 32;
	r.auth_icv = 16;
	add_and_check(_metadata, self->s, &r, "AH hmac-sha2-256 ICV 16");
	EXPECT_EQ(2 * N_HMACS + 1, sa_count(self->s));
}

TEST_F(sad, add_ipv6)
{
	struct sa_req r;

	sa_req_init(&r, next_spi++);
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	add_and_check(_metadata, self->s, &r, "IPv6 aes-gcm");
	sa_req_init(&r, next_spi++);
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	r.proto = IPPROTO_AH;
	r.mode = KIPSEC_MODE_TRANSPORT;
	r.enc = NULL;
	r.auth = "hmac-sha2-512";
	r.auth_key_len = 64;
	add_and_check(_metadata, self->s, &r, "IPv6 AH");
	EXPECT_EQ(2, sa_count(self->s));
}

TEST_F(sad, add_esn)
{
	struct sa_req r;
	struct sa_info sa;

	/* authencesn for the composed ciphers, the AEADs take ESN as they are. */
	sa_req_init(&r, 0x2000);
	r.enc = "aes-cbc";
	r.enc_key_len = 16;
	r.auth = "hmac-sha2-256";
	r.auth_key_len = 32;
	r.flags = KIPSEC_SA_F_ESN;
	add_and_check(_metadata, self->s, &r, "aes-cbc ESN");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_FLAGS]);
	EXPECT_EQ(KIPSEC_SA_F_ESN, sa.flags);

	sa_req_init(&r, 0x2001);
	r.flags = KIPSEC_SA_F_ESN;
	add_and_check(_metadata, self->s, &r, "aes-gcm ESN");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(KIPSEC_SA_F_ESN, sa.flags);

	/* FLAGS 0 is no flag at all. */
	sa_req_init(&r, 0x2002);
	r.flags = 0;
	add_and_check(_metadata, self->s, &r, "flags 0");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(0, sa.flags);
}

TEST_F(sad, add_lifetimes)
{
	struct sa_req r;
	struct sa_info sa;

	sa_req_init(&r, 0x2100);
	r.soft = (struct nlt_life){ 1000000, 1000, 3600, 600 };
	r.hard = (struct nlt_life){ 2000000, 2000, 7200, 1200 };
	add_and_check(_metadata, self->s, &r, "soft and hard lifetimes");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_LIFE_SOFT]);
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_LIFE_HARD]);
	EXPECT_EQ(1000000, sa.soft.bytes);
	EXPECT_EQ(1000, sa.soft.packets);
	EXPECT_EQ(3600, sa.soft.add_secs);
	EXPECT_EQ(600, sa.soft.use_secs);
	EXPECT_EQ(2000000, sa.hard.bytes);
	EXPECT_EQ(2000, sa.hard.packets);
	EXPECT_EQ(7200, sa.hard.add_secs);
	EXPECT_EQ(1200, sa.hard.use_secs);

	/* A soft limit equal to the hard one is not above it. */
	sa_req_init(&r, 0x2101);
	r.soft = (struct nlt_life){ 5000, 50, 60, 60 };
	r.hard = r.soft;
	add_and_check(_metadata, self->s, &r, "soft == hard");
	/* A soft limit with no hard one, and a hard one alone. */
	sa_req_init(&r, 0x2102);
	r.soft.add_secs = 3600;
	add_and_check(_metadata, self->s, &r, "soft only");
	sa_req_init(&r, 0x2103);
	r.hard.packets = 10;
	add_and_check(_metadata, self->s, &r, "hard only");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_FALSE(sa.present[KIPSEC_SA_A_LIFE_SOFT]);
	EXPECT_EQ(10, sa.hard.packets);
	/* Larger than anything in one soft field, a lower one in another: fine. */
	sa_req_init(&r, 0x2104);
	r.soft.bytes = 100;
	r.hard.packets = 5;
	add_and_check(_metadata, self->s, &r, "limits of different kinds");
}

TEST_F(sad, add_encap)
{
	struct sa_req r;
	struct sa_info sa;

	sa_req_init(&r, 0x2200);
	r.encap = true;
	r.encap_sport = 4500;
	r.encap_dport = 4501;
	add_and_check(_metadata, self->s, &r, "NAT-T");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_ENCAP]);
	EXPECT_EQ(4500, sa.encap_sport);
	EXPECT_EQ(4501, sa.encap_dport);

	/* RFC 3948 encapsulates ESP only. */
	sa_req_init(&r, 0x2201);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	r.encap = true;
	r.encap_sport = 4500;
	r.encap_dport = 4500;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, 0), "AH with UDP encapsulation");
	EXPECT_EQ(1, sa_count(self->s));
}

/* The mark of decrypted packets: all bits by default, or those of a mask. */
TEST_F(sad, add_mark)
{
	struct sa_req r;
	struct sa_info sa;

	sa_req_init(&r, 0x2250);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "no mark");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_FALSE(sa.present[KIPSEC_SA_A_MARK]);
	EXPECT_FALSE(sa.present[KIPSEC_SA_A_MARK_MASK]);

	sa_req_init(&r, 0x2251);
	r.mark = 0x42;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "mark 0x42");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(0x42, sa.mark);
	EXPECT_EQ(0xffffffff, sa.mark_mask);

	sa_req_init(&r, 0x2252);
	r.mark = 0;
	r.mark_mask = 0xff00;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "mark 0/0xff00");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_MARK]);
	EXPECT_EQ(0, sa.mark);
	EXPECT_EQ(0xff00, sa.mark_mask);

	sa_req_init(&r, 0x2253);
	r.mark_mask = 0xff;
	EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), "a mask without a mark",
			   "needs a mark");
	r.mark = 0x100;
	EXPECT_REFUSED_MSG(self->s, EINVAL, sa_add(self->s, &r, 0), "0x100/0xff",
			   "outside its mask");
	r.mark = 0;
	r.mark_mask = 0;
	EXPECT_REFUSED(self->s, ERANGE, sa_add(self->s, &r, 0), "mask 0");
	EXPECT_EQ(3, sa_count(self->s));
}

TEST_F(sad, add_window_reqid_mode)
{
	struct sa_req r;
	struct sa_info sa;

	sa_req_init(&r, 0x2300);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "default window");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(KIPSEC_REPLAY_WINDOW_DEFAULT, sa.window);

	sa_req_init(&r, 0x2301);
	r.window = 0;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "window 0 (off)");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_TRUE(sa.present[KIPSEC_SA_A_REPLAY_WINDOW]);
	EXPECT_EQ(0, sa.window);

	sa_req_init(&r, 0x2302);
	r.window = KIPSEC_REPLAY_WINDOW_MAX;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "window 4096");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(KIPSEC_REPLAY_WINDOW_MAX, sa.window);

	sa_req_init(&r, 0x2303);
	r.reqid = 77;
	r.mode = KIPSEC_MODE_TRANSPORT;
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "reqid 77");
	ASSERT_OK(self->s, sa_get(self->s, &r, false, &sa), "get");
	EXPECT_EQ(77, sa.reqid);
	EXPECT_EQ(KIPSEC_MODE_TRANSPORT, sa.mode);

	/* The smallest SPI allowed (RFC 4303 §2.1) and the largest. */
	sa_req_init(&r, 256);
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "SPI 256");
	sa_req_init(&r, 0xffffffff);
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "SPI 0xffffffff");
	EXPECT_EQ(6, sa_count(self->s));
}

/* ===================== SA_ADD: replace and duplicates ===================== */

TEST_F(sad, replace)
{
	struct sa_req r;
	struct sa_info sa;
	unsigned int n;

	sa_req_init(&r, 0x3000);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	/* Same name, other algorithm: NLM_F_REPLACE swaps it. */
	r.enc = "aes-cbc";
	r.enc_key_len = 32;
	r.auth = "hmac-sha2-256";
	r.auth_key_len = 32;
	r.reqid = 9;
	EXPECT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE), "replace");
	ASSERT_OK(self->s, sa_get(self->s, &r, true, &sa), "get");
	EXPECT_STREQ("aes-cbc", sa.enc.name);
	EXPECT_STREQ("hmac-sha2-256", sa.auth.name);
	EXPECT_EQ(32, sa.enc.key_len);
	EXPECT_EQ(9, sa.reqid);
	ASSERT_OK(self->s, sa_dump(self->s, false, NULL, NULL, &n), "dump");
	EXPECT_EQ(1, n);
	EXPECT_EQ(1, sa_count(self->s));

	/* NLM_F_REPLACE without NLM_F_CREATE replaces only what exists. */
	sa_req_init(&r, 0x3001);
	EXPECT_REFUSED(self->s, ENOENT, sa_add(self->s, &r, NLM_F_REPLACE), "replace nothing");
	EXPECT_REFUSED(self->s, ENOENT, sa_get(self->s, &r, false, NULL), "not created");
	/* With NLM_F_CREATE it creates. */
	EXPECT_OK(self->s, sa_add(self->s, &r, NLM_F_REPLACE | NLM_F_CREATE), "replace-or-create");
	EXPECT_OK(self->s, sa_get(self->s, &r, false, NULL), "created");
	EXPECT_EQ(2, sa_count(self->s));
	/* A refused replacement leaves the old SA as it was. */
	r.enc_key_len = 17;
	EXPECT_REFUSED(self->s, EINVAL, sa_add(self->s, &r, NLM_F_REPLACE), "bad replacement");
	ASSERT_OK(self->s, sa_get(self->s, &r, true, &sa), "still there");
	EXPECT_EQ(20, sa.enc.key_len);
}

TEST_F(sad, duplicate)
{
	struct sa_req r;

	sa_req_init(&r, 0x3100);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add");
	EXPECT_REFUSED_MSG(self->s, EEXIST, sa_add(self->s, &r, 0), "same SA twice", "exists");
	/* Another source with the same destination, SPI and protocol is the same SA. */
	sa_req_addrs(&r, "192.0.2.99", "192.0.2.2");
	EXPECT_REFUSED(self->s, EEXIST, sa_add(self->s, &r, 0), "other source");
	/* An SA is named by destination, SPI and protocol (RFC 4301 §4.1). */
	sa_req_addrs(&r, "192.0.2.1", "192.0.2.3");
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "other destination");
	sa_req_init(&r, 0x3100);
	r.proto = IPPROTO_AH;
	r.enc = NULL;
	r.auth = "hmac-sha1";
	r.auth_key_len = 20;
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "other protocol");
	EXPECT_REFUSED(self->s, EEXIST, sa_add(self->s, &r, 0), "AH twice");
	sa_req_init(&r, 0x3100);
	sa_req_addrs(&r, "2001:db8::1", "2001:db8::2");
	EXPECT_OK(self->s, sa_add(self->s, &r, 0), "IPv6");
	EXPECT_REFUSED(self->s, EEXIST, sa_add(self->s, &r, 0), "IPv6 twice");
	EXPECT_EQ(4, sa_count(self->s));
}

TEST_HARNESS_MAIN
