// SPDX-License-Identifier: GPL-2.0
/*
 * Who may do what, and where (design.md, "Netlink semantics"):
 *
 *  - every command but STATS_GET needs CAP_NET_ADMIN in the user namespace
 *    that owns the network namespace (EPERM otherwise), and so does joining
 *    the "events" group; STATS_GET is for anyone;
 *  - each network namespace has databases of its own: what is in one is
 *    invisible, untouchable and unannounced in another.
 *
 * Capabilities are dropped with raw capset(2) and setresuid(2): no libcap.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>

#include "nltest_harness.h"

/* Drops cap from the effective, permitted and inheritable sets. */
static int drop_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -errno;
	d[cap / 32].effective &= ~(1u << (cap % 32));
	d[cap / 32].permitted &= ~(1u << (cap % 32));
	d[cap / 32].inheritable &= ~(1u << (cap % 32));
	if (syscall(SYS_capset, &h, d))
		return -errno;
	return 0;
}

static bool has_cap(int cap)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return false;
	return d[cap / 32].effective & (1u << (cap % 32));
}

static uint64_t count(struct nlt *s, int which)
{
	struct stats_info st;

	if (stats_get(s, &st))
		return ~0ULL;
	return st.v[which];
}

/* An SA, a reservation and a policy, made while still privileged. */
struct state {
	struct sa_req sa;
	struct pol_req pol;
	uint32_t pol_id;
};

static void make_state(struct __test_metadata *_metadata, struct nlt *s, struct state *st)
{
	struct sa_req r;

	sa_req_init(&st->sa, 0x1000);
	ASSERT_OK(s, sa_add(s, &st->sa, 0), "add SA");
	sa_req_init(&r, 0);
	ASSERT_OK(s, spi_alloc(s, &r, 0x2000, 0x2000, NULL), "reserve SPI");
	pol_req_init(&st->pol);
	ASSERT_OK(s, pol_add(s, &st->pol, &st->pol_id), "add policy");
	ASSERT_EQ(2, count(s, KIPSEC_STATS_A_SA_COUNT));
	ASSERT_EQ(1, count(s, KIPSEC_STATS_A_POLICY_COUNT));
}

#define EXPECT_EPERM(call, what) do {						\
	int __r = (call);							\
	EXPECT_EQ(-EPERM, __r) TH_LOG("%s without CAP_NET_ADMIN: %d (%s)",	\
				      what, __r, strerror(-__r));		\
} while (0)

/* Every command but STATS_GET, on socket u of an unprivileged process. */
static void expect_all_refused(struct __test_metadata *_metadata, struct nlt *u,
			       const struct state *st)
{
	struct sa_req r;
	struct pol_req p;
	struct nlmsghdr *nlh;

	sa_req_init(&r, 0x1001);
	EXPECT_EPERM(sa_add(u, &r, 0), "SA_ADD");
	EXPECT_EPERM(sa_del(u, &st->sa), "SA_DEL");
	/* SA listings hold keys: reading them is an administrator's job. */
	EXPECT_EPERM(sa_get(u, &st->sa, false, NULL), "SA_GET");
	EXPECT_EPERM(sa_get(u, &st->sa, true, NULL), "SA_GET with keys");
	EXPECT_EPERM(sa_dump(u, false, NULL, NULL, NULL), "SA_GET dump");
	EXPECT_EPERM(sa_flush(u, -1), "SA_FLUSH");
	EXPECT_EPERM(sa_flush(u, IPPROTO_ESP), "SA_FLUSH ESP");
	sa_req_init(&r, 0);
	EXPECT_EPERM(spi_alloc(u, &r, 0x3000, 0x3fff, NULL), "SPI_ALLOC");
	pol_req_init(&p);
	p.dir = KIPSEC_DIR_IN;
	EXPECT_EPERM(pol_add(u, &p, NULL), "POLICY_ADD");
	EXPECT_EPERM(pol_del_id(u, st->pol_id), "POLICY_DEL by id");
	EXPECT_EPERM(pol_del_sel(u, &st->pol), "POLICY_DEL by selector");
	EXPECT_EPERM(pol_get(u, st->pol_id, NULL), "POLICY_GET");
	EXPECT_EPERM(pol_dump(u, NULL, NULL, NULL), "POLICY_GET dump");
	EXPECT_EPERM(pol_flush(u), "POLICY_FLUSH");
	/* Even a malformed request: the permission comes first. */
	nlh = nlt_msg(u, KIPSEC_CMD_SA_ADD, 0);
	EXPECT_EPERM(nlt_talk(u, nlh, NULL, NULL), "empty SA_ADD");
}

/* What expect_all_refused() must have left as it was; via STATS_GET. */
static void expect_state_intact(struct __test_metadata *_metadata, struct nlt *u)
{
	struct stats_info st;

	ASSERT_OK(u, stats_get(u, &st), "STATS_GET without CAP_NET_ADMIN");
	EXPECT_TRUE(st.present[KIPSEC_STATS_A_SA_COUNT]);
	EXPECT_EQ(2, st.v[KIPSEC_STATS_A_SA_COUNT]);
	EXPECT_EQ(1, st.v[KIPSEC_STATS_A_POLICY_COUNT]);
}

NL_FIXTURE(perm)

TEST_F(perm, capset_without_net_admin)
{
	struct state st;
	struct nlt *u;
	int err;

	make_state(_metadata, self->s, &st);
	ASSERT_EQ(0, drop_cap(CAP_NET_ADMIN));
	ASSERT_FALSE(has_cap(CAP_NET_ADMIN));
	ASSERT_EQ(0, geteuid()) TH_LOG("root without CAP_NET_ADMIN is the point");
	u = nlt_open();
	ASSERT_NE(NULL, u) TH_LOG("resolving the family needs no privilege");
	expect_all_refused(_metadata, u, &st);
	err = nlt_join_events(u);
	EXPECT_EQ(-EPERM, err) TH_LOG("joining events: %s", strerror(-err));
	expect_state_intact(_metadata, u);
	nlt_close(u);
}

TEST_F(perm, socket_opened_before_dropping)
{
	struct state st;
	int err;

	/* The sender's capabilities count, not only the opener's. */
	make_state(_metadata, self->s, &st);
	ASSERT_EQ(0, drop_cap(CAP_NET_ADMIN));
	expect_all_refused(_metadata, self->s, &st);
	err = nlt_join_events(self->s);
	EXPECT_EQ(-EPERM, err) TH_LOG("joining events: %s", strerror(-err));
	expect_state_intact(_metadata, self->s);
}

TEST_F(perm, nobody)
{
	struct state st;
	struct nlt *u;

	make_state(_metadata, self->s, &st);
	ASSERT_EQ(0, setresgid(65534, 65534, 65534));
	ASSERT_EQ(0, setresuid(65534, 65534, 65534));
	ASSERT_FALSE(has_cap(CAP_NET_ADMIN));
	u = nlt_open();
	ASSERT_NE(NULL, u);
	expect_all_refused(_metadata, u, &st);
	EXPECT_EQ(-EPERM, nlt_join_events(u));
	expect_state_intact(_metadata, u);
	nlt_close(u);
}

/* design.md: "Every refusal carries an extack message" -- EPERM included. */
TEST_F(perm, refusal_has_extack)
{
	struct state st;
	struct sa_req r;
	struct nlt *u;

	make_state(_metadata, self->s, &st);
	ASSERT_EQ(0, drop_cap(CAP_NET_ADMIN));
	u = nlt_open();
	ASSERT_NE(NULL, u);
	sa_req_init(&r, 0x1001);
	EXPECT_REFUSED(u, EPERM, sa_add(u, &r, 0), "SA_ADD");
	EXPECT_REFUSED(u, EPERM, sa_get(u, &st.sa, false, NULL), "SA_GET");
	EXPECT_REFUSED(u, EPERM, pol_flush(u), "POLICY_FLUSH");
	nlt_close(u);
}

/*
 * A user namespace's root holds CAP_NET_ADMIN over the network namespaces
 * that user namespace owns, and over nothing else.
 */
TEST_F(perm, user_namespace_owner)
{
	struct sa_req r;
	unsigned int n;
	struct nlt *u;

	ASSERT_EQ(0, unshare(CLONE_NEWUSER | CLONE_NEWNET))
		TH_LOG("unshare(CLONE_NEWUSER | CLONE_NEWNET): %s", strerror(errno));
	u = nlt_open();
	ASSERT_NE(NULL, u);
	sa_req_init(&r, 0x1000);
	EXPECT_OK(u, sa_add(u, &r, 0), "SA_ADD in an owned namespace");
	EXPECT_OK(u, sa_get(u, &r, true, NULL), "SA_GET in an owned namespace");
	EXPECT_OK(u, sa_dump(u, false, NULL, NULL, &n), "dump");
	EXPECT_EQ(1, n);
	EXPECT_EQ(0, nlt_join_events(u));
	EXPECT_OK(u, sa_flush(u, -1), "flush");
	nlt_close(u);
}

TEST_F(perm, user_namespace_not_owner)
{
	struct state st;
	struct nlt *u;

	make_state(_metadata, self->s, &st);
	/* Root of a new user namespace, in a network namespace it does not own. */
	ASSERT_EQ(0, unshare(CLONE_NEWUSER))
		TH_LOG("unshare(CLONE_NEWUSER): %s", strerror(errno));
	ASSERT_TRUE(has_cap(CAP_NET_ADMIN)) TH_LOG("full capabilities, in the new namespace");
	u = nlt_open();
	ASSERT_NE(NULL, u);
	expect_all_refused(_metadata, u, &st);
	EXPECT_EQ(-EPERM, nlt_join_events(u));
	expect_state_intact(_metadata, u);
	nlt_close(u);
}

/* ========================= network namespaces ========================= */

NL_FIXTURE(netns)

TEST_F(netns, invisible_elsewhere)
{
	struct state st;
	struct sa_info sa;
	struct sa_req r;
	unsigned int n;
	struct nlt *b;
	int home;

	make_state(_metadata, self->s, &st);
	home = open("/proc/self/ns/net", O_RDONLY);
	ASSERT_GE(home, 0);
	/* A socket belongs to the namespace it was opened in: b is in B. */
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	b = nlt_open();
	ASSERT_NE(NULL, b);

	EXPECT_OK(b, sa_dump(b, false, NULL, NULL, &n), "dump in B");
	EXPECT_EQ(0, n);
	EXPECT_OK(b, pol_dump(b, NULL, NULL, &n), "policy dump in B");
	EXPECT_EQ(0, n);
	EXPECT_EQ(0, count(b, KIPSEC_STATS_A_SA_COUNT));
	EXPECT_EQ(0, count(b, KIPSEC_STATS_A_POLICY_COUNT));
	EXPECT_REFUSED(b, ENOENT, sa_get(b, &st.sa, false, NULL), "A's SA from B");
	EXPECT_REFUSED(b, ENOENT, sa_del(b, &st.sa), "deleting A's SA from B");
	EXPECT_REFUSED(b, ENOENT, pol_get(b, st.pol_id, NULL), "A's policy from B");
	EXPECT_REFUSED(b, ENOENT, pol_del_id(b, st.pol_id), "deleting A's policy from B");
	EXPECT_REFUSED(b, ENOENT, pol_del_sel(b, &st.pol), "A's selector from B");
	/* The same names are free in B. */
	EXPECT_OK(b, sa_add(b, &st.sa, 0), "A's SA again in B");
	EXPECT_OK(b, pol_add(b, &st.pol, NULL), "A's policy again in B");
	sa_req_init(&r, 0);
	EXPECT_OK(b, spi_alloc(b, &r, 0x2000, 0x2000, &sa), "A's reserved SPI in B");
	EXPECT_OK(b, sa_flush(b, -1), "flush B");
	EXPECT_OK(b, pol_flush(b), "flush B's policies");
	EXPECT_EQ(0, count(b, KIPSEC_STATS_A_SA_COUNT));

	/* A kept everything. */
	EXPECT_EQ(2, count(self->s, KIPSEC_STATS_A_SA_COUNT));
	EXPECT_EQ(1, count(self->s, KIPSEC_STATS_A_POLICY_COUNT));
	EXPECT_OK(self->s, sa_get(self->s, &st.sa, false, NULL), "A's SA");
	EXPECT_OK(self->s, pol_get(self->s, st.pol_id, NULL), "A's policy");
	/* And from inside A again, too. */
	ASSERT_EQ(0, setns(home, CLONE_NEWNET));
	nlt_close(b);
	b = nlt_open();
	ASSERT_NE(NULL, b);
	EXPECT_OK(b, sa_dump(b, false, NULL, NULL, &n), "dump in A");
	EXPECT_EQ(2, n);
	nlt_close(b);
	close(home);
}

static int event_count(struct nlt *l, int timeout_ms)
{
	int n = 0;

	while (nlt_recv_raw(l, timeout_ms) > 0)
		n++;
	return n;
}

TEST_F(netns, events_stay_home)
{
	struct nlt *la, *lb, *b;
	struct sa_req r;
	struct pol_req p;

	la = nlt_open();
	ASSERT_NE(NULL, la);
	ASSERT_EQ(0, nlt_join_events(la));
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	lb = nlt_open();
	b = nlt_open();
	ASSERT_NE(NULL, lb);
	ASSERT_NE(NULL, b);
	ASSERT_EQ(0, nlt_join_events(lb));

	/* Changes in A: heard in A only. */
	sa_req_init(&r, 0x1000);
	ASSERT_OK(self->s, sa_add(self->s, &r, 0), "add in A");
	pol_req_init(&p);
	ASSERT_OK(self->s, pol_add(self->s, &p, NULL), "policy in A");
	ASSERT_OK(self->s, sa_flush(self->s, -1), "flush in A");
	EXPECT_EQ(3, event_count(la, 500));
	EXPECT_EQ(0, event_count(lb, 300)) TH_LOG("B heard A's changes");
	/* And the other way round. */
	ASSERT_OK(b, sa_add(b, &r, 0), "add in B");
	ASSERT_OK(b, pol_flush(b), "policy flush in B");
	EXPECT_EQ(2, event_count(lb, 500));
	EXPECT_EQ(0, event_count(la, 300)) TH_LOG("A heard B's changes");
	nlt_close(la);
	nlt_close(lb);
	nlt_close(b);
}

TEST_F(netns, teardown_with_state)
{
	struct nlt *b;
	struct sa_req r;
	struct pol_req p;
	char src[32];
	unsigned int i;
	int pid, status;

	/* Namespaces full of SAs, reservations and policies die with them. */
	for (i = 0; i < 5; i++) {
		pid = fork();
		ASSERT_GE(pid, 0);
		if (pid == 0) {
			unsigned int k, bad = 0;

			if (unshare(CLONE_NEWNET))
				_exit(2);
			b = nlt_open();
			if (!b)
				_exit(3);
			sa_req_init(&r, 0x1000);
			bad += sa_add_batch(b, &r, 500, 64, true, NULL) != 0;
			sa_req_init(&r, 0);
			bad += spi_alloc(b, &r, -1, -1, NULL) != 0;
			for (k = 0; k < 50; k++) {
				pol_req_init(&p);
				snprintf(src, sizeof(src), "10.%u.0.0/16", k);
				pol_req_sel(&p, src, "10.255.0.0/16");
				bad += pol_add(b, &p, NULL) != 0;
			}
			bad += nlt_join_events(b) != 0;
			/* Exit with the socket open, subscribed: the netns goes. */
			_exit(bad ? 1 : 0);
		}
		ASSERT_EQ(pid, waitpid(pid, &status, 0));
		EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
			TH_LOG("namespace %u: status 0x%x", i, status);
	}
	/* The namespace we stayed in is untouched by it all. */
	EXPECT_EQ(0, count(self->s, KIPSEC_STATS_A_SA_COUNT));
	EXPECT_EQ(0, count(self->s, KIPSEC_STATS_A_POLICY_COUNT));
}

TEST_HARNESS_MAIN
