#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
ike_flood.py send DST COUNT RATE SPOOF-PREFIX FIRST LAST GENUINE SHARE: a
half-open flood for ike_flood.sh.  Sends COUNT well-formed Main Mode
message 1s (RFC 2409 §5: AES-128, SHA2-256, PSK, MODP2048), each with a
fresh random initiator cookie, from UDP port 500 to DST:500, at RATE a
second on an absolute schedule.  The IPv4 source is forged through a raw
socket (IP_HDRINCL): SPOOF-PREFIX.FIRST to SPOOF-PREFIX.LAST, chosen at
random, and one datagram in SHARE from GENUINE, the real peer's own
address.  Writes one line per forged source "src ADDR COUNT" and ends with
"sent COUNT in SECONDS s (RATE/s), from GENUINE: N".

ike_flood.py replies PCAP RESPONDER GENUINE: what a capture (Ethernet,
IPv4) shows of the responder's Main Mode answers to everyone but GENUINE:
"requests N" (message 1s to RESPONDER:500), "replies N" (datagrams from
RESPONDER:500 with both cookies set), "repeated N" (replies beyond the
first for one address and initiator cookie: retransmissions), "late S"
(seconds from the last request to the last reply).
"""
import os
import random
import socket
import struct
import sys
import time

# The same Main Mode message 1 as ike_peer.py sends (it sits beside us).
from ike_peer import mm1


def datagram(src, dst, payload):
    # The kernel fills in the IP checksum and ID (raw(7)); UDP checksum 0
    # is "none" over IPv4 (RFC 768).
    udp = struct.pack('!HHHH', 500, 500, 8 + len(payload), 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(udp), 0, 0x4000, 64, 17, 0,
                     socket.inet_aton(src), socket.inet_aton(dst))
    return ip + udp


def send(dst, count, rate, prefix, first, last, genuine, share):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    per_src, flood = {}, []
    # Built first: under TCG, building them on the way would cost the rate.
    for i in range(count):
        src = genuine if i % share == share - 1 else '%s.%d' % (prefix, random.randint(first, last))
        per_src[src] = per_src.get(src, 0) + 1
        flood.append(datagram(src, dst, mm1(os.urandom(8))))
    start = time.monotonic()
    for i, d in enumerate(flood):
        s.sendto(d, (dst, 0))
        late = start + (i + 1) / rate - time.monotonic()
        if late > 0:
            time.sleep(late)
    secs = time.monotonic() - start
    for src, n in sorted(per_src.items()):
        print('src', src, n)
    print('sent %d in %.1f s (%.0f/s), from %s: %d' % (count, secs, count / secs, genuine,
                                                       per_src.get(genuine, 0)))
    return 0


def udp500(path):
    """(time, src, dst, isakmp) of every IPv4 UDP datagram between ports 500."""
    with open(path, 'rb') as f:
        data = f.read()
    off = 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack_from('=IIII', data, off)
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(frame) < 14 + 20 + 8 + 28 or frame[12:14] != b'\x08\x00' or frame[23] != 17:
            continue
        ihl = (frame[14] & 15) * 4
        udp = frame[14 + ihl:]
        if struct.unpack_from('!HH', udp) != (500, 500):
            continue
        yield (sec + usec / 1e6, socket.inet_ntoa(frame[26:30]), socket.inet_ntoa(frame[30:34]),
               udp[8:])


def replies(path, responder, genuine):
    requests = answered = repeated = 0
    seen = set()
    last_req = last_rep = 0.0
    for t, src, dst, ike in udp500(path):
        if len(ike) < 28 or ike[18] != 2:
            continue
        if dst == responder and src != genuine and ike[8:16] == bytes(8):
            requests += 1
            last_req = t
        elif src == responder and dst != genuine and ike[8:16] != bytes(8):
            answered += 1
            last_rep = t
            key = (dst, ike[:8])
            repeated += key in seen
            seen.add(key)
    print('requests', requests)
    print('replies', answered)
    print('repeated', repeated)
    print('late %.1f' % max(0.0, last_rep - last_req))
    return 0


def main():
    a = sys.argv
    if a[1] == 'send':
        return send(a[2], int(a[3]), float(a[4]), a[5], int(a[6]), int(a[7]), a[8], int(a[9]))
    return replies(a[2], a[3], a[4])


sys.exit(main())
