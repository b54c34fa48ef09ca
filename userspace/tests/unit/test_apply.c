// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ipsecctl/apply.c against the fake requests of fake_nl.c:
 * the order of a load (SAs, then flows), the rollback when the kernel
 * refuses something (newest first, by id for flows), the messages
 * (file:line, extack or strerror, the CAP_NET_ADMIN hint), -d, -F, and an
 * interrupted load.  Expected logs and messages are written by hand.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_nl.h"
#include "ipsecctl.h"
#include "tap.h"

const char *progname = "ipsecctl";

#define K1 "0x1111111111111111111111111111111111111111"
#define K2 "0x2222222222222222222222222222222222222222"

static const char conf[] =
	"west = \"192.0.2.1\"\n"
	"east = \"192.0.2.2\"\n"
	"flow esp from 10.1.0.0/24 to 10.2.0.0/24 local $west peer $east\n"
	"esp tunnel from $west to $east spi 0x1000:0x1001 enc aes-128-gcm enckey " K1 ":" K2 "\n";

/* The requests of a load, one per line (fake_nl.c's log format). */
#define ADD_SA1 "sa_add 50 0x1000 192.0.2.1>192.0.2.2 mode 2 enc aes-gcm/20/16 key0 11 auth /0/0 replace 0"
#define ADD_SA2 "sa_add 50 0x1001 192.0.2.2>192.0.2.1 mode 2 enc aes-gcm/20/16 key0 22 auth /0/0 replace 0"
#define ADD_OUT "policy_add dir 2 10.1.0.0/24>10.2.0.0/24 action 1 tmpl 50 mode 2 192.0.2.1>192.0.2.2"
#define ADD_IN "policy_add dir 1 10.2.0.0/24>10.1.0.0/24 action 1 tmpl 50 mode 2 192.0.2.2>192.0.2.1"

struct captured {
	char out[4096], err[4096];
};

static void slurp(int fd, char *buf, size_t len)
{
	ssize_t n = pread(fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

/* Runs apply_rules / flush_all with stdout and stderr sent to files. */
static int run(struct captured *c, int (*fn)(void *), void *arg)
{
	int out = open("out.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int err = open("err.txt", O_RDWR | O_CREAT | O_TRUNC, 0600);
	int so, se, r;

	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	dup2(out, 1);
	dup2(err, 2);
	r = fn(arg);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	slurp(out, c->out, sizeof(c->out));
	slurp(err, c->err, sizeof(c->err));
	close(out);
	close(err);
	return r;
}

struct job {
	struct ruleset rs;
	bool delete, quiet;
};

static int do_apply(void *arg)
{
	struct job *j = arg;

	return apply_rules(&j->rs, j->delete, j->quiet);
}

static int do_flush(void *arg)
{
	(void)arg;
	return flush_all(true);
}

static void load_text(struct job *j, const char *text)
{
	FILE *f = fopen("t.conf", "w");

	fputs(text, f);
	fclose(f);
	memset(j, 0, sizeof(*j));
	if (parse_file("t.conf", NULL, 0, &j->rs))
		abort();
}

static void load(struct job *j)
{
	load_text(j, conf);
}

static void test_no_local(void)
{
	struct captured c;
	struct job j;

	/*
	 * No local: outbound, the template goes without a source (the kernel
	 * routes per packet); inbound, its destination is the routing table's
	 * source towards the peer: on loopback, 127.0.0.1 towards 127.0.0.2.
	 */
	load_text(&j, "flow esp from 10.1.0.0/24 to 10.2.0.0/24 peer 127.0.0.2\n"
		  "flow ah in from 10.3.0.0/24 to 10.4.0.0/24 local 192.0.2.9 peer 127.0.0.2\n"
		  "flow esp out from 10.5.0.0/24 to 10.6.0.0/24\n"
		  "flow esp in from 10.7.0.0/24 to 10.8.0.0/24 peer 127.0.0.2\n");
	fake_reset();
	is_int(run(&c, do_apply, &j), 0, "no local: load succeeds");
	is_str(fake.log, "open\n"
	       "policy_add dir 2 10.1.0.0/24>10.2.0.0/24 action 1 tmpl 50 mode 2 ?>127.0.0.2\n"
	       "policy_add dir 1 10.2.0.0/24>10.1.0.0/24 action 1 tmpl 50 mode 2 127.0.0.2>?\n"
	       "policy_add dir 1 10.3.0.0/24>10.4.0.0/24 action 1 tmpl 51 mode 2 127.0.0.2>192.0.2.9\n"
	       "policy_add dir 2 10.5.0.0/24>10.6.0.0/24 action 1 tmpl 50 mode 1 ?>?\n"
	       "policy_add dir 1 10.7.0.0/24>10.8.0.0/24 action 1 tmpl 50 mode 2 127.0.0.2>?\n"
	       "close\n",
	       "no local: the templates name the peer only, a written local stays");
	ruleset_free(&j.rs);

	load_text(&j, "flow esp in from fd01::/64 to fd02::/64 peer 2001:db8::2\n");
	fake_reset();
	run(&c, do_apply, &j);
	is_str(fake.log, "open\n"
	       "policy_add dir 1 fd01::/64>fd02::/64 action 1 tmpl 50 mode 2 2001:db8::2>?\n"
	       "close\n", "no local, IPv6: the template names the peer only");
	ruleset_free(&j.rs);
}

static void test_load_ok(void)
{
	struct captured c;
	struct job j;

	load(&j);
	fake_reset();
	is_int(run(&c, do_apply, &j), 0, "load: succeeds");
	is_str(fake.log, "open\n" ADD_SA1 "\n" ADD_SA2 "\n" ADD_OUT "\n" ADD_IN "\nclose\n",
	       "load: SAs first, then flows, in file order; first key to the first SPI");
	is_str(c.err, "", "load: nothing on stderr");
	is_str(c.out, "", "load: nothing on stdout");
	ruleset_free(&j.rs);
}

static void test_load_refused(void)
{
	struct captured c;
	struct job j;

	load(&j);
	fake_reset();
	fake.fails[0] = (struct fake_fail){ 4, -EEXIST, "a policy with this selector exists" };
	is_int(run(&c, do_apply, &j), 1, "refused flow: fails");
	is_str(fake.log, "open\n" ADD_SA1 "\n" ADD_SA2 "\n" ADD_OUT "\n" ADD_IN " FAIL 17\n"
	       "policy_del id 1\n"
	       "sa_del 50 0x1001 >192.0.2.1\n"
	       "sa_del 50 0x1000 >192.0.2.2\n"
	       "close\n",
	       "refused flow: what was added is deleted, newest first, the flow by its id");
	is_str(c.err,
	       "t.conf:3: kernel refused flow in from 10.2.0.0/24 to 10.1.0.0/24: a policy with this selector exists\n"
	       "ipsecctl: nothing from t.conf was loaded (what this run had added was taken back)\n",
	       "refused flow: the kernel's message with the rule's line");
	ruleset_free(&j.rs);

	load(&j);
	fake_reset();
	fake.fails[0] = (struct fake_fail){ 1, -EPERM, NULL };
	is_int(run(&c, do_apply, &j), 1, "EPERM: fails");
	is_str(fake.log, "open\n" ADD_SA1 " FAIL 1\nclose\n", "EPERM: nothing to take back");
	is_str(c.err,
	       "t.conf:4: kernel refused esp spi 0x00001000 from 192.0.2.1 to 192.0.2.2: Operation not permitted (ipsecctl needs CAP_NET_ADMIN)\n"
	       "ipsecctl: nothing from t.conf was loaded\n",
	       "EPERM: strerror and the capability it needs");
	ruleset_free(&j.rs);

	load(&j);
	fake_reset();
	fake.fails[0] = (struct fake_fail){ 3, -EINVAL, "template: tunnel mode needs SRC and DST" };
	fake.fails[1] = (struct fake_fail){ 4, -EIO, NULL };
	is_int(run(&c, do_apply, &j), 1, "rollback failure: fails");
	is_str(fake.log, "open\n" ADD_SA1 "\n" ADD_SA2 "\n" ADD_OUT " FAIL 22\n"
	       "sa_del 50 0x1001 >192.0.2.1 FAIL 5\n"
	       "sa_del 50 0x1000 >192.0.2.2\n"
	       "close\n",
	       "rollback failure: the rest is still taken back");
	is_str(c.err,
	       "t.conf:3: kernel refused flow out from 10.1.0.0/24 to 10.2.0.0/24: template: tunnel mode needs SRC and DST\n"
	       "t.conf:4: could not take back esp spi 0x00001001 from 192.0.2.2 to 192.0.2.1: Input/output error\n"
	       "ipsecctl: 1 of the 2 objects this run added could not be taken back\n",
	       "rollback failure: says what is left behind");
	ruleset_free(&j.rs);
}

static void test_interrupted(void)
{
	struct captured c;
	struct job j;

	load(&j);
	fake_reset();
	fake.raise_at = 2;	/* SIGINT while the second SA is being added */
	is_int(run(&c, do_apply, &j), 1, "SIGINT: the load stops");
	is_str(fake.log, "open\n" ADD_SA1 "\n" ADD_SA2 "\n"
	       "sa_del 50 0x1001 >192.0.2.1\n"
	       "sa_del 50 0x1000 >192.0.2.2\n"
	       "close\n",
	       "SIGINT: the request in flight completes, then all is taken back");
	is_str(c.err,
	       "ipsecctl: interrupted\n"
	       "ipsecctl: nothing from t.conf was loaded (what this run had added was taken back)\n",
	       "SIGINT: messages");
	ruleset_free(&j.rs);
}

static void test_delete(void)
{
	struct captured c;
	struct job j;

	load(&j);
	j.delete = true;
	fake_reset();
	fake.fails[0] = (struct fake_fail){ 2, -ENOENT, NULL };
	fake.fails[1] = (struct fake_fail){ 3, -EPERM, NULL };
	is_int(run(&c, do_apply, &j), 1, "-d: an error fails");
	is_str(fake.log, "open\n"
	       "policy_del dir 1 10.2.0.0/24>10.1.0.0/24\n"
	       "policy_del dir 2 10.1.0.0/24>10.2.0.0/24 FAIL 2\n"
	       "sa_del 50 0x1001 >192.0.2.1 FAIL 1\n"
	       "sa_del 50 0x1000 >192.0.2.2\n"
	       "close\n",
	       "-d: flows then SAs, last first, flows by selector; goes on after errors");
	is_str(c.err,
	       "t.conf:3: warning: flow out from 10.1.0.0/24 to 10.2.0.0/24 is not loaded\n"
	       "t.conf:4: kernel refused to delete esp spi 0x00001001 from 192.0.2.2 to 192.0.2.1: Operation not permitted (ipsecctl needs CAP_NET_ADMIN)\n",
	       "-d: warning for what is gone, error for a refusal");

	fake_reset();
	fake.fails[0] = (struct fake_fail){ 1, -ENOENT, NULL };
	is_int(run(&c, do_apply, &j), 0, "-d: what is already gone is no error");
	is_str(c.err, "t.conf:3: warning: flow in from 10.2.0.0/24 to 10.1.0.0/24 is not loaded\n",
	       "-d: the warning");

	fake_reset();
	fake.raise_at = 1;
	is_int(run(&c, do_apply, &j), 1, "-d, SIGINT: stops");
	is_str(fake.log, "open\npolicy_del dir 1 10.2.0.0/24>10.1.0.0/24\nclose\n",
	       "-d, SIGINT: after the request in flight");
	is_str(c.err, "ipsecctl: interrupted\n", "-d, SIGINT: message");

	j.quiet = true;
	fake_reset();
	fake.fails[0] = (struct fake_fail){ 1, -ENOENT, NULL };
	is_int(run(&c, do_apply, &j), 0, "-d -q: succeeds");
	is_str(c.err, "", "-d -q: no warning");
	ruleset_free(&j.rs);
}

static void test_open(void)
{
	static const struct {
		int err;
		const char *msg;
	} cases[] = {
		{ -ENOENT, "ipsecctl: kipsec.ko is not loaded (modprobe kipsec)\n" },
		{ -EPERM, "ipsecctl: permission denied: ipsecctl needs CAP_NET_ADMIN\n" },
		{ -EPROTONOSUPPORT, "ipsecctl: cannot talk to kipsec.ko: Protocol not supported\n" },
	};
	struct captured c;
	struct job j;

	load(&j);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		fake_reset();
		fake.open_err = cases[i].err;
		is_int(run(&c, do_apply, &j), 1, "open %d: fails", cases[i].err);
		is_str(c.err, cases[i].msg, "open %d: message", cases[i].err);
		is_str(fake.log, "", "open %d: no request", cases[i].err);
	}
	ruleset_free(&j.rs);
}

static void test_flush(void)
{
	struct captured c;

	fake_reset();
	is_int(run(&c, do_flush, NULL), 0, "-F: succeeds");
	is_str(fake.log, "open\npolicy_flush\nsa_flush 0\nclose\n", "-F: flows, then every SA");
	is_str(c.out, "flushed all flows\nflushed all SAs\n", "-F -v: says so");

	fake_reset();
	fake.fails[0] = (struct fake_fail){ 1, -EPERM, NULL };
	is_int(run(&c, do_flush, NULL), 1, "-F, EPERM: fails");
	is_str(fake.log, "open\npolicy_flush FAIL 1\nclose\n", "-F, EPERM: stops");
	is_str(c.err, "ipsecctl: flushing the flows: Operation not permitted (ipsecctl needs CAP_NET_ADMIN)\n",
	       "-F, EPERM: message");

	fake_reset();
	fake.fails[0] = (struct fake_fail){ 2, -EINVAL, "bad protocol" };
	is_int(run(&c, do_flush, NULL), 1, "-F, SA flush refused: fails");
	is_str(c.out, "flushed all flows\n", "-F, SA flush refused: the flows are gone");
	is_str(c.err, "ipsecctl: flushing the SAs: bad protocol\n", "-F, SA flush refused: extack");
}

int main(void)
{
	char dir[] = "/tmp/kipsec-test-apply.XXXXXX";

	if (!mkdtemp(dir) || chdir(dir)) {
		perror("test_apply: temporary directory");
		return 1;
	}
	is_str(parse_keyword_misplaced(), NULL, "parse.c: the keyword table is sorted, enum in step");
	test_load_ok();
	test_no_local();
	test_load_refused();
	test_interrupted();
	test_delete();
	test_open();
	test_flush();
	unlink("t.conf");
	unlink("out.txt");
	unlink("err.txt");
	if (chdir("/") || rmdir(dir))
		perror("test_apply: cleanup");
	return tap_done();
}
