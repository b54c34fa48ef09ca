/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kipsec: the generic netlink ABI of kipsec.ko.
 *
 * One family, "kipsec", version KIPSEC_GENL_VERSION.  Requests carry one
 * nested object attribute (KIPSEC_A_SA or KIPSEC_A_POLICY) plus a few
 * top-level modifiers.  Notifications on the "events" multicast group reuse
 * the request command numbers (a new SA is announced as KIPSEC_CMD_SA_ADD)
 * plus the two event-only commands ACQUIRE and EXPIRE.
 *
 * Byte order: integers are in host order, addresses in network order
 * (4 bytes for AF_INET, 16 for AF_INET6, exactly).  SPIs are host-order u32
 * (the value as written in ipsec.conf, 0x100 is 0x00000100 on the wire).
 *
 * Documented in Documentation/netlink/specs/kipsec.yaml.
 */
#ifndef _UAPI_LINUX_KIPSEC_H
#define _UAPI_LINUX_KIPSEC_H

#include <linux/types.h>

#define KIPSEC_GENL_NAME	"kipsec"
#define KIPSEC_GENL_VERSION	1
#define KIPSEC_MCGRP_EVENTS	"events"

/* Longest algorithm name accepted (including the NUL). */
#define KIPSEC_ALG_NAME_MAX	64
/* Longest key accepted, in bytes (AES-256 + 4-byte salt is 36; HMAC-SHA512 is 64). */
#define KIPSEC_KEY_MAX		128

enum kipsec_cmd {
	KIPSEC_CMD_UNSPEC,
	KIPSEC_CMD_SA_ADD,		/* KIPSEC_A_SA; NLM_F_REPLACE replaces */
	KIPSEC_CMD_SA_DEL,		/* KIPSEC_A_SA with FAMILY, DST, SPI, PROTO */
	KIPSEC_CMD_SA_GET,		/* doit: one SA by FAMILY, DST, SPI, PROTO; dumpit: all */
	KIPSEC_CMD_SA_FLUSH,		/* optional KIPSEC_A_PROTO filter */
	KIPSEC_CMD_SPI_ALLOC,		/* KIPSEC_A_SA (FAMILY, SRC, DST, PROTO, MODE, REQID),
					 * KIPSEC_A_SPI_MIN/MAX; reply carries KIPSEC_A_SA
					 * with the reserved (larval) SPI */
	KIPSEC_CMD_POLICY_ADD,		/* KIPSEC_A_POLICY; reply carries the new POL ID */
	KIPSEC_CMD_POLICY_DEL,		/* KIPSEC_A_POLICY with ID, or with DIR + selector */
	KIPSEC_CMD_POLICY_GET,		/* doit: one by ID; dumpit: all */
	KIPSEC_CMD_POLICY_FLUSH,
	KIPSEC_CMD_STATS_GET,		/* reply: KIPSEC_A_STATS */
	KIPSEC_CMD_ACQUIRE,		/* event: KIPSEC_A_POLICY (with template) + KIPSEC_A_SEL_PKT */
	KIPSEC_CMD_EXPIRE,		/* event: KIPSEC_A_SA, KIPSEC_A_EXPIRE_HARD flag if hard */
	KIPSEC_CMD_MAPPING,		/* event: KIPSEC_A_SA, KIPSEC_A_MAPPING: an authenticated
					 * ESP-in-UDP packet of the SA came from another
					 * address or port (RFC 3948 §4: a NAT's new mapping) */

	__KIPSEC_CMD_MAX,
	KIPSEC_CMD_MAX = __KIPSEC_CMD_MAX - 1
};

/* Top-level attributes. */
enum kipsec_attr {
	KIPSEC_A_UNSPEC,
	KIPSEC_A_SA,			/* nest, enum kipsec_sa_attr */
	KIPSEC_A_POLICY,		/* nest, enum kipsec_pol_attr */
	KIPSEC_A_SPI_MIN,		/* u32, SPI_ALLOC range, >= 256 (RFC 4303 §2.1) */
	KIPSEC_A_SPI_MAX,		/* u32, SPI_ALLOC range */
	KIPSEC_A_PROTO,			/* u8, SA_FLUSH filter: IPPROTO_ESP / IPPROTO_AH */
	KIPSEC_A_STATS,			/* nest, enum kipsec_stats_attr */
	KIPSEC_A_SHOW_KEYS,		/* flag: SA_GET replies include key material */
	KIPSEC_A_EXPIRE_HARD,		/* flag on EXPIRE events: the SA is gone */
	KIPSEC_A_SEL_PKT,		/* nest, enum kipsec_pol_attr: the packet that
					 * triggered an ACQUIRE (selector of /32 or /128) */
	KIPSEC_A_PAD,
	KIPSEC_A_MAPPING,		/* nest, enum kipsec_mapping_attr (MAPPING events) */

	__KIPSEC_A_MAX,
	KIPSEC_A_MAX = __KIPSEC_A_MAX - 1
};

enum kipsec_mode {
	KIPSEC_MODE_TRANSPORT = 1,
	KIPSEC_MODE_TUNNEL = 2,
};

enum kipsec_sa_state {
	KIPSEC_SA_STATE_LARVAL = 1,	/* SPI reserved by SPI_ALLOC, no keys yet */
	KIPSEC_SA_STATE_MATURE = 2,
	KIPSEC_SA_STATE_DYING = 3,	/* soft lifetime reached */
};

/* KIPSEC_SA_A_FLAGS */
#define KIPSEC_SA_F_ESN		(1U << 0)	/* extended sequence numbers, RFC 4303 §2.2.1 */
#define KIPSEC_SA_F_ALL		(KIPSEC_SA_F_ESN)

/* Largest anti-replay window, in packets (RFC 4303 §3.4.3; RFC 6479 bitmap). */
#define KIPSEC_REPLAY_WINDOW_MAX	4096
#define KIPSEC_REPLAY_WINDOW_DEFAULT	64

enum kipsec_sa_attr {
	KIPSEC_SA_A_UNSPEC,
	KIPSEC_SA_A_FAMILY,		/* u16, AF_INET or AF_INET6, of SRC and DST */
	KIPSEC_SA_A_SRC,		/* binary, 4 or 16 bytes */
	KIPSEC_SA_A_DST,		/* binary, 4 or 16 bytes */
	KIPSEC_SA_A_SPI,		/* u32, host order, >= 256 */
	KIPSEC_SA_A_PROTO,		/* u8, IPPROTO_ESP or IPPROTO_AH */
	KIPSEC_SA_A_MODE,		/* u8, enum kipsec_mode */
	KIPSEC_SA_A_REQID,		/* u32, ties the SA to policy templates */
	KIPSEC_SA_A_ENC,		/* nest, enum kipsec_alg_attr (ESP only) */
	KIPSEC_SA_A_AUTH,		/* nest, enum kipsec_alg_attr */
	KIPSEC_SA_A_REPLAY_WINDOW,	/* u32, packets, 0 = off (not with ESN),
					 * <= KIPSEC_REPLAY_WINDOW_MAX */
	KIPSEC_SA_A_FLAGS,		/* u32, KIPSEC_SA_F_* */
	KIPSEC_SA_A_LIFE_SOFT,		/* nest, enum kipsec_life_attr */
	KIPSEC_SA_A_LIFE_HARD,		/* nest, enum kipsec_life_attr */
	KIPSEC_SA_A_ENCAP,		/* nest, enum kipsec_encap_attr (NAT-T, RFC 3948) */
	KIPSEC_SA_A_STATE,		/* u8, enum kipsec_sa_state (replies only) */
	KIPSEC_SA_A_STATS,		/* nest, enum kipsec_sa_stats_attr (replies only) */
	KIPSEC_SA_A_ADD_TIME,		/* u64, seconds since the epoch (replies only) */
	KIPSEC_SA_A_USE_TIME,		/* u64, seconds since the epoch, 0 = unused */
	KIPSEC_SA_A_SEQ_OUT,		/* u64, last sequence number sent; in SA_ADD where the
					 * counter starts: below 2^32 - 1 (2^64 - 1 with ESN),
					 * never moved back by a replace */
	KIPSEC_SA_A_SEQ_IN,		/* u64, highest sequence number received */
	KIPSEC_SA_A_PAD,
	KIPSEC_SA_A_MARK,		/* u32, set in skb->mark of what the SA decrypted,
					 * within MARK_MASK */
	KIPSEC_SA_A_MARK_MASK,		/* u32, the bits of skb->mark MARK sets (default
					 * all); only with MARK, nonzero, MARK within it */
	KIPSEC_SA_A_IFINDEX,		/* u32, a kipsec interface (ip link add X type
					 * kipsec): a tunnel-mode SA that sends what is
					 * routed into it (destination not local) or
					 * delivers what it decrypts on it, without SPD */

	__KIPSEC_SA_A_MAX,
	KIPSEC_SA_A_MAX = __KIPSEC_SA_A_MAX - 1
};

/*
 * Algorithms are named, not numbered, so that an error can name them:
 *   ENC:  "aes-gcm" (RFC 4106: key = AES key + 4-byte salt, ICV_LEN 8/12/16),
 *         "chacha20-poly1305" (RFC 7634: key = 32 + 4-byte salt, ICV 16),
 *         "aes-cbc" (16/24/32), "3des-cbc" (24), "null" (RFC 2410, no key)
 *   AUTH: "hmac-md5" (16), "hmac-sha1" (20), "hmac-sha2-256" (32),
 *         "hmac-sha2-384" (48), "hmac-sha2-512" (64); ICV_LEN defaults to
 *         the RFC truncation (12, 12, 16, 24, 32 bytes).
 * AEAD ciphers take no AUTH nest.
 */
enum kipsec_alg_attr {
	KIPSEC_ALG_A_UNSPEC,
	KIPSEC_ALG_A_NAME,		/* NUL-terminated string */
	KIPSEC_ALG_A_KEY,		/* binary, <= KIPSEC_KEY_MAX bytes */
	KIPSEC_ALG_A_ICV_LEN,		/* u32, bytes */
	KIPSEC_ALG_A_KEY_LEN,		/* u32, bytes of the key (replies only, keys or not) */

	__KIPSEC_ALG_A_MAX,
	KIPSEC_ALG_A_MAX = __KIPSEC_ALG_A_MAX - 1
};

/* A zero or absent limit means "no limit". */
enum kipsec_life_attr {
	KIPSEC_LIFE_A_UNSPEC,
	KIPSEC_LIFE_A_BYTES,		/* u64 */
	KIPSEC_LIFE_A_PACKETS,		/* u64 */
	KIPSEC_LIFE_A_ADD_SECS,		/* u64, seconds since the SA was added */
	KIPSEC_LIFE_A_USE_SECS,		/* u64, seconds since its first use */
	KIPSEC_LIFE_A_PAD,

	__KIPSEC_LIFE_A_MAX,
	KIPSEC_LIFE_A_MAX = __KIPSEC_LIFE_A_MAX - 1
};

enum kipsec_encap_attr {
	KIPSEC_ENCAP_A_UNSPEC,
	KIPSEC_ENCAP_A_SPORT,		/* u16, host order, UDP source port (4500) */
	KIPSEC_ENCAP_A_DPORT,		/* u16, host order, UDP destination port */

	__KIPSEC_ENCAP_A_MAX,
	KIPSEC_ENCAP_A_MAX = __KIPSEC_ENCAP_A_MAX - 1
};

/*
 * SPORT and DPORT are the ports of the packets the SA carries, from SRC to
 * DST, as XFRM's encap: an inbound SA's DPORT is our port (4500), its SPORT
 * the peer's; an outbound SA's SPORT is ours.  The port RFC 3948 assigns.
 */
#define KIPSEC_ENCAP_PORT	4500

/* Where an SA's packets now come from (KIPSEC_CMD_MAPPING). */
enum kipsec_mapping_attr {
	KIPSEC_MAPPING_A_UNSPEC,
	KIPSEC_MAPPING_A_SRC,		/* binary, 4 or 16 bytes, the new source address */
	KIPSEC_MAPPING_A_SPORT,		/* u16, host order, the new UDP source port */
	__KIPSEC_MAPPING_A_MAX,
	KIPSEC_MAPPING_A_MAX = __KIPSEC_MAPPING_A_MAX - 1
};

enum kipsec_sa_stats_attr {
	KIPSEC_SA_STATS_A_UNSPEC,
	KIPSEC_SA_STATS_A_PACKETS,	/* u64, packets protected or accepted */
	KIPSEC_SA_STATS_A_BYTES,	/* u64, payload bytes */
	KIPSEC_SA_STATS_A_REPLAY_DROPS,	/* u64 */
	KIPSEC_SA_STATS_A_AUTH_FAILS,	/* u64, ICV did not verify */
	KIPSEC_SA_STATS_A_DECRYPT_ERRS,	/* u64, bad padding / next header / length */
	KIPSEC_SA_STATS_A_POLICY_DROPS,	/* u64, inner packet did not match the policy */
	KIPSEC_SA_STATS_A_PAD,

	__KIPSEC_SA_STATS_A_MAX,
	KIPSEC_SA_STATS_A_MAX = __KIPSEC_SA_STATS_A_MAX - 1
};

enum kipsec_dir {
	KIPSEC_DIR_IN = 1,
	KIPSEC_DIR_OUT = 2,
	KIPSEC_DIR_FWD = 3,
};

enum kipsec_action {
	KIPSEC_ACTION_PROTECT = 1,
	KIPSEC_ACTION_BYPASS = 2,
	KIPSEC_ACTION_DISCARD = 3,
};

enum kipsec_level {
	KIPSEC_LEVEL_REQUIRE = 1,	/* no SA: drop (and ACQUIRE on output) */
	KIPSEC_LEVEL_USE = 2,		/* no SA: let clear text through */
};

/*
 * Policies: a selector (family, prefixes, protocol, ports), a direction, a
 * priority (lower value wins), an action, and for PROTECT a level and one
 * template saying which SA protects the traffic.
 */
enum kipsec_pol_attr {
	KIPSEC_POL_A_UNSPEC,
	KIPSEC_POL_A_ID,		/* u32, assigned by the kernel, > 0 */
	KIPSEC_POL_A_FAMILY,		/* u16, AF_INET or AF_INET6, of the selector */
	KIPSEC_POL_A_SRC,		/* binary, 4 or 16 bytes */
	KIPSEC_POL_A_SRC_PREFIXLEN,	/* u8, <= 32 or 128 */
	KIPSEC_POL_A_DST,		/* binary, 4 or 16 bytes */
	KIPSEC_POL_A_DST_PREFIXLEN,	/* u8 */
	KIPSEC_POL_A_PROTO,		/* u8, upper-layer protocol, 0 = any */
	KIPSEC_POL_A_SPORT,		/* u16, host order, 0 = any */
	KIPSEC_POL_A_DPORT,		/* u16, host order, 0 = any */
	KIPSEC_POL_A_DIR,		/* u8, enum kipsec_dir */
	KIPSEC_POL_A_PRIORITY,		/* u32, lower wins; default 1000 */
	KIPSEC_POL_A_ACTION,		/* u8, enum kipsec_action */
	KIPSEC_POL_A_LEVEL,		/* u8, enum kipsec_level (PROTECT only) */
	KIPSEC_POL_A_TMPL,		/* nest, enum kipsec_tmpl_attr (PROTECT only) */
	KIPSEC_POL_A_STATS,		/* nest, enum kipsec_pol_stats_attr (replies only) */
	KIPSEC_POL_A_PAD,

	__KIPSEC_POL_A_MAX,
	KIPSEC_POL_A_MAX = __KIPSEC_POL_A_MAX - 1
};

enum kipsec_tmpl_attr {
	KIPSEC_TMPL_A_UNSPEC,
	KIPSEC_TMPL_A_PROTO,		/* u8, IPPROTO_ESP or IPPROTO_AH */
	KIPSEC_TMPL_A_MODE,		/* u8, enum kipsec_mode */
	KIPSEC_TMPL_A_FAMILY,		/* u16, of the tunnel endpoints (tunnel mode) */
	KIPSEC_TMPL_A_SRC,		/* binary, tunnel source (tunnel mode) */
	KIPSEC_TMPL_A_DST,		/* binary, tunnel destination / peer (tunnel mode) */
	KIPSEC_TMPL_A_REQID,		/* u32, 0 = any SA matching the endpoints */

	__KIPSEC_TMPL_A_MAX,
	KIPSEC_TMPL_A_MAX = __KIPSEC_TMPL_A_MAX - 1
};

enum kipsec_pol_stats_attr {
	KIPSEC_POL_STATS_A_UNSPEC,
	KIPSEC_POL_STATS_A_PACKETS,	/* u64, packets that matched */
	KIPSEC_POL_STATS_A_BYTES,	/* u64 */
	KIPSEC_POL_STATS_A_PAD,

	__KIPSEC_POL_STATS_A_MAX,
	KIPSEC_POL_STATS_A_MAX = __KIPSEC_POL_STATS_A_MAX - 1
};

/* Global, per network namespace. */
enum kipsec_stats_attr {
	KIPSEC_STATS_A_UNSPEC,
	KIPSEC_STATS_A_SA_COUNT,	/* u64, SAs in the database (incl. larval) */
	KIPSEC_STATS_A_POLICY_COUNT,	/* u64 */
	KIPSEC_STATS_A_IN_NO_SA,	/* u64, inbound ESP/AH with an unknown SPI */
	KIPSEC_STATS_A_IN_MALFORMED,	/* u64, too short, bad header */
	KIPSEC_STATS_A_IN_REPLAY,	/* u64 */
	KIPSEC_STATS_A_IN_AUTH_FAIL,	/* u64 */
	KIPSEC_STATS_A_IN_POLICY_DROP,	/* u64, clear text refused by a require policy */
	KIPSEC_STATS_A_OUT_NO_SA,	/* u64, protect policy without SA (held or dropped) */
	KIPSEC_STATS_A_OUT_DISCARD,	/* u64, dropped by a discard policy */
	KIPSEC_STATS_A_OUT_ERRORS,	/* u64, encapsulation or crypto failures */
	KIPSEC_STATS_A_ACQUIRES,	/* u64, ACQUIRE events sent */
	KIPSEC_STATS_A_EXPIRES,		/* u64, EXPIRE events sent */
	KIPSEC_STATS_A_PAD,
	KIPSEC_STATS_A_IN_CRYPTO_BUSY,	/* u64, dropped: too many waiting for the crypto API */
	KIPSEC_STATS_A_OUT_CRYPTO_BUSY,	/* u64, the same on output */
	KIPSEC_STATS_A_IN_UDP_KEEPALIVE,	/* u64, NAT keepalives (RFC 3948 §2.3) dropped */
	KIPSEC_STATS_A_IN_UDP_MALFORMED,	/* u64, ESP-in-UDP dropped: bad length or
						 * checksum, too short for ESP */

	__KIPSEC_STATS_A_MAX,
	KIPSEC_STATS_A_MAX = __KIPSEC_STATS_A_MAX - 1
};

#endif /* _UAPI_LINUX_KIPSEC_H */
