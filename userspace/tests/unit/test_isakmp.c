// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ipsecd/isakmp.c and of the SA payloads of proposal.c: the
 * bytes of every message here are written out by hand from RFC 2408 §3
 * (header, generic payload header, SA/proposal/transform, attributes) and
 * RFC 2407 §4.6 (ID, notify), then decoded; messages built by the encoder
 * are decoded again; and every way of lying about a length is refused.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike_alg.h"
#include "ipsecd.h"
#include "tap.h"

/* Stand-ins for what proposal.c and the codec need from the daemon. */
struct ipsecd_stats stats;
uint16_t ike_port = 500;
bool stopping;
struct list rules = LIST_INIT(rules);

/* HDR (28) + SA (4 + 8 + proposal 8 + transform 8 + 4 attributes 16). */
static const uint8_t mm1[] = {
	/* cookies */
	1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
	ISAKMP_NP_SA, 0x10, ISAKMP_XCHG_IDPROT, 0,	/* np, version 1.0, main, flags */
	0, 0, 0, 0,					/* message ID */
	0, 0, 0, 72,					/* length */
	/* SA */
	0, 0, 0, 44,
	0, 0, 0, 1, 0, 0, 0, 1,				/* DOI IPsec, identity only */
	0, 0, 0, 32, 1, PROTO_ISAKMP, 0, 1,		/* proposal 1, no SPI, 1 transform */
	0, 0, 0, 24, 1, KEY_IKE, 0, 0,			/* transform 1 */
	0x80, OAKLEY_ENC, 0, IKE_ENC_AES_CBC,
	0x80, OAKLEY_KEY_LENGTH, 0x01, 0x00,		/* 256 */
	0x80, OAKLEY_HASH, 0, IKE_HASH_SHA2_256,
	0x80, OAKLEY_GROUP, 0, 14,
};

static void test_header(void)
{
	struct isakmp_hdr h;
	uint8_t buf[sizeof(mm1)];
	struct isakmp_msg m;

	is_int(isakmp_parse_hdr(mm1, sizeof(mm1), &h), 0, "hdr: main mode message 1 parses");
	is_int(h.np, ISAKMP_NP_SA, "hdr: next payload SA");
	is_int(h.exchange, ISAKMP_XCHG_IDPROT, "hdr: exchange 2 (identity protection)");
	is_int(h.len, 72, "hdr: length 72");
	is_int(isakmp_parse_payloads(h.np, mm1 + 28, sizeof(mm1) - 28, false, &m), 0,
	       "chain: one SA payload");
	is_int(m.n, 1, "chain: one payload");
	is_int(m.pl[0].len, 40, "chain: SA body is 40 bytes");

	is_int(isakmp_parse_hdr(mm1, 27, &h), -1, "hdr: 27 bytes refused");
	memcpy(buf, mm1, sizeof(buf));
	buf[27] = 73;
	is_int(isakmp_parse_hdr(buf, sizeof(buf), &h), -1, "hdr: length above the datagram refused");
	buf[27] = 71;
	is_int(isakmp_parse_hdr(buf, sizeof(buf), &h), -1, "hdr: length below the datagram refused");
	memcpy(buf, mm1, sizeof(buf));
	buf[17] = 0x20;
	is_int(isakmp_parse_hdr(buf, sizeof(buf), &h), -1, "hdr: major version 2 (IKEv2) refused");
	memcpy(buf, mm1, sizeof(buf));
	memset(buf, 0, 8);
	is_int(isakmp_parse_hdr(buf, sizeof(buf), &h), -1, "hdr: zero initiator cookie refused");
	memcpy(buf, mm1, sizeof(buf));
	buf[19] = 0x08;
	is_int(isakmp_parse_hdr(buf, sizeof(buf), &h), -1, "hdr: unknown flag refused");
}

static void test_chain(void)
{
	struct isakmp_msg m;
	uint8_t p[64];

	/* Two payloads: NONCE (4 + 8) then VID (4 + 4). */
	static const uint8_t two[] = { ISAKMP_NP_VID, 0, 0, 12, 1, 2, 3, 4, 5, 6, 7, 8,
				       0, 0, 0, 8, 0xaa, 0xbb, 0xcc, 0xdd };

	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, two, sizeof(two), false, &m), 0,
	       "chain: nonce then vendor ID");
	is_int(m.n, 2, "chain: two payloads");
	ok(m.pl[0].type == ISAKMP_NP_NONCE && m.pl[1].type == ISAKMP_NP_VID,
	   "chain: types follow next-payload");
	ok(isakmp_find(&m, ISAKMP_NP_VID) == &m.pl[1], "chain: find");
	is_int(isakmp_count(&m, ISAKMP_NP_KE), 0, "chain: count of absent type");

	memcpy(p, two, sizeof(two));
	p[3] = 3;
	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, p, sizeof(two), false, &m), -1,
	       "chain: payload length 3 refused");
	p[3] = 40;
	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, p, sizeof(two), false, &m), -1,
	       "chain: payload length past the end refused");
	memcpy(p, two, sizeof(two));
	p[1] = 1;
	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, p, sizeof(two), false, &m), -1,
	       "chain: RESERVED not zero refused");
	memcpy(p, two, sizeof(two));
	p[12] = ISAKMP_NP_KE;	/* the VID says a KE follows: nothing does */
	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, p, sizeof(two), false, &m), -1,
	       "chain: next payload announced, none there");
	memcpy(p, two, sizeof(two));
	p[sizeof(two)] = 0;
	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, p, sizeof(two) + 1, false, &m), -1,
	       "chain: trailing byte refused");
	is_int(isakmp_parse_payloads(ISAKMP_NP_NONCE, p, sizeof(two) + 1, true, &m), 0,
	       "chain: trailing padding allowed after decryption");
	/* 33 empty payloads chained. */
	{
		uint8_t many[33 * 4];

		for (int i = 0; i < 33; i++) {
			many[4 * i] = i == 32 ? 0 : ISAKMP_NP_VID;
			many[4 * i + 1] = 0;
			many[4 * i + 2] = 0;
			many[4 * i + 3] = 4;
		}
		is_int(isakmp_parse_payloads(ISAKMP_NP_VID, many, sizeof(many), false, &m), -1,
		       "chain: 33 payloads refused (at most 32)");
	}
}

static void test_sa(void)
{
	const uint8_t *body = mm1 + 32;
	size_t len = 40;
	struct isakmp_sa *sa = malloc(sizeof(*sa));
	struct isakmp_attr a;
	const uint8_t *p;
	size_t alen;
	uint8_t bad[40];
	struct p1_choice c;

	is_int(isakmp_parse_sa(body, len, sa), 0, "sa: parses");
	is_int(sa->np, 1, "sa: one proposal");
	is_int(sa->p[0].proto, PROTO_ISAKMP, "sa: protocol ISAKMP");
	is_int(sa->p[0].nt, 1, "sa: one transform");
	is_int(sa->p[0].t[0].id, KEY_IKE, "sa: transform KEY_IKE");
	p = sa->p[0].t[0].attrs;
	alen = sa->p[0].t[0].attrs_len;
	is_int(isakmp_attr_next(&p, &alen, &a), 1, "attr: first");
	ok(a.tv && a.type == OAKLEY_ENC && a.val == IKE_ENC_AES_CBC, "attr: encryption AES-CBC (TV)");
	is_int(p1_parse_transform(&sa->p[0].t[0], &c), 0, "sa: transform understood");
	ok(c.enc == IKE_ENC_AES_CBC && c.enc_bits == 256 && c.hash == IKE_HASH_SHA2_256 &&
	   c.group == 14, "sa: aes-256 sha2-256 modp2048");

	memcpy(bad, body, len);
	bad[3] = 2;	/* DOI 2 */
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: DOI 2 refused");
	memcpy(bad, body, len);
	bad[11] = 40;	/* proposal longer than the SA */
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: proposal past the end refused");
	memcpy(bad, body, len);
	bad[15] = 2;	/* claims two transforms */
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: transform count mismatch refused");
	memcpy(bad, body, len);
	bad[14] = 17;	/* SPI of 17 bytes */
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: SPI larger than 16 refused");
	memcpy(bad, body, len);
	bad[19] = 28;	/* transform longer than its proposal */
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: transform past the end refused");
	memcpy(bad, body, len);
	bad[24] = 0x00;	/* first attribute becomes TLV of length 7 */
	bad[27] = 0x07;
	bad[26] = 0x00;
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: TLV attribute past the transform refused");
	memcpy(bad, body, len);
	bad[16] = ISAKMP_NP_KE;	/* transform followed by a KE */
	is_int(isakmp_parse_sa(bad, len, sa), -1, "sa: transform followed by other payload refused");
	is_int(isakmp_parse_sa(body, 7, sa), -1, "sa: 7 bytes refused");
	is_int(isakmp_parse_sa(body, 8, sa), -1, "sa: no proposal refused");
	free(sa);
}

static void test_attr(void)
{
	/* TLV of 4 bytes (life 86400), TLV of 9 bytes, truncated header. */
	static const uint8_t tlv[] = { 0, OAKLEY_LIFE_DURATION, 0, 4, 0x00, 0x01, 0x51, 0x80 };
	static const uint8_t big[] = { 0, 99, 0, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9 };
	const uint8_t *p = tlv;
	size_t len = sizeof(tlv);
	struct isakmp_attr a;
	struct buf b = BUF_INIT;

	is_int(isakmp_attr_next(&p, &len, &a), 1, "attr: TLV");
	ok(!a.tv && a.val == 86400 && a.data_len == 4, "attr: TLV value 86400");
	is_int(isakmp_attr_next(&p, &len, &a), 0, "attr: end");
	p = big;
	len = sizeof(big);
	is_int(isakmp_attr_next(&p, &len, &a), 1, "attr: 9-byte TLV parses");
	ok(a.val == UINT64_MAX, "attr: 9-byte TLV is no number");
	p = big;
	len = 3;
	is_int(isakmp_attr_next(&p, &len, &a), -1, "attr: truncated header refused");
	buf_init(&b);
	attr_put(&b, OAKLEY_LIFE_DURATION, 3600);
	attr_put(&b, OAKLEY_LIFE_DURATION, 86400);
	{
		static const uint8_t want[] = { 0x80, OAKLEY_LIFE_DURATION, 0x0e, 0x10,
						0, OAKLEY_LIFE_DURATION, 0, 4, 0, 1, 0x51, 0x80 };

		is_int(b.len, sizeof(want), "attr: encoded 12 bytes");
		is_mem(b.p, want, sizeof(want), "attr: TV below 65536, TLV above");
	}
	buf_free(&b);
}

static void test_id_notify_delete(void)
{
	static const uint8_t id[] = { ISAKMP_NP_NONE, 0, 0, 16, ID_IPV4_ADDR_SUBNET, 17, 0x01, 0xf4,
				      10, 1, 0, 0, 255, 255, 255, 0 };
	static const uint8_t n[] = { 0, 0, 0, 16, 0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0, 14,
				     0xc0, 0xff, 0xee, 0x01 };
	static const uint8_t d[] = { 0, 0, 0, 20, 0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0, 2,
				     0, 0, 1, 0, 0, 0, 2, 0 };
	struct isakmp_msg m;
	struct isakmp_id i;
	struct isakmp_notify nt;
	struct isakmp_delete del;
	uint8_t bad[20];

	isakmp_parse_payloads(ISAKMP_NP_ID, id, sizeof(id), false, &m);
	is_int(isakmp_parse_id(&m.pl[0], &i), 0, "id: parses");
	ok(i.type == ID_IPV4_ADDR_SUBNET && i.proto == 17 && i.port == 500 && i.len == 8,
	   "id: subnet, udp/500, 8 bytes");
	isakmp_parse_payloads(ISAKMP_NP_N, n, sizeof(n), false, &m);
	is_int(isakmp_parse_notify(&m.pl[0], &nt), 0, "notify: parses");
	ok(nt.type == N_NO_PROPOSAL_CHOSEN && nt.h.spi_size == 4 && get32(nt.spi) == 0xc0ffee01 &&
	   !nt.data_len, "notify: NO-PROPOSAL-CHOSEN for SPI c0ffee01");
	is_str(isakmp_notify_name(nt.type), "NO-PROPOSAL-CHOSEN", "notify: name");
	memcpy(bad, n, sizeof(n));
	bad[9] = 16;
	isakmp_parse_payloads(ISAKMP_NP_N, bad, sizeof(n), false, &m);
	is_int(isakmp_parse_notify(&m.pl[0], &nt), -1, "notify: SPI past the end refused");
	isakmp_parse_payloads(ISAKMP_NP_D, d, sizeof(d), false, &m);
	is_int(isakmp_parse_delete(&m.pl[0], &del), 0, "delete: parses");
	ok(del.nspi == 2 && get32(del.spis + 4) == 0x200, "delete: two SPIs");
	memcpy(bad, d, sizeof(d));
	bad[11] = 3;
	isakmp_parse_payloads(ISAKMP_NP_D, bad, sizeof(d), false, &m);
	is_int(isakmp_parse_delete(&m.pl[0], &del), -1, "delete: three SPIs in room for two refused");
}

/* Phase 1: our proposal parses back and p1_choose names what differs. */
static void test_roundtrip_p1(struct isakmp_sa *sa)
{
	struct p1sa p1 = { .enc = IKE_ENC_3DES_CBC, .hash = IKE_HASH_SHA1, .group = 2,
			   .lifetime = 28800 };
	struct p1_choice c1;
	char why[512];
	struct buf b = BUF_INIT;

	p1_proposal(&b, &p1);
	is_int(isakmp_parse_sa(b.p, b.len, sa), 0, "build: our phase 1 SA parses");
	is_int(p1_choose(&p1, sa, &c1, why, sizeof(why)), 0, "choose: our phase 1 proposal");
	ok(c1.life_secs == 28800 && c1.auth == OAKLEY_AUTH_PSK, "choose: lifetime (TLV) and psk");
	p1.group = 14;
	is_int(p1_choose(&p1, sa, &c1, why, sizeof(why)), N_NO_PROPOSAL_CHOSEN,
	       "choose: other DH group refused");
	is_str(why, "DH group mismatch: ours modp2048, the peer's modp1024",
	       "choose: DH group mismatch named");
	p1.group = 2;
	p1.enc = IKE_ENC_AES_CBC;
	p1.enc_bits = 256;
	is_int(p1_choose(&p1, sa, &c1, why, sizeof(why)), N_NO_PROPOSAL_CHOSEN,
	       "choose: other cipher refused");
	is_str(why, "no proposal chosen: we accept enc aes-256 auth hmac-sha1 group modp1024, the peer offered enc 3des auth hmac-sha1 group modp1024",
	       "choose: both proposals in the cause");
	buf_free(&b);
}

static void test_roundtrip(void)
{
	struct isakmp_hdr h = { .icookie = { 9, 8, 7, 6, 5, 4, 3, 2 }, .exchange = ISAKMP_XCHG_QUICK,
				.msgid = 0x01020304 };
	struct p2sa p2 = { .enc = ESP_AES_GCM_16, .enc_bits = 128, .group = 19, .lifetime = 1200,
			   .mode = KIPSEC_MODE_TUNNEL, .encap_attr = IPSEC_ENCAP_TUNNEL,
			   .spi_in = 0xabcdef01 };
	struct isakmp_sa *sa = malloc(sizeof(*sa));
	struct isakmp_hdr got;
	struct isakmp_msg m;
	struct p2_choice c2;
	char why[512];
	struct msgb mb = MSGB_INIT;
	size_t off;

	msgb_init(&mb, &h);
	off = msgb_begin(&mb, ISAKMP_NP_SA);
	p2_proposal(&mb.b, &p2);
	msgb_end(&mb, off);
	msgb_payload(&mb, ISAKMP_NP_NONCE, "0123456789abcdef", 16);
	msgb_finish(&mb);
	ok(!mb.b.err, "build: quick mode message");
	is_int(isakmp_parse_hdr(mb.b.p, mb.b.len, &got), 0, "build: header parses back");
	ok(got.msgid == 0x01020304 && got.exchange == ISAKMP_XCHG_QUICK && got.np == ISAKMP_NP_SA,
	   "build: message ID, exchange and first payload");
	is_int(isakmp_parse_payloads(got.np, mb.b.p + 28, mb.b.len - 28, false, &m), 0,
	       "build: payloads parse back");
	is_int(m.n, 2, "build: SA and nonce");
	is_int(isakmp_parse_sa(m.pl[0].body, m.pl[0].len, sa), 0, "build: our phase 2 SA parses");
	is_int(p2_choose(&p2, sa, &c2, why, sizeof(why)), 0, "build: our own proposal is acceptable");
	ok(c2.spi == 0xabcdef01 && c2.group == 19 && c2.enc_bits == 128 && c2.life_secs == 1200 &&
	   c2.encap == IPSEC_ENCAP_TUNNEL, "build: SPI, PFS group, key bits, lifetime, mode");
	p2.group = 0;
	is_int(p2_choose(&p2, sa, &c2, why, sizeof(why)), N_NO_PROPOSAL_CHOSEN,
	       "choose: PFS on one side only refused");
	ok(strstr(why, "PFS on one side only") && strstr(why, "ecp256"),
	   "choose: the cause names both sides (%s)", why);
	p2.group = 19;
	p2.mode = KIPSEC_MODE_TRANSPORT;
	p2.encap_attr = IPSEC_ENCAP_TRANSPORT;
	is_int(p2_choose(&p2, sa, &c2, why, sizeof(why)), N_NO_PROPOSAL_CHOSEN,
	       "choose: other mode refused");
	ok(strstr(why, "mode mismatch") != NULL, "choose: mode mismatch named (%s)", why);
	/* RFC 3947 §5.1: across a NAT, the same mode in UDP is another one. */
	p2.mode = KIPSEC_MODE_TUNNEL;
	p2.encap_attr = IPSEC_ENCAP_UDP_TUNNEL;
	is_int(p2_choose(&p2, sa, &c2, why, sizeof(why)), N_NO_PROPOSAL_CHOSEN,
	       "choose: plain tunnel refused where tunnel in UDP is due");
	ok(strstr(why, "ours tunnel in UDP, the peer's tunnel") != NULL,
	   "choose: the UDP mode named (%s)", why);
	buf_free(&mb.b);
	test_roundtrip_p1(sa);
	free(sa);
}

/*
 * Phase 2 lifetimes (RFC 2407 §4.5): a transform with both SA Life Type /
 * Duration pairs, seconds as a basic attribute and kilobytes as a 4-byte
 * variable one; our encoder's bytes; the responder's choice; and the
 * RESPONDER-LIFETIME notification (§4.6.3.1) both ways.
 */
static const uint8_t p2_both_lives[] = {
	0, 0, 0, 1, 0, 0, 0, 1,				/* DOI IPsec, identity only */
	0, 0, 0, 52, 1, PROTO_IPSEC_ESP, 4, 1,		/* proposal 1, SPI of 4, 1 transform */
	0x11, 0x22, 0x33, 0x44,
	0, 0, 0, 40, 1, ESP_AES_CBC, 0, 0,		/* transform 1 */
	0x80, 1, 0, 1,					/* life type seconds */
	0x80, 2, 0x0e, 0x10,				/* 3600 */
	0x80, 1, 0, 2,					/* life type kilobytes */
	0, 2, 0, 4, 0x00, 0x10, 0x00, 0x00,		/* 1048576 KB (1G), variable */
	0x80, 4, 0, 1,					/* tunnel */
	0x80, 5, 0, 5,					/* hmac-sha2-256 */
	0x80, 6, 0, 128,				/* 128 bits */
};

static void test_life_decode(void)
{
	struct p2sa p2 = { .enc = ESP_AES_CBC, .enc_bits = 128, .auth = AUTH_HMAC_SHA2_256,
			   .lifetime = 600, .encap_attr = IPSEC_ENCAP_TUNNEL };
	struct isakmp_sa *sa = malloc(sizeof(*sa));
	struct p2_choice c;
	char why[512];

	is_int(isakmp_parse_sa(p2_both_lives, sizeof(p2_both_lives), sa), 0,
	       "lifetimes: an SA with both life types parses");
	is_int(p2_choose(&p2, sa, &c, why, sizeof(why)), 0, "lifetimes: the transform is chosen");
	ok(c.life_secs == 3600 && c.life_kb == 1048576,
	   "lifetimes: 3600 s and 1048576 KB (a variable-length duration) decoded (%u, %u)",
	   c.life_secs, c.life_kb);
	free(sa);
}

static void test_life_encode(void)
{
	static const uint8_t want[] = {
		0x80, 1, 0, 1, 0x80, 2, 0x0e, 0x10,		/* 3600 s */
		0x80, 1, 0, 2, 0, 2, 0, 4, 0x00, 0x03, 0x20, 0x00,	/* 204800 KB */
	};
	struct p2sa p2 = { .enc = ESP_AES_GCM_16, .enc_bits = 128, .lifetime = 3600,
			   .life_kb = 204800, .encap_attr = IPSEC_ENCAP_TUNNEL, .spi_in = 0x1234 };
	struct isakmp_sa *sa = malloc(sizeof(*sa));
	struct buf b = BUF_INIT;
	struct p2_choice c;
	char why[512];

	p2_proposal(&b, &p2);
	/* DOI, situation, proposal header and SPI, transform header: 28 bytes. */
	ok(b.len >= 28 + sizeof(want) && !memcmp(b.p + 28, want, sizeof(want)),
	   "lifetimes: our proposal carries seconds, then kilobytes (4-byte TLV over 65535)");
	is_int(isakmp_parse_sa(b.p, b.len, sa), 0, "lifetimes: our proposal parses back");
	is_int(p2_choose(&p2, sa, &c, why, sizeof(why)), 0, "lifetimes: and is acceptable");
	ok(c.life_secs == 3600 && c.life_kb == 204800, "lifetimes: both read back (%u s, %u KB)",
	   c.life_secs, c.life_kb);
	buf_free(&b);
	p2.life_kb = 0;
	p2_proposal(&b, &p2);
	is_int(isakmp_parse_sa(b.p, b.len, sa), 0, "lifetimes: without bytes, parses");
	is_int(p2_choose(&p2, sa, &c, why, sizeof(why)), 0, "lifetimes: without bytes, acceptable");
	ok(c.life_secs == 3600 && !c.life_kb, "lifetimes: no kilobytes pair when there is no byte limit");
	buf_free(&b);
	free(sa);
}

/* The responder: the smaller of each kind, and when ours is the shorter. */
static void test_life_choose(void)
{
	static const struct {
		uint32_t our_s, our_kb, peer_s, peer_kb, want_s, want_kb;
		bool shorter;
		const char *what;
	} t[] = {
		{ 3600, 0, 7200, 0, 3600, 0, true, "ours shorter in seconds" },
		{ 3600, 0, 1800, 500, 1800, 500, false, "the initiator's shorter in both" },
		{ 3600, 200, 3600, 0, 3600, 200, true, "a byte limit the initiator has not" },
		{ 3600, 200, 3600, 100, 3600, 100, false, "the initiator's bytes smaller" },
		{ 3600, 100, 3600, 200, 3600, 100, true, "our bytes smaller" },
		{ 3600, 0, 0, 0, 3600, 0, true, "no seconds offered: 28800 assumed, ours shorter" },
		{ 30000, 0, 0, 0, 28800, 0, false, "no seconds offered: 28800 assumed, it is shorter" },
		{ 3600, 200, 3600, 200, 3600, 200, false, "the same" },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct p2sa p2 = { .lifetime = t[i].our_s, .life_kb = t[i].our_kb };
		struct p2_choice c = { .life_secs = t[i].peer_s, .life_kb = t[i].peer_kb };
		bool shorter = p2_life_choose(&p2, &c);

		ok(p2.lifetime == t[i].want_s && p2.life_kb == t[i].want_kb &&
		   shorter == t[i].shorter, "responder lifetime: %s (%u s, %u KB, %s)", t[i].what,
		   p2.lifetime, p2.life_kb, shorter ? "RESPONDER-LIFETIME" : "no notify");
	}
}

/* A notification payload around body, for isakmp_parse_notify(). */
static int notify_of(const uint8_t *body, size_t len, struct isakmp_notify *n)
{
	struct payload pl = { .type = ISAKMP_NP_N, .body = body, .len = len };

	return isakmp_parse_notify(&pl, n);
}

static void test_responder_lifetime(void)
{
	static const uint8_t want[] = {
		0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0x60, 0x00,	/* DOI, ESP, SPI of 4, 24576 */
		0xca, 0xfe, 0xf0, 0x0d,				/* the responder's inbound SPI */
		0x80, 1, 0, 1, 0x80, 2, 0x01, 0x2c,		/* 300 s */
		0x80, 1, 0, 2, 0x80, 2, 0x00, 0xc8,		/* 200 KB */
	};
	static const uint8_t early[] = {			/* a duration before its type */
		0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0x60, 0x00, 1, 2, 3, 4, 0x80, 2, 0, 60,
	};
	static const uint8_t other[] = {			/* a GROUP attribute */
		0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0x60, 0x00, 1, 2, 3, 4, 0x80, 3, 0, 14,
	};
	static const uint8_t cut[] = {				/* a truncated attribute */
		0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0x60, 0x00, 1, 2, 3, 4, 0x80, 1, 0,
	};
	static const uint8_t bare[] = { 0, 0, 0, 1, PROTO_IPSEC_ESP, 4, 0x60, 0x00, 1, 2, 3, 4 };
	struct p2sa p2 = { .lifetime = 300, .life_kb = 200, .spi_in = 0xcafef00d };
	struct isakmp_notify n;
	struct buf b = BUF_INIT;
	uint32_t secs, kb;
	char text[48];

	p2_life_notify(&b, &p2);
	ok(b.len == sizeof(want) && !memcmp(b.p, want, sizeof(want)),
	   "RESPONDER-LIFETIME: DOI, ESP, our inbound SPI, both lifetimes as attributes");
	is_int(notify_of(b.p, b.len, &n), 0, "RESPONDER-LIFETIME: parses as a notification");
	ok(n.type == N_RESPONDER_LIFETIME && get32(n.spi) == 0xcafef00d,
	   "RESPONDER-LIFETIME: type 24576, the SPI");
	is_str(isakmp_notify_name(n.type), "RESPONDER-LIFETIME", "RESPONDER-LIFETIME: name");
	is_int(p2_life_parse(&n, &secs, &kb), 0, "RESPONDER-LIFETIME: attributes parse");
	ok(secs == 300 && kb == 200, "RESPONDER-LIFETIME: 300 s and 200 KB read back");
	buf_free(&b);
	p2.life_kb = 0;
	p2_life_notify(&b, &p2);
	ok(!notify_of(b.p, b.len, &n) && !p2_life_parse(&n, &secs, &kb) && secs == 300 && !kb,
	   "RESPONDER-LIFETIME: seconds only when there is no byte limit");
	buf_free(&b);
	ok(!notify_of(early, sizeof(early), &n) && p2_life_parse(&n, &secs, &kb) == -1,
	   "RESPONDER-LIFETIME: a duration before its type refused");
	ok(!notify_of(other, sizeof(other), &n) && p2_life_parse(&n, &secs, &kb) == -1,
	   "RESPONDER-LIFETIME: another attribute refused");
	ok(!notify_of(cut, sizeof(cut), &n) && p2_life_parse(&n, &secs, &kb) == -1,
	   "RESPONDER-LIFETIME: a truncated attribute refused");
	ok(!notify_of(bare, sizeof(bare), &n) && p2_life_parse(&n, &secs, &kb) == -1,
	   "RESPONDER-LIFETIME: no lifetime at all refused");
	/* The initiator takes what is shorter, never what is longer. */
	p2.lifetime = 3600;
	p2.life_kb = 200;
	ok(!p2_life_shorten(&p2, 7200, 400) && p2.lifetime == 3600 && p2.life_kb == 200,
	   "initiator: longer lifetimes are not taken");
	ok(p2_life_shorten(&p2, 0, 100) && p2.lifetime == 3600 && p2.life_kb == 100,
	   "initiator: a smaller byte limit alone is taken");
	p2.life_kb = 0;
	ok(p2_life_shorten(&p2, 1800, 50) && p2.lifetime == 1800 && p2.life_kb == 50,
	   "initiator: a byte limit where it had none, and fewer seconds");
	is_str(p2_life_text(1800, 2048, text, sizeof(text)), "1800 s, 2M", "lifetime text");
}

int main(void)
{
	test_header();
	test_chain();
	test_sa();
	test_attr();
	test_id_notify_delete();
	test_roundtrip();
	test_life_decode();
	test_life_encode();
	test_life_choose();
	test_responder_lifetime();
	return tap_done();
}
