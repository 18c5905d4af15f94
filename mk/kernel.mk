# mk/kernel.mk - make check-kernel: the Linux kernel's NFSv3 client,
# booted under qemu, against $(BUILD)/nfsd (tests/interop/kernel/).
#
#   make check-kernel            every workload
#   make check-kernel KTEST=basic   only the ones named
#
# The kernel (apt-get download of the package, vmlinux and the modules
# unpacked from it) is cached in $(KERNEL_CACHE), shared by the plain
# and the SAN builds; a second run downloads and unpacks nothing.  The
# initramfs (busybox, the static mount helper, the guest's scripts)
# is rebuilt in $(BUILD)/kernel/ when a script changes.

KDIR		:= tests/interop/kernel
KERNEL_CACHE	?= build/kernel-cache
KTEST		?=
# A bound on the whole run on top of each boot's own timeout (seconds).
KTEST_RUN_TIMEOUT ?= 1500
KTEST_QEMU	:= $(shell command -v qemu-system-x86_64 2>/dev/null)

.PHONY: check-kernel kernel-guest

$(KERNEL_CACHE)/ready: $(KDIR)/fetch-kernel.sh $(KDIR)/extract-vmlinux.sh
	$(KDIR)/fetch-kernel.sh $(KERNEL_CACHE)
	@touch $@

# The mount helper runs in the guest: static, no sanitizers.
$(BUILD)/kernel/nfsmount: $(KDIR)/nfsmount.c
	@mkdir -p $(dir $@)
	$(CC) -static -D_GNU_SOURCE $(WARN) -O2 -o $@ $<

$(BUILD)/kernel/initrd.cpio: $(KERNEL_CACHE)/ready $(BUILD)/kernel/nfsmount \
	    $(KDIR)/mkinitrd.sh $(KDIR)/init.sh $(KDIR)/lib.sh \
	    $(wildcard $(KDIR)/workloads/*.sh)
	$(KDIR)/mkinitrd.sh $(KERNEL_CACHE) $(BUILD)/kernel/nfsmount $@

kernel-guest: $(BUILD)/kernel/initrd.cpio

ifeq ($(KTEST_QEMU),)
check-kernel:
	@echo "SKIP check-kernel: qemu-system-x86_64 is not installed" \
	    "(make deps installs qemu-system-x86)"
else
check-kernel: $(BUILD)/nfsd $(BUILD)/kernel/initrd.cpio
	KTEST_CACHE=$(KERNEL_CACHE) timeout -k 10 $(KTEST_RUN_TIMEOUT) \
	    python3 $(KDIR)/ktest.py $(BUILD) $(KTEST)
endif
