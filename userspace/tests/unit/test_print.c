// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of ipsecctl/print.c: the lines and JSON objects ipsecctl
 * prints for what the kernel sends back (-s, -m), which the parser golden
 * tests cannot reach without a kernel.  Objects are built here as
 * lib/nl_sa.c and lib/nl_policy.c would decode them; the expected text is
 * written by hand.
 */
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ipsecctl.h"
#include "json.h"
#include "kipsec_text.h"
#include "tap.h"

const char *progname = "ipsecctl";

/* Runs fn(f, arg) into a string; the caller frees it. */
#define CAPTURE(out, call) do {							\
	size_t len_;								\
	FILE *f = open_memstream(&(out), &len_);				\
	call;									\
	fclose(f);								\
} while (0)

static struct kipsec_addr addr(const char *s)
{
	struct kipsec_addr a;

	if (kipsec_parse_addr(s, &a))
		abort();
	return a;
}

static void set_alg(struct kipsec_alg *a, const char *name, uint32_t key_len, uint32_t icv_len,
		    uint8_t fill)
{
	snprintf(a->name, sizeof(a->name), "%s", name);
	a->key_len = key_len;
	a->icv_len = icv_len;
	for (uint32_t i = 0; i < key_len; i++)
		a->key[i] = fill ? fill : (uint8_t)i;
}

/* As a listing without keys sends it: the key length is unknown (0). */
static struct kipsec_sa sa_gcm(void)
{
	struct kipsec_sa sa = { 0 };

	sa.src = addr("192.0.2.1");
	sa.dst = addr("192.0.2.2");
	sa.spi = 0x1000;
	sa.proto = IPPROTO_ESP;
	sa.mode = KIPSEC_MODE_TUNNEL;
	set_alg(&sa.enc, "aes-gcm", 0, 16, 0);
	sa.replay_window = 64;
	sa.state = KIPSEC_SA_STATE_MATURE;
	return sa;
}

/* With keys, every optional field set. */
static struct kipsec_sa sa_full(void)
{
	struct kipsec_sa sa = { 0 };

	sa.src = addr("2001:db8::1");
	sa.dst = addr("2001:db8::2");
	sa.spi = 0xdeadbeef;
	sa.proto = IPPROTO_ESP;
	sa.mode = KIPSEC_MODE_TRANSPORT;
	sa.reqid = 9;
	set_alg(&sa.enc, "aes-cbc", 32, 0, 0);
	set_alg(&sa.auth, "hmac-sha2-384", 48, 24, 0xab);
	sa.replay_window = 0;
	sa.flags = KIPSEC_SA_F_ESN;
	sa.soft.packets = 1000;
	sa.hard.packets = 2000;
	sa.hard.add_secs = 3600;
	sa.state = KIPSEC_SA_STATE_MATURE;
	sa.add_time = 1700000000;	/* 2023-11-14 22:13:20 UTC */
	sa.seq_out = 5;
	sa.seq_in = 7;
	sa.stats = (struct kipsec_sa_stats){ 12, 3456, 1, 2, 3, 4 };
	return sa;
}

static struct kipsec_sa sa_ah_natt(void)
{
	struct kipsec_sa sa = { 0 };

	sa.src = addr("192.0.2.1");
	sa.dst = addr("192.0.2.2");
	sa.spi = 0x100;
	sa.proto = IPPROTO_AH;
	sa.mode = KIPSEC_MODE_TUNNEL;
	set_alg(&sa.auth, "hmac-sha1", 0, 12, 0);
	sa.replay_window = 64;
	sa.encap_sport = 4500;
	sa.encap_dport = 4500;
	return sa;
}

#define KEY32 "0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define AB8 "abababababababab"
#define KEY48AB "0x" AB8 AB8 AB8 AB8 AB8 AB8

static void test_sa_lines(void)
{
	struct kipsec_sa sa;
	char *s;

	sa = sa_gcm();
	CAPTURE(s, print_sa_line(f, &sa, false));
	is_str(s, "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00001000 enc aes-gcm\n",
	       "sa line: aes-gcm without key length keeps the kernel name");
	free(s);

	sa = sa_full();
	CAPTURE(s, print_sa_line(f, &sa, true));
	is_str(s, "esp transport from 2001:db8::1 to 2001:db8::2 spi 0xdeadbeef enc aes-256 enckey "
	       KEY32 " auth hmac-sha2-384 authkey " KEY48AB " replay 0 esn reqid 9"
	       " soft packets 1000 hard packets 2000 seconds 3600\n",
	       "sa line: every field, keys shown");
	free(s);
	CAPTURE(s, print_sa_line(f, &sa, false));
	is_str(s, "esp transport from 2001:db8::1 to 2001:db8::2 spi 0xdeadbeef enc aes-256 "
	       "auth hmac-sha2-384 replay 0 esn reqid 9 soft packets 1000 hard packets 2000 seconds 3600\n",
	       "sa line: keys hidden without -k");
	free(s);

	sa = sa_ah_natt();
	CAPTURE(s, print_sa_line(f, &sa, true));
	is_str(s, "ah tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00000100 auth hmac-sha1 udpencap 4500:4500\n",
	       "sa line: AH with NAT-T, no key to show");
	free(s);

	sa = sa_gcm();
	sa.ifindex = if_nametoindex("lo");
	CAPTURE(s, print_sa_line(f, &sa, false));
	is_str(s, "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00001000 enc aes-gcm interface lo\n",
	       "sa line: bound to an interface, by name");
	free(s);
	sa.ifindex = 999999;
	CAPTURE(s, print_sa_line(f, &sa, false));
	is_str(s, "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00001000 enc aes-gcm interface 999999\n",
	       "sa line: an interface gone from this namespace, by index");
	free(s);

	CAPTURE(s, print_rule(f, &(struct rule){ .kind = RULE_SA, .u.sa = sa_gcm() }, false));
	is_str(s, "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00001000 enc aes-gcm\n",
	       "print_rule: an SA");
	free(s);

	sa = sa_full();
	is_str(sa_id_text(&sa, (char[128]){ 0 }, 128),
	       "esp spi 0xdeadbeef from 2001:db8::1 to 2001:db8::2", "sa_id_text");
}

static void test_alg_names(void)
{
	struct kipsec_alg a;

	set_alg(&a, "aes-gcm", 28, 8, 1);
	is_str(alg_conf_name(&a, true), "aes-192-gcm-8", "alg name: aes-gcm 28 bytes ICV 8");
	set_alg(&a, "aes-gcm", 0, 12, 0);
	is_str(alg_conf_name(&a, true), "aes-gcm", "alg name: aes-gcm, no key: ambiguous");
	set_alg(&a, "aes-cbc", 0, 0, 0);
	is_str(alg_conf_name(&a, true), "aes-cbc", "alg name: aes-cbc, no key: ambiguous");
	set_alg(&a, "chacha20-poly1305", 0, 16, 0);
	is_str(alg_conf_name(&a, true), "chacha20-poly1305", "alg name: chacha20, no key: one size");
	set_alg(&a, "3des-cbc", 0, 0, 0);
	is_str(alg_conf_name(&a, true), "3des", "alg name: 3des-cbc, no key: one size");
	set_alg(&a, "null", 0, 0, 0);
	is_str(alg_conf_name(&a, true), "null", "alg name: null");
	set_alg(&a, "hmac-sha2-512", 0, 32, 0);
	is_str(alg_conf_name(&a, false), "hmac-sha2-512", "alg name: hmac-sha2-512, no key");
	set_alg(&a, "hmac-sha2-512", 64, 0, 1);
	is_str(alg_conf_name(&a, false), "hmac-sha2-512", "alg name: hmac-sha2-512, default ICV");
	set_alg(&a, "hmac-sha2-256", 0, 12, 0);
	is_str(alg_conf_name(&a, false), "hmac-sha2-256",
	       "alg name: hmac-sha2-256 with an ICV ipsec.conf cannot write: kernel name");
	set_alg(&a, "serpent-cbc", 32, 0, 1);
	is_str(alg_conf_name(&a, true), "serpent-cbc", "alg name: unknown to the table");
	set_alg(&a, "hmac-sha1", 20, 12, 1);
	is_str(alg_conf_name(&a, true), "hmac-sha1", "alg name: wrong kind: kernel name");
}

static struct kipsec_policy flow(const char *src, uint8_t splen, const char *dst, uint8_t dplen,
				 uint8_t dir)
{
	struct kipsec_policy p = { 0 };

	p.src = addr(src);
	p.dst = addr(dst);
	p.src_plen = splen;
	p.dst_plen = dplen;
	p.dir = dir;
	p.priority = 1000;
	p.action = KIPSEC_ACTION_BYPASS;
	return p;
}

static void protect(struct kipsec_policy *p, uint8_t proto, const char *tsrc, const char *tdst)
{
	p->action = KIPSEC_ACTION_PROTECT;
	p->level = KIPSEC_LEVEL_REQUIRE;
	p->has_tmpl = true;
	p->tmpl.proto = proto;
	p->tmpl.mode = tdst || tsrc ? KIPSEC_MODE_TUNNEL : KIPSEC_MODE_TRANSPORT;
	if (tsrc)
		p->tmpl.src = addr(tsrc);
	if (tdst)
		p->tmpl.dst = addr(tdst);
}

static void flow_is(const struct kipsec_policy *p, const char *want, const char *name)
{
	char *s;

	CAPTURE(s, print_flow_line(f, p));
	is_str(s, want, "flow line: %s", name);
	free(s);
}

static void test_flow_lines(void)
{
	struct kipsec_policy p;
	char buf[256];
	char *s;

	p = flow("10.1.0.0", 24, "10.2.0.0", 24, KIPSEC_DIR_OUT);
	protect(&p, IPPROTO_ESP, "192.0.2.1", "192.0.2.2");
	flow_is(&p, "flow esp out from 10.1.0.0/24 to 10.2.0.0/24 local 192.0.2.1 peer 192.0.2.2 type require\n",
		"out: local is the template's source");
	p = flow("10.2.0.0", 24, "10.1.0.0", 24, KIPSEC_DIR_IN);
	protect(&p, IPPROTO_ESP, "192.0.2.2", "192.0.2.1");
	flow_is(&p, "flow esp in from 10.2.0.0/24 to 10.1.0.0/24 local 192.0.2.1 peer 192.0.2.2 type require\n",
		"in: the peer is the template's source");

	p = flow("::", 0, "::", 0, KIPSEC_DIR_OUT);
	flow_is(&p, "flow out from ::/0 to any type bypass\n",
		"IPv6 any to any: from ::/0 keeps the family");
	p = flow("0.0.0.0", 0, "0.0.0.0", 0, KIPSEC_DIR_OUT);
	flow_is(&p, "flow out from any to any type bypass\n", "IPv4 any to any");

	p = flow("::", 0, "::", 0, KIPSEC_DIR_OUT);
	protect(&p, IPPROTO_AH, NULL, "192.0.2.2");
	p.level = KIPSEC_LEVEL_USE;
	p.proto = IPPROTO_TCP;
	p.dport = 443;
	p.priority = 5;
	p.tmpl.reqid = 3;
	flow_is(&p, "flow ah out proto tcp from ::/0 to any port 443 peer 192.0.2.2 type use priority 5 reqid 3\n",
		"IPv6 in an IPv4 tunnel, any to any");
	is_str(flow_selector_text(&p, buf, sizeof(buf)), "out proto tcp from ::/0 to any port 443",
	       "flow_selector_text");

	p = flow("::", 0, "::", 0, KIPSEC_DIR_IN);
	protect(&p, IPPROTO_ESP, "2001:db8::2", NULL);
	flow_is(&p, "flow esp in from any to any peer 2001:db8::2 type require\n",
		"IPv6 any to any, the peer gives the family");

	p = flow("10.0.0.0", 8, "192.0.2.7", 32, KIPSEC_DIR_FWD);
	p.action = KIPSEC_ACTION_DISCARD;
	p.proto = 200;
	p.sport = 7;
	flow_is(&p, "flow fwd proto 200 from 10.0.0.0/8 port 7 to 192.0.2.7 type deny\n",
		"fwd, numeric protocol, host without /32");

	p = flow("192.0.2.1", 32, "192.0.2.2", 32, KIPSEC_DIR_OUT);
	protect(&p, IPPROTO_ESP, NULL, NULL);
	p.proto = IPPROTO_ICMPV6;
	flow_is(&p, "flow esp out proto icmp6 from 192.0.2.1 to 192.0.2.2 type require\n",
		"transport: no endpoints");
	CAPTURE(s, print_rule(f, &(struct rule){ .kind = RULE_FLOW, .u.pol = p }, true));
	is_str(s, "flow esp out proto icmp6 from 192.0.2.1 to 192.0.2.2 type require\n",
	       "print_rule: a flow");
	free(s);
}

static void test_details(void)
{
	struct kipsec_policy p;
	struct kipsec_sa sa;
	char *s;

	sa = sa_full();
	CAPTURE(s, print_sa_details(f, &sa));
	is_str(s,
	       "\tstate: mature  replay window: 0  esn: yes\n"
	       "\tadded: 2023-11-14 22:13:20  first used: never\n"
	       "\tsequence numbers: out 5  in 7\n"
	       "\tpackets: 12  bytes: 3456\n"
	       "\treplay drops: 1  auth failures: 2  decrypt errors: 3  policy drops: 4\n"
	       "\tsoft lifetime: 1000 packets\n"
	       "\thard lifetime: 2000 packets, 3600 s after add\n",
	       "sa details");
	free(s);
	sa = sa_ah_natt();
	sa.soft = (struct kipsec_lifetime){ 1, 2, 3, 4 };
	sa.use_time = 1700000060;
	CAPTURE(s, print_sa_details(f, &sa));
	is_str(s,
	       "\tstate: unknown  replay window: 64  esn: no\n"
	       "\tadded: never  first used: 2023-11-14 22:14:20\n"
	       "\tsequence numbers: out 0  in 0\n"
	       "\tpackets: 0  bytes: 0\n"
	       "\treplay drops: 0  auth failures: 0  decrypt errors: 0  policy drops: 0\n"
	       "\tsoft lifetime: 1 bytes, 2 packets, 3 s after add, 4 s after first use\n"
	       "\thard lifetime: none\n",
	       "sa details: no state, every soft limit");
	free(s);

	p = flow("10.1.0.0", 24, "10.2.0.0", 24, KIPSEC_DIR_OUT);
	p.id = 7;
	p.packets = 10;
	p.bytes = 1000;
	CAPTURE(s, print_flow_details(f, &p));
	is_str(s, "\tid: 7  priority: 1000  packets: 10  bytes: 1000\n", "flow details");
	free(s);
}

static void test_stats(void)
{
	struct kipsec_stats st;
	char *s;

	st = (struct kipsec_stats){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	CAPTURE(s, print_stats(f, &st));
	is_str(s,
	       "SAs                         1\n"
	       "flows                       2\n"
	       "in: unknown SPI             3\n"
	       "in: malformed               4\n"
	       "in: replayed                5\n"
	       "in: authentication failed   6\n"
	       "in: refused by policy       7\n"
	       "out: no SA                  8\n"
	       "out: discarded by policy    9\n"
	       "out: errors                 10\n"
	       "ACQUIRE events              11\n"
	       "EXPIRE events               12\n"
	       "in: crypto busy             13\n"
	       "out: crypto busy            14\n"
	       "in: UDP keepalives          15\n"
	       "in: UDP malformed           16\n",
	       "stats");
	free(s);
}

#define JSON_CAPTURE(out, call) do {						\
	struct json j;								\
	size_t len_;								\
	FILE *f = open_memstream(&(out), &len_);				\
	json_init(&j, f);							\
	call;									\
	fclose(f);								\
} while (0)

static void test_json_sa(void)
{
	struct kipsec_sa sa;
	char *s;

	sa = sa_full();
	JSON_CAPTURE(s, json_sa(&j, NULL, &sa, true));
	is_str(s, "{\"proto\":\"esp\",\"mode\":\"transport\",\"family\":\"inet6\","
	       "\"src\":\"2001:db8::1\",\"dst\":\"2001:db8::2\",\"spi\":3735928559,\"reqid\":9,"
	       "\"state\":\"mature\",\"enc\":\"aes-256\",\"enc_key\":\"" KEY32 "\","
	       "\"auth\":\"hmac-sha2-384\",\"auth_key\":\"" KEY48AB "\",\"replay_window\":0,"
	       "\"esn\":true,\"encap\":null,\"mark\":null,\"interface\":null,"
	       "\"lifetime_soft\":{\"bytes\":0,\"packets\":1000,\"add_secs\":0,\"use_secs\":0},"
	       "\"lifetime_hard\":{\"bytes\":0,\"packets\":2000,\"add_secs\":3600,\"use_secs\":0},"
	       "\"add_time\":1700000000,\"use_time\":0,\"seq_out\":5,\"seq_in\":7,"
	       "\"stats\":{\"packets\":12,\"bytes\":3456,\"replay_drops\":1,\"auth_fails\":2,"
	       "\"decrypt_errors\":3,\"policy_drops\":4}}",
	       "json sa: with keys");
	free(s);
	JSON_CAPTURE(s, json_sa(&j, NULL, &sa, false));
	ok(!strstr(s, "_key") && !strstr(s, "0x00"), "json sa: no key without -k");
	free(s);

	sa = sa_ah_natt();
	sa.mark = 0x4200;
	sa.mark_mask = 0xff00;
	sa.ifindex = if_nametoindex("lo");
	JSON_CAPTURE(s, json_sa(&j, NULL, &sa, true));
	is_str(s, "{\"proto\":\"ah\",\"mode\":\"tunnel\",\"family\":\"inet\","
	       "\"src\":\"192.0.2.1\",\"dst\":\"192.0.2.2\",\"spi\":256,\"reqid\":0,"
	       "\"state\":null,\"enc\":null,\"auth\":\"hmac-sha1\",\"replay_window\":64,"
	       "\"esn\":false,\"encap\":{\"sport\":4500,\"dport\":4500},"
	       "\"mark\":{\"value\":16896,\"mask\":65280},\"interface\":\"lo\","
	       "\"lifetime_soft\":{\"bytes\":0,\"packets\":0,\"add_secs\":0,\"use_secs\":0},"
	       "\"lifetime_hard\":{\"bytes\":0,\"packets\":0,\"add_secs\":0,\"use_secs\":0},"
	       "\"add_time\":0,\"use_time\":0,\"seq_out\":0,\"seq_in\":0,"
	       "\"stats\":{\"packets\":0,\"bytes\":0,\"replay_drops\":0,\"auth_fails\":0,"
	       "\"decrypt_errors\":0,\"policy_drops\":0}}",
	       "json sa: AH, NAT-T, a mark, an interface, no key material known");
	free(s);
}

static void test_json_flow(void)
{
	struct kipsec_policy p;
	char *s;

	p = flow("10.1.0.0", 24, "10.2.0.0", 24, KIPSEC_DIR_OUT);
	protect(&p, IPPROTO_ESP, "192.0.2.1", "192.0.2.2");
	p.id = 7;
	p.packets = 10;
	p.bytes = 1000;
	JSON_CAPTURE(s, json_flow(&j, NULL, &p));
	is_str(s, "{\"id\":7,\"dir\":\"out\",\"family\":\"inet\",\"src\":\"10.1.0.0/24\","
	       "\"dst\":\"10.2.0.0/24\",\"proto\":\"any\",\"sport\":0,\"dport\":0,"
	       "\"type\":\"require\",\"priority\":1000,\"sa_proto\":\"esp\",\"mode\":\"tunnel\","
	       "\"local\":\"192.0.2.1\",\"peer\":\"192.0.2.2\",\"reqid\":0,"
	       "\"stats\":{\"packets\":10,\"bytes\":1000}}",
	       "json flow: protect, tunnel");
	free(s);

	p = flow("10.0.0.0", 8, "192.0.2.7", 32, KIPSEC_DIR_FWD);
	p.action = KIPSEC_ACTION_DISCARD;
	p.proto = 200;
	JSON_CAPTURE(s, json_flow(&j, NULL, &p));
	is_str(s, "{\"id\":0,\"dir\":\"fwd\",\"family\":\"inet\",\"src\":\"10.0.0.0/8\","
	       "\"dst\":\"192.0.2.7/32\",\"proto\":\"200\",\"sport\":0,\"dport\":0,"
	       "\"type\":\"deny\",\"priority\":1000,\"sa_proto\":null,\"mode\":null,"
	       "\"local\":null,\"peer\":null,\"reqid\":null,"
	       "\"stats\":{\"packets\":0,\"bytes\":0}}",
	       "json flow: deny, selectors always ADDR/LEN");
	free(s);

	p = flow("10.1.0.5", 32, "10.2.0.9", 32, 0);
	p.proto = IPPROTO_TCP;
	p.sport = 5000;
	p.dport = 80;
	JSON_CAPTURE(s, json_packet(&j, "packet", &p));
	is_str(s, "\"packet\":{\"family\":\"inet\",\"src\":\"10.1.0.5\",\"dst\":\"10.2.0.9\","
	       "\"proto\":\"tcp\",\"sport\":5000,\"dport\":80}", "json packet");
	free(s);
}

static void test_json_stats(void)
{
	struct kipsec_stats st;
	char *s;

	st = (struct kipsec_stats){ 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
	JSON_CAPTURE(s, json_stats(&j, NULL, &st));
	is_str(s, "{\"sa_count\":1,\"policy_count\":2,\"in_no_sa\":3,\"in_malformed\":4,"
	       "\"in_replay\":5,\"in_auth_fail\":6,\"in_policy_drop\":7,\"out_no_sa\":8,"
	       "\"out_discard\":9,\"out_errors\":10,\"acquires\":11,\"expires\":12,"
	       "\"in_crypto_busy\":13,\"out_crypto_busy\":14,\"in_udp_keepalive\":15,"
	       "\"in_udp_malformed\":16}",
	       "json stats");
	free(s);

	/* json.c itself: nesting, commas, escapes. */
	JSON_CAPTURE(s, ({
		json_obj_begin(&j, NULL);
		json_arr_begin(&j, "a");
		json_u64(&j, NULL, 1);
		json_obj_begin(&j, NULL);
		json_obj_end(&j);
		json_null(&j, NULL);
		json_arr_end(&j);
		json_str(&j, "q\"\\", "tab\there\x01");
		json_bool(&j, "b", false);
		json_obj_end(&j);
	}));
	is_str(s, "{\"a\":[1,{},null],\"q\\\"\\\\\":\"tab\\u0009here\\u0001\",\"b\":false}",
	       "json writer: nesting and escapes");
	free(s);
}

static void test_json(void)
{
	test_json_sa();
	test_json_flow();
	test_json_stats();
}

static void test_names(void)
{
	char buf[8];
	struct kipsec_policy p = { .action = KIPSEC_ACTION_PROTECT, .level = KIPSEC_LEVEL_USE };

	is_str(kipsec_proto_name(0, buf, sizeof(buf)), "any", "proto name: 0");
	is_str(kipsec_proto_name(IPPROTO_ICMPV6, buf, sizeof(buf)), "icmp6", "proto name: 58");
	is_str(kipsec_proto_name(IPPROTO_GRE, buf, sizeof(buf)), "gre", "proto name: 47");
	is_str(kipsec_proto_name(IPPROTO_ESP, buf, sizeof(buf)), "50",
	       "proto name: 50 is a number (the parser has no name for it)");
	is_str(flow_type_name(&p), "use", "type name: use");
	p.action = 9;
	is_str(flow_type_name(&p), NULL, "type name: unknown action");
	is_str(dir_name(KIPSEC_DIR_FWD), "fwd", "dir name: fwd");
	is_str(dir_name(0), NULL, "dir name: 0");
	is_str(mode_name(KIPSEC_MODE_TRANSPORT), "transport", "mode name");
	is_str(mode_name(3), NULL, "mode name: unknown");
	is_str(sa_state_name(KIPSEC_SA_STATE_LARVAL), "larval", "state name: larval");
	is_str(sa_state_name(KIPSEC_SA_STATE_DYING), "dying", "state name: dying");
	is_str(sa_proto_name(IPPROTO_TCP), NULL, "sa proto name: tcp is none");
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	test_sa_lines();
	test_alg_names();
	test_flow_lines();
	test_details();
	test_stats();
	test_json();
	test_names();
	return tap_done();
}
