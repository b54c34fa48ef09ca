// SPDX-License-Identifier: GPL-2.0
/* Rules as ipsec.conf writes them (see kipsec_rule.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kipsec_rule.h"
#include "kipsec_text.h"

bool ike_sel_eq(const struct ike_sel *a, const struct ike_sel *b)
{
	return a->plen == b->plen && a->port == b->port && kipsec_addr_eq(&a->addr, &b->addr);
}

bool ike_rule_same(const struct ike_rule *a, const struct ike_rule *b)
{
	return a->proto == b->proto && ike_sel_eq(&a->src, &b->src) &&
	       ike_sel_eq(&a->dst, &b->dst) && kipsec_addr_eq(&a->peer, &b->peer);
}

/* ---- phase 1 identities ---- */

/* RFC 1035 §2.3.1, loosely: labels of letters, digits, '-' and '_'. */
static bool name_ok(const char *s, size_t n)
{
	size_t label = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
	}
	return n > 0;
}

int ike_id_parse(const char *s, struct ike_id *id, char *why, size_t len)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	memset(id, 0, sizeof(*id));
	if (inet_pton(AF_INET, s, id->data) == 1) {
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, id->data) == 1) {
		id->type = IKE_ID_IPV6_ADDR;
		id->len = 16;
		return 0;
	}
	if (n > IKE_ID_MAX) {
		snprintf(why, len, "identity \"%.32s...\" is longer than %d bytes", s, IKE_ID_MAX);
		return -1;
	}
	if (at && (at == s || strchr(at + 1, '@') || !name_ok(at + 1, strlen(at + 1)))) {
		snprintf(why, len, "bad identity \"%s\": a user FQDN is NAME@DOMAIN", s);
		return -1;
	}
	if (!at && !name_ok(s, n)) {
		snprintf(why, len,
			 "bad identity \"%s\": an FQDN (gw.example.org), a user FQDN (alice@example.org) or an address",
			 s);
		return -1;
	}
	for (size_t i = 0; at && s + i < at; i++)
		if (s[i] <= ' ' || s[i] == 0x7f) {
			snprintf(why, len, "bad identity \"%s\": blank or control character", s);
			return -1;
		}
	id->type = at ? IKE_ID_USER_FQDN : IKE_ID_FQDN;
	id->len = (uint8_t)n;
	memcpy(id->data, s, n);
	return 0;
}

const char *ike_id_value(const struct ike_id *id, char *buf, size_t len)
{
	struct kipsec_addr a = { .family = id->type == IKE_ID_IPV6_ADDR ? AF_INET6 : AF_INET };
	size_t o = 0;

	if ((id->type == IKE_ID_IPV4_ADDR && id->len == 4) ||
	    (id->type == IKE_ID_IPV6_ADDR && id->len == 16)) {
		memcpy(a.u.bytes, id->data, id->len);
		return kipsec_addr_ntop(&a, buf, len);
	}
	/* Names from the wire may hold anything: only printable bytes. */
	for (size_t i = 0; i < id->len && o + 5 < len; i++) {
		unsigned char c = id->data[i];

		if (c > ' ' && c < 0x7f && c != '"' && c != '\\')
			buf[o++] = (char)c;
		else
			o += (size_t)snprintf(buf + o, len - o, "\\x%02x", c);
	}
	if (len)
		buf[o < len ? o : len - 1] = 0;
	return buf;
}

static const char *id_type_name(uint8_t type)
{
	switch (type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		return "address";
	case IKE_ID_FQDN:
		return "fqdn";
	case IKE_ID_USER_FQDN:
		return "user-fqdn";
	}
	return NULL;
}

const char *ike_id_text(const struct ike_id *id, char *buf, size_t len)
{
	char v[IKE_ID_MAX * 4 + 1];
	const char *t = id_type_name(id->type);

	if (!id->type)
		snprintf(buf, len, "any");
	else if (t)
		snprintf(buf, len, "%s %s", t, ike_id_value(id, v, sizeof(v)));
	else
		snprintf(buf, len, "type %u (%u bytes)", id->type, id->len);
	return buf;
}

bool ike_id_match(const struct ike_id *want, uint8_t type, const uint8_t *data, size_t len)
{
	if (!want->type)
		return true;
	if (want->type != type || want->len != len)
		return false;
	if (type == IKE_ID_FQDN || type == IKE_ID_USER_FQDN)
		return !strncasecmp((const char *)want->data, (const char *)data, len) &&
		       !memchr(data, 0, len);
	return !memcmp(want->data, data, len);
}

bool ike_id_sane(uint8_t type, size_t len)
{
	switch (type) {
	case IKE_ID_IPV4_ADDR:
		return len == 4;
	case IKE_ID_IPV6_ADDR:
		return len == 16;
	case IKE_ID_FQDN:
	case IKE_ID_USER_FQDN:
		return len && len <= IKE_ID_MAX;
	}
	return false;
}

bool ike_id_eq(const struct ike_id *a, const struct ike_id *b)
{
	return a->type == b->type && ike_id_match(a, b->type, b->data, b->len);
}

const char *ike_sel_text(const struct ike_sel *s, char *buf, size_t len)
{
	char a[KIPSEC_ADDR_STRLEN], port[16] = "";

	if (s->port)
		snprintf(port, sizeof(port), " port %u", s->port);
	if (!s->plen)
		snprintf(buf, len, "any%s", port);
	else if (s->plen == kipsec_addr_len(s->addr.family) * 8)
		snprintf(buf, len, "%s%s", kipsec_addr_ntop(&s->addr, a, sizeof(a)), port);
	else
		snprintf(buf, len, "%s/%u%s", kipsec_addr_ntop(&s->addr, a, sizeof(a)), s->plen,
			 port);
	return buf;
}

const char *ike_flow_text(uint8_t proto, const struct ike_sel *src, const struct ike_sel *dst,
			  const char *arrow, char *buf, size_t len)
{
	char s[80], d[80], p[16], pr[32] = "";

	if (proto)
		snprintf(pr, sizeof(pr), "proto %s ", kipsec_proto_name(proto, p, sizeof(p)));
	snprintf(buf, len, "%s%s%s%s", pr, ike_sel_text(src, s, sizeof(s)), arrow,
		 ike_sel_text(dst, d, sizeof(d)));
	return buf;
}

const char *ike_size_text(uint32_t kb, char *buf, size_t len)
{
	if (kb && kb % (1024 * 1024) == 0)
		snprintf(buf, len, "%uG", kb / (1024 * 1024));
	else if (kb && kb % 1024 == 0)
		snprintf(buf, len, "%uM", kb / 1024);
	else
		snprintf(buf, len, "%uK", kb);
	return buf;
}

/* One policy: s -> d in direction dir. */
static void flow_policy(const struct kipsec_flow *f, uint8_t dir, const struct ike_sel *s,
			const struct ike_sel *d, struct kipsec_policy *p)
{
	bool out = dir == KIPSEC_DIR_OUT;

	memset(p, 0, sizeof(*p));
	p->src = s->addr;
	p->src_plen = s->plen;
	p->sport = s->port;
	p->dst = d->addr;
	p->dst_plen = d->plen;
	p->dport = d->port;
	p->proto = f->proto;
	p->dir = dir;
	p->priority = f->priority;
	p->action = f->action;
	if (f->action != KIPSEC_ACTION_PROTECT)
		return;
	p->level = f->level;
	p->has_tmpl = true;
	p->tmpl.proto = f->sa_proto;
	p->tmpl.mode = f->mode;
	p->tmpl.reqid = f->reqid;
	if (f->mode == KIPSEC_MODE_TUNNEL) {
		p->tmpl.src = out ? f->local : f->peer;
		p->tmpl.dst = out ? f->peer : f->local;
	}
}

int kipsec_flow_policies(const struct kipsec_flow *f, uint8_t dir, struct kipsec_policy p[2])
{
	if (dir) {
		flow_policy(f, dir, &f->src, &f->dst, &p[0]);
		return 1;
	}
	flow_policy(f, KIPSEC_DIR_OUT, &f->src, &f->dst, &p[0]);
	flow_policy(f, KIPSEC_DIR_IN, &f->dst, &f->src, &p[1]);
	return 2;
}
