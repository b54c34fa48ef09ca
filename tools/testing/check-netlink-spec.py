#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Cross-check Documentation/netlink/specs/kipsec.yaml against the uAPI header.

The header include/uapi/linux/kipsec.h is written by hand, so nothing keeps
it and the YAML spec in step but this check.  Every enum of the header and
every one of its defines must be described by the spec with the same names
(as the kernel's YNL C generator would render them) and the same numbers,
and every enum, attribute, command and constant of the spec must be in the
header.  On top of that:

  - attribute types: where the header's comment on an attribute names a type
    (u8, u16, u32, u64, binary, string, flag, nest), the spec's type is that
    type; "enum NAME" in the comment must be the spec's nested attribute set
    (for a nest) or the spec's enum (for a scalar), "PREFIX_*" the spec's
    flags; *_UNSPEC attributes are "unused", *_PAD attributes are "pad";
  - the spec is consistent with itself: the attribute sets, attributes,
    enums, constants, commands and multicast groups it refers to exist;
  - a notification that reuses the number of a request (YNL's "-ntf"
    operations with an explicit value) is named after that request and is
    sent to a multicast group of the spec.

A define named PREFIX_ALL or PREFIX_MASK, where PREFIX is the name prefix of
a "flags" definition, must be the mask of all those flags.

Each checked item is one test.  Failures are printed as "not ok - ..." (-v
prints the passing ones as well); the last line is
"netlink-spec: N passed, N failed, 0 skipped"; the exit status is 1 if any
test failed.  Needs python3-yaml.
"""

import argparse
import ast
import os
import re
import sys

SUITE = 'netlink-spec'
TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_SPEC = os.path.join(TOP, 'Documentation', 'netlink', 'specs', 'kipsec.yaml')
DEFAULT_HEADER = os.path.join(TOP, 'include', 'uapi', 'linux', 'kipsec.h')

ATTR_TYPES = ('u8', 'u16', 'u32', 'u64', 's8', 's16', 's32', 's64',
              'binary', 'string', 'flag', 'nest')


class Result:
    def __init__(self, verbose):
        self.verbose = verbose
        self.passed = 0
        self.failed = 0

    def check(self, ok, what, why=''):
        if ok:
            self.passed += 1
            if self.verbose:
                print(f'ok - {what}')
        else:
            self.failed += 1
            print(f'not ok - {what}' + (f': {why}' if why else ''))
        return ok

    def summary(self):
        print(f'{SUITE}: {self.passed} passed, {self.failed} failed, 0 skipped')
        return 1 if self.failed else 0


def c_upper(name):
    return name.upper().replace('-', '_')


def c_lower(name):
    return name.lower().replace('-', '_')


# --- The header ------------------------------------------------------------

class CExprError(Exception):
    pass


def c_eval(expr, symbols):
    """Value of a C constant expression of integers, names and strings."""
    expr = re.sub(r'\b(0[xX][0-9a-fA-F]+|[0-9]+)[uUlL]+\b', r'\1', expr.strip())
    try:
        tree = ast.parse(expr, mode='eval')
    except SyntaxError as e:
        raise CExprError(f'cannot parse "{expr}"') from e

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)):
            return node.value
        if isinstance(node, ast.Name):
            if node.id not in symbols:
                raise CExprError(f'unknown name {node.id} in "{expr}"')
            return symbols[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.Invert)):
            v = ev(node.operand)
            return -v if isinstance(node.op, ast.USub) else ~v
        if isinstance(node, ast.BinOp):
            ops = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b,
                   ast.Mult: lambda a, b: a * b, ast.LShift: lambda a, b: a << b,
                   ast.RShift: lambda a, b: a >> b, ast.BitOr: lambda a, b: a | b,
                   ast.BitAnd: lambda a, b: a & b}
            for kind, fn in ops.items():
                if isinstance(node.op, kind):
                    return fn(ev(node.left), ev(node.right))
        raise CExprError(f'unsupported expression "{expr}"')

    return ev(tree)


def strip_comments(text):
    return re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)


ENTRY_RE = re.compile(r'([A-Za-z_]\w*)\s*(?:=\s*([^,]*?))?\s*(?:,|$)', re.S)


def parse_enum_body(body, symbols):
    """[(name, value, comment)] of an enum body; a comment that starts on the
    line where an entry ends belongs to that entry."""
    entries = []
    pos, prev_end, value = 0, None, -1
    while pos < len(body):
        if body[pos].isspace():
            pos += 1
            continue
        if body.startswith('/*', pos):
            end = body.find('*/', pos + 2)
            end = len(body) if end < 0 else end
            text = ' '.join(re.sub(r'\n\s*\*', ' ', body[pos + 2:end]).split())
            if entries and '\n' not in body[prev_end:pos]:
                entries[-1][2] = (entries[-1][2] + ' ' + text).strip()
            pos = end + 2
            continue
        m = ENTRY_RE.match(body, pos)
        if not m:
            raise CExprError(f'cannot parse enum entry at "{body[pos:pos + 40]}"')
        name, expr = m.group(1), m.group(2)
        comment = ''
        if expr is not None:
            comment = ' '.join(re.findall(r'/\*(.*?)\*/', expr, flags=re.S))
            expr = strip_comments(expr)
            value = c_eval(expr, symbols)
        else:
            value += 1
        symbols[name] = value
        entries.append([name, value, comment.strip()])
        pos = prev_end = m.end()
    return [tuple(e) for e in entries]


def parse_header(path):
    """(enums, defines): enums {C enum name: [(entry, value, comment)]} and
    defines {name: value} in the order of the file."""
    text = open(path, encoding='utf-8').read()
    symbols, enums, defines = {}, {}, {}
    item_re = re.compile(r'^[ \t]*#[ \t]*define[ \t]+(\w+)(?:[ \t]+([^\n]*))?$'
                         r'|\benum[ \t]+(\w+)\s*\{(.*?)\}\s*;', re.S | re.M)
    # Skip the comments when looking for items, but keep the text intact.
    masked = re.sub(r'/\*.*?\*/', lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text, flags=re.S)
    for m in item_re.finditer(masked):
        if m.group(1):
            name, value = m.group(1), strip_comments(text[m.start(2):m.end(2)] if m.group(2) else '')
            if not value.strip():
                continue		# include guard
            defines[name] = symbols[name] = c_eval(value, symbols)
        else:
            body = text[m.start(4):m.end(4)]
            enums[m.group(3)] = parse_enum_body(body, symbols)
    return enums, defines


# --- The spec --------------------------------------------------------------

class Spec:
    """What the YNL C generator would render from the spec, by C name."""

    def __init__(self, y, res):
        self.y = y
        self.res = res
        self.family = y['name']
        self.defs = {d['name']: d for d in y.get('definitions', [])}
        self.sets = {s['name']: s for s in y.get('attribute-sets', [])}
        self.ops = y.get('operations', {}).get('list', [])
        self.mcgrps = [g['name'] for g in y.get('mcast-groups', {}).get('list', [])]
        # {C enum name: {entry: value}} and the loose defines {name: value}
        self.enums = {}
        self.enum_origin = {}
        self.defines = {}
        self.flag_masks = {}	# PREFIX_ALL / PREFIX_MASK -> mask
        self._definitions()
        self._attr_sets()
        self._ops()
        self._family()

    def enum_name_of_def(self, d):
        if 'enum-name' in d:
            return c_lower(d['enum-name']) if d['enum-name'] else None
        return c_lower(f"{self.family}-{d['name']}")

    def prefix_of_def(self, d):
        return c_upper(d.get('name-prefix', f"{self.family}-{d['name']}-"))

    def _definitions(self):
        for d in self.y.get('definitions', []):
            if d['type'] == 'const':
                name = c_upper(d.get('name-prefix', f'{self.family}-') + d['name'])
                self.defines[name] = d['value']
            elif d['type'] in ('enum', 'flags'):
                prefix = self.prefix_of_def(d)
                entries, val = {}, d.get('value-start', 0)
                for e in d.get('entries', []):
                    e = {'name': e} if isinstance(e, str) else e
                    val = e.get('value', val)
                    entries[prefix + c_upper(e['name'])] = \
                        (1 << val) if d['type'] == 'flags' else val
                    val += 1
                enum = self.enum_name_of_def(d)
                if enum:
                    self.enums[enum] = entries
                    self.enum_origin[enum] = f"definition {d['name']}"
                else:
                    self.defines.update(entries)
                if d['type'] == 'flags':
                    mask = 0
                    for v in entries.values():
                        mask |= v
                    self.flag_masks[prefix + 'ALL'] = mask
                    self.flag_masks[prefix + 'MASK'] = mask

    def set_prefix(self, s):
        if 'subset-of' in s:
            return self.set_prefix(self.sets[s['subset-of']])
        default = f'{self.family}-a-' if s['name'] == self.family \
            else f"{self.family}-a-{s['name']}-"
        return c_upper(s.get('name-prefix', default))

    def set_values(self, s):
        """{attribute name: value} of an attribute set (YNL numbering: the
        first attribute is 1 unless it has a value)."""
        if 'subset-of' in s:
            parent = self.set_values(self.sets[s['subset-of']])
            return {a['name']: parent.get(a['name']) for a in s['attributes']}
        vals, val = {}, 1
        for a in s['attributes']:
            val = a.get('value', val)
            vals[a['name']] = val
            val += 1
        return vals

    def real_set(self, s):
        while 'subset-of' in s:
            s = self.sets[s['subset-of']]
        return s

    def set_attr(self, s, name):
        """The full definition of an attribute (a subset inherits its parent's)."""
        for a in self.real_set(s)['attributes']:
            if a['name'] == name:
                return a
        return None

    def _attr_sets(self):
        for s in self.y.get('attribute-sets', []):
            if 'subset-of' in s:
                continue
            if not s.get('enum-name'):
                self.res.check(False, f"attribute set {s['name']} has an enum-name",
                               'the checker finds the header enum by it')
                continue
            enum = c_lower(s['enum-name'])
            prefix = self.set_prefix(s)
            vals = self.set_values(s)
            entries = {prefix + c_upper(n): v for n, v in vals.items()}
            cnt = max(vals.values()) + 1 if vals else 1
            entries[c_upper(s.get('attr-cnt-name', f'__{prefix}MAX'))] = cnt
            entries[c_upper(s.get('attr-max-name', f'{prefix}MAX'))] = cnt - 1
            self.enums[enum] = entries
            self.enum_origin[enum] = f"attribute set {s['name']}"

    def op_values(self):
        """[(op, value)] with YNL's unified numbering (from 1 unless given)."""
        out, val = [], 1
        for op in self.ops:
            val = op.get('value', val)
            out.append((op, val))
            val += 1
        return out

    def is_alias(self, op, value, calls):
        """A notification that reuses the number of a request."""
        return ('notify' in op or 'event' in op) and 'do' not in op and \
            'dump' not in op and value in calls

    def primary_ops(self):
        vals = self.op_values()
        calls = {v for op, v in vals if 'do' in op or 'dump' in op}
        return [(op, v) for op, v in vals if not self.is_alias(op, v, calls)], \
               [(op, v) for op, v in vals if self.is_alias(op, v, calls)]

    def _ops(self):
        o = self.y.get('operations', {})
        prefix = c_upper(o.get('name-prefix', f'{self.family}-cmd-'))
        if not o.get('enum-name'):
            self.res.check(False, 'operations have an enum-name',
                           'the checker finds the header enum by it')
            return
        primary, _ = self.primary_ops()
        entries = {prefix + c_upper(op['name']): v for op, v in primary}
        cnt = max(entries.values()) + 1 if entries else 1
        entries[c_upper(self.y.get('cmd-cnt-name', f'__{prefix}MAX'))] = cnt
        entries[c_upper(self.y.get('cmd-max-name', f'{prefix}MAX'))] = cnt - 1
        enum = c_lower(o['enum-name'])
        self.enums[enum] = entries
        self.enum_origin[enum] = 'operations'

    def _family(self):
        fam = self.family
        self.defines[c_upper(self.y.get('c-family-name', f'{fam}-family-name'))] = fam
        self.defines[c_upper(self.y.get('c-version-name', f'{fam}-family-version'))] = \
            self.y.get('version', 1)
        for g in self.y.get('mcast-groups', {}).get('list', []):
            self.defines[c_upper(g.get('c-define-name', f"{fam}-mcgrp-{g['name']}"))] = g['name']


# --- Checks ----------------------------------------------------------------

def fmt(v):
    return f'"{v}"' if isinstance(v, str) else str(v)


def check_numbers(spec, enums, defines, res):
    """Every header item in the spec with the same value, and vice versa."""
    for enum in sorted(set(enums) | set(spec.enums)):
        if not res.check(enum in enums and enum in spec.enums, f'enum {enum}',
                         'not in the header' if enum not in enums else 'not in the spec'):
            continue
        hdr = {n: v for n, v, _ in enums[enum]}
        sp = spec.enums[enum]
        names = list(hdr) + [n for n in sp if n not in hdr]
        for n in names:
            what = f'enum {enum}: {n}'
            if n not in sp:
                res.check(False, what, f'= {fmt(hdr[n])} in the header, not in the spec '
                          f'({spec.enum_origin[enum]})')
            elif n not in hdr:
                res.check(False, what, f'= {fmt(sp[n])} in the spec ({spec.enum_origin[enum]}), '
                          'not in the header')
            else:
                res.check(hdr[n] == sp[n], what,
                          f'header {fmt(hdr[n])}, spec {fmt(sp[n])}')

    # Loose defines: constants, unnamed flags, family, version, groups.
    hdr_syms = dict(defines)
    for entries in enums.values():
        for n, v, _ in entries:
            hdr_syms.setdefault(n, v)
    for n, v in spec.defines.items():
        res.check(n in hdr_syms and hdr_syms[n] == v, f'define {n}',
                  f'spec {fmt(v)}, ' + (f'header {fmt(hdr_syms[n])}' if n in hdr_syms
                                        else 'not in the header'))
    for n, v in defines.items():
        if n in spec.defines:
            continue		# checked above
        if n in spec.flag_masks:
            res.check(v == spec.flag_masks[n], f'define {n}',
                      f'header {fmt(v)}, mask of the spec\'s flags {spec.flag_masks[n]:#x}')
            continue
        in_enum = any(n in e for e in spec.enums.values())
        res.check(in_enum, f'define {n}', f'= {fmt(v)} in the header, not in the spec')


def header_comment_type(comment):
    m = re.match(r'^\W*(?:NUL-terminated\s+)?(' + '|'.join(ATTR_TYPES) + r')\b', comment)
    return m.group(1) if m else None


def check_types(spec, enums, res):
    """The header's comments against the spec's attribute types."""
    enum_of_set = {c_lower(s['enum-name']): s for s in spec.sets.values()
                   if s.get('enum-name') and 'subset-of' not in s}
    for enum, entries in enums.items():
        s = enum_of_set.get(enum)
        if not s:
            continue
        prefix = spec.set_prefix(s)
        for cname, _, comment in entries:
            if not cname.startswith(prefix) or cname.startswith('__') or \
               cname == prefix + 'MAX':
                continue
            attr = None
            for a in s['attributes']:
                if prefix + c_upper(a['name']) == cname:
                    attr = a
            if attr is None:
                continue		# reported by check_numbers
            what = f'type of {cname}'
            want = header_comment_type(comment)
            if cname.endswith('_UNSPEC'):
                want = 'unused'
            elif cname.endswith('_PAD'):
                want = 'pad'
            if want is None:
                continue
            res.check(attr.get('type') == want, what,
                      f"header says {want}, spec says {attr.get('type')}")

            m = re.search(r'\benum\s+(\w+)', comment)
            if want == 'nest':
                nested = spec.sets.get(attr.get('nested-attributes', ''))
                got = nested and spec.real_set(nested).get('enum-name')
                if m:
                    res.check(bool(got) and c_lower(got) == m.group(1),
                              f'nested attributes of {cname}',
                              f'header says enum {m.group(1)}, spec says '
                              f"{attr.get('nested-attributes')} ({got and c_lower(got)})")
            elif m:
                d = spec.defs.get(attr.get('enum', ''))
                got = d and spec.enum_name_of_def(d)
                res.check(got == m.group(1), f'enum of {cname}',
                          f"header says enum {m.group(1)}, spec says {attr.get('enum')} ({got})")
            fm = re.search(r'\b([A-Z][A-Z0-9_]*_)\*', comment)
            if fm:
                d = spec.defs.get(attr.get('enum', ''))
                ok = bool(d) and d['type'] == 'flags' and spec.prefix_of_def(d) == fm.group(1)
                res.check(ok, f'flags of {cname}',
                          f"header says {fm.group(1)}*, spec says enum {attr.get('enum')}")


def const_ref(spec, value):
    """Whether a check value ("NAME" or "NAME - 1") is a literal, a type
    limit or a constant of the spec."""
    if isinstance(value, int):
        return True
    name = re.sub(r' - 1$', '', str(value))
    if re.match(r'^[su](8|16|32|64)-(min|max)$', name):
        return True
    return name in spec.defs and spec.defs[name]['type'] == 'const'


def check_consistency(spec, res):
    """References inside the spec."""
    for s in spec.sets.values():
        sname = s['name']
        if 'subset-of' in s:
            parent = spec.sets.get(s['subset-of'])
            if not res.check(parent is not None, f'attribute set {sname}: subset-of',
                             f"no attribute set {s['subset-of']}"):
                continue
            for a in s['attributes']:
                res.check(spec.set_attr(s, a['name']) is not None,
                          f"attribute set {sname}: {a['name']} in {s['subset-of']}",
                          f"{s['subset-of']} has no attribute {a['name']}")
            continue
        vals = spec.set_values(s)
        res.check(len(set(vals.values())) == len(vals), f'attribute set {sname}: unique values',
                  f'{vals}')
        for a in s['attributes']:
            aname = f"attribute {sname}.{a['name']}"
            if a.get('type') == 'nest' or 'nested-attributes' in a:
                res.check(a.get('nested-attributes') in spec.sets, f'{aname}: nested-attributes',
                          f"no attribute set {a.get('nested-attributes')}")
            if 'enum' in a:
                res.check(a['enum'] in spec.defs and
                          spec.defs[a['enum']]['type'] in ('enum', 'flags'),
                          f'{aname}: enum', f"no enum or flags {a['enum']}")
            for k, v in a.get('checks', {}).items():
                if k == 'flags-mask':
                    ok = v in spec.defs and spec.defs[v]['type'] == 'flags'
                elif k == 'unterminated-ok':
                    ok = True
                else:
                    ok = const_ref(spec, v)
                res.check(ok, f'{aname}: checks {k}', f'unknown constant {v}')

    primary, aliases = spec.primary_ops()
    pvals = [v for _, v in primary]
    res.check(len(set(pvals)) == len(pvals), 'operations: unique values',
              ', '.join(f"{op['name']}={v}" for op, v in primary))
    by_name = {op['name']: op for op in spec.ops}
    for op, _ in primary + aliases:
        oname = f"operation {op['name']}"
        aset = op.get('attribute-set')
        if aset is None and 'notify' in op and op['notify'] in by_name:
            aset = by_name[op['notify']].get('attribute-set')
        if not ('do' in op or 'dump' in op or 'event' in op or 'notify' in op):
            continue		# reserved value (unspec)
        if not res.check(aset in spec.sets, f'{oname}: attribute-set',
                         f'no attribute set {aset}'):
            continue
        s = spec.sets[aset]
        lists = []
        for mode in ('do', 'dump'):
            for msg in ('request', 'reply'):
                if mode in op and msg in (op[mode] or {}):
                    lists.append((f'{mode} {msg}', op[mode][msg].get('attributes', [])))
        if 'event' in op:
            lists.append(('event', op['event'].get('attributes', [])))
        for where, attrs in lists:
            for a in attrs:
                res.check(spec.set_attr(s, a) is not None, f'{oname}: {where} attribute {a}',
                          f'not in attribute set {aset}')
        if 'notify' in op:
            target = by_name.get(op['notify'])
            res.check(target is not None and 'reply' in (target.get('do') or {}),
                      f'{oname}: notify', f"{op['notify']} is no operation with a do reply")
        if 'notify' in op or 'event' in op:
            res.check(op.get('mcgrp') in spec.mcgrps, f'{oname}: mcgrp',
                      f"no multicast group {op.get('mcgrp')}")
    calls = {v: op for op, v in primary if 'do' in op or 'dump' in op}
    for op, v in aliases:
        req = calls[v]
        res.check(op['name'] == req['name'] + '-ntf', f"operation {op['name']}: alias",
                  f"reuses the value {v} of {req['name']}, so should be {req['name']}-ntf")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', default=DEFAULT_SPEC)
    ap.add_argument('--header', default=DEFAULT_HEADER)
    ap.add_argument('-v', '--verbose', action='store_true', help='print passing tests too')
    args = ap.parse_args()
    res = Result(args.verbose)

    try:
        import yaml
    except ImportError:
        res.check(False, 'python3-yaml', 'not installed (tools/testing/install-deps.sh)')
        return res.summary()

    try:
        with open(args.spec, encoding='utf-8') as f:
            first = f.readline()
            f.seek(0)
            y = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        res.check(False, f'load {args.spec}', str(e))
        return res.summary()
    res.check(first.startswith('# SPDX-License-Identifier: '), 'spec starts with an SPDX tag')
    res.check(isinstance(y, dict) and y.get('protocol') == 'genetlink-legacy',
              'spec protocol is genetlink-legacy',
              f"{y.get('protocol') if isinstance(y, dict) else y!r}")
    if not isinstance(y, dict) or not isinstance(y.get('name'), str):
        res.check(False, 'spec names its family')
        return res.summary()

    try:
        enums, defines = parse_header(args.header)
    except (OSError, CExprError) as e:
        res.check(False, f'parse {args.header}', str(e))
        return res.summary()

    try:
        spec = Spec(y, res)
        check_numbers(spec, enums, defines, res)
        check_types(spec, enums, res)
        check_consistency(spec, res)
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        res.check(False, 'spec structure', f'{type(e).__name__}: {e}')
    return res.summary()


if __name__ == '__main__':
    sys.exit(main())
