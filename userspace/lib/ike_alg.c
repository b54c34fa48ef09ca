// SPDX-License-Identifier: GPL-2.0
/* The IKEv1 algorithm table (see ike_alg.h). */
#include <stdio.h>
#include <string.h>

#include "ike_alg.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* Phase 1 ciphers: RFC 2409 Appendix A; AES key sizes by attribute 14 (RFC 3602 §5). */
static const struct ike_enc_desc p1_enc[] = {
	{ "aes-128", IKE_ENC_AES_CBC, 128, false, false, NULL },
	{ "aes-192", IKE_ENC_AES_CBC, 192, false, false, NULL },
	{ "aes-256", IKE_ENC_AES_CBC, 256, false, false, NULL },
	{ "aes", IKE_ENC_AES_CBC, 128, true, false, NULL },	/* OpenBSD's name */
	{ "3des", IKE_ENC_3DES_CBC, 0, false, false, NULL },
};

static const struct ike_hash_desc p1_hash[] = {
	{ "hmac-md5", IKE_HASH_MD5, false, NULL },
	{ "hmac-sha1", IKE_HASH_SHA1, false, NULL },
	{ "hmac-sha2-256", IKE_HASH_SHA2_256, false, NULL },
	{ "hmac-sha2-384", IKE_HASH_SHA2_384, false, NULL },
	{ "hmac-sha2-512", IKE_HASH_SHA2_512, false, NULL },
	{ "md5", IKE_HASH_MD5, true, NULL },
	{ "sha1", IKE_HASH_SHA1, true, NULL },
	{ "sha2-256", IKE_HASH_SHA2_256, true, NULL },
	{ "sha2-384", IKE_HASH_SHA2_384, true, NULL },
	{ "sha2-512", IKE_HASH_SHA2_512, true, NULL },
};

/* Phase 2 (ESP) ciphers: RFC 2407 §4.4.4, RFC 4106 §8.4 for GCM. */
static const struct ike_enc_desc p2_enc[] = {
	{ "aes-128", ESP_AES_CBC, 128, false, false, "aes-128" },
	{ "aes-192", ESP_AES_CBC, 192, false, false, "aes-192" },
	{ "aes-256", ESP_AES_CBC, 256, false, false, "aes-256" },
	{ "aes", ESP_AES_CBC, 128, true, false, "aes-128" },
	{ "3des", ESP_3DES, 0, false, false, "3des" },
	{ "aes-128-gcm", ESP_AES_GCM_16, 128, false, true, "aes-128-gcm" },
	{ "aes-192-gcm", ESP_AES_GCM_16, 192, false, true, "aes-192-gcm" },
	{ "aes-256-gcm", ESP_AES_GCM_16, 256, false, true, "aes-256-gcm" },
	{ "aes-128-gcm-12", ESP_AES_GCM_12, 128, false, true, "aes-128-gcm-12" },
	{ "aes-192-gcm-12", ESP_AES_GCM_12, 192, false, true, "aes-192-gcm-12" },
	{ "aes-256-gcm-12", ESP_AES_GCM_12, 256, false, true, "aes-256-gcm-12" },
	{ "aes-128-gcm-8", ESP_AES_GCM_8, 128, false, true, "aes-128-gcm-8" },
	{ "aes-192-gcm-8", ESP_AES_GCM_8, 192, false, true, "aes-192-gcm-8" },
	{ "aes-256-gcm-8", ESP_AES_GCM_8, 256, false, true, "aes-256-gcm-8" },
	{ "aes-128-gcm-16", ESP_AES_GCM_16, 128, true, true, "aes-128-gcm" },
	{ "aes-192-gcm-16", ESP_AES_GCM_16, 192, true, true, "aes-192-gcm" },
	{ "aes-256-gcm-16", ESP_AES_GCM_16, 256, true, true, "aes-256-gcm" },
	{ "null", ESP_NULL, 0, false, false, "null" },
};

static const struct ike_hash_desc p2_auth[] = {
	{ "hmac-md5", AUTH_HMAC_MD5, false, "hmac-md5" },
	{ "hmac-sha1", AUTH_HMAC_SHA1, false, "hmac-sha1" },
	{ "hmac-sha2-256", AUTH_HMAC_SHA2_256, false, "hmac-sha2-256" },
	{ "hmac-sha2-384", AUTH_HMAC_SHA2_384, false, "hmac-sha2-384" },
	{ "hmac-sha2-512", AUTH_HMAC_SHA2_512, false, "hmac-sha2-512" },
};

/* RFC 2409 §6.1/6.2 (1, 2), RFC 3526 (5, 14-16), RFC 5903 (19-21). */
static const struct ike_group_desc groups[] = {
	{ "modp768", 1, 768, false },
	{ "modp1024", 2, 1024, false },
	{ "modp1536", 5, 1536, false },
	{ "modp2048", 14, 2048, false },
	{ "modp3072", 15, 3072, false },
	{ "modp4096", 16, 4096, false },
	{ "ecp256", 19, 256, true },
	{ "ecp384", 20, 384, true },
	{ "ecp521", 21, 521, true },
};

#define BY_NAME(fn, type, table)					\
const type *fn(const char *name)					\
{									\
	for (size_t i = 0; i < N(table); i++)				\
		if (!strcmp(table[i].name, name))			\
			return &table[i];				\
	return NULL;							\
}

BY_NAME(ike_p1_enc_by_name, struct ike_enc_desc, p1_enc)
BY_NAME(ike_p1_hash_by_name, struct ike_hash_desc, p1_hash)
BY_NAME(ike_p2_enc_by_name, struct ike_enc_desc, p2_enc)
BY_NAME(ike_p2_auth_by_name, struct ike_hash_desc, p2_auth)
BY_NAME(ike_group_by_name, struct ike_group_desc, groups)

static const struct ike_enc_desc *enc_by_id(const struct ike_enc_desc *t, size_t n, uint16_t id,
					    uint16_t key_bits)
{
	for (size_t i = 0; i < n; i++)
		if (!t[i].alias && t[i].id == id && t[i].key_bits == key_bits)
			return &t[i];
	return NULL;
}

const struct ike_enc_desc *ike_p1_enc_by_id(uint16_t id, uint16_t key_bits)
{
	return enc_by_id(p1_enc, N(p1_enc), id, key_bits);
}

const struct ike_enc_desc *ike_p2_enc_by_id(uint16_t id, uint16_t key_bits)
{
	return enc_by_id(p2_enc, N(p2_enc), id, key_bits);
}

static const struct ike_hash_desc *hash_by_id(const struct ike_hash_desc *t, size_t n, uint16_t id)
{
	for (size_t i = 0; i < n; i++)
		if (!t[i].alias && t[i].id == id)
			return &t[i];
	return NULL;
}

const struct ike_hash_desc *ike_p1_hash_by_id(uint16_t id)
{
	return hash_by_id(p1_hash, N(p1_hash), id);
}

const struct ike_hash_desc *ike_p2_auth_by_id(uint16_t id)
{
	return hash_by_id(p2_auth, N(p2_auth), id);
}

const struct ike_group_desc *ike_group_by_id(uint16_t id)
{
	for (size_t i = 0; i < N(groups); i++)
		if (groups[i].id == id)
			return &groups[i];
	return NULL;
}

static const char *enc_name(const struct ike_enc_desc *d, const char *what, uint16_t id,
			    uint16_t key_bits, char *buf, unsigned int len)
{
	if (d)
		return d->name;
	if (key_bits)
		snprintf(buf, len, "%s#%u/%u", what, id, key_bits);
	else
		snprintf(buf, len, "%s#%u", what, id);
	return buf;
}

const char *ike_p1_enc_name(uint16_t id, uint16_t key_bits, char *buf, unsigned int len)
{
	return enc_name(ike_p1_enc_by_id(id, key_bits), "enc", id, key_bits, buf, len);
}

const char *ike_p2_enc_name(uint16_t id, uint16_t key_bits, char *buf, unsigned int len)
{
	return enc_name(ike_p2_enc_by_id(id, key_bits), "esp", id, key_bits, buf, len);
}

const char *ike_p1_hash_name(uint16_t id, char *buf, unsigned int len)
{
	const struct ike_hash_desc *d = ike_p1_hash_by_id(id);

	if (d)
		return d->name;
	snprintf(buf, len, "hash#%u", id);
	return buf;
}

const char *ike_p2_auth_name(uint16_t id, char *buf, unsigned int len)
{
	const struct ike_hash_desc *d = id ? ike_p2_auth_by_id(id) : NULL;

	if (!id)
		return "none";
	if (d)
		return d->name;
	snprintf(buf, len, "auth#%u", id);
	return buf;
}

const char *ike_group_name(uint16_t id, char *buf, unsigned int len)
{
	const struct ike_group_desc *d = id ? ike_group_by_id(id) : NULL;

	if (!id)
		return "none";
	if (d)
		return d->name;
	snprintf(buf, len, "group#%u", id);
	return buf;
}

const char *ike_p1_enc_list(void)
{
	return "aes-128, aes-192, aes-256, aes, 3des";
}

const char *ike_p1_hash_list(void)
{
	return "hmac-md5, hmac-sha1, hmac-sha2-256, hmac-sha2-384, hmac-sha2-512";
}

const char *ike_p2_enc_list(void)
{
	return "aes-128, aes-192, aes-256, aes, 3des, aes-128-gcm, aes-192-gcm, aes-256-gcm, "
	       "aes-*-gcm-12, aes-*-gcm-8, null";
}

const char *ike_p2_auth_list(void)
{
	return "hmac-md5, hmac-sha1, hmac-sha2-256, hmac-sha2-384, hmac-sha2-512";
}

const char *ike_group_list(void)
{
	return "modp768, modp1024, modp1536, modp2048, modp3072, modp4096, ecp256, ecp384, ecp521, none";
}
