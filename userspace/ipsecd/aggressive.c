// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 1: Aggressive Mode with pre-shared keys, RFC 2409 §5.4:
 *
 *   Initiator                          Responder
 *   HDR, SA, KE, Ni, IDii        -->                          (1)
 *                                <--   HDR, SA, KE, Nr, IDir, HASH_R (2)
 *   HDR, HASH_I                  -->                          (3)
 *
 * Three messages instead of Main Mode's six, at a price the RFC names
 * (§5.4, §7): both identities travel in clear, and message 2's HASH_R,
 * which a responder gives anyone who sends message 1 with an identity it
 * knows, lets whoever sees or provokes it test guesses of the pre-shared
 * key offline.  It is used only where a rule says "aggressive"; what it
 * buys is choosing the key by identity (message 1 names the initiator
 * before anything is encrypted), which Main Mode cannot (§5.4).
 *
 * The pieces are Main Mode's (phase1.c): SKEYID and the keys, HASH_I and
 * HASH_R, the ID payload; NAT-T vendor IDs in messages 1 and 2, NAT-D in
 * 2 and 3 (RFC 3947 §3.2), the initiator on port 4500 from message 3 when
 * a NAT is in the way (§4); the DPD vendor ID in 1 and 2 (RFC 3706 §4).
 * One proposal of one group: message 1 already carries the KE of it.
 *
 * Message 3 is sent in clear, as §5.4 draws it (HDR, HASH_I, no
 * asterisk), and as strongSwan sends it; an encrypted one (as some
 * implementations send) is read too, and then moves the phase 1 IV.
 * INITIAL-CONTACT is not sent: in a clear message 3 nothing would
 * authenticate it.
 *
 * The responder keeps state from message 1 on (it computes DH for message
 * 2): see cookie.c for how that is bounded.  It resends message 2 until
 * message 3 comes, since a lost message 3 would leave the initiator alone
 * believing in the SA; a repeated message 2 draws our stored message 3.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike_alg.h"
#include "ipsecd.h"

/* ---- initiator ---- */

void am_initiate(struct rule *r)
{
	struct p1sa *p1 = p1_initiator_new(r);
	char peer[KIPSEC_ADDR_STRLEN];
	struct buf idb = BUF_INIT;
	struct isakmp_hdr h;
	struct msgb m = MSGB_INIT;

	if (!p1)
		return;
	p1->ni_len = NONCE_LEN;
	if (random_bytes(p1->ni, p1->ni_len)) {
		p1_fail(p1, "no random bytes");
		return;
	}
	if (p1_make_dh(p1, p1->gxi))
		return;
	p1_put_id(&idb, p1);
	p1_hdr(p1, &h, ISAKMP_XCHG_AGGR, 0);
	msgb_init(&m, &h);
	msgb_payload(&m, ISAKMP_NP_SA, p1->sai_b.p, p1->sai_b.len);
	msgb_payload(&m, ISAKMP_NP_KE, p1->gxi, p1->gx_len);
	msgb_payload(&m, ISAKMP_NP_NONCE, p1->ni, p1->ni_len);
	msgb_payload(&m, ISAKMP_NP_ID, idb.p, idb.len);
	natt_put_vids(&m);
	dpd_put_vid(&m);
	msgb_finish(&m);
	buf_free(&idb);
	p1->state = P1_I_AM1;
	log_info("peer %s: phase 1 (aggressive mode) started as initiator",
		 addr_text(&p1->peer, peer, sizeof(peer)));
	p1_send_and_wait(p1, &m.b);
}

/* Our refusal of message 2 in clear, so that the responder stops waiting. */
static void i_refuse(const struct p1sa *p1, uint16_t type)
{
	info_notify_plain(p1->icky, p1->rcky, &p1->local, &p1->peer, p1->peer_port,
			  p1->natt.floated, type);
}

/* Message 3: HASH_I, and NAT-D (RFC 3947 §3.2); in clear (see above). */
static int i_send_am3(struct p1sa *p1)
{
	uint8_t hash[IKE_HASH_MAX];
	struct buf idb = BUF_INIT;
	struct isakmp_hdr h;
	struct msgb out = MSGB_INIT;
	int r;

	p1_put_id(&idb, p1);
	r = idb.err ? -1 : p1_auth_hash(p1, true, idb.p, idb.len, hash);
	buf_free(&idb);
	if (r) {
		p1_fail(p1, "cannot compute HASH_I");
		return -1;
	}
	p1_hdr(p1, &h, ISAKMP_XCHG_AGGR, 0);
	msgb_init(&out, &h);
	msgb_payload(&out, ISAKMP_NP_HASH, hash, p1->k.prf_len);
	natt_put_natd(p1, &out);
	msgb_finish(&out);
	/* Kept: a repeated message 2 (ours was lost) is answered with it. */
	p1_send(p1, &out.b);
	return 0;
}

static void i_am2(struct p1sa *p1, const struct isakmp_msg *m, const uint8_t *pkt, size_t len)
{
	const struct payload *id = isakmp_find(m, ISAKMP_NP_ID);
	const struct payload *hp = isakmp_find(m, ISAKMP_NP_HASH);
	uint8_t want[IKE_HASH_MAX];
	char why[IKE_ID_MAX * 8 + 128];

	if (!id || !hp) {
		p1_fail(p1, "message 2 without %s payload", id ? "HASH" : "ID");
		return;
	}
	if (p1_take_choice(p1, m) || p1_take_ke_nonce(p1, m, p1->gxr, p1->nr, &p1->nr_len))
		return;
	p1->natt.variant = natt_vid_variant(m);
	p1->dpd.peer = dpd_vid_seen(m);
	if (p1_derive(p1))
		return;
	if (p1_auth_hash(p1, false, id->body, id->len, want)) {
		p1_fail(p1, "cannot compute HASH_R");
		return;
	}
	if (hp->len != p1->k.prf_len || CRYPTO_memcmp(hp->body, want, p1->k.prf_len)) {
		i_refuse(p1, N_AUTHENTICATION_FAILED);
		p1_fail(p1, "authentication failed: HASH_R did not verify: the pre-shared keys differ");
		return;
	}
	if (p1_check_id(p1, id, why, sizeof(why))) {
		i_refuse(p1, N_INVALID_ID_INFORMATION);
		p1_fail(p1, "%s", why);
		return;
	}
	if (natt_check_natd(p1, m, p1->peer_port)) {
		p1_fail(p1, "message 2: a NAT-D payload of the wrong size, or only one");
		return;
	}
	/* RFC 3947 §4: behind a NAT, message 3 goes to port 4500 already. */
	natt_float(p1);
	buf_free(&p1->in);
	buf_put(&p1->in, pkt, len);
	timer_stop(&p1->timer);
	if (i_send_am3(p1))
		return;
	p1_established(p1);
}

/* ---- responder ---- */

/* Message 1 as the responder reads it. */
struct am1 {
	const struct payload *sa, *ke, *nonce, *id;
	struct ike_id idi;		/* IDii as a rule's dstid compares it */
};

static int am1_parse(const struct isakmp_msg *m, struct am1 *a, const char *ps)
{
	struct isakmp_id id;

	a->sa = isakmp_find(m, ISAKMP_NP_SA);
	a->ke = isakmp_find(m, ISAKMP_NP_KE);
	a->nonce = isakmp_find(m, ISAKMP_NP_NONCE);
	a->id = isakmp_find(m, ISAKMP_NP_ID);
	if (!a->sa || !a->ke || !a->nonce || !a->id || isakmp_parse_id(a->id, &id) ||
	    id.len > IKE_ID_MAX) {
		stats.rx_malformed++;
		log_drop(ps, "aggressive mode message 1 without SA, KE, nonce or a readable ID");
		return -1;
	}
	memset(&a->idi, 0, sizeof(a->idi));
	a->idi.type = id.type;
	a->idi.len = (uint8_t)id.len;
	memcpy(a->idi.data, id.data, id.len);
	return 0;
}

/* The oldest half-open aggressive mode SA as responder (of peer, if given). */
static struct p1sa *oldest_half_open(const struct kipsec_addr *peer)
{
	struct p1sa *o = NULL;
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (p1->state != P1_R_AM2 || (peer && !kipsec_addr_eq(&p1->peer, peer)))
			continue;
		if (!o || p1->started_ms < o->started_ms)
			o = p1;
	}
	return o;
}

/*
 * Room for one more half-open SA (cookie.c): within the Diffie-Hellman
 * budget, and the bounds of half-open SAs, the oldest making room.
 */
static bool r_room(const struct kipsec_addr *peer, const char *ps)
{
	unsigned int of_peer, n = p1_half_open(peer, &of_peer);
	struct p1sa *o = NULL;

	if (!half_open_dh_allowed()) {
		stats.rx_dropped++;
		log_drop(ps, "aggressive mode request beyond the responder's Diffie-Hellman budget (a flood?)");
		return false;
	}
	if (of_peer >= HALF_OPEN_PER_PEER)
		o = oldest_half_open(peer);
	else if (n >= HALF_OPEN_MAX)
		o = oldest_half_open(NULL);
	else
		return true;
	if (!o) {
		stats.rx_dropped++;
		log_drop(ps, "aggressive mode request while too many negotiations are half open");
		return false;
	}
	stats.rx_dropped++;
	log_drop(ps, "half-open aggressive mode SA given up for a newer one (too many half open)");
	p1_free(o);
	return true;
}

/* Message 2: SA, KE, Nr, IDir, HASH_R, the vendor IDs, NAT-D. */
static int r_send_am2(struct p1sa *p1, const struct p1_choice *c)
{
	uint8_t hash[IKE_HASH_MAX];
	struct buf idb = BUF_INIT;
	struct isakmp_hdr h;
	struct msgb out = MSGB_INIT;
	size_t off;
	int r;

	p1_put_id(&idb, p1);
	r = idb.err ? -1 : p1_auth_hash(p1, false, idb.p, idb.len, hash);
	if (r) {
		buf_free(&idb);
		p1_fail(p1, "cannot compute HASH_R");
		return -1;
	}
	p1_hdr(p1, &h, ISAKMP_XCHG_AGGR, 0);
	msgb_init(&out, &h);
	off = msgb_begin(&out, ISAKMP_NP_SA);
	p1_accept_body(&out.b, c);
	msgb_end(&out, off);
	msgb_payload(&out, ISAKMP_NP_KE, p1->gxr, p1->gx_len);
	msgb_payload(&out, ISAKMP_NP_NONCE, p1->nr, p1->nr_len);
	msgb_payload(&out, ISAKMP_NP_ID, idb.p, idb.len);
	msgb_payload(&out, ISAKMP_NP_HASH, hash, p1->k.prf_len);
	natt_put_vid(&out, p1->natt.variant);
	if (p1->dpd.peer)
		dpd_put_vid(&out);
	natt_put_natd(p1, &out);
	msgb_finish(&out);
	buf_free(&idb);
	p1->state = P1_R_AM2;
	p1_send_and_wait(p1, &out.b);
	return 0;
}

/* Keys from message 1: the peer's KE and nonce, ours, SKEYID. */
static int r_keys(struct p1sa *p1, const struct isakmp_msg *m)
{
	if (p1_take_ke_nonce(p1, m, p1->gxi, p1->ni, &p1->ni_len) || p1_make_dh(p1, p1->gxr))
		return -1;
	p1->nr_len = NONCE_LEN;
	if (random_bytes(p1->nr, NONCE_LEN)) {
		p1_fail(p1, "no random bytes");
		return -1;
	}
	return p1_derive(p1);
}

/*
 * The phase 1 SA of an answered message 1: the rule's key and proposal,
 * the initiator's SAi_b and IDii_b kept for HASH_I, then the keys.
 */
static void r_start(const struct p1sa *tmpl, const struct rule *r, const struct am1 *a,
		    const struct isakmp_msg *m, const struct p1_choice *c, const uint8_t *pkt,
		    size_t len)
{
	struct p1sa *p1 = p1_new(false);
	char why[IKE_ID_MAX * 8 + 128], ps[KIPSEC_ADDR_STRLEN];

	if (!p1)
		return;
	p1_responder_init(p1, tmpl->icky, &tmpl->local, &tmpl->peer, tmpl->peer_port,
			  tmpl->natt.floated, r);
	memcpy(p1->rcky, tmpl->rcky, 8);
	p1->natt.variant = natt_vid_variant(m);
	p1->dpd.peer = dpd_vid_seen(m);
	if (c->life_secs && c->life_secs < p1->lifetime)
		p1->lifetime = c->life_secs;
	buf_put(&p1->sai_b, a->sa->body, a->sa->len);
	buf_put(&p1->idi_b, a->id->body, a->id->len);
	buf_put(&p1->in, pkt, len);
	if (p1->sai_b.err || p1->idi_b.err || p1->in.err) {
		p1_fail(p1, "out of memory");
		return;
	}
	if (p1_check_id(p1, a->id, why, sizeof(why))) {
		info_notify_plain(p1->icky, p1->rcky, &p1->local, &p1->peer, p1->peer_port,
				  p1->natt.floated, N_INVALID_ID_INFORMATION);
		p1_fail(p1, "%s", why);
		return;
	}
	if (r_keys(p1, m))
		return;
	log_info("peer %s: phase 1 (aggressive mode) started as responder, the peer identifies as %s",
		 addr_text(&p1->peer, ps, sizeof(ps)), ike_id_text(&a->idi, why, sizeof(why)));
	r_send_am2(p1, c);
}

/*
 * Message 1: the cheap refusals first (no rule for the peer's address and
 * identity, no proposal we take, a KE of another group), then the budget,
 * and only then Diffie-Hellman.
 */
static void r_am1(const struct isakmp_hdr *h, const struct isakmp_msg *m, const uint8_t *pkt,
		  size_t len, const struct kipsec_addr *local, const struct kipsec_addr *peer,
		  uint16_t port, bool natt, const char *ps)
{
	char why[IKE_ID_MAX * 8 + 128], g[32];
	struct p1sa *old = p1_by_icookie(h->icookie, peer);
	struct p1sa tmpl = { 0 };
	struct p1_choice c;
	struct rule *r;
	struct am1 a;
	int notify;

	if (old) {
		/* Our answer was lost: the stored one, no new Diffie-Hellman. */
		if (old->state == P1_R_AM2 && p1_same_packet(&old->in, pkt, len)) {
			stats.retransmits++;
			p1_send_peer(old, old->out.p, old->out.len);
		} else {
			stats.rx_dropped++;
		}
		return;
	}
	if (am1_parse(m, &a, ps))
		return;
	r = rule_for_p1(local, peer, IKE_P1_AGGRESSIVE, &a.idi, why, sizeof(why));
	if (!r) {
		if (strstr(why, "dstid")) {
			info_notify_plain(h->icookie, h->rcookie, local, peer, port, natt,
					  N_INVALID_ID_INFORMATION);
			stats.p1_failed++;
			p1_r_fail_log(ps, "aggressive mode", why);
			return;
		}
		stats.rx_dropped++;
		log_drop(ps, why);
		return;
	}
	p1_responder_init(&tmpl, h->icookie, local, peer, port, natt, r);
	notify = p1_choose_body(&tmpl, a.sa->body, a.sa->len, &c, why, sizeof(why));
	if (!notify && a.ke->len != dh_public_len(tmpl.group)) {
		snprintf(why, sizeof(why), "message 1's KE is %zu bytes, not of our group %s (one group per aggressive mode rule)",
			 a.ke->len, ike_group_name(tmpl.group, g, sizeof(g)));
		notify = N_INVALID_KEY_INFORMATION;
	}
	if (notify) {
		info_notify_plain(h->icookie, h->rcookie, local, peer, port, natt, (uint16_t)notify);
		stats.p1_failed++;
		p1_r_fail_log(ps, "aggressive mode", why);
	} else if (cookie_make(peer, port, tmpl.icky, tmpl.rcky)) {
		stats.rx_dropped++;
		log_drop(ps, "aggressive mode request while no responder cookie can be made");
	} else if (r_room(peer, ps)) {
		r_start(&tmpl, r, &a, m, &c, pkt, len);
	}
	explicit_bzero(&tmpl, sizeof(tmpl));
}

/*
 * Message 3: HASH_I over IDii_b of message 1 (RFC 2409 §5.4), in clear or
 * encrypted; then NAT-D, and the port it came from.  A message 3 that does
 * not verify ends the exchange, as a wrong key looks the same.
 */
static void r_am3(struct p1sa *p1, const struct isakmp_msg *clear, const uint8_t *pkt, size_t len,
		  uint16_t port, bool natt)
{
	uint8_t want[IKE_HASH_MAX], iv[IKE_BLOCK_MAX];
	const struct isakmp_msg *m = clear;
	const struct payload *hp;
	struct buf plain = BUF_INIT;
	struct isakmp_msg dm;
	bool enc = pkt[19] & ISAKMP_FLAG_ENC;

	memcpy(iv, p1->iv, sizeof(iv));
	if (enc) {
		if (p1_decrypt(p1, pkt, len, iv, &plain, &dm)) {
			p1_auth_failed_notify(p1);
			p1_fail(p1, "authentication failed: message 3 does not decrypt to valid payloads (%s): the pre-shared keys differ",
				isakmp_error);
			goto out;
		}
		m = &dm;
	}
	hp = isakmp_find(m, ISAKMP_NP_HASH);
	if (!hp) {
		p1_fail(p1, "message 3 without HASH payload");
		goto out;
	}
	if (p1_auth_hash(p1, true, p1->idi_b.p, p1->idi_b.len, want)) {
		p1_fail(p1, "cannot compute HASH_I");
		goto out;
	}
	if (hp->len != p1->k.prf_len || CRYPTO_memcmp(hp->body, want, p1->k.prf_len)) {
		p1_auth_failed_notify(p1);
		p1_fail(p1, "authentication failed: HASH_I did not verify: the pre-shared keys differ");
		goto out;
	}
	/* RFC 3947 §4: the initiator may have moved to port 4500; we follow. */
	natt_peer_seen(p1, port, natt);
	if (natt_check_natd(p1, m, p1->peer_port)) {
		p1_fail(p1, "message 3: a NAT-D payload of the wrong size, or only one");
		goto out;
	}
	memcpy(p1->iv, iv, sizeof(iv));
	timer_stop(&p1->timer);
	buf_free(&p1->out);
	buf_free(&p1->in);
	buf_put(&p1->in, pkt, len);
	p1_established(p1);
out:
	buf_free(&plain);
}

/* ---- dispatch ---- */

/* The SA a message with both cookies is for; NULL when none (counted). */
static struct p1sa *am_sa_of(const struct isakmp_hdr *h, const struct kipsec_addr *peer,
			     const char *ps)
{
	struct p1sa *p1 = p1_by_cookies(h->icookie, h->rcookie);

	/* Message 2 names the responder cookie for the first time. */
	if (!p1) {
		p1 = p1_by_icookie(h->icookie, peer);
		if (p1 && p1->initiator && p1->state == P1_I_AM1)
			memcpy(p1->rcky, h->rcookie, 8);
		else
			p1 = NULL;
	}
	if (!p1 || p1->exchange != ISAKMP_XCHG_AGGR || !kipsec_addr_eq(&p1->peer, peer)) {
		stats.rx_dropped++;
		log_drop(ps, "aggressive mode message for an unknown ISAKMP SA");
		return NULL;
	}
	return p1;
}

void am_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	      bool natt)
{
	static const uint8_t zero[8];
	bool enc = h->flags & ISAKMP_FLAG_ENC;
	char ps[KIPSEC_ADDR_STRLEN];
	struct isakmp_msg m;
	struct p1sa *p1;

	addr_text(peer, ps, sizeof(ps));
	if (h->msgid || (!enc && isakmp_parse_payloads(h->np, pkt + ISAKMP_HDR_LEN,
						       len - ISAKMP_HDR_LEN, false, &m))) {
		stats.rx_malformed++;
		log_drop(ps, h->msgid ? "aggressive mode message with a message ID" : isakmp_error);
		return;
	}
	if (!memcmp(h->rcookie, zero, 8)) {
		if (enc) {
			stats.rx_malformed++;
			log_drop(ps, "encrypted aggressive mode message 1");
			return;
		}
		r_am1(h, &m, pkt, len, local, peer, port, natt, ps);
		return;
	}
	p1 = am_sa_of(h, peer, ps);
	if (!p1)
		return;
	if (p1_same_packet(&p1->in, pkt, len)) {
		/* The initiator's message 3 was lost: the responder repeats 2. */
		if (p1->initiator && p1->out.len) {
			stats.retransmits++;
			p1_send_peer(p1, p1->out.p, p1->out.len);
		}
		return;
	}
	if (p1->state == P1_I_AM1 && !enc) {
		i_am2(p1, &m, pkt, len);
	} else if (p1->state == P1_R_AM2) {
		r_am3(p1, &m, pkt, len, port, natt);
	} else {
		stats.rx_dropped++;
		log_drop(ps, "aggressive mode message out of order");
	}
}
