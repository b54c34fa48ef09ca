/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for the netlink half of libkipsec (nl.c, sa.c, policy.c), for
 * testing ipsecctl/apply.c without a kernel: every call is logged, and
 * chosen calls fail with a chosen errno and extack message.
 */
#ifndef KIPSEC_FAKE_NL_H
#define KIPSEC_FAKE_NL_H

#include "kipsec_nl.h"

struct fake_fail {
	int call;		/* 1-based number of the request; 0 ends the list */
	int err;		/* -errno */
	const char *extack;
};

#define FAKE_FAILS 4

struct fake {
	int open_err;		/* kipsec_nl_open() fails with this */
	struct fake_fail fails[FAKE_FAILS];
	int raise_at;		/* raise(SIGINT) during this request */
	/* Out: */
	int calls;
	uint32_t next_id;
	char log[8192];
};

extern struct fake fake;
void fake_reset(void);

#endif /* KIPSEC_FAKE_NL_H */
