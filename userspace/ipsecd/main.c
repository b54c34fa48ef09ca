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
 * A service manager is told when the control socket is ready and when the
 * shutdown begins (notify.c).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "ipsecd.h"
#include "notify.h"

struct ipsecd_stats stats;
uint16_t ike_port = 500;
bool stopping;

static int epfd = -1, sigfd = -1;

uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
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
	half_open_flush();
}

/*
 * This process holds pre-shared keys, SKEYIDs and KEYMAT: a core dump
 * would write them to disk.  Not dumpable also keeps other users from
 * ptrace and from our /proc files (proc(5), PR_SET_DUMPABLE); no core
 * size limit for when something makes it dumpable again (an exec).
 */
static int no_core_dumps(void)
{
	struct rlimit none = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) || setrlimit(RLIMIT_CORE, &none)) {
		fprintf(stderr, "ipsecd: cannot forbid core dumps: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: ipsecd [-dhsv] [-p port] [-P port] [-K seconds] [-S socket] [-W file]\n"
		"  -d         debug: as -v, twice for more\n"
		"  -v         verbose log\n"
		"  -s         log to syslog instead of standard error\n"
		"  -p port    IKE port (default 500)\n"
		"  -P port    NAT traversal port (default 4500)\n"
		"  -K seconds NAT keepalive interval behind a NAT (default 20, 0: none)\n"
		"  -S socket  control socket (default " IKE_CTL_SOCKET ")\n"
		"  -W file    tests only: phase 1 keys for Wireshark appended to file\n"
		"  -h         this help\n");
}

struct options {
	const char *sock;
	bool use_syslog;
	int verbosity;
};

/* A decimal number from min to max, or -1. */
static long number(const char *s, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (!*s || *end || errno || v < min || v > max)
		return -1;
	return v;
}

/* The command line into *o: -1 to go on, or the exit status (-h, errors). */
static int options(int argc, char **argv, struct options *o)
{
	int c;

	while ((c = getopt(argc, argv, "dhK:p:P:sS:vW:")) != -1) {
		switch (c) {
		case 'd':
		case 'v':
			o->verbosity++;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'p':
		case 'P': {
			long v = number(optarg, 1, 65535);

			if (v < 0) {
				fprintf(stderr, "ipsecd: bad port %s\n", optarg);
				return 1;
			}
			*(c == 'p' ? &ike_port : &natt_port) = (uint16_t)v;
			break;
		}
		case 'K': {
			long v = number(optarg, 0, 3600);

			if (v < 0) {
				fprintf(stderr, "ipsecd: bad keepalive interval %s (0 to 3600 s)\n",
					optarg);
				return 1;
			}
			natt_keepalive_s = (unsigned int)v;
			break;
		}
		case 's':
			o->use_syslog = true;
			break;
		case 'S':
			o->sock = optarg;
			break;
		case 'W':
			keylog_path = optarg;
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
	return -1;
}

/* Signals through a signalfd, the sockets and kipsec.ko into the loop. */
static int open_all(const char *sock)
{
	sigset_t mask;

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
		return -1;
	}
	if (kern_open() || net_open() || ctl_open(sock)) {
		kern_close();
		net_close();
		return -1;
	}
	loop_add_fd(sigfd);
	for (int i = 0; i < 4; i++)
		if (net_fd(i) >= 0)
			loop_add_fd(net_fd(i));
	loop_add_fd(kern_event_fd());
	loop_add_fd(ctl_fd());
	return 0;
}

static void dispatch_fd(int fd)
{
	if (fd == sigfd) {
		struct signalfd_siginfo si;

		while (read(sigfd, &si, sizeof(si)) == sizeof(si))
			if (si.ssi_signo != SIGHUP)
				stopping = true;
	} else if (net_owns(fd)) {
		net_input(fd);
	} else if (fd == kern_event_fd()) {
		kern_events();
	} else if (fd == ctl_fd()) {
		ctl_accept();
	} else {
		ctl_input(fd);
	}
}

static void run(void)
{
	while (!stopping) {
		struct epoll_event ev[32];
		int ms = timers_next_ms(now_ms());
		int n;

		/* A held log line is written within a second (log.h). */
		if (log_limited_flush() && (ms < 0 || ms > 1000))
			ms = 1000;
		n = epoll_wait(epfd, ev, 32, ms);

		if (n < 0 && errno != EINTR) {
			log_err("epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n && !stopping; i++)
			dispatch_fd(ev[i].data.fd);
		timers_run(now_ms());
	}
}

int main(int argc, char **argv)
{
	struct options o = { .sock = IKE_CTL_SOCKET };
	int rc;

	/* First, before any secret exists. */
	if (no_core_dumps())
		return 1;
	rc = options(argc, argv, &o);
	if (rc >= 0)
		return rc;
	log_open(o.use_syslog, o.verbosity);
	if (crypto_init() || natt_init()) {
		log_err("OpenSSL: %s", dh_error());
		return 1;
	}
	if (open_all(o.sock))
		return 1;
	log_info("ready: IKE on UDP port %u, control socket %s", ike_port, o.sock);
	notify_manager("READY=1");
	run();
	notify_manager("STOPPING=1");
	shutdown_all();
	ctl_close();
	net_close();
	kern_close();
	log_info("stopped");
	log_close();
	return 0;
}
