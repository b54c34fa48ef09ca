// SPDX-License-Identifier: GPL-2.0
/*
 * The ipsec.conf parser: macros, flows, manual SAs (after OpenBSD's
 * ipsec.conf(5); the grammar is in Documentation/ipsec.conf.5).  It turns
 * every rule into the kernel objects it stands for (a flow without a
 * direction is two policies, "spi A:B" is two SAs) and checks all it can,
 * so that a file that parses is never refused for a reason we could see.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ike_alg.h"
#include "ipsecctl.h"
#include "kipsec_alg.h"
#include "kipsec_text.h"
#include "lex.h"

#define DEFAULT_PRIORITY	1000
#define KEY_FILE_MAX		65536

/* The tokens of one statement and a cursor over them. */
struct cur {
	const char *file;
	const char *dir;	/* the file's directory with its '/', or "" */
	struct token *t;
	size_t n, i;
	size_t off;		/* inside t[i].text, for words split at ':' */
	unsigned int end_line;
};

static struct token *peek(struct cur *c)
{
	return c->i < c->n ? &c->t[c->i] : NULL;
}

static struct token *next(struct cur *c)
{
	return c->i < c->n ? &c->t[c->i++] : NULL;
}

static bool is_word(const struct token *t, const char *w)
{
	return t && t->type == T_WORD && !strcmp(t->text, w);
}

/*
 * The keywords of ipsec.conf, in strcmp() order (bsearch): a new keyword is
 * one entry here and one in enum kw, then a handler in a rule's option
 * table.  Values (type names, algorithm names, lifetime limits) are not
 * keywords: they are looked up where they are read.
 */
enum kw {
	KW_NONE,	/* not a keyword */
	KW_ACTIVE, KW_AGGRESSIVE, KW_AH, KW_AUTH, KW_AUTHKEY, KW_BYTES, KW_DPD, KW_DSTID, KW_DYNAMIC,
	KW_ENC, KW_ENCKEY, KW_ESN, KW_ESP, KW_FLOW, KW_FROM, KW_GROUP, KW_HARD, KW_IKE,
	KW_IN, KW_INCLUDE, KW_INTERFACE, KW_IPCOMP, KW_IPIP, KW_LIFETIME, KW_LOCAL, KW_MAIN,
	KW_MARK, KW_OUT,
	KW_PASSIVE, KW_PEER, KW_PORT, KW_PRIORITY, KW_PROTO, KW_PSK, KW_QUICK, KW_REPLAY,
	KW_REQID, KW_SOFT, KW_SPI, KW_SRCID, KW_TAG, KW_TCPMD5, KW_TO, KW_TRANSPORT,
	KW_TUNNEL, KW_TYPE, KW_UDPENCAP,
	KW_MAX
};

static const struct keyword {
	const char *name;
	enum kw kw;
} keywords[] = {
	{ "active", KW_ACTIVE }, { "aggressive", KW_AGGRESSIVE }, { "ah", KW_AH },
	{ "auth", KW_AUTH }, { "authkey", KW_AUTHKEY }, { "bytes", KW_BYTES }, { "dpd", KW_DPD }, { "dstid", KW_DSTID },
	{ "dynamic", KW_DYNAMIC }, { "enc", KW_ENC }, { "enckey", KW_ENCKEY }, { "esn", KW_ESN },
	{ "esp", KW_ESP }, { "flow", KW_FLOW }, { "from", KW_FROM }, { "group", KW_GROUP },
	{ "hard", KW_HARD }, { "ike", KW_IKE }, { "in", KW_IN }, { "include", KW_INCLUDE },
	{ "interface", KW_INTERFACE }, { "ipcomp", KW_IPCOMP }, { "ipip", KW_IPIP },
	{ "lifetime", KW_LIFETIME },
	{ "local", KW_LOCAL }, { "main", KW_MAIN }, { "mark", KW_MARK }, { "out", KW_OUT },
	{ "passive", KW_PASSIVE },
	{ "peer", KW_PEER }, { "port", KW_PORT }, { "priority", KW_PRIORITY },
	{ "proto", KW_PROTO }, { "psk", KW_PSK }, { "quick", KW_QUICK }, { "replay", KW_REPLAY },
	{ "reqid", KW_REQID }, { "soft", KW_SOFT }, { "spi", KW_SPI }, { "srcid", KW_SRCID },
	{ "tag", KW_TAG }, { "tcpmd5", KW_TCPMD5 }, { "to", KW_TO },
	{ "transport", KW_TRANSPORT }, { "tunnel", KW_TUNNEL }, { "type", KW_TYPE },
	{ "udpencap", KW_UDPENCAP },
};

static int keyword_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct keyword *)elem)->name);
}

static enum kw keyword(const struct token *t)
{
	const struct keyword *k;

	if (!t || t->type != T_WORD)
		return KW_NONE;
	k = bsearch(t->text, keywords, sizeof(keywords) / sizeof(keywords[0]), sizeof(keywords[0]),
		    keyword_cmp);
	return k ? k->kw : KW_NONE;
}

/* For the unit tests: the first keyword bsearch cannot find, or NULL. */
const char *parse_keyword_misplaced(void)
{
	for (size_t i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++) {
		struct token t = { .type = T_WORD, .text = (char *)keywords[i].name };

		if (keyword(&t) != keywords[i].kw || (i && keywords[i].kw <= keywords[i - 1].kw))
			return keywords[i].name;
	}
	return NULL;
}

/* The next token is keyword kw: consumes it and returns it, else NULL. */
static const struct token *take(struct cur *c, enum kw kw)
{
	if (keyword(peek(c)) != kw)
		return NULL;
	return &c->t[c->i++];
}
/* Error at token t, or at the end of the statement when t is NULL. */
static int __attribute__((format(printf, 3, 4)))
err_at(struct cur *c, const struct token *t, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	conf_error(c->file, t ? t->line : c->end_line, "%s", msg);
	return -1;
}

/* A word argument of keyword kw; NULL (reported) if missing. */
static struct token *arg_word(struct cur *c, const char *kw)
{
	struct token *t = next(c);

	if (!t || t->type != T_WORD) {
		err_at(c, t, "%s needs a value", kw);
		return NULL;
	}
	return t;
}

/* Decimal, or hexadecimal after "0x"; never octal, never signed: 64 bits. */
static int parse_u64(const char *s, uint64_t *v)
{
	int base = 10;
	char *end;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || strspn(s, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(s))
		return -EINVAL;
	errno = 0;
	*v = strtoull(s, &end, base);
	return errno ? -ERANGE : 0;
}

/* The same, 32 bits. */
static int parse_u32(const char *s, uint32_t *v)
{
	uint64_t x;
	int err = parse_u64(s, &x);

	if (err)
		return err;
	if (x > UINT32_MAX)
		return -ERANGE;
	*v = (uint32_t)x;
	return 0;
}

static int number_arg(struct cur *c, const char *kw, uint32_t max, uint32_t *v)
{
	struct token *t = arg_word(c, kw);

	if (!t)
		return -1;
	if (parse_u32(t->text, v) || *v > max)
		return err_at(c, t, "bad %s \"%s\" (0-%u)", kw, t->text, max);
	return 0;
}

/* ---- rules ---- */

static int add_rule(struct ruleset *rs, const struct rule *r)
{
	/* The old block holds keys: kipsec_array_grow() wipes it. */
	if (kipsec_array_grow((void **)&rs->v, rs->n, &rs->cap, sizeof(*r), 64))
		return -ENOMEM;
	rs->v[rs->n++] = *r;
	return 0;
}

void ruleset_free(struct ruleset *rs)
{
	if (rs->v) {
		explicit_bzero(rs->v, rs->n * sizeof(*rs->v));
		free(rs->v);
	}
	rs->v = NULL;
	rs->n = rs->cap = 0;
}

/* ---- addresses ---- */

static const char *family_word(uint16_t family)
{
	return family == AF_INET6 ? "IPv6" : "IPv4";
}

/* A bare address (SA endpoints, local, peer). */
static int addr_arg(struct cur *c, const char *kw, struct kipsec_addr *a)
{
	struct token *t = arg_word(c, kw);

	if (!t)
		return -1;
	if (!strcmp(t->text, "any"))
		return err_at(c, t, "%s needs an address, not \"any\"", kw);
	if (strchr(t->text, '/'))
		return err_at(c, t, "%s needs an address, not a prefix: \"%s\"", kw, t->text);
	if (kipsec_parse_addr(t->text, a))
		return err_at(c, t, "bad address \"%s\"", t->text);
	return 0;
}

struct sel {
	bool any;
	struct kipsec_addr addr;
	uint8_t plen;
	uint32_t port;
	const struct token *port_tok;	/* the keyword "port" */
	const struct token *tok;
};

/* "any" | ADDR[/LEN], then an optional "port N". */
static int selector(struct cur *c, const char *kw, struct sel *s)
{
	struct token *t = arg_word(c, kw);
	char msg[256];

	if (!t)
		return -1;
	s->tok = t;
	if (!strcmp(t->text, "any")) {
		s->any = true;
	} else if (kipsec_parse_prefix(t->text, &s->addr, &s->plen, msg, sizeof(msg))) {
		return err_at(c, t, "%s", msg);
	}
	s->port_tok = take(c, KW_PORT);
	if (s->port_tok) {
		if (number_arg(c, "port", 65535, &s->port))
			return -1;
		if (!s->port)
			return err_at(c, s->port_tok, "port 0 means any port: leave it out");
	}
	return 0;
}

static int proto_arg(struct cur *c, uint8_t *proto)
{
	struct token *t = arg_word(c, "proto");
	int num;
	uint32_t v;

	if (!t)
		return -1;
	num = kipsec_proto_by_name(t->text);
	if (num >= 0) {
		*proto = (uint8_t)num;
		return 0;
	}
	if (parse_u32(t->text, &v) || v > 255)
		return err_at(c, t, "unknown protocol \"%s\" (tcp, udp, icmp, icmp6, sctp, gre or 0-255)",
			      t->text);
	*proto = (uint8_t)v;
	return 0;
}

/* ---- the pieces of grammar flows, SAs and ike rules share ---- */

/*
 * A rule's options come in any order, each at most once unless its entry
 * says it checks that itself (again); an unknown word is an error, or with
 * rule NULL (the algorithms after main or quick) the end of the list.  ctx starts with the rule's
 * seen[KW_MAX]: the keyword token of each option given, for messages.
 */
struct opt {
	int (*fn)(struct cur *c, const struct token *kw, void *ctx);
	bool again;
};

static int options(struct cur *c, const char *rule, const struct opt *table, void *ctx)
{
	const struct token **seen = ctx;
	struct token *t;

	while ((t = peek(c))) {
		enum kw k = keyword(t);

		if (!table[k].fn && !rule)
			return 0;	/* a phase's list (rule NULL) ends at another word */
		c->i++;
		if (!table[k].fn)
			return err_at(c, t, "%s: unexpected \"%s\"", rule, t->text ? t->text : "=");
		if (!table[k].again && seen[k])
			return err_at(c, t, "%s given twice", t->text);
		seen[k] = t;
		if (table[k].fn(c, t, ctx))
			return -1;
	}
	return 0;
}

/* The next word must be keyword kw (spelt w). */
static int expect(struct cur *c, const char *rule, enum kw kw, const char *w)
{
	struct token *t = next(c);

	if (keyword(t) == kw)
		return 0;
	return err_at(c, t, "%s: expected \"%s\"%s%s%s", rule, w, t ? ", got \"" : "",
		      t && t->text ? t->text : "", t ? "\"" : "");
}

/* What flows and ike rules share: selectors, protocol, tunnel endpoints. */
struct head {
	const struct token *seen[KW_MAX];	/* first: see options() */
	struct sel src, dst;
	const struct token *t_proto;
	uint8_t proto;
	struct kipsec_addr local, peer;
};

/* "[proto P] from S [port N] to D [port N]" */
static int flow_head(struct cur *c, const char *rule, struct head *h)
{
	h->t_proto = take(c, KW_PROTO);
	if (h->t_proto && proto_arg(c, &h->proto))
		return -1;
	if (expect(c, rule, KW_FROM, "from") || selector(c, "from", &h->src) ||
	    expect(c, rule, KW_TO, "to") || selector(c, "to", &h->dst))
		return -1;
	return 0;
}

static int opt_local(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return addr_arg(c, "local", &((struct head *)ctx)->local);
}

static int opt_peer(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return addr_arg(c, "peer", &((struct head *)ctx)->peer);
}

static int sel_families(struct cur *c, const struct head *h)
{
	if (!h->src.any && !h->dst.any && h->src.addr.family != h->dst.addr.family)
		return err_at(c, h->dst.tok, "from %s and to %s are of different address families",
			      h->src.tok->text, h->dst.tok->text);
	return 0;
}

/* The selectors' family: from the addresses, else the tunnel's, else fallback. */
static uint16_t head_family(const struct head *h, uint16_t fallback)
{
	return !h->src.any ? h->src.addr.family : !h->dst.any ? h->dst.addr.family : fallback;
}

/* ICMP of the right version; ports only for protocols that have them. */
static int proto_check(struct cur *c, const struct head *h, uint16_t family)
{
	if (h->proto == IPPROTO_ICMP && family == AF_INET6)
		return err_at(c, h->t_proto, "proto icmp in an IPv6 flow: use proto icmp6");
	if (h->proto == IPPROTO_ICMPV6 && family == AF_INET)
		return err_at(c, h->t_proto, "proto icmp6 in an IPv4 flow: use proto icmp");
	if ((h->src.port || h->dst.port) && h->proto != IPPROTO_TCP && h->proto != IPPROTO_UDP &&
	    h->proto != IPPROTO_SCTP)
		return err_at(c, h->src.port ? h->src.port_tok : h->dst.port_tok,
			      "port needs proto tcp, udp or sctp");
	return 0;
}

/* A parsed selector as the kernel and ipsecd take it: "any" is 0/0. */
static struct ike_sel sel_of(const struct sel *s, uint16_t family)
{
	struct ike_sel r = { .addr = { .family = family }, .port = (uint16_t)s->port };

	if (!s->any) {
		r.addr = s->addr;
		r.plen = s->plen;
	}
	return r;
}

/* The KIPSEC_MODE_* of the keyword "tunnel" or "transport". */
static uint8_t mode_of(enum kw kw)
{
	return kw == KW_TUNNEL ? KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT;
}

/* ---- flow ---- */

#define TYPE_REQUIRE	1
#define TYPE_USE	2
#define TYPE_BYPASS	3
#define TYPE_DENY	4

struct flow_ctx {
	struct head h;			/* first: see options() */
	uint8_t sa_proto, mode, dirs;	/* dirs 0: both */
	const struct token *t_mode;
	uint32_t prio, reqid;
	int type;
};

static int flow_type(struct cur *c, const struct token *kw, void *ctx)
{
	static const char *const names[] = {
		[TYPE_REQUIRE] = "require", [TYPE_USE] = "use",
		[TYPE_BYPASS] = "bypass", [TYPE_DENY] = "deny",
	};
	struct flow_ctx *x = ctx;
	struct token *v = arg_word(c, kw->text);

	if (!v)
		return -1;
	for (int i = TYPE_REQUIRE; i <= TYPE_DENY; i++) {
		if (!strcmp(v->text, names[i])) {
			x->type = i;
			return 0;
		}
	}
	return err_at(c, v, "unknown flow type \"%s\" (require, use, bypass or deny)", v->text);
}

static int flow_mode(struct cur *c, const struct token *kw, void *ctx)
{
	struct flow_ctx *x = ctx;

	if (x->t_mode)
		return err_at(c, kw, "mode (tunnel/transport) given twice");
	x->t_mode = kw;
	x->mode = mode_of(keyword(kw));
	return 0;
}

static int flow_prio(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return number_arg(c, "priority", UINT32_MAX, &((struct flow_ctx *)ctx)->prio);
}

static int flow_reqid(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return number_arg(c, "reqid", UINT32_MAX, &((struct flow_ctx *)ctx)->reqid);
}

static int flow_late_dir(struct cur *c, const struct token *kw, void *ctx)
{
	(void)ctx;
	return err_at(c, kw, "the direction (in/out) comes right after \"flow esp|ah\"");
}

static const struct opt flow_opts[KW_MAX] = {
	[KW_LOCAL] = { opt_local }, [KW_PEER] = { opt_peer }, [KW_TYPE] = { flow_type },
	[KW_TUNNEL] = { flow_mode, true }, [KW_TRANSPORT] = { flow_mode, true },
	[KW_PRIORITY] = { flow_prio }, [KW_REQID] = { flow_reqid },
	[KW_IN] = { flow_late_dir, true }, [KW_OUT] = { flow_late_dir, true },
};

/* The tunnel endpoints against the type and the mode (ipsec.conf(5)). */
static int flow_check_sa(struct cur *c, struct flow_ctx *x)
{
	const struct token *t_local = x->h.seen[KW_LOCAL], *t_peer = x->h.seen[KW_PEER];

	if (x->type == TYPE_BYPASS || x->type == TYPE_DENY) {
		const struct token *t = t_peer ? t_peer : t_local ? t_local :
					x->t_mode ? x->t_mode : x->h.seen[KW_REQID];

		if (t)
			return err_at(c, t, "type %s takes no %s: no SA is involved",
				      x->type == TYPE_BYPASS ? "bypass" : "deny", t->text);
		return 0;
	}
	if (!x->mode) {
		if (t_local && !t_peer)
			return err_at(c, t_local, "local needs a peer");
		x->mode = t_peer ? KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT;
	}
	if (x->mode == KIPSEC_MODE_TUNNEL && !t_peer)
		return err_at(c, x->t_mode, "tunnel mode needs a peer (the remote tunnel endpoint)");
	if (x->mode == KIPSEC_MODE_TRANSPORT && (t_peer || t_local))
		return err_at(c, t_peer ? t_peer : t_local,
			      "transport mode takes no %s: the flow's own addresses are the endpoints",
			      t_peer ? "peer" : "local");
	return 0;
}

static int flow_check(struct cur *c, struct flow_ctx *x, uint16_t *family)
{
	const struct token *t_local = x->h.seen[KW_LOCAL], *t_peer = x->h.seen[KW_PEER];

	if (sel_families(c, &x->h))
		return -1;
	if (t_local && t_peer && x->h.local.family != x->h.peer.family) {
		char l[KIPSEC_ADDR_STRLEN], p[KIPSEC_ADDR_STRLEN];

		/* t_local and t_peer are the keywords: name the addresses. */
		return err_at(c, t_peer, "local %s and peer %s are of different address families",
			      kipsec_addr_ntop(&x->h.local, l, sizeof(l)),
			      kipsec_addr_ntop(&x->h.peer, p, sizeof(p)));
	}
	*family = head_family(&x->h, t_peer ? x->h.peer.family :
				     t_local ? x->h.local.family : AF_INET);
	if (proto_check(c, &x->h, *family))
		return -1;
	return flow_check_sa(c, x);
}

/* The flow's policies: out and in mirrored, or the one direction given. */
static int flow_build(struct cur *c, struct ruleset *rs, unsigned int line,
		      const struct flow_ctx *x, uint16_t family)
{
	static const uint8_t actions[] = {
		[TYPE_REQUIRE] = KIPSEC_ACTION_PROTECT, [TYPE_USE] = KIPSEC_ACTION_PROTECT,
		[TYPE_BYPASS] = KIPSEC_ACTION_BYPASS, [TYPE_DENY] = KIPSEC_ACTION_DISCARD,
	};
	const struct kipsec_flow f = {
		.src = sel_of(&x->h.src, family), .dst = sel_of(&x->h.dst, family),
		.proto = x->h.proto, .action = actions[x->type],
		.level = x->type == TYPE_USE ? KIPSEC_LEVEL_USE : KIPSEC_LEVEL_REQUIRE,
		.sa_proto = x->sa_proto, .mode = x->mode, .priority = x->prio, .reqid = x->reqid,
		.local = x->h.local, .peer = x->h.peer,
	};
	struct kipsec_policy p[2];
	int n = kipsec_flow_policies(&f, x->dirs, p);

	for (int i = 0; i < n; i++) {
		struct rule r = { .kind = RULE_FLOW, .line = line, .u.pol = p[i] };

		if (add_rule(rs, &r))
			return err_at(c, NULL, "out of memory");
	}
	return 0;
}

/*
 * flow [esp|ah] [in|out] [proto P] from S [port N] to D [port N]
 *      [local A] [peer A] [type T] [tunnel|transport] [priority N] [reqid N]
 */
static int parse_flow(struct cur *c, struct ruleset *rs, unsigned int line)
{
	struct flow_ctx x = {
		.sa_proto = IPPROTO_ESP, .prio = DEFAULT_PRIORITY, .type = TYPE_REQUIRE,
	};
	uint16_t family = AF_INET;

	if (take(c, KW_AH))
		x.sa_proto = IPPROTO_AH;
	else
		take(c, KW_ESP);
	if (take(c, KW_IN))
		x.dirs = KIPSEC_DIR_IN;
	else if (take(c, KW_OUT))
		x.dirs = KIPSEC_DIR_OUT;
	if (flow_head(c, "flow", &x.h) || options(c, "flow", flow_opts, &x) ||
	    flow_check(c, &x, &family))
		return -1;
	return flow_build(c, rs, line, &x, family);
}

/* ---- manual SAs ---- */

/*
 * Pieces of a value that may be split by ':' ("0x1000:0x1001",
 * "file \"a\":file \"b\"").  A ':' is its own piece whether or not it is
 * written apart from its neighbours.
 */
enum piece_type { P_END, P_WORD, P_STRING, P_COLON };

struct piece {
	enum piece_type type;
	const struct token *tok;
	char text[4096];
};

static void next_piece(struct cur *c, struct piece *p)
{
	const struct token *t = peek(c);
	const char *s, *colon;
	size_t n;

	p->tok = t;
	p->text[0] = '\0';
	if (!t || (t->type != T_WORD && t->type != T_STRING)) {
		p->type = P_END;
		return;
	}
	if (t->type == T_STRING) {
		p->type = P_STRING;
		snprintf(p->text, sizeof(p->text), "%s", t->text);
		c->i++;
		c->off = 0;
		return;
	}
	s = t->text + c->off;
	if (*s == ':') {
		p->type = P_COLON;
		n = 1;
	} else {
		colon = strchr(s, ':');
		n = colon ? (size_t)(colon - s) : strlen(s);
		p->type = P_WORD;
		snprintf(p->text, sizeof(p->text), "%.*s", (int)n, s);
	}
	c->off += n;
	if (!t->text[c->off]) {
		c->i++;
		c->off = 0;
	}
}

static bool colon_next(struct cur *c)
{
	const struct token *t = peek(c);

	return t && t->type == T_WORD && t->text[c->off] == ':';
}

/*
 * Reads a key file: hexadecimal, "0x" optional, white space ignored.  A
 * relative path is relative to the directory of the configuration file, so
 * that a file and its keys can move together (stdin: the current directory).
 */
static int key_file(struct cur *c, const struct piece *pc, uint8_t *key, uint32_t *len)
{
	char *buf = malloc(KEY_FILE_MAX + 1);
	char path[PATH_MAX];
	ssize_t n = 0, r;
	int fd, saved, k;

	if (!buf)
		return err_at(c, pc->tok, "out of memory");
	if ((size_t)snprintf(path, sizeof(path), "%s%s", pc->text[0] == '/' ? "" : c->dir,
			     pc->text) >= sizeof(path)) {
		free(buf);
		return err_at(c, pc->tok, "key file path too long");
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		free(buf);
		return err_at(c, pc->tok, "cannot read key file \"%s\": %s", path, strerror(errno));
	}
	while (n < KEY_FILE_MAX && (r = read(fd, buf + n, (size_t)(KEY_FILE_MAX - n))) != 0) {
		if (r < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			explicit_bzero(buf, (size_t)n);
			free(buf);
			return err_at(c, pc->tok, "cannot read key file \"%s\": %s", path,
				      strerror(saved));
		}
		n += r;
	}
	close(fd);
	if (n == KEY_FILE_MAX) {	/* no key is this long, white space or not */
		explicit_bzero(buf, (size_t)n);
		free(buf);
		return err_at(c, pc->tok, "key file \"%s\" is too large", path);
	}
	buf[n] = '\0';
	k = kipsec_parse_hex(buf, key, KIPSEC_KEY_MAX, KIPSEC_HEX_FILE);
	explicit_bzero(buf, (size_t)n);
	free(buf);
	if (k == -E2BIG)
		return err_at(c, pc->tok, "key in \"%s\" is longer than %d bytes", path,
			      KIPSEC_KEY_MAX);
	if (k < 0)
		return err_at(c, pc->tok, "key file \"%s\" does not hold a hexadecimal key", path);
	*len = (uint32_t)k;
	return 0;
}

struct keyspec {
	const struct token *tok;	/* the keyword, for messages */
	int n;
	uint8_t key[2][KIPSEC_KEY_MAX];
	uint32_t len[2];
};

/* KEY[:KEY2], KEY = 0xHEX | file "path" */
static int parse_keys(struct cur *c, const char *kw, struct keyspec *ks)
{
	struct piece p;
	int r = -1;

	ks->tok = &c->t[c->i - 1];
	for (;;) {
		int k;

		next_piece(c, &p);
		if (p.type == P_WORD && !strcmp(p.text, "file")) {
			struct piece path;

			next_piece(c, &path);
			if (path.type != P_STRING) {
				err_at(c, path.tok, "%s file needs a quoted path: file \"/path\"", kw);
				goto out;
			}
			if (key_file(c, &path, ks->key[ks->n], &ks->len[ks->n]))
				goto out;
			explicit_bzero(path.text, sizeof(path.text));
		} else if (p.type == P_WORD) {
			k = kipsec_parse_hex(p.text, ks->key[ks->n], KIPSEC_KEY_MAX, KIPSEC_HEX_PREFIX);
			if (k == -E2BIG) {
				err_at(c, p.tok, "%s is longer than %d bytes", kw, KIPSEC_KEY_MAX);
				goto out;
			}
			if (k < 0) {
				err_at(c, p.tok, "%s must be 0x followed by hexadecimal digits (two per byte) or file \"path\"",
				       kw);
				goto out;
			}
			ks->len[ks->n] = (uint32_t)k;
		} else {
			err_at(c, p.tok, "%s needs a key: 0xHEX or file \"path\"", kw);
			goto out;
		}
		ks->n++;
		if (!colon_next(c))
			break;
		next_piece(c, &p);	/* the ':' */
		if (ks->n == 2) {
			err_at(c, p.tok, "%s: at most two keys (KEY:KEY2)", kw);
			goto out;
		}
	}
	r = 0;
out:
	explicit_bzero(p.text, sizeof(p.text));
	return r;
}

static int parse_spis(struct cur *c, uint32_t spi[2], int *n)
{
	const struct token *kw = &c->t[c->i - 1];
	struct piece p;

	*n = 0;
	for (;;) {
		next_piece(c, &p);
		if (p.type != P_WORD)
			return err_at(c, p.tok ? p.tok : kw, "spi needs a value: spi 0xSPI[:0xSPI2]");
		if (parse_u32(p.text, &spi[*n]))
			return err_at(c, p.tok, "bad spi \"%s\" (a 32-bit number)", p.text);
		/* 1-255 are reserved by IANA, 0 is never sent (RFC 4303 §2.1). */
		if (spi[*n] < 256)
			return err_at(c, p.tok, "spi %s is reserved: use 256 (0x100) or more (RFC 4303 §2.1)",
				      p.text);
		(*n)++;
		if (!colon_next(c))
			return 0;
		next_piece(c, &p);
		if (*n == 2)
			return err_at(c, p.tok, "spi: at most two SPIs (SPI:SPI2)");
	}
}

static const struct kipsec_alg_desc *alg_arg(struct cur *c, enum kipsec_alg_kind kind)
{
	const char *kw = kind == KIPSEC_ALG_ENC ? "enc" : "auth";
	struct token *t = arg_word(c, kw);
	const struct kipsec_alg_desc *d;

	if (!t)
		return NULL;
	d = kipsec_alg_by_name(t->text, kind);
	if (!d)
		err_at(c, t, "unknown %s algorithm \"%s\"",
		       kind == KIPSEC_ALG_ENC ? "encryption" : "authentication", t->text);
	return d;
}

static int check_keys(struct cur *c, const char *kw, const struct keyspec *ks,
		      const struct kipsec_alg_desc *d, int nspi, const struct token *alg_tok)
{
	if (!d->key_len) {
		if (ks->n)
			return err_at(c, ks->tok, "%s given, but %s takes no key", kw, d->name);
		return 0;
	}
	if (!ks->n)
		return err_at(c, alg_tok, "%s needs %s (%u bytes)", d->name, kw, d->key_len);
	for (int i = 0; i < ks->n; i++)
		if (ks->len[i] != d->key_len)
			return err_at(c, ks->tok, "%s%s for %s must be %u bytes, got %u",
				      kw, ks->n == 2 ? (i ? " (second)" : " (first)") : "", d->name,
				      d->key_len, ks->len[i]);
	if (ks->n == 2 && nspi == 1)
		return err_at(c, ks->tok, "two %ss but only one spi", kw);
	/* Each direction counts its sequence numbers from 1: one AEAD key for
	 * both would repeat nonces (RFC 4106 §3.1, RFC 7634 §2). */
	if (ks->n == 1 && nspi == 2 && d->aead)
		return err_at(c, ks->tok, "%s with two SPIs needs two keys (%s KEY1:KEY2): one %s key in both directions repeats nonces",
			      d->name, kw, d->name);
	return 0;
}

static void set_alg(struct kipsec_alg *a, const struct kipsec_alg_desc *d, const uint8_t *key,
		    uint32_t len)
{
	snprintf(a->name, sizeof(a->name), "%s", d->kname);
	if (len)
		memcpy(a->key, key, len);
	a->key_len = len;
	a->icv_len = d->icv_len;
}

/*
 * soft|hard LIMIT N [LIMIT N ...], LIMIT = bytes | packets | seconds (since
 * the SA was added) | use-seconds (since its first packet): RFC 4301
 * §4.4.2.1.  A soft limit warns (EXPIRE, rekey), a hard one ends the SA.
 */
static int parse_lifetime(struct cur *c, const char *kw, struct kipsec_lifetime *lt)
{
	static const struct {
		const char *name;
		size_t off;
	} limits[] = {
		{ "bytes", offsetof(struct kipsec_lifetime, bytes) },
		{ "packets", offsetof(struct kipsec_lifetime, packets) },
		{ "seconds", offsetof(struct kipsec_lifetime, add_secs) },
		{ "use-seconds", offsetof(struct kipsec_lifetime, use_secs) },
	};
	bool any = false;

	for (;;) {
		struct token *t = peek(c), *v;
		uint64_t *field;
		size_t i;

		for (i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
			if (is_word(t, limits[i].name))
				break;
		if (i == sizeof(limits) / sizeof(limits[0]))
			break;
		c->i++;
		v = arg_word(c, limits[i].name);
		if (!v)
			return -1;
		field = (uint64_t *)((char *)lt + limits[i].off);
		if (*field)
			return err_at(c, t, "%s %s given twice", kw, limits[i].name);
		if (parse_u64(v->text, field) || !*field)
			return err_at(c, v, "bad %s %s \"%s\" (a number above 0)", kw,
				      limits[i].name, v->text);
		any = true;
	}
	if (!any)
		return err_at(c, peek(c), "%s needs a limit: bytes, packets, seconds or use-seconds N",
			      kw);
	return 0;
}

struct sa_ctx {
	const struct token *seen[KW_MAX];	/* first: see options() */
	uint8_t proto, mode;
	const char *pname;
	uint32_t spi[2];
	int nspi;
	const struct kipsec_alg_desc *enc, *auth;
	struct keyspec ek, ak;
	uint32_t replay, reqid;
	uint32_t mark, mark_mask;
	uint32_t encap_sport;		/* udpencap: our UDP port (4500) */
	uint32_t encap_port;		/* udpencap: the peer's UDP port */
	uint32_t ifindex;
	struct kipsec_lifetime soft, hard;
};

static int sa_spi(struct cur *c, const struct token *kw, void *ctx)
{
	struct sa_ctx *x = ctx;

	(void)kw;
	return parse_spis(c, x->spi, &x->nspi);
}

static int sa_alg(struct cur *c, const struct token *kw, void *ctx)
{
	struct sa_ctx *x = ctx;

	if (keyword(kw) == KW_ENC)
		return (x->enc = alg_arg(c, KIPSEC_ALG_ENC)) ? 0 : -1;
	return (x->auth = alg_arg(c, KIPSEC_ALG_AUTH)) ? 0 : -1;
}

static int sa_key(struct cur *c, const struct token *kw, void *ctx)
{
	struct sa_ctx *x = ctx;

	return parse_keys(c, kw->text, keyword(kw) == KW_ENCKEY ? &x->ek : &x->ak);
}

static int sa_replay(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return number_arg(c, "replay", KIPSEC_REPLAY_WINDOW_MAX, &((struct sa_ctx *)ctx)->replay);
}

static int sa_esn(struct cur *c, const struct token *kw, void *ctx)
{
	(void)c, (void)kw, (void)ctx;
	return 0;	/* seen[KW_ESN] is the flag */
}

static int sa_reqid(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return number_arg(c, "reqid", UINT32_MAX, &((struct sa_ctx *)ctx)->reqid);
}

/* "mark N[/MASK]": the mark of what the SA decrypts, all 32 bits by default. */
static int sa_mark(struct cur *c, const struct token *kw, void *ctx)
{
	struct sa_ctx *x = ctx;
	struct token *t = arg_word(c, "mark");
	char *slash, buf[32];

	(void)kw;
	if (!t)
		return -1;
	if (strlen(t->text) >= sizeof(buf))
		return err_at(c, t, "bad mark \"%s\" (N or N/MASK, 32 bits each)", t->text);
	strcpy(buf, t->text);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	x->mark_mask = UINT32_MAX;
	if (parse_u32(buf, &x->mark) || (slash && parse_u32(slash, &x->mark_mask)))
		return err_at(c, t, "bad mark \"%s\" (N or N/MASK, 32 bits each)", t->text);
	if (!x->mark_mask)
		return err_at(c, t, "mark \"%s\": a mask of 0 sets nothing", t->text);
	if (x->mark & ~x->mark_mask)
		return err_at(c, t, "mark \"%s\": the mark has bits outside its mask", t->text);
	return 0;
}

/* One port of "udpencap SPORT:DPORT", 1-65535. */
static int encap_port_piece(struct cur *c, const struct token *kw, uint32_t *v)
{
	struct piece p;

	next_piece(c, &p);
	if (p.type != P_WORD || parse_u32(p.text, v) || !*v || *v > UINT16_MAX)
		return err_at(c, p.tok ? p.tok : kw,
			      "bad udpencap ports (udpencap [port N] or udpencap SPORT:DPORT, 1-65535)");
	return 0;
}

/* "udpencap SPORT:DPORT", the canonical form: the first SA's own ports. */
static int encap_ports(struct cur *c, const struct token *kw, struct sa_ctx *x)
{
	struct piece colon;

	if (encap_port_piece(c, kw, &x->encap_sport))
		return -1;
	if (!colon_next(c))
		return err_at(c, kw, "udpencap SPORT:DPORT needs both ports");
	next_piece(c, &colon);
	return encap_port_piece(c, kw, &x->encap_port);
}

/*
 * "udpencap [port N]": ESP in UDP (RFC 3948), from our port 4500 to the
 * peer's N (4500 unless a NAT in front of the peer maps it elsewhere).
 */
static int sa_udpencap(struct cur *c, const struct token *kw, void *ctx)
{
	struct sa_ctx *x = ctx;
	const struct token *t = peek(c);

	if (x->proto != IPPROTO_ESP)
		return err_at(c, kw, "udpencap is for esp only: RFC 3948 encapsulates ESP, not AH");
	x->encap_sport = KIPSEC_ENCAP_PORT;
	x->encap_port = KIPSEC_ENCAP_PORT;
	if (t && t->type == T_WORD && isdigit((unsigned char)t->text[c->off]))
		return encap_ports(c, kw, x);
	if (!take(c, KW_PORT))
		return 0;
	if (number_arg(c, "port", UINT16_MAX, &x->encap_port))
		return -1;
	if (!x->encap_port)
		return err_at(c, NULL, "udpencap: port 0 is no port (1-65535)");
	return 0;
}

/*
 * "interface NAME": a route-based tunnel (ip link add NAME type kipsec).
 * The name is resolved now, so that a missing interface is reported at its
 * line; the kernel refuses one that is not kipsec's.
 */
static int iface_arg(struct cur *c, uint32_t *ifindex)
{
	struct token *t = arg_word(c, "interface");

	if (!t)
		return -1;
	if (strlen(t->text) >= IF_NAMESIZE)
		return err_at(c, t, "interface name \"%s\" is too long", t->text);
	*ifindex = if_nametoindex(t->text);
	if (!*ifindex)
		return err_at(c, t, "no interface \"%s\" (ip link add %s type kipsec)", t->text,
			      t->text);
	return 0;
}

static int sa_iface(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return iface_arg(c, &((struct sa_ctx *)ctx)->ifindex);
}

static int sa_life(struct cur *c, const struct token *kw, void *ctx)
{
	struct sa_ctx *x = ctx;

	return parse_lifetime(c, kw->text, keyword(kw) == KW_SOFT ? &x->soft : &x->hard);
}

static int sa_late_mode(struct cur *c, const struct token *kw, void *ctx)
{
	return err_at(c, kw, "the mode (tunnel/transport) comes right after \"%s\"",
		      ((struct sa_ctx *)ctx)->pname);
}

static const struct opt sa_opts[KW_MAX] = {
	[KW_SPI] = { sa_spi }, [KW_ENC] = { sa_alg }, [KW_AUTH] = { sa_alg },
	[KW_ENCKEY] = { sa_key }, [KW_AUTHKEY] = { sa_key }, [KW_REPLAY] = { sa_replay },
	[KW_ESN] = { sa_esn }, [KW_REQID] = { sa_reqid }, [KW_SOFT] = { sa_life },
	[KW_HARD] = { sa_life }, [KW_MARK] = { sa_mark }, [KW_UDPENCAP] = { sa_udpencap },
	[KW_INTERFACE] = { sa_iface },
	[KW_TUNNEL] = { sa_late_mode, true }, [KW_TRANSPORT] = { sa_late_mode, true },
};

/* "from A to B": an SA's endpoints are bare addresses of one family. */
static int sa_hosts(struct cur *c, struct sa_ctx *x, struct kipsec_addr *from,
		    struct kipsec_addr *to)
{
	const struct token *t_from, *t_to;

	if (expect(c, x->pname, KW_FROM, "from"))
		return -1;
	t_from = peek(c);
	if (addr_arg(c, "from", from) || expect(c, x->pname, KW_TO, "to"))
		return -1;
	t_to = peek(c);
	if (addr_arg(c, "to", to))
		return -1;
	if (from->family != to->family)
		return err_at(c, t_to, "from %s and to %s are of different address families (%s, %s)",
			      t_from->text, t_to->text, family_word(from->family),
			      family_word(to->family));
	return 0;
}

/* The algorithms against the protocol, with OpenBSD's defaults. */
static int sa_check_algs(struct cur *c, struct sa_ctx *x)
{
	const struct token *t_enc = x->seen[KW_ENC], *t_auth = x->seen[KW_AUTH];

	if (x->proto == IPPROTO_AH) {
		if (t_enc || x->seen[KW_ENCKEY])
			return err_at(c, t_enc ? t_enc : x->seen[KW_ENCKEY],
				      "ah takes no encryption: AH only authenticates (RFC 4302)");
	} else if (!x->enc) {
		x->enc = kipsec_alg_by_name("aes", KIPSEC_ALG_ENC);
	}
	if (x->enc && x->enc->aead) {
		if (t_auth || x->seen[KW_AUTHKEY])
			return err_at(c, t_auth ? t_auth : x->seen[KW_AUTHKEY],
				      "%s is an AEAD cipher: it authenticates by itself, no auth (%s)",
				      x->enc->name, x->enc->ref);
	} else if (!x->auth) {
		x->auth = kipsec_alg_by_name("hmac-sha2-256", KIPSEC_ALG_AUTH);
	}
	/* From here on auth is unset only for an AEAD, which took no authkey. */
	if (x->enc && check_keys(c, "enckey", &x->ek, x->enc, x->nspi, t_enc))
		return -1;
	if (x->auth && check_keys(c, "authkey", &x->ak, x->auth, x->nspi, t_auth))
		return -1;
	return 0;
}

static int sa_check(struct cur *c, struct sa_ctx *x)
{
	const struct kipsec_lifetime *s = &x->soft, *h = &x->hard;

	if (!x->seen[KW_SPI])
		return err_at(c, NULL, "%s SA needs an spi", x->pname);
	if (x->ifindex && x->mode != KIPSEC_MODE_TUNNEL)
		return err_at(c, x->seen[KW_INTERFACE], "an interface's SA is in tunnel mode");
	/* A soft limit comes before its hard one, or it warns of nothing. */
	if ((s->bytes && h->bytes && s->bytes > h->bytes) ||
	    (s->packets && h->packets && s->packets > h->packets) ||
	    (s->add_secs && h->add_secs && s->add_secs > h->add_secs) ||
	    (s->use_secs && h->use_secs && s->use_secs > h->use_secs))
		return err_at(c, x->seen[KW_SOFT], "a soft lifetime limit is above its hard limit");
	return sa_check_algs(c, x);
}

/* Key i of a keyspec: the second SPI's own key, or the one key of both. */
static void sa_set_alg(struct kipsec_alg *a, const struct kipsec_alg_desc *d,
		       const struct keyspec *ks, int i)
{
	int k = ks->n == 2 ? i : 0;

	set_alg(a, d, ks->key[k], ks->n ? ks->len[k] : 0);
}

/* One SA per SPI: the second SPI names the reverse SA (OpenBSD "spi A:B"). */
static int sa_build(struct cur *c, struct ruleset *rs, unsigned int line,
		    const struct sa_ctx *x, const struct kipsec_addr *from,
		    const struct kipsec_addr *to)
{
	for (int i = 0; i < x->nspi; i++) {
		struct rule rl = { .kind = RULE_SA, .line = line };
		struct kipsec_sa *sa = &rl.u.sa;
		int err;

		sa->src = i ? *to : *from;
		sa->dst = i ? *from : *to;
		sa->spi = x->spi[i];
		sa->proto = x->proto;
		sa->mode = x->mode;
		sa->reqid = x->reqid;
		sa->replay_window = x->replay;
		sa->flags = x->seen[KW_ESN] ? KIPSEC_SA_F_ESN : 0;
		sa->mark = x->mark;
		sa->mark_mask = x->mark_mask;
		/* "from" is this host: ours is 4500, the peer's the port given. */
		if (x->encap_port) {
			sa->encap_sport = i ? x->encap_port : x->encap_sport;
			sa->encap_dport = i ? x->encap_sport : x->encap_port;
		}
		sa->ifindex = x->ifindex;
		sa->soft = x->soft;
		sa->hard = x->hard;
		if (x->enc)
			sa_set_alg(&sa->enc, x->enc, &x->ek, i);
		if (x->auth)
			sa_set_alg(&sa->auth, x->auth, &x->ak, i);
		err = add_rule(rs, &rl);
		kipsec_sa_wipe(sa);
		if (err)
			return err_at(c, NULL, "out of memory");
	}
	return 0;
}

/*
 * esp|ah [tunnel|transport] from A to B spi S[:S2] [enc E] [auth A]
 *        [enckey K[:K2]] [authkey K[:K2]] [replay N] [esn] [reqid N]
 *        [mark N[/MASK]] [udpencap [port N | SPORT:DPORT]] [interface NAME]
 *        [soft LIMITS] [hard LIMITS]
 */
static int parse_sa(struct cur *c, struct ruleset *rs, uint8_t proto, unsigned int line)
{
	struct kipsec_addr from, to;
	struct sa_ctx *x = calloc(1, sizeof(*x));	/* keys: not on the stack */
	int r = -1;

	if (!x)
		return err_at(c, NULL, "out of memory");
	x->proto = proto;
	x->pname = proto == IPPROTO_ESP ? "esp" : "ah";
	x->replay = KIPSEC_REPLAY_WINDOW_DEFAULT;
	x->mode = KIPSEC_MODE_TUNNEL;	/* OpenBSD's default for manual SAs */
	if (take(c, KW_TRANSPORT))
		x->mode = KIPSEC_MODE_TRANSPORT;
	else
		take(c, KW_TUNNEL);
	if (!sa_hosts(c, x, &from, &to) && !options(c, x->pname, sa_opts, x) && !sa_check(c, x))
		r = sa_build(c, rs, line, x, &from, &to);
	explicit_bzero(x, sizeof(*x));
	free(x);
	return r;
}

/* ---- ike rules (for ipsecd) ---- */

#define IKE_P1_LIFETIME	3600	/* OpenBSD's defaults (ipsec.conf(5)) */
#define IKE_P2_LIFETIME	1200

/* "psk file": the key is the file's bytes, one trailing line end dropped. */
static int psk_file(struct cur *c, const struct token *t, struct ike_rule *r)
{
	char path[PATH_MAX];
	uint8_t buf[IKE_PSK_MAX + 3];
	ssize_t n = 0, got;
	int fd, saved;

	if ((size_t)snprintf(path, sizeof(path), "%s%s", t->text[0] == '/' ? "" : c->dir,
			     t->text) >= sizeof(path))
		return err_at(c, t, "psk file path too long");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_at(c, t, "cannot read psk file \"%s\": %s", path, strerror(errno));
	while ((size_t)n < sizeof(buf) && (got = read(fd, buf + n, sizeof(buf) - (size_t)n)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			saved = errno;
			close(fd);
			explicit_bzero(buf, sizeof(buf));
			return err_at(c, t, "cannot read psk file \"%s\": %s", path, strerror(saved));
		}
		n += got;
	}
	close(fd);
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (n > IKE_PSK_MAX) {
		explicit_bzero(buf, sizeof(buf));
		return err_at(c, t, "psk in \"%s\" is longer than %d bytes", path, IKE_PSK_MAX);
	}
	if (n == 0)
		return err_at(c, t, "psk file \"%s\" is empty", path);
	memcpy(r->psk, buf, (size_t)n);
	r->psk_len = (uint32_t)n;
	explicit_bzero(buf, sizeof(buf));
	return 0;
}

static int ike_psk(struct cur *c, struct ike_rule *r)
{
	struct token *t = next(c);
	size_t len;

	if (is_word(t, "file")) {
		t = next(c);
		if (!t || t->type != T_STRING)
			return err_at(c, t, "psk file needs a quoted path: psk file \"/path\"");
		return psk_file(c, t, r);
	}
	if (!t || (t->type != T_STRING && t->type != T_WORD))
		return err_at(c, t, "psk needs a key: psk \"secret\" or psk file \"path\"");
	len = strlen(t->text);
	if (!len)
		return err_at(c, t, "psk must not be empty");
	if (len > IKE_PSK_MAX)
		return err_at(c, t, "psk is longer than %d bytes", IKE_PSK_MAX);
	memcpy(r->psk, t->text, len);
	r->psk_len = (uint32_t)len;
	return 0;
}

/*
 * One phase's algorithms: main|quick [auth X] [enc X] [group X] [lifetime N]
 * and, in quick mode, [bytes SIZE].
 */
struct phase {
	const struct token *seen[KW_MAX];	/* first: see options() */
	bool quick, aggressive, no_group;
	const struct ike_hash_desc *auth;
	const struct ike_enc_desc *enc;
	const struct ike_group_desc *group;
	uint32_t life;
	uint32_t life_kb;
};

static const char *phase_name(const struct phase *ph)
{
	return ph->quick ? "quick" : ph->aggressive ? "aggressive" : "main";
}

/* auth X | enc X: the names of the phase's own algorithm tables. */
static int phase_alg(struct cur *c, const struct token *kw, void *ctx)
{
	struct phase *ph = ctx;
	struct token *v = arg_word(c, kw->text);
	const char *list;
	bool known;

	if (!v)
		return -1;
	if (keyword(kw) == KW_ENC) {
		ph->enc = ph->quick ? ike_p2_enc_by_name(v->text) : ike_p1_enc_by_name(v->text);
		known = ph->enc;
		list = ph->quick ? ike_p2_enc_list() : ike_p1_enc_list();
	} else {
		ph->auth = ph->quick ? ike_p2_auth_by_name(v->text) : ike_p1_hash_by_name(v->text);
		known = ph->auth;
		list = ph->quick ? ike_p2_auth_list() : ike_p1_hash_list();
	}
	if (!known)
		return err_at(c, v, "unknown %s %s algorithm \"%s\" (%s)", phase_name(ph), kw->text,
			      v->text, list);
	return 0;
}

static int phase_group(struct cur *c, const struct token *kw, void *ctx)
{
	struct phase *ph = ctx;
	struct token *v = arg_word(c, kw->text);

	if (!v)
		return -1;
	if (!strcmp(v->text, "none")) {
		if (!ph->quick)
			return err_at(c, v, "%s mode needs a Diffie-Hellman group (%s)",
				      phase_name(ph), "modp1024 or better");
		ph->no_group = true;
	} else if (!(ph->group = ike_group_by_name(v->text))) {
		return err_at(c, v, "unknown group \"%s\" (%s)", v->text, ike_group_list());
	}
	return 0;
}

static int phase_life(struct cur *c, const struct token *kw, void *ctx)
{
	struct phase *ph = ctx;

	if (number_arg(c, "lifetime", UINT32_MAX, &ph->life))
		return -1;
	if (ph->life < 10)
		return err_at(c, kw, "%s lifetime %u is too short (10 seconds or more)",
			      phase_name(ph), ph->life);
	return 0;
}

/*
 * SIZE = N[K|M|G] bytes (powers of 1024), into kilobytes: the unit IKE
 * carries (RFC 2407 §4.5, SA Life Type 2), rounded down.  0, or -EINVAL
 * (not a size), -ERANGE (too big for 32 bits of kilobytes), -EDOM (under
 * 1K, 0 included).
 */
static int parse_size_kb(const char *s, uint32_t *kb)
{
	static const char units[] = "KMG";
	size_t n = strspn(s, "0123456789");
	uint64_t v, mult = 1;
	const char *u;
	char digits[24];

	if (!n || n >= sizeof(digits) || (s[n] && s[n + 1]))
		return -EINVAL;
	if (s[n]) {
		u = strchr(units, toupper((unsigned char)s[n]));
		if (!u || !*u)
			return -EINVAL;
		mult = 1ULL << (10 * (u - units + 1));
	}
	memcpy(digits, s, n);
	digits[n] = 0;
	if (parse_u64(digits, &v) || v > UINT64_MAX / mult || v * mult / 1024 > UINT32_MAX)
		return -ERANGE;
	if (v * mult < 1024)
		return -EDOM;
	*kb = (uint32_t)(v * mult / 1024);
	return 0;
}

/* bytes SIZE: a quick mode SA also ends after SIZE bytes (RFC 2407 §4.5). */
static int phase_bytes(struct cur *c, const struct token *kw, void *ctx)
{
	struct phase *ph = ctx;
	struct token *v;
	int err;

	if (!ph->quick)
		return err_at(c, kw, "main mode lifetimes are in seconds: bytes is for quick mode");
	v = arg_word(c, "bytes");
	if (!v)
		return -1;
	err = parse_size_kb(v->text, &ph->life_kb);
	if (err == -EDOM)
		return err_at(c, v, "quick bytes %s is too small (1K or more: IKE counts kilobytes)",
			      v->text);
	if (err == -ERANGE)
		return err_at(c, v, "quick bytes %s is too large (4095G at most)", v->text);
	if (err)
		return err_at(c, v, "bad quick bytes \"%s\" (a size: N, NK, NM or NG bytes)", v->text);
	return 0;
}

static const struct opt phase_opts[KW_MAX] = {
	[KW_AUTH] = { phase_alg }, [KW_BYTES] = { phase_bytes }, [KW_ENC] = { phase_alg },
	[KW_GROUP] = { phase_group }, [KW_LIFETIME] = { phase_life },
};

/* OpenBSD's main mode defaults: hmac-sha1, aes (128), modp3072. */
static void phase1_set(struct phase *ph, struct ike_rule *r)
{
	const struct ike_hash_desc *auth = ph->auth ? ph->auth : ike_p1_hash_by_name("hmac-sha1");
	const struct ike_enc_desc *enc = ph->enc ? ph->enc : ike_p1_enc_by_name("aes-128");
	const struct ike_group_desc *group = ph->group ? ph->group : ike_group_by_name("modp3072");

	r->p1_hash = auth->id;
	r->p1_enc = enc->id;
	r->p1_enc_bits = enc->key_bits;
	r->p1_group = group->id;
	r->p1_lifetime = ph->life;
}

/* Quick mode: aes (128) with hmac-sha2-256, no PFS. */
static int phase2_set(struct cur *c, struct phase *ph, struct ike_rule *r)
{
	const struct ike_enc_desc *enc = ph->enc ? ph->enc : ike_p2_enc_by_name("aes-128");
	const struct ike_hash_desc *auth = ph->auth;

	if (enc->aead && auth)
		return err_at(c, ph->seen[KW_AUTH],
			      "%s is an AEAD cipher: it authenticates by itself, no auth", enc->name);
	if (!enc->aead && !auth)
		auth = ike_p2_auth_by_name("hmac-sha2-256");
	if (enc->id == ESP_NULL && !auth)
		return err_at(c, ph->seen[KW_ENC], "enc null needs an auth algorithm");
	r->p2_enc = enc->id;
	r->p2_enc_bits = enc->key_bits;
	r->p2_auth = auth ? auth->id : 0;
	r->p2_group = ph->group && !ph->no_group ? ph->group->id : 0;
	r->p2_lifetime = ph->life;
	r->p2_life_kb = ph->life_kb;
	return 0;
}

/*
 * The phase's options (none: its defaults) into r.  Aggressive mode takes
 * main mode's: its one proposal names one group, whose KE message 1
 * already carries (RFC 2409 §5.4).
 */
static int ike_phase(struct cur *c, bool quick, bool aggressive, struct ike_rule *r)
{
	struct phase ph = { .quick = quick, .aggressive = aggressive,
			    .life = quick ? IKE_P2_LIFETIME : IKE_P1_LIFETIME };

	if (options(c, NULL, phase_opts, &ph))
		return -1;
	if (!quick) {
		phase1_set(&ph, r);
		return 0;
	}
	return phase2_set(c, &ph, r);
}

static bool host_sel(const struct sel *s)
{
	return !s->any && s->plen == kipsec_addr_len(s->addr.family) * 8;
}

struct ike_ctx {
	struct head h;			/* first: see options() */
	const struct token *t_mode;
	struct rule rl;			/* rl.u.ike holds the psk: wiped */
};

/* main ... | aggressive ...: one of the two, the phase 1 exchange. */
static int ike_main(struct cur *c, const struct token *kw, void *ctx)
{
	struct ike_ctx *x = ctx;
	bool aggr = keyword(kw) == KW_AGGRESSIVE;

	if (x->h.seen[aggr ? KW_MAIN : KW_AGGRESSIVE])
		return err_at(c, kw, "main and aggressive: one phase 1 exchange per rule");
	x->rl.u.ike.p1_exchange = aggr ? IKE_P1_AGGRESSIVE : IKE_P1_MAIN;
	return ike_phase(c, false, aggr, &x->rl.u.ike);
}

static int ike_quick(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return ike_phase(c, true, false, &((struct ike_ctx *)ctx)->rl.u.ike);
}

static int ike_psk_opt(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return ike_psk(c, &((struct ike_ctx *)ctx)->rl.u.ike);
}

/*
 * dpd delay N [timeout M] (RFC 3706): R-U-THERE after N idle seconds, the
 * peer dead when none is answered for M (3 N unless given).  The words
 * are not keywords: they mean something only here.
 */
#define DPD_MAX		86400

static int ike_dpd(struct cur *c, const struct token *kw, void *ctx)
{
	struct ike_rule *r = &((struct ike_ctx *)ctx)->rl.u.ike;
	struct token *t = next(c);

	(void)kw;
	if (!t || t->type != T_WORD || strcmp(t->text, "delay"))
		return err_at(c, t, "dpd: expected \"delay\" SECONDS");
	if (number_arg(c, "dpd delay", DPD_MAX, &r->dpd_delay))
		return -1;
	if (!r->dpd_delay)
		return err_at(c, &c->t[c->i - 1], "dpd delay must be 1 second or more");
	r->dpd_timeout = 3 * r->dpd_delay;
	t = peek(c);
	if (!t || t->type != T_WORD || strcmp(t->text, "timeout"))
		return 0;
	c->i++;
	if (number_arg(c, "dpd timeout", DPD_MAX, &r->dpd_timeout))
		return -1;
	if (r->dpd_timeout < r->dpd_delay)
		return err_at(c, &c->t[c->i - 1], "dpd timeout %u is shorter than the delay %u",
			      r->dpd_timeout, r->dpd_delay);
	return 0;
}

/* srcid ID | dstid ID, quoted or not (RFC 2407 §4.6.2.1 types). */
static int ike_id_opt(struct cur *c, const struct token *kw, void *ctx)
{
	struct ike_rule *r = &((struct ike_ctx *)ctx)->rl.u.ike;
	struct token *t = next(c);
	char why[160];

	if (!t || (t->type != T_STRING && t->type != T_WORD))
		return err_at(c, t, "%s needs an identity: an FQDN, NAME@DOMAIN or an address",
			      kw->text);
	if (ike_id_parse(t->text, keyword(kw) == KW_SRCID ? &r->srcid : &r->dstid, why,
			 sizeof(why)))
		return err_at(c, t, "%s: %s", kw->text, why);
	return 0;
}

static int ike_tag(struct cur *c, const struct token *kw, void *ctx)
{
	(void)ctx;
	return err_at(c, kw, "ike: tag is not supported");
}

static int ike_iface(struct cur *c, const struct token *kw, void *ctx)
{
	(void)kw;
	return iface_arg(c, &((struct ike_ctx *)ctx)->rl.u.ike.ifindex);
}

static const struct opt ike_opts[KW_MAX] = {
	[KW_LOCAL] = { opt_local }, [KW_PEER] = { opt_peer }, [KW_MAIN] = { ike_main },
	[KW_QUICK] = { ike_quick }, [KW_PSK] = { ike_psk_opt }, [KW_DPD] = { ike_dpd },
	[KW_AGGRESSIVE] = { ike_main }, [KW_SRCID] = { ike_id_opt },
	[KW_DSTID] = { ike_id_opt }, [KW_TAG] = { ike_tag, true },
	[KW_INTERFACE] = { ike_iface },
};

/* The gateways: the flow's own hosts in transport mode (ipsec.conf(5)). */
static int ike_check_peers(struct cur *c, struct ike_ctx *x)
{
	const struct token *t_local = x->h.seen[KW_LOCAL], *t_peer = x->h.seen[KW_PEER];
	struct ike_rule *r = &x->rl.u.ike;
	const struct sel *src = &x->h.src, *dst = &x->h.dst;

	if (r->mode == KIPSEC_MODE_TRANSPORT) {
		bool local_ok = !t_local || kipsec_addr_eq(&x->h.local, &src->addr);

		if (!host_sel(src) || !host_sel(dst))
			return err_at(c, !host_sel(src) ? src->tok : dst->tok,
				      "transport mode needs single hosts in from and to");
		if (!local_ok || (t_peer && !kipsec_addr_eq(&x->h.peer, &dst->addr)))
			return err_at(c, !local_ok ? t_local : t_peer,
				      "transport mode: local and peer are the from and to hosts");
		x->h.local = src->addr;
		x->h.peer = dst->addr;
	} else if (!t_peer) {
		return err_at(c, x->t_mode, "tunnel mode needs a peer (the remote gateway)");
	}
	if (t_local && x->h.local.family != x->h.peer.family)
		return err_at(c, t_peer ? t_peer : t_local,
			      "local and peer are of different address families");
	r->local = x->h.local;
	r->peer = x->h.peer;
	return 0;
}

static bool id_is_addr(const struct ike_id *id)
{
	return id->type == IKE_ID_IPV4_ADDR || id->type == IKE_ID_IPV6_ADDR;
}

/*
 * Main Mode with a pre-shared key: the responder must choose the key
 * before it sees the peer's identity (message 5 is encrypted with it), so
 * the key is bound to the address and so is the identity (RFC 2409 §5.4).
 */
static int ike_check_ids(struct cur *c, struct ike_ctx *x)
{
	const struct ike_rule *r = &x->rl.u.ike;
	const struct token *t = NULL;

	if (r->p1_exchange != IKE_P1_MAIN)
		return 0;
	if (r->srcid.type && !id_is_addr(&r->srcid))
		t = x->h.seen[KW_SRCID];
	else if (r->dstid.type && !id_is_addr(&r->dstid))
		t = x->h.seen[KW_DSTID];
	if (!t)
		return 0;
	return err_at(c, t, "%s: main mode with a pre-shared key identifies peers by address (RFC 2409 §5.4): use an address, or aggressive",
		      t->text);
}

static int ike_check(struct cur *c, struct ike_ctx *x)
{
	struct ike_rule *r = &x->rl.u.ike;
	uint16_t family;

	if (!x->h.seen[KW_MAIN] && !x->h.seen[KW_AGGRESSIVE])
		ike_phase(c, false, false, r);
	if (!x->h.seen[KW_QUICK])
		ike_phase(c, true, false, r);
	if (!x->h.seen[KW_PSK])
		return err_at(c, NULL, "ike rule needs a psk: psk \"secret\" or psk file \"path\"");
	if (ike_check_ids(c, x))
		return -1;
	if (sel_families(c, &x->h) || ike_check_peers(c, x))
		return -1;
	if (r->ifindex && r->mode != KIPSEC_MODE_TUNNEL)
		return err_at(c, x->h.seen[KW_INTERFACE], "an interface's SAs are in tunnel mode");
	family = head_family(&x->h, r->peer.family);
	if (proto_check(c, &x->h, family))
		return -1;
	r->proto = x->h.proto;
	r->src = sel_of(&x->h.src, family);
	r->dst = sel_of(&x->h.dst, family);
	return 0;
}

/* [active|passive|dynamic] [esp] [tunnel|transport] */
static int ike_start(struct cur *c, struct ike_ctx *x)
{
	struct ike_rule *r = &x->rl.u.ike;

	r->start = IKE_START_ACTIVE;
	if (take(c, KW_PASSIVE))
		r->start = IKE_START_PASSIVE;
	else if (take(c, KW_DYNAMIC))
		r->start = IKE_START_DYNAMIC;
	else
		take(c, KW_ACTIVE);
	if (keyword(peek(c)) == KW_AH)
		return err_at(c, peek(c), "ike: only esp is negotiated");
	take(c, KW_ESP);
	r->mode = KIPSEC_MODE_TUNNEL;
	x->t_mode = take(c, KW_TUNNEL);
	if (!x->t_mode && (x->t_mode = take(c, KW_TRANSPORT)))
		r->mode = KIPSEC_MODE_TRANSPORT;
	return 0;
}

/*
 * ike [active|passive|dynamic] [esp] [tunnel|transport] [proto P]
 *     from S [port N] to D [port N] [local A] [peer A]
 *     [main ... | aggressive ...] [quick ...] [srcid ID] [dstid ID]
 *     [interface NAME] [dpd delay N [timeout M]] psk "KEY" | psk file "PATH"
 */
static int parse_ike(struct cur *c, struct ruleset *rs, unsigned int line)
{
	struct ike_ctx *x = calloc(1, sizeof(*x));	/* the psk: not on the stack */
	int ret = -1;

	if (!x)
		return err_at(c, NULL, "out of memory");
	x->rl = (struct rule){ .kind = RULE_IKE, .line = line };
	x->rl.u.ike.line = line;
	x->rl.u.ike.sa_proto = IPPROTO_ESP;
	x->rl.u.ike.p1_exchange = IKE_P1_MAIN;
	if (!ike_start(c, x) && !flow_head(c, "ike", &x->h) && !options(c, "ike", ike_opts, x) &&
	    !ike_check(c, x)) {
		ret = add_rule(rs, &x->rl);
		if (ret)
			err_at(c, NULL, "out of memory");
	}
	explicit_bzero(x, sizeof(*x));
	free(x);
	return ret ? -1 : 0;
}

/* ---- statements ---- */

/* NAME = value */
static int macro_def(struct cur *c, struct lexer *lx)
{
	struct token *t = &c->t[0];

	if (t->type != T_WORD || !lex_valid_macro_name(t->text))
		return err_at(c, t, "bad macro name \"%s\" (letters, digits, '_')",
			      t->text ? t->text : "");
	if (c->n != 3 || (c->t[2].type != T_WORD && c->t[2].type != T_STRING))
		return err_at(c, t, "macro definition: %s = value", t->text);
	if (lex_define(lx, t->text, c->t[2].text, false))
		return err_at(c, t, "out of memory");
	return 0;
}

static int statement(struct cur *c, struct lexer *lx, struct ruleset *rs)
{
	struct token *t = &c->t[0];

	if (c->n >= 2 && c->t[1].type == T_EQ)
		return macro_def(c, lx);
	if (t->type != T_WORD)
		return err_at(c, t, "syntax error: a rule starts with flow, esp, ah, ike or a macro name");
	c->i = 1;
	switch (keyword(t)) {
	case KW_FLOW:
		return parse_flow(c, rs, t->line);
	case KW_ESP:
		return parse_sa(c, rs, IPPROTO_ESP, t->line);
	case KW_AH:
		return parse_sa(c, rs, IPPROTO_AH, t->line);
	case KW_IKE:
		return parse_ike(c, rs, t->line);
	case KW_TCPMD5:
	case KW_IPCOMP:
	case KW_IPIP:
		return err_at(c, t, "%s rules are not supported by kipsec", t->text);
	case KW_INCLUDE:
		return err_at(c, t, "include is not supported");
	default:
		return err_at(c, t, "unknown keyword \"%s\": a rule starts with flow, esp, ah, ike or a macro name",
			      t->text);
	}
}

/* ---- whole-file checks ---- */

static int sa_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;
	int d;

	if (x->u.sa.proto != y->u.sa.proto)
		return x->u.sa.proto - y->u.sa.proto;
	if (x->u.sa.spi != y->u.sa.spi)
		return x->u.sa.spi < y->u.sa.spi ? -1 : 1;
	if (x->u.sa.dst.family != y->u.sa.dst.family)
		return x->u.sa.dst.family - y->u.sa.dst.family;
	d = memcmp(x->u.sa.dst.u.bytes, y->u.sa.dst.u.bytes, 16);
	if (d)
		return d;
	return x < y ? -1 : 1;	/* file order within equals */
}

static bool same_sa(const struct rule *x, const struct rule *y)
{
	const struct kipsec_sa *a = &x->u.sa, *b = &y->u.sa;

	return a->proto == b->proto && a->spi == b->spi && a->dst.family == b->dst.family &&
	       !memcmp(a->dst.u.bytes, b->dst.u.bytes, 16);
}

static int flow_cmp(const void *a, const void *b)
{
	const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;
	const struct kipsec_policy *p = &x->u.pol, *q = &y->u.pol;
	int d;

	if (p->dir != q->dir)
		return p->dir - q->dir;
	if (p->src.family != q->src.family)
		return p->src.family - q->src.family;
	if (p->src_plen != q->src_plen)
		return p->src_plen - q->src_plen;
	if (p->dst_plen != q->dst_plen)
		return p->dst_plen - q->dst_plen;
	if (p->proto != q->proto)
		return p->proto - q->proto;
	if (p->sport != q->sport)
		return p->sport - q->sport;
	if (p->dport != q->dport)
		return p->dport - q->dport;
	d = memcmp(p->src.u.bytes, q->src.u.bytes, 16);
	if (!d)
		d = memcmp(p->dst.u.bytes, q->dst.u.bytes, 16);
	if (d)
		return d;
	return x < y ? -1 : 1;
}

static bool same_flow(const struct rule *x, const struct rule *y)
{
	const struct kipsec_policy *a = &x->u.pol, *b = &y->u.pol;

	return a->dir == b->dir && a->src.family == b->src.family &&
	       a->src_plen == b->src_plen && a->dst_plen == b->dst_plen &&
	       a->proto == b->proto && a->sport == b->sport && a->dport == b->dport &&
	       !memcmp(a->src.u.bytes, b->src.u.bytes, 16) &&
	       !memcmp(a->dst.u.bytes, b->dst.u.bytes, 16);
}

struct dup {
	unsigned int line, first;
	size_t seq;		/* the rule's place: same-line messages in file order */
	const struct rule *r;
};

static int dup_cmp(const void *a, const void *b)
{
	const struct dup *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/*
 * The rules of one kind, sorted so that equal ones are neighbours (file
 * order within): each after the first of its run is a duplicate of it.
 */
static size_t dups_sorted(const struct ruleset *rs, enum rule_kind kind,
			  int (*cmp)(const void *, const void *),
			  bool (*same)(const struct rule *, const struct rule *),
			  const struct rule **v, struct dup *dups)
{
	size_t n = 0, nd = 0;

	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].kind == kind)
			v[n++] = &rs->v[i];
	qsort(v, n, sizeof(*v), cmp);
	for (size_t i = 1, first = 0; i < n; i++) {
		if (same(v[first], v[i]))
			dups[nd++] = (struct dup){ v[i]->line, v[first]->line,
						   (size_t)(v[i] - rs->v), v[i] };
		else
			first = i;
	}
	return nd;
}

/* ike rules: ipsecd refuses a second one with the same flow and peer. */
static size_t dups_ike(const struct ruleset *rs, struct dup *dups)
{
	size_t nd = 0;

	for (size_t i = 0; i < rs->n; i++) {
		const struct rule *a = &rs->v[i];

		if (a->kind != RULE_IKE)
			continue;
		for (size_t k = 0; k < i; k++) {
			const struct rule *b = &rs->v[k];

			if (b->kind == RULE_IKE && ike_rule_same(&a->u.ike, &b->u.ike)) {
				dups[nd++] = (struct dup){ a->line, b->line, i, a };
				break;
			}
		}
	}
	return nd;
}

static void report_dup(const struct ruleset *rs, const struct dup *d)
{
	const struct rule *r = d->r;
	char buf[256];

	if (r->kind == RULE_IKE)
		conf_error(rs->file, d->line, "duplicate ike rule: %s, already defined on line %u",
			   ike_rule_text(&r->u.ike, buf, sizeof(buf)), d->first);
	else if (r->kind == RULE_SA)
		conf_error(rs->file, d->line,
			   "duplicate SA: %s spi 0x%08x to %s, already defined on line %u",
			   r->u.sa.proto == IPPROTO_ESP ? "esp" : "ah", r->u.sa.spi,
			   kipsec_addr_ntop(&r->u.sa.dst, buf, sizeof(buf)), d->first);
	else
		conf_error(rs->file, d->line, "duplicate flow: %s, already defined on line %u",
			   flow_selector_text(&r->u.pol, buf, sizeof(buf)), d->first);
}

/*
 * The kernel refuses a second SA with the same (dst, spi, proto) (RFC 4301
 * §4.1) and a second policy with the same direction and selector, whatever
 * its priority: find them here, with both lines, in line order.
 */
static int check_duplicates(const struct ruleset *rs)
{
	const struct rule **v;
	struct dup *dups;
	size_t nd;

	if (rs->n < 2)
		return 0;
	v = malloc(rs->n * sizeof(*v));
	dups = malloc(rs->n * sizeof(*dups));
	if (!v || !dups) {
		free(v);
		free(dups);
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	nd = dups_sorted(rs, RULE_SA, sa_cmp, same_sa, v, dups);
	nd += dups_sorted(rs, RULE_FLOW, flow_cmp, same_flow, v, dups + nd);
	nd += dups_ike(rs, dups + nd);
	qsort(dups, nd, sizeof(*dups), dup_cmp);
	for (size_t i = 0; i < nd; i++)
		report_dup(rs, &dups[i]);
	free(v);
	free(dups);
	return (int)nd;
}

/*
 * One statement's tokens, to its end of line, into c (the array *toks of
 * *cap is reused from one statement to the next).  Returns 0, 1 when the
 * lexer reported an error in it, or -ENOMEM; *eof at the end of the file.
 */
static int read_statement(struct lexer *lx, struct token **toks, size_t *cap, struct cur *c,
			  bool *eof)
{
	bool bad = false;
	struct token t;

	for (;;) {
		if (lex_next(lx, &t))
			return -ENOMEM;
		if (t.type == T_EOF || t.type == T_NL)
			break;
		if (t.type == T_ERROR) {
			bad = true;
			continue;
		}
		if (kipsec_array_grow((void **)toks, c->n, cap, sizeof(t), 32))
			return -ENOMEM;
		(*toks)[c->n++] = t;
	}
	*eof = t.type == T_EOF;
	c->end_line = t.line;
	c->t = *toks;
	return bad;
}

/* Every statement of the file; returns the number of errors. */
static int statements(struct lexer *lx, const char *name, const char *dir, struct ruleset *rs)
{
	struct token *toks = NULL;
	size_t cap = 0;
	int errors = 0;
	bool eof = false;

	while (!eof) {
		struct cur c = { .file = name, .dir = dir };
		int r = read_statement(lx, &toks, &cap, &c, &eof);

		if (r < 0) {
			fprintf(stderr, "%s: out of memory\n", progname);
			errors++;
			break;
		}
		if (r || (c.n && statement(&c, lx, rs)))
			errors++;
		lex_release(lx);
	}
	free(toks);
	return errors;
}

int parse_file(const char *path, const struct macro_def *defs, size_t ndefs, struct ruleset *rs)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	const char *slash = strcmp(path, "-") ? strrchr(path, '/') : NULL;
	struct lexer *lx;
	char *dir;
	int errors = 1;

	memset(rs, 0, sizeof(*rs));
	rs->file = name;
	lx = lex_open(path, name);
	if (!lx) {
		fprintf(stderr, "%s: %s: %s\n", progname, name, strerror(errno));
		return 1;
	}
	/* Key files are found relative to the file's directory (see key_file). */
	dir = strndup(path, slash ? (size_t)(slash - path) + 1 : 0);
	if (!dir)
		goto oom;
	for (size_t i = 0; i < ndefs; i++)
		if (lex_define(lx, defs[i].name, defs[i].value, true))
			goto oom;
	errors = statements(lx, name, dir, rs);
	/* Also after errors: both rules of a duplicate did parse. */
	errors += check_duplicates(rs);
	goto out;
oom:
	fprintf(stderr, "%s: out of memory\n", progname);
out:
	free(dir);
	lex_close(lx);
	return errors;
}
