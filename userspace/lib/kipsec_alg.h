/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The algorithms of ipsec.conf and their kernel names, key and ICV sizes:
 * one table shared by the parser (names, key length checks) and by every
 * printer (kernel name + key length back to the ipsec.conf name).
 */
#ifndef KIPSEC_ALG_H
#define KIPSEC_ALG_H

#include <stdbool.h>
#include <stdint.h>

enum kipsec_alg_kind {
	KIPSEC_ALG_ENC,
	KIPSEC_ALG_AUTH,
};

struct kipsec_alg_desc {
	const char *name;		/* as written in ipsec.conf */
	const char *kname;		/* KIPSEC_ALG_A_NAME */
	enum kipsec_alg_kind kind;
	bool aead;			/* combined mode: no auth algorithm */
	bool alias;			/* accepted, never printed */
	uint16_t key_len;		/* bytes, the AEAD salt included */
	uint16_t icv_len;		/* bytes; 0 for ciphers without ICV */
	const char *ref;		/* where the sizes come from */
};

const struct kipsec_alg_desc *kipsec_alg_by_name(const char *name, enum kipsec_alg_kind kind);
/* icv_len 0 matches the default ICV of that algorithm. */
const struct kipsec_alg_desc *kipsec_alg_by_kernel(const char *kname, uint32_t key_len,
						   uint32_t icv_len, enum kipsec_alg_kind kind);
/* Iterate: returns NULL past the end. */
const struct kipsec_alg_desc *kipsec_alg_at(unsigned int i);

#endif /* KIPSEC_ALG_H */
