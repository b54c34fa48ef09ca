#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
ike_hostile.py: hostile exchanges against an ipsecd responder, from the
address of a peer it has an ike rule for (no pre-shared key needed for any
of it).  Prints one "key value" line per fact; ike_hostile.sh judges them.

  ike_hostile.py mm LOCAL PEER [WAIT]
      For each shape of a bad message 5, all at once (up to WAIT seconds,
      default 60, for each of messages 2 and 4): a genuine Main Mode 1-4 (RFC 2409
      §5: AES-128, SHA2-256, PSK, MODP2048; a real g^x and nonce), so that
      the responder waits for message 5 with keys, then that message 5:
      33 bytes (a 5-byte body: not a whole number of AES blocks), 45 bytes,
      a bare header, 64 bytes of garbage ciphertext, and message 5 in
      clear.  Then message 3 with a KE of the wrong length, and with a
      payload length that runs past the datagram.  Prints per round
      "NAME mm2 0|1 mm4 0|1" (whether the responder got that far).

  ike_hostile.py qm LOCAL PEER ICKY:RCKY
      Quick mode and informational messages under the established ISAKMP
      SA of those cookies (hexadecimal, as ipsecctl -s ike prints them),
      forged from the peer's address: in clear (no encryption flag), with
      odd-length or empty encrypted bodies, and garbage of whole blocks.
      Prints "sent N".
"""
import os
import socket
import struct
import sys
import time

# RFC 3526 §3, group 14.
MODP2048 = int(
    'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74'
    '020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437'
    '4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED'
    'EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05'
    '98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB'
    '9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B'
    'E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718'
    '3995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF', 16)

ENC = 1


def hdr(icky, rcky, np, exch, flags, msgid, body_len):
    return icky + rcky + struct.pack('!BBBBII', np, 0x10, exch, flags, msgid, 28 + body_len)


def payload(np, body):
    return struct.pack('!BBH', np, 0, 4 + len(body)) + body


def sa_body():
    attrs = struct.pack('!14H', 0x8001, 7, 0x800e, 128, 0x8002, 4, 0x8003, 1,
                        0x8004, 14, 0x800b, 1, 0x800c, 3600)
    trans = struct.pack('!BBHBBH', 0, 0, 8 + len(attrs), 1, 1, 0) + attrs
    prop = struct.pack('!BBHBBBB', 0, 0, 8 + len(trans), 1, 1, 0, 1) + trans
    return struct.pack('!II', 1, 1) + prop


def recv(s, timeout):
    s.settimeout(timeout)
    try:
        return s.recv(65535)
    except socket.timeout:
        return None


def answer(s, icky, np, deadline):
    """The responder's next message for icky with first payload np, skipping
    its retransmissions of earlier ones (RFC 2408 §2.4)."""
    while (left := deadline - time.monotonic()) > 0:
        r = recv(s, left)
        if r is not None and len(r) > 28 and r[:8] == icky and r[16] == np:
            return r
    return None


def ke_nonce(ke_len, lie):
    x = int.from_bytes(os.urandom(40), 'big')
    ke = pow(2, x, MODP2048).to_bytes(256, 'big')[:ke_len]
    body = payload(10, ke) + payload(0, os.urandom(32))
    if lie:
        # The nonce payload says 200 bytes; 36 follow.
        body = body[:-36] + struct.pack('!BBH', 0, 0, 200) + body[-32:]
    return body


class Round:
    """One Main Mode from message 1 to the hostile message (its own socket
    and cookies); every round runs at once, so a slow responder (valgrind
    under emulation) is waited for once, not once per round."""

    def __init__(self, name, local, flags=0, body=b'', ke_len=256, lie=False):
        self.name, self.flags, self.body, self.ke_len, self.lie = name, flags, body, ke_len, lie
        self.s = socket.socket(socket.AF_INET6 if ':' in local else socket.AF_INET,
                               socket.SOCK_DGRAM)
        self.s.bind((local, 0))
        self.icky, self.rcky, self.got2, self.got4 = os.urandom(8), bytes(8), 0, 0

    def send1(self, peer):
        body = payload(0, sa_body())
        self.s.sendto(hdr(self.icky, bytes(8), 1, 2, 0, 0, len(body)) + body, (peer, 500))

    def send3(self, peer, deadline):
        r = answer(self.s, self.icky, 1, deadline)
        if r is None:
            return
        self.got2, self.rcky = 1, r[8:16]
        body = ke_nonce(self.ke_len, self.lie)
        self.s.sendto(hdr(self.icky, self.rcky, 4, 2, 0, 0, len(body)) + body, (peer, 500))

    def send5(self, peer, deadline):
        if not self.got2:
            return
        r = answer(self.s, self.icky, 4, deadline)
        self.got4 = int(r is not None and r[8:16] == self.rcky)
        if self.got4:
            self.s.sendto(hdr(self.icky, self.rcky, 5, 2, self.flags, 0, len(self.body)) +
                          self.body, (peer, 500))


def mm(local, peer, wait):
    # HDR*, IDii, HASH_I: np = ID (5).
    rounds = [
        Round('mm5-33-bytes', local, ENC, os.urandom(5)),
        Round('mm5-45-bytes', local, ENC, os.urandom(17)),
        Round('mm5-header-only', local, ENC, b''),
        Round('mm5-garbage-blocks', local, ENC, os.urandom(64)),
        Round('mm5-in-clear', local, 0, payload(8, b'\x01\x00\x00\x00' + os.urandom(4)) +
              payload(0, os.urandom(32))),
        Round('mm3-short-ke', local, ke_len=255),
        Round('mm3-lying-length', local, lie=True),
    ]
    for r in rounds:
        r.send1(peer)
    deadline = time.monotonic() + wait
    for r in rounds:
        r.send3(peer, deadline)
    deadline = time.monotonic() + wait
    for r in rounds:
        # No message 4 is due for the bad messages 3: do not wait long for it.
        r.send5(peer, deadline if r.ke_len == 256 and not r.lie else time.monotonic() + 3)
    time.sleep(1)
    for r in rounds:
        print(r.name, 'mm2', r.got2, 'mm4', r.got4)


def qm(local, peer, cookies):
    icky, rcky = (bytes.fromhex(c) for c in cookies.split(':'))
    s = socket.socket(socket.AF_INET6 if ':' in local else socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((local, 0))
    sent = 0
    for exch in (32, 5):
        for flags, body in ((0, payload(1, os.urandom(40))),  # HASH, SA ... in clear
                            (ENC, os.urandom(5)), (ENC, os.urandom(33)), (ENC, b''),
                            (ENC, os.urandom(48))):
            msgid = struct.unpack('!I', os.urandom(4))[0] | 1
            s.sendto(hdr(icky, rcky, 8, exch, flags, msgid, len(body)) + body, (peer, 500))
            sent += 1
    print('sent', sent)


if __name__ == '__main__':
    if sys.argv[1] == 'mm':
        mm(sys.argv[2], sys.argv[3], float(sys.argv[4]) if len(sys.argv) > 4 else 60)
    else:
        qm(sys.argv[2], sys.argv[3], sys.argv[4])
