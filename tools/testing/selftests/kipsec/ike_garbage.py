#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
ike_garbage.py HOST PORT COUNT: send COUNT hostile datagrams to an IKE
daemon: random bytes of random length, empty datagrams, truncated and
corrupted ISAKMP headers, headers whose length lies, a well-formed Main
Mode message 1 with every single byte in turn set to a random value or cut
short, quick mode and informational messages for unknown SAs, and a few
near-64 KiB datagrams.  Paced so that the receive buffer does not simply
drop them.  Prints what it sent on its last line.
"""
import random
import socket
import struct
import sys
import time


def isakmp(icky, rcky, np, exch, flags, msgid, body, length=None):
    total = 28 + len(body) if length is None else length
    return icky + rcky + struct.pack('!BBBBII', np, 0x10, exch, flags, msgid, total) + body


def mm1():
    attrs = struct.pack('!HHHHHHHHHHHHHHHH', 0x8001, 7, 0x800e, 128, 0x8002, 4, 0x8003, 1,
                        0x8004, 14, 0x800b, 1, 0x800c, 3600, 0x8004, 14)[:28]
    trans = struct.pack('!BBHBBH', 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + len(trans), 1, 1, 0, 1) + trans
    sa = struct.pack('!II', 1, 1) + prop
    body = struct.pack('!BBH', 0, 0, 4 + len(sa)) + sa
    return isakmp(random.randbytes(8), bytes(8), 1, 2, 0, 0, body)


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    fam = socket.AF_INET6 if ':' in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
    random.seed(4)
    base = mm1()
    kinds = {}
    for i in range(count):
        k = i % 10
        if k == 0:
            d = random.randbytes(random.randrange(0, 2000))
        elif k == 1:
            d = b'' if i % 20 == 1 else random.randbytes(random.randrange(1, 28))
        elif k == 2:    # header with a lying length
            d = isakmp(random.randbytes(8), random.randbytes(8), random.randrange(256), 2, 0, 0,
                       random.randbytes(random.randrange(0, 100)), random.randrange(1 << 32))
        elif k == 3:    # a good message 1 with one byte changed
            d = bytearray(base)
            j = random.randrange(len(d))
            d[j] = random.randrange(256)
            d = bytes(d)
        elif k == 4:    # a good message 1 cut short (length kept)
            d = base[:random.randrange(len(base))]
        elif k == 5:    # message 1 with a payload length of 0, 3 or huge
            d = bytearray(base)
            struct.pack_into('!H', d, 30, random.choice([0, 3, 0xffff, 5]))
            d = bytes(d)
        elif k == 6:    # quick mode / informational for unknown SAs, "encrypted"
            d = isakmp(random.randbytes(8), random.randbytes(8), 8, random.choice([32, 5]), 1,
                       random.randrange(1 << 32), random.randbytes(16 * random.randrange(1, 8)))
        elif k == 7:    # other exchange types and versions
            d = bytearray(base)
            d[18] = random.choice([0, 1, 3, 4, 6, 33, 34, 255])
            d[17] = random.choice([0x10, 0x20, 0x11, 0x00])
            d = bytes(d)
        elif k == 8:    # deep nesting of payloads of 4 bytes
            n = random.randrange(1, 200)
            body = b''.join(struct.pack('!BBH', 13 if j < n - 1 else 0, 0, 4) for j in range(n))
            d = isakmp(random.randbytes(8), bytes(8), 13, 2, 0, 0, body)
        else:
            d = random.randbytes(60000) if i % 100 == 9 else base[:28] + random.randbytes(
                random.randrange(0, 500))
        try:
            s.sendto(d, (host, port))
        except OSError as e:
            print('send:', e, file=sys.stderr)
            return 1
        kinds[k] = kinds.get(k, 0) + 1
        if i % 50 == 49:
            time.sleep(0.01)
    print('%d datagrams (%s)' % (count, ', '.join('%d:%d' % kv for kv in sorted(kinds.items()))))
    return 0


sys.exit(main())
