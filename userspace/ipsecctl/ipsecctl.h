/* SPDX-License-Identifier: GPL-2.0 */
/* ipsecctl: what the parser, printers, loader and monitor share. */
#ifndef IPSECCTL_H
#define IPSECCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ike_ctl.h"
#include "kipsec_nl.h"
#include "kipsec_rule.h"
#include "kipsec_text.h"

/* One kernel object to add or delete, and where it was written. */
enum rule_kind {
	RULE_SA,
	RULE_FLOW,
	RULE_IKE,	/* for ipsecd, over its control socket */
};

struct rule {
	enum rule_kind kind;
	unsigned int line;
	union {
		struct kipsec_sa sa;
		struct kipsec_policy pol;
		struct ike_rule ike;
	} u;
};

struct ruleset {
	const char *file;	/* as named on the command line, "stdin" for "-" */
	struct rule *v;
	size_t n, cap;
};

/* Command line macros (-D), consulted before the file's own definitions. */
struct macro_def {
	const char *name;
	const char *value;
};

/* parse.c: parses a whole file; prints every error as file:line and
 * returns the number of errors (0: the ruleset is complete and valid). */
int parse_file(const char *path, const struct macro_def *defs, size_t ndefs,
	       struct ruleset *rs);
void ruleset_free(struct ruleset *rs);
/* For the unit tests: NULL when the keyword table is in bsearch order. */
const char *parse_keyword_misplaced(void);

/* print.c: one line per kernel object, in the canonical ipsec.conf form. */
void print_sa_line(FILE *f, const struct kipsec_sa *sa, bool keys);
void print_flow_line(FILE *f, const struct kipsec_policy *pol);
void print_rule(FILE *f, const struct rule *r, bool keys);
/* -v details of -s: indented lines after the object's own line. */
void print_sa_details(FILE *f, const struct kipsec_sa *sa);
void print_flow_details(FILE *f, const struct kipsec_policy *pol);
void print_stats(FILE *f, const struct kipsec_stats *st);
/* "out from 10.1.0.0/24 to any proto tcp port 80": a flow in messages. */
const char *flow_selector_text(const struct kipsec_policy *pol, char *buf, size_t len);
/* "esp spi 0x00001000 from 192.0.2.1 to 192.0.2.2": an SA in messages. */
const char *sa_id_text(const struct kipsec_sa *sa, char *buf, size_t len);
/* These return NULL for a value they do not know. */
const char *sa_proto_name(uint8_t proto);
const char *flow_type_name(const struct kipsec_policy *pol);
const char *dir_name(uint8_t dir);
const char *mode_name(uint8_t mode);
const char *sa_state_name(uint8_t state);
/* ipsec.conf name of an SA's algorithm, or the kernel name if unknown. */
const char *alg_conf_name(const struct kipsec_alg *alg, bool enc);

/* apply.c: each returns 0, or 1 after printing what failed. */
int apply_rules(struct ruleset *rs, bool delete, bool quiet);
int flush_all(bool verbose);
/* Prints why the kernel could not be reached (kipsec_nl_open() failed). */
void report_open_error(int err);
/* "ipsecctl: WHAT: extack-or-strerror", with a hint for EPERM. */
void report_kernel_error(const char *what, int err, const char *extack);
/* The kernel's reason: its extack message, else strerror (plus the EPERM hint). */
const char *kernel_reason(int err, const char *extack, char *buf, size_t len);

/* show.c */
enum show_what {
	SHOW_FLOWS = 1,
	SHOW_SAS = 2,
	SHOW_ALL = 3,
	SHOW_STATS = 4,
	SHOW_IKE = 8,		/* ipsecd's rules and SAs */
	SHOW_IKE_IF_UP = 16,	/* the same, when ipsecd runs (-s all) */
};
int show(unsigned int what, bool json, bool keys, bool verbose);

/* ike_ctl.c: ipsecd's control socket (lib/ike_ctl.h). */
extern const char *ike_socket;
struct ike_conn;
/* Connects; prints why not (unless quiet) and returns NULL. */
struct ike_conn *ike_connect(bool quiet);
void ike_disconnect(struct ike_conn *c);
/* Adds or deletes a rule; 0 or -errno with ipsecd's reason in msg. */
int ike_rule_cmd(struct ike_conn *c, uint32_t cmd, const struct ike_rule *r, char *msg, size_t len);
int ike_flush(struct ike_conn *c, char *msg, size_t len);
/* Everything ipsecd holds, for -s ike: 0, or -1 when it did not answer. */
struct ike_show_data {
	struct ike_ctl_rule_info *rules;
	struct ike_ctl_p1_info *p1;
	struct ike_ctl_p2_info *p2;
	size_t nrules, np1, np2;
	size_t caps[3];			/* allocated: rules, p1, p2 */
	struct ike_ctl_stats st;
	struct ike_ctl_reply refusal;	/* ike_fetch() -2: ipsecd said no, and why */
};
/* 0, -1 when ipsecd did not answer, -2 when it refused (d->refusal). */
int ike_fetch(struct ike_conn *c, struct ike_show_data *d);
void ike_show_data_free(struct ike_show_data *d);

/* print_ike.c: ike rules and ipsecd's SAs, as text and JSON. */
/* "ike active esp tunnel from ... psk "..."": the psk only with keys. */
void print_ike_line(FILE *f, const struct ike_rule *r, bool keys);
/* -v: what an administrator must know about a rule (aggressive mode). */
void print_ike_warning(FILE *f, const struct ike_rule *r);
/* "proto tcp from S to D peer P": an ike rule in messages. */
const char *ike_rule_text(const struct ike_rule *r, char *buf, size_t len);
/* Prints ipsecd's rules and SAs (-s ike), as text or into a JSON object;
 * titles: other sections came before. */
struct json;
int ike_show(struct ike_conn *c, struct json *j, bool titles, bool verbose);

/* monitor.c: until SIGINT / SIGTERM.  Events never carry keys. */
int monitor(bool json);

/* print.c: the JSON objects of -s and -m (keys documented in ipsecctl.8). */
struct json;
void json_sa(struct json *j, const char *key, const struct kipsec_sa *sa, bool keys);
void json_flow(struct json *j, const char *key, const struct kipsec_policy *pol);
void json_packet(struct json *j, const char *key, const struct kipsec_policy *pkt);
void json_stats(struct json *j, const char *key, const struct kipsec_stats *st);
/* An address, null when absent; a selector as ADDR/LEN (0.0.0.0/0, 10.0.0.1/32). */
void json_addr(struct json *j, const char *key, const struct kipsec_addr *a);
void json_prefix(struct json *j, const char *key, const struct kipsec_addr *a, uint8_t plen);

extern const char *progname;

#endif /* IPSECCTL_H */
