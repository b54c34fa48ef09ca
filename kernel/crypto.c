// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the algorithm table and the crypto API transforms of an SA.
 *
 * Every ESP SA gets one AEAD transform: the combined-mode ciphers as they
 * are (RFC 4106, RFC 7634), the others wrapped by the kernel's authenc
 * template ("authenc(hmac(sha256),cbc(aes))"; "authencesn" with extended
 * sequence numbers, whose high half is authenticated but not sent, RFC 4303
 * §2.2.1).  AH SAs get a keyed hash.
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <crypto/hash.h>
#include <linux/kernel.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
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

/*
 * NL_SET_ERR_MSG() wants a literal; the per-algorithm messages of the table
 * are just as static, so they are set the same way by hand.
 */
static void alg_error(struct netlink_ext_ack *extack, const struct nlattr *attr, const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

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
		alg_error(extack, req->attr, d->bad_key_msg);
		return NULL;
	}
	if (req->icv_len && !icv_len_ok(d, req->icv_len)) {
		alg_error(extack, req->attr, d->bad_icv_msg);
		return NULL;
	}
	return d;
}

static u8 *dup_key(const struct kipsec_alg_req *req)
{
	/* A zero-length key still gets a buffer, so NULL means "no memory". */
	return kmemdup(req->key ? req->key : (const u8 *)"", max_t(u32, req->key_len, 1),
		       GFP_KERNEL);
}

/* The authenc key blob: an rtattr with the cipher key length, then both keys. */
static int set_authenc_key(struct kipsec_xform *xf)
{
	struct crypto_authenc_key_param *param;
	unsigned int len = RTA_SPACE(sizeof(*param)) + xf->auth_key_len + xf->enc_key_len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(xf->enc_key_len);
	p = blob + RTA_SPACE(sizeof(*param));
	memcpy(p, xf->auth_key, xf->auth_key_len);
	memcpy(p + xf->auth_key_len, xf->enc_key, xf->enc_key_len);
	err = crypto_aead_setkey(xf->aead, blob, len);
	kfree_sensitive(blob);
	return err;
}

static int init_esp(struct kipsec_xform *xf, bool esn, const struct kipsec_alg_req *enc_req,
		    struct netlink_ext_ack *extack)
{
	char name[CRYPTO_MAX_ALG_NAME];
	const char *unavailable;
	int err;

	/*
	 * The IV generator templates derive each IV from the sequence
	 * number: seqiv for the counter-mode AEADs (RFC 4106 §3.1, RFC 7634
	 * §2), echainiv for CBC, whose IVs must be unpredictable (RFC 3602
	 * §2.4).  NULL encryption has no IV.
	 */
	if (xf->enc->kind == AEAD) {
		err = snprintf(name, sizeof(name), "seqiv(%s)", xf->enc->crypto_name);
		unavailable = xf->enc->unavailable_msg;
	} else {
		err = snprintf(name, sizeof(name), "%s%s(%s,%s)%s",
			       xf->enc->iv_len ? "echainiv(" : "", esn ? "authencesn" : "authenc",
			       xf->auth->crypto_name, xf->enc->crypto_name,
			       xf->enc->iv_len ? ")" : "");
		unavailable = "the kernel crypto API cannot combine this encryption and authentication (authenc)";
	}
	if (err >= (int)sizeof(name))
		return -EINVAL;
	xf->aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(xf->aead)) {
		err = PTR_ERR(xf->aead);
		xf->aead = NULL;
		alg_error(extack, enc_req->attr, unavailable);
		return err == -ENOENT ? -EINVAL : err;
	}
	err = crypto_aead_setauthsize(xf->aead, xf->icv_len);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, enc_req->attr, "the crypto API refused the ICV length");
		return -EINVAL;
	}
	if (xf->enc->kind == AEAD)
		err = crypto_aead_setkey(xf->aead, xf->enc_key, xf->enc_key_len);
	else
		err = set_authenc_key(xf);
	if (err) {
		/* 3DES refuses keys whose thirds repeat (weak keys). */
		NL_SET_ERR_MSG_ATTR(extack, enc_req->attr, "the crypto API refused the key");
		return err == -ENOMEM ? err : -EINVAL;
	}
	return 0;
}

static int init_ah(struct kipsec_xform *xf, const struct kipsec_alg_req *auth_req,
		   struct netlink_ext_ack *extack)
{
	int err;

	xf->ahash = crypto_alloc_ahash(xf->auth->crypto_name, 0, 0);
	if (IS_ERR(xf->ahash)) {
		err = PTR_ERR(xf->ahash);
		xf->ahash = NULL;
		alg_error(extack, auth_req->attr, xf->auth->unavailable_msg);
		return err == -ENOENT ? -EINVAL : err;
	}
	if (crypto_ahash_digestsize(xf->ahash) < xf->icv_len) {
		alg_error(extack, auth_req->attr, xf->auth->bad_icv_msg);
		return -EINVAL;
	}
	err = crypto_ahash_setkey(xf->ahash, xf->auth_key, xf->auth_key_len);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, auth_req->attr, "the crypto API refused the key");
		return err == -ENOMEM ? err : -EINVAL;
	}
	return 0;
}

int kipsec_xform_init(struct kipsec_xform *xf, u8 proto, bool esn,
		      const struct kipsec_alg_req *enc, const struct kipsec_alg_req *auth,
		      struct netlink_ext_ack *extack)
{
	int err = -ENOMEM;

	memset(xf, 0, sizeof(*xf));
	if (proto == IPPROTO_AH) {
		if (enc) {
			NL_SET_ERR_MSG_ATTR(extack, enc->attr,
					    "AH takes no encryption algorithm: it only authenticates (RFC 4302)");
			return -EINVAL;
		}
		if (!auth) {
			NL_SET_ERR_MSG(extack, "AH needs an authentication algorithm (KIPSEC_SA_A_AUTH)");
			return -EINVAL;
		}
	} else if (!enc) {
		NL_SET_ERR_MSG(extack,
			       "ESP needs an encryption algorithm (KIPSEC_SA_A_ENC; \"null\" for integrity only)");
		return -EINVAL;
	}
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
			goto fail;
		xf->enc_key_len = enc->key_len;
		if (xf->enc->kind == AEAD)
			xf->icv_len = enc->icv_len ? enc->icv_len : xf->enc->icv_lens[0];
	}
	if (auth) {
		xf->auth = check_alg(auth, false, extack);
		if (!xf->auth) {
			err = -EINVAL;
			goto fail;
		}
		xf->auth_key = dup_key(auth);
		if (!xf->auth_key)
			goto fail;
		xf->auth_key_len = auth->key_len;
		xf->icv_len = auth->icv_len ? auth->icv_len : xf->auth->icv_lens[0];
	}
	err = proto == IPPROTO_AH ? init_ah(xf, auth, extack) : init_esp(xf, esn, enc, extack);
	if (err)
		goto fail;
	return 0;
fail:
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
