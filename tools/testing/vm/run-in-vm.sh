#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run one command inside a throw-away QEMU guest booted from Debian's kernel.
#
# The host kernel refuses modules, so every test of kipsec.ko runs here.  The
# guest sees the host's whole root file system read-only over 9p (every tool
# installed on the host is there at the same path), with tmpfs on /tmp /run
# /var /root and an overlay on /etc.  A second, writable 9p share carries the
# job script in and the exit status out.
#
#   run-in-vm.sh [-t TIMEOUT_SECONDS] [-m MEM_MB] [-c CPUS] [-a KERNEL_ARGS]
#                [-k KVER | -K BZIMAGE] [--] COMMAND [ARGS...]
#
# -K boots a kernel image of your own (a debug build with lockdep, KASAN
# and kmemleak, say: tools/testing/vm/build-debug-kernel.sh) whose drivers
# for 9p and virtio are built in.
#
# Exit status: COMMAND's; 124 when the timeout hit; 125 when the command
# passed but the kernel log shows a BUG, WARNING, Oops or similar splat.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout_s=600
mem=1024
cpus=2
extra_args=""
kver=${KVER:-}
image=${KIPSEC_KERNEL_IMAGE:-}

while getopts "t:m:c:a:k:K:" opt; do
	case $opt in
	t) timeout_s=$OPTARG ;;
	m) mem=$OPTARG ;;
	c) cpus=$OPTARG ;;
	a) extra_args=$OPTARG ;;
	k) kver=$OPTARG ;;
	K) image=$OPTARG ;;
	*) echo "usage: $0 [-t secs] [-m MB] [-c cpus] [-a kernel-args] [-k kver | -K bzImage] [--] command..." >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -gt 0 ] || { echo "run-in-vm: no command given" >&2; exit 2; }

if [ -n "$image" ]; then
	# A kernel of one's own: its drivers are built in, no modules to copy.
	kernel=$image
	kver=custom-$(stat -c %Y "$image")
	# A debug kernel (lockdep, KASAN) stalls in ACPI's start-up under TCG;
	# without ACPI it boots from the MP tables, and the guest powers off
	# through a reset (guest-init.sh) that -no-reboot turns into an exit.
	extra_args="acpi=off $extra_args"
elif [ -z "$kver" ]; then
	# The newest Debian kernel that has both an image and its modules.
	for img in $(ls -1v /boot/vmlinuz-* 2>/dev/null | sort -rV); do
		v=${img#/boot/vmlinuz-}
		[ -d "/lib/modules/$v/kernel" ] && { kver=$v; break; }
	done
fi
kernel=${kernel:-/boot/vmlinuz-$kver}
[ -r "$kernel" ] || { echo "run-in-vm: no kernel image $kernel (apt-get install linux-image-amd64)" >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run-in-vm: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 2; }
[ -x /bin/busybox ] || { echo "run-in-vm: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 2; }

cache=${KIPSEC_VM_CACHE:-/var/tmp/kipsec-vm}
mkdir -p "$cache"
initrd=$cache/initramfs-$kver.cpio.gz
"$here/mkinitramfs.sh" "$kver" "$initrd" "$kernel"

job=$(mktemp -d /tmp/kipsec-vm-job.XXXXXX)
trap 'rm -rf "$job"' EXIT

# The job: same working directory, the caller's command quoted as given,
# and the environment variables the tests look at.
{
	echo "cd $(printf %q "$PWD")"
	for var in CI KIPSEC_KO KIPSEC_VERBOSE KIPSEC_BENCH KIPSEC_TEST_FILTER KIPSEC_TEST_TIMEOUT KIPSEC_BULK_BYTES; do
		[ -n "${!var:-}" ] && echo "export $var=$(printf %q "${!var}")"
	done
	printf '%q ' "$@"
	echo
} > "$job/cmd"

rc=0
timeout --foreground -k 10 "$timeout_s" \
	qemu-system-x86_64 -accel tcg -cpu max -smp "$cpus" -m "$mem" \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=4 panic=-1 guestinit=$here/guest-init.sh $extra_args" \
		-display none -monitor none -serial stdio -no-reboot \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		-virtfs local,path="$job",mount_tag=job,security_model=none \
		-nic none </dev/null | stdbuf -oL tr -d '\r' || rc=$?

if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
	echo "run-in-vm: timed out after ${timeout_s}s" >&2
	exit 124
fi
if [ ! -f "$job/rc" ]; then
	echo "run-in-vm: the guest died before the command finished (qemu status $rc)" >&2
	exit 125
fi
exit "$(cat "$job/rc")"
