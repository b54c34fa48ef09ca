// SPDX-License-Identifier: GPL-2.0
/*
 * Informational exchanges (RFC 2408 §4.8, RFC 2409 §5.7): notifications of
 * errors and deletes of SAs.
 *
 * Before the ISAKMP SA has keys, a notification travels in clear (message
 * ID 0); it is believed only while we are an initiator waiting for an
 * answer, and only ends that negotiation.  After, it is encrypted under the
 * ISAKMP SA with its own message ID and IV, and authenticated by
 *
 *   HASH(1) = prf(SKEYID_a, M-ID | N/D)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ipsecd.h"

void info_notify_plain(const uint8_t *icky, const uint8_t *rcky, const struct kipsec_addr *local,
		       const struct kipsec_addr *peer, uint16_t port, bool natt, uint16_t type)
{
	struct isakmp_hdr h;
	struct msgb m = MSGB_INIT;
	size_t off;

	memset(&h, 0, sizeof(h));
	memcpy(h.icookie, icky, 8);
	memcpy(h.rcookie, rcky, 8);
	h.exchange = ISAKMP_XCHG_INFO;
	msgb_init(&m, &h);
	off = msgb_begin(&m, ISAKMP_NP_N);
	buf_put32(&m.b, IPSEC_DOI);
	buf_put8(&m.b, PROTO_ISAKMP);
	buf_put8(&m.b, 0);
	buf_put16(&m.b, type);
	msgb_end(&m, off);
	msgb_finish(&m);
	if (!m.b.err)
		net_send(local, peer, port, natt, m.b.p, m.b.len);
	buf_free(&m.b);
}

/* One protected informational message carrying the payload in body. */
static void send_protected(struct p1sa *p1, uint8_t type, const struct buf *body)
{
	uint8_t iv[IKE_BLOCK_MAX], h1[IKE_HASH_MAX], mid[4];
	struct msgb m = MSGB_INIT;
	uint32_t msgid;
	size_t poff;

	if (p1->state != P1_ESTABLISHED || body->err)
		return;
	do {
		if (random_bytes(&msgid, sizeof(msgid)))
			return;
	} while (!msgid || p1_msgid_used(p1, msgid) || p2_by_msgid(p1->id, msgid));
	p1_msgid_use(p1, msgid);
	if (p2_iv(p1->hash, p1->iv, p1->k.block, msgid, iv))
		return;
	p1_hash_msg_begin(&m, p1, ISAKMP_XCHG_INFO, msgid);
	poff = msgb_begin(&m, type);
	buf_put(&m.b, body->p, body->len);
	msgb_end(&m, poff);
	msgb_finish(&m);
	put32(mid, msgid);
	if (!m.b.err) {
		struct iov v[2] = { { mid, 4 }, { m.b.p + poff, m.b.len - poff } };

		if (prf_iov(p1->hash, p1->k.skeyid_a, p1->k.prf_len, v, 2, h1) == 0) {
			memcpy(m.b.p + ISAKMP_HDR_LEN + 4, h1, p1->k.prf_len);
			if (!p1_encrypt(p1, &m, iv))
				p1_send_peer(p1, m.b.p, m.b.len);
		}
	}
	buf_free(&m.b);
}

/*
 * Notification and Delete bodies begin alike, DOI, protocol, SPI size and
 * a 16-bit field (the type, the number of SPIs), then the SPIs (RFC 2408
 * §3.14, §3.15).
 */
static void send_doi_body(struct p1sa *p1, uint8_t np, uint8_t proto, size_t spi_len,
			  uint16_t field, const uint8_t *spis, size_t spis_len)
{
	struct buf b = BUF_INIT;

	buf_put32(&b, IPSEC_DOI);
	buf_put8(&b, proto);
	buf_put8(&b, (uint8_t)spi_len);
	buf_put16(&b, field);
	buf_put(&b, spis, spis_len);
	send_protected(p1, np, &b);
	buf_free(&b);
}

void info_notify(struct p1sa *p1, uint8_t proto, const uint8_t *spi, size_t spi_len,
		 uint16_t type)
{
	send_doi_body(p1, ISAKMP_NP_N, proto, spi_len, type, spi, spi_len);
}

void info_notify_data(struct p1sa *p1, uint8_t proto, const uint8_t *spi, size_t spi_len,
		      uint16_t type, const uint8_t *data, size_t data_len)
{
	uint8_t b[64];

	/* The data follows the SPI (RFC 2408 §3.14): one run of bytes. */
	if (spi_len + data_len > sizeof(b))
		return;
	memcpy(b, spi, spi_len);
	memcpy(b + spi_len, data, data_len);
	send_doi_body(p1, ISAKMP_NP_N, proto, spi_len, type, b, spi_len + data_len);
}

void info_delete(struct p1sa *p1, uint8_t proto, const uint8_t *spis, size_t spi_len,
		 uint16_t nspi)
{
	send_doi_body(p1, ISAKMP_NP_D, proto, spi_len, nspi, spis, spi_len * nspi);
}

static void got_delete(struct p1sa *p1, const struct payload *pl)
{
	char peer[KIPSEC_ADDR_STRLEN];
	struct isakmp_delete d;

	addr_text(&p1->peer, peer, sizeof(peer));
	if (isakmp_parse_delete(pl, &d) || d.h.doi != IPSEC_DOI) {
		stats.rx_malformed++;
		log_drop(peer, "malformed delete payload");
		return;
	}
	for (uint16_t i = 0; i < d.nspi; i++) {
		const uint8_t *spi = d.spis + (size_t)i * d.h.spi_size;

		if (d.h.proto == PROTO_ISAKMP && d.h.spi_size == 16) {
			struct p1sa *gone = p1_by_cookies(spi, spi + 8);

			if (gone && kipsec_addr_eq(&gone->peer, &p1->peer)) {
				log_info("peer %s: deleted phase 1 SA %08x", peer, gone->id);
				/* p1 itself may be the one: stop using it below. */
				if (gone == p1) {
					p1_free(gone);
					return;
				}
				p1_free(gone);
			}
		} else if (d.h.proto == PROTO_IPSEC_ESP && d.h.spi_size == 4) {
			/* The peer names its inbound SPI: our outbound one. */
			bool inbound;
			struct p2sa *p2 = p2_by_spi(&p1->peer, get32(spi), &inbound);

			if (p2 && !inbound) {
				log_info("peer %s: deleted the SA with spi 0x%08x", peer, get32(spi));
				p2_remove(p2, false);
			}
		}
	}
}

static void got_notify(struct p1sa *p1, const struct payload *pl)
{
	char peer[KIPSEC_ADDR_STRLEN];
	struct isakmp_notify n;

	addr_text(&p1->peer, peer, sizeof(peer));
	if (isakmp_parse_notify(pl, &n)) {
		stats.rx_malformed++;
		log_drop(peer, "malformed notification");
		return;
	}
	/* RFC 3706, RFC 2407 §4.6.3.3: dpd.c's. */
	if (dpd_notified(p1, &n))
		return;
	/* RFC 2408 §3.14.1: types below 16384 are errors. */
	if (n.type >= 16384) {
		log_debug("peer %s: notification %s (%u)", peer, isakmp_notify_name(n.type), n.type);
		return;
	}
	log_warn("peer %s: notification %s (%u)", peer, isakmp_notify_name(n.type), n.type);
	/* Only the exchange whose SPI it names (see p2_notified()). */
	p2_notified(p1, n.h.spi_size == 4 ? get32(n.spi) : 0, n.type);
}

/* Decrypt and verify a protected informational message; 0 if good. */
static int open_info(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
		     struct buf *plain, struct isakmp_msg *m)
{
	uint8_t iv[IKE_BLOCK_MAX], want[IKE_HASH_MAX], mid[4];
	const struct payload *hp;
	const uint8_t *rest;
	size_t rest_len;

	if (!p1->k.enc_len || p2_iv(p1->hash, p1->iv, p1->k.block, h->msgid, iv) ||
	    p1_decrypt(p1, pkt, len, iv, plain, m) || m->n < 2 || m->pl[0].type != ISAKMP_NP_HASH)
		return -1;
	hp = &m->pl[0];
	rest = hp->raw + hp->raw_len;
	rest_len = (size_t)(m->pl[m->n - 1].raw + m->pl[m->n - 1].raw_len - rest);
	put32(mid, h->msgid);
	{
		struct iov v[2] = { { mid, 4 }, { rest, rest_len } };

		if (prf_iov(p1->hash, p1->k.skeyid_a, p1->k.prf_len, v, 2, want))
			return -1;
	}
	if (hp->len != p1->k.prf_len || CRYPTO_memcmp(hp->body, want, p1->k.prf_len))
		return -1;
	return 0;
}

/* Unprotected: only a notification before phase 1 is done (p1_notified). */
static void info_clear(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt,
		       size_t len, const char *ps)
{
	const struct payload *n;
	struct isakmp_notify nt;
	struct isakmp_msg m;

	if (p1->state == P1_ESTABLISHED ||
	    isakmp_parse_payloads(h->np, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, false, &m) ||
	    !(n = isakmp_find(&m, ISAKMP_NP_N)) || isakmp_parse_notify(n, &nt)) {
		stats.rx_dropped++;
		log_drop(ps, "unprotected informational message");
		return;
	}
	p1_notified(p1, nt.type);
}

/* A protected message that verified, its payloads after the HASH. */
static void info_protected(struct p1sa *p1, const struct isakmp_msg *m)
{
	if (p1->state != P1_ESTABLISHED) {
		const struct payload *n = isakmp_find(m, ISAKMP_NP_N);
		struct isakmp_notify nt;

		if (n && !isakmp_parse_notify(n, &nt))
			p1_notified(p1, nt.type);
		return;
	}
	for (size_t i = 1; i < m->n; i++) {
		if (m->pl[i].type == ISAKMP_NP_N) {
			got_notify(p1, &m->pl[i]);
		} else if (m->pl[i].type == ISAKMP_NP_D) {
			/* A delete may free p1: it is the last thing we look at. */
			got_delete(p1, &m->pl[i]);
			break;
		}
	}
}

void info_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
		const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
		bool natt)
{
	static const uint8_t zero[8];
	char ps[KIPSEC_ADDR_STRLEN];
	struct isakmp_msg m;
	struct buf plain = BUF_INIT;
	struct p1sa *p1;

	(void)local;
	addr_text(peer, ps, sizeof(ps));
	p1 = p1_by_cookies(h->icookie, h->rcookie);
	if (!p1 && !memcmp(h->rcookie, zero, 8))
		p1 = p1_by_icookie(h->icookie, peer);
	if (!p1 || !kipsec_addr_eq(&p1->peer, peer)) {
		stats.rx_dropped++;
		log_drop(ps, "informational message for an unknown ISAKMP SA");
		return;
	}
	if (!(h->flags & ISAKMP_FLAG_ENC)) {
		info_clear(p1, h, pkt, len, ps);
		return;
	}
	if (p1_msgid_used(p1, h->msgid)) {
		/* RFC 2408 §3.1: each exchange has its own M-ID; a protected
		 * message under a spent one is a replay (of a delete, say). */
		stats.rx_dropped++;
		log_drop(ps, "informational message for a message ID already used in this ISAKMP SA (replay)");
		return;
	}
	if (open_info(p1, h, pkt, len, &plain, &m)) {
		buf_free(&plain);
		if (p1->state == P1_I_MM5) {
			/* The peer's keys are not ours: its answer to message 5
			 * (a notification) does not decrypt. */
			p1_notified(p1, N_AUTHENTICATION_FAILED);
			return;
		}
		stats.rx_dropped++;
		log_drop(ps, "informational message that does not decrypt or verify");
		return;
	}
	p1_msgid_use(p1, h->msgid);
	/* Authenticated: where the peer now is (RFC 3947 §4, behind a NAT). */
	if (p1->state == P1_ESTABLISHED) {
		natt_peer_seen(p1, port, natt);
		dpd_seen(p1);
	}
	info_protected(p1, &m);
	buf_free(&plain);
}
