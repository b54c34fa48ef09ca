/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ipsec.conf lexer: words, "strings", '=', newlines; '#' comments,
 * '\' line continuation and $macro expansion (as in OpenBSD's ipsec.conf(5):
 * the value of a macro is re-read as if written in its place).
 */
#ifndef IPSECCTL_LEX_H
#define IPSECCTL_LEX_H

#include <stdbool.h>
#include <stddef.h>

enum tok_type {
	T_EOF,
	T_NL,
	T_WORD,
	T_STRING,
	T_EQ,
	T_ERROR,	/* already reported */
};

struct token {
	enum tok_type type;
	unsigned int line;
	char *text;	/* owned by the lexer until lex_release() */
};

struct lexer;

/* path "-" reads stdin; name is what error messages call the file. */
struct lexer *lex_open(const char *path, const char *name);
void lex_close(struct lexer *lx);
const char *lex_name(const struct lexer *lx);
/* Command line definitions win over the file's (cmdline = true). */
int lex_define(struct lexer *lx, const char *name, const char *value, bool cmdline);
bool lex_valid_macro_name(const char *name);
int lex_next(struct lexer *lx, struct token *t);
/* Wipes and frees the text of every token returned so far. */
void lex_release(struct lexer *lx);

void conf_error(const char *file, unsigned int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif /* IPSECCTL_LEX_H */
