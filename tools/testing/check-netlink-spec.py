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

The kernel's side is read too (kernel/netlink.c): there is no YNL code
generator in the 6.1 tree the module builds against, so instead of
generating the nla_policy tables from the spec, this check reads them and
holds them to it, attribute by attribute:

  - every attribute set that a request can carry has a policy table (found
    by its ..._MAX index), and every table belongs to an attribute set;
  - the policy type is the spec's (u8 NLA_U8, string NLA_NUL_STRING or with
    unterminated-ok NLA_STRING, binary NLA_BINARY, flag NLA_FLAG, nest
    NLA_POLICY_NESTED of the table of its nested-attributes);
  - the checks are the spec's: min / max (NLA_POLICY_MIN, _MAX, _RANGE),
    min-len / max-len / exact-len of binaries and strings, flags-mask
    (NLA_POLICY_MASK with the mask of those flags), with the same values;
  - an attribute whose doc says "replies only" is NLA_REJECT, and only those;
  - the operations' flags: admin-perm is GENL_ADMIN_PERM, uns-admin-perm is
    GENL_UNS_ADMIN_PERM or the module's own KIPSEC_OP_UNS_ADMIN internal flag
    (checked in pre_doit and in the dumps' start, so that a refusal carries
    an extack message); and every operation of the spec is in the ops table.

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
DEFAULT_KERNEL = os.path.join(TOP, 'kernel', 'netlink.c')

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


# --- The kernel's policy tables and operations -----------------------------

POLICY_TYPES = {'NLA_U8': 'u8', 'NLA_U16': 'u16', 'NLA_U32': 'u32', 'NLA_U64': 'u64',
                'NLA_S8': 's8', 'NLA_S16': 's16', 'NLA_S32': 's32', 'NLA_S64': 's64',
                'NLA_NUL_STRING': 'string', 'NLA_STRING': 'string',
                'NLA_BINARY': 'binary', 'NLA_FLAG': 'flag', 'NLA_NESTED': 'nest',
                'NLA_REJECT': 'reject'}


def split_args(text):
    """Top-level comma-separated pieces of a macro's arguments."""
    out, depth, cur = [], 0, ''
    for ch in text:
        if ch in '({[':
            depth += 1
        elif ch in ')}]':
            depth -= 1
        if ch == ',' and depth == 0:
            out.append(cur.strip())
            cur = ''
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


def parse_policy_value(text, macros):
    """{'type': NLA_*, 'checks': {...}, 'nested': table} of one entry."""
    text = text.strip()
    if text in macros:
        return parse_policy_value(macros[text], macros)
    m = re.match(r'^(NLA_POLICY_\w+)\((.*)\)$', text, re.S)
    if m:
        kind, args = m.group(1), split_args(m.group(2))
        if kind == 'NLA_POLICY_NESTED':
            return {'type': 'NLA_NESTED', 'checks': {}, 'nested': args[0]}
        if kind == 'NLA_POLICY_RANGE':
            return {'type': args[0], 'checks': {'min': args[1], 'max': args[2]}}
        if kind in ('NLA_POLICY_MIN', 'NLA_POLICY_MAX'):
            return {'type': args[0], 'checks': {kind[-3:].lower(): args[1]}}
        if kind == 'NLA_POLICY_MASK':
            return {'type': args[0], 'checks': {'flags-mask': args[1]}}
        if kind == 'NLA_POLICY_EXACT_LEN':
            return {'type': 'NLA_BINARY', 'checks': {'exact-len': args[0]}}
        if kind == 'NLA_POLICY_MIN_LEN':
            return {'type': 'NLA_BINARY', 'checks': {'min': args[0]}}
        raise CExprError(f'unknown policy macro {kind}')
    m = re.match(r'^\{(.*)\}$', text, re.S)
    if not m:
        raise CExprError(f'cannot read the policy "{text}"')
    fields = {}
    for piece in split_args(m.group(1)):
        fm = re.match(r'^\.(\w+)\s*=\s*(.*)$', piece, re.S)
        if not fm:
            raise CExprError(f'cannot read the policy field "{piece}"')
        fields[fm.group(1)] = fm.group(2).strip()
    out = {'type': fields.get('type', 'NLA_UNSPEC'), 'checks': {}}
    if 'len' in fields:
        out['checks']['len'] = fields['len']
    return out


def parse_kernel(source):
    """(tables, ops) of the kernel's C source: tables {name: (index max
    name, {attr: policy})} and ops {command: {'flags': [...],
    'internal_flags': [...], 'fields': {...}}}."""
    text = strip_comments(source)
    macros = {m.group(1): m.group(2).strip() for m in
              re.finditer(r'^#define\s+(\w+)\s+(\{[^\n]*\}|NLA_POLICY_\w+\([^\n]*\))\s*$',
                          text, re.M)}
    tables = {}
    for m in re.finditer(r'static\s+const\s+struct\s+nla_policy\s+(\w+)\s*\[\s*(\w+)\s*\+\s*1\s*\]'
                         r'\s*=\s*\{(.*?)\n\};', text, re.S):
        entries = {}
        for em in re.finditer(r'\[\s*(\w+)\s*\]\s*=\s*(.*?)(?=,\s*\[|,?\s*$)', m.group(3).strip(),
                              re.S):
            entries[em.group(1)] = parse_policy_value(em.group(2), macros)
        tables[m.group(1)] = (m.group(2), entries)
    ops = {}
    om = re.search(r'static\s+const\s+struct\s+genl_(?:small_)?ops\s+\w+\[\]\s*=\s*\{(.*?)\n\};',
                   text, re.S)
    if om:
        for block in re.finditer(r'\{(.*?)\}', om.group(1), re.S):
            fields = dict(re.findall(r'\.(\w+)\s*=\s*([^,\n]+)', block.group(1)))
            if 'cmd' in fields:
                ops[fields['cmd'].strip()] = {
                    k: [f.strip() for f in fields.get(k, '').split('|') if f.strip()]
                    for k in ('flags', 'internal_flags')}
                ops[fields['cmd'].strip()]['fields'] = fields
    return tables, ops


def replies_only(attr):
    return 'replies only' in ' '.join(str(attr.get('doc', '')).split()).lower()


def spec_value(spec, value, symbols):
    """The number a spec check stands for: a literal, "NAME" or "NAME - 1"
    of a constant, or a type limit."""
    if isinstance(value, int):
        return value
    m = re.match(r'^([su])(8|16|32|64)-(min|max)$', str(value))
    if m:
        bits = int(m.group(2))
        if m.group(1) == 'u':
            return 0 if m.group(3) == 'min' else (1 << bits) - 1
        return -(1 << (bits - 1)) if m.group(3) == 'min' else (1 << (bits - 1)) - 1
    name, minus = re.subn(r' - 1$', '', str(value))
    return spec.defs[name]['value'] - minus


def expected_policy(spec, attr):
    """(type, {check: value}) the spec asks of the kernel for an attribute.
    A scalar of an enum is held to the enum's range, as YNL's generator
    does, unless the spec states its checks."""
    if replies_only(attr):
        return 'reject', {}
    t = attr.get('type')
    checks = dict(attr.get('checks', {}))
    checks.pop('unterminated-ok', None)
    d = spec.defs.get(attr.get('enum', ''))
    if d and d['type'] == 'enum' and not attr.get('enum-as-flags') and not checks:
        vals, val = [], d.get('value-start', 0)
        for e in d.get('entries', []):
            e = {'name': e} if isinstance(e, str) else e
            val = e.get('value', val)
            vals.append(val)
            val += 1
        checks = {'min': min(vals), 'max': max(vals)}
    return t, checks


def kernel_checks(pol, kind, symbols):
    """The kernel's checks of one entry, in the spec's terms and values."""
    out = {}
    sizes = {'sizeof(struct in_addr)': '4', 'sizeof(struct in6_addr)': '16'}
    for k, v in pol['checks'].items():
        for expr, size in sizes.items():
            v = v.replace(expr, size)
        val = c_eval(v, symbols)
        if k == 'len':
            out['max-len'] = val
        elif kind in ('binary', 'string') and k in ('min', 'max'):
            out[k + '-len'] = val
        else:
            out[k] = val
    if out.get('min-len') is not None and out.get('min-len') == out.get('max-len'):
        out['exact-len'] = out.pop('min-len')
        out.pop('max-len')
    return out


def check_policy_table(spec, s, tname, entries, tables_of_set, symbols, res):
    prefix = spec.set_prefix(s)
    for a in s['attributes']:
        if a.get('type') in ('unused', 'pad') and not replies_only(a):
            continue
        cname = prefix + c_upper(a['name'])
        what = f"policy {tname}: {cname}"
        pol = entries.get(cname)
        want_type, want_checks = expected_policy(spec, a)
        if a.get('type') == 'pad':
            want_type = 'reject'
        if pol is None:
            res.check(False, what, f'not in the table (the spec has {want_type})')
            continue
        got_type = POLICY_TYPES.get(pol['type'], pol['type'])
        if not res.check(got_type == want_type, f'{what}: type',
                         f"kernel {pol['type']}, spec " +
                         ('replies only (NLA_REJECT)' if want_type == 'reject' else want_type)):
            continue
        if want_type == 'string':
            want = 'NLA_STRING' if a.get('checks', {}).get('unterminated-ok') else 'NLA_NUL_STRING'
            res.check(pol['type'] == want, f'{what}: string termination',
                      f"kernel {pol['type']}, spec {want}")
        if want_type == 'nest':
            nested = spec.real_set(spec.sets[a['nested-attributes']])['name']
            res.check(tables_of_set.get(nested) == pol.get('nested'), f'{what}: nested table',
                      f"kernel {pol.get('nested')}, spec {a['nested-attributes']} "
                      f"({tables_of_set.get(nested) or 'no table'})")
        if want_type == 'reject':
            continue
        try:
            got = kernel_checks(pol, want_type, symbols)
        except CExprError as e:
            res.check(False, f'{what}: checks', str(e))
            continue
        want = {}
        for k, v in want_checks.items():
            if k == 'flags-mask':
                want[k] = spec.flag_masks[spec.prefix_of_def(spec.defs[v]) + 'MASK']
            else:
                want[k] = spec_value(spec, v, symbols)
        res.check(got == want, f'{what}: checks', f'kernel {got}, spec {want}')
    known = {prefix + c_upper(a['name']) for a in s['attributes']}
    for cname in entries:
        res.check(cname in known, f'policy {tname}: {cname}', 'not an attribute of the spec')


def request_sets(spec):
    """Attribute sets a request can carry: the operations' sets, and the sets
    nested in them through attributes a request may hold."""
    seen, todo = set(), []
    for op in spec.ops:
        if ('do' in op or 'dump' in op) and op.get('attribute-set') in spec.sets:
            todo.append(spec.real_set(spec.sets[op['attribute-set']])['name'])
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for a in spec.sets[name]['attributes']:
            if a.get('type') == 'nest' and not replies_only(a):
                todo.append(spec.real_set(spec.sets[a['nested-attributes']])['name'])
    return seen


def check_kernel(spec, symbols, tables, ops, res):
    by_max = {}
    for s in spec.sets.values():
        if 'subset-of' not in s:
            by_max[c_upper(s.get('attr-max-name', f'{spec.set_prefix(s)}MAX'))] = s['name']
    tables_of_set = {}
    for tname, (imax, _) in tables.items():
        if res.check(imax in by_max, f'policy {tname}: indexed by an attribute set',
                     f'{imax} is no attribute set\'s max'):
            tables_of_set[by_max[imax]] = tname
    for name in sorted(request_sets(spec)):
        res.check(name in tables_of_set, f'attribute set {name}: a policy table',
                  'a request can carry it, the kernel has no nla_policy for it')
    for name, tname in tables_of_set.items():
        check_policy_table(spec, spec.sets[name], tname, tables[tname][1], tables_of_set,
                           symbols, res)

    prefix = c_upper(spec.y.get('operations', {}).get('name-prefix', f'{spec.family}-cmd-'))
    perm = {'admin-perm': {'GENL_ADMIN_PERM'},
            'uns-admin-perm': {'GENL_UNS_ADMIN_PERM', 'KIPSEC_OP_UNS_ADMIN'}}
    primary, _ = spec.primary_ops()
    for op, _ in primary:
        if not ('do' in op or 'dump' in op):
            continue
        cmd = prefix + c_upper(op['name'])
        if not res.check(cmd in ops, f'operation {op["name"]}: in the kernel\'s ops table',
                         f'no .cmd = {cmd}'):
            continue
        got = set(ops[cmd]['flags']) | set(ops[cmd]['internal_flags'])
        for flag, names in perm.items():
            want = flag in op.get('flags', [])
            has = bool(got & names)
            res.check(want == has, f'operation {op["name"]}: {flag}',
                      f"spec {'has' if want else 'lacks'} it, kernel flags {sorted(got) or 'none'}")
        fields = ops[cmd]['fields']
        res.check(('do' in op) == ('doit' in fields), f'operation {op["name"]}: do',
                  f"spec {'has' if 'do' in op else 'lacks'} do, kernel "
                  f"{'has' if 'doit' in fields else 'lacks'} .doit")
        res.check(('dump' in op) == ('dumpit' in fields), f'operation {op["name"]}: dump',
                  f"spec {'has' if 'dump' in op else 'lacks'} dump, kernel "
                  f"{'has' if 'dumpit' in fields else 'lacks'} .dumpit")
    spec_cmds = {prefix + c_upper(op['name']) for op, _ in primary}
    for cmd in ops:
        res.check(cmd in spec_cmds, f'kernel operation {cmd}', 'not in the spec')


def run_checks(y, enums, defines, kernel, res):
    try:
        spec = Spec(y, res)
        check_numbers(spec, enums, defines, res)
        check_types(spec, enums, res)
        check_consistency(spec, res)
        symbols = dict(defines)
        for entries in enums.values():
            symbols.update({n: v for n, v, _ in entries})
        tables, ops = parse_kernel(kernel)
        res.check(bool(tables) and bool(ops), 'read the policy tables and ops of the kernel')
        check_kernel(spec, symbols, tables, ops, res)
    except CExprError as e:
        res.check(False, 'read the kernel', str(e))
    except (KeyError, TypeError, AttributeError, ValueError) as e:
        res.check(False, 'spec structure', f'{type(e).__name__}: {e}')


def spec_attr(y, set_name, attr_name):
    for s in y['attribute-sets']:
        if s['name'] == set_name:
            for a in s['attributes']:
                if a['name'] == attr_name:
                    return a
    raise KeyError(f'{set_name}.{attr_name}')


def self_test(y, enums, defines, kernel, res):
    """Each drift the check is there for, made on purpose, must fail it;
    the unchanged inputs must pass."""
    import contextlib
    import copy
    import io

    def kernel_edit(old, new):
        def edit(spec_y, text):
            if old not in text:
                raise KeyError(f'self-test: "{old}" is not in the kernel source')
            return spec_y, text.replace(old, new, 1)
        return edit

    def spec_edit(set_name, attr_name, fn):
        def edit(spec_y, text):
            fn(spec_attr(spec_y, set_name, attr_name))
            return spec_y, text
        return edit

    def drop_flag(op_name):
        def edit(spec_y, text):
            for op in spec_y['operations']['list']:
                if op['name'] == op_name:
                    op['flags'] = []
            return spec_y, text
        return edit

    cases = [
        ('a range only in the kernel',
         kernel_edit('NLA_POLICY_MAX(NLA_U8, 128)', 'NLA_POLICY_MAX(NLA_U8, 127)')),
        ('a range only in the spec',
         spec_edit('policy', 'priority', lambda a: a.update(checks={'max': 7}))),
        ('a request attribute the kernel rejects',
         kernel_edit('[KIPSEC_SA_A_REQID] = { .type = NLA_U32 }',
                     '[KIPSEC_SA_A_REQID] = { .type = NLA_REJECT }')),
        ('a replies-only attribute the kernel accepts',
         kernel_edit('[KIPSEC_SA_A_STATE] = { .type = NLA_REJECT }',
                     '[KIPSEC_SA_A_STATE] = { .type = NLA_U8 }')),
        ('a type that differs', kernel_edit('[KIPSEC_SA_A_SPI] = { .type = NLA_U32 }',
                                            '[KIPSEC_SA_A_SPI] = { .type = NLA_U16 }')),
        ('a nest with the wrong table',
         kernel_edit('[KIPSEC_SA_A_AUTH] = NLA_POLICY_NESTED(alg_policy)',
                     '[KIPSEC_SA_A_AUTH] = NLA_POLICY_NESTED(life_policy)')),
        ('a permission only in the spec', drop_flag('sa-add')),
        ('an attribute missing from a table',
         kernel_edit('[KIPSEC_POL_A_PRIORITY] = { .type = NLA_U32 },', '')),
    ]
    quiet = Result(False)
    run_checks(copy.deepcopy(y), enums, defines, kernel, quiet)
    res.check(quiet.failed == 0, 'self-test: the real inputs pass', f'{quiet.failed} failures')
    for what, edit in cases:
        spec_y, text = edit(copy.deepcopy(y), kernel)
        probe = Result(False)
        with contextlib.redirect_stdout(io.StringIO()):
            run_checks(spec_y, enums, defines, text, probe)
        res.check(probe.failed > 0, f'self-test: {what} is caught')
    return res.summary()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--spec', default=DEFAULT_SPEC)
    ap.add_argument('--header', default=DEFAULT_HEADER)
    ap.add_argument('--kernel', default=DEFAULT_KERNEL)
    ap.add_argument('-v', '--verbose', action='store_true', help='print passing tests too')
    ap.add_argument('--self-test', action='store_true',
                    help='check that drifts of the kernel and the spec are caught')
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
        kernel = open(args.kernel, encoding='utf-8').read()
    except OSError as e:
        res.check(False, f'read {args.kernel}', str(e))
        return res.summary()
    if args.self_test:
        global SUITE
        SUITE = 'netlink-spec-self-test'
        return self_test(y, enums, defines, kernel, res)
    run_checks(y, enums, defines, kernel, res)
    return res.summary()


if __name__ == '__main__':
    sys.exit(main())
