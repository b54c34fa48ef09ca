#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""UDP helpers for natt.sh (ESP in UDP, RFC 3948).

  encap ADDR PORT         a UDP socket (IPv6: IPv6 only) with UDP_ENCAP_ESPINUDP, which Linux
                          XFRM needs to receive ESP in UDP; prints "ready"
                          and keeps it open until killed
  listen ADDR PORT FILE   a plain UDP socket: each datagram it receives is
                          appended to FILE as one hex line
  send DST PORT HEX [N [SPORT]]
                          N datagrams (default 1) of the bytes HEX ("" for
                          an empty one) to DST:PORT, from SPORT if given
"""
import signal
import socket
import sys
import time

SOL_UDP = 17
UDP_ENCAP = 100
UDP_ENCAP_ESPINUDP = 2


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def bound(addr, port):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if ":" in addr:
        # Its own IPv4 socket takes IPv4: each family's XFRM input.
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    s.bind((addr, port))
    return s


def encap(addr, port):
    s = bound(addr, int(port))
    s.setsockopt(SOL_UDP, UDP_ENCAP, UDP_ENCAP_ESPINUDP)
    print("ready", flush=True)
    signal.pause()


def listen(addr, port, path):
    s = bound(addr, int(port))
    print("ready", flush=True)
    while True:
        data = s.recv(65535)
        with open(path, "a") as f:
            f.write(data.hex() + "\n")


def send(dst, port, payload, count="1", sport=None):
    s = socket.socket(family(dst), socket.SOCK_DGRAM)
    if sport:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("::" if ":" in dst else "0.0.0.0", int(sport)))
    data = bytes.fromhex(payload)
    for _ in range(int(count)):
        s.sendto(data, (dst, int(port)))
        # Paced: a burst must not overrun the receiving veth's queue.
        time.sleep(0.002)


def main():
    cmds = {"encap": encap, "listen": listen, "send": send}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
