// SPDX-License-Identifier: GPL-2.0
/* ipsecd's log (see log.h). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

static bool to_syslog;
static int level = LOG_L_INFO;

void log_open(bool use_syslog, int verbosity)
{
	to_syslog = use_syslog;
	level = LOG_L_INFO + verbosity;
	if (to_syslog)
		openlog("ipsecd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
	setvbuf(stderr, NULL, _IOLBF, 0);
}

void log_close(void)
{
	if (to_syslog)
		closelog();
}

static void vlog(enum log_level l, const char *fmt, va_list ap)
{
	static const int prio[] = { LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG };
	static const char *const tag[] = { "error: ", "warning: ", "", "debug: " };
	char line[1024];
	struct timespec ts;
	struct tm tm;

	if ((int)l > level)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	if (to_syslog) {
		syslog(prio[l], "%s%s", tag[l], line);
		return;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%02d:%02d:%02d.%03ld ipsecd: %s%s\n", tm.tm_hour, tm.tm_min, tm.tm_sec,
		ts.tv_nsec / 1000000, tag[l], line);
}

void log_msg(enum log_level l, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog(l, fmt, ap);
	va_end(ap);
}

/* At most one line a second for each reason; the reasons are literals. */
#define DROP_KINDS 16

void log_drop(const char *peer, const char *why)
{
	static struct {
		const char *why;
		time_t last;
		unsigned long suppressed;
	} kinds[DROP_KINDS];
	static unsigned int next;
	time_t now = time(NULL);
	unsigned int i;

	for (i = 0; i < DROP_KINDS; i++)
		if (kinds[i].why == why || (kinds[i].why && !strcmp(kinds[i].why, why)))
			break;
	if (i == DROP_KINDS) {
		i = next++ % DROP_KINDS;
		kinds[i].why = why;
		kinds[i].last = 0;
		kinds[i].suppressed = 0;
	}
	if (kinds[i].last == now) {
		kinds[i].suppressed++;
		return;
	}
	if (kinds[i].suppressed)
		log_warn("dropped a datagram from %s: %s (and %lu more like it since the last report)",
			 peer, why, kinds[i].suppressed);
	else
		log_warn("dropped a datagram from %s: %s", peer, why);
	kinds[i].last = now;
	kinds[i].suppressed = 0;
}
