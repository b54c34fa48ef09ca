// SPDX-License-Identifier: GPL-2.0
/*
 * kipsec: the ESP transform (RFC 4303), through the crypto API's AEAD
 * interface.
 *
 *   | SPI | Seq | IV | payload | padding | pad len | next hdr | ICV |
 *                     <------------ encrypted ---------------->
 *    <------------------------ authenticated ----------------->
 *
 * The associated data is SPI and sequence number; with extended sequence
 * numbers the high half sits between them, where authencesn and the
 * RFC 4106/7634 AEADs expect it (RFC 4303 §2.2.1, RFC 4106 §5).  It lives
 * in a small buffer of its own that heads the scatterlist, so the packet
 * itself never has to make room for bytes that are not sent.  The IV
 * generators of the crypto API (seqiv, echainiv) derive the IV from the
 * 64-bit sequence number, so an IV never repeats under a key.
 *
 * The mode code (output.c, input.c) has placed the ESP header at
 * KIPSEC_CB(skb)->hoff from the network header before these run.
 */
#include <crypto/aead.h>
#include <crypto/authenc.h>
#include <linux/ip.h>
#include <linux/rtnetlink.h>
#include <linux/scatterlist.h>
#include <linux/skbuff.h>
#include <net/esp.h>

#include "kipsec.h"

#define ESP_HDR_LEN	8	/* SPI + sequence number */
#define ESP_TRAILER_MIN	2	/* pad length + next header */

static unsigned int esp_block(const struct kipsec_sa *sa)
{
	/* The trailer ends on a 4-byte boundary whatever the cipher (§2.4). */
	return ALIGN(crypto_aead_blocksize(sa->xf.aead), 4);
}

static unsigned int esp_hlen(const struct kipsec_sa *sa, u8 family)
{
	return ESP_HDR_LEN + crypto_aead_ivsize(sa->xf.aead);
}

/* The longest payload that fits in room bytes of ESP header, payload and trailer. */
static unsigned int esp_max_payload(const struct kipsec_sa *sa, unsigned int room, u8 family)
{
	unsigned int fixed = esp_hlen(sa, family) + sa->xf.icv_len;

	if (room < fixed + esp_block(sa))
		return 0;
	return round_down(room - fixed, esp_block(sa)) - ESP_TRAILER_MIN;
}

/* The authenc key blob: an rtattr with the cipher key length, then both keys. */
static int set_authenc_key(struct kipsec_xform *xf)
{
	struct crypto_authenc_key_param *param;
	unsigned int len = RTA_SPACE(sizeof(*param)) + xf->auth_key_len + xf->enc_key_len;
	struct rtattr *rta;
	u8 *blob, *p;
	int err;

	blob = kmalloc(len, GFP_KERNEL);
	if (!blob)
		return -ENOMEM;
	rta = (struct rtattr *)blob;
	rta->rta_type = CRYPTO_AUTHENC_KEYA_PARAM;
	rta->rta_len = RTA_LENGTH(sizeof(*param));
	param = RTA_DATA(rta);
	param->enckeylen = cpu_to_be32(xf->enc_key_len);
	p = blob + RTA_SPACE(sizeof(*param));
	memcpy(p, xf->auth_key, xf->auth_key_len);
	memcpy(p + xf->auth_key_len, xf->enc_key, xf->enc_key_len);
	err = crypto_aead_setkey(xf->aead, blob, len);
	kfree_sensitive(blob);
	return err;
}

static int esp_init_aead(struct kipsec_xform *xf, bool esn, const struct kipsec_alg_req *enc_req,
			 struct netlink_ext_ack *extack)
{
	char name[CRYPTO_MAX_ALG_NAME];
	const char *unavailable;
	int err;

	/*
	 * The IV generator templates derive each IV from the sequence
	 * number: seqiv for the counter-mode AEADs (RFC 4106 §3.1, RFC 7634
	 * §2), echainiv for CBC, whose IVs must be unpredictable (RFC 3602
	 * §2.4).  NULL encryption has no IV.
	 */
	if (xf->enc->kind == KIPSEC_ALG_KIND_AEAD) {
		err = snprintf(name, sizeof(name), "seqiv(%s)", xf->enc->crypto_name);
		unavailable = xf->enc->unavailable_msg;
	} else {
		err = snprintf(name, sizeof(name), "%s%s(%s,%s)%s",
			       xf->enc->iv_len ? "echainiv(" : "", esn ? "authencesn" : "authenc",
			       xf->auth->crypto_name, xf->enc->crypto_name,
			       xf->enc->iv_len ? ")" : "");
		unavailable = "the kernel crypto API cannot combine this encryption and authentication (authenc)";
	}
	if (err >= (int)sizeof(name))
		return -EINVAL;
	xf->aead = crypto_alloc_aead(name, 0, 0);
	if (IS_ERR(xf->aead)) {
		err = PTR_ERR(xf->aead);
		xf->aead = NULL;
		kipsec_alg_error(extack, enc_req->attr, unavailable);
		return err == -ENOENT ? -EINVAL : err;
	}
	err = crypto_aead_setauthsize(xf->aead, xf->icv_len);
	if (err) {
		NL_SET_ERR_MSG_ATTR(extack, enc_req->attr, "the crypto API refused the ICV length");
		return -EINVAL;
	}
	if (xf->enc->kind == KIPSEC_ALG_KIND_AEAD)
		err = crypto_aead_setkey(xf->aead, xf->enc_key, xf->enc_key_len);
	else
		err = set_authenc_key(xf);
	if (err) {
		/* 3DES refuses keys whose thirds repeat (weak keys). */
		NL_SET_ERR_MSG_ATTR(extack, enc_req->attr, "the crypto API refused the key");
		return err == -ENOMEM ? err : -EINVAL;
	}
	return 0;
}

/* ESP: an encryption algorithm ("null" for integrity only, RFC 4303 §3.2.2). */
static int esp_init_xform(struct kipsec_xform *xf, bool esn, const struct kipsec_alg_req *enc,
			  const struct kipsec_alg_req *auth, struct netlink_ext_ack *extack)
{
	int err;

	if (!enc) {
		NL_SET_ERR_MSG(extack,
			       "ESP needs an encryption algorithm (KIPSEC_SA_A_ENC; \"null\" for integrity only)");
		return -EINVAL;
	}
	err = kipsec_xform_set_algs(xf, enc, auth, extack);
	if (err)
		return err;
	return esp_init_aead(xf, esn, enc, extack);
}

/*
 * One allocation per packet: the IV buffer, the associated data, the
 * request and the scatterlist.  The IV buffer comes first, aligned as the
 * transform wants.
 */
static void *esp_alloc_tmp(struct crypto_aead *aead, unsigned int nsg, u8 **iv, u8 **ad,
			   struct aead_request **req, struct scatterlist **sg)
{
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int mask = crypto_aead_alignmask(aead);
	unsigned int len;
	u8 *tmp, *p;

	len = ivlen + mask + 16;
	len = ALIGN(len, __alignof__(struct aead_request));
	len += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	len = ALIGN(len, __alignof__(struct scatterlist));
	len += sizeof(struct scatterlist) * nsg;
	tmp = kmalloc(len, GFP_ATOMIC);
	if (!tmp)
		return NULL;
	p = PTR_ALIGN(tmp, mask + 1);
	*iv = p;
	*ad = p + ivlen;
	p = PTR_ALIGN(*ad + 12, __alignof__(struct aead_request));
	*req = (struct aead_request *)p;
	p += sizeof(struct aead_request) + crypto_aead_reqsize(aead);
	*sg = (struct scatterlist *)PTR_ALIGN(p, __alignof__(struct scatterlist));
	return tmp;
}

/* SPI, [high half,] low half of the sequence number: 8 or 12 bytes. */
static unsigned int esp_fill_ad(u8 *ad, const struct kipsec_sa *sa, u64 seq)
{
	__be32 *w = (__be32 *)ad;

	w[0] = htonl(sa->id.spi);
	if (sa->flags & KIPSEC_SA_F_ESN) {
		w[1] = htonl(upper_32_bits(seq));
		w[2] = htonl(lower_32_bits(seq));
		return 12;
	}
	w[1] = htonl(lower_32_bits(seq));
	return 8;
}

static void esp_output_complete(struct crypto_async_request *base, int err)
{
	struct sk_buff *skb = base->data;

	if (err == -EINPROGRESS)	/* left the backlog; still queued */
		return;
	kfree(KIPSEC_CB(skb)->tmp);
	kipsec_output_done(skb, err);
}

static void esp_input_complete(struct crypto_async_request *base, int err)
{
	struct sk_buff *skb = base->data;

	if (err == -EINPROGRESS)	/* left the backlog; still queued */
		return;
	kfree(KIPSEC_CB(skb)->tmp);
	kipsec_input_done(skb, err);
}

/*
 * Runs the AEAD over the packet from the IV on: len bytes of it in the
 * scatterlist, cryptlen of them the request's text (the ICV is in it when
 * decrypting, not when encrypting).  Returns -EINPROGRESS when the
 * completion will be called, else the result (no completion then).
 */
static int esp_crypt(struct sk_buff *skb, int nfrags, unsigned int len, unsigned int cryptlen,
		     bool encrypt)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct crypto_aead *aead = sa->xf.aead;
	unsigned int ivlen = crypto_aead_ivsize(aead), n = min_t(unsigned int, ivlen, 8);
	unsigned int eoff = skb_network_offset(skb) + cb->hoff;
	struct aead_request *req;
	struct scatterlist *sg;
	__be64 seqbe;
	u8 *iv, *ad;
	int nsg, err;

	cb->tmp = esp_alloc_tmp(aead, nfrags + 1, &iv, &ad, &req, &sg);
	if (!cb->tmp)
		return -ENOMEM;
	sg_init_table(sg, nfrags + 1);
	sg_set_buf(&sg[0], ad, esp_fill_ad(ad, sa, cb->seq));
	nsg = skb_to_sgvec(skb, &sg[1], eoff + ESP_HDR_LEN, len);
	if (nsg < 0) {
		err = nsg;
		goto out;
	}
	/* The IV generator's input: the sequence number, big-endian, last. */
	memset(iv, 0, ivlen);
	seqbe = cpu_to_be64(cb->seq);
	memcpy(iv + ivlen - n, (u8 *)&seqbe + 8 - n, n);

	aead_request_set_tfm(req, aead);
	aead_request_set_callback(req, kipsec_crypto_flags(encrypt),
				  encrypt ? esp_output_complete : esp_input_complete, skb);
	aead_request_set_crypt(req, sg, sg, cryptlen, iv);
	aead_request_set_ad(req, sg[0].length);
	err = kipsec_crypto_result(encrypt ? crypto_aead_encrypt(req) : crypto_aead_decrypt(req),
				   encrypt);
	if (err == -EINPROGRESS)
		return err;
out:
	kfree(cb->tmp);
	cb->tmp = NULL;
	return err;
}

static int esp_output(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	unsigned int ivlen = crypto_aead_ivsize(sa->xf.aead);
	unsigned int icv = sa->xf.icv_len, block = esp_block(sa);
	unsigned int eoff, plen, clen, padlen, tailen, i;
	struct sk_buff *trailer;
	struct ip_esp_hdr *esph;
	int nfrags;
	u8 *tail;

	eoff = skb_network_offset(skb) + cb->hoff;
	plen = skb->len - eoff - ESP_HDR_LEN - ivlen;
	clen = ALIGN(plen + ESP_TRAILER_MIN, block);
	padlen = clen - plen - ESP_TRAILER_MIN;
	tailen = padlen + ESP_TRAILER_MIN + icv;

	nfrags = skb_cow_data(skb, tailen, &trailer);
	if (nfrags < 0)
		return nfrags;
	tail = pskb_put(skb, trailer, tailen);
	/* Default padding: 1, 2, 3, ... (RFC 4303 §2.4). */
	for (i = 0; i < padlen; i++)
		tail[i] = i + 1;
	tail[padlen] = padlen;
	tail[padlen + 1] = cb->nexthdr;

	esph = (struct ip_esp_hdr *)(skb->data + eoff);
	esph->spi = htonl(sa->id.spi);
	esph->seq_no = htonl(lower_32_bits(cb->seq));
	return esp_crypt(skb, nfrags, ivlen + clen + icv, ivlen + clen, true);
}

static int esp_input(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	struct kipsec_sa *sa = cb->sa;
	struct crypto_aead *aead = sa->xf.aead;
	unsigned int ivlen = crypto_aead_ivsize(aead);
	unsigned int icv = sa->xf.icv_len, block = esp_block(sa);
	unsigned int eoff = skb_network_offset(skb) + cb->hoff;
	struct sk_buff *trailer;
	int elen, nfrags;

	cb->hlen = ESP_HDR_LEN + ivlen;
	/* Ciphertext and ICV: at least one block, whole blocks (§2.4, §3.4.2). */
	elen = skb->len - eoff - ESP_HDR_LEN - ivlen;
	if (elen < (int)(icv + block) || (elen - icv) % crypto_aead_blocksize(aead))
		return -EMSGSIZE;

	nfrags = skb_cow_data(skb, 0, &trailer);
	if (nfrags < 0)
		return nfrags;
	return esp_crypt(skb, nfrags, ivlen + elen, ivlen + elen, false);
}

/* The trailer, once authenticated: default padding, then stripped (RFC 4303 §2.4). */
static int esp_input_finish(struct sk_buff *skb)
{
	struct kipsec_skb_cb *cb = KIPSEC_CB(skb);
	unsigned int icv = cb->sa->xf.icv_len;
	unsigned int eoff = skb_network_offset(skb) + cb->hoff;
	unsigned int clen = skb->len - eoff - cb->hlen - icv;
	u8 trailer[ESP_TRAILER_MIN], pad[255];
	unsigned int padlen, i;

	if (skb_copy_bits(skb, skb->len - icv - ESP_TRAILER_MIN, trailer, sizeof(trailer)))
		return -EINVAL;
	padlen = trailer[0];
	if (padlen + ESP_TRAILER_MIN > clen)
		return -EINVAL;
	/* The padding must be the default 1, 2, 3, ... (RFC 4303 §2.4). */
	if (skb_copy_bits(skb, skb->len - icv - ESP_TRAILER_MIN - padlen, pad, padlen))
		return -EINVAL;
	for (i = 0; i < padlen; i++)
		if (pad[i] != i + 1)
			return -EINVAL;
	cb->nexthdr = trailer[1];
	return pskb_trim(skb, skb->len - icv - ESP_TRAILER_MIN - padlen);
}

const struct kipsec_proto_ops kipsec_esp_ops = {
	.proto = IPPROTO_ESP,
	.spi_off = offsetof(struct ip_esp_hdr, spi),
	.init_xform = esp_init_xform,
	.hlen = esp_hlen,
	.max_payload = esp_max_payload,
	.output = esp_output,
	.input = esp_input,
	.input_finish = esp_input_finish,
};
