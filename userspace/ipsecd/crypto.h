/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The cryptography of IKEv1 on OpenSSL 3 (EVP only): Diffie-Hellman over
 * the MODP and ECP groups, the negotiated hash and its HMAC as PRF, the
 * phase 1 CBC ciphers, and the key derivations of RFC 2409 §5, §5.5 and
 * Appendix B.
 */
#ifndef IPSECD_CRYPTO_H
#define IPSECD_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IKE_HASH_MAX	64	/* SHA2-512 */
#define IKE_BLOCK_MAX	16	/* AES */
#define IKE_KEY_MAX	32	/* AES-256 */
#define DH_MAX		512	/* MODP 4096: 512 bytes; ECP 521: 2 x 66 */

/* A list of byte strings, hashed one after the other. */
struct iov {
	const void *p;
	size_t len;
};

int crypto_init(void);

/* Output size of the hash (and of its HMAC), 0 for an unknown id. */
size_t hash_len(uint16_t hash);
/* Message digest of the concatenation of n pieces. */
int hash_iov(uint16_t hash, const struct iov *v, size_t n, uint8_t *out);
/* prf(key, pieces) = HMAC-hash (RFC 2409 §5: the negotiated hash's HMAC). */
int prf_iov(uint16_t hash, const uint8_t *key, size_t klen, const struct iov *v, size_t n,
	    uint8_t *out);

/* Phase 1 ciphers (RFC 2409 Appendix A): block and key sizes, 0 if unknown. */
size_t cipher_block(uint16_t enc);
size_t cipher_key_len(uint16_t enc, uint16_t key_bits);
/*
 * CBC over len bytes (a multiple of the block size), in place; iv is
 * updated to the last ciphertext block, the next IV of RFC 2409
 * Appendix B.
 */
int cipher_cbc(uint16_t enc, const uint8_t *key, size_t klen, uint8_t *iv, uint8_t *data,
	       size_t len, bool encrypt);

/* Diffie-Hellman. */
struct dh;
bool dh_supported(uint16_t group);
/* Length of the public value (the KE payload body) and of the secret g^xy. */
size_t dh_public_len(uint16_t group);
struct dh *dh_new(uint16_t group);
/* Our public value, dh_public_len() bytes. */
int dh_public(struct dh *dh, uint8_t *out);
/* g^xy, dh_public_len() bytes (MODP) or the x coordinate (ECP, RFC 5903 §7). */
int dh_shared(struct dh *dh, const uint8_t *peer, size_t len, uint8_t *out, size_t *out_len);
void dh_free(struct dh *dh);
/* For tests with known answers: a key pair from a given private value. */
struct dh *dh_new_private(uint16_t group, const uint8_t *priv, size_t len);
const char *dh_error(void);

/* Random bytes (cookies, nonces, message IDs). */
int random_bytes(void *p, size_t n);
/*
 * A test seam: with a source set, random_bytes() draws from it and every
 * Diffie-Hellman private value comes from random_bytes(), so a fuzz harness
 * replays an exchange byte for byte from its seed.  NULL: OpenSSL's RNG.
 * Never set in ipsecd itself.
 */
typedef int (*random_source_fn)(void *p, size_t n);
void random_set_source(random_source_fn fn);

/* ---- RFC 2409 key derivation ---- */

struct p1_keys {
	size_t prf_len;
	uint8_t skeyid[IKE_HASH_MAX];
	uint8_t skeyid_d[IKE_HASH_MAX];
	uint8_t skeyid_a[IKE_HASH_MAX];
	uint8_t skeyid_e[IKE_HASH_MAX];
	size_t enc_len, block;
	uint8_t enc[IKE_KEY_MAX];	/* the cipher key, Appendix B expansion */
	uint8_t iv[IKE_BLOCK_MAX];	/* the first IV of phase 1 */
};

/*
 * §5 (pre-shared key): SKEYID = prf(psk, Ni_b | Nr_b);
 * SKEYID_d = prf(SKEYID, g^xy | CKY-I | CKY-R | 0), SKEYID_a with
 * SKEYID_d | ... | 1, SKEYID_e with SKEYID_a | ... | 2; the cipher key from
 * SKEYID_e (Appendix B), the IV = hash(g^xi | g^xr).
 */
int p1_derive_psk(struct p1_keys *k, uint16_t hash, uint16_t enc, uint16_t key_bits,
		  const uint8_t *psk, size_t psk_len, const uint8_t *ni, size_t ni_len,
		  const uint8_t *nr, size_t nr_len, const uint8_t *gxy, size_t gxy_len,
		  const uint8_t *icky, const uint8_t *rcky, const uint8_t *gxi, const uint8_t *gxr,
		  size_t gx_len);

/* Appendix B: Ka = K1 | K2 | ..., K1 = prf(SKEYID_e, 0), Kn = prf(SKEYID_e, Kn-1). */
int p1_expand_key(uint16_t hash, const uint8_t *skeyid_e, size_t e_len, uint8_t *out,
		  size_t need);

/* IV of a phase 2 or informational exchange: hash(last phase 1 block | M-ID). */
int p2_iv(uint16_t hash, const uint8_t *last_block, size_t block, uint32_t msgid,
	  uint8_t *out);

/*
 * §5.5 KEYMAT = K1 | K2 | ..., K1 = prf(SKEYID_d, [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b),
 * Kn = prf(SKEYID_d, Kn-1 | [g(qm)^xy |] protocol | SPI | Ni_b | Nr_b).
 */
int p2_keymat(uint16_t hash, const uint8_t *skeyid_d, size_t d_len, const uint8_t *gxy,
	      size_t gxy_len, uint8_t proto, uint32_t spi, const uint8_t *ni, size_t ni_len,
	      const uint8_t *nr, size_t nr_len, uint8_t *out, size_t need);

#endif /* IPSECD_CRYPTO_H */
