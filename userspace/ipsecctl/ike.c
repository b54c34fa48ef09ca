// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecd's control socket, from ipsecctl's side (lib/ike_ctl.h): load and
 * delete ike rules, flush, and show ipsecd's rules and phase 1 and phase 2
 * SAs (-s ike), as text or JSON.  Records holding a pre-shared key are
 * wiped after they are sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ike_alg.h"
#include "ipsecctl.h"
#include "json.h"

const char *ike_socket = IKE_CTL_SOCKET;

struct ike_conn {
	int fd;
};

struct ike_conn *ike_connect(bool quiet)
{
	struct sockaddr_un sun;
	struct ike_conn *c;
	int fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(ike_socket) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "%s: %s: socket path too long\n", progname, ike_socket);
		return NULL;
	}
	strcpy(sun.sun_path, ike_socket);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		if (!quiet) {
			fflush(stdout);
			if (e == ENOENT || e == ECONNREFUSED)
				fprintf(stderr, "%s: ipsecd is not running (no daemon on %s)\n", progname,
					ike_socket);
			else
				fprintf(stderr, "%s: cannot reach ipsecd on %s: %s\n", progname,
					ike_socket, strerror(e));
		}
		return NULL;
	}
	c = malloc(sizeof(*c));
	if (!c) {
		close(fd);
		return NULL;
	}
	c->fd = fd;
	return c;
}

void ike_disconnect(struct ike_conn *c)
{
	if (!c)
		return;
	close(c->fd);
	free(c);
}

static int xfer(struct ike_conn *c, void *req, uint32_t cmd, char *msg, size_t len)
{
	struct ike_ctl_hdr *h = req;
	struct ike_ctl_reply r;
	ssize_t n;

	h->magic = IKE_CTL_MAGIC;
	h->cmd = cmd;
	h->len = ike_ctl_size(cmd);
	n = send(c->fd, req, h->len, MSG_NOSIGNAL);
	if (n != (ssize_t)h->len) {
		snprintf(msg, len, "ipsecd closed the connection");
		return -EPIPE;
	}
	n = recv(c->fd, &r, sizeof(r), 0);
	if (n != (ssize_t)sizeof(r) || r.h.magic != IKE_CTL_MAGIC || r.h.cmd != IKE_CTL_REPLY) {
		snprintf(msg, len, "no answer from ipsecd");
		return -EPROTO;
	}
	r.msg[sizeof(r.msg) - 1] = '\0';
	snprintf(msg, len, "%s", r.msg[0] ? r.msg : r.err ? strerror(-r.err) : "");
	return r.err;
}

int ike_rule_cmd(struct ike_conn *c, uint32_t cmd, const struct ike_rule *r, char *msg, size_t len)
{
	struct ike_ctl_rule req;
	int err;

	memset(&req, 0, sizeof(req));
	req.rule = *r;
	err = xfer(c, &req, cmd, msg, len);
	explicit_bzero(&req, sizeof(req));
	return err;
}

int ike_flush(struct ike_conn *c, char *msg, size_t len)
{
	struct ike_ctl_hdr h;

	return xfer(c, &h, IKE_CTL_FLUSH, msg, len);
}

/* ---- -s ike ---- */

static const char *cookie_text(const uint8_t *c, char *buf)
{
	for (int i = 0; i < 8; i++)
		sprintf(buf + 2 * i, "%02x", c[i]);
	return buf;
}

static void sel_str(const struct ike_sel *s, char *buf, size_t len)
{
	char a[KIPSEC_ADDR_STRLEN];

	kipsec_addr_ntop(&s->addr, a, sizeof(a));
	if (s->plen == kipsec_addr_len(s->addr.family) * 8)
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, s->plen);
	if (s->port) {
		size_t l = strlen(buf);

		snprintf(buf + l, len - l, " port %u", s->port);
	}
}

static const char *left(uint64_t expires, char *buf, size_t len)
{
	time_t now = time(NULL);

	if (!expires)
		return "-";
	snprintf(buf, len, "%llds", (long long)((time_t)expires > now ? (time_t)expires - now : 0));
	return buf;
}

static void p1_text(const struct ike_ctl_p1_info *p)
{
	char l[KIPSEC_ADDR_STRLEN], r[KIPSEC_ADDR_STRLEN], e[32], h[32], g[32], ic[17], rc[17], t[32];

	printf("%s <-> %s %s %s enc %s auth %s group %s lifetime %us left %s cookies %s:%s\n",
	       kipsec_addr_ntop(&p->local, l, sizeof(l)), kipsec_addr_ntop(&p->peer, r, sizeof(r)),
	       p->state, p->initiator ? "initiator" : "responder",
	       ike_p1_enc_name(p->enc, p->enc_bits, e, sizeof(e)),
	       ike_p1_hash_name(p->hash, h, sizeof(h)), ike_group_name(p->group, g, sizeof(g)),
	       p->lifetime, left(p->expires, t, sizeof(t)), cookie_text(p->icookie, ic),
	       cookie_text(p->rcookie, rc));
}

static void p2_text(const struct ike_ctl_p2_info *p)
{
	char s[96], d[96], r[KIPSEC_ADDR_STRLEN], e[32], a[32], g[32], t[32], n[16];

	sel_str(&p->src, s, sizeof(s));
	sel_str(&p->dst, d, sizeof(d));
	printf("%s%s%s%s <-> %s peer %s %s %s %s spi in 0x%08x out 0x%08x enc %s",
	       p->proto ? "proto " : "", p->proto ? proto_name(p->proto, n, sizeof(n)) : "",
	       p->proto ? " " : "", s, d, kipsec_addr_ntop(&p->peer, r, sizeof(r)), p->state,
	       p->initiator ? "initiator" : "responder", mode_name(p->mode), p->spi_in,
	       p->spi_out, ike_p2_enc_name(p->enc, p->enc_bits, e, sizeof(e)));
	if (p->auth)
		printf(" auth %s", ike_p2_auth_name(p->auth, a, sizeof(a)));
	printf(" group %s lifetime %us left %s\n", ike_group_name(p->group, g, sizeof(g)),
	       p->lifetime, left(p->expires, t, sizeof(t)));
}

static void json_addr(struct json *j, const char *key, const struct kipsec_addr *a)
{
	char buf[KIPSEC_ADDR_STRLEN];

	json_str(j, key, kipsec_addr_ntop(a, buf, sizeof(buf)));
}

static void json_sel(struct json *j, const char *key, const struct ike_sel *s)
{
	char buf[KIPSEC_ADDR_STRLEN + 8], a[KIPSEC_ADDR_STRLEN];

	snprintf(buf, sizeof(buf), "%s/%u", kipsec_addr_ntop(&s->addr, a, sizeof(a)), s->plen);
	json_obj_begin(j, key);
	json_str(j, "prefix", buf);
	json_u64(j, "port", s->port);
	json_obj_end(j);
}

static void p1_json(struct json *j, const struct ike_ctl_p1_info *p)
{
	char b[32], ic[17], rc[17];

	json_obj_begin(j, NULL);
	json_u64(j, "id", p->id);
	json_str(j, "state", p->state);
	json_str(j, "role", p->initiator ? "initiator" : "responder");
	json_addr(j, "local", &p->local);
	json_addr(j, "peer", &p->peer);
	json_str(j, "icookie", cookie_text(p->icookie, ic));
	json_str(j, "rcookie", cookie_text(p->rcookie, rc));
	json_str(j, "enc", ike_p1_enc_name(p->enc, p->enc_bits, b, sizeof(b)));
	json_str(j, "auth", ike_p1_hash_name(p->hash, b, sizeof(b)));
	json_str(j, "group", ike_group_name(p->group, b, sizeof(b)));
	json_u64(j, "lifetime", p->lifetime);
	json_u64(j, "created", p->created);
	json_u64(j, "expires", p->expires);
	json_obj_end(j);
}

static void p2_json(struct json *j, const struct ike_ctl_p2_info *p)
{
	char b[32];

	json_obj_begin(j, NULL);
	json_u64(j, "id", p->id);
	json_u64(j, "rule", p->rule_id);
	json_str(j, "state", p->state);
	json_str(j, "role", p->initiator ? "initiator" : "responder");
	json_str(j, "mode", mode_name(p->mode));
	json_u64(j, "proto", p->proto);
	json_addr(j, "local", &p->local);
	json_addr(j, "peer", &p->peer);
	json_sel(j, "src", &p->src);
	json_sel(j, "dst", &p->dst);
	json_u64(j, "spi_in", p->spi_in);
	json_u64(j, "spi_out", p->spi_out);
	json_str(j, "enc", ike_p2_enc_name(p->enc, p->enc_bits, b, sizeof(b)));
	if (p->auth)
		json_str(j, "auth", ike_p2_auth_name(p->auth, b, sizeof(b)));
	else
		json_null(j, "auth");
	json_str(j, "group", ike_group_name(p->group, b, sizeof(b)));
	json_u64(j, "lifetime", p->lifetime);
	json_u64(j, "created", p->created);
	json_u64(j, "expires", p->expires);
	json_obj_end(j);
}

struct show_data {
	struct ike_ctl_rule_info *rules;
	struct ike_ctl_p1_info *p1;
	struct ike_ctl_p2_info *p2;
	size_t nrules, np1, np2;
	struct ike_ctl_stats st;
};

static int grow(void **v, size_t n, size_t size)
{
	void *nv;

	if (n & (n - 1) && n)
		return 0;
	nv = realloc(*v, (n ? 2 * n : 8) * size);
	if (!nv)
		return -1;
	*v = nv;
	return 0;
}

static int fetch(struct ike_conn *c, struct show_data *d)
{
	union {
		struct ike_ctl_hdr h;
		struct ike_ctl_rule_info ri;
		struct ike_ctl_p1_info p1;
		struct ike_ctl_p2_info p2;
		struct ike_ctl_stats st;
	} u;
	struct ike_ctl_hdr req = { IKE_CTL_MAGIC, IKE_CTL_SHOW, sizeof(req) };

	if (send(c->fd, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return -1;
	for (;;) {
		ssize_t n = recv(c->fd, &u, sizeof(u), 0);

		if (n < (ssize_t)sizeof(u.h) || u.h.magic != IKE_CTL_MAGIC ||
		    ike_ctl_size(u.h.cmd) != (uint32_t)n)
			return -1;
		switch (u.h.cmd) {
		case IKE_CTL_RULE_INFO:
			if (grow((void **)&d->rules, d->nrules, sizeof(u.ri)))
				return -1;
			d->rules[d->nrules++] = u.ri;
			break;
		case IKE_CTL_P1_INFO:
			if (grow((void **)&d->p1, d->np1, sizeof(u.p1)))
				return -1;
			d->p1[d->np1++] = u.p1;
			break;
		case IKE_CTL_P2_INFO:
			if (grow((void **)&d->p2, d->np2, sizeof(u.p2)))
				return -1;
			d->p2[d->np2++] = u.p2;
			break;
		case IKE_CTL_STATS:
			d->st = u.st;
			break;
		case IKE_CTL_END:
			return 0;
		default:
			return -1;
		}
	}
}

int ike_show(struct ike_conn *c, struct json *j, bool titles, bool verbose)
{
	struct show_data d;
	int ret = 0;

	memset(&d, 0, sizeof(d));
	if (fetch(c, &d)) {
		fflush(stdout);
		fprintf(stderr, "%s: ipsecd did not answer -s ike\n", progname);
		ret = 1;
		goto out;
	}
	if (j) {
		json_obj_begin(j, "ike");
		json_arr_begin(j, "rules");
		for (size_t i = 0; i < d.nrules; i++) {
			char line[1024];
			FILE *f = fmemopen(line, sizeof(line), "w");

			if (f) {
				print_ike_line(f, &d.rules[i].rule, false);
				fclose(f);
				line[strcspn(line, "\n")] = '\0';
			} else {
				line[0] = '\0';
			}
			json_obj_begin(j, NULL);
			json_u64(j, "id", d.rules[i].id);
			json_u64(j, "reqid", d.rules[i].reqid);
			json_str(j, "rule", line);
			json_u64(j, "sa_pairs", d.rules[i].p2_count);
			json_obj_end(j);
		}
		json_arr_end(j);
		json_arr_begin(j, "phase1");
		for (size_t i = 0; i < d.np1; i++)
			p1_json(j, &d.p1[i]);
		json_arr_end(j);
		json_arr_begin(j, "phase2");
		for (size_t i = 0; i < d.np2; i++)
			p2_json(j, &d.p2[i]);
		json_arr_end(j);
		json_obj_begin(j, "stats");
		json_u64(j, "rx_packets", d.st.rx_packets);
		json_u64(j, "tx_packets", d.st.tx_packets);
		json_u64(j, "rx_malformed", d.st.rx_malformed);
		json_u64(j, "rx_dropped", d.st.rx_dropped);
		json_u64(j, "retransmits", d.st.retransmits);
		json_u64(j, "p1_established", d.st.p1_established);
		json_u64(j, "p1_failed", d.st.p1_failed);
		json_u64(j, "p2_established", d.st.p2_established);
		json_u64(j, "p2_failed", d.st.p2_failed);
		json_obj_end(j);
		json_obj_end(j);
		goto out;
	}
	printf("%sIKE RULES:\n%s", titles ? "\n" : "", d.nrules ? "" : "(none)\n");
	for (size_t i = 0; i < d.nrules; i++)
		print_ike_line(stdout, &d.rules[i].rule, false);
	printf("\nPHASE 1 SAS:\n%s", d.np1 ? "" : "(none)\n");
	for (size_t i = 0; i < d.np1; i++)
		p1_text(&d.p1[i]);
	printf("\nPHASE 2 SAS:\n%s", d.np2 ? "" : "(none)\n");
	for (size_t i = 0; i < d.np2; i++)
		p2_text(&d.p2[i]);
	if (verbose)
		printf("\nIKE STATS:\n"
		       "datagrams in: %" PRIu64 ", malformed %" PRIu64 ", dropped %" PRIu64 "\n"
		       "datagrams out: %" PRIu64 ", retransmitted %" PRIu64 "\n"
		       "phase 1: %" PRIu64 " established, %" PRIu64 " failed\n"
		       "phase 2: %" PRIu64 " established, %" PRIu64 " failed\n",
		       d.st.rx_packets, d.st.rx_malformed, d.st.rx_dropped, d.st.tx_packets,
		       d.st.retransmits, d.st.p1_established, d.st.p1_failed, d.st.p2_established,
		       d.st.p2_failed);
out:
	free(d.rules);
	free(d.p1);
	free(d.p2);
	return ret;
}
