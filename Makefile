# mm386: one non-recursive Makefile. `make help` lists the targets.

CROSS   ?= i686-linux-gnu-
CC      := $(CROSS)gcc
HOSTCC  ?= gcc
BUILD   := build
V       ?= 0
ifeq ($(V),0)
Q       := @
say      = @printf '  %-8s %s\n' $(1) $(2);
else
Q       :=
say      =
endif

.DEFAULT_GOAL := all

# -march=pentium: the kernel runs on QEMU's pentium and later (boot/cpu.S stops older ones),
# so no CMOV; tuned for the machines it actually runs on.
KERNEL_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
    -fno-omit-frame-pointer -fno-strict-aliasing -fno-asynchronous-unwind-tables \
    -mgeneral-regs-only -march=pentium -mtune=generic -O2 -g -Wall -Wextra -Werror -I. -MMD -MP
KERNEL_ASFLAGS := -I. -g -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -T linker.ld -Wl,--build-id=none \
    -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--emit-relocs -Wl,--no-warn-rwx-segments

KERNEL_SRCS := $(wildcard boot/*.S hal/*.c kernel/*/*.c kernel/*/*.S mm/*.c tests/kernel/*.c)
KERNEL_OBJS := $(patsubst %,$(BUILD)/obj/%.o,$(KERNEL_SRCS))

$(BUILD)/obj/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(BUILD)/obj/%.S.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(call say,AS,$<)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# The image is linked twice: the first link gives tools/imgtab the symbols and relocation
# sites, the second carries them in .imgtab (placed last, so nothing else moves). The check
# regenerates the tables from the final image and insists they are identical.
$(BUILD)/imgtab-empty.S: tools/imgtab
	@mkdir -p $(BUILD)
	$(Q)tools/imgtab --empty > $@

# The list of objects, rewritten only when it changes: removing a source relinks the image.
$(BUILD)/objects.list: FORCE
	@mkdir -p $(BUILD)
	$(Q)echo $(KERNEL_OBJS) | cmp -s - $@ || echo $(KERNEL_OBJS) > $@

$(BUILD)/mm386.pass1.elf: $(KERNEL_OBJS) $(BUILD)/obj/imgtab-empty.o linker.ld $(BUILD)/objects.list
	$(call say,LD,$@)$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(BUILD)/obj/imgtab-empty.o -lgcc

$(BUILD)/imgtab.S: $(BUILD)/mm386.pass1.elf tools/imgtab
	$(call say,IMGTAB,$@)CROSS=$(CROSS) tools/imgtab $< > $@

$(BUILD)/obj/imgtab.o $(BUILD)/obj/imgtab-empty.o: $(BUILD)/obj/%.o: $(BUILD)/%.S
	$(call say,AS,$<)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(BUILD)/mm386.elf: $(KERNEL_OBJS) $(BUILD)/obj/imgtab.o linker.ld $(BUILD)/objects.list
	$(call say,LD,$@)$(CC) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(BUILD)/obj/imgtab.o -lgcc
	$(Q)CROSS=$(CROSS) tools/imgtab $@.tmp | cmp -s - $(BUILD)/imgtab.S || \
	    { echo "tools/imgtab: the tables moved between links" >&2; exit 1; }
	$(Q)mv $@.tmp $@

all: $(BUILD)/mm386.elf

# Host tests: the pure code, built by the host compiler under ASan and UBSan, 32-bit (-m32) so
# the kernel's own structures (MMPFN, POOL_HEADER and its free-list links) keep their layout.
HOST_CFLAGS := -m32 -std=c11 -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Werror -I. \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_SRCS := kernel/rtl/format.c kernel/rtl/cmdline.c kernel/rtl/glob.c kernel/rtl/string.c \
    kernel/rtl/bitmap.c kernel/io/partition.c kernel/init/pfoption.c mm/init386.c mm/sysptes.c \
    tests/host/kestubs.c
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))
-include $(wildcard $(BUILD)/obj/host/*.d)

$(BUILD)/host/%: tests/host/%.c $(HOST_SRCS) tests/host/tap.h tests/host/kestubs.h Makefile
	@mkdir -p $(dir $@)
	@mkdir -p $(BUILD)/obj/host
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -MF $(BUILD)/obj/host/$*.d -o $@ $< $(HOST_SRCS) $(HOST_EXTRA_SRCS)

# The pool's block logic runs over a fake layer below it (tests/host/fakemm.h).
$(BUILD)/host/test_pool: HOST_EXTRA_SRCS := mm/pool.c mm/pooltrak.c tests/host/fakemm.c
$(BUILD)/host/test_pool: mm/pool.c mm/pooltrak.c tests/host/fakemm.c

host-tests: $(HOST_TESTS)

# The GRUB rescue ISO: BIOS-bootable, the image and iso/grub.cfg under /boot.
$(BUILD)/mm386.iso: $(BUILD)/mm386.elf iso/grub.cfg
	$(call say,ISO,$@)rm -rf $(BUILD)/isodir && mkdir -p $(BUILD)/isodir/boot/grub && \
	    cp $(BUILD)/mm386.elf $(BUILD)/isodir/boot/ && \
	    cp iso/grub.cfg $(BUILD)/isodir/boot/grub/ && \
	    grub-mkrescue -o $@ $(BUILD)/isodir > $(BUILD)/grub-mkrescue.log 2>&1 || \
	    { cat $(BUILD)/grub-mkrescue.log >&2; exit 1; }

iso: $(BUILD)/mm386.iso

# Disk images (tools/mkdisk): an MBR holding one paging-file partition (type 0x82) from sector
# 2048 to the end. Made only when absent, so they survive rebuilds.
DISK0_MIB := 256
DISK1_MIB := 64

$(BUILD)/disk0.img $(BUILD)/disk1.img: $(BUILD)/disk%.img:
	@mkdir -p $(BUILD)
	$(call say,MKDISK,$@)tools/mkdisk $@ $(DISK$*_MIB)

images: $(BUILD)/disk0.img $(BUILD)/disk1.img

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# The commands a user runs. Each first installs what is missing (tools/deps), then builds in a
# second make so the new tools are in place before anything compiles.
CMDLINE   ?=
GDB       ?= yes
GDB_PORT  ?= 1234
PROVE     ?= prove

run:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory iso images
	tools/boot --iso --disk $(BUILD)/disk0.img $(if $(CMDLINE),-- $(CMDLINE))

test:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory all iso host-tests
	$(PROVE) $(HOST_TESTS) tests/*.t

# Benchmarks: figures measured inside the guest (the TSC, calibrated against the PIT), one
# "BENCH name value unit" line each, collected into build/bench.txt. disk0 is the primary master.
BENCH_MEM ?= 64

bench:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory all images
	tools/boot --mem $(BENCH_MEM) --timeout 3000 --disk $(BUILD)/disk0.img \
	    -- bench=$(or $(BENCH),all) | tee $(BUILD)/bench.log
	$(Q)grep '^BENCH ' $(BUILD)/bench.log > $(BUILD)/bench.txt; cat $(BUILD)/bench.txt

# Under /3GB (or increaseuserva above 2048) the image runs relocated by 0x60000000
# (kernel/relocate.c): gdb takes its symbols at that offset.
GDB_RELOCATED := $(filter-out increaseuserva=2048,$(filter 3gb increaseuserva=%,$(CMDLINE)))
GDB_SYMBOLS   := $(if $(GDB_RELOCATED),-ex 'symbol-file -o 0x60000000 $(BUILD)/mm386.elf',$(BUILD)/mm386.elf)

debug:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory all
ifeq ($(GDB),no)
	@echo "QEMU is waiting for gdb on port $(GDB_PORT). From the top of the tree, attach with:"
	@echo "    gdb -x tools/gdb/mm386.gdb $(GDB_SYMBOLS) -ex 'target remote :$(GDB_PORT)'"
	tools/boot --gdb $(GDB_PORT) $(if $(CMDLINE),-- $(CMDLINE))
else
	@echo "COM1 goes to $(BUILD)/debug-console.log (tail -f it in another terminal)."
	$(Q)tools/boot --gdb $(GDB_PORT) $(if $(CMDLINE),-- $(CMDLINE)) \
	    < /dev/null > $(BUILD)/debug-console.log 2>&1 & \
	gdb -q -x tools/gdb/mm386.gdb $(GDB_SYMBOLS) -ex 'target remote :$(GDB_PORT)'; \
	kill $$! 2>/dev/null; true
endif

.PHONY: all iso images host-tests run test bench debug clean help FORCE
clean:
	rm -rf $(BUILD)

help:
	@echo "make [all]   build build/mm386.elf"
	@echo "make images  make build/disk0.img (256 MiB paging-file partition) and disk1.img (64 MiB)"
	@echo "make run     boot the GRUB ISO in QEMU with COM1 on this terminal, disk0 attached"
	@echo "make test    run every test (host and in QEMU) through prove"
	@echo "make debug   boot paused under gdb (GDB=no: QEMU only, and how to attach)"
	@echo "make bench   run the benchmarks; figures in build/bench.txt"
	@echo "make clean   remove build/"
