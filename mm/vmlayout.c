/*
 * mm/vmlayout.c: the system address space as a table of regions, in address order, for the
 * boot console (and the tests, which check that no two overlap):
 *
 *   start     end       size      region
 *   80000000  803fffff    4 MB    kernel image               MmBootImageSize
 */
#include "mm/mi.h"
#include "boot/boot.h"

#define MI_MAXIMUM_REGIONS 24

static void MiAddRegion(MM_SYSTEM_REGION *Regions, uint32_t *Count, uintptr_t Start,
                        uintptr_t End, const char *Name, const char *Variable)
{
    if (End <= Start || *Count == MI_MAXIMUM_REGIONS)
        return;
    Regions[(*Count)++] = (MM_SYSTEM_REGION){ Start, End - 1, Name, Variable };
}

/* The regions of the current layout, sorted by start; ends are inclusive. */
uint32_t MmGetSystemRegions(MM_SYSTEM_REGION *Regions, uint32_t MaximumCount)
{
    MM_SYSTEM_REGION all[MI_MAXIMUM_REGIONS];
    uint32_t count = 0;
    uintptr_t image = (uintptr_t)KiImageBase - (KI_IMAGE_LINK_BASE - KSEG0_BASE);
    uintptr_t pfnEnd = (uintptr_t)MmPfnDatabase +
                       ROUND_TO_PAGES((MmHighestPhysicalPage + 1) * sizeof(MMPFN));

    MiAddRegion(all, &count, 0, MmUserProbeAddress, "user space", "MmHighestUserAddress");
    MiAddRegion(all, &count, MmUserProbeAddress, MmSystemRangeStart, "no-access gap",
                "MmUserProbeAddress");
    if (MmSystemRangeStart > MM_KSEG0_BASE && MmSystemRangeStart < PTE_BASE)
        MiAddRegion(all, &count, MmSystemRangeStart, PTE_BASE, "unused system space",
                    "MmSystemRangeStart");
    MiAddRegion(all, &count, image, image + MmBootImageSize, "kernel image", "MmBootImageSize");
    MiAddRegion(all, &count, (uintptr_t)MmPfnDatabase, pfnEnd, "PFN database", "MmPfnDatabase");
    MiAddRegion(all, &count, MmNonPagedPoolStart, MmNonPagedPoolEnd0, "initial nonpaged pool",
                "MmNonPagedPoolStart");
    if (MiSystemCacheStartExtra)
        MiAddRegion(all, &count, MiSystemCacheStartExtra, MiSystemCacheEndExtra + 1,
                    "system cache (extra)", "MiSystemCacheStartExtra");
    MiAddRegion(all, &count, MmSessionBase, MiSessionSpaceEnd, "session space", "MmSessionBase");
    if (MiSystemViewStart)
        MiAddRegion(all, &count, MiSystemViewStart, MiSystemViewStart + MM_SYSTEM_VIEW_SIZE,
                    "system views", "MiSystemViewStart");
    MiAddRegion(all, &count, PTE_BASE, PTE_TOP + 1, "page tables", "PTE_BASE");
    MiAddRegion(all, &count, HYPER_SPACE, MmHyperSpaceEnd + 1, "hyperspace", "MmHyperSpaceEnd");
    MiAddRegion(all, &count, MmSystemCacheWorkingSetList, MmSystemCacheStart,
                "system cache working set list", "MmSystemCacheWorkingSetList");
    MiAddRegion(all, &count, MmSystemCacheStart, MmSystemCacheEnd + 1, "system cache",
                "MmSystemCacheStart");
    MiAddRegion(all, &count, MmPagedPoolStart, MmPagedPoolEnd + 1, "paged pool",
                "MmPagedPoolStart");
    MiAddRegion(all, &count, MmNonPagedSystemStart,
                MmNonPagedSystemStart + (MmNumberOfSystemPtes + 1) * PAGE_SIZE, "system PTEs",
                "MmNonPagedSystemStart");
    MiAddRegion(all, &count, MmNonPagedPoolExpansionStart, MmNonPagedPoolEnd,
                "nonpaged pool expansion", "MmNonPagedPoolExpansionStart");
    MiAddRegion(all, &count, MM_CRASH_DUMP_VA, MM_HAL_VA_START, "crash dump area",
                "MmNonPagedPoolEnd");
    MiAddRegion(all, &count, MM_HAL_VA_START, 0xFFFFFFFF, "HAL", "");
    all[count - 1].End = 0xFFFFFFFF;

    for (uint32_t i = 1; i < count; i++) {
        MM_SYSTEM_REGION region = all[i];
        uint32_t j = i;

        for (; j > 0 && all[j - 1].Start > region.Start; j--)
            all[j] = all[j - 1];
        all[j] = region;
    }
    count = MIN(count, MaximumCount);
    RtlCopyMemory(Regions, all, count * sizeof(MM_SYSTEM_REGION));
    return count;
}

static void MiPrintSize(uint32_t Bytes)
{
    if (Bytes >= (10u << 20) || (Bytes >= (1u << 20) && Bytes % (1u << 20) == 0))
        DbgPrint("%5u MB", Bytes >> 20);
    else
        DbgPrint("%5u KB", Bytes >> 10);
}

void MmPrintSystemLayout(void)
{
    MM_SYSTEM_REGION regions[MI_MAXIMUM_REGIONS];
    uint32_t count = MmGetSystemRegions(regions, ARRAYSIZE(regions));

    DbgPrint("Virtual address space (%u MB of user space, %u MB of RAM):\n",
             (uint32_t)(MmSystemRangeStart >> 20), MmNumberOfPhysicalPages >> (20 - PAGE_SHIFT));
    DbgPrint("  start     end        size     region\n");
    for (uint32_t i = 0; i < count; i++) {
        DbgPrint("  %08x  %08x  ", (uint32_t)regions[i].Start, (uint32_t)regions[i].End);
        MiPrintSize((uint32_t)(regions[i].End - regions[i].Start) + 1);
        DbgPrint("   %-30s %s\n", regions[i].Name, regions[i].Variable);
    }
}
