/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the netlink_*.c programs (the netlink semantics of every command)
 * share beyond nltest.c: the HMACs and their RFC sizes, the attributes that
 * name an SA, the database counts, and the helpers that build a request by
 * hand.
 */
#ifndef KIPSEC_NETLINK_LIB_H
#define KIPSEC_NETLINK_LIB_H

#include "nltest.h"

struct hmac {
	const char *name;
	int key_len;
	uint32_t icv;		/* the RFC truncation, the default */
};

#define N_HMACS	5
extern const struct hmac hmacs[N_HMACS];

/* The attributes SA_ADD needs; all but SRC and MODE also name the SA (SA_DEL, SA_GET). */
struct sa_required {
	int attr;
	const char *name;
};

#define N_SA_REQUIRED	6
extern const struct sa_required sa_required[N_SA_REQUIRED];

/* From STATS_GET; ~0 when it failed. */
uint64_t sa_count(struct nlt *s);
uint64_t pol_count(struct nlt *s);

/* The first top-level attribute of a request: the object nest. */
struct nlattr *first_attr(struct nlmsghdr *nlh);
/* Grows the nest that ends the message to cover what was appended since. */
void close_last_nest(struct nlmsghdr *nlh, struct nlattr *nest);

#endif /* KIPSEC_NETLINK_LIB_H */
