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
    esp_craft.py listen ADDR PORT FILE
        Append each UDP payload received on ADDR:PORT to FILE, one a line.
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


def send(src, dst, spi, seq, keyhex, payload, fault="ok"):
    key = bytes.fromhex(keyhex[2:] if keyhex.startswith("0x") else keyhex)
    packet = esp(int(spi, 0), int(seq, 0), key, inner_packet(payload), fault)
    with socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ESP) as s:
        s.bind((src, 0))
        s.sendto(packet, (dst, 0))


def listen(addr, port, path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((addr, int(port)))
        with open(path, "a", buffering=1) as out:
            print("listening", file=out)
            while True:
                data, _ = s.recvfrom(65536)
                print(data.decode(errors="replace"), file=out)


def main(argv):
    if len(argv) in (7, 8) and argv[0] == "send":
        send(*argv[1:])
    elif len(argv) == 4 and argv[0] == "listen":
        listen(*argv[1:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
