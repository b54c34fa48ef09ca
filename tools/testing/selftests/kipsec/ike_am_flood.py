#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
Aggressive Mode message 1 flood for ike_aggressive.sh.

ike_am_flood.py send LOCAL DST COUNT RATE ID: COUNT well-formed Aggressive
Mode message 1s (RFC 2409 §5.4: SA with one AES-128/SHA2-256/PSK/MODP2048
transform, a KE of random bytes, a nonce, IDii the FQDN ID), each with a
fresh random initiator cookie, from LOCAL:501 to DST:500 at RATE a second
on an absolute schedule.  Every one asks the responder for a
Diffie-Hellman.  Prints "sent COUNT in SECONDS s".

ike_am_flood.py answers PCAP RESPONDER: the responder's Aggressive Mode
datagrams to port 501 in a capture (Ethernet, IPv4): "answered N"
(distinct initiator cookies: message 2s, each a Diffie-Hellman),
"datagrams N" (with retransmissions), "most N" (the most for one cookie).
"""
import os
import socket
import struct
import sys
import time

FLOOD_PORT = 501


def am1(icky, ident):
    attrs = struct.pack('!14H', 0x8001, 7, 0x800e, 128, 0x8002, 4, 0x8003, 1,
                        0x8004, 14, 0x800b, 1, 0x800c, 3600)
    trans = struct.pack('!BBHBBH', 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + len(trans), 1, 1, 0, 1) + trans
    sa = struct.pack('!II', 1, 1) + prop
    ke = os.urandom(256)
    nonce = os.urandom(32)
    idb = struct.pack('!BBH', 2, 0, 0) + ident
    # SA -> KE (4) -> nonce (10) -> ID (5): each generic header names the next.
    body = struct.pack('!BBH', 4, 0, 4 + len(sa)) + sa
    body += struct.pack('!BBH', 10, 0, 4 + len(ke)) + ke
    body += struct.pack('!BBH', 5, 0, 4 + len(nonce)) + nonce
    body += struct.pack('!BBH', 0, 0, 4 + len(idb)) + idb
    return icky + bytes(8) + struct.pack('!BBBBII', 1, 0x10, 4, 0, 0, 28 + len(body)) + body


def send(local, dst, count, rate, ident):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((local, FLOOD_PORT))
    flood = [am1(os.urandom(8), ident.encode()) for _ in range(count)]
    start = time.monotonic()
    for i, d in enumerate(flood):
        s.sendto(d, (dst, 500))
        late = start + (i + 1) / rate - time.monotonic()
        if late > 0:
            time.sleep(late)
    print('sent %d in %.1f s' % (count, time.monotonic() - start))
    return 0


def answers(path, responder):
    with open(path, 'rb') as f:
        data = f.read()
    per_cookie = {}
    off = 24
    while off + 16 <= len(data):
        _, _, caplen, _ = struct.unpack_from('=IIII', data, off)
        frame = data[off + 16:off + 16 + caplen]
        off += 16 + caplen
        if len(frame) < 14 + 20 + 8 + 28 or frame[12:14] != b'\x08\x00' or frame[23] != 17:
            continue
        udp = frame[14 + (frame[14] & 15) * 4:]
        ike = udp[8:]
        if (socket.inet_ntoa(frame[26:30]) != responder or
                struct.unpack_from('!HH', udp) != (500, FLOOD_PORT) or len(ike) < 28 or
                ike[18] != 4):
            continue
        per_cookie[ike[:8]] = per_cookie.get(ike[:8], 0) + 1
    print('answered', len(per_cookie))
    print('datagrams', sum(per_cookie.values()))
    print('most', max(per_cookie.values(), default=0))
    return 0


def main():
    a = sys.argv
    if a[1] == 'send':
        return send(a[2], a[3], int(a[4]), float(a[5]), a[6])
    return answers(a[2], a[3])


sys.exit(main())
