#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# get-kselftest-headers.sh [DIR]: put kselftest_harness.h and kselftest.h
# into DIR (default: build/kselftest at the top of the repository), taken
# from Debian's linux-source-6.1 tarball.  Outside a kernel tree these two
# headers are all the kselftests need of it.  Cached: a second run with both
# headers present does nothing.  Extracting two files from the 130 MB
# tarball takes about 9 seconds (xz cannot seek).
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)
dir=${1:-$top/build/kselftest}
tarball=${KSFT_SOURCE_TARBALL:-}
headers=(kselftest_harness.h kselftest.h)

have_all() {
	local h
	for h in "${headers[@]}"; do
		[ -s "$dir/$h" ] || return 1
	done
}
have_all && exit 0

if [ -z "$tarball" ]; then
	# The newest linux-source-X.Y installed (Debian 12: 6.1).
	tarball=$(ls -1 /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1 || true)
fi
if [ -z "$tarball" ] || [ ! -r "$tarball" ]; then
	echo "get-kselftest-headers: no kernel source tarball in /usr/src (apt-get install linux-source-6.1)" >&2
	exit 1
fi

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.extract.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
prefix=$(basename "$tarball" .tar.xz)
members=()
for h in "${headers[@]}"; do
	members+=("$prefix/tools/testing/selftests/$h")
done
# Only the two members, flattened into $tmp.
tar -xJf "$tarball" -C "$tmp" --strip-components=4 "${members[@]}"
# Rename into place last, so an interrupted run leaves no half header.
for h in "${headers[@]}"; do
	mv -f "$tmp/$h" "$dir/$h"
done
echo "get-kselftest-headers: $(basename "$tarball") -> $dir"
