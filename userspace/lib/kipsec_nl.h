/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libkipsec: a small client of the "kipsec" generic netlink family
 * (include/uapi/linux/kipsec.h), shared by ipsecctl and ipsecd.
 *
 * Every function that talks to the kernel returns 0 or -errno.  When the
 * kernel explained a refusal (netlink extended ACK), kipsec_nl_extack()
 * returns that text until the next request; otherwise it returns "".
 *
 * One handle is one netlink socket and is not thread safe.  A program that
 * both sends requests and listens to events should open two handles, so
 * that notifications never interleave with the replies it waits for.
 */
#ifndef KIPSEC_NL_H
#define KIPSEC_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/kipsec.h>

/* An IPv4 or IPv6 address; family 0 means "not given". */
struct kipsec_addr {
	uint16_t family;
	union {
		struct in_addr in;
		struct in6_addr in6;
		uint8_t bytes[16];
	} u;
};

/* One algorithm of an SA; name[0] == '\0' means "none". */
struct kipsec_alg {
	char name[KIPSEC_ALG_NAME_MAX];	/* the kernel's name, e.g. "aes-gcm" */
	uint8_t key[KIPSEC_KEY_MAX];
	uint32_t key_len;		/* bytes in key[], salt included for AEADs */
	uint32_t size;			/* the key's length the kernel reports,
					 * also when key[] was not asked for */
	uint32_t icv_len;		/* bytes, 0 = the kernel's default */
};

/* A zero limit means "no limit". */
struct kipsec_lifetime {
	uint64_t bytes;
	uint64_t packets;
	uint64_t add_secs;
	uint64_t use_secs;
};

struct kipsec_sa_stats {
	uint64_t packets;
	uint64_t bytes;
	uint64_t replay_drops;
	uint64_t auth_fails;
	uint64_t decrypt_errs;
	uint64_t policy_drops;
};

struct kipsec_sa {
	struct kipsec_addr src;		/* src.family is the SA's family */
	struct kipsec_addr dst;
	uint32_t spi;			/* host order, >= 256 */
	uint8_t proto;			/* IPPROTO_ESP or IPPROTO_AH */
	uint8_t mode;			/* enum kipsec_mode */
	uint32_t reqid;
	struct kipsec_alg enc;		/* ESP only */
	struct kipsec_alg auth;		/* absent for AEADs */
	uint32_t replay_window;		/* packets, 0 = off */
	uint32_t flags;			/* KIPSEC_SA_F_* */
	struct kipsec_lifetime soft;
	struct kipsec_lifetime hard;
	uint16_t encap_sport;		/* NAT-T (RFC 3948); both 0 = none */
	uint16_t encap_dport;
	uint32_t mark;			/* set on what it decrypted, */
	uint32_t mark_mask;		/* within these bits; 0 = no mark */
	uint32_t ifindex;		/* bound to a kipsec interface; 0 = none */
	/* Filled in by the kernel's replies only. */
	uint8_t state;			/* enum kipsec_sa_state */
	struct kipsec_sa_stats stats;
	uint64_t add_time;
	uint64_t use_time;
	uint64_t seq_out;
	uint64_t seq_in;
};

/* The SA a PROTECT policy wants; src/dst are tunnel endpoints (tunnel mode). */
struct kipsec_tmpl {
	uint8_t proto;
	uint8_t mode;
	struct kipsec_addr src;		/* family 0 = absent */
	struct kipsec_addr dst;
	uint32_t reqid;
};

struct kipsec_policy {
	uint32_t id;			/* assigned by the kernel */
	struct kipsec_addr src;		/* src.family is the selector's family */
	struct kipsec_addr dst;
	uint8_t src_plen;
	uint8_t dst_plen;
	uint8_t proto;			/* upper layer, 0 = any */
	uint16_t sport;			/* 0 = any */
	uint16_t dport;
	uint8_t dir;			/* enum kipsec_dir */
	uint32_t priority;		/* lower wins */
	uint8_t action;			/* enum kipsec_action */
	uint8_t level;			/* enum kipsec_level, PROTECT only */
	bool has_tmpl;
	struct kipsec_tmpl tmpl;
	/* Replies only. */
	uint64_t packets;
	uint64_t bytes;
};

struct kipsec_stats {
	uint64_t sa_count;
	uint64_t policy_count;
	uint64_t in_no_sa;
	uint64_t in_malformed;
	uint64_t in_replay;
	uint64_t in_auth_fail;
	uint64_t in_policy_drop;
	uint64_t out_no_sa;
	uint64_t out_discard;
	uint64_t out_errors;
	uint64_t acquires;
	uint64_t expires;
	/* After KIPSEC_STATS_A_PAD in the attribute order. */
	uint64_t in_crypto_busy;
	uint64_t out_crypto_busy;
	uint64_t in_udp_keepalive;	/* NAT keepalives dropped (RFC 3948 §2.3) */
	uint64_t in_udp_malformed;	/* ESP in UDP dropped: length, checksum, too short */
};

/* One notification from the "events" multicast group. */
struct kipsec_event {
	uint8_t cmd;			/* enum kipsec_cmd */
	bool has_sa;
	bool has_policy;
	bool has_pkt;			/* ACQUIRE: the triggering packet */
	bool hard;			/* EXPIRE: hard lifetime, the SA is gone */
	uint8_t proto;			/* SA_FLUSH: protocol filter, 0 = all */
	bool has_mapping;		/* MAPPING: where the SA's packets come from now */
	struct kipsec_addr mapping_src;
	uint16_t mapping_sport;
	struct kipsec_sa sa;
	struct kipsec_policy policy;
	struct kipsec_policy pkt;
};

struct kipsec_nl;

/* Opens a socket and resolves the family; -ENOENT: kipsec.ko not loaded. */
int kipsec_nl_open(struct kipsec_nl **hp);
void kipsec_nl_close(struct kipsec_nl *h);
const char *kipsec_nl_extack(const struct kipsec_nl *h);
int kipsec_nl_fd(const struct kipsec_nl *h);

int kipsec_sa_add(struct kipsec_nl *h, const struct kipsec_sa *sa, bool replace);
/* Uses src.family, dst, spi and proto of *sa. */
int kipsec_sa_del(struct kipsec_nl *h, const struct kipsec_sa *sa);
/* Looks up by src.family, dst, spi, proto and overwrites *sa. */
int kipsec_sa_get(struct kipsec_nl *h, struct kipsec_sa *sa, bool keys);
/* All SAs, consistent (retried when the dump was interrupted); free with
 * kipsec_sa_list_free(). */
int kipsec_sa_dump(struct kipsec_nl *h, bool keys, struct kipsec_sa **out, size_t *n);
void kipsec_sa_list_free(struct kipsec_sa *sas, size_t n);
/* proto 0 flushes every SA. */
int kipsec_sa_flush(struct kipsec_nl *h, uint8_t proto);
/* Reserves an SPI in [min, max] for src/dst/proto/mode/reqid of *sa, sets sa->spi. */
int kipsec_spi_alloc(struct kipsec_nl *h, struct kipsec_sa *sa, uint32_t min, uint32_t max);

/* Sets pol->id to the id the kernel assigned. */
int kipsec_policy_add(struct kipsec_nl *h, struct kipsec_policy *pol);
/* By pol->id when non-zero, otherwise by dir + selector. */
int kipsec_policy_del(struct kipsec_nl *h, const struct kipsec_policy *pol);
int kipsec_policy_get(struct kipsec_nl *h, uint32_t id, struct kipsec_policy *out);
int kipsec_policy_dump(struct kipsec_nl *h, struct kipsec_policy **out, size_t *n);
int kipsec_policy_flush(struct kipsec_nl *h);

int kipsec_stats_get(struct kipsec_nl *h, struct kipsec_stats *st);

/* Joins the "events" group; then poll kipsec_nl_fd() and call
 * kipsec_event_recv(), which reads one datagram and calls cb per event.
 * Returns -ENOBUFS when the socket overflowed and events were lost. */
typedef void (*kipsec_event_cb)(const struct kipsec_event *ev, void *arg);
int kipsec_events_subscribe(struct kipsec_nl *h);
int kipsec_event_recv(struct kipsec_nl *h, kipsec_event_cb cb, void *arg);

/* Helpers shared by the tools (lib/addr.c). */
#define KIPSEC_ADDR_STRLEN 46	/* INET6_ADDRSTRLEN */
size_t kipsec_addr_len(uint16_t family);
const char *kipsec_addr_ntop(const struct kipsec_addr *a, char *buf, size_t len);
/* Same family and the same bytes of that family's length. */
bool kipsec_addr_eq(const struct kipsec_addr *a, const struct kipsec_addr *b);
const char *kipsec_family_name(uint16_t family);
const char *kipsec_cmd_name(uint8_t cmd);

/*
 * Room for element n of the array *v of *cap elements of size bytes:
 * doubles it when full (first elements the first time).  Never realloc:
 * the old block is copied and wiped, since arrays of SAs and rules hold
 * keys.  Returns 0 or -ENOMEM (*v unchanged).
 */
int kipsec_array_grow(void **v, size_t n, size_t *cap, size_t size, size_t first);

/* Zeroes the key material of an SA (explicit_bzero). */
void kipsec_sa_wipe(struct kipsec_sa *sa);

#endif /* KIPSEC_NL_H */
