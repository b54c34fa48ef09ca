// SPDX-License-Identifier: GPL-2.0
/*
 * Loading a parsed ruleset into kipsec.ko, deleting it (-d), flushing (-F).
 *
 * A load is all or nothing: when the kernel refuses an object, every object
 * this run added is deleted again, newest first, and the refusal is printed
 * with the line of the rule.
 *
 * A tunnel flow without "local": outbound, the template goes without a
 * source and the kernel routes each packet; inbound, the kernel needs the
 * template's destination (our end), so it is filled in here, before
 * anything is sent.
 *
 * SAs go in before flows, so that a flow never demands protection before
 * its SAs exist (a require flow without SA drops the traffic); ike rules
 * go last, to ipsecd, which installs their flows itself.  Deletion goes
 * the other way round.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "ipsecctl.h"
#include "lex.h"

const char *kernel_reason(int err, const char *extack, char *buf, size_t len)
{
	const char *why = extack && extack[0] ? extack : strerror(-err);

	if (err == -EPERM)
		snprintf(buf, len, "%s (ipsecctl needs CAP_NET_ADMIN)", why);
	else
		snprintf(buf, len, "%s", why);
	return buf;
}

void report_kernel_error(const char *what, int err, const char *extack)
{
	char why[512];

	fflush(stdout);
	kernel_reason(err, extack, why, sizeof(why));
	fprintf(stderr, "%s: %s: %s\n", progname, what, why);
}

void report_open_error(int err)
{
	fflush(stdout);
	switch (err) {
	case -ENOENT:
		/* The generic netlink family is registered by the module. */
		fprintf(stderr, "%s: kipsec.ko is not loaded (modprobe kipsec)\n", progname);
		break;
	case -EPERM:
	case -EACCES:
		fprintf(stderr, "%s: permission denied: ipsecctl needs CAP_NET_ADMIN\n", progname);
		break;
	default:
		fprintf(stderr, "%s: cannot talk to kipsec.ko: %s\n", progname, strerror(-err));
	}
}

/* SIGINT/SIGTERM/SIGHUP during a load: finish the request, then roll back. */
static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

struct sigsave {
	struct sigaction old[4];
};

static const int caught[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };

static void signals_catch(struct sigsave *s)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	interrupted = 0;
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++) {
		/* A closed pipe on stdout must not kill a half-done load. */
		sa.sa_handler = caught[i] == SIGPIPE ? SIG_IGN : on_signal;
		sigaction(caught[i], &sa, &s->old[i]);
	}
}

static void signals_restore(const struct sigsave *s)
{
	for (size_t i = 0; i < sizeof(caught) / sizeof(caught[0]); i++)
		sigaction(caught[i], &s->old[i], NULL);
}

/* ipsecd, when the file has ike rules; its last refusal. */
static struct ike_conn *ike;
static char ike_msg[IKE_CTL_MSG_MAX];

static const char *rule_text(const struct rule *r, char *buf, size_t len)
{
	char t[256];

	if (r->kind == RULE_IKE) {
		snprintf(buf, len, "ike rule %s", ike_rule_text(&r->u.ike, t, sizeof(t)));
		return buf;
	}
	if (r->kind == RULE_SA)
		return sa_id_text(&r->u.sa, buf, len);
	snprintf(buf, len, "flow %s", flow_selector_text(&r->u.pol, t, sizeof(t)));
	return buf;
}

static int add_one(struct kipsec_nl *h, struct rule *r)
{
	if (r->kind == RULE_IKE)
		return ike_rule_cmd(ike, IKE_CTL_RULE_ADD, &r->u.ike, ike_msg, sizeof(ike_msg));
	if (r->kind == RULE_SA)
		return kipsec_sa_add(h, &r->u.sa, false);
	return kipsec_policy_add(h, &r->u.pol);	/* sets the id, for the rollback */
}

static int del_one(struct kipsec_nl *h, const struct rule *r)
{
	if (r->kind == RULE_IKE)
		return ike_rule_cmd(ike, IKE_CTL_RULE_DEL, &r->u.ike, ike_msg, sizeof(ike_msg));
	if (r->kind == RULE_SA)
		return kipsec_sa_del(h, &r->u.sa);
	/* By id when this run added it, by direction and selector for -d. */
	return kipsec_policy_del(h, &r->u.pol);
}

/* Why rule r failed: ipsecd's message, or the kernel's reason. */
static const char *refusal(struct kipsec_nl *h, const struct rule *r, int err, char *buf,
			   size_t len)
{
	if (r->kind == RULE_IKE)
		snprintf(buf, len, "%s", ike_msg);
	else
		kernel_reason(err, kipsec_nl_extack(h), buf, len);
	return buf;
}

/* Which of ipsecd or the kernel refused rule r, and why (verb: "" or "to delete "). */
static void refused(struct kipsec_nl *h, const struct ruleset *rs, const struct rule *r, int err,
		    const char *verb)
{
	char what[300], why[512];

	rule_text(r, what, sizeof(what));
	refusal(h, r, err, why, sizeof(why));
	conf_error(rs->file, r->line, "%s refused %s%s: %s",
		   r->kind == RULE_IKE ? "ipsecd" : "kernel", verb, what, why);
}

/* SIGINT or SIGTERM came: says so, the caller stops. */
static bool stop_interrupted(void)
{
	if (!interrupted)
		return false;
	fflush(stdout);
	fprintf(stderr, "%s: interrupted\n", progname);
	return true;
}

/* Takes back the n rules of done[], newest first; returns how many failed. */
static size_t rollback(struct kipsec_nl *h, const char *file, struct rule **done, size_t n)
{
	size_t failed = 0;

	while (n--) {
		int err = del_one(h, done[n]);

		if (err) {
			char what[300], why[512];

			conf_error(file, done[n]->line, "could not take back %s: %s",
				   rule_text(done[n], what, sizeof(what)),
				   refusal(h, done[n], err, why, sizeof(why)));
			failed++;
		}
	}
	return failed;
}

static int load(struct kipsec_nl *h, struct ruleset *rs)
{
	struct rule **done = malloc((rs->n ? rs->n : 1) * sizeof(*done));
	size_t n = 0, failed;
	int ret = 0;

	if (!done) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	for (int pass = 0; pass < 3 && !ret; pass++) {
		static const enum rule_kind order[3] = { RULE_SA, RULE_FLOW, RULE_IKE };
		enum rule_kind kind = order[pass];

		for (size_t i = 0; i < rs->n; i++) {
			struct rule *r = &rs->v[i];
			int err;

			if (r->kind != kind)
				continue;
			if (stop_interrupted()) {
				ret = 1;
				break;
			}
			err = add_one(h, r);
			if (err) {
				refused(h, rs, r, err, "");
				ret = 1;
				break;
			}
			done[n++] = r;
		}
	}
	if (ret) {
		failed = rollback(h, rs->file, done, n);
		if (failed)
			fprintf(stderr, "%s: %zu of the %zu objects this run added could not be taken back\n",
				progname, failed, n);
		else
			fprintf(stderr, "%s: nothing from %s was loaded%s\n", progname, rs->file,
				n ? " (what this run had added was taken back)" : "");
	}
	free(done);
	return ret;
}

/*
 * -d: the reverse of a load.  An object already gone is only a warning, so
 * that the same file can be taken out twice; anything else is an error, and
 * the remaining objects are still deleted.
 */
static int unload(struct kipsec_nl *h, struct ruleset *rs, bool quiet)
{
	int ret = 0;

	for (int pass = 0; pass < 3; pass++) {
		static const enum rule_kind order[3] = { RULE_IKE, RULE_FLOW, RULE_SA };
		enum rule_kind kind = order[pass];

		for (size_t i = rs->n; i-- > 0;) {
			struct rule *r = &rs->v[i];
			char what[300];
			int err;

			if (r->kind != kind)
				continue;
			if (stop_interrupted())
				return 1;
			err = del_one(h, r);
			if (!err)
				continue;
			rule_text(r, what, sizeof(what));
			if (err == -ENOENT) {
				if (!quiet)
					conf_error(rs->file, r->line, "warning: %s is not loaded", what);
				continue;
			}
			refused(h, rs, r, err, "to delete ");
			ret = 1;
		}
	}
	return ret;
}

int apply_rules(struct ruleset *rs, bool delete, bool quiet)
{
	struct kipsec_nl *h = NULL;
	bool need_kernel = false, need_ike = false;
	struct sigsave saved;
	int err, ret;

	for (size_t i = 0; i < rs->n; i++) {
		if (rs->v[i].kind == RULE_IKE)
			need_ike = true;
		else
			need_kernel = true;
	}
	/* Both reachable before anything changes. */
	if (need_ike) {
		ike = ike_connect(false);
		if (!ike)
			return 1;
	}
	if (need_kernel || !need_ike) {
		err = kipsec_nl_open(&h);
		if (err) {
			report_open_error(err);
			ike_disconnect(ike);
			ike = NULL;
			return 1;
		}
	}
	signals_catch(&saved);
	ret = delete ? unload(h, rs, quiet) : load(h, rs);
	signals_restore(&saved);
	if (h)
		kipsec_nl_close(h);
	ike_disconnect(ike);
	ike = NULL;
	explicit_bzero(ike_msg, sizeof(ike_msg));
	return ret;
}

/* ipsecd's rules (and with them their flows and SAs) first, then flows,
 * then SAs: the reverse of a load.  Without ipsecd there is nothing of
 * its to flush. */
int flush_all(bool verbose)
{
	struct ike_conn *c = ike_connect(true);
	struct kipsec_nl *h;
	int err;

	if (c) {
		err = ike_flush(c, ike_msg, sizeof(ike_msg));
		ike_disconnect(c);
		if (err) {
			fprintf(stderr, "%s: flushing ipsecd: %s\n", progname, ike_msg);
			return 1;
		}
		if (verbose)
			printf("flushed ipsecd's ike rules\n");
	}

	err = kipsec_nl_open(&h);
	if (err) {
		report_open_error(err);
		return 1;
	}
	err = kipsec_policy_flush(h);
	if (err) {
		report_kernel_error("flushing the flows", err, kipsec_nl_extack(h));
		kipsec_nl_close(h);
		return 1;
	}
	if (verbose)
		printf("flushed all flows\n");
	err = kipsec_sa_flush(h, 0);
	if (err) {
		report_kernel_error("flushing the SAs", err, kipsec_nl_extack(h));
		kipsec_nl_close(h);
		return 1;
	}
	if (verbose)
		printf("flushed all SAs\n");
	kipsec_nl_close(h);
	return 0;
}
