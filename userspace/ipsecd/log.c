// SPDX-License-Identifier: GPL-2.0
/* ipsecd's log (see log.h). */
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

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

/*
 * At most one line a second for each kind; the kinds are literals, so the
 * table is small, and a kind that falls out of it only loses its count.
 * What a second suppressed is not lost: the next line of the kind counts
 * it, or, if the stream stopped, the last suppressed line is written with
 * that count after a second without any (log_limited_flush(), from the main
 * loop), so an administrator reading the log can still count every event.
 */
#define LIMIT_KINDS 16

static struct limited {
	const char *kind;
	time_t last;
	unsigned long suppressed;
	enum log_level level;
	char held[900];		/* the last line suppressed */
} kinds[LIMIT_KINDS];

static struct limited *limited_kind(const char *kind)
{
	static unsigned int next;
	struct limited *k;
	unsigned int i;

	for (i = 0; i < LIMIT_KINDS; i++)
		if (kinds[i].kind == kind || (kinds[i].kind && !strcmp(kinds[i].kind, kind)))
			return &kinds[i];
	k = &kinds[next++ % LIMIT_KINDS];
	memset(k, 0, offsetof(struct limited, held));
	k->kind = kind;
	return k;
}

/* A line standing for itself and n suppressed before it. */
static void limited_write(struct limited *k, const char *line, unsigned long n, time_t now)
{
	if (n)
		log_msg(k->level, "%s (and %lu more like it, not shown)", line, n);
	else
		log_msg(k->level, "%s", line);
	k->suppressed = 0;
	k->last = now;
}

void log_limited(enum log_level l, const char *kind, const char *fmt, ...)
{
	struct limited *k = limited_kind(kind);
	time_t now = time(NULL);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->held, sizeof(k->held), fmt, ap);
	va_end(ap);
	k->level = l;
	if (k->last == now) {
		k->suppressed++;
		return;
	}
	/* A steady stream: one line a second, counting the rest. */
	limited_write(k, k->held, k->suppressed, now);
}

bool log_limited_flush(void)
{
	time_t now = time(NULL);
	bool held = false;
	unsigned int i;

	for (i = 0; i < LIMIT_KINDS; i++) {
		if (!kinds[i].suppressed)
			continue;
		/*
		 * A whole second without one: the stream stopped (in a steady
		 * one, the next line counts them); its last line, for the rest.
		 */
		if (now - kinds[i].last >= 2)
			limited_write(&kinds[i], kinds[i].held, kinds[i].suppressed - 1, now);
		else
			held = true;
	}
	return held;
}

void log_drop(const char *peer, const char *why)
{
	log_limited(LOG_L_WARN, why, "dropped a datagram from %s: %s", peer, why);
}

const char *keylog_path;

void log_p1_key(const unsigned char *icky, const unsigned char *key, size_t len)
{
	char line[2 * 8 + 2 * 64 + 16];
	size_t n = 0;
	int fd;

	if (!keylog_path || len > 64)
		return;
	/* A UAT line: byte fields in bare hex, comma-separated. */
	for (int i = 0; i < 8; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", icky[i]);
	line[n++] = ',';
	for (size_t i = 0; i < len; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%02x", key[i]);
	line[n++] = '\n';
	fd = open(keylog_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0 || write(fd, line, n) != (ssize_t)n)
		log_warn("key log %s: cannot write", keylog_path);
	if (fd >= 0)
		close(fd);
	explicit_bzero(line, sizeof(line));
}
