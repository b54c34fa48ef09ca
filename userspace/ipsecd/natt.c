// SPDX-License-Identifier: GPL-2.0
/*
 * NAT traversal for IKEv1: RFC 3947, and the drafts older peers still
 * speak (draft-ietf-ipsec-nat-t-ike-02 and -03).
 *
 * Messages 1 and 2 say in vendor IDs that both ends can (§3.1); messages 3
 * and 4 carry NAT-D payloads, hashes of each end's address and port as the
 * sender sees them (§3.2): one that does not match says a NAT is in the
 * way, and which end is behind it.  Then the initiator moves to port 4500
 * from message 5 on (§4), and the responder follows it there; Quick Mode
 * asks for the UDP-encapsulated modes (§5.1) and kipsec.ko carries ESP in
 * UDP (RFC 3948).  The end behind the NAT sends keepalives so that the NAT
 * keeps its mapping (RFC 3948 §2.3).  The peer's port is the one its last
 * authenticated message came from: a NAT may change it at any time.
 */
#include <string.h>

#include "ike_alg.h"
#include "ipsecd.h"

uint16_t natt_port = 4500;
unsigned int natt_keepalive_s = 20;

/* Private payload types of the drafts (RFC 3947 §3.2 took 20 and 21). */
#define NP_NATD_DRAFT		130

#define VID_LEN		16	/* an MD5 hash of the name */

static const char *const vid_names[] = {
	[NATT_DRAFT_02] = "draft-ietf-ipsec-nat-t-ike-02",
	[NATT_DRAFT_02N] = "draft-ietf-ipsec-nat-t-ike-02\n",
	[NATT_DRAFT_03] = "draft-ietf-ipsec-nat-t-ike-03",
	[NATT_RFC] = "RFC 3947",
};

static uint8_t vids[NATT_RFC + 1][VID_LEN];

int natt_init(void)
{
	for (int v = NATT_DRAFT_02; v <= NATT_RFC; v++) {
		struct iov name = { vid_names[v], strlen(vid_names[v]) };

		if (hash_iov(IKE_HASH_MD5, &name, 1, vids[v]))
			return -1;
	}
	return 0;
}

void natt_put_vids(struct msgb *m)
{
	for (int v = NATT_RFC; v >= NATT_DRAFT_02; v--)
		msgb_payload(m, ISAKMP_NP_VID, vids[v], VID_LEN);
}

void natt_put_vid(struct msgb *m, uint8_t variant)
{
	if (variant != NATT_NONE)
		msgb_payload(m, ISAKMP_NP_VID, vids[variant], VID_LEN);
}

uint8_t natt_vid_variant(const struct isakmp_msg *m)
{
	uint8_t best = NATT_NONE;

	for (size_t i = 0; i < m->n; i++) {
		const struct payload *pl = &m->pl[i];

		if (pl->type != ISAKMP_NP_VID || pl->len != VID_LEN)
			continue;
		for (uint8_t v = best + 1; v <= NATT_RFC; v++)
			if (!memcmp(pl->body, vids[v], VID_LEN))
				best = v;
	}
	return best;
}

static uint8_t natd_type(uint8_t variant)
{
	return variant == NATT_RFC ? ISAKMP_NP_NATD : NP_NATD_DRAFT;
}

/* Our port: 500 until the exchange moved to the NAT-T port. */
static uint16_t our_port(const struct p1sa *p1)
{
	return p1->natt.floated ? natt_port : ike_port;
}

/* §3.2: HASH = HASH(CKY-I | CKY-R | IP | Port), the negotiated hash. */
static int natd_hash(const struct p1sa *p1, const struct kipsec_addr *a, uint16_t port,
		     uint8_t *out)
{
	uint8_t p[2] = { port >> 8, port & 0xff };
	struct iov v[4] = {
		{ p1->icky, 8 },
		{ p1->rcky, 8 },
		{ a->u.bytes, a->family == AF_INET ? 4 : 16 },
		{ p, 2 },
	};

	return hash_iov(p1->hash, v, 4, out);
}

/* The other end's address first, as we see it, then ours (§3.2). */
void natt_put_natd(const struct p1sa *p1, struct msgb *m)
{
	uint8_t h[IKE_HASH_MAX];
	size_t len = hash_len(p1->hash);

	if (p1->natt.variant == NATT_NONE)
		return;
	if (natd_hash(p1, &p1->peer, p1->peer_port, h) == 0)
		msgb_payload(m, natd_type(p1->natt.variant), h, len);
	if (natd_hash(p1, &p1->local, our_port(p1), h) == 0)
		msgb_payload(m, natd_type(p1->natt.variant), h, len);
}

/* A responder learns the variant from message 3's NAT-D payloads. */
static void natd_variant(struct p1sa *p1, const struct isakmp_msg *m)
{
	if (p1->natt.variant != NATT_NONE || p1->initiator)
		return;
	if (isakmp_count(m, ISAKMP_NP_NATD))
		p1->natt.variant = NATT_RFC;
	else if (isakmp_count(m, NP_NATD_DRAFT))
		p1->natt.variant = NATT_DRAFT_03;
}

static void natd_log(const struct p1sa *p1)
{
	char ps[KIPSEC_ADDR_STRLEN];

	if (!p1->natt.nat_here && !p1->natt.nat_there)
		return;
	log_info("peer %s: NAT detected (RFC 3947 NAT-D): %s%s%s", addr_text(&p1->peer, ps, sizeof(ps)),
		 p1->natt.nat_here ? "we are behind a NAT" : "",
		 p1->natt.nat_here && p1->natt.nat_there ? ", " : "",
		 p1->natt.nat_there ? "the peer is behind a NAT" : "");
}

int natt_check_natd(struct p1sa *p1, const struct isakmp_msg *m, uint16_t port)
{
	uint8_t here[IKE_HASH_MAX], there[IKE_HASH_MAX];
	size_t len = hash_len(p1->hash), n = 0;
	bool there_seen = false;
	uint8_t type;

	natd_variant(p1, m);
	if (p1->natt.variant == NATT_NONE)
		return 0;
	type = natd_type(p1->natt.variant);
	if (natd_hash(p1, &p1->local, our_port(p1), here) ||
	    natd_hash(p1, &p1->peer, port, there))
		return -1;
	for (size_t i = 0; i < m->n; i++) {
		const struct payload *pl = &m->pl[i];

		if (pl->type != type)
			continue;
		if (pl->len != len)
			return -1;
		/* The first is us as the peer sees us; the rest are the peer. */
		if (n++ == 0)
			p1->natt.nat_here = memcmp(pl->body, here, len) != 0;
		else if (!memcmp(pl->body, there, len))
			there_seen = true;
	}
	if (n == 0) {
		/* The peer sent the vendor ID but does not do NAT-D. */
		p1->natt.variant = NATT_NONE;
		return 0;
	}
	if (n < 2)
		return -1;
	p1->natt.nat_there = !there_seen;
	natd_log(p1);
	return 0;
}

static bool nat_between(const struct p1sa *p1)
{
	return p1->natt.variant != NATT_NONE && (p1->natt.nat_here || p1->natt.nat_there);
}

void natt_float(struct p1sa *p1)
{
	if (!nat_between(p1) || p1->natt.floated)
		return;
	/* §4: both ports 4500 from message 5 on, the non-ESP marker before IKE. */
	p1->natt.floated = true;
	p1->peer_port = natt_port;
}

void natt_peer_seen(struct p1sa *p1, uint16_t port, bool on_natt)
{
	char ps[KIPSEC_ADDR_STRLEN];
	uint16_t old;

	if (p1->natt.variant == NATT_NONE)
		return;
	if (on_natt && !p1->natt.floated) {
		p1->natt.floated = true;
		log_info("peer %s: IKE moved to UDP port %u (from the peer's port %u)",
			 addr_text(&p1->peer, ps, sizeof(ps)), natt_port, port);
		p1->peer_port = port;
		return;
	}
	if (on_natt != p1->natt.floated || port == p1->peer_port)
		return;
	/* §4: a NAT mapped the peer anew; the next messages go to where it is. */
	log_info("peer %s: NAT mapping changed: the peer's port %u is now %u",
		 addr_text(&p1->peer, ps, sizeof(ps)), p1->peer_port, port);
	old = p1->peer_port;
	p1->peer_port = port;
	p2_peer_moved(&p1->peer, old, port);
}

void natt_mapping(struct p2sa *p2, const struct kipsec_addr *src, uint16_t sport)
{
	struct p1sa *p1 = p1_by_id(p2->p1_id);
	uint16_t old = p2->encap_dport;
	char ps[KIPSEC_ADDR_STRLEN], ns[KIPSEC_ADDR_STRLEN];

	if (!old || sport == old)
		return;
	addr_text(&p2->peer, ps, sizeof(ps));
	if (!kipsec_addr_eq(src, &p2->peer)) {
		log_warn("peer %s: its ESP now comes from %s: the SAs cannot follow an address change",
			 ps, addr_text(src, ns, sizeof(ns)));
		return;
	}
	if (p1 && p1->natt.floated && p1->peer_port == old) {
		natt_peer_seen(p1, sport, true);
		return;
	}
	log_info("peer %s: NAT mapping changed: the peer's port %u is now %u (seen on ESP)", ps,
		 old, sport);
	p2_peer_moved(&p2->peer, old, sport);
}

static void keepalive(struct timer *t)
{
	struct p1sa *p1 = container_of(t, struct p1sa, natt.keepalive);

	if (net_send_keepalive(&p1->local, &p1->peer, p1->peer_port) == 0)
		stats.tx_keepalives++;
	timer_arm(t, (uint64_t)natt_keepalive_s * 1000);
}

void natt_established(struct p1sa *p1)
{
	/* RFC 3948 §2.3: the end behind the NAT keeps its mapping open. */
	if (!p1->natt.floated || !p1->natt.nat_here || !natt_keepalive_s)
		return;
	p1->natt.keepalive.fn = keepalive;
	timer_arm(&p1->natt.keepalive, (uint64_t)natt_keepalive_s * 1000);
}

uint16_t natt_encap_attr(const struct p1sa *p1, uint8_t mode)
{
	bool tunnel = mode == KIPSEC_MODE_TUNNEL;

	if (!nat_between(p1))
		return tunnel ? IPSEC_ENCAP_TUNNEL : IPSEC_ENCAP_TRANSPORT;
	if (p1->natt.variant == NATT_RFC)
		return tunnel ? IPSEC_ENCAP_UDP_TUNNEL : IPSEC_ENCAP_UDP_TRANSPORT;
	return tunnel ? IPSEC_ENCAP_UDP_TUNNEL_DRAFT : IPSEC_ENCAP_UDP_TRANSPORT_DRAFT;
}
