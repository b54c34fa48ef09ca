/* SPDX-License-Identifier: GPL-2.0 */
/*
 * nltest: a raw generic netlink client of the kipsec family for the
 * kselftests.  It sits on libmnl directly, not on libkipsec, so that tests
 * can send what no real client would (missing, truncated, misplaced
 * attributes) and see every byte of the answer: the errno, the extack
 * message, the missing-attribute TLV, the NLM_F_DUMP_INTR flag.
 *
 * Every request helper returns 0 or a negative errno; the extack of the last
 * answer is kept in struct nlt.
 */
#ifndef KIPSEC_NLTEST_H
#define KIPSEC_NLTEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <libmnl/libmnl.h>

#include <linux/kipsec.h>

/* Big enough for any one request and for a batch of SA_ADDs. */
#define NLT_BUFSZ	(128 * 1024)

struct nlt {
	struct mnl_socket *nl;
	int fd;
	uint16_t family;		/* genl family id of "kipsec" */
	uint32_t events_grp;		/* multicast group id of "events" */
	uint32_t portid;
	uint32_t seq;
	/* The extack of the last error or ACK (empty strings when none). */
	char ext_msg[256];
	bool has_offs;
	uint32_t ext_offs;
	bool has_miss;
	uint32_t miss_type;		/* NLMSGERR_ATTR_MISS_TYPE */
	bool has_miss_nest;
	uint32_t miss_nest;		/* NLMSGERR_ATTR_MISS_NEST: the nest's offset */
	/* Messages flagged NLM_F_DUMP_INTR in the last dump. */
	unsigned int intr;
	char *buf;			/* NLT_BUFSZ, requests */
	char *rx;			/* receive buffer */
	size_t rxsz;
};

/* Called for every data message answering a request; non-zero stops. */
typedef int (*nlt_cb)(const struct nlmsghdr *nlh, void *data);

/* Opens a socket and resolves the family; NULL with errno set on failure
 * (ENOENT: the family is not registered, kipsec.ko not loaded).
 */
struct nlt *nlt_open(void);
void nlt_close(struct nlt *s);
/* Starts a request in s->buf: nlmsghdr (NLM_F_REQUEST | flags) + genlmsghdr. */
struct nlmsghdr *nlt_msg(struct nlt *s, uint8_t cmd, uint16_t flags);
/* Starts a request in buf (for batches and hand-made messages). */
struct nlmsghdr *nlt_msg_at(struct nlt *s, void *buf, uint8_t cmd, uint16_t flags);
/* Sends nlh (NLM_F_ACK added unless it is a dump) and reads the answer:
 * data messages go to cb, the result is the ACK's or DONE's error.
 */
int nlt_talk(struct nlt *s, struct nlmsghdr *nlh, nlt_cb cb, void *data);
int nlt_send(struct nlt *s, const void *buf, size_t len);
/* Reads until the ACK, error or DONE of sequence number seq. */
int nlt_wait(struct nlt *s, uint32_t seq, nlt_cb cb, void *data);
/* Reads one datagram, (timeout_ms < 0: blocks); returns its length, 0 on
 * timeout, -errno on error.
 */
int nlt_recv_raw(struct nlt *s, int timeout_ms);
int nlt_set_rcvbuf(struct nlt *s, int bytes);

/* Joins (or leaves) the "events" group: 0 or -errno. */
int nlt_join_events(struct nlt *s);

/* Attribute tables: tb[type] for types 1..max, later duplicates win. */
void nlt_parse_nest(const struct nlattr *nest, const struct nlattr **tb, unsigned int max);
void nlt_parse_msg(const struct nlmsghdr *nlh, const struct nlattr **tb, unsigned int max);
uint8_t nlt_cmd(const struct nlmsghdr *nlh);

/* Test keys: distinct per seed and position, so 3DES thirds never repeat. */
void nlt_key(uint8_t *key, int len, uint32_t seed);

/* ---- SAs ---- */

/* Lifetime limits, in the order of enum kipsec_life_attr; 0: absent. */
struct nlt_life {
	uint64_t bytes, packets, add_secs, use_secs;
};

struct sa_req {
	uint16_t family;
	uint8_t src[32], dst[32];	/* room for over-long addresses */
	int addr_len;			/* 0: 4 or 16 by family, at most 32 */
	uint32_t spi;
	uint8_t proto, mode;
	uint32_t reqid;			/* 0: absent */
	const char *enc, *auth;		/* NULL: no ENC / AUTH nest */
	int enc_key_len, auth_key_len;	/* < 0: no KEY attribute */
	uint32_t enc_icv, auth_icv;	/* 0: no ICV_LEN attribute */
	int64_t window;			/* < 0: absent */
	int64_t flags;			/* < 0: absent */
	int64_t seq_out;		/* SEQ_OUT as u64; -1: absent */
	struct nlt_life soft, hard;
	bool encap;
	uint16_t encap_sport, encap_dport;
	int64_t mark, mark_mask;	/* < 0: absent */
	uint32_t omit;			/* 1 << KIPSEC_SA_A_*: left out */
};

/* A valid ESP tunnel SA 192.0.2.1 -> 192.0.2.2, aes-gcm with a 20-byte key. */
void sa_req_init(struct sa_req *r, uint32_t spi);
/* Sets family and addresses from text ("2001:db8::1"). */
void sa_req_addrs(struct sa_req *r, const char *src, const char *dst);
/* Puts the KIPSEC_A_SA nest of r (with keys) into nlh. */
void nlt_put_sa(struct nlmsghdr *nlh, const struct sa_req *r);
/* Only FAMILY, DST, SPI, PROTO: the name of the SA. */
void nlt_put_sa_id(struct nlmsghdr *nlh, const struct sa_req *r);

struct alg_info {
	bool present, has_key, has_icv, has_key_len;
	uint32_t key_len_attr;		/* ALG_A_KEY_LEN, replies only */
	char name[KIPSEC_ALG_NAME_MAX];
	uint8_t key[KIPSEC_KEY_MAX];
	int key_len;
	uint32_t icv;
};

/* An SA as the kernel reports it; present[] by KIPSEC_SA_A_*. */
struct sa_info {
	bool present[KIPSEC_SA_A_MAX + 1];
	uint16_t family;
	uint8_t src[16], dst[16];
	int src_len, dst_len;
	uint32_t spi, reqid, window, flags;
	uint8_t proto, mode, state;
	struct alg_info enc, auth;
	struct nlt_life soft, hard;
	uint16_t encap_sport, encap_dport;
	uint32_t mark, mark_mask;
	uint64_t add_time, seq_out, seq_in;
};

void sa_info_parse(const struct nlattr *sa_nest, struct sa_info *out);

int sa_add(struct nlt *s, const struct sa_req *r, uint16_t flags);
/*
 * Adds n SAs like r, with SPIs r->spi to r->spi + n - 1, up to batch
 * requests per datagram without waiting for each ACK (only the last of a
 * batch asks for one; a refusal is answered anyway).  vary_dst: the i-th
 * SA goes to r's destination + i (last 32 bits), so that they do not all
 * share one pair of endpoints.  Returns 0 or the first refusal's errno;
 * *refused counts them.
 */
int sa_add_batch(struct nlt *s, const struct sa_req *r, unsigned int n, unsigned int batch,
		 bool vary_dst, unsigned int *refused);
int sa_del(struct nlt *s, const struct sa_req *r);
int sa_get(struct nlt *s, const struct sa_req *r, bool keys, struct sa_info *out);
/* Dumps every SA; cb (may be NULL) sees each one; *count is set. */
int sa_dump(struct nlt *s, bool keys, void (*cb)(const struct sa_info *, void *), void *data,
	    unsigned int *count);
int sa_flush(struct nlt *s, int proto);	/* proto < 0: no filter */
/* SPI_ALLOC for r's FAMILY, SRC, DST, PROTO (MODE, REQID if set);
 * min/max < 0: attribute absent.
 */
int spi_alloc(struct nlt *s, const struct sa_req *r, int64_t min, int64_t max,
	      struct sa_info *out);

/* ---- policies ---- */

struct pol_req {
	uint16_t family;
	uint8_t src[32], dst[32];
	int addr_len;			/* 0: by family, at most 32 */
	int src_plen, dst_plen;		/* < 0: absent */
	uint8_t proto;
	uint16_t sport, dport;
	uint8_t dir, action, level;	/* level 0: absent */
	int64_t priority;		/* < 0: absent */
	uint32_t id;			/* POL_A_ID, 0: absent */
	bool tmpl;
	uint8_t t_proto, t_mode;
	uint16_t t_family;
	uint8_t t_src[16], t_dst[16];
	uint32_t t_reqid;
	uint32_t omit;			/* 1 << KIPSEC_POL_A_*: left out */
	uint32_t t_omit;		/* 1 << KIPSEC_TMPL_A_*: left out */
};

/* Outbound PROTECT 10.1.0.0/24 -> 10.2.0.0/24, ESP tunnel 192.0.2.1 -> .2. */
void pol_req_init(struct pol_req *p);
/* Selector from text prefixes ("10.1.0.0/24", "fd01::/64"). */
void pol_req_sel(struct pol_req *p, const char *src, const char *dst);
void nlt_put_pol(struct nlmsghdr *nlh, const struct pol_req *p);

struct pol_info {
	bool present[KIPSEC_POL_A_MAX + 1];
	uint32_t id, priority;
	uint16_t family;
	uint8_t src[16], dst[16];
	uint8_t src_plen, dst_plen, proto, dir, action, level;
	uint16_t sport, dport;
	bool tmpl;
	bool tmpl_present[KIPSEC_TMPL_A_MAX + 1];
	uint8_t t_proto, t_mode;
	uint16_t t_family;
	uint8_t t_src[16], t_dst[16];
	uint32_t t_reqid;
};

void pol_info_parse(const struct nlattr *nest, struct pol_info *out);

int pol_add(struct nlt *s, const struct pol_req *p, uint32_t *id);
int pol_del_id(struct nlt *s, uint32_t id);
int pol_del_sel(struct nlt *s, const struct pol_req *p);
int pol_get(struct nlt *s, uint32_t id, struct pol_info *out);
int pol_dump(struct nlt *s, void (*cb)(const struct pol_info *, void *), void *data,
	     unsigned int *count);
int pol_flush(struct nlt *s);

/* ---- statistics ---- */

/* st[KIPSEC_STATS_A_*]; present[] says which the kernel sent. */
struct stats_info {
	bool present[KIPSEC_STATS_A_MAX + 1];
	uint64_t v[KIPSEC_STATS_A_MAX + 1];
};

int stats_get(struct nlt *s, struct stats_info *out);

/* Address helpers. */
void nlt_addr(uint16_t family, const char *text, uint8_t *out);

#endif /* KIPSEC_NLTEST_H */
