/* SPDX-License-Identifier: GPL-2.0 */
/* libkipsec internals: the socket, request/reply plumbing, attribute helpers. */
#ifndef KIPSEC_NL_PRIV_H
#define KIPSEC_NL_PRIV_H

#include <libmnl/libmnl.h>
#include "kipsec_nl.h"

/*
 * The kernel sizes dump skbs after the largest buffer we ever read with
 * (capped near 32 KiB); a 64 KiB buffer never truncates a datagram.
 */
#define KIPSEC_RX_BUF	65536
#define KIPSEC_TX_BUF	8192

struct kipsec_nl {
	struct mnl_socket *sock;
	uint32_t portid;
	uint32_t seq;
	uint16_t family_id;
	uint32_t events_group;
	char extack[256];
	char *rx;
	char *tx;
};

/* Called for every data message of a reply. Returns 0 or -errno. */
typedef int (*kipsec_msg_cb)(const struct nlmsghdr *nlh, void *arg);

/* Starts a request of the kipsec family in h->tx. */
struct nlmsghdr *kipsec_msg_start(struct kipsec_nl *h, uint8_t cmd, uint16_t flags);
/* Sends nlh (NLM_F_ACK is set) and reads until its ACK; cb may be NULL. */
int kipsec_transact(struct kipsec_nl *h, struct nlmsghdr *nlh, kipsec_msg_cb cb, void *arg);
/* Dump: sends, reads to NLMSG_DONE; *intr is set if NLM_F_DUMP_INTR was seen. */
int kipsec_dump(struct kipsec_nl *h, struct nlmsghdr *nlh, kipsec_msg_cb cb, void *arg, bool *intr);

/*
 * A dump of cmd into a new array of elements of size bytes, one() decoding
 * each message into its element; started over while the table changes
 * under it (NLM_F_DUMP_INTR), -EAGAIN if it never settles.  keys: asks
 * for key material (KIPSEC_A_SHOW_KEYS); the array is wiped when dropped.
 */
int kipsec_dump_list(struct kipsec_nl *h, uint8_t cmd, bool keys, size_t size, kipsec_msg_cb one,
		     void **out, size_t *n);

/*
 * The name of request attribute type ("KIPSEC_SA_A_SPI"): at the top level,
 * or (in_nest) in the nest at offset nest_off of req, as the kernel's
 * NLMSGERR_ATTR_MISS_TYPE and MISS_NEST name a missing one.  NULL when
 * req has no such nest or the set no such attribute.
 */
const char *kipsec_attr_name(const struct nlmsghdr *req, bool in_nest, uint32_t nest_off,
			     uint32_t type);

/* Parse a nest (or the genl payload when nlh != NULL) into tb[0..max]. */
int kipsec_parse_nested(const struct nlattr *nest, const struct nlattr **tb, int max);
int kipsec_parse_genl(const struct nlmsghdr *nlh, const struct nlattr **tb, int max);

/* Typed getters that check the payload length; return -EBADMSG if wrong. */
int kipsec_get_u8(const struct nlattr *a, uint8_t *v);
int kipsec_get_u16(const struct nlattr *a, uint16_t *v);
int kipsec_get_u32(const struct nlattr *a, uint32_t *v);
int kipsec_get_u64(const struct nlattr *a, uint64_t *v);
int kipsec_get_addr(const struct nlattr *a, uint16_t family, struct kipsec_addr *out);
void kipsec_put_addr(struct nlmsghdr *nlh, uint16_t type, const struct kipsec_addr *a);

/* Encoders/decoders of the nested objects (nl_sa.c, nl_policy.c). */
enum kipsec_sa_put_what {
	KIPSEC_SA_PUT_FULL,		/* SA_ADD */
	KIPSEC_SA_PUT_ID,		/* SA_DEL, SA_GET: family, dst, spi, proto */
	KIPSEC_SA_PUT_SPI_ALLOC,	/* family, src, dst, proto, mode, reqid */
};
void kipsec_sa_put(struct nlmsghdr *nlh, const struct kipsec_sa *sa, enum kipsec_sa_put_what what);
int kipsec_sa_parse(const struct nlattr *nest, struct kipsec_sa *sa);
void kipsec_policy_put(struct nlmsghdr *nlh, uint16_t type, const struct kipsec_policy *pol,
		       bool for_del);
int kipsec_policy_parse(const struct nlattr *nest, struct kipsec_policy *pol);

#endif /* KIPSEC_NL_PRIV_H */
