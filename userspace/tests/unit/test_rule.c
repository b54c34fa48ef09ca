// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/rule.c: ike rule equality, the canonical selector
 * text, protocol names (lib/text.c), the policies of a flow, and phase 1
 * identities (srcid, dstid: their types, text and matching).  Every
 * expected value is written out by hand.
 */
#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "kipsec_rule.h"
#include "kipsec_text.h"
#include "tap.h"

static struct ike_sel sel(const char *addr, uint8_t plen, uint16_t port)
{
	struct ike_sel s;

	memset(&s, 0, sizeof(s));
	kipsec_parse_addr(addr, &s.addr);
	s.plen = plen;
	s.port = port;
	return s;
}

static struct kipsec_addr addr(const char *text)
{
	struct kipsec_addr a;

	kipsec_parse_addr(text, &a);
	return a;
}

static void test_addr_eq(void)
{
	struct kipsec_addr a = addr("192.0.2.1"), b = addr("192.0.2.1"), c = addr("192.0.2.2");
	struct kipsec_addr v6 = addr("::ffff:192.0.2.1");

	ok(kipsec_addr_eq(&a, &b), "addr_eq: 192.0.2.1 == 192.0.2.1");
	ok(!kipsec_addr_eq(&a, &c), "addr_eq: 192.0.2.1 != 192.0.2.2");
	ok(!kipsec_addr_eq(&a, &v6), "addr_eq: 192.0.2.1 != ::ffff:192.0.2.1 (family)");
	/* Bytes past an IPv4 address are not part of it. */
	b.u.bytes[10] = 0xff;
	ok(kipsec_addr_eq(&a, &b), "addr_eq: only the family's 4 bytes count");
}

static void test_same(void)
{
	struct ike_rule a, b;

	memset(&a, 0, sizeof(a));
	a.proto = 6;
	a.src = sel("10.1.0.0", 24, 0);
	a.dst = sel("10.2.0.0", 24, 80);
	a.peer = addr("192.0.2.2");
	a.local = addr("192.0.2.1");
	a.p1_lifetime = 3600;
	b = a;
	b.local = addr("192.0.2.9");
	b.p1_lifetime = 60;
	b.start = IKE_START_PASSIVE;
	ok(ike_rule_same(&a, &b), "same: local, start and algorithms do not count");
	b = a;
	b.proto = 17;
	ok(!ike_rule_same(&a, &b), "same: another proto differs");
	b = a;
	b.dst.port = 81;
	ok(!ike_rule_same(&a, &b), "same: another port differs");
	b = a;
	b.src.plen = 16;
	ok(!ike_rule_same(&a, &b), "same: another prefix length differs");
	b = a;
	b.peer = addr("192.0.2.3");
	ok(!ike_rule_same(&a, &b), "same: another peer differs");
	b = a;
	b.src = sel("10.1.1.0", 24, 0);
	ok(!ike_rule_same(&a, &b), "same: another network differs");
	ok(ike_sel_eq(&a.dst, &a.dst), "sel_eq: a selector equals itself");
}

static void test_text(void)
{
	struct ike_sel any4 = sel("0.0.0.0", 0, 0), any6p = sel("::", 0, 500);
	struct ike_sel host = sel("192.0.2.1", 32, 0), net = sel("10.1.0.0", 24, 80);
	struct ike_sel host6 = sel("2001:db8::1", 128, 0), net6 = sel("2001:db8::", 48, 0);
	char buf[128], small[8], p[8];

	is_str(ike_sel_text(&any4, buf, sizeof(buf)), "any", "sel_text: prefix length 0 is any");
	is_str(ike_sel_text(&any6p, buf, sizeof(buf)), "any port 500", "sel_text: any port 500");
	is_str(ike_sel_text(&host, buf, sizeof(buf)), "192.0.2.1", "sel_text: a host is bare");
	is_str(ike_sel_text(&net, buf, sizeof(buf)), "10.1.0.0/24 port 80", "sel_text: prefix, port");
	is_str(ike_sel_text(&host6, buf, sizeof(buf)), "2001:db8::1", "sel_text: IPv6 host");
	is_str(ike_sel_text(&net6, buf, sizeof(buf)), "2001:db8::/48", "sel_text: IPv6 prefix");
	is_str(ike_sel_text(&net, small, sizeof(small)), "10.1.0.", "sel_text: truncated, terminated");
	is_str(ike_flow_text(6, &net, &host, " -> ", buf, sizeof(buf)),
	       "proto tcp 10.1.0.0/24 port 80 -> 192.0.2.1", "flow_text: with proto");
	is_str(ike_flow_text(0, &host, &any4, " <-> ", buf, sizeof(buf)), "192.0.2.1 <-> any",
	       "flow_text: no proto");
	is_str(kipsec_proto_name(0, p, sizeof(p)), "any", "proto_name: 0 is any");
	is_str(kipsec_proto_name(58, p, sizeof(p)), "icmp6", "proto_name: 58 is icmp6");
	is_str(kipsec_proto_name(99, p, sizeof(p)), "99", "proto_name: unknown is its number");
	is_int(kipsec_proto_by_name("ipv6-icmp"), 58, "proto_by_name: ipv6-icmp is 58");
	is_int(kipsec_proto_by_name("gre"), 47, "proto_by_name: gre is 47");
	is_int(kipsec_proto_by_name("TCP"), -1, "proto_by_name: names are lower case");
}

static void test_flow(void)
{
	struct kipsec_flow f;
	struct kipsec_policy p[2];
	struct kipsec_addr l = addr("192.0.2.1"), r = addr("192.0.2.2");

	memset(&f, 0, sizeof(f));
	f.src = sel("10.1.0.0", 24, 1024);
	f.dst = sel("10.2.0.0", 16, 80);
	f.proto = 6;
	f.action = KIPSEC_ACTION_PROTECT;
	f.level = KIPSEC_LEVEL_REQUIRE;
	f.sa_proto = IPPROTO_ESP;
	f.mode = KIPSEC_MODE_TUNNEL;
	f.priority = 1000;
	f.reqid = 7;
	f.local = l;
	f.peer = r;
	is_int(kipsec_flow_policies(&f, 0, p), 2, "flow: no direction gives two policies");
	is_int(p[0].dir, KIPSEC_DIR_OUT, "flow: the first is out");
	ok(kipsec_addr_eq(&p[0].src, &f.src.addr) && p[0].src_plen == 24 && p[0].sport == 1024 &&
	   kipsec_addr_eq(&p[0].dst, &f.dst.addr) && p[0].dst_plen == 16 && p[0].dport == 80,
	   "flow: out is as written");
	is_int(p[1].dir, KIPSEC_DIR_IN, "flow: the second is in");
	ok(kipsec_addr_eq(&p[1].src, &f.dst.addr) && p[1].src_plen == 16 && p[1].sport == 80 &&
	   kipsec_addr_eq(&p[1].dst, &f.src.addr) && p[1].dst_plen == 24 && p[1].dport == 1024,
	   "flow: in is mirrored");
	ok(kipsec_addr_eq(&p[0].tmpl.src, &l) && kipsec_addr_eq(&p[0].tmpl.dst, &r),
	   "flow: out's tunnel goes local -> peer");
	ok(kipsec_addr_eq(&p[1].tmpl.src, &r) && kipsec_addr_eq(&p[1].tmpl.dst, &l),
	   "flow: in's tunnel comes peer -> local");
	ok(p[1].has_tmpl && p[1].tmpl.reqid == 7 && p[1].tmpl.proto == IPPROTO_ESP &&
	   p[1].level == KIPSEC_LEVEL_REQUIRE && p[1].priority == 1000 && p[1].proto == 6,
	   "flow: template, level, priority and proto in both");

	is_int(kipsec_flow_policies(&f, KIPSEC_DIR_IN, p), 1, "flow: in only gives one");
	ok(p[0].dir == KIPSEC_DIR_IN && kipsec_addr_eq(&p[0].src, &f.src.addr) &&
	   kipsec_addr_eq(&p[0].tmpl.src, &r), "flow: in only is as written, tunnel from the peer");

	f.mode = KIPSEC_MODE_TRANSPORT;
	kipsec_flow_policies(&f, 0, p);
	ok(!p[0].tmpl.src.family && !p[1].tmpl.dst.family,
	   "flow: transport mode has no tunnel endpoints");
	f.action = KIPSEC_ACTION_BYPASS;
	kipsec_flow_policies(&f, 0, p);
	ok(!p[0].has_tmpl && !p[1].has_tmpl && !p[0].level, "flow: bypass has no template");
}

/* What the peer sends (type, bytes) against a dstid. */
static bool id_sent(const struct ike_id *want, uint8_t type, const char *data)
{
	return ike_id_match(want, type, (const uint8_t *)data, strlen(data));
}

static void test_ids(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	struct ike_id id, any = { 0 };
	char why[160], buf[300];

	ok(!ike_id_parse("gw.example.org", &id, why, sizeof(why)) && id.type == IKE_ID_FQDN &&
	   id.len == 14 && !memcmp(id.data, "gw.example.org", 14), "id: gw.example.org is an FQDN");
	is_str(ike_id_text(&id, buf, sizeof(buf)), "fqdn gw.example.org", "id: FQDN text");
	ok(id_sent(&id, IKE_ID_FQDN, "GW.Example.ORG"), "id: FQDNs match without regard to case");
	ok(!id_sent(&id, IKE_ID_USER_FQDN, "gw.example.org"), "id: an FQDN is not a user FQDN");
	ok(!id_sent(&id, IKE_ID_FQDN, "gw.example.or"), "id: a shorter name does not match");
	ok(!ike_id_match(&id, IKE_ID_FQDN, (const uint8_t *)"gw.example.org\0x", 16),
	   "id: a name with a NUL does not match");
	ok(!ike_id_parse("alice@example.org", &id, why, sizeof(why)) &&
	   id.type == IKE_ID_USER_FQDN, "id: alice@example.org is a user FQDN");
	is_str(ike_id_value(&id, buf, sizeof(buf)), "alice@example.org", "id: user FQDN value");
	ok(!ike_id_parse("192.0.2.1", &id, why, sizeof(why)) && id.type == IKE_ID_IPV4_ADDR &&
	   id.len == 4 && !memcmp(id.data, v4, 4), "id: 192.0.2.1 is an IPv4 address");
	ok(ike_id_match(&id, IKE_ID_IPV4_ADDR, v4, 4), "id: the address matches its bytes");
	is_str(ike_id_text(&id, buf, sizeof(buf)), "address 192.0.2.1", "id: address text");
	ok(!ike_id_parse("2001:db8::1", &id, why, sizeof(why)) && id.type == IKE_ID_IPV6_ADDR &&
	   id.len == 16, "id: 2001:db8::1 is an IPv6 address");
	ok(ike_id_match(&any, IKE_ID_FQDN, (const uint8_t *)"x", 1) &&
	   ike_id_match(&any, 11, (const uint8_t *)"k", 1), "id: no dstid takes any identity");
	ok(ike_id_parse("a b", &id, why, sizeof(why)) && ike_id_parse("@x.org", &id, why, sizeof(why)) &&
	   ike_id_parse("x@", &id, why, sizeof(why)) && ike_id_parse("a..b", &id, why, sizeof(why)) &&
	   ike_id_parse("", &id, why, sizeof(why)), "id: blanks, empty labels and parts refused");
	id = (struct ike_id){ .type = IKE_ID_FQDN, .len = 3, .data = "a\"\x01" };
	is_str(ike_id_value(&id, buf, sizeof(buf)), "a\\x22\\x01", "id: a name from the wire, escaped");
}

int main(void)
{
	test_addr_eq();
	test_same();
	test_text();
	test_flow();
	test_ids();
	return tap_done();
}
