// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the AH transform (RFC 4302), through the crypto API's ahash.
 *
 *   | IP header | Next Hdr | Len | Reserved | SPI | Seq | ICV [pad] | payload |
 *    <------------------------- authenticated -------------------------->
 *
 * The ICV covers the IP header too, with the fields that may change in
 * transit set to zero (RFC 4302 §3.3.3.1): IPv4 TOS, flags and fragment
 * offset, TTL, checksum and the mutable options; IPv6 traffic class, flow
 * label, hop limit and the options marked as changing en route.  They are
 * zeroed in place for the hash and put back afterwards.  With extended
 * sequence numbers the high half is hashed after the packet (§2.5.1).
 *
 * The mode code has placed the AH header at KIPSEC_CB(skb)->hoff.
 */
#include <crypto/hash.h>
#include <crypto/algapi.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/ah.h>
#include <net/ip.h>
#include <net/ipv6.h>

#include "kipsec.h"

#define AH_FIXED_LEN	12	/* next header, length, reserved, SPI, sequence */

/* The AH header with its ICV, padded to 32 bits (IPv4) or 64 (IPv6, §2.2). */
static unsigned int ah_hlen(const struct kipsec_sa *sa, u8 family)
{
	return ALIGN(AH_FIXED_LEN + sa->xf.icv_len, family == AF_INET ? 4 : 8);
}

/* AH has no trailer and no padding: the inner packet is the room less the header. */
static unsigned int ah_max_payload(const struct kipsec_sa *sa, unsigned int room, u8 family)
{
	return room - ah_hlen(sa, family);
}

static int ah_init_ahash(struct kipsec_xform *xf, const struct kipsec_alg_req *auth_req,
			 struct netlink_ext_ack *extack)
{
	int err;

	xf->ahash = crypto_alloc_ahash(xf->auth->crypto_name, 0, 0);
	if (IS_ERR(xf->ahash)) {
		err = PTR_ERR(xf->ahash);
		xf->ahash = NULL;
		kipsec_alg_error(extack, auth_req->attr, xf->auth->unavailable_msg);
		return err == -ENOENT ? -EINVAL : err;
	}
	if (crypto_ahash_digestsize(xf->ahash) < xf->icv_len) {
		kipsec_alg_error(extack, auth_req->attr, xf->auth->bad_icv_msg);
		return -EINVAL;
	}
	err = crypto_ahash_setkey(xf->ahash, xf->auth_key, xf->auth_key_len);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, auth_req->attr, "the crypto API refused the key");
		return err == -ENOMEM ? err : -EINVAL;
	}
	return 0;
}

/* AH: an authentication algorithm and nothing else (RFC 4302). */
static int ah_init_xform(struct kipsec_xform *xf, bool esn, const struct kipsec_alg_req *enc,
			 const struct kipsec_alg_req *auth, struct netlink_ext_ack *extack)
{
	int err;

	if (enc) {
		NL_SET_ERR_MSG_ATTR(extack, enc->attr,
				    "AH takes no encryption algorithm: it only authenticates (RFC 4302)");
		return -EINVAL;
	}
	if (!auth) {
		NL_SET_ERR_MSG(extack, "AH needs an authentication algorithm (KIPSEC_SA_A_AUTH)");
		return -EINVAL;
	}
	err = kipsec_xform_set_algs(xf, NULL, auth, extack);
	if (err)
		return err;
	return ah_init_ahash(xf, auth, extack);
}

/* IPv4 options that do not change in transit (RFC 4302 Appendix A.1). */
static bool ipv4_opt_immutable(u8 type)
{
	switch (type) {
	case IPOPT_SEC:
	case 133:			/* extended security */
	case 134:			/* commercial security */
	case IPOPT_RA:
	case 149:			/* sender directed multi-destination delivery */
		return true;
	}
	return false;
}

static int zero_mutable4(u8 *nh, unsigned int hlen)
{
	struct iphdr *iph = (struct iphdr *)nh;
	unsigned int off = sizeof(*iph);

	iph->tos = 0;
	iph->frag_off = 0;
	iph->ttl = 0;
	iph->check = 0;
	while (off < hlen) {
		u8 type = nh[off], len;

		if (type == IPOPT_END)
			break;
		if (type == IPOPT_NOOP) {
			off++;
			continue;
		}
		if (off + 1 >= hlen)
			return -EINVAL;
		len = nh[off + 1];
		if (len < 2 || off + len > hlen)
			return -EINVAL;
		if (!ipv4_opt_immutable(type))
			memset(nh + off, 0, len);
		off += len;
	}
	return 0;
}

/* Options of a hop-by-hop or destination header that may change en route. */
static int zero_mutable_tlvs(u8 *opt, unsigned int len)
{
	unsigned int off = 2;

	while (off < len) {
		u8 type = opt[off], olen;

		if (type == IPV6_TLV_PAD1) {
			off++;
			continue;
		}
		if (off + 1 >= len)
			return -EINVAL;
		olen = opt[off + 1];
		if (off + 2 + olen > len)
			return -EINVAL;
		/* RFC 8200 §4.2: the third bit of the type says "may change". */
		if (type & 0x20)
			memset(opt + off + 2, 0, olen);
		off += 2 + olen;
	}
	return 0;
}

static int zero_mutable6(u8 *nh, unsigned int hlen)
{
	struct ipv6hdr *ip6h = (struct ipv6hdr *)nh;
	unsigned int off = sizeof(*ip6h);
	u8 nexthdr = ip6h->nexthdr;

	ip6h->priority = 0;
	memset(ip6h->flow_lbl, 0, sizeof(ip6h->flow_lbl));
	ip6h->hop_limit = 0;
	while (off < hlen) {
		struct ipv6_opt_hdr *oh = (struct ipv6_opt_hdr *)(nh + off);
		unsigned int len;

		if (off + sizeof(*oh) > hlen)
			return -EINVAL;
		len = ipv6_optlen(oh);
		if (off + len > hlen)
			return -EINVAL;
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_DEST:
			if (zero_mutable_tlvs(nh + off, len))
				return -EINVAL;
			break;
		default:
			/* A routing header's final destination: not supported. */
			return -EOPNOTSUPP;
		}
		nexthdr = oh->nexthdr;
		off += len;
	}
	return 0;
}

/*
 * What the hash needs beside the packet: the saved IP header (put back
 * afterwards), the ICV the packet carried (input), the digest, the request
 * and the scatterlist.
 */
struct ah_tmp {
	u8 *saved;
	u8 *icv;
	u8 *digest;
	__be32 *seqhi;
	struct ahash_request *req;
	struct scatterlist *sg;
};

static struct ah_tmp *ah_alloc_tmp(struct crypto_ahash *ahash, unsigned int hoff,
				   unsigned int icv, unsigned int nsg)
{
	unsigned int dlen = crypto_ahash_digestsize(ahash), len;
	struct ah_tmp *t;
	u8 *p;

	len = sizeof(*t) + hoff + icv + dlen + sizeof(__be32);
	len = ALIGN(len, __alignof__(struct ahash_request));
	len += sizeof(struct ahash_request) + crypto_ahash_reqsize(ahash);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;
	t = kmalloc(len, GFP_ATOMIC);
	if (!t)
		return NULL;
	t->saved = (u8 *)(t + 1);
	t->icv = t->saved + hoff;
	t->digest = t->icv + icv;
	t->seqhi = (__be32 *)(t->digest + dlen);
	p = PTR_ALIGN((u8 *)(t->seqhi + 1), __alignof__(struct ahash_request));
	t->req = (struct ahash_request *)p;
	p += sizeof(struct ahash_request) + crypto_ahash_reqsize(ahash);
	t->sg = (struct scatterlist *)PTR_ALIGN(p, __alignof__(struct scatterlist));
	return t;
}

/* After the hash: the IP header as it was, the result in place. */
static int ah_finish(struct sk_buff *skb, bool output)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct ah_tmp *t = cb->tmp;
	struct ip_auth_hdr *ah = (struct ip_auth_hdr *)(skb_network_header(skb) + cb->hoff);
	unsigned int icv = cb->sa->xf.icv_len;
	int err = 0;

	memcpy(skb_network_header(skb), t->saved, cb->hoff);
	if (output)
		memcpy(ah->auth_data, t->digest, icv);
	else if (crypto_memneq(t->digest, t->icv, icv))
		err = -EBADMSG;
	else
		memcpy(ah->auth_data, t->icv, icv);
	kfree(t);
	cb->tmp = NULL;
	return err;
}

static void ah_output_complete(struct crypto_async_request *base, int err)
{
	struct sk_buff *skb = base->data;
	int ferr;

	if (err == -EINPROGRESS)	/* left the backlog; still queued */
		return;
	ferr = ah_finish(skb, true);

	kipsec_output_done(skb, err ?: ferr);
}

static void ah_input_complete(struct crypto_async_request *base, int err)
{
	struct sk_buff *skb = base->data;
	int ferr;

	if (err == -EINPROGRESS)	/* left the backlog; still queued */
		return;
	ferr = ah_finish(skb, false);

	kipsec_input_done(skb, err ?: ferr);
}

/*
 * The hash request over the packet from its network header, then the high
 * half of an extended sequence number (RFC 4302 §2.5.1, §3.3.3.1).
 */
static int ah_digest(struct sk_buff *skb, struct ah_tmp *t, int nfrags, bool output)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	bool esn = sa->flags & KIPSEC_SA_F_ESN;
	int nsg;

	sg_init_table(t->sg, nfrags + 1);
	nsg = skb_to_sgvec_nomark(skb, t->sg, skb_network_offset(skb), skb->len -
				  skb_network_offset(skb));
	if (nsg < 0)
		return nsg;
	if (esn) {
		*t->seqhi = htonl(upper_32_bits(cb->seq));
		sg_set_buf(&t->sg[nsg++], t->seqhi, sizeof(*t->seqhi));
	}
	sg_mark_end(&t->sg[nsg - 1]);
	ahash_request_set_tfm(t->req, sa->xf.ahash);
	ahash_request_set_callback(t->req, kipsec_crypto_flags(output),
				   output ? ah_output_complete : ah_input_complete, skb);
	ahash_request_set_crypt(t->req, t->sg, t->digest,
				skb->len - skb_network_offset(skb) + (esn ? sizeof(*t->seqhi) : 0));
	return kipsec_crypto_result(crypto_ahash_digest(t->req), output);
}

/*
 * Hashes the packet from its network header, mutable fields zeroed and the
 * ICV field zero.  Returns -EINPROGRESS when the completion will be called,
 * else the result (the completion is not called then).
 */
static int ah_hash(struct sk_buff *skb, bool output)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct crypto_ahash *ahash = sa->xf.ahash;
	unsigned int icv = sa->xf.icv_len, hoff = cb->hoff;
	struct ip_auth_hdr *ah;
	struct sk_buff *trailer;
	struct ah_tmp *t;
	int nfrags, err;
	u8 *nh;

	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		return nfrags;
	t = ah_alloc_tmp(ahash, hoff, icv, nfrags + 1);
	if (!t)
		return -ENOMEM;
	cb->tmp = t;

	nh = skb_network_header(skb);
	ah = (struct ip_auth_hdr *)(nh + hoff);
	memcpy(t->saved, nh, hoff);
	if (!output)
		memcpy(t->icv, ah->auth_data, icv);
	/* The ICV is zero for the hash; padding after it counts as sent (§3.3.3.2.1). */
	memset(ah->auth_data, 0, icv);
	err = cb->family == AF_INET ? zero_mutable4(nh, hoff) : zero_mutable6(nh, hoff);
	if (err)
		goto fail;

	err = ah_digest(skb, t, nfrags, output);
	if (err == -EINPROGRESS)
		return err;
	if (err)
		goto fail;
	return ah_finish(skb, output);
fail:
	memcpy(nh, t->saved, hoff);
	kfree(t);
	cb->tmp = NULL;
	return err;
}

static int ah_output(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	unsigned int hlen = ah_hlen(sa, cb->family);
	struct ip_auth_hdr *ah = (struct ip_auth_hdr *)(skb_network_header(skb) + cb->hoff);

	ah->nexthdr = cb->nexthdr;
	/* In 32-bit words, minus 2 (RFC 4302 §2.2). */
	ah->hdrlen = hlen / 4 - 2;
	ah->reserved = 0;
	memset(ah->auth_data + sa->xf.icv_len, 0, hlen - AH_FIXED_LEN - sa->xf.icv_len);
	ah->spi = htonl(sa->id.spi);
	ah->seq_no = htonl(lower_32_bits(cb->seq));
	/* The lengths are authenticated: final before the hash. */
	if (cb->family == AF_INET)
		ip_hdr(skb)->tot_len = htons(skb->len - skb_network_offset(skb));
	else
		ipv6_hdr(skb)->payload_len = htons(skb->len - skb_network_offset(skb) -
						   sizeof(struct ipv6hdr));
	return ah_hash(skb, true);
}

static int ah_input(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int off = skb_network_offset(skb) + cb->hoff;
	struct ip_auth_hdr *ah;
	unsigned int len;

	/* The input hook pulled the fixed part. */
	ah = (struct ip_auth_hdr *)(skb_network_header(skb) + cb->hoff);
	len = (ah->hdrlen + 2) * 4;
	/*
	 * The length is this SA's ICV aligned for the family (§2.2); IPv4 is
	 * also accepted aligned to 64 bits, as Linux's XFRM sends it unless
	 * told "align4".
	 */
	if ((len != ah_hlen(cb->sa, cb->family) &&
	     (cb->family != AF_INET || len != ALIGN(AH_FIXED_LEN + cb->sa->xf.icv_len, 8))) ||
	    !pskb_may_pull(skb, off + len))
		return -EMSGSIZE;
	ah = (struct ip_auth_hdr *)(skb_network_header(skb) + cb->hoff);
	cb->hlen = len;
	cb->nexthdr = ah->nexthdr;
	return ah_hash(skb, false);
}

/* The hash verified and the header saved its next header: nothing is left. */
static int ah_input_finish(struct sk_buff *skb)
{
	return 0;
}

const struct kipsec_proto_ops kipsec_ah_ops = {
	.proto = IPPROTO_AH,
	.spi_off = offsetof(struct ip_auth_hdr, spi),
	.init_xform = ah_init_xform,
	.hlen = ah_hlen,
	.max_payload = ah_max_payload,
	.output = ah_output,
	.input = ah_input,
	.input_finish = ah_input_finish,
};
