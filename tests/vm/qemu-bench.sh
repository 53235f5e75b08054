#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Bench workload qemu-xfer (tests/vm/bench.sh): the whole system.  Debian's
# QEMU 7.2 boots Debian's 6.1 kernel (nested TCG, one vCPU, no vIOMMU) with
# a virtio-net on vhost-net (vhost=on,vhostforce=on) and a tap here; its
# init (tests/vm/qemu-guest-bench) fetches BENCH_QEMU_MB MiB from this VM
# and serves as many back.  xfer (tests/vm/xfer.c) times both on this VM's
# clock; the last line is
#   BENCH qemu-xfer rx_kib_s=R tx_kib_s=T pps=<KiB per second both ways>
# Any missing byte, a QEMU that reports a vhost problem or a run out of
# time fails the workload (no BENCH line, exit 1).

. /etc/vmtest/qemu-common.sh
QDIR=/etc/vmtest/qemu
OUT=/tmp/qbench
MB=${BENCH_QEMU_MB:-8}
TMO=${BENCH_QEMU_TIMEOUT:-900}
HOST=10.0.4.2 GUEST=10.0.4.15
BYTES=$((MB * 1048576))
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
rm -rf $OUT && mkdir -p $OUT

fail() {
	echo "qemu-xfer: $*"
	kill -9 "$QPID" "$SPID" 2>/dev/null
	printable < $OUT/qemu.log | sed 's/^/qemu: /'
	printable < $OUT/console.log | tail -n 30 | sed 's/^/console: /'
	exit 1
}
# until PID exits (0) or TMO seconds pass (1)
wait_pid() {
	i=0
	while kill -0 "$1" 2>/dev/null; do
		[ $i -lt $TMO ] || return 1
		sleep 1
		i=$((i + 1))
	done
}

if [ ! -d /sys/class/net/qtap2 ]; then
	qtool tap qtap2 || exit 1
	ip addr add $HOST/24 dev qtap2
	ip link set qtap2 up
fi
xfer serve $HOST 8080 $BYTES > $OUT/rx 2>&1 &
SPID=$!
qemu-system-x86_64 -accel tcg -m 256 -smp 1 \
	-nodefaults -no-user-config -display none \
	-netdev tap,id=n0,ifname=qtap2,script=no,downscript=no,vhost=on,vhostforce=on \
	-device virtio-net-pci,netdev=n0,mac=52:54:00:12:34:58 \
	-kernel $QDIR/vmlinuz -initrd $QDIR/guest.gz \
	-append "console=ttyS0 rdinit=/bench-init panic=-1 loglevel=5 mitigations=off $NESTED_NO_TIMING qsuite.host=$HOST qsuite.ip=$GUEST qsuite.mb=$MB" \
	-chardev file,id=con,path=$OUT/console.log -serial chardev:con \
	</dev/null >$OUT/qemu.log 2>&1 &
QPID=$!

wait_pid $SPID || fail "the guest did not fetch in ${TMO}s"
wait $SPID || fail "serving: $(cat $OUT/rx)"
wait_for 'QBENCH tx-ready' $OUT/console.log $TMO $QPID || fail "the guest never served"
got=$(printable < $OUT/console.log | sed -n 's/.*QBENCH rx bytes=\([0-9]*\).*/\1/p')
[ "$got" = $BYTES ] || fail "the guest received ${got:-nothing} of $BYTES bytes"
xfer get $GUEST 80 up.bin $BYTES > $OUT/tx 2>&1 || fail "fetching: $(cat $OUT/tx)"
kill $QPID
wait_pid $QPID || fail "QEMU did not stop"
printable < $OUT/qemu.log | grep -E "$QEMU_BAD" && fail "QEMU reported a vhost problem"
ns() { sed -n 's/.*ns=\([0-9]*\).*/\1/p' "$1"; }
rx=$(ns $OUT/rx) tx=$(ns $OUT/tx)
echo "# host -> guest $BYTES bytes in $rx ns, guest -> host $BYTES in $tx ns"
awk -v b=$BYTES -v rx="$rx" -v tx="$tx" 'BEGIN {
	printf "BENCH qemu-xfer rx_kib_s=%d tx_kib_s=%d pps=%d\n",
		b / 1024 * 1e9 / rx, b / 1024 * 1e9 / tx, 2 * b / 1024 * 1e9 / (rx + tx)
}'
