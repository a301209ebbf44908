/*
 * boot/boot.h: what boot/multiboot.S and the kernel agree on. Included from assembly too, so
 * it holds only #defines.
 */
#ifndef BOOT_BOOT_H
#define BOOT_BOOT_H

#define KSEG0_BASE                  0x80000000
#define KI_IMAGE_LINK_BASE          0x80100000  /* where linker.ld puts the image */
#define PHYS(symbol)                ((symbol) - KSEG0_BASE)

#define MULTIBOOT_LOADER_MAGIC      0x2BADB002  /* in EAX when the loader jumps to _start */

#define KI_MULTIBOOT_MMAP_SIZE      4096        /* bytes of memory map kept (170 entries) */
#define KI_MULTIBOOT_CMDLINE_SIZE   2048        /* bytes of command line kept, NUL included; a
                                                   longer line is not kept at all */
#define KI_MULTIBOOT_CMDLINE_SCAN   0x10000     /* how far its end is looked for */
#define KI_MULTIBOOT_INFO_SIZE      88          /* multiboot v1 information through VBE */
#define KI_MULTIBOOT_LOADER_SIZE    32          /* bytes of the loader's name kept, NUL included */
#define KI_MAX_LOADER_MODULES       16          /* multiboot modules kept; more are ignored */
#define KI_MULTIBOOT_MODULE_SIZE    16          /* one module entry: start, end, string, reserved */
#define KI_MULTIBOOT_MODULE_STRING_SIZE 256     /* bytes of a module's string kept, NUL included */

#define KI_BOOT_STACK_SIZE          0x4000      /* 16 KiB, with an unmapped guard page below */

#endif
