/*
 * mm/vmlayout.c: the address space as a table of rows that cover all 4 GB in address order,
 * each with the NT variables that hold its bounds, for the boot console and the tests:
 *
 *   start     end        size     region          variables
 *   00000000  7ffeffff   2047 MB   user space      end MmHighestUserAddress
 *   a0000000  a3ffffff     64 MB   session space   start MmSessionBase, end+1 MiSessionSpaceEnd
 *   c0000000  c03fffff      4 MB   page tables
 *
 * (the region column is wider). "end+1" marks NT's exclusive ends: `dd MiSessionSpaceEnd L1`
 * reads a4000000. What no region claims is a row of its own, "unused, no access".
 */
#include "mm/mi.h"
#include "boot/boot.h"

#define MI_MAXIMUM_REGIONS 32

static int MiCompareRegions(const MM_SYSTEM_REGION *Left, const MM_SYSTEM_REGION *Right)
{
    return Left->Start < Right->Start ? -1 : Left->Start > Right->Start;
}

static void MiSortRegions(MM_SYSTEM_REGION *Regions, uint32_t Count)
{
    for (uint32_t i = 1; i < Count; i++) {
        MM_SYSTEM_REGION region = Regions[i];
        uint32_t j = i;

        for (; j > 0 && MiCompareRegions(&Regions[j - 1], &region) > 0; j--)
            Regions[j] = Regions[j - 1];
        Regions[j] = region;
    }
}

/* Copy the sorted regions to Rows with a row for each hole between two; returns the rows. */
static uint32_t MiAddUnusedRows(const MM_SYSTEM_REGION *Sorted, uint32_t Count,
                                MM_SYSTEM_REGION Rows[MI_MAXIMUM_REGIONS])
{
    uint32_t rows = 0;

    for (uint32_t i = 0; i < Count && rows < MI_MAXIMUM_REGIONS; i++) {
        if (i > 0 && Sorted[i].Start > Sorted[i - 1].End + 1)
            Rows[rows++] = (MM_SYSTEM_REGION){ .Start = Sorted[i - 1].End + 1,
                                               .End = Sorted[i].Start - 1,
                                               .Name = "unused, no access" };
        if (rows < MI_MAXIMUM_REGIONS)
            Rows[rows++] = Sorted[i];
    }
    return rows;
}

/*
 * The regions of this boot's layout, sorted, with the holes between them as "unused" rows;
 * MmSystemRangeStart is named on the row that starts where system space does (the image by
 * default, the page tables under /3GB). Returns the rows copied, at most MaximumCount.
 */
uint32_t MmGetSystemRegions(MM_SYSTEM_REGION *Regions, uint32_t MaximumCount)
{
    uintptr_t image = (uintptr_t)KiImageBase - (KI_IMAGE_LINK_BASE - KSEG0_BASE);
    uintptr_t pfnEnd = (uintptr_t)MmPfnDatabase +
                       ROUND_TO_PAGES((MmHighestPhysicalPage + 1) * sizeof(MMPFN));
    uintptr_t ptesEnd = MmNonPagedSystemStart + (MmNumberOfSystemPtes + 1) * PAGE_SIZE;
    const MM_SYSTEM_REGION known[] = {
        { 0, MmHighestUserAddress, "user space", .EndVariable = "MmHighestUserAddress" },
        { MmUserProbeAddress, MmSystemRangeStart - 1, "no-access gap",
          .StartVariable = "MmUserProbeAddress" },
        { image, image + MmBootImageSize - 1, "kernel image", .SizeVariable = "MmBootImageSize" },
        { (uintptr_t)MmPfnDatabase, pfnEnd - 1, "PFN database", .StartVariable = "MmPfnDatabase" },
        { MmNonPagedPoolStart, MmNonPagedPoolEnd0 - 1, "initial nonpaged pool",
          .StartVariable = "MmNonPagedPoolStart", .EndVariable = "MmNonPagedPoolEnd0",
          .EndIsExclusive = true },
        { MmSessionBase, MiSessionSpaceEnd - 1, "session space", .StartVariable = "MmSessionBase",
          .EndVariable = "MiSessionSpaceEnd", .EndIsExclusive = true },
        { MiSystemCacheStartExtra, MiSystemCacheEndExtra - 1, "system PTE overflow, extra cache",
          .StartVariable = "MiSystemCacheStartExtra", .EndVariable = "MiSystemCacheEndExtra",
          .EndIsExclusive = true },
        { MiSystemViewStart, MiSystemViewStart + MM_SYSTEM_VIEW_SIZE - 1, "system views",
          .StartVariable = "MiSystemViewStart" },
        { PTE_BASE, PTE_TOP, "page tables", .StartVariable = NULL },
        { HYPER_SPACE, MmHyperSpaceEnd, "hyperspace", .EndVariable = "MmHyperSpaceEnd" },
        { MmSystemCacheWorkingSetList, MmSystemCacheStart - 1, "system cache working set list",
          .StartVariable = "MmSystemCacheWorkingSetList" },
        { MmSystemCacheStart, MmSystemCacheEnd, "system cache",
          .StartVariable = "MmSystemCacheStart", .EndVariable = "MmSystemCacheEnd" },
        { MmPagedPoolStart, MmPagedPoolEnd, "paged pool", .StartVariable = "MmPagedPoolStart",
          .EndVariable = "MmPagedPoolEnd" },
        { MmNonPagedSystemStart, ptesEnd - 1, "system PTEs",
          .StartVariable = "MmNonPagedSystemStart" },
        { MmNonPagedPoolExpansionStart, MmNonPagedPoolEnd - 1, "nonpaged pool expansion",
          .StartVariable = "MmNonPagedPoolExpansionStart", .EndVariable = "MmNonPagedPoolEnd",
          .EndIsExclusive = true },
        { MM_CRASH_DUMP_VA, MM_HAL_VA_START - 1, "crash dump area", .StartVariable = NULL },
        { MM_HAL_VA_START, 0xFFFFFFFF, "HAL", .StartVariable = NULL },
    };
    MM_SYSTEM_REGION sorted[ARRAYSIZE(known)], all[MI_MAXIMUM_REGIONS];
    uint32_t present = 0, count;

    /* A region this layout does not have (the extra range and views) starts at 0. */
    for (uint32_t i = 0; i < ARRAYSIZE(known); i++) {
        if (i == 0 || known[i].Start != 0)
            sorted[present++] = known[i];
    }
    MiSortRegions(sorted, present);
    count = MiAddUnusedRows(sorted, present, all);
    for (uint32_t i = 0; i < count; i++) {
        if (all[i].Start == MmSystemRangeStart && all[i].StartVariable == NULL)
            all[i].StartVariable = "MmSystemRangeStart";
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

/* "start X, end Y, size Z": the variables that hold a row's bounds. */
static void MiPrintVariables(const MM_SYSTEM_REGION *Region)
{
    const char *separator = "";

    if (Region->StartVariable) {
        DbgPrint("start %s", Region->StartVariable);
        separator = ", ";
    }
    if (Region->EndVariable) {
        DbgPrint("%s%s %s", separator, Region->EndIsExclusive ? "end+1" : "end",
                 Region->EndVariable);
        separator = ", ";
    }
    if (Region->SizeVariable)
        DbgPrint("%ssize %s", separator, Region->SizeVariable);
}

void MmPrintSystemLayout(void)
{
    MM_SYSTEM_REGION regions[MI_MAXIMUM_REGIONS];
    uint32_t count = MmGetSystemRegions(regions, ARRAYSIZE(regions));

    DbgPrint("Virtual address space (%u MB of user space, %u MB of RAM):\n",
             (uint32_t)(MmSystemRangeStart >> 20), MmNumberOfPhysicalPages >> (20 - PAGE_SHIFT));
    DbgPrint("  start     end        size     region                            variables\n");
    for (uint32_t i = 0; i < count; i++) {
        DbgPrint("  %08x  %08x  ", (uint32_t)regions[i].Start, (uint32_t)regions[i].End);
        MiPrintSize((uint32_t)(regions[i].End - regions[i].Start) + 1);
        if (regions[i].StartVariable || regions[i].EndVariable || regions[i].SizeVariable) {
            DbgPrint("   %-33s ", regions[i].Name);
            MiPrintVariables(&regions[i]);
            DbgPrint("\n");
        } else {
            DbgPrint("   %s\n", regions[i].Name);
        }
    }
}
