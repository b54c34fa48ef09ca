// SPDX-License-Identifier: GPL-2.0
/*
 * IKEv1 cryptography on OpenSSL 3 EVP (see crypto.h).
 *
 * The MODP primes are those of RFC 2409 §6.1-6.2 (groups 1, 2) and RFC 3526
 * §2-5 (groups 5, 14, 15, 16), all with generator 2; each is
 * 2^n - 2^(n-64) - 1 + 2^64 * (floor(2^(n-130) * pi) + k) as those RFCs
 * define them.  The ECP groups are the NIST curves of RFC 5903 §3.
 *
 * Deliberately repeated: the primes share their leading digits (the same
 * pi, the same top 64 bits), so `duplicates` pairs them.  Each is written
 * out whole as the RFC prints it, to be checked against it digit by digit;
 * building one from another's prefix would save text and lose that check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/dh.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include "crypto.h"
#include "ike_alg.h"

static const char modp1[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3620FFFFFFFFFFFFFFFF";
static const char modp2[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF";
static const char modp5[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF";
static const char modp14[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF";
static const char modp15[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
static const char modp16[] =
	"FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74"
	"020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437"
	"4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
	"EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05"
	"98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB"
	"9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B"
	"E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718"
	"3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33"
	"A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7"
	"ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864"
	"D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2"
	"08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7"
	"88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA2583E9CA2AD44CE8"
	"DBBBC2DB04DE8EF92E8EFC141FBECAA6287C59474E6BC05D99B2964FA090C3A2"
	"233BA186515BE7ED1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9"
	"93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199FFFFFFFFFFFFFFFF";

struct group_params {
	uint16_t id;
	const char *p;			/* MODP prime, hexadecimal */
	const char *curve;		/* ECP: the OpenSSL group name */
	size_t len;			/* public value length in bytes */
	int priv_bits;			/* MODP exponent length */
};

/*
 * Exponent lengths after RFC 3526 §8: twice the estimated strength of the
 * group, rounded up; a shorter exponent makes the exchange cheaper without
 * weakening it below the group's own strength.
 */
static const struct group_params dh_groups[] = {
	{ 1, modp1, NULL, 96, 200 },
	{ 2, modp2, NULL, 128, 240 },
	{ 5, modp5, NULL, 192, 320 },
	{ 14, modp14, NULL, 256, 320 },
	{ 15, modp15, NULL, 384, 420 },
	{ 16, modp16, NULL, 512, 480 },
	{ 19, NULL, "P-256", 64, 0 },	/* RFC 5903 §7: x | y, no 0x04 */
	{ 20, NULL, "P-384", 96, 0 },
	{ 21, NULL, "P-521", 132, 0 },
};

static const char *last_error = "";

static const struct group_params *group_params(uint16_t id)
{
	for (size_t i = 0; i < sizeof(dh_groups) / sizeof(dh_groups[0]); i++)
		if (dh_groups[i].id == id)
			return &dh_groups[i];
	return NULL;
}

const char *dh_error(void)
{
	return last_error;
}

static int fail(const char *why)
{
	last_error = why;
	ERR_clear_error();
	return -1;
}

/* ---- hashes and PRF ---- */

static EVP_MD *mds[7];
static EVP_MAC *hmac;

static const char *md_name(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return "MD5";
	case IKE_HASH_SHA1:
		return "SHA1";
	case IKE_HASH_SHA2_256:
		return "SHA256";
	case IKE_HASH_SHA2_384:
		return "SHA384";
	case IKE_HASH_SHA2_512:
		return "SHA512";
	}
	return NULL;
}

static const EVP_MD *md(uint16_t hash)
{
	const char *name = md_name(hash);

	if (!name)
		return NULL;
	if (!mds[hash])
		mds[hash] = EVP_MD_fetch(NULL, name, NULL);
	return mds[hash];
}

int crypto_init(void)
{
	static const uint16_t all[] = { IKE_HASH_MD5, IKE_HASH_SHA1, IKE_HASH_SHA2_256,
					IKE_HASH_SHA2_384, IKE_HASH_SHA2_512 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		if (!md(all[i]))
			return fail("a hash algorithm is missing from OpenSSL");
	hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	if (!hmac)
		return fail("HMAC is missing from OpenSSL");
	return 0;
}

size_t hash_len(uint16_t hash)
{
	switch (hash) {
	case IKE_HASH_MD5:
		return 16;
	case IKE_HASH_SHA1:
		return 20;
	case IKE_HASH_SHA2_256:
		return 32;
	case IKE_HASH_SHA2_384:
		return 48;
	case IKE_HASH_SHA2_512:
		return 64;
	}
	return 0;
}

int hash_iov(uint16_t hash, const struct iov *v, size_t n, uint8_t *out)
{
	const EVP_MD *m = md(hash);
	EVP_MD_CTX *ctx;
	int ok;

	if (!m)
		return fail("unknown hash");
	ctx = EVP_MD_CTX_new();
	if (!ctx)
		return fail("out of memory");
	ok = EVP_DigestInit_ex(ctx, m, NULL);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_DigestUpdate(ctx, v[i].p, v[i].len);
	ok = ok && EVP_DigestFinal_ex(ctx, out, NULL);
	EVP_MD_CTX_free(ctx);
	return ok ? 0 : fail("digest failed");
}

int prf_iov(uint16_t hash, const uint8_t *key, size_t klen, const struct iov *v, size_t n,
	    uint8_t *out)
{
	const char *name = md_name(hash);
	OSSL_PARAM params[2];
	EVP_MAC_CTX *ctx;
	size_t olen;
	int ok;

	if (!name || !hmac)
		return fail("unknown hash");
	ctx = EVP_MAC_CTX_new(hmac);
	if (!ctx)
		return fail("out of memory");
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)name, 0);
	params[1] = OSSL_PARAM_construct_end();
	ok = EVP_MAC_init(ctx, key, klen, params);
	for (size_t i = 0; ok && i < n; i++)
		ok = EVP_MAC_update(ctx, v[i].p, v[i].len);
	ok = ok && EVP_MAC_final(ctx, out, &olen, IKE_HASH_MAX);
	EVP_MAC_CTX_free(ctx);
	return ok ? 0 : fail("HMAC failed");
}

/* ---- phase 1 ciphers ---- */

size_t cipher_block(uint16_t enc)
{
	switch (enc) {
	case IKE_ENC_AES_CBC:
		return 16;
	case IKE_ENC_3DES_CBC:
		return 8;
	}
	return 0;
}

size_t cipher_key_len(uint16_t enc, uint16_t key_bits)
{
	switch (enc) {
	case IKE_ENC_AES_CBC:
		return key_bits == 128 || key_bits == 192 || key_bits == 256 ? key_bits / 8 : 0;
	case IKE_ENC_3DES_CBC:
		return key_bits ? 0 : 24;
	}
	return 0;
}

static const char *cipher_name(uint16_t enc, size_t klen)
{
	if (enc == IKE_ENC_3DES_CBC)
		return "DES-EDE3-CBC";
	switch (klen) {
	case 16:
		return "AES-128-CBC";
	case 24:
		return "AES-192-CBC";
	case 32:
		return "AES-256-CBC";
	}
	return NULL;
}

int cipher_cbc(uint16_t enc, const uint8_t *key, size_t klen, uint8_t *iv, uint8_t *data,
	       size_t len, bool encrypt)
{
	const char *name = cipher_name(enc, klen);
	size_t block = cipher_block(enc);
	uint8_t next[IKE_BLOCK_MAX];
	EVP_CIPHER_CTX *ctx;
	EVP_CIPHER *c;
	int ok, outl;

	if (!name || !block || len % block || !len)
		return fail("bad cipher input");
	/* The next IV is the last ciphertext block (RFC 2409 Appendix B). */
	if (!encrypt)
		memcpy(next, data + len - block, block);
	c = EVP_CIPHER_fetch(NULL, name, NULL);
	ctx = EVP_CIPHER_CTX_new();
	ok = c && ctx && EVP_CipherInit_ex(ctx, c, NULL, key, iv, encrypt) &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	     EVP_CipherUpdate(ctx, data, &outl, data, (int)len) && (size_t)outl == len;
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	if (!ok)
		return fail("cipher failed");
	if (encrypt)
		memcpy(next, data + len - block, block);
	memcpy(iv, next, block);
	return 0;
}

/* ---- Diffie-Hellman ---- */

struct dh {
	const struct group_params *g;
	EVP_PKEY *key;
};

/* The domain parameters of each MODP group, built once. */
static EVP_PKEY *modp_domain[17];

static OSSL_PARAM *modp_params(const struct group_params *g, const BIGNUM *pub, bool priv_len)
{
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *p = NULL, *gen = BN_new();
	OSSL_PARAM *params = NULL;

	if (!bld || !gen || !BN_hex2bn(&p, g->p) || !BN_set_word(gen, 2))
		goto out;
	if (!OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen))
		goto out;
	if (priv_len && !OSSL_PARAM_BLD_push_int(bld, OSSL_PKEY_PARAM_DH_PRIV_LEN, g->priv_bits))
		goto out;
	if (pub && !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, pub))
		goto out;
	params = OSSL_PARAM_BLD_to_param(bld);
out:
	BN_free(p);
	BN_free(gen);
	OSSL_PARAM_BLD_free(bld);
	return params;
}

static EVP_PKEY *pkey_fromdata(const char *type, OSSL_PARAM *params, int selection)
{
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
	EVP_PKEY *pkey = NULL;

	if (ctx && EVP_PKEY_fromdata_init(ctx) > 0)
		EVP_PKEY_fromdata(ctx, &pkey, selection, params);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

bool dh_supported(uint16_t group)
{
	return group_params(group) != NULL;
}

size_t dh_public_len(uint16_t group)
{
	const struct group_params *g = group_params(group);

	return g ? g->len : 0;
}

static random_source_fn random_source;

void random_set_source(random_source_fn fn)
{
	random_source = fn;
}

/*
 * The private value from the test's source: as many bytes as the MODP
 * exponent or the curve order, the top byte cleared so that it stays
 * below the order of every ECP group, never zero.
 */
static struct dh *dh_new_seeded(const struct group_params *g)
{
	uint8_t priv[DH_MAX / 2];
	size_t len = g->curve ? g->len / 2 : (size_t)g->priv_bits / 8;
	struct dh *dh = NULL;

	if (!random_bytes(priv, len)) {
		priv[0] = 0;
		priv[len - 1] |= 1;
		dh = dh_new_private(g->id, priv, len);
	}
	explicit_bzero(priv, sizeof(priv));
	if (!dh)
		fail("key generation failed");
	return dh;
}

struct dh *dh_new(uint16_t group)
{
	const struct group_params *g = group_params(group);
	EVP_PKEY_CTX *ctx = NULL;
	struct dh *dh;

	if (!g) {
		fail("unsupported group");
		return NULL;
	}
	if (random_source)
		return dh_new_seeded(g);
	dh = calloc(1, sizeof(*dh));
	if (!dh)
		return NULL;
	dh->g = g;
	if (g->curve) {
		dh->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", g->curve);
	} else {
		if (!modp_domain[group]) {
			OSSL_PARAM *params = modp_params(g, NULL, true);

			if (params)
				modp_domain[group] = pkey_fromdata("DH", params,
								   EVP_PKEY_KEY_PARAMETERS);
			OSSL_PARAM_free(params);
		}
		if (modp_domain[group])
			ctx = EVP_PKEY_CTX_new_from_pkey(NULL, modp_domain[group], NULL);
		if (ctx && EVP_PKEY_keygen_init(ctx) > 0)
			EVP_PKEY_generate(ctx, &dh->key);
		EVP_PKEY_CTX_free(ctx);
	}
	if (!dh->key) {
		fail("key generation failed");
		free(dh);
		return NULL;
	}
	return dh;
}

struct dh *dh_new_private(uint16_t group, const uint8_t *priv, size_t len)
{
	const struct group_params *g = group_params(group);
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *x = BN_bin2bn(priv, (int)len, NULL), *p = NULL, *gen = BN_new(), *y = BN_new();
	OSSL_PARAM *params = NULL;
	EC_GROUP *ecg = NULL;
	EC_POINT *pt = NULL;
	BN_CTX *bn = BN_CTX_new();
	struct dh *dh = NULL;
	uint8_t pub[1 + DH_MAX];
	size_t plen;

	if (!g || !bld || !x || !gen || !y || !bn)
		goto out;
	if (g->curve) {
		ecg = EC_GROUP_new_by_curve_name(EC_curve_nist2nid(g->curve));
		pt = ecg ? EC_POINT_new(ecg) : NULL;
		if (!pt || !EC_POINT_mul(ecg, pt, x, NULL, NULL, bn))
			goto out;
		plen = EC_POINT_point2oct(ecg, pt, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub), bn);
		if (!plen || !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
							      g->curve, 0) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
		    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub, plen))
			goto out;
	} else {
		if (!BN_hex2bn(&p, g->p) || !BN_set_word(gen, 2) || !BN_mod_exp(y, gen, x, p, bn) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_P, p) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_FFC_G, gen) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, x) ||
		    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PUB_KEY, y))
			goto out;
	}
	params = OSSL_PARAM_BLD_to_param(bld);
	dh = params ? calloc(1, sizeof(*dh)) : NULL;
	if (dh) {
		dh->g = g;
		dh->key = pkey_fromdata(g->curve ? "EC" : "DH", params, EVP_PKEY_KEYPAIR);
		if (!dh->key) {
			free(dh);
			dh = NULL;
		}
	}
out:
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_clear_free(x);
	BN_free(p);
	BN_free(gen);
	BN_free(y);
	EC_POINT_free(pt);
	EC_GROUP_free(ecg);
	BN_CTX_free(bn);
	return dh;
}

int dh_public(struct dh *dh, uint8_t *out)
{
	if (dh->g->curve) {
		uint8_t pt[1 + DH_MAX];
		size_t len = 0;

		if (!EVP_PKEY_get_octet_string_param(dh->key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
						     pt, sizeof(pt), &len) ||
		    len != 1 + dh->g->len || pt[0] != 0x04)
			return fail("cannot encode the EC public key");
		memcpy(out, pt + 1, dh->g->len);
		return 0;
	} else {
		BIGNUM *pub = NULL;
		int ok;

		if (!EVP_PKEY_get_bn_param(dh->key, OSSL_PKEY_PARAM_PUB_KEY, &pub))
			return fail("cannot read the DH public key");
		/* RFC 2409 §5: the KE data is g^x padded to the prime's length. */
		ok = BN_bn2binpad(pub, out, (int)dh->g->len) == (int)dh->g->len;
		BN_free(pub);
		return ok ? 0 : fail("DH public key too long");
	}
}

static EVP_PKEY *peer_key(const struct group_params *g, const uint8_t *peer, size_t len)
{
	OSSL_PARAM *params = NULL;
	EVP_PKEY *pkey = NULL;

	if (len != g->len) {
		fail("public value of the wrong length");
		return NULL;
	}
	if (g->curve) {
		uint8_t pt[1 + DH_MAX];
		OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();

		pt[0] = 0x04;
		memcpy(pt + 1, peer, len);
		if (bld && OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
							   g->curve, 0) &&
		    OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pt, len + 1))
			params = OSSL_PARAM_BLD_to_param(bld);
		OSSL_PARAM_BLD_free(bld);
		/* Decoding checks that the point is on the curve. */
		if (params)
			pkey = pkey_fromdata("EC", params, EVP_PKEY_PUBLIC_KEY);
	} else {
		BIGNUM *y = BN_bin2bn(peer, (int)len, NULL), *p = NULL, *pm1 = NULL;

		/* 1 < y < p - 1: refuse the degenerate values (RFC 2631 §2.1.5). */
		if (y && BN_hex2bn(&p, g->p) && (pm1 = BN_dup(p)) && BN_sub_word(pm1, 1) &&
		    BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, pm1) < 0)
			params = modp_params(g, y, false);
		BN_free(y);
		BN_free(p);
		BN_free(pm1);
		if (params)
			pkey = pkey_fromdata("DH", params, EVP_PKEY_PUBLIC_KEY);
	}
	OSSL_PARAM_free(params);
	if (!pkey)
		fail("the peer's public value is invalid");
	return pkey;
}

int dh_shared(struct dh *dh, const uint8_t *peer, size_t len, uint8_t *out, size_t *out_len)
{
	EVP_PKEY *pk = peer_key(dh->g, peer, len);
	EVP_PKEY_CTX *ctx;
	size_t n = DH_MAX;
	int ok;

	if (!pk)
		return -1;
	ctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->key, NULL);
	ok = ctx && EVP_PKEY_derive_init(ctx) > 0;
	/* g^xy as long as the prime, leading zeros kept. */
	if (ok && !dh->g->curve)
		ok = EVP_PKEY_CTX_set_dh_pad(ctx, 1) > 0;
	ok = ok && EVP_PKEY_derive_set_peer_ex(ctx, pk, 0) > 0 &&
	     EVP_PKEY_derive(ctx, out, &n) > 0;
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(pk);
	if (!ok)
		return fail("key agreement failed");
	*out_len = n;
	return 0;
}

void dh_free(struct dh *dh)
{
	if (!dh)
		return;
	EVP_PKEY_free(dh->key);
	free(dh);
}

int random_bytes(void *p, size_t n)
{
	if (random_source)
		return random_source(p, n) ? fail("no random bytes") : 0;
	return RAND_bytes(p, (int)n) == 1 ? 0 : fail("no random bytes");
}

/* ---- RFC 2409 ---- */

int p1_expand_key(uint16_t hash, const uint8_t *e, size_t e_len, uint8_t *out, size_t need)
{
	uint8_t k[IKE_HASH_MAX], zero = 0;
	size_t plen = hash_len(hash), done = 0;

	if (need <= e_len) {
		memcpy(out, e, need);
		return 0;
	}
	/* K1 = prf(SKEYID_e, 0), K2 = prf(SKEYID_e, K1), ... */
	while (done < need) {
		struct iov v = done ? (struct iov){ k, plen } : (struct iov){ &zero, 1 };
		size_t n;

		if (prf_iov(hash, e, e_len, &v, 1, k))
			return -1;
		n = need - done < plen ? need - done : plen;
		memcpy(out + done, k, n);
		done += n;
	}
	explicit_bzero(k, sizeof(k));
	return 0;
}

int p1_derive_psk(struct p1_keys *k, uint16_t hash, uint16_t enc, uint16_t key_bits,
		  const uint8_t *psk, size_t psk_len, const uint8_t *ni, size_t ni_len,
		  const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len,
		  const uint8_t *icky, const uint8_t *rcky, const uint8_t *gxi, const uint8_t *gxr,
		  size_t gx_len)
{
	uint8_t c0 = 0, c1 = 1, c2 = 2, iv[IKE_HASH_MAX];
	size_t plen = hash_len(hash);
	struct iov nonces[] = { { ni, ni_len }, { nr, nr_len } };
	struct iov d[] = { { gxy, gxy_len }, { icky, 8 }, { rcky, 8 }, { &c0, 1 } };
	struct iov a[] = { { k->skeyid_d, plen }, { gxy, gxy_len }, { icky, 8 }, { rcky, 8 },
			   { &c1, 1 } };
	struct iov e[] = { { k->skeyid_a, plen }, { gxy, gxy_len }, { icky, 8 }, { rcky, 8 },
			   { &c2, 1 } };
	struct iov ivp[] = { { gxi, gx_len }, { gxr, gx_len } };

	memset(k, 0, sizeof(*k));
	k->prf_len = plen;
	k->enc_len = cipher_key_len(enc, key_bits);
	k->block = cipher_block(enc);
	if (!plen || !k->enc_len || !k->block)
		return fail("unsupported phase 1 algorithms");
	if (prf_iov(hash, psk, psk_len, nonces, 2, k->skeyid) ||
	    prf_iov(hash, k->skeyid, plen, d, 4, k->skeyid_d) ||
	    prf_iov(hash, k->skeyid, plen, a, 5, k->skeyid_a) ||
	    prf_iov(hash, k->skeyid, plen, e, 5, k->skeyid_e) ||
	    p1_expand_key(hash, k->skeyid_e, plen, k->enc, k->enc_len) ||
	    hash_iov(hash, ivp, 2, iv))
		return -1;
	/* Appendix B: the first IV is hash(g^xi | g^xr), cut to the block size. */
	memcpy(k->iv, iv, k->block);
	return 0;
}

int p2_iv(uint16_t hash, const uint8_t *last_block, size_t block, uint32_t msgid, uint8_t *out)
{
	uint8_t m[4], h[IKE_HASH_MAX];
	struct iov v[] = { { last_block, block }, { m, 4 } };


	m[0] = msgid >> 24;
	m[1] = msgid >> 16;
	m[2] = msgid >> 8;
	m[3] = msgid;
	if (hash_iov(hash, v, 2, h))
		return -1;
	memcpy(out, h, block);
	return 0;
}

int p2_keymat(uint16_t hash, const uint8_t *skeyid_d, size_t d_len, const uint8_t *gxy,
	      size_t gxy_len, uint8_t proto, uint32_t spi, const uint8_t *ni, size_t ni_len,
	      const uint8_t *nr, size_t nr_len, uint8_t *out, size_t need)
{
	uint8_t k[IKE_HASH_MAX], s[4] = { spi >> 24, spi >> 16, spi >> 8, spi };
	size_t plen = hash_len(hash), done = 0;

	if (!plen)
		return fail("unknown hash");
	while (done < need) {
		struct iov v[6];
		size_t n = 0, take;

		if (done)
			v[n++] = (struct iov){ k, plen };
		if (gxy)
			v[n++] = (struct iov){ gxy, gxy_len };
		v[n++] = (struct iov){ &proto, 1 };
		v[n++] = (struct iov){ s, 4 };
		v[n++] = (struct iov){ ni, ni_len };
		v[n++] = (struct iov){ nr, nr_len };
		if (prf_iov(hash, skeyid_d, d_len, v, n, k))
			return -1;
		take = need - done < plen ? need - done : plen;
		memcpy(out + done, k, take);
		done += take;
	}
	explicit_bzero(k, sizeof(k));
	return 0;
}
