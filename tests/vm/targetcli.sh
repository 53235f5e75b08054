#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# targetcli suite: Debian's targetcli-fb (scripts/targetcli-client) runs
# inside the test VM and configures the vhost fabric of the module set
# under test, the way an administrator would; the selftest scsi_targetcli
# then drives that very configuration through /dev/vhost-scsi.
#
#   fileio + ramdisk backstores, a vhost tport naa.<16 hex> with tpg1 (the
#   nexus comes from rtslib) and both as LUN 0 (fileio) and LUN 1 (ramdisk);
#   "ls" shows them; saveconfig, clearconfig and restoreconfig round-trip;
#   scsi_targetcli (INQUIRY, READ CAPACITY, patterns on both LUNs); then
#   clearconfig leaves the vhost fabric empty.
#
# TAP on stdout, one test per check, the plan last; targetcli's output and
# the selftest's follow as comments.  Every targetcli call is
# non-interactive ("targetcli PATH COMMAND ARGS").

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
OUT=/tmp/tcli
CFS=/sys/kernel/config/target
WWPN=naa.5001405c0ffee001
FILE_BYTES=$((16 << 20)) RD_BYTES=$((8 << 20))
FILE_SO=tcli_file RD_SO=tcli_rd
SAVE=$OUT/saveconfig.json
mkdir -p $OUT
# targetcli keeps prefs and its log in TARGETCLI_HOME, the lock in
# /var/run; Debian's rtslib moves LIO's dbroot (ALUA and PR metadata) to
# /etc/rtslib-fb-target and refuses to start if that directory is missing
# (the package ships it).
export TARGETCLI_HOME=$OUT/home
mkdir -p "$TARGETCLI_HOME" /run/dbus /etc/rtslib-fb-target
# GLib looks for the system bus under /var/run, a link to /run on Debian
# but a plain directory here: the address says where the bus is.
[ -e /var/run ] || { mkdir -p /var && ln -s /run /var/run; }
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=/run/dbus/system_bus_socket

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
printable() { tr -cd '\11\12\40-\176'; }
uptime_s() { cut -d. -f1 /proc/uptime; }
# tcli NAME ARGS...: one targetcli command, its output as comments; its
# exit status and no Python traceback or error line make the result.
tcli() {
	name=$1
	shift
	echo "# targetcli $*"
	t0=$(uptime_s)
	targetcli "$@" > $OUT/last.log 2>&1
	rc=$?
	printable < $OUT/last.log | sed 's/^/#   /'
	echo "#   (exit $rc, $(($(uptime_s) - t0))s)"
	if [ $rc = 0 ] && ! grep -qE 'Traceback|Error|[Ee]rror:' $OUT/last.log; then
		result "$name" 0
	else
		result "$name" 1 "exit $rc"
	fi
}
# cfs_state: what LIO's configfs holds for the vhost fabric, one line each
cfs_state() {
	for d in $CFS/vhost/naa.*/tpgt_*; do
		[ -d "$d" ] || continue
		echo "tpg ${d#$CFS/vhost/} nexus=$(cat $d/nexus 2>/dev/null)"
		for l in $d/lun/lun_*; do
			[ -d "$l" ] || continue
			for s in $l/*; do
				[ -L "$s" ] && echo "lun ${l##*/} -> $(readlink $s | sed 's|.*/core/||')"
			done
		done
	done
}
# core_hbas: fileio and ramdisk HBAs in LIO's core directory
core_hbas() {
	for h in $CFS/core/fileio_* $CFS/core/rd_mcp_*; do
		[ -d "$h" ] && echo "${h##*/}"
	done
}

# ---- the system bus targetcli asks for tcmu-runner's handlers --------------
# targetcli-fb 2.1.53 lists user-backed (tcmu) backstores over D-Bus on
# every start and gives up without a system bus; no tcmu-runner answers
# here, which it takes as "no such backstores".
grep -q '^root:' /etc/passwd 2>/dev/null || echo 'root:x:0:0:root:/root:/bin/sh' >> /etc/passwd
[ -s /etc/machine-id ] || hexdump -n 16 -e '16/1 "%02x" "\n"' /dev/urandom > /etc/machine-id
cat > $OUT/system.conf <<-'EOF'
<busconfig>
  <type>system</type>
  <listen>unix:path=/run/dbus/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <allow own="*"/>
    <allow send_destination="*"/>
    <allow receive_sender="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file=$OUT/system.conf --nofork --nopidfile --nosyslog > $OUT/dbus.log 2>&1 &
dpid=$!
i=0
while [ ! -S /run/dbus/system_bus_socket ] && [ $i -lt 30 ]; do sleep 1; i=$((i + 1)); done

echo "# $(python3 --version 2>&1), $(targetcli --version 2>&1 | tail -n1 | printable)"
echo "# vhost_scsi: $(grep -E '^(vhost_scsi|vhh_core|target_core_[a-z]*) ' /proc/modules | cut -d' ' -f1 | tr '\n' ' ')"
[ -S /run/dbus/system_bus_socket ]
result system_bus_up $? "$(printable < $OUT/dbus.log | tr '\n' ' ')"
echo "# $(ls -ld /var/run /run/dbus/system_bus_socket 2>&1 | tr '\n' ' ')"

# ---- configure ----------------------------------------------------------------
tcli create_fileio /backstores/fileio create name=$FILE_SO \
	file_or_dev=$OUT/$FILE_SO.img size=$FILE_BYTES
tcli create_ramdisk /backstores/ramdisk create name=$RD_SO size=$RD_BYTES
tcli create_vhost_target /vhost create $WWPN
tcli create_lun0_fileio /vhost/$WWPN/tpg1/luns create /backstores/fileio/$FILE_SO
tcli create_lun1_ramdisk /vhost/$WWPN/tpg1/luns create /backstores/ramdisk/$RD_SO
cfs_state > $OUT/state-configured
sed 's/^/# configfs: /' $OUT/state-configured
grep -q "^tpg $WWPN/tpgt_1 nexus=naa\." $OUT/state-configured &&
	grep -q "^lun lun_0 -> fileio_[0-9]*/$FILE_SO$" $OUT/state-configured &&
	grep -q "^lun lun_1 -> rd_mcp_[0-9]*/$RD_SO$" $OUT/state-configured
result configfs_has_luns_and_nexus $?

# "ls" draws the tree; check the lines that name our objects.
tcli ls ls
l=$(cat $OUT/last.log)
echo "$l" | grep -q "o- $FILE_SO \.* \[$OUT/$FILE_SO\.img (16\.0MiB) write-back activated\]" &&
	echo "$l" | grep -q "o- $RD_SO \.* \[(8\.0MiB) activated\]" &&
	echo "$l" | grep -q "o- $WWPN \.* \[TPGs: 1\]" &&
	echo "$l" | grep -q "o- tpg1 \.* \[naa\.[0-9a-f]*, no-gen-acls\]" &&
	echo "$l" | grep -q "o- luns \.* \[LUNs: 2\]" &&
	echo "$l" | grep -q "o- lun0 \.* \[fileio/$FILE_SO ($OUT/$FILE_SO\.img) " &&
	echo "$l" | grep -q "o- lun1 \.* \[ramdisk/$RD_SO "
result ls_shows_both_luns $?

# ---- save, clear, restore ---------------------------------------------------
tcli saveconfig saveconfig $SAVE
grep -q "\"wwn\": \"$WWPN\"" $SAVE && grep -q "\"name\": \"$FILE_SO\"" $SAVE &&
	grep -q "\"name\": \"$RD_SO\"" $SAVE
result saveconfig_file_names_them $?
tcli clearconfig clearconfig confirm=True
[ -s $OUT/state-configured ] && [ -z "$(cfs_state)" ] && [ -z "$(core_hbas)" ]
result clearconfig_emptied_configfs $? "$(cfs_state | tr '\n' ' ')"
tcli restoreconfig restoreconfig $SAVE
cfs_state > $OUT/state-restored
sed 's/^/# configfs: /' $OUT/state-restored
# rtslib does not save the nexus (restoring the tpg makes a new one) and
# numbers the HBAs afresh
nexus_any() { sed 's/nexus=naa\.[0-9a-f]*$/nexus=naa.*/; s|-> \([a-z_]*\)_[0-9]*/|-> \1_N/|' "$1"; }
[ -s $OUT/state-restored ] &&
	[ "$(nexus_any $OUT/state-configured)" = "$(nexus_any $OUT/state-restored)" ]
result restored_as_configured $?

# ---- the selftest on this configuration ----------------------------------
# Its kselftest TAP becomes ours: one result per test case, named
# selftest.<case>; its own lines follow as comments.
echo "# SCSI_USE_WWPN=$WWPN SCSI_USE_LUNS=2 scsi_targetcli"
t0=$(uptime_s)
SCSI_USE_WWPN=$WWPN SCSI_USE_LUNS=2 SCSI_TCLI_BYTES=$FILE_BYTES,$RD_BYTES \
	SCSI_TCLI_NAMES=$FILE_SO,$RD_SO timeout 600 /etc/vmtest/scsi_targetcli > $OUT/selftest.log 2>&1
rc=$?
printable < $OUT/selftest.log | sed 's/^/#   /'
echo "#   (exit $rc, $(($(uptime_s) - t0))s)"
cases=0
while read -r l; do
	case $l in
	"#  RUN "*) c=$(echo "$l" | awk '{print $3}') ;;
	"ok "*"# SKIP"*) n=$((n + 1)); cases=$((cases + 1)); echo "ok $n - selftest.$c # SKIP ${l#*# SKIP }" ;;
	"ok "*) cases=$((cases + 1)); result "selftest.$c" 0 ;;
	"not ok "*) cases=$((cases + 1)); result "selftest.$c" 1 ;;
	esac
done < $OUT/selftest.log
[ $rc = 0 ] && [ $cases = 3 ]
result selftest_ran_all_cases $? "exit $rc, $cases of 3 cases"

# ---- clear again ----------------------------------------------------------------
tcli clearconfig_final clearconfig confirm=True
# what the fabric itself provides (discovery_auth, version) may stay
left=$(for e in $CFS/vhost/*; do
	case ${e##*/} in discovery_auth|version|\*) ;; *) echo "${e##*/}" ;; esac
done; core_hbas)
[ -z "$left" ]
result vhost_fabric_empty $? "left: $(echo "$left" | tr "\n" " ")"
[ ! -e $OUT/$FILE_SO.img ] || echo "# $FILE_SO.img kept by targetcli (clearconfig does not delete backing files)"

kill $dpid 2>/dev/null
wait $dpid 2>/dev/null
echo "# dbus-daemon: $(printable < $OUT/dbus.log | tr '\n' ' ')"
echo "1..$n"
exit $failed
