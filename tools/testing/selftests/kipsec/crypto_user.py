#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Instantiate or remove crypto API templates through crypto_user (NETLINK_CRYPTO).

    crypto_user.py add NAME       instantiate the AEAD template instance NAME,
                                  e.g. "pcrypt(seqiv(rfc4106(gcm(aes))))", and
                                  print its driver name
    crypto_user.py del DRIVER     unregister the instance whose driver name is
                                  DRIVER (as /proc/crypto shows it)
    crypto_user.py drivers NAME   driver names of the AEADs called NAME, one
                                  a line, highest priority first

The kipsec tests use it to put an always-asynchronous implementation
(pcrypt, cryptd) in front of an algorithm kipsec.ko asks for by name: the
crypto API hands out the highest-priority implementation of a name, and
pcrypt and cryptd instances rank 100 and 50 above what they wrap.  The
kernel does what crconf(8) would; no such tool is packaged in Debian.
Exit status 0 on success, 1 with the errno's name on stderr otherwise.

NEWALG answers ENOENT even when it created the instance (the larval it
waits for is named after the template, the instance after what it wraps),
so "add" judges by /proc/crypto.  DELALG names an instance by its driver
name in a 64-byte field: longer driver names cannot be removed this way
(remove the template's module instead).
"""
import errno
import os
import socket
import struct
import sys

NETLINK_CRYPTO = 21
CRYPTO_MSG_NEWALG = 0x10
CRYPTO_MSG_DELALG = 0x11
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLMSG_ERROR = 0x2
CRYPTO_ALG_TYPE_AEAD = 0x3
CRYPTO_ALG_TYPE_MASK = 0xF
CRYPTO_MAX_NAME = 64


def request(msg_type, driver_name, alg_type, mask):
    """One request with a struct crypto_user_alg; returns the kernel's errno."""
    if len(driver_name) >= CRYPTO_MAX_NAME:
        raise SystemExit(f"crypto_user: name too long: {driver_name}")
    # struct crypto_user_alg: cru_name, cru_driver_name, cru_module_name,
    # cru_type, cru_mask, cru_refcnt, cru_flags.
    alg = struct.pack("=64s64s64sIIII", b"", driver_name.encode(), b"", alg_type, mask, 0, 0)
    hdr = struct.pack("=IHHII", 16 + len(alg), msg_type, NLM_F_REQUEST | NLM_F_ACK, 1, 0)
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_CRYPTO) as s:
        s.bind((0, 0))
        s.settimeout(30)
        s.send(hdr + alg)
        while True:
            data = s.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, typ, _flags, seq, _pid = struct.unpack_from("=IHHII", data, off)
                if typ == NLMSG_ERROR and seq == 1:
                    (err,) = struct.unpack_from("=i", data, off + 16)
                    return -err
                off += (length + 3) & ~3


def proc_crypto():
    """/proc/crypto as a list of dicts."""
    algs, cur = [], {}
    with open("/proc/crypto") as f:
        for line in f:
            if not line.strip():
                if cur:
                    algs.append(cur)
                cur = {}
                continue
            key, _, value = line.partition(":")
            cur[key.strip()] = value.strip()
    if cur:
        algs.append(cur)
    return algs


def main(argv):
    if len(argv) != 2 or argv[0] not in ("add", "del", "drivers"):
        raise SystemExit(__doc__)
    cmd, name = argv
    if cmd == "drivers":
        algs = [a for a in proc_crypto() if a.get("name") == name and a.get("type") == "aead"]
        algs.sort(key=lambda a: -int(a.get("priority", "0")))
        for a in algs:
            print(a["driver"], a.get("priority", "?"), a.get("refcnt", "?"))
        return 0
    if cmd == "add":
        tmpl, _, inner = name.partition("(")
        inner = inner[:-1]

        def instances():
            return [a["driver"] for a in proc_crypto()
                    if a.get("name") == inner and a.get("driver", "").startswith(tmpl + "(")]
        if instances():
            err = errno.EEXIST
        else:
            err = request(CRYPTO_MSG_NEWALG, name, CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK)
            if err == errno.ENOENT and instances():
                err = 0
        if not err:
            print(instances()[0])
    else:
        err = request(CRYPTO_MSG_DELALG, name, CRYPTO_ALG_TYPE_AEAD, CRYPTO_ALG_TYPE_MASK)
    if err:
        print(f"crypto_user: {cmd} {name}: {errno.errorcode.get(err, err)} ({os.strerror(err)})",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
