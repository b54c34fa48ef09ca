/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The IKEv1 algorithms of ipsec.conf "ike" rules and their numbers on the
 * wire: one table shared by ipsecctl (names in rules and in -s ike) and
 * ipsecd (numbers in SA payloads).
 *
 * Phase 1 numbers are those of RFC 2409 Appendix A (attribute classes 1
 * encryption, 2 hash, 4 group); phase 2 numbers those of RFC 2407 §4.4.4
 * (ESP transform IDs) and §4.5 (authentication algorithm attribute).
 */
#ifndef KIPSEC_IKE_ALG_H
#define KIPSEC_IKE_ALG_H

#include <stdbool.h>
#include <stdint.h>

/* RFC 2409 Appendix A: encryption algorithm (phase 1). */
#define IKE_ENC_3DES_CBC	5
#define IKE_ENC_AES_CBC		7	/* RFC 3602 §5 */
/* Hash algorithm (phase 1); the PRF is its HMAC (RFC 2409 §5). */
#define IKE_HASH_MD5		1
#define IKE_HASH_SHA1		2
#define IKE_HASH_SHA2_256	4	/* RFC 4868 §2.1 */
#define IKE_HASH_SHA2_384	5
#define IKE_HASH_SHA2_512	6

/* RFC 2407 §4.4.4: ESP transform IDs. */
#define ESP_3DES		3
#define ESP_NULL		11
#define ESP_AES_CBC		12
#define ESP_AES_GCM_8		18	/* RFC 4106 §8.4 */
#define ESP_AES_GCM_12		19
#define ESP_AES_GCM_16		20
/* RFC 2407 §4.5: authentication algorithm (phase 2). */
#define AUTH_HMAC_MD5		1
#define AUTH_HMAC_SHA1		2
#define AUTH_HMAC_SHA2_256	5	/* RFC 4868 §2.1 */
#define AUTH_HMAC_SHA2_384	6
#define AUTH_HMAC_SHA2_512	7

struct ike_enc_desc {
	const char *name;	/* ipsec.conf */
	uint16_t id;		/* phase 1: IKE_ENC_*; phase 2: ESP_* */
	uint16_t key_bits;	/* 0: the cipher has one size, no attribute */
	bool alias;		/* accepted, never printed */
	bool aead;
	const char *esp_name;	/* phase 2: the ipsec.conf/kipsec_alg name */
};

struct ike_hash_desc {
	const char *name;
	uint16_t id;		/* phase 1: IKE_HASH_*; phase 2: AUTH_* */
	bool alias;
	const char *esp_name;	/* phase 2 */
};

struct ike_group_desc {
	const char *name;
	uint16_t id;		/* RFC 2409 §6, RFC 3526, RFC 5903 */
	uint16_t bits;		/* prime or curve size */
	bool ecp;
};

const struct ike_enc_desc *ike_p1_enc_by_name(const char *name);
const struct ike_enc_desc *ike_p1_enc_by_id(uint16_t id, uint16_t key_bits);
const struct ike_hash_desc *ike_p1_hash_by_name(const char *name);
const struct ike_hash_desc *ike_p1_hash_by_id(uint16_t id);
const struct ike_enc_desc *ike_p2_enc_by_name(const char *name);
const struct ike_enc_desc *ike_p2_enc_by_id(uint16_t id, uint16_t key_bits);
const struct ike_hash_desc *ike_p2_auth_by_name(const char *name);
const struct ike_hash_desc *ike_p2_auth_by_id(uint16_t id);
const struct ike_group_desc *ike_group_by_name(const char *name);
const struct ike_group_desc *ike_group_by_id(uint16_t id);

/* Names for messages: "aes-256", "hmac-sha2-256", "modp2048"; "#N" when unknown. */
const char *ike_p1_enc_name(uint16_t id, uint16_t key_bits, char *buf, unsigned int len);
const char *ike_p1_hash_name(uint16_t id, char *buf, unsigned int len);
const char *ike_p2_enc_name(uint16_t id, uint16_t key_bits, char *buf, unsigned int len);
const char *ike_p2_auth_name(uint16_t id, char *buf, unsigned int len);
/* id 0: "none". */
const char *ike_group_name(uint16_t id, char *buf, unsigned int len);

/* Lists for help texts: "aes-128, aes-192, ..." */
const char *ike_p1_enc_list(void);
const char *ike_p1_hash_list(void);
const char *ike_p2_enc_list(void);
const char *ike_p2_auth_list(void);
const char *ike_group_list(void);

#endif /* KIPSEC_IKE_ALG_H */
