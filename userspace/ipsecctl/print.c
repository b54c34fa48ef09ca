// SPDX-License-Identifier: GPL-2.0
/*
 * Printing flows and SAs: the canonical ipsec.conf line of one kernel object
 * (what -nv, -s and -m print; it parses back to the same object), the -v
 * details of -s, and the JSON objects of -j.  Everything that names an
 * algorithm goes through lib/alg.c, so the names are those of ipsec.conf.
 */
#include <inttypes.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ike_alg.h"
#include "ipsecctl.h"
#include "json.h"
#include "kipsec_alg.h"
#include "kipsec_text.h"

#define HEX_KEY_LEN	(2 * KIPSEC_KEY_MAX + 3)

/* names[v], or NULL for a value without a name. */
#define NAME_OF(names, v) \
	((size_t)(v) < sizeof(names) / sizeof(names[0]) ? names[v] : NULL)

const char *sa_proto_name(uint8_t proto)
{
	static const char *const names[] = { [IPPROTO_ESP] = "esp", [IPPROTO_AH] = "ah" };

	return NAME_OF(names, proto);
}

const char *flow_type_name(const struct kipsec_policy *pol)
{
	static const char *const names[] = {
		[KIPSEC_ACTION_BYPASS] = "bypass", [KIPSEC_ACTION_DISCARD] = "deny",
	};

	if (pol->action == KIPSEC_ACTION_PROTECT)
		return pol->level == KIPSEC_LEVEL_USE ? "use" : "require";
	return NAME_OF(names, pol->action);
}

const char *dir_name(uint8_t dir)
{
	static const char *const names[] = {
		[KIPSEC_DIR_IN] = "in", [KIPSEC_DIR_OUT] = "out", [KIPSEC_DIR_FWD] = "fwd",
	};

	return NAME_OF(names, dir);
}

const char *mode_name(uint8_t mode)
{
	static const char *const names[] = {
		[KIPSEC_MODE_TUNNEL] = "tunnel", [KIPSEC_MODE_TRANSPORT] = "transport",
	};

	return NAME_OF(names, mode);
}

const char *sa_state_name(uint8_t state)
{
	static const char *const names[] = {
		[KIPSEC_SA_STATE_LARVAL] = "larval", [KIPSEC_SA_STATE_MATURE] = "mature",
		[KIPSEC_SA_STATE_DYING] = "dying",
	};

	return NAME_OF(names, state);
}

static const char *or_unknown(const char *s)
{
	return s ? s : "unknown";
}

/*
 * The key length tells AES-128 from AES-256; the kernel reports it with or
 * without the key (KIPSEC_ALG_A_KEY_LEN).  Without it (an older module), a
 * name is printed only if the kernel name and ICV size leave a single
 * candidate (hmac-sha1, chacha20-poly1305), otherwise the kernel's own name
 * (aes-gcm, aes-cbc).
 */
const char *alg_conf_name(const struct kipsec_alg *alg, bool enc)
{
	enum kipsec_alg_kind kind = enc ? KIPSEC_ALG_ENC : KIPSEC_ALG_AUTH;
	const struct kipsec_alg_desc *d, *one = NULL;
	int candidates = 0;

	uint32_t key_len = alg->key_len ? alg->key_len : alg->size;

	d = kipsec_alg_by_kernel(alg->name, key_len, alg->icv_len, kind);
	if (d)
		return d->name;
	if (key_len)
		return alg->name;
	for (unsigned int i = 0; (d = kipsec_alg_at(i)); i++) {
		const struct kipsec_alg_desc *r;

		if (d->alias || d->kind != kind || strcmp(d->kname, alg->name) || !d->key_len)
			continue;
		r = kipsec_alg_by_kernel(alg->name, d->key_len, alg->icv_len, kind);
		if (r && r != one) {
			one = r;
			candidates++;
		}
	}
	return candidates == 1 ? one->name : alg->name;
}

/* ---- selectors ---- */

/* "any", a bare address (host), or ADDR/LEN. */
static const char *sel_text(const struct kipsec_addr *a, uint8_t plen, bool any_ok,
			    char *buf, size_t len)
{
	char addr[KIPSEC_ADDR_STRLEN];
	size_t max = kipsec_addr_len(a->family) * 8;

	if (plen == 0 && any_ok)
		return "any";
	kipsec_addr_ntop(a, addr, sizeof(addr));
	if (plen == max)
		snprintf(buf, len, "%s", addr);
	else
		snprintf(buf, len, "%s/%u", addr, plen);
	return buf;
}

/* The tunnel endpoints as ipsec.conf names them: the peer is the remote end. */
static void flow_ends(const struct kipsec_policy *pol, const struct kipsec_addr **local,
		      const struct kipsec_addr **peer)
{
	*local = *peer = NULL;
	if (!pol->has_tmpl)
		return;
	if (pol->dir == KIPSEC_DIR_OUT) {
		*local = pol->tmpl.src.family ? &pol->tmpl.src : NULL;
		*peer = pol->tmpl.dst.family ? &pol->tmpl.dst : NULL;
	} else {
		*local = pol->tmpl.dst.family ? &pol->tmpl.dst : NULL;
		*peer = pol->tmpl.src.family ? &pol->tmpl.src : NULL;
	}
}

/*
 * "from any to any" takes its family from the peer, else IPv4 (parse.c):
 * when that would be wrong, "from" is written as ::/0 or 0.0.0.0/0.
 */
static bool from_needs_family(const struct kipsec_policy *pol)
{
	const struct kipsec_addr *local, *peer;
	uint16_t implied = AF_INET;

	if (pol->src_plen || pol->dst_plen)
		return false;
	flow_ends(pol, &local, &peer);
	if (peer)
		implied = peer->family;
	else if (local)
		implied = local->family;
	return implied != pol->src.family;
}

static void selector_text(const struct kipsec_policy *pol, char *buf, size_t len)
{
	char p[16] = "", s[64], d[64], sp[16] = "", dp[16] = "", name[8];
	const char *dir = dir_name(pol->dir);

	if (pol->proto)
		snprintf(p, sizeof(p), " proto %s", kipsec_proto_name(pol->proto, name, sizeof(name)));
	if (pol->sport)
		snprintf(sp, sizeof(sp), " port %u", pol->sport);
	if (pol->dport)
		snprintf(dp, sizeof(dp), " port %u", pol->dport);
	snprintf(buf, len, "%s%s from %s%s to %s%s", dir ? dir : "?", p,
		 sel_text(&pol->src, pol->src_plen, !from_needs_family(pol), s, sizeof(s)), sp,
		 sel_text(&pol->dst, pol->dst_plen, true, d, sizeof(d)), dp);
}

const char *flow_selector_text(const struct kipsec_policy *pol, char *buf, size_t len)
{
	selector_text(pol, buf, len);
	return buf;
}

const char *sa_id_text(const struct kipsec_sa *sa, char *buf, size_t len)
{
	char src[KIPSEC_ADDR_STRLEN], dst[KIPSEC_ADDR_STRLEN];
	const char *p = sa_proto_name(sa->proto);

	snprintf(buf, len, "%s spi 0x%08x from %s to %s", p ? p : "?", sa->spi,
		 kipsec_addr_ntop(&sa->src, src, sizeof(src)),
		 kipsec_addr_ntop(&sa->dst, dst, sizeof(dst)));
	return buf;
}

/* ---- canonical lines ---- */

/*
 * flow [esp|ah] DIR [proto P] from SRC [port N] to DST [port N]
 *	[local ADDR] [peer ADDR] type TYPE [priority N] [reqid N]
 * Defaults (priority 1000, reqid 0) are left out; the mode is implied by
 * the peer (tunnel) or its absence (transport).
 */
void print_flow_line(FILE *f, const struct kipsec_policy *pol)
{
	const struct kipsec_addr *local, *peer;
	char sel[256], a[KIPSEC_ADDR_STRLEN];
	const char *sap = NULL, *type = flow_type_name(pol);

	selector_text(pol, sel, sizeof(sel));
	if (pol->action == KIPSEC_ACTION_PROTECT && pol->has_tmpl)
		sap = sa_proto_name(pol->tmpl.proto);
	fprintf(f, "flow %s%s%s", sap ? sap : "", sap ? " " : "", sel);
	flow_ends(pol, &local, &peer);
	if (local)
		fprintf(f, " local %s", kipsec_addr_ntop(local, a, sizeof(a)));
	if (peer)
		fprintf(f, " peer %s", kipsec_addr_ntop(peer, a, sizeof(a)));
	fprintf(f, " type %s", or_unknown(type));
	if (pol->priority != 1000)
		fprintf(f, " priority %" PRIu32, pol->priority);
	if (pol->has_tmpl && pol->tmpl.reqid)
		fprintf(f, " reqid %" PRIu32, pol->tmpl.reqid);
	fputc('\n', f);
}

static void print_alg(FILE *f, const struct kipsec_alg *alg, bool enc, bool keys)
{
	char hex[HEX_KEY_LEN];

	if (!alg->name[0])
		return;
	fprintf(f, " %s %s", enc ? "enc" : "auth", alg_conf_name(alg, enc));
	if (keys && alg->key_len && alg->key_len <= KIPSEC_KEY_MAX) {
		kipsec_format_hex(alg->key, alg->key_len, hex);
		fprintf(f, " %s %s", enc ? "enckey" : "authkey", hex);
		explicit_bzero(hex, sizeof(hex));
	}
}

/*
 * esp|ah MODE from SRC to DST spi 0xSPI [enc ALG [enckey KEY]]
 *	[auth ALG [authkey KEY]] [replay N] [esn] [reqid N]
 *	[soft LIMIT N ...] [hard LIMIT N ...]
 * Every SA names its algorithms (the defaults resolved); the replay window
 * is written only when it is not 64, the reqid when it is not 0.
 */
static void print_limits(FILE *f, const char *kw, const struct kipsec_lifetime *l)
{
	if (!l->bytes && !l->packets && !l->add_secs && !l->use_secs)
		return;
	fprintf(f, " %s", kw);
	if (l->bytes)
		fprintf(f, " bytes %" PRIu64, l->bytes);
	if (l->packets)
		fprintf(f, " packets %" PRIu64, l->packets);
	if (l->add_secs)
		fprintf(f, " seconds %" PRIu64, l->add_secs);
	if (l->use_secs)
		fprintf(f, " use-seconds %" PRIu64, l->use_secs);
}

/* The name of an SA's interface, or its index when it has none here. */
static const char *iface_name(uint32_t ifindex, char buf[IF_NAMESIZE])
{
	if (!if_indextoname(ifindex, buf))
		snprintf(buf, IF_NAMESIZE, "%" PRIu32, ifindex);
	return buf;
}

void print_sa_line(FILE *f, const struct kipsec_sa *sa, bool keys)
{
	char src[KIPSEC_ADDR_STRLEN], dst[KIPSEC_ADDR_STRLEN], ifname[IF_NAMESIZE];
	const char *p = sa_proto_name(sa->proto), *m = mode_name(sa->mode);

	fprintf(f, "%s%s%s from %s to %s spi 0x%08" PRIx32, p ? p : "?", m ? " " : "",
		m ? m : "", kipsec_addr_ntop(&sa->src, src, sizeof(src)),
		kipsec_addr_ntop(&sa->dst, dst, sizeof(dst)), sa->spi);
	print_alg(f, &sa->enc, true, keys);
	print_alg(f, &sa->auth, false, keys);
	if (sa->replay_window != KIPSEC_REPLAY_WINDOW_DEFAULT)
		fprintf(f, " replay %" PRIu32, sa->replay_window);
	if (sa->flags & KIPSEC_SA_F_ESN)
		fputs(" esn", f);
	if (sa->reqid)
		fprintf(f, " reqid %" PRIu32, sa->reqid);
	if (sa->mark_mask == UINT32_MAX)
		fprintf(f, " mark 0x%" PRIx32, sa->mark);
	else if (sa->mark_mask)
		fprintf(f, " mark 0x%" PRIx32 "/0x%" PRIx32, sa->mark, sa->mark_mask);
	if (sa->ifindex)
		fprintf(f, " interface %s", iface_name(sa->ifindex, ifname));
	print_limits(f, "soft", &sa->soft);
	print_limits(f, "hard", &sa->hard);
	/* ESP in UDP (RFC 3948): the ports of this one SA ("udpencap [port N]" writes both). */
	if (sa->encap_sport || sa->encap_dport)
		fprintf(f, " udpencap %u:%u", sa->encap_sport, sa->encap_dport);
	fputc('\n', f);
}

void print_rule(FILE *f, const struct rule *r, bool keys)
{
	if (r->kind == RULE_IKE)
		print_ike_line(f, &r->u.ike, keys);
	else if (r->kind == RULE_SA)
		print_sa_line(f, &r->u.sa, keys);
	else
		print_flow_line(f, &r->u.pol);
}

/* ---- -v details ---- */

static const char *time_text(uint64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t)
		return "never";
	if (!localtime_r(&tt, &tm) || !strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%" PRIu64, t);
	return buf;
}

static void print_life(FILE *f, const char *what, const struct kipsec_lifetime *l)
{
	const char *sep = " ";

	fprintf(f, "\t%s lifetime:", what);
	if (!l->bytes && !l->packets && !l->add_secs && !l->use_secs) {
		fputs(" none\n", f);
		return;
	}
	if (l->bytes) {
		fprintf(f, "%s%" PRIu64 " bytes", sep, l->bytes);
		sep = ", ";
	}
	if (l->packets) {
		fprintf(f, "%s%" PRIu64 " packets", sep, l->packets);
		sep = ", ";
	}
	if (l->add_secs) {
		fprintf(f, "%s%" PRIu64 " s after add", sep, l->add_secs);
		sep = ", ";
	}
	if (l->use_secs)
		fprintf(f, "%s%" PRIu64 " s after first use", sep, l->use_secs);
	fputc('\n', f);
}

void print_sa_details(FILE *f, const struct kipsec_sa *sa)
{
	const struct kipsec_sa_stats *s = &sa->stats;
	char t1[64], t2[64];

	fprintf(f, "\tstate: %s  replay window: %" PRIu32 "  esn: %s\n",
		or_unknown(sa_state_name(sa->state)), sa->replay_window,
		sa->flags & KIPSEC_SA_F_ESN ? "yes" : "no");
	fprintf(f, "\tadded: %s  first used: %s\n", time_text(sa->add_time, t1, sizeof(t1)),
		time_text(sa->use_time, t2, sizeof(t2)));
	fprintf(f, "\tsequence numbers: out %" PRIu64 "  in %" PRIu64 "\n", sa->seq_out,
		sa->seq_in);
	fprintf(f, "\tpackets: %" PRIu64 "  bytes: %" PRIu64 "\n", s->packets, s->bytes);
	fprintf(f, "\treplay drops: %" PRIu64 "  auth failures: %" PRIu64
		"  decrypt errors: %" PRIu64 "  policy drops: %" PRIu64 "\n",
		s->replay_drops, s->auth_fails, s->decrypt_errs, s->policy_drops);
	print_life(f, "soft", &sa->soft);
	print_life(f, "hard", &sa->hard);
}

void print_flow_details(FILE *f, const struct kipsec_policy *pol)
{
	fprintf(f, "\tid: %" PRIu32 "  priority: %" PRIu32 "  packets: %" PRIu64
		"  bytes: %" PRIu64 "\n", pol->id, pol->priority, pol->packets, pol->bytes);
}

/* The global counters: JSON key, and the label of the text form. */
static const struct {
	const char *key;
	const char *label;
	size_t off;
} stats_fields[] = {
#define F(k, l) { #k, l, offsetof(struct kipsec_stats, k) }
	F(sa_count, "SAs"),
	F(policy_count, "flows"),
	F(in_no_sa, "in: unknown SPI"),
	F(in_malformed, "in: malformed"),
	F(in_replay, "in: replayed"),
	F(in_auth_fail, "in: authentication failed"),
	F(in_policy_drop, "in: refused by policy"),
	F(out_no_sa, "out: no SA"),
	F(out_discard, "out: discarded by policy"),
	F(out_errors, "out: errors"),
	F(acquires, "ACQUIRE events"),
	F(expires, "EXPIRE events"),
	F(in_crypto_busy, "in: crypto busy"),
	F(out_crypto_busy, "out: crypto busy"),
	F(in_udp_keepalive, "in: UDP keepalives"),
	F(in_udp_malformed, "in: UDP malformed"),
#undef F
};

static uint64_t stats_field(const struct kipsec_stats *st, size_t i)
{
	uint64_t v;

	memcpy(&v, (const char *)st + stats_fields[i].off, sizeof(v));
	return v;
}

void print_stats(FILE *f, const struct kipsec_stats *st)
{
	for (size_t i = 0; i < sizeof(stats_fields) / sizeof(stats_fields[0]); i++)
		fprintf(f, "%-27s %" PRIu64 "\n", stats_fields[i].label, stats_field(st, i));
}

/* ---- JSON ---- */

void json_addr(struct json *j, const char *key, const struct kipsec_addr *a)
{
	char buf[KIPSEC_ADDR_STRLEN];

	if (!a || !kipsec_addr_len(a->family))
		json_null(j, key);
	else
		json_str(j, key, kipsec_addr_ntop(a, buf, sizeof(buf)));
}

/* Selectors are always ADDR/LEN in JSON: 0.0.0.0/0, 10.0.0.1/32. */
void json_prefix(struct json *j, const char *key, const struct kipsec_addr *a, uint8_t plen)
{
	char addr[KIPSEC_ADDR_STRLEN], buf[KIPSEC_ADDR_STRLEN + 8];

	snprintf(buf, sizeof(buf), "%s/%u", kipsec_addr_ntop(a, addr, sizeof(addr)), plen);
	json_str(j, key, buf);
}

static void json_proto(struct json *j, const char *key, uint8_t proto)
{
	char buf[8];

	json_str(j, key, kipsec_proto_name(proto, buf, sizeof(buf)));
}

static void json_life(struct json *j, const char *key, const struct kipsec_lifetime *l)
{
	json_obj_begin(j, key);
	json_u64(j, "bytes", l->bytes);
	json_u64(j, "packets", l->packets);
	json_u64(j, "add_secs", l->add_secs);
	json_u64(j, "use_secs", l->use_secs);
	json_obj_end(j);
}

static void json_alg(struct json *j, const char *key, const char *keykey,
		     const struct kipsec_alg *alg, bool enc, bool keys)
{
	char hex[HEX_KEY_LEN];

	if (!alg->name[0]) {
		json_null(j, key);
		return;
	}
	json_str(j, key, alg_conf_name(alg, enc));
	/* Keys only on request, and then as ipsec.conf writes them. */
	if (keys && alg->key_len && alg->key_len <= KIPSEC_KEY_MAX) {
		kipsec_format_hex(alg->key, alg->key_len, hex);
		json_str(j, keykey, hex);
		explicit_bzero(hex, sizeof(hex));
	}
}

void json_sa(struct json *j, const char *key, const struct kipsec_sa *sa, bool keys)
{
	const struct kipsec_sa_stats *s = &sa->stats;

	json_obj_begin(j, key);
	json_str(j, "proto", sa_proto_name(sa->proto));
	json_str(j, "mode", mode_name(sa->mode));
	json_str(j, "family", kipsec_family_name(sa->src.family));
	json_addr(j, "src", &sa->src);
	json_addr(j, "dst", &sa->dst);
	json_u64(j, "spi", sa->spi);
	json_u64(j, "reqid", sa->reqid);
	json_str(j, "state", sa_state_name(sa->state));
	json_alg(j, "enc", "enc_key", &sa->enc, true, keys);
	json_alg(j, "auth", "auth_key", &sa->auth, false, keys);
	json_u64(j, "replay_window", sa->replay_window);
	json_bool(j, "esn", sa->flags & KIPSEC_SA_F_ESN);
	if (sa->encap_sport || sa->encap_dport) {
		json_obj_begin(j, "encap");
		json_u64(j, "sport", sa->encap_sport);
		json_u64(j, "dport", sa->encap_dport);
		json_obj_end(j);
	} else {
		json_null(j, "encap");
	}
	if (sa->mark_mask) {
		json_obj_begin(j, "mark");
		json_u64(j, "value", sa->mark);
		json_u64(j, "mask", sa->mark_mask);
		json_obj_end(j);
	} else {
		json_null(j, "mark");
	}
	if (sa->ifindex) {
		char ifname[IF_NAMESIZE];

		json_str(j, "interface", iface_name(sa->ifindex, ifname));
	} else {
		json_null(j, "interface");
	}
	json_life(j, "lifetime_soft", &sa->soft);
	json_life(j, "lifetime_hard", &sa->hard);
	json_u64(j, "add_time", sa->add_time);
	json_u64(j, "use_time", sa->use_time);
	json_u64(j, "seq_out", sa->seq_out);
	json_u64(j, "seq_in", sa->seq_in);
	json_obj_begin(j, "stats");
	json_u64(j, "packets", s->packets);
	json_u64(j, "bytes", s->bytes);
	json_u64(j, "replay_drops", s->replay_drops);
	json_u64(j, "auth_fails", s->auth_fails);
	json_u64(j, "decrypt_errors", s->decrypt_errs);
	json_u64(j, "policy_drops", s->policy_drops);
	json_obj_end(j);
	json_obj_end(j);
}

void json_flow(struct json *j, const char *key, const struct kipsec_policy *pol)
{
	const struct kipsec_addr *local, *peer;
	bool tmpl = pol->action == KIPSEC_ACTION_PROTECT && pol->has_tmpl;

	flow_ends(pol, &local, &peer);
	json_obj_begin(j, key);
	json_u64(j, "id", pol->id);
	json_str(j, "dir", dir_name(pol->dir));
	json_str(j, "family", kipsec_family_name(pol->src.family));
	json_prefix(j, "src", &pol->src, pol->src_plen);
	json_prefix(j, "dst", &pol->dst, pol->dst_plen);
	json_proto(j, "proto", pol->proto);
	json_u64(j, "sport", pol->sport);
	json_u64(j, "dport", pol->dport);
	json_str(j, "type", flow_type_name(pol));
	json_u64(j, "priority", pol->priority);
	json_str(j, "sa_proto", tmpl ? sa_proto_name(pol->tmpl.proto) : NULL);
	json_str(j, "mode", tmpl ? mode_name(pol->tmpl.mode) : NULL);
	json_addr(j, "local", local);
	json_addr(j, "peer", peer);
	if (tmpl)
		json_u64(j, "reqid", pol->tmpl.reqid);
	else
		json_null(j, "reqid");
	json_obj_begin(j, "stats");
	json_u64(j, "packets", pol->packets);
	json_u64(j, "bytes", pol->bytes);
	json_obj_end(j);
	json_obj_end(j);
}

void json_packet(struct json *j, const char *key, const struct kipsec_policy *pkt)
{
	json_obj_begin(j, key);
	json_str(j, "family", kipsec_family_name(pkt->src.family));
	json_addr(j, "src", &pkt->src);
	json_addr(j, "dst", &pkt->dst);
	json_proto(j, "proto", pkt->proto);
	json_u64(j, "sport", pkt->sport);
	json_u64(j, "dport", pkt->dport);
	json_obj_end(j);
}

void json_stats(struct json *j, const char *key, const struct kipsec_stats *st)
{
	json_obj_begin(j, key);
	for (size_t i = 0; i < sizeof(stats_fields) / sizeof(stats_fields[0]); i++)
		json_u64(j, stats_fields[i].key, stats_field(st, i));
	json_obj_end(j);
}
