// SPDX-License-Identifier: GPL-2.0
/*
 * The IKE sockets: UDP port 500 (RFC 2408 §2.5.2) on every IPv4 and IPv6
 * address.  The local address of each datagram comes from IP_PKTINFO /
 * IPV6_RECVPKTINFO and answers leave from it, so that a gateway with many
 * addresses answers from the one it was asked on.
 *
 * Every datagram is checked here before the exchange code sees it: at
 * least an ISAKMP header, a header that parses, a known exchange type.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipsecd.h"

static int fd4 = -1, fd6 = -1;

int net_fd4(void)
{
	return fd4;
}

int net_fd6(void)
{
	return fd6;
}

static int open_one(int family)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	int one = 1;
	struct sockaddr_storage ss;
	socklen_t len;

	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ike_port);
		len = sizeof(*sin);
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ike_port);
		len = sizeof(*sin6);
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one));
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len)) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

int net_open(void)
{
	fd4 = open_one(AF_INET);
	if (fd4 < 0) {
		log_err("cannot bind UDP port %u (IPv4): %s", ike_port, strerror(errno));
		return -1;
	}
	fd6 = open_one(AF_INET6);
	if (fd6 < 0)
		log_warn("no IPv6 IKE socket (port %u): %s", ike_port, strerror(errno));
	return 0;
}

void net_close(void)
{
	if (fd4 >= 0)
		close(fd4);
	if (fd6 >= 0)
		close(fd6);
	fd4 = fd6 = -1;
}

const char *addr_text(const struct kipsec_addr *a, char *buf, size_t len)
{
	return kipsec_addr_ntop(a, buf, len);
}

int net_send(const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	     const uint8_t *p, size_t len)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss;
	struct iovec iov = { (void *)p, len };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	int fd;

	memset(&ss, 0, sizeof(ss));
	memset(&cm, 0, sizeof(cm));
	msg.msg_name = &ss;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	if (peer->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct in_pktinfo pi = { 0 };

		fd = fd4;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = peer->u.in;
		msg.msg_namelen = sizeof(*sin);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IP;
		c->cmsg_type = IP_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi_spec_dst = local->u.in;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		struct in6_pktinfo pi = { 0 };

		fd = fd6;
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		sin6->sin6_addr = peer->u.in6;
		msg.msg_namelen = sizeof(*sin6);
		msg.msg_controllen = CMSG_SPACE(sizeof(pi));
		c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = IPPROTO_IPV6;
		c->cmsg_type = IPV6_PKTINFO;
		c->cmsg_len = CMSG_LEN(sizeof(pi));
		pi.ipi6_addr = local->u.in6;
		memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	}
	if (fd < 0)
		return -1;
	if (sendmsg(fd, &msg, 0) < 0) {
		char ps[KIPSEC_ADDR_STRLEN];

		log_warn("sending %zu bytes to %s: %s", len, addr_text(peer, ps, sizeof(ps)),
			 strerror(errno));
		return -1;
	}
	stats.tx_packets++;
	return 0;
}

int net_route_src(const struct kipsec_addr *peer, struct kipsec_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (peer->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(ike_port);
		sin->sin_addr = peer->u.in;
		len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(ike_port);
		sin6->sin6_addr = peer->u.in6;
		len = sizeof(*sin6);
	}
	/* connect() on UDP sends nothing: it only asks the routing table. */
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		memset(local, 0, sizeof(*local));
		local->family = peer->family;
		if (peer->family == AF_INET)
			local->u.in = ((struct sockaddr_in *)&ss)->sin_addr;
		else
			local->u.in6 = ((struct sockaddr_in6 *)&ss)->sin6_addr;
		r = 0;
	}
	close(fd);
	return r;
}

static void dispatch(const uint8_t *pkt, size_t len, const struct kipsec_addr *local,
		     const struct kipsec_addr *peer, uint16_t port)
{
	char ps[KIPSEC_ADDR_STRLEN];
	struct isakmp_hdr h;

	stats.rx_packets++;
	addr_text(peer, ps, sizeof(ps));
	if (isakmp_parse_hdr(pkt, len, &h)) {
		stats.rx_malformed++;
		log_drop(ps, isakmp_error);
		return;
	}
	switch (h.exchange) {
	case ISAKMP_XCHG_IDPROT:
		p1_input(&h, pkt, len, local, peer, port);
		break;
	case ISAKMP_XCHG_QUICK: {
		struct p1sa *p1 = p1_by_cookies(h.icookie, h.rcookie);

		if (!p1 || p1->state != P1_ESTABLISHED || !addr_eq(&p1->peer, peer)) {
			stats.rx_dropped++;
			log_drop(ps, "quick mode message for an unknown ISAKMP SA");
			return;
		}
		p2_input(p1, &h, pkt, len);
		break;
	}
	case ISAKMP_XCHG_INFO:
		info_input(&h, pkt, len, local, peer, port);
		break;
	default:
		/* Aggressive Mode and the rest: not offered (RFC 2409 §5.4 is optional). */
		stats.rx_dropped++;
		log_drop(ps, "unsupported exchange type (only main, quick and informational)");
	}
}

void net_input(int fd)
{
	static uint8_t pkt[ISAKMP_MSG_MAX + 1];
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cm;

	for (int n = 0; n < 64; n++) {
		struct sockaddr_storage ss;
		struct iovec iov = { pkt, sizeof(pkt) };
		struct msghdr msg = { 0 };
		struct kipsec_addr local = { 0 }, peer = { 0 };
		struct cmsghdr *c;
		uint16_t port;
		ssize_t r;

		msg.msg_name = &ss;
		msg.msg_namelen = sizeof(ss);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cm.buf;
		msg.msg_controllen = sizeof(cm.buf);
		r = recvmsg(fd, &msg, 0);
		if (r < 0)
			return;
		for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
			if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
				struct in_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				local.family = AF_INET;
				local.u.in = pi.ipi_addr;
			} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
				struct in6_pktinfo pi;

				memcpy(&pi, CMSG_DATA(c), sizeof(pi));
				local.family = AF_INET6;
				local.u.in6 = pi.ipi6_addr;
			}
		}
		if (ss.ss_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

			peer.family = AF_INET;
			peer.u.in = sin->sin_addr;
			port = ntohs(sin->sin_port);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

			peer.family = AF_INET6;
			peer.u.in6 = sin6->sin6_addr;
			port = ntohs(sin6->sin6_port);
		}
		if (!local.family || (msg.msg_flags & MSG_TRUNC)) {
			stats.rx_packets++;
			stats.rx_malformed++;
			log_drop("?", (msg.msg_flags & MSG_TRUNC) ? "datagram larger than 64 KiB" :
				 "no local address");
			continue;
		}
		dispatch(pkt, (size_t)r, &local, &peer, port);
	}
}
