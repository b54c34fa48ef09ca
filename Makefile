# SPDX-License-Identifier: GPL-2.0
#
# kipsec: top-level build.
#
#   make            build kipsec.ko, the userspace tools and the selftests
#   make check      install what is missing, build, run every test (host + VM)
#   make demo       install what is missing, build, run the demo in a VM
#   make bench      benchmarks in a VM (ratios against Linux XFRM)
#   make check-debug the kselftests in a lockdep/KASAN/kmemleak/UBSAN kernel
#   make install    install the module, the tools, their manuals and the
#                   systemd units (DESTDIR, PREFIX, SYSTEMDUNITDIR)
#   make install-dkms  the module's sources and dkms.conf in
#                   $(DESTDIR)/usr/src/kipsec-$(VERSION), for DKMS
#   make clean
#
# KVER/KDIR select the kernel to build against: by default the newest one
# whose headers are installed.

KVER ?= $(shell ls -d /lib/modules/*/build 2>/dev/null | sed 's|^/lib/modules/||; s|/build$$||' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
# One version, dkms.conf's.
VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"$$/\1/p' $(CURDIR)/dkms.conf)
INSTALL ?= install
# CI turns warnings into errors (W=1 for our objects, -Werror everywhere).
ifeq ($(CI),true)
KBUILD_EXTRA := W=1 KCFLAGS=-Werror
endif

SELFTESTS := tools/testing/selftests/kipsec

.PHONY: all module userspace selftests install install-dkms clean check check-run demo demo-run \
	bench bench-run deps sparse check-debug

all: module userspace selftests

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) $(KBUILD_EXTRA) modules

userspace:
	$(MAKE) -C userspace

selftests: userspace
	$(MAKE) -C $(SELFTESTS)

# sparse over every object of the module (C=2 checks even up-to-date ones).
sparse:
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse modules

# DESTDIR stages the whole install (a packager's tree): the module goes to
# $(DESTDIR)/lib/modules/$(KVER)/extra and depmod is left to the package's
# own scripts, so nothing outside DESTDIR is touched.
install: module userspace
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR) DEPMOD=true) modules_install
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# What DKMS needs to build the module for any kernel: Kbuild, dkms.conf,
# the module's sources and the uAPI header, nothing built.  `dkms install
# kipsec/$(VERSION)` then does the rest (Documentation/admin-guide.md).
DKMS_SRC := $(DESTDIR)/usr/src/kipsec-$(VERSION)
install-dkms:
	$(INSTALL) -d $(DKMS_SRC)/kernel $(DKMS_SRC)/include/uapi/linux
	$(INSTALL) -m 0644 Kbuild dkms.conf $(DKMS_SRC)/
	$(INSTALL) -m 0644 $(wildcard kernel/*.c kernel/*.h) $(DKMS_SRC)/kernel/
	$(INSTALL) -m 0644 include/uapi/linux/kipsec.h $(DKMS_SRC)/include/uapi/linux/

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C userspace clean
	$(MAKE) -C $(SELFTESTS) clean

deps:
	tools/testing/install-deps.sh

# The two commands of README.md install what they need, then re-read this
# Makefile so that KVER is found after linux-headers-amd64 arrived.
check: deps
	$(MAKE) check-run

check-run:
	tools/testing/check.sh

# Builds (once, cached outside the tree: 30-60 minutes) and boots the debug
# kernel; too slow for every CI run, run before resolving kernel work.
check-debug: deps
	tools/testing/check-debug.sh

demo: deps
	$(MAKE) demo-run

demo-run: all
	tools/testing/vm/run-in-vm.sh -t 300 -- tools/testing/demo/demo.sh

bench: deps
	$(MAKE) bench-run

bench-run: all
	tools/testing/vm/run-in-vm.sh -t 3600 -m 2048 -- tools/testing/bench/bench.sh
