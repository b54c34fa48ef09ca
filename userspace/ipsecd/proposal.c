// SPDX-License-Identifier: GPL-2.0
/*
 * SA payloads (RFC 2408 §3.4-3.6): the one proposal we offer in each
 * phase, and the choice among the peer's.  A rule names exactly one set of
 * algorithms per phase, so we offer one transform and accept a transform
 * only if it names the same; when nothing fits, the cause is written out
 * with what we wanted and what the peer offered.
 *
 * Phase 1 attributes: RFC 2409 Appendix A; phase 2: RFC 2407 §4.5.
 */
#include <stdio.h>
#include <string.h>

#include "ike_alg.h"
#include "ipsecd.h"

const char *p1_alg_text(uint16_t enc, uint16_t bits, uint16_t hash, uint16_t group, char *buf,
			size_t len)
{
	char e[32], h[32], g[32];

	snprintf(buf, len, "enc %s auth %s group %s", ike_p1_enc_name(enc, bits, e, sizeof(e)),
		 ike_p1_hash_name(hash, h, sizeof(h)), ike_group_name(group, g, sizeof(g)));
	return buf;
}

const char *p2_alg_text(uint16_t enc, uint16_t bits, uint16_t auth, uint16_t group, char *buf,
			size_t len)
{
	char e[32], a[32], g[32];
	const struct ike_enc_desc *d = ike_p2_enc_by_id(enc, bits);

	if (d && d->aead && !auth)
		snprintf(buf, len, "enc %s group %s", d->name, ike_group_name(group, g, sizeof(g)));
	else
		snprintf(buf, len, "enc %s auth %s group %s",
			 ike_p2_enc_name(enc, bits, e, sizeof(e)), ike_p2_auth_name(auth, a, sizeof(a)),
			 ike_group_name(group, g, sizeof(g)));
	return buf;
}

/* The generic header of a proposal or transform payload; length set later. */
static size_t sub_begin(struct buf *b, uint8_t np)
{
	size_t off = b->len;

	buf_put8(b, np);
	buf_put8(b, 0);
	buf_put16(b, 0);
	return off;
}

static void sub_end(struct buf *b, size_t off)
{
	buf_set16(b, off + 2, (uint16_t)(b->len - off));
}

/*
 * Every SA payload body we write has one proposal of one transform (RFC
 * 2408 §3.4-3.6): sa_begin writes it up to the transform's attributes, an
 * SPI of 4 bytes when spi is given, and sa_end sets the two lengths.
 */
struct sa_body {
	size_t prop, trans;
};

static void sa_begin(struct buf *b, struct sa_body *s, uint8_t prop_num, uint8_t proto,
		     const uint32_t *spi, uint8_t trans_num, uint8_t trans_id)
{
	buf_put32(b, IPSEC_DOI);
	buf_put32(b, SIT_IDENTITY_ONLY);
	s->prop = sub_begin(b, ISAKMP_NP_NONE);
	buf_put8(b, prop_num);
	buf_put8(b, proto);
	buf_put8(b, spi ? 4 : 0);
	buf_put8(b, 1);			/* transforms */
	if (spi)
		buf_put32(b, *spi);
	s->trans = sub_begin(b, ISAKMP_NP_NONE);
	buf_put8(b, trans_num);
	buf_put8(b, trans_id);
	buf_put16(b, 0);
}

static void sa_end(struct buf *b, const struct sa_body *s)
{
	sub_end(b, s->trans);
	sub_end(b, s->prop);
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/*
 * Hands each attribute of a transform to take(), its value clamped to 16
 * bits for the attributes that are numbers, and the life type seen last
 * (a duration follows its type: RFC 2409 Appendix A, RFC 2407 §4.5).
 * Returns 0, or -1 for a malformed list or one with an attribute take()
 * does not know.
 */
static int parse_attrs(const struct isakmp_transform *t, void *c,
		       bool (*take)(void *c, const struct isakmp_attr *a, uint16_t v,
				    uint64_t *life_type))
{
	const uint8_t *p = t->attrs;
	size_t len = t->attrs_len;
	struct isakmp_attr a;
	uint64_t life_type = 0;
	int r, ret = 0;

	while ((r = isakmp_attr_next(&p, &len, &a)) > 0)
		if (!take(c, &a, a.val > 0xffff ? 0xffff : (uint16_t)a.val, &life_type))
			ret = -1;
	return r < 0 ? -1 : ret;
}

/* ---- phase 1 ---- */

void p1_proposal(struct buf *b, const struct p1sa *p1)
{
	struct sa_body s;

	/* Proposal 1; no SPI in phase 1: the cookies are (RFC 2408 §3.5). */
	sa_begin(b, &s, 1, PROTO_ISAKMP, NULL, 1, KEY_IKE);
	attr_put(b, OAKLEY_ENC, p1->enc);
	if (p1->enc_bits)
		attr_put(b, OAKLEY_KEY_LENGTH, p1->enc_bits);
	attr_put(b, OAKLEY_HASH, p1->hash);
	attr_put(b, OAKLEY_AUTH, OAKLEY_AUTH_PSK);
	attr_put(b, OAKLEY_GROUP, p1->group);
	attr_put(b, OAKLEY_LIFE_TYPE, OAKLEY_LIFE_SECONDS);
	attr_put(b, OAKLEY_LIFE_DURATION, p1->lifetime);
	sa_end(b, &s);
}

static bool p1_take(void *arg, const struct isakmp_attr *a, uint16_t v, uint64_t *life_type)
{
	struct p1_choice *c = arg;

	switch (a->type) {
	case OAKLEY_ENC:
		c->enc = v;
		break;
	case OAKLEY_KEY_LENGTH:
		c->enc_bits = v;
		break;
	case OAKLEY_HASH:
		c->hash = v;
		break;
	case OAKLEY_AUTH:
		c->auth = v;
		break;
	case OAKLEY_GROUP:
		c->group = v;
		break;
	case OAKLEY_LIFE_TYPE:
		*life_type = a->val;
		break;
	case OAKLEY_LIFE_DURATION:
		if (*life_type == OAKLEY_LIFE_SECONDS)
			c->life_secs = clamp32(a->val);
		break;
	default:
		return false;
	}
	return true;
}

/* Returns 0, or -1 if the transform has an attribute we do not know. */
int p1_parse_transform(const struct isakmp_transform *t, struct p1_choice *c)
{
	memset(c, 0, sizeof(*c));
	c->trans_num = t->num;
	c->attrs = t->attrs;
	c->attrs_len = t->attrs_len;
	return parse_attrs(t, c, p1_take);
}

int p1_choose(const struct p1sa *p1, const struct isakmp_sa *sa, struct p1_choice *c,
	      char *why, size_t len)
{
	char ours[128], theirs[384] = "", one[128];
	bool group_only = false, auth_only = false;
	uint16_t peer_group = 0;
	size_t n = 0;

	for (size_t i = 0; i < sa->np; i++) {
		const struct isakmp_proposal *pr = &sa->p[i];

		if (pr->proto != PROTO_ISAKMP)
			continue;
		for (size_t j = 0; j < pr->nt; j++) {
			struct p1_choice t;
			bool algs;
			int unknown = p1_parse_transform(&pr->t[j], &t);

			if (pr->t[j].id != KEY_IKE)
				continue;
			if (n++ < 3) {
				size_t l = strlen(theirs);

				snprintf(theirs + l, sizeof(theirs) - l, "%s%s%s", l ? "; " : "",
					 p1_alg_text(t.enc, t.enc_bits, t.hash, t.group, one,
						     sizeof(one)),
					 t.auth == OAKLEY_AUTH_PSK ? "" : " (not psk)");
			}
			algs = t.enc == p1->enc && t.enc_bits == p1->enc_bits && t.hash == p1->hash;
			if (algs && t.auth == OAKLEY_AUTH_PSK && t.group == p1->group && !unknown) {
				*c = t;
				c->prop_num = pr->num;
				return 0;
			}
			if (algs && t.auth == OAKLEY_AUTH_PSK && t.group != p1->group) {
				group_only = true;
				peer_group = t.group;
			}
			if (algs && t.group == p1->group && t.auth != OAKLEY_AUTH_PSK)
				auth_only = true;
		}
	}
	p1_alg_text(p1->enc, p1->enc_bits, p1->hash, p1->group, ours, sizeof(ours));
	if (group_only) {
		char g1[32], g2[32];

		snprintf(why, len, "DH group mismatch: ours %s, the peer's %s",
			 ike_group_name(p1->group, g1, sizeof(g1)),
			 ike_group_name(peer_group, g2, sizeof(g2)));
	} else if (auth_only) {
		snprintf(why, len, "authentication method mismatch: we use pre-shared keys, the peer does not");
	} else {
		snprintf(why, len, "no proposal chosen: we accept %s, the peer offered %s%s", ours,
			 n ? theirs : "nothing for ISAKMP", n > 3 ? "; ..." : "");
	}
	return N_NO_PROPOSAL_CHOSEN;
}

void p1_accept_body(struct buf *b, const struct p1_choice *c)
{
	struct sa_body s;

	sa_begin(b, &s, c->prop_num, PROTO_ISAKMP, NULL, c->trans_num, KEY_IKE);
	/* RFC 2409 §5: the responder returns the chosen transform as offered. */
	buf_put(b, c->attrs, c->attrs_len);
	sa_end(b, &s);
}

/* ---- phase 2 ---- */

bool encap_is_udp(uint16_t attr)
{
	return attr == IPSEC_ENCAP_UDP_TUNNEL || attr == IPSEC_ENCAP_UDP_TRANSPORT ||
	       attr == IPSEC_ENCAP_UDP_TUNNEL_DRAFT || attr == IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}

const char *encap_mode_name(uint16_t attr)
{
	switch (attr) {
	case IPSEC_ENCAP_TUNNEL:
		return "tunnel";
	case IPSEC_ENCAP_TRANSPORT:
		return "transport";
	case IPSEC_ENCAP_UDP_TUNNEL:
	case IPSEC_ENCAP_UDP_TUNNEL_DRAFT:
		return "tunnel in UDP";
	case IPSEC_ENCAP_UDP_TRANSPORT:
	case IPSEC_ENCAP_UDP_TRANSPORT_DRAFT:
		return "transport in UDP";
	}
	return "unknown mode";
}

void p2_proposal(struct buf *b, const struct p2sa *p2)
{
	struct sa_body s;

	/* Our inbound SPI (RFC 2408 §3.5). */
	sa_begin(b, &s, 1, PROTO_IPSEC_ESP, &p2->spi_in, 1, (uint8_t)p2->enc);
	attr_put(b, IPSEC_ATTR_LIFE_TYPE, IPSEC_LIFE_SECONDS);
	attr_put(b, IPSEC_ATTR_LIFE_DURATION, p2->lifetime);
	/* Both kinds in one transform: whichever comes first (RFC 2407 §4.5). */
	if (p2->life_kb) {
		attr_put(b, IPSEC_ATTR_LIFE_TYPE, IPSEC_LIFE_KB);
		attr_put(b, IPSEC_ATTR_LIFE_DURATION, p2->life_kb);
	}
	if (p2->group)
		attr_put(b, IPSEC_ATTR_GROUP, p2->group);
	attr_put(b, IPSEC_ATTR_ENCAP, p2->encap_attr);
	if (p2->auth)
		attr_put(b, IPSEC_ATTR_AUTH, p2->auth);
	if (p2->enc_bits)
		attr_put(b, IPSEC_ATTR_KEY_LENGTH, p2->enc_bits);
	sa_end(b, &s);
}

static bool p2_take(void *arg, const struct isakmp_attr *a, uint16_t v, uint64_t *life_type)
{
	struct p2_choice *c = arg;

	switch (a->type) {
	case IPSEC_ATTR_LIFE_TYPE:
		*life_type = a->val;
		break;
	case IPSEC_ATTR_LIFE_DURATION:
		if (*life_type == IPSEC_LIFE_SECONDS)
			c->life_secs = clamp32(a->val);
		else if (*life_type == IPSEC_LIFE_KB)
			c->life_kb = clamp32(a->val);
		break;
	case IPSEC_ATTR_GROUP:
		c->group = v;
		break;
	case IPSEC_ATTR_ENCAP:
		c->encap = v;
		break;
	case IPSEC_ATTR_AUTH:
		c->auth = v;
		break;
	case IPSEC_ATTR_KEY_LENGTH:
		c->enc_bits = v;
		break;
	default:
		return false;
	}
	return true;
}

static int p2_parse_transform(const struct isakmp_transform *t, struct p2_choice *c)
{
	memset(c, 0, sizeof(*c));
	c->enc = t->id;
	c->trans_num = t->num;
	c->attrs = t->attrs;
	c->attrs_len = t->attrs_len;
	return parse_attrs(t, c, p2_take);
}

/* What came closest among the peer's transforms, for the refusal's text. */
struct p2_miss {
	bool pfs_only, mode_only;
	uint16_t peer_group, peer_encap;
	char theirs[384];		/* the first three transforms */
	size_t n;			/* of how many */
};

static void p2_why(const struct p2sa *p2, uint16_t want_encap, const struct p2_miss *m,
		   char *why, size_t len)
{
	char ours[128], g1[32], g2[32];

	p2_alg_text(p2->enc, p2->enc_bits, p2->auth, p2->group, ours, sizeof(ours));
	if (m->pfs_only && (!p2->group || !m->peer_group))
		snprintf(why, len, "PFS on one side only: %s %s, the peer %s %s",
			 p2->group ? "we require PFS with" : "we have no PFS",
			 p2->group ? ike_group_name(p2->group, g1, sizeof(g1)) : "(group none)",
			 m->peer_group ? "wants PFS with" : "offers no PFS",
			 m->peer_group ? ike_group_name(m->peer_group, g2, sizeof(g2)) :
					 "(group none)");
	else if (m->pfs_only)
		snprintf(why, len, "PFS group mismatch: ours %s, the peer's %s",
			 ike_group_name(p2->group, g1, sizeof(g1)),
			 ike_group_name(m->peer_group, g2, sizeof(g2)));
	else if (m->mode_only)
		snprintf(why, len, "encapsulation mode mismatch: ours %s, the peer's %s",
			 encap_mode_name(want_encap), encap_mode_name(m->peer_encap));
	else
		snprintf(why, len, "no proposal chosen: we accept %s %s, the peer offered %s%s", ours,
			 encap_mode_name(want_encap), m->n ? m->theirs : "nothing for ESP",
			 m->n > 3 ? "; ..." : "");
}

int p2_choose(const struct p2sa *p2, const struct isakmp_sa *sa, struct p2_choice *c, char *why,
	      size_t len)
{
	uint16_t want_encap = p2->encap_attr;
	struct p2_miss m = { .theirs = "" };
	char one[128];

	for (size_t i = 0; i < sa->np; i++) {
		const struct isakmp_proposal *pr = &sa->p[i];
		bool bundle = false;

		/* Several proposals with one number are an AND (RFC 2408 §4.2): refuse. */
		for (size_t k = 0; k < sa->np; k++)
			if (k != i && sa->p[k].num == pr->num)
				bundle = true;
		if (pr->proto != PROTO_IPSEC_ESP || pr->spi_size != 4 || bundle)
			continue;
		for (size_t j = 0; j < pr->nt; j++) {
			struct p2_choice t;
			int unknown = p2_parse_transform(&pr->t[j], &t);
			bool algs;

			if (m.n++ < 3) {
				size_t l = strlen(m.theirs);

				snprintf(m.theirs + l, sizeof(m.theirs) - l, "%s%s %s", l ? "; " : "",
					 p2_alg_text(t.enc, t.enc_bits, t.auth, t.group, one,
						     sizeof(one)), encap_mode_name(t.encap));
			}
			algs = t.enc == p2->enc && t.enc_bits == p2->enc_bits && t.auth == p2->auth;
			if (algs && t.group == p2->group && t.encap == want_encap && !unknown) {
				*c = t;
				c->prop_num = pr->num;
				c->spi = get32(pr->spi);
				return 0;
			}
			if (algs && t.encap == want_encap && t.group != p2->group) {
				m.pfs_only = true;
				m.peer_group = t.group;
			}
			if (algs && t.group == p2->group && t.encap != want_encap) {
				m.mode_only = true;
				m.peer_encap = t.encap;
			}
		}
	}
	p2_why(p2, want_encap, &m, why, len);
	return N_NO_PROPOSAL_CHOSEN;
}

void p2_accept_body(struct buf *b, const struct p2_choice *c, uint32_t our_spi)
{
	struct sa_body s;

	sa_begin(b, &s, c->prop_num, PROTO_IPSEC_ESP, &our_spi, c->trans_num, (uint8_t)c->enc);
	buf_put(b, c->attrs, c->attrs_len);
	sa_end(b, &s);
}
