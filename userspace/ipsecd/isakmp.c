// SPDX-License-Identifier: GPL-2.0
/*
 * ISAKMP decoding and encoding (RFC 2408 §3).  Every length read from the
 * wire is checked against what is left before it is used; a failed decode
 * sets isakmp_error to a short reason and returns -1.
 */
#include <stdlib.h>
#include <string.h>

#include "isakmp.h"

const char *isakmp_error = "";

static int bad(const char *why)
{
	isakmp_error = why;
	return -1;
}

int isakmp_parse_hdr(const uint8_t *buf, size_t len, struct isakmp_hdr *h)
{
	static const uint8_t zero[8];

	if (len < ISAKMP_HDR_LEN)
		return bad("shorter than the ISAKMP header");
	memcpy(h->icookie, buf, 8);
	memcpy(h->rcookie, buf + 8, 8);
	h->np = buf[16];
	h->version = buf[17];
	h->exchange = buf[18];
	h->flags = buf[19];
	h->msgid = get32(buf + 20);
	h->len = get32(buf + 24);
	/* RFC 2408 §5.1: an unknown major version is refused. */
	if (h->version >> 4 != 1)
		return bad("not ISAKMP version 1");
	if (h->len != len)
		return bad("header length is not the datagram's");
	if (!memcmp(h->icookie, zero, 8))
		return bad("initiator cookie is zero");
	if (h->flags & ~(ISAKMP_FLAG_ENC | ISAKMP_FLAG_COMMIT | ISAKMP_FLAG_AUTH))
		return bad("unknown flags");
	return 0;
}

int isakmp_parse_payloads(uint8_t first, const uint8_t *p, size_t len, bool trailing,
			  struct isakmp_msg *m)
{
	uint8_t type = first;

	m->n = 0;
	while (type != ISAKMP_NP_NONE) {
		struct payload *pl;
		size_t plen;

		if (len < 4)
			return bad("truncated payload header");
		plen = get16(p + 2);
		if (plen < 4 || plen > len)
			return bad("payload length out of bounds");
		/* RFC 2408 §3.2: RESERVED must be zero. */
		if (p[1])
			return bad("payload RESERVED not zero");
		if (m->n == ISAKMP_MAX_PAYLOADS)
			return bad("too many payloads");
		pl = &m->pl[m->n++];
		pl->type = type;
		pl->raw = p;
		pl->raw_len = plen;
		pl->body = p + 4;
		pl->len = plen - 4;
		type = p[0];
		p += plen;
		len -= plen;
	}
	if (len && !trailing)
		return bad("bytes after the last payload");
	return 0;
}

const struct payload *isakmp_find(const struct isakmp_msg *m, uint8_t type)
{
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == type)
			return &m->pl[i];
	return NULL;
}

size_t isakmp_count(const struct isakmp_msg *m, uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->pl[i].type == type;
	return n;
}

/* ---- SA ---- */

static int parse_transforms(const uint8_t *p, size_t len, uint8_t ntrans,
			    struct isakmp_proposal *prop)
{
	uint8_t np = ISAKMP_NP_T;

	prop->nt = 0;
	while (np == ISAKMP_NP_T) {
		struct isakmp_transform *t;
		size_t tlen;
		const uint8_t *a;
		size_t alen;
		struct isakmp_attr attr;
		int r;

		if (len < 8)
			return bad("truncated transform");
		tlen = get16(p + 2);
		if (tlen < 8 || tlen > len)
			return bad("transform length out of bounds");
		if (prop->nt == ISAKMP_MAX_TRANSFORMS)
			return bad("too many transforms");
		np = p[0];
		if (np != ISAKMP_NP_T && np != ISAKMP_NP_NONE)
			return bad("transform followed by something else");
		t = &prop->t[prop->nt++];
		t->num = p[4];
		t->id = p[5];
		t->attrs = p + 8;
		t->attrs_len = tlen - 8;
		/* The attributes must fill the transform exactly. */
		a = t->attrs;
		alen = t->attrs_len;
		while ((r = isakmp_attr_next(&a, &alen, &attr)) > 0)
			;
		if (r < 0)
			return -1;
		p += tlen;
		len -= tlen;
	}
	if (len)
		return bad("bytes after the last transform of a proposal");
	if (prop->nt != ntrans)
		return bad("transform count does not match");
	return 0;
}

int isakmp_parse_sa(const uint8_t *body, size_t len, struct isakmp_sa *sa)
{
	uint8_t np = ISAKMP_NP_P;

	memset(sa, 0, sizeof(*sa));
	if (len < 8)
		return bad("truncated SA payload");
	sa->doi = get32(body);
	sa->situation = get32(body + 4);
	if (sa->doi != IPSEC_DOI)
		return bad("SA payload DOI is not IPsec");
	/* RFC 2407 §4.2: only SIT_IDENTITY_ONLY is used (no labels). */
	if (sa->situation != SIT_IDENTITY_ONLY)
		return bad("SA payload situation not supported");
	body += 8;
	len -= 8;
	while (np == ISAKMP_NP_P) {
		struct isakmp_proposal *prop;
		size_t plen, spi;

		if (len < 8)
			return bad("truncated proposal");
		plen = get16(body + 2);
		if (plen < 8 || plen > len)
			return bad("proposal length out of bounds");
		if (body[1])
			return bad("proposal RESERVED not zero");
		if (sa->np == ISAKMP_MAX_PROPOSALS)
			return bad("too many proposals");
		np = body[0];
		if (np != ISAKMP_NP_P && np != ISAKMP_NP_NONE)
			return bad("proposal followed by something else");
		prop = &sa->p[sa->np++];
		prop->num = body[4];
		prop->proto = body[5];
		prop->spi_size = body[6];
		spi = prop->spi_size;
		if (spi > sizeof(prop->spi))
			return bad("proposal SPI too long");
		if (8 + spi > plen)
			return bad("proposal SPI out of bounds");
		memcpy(prop->spi, body + 8, spi);
		if (!body[7])
			return bad("proposal without transforms");
		if (parse_transforms(body + 8 + spi, plen - 8 - spi, body[7], prop))
			return -1;
		body += plen;
		len -= plen;
	}
	if (len)
		return bad("bytes after the last proposal");
	if (!sa->np)
		return bad("SA payload without proposals");
	return 0;
}

int isakmp_attr_next(const uint8_t **pp, size_t *len, struct isakmp_attr *a)
{
	const uint8_t *p = *pp;
	uint16_t type;

	if (!*len)
		return 0;
	if (*len < 4)
		return bad("truncated attribute");
	type = get16(p);
	memset(a, 0, sizeof(*a));
	a->type = type & 0x7fff;
	if (type & 0x8000) {
		a->tv = true;
		a->val = get16(p + 2);
		*pp = p + 4;
		*len -= 4;
		return 1;
	}
	a->data_len = get16(p + 2);
	if ((size_t)a->data_len + 4 > *len)
		return bad("attribute length out of bounds");
	a->data = p + 4;
	if (a->data_len <= 8)
		for (uint16_t i = 0; i < a->data_len; i++)
			a->val = a->val << 8 | a->data[i];
	else
		a->val = UINT64_MAX;	/* too large for any number we know */
	*pp = p + 4 + a->data_len;
	*len -= 4 + (size_t)a->data_len;
	return 1;
}

/* ---- ID, N, D ---- */

int isakmp_parse_id(const struct payload *pl, struct isakmp_id *id)
{
	if (pl->len < 4)
		return bad("truncated ID payload");
	id->type = pl->body[0];
	id->proto = pl->body[1];
	id->port = get16(pl->body + 2);
	id->data = pl->body + 4;
	id->len = pl->len - 4;
	return 0;
}

/* The head both share, and the 16 bits after it (type, number of SPIs). */
static void parse_spi_head(const struct payload *pl, struct isakmp_spi_head *h, uint16_t *field)
{
	h->doi = get32(pl->body);
	h->proto = pl->body[4];
	h->spi_size = pl->body[5];
	*field = get16(pl->body + 6);
}

int isakmp_parse_notify(const struct payload *pl, struct isakmp_notify *n)
{
	if (pl->len < 8)
		return bad("truncated notification");
	parse_spi_head(pl, &n->h, &n->type);
	if (8 + (size_t)n->h.spi_size > pl->len)
		return bad("notification SPI out of bounds");
	n->spi = pl->body + 8;
	n->data = n->spi + n->h.spi_size;
	n->data_len = pl->len - 8 - n->h.spi_size;
	return 0;
}

int isakmp_parse_delete(const struct payload *pl, struct isakmp_delete *d)
{
	if (pl->len < 8)
		return bad("truncated delete payload");
	parse_spi_head(pl, &d->h, &d->nspi);
	d->spis = pl->body + 8;
	if ((size_t)d->h.spi_size * d->nspi != pl->len - 8)
		return bad("delete payload SPIs do not fill it");
	return 0;
}

const char *isakmp_notify_name(uint16_t type)
{
	static const struct {
		uint16_t type;
		const char *name;
	} names[] = {
		{ N_INVALID_PAYLOAD_TYPE, "INVALID-PAYLOAD-TYPE" },
		{ N_DOI_NOT_SUPPORTED, "DOI-NOT-SUPPORTED" },
		{ N_SITUATION_NOT_SUPPORTED, "SITUATION-NOT-SUPPORTED" },
		{ N_INVALID_COOKIE, "INVALID-COOKIE" },
		{ N_INVALID_MAJOR_VERSION, "INVALID-MAJOR-VERSION" },
		{ N_INVALID_EXCHANGE_TYPE, "INVALID-EXCHANGE-TYPE" },
		{ N_INVALID_FLAGS, "INVALID-FLAGS" },
		{ N_INVALID_MESSAGE_ID, "INVALID-MESSAGE-ID" },
		{ N_INVALID_PROTOCOL_ID, "INVALID-PROTOCOL-ID" },
		{ N_INVALID_SPI, "INVALID-SPI" },
		{ N_INVALID_TRANSFORM_ID, "INVALID-TRANSFORM-ID" },
		{ N_ATTRIBUTES_NOT_SUPPORTED, "ATTRIBUTES-NOT-SUPPORTED" },
		{ N_NO_PROPOSAL_CHOSEN, "NO-PROPOSAL-CHOSEN" },
		{ N_BAD_PROPOSAL_SYNTAX, "BAD-PROPOSAL-SYNTAX" },
		{ N_PAYLOAD_MALFORMED, "PAYLOAD-MALFORMED" },
		{ N_INVALID_KEY_INFORMATION, "INVALID-KEY-INFORMATION" },
		{ N_INVALID_ID_INFORMATION, "INVALID-ID-INFORMATION" },
		{ N_INVALID_HASH_INFORMATION, "INVALID-HASH-INFORMATION" },
		{ N_AUTHENTICATION_FAILED, "AUTHENTICATION-FAILED" },
		{ N_UNSUPPORTED_EXCHANGE_TYPE, "UNSUPPORTED-EXCHANGE-TYPE" },
		{ N_RESPONDER_LIFETIME, "RESPONDER-LIFETIME" },
		{ N_INITIAL_CONTACT, "INITIAL-CONTACT" },
		{ N_R_U_THERE, "R-U-THERE" },
		{ N_R_U_THERE_ACK, "R-U-THERE-ACK" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].type == type)
			return names[i].name;
	return "unknown notification";
}

const char *isakmp_payload_name(uint8_t type)
{
	static const char *const names[] = {
		"NONE", "SA", "P", "T", "KE", "ID", "CERT", "CR", "HASH", "SIG", "NONCE", "N",
		"D", "VID",
	};

	if (type < sizeof(names) / sizeof(names[0]))
		return names[type];
	if (type == ISAKMP_NP_NATD)
		return "NAT-D";
	return "?";
}

/* ---- encoding ---- */

void buf_init(struct buf *b)
{
	memset(b, 0, sizeof(*b));
}

void buf_free(struct buf *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	buf_init(b);
}

static bool buf_room(struct buf *b, size_t n)
{
	size_t cap;
	uint8_t *p;

	if (b->err)
		return false;
	if (b->len + n > ISAKMP_MSG_MAX) {
		b->err = true;
		return false;
	}
	if (b->len + n <= b->cap)
		return true;
	cap = b->cap ? b->cap : 512;
	while (cap < b->len + n)
		cap *= 2;
	/* Not realloc: the old block may hold key material, wipe it. */
	p = calloc(1, cap);
	if (!p) {
		b->err = true;
		return false;
	}
	if (b->p) {
		memcpy(p, b->p, b->len);
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	b->p = p;
	b->cap = cap;
	return true;
}

void buf_put(struct buf *b, const void *p, size_t n)
{
	if (!n || !buf_room(b, n))
		return;
	memcpy(b->p + b->len, p, n);
	b->len += n;
}

void buf_put8(struct buf *b, uint8_t v)
{
	buf_put(b, &v, 1);
}

void buf_put16(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { v >> 8, v & 0xff };

	buf_put(b, x, 2);
}

void buf_put32(struct buf *b, uint32_t v)
{
	uint8_t x[4];

	put32(x, v);
	buf_put(b, x, 4);
}

void buf_zero(struct buf *b, size_t n)
{
	if (!n || !buf_room(b, n))
		return;
	memset(b->p + b->len, 0, n);
	b->len += n;
}

void buf_set16(struct buf *b, size_t off, uint16_t v)
{
	if (b->err || off + 2 > b->len)
		return;
	b->p[off] = v >> 8;
	b->p[off + 1] = v & 0xff;
}

void buf_set32(struct buf *b, size_t off, uint32_t v)
{
	if (b->err || off + 4 > b->len)
		return;
	put32(b->p + off, v);
}

void msgb_init(struct msgb *m, const struct isakmp_hdr *h)
{
	buf_init(&m->b);
	buf_put(&m->b, h->icookie, 8);
	buf_put(&m->b, h->rcookie, 8);
	buf_put8(&m->b, ISAKMP_NP_NONE);
	buf_put8(&m->b, ISAKMP_VERSION);
	buf_put8(&m->b, h->exchange);
	buf_put8(&m->b, h->flags);
	buf_put32(&m->b, h->msgid);
	buf_put32(&m->b, 0);
	m->np_off = 16;
}

size_t msgb_begin(struct msgb *m, uint8_t type)
{
	size_t off = m->b.len;

	if (!m->b.err)
		m->b.p[m->np_off] = type;
	buf_put8(&m->b, ISAKMP_NP_NONE);
	buf_put8(&m->b, 0);
	buf_put16(&m->b, 0);
	m->np_off = off;
	return off;
}

void msgb_end(struct msgb *m, size_t off)
{
	buf_set16(&m->b, off + 2, (uint16_t)(m->b.len - off));
}

void msgb_payload(struct msgb *m, uint8_t type, const void *body, size_t len)
{
	size_t off = msgb_begin(m, type);

	buf_put(&m->b, body, len);
	msgb_end(m, off);
}

void msgb_finish(struct msgb *m)
{
	buf_set32(&m->b, 24, (uint32_t)m->b.len);
}

void attr_put(struct buf *b, uint16_t type, uint32_t val)
{
	if (val <= 0xffff) {
		buf_put16(b, 0x8000 | type);
		buf_put16(b, (uint16_t)val);
	} else {
		buf_put16(b, type);
		buf_put16(b, 4);
		buf_put32(b, val);
	}
}
