// SPDX-License-Identifier: GPL-2.0
/*
 * ike rules: what ipsecctl loaded.  Each rule puts its flows in the kernel
 * as two policies (out, and in mirrored) at level require, with a reqid of
 * its own that its SAs carry, so that its traffic waits for (or asks for,
 * ACQUIRE) exactly the SAs negotiated for it.
 *
 * IKE's own datagrams must never be caught by those policies: when a
 * rule's flow covers the two gateways' addresses (transport mode always,
 * tunnel mode when the networks contain the gateways), UDP 500 and 4500
 * between them get bypass policies of a better priority.  strongSwan does
 * the same with per-socket XFRM policies; kipsec.ko has no per-socket
 * policies, so ipsecd installs them once per pair of gateways, shared by
 * the rules that need them (Documentation/ipsecd.8, "IKE TRAFFIC").
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike_alg.h"
#include "ipsecd.h"

#define RULE_PRIORITY	1000	/* kipsec.ko's default */
#define BYPASS_PRIORITY	10	/* lower wins: before any rule's flows */
#define REQID_BASE	0x10000	/* ipsecctl's manual reqids stay below */
/*
 * An active rule whose phase 1 failed tries again after 2 s, doubling up
 * to 60 s: a phase 1 that is not answered already takes a minute to fail
 * (RETRANSMIT_TRIES), so a peer that comes back is found within two.
 */
#define RETRY_FIRST_S	2
#define RETRY_MAX_S	60

struct list rules = LIST_INIT(rules);
static uint32_t next_rule_id = 1;

struct bypass {
	struct list node;
	struct kipsec_addr local, peer;
	int refs;
	uint32_t ids[4];	/* 0: not ours (it was there already) */
};

static struct list bypasses = LIST_INIT(bypasses);

const char *mode_name_of(uint8_t mode)
{
	return mode == KIPSEC_MODE_TUNNEL ? "tunnel" : "transport";
}

const char *rule_text(const struct rule *r, char *buf, size_t len)
{
	char f[200], p[KIPSEC_ADDR_STRLEN];

	snprintf(buf, len, "rule %u (%s peer %s)", r->id,
		 ike_flow_text(r->conf.proto, &r->conf.src, &r->conf.dst, " -> ", f, sizeof(f)),
		 kipsec_addr_ntop(&r->conf.peer, p, sizeof(p)));
	return buf;
}

struct rule *rule_by_id(uint32_t id)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (r->id == id)
			return r;
	}
	return NULL;
}

struct rule *rule_by_policy(uint32_t pol_id)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (r->pol_out == pol_id)
			return r;
	}
	return NULL;
}

struct rule *rule_for_peer(const struct kipsec_addr *local, const struct kipsec_addr *peer)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (kipsec_addr_eq(&r->conf.peer, peer) && kipsec_addr_eq(&r->conf.local, local))
			return r;
	}
	return NULL;
}

static const char *exchange_name(uint8_t exchange)
{
	return exchange == IKE_P1_AGGRESSIVE ? "aggressive mode" : "main mode";
}

struct rule *rule_for_p1(const struct kipsec_addr *local, const struct kipsec_addr *peer,
			 uint8_t exchange, const struct ike_id *id, char *why, size_t len)
{
	const struct rule *other = NULL, *wrong_id = NULL;
	struct list *pos, *tmp;
	char a[IKE_ID_MAX * 4 + 32], b[IKE_ID_MAX * 4 + 32];

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (!kipsec_addr_eq(&r->conf.peer, peer) || !kipsec_addr_eq(&r->conf.local, local))
			continue;
		if (r->conf.p1_exchange != exchange) {
			other = other ? other : r;
		} else if (id && !ike_id_match(&r->conf.dstid, id->type, id->data, id->len)) {
			wrong_id = wrong_id ? wrong_id : r;
		} else {
			return r;
		}
	}
	if (wrong_id)
		snprintf(why, len, "the peer identifies as %s, our rule for it requires dstid %s",
			 ike_id_text(id, a, sizeof(a)), ike_id_text(&wrong_id->conf.dstid, b, sizeof(b)));
	else if (other)
		snprintf(why, len, "%s request, but our rule for that peer asks for %s",
			 exchange_name(exchange), exchange_name(other->conf.p1_exchange));
	else
		snprintf(why, len, "%s request with no ike rule for that peer", exchange_name(exchange));
	return NULL;
}

/*
 * A quick mode under p1 may serve rule r only if p1 proved what r asks:
 * the same exchange, the same pre-shared key as the rule p1 was made
 * with, and a peer identity r's dstid admits.  Otherwise a peer
 * authenticated with one rule's key could take another rule's flows.
 */
bool rule_fits_p1(const struct rule *r, const struct p1sa *p1)
{
	const struct rule *o = rule_by_id(p1->rule_id);
	uint8_t ex = p1->exchange == ISAKMP_XCHG_AGGR ? IKE_P1_AGGRESSIVE : IKE_P1_MAIN;

	if (r->conf.p1_exchange != ex ||
	    !ike_id_match(&r->conf.dstid, p1->peer_id.type, p1->peer_id.data, p1->peer_id.len))
		return false;
	if (o && o != r && (o->conf.psk_len != r->conf.psk_len ||
			    CRYPTO_memcmp(o->conf.psk, r->conf.psk, r->conf.psk_len)))
		return false;
	return true;
}

/* ---- the kernel side of a rule ---- */

static bool in_sel(const struct ike_sel *s, const struct kipsec_addr *a)
{
	if (s->addr.family != a->family)
		return false;
	for (unsigned int i = 0; i < s->plen; i++) {
		uint8_t bit = 0x80 >> (i % 8);

		if ((s->addr.u.bytes[i / 8] & bit) != (a->u.bytes[i / 8] & bit))
			return false;
	}
	return true;
}

/* Would the rule's outbound flow catch IKE between the gateways? */
static bool covers_ike(const struct ike_rule *c)
{
	return in_sel(&c->src, &c->local) && in_sel(&c->dst, &c->peer) &&
	       (c->proto == 0 || c->proto == IPPROTO_UDP);
}

static void host_sel(struct kipsec_policy *p, const struct kipsec_addr *src,
		     const struct kipsec_addr *dst)
{
	p->src = *src;
	p->dst = *dst;
	p->src_plen = p->dst_plen = (uint8_t)(kipsec_addr_len(src->family) * 8);
}

static struct bypass *bypass_get(const struct kipsec_addr *local, const struct kipsec_addr *peer,
				 char *why, size_t len)
{
	static const uint16_t ports[2] = { 500, 4500 };
	struct list *pos, *tmp;
	struct bypass *b;

	list_for_each_safe(pos, tmp, &bypasses) {
		b = container_of(pos, struct bypass, node);
		if (kipsec_addr_eq(&b->local, local) && kipsec_addr_eq(&b->peer, peer)) {
			b->refs++;
			return b;
		}
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		snprintf(why, len, "out of memory");
		return NULL;
	}
	b->local = *local;
	b->peer = *peer;
	b->refs = 1;
	for (int i = 0; i < 4; i++) {
		struct kipsec_policy p;
		uint16_t port = i / 2 == 0 && ike_port != 500 ? ike_port : ports[i / 2];
		bool out = i % 2 == 0;
		int err;

		memset(&p, 0, sizeof(p));
		if (out)
			host_sel(&p, local, peer);
		else
			host_sel(&p, peer, local);
		p.proto = IPPROTO_UDP;
		p.sport = p.dport = port;
		p.dir = out ? KIPSEC_DIR_OUT : KIPSEC_DIR_IN;
		p.priority = BYPASS_PRIORITY;
		p.action = KIPSEC_ACTION_BYPASS;
		err = kern_policy_add(&p, why, len);
		if (err == -EEXIST)
			continue;	/* the administrator's own: leave it */
		if (err) {
			for (int j = 0; j < i; j++)
				if (b->ids[j])
					kern_policy_del(b->ids[j]);
			free(b);
			return NULL;
		}
		b->ids[i] = p.id;
	}
	list_add_tail(&bypasses, &b->node);
	return b;
}

static void bypass_put(struct bypass *b)
{
	if (!b || --b->refs)
		return;
	for (int i = 0; i < 4; i++)
		if (b->ids[i])
			kern_policy_del(b->ids[i]);
	list_del(&b->node);
	free(b);
}

/* out: src -> dst; in: the mirror (OpenBSD's flows). */
static int flows_add(struct rule *r, char *why, size_t len)
{
	const struct ike_rule *c = &r->conf;
	const struct kipsec_flow f = {
		.src = c->src, .dst = c->dst, .proto = c->proto,
		.action = KIPSEC_ACTION_PROTECT, .level = KIPSEC_LEVEL_REQUIRE,
		.sa_proto = IPPROTO_ESP, .mode = c->mode, .priority = RULE_PRIORITY,
		.reqid = r->reqid, .local = c->local, .peer = c->peer,
	};
	struct kipsec_policy p[2];
	int err;

	kipsec_flow_policies(&f, 0, p);
	err = kern_policy_add(&p[0], why, len);
	if (err)
		return err;
	err = kern_policy_add(&p[1], why, len);
	if (err) {
		kern_policy_del(p[0].id);
		return err;
	}
	r->pol_out = p[0].id;
	r->pol_in = p[1].id;
	return 0;
}

/* ---- adding and removing rules ---- */

static void rule_retry(struct timer *t);

static bool id_ok(const struct ike_id *id)
{
	if (!id->type)
		return !id->len;
	return ike_id_sane(id->type, id->len) && !memchr(id->data, 0, id->len);
}

static bool id_named(const struct ike_id *id)
{
	return id->type == IKE_ID_FQDN || id->type == IKE_ID_USER_FQDN;
}

static int check(const struct ike_rule *c, char *msg, size_t len)
{
	char g[32];

	if (c->sa_proto != IPPROTO_ESP || (c->mode != KIPSEC_MODE_TUNNEL &&
					    c->mode != KIPSEC_MODE_TRANSPORT)) {
		snprintf(msg, len, "only esp in tunnel or transport mode");
		return -EINVAL;
	}
	if (c->start < IKE_START_ACTIVE || c->start > IKE_START_DYNAMIC ||
	    (c->p1_exchange != IKE_P1_MAIN && c->p1_exchange != IKE_P1_AGGRESSIVE)) {
		snprintf(msg, len, "unknown negotiation mode");
		return -EINVAL;
	}
	if (!id_ok(&c->srcid) || !id_ok(&c->dstid)) {
		snprintf(msg, len, "bad srcid or dstid");
		return -EINVAL;
	}
	/* RFC 2409 §5.4: Main Mode's PSK is chosen by address, before the ID. */
	if (c->p1_exchange == IKE_P1_MAIN && (id_named(&c->srcid) || id_named(&c->dstid))) {
		snprintf(msg, len, "main mode with a pre-shared key identifies peers by address (RFC 2409 §5.4)");
		return -EINVAL;
	}
	if (!c->peer.family || !c->src.addr.family || c->src.addr.family != c->dst.addr.family ||
	    (c->local.family && c->local.family != c->peer.family) ||
	    c->src.plen > kipsec_addr_len(c->src.addr.family) * 8 ||
	    c->dst.plen > kipsec_addr_len(c->dst.addr.family) * 8) {
		snprintf(msg, len, "bad addresses");
		return -EINVAL;
	}
	if (!c->psk_len || c->psk_len > IKE_PSK_MAX) {
		snprintf(msg, len, "a pre-shared key is needed");
		return -EINVAL;
	}
	if (!cipher_key_len(c->p1_enc, c->p1_enc_bits) || !hash_len(c->p1_hash) ||
	    !dh_supported(c->p1_group)) {
		snprintf(msg, len, "phase 1 algorithms not supported");
		return -EINVAL;
	}
	if (!ike_p2_enc_by_id(c->p2_enc, c->p2_enc_bits) ||
	    (c->p2_auth && !ike_p2_auth_by_id(c->p2_auth)) ||
	    (c->p2_group && !dh_supported(c->p2_group))) {
		snprintf(msg, len, "phase 2 algorithms not supported (group %s)",
			 ike_group_name(c->p2_group, g, sizeof(g)));
		return -EINVAL;
	}
	if (!c->p1_lifetime || !c->p2_lifetime) {
		snprintf(msg, len, "lifetimes must be above 0");
		return -EINVAL;
	}
	if (c->dpd_delay && !c->dpd_timeout) {
		snprintf(msg, len, "dpd delay without a timeout");
		return -EINVAL;
	}
	return 0;
}

int rule_add(const struct ike_rule *conf, char *msg, size_t len)
{
	char text[256], why[256];
	struct list *pos, *tmp;
	struct rule *r;
	int err;

	err = check(conf, msg, len);
	if (err)
		return err;
	list_for_each_safe(pos, tmp, &rules) {
		r = container_of(pos, struct rule, node);
		if (ike_rule_same(&r->conf, conf)) {
			snprintf(msg, len, "the same ike rule is already loaded (rule %u)", r->id);
			return -EEXIST;
		}
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		snprintf(msg, len, "out of memory");
		return -ENOMEM;
	}
	r->conf = *conf;
	list_init(&r->retry.node);
	r->retry.fn = rule_retry;
	r->id = next_rule_id++;
	r->reqid = REQID_BASE + r->id;
	if (!r->conf.local.family && net_route_src(&r->conf.peer, &r->conf.local)) {
		char p[KIPSEC_ADDR_STRLEN];

		snprintf(msg, len, "no route to the peer %s: give local",
			 kipsec_addr_ntop(&r->conf.peer, p, sizeof(p)));
		err = -EHOSTUNREACH;
		goto fail;
	}
	/* Route-based: what is routed into the interface is the traffic; no flows. */
	err = r->conf.ifindex ? 0 : flows_add(r, why, sizeof(why));
	if (err) {
		snprintf(msg, len, "the kernel refused the rule's flows: %s", why);
		goto fail;
	}
	if (!r->conf.ifindex && covers_ike(&r->conf)) {
		r->bypass = bypass_get(&r->conf.local, &r->conf.peer, why, sizeof(why));
		if (!r->bypass) {
			kern_policy_del(r->pol_out);
			kern_policy_del(r->pol_in);
			snprintf(msg, len, "the kernel refused the IKE bypass flows: %s", why);
			err = -EINVAL;
			goto fail;
		}
	}
	list_add_tail(&rules, &r->node);
	log_info("loaded %s, %s, %s", rule_text(r, text, sizeof(text)), mode_name_of(r->conf.mode),
		 r->conf.start == IKE_START_ACTIVE ? "active" :
		 r->conf.start == IKE_START_PASSIVE ? "passive" : "dynamic");
	if (r->conf.start == IKE_START_ACTIVE)
		rule_negotiate(r, "active rule");
	return 0;
fail:
	explicit_bzero(r, sizeof(*r));
	free(r);
	return err;
}

static void rule_remove(struct rule *r)
{
	struct list *pos, *tmp;
	char text[256];

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->rule_id == r->id)
			p2_remove(p2, true);
	}
	timer_stop(&r->retry);
	if (r->pol_out)
		kern_policy_del(r->pol_out);
	if (r->pol_in)
		kern_policy_del(r->pol_in);
	bypass_put(r->bypass);
	list_del(&r->node);
	log_info("removed %s", rule_text(r, text, sizeof(text)));
	/* The ISAKMP SAs with that peer go with the last rule naming it. */
	if (!rule_for_peer(&r->conf.local, &r->conf.peer)) {
		list_for_each_safe(pos, tmp, &p1sas) {
			struct p1sa *p1 = container_of(pos, struct p1sa, node);

			if (kipsec_addr_eq(&p1->peer, &r->conf.peer) && kipsec_addr_eq(&p1->local, &r->conf.local))
				p1_delete(p1, true);
		}
	}
	explicit_bzero(r, sizeof(*r));
	free(r);
}

int rule_del(const struct ike_rule *conf, char *msg, size_t len)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (ike_rule_same(&r->conf, conf)) {
			rule_remove(r);
			return 0;
		}
	}
	snprintf(msg, len, "no such ike rule is loaded");
	return -ENOENT;
}

void rule_flush(void)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &rules)
		rule_remove(container_of(pos, struct rule, node));
}

/* ---- when to negotiate ---- */

/*
 * One ISAKMP SA per pair of addresses: a rule whose exchange, key or
 * dstid differ from those of the SA there cannot use it (rule_fits_p1).
 */
static void unfit(const struct rule *r, const struct p1sa *p1)
{
	char text[256];

	log_err("%s: cannot negotiate: the ISAKMP SA %08x with this peer was made for another rule (another exchange, key or identity), and ipsecd keeps one per pair of addresses",
		rule_text(r, text, sizeof(text)), p1->id);
}

void rule_negotiate(struct rule *r, const char *why)
{
	struct p1sa *p1 = p1_find(&r->conf.local, &r->conf.peer, false);
	char text[256];

	log_info("%s: negotiating (%s)", rule_text(r, text, sizeof(text)), why);
	if (p1 && !rule_fits_p1(r, p1)) {
		unfit(r, p1);
		return;
	}
	if (p1) {
		p2_initiate(p1, r);
		return;
	}
	r->want_p2 = true;
	if (!p1_find(&r->conf.local, &r->conf.peer, true))
		p1_initiate(r);
}

static bool of_peer(const struct rule *r, const struct kipsec_addr *local,
		    const struct kipsec_addr *peer)
{
	return kipsec_addr_eq(&r->conf.peer, peer) && kipsec_addr_eq(&r->conf.local, local);
}

void rules_p1_up(const struct kipsec_addr *local, const struct kipsec_addr *peer)
{
	struct p1sa *p1 = p1_find(local, peer, false);
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (!of_peer(r, local, peer))
			continue;
		r->backoff_s = 0;
		timer_stop(&r->retry);
		if (!r->want_p2)
			continue;
		r->want_p2 = false;
		/* The peer may have started the same one over its own SA. */
		if (p1 && !p2_of_rule(r->id) && !rule_fits_p1(r, p1))
			unfit(r, p1);
		else if (p1 && !p2_of_rule(r->id))
			p2_initiate(p1, r);
	}
}

static void rule_retry(struct timer *t)
{
	struct rule *r = container_of(t, struct rule, retry);

	if (!p2_of_rule(r->id) && !r->want_p2)
		rule_negotiate(r, r->backoff_s ? "active rule: trying again after a failed phase 1" :
			       "active rule: the peer negotiated no SA pair");
}

/* Active rules try again, with backoff, until the peer answers. */
void rules_p1_failed(const struct kipsec_addr *local, const struct kipsec_addr *peer)
{
	struct list *pos, *tmp;
	char text[256];

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (!of_peer(r, local, peer))
			continue;
		r->want_p2 = false;
		if (r->conf.start != IKE_START_ACTIVE || r->retry.armed)
			continue;
		r->backoff_s = !r->backoff_s ? RETRY_FIRST_S :
			       r->backoff_s * 2 > RETRY_MAX_S ? RETRY_MAX_S : r->backoff_s * 2;
		log_info("%s: phase 1 failed: active rule, trying again in %u s",
			 rule_text(r, text, sizeof(text)), r->backoff_s);
		timer_arm(&r->retry, (uint64_t)r->backoff_s * 1000);
	}
}

/*
 * later: the peer has just started a phase 1 with us and will most likely
 * start its quick mode too; ours waits RESET_WAIT_MS for it, so that both
 * sides do not negotiate a pair each.
 */
#define RESET_WAIT_MS	2000

void rules_peer_reset(const struct kipsec_addr *local, const struct kipsec_addr *peer,
		      const char *why, bool later)
{
	struct list *pos, *tmp;
	char text[256], cause[256];

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);

		if (!of_peer(r, local, peer) || p2_of_rule(r->id))
			continue;
		r->want_p2 = false;
		if (r->conf.start == IKE_START_ACTIVE && later) {
			log_info("%s: %s: active rule, negotiates in %u s unless the peer does",
				 rule_text(r, text, sizeof(text)), why, RESET_WAIT_MS / 1000);
			r->backoff_s = 0;
			timer_arm(&r->retry, RESET_WAIT_MS);
		} else if (r->conf.start == IKE_START_ACTIVE) {
			snprintf(cause, sizeof(cause), "%s: active rule", why);
			rule_negotiate(r, cause);
		} else {
			log_info("%s: %s: %s", rule_text(r, text, sizeof(text)), why,
				 r->conf.start == IKE_START_DYNAMIC ? "dynamic rule, waits for traffic" :
				 "passive rule, waits for the peer");
		}
	}
}
