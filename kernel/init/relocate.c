/*
 * kernel/init/relocate.c: where the image runs. It is linked at 0x80100000, the start of system
 * space. When /3GB or increaseuserva gives user space more than 2 GB, that address becomes a
 * user address, so before anything else runs the image moves itself by a virtual bias to the
 * window NT uses for the kernel in that layout (ALTERNATE_BASE, 0xE0000000), as NT's loader
 * does with its VirtualBias:
 *
 *   1. the boot page table that maps physical 0-4 MiB at 0x80000000 is also put at
 *      0xE0000000, so the image is mapped at both addresses;
 *   2. KiRelocateAndRestart adds the bias to every absolute address in the image (the sites
 *      tools/imgtab listed) and calls KiSystemStartup again at its new address, on the
 *      relocated stack;
 *   3. that second KiSystemStartup sees it runs relocated and removes the 0x80000000 mapping.
 *
 * Only the first 4 MiB is mapped there at start-up, so the image must end below 4 MiB (the
 * linker script checks).
 */
#include "kernel/init/init.h"
#include "boot/boot.h"
#include "mm/i386.h"
#include "hal/x86.h"

#define KI_ALTERNATE_BASE   0xE0000000u

typedef struct _KRELOCATION {
    const uint32_t *Table;
    uint32_t Count;
    uint32_t Delta;
    uint32_t LinkBase;
    uint32_t Entry;
    uint32_t StackTop;
    uint32_t Magic;
} KRELOCATION;

extern const uint32_t KiRelocationCount;
extern const uint32_t KiRelocationTable[];
extern char KiBootStackTop[];
extern MMPTE KiBootPageDirectory[PDE_PER_PAGE];
__attribute__((noreturn)) void KiRelocateAndRestart(const KRELOCATION *Relocation);
void KiSystemStartup(uint32_t Magic);

/*
 * Called first thing in KiSystemStartup. Does nothing in the default layout; otherwise moves
 * the image (and does not return) or, on the second call, finishes the move.
 */
void KiRelocateImageIfRequested(uint32_t Magic)
{
    uintptr_t base = (uintptr_t)KiImageBase;
    char commandLine[KI_MULTIBOOT_CMDLINE_SIZE];
    KRELOCATION relocation;

    if (base != KI_IMAGE_LINK_BASE) {
        KeLoaderBlock.VirtualBias = (uint32_t)(base - KI_IMAGE_LINK_BASE);
        KiBootPageDirectory[MiGetPdeOffset(KSEG0_BASE)].u.Long = 0;
        __writecr3(__readcr3());
        return;
    }
    KiCopyLoaderCommandLine(commandLine, sizeof(commandLine));
    if (KiPeekUserVaIncrease(commandLine) == 0)
        return;

    relocation = (KRELOCATION){
        .Table = KiRelocationTable,
        .Count = KiRelocationCount,
        .Delta = KI_ALTERNATE_BASE - KSEG0_BASE,
        .LinkBase = KI_IMAGE_LINK_BASE,
        .Entry = (uint32_t)(uintptr_t)KiSystemStartup + (KI_ALTERNATE_BASE - KSEG0_BASE),
        .StackTop = (uint32_t)(uintptr_t)KiBootStackTop + (KI_ALTERNATE_BASE - KSEG0_BASE),
        .Magic = Magic,
    };
    KiBootPageDirectory[MiGetPdeOffset(KI_ALTERNATE_BASE)] =
        KiBootPageDirectory[MiGetPdeOffset(KSEG0_BASE)];
    KiRelocateAndRestart(&relocation);
}
