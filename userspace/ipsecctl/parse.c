// SPDX-License-Identifier: GPL-2.0
/*
 * The ipsec.conf parser: macros, flows, manual SAs (after OpenBSD's
 * ipsec.conf(5); the grammar is in Documentation/ipsec.conf.5).  It turns
 * every rule into the kernel objects it stands for (a flow without a
 * direction is two policies, "spi A:B" is two SAs) and checks all it can,
 * so that a file that parses is never refused for a reason we could see.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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

static bool take(struct cur *c, const char *w)
{
	if (!is_word(peek(c), w))
		return false;
	c->i++;
	return true;
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

/* Decimal, or hexadecimal after "0x"; never octal, never signed. */
static int parse_u32(const char *s, uint32_t *v)
{
	int base = 10;
	char *end;
	unsigned long long x;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!*s || strspn(s, base == 16 ? "0123456789abcdefABCDEF" : "0123456789") != strlen(s))
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, base);
	if (errno || x > UINT32_MAX)
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
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		struct rule *v = malloc(cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		/* Not realloc: the old block holds keys and must be wiped. */
		if (rs->v) {
			memcpy(v, rs->v, rs->n * sizeof(*v));
			explicit_bzero(rs->v, rs->n * sizeof(*v));
			free(rs->v);
		}
		rs->v = v;
		rs->cap = cap;
	}
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

static bool addr_eq_text(const struct kipsec_addr *a, const struct kipsec_addr *b)
{
	return a->family == b->family && !memcmp(a->u.bytes, b->u.bytes, kipsec_addr_len(a->family));
}

struct sel {
	bool any;
	struct kipsec_addr addr;
	uint8_t plen;
	uint32_t port;
	const struct token *port_tok;
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
	if (take(c, "port")) {
		s->port_tok = &c->t[c->i - 1];
		if (number_arg(c, "port", 65535, &s->port))
			return -1;
		if (!s->port)
			return err_at(c, s->port_tok, "port 0 means any port: leave it out");
	}
	return 0;
}

static int proto_arg(struct cur *c, uint8_t *proto)
{
	static const struct {
		const char *name;
		uint8_t num;
	} names[] = {
		{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
		{ "icmp6", IPPROTO_ICMPV6 }, { "ipv6-icmp", IPPROTO_ICMPV6 },
		{ "sctp", IPPROTO_SCTP }, { "gre", IPPROTO_GRE },
	};
	struct token *t = arg_word(c, "proto");
	uint32_t v;

	if (!t)
		return -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(t->text, names[i].name)) {
			*proto = names[i].num;
			return 0;
		}
	}
	if (parse_u32(t->text, &v) || v > 255)
		return err_at(c, t, "unknown protocol \"%s\" (tcp, udp, icmp, icmp6, sctp, gre or 0-255)",
			      t->text);
	*proto = (uint8_t)v;
	return 0;
}

/* ---- flow ---- */

#define TYPE_REQUIRE	1
#define TYPE_USE	2
#define TYPE_BYPASS	3
#define TYPE_DENY	4

static int once(struct cur *c, const struct token **seen, const char *kw)
{
	const struct token *t = &c->t[c->i - 1];

	if (*seen)
		return err_at(c, t, "%s given twice", kw);
	*seen = t;
	return 0;
}

static int parse_flow(struct cur *c, struct ruleset *rs, unsigned int line)
{
	const struct token *t_local = NULL, *t_peer = NULL, *t_type = NULL, *t_mode = NULL,
			   *t_prio = NULL, *t_reqid = NULL, *t_proto = NULL;
	uint8_t sa_proto = IPPROTO_ESP, proto = 0, mode = 0;
	uint8_t dirs = 0;	/* 0: both */
	struct kipsec_addr local = { 0 }, peer = { 0 };
	struct sel src = { 0 }, dst = { 0 };
	uint32_t prio = DEFAULT_PRIORITY, reqid = 0;
	int type = TYPE_REQUIRE;
	uint16_t family;
	struct token *t;

	if (take(c, "esp"))
		sa_proto = IPPROTO_ESP;
	else if (take(c, "ah"))
		sa_proto = IPPROTO_AH;
	if (take(c, "in"))
		dirs = KIPSEC_DIR_IN;
	else if (take(c, "out"))
		dirs = KIPSEC_DIR_OUT;
	if (take(c, "proto")) {
		t_proto = &c->t[c->i - 1];
		if (proto_arg(c, &proto))
			return -1;
	}
	t = next(c);
	if (!is_word(t, "from"))
		return err_at(c, t, "flow: expected \"from\"%s%s%s", t ? ", got \"" : "",
			      t ? t->text : "", t ? "\"" : "");
	if (selector(c, "from", &src))
		return -1;
	t = next(c);
	if (!is_word(t, "to"))
		return err_at(c, t, "flow: expected \"to\"%s%s%s", t ? ", got \"" : "",
			      t ? t->text : "", t ? "\"" : "");
	if (selector(c, "to", &dst))
		return -1;

	while ((t = next(c))) {
		if (is_word(t, "local")) {
			if (once(c, &t_local, "local") || addr_arg(c, "local", &local))
				return -1;
		} else if (is_word(t, "peer")) {
			if (once(c, &t_peer, "peer") || addr_arg(c, "peer", &peer))
				return -1;
		} else if (is_word(t, "type")) {
			struct token *v;

			if (once(c, &t_type, "type") || !(v = arg_word(c, "type")))
				return -1;
			if (!strcmp(v->text, "require"))
				type = TYPE_REQUIRE;
			else if (!strcmp(v->text, "use"))
				type = TYPE_USE;
			else if (!strcmp(v->text, "bypass"))
				type = TYPE_BYPASS;
			else if (!strcmp(v->text, "deny"))
				type = TYPE_DENY;
			else
				return err_at(c, v, "unknown flow type \"%s\" (require, use, bypass or deny)",
					      v->text);
		} else if (is_word(t, "tunnel") || is_word(t, "transport")) {
			if (once(c, &t_mode, "mode (tunnel/transport)"))
				return -1;
			mode = is_word(t, "tunnel") ? KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT;
		} else if (is_word(t, "priority")) {
			if (once(c, &t_prio, "priority") || number_arg(c, "priority", UINT32_MAX, &prio))
				return -1;
		} else if (is_word(t, "reqid")) {
			if (once(c, &t_reqid, "reqid") || number_arg(c, "reqid", UINT32_MAX, &reqid))
				return -1;
		} else if (is_word(t, "in") || is_word(t, "out")) {
			return err_at(c, t, "the direction (in/out) comes right after \"flow esp|ah\"");
		} else {
			return err_at(c, t, "flow: unexpected \"%s\"", t->text ? t->text : "=");
		}
	}

	/* The selector's family: from the addresses, else the tunnel's. */
	if (!src.any && !dst.any && src.addr.family != dst.addr.family)
		return err_at(c, dst.tok, "from %s and to %s are of different address families",
			      src.tok->text, dst.tok->text);
	if (t_local && t_peer && local.family != peer.family) {
		char l[KIPSEC_ADDR_STRLEN], p[KIPSEC_ADDR_STRLEN];

		/* t_local and t_peer are the keywords: name the addresses. */
		return err_at(c, t_peer, "local %s and peer %s are of different address families",
			      kipsec_addr_ntop(&local, l, sizeof(l)),
			      kipsec_addr_ntop(&peer, p, sizeof(p)));
	}
	family = !src.any ? src.addr.family : !dst.any ? dst.addr.family :
		 t_peer ? peer.family : t_local ? local.family : AF_INET;
	if (proto == IPPROTO_ICMP && family == AF_INET6)
		return err_at(c, t_proto, "proto icmp in an IPv6 flow: use proto icmp6");
	if (proto == IPPROTO_ICMPV6 && family == AF_INET)
		return err_at(c, t_proto, "proto icmp6 in an IPv4 flow: use proto icmp");
	if ((src.port || dst.port) && proto != IPPROTO_TCP && proto != IPPROTO_UDP &&
	    proto != IPPROTO_SCTP)
		return err_at(c, src.port ? src.port_tok : dst.port_tok,
			      "port needs proto tcp, udp or sctp");
	if (type == TYPE_BYPASS || type == TYPE_DENY) {
		const struct token *x = t_peer ? t_peer : t_local ? t_local : t_mode ? t_mode : t_reqid;

		if (x)
			return err_at(c, x, "type %s takes no %s: no SA is involved",
				      type == TYPE_BYPASS ? "bypass" : "deny", x->text);
	} else {
		if (!mode) {
			if (t_local && !t_peer)
				return err_at(c, t_local, "local needs a peer");
			mode = t_peer ? KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT;
		}
		if (mode == KIPSEC_MODE_TUNNEL && !t_peer)
			return err_at(c, t_mode, "tunnel mode needs a peer (the remote tunnel endpoint)");
		if (mode == KIPSEC_MODE_TRANSPORT && (t_peer || t_local))
			return err_at(c, t_peer ? t_peer : t_local,
				      "transport mode takes no %s: the flow's own addresses are the endpoints",
				      t_peer ? "peer" : "local");
	}

	for (int d = 0; d < 2; d++) {
		uint8_t dir = d == 0 ? KIPSEC_DIR_OUT : KIPSEC_DIR_IN;
		/* The inbound flow is the outbound one mirrored (OpenBSD). */
		bool in = dir == KIPSEC_DIR_IN && !dirs;
		const struct sel *s = in ? &dst : &src, *ds = in ? &src : &dst;
		struct rule r = { .kind = RULE_FLOW, .line = line };
		struct kipsec_policy *p = &r.u.pol;

		if (dirs && dirs != dir)
			continue;
		p->src = s->addr;
		p->src_plen = s->any ? 0 : s->plen;
		p->dst = ds->addr;
		p->dst_plen = ds->any ? 0 : ds->plen;
		if (s->any)
			memset(&p->src, 0, sizeof(p->src));
		if (ds->any)
			memset(&p->dst, 0, sizeof(p->dst));
		p->src.family = p->dst.family = family;
		p->proto = proto;
		p->sport = (uint16_t)s->port;
		p->dport = (uint16_t)ds->port;
		p->dir = dir;
		p->priority = prio;
		switch (type) {
		case TYPE_BYPASS:
			p->action = KIPSEC_ACTION_BYPASS;
			break;
		case TYPE_DENY:
			p->action = KIPSEC_ACTION_DISCARD;
			break;
		default:
			p->action = KIPSEC_ACTION_PROTECT;
			p->level = type == TYPE_USE ? KIPSEC_LEVEL_USE : KIPSEC_LEVEL_REQUIRE;
			p->has_tmpl = true;
			p->tmpl.proto = sa_proto;
			p->tmpl.mode = mode;
			p->tmpl.reqid = reqid;
			/* The peer is always the remote end, whatever the direction. */
			if (dir == KIPSEC_DIR_OUT) {
				p->tmpl.src = local;
				p->tmpl.dst = peer;
			} else {
				p->tmpl.src = peer;
				p->tmpl.dst = local;
			}
		}
		if (add_rule(rs, &r))
			return err_at(c, NULL, "out of memory");
	}
	return 0;
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

/* Decimal or 0x hexadecimal, 64 bits, never signed: a lifetime limit. */
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

static int parse_sa(struct cur *c, struct ruleset *rs, uint8_t proto, unsigned int line)
{
	const struct token *t_spi = NULL, *t_enc = NULL, *t_auth = NULL, *t_enckey = NULL,
			   *t_authkey = NULL, *t_replay = NULL, *t_esn = NULL, *t_reqid = NULL,
			   *t_soft = NULL, *t_hard = NULL;
	const struct kipsec_alg_desc *enc = NULL, *auth = NULL;
	struct kipsec_lifetime soft = { 0 }, hard = { 0 };
	struct keyspec *ek = NULL, *ak = NULL;
	struct kipsec_addr from, to;
	const struct token *t_from, *t_to;
	uint32_t spi[2], replay = KIPSEC_REPLAY_WINDOW_DEFAULT, reqid = 0;
	uint8_t mode = KIPSEC_MODE_TUNNEL;	/* OpenBSD's default for manual SAs */
	const char *pname = proto == IPPROTO_ESP ? "esp" : "ah";
	struct token *t;
	int nspi = 0, r = -1;

	ek = calloc(1, sizeof(*ek));
	ak = calloc(1, sizeof(*ak));
	if (!ek || !ak) {
		err_at(c, NULL, "out of memory");
		goto out;
	}
	if (take(c, "tunnel"))
		mode = KIPSEC_MODE_TUNNEL;
	else if (take(c, "transport"))
		mode = KIPSEC_MODE_TRANSPORT;
	t = next(c);
	if (!is_word(t, "from")) {
		err_at(c, t, "%s: expected \"from\"%s%s%s", pname, t ? ", got \"" : "",
		       t && t->text ? t->text : "", t ? "\"" : "");
		goto out;
	}
	t_from = peek(c);
	if (addr_arg(c, "from", &from))
		goto out;
	t = next(c);
	if (!is_word(t, "to")) {
		err_at(c, t, "%s: expected \"to\"%s%s%s", pname, t ? ", got \"" : "",
		       t && t->text ? t->text : "", t ? "\"" : "");
		goto out;
	}
	t_to = peek(c);
	if (addr_arg(c, "to", &to))
		goto out;
	if (from.family != to.family) {
		err_at(c, t_to, "from %s and to %s are of different address families (%s, %s)",
		       t_from->text, t_to->text, family_word(from.family), family_word(to.family));
		goto out;
	}

	while ((t = next(c))) {
		if (is_word(t, "spi")) {
			if (once(c, &t_spi, "spi") || parse_spis(c, spi, &nspi))
				goto out;
		} else if (is_word(t, "enc")) {
			if (once(c, &t_enc, "enc") || !(enc = alg_arg(c, KIPSEC_ALG_ENC)))
				goto out;
		} else if (is_word(t, "auth")) {
			if (once(c, &t_auth, "auth") || !(auth = alg_arg(c, KIPSEC_ALG_AUTH)))
				goto out;
		} else if (is_word(t, "enckey")) {
			if (once(c, &t_enckey, "enckey") || parse_keys(c, "enckey", ek))
				goto out;
		} else if (is_word(t, "authkey")) {
			if (once(c, &t_authkey, "authkey") || parse_keys(c, "authkey", ak))
				goto out;
		} else if (is_word(t, "replay")) {
			if (once(c, &t_replay, "replay") ||
			    number_arg(c, "replay", KIPSEC_REPLAY_WINDOW_MAX, &replay))
				goto out;
		} else if (is_word(t, "esn")) {
			if (once(c, &t_esn, "esn"))
				goto out;
		} else if (is_word(t, "reqid")) {
			if (once(c, &t_reqid, "reqid") || number_arg(c, "reqid", UINT32_MAX, &reqid))
				goto out;
		} else if (is_word(t, "soft")) {
			if (once(c, &t_soft, "soft") || parse_lifetime(c, "soft", &soft))
				goto out;
		} else if (is_word(t, "hard")) {
			if (once(c, &t_hard, "hard") || parse_lifetime(c, "hard", &hard))
				goto out;
		} else if (is_word(t, "tunnel") || is_word(t, "transport")) {
			err_at(c, t, "the mode (tunnel/transport) comes right after \"%s\"", pname);
			goto out;
		} else {
			err_at(c, t, "%s: unexpected \"%s\"", pname, t->text ? t->text : "=");
			goto out;
		}
	}
	if (!t_spi) {
		err_at(c, NULL, "%s SA needs an spi", pname);
		goto out;
	}
	/* A soft limit comes before its hard one, or it warns of nothing. */
	if ((soft.bytes && hard.bytes && soft.bytes > hard.bytes) ||
	    (soft.packets && hard.packets && soft.packets > hard.packets) ||
	    (soft.add_secs && hard.add_secs && soft.add_secs > hard.add_secs) ||
	    (soft.use_secs && hard.use_secs && soft.use_secs > hard.use_secs)) {
		err_at(c, t_soft, "a soft lifetime limit is above its hard limit");
		goto out;
	}
	if (proto == IPPROTO_AH) {
		if (t_enc || t_enckey) {
			err_at(c, t_enc ? t_enc : t_enckey,
			       "ah takes no encryption: AH only authenticates (RFC 4302)");
			goto out;
		}
	} else if (!enc) {
		enc = kipsec_alg_by_name("aes", KIPSEC_ALG_ENC);	/* OpenBSD's default */
	}
	if (enc && enc->aead) {
		if (t_auth || t_authkey) {
			err_at(c, t_auth ? t_auth : t_authkey,
			       "%s is an AEAD cipher: it authenticates by itself, no auth (%s)",
			       enc->name, enc->ref);
			goto out;
		}
	} else if (!auth) {
		auth = kipsec_alg_by_name("hmac-sha2-256", KIPSEC_ALG_AUTH);
	}
	/* From here on auth is unset only for an AEAD, which took no authkey. */
	if (enc && check_keys(c, "enckey", ek, enc, nspi, t_enc))
		goto out;
	if (auth && check_keys(c, "authkey", ak, auth, nspi, t_auth))
		goto out;

	for (int i = 0; i < nspi; i++) {
		struct rule rl = { .kind = RULE_SA, .line = line };
		struct kipsec_sa *sa = &rl.u.sa;

		/* The second SPI names the reverse SA (OpenBSD "spi A:B"). */
		sa->src = i ? to : from;
		sa->dst = i ? from : to;
		sa->spi = spi[i];
		sa->proto = proto;
		sa->mode = mode;
		sa->reqid = reqid;
		sa->replay_window = replay;
		sa->flags = t_esn ? KIPSEC_SA_F_ESN : 0;
		sa->soft = soft;
		sa->hard = hard;
		if (enc)
			set_alg(&sa->enc, enc, ek->key[ek->n == 2 ? i : 0], ek->n ? ek->len[ek->n == 2 ? i : 0] : 0);
		if (auth)
			set_alg(&sa->auth, auth, ak->key[ak->n == 2 ? i : 0], ak->n ? ak->len[ak->n == 2 ? i : 0] : 0);
		r = add_rule(rs, &rl);
		kipsec_sa_wipe(sa);
		if (r) {
			err_at(c, NULL, "out of memory");
			goto out;
		}
	}
	r = 0;
out:
	if (ek)
		explicit_bzero(ek, sizeof(*ek));
	if (ak)
		explicit_bzero(ak, sizeof(*ak));
	free(ek);
	free(ak);
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

/* main|quick [auth X] [enc X] [group X] [lifetime N], each at most once. */
static int ike_phase(struct cur *c, bool quick, struct ike_rule *r)
{
	const char *ph = quick ? "quick" : "main";
	const struct token *t_auth = NULL, *t_enc = NULL, *t_group = NULL, *t_life = NULL;
	const struct ike_hash_desc *auth = NULL;
	const struct ike_enc_desc *enc = NULL;
	const struct ike_group_desc *group = NULL;
	bool no_group = false;
	uint32_t life = quick ? IKE_P2_LIFETIME : IKE_P1_LIFETIME;
	struct token *t, *v;

	while ((t = peek(c))) {
		if (is_word(t, "auth")) {
			c->i++;
			if (once(c, &t_auth, "auth") || !(v = arg_word(c, "auth")))
				return -1;
			auth = quick ? ike_p2_auth_by_name(v->text) : ike_p1_hash_by_name(v->text);
			if (!auth)
				return err_at(c, v, "unknown %s auth algorithm \"%s\" (%s)", ph, v->text,
					      quick ? ike_p2_auth_list() : ike_p1_hash_list());
		} else if (is_word(t, "enc")) {
			c->i++;
			if (once(c, &t_enc, "enc") || !(v = arg_word(c, "enc")))
				return -1;
			enc = quick ? ike_p2_enc_by_name(v->text) : ike_p1_enc_by_name(v->text);
			if (!enc)
				return err_at(c, v, "unknown %s enc algorithm \"%s\" (%s)", ph, v->text,
					      quick ? ike_p2_enc_list() : ike_p1_enc_list());
		} else if (is_word(t, "group")) {
			c->i++;
			if (once(c, &t_group, "group") || !(v = arg_word(c, "group")))
				return -1;
			if (!strcmp(v->text, "none")) {
				if (!quick)
					return err_at(c, v, "main mode needs a Diffie-Hellman group (%s)",
						      "modp1024 or better");
				no_group = true;
			} else if (!(group = ike_group_by_name(v->text))) {
				return err_at(c, v, "unknown group \"%s\" (%s)", v->text, ike_group_list());
			}
		} else if (is_word(t, "lifetime")) {
			c->i++;
			if (once(c, &t_life, "lifetime") || number_arg(c, "lifetime", UINT32_MAX, &life))
				return -1;
			if (life < 10)
				return err_at(c, t_life, "%s lifetime %u is too short (10 seconds or more)",
					      ph, life);
		} else {
			break;
		}
	}
	if (!quick) {
		/* OpenBSD's main mode defaults: hmac-sha1, aes (128), modp3072. */
		if (!auth)
			auth = ike_p1_hash_by_name("hmac-sha1");
		if (!enc)
			enc = ike_p1_enc_by_name("aes-128");
		if (!group)
			group = ike_group_by_name("modp3072");
		r->p1_hash = auth->id;
		r->p1_enc = enc->id;
		r->p1_enc_bits = enc->key_bits;
		r->p1_group = group->id;
		r->p1_lifetime = life;
		return 0;
	}
	/* Quick mode: aes (128) with hmac-sha2-256, no PFS. */
	if (!enc)
		enc = ike_p2_enc_by_name("aes-128");
	if (enc->aead && auth)
		return err_at(c, t_auth, "%s is an AEAD cipher: it authenticates by itself, no auth",
			      enc->name);
	if (!enc->aead && !auth)
		auth = ike_p2_auth_by_name("hmac-sha2-256");
	if (enc->id == ESP_NULL && !auth)
		return err_at(c, t_enc, "enc null needs an auth algorithm");
	r->p2_enc = enc->id;
	r->p2_enc_bits = enc->key_bits;
	r->p2_auth = auth ? auth->id : 0;
	r->p2_group = group && !no_group ? group->id : 0;
	r->p2_lifetime = life;
	return 0;
}

static bool host_sel(const struct sel *s)
{
	return !s->any && s->plen == kipsec_addr_len(s->addr.family) * 8;
}

/*
 * ike [active|passive|dynamic] [esp] [tunnel|transport] [proto P]
 *     from S [port N] to D [port N] [local A] [peer A]
 *     [main ...] [quick ...] psk "KEY" | psk file "PATH"
 */
static int parse_ike(struct cur *c, struct ruleset *rs, unsigned int line)
{
	const struct token *t_local = NULL, *t_peer = NULL, *t_main = NULL, *t_quick = NULL,
			   *t_psk = NULL, *t_proto = NULL, *t_mode = NULL;
	struct rule rl = { .kind = RULE_IKE, .line = line };
	struct ike_rule *r = &rl.u.ike;
	struct sel src = { 0 }, dst = { 0 };
	uint16_t family;
	struct token *t;
	int ret = -1;

	r->line = line;
	r->sa_proto = IPPROTO_ESP;
	r->start = IKE_START_ACTIVE;
	r->mode = KIPSEC_MODE_TUNNEL;
	r->p1_exchange = IKE_P1_MAIN;
	if (take(c, "active"))
		r->start = IKE_START_ACTIVE;
	else if (take(c, "passive"))
		r->start = IKE_START_PASSIVE;
	else if (take(c, "dynamic"))
		r->start = IKE_START_DYNAMIC;
	if (is_word(peek(c), "ah"))
		return err_at(c, peek(c), "ike: only esp is negotiated");
	take(c, "esp");
	if (take(c, "tunnel")) {
		t_mode = &c->t[c->i - 1];
	} else if (take(c, "transport")) {
		t_mode = &c->t[c->i - 1];
		r->mode = KIPSEC_MODE_TRANSPORT;
	}
	if (take(c, "proto")) {
		t_proto = &c->t[c->i - 1];
		if (proto_arg(c, &r->proto))
			return -1;
	}
	t = next(c);
	if (!is_word(t, "from"))
		return err_at(c, t, "ike: expected \"from\"%s%s%s", t ? ", got \"" : "",
			      t && t->text ? t->text : "", t ? "\"" : "");
	if (selector(c, "from", &src))
		return -1;
	t = next(c);
	if (!is_word(t, "to"))
		return err_at(c, t, "ike: expected \"to\"%s%s%s", t ? ", got \"" : "",
			      t && t->text ? t->text : "", t ? "\"" : "");
	if (selector(c, "to", &dst))
		return -1;
	while ((t = next(c))) {
		if (is_word(t, "local")) {
			if (once(c, &t_local, "local") || addr_arg(c, "local", &r->local))
				goto out;
		} else if (is_word(t, "peer")) {
			if (once(c, &t_peer, "peer") || addr_arg(c, "peer", &r->peer))
				goto out;
		} else if (is_word(t, "main")) {
			if (once(c, &t_main, "main") || ike_phase(c, false, r))
				goto out;
		} else if (is_word(t, "quick")) {
			if (once(c, &t_quick, "quick") || ike_phase(c, true, r))
				goto out;
		} else if (is_word(t, "psk")) {
			if (once(c, &t_psk, "psk") || ike_psk(c, r))
				goto out;
		} else if (is_word(t, "aggressive")) {
			err_at(c, t, "aggressive mode is not supported: use main");
			goto out;
		} else if (is_word(t, "srcid") || is_word(t, "dstid") || is_word(t, "tag")) {
			err_at(c, t, "ike: %s is not supported (identities are the addresses)", t->text);
			goto out;
		} else {
			err_at(c, t, "ike: unexpected \"%s\"", t->text ? t->text : "=");
			goto out;
		}
	}
	if (!t_main)
		ike_phase(c, false, r);
	if (!t_quick)
		ike_phase(c, true, r);
	if (!t_psk) {
		err_at(c, NULL, "ike rule needs a psk: psk \"secret\" or psk file \"path\"");
		goto out;
	}
	if (!src.any && !dst.any && src.addr.family != dst.addr.family) {
		err_at(c, dst.tok, "from %s and to %s are of different address families",
		       src.tok->text, dst.tok->text);
		goto out;
	}
	if (r->mode == KIPSEC_MODE_TRANSPORT) {
		/* The flow's own hosts are the endpoints (ipsec.conf(5)). */
		if (!host_sel(&src) || !host_sel(&dst)) {
			err_at(c, !host_sel(&src) ? src.tok : dst.tok,
			       "transport mode needs single hosts in from and to");
			goto out;
		}
		if ((t_local && !addr_eq_text(&r->local, &src.addr)) ||
		    (t_peer && !addr_eq_text(&r->peer, &dst.addr))) {
			err_at(c, t_local && !addr_eq_text(&r->local, &src.addr) ? t_local : t_peer,
			       "transport mode: local and peer are the from and to hosts");
			goto out;
		}
		r->local = src.addr;
		r->peer = dst.addr;
	} else if (!t_peer) {
		err_at(c, t_mode, "tunnel mode needs a peer (the remote gateway)");
		goto out;
	}
	if (t_local && r->local.family != r->peer.family) {
		err_at(c, t_peer ? t_peer : t_local, "local and peer are of different address families");
		goto out;
	}
	family = !src.any ? src.addr.family : !dst.any ? dst.addr.family : r->peer.family;
	if (r->proto == IPPROTO_ICMP && family == AF_INET6) {
		err_at(c, t_proto, "proto icmp in an IPv6 flow: use proto icmp6");
		goto out;
	}
	if (r->proto == IPPROTO_ICMPV6 && family == AF_INET) {
		err_at(c, t_proto, "proto icmp6 in an IPv4 flow: use proto icmp");
		goto out;
	}
	if ((src.port || dst.port) && r->proto != IPPROTO_TCP && r->proto != IPPROTO_UDP &&
	    r->proto != IPPROTO_SCTP) {
		err_at(c, src.port ? src.port_tok : dst.port_tok, "port needs proto tcp, udp or sctp");
		goto out;
	}
	r->src.addr = src.any ? (struct kipsec_addr){ .family = family } : src.addr;
	r->src.plen = src.any ? 0 : src.plen;
	r->src.port = (uint16_t)src.port;
	r->dst.addr = dst.any ? (struct kipsec_addr){ .family = family } : dst.addr;
	r->dst.plen = dst.any ? 0 : dst.plen;
	r->dst.port = (uint16_t)dst.port;
	if (add_rule(rs, &rl)) {
		err_at(c, NULL, "out of memory");
		goto out;
	}
	ret = 0;
out:
	explicit_bzero(&rl, sizeof(rl));
	return ret;
}

/* ---- statements ---- */

static int statement(struct cur *c, struct lexer *lx, struct ruleset *rs)
{
	struct token *t = &c->t[0];

	if (c->n >= 2 && c->t[1].type == T_EQ) {
		if (t->type != T_WORD || !lex_valid_macro_name(t->text))
			return err_at(c, t, "bad macro name \"%s\" (letters, digits, '_')",
				      t->text ? t->text : "");
		if (c->n != 3 || (c->t[2].type != T_WORD && c->t[2].type != T_STRING))
			return err_at(c, t, "macro definition: %s = value", t->text);
		if (lex_define(lx, t->text, c->t[2].text, false))
			return err_at(c, t, "out of memory");
		return 0;
	}
	if (t->type != T_WORD)
		return err_at(c, t, "syntax error: a rule starts with flow, esp, ah, ike or a macro name");
	c->i = 1;
	if (!strcmp(t->text, "flow"))
		return parse_flow(c, rs, t->line);
	if (!strcmp(t->text, "esp"))
		return parse_sa(c, rs, IPPROTO_ESP, t->line);
	if (!strcmp(t->text, "ah"))
		return parse_sa(c, rs, IPPROTO_AH, t->line);
	if (!strcmp(t->text, "ike"))
		return parse_ike(c, rs, t->line);
	if (!strcmp(t->text, "tcpmd5") || !strcmp(t->text, "ipcomp") || !strcmp(t->text, "ipip"))
		return err_at(c, t, "%s rules are not supported by kipsec", t->text);
	if (!strcmp(t->text, "include"))
		return err_at(c, t, "include is not supported");
	return err_at(c, t, "unknown keyword \"%s\": a rule starts with flow, esp, ah, ike or a macro name",
		      t->text);
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

static bool same_sa(const struct kipsec_sa *a, const struct kipsec_sa *b)
{
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

static bool same_flow(const struct kipsec_policy *a, const struct kipsec_policy *b)
{
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
 * The kernel refuses a second SA with the same (dst, spi, proto) (RFC 4301
 * §4.1) and a second policy with the same direction and selector, whatever
 * its priority: find them here, with both lines, in line order.
 */
static int check_duplicates(const struct ruleset *rs)
{
	const struct rule **v;
	struct dup *dups;
	size_t nsa = 0, nfl = 0, nd = 0;
	int errors = 0;

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
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].kind == RULE_SA)
			v[nsa++] = &rs->v[i];
	for (size_t i = 0; i < rs->n; i++)
		if (rs->v[i].kind == RULE_FLOW)
			v[nsa + nfl++] = &rs->v[i];
	qsort(v, nsa, sizeof(*v), sa_cmp);
	qsort(v + nsa, nfl, sizeof(*v), flow_cmp);
	for (size_t i = 1, first = 0; i < nsa; i++) {
		if (same_sa(&v[first]->u.sa, &v[i]->u.sa))
			dups[nd++] = (struct dup){ v[i]->line, v[first]->line,
						   (size_t)(v[i] - rs->v), v[i] };
		else
			first = i;
	}
	for (size_t i = nsa + 1, first = nsa; i < nsa + nfl; i++) {
		if (same_flow(&v[first]->u.pol, &v[i]->u.pol))
			dups[nd++] = (struct dup){ v[i]->line, v[first]->line,
						   (size_t)(v[i] - rs->v), v[i] };
		else
			first = i;
	}
	/* ike rules: ipsecd refuses a second one with the same flow and peer. */
	for (size_t i = 0; i < rs->n; i++) {
		const struct ike_rule *a = &rs->v[i].u.ike;

		if (rs->v[i].kind != RULE_IKE)
			continue;
		for (size_t k = 0; k < i; k++) {
			const struct ike_rule *b = &rs->v[k].u.ike;

			if (rs->v[k].kind == RULE_IKE && a->proto == b->proto &&
			    a->src.plen == b->src.plen && a->dst.plen == b->dst.plen &&
			    a->src.port == b->src.port && a->dst.port == b->dst.port &&
			    addr_eq_text(&a->src.addr, &b->src.addr) &&
			    addr_eq_text(&a->dst.addr, &b->dst.addr) &&
			    addr_eq_text(&a->peer, &b->peer)) {
				dups[nd++] = (struct dup){ rs->v[i].line, rs->v[k].line, i, &rs->v[i] };
				break;
			}
		}
	}
	qsort(dups, nd, sizeof(*dups), dup_cmp);
	for (size_t i = 0; i < nd; i++) {
		const struct rule *r = dups[i].r;
		char buf[256];

		if (r->kind == RULE_IKE)
			conf_error(rs->file, dups[i].line,
				   "duplicate ike rule: %s, already defined on line %u",
				   ike_rule_text(&r->u.ike, buf, sizeof(buf)), dups[i].first);
		else if (r->kind == RULE_SA)
			conf_error(rs->file, dups[i].line,
				   "duplicate SA: %s spi 0x%08x to %s, already defined on line %u",
				   r->u.sa.proto == IPPROTO_ESP ? "esp" : "ah", r->u.sa.spi,
				   kipsec_addr_ntop(&r->u.sa.dst, buf, sizeof(buf)), dups[i].first);
		else
			conf_error(rs->file, dups[i].line, "duplicate flow: %s, already defined on line %u",
				   flow_selector_text(&r->u.pol, buf, sizeof(buf)), dups[i].first);
		errors++;
	}
	free(v);
	free(dups);
	return errors;
}

int parse_file(const char *path, const struct macro_def *defs, size_t ndefs, struct ruleset *rs)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	const char *slash = strcmp(path, "-") ? strrchr(path, '/') : NULL;
	struct lexer *lx = lex_open(path, name);
	struct token *toks = NULL;
	char *dir = NULL;
	size_t cap = 0;
	int errors = 0;
	bool eof = false;

	memset(rs, 0, sizeof(*rs));
	rs->file = name;
	if (!lx) {
		fprintf(stderr, "%s: %s: %s\n", progname, name, strerror(errno));
		return 1;
	}
	/* Key files are found relative to the file's directory (see key_file). */
	dir = strndup(path, slash ? (size_t)(slash - path) + 1 : 0);
	if (!dir) {
		fprintf(stderr, "%s: out of memory\n", progname);
		lex_close(lx);
		return 1;
	}
	for (size_t i = 0; i < ndefs; i++)
		if (lex_define(lx, defs[i].name, defs[i].value, true)) {
			fprintf(stderr, "%s: out of memory\n", progname);
			lex_close(lx);
			return 1;
		}
	while (!eof) {
		struct cur c = { .file = name, .dir = dir };
		bool bad = false;
		size_t n = 0;

		for (;;) {
			struct token t;

			if (lex_next(lx, &t)) {
				fprintf(stderr, "%s: out of memory\n", progname);
				errors++;
				eof = true;
				break;
			}
			if (t.type == T_EOF)
				eof = true;
			if (t.type == T_EOF || t.type == T_NL) {
				c.end_line = t.line;
				break;
			}
			if (t.type == T_ERROR) {
				bad = true;
				continue;
			}
			if (n == cap) {
				struct token *nt;

				cap = cap ? cap * 2 : 32;
				nt = realloc(toks, cap * sizeof(*nt));
				if (!nt) {
					fprintf(stderr, "%s: out of memory\n", progname);
					free(toks);
					free(dir);
					lex_close(lx);
					return errors + 1;
				}
				toks = nt;
			}
			toks[n++] = t;
		}
		if (bad)
			errors++;
		else if (n) {
			c.t = toks;
			c.n = n;
			if (statement(&c, lx, rs))
				errors++;
		}
		lex_release(lx);
	}
	free(toks);
	free(dir);
	lex_close(lx);
	/* Also after errors: both rules of a duplicate did parse. */
	errors += check_duplicates(rs);
	return errors;
}
