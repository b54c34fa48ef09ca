#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The host-only tests of the kipsec userspace (no kernel module needed):
#
#   unit/      C unit tests of lib/ and ipsecctl/ (TAP lines, renumbered here)
#   parser/    X.conf -> `ipsecctl -nv [args] -f X.conf` must print X.out
#              exactly, and that output must parse back to itself (-nvk).
#              "# args: ..." in a file adds arguments, "# stdin" reads it
#              through -f -.  Run from parser/, so key files resolve there.
#   parser/fail/
#              X.conf -> exit 1, nothing on stdout, exactly X.err on stderr;
#              the same without -n (a bad file never reaches the kernel).
#   generated  inputs that cannot live in a text file (NUL bytes, 4 KiB
#              words), CLI usage errors, "kipsec.ko is not loaded", the man
#              pages (groff -ww).
#
# Every expected output was written by hand.  Ends with the line
# "userspace: N passed, N failed, N skipped" and exits 1 if anything failed.
set -u

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
top=$(cd "$here/../.." && pwd)
ipsecctl=$here/../ipsecctl/ipsecctl
out=$here/out
rm -rf "$out"
mkdir -p "$out/gen"

n=0 passed=0 failed=0 skipped=0

pass() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
skip() { n=$((n + 1)); skipped=$((skipped + 1)); echo "ok $n - $1 # SKIP $2"; }
fail() {	# fail NAME [FILE-TO-SHOW...]
	local f
	n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"
	shift
	for f in "$@"; do
		[ -s "$f" ] && sed 's/^/# /' "$f"
	done
	return 0
}

# check NAME WANT-RC WANT-STDOUT-FILE WANT-STDERR-FILE: compares the last run
# (rc in $rc, output in $out/stdout and $out/stderr) with what is wanted.
check() {
	local name=$1 want_rc=$2 want_out=$3 want_err=$4
	if [ "$rc" -ne "$want_rc" ]; then
		fail "$name: exit status $rc, want $want_rc" "$out/stderr"
	elif ! diff -u "$want_out" "$out/stdout" >"$out/diff"; then
		fail "$name: stdout differs" "$out/diff"
	elif ! diff -u "$want_err" "$out/stderr" >"$out/diff"; then
		fail "$name: stderr differs" "$out/diff"
	else
		pass "$name"
	fi
}

# run DIR [<FILE] ARGS...: runs ipsecctl in DIR, output to $out/stdout, $out/stderr.
run() {
	local dir=$1; shift
	(cd "$dir" && "$ipsecctl" "$@") >"$out/stdout" 2>"$out/stderr"
	rc=$?
}
run_stdin() {	# run_stdin DIR FILE ARGS...
	local dir=$1 file=$2; shift 2
	(cd "$dir" && "$ipsecctl" "$@" <"$file") >"$out/stdout" 2>"$out/stderr"
	rc=$?
}

printf '' >"$out/empty"
want() { printf '%s\n' "$@" >"$out/want"; }	# want LINE...: expected text

# ---- unit tests ----

for t in test_text test_nl_attr test_alg test_rule test_print test_apply test_isakmp test_ike_crypto test_cookie test_p2_succession test_log test_notify; do
	bin=$here/unit/$t
	if [ ! -x "$bin" ]; then
		fail "unit/$t: not built (make -C userspace)"
		continue
	fi
	"$bin" >"$out/$t.log" 2>&1
	urc=$?
	nfail=0
	while IFS= read -r line; do
		case $line in
		"ok - "*" # SKIP "*) line=${line#ok - }; skip "unit/$t: ${line%% # SKIP *}" "${line#* # SKIP }" ;;
		"ok - "*) pass "unit/$t: ${line#ok - }" ;;
		"not ok - "*) fail "unit/$t: ${line#not ok - }"; nfail=$((nfail + 1)) ;;
		"#"*) echo "$line" ;;
		esac
	done <"$out/$t.log"
	if [ "$urc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		fail "unit/$t: exited with status $urc" "$out/$t.log"
	fi
done

# ---- parser golden tests ----

args_of() { sed -n 's/^# args: //p' "$1" | head -n 1; }

for conf in "$here"/parser/*.conf; do
	name=$(basename "$conf" .conf)
	# shellcheck disable=SC2046 # the args are words on purpose
	set -- $(args_of "$conf")
	if grep -qx '# stdin' "$conf"; then
		run_stdin "$here/parser" "$conf" -nv "$@" -f -
	else
		run "$here/parser" -nv "$@" -f "$name.conf"
	fi
	check "parser/$name" 0 "$here/parser/$name.out" "$out/empty"

	# The canonical form parses back to itself (keys shown, so SAs load).
	if grep -qx '# stdin' "$conf"; then
		run_stdin "$here/parser" "$conf" -nvk "$@" -f -
	else
		run "$here/parser" -nvk "$@" -f "$name.conf"
	fi
	cp "$out/stdout" "$out/$name.canon"
	run_stdin "$here/parser" "$out/$name.canon" -nvk -f -
	check "parser/$name: -nvk output parses back to itself" 0 "$out/$name.canon" "$out/empty"
done

# ---- parser failures ----

for conf in "$here"/parser/fail/*.conf; do
	name=$(basename "$conf" .conf)
	# shellcheck disable=SC2046
	set -- $(args_of "$conf")
	for mode in -n load; do
		opt=-n
		[ "$mode" = load ] && opt=
		if grep -qx '# stdin' "$conf"; then
			run_stdin "$here/parser" "$conf" $opt "$@" -f -
		else
			run "$here/parser" $opt "$@" -f "fail/$name.conf"
		fi
		if [ "$mode" = load ]; then
			check "parser/fail/$name: without -n, nothing but the same errors (nothing sent)" \
				1 "$out/empty" "$here/parser/fail/$name.err"
		else
			check "parser/fail/$name" 1 "$out/empty" "$here/parser/fail/$name.err"
		fi
	done
done

# ---- generated inputs ----

gen_check() {	# gen_check NAME EXPECTED-STDERR-LINE
	run "$out" -n -f "gen/$1.conf"
	want "$2"
	check "generated/$1" 1 "$out/empty" "$out/want"
}

printf 'esp from 192.0.2.1 to 192.0.2.2 spi 0x1000 enckey file "a\0b"\n' >"$out/gen/nul-string.conf"
gen_check nul-string 'gen/nul-string.conf:1: NUL byte in string'
printf 'flow\0 esp from any to any\n' >"$out/gen/nul-word.conf"
gen_check nul-word 'gen/nul-word.conf:1: invalid character 0x00'
printf '\nflow esp\a from any to any\n' >"$out/gen/bell.conf"
gen_check bell 'gen/bell.conf:2: invalid character 0x07'
printf 'flow esp from any\177 to any\n' >"$out/gen/del.conf"
gen_check del 'gen/del.conf:1: invalid character 0x7f'
printf '%04096d\n' 0 | tr 0 a >"$out/gen/long-word.conf"
gen_check long-word 'gen/long-word.conf:1: word too long'
{ printf 'x = "'; printf '%04096d' 0; printf '"\n'; } >"$out/gen/long-string.conf"
gen_check long-string 'gen/long-string.conf:1: string too long'
{ printf 'flow esp from $'; printf '%0128d' 0 | tr 0 m; printf ' to any\n'; } \
	>"$out/gen/long-macro.conf"
gen_check long-macro 'gen/long-macro.conf:1: macro name too long'
printf '%65536s' '' >"$out/gen/huge.key"
printf 'esp from 192.0.2.1 to 192.0.2.2 spi 0x1000 enc aes-128-gcm enckey file "huge.key"\n' \
	>"$out/gen/huge.conf"
gen_check huge 'gen/huge.conf:1: key file "gen/huge.key" is too large'
printf 'flow esp \\\r\n from any to any type x\r\n' >"$out/gen/crlf-err.conf"
gen_check crlf-err 'gen/crlf-err.conf:2: unknown flow type "x" (require, use, bypass or deny)'

printf 'flow esp from any \\\rto any\n' >"$out/gen/cr.conf"
gen_check cr "gen/cr.conf:1: '\\' must end the line (line continuation)"
{ printf 'esp from 192.0.2.1 to 192.0.2.2 spi 0x1000 enc aes-128-gcm enckey file "'
  printf '%04095d' 0 | tr 0 k; printf '"\n'; } >"$out/gen/long-path.conf"
gen_check long-path 'gen/long-path.conf:1: key file path too long'

# Files over the lexer's first 64 KiB buffer: 3000 SA pairs, about 250 KiB.
awk 'BEGIN { for (i = 0; i < 3000; i++)
	printf "esp from 192.0.2.1 to 192.0.2.2 spi 0x%x:0x%x enc aes-128-gcm enckey 0x%040x:0x%040x\n",
		4096 + 2 * i, 4097 + 2 * i, 2 * i + 1, 2 * i + 2 }' >"$out/gen/big.conf"
run "$out" -nv -f gen/big.conf
{ head -n 1 "$out/stdout"; tail -n 1 "$out/stdout"; wc -l <"$out/stdout"; } >"$out/got"
want "esp tunnel from 192.0.2.1 to 192.0.2.2 spi 0x00001000 enc aes-128-gcm" \
	"esp tunnel from 192.0.2.2 to 192.0.2.1 spi 0x0000276f enc aes-128-gcm" 6000
if [ "$rc" -eq 0 ] && diff -u "$out/want" "$out/got" >"$out/diff"; then
	pass "generated/big: 6000 SAs from a 250 KiB file"
else
	fail "generated/big: 6000 SAs from a 250 KiB file" "$out/diff" "$out/stderr"
fi
{ cat "$out/gen/big.conf"; echo "bogus"; } >"$out/gen/big-bad.conf"
gen_check big-bad 'gen/big-bad.conf:3001: unknown keyword "bogus": a rule starts with flow, esp, ah, ike or a macro name'

# A CRLF file with a continuation loads like its LF twin.
printf 'gw = "192.0.2.2"\r\nflow esp out from 10.1.0.0/24 \\\r\n\tto 10.2.0.0/24 peer $gw\r\n' \
	>"$out/gen/crlf.conf"
run "$out" -nv -f gen/crlf.conf
want 'flow esp out from 10.1.0.0/24 to 10.2.0.0/24 peer 192.0.2.2 type require'
check "generated/crlf: CRLF line ends and continuation" 0 "$out/want" "$out/empty"

# ---- command line ----

usage_check() {	# usage_check NAME FIRST-STDERR-LINE ARGS...
	local name=$1 line=$2; shift 2
	run "$here/parser" "$@"
	head -n 1 "$out/stderr" >"$out/first"
	want "$line"
	if [ "$rc" -ne 1 ]; then
		fail "cli: $name: exit status $rc, want 1" "$out/stderr"
	elif [ -s "$out/stdout" ]; then
		fail "cli: $name: stdout not empty" "$out/stdout"
	elif ! diff -u "$out/want" "$out/first" >"$out/diff"; then
		fail "cli: $name: message" "$out/diff"
	else
		pass "cli: $name"
	fi
}

usage_check "no action" "ipsecctl: nothing to do: give -f, -F, -s or -m"
usage_check "-s bogus" "ipsecctl: -s bogus: show flow, sa, ike, all or stats" -s bogus
usage_check "-s ike without ipsecd" \
	"ipsecctl: ipsecd is not running (no daemon on $out/none.sock)" -S "$out/none.sock" -s ike
usage_check "-j alone" "ipsecctl: -j needs -s or -m" -j -n -f basic.conf
usage_check "-d alone" "ipsecctl: -d needs -f" -d -s sa
usage_check "-D without =" "ipsecctl: -D foo: expected macro=value" -D foo -n -f basic.conf
usage_check "-D bad name" "ipsecctl: -D 1x: bad macro name (letters, digits, '_')" \
	-D 1x=y -n -f basic.conf
usage_check "-D bad character" "ipsecctl: -D a-b: bad macro name (letters, digits, '_')" \
	-D a-b=c -n -f basic.conf
usage_check "-D without -f" "ipsecctl: -D needs -f" -D a=b -s sa
usage_check "-f twice" "ipsecctl: -f given twice" -n -f basic.conf -f flows.conf
usage_check "extra argument" 'ipsecctl: unexpected argument "basic.conf"' -n -f flows.conf basic.conf
usage_check "unknown option" "ipsecctl: unknown option -x" -x
usage_check "missing argument" "ipsecctl: -s needs an argument" -s

run "$here/parser" -n -f nonexistent.conf
want "ipsecctl: nonexistent.conf: No such file or directory"
check "cli: missing file" 1 "$out/empty" "$out/want"

run "$here/parser" -h
if [ "$rc" -eq 0 ] && [ ! -s "$out/stderr" ] &&
   head -n 1 "$out/stdout" | grep -qx 'usage: ipsecctl \[-dFhjkmnqv\] \[-D macro=value\] \[-f file\] \[-s flow|sa|ike|all|stats\]'; then
	pass "cli: -h prints the usage on stdout"
else
	fail "cli: -h prints the usage on stdout" "$out/stdout" "$out/stderr"
fi

run "$here/parser" -n -f basic.conf
check "cli: -n alone prints nothing" 0 "$out/empty" "$out/empty"
if [ -w /dev/full ]; then
	(cd "$here/parser" && "$ipsecctl" -nv -f basic.conf) >/dev/full 2>"$out/stderr"
	rc=$?
	want "ipsecctl: writing the output: No space left on device"
	printf '' >"$out/stdout"
	check "cli: a write error is an error" 1 "$out/empty" "$out/want"
else
	skip "cli: a write error is an error" "no /dev/full"
fi
run "$here/parser" -n -F
check "cli: -n -F does not touch the kernel" 0 "$out/empty" "$out/empty"
run "$here/parser" -nq -d -f basic.conf
check "cli: -n -d parses only" 0 "$out/empty" "$out/empty"

# ---- without the kernel module ----

# On the host kipsec.ko is never loaded; where it is, these would change the
# kernel's state, so they are skipped there (the VM tests cover that side).
if [ -e /sys/module/kipsec ]; then
	for what in "-f basic.conf" "-s all" "-s stats -j" "-F" "-m"; do
		skip "no module: ipsecctl $what" "kipsec.ko is loaded here"
	done
else
	want "ipsecctl: kipsec.ko is not loaded (modprobe kipsec)"
	for what in "-f basic.conf" "-s all" "-s stats -j" "-F" "-m"; do
		# shellcheck disable=SC2086
		run "$here/parser" $what
		check "no module: ipsecctl $what says how to load it" 1 "$out/empty" "$out/want"
	done
fi

# ---- man pages ----

for page in ipsecctl.8 ipsec.conf.5 ipsecd.8; do
	if ! command -v groff >/dev/null; then
		skip "man: $page renders without warnings" "groff not installed"
		continue
	fi
	groff -man -ww -z "$top/Documentation/$page" >"$out/groff" 2>&1
	if [ $? -eq 0 ] && [ ! -s "$out/groff" ]; then
		pass "man: $page renders without warnings"
	else
		fail "man: $page renders without warnings" "$out/groff"
	fi
done

echo "userspace: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
