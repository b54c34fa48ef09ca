// SPDX-License-Identifier: GPL-2.0
/* Rules as ipsec.conf writes them (see kipsec_rule.h). */
#include <stdio.h>
#include <string.h>

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
