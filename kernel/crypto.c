// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the algorithm table and the crypto API transforms of an SA.
 *
 * Every ESP SA gets one AEAD transform: the combined-mode ciphers as they
 * are (RFC 4106, RFC 7634), the others wrapped by the kernel's authenc
 * template ("authenc(hmac(sha256),cbc(aes))"; "authencesn" with extended
 * sequence numbers, whose high half is authenticated but not sent, RFC 4303
 * §2.2.1).  AH SAs get a keyed hash.  Which an SA gets, and how it is
 * built, is its protocol's (init_xform of esp.c, ah.c); the names, sizes
 * and combinations of the algorithms are this file's.
 */
#include <crypto/aead.h>
#include <crypto/hash.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "kipsec.h"

#define AEAD	KIPSEC_ALG_KIND_AEAD
#define CIPHER	KIPSEC_ALG_KIND_CIPHER
#define NULLENC	KIPSEC_ALG_KIND_NULL
#define AUTH	KIPSEC_ALG_KIND_AUTH

static const struct kipsec_alg_desc algs[] = {
	{
		/* Key: AES key + 4-byte salt (RFC 4106 §8.1); ICV 16, 12 or 8 (§3);
		 * 8-byte explicit IV (§3.1); ESP pads to 4 bytes (RFC 4303 §2.4).
		 */
		.name = "aes-gcm", .kind = AEAD, .crypto_name = "rfc4106(gcm(aes))",
		.key_lens = { 20, 28, 36 }, .icv_lens = { 16, 12, 8 },
		.salt_len = 4, .iv_len = 8, .block_len = 4,
		.bad_key_msg = "aes-gcm: key must be 20, 28 or 36 bytes (AES key + 4-byte salt, RFC 4106 §8.1)",
		.bad_icv_msg = "aes-gcm: ICV must be 8, 12 or 16 bytes (RFC 4106 §3)",
		.unavailable_msg = "aes-gcm: the kernel crypto API has no rfc4106(gcm(aes))",
	},
	{
		/* Key: 32 bytes + 4-byte salt, ICV 16, IV 8 (RFC 7634 §2, §4). */
		.name = "chacha20-poly1305", .kind = AEAD,
		.crypto_name = "rfc7539esp(chacha20,poly1305)",
		.key_lens = { 36 }, .icv_lens = { 16 },
		.salt_len = 4, .iv_len = 8, .block_len = 4,
		.bad_key_msg = "chacha20-poly1305: key must be 36 bytes (32-byte key + 4-byte salt, RFC 7634 §4)",
		.bad_icv_msg = "chacha20-poly1305: ICV must be 16 bytes (RFC 7634 §2)",
		.unavailable_msg = "chacha20-poly1305: the kernel crypto API has no rfc7539esp(chacha20,poly1305)",
	},
	{
		/* RFC 3602: 16-byte IV and block. */
		.name = "aes-cbc", .kind = CIPHER, .crypto_name = "cbc(aes)",
		.key_lens = { 16, 24, 32 }, .iv_len = 16, .block_len = 16,
		.bad_key_msg = "aes-cbc: key must be 16, 24 or 32 bytes (RFC 3602)",
		.bad_icv_msg = "aes-cbc: takes no ICV length (the auth algorithm has it)",
		.unavailable_msg = "aes-cbc: the kernel crypto API has no cbc(aes)",
	},
	{
		/* RFC 2451: 24-byte key, 8-byte IV and block. */
		.name = "3des-cbc", .kind = CIPHER, .crypto_name = "cbc(des3_ede)",
		.key_lens = { 24 }, .iv_len = 8, .block_len = 8,
		.bad_key_msg = "3des-cbc: key must be 24 bytes (RFC 2451)",
		.bad_icv_msg = "3des-cbc: takes no ICV length (the auth algorithm has it)",
		.unavailable_msg = "3des-cbc: the kernel crypto API has no cbc(des3_ede)",
	},
	{
		/* RFC 2410: no key, no IV; ESP still pads to 4 bytes. */
		.name = "null", .kind = NULLENC, .crypto_name = "ecb(cipher_null)",
		.key_lens = { 0 }, .iv_len = 0, .block_len = 4,
		.bad_key_msg = "null: takes no key (RFC 2410)",
		.bad_icv_msg = "null: takes no ICV length (the auth algorithm has it)",
		.unavailable_msg = "null: the kernel crypto API has no ecb(cipher_null)",
	},
	/* HMACs: key as long as the hash (RFC 4868 §2.1.1), truncated ICVs. */
	{
		.name = "hmac-md5", .kind = AUTH, .crypto_name = "hmac(md5)",
		.key_lens = { 16 }, .icv_lens = { 12 },
		.bad_key_msg = "hmac-md5: key must be 16 bytes (RFC 2403)",
		.bad_icv_msg = "hmac-md5: ICV must be 12 bytes (HMAC-MD5-96, RFC 2403)",
		.unavailable_msg = "hmac-md5: the kernel crypto API has no hmac(md5)",
	},
	{
		.name = "hmac-sha1", .kind = AUTH, .crypto_name = "hmac(sha1)",
		.key_lens = { 20 }, .icv_lens = { 12 },
		.bad_key_msg = "hmac-sha1: key must be 20 bytes (RFC 2404)",
		.bad_icv_msg = "hmac-sha1: ICV must be 12 bytes (HMAC-SHA1-96, RFC 2404)",
		.unavailable_msg = "hmac-sha1: the kernel crypto API has no hmac(sha1)",
	},
	{
		.name = "hmac-sha2-256", .kind = AUTH, .crypto_name = "hmac(sha256)",
		.key_lens = { 32 }, .icv_lens = { 16 },
		.bad_key_msg = "hmac-sha2-256: key must be 32 bytes (RFC 4868 §2.1.1)",
		.bad_icv_msg = "hmac-sha2-256: ICV must be 16 bytes (HMAC-SHA-256-128, RFC 4868)",
		.unavailable_msg = "hmac-sha2-256: the kernel crypto API has no hmac(sha256)",
	},
	{
		.name = "hmac-sha2-384", .kind = AUTH, .crypto_name = "hmac(sha384)",
		.key_lens = { 48 }, .icv_lens = { 24 },
		.bad_key_msg = "hmac-sha2-384: key must be 48 bytes (RFC 4868 §2.1.1)",
		.bad_icv_msg = "hmac-sha2-384: ICV must be 24 bytes (HMAC-SHA-384-192, RFC 4868)",
		.unavailable_msg = "hmac-sha2-384: the kernel crypto API has no hmac(sha384)",
	},
	{
		.name = "hmac-sha2-512", .kind = AUTH, .crypto_name = "hmac(sha512)",
		.key_lens = { 64 }, .icv_lens = { 32 },
		.bad_key_msg = "hmac-sha2-512: key must be 64 bytes (RFC 4868 §2.1.1)",
		.bad_icv_msg = "hmac-sha2-512: ICV must be 32 bytes (HMAC-SHA-512-256, RFC 4868)",
		.unavailable_msg = "hmac-sha2-512: the kernel crypto API has no hmac(sha512)",
	},
};

const struct kipsec_alg_desc *kipsec_alg_lookup(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(algs); i++)
		if (!strcmp(algs[i].name, name))
			return &algs[i];
	return NULL;
}

static bool key_len_ok(const struct kipsec_alg_desc *d, u32 len)
{
	unsigned int i;

	if (d->kind == NULLENC)
		return len == 0;
	for (i = 0; i < ARRAY_SIZE(d->key_lens) && d->key_lens[i]; i++)
		if (d->key_lens[i] == len)
			return true;
	return false;
}

static bool icv_len_ok(const struct kipsec_alg_desc *d, u32 len)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(d->icv_lens) && d->icv_lens[i]; i++)
		if (d->icv_lens[i] == len)
			return true;
	return false;
}

/* Looks up one requested algorithm of the expected kinds and checks its sizes. */
static const struct kipsec_alg_desc *check_alg(const struct kipsec_alg_req *req, bool want_enc,
					       struct netlink_ext_ack *extack)
{
	const struct kipsec_alg_desc *d = kipsec_alg_lookup(req->name);

	if (!d || (d->kind == AUTH) == want_enc) {
		if (want_enc)
			NL_SET_ERR_MSG_ATTR(extack, req->attr,
					    "unknown encryption algorithm (aes-gcm, chacha20-poly1305, aes-cbc, 3des-cbc, null)");
		else
			NL_SET_ERR_MSG_ATTR(extack, req->attr,
					    "unknown authentication algorithm (hmac-md5, hmac-sha1, hmac-sha2-256, hmac-sha2-384, hmac-sha2-512)");
		return NULL;
	}
	if (!key_len_ok(d, req->key_len)) {
		kipsec_alg_error(extack, req->attr, d->bad_key_msg);
		return NULL;
	}
	if (req->icv_len && !icv_len_ok(d, req->icv_len)) {
		kipsec_alg_error(extack, req->attr, d->bad_icv_msg);
		return NULL;
	}
	return d;
}

static u8 *dup_key(const struct kipsec_alg_req *req)
{
	/* A zero-length key still gets a buffer, so NULL means "no memory". */
	return kmemdup(req->key ? req->key : (const u8 *)"", max_t(u32, req->key_len, 1),
		       GFP_KERNEL_ACCOUNT);
}

/*
 * The algorithms of an SA request as the protocol's init_xform() takes
 * them: each looked up by name and sized, the combinations RFC 4303 §3.2.2
 * allows, the keys copied.  The SA's ICV length is the AEAD's or the
 * authentication algorithm's.
 */
int kipsec_xform_set_algs(struct kipsec_xform *xf, const struct kipsec_alg_req *enc,
			  const struct kipsec_alg_req *auth, struct netlink_ext_ack *extack)
{
	if (enc) {
		xf->enc = check_alg(enc, true, extack);
		if (!xf->enc)
			return -EINVAL;
		if (xf->enc->kind == AEAD && auth) {
			NL_SET_ERR_MSG_ATTR(extack, auth->attr,
					    "an AEAD cipher authenticates by itself: no authentication algorithm");
			return -EINVAL;
		}
		if (xf->enc->kind == NULLENC && !auth) {
			NL_SET_ERR_MSG_ATTR(extack, enc->attr,
					    "null encryption needs an authentication algorithm (RFC 4303 §3.2.2)");
			return -EINVAL;
		}
		if (xf->enc->kind != AEAD && !auth) {
			/*
			 * RFC 4303 §3.2.2 allows confidentiality-only ESP but
			 * warns against it; without an ICV anti-replay is
			 * meaningless.  Refuse it.
			 */
			NL_SET_ERR_MSG_ATTR(extack, enc->attr,
					    "encryption without integrity is refused: add an authentication algorithm");
			return -EINVAL;
		}
		xf->enc_key = dup_key(enc);
		if (!xf->enc_key)
			return -ENOMEM;
		xf->enc_key_len = enc->key_len;
		if (xf->enc->kind == AEAD)
			xf->icv_len = enc->icv_len ? enc->icv_len : xf->enc->icv_lens[0];
	}
	if (auth) {
		xf->auth = check_alg(auth, false, extack);
		if (!xf->auth)
			return -EINVAL;
		xf->auth_key = dup_key(auth);
		if (!xf->auth_key)
			return -ENOMEM;
		xf->auth_key_len = auth->key_len;
		xf->icv_len = auth->icv_len ? auth->icv_len : xf->auth->icv_lens[0];
	}
	return 0;
}

int kipsec_xform_init(struct kipsec_xform *xf, const struct kipsec_proto_ops *ops, bool esn,
		      const struct kipsec_alg_req *enc, const struct kipsec_alg_req *auth,
		      struct netlink_ext_ack *extack)
{
	int err;

	memset(xf, 0, sizeof(*xf));
	err = ops->init_xform(xf, esn, enc, auth, extack);
	if (err)
		kipsec_xform_destroy(xf);
	return err;
}

void kipsec_xform_destroy(struct kipsec_xform *xf)
{
	if (xf->aead)
		crypto_free_aead(xf->aead);
	if (xf->ahash)
		crypto_free_ahash(xf->ahash);
	kfree_sensitive(xf->enc_key);
	kfree_sensitive(xf->auth_key);
	memset(xf, 0, sizeof(*xf));
}
