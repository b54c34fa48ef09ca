// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ipsecd/cookie.c: responder cookies (RFC 2408 §2.5.3), the
 * bounds of the half-open records, and Aggressive Mode's Diffie-Hellman
 * budget.  The clock is this file's: rotation
 * is tested without waiting.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "ipsecd.h"
#include "tap.h"

static uint64_t fake_now = 1000000;

uint64_t now_ms(void)
{
	return fake_now;
}

static struct kipsec_addr v4(uint8_t last)
{
	struct kipsec_addr a = { .family = AF_INET };

	a.u.bytes[0] = 192;
	a.u.bytes[2] = 2;
	a.u.bytes[3] = last;
	return a;
}

static void cky(uint8_t *c, unsigned int n)
{
	memset(c, 0, 8);
	memcpy(c, &n, sizeof(n));
	c[7] = 0xa5;
}

static void test_cookies(void)
{
	struct kipsec_addr a = v4(1), b = v4(2);
	uint8_t ic[8], rc[8], rc2[8], other[8];

	cky(ic, 1);
	is_int(cookie_make(&a, 500, ic, rc), 0, "cookie: made");
	ok(cookie_make(&a, 500, ic, rc2) == 0 && !memcmp(rc, rc2, 8),
	   "cookie: the same for a repeated message 1");
	ok(cookie_valid(&a, 500, ic, rc), "cookie: verifies for the same peer, port, CKY-I");
	ok(!cookie_valid(&b, 500, ic, rc), "cookie: not for another address");
	ok(!cookie_valid(&a, 4500, ic, rc), "cookie: not for another port");
	cky(other, 2);
	ok(!cookie_valid(&a, 500, other, rc), "cookie: not for another initiator cookie");
	memcpy(rc2, rc, 8);
	rc2[3] ^= 1;
	ok(!cookie_valid(&a, 500, ic, rc2), "cookie: not with one bit changed");
	fake_now += 61 * 1000;
	ok(cookie_valid(&a, 500, ic, rc), "cookie: still good after one rotation (previous secret)");
	ok(cookie_make(&a, 500, ic, rc2) == 0 && memcmp(rc, rc2, 8),
	   "cookie: a new secret makes another cookie");
	fake_now += 61 * 1000;
	ok(!cookie_valid(&a, 500, ic, rc), "cookie: no longer good after two rotations");
	ok(cookie_valid(&a, 500, ic, rc2), "cookie: the newer one still good");
	fake_now += 10 * 60 * 1000;
	ok(!cookie_valid(&a, 500, ic, rc2), "cookie: none good after a long idle time");
}

static int put(uint8_t peer, unsigned int n, size_t len)
{
	static uint8_t sai[HALF_OPEN_SAI_MAX + 1];
	struct kipsec_addr a = v4(peer);
	uint8_t ic[8], rc[8];

	cky(ic, n);
	cky(rc, n ^ 0x5555);
	memset(sai, (int)n, len);
	return half_open_put(&a, ic, rc, sai, len);
}

static bool take(uint8_t peer, unsigned int n, size_t want_len)
{
	struct kipsec_addr a = v4(peer);
	uint8_t ic[8], rc[8];
	struct buf b;
	bool r;

	cky(ic, n);
	cky(rc, n ^ 0x5555);
	buf_init(&b);
	r = half_open_take(&a, ic, rc, &b) == 0 && b.len == want_len &&
	    (!want_len || b.p[0] == (uint8_t)n);
	buf_free(&b);
	return r;
}

static void test_records(void)
{
	unsigned int n, kept;

	is_int(put(1, 1, 100), 0, "record: stored");
	is_int(put(1, 1, 100), 1, "record: a repeated message 1 is known");
	ok(take(1, 1, 100), "record: taken with its SAi_b");
	ok(!take(1, 1, 100), "record: gone once taken");
	is_int(put(1, 2, HALF_OPEN_SAI_MAX + 1), -1, "record: an oversized SA payload refused");
	ok(!take(2, 1, 0), "record: none for an unknown pair");

	/* One address cannot hold more than its share: its oldest give way. */
	for (n = 0; n < 3 * HALF_OPEN_PER_PEER; n++)
		put(7, 1000 + n, 64);
	put(9, 1, 64);
	for (n = kept = 0; n < 3 * HALF_OPEN_PER_PEER; n++)
		kept += take(7, 1000 + n, 64);
	is_int(kept, HALF_OPEN_PER_PEER, "record: %d kept of one address's %d", HALF_OPEN_PER_PEER,
	       3 * HALF_OPEN_PER_PEER);
	ok(take(7, 1000 + 3 * HALF_OPEN_PER_PEER - 1, 0) == false, "record: taken ones are gone");
	ok(take(9, 1, 64), "record: another address's record untouched by that flood");
	half_open_flush();

	/* Many addresses: at most HALF_OPEN_MAX in all, the newest kept. */
	for (n = 0; n < 2 * HALF_OPEN_MAX; n++)
		put(10 + n % 200, 5000 + n, 32);
	for (n = kept = 0; n < 2 * HALF_OPEN_MAX; n++)
		kept += take(10 + n % 200, 5000 + n, 32);
	is_int(kept, HALF_OPEN_MAX, "record: %d kept of %d from 200 addresses", HALF_OPEN_MAX,
	       2 * HALF_OPEN_MAX);
	put(10, 1, 32);
	for (n = 0; n < 2 * HALF_OPEN_MAX; n++)
		put(11 + n % 200, 9000 + n, 32);
	ok(!take(10, 1, 32), "record: the oldest evicted when all are full");
	half_open_flush();

	/* Bytes: large SA payloads evict the oldest before the budget is passed. */
	for (n = 0; n < 2 * HALF_OPEN_BYTES / HALF_OPEN_SAI_MAX; n++)
		put(20 + n % 200, 20000 + n, HALF_OPEN_SAI_MAX);
	for (n = kept = 0; n < 2 * HALF_OPEN_BYTES / HALF_OPEN_SAI_MAX; n++)
		kept += take(20 + n % 200, 20000 + n, HALF_OPEN_SAI_MAX);
	is_int(kept, HALF_OPEN_BYTES / HALF_OPEN_SAI_MAX, "record: %d of %d bytes kept at most",
	       HALF_OPEN_BYTES, 2 * HALF_OPEN_BYTES);
	half_open_flush();
}

/* HALF_OPEN_DH_RATE at once, then one every 1000 / rate ms, never more saved. */
static void test_dh_budget(void)
{
	unsigned int n = 0;

	half_open_flush();
	fake_now += 10000;
	while (n < 1000 && half_open_dh_allowed())
		n++;
	is_int(n, HALF_OPEN_DH_RATE, "dh budget: a burst of HALF_OPEN_DH_RATE, then none");
	fake_now += 1000 / HALF_OPEN_DH_RATE - 1;
	ok(!half_open_dh_allowed(), "dh budget: none before 1000 / rate ms");
	fake_now += 1;
	ok(half_open_dh_allowed() && !half_open_dh_allowed(), "dh budget: one after 1000 / rate ms");
	fake_now += 3600 * 1000;
	for (n = 0; n < 1000 && half_open_dh_allowed(); n++)
		;
	is_int(n, HALF_OPEN_DH_RATE, "dh budget: an hour idle saves no more than one burst");
	fake_now -= 5000;
	for (n = 0; n < 1000 && half_open_dh_allowed(); n++)
		;
	is_int(n, 0, "dh budget: a clock that went back refills nothing");
}

int main(void)
{
	if (crypto_init())
		return 1;
	test_cookies();
	test_records();
	test_dh_budget();
	return tap_done();
}
