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

# Without the cross compiler nothing builds: say what to run rather than "No such file". The
# goals that run tools/deps themselves (run, test, bench, debug) and those that compile
# nothing go ahead.
ifeq ($(shell command -v $(CC)),)
ifneq ($(filter-out help clean run test bench debug,$(or $(MAKECMDGOALS),all)),)
$(error $(CC) is missing: run tools/deps, which installs what mm386 needs (make run, make test, make bench and make debug run it themselves))
endif
endif

# O=0 (or O=1, O=g, ...): the kernel built at that optimisation level into build/O0 (and so on),
# for gdb, where -O2 leaves arguments <optimized out>: `make debug O=0`. Without O the kernel
# is build/mm386.elf at -O2, whatever was built with O before.
ifeq ($(origin O),undefined)
KBUILD        := $(BUILD)
KERNEL_OPT    := -O2
else
KBUILD        := $(BUILD)/O$(O)
KERNEL_OPT    := -O$(O)
endif

# -march=pentium: the kernel runs on QEMU's pentium and later (boot/cpu.S stops older ones),
# so no CMOV; tuned for the machines it actually runs on.
KERNEL_CFLAGS := -std=c11 -ffreestanding -fno-pic -fno-pie -fno-stack-protector \
    -fno-omit-frame-pointer -fno-strict-aliasing -fno-asynchronous-unwind-tables \
    -mgeneral-regs-only -march=pentium -mtune=generic $(KERNEL_OPT) -g -Wall -Wextra -Werror -I. -MMD -MP
KERNEL_ASFLAGS := -I. -g -MMD -MP
KERNEL_LDFLAGS := -nostdlib -static -no-pie -T linker.ld -Wl,--build-id=none \
    -Wl,-z,max-page-size=0x1000 -Wl,-z,noexecstack -Wl,--emit-relocs -Wl,--no-warn-rwx-segments

KERNEL_SRCS := $(wildcard boot/*.S hal/*.c kernel/*/*.c kernel/*/*.S kernel/fs/*/*.c mm/*.c tests/kernel/*.c)
KERNEL_OBJS := $(patsubst %,$(KBUILD)/obj/%.o,$(KERNEL_SRCS))

$(KBUILD)/obj/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(call say,CC,$<)$(CC) $(KERNEL_CFLAGS) -c $< -o $@

$(KBUILD)/obj/%.S.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(call say,AS,$<)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

# The image is linked twice: the first link gives tools/imgtab the symbols and relocation
# sites, the second carries them in .imgtab (placed last, so nothing else moves). The check
# regenerates the tables from the final image and insists they are identical.
$(KBUILD)/imgtab-empty.S: tools/imgtab
	@mkdir -p $(KBUILD)
	$(Q)tools/imgtab --empty > $@

# The list of objects, rewritten only when it changes: removing a source relinks the image.
$(KBUILD)/objects.list: FORCE
	@mkdir -p $(KBUILD)
	$(Q)echo $(KERNEL_OBJS) | cmp -s - $@ || echo $(KERNEL_OBJS) > $@

$(KBUILD)/mm386.pass1.elf: $(KERNEL_OBJS) $(KBUILD)/obj/imgtab-empty.o linker.ld $(KBUILD)/objects.list
	$(call say,LD,$@)$(CC) $(KERNEL_LDFLAGS) -o $@ $(KERNEL_OBJS) $(KBUILD)/obj/imgtab-empty.o -lgcc

$(KBUILD)/imgtab.S: $(KBUILD)/mm386.pass1.elf tools/imgtab
	$(call say,IMGTAB,$@)CROSS=$(CROSS) tools/imgtab $< > $@

$(KBUILD)/obj/imgtab.o $(KBUILD)/obj/imgtab-empty.o: $(KBUILD)/obj/%.o: $(KBUILD)/%.S
	$(call say,AS,$<)$(CC) $(KERNEL_ASFLAGS) -c $< -o $@

$(KBUILD)/mm386.elf: $(KERNEL_OBJS) $(KBUILD)/obj/imgtab.o linker.ld $(KBUILD)/objects.list
	$(call say,LD,$@)$(CC) $(KERNEL_LDFLAGS) -o $@.tmp $(KERNEL_OBJS) $(KBUILD)/obj/imgtab.o -lgcc
	$(Q)CROSS=$(CROSS) tools/imgtab $@.tmp | cmp -s - $(KBUILD)/imgtab.S || \
	    { echo "tools/imgtab: the tables moved between links" >&2; exit 1; }
	$(Q)mv $@.tmp $@

all: $(KBUILD)/mm386.elf

# Host tests: the pure code, built by the host compiler under ASan and UBSan, 32-bit (-m32) so
# the kernel's own structures (MMPFN, POOL_HEADER and its free-list links) keep their layout.
HOST_CFLAGS := -m32 -std=c11 -D_DEFAULT_SOURCE -g -O1 -Wall -Wextra -Werror -I. \
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
HOST_SRCS := kernel/rtl/format.c kernel/rtl/cmdline.c kernel/rtl/glob.c kernel/rtl/string.c \
    kernel/rtl/bitmap.c kernel/io/partition.c kernel/init/pfoption.c mm/init386.c mm/sysptes.c \
    mm/vadtree.c tests/host/kestubs.c
HOST_TESTS := $(patsubst tests/host/%.c,$(BUILD)/host/%,$(wildcard tests/host/test_*.c))
-include $(wildcard $(BUILD)/obj/host/*.d)

$(BUILD)/host/%: tests/host/%.c $(HOST_SRCS) tests/host/tap.h tests/host/kestubs.h Makefile
	@mkdir -p $(dir $@)
	@mkdir -p $(BUILD)/obj/host
	$(call say,HOSTCC,$@)$(HOSTCC) $(HOST_CFLAGS) -MMD -MP -MF $(BUILD)/obj/host/$*.d -o $@ $< $(HOST_SRCS) $(HOST_EXTRA_SRCS)

# IoBuildPartialMdl (kernel/io/iomdl.c) is pure Io code.
$(BUILD)/host/test_mdl: HOST_EXTRA_SRCS := kernel/io/iomdl.c
$(BUILD)/host/test_mdl: kernel/io/iomdl.c kernel/inc/mdl.h

# The pool's block logic runs over a fake layer below it (tests/host/fakemm.h).
$(BUILD)/host/test_pool: HOST_EXTRA_SRCS := mm/pool.c mm/pooltrak.c tests/host/fakemm.c
$(BUILD)/host/test_pool: mm/pool.c mm/pooltrak.c tests/host/fakemm.c

# The kd> prompt's expressions, over the test's own symbols and memory.
$(BUILD)/host/test_kdeval: HOST_EXTRA_SRCS := kernel/kd/kdeval.c
$(BUILD)/host/test_kdeval: kernel/kd/kdeval.c

# The FAT file system's names and times.
FAT_HOST_SRCS := kernel/fs/fastfat/namesup.c kernel/fs/fastfat/timesup.c
$(BUILD)/host/test_fatname: HOST_EXTRA_SRCS := $(FAT_HOST_SRCS)
$(BUILD)/host/test_fatname: $(FAT_HOST_SRCS) kernel/fs/fastfat/fatprocs.h kernel/fs/fastfat/fat.h
# ... and its map of a file's clusters.
$(BUILD)/host/test_fatmcb: HOST_EXTRA_SRCS := kernel/fs/fastfat/mcbsup.c
$(BUILD)/host/test_fatmcb: kernel/fs/fastfat/mcbsup.c kernel/fs/fastfat/fatprocs.h

# The PE image parser (mm/imagehdr.c, imagerel.c, imageexp.c) over a real mingw-w64 image with
# its relocations kept, checked against what objdump says of the same file.
MINGW_CC ?= i686-w64-mingw32-gcc
MINGW_OBJDUMP ?= i686-w64-mingw32-objdump
IMAGE_SRCS := mm/imagehdr.c mm/imagerel.c mm/imageexp.c
$(BUILD)/host/imagetest.exe: tests/host/image/imagetest.c Makefile
	@mkdir -p $(dir $@)
	$(call say,MINGW,$@)$(MINGW_CC) -O1 -nostdlib -Wl,--entry,__start -Wl,--dynamicbase \
	    -Wl,--enable-reloc-section -o $@ $<
$(BUILD)/host/imagetest.objdump: $(BUILD)/host/imagetest.exe
	$(call say,OBJDUMP,$@)$(MINGW_OBJDUMP) -p -h $< > $@
$(BUILD)/host/test_image: HOST_EXTRA_SRCS := $(IMAGE_SRCS) \
    -DIMAGETEST_EXE='"$(BUILD)/host/imagetest.exe"' -DIMAGETEST_OBJDUMP='"$(BUILD)/host/imagetest.objdump"'
$(BUILD)/host/test_image: $(IMAGE_SRCS) mm/image.h $(BUILD)/host/imagetest.exe $(BUILD)/host/imagetest.objdump
# User mode's pure parts (user/): the host compiler, with tests/host/win's stand-in for
# <windows.h> and mingw-w64's own <ntstatus.h> and <winerror.h> behind the host's headers.
MINGW_INCLUDE ?= /usr/share/mingw-w64/include
USER_HOST_CFLAGS := -Itests/host/win -idirafter $(MINGW_INCLUDE)

$(BUILD)/host/test_userheap: HOST_CFLAGS += $(USER_HOST_CFLAGS) -pthread
$(BUILD)/host/test_userheap: HOST_EXTRA_SRCS := tests/host/fakent.c
$(BUILD)/host/test_userheap: user/ntdll/heap.c user/ntdll/rtlp.h user/ntdll/ntdll.h \
    tests/host/fakent.c tests/host/fakent.h tests/host/win/windows.h

$(BUILD)/host/test_userformat: HOST_EXTRA_SRCS := user/crt/format.c
$(BUILD)/host/test_userformat: user/crt/format.c user/crt/format.h

$(BUILD)/host/test_userrtl: HOST_CFLAGS += $(USER_HOST_CFLAGS)
$(BUILD)/host/test_userrtl: HOST_EXTRA_SRCS := user/ntdll/cmdline.c
$(BUILD)/host/test_userrtl: user/ntdll/status.c user/ntdll/cmdline.c tests/host/win/windows.h

host-tests: $(HOST_TESTS)

# User mode (user/): PE32 console programs built by mingw-w64 against mm386's own runtime:
# ntdll.dll and kernel32.dll, which every program imports, and the C library, linked into
# every program. user/README.md says what each provides.
USER_CC      := i686-w64-mingw32-gcc
USER_AR      := i686-w64-mingw32-ar
USER_NM      := i686-w64-mingw32-nm
UBUILD       := $(BUILD)/user
USER_WARN    := -Wall -Wextra -Werror --param=min-pagesize=0
# The runtime is built with -g1 (line tables and function names, no types or locals): every
# program links all of it, and the kernel keeps each module's whole file in RAM, where at
# 8 MiB the runtime's full debug information (170 KB a program) pushed the tests below NT's
# 7 MB minimum. The runtime defines what <windows.h> declares dllimport: _KERNEL32_,
# _NTSYSTEM_ and _CRTBLD make those declarations plain. No loop may become a call to
# memcpy/memset (string.c is them).
USER_RT_CFLAGS := -std=gnu11 -O2 -g1 -ffreestanding -fno-stack-protector \
    -fno-asynchronous-unwind-tables -fno-tree-loop-distribute-patterns $(USER_WARN) -I. \
    -D_KERNEL32_ -D_NTSYSTEM_ -D_CRTBLD -MMD -MP
# Programs: any C, mingw-w64's headers unchanged, plus user/ntdll (ntdll.h, seh.h).
# (--param=min-pagesize=0: GCC 12 takes mingw-w64's NtCurrentTeb, a read at fs:0x18, for an
# out-of-bounds access of address 0x18.)
USER_CFLAGS  := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector $(USER_WARN) \
    -I$(CURDIR)/user/ntdll -I$(CURDIR)/user/tests
USER_LDFLAGS := -nostdlib -Wl,--entry,_mainCRTStartup -Wl,-u,_mainCRTStartup \
    -Wl,--image-base,0x00400000 -Wl,--stack,0x100000 \
    -Wl,--subsystem,console
USER_LIBS    := $(UBUILD)/lib/libkernel32.dll.a $(UBUILD)/lib/libntdll.dll.a $(UBUILD)/lib/libcrt.a \
    $(UBUILD)/obj/user/ntdll/startup.c.o
USER_LINK    := $(abspath $(UBUILD)/obj/user/ntdll/startup.c.o) -Wl,--start-group \
    $(abspath $(filter %.a,$(USER_LIBS))) -Wl,--end-group -lgcc

$(UBUILD)/obj/%.c.o: %.c Makefile
	@mkdir -p $(dir $@)
	$(call say,MINGWCC,$<)$(USER_CC) $(USER_RT_CFLAGS) -c $< -o $@

$(UBUILD)/obj/%.S.o: %.S Makefile
	@mkdir -p $(dir $@)
	$(call say,MINGWAS,$<)$(USER_CC) $(USER_RT_CFLAGS) -c $< -o $@

$(UBUILD)/obj/%.o: $(UBUILD)/obj/%.S
	$(call say,MINGWAS,$<)$(USER_CC) $(USER_RT_CFLAGS) -c $< -o $@

# ntdll's system-call stubs, one per service of kernel/inc/ntservices.h.
$(UBUILD)/obj/ntdll-stubs.S: user/ntdll/mkstubs kernel/inc/ntservices.h
	@mkdir -p $(dir $@)
	$(call say,MKSTUBS,$@)user/ntdll/mkstubs $(USER_CC) > $@

# The C runtime is a static library; each of its objects' functions get __imp_ pointers in an
# object of their own beside it (user/mkimports), so a program links only the objects whose
# functions it calls. ntdll's and kernel32's objects go into their DLLs.
$(UBUILD)/obj/%.imp.S: $(UBUILD)/obj/%.o user/mkimports
	$(call say,MKIMPS,$@)user/mkimports $(USER_NM) $< > $@
USER_OBJS_OF = $(patsubst %,$(UBUILD)/obj/%.o,$(wildcard user/$(1)/*.c user/$(1)/*.S))
USER_ntdll_OBJS := $(call USER_OBJS_OF,ntdll) $(UBUILD)/obj/ntdll-stubs.o
USER_kernel32_OBJS := $(call USER_OBJS_OF,kernel32)
USER_crt_OBJS := $(call USER_OBJS_OF,crt)
$(UBUILD)/lib/libcrt.a: $(USER_crt_OBJS) $(USER_crt_OBJS:.o=.imp.o)
	@mkdir -p $(dir $@)
	$(call say,AR,$@)rm -f $@ && $(USER_AR) rcs $@ $^

# The system DLLs, as on XP: ntdll.dll at 0x7C900000 and kernel32.dll at 0x7C800000 (stripped:
# the kernel keeps them in RAM), every global function exported under its decorated name
# (NtClose@4), each with an import library. Each links the C runtime's string functions
# (and ___chkstk_ms) for itself without exporting them (a program has its own); kernel32.dll
# imports ntdll.dll. A program links the C runtime (static), ntdll's start-up object and the
# two import libraries: its imports are resolved at start-up by ntdll's loader
# (user/ntdll/ldr.c).
NTDLL_DLL_OBJS := $(filter-out %/startup.c.o,$(USER_ntdll_OBJS)) $(UBUILD)/obj/user/crt/string.c.o
K32_DLL_OBJS   := $(USER_kernel32_OBJS) $(UBUILD)/obj/user/crt/string.c.o \
    $(UBUILD)/obj/user/crt/chkstk.S.o
USER_DLL_CRT   := memchr,memcmp,memcpy,memmove,memset,strcat,strchr,strcmp,strcpy,strlen,strncat,strncmp,strncpy,strnlen,strrchr,strstr,__chkstk,__chkstk_ms,_alloca
USER_DLL_LDFLAGS := -shared -nostdlib -s -Wl,--export-all-symbols -Wl,--subsystem,console \
    -Xlinker --exclude-symbols -Xlinker $(USER_DLL_CRT)
$(UBUILD)/ntdll.dll: $(NTDLL_DLL_OBJS) Makefile
	@mkdir -p $(UBUILD)/lib
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_DLL_LDFLAGS) -Wl,--image-base,0x7C900000 \
	    -Wl,--entry,_LdrpNtdllEntry@12 -Wl,--out-implib,$(UBUILD)/lib/libntdll.dll.a \
	    -o $@ $(NTDLL_DLL_OBJS) -lgcc
$(UBUILD)/lib/libntdll.dll.a: $(UBUILD)/ntdll.dll
$(UBUILD)/kernel32.dll: $(K32_DLL_OBJS) user/kernel32/kernel32.def $(UBUILD)/lib/libntdll.dll.a Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_DLL_LDFLAGS) -Wl,--image-base,0x7C800000 \
	    -Wl,--entry,_BaseDllInitialize@12 -Wl,--out-implib,$(UBUILD)/lib/libkernel32.dll.a \
	    -o $@ $(K32_DLL_OBJS) user/kernel32/kernel32.def $(UBUILD)/lib/libntdll.dll.a -lgcc
$(UBUILD)/lib/libkernel32.dll.a: $(UBUILD)/kernel32.dll
USER_DLLS := $(UBUILD)/ntdll.dll $(UBUILD)/kernel32.dll

# Samples, test programs and benchmarks: one C file each, one .exe each, all in build/user/.
USER_PROGRAMS := $(patsubst user/samples/%.c,$(UBUILD)/%.exe,$(wildcard user/samples/*.c)) \
    $(patsubst user/tests/%.c,$(UBUILD)/%.exe,$(wildcard user/tests/*.c)) \
    $(patsubst user/bench/%.c,$(UBUILD)/%.exe,$(wildcard user/bench/*.c))

$(UBUILD)/%.exe: user/samples/%.c $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $< $(USER_LINK)

$(UBUILD)/%.exe: user/bench/%.c $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $< $(USER_LINK)

$(UBUILD)/%.exe: user/tests/%.c user/tests/ktap.h $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $< $(USER_LINK)

# The programs that issue int 0x2E themselves number the services from the list.
$(UBUILD)/robust.exe $(UBUILD)/sysfuzz.exe: kernel/inc/ntservices.h
$(UBUILD)/teardown.exe $(UBUILD)/pefuzz.exe $(UBUILD)/userpaging.exe $(UBUILD)/cloning.exe: user/tests/snapshot.h
$(UBUILD)/except.exe $(UBUILD)/inpage.exe $(UBUILD)/npx.exe: user/tests/catch.h

# image.exe again, linked at 0x80000000 (outside user space) with its relocations, so it is
# always mapped elsewhere and relocated (tests/image.t).
$(UBUILD)/imagereloc.exe: user/tests/image.c user/tests/ktap.h $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -Wl,--image-base,0x80000000 \
	    -Wl,--dynamicbase -Wl,--enable-reloc-section -o $@ $< $(USER_LINK)

# Programs importing what is not there (tests/image.t), through import libraries dlltool makes
# from .def files: missingdll.exe a DLL no one has, noexport.exe a function kernel32.dll lacks.
$(UBUILD)/lib/lib%.def.a: user/tests/imports/%.def
	@mkdir -p $(dir $@)
	$(call say,DLLTOOL,$@)i686-w64-mingw32-dlltool -d $< -l $@
$(UBUILD)/missingdll.exe: user/tests/imports/missingdll.c $(UBUILD)/lib/libmissing.def.a $(USER_LIBS)
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $< \
	    $(UBUILD)/lib/libmissing.def.a $(USER_LINK)
$(UBUILD)/noexport.exe: user/tests/imports/noexport.c $(UBUILD)/lib/libnoexport.def.a $(USER_LIBS)
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -o $@ $< \
	    $(UBUILD)/lib/libnoexport.def.a $(USER_LINK)
USER_IMPORT_TESTS := $(UBUILD)/missingdll.exe $(UBUILD)/noexport.exe

# image.exe linked at 0x7C7F0000, over kernel32.dll's base: the loader relocates kernel32.dll.
$(UBUILD)/imagek32.exe: user/tests/image.c user/tests/ktap.h $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) -Wl,--image-base,0x7C7F0000 \
	    -o $@ $< $(USER_LINK)

# testdll.dll and testdep.dll (user/tests/dll/): the DLLs ldr.exe loads by name, known DLLs
# when tools/boot passes them with --exe (tests/image.t). testdll.dll, at 0x10000000, has its
# exports named by its .def and imports testdep.dll (0x10100000) through testdep's import
# library.
TEST_DLL_LDFLAGS := -shared -nostdlib -Wl,--entry,_DllMain@12 -Wl,--subsystem,console
$(UBUILD)/testdep.dll: user/tests/dll/testdep.c user/tests/dll/testdll.h $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(TEST_DLL_LDFLAGS) -Wl,--image-base,0x10100000 \
	    -Wl,--out-implib,$(UBUILD)/lib/libtestdep.dll.a -o $@ $< $(UBUILD)/lib/libkernel32.dll.a -lgcc
$(UBUILD)/lib/libtestdep.dll.a: $(UBUILD)/testdep.dll
$(UBUILD)/testdll.dll: user/tests/dll/testdll.c user/tests/dll/testdll.h user/tests/dll/testdll.def \
    $(UBUILD)/lib/libtestdep.dll.a $(USER_LIBS) Makefile
	$(call say,MINGWLD,$@)$(USER_CC) $(USER_CFLAGS) $(TEST_DLL_LDFLAGS) -Wl,--image-base,0x10000000 \
	    -o $@ $< user/tests/dll/testdll.def $(UBUILD)/lib/libtestdep.dll.a \
	    $(UBUILD)/lib/libkernel32.dll.a -lgcc
$(UBUILD)/ldr.exe: user/tests/dll/testdll.h

user: $(USER_LIBS) $(USER_DLLS) $(USER_PROGRAMS) $(UBUILD)/imagereloc.exe $(UBUILD)/imagek32.exe \
    $(USER_IMPORT_TESTS) $(UBUILD)/testdll.dll $(UBUILD)/testdep.dll

# tools/mkexe OUT.exe SRC.c...: a program from any C files, as the samples are built.
user-program: $(USER_LIBS)
	$(call say,MINGWLD,$(MKEXE_OUT))$(USER_CC) $(USER_CFLAGS) $(USER_LDFLAGS) \
	    -o $(MKEXE_OUT) $(MKEXE_SRCS) $(USER_LINK)

-include $(shell find $(UBUILD)/obj -name '*.d' 2>/dev/null)

# The GRUB rescue ISO: BIOS-bootable, the image and iso/grub.cfg under /boot.
$(BUILD)/mm386.iso: $(BUILD)/mm386.elf iso/grub.cfg
	$(call say,ISO,$@)rm -rf $(BUILD)/isodir && mkdir -p $(BUILD)/isodir/boot/grub && \
	    cp $(BUILD)/mm386.elf $(BUILD)/isodir/boot/ && \
	    cp iso/grub.cfg $(BUILD)/isodir/boot/grub/ && \
	    grub-mkrescue -o $@ $(BUILD)/isodir > $(BUILD)/grub-mkrescue.log 2>&1 || \
	    { cat $(BUILD)/grub-mkrescue.log >&2; exit 1; }

iso: $(BUILD)/mm386.iso

# Disk images (tools/mkdisk): disk0 holds a 256 MiB paging-file partition (type 0x82) from
# sector 2048 and after it a 64 MiB FAT32 partition (type 0x0C, mounted as C:); disk1 one
# paging-file partition from sector 2048 to the end. Made only when absent, so they survive
# rebuilds.
DISK0_MIB   := 320
DISK0_TABLE := 82:256,0c:64
DISK1_MIB   := 64
DISK1_TABLE := 82

$(BUILD)/disk0.img $(BUILD)/disk1.img: $(BUILD)/disk%.img:
	@mkdir -p $(BUILD)
	$(call say,MKDISK,$@)tools/mkdisk --table $(DISK$*_TABLE) $@ $(DISK$*_MIB)

images: $(BUILD)/disk0.img $(BUILD)/disk1.img

-include $(shell find $(KBUILD)/obj -name '*.d' 2>/dev/null)

# The commands a user runs. Each first installs what is missing (tools/deps), then builds in a
# second make so the new tools are in place before anything compiles.
CMDLINE   ?=
GDB       ?= yes
GDB_PORT  ?= 1234
PROVE     ?= prove

# A STOP (tools/boot's status 1) is the kernel's own report, often asked for (crash): make
# adds no "Error 1" under it. A timeout or a triple fault (2) still fails.
run:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory iso images
	tools/boot --iso --disk $(BUILD)/disk0.img $(if $(CMDLINE),-- $(CMDLINE)) || [ $$? -eq 1 ]

test:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory all iso host-tests
	$(PROVE) $(HOST_TESTS) tests/*.t

# Benchmarks: figures measured inside the guest (the TSC, calibrated against the PIT), one
# "BENCH name value unit" line each, collected into build/bench.txt. disk0 is the primary master.
# Two boots: the kernel's benchmarks (bench=), then the user-mode ones (user/bench/ubench.c, run
# as the first process with exit0.exe beside it, on the same memory and paging file); then
# tools/benchsum adds the figures computed from both (user_thrash_disk_efficiency_pct).
# The file benchmarks (ubench's fileread, filewrite, filemap) run in two more boots, each on a
# fresh build/benchdisk.img (tools/benchdisk: disk0's paging-file partition, then a 300 MiB
# FAT32 C: holding a 64 MiB host-made C:\bench.bin), so that their cold reads are cold.
# UBENCH names a subset of all of them. Every benchmark boot has QEMU allocate the guest's RAM
# before it starts (-mem-prealloc), as tools/linuxbench/run does for Linux: the host's first
# touch of a guest page otherwise stalls the transfer or fault that made it for up to
# milliseconds, at random (five cold file reads made 54-91% of ata_read_64k's rate without it,
# 88-98% with it, 2026-11-30).
BENCH_MEM ?= 64
UBENCH_FILES := fileread filewrite filemap
UBENCH_MEMORY := $(filter-out $(UBENCH_FILES),$(UBENCH))
UBENCH_READ := $(filter fileread filewrite,$(or $(UBENCH),$(UBENCH_FILES)))
UBENCH_MAP := $(filter filemap,$(or $(UBENCH),$(UBENCH_FILES)))
BENCH_BOOT = tools/boot --mem $(BENCH_MEM) --timeout 3000 --qemu-arg -mem-prealloc
UBENCH_BOOT = $(BENCH_BOOT) --exe $(UBUILD)/ubench.exe

bench:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory all images user
	$(BENCH_BOOT) --disk $(BUILD)/disk0.img \
	    -- bench=$(or $(BENCH),all) | tee $(BUILD)/bench.log
	$(if $(UBENCH_MEMORY)$(if $(UBENCH),,all),$(UBENCH_BOOT) --disk $(BUILD)/disk0.img \
	    --exe $(UBUILD)/exit0.exe -- run="ubench.exe $(UBENCH_MEMORY)" | tee -a $(BUILD)/bench.log)
	$(if $(UBENCH_READ),tools/benchdisk $(BUILD)/benchdisk.img && $(UBENCH_BOOT) \
	    --disk $(BUILD)/benchdisk.img -- run="ubench.exe $(UBENCH_READ)" | tee -a $(BUILD)/bench.log)
	$(if $(UBENCH_MAP),tools/benchdisk $(BUILD)/benchdisk.img && $(UBENCH_BOOT) \
	    --disk $(BUILD)/benchdisk.img -- run="ubench.exe $(UBENCH_MAP)" | tee -a $(BUILD)/bench.log)
	$(Q)grep -E '^(BENCH|# SKIP) ' $(BUILD)/bench.log | tools/benchsum > $(BUILD)/bench.txt; cat $(BUILD)/bench.txt

# make debug: tools/debug starts QEMU paused, in a session of its own (Ctrl-C reaches gdb, which
# interrupts the guest), with disk0 as `make run` has it and COM1 on build/debug-com1.sock
# (tools/console opens the kd> prompt there; inside tmux a pane does it), and runs gdb with
# the symbols (at 0x60000000 above the link address under /3GB: kernel/init/relocate.c).
# GDB=no: QEMU alone on this terminal, COM1 here too; it prints how to attach.
GDB_RELOCATED := $(filter-out increaseuserva=2048,$(filter 3gb increaseuserva=%,$(CMDLINE)))
GDB_SYMBOLS   := $(if $(GDB_RELOCATED),-ex 'exec-file $(KBUILD)/mm386.elf' -ex 'symbol-file -o 0x60000000 $(KBUILD)/mm386.elf',$(KBUILD)/mm386.elf)

debug:
	$(Q)tools/deps
	$(Q)$(MAKE) --no-print-directory all images
ifeq ($(GDB),no)
	@echo "QEMU is waiting for gdb on port $(GDB_PORT). From the top of the tree, attach with:"
	@echo "    gdb -x tools/gdb/mm386.gdb $(GDB_SYMBOLS) -ex 'target remote :$(GDB_PORT)'"
	tools/boot --gdb $(GDB_PORT) --kernel $(KBUILD)/mm386.elf --disk $(BUILD)/disk0.img \
	    $(if $(CMDLINE),-- $(CMDLINE))
else
	$(Q)tools/debug --kernel $(KBUILD)/mm386.elf --port $(GDB_PORT) --disk $(BUILD)/disk0.img \
	    $(if $(CMDLINE),-- $(CMDLINE))
endif

.PHONY: all iso images host-tests user user-program run test bench debug clean help FORCE
clean:
	rm -rf $(BUILD)

help:
	@echo "Targets:"
	@echo "  make [all]       build build/mm386.elf"
	@echo "  make iso         build build/mm386.iso, the GRUB rescue ISO make run boots"
	@echo "  make images      make build/disk0.img (256 MiB paging-file partition, 64 MiB FAT32 C:) and disk1.img (64 MiB)"
	@echo "  make host-tests  build the host tests (build/host/test_*, ASan and UBSan, -m32)"
	@echo "  make user        build the user-mode runtime, samples and test programs (build/user/)"
	@echo "  make user-program  link PROG_OUT from PROG_SRCS against the runtime (what tools/mkexe runs)"
	@echo "  make run         boot the GRUB ISO in QEMU with COM1 on this terminal, disk0 attached"
	@echo "  make test        run every test (host and in QEMU) through prove; one scenario"
	@echo "                   verbosely: prove -v tests/kd.t"
	@echo "  make debug       boot paused under gdb, the kd> prompt through tools/console"
	@echo "  make bench       run the benchmarks; figures in build/bench.txt"
	@echo "  make clean       remove build/"
	@echo "  make help        this list"
	@echo "run, test, bench and debug first install what is missing (tools/deps)."
	@echo "Variables:"
	@echo "  V=1              show the commands run"
	@echo "  CMDLINE='...'    the kernel command line for run and debug (e.g. CMDLINE='3gb test=mm.*')"
	@echo "  BENCH=<glob>     the kernel benchmarks bench runs (all); BENCH_MEM=<MiB> its memory ($(BENCH_MEM))"
	@echo "  UBENCH=<names>   the user benchmarks bench runs (all: w1 w2 create image close heap valloc"
	@echo "                   share fork largetlb fileread filewrite filemap)"
	@echo "  GDB=no           debug: QEMU alone, waiting on GDB_PORT=<port> ($(GDB_PORT)) for a gdb"
	@echo "  O=<level>        build at -O<level> into build/O<level> (O=0 for make debug)"
	@echo "  CROSS=<prefix>   the cross toolchain ($(CROSS)); HOSTCC=<cc> the host tests' ($(HOSTCC))"
	@echo "  MINGW_CC=<cc>    mingw-w64 for PE32 images ($(MINGW_CC)); MINGW_OBJDUMP=<objdump> ($(MINGW_OBJDUMP))"
	@echo "  MINGW_INCLUDE=<dir>  mingw-w64's headers for the user-mode host tests ($(MINGW_INCLUDE))"
	@echo "  PROVE=<command>  what make test runs the tests with ($(PROVE))"
