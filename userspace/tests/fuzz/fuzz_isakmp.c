// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness over ipsecd's message parser: every datagram is put
 * through what ipsecd does with a datagram before any key is involved:
 * the header, the payload chain (strict and with decryption padding), and
 * every payload by its type: SA payloads down to their attributes and the
 * phase 1 and phase 2 proposal choice, ID, notification, delete.
 * AddressSanitizer and UBSan turn any overrun into a crash.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike_alg.h"
#include "ipsecd.h"

struct ipsecd_stats stats;
uint16_t ike_port = 500;
bool stopping;

static void payloads(const struct isakmp_msg *m)
{
	static struct isakmp_sa sa;
	struct p1sa p1 = { .enc = IKE_ENC_AES_CBC, .enc_bits = 256, .hash = IKE_HASH_SHA2_256,
			   .group = 14, .lifetime = 3600 };
	struct p2sa p2 = { .enc = ESP_AES_GCM_16, .enc_bits = 128, .group = 14,
			   .mode = KIPSEC_MODE_TUNNEL, .lifetime = 1200 };
	char why[768];

	for (size_t i = 0; i < m->n; i++) {
		const struct payload *pl = &m->pl[i];

		switch (pl->type) {
		case ISAKMP_NP_SA:
			if (isakmp_parse_sa(pl->body, pl->len, &sa) == 0) {
				struct p1_choice c1;
				struct p2_choice c2;

				for (size_t j = 0; j < sa.np; j++)
					for (size_t k = 0; k < sa.p[j].nt; k++)
						p1_parse_transform(&sa.p[j].t[k], &c1);
				p1_choose(&p1, &sa, &c1, why, sizeof(why));
				p2_choose(&p2, &sa, &c2, why, sizeof(why));
			}
			break;
		case ISAKMP_NP_ID: {
			struct isakmp_id id;

			isakmp_parse_id(pl, &id);
			break;
		}
		case ISAKMP_NP_N: {
			struct isakmp_notify n;

			if (isakmp_parse_notify(pl, &n) == 0)
				(void)isakmp_notify_name(n.type);
			break;
		}
		case ISAKMP_NP_D: {
			struct isakmp_delete d;

			if (isakmp_parse_delete(pl, &d) == 0 && d.h.spi_size >= 4)
				for (uint16_t k = 0; k < d.nspi; k++)
					(void)get32(d.spis + (size_t)k * d.h.spi_size);
			break;
		}
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct isakmp_msg m;
	struct isakmp_hdr h;
	uint8_t *copy;

	/* An exact-size copy: any read past the datagram is caught. */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	if (isakmp_parse_hdr(copy, size, &h) == 0) {
		if (isakmp_parse_payloads(h.np, copy + ISAKMP_HDR_LEN, size - ISAKMP_HDR_LEN, false,
					  &m) == 0)
			payloads(&m);
		if (isakmp_parse_payloads(h.np, copy + ISAKMP_HDR_LEN, size - ISAKMP_HDR_LEN, true,
					  &m) == 0)
			payloads(&m);
	}
	/* The body alone as a chain of each first type, as after decryption. */
	if (size > 1 && isakmp_parse_payloads(copy[0], copy + 1, size - 1, true, &m) == 0)
		payloads(&m);
	free(copy);
	return 0;
}
