# SPDX-License-Identifier: GPL-2.0
#
# Out-of-tree build of the hardened vhost modules.
#   make [KDIR=/path/to/kernel/build]     build the modules
#   make install                          install into updates/ (+ depmod)
#   make check                            run the VM test matrix (CI's subset)
#   make check-full                       every kernel x module set x suite
#   make bench                            pps ratios ours/in-tree (one VM boot)
#   make demo                             our vhost-net serving DPDK testpmd in a VM
KDIR ?= /lib/modules/$(shell uname -r)/build
TOP := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
# The release the headers were configured for (Debian's kernel.release file
# says 6.1.192 where the kernel is 6.1.0-56-amd64; utsrelease.h is right).
KVER = $(shell sed -n 's/^\#define UTS_RELEASE "\(.*\)"/\1/p' $(KDIR)/include/generated/utsrelease.h)
# Objects of each kernel live apart (a KASAN build must never leak into a
# stock one): the sources are mirrored into .build/obj-<release>.
OBJ = $(TOP)/.build/obj-$(KVER)
MIRROR = rsync -a --delete --prune-empty-dirs --include='*/' \
	 --include='*.c' --include='*.h' --include='*.mk' --include='Kbuild' --exclude='*'

all: modules

modules:
	@test -n "$(KVER)" || { echo "no kernel headers at KDIR=$(KDIR)"; exit 1; }
	@mkdir -p $(OBJ) $(TOP)/.build/modules-$(KVER)
	@$(MIRROR) $(TOP)/Kbuild $(TOP)/drivers $(TOP)/include $(OBJ)/
	$(MAKE) -C $(KDIR) M=$(OBJ) modules
	@cp $(OBJ)/drivers/*/*.ko $(TOP)/.build/modules-$(KVER)/

# In-place build, for DKMS (which builds in a copy of its own).
kbuild:
	$(MAKE) -C $(KDIR) M=$(TOP) modules

# KUnit test modules (need a kernel with CONFIG_KUNIT).  They link against
# vhh_core's exported symbols, hence the modules first.
kunit: modules
	@mkdir -p $(OBJ)/tests/kunit $(TOP)/.build/kunit-$(KVER)
	@$(MIRROR) $(TOP)/tests/kunit/ $(OBJ)/tests/kunit/
	$(MAKE) -C $(KDIR) M=$(OBJ)/tests/kunit \
		KBUILD_EXTRA_SYMBOLS=$(OBJ)/Module.symvers modules
	@cp $(OBJ)/tests/kunit/*.ko $(TOP)/.build/kunit-$(KVER)/

# Install into /lib/modules/<kver>/updates (what DKMS does too);
# INSTALL_MOD_PATH=DIR installs under DIR instead (tests/install/run).
install: modules
	$(MAKE) -C $(KDIR) M=$(OBJ) INSTALL_MOD_DIR=updates modules_install
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

check:
	$(TOP)/scripts/check

check-full:
	CHECK_SET=full $(TOP)/scripts/check

# Packets per second, ours vs in-tree, in one VM boot.
bench:
	$(TOP)/scripts/bench

# Our modules serving DPDK's testpmd in a VM, with a summary.
demo:
	$(TOP)/scripts/demo

clean:
	$(MAKE) -C $(KDIR) M=$(TOP) clean
	$(MAKE) -C $(KDIR) M=$(TOP)/tests/kunit clean
	rm -rf $(TOP)/.build

.PHONY: all modules kbuild kunit install check check-full bench demo clean
