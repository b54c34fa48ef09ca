/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kipsec: what the files of the module share.  One network namespace holds
 * one struct kipsec_net: its security association database (SAD) and its
 * security policy database (SPD), RFC 4301 §4.4.
 */
#ifndef _KIPSEC_H
#define _KIPSEC_H

#include <linux/completion.h>
#include <linux/crypto.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/netlink.h>
#include <linux/percpu.h>
#include <linux/percpu-refcount.h>
#include <linux/rbtree.h>
#include <linux/refcount.h>
#include <linux/rhashtable-types.h>
#include <linux/skbuff.h>
#include <linux/spinlock.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/dst_cache.h>
#include <net/net_namespace.h>
#include <net/net_trackers.h>
#include <net/netns/generic.h>
#include <uapi/linux/kipsec.h>

struct netlink_ext_ack;
struct kipsec_spd_group;
struct nf_hook_state;
struct crypto_aead;
struct crypto_ahash;

/* An IPv4 or IPv6 address, the family kept beside it. */
union kipsec_inaddr {
	__be32 a4;
	struct in6_addr a6;
};

/*
 * Global counters of one namespace, per CPU: enum kipsec_stats_attr order
 * up to EXPIRES, then the attributes after KIPSEC_STATS_A_PAD.
 */
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
	KIPSEC_CNT_IN_CRYPTO_BUSY,
	KIPSEC_CNT_OUT_CRYPTO_BUSY,
	KIPSEC_CNT_IN_UDP_KEEPALIVE,
	KIPSEC_CNT_IN_UDP_MALFORMED,
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
	unsigned int larval_count;	/* of sa_count, under lock */
	atomic_t sa_genid;		/* bumped on change: NLM_F_DUMP_INTR */

	/*
	 * SPD, a tuple space (policy.c): per direction, the groups of
	 * policies that share a mask tuple (RCU list, empty when the
	 * direction has no policy) and every policy by its selector.
	 */
	struct list_head policies[KIPSEC_DIR_FWD + 1];
	struct rhashtable pol_by_sel[KIPSEC_DIR_FWD + 1];
	struct xarray pol_groups;	/* by direction and tuple, under lock */
	u64 pol_seq;			/* insertion order, under lock */
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
	/* Of those, the ones each CPU handed to the crypto API (kipsec_inflight_get()). */
	atomic_t __percpu *crypto_inflight;

	/*
	 * The socket our transformed packets are sent with, per family: what
	 * tells the output hook they are done (kipsec_output_done()).
	 */
	struct sock *xmit_sk4;
	struct sock *xmit_sk6;

	/* Outbound packets waiting for an SA, per (policy, endpoints). */
	spinlock_t acq_lock;
	struct list_head acquires;
	unsigned int acq_count;
	struct delayed_work acq_work;

	/*
	 * The UDP ports ESP-in-UDP arrives at (the DPORT of SAs with
	 * encapsulation): port -> number of SAs, an xa_value; under lock.
	 */
	struct xarray encap_ports;
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

/* main.c: a packet in the data path; false when its CPU has too many (drop it). */
bool kipsec_inflight_get(struct kipsec_net *kn, u16 *slot);
void kipsec_inflight_put(struct kipsec_net *kn, u16 slot);

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
struct kipsec_proto_ops;
/* Builds the transforms of the SA's protocol; extack names what was refused. */
int kipsec_xform_init(struct kipsec_xform *xf, const struct kipsec_proto_ops *ops, bool esn,
		      const struct kipsec_alg_req *enc, const struct kipsec_alg_req *auth,
		      struct netlink_ext_ack *extack);
/* For the protocols' init_xform: checks the requested algorithms, copies the keys. */
int kipsec_xform_set_algs(struct kipsec_xform *xf, const struct kipsec_alg_req *enc,
			  const struct kipsec_alg_req *auth, struct netlink_ext_ack *extack);
void kipsec_xform_destroy(struct kipsec_xform *xf);

/*
 * NL_SET_ERR_MSG() wants a literal; the per-algorithm messages of the table
 * are just as static, so they are set the same way by hand.
 */
static inline void kipsec_alg_error(struct netlink_ext_ack *extack, const struct nlattr *attr,
				    const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

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
	const struct kipsec_proto_ops *ops;	/* ESP or AH, bound at creation */
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
	u16 encap_sport;		/* ESP in UDP (RFC 3948): both set, or 0 */
	u16 encap_dport;
	unsigned long mapping_jiffies;	/* the last MAPPING event sent (encap.c) */
	u32 mark;			/* set in skb->mark of decrypted packets, */
	u32 mark_mask;			/* within these bits (0: none) */
	int ifindex;			/* bound to a kipsec interface (iface.c), or 0 */
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
	u64 seq_out;			/* where the outbound counter starts */
	u16 encap_sport;
	u16 encap_dport;
	u32 mark;
	u32 mark_mask;
	int ifindex;
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
/* The SAs bound to a kipsec interface being deleted (iface.c). */
void kipsec_sa_flush_iface(struct kipsec_net *kn, int ifindex);

/* RCU lookups; the result carries a reference (kipsec_sa_put) or is NULL. */
struct kipsec_sa *kipsec_sa_lookup(struct kipsec_net *kn, const struct kipsec_sa_id *id);
struct kipsec_sa *kipsec_sa_lookup_ep(struct kipsec_net *kn, const struct kipsec_sa_ep *ep,
				      u32 reqid);

void kipsec_sa_put(struct kipsec_sa *sa);
void kipsec_sa_free(struct kipsec_sa *sa);	/* never inserted */
/* The data path reached a packet or byte limit: let the lifetime work run. */
void kipsec_sa_kick_lifetime(struct kipsec_sa *sa);

/* The last sequence number an SA may send: it never cycles (RFC 4303 §3.3.3). */
static inline u64 kipsec_seq_max(u32 flags)
{
	return flags & KIPSEC_SA_F_ESN ? U64_MAX : U32_MAX;
}

/*
 * The next outbound sequence number, false when the SA has none left; the
 * last one (and every refusal) wakes the lifetime work, which hard-expires
 * the SA.
 */
bool kipsec_sa_next_seq(struct kipsec_sa *sa, u64 *seq);

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
	struct rhash_head by_sel;	/* kn->pol_by_sel[dir] */
	struct rb_node by_order;	/* in its group, by (priority, seq) */
	struct kipsec_spd_group *group;
	u64 seq;			/* insertion order among equal priorities */
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

#ifdef KIPSEC_DEBUG
int kipsec_policy_selftest(void);
#else
static inline int kipsec_policy_selftest(void) { return 0; }
#endif

/* ---- data path (hooks.c, output.c, input.c, esp.c, acquire.c) ---- */

/* Our part of skb->cb while kipsec owns a packet (after NF_STOLEN). */
struct kipsec_skb_cb {
	struct kipsec_sa *sa;		/* a reference, dropped when done */
	void *tmp;			/* crypto request and its buffers */
	u64 seq;			/* the full sequence number */
	netdevice_tracker dev_tracker;	/* input: skb->dev, held across the crypto */
	u16 slot;			/* kipsec_inflight_get()'s */
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
unsigned int kipsec_ct_confirm(struct sk_buff *skb, u8 family);
unsigned int kipsec_output_hook(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
				const struct nf_hook_state *state);

/* input.c */
void kipsec_input_done(struct sk_buff *skb, int err);
unsigned int kipsec_input_hook(struct kipsec_net *kn, struct sk_buff *skb, u8 family,
			       const struct nf_hook_state *state, u8 dir);

/*
 * How a request goes to an asynchronous crypto implementation whose queue
 * is full.  Output may wait on its backlog: what we send is bounded by the
 * senders' socket buffers and by kipsec_inflight_get().  Input may not, as
 * with XFRM: packets anyone can forge would wait there, and are dropped
 * instead (-ENOBUFS, counted as crypto busy).
 */
static inline u32 kipsec_crypto_flags(bool output)
{
	return output ? CRYPTO_TFM_REQ_MAY_BACKLOG : 0;
}

/* A request's first result: -EINPROGRESS when the completion will be called. */
static inline int kipsec_crypto_result(int err, bool output)
{
	if (err == -EBUSY)
		/* With the backlog: on it, in progress; without: refused. */
		return output ? -EINPROGRESS : -ENOBUFS;
	return err == -ENOSPC ? -ENOBUFS : err;
}

/*
 * What ESP (esp.c, RFC 4303) and AH (ah.c, RFC 4302) do differently, bound
 * to an SA when it is made, as XFRM's struct xfrm_type.  The mode code
 * (output.c, input.c) places the header at KIPSEC_CB(skb)->hoff first.
 * output and input return 0 when done, -EINPROGRESS when the crypto
 * completion will call kipsec_output_done() / kipsec_input_done() instead,
 * or an error.
 */
struct kipsec_proto_ops {
	u8 proto;			/* IPPROTO_ESP, IPPROTO_AH */
	u8 spi_off;			/* the SPI in the header; the sequence number follows */
	/* Which algorithms the protocol takes, and its crypto API transform. */
	int (*init_xform)(struct kipsec_xform *xf, bool esn, const struct kipsec_alg_req *enc,
			  const struct kipsec_alg_req *auth, struct netlink_ext_ack *extack);
	/* The header added, in a packet of that (outer) IP family. */
	unsigned int (*hlen)(const struct kipsec_sa *sa, u8 family);
	/* The longest packet that fits in room bytes once protected (tunnel mode). */
	unsigned int (*max_payload)(const struct kipsec_sa *sa, unsigned int room, u8 family);
	int (*output)(struct sk_buff *skb);
	int (*input)(struct sk_buff *skb);
	/*
	 * After the ICV verified and the replay window moved: what is left
	 * of the protocol before decapsulation (ESP: check and strip the
	 * trailer; cb->nexthdr is set after it).
	 */
	int (*input_finish)(struct sk_buff *skb);
};

extern const struct kipsec_proto_ops kipsec_esp_ops;
extern const struct kipsec_proto_ops kipsec_ah_ops;

/* The protocol of an SA request or an inbound packet; NULL: neither ESP nor AH. */
static inline const struct kipsec_proto_ops *kipsec_proto_ops_find(u8 proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return &kipsec_esp_ops;
	case IPPROTO_AH:
		return &kipsec_ah_ops;
	}
	return NULL;
}

/* encap.c: ESP in UDP (RFC 3948) */
static inline unsigned int kipsec_encap_hlen(const struct kipsec_sa *sa)
{
	return sa->encap_dport ? sizeof(struct udphdr) : 0;
}

/* What the IP header (or the last extension header) names: UDP, or the SA's protocol. */
static inline u8 kipsec_encap_proto(const struct kipsec_sa *sa)
{
	return sa->encap_dport ? IPPROTO_UDP : sa->id.proto;
}

/* What kipsec_encap_classify() found in a UDP datagram addressed to us. */
enum kipsec_udp_kind {
	KIPSEC_UDP_PASS,		/* not ESP in UDP (IKE, not our port): the stack's */
	KIPSEC_UDP_DROP,		/* a keepalive or malformed: counted, drop it */
	KIPSEC_UDP_ESP,			/* ESP at the offset returned */
};

void kipsec_encap_init(struct kipsec_net *kn);
void kipsec_encap_exit(struct kipsec_net *kn);
int kipsec_encap_port_get(struct kipsec_net *kn, const struct kipsec_sa *sa);
void kipsec_encap_port_put(struct kipsec_net *kn, const struct kipsec_sa *sa);
void kipsec_encap_output(struct sk_buff *skb);
enum kipsec_udp_kind kipsec_encap_classify(struct kipsec_net *kn, struct sk_buff *skb,
					   u8 family, unsigned int *hoff);
bool kipsec_encap_sa_matches(const struct kipsec_sa *sa, const struct sk_buff *skb,
			     unsigned int hoff, bool udp);
bool kipsec_encap_sock_owns(struct kipsec_net *kn, const struct sk_buff *skb, u8 family,
			    unsigned int hoff);
void kipsec_encap_mapping(struct kipsec_sa *sa, const struct sk_buff *skb);
u8 kipsec_encap_rx_csum(const struct kipsec_sa *sa, u8 nexthdr);

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

/* ---- route-based tunnels: ip link add NAME type kipsec (iface.c) ---- */

int kipsec_iface_init(void);
void kipsec_iface_exit(void);
/* RTNL and kn->lock held: sa (not yet visible) may bind to its interface. */
int kipsec_iface_check(struct kipsec_net *kn, const struct kipsec_sa *sa,
		       struct netlink_ext_ack *extack);
void kipsec_iface_bind(struct kipsec_net *kn, struct kipsec_sa *sa);
/* kn->lock held: sa leaves the SAD; the interface stops sending with it. */
void kipsec_iface_unbind(struct kipsec_net *kn, struct kipsec_sa *sa);
/* RCU held: the interface sa delivers to, up, or NULL (drop the packet). */
struct net_device *kipsec_iface_rx_dev(struct kipsec_net *kn, const struct kipsec_sa *sa);
/* The decrypted inner packet, counted, now arriving on dev. */
void kipsec_iface_rx(struct net_device *dev, struct sk_buff *skb);

/* ---- netlink (netlink.c: requests; notify.c: events; nlmsg.c: the messages) ---- */

int kipsec_genl_init(void);
void kipsec_genl_exit(void);
void kipsec_notify_sa(struct kipsec_net *kn, const struct kipsec_sa *sa, u8 cmd);
void kipsec_notify_expire(struct kipsec_net *kn, const struct kipsec_sa *sa, bool hard);
void kipsec_notify_flush(struct kipsec_net *kn, u8 cmd, u8 proto);
void kipsec_notify_policy(struct kipsec_net *kn, const struct kipsec_policy *pol, u8 cmd);
void kipsec_notify_acquire(struct kipsec_net *kn, const struct kipsec_policy *pol,
			   const struct kipsec_flow *fl);
void kipsec_notify_mapping(struct kipsec_net *kn, const struct kipsec_sa *sa,
			   const union kipsec_inaddr *saddr, u16 sport);

static inline size_t kipsec_addr_len(u8 family)
{
	return family == AF_INET6 ? sizeof(struct in6_addr) : sizeof(__be32);
}

#endif /* _KIPSEC_H */
