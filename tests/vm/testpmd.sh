#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# testpmd suite: a vhost-net client none of us wrote.  DPDK's testpmd
# (Debian 12, fetched by scripts/dpdk) drives /dev/vhost-net through a
# virtio_user port on the vhost-kernel backend, behind the tap $TAP.
#
#   testpmd.sh               TAP tests, counted on both sides:
#     tx_to_tap    testpmd txonly: every TX-packet arrives as a tap rx_packet
#     rx_from_tap  pktsend injects frames into the tap: the tap's tx_packets
#                  (frames vhost-net took) equal testpmd's RX-packets and,
#                  with tx_dropped, what pktsend sent; nothing is dropped
#                  With TESTPMD_BENCH_SECS=N also bench_tx and bench_rx.
#   testpmd.sh bench tx|rx SECS
#                  one measurement, last line "BENCH testpmd-tx|rx pps=N"
#                  (tests/vm/bench.sh runs it on both module sets)
#
# tx: testpmd txonly (64-byte UDP frames) into the tap; rx: pktsend floods
# the tap with 60-byte frames, testpmd rxonly.  pps comes from testpmd's
# counters over SECS seconds of /proc/uptime; the tap's counters are shown
# next to it as a cross-check.

TAP=dtap0
QSIZE=256
LOG=/tmp/testpmd.log
FIFO=/tmp/testpmd.in
NPKT=${TESTPMD_PACKETS:-2000}
PID=
SHOWS=0

tapstat() { cat "/sys/class/net/$TAP/statistics/$1" 2>/dev/null || echo 0; }
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
pps() { awk -v d="$1" -v cs="$2" 'BEGIN { printf "%d\n", (cs > 0 ? d * 100 / cs : 0) }'; }
tp() { echo "$*" >&4; }
# testpmd's stdout is a file, so block-buffered: the "show port stats"
# blocks are read from the log once it has exited.
show() { tp "show port stats 0"; SHOWS=$((SHOWS + 1)); }
# "RX TX" packets of the Nth "show port stats" block
block() {
	awk -v want="$1" '
		/NIC statistics for port 0/ { b++; inb = (b == want) }
		inb && /RX-packets:/ { rx = $2 }
		inb && /TX-packets:/ { tx = $2 }
		inb && /Tx-pps:/ { inb = 0 }
		END { print (rx == "" ? -1 : rx), (tx == "" ? -1 : tx) }' "$LOG"
}

start_pmd() {
	# Only our traffic on the tap: no IPv6 autoconfiguration chatter.
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 2>/dev/null
	mkdir -p /var/run
	rm -f "$FIFO" "$LOG" && mkfifo "$FIFO"
	SHOWS=0
	# --no-huge: vhost-kernel shares no memory, it only needs user
	# addresses for VHOST_SET_MEM_TABLE; 8192 mbufs fit in -m 256.
	dpdk-testpmd -l 0,1 --no-huge -m 256 --no-pci --no-shconf \
		--vdev="virtio_user0,path=/dev/vhost-net,queue_size=$QSIZE,iface=$TAP" \
		-- -i --total-num-mbufs=8192 --rxd=$QSIZE --txd=$QSIZE \
		<"$FIFO" >"$LOG" 2>&1 &
	PID=$!
	exec 4>"$FIFO"
	i=0
	while ! { grep -q 'testpmd> ' "$LOG" && [ -d "/sys/class/net/$TAP" ]; }; do
		if ! kill -0 "$PID" 2>/dev/null || [ $i -ge 120 ]; then
			echo "# testpmd did not come up"
			kill -9 "$PID" 2>/dev/null
			exec 4>&-
			PID=
			return 1
		fi
		sleep 0.5
		i=$((i + 1))
	done
	ip link set "$TAP" up
}

quit_pmd() {
	tp "quit"
	exec 4>&-
	i=0
	while kill -0 "$PID" 2>/dev/null; do
		[ $i -ge 60 ] && { echo "# testpmd did not quit"; kill -9 "$PID"; }
		sleep 0.5
		i=$((i + 1))
	done
	wait "$PID"
	echo "# testpmd exit status $?"
}

dump_log() {
	echo "# ---- testpmd log"
	sed 's/^/#   /' "$LOG"
}

# Functional checks; results are computed by check_functional after quit.
run_functional() {
	rx0=$(tapstat rx_packets) rxd0=$(tapstat rx_dropped)
	tp "set fwd txonly"
	tp "start"
	sleep 2
	tp "stop"
	sleep 2 # vhost-net drains what is left in the ring
	rx1=$(tapstat rx_packets) rxd1=$(tapstat rx_dropped)
	show
	A=$SHOWS

	tp "set fwd rxonly"
	tp "start"
	sleep 1
	tx0=$(tapstat tx_packets) txd0=$(tapstat tx_dropped)
	# paced well below what the TCG guest drains: loss here is a bug
	sent=$(pktsend -c "$NPKT" -b 8 -g 2000 "$TAP" |
		sed -n 's/.*sent=\([0-9]*\).*/\1/p')
	sleep 2
	tp "stop"
	tx1=$(tapstat tx_packets) txd1=$(tapstat tx_dropped)
	show
	B=$SHOWS
}

check_functional() {
	set -- $(block "$A")
	pmd_tx=$2 a_rx=$1
	set -- $(block "$B")
	pmd_rx=$(($1 - a_rx))
	tap_rx=$((rx1 - rx0)) tap_rxd=$((rxd1 - rxd0))
	tap_tx=$((tx1 - tx0)) tap_txd=$((txd1 - txd0))
	echo "# tx_to_tap: testpmd TX-packets=$pmd_tx tap rx_packets=$tap_rx rx_dropped=$tap_rxd"
	[ "$pmd_tx" -gt 0 ] && [ "$pmd_tx" = "$tap_rx" ] && [ "$tap_rxd" = 0 ]
	result tx_to_tap $?
	echo "# rx_from_tap: pktsend sent=$sent tap tx_packets=$tap_tx tx_dropped=$tap_txd testpmd RX-packets=$pmd_rx"
	[ "$pmd_rx" -gt 0 ] && [ "$pmd_rx" = "$tap_tx" ] &&
		[ "${sent:-0}" = $((tap_tx + tap_txd)) ] && [ "$tap_txd" = 0 ]
	result rx_from_tap $?
}

# bench_tx SECS / bench_rx SECS: measure while testpmd runs ...
bench_tx() {
	tp "set fwd txonly"
	tp "start"
	sleep 1
	show
	C=$SHOWS c_rx=$(tapstat rx_packets) c_t=$(uptime_cs)
	sleep "$1"
	show
	D=$SHOWS d_rx=$(tapstat rx_packets) d_t=$(uptime_cs)
	tp "stop"
	sleep 1
}

bench_rx() {
	tp "set fwd rxonly"
	tp "start"
	pktsend -c 0 -t $(($1 + 3)) -b 32 "$TAP" >/tmp/pktsend.bench &
	spid=$!
	sleep 1
	show
	E=$SHOWS e_tx=$(tapstat tx_packets) e_d=$(tapstat tx_dropped) e_t=$(uptime_cs)
	sleep "$1"
	show
	F=$SHOWS f_tx=$(tapstat tx_packets) f_d=$(tapstat tx_dropped) f_t=$(uptime_cs)
	wait $spid
	tp "stop"
	sleep 1
}

# ... and report it once testpmd has exited.
report_tx() {
	set -- $(block "$C")
	c_tx=$2
	set -- $(block "$D")
	tx_pps=$(pps $(($2 - c_tx)) $((d_t - c_t)))
	echo "BENCH testpmd-tx pps=$tx_pps tap_rx_pps=$(pps $((d_rx - c_rx)) $((d_t - c_t))) cs=$((d_t - c_t))"
	[ "$tx_pps" -gt 0 ]
}

report_rx() {
	set -- $(block "$E")
	e_rx=$1
	set -- $(block "$F")
	rx_pps=$(pps $(($1 - e_rx)) $((f_t - e_t)))
	echo "# $(cat /tmp/pktsend.bench)"
	echo "BENCH testpmd-rx pps=$rx_pps tap_tx_pps=$(pps $((f_tx - e_tx)) $((f_t - e_t))) tap_drop_pps=$(pps $((f_d - e_d)) $((f_t - e_t))) cs=$((f_t - e_t))"
	[ "$rx_pps" -gt 0 ]
}

n=0
failed=0
result() { # result NAME STATUS (0: passed)
	n=$((n + 1))
	if [ "$2" = 0 ]; then
		echo "ok $n - $1"
	else
		echo "not ok $n - $1"
		failed=1
	fi
}

if [ "${1:-}" = bench ]; then
	dir=$2 secs=$3
	case $dir in tx|rx) ;; *) echo "usage: $0 [bench tx|rx SECS]" >&2; exit 2 ;; esac
	start_pmd || { dump_log; exit 1; }
	bench_$dir "$secs"
	quit_pmd
	report_$dir || { dump_log; exit 1; }
	exit 0
fi

BENCH=${TESTPMD_BENCH_SECS:-0}
NTESTS=2
[ "$BENCH" -gt 0 ] && NTESTS=4
echo "1..$NTESTS"
if ! start_pmd; then
	for t in tx_to_tap rx_from_tap bench_tx bench_rx; do
		[ $n -lt $NTESTS ] && result $t 1
	done
	dump_log
	exit 1
fi
run_functional
if [ "$BENCH" -gt 0 ]; then
	bench_tx "$BENCH"
	bench_rx "$BENCH"
fi
quit_pmd
check_functional
if [ "$BENCH" -gt 0 ]; then
	report_tx
	result bench_tx $?
	report_rx
	result bench_rx $?
fi
dump_log
exit $failed
