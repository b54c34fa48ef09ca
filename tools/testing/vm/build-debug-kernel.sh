#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Builds the debug kernel the tests can boot instead of Debian's (lockdep,
# KASAN, kmemleak, debug objects, UBSAN: Debian's kernel has none of them),
# from Debian's linux-source-6.1: defconfig plus debug-kernel.config, with
# every driver the VM needs built in.  Takes 30 to 60 minutes on two cores;
# the result is cached.
#
#   build-debug-kernel.sh [DIR]      (default /var/tmp/kipsec-debug-kernel)
#
# Then:  make module KDIR=DIR/linux-source-6.1 KIPSEC_DEBUG=1
#        tools/testing/vm/run-in-vm.sh -K DIR/linux-source-6.1/arch/x86/boot/bzImage -- ...
# or     make check-debug
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
dir=${1:-/var/tmp/kipsec-debug-kernel}
src=$dir/linux-source-6.1
image=$src/arch/x86/boot/bzImage

for p in linux-source-6.1 flex bison bc libelf-dev; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		{ echo "build-debug-kernel: apt-get install $p" >&2; exit 1; }
done
mkdir -p "$dir"
[ -d "$src" ] || tar -xJf /usr/src/linux-source-6.1.tar.xz -C "$dir"
cd "$src"
stamp=$(sha256sum "$here/debug-kernel.config" | cut -c1-16)
if [ -f "$image" ] && [ "$(cat .kipsec-config 2>/dev/null)" = "$stamp" ]; then
	echo "$image"
	exit 0
fi
make -s defconfig
# Dependencies resolve in rounds: set, let olddefconfig settle, repeat.
for _ in 1 2 3; do
	grep -E '^CONFIG_' "$here/debug-kernel.config" | while IFS== read -r key val; do
		case $val in
		y) scripts/config --enable "${key#CONFIG_}" ;;
		n) scripts/config --disable "${key#CONFIG_}" ;;
		*) scripts/config --set-val "${key#CONFIG_}" "$val" ;;
		esac
	done
	make -s olddefconfig
done
# modules too: an external module build needs the Module.symvers they produce.
make -s -j"$(nproc)" bzImage modules
echo "$stamp" > .kipsec-config
echo "$image"
