/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ipsecd: what the files of the IKEv1 daemon share.
 *
 *   main.c      event loop (epoll), timers, signals
 *   net.c       the UDP 500 sockets
 *   isakmp.c    payload codec
 *   crypto.c    DH, PRF, ciphers, RFC 2409 key derivation
 *   proposal.c  SA payloads: building ours, choosing from the peer's
 *   phase1.c    Main Mode (RFC 2409 §5)
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

/* ---- timers (main.c) ---- */

struct timer {
	struct list node;
	uint64_t when;		/* monotonic milliseconds */
	void (*fn)(struct timer *t);
	bool armed;
};

uint64_t now_ms(void);
void timer_arm(struct timer *t, uint64_t delay_ms);
void timer_stop(struct timer *t);

/* Retransmission (RFC 2408 §2.4 leaves it to us): 1 s, doubling, 5 times. */
#define RETRANSMIT_FIRST_MS	1000
#define RETRANSMIT_TRIES	5

/* ---- globals ---- */

struct ipsecd_stats {
	uint64_t rx_packets, tx_packets, rx_malformed, rx_dropped, retransmits;
	uint64_t p1_established, p1_failed, p2_established, p2_failed;
};

extern struct ipsecd_stats stats;
extern uint16_t ike_port;	/* 500 unless -p */
extern bool stopping;

/* ---- rules (rule.c) ---- */

struct bypass;

struct rule {
	struct list node;
	uint32_t id;
	uint32_t reqid;
	struct ike_rule conf;		/* local resolved */
	uint32_t pol_out, pol_in;	/* the kernel's ids of its flows */
	struct bypass *bypass;
	bool want_p2;			/* waiting for a phase 1 SA */
};

extern struct list rules;

int rule_add(const struct ike_rule *conf, char *msg, size_t len);
int rule_del(const struct ike_rule *conf, char *msg, size_t len);
void rule_flush(void);
struct rule *rule_by_policy(uint32_t pol_id);
struct rule *rule_by_id(uint32_t id);
/* The rule whose PSK and phase 1 proposal serve this pair of addresses. */
struct rule *rule_for_peer(const struct kipsec_addr *local, const struct kipsec_addr *peer);
/* Start phase 2 (and phase 1 first when needed) for a rule. */
void rule_negotiate(struct rule *r, const char *why);
/* A phase 1 SA to this peer is up: run the phase 2s waiting for it. */
void rules_p1_up(const struct kipsec_addr *local, const struct kipsec_addr *peer);
void rules_p1_failed(const struct kipsec_addr *local, const struct kipsec_addr *peer);
const char *rule_text(const struct rule *r, char *buf, size_t len);
bool addr_eq(const struct kipsec_addr *a, const struct kipsec_addr *b);

/* ---- phase 1 SAs (phase1.c, sa.c) ---- */

enum p1_state {
	P1_I_MM1 = 1,	/* initiator: sent message 1, waiting for 2 */
	P1_I_MM3,	/* sent 3, waiting for 4 */
	P1_I_MM5,	/* sent 5, waiting for 6 */
	P1_R_MM2,	/* responder: sent 2, waiting for 3 */
	P1_R_MM4,	/* sent 4, waiting for 5 */
	P1_ESTABLISHED,
	P1_DEAD,
};

struct p1sa {
	struct list node;
	uint32_t id;
	enum p1_state state;
	bool initiator;
	struct kipsec_addr local, peer;
	uint16_t peer_port;
	uint8_t icky[8], rcky[8];
	uint32_t rule_id;		/* the rule that gave the PSK and proposal */
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
	struct buf out;			/* the last message we sent */
	struct buf in;			/* the last message we answered */
	struct timer timer;		/* retransmission, then lifetime */
	int tries;
	time_t created, established;
	uint64_t started_ms;
};

extern struct list p1sas;

struct p1sa *p1_new(bool initiator);
void p1_free(struct p1sa *p1);
struct p1sa *p1_by_cookies(const uint8_t *icky, const uint8_t *rcky);
struct p1sa *p1_by_icookie(const uint8_t *icky, const struct kipsec_addr *peer);
/* An established (or, with any, negotiating) SA between the two. */
struct p1sa *p1_find(const struct kipsec_addr *local, const struct kipsec_addr *peer, bool any);
const char *p1_state_name(enum p1_state s);

void p1_initiate(struct rule *r);
void p1_timer_init(struct p1sa *p1);
void p1_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
	      const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port);
/* Sends a delete for it (when established) and frees it. */
void p1_delete(struct p1sa *p1, bool notify);
/* Encrypts the message after its header in place (RFC 2409 Appendix B), pads. */
int p1_encrypt(struct p1sa *p1, struct msgb *m, uint8_t *iv);
/*
 * Decrypts a copy of the message after its header into *out (header
 * included), parses it; the IV is updated to the last ciphertext block.
 */
int p1_decrypt(struct p1sa *p1, const uint8_t *pkt, size_t len, uint8_t *iv,
	       struct buf *out, struct isakmp_msg *m);
void p1_send(struct p1sa *p1, struct buf *b);
/* A peer's notification in an unprotected informational exchange. */
void p1_notified(struct p1sa *p1, uint16_t type);

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
	bool rekeyed;			/* a successor is being negotiated */
	uint32_t p1_id;
	uint32_t rule_id;
	uint32_t msgid;
	uint8_t iv[IKE_BLOCK_MAX];
	struct kipsec_addr local, peer;
	uint8_t mode, proto;
	struct ike_sel src, dst;	/* ours, the peer's */
	uint16_t enc, enc_bits, auth, group;
	uint32_t lifetime;
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
	int tries;
	time_t created;
	uint64_t started_ms;
};

extern struct list p2sas;

struct p2sa *p2_new(bool initiator);
/* Releases a larval SPI, forgets it (kernel SAs stay: see p2_remove). */
void p2_free(struct p2sa *p2);
struct p2sa *p2_by_msgid(uint32_t p1_id, uint32_t msgid);
struct p2sa *p2_by_spi(const struct kipsec_addr *dst, uint32_t spi, bool *inbound);
/* An installed or negotiating SA pair of the rule (not being replaced). */
struct p2sa *p2_of_rule(uint32_t rule_id);
const char *p2_state_name(enum p2_state s);

void p2_initiate(struct p1sa *p1, struct rule *r);
void p2_timer_init(struct p2sa *p2);
void p2_input(struct p1sa *p1, const struct isakmp_hdr *h, const uint8_t *pkt, size_t len);
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
int p2_choose(const struct p2sa *p2, const struct isakmp_sa *sa, struct p2_choice *c,
	      char *why, size_t len);
void p2_accept_body(struct buf *b, const struct p2_choice *c, uint32_t our_spi);
const char *p1_alg_text(uint16_t enc, uint16_t bits, uint16_t hash, uint16_t group,
			char *buf, size_t len);
const char *p2_alg_text(uint16_t enc, uint16_t bits, uint16_t auth, uint16_t group,
			char *buf, size_t len);

/* ---- informational exchanges (info.c) ---- */

void info_input(const struct isakmp_hdr *h, const uint8_t *pkt, size_t len,
		const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port);
/* Unprotected notification (before keys, RFC 2408 §4.8). */
void info_notify_plain(const uint8_t *icky, const uint8_t *rcky, const struct kipsec_addr *local,
		       const struct kipsec_addr *peer, uint16_t port, uint16_t type);
/* Protected by the ISAKMP SA (RFC 2409 §5.7). */
void info_notify(struct p1sa *p1, uint8_t proto, const uint8_t *spi, size_t spi_len,
		 uint16_t type);
void info_delete(struct p1sa *p1, uint8_t proto, const uint8_t *spis, size_t spi_len,
		 uint16_t nspi);

/* ---- network (net.c) ---- */

int net_open(void);
int net_fd4(void);
int net_fd6(void);
void net_input(int fd);
int net_send(const struct kipsec_addr *local, const struct kipsec_addr *peer, uint16_t port,
	     const uint8_t *p, size_t len);
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
int kern_sa_install(struct p2sa *p2, uint32_t reqid, const struct p1sa *p1, int dirs, char *why,
		    size_t len);
void kern_sa_remove_in(struct p2sa *p2);
void kern_sa_remove(const struct p2sa *p2);
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
const char *sel_text(const struct ike_sel *s, uint8_t proto, char *buf, size_t len);
const char *mode_name_of(uint8_t mode);

#endif /* IPSECD_H */
