// SPDX-License-Identifier: GPL-2.0
/*
 * ipsecctl: loads ipsec.conf(5) into kipsec.ko, shows and flushes what the
 * kernel holds, follows its events (after OpenBSD's ipsecctl(8)).
 *
 * The order of work is fixed whatever the order of the options: the file is
 * parsed first (an error there stops everything before the kernel is even
 * asked), then -F flushes, then the file is loaded (or deleted, -d), then -s
 * shows and -m monitors.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ipsecctl.h"
#include "lex.h"

const char *progname = "ipsecctl";

static void usage(FILE *f)
{
	fprintf(f,
		"usage: %s [-dFhjkmnqv] [-D macro=value] [-f file] [-s flow|sa|ike|all|stats]\n"
		"          [-S socket]\n"
		"  -f file     load the flows, SAs and ike rules of file (\"-\": standard input)\n"
		"  -n          parse only: change nothing in the kernel\n"
		"  -v          print the parsed rules (with -s: details and counters)\n"
		"  -d          delete the rules of the file instead of adding them\n"
		"  -F          flush every flow and SA, and ipsecd's rules\n"
		"  -s what     show flow, sa, ike (ipsecd's SAs), all, or stats (global counters)\n"
		"  -k          show keys\n"
		"  -m          monitor kernel events until interrupted\n"
		"  -j          JSON output for -s and -m\n"
		"  -D m=value  define macro m, overriding the file's definition\n"
		"  -q          quiet: no warnings\n"
		"  -S socket   ipsecd's control socket (default " IKE_CTL_SOCKET ")\n"
		"  -h          this help\n", progname);
}

/* -s takes a word or an abbreviation: f, s, a (as OpenBSD), st. */
static int show_arg(const char *arg, unsigned int *what)
{
	static const struct {
		const char *name;
		size_t min;
		unsigned int what;
	} words[] = {
		{ "flow", 1, SHOW_FLOWS },
		{ "sa", 1, SHOW_SAS },
		{ "all", 1, SHOW_ALL | SHOW_IKE_IF_UP },
		{ "stats", 2, SHOW_STATS },
		{ "ike", 1, SHOW_IKE },
	};
	size_t len = strlen(arg);
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (len >= words[i].min && len <= strlen(words[i].name) &&
		    !strncmp(arg, words[i].name, len)) {
			*what |= words[i].what;
			return 0;
		}
	}
	fprintf(stderr, "%s: -s %s: show flow, sa, ike, all or stats\n", progname, arg);
	return -1;
}

/* What the command line asks for. */
struct args {
	bool noaction, verbose, delete, flush, keys, mon, json, quiet, help;
	struct macro_def *defs;		/* -D, argc entries */
	size_t ndefs;
	unsigned int what;		/* -s, enum show_what */
	const char *file;
};

/* -D macro=value; 0 or -1 after the message. */
static int define_arg(struct args *a, char *arg)
{
	char *eq = strchr(arg, '=');

	if (!eq) {
		fprintf(stderr, "%s: -D %s: expected macro=value\n", progname, arg);
		return -1;
	}
	*eq = '\0';
	if (!lex_valid_macro_name(arg)) {
		fprintf(stderr, "%s: -D %s: bad macro name (letters, digits, '_')\n", progname, arg);
		return -1;
	}
	a->defs[a->ndefs].name = arg;
	a->defs[a->ndefs].value = eq + 1;
	a->ndefs++;
	return 0;
}

/* The options without an argument: each sets one flag. */
static const struct {
	char opt;
	size_t off;
} flags[] = {
	{ 'd', offsetof(struct args, delete) }, { 'F', offsetof(struct args, flush) },
	{ 'h', offsetof(struct args, help) }, { 'j', offsetof(struct args, json) },
	{ 'k', offsetof(struct args, keys) }, { 'm', offsetof(struct args, mon) },
	{ 'n', offsetof(struct args, noaction) }, { 'q', offsetof(struct args, quiet) },
	{ 'v', offsetof(struct args, verbose) },
};

/* One option; 0 or -1 after the message. */
static int option(struct args *a, int c)
{
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (flags[i].opt == c) {
			*(bool *)((char *)a + flags[i].off) = true;
			return 0;
		}
	}
	switch (c) {
	case 'D':
		return define_arg(a, optarg);
	case 'f':
		if (a->file) {
			fprintf(stderr, "%s: -f given twice\n", progname);
			return -1;
		}
		a->file = optarg;
		return 0;
	case 's':
		return show_arg(optarg, &a->what);
	case 'S':
		ike_socket = optarg;
		return 0;
	case ':':
		fprintf(stderr, "%s: -%c needs an argument\n", progname, optopt);
		return -1;
	}
	fprintf(stderr, "%s: unknown option -%c\n", progname, optopt);
	return -1;
}

/* The options that only make sense together; 0 or -1 after the message. */
static int check_args(const struct args *a, int argc, char **argv)
{
	const char *why = NULL;

	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", progname, argv[optind]);
		return -1;
	}
	if (!a->file && !a->flush && !a->what && !a->mon)
		why = "nothing to do: give -f, -F, -s or -m";
	else if (a->delete && !a->file)
		why = "-d needs -f";
	else if (a->json && !a->what && !a->mon)
		why = "-j needs -s or -m";
	else if (a->ndefs && !a->file)
		why = "-D needs -f";
	if (why)
		fprintf(stderr, "%s: %s\n", progname, why);
	return why ? -1 : 0;
}

static int parse_args(struct args *a, int argc, char **argv)
{
	int c;

	opterr = 0;	/* our own messages, named "ipsecctl" whatever argv[0] is */
	while ((c = getopt(argc, argv, ":dD:f:Fhjkmnqs:S:v")) != -1) {
		if (option(a, c))
			return -1;
		if (a->help)
			return 0;
	}
	return check_args(a, argc, argv);
}

/* The order of work is fixed (see the top of this file). */
static int run(const struct args *a, struct ruleset *rs)
{
	int ret = 0;

	if (a->flush && !a->noaction)
		ret |= flush_all(a->verbose);
	if (a->file && !a->noaction && !ret)
		ret |= apply_rules(rs, a->delete, a->quiet);
	ruleset_free(rs);
	if (a->what && !ret)
		ret |= show(a->what, a->json, a->keys, a->verbose);
	if (a->mon && !ret)
		ret |= monitor(a->json);
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", progname, strerror(errno));
		ret = 1;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct args a = { 0 };
	struct ruleset rs = { 0 };

	a.defs = calloc((size_t)argc, sizeof(*a.defs));
	if (!a.defs) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	if (parse_args(&a, argc, argv)) {
		usage(stderr);
		free(a.defs);
		return 1;
	}
	if (a.help) {
		usage(stdout);
		free(a.defs);
		return 0;
	}
	/* A file with any error sends nothing: parse it before all else. */
	if (a.file && parse_file(a.file, a.defs, a.ndefs, &rs)) {
		ruleset_free(&rs);
		free(a.defs);
		return 1;
	}
	free(a.defs);
	if (a.file && a.verbose) {
		for (size_t i = 0; i < rs.n; i++) {
			print_rule(stdout, &rs.v[i], a.keys);
			if (rs.v[i].kind == RULE_IKE)
				print_ike_warning(stdout, &rs.v[i].u.ike);
		}
		fflush(stdout);
	}
	return run(&a, &rs);
}
