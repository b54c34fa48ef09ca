// SPDX-License-Identifier: GPL-2.0
/*
 * Stateful libFuzzer harness over ipsecd's exchange layer: a real
 * initiator and a real responder (phase1.c, phase2.c, info.c, rule.c,
 * kernel.c ... linked unchanged) negotiate Main Mode or Aggressive Mode
 * (with FQDN and user FQDN identities), then Quick Mode, in one
 * process, and the fuzz input says which of their datagrams to mutate and
 * how.  Every input starts from a genuine exchange, so a mutation of
 * message 5 meets a responder really waiting for message 5 with keys.
 *
 * Two daemons in one process: ipsecd's state is a few global lists (SAs,
 * rules, timers) and its counters; each side keeps its own set in a
 * struct world, swapped into the globals while that side runs.  The UDP
 * socket is a queue between the two (net_send), the kernel is
 * tests/unit/fake_nl.c, the clock is ours, and all randomness (cookies,
 * nonces, message IDs, Diffie-Hellman) comes from a generator seeded by
 * the input (random_set_source), so an input replays byte for byte.
 *
 * Input: cfg, seed (2 bytes), then operations of 5 bytes
 *   kind, message index, position (2 bytes, big endian), value
 * applied to the index-th datagram delivered (see apply()).  An input
 * without operations is a genuine exchange: both sides must end with an
 * installed SA pair of matching keys, or the harness aborts; so must one
 * that only loses one datagram (retransmission recovers it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_nl.h"
#include "ike_alg.h"
#include "ipsecd.h"

struct ipsecd_stats stats;
uint16_t ike_port = 500;
bool stopping;

/* ---- main.c's clock, our own (timer.c's timers run on it) ---- */

static uint64_t clock_ms;

uint64_t now_ms(void)
{
	return clock_ms;
}

int loop_add_fd(int fd)
{
	(void)fd;
	return 0;
}

void loop_del_fd(int fd)
{
	(void)fd;
}

/* ---- the seeded generator (splitmix64) ---- */

static uint64_t rng_state;

static int rng_bytes(void *p, size_t n)
{
	uint8_t *o = p;

	while (n) {
		uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
		size_t k = n < 8 ? n : 8;

		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		z ^= z >> 31;
		memcpy(o, &z, k);
		o += k;
		n -= k;
	}
	return 0;
}

/* ---- two daemons: their state, swapped into ipsecd's globals ---- */

struct world {
	struct list p1sas, p2sas, rules, timers;
	struct ipsecd_stats stats;
	struct kipsec_addr addr;
};

static struct world worlds[2];
static struct world *cur;

/* Moves every element of from to the empty head to. */
static void list_move_all(struct list *from, struct list *to)
{
	if (from->next == from) {
		list_init(to);
		return;
	}
	to->next = from->next;
	to->prev = from->prev;
	to->next->prev = to;
	to->prev->next = to;
	list_init(from);
}

static void list_swap(struct list *a, struct list *b)
{
	struct list t;

	list_move_all(a, &t);
	list_move_all(b, a);
	list_move_all(&t, b);
}

static void swap_world(struct world *w)
{
	struct ipsecd_stats s = stats;

	list_swap(&p1sas, &w->p1sas);
	list_swap(&p2sas, &w->p2sas);
	list_swap(&rules, &w->rules);
	list_swap(&timers, &w->timers);
	stats = w->stats;
	w->stats = s;
}

static void enter(struct world *w)
{
	if (cur == w)
		return;
	if (cur)
		swap_world(cur);
	if (w)
		swap_world(w);
	cur = w;
}

static struct world *world_of(const struct kipsec_addr *a)
{
	for (int i = 0; i < 2; i++)
		if (kipsec_addr_eq(&worlds[i].addr, a))
			return &worlds[i];
	return NULL;
}

/* ---- the wire: a queue of datagrams ---- */

#define QUEUE_MAX	32
#define DELIVER_MAX	48

struct dgram {
	struct kipsec_addr from, to;
	size_t len;
	uint8_t *p;
	bool natt;		/* between the NAT-T ports */
};

static struct dgram queue[QUEUE_MAX];
static size_t q_head, q_len;

int net_send(const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	     bool natt, const uint8_t *p, size_t len)
{
	struct dgram *d;

	(void)port;
	if (q_len == QUEUE_MAX)
		return -1;	/* the network lost it */
	d = &queue[(q_head + q_len) % QUEUE_MAX];
	d->p = malloc(len ? len : 1);
	if (!d->p)
		return -1;
	memcpy(d->p, p, len);
	d->len = len;
	d->from = *local;
	d->to = *peer;
	d->natt = natt;
	q_len++;
	stats.tx_packets++;
	return 0;
}

int net_send_keepalive(const struct kipsec_addr *local, const struct kipsec_addr *peer,
		       uint16_t port)
{
	(void)local;
	(void)peer;
	(void)port;
	return 0;
}

int net_route_src(const struct kipsec_addr *peer, struct kipsec_addr *local)
{
	(void)peer;
	(void)local;
	return -1;	/* every rule of ours names its local address */
}

static bool q_pop(struct dgram *d)
{
	if (!q_len)
		return false;
	*d = queue[q_head];
	q_head = (q_head + 1) % QUEUE_MAX;
	q_len--;
	return true;
}

static void q_flush(void)
{
	struct dgram d;

	while (q_pop(&d))
		free(d.p);
	q_head = 0;
}

/* An exact-size copy reaches ipsecd: any read past the datagram is caught. */
static void deliver(const struct dgram *d)
{
	struct world *w = world_of(&d->to);
	uint8_t *copy;

	if (!w)
		return;
	copy = malloc(d->len ? d->len : 1);
	if (!copy)
		return;
	memcpy(copy, d->p, d->len);
	enter(w);
	ike_dispatch(copy, d->len, &d->to, &d->from, d->natt ? natt_port : ike_port, d->natt);
	free(copy);
}

static void run_timers(void)
{
	for (int i = 0; i < 2; i++) {
		enter(&worlds[i]);
		timers_run(clock_ms);
	}
}

/* ---- configurations: what the two rules agree on ---- */

struct config {
	uint16_t p1_enc, p1_bits, p1_hash, p1_group;
	uint16_t p2_enc, p2_bits, p2_auth, p2_group;
	uint8_t mode;
	bool v6;
	bool aggr;		/* aggressive mode, identities by name */
};

static const struct config configs[] = {
	{ IKE_ENC_AES_CBC, 128, IKE_HASH_SHA1, 2, ESP_AES_GCM_16, 128, 0, 0,
	  KIPSEC_MODE_TUNNEL, false, false },
	{ IKE_ENC_AES_CBC, 256, IKE_HASH_SHA2_256, 14, ESP_AES_CBC, 128, AUTH_HMAC_SHA2_256, 2,
	  KIPSEC_MODE_TRANSPORT, false, false },
	{ IKE_ENC_3DES_CBC, 0, IKE_HASH_MD5, 2, ESP_3DES, 0, AUTH_HMAC_SHA1, 19,
	  KIPSEC_MODE_TUNNEL, true, false },
	{ IKE_ENC_AES_CBC, 192, IKE_HASH_SHA2_512, 19, ESP_AES_GCM_8, 256, 0, 0,
	  KIPSEC_MODE_TRANSPORT, true, false },
	{ IKE_ENC_AES_CBC, 128, IKE_HASH_SHA2_256, 14, ESP_AES_GCM_16, 128, 0, 0,
	  KIPSEC_MODE_TUNNEL, false, true },
	{ IKE_ENC_3DES_CBC, 0, IKE_HASH_SHA1, 2, ESP_AES_CBC, 256, AUTH_HMAC_SHA1, 2,
	  KIPSEC_MODE_TRANSPORT, true, true },
};

/* Aggressive mode: gw<host>.example.org, or user<host>@example.org in IPv6. */
static void host_id(struct ike_id *id, const struct config *c, uint8_t host)
{
	char s[64], why[128];

	snprintf(s, sizeof(s), c->v6 ? "user%u@example.org" : "gw%u.example.org", host);
	if (ike_id_parse(s, id, why, sizeof(why)))
		abort();
}

static void gw_addr(struct kipsec_addr *a, bool v6, uint8_t host)
{
	memset(a, 0, sizeof(*a));
	a->family = v6 ? AF_INET6 : AF_INET;
	if (v6) {
		a->u.bytes[0] = 0x20;
		a->u.bytes[1] = 0x01;
		a->u.bytes[2] = 0x0d;
		a->u.bytes[3] = 0xb8;
		a->u.bytes[15] = host;
	} else {
		a->u.bytes[0] = 192;
		a->u.bytes[2] = 2;
		a->u.bytes[3] = host;
	}
}

/* Tunnel: 10.<host>.0.0/16 (fd00:<host>::/32); transport: the gateway. */
static void net_sel(struct ike_sel *s, const struct config *c, uint8_t host)
{
	memset(s, 0, sizeof(*s));
	if (c->mode == KIPSEC_MODE_TRANSPORT) {
		gw_addr(&s->addr, c->v6, host);
		s->plen = c->v6 ? 128 : 32;
		return;
	}
	s->addr.family = c->v6 ? AF_INET6 : AF_INET;
	s->addr.u.bytes[0] = c->v6 ? 0xfd : 10;
	s->addr.u.bytes[c->v6 ? 3 : 1] = host;
	s->plen = c->v6 ? 32 : 16;
}

static void add_rule(struct world *w, const struct config *c, uint8_t me, uint8_t peer,
		     uint8_t start)
{
	static const char psk[] = "fuzzing the exchange";
	struct ike_rule r;
	char msg[256];

	memset(&r, 0, sizeof(r));
	r.start = start;
	r.sa_proto = IPPROTO_ESP;
	r.mode = c->mode;
	net_sel(&r.src, c, me);
	net_sel(&r.dst, c, peer);
	gw_addr(&r.local, c->v6, me);
	gw_addr(&r.peer, c->v6, peer);
	r.p1_exchange = c->aggr ? IKE_P1_AGGRESSIVE : IKE_P1_MAIN;
	if (c->aggr) {
		host_id(&r.srcid, c, me);
		host_id(&r.dstid, c, peer);
	}
	r.p1_enc = c->p1_enc;
	r.p1_enc_bits = c->p1_bits;
	r.p1_hash = c->p1_hash;
	r.p1_group = c->p1_group;
	r.p1_lifetime = 3600;
	r.p2_enc = c->p2_enc;
	r.p2_enc_bits = c->p2_bits;
	r.p2_auth = c->p2_auth;
	r.p2_group = c->p2_group;
	r.p2_lifetime = 1200;
	r.psk_len = sizeof(psk) - 1;
	memcpy(r.psk, psk, r.psk_len);
	enter(w);
	if (rule_add(&r, msg, sizeof(msg)))
		abort();	/* the harness's own configuration is wrong */
}

/* ---- mutations ---- */

enum op_kind {
	OP_TRUNCATE,	/* the datagram cut to pos bytes, its header saying so */
	OP_SET,		/* byte pos := val */
	OP_FLIP,	/* byte pos ^= val (1 if 0) */
	OP_DROP,	/* lost */
	OP_DUP,		/* delivered twice */
	OP_INSERT,	/* val bytes of the input inserted at pos */
	OP_PLAIN_SET,	/* decrypted, byte pos := val, encrypted again */
	OP_PLAIN_CUT,	/* decrypted, cut to pos blocks, encrypted again */
	OP_PLAIN_RESEAL,	/* PLAIN_SET, then HASH(1)/(2) made to verify */
	OP_TIMERS,	/* before it: the clock runs pos * 10 ms, timers fire */
	OP_EXPIRE,	/* before it: the kernel says an SA's lifetime ran out */
	OP_FORGE,	/* before it: a copy, ciphertext byte pos ^= val, arrives */
	OP_KINDS
};

/*
 * Datagrams from Main Mode message 6 on (MM1..MM5 are 0..4): a forgery of
 * any of them, arriving before the genuine one, must change nothing (a
 * message that fails decryption or HASH leaves the exchange as it was).
 * Message 5 is not among them: a responder that cannot decrypt it fails at
 * once, as a wrong pre-shared key looks just the same.
 */
#define FORGE_HARMLESS_FROM	5

struct op {
	uint8_t kind, idx, val;
	uint16_t pos;
	const uint8_t *data;	/* OP_INSERT */
	size_t data_len;
};

#define OPS_MAX	16

/* The receiver's view of an encrypted message: its ISAKMP SA and IV. */
static struct p1sa *receiver_keys(const struct isakmp_hdr *h, uint8_t *iv, struct p2sa **p2)
{
	struct p1sa *p1 = p1_by_cookies(h->icookie, h->rcookie);

	*p2 = NULL;
	if (!p1 || !p1->k.enc_len || !p1->k.block)
		return NULL;
	if (h->exchange == ISAKMP_XCHG_IDPROT) {
		memcpy(iv, p1->iv, p1->k.block);
		return p1;
	}
	*p2 = h->exchange == ISAKMP_XCHG_QUICK ? p2_by_msgid(p1->id, h->msgid) : NULL;
	if (*p2) {
		memcpy(iv, (*p2)->iv, p1->k.block);
		return p1;
	}
	if (p2_iv(p1->hash, p1->iv, p1->k.block, h->msgid, iv))
		return NULL;
	return p1;
}

/*
 * HASH(1) of quick mode and informational messages, HASH(2) when the
 * receiver is the quick mode initiator (RFC 2409 §5.5, §5.7), over the
 * mutated payloads; HASH(3) covers only nonces and stays as it is.
 */
static void reseal(const struct p1sa *p1, const struct p2sa *p2, const struct isakmp_hdr *h,
		   uint8_t *body, size_t len)
{
	static struct isakmp_msg m;
	const struct payload *hp, *last;
	uint8_t mid[4], out[IKE_HASH_MAX];
	struct iov v[3];
	size_t n = 0;

	if (h->exchange == ISAKMP_XCHG_IDPROT || (p2 && p2->state != P2_I_QM1))
		return;
	if (isakmp_parse_payloads(h->np, body, len, true, &m) || m.n < 2)
		return;
	hp = &m.pl[0];
	last = &m.pl[m.n - 1];
	if (hp->type != ISAKMP_NP_HASH || hp->len != p1->k.prf_len)
		return;
	put32(mid, h->msgid);
	v[n++] = (struct iov){ mid, 4 };
	if (p2)
		v[n++] = (struct iov){ p2->ni, p2->ni_len };
	v[n++] = (struct iov){ hp->raw + hp->raw_len,
			       (size_t)(last->raw + last->raw_len - (hp->raw + hp->raw_len)) };
	if (!prf_iov(p1->hash, p1->k.skeyid_a, p1->k.prf_len, v, n, out))
		memcpy((uint8_t *)hp->body, out, p1->k.prf_len);
}

/*
 * A datagram whose length changed says so in its header (RFC 2408 §3.1):
 * a sender crafts a consistent one, and the mutation gets past the
 * header check to the exchange.
 */
static void fix_len(struct dgram *d)
{
	if (d->len >= ISAKMP_HDR_LEN)
		put32(d->p + 24, (uint32_t)d->len);
}

/* Decrypt as the receiver will, change the plaintext, encrypt it again. */
static void plain_op(struct dgram *d, const struct op *o)
{
	uint8_t iv[IKE_BLOCK_MAX], iv2[IKE_BLOCK_MAX];
	struct isakmp_hdr h;
	struct p1sa *p1;
	struct p2sa *p2;
	size_t blk, len;

	if (isakmp_parse_hdr(d->p, d->len, &h) || !(h.flags & ISAKMP_FLAG_ENC) ||
	    !world_of(&d->to))
		return;
	enter(world_of(&d->to));
	p1 = receiver_keys(&h, iv, &p2);
	if (!p1)
		return;
	blk = p1->k.block;
	len = d->len - ISAKMP_HDR_LEN;
	if (!len || len % blk)
		return;
	memcpy(iv2, iv, blk);
	if (cipher_cbc(p1->enc, p1->k.enc, p1->k.enc_len, iv2, d->p + ISAKMP_HDR_LEN, len, false))
		return;
	if (o->kind == OP_PLAIN_CUT) {
		len = (o->pos % (len / blk + 1)) * blk;
		d->len = ISAKMP_HDR_LEN + len;
		fix_len(d);
	} else {
		d->p[ISAKMP_HDR_LEN + o->pos % len] = o->val;
		if (o->kind == OP_PLAIN_RESEAL)
			reseal(p1, p2, &h, d->p + ISAKMP_HDR_LEN, len);
	}
	if (len)
		cipher_cbc(p1->enc, p1->k.enc, p1->k.enc_len, iv, d->p + ISAKMP_HDR_LEN, len, true);
}

static void insert(struct dgram *d, const struct op *o)
{
	size_t at = d->len ? o->pos % (d->len + 1) : 0;
	uint8_t *p = malloc(d->len + o->data_len + 1);

	if (!p)
		return;
	memcpy(p, d->p, at);
	memcpy(p + at, o->data, o->data_len);
	memcpy(p + at + o->data_len, d->p + at, d->len - at);
	free(d->p);
	d->p = p;
	d->len += o->data_len;
	fix_len(d);
}

/* The kernel's EXPIRE of the first installed SA of the receiver. */
static void expire(struct world *w, const struct op *o)
{
	struct list *pos, *tmp;

	enter(w);
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);
		struct kipsec_event *e = &fake.events[0];

		if (p2->state != P2_INSTALLED)
			continue;
		memset(e, 0, sizeof(*e));
		e->cmd = KIPSEC_CMD_EXPIRE;
		e->has_sa = true;
		e->hard = o->val & 1;
		e->sa.dst = o->val & 2 ? p2->peer : p2->local;
		e->sa.spi = o->val & 2 ? p2->spi_out : p2->spi_in;
		fake.nevents = 1;
		kern_events();
		return;
	}
}

/*
 * What an attacker who sees the cookies and message ID can send: the same
 * header, a body that is not ours (RFC 2408 §3.1 puts no integrity on the
 * header).  Delivered ahead of the genuine datagram.
 */
static void forge(const struct dgram *d, const struct op *o)
{
	struct dgram f = *d;
	size_t body;

	if (d->len <= ISAKMP_HDR_LEN || !(d->p[19] & ISAKMP_FLAG_ENC))
		return;
	f.p = malloc(d->len);
	if (!f.p)
		return;
	memcpy(f.p, d->p, d->len);
	body = d->len - ISAKMP_HDR_LEN;
	f.p[ISAKMP_HDR_LEN + o->pos % body] ^= o->val ? o->val : 1;
	deliver(&f);
	free(f.p);
}

/* Returns false when the datagram is not to be delivered. */
static bool apply(struct dgram *d, const struct op *o)
{
	switch (o->kind) {
	case OP_TRUNCATE:
		d->len = d->len ? o->pos % d->len : 0;
		fix_len(d);
		break;
	case OP_SET:
		if (d->len)
			d->p[o->pos % d->len] = o->val;
		break;
	case OP_FLIP:
		if (d->len)
			d->p[o->pos % d->len] ^= o->val ? o->val : 1;
		break;
	case OP_DROP:
		return false;
	case OP_INSERT:
		insert(d, o);
		break;
	case OP_PLAIN_SET:
	case OP_PLAIN_CUT:
	case OP_PLAIN_RESEAL:
		plain_op(d, o);
		break;
	case OP_TIMERS:
		clock_ms += (uint64_t)o->pos * 10;
		run_timers();
		break;
	case OP_EXPIRE:
		if (world_of(&d->to))
			expire(world_of(&d->to), o);
		break;
	case OP_FORGE:
		forge(d, o);
		break;
	}
	return true;
}

/* Whether the input only forges messages whose forgery must do no harm. */
static bool harmless_forgeries(const struct op *ops, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ops[i].kind != OP_FORGE || ops[i].idx < FORGE_HARMLESS_FROM)
			return false;
	return n > 0;
}

/* One datagram lost: retransmission must still complete the exchange. */
static bool one_loss(const struct op *ops, size_t n)
{
	return n == 1 && ops[0].kind == OP_DROP;
}

static size_t parse_ops(const uint8_t *p, size_t len, struct op *ops)
{
	size_t n = 0;

	while (len >= 5 && n < OPS_MAX) {
		struct op *o = &ops[n++];

		o->kind = p[0] % OP_KINDS;
		o->idx = p[1];
		o->pos = get16(p + 2);
		o->val = p[4];
		p += 5;
		len -= 5;
		o->data = p;
		o->data_len = 0;
		if (o->kind == OP_INSERT) {
			o->data_len = o->val < len ? o->val : len;
			p += o->data_len;
			len -= o->data_len;
		}
	}
	return n;
}

/* ---- one run ---- */

static bool installed(struct world *w)
{
	struct list *pos, *tmp;

	enter(w);
	list_for_each_safe(pos, tmp, &p2sas)
		if (container_of(pos, struct p2sa, node)->state == P2_INSTALLED)
			return true;
	return false;
}

/* Each side's phase 1 was of the configuration's exchange, its peer's identity verified. */
static void check_exchange(struct world *w, const struct config *c)
{
	struct list *pos, *tmp;

	enter(w);
	list_for_each_safe(pos, tmp, &p1sas) {
		const struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (p1->state != P1_ESTABLISHED)
			continue;
		if (p1->exchange != (c->aggr ? ISAKMP_XCHG_AGGR : ISAKMP_XCHG_IDPROT) ||
		    (c->aggr && p1->peer_id.type != (c->v6 ? ID_USER_FQDN : ID_FQDN)))
			abort();
	}
}

/* A genuine exchange ends with two SA pairs whose keys match, one by one. */
static void check_genuine(const struct config *c)
{
	if (!installed(&worlds[0]) || !installed(&worlds[1]) || fake.nsas != 4)
		abort();
	check_exchange(&worlds[0], c);
	check_exchange(&worlds[1], c);
	for (int i = 0; i < 4; i++) {
		int twins = 0;

		for (int j = 0; j < 4; j++)
			twins += fake.sas[i].spi == fake.sas[j].spi &&
				 kipsec_addr_eq(&fake.sas[i].dst, &fake.sas[j].dst) &&
				 fake.sas[i].enc.key_len == fake.sas[j].enc.key_len &&
				 !memcmp(fake.sas[i].enc.key, fake.sas[j].enc.key,
					 fake.sas[i].enc.key_len) &&
				 !memcmp(fake.sas[i].auth.key, fake.sas[j].auth.key,
					 sizeof(fake.sas[i].auth.key));
		if (twins != 2)
			abort();
	}
}

/* As ipsecd's shutdown: rules, then every SA; nothing may be left over. */
static void teardown(void)
{
	for (int i = 0; i < 2; i++) {
		struct list *pos, *tmp;

		enter(&worlds[i]);
		rule_flush();
		list_for_each_safe(pos, tmp, &p2sas)
			p2_remove(container_of(pos, struct p2sa, node), true);
		list_for_each_safe(pos, tmp, &p1sas)
			p1_delete(container_of(pos, struct p1sa, node), true);
		if (p1sas.next != &p1sas || p2sas.next != &p2sas || timers.next != &timers ||
		    rules.next != &rules)
			abort();
	}
	enter(NULL);
	q_flush();
}

/* World 0 initiates (192.0.2.1), world 1 answers (192.0.2.2). */
static void setup(const struct config *c)
{
	fake_reset();
	/* cookie.c's records and secret are the responder's too: each input anew. */
	half_open_flush();
	memset(worlds, 0, sizeof(worlds));
	for (int i = 0; i < 2; i++) {
		list_init(&worlds[i].p1sas);
		list_init(&worlds[i].p2sas);
		list_init(&worlds[i].rules);
		list_init(&worlds[i].timers);
		gw_addr(&worlds[i].addr, c->v6, (uint8_t)(i + 1));
	}
	clock_ms = 1000000;
	/* The responder's rule first: the initiator's sends message 1 at once. */
	add_rule(&worlds[1], c, 2, 1, IKE_START_PASSIVE);
	add_rule(&worlds[0], c, 1, 2, IKE_START_ACTIVE);
}

/*
 * When nothing is in flight the clock jumps, up to three times, past the
 * next retransmission (1 s, then 2 s): a lost message is resent, as on a
 * real network, and the exchange may still complete.
 */
#define IDLE_ROUNDS	3
#define IDLE_STEP_MS	2100

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	log_open(false, -LOG_L_DEBUG - 1);	/* silent: below errors */
	if (crypto_init() || natt_init() || kern_open())
		abort();
	random_set_source(rng_bytes);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct op ops[OPS_MAX];
	const struct config *c;
	size_t nops, delivered = 0;
	unsigned int idle = 0;
	struct dgram d;

	if (size < 3)
		return 0;
	c = &configs[data[0] % (sizeof(configs) / sizeof(configs[0]))];
	rng_state = get16(data + 1);
	nops = parse_ops(data + 3, size - 3, ops);
	setup(c);
	for (;;) {
		bool pass = true, dup = false;

		if (delivered >= DELIVER_MAX)
			break;
		/* Nothing in flight: time passes, a retransmission may go. */
		if (!q_pop(&d)) {
			if (idle++ >= IDLE_ROUNDS || (installed(&worlds[0]) && installed(&worlds[1])))
				break;
			clock_ms += IDLE_STEP_MS;
			run_timers();
			continue;
		}

		for (size_t i = 0; i < nops; i++) {
			if (ops[i].idx != delivered)
				continue;
			pass = apply(&d, &ops[i]) && pass;
			dup |= ops[i].kind == OP_DUP;
		}
		if (pass)
			deliver(&d);
		if (pass && dup)
			deliver(&d);
		free(d.p);
		delivered++;
	}
	if (!nops || harmless_forgeries(ops, nops) || one_loss(ops, nops))
		check_genuine(c);
	teardown();
	return 0;
}
