#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""A bulk TCP transfer, both ways, whose ends can be compared.

    bulk.py serve ADDR PORT            accept connections one after the
                                       other, echo each to EOF (ADDR "::"
                                       takes IPv4 too)
    bulk.py send ADDR PORT BYTES [SRC] connect (from SRC), send BYTES and
                                       read the echo back

The server prints "BYTES SHA256" of what it received; the client prints
"BYTES SHA256" of what it sent and then of what came back, so a test can
check that every byte crossed intact in each direction.  The data is
pseudo-random (fixed seed): incompressible and the same on every run.
"""
import hashlib
import os
import random
import socket
import sys
import threading

# Seconds any one socket operation may wait; a test expecting failures
# (a firewall dropping the replies) sets less.
TIMEOUT = int(os.environ.get("KIPSEC_BULK_TIMEOUT", "120"))


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def serve(addr, port):
    with socket.socket(family(addr), socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family(addr) == socket.AF_INET6:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        s.bind((addr, port))
        s.listen(4)
        print("listening", flush=True)
        while True:
            conn, _ = s.accept()
            conn.settimeout(TIMEOUT)
            h, n = hashlib.sha256(), 0
            try:
                with conn:
                    while True:
                        data = conn.recv(65536)
                        if not data:
                            break
                        h.update(data)
                        n += len(data)
                        conn.sendall(data)
                    conn.shutdown(socket.SHUT_WR)
            except OSError as e:
                print("error", e, flush=True)
                continue
            print(n, h.hexdigest(), flush=True)


def send(addr, port, nbytes, src=None):
    rnd = random.Random(4303)
    sent = {"hash": hashlib.sha256(), "n": 0}
    back, m = hashlib.sha256(), 0

    def writer(s):
        while sent["n"] < nbytes:
            chunk = rnd.randbytes(min(65536, nbytes - sent["n"]))
            s.sendall(chunk)
            sent["hash"].update(chunk)
            sent["n"] += len(chunk)
        s.shutdown(socket.SHUT_WR)

    with socket.socket(family(addr), socket.SOCK_STREAM) as s:
        s.settimeout(TIMEOUT)
        if src:
            s.bind((src, 0))
        s.connect((addr, port))
        # Write and read at once: the echo must not fill both windows.
        t = threading.Thread(target=writer, args=(s,))
        t.start()
        while True:
            data = s.recv(65536)
            if not data:
                break
            back.update(data)
            m += len(data)
        t.join()
    print(sent["n"], sent["hash"].hexdigest(), flush=True)
    print(m, back.hexdigest(), flush=True)


def main(argv):
    if len(argv) >= 3 and argv[0] == "serve":
        serve(argv[1], int(argv[2]))
    elif len(argv) >= 4 and argv[0] == "send":
        send(argv[1], int(argv[2]), int(argv[3]), argv[4] if len(argv) > 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
