// SPDX-License-Identifier: GPL-2.0
/*
 * log_limited(): at most one line a second per kind, and nothing lost: the
 * last suppressed line of a second comes out once it is over, saying how
 * many it stands for.  stderr goes to a temporary file the test reads back.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "tap.h"

static FILE *out;
static long read_from;

/* The log lines written since the last call, time stamps cut off. */
static int lines(char got[][160], int max)
{
	char line[1100];
	int n = 0;

	fflush(stderr);
	fseek(out, read_from, SEEK_SET);
	while (n < max && fgets(line, sizeof(line), out)) {
		const char *text = strstr(line, "ipsecd: ");

		line[strcspn(line, "\n")] = 0;
		text = text ? text + 8 : line;
		memcpy(got[n], text, strnlen(text, 159));
		got[n++][strnlen(text, 159)] = 0;
	}
	read_from = ftell(out);
	return n;
}

/* Starts a test at the beginning of a second, so none spans two. */
static void next_second(void)
{
	time_t t = time(NULL);

	while (time(NULL) == t)
		usleep(10000);
}

int main(void)
{
	char got[8][160];
	int n;

	out = tmpfile();
	if (!out || dup2(fileno(out), STDERR_FILENO) < 0)
		return 1;
	log_open(false, 0);

	next_second();
	for (int i = 1; i <= 5; i++)
		log_limited(LOG_L_WARN, "failure", "failure %d", i);
	n = lines(got, 8);
	is_int(n, 1, "five in one second: one line at once");
	is_str(n ? got[0] : NULL, "warning: failure 1", "... the first");
	ok(log_limited_flush(), "the rest is held while the second lasts");
	is_int(lines(got, 8), 0, "... and not written yet");

	next_second();
	ok(log_limited_flush(), "the next second may still bring one that counts them");
	is_int(lines(got, 8), 0, "... so they are still held");
	next_second();
	ok(!log_limited_flush(), "after a quiet second, nothing is held");
	n = lines(got, 8);
	is_int(n, 1, "... and one line was written");
	is_str(n ? got[0] : NULL, "warning: failure 5 (and 3 more like it, not shown)",
	       "... the last, standing for the four suppressed");

	next_second();
	log_limited(LOG_L_WARN, "failure", "failure 6");
	log_limited(LOG_L_WARN, "failure", "failure 7");
	next_second();
	log_limited(LOG_L_WARN, "failure", "failure 8");
	n = lines(got, 8);
	is_int(n, 2, "a steady stream: one line a second");
	is_str(n > 1 ? got[1] : NULL, "warning: failure 8 (and 1 more like it, not shown)",
	       "... the new one, counting the one suppressed before it");

	log_limited(LOG_L_WARN, "other", "other 1");
	n = lines(got, 8);
	is_int(n, 1, "another kind has a limit of its own");
	return tap_done();
}
