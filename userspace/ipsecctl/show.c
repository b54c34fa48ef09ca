// SPDX-License-Identifier: GPL-2.0
/* -s: what the kernel holds, as ipsec.conf lines or as one JSON document. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ipsecctl.h"
#include "json.h"

/* Flows in the order they were added (ids grow). */
static int flow_cmp(const void *a, const void *b)
{
	const struct kipsec_policy *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/*
 * SAs by age, then SPI and destination: stable from one run to the next.
 * Pointers are sorted, not the SAs: qsort's scratch copies would leave
 * keys behind in freed memory.
 */
static int sa_cmp(const void *a, const void *b)
{
	const struct kipsec_sa *x = *(const struct kipsec_sa *const *)a;
	const struct kipsec_sa *y = *(const struct kipsec_sa *const *)b;

	if (x->add_time != y->add_time)
		return x->add_time < y->add_time ? -1 : 1;
	if (x->spi != y->spi)
		return x->spi < y->spi ? -1 : 1;
	if (x->dst.family != y->dst.family)
		return x->dst.family - y->dst.family;
	return memcmp(x->dst.u.bytes, y->dst.u.bytes, sizeof(x->dst.u.bytes));
}

static void dump_error(const char *what, int err, const struct kipsec_nl *h)
{
	if (err == -EAGAIN)
		fprintf(stderr, "%s: %s: the kernel's tables kept changing during the listing, try again\n",
			progname, what);
	else
		report_kernel_error(what, err, kipsec_nl_extack(h));
}

static int show_text(unsigned int what, bool keys, bool verbose,
		     const struct kipsec_policy *pols, size_t npol,
		     const struct kipsec_sa *const *sas, size_t nsa, const struct kipsec_stats *st,
		     struct ike_conn *ike)
{
	/* One kind alone is bare lines; several get OpenBSD's section titles. */
	bool titles = (what & SHOW_FLOWS) + !!(what & SHOW_SAS) + !!(what & SHOW_STATS) > 1;
	bool first = true;

	if (what & SHOW_FLOWS) {
		if (titles)
			printf("FLOWS:\n%s", npol ? "" : "(none)\n");
		for (size_t i = 0; i < npol; i++) {
			print_flow_line(stdout, &pols[i]);
			if (verbose)
				print_flow_details(stdout, &pols[i]);
		}
		first = false;
	}
	if (what & SHOW_SAS) {
		if (titles)
			printf("%sSAD:\n%s", first ? "" : "\n", nsa ? "" : "(none)\n");
		for (size_t i = 0; i < nsa; i++) {
			print_sa_line(stdout, sas[i], keys);
			if (verbose)
				print_sa_details(stdout, sas[i]);
		}
		first = false;
	}
	if (what & SHOW_STATS) {
		if (titles)
			printf("%sSTATS:\n", first ? "" : "\n");
		print_stats(stdout, st);
		first = false;
	}
	if (ike)
		return ike_show(ike, NULL, !first, verbose);
	return 0;
}

static int show_json(unsigned int what, bool keys, const struct kipsec_policy *pols, size_t npol,
		     const struct kipsec_sa *const *sas, size_t nsa, const struct kipsec_stats *st,
		     struct ike_conn *ike)
{
	struct json j;
	int ret = 0;

	json_init(&j, stdout);
	json_obj_begin(&j, NULL);
	if (what & SHOW_FLOWS) {
		json_arr_begin(&j, "flows");
		for (size_t i = 0; i < npol; i++)
			json_flow(&j, NULL, &pols[i]);
		json_arr_end(&j);
	}
	if (what & SHOW_SAS) {
		json_arr_begin(&j, "sas");
		for (size_t i = 0; i < nsa; i++)
			json_sa(&j, NULL, sas[i], keys);
		json_arr_end(&j);
	}
	if (what & SHOW_STATS)
		json_stats(&j, "stats", st);
	if (ike)
		ret = ike_show(ike, &j, false, false);
	json_obj_end(&j);
	fputc('\n', stdout);
	return ret;
}

/* What -s reads from the kernel; order[] is sas[] sorted for printing. */
struct kernel_view {
	struct kipsec_policy *pols;
	size_t npol;
	struct kipsec_sa *sas;
	const struct kipsec_sa **order;
	size_t nsa;
	struct kipsec_stats st;
};

/* The SAs, sorted; keys cross the socket only with -k. */
static int fetch_sas(struct kipsec_nl *h, bool keys, struct kernel_view *k)
{
	int err = kipsec_sa_dump(h, keys, &k->sas, &k->nsa);

	if (err) {
		dump_error("listing the SAs", err, h);
		return -1;
	}
	k->order = malloc((k->nsa ? k->nsa : 1) * sizeof(*k->order));
	if (!k->order) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return -1;
	}
	for (size_t i = 0; i < k->nsa; i++)
		k->order[i] = &k->sas[i];
	qsort(k->order, k->nsa, sizeof(*k->order), sa_cmp);
	return 0;
}

/* 0, or -1 after saying what failed. */
static int fetch_kernel(struct kipsec_nl *h, unsigned int what, bool keys, struct kernel_view *k)
{
	int err;

	if (what & SHOW_FLOWS) {
		err = kipsec_policy_dump(h, &k->pols, &k->npol);
		if (err) {
			dump_error("listing the flows", err, h);
			return -1;
		}
		qsort(k->pols, k->npol, sizeof(*k->pols), flow_cmp);
	}
	if ((what & SHOW_SAS) && fetch_sas(h, keys, k))
		return -1;
	if (what & SHOW_STATS) {
		err = kipsec_stats_get(h, &k->st);
		if (err) {
			report_kernel_error("reading the counters", err, kipsec_nl_extack(h));
			return -1;
		}
	}
	return 0;
}

int show(unsigned int what, bool json, bool keys, bool verbose)
{
	struct kernel_view k = { 0 };
	struct kipsec_nl *h = NULL;
	struct ike_conn *ike = NULL;
	int err, ret = 1;

	/* -s ike needs ipsecd; -s all shows its part when it runs. */
	if (what & (SHOW_IKE | SHOW_IKE_IF_UP)) {
		ike = ike_connect(!(what & SHOW_IKE));
		if (!ike && (what & SHOW_IKE))
			return 1;
	}
	if (what & (SHOW_FLOWS | SHOW_SAS | SHOW_STATS)) {
		err = kipsec_nl_open(&h);
		if (err) {
			report_open_error(err);
			ike_disconnect(ike);
			return 1;
		}
		if (fetch_kernel(h, what, keys, &k))
			goto out;
	}
	if (json)
		ret = show_json(what, keys, k.pols, k.npol, k.order, k.nsa, &k.st, ike);
	else
		ret = show_text(what, keys, verbose, k.pols, k.npol, k.order, k.nsa, &k.st, ike);
out:
	free(k.pols);
	free(k.order);
	kipsec_sa_list_free(k.sas, k.nsa);
	if (h)
		kipsec_nl_close(h);
	ike_disconnect(ike);
	return ret;
}
