/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A stand-in for the netlink half of libkipsec (nl.c, sa.c, policy.c,
 * events.c), for testing ipsecctl/apply.c and ipsecd's exchanges without a
 * kernel: every call is logged, and chosen calls fail with a chosen errno
 * and extack message.
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
#define FAKE_EVENTS 4
#define FAKE_SAS 16

struct fake {
	int open_err;		/* kipsec_nl_open() fails with this */
	struct fake_fail fails[FAKE_FAILS];
	int raise_at;		/* raise(SIGINT) during this request */
	/* Events kipsec_event_recv() delivers (then forgets), for ipsecd. */
	struct kipsec_event events[FAKE_EVENTS];
	int nevents;
	/* Out: */
	int calls;
	uint32_t next_id;
	uint32_t next_spi;	/* kipsec_spi_alloc: from 0x1000 */
	struct kipsec_sa sas[FAKE_SAS];	/* the last SAs added, keys included */
	int nsas;
	char log[8192];
};

extern struct fake fake;
void fake_reset(void);

#endif /* KIPSEC_FAKE_NL_H */
