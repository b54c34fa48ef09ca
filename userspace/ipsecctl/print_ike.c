// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecctl's printing of IKE: ike rules in their canonical ipsec.conf
 * form, and -s ike (ipsecd's rules, phase 1 and phase 2 SAs, counters) as
 * text or JSON.  Selectors are written by lib's ike_sel_text(), the one
 * form ipsecd's log uses too.  The kernel's objects are print.c's.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ike_alg.h"
#include "ipsecctl.h"
#include "json.h"

/* ---- ike rules ---- */

const char *ike_rule_text(const struct ike_rule *r, char *buf, size_t len)
{
	char s[96], d[96], p[KIPSEC_ADDR_STRLEN], n[16], pr[32] = "";

	if (r->proto)
		snprintf(pr, sizeof(pr), "proto %s ", kipsec_proto_name(r->proto, n, sizeof(n)));
	snprintf(buf, len, "%sfrom %s to %s peer %s", pr, ike_sel_text(&r->src, s, sizeof(s)),
		 ike_sel_text(&r->dst, d, sizeof(d)), kipsec_addr_ntop(&r->peer, p, sizeof(p)));
	return buf;
}

static const char *start_name(uint8_t start)
{
	switch (start) {
	case IKE_START_PASSIVE:
		return "passive";
	case IKE_START_DYNAMIC:
		return "dynamic";
	}
	return "active";
}

/* A string in ipsec.conf quotes: " and \ escaped. */
static void print_quoted(FILE *f, const uint8_t *p, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '"' || p[i] == '\\')
			fputc('\\', f);
		fputc(p[i], f);
	}
	fputc('"', f);
}

static void print_id(FILE *f, const char *kw, const struct ike_id *id)
{
	char v[IKE_ID_MAX * 4 + 1];

	if (id->type)
		fprintf(f, " %s \"%s\"", kw, ike_id_value(id, v, sizeof(v)));
}

void print_ike_warning(FILE *f, const struct ike_rule *r)
{
	if (r->p1_exchange == IKE_P1_AGGRESSIVE)
		fputs("# warning: aggressive mode sends both identities in clear, and anyone who sees the exchange can attack the pre-shared key offline (RFC 2409 §5.4): a long random key, or main mode\n",
		      f);
}

/*
 * ike START esp MODE [proto P] from S [port N] to D [port N] [local A]
 *	peer A main|aggressive auth H enc E group G lifetime N
 *	quick [auth H] enc E group G lifetime N [bytes SIZE] [srcid "ID"] [dstid "ID"]
 *	[dpd delay N timeout M] [psk "KEY"]
 * Every default is written out; the key only with -k.
 */
void print_ike_line(FILE *f, const struct ike_rule *r, bool keys)
{
	char s[96], d[96], a[KIPSEC_ADDR_STRLEN], n[16], b1[32], b2[32], b3[32];

	fprintf(f, "ike %s esp %s", start_name(r->start), mode_name(r->mode));
	if (r->proto)
		fprintf(f, " proto %s", kipsec_proto_name(r->proto, n, sizeof(n)));
	/* "any" of IPv6 with an IPv4 peer would read back as IPv4. */
	if (!r->src.plen && !r->dst.plen && r->src.addr.family != r->peer.family)
		fprintf(f, " from %s", r->src.addr.family == AF_INET6 ? "::/0" : "0.0.0.0/0");
	else
		fprintf(f, " from %s", ike_sel_text(&r->src, s, sizeof(s)));
	fprintf(f, " to %s", ike_sel_text(&r->dst, d, sizeof(d)));
	if (r->local.family)
		fprintf(f, " local %s", kipsec_addr_ntop(&r->local, a, sizeof(a)));
	fprintf(f, " peer %s", kipsec_addr_ntop(&r->peer, a, sizeof(a)));
	fprintf(f, " %s auth %s enc %s group %s lifetime %u",
		r->p1_exchange == IKE_P1_AGGRESSIVE ? "aggressive" : "main",
		ike_p1_hash_name(r->p1_hash, b1, sizeof(b1)),
		ike_p1_enc_name(r->p1_enc, r->p1_enc_bits, b2, sizeof(b2)),
		ike_group_name(r->p1_group, b3, sizeof(b3)), r->p1_lifetime);
	fputs(" quick", f);
	if (r->p2_auth)
		fprintf(f, " auth %s", ike_p2_auth_name(r->p2_auth, b1, sizeof(b1)));
	fprintf(f, " enc %s group %s lifetime %u",
		ike_p2_enc_name(r->p2_enc, r->p2_enc_bits, b2, sizeof(b2)),
		ike_group_name(r->p2_group, b3, sizeof(b3)), r->p2_lifetime);
	if (r->p2_life_kb)
		fprintf(f, " bytes %s", ike_size_text(r->p2_life_kb, b1, sizeof(b1)));
	if (r->ifindex) {
		char ifname[IF_NAMESIZE];

		if (!if_indextoname(r->ifindex, ifname))
			snprintf(ifname, sizeof(ifname), "%u", r->ifindex);
		fprintf(f, " interface %s", ifname);
	}
	print_id(f, "srcid", &r->srcid);
	print_id(f, "dstid", &r->dstid);
	if (r->dpd_delay)
		fprintf(f, " dpd delay %u timeout %u", r->dpd_delay, r->dpd_timeout);
	if (keys && r->psk_len) {
		fputs(" psk ", f);
		print_quoted(f, r->psk, r->psk_len);
	}
	fputc('\n', f);
}


/* ---- -s ike ---- */

static const char *cookie_text(const uint8_t *c, char *buf)
{
	for (int i = 0; i < 8; i++)
		sprintf(buf + 2 * i, "%02x", c[i]);
	return buf;
}

static const char *role(bool initiator)
{
	return initiator ? "initiator" : "responder";
}

static const char *left(uint64_t expires, char *buf, size_t len)
{
	time_t now = time(NULL);

	if (!expires)
		return "-";
	snprintf(buf, len, "%llds", (long long)((time_t)expires > now ? (time_t)expires - now : 0));
	return buf;
}

/* Which end NAT-D found behind a NAT (RFC 3947 §3.2). */
static const char *nat_where(const struct ike_ctl_p1_info *p)
{
	return p->nat_local && p->nat_peer ? "both" : p->nat_local ? "local" :
	       p->nat_peer ? "peer" : "none";
}

static void p1_text(const struct ike_ctl_p1_info *p)
{
	char l[KIPSEC_ADDR_STRLEN], r[KIPSEC_ADDR_STRLEN], e[32], h[32], g[32], ic[17], rc[17], t[32];

	printf("%s <-> %s %s %s enc %s auth %s group %s lifetime %us left %s",
	       kipsec_addr_ntop(&p->local, l, sizeof(l)), kipsec_addr_ntop(&p->peer, r, sizeof(r)),
	       p->state, role(p->initiator),
	       ike_p1_enc_name(p->enc, p->enc_bits, e, sizeof(e)),
	       ike_p1_hash_name(p->hash, h, sizeof(h)), ike_group_name(p->group, g, sizeof(g)),
	       p->lifetime, left(p->expires, t, sizeof(t)));
	if (p->natt)
		printf(" natt port %u nat %s", p->peer_port, nat_where(p));
	if (p->dpd)
		fputs(" dpd", stdout);
	if (p->exchange == IKE_P1_AGGRESSIVE)
		fputs(" aggressive", stdout);
	if (p->peer_id.type) {
		char id[IKE_ID_MAX * 4 + 32];

		printf(" peer-id %s", ike_id_text(&p->peer_id, id, sizeof(id)));
	}
	/* Last, where scripts find them. */
	printf(" cookies %s:%s\n", cookie_text(p->icookie, ic), cookie_text(p->rcookie, rc));
}

static void p2_text(const struct ike_ctl_p2_info *p)
{
	char f[200], r[KIPSEC_ADDR_STRLEN], e[32], a[32], g[32], t[32];

	printf("%s peer %s %s %s %s spi in 0x%08x out 0x%08x enc %s",
	       ike_flow_text(p->proto, &p->src, &p->dst, " <-> ", f, sizeof(f)),
	       kipsec_addr_ntop(&p->peer, r, sizeof(r)), p->state,
	       role(p->initiator), mode_name(p->mode), p->spi_in,
	       p->spi_out, ike_p2_enc_name(p->enc, p->enc_bits, e, sizeof(e)));
	if (p->auth)
		printf(" auth %s", ike_p2_auth_name(p->auth, a, sizeof(a)));
	printf(" group %s lifetime %us", ike_group_name(p->group, g, sizeof(g)), p->lifetime);
	if (p->life_kb)
		printf(" bytes %s", ike_size_text(p->life_kb, a, sizeof(a)));
	printf(" left %s\n", left(p->expires, t, sizeof(t)));
}

/* What both phases end with: DH group, lifetime, when made, when it ends. */
static void json_life_ike(struct json *j, uint16_t group, uint32_t lifetime, uint64_t created,
			  uint64_t expires)
{
	char b[32];

	json_str(j, "group", ike_group_name(group, b, sizeof(b)));
	json_u64(j, "lifetime", lifetime);
	json_u64(j, "created", created);
	json_u64(j, "expires", expires);
}

static void json_sel(struct json *j, const char *key, const struct ike_sel *s)
{
	json_obj_begin(j, key);
	json_prefix(j, "prefix", &s->addr, s->plen);
	json_u64(j, "port", s->port);
	json_obj_end(j);
}

static void p1_json(struct json *j, const struct ike_ctl_p1_info *p)
{
	char b[32], ic[17], rc[17];

	json_obj_begin(j, NULL);
	json_u64(j, "id", p->id);
	json_str(j, "state", p->state);
	json_str(j, "role", role(p->initiator));
	json_addr(j, "local", &p->local);
	json_addr(j, "peer", &p->peer);
	json_str(j, "icookie", cookie_text(p->icookie, ic));
	json_str(j, "rcookie", cookie_text(p->rcookie, rc));
	json_str(j, "enc", ike_p1_enc_name(p->enc, p->enc_bits, b, sizeof(b)));
	json_str(j, "auth", ike_p1_hash_name(p->hash, b, sizeof(b)));
	json_life_ike(j, p->group, p->lifetime, p->created, p->expires);
	json_bool(j, "dpd", p->dpd);
	json_str(j, "exchange", p->exchange == IKE_P1_AGGRESSIVE ? "aggressive" : "main");
	if (p->peer_id.type) {
		char id[IKE_ID_MAX * 4 + 1];

		json_str(j, "peer_id", ike_id_value(&p->peer_id, id, sizeof(id)));
	}
	if (p->natt) {
		json_obj_begin(j, "natt");
		json_u64(j, "peer_port", p->peer_port);
		json_str(j, "nat", nat_where(p));
		json_obj_end(j);
	}
	json_obj_end(j);
}

static void p2_json(struct json *j, const struct ike_ctl_p2_info *p)
{
	char b[32];

	json_obj_begin(j, NULL);
	json_u64(j, "id", p->id);
	json_u64(j, "rule", p->rule_id);
	json_str(j, "state", p->state);
	json_str(j, "role", role(p->initiator));
	json_str(j, "mode", mode_name(p->mode));
	json_u64(j, "proto", p->proto);
	json_addr(j, "local", &p->local);
	json_addr(j, "peer", &p->peer);
	json_sel(j, "src", &p->src);
	json_sel(j, "dst", &p->dst);
	json_u64(j, "spi_in", p->spi_in);
	json_u64(j, "spi_out", p->spi_out);
	json_str(j, "enc", ike_p2_enc_name(p->enc, p->enc_bits, b, sizeof(b)));
	if (p->auth)
		json_str(j, "auth", ike_p2_auth_name(p->auth, b, sizeof(b)));
	else
		json_null(j, "auth");
	json_life_ike(j, p->group, p->lifetime, p->created, p->expires);
	json_u64(j, "lifetime_kb", p->life_kb);
	json_obj_end(j);
}

static void show_rules_json(struct json *j, const struct ike_show_data *d)
{
	json_arr_begin(j, "rules");
	for (size_t i = 0; i < d->nrules; i++) {
		char line[1024];
		FILE *f = fmemopen(line, sizeof(line), "w");

		if (f) {
			print_ike_line(f, &d->rules[i].rule, false);
			fclose(f);
			line[strcspn(line, "\n")] = '\0';
		} else {
			line[0] = '\0';
		}
		json_obj_begin(j, NULL);
		json_u64(j, "id", d->rules[i].id);
		json_u64(j, "reqid", d->rules[i].reqid);
		json_str(j, "rule", line);
		json_u64(j, "sa_pairs", d->rules[i].p2_count);
		json_obj_end(j);
	}
	json_arr_end(j);
}

/* ipsecd's counters by their JSON keys (ipsecctl.8). */
#define IKE_STAT(name) { #name, offsetof(struct ike_ctl_stats, name) }
static const struct {
	const char *key;
	size_t off;
} ike_stats[] = {
	IKE_STAT(rx_packets), IKE_STAT(tx_packets), IKE_STAT(rx_malformed),
	IKE_STAT(rx_dropped), IKE_STAT(retransmits), IKE_STAT(p1_established),
	IKE_STAT(p1_failed), IKE_STAT(p2_established), IKE_STAT(p2_failed),
	IKE_STAT(rx_keepalives), IKE_STAT(tx_keepalives), IKE_STAT(dpd_sent),
	IKE_STAT(dpd_acked), IKE_STAT(dpd_dead), IKE_STAT(initial_contacts),
};

static void show_stats_json(struct json *j, const struct ike_ctl_stats *st)
{
	json_obj_begin(j, "stats");
	for (size_t i = 0; i < sizeof(ike_stats) / sizeof(ike_stats[0]); i++)
		json_u64(j, ike_stats[i].key, *(const uint64_t *)((const char *)st + ike_stats[i].off));
	json_obj_end(j);
}

static void show_json(struct json *j, const struct ike_show_data *d)
{
	json_obj_begin(j, "ike");
	show_rules_json(j, d);
	json_arr_begin(j, "phase1");
	for (size_t i = 0; i < d->np1; i++)
		p1_json(j, &d->p1[i]);
	json_arr_end(j);
	json_arr_begin(j, "phase2");
	for (size_t i = 0; i < d->np2; i++)
		p2_json(j, &d->p2[i]);
	json_arr_end(j);
	show_stats_json(j, &d->st);
	json_obj_end(j);
}

static void show_text(const struct ike_show_data *d, bool titles, bool verbose)
{
	const struct ike_ctl_stats *st = &d->st;

	printf("%sIKE RULES:\n%s", titles ? "\n" : "", d->nrules ? "" : "(none)\n");
	for (size_t i = 0; i < d->nrules; i++)
		print_ike_line(stdout, &d->rules[i].rule, false);
	printf("\nPHASE 1 SAS:\n%s", d->np1 ? "" : "(none)\n");
	for (size_t i = 0; i < d->np1; i++)
		p1_text(&d->p1[i]);
	printf("\nPHASE 2 SAS:\n%s", d->np2 ? "" : "(none)\n");
	for (size_t i = 0; i < d->np2; i++)
		p2_text(&d->p2[i]);
	if (!verbose)
		return;
	printf("\nIKE STATS:\n"
	       "datagrams in: %" PRIu64 ", malformed %" PRIu64 ", dropped %" PRIu64 "\n"
	       "datagrams out: %" PRIu64 ", retransmitted %" PRIu64 "\n"
	       "phase 1: %" PRIu64 " established, %" PRIu64 " failed\n"
	       "phase 2: %" PRIu64 " established, %" PRIu64 " failed\n"
	       "nat keepalives: %" PRIu64 " in, %" PRIu64 " out\n"
	       "dpd: %" PRIu64 " R-U-THERE sent, %" PRIu64 " acked, %" PRIu64 " peers dead\n"
	       "initial contacts: %" PRIu64 "\n",
	       st->rx_packets, st->rx_malformed, st->rx_dropped, st->tx_packets, st->retransmits,
	       st->p1_established, st->p1_failed, st->p2_established, st->p2_failed,
	       st->rx_keepalives, st->tx_keepalives, st->dpd_sent, st->dpd_acked, st->dpd_dead,
	       st->initial_contacts);
}

int ike_show(struct ike_conn *c, struct json *j, bool titles, bool verbose)
{
	struct ike_show_data d;
	int ret = 0;

	ret = ike_fetch(c, &d);
	if (ret) {
		fflush(stdout);
		if (ret == -2)
			fprintf(stderr, "%s: ipsecd: %s\n", progname,
				d.refusal.msg[0] ? d.refusal.msg : strerror(-d.refusal.err));
		else
			fprintf(stderr, "%s: ipsecd did not answer -s ike\n", progname);
		ret = 1;
	} else if (j) {
		show_json(j, &d);
	} else {
		show_text(&d, titles, verbose);
	}
	ike_show_data_free(&d);
	return ret;
}
