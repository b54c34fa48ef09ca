// SPDX-License-Identifier: GPL-2.0
/*
 * -m: follow the "events" multicast group until SIGINT or SIGTERM, one line
 * per event: "NAME what" in text, one JSON object per line with -j.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ipsecctl.h"
#include "json.h"

/* Bursts (a flush of many SAs) should not overflow the socket. */
#define MONITOR_RCVBUF	(4 << 20)

static volatile sig_atomic_t stop;

static void on_stop(int sig)
{
	stop = sig;
}

static const char *flush_proto(uint8_t proto)
{
	const char *p = sa_proto_name(proto);

	return proto && p ? p : "all";
}

/* The flow line without its newline, for "acquire FLOW packet ...". */
static char *flow_line(const struct kipsec_policy *pol)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	print_flow_line(f, pol);
	if (fclose(f)) {
		free(buf);
		return NULL;
	}
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return buf;
}

static void packet_text(FILE *f, const struct kipsec_policy *pkt)
{
	char a[KIPSEC_ADDR_STRLEN], b[KIPSEC_ADDR_STRLEN], p[8];

	fprintf(f, " packet from %s", kipsec_addr_ntop(&pkt->src, a, sizeof(a)));
	if (pkt->sport)
		fprintf(f, " port %u", pkt->sport);
	fprintf(f, " to %s", kipsec_addr_ntop(&pkt->dst, b, sizeof(b)));
	if (pkt->dport)
		fprintf(f, " port %u", pkt->dport);
	fprintf(f, " proto %s", kipsec_proto_name(pkt->proto, p, sizeof(p)));
}

/* "mapping from ADDR port N": where the SA's ESP in UDP now comes from. */
static void mapping_text(const struct kipsec_event *ev)
{
	char b[INET6_ADDRSTRLEN];

	printf("%s", kipsec_cmd_name(ev->cmd));
	if (ev->has_mapping)
		printf(" from %s port %u", kipsec_addr_ntop(&ev->mapping_src, b, sizeof(b)),
		       ev->mapping_sport);
	putchar(' ');
}

static void event_text(const struct kipsec_event *ev)
{
	const char *name = kipsec_cmd_name(ev->cmd);

	switch (ev->cmd) {
	case KIPSEC_CMD_SA_FLUSH:
		printf("%s %s\n", name, flush_proto(ev->proto));
		return;
	case KIPSEC_CMD_EXPIRE:
		printf("%s %s ", name, ev->hard ? "hard" : "soft");
		break;
	case KIPSEC_CMD_MAPPING:
		mapping_text(ev);
		break;
	case KIPSEC_CMD_ACQUIRE: {
		char *line = ev->has_policy ? flow_line(&ev->policy) : NULL;

		printf("%s %s", name, line ? line : "flow ?");
		free(line);
		if (ev->has_pkt)
			packet_text(stdout, &ev->pkt);
		putchar('\n');
		return;
	}
	default:
		printf("%s", name);
		if (ev->has_sa || ev->has_policy)
			putchar(' ');
	}
	if (ev->has_sa)
		print_sa_line(stdout, &ev->sa, false);
	else if (ev->has_policy)
		print_flow_line(stdout, &ev->policy);
	else
		putchar('\n');
}

static void event_json(const struct kipsec_event *ev)
{
	struct json j;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	json_u64(&j, "time", (uint64_t)time(NULL));
	json_str(&j, "event", kipsec_cmd_name(ev->cmd));
	if (ev->cmd == KIPSEC_CMD_SA_FLUSH)
		json_str(&j, "proto", flush_proto(ev->proto));
	if (ev->cmd == KIPSEC_CMD_EXPIRE)
		json_bool(&j, "hard", ev->hard);
	if (ev->has_sa)
		json_sa(&j, "sa", &ev->sa, false);
	if (ev->has_policy)
		json_flow(&j, "flow", &ev->policy);
	if (ev->has_pkt)
		json_packet(&j, "packet", &ev->pkt);
	if (ev->has_mapping) {
		char b[INET6_ADDRSTRLEN];

		json_obj_begin(&j, "mapping");
		json_str(&j, "src", kipsec_addr_ntop(&ev->mapping_src, b, sizeof(b)));
		json_u64(&j, "sport", ev->mapping_sport);
		json_obj_end(&j);
	}
	json_obj_end(&j);
	putchar('\n');
}

static void on_event(const struct kipsec_event *ev, void *arg)
{
	bool json = *(bool *)arg;

	if (json)
		event_json(ev);
	else
		event_text(ev);
	fflush(stdout);	/* one event at a time, also into a pipe */
}

static void lost(bool json)
{
	if (json) {
		struct json j;

		json_init(&j, stdout);
		json_obj_begin(&j, NULL);
		json_u64(&j, "time", (uint64_t)time(NULL));
		json_str(&j, "event", "lost");
		json_obj_end(&j);
		putchar('\n');
	} else {
		printf("lost events: the receive buffer overflowed\n");
	}
	fflush(stdout);
}

/*
 * SIGINT and SIGTERM stop the loop.  They are only let in while waiting in
 * ppoll() with *orig, so none is lost between a check of stop and the wait.
 */
static void catch_stop(sigset_t *orig)
{
	struct sigaction sa;
	sigset_t block;

	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, orig);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

int monitor(bool json)
{
	sigset_t orig;
	struct kipsec_nl *h;
	struct pollfd pfd;
	int err, rcvbuf = MONITOR_RCVBUF, ret = 0;

	err = kipsec_nl_open(&h);
	if (err) {
		report_open_error(err);
		return 1;
	}
	err = kipsec_events_subscribe(h);
	if (err) {
		report_kernel_error("joining the events group", err, "");
		kipsec_nl_close(h);
		return 1;
	}
	/* Best effort: the default buffer is enough for a quiet system. */
	setsockopt(kipsec_nl_fd(h), SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	catch_stop(&orig);
	pfd.fd = kipsec_nl_fd(h);
	pfd.events = POLLIN;
	while (!stop) {
		int r = ppoll(&pfd, 1, NULL, &orig);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "%s: poll: %s\n", progname, strerror(errno));
			ret = 1;
			break;
		}
		err = kipsec_event_recv(h, on_event, &json);
		if (err == -ENOBUFS) {
			lost(json);
		} else if (err == -EINTR || err == -EAGAIN) {
			continue;
		} else if (err == -EBADMSG) {
			fprintf(stderr, "%s: a malformed event was skipped\n", progname);
		} else if (err) {
			fprintf(stderr, "%s: reading events: %s\n", progname, strerror(-err));
			ret = 1;
			break;
		}
		if (ferror(stdout))
			break;	/* the reader went away */
	}
	sigprocmask(SIG_SETMASK, &orig, NULL);
	kipsec_nl_close(h);
	return ret;
}
