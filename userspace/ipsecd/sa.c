// SPDX-License-Identifier: GPL-2.0
/*
 * The phase 1 (ISAKMP) and phase 2 (IPsec) SA stores.  Lists are enough:
 * a gateway has tens to thousands of SAs, and every lookup is one pass.
 * Everything freed here is wiped first: it holds keys.
 */
#include <stdlib.h>
#include <string.h>

#include "ipsecd.h"

struct list p1sas = LIST_INIT(p1sas);
struct list p2sas = LIST_INIT(p2sas);
static uint32_t next_p1_id = 1, next_p2_id = 1;

const char *p1_state_name(enum p1_state s)
{
	switch (s) {
	case P1_I_MM1:
		return "MM1-sent";
	case P1_I_MM3:
		return "MM3-sent";
	case P1_I_MM5:
		return "MM5-sent";
	case P1_R_MM2:
		return "MM2-sent";
	case P1_R_MM4:
		return "MM4-sent";
	case P1_ESTABLISHED:
		return "established";
	case P1_DEAD:
		return "dead";
	}
	return "?";
}

const char *p2_state_name(enum p2_state s)
{
	switch (s) {
	case P2_I_QM1:
		return "QM1-sent";
	case P2_R_QM2:
		return "QM2-sent";
	case P2_INSTALLED:
		return "installed";
	case P2_DEAD:
		return "dead";
	}
	return "?";
}

bool addr_eq(const struct kipsec_addr *a, const struct kipsec_addr *b)
{
	return a->family == b->family && !memcmp(a->u.bytes, b->u.bytes, kipsec_addr_len(a->family));
}

struct p1sa *p1_new(bool initiator)
{
	struct p1sa *p1 = calloc(1, sizeof(*p1));

	if (!p1) {
		log_err("out of memory");
		return NULL;
	}
	p1->id = next_p1_id++;
	p1->initiator = initiator;
	p1->created = time(NULL);
	p1->started_ms = now_ms();
	list_init(&p1->timer.node);
	p1_timer_init(p1);
	list_add_tail(&p1sas, &p1->node);
	return p1;
}

void p1_free(struct p1sa *p1)
{
	timer_stop(&p1->timer);
	list_del(&p1->node);
	dh_free(p1->dh);
	buf_free(&p1->sai_b);
	buf_free(&p1->out);
	buf_free(&p1->in);
	explicit_bzero(p1, sizeof(*p1));
	free(p1);
}

struct p1sa *p1_by_cookies(const uint8_t *icky, const uint8_t *rcky)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (!memcmp(p1->icky, icky, 8) && !memcmp(p1->rcky, rcky, 8))
			return p1;
	}
	return NULL;
}

struct p1sa *p1_by_icookie(const uint8_t *icky, const struct kipsec_addr *peer)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (!memcmp(p1->icky, icky, 8) && addr_eq(&p1->peer, peer))
			return p1;
	}
	return NULL;
}

struct p1sa *p1_find(const struct kipsec_addr *local, const struct kipsec_addr *peer, bool any)
{
	struct p1sa *best = NULL;
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p1sas) {
		struct p1sa *p1 = container_of(pos, struct p1sa, node);

		if (!addr_eq(&p1->peer, peer) || !addr_eq(&p1->local, local) || p1->state == P1_DEAD)
			continue;
		/* The newest established one wins. */
		if (p1->state == P1_ESTABLISHED)
			best = p1;
		else if (any && (!best || best->state != P1_ESTABLISHED))
			best = p1;
	}
	return best;
}

struct p2sa *p2_new(bool initiator)
{
	struct p2sa *p2 = calloc(1, sizeof(*p2));

	if (!p2) {
		log_err("out of memory");
		return NULL;
	}
	p2->id = next_p2_id++;
	p2->initiator = initiator;
	p2->created = time(NULL);
	p2->started_ms = now_ms();
	list_init(&p2->timer.node);
	p2_timer_init(p2);
	list_add_tail(&p2sas, &p2->node);
	return p2;
}

void p2_free(struct p2sa *p2)
{
	timer_stop(&p2->timer);
	if (p2->spi_in_larval)
		kern_spi_release(p2);
	/* Half a pair is never left behind (an exchange that failed late). */
	if (p2->state != P2_INSTALLED)
		kern_sa_remove_in(p2);
	list_del(&p2->node);
	dh_free(p2->dh);
	buf_free(&p2->out);
	buf_free(&p2->in);
	explicit_bzero(p2, sizeof(*p2));
	free(p2);
}

struct p2sa *p2_by_msgid(uint32_t p1_id, uint32_t msgid)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->p1_id == p1_id && p2->msgid == msgid)
			return p2;
	}
	return NULL;
}

struct p2sa *p2_by_spi(const struct kipsec_addr *dst, uint32_t spi, bool *inbound)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->state != P2_INSTALLED)
			continue;
		if (p2->spi_in == spi && addr_eq(&p2->local, dst)) {
			*inbound = true;
			return p2;
		}
		if (p2->spi_out == spi && addr_eq(&p2->peer, dst)) {
			*inbound = false;
			return p2;
		}
	}
	return NULL;
}

struct p2sa *p2_of_rule(uint32_t rule_id)
{
	struct list *pos, *tmp;

	list_for_each_safe(pos, tmp, &p2sas) {
		struct p2sa *p2 = container_of(pos, struct p2sa, node);

		if (p2->rule_id == rule_id && !p2->rekeyed && p2->state != P2_DEAD)
			return p2;
	}
	return NULL;
}
