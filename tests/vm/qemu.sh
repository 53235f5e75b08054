#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# qemu suite: Debian's QEMU 7.2 (scripts/qemu-client) runs inside the test VM
# (nested TCG) as the real client of the vhost-net and vhost-scsi modules
# loaded there.
#
#   ipxe   SeaBIOS + iPXE (the virtio-net ROM) boot from the network: DHCP
#          from busybox udhcpd on a tap, HTTP from busybox httpd
#   linux  Debian's 6.1 kernel boots behind a vIOMMU (intel-iommu with
#          device IOTLB, ATS) with a 2-queue-pair virtio-net, moves data both
#          ways (sha256 checked), reboots, moves data again, powers off
#   scsi   (not a default part) Debian's 6.1 kernel boots with a
#          vhost-scsi-pci on a LIO target of the vhost fabric with a
#          ramdisk and a fileio LUN, writes and reads back a random pattern
#          on each with O_DIRECT (sha256 checked, the fileio backing file
#          too), reboots, does it again, powers off
#
# QEMU_SUITE_PARTS="ipxe linux scsi" selects the parts (default: ipxe linux).  TAP on stdout, one test
# per check; QEMU's own output and the nested consoles follow as comments.
# Every QEMU runs with vhost=on,vhostforce=on (vhost-scsi-pci has no
# fallback); a run fails if QEMU reports a vhost problem or if no vhost
# worker thread of that QEMU ever ran.

. /etc/vmtest/qemu-common.sh
QDIR=/etc/vmtest/qemu
OUT=/tmp/qemu
PARTS=${QEMU_SUITE_PARTS:-ipxe linux}
IPXE_PAIRS=${QEMU_IPXE_PAIRS:-512}
LINUX_MB=${QEMU_LINUX_MB:-4}
SCSI_MB=${QEMU_SCSI_MB:-4}
TMO=${QEMU_PART_TIMEOUT:-600}
# a nested boot up to the disks took up to 500 guest seconds under load
SCSI_TMO=${QEMU_PART_TIMEOUT:-1200}
mkdir -p $OUT
export PATH=/bin:/sbin:/usr/bin:/usr/sbin

n=0
failed=0
result() { # result NAME STATUS [NOTE]
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1${3:+ # $3}"
		failed=1
	fi
}
uptime_s() { cut -d. -f1 /proc/uptime; }
evidence() { # evidence TITLE FILE
	echo "# ---- $1"
	printable < "$2" | sed 's/^/#   /'
}

# watch_vhost QEMU_PID FILE: while QEMU runs, record whether it holds
# /dev/vhost-net or /dev/vhost-scsi and the CPU time (ns, from schedstat) of its vhost worker
# threads ("vhost-<pid>", one per vhost device, in-tree and ours alike).
watch_vhost() {
	qpid=$1 f=$2 fds=0 ns=0
	while kill -0 "$qpid" 2>/dev/null; do
		c=$(ls -l /proc/$qpid/fd 2>/dev/null | grep -cE '/dev/vhost-(net|scsi)')
		[ "$c" -gt "$fds" ] && fds=$c
		t=0 w=0
		# Kernel threads are in /proc; threads of QEMU (vhost_task:
		# 6.12's default, ours where the kernel has it) only under
		# its task directory, where schedstat is the thread's own.
		for d in /proc/[0-9]* /proc/$qpid/task/[0-9]*; do
			[ "$(cat $d/comm 2>/dev/null)" = "vhost-$qpid" ] || continue
			w=$((w + 1))
			s=$(cut -d' ' -f1 $d/schedstat 2>/dev/null)
			t=$((t + ${s:-0}))
		done
		[ "$t" -gt "$ns" ] && ns=$t
		echo "vhost_fds=$fds worker_ns=$ns workers=$w" > "$f"
		sleep 1
	done
}
vhost_ran() { # vhost_ran FILE: QEMU held a vhost device and a worker ran
	[ -f "$1" ] || return 1
	set -- $(sed 's/[a-z_]*=//g' "$1")
	[ "${1:-0}" -gt 0 ] && [ "${2:-0}" -gt 0 ]
}

# run_qemu LOG ARGS...: start QEMU in the background, QPID is its pid.
run_qemu() {
	log=$1
	shift
	echo "# qemu-system-x86_64 $*"
	qemu-system-x86_64 "$@" </dev/null >"$log" 2>&1 &
	QPID=$!
}
# wait_qemu SECONDS: QRC is QEMU's exit status (124: killed after SECONDS).
wait_qemu() {
	i=0
	while kill -0 "$QPID" 2>/dev/null && [ $i -lt "$1" ]; do
		sleep 1
		i=$((i + 1))
	done
	if kill -0 "$QPID" 2>/dev/null; then
		kill -9 "$QPID"
		wait "$QPID" 2>/dev/null
		QRC=124
	else
		wait "$QPID"
		QRC=$?
	fi
}
qemu_clean() { # qemu_clean LOG: QRC 0 and nothing vhost-related in QEMU's output
	[ "$QRC" = 0 ] && ! printable < "$1" | grep -qE "$QEMU_BAD"
}

# ---- iPXE --------------------------------------------------------------------
# The boot script fetches a 1 MiB random blob (imgstat prints its size) and
# then a script of IPXE_PAIRS random 256-bit values, each set and compared
# against a second copy with iseq: one damaged byte ends the script early.
# Debian's iPXE has no digest command (no sha256sum/md5sum in the ROM), so
# this is how received data is checked byte by byte inside the firmware.
# The script's last command sends the last value back in a request's path
# (TX), which httpd logs.  iPXE negotiates no checksum offload, so every TCP
# segment's checksum is also checked in software.
ipxe() {
	w=$OUT/www-ipxe
	mkdir -p $w
	qtool tap qtap0 || true
	ip addr add 10.0.2.2/24 dev qtap0
	ip link set qtap0 up
	head -c 1048576 /dev/urandom > $w/blob.bin
	hexdump -v -e '32/1 "%02x" "\n"' -n $((IPXE_PAIRS * 32)) /dev/urandom > $OUT/ipxe-values
	last=$(tail -n1 $OUT/ipxe-values)
	cat > $w/boot.ipxe <<-'EOF'
	#!ipxe
	echo QIPXE up ip=${net0/ip} mac=${net0/mac}
	imgfetch --name blob http://10.0.2.2/blob.bin || goto bad
	imgstat
	imgfree blob
	chain http://10.0.2.2/check.ipxe || goto bad
	:bad
	echo QIPXE failed
	chain http://10.0.2.2/tx/bad || reboot
	EOF
	awk 'BEGIN { print "#!ipxe"; print "echo QIPXE checking" }
		{ print "set r " $1; print "iseq ${r} " $1 " || goto bad" }
		END {
			print "echo QIPXE verified"
			print "chain http://10.0.2.2/tx/ok/${r} || echo QIPXE sent"
			print "reboot"
			print ":bad"
			print "echo QIPXE mismatch"
			print "chain http://10.0.2.2/tx/bad || reboot"
		}' $OUT/ipxe-values > $w/check.ipxe
	echo "# check.ipxe: $(wc -c < $w/check.ipxe) bytes, $IPXE_PAIRS values; blob sha256 $(sha256sum < $w/blob.bin | cut -c1-64)"
	cat > $OUT/udhcpd.conf <<-EOF
	start 10.0.2.15
	end 10.0.2.30
	interface qtap0
	lease_file $OUT/udhcpd.leases
	siaddr 10.0.2.2
	boot_file http://10.0.2.2/boot.ipxe
	option subnet 255.255.255.0
	option router 10.0.2.2
	option bootfile http://10.0.2.2/boot.ipxe
	EOF
	touch $OUT/udhcpd.leases
	udhcpd -f $OUT/udhcpd.conf >$OUT/udhcpd.log 2>&1 &
	dpid=$!
	httpd -f -vv -p 10.0.2.2:80 -h $w >$OUT/httpd-ipxe.log 2>&1 &
	hpid=$!

	t0=$(uptime_s)
	# virtio-net-pci's default romfile is efi-virtio.rom (its legacy
	# image is what SeaBIOS runs).  Naming it with romfile= stops QEMU
	# from patching the ROM's PCI ids (pci_patch_ids is for default
	# ROMs only) and SeaBIOS then skips the ROM: leave it to the default.
	# -nographic (not -display none): only then do SeaBIOS and iPXE
	# print on the serial port (QEMU passes etc/sercon-port).
	run_qemu $OUT/qemu-ipxe.log -accel tcg -nodefaults -no-user-config \
		-nographic -m 256 -no-reboot \
		-netdev tap,id=n0,ifname=qtap0,script=no,downscript=no,vhost=on,vhostforce=on \
		-device virtio-net-pci,netdev=n0 \
		-chardev file,id=con,path=$OUT/ipxe-console.log -serial chardev:con \
		-boot n
	touch $OUT/ipxe-console.log
	watch_vhost $QPID $OUT/ipxe-vhost &
	wpid=$!
	wait_qemu $TMO
	wait $wpid
	t=$(($(uptime_s) - t0))
	kill $dpid $hpid 2>/dev/null
	wait $dpid $hpid 2>/dev/null
	con=$OUT/ipxe-console.log
	echo "# ipxe: QEMU exit $QRC after ${t}s; $(cat $OUT/ipxe-vhost 2>/dev/null)"

	grep -q 'sending ACK' $OUT/udhcpd.log &&
		printable < $con | grep -q 'QIPXE up ip=10\.0\.2\.'
	result ipxe.dhcp $?
	printable < $con | grep -qE '^blob : 1048576 bytes'
	result ipxe.http_rx_size $?
	printable < $con | grep -q 'QIPXE verified'
	result ipxe.http_rx_verified $?
	grep -q "url:/tx/ok/$last\$" $OUT/httpd-ipxe.log
	result ipxe.tx_token_seen $?
	vhost_ran $OUT/ipxe-vhost
	result ipxe.vhost_worker_ran $?
	qemu_clean $OUT/qemu-ipxe.log
	result ipxe.exit_clean $? "qemu rc=$QRC"
	echo "TIME qemu-ipxe ${t}s"
	evidence "QEMU output (ipxe)" $OUT/qemu-ipxe.log
	evidence "nested console (SeaBIOS, iPXE)" $con
	evidence "udhcpd" $OUT/udhcpd.log
	evidence "httpd" $OUT/httpd-ipxe.log
}

# ---- kprobes on the vhost module under test (informational) -----------------
# What the IOTLB really receives: every range the module drops
# (vhost_iotlb_del_range of the in-tree vhost_iotlb, vhh_iotlb_del_range of
# our core; start, last) and the return value of every write() of an IOTLB
# message on the device fd.  An INVALIDATE of size 0 at 0 shows up in-tree as
# last=0xffffffffffffffff (and, with ours, as a refused write).
TR=/sys/kernel/debug/tracing
kprobes_on() {
	[ -w $TR/kprobe_events ] || return 0
	for m in vhost_iotlb:vhost_iotlb_del_range vhh_core:vhh_iotlb_del_range; do
		grep -q " ${m#*:}	\[${m%:*}\]" /proc/kallsyms &&
			echo "p:qsuite/del $m start=%si:x64 last=%dx:x64" >> $TR/kprobe_events
	done
	for m in vhost:vhost_chr_write_iter vhh_core:vhh_chr_write_iter; do
		grep -q " ${m#*:}	\[${m%:*}\]" /proc/kallsyms &&
			echo "r:qsuite/wr $m ret=\$retval:s64" >> $TR/kprobe_events
	done
	echo 8192 > $TR/buffer_size_kb
	echo > $TR/trace
	echo 1 > $TR/events/qsuite/enable 2>/dev/null
}
kprobes_report() {
	[ -d $TR/events/qsuite ] || { echo "# kprobes: not available"; return 0; }
	echo 0 > $TR/events/qsuite/enable
	grep -E 'qsuite|del:|wr:' $TR/trace > $OUT/kprobes.log
	echo "# kprobes: IOTLB ranges dropped (start last count):"
	sed -n 's/.* del: .*start=\(0x[0-9a-f]*\) last=\(0x[0-9a-f]*\).*/\1 \2/p' $OUT/kprobes.log |
		sort | uniq -c | sort -rn | head -n 8 | awk '{ print "#   " $2, $3, $1 }'
	echo "# kprobes: IOTLB message writes by return value (ret count):"
	sed -n 's/.* wr: .*ret=\(-*[0-9]*\).*/\1/p' $OUT/kprobes.log |
		sort | uniq -c | sort -rn | awk '{ print "#   " $2, $1 }'
	echo "-:qsuite/del" >> $TR/kprobe_events 2>/dev/null
	echo "-:qsuite/wr" >> $TR/kprobe_events 2>/dev/null
}

# ---- Linux guest -------------------------------------------------------------
# The guest (tests/vm/qemu-guest-init) reports on its console as "QGUEST ..."
# lines; it learns its round from http://HOST/round, which this side bumps
# once it has checked the round's transfers.  Round 1 ends with reboot -f
# (QEMU resets and stops/restarts vhost), round 2 with poweroff -f.
HOST=10.0.3.2 GUEST=10.0.3.15
guest_line() { # guest_line PATTERN: the last console line with PATTERN
	printable < $OUT/linux-console.log | grep -oE "$1.*" | tail -n1
}
field() { echo "$1" | tr ' ' '\n' | sed -n "s/^$2=//p"; }

linux_round() { # linux_round ROUND SUFFIX
	r=$1 sfx=$2
	if wait_for "QGUEST up round=$r" $OUT/linux-console.log $TMO $QPID; then
		result "linux.${3}" 0
	else
		result "linux.${3}" 1
		return 1
	fi
	l=$(guest_line "QGUEST channels")
	echo "# round $r: $l"
	if [ "$r" = 1 ]; then
		[ "$(field "$l" combined)" = 2 ]
		result linux.two_queue_pairs $? "$l"
	fi
	wait_for "QGUEST rx round=$r " $OUT/linux-console.log $TMO $QPID
	l=$(guest_line "QGUEST rx round=$r ")
	echo "# $l"
	[ "$(field "$l" sha1)" = "$DOWN_SHA" ] && [ "$(field "$l" sha2)" = "$DOWN_SHA" ]
	result "linux.xfer_from_host_sha$sfx" $? "expected $DOWN_SHA"
	wait_for "QGUEST tx-ready round=$r " $OUT/linux-console.log $TMO $QPID
	l=$(guest_line "QGUEST tx-ready round=$r ")
	echo "# $l"
	want=$(field "$l" sha)
	# two connections at once, so that both queue pairs carry data
	rm -f $OUT/up1 $OUT/up2
	timeout $TMO wget -q -O $OUT/up1 http://$GUEST/up.bin &
	p1=$!
	timeout $TMO wget -q -O $OUT/up2 http://$GUEST/up.bin &
	p2=$!
	wait $p1 $p2
	s1=$(sha256sum < $OUT/up1 | cut -c1-64) s2=$(sha256sum < $OUT/up2 | cut -c1-64)
	echo "# host got sha1=$s1 sha2=$s2 ($(wc -c < $OUT/up1) and $(wc -c < $OUT/up2) bytes)"
	[ -n "$want" ] && [ "$s1" = "$want" ] && [ "$s2" = "$want" ]
	result "linux.xfer_to_host_sha$sfx" $? "guest sha $want"
	echo $((r + 1)) > $OUT/www-linux/round
	wait_for "QGUEST done round=$r" $OUT/linux-console.log 120 $QPID
	echo "# $(guest_line "QGUEST irq round=$r")"
}

linux() {
	w=$OUT/www-linux
	mkdir -p $w
	qtool tap qtap1 mq || true
	ip addr add $HOST/24 dev qtap1
	ip link set qtap1 up
	head -c $((LINUX_MB * 1048576)) /dev/urandom > $w/down.bin
	DOWN_SHA=$(sha256sum < $w/down.bin | cut -c1-64)
	echo 1 > $w/round
	httpd -f -vv -p $HOST:80 -h $w >$OUT/httpd-linux.log 2>&1 &
	hpid=$!

	kprobes_on
	t0=$(uptime_s)
	# q35 + intel-iommu with device IOTLB; the NIC sits behind a PCIe root
	# port, since QEMU gives virtio-pci its PCIe (and ATS) capabilities
	# only there, and without ATS the guest sends no device-IOTLB
	# invalidations.  intremap=off: no split irqchip needed (TCG).
	# Lazy IOMMU mode (Debian's default, made explicit): unmaps are
	# batched and flushed with a device-IOTLB invalidate-all.
	run_qemu $OUT/qemu-linux.log -accel tcg -M q35 -m 384 -smp 1 \
		-nodefaults -no-user-config -display none \
		-device intel-iommu,intremap=off,device-iotlb=on \
		-device pcie-root-port,id=rp0,chassis=1,slot=1 \
		-netdev tap,id=n0,ifname=qtap1,script=no,downscript=no,vhost=on,vhostforce=on,queues=2 \
		-device virtio-net-pci,bus=rp0,netdev=n0,mq=on,vectors=6,iommu_platform=on,ats=on,mac=52:54:00:12:34:57 \
		-kernel $QDIR/vmlinuz -initrd $QDIR/guest.gz \
		-append "console=ttyS0 rdinit=/init panic=-1 loglevel=5 mitigations=off $NESTED_NO_TIMING intel_iommu=on iommu.strict=${QEMU_IOMMU_STRICT:-0} qsuite.host=$HOST qsuite.ip=$GUEST qsuite.mb=$LINUX_MB" \
		-chardev file,id=con,path=$OUT/linux-console.log -serial chardev:con \
		-D $OUT/linux-trace.log -trace vtd_inv_desc -trace vhost_iotlb_miss
	touch $OUT/linux-console.log
	watch_vhost $QPID $OUT/linux-vhost &
	wpid=$!
	if linux_round 1 "" boot && linux_round 2 _after_reboot reboot; then
		wait_qemu $TMO
	else
		wait_qemu 10
	fi
	wait $wpid
	t=$(($(uptime_s) - t0))
	kill $hpid 2>/dev/null
	wait $hpid 2>/dev/null
	echo "# linux: QEMU exit $QRC after ${t}s; $(cat $OUT/linux-vhost 2>/dev/null)"
	kprobes_report
	# tests not reached count as failed, so the plan always adds up
	while [ $n -lt $((NBASE + 7)) ]; do result "linux.not_reached_$n" 1; done
	vhost_ran $OUT/linux-vhost
	result linux.vhost_worker_ran $?
	# QEMU's trace: the guest's device-IOTLB invalidations (intel-iommu
	# turns them into vhost IOTLB INVALIDATE messages) and vhost's misses
	# (IOTLB MISS, answered with UPDATE)
	devinv=$(grep -c 'type device' $OUT/linux-trace.log)
	miss=$(grep -c 'vhost_iotlb_miss' $OUT/linux-trace.log)
	all=$(grep -c 'type device high 0x7ffffffffffff001 ' $OUT/linux-trace.log)
	echo "# trace: $devinv device-IOTLB invalidation descriptors ($all of them invalidate-all), $miss vhost_iotlb_miss trace lines (2 per miss)"
	[ "$devinv" -gt 0 ] && [ "$miss" -gt 0 ]
	result linux.device_iotlb_used $? "$devinv invalidations, $miss misses"
	! printable < $OUT/linux-console.log |
		grep -qE 'BUG:|WARNING:|Oops|Call Trace:|Kernel panic|DMAR: DRHD: handling fault|DMAR:.*[Ff]ault'
	result linux.guest_console_clean $?
	qemu_clean $OUT/qemu-linux.log
	result linux.exit_clean $? "qemu rc=$QRC"
	echo "TIME qemu-linux ${t}s"
	evidence "QEMU output (linux)" $OUT/qemu-linux.log
	evidence "nested console (Linux guest)" $OUT/linux-console.log
}

# ---- Linux guest on vhost-scsi -----------------------------------------------
# A LIO target of the vhost fabric (configfs, the steps of
# tests/selftests/lib/scsi_util.c): tpgt_1 with LUN 0 on a ramdisk (rd_mcp)
# and LUN 1 on a fileio backstore in /tmp, and a nexus.  QEMU's
# vhost-scsi-pci opens /dev/vhost-scsi and binds it to the target's WWPN
# (SET_ENDPOINT); the guest (tests/vm/qemu-guest-scsi) sees the LUNs as
# target 1 (the tpgt), LUNs 0 and 1.  num_queues=2 on one vCPU: the guest
# sets up one request queue only, so QEMU starts vhost with a request queue
# that was never configured.  The fileio LUN has a second path: this side
# reads the backing file's slice back and compares it with what the guest
# wrote.
CFS=/sys/kernel/config/target
SCSI_DISK_MB=16
SCSI_FILE=$OUT/scsi-fileio.img
scsi_names() {
	u=$(hexdump -n 4 -e '"%08x"' /dev/urandom | cut -c1-7)
	WWPN=naa.50014050$u INITIATOR=naa.60014050$u
	TPG=$CFS/vhost/$WWPN/tpgt_1
	RD=$CFS/core/rd_mcp_0/qsuite_rd FD=$CFS/core/fileio_0/qsuite_fd
}
scsi_target_up() { # run in a subshell: the first failure ends it
	set -e
	mkdir -p $TPG
	mkdir -p $RD
	echo "rd_pages=$((SCSI_DISK_MB * 256))" > $RD/control
	echo 1 > $RD/enable
	mkdir -p $FD
	dd if=/dev/zero of=$SCSI_FILE bs=1M count=$SCSI_DISK_MB 2>/dev/null
	echo "fd_dev_name=$SCSI_FILE,fd_dev_size=$((SCSI_DISK_MB * 1048576))" > $FD/control
	echo 1 > $FD/enable
	mkdir $TPG/lun/lun_0 $TPG/lun/lun_1
	ln -s $RD $TPG/lun/lun_0/qsuite_port
	ln -s $FD $TPG/lun/lun_1/qsuite_port
	echo $INITIATOR > $TPG/nexus
	set +e
}
scsi_target_down() { # the reverse; fails if configfs refuses a step
	rc=0
	for l in 1 0; do
		[ -L $TPG/lun/lun_$l/qsuite_port ] && { rm $TPG/lun/lun_$l/qsuite_port || rc=1; }
		[ -d $TPG/lun/lun_$l ] && { rmdir $TPG/lun/lun_$l || rc=1; }
	done
	[ -d $TPG ] && { grep -q "$INITIATOR" $TPG/nexus 2>/dev/null && { echo NULL > $TPG/nexus || rc=1; }
		rmdir $TPG || rc=1; }
	[ -d $CFS/vhost/$WWPN ] && { rmdir $CFS/vhost/$WWPN || rc=1; }
	for d in $RD $FD; do
		[ -d $d ] && { rmdir $d || rc=1; }
		[ -d ${d%/*} ] && { rmdir ${d%/*} || rc=1; }
	done
	return $rc
}
scsi_line() { printable < $OUT/scsi-console.log | grep -oE "$1.*" | tail -n1; }
# the sha256 of the backing file's slice at MiB OFFSET
file_sha() { dd if=$SCSI_FILE bs=1M skip=$1 count=$SCSI_MB 2>/dev/null | sha256sum | cut -c1-64; }

scsi_round() { # scsi_round ROUND SUFFIX NAME
	r=$1 sfx=$2 con=$OUT/scsi-console.log
	if wait_for "QGUEST scsi-up round=$r" $con $SCSI_TMO $QPID; then
		result "scsi.$3" 0
	else
		result "scsi.$3" 1 "last: $(scsi_line 'QGUEST scsi-up')"
		return 1
	fi
	echo "# $(scsi_line "QGUEST scsi-up round=$r")"
	wait_for "QGUEST scsi-done round=$r" $con $SCSI_TMO $QPID
	l0=$(scsi_line "QGUEST disk round=$r lun=0 ") l1=$(scsi_line "QGUEST disk round=$r lun=1 ")
	echo "# $l0"
	echo "# $l1"
	if [ "$r" = 1 ]; then
		[ "$(field "$l0" model)" = RAMDISK-MCP ] && [ "$(field "$l1" model)" = FILEIO ] &&
			[ "$(field "$l0" sectors)" = $((SCSI_DISK_MB * 2048)) ] &&
			[ "$(field "$l1" sectors)" = $((SCSI_DISK_MB * 2048)) ]
		result scsi.two_luns $? "lun 0 $(field "$l0" model), lun 1 $(field "$l1" model)"
		W0=$(field "$l0" wrote) W1=$(field "$l1" wrote)
	fi
	w=$(field "$l0" wrote)
	[ -n "$w" ] && [ "$w" = "$(field "$l0" read)" ]
	result "scsi.ramdisk_rw_sha$sfx" $?
	w=$(field "$l1" wrote)
	[ -n "$w" ] && [ "$w" = "$(field "$l1" read)" ]
	result "scsi.fileio_rw_sha$sfx" $?
	h=$(file_sha $(((r - 1) * SCSI_MB)))
	echo "# backing file slice at $(((r - 1) * SCSI_MB)) MiB: $h"
	[ -n "$w" ] && [ "$w" = "$h" ]
	result "scsi.fileio_backing_sha$sfx" $? "guest wrote $w"
	if [ "$r" = 2 ]; then
		h=$(file_sha 0)
		[ -n "$W0" ] && [ "$(field "$l0" prev)" = "$W0" ] &&
			[ -n "$W1" ] && [ "$(field "$l1" prev)" = "$W1" ] && [ "$h" = "$W1" ]
		result scsi.round1_data_kept $? "round 1 wrote $W0 $W1; file $h"
	fi
}

scsi() {
	con=$OUT/scsi-console.log
	scsi_names
	echo "# target $WWPN tpgt_1, nexus $INITIATOR; lun 0 rd_mcp, lun 1 fileio $SCSI_FILE ($SCSI_DISK_MB MiB each)"
	( set -x; scsi_target_up ) > $OUT/scsi-cfs.log 2>&1
	tc=$?
	result scsi.target_configured $tc "$(tail -n1 $OUT/scsi-cfs.log)"
	t0=$(uptime_s)
	: > $con
	QRC=none
	if [ $tc = 0 ]; then
		run_qemu $OUT/qemu-scsi.log -accel tcg -M q35 -m 384 -smp 1 \
			-nodefaults -no-user-config -display none \
			-device vhost-scsi-pci,wwpn=$WWPN,num_queues=2,max_sectors=16384,cmd_per_lun=64 \
			-kernel $QDIR/vmlinuz -initrd $QDIR/guest.gz \
			-append "console=ttyS0 rdinit=/scsi-init panic=-1 loglevel=5 mitigations=off $NESTED_NO_TIMING qsuite.disks=2 qsuite.mb=$SCSI_MB" \
			-chardev file,id=con,path=$con -serial chardev:con
		watch_vhost $QPID $OUT/scsi-vhost &
		wpid=$!
		if scsi_round 1 "" boot && scsi_round 2 _after_reboot reboot; then
			wait_qemu $TMO
		else
			wait_qemu 10
		fi
		wait $wpid
	fi
	t=$(($(uptime_s) - t0))
	echo "# scsi: QEMU exit $QRC after ${t}s; $(cat $OUT/scsi-vhost 2>/dev/null)"
	while [ $n -lt $((NBASE + 11)) ]; do result "scsi.not_reached_$n" 1; done
	vhost_ran $OUT/scsi-vhost
	result scsi.vhost_worker_ran $?
	! printable < $con |
		grep -qE 'BUG:|WARNING:|Oops|Call Trace:|Kernel panic|I/O error|critical (target|medium)|hostbyte=|timing out command'
	result scsi.guest_console_clean $?
	qemu_clean $OUT/qemu-scsi.log
	result scsi.exit_clean $? "qemu rc=$QRC"
	scsi_target_down > $OUT/scsi-cfs-down.log 2>&1
	result scsi.target_teardown $? "$(tail -n1 $OUT/scsi-cfs-down.log)"
	rm -f $SCSI_FILE
	echo "TIME qemu-scsi ${t}s"
	evidence "configfs (scsi)" $OUT/scsi-cfs.log
	evidence "QEMU output (scsi)" $OUT/qemu-scsi.log
	evidence "nested console (Linux guest, vhost-scsi)" $con
}

NTESTS=0
for p in $PARTS; do
	case $p in
	ipxe) NTESTS=$((NTESTS + 6)) ;;
	linux) NTESTS=$((NTESTS + 11)) ;;
	scsi) NTESTS=$((NTESTS + 15)) ;;
	*) echo "qemu.sh: unknown part $p" >&2; exit 2 ;;
	esac
done
echo "1..$NTESTS"
echo "# $(qemu-system-x86_64 --version | head -n1); vhost: $(ls -l /dev/vhost-net /dev/vhost-scsi 2>&1 | tr '\n' ' ')"
for p in $PARTS; do
	NBASE=$n
	$p
done
exit $failed
