/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Pure text helpers shared by the tools and unit-tested on their own:
 * addresses, prefixes, hexadecimal keys.  Nothing here touches the kernel.
 */
#ifndef KIPSEC_TEXT_H
#define KIPSEC_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "kipsec_nl.h"

/* A bare IPv4 or IPv6 address.  Returns 0 or -EINVAL. */
int kipsec_parse_addr(const char *s, struct kipsec_addr *a);

/*
 * "ADDR" or "ADDR/LEN".  Without /LEN the prefix is the full length.
 * On error returns -EINVAL and writes a message (no file:line) to err.
 */
int kipsec_parse_prefix(const char *s, struct kipsec_addr *a, uint8_t *plen,
			char *err, size_t errlen);

/* Bits past plen are all zero? */
int kipsec_prefix_host_bits(const struct kipsec_addr *a, uint8_t plen);

/*
 * Hexadecimal key text.  With KIPSEC_HEX_PREFIX the text must start with
 * "0x"; with KIPSEC_HEX_FILE an optional "0x" and white space anywhere are
 * allowed (a key file).  Returns the number of bytes, or -EINVAL (not hex,
 * odd number of digits, empty) or -E2BIG (more than max bytes).
 */
#define KIPSEC_HEX_PREFIX	1
#define KIPSEC_HEX_FILE		2
int kipsec_parse_hex(const char *s, uint8_t *buf, size_t max, int flags);

/* "0x" + lower-case hex of len bytes into out (2 * len + 3 bytes). */
void kipsec_format_hex(const uint8_t *buf, size_t len, char *out);

/*
 * Upper-layer protocols by the names ipsec.conf knows (tcp, udp, icmp,
 * icmp6 or ipv6-icmp, sctp, gre), else by number.  The name of 0 is "any";
 * an unknown protocol is written as its number into buf.
 * kipsec_proto_by_name() returns the number, or -1 for an unknown name.
 */
const char *kipsec_proto_name(uint8_t proto, char *buf, size_t len);
int kipsec_proto_by_name(const char *name);

#endif /* KIPSEC_TEXT_H */
