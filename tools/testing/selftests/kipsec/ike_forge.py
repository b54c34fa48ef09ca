#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""
ike_forge.py: replayed IKEv1 messages for ike_hardening.sh.
Prints one "key value" line per fact; the shell test judges them.

  ike_forge.py replay PCAP SRC DST EXCHANGE first|last
      Finds in PCAP (tcpdump -w, Ethernet) the first or last ISAKMP
      datagram from SRC to DST of exchange type EXCHANGE (32 quick mode,
      5 informational) and sends its bytes again, verbatim, from SRC:500
      to DST:500 (SO_REUSEADDR: beside the daemon bound there).
"""
import socket
import struct
import sys

ETH_P_IP = 0x0800


def udp_of_ipv4(frame, off):
    """(src, dst, sport, dport, payload) of an IPv4/UDP packet, or None."""
    if len(frame) < off + 20 or frame[off] >> 4 != 4 or frame[off + 9] != 17:
        return None
    ihl = (frame[off] & 15) * 4
    tot = struct.unpack('!H', frame[off + 2:off + 4])[0]
    src = socket.inet_ntoa(frame[off + 12:off + 16])
    dst = socket.inet_ntoa(frame[off + 16:off + 20])
    u = off + ihl
    if len(frame) < u + 8:
        return None
    sport, dport = struct.unpack('!HH', frame[u:u + 4])
    return src, dst, sport, dport, bytes(frame[u + 8:off + tot])


def isakmp(payload):
    """(exchange, msgid) of an ISAKMP message, or None."""
    if len(payload) < 28:
        return None
    return payload[18], struct.unpack('!I', payload[20:24])[0]


def pcap_frames(path):
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        return
    magic = struct.unpack('<I', data[:4])[0]
    endian = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    off = 24
    while off + 16 <= len(data):
        incl = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
        if off + 16 + incl > len(data):
            break       # tcpdump is still writing it
        yield data[off + 16:off + 16 + incl]
        off += 16 + incl


def find(pcap, src, dst, exchange, which):
    """The first or last ISAKMP message of that exchange from src to dst."""
    found = None
    for frame in pcap_frames(pcap):
        if len(frame) < 14 or struct.unpack('!H', frame[12:14])[0] != ETH_P_IP:
            continue
        u = udp_of_ipv4(frame, 14)
        if not u or u[0] != src or u[1] != dst or u[3] != 500:
            continue
        x = isakmp(u[4])
        if x and x[0] == exchange and x[1]:
            found = u[4]
            if which == 'first':
                break
    return found


def replay(pcap, src, dst, exchange, which):
    found = find(pcap, src, dst, exchange, which)
    if found is None:
        print('replayed 0')
        return
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, 500))
    s.sendto(found, (dst, 500))
    print('msgid 0x%08x' % isakmp(found)[1])
    print('replayed 1')


if __name__ == '__main__':
    if sys.argv[1] != 'replay':
        sys.exit('usage: ike_forge.py replay PCAP SRC DST EXCHANGE first|last')
    replay(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6])
