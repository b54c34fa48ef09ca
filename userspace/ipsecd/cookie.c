// SPDX-License-Identifier: GPL-2.0
/*
 * The responder's defence against half-open floods: stateless responder
 * cookies and a bounded cache of what message 3 cannot repeat.
 *
 * RFC 2408 §2.5.3 asks that a cookie be a hash of the peer's address and
 * port and a local secret, so that a responder can tell, without state,
 * that an initiator received what was sent to the address it claims.  Ours
 * is CKY-R = HMAC-SHA256(secret, peer address | peer port | CKY-I),
 * truncated to 8 bytes.  The secret changes every COOKIE_ROTATE_MS and the
 * previous one is still accepted, so a cookie stays good for one to two
 * periods: far longer than a message 2 / message 3 round trip.
 *
 * A cookie alone is not enough for Main Mode: HASH_I and HASH_R cover
 * SAi_b, the body of the initiator's SA payload (RFC 2409 §5), which only
 * message 1 carries.  So message 1 leaves one small record: the cookie
 * pair, the peer, and the SAi_b bytes, nothing else (no keys, no timer, no
 * message to resend).  The records are bounded in number, in bytes, and
 * per peer address; the oldest one gives way to a new one.  A forged
 * message 1 therefore costs us one HMAC, one answer of at most its own
 * size, and a record that the next forged one may evict; it can never
 * cause a retransmission, and it never blocks a genuine message 1, which
 * is always answered.  The genuine initiator's record survives as long as
 * fewer than HALF_OPEN_PER_PEER forged message 1s from its own address, or
 * HALF_OPEN_MAX from anywhere, arrive before its message 3: at 200 forged
 * datagrams a second, seconds, where its message 3 follows its message 1
 * by one round trip.  Only at message 3, whose responder cookie verifies
 * and whose record is found, does the real phase 1 state come to be.
 *
 * Aggressive Mode (RFC 2409 §5.4) has no such round trip: message 2
 * carries the responder's KE and HASH_R, so message 1 costs a
 * Diffie-Hellman and a phase 1 SA before anything proves the sender
 * receives at its address.  What bounds it (aggressive.c): a message 1 is
 * answered only for a peer address and identity an aggressive rule names
 * (the rest cost a lookup); its repetitions get the stored message 2, no
 * new Diffie-Hellman; the responder cookie is made here as for Main Mode;
 * the half-open SAs obey HALF_OPEN_MAX and HALF_OPEN_PER_PEER as the
 * records do, the oldest making room (a genuine exchange completes in one
 * round trip); and at most HALF_OPEN_DH_RATE Diffie-Hellman computations a
 * second are spent on unauthenticated senders (half_open_dh_allowed()),
 * so a flood costs a bounded share of the CPU, never the established SAs,
 * DPD or Main Mode.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike_alg.h"
#include "ipsecd.h"

#define COOKIE_SECRET_LEN	32
#define COOKIE_ROTATE_MS	(60 * 1000)

static uint8_t secrets[2][COOKIE_SECRET_LEN];
static unsigned int cur;	/* secrets[cur] makes cookies, both verify */
static uint64_t born;		/* when secrets[cur] was made */
static bool have_secret;

/* Rotated when used, not on a timer: an idle daemon has nothing to rotate. */
static int rotate(void)
{
	uint64_t now = now_ms();

	if (!have_secret || now - born >= 2 * COOKIE_ROTATE_MS) {
		if (random_bytes(secrets, sizeof(secrets)))
			return -1;
	} else if (now - born >= COOKIE_ROTATE_MS) {
		if (random_bytes(secrets[cur ^ 1], COOKIE_SECRET_LEN))
			return -1;
		cur ^= 1;
	} else {
		return 0;
	}
	have_secret = true;
	born = now;
	return 0;
}

static int cookie_of(const uint8_t *secret, const struct kipsec_addr *peer, uint16_t port,
		     const uint8_t *icky, uint8_t *rcky)
{
	static const uint8_t zero[8];
	uint8_t mac[IKE_HASH_MAX], pb[2] = { port >> 8, port & 0xff };
	struct iov v[4] = {
		{ &peer->family, sizeof(peer->family) },
		{ peer->u.bytes, kipsec_addr_len(peer->family) },
		{ pb, sizeof(pb) },
		{ icky, 8 },
	};

	if (prf_iov(IKE_HASH_SHA2_256, secret, COOKIE_SECRET_LEN, v, 4, mac))
		return -1;
	memcpy(rcky, mac, 8);
	/* An all-zero CKY-R means "no responder yet" (RFC 2408 §3.1). */
	if (!memcmp(rcky, zero, 8))
		rcky[7] = 1;
	return 0;
}

int cookie_make(const struct kipsec_addr *peer, uint16_t port, const uint8_t *icky,
		uint8_t *rcky)
{
	if (rotate())
		return -1;
	return cookie_of(secrets[cur], peer, port, icky, rcky);
}

bool cookie_valid(const struct kipsec_addr *peer, uint16_t port, const uint8_t *icky,
		  const uint8_t *rcky)
{
	uint8_t want[8];

	if (rotate())
		return false;
	for (unsigned int i = 0; i < 2; i++)
		if (!cookie_of(secrets[cur ^ i], peer, port, icky, want) &&
		    !CRYPTO_memcmp(want, rcky, 8))
			return true;
	return false;
}

/* ---- Aggressive Mode's Diffie-Hellman budget ---- */

/* A token bucket: HALF_OPEN_DH_RATE tokens a second, as many at most. */
static uint64_t dh_tokens_ms = HALF_OPEN_DH_RATE * 1000ULL;	/* tokens, in ms units */
static uint64_t dh_last;

bool half_open_dh_allowed(void)
{
	uint64_t now = now_ms(), cap = HALF_OPEN_DH_RATE * 1000ULL;

	if (now < dh_last)
		dh_last = now;
	/* A second refills it all: no product that could overflow. */
	dh_tokens_ms += now - dh_last >= 1000 ? cap : (now - dh_last) * HALF_OPEN_DH_RATE;
	if (dh_tokens_ms > cap)
		dh_tokens_ms = cap;
	dh_last = now;
	if (dh_tokens_ms < 1000)
		return false;
	dh_tokens_ms -= 1000;
	return true;
}

/* ---- the half-open records ---- */

struct half_open {
	uint8_t *sai;		/* NULL: a free slot */
	size_t sai_len;
	uint64_t seq;		/* age: the smallest is the oldest */
	struct kipsec_addr peer;
	uint8_t icky[8], rcky[8];
	uint8_t flags;		/* HALF_OPEN_DPD: message 1 had the DPD vendor ID */
};

/*
 * A plain array: a pass over 1024 small records costs about what the
 * HMAC does, and nothing in it can be made to grow.
 */
static struct half_open recs[HALF_OPEN_MAX];
static size_t rec_bytes;
static uint64_t next_seq = 1;

/*
 * Addresses come from net.c zeroed beyond their length, so all 16 bytes
 * compare: inlined, no call per record.
 */
static bool same_peer(const struct kipsec_addr *a, const struct kipsec_addr *b)
{
	return a->family == b->family && !memcmp(a->u.bytes, b->u.bytes, sizeof(a->u.bytes));
}

static bool rec_is(const struct half_open *r, const struct kipsec_addr *peer,
		   const uint8_t *icky, const uint8_t *rcky)
{
	return r->sai && !memcmp(r->rcky, rcky, 8) && !memcmp(r->icky, icky, 8) &&
	       same_peer(&r->peer, peer);
}

static void rec_free(struct half_open *r)
{
	rec_bytes -= r->sai_len;
	free(r->sai);
	memset(r, 0, sizeof(*r));
}

static struct half_open *oldest(void)
{
	struct half_open *o = NULL;

	for (size_t i = 0; i < HALF_OPEN_MAX; i++)
		if (recs[i].sai && (!o || recs[i].seq < o->seq))
			o = &recs[i];
	return o;
}

/* One pass over the records tells all that a new message 1 needs. */
struct scan {
	struct half_open *hit, *free, *oldest, *oldest_of_peer;
	unsigned int of_peer;
};

static void scan(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		 struct scan *s)
{
	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < HALF_OPEN_MAX; i++) {
		struct half_open *r = &recs[i];

		if (!r->sai) {
			s->free = s->free ? s->free : r;
			continue;
		}
		if (!s->oldest || r->seq < s->oldest->seq)
			s->oldest = r;
		if (!same_peer(&r->peer, peer))
			continue;
		s->of_peer++;
		if (!s->oldest_of_peer || r->seq < s->oldest_of_peer->seq)
			s->oldest_of_peer = r;
		if (!memcmp(r->rcky, rcky, 8) && !memcmp(r->icky, icky, 8))
			s->hit = r;
	}
}

/*
 * The slot for a new record of peer: the peer's oldest once it has its
 * share, else a free one, else the oldest of all.
 */
static struct half_open *slot_of(const struct scan *s)
{
	if (s->of_peer >= HALF_OPEN_PER_PEER)
		return s->oldest_of_peer;
	return s->free ? s->free : s->oldest;
}

int half_open_put(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		  const uint8_t *sai, size_t len)
{
	struct half_open *r;
	struct scan s;
	uint8_t *copy;

	scan(peer, icky, rcky, &s);
	if (s.hit) {
		s.hit->seq = next_seq++;
		return 1;
	}
	if (!len || len > HALF_OPEN_SAI_MAX)
		return -1;
	copy = malloc(len);
	if (!copy)
		return -1;
	memcpy(copy, sai, len);
	r = slot_of(&s);
	if (r->sai)
		rec_free(r);
	while (rec_bytes + len > HALF_OPEN_BYTES)
		rec_free(oldest());
	r->sai = copy;
	r->sai_len = len;
	r->seq = next_seq++;
	r->peer = *peer;
	memcpy(r->icky, icky, 8);
	memcpy(r->rcky, rcky, 8);
	rec_bytes += len;
	return 0;
}

int half_open_take(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		   struct buf *sai)
{
	for (size_t i = 0; i < HALF_OPEN_MAX; i++) {
		struct half_open *r = &recs[i];

		if (!rec_is(r, peer, icky, rcky))
			continue;
		buf_put(sai, r->sai, r->sai_len);
		rec_free(r);
		return sai->err ? -1 : 0;
	}
	return -1;
}

void half_open_mark(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		    uint8_t flags)
{
	for (size_t i = 0; i < HALF_OPEN_MAX; i++)
		if (rec_is(&recs[i], peer, icky, rcky))
			recs[i].flags = flags;
}

uint8_t half_open_marks(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky)
{
	for (size_t i = 0; i < HALF_OPEN_MAX; i++)
		if (rec_is(&recs[i], peer, icky, rcky))
			return recs[i].flags;
	return 0;
}

void half_open_flush(void)
{
	for (size_t i = 0; i < HALF_OPEN_MAX; i++)
		if (recs[i].sai)
			rec_free(&recs[i]);
	OPENSSL_cleanse(secrets, sizeof(secrets));
	have_secret = false;
	dh_tokens_ms = HALF_OPEN_DH_RATE * 1000ULL;
}
