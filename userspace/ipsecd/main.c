// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecd: the IKEv1 daemon of kipsec (Documentation/ipsecd.8).
 *
 * One thread, one epoll loop: the UDP 500 sockets, kipsec.ko's events, the
 * control socket and its clients, and a signalfd.  Timers (retransmission,
 * lifetimes) are kept in one list sorted by deadline; the loop sleeps until
 * the first.  Every exchange is a small state machine advanced by a
 * datagram or a timer, so any number of them run at once.
 *
 * On SIGTERM or SIGINT, every SA is deleted (with a delete notification to
 * its peer) and every flow ipsecd installed is taken out of the kernel.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd.h"

struct ipsecd_stats stats;
uint16_t ike_port = 500;
bool stopping;

static int epfd = -1, sigfd = -1;
static struct list timers = LIST_INIT(timers);

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void timer_stop(struct timer *t)
{
	if (t->armed) {
		list_del(&t->node);
		t->armed = false;
	}
}

void timer_arm(struct timer *t, uint64_t delay_ms)
{
	struct list *pos;

	timer_stop(t);
	t->when = now_ms() + delay_ms;
	/* Sorted by deadline, ties in arming order: walk back from the end. */
	for (pos = timers.prev; pos != &timers; pos = pos->prev)
		if (container_of(pos, struct timer, node)->when <= t->when)
			break;
	t->node.prev = pos;
	t->node.next = pos->next;
	pos->next->prev = &t->node;
	pos->next = &t->node;
	t->armed = true;
}

static int next_timeout(void)
{
	uint64_t now;
	struct timer *t;

	if (timers.next == &timers)
		return -1;
	t = container_of(timers.next, struct timer, node);
	now = now_ms();
	if (t->when <= now)
		return 0;
	return t->when - now > 60000 ? 60000 : (int)(t->when - now);
}

static void run_timers(void)
{
	uint64_t now = now_ms();

	while (timers.next != &timers) {
		struct timer *t = container_of(timers.next, struct timer, node);

		if (t->when > now)
			break;
		timer_stop(t);
		t->fn(t);
	}
}

int loop_add_fd(int fd)
{
	struct epoll_event e = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
}

void loop_del_fd(int fd)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
}

static void shutdown_all(void)
{
	struct list *pos, *tmp;

	stopping = true;
	log_info("stopping: deleting every SA and flow");
	rule_flush();
	list_for_each_safe(pos, tmp, &p2sas)
		p2_remove(container_of(pos, struct p2sa, node), true);
	list_for_each_safe(pos, tmp, &p1sas)
		p1_delete(container_of(pos, struct p1sa, node), true);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipsecd [-dhsv] [-p port] [-S socket]\n"
		"  -d         debug: as -v, twice for more\n"
		"  -v         verbose log\n"
		"  -s         log to syslog instead of standard error\n"
		"  -p port    IKE port (default 500)\n"
		"  -S socket  control socket (default " IKE_CTL_SOCKET ")\n"
		"  -h         this help\n");
}

int main(int argc, char **argv)
{
	const char *sock = IKE_CTL_SOCKET;
	bool use_syslog = false;
	int verbosity = 0, c;
	sigset_t mask;

	while ((c = getopt(argc, argv, "dhp:sS:v")) != -1) {
		switch (c) {
		case 'd':
		case 'v':
			verbosity++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'p': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 1 || v > 65535) {
				fprintf(stderr, "ipsecd: bad port %s\n", optarg);
				return 1;
			}
			ike_port = (uint16_t)v;
			break;
		}
		case 's':
			use_syslog = true;
			break;
		case 'S':
			sock = optarg;
			break;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 1;
	}
	log_open(use_syslog, verbosity);
	if (crypto_init()) {
		log_err("OpenSSL: %s", dh_error());
		return 1;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (sigfd < 0 || epfd < 0) {
		log_err("epoll/signalfd: %s", strerror(errno));
		return 1;
	}
	if (kern_open() || net_open() || ctl_open(sock)) {
		kern_close();
		net_close();
		return 1;
	}
	loop_add_fd(sigfd);
	loop_add_fd(net_fd4());
	if (net_fd6() >= 0)
		loop_add_fd(net_fd6());
	loop_add_fd(kern_event_fd());
	loop_add_fd(ctl_fd());
	log_info("ready: IKE on UDP port %u, control socket %s", ike_port, sock);

	while (!stopping) {
		struct epoll_event ev[32];
		int n = epoll_wait(epfd, ev, 32, next_timeout());

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !stopping; i++) {
			int fd = ev[i].data.fd;

			if (fd == sigfd) {
				struct signalfd_siginfo si;

				while (read(sigfd, &si, sizeof(si)) == sizeof(si))
					if (si.ssi_signo != SIGHUP)
						stopping = true;
			} else if (fd == net_fd4() || fd == net_fd6()) {
				net_input(fd);
			} else if (fd == kern_event_fd()) {
				kern_events();
			} else if (fd == ctl_fd()) {
				ctl_accept();
			} else {
				ctl_input(fd);
			}
		}
		run_timers();
	}
	shutdown_all();
	ctl_close();
	net_close();
	kern_close();
	log_info("stopped");
	log_close();
	return 0;
}
