// SPDX-License-Identifier: GPL-2.0
/*
 * Phase 1: Main Mode (identity protection) with pre-shared keys, RFC 2409
 * §5 and §5.4:
 *
 *   Initiator                          Responder
 *   HDR, SA                      -->                    (1)
 *                                <--   HDR, SA          (2)
 *   HDR, KE, Ni                  -->                    (3)
 *                                <--   HDR, KE, Nr      (4)
 *   HDR*, IDii, HASH_I           -->                    (5)
 *                                <--   HDR*, IDir, HASH_R (6)
 *
 * Messages 5 and 6 are encrypted with SKEYID_e, the IV chained as in
 * Appendix B.  Each side keeps the last message it sent: the initiator
 * resends it on a timer, the responder when the request is repeated
 * (RFC 2408 §2.4 leaves retransmission to the implementation).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike_alg.h"
#include "ipsecd.h"

static const char *role(const struct p1sa *p1)
{
	return p1->initiator ? "initiator" : "responder";
}

const char *p1_exchange_name(const struct p1sa *p1)
{
	return p1->exchange == ISAKMP_XCHG_AGGR ? "aggressive mode" : "main mode";
}

void p1_r_fail_log(const char *peer, const char *exchange, const char *cause)
{
	log_limited(LOG_L_ERR, "phase 1 responder failure",
		    "peer %s: phase 1 (%s, responder) failed: %s", peer, exchange, cause);
}

static void r_fail_log(const char *peer, const char *cause)
{
	p1_r_fail_log(peer, "main mode", cause);
}

/* The one line of a failed negotiation (see log.h); frees the SA. */
void p1_fail(struct p1sa *p1, const char *fmt, ...)
{
	char cause[768], peer[KIPSEC_ADDR_STRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cause, sizeof(cause), fmt, ap);
	va_end(ap);
	addr_text(&p1->peer, peer, sizeof(peer));
	/* Anyone who receives at an address can make a responder fail. */
	if (p1->initiator)
		log_err("peer %s: phase 1 (%s, %s) failed: %s", peer, p1_exchange_name(p1), role(p1),
			cause);
	else
		p1_r_fail_log(peer, p1_exchange_name(p1), cause);
	stats.p1_failed++;
	if (p1->initiator)
		rules_p1_failed(&p1->local, &p1->peer);
	p1_free(p1);
}

/* ---- sending ---- */

int p1_send_peer(const struct p1sa *p1, const uint8_t *p, size_t len)
{
	return net_send(&p1->local, &p1->peer, p1->peer_port, p1->natt.floated, p, len);
}

void p1_send(struct p1sa *p1, struct buf *b)
{
	buf_free(&p1->out);
	p1->out = *b;
	buf_init(b);
	if (p1->out.err)
		return;
	p1_send_peer(p1, p1->out.p, p1->out.len);
}

void p1_send_and_wait(struct p1sa *p1, struct buf *b)
{
	p1_send(p1, b);
	p1->tries = 0;
	timer_arm(&p1->timer, RETRANSMIT_FIRST_MS);
}

static void p1_timer(struct timer *t)
{
	struct p1sa *p1 = container_of(t, struct p1sa, timer);
	char peer[KIPSEC_ADDR_STRLEN];

	if (p1->state == P1_ESTABLISHED) {
		log_info("peer %s: phase 1 SA %08x lifetime of %u s is over: deleting it",
			 addr_text(&p1->peer, peer, sizeof(peer)), p1->id, p1->lifetime);
		p1_delete(p1, true);
		return;
	}
	if (p1->tries >= RETRANSMIT_TRIES) {
		p1_fail(p1, "no answer to %s after %d retransmissions (%s)",
			p1_state_name(p1->state), p1->tries,
			p1->state == P1_I_MM5 ? "a wrong pre-shared key on either side is the usual cause" :
			p1->state == P1_I_MM1 ? "is the peer running, with an ike rule for us?" :
			p1->state == P1_I_AM1 ? "is the peer running, with an aggressive mode rule for us?" :
			"the peer went away");
		return;
	}
	p1->tries++;
	stats.retransmits++;
	if (!p1->out.err && p1->out.len)
		p1_send_peer(p1, p1->out.p, p1->out.len);
	timer_arm(&p1->timer, (uint64_t)RETRANSMIT_FIRST_MS << p1->tries);
}

void p1_hdr(const struct p1sa *p1, struct isakmp_hdr *h, uint8_t exchange, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	memcpy(h->icookie, p1->icky, 8);
	memcpy(h->rcookie, p1->rcky, 8);
	h->exchange = exchange;
	h->msgid = msgid;
}

void p1_hash_msg_begin(struct msgb *m, const struct p1sa *p1, uint8_t exchange, uint32_t msgid)
{
	struct isakmp_hdr h;
	size_t off;

	p1_hdr(p1, &h, exchange, msgid);
	msgb_init(m, &h);
	off = msgb_begin(m, ISAKMP_NP_HASH);
	buf_zero(&m->b, p1->k.prf_len);
	msgb_end(m, off);
}

/* Messages 3 and 4 (RFC 2409 §5): KE and nonce, in the clear. */
static void send_ke_nonce(struct p1sa *p1, const uint8_t *gx, const uint8_t *nonce,
			  enum p1_state next)
{
	struct isakmp_hdr h;
	struct msgb out = MSGB_INIT;

	p1_hdr(p1, &h, ISAKMP_XCHG_IDPROT, 0);
	msgb_init(&out, &h);
	msgb_payload(&out, ISAKMP_NP_KE, gx, p1->gx_len);
	msgb_payload(&out, ISAKMP_NP_NONCE, nonce, NONCE_LEN);
	natt_put_natd(p1, &out);
	msgb_finish(&out);
	p1->state = next;
	p1_send_and_wait(p1, &out.b);
}

/* ---- encryption (RFC 2409 Appendix B) ---- */

int p1_encrypt(struct p1sa *p1, struct msgb *m, uint8_t *iv)
{
	size_t blk = p1->k.block, body;

	if (m->b.err || m->b.len <= ISAKMP_HDR_LEN)
		return -1;
	/* Pad with zeros to the block size; the payload lengths say where
	 * the message ends (RFC 2408 §3.5). */
	body = m->b.len - ISAKMP_HDR_LEN;
	if (body % blk)
		buf_zero(&m->b, blk - body % blk);
	if (m->b.err)
		return -1;
	m->b.p[19] |= ISAKMP_FLAG_ENC;
	msgb_finish(m);
	return cipher_cbc(p1->enc, p1->k.enc, p1->k.enc_len, iv, m->b.p + ISAKMP_HDR_LEN,
			  m->b.len - ISAKMP_HDR_LEN, true);
}

int p1_decrypt(struct p1sa *p1, const uint8_t *pkt, size_t len, uint8_t *iv, struct buf *out,
	       struct isakmp_msg *m)
{
	size_t blk = p1->k.block;

	/* First: every caller frees *out, whatever went wrong. */
	buf_init(out);
	if (!p1->k.enc_len || len <= ISAKMP_HDR_LEN || (len - ISAKMP_HDR_LEN) % blk) {
		isakmp_error = "encrypted body not a whole number of blocks";
		return -1;
	}
	buf_put(out, pkt, len);
	if (out->err)
		return -1;
	if (cipher_cbc(p1->enc, p1->k.enc, p1->k.enc_len, iv, out->p + ISAKMP_HDR_LEN,
		       len - ISAKMP_HDR_LEN, false)) {
		isakmp_error = "decryption failed";
		return -1;
	}
	if (isakmp_parse_hdr(out->p, out->len, &m->hdr))
		return -1;
	return isakmp_parse_payloads(m->hdr.np, out->p + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN,
				     true, m);
}

/* ---- identities and hashes ---- */

/* Our ID payload's body: the rule's srcid, else our address. */
void p1_put_id(struct buf *b, const struct p1sa *p1)
{
	const struct kipsec_addr *a = &p1->local;
	bool v6 = a->family == AF_INET6;

	buf_put8(b, p1->srcid.type ? p1->srcid.type : v6 ? ID_IPV6_ADDR : ID_IPV4_ADDR);
	/* RFC 2407 §4.6.2: protocol and port zero in phase 1 (or UDP/500). */
	buf_put8(b, 0);
	buf_put16(b, 0);
	if (p1->srcid.type)
		buf_put(b, p1->srcid.data, p1->srcid.len);
	else
		buf_put(b, a->u.bytes, v6 ? 16 : 4);
}

/*
 * HASH_I = prf(SKEYID, g^xi | g^xr | CKY-I | CKY-R | SAi_b | IDii_b)
 * HASH_R = prf(SKEYID, g^xr | g^xi | CKY-R | CKY-I | SAi_b | IDir_b)
 */
int p1_auth_hash(const struct p1sa *p1, bool of_initiator, const uint8_t *id, size_t id_len,
		     uint8_t *out)
{
	struct iov v[6];

	if (of_initiator) {
		v[0] = (struct iov){ p1->gxi, p1->gx_len };
		v[1] = (struct iov){ p1->gxr, p1->gx_len };
		v[2] = (struct iov){ p1->icky, 8 };
		v[3] = (struct iov){ p1->rcky, 8 };
	} else {
		v[0] = (struct iov){ p1->gxr, p1->gx_len };
		v[1] = (struct iov){ p1->gxi, p1->gx_len };
		v[2] = (struct iov){ p1->rcky, 8 };
		v[3] = (struct iov){ p1->icky, 8 };
	}
	v[4] = (struct iov){ p1->sai_b.p, p1->sai_b.len };
	v[5] = (struct iov){ id, id_len };
	return prf_iov(p1->hash, p1->k.skeyid, p1->k.prf_len, v, 6, out);
}

/*
 * Messages 5 and 6 (RFC 2409 §5): our identity and HASH_I or HASH_R over
 * it, encrypted under the phase 1 IV.  Returns 0 with the message in
 * *out, or -1 once the SA has failed.
 */
static int id_hash_msg(struct p1sa *p1, bool initiator, struct msgb *out)
{
	uint8_t hash[IKE_HASH_MAX];
	struct buf idb = BUF_INIT;
	struct isakmp_hdr h;

	p1_put_id(&idb, p1);
	if (idb.err || p1_auth_hash(p1, initiator, idb.p, idb.len, hash)) {
		buf_free(&idb);
		p1_fail(p1, "cannot compute %s", initiator ? "HASH_I" : "HASH_R");
		return -1;
	}
	p1_hdr(p1, &h, ISAKMP_XCHG_IDPROT, 0);
	msgb_init(out, &h);
	msgb_payload(out, ISAKMP_NP_ID, idb.p, idb.len);
	msgb_payload(out, ISAKMP_NP_HASH, hash, p1->k.prf_len);
	ic_put(p1, out);
	buf_free(&idb);
	if (p1_encrypt(p1, out, p1->iv)) {
		buf_free(&out->b);
		p1_fail(p1, "cannot encrypt message %d", initiator ? 5 : 6);
		return -1;
	}
	return 0;
}

/* Main Mode without dstid: the ID must be the address the PSK was chosen by. */
static int check_id_addr(const struct p1sa *p1, const struct isakmp_id *id, char *why,
			 size_t len)
{
	char want[KIPSEC_ADDR_STRLEN], got[KIPSEC_ADDR_STRLEN];
	struct kipsec_addr a = { 0 };

	if (id->type != ID_IPV4_ADDR && id->type != ID_IPV6_ADDR) {
		snprintf(why, len, "the peer identifies as %s: main mode with a pre-shared key takes only its address (RFC 2409 §5.4)",
			 ike_id_text(&p1->peer_id, got, sizeof(got)));
		return -1;
	}
	a.family = id->type == ID_IPV4_ADDR ? AF_INET : AF_INET6;
	memcpy(a.u.bytes, id->data, id->len);
	if (kipsec_addr_eq(&a, &p1->peer))
		return 0;
	/* RFC 3947 §1: behind a NAT, the ID is the peer's own (private) address. */
	if (p1->natt.nat_there) {
		log_info("peer %s: identifies as %s, its address behind the NAT (RFC 3947)",
			 addr_text(&p1->peer, want, sizeof(want)), addr_text(&a, got, sizeof(got)));
		return 0;
	}
	snprintf(why, len, "the peer identifies as %s, but its address is %s (ID must be the address)",
		 addr_text(&a, got, sizeof(got)), addr_text(&p1->peer, want, sizeof(want)));
	return -1;
}

/*
 * The peer's identity, kept in p1->peer_id: the rule's dstid when it has
 * one; else, in Main Mode, its address (the PSK was chosen by it); in
 * Aggressive Mode any identity we know.  Returns 0, or -1 with why.
 */
int p1_check_id(struct p1sa *p1, const struct payload *pl, char *why, size_t len)
{
	char got[IKE_ID_MAX * 4 + 32], want[IKE_ID_MAX * 4 + 32];
	struct isakmp_id id;

	if (isakmp_parse_id(pl, &id)) {
		snprintf(why, len, "malformed ID payload");
		return -1;
	}
	if (!ike_id_sane(id.type, id.len)) {
		snprintf(why, len, "the peer's identity is of type %u (%zu bytes): only addresses, FQDNs and user FQDNs (types 1, 2, 3, 5) are supported",
			 id.type, id.len);
		return -1;
	}
	p1->peer_id.type = id.type;
	p1->peer_id.len = (uint8_t)id.len;
	memcpy(p1->peer_id.data, id.data, id.len);
	if (p1->dstid.type) {
		if (ike_id_match(&p1->dstid, id.type, id.data, id.len))
			return 0;
		snprintf(why, len, "the peer identifies as %s, our rule requires dstid %s",
			 ike_id_text(&p1->peer_id, got, sizeof(got)),
			 ike_id_text(&p1->dstid, want, sizeof(want)));
		return -1;
	}
	if (p1->exchange == ISAKMP_XCHG_AGGR)
		return 0;
	return check_id_addr(p1, &id, why, len);
}

/* ---- key exchange ---- */

int p1_make_dh(struct p1sa *p1, uint8_t *pub)
{
	p1->dh = dh_new(p1->group);
	if (!p1->dh || dh_public(p1->dh, pub)) {
		p1_fail(p1, "Diffie-Hellman: %s", dh_error());
		return -1;
	}
	p1->gx_len = dh_public_len(p1->group);
	return 0;
}

/* KE and nonce of the peer, length checked. */
int p1_take_ke_nonce(struct p1sa *p1, const struct isakmp_msg *m, uint8_t *gx, uint8_t *nonce,
		     size_t *nonce_len)
{
	const struct payload *ke = isakmp_find(m, ISAKMP_NP_KE);
	const struct payload *n = isakmp_find(m, ISAKMP_NP_NONCE);
	size_t want = dh_public_len(p1->group);
	char g[32];

	if (!ke || !n) {
		p1_fail(p1, "message without %s payload", !ke ? "KE" : "nonce");
		return -1;
	}
	if (ke->len != want) {
		p1_fail(p1, "the peer's KE is %zu bytes, %s needs %zu (DH group mismatch)", ke->len,
			ike_group_name(p1->group, g, sizeof(g)), want);
		return -1;
	}
	/* RFC 2409 §5: nonces of 8 to 256 bytes. */
	if (n->len < 8 || n->len > NONCE_MAX) {
		p1_fail(p1, "the peer's nonce is %zu bytes (8 to 256 allowed)", n->len);
		return -1;
	}
	memcpy(gx, ke->body, want);
	memcpy(nonce, n->body, n->len);
	*nonce_len = n->len;
	return 0;
}

int p1_derive(struct p1sa *p1)
{
	uint8_t gxy[DH_MAX];
	size_t gxy_len;
	const uint8_t *peer_pub = p1->initiator ? p1->gxr : p1->gxi;
	int r;

	if (dh_shared(p1->dh, peer_pub, p1->gx_len, gxy, &gxy_len)) {
		p1_fail(p1, "Diffie-Hellman: %s", dh_error());
		return -1;
	}
	r = p1_derive_psk(&p1->k, p1->hash, p1->enc, p1->enc_bits, p1->psk, p1->psk_len, p1->ni,
			  p1->ni_len, p1->nr, p1->nr_len, gxy, gxy_len, p1->icky, p1->rcky, p1->gxi,
			  p1->gxr, p1->gx_len);
	explicit_bzero(gxy, sizeof(gxy));
	dh_free(p1->dh);
	p1->dh = NULL;
	if (r) {
		p1_fail(p1, "key derivation: %s", dh_error());
		return -1;
	}
	memcpy(p1->iv, p1->k.iv, p1->k.block);
	log_p1_key(p1->icky, p1->k.enc, p1->k.enc_len);
	return 0;
}

void p1_established(struct p1sa *p1)
{
	char peer[KIPSEC_ADDR_STRLEN], algs[128], id[IKE_ID_MAX * 4 + 32];

	p1->state = P1_ESTABLISHED;
	p1->established = time(NULL);
	stats.p1_established++;
	/* The PSK is no longer needed: SKEYID is derived. */
	explicit_bzero(p1->psk, sizeof(p1->psk));
	buf_free(&p1->sai_b);
	buf_free(&p1->idi_b);
	log_info("peer %s: phase 1 SA %08x established as %s (%s, peer id %s, %s, lifetime %u s%s) in %llu ms",
		 addr_text(&p1->peer, peer, sizeof(peer)), p1->id, role(p1), p1_exchange_name(p1),
		 ike_id_text(&p1->peer_id, id, sizeof(id)),
		 p1_alg_text(p1->enc, p1->enc_bits, p1->hash, p1->group, algs, sizeof(algs)),
		 p1->lifetime, p1->dpd.peer ? ", peer does DPD" : "",
		 (unsigned long long)(now_ms() - p1->started_ms));
	timer_arm(&p1->timer, (uint64_t)p1->lifetime * 1000);
	natt_established(p1);
	dpd_established(p1);
	rules_p1_up(&p1->local, &p1->peer);
}

/*
 * The rule's phase 1 settings and PSK into a new SA, a copy of its own:
 * the rule may go while the SA lives.  Alike phase2.c's take_rule by shape
 * only (other fields, another struct); kept apart on purpose.
 */
void p1_responder_init(struct p1sa *p1, const uint8_t *icky, const struct kipsec_addr *local,
		       const struct kipsec_addr *peer, uint16_t port, bool natt,
		       const struct rule *r)
{
	p1->local = *local;
	p1->peer = *peer;
	p1->peer_port = port;
	p1->natt.floated = natt;
	memcpy(p1->icky, icky, 8);
	p1_take_rule(p1, r);
}

void p1_take_rule(struct p1sa *p1, const struct rule *r)
{
	p1->rule_id = r->id;
	p1->exchange = r->conf.p1_exchange == IKE_P1_AGGRESSIVE ? ISAKMP_XCHG_AGGR :
		       ISAKMP_XCHG_IDPROT;
	p1->srcid = r->conf.srcid;
	p1->dstid = r->conf.dstid;
	p1->enc = r->conf.p1_enc;
	p1->enc_bits = r->conf.p1_enc_bits;
	p1->hash = r->conf.p1_hash;
	p1->group = r->conf.p1_group;
	p1->lifetime = r->conf.p1_lifetime;
	memcpy(p1->psk, r->conf.psk, r->conf.psk_len);
	p1->psk_len = r->conf.psk_len;
}

/* ---- initiator ---- */

struct p1sa *p1_initiator_new(const struct rule *r)
{
	struct p1sa *p1 = p1_new(true);

	if (!p1)
		return NULL;
	p1->local = r->conf.local;
	p1->peer = r->conf.peer;
	p1->peer_port = ike_port;
	p1_take_rule(p1, r);
	if (random_bytes(p1->icky, 8)) {
		p1_fail(p1, "no random bytes");
		return NULL;
	}
	p1_proposal(&p1->sai_b, p1);
	return p1;
}

void p1_initiate(struct rule *r)
{
	struct p1sa *p1;
	char peer[KIPSEC_ADDR_STRLEN];
	struct isakmp_hdr h;
	struct msgb m = MSGB_INIT;

	if (r->conf.p1_exchange == IKE_P1_AGGRESSIVE) {
		am_initiate(r);
		return;
	}
	p1 = p1_initiator_new(r);
	if (!p1)
		return;
	p1_hdr(p1, &h, ISAKMP_XCHG_IDPROT, 0);
	msgb_init(&m, &h);
	msgb_payload(&m, ISAKMP_NP_SA, p1->sai_b.p, p1->sai_b.len);
	/* RFC 3947 §3.1: we can do NAT traversal, every variant of it. */
	natt_put_vids(&m);
	/* RFC 3706 §4: we do DPD (and answer R-U-THERE whatever the rule says). */
	dpd_put_vid(&m);
	msgb_finish(&m);
	p1->state = P1_I_MM1;
	log_info("peer %s: phase 1 (main mode) started as initiator", addr_text(&p1->peer, peer, sizeof(peer)));
	p1_send_and_wait(p1, &m.b);
}

int p1_take_choice(struct p1sa *p1, const struct isakmp_msg *m)
{
	const struct payload *pl = isakmp_find(m, ISAKMP_NP_SA);
	struct isakmp_sa sa;
	struct p1_choice c;
	char ours[128], theirs[128];

	if (!pl || isakmp_parse_sa(pl->body, pl->len, &sa)) {
		p1_fail(p1, "message 2: %s", pl ? isakmp_error : "no SA payload");
		return -1;
	}
	/* RFC 2409 §5: exactly the one transform chosen from ours. */
	if (sa.np != 1 || sa.p[0].nt != 1 || sa.p[0].proto != PROTO_ISAKMP ||
	    p1_parse_transform(&sa.p[0].t[0], &c) || c.enc != p1->enc ||
	    c.enc_bits != p1->enc_bits || c.hash != p1->hash || c.group != p1->group ||
	    c.auth != OAKLEY_AUTH_PSK) {
		p1_parse_transform(&sa.p[0].t[0], &c);
		p1_fail(p1, "the peer chose what we did not offer: we offered %s, it chose %s",
			p1_alg_text(p1->enc, p1->enc_bits, p1->hash, p1->group, ours, sizeof(ours)),
			p1_alg_text(c.enc, c.enc_bits, c.hash, c.group, theirs, sizeof(theirs)));
		return -1;
	}
	if (c.life_secs && c.life_secs < p1->lifetime)
		p1->lifetime = c.life_secs;
	return 0;
}

static void i_mm2(struct p1sa *p1, const struct isakmp_msg *m)
{
	uint8_t gx[DH_MAX];

	if (p1_take_choice(p1, m))
		return;
	p1->natt.variant = natt_vid_variant(m);
	p1->dpd.peer = dpd_vid_seen(m);
	if (p1_make_dh(p1, gx))
		return;
	memcpy(p1->gxi, gx, p1->gx_len);
	p1->ni_len = NONCE_LEN;
	if (random_bytes(p1->ni, p1->ni_len)) {
		p1_fail(p1, "no random bytes");
		return;
	}
	send_ke_nonce(p1, p1->gxi, p1->ni, P1_I_MM3);
}

static void i_mm4(struct p1sa *p1, const struct isakmp_msg *m)
{
	struct msgb out = MSGB_INIT;

	if (p1_take_ke_nonce(p1, m, p1->gxr, p1->nr, &p1->nr_len) || p1_derive(p1))
		return;
	if (natt_check_natd(p1, m, p1->peer_port)) {
		p1_fail(p1, "message 4: a NAT-D payload of the wrong size, or only one");
		return;
	}
	/* RFC 3947 §4: behind a NAT, message 5 goes to port 4500 already. */
	natt_float(p1);
	if (id_hash_msg(p1, true, &out))
		return;
	p1->state = P1_I_MM5;
	p1_send_and_wait(p1, &out.b);
}

/*
 * The responder cannot encrypt for an initiator whose keys differ: it says
 * AUTHENTICATION-FAILED in clear (RFC 2408 §4.8), which only ends the
 * initiator's wait (see p1_notified()).
 */
void p1_auth_failed_notify(const struct p1sa *p1)
{
	if (!p1->initiator)
		info_notify_plain(p1->icky, p1->rcky, &p1->local, &p1->peer, p1->peer_port,
				  p1->natt.floated, N_AUTHENTICATION_FAILED);
}

/*
 * Message 6 that does not decrypt or whose HASH_R fails, at the initiator:
 * the responder read our message 5, so its keys are ours and it could not
 * have sent that; anyone who saw the cookies could.  Dropped, the state
 * as it was (RFC 2408 §5.9): the genuine one, or our retransmission's
 * answer, still completes.  The responder's message 5 failing is what a
 * wrong pre-shared key looks like: that ends the negotiation at once, with
 * the notification that ends the initiator's wait (an attacker who sees
 * the cookies can send that notification itself, RFC 2408 §4.8).
 */
static bool forged_mm6(struct p1sa *p1, const char *why)
{
	char ps[KIPSEC_ADDR_STRLEN];

	if (!p1->initiator)
		return false;
	stats.rx_dropped++;
	log_drop(addr_text(&p1->peer, ps, sizeof(ps)), why);
	return true;
}

/*
 * Messages 5 and 6: decrypt, then ID and HASH_I/HASH_R; 0 if good, 1 if
 * dropped (nothing changed), -1 if the negotiation failed (p1 is freed).
 */
static int verify_auth(struct p1sa *p1, const uint8_t *pkt, size_t len, bool of_initiator)
{
	const struct payload *id, *hp;
	uint8_t want[IKE_HASH_MAX], iv[IKE_BLOCK_MAX];
	char why[IKE_ID_MAX * 8 + 128];
	struct isakmp_msg m;
	struct buf plain = BUF_INIT;
	int r = -1;

	if (!(pkt[19] & ISAKMP_FLAG_ENC)) {
		p1_fail(p1, "message %d is not encrypted", of_initiator ? 5 : 6);
		return -1;
	}
	/* The IV moves on only with a message that verified. */
	memcpy(iv, p1->iv, sizeof(iv));
	if (p1_decrypt(p1, pkt, len, iv, &plain, &m)) {
		if (forged_mm6(p1, "main mode message 6 that does not decrypt")) {
			r = 1;
			goto out;
		}
		p1_auth_failed_notify(p1);
		p1_fail(p1, "authentication failed: message %d does not decrypt to valid payloads (%s): the pre-shared keys differ",
			of_initiator ? 5 : 6, isakmp_error);
		goto out;
	}
	id = isakmp_find(&m, ISAKMP_NP_ID);
	hp = isakmp_find(&m, ISAKMP_NP_HASH);
	if (!id || !hp) {
		if (forged_mm6(p1, "main mode message 6 without ID or HASH payload")) {
			r = 1;
			goto out;
		}
		p1_fail(p1, "message %d without %s payload", of_initiator ? 5 : 6, id ? "HASH" : "ID");
		goto out;
	}
	if (p1_auth_hash(p1, of_initiator, id->body, id->len, want)) {
		p1_fail(p1, "cannot compute %s", of_initiator ? "HASH_I" : "HASH_R");
		goto out;
	}
	if (hp->len != p1->k.prf_len || CRYPTO_memcmp(hp->body, want, p1->k.prf_len)) {
		if (forged_mm6(p1, "main mode message 6 whose HASH_R does not verify")) {
			r = 1;
			goto out;
		}
		p1_auth_failed_notify(p1);
		p1_fail(p1, "authentication failed: %s did not verify: the pre-shared keys differ",
			of_initiator ? "HASH_I" : "HASH_R");
		goto out;
	}
	if (p1_check_id(p1, id, why, sizeof(why))) {
		p1_fail(p1, "%s", why);
		goto out;
	}
	ic_check(p1, &m);
	memcpy(p1->iv, iv, sizeof(iv));
	r = 0;
out:
	buf_free(&plain);
	return r;
}

static void i_mm6(struct p1sa *p1, const uint8_t *pkt, size_t len, uint16_t port, bool natt)
{
	if (verify_auth(p1, pkt, len, false))
		return;
	natt_peer_seen(p1, port, natt);
	buf_free(&p1->in);
	buf_put(&p1->in, pkt, len);
	timer_stop(&p1->timer);
	buf_free(&p1->out);
	p1_established(p1);
}

/* ---- responder ---- */

/*
 * Message 1 is answered without state (see cookie.c): our cookie is a keyed
 * hash of the initiator's address, port and cookie, message 2 follows from
 * message 1 alone, and only SAi_b is kept, in a bounded record, for the
 * hashes of messages 5 and 6 (RFC 2409 §5).  A repeated message 1 gets the
 * same answer again; nothing is ever resent on a timer for a message 1
 * that no message 3 followed.
 */

/* Chooses from the SA payload body sai what p1's rule accepts; 0 or a notify type. */
int p1_choose_body(const struct p1sa *p1, const uint8_t *sai, size_t len, struct p1_choice *c,
		   char *why, size_t wlen)
{
	struct isakmp_sa *sa = malloc(sizeof(*sa));
	int notify;

	if (!sa) {
		snprintf(why, wlen, "out of memory");
		return N_PAYLOAD_MALFORMED;
	}
	if (isakmp_parse_sa(sai, len, sa)) {
		snprintf(why, wlen, "message 1: malformed SA payload: %s", isakmp_error);
		notify = N_PAYLOAD_MALFORMED;
	} else {
		notify = p1_choose(p1, sa, c, why, wlen);
	}
	free(sa);
	return notify;
}

/* Message 2: our cookie, and the one transform chosen (c points into sai). */
static void r_send_mm2(const struct p1sa *p1, const struct p1_choice *c, uint8_t natt, bool dpd)
{
	struct isakmp_hdr h;
	struct msgb out = MSGB_INIT;
	size_t off;

	p1_hdr(p1, &h, ISAKMP_XCHG_IDPROT, 0);
	msgb_init(&out, &h);
	off = msgb_begin(&out, ISAKMP_NP_SA);
	p1_accept_body(&out.b, c);
	msgb_end(&out, off);
	/* RFC 3947 §3.1: the one variant of NAT traversal we take of the peer's. */
	natt_put_vid(&out, natt);
	/* RFC 3706 §4: both ends say it; only to a peer that did. */
	if (dpd)
		dpd_put_vid(&out);
	msgb_finish(&out);
	if (!out.b.err)
		p1_send_peer(p1, out.b.p, out.b.len);
	buf_free(&out.b);
}

static void r_mm1(const struct isakmp_hdr *h, const struct isakmp_msg *m,
		  const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
		  bool natt)
{
	const struct payload *pl = isakmp_find(m, ISAKMP_NP_SA);
	char ps[KIPSEC_ADDR_STRLEN], why[768];
	struct p1_choice c;
	struct rule *r;
	struct p1sa p1 = { 0 };
	int notify, known;

	addr_text(peer, ps, sizeof(ps));
	r = rule_for_p1(local, peer, IKE_P1_MAIN, NULL, why, sizeof(why));
	if (!r) {
		stats.rx_dropped++;
		log_drop(ps, why);
		return;
	}
	if (!pl) {
		stats.rx_malformed++;
		log_drop(ps, "main mode message 1 without SA payload");
		return;
	}
	p1_responder_init(&p1, h->icookie, local, peer, port, natt, r);
	notify = p1_choose_body(&p1, pl->body, pl->len, &c, why, sizeof(why));
	if (notify) {
		info_notify_plain(h->icookie, h->rcookie, local, peer, port, natt, (uint16_t)notify);
		stats.p1_failed++;
		r_fail_log(ps, why);
		goto out;
	}
	if (cookie_make(peer, port, p1.icky, p1.rcky)) {
		stats.rx_dropped++;
		log_drop(ps, "main mode request while no responder cookie can be made");
		goto out;
	}
	known = half_open_put(peer, p1.icky, p1.rcky, pl->body, pl->len);
	if (known < 0) {
		stats.rx_dropped++;
		log_drop(ps, "main mode request with an SA payload too large to remember");
		goto out;
	}
	if (known)
		stats.retransmits++;
	if (dpd_vid_seen(m))
		half_open_mark(peer, p1.icky, p1.rcky, HALF_OPEN_DPD);
	r_send_mm2(&p1, &c, natt_vid_variant(m), dpd_vid_seen(m));
out:
	explicit_bzero(&p1, sizeof(p1));
}

/* Half-open phase 1 SAs as responder: all of them, and those of peer. */
unsigned int p1_half_open(const struct kipsec_addr *peer, unsigned int *of_peer)
{
	struct list *pos, *tmp;
	unsigned int n = 0;

	*of_peer = 0;
	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (p1->initiator || p1->state == P1_ESTABLISHED)
			continue;
		n++;
		*of_peer += kipsec_addr_eq(&p1->peer, peer);
	}
	return n;
}

/*
 * Message 3 whose responder cookie verifies: the initiator receives at its
 * address, and from now on it costs us Diffie-Hellman.  The phase 1 SA is
 * made here, from the record message 1 left, in the state message 2 would
 * have left it in.
 */
static struct p1sa *r_mm3_state(const struct isakmp_hdr *h, const struct kipsec_addr *local,
				const struct kipsec_addr *peer, uint16_t port, bool natt)
{
	char ps[KIPSEC_ADDR_STRLEN], why[768];
	unsigned int of_peer;
	struct p1_choice c;
	struct rule *r;
	struct p1sa *p1;
	int notify;

	addr_text(peer, ps, sizeof(ps));
	if (p1_half_open(peer, &of_peer) >= HALF_OPEN_MAX || of_peer >= HALF_OPEN_PER_PEER) {
		stats.rx_dropped++;
		log_drop(ps, "main mode message 3 while too many negotiations are half open");
		return NULL;
	}
	r = rule_for_p1(local, peer, IKE_P1_MAIN, NULL, why, sizeof(why));
	p1 = r ? p1_new(false) : NULL;
	if (!p1) {
		stats.rx_dropped++;
		log_drop(ps, "main mode message 3 with no ike rule for that peer");
		return NULL;
	}
	p1_responder_init(p1, h->icookie, local, peer, port, natt, r);
	memcpy(p1->rcky, h->rcookie, 8);
	p1->dpd.peer = half_open_marks(peer, p1->icky, p1->rcky) & HALF_OPEN_DPD;
	if (half_open_take(peer, p1->icky, p1->rcky, &p1->sai_b)) {
		p1_free(p1);
		stats.rx_dropped++;
		log_drop(ps, "main mode message 3 whose message 1 was evicted by newer ones");
		return NULL;
	}
	notify = p1_choose_body(p1, p1->sai_b.p, p1->sai_b.len, &c, why, sizeof(why));
	if (notify) {
		/* The rule changed since message 2. */
		p1_fail(p1, "%s", why);
		return NULL;
	}
	if (c.life_secs && c.life_secs < p1->lifetime)
		p1->lifetime = c.life_secs;
	p1->state = P1_R_MM2;
	log_info("peer %s: phase 1 (main mode) started as responder", ps);
	return p1;
}

static void r_mm3(struct p1sa *p1, const struct isakmp_msg *m)
{
	if (p1_take_ke_nonce(p1, m, p1->gxi, p1->ni, &p1->ni_len))
		return;
	if (natt_check_natd(p1, m, p1->peer_port)) {
		p1_fail(p1, "message 3: a NAT-D payload of the wrong size, or only one");
		return;
	}
	if (p1_make_dh(p1, p1->gxr))
		return;
	p1->nr_len = NONCE_LEN;
	if (random_bytes(p1->nr, NONCE_LEN)) {
		p1_fail(p1, "no random bytes");
		return;
	}
	if (p1_derive(p1))
		return;
	send_ke_nonce(p1, p1->gxr, p1->nr, P1_R_MM4);
}

static void r_mm5(struct p1sa *p1, const uint8_t *pkt, size_t len, uint16_t port, bool natt)
{
	struct msgb out = MSGB_INIT;

	if (verify_auth(p1, pkt, len, true))
		return;
	/* RFC 3947 §4: the initiator moved to port 4500; message 6 follows it. */
	natt_peer_seen(p1, port, natt);
	if (id_hash_msg(p1, false, &out))
		return;
	timer_stop(&p1->timer);
	/* Kept to answer a repeated message 5 (our 6 was lost). */
	p1_send(p1, &out.b);
	p1_established(p1);
}

/* ---- dispatch ---- */

bool p1_same_packet(const struct buf *b, const uint8_t *pkt, size_t len)
{
	return b->len == len && !memcmp(b->p, pkt, len);
}

/* Message 1, whose responder cookie is still zero: no state yet (cookie.c). */
static void input_mm1(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
		      const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
		      bool natt, const char *ps)
{
	bool enc = h->flags & ISAKMP_FLAG_ENC;
	struct isakmp_msg m;

	/* Message 1 of an exchange past message 3 (or our own cookie). */
	if (p1_by_icookie(h->icookie, peer)) {
		stats.rx_dropped++;
		return;
	}
	if (enc || isakmp_parse_payloads(h->np, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN,
					 false, &m)) {
		stats.rx_malformed++;
		log_drop(ps, enc ? "encrypted main mode message 1" : isakmp_error);
		return;
	}
	r_mm1(h, &m, local, peer, port, natt);
}

/* The SA a later message is for; NULL when there is none (counted). */
static struct p1sa *p1_of_msg(const struct isakmp_hdr *h, const struct kipsec_addr *local,
			      const struct kipsec_addr *peer, uint16_t port, bool natt,
			      const char *ps)
{
	struct p1sa *p1 = p1_by_cookies(h->icookie, h->rcookie);

	if (p1)
		return p1;
	/* Message 2 names the responder cookie for the first time. */
	p1 = p1_by_icookie(h->icookie, peer);
	if (p1 && p1->initiator && p1->state == P1_I_MM1) {
		memcpy(p1->rcky, h->rcookie, 8);
		return p1;
	}
	if (!p1 && !(h->flags & ISAKMP_FLAG_ENC) &&
	    cookie_valid(peer, port, h->icookie, h->rcookie))
		return r_mm3_state(h, local, peer, port, natt);
	stats.rx_dropped++;
	log_drop(ps, "main mode message for an unknown ISAKMP SA");
	return NULL;
}

/* The next message of the exchange, in order: the state's handler. */
static void mm_step(struct p1sa *p1, const struct isakmp_msg *m, const uint8_t *pkt, size_t len,
		    uint16_t port, bool natt, const char *ps)
{
	if (p1->state == P1_I_MM5) {
		/* Kept once it verified: a forgery leaves no trace. */
		i_mm6(p1, pkt, len, port, natt);
		return;
	}
	buf_free(&p1->in);
	buf_put(&p1->in, pkt, len);
	switch (p1->state) {
	case P1_I_MM1:
		i_mm2(p1, m);
		break;
	case P1_I_MM3:
		i_mm4(p1, m);
		break;
	case P1_R_MM2:
		r_mm3(p1, m);
		break;
	case P1_R_MM4:
		r_mm5(p1, pkt, len, port, natt);
		break;
	default:
		stats.rx_dropped++;
		log_drop(ps, "main mode message for an established ISAKMP SA");
	}
}

void p1_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	      bool natt)
{
	static const uint8_t zero[8];
	char ps[KIPSEC_ADDR_STRLEN];
	struct isakmp_msg m;
	struct p1sa *p1;
	bool enc = h->flags & ISAKMP_FLAG_ENC;

	addr_text(peer, ps, sizeof(ps));
	if (h->msgid) {
		stats.rx_malformed++;
		log_drop(ps, "main mode message with a message ID");
		return;
	}
	if (!memcmp(h->rcookie, zero, 8)) {
		input_mm1(h, pkt, len, local, peer, port, natt, ps);
		return;
	}
	p1 = p1_of_msg(h, local, peer, port, natt, ps);
	if (!p1)
		return;
	if (p1->exchange != ISAKMP_XCHG_IDPROT) {
		stats.rx_dropped++;
		log_drop(ps, "main mode message for an aggressive mode ISAKMP SA");
		return;
	}
	if (!kipsec_addr_eq(&p1->peer, peer)) {
		stats.rx_dropped++;
		log_drop(ps, "main mode message from another address than the SA's peer");
		return;
	}
	if (p1_same_packet(&p1->in, pkt, len)) {
		/* A repeated request is answered with the stored reply. */
		if (!p1->initiator && p1->out.len) {
			stats.retransmits++;
			p1_send_peer(p1, p1->out.p, p1->out.len);
		}
		return;
	}
	if (!enc && isakmp_parse_payloads(h->np, pkt + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, false,
					  &m)) {
		stats.rx_malformed++;
		log_drop(ps, isakmp_error);
		return;
	}
	if (enc != (p1->state == P1_I_MM5 || p1->state == P1_R_MM4)) {
		stats.rx_dropped++;
		log_drop(ps, "main mode message out of order");
		return;
	}
	mm_step(p1, &m, pkt, len, port, natt, ps);
}

void p1_notified(struct p1sa *p1, uint16_t type)
{
	char ours[128];

	if (p1->state == P1_ESTABLISHED || p1->state == P1_DEAD)
		return;
	/*
	 * Unauthenticated: it may only end our own wait for an answer; or an
	 * aggressive mode responder's, whose message 2 (all it sent) the
	 * initiator refused.  Whoever saw message 1 could end that anyway
	 * with a message 3 that does not verify.
	 */
	if (!p1->initiator && p1->state != P1_R_AM2)
		return;
	if (type == N_INVALID_ID_INFORMATION && p1->exchange == ISAKMP_XCHG_AGGR) {
		char id[IKE_ID_MAX * 4 + 32];
		struct ike_id ours = p1->srcid;

		if (!ours.type) {
			ours.type = p1->local.family == AF_INET6 ? ID_IPV6_ADDR : ID_IPV4_ADDR;
			ours.len = (uint8_t)kipsec_addr_len(p1->local.family);
			memcpy(ours.data, p1->local.u.bytes, ours.len);
		}
		p1_fail(p1, "the peer refused our identity %s (INVALID-ID-INFORMATION): its rule for us has another dstid",
			ike_id_text(&ours, id, sizeof(id)));
		return;
	}
	if (type == N_NO_PROPOSAL_CHOSEN || type == N_ATTRIBUTES_NOT_SUPPORTED)
		p1_fail(p1, "the peer refused our proposal (%s): we offered %s", isakmp_notify_name(type),
			p1_alg_text(p1->enc, p1->enc_bits, p1->hash, p1->group, ours, sizeof(ours)));
	else if (type == N_AUTHENTICATION_FAILED || type == N_INVALID_HASH_INFORMATION)
		p1_fail(p1, "authentication failed: the peer says %s: the pre-shared keys differ",
			isakmp_notify_name(type));
	else
		p1_fail(p1, "the peer sent %s (%u) in %s", isakmp_notify_name(type), type,
			p1_state_name(p1->state));
}

void p1_delete(struct p1sa *p1, bool notify)
{
	char peer[KIPSEC_ADDR_STRLEN];
	uint8_t spi[16];

	if (p1->state == P1_ESTABLISHED && notify) {
		/* RFC 2408 §3.15: the ISAKMP SA is named by its two cookies. */
		memcpy(spi, p1->icky, 8);
		memcpy(spi + 8, p1->rcky, 8);
		info_delete(p1, PROTO_ISAKMP, spi, 16, 1);
		log_info("peer %s: phase 1 SA %08x deleted", addr_text(&p1->peer, peer, sizeof(peer)),
			 p1->id);
	}
	p1_free(p1);
}

void p1_timer_init(struct p1sa *p1)
{
	p1->timer.fn = p1_timer;
}
