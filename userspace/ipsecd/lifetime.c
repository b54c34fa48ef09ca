// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 2 lifetimes, in seconds and in kilobytes (RFC 2407 §4.5: a
 * transform may carry an SA Life Type/Duration pair of each kind; the SA
 * ends at whichever comes first).
 *
 * Policy: each side keeps the smaller of its own lifetime and the peer's,
 * kind by kind; a lifetime one side does not have (no kilobytes) is no
 * limit.  The responder echoes the chosen transform as offered (RFC 2408
 * §4.2) and, when one of its own lifetimes is the shorter, says so in a
 * RESPONDER-LIFETIME notification in message 2 (RFC 2407 §4.6.3.1), under
 * HASH(2); the initiator takes from it, and from the transform the
 * responder returned, whatever is shorter than its own, never anything
 * longer.  Both ends then install the same limits.
 */
#include <stdio.h>

#include "ipsecd.h"

static uint32_t min_life(uint32_t a, uint32_t b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	return a < b ? a : b;
}

bool p2_life_choose(struct p2sa *p2, const struct p2_choice *c)
{
	uint32_t peer_secs = c->life_secs ? c->life_secs : IPSEC_LIFE_DEFAULT_SECS;
	bool shorter = p2->lifetime < peer_secs ||
		       (p2->life_kb && (!c->life_kb || p2->life_kb < c->life_kb));

	p2->lifetime = min_life(p2->lifetime, peer_secs);
	p2->life_kb = min_life(p2->life_kb, c->life_kb);
	return shorter;
}

bool p2_life_shorten(struct p2sa *p2, uint32_t secs, uint32_t kb)
{
	uint32_t s = min_life(p2->lifetime, secs), k = min_life(p2->life_kb, kb);
	bool changed = s != p2->lifetime || k != p2->life_kb;

	p2->lifetime = s;
	p2->life_kb = k;
	return changed;
}

/*
 * RFC 2407 §4.6.3.1: DOI, the chosen protocol, the sender's inbound SPI,
 * and as data an attribute list of the responder's actual lifetimes.
 */
void p2_life_notify(struct buf *b, const struct p2sa *p2)
{
	buf_put32(b, IPSEC_DOI);
	buf_put8(b, PROTO_IPSEC_ESP);
	buf_put8(b, 4);
	buf_put16(b, N_RESPONDER_LIFETIME);
	buf_put32(b, p2->spi_in);
	attr_put(b, IPSEC_ATTR_LIFE_TYPE, IPSEC_LIFE_SECONDS);
	attr_put(b, IPSEC_ATTR_LIFE_DURATION, p2->lifetime);
	if (p2->life_kb) {
		attr_put(b, IPSEC_ATTR_LIFE_TYPE, IPSEC_LIFE_KB);
		attr_put(b, IPSEC_ATTR_LIFE_DURATION, p2->life_kb);
	}
}

int p2_life_parse(const struct isakmp_notify *n, uint32_t *secs, uint32_t *kb)
{
	const uint8_t *p = n->data;
	size_t len = n->data_len;
	uint64_t type = 0;
	struct isakmp_attr a;
	int r;

	*secs = *kb = 0;
	while ((r = isakmp_attr_next(&p, &len, &a)) > 0) {
		uint32_t v = a.val > UINT32_MAX ? UINT32_MAX : (uint32_t)a.val;

		if (a.type == IPSEC_ATTR_LIFE_TYPE)
			type = a.val;
		else if (a.type != IPSEC_ATTR_LIFE_DURATION || !v)
			return -1;
		else if (type == IPSEC_LIFE_SECONDS)
			*secs = v;
		else if (type == IPSEC_LIFE_KB)
			*kb = v;
		else
			return -1;	/* a duration before its type */
	}
	return r < 0 || (!*secs && !*kb) ? -1 : 0;
}

const char *p2_life_text(uint32_t secs, uint32_t kb, char *buf, size_t len)
{
	char size[32];

	if (kb)
		snprintf(buf, len, "%u s, %s", secs, ike_size_text(kb, size, sizeof(size)));
	else
		snprintf(buf, len, "%u s", secs);
	return buf;
}
