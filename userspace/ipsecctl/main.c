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

int main(int argc, char **argv)
{
	bool noaction = false, verbose = false, delete = false, flush = false, keys = false;
	bool mon = false, json = false, quiet = false;
	struct macro_def *defs = NULL;
	size_t ndefs = 0;
	unsigned int what = 0;
	const char *file = NULL;
	struct ruleset rs = { 0 };
	int c, ret = 0;

	defs = calloc((size_t)argc, sizeof(*defs));
	if (!defs) {
		fprintf(stderr, "%s: out of memory\n", progname);
		return 1;
	}
	opterr = 0;	/* our own messages, named "ipsecctl" whatever argv[0] is */
	while ((c = getopt(argc, argv, ":dD:f:Fhjkmnqs:S:v")) != -1) {
		switch (c) {
		case 'd':
			delete = true;
			break;
		case 'D': {
			char *eq = strchr(optarg, '=');

			if (!eq) {
				fprintf(stderr, "%s: -D %s: expected macro=value\n", progname, optarg);
				goto usage_error;
			}
			*eq = '\0';
			if (!lex_valid_macro_name(optarg)) {
				fprintf(stderr, "%s: -D %s: bad macro name (letters, digits, '_')\n",
					progname, optarg);
				goto usage_error;
			}
			defs[ndefs].name = optarg;
			defs[ndefs].value = eq + 1;
			ndefs++;
			break;
		}
		case 'f':
			if (file) {
				fprintf(stderr, "%s: -f given twice\n", progname);
				goto usage_error;
			}
			file = optarg;
			break;
		case 'F':
			flush = true;
			break;
		case 'h':
			usage(stdout);
			free(defs);
			return 0;
		case 'j':
			json = true;
			break;
		case 'k':
			keys = true;
			break;
		case 'm':
			mon = true;
			break;
		case 'n':
			noaction = true;
			break;
		case 'q':
			quiet = true;
			break;
		case 's':
			if (show_arg(optarg, &what))
				goto usage_error;
			break;
		case 'S':
			ike_socket = optarg;
			break;
		case 'v':
			verbose = true;
			break;
		case ':':
			fprintf(stderr, "%s: -%c needs an argument\n", progname, optopt);
			goto usage_error;
		default:
			fprintf(stderr, "%s: unknown option -%c\n", progname, optopt);
			goto usage_error;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument \"%s\"\n", progname, argv[optind]);
		goto usage_error;
	}
	if (!file && !flush && !what && !mon) {
		fprintf(stderr, "%s: nothing to do: give -f, -F, -s or -m\n", progname);
		goto usage_error;
	}
	if (delete && !file) {
		fprintf(stderr, "%s: -d needs -f\n", progname);
		goto usage_error;
	}
	if (json && !what && !mon) {
		fprintf(stderr, "%s: -j needs -s or -m\n", progname);
		goto usage_error;
	}
	if (ndefs && !file) {
		fprintf(stderr, "%s: -D needs -f\n", progname);
		goto usage_error;
	}

	/* A file with any error sends nothing: parse it before all else. */
	if (file) {
		int errors = parse_file(file, defs, ndefs, &rs);

		if (errors) {
			ruleset_free(&rs);
			free(defs);
			return 1;
		}
		if (verbose) {
			for (size_t i = 0; i < rs.n; i++)
				print_rule(stdout, &rs.v[i], keys);
			fflush(stdout);
		}
	}
	free(defs);

	if (flush && !noaction)
		ret |= flush_all(verbose);
	if (file && !noaction && !ret)
		ret |= apply_rules(&rs, delete, quiet);
	ruleset_free(&rs);
	if (what && !ret)
		ret |= show(what, json, keys, verbose);
	if (mon && !ret)
		ret |= monitor(json);

	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "%s: writing the output: %s\n", progname, strerror(errno));
		ret = 1;
	}
	return ret;

usage_error:
	usage(stderr);
	free(defs);
	return 1;
}
