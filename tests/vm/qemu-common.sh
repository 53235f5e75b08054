#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the scripts that run Debian's QEMU inside the test VM: the
# qemu suite (tests/vm/qemu.sh) and the bench's qemu-xfer workload
# (tests/vm/qemu-bench.sh).  What they judge QEMU and its nested guest by.

# What QEMU prints when vhost does not serve it (net/tap.c, hw/net/vhost_net.c,
# hw/virtio/vhost.c) or when one of its asserts fires.
# hw/scsi/vhost-scsi.c names itself in all it reports (e.g. "Cannot set
# vhost-scsi endpoint"); its device name appears in nothing benign.
QEMU_BAD='falling back on userspace virtio|vhost-net requested but could not be initialized|unable to start vhost|Fail to (invalidate|update)|vhost_set_|vhost_net_|vhost VQ|vhost-scsi|[Aa]ssert|Aborted|[Ee]rror'
# The nested Linux guest runs TCG inside TCG (on a debug host under KASAN,
# thousands of times slower than hardware): its RCU-stall, soft-lockup and
# hung-task detectors only measure that, so they are off on its command
# line.  Its splats (BUG, WARNING, Oops, Call Trace, DMAR faults) still fail
# linux.guest_console_clean; its console is not mirrored onto the VM's,
# which vmtest judges as the host's.
NESTED_NO_TIMING="rcupdate.rcu_cpu_stall_suppress=1 nowatchdog sysctl.kernel.hung_task_timeout_secs=0"

printable() { tr -cd '\11\12\40-\176'; }

# wait_for PATTERN FILE SECONDS PID: until FILE has PATTERN (grep -E), PID
# exits or time runs out.
wait_for() {
	i=0
	while [ $i -lt "$3" ]; do
		printable < "$2" 2>/dev/null | grep -qE "$1" && return 0
		kill -0 "$4" 2>/dev/null || { printable < "$2" | grep -qE "$1"; return; }
		sleep 1
		i=$((i + 1))
	done
	return 1
}
