/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Assertions shared by the kipsec C tests, on top of kselftest_harness.h.
 * Every test runs in a network namespace of its own (the fixture unshares
 * one), so it starts from empty databases and leaves nothing behind.
 */
#ifndef KIPSEC_NLTEST_HARNESS_H
#define KIPSEC_NLTEST_HARNESS_H

#include <errno.h>
#include <sched.h>
#include <string.h>

#include "kselftest_harness.h"
#include "nltest.h"

/*
 * A refused request: exactly this errno, and (design.md, "Netlink
 * semantics") an extack saying why: a message, or the attribute that is
 * missing (NLMSGERR_ATTR_MISS_TYPE).  what names the case in the log.
 */
#define EXPECT_REFUSED(s, err, call, what) do {					\
	int __r = (call);							\
	EXPECT_EQ(-(err), __r)							\
		TH_LOG("%s: %s: got %d (%s), wanted %s; extack \"%s\"",		\
		       what, #call, __r, strerror(-__r), strerror(err),		\
		       (s)->ext_msg);						\
	if (__r == -(err))							\
		EXPECT_TRUE((s)->ext_msg[0] || (s)->has_miss)			\
			TH_LOG("%s: %s: %s without an extack message",		\
			       what, #call, strerror(err));			\
} while (0)

/*
 * Refused for a missing attribute: EINVAL and the kernel's
 * NLMSGERR_ATTR_MISS_TYPE naming it (NL_REQ_ATTR_CHECK sets no message),
 * with NLMSGERR_ATTR_MISS_NEST when it belongs in a nest (nested), without
 * for a top-level attribute.
 */
#define EXPECT_MISSING(s, call, what, type, nested) do {			\
	int __r = (call);							\
	EXPECT_EQ(-EINVAL, __r)							\
		TH_LOG("%s: %s: got %d (%s), wanted EINVAL; extack \"%s\"",	\
		       what, #call, __r, strerror(-__r), (s)->ext_msg);		\
	EXPECT_TRUE((s)->has_miss)						\
		TH_LOG("%s: no NLMSGERR_ATTR_MISS_TYPE", what);			\
	if ((s)->has_miss)							\
		EXPECT_EQ((uint32_t)(type), (s)->miss_type)			\
			TH_LOG("%s: missing attribute %u named, wanted %s",	\
			       what, (s)->miss_type, #type);			\
	EXPECT_EQ((bool)(nested), (s)->has_miss_nest)				\
		TH_LOG("%s: NLMSGERR_ATTR_MISS_NEST %s", what,			\
		       (nested) ? "missing" : "for a top-level attribute");	\
} while (0)

/* As EXPECT_REFUSED, and the message mentions needle (case-insensitive). */
#define EXPECT_REFUSED_MSG(s, err, call, what, needle) do {			\
	EXPECT_REFUSED(s, err, call, what);					\
	EXPECT_NE(NULL, strcasestr((s)->ext_msg, needle))			\
		TH_LOG("%s: extack \"%s\" does not mention \"%s\"",		\
		       what, (s)->ext_msg, needle);				\
} while (0)

/* A request that must succeed. */
#define EXPECT_OK(s, call, what) do {						\
	int __r = (call);							\
	EXPECT_EQ(0, __r)							\
		TH_LOG("%s: %s: %d (%s); extack \"%s\"", what, #call, __r,	\
		       strerror(-__r), (s)->ext_msg);				\
} while (0)

#define ASSERT_OK(s, call, what) do {						\
	int __r = (call);							\
	ASSERT_EQ(0, __r)							\
		TH_LOG("%s: %s: %d (%s); extack \"%s\"", what, #call, __r,	\
		       strerror(-__r), (s)->ext_msg);				\
} while (0)

/* The fixture every test uses: a fresh netns and a socket in it. */
#define NL_FIXTURE(name)							\
FIXTURE(name) {								\
	struct nlt *s;								\
};									\
FIXTURE_SETUP(name)							\
{									\
	ASSERT_EQ(0, unshare(CLONE_NEWNET))					\
		TH_LOG("unshare(CLONE_NEWNET): %s", strerror(errno));		\
	self->s = nlt_open();							\
	ASSERT_NE(NULL, self->s)						\
		TH_LOG("kipsec genl family: %s (is kipsec.ko loaded?)",	\
		       strerror(errno));					\
}									\
FIXTURE_TEARDOWN(name)							\
{									\
	nlt_close(self->s);							\
}

#endif /* KIPSEC_NLTEST_HARNESS_H */
