/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Rules as ipsec.conf(5) writes them, shared by ipsecctl (which parses
 * and prints them) and ipsecd (which installs and logs them): when two ike
 * rules are the same, the one text form of a selector, and how one flow
 * becomes the kernel's policies.  Nothing here touches the kernel.
 */
#ifndef KIPSEC_RULE_H
#define KIPSEC_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike_ctl.h"
#include "kipsec_nl.h"

bool ike_sel_eq(const struct ike_sel *a, const struct ike_sel *b);

/*
 * Same flow (proto, both selectors) and same peer: ipsecd keeps one rule
 * per such pair, since a Quick Mode offer must find exactly one rule whose
 * selectors it mirrors (RFC 2409 §5.5, IDci/IDcr).
 */
bool ike_rule_same(const struct ike_rule *a, const struct ike_rule *b);

/*
 * Phase 1 identities (srcid, dstid of ipsec.conf): a user FQDN when the
 * text has an '@', an address when it reads as one, else an FQDN (RFC
 * 2407 §4.6.2.1).  Returns 0, or -1 with the reason in why.
 */
int ike_id_parse(const char *s, struct ike_id *id, char *why, size_t len);
/* The identity as ipsec.conf writes it ("gw.example.org", "192.0.2.1"). */
const char *ike_id_value(const struct ike_id *id, char *buf, size_t len);
/* "fqdn gw.example.org", "user-fqdn a@b", "address 192.0.2.1", for messages. */
const char *ike_id_text(const struct ike_id *id, char *buf, size_t len);
/*
 * Whether what a peer sent (type, data) is the identity want; a want of
 * type 0 (no dstid) takes any.  Names compare without regard to case
 * (RFC 4343), addresses byte by byte.
 */
bool ike_id_match(const struct ike_id *want, uint8_t type, const uint8_t *data, size_t len);
bool ike_id_eq(const struct ike_id *a, const struct ike_id *b);
/* A type we know (IKE_ID_*) with a length it can have. */
bool ike_id_sane(uint8_t type, size_t len);

/* The canonical selector text, as ipsec.conf(5) reads it back: "any"
 * (prefix length 0), a bare address (one host), or ADDR/LEN, then
 * " port N" when the port is set. */
const char *ike_sel_text(const struct ike_sel *s, char *buf, size_t len);

/*
 * A byte lifetime of kb kilobytes as ipsec.conf(5) writes it: "NG", "NM"
 * when it is a whole number of those, else "NK".
 */
const char *ike_size_text(uint32_t kb, char *buf, size_t len);

/* "[proto P ]SRC ARROW DST" with ike_sel_text's selectors, for messages. */
const char *ike_flow_text(uint8_t proto, const struct ike_sel *src, const struct ike_sel *dst,
			  const char *arrow, char *buf, size_t len);

/*
 * One flow of ipsec.conf ("flow" rules, and each "ike" rule's flows): the
 * selectors as written (src is ours), what to do, and for PROTECT the SA
 * template.  local and peer are the tunnel endpoints, used in tunnel mode
 * only (in transport mode the packet's own addresses are the endpoints).
 */
struct kipsec_flow {
	struct ike_sel src, dst;
	uint8_t proto;			/* upper layer, 0 = any */
	uint8_t action;			/* KIPSEC_ACTION_* */
	uint8_t level;			/* KIPSEC_LEVEL_*, PROTECT only */
	uint8_t sa_proto;		/* IPPROTO_ESP / IPPROTO_AH, PROTECT only */
	uint8_t mode;			/* KIPSEC_MODE_*, PROTECT only */
	uint32_t priority;
	uint32_t reqid;
	struct kipsec_addr local, peer;
};

/*
 * The policies of a flow.  dir 0 (no direction written) gives two: out as
 * written and in mirrored, sources and destinations swapped (OpenBSD's
 * ipsec.conf(5)); KIPSEC_DIR_IN or KIPSEC_DIR_OUT gives that one only, as
 * written.  The peer is the template's remote end in both directions.
 * Returns the number of policies written to p[].
 */
int kipsec_flow_policies(const struct kipsec_flow *f, uint8_t dir, struct kipsec_policy p[2]);

#endif /* KIPSEC_RULE_H */
