#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the tiny initramfs that run-in-vm.sh boots: busybox plus the modules
# needed to mount the host's root over virtio-9p, then switch_root into it.
# Rebuilt only when this script, the init stage or the kernel changes.
#
#   mkinitramfs.sh KVER OUTPUT.cpio.gz [KERNEL_IMAGE]
#
# KERNEL_IMAGE defaults to Debian's /boot/vmlinuz-KVER; a kernel of one's
# own (run-in-vm.sh -K) passes its image, whose drivers are built in.
set -euo pipefail

kver=$1
out=$2
image=${3:-/boot/vmlinuz-$kver}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Order matters: each module needs the ones before it (no modprobe here).
modules="virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci
	 netfs fscache 9pnet 9pnet_virtio 9p overlay"

stamp=$( { cat "$0" "$here/initramfs-init"; echo "$kver"; stat -c %Y "$image"; } |
	sha256sum | cut -c1-16)
if [ -f "$out" ] && [ "$(cat "$out.stamp" 2>/dev/null)" = "$stamp" ]; then
	exit 0
fi

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,dev,proc,sys,newroot,modules}
: > "$root/modules/order"	# stays empty for a kernel with them built in
cp /bin/busybox "$root/bin/busybox"
for applet in sh mount insmod switch_root mkdir echo cat sleep poweroff; do
	ln -s busybox "$root/bin/$applet"
done
for m in $modules; do
	path=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || {
		# Built into this kernel: nothing to load.
		continue
	}
	case $path in
	*.ko) cp "$path" "$root/modules/" ;;
	*.ko.xz) xz -dc "$path" > "$root/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$path" > "$root/modules/$m.ko" ;;
	*) continue ;;
	esac
	echo "$m" >> "$root/modules/order"
done
install -m 0755 "$here/initramfs-init" "$root/init"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
echo "$stamp" > "$out.stamp"
