// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/alg.c.  The sizes are those of the RFCs, written out
 * here by hand rather than read back from the table:
 *   AES-GCM (RFC 4106 §8.1): AES key + 4-byte salt = 20/28/36; ICV 16/12/8 (§3)
 *   ChaCha20-Poly1305 (RFC 7634 §2): 32 + 4 salt = 36; ICV 16
 *   AES-CBC (RFC 3602): 16/24/32; 3DES-CBC (RFC 2451): 24; NULL (RFC 2410): 0
 *   HMAC-MD5-96 (RFC 2403): 16/12; HMAC-SHA1-96 (RFC 2404): 20/12;
 *   HMAC-SHA-256/384/512 (RFC 4868 §2.1.1, §2.3): 32/16, 48/24, 64/32
 */
#include <string.h>

#include "kipsec_alg.h"
#include "tap.h"

#define ENC KIPSEC_ALG_ENC
#define AUTH KIPSEC_ALG_AUTH

struct want {
	const char *name;
	enum kipsec_alg_kind kind;
	const char *kname;
	int key_len, icv_len;
	bool aead, alias;
	const char *printed;	/* the name kipsec_alg_by_kernel() gives back */
};

static const struct want wants[] = {
	{ "aes-128-gcm", ENC, "aes-gcm", 20, 16, true, false, "aes-128-gcm" },
	{ "aes-192-gcm", ENC, "aes-gcm", 28, 16, true, false, "aes-192-gcm" },
	{ "aes-256-gcm", ENC, "aes-gcm", 36, 16, true, false, "aes-256-gcm" },
	{ "aes-128-gcm-16", ENC, "aes-gcm", 20, 16, true, true, "aes-128-gcm" },
	{ "aes-192-gcm-16", ENC, "aes-gcm", 28, 16, true, true, "aes-192-gcm" },
	{ "aes-256-gcm-16", ENC, "aes-gcm", 36, 16, true, true, "aes-256-gcm" },
	{ "aes-128-gcm-12", ENC, "aes-gcm", 20, 12, true, false, "aes-128-gcm-12" },
	{ "aes-192-gcm-12", ENC, "aes-gcm", 28, 12, true, false, "aes-192-gcm-12" },
	{ "aes-256-gcm-12", ENC, "aes-gcm", 36, 12, true, false, "aes-256-gcm-12" },
	{ "aes-128-gcm-8", ENC, "aes-gcm", 20, 8, true, false, "aes-128-gcm-8" },
	{ "aes-192-gcm-8", ENC, "aes-gcm", 28, 8, true, false, "aes-192-gcm-8" },
	{ "aes-256-gcm-8", ENC, "aes-gcm", 36, 8, true, false, "aes-256-gcm-8" },
	{ "chacha20-poly1305", ENC, "chacha20-poly1305", 36, 16, true, false, "chacha20-poly1305" },
	{ "aes-128", ENC, "aes-cbc", 16, 0, false, false, "aes-128" },
	{ "aes-192", ENC, "aes-cbc", 24, 0, false, false, "aes-192" },
	{ "aes-256", ENC, "aes-cbc", 32, 0, false, false, "aes-256" },
	{ "aes", ENC, "aes-cbc", 16, 0, false, true, "aes-128" },
	{ "3des", ENC, "3des-cbc", 24, 0, false, false, "3des" },
	{ "3des-cbc", ENC, "3des-cbc", 24, 0, false, true, "3des" },
	{ "null", ENC, "null", 0, 0, false, false, "null" },
	{ "hmac-md5", AUTH, "hmac-md5", 16, 12, false, false, "hmac-md5" },
	{ "hmac-sha1", AUTH, "hmac-sha1", 20, 12, false, false, "hmac-sha1" },
	{ "hmac-sha2-256", AUTH, "hmac-sha2-256", 32, 16, false, false, "hmac-sha2-256" },
	{ "hmac-sha2-384", AUTH, "hmac-sha2-384", 48, 24, false, false, "hmac-sha2-384" },
	{ "hmac-sha2-512", AUTH, "hmac-sha2-512", 64, 32, false, false, "hmac-sha2-512" },
};

#define NWANTS (sizeof(wants) / sizeof(wants[0]))

static void test_by_name(void)
{
	for (size_t i = 0; i < NWANTS; i++) {
		const struct want *w = &wants[i];
		const struct kipsec_alg_desc *d = kipsec_alg_by_name(w->name, w->kind);

		if (!ok(d != NULL, "by_name: %s is known", w->name))
			continue;
		is_str(d->kname, w->kname, "by_name: %s kernel name", w->name);
		is_int(d->key_len, w->key_len, "by_name: %s key length", w->name);
		is_int(d->icv_len, w->icv_len, "by_name: %s ICV length", w->name);
		is_int(d->aead, w->aead, "by_name: %s AEAD", w->name);
		is_int(d->alias, w->alias, "by_name: %s alias", w->name);
		ok(d->ref && !strncmp(d->ref, "RFC ", 4), "by_name: %s cites an RFC", w->name);
		/* The other kind never finds it. */
		ok(!kipsec_alg_by_name(w->name, w->kind == ENC ? AUTH : ENC),
		   "by_name: %s is not an %s algorithm", w->name, w->kind == ENC ? "auth" : "enc");
	}
	ok(!kipsec_alg_by_name("blowfish", ENC), "by_name: blowfish is unknown");
	ok(!kipsec_alg_by_name("AES-128", ENC), "by_name: names are case-sensitive");
	ok(!kipsec_alg_by_name("aes-gcm", ENC), "by_name: the kernel name is not an ipsec.conf name");
	ok(!kipsec_alg_by_name("hmac-sha2-256 ", AUTH), "by_name: no trailing blank");
	ok(!kipsec_alg_by_name("", ENC), "by_name: empty");
}

static void test_by_kernel(void)
{
	/* Every name, by its kernel name, key length and ICV, prints as expected. */
	for (size_t i = 0; i < NWANTS; i++) {
		const struct want *w = &wants[i];
		const struct kipsec_alg_desc *d =
			kipsec_alg_by_kernel(w->kname, (uint32_t)w->key_len, (uint32_t)w->icv_len,
					     w->kind);

		is_str(d ? d->name : NULL, w->printed, "by_kernel: %s %d/%d prints as %s", w->kname,
		       w->key_len, w->icv_len, w->printed);
	}
	/* ICV 0 means the algorithm's default ICV. */
	is_str(kipsec_alg_by_kernel("aes-gcm", 20, 0, ENC)->name, "aes-128-gcm",
	       "by_kernel: aes-gcm 20 bytes, default ICV");
	is_str(kipsec_alg_by_kernel("aes-gcm", 36, 0, ENC)->name, "aes-256-gcm",
	       "by_kernel: aes-gcm 36 bytes, default ICV");
	is_str(kipsec_alg_by_kernel("hmac-sha2-256", 32, 0, AUTH)->name, "hmac-sha2-256",
	       "by_kernel: hmac-sha2-256 default ICV");
	ok(!kipsec_alg_by_kernel("aes-gcm", 16, 16, ENC), "by_kernel: aes-gcm without salt");
	ok(!kipsec_alg_by_kernel("aes-gcm", 24, 16, ENC), "by_kernel: aes-gcm 24 bytes");
	ok(!kipsec_alg_by_kernel("aes-gcm", 20, 4, ENC), "by_kernel: aes-gcm ICV 4");
	ok(!kipsec_alg_by_kernel("aes-cbc", 20, 0, ENC), "by_kernel: aes-cbc 20 bytes");
	ok(!kipsec_alg_by_kernel("hmac-sha2-256", 32, 12, AUTH),
	   "by_kernel: hmac-sha2-256 with ICV 12 (not RFC 4868)");
	ok(!kipsec_alg_by_kernel("hmac-sha2-256", 32, 16, ENC), "by_kernel: wrong kind");
	ok(!kipsec_alg_by_kernel("aes-gcm", 0, 16, ENC), "by_kernel: aes-gcm without key");
	ok(!kipsec_alg_by_kernel("serpent-cbc", 32, 0, ENC), "by_kernel: unknown kernel name");
}

static void test_table(void)
{
	const struct kipsec_alg_desc *d;
	unsigned int n = 0;

	for (unsigned int i = 0; (d = kipsec_alg_at(i)); i++) {
		bool listed = false;

		n++;
		for (size_t k = 0; k < NWANTS; k++)
			listed |= !strcmp(wants[k].name, d->name) && wants[k].kind == d->kind;
		ok(listed, "table: %s is tested here", d->name);
		ok(!d->aead || (d->kind == ENC && d->icv_len), "table: %s AEAD has an ICV",
		   d->name);
		ok(d->kind != AUTH || d->icv_len, "table: %s HMAC has an ICV", d->name);
		ok(kipsec_alg_by_name(d->name, d->kind) == d, "table: %s is unique", d->name);
	}
	is_int(n, NWANTS, "table: %zu algorithms", NWANTS);
}

int main(void)
{
	test_by_name();
	test_by_kernel();
	test_table();
	return tap_done();
}
