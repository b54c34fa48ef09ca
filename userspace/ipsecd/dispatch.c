// SPDX-License-Identifier: GPL-2.0
/*
 * One datagram from UDP 500, checked before the exchange code sees it: at
 * least an ISAKMP header, a header that parses, a known exchange type.
 * Apart from the sockets (net.c) so that a test harness can feed the
 * exchange layer datagrams of its own.
 */
#include <string.h>

#include "ipsecd.h"

const char *addr_text(const struct kipsec_addr *a, char *buf, size_t len)
{
	return kipsec_addr_ntop(a, buf, len);
}

void ike_dispatch(const uint8_t *pkt, size_t len, const struct kipsec_addr *local,
		  const struct kipsec_addr *peer, uint16_t port, bool natt)
{
	char ps[KIPSEC_ADDR_STRLEN];
	struct isakmp_hdr h;

	stats.rx_packets++;
	addr_text(peer, ps, sizeof(ps));
	if (isakmp_parse_hdr(pkt, len, &h)) {
		stats.rx_malformed++;
		log_drop(ps, isakmp_error);
		return;
	}
	switch (h.exchange) {
	case ISAKMP_XCHG_IDPROT:
		p1_input(&h, pkt, len, local, peer, port, natt);
		break;
	case ISAKMP_XCHG_AGGR:
		am_input(&h, pkt, len, local, peer, port, natt);
		break;
	case ISAKMP_XCHG_QUICK: {
		struct p1sa *p1 = p1_by_cookies(h.icookie, h.rcookie);

		if (!p1 || p1->state != P1_ESTABLISHED || !kipsec_addr_eq(&p1->peer, peer)) {
			stats.rx_dropped++;
			log_drop(ps, "quick mode message for an unknown ISAKMP SA");
			return;
		}
		p2_input(p1, &h, pkt, len, port, natt);
		break;
	}
	case ISAKMP_XCHG_INFO:
		info_input(&h, pkt, len, local, peer, port, natt);
		break;
	default:
		stats.rx_dropped++;
		log_drop(ps, "unsupported exchange type (only main, aggressive, quick and informational)");
	}
}
