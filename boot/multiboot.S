/*
 * boot/multiboot.S: from the multiboot loader to KiSystemStartup.
 *
 * Runs at physical addresses with paging off. It checks the processor (boot/cpu.S), copies what the loader passed (the multiboot
 * information, its memory map, the module list with each module's string, and the command
 * line) into the image, because none of it will be mapped once paging is on and nothing keeps
 * the loader's copies from being reused as free memory; the modules themselves stay where the
 * loader put them (kernel/init/loader.c keeps their pages out of the free memory); builds the first page directory; turns paging on; jumps to the
 * kernel's link addresses; removes the identity map; and calls KiSystemStartup.
 *
 * The first page directory:
 *
 *   PDE[0x000]  -> KiBootPageTable   identity map of physical 0-4 MiB, only until the jump high
 *   PDE[0x200]  -> KiBootPageTable   KSEG0: 0x80000000 + physical, the image at 0x80100000
 *   PDE[0x300]  -> the directory      the self-map: PTEs at 0xC0000000, PDEs at 0xC0300000
 *   PDE[0x3FF]  -> KiBootHalPageTable the HAL's last 4 MiB (0xFFC00000), empty for now
 */

#include "boot/boot.h"


#define MULTIBOOT_MAGIC     0x1BADB002
#define MULTIBOOT_FLAGS     0x00000003      /* page-align modules, provide memory info */

#define MBI_FLAGS           0
#define MBI_CMDLINE         16
#define MBI_MODS_COUNT      20
#define MBI_MODS_ADDR       24
#define MBI_MMAP_LENGTH     44
#define MBI_MMAP_ADDR       48
#define MBI_LOADER_NAME     64
#define MBI_COPY_SIZE       KI_MULTIBOOT_INFO_SIZE
#define MBI_FLAG_CMDLINE    (1 << 2)
#define MBI_FLAG_MODS       (1 << 3)
#define MBI_FLAG_MMAP       (1 << 6)
#define MBI_FLAG_LOADER     (1 << 9)

#define PTE_VALID_WRITE     0x003
#define PTE_BASE            0xC0000000
#define CR0_NE              (1 << 5)    /* x87 errors as #MF (vector 16), as NT has them */
#define CR0_WP              (1 << 16)
#define CR0_PG              (1 << 31)

#define PDE_IDENTITY        0x000
#define PDE_KSEG0           0x200
#define PDE_SELFMAP         0x300
#define PDE_HAL             0x3FF

    .section .multiboot, "a"
    .p2align 2
    .long MULTIBOOT_MAGIC
    .long MULTIBOOT_FLAGS
    .long -(MULTIBOOT_MAGIC + MULTIBOOT_FLAGS)

    .section .text.boot, "ax"
    .globl _start
    .type _start, @function
_start:
    cli
    cld
    movl $PHYS(KiBootStackTop), %esp
    call KiCheckProcessor                   /* boot/cpu.S: stops on a processor before the Pentium */
    movl %eax, %ebp                         /* loader magic, checked in C */
    movl %ebx, %edx                         /* physical multiboot information */

    cmpl $MULTIBOOT_LOADER_MAGIC, %eax
    jne 3f

    /* The information block itself. */
    movl %edx, %esi
    movl $PHYS(KiMultibootInfo), %edi
    movl $MBI_COPY_SIZE, %ecx
    rep movsb

    /* The memory map, truncated to the buffer; C sees the length it was given. */
    testl $MBI_FLAG_MMAP, MBI_FLAGS(%edx)
    jz 9f
    movl MBI_MMAP_ADDR(%edx), %esi
    movl MBI_MMAP_LENGTH(%edx), %ecx
    cmpl $KI_MULTIBOOT_MMAP_SIZE, %ecx
    jbe 0f
    movl $KI_MULTIBOOT_MMAP_SIZE, %ecx
0:  movl %ecx, PHYS(KiMultibootMmapLength)
    movl $PHYS(KiMultibootMmap), %edi
    rep movsb

    /* The first KI_MAX_LOADER_MODULES module entries, and each one's string truncated to its
     * buffer; the copy's reserved word gets the string's length (KiBootCopyString's). C sees
     * the count the loader gave, so it can report the modules it ignores. */
9:  testl $MBI_FLAG_MODS, MBI_FLAGS(%edx)
    jz 8f
    movl MBI_MODS_COUNT(%edx), %ecx
    movl %ecx, PHYS(KiMultibootModuleCount)
    cmpl $KI_MAX_LOADER_MODULES, %ecx
    jbe 0f
    movl $KI_MAX_LOADER_MODULES, %ecx
0:  movl MBI_MODS_ADDR(%edx), %esi
    movl $PHYS(KiMultibootModules), %edi
    movl $PHYS(KiMultibootModuleStrings), %ebx
    jecxz 8f
7:  pushl %ecx
    movl $(KI_MULTIBOOT_MODULE_SIZE / 4), %ecx
    rep movsl
    pushl %esi
    pushl %edi
    movl -8(%edi), %esi                     /* the module's string */
    movl %ebx, %edi
    movl $KI_MULTIBOOT_MODULE_STRING_SIZE, %ecx
    xorl %eax, %eax
    testl %esi, %esi
    jz 6f
    call KiBootCopyString
6:  popl %edi
    movl %eax, -4(%edi)
    popl %esi
    popl %ecx
    addl $KI_MULTIBOOT_MODULE_STRING_SIZE, %ebx
    loop 7b

    /* The loader's name, truncated: GRUB quotes the command line, which C then undoes. */
8:  testl $MBI_FLAG_LOADER, MBI_FLAGS(%edx)
    jz 1f
    movl MBI_LOADER_NAME(%edx), %esi
    movl $PHYS(KiMultibootLoaderName), %edi
    movl $(KI_MULTIBOOT_LOADER_SIZE - 1), %ecx
0:  lodsb
    testb %al, %al
    jz 1f
    stosb
    loop 0b

    /* The command line with its NUL, and its length. One too long for the buffer is not
     * copied at all (C says so): half a command line can do more harm than none. */
1:  testl $MBI_FLAG_CMDLINE, MBI_FLAGS(%edx)
    jz 3f
    movl MBI_CMDLINE(%edx), %esi
    movl %esi, %edi
    xorl %eax, %eax
    movl $KI_MULTIBOOT_CMDLINE_SCAN, %ecx
    repne scasb
    subl %esi, %edi
    leal -1(%edi), %ecx                     /* the length, or the scan's when no NUL was seen */
    movl %ecx, PHYS(KiMultibootCommandLineLength)
    cmpl $(KI_MULTIBOOT_CMDLINE_SIZE - 1), %ecx
    ja 3f
    incl %ecx
    movl $PHYS(KiMultibootCommandLine), %edi
    rep movsb

3:  /* KiBootPageTable maps physical 0-4 MiB. */
    movl $PHYS(KiBootPageTable), %edi
    movl $PTE_VALID_WRITE, %eax
    movl $1024, %ecx
4:  stosl
    addl $0x1000, %eax
    loop 4b

    movl $PHYS(KiBootPageDirectory), %edi
    movl $(PHYS(KiBootPageTable) + PTE_VALID_WRITE), %eax
    movl %eax, (PDE_IDENTITY * 4)(%edi)
    movl %eax, (PDE_KSEG0 * 4)(%edi)
    movl $(PHYS(KiBootHalPageTable) + PTE_VALID_WRITE), %eax
    movl %eax, (PDE_HAL * 4)(%edi)
    movl %edi, %eax
    orl $PTE_VALID_WRITE, %eax
    movl %eax, (PDE_SELFMAP * 4)(%edi)

    movl %edi, %cr3
    movl %cr0, %eax
    orl $(CR0_PG | CR0_WP | CR0_NE), %eax
    movl %eax, %cr0
    movl $KiBootHigh, %eax
    jmp *%eax

KiBootHigh:
    /* Running at link addresses: the identity map goes before any C runs. */
    movl $0, KiBootPageDirectory + PDE_IDENTITY * 4
    movl %cr3, %eax
    movl %eax, %cr3
    movl $KiBootStackGuard, %eax            /* unmap the page below the boot stack */
    shrl $10, %eax
    movl $0, PTE_BASE(%eax)
    invlpg KiBootStackGuard
    movl $KiBootStackTop, %esp
    pushl %ebp                              /* KiSystemStartup(Magic) */
    xorl %ebp, %ebp                         /* a zero frame pointer ends every backtrace */
    call KiSystemStartup
5:  hlt
    jmp 5b
    .size _start, . - _start

/*
 * Copies the string at ESI into the buffer at EDI of ECX bytes, which is zero (.bss), so the
 * copy ends in a NUL. Returns in EAX the string's length, or ECX when it does not fit (then
 * the buffer holds its first ECX - 1 characters). Keeps every register but EAX.
 */
    .type KiBootCopyString, @function
KiBootCopyString:
    pushl %ebx
    xorl %eax, %eax
0:  movb (%esi,%eax), %bl
    testb %bl, %bl
    jz 1f
    incl %eax
    cmpl %ecx, %eax
    je 1f
    movb %bl, -1(%edi,%eax)
    jmp 0b
1:  popl %ebx
    ret
    .size KiBootCopyString, . - KiBootCopyString


    .section .bss.pagealigned, "aw", @nobits
    .p2align 12
    .globl KiBootPageDirectory, KiBootPageTable, KiBootHalPageTable
    .globl KiBootStackGuard, KiBootStackLimit, KiBootStackTop
KiBootPageDirectory:    .skip 4096
KiBootPageTable:        .skip 4096
KiBootHalPageTable:     .skip 4096
KiBootStackGuard:       .skip 4096              /* no-access: an overflow double-faults */
KiBootStackLimit:       .skip KI_BOOT_STACK_SIZE
KiBootStackTop:

    .bss
    .p2align 2
    .globl KiMultibootInfo, KiMultibootMmap, KiMultibootMmapLength, KiMultibootCommandLine
    .globl KiMultibootCommandLineLength, KiMultibootLoaderName
    .globl KiMultibootModuleCount, KiMultibootModules, KiMultibootModuleStrings
KiMultibootInfo:        .skip KI_MULTIBOOT_INFO_SIZE
KiMultibootMmapLength:  .skip 4
KiMultibootMmap:        .skip KI_MULTIBOOT_MMAP_SIZE
KiMultibootCommandLineLength: .skip 4
KiMultibootLoaderName:  .skip KI_MULTIBOOT_LOADER_SIZE
KiMultibootCommandLine: .skip KI_MULTIBOOT_CMDLINE_SIZE
KiMultibootModuleCount: .skip 4
KiMultibootModules:     .skip KI_MAX_LOADER_MODULES * KI_MULTIBOOT_MODULE_SIZE
KiMultibootModuleStrings: .skip KI_MAX_LOADER_MODULES * KI_MULTIBOOT_MODULE_STRING_SIZE
