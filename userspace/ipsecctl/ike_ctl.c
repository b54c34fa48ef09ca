// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecd's control socket, from ipsecctl's side (lib/ike_ctl.h): load and
 * delete ike rules, flush, and fetch ipsecd's rules and phase 1 and phase 2
 * SAs for -s ike (print_ike.c prints them).  Records holding a pre-shared
 * key are wiped after they are sent.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipsecctl.h"

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

/* ---- -s ike: what ipsecd holds (printed by print_ike.c) ---- */

/* Appends record rec of size bytes to the array *v of *n. */
static int append(void **v, size_t *n, size_t *cap, const void *rec, size_t size)
{
	if (kipsec_array_grow(v, *n, cap, size, 8))
		return -1;
	memcpy((char *)*v + *n * size, rec, size);
	(*n)++;
	return 0;
}

int ike_fetch(struct ike_conn *c, struct ike_show_data *d)
{
	union {
		struct ike_ctl_hdr h;
		struct ike_ctl_rule_info ri;
		struct ike_ctl_p1_info p1;
		struct ike_ctl_p2_info p2;
		struct ike_ctl_stats st;
		struct ike_ctl_reply rep;
	} u;
	struct ike_ctl_hdr req = { IKE_CTL_MAGIC, IKE_CTL_SHOW, sizeof(req) };

	memset(d, 0, sizeof(*d));
	if (send(c->fd, &req, sizeof(req), MSG_NOSIGNAL) != sizeof(req))
		return -1;
	for (;;) {
		ssize_t n = recv(c->fd, &u, sizeof(u), 0);

		if (n < (ssize_t)sizeof(u.h) || u.h.magic != IKE_CTL_MAGIC ||
		    ike_ctl_size(u.h.cmd) != (uint32_t)n)
			return -1;
		switch (u.h.cmd) {
		case IKE_CTL_RULE_INFO:
			if (append((void **)&d->rules, &d->nrules, &d->caps[0], &u.ri, sizeof(u.ri)))
				return -1;
			break;
		case IKE_CTL_P1_INFO:
			if (append((void **)&d->p1, &d->np1, &d->caps[1], &u.p1, sizeof(u.p1)))
				return -1;
			break;
		case IKE_CTL_P2_INFO:
			if (append((void **)&d->p2, &d->np2, &d->caps[2], &u.p2, sizeof(u.p2)))
				return -1;
			break;
		case IKE_CTL_STATS:
			d->st = u.st;
			break;
		case IKE_CTL_END:
			return 0;
		case IKE_CTL_REPLY:
			/* A refusal (not root, say) instead of the answer. */
			d->refusal = u.rep;
			d->refusal.msg[sizeof(d->refusal.msg) - 1] = '\0';
			return -2;
		default:
			return -1;
		}
	}
}

void ike_show_data_free(struct ike_show_data *d)
{
	free(d->rules);
	free(d->p1);
	free(d->p2);
	memset(d, 0, sizeof(*d));
}
