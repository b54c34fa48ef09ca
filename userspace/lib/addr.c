// SPDX-License-Identifier: GPL-2.0
/* libkipsec: small helpers on addresses and names, shared by the tools. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kipsec_nl.h"

size_t kipsec_addr_len(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return 4;
	case AF_INET6:
		return 16;
	}
	return 0;
}

const char *kipsec_addr_ntop(const struct kipsec_addr *a, char *buf, size_t len)
{
	if (!kipsec_addr_len(a->family) || !inet_ntop(a->family, a->u.bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

bool kipsec_addr_eq(const struct kipsec_addr *a, const struct kipsec_addr *b)
{
	return a->family == b->family && !memcmp(a->u.bytes, b->u.bytes, kipsec_addr_len(a->family));
}

const char *kipsec_family_name(uint16_t family)
{
	switch (family) {
	case AF_INET:
		return "inet";
	case AF_INET6:
		return "inet6";
	}
	return "unspec";
}

const char *kipsec_cmd_name(uint8_t cmd)
{
	static const char *const names[] = {
		[KIPSEC_CMD_SA_ADD] = "sa-add",
		[KIPSEC_CMD_SA_DEL] = "sa-del",
		[KIPSEC_CMD_SA_GET] = "sa-get",
		[KIPSEC_CMD_SA_FLUSH] = "sa-flush",
		[KIPSEC_CMD_SPI_ALLOC] = "spi-alloc",
		[KIPSEC_CMD_POLICY_ADD] = "policy-add",
		[KIPSEC_CMD_POLICY_DEL] = "policy-del",
		[KIPSEC_CMD_POLICY_GET] = "policy-get",
		[KIPSEC_CMD_POLICY_FLUSH] = "policy-flush",
		[KIPSEC_CMD_STATS_GET] = "stats-get",
		[KIPSEC_CMD_ACQUIRE] = "acquire",
		[KIPSEC_CMD_EXPIRE] = "expire",
		[KIPSEC_CMD_MAPPING] = "mapping",
	};

	if (cmd < sizeof(names) / sizeof(names[0]) && names[cmd])
		return names[cmd];
	return "unknown";
}

int kipsec_array_grow(void **v, size_t n, size_t *cap, size_t size, size_t first)
{
	size_t ncap = *cap ? *cap * 2 : first;
	void *nv;

	if (n < *cap)
		return 0;
	nv = malloc(ncap * size);
	if (!nv)
		return -ENOMEM;
	if (*v) {
		memcpy(nv, *v, n * size);
		explicit_bzero(*v, n * size);
		free(*v);
	}
	*v = nv;
	*cap = ncap;
	return 0;
}

void kipsec_sa_wipe(struct kipsec_sa *sa)
{
	explicit_bzero(sa->enc.key, sizeof(sa->enc.key));
	explicit_bzero(sa->auth.key, sizeof(sa->auth.key));
	sa->enc.key_len = 0;
	sa->auth.key_len = 0;
}
