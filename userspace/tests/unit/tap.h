/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A few TAP helpers for the host unit tests: "ok - name" / "not ok - name"
 * lines (tests/run.sh numbers and counts them), "# ..." diagnostics, and
 * tap_done() as the exit status: 1 if anything failed.
 */
#ifndef KIPSEC_TAP_H
#define KIPSEC_TAP_H

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

static int tap_failed, tap_run;

static inline bool __attribute__((format(printf, 2, 3)))
tap_ok(bool cond, const char *fmt, ...)
{
	va_list ap;

	tap_run++;
	if (!cond)
		tap_failed++;
	printf("%s - ", cond ? "ok" : "not ok");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	return cond;
}

#define ok(cond, ...) tap_ok((cond), __VA_ARGS__)

#define is_int(got, want, ...) do {						\
	long long g_ = (long long)(got), w_ = (long long)(want);		\
	if (!tap_ok(g_ == w_, __VA_ARGS__))					\
		printf("#   got %lld, want %lld\n", g_, w_);			\
} while (0)

#define is_str(got, want, ...) do {						\
	const char *g_ = (got), *w_ = (want);					\
	if (!tap_ok(g_ && w_ ? !strcmp(g_, w_) : g_ == w_, __VA_ARGS__))	\
		printf("#   got  \"%s\"\n#   want \"%s\"\n",			\
		       g_ ? g_ : "(null)", w_ ? w_ : "(null)");			\
} while (0)

#define is_mem(got, want, len, ...) do {					\
	if (!tap_ok(!memcmp((got), (want), (len)), __VA_ARGS__)) {		\
		printf("#   got ");						\
		for (size_t k_ = 0; k_ < (size_t)(len); k_++)			\
			printf("%02x", ((const unsigned char *)(got))[k_]);	\
		printf("\n");							\
	}									\
} while (0)

static inline int tap_done(void)
{
	printf("# %d tests, %d failed\n", tap_run, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif /* KIPSEC_TAP_H */
