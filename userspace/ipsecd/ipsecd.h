/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipsecd: what the files of the IKEv1 daemon share.
 *
 *   main.c      event loop (epoll), the clock, signals
 *   timer.c     timers
 *   net.c       the UDP 500 sockets
 *   dispatch.c  a datagram to its exchange
 *   isakmp.c    payload codec
 *   crypto.c    DH, PRF, ciphers, RFC 2409 key derivation
 *   proposal.c  SA payloads: building ours, choosing from the peer's
 *   phase1.c    Main Mode (RFC 2409 §5), and what Aggressive Mode shares with it
 *   aggressive.c  Aggressive Mode (RFC 2409 §5.4)
 *   cookie.c    responder cookies, half-open records (RFC 2408 §2.5.3)
 *   natt.c      NAT traversal: detection, floating, keepalives (RFC 3947/3948)
 *   dpd.c       dead peer detection (RFC 3706), INITIAL-CONTACT (RFC 2407)
 *   phase2.c    Quick Mode (RFC 2409 §5.5)
 *   info.c      informational exchanges: notifications, deletes
 *   sa.c        the phase 1 and phase 2 SA stores
 *   rule.c      ike rules: their flows in the kernel, when to negotiate
 *   kernel.c    kipsec.ko through libkipsec: SPIs, SAs, policies, events
 *   control.c   the UNIX control socket of ipsecctl
 *   log.c       stderr or syslog, rate-limited drops
 */
#ifndef IPSECD_H
#define IPSECD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "crypto.h"
#include "ike_ctl.h"
#include "isakmp.h"
#include "kipsec_nl.h"
#include "kipsec_rule.h"
#include "log.h"

#define NONCE_LEN	32	/* RFC 2409 §5: 8 to 256 bytes */
#define NONCE_MAX	256

/* ---- intrusive lists ---- */

struct list {
	struct list *next, *prev;
};

#define LIST_INIT(l) { &(l), &(l) }
static inline void list_init(struct list *l)
{
	l->next = l->prev = l;
}

static inline void list_add_tail(struct list *l, struct list *n)
{
	n->prev = l->prev;
	n->next = l;
	l->prev->next = n;
	l->prev = n;
}

static inline void list_del(struct list *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = n;
}

#define container_of(p, type, member) ((type *)((char *)(p) - offsetof(type, member)))
#define list_for_each_safe(pos, tmp, head) \
	for (pos = (head)->next, tmp = pos->next; pos != (head); pos = tmp, tmp = pos->next)

/* ---- the clock (main.c) and timers (timer.c) ---- */

struct timer {
	struct list node;
	uint64_t when;		/* monotonic milliseconds */
	void (*fn)(struct timer *t);
	bool armed;
};

extern struct list timers;	/* armed ones, by deadline */
uint64_t now_ms(void);
void timer_arm(struct timer *t, uint64_t delay_ms);
void timer_stop(struct timer *t);
/* Milliseconds until the first deadline (0: due, at most 60 s), -1: none. */
int timers_next_ms(uint64_t now);
/* Runs every timer due at now, in deadline order. */
void timers_run(uint64_t now);

/* Retransmission (RFC 2408 §2.4 leaves it to us): 1 s, doubling, 5 times. */
#define RETRANSMIT_FIRST_MS	1000
#define RETRANSMIT_TRIES	5

/* ---- globals ---- */

struct ipsecd_stats {
	uint64_t rx_packets, tx_packets, rx_malformed, rx_dropped, retransmits;
	uint64_t p1_established, p1_failed, p2_established, p2_failed;
	uint64_t rx_keepalives, tx_keepalives;
	uint64_t dpd_sent, dpd_acked, dpd_dead, initial_contacts;
};

extern struct ipsecd_stats stats;
extern uint16_t ike_port;	/* 500 unless -p */
extern bool stopping;

/* ---- rules (rule.c) ---- */

struct bypass;
struct p1sa;

struct rule {
	struct list node;
	uint32_t id;
	uint32_t reqid;
	struct ike_rule conf;		/* local resolved */
	uint32_t pol_out, pol_in;	/* the kernel's ids of its flows */
	struct bypass *bypass;
	bool want_p2;			/* waiting for a phase 1 SA */
	struct timer retry;		/* active rule: phase 1 again after a failure */
	unsigned int backoff_s;		/* the next retry's delay */
};

extern struct list rules;

int rule_add(const struct ike_rule *conf, char *msg, size_t len);
int rule_del(const struct ike_rule *conf, char *msg, size_t len);
void rule_flush(void);
struct rule *rule_by_policy(uint32_t pol_id);
struct rule *rule_by_id(uint32_t id);
/* The rule whose PSK and phase 1 proposal serve this pair of addresses. */
struct rule *rule_for_peer(const struct kipsec_addr *local, const struct kipsec_addr *peer);
/*
 * A responder's rule for a phase 1 (exchange IKE_P1_*) from peer: the
 * first whose dstid admits id (NULL: Main Mode, the ID comes later).
 * NULL with *why set when there is none.
 */
struct rule *rule_for_p1(const struct kipsec_addr *local, const struct kipsec_addr *peer,
			 uint8_t exchange, const struct ike_id *id, char *why, size_t len);
/* Whether a phase 2 of rule r may run under p1: same exchange, key and identity. */
bool rule_fits_p1(const struct rule *r, const struct p1sa *p1);
/* Start phase 2 (and phase 1 first when needed) for a rule. */
void rule_negotiate(struct rule *r, const char *why);
/* A phase 1 SA to this peer is up: run the phase 2s waiting for it. */
void rules_p1_up(const struct kipsec_addr *local, const struct kipsec_addr *peer);
void rules_p1_failed(const struct kipsec_addr *local, const struct kipsec_addr *peer);
/* The peer's SAs were deleted (dead, restarted): its rules start again
 * (active ones after a moment when later: the peer may negotiate first). */
void rules_peer_reset(const struct kipsec_addr *local, const struct kipsec_addr *peer,
		      const char *why, bool later);
const char *rule_text(const struct rule *r, char *buf, size_t len);

/* ---- NAT traversal (natt.c), RFC 3947 and RFC 3948 ---- */

/*
 * The variants of the vendor ID exchange, by preference: the drafts older
 * peers speak use private payload types (130, 131) and encapsulation modes
 * (61443, 61444); RFC 3947 uses 20, 21 and 3, 4.
 */
enum natt_variant {
	NATT_NONE,
	NATT_DRAFT_02,
	NATT_DRAFT_02N,		/* the -02 whose VID is the name with a newline */
	NATT_DRAFT_03,
	NATT_RFC,
};

struct natt {
	uint8_t variant;		/* enum natt_variant agreed; NONE: no NAT-T */
	bool nat_here, nat_there;	/* NAT-D: we / the peer are behind a NAT */
	bool floated;			/* on the NAT-T port, non-ESP marker (§4) */
	struct timer keepalive;		/* RFC 3948 §2.3, when nat_here */
};

struct p1sa;
struct p2sa;
struct p1_choice;

extern uint16_t natt_port;		/* 4500 unless -P */
extern unsigned int natt_keepalive_s;	/* 20 unless -K; 0: none */

int natt_init(void);
/* The vendor IDs: all of ours (message 1), the agreed one (message 2). */
void natt_put_vids(struct msgb *m);
void natt_put_vid(struct msgb *m, uint8_t variant);
/* The best variant among a message's vendor IDs. */
uint8_t natt_vid_variant(const struct isakmp_msg *m);
/* NAT-D payloads of messages 3 and 4 (§3.2), and what the peer's say. */
void natt_put_natd(const struct p1sa *p1, struct msgb *m);
int natt_check_natd(struct p1sa *p1, const struct isakmp_msg *m, uint16_t port);
/* Initiator after message 4: moves to the NAT-T port if a NAT is in the way. */
void natt_float(struct p1sa *p1);
/* An authenticated message came from peer:port (on the NAT-T socket or not). */
void natt_peer_seen(struct p1sa *p1, uint16_t port, bool on_natt);
/* kipsec.ko saw an authenticated ESP-in-UDP packet of p2 from src:sport. */
void natt_mapping(struct p2sa *p2, const struct kipsec_addr *src, uint16_t sport);
/* Keepalives from the end behind the NAT (p1_free() stops them). */
void natt_established(struct p1sa *p1);
/* The ENCAPSULATION_MODE attribute for a mode under p1 (§5.1), and back. */
uint16_t natt_encap_attr(const struct p1sa *p1, uint8_t mode);


/* ---- dead peer detection, INITIAL-CONTACT (dpd.c) ---- */

/*
 * RFC 3706 for one ISAKMP SA: the peer's vendor ID said it can, our rule
 * has a delay.  A timer looks at what came from the peer since it last
 * looked (authenticated IKE messages, packets on the inbound SAs); after
 * delay seconds of nothing it sends R-U-THERE, again until an ACK comes
 * or timeout seconds have passed since the first one unanswered.
 */
struct dpd {
	bool peer;			/* the peer sent the DPD vendor ID */
	bool ic_sent;			/* our message 5/6 carried INITIAL-CONTACT */
	bool ic_rx;			/* INITIAL-CONTACT came in message 5/6 */
	struct timer timer;
	uint32_t seq;			/* of our last R-U-THERE */
	uint32_t seq_unacked;		/* the first unanswered one; 0: none */
	uint64_t unacked_since;		/* ms, when seq_unacked was sent */
	uint64_t last_rx;		/* ms, an authenticated message came */
	uint64_t in_packets;		/* inbound SA packets at the last look */
};

void dpd_put_vid(struct msgb *m);
bool dpd_vid_seen(const struct isakmp_msg *m);
/* Messages 5 and 6: INITIAL-CONTACT when this is the first SA with the peer. */
void ic_put(struct p1sa *p1, struct msgb *m);
/* An authenticated message 5/6 carried INITIAL-CONTACT (acted on once up). */
void ic_check(struct p1sa *p1, const struct isakmp_msg *m);
/* The phase 1 SA is up: DPD starts, INITIAL-CONTACT is acted on or sent. */
void dpd_established(struct p1sa *p1);
/* An authenticated message of the peer under p1: it lives. */
void dpd_seen(struct p1sa *p1);
/* R-U-THERE, R-U-THERE-ACK or INITIAL-CONTACT in a protected informational. */
bool dpd_notified(struct p1sa *p1, const struct isakmp_notify *n);

/* ---- phase 1 SAs (phase1.c, sa.c) ---- */

enum p1_state {
	P1_I_MM1 = 1,	/* initiator: sent message 1, waiting for 2 */
	P1_I_MM3,	/* sent 3, waiting for 4 */
	P1_I_MM5,	/* sent 5, waiting for 6 */
	P1_R_MM2,	/* responder: sent 2, waiting for 3 */
	P1_R_MM4,	/* sent 4, waiting for 5 */
	P1_I_AM1,	/* aggressive mode initiator: sent message 1, waiting for 2 */
	P1_R_AM2,	/* aggressive mode responder: sent 2, waiting for 3 */
	P1_ESTABLISHED,
	P1_DEAD,
};

/*
 * Message IDs are unique per ISAKMP SA (RFC 2408 §3.1, RFC 2409 §5.5): the
 * last P1_MSGIDS ones used (ours and the peer's, each once it verified)
 * are remembered, so that a replayed message of a finished exchange is
 * dropped.  Only authenticated messages enter the ring: a forger cannot
 * push the genuine IDs out.
 */
#define P1_MSGIDS	256

struct p1sa {
	struct list node;
	uint32_t id;
	enum p1_state state;
	bool initiator;
	struct kipsec_addr local, peer;
	uint16_t peer_port;
	uint8_t icky[8], rcky[8];
	uint32_t rule_id;		/* the rule that gave the PSK and proposal */
	uint8_t exchange;		/* ISAKMP_XCHG_IDPROT or ISAKMP_XCHG_AGGR */
	struct ike_id srcid, dstid;	/* the rule's: ours to send, the peer's to require */
	struct ike_id peer_id;		/* what the peer's ID said (verified once established) */
	struct buf idi_b;		/* aggressive mode responder: IDii_b, for HASH_I */
	uint8_t psk[IKE_PSK_MAX];
	size_t psk_len;
	/* What we offer or accept, and what was agreed. */
	uint16_t enc, enc_bits, hash, group;
	uint32_t lifetime;
	struct buf sai_b;		/* the initiator's SA payload body (HASH_I/R) */
	struct dh *dh;
	uint8_t gxi[DH_MAX], gxr[DH_MAX];
	size_t gx_len;
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t ni_len, nr_len;
	struct p1_keys k;
	uint8_t iv[IKE_BLOCK_MAX];	/* the running IV of phase 1 */
	struct natt natt;		/* NAT traversal (natt.c) */
	struct dpd dpd;			/* dead peer detection (dpd.c) */
	uint32_t msgids[P1_MSGIDS];	/* spent message IDs, a ring (p1_msgid_use) */
	unsigned int msgids_next;
	struct buf out;			/* the last message we sent */
	struct buf in;			/* the last message we answered */
	struct timer timer;		/* retransmission, then lifetime */
	int tries;
	time_t created, established;
	uint64_t started_ms, established_ms;
};

extern struct list p1sas;

struct p1sa *p1_new(bool initiator);
void p1_free(struct p1sa *p1);
struct p1sa *p1_by_id(uint32_t id);
struct p1sa *p1_by_cookies(const uint8_t *icky, const uint8_t *rcky);
void p1_msgid_use(struct p1sa *p1, uint32_t msgid);
bool p1_msgid_used(const struct p1sa *p1, uint32_t msgid);
struct p1sa *p1_by_icookie(const uint8_t *icky, const struct kipsec_addr *peer);
/* An established (or, with any, negotiating) SA between the two. */
struct p1sa *p1_find(const struct kipsec_addr *local, const struct kipsec_addr *peer, bool any);
const char *p1_state_name(enum p1_state s);

void p1_initiate(struct rule *r);
void p1_timer_init(struct p1sa *p1);

/*
 * What Main Mode (phase1.c) and Aggressive Mode (aggressive.c) share: the
 * messages' header, sending, key derivation, HASH_I/HASH_R, identities.
 * Those that can fail end the negotiation on failure (p1_fail: the one
 * log line, the SA freed) and return -1.
 */
const char *p1_exchange_name(const struct p1sa *p1);
void __attribute__((format(printf, 2, 3))) p1_fail(struct p1sa *p1, const char *fmt, ...);
/* A responder's failure before it has an SA (rate-limited: anyone can cause it). */
void p1_r_fail_log(const char *peer, const char *exchange, const char *cause);
void p1_hdr(const struct p1sa *p1, struct isakmp_hdr *h, uint8_t exchange, uint32_t msgid);
/* Sends, keeps it for retransmission, arms the timer. */
void p1_send_and_wait(struct p1sa *p1, struct buf *b);
bool p1_same_packet(const struct buf *b, const uint8_t *pkt, size_t len);
/* The rule's phase 1 settings, identities and PSK into p1, a copy of its own. */
void p1_take_rule(struct p1sa *p1, const struct rule *r);
/* An initiator's SA for rule r: its cookie, its SAi_b; NULL on failure. */
struct p1sa *p1_initiator_new(const struct rule *r);
/* A responder's SA for a message 1 from peer:port (natt: on the NAT-T port). */
void p1_responder_init(struct p1sa *p1, const uint8_t *icky, const struct kipsec_addr *local,
		       const struct kipsec_addr *peer, uint16_t port, bool natt,
		       const struct rule *r);
/* Chooses from an SA payload body what p1 accepts; 0, or a notify type and why. */
int p1_choose_body(const struct p1sa *p1, const uint8_t *sai, size_t len, struct p1_choice *c,
		   char *why, size_t wlen);
/* The responder's SA payload of message 2: exactly the one transform of ours. */
int p1_take_choice(struct p1sa *p1, const struct isakmp_msg *m);
int p1_make_dh(struct p1sa *p1, uint8_t *pub);
int p1_take_ke_nonce(struct p1sa *p1, const struct isakmp_msg *m, uint8_t *gx, uint8_t *nonce,
		     size_t *nonce_len);
/* SKEYID and the rest (RFC 2409 §5); the phase 1 IV (Appendix B). */
int p1_derive(struct p1sa *p1);
/* Our ID payload body: the rule's srcid, else our address (RFC 2407 §4.6.2). */
void p1_put_id(struct buf *b, const struct p1sa *p1);
/* HASH_I (of_initiator) or HASH_R over the ID payload body id (RFC 2409 §5). */
int p1_auth_hash(const struct p1sa *p1, bool of_initiator, const uint8_t *id, size_t id_len,
		 uint8_t *out);
/* The peer's ID against the rule (dstid, or in Main Mode its address): 0, or -1 and why. */
int p1_check_id(struct p1sa *p1, const struct payload *pl, char *why, size_t len);
/* A responder that cannot read the initiator: AUTHENTICATION-FAILED in clear. */
void p1_auth_failed_notify(const struct p1sa *p1);
void p1_established(struct p1sa *p1);
/* Responder SAs not yet established: all of them, and *of_peer of peer's. */
unsigned int p1_half_open(const struct kipsec_addr *peer, unsigned int *of_peer);

/* ---- Aggressive Mode (aggressive.c), RFC 2409 §5.4 ---- */

void am_initiate(struct rule *r);
void am_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	      bool natt);
void p1_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	      bool natt);
/* Sends a delete for it (when established) and frees it. */
void p1_delete(struct p1sa *p1, bool notify);
/*
 * Starts a message of an exchange under p1 (quick mode, informational):
 * HDR* and a HASH payload of zeros that the caller fills in once the rest
 * is known (RFC 2409 §5.5, §5.7).
 */
void p1_hash_msg_begin(struct msgb *m, const struct p1sa *p1, uint8_t exchange, uint32_t msgid);
/* Encrypts the message after its header in place (RFC 2409 Appendix B), pads. */
int p1_encrypt(struct p1sa *p1, struct msgb *m, uint8_t *iv);
/*
 * Decrypts a copy of the message after its header into *out (header
 * included), parses it; the IV is updated to the last ciphertext block.
 * *out is the caller's, initialised (BUF_INIT) and freed by it on every
 * outcome: a refusal may come before anything was put in it.
 */
int p1_decrypt(struct p1sa *p1, const uint8_t *pkt, size_t len, uint8_t *iv,
	       struct buf *out, struct isakmp_msg *m);
void p1_send(struct p1sa *p1, struct buf *b);
/*
 * Sends a datagram of any exchange under p1 to where the peer of p1 lives:
 * its address and the port it talks from (not 500 behind a NAT).
 */
int p1_send_peer(const struct p1sa *p1, const uint8_t *p, size_t len);
/* A peer's notification in an unprotected informational exchange. */
void p1_notified(struct p1sa *p1, uint16_t type);

/* ---- responder cookies and half-open records (cookie.c) ---- */

/*
 * What a Main Mode message 1 may leave behind before the initiator has
 * shown, in message 3, that it receives at its address: HALF_OPEN_MAX
 * records (and as many half-open phase 1 SAs), HALF_OPEN_PER_PEER of them
 * for one address, HALF_OPEN_BYTES of SA payloads, each at most
 * HALF_OPEN_SAI_MAX bytes (a proposal of some 200 transforms).
 */
#define HALF_OPEN_MAX		1024
#define HALF_OPEN_PER_PEER	16
#define HALF_OPEN_BYTES		(1024 * 1024)
#define HALF_OPEN_SAI_MAX	8192

/*
 * Aggressive Mode's responder computes Diffie-Hellman for a message 1,
 * before anything shows the sender receives at its address: at most
 * HALF_OPEN_DH_RATE a second of them, in bursts of as many (cookie.c).
 */
#define HALF_OPEN_DH_RATE	20
bool half_open_dh_allowed(void);

/* CKY-R for a message 1 from peer:port with CKY-I icky (8 bytes each). */
int cookie_make(const struct kipsec_addr *peer, uint16_t port, const uint8_t *icky,
		uint8_t *rcky);
/* The responder cookie is one we made, with this or the previous secret. */
bool cookie_valid(const struct kipsec_addr *peer, uint16_t port, const uint8_t *icky,
		  const uint8_t *rcky);
/*
 * Remembers SAi_b of a message 1 answered with these cookies, evicting the
 * oldest record when a bound is reached: 0 stored, 1 known already (the
 * message repeated), -1 refused (too large, out of memory).
 */
int half_open_put(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		  const uint8_t *sai, size_t len);
/* Moves SAi_b of the record out to sai and forgets it; -1 if none. */
int half_open_take(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		   struct buf *sai);
/* What else message 1 said (HALF_OPEN_DPD), kept with its record. */
#define HALF_OPEN_DPD	1
void half_open_mark(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky,
		    uint8_t flags);
uint8_t half_open_marks(const struct kipsec_addr *peer, const uint8_t *icky, const uint8_t *rcky);
void half_open_flush(void);

/* ---- phase 2 SAs (phase2.c, sa.c) ---- */

enum p2_state {
	P2_I_QM1 = 1,	/* initiator: sent message 1, waiting for 2 */
	P2_R_QM2,	/* responder: sent 2, waiting for 3 */
	P2_INSTALLED,
	P2_DEAD,
};

struct p2sa {
	struct list node;
	uint32_t id;
	enum p2_state state;
	bool initiator;
	bool rekeyed;			/* its soft EXPIRE started a successor */
	uint32_t replaced_by;		/* the installed pair that took over, 0: none */
	uint32_t p1_id;
	uint32_t rule_id;
	uint32_t msgid;
	uint8_t iv[IKE_BLOCK_MAX];
	struct kipsec_addr local, peer;
	uint8_t mode, proto;
	uint16_t encap_attr;		/* ENCAPSULATION_MODE offered/accepted */
	uint16_t encap_dport;		/* ESP in UDP to/from this peer port; 0: none */
	uint32_t ifindex;		/* the rule's kipsec interface, or 0 */
	struct ike_sel src, dst;	/* ours, the peer's */
	uint16_t enc, enc_bits, auth, group;
	uint32_t lifetime;		/* seconds: offered, then agreed */
	uint32_t life_kb;		/* kilobytes, 0 = none: offered, then agreed */
	bool shortened;			/* responder: ours are shorter (RESPONDER-LIFETIME) */
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t ni_len, nr_len;
	struct dh *dh;
	uint8_t gxi[DH_MAX], gxr[DH_MAX];
	size_t gx_len;
	uint8_t gxy[DH_MAX];		/* PFS: g(qm)^xy */
	size_t gxy_len;
	uint32_t spi_in, spi_out;
	bool spi_in_larval;		/* reserved in the kernel, not yet completed */
	bool in_installed;		/* the inbound SA is in the kernel */
	struct buf out, in;
	struct timer timer;		/* retransmission, then forgetting */
	struct timer retire;		/* replaced: has the peer moved yet? */
	int tries;
	time_t created;
	uint64_t started_ms, installed_ms;
};

extern struct list p2sas;

struct p2sa *p2_new(bool initiator);
/* Releases a larval SPI, forgets it (kernel SAs stay: see p2_remove). */
void p2_free(struct p2sa *p2);
struct p2sa *p2_by_msgid(uint32_t p1_id, uint32_t msgid);
struct p2sa *p2_by_spi(const struct kipsec_addr *dst, uint32_t spi, bool *inbound);
/* An installed or negotiating SA pair of the rule (not being replaced). */
struct p2sa *p2_of_rule(uint32_t rule_id);
/*
 * The pair is installed: it replaces the rule's pair before it, whichever
 * side negotiated it (of two negotiated at once, one is redundant).
 */
void p2_take_over(struct p2sa *p2);
/* Replaced, or a successor is on its way: a soft EXPIRE starts nothing. */
bool p2_has_successor(const struct p2sa *p2);
const char *p2_state_name(enum p2_state s);

void p2_initiate(struct p1sa *p1, struct rule *r);
void p2_timer_init(struct p2sa *p2);
void p2_input(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      uint16_t port, bool natt);
/* A peer is at another port now (natt.c): its SAs there follow it. */
void p2_peer_moved(const struct kipsec_addr *peer, uint16_t old_port, uint16_t port);
/* Takes the SA pair out of the kernel, tells the peer (notify), frees it. */
void p2_remove(struct p2sa *p2, bool notify);
/* The peer refused our quick mode in a notification naming our SPI. */
void p2_notified(struct p1sa *p1, uint32_t spi, uint16_t type);
void p2_expired(struct p2sa *p2, bool inbound, bool hard);

/* ---- proposals (proposal.c) ---- */

struct p1_choice {
	uint16_t enc, enc_bits, hash, auth, group;
	uint32_t life_secs;
	uint8_t prop_num, trans_num;
	const uint8_t *attrs;		/* the chosen transform's attributes */
	size_t attrs_len;
};

struct p2_choice {
	uint16_t enc, enc_bits, auth, group, encap;
	uint32_t life_secs, life_kb;
	uint8_t prop_num, trans_num;
	uint32_t spi;			/* the peer's */
	const uint8_t *attrs;
	size_t attrs_len;
};

/* Our phase 1 SA payload body (one proposal, one transform). */
void p1_proposal(struct buf *b, const struct p1sa *p1);
/* The peer's transform of a phase 1 SA: describes it for logs. */
int p1_parse_transform(const struct isakmp_transform *t, struct p1_choice *c);
/*
 * Chooses from the peer's SA payload what p1 accepts; on failure returns a
 * notify type and writes the one-line cause (both sides' values) to why.
 */
int p1_choose(const struct p1sa *p1, const struct isakmp_sa *sa, struct p1_choice *c,
	      char *why, size_t len);
void p1_accept_body(struct buf *b, const struct p1_choice *c);

void p2_proposal(struct buf *b, const struct p2sa *p2);
/* ENCAPSULATION_MODE values (RFC 2407 §4.5, RFC 3947 §5.1). */
bool encap_is_udp(uint16_t attr);
const char *encap_mode_name(uint16_t attr);
int p2_choose(const struct p2sa *p2, const struct isakmp_sa *sa, struct p2_choice *c,
	      char *why, size_t len);
void p2_accept_body(struct buf *b, const struct p2_choice *c, uint32_t our_spi);
const char *p1_alg_text(uint16_t enc, uint16_t bits, uint16_t hash, uint16_t group,
			char *buf, size_t len);
const char *p2_alg_text(uint16_t enc, uint16_t bits, uint16_t auth, uint16_t group,
			char *buf, size_t len);

/* ---- phase 2 lifetimes (lifetime.c) ---- */

/* RFC 2407 §4.5: a transform without a lifetime lasts 28800 seconds. */
#define IPSEC_LIFE_DEFAULT_SECS	28800

/*
 * Responder: of our lifetimes and the initiator's (c), the smaller of each
 * kind into p2.  True when one of ours is the shorter: RESPONDER-LIFETIME
 * must tell the initiator (RFC 2407 §4.6.3.1).
 */
bool p2_life_choose(struct p2sa *p2, const struct p2_choice *c);
/* Either side: lifetimes the peer wants shorter are taken, longer ones never. */
bool p2_life_shorten(struct p2sa *p2, uint32_t secs, uint32_t kb);
/* The body of a RESPONDER-LIFETIME notification with p2's lifetimes. */
void p2_life_notify(struct buf *b, const struct p2sa *p2);
/*
 * A RESPONDER-LIFETIME's attribute list into secs and kb (0: not given);
 * 0, or -1 when malformed or with attributes other than life types and
 * durations.
 */
int p2_life_parse(const struct isakmp_notify *n, uint32_t *secs, uint32_t *kb);
/* "N s" or "N s, SIZE", for logs. */
const char *p2_life_text(uint32_t secs, uint32_t kb, char *buf, size_t len);

/* ---- informational exchanges (info.c) ---- */

void info_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
		const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
		bool natt);
/* Unprotected notification (before keys, RFC 2408 §4.8). */
void info_notify_plain(const uint8_t *icky, const uint8_t *rcky, const struct kipsec_addr *local,
		       const struct kipsec_addr *peer, uint16_t port, bool natt, uint16_t type);
/* Protected by the ISAKMP SA (RFC 2409 §5.7). */
void info_notify(struct p1sa *p1, uint8_t proto, const uint8_t *spi, size_t spi_len,
		 uint16_t type);
void info_delete(struct p1sa *p1, uint8_t proto, const uint8_t *spis, size_t spi_len,
		 uint16_t nspi);
/* A notification with data after the SPI (RFC 3706 §5: the sequence number). */
void info_notify_data(struct p1sa *p1, uint8_t proto, const uint8_t *spi, size_t spi_len,
		      uint16_t type, const uint8_t *data, size_t data_len);

/* ---- network (net.c) ---- */

int net_open(void);
/* The sockets, 0 to 3 (-1: not open); whether fd is one of them. */
int net_fd(int i);
bool net_owns(int fd);
void net_input(int fd);
/*
 * One datagram from peer (port) to local, whatever it contains (dispatch.c);
 * natt: it came to the NAT-T port (its non-ESP marker taken off).
 */
void ike_dispatch(const uint8_t *pkt, size_t len, const struct kipsec_addr *local,
		  const struct kipsec_addr *peer, uint16_t port, bool natt);
/* natt: from the NAT-T port, after a non-ESP marker (RFC 3948 §2.2). */
int net_send(const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	     bool natt, const uint8_t *p, size_t len);
/* A NAT keepalive, one byte 0xFF from the NAT-T port (RFC 3948 §2.3). */
int net_send_keepalive(const struct kipsec_addr *local, const struct kipsec_addr *peer,
		       uint16_t port);
/* The source address the routing table chooses towards peer. */
int net_route_src(const struct kipsec_addr *peer, struct kipsec_addr *local);
void net_close(void);

/* ---- kernel (kernel.c) ---- */

int kern_open(void);
void kern_close(void);
int kern_event_fd(void);
void kern_events(void);
int kern_spi_alloc(struct p2sa *p2, uint32_t reqid);
void kern_spi_release(struct p2sa *p2);
/* The SAs of a negotiated pair (KERN_IN, KERN_OUT or both, inbound
 * first); a failed outbound one takes the inbound one out again. */
#define KERN_IN		1
#define KERN_OUT	2
#define KERN_REPLACE	4	/* the installed ones, anew (their counters go on) */
int kern_sa_install(struct p2sa *p2, uint32_t reqid, const struct p1sa *p1, int dirs, char *why,
		    size_t len);
void kern_sa_remove_in(struct p2sa *p2);
void kern_sa_remove_out(const struct p2sa *p2);
void kern_sa_remove(const struct p2sa *p2);
/* 1 when the pair's inbound SA has taken a packet, 0 when not, or -errno. */
int kern_sa_in_used(const struct p2sa *p2);
/* The packets the pair's inbound SA has taken, or -errno. */
int64_t kern_sa_in_packets(const struct p2sa *p2);
/* The bytes the busier SA of the pair has carried (0 when unknown). */
uint64_t kern_sa_bytes(const struct p2sa *p2);
int kern_policy_add(struct kipsec_policy *pol, char *why, size_t len);
void kern_policy_del(uint32_t id);
const char *kern_extack(void);

/* ---- control socket (control.c) ---- */

int ctl_open(const char *path);
int ctl_fd(void);
void ctl_accept(void);
void ctl_input(int fd);
void ctl_close(void);
/* main.c: poll a control client's socket. */
int loop_add_fd(int fd);
void loop_del_fd(int fd);

/* ---- text helpers ---- */

const char *addr_text(const struct kipsec_addr *a, char *buf, size_t len);
const char *mode_name_of(uint8_t mode);

#endif /* IPSECD_H */
