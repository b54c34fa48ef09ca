/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ISAKMP (RFC 2408) messages: the header, the generic payload chain, and
 * the payloads IKEv1 uses, decoded with strict bounds checks and encoded
 * into a growing buffer.  Nothing here knows about exchanges or keys.
 *
 * A decoded payload points into the datagram: the caller keeps the buffer
 * alive while it looks at the payloads.
 */
#ifndef IPSECD_ISAKMP_H
#define IPSECD_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 2408 §3.1 */
#define ISAKMP_HDR_LEN		28
#define ISAKMP_VERSION		0x10	/* major 1, minor 0 */
#define ISAKMP_FLAG_ENC		0x01
#define ISAKMP_FLAG_COMMIT	0x02
#define ISAKMP_FLAG_AUTH	0x04
#define ISAKMP_MSG_MAX		65535

/* Exchange types, RFC 2408 §3.1, RFC 2409 §5. */
#define ISAKMP_XCHG_IDPROT	2	/* Main Mode */
#define ISAKMP_XCHG_AGGR	4
#define ISAKMP_XCHG_INFO	5
#define ISAKMP_XCHG_QUICK	32

/* Payload types, RFC 2408 §3.1, RFC 3947 §3. */
#define ISAKMP_NP_NONE		0
#define ISAKMP_NP_SA		1
#define ISAKMP_NP_P		2
#define ISAKMP_NP_T		3
#define ISAKMP_NP_KE		4
#define ISAKMP_NP_ID		5
#define ISAKMP_NP_CERT		6
#define ISAKMP_NP_CR		7
#define ISAKMP_NP_HASH		8
#define ISAKMP_NP_SIG		9
#define ISAKMP_NP_NONCE		10
#define ISAKMP_NP_N		11
#define ISAKMP_NP_D		12
#define ISAKMP_NP_VID		13
#define ISAKMP_NP_NATD		20
#define ISAKMP_NP_NATOA		21

/* DOI and protocols, RFC 2407 §4.2, §4.4.1. */
#define IPSEC_DOI		1
#define SIT_IDENTITY_ONLY	1
#define PROTO_ISAKMP		1
#define PROTO_IPSEC_AH		2
#define PROTO_IPSEC_ESP		3
#define KEY_IKE			1	/* the phase 1 transform ID, RFC 2407 §4.4.2 */

/* Phase 1 attributes, RFC 2409 Appendix A. */
#define OAKLEY_ENC		1
#define OAKLEY_HASH		2
#define OAKLEY_AUTH		3
#define OAKLEY_GROUP		4
#define OAKLEY_LIFE_TYPE	11
#define OAKLEY_LIFE_DURATION	12
#define OAKLEY_KEY_LENGTH	14
#define OAKLEY_AUTH_PSK		1
#define OAKLEY_LIFE_SECONDS	1
#define OAKLEY_LIFE_KB		2

/* Phase 2 attributes, RFC 2407 §4.5. */
#define IPSEC_ATTR_LIFE_TYPE	1
#define IPSEC_ATTR_LIFE_DURATION 2
#define IPSEC_ATTR_GROUP	3
#define IPSEC_ATTR_ENCAP	4
#define IPSEC_ATTR_AUTH		5
#define IPSEC_ATTR_KEY_LENGTH	6
#define IPSEC_LIFE_SECONDS	1
#define IPSEC_LIFE_KB		2
#define IPSEC_ENCAP_TUNNEL	1
#define IPSEC_ENCAP_TRANSPORT	2
/* RFC 3947 §5.1, and the values of its drafts (private use). */
#define IPSEC_ENCAP_UDP_TUNNEL	3
#define IPSEC_ENCAP_UDP_TRANSPORT 4
#define IPSEC_ENCAP_UDP_TUNNEL_DRAFT 61443
#define IPSEC_ENCAP_UDP_TRANSPORT_DRAFT 61444

/* ID types, RFC 2407 §4.6.2.1. */
#define ID_IPV4_ADDR		1
#define ID_FQDN			2
#define ID_USER_FQDN		3
#define ID_IPV4_ADDR_SUBNET	4
#define ID_IPV6_ADDR		5
#define ID_IPV6_ADDR_SUBNET	6
#define ID_IPV4_ADDR_RANGE	7
#define ID_IPV6_ADDR_RANGE	8
#define ID_KEY_ID		11

/* Notify messages, RFC 2408 §3.14.1, RFC 2407 §4.6.3. */
#define N_INVALID_PAYLOAD_TYPE		1
#define N_DOI_NOT_SUPPORTED		2
#define N_SITUATION_NOT_SUPPORTED	3
#define N_INVALID_COOKIE		4
#define N_INVALID_MAJOR_VERSION		5
#define N_INVALID_EXCHANGE_TYPE		7
#define N_INVALID_FLAGS			8
#define N_INVALID_MESSAGE_ID		9
#define N_INVALID_PROTOCOL_ID		10
#define N_INVALID_SPI			11
#define N_INVALID_TRANSFORM_ID		12
#define N_ATTRIBUTES_NOT_SUPPORTED	13
#define N_NO_PROPOSAL_CHOSEN		14
#define N_BAD_PROPOSAL_SYNTAX		15
#define N_PAYLOAD_MALFORMED		16
#define N_INVALID_KEY_INFORMATION	17
#define N_INVALID_ID_INFORMATION	18
#define N_INVALID_HASH_INFORMATION	23
#define N_AUTHENTICATION_FAILED		24
#define N_UNSUPPORTED_EXCHANGE_TYPE	29
#define N_RESPONDER_LIFETIME		24576
#define N_INITIAL_CONTACT		24578
#define N_R_U_THERE			36136	/* RFC 3706 §5 */
#define N_R_U_THERE_ACK			36137

struct isakmp_hdr {
	uint8_t icookie[8];
	uint8_t rcookie[8];
	uint8_t np;
	uint8_t version;
	uint8_t exchange;
	uint8_t flags;
	uint32_t msgid;		/* host order */
	uint32_t len;
};

/* One payload of a chain: its body (without the 4-byte generic header). */
struct payload {
	uint8_t type;
	const uint8_t *raw;	/* the generic header */
	size_t raw_len;		/* header + body */
	const uint8_t *body;
	size_t len;
};

#define ISAKMP_MAX_PAYLOADS	32

struct isakmp_msg {
	struct isakmp_hdr hdr;
	struct payload pl[ISAKMP_MAX_PAYLOADS];
	size_t n;
};

/* Why a decode failed, for the malformed-packet log. */
extern const char *isakmp_error;

/* The fixed header; checks version, length against the datagram. */
int isakmp_parse_hdr(const uint8_t *buf, size_t len, struct isakmp_hdr *h);
/*
 * The payload chain starting with type first at p.  Bytes after the last
 * payload are refused unless trailing is true (the padding of a decrypted
 * message, RFC 2408 §3.5).
 */
int isakmp_parse_payloads(uint8_t first, const uint8_t *p, size_t len, bool trailing,
			  struct isakmp_msg *m);
/* The first payload of a type, or NULL; count of a type. */
const struct payload *isakmp_find(const struct isakmp_msg *m, uint8_t type);
size_t isakmp_count(const struct isakmp_msg *m, uint8_t type);

/* ---- SA payloads, RFC 2408 §3.4-3.6 ---- */

#define ISAKMP_MAX_PROPOSALS	8
#define ISAKMP_MAX_TRANSFORMS	16

struct isakmp_transform {
	uint8_t num;
	uint8_t id;
	const uint8_t *attrs;
	size_t attrs_len;
};

struct isakmp_proposal {
	uint8_t num;
	uint8_t proto;
	uint8_t spi_size;
	uint8_t spi[16];
	size_t nt;
	struct isakmp_transform t[ISAKMP_MAX_TRANSFORMS];
};

struct isakmp_sa {
	uint32_t doi;
	uint32_t situation;
	size_t np;
	struct isakmp_proposal p[ISAKMP_MAX_PROPOSALS];
};

int isakmp_parse_sa(const uint8_t *body, size_t len, struct isakmp_sa *sa);

/* Data attributes, RFC 2408 §3.3: basic (TV) or variable (TLV). */
struct isakmp_attr {
	uint16_t type;
	bool tv;
	uint64_t val;		/* TV, or a TLV of at most 8 bytes */
	const uint8_t *data;	/* TLV */
	uint16_t data_len;
};

/* Iterates: returns 1 with *a filled, 0 at the end, -1 if malformed. */
int isakmp_attr_next(const uint8_t **p, size_t *len, struct isakmp_attr *a);

/* ---- other payloads ---- */

/* ID, RFC 2407 §4.6.2: type, protocol, port, then the data. */
struct isakmp_id {
	uint8_t type;
	uint8_t proto;
	uint16_t port;
	const uint8_t *data;
	size_t len;
};
int isakmp_parse_id(const struct payload *pl, struct isakmp_id *id);

/* Notification and Delete begin alike (RFC 2408 §3.14, §3.15). */
struct isakmp_spi_head {
	uint32_t doi;
	uint8_t proto;
	uint8_t spi_size;
};

/* Notification, RFC 2408 §3.14. */
struct isakmp_notify {
	struct isakmp_spi_head h;
	uint16_t type;
	const uint8_t *spi;
	const uint8_t *data;
	size_t data_len;
};
int isakmp_parse_notify(const struct payload *pl, struct isakmp_notify *n);

/* Delete, RFC 2408 §3.15. */
struct isakmp_delete {
	struct isakmp_spi_head h;
	uint16_t nspi;
	const uint8_t *spis;
};
int isakmp_parse_delete(const struct payload *pl, struct isakmp_delete *d);

const char *isakmp_notify_name(uint16_t type);
const char *isakmp_payload_name(uint8_t type);

/* ---- encoding ---- */

struct buf {
	uint8_t *p;
	size_t len, cap;
	bool err;		/* an allocation failed or the size passed 64 KiB */
};

/*
 * Every buffer is initialised where it is declared: an error path may
 * free it before anything was put in (buf_free of BUF_INIT is a no-op),
 * and a function that fills a caller's buffer never has to.
 */
#define BUF_INIT	{ .p = NULL }

void buf_init(struct buf *b);
/* Wipes, then frees (buffers may hold key material); leaves it as BUF_INIT. */
void buf_free(struct buf *b);
void buf_put(struct buf *b, const void *p, size_t n);
void buf_put8(struct buf *b, uint8_t v);
void buf_put16(struct buf *b, uint16_t v);
void buf_put32(struct buf *b, uint32_t v);
void buf_zero(struct buf *b, size_t n);
void buf_set16(struct buf *b, size_t off, uint16_t v);
void buf_set32(struct buf *b, size_t off, uint32_t v);

/* A message being built: the header, then payloads chained by np. */
struct msgb {
	struct buf b;
	size_t np_off;		/* where the next payload's type goes */
};

#define MSGB_INIT	{ .b = BUF_INIT }

void msgb_init(struct msgb *m, const struct isakmp_hdr *h);
/* Starts a payload of type; returns the offset of its generic header. */
size_t msgb_begin(struct msgb *m, uint8_t type);
void msgb_end(struct msgb *m, size_t off);
/* A whole payload from a body. */
void msgb_payload(struct msgb *m, uint8_t type, const void *body, size_t len);
/* Writes the total length into the header. */
void msgb_finish(struct msgb *m);

/* Attributes: basic when the value fits in 16 bits (and tv), else 4-byte TLV. */
void attr_put(struct buf *b, uint16_t type, uint32_t val);

/* Helpers for numbers in the datagram. */
static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

#endif /* IPSECD_ISAKMP_H */
