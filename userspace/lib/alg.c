// SPDX-License-Identifier: GPL-2.0
/* The algorithm table of ipsec.conf (see kipsec_alg.h). */
#include <stddef.h>
#include <string.h>

#include "kipsec_alg.h"

#define ENC KIPSEC_ALG_ENC
#define AUTH KIPSEC_ALG_AUTH

/* Printing picks the first non-alias entry that matches, so the default ICV
 * size of each AEAD comes before its shorter-ICV variants. */
static const struct kipsec_alg_desc algs[] = {
	/* AES-GCM: AES key + 4-byte salt (RFC 4106 §8.1), ICV 16, 12 or 8 (§3). */
	{ "aes-128-gcm", "aes-gcm", ENC, true, false, 20, 16, "RFC 4106" },
	{ "aes-192-gcm", "aes-gcm", ENC, true, false, 28, 16, "RFC 4106" },
	{ "aes-256-gcm", "aes-gcm", ENC, true, false, 36, 16, "RFC 4106" },
	{ "aes-128-gcm-12", "aes-gcm", ENC, true, false, 20, 12, "RFC 4106" },
	{ "aes-192-gcm-12", "aes-gcm", ENC, true, false, 28, 12, "RFC 4106" },
	{ "aes-256-gcm-12", "aes-gcm", ENC, true, false, 36, 12, "RFC 4106" },
	{ "aes-128-gcm-8", "aes-gcm", ENC, true, false, 20, 8, "RFC 4106" },
	{ "aes-192-gcm-8", "aes-gcm", ENC, true, false, 28, 8, "RFC 4106" },
	{ "aes-256-gcm-8", "aes-gcm", ENC, true, false, 36, 8, "RFC 4106" },
	{ "aes-128-gcm-16", "aes-gcm", ENC, true, true, 20, 16, "RFC 4106" },
	{ "aes-192-gcm-16", "aes-gcm", ENC, true, true, 28, 16, "RFC 4106" },
	{ "aes-256-gcm-16", "aes-gcm", ENC, true, true, 36, 16, "RFC 4106" },
	/* ChaCha20-Poly1305: 32-byte key + 4-byte salt, ICV 16 (RFC 7634 §2, §4). */
	{ "chacha20-poly1305", "chacha20-poly1305", ENC, true, false, 36, 16, "RFC 7634" },
	/* AES-CBC (RFC 3602); "aes" is OpenBSD's name for AES-128. */
	{ "aes-128", "aes-cbc", ENC, false, false, 16, 0, "RFC 3602" },
	{ "aes-192", "aes-cbc", ENC, false, false, 24, 0, "RFC 3602" },
	{ "aes-256", "aes-cbc", ENC, false, false, 32, 0, "RFC 3602" },
	{ "aes", "aes-cbc", ENC, false, true, 16, 0, "RFC 3602" },
	{ "3des", "3des-cbc", ENC, false, false, 24, 0, "RFC 2451" },
	{ "3des-cbc", "3des-cbc", ENC, false, true, 24, 0, "RFC 2451" },
	{ "null", "null", ENC, false, false, 0, 0, "RFC 2410" },
	/* HMACs with the truncations of RFC 2403, 2404 and 4868 §2.3. */
	{ "hmac-md5", "hmac-md5", AUTH, false, false, 16, 12, "RFC 2403" },
	{ "hmac-sha1", "hmac-sha1", AUTH, false, false, 20, 12, "RFC 2404" },
	{ "hmac-sha2-256", "hmac-sha2-256", AUTH, false, false, 32, 16, "RFC 4868" },
	{ "hmac-sha2-384", "hmac-sha2-384", AUTH, false, false, 48, 24, "RFC 4868" },
	{ "hmac-sha2-512", "hmac-sha2-512", AUTH, false, false, 64, 32, "RFC 4868" },
};

const struct kipsec_alg_desc *kipsec_alg_at(unsigned int i)
{
	return i < sizeof(algs) / sizeof(algs[0]) ? &algs[i] : NULL;
}

const struct kipsec_alg_desc *kipsec_alg_by_name(const char *name, enum kipsec_alg_kind kind)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++)
		if (algs[i].kind == kind && !strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

const struct kipsec_alg_desc *kipsec_alg_by_kernel(const char *kname, uint32_t key_len,
						   uint32_t icv_len, enum kipsec_alg_kind kind)
{
	for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
		const struct kipsec_alg_desc *d = &algs[i];

		if (d->alias || d->kind != kind || strcmp(d->kname, kname) || d->key_len != key_len)
			continue;
		if (icv_len == 0 || icv_len == d->icv_len)
			return d;
	}
	return NULL;
}
