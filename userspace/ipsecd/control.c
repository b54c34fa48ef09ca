// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (lib/ike_ctl.h): a UNIX SOCK_SEQPACKET socket, mode
 * 0600, one record per datagram.  Each request is answered at once; a
 * client may send several.  Records of the wrong size or magic close the
 * connection.  Rules received here hold pre-shared keys: every copy is
 * wiped after use.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "ipsecd.h"

static int lfd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int ctl_fd(void)
{
	return lfd;
}

int ctl_open(const char *path)
{
	struct sockaddr_un sun;
	mode_t old;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0) {
		log_err("control socket: %s", strerror(errno));
		return -1;
	}
	/* A socket left by a dead ipsecd: take its place; a live one: refuse. */
	if (connect(lfd, (struct sockaddr *)&sun, sizeof(sun)) == 0) {
		log_err("another ipsecd answers on %s", path);
		close(lfd);
		lfd = -1;
		return -1;
	}
	unlink(path);
	old = umask(0077);
	if (bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) || listen(lfd, 16)) {
		umask(old);
		log_err("control socket %s: %s", path, strerror(errno));
		close(lfd);
		lfd = -1;
		return -1;
	}
	umask(old);
	chmod(path, 0600);
	strcpy(sock_path, path);
	return 0;
}

void ctl_close(void)
{
	if (lfd >= 0) {
		close(lfd);
		unlink(sock_path);
	}
	lfd = -1;
}

void ctl_accept(void)
{
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		if (loop_add_fd(fd))
			close(fd);
	}
}

static int send_rec(int fd, void *rec, uint32_t cmd)
{
	struct ike_ctl_hdr *h = rec;

	h->magic = IKE_CTL_MAGIC;
	h->cmd = cmd;
	h->len = ike_ctl_size(cmd);
	/* The client reads at its pace: a full socket waits a little. */
	for (int i = 0; i < 1000; i++) {
		if (send(fd, rec, h->len, MSG_NOSIGNAL) == (ssize_t)h->len)
			return 0;
		if (errno != EAGAIN)
			return -1;
		usleep(1000);
	}
	return -1;
}

static int reply(int fd, int err, const char *msg)
{
	struct ike_ctl_reply r;

	memset(&r, 0, sizeof(r));
	r.err = err;
	snprintf(r.msg, sizeof(r.msg), "%s", msg);
	return send_rec(fd, &r, IKE_CTL_REPLY);
}

static int show(int fd)
{
	struct list *pos, *tmp;
	struct ike_ctl_stats st;
	struct ike_ctl_hdr end;

	list_for_each_safe(pos, tmp, &rules) {
		struct rule *r = container_of(pos, struct rule, node);
		struct ike_ctl_rule_info ri;
		struct list *p2pos, *p2tmp;

		memset(&ri, 0, sizeof(ri));
		ri.id = r->id;
		ri.reqid = r->reqid;
		ri.rule = r->conf;
		explicit_bzero(ri.rule.psk, sizeof(ri.rule.psk));
		ri.rule.psk_len = 0;
		list_for_each_safe(p2pos, p2tmp, &p2sas) {
			struct p2sa *p2 = container_of(p2pos, struct p2sa, node);

			ri.p2_count += p2->rule_id == r->id && p2->state == P2_INSTALLED;
		}
		if (send_rec(fd, &ri, IKE_CTL_RULE_INFO))
			return -1;
	}
	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);
		struct ike_ctl_p1_info pi;

		memset(&pi, 0, sizeof(pi));
		pi.id = p1->id;
		snprintf(pi.state, sizeof(pi.state), "%s", p1_state_name(p1->state));
		pi.initiator = p1->initiator;
		pi.local = p1->local;
		pi.peer = p1->peer;
		memcpy(pi.icookie, p1->icky, 8);
		memcpy(pi.rcookie, p1->rcky, 8);
		pi.enc = p1->enc;
		pi.enc_bits = p1->enc_bits;
		pi.hash = p1->hash;
		pi.group = p1->group;
		pi.lifetime = p1->lifetime;
		pi.created = (uint64_t)p1->created;
		if (p1->state == P1_ESTABLISHED)
			pi.expires = (uint64_t)p1->established + p1->lifetime;
		if (send_rec(fd, &pi, IKE_CTL_P1_INFO))
			return -1;
	}
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);
		struct ike_ctl_p2_info qi;

		memset(&qi, 0, sizeof(qi));
		qi.id = p2->id;
		qi.rule_id = p2->rule_id;
		qi.p1_id = p2->p1_id;
		snprintf(qi.state, sizeof(qi.state), "%s%s", p2_state_name(p2->state),
			 p2->rekeyed ? "-rekeyed" : "");
		qi.initiator = p2->initiator;
		qi.mode = p2->mode;
		qi.proto = p2->proto;
		qi.local = p2->local;
		qi.peer = p2->peer;
		qi.src = p2->src;
		qi.dst = p2->dst;
		qi.spi_in = p2->spi_in;
		qi.spi_out = p2->spi_out;
		qi.enc = p2->enc;
		qi.enc_bits = p2->enc_bits;
		qi.auth = p2->auth;
		qi.group = p2->group;
		qi.lifetime = p2->lifetime;
		qi.created = (uint64_t)p2->created;
		if (p2->state == P2_INSTALLED)
			qi.expires = (uint64_t)p2->created + p2->lifetime;
		if (send_rec(fd, &qi, IKE_CTL_P2_INFO))
			return -1;
	}
	memset(&st, 0, sizeof(st));
	st.rx_packets = stats.rx_packets;
	st.tx_packets = stats.tx_packets;
	st.rx_malformed = stats.rx_malformed;
	st.rx_dropped = stats.rx_dropped;
	st.retransmits = stats.retransmits;
	st.p1_established = stats.p1_established;
	st.p1_failed = stats.p1_failed;
	st.p2_established = stats.p2_established;
	st.p2_failed = stats.p2_failed;
	if (send_rec(fd, &st, IKE_CTL_STATS))
		return -1;
	return send_rec(fd, &end, IKE_CTL_END);
}

void ctl_input(int fd)
{
	union {
		struct ike_ctl_hdr h;
		struct ike_ctl_rule rule;
		char raw[sizeof(struct ike_ctl_rule) + 1];
	} u;
	char msg[IKE_CTL_MSG_MAX] = "";
	ssize_t n;
	int err = 0;

	n = recv(fd, &u, sizeof(u), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < (ssize_t)sizeof(u.h) || u.h.magic != IKE_CTL_MAGIC ||
	    u.h.len != (uint32_t)n || ike_ctl_size(u.h.cmd) != (uint32_t)n) {
		if (n > 0)
			log_warn("control: malformed request (%zd bytes): closing the connection", n);
		goto close;
	}
	switch (u.h.cmd) {
	case IKE_CTL_RULE_ADD:
		err = rule_add(&u.rule.rule, msg, sizeof(msg));
		break;
	case IKE_CTL_RULE_DEL:
		err = rule_del(&u.rule.rule, msg, sizeof(msg));
		break;
	case IKE_CTL_FLUSH:
		rule_flush();
		break;
	case IKE_CTL_SHOW:
		if (show(fd))
			goto close;
		explicit_bzero(&u, sizeof(u));
		return;
	default:
		log_warn("control: unknown request %u: closing the connection", u.h.cmd);
		goto close;
	}
	explicit_bzero(&u, sizeof(u));
	if (reply(fd, err, msg))
		goto close;
	return;
close:
	explicit_bzero(&u, sizeof(u));
	loop_del_fd(fd);
	close(fd);
}
