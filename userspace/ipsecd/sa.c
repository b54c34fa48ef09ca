// SPDX-License-Identifier: GPL-2.0
/*
 * The phase 1 (ISAKMP) and phase 2 (IPsec) SA stores.  Lists are enough:
 * a gateway has tens to thousands of SAs, and every lookup is one pass.
 * Everything freed here is wiped first: it holds keys.
 */
#include <stdlib.h>
#include <string.h>

#include "ipsecd.h"

struct list p1sas = LIST_INIT(p1sas);
struct list p2sas = LIST_INIT(p2sas);
static uint32_t next_p1_id = 1, next_p2_id = 1;

const char *p1_state_name(enum p1_state s)
{
	switch (s) {
	case P1_I_MM1:
		return "MM1-sent";
	case P1_I_MM3:
		return "MM3-sent";
	case P1_I_MM5:
		return "MM5-sent";
	case P1_R_MM2:
		return "MM2-sent";
	case P1_R_MM4:
		return "MM4-sent";
	case P1_I_AM1:
		return "AM1-sent";
	case P1_R_AM2:
		return "AM2-sent";
	case P1_ESTABLISHED:
		return "established";
	case P1_DEAD:
		return "dead";
	}
	return "?";
}

const char *p2_state_name(enum p2_state s)
{
	switch (s) {
	case P2_I_QM1:
		return "QM1-sent";
	case P2_R_QM2:
		return "QM2-sent";
	case P2_INSTALLED:
		return "installed";
	case P2_DEAD:
		return "dead";
	}
	return "?";
}

struct p1sa *p1_new(bool initiator)
{
	struct p1sa *p1 = calloc(1, sizeof(*p1));

	if (!p1) {
		log_err("out of memory");
		return NULL;
	}
	p1->id = next_p1_id++;
	p1->initiator = initiator;
	p1->created = time(NULL);
	p1->started_ms = now_ms();
	list_init(&p1->timer.node);
	list_init(&p1->dpd.timer.node);
	p1_timer_init(p1);
	list_add_tail(&p1sas, &p1->node);
	return p1;
}

void p1_free(struct p1sa *p1)
{
	timer_stop(&p1->timer);
	timer_stop(&p1->natt.keepalive);
	timer_stop(&p1->dpd.timer);
	list_del(&p1->node);
	dh_free(p1->dh);
	buf_free(&p1->sai_b);
	buf_free(&p1->idi_b);
	buf_free(&p1->out);
	buf_free(&p1->in);
	explicit_bzero(p1, sizeof(*p1));
	free(p1);
}

struct p1sa *p1_by_id(uint32_t id)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (p1->id == id)
			return p1;
	}
	return NULL;
}

void p1_msgid_use(struct p1sa *p1, uint32_t msgid)
{
	if (p1_msgid_used(p1, msgid))
		return;
	p1->msgids[p1->msgids_next++ % P1_MSGIDS] = msgid;
}

/* 0 is never an exchange's M-ID: the empty slots hold it. */
bool p1_msgid_used(const struct p1sa *p1, uint32_t msgid)
{
	if (!msgid)
		return false;
	for (unsigned int i = 0; i < P1_MSGIDS; i++)
		if (p1->msgids[i] == msgid)
			return true;
	return false;
}

struct p1sa *p1_by_cookies(const uint8_t *icky, const uint8_t *rcky)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (!memcmp(p1->icky, icky, 8) && !memcmp(p1->rcky, rcky, 8))
			return p1;
	}
	return NULL;
}

struct p1sa *p1_by_icookie(const uint8_t *icky, const struct kipsec_addr *peer)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (!memcmp(p1->icky, icky, 8) && kipsec_addr_eq(&p1->peer, peer))
			return p1;
	}
	return NULL;
}

struct p1sa *p1_find(const struct kipsec_addr *local, const struct kipsec_addr *peer, bool any)
{
	struct p1sa *best = NULL;
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (!kipsec_addr_eq(&p1->peer, peer) || !kipsec_addr_eq(&p1->local, local) || p1->state == P1_DEAD)
			continue;
		/* The newest established one wins. */
		if (p1->state == P1_ESTABLISHED)
			best = p1;
		else if (any && (!best || best->state != P1_ESTABLISHED))
			best = p1;
	}
	return best;
}

static void retire_check(struct timer *t);

struct p2sa *p2_new(bool initiator)
{
	struct p2sa *p2 = calloc(1, sizeof(*p2));

	if (!p2) {
		log_err("out of memory");
		return NULL;
	}
	p2->id = next_p2_id++;
	p2->initiator = initiator;
	p2->created = time(NULL);
	p2->started_ms = now_ms();
	list_init(&p2->timer.node);
	p2_timer_init(p2);
	list_init(&p2->retire.node);
	p2->retire.fn = retire_check;
	list_add_tail(&p2sas, &p2->node);
	return p2;
}

void p2_free(struct p2sa *p2)
{
	timer_stop(&p2->timer);
	timer_stop(&p2->retire);
	if (p2->spi_in_larval)
		kern_spi_release(p2);
	/* Half a pair is never left behind (an exchange that failed late). */
	if (p2->state != P2_INSTALLED)
		kern_sa_remove_in(p2);
	list_del(&p2->node);
	dh_free(p2->dh);
	buf_free(&p2->out);
	buf_free(&p2->in);
	explicit_bzero(p2, sizeof(*p2));
	free(p2);
}

struct p2sa *p2_by_msgid(uint32_t p1_id, uint32_t msgid)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->p1_id == p1_id && p2->msgid == msgid)
			return p2;
	}
	return NULL;
}

struct p2sa *p2_by_spi(const struct kipsec_addr *dst, uint32_t spi, bool *inbound)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->state != P2_INSTALLED)
			continue;
		if (p2->spi_in == spi && kipsec_addr_eq(&p2->local, dst)) {
			*inbound = true;
			return p2;
		}
		if (p2->spi_out == spi && kipsec_addr_eq(&p2->peer, dst)) {
			*inbound = false;
			return p2;
		}
	}
	return NULL;
}

struct p2sa *p2_of_rule(uint32_t rule_id)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->rule_id == rule_id && !p2->rekeyed && !p2->replaced_by &&
		    p2->state != P2_DEAD)
			return p2;
	}
	return NULL;
}

/*
 * ---- succession ----
 *
 * RFC 2409 says nothing of rekeying a phase 2 SA: each side may negotiate
 * a successor when its own soft lifetime comes (kernel.c: the initiator's
 * at 85 %, the responder's at 92 %).  The first successor installed
 * replaces the pair before it on both sides, whoever negotiated it; the
 * old pair's soft EXPIRE then starts nothing, or every pair would have two
 * successors and the pairs would double every lifetime.
 *
 * The old pair's outbound SA goes at once: the peer has the successor's
 * inbound SA (it installs that one first, kernel.c).  Its inbound SA stays
 * until the successor's inbound SA has taken a packet, so the peer has
 * moved, or until its hard lifetime.
 */

/*
 * Pairs installed closer together than a quarter of their lifetime (10 s at
 * most) were negotiated at once: both sides started their active rule, or
 * rekeyed together.  A true successor comes at 85 % of the lifetime or
 * later; a peer that restarted without a delete a little later still.
 * With a byte lifetime the clock alone does not tell: under heavy traffic
 * a true successor comes seconds after its predecessor.  A pair whose own
 * soft EXPIRE came, or that carried a quarter of its byte lifetime, is the
 * old one of the two whatever the clock says (spent()).
 */
#define P2_SIMULTANEOUS_MAX_MS	10000
#define P2_RETIRE_POLL_MS	1000

static struct p2sa *p2_by_id(uint32_t id)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->id == id)
			return p2;
	}
	return NULL;
}

static bool same_flow(const struct p2sa *a, const struct p2sa *b)
{
	return a->rule_id == b->rule_id && kipsec_addr_eq(&a->local, &b->local) &&
	       kipsec_addr_eq(&a->peer, &b->peer);
}

/* Nonces as big-endian numbers; a shorter one is smaller. */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return memcmp(a, b, alen);
}

static int lowest_nonce_cmp(const struct p2sa *a, const struct p2sa *b)
{
	const uint8_t *la = a->ni, *lb = b->ni;
	size_t la_len = a->ni_len, lb_len = b->ni_len;

	if (nonce_cmp(a->nr, a->nr_len, la, la_len) < 0) {
		la = a->nr;
		la_len = a->nr_len;
	}
	if (nonce_cmp(b->nr, b->nr_len, lb, lb_len) < 0) {
		lb = b->nr;
		lb_len = b->nr_len;
	}
	return nonce_cmp(la, la_len, lb, lb_len);
}

static bool spent(const struct p2sa *p2)
{
	return p2->rekeyed ||
	       (p2->life_kb && kern_sa_bytes(p2) >= (uint64_t)p2->life_kb * 1024 / 4);
}

static bool simultaneous(const struct p2sa *a, const struct p2sa *b)
{
	uint64_t d = a->installed_ms > b->installed_ms ? a->installed_ms - b->installed_ms :
							  b->installed_ms - a->installed_ms;
	uint64_t window = (uint64_t)(a->lifetime < b->lifetime ? a->lifetime : b->lifetime) * 250;

	if (d >= (window < P2_SIMULTANEOUS_MAX_MS ? window : P2_SIMULTANEOUS_MAX_MS))
		return false;
	return !spent(a) && !spent(b);
}

/*
 * Of two pairs negotiated at once, the one holding the lowest of the four
 * nonces is redundant.  Both sides know the four nonces, so both make the
 * same choice, whichever pair each installed first: the rule IKEv2 has
 * for simultaneous rekeying (RFC 7296 §2.8.1); IKEv1 has none.
 */
static bool redundant(const struct p2sa *p2, const struct p2sa *other, bool at_once)
{
	return at_once && lowest_nonce_cmp(p2, other) < 0;
}

static void retire(struct p2sa *old, const struct p2sa *by, bool at_once)
{
	char peer[KIPSEC_ADDR_STRLEN];

	log_info("peer %s: phase 2 SA pair spi in 0x%08x out 0x%08x replaced by spi in 0x%08x out 0x%08x%s",
		 addr_text(&old->peer, peer, sizeof(peer)), old->spi_in, old->spi_out, by->spi_in,
		 by->spi_out, at_once ?
		 " (negotiated at the same time: this one is redundant)" : "");
	old->replaced_by = by->id;
	kern_sa_remove_out(old);
	timer_arm(&old->retire, P2_RETIRE_POLL_MS);
}

void p2_take_over(struct p2sa *p2)
{
	struct list *pos, *tmp;

	p2->installed_ms = now_ms();
	/* One unreplaced pair per flow at a time: the loop meets one at most. */
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *o = container_of(pos, struct p2sa, node);

		bool at_once;

		if (o == p2 || o->state != P2_INSTALLED || o->replaced_by || !same_flow(o, p2))
			continue;
		at_once = simultaneous(p2, o);
		if (redundant(p2, o, at_once)) {
			retire(p2, o, at_once);
			return;
		}
		retire(o, p2, at_once);
	}
}

bool p2_has_successor(const struct p2sa *p2)
{
	struct list *pos, *tmp;

	if (p2->replaced_by)
		return true;
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *o = container_of(pos, struct p2sa, node);

		if (o != p2 && same_flow(o, p2) && !o->replaced_by &&
		    (o->state == P2_I_QM1 || o->state == P2_R_QM2 ||
		     (o->state == P2_INSTALLED && o->installed_ms > p2->installed_ms)))
			return true;
	}
	return false;
}

/* A replaced pair goes once the peer sends on its successor. */
static void retire_check(struct timer *t)
{
	struct p2sa *old = container_of(t, struct p2sa, retire);
	struct p2sa *by = p2_by_id(old->replaced_by);
	char peer[KIPSEC_ADDR_STRLEN];

	if (!by || by->state != P2_INSTALLED)
		return;	/* then it goes at its hard lifetime */
	if (kern_sa_in_used(by) <= 0) {
		timer_arm(&old->retire, P2_RETIRE_POLL_MS);
		return;
	}
	log_info("peer %s: the peer sends on spi 0x%08x: the pair it replaced goes",
		 addr_text(&old->peer, peer, sizeof(peer)), by->spi_in);
	p2_remove(old, true);
}
