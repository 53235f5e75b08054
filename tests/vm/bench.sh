#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the bench VM (scripts/vmtest --suite bench): the same
# workloads on the in-tree vhost_net and on ours, in one boot, alternating
# which goes first each round so drift in the machine hits both alike
# (ABBA: an even number of rounds, or one set goes first more often).
# Boot loaded the in-tree set; ours waits in /lib/modules/ours.
# Prints TAP; every measurement is a line
#   # RESULT <in-tree|ours> <round> <workload> <pps>
# that scripts/bench turns into medians and ratios.

SECS=${BENCH_SECS:-5}
ROUNDS=${BENCH_ROUNDS:-4}
WORKLOADS=${BENCH_WORKLOADS:-"tx-64 tx-1500 rx-64 rx-1500"}
INTREE_NET=/lib/modules/$(grep 'vhost/vhost_net.ko$' /etc/vmtest/modules)
INTREE_SCSI=/lib/modules/$(grep 'vhost/vhost_scsi.ko$' /etc/vmtest/modules)
n=0

# One set at a time: both vhost_scsi modules register LIO's "vhost" fabric.
use() {
	rmmod vhost_net 2>/dev/null
	# The fabric's configfs directory holds its module.
	rmdir /sys/kernel/config/target/vhost 2>/dev/null
	rmmod vhost_scsi 2>/dev/null
	rmmod vhh_core 2>/dev/null
	if [ "$1" = ours ]; then
		insmod /lib/modules/ours/vhh_core.ko &&
			insmod /lib/modules/ours/vhost_net.ko &&
			insmod /lib/modules/ours/vhost_scsi.ko
	else
		insmod "$INTREE_NET" && insmod "$INTREE_SCSI"
	fi
}

run() {
	mods=$1 round=$2 w=$3
	n=$((n + 1))
	case $w in
	testpmd-*) out=$(/bin/sh /etc/vmtest/testpmd.sh bench "${w#testpmd-}" "$SECS" 2>&1) ;;
	# scsi-read-32: 4 KiB random reads, 32 in flight
	scsi-*) rest=${w#scsi-}
		out=$(/bench/scsi_bench "${rest%-*}" "${rest#*-}" "$SECS" 2>&1) ;;
	*) out=$(/bench/vnet_bench "${w%-*}" "${w#*-}" "$SECS" 2>&1) ;;
	esac
	rc=$?
	pps=$(echo "$out" | sed -n 's/^BENCH .* pps=\([0-9]*\).*/\1/p' | tail -1)
	echo "$out" | sed 's/^/# /'
	if [ $rc = 0 ] && [ -n "$pps" ]; then
		echo "# RESULT $mods $round $w $pps"
		echo "ok $n - bench $mods $w round $round pps=$pps"
	else
		echo "not ok $n - bench $mods $w round $round (rc=$rc)"
	fi
}

set -- $WORKLOADS
echo "TAP version 13"
case $ROUNDS in
''|*[!0-9]*|*[13579]|0) echo "Bail out! BENCH_ROUNDS=$ROUNDS: must be even (ABBA)"; exit 1 ;;
esac
echo "1..$((ROUNDS * 2 * $#))"
r=1
while [ $r -le "$ROUNDS" ]; do
	if [ $((r % 2)) = 1 ]; then order="in-tree ours"; else order="ours in-tree"; fi
	for m in $order; do
		if ! use "$m"; then
			echo "Bail out! cannot load the $m modules"
			exit 1
		fi
		for w in $WORKLOADS; do run "$m" "$r" "$w"; done
	done
	r=$((r + 1))
done
use in-tree
