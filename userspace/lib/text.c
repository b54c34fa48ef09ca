// SPDX-License-Identifier: GPL-2.0
/* Address, prefix and hexadecimal key parsing (see kipsec_text.h). */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kipsec_text.h"

int kipsec_parse_addr(const char *s, struct kipsec_addr *a)
{
	memset(a, 0, sizeof(*a));
	/* inet_pton(AF_INET) takes only the dotted quad, not "10.1" or hex. */
	if (inet_pton(AF_INET, s, &a->u.in) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (strchr(s, ':') && inet_pton(AF_INET6, s, &a->u.in6) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

int kipsec_prefix_host_bits(const struct kipsec_addr *a, uint8_t plen)
{
	size_t bits = kipsec_addr_len(a->family) * 8;

	for (size_t i = plen; i < bits; i++)
		if (a->u.bytes[i / 8] & (0x80 >> (i % 8)))
			return 1;
	return 0;
}

int kipsec_parse_prefix(const char *s, struct kipsec_addr *a, uint8_t *plen,
			char *err, size_t errlen)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	unsigned long len, max;

	if (alen >= sizeof(buf)) {
		snprintf(err, errlen, "bad address \"%s\"", s);
		return -EINVAL;
	}
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	if (kipsec_parse_addr(buf, a)) {
		snprintf(err, errlen, "bad address \"%s\"", buf);
		return -EINVAL;
	}
	max = kipsec_addr_len(a->family) * 8;
	if (!slash) {
		*plen = (uint8_t)max;
		return 0;
	}
	/* Digits only: no sign, no space, no leading "0x". */
	if (!slash[1] || strspn(slash + 1, "0123456789") != strlen(slash + 1) ||
	    strlen(slash + 1) > 3) {
		snprintf(err, errlen, "bad prefix length \"%s\"", slash + 1);
		return -EINVAL;
	}
	len = strtoul(slash + 1, NULL, 10);
	if (len > max) {
		snprintf(err, errlen, "prefix length /%lu out of range for %s (0-%lu)", len,
			 a->family == AF_INET ? "IPv4" : "IPv6", max);
		return -EINVAL;
	}
	*plen = (uint8_t)len;
	if (kipsec_prefix_host_bits(a, *plen)) {
		char net[KIPSEC_ADDR_STRLEN];
		struct kipsec_addr n = *a;

		for (size_t i = len; i < max; i++)
			n.u.bytes[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
		snprintf(err, errlen, "%s has host bits set (network is %s/%lu)", s,
			 kipsec_addr_ntop(&n, net, sizeof(net)), len);
		return -EINVAL;
	}
	return 0;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int kipsec_parse_hex(const char *s, uint8_t *buf, size_t max, int flags)
{
	size_t n = 0;
	int hi = -1;

	if (flags & KIPSEC_HEX_FILE)
		while (isspace((unsigned char)*s))
			s++;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	else if (flags & KIPSEC_HEX_PREFIX)
		return -EINVAL;
	for (; *s; s++) {
		int v;

		if ((flags & KIPSEC_HEX_FILE) && isspace((unsigned char)*s))
			continue;
		v = hexval((unsigned char)*s);
		if (v < 0)
			return -EINVAL;
		if (hi < 0) {
			hi = v;
			continue;
		}
		if (n == max)
			return -E2BIG;
		buf[n++] = (uint8_t)(hi << 4 | v);
		hi = -1;
	}
	if (hi >= 0 || n == 0)
		return -EINVAL;
	return (int)n;
}

void kipsec_format_hex(const uint8_t *buf, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	*out++ = '0';
	*out++ = 'x';
	for (size_t i = 0; i < len; i++) {
		*out++ = digits[buf[i] >> 4];
		*out++ = digits[buf[i] & 15];
	}
	*out = '\0';
}

/* The first name of a number is the one printed. */
static const struct {
	const char *name;
	uint8_t num;
} protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "icmp", IPPROTO_ICMP },
	{ "icmp6", IPPROTO_ICMPV6 }, { "ipv6-icmp", IPPROTO_ICMPV6 },
	{ "sctp", IPPROTO_SCTP }, { "gre", IPPROTO_GRE },
};

const char *kipsec_proto_name(uint8_t proto, char *buf, size_t len)
{
	if (!proto)
		return "any";
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].num == proto)
			return protos[i].name;
	snprintf(buf, len, "%u", proto);
	return buf;
}

int kipsec_proto_by_name(const char *name)
{
	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (!strcmp(protos[i].name, name))
			return protos[i].num;
	return -1;
}
