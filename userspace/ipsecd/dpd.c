// SPDX-License-Identifier: GPL-2.0
/*
 * Dead peer detection (RFC 3706) and INITIAL-CONTACT (RFC 2407 §4.6.3.3).
 *
 * DPD: both ends say in a vendor ID of Main Mode messages 1 and 2 that
 * they can (§4).  Then either may ask "R-U-THERE" in a notification of a
 * protected informational exchange, the SPI field the two ISAKMP cookies
 * and a 4-byte sequence number as data (§5); the other answers
 * R-U-THERE-ACK with the same number.  It is asked only when nothing came
 * from the peer for the rule's delay: no authenticated IKE message and no
 * packet on an inbound SA of the peer (the kernel's counters), so that a
 * busy tunnel costs nothing (§5.1, "worry metric").  A peer silent for
 * the timeout after the first unanswered R-U-THERE is dead: its SAs go,
 * kernel SAs too, and its rules start again as they start at load.
 *
 * INITIAL-CONTACT: the first phase 1 with a peer after we started carries
 * it, inside the encrypted messages 5 (initiator, as strongSwan does) or
 * 6 (responder), unless another phase 1 with the peer is already there
 * (both ends started at once): the peer then drops what it still holds
 * from before our start.  Inside message 5/6 rather than in an
 * informational exchange after it: an informational sent right after
 * message 6 can overtake it, and the initiator, still waiting, cannot
 * read it.  Received, authenticated, it deletes every SA with the peer
 * completed before this phase 1 began: the peer restarted and lost them,
 * and traffic moves to the new ones at once instead of at their lifetime.
 * SAs completed while this one was negotiated (both ends starting at
 * once) are the peer's own, and stay.
 *
 * "The peer" is a system, not an address (RFC 2407 §4.6.3.3 speaks of the
 * SAs of the sending system): hosts behind one NAT share its public
 * address, and one's INITIAL-CONTACT, or its death, must not take the
 * others' SAs.  Behind a NAT a phase 1 SA's system is its peer's identity;
 * a phase 2 SA's, that of its phase 1, or once that is gone the NAT port
 * its ESP in UDP goes to (struct peer_system).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecd.h"

/* §4: the MD5-looking constant, then major version 1, minor version 0. */
static const uint8_t dpd_vid[16] = {
	0xaf, 0xca, 0xd7, 0x13, 0x68, 0xa1, 0xf1, 0xc9,
	0x6b, 0x86, 0x96, 0xfc, 0x77, 0x57, 0x01, 0x00,
};

#define DPD_ACK_WINDOW	64	/* ACKs of this many recent R-U-THEREs count */

void dpd_put_vid(struct msgb *m)
{
	msgb_payload(m, ISAKMP_NP_VID, dpd_vid, sizeof(dpd_vid));
}

bool dpd_vid_seen(const struct isakmp_msg *m)
{
	/* Any minor version of version 1. */
	for (size_t i = 0; i < m->n; i++)
		if (m->pl[i].type == ISAKMP_NP_VID && m->pl[i].len == sizeof(dpd_vid) &&
		    !memcmp(m->pl[i].body, dpd_vid, sizeof(dpd_vid) - 1))
			return true;
	return false;
}

static void cookies(const struct p1sa *p1, uint8_t *spi)
{
	memcpy(spi, p1->icky, 8);
	memcpy(spi + 8, p1->rcky, 8);
}

static bool same_peer(const struct kipsec_addr *l1, const struct kipsec_addr *p1,
		      const struct kipsec_addr *l2, const struct kipsec_addr *p2)
{
	return kipsec_addr_eq(l1, l2) && kipsec_addr_eq(p1, p2);
}

/* The system at the far end of a phase 1 SA (see the top of the file). */
struct peer_system {
	struct kipsec_addr local, peer;
	struct ike_id id;	/* the peer's identity, once authenticated */
	uint16_t nat_port;	/* its port when it is behind a NAT; else 0 */
};

static void system_of(const struct p1sa *p1, struct peer_system *s)
{
	s->local = p1->local;
	s->peer = p1->peer;
	s->id = p1->peer_id;
	s->nat_port = p1->natt.nat_there ? p1->peer_port : 0;
}

static bool p1_of_system(const struct p1sa *o, const struct peer_system *s)
{
	if (!same_peer(&o->local, &o->peer, &s->local, &s->peer))
		return false;
	/* Not behind a NAT, one address is one system. */
	return !s->nat_port || ike_id_eq(&o->peer_id, &s->id);
}

static bool p2_of_system(const struct p2sa *p2, const struct peer_system *s)
{
	const struct p1sa *o;

	if (!same_peer(&p2->local, &p2->peer, &s->local, &s->peer))
		return false;
	if (!s->nat_port)
		return true;
	o = p1_by_id(p2->p1_id);
	return o ? p1_of_system(o, s) : p2->encap_dport == s->nat_port;
}

/* ---- deleting a peer's SAs ---- */

/*
 * The SAs with a peer system: the phase 1 SAs other than keep (all of
 * them without keep; with it, those established before `before`, ms), and
 * the phase 2 SAs under those or installed before `before`.  No delete is
 * sent: the peer lost them, or cannot be reached.  Returns the phase 1
 * SAs deleted; *n2 the phase 2 SAs.
 */
static unsigned int peer_sas_delete(const struct p1sa *keep, const struct peer_system *sys,
				    uint64_t before, unsigned int *n2)
{
	struct list *pos, *tmp;
	unsigned int n1 = 0;

	*n2 = 0;
	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *o = container_of(pos, struct p1sa, node);

		if (o == keep || !p1_of_system(o, sys) ||
		    (keep && (o->state != P1_ESTABLISHED || o->established_ms >= before)))
			continue;
		o->state = P1_DEAD;	/* marked: its phase 2 SAs go first */
		n1++;
	}
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);
		const struct p1sa *o = p1_by_id(p2->p1_id);

		if (!p2_of_system(p2, sys) || (keep && p2->p1_id == keep->id))
			continue;
		if (keep && o && o->state != P1_DEAD &&
		    (p2->state != P2_INSTALLED || p2->installed_ms >= before))
			continue;
		p2_remove(p2, false);
		(*n2)++;
	}
	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *o = container_of(pos, struct p1sa, node);

		if (o->state == P1_DEAD && p1_of_system(o, sys))
			p1_free(o);
	}
	return n1;
}

/* ---- INITIAL-CONTACT ---- */

/* The peers we have told (a phase 1 with INITIAL-CONTACT was established). */
struct ic_peer {
	struct list node;
	struct kipsec_addr local, peer;
};

static struct list ic_peers = LIST_INIT(ic_peers);

static bool ic_told(const struct p1sa *p1)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &ic_peers) {
		struct ic_peer *c = container_of(pos, struct ic_peer, node);

		if (same_peer(&c->local, &c->peer, &p1->local, &p1->peer))
			return true;
	}
	return false;
}

static void ic_remember(const struct p1sa *p1)
{
	struct ic_peer *c;

	if (ic_told(p1) || !(c = calloc(1, sizeof(*c))))
		return;
	c->local = p1->local;
	c->peer = p1->peer;
	list_add_tail(&ic_peers, &c->node);
}

/*
 * Another phase 1 with the peer is on its way or up: both ends started at
 * once.  Then the peer has SAs of ours that are not stale, and
 * INITIAL-CONTACT would make it delete them.
 */
static bool other_p1(const struct p1sa *p1)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		const struct p1sa *o = container_of(pos, struct p1sa, node);

		if (o != p1 && o->state != P1_DEAD && same_peer(&o->local, &o->peer, &p1->local, &p1->peer))
			return true;
	}
	return false;
}

void ic_put(struct p1sa *p1, struct msgb *m)
{
	struct buf b = BUF_INIT;

	p1->dpd.ic_sent = false;
	if (ic_told(p1) || other_p1(p1))
		return;
	/* RFC 2407 §4.6.3.3: protocol ISAKMP, the SPI the two cookies. */
	buf_put32(&b, IPSEC_DOI);
	buf_put8(&b, PROTO_ISAKMP);
	buf_put8(&b, 16);
	buf_put16(&b, N_INITIAL_CONTACT);
	buf_put(&b, p1->icky, 8);
	buf_put(&b, p1->rcky, 8);
	if (!b.err) {
		msgb_payload(m, ISAKMP_NP_N, b.p, b.len);
		p1->dpd.ic_sent = true;
	}
	buf_free(&b);
}

void ic_check(struct p1sa *p1, const struct isakmp_msg *m)
{
	for (size_t i = 0; i < m->n; i++) {
		struct isakmp_notify n;

		if (m->pl[i].type == ISAKMP_NP_N && !isakmp_parse_notify(&m->pl[i], &n) &&
		    n.type == N_INITIAL_CONTACT)
			p1->dpd.ic_rx = true;
	}
}

/* Authenticated INITIAL-CONTACT under p1: what the peer had before is gone. */
static void initial_contact(struct p1sa *p1)
{
	char ps[KIPSEC_ADDR_STRLEN];
	unsigned int n1, n2;
	struct peer_system sys;

	stats.initial_contacts++;
	system_of(p1, &sys);
	n1 = peer_sas_delete(p1, &sys, p1->started_ms, &n2);
	log_info("peer %s: INITIAL-CONTACT in phase 1 SA %08x: the peer restarted; deleted %u older phase 1 and %u phase 2 SAs",
		 addr_text(&p1->peer, ps, sizeof(ps)), p1->id, n1, n2);
	/* The peer started this phase 1: its quick mode follows. */
	if (n2)
		rules_peer_reset(&p1->local, &p1->peer, "the peer restarted (INITIAL-CONTACT)",
				 !p1->initiator);
}

/* ---- dead peer detection ---- */

static const struct rule *rule_of(const struct p1sa *p1)
{
	const struct rule *r = rule_by_id(p1->rule_id);

	return r ? r : rule_for_peer(&p1->local, &p1->peer);
}

/* What the peer's inbound SAs have taken: it changes while the peer sends. */
static uint64_t in_packets(const struct p1sa *p1)
{
	struct list *pos, *tmp;
	struct peer_system sys;
	uint64_t n = 0;

	system_of(p1, &sys);
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);
		int64_t v;

		if (p2->state != P2_INSTALLED || !p2->in_installed || !p2_of_system(p2, &sys))
			continue;
		v = kern_sa_in_packets(p2);
		if (v > 0)
			n += (uint64_t)v + p2->spi_in;	/* a new SA changes the sum */
	}
	return n;
}

static void send_notify(struct p1sa *p1, uint16_t type, uint32_t seq)
{
	uint8_t spi[16], data[4];

	cookies(p1, spi);
	put32(data, seq);
	info_notify_data(p1, PROTO_ISAKMP, spi, 16, type, data, 4);
}

static void dead(struct p1sa *p1, uint64_t waited_ms)
{
	struct kipsec_addr local = p1->local, peer = p1->peer;
	char ps[KIPSEC_ADDR_STRLEN];
	struct peer_system sys;
	unsigned int n1, n2;

	system_of(p1, &sys);	/* p1 goes with the rest */
	stats.dpd_dead++;
	addr_text(&peer, ps, sizeof(ps));
	log_warn("peer %s: dead (no R-U-THERE-ACK for %llu s): deleting its phase 1 and phase 2 SAs",
		 ps, (unsigned long long)(waited_ms / 1000));
	n1 = peer_sas_delete(NULL, &sys, 0, &n2);
	log_info("peer %s: deleted %u phase 1 and %u phase 2 SAs of the dead peer", ps, n1, n2);
	rules_peer_reset(&local, &peer, "the peer was dead", false);
}

/* Idle for the delay: R-U-THERE, again every retry, dead at the timeout. */
static void probe(struct p1sa *p1, uint64_t now, uint64_t delay, uint64_t timeout)
{
	struct dpd *d = &p1->dpd;
	uint64_t retry = delay < timeout / 3 ? delay : timeout / 3, left;
	char ps[KIPSEC_ADDR_STRLEN];

	if (d->seq_unacked && now - d->unacked_since >= timeout) {
		dead(p1, now - d->unacked_since);
		return;
	}
	d->seq++;
	if (!d->seq)
		d->seq = 1;
	if (!d->seq_unacked) {
		d->seq_unacked = d->seq;
		d->unacked_since = now;
	}
	stats.dpd_sent++;
	log_debug("peer %s: idle: R-U-THERE %u", addr_text(&p1->peer, ps, sizeof(ps)), d->seq);
	send_notify(p1, N_R_U_THERE, d->seq);
	left = d->unacked_since + timeout - now;
	if (retry < 1000)
		retry = 1000;
	timer_arm(&d->timer, retry < left ? retry : left);
}

/* Whether p1 is the newest established phase 1 SA with its system (as p1_find). */
static bool newest_of_system(const struct p1sa *p1)
{
	const struct p1sa *newest = NULL;
	struct peer_system sys;
	struct list *pos, *tmp;

	system_of(p1, &sys);
	list_for_each_safe(pos, tmp, &p1sas) {
		const struct p1sa *o = container_of(pos, struct p1sa, node);

		if (o->state == P1_ESTABLISHED && p1_of_system(o, &sys))
			newest = o;
	}
	return newest == p1;
}

static void dpd_timer(struct timer *t)
{
	struct p1sa *p1 = container_of(t, struct p1sa, dpd.timer);
	const struct rule *r = rule_of(p1);
	struct dpd *d = &p1->dpd;
	uint64_t now = now_ms(), delay, timeout, pk;

	if (!r || !r->conf.dpd_delay || p1->state != P1_ESTABLISHED)
		return;
	delay = (uint64_t)r->conf.dpd_delay * 1000;
	timeout = (uint64_t)(r->conf.dpd_timeout ? r->conf.dpd_timeout : 3 * r->conf.dpd_delay) * 1000;
	/* One SA per peer system asks: the newest, which traffic uses. */
	if (!newest_of_system(p1)) {
		timer_arm(t, delay);
		return;
	}
	pk = in_packets(p1);
	if (pk != d->in_packets) {
		d->in_packets = pk;
		d->last_rx = now;
	}
	if (now - d->last_rx < delay) {
		d->seq_unacked = 0;
		timer_arm(t, d->last_rx + delay - now);
		return;
	}
	probe(p1, now, delay, timeout);
}

void dpd_seen(struct p1sa *p1)
{
	p1->dpd.last_rx = now_ms();
}

void dpd_established(struct p1sa *p1)
{
	const struct rule *r = rule_of(p1);
	struct dpd *d = &p1->dpd;

	p1->established_ms = now_ms();
	if (d->ic_sent)
		ic_remember(p1);
	if (d->ic_rx)
		initial_contact(p1);
	d->timer.fn = dpd_timer;
	d->last_rx = p1->established_ms;
	/* §5.5: the first sequence number is random, far from wrapping. */
	if (random_bytes(&d->seq, sizeof(d->seq)))
		d->seq = 0;
	d->seq &= 0x7fffffff;
	if (r && r->conf.dpd_delay && d->peer)
		timer_arm(&d->timer, (uint64_t)r->conf.dpd_delay * 1000);
}

static void got_ack(struct p1sa *p1, uint32_t seq, const char *ps)
{
	struct dpd *d = &p1->dpd;

	/* Only an answer to one of ours that is still recent. */
	if ((uint32_t)(d->seq - seq) >= DPD_ACK_WINDOW) {
		stats.rx_dropped++;
		log_drop(ps, "R-U-THERE-ACK with a sequence number we did not send");
		return;
	}
	stats.dpd_acked++;
	log_debug("peer %s: R-U-THERE-ACK %u", ps, seq);
	d->seq_unacked = 0;
	d->last_rx = now_ms();
}

bool dpd_notified(struct p1sa *p1, const struct isakmp_notify *n)
{
	char ps[KIPSEC_ADDR_STRLEN];
	uint8_t spi[16];

	if (n->type == N_INITIAL_CONTACT) {
		/* Cisco's way: in an informational right after phase 1. */
		initial_contact(p1);
		return true;
	}
	if (n->type != N_R_U_THERE && n->type != N_R_U_THERE_ACK)
		return false;
	addr_text(&p1->peer, ps, sizeof(ps));
	cookies(p1, spi);
	/* §5: the SPI is the ISAKMP SA's cookies, the data 4 bytes. */
	if (n->h.spi_size != 16 || memcmp(n->spi, spi, 16) || n->data_len != 4) {
		stats.rx_malformed++;
		log_drop(ps, "R-U-THERE or ACK without the cookies as SPI and a sequence number");
		return true;
	}
	if (n->type == N_R_U_THERE_ACK) {
		got_ack(p1, get32(n->data), ps);
		return true;
	}
	/* §5.3: answered whatever our own settings, with the same number. */
	log_debug("peer %s: R-U-THERE %u: answering", ps, get32(n->data));
	send_notify(p1, N_R_U_THERE_ACK, get32(n->data));
	return true;
}
