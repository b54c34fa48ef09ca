// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ipsecd/crypto.c: Diffie-Hellman, the PRF, the phase 1
 * ciphers and the key derivations of RFC 2409 §5, §5.5 and Appendix B.
 *
 * Every expected value comes from ike_vectors.h, which ike_vectors.py
 * computes from the RFCs with Python's big integers, hashlib, hmac and the
 * 'cryptography' package: nothing here is checked against ipsecd's own
 * output.  The interoperability tests with strongSwan (ike_interop.sh)
 * check the same derivations against a second implementation on the wire.
 */
#include <stdint.h>
#include <string.h>

#include "crypto.h"
#include "ike_alg.h"
#include "ike_vectors.h"
#include "tap.h"

static void test_dh(uint16_t group, const char *name, const uint8_t *xi, const uint8_t *gxi,
		    const uint8_t *gxr, const uint8_t *gxy, size_t pub_len, size_t sec_len)
{
	struct dh *dh = dh_new_private(group, xi, 32);
	uint8_t pub[DH_MAX], sec[DH_MAX];
	size_t len = 0;

	ok(dh != NULL, "dh %s: key pair from a known private value", name);
	if (!dh)
		return;
	is_int(dh_public_len(group), pub_len, "dh %s: public value is %zu bytes", name, pub_len);
	is_int(dh_public(dh, pub), 0, "dh %s: public value", name);
	is_mem(pub, gxi, pub_len, "dh %s: g^xi as computed independently", name);
	is_int(dh_shared(dh, gxr, pub_len, sec, &len), 0, "dh %s: shared secret", name);
	is_int(len, sec_len, "dh %s: g^xy is %zu bytes", name, sec_len);
	is_mem(sec, gxy, sec_len, "dh %s: g^xy as computed independently", name);
	dh_free(dh);
}

static void test_dh_rejects(void)
{
	struct dh *dh = dh_new(2);
	uint8_t bad[128], sec[DH_MAX];
	size_t len;

	ok(dh != NULL, "dh reject: group 2 key");
	if (!dh)
		return;
	memset(bad, 0, sizeof(bad));
	is_int(dh_shared(dh, bad, sizeof(bad), sec, &len), -1, "dh reject: peer value 0");
	bad[127] = 1;
	is_int(dh_shared(dh, bad, sizeof(bad), sec, &len), -1, "dh reject: peer value 1");
	is_int(dh_shared(dh, v_g2_gxr, 127, sec, &len), -1, "dh reject: short public value");
	/* p - 1 (RFC 2631 §2.1.5): the prime ends in ff..ff, so p - 1 ends in fe. */
	memset(bad, 0xff, sizeof(bad));
	is_int(dh_shared(dh, bad, sizeof(bad), sec, &len), -1, "dh reject: 2^1024 - 1 > p");
	dh_free(dh);
	dh = dh_new(19);
	ok(dh != NULL, "dh reject: P-256 key");
	if (dh) {
		uint8_t pt[64];

		memcpy(pt, v_g19_gxr, 64);
		pt[63] ^= 1;
		is_int(dh_shared(dh, pt, 64, sec, &len), -1, "dh reject: point not on the curve");
		dh_free(dh);
	}
	ok(dh_new(3) == NULL, "dh reject: group 3 (EC2N) unsupported");
	ok(!dh_supported(22) && dh_supported(14) && dh_supported(21), "dh groups known");
}

static void test_phase1(uint16_t hash, const char *name, const uint8_t *skeyid,
			const uint8_t *d, const uint8_t *a, const uint8_t *e, const uint8_t *aes256,
			const uint8_t *des3, const uint8_t *iv, const uint8_t *hash_i,
			const uint8_t *hash_r, const uint8_t *p2iv)
{
	size_t plen = hash_len(hash);
	struct p1_keys k;
	uint8_t out[IKE_HASH_MAX], last[16];
	struct iov vi[6] = { { v_g14_gxi, 256 }, { v_g14_gxr, 256 }, { v_icky, 8 }, { v_rcky, 8 },
			     { v_sai_b, sizeof(v_sai_b) }, { v_idii, sizeof(v_idii) } };
	struct iov vr[6] = { { v_g14_gxr, 256 }, { v_g14_gxi, 256 }, { v_rcky, 8 }, { v_icky, 8 },
			     { v_sai_b, sizeof(v_sai_b) }, { v_idir, sizeof(v_idir) } };

	is_int(p1_derive_psk(&k, hash, IKE_ENC_AES_CBC, 256, v_psk, sizeof(v_psk), v_ni, 32, v_nr,
			     32, v_g14_gxy, 256, v_icky, v_rcky, v_g14_gxi, v_g14_gxr, 256),
	       0, "%s: phase 1 keys derive", name);
	is_mem(k.skeyid, skeyid, plen, "%s: SKEYID = prf(psk, Ni_b | Nr_b)", name);
	is_mem(k.skeyid_d, d, plen, "%s: SKEYID_d", name);
	is_mem(k.skeyid_a, a, plen, "%s: SKEYID_a", name);
	is_mem(k.skeyid_e, e, plen, "%s: SKEYID_e", name);
	is_int(k.enc_len, 32, "%s: AES-256 key is 32 bytes", name);
	is_mem(k.enc, aes256, 32, "%s: AES-256 key (Appendix B)", name);
	is_mem(k.iv, iv, 16, "%s: first IV = hash(g^xi | g^xr)", name);
	is_int(p1_derive_psk(&k, hash, IKE_ENC_3DES_CBC, 0, v_psk, sizeof(v_psk), v_ni, 32, v_nr,
			     32, v_g14_gxy, 256, v_icky, v_rcky, v_g14_gxi, v_g14_gxr, 256),
	       0, "%s: phase 1 keys for 3DES", name);
	is_mem(k.enc, des3, 24, "%s: 3DES key (Appendix B)", name);
	is_int(k.block, 8, "%s: 3DES IV is one 8-byte block", name);
	is_mem(k.iv, iv, 8, "%s: 3DES first IV", name);
	prf_iov(hash, skeyid, plen, vi, 6, out);
	is_mem(out, hash_i, plen, "%s: HASH_I", name);
	prf_iov(hash, skeyid, plen, vr, 6, out);
	is_mem(out, hash_r, plen, "%s: HASH_R", name);
	for (int i = 0; i < 16; i++)
		last[i] = (uint8_t)(0xc0 + i);
	is_int(p2_iv(hash, last, 16, 0x12345678, out), 0, "%s: phase 2 IV", name);
	is_mem(out, p2iv, 16, "%s: phase 2 IV = hash(last block | M-ID)", name);
}

static void test_keymat(uint16_t hash, const char *name, const uint8_t *d, const uint8_t *km36,
			const uint8_t *km96)
{
	uint8_t out[96];

	is_int(p2_keymat(hash, d, hash_len(hash), NULL, 0, 3, 0xc0ffee01, v_ni, 32, v_nr, 32, out,
			 36), 0, "%s: KEYMAT without PFS", name);
	is_mem(out, km36, 36, "%s: KEYMAT 36 bytes (AES-256-GCM + salt)", name);
	is_int(p2_keymat(hash, d, hash_len(hash), v_qm_gxy, 256, 3, 0xdeadbeef, v_ni, 32, v_nr, 32,
			 out, 96), 0, "%s: KEYMAT with PFS", name);
	is_mem(out, km96, 96, "%s: KEYMAT 96 bytes (AES-256 + HMAC-SHA2-512), expanded", name);
}

static void test_cbc(void)
{
	uint8_t buf[32], iv[16];

	memcpy(buf, v_aes_plain, 32);
	memcpy(iv, v_aes_iv, 16);
	is_int(cipher_cbc(IKE_ENC_AES_CBC, v_aes_key, 32, iv, buf, 32, true), 0, "aes-256-cbc encrypts");
	is_mem(buf, v_aes_cipher, 32, "aes-256-cbc ciphertext");
	is_mem(iv, v_aes_cipher + 16, 16, "aes-256-cbc: next IV is the last ciphertext block");
	memcpy(iv, v_aes_iv, 16);
	is_int(cipher_cbc(IKE_ENC_AES_CBC, v_aes_key, 32, iv, buf, 32, false), 0, "aes-256-cbc decrypts");
	is_mem(buf, v_aes_plain, 32, "aes-256-cbc round trip");
	is_mem(iv, v_aes_cipher + 16, 16, "aes-256-cbc: decrypting chains the same IV");

	memcpy(buf, v_3des_plain, 16);
	memcpy(iv, v_3des_iv, 8);
	is_int(cipher_cbc(IKE_ENC_3DES_CBC, v_3des_key, 24, iv, buf, 16, true), 0, "3des-cbc encrypts");
	is_mem(buf, v_3des_cipher, 16, "3des-cbc ciphertext");
	is_mem(iv, v_3des_cipher + 8, 8, "3des-cbc: next IV");
	is_int(cipher_cbc(IKE_ENC_AES_CBC, v_aes_key, 32, iv, buf, 15, true), -1,
	       "cbc refuses a partial block");
	is_int(cipher_key_len(IKE_ENC_AES_CBC, 100), 0, "aes key length 100 refused");
	is_int(cipher_key_len(IKE_ENC_3DES_CBC, 0), 24, "3des key is 24 bytes");
}

int main(void)
{
	if (crypto_init()) {
		printf("not ok - OpenSSL has the hashes\n");
		return 1;
	}
	test_dh(2, "modp1024", v_xi, v_g2_gxi, v_g2_gxr, v_g2_gxy, 128, 128);
	test_dh(14, "modp2048", v_xi, v_g14_gxi, v_g14_gxr, v_g14_gxy, 256, 256);
	test_dh(19, "ecp256", v_xi, v_g19_gxi, v_g19_gxr, v_g19_gxy, 64, 32);
	test_dh(14, "modp2048 other side", v_xr, v_g14_gxr, v_g14_gxi, v_g14_gxy, 256, 256);
	test_dh_rejects();
	test_phase1(IKE_HASH_SHA1, "sha1", v_sha1_skeyid, v_sha1_skeyid_d, v_sha1_skeyid_a,
		    v_sha1_skeyid_e, v_sha1_enc_aes256, v_sha1_enc_3des, v_sha1_iv, v_sha1_hash_i,
		    v_sha1_hash_r, v_sha1_p2iv);
	test_phase1(IKE_HASH_SHA2_256, "sha256", v_sha256_skeyid, v_sha256_skeyid_d,
		    v_sha256_skeyid_a, v_sha256_skeyid_e, v_sha256_enc_aes256, v_sha256_enc_3des,
		    v_sha256_iv, v_sha256_hash_i, v_sha256_hash_r, v_sha256_p2iv);
	test_keymat(IKE_HASH_SHA1, "sha1", v_sha1_skeyid_d, v_sha1_keymat36, v_sha1_keymat96_pfs);
	test_keymat(IKE_HASH_SHA2_256, "sha256", v_sha256_skeyid_d, v_sha256_keymat36,
		    v_sha256_keymat96_pfs);
	test_cbc();
	(void)v_qm_gxy_unused;
	return tap_done();
}
