/*
 * mm/mminit.c: MmInitSystem. Phase 0 checks the self-map the boot code built and takes the
 * physical pages it needs from the loader's memory map before any page list exists.
 */
#include "mm/mi.h"
#include "boot/boot.h"

#define MI_SELFMAP_CHECK_PDE        1   /* PHASE0_INITIALIZATION_FAILED parameter 1 */
#define MI_SELFMAP_CHECK_IMAGE_PTE  2

uintptr_t MmSystemRangeStart = KSEG0_BASE;

/* Where boot-time pages come from: the largest free run of the memory map above the image. */
static struct {
    uint32_t BasePage;
    uint32_t PageCount;
} MxFreeDescriptor;

extern char KiBootStackGuard[];

static uint32_t MiImageEndPage(void)
{
    uintptr_t end = (uintptr_t)KiImageEnd - (uintptr_t)KiImageBase + (KI_IMAGE_LINK_BASE - KSEG0_BASE);

    return BYTES_TO_PAGES(end);
}

static void MxInitializeFreeDescriptor(void)
{
    uint32_t lowest = MiImageEndPage();

    for (uint32_t i = 0; i < KeLoaderBlock.MemoryDescriptorCount; i++) {
        const MEMORY_DESCRIPTOR *d = &KeLoaderBlock.MemoryDescriptors[i];
        uint64_t first = (d->Base + PAGE_SIZE - 1) >> PAGE_SHIFT;
        uint64_t last = (d->Base + d->Length) >> PAGE_SHIFT;   /* exclusive */

        if (d->Type != MemoryFree)
            continue;
        if (last > 1ull << (32 - PAGE_SHIFT))
            last = 1ull << (32 - PAGE_SHIFT);
        if (first < lowest)
            first = lowest;
        if (last > first && last - first > MxFreeDescriptor.PageCount) {
            MxFreeDescriptor.BasePage = (uint32_t)first;
            MxFreeDescriptor.PageCount = (uint32_t)(last - first);
        }
    }
}

/* A physical page for a boot-time structure; its contents are undefined. */
uint32_t MxGetNextPage(void)
{
    if (MxFreeDescriptor.PageCount == 0)
        KeBugCheckEx(INSTALL_MORE_MEMORY, 0, 0, 0, 0);
    MxFreeDescriptor.PageCount--;
    return MxFreeDescriptor.BasePage++;
}

/*
 * Map PageFrameIndex at VirtualAddress, making the page table first if the PDE is invalid.
 * The new page table is reached through the self-map, so nothing else needs to be mapped.
 */
void MiMapBootPage(uintptr_t VirtualAddress, uint32_t PageFrameIndex)
{
    MMPTE *pde = MiGetPdeAddress(VirtualAddress);
    MMPTE *pte = MiGetPteAddress(VirtualAddress);

    if (!pde->u.Hard.Valid) {
        MMPTE *table = MiGetPteAddress(MiGetVirtualAddressMappedByPde(pde));

        *pde = MiMakeValidKernelPte(MxGetNextPage());
        __invlpg(table);
        RtlZeroMemory(table, PAGE_SIZE);
    }
    *pte = MiMakeValidKernelPte(PageFrameIndex);
    __invlpg((void *)VirtualAddress);
}

/*
 * The boot self-check: PDE[0x300] must map the directory itself (its PFN is CR3's), and every
 * page of the image must read back through PTE_BASE as mapped at its load address.
 */
static void MiCheckSelfMap(void)
{
    MMPTE *selfPde = MiGetPdeAddress(PTE_BASE);
    uint32_t directoryPfn = __readcr3() >> PAGE_SHIFT;
    uint32_t imagePfn = (KI_IMAGE_LINK_BASE - KSEG0_BASE) >> PAGE_SHIFT;

    if (selfPde != (MMPTE *)(PDE_BASE + MM_SELFMAP_PDE_INDEX * sizeof(MMPTE)) ||
        !selfPde->u.Hard.Valid || selfPde->u.Hard.PageFrameNumber != directoryPfn)
        KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, MI_SELFMAP_CHECK_PDE, directoryPfn,
                     selfPde->u.Long, 0);

    for (uintptr_t va = (uintptr_t)KiImageBase; va < (uintptr_t)KiImageEnd; va += PAGE_SIZE) {
        MMPTE *pte = MiGetPteAddress(va);

        if (va == (uintptr_t)KiBootStackGuard) {
            if (pte->u.Long != MM_ZERO_PTE)
                KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, MI_SELFMAP_CHECK_IMAGE_PTE, va,
                             pte->u.Long, 0);
        } else if (!pte->u.Hard.Valid || pte->u.Hard.PageFrameNumber != imagePfn) {
            KeBugCheckEx(PHASE0_INITIALIZATION_FAILED, MI_SELFMAP_CHECK_IMAGE_PTE, va,
                         pte->u.Long, imagePfn);
        }
        imagePfn++;
    }
}

void MmInitSystem(uint32_t Phase)
{
    if (Phase != 0)
        return;
    MiCheckSelfMap();
    MxInitializeFreeDescriptor();
    MiInitializeCrashDumpArea();
}
