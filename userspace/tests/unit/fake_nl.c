// SPDX-License-Identifier: GPL-2.0
/* The fake libkipsec requests of fake_nl.h. */
#include <errno.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "fake_nl.h"

struct fake fake;
static char extack[256];
static int handle;	/* only its address is used */

void fake_reset(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.next_id = 1;
	fake.next_spi = 0x1000;
	extack[0] = '\0';
}

static void __attribute__((format(printf, 1, 2))) logf_(const char *fmt, ...)
{
	size_t n = strlen(fake.log);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(fake.log + n, sizeof(fake.log) - n, fmt, ap);
	va_end(ap);
}

/* Counts a request; returns the error it must fail with, or 0. */
static int request(void)
{
	fake.calls++;
	extack[0] = '\0';
	if (fake.raise_at == fake.calls)
		raise(SIGINT);
	for (size_t i = 0; i < FAKE_FAILS && fake.fails[i].call; i++) {
		if (fake.fails[i].call == fake.calls) {
			snprintf(extack, sizeof(extack), "%s",
				 fake.fails[i].extack ? fake.fails[i].extack : "");
			logf_(" FAIL %d\n", -fake.fails[i].err);
			return fake.fails[i].err;
		}
	}
	logf_("\n");
	return 0;
}

int kipsec_nl_open(struct kipsec_nl **hp)
{
	if (fake.open_err) {
		*hp = NULL;
		return fake.open_err;
	}
	logf_("open\n");
	*hp = (struct kipsec_nl *)&handle;
	return 0;
}

void kipsec_nl_close(struct kipsec_nl *h)
{
	if (h)
		logf_("close\n");
}

const char *kipsec_nl_extack(const struct kipsec_nl *h)
{
	(void)h;
	return extack;
}

static const char *a(const struct kipsec_addr *x, char *buf)
{
	return kipsec_addr_ntop(x, buf, KIPSEC_ADDR_STRLEN);
}

int kipsec_sa_add(struct kipsec_nl *h, const struct kipsec_sa *sa, bool replace)
{
	char s[KIPSEC_ADDR_STRLEN], d[KIPSEC_ADDR_STRLEN];

	(void)h;
	logf_("sa_add %u 0x%x %s>%s mode %u enc %s/%u/%u key0 %02x auth %s/%u/%u replace %d",
	      sa->proto, sa->spi, a(&sa->src, s), a(&sa->dst, d), sa->mode,
	      sa->enc.name, sa->enc.key_len, sa->enc.icv_len, sa->enc.key[0],
	      sa->auth.name, sa->auth.key_len, sa->auth.icv_len, replace);
	fake.sas[fake.nsas++ % FAKE_SAS] = *sa;
	return request();
}

int kipsec_sa_del(struct kipsec_nl *h, const struct kipsec_sa *sa)
{
	char d[KIPSEC_ADDR_STRLEN];

	(void)h;
	logf_("sa_del %u 0x%x >%s", sa->proto, sa->spi, a(&sa->dst, d));
	return request();
}

/* The last SA added under this name, its counters at 0: never used. */
int kipsec_sa_get(struct kipsec_nl *h, struct kipsec_sa *sa, bool keys)
{
	char d[KIPSEC_ADDR_STRLEN];
	int i, n = fake.nsas < FAKE_SAS ? fake.nsas : FAKE_SAS;

	(void)h;
	logf_("sa_get %u 0x%x >%s keys %d", sa->proto, sa->spi, a(&sa->dst, d), keys);
	for (i = 0; i < n; i++) {
		const struct kipsec_sa *f = &fake.sas[(fake.nsas - 1 - i) % FAKE_SAS];

		if (f->spi == sa->spi && f->proto == sa->proto &&
		    !memcmp(&f->dst, &sa->dst, sizeof(f->dst))) {
			*sa = *f;
			memset(&sa->stats, 0, sizeof(sa->stats));
			if (!keys) {
				explicit_bzero(sa->enc.key, sizeof(sa->enc.key));
				explicit_bzero(sa->auth.key, sizeof(sa->auth.key));
			}
			return request();
		}
	}
	request();
	return -ENOENT;
}

int kipsec_sa_flush(struct kipsec_nl *h, uint8_t proto)
{
	(void)h;
	logf_("sa_flush %u", proto);
	return request();
}

int kipsec_policy_add(struct kipsec_nl *h, struct kipsec_policy *pol)
{
	char s[KIPSEC_ADDR_STRLEN], d[KIPSEC_ADDR_STRLEN];
	int err;

	(void)h;
	logf_("policy_add dir %u %s/%u>%s/%u action %u", pol->dir, a(&pol->src, s), pol->src_plen,
	      a(&pol->dst, d), pol->dst_plen, pol->action);
	if (pol->has_tmpl)
		logf_(" tmpl %u mode %u %s>%s", pol->tmpl.proto, pol->tmpl.mode,
		      a(&pol->tmpl.src, s), a(&pol->tmpl.dst, d));
	err = request();
	if (!err)
		pol->id = fake.next_id++;
	return err;
}

int kipsec_policy_del(struct kipsec_nl *h, const struct kipsec_policy *pol)
{
	char s[KIPSEC_ADDR_STRLEN], d[KIPSEC_ADDR_STRLEN];

	(void)h;
	if (pol->id)
		logf_("policy_del id %u", pol->id);
	else
		logf_("policy_del dir %u %s/%u>%s/%u", pol->dir, a(&pol->src, s), pol->src_plen,
		      a(&pol->dst, d), pol->dst_plen);
	return request();
}

int kipsec_policy_flush(struct kipsec_nl *h)
{
	(void)h;
	logf_("policy_flush");
	return request();
}

int kipsec_nl_fd(const struct kipsec_nl *h)
{
	(void)h;
	return -1;
}

int kipsec_spi_alloc(struct kipsec_nl *h, struct kipsec_sa *sa, uint32_t min, uint32_t max)
{
	int err;

	(void)h;
	logf_("spi_alloc %u [0x%x, 0x%x]", sa->proto, min, max);
	err = request();
	if (!err)
		sa->spi = fake.next_spi++;
	return err;
}

int kipsec_events_subscribe(struct kipsec_nl *h)
{
	(void)h;
	logf_("events_subscribe");
	return request();
}

int kipsec_event_recv(struct kipsec_nl *h, kipsec_event_cb cb, void *arg)
{
	int n = fake.nevents;

	(void)h;
	fake.nevents = 0;
	for (int i = 0; i < n && i < FAKE_EVENTS; i++)
		cb(&fake.events[i], arg);
	return n ? 0 : -EAGAIN;
}
