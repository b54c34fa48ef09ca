// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecd's succession of phase 2 SA pairs (sa.c): a pair installed later
 * replaces the one before it; of two installed at once both sides keep
 * the same one, whichever each installed first; a soft EXPIRE on a pair
 * with a successor, installed or on its way, starts nothing; a replaced
 * pair goes once the peer sends on its successor; with a byte lifetime, a
 * successor that comes seconds after a pair that carried its bytes is
 * still its successor.  The kernel, the timers
 * and the exchange code are stubs that record what sa.c asked of them.
 */
#include <stdlib.h>
#include <string.h>

#include "ipsecd.h"
#include "tap.h"

struct ipsecd_stats stats;
uint16_t ike_port = 500;
bool stopping;

static uint64_t clock_ms;
static int removed_out, removed_pairs, in_used;
static uint64_t bytes_of_0x100;	/* what the pair with spi in 0x100 carried */
static struct timer *armed;

uint64_t now_ms(void) { return clock_ms; }
void timer_arm(struct timer *t, uint64_t delay_ms) { t->when = clock_ms + delay_ms; t->armed = true; armed = t; }
void timer_stop(struct timer *t) { t->armed = false; }
void p1_timer_init(struct p1sa *p1) { (void)p1; }
void p2_timer_init(struct p2sa *p2) { (void)p2; }
void kern_spi_release(struct p2sa *p2) { (void)p2; }
void kern_sa_remove_in(struct p2sa *p2) { (void)p2; }
void kern_sa_remove_out(const struct p2sa *p2) { (void)p2; removed_out++; }
int kern_sa_in_used(const struct p2sa *p2) { (void)p2; return in_used; }
uint64_t kern_sa_bytes(const struct p2sa *p2) { return p2->spi_in == 0x100 ? bytes_of_0x100 : 0; }
void dh_free(struct dh *dh) { (void)dh; }
void buf_free(struct buf *b) { (void)b; }
const char *addr_text(const struct kipsec_addr *a, char *buf, size_t len)
{
	(void)a;
	snprintf(buf, len, "peer");
	return buf;
}
void p2_remove(struct p2sa *p2, bool notify)
{
	(void)notify;
	removed_pairs++;
	p2_free(p2);
}

static void flush(void)
{
	while (p2sas.next != &p2sas)
		p2_free(container_of(p2sas.next, struct p2sa, node));
}

/* An installed pair of rule 1 at clock_ms with nonces starting ni0, nr0. */
static struct p2sa *pair(uint8_t ni0, uint8_t nr0, uint32_t spi)
{
	struct p2sa *p2 = p2_new(true);

	p2->rule_id = 1;
	p2->peer.family = p2->local.family = 2;
	p2->lifetime = 30;
	p2->ni_len = p2->nr_len = NONCE_LEN;
	memset(p2->ni, 0x55, NONCE_LEN);
	memset(p2->nr, 0x55, NONCE_LEN);
	p2->ni[0] = ni0;
	p2->nr[0] = nr0;
	p2->spi_in = spi;
	p2->spi_out = spi + 1;
	p2->state = P2_INSTALLED;
	p2_take_over(p2);
	return p2;
}

static void sequential(void)
{
	struct p2sa *a, *b;

	clock_ms = 1000;
	removed_out = 0;
	a = pair(0x10, 0x20, 0x100);
	ok(!a->replaced_by && !p2_has_successor(a), "a lone pair has no successor");
	clock_ms += 25500;
	/* A low nonce does not matter: this one comes a lifetime later. */
	b = pair(0x01, 0x02, 0x200);
	is_int(a->replaced_by, b->id, "the pair installed 25.5 s later replaces the first");
	ok(!b->replaced_by, "the successor is not replaced");
	is_int(removed_out, 1, "the old pair's outbound SA went at once");
	ok(p2_has_successor(a), "a soft EXPIRE on the old pair starts nothing");
	ok(!p2_has_successor(b), "a soft EXPIRE on the successor rekeys");
	ok(armed == &a->retire && a->retire.armed, "the old pair waits for the peer to move");
	in_used = 0;
	clock_ms += 1000;
	a->retire.fn(&a->retire);
	ok(removed_pairs == 0 && a->retire.armed, "no packet on the successor yet: the old pair stays");
	in_used = 1;
	a->retire.fn(&a->retire);
	is_int(removed_pairs, 1, "the peer sends on the successor: the old pair goes");
	flush();
	removed_pairs = 0;
}

static void negotiating(void)
{
	struct p2sa *a, *b;

	clock_ms = 1000;
	a = pair(0x10, 0x20, 0x100);
	b = p2_new(false);
	b->rule_id = 1;
	b->peer = a->peer;
	b->local = a->local;
	b->state = P2_R_QM2;
	ok(p2_has_successor(a), "a successor the peer is negotiating: the soft EXPIRE starts nothing");
	b->rule_id = 2;
	ok(!p2_has_successor(a), "another rule's negotiation is no successor");
	b->rule_id = 1;
	b->state = P2_INSTALLED;
	clock_ms += 20000;
	p2_take_over(b);
	is_int(a->replaced_by, b->id, "a pair the peer negotiated replaces ours as well");
	flush();
}

/*
 * Two exchanges crossed: both sides have pairs P and Q, installed in one
 * order on one side and in the other order on the other.
 */
static uint32_t side(uint8_t p_ni, uint8_t p_nr, uint8_t q_ni, uint8_t q_nr, bool p_first)
{
	struct p2sa *p, *q, *first;
	uint32_t kept;

	clock_ms = 5000;
	if (p_first) {
		p = first = pair(p_ni, p_nr, 0x100);
		clock_ms += 800;
		q = pair(q_ni, q_nr, 0x200);
	} else {
		q = first = pair(q_ni, q_nr, 0x200);
		clock_ms += 800;
		p = pair(p_ni, p_nr, 0x100);
	}
	(void)first;
	ok(!!p->replaced_by != !!q->replaced_by, "one of two pairs installed at once is redundant");
	kept = p->replaced_by ? q->spi_in : p->spi_in;
	flush();
	return kept;
}

static void simultaneous(void)
{
	static const uint8_t n[][4] = {
		{ 0x10, 0x90, 0x30, 0x40 }, { 0x90, 0x80, 0x70, 0x05 },
		{ 0x22, 0x21, 0x23, 0x24 }, { 0xf0, 0x01, 0x02, 0xf1 },
	};

	for (size_t i = 0; i < sizeof(n) / sizeof(n[0]); i++) {
		uint32_t x = side(n[i][0], n[i][1], n[i][2], n[i][3], true);
		uint32_t y = side(n[i][0], n[i][1], n[i][2], n[i][3], false);
		uint8_t lp = n[i][0] < n[i][1] ? n[i][0] : n[i][1];
		uint8_t lq = n[i][2] < n[i][3] ? n[i][2] : n[i][3];

		is_int(x, y, "nonces %zu: both sides keep the same pair", i);
		is_int(x, lp < lq ? 0x200 : 0x100,
		       "nonces %zu: the pair with the lowest nonce is the redundant one", i);
	}
}

/*
 * Byte lifetimes: pair a (200K) and its successor b, 2 s apart, well
 * inside the simultaneous window of a 30 s lifetime.  Whether b replaces
 * a must not depend on the nonces once a has carried its bytes.
 */
static void bytes_successor(bool a_rekeyed, uint64_t a_bytes, bool b_wins,
			    const char *what)
{
	struct p2sa *a, *b;

	clock_ms = 1000;
	bytes_of_0x100 = 0;
	a = pair(0x30, 0x40, 0x100);
	a->life_kb = 200;
	a->rekeyed = a_rekeyed;
	bytes_of_0x100 = a_bytes;
	clock_ms += 2000;
	b = p2_new(true);
	b->rule_id = 1;
	b->peer = a->peer;
	b->local = a->local;
	b->lifetime = 30;
	b->life_kb = 200;
	b->ni_len = b->nr_len = NONCE_LEN;
	memset(b->ni, 0x55, NONCE_LEN);
	memset(b->nr, 0x55, NONCE_LEN);
	b->ni[0] = 0x01;	/* b holds the lowest nonce... */
	b->nr[0] = 0x02;
	b->spi_in = 0x200;
	b->spi_out = 0x201;
	b->state = P2_INSTALLED;
	p2_take_over(b);
	if (b_wins)
		ok(a->replaced_by == b->id && !b->replaced_by, "bytes: %s: the new pair replaces the old", what);
	else
		ok(b->replaced_by == a->id && !a->replaced_by,
		   "bytes: %s: installed at once, the lowest nonce's pair is redundant", what);
	flush();
	bytes_of_0x100 = 0;
}

int main(void)
{
	sequential();
	negotiating();
	simultaneous();
	/* ...so by time alone, a would be kept and b taken for redundant. */
	bytes_successor(false, 0, false, "two fresh pairs 2 s apart");
	bytes_successor(false, 200 * 1024 * 92 / 100, true,
			"the old pair carried 92 % of its bytes (its soft EXPIRE not yet here)");
	bytes_successor(true, 0, true, "the old pair's own soft EXPIRE started the new one");
	bytes_successor(false, 200 * 1024 / 4 - 1, false, "just under a quarter of its bytes");
	return tap_done();
}
