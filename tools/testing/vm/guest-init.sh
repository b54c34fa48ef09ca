#!/bin/bash
# Stage 2, PID 1 in the guest, running from the host's read-only root:
# give the guest writable places, run the job, report its status through the
# job share, then power off.  Never returns (PID 1 must not exit).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=dumb LANG=C.UTF-8

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm 2>/dev/null
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
ln -sf /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin
ln -sf /proc/self/fd/1 /dev/stdout
ln -sf /proc/self/fd/2 /dev/stderr
for d in /tmp /run /var /root; do
	mount -t tmpfs -o mode=0755 tmpfs "$d"
done
chmod 1777 /tmp
mkdir -p /var/tmp /var/run /var/lib /var/log /run/netns /run/job /run/etc-upper /run/etc-work
chmod 1777 /var/tmp
mount -t overlay overlay -o lowerdir=/etc,upperdir=/run/etc-upper,workdir=/run/etc-work /etc
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 job /run/job
hostname kipsec-vm
ip link set lo up

finish() {
	sync
	dmesg -n 1
	echo o > /proc/sysrq-trigger
	sleep 5
	# No ACPI (a debug kernel booted with acpi=off): a reset, which QEMU's
	# -no-reboot turns into its exit.
	echo b > /proc/sysrq-trigger
	sleep 5
	/bin/busybox poweroff -f
}

if [ ! -f /run/job/cmd ]; then
	echo "guest-init: no job"
	finish
fi

dmesg -n 4
bash /run/job/cmd
rc=$?

# A test that passed while the kernel complained did not pass.
. "$(dirname "${BASH_SOURCE[0]}")/../selftests/kipsec/kernel_log.sh"
if [ "$rc" -eq 0 ] && dmesg | grep -E -q "$KERNEL_SPLAT"; then
	echo "guest-init: kernel log shows a problem:"
	dmesg | grep -E -B2 -A20 "$KERNEL_SPLAT" | head -80
	rc=125
fi
echo "$rc" > /run/job/rc
finish
