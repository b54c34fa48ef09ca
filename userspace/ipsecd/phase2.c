// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 2: Quick Mode, RFC 2409 §5.5, under an established ISAKMP SA:
 *
 *   Initiator                          Responder
 *   HDR*, HASH(1), SA, Ni [, KE] [, IDci, IDcr] -->
 *                      <-- HDR*, HASH(2), SA, Nr [, KE] [, IDci, IDcr]
 *   HDR*, HASH(3)                      -->
 *
 *   HASH(1) = prf(SKEYID_a, M-ID | SA | Ni [ | KE ] [ | IDci | IDcr ])
 *   HASH(2) = prf(SKEYID_a, M-ID | Ni_b | SA | Nr [ | KE ] [ | IDci | IDcr ])
 *   HASH(3) = prf(SKEYID_a, 0 | M-ID | Ni_b | Nr_b)
 *
 * Each exchange has its own IV, hash(last phase 1 block | M-ID), chained
 * through its messages (Appendix B).  The initiator installs the SA pair
 * when message 2 verified, the responder when message 3 did; the SPIs are
 * reserved in the kernel before they are sent, and a failed exchange
 * releases its reservation.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike_alg.h"
#include "ipsecd.h"

#define P2_LINGER_MS	60000	/* keep the last messages to answer repeats */

static const char *role(const struct p2sa *p2)
{
	return p2->initiator ? "initiator" : "responder";
}

static const char *flow_text(const struct p2sa *p2, char *buf, size_t len)
{
	return ike_flow_text(p2->proto, &p2->src, &p2->dst, " <-> ", buf, len);
}

static void __attribute__((format(printf, 2, 3))) p2_fail(struct p2sa *p2, const char *fmt, ...)
{
	char cause[768], peer[KIPSEC_ADDR_STRLEN], flow[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	log_err("peer %s: phase 2 (quick mode, %s) for %s failed: %s",
		addr_text(&p2->peer, peer, sizeof(peer)), role(p2), flow_text(p2, flow, sizeof(flow)),
		cause);
	stats.p2_failed++;
	p2_free(p2);
}

static struct p1sa *p1_of(const struct p2sa *p2)
{
	struct p1sa *p1 = p1_by_id(p2->p1_id);

	if (p1 && p1->state == P1_ESTABLISHED)
		return p1;
	return p1_find(&p2->local, &p2->peer, false);
}

static void p2_timer(struct timer *t)
{
	struct p2sa *p2 = container_of(t, struct p2sa, timer);
	struct p1sa *p1;

	if (p2->state == P2_INSTALLED) {
		buf_free(&p2->in);
		buf_free(&p2->out);
		return;
	}
	if (p2->tries >= RETRANSMIT_TRIES) {
		p2_fail(p2, "no answer to %s after %d retransmissions", p2_state_name(p2->state),
			p2->tries);
		return;
	}
	/* The exchange lives under its ISAKMP SA: without it no answer can
	 * be read, and only it knows where the peer is now (NAT-T port). */
	p1 = p1_by_id(p2->p1_id);
	if (!p1 || p1->state != P1_ESTABLISHED) {
		p2_fail(p2, "its ISAKMP SA is gone");
		return;
	}
	p2->tries++;
	stats.retransmits++;
	if (p2->out.len)
		p1_send_peer(p1, p2->out.p, p2->out.len);
	timer_arm(&p2->timer, (uint64_t)RETRANSMIT_FIRST_MS << p2->tries);
}

void p2_timer_init(struct p2sa *p2)
{
	p2->timer.fn = p2_timer;
}

static void send_msg(struct p2sa *p2, struct p1sa *p1, struct buf *b, bool wait)
{
	buf_free(&p2->out);
	p2->out = *b;
	buf_init(b);
	if (!p2->out.err)
		p1_send_peer(p1, p2->out.p, p2->out.len);
	p2->tries = 0;
	timer_arm(&p2->timer, wait ? RETRANSMIT_FIRST_MS : P2_LINGER_MS);
}

/* ---- identities (RFC 2407 §4.6.2) ---- */

static void put_id(struct buf *b, const struct ike_sel *s, uint8_t proto)
{
	bool v6 = s->addr.family == AF_INET6;
	size_t alen = v6 ? 16 : 4;

	if (s->plen == alen * 8) {
		buf_put8(b, v6 ? ID_IPV6_ADDR : ID_IPV4_ADDR);
		buf_put8(b, proto);
		buf_put16(b, s->port);
		buf_put(b, s->addr.u.bytes, alen);
	} else {
		uint8_t mask[16] = { 0 };

		for (unsigned int i = 0; i < s->plen; i++)
			mask[i / 8] |= 0x80 >> (i % 8);
		buf_put8(b, v6 ? ID_IPV6_ADDR_SUBNET : ID_IPV4_ADDR_SUBNET);
		buf_put8(b, proto);
		buf_put16(b, s->port);
		buf_put(b, s->addr.u.bytes, alen);
		buf_put(b, mask, alen);
	}
}

/* A contiguous mask's length, or -1. */
static int mask_len(const uint8_t *m, size_t n)
{
	int len = 0;
	size_t i = 0;

	while (i < n && m[i] == 0xff) {
		len += 8;
		i++;
	}
	if (i < n) {
		uint8_t b = m[i];

		while (b & 0x80) {
			len++;
			b <<= 1;
		}
		if (b)
			return -1;
		for (i++; i < n; i++)
			if (m[i])
				return -1;
	}
	return len;
}

/* A peer's IDci/IDcr as a selector; -1 for what a prefix cannot say. */
static int parse_sel(const struct payload *pl, struct ike_sel *s, uint8_t *proto)
{
	struct isakmp_id id;
	size_t alen;
	int plen;

	if (isakmp_parse_id(pl, &id))
		return -1;
	memset(s, 0, sizeof(*s));
	*proto = id.proto;
	s->port = id.port;
	switch (id.type) {
	case ID_IPV4_ADDR:
	case ID_IPV6_ADDR:
		alen = id.type == ID_IPV4_ADDR ? 4 : 16;
		if (id.len != alen)
			return -1;
		s->plen = (uint8_t)(alen * 8);
		break;
	case ID_IPV4_ADDR_SUBNET:
	case ID_IPV6_ADDR_SUBNET:
		alen = id.type == ID_IPV4_ADDR_SUBNET ? 4 : 16;
		if (id.len != 2 * alen)
			return -1;
		plen = mask_len(id.data + alen, alen);
		if (plen < 0)
			return -1;
		s->plen = (uint8_t)plen;
		break;
	default:
		return -1;
	}
	s->addr.family = alen == 4 ? AF_INET : AF_INET6;
	memcpy(s->addr.u.bytes, id.data, alen);
	/* Host bits set: not a prefix we could install. */
	for (unsigned int i = s->plen; i < alen * 8; i++)
		if (s->addr.u.bytes[i / 8] & (0x80 >> (i % 8)))
			return -1;
	return 0;
}

/* ---- hashes ---- */

/* The bytes after the HASH payload to the end of the last payload. */
static void after_hash(const struct isakmp_msg *m, const uint8_t **p, size_t *len)
{
	const struct payload *h = &m->pl[0], *last = &m->pl[m->n - 1];

	*p = h->raw + h->raw_len;
	*len = (size_t)(last->raw + last->raw_len - *p);
}

static int hash12(const struct p1sa *p1, const struct p2sa *p2, bool second, const uint8_t *rest,
		  size_t rest_len, uint8_t *out)
{
	uint8_t mid[4];
	struct iov v[3];
	size_t n = 0;

	put32(mid, p2->msgid);
	v[n++] = (struct iov){ mid, 4 };
	if (second)
		v[n++] = (struct iov){ p2->ni, p2->ni_len };
	v[n++] = (struct iov){ rest, rest_len };
	return prf_iov(p1->hash, p1->k.skeyid_a, p1->k.prf_len, v, n, out);
}

static int hash3(const struct p1sa *p1, const struct p2sa *p2, uint8_t *out)
{
	uint8_t zero = 0, mid[4];
	struct iov v[4] = { { &zero, 1 }, { mid, 4 }, { p2->ni, p2->ni_len }, { p2->nr, p2->nr_len } };

	put32(mid, p2->msgid);
	return prf_iov(p1->hash, p1->k.skeyid_a, p1->k.prf_len, v, 4, out);
}

/* Fills in HASH(1)/(2) of a message whose first payload is the HASH. */
static int seal_hash(const struct p1sa *p1, const struct p2sa *p2, struct msgb *m, bool second)
{
	size_t hoff = ISAKMP_HDR_LEN, body = hoff + 4, after = body + p1->k.prf_len;
	uint8_t h[IKE_HASH_MAX];

	if (m->b.err || m->b.len < after)
		return -1;
	if (hash12(p1, p2, second, m->b.p + after, m->b.len - after, h))
		return -1;
	memcpy(m->b.p + body, h, p1->k.prf_len);
	return 0;
}

/*
 * Decrypts with the exchange's IV and checks HASH(1)/(2)/(3).  The IV moves
 * on (Appendix B) only when the message verified: anyone who sees the
 * cookies and the M-ID can send a forgery, and one that moved the IV would
 * make the genuine message undecryptable.  A message whose HASH fails is
 * discarded (RFC 2408 §5.9): it changes nothing.
 */
static int open_msg(struct p1sa *p1, struct p2sa *p2, const uint8_t *pkt, size_t len, int which,
		    struct buf *plain, struct isakmp_msg *m, const char **why)
{
	uint8_t want[IKE_HASH_MAX], iv[IKE_BLOCK_MAX];
	const uint8_t *rest;
	size_t rest_len;
	int r;

	*why = NULL;
	buf_init(plain);
	if (!(pkt[19] & ISAKMP_FLAG_ENC)) {
		*why = "quick mode message not encrypted";
		return -1;
	}
	memcpy(iv, p2->iv, sizeof(iv));
	if (p1_decrypt(p1, pkt, len, iv, plain, m)) {
		*why = isakmp_error;
		return -1;
	}
	/* RFC 2409 §5.5: the HASH payload comes first. */
	if (!m->n || m->pl[0].type != ISAKMP_NP_HASH || m->pl[0].len != p1->k.prf_len) {
		*why = "quick mode message does not start with a HASH payload";
		return -1;
	}
	if (which == 3) {
		r = hash3(p1, p2, want);
	} else {
		after_hash(m, &rest, &rest_len);
		r = hash12(p1, p2, which == 2, rest, rest_len, want);
	}
	if (r || CRYPTO_memcmp(m->pl[0].body, want, p1->k.prf_len)) {
		*why = "HASH did not verify";
		return -1;
	}
	memcpy(p2->iv, iv, sizeof(iv));
	return 0;
}

/* ---- keys and installation ---- */

/* g(qm)^xy of PFS, once: the KEYMAT of both directions needs it. */
static int pfs_secret(struct p2sa *p2)
{
	const uint8_t *peer_pub = p2->initiator ? p2->gxr : p2->gxi;

	if (!p2->group || p2->gxy_len)
		return 0;
	if (dh_shared(p2->dh, peer_pub, p2->gx_len, p2->gxy, &p2->gxy_len)) {
		p2_fail(p2, "PFS Diffie-Hellman: %s", dh_error());
		return -1;
	}
	dh_free(p2->dh);
	p2->dh = NULL;
	return 0;
}

/*
 * Puts SAs in the kernel.  The responder installs its inbound SA when it
 * sends message 2 and its outbound one on message 3: the initiator starts
 * sending as soon as it has message 2, and its first packets must not
 * arrive before the SA that decrypts them (RFC 2409 §5.5 leaves the commit
 * bit optional; this makes it unneeded).  The initiator installs both.
 */
static int install(struct p2sa *p2, struct p1sa *p1, int dirs)
{
	char why[512], peer[KIPSEC_ADDR_STRLEN], flow[200], algs[128], life[48];
	struct rule *r = rule_by_id(p2->rule_id);

	if (!r) {
		p2_fail(p2, "its rule was deleted during the negotiation");
		return -1;
	}
	if (pfs_secret(p2))
		return -1;
	if (kern_sa_install(p2, r->reqid, p1, dirs, why, sizeof(why))) {
		p2_fail(p2, "the kernel refused the SAs: %s", why);
		return -1;
	}
	if (!(dirs & KERN_OUT))
		return 0;
	explicit_bzero(p2->gxy, sizeof(p2->gxy));
	p2->state = P2_INSTALLED;
	stats.p2_established++;
	log_info("peer %s: phase 2 SA pair established as %s for %s: spi in 0x%08x out 0x%08x, %s %s, lifetime %s, in %llu ms",
		 addr_text(&p2->peer, peer, sizeof(peer)), role(p2), flow_text(p2, flow, sizeof(flow)),
		 p2->spi_in, p2->spi_out,
		 p2_alg_text(p2->enc, p2->enc_bits, p2->auth, p2->group, algs, sizeof(algs)),
		 mode_name_of(p2->mode), p2_life_text(p2->lifetime, p2->life_kb, life, sizeof(life)),
		 (unsigned long long)(now_ms() - p2->started_ms));
	p2_take_over(p2);
	return 0;
}

/*
 * The exchange keeps its own copy of the rule's phase 2 settings: the rule
 * may be changed or deleted while it runs (install() looks it up again by
 * id).  Deliberately alike phase1.c's take_rule, which copies the phase 1
 * settings into another struct: `duplicates` pairs the two by shape.
 */
static void take_rule(struct p2sa *p2, const struct rule *r, const struct p1sa *p1)
{
	p2->rule_id = r->id;
	p2->p1_id = p1->id;
	p2->local = p1->local;
	p2->peer = p1->peer;
	p2->mode = r->conf.mode;
	/* RFC 3947 §5.1: across a NAT, the UDP-encapsulated mode. */
	p2->encap_attr = natt_encap_attr(p1, p2->mode);
	p2->encap_dport = encap_is_udp(p2->encap_attr) ? p1->peer_port : 0;
	p2->ifindex = r->conf.ifindex;
	p2->proto = r->conf.proto;
	p2->src = r->conf.src;
	p2->dst = r->conf.dst;
	p2->enc = r->conf.p2_enc;
	p2->enc_bits = r->conf.p2_enc_bits;
	p2->auth = r->conf.p2_auth;
	p2->group = r->conf.p2_group;
	p2->lifetime = r->conf.p2_lifetime;
	p2->life_kb = r->conf.p2_life_kb;
}

static int new_msgid(struct p1sa *p1, uint32_t *msgid)
{
	uint32_t m;

	/* Not *msgid itself: the new exchange is already in the list. */
	do {
		if (random_bytes(&m, sizeof(m)))
			return -1;
	} while (!m || p2_by_msgid(p1->id, m) || p1_msgid_used(p1, m));
	p1_msgid_use(p1, m);
	*msgid = m;
	return 0;
}

static int make_dh(struct p2sa *p2, uint8_t *pub)
{
	p2->dh = dh_new(p2->group);
	if (!p2->dh || dh_public(p2->dh, pub))
		return -1;
	p2->gx_len = dh_public_len(p2->group);
	return 0;
}

/* ---- initiator ---- */

void p2_initiate(struct p1sa *p1, struct rule *r)
{
	struct p2sa *p2 = p2_new(true);
	char peer[KIPSEC_ADDR_STRLEN], flow[200];
	struct buf b = BUF_INIT;
	struct msgb m = MSGB_INIT;
	size_t off;

	if (!p2)
		return;
	take_rule(p2, r, p1);
	if (new_msgid(p1, &p2->msgid) ||
	    p2_iv(p1->hash, p1->iv, p1->k.block, p2->msgid, p2->iv)) {
		p2_fail(p2, "no random bytes");
		return;
	}
	if (kern_spi_alloc(p2, r->reqid)) {
		p2_fail(p2, "the kernel gave no SPI: %s", kern_extack());
		return;
	}
	p2->ni_len = NONCE_LEN;
	if (random_bytes(p2->ni, NONCE_LEN) || (p2->group && make_dh(p2, p2->gxi))) {
		p2_fail(p2, "key generation failed: %s", dh_error());
		return;
	}
	p1_hash_msg_begin(&m, p1, ISAKMP_XCHG_QUICK, p2->msgid);
	off = msgb_begin(&m, ISAKMP_NP_SA);
	p2_proposal(&m.b, p2);
	msgb_end(&m, off);
	msgb_payload(&m, ISAKMP_NP_NONCE, p2->ni, p2->ni_len);
	if (p2->group)
		msgb_payload(&m, ISAKMP_NP_KE, p2->gxi, p2->gx_len);
	put_id(&b, &p2->src, p2->proto);
	msgb_payload(&m, ISAKMP_NP_ID, b.p, b.len);
	buf_free(&b);
	put_id(&b, &p2->dst, p2->proto);
	msgb_payload(&m, ISAKMP_NP_ID, b.p, b.len);
	buf_free(&b);
	msgb_finish(&m);
	if (seal_hash(p1, p2, &m, false) || p1_encrypt(p1, &m, p2->iv)) {
		buf_free(&m.b);
		p2_fail(p2, "cannot build message 1");
		return;
	}
	p2->state = P2_I_QM1;
	log_info("peer %s: phase 2 (quick mode) started as initiator for %s",
		 addr_text(&p2->peer, peer, sizeof(peer)), flow_text(p2, flow, sizeof(flow)));
	send_msg(p2, p1, &m.b, true);
}

/* Our own IDs come back in message 2 unchanged (RFC 2409 §5.5). */
static int check_echo(struct p2sa *p2, const struct isakmp_msg *m)
{
	const struct payload *ids[2];
	size_t n = 0;

	for (size_t i = 0; i < m->n && n < 2; i++)
		if (m->pl[i].type == ISAKMP_NP_ID)
			ids[n++] = &m->pl[i];
	if (n == 0)
		return 0;
	if (n == 2) {
		struct ike_sel s, d;
		uint8_t ps, pd;

		if (!parse_sel(ids[0], &s, &ps) && !parse_sel(ids[1], &d, &pd) && ps == p2->proto &&
		    pd == p2->proto && ike_sel_eq(&s, &p2->src) && ike_sel_eq(&d, &p2->dst))
			return 0;
	}
	p2_fail(p2, "the peer answered with other traffic selectors than ours");
	return -1;
}

/*
 * Message 2 against what we offered: one transform of ours, a nonce, a KE
 * exactly when PFS was agreed, our own IDs.  0, or -1 once p2 has failed.
 */
static int qm2_check(struct p2sa *p2, const struct isakmp_msg *m, struct p2_choice *c)
{
	const struct payload *sap = isakmp_find(m, ISAKMP_NP_SA);
	const struct payload *np = isakmp_find(m, ISAKMP_NP_NONCE);
	const struct payload *kep = isakmp_find(m, ISAKMP_NP_KE);
	struct isakmp_sa *sa = malloc(sizeof(*sa));
	char why[768], ours[128];
	int ret = -1;

	if (!sa || !sap || !np || isakmp_parse_sa(sap->body, sap->len, sa)) {
		p2_fail(p2, "message 2: %s", !sa ? "out of memory" : !sap ? "no SA payload" :
			    !np ? "no nonce" : isakmp_error);
		goto out;
	}
	if (sa->np != 1 || sa->p[0].nt != 1 || p2_choose(p2, sa, c, why, sizeof(why))) {
		p2_fail(p2, "the peer chose what we did not offer (%s)",
			p2_alg_text(p2->enc, p2->enc_bits, p2->auth, p2->group, ours, sizeof(ours)));
		goto out;
	}
	if (np->len < 8 || np->len > NONCE_MAX) {
		p2_fail(p2, "the peer's nonce is %zu bytes", np->len);
		goto out;
	}
	if (!!kep != !!p2->group || (kep && kep->len != p2->gx_len)) {
		p2_fail(p2, "PFS: %s", kep ? "the peer's KE does not fit our group" :
			    "the peer sent no KE though PFS was agreed");
		goto out;
	}
	if (check_echo(p2, m))
		goto out;
	memcpy(p2->nr, np->body, np->len);
	p2->nr_len = np->len;
	if (kep)
		memcpy(p2->gxr, kep->body, kep->len);
	ret = 0;
out:
	free(sa);
	return ret;
}

/*
 * RESPONDER-LIFETIME in message 2 (RFC 2407 §4.6.3.1), covered by HASH(2):
 * the responder's lifetimes, taken where shorter than ours.  It names the
 * responder's inbound SPI; one naming neither SPI of this exchange, or
 * malformed, changes nothing.
 */
static void qm2_responder_lifetime(struct p2sa *p2, const struct isakmp_msg *m)
{
	char peer[KIPSEC_ADDR_STRLEN], life[48];

	addr_text(&p2->peer, peer, sizeof(peer));
	for (size_t i = 1; i < m->n; i++) {
		struct isakmp_notify n;
		uint32_t secs, kb, spi;

		if (m->pl[i].type != ISAKMP_NP_N || isakmp_parse_notify(&m->pl[i], &n) ||
		    n.type != N_RESPONDER_LIFETIME)
			continue;
		spi = n.h.spi_size == 4 ? get32(n.spi) : 0;
		if (n.h.proto != PROTO_IPSEC_ESP || (spi != p2->spi_out && spi != p2->spi_in) ||
		    p2_life_parse(&n, &secs, &kb)) {
			log_warn("peer %s: RESPONDER-LIFETIME for another SA or malformed: ignored",
				 peer);
			continue;
		}
		if (p2_life_shorten(p2, secs, kb))
			log_info("peer %s: the responder shortens the lifetime (RESPONDER-LIFETIME): now %s",
				 peer, p2_life_text(p2->lifetime, p2->life_kb, life, sizeof(life)));
	}
}

static void i_qm2(struct p1sa *p1, struct p2sa *p2, const uint8_t *pkt, size_t len,
		  uint16_t port, bool natt)
{
	struct isakmp_msg m;
	struct p2_choice c;
	const char *bad = NULL;
	struct buf plain = BUF_INIT;
	struct msgb out = MSGB_INIT;

	if (open_msg(p1, p2, pkt, len, 2, &plain, &m, &bad)) {
		char ps[KIPSEC_ADDR_STRLEN];

		stats.rx_dropped++;
		log_drop(addr_text(&p1->peer, ps, sizeof(ps)), bad);
		buf_free(&plain);
		return;
	}
	buf_free(&p2->in);
	buf_put(&p2->in, pkt, len);
	natt_peer_seen(p1, port, natt);
	if (qm2_check(p2, &m, &c))
		goto out;
	p2->spi_out = c.spi;
	p2_life_shorten(p2, c.life_secs, c.life_kb);
	qm2_responder_lifetime(p2, &m);
	if (install(p2, p1, KERN_IN | KERN_OUT))
		goto out;
	p1_hash_msg_begin(&out, p1, ISAKMP_XCHG_QUICK, p2->msgid);
	msgb_finish(&out);
	if (!out.b.err)
		hash3(p1, p2, out.b.p + ISAKMP_HDR_LEN + 4);
	if (p1_encrypt(p1, &out, p2->iv)) {
		buf_free(&out.b);
		goto out;
	}
	/* Kept to answer a repeated message 2 (our 3 was lost). */
	send_msg(p2, p1, &out.b, false);
out:
	buf_free(&plain);
}

/* ---- responder ---- */

static struct rule *mirror_rule(const struct p1sa *p1, const struct ike_sel *src,
				const struct ike_sel *dst, uint8_t proto, struct rule **any)
{
	struct list *pos, *tmp;

	*any = NULL;
	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (!kipsec_addr_eq(&r->conf.peer, &p1->peer) || !kipsec_addr_eq(&r->conf.local, &p1->local) ||
		    !rule_fits_p1(r, p1))
			continue;
		if (!*any)
			*any = r;
		/* The peer's initiator side is our destination (RFC 2409 §5.5). */
		if (r->conf.proto == proto && ike_sel_eq(&r->conf.src, dst) && ike_sel_eq(&r->conf.dst, src))
			return r;
	}
	return NULL;
}

/* Message 1 as the responder reads it: pointers into the decrypted text. */
struct qm1 {
	const struct payload *np, *kep, *ids[2];
	size_t nid;
	struct isakmp_sa *sa;
	struct ike_sel src, dst;	/* the initiator's: IDci, IDcr */
	uint8_t proto;
};

/* A refusal names the proposal's SPI (RFC 2408 §3.14). */
static void qm1_refuse(struct p1sa *p1, const struct qm1 *q, uint16_t type)
{
	info_notify(p1, PROTO_IPSEC_ESP, q->sa->p[0].spi, q->sa->p[0].spi_size, type);
}

/* Parse: one SA, a nonce, no or two IDs we can read.  0, or -1 (refused). */
static int qm1_parse(struct p1sa *p1, const struct isakmp_msg *m, struct qm1 *q, const char *ps)
{
	const struct payload *sap = isakmp_find(m, ISAKMP_NP_SA);
	uint8_t dproto;

	q->np = isakmp_find(m, ISAKMP_NP_NONCE);
	q->kep = isakmp_find(m, ISAKMP_NP_KE);
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == ISAKMP_NP_ID && q->nid < 2)
			q->ids[q->nid++] = &m->pl[i];
	q->sa = malloc(sizeof(*q->sa));
	if (!q->sa || !sap || !q->np || isakmp_count(m, ISAKMP_NP_SA) != 1 ||
	    isakmp_parse_sa(sap->body, sap->len, q->sa) || q->np->len < 8 ||
	    q->np->len > NONCE_MAX || (q->nid != 0 && q->nid != 2) ||
	    isakmp_count(m, ISAKMP_NP_ID) > 2) {
		stats.rx_malformed++;
		log_err("peer %s: phase 2 (quick mode, responder) failed: message 1 malformed (%s)", ps,
			!sap ? "no SA payload" : !q->np ? "no nonce" : "bad SA, nonce or IDs");
		stats.p2_failed++;
		info_notify(p1, PROTO_ISAKMP, NULL, 0, N_PAYLOAD_MALFORMED);
		return -1;
	}
	/* Without IDs the selectors are the phase 1 addresses (RFC 2409 §5.5). */
	if (q->nid == 0) {
		q->src.addr = p1->peer;
		q->src.plen = (uint8_t)(kipsec_addr_len(p1->peer.family) * 8);
		q->dst.addr = p1->local;
		q->dst.plen = q->src.plen;
		return 0;
	}
	if (parse_sel(q->ids[0], &q->src, &q->proto) || parse_sel(q->ids[1], &q->dst, &dproto) ||
	    dproto != q->proto) {
		log_err("peer %s: phase 2 (quick mode, responder) failed: IDci/IDcr are not address or subnet identities we can use",
			ps);
		stats.p2_failed++;
		qm1_refuse(p1, q, N_INVALID_ID_INFORMATION);
		return -1;
	}
	return 0;
}

/* Choose, first the rule: ours whose selectors mirror the peer's. */
static struct rule *qm1_rule(struct p1sa *p1, const struct qm1 *q, const char *ps)
{
	char a[200], b[200];
	struct rule *r, *any;

	r = mirror_rule(p1, &q->src, &q->dst, q->proto, &any);
	if (r)
		return r;
	if (any)
		log_err("peer %s: phase 2 (quick mode, responder) failed: traffic selectors do not mirror ours: the peer proposes %s, our rule has %s",
			ps, ike_flow_text(q->proto, &q->src, &q->dst, " -> ", a, sizeof(a)),
			ike_flow_text(any->conf.proto, &any->conf.dst, &any->conf.src, " -> ", b,
				      sizeof(b)));
	else
		log_err("peer %s: phase 2 (quick mode, responder) failed: no ike rule for this peer",
			ps);
	stats.p2_failed++;
	qm1_refuse(p1, q, N_INVALID_ID_INFORMATION);
	return NULL;
}

/*
 * Choose, then the proposal, and make the exchange: its SPI reserved, our
 * nonce and KE made.  Returns it, or NULL (refused, or failed and freed).
 */
static struct p2sa *qm1_choose(struct p1sa *p1, const struct isakmp_hdr *h, const struct qm1 *q,
			       const uint8_t *iv, const uint8_t *pkt, size_t len,
			       struct p2_choice *c, const char *ps)
{
	struct rule *r = qm1_rule(p1, q, ps);
	struct p2sa *p2 = r ? p2_new(false) : NULL;
	char why[768];
	int notify;

	if (!p2)
		return NULL;
	take_rule(p2, r, p1);
	p2->msgid = h->msgid;
	memcpy(p2->iv, iv, sizeof(p2->iv));
	buf_put(&p2->in, pkt, len);
	memcpy(p2->ni, q->np->body, q->np->len);
	p2->ni_len = q->np->len;
	notify = p2_choose(p2, q->sa, c, why, sizeof(why));
	if (notify) {
		qm1_refuse(p1, q, (uint16_t)notify);
		p2_fail(p2, "%s", why);
		return NULL;
	}
	if (!!q->kep != !!c->group || (q->kep && q->kep->len != dh_public_len(c->group))) {
		qm1_refuse(p1, q, N_INVALID_KEY_INFORMATION);
		p2_fail(p2, "PFS: %s", q->kep ? "the KE does not fit the group" :
			    "PFS agreed but no KE payload");
		return NULL;
	}
	if (q->kep)
		memcpy(p2->gxi, q->kep->body, q->kep->len);
	p2->spi_out = c->spi;
	p2->shortened = p2_life_choose(p2, c);
	if (kern_spi_alloc(p2, r->reqid)) {
		p2_fail(p2, "the kernel gave no SPI: %s", kern_extack());
		return NULL;
	}
	p2->nr_len = NONCE_LEN;
	if (random_bytes(p2->nr, NONCE_LEN) || (p2->group && make_dh(p2, p2->gxr))) {
		p2_fail(p2, "key generation failed");
		return NULL;
	}
	return p2;
}

/* Reply: message 2, our IDs the peer's own, and the inbound SA. */
static void qm1_reply(struct p1sa *p1, struct p2sa *p2, const struct qm1 *q,
		      const struct p2_choice *c)
{
	struct msgb out = MSGB_INIT;
	size_t off;

	p1_hash_msg_begin(&out, p1, ISAKMP_XCHG_QUICK, p2->msgid);
	off = msgb_begin(&out, ISAKMP_NP_SA);
	p2_accept_body(&out.b, c, p2->spi_in);
	msgb_end(&out, off);
	msgb_payload(&out, ISAKMP_NP_NONCE, p2->nr, p2->nr_len);
	if (p2->group)
		msgb_payload(&out, ISAKMP_NP_KE, p2->gxr, p2->gx_len);
	if (q->nid == 2) {
		msgb_payload(&out, ISAKMP_NP_ID, q->ids[0]->body, q->ids[0]->len);
		msgb_payload(&out, ISAKMP_NP_ID, q->ids[1]->body, q->ids[1]->len);
	}
	if (p2->shortened) {
		struct buf n = BUF_INIT;
		char peer[KIPSEC_ADDR_STRLEN], life[48];

		p2_life_notify(&n, p2);
		msgb_payload(&out, ISAKMP_NP_N, n.p, n.len);
		buf_free(&n);
		log_info("peer %s: our lifetime is shorter than the initiator's: %s (RESPONDER-LIFETIME)",
			 addr_text(&p2->peer, peer, sizeof(peer)),
			 p2_life_text(p2->lifetime, p2->life_kb, life, sizeof(life)));
	}
	msgb_finish(&out);
	if (seal_hash(p1, p2, &out, true) || p1_encrypt(p1, &out, p2->iv)) {
		buf_free(&out.b);
		p2_fail(p2, "cannot build message 2");
		return;
	}
	if (install(p2, p1, KERN_IN)) {
		buf_free(&out.b);
		return;
	}
	p2->state = P2_R_QM2;
	send_msg(p2, p1, &out.b, true);
}

static void r_qm1(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
		  uint16_t port, bool natt)
{
	uint8_t iv[IKE_BLOCK_MAX];
	char ps[KIPSEC_ADDR_STRLEN];
	struct qm1 q = { 0 };
	struct isakmp_msg m;
	struct p2sa tmp, *p2;
	struct p2_choice c;
	const char *bad = NULL;
	struct buf plain = BUF_INIT;

	addr_text(&p1->peer, ps, sizeof(ps));
	/* Decrypt and verify before anything is kept: a stray message
	 * with a fresh M-ID must not create state. */
	memset(&tmp, 0, sizeof(tmp));
	tmp.msgid = h->msgid;
	if (p2_iv(p1->hash, p1->iv, p1->k.block, h->msgid, tmp.iv) ||
	    open_msg(p1, &tmp, pkt, len, 1, &plain, &m, &bad)) {
		stats.rx_dropped++;
		log_drop(ps, bad ? bad : "quick mode IV");
		buf_free(&plain);
		return;
	}
	/* Genuine: its M-ID is spent, whatever becomes of the exchange. */
	p1_msgid_use(p1, h->msgid);
	natt_peer_seen(p1, port, natt);
	memcpy(iv, tmp.iv, sizeof(iv));
	if (!qm1_parse(p1, &m, &q, ps)) {
		p2 = qm1_choose(p1, h, &q, iv, pkt, len, &c, ps);
		if (p2)
			qm1_reply(p1, p2, &q, &c);
	}
	free(q.sa);
	buf_free(&plain);
}

static void r_qm3(struct p1sa *p1, struct p2sa *p2, const uint8_t *pkt, size_t len,
		  uint16_t port, bool natt)
{
	struct isakmp_msg m;
	const char *bad = NULL;
	struct buf plain = BUF_INIT;

	if (open_msg(p1, p2, pkt, len, 3, &plain, &m, &bad)) {
		char ps[KIPSEC_ADDR_STRLEN];

		stats.rx_dropped++;
		log_drop(addr_text(&p1->peer, ps, sizeof(ps)), bad);
		buf_free(&plain);
		return;
	}
	buf_free(&plain);
	buf_free(&p2->in);
	buf_put(&p2->in, pkt, len);
	natt_peer_seen(p1, port, natt);
	if (install(p2, p1, KERN_OUT))
		return;
	timer_arm(&p2->timer, P2_LINGER_MS);
}

void p2_input(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      uint16_t port, bool natt)
{
	struct p2sa *p2 = p2_by_msgid(p1->id, h->msgid);
	char ps[KIPSEC_ADDR_STRLEN];

	addr_text(&p1->peer, ps, sizeof(ps));
	if (!h->msgid) {
		stats.rx_malformed++;
		log_drop(ps, "quick mode message with message ID 0");
		return;
	}
	if (!p2 && p1_msgid_used(p1, h->msgid)) {
		/* RFC 2408 §3.1, RFC 2409 §5.5: an M-ID is used once per
		 * ISAKMP SA; a message 1 for a spent one is a replay. */
		stats.rx_dropped++;
		log_drop(ps, "quick mode message for a message ID already used in this ISAKMP SA (replay)");
		return;
	}
	if (!p2) {
		r_qm1(p1, h, pkt, len, port, natt);
		return;
	}
	if (p2->in.len == len && !memcmp(p2->in.p, pkt, len)) {
		/* A repeated message: answer with what we answered. */
		if (p2->out.len && (p2->state == P2_R_QM2 || (p2->state == P2_INSTALLED &&
							      p2->initiator))) {
			stats.retransmits++;
			p1_send_peer(p1, p2->out.p, p2->out.len);
		}
		return;
	}
	switch (p2->state) {
	case P2_I_QM1:
		i_qm2(p1, p2, pkt, len, port, natt);
		break;
	case P2_R_QM2:
		r_qm3(p1, p2, pkt, len, port, natt);
		break;
	default:
		stats.rx_dropped++;
		log_drop(ps, "quick mode message for a finished exchange");
	}
}

/* ---- NAT traversal ---- */

/*
 * RFC 3947 §4: the peer's NAT mapped it to another port.  Its SA pairs in
 * UDP follow, replaced in place (kipsec.ko keeps their sequence numbers
 * and replay windows, as XFRM's UPDSA does).  Matched by address and old
 * port: several peers may sit behind one NAT address.
 */
void p2_peer_moved(const struct kipsec_addr *peer, uint16_t old_port, uint16_t port)
{
	char why[512], ps[KIPSEC_ADDR_STRLEN];
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);
		const struct p1sa *keys = p1_of(p2);
		struct rule *r = rule_by_id(p2->rule_id);

		if (p2->state != P2_INSTALLED || p2->encap_dport != old_port ||
		    !kipsec_addr_eq(&p2->peer, peer))
			continue;
		p2->encap_dport = port;
		if (keys && r && !kern_sa_install(p2, r->reqid, keys, KERN_IN | KERN_OUT | KERN_REPLACE,
						   why, sizeof(why)))
			continue;
		log_warn("peer %s: SA pair spi in 0x%08x out 0x%08x stays at the old port: %s",
			 addr_text(&p2->peer, ps, sizeof(ps)), p2->spi_in, p2->spi_out,
			 !keys ? "its ISAKMP SA is gone" : !r ? "its rule is gone" : why);
	}
}

/* ---- removal, refusals, expiry ---- */

void p2_remove(struct p2sa *p2, bool notify)
{
	char peer[KIPSEC_ADDR_STRLEN], flow[200];

	if (p2->state == P2_INSTALLED) {
		struct p1sa *p1 = notify ? p1_of(p2) : NULL;

		kern_sa_remove(p2);
		if (p1) {
			uint8_t spi[4];

			/* RFC 2408 §3.15: we name the SPI the peer sends to. */
			put32(spi, p2->spi_in);
			info_delete(p1, PROTO_IPSEC_ESP, spi, 4, 1);
		}
		log_info("peer %s: phase 2 SA pair for %s deleted (spi in 0x%08x out 0x%08x)",
			 addr_text(&p2->peer, peer, sizeof(peer)), flow_text(p2, flow, sizeof(flow)),
			 p2->spi_in, p2->spi_out);
	}
	p2_free(p2);
}

/*
 * A refusal ends only the exchange it names: the peer's notification
 * carries the SPI of our proposal (RFC 2408 §3.14), and its informational
 * exchange has its own M-ID, so the SPI is the only name.  One naming no
 * exchange of ours (no SPI, an old one) ends nothing: the exchange it was
 * about, if any, times out.
 */
void p2_notified(struct p1sa *p1, uint32_t spi, uint16_t type)
{
	struct p2sa *match = NULL;
	struct list *pos, *tmp;
	char ours[128];

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->p1_id == p1->id && p2->state == P2_I_QM1 && spi && p2->spi_in == spi) {
			match = p2;
			break;
		}
	}
	if (!match) {
		char peer[KIPSEC_ADDR_STRLEN];

		log_info("peer %s: notification %s names no quick mode of ours (spi 0x%08x): nothing ended",
			 addr_text(&p1->peer, peer, sizeof(peer)), isakmp_notify_name(type), spi);
		return;
	}
	p2_fail(match, "the peer refused it: %s (we offered %s %s)", isakmp_notify_name(type),
		p2_alg_text(match->enc, match->enc_bits, match->auth, match->group, ours,
			    sizeof(ours)), mode_name_of(match->mode));
}

void p2_expired(struct p2sa *p2, bool inbound, bool hard)
{
	char peer[KIPSEC_ADDR_STRLEN], flow[200];
	struct rule *r = rule_by_id(p2->rule_id);

	addr_text(&p2->peer, peer, sizeof(peer));
	if (!hard) {
		/* The peer may have rekeyed first: one successor is enough. */
		if (p2->rekeyed || p2_has_successor(p2)) {
			log_debug("peer %s: soft lifetime of spi 0x%08x: it has a successor already",
				  peer, inbound ? p2->spi_in : p2->spi_out);
			return;
		}
		p2->rekeyed = true;
		log_info("peer %s: phase 2 SA pair for %s reached its soft lifetime (spi %s 0x%08x)%s",
			 peer, flow_text(p2, flow, sizeof(flow)), inbound ? "in" : "out",
			 inbound ? p2->spi_in : p2->spi_out,
			 r && r->conf.start != IKE_START_PASSIVE ? ": rekeying" : "");
		if (r && r->conf.start != IKE_START_PASSIVE)
			rule_negotiate(r, "rekey");
		return;
	}
	log_info("peer %s: phase 2 SA pair for %s expired (hard lifetime)", peer,
		 flow_text(p2, flow, sizeof(flow)));
	p2_remove(p2, true);
}
