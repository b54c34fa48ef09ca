#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the Debian 12 packages kipsec needs to build, test and demo,
# skipping what is already there.  Run as root (apt-get); CI and the README's
# two commands call it first.
set -euo pipefail

packages=(
	# build
	gcc make pkg-config libc6-dev kmod cpio xz-utils gzip
	linux-headers-amd64 libmnl-dev libnl-3-dev libnl-route-3-dev libssl-dev
	sparse python3-yaml
	# the VM the kernel tests run in, and the kernel they boot
	qemu-system-x86 linux-image-amd64 busybox-static
	# kselftest headers come from the kernel source tarball
	linux-source-6.1
	# test and demo tools used inside the VM (the kselftests: iproute2's
	# ip and genl, kmod's insmod/rmmod, python3 for JSON checks)
	iproute2 iputils-ping tcpdump python3-scapy iperf3 groff-base python3
	# the stateful gateway kselftest (gw_firewall.sh): its ruleset, its NAT table
	nftables conntrack
	# ipsecd: its libFuzzer harness, the key derivation vectors
	# (python3-cryptography), and strongSwan to interoperate with (the
	# standard plugins bring OpenSSL: 3DES and the ECP groups)
	clang-14 libfuzzer-14-dev python3-cryptography
	# ipsecd under memcheck in the hostile-exchange kselftest
	valgrind
	strongswan-charon strongswan-swanctl libstrongswan-standard-plugins
	# tshark dissects the IKE exchanges of the NAT traversal kselftest
	tshark
	# the install check: systemd-analyze verify on the units, a DKMS build
	systemd dkms
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages: ${missing[*]}; run as root or install them" >&2
	exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
