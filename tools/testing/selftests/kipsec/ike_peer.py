#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
ike_peer.py: a scripted IKEv1 peer for ike_retransmit.sh, bound to UDP 500
of LOCAL.  Prints one "key value" line per fact it observed; the shell test
judges them.

  ike_peer.py listen LOCAL SECONDS
      Answers nothing; reports every datagram received in the SECONDS after
      the first (which it waits a minute for: on a loaded machine the
      sender may start late): how many, whether all were byte-identical,
      and the gaps between them (seconds).

  ike_peer.py repeat LOCAL PEER
      Sends a Main Mode message 1 (RFC 2409 §5: AES-128, SHA2-256, PSK,
      MODP2048, 3600 s) and reads the reply; sends the same message again
      and reads again (RFC 2408 §2.4 leaves retransmission to the
      implementation: a responder answers a repeated request with the same
      reply); then an out-of-order message 5 (encrypted, wrong state) for
      the same cookies, which must get no answer (the stored message 2 resent
      on the responder's timer is not one); then message 1 once more,
      which must still get the stored reply.
"""
import os
import socket
import struct
import sys
import time


def mm1(icky):
    attrs = struct.pack('!14H', 0x8001, 7, 0x800e, 128, 0x8002, 4, 0x8003, 1,
                        0x8004, 14, 0x800b, 1, 0x800c, 3600)
    trans = struct.pack('!BBHBBH', 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + len(trans), 1, 1, 0, 1) + trans
    sa = struct.pack('!II', 1, 1) + prop
    body = struct.pack('!BBH', 0, 0, 4 + len(sa)) + sa
    return icky + bytes(8) + struct.pack('!BBBBII', 1, 0x10, 2, 0, 0, 28 + len(body)) + body


def sock(local):
    s = socket.socket(socket.AF_INET6 if ':' in local else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((local, 500))
    return s


def recv(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(65535)
    except socket.timeout:
        return None


def listen(local, secs):
    s = sock(local)
    got, end = [], time.monotonic() + 60
    while (left := end - time.monotonic()) > 0:
        d = recv(s, left)
        if d is not None:
            if not got:
                end = time.monotonic() + secs
            got.append((time.monotonic(), d))
    print('count', len(got))
    print('identical', int(len({d for _, d in got}) <= 1))
    print('gaps', ' '.join('%.2f' % (b[0] - a[0]) for a, b in zip(got, got[1:])))


def repeat(local, peer):
    s = sock(local)
    icky = os.urandom(8)
    m1 = mm1(icky)
    s.sendto(m1, (peer, 500))
    r1 = recv(s, 5)
    print('reply', int(r1 is not None and r1[:8] == icky and r1[8:16] != bytes(8)))
    s.sendto(m1, (peer, 500))
    r2 = recv(s, 5)
    print('same_reply', int(r1 is not None and r2 == r1))
    if r1 is None:
        return
    # Message 5 where message 3 is due: encrypted flag, random body.
    body = os.urandom(64)
    m5 = r1[:16] + struct.pack('!BBBBII', 5, 0x10, 2, 1, 0, 28 + len(body)) + body
    s.sendto(m5, (peer, 500))
    # The responder may resend its message 2 on its own timer meanwhile:
    # that is not an answer; anything else would be.
    answers, end = [], time.monotonic() + 2
    while (left := end - time.monotonic()) > 0:
        d = recv(s, left)
        if d is not None and d != r1:
            answers.append(d)
    print('out_of_order_answered', len(answers))
    s.sendto(m1, (peer, 500))
    print('still_same_reply', int(recv(s, 5) == r1))


if __name__ == '__main__':
    if sys.argv[1] == 'listen':
        listen(sys.argv[2], float(sys.argv[3]))
    else:
        repeat(sys.argv[2], sys.argv[3])
