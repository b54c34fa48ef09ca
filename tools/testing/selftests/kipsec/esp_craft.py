#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made ESP packets, for the attack tests: built here from RFC 4303 and
RFC 4106 with python3-cryptography's AES-GCM and scapy's packet builder,
independently of kipsec, then spoiled on purpose and sent on a raw socket.

    esp_craft.py send OUTER_SRC OUTER_DST SPI SEQ KEYHEX PAYLOAD [FAULT]
        An ESP tunnel-mode packet (AES-GCM, 16-byte ICV) from OUTER_SRC to
        OUTER_DST carrying IPv4/UDP 10.2.0.1:1234 -> 10.1.0.1:7777 PAYLOAD.
        FAULT: ok (default), icv (one ICV bit flipped), truncated (cut
        inside the ciphertext), badpad (padding 9,9,9,9 instead of
        1,2,3,4, then encrypted correctly), short (shorter than an ESP
        header), nexthdr (next header 17 in tunnel mode).
    esp_craft.py send-l2 IFACE DSTMAC SRC DST SPI SEQ KEYHEX PAYLOAD [OPTION...]
        A transport-mode ESP packet (AES-GCM) from SRC (any address: it may
        be spoofed) to DST carrying UDP 1234 -> 7777 PAYLOAD, sent as an
        Ethernet frame on a packet socket.  Options: big (PAYLOAD padded
        with "x" to 5000 bytes: past a page, the packet socket builds a
        paged skb of which only the Ethernet header is linear), dstopts
        (IPv6: a 1024-byte destination options header before ESP).
    esp_craft.py batch
        The send and send-l2 commands of stdin, one a line (whitespace
        separated), a fifth of a second apart: one interpreter start for
        many packets, which under TCG is most of the cost.
    esp_craft.py listen ADDR PORT FILE
        Append each UDP payload received on ADDR:PORT to FILE, one a line;
        on "::" IPv4 as well.
"""
import os
import socket
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from scapy.layers.inet import IP, UDP
from scapy.packet import Raw


def inner_packet(payload):
    return bytes(IP(src="10.2.0.1", dst="10.1.0.1", ttl=64) /
                 UDP(sport=1234, dport=7777) / Raw(payload.encode()))


def esp(spi, seq, key, inner, fault):
    """RFC 4303 §2 with the AES-GCM transform of RFC 4106 (§3, §5, §8.1)."""
    aes, salt = key[:-4], key[-4:]
    nexthdr = 17 if fault == "nexthdr" else 4     # IPv4 in tunnel mode
    padlen = (-(len(inner) + 2)) % 4               # 4-byte alignment, §2.4
    if fault == "badpad":
        padlen += 4
        pad = bytes([9] * padlen)
    else:
        pad = bytes(range(1, padlen + 1))
    plaintext = inner + pad + bytes([padlen, nexthdr])
    header = struct.pack("!II", spi, seq)          # the AAD: SPI, seq (§5)
    iv = os.urandom(8)
    sealed = AESGCM(aes).encrypt(salt + iv, plaintext, header)  # ct || ICV16
    packet = bytearray(header + iv + sealed)
    if fault == "icv":
        packet[-1] ^= 0x01
    elif fault == "truncated":
        packet = packet[:len(header) + len(iv) + 5]
    elif fault == "short":
        packet = packet[:6]
    return bytes(packet)


def seal(spi, seq, key, plaintext):
    """The ESP packet of RFC 4303 §2 around a padded plaintext, RFC 4106."""
    header = struct.pack("!II", spi, seq)
    iv = os.urandom(8)
    return header + iv + AESGCM(key[:-4]).encrypt(key[-4:] + iv, plaintext, header)


def transport(src, dst, spi, seq, key, payload, dstopts):
    """RFC 4303 §3.1.1: the IP header (and options) stay, ESP wraps UDP."""
    from scapy.layers.inet6 import HBHOptUnknown, IPv6, IPv6ExtHdrDestOpt, PadN
    v6 = ":" in src
    if v6:
        # Five options of 4 + 253 * 4 + 2 bytes: 1022 + 2 = 1024 (RFC 8200 §4.6).
        opts = [HBHOptUnknown(otype=0x1e, optdata=b"o" * 253) for _ in range(4)]
        ext = IPv6ExtHdrDestOpt(options=opts + [PadN(optdata=b"")])
        clear = IPv6(src=src, dst=dst) / (ext if dstopts else b"")
    else:
        clear = IP(src=src, dst=dst, ttl=64)
    # The checksum covers the addresses of the packet as it will arrive.
    udp = bytes((clear / UDP(sport=1234, dport=7777) / Raw(payload))[UDP])
    padlen = (-(len(udp) + 2)) % 4
    esp_bytes = seal(spi, seq, key, udp + bytes(range(1, padlen + 1)) + bytes([padlen, 17]))
    if v6:
        if dstopts:
            ext.nh = 50
            return IPv6(src=src, dst=dst, nh=60) / ext / Raw(esp_bytes)
        return IPv6(src=src, dst=dst, nh=50) / Raw(esp_bytes)
    return IP(src=src, dst=dst, ttl=64, proto=50) / Raw(esp_bytes)


def send_l2(iface, dstmac, src, dst, spi, seq, keyhex, payload, *options):
    from scapy.layers.l2 import Ether
    from scapy.sendrecv import sendp
    key = bytes.fromhex(keyhex[2:] if keyhex.startswith("0x") else keyhex)
    data = payload.encode()
    if "big" in options:
        data = data.ljust(5000, b"x")
    pkt = transport(src, dst, int(spi, 0), int(seq, 0), key, data, "dstopts" in options)
    sendp(Ether(dst=dstmac) / pkt, iface=iface, verbose=False)


def send(src, dst, spi, seq, keyhex, payload, fault="ok"):
    key = bytes.fromhex(keyhex[2:] if keyhex.startswith("0x") else keyhex)
    packet = esp(int(spi, 0), int(seq, 0), key, inner_packet(payload), fault)
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP) as s:
        s.bind((src, 0))
        s.sendto(packet, (dst, 0))


def listen(addr, port, path):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as s:
        if family == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, addr != "::")
        s.bind((addr, int(port)))
        with open(path, "a", buffering=1) as out:
            print("listening", file=out)
            while True:
                data, _ = s.recvfrom(65536)
                print(data.decode(errors="replace"), file=out)


def batch():
    import time
    for line in sys.stdin:
        if line.split():
            main(line.split())
            time.sleep(0.2)


def main(argv):
    if argv == ["batch"]:
        batch()
    elif len(argv) in (7, 8) and argv[0] == "send":
        send(*argv[1:])
    elif len(argv) >= 9 and argv[0] == "send-l2":
        send_l2(*argv[1:])
    elif len(argv) == 4 and argv[0] == "listen":
        listen(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
