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
# that scripts/bench turns into medians and ratios.  With BENCH_PROFILE=1
# a last pass runs every workload once more per set under perf (cpu-clock
# samples: under instruction counting, every N guest instructions) and
# prints its symbols as "# PROFILE <set> <workload> <share%> <symbol>"
# after a "# PROFILED <set> <workload> <pps> <samples>" line; that pass
# is not measured.
#   bench.sh --one WORKLOAD   runs one workload on whatever set is loaded

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

# Run workload $1 for $SECS on the loaded set; its last line is "BENCH ... pps=N".
workload() {
	case $1 in
	testpmd-*) /bin/sh /etc/vmtest/testpmd.sh bench "${1#testpmd-}" "$SECS" ;;
	# the nested QEMU guest's transfers: a size, not a time
	qemu-xfer) /bin/sh /etc/vmtest/qemu-bench.sh ;;
	# scsi-read-32: 4 KiB random reads, 32 in flight
	scsi-*) rest=${1#scsi-}
		/bench/scsi_bench "${rest%-*}" "${rest#*-}" "$SECS" ;;
	*) /bench/vnet_bench "${1%-*}" "${1#*-}" "$SECS" ;;
	esac
}

if [ "${1:-}" = --one ]; then
	workload "$2"
	exit
fi

bench_pps() {
	sed -n 's/^BENCH .* pps=\([0-9]*\).*/\1/p' | tail -1
}

run() {
	mods=$1 round=$2 w=$3
	n=$((n + 1))
	out=$(workload "$w" 2>&1)
	rc=$?
	pps=$(echo "$out" | bench_pps)
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

# Where the instructions go: the whole guest (-a), kernel and user, at
# BENCH_PROFILE_HZ samples per guest second.
profile() {
	mods=$1 w=$2
	out=$(perf record -q -N -g -e cpu-clock -F "${BENCH_PROFILE_HZ:-10000}" \
		-a -o /tmp/perf.data -- /bin/sh /selftests/bench --one "$w" 2>&1)
	pps=$(echo "$out" | bench_pps)
	samples=$(perf report -i /tmp/perf.data --stdio --sort sym 2>/dev/null |
		sed -n 's/^# Samples: \([0-9]*[KM]*\).*/\1/p' | head -1)
	echo "# PROFILED $mods $w ${pps:-0} ${samples:-0}"
	perf report -i /tmp/perf.data --stdio --no-children -g none --sort sym \
		--percent-limit 0.2 2>/dev/null | grep -v '^#' | grep -v '^$' |
		sed "s/^ *\([0-9.]*\)% *\[.\] */# PROFILE $mods $w \1 /"
	# Samples taken with interrupts off land where they are turned back
	# on: who got there.
	perf report -i /tmp/perf.data --stdio --no-children --sort sym \
		-g caller,0.5,callee,function,percent \
		--symbols="${BENCH_PROFILE_CALLS:-_raw_spin_unlock_irqrestore,_raw_spin_unlock_irq,finish_task_switch.isra.0,queue_work_on}" \
		2>/dev/null | grep -v '^#' | grep -v '^$' | sed "s/^/# CALLS $mods $w /"
	rm -f /tmp/perf.data
}

if [ "${BENCH_PROFILE:-0}" = 1 ]; then
	echo 0 > /proc/sys/kernel/kptr_restrict
	echo -1 > /proc/sys/kernel/perf_event_paranoid
	for m in in-tree ours; do
		use "$m" || { echo "Bail out! cannot load the $m modules"; exit 1; }
		for w in $WORKLOADS; do profile "$m" "$w"; done
	done
fi
use in-tree
