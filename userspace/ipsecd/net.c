// SPDX-License-Identifier: GPL-2.0
/*
 * The IKE sockets: UDP port 500 (RFC 2408 §2.5.2) and the NAT-T port 4500
 * (RFC 3947 §4) on every IPv4 and IPv6 address.  The local address of each
 * datagram comes from IP_PKTINFO / IPV6_RECVPKTINFO and answers leave from
 * it, so that a gateway with many addresses answers from the one it was
 * asked on.
 *
 * On port 4500, IKE follows four zero bytes, the non-ESP marker (RFC 3948
 * §2.2), which is added and taken off here; ESP in UDP on that port is
 * kipsec.ko's (it takes it before it reaches this socket), and a NAT
 * keepalive is one byte 0xFF (§2.3).
 *
 * Each datagram goes to ike_dispatch() (dispatch.c) with its addresses.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ipsecd.h"

/* By family and port: [0] IPv4, [1] IPv6; 500, then the NAT-T port. */
static int fds[2][2] = { { -1, -1 }, { -1, -1 } };

#define NON_ESP_MARKER_LEN	4

int net_fd(int i)
{
	return i < 4 ? fds[i / 2][i % 2] : -1;
}

static int fd_of(int family, bool natt)
{
	return fds[family == AF_INET6][natt];
}

/* a and port as a socket address; returns its length. */
static socklen_t to_sockaddr(const struct kipsec_addr *a, uint16_t port,
			     struct sockaddr_storage *ss)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.in;
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a->u.in6;
	return sizeof(*sin6);
}

/* The address of a socket address into *a; returns its port. */
static uint16_t from_sockaddr(const struct sockaddr_storage *ss, struct kipsec_addr *a)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		a->family = AF_INET;
		a->u.in = sin->sin_addr;
		return ntohs(sin->sin_port);
	}
	a->family = AF_INET6;
	a->u.in6 = sin6->sin6_addr;
	return ntohs(sin6->sin6_port);
}

static int open_one(int family, uint16_t port)
{
	int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_UDP);
	int one = 1;
	struct kipsec_addr any = { .family = family };	/* the wildcard address */
	struct sockaddr_storage ss;
	socklen_t len;

	if (fd < 0)
		return -1;
	len = to_sockaddr(&any, port, &ss);
	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one));
	} else {
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
	static const int families[2] = { AF_INET, AF_INET6 };

	for (int f = 0; f < 2; f++) {
		for (int n = 0; n < 2; n++) {
			uint16_t port = n ? natt_port : ike_port;

			fds[f][n] = open_one(families[f], port);
			if (fds[f][n] >= 0)
				continue;
			if (f == 0) {
				log_err("cannot bind UDP port %u (IPv4): %s", port, strerror(errno));
				net_close();
				return -1;
			}
			log_warn("no IPv6 IKE socket (port %u): %s", port, strerror(errno));
		}
	}
	return 0;
}

void net_close(void)
{
	for (int f = 0; f < 2; f++)
		for (int n = 0; n < 2; n++) {
			if (fds[f][n] >= 0)
				close(fds[f][n]);
			fds[f][n] = -1;
		}
}

/* The one control message of a datagram we send. */
static void put_cmsg(struct msghdr *msg, int level, int type, const void *data, size_t len)
{
	struct cmsghdr *c;

	msg->msg_controllen = CMSG_SPACE(len);
	c = CMSG_FIRSTHDR(msg);
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
}

/* One datagram of the pieces iov[0..n) from local to peer:port. */
static int send_iov(const struct kipsec_addr *local, const struct kipsec_addr *peer,
		    uint16_t port, bool natt, struct iovec *iov, size_t n)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss;
	struct msghdr msg = { 0 };
	int fd = fd_of(peer->family, natt);

	memset(&cm, 0, sizeof(cm));
	msg.msg_name = &ss;
	msg.msg_namelen = to_sockaddr(peer, port, &ss);
	msg.msg_iov = iov;
	msg.msg_iovlen = n;
	msg.msg_control = cm.buf;
	if (peer->family == AF_INET) {
		struct in_pktinfo pi = { .ipi_spec_dst = local->u.in };

		put_cmsg(&msg, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { .ipi6_addr = local->u.in6 };

		put_cmsg(&msg, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	}
	if (fd < 0)
		return -1;
	if (sendmsg(fd, &msg, 0) < 0) {
		char ps[KIPSEC_ADDR_STRLEN];

		log_warn("sending %zu bytes to %s port %u: %s", iov[n - 1].iov_len,
			 addr_text(peer, ps, sizeof(ps)), port, strerror(errno));
		return -1;
	}
	stats.tx_packets++;
	return 0;
}

int net_send(const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	     bool natt, const uint8_t *p, size_t len)
{
	static const uint8_t marker[NON_ESP_MARKER_LEN];
	struct iovec iov[2] = {
		{ (void *)marker, sizeof(marker) },
		{ (void *)p, len },
	};

	return natt ? send_iov(local, peer, port, true, iov, 2) :
		      send_iov(local, peer, port, false, iov + 1, 1);
}

int net_send_keepalive(const struct kipsec_addr *local, const struct kipsec_addr *peer,
		       uint16_t port)
{
	static const uint8_t ff = 0xff;
	struct iovec iov = { (void *)&ff, 1 };

	return send_iov(local, peer, port, true, &iov, 1);
}

int net_route_src(const struct kipsec_addr *peer, struct kipsec_addr *local)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd = socket(peer->family, SOCK_DGRAM | SOCK_CLOEXEC, 0), r = -1;

	if (fd < 0)
		return -1;
	len = to_sockaddr(peer, ike_port, &ss);
	/* connect() on UDP sends nothing: it only asks the routing table. */
	if (connect(fd, (struct sockaddr *)&ss, len) == 0 &&
	    getsockname(fd, (struct sockaddr *)&ss, &len) == 0) {
		from_sockaddr(&ss, local);
		r = 0;
	}
	close(fd);
	return r;
}

/* One datagram of fd into pkt, with its addresses: its length, or -1. */
static ssize_t recv_one(int fd, uint8_t *pkt, size_t cap, struct kipsec_addr *local,
			struct kipsec_addr *peer, uint16_t *port)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(struct in_pktinfo))];
		struct cmsghdr align;
	} cm;
	struct sockaddr_storage ss;
	struct iovec iov = { pkt, cap };
	struct msghdr msg = { 0 };
	struct cmsghdr *c;
	ssize_t r;

	msg.msg_name = &ss;
	msg.msg_namelen = sizeof(ss);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	r = recvmsg(fd, &msg, 0);
	if (r < 0)
		return -1;
	memset(local, 0, sizeof(*local));
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->family = AF_INET;
			local->u.in = pi.ipi_addr;
		} else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			local->family = AF_INET6;
			local->u.in6 = pi.ipi6_addr;
		}
	}
	*port = from_sockaddr(&ss, peer);
	if (msg.msg_flags & MSG_TRUNC)
		return (ssize_t)cap;
	return r;
}

/* A datagram on the NAT-T port: IKE after the non-ESP marker (RFC 3948 §2.2). */
static void natt_datagram(const uint8_t *pkt, size_t len, const struct kipsec_addr *local,
			  const struct kipsec_addr *peer, uint16_t port)
{
	char ps[KIPSEC_ADDR_STRLEN];

	/* §2.3: a keepalive keeps the NAT's mapping, and is otherwise ignored. */
	if (len == 1 && pkt[0] == 0xff) {
		stats.rx_keepalives++;
		return;
	}
	if (len < NON_ESP_MARKER_LEN || get32(pkt)) {
		stats.rx_packets++;
		stats.rx_dropped++;
		log_drop(addr_text(peer, ps, sizeof(ps)),
			 len < NON_ESP_MARKER_LEN ? "datagram on the NAT-T port shorter than the non-ESP marker" :
			 "ESP in UDP on the NAT-T port for no SA of kipsec.ko");
		return;
	}
	ike_dispatch(pkt + NON_ESP_MARKER_LEN, len - NON_ESP_MARKER_LEN, local, peer, port, true);
}

bool net_owns(int fd)
{
	return fd >= 0 && (fd == fds[0][0] || fd == fds[0][1] || fd == fds[1][0] || fd == fds[1][1]);
}

void net_input(int fd)
{
	static uint8_t pkt[ISAKMP_MSG_MAX + NON_ESP_MARKER_LEN + 1];
	bool natt = fd == fds[0][1] || fd == fds[1][1];

	for (int n = 0; n < 64; n++) {
		struct kipsec_addr local, peer;
		uint16_t port;
		ssize_t r = recv_one(fd, pkt, sizeof(pkt), &local, &peer, &port);

		if (r < 0)
			return;
		if (!local.family || (size_t)r == sizeof(pkt)) {
			stats.rx_packets++;
			stats.rx_malformed++;
			log_drop("?", local.family ? "datagram larger than 64 KiB" : "no local address");
			continue;
		}
		if (natt)
			natt_datagram(pkt, (size_t)r, &local, &peer, port);
		else
			ike_dispatch(pkt, (size_t)r, &local, &peer, port, false);
	}
}
