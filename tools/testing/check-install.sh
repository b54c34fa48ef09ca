#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The install, on the host (tools/testing/check.sh runs it after the build;
# arguments go to every make, e.g. KIPSEC_DEBUG=1 so that the module is not
# rebuilt without it):
#
#   - `make install install-dkms DESTDIR=... PREFIX=/usr`, as a packager
#     runs it, stages exactly the expected files and writes nothing outside
#     DESTDIR (no depmod, no unit, no source under /usr/src);
#   - the systemd units pass `systemd-analyze verify` without a word, and a
#     unit with a mistake in it does not;
#   - dkms.conf names what Kbuild builds, and `dkms build` of the staged
#     sources succeeds against the installed kernel headers, in a DKMS tree
#     and with a signing key of its own (nothing under /var/lib/dkms).
#
# Ends with "install: N passed, N failed, N skipped"; exit 1 if anything
# failed.  Under CI=true a missing tool is a failure.
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top" || exit 1
make_args=("$@")

passed=0 failed=0 skipped=0
pass() { passed=$((passed + 1)); echo "ok - $1"; }
fail() { failed=$((failed + 1)); echo "not ok - $1"; }
skip() {
	if [ "${CI:-}" = true ]; then
		fail "$1 (CI=true: no skipping: $2)"
	else
		skipped=$((skipped + 1))
		echo "ok - $1 # SKIP $2"
	fi
}
detail() { sed 's/^/#   /' | head -n 40; }
finish() {
	echo "install: $passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit $?
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/stage

# Where anything an install could write outside DESTDIR would land.
OUTSIDE=(/lib/modules /lib/systemd /usr/lib/systemd /etc /usr/sbin /usr/local /usr/src
	/usr/share/man /var/lib/dkms)
# written_since STAMP: the files and links under OUTSIDE newer than STAMP.
written_since() {
	find "${OUTSIDE[@]}" -xdev -newer "$1" \( -type f -o -type l \) 2>/dev/null | head -n 10
}

# ---- the staged install ----

touch "$work/stamp"
sleep 1
if make -s install install-dkms DESTDIR="$stage" PREFIX=/usr "${make_args[@]}" \
	>"$work/install.log" 2>&1; then
	pass "make install install-dkms DESTDIR= PREFIX=/usr"
else
	fail "make install install-dkms DESTDIR= PREFIX=/usr"
	detail <"$work/install.log"
	finish
fi

srcdirs=("$stage"/usr/src/kipsec-*)
version=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' dkms.conf)
if [ "${#srcdirs[@]}" -eq 1 ] && [ "${srcdirs[0]}" = "$stage/usr/src/kipsec-$version" ]; then
	pass "the sources go to /usr/src/kipsec-$version, dkms.conf's version"
else
	fail "the sources go to /usr/src/kipsec-$version, dkms.conf's version"
	printf '%s\n' "${srcdirs[@]}" | detail
fi

unitdir=$(pkg-config --variable=systemdsystemunitdir systemd 2>/dev/null || echo /lib/systemd/system)
{
	echo "lib/modules/KVER/extra/kipsec.ko"
	echo "${unitdir#/}/ipsecd.service"
	echo "${unitdir#/}/kipsec.service"
	echo "usr/sbin/ipsecctl"
	echo "usr/sbin/ipsecd"
	echo "usr/share/man/man5/ipsec.conf.5"
	echo "usr/share/man/man8/ipsecctl.8"
	echo "usr/share/man/man8/ipsecd.8"
	# Exactly what the repository holds for the module: nothing built.
	git ls-files Kbuild dkms.conf kernel include | sed "s|^|usr/src/kipsec-$version/|"
} | sort >"$work/want"
(cd "$stage" && find . \( -type f -o -type l \) | sed 's|^\./||; s|^lib/modules/[^/]*/|lib/modules/KVER/|') |
	sort >"$work/got"
if diff -u "$work/want" "$work/got" >"$work/diff"; then
	pass "the staged files are exactly the module, the tools, the manuals, the units and the sources"
else
	fail "the staged files are exactly the module, the tools, the manuals, the units and the sources"
	detail <"$work/diff"
fi
kver=$(find "$stage/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)

grep -h '^Exec' "$stage/$unitdir"/*.service >"$work/exec"
if grep -q '^ExecStart=/usr/sbin/ipsecd -s$' "$work/exec" && grep -q '^ExecStart=/usr/sbin/ipsecctl -f ' "$work/exec" &&
   ! grep -q '@' "$work/exec"; then
	pass "the units name the programs where PREFIX put them"
else
	fail "the units name the programs where PREFIX put them"
	detail <"$work/exec"
fi

out=$(written_since "$work/stamp")
if [ -z "$out" ]; then
	pass "make install DESTDIR= writes nothing outside DESTDIR (no depmod, no unit, no source)"
else
	fail "make install DESTDIR= writes nothing outside DESTDIR (no depmod, no unit, no source)"
	printf '%s\n' "$out" | detail
fi
if [ -n "$kver" ] && [ ! -e "/lib/modules/$kver/extra/kipsec.ko" ]; then
	pass "/lib/modules/$kver/extra has no kipsec.ko"
else
	fail "/lib/modules/${kver:-?}/extra has no kipsec.ko"
fi

# ---- systemd-analyze verify ----

# A real install (no DESTDIR) into a prefix of its own, so that the
# programs the units name exist and man finds the manuals they cite.
verify() { MANPATH=$work/prefix/usr/share/man systemd-analyze verify "$@" 2>&1; }
if ! command -v systemd-analyze >/dev/null; then
	skip "systemd-analyze verify" "systemd-analyze is missing (Debian: systemd)"
elif ! make -s -C userspace install PREFIX="$work/prefix/usr" SYSTEMDUNITDIR="$work/units" \
	>"$work/prefix.log" 2>&1; then
	fail "make -C userspace install PREFIX=<tmp>"
	detail <"$work/prefix.log"
else
	# verify exits 0 on unknown keys and bad values: it must say nothing.
	out=$(verify "$work/units/ipsecd.service" "$work/units/kipsec.service")
	rc=$?
	if [ "$rc" -eq 0 ] && [ -z "$out" ]; then
		pass "systemd-analyze verify: ipsecd.service and kipsec.service, not a warning"
	else
		fail "systemd-analyze verify: ipsecd.service and kipsec.service (exit $rc)"
		printf '%s\n' "$out" | detail
	fi
	# And it can fail: a misspelt key, a wrong type.
	mkdir -p "$work/bad"
	sed 's/^Type=/Tpye=/' "$work/units/ipsecd.service" >"$work/bad/ipsecd.service"
	sed 's/^Type=oneshot/Type=onceonly/' "$work/units/kipsec.service" >"$work/bad/kipsec.service"
	for u in ipsecd kipsec; do
		if [ -n "$(verify "$work/bad/$u.service")" ]; then
			pass "systemd-analyze verify catches a broken $u.service"
		else
			fail "systemd-analyze verify catches a broken $u.service"
		fi
	done
fi

# ---- DKMS ----

# dkms.conf, read as dkms reads it (shell), against Kbuild.
fields=$(kernel_source_dir=KSRC dkms_tree=DTREE bash -c '. ./dkms.conf &&
	echo "$PACKAGE_NAME|$PACKAGE_VERSION|${BUILT_MODULE_NAME[0]}|${DEST_MODULE_LOCATION[0]}|$AUTOINSTALL|${MAKE[0]}"')
obj=$(sed -n 's/^obj-m := \(.*\)\.o$/\1/p' Kbuild)
want="kipsec|$version|$obj|/updates/dkms|yes|make -C KSRC M=DTREE/kipsec/$version/build modules"
if [ "$fields" = "$want" ]; then
	pass "dkms.conf: name, version, module ($obj, Kbuild's), location, autoinstall, make line"
else
	fail "dkms.conf: name, version, module, location, autoinstall, make line"
	printf 'got  %s\nwant %s\n' "$fields" "$want" | detail
fi

if ! command -v dkms >/dev/null; then
	skip "dkms build" "dkms is missing (Debian: dkms)"
elif [ "$(id -u)" -ne 0 ]; then
	skip "dkms build" "needs root"
elif [ -z "$kver" ] || [ ! -d "/lib/modules/$kver/build" ]; then
	fail "dkms build: no kernel headers for ${kver:-?}"
else
	touch "$work/stamp"
	sleep 1
	dtree=$work/dkms
	mkdir -p "$dtree"
	# dkms signs the module; its key and certificate stay in $work too.
	if env mok_signing_key="$work/mok.key" mok_certificate="$work/mok.pub" \
		dkms add "kipsec/$version" --sourcetree "$stage/usr/src" --dkmstree "$dtree" \
		>"$work/dkms.log" 2>&1 &&
	   env mok_signing_key="$work/mok.key" mok_certificate="$work/mok.pub" \
		dkms build "kipsec/$version" -k "$kver" --sourcetree "$stage/usr/src" \
		--dkmstree "$dtree" >>"$work/dkms.log" 2>&1; then
		pass "dkms build kipsec/$version for $kver from the staged sources"
	else
		fail "dkms build kipsec/$version for $kver from the staged sources"
		detail <"$work/dkms.log"
		tail -n 20 "$dtree/kipsec/$version/build/make.log" 2>/dev/null | detail
	fi
	ko=$(find "$dtree/kipsec/$version/$kver" -name 'kipsec.ko*' | head -n 1)
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null)
	if [ -n "$ko" ] && [ "${magic%% *}" = "$kver" ]; then
		pass "dkms built kipsec.ko for $kver (vermagic)"
	else
		fail "dkms built kipsec.ko for $kver (vermagic '${magic}')"
	fi
	out=$(written_since "$work/stamp")
	if [ -z "$out" ]; then
		pass "dkms build in its own tree writes nothing outside it"
	else
		fail "dkms build in its own tree writes nothing outside it"
		printf '%s\n' "$out" | detail
	fi
fi

finish
