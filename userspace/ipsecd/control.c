// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket (lib/ike_ctl.h): a UNIX SOCK_SEQPACKET socket, mode
 * 0600, one record per datagram.  Each request is answered at once; a
 * client may send several.  Records of the wrong size or magic close the
 * connection.  Rules received here hold pre-shared keys: every copy is
 * wiped after use.
 *
 * Only root talks to ipsecd: the socket's mode says so to the file system,
 * and every request's sender is checked again (SO_PEERCRED), so that a
 * socket made reachable by mistake (a chmod, a bind mount) still lets no
 * one else load a rule or read the SAs.  The socket is made where no one
 * else can swap the path under us: in a directory only root may write to
 * (created 0700 when missing), never through a symbolic link, created with
 * its final mode (no chmod after bind, which would follow a link), and
 * only a socket is ever removed to take its place.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd.h"

static int lfd = -1;
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

int ctl_fd(void)
{
	return lfd;
}

/* The directory of the socket: root's (or ours), no one else may write. */
static int private_dir(const char *path)
{
	char dir[sizeof(sock_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = '\0';		/* "/name": the root directory */
	else
		*slash = '\0';
	if (mkdir(dir, 0700) && errno != EEXIST) {
		log_err("control socket directory %s: %s", dir, strerror(errno));
		return -1;
	}
	if (stat(dir, &st)) {
		log_err("control socket directory %s: %s", dir, strerror(errno));
		return -1;
	}
	/* Sticky (like /tmp): others may write, but not rename or remove ours. */
	if (!S_ISDIR(st.st_mode) || (st.st_uid && st.st_uid != geteuid()) ||
	    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(st.st_mode & S_ISVTX))) {
		log_err("control socket directory %s is not private (owner uid %u, mode %04o): others could swap the socket",
			dir, (unsigned int)st.st_uid, (unsigned int)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* What is at the path: nothing, or a dead ipsecd's socket (removed). */
static int clear_path(int fd, const struct sockaddr_un *sun)
{
	const char *path = sun->sun_path;
	struct stat st;

	if (lstat(path, &st)) {
		if (errno == ENOENT)
			return 0;
		log_err("control socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode) || !S_ISSOCK(st.st_mode)) {
		log_err("control socket %s: %s: refusing to remove it", path,
			S_ISLNK(st.st_mode) ? "is a symbolic link" : "exists and is not a socket");
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sun, sizeof(*sun)) == 0) {
		log_err("another ipsecd answers on %s", path);
		return -1;
	}
	if (unlink(path) && errno != ENOENT) {
		log_err("control socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int ctl_open(const char *path)
{
	struct sockaddr_un sun;
	mode_t old;
	int fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		log_err("control socket path too long: %s", path);
		return -1;
	}
	strcpy(sun.sun_path, path);
	if (private_dir(path))
		return -1;
	/* One socket to probe for a live ipsecd, one to listen: a socket
	 * whose connect() failed is not reliably bindable. */
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	lfd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || lfd < 0) {
		log_err("control socket: %s", strerror(errno));
		goto err;
	}
	if (clear_path(fd, &sun))
		goto err;
	/* bind() makes the node with mode 0777 & ~umask: 0600 from the start,
	 * and it fails rather than follow anything already at the path. */
	old = umask(0177);
	r = bind(lfd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (r || listen(lfd, 16)) {
		log_err("control socket %s: %s", path, strerror(errno));
		goto err;
	}
	close(fd);
	strcpy(sock_path, path);
	return 0;
err:
	if (fd >= 0)
		close(fd);
	if (lfd >= 0)
		close(lfd);
	lfd = -1;
	return -1;
}

void ctl_close(void)
{
	struct stat st;

	if (lfd >= 0) {
		close(lfd);
		/* Still our socket (not something put in its place). */
		if (!lstat(sock_path, &st) && S_ISSOCK(st.st_mode))
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

/*
 * Root only (uid 0): rules carry pre-shared keys, and the answers show the
 * SAs.  A refused client gets the reason; the log gets one line a second.
 */
static bool client_allowed(int fd)
{
	static time_t last;
	static unsigned long suppressed;
	struct ucred cr;
	socklen_t len = sizeof(cr);
	char msg[IKE_CTL_MSG_MAX];
	time_t now = time(NULL);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && len == sizeof(cr) &&
	    cr.uid == 0)
		return true;
	if (len != sizeof(cr))
		cr.uid = (uid_t)-1, cr.pid = 0;
	snprintf(msg, sizeof(msg), "permission denied: ipsecd's control socket is for root only (you are uid %d)",
		 (int)cr.uid);
	reply(fd, -EPERM, msg);
	if (now == last) {
		suppressed++;
		return false;
	}
	log_warn("control: refused a request from uid %d (pid %d): only root may use the control socket%s",
		 (int)cr.uid, (int)cr.pid, suppressed ? " (and more since the last report)" : "");
	last = now;
	suppressed = 0;
	return false;
}

/* A rule as ipsecctl -s ike shows it: never its pre-shared key. */
static void rule_info(const struct rule *r, struct ike_ctl_rule_info *ri)
{
	struct list *pos, *tmp;

	memset(ri, 0, sizeof(*ri));
	ri->id = r->id;
	ri->reqid = r->reqid;
	ri->rule = r->conf;
	explicit_bzero(ri->rule.psk, sizeof(ri->rule.psk));
	ri->rule.psk_len = 0;
	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		ri->p2_count += p2->rule_id == r->id && p2->state == P2_INSTALLED;
	}
}

static void p1_info(const struct p1sa *p1, struct ike_ctl_p1_info *pi)
{
	memset(pi, 0, sizeof(*pi));
	pi->id = p1->id;
	snprintf(pi->state, sizeof(pi->state), "%s", p1_state_name(p1->state));
	pi->initiator = p1->initiator;
	pi->local = p1->local;
	pi->peer = p1->peer;
	memcpy(pi->icookie, p1->icky, 8);
	memcpy(pi->rcookie, p1->rcky, 8);
	pi->enc = p1->enc;
	pi->enc_bits = p1->enc_bits;
	pi->hash = p1->hash;
	pi->group = p1->group;
	pi->lifetime = p1->lifetime;
	pi->created = (uint64_t)p1->created;
	if (p1->state == P1_ESTABLISHED)
		pi->expires = (uint64_t)p1->established + p1->lifetime;
	pi->natt = p1->natt.floated;
	pi->nat_local = p1->natt.nat_here;
	pi->nat_peer = p1->natt.nat_there;
	pi->peer_port = p1->peer_port;
	pi->dpd = p1->dpd.peer;
	pi->exchange = p1->exchange == ISAKMP_XCHG_AGGR ? IKE_P1_AGGRESSIVE : IKE_P1_MAIN;
	if (p1->state == P1_ESTABLISHED)
		pi->peer_id = p1->peer_id;
}

static void p2_info(const struct p2sa *p2, struct ike_ctl_p2_info *qi)
{
	memset(qi, 0, sizeof(*qi));
	qi->id = p2->id;
	qi->rule_id = p2->rule_id;
	qi->p1_id = p2->p1_id;
	snprintf(qi->state, sizeof(qi->state), "%s%s", p2_state_name(p2->state),
		 p2->replaced_by ? "-replaced" : p2->rekeyed ? "-rekeyed" : "");
	qi->initiator = p2->initiator;
	qi->mode = p2->mode;
	qi->proto = p2->proto;
	qi->local = p2->local;
	qi->peer = p2->peer;
	qi->src = p2->src;
	qi->dst = p2->dst;
	qi->spi_in = p2->spi_in;
	qi->spi_out = p2->spi_out;
	qi->enc = p2->enc;
	qi->enc_bits = p2->enc_bits;
	qi->auth = p2->auth;
	qi->group = p2->group;
	qi->lifetime = p2->lifetime;
	qi->life_kb = p2->life_kb;
	qi->created = (uint64_t)p2->created;
	if (p2->state == P2_INSTALLED)
		qi->expires = (uint64_t)p2->created + p2->lifetime;
}

static void stats_info(struct ike_ctl_stats *st)
{
	memset(st, 0, sizeof(*st));
	st->rx_packets = stats.rx_packets;
	st->tx_packets = stats.tx_packets;
	st->rx_malformed = stats.rx_malformed;
	st->rx_dropped = stats.rx_dropped;
	st->retransmits = stats.retransmits;
	st->p1_established = stats.p1_established;
	st->p1_failed = stats.p1_failed;
	st->p2_established = stats.p2_established;
	st->p2_failed = stats.p2_failed;
	st->rx_keepalives = stats.rx_keepalives;
	st->tx_keepalives = stats.tx_keepalives;
	st->dpd_sent = stats.dpd_sent;
	st->dpd_acked = stats.dpd_acked;
	st->dpd_dead = stats.dpd_dead;
	st->initial_contacts = stats.initial_contacts;
}

/* Every rule, phase 1 SA and phase 2 SA, the counters, then the end. */
static int show(int fd)
{
	struct list *pos, *tmp;
	struct ike_ctl_stats st;
	struct ike_ctl_hdr end;

	list_for_each_safe(pos, tmp, &rules) {
		struct ike_ctl_rule_info ri;

		rule_info(container_of(pos, struct rule, node), &ri);
		if (send_rec(fd, &ri, IKE_CTL_RULE_INFO))
			return -1;
	}
	list_for_each_safe(pos, tmp, &p1sas) {
		struct ike_ctl_p1_info pi;

		p1_info(container_of(pos, struct p1sa, node), &pi);
		if (send_rec(fd, &pi, IKE_CTL_P1_INFO))
			return -1;
	}
	list_for_each_safe(pos, tmp, &p2sas) {
		struct ike_ctl_p2_info qi;

		p2_info(container_of(pos, struct p2sa, node), &qi);
		if (send_rec(fd, &qi, IKE_CTL_P2_INFO))
			return -1;
	}
	stats_info(&st);
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
	if (n > 0 && !client_allowed(fd))
		goto close;
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
