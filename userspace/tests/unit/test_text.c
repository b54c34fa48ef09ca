// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of lib/text.c (addresses, prefixes, hexadecimal keys) and of
 * the small helpers of lib/addr.c.  Every expected value is written out by
 * hand: bytes of addresses from their RFC 5952 / dotted-quad text, network
 * addresses of prefixes worked out bit by bit.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "kipsec_text.h"
#include "tap.h"

static void test_addr(void)
{
	static const uint8_t v4[4] = { 192, 0, 2, 1 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0,
					    0, 0, 0xff, 0xff, 192, 0, 2, 1 };
	static const uint8_t zero[16];
	static const char *const bad[] = {
		"", "10.1", "10.1.2", "256.0.0.1", "1.2.3.4.5", "0x0a000001", "192.0.2.1 ",
		" 192.0.2.1", "1.2.3.4/24", "any", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9",
		"2001:db8::1::2", "12345::", "01.2.3.4", "g::1",
	};
	struct kipsec_addr a;

	is_int(kipsec_parse_addr("192.0.2.1", &a), 0, "addr: 192.0.2.1 parses");
	is_int(a.family, AF_INET, "addr: 192.0.2.1 is AF_INET");
	is_mem(a.u.bytes, v4, 4, "addr: 192.0.2.1 is c0 00 02 01");
	is_mem(a.u.bytes + 4, zero, 12, "addr: the rest of an IPv4 address is zero");

	is_int(kipsec_parse_addr("2001:db8::1", &a), 0, "addr: 2001:db8::1 parses");
	is_int(a.family, AF_INET6, "addr: 2001:db8::1 is AF_INET6");
	is_mem(a.u.bytes, v6, 16, "addr: 2001:db8::1 bytes");

	is_int(kipsec_parse_addr("2001:DB8:0:0:0:0:0:1", &a), 0, "addr: upper case, no ::");
	is_mem(a.u.bytes, v6, 16, "addr: 2001:DB8:0:0:0:0:0:1 is 2001:db8::1");

	is_int(kipsec_parse_addr("::", &a), 0, "addr: :: parses");
	is_mem(a.u.bytes, zero, 16, "addr: :: is all zero");
	is_int(kipsec_parse_addr("::ffff:192.0.2.1", &a), 0, "addr: v4-mapped parses");
	is_int(a.family, AF_INET6, "addr: v4-mapped is AF_INET6 (RFC 4291 §2.5.5.2)");
	is_mem(a.u.bytes, mapped, 16, "addr: ::ffff:192.0.2.1 bytes");
	is_int(kipsec_parse_addr("0.0.0.0", &a), 0, "addr: 0.0.0.0 parses");
	is_int(a.family, AF_INET, "addr: 0.0.0.0 is AF_INET");

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		is_int(kipsec_parse_addr(bad[i], &a), -EINVAL, "addr: \"%s\" is refused", bad[i]);
}

static void prefix_ok(const char *s, uint16_t family, const char *net_text, uint8_t want_plen)
{
	struct kipsec_addr a, want;
	char err[256] = "";
	uint8_t plen = 255;
	int r = kipsec_parse_prefix(s, &a, &plen, err, sizeof(err));

	if (!ok(r == 0, "prefix: %s parses", s)) {
		printf("#   %s\n", err);
		return;
	}
	kipsec_parse_addr(net_text, &want);
	is_int(a.family, family, "prefix: %s family", s);
	is_int(plen, want_plen, "prefix: %s is /%u", s, want_plen);
	is_mem(a.u.bytes, want.u.bytes, 16, "prefix: %s address", s);
}

static void prefix_bad(const char *s, const char *msg)
{
	struct kipsec_addr a;
	char err[256] = "";
	uint8_t plen;

	is_int(kipsec_parse_prefix(s, &a, &plen, err, sizeof(err)), -EINVAL,
	       "prefix: %s is refused", s);
	is_str(err, msg, "prefix: %s message", s);
}

static void test_prefix(void)
{
	struct kipsec_addr a;

	prefix_ok("10.0.0.0/8", AF_INET, "10.0.0.0", 8);
	prefix_ok("10.1.2.3", AF_INET, "10.1.2.3", 32);
	prefix_ok("10.1.2.3/32", AF_INET, "10.1.2.3", 32);
	prefix_ok("0.0.0.0/0", AF_INET, "0.0.0.0", 0);
	prefix_ok("192.0.2.128/25", AF_INET, "192.0.2.128", 25);
	prefix_ok("10.0.0.0/08", AF_INET, "10.0.0.0", 8);	/* decimal, not octal */
	prefix_ok("2001:db8::/32", AF_INET6, "2001:db8::", 32);
	prefix_ok("2001:db8::1", AF_INET6, "2001:db8::1", 128);
	prefix_ok("::/0", AF_INET6, "::", 0);
	prefix_ok("fd00::/8", AF_INET6, "fd00::", 8);
	prefix_ok("2001:db8:0:1::/64", AF_INET6, "2001:db8:0:1::", 64);

	/* Host bits: the network is the address with the bits past plen cleared. */
	prefix_bad("10.1.2.3/8", "10.1.2.3/8 has host bits set (network is 10.0.0.0/8)");
	prefix_bad("192.0.2.129/25", "192.0.2.129/25 has host bits set (network is 192.0.2.128/25)");
	prefix_bad("192.0.2.1/31", "192.0.2.1/31 has host bits set (network is 192.0.2.0/31)");
	prefix_bad("10.0.0.1/0", "10.0.0.1/0 has host bits set (network is 0.0.0.0/0)");
	prefix_bad("2001:db8::1/64", "2001:db8::1/64 has host bits set (network is 2001:db8::/64)");
	prefix_bad("2001:db8:0:1::/63",
		   "2001:db8:0:1::/63 has host bits set (network is 2001:db8::/63)");
	prefix_bad("fd80::/8", "fd80::/8 has host bits set (network is fd00::/8)");

	prefix_bad("10.0.0.0/33", "prefix length /33 out of range for IPv4 (0-32)");
	prefix_bad("::/129", "prefix length /129 out of range for IPv6 (0-128)");
	prefix_bad("10.0.0.0/", "bad prefix length \"\"");
	prefix_bad("10.0.0.0/x", "bad prefix length \"x\"");
	prefix_bad("10.0.0.0/+8", "bad prefix length \"+8\"");
	prefix_bad("10.0.0.0/-1", "bad prefix length \"-1\"");
	prefix_bad("10.0.0.0/ 8", "bad prefix length \" 8\"");
	prefix_bad("10.0.0.0/0008", "bad prefix length \"0008\"");
	prefix_bad("10.0.0.0/8/8", "bad prefix length \"8/8\"");
	prefix_bad("10.0.0/8", "bad address \"10.0.0\"");
	prefix_bad("bogus/8", "bad address \"bogus\"");
	prefix_bad("any", "bad address \"any\"");
	prefix_bad("/8", "bad address \"\"");

	kipsec_parse_addr("10.0.0.1", &a);
	is_int(kipsec_prefix_host_bits(&a, 32), 0, "host bits: 10.0.0.1/32 has none");
	is_int(kipsec_prefix_host_bits(&a, 31), 1, "host bits: 10.0.0.1/31 has one");
	kipsec_parse_addr("10.0.0.0", &a);
	is_int(kipsec_prefix_host_bits(&a, 31), 0, "host bits: 10.0.0.0/31 has none");
	kipsec_parse_addr("::1", &a);
	is_int(kipsec_prefix_host_bits(&a, 127), 1, "host bits: ::1/127 has one");
	is_int(kipsec_prefix_host_bits(&a, 128), 0, "host bits: ::1/128 has none");
}

static void hex_named(const char *name, const char *s, int flags, const uint8_t *want, int len)
{
	uint8_t buf[KIPSEC_KEY_MAX + 1];

	memset(buf, 0xee, sizeof(buf));
	is_int(kipsec_parse_hex(s, buf, KIPSEC_KEY_MAX, flags), len, "hex: %s is %d bytes",
	       name, len);
	is_mem(buf, want, (size_t)len, "hex: %s bytes", name);
}

static void hex_ok(const char *s, int flags, const uint8_t *want, int len)
{
	char name[64];

	snprintf(name, sizeof(name), "\"%s\"", s);
	hex_named(name, s, flags, want, len);
}

/* Key files: optional 0x, white space anywhere (also inside a byte). */
static void test_hex_file(void)
{
	static const uint8_t k4[] = { 0x01, 0x02, 0x03, 0x04 };
	static const uint8_t kab[] = { 0xa1, 0xb2 };
	uint8_t buf[KIPSEC_KEY_MAX + 1], small[4];

	hex_named("file with blanks, tabs, newlines", "  0x01 02\n03\t04\n", KIPSEC_HEX_FILE,
		  k4, 4);
	hex_named("file without 0x", "a1b2\n", KIPSEC_HEX_FILE, kab, 2);
	hex_named("file with CRLF, upper case", "A1\r\nB2\r\n", KIPSEC_HEX_FILE, kab, 2);
	hex_named("file, a byte split by a newline", "\n\n0xa\n1b2", KIPSEC_HEX_FILE, kab, 2);
	is_int(kipsec_parse_hex("0x\n", buf, sizeof(buf), KIPSEC_HEX_FILE), -EINVAL,
	       "hex file: 0x alone");
	is_int(kipsec_parse_hex(" \n\t", buf, sizeof(buf), KIPSEC_HEX_FILE), -EINVAL,
	       "hex file: only white space");
	is_int(kipsec_parse_hex("01 2\n", buf, sizeof(buf), KIPSEC_HEX_FILE), -EINVAL,
	       "hex file: odd number of digits");
	is_int(kipsec_parse_hex("01 0x02", buf, sizeof(buf), KIPSEC_HEX_FILE), -EINVAL,
	       "hex file: 0x in the middle");
	is_int(kipsec_parse_hex("# key\n0102", buf, sizeof(buf), KIPSEC_HEX_FILE), -EINVAL,
	       "hex file: no comments");
	is_int(kipsec_parse_hex("0x0102030405", small, sizeof(small), KIPSEC_HEX_FILE), -E2BIG,
	       "hex file: too long");
}

static void test_hex(void)
{
	static const uint8_t k3[] = { 0x01, 0x02, 0xab };
	static const uint8_t k4[] = { 0x01, 0x02, 0x03, 0x04 };
	uint8_t buf[KIPSEC_KEY_MAX + 1], small[4];
	char text[2 * (KIPSEC_KEY_MAX + 1) + 3];

	hex_ok("0x0102ab", KIPSEC_HEX_PREFIX, k3, 3);
	hex_ok("0X0102AB", KIPSEC_HEX_PREFIX, k3, 3);
	hex_ok("0x0102aB", KIPSEC_HEX_PREFIX, k3, 3);
	hex_ok("0102ab", 0, k3, 3);
	hex_ok("0x0102ab", 0, k3, 3);
	is_int(kipsec_parse_hex("0102ab", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: no 0x where one is required");
	is_int(kipsec_parse_hex("0x123", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: odd number of digits");
	is_int(kipsec_parse_hex("0x1", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: one digit");
	is_int(kipsec_parse_hex("0x", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: 0x alone is empty");
	is_int(kipsec_parse_hex("", buf, sizeof(buf), 0), -EINVAL, "hex: empty");
	is_int(kipsec_parse_hex("0xzz", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: not hexadecimal");
	is_int(kipsec_parse_hex("0x01 02", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: a blank inside a key on the line");
	is_int(kipsec_parse_hex("0x0102-", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: trailing garbage");
	is_int(kipsec_parse_hex("0x0x01", buf, sizeof(buf), KIPSEC_HEX_PREFIX), -EINVAL,
	       "hex: 0x twice");

	/* Exactly max bytes fit; one more is E2BIG, not a silent cut. */
	is_int(kipsec_parse_hex("0x01020304", small, sizeof(small), KIPSEC_HEX_PREFIX), 4,
	       "hex: exactly max bytes");
	is_mem(small, k4, 4, "hex: exactly max bytes, values");
	is_int(kipsec_parse_hex("0x0102030405", small, sizeof(small), KIPSEC_HEX_PREFIX), -E2BIG,
	       "hex: max + 1 bytes is E2BIG");
	memset(text, 0, sizeof(text));
	text[0] = '0';
	text[1] = 'x';
	memset(text + 2, 'f', 2 * KIPSEC_KEY_MAX);
	is_int(kipsec_parse_hex(text, buf, KIPSEC_KEY_MAX, KIPSEC_HEX_PREFIX), KIPSEC_KEY_MAX,
	       "hex: KIPSEC_KEY_MAX (128) bytes");
	memset(text + 2, 'f', 2 * KIPSEC_KEY_MAX + 2);
	is_int(kipsec_parse_hex(text, buf, KIPSEC_KEY_MAX, KIPSEC_HEX_PREFIX), -E2BIG,
	       "hex: 129 bytes is E2BIG");
	test_hex_file();
}

static void test_format(void)
{
	static const uint8_t k[] = { 0x00, 0xab, 0xff, 0x10 };
	char out[2 * sizeof(k) + 3];

	kipsec_format_hex(k, sizeof(k), out);
	is_str(out, "0x00abff10", "format: lower-case hex with 0x");
	kipsec_format_hex(k, 0, out);
	is_str(out, "0x", "format: zero bytes");
}

static void test_helpers(void)
{
	struct kipsec_addr a = { 0 };
	char buf[KIPSEC_ADDR_STRLEN];

	is_int(kipsec_addr_len(AF_INET), 4, "addr_len: AF_INET");
	is_int(kipsec_addr_len(AF_INET6), 16, "addr_len: AF_INET6");
	is_int(kipsec_addr_len(0), 0, "addr_len: unspec");
	is_str(kipsec_addr_ntop(&a, buf, sizeof(buf)), "?", "ntop: no family");
	kipsec_parse_addr("2001:0db8:0000:0000:0000:0000:0000:0001", &a);
	is_str(kipsec_addr_ntop(&a, buf, sizeof(buf)), "2001:db8::1", "ntop: RFC 5952 form");
	is_str(kipsec_family_name(AF_INET), "inet", "family name: inet");
	is_str(kipsec_family_name(AF_INET6), "inet6", "family name: inet6");
	is_str(kipsec_cmd_name(KIPSEC_CMD_SA_ADD), "sa-add", "cmd name: sa-add");
	is_str(kipsec_cmd_name(KIPSEC_CMD_EXPIRE), "expire", "cmd name: expire");
	is_str(kipsec_cmd_name(200), "unknown", "cmd name: out of range");
}

static void test_wipe(void)
{
	struct kipsec_sa sa;
	static const uint8_t zero[KIPSEC_KEY_MAX];

	memset(&sa, 0x5a, sizeof(sa));
	kipsec_sa_wipe(&sa);
	is_mem(sa.enc.key, zero, sizeof(zero), "wipe: enc key zeroed");
	is_mem(sa.auth.key, zero, sizeof(zero), "wipe: auth key zeroed");
	is_int(sa.enc.key_len, 0, "wipe: enc key length 0");
	is_int(sa.auth.key_len, 0, "wipe: auth key length 0");
}

int main(void)
{
	test_addr();
	test_prefix();
	test_hex();
	test_format();
	test_helpers();
	test_wipe();
	return tap_done();
}
