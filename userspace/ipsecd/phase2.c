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
	char s[80], d[80];

	snprintf(buf, len, "%s <-> %s", sel_text(&p2->src, p2->proto, s, sizeof(s)),
		 sel_text(&p2->dst, p2->proto, d, sizeof(d)));
	return buf;
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
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (p1->id == p2->p1_id && p1->state == P1_ESTABLISHED)
			return p1;
	}
	return p1_find(&p2->local, &p2->peer, false);
}

static void p2_timer(struct timer *t)
{
	struct p2sa *p2 = container_of(t, struct p2sa, timer);

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
	p2->tries++;
	stats.retransmits++;
	if (p2->out.len)
		net_send(&p2->local, &p2->peer, ike_port, p2->out.p, p2->out.len);
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
		net_send(&p2->local, &p2->peer, p1->peer_port, p2->out.p, p2->out.len);
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

static bool sel_eq(const struct ike_sel *a, const struct ike_sel *b)
{
	return a->plen == b->plen && a->port == b->port && addr_eq(&a->addr, &b->addr);
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

/* Decrypts with the exchange's IV and checks HASH(1)/(2)/(3). */
static int open_msg(struct p1sa *p1, struct p2sa *p2, const uint8_t *pkt, size_t len, int which,
		    struct buf *plain, struct isakmp_msg *m, const char **why)
{
	uint8_t want[IKE_HASH_MAX];
	const uint8_t *rest;
	size_t rest_len;
	int r;

	*why = NULL;
	if (!(pkt[19] & ISAKMP_FLAG_ENC)) {
		*why = "quick mode message not encrypted";
		return -1;
	}
	if (p1_decrypt(p1, pkt, len, p2->iv, plain, m)) {
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
	char why[512], peer[KIPSEC_ADDR_STRLEN], flow[200], algs[128];
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
	log_info("peer %s: phase 2 SA pair established as %s for %s: spi in 0x%08x out 0x%08x, %s %s, lifetime %u s, in %llu ms",
		 addr_text(&p2->peer, peer, sizeof(peer)), role(p2), flow_text(p2, flow, sizeof(flow)),
		 p2->spi_in, p2->spi_out,
		 p2_alg_text(p2->enc, p2->enc_bits, p2->auth, p2->group, algs, sizeof(algs)),
		 mode_name_of(p2->mode), p2->lifetime,
		 (unsigned long long)(now_ms() - p2->started_ms));
	return 0;
}

static void take_rule(struct p2sa *p2, const struct rule *r, const struct p1sa *p1)
{
	p2->rule_id = r->id;
	p2->p1_id = p1->id;
	p2->local = p1->local;
	p2->peer = p1->peer;
	p2->mode = r->conf.mode;
	p2->proto = r->conf.proto;
	p2->src = r->conf.src;
	p2->dst = r->conf.dst;
	p2->enc = r->conf.p2_enc;
	p2->enc_bits = r->conf.p2_enc_bits;
	p2->auth = r->conf.p2_auth;
	p2->group = r->conf.p2_group;
	p2->lifetime = r->conf.p2_lifetime;
}

static int new_msgid(struct p1sa *p1, uint32_t *msgid)
{
	uint32_t m;

	/* Not *msgid itself: the new exchange is already in the list. */
	do {
		if (random_bytes(&m, sizeof(m)))
			return -1;
	} while (!m || p2_by_msgid(p1->id, m));
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
	struct isakmp_hdr h;
	struct buf b;
	struct msgb m;
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
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, p1->icky, 8);
	memcpy(h.rcookie, p1->rcky, 8);
	h.exchange = ISAKMP_XCHG_QUICK;
	h.msgid = p2->msgid;
	msgb_init(&m, &h);
	off = msgb_begin(&m, ISAKMP_NP_HASH);
	buf_zero(&m.b, p1->k.prf_len);
	msgb_end(&m, off);
	off = msgb_begin(&m, ISAKMP_NP_SA);
	p2_proposal(&m.b, p2);
	msgb_end(&m, off);
	msgb_payload(&m, ISAKMP_NP_NONCE, p2->ni, p2->ni_len);
	if (p2->group)
		msgb_payload(&m, ISAKMP_NP_KE, p2->gxi, p2->gx_len);
	buf_init(&b);
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
		    pd == p2->proto && sel_eq(&s, &p2->src) && sel_eq(&d, &p2->dst))
			return 0;
	}
	p2_fail(p2, "the peer answered with other traffic selectors than ours");
	return -1;
}

static void i_qm2(struct p1sa *p1, struct p2sa *p2, const uint8_t *pkt, size_t len)
{
	const struct payload *sap, *np, *kep;
	char why[768], ours[128];
	struct isakmp_msg m;
	struct isakmp_sa *sa = NULL;
	struct p2_choice c;
	struct isakmp_hdr h;
	const char *bad;
	struct buf plain;
	struct msgb out;
	size_t off;

	if (open_msg(p1, p2, pkt, len, 2, &plain, &m, &bad)) {
		stats.rx_dropped++;
		log_drop("quick mode peer", bad);
		buf_free(&plain);
		return;
	}
	buf_free(&p2->in);
	buf_put(&p2->in, pkt, len);
	sap = isakmp_find(&m, ISAKMP_NP_SA);
	np = isakmp_find(&m, ISAKMP_NP_NONCE);
	kep = isakmp_find(&m, ISAKMP_NP_KE);
	sa = malloc(sizeof(*sa));
	if (!sa || !sap || !np || isakmp_parse_sa(sap->body, sap->len, sa)) {
		p2_fail(p2, "message 2: %s", !sa ? "out of memory" : !sap ? "no SA payload" :
			    !np ? "no nonce" : isakmp_error);
		goto out;
	}
	if (sa->np != 1 || sa->p[0].nt != 1 || p2_choose(p2, sa, &c, why, sizeof(why))) {
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
	if (check_echo(p2, &m))
		goto out;
	memcpy(p2->nr, np->body, np->len);
	p2->nr_len = np->len;
	if (kep)
		memcpy(p2->gxr, kep->body, kep->len);
	p2->spi_out = c.spi;
	if (c.life_secs && c.life_secs < p2->lifetime)
		p2->lifetime = c.life_secs;
	if (install(p2, p1, KERN_IN | KERN_OUT))
		goto out;
	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, p1->icky, 8);
	memcpy(h.rcookie, p1->rcky, 8);
	h.exchange = ISAKMP_XCHG_QUICK;
	h.msgid = p2->msgid;
	msgb_init(&out, &h);
	off = msgb_begin(&out, ISAKMP_NP_HASH);
	buf_zero(&out.b, p1->k.prf_len);
	msgb_end(&out, off);
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
	free(sa);
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

		if (!addr_eq(&r->conf.peer, &p1->peer) || !addr_eq(&r->conf.local, &p1->local))
			continue;
		if (!*any)
			*any = r;
		/* The peer's initiator side is our destination (RFC 2409 §5.5). */
		if (r->conf.proto == proto && sel_eq(&r->conf.src, dst) && sel_eq(&r->conf.dst, src))
			return r;
	}
	return NULL;
}

static void r_qm1(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len)
{
	const struct payload *sap, *np, *kep, *ids[2];
	struct isakmp_sa *sa = NULL;
	struct ike_sel isrc, idst;
	uint8_t iproto = 0, tmp_proto, iv[IKE_BLOCK_MAX];
	char why[768], ps[KIPSEC_ADDR_STRLEN], a[80], b[80], c1[80], c2[80];
	struct rule *r, *any;
	struct isakmp_msg m;
	struct p2sa tmp, *p2 = NULL;
	struct p2_choice c;
	struct isakmp_hdr rh;
	const char *bad;
	struct buf plain;
	struct msgb out;
	size_t nid = 0, off;
	int notify;

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
	memcpy(iv, tmp.iv, sizeof(iv));
	sap = isakmp_find(&m, ISAKMP_NP_SA);
	np = isakmp_find(&m, ISAKMP_NP_NONCE);
	kep = isakmp_find(&m, ISAKMP_NP_KE);
	for (size_t i = 0; i < m.n; i++)
		if (m.pl[i].type == ISAKMP_NP_ID && nid < 2)
			ids[nid++] = &m.pl[i];
	sa = malloc(sizeof(*sa));
	if (!sa || !sap || !np || isakmp_count(&m, ISAKMP_NP_SA) != 1 ||
	    isakmp_parse_sa(sap->body, sap->len, sa) || np->len < 8 || np->len > NONCE_MAX ||
	    (nid != 0 && nid != 2) || isakmp_count(&m, ISAKMP_NP_ID) > 2) {
		stats.rx_malformed++;
		log_err("peer %s: phase 2 (quick mode, responder) failed: message 1 malformed (%s)", ps,
			!sap ? "no SA payload" : !np ? "no nonce" : "bad SA, nonce or IDs");
		stats.p2_failed++;
		info_notify(p1, PROTO_ISAKMP, NULL, 0, N_PAYLOAD_MALFORMED);
		goto out;
	}
	/* Without IDs the selectors are the phase 1 addresses (RFC 2409 §5.5). */
	if (nid == 2) {
		if (parse_sel(ids[0], &isrc, &iproto) || parse_sel(ids[1], &idst, &tmp_proto) ||
		    tmp_proto != iproto) {
			log_err("peer %s: phase 2 (quick mode, responder) failed: IDci/IDcr are not address or subnet identities we can use",
				ps);
			stats.p2_failed++;
			info_notify(p1, PROTO_IPSEC_ESP, sa->p[0].spi, sa->p[0].spi_size,
				    N_INVALID_ID_INFORMATION);
			goto out;
		}
	} else {
		memset(&isrc, 0, sizeof(isrc));
		memset(&idst, 0, sizeof(idst));
		isrc.addr = p1->peer;
		isrc.plen = (uint8_t)(kipsec_addr_len(p1->peer.family) * 8);
		idst.addr = p1->local;
		idst.plen = isrc.plen;
	}
	r = mirror_rule(p1, &isrc, &idst, iproto, &any);
	if (!r) {
		if (any)
			log_err("peer %s: phase 2 (quick mode, responder) failed: traffic selectors do not mirror ours: the peer proposes %s -> %s, our rule has %s -> %s",
				ps, sel_text(&isrc, iproto, a, sizeof(a)),
				sel_text(&idst, iproto, b, sizeof(b)),
				sel_text(&any->conf.dst, any->conf.proto, c1, sizeof(c1)),
				sel_text(&any->conf.src, any->conf.proto, c2, sizeof(c2)));
		else
			log_err("peer %s: phase 2 (quick mode, responder) failed: no ike rule for this peer",
				ps);
		stats.p2_failed++;
		info_notify(p1, PROTO_IPSEC_ESP, sa->p[0].spi, sa->p[0].spi_size,
			    N_INVALID_ID_INFORMATION);
		goto out;
	}
	p2 = p2_new(false);
	if (!p2)
		goto out;
	take_rule(p2, r, p1);
	p2->msgid = h->msgid;
	memcpy(p2->iv, iv, sizeof(iv));
	buf_put(&p2->in, pkt, len);
	memcpy(p2->ni, np->body, np->len);
	p2->ni_len = np->len;
	notify = p2_choose(p2, sa, &c, why, sizeof(why));
	if (notify) {
		info_notify(p1, PROTO_IPSEC_ESP, sa->p[0].spi, sa->p[0].spi_size, (uint16_t)notify);
		p2_fail(p2, "%s", why);
		p2 = NULL;
		goto out;
	}
	if (!!kep != !!c.group || (kep && kep->len != dh_public_len(c.group))) {
		info_notify(p1, PROTO_IPSEC_ESP, sa->p[0].spi, sa->p[0].spi_size,
			    N_INVALID_KEY_INFORMATION);
		p2_fail(p2, "PFS: %s", kep ? "the KE does not fit the group" :
			    "PFS agreed but no KE payload");
		p2 = NULL;
		goto out;
	}
	if (kep)
		memcpy(p2->gxi, kep->body, kep->len);
	p2->spi_out = c.spi;
	if (c.life_secs && c.life_secs < p2->lifetime)
		p2->lifetime = c.life_secs;
	if (kern_spi_alloc(p2, r->reqid)) {
		p2_fail(p2, "the kernel gave no SPI: %s", kern_extack());
		p2 = NULL;
		goto out;
	}
	p2->nr_len = NONCE_LEN;
	if (random_bytes(p2->nr, NONCE_LEN) || (p2->group && make_dh(p2, p2->gxr))) {
		p2_fail(p2, "key generation failed");
		p2 = NULL;
		goto out;
	}
	memset(&rh, 0, sizeof(rh));
	memcpy(rh.icookie, p1->icky, 8);
	memcpy(rh.rcookie, p1->rcky, 8);
	rh.exchange = ISAKMP_XCHG_QUICK;
	rh.msgid = p2->msgid;
	msgb_init(&out, &rh);
	off = msgb_begin(&out, ISAKMP_NP_HASH);
	buf_zero(&out.b, p1->k.prf_len);
	msgb_end(&out, off);
	off = msgb_begin(&out, ISAKMP_NP_SA);
	p2_accept_body(&out.b, &c, p2->spi_in);
	msgb_end(&out, off);
	msgb_payload(&out, ISAKMP_NP_NONCE, p2->nr, p2->nr_len);
	if (p2->group)
		msgb_payload(&out, ISAKMP_NP_KE, p2->gxr, p2->gx_len);
	if (nid == 2) {
		msgb_payload(&out, ISAKMP_NP_ID, ids[0]->body, ids[0]->len);
		msgb_payload(&out, ISAKMP_NP_ID, ids[1]->body, ids[1]->len);
	}
	msgb_finish(&out);
	if (seal_hash(p1, p2, &out, true) || p1_encrypt(p1, &out, p2->iv)) {
		buf_free(&out.b);
		p2_fail(p2, "cannot build message 2");
		p2 = NULL;
		goto out;
	}
	if (install(p2, p1, KERN_IN)) {
		buf_free(&out.b);
		p2 = NULL;
		goto out;
	}
	p2->state = P2_R_QM2;
	send_msg(p2, p1, &out.b, true);
out:
	free(sa);
	buf_free(&plain);
}

static void r_qm3(struct p1sa *p1, struct p2sa *p2, const uint8_t *pkt, size_t len)
{
	struct isakmp_msg m;
	const char *bad;
	struct buf plain;
	uint8_t iv[IKE_BLOCK_MAX];

	memcpy(iv, p2->iv, sizeof(iv));
	if (open_msg(p1, p2, pkt, len, 3, &plain, &m, &bad)) {
		memcpy(p2->iv, iv, sizeof(iv));	/* a forgery must not move the IV */
		stats.rx_dropped++;
		log_drop("quick mode peer", bad);
		buf_free(&plain);
		return;
	}
	buf_free(&plain);
	buf_free(&p2->in);
	buf_put(&p2->in, pkt, len);
	if (install(p2, p1, KERN_OUT))
		return;
	timer_arm(&p2->timer, P2_LINGER_MS);
}

void p2_input(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len)
{
	struct p2sa *p2 = p2_by_msgid(p1->id, h->msgid);
	char ps[KIPSEC_ADDR_STRLEN];

	addr_text(&p1->peer, ps, sizeof(ps));
	if (!h->msgid) {
		stats.rx_malformed++;
		log_drop(ps, "quick mode message with message ID 0");
		return;
	}
	if (!p2) {
		r_qm1(p1, h, pkt, len);
		return;
	}
	if (p2->in.len == len && !memcmp(p2->in.p, pkt, len)) {
		/* A repeated message: answer with what we answered. */
		if (p2->out.len && (p2->state == P2_R_QM2 || (p2->state == P2_INSTALLED &&
							      p2->initiator))) {
			stats.retransmits++;
			net_send(&p2->local, &p2->peer, p1->peer_port, p2->out.p, p2->out.len);
		}
		return;
	}
	switch (p2->state) {
	case P2_I_QM1:
		i_qm2(p1, p2, pkt, len);
		break;
	case P2_R_QM2:
		r_qm3(p1, p2, pkt, len);
		break;
	default:
		stats.rx_dropped++;
		log_drop(ps, "quick mode message for a finished exchange");
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

void p2_notified(struct p1sa *p1, uint32_t spi, uint16_t type)
{
	struct p2sa *match = NULL;
	struct list *pos, *tmp;
	char ours[128];

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->p1_id != p1->id || p2->state != P2_I_QM1)
			continue;
		if (p2->spi_in == spi) {
			match = p2;
			break;
		}
		if (!match)
			match = p2;
	}
	if (!match)
		return;
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
		if (p2->rekeyed)
			return;
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
