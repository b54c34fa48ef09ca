/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec: what the files of the module share.  One network namespace holds
 * one struct kipsec_net: its security association database (SAD) and its
 * security policy database (SPD), RFC 4301 §4.4.
 */
#ifndef _KIPSEC_H
#define _KIPSEC_H

#include <linux/completion.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/percpu-refcount.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/dst_cache.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <uapi/linux/kipsec.h>

struct netlink_ext_ack;
struct nf_hook_state;
struct crypto_aead;
struct crypto_ahash;

/* An IPv4 or IPv6 address, the family kept beside it. */
union kipsec_inaddr {
	__be32 a4;
	struct in6_addr a6;
};

/* Global counters of one namespace, per CPU (enum kipsec_stats_attr order). */
enum kipsec_counter {
	KIPSEC_CNT_IN_NO_SA,
	KIPSEC_CNT_IN_MALFORMED,
	KIPSEC_CNT_IN_REPLAY,
	KIPSEC_CNT_IN_AUTH_FAIL,
	KIPSEC_CNT_IN_POLICY_DROP,
	KIPSEC_CNT_OUT_NO_SA,
	KIPSEC_CNT_OUT_DISCARD,
	KIPSEC_CNT_OUT_ERRORS,
	KIPSEC_CNT_ACQUIRES,
	KIPSEC_CNT_EXPIRES,
	KIPSEC_CNT_MAX
};

struct kipsec_counters {
	u64 v[KIPSEC_CNT_MAX];
};

struct kipsec_net {
	struct net *net;
	/* Serialises every change of the SAD and the SPD (process context). */
	struct mutex lock;

	/* SAD: by (daddr, SPI, proto) for input, by endpoints for output. */
	struct rhashtable sa_by_id;
	struct rhashtable sa_by_ep;	/* of struct kipsec_sa_group */
	struct xarray sa_xa;		/* dump order: an id per SA */
	u32 sa_xa_next;
	atomic_t sa_count;
	atomic_t sa_genid;		/* bumped on change: NLM_F_DUMP_INTR */

	/* SPD: one list per direction, ascending priority, RCU readers. */
	struct list_head policies[KIPSEC_DIR_FWD + 1];
	struct xarray pol_xa;		/* by policy id */
	u32 pol_xa_next;
	atomic_t pol_count;
	atomic_t pol_genid;

	struct kipsec_counters __percpu *counters;

	/*
	 * Packets in flight in the data path (async crypto, held for an
	 * ACQUIRE): the namespace waits for them before it goes.
	 */
	struct percpu_ref inflight;
	struct completion inflight_done;

	/* Outbound packets waiting for an SA, per (policy, endpoints). */
	spinlock_t acq_lock;
	struct list_head acquires;
	unsigned int acq_count;
	struct delayed_work acq_work;
};

extern unsigned int kipsec_net_id;
extern struct workqueue_struct *kipsec_wq;

static inline struct kipsec_net *kipsec_pernet(const struct net *net)
{
	return net_generic(net, kipsec_net_id);
}

static inline void kipsec_count(struct kipsec_net *kn, enum kipsec_counter c)
{
	this_cpu_inc(kn->counters->v[c]);
}

/* ---- algorithms (crypto.c) ---- */

enum kipsec_alg_kind {
	KIPSEC_ALG_KIND_AEAD,		/* combined mode: ENC only */
	KIPSEC_ALG_KIND_CIPHER,		/* ENC, needs AUTH */
	KIPSEC_ALG_KIND_NULL,		/* ENC "null" (RFC 2410), needs AUTH */
	KIPSEC_ALG_KIND_AUTH,		/* AUTH */
};

struct kipsec_alg_desc {
	const char *name;		/* KIPSEC_ALG_A_NAME */
	enum kipsec_alg_kind kind;
	const char *crypto_name;	/* the kernel crypto API's name */
	u8 key_lens[3];			/* accepted key sizes, bytes (AEAD: + salt) */
	u8 icv_lens[3];			/* accepted ICV sizes; [0] is the default */
	u8 salt_len;			/* AEAD: trailing salt of the key */
	u8 iv_len;			/* explicit IV sent in each packet */
	u8 block_len;			/* padding alignment (RFC 4303 §2.4) */
	/* extack strings are not copied: one per algorithm, naming it. */
	const char *bad_key_msg;
	const char *bad_icv_msg;
	const char *unavailable_msg;
};

/* One algorithm as a request names it (KIPSEC_ALG_A_*), parsed by netlink.c. */
struct kipsec_alg_req {
	const struct nlattr *attr;	/* the nest, for extack */
	const char *name;
	const u8 *key;
	u32 key_len;
	u32 icv_len;			/* 0: the algorithm's default */
};

/* The algorithms and keys of one SA, and the transforms built from them. */
struct kipsec_xform {
	const struct kipsec_alg_desc *enc;	/* NULL for AH */
	const struct kipsec_alg_desc *auth;	/* NULL for AEAD */
	u8 *enc_key;
	u8 *auth_key;
	u32 enc_key_len;
	u32 auth_key_len;
	u32 icv_len;
	struct crypto_aead *aead;		/* ESP, every algorithm */
	struct crypto_ahash *ahash;		/* AH */
};

const struct kipsec_alg_desc *kipsec_alg_lookup(const char *name);
/* Builds the transforms; extack names what was refused. */
int kipsec_xform_init(struct kipsec_xform *xf, u8 proto, bool esn,
		      const struct kipsec_alg_req *enc, const struct kipsec_alg_req *auth,
		      struct netlink_ext_ack *extack);
void kipsec_xform_destroy(struct kipsec_xform *xf);

/* ---- security associations (sa.c) ---- */

/* The name of an SA (RFC 4301 §4.1): destination, SPI, protocol. */
struct kipsec_sa_id {
	union kipsec_inaddr daddr;
	u32 spi;
	u8 proto;
	u8 family;
	u16 pad;			/* zero: the key is hashed as bytes */
};

/* Output index: the endpoints an SA protects traffic between, and how. */
struct kipsec_sa_ep {
	union kipsec_inaddr saddr;
	union kipsec_inaddr daddr;
	u8 proto;
	u8 family;
	u8 mode;
	u8 pad;				/* zero: the key is hashed as bytes */
};

/* The SAs of one kipsec_sa_ep, newest first (RCU list). */
struct kipsec_sa_group {
	struct rhash_head node;
	struct kipsec_sa_ep ep;
	struct list_head sas;
	struct rcu_head rcu;
};

struct kipsec_lifetime {
	u64 bytes;
	u64 packets;
	u64 add_secs;
	u64 use_secs;
};

struct kipsec_sa_stats {
	atomic64_t packets;
	atomic64_t bytes;
	atomic64_t replay_drops;
	atomic64_t auth_fails;
	atomic64_t decrypt_errs;
	atomic64_t policy_drops;
};

struct kipsec_sa {
	struct rhash_head by_id;
	struct list_head ep_list;	/* in group->sas */
	struct kipsec_sa_group *group;	/* NULL: not in sa_by_ep (larval, dead) */
	struct kipsec_sa_id id;
	struct kipsec_sa_ep ep;
	u32 xa_index;
	u8 mode;			/* enum kipsec_mode */
	u8 state;			/* enum kipsec_sa_state */
	bool dead;			/* unlinked: no longer to be used */
	bool soft_sent;			/* the soft EXPIRE went out */
	unsigned long limit_kicked;	/* bit 0 soft, bit 1 hard: work woken once */
	u32 reqid;
	u32 flags;			/* KIPSEC_SA_F_* */
	u32 replay_window;
	u16 encap_sport;
	u16 encap_dport;
	struct kipsec_lifetime soft;
	struct kipsec_lifetime hard;
	time64_t add_time;		/* wall clock, for users */
	time64_t use_time;		/* 0 until the first packet */
	unsigned long add_jiffies;
	unsigned long use_jiffies;

	struct kipsec_xform xf;
	struct dst_cache dst_cache;	/* tunnel mode: the route to the peer */
	atomic64_t seq_out;		/* last sequence number sent */
	struct kipsec_replay *replay;	/* inbound window, under lock */
	spinlock_t lock;
	struct kipsec_sa_stats stats;

	struct kipsec_net *kn;
	struct list_head gc;		/* on a local list while being removed */
	refcount_t refcnt;
	/* Lifetimes: wakes up at the next deadline or when a limit is hit. */
	struct delayed_work life_work;
	struct rcu_work free_work;
};

/* What SA_ADD and SPI_ALLOC ask for, validated by netlink.c. */
struct kipsec_sa_cfg {
	struct kipsec_sa_id id;
	union kipsec_inaddr saddr;
	u8 mode;
	u32 reqid;
	u32 flags;
	u32 replay_window;
	u16 encap_sport;
	u16 encap_dport;
	struct kipsec_lifetime soft;
	struct kipsec_lifetime hard;
};

int kipsec_sa_cache_init(void);
void kipsec_sa_cache_exit(void);
int kipsec_sad_init(struct kipsec_net *kn);
void kipsec_sad_exit(struct kipsec_net *kn);

struct kipsec_sa *kipsec_sa_alloc(struct kipsec_net *kn, const struct kipsec_sa_cfg *cfg);
/* Inserts (or replaces) a fully built SA; on success the table owns it. */
int kipsec_sa_insert(struct kipsec_net *kn, struct kipsec_sa *sa, bool replace, bool create,
		     struct netlink_ext_ack *extack);
int kipsec_sa_reserve_spi(struct kipsec_net *kn, const struct kipsec_sa_cfg *cfg, u32 min,
			  u32 max, struct kipsec_sa **out, struct netlink_ext_ack *extack);
int kipsec_sa_delete(struct kipsec_net *kn, const struct kipsec_sa_id *id);
void kipsec_sa_flush(struct kipsec_net *kn, u8 proto);

/* RCU lookups; the result carries a reference (kipsec_sa_put) or is NULL. */
struct kipsec_sa *kipsec_sa_lookup(struct kipsec_net *kn, const struct kipsec_sa_id *id);
struct kipsec_sa *kipsec_sa_lookup_ep(struct kipsec_net *kn, const struct kipsec_sa_ep *ep,
				      u32 reqid);

void kipsec_sa_put(struct kipsec_sa *sa);
void kipsec_sa_free(struct kipsec_sa *sa);	/* never inserted */
/* The data path reached a packet or byte limit: let the lifetime work run. */
void kipsec_sa_kick_lifetime(struct kipsec_sa *sa);

static inline bool kipsec_sa_usable(const struct kipsec_sa *sa)
{
	return !READ_ONCE(sa->dead) && READ_ONCE(sa->state) != KIPSEC_SA_STATE_LARVAL;
}

/* ---- security policies (policy.c) ---- */

struct kipsec_selector {
	union kipsec_inaddr saddr;
	union kipsec_inaddr daddr;
	u8 family;
	u8 splen;
	u8 dplen;
	u8 proto;			/* 0 = any */
	u16 sport;			/* host order, 0 = any */
	u16 dport;
};

struct kipsec_tmpl {
	union kipsec_inaddr saddr;
	union kipsec_inaddr daddr;
	u8 family;			/* 0 in transport mode */
	u8 proto;
	u8 mode;
	u32 reqid;
};

struct kipsec_policy {
	struct list_head list;
	u32 id;
	struct kipsec_selector sel;
	u8 dir;
	u8 action;
	u8 level;
	u32 priority;
	struct kipsec_tmpl tmpl;
	atomic64_t packets;
	atomic64_t bytes;
	struct rcu_head rcu;
};

/* What a packet offers to selectors (RFC 4301 §4.4.1.1). */
struct kipsec_flow {
	union kipsec_inaddr saddr;
	union kipsec_inaddr daddr;
	u8 family;
	u8 proto;
	bool opaque;			/* a non-first fragment: ports unknown (§7) */
	u16 sport;			/* host order */
	u16 dport;
};

int kipsec_flow_from_skb(const struct sk_buff *skb, u8 family, struct kipsec_flow *fl);
/* Caller holds rcu_read_lock(); the first match in priority order. */
struct kipsec_policy *kipsec_policy_lookup(struct kipsec_net *kn, u8 dir,
					   const struct kipsec_flow *fl);

int kipsec_spd_init(struct kipsec_net *kn);
void kipsec_spd_exit(struct kipsec_net *kn);
int kipsec_policy_insert(struct kipsec_net *kn, struct kipsec_policy *pol,
			 struct netlink_ext_ack *extack);
/* By id when id != 0, else by direction and selector. */
int kipsec_policy_delete(struct kipsec_net *kn, u32 id, u8 dir,
			 const struct kipsec_selector *sel);
void kipsec_policy_flush(struct kipsec_net *kn);
/* Caller holds rcu_read_lock(). */
struct kipsec_policy *kipsec_policy_find_id(struct kipsec_net *kn, u32 id);

/* ---- data path (hooks.c, output.c, input.c, esp.c, acquire.c) ---- */

/* Our part of skb->cb while kipsec owns a packet (after NF_STOLEN). */
struct kipsec_skb_cb {
	struct kipsec_sa *sa;		/* a reference, dropped when done */
	void *tmp;			/* crypto request and its buffers */
	u64 seq;			/* the full sequence number */
	u16 hoff;			/* ESP/AH header, from the network header */
	u16 prev;			/* input: the next-header byte naming ESP/AH */
	u8 family;			/* of the packet's (outer) IP header */
	u8 nexthdr;			/* ESP trailer / AH next header */
	u8 outer_tos;			/* input: the outer DS field, for ECN */
	u8 hlen;			/* ESP/AH header length incl. IV */
};

#define KIPSEC_CB(skb) ((struct kipsec_skb_cb *)((skb)->cb))

static inline void kipsec_cb_check(void)
{
	BUILD_BUG_ON(sizeof(struct kipsec_skb_cb) > sizeof_field(struct sk_buff, cb));
}

int kipsec_hooks_register(struct net *net);
void kipsec_hooks_unregister(struct net *net);

/* output.c: protect and send; consumes skb and the SA reference. */
void kipsec_xmit(struct kipsec_net *kn, struct kipsec_sa *sa, struct sk_buff *skb);
void kipsec_output_done(struct sk_buff *skb, int err);
unsigned int kipsec_output_hook(struct kipsec_net *kn, struct sk_buff *skb, u8 family);

/* input.c */
void kipsec_input_done(struct sk_buff *skb, int err);
unsigned int kipsec_input_hook(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
			       const struct nf_hook_state *state, u8 dir);

/* esp.c: the ESP transform (RFC 4303).  Both return 0 when done (the
 * *_done() callback was not called), -EINPROGRESS when the callback will
 * be, or an error.
 */
unsigned int kipsec_esp_hlen(const struct kipsec_sa *sa);
unsigned int kipsec_esp_max_payload(const struct kipsec_sa *sa, unsigned int room);
int kipsec_esp_output(struct sk_buff *skb);
int kipsec_esp_input(struct sk_buff *skb);
/* After a successful decryption: checks and strips the trailer. */
int kipsec_esp_input_finish(struct sk_buff *skb);

/* ah.c: the AH transform (RFC 4302), same conventions as esp.c. */
unsigned int kipsec_ah_hlen(const struct kipsec_sa *sa, u8 family);
int kipsec_ah_output(struct sk_buff *skb);
int kipsec_ah_input(struct sk_buff *skb);

/* The header an SA's protocol adds, in a packet of that IP family. */
static inline unsigned int kipsec_proto_hlen(const struct kipsec_sa *sa, u8 family)
{
	return sa->id.proto == IPPROTO_AH ? kipsec_ah_hlen(sa, family) : kipsec_esp_hlen(sa);
}

/* acquire.c */
int kipsec_acquire_init(struct kipsec_net *kn);
void kipsec_acquire_exit(struct kipsec_net *kn);
unsigned int kipsec_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
			    const struct kipsec_flow *fl, const struct kipsec_sa_ep *ep,
			    struct sk_buff *skb);
void kipsec_acquire_kick(struct kipsec_net *kn);
void kipsec_acquire_forget(struct kipsec_net *kn, u32 pol_id);

/* sa.c: per-packet accounting; false when the hard limit is reached. */
bool kipsec_sa_account(struct kipsec_sa *sa, unsigned int bytes);

/* ---- netlink (netlink.c) ---- */

int kipsec_genl_init(void);
void kipsec_genl_exit(void);
void kipsec_notify_sa(struct kipsec_net *kn, const struct kipsec_sa *sa, u8 cmd);
void kipsec_notify_expire(struct kipsec_net *kn, const struct kipsec_sa *sa, bool hard);
void kipsec_notify_flush(struct kipsec_net *kn, u8 cmd, u8 proto);
void kipsec_notify_policy(struct kipsec_net *kn, const struct kipsec_policy *pol, u8 cmd);
void kipsec_notify_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
			   const struct kipsec_flow *fl);

static inline size_t kipsec_addr_len(u8 family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(__be32);
}

#endif /* _KIPSEC_H */
