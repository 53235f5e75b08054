# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the hardened vhost modules.
#   make [KDIR=/path/to/kernel/build]     build the modules
#   make install                          install into updates/ (+ depmod)
#   make check                            run the VM test matrix
#   make bench                            pps ratios ours/in-tree (one VM boot)
KDIR ?= /lib/modules/$(shell uname -r)/build
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
KVER = $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null)

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(TOP) modules
	@mkdir -p $(TOP)/.build/modules-$(KVER)
	@find $(TOP)/drivers -name '*.ko' -exec cp {} $(TOP)/.build/modules-$(KVER)/ \; 2>/dev/null || true

# KUnit test modules (need a kernel with CONFIG_KUNIT).  They link against
# vhh_core's exported symbols, hence the modules first.
kunit: modules
	$(MAKE) -C $(KDIR) M=$(TOP)/tests/kunit \
		KBUILD_EXTRA_SYMBOLS=$(TOP)/Module.symvers modules
	@mkdir -p $(TOP)/.build/kunit-$(KVER)
	@cp $(TOP)/tests/kunit/*.ko $(TOP)/.build/kunit-$(KVER)/

# Install into /lib/modules/<kver>/updates (what DKMS does too).
install: modules
	$(MAKE) -C $(KDIR) M=$(TOP) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(KVER)

check:
	$(TOP)/scripts/check

# Packets per second, ours vs in-tree, in one VM boot.
bench:
	$(TOP)/scripts/bench

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C $(KDIR) M=$(TOP)/tests/kunit clean
	rm -rf $(TOP)/.build

.PHONY: all modules kunit install check bench clean
