/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol between ipsecctl and ipsecd: fixed-size records
 * over a UNIX SOCK_SEQPACKET socket (one record per datagram), both ends
 * built from the same tree.  Every record starts with struct ike_ctl_hdr.
 *
 *   ipsecctl                       ipsecd
 *   RULE_ADD {ike_rule}      ->    REPLY {err, msg}
 *   RULE_DEL {ike_rule}      ->    REPLY
 *   FLUSH                    ->    REPLY
 *   SHOW                     ->    RULE_INFO*, P1_INFO*, P2_INFO*, STATS, END
 *
 * The socket is created mode 0600: only root talks to ipsecd.  Pre-shared
 * keys cross it (never argv), and both ends wipe them after use.
 */
#ifndef KIPSEC_IKE_CTL_H
#define KIPSEC_IKE_CTL_H

#include <stdint.h>

#include "kipsec_nl.h"

#define IKE_CTL_SOCKET		"/run/ipsecd.sock"
#define IKE_CTL_MAGIC		0x696b6531	/* "ike1" */
#define IKE_PSK_MAX		256
#define IKE_CTL_MSG_MAX		256

enum ike_ctl_cmd {
	IKE_CTL_RULE_ADD = 1,
	IKE_CTL_RULE_DEL,
	IKE_CTL_FLUSH,
	IKE_CTL_SHOW,
	IKE_CTL_REPLY,
	IKE_CTL_RULE_INFO,
	IKE_CTL_P1_INFO,
	IKE_CTL_P2_INFO,
	IKE_CTL_STATS,
	IKE_CTL_END,
};

struct ike_ctl_hdr {
	uint32_t magic;
	uint32_t cmd;		/* enum ike_ctl_cmd */
	uint32_t len;		/* of the whole record */
};

/* When the rule negotiates (ipsec.conf(5)). */
enum ike_rule_start {
	IKE_START_ACTIVE = 1,	/* at once, and when traffic needs it */
	IKE_START_PASSIVE = 2,	/* never: answer the peer only */
	IKE_START_DYNAMIC = 3,	/* only when traffic needs it (ACQUIRE) */
};

enum ike_p1_exchange {
	IKE_P1_MAIN = 1,	/* identity protection, RFC 2409 §5 */
	IKE_P1_AGGRESSIVE = 2,	/* RFC 2409 §5.4: identities in clear */
};

/*
 * A phase 1 identity (srcid, dstid), as the ID payload carries it (RFC
 * 2407 §4.6.2): type 0 is the default (srcid: our address; dstid: any),
 * else one of IKE_ID_*, the RFC's numbers, with the address bytes or the
 * name (no NUL) in data.
 */
#define IKE_ID_IPV4_ADDR	1
#define IKE_ID_FQDN		2
#define IKE_ID_USER_FQDN	3
#define IKE_ID_IPV6_ADDR	5
#define IKE_ID_MAX		255

struct ike_id {
	uint8_t type;
	uint8_t len;
	uint8_t data[IKE_ID_MAX];
};

struct ike_sel {
	struct kipsec_addr addr;	/* family always set */
	uint8_t plen;
	uint16_t port;			/* 0 = any */
};

/* One "ike" rule, as ipsecctl parsed it: every default is resolved. */
struct ike_rule {
	uint32_t line;			/* in the configuration, for messages */
	uint8_t start;			/* enum ike_rule_start */
	uint8_t sa_proto;		/* IPPROTO_ESP */
	uint8_t mode;			/* KIPSEC_MODE_* */
	uint8_t proto;			/* upper layer, 0 = any */
	struct ike_sel src, dst;	/* ours, the peer's */
	struct kipsec_addr local;	/* family 0: the routing table chooses */
	struct kipsec_addr peer;
	/* Phase 1 */
	uint8_t p1_exchange;		/* enum ike_p1_exchange */
	uint16_t p1_enc, p1_enc_bits;	/* IKE_ENC_*, key bits (0: fixed size) */
	uint16_t p1_hash;		/* IKE_HASH_* */
	uint16_t p1_group;
	uint32_t p1_lifetime;		/* seconds */
	/* Phase 2 */
	uint16_t p2_enc, p2_enc_bits;	/* ESP_* */
	uint16_t p2_auth;		/* AUTH_*, 0 for AEADs */
	uint16_t p2_group;		/* PFS group, 0 = no PFS */
	uint32_t p2_lifetime;		/* seconds */
	uint32_t p2_life_kb;		/* kilobytes (RFC 2407 §4.5), 0 = no byte limit */
	/* Dead peer detection (RFC 3706): seconds, delay 0 = none */
	uint32_t dpd_delay, dpd_timeout;
	uint32_t psk_len;
	uint8_t psk[IKE_PSK_MAX];
	/* A kipsec interface (route-based tunnel): its SAs bound to it, no flows. */
	uint32_t ifindex;
	/* Phase 1 identities: what we send, what the peer must send. */
	struct ike_id srcid, dstid;
};

struct ike_ctl_rule {
	struct ike_ctl_hdr h;
	struct ike_rule rule;
};

struct ike_ctl_reply {
	struct ike_ctl_hdr h;
	int32_t err;			/* 0 or -errno */
	char msg[IKE_CTL_MSG_MAX];	/* why, for the administrator */
};

struct ike_ctl_rule_info {
	struct ike_ctl_hdr h;
	uint32_t id;
	uint32_t reqid;
	struct ike_rule rule;		/* psk_len 0, psk zeroed */
	uint32_t p2_count;		/* phase 2 SA pairs installed */
};

struct ike_ctl_p1_info {
	struct ike_ctl_hdr h;
	uint32_t id;
	char state[24];
	uint8_t initiator;
	struct kipsec_addr local, peer;
	uint8_t icookie[8], rcookie[8];
	uint16_t enc, enc_bits, hash, group;
	uint32_t lifetime;		/* seconds, negotiated */
	uint64_t created;		/* seconds since the epoch */
	uint64_t expires;		/* seconds since the epoch, 0 = not yet */
	uint8_t natt;			/* on the NAT-T port (RFC 3947 §4) */
	uint8_t nat_local, nat_peer;	/* which end NAT-D found behind a NAT */
	uint16_t peer_port;
	uint8_t dpd;			/* the peer does DPD (RFC 3706 vendor ID) */
	uint8_t exchange;		/* enum ike_p1_exchange */
	struct ike_id peer_id;		/* what the peer's ID payload said (once verified) */
};

struct ike_ctl_p2_info {
	struct ike_ctl_hdr h;
	uint32_t id;
	uint32_t rule_id;
	uint32_t p1_id;
	char state[24];
	uint8_t initiator;
	uint8_t mode;
	uint8_t proto;
	struct kipsec_addr local, peer;
	struct ike_sel src, dst;
	uint32_t spi_in, spi_out;
	uint16_t enc, enc_bits, auth, group;
	uint32_t lifetime;		/* seconds, negotiated */
	uint32_t life_kb;		/* kilobytes, negotiated; 0 = no byte limit */
	uint64_t created;
	uint64_t expires;
};

struct ike_ctl_stats {
	struct ike_ctl_hdr h;
	uint64_t rx_packets, tx_packets;
	uint64_t rx_malformed;		/* dropped: not ISAKMP, bad lengths */
	uint64_t rx_dropped;		/* dropped: unknown SA, stale, bad state */
	uint64_t retransmits;
	uint64_t p1_established, p1_failed;
	uint64_t p2_established, p2_failed;
	uint64_t rx_keepalives, tx_keepalives;	/* NAT-T, RFC 3948 §2.3 */
	uint64_t dpd_sent, dpd_acked;	/* R-U-THERE we sent, ACKs to them */
	uint64_t dpd_dead;		/* peers found dead (RFC 3706) */
	uint64_t initial_contacts;	/* INITIAL-CONTACT received, acted on */
};

/* The record sizes, for the length checks of both ends. */
static inline uint32_t ike_ctl_size(uint32_t cmd)
{
	switch (cmd) {
	case IKE_CTL_RULE_ADD:
	case IKE_CTL_RULE_DEL:
		return sizeof(struct ike_ctl_rule);
	case IKE_CTL_REPLY:
		return sizeof(struct ike_ctl_reply);
	case IKE_CTL_RULE_INFO:
		return sizeof(struct ike_ctl_rule_info);
	case IKE_CTL_P1_INFO:
		return sizeof(struct ike_ctl_p1_info);
	case IKE_CTL_P2_INFO:
		return sizeof(struct ike_ctl_p2_info);
	case IKE_CTL_STATS:
		return sizeof(struct ike_ctl_stats);
	case IKE_CTL_FLUSH:
	case IKE_CTL_SHOW:
	case IKE_CTL_END:
		return sizeof(struct ike_ctl_hdr);
	}
	return 0;
}

#endif /* KIPSEC_IKE_CTL_H */
