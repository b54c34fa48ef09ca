// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec_state: what the shell tests need of the kernel without ipsecctl,
 * so that they can check ipsecctl against something independent of it.
 *
 *   kipsec_state stats              "sa N" and "policy N" (STATS_GET)
 *   kipsec_state list               every SA (with keys) and policy, one per
 *                                   line, sorted: two listings are equal iff
 *                                   the databases hold the same things
 *   kipsec_state fill N             N SAs of assorted kinds, N policies and
 *                                   one SPI reservation
 *   kipsec_state add-sa SRC DST SPI [OPTION...]
 *                                   one ESP aes-gcm SA (20-byte key of
 *                                   nltest's nlt_key(), seed SPI * 2), by
 *                                   hand; options: transport, ah (hmac-sha2-256,
 *                                   seed SPI * 2 + 1), esn, replace,
 *                                   seq N (SEQ_OUT), hard-packets N
 *   kipsec_state listen             print events until killed or the family
 *                                   goes away
 *
 * Exit status: 0 done, 1 refused by the kernel, 2 usage, 3 no kipsec family
 * (module not loaded).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nltest.h"

static struct nlt *s;

static int fail(const char *what, int err)
{
	fprintf(stderr, "kipsec_state: %s: %s%s%s%s\n", what, strerror(-err),
		s->ext_msg[0] ? " (" : "", s->ext_msg, s->ext_msg[0] ? ")" : "");
	return 1;
}

static const char *addr(uint16_t family, const uint8_t *a, char *buf)
{
	if (!inet_ntop(family, a, buf, INET6_ADDRSTRLEN))
		snprintf(buf, INET6_ADDRSTRLEN, "?");
	return buf;
}

static void hex(char *out, const uint8_t *b, int len)
{
	int i;

	for (i = 0; i < len; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
	if (!len)
		strcpy(out, "-");
}

struct lines {
	char **v;
	size_t n, cap;
};

static void add_line(struct lines *l, char *line)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		l->v = realloc(l->v, l->cap * sizeof(*l->v));
		if (!l->v)
			abort();
	}
	l->v[l->n++] = line;
}

static void print_sa(const struct sa_info *sa, void *data)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char ek[2 * KIPSEC_KEY_MAX + 1], ak[2 * KIPSEC_KEY_MAX + 1];
	char *line;

	hex(ek, sa->enc.key, sa->enc.key_len);
	hex(ak, sa->auth.key, sa->auth.key_len);
	if (asprintf(&line, "sa %s %s %s spi 0x%08x proto %u mode %u reqid %u state %u "
		     "enc %s:%s:%u auth %s:%s:%u window %u flags %u",
		     sa->family == AF_INET6 ? "inet6" : "inet", addr(sa->family, sa->src, src),
		     addr(sa->family, sa->dst, dst), sa->spi, sa->proto, sa->mode, sa->reqid,
		     sa->state, sa->enc.present ? sa->enc.name : "-", ek, sa->enc.icv,
		     sa->auth.present ? sa->auth.name : "-", ak, sa->auth.icv, sa->window,
		     sa->flags) < 0)
		abort();
	add_line(data, line);
}

static void print_pol(const struct pol_info *p, void *data)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	char ts[INET6_ADDRSTRLEN] = "-", td[INET6_ADDRSTRLEN] = "-";
	char *line;

	if (p->tmpl && p->t_family) {
		addr(p->t_family, p->t_src, ts);
		addr(p->t_family, p->t_dst, td);
	}
	if (asprintf(&line, "policy dir %u %s/%u %s/%u proto %u ports %u %u prio %u action %u "
		     "level %u tmpl %u %u %s %s %u",
		     p->dir, addr(p->family, p->src, src), p->src_plen,
		     addr(p->family, p->dst, dst), p->dst_plen, p->proto, p->sport, p->dport,
		     p->priority, p->action, p->level, p->t_proto, p->t_mode, ts, td,
		     p->t_reqid) < 0)
		abort();
	add_line(data, line);
}

static int cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

static int list(void)
{
	struct lines l = { 0 };
	size_t i;
	int err;

	err = sa_dump(s, true, print_sa, &l, NULL);
	if (err)
		return fail("SA dump", err);
	err = pol_dump(s, print_pol, &l, NULL);
	if (err)
		return fail("policy dump", err);
	qsort(l.v, l.n, sizeof(*l.v), cmp);
	for (i = 0; i < l.n; i++) {
		puts(l.v[i]);
		free(l.v[i]);
	}
	free(l.v);
	return 0;
}

static int stats(void)
{
	struct stats_info st;
	int err = stats_get(s, &st);

	if (err)
		return fail("STATS_GET", err);
	printf("sa %llu\npolicy %llu\n", (unsigned long long)st.v[KIPSEC_STATS_A_SA_COUNT],
	       (unsigned long long)st.v[KIPSEC_STATS_A_POLICY_COUNT]);
	return 0;
}

static int fill(unsigned int n)
{
	struct sa_req r;
	struct pol_req p;
	char a[64], b[64];
	unsigned int i;
	int err;

	for (i = 0; i < n; i++) {
		sa_req_init(&r, 0x1000 + i);
		switch (i % 3) {
		case 1:
			snprintf(a, sizeof(a), "2001:db8::%x", i + 1);
			sa_req_addrs(&r, "2001:db8::ffff", a);
			r.proto = IPPROTO_AH;
			r.enc = NULL;
			r.auth = "hmac-sha2-256";
			r.auth_key_len = 32;
			break;
		case 2:
			snprintf(a, sizeof(a), "198.51.%u.%u", i / 250, 1 + i % 250);
			sa_req_addrs(&r, "192.0.2.1", a);
			r.enc = "aes-cbc";
			r.enc_key_len = 16;
			r.auth = "hmac-sha1";
			r.auth_key_len = 20;
			r.soft.add_secs = 3000;
			r.hard.add_secs = 3600;
			break;
		}
		err = sa_add(s, &r, 0);
		if (err)
			return fail("SA_ADD", err);
	}
	for (i = 0; i < n; i++) {
		pol_req_init(&p);
		snprintf(a, sizeof(a), "10.%u.%u.0/24", i / 256, i % 256);
		snprintf(b, sizeof(b), "172.16.%u.0/24", i % 256);
		pol_req_sel(&p, a, b);
		if (i % 2)
			p.dir = KIPSEC_DIR_IN;
		err = pol_add(s, &p, NULL);
		if (err)
			return fail("POLICY_ADD", err);
	}
	sa_req_init(&r, 0);
	err = spi_alloc(s, &r, -1, -1, NULL);
	if (err)
		return fail("SPI_ALLOC", err);
	return 0;
}

/* The options of add-sa, into r and *flags; -1 on a bad one. */
static int sa_options(struct sa_req *r, uint16_t *flags, int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "transport")) {
			r->mode = KIPSEC_MODE_TRANSPORT;
		} else if (!strcmp(o, "ah")) {
			r->proto = IPPROTO_AH;
			r->enc = NULL;
			r->auth = "hmac-sha2-256";
			r->auth_key_len = 32;
		} else if (!strcmp(o, "esn")) {
			r->flags = KIPSEC_SA_F_ESN;
		} else if (!strcmp(o, "replace")) {
			*flags = NLM_F_REPLACE;
		} else if (!strcmp(o, "seq") && v) {
			r->seq_out = (int64_t)strtoull(v, NULL, 0);
			i++;
		} else if (!strcmp(o, "hard-packets") && v) {
			r->hard.packets = strtoull(v, NULL, 0);
			i++;
		} else {
			fprintf(stderr, "kipsec_state: add-sa: bad option %s\n", o);
			return -1;
		}
	}
	return 0;
}

static int add_sa(const char *src, const char *dst, const char *spi, int argc, char **argv)
{
	uint16_t flags = 0;
	struct sa_req r;
	int err;

	sa_req_init(&r, (uint32_t)strtoul(spi, NULL, 0));
	sa_req_addrs(&r, src, dst);
	if (sa_options(&r, &flags, argc, argv))
		return 2;
	err = sa_add(s, &r, flags);
	if (err)
		return fail("SA_ADD", err);
	return 0;
}

static int listen_events(void)
{
	int err = nlt_join_events(s);

	if (err)
		return fail("joining events", err);
	printf("listening\n");
	fflush(stdout);
	for (;;) {
		int len = nlt_recv_raw(s, -1);
		const struct nlmsghdr *nlh;

		if (len < 0)
			return fail("recv", len);
		nlh = (const struct nlmsghdr *)s->rx;
		for (; mnl_nlmsg_ok(nlh, len); nlh = mnl_nlmsg_next(nlh, &len)) {
			printf("event cmd %u\n", nlt_cmd(nlh));
			fflush(stdout);
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
usage:
		fprintf(stderr, "usage: kipsec_state stats|list|fill N|add-sa SRC DST SPI [OPTION...]|listen\n");
		return 2;
	}
	s = nlt_open();
	if (!s) {
		fprintf(stderr, "kipsec_state: no kipsec generic netlink family: %s\n",
			strerror(errno));
		return 3;
	}
	if (!strcmp(argv[1], "stats") && argc == 2)
		return stats();
	if (!strcmp(argv[1], "list") && argc == 2)
		return list();
	if (!strcmp(argv[1], "fill") && argc == 3)
		return fill((unsigned int)atoi(argv[2]));
	if (!strcmp(argv[1], "add-sa") && argc >= 5)
		return add_sa(argv[2], argv[3], argv[4], argc - 5, argv + 5);
	if (!strcmp(argv[1], "listen") && argc == 2)
		return listen_events();
	goto usage;
}
