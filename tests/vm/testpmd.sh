#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# testpmd suite: a vhost-net client none of us wrote.  DPDK's testpmd
# (Debian 12, fetched by scripts/dpdk) drives /dev/vhost-net through a
# virtio_user port on the vhost-kernel backend, behind the tap $TAP.
#
#   testpmd.sh               TAP tests, counted on both sides:
#     tx_to_tap    testpmd txonly: every TX-packet arrives as a tap rx_packet
#     rx_from_tap  pktsend injects NPKT numbered frames into the tap, testpmd
#                  (fwd io) sends each back out of its port, pktsend reads
#                  them back from the tap and compares every byte.  Passes
#                  only if all NPKT were sent, the tap's tx_packets (frames
#                  vhost-net took), testpmd's RX-packets and TX-packets and
#                  the tap's rx_packets all equal NPKT, the byte counters
#                  equal NPKT * 60, nothing was dropped, and every frame came
#                  back once and intact (pktsend: received=NPKT bad=0 dup=0).
#                  With TESTPMD_BENCH_SECS=N also bench_tx and bench_rx.
#   testpmd.sh verdict rx_from_tap VAR=VALUE...
#                  the rx_from_tap verdict on given counters (tests/harness)
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
FRAMELEN=60
PID=
SHOWS=0

tapstat() { cat "/sys/class/net/$TAP/statistics/$1" 2>/dev/null || echo 0; }
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
pps() { awk -v d="$1" -v cs="$2" 'BEGIN { printf "%d\n", (cs > 0 ? d * 100 / cs : 0) }'; }
tp() { echo "$*" >&4; }
# testpmd's stdout is a file, so block-buffered: the "show port stats"
# blocks are read from the log once it has exited.
show() { tp "show port stats 0"; SHOWS=$((SHOWS + 1)); }
# "RX TX RX-bytes TX-bytes" of the Nth "show port stats" block
block() {
	awk -v want="$1" '
		/NIC statistics for port 0/ { b++; inb = (b == want) }
		inb && /RX-packets:/ { rx = $2; rxb = $6 }
		inb && /TX-packets:/ { tx = $2; txb = $6 }
		inb && /Tx-pps:/ { inb = 0 }
		END { print (rx == "" ? -1 : rx), (tx == "" ? -1 : tx),
			(rxb == "" ? -1 : rxb), (txb == "" ? -1 : txb) }' "$LOG"
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
	# A main and a forwarding lcore; on one CPU (make bench under
	# instruction counting) both share it.
	lcores=0,1
	[ "$(grep -c '^processor' /proc/cpuinfo)" -ge 2 ] || lcores=0@0,1@0
	dpdk-testpmd --lcores=$lcores --no-huge -m 256 --no-pci --no-shconf \
		--vdev="virtio_user0,path=/dev/vhost-net,queue_size=$QSIZE,iface=$TAP" \
		-- -i --total-num-mbufs=8192 --rxd=$QSIZE --txd=$QSIZE \
		--port-topology=loop \
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

	# io forwarding on one port sends every frame back where it came from
	# (--port-topology=loop): pktsend gets its frames back and checks them.
	tp "set fwd io"
	tp "start"
	sleep 1
	tx0=$(tapstat tx_packets) txd0=$(tapstat tx_dropped) txb0=$(tapstat tx_bytes)
	io_rx0=$(tapstat rx_packets) io_rxb0=$(tapstat rx_bytes) io_rxd0=$(tapstat rx_dropped)
	# paced well below what the TCG guest drains: loss here is a bug
	PKTSEND=$(pktsend -c "$NPKT" -s "$FRAMELEN" -b 8 -g 2000 -r 3000 "$TAP")
	sleep 2
	tp "stop"
	tx1=$(tapstat tx_packets) txd1=$(tapstat tx_dropped) txb1=$(tapstat tx_bytes)
	io_rx1=$(tapstat rx_packets) io_rxb1=$(tapstat rx_bytes) io_rxd1=$(tapstat rx_dropped)
	show
	B=$SHOWS
}

# field NAME: NAME=N from pktsend's line (-1 when absent)
field() { echo "$PKTSEND" | sed -n "s/.* $1=\([0-9]*\).*/\1/p" | grep . || echo -1; }

# rx_from_tap's verdict from the counters: every packet, every byte, once.
rx_verdict() {
	want_b=$((NPKT * FRAMELEN))
	echo "# rx_from_tap: want $NPKT frames of $FRAMELEN bytes ($want_b bytes)"
	echo "#   pktsend sent=$sent received=$recv bad=$bad dup=$dup"
	echo "#   tap tx_packets=$tap_tx tx_bytes=$tap_txb tx_dropped=$tap_txd" \
		"rx_packets=$tap_rx2 rx_bytes=$tap_rxb2 rx_dropped=$tap_rxd2"
	echo "#   testpmd RX-packets=$pmd_rx RX-bytes=$pmd_rxb TX-packets=$pmd_tx2 TX-bytes=$pmd_txb2"
	for v in "$sent" "$tap_tx" "$pmd_rx" "$pmd_tx2" "$tap_rx2" "$recv"; do
		[ "$v" = "$NPKT" ] || return 1
	done
	for v in "$tap_txb" "$pmd_rxb" "$pmd_txb2" "$tap_rxb2"; do
		[ "$v" = "$want_b" ] || return 1
	done
	[ "$bad" = 0 ] && [ "$dup" = 0 ] && [ "$tap_txd" = 0 ] && [ "$tap_rxd2" = 0 ]
}

check_functional() {
	set -- $(block "$A")
	pmd_tx=$2 a_rx=$1 a_tx=$2 a_rxb=$3 a_txb=$4
	set -- $(block "$B")
	pmd_rx=$(($1 - a_rx)) pmd_tx2=$(($2 - a_tx))
	pmd_rxb=$(($3 - a_rxb)) pmd_txb2=$(($4 - a_txb))
	tap_rx=$((rx1 - rx0)) tap_rxd=$((rxd1 - rxd0))
	echo "# tx_to_tap: testpmd TX-packets=$pmd_tx tap rx_packets=$tap_rx rx_dropped=$tap_rxd"
	[ "$pmd_tx" -gt 0 ] && [ "$pmd_tx" = "$tap_rx" ] && [ "$tap_rxd" = 0 ]
	result tx_to_tap $?
	tap_tx=$((tx1 - tx0)) tap_txd=$((txd1 - txd0)) tap_txb=$((txb1 - txb0))
	tap_rx2=$((io_rx1 - io_rx0)) tap_rxb2=$((io_rxb1 - io_rxb0)) tap_rxd2=$((io_rxd1 - io_rxd0))
	sent=$(field sent) recv=$(field received) bad=$(field bad) dup=$(field dup)
	echo "# $PKTSEND"
	rx_verdict
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

if [ "${1:-}" = verdict ] && [ "${2:-}" = rx_from_tap ]; then
	shift 2
	for kv; do export "$kv"; done
	rx_verdict
	exit $?
fi

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
