#!/bin/busybox sh
# init.sh - /init of the test guest: mounts /proc, /sys, /dev and /tmp,
# loads the NFS and virtio-net modules, brings up the network qemu's
# user networking expects (10.0.2.15, host loopback at 10.0.2.2), runs
# the one workload named on the kernel command line (ktest.workload=)
# and powers the machine off.  Every result goes to the serial console
# as a "KTEST ..." line that the host's harness (ktest.py) parses.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs -o size=160m tmp /tmp
exec </dev/console >/dev/console 2>&1

. /ktest/lib.sh

kt_boot() {
	local m
	for m in $(cat /modules.order); do
		insmod "/lib/modules/$m.ko" ||
		    { kt_abort "insmod $m failed"; return 1; }
	done
	ip link set lo up &&
	    ip link set eth0 up &&
	    ip addr add 10.0.2.15/24 dev eth0 &&
	    ip route add default via 10.0.2.2 ||
	    { kt_abort "network set-up failed"; return 1; }
	return 0
}

KT_NAME=$(kt_arg workload)
echo "KTEST BOOTED $KT_NAME"
if kt_boot; then
	if [ -f "/ktest/workloads/$KT_NAME.sh" ]; then
		. "/ktest/workloads/$KT_NAME.sh"
		workload </dev/null
		kt_verdict
	else
		kt_abort "no workload '$KT_NAME'"
	fi
fi
sync
echo "KTEST POWEROFF"
poweroff -f
