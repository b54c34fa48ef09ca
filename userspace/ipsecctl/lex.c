// SPDX-License-Identifier: GPL-2.0
/* The ipsec.conf lexer (see lex.h). */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"

/* Markers around a macro's value in the pushback stack. */
#define EXPAND_START	0x100
#define EXPAND_END	0x101
/* A NUL byte in the file: never part of a word or a string. */
#define NUL_BYTE	0x102
#define MAX_WORD	4096

struct macro {
	char *name;
	char *value;
	bool cmdline;
};

struct lexer {
	const char *name;
	char *buf;		/* the whole file */
	size_t len, pos;
	unsigned int line;
	int *back;		/* pushback stack, top at the end */
	size_t nback, capback;
	int expanding;
	struct macro *macros;
	size_t nmacros;
	char **texts;		/* token texts handed out */
	size_t ntexts, captexts;
};

void conf_error(const char *file, unsigned int line, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "%s:%u: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static char *read_all(FILE *f, size_t *len)
{
	size_t cap = 65536, n = 0;
	char *buf = malloc(cap);

	while (buf) {
		size_t r;

		if (n + 1 >= cap) {
			char *nb = malloc(cap * 2);

			if (nb)
				memcpy(nb, buf, n);
			explicit_bzero(buf, n);	/* the file may hold keys */
			free(buf);
			buf = nb;
			cap *= 2;
			if (!buf)
				break;
		}
		r = fread(buf + n, 1, cap - n - 1, f);
		n += r;
		if (r == 0) {
			if (ferror(f)) {
				explicit_bzero(buf, n);
				free(buf);
				return NULL;
			}
			break;
		}
	}
	if (!buf) {
		errno = ENOMEM;
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

struct lexer *lex_open(const char *path, const char *name)
{
	struct lexer *lx = calloc(1, sizeof(*lx));
	FILE *f;
	int err;

	if (!lx)
		return NULL;
	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		err = errno;
		free(lx);
		errno = err;
		return NULL;
	}
	lx->buf = read_all(f, &lx->len);
	err = errno;
	if (f != stdin)
		fclose(f);
	if (!lx->buf) {
		free(lx);
		errno = err;
		return NULL;
	}
	lx->name = name;
	lx->line = 1;
	return lx;
}

const char *lex_name(const struct lexer *lx)
{
	return lx->name;
}

void lex_release(struct lexer *lx)
{
	for (size_t i = 0; i < lx->ntexts; i++) {
		explicit_bzero(lx->texts[i], strlen(lx->texts[i]));
		free(lx->texts[i]);
	}
	lx->ntexts = 0;
}

void lex_close(struct lexer *lx)
{
	if (!lx)
		return;
	lex_release(lx);
	free(lx->texts);
	explicit_bzero(lx->buf, lx->len);
	free(lx->buf);
	for (size_t i = 0; i < lx->nmacros; i++) {
		explicit_bzero(lx->macros[i].value, strlen(lx->macros[i].value));
		free(lx->macros[i].name);
		free(lx->macros[i].value);
	}
	free(lx->macros);
	if (lx->back)
		explicit_bzero(lx->back, lx->capback * sizeof(int));
	free(lx->back);
	free(lx);
}

bool lex_valid_macro_name(const char *name)
{
	if (!isalpha((unsigned char)*name) && *name != '_')
		return false;
	for (; *name; name++)
		if (!isalnum((unsigned char)*name) && *name != '_')
			return false;
	return true;
}

static struct macro *lookup(struct lexer *lx, const char *name)
{
	for (size_t i = 0; i < lx->nmacros; i++)
		if (!strcmp(lx->macros[i].name, name))
			return &lx->macros[i];
	return NULL;
}

int lex_define(struct lexer *lx, const char *name, const char *value, bool cmdline)
{
	struct macro *m = lookup(lx, name);
	char *v;

	if (m && m->cmdline && !cmdline)
		return 0;	/* -D overrides the file, as in OpenBSD */
	v = strdup(value);
	if (!v)
		return -ENOMEM;
	if (m) {
		explicit_bzero(m->value, strlen(m->value));
		free(m->value);
		m->value = v;
		m->cmdline = cmdline;
		return 0;
	}
	m = realloc(lx->macros, (lx->nmacros + 1) * sizeof(*m));
	if (!m) {
		free(v);
		return -ENOMEM;
	}
	lx->macros = m;
	m = &lx->macros[lx->nmacros];
	m->name = strdup(name);
	if (!m->name) {
		free(v);
		return -ENOMEM;
	}
	m->value = v;
	m->cmdline = cmdline;
	lx->nmacros++;
	return 0;
}

static int push(struct lexer *lx, int c)
{
	if (lx->nback == lx->capback) {
		size_t cap = lx->capback ? lx->capback * 2 : 256;
		int *nb = malloc(cap * sizeof(int));

		if (!nb)
			return -ENOMEM;
		if (lx->back) {
			memcpy(nb, lx->back, lx->nback * sizeof(int));
			explicit_bzero(lx->back, lx->capback * sizeof(int));
			free(lx->back);
		}
		lx->back = nb;
		lx->capback = cap;
	}
	lx->back[lx->nback++] = c;
	return 0;
}

/* The next character, EOF at the end; expansion markers are consumed here. */
static int lgetc(struct lexer *lx)
{
	for (;;) {
		int c;

		if (lx->nback) {
			c = lx->back[--lx->nback];
			if (c == EXPAND_START) {
				lx->expanding++;
				continue;
			}
			if (c == EXPAND_END) {
				lx->expanding--;
				continue;
			}
			return c;
		}
		if (lx->pos >= lx->len)
			return EOF;
		c = (unsigned char)lx->buf[lx->pos++];
		/* A NUL byte ends nothing and means nothing: refuse it below. */
		return c ? c : NUL_BYTE;
	}
}

static void lungetc(struct lexer *lx, int c)
{
	if (c != EOF)
		push(lx, c);
}

static char *keep(struct lexer *lx, const char *s, size_t n)
{
	char *t;

	if (lx->ntexts == lx->captexts) {
		size_t cap = lx->captexts ? lx->captexts * 2 : 32;
		char **v = realloc(lx->texts, cap * sizeof(*v));

		if (!v)
			return NULL;
		lx->texts = v;
		lx->captexts = cap;
	}
	t = malloc(n + 1);
	if (!t)
		return NULL;
	memcpy(t, s, n);
	t[n] = '\0';
	lx->texts[lx->ntexts++] = t;
	return t;
}

/* Reads $NAME (the '$' already read) and pushes the macro's value back. */
static int expand(struct lexer *lx)
{
	char name[128];
	size_t n = 0;
	struct macro *m;
	int c;

	while ((c = lgetc(lx)) != EOF && c < 0x100 && (isalnum(c) || c == '_')) {
		if (n + 1 >= sizeof(name)) {
			conf_error(lx->name, lx->line, "macro name too long");
			return -1;
		}
		name[n++] = (char)c;
	}
	lungetc(lx, c);
	name[n] = '\0';
	if (!n) {
		conf_error(lx->name, lx->line, "'$' without a macro name");
		return -1;
	}
	m = lookup(lx, name);
	if (!m) {
		conf_error(lx->name, lx->line, "macro \"%s\" is not defined", name);
		return -1;
	}
	if (push(lx, EXPAND_END))
		return -1;
	for (size_t i = strlen(m->value); i > 0; i--)
		if (push(lx, (unsigned char)m->value[i - 1]))
			return -1;
	return push(lx, EXPAND_START);
}

static int fail(struct lexer *lx, struct token *t)
{
	int c;

	/* Skip the rest of the line so the parser can go on with the next. */
	while ((c = lgetc(lx)) != EOF && c != '\n')
		;
	lungetc(lx, c);
	t->type = T_ERROR;
	t->text = NULL;
	return 0;
}

/* Blanks and comments: returns the first character after them. */
static int skip_blanks(struct lexer *lx)
{
	int c;

	for (;;) {
		do
			c = lgetc(lx);
		while (c == ' ' || c == '\t' || c == '\r');
		if (c != '#')
			return c;
		while ((c = lgetc(lx)) != EOF && c != '\n')
			;
		lungetc(lx, c);
	}
}

/* After a '\': true for a line continuation (the newline is a blank). */
static bool continuation(struct lexer *lx)
{
	int c = lgetc(lx);

	if (c == '\r') {	/* a CRLF file */
		int d = lgetc(lx);

		if (d == '\n')
			c = d;
		else
			lungetc(lx, d);
	}
	if (c != '\n')
		return false;
	lx->line++;
	return true;
}

/* A quoted string, its opening '"' read: \" and \\ are escapes. */
static int lex_string(struct lexer *lx, struct token *t)
{
	char word[MAX_WORD];
	size_t n = 0;
	int c;

	for (;;) {
		c = lgetc(lx);
		if (c == '\\') {
			int d = lgetc(lx);

			if (d == '"' || d == '\\')
				c = d;
			else
				lungetc(lx, d);
		} else if (c == '"') {
			break;
		} else if (c == EOF || c == '\n') {
			lungetc(lx, c);
			conf_error(lx->name, t->line, "unterminated string");
			return fail(lx, t);
		}
		if (c == NUL_BYTE) {
			conf_error(lx->name, t->line, "NUL byte in string");
			return fail(lx, t);
		}
		if (n + 1 >= sizeof(word)) {
			conf_error(lx->name, t->line, "string too long");
			explicit_bzero(word, n);
			return fail(lx, t);
		}
		word[n++] = (char)c;
	}
	t->type = T_STRING;
	t->text = keep(lx, word, n);
	explicit_bzero(word, n);
	return t->text ? 0 : -ENOMEM;
}

static bool ends_word(int c)
{
	return c == EOF || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '#' ||
	       c == '"' || c == '=' || c == '\\';
}

/*
 * A word from its first character c: everything up to a blank or a
 * character of its own, macros expanded.  *empty: it was a macro that
 * expanded to nothing, and there is no token.
 */
static int lex_word(struct lexer *lx, struct token *t, int c, bool *empty)
{
	char word[MAX_WORD];
	size_t n = 0;

	for (; !ends_word(c); c = lgetc(lx)) {
		if (c == '$' && !lx->expanding) {
			if (expand(lx) < 0)
				goto bad;
			continue;
		}
		if (c == NUL_BYTE || c < 0x20 || c == 0x7f) {
			conf_error(lx->name, t->line, "invalid character 0x%02x",
				   c == NUL_BYTE ? 0 : (unsigned int)c);
			goto bad;
		}
		if (n + 1 >= sizeof(word)) {
			conf_error(lx->name, t->line, "word too long");
			goto bad;
		}
		word[n++] = (char)c;
	}
	lungetc(lx, c);
	*empty = n == 0;
	if (*empty)
		return 0;
	t->type = T_WORD;
	t->text = keep(lx, word, n);
	explicit_bzero(word, n);
	return t->text ? 0 : -ENOMEM;
bad:
	explicit_bzero(word, n);
	return fail(lx, t);
}

int lex_next(struct lexer *lx, struct token *t)
{
	for (;;) {
		int c = skip_blanks(lx), err;
		bool empty;

		t->line = lx->line;
		t->text = NULL;
		switch (c) {
		case EOF:
			t->type = T_EOF;
			return 0;
		case '\n':
			t->type = T_NL;
			lx->line++;
			return 0;
		case '\\':
			if (continuation(lx))
				continue;
			conf_error(lx->name, lx->line, "'\\' must end the line (line continuation)");
			return fail(lx, t);
		case '=':
			t->type = T_EQ;
			t->text = keep(lx, "=", 1);
			return t->text ? 0 : -ENOMEM;
		case '"':
			return lex_string(lx, t);
		}
		err = lex_word(lx, t, c, &empty);
		if (err || !empty)
			return err;
	}
}
