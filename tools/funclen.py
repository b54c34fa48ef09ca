#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Function lengths in kipsec's C sources: the "< 60 lines, never > 100" bar.

usage: tools/funclen.py [--over N] [DIR...]   (default: userspace kernel)

A function is a definition in kernel style: its opening brace alone on a
line in column 0, its closing brace alone in column 0.  Its length is the
lines from the one after "{" to the one before "}", blank lines and
comments included (what a reader has to hold at once).  Prints every
function longer than --over (default 60), longest first, then one summary
line: "N functions, N over 60, N over 100".  Test sources (tests/, and
files under tools/testing) count like any other.
"""
import argparse
import os
import re
import sys

NAME = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*\(')


def functions(path):
    with open(path, errors='replace') as f:
        lines = f.read().split('\n')
    start = None
    for i, line in enumerate(lines):
        if line.rstrip() == '{' and start is None:
            # The signature is the nearest lines above that are not blank.
            j = i - 1
            sig = ''
            while j >= 0 and lines[j].strip() and not lines[j].startswith('}'):
                sig = lines[j] + ' ' + sig
                if NAME.search(lines[j]) and not lines[j][0].isspace():
                    break
                j -= 1
            m = NAME.search(sig)
            if m is None or '=' in sig.split('(')[0]:
                continue	# an initialiser, not a function
            start, name = i, m.group(1)
        elif line.rstrip() == '}' and start is not None:
            yield name, start + 1, i - start - 1
            start = None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--over', type=int, default=60)
    ap.add_argument('dirs', nargs='*', default=['userspace', 'kernel'])
    args = ap.parse_args()
    found = []
    for d in args.dirs:
        for root, _, files in os.walk(d):
            for fn in sorted(files):
                if fn.endswith('.c'):
                    p = os.path.join(root, fn)
                    found += [(n, p, line, length) for n, line, length in functions(p)]
    found.sort(key=lambda f: -f[3])
    for name, path, line, length in found:
        if length > args.over:
            print(f'{length:4d} {path}:{line} {name}')
    print(f'{len(found)} functions, {sum(f[3] > 60 for f in found)} over 60, '
          f'{sum(f[3] > 100 for f in found)} over 100')


if __name__ == '__main__':
    sys.exit(main())
