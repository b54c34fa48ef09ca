// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec.ko, through libkipsec: two netlink handles, one for requests and
 * one for the events group, so that an ACQUIRE never lands among the
 * replies we wait for.
 *
 * SAs: the inbound SPI is reserved (SPI_ALLOC, a larval SA) before we send
 * it to the peer; SA_ADD completes it.  A pair goes in inbound first, so
 * that the peer's first packets, sent as soon as it installed its
 * outbound SA, find theirs; if the outbound one is refused, the inbound one
 * is taken out again: never half a pair.
 *
 * Keys: KEYMAT of RFC 2409 §5.5, encryption key first and integrity key
 * after (RFC 2407 §4.5); for AES-GCM the 4-byte salt follows the key
 * (RFC 4106 §8.1), as kipsec.ko wants it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_alg.h"
#include "ipsecd.h"
#include "kipsec_alg.h"

static struct kipsec_nl *h, *ev;

int kern_open(void)
{
	int err = kipsec_nl_open(&h);

	if (!err)
		err = kipsec_nl_open(&ev);
	if (!err)
		err = kipsec_events_subscribe(ev);
	if (err) {
		log_err("cannot talk to kipsec.ko: %s%s", strerror(-err),
			err == -ENOENT ? " (is the module loaded?)" : "");
		return -1;
	}
	return 0;
}

void kern_close(void)
{
	if (ev)
		kipsec_nl_close(ev);
	if (h)
		kipsec_nl_close(h);
	ev = h = NULL;
}

int kern_event_fd(void)
{
	return kipsec_nl_fd(ev);
}

const char *kern_extack(void)
{
	const char *e = h ? kipsec_nl_extack(h) : "";

	return e[0] ? e : "no reason given";
}

static void on_event(const struct kipsec_event *e, void *arg)
{
	(void)arg;
	if (e->cmd == KIPSEC_CMD_ACQUIRE && e->has_policy) {
		struct rule *r = rule_by_policy(e->policy.id);

		if (!r)
			return;
		if (r->conf.start == IKE_START_PASSIVE) {
			log_debug("acquire for passive rule %u: waiting for the peer", r->id);
			return;
		}
		if (p2_of_rule(r->id) || r->want_p2)
			return;	/* already on its way */
		rule_negotiate(r, "traffic needs it (acquire)");
	} else if (e->cmd == KIPSEC_CMD_EXPIRE && e->has_sa) {
		bool inbound;
		struct p2sa *p2 = p2_by_spi(&e->sa.dst, e->sa.spi, &inbound);

		if (p2)
			p2_expired(p2, inbound, e->hard);
	} else if (e->cmd == KIPSEC_CMD_MAPPING && e->has_sa && e->has_mapping) {
		bool inbound;
		struct p2sa *p2 = p2_by_spi(&e->sa.dst, e->sa.spi, &inbound);

		/* An authenticated ESP packet from a new NAT mapping (RFC 3948). */
		if (p2 && inbound)
			natt_mapping(p2, &e->mapping_src, e->mapping_sport);
	}
}

void kern_events(void)
{
	int err = kipsec_event_recv(ev, on_event, NULL);

	if (err == -ENOBUFS)
		log_warn("kipsec.ko events were lost (socket overflow): traffic waiting for an SA will ask again");
	else if (err && err != -EAGAIN && err != -EINTR)
		log_warn("reading kipsec.ko events: %s", strerror(-err));
}

int kern_spi_alloc(struct p2sa *p2, uint32_t reqid)
{
	struct kipsec_sa sa;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.src = p2->peer;
	sa.dst = p2->local;
	sa.proto = IPPROTO_ESP;
	sa.mode = p2->mode;
	sa.reqid = reqid;
	/* RFC 4303 §2.1: 1-255 are reserved. */
	err = kipsec_spi_alloc(h, &sa, 0x100, 0xffffffff);
	if (err)
		return err;
	p2->spi_in = sa.spi;
	p2->spi_in_larval = true;
	return 0;
}

static void sa_del(const struct kipsec_addr *src, const struct kipsec_addr *dst, uint32_t spi)
{
	struct kipsec_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.src = *src;
	sa.dst = *dst;
	sa.spi = spi;
	sa.proto = IPPROTO_ESP;
	kipsec_sa_del(h, &sa);
}

void kern_spi_release(struct p2sa *p2)
{
	sa_del(&p2->peer, &p2->local, p2->spi_in);
	p2->spi_in_larval = false;
}

void kern_sa_remove_out(const struct p2sa *p2)
{
	sa_del(&p2->local, &p2->peer, p2->spi_out);
}

void kern_sa_remove(const struct p2sa *p2)
{
	/* Outbound first: no packet leaves under an SA the peer drops. */
	kern_sa_remove_out(p2);
	sa_del(&p2->peer, &p2->local, p2->spi_in);
}

int kern_sa_in_used(const struct p2sa *p2)
{
	int64_t n = kern_sa_in_packets(p2);

	return n < 0 ? (int)n : n > 0;
}

/* The counters of one SA of p2: 0, or -errno. */
static int sa_stats(const struct p2sa *p2, bool in, struct kipsec_sa_stats *st)
{
	struct kipsec_sa sa;
	int err;

	memset(&sa, 0, sizeof(sa));
	sa.src = in ? p2->peer : p2->local;
	sa.dst = in ? p2->local : p2->peer;
	sa.spi = in ? p2->spi_in : p2->spi_out;
	sa.proto = IPPROTO_ESP;
	err = kipsec_sa_get(h, &sa, false);
	if (!err)
		*st = sa.stats;
	kipsec_sa_wipe(&sa);
	return err;
}

int64_t kern_sa_in_packets(const struct p2sa *p2)
{
	struct kipsec_sa_stats st;
	int err = sa_stats(p2, true, &st);

	return err ? err : (int64_t)(st.packets & INT64_MAX);
}

uint64_t kern_sa_bytes(const struct p2sa *p2)
{
	struct kipsec_sa_stats in, out;
	uint64_t n = 0;

	/* The outbound SA may be gone already (replaced): then 0 for it. */
	if (!sa_stats(p2, true, &in))
		n = in.bytes;
	if (!sa_stats(p2, false, &out) && out.bytes > n)
		n = out.bytes;
	return n;
}

static void set_alg(struct kipsec_alg *a, const struct kipsec_alg_desc *d, const uint8_t *key)
{
	snprintf(a->name, sizeof(a->name), "%s", d->kname);
	memcpy(a->key, key, d->key_len);
	a->key_len = d->key_len;
	a->icv_len = d->icv_len;
}

static uint64_t soft_limit(const struct p2sa *p2, uint64_t hard)
{
	return hard * (p2->initiator ? 85 : 92) / 100;
}

/* The inbound or outbound SA of p2, without its keys. */
static void sa_of(const struct p2sa *p2, bool in, uint32_t reqid, struct kipsec_sa *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->src = in ? p2->peer : p2->local;
	sa->dst = in ? p2->local : p2->peer;
	sa->spi = in ? p2->spi_in : p2->spi_out;
	sa->proto = IPPROTO_ESP;
	sa->mode = p2->mode;
	sa->reqid = reqid;
	sa->ifindex = p2->ifindex;
	sa->replay_window = KIPSEC_REPLAY_WINDOW_DEFAULT;
	/* RFC 3948: the ports of the ESP-in-UDP packets the SA carries. */
	if (p2->encap_dport) {
		sa->encap_sport = in ? p2->encap_dport : natt_port;
		sa->encap_dport = in ? natt_port : p2->encap_dport;
	}
	/*
	 * The negotiated lifetimes are the hard limits; the soft ones ask for
	 * a rekey before them, the initiator's a little earlier than the
	 * responder's so that both rarely rekey at once.  Bytes alike: each
	 * SA of the pair counts its own (RFC 2407 §4.5 kilobytes), and the
	 * first soft EXPIRE of either kind rekeys (p2_expired).
	 */
	sa->hard.add_secs = p2->lifetime;
	sa->soft.add_secs = soft_limit(p2, p2->lifetime);
	sa->hard.bytes = (uint64_t)p2->life_kb * 1024;
	sa->soft.bytes = soft_limit(p2, sa->hard.bytes);
}

int kern_sa_install(struct p2sa *p2, uint32_t reqid, const struct p1sa *p1, int dirs, char *why,
		    size_t len)
{
	const struct ike_enc_desc *e = ike_p2_enc_by_id(p2->enc, p2->enc_bits);
	const struct ike_hash_desc *a = p2->auth ? ike_p2_auth_by_id(p2->auth) : NULL;
	const struct kipsec_alg_desc *kd, *ka = NULL;
	uint8_t km[2 * KIPSEC_KEY_MAX];
	struct kipsec_sa sa;
	size_t need;
	int err = 0;

	kd = e ? kipsec_alg_by_name(e->esp_name, KIPSEC_ALG_ENC) : NULL;
	if (a)
		ka = kipsec_alg_by_name(a->esp_name, KIPSEC_ALG_AUTH);
	if (!kd || (p2->auth && !ka) || (!p2->auth && !kd->aead)) {
		snprintf(why, len, "no kipsec algorithm for the negotiated transform");
		return -1;
	}
	need = kd->key_len + (ka ? ka->key_len : 0);
	for (int i = 0; i < 2 && !err; i++) {
		bool in = i == 0;

		if (!(dirs & (in ? KERN_IN : KERN_OUT)))
			continue;
		sa_of(p2, in, reqid, &sa);
		if (p2_keymat(p1->hash, p1->k.skeyid_d, p1->k.prf_len,
			      p2->gxy_len ? p2->gxy : NULL, p2->gxy_len, PROTO_IPSEC_ESP, sa.spi,
			      p2->ni, p2->ni_len, p2->nr, p2->nr_len, km, need)) {
			snprintf(why, len, "KEYMAT derivation failed");
			err = -1;
			break;
		}
		set_alg(&sa.enc, kd, km);
		if (ka)
			set_alg(&sa.auth, ka, km + kd->key_len);
		err = kipsec_sa_add(h, &sa, dirs & KERN_REPLACE);
		if (err) {
			snprintf(why, len, "%s SA 0x%08x: %s", in ? "inbound" : "outbound", sa.spi,
				 kern_extack());
		} else if (in) {
			p2->spi_in_larval = false;
			p2->in_installed = true;
		}
		kipsec_sa_wipe(&sa);
	}
	explicit_bzero(km, sizeof(km));
	if (err && !(dirs & KERN_REPLACE)) {
		if (p2->spi_in_larval)
			kern_spi_release(p2);
		kern_sa_remove_in(p2);
	}
	return err;
}

void kern_sa_remove_in(struct p2sa *p2)
{
	if (p2->in_installed)
		sa_del(&p2->peer, &p2->local, p2->spi_in);
	p2->in_installed = false;
}

int kern_policy_add(struct kipsec_policy *pol, char *why, size_t len)
{
	int err = kipsec_policy_add(h, pol);

	if (err)
		snprintf(why, len, "%s", kipsec_nl_extack(h)[0] ? kipsec_nl_extack(h) : strerror(-err));
	return err;
}

void kern_policy_del(uint32_t id)
{
	struct kipsec_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.id = id;
	kipsec_policy_del(h, &pol);
}
