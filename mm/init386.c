/*
 * mm/init386.c: the x86 system address space: where each region goes and how big it is, as
 * NT's MmInitSystem and MiInitMachineDependent compute them from the memory size and the
 * user-space setting (/3GB, increaseuserva). Pure arithmetic, so the host tests try it over
 * many memory sizes; mminit.c builds what it describes.
 *
 * Default layout (2 GB of user space), the classic x86 map. The variables hold a start, an
 * inclusive end ("end") or, where NT's end is exclusive, the first byte past it ("end+1"):
 *
 *   00000000 - 7ffeffff  user space                     end MmHighestUserAddress
 *   7fff0000 - 7fffffff  no-access gap                  start MmUserProbeAddress
 *   80000000             the image (4 MB units)         start MmSystemRangeStart (KSEG0)
 *                        PFN database                   start MmPfnDatabase
 *                        initial nonpaged pool          start MmNonPagedPoolStart,
 *                                                       end+1 MmNonPagedPoolEnd0
 *                        the rest of KSEG0, unmapped
 *   a0000000 - a3ffffff  session space (64 MB)          start MmSessionBase,
 *                                                       end+1 MiSessionSpaceEnd
 *   a4000000 - bfffffff  system-PTE overflow and        start MiSystemCacheStartExtra,
 *                        extra system cache             end+1 MiSystemCacheEndExtra (c0000000)
 *   c0000000 - c03fffff  page tables                    PTE_BASE
 *   c0400000 - c07fffff  hyperspace                     end MmHyperSpaceEnd
 *   c0c00000 - c0ffffff  system cache working set list  start MmSystemCacheWorkingSetList
 *   c1000000 - e0ffffff  system cache                   start MmSystemCacheStart, end ...End
 *   e1000000             paged pool                     start MmPagedPoolStart, end ...End
 *   >= eb000000          system PTEs                    start MmNonPagedSystemStart
 *                        nonpaged pool expansion        start MmNonPagedPoolExpansionStart,
 *                                                       end+1 MmNonPagedPoolEnd
 *   ffbe0000 - ffbfffff  crash dump area, debugger page
 *   ffc00000 - ffffffff  HAL
 *
 * Nothing is mapped in a4000000-bfffffff: mm386 has no cache manager to put views there, and
 * the system PTEs asked for always fit above eb000000 in this layout (the host tests check it
 * at every size, with special pool), so no overflow is ever needed; the range is reserved and
 * has no page tables. The rest of KSEG0 after the initial nonpaged pool is left unmapped too
 * rather than made more overflow: it would only cost page tables for PTEs nothing asks for,
 * and a stray pointer into it faults.
 *
 * /3GB and increaseuserva move MmSystemRangeStart up (to 0xc0000000 for 3 GB); the image
 * moves by a virtual bias to ALTERNATE_BASE (e0000000, kernel/relocate.c); session space
 * (48 MB) and system views (16 MB) come out of the top of the system cache, below the image;
 * and the PFN database and all nonpaged pool move to the top of system space, with the system
 * PTEs right below them. There is no extra cache range.
 *
 * Large pages (In->LargePages, mminit.c decides): the PFN database starts on a 4 MB boundary in
 * both layouts, and the initial nonpaged pool grows to end on the next one, so the two are whole
 * 4 MB pages, as NT gives the rest of the last large page to the pool. The growth is added to
 * the maximum, so the expansion keeps its size: by default it stays where it was, under /3GB
 * the PFN database goes down by the growth rounded up to 4 MB instead. Where growing would take
 * the initial pool past 128 MB it ends on the 4 MB boundary below instead: a subsection PTE
 * names a subsection in it by a 24-bit count of 8-byte units from its start (MiMakeSubsectionPte),
 * which reaches 128 MB and no further.
 *
 * Sizes (RAM = pages the memory manager owns, free = those left after the loader):
 *   initial nonpaged pool   2 MB up to 255 MB of RAM; above, 256 KB + 32 KB per MB over 4 MB,
 *                           at most 128 MB
 *   maximum nonpaged pool   1 MB + the PFN database + 400 KB per MB of free memory over 4 MB
 *                           (200 KB per MB, and at least 128 MB, from 496 MB free); at most
 *                           256 MB (128 MB under /3GB), the expansion part at most 128 MB
 *   system PTEs             7000 under 19 MB of RAM, 11000, or 22000 over 32 MB; +25000 with
 *                           special pool; the region starts on a 4 MB boundary, never below
 *                           0xeb000000
 *   paged pool              everything from 0xe1000000 up to the system PTEs. NT sizes it so
 *                           when PagedPoolSize is -1 (and by default from 1 GB of RAM); here it
 *                           always is, because what paged pool can hold is decided by the
 *                           commit limit (RAM plus paging files), known only once the paging
 *                           files are open.
 */
#include "mm/mi.h"

#define MM_ALTERNATE_BASE               0xE0000000u     /* the image under /3GB */
#define MM_ALTERNATE_WINDOW             0x01000000u     /* 16 MB for boot images there */
#define MM_SESSION_SIZE_DEFAULT         0x04000000u     /* 64 MB: the classic map's a0000000 */
#define MM_SESSION_SIZE_3GB             0x03000000u     /* 48 MB: NT's default session size */
#define MM_MAX_INITIAL_NONPAGED_POOL    (128u << 20)
#define MM_MAX_ADDITIONAL_NONPAGED_POOL (128u << 20)
#define MM_MAX_NONPAGED_POOL            (256u << 20)
#define MM_MAX_NONPAGED_POOL_3GB        (128u << 20)
#define MM_SMALL_INITIAL_NONPAGED_POOL  (2u << 20)
#define MM_LARGE_PAGE_MINIMUM_PAGES     ((255u << 20) >> PAGE_SHIFT)
#define MM_MINIMUM_NONPAGED_POOL        (256u << 10)
#define MM_MIN_ADDITION_NONPAGED_PER_MB (32u << 10)
#define MM_DEFAULT_MAXIMUM_NONPAGED     (1u << 20)
#define MM_MAX_ADDITION_NONPAGED_PER_MB (400u << 10)
#define MM_LARGE_ADDITION_NONPAGED_PER_MB (200u << 10)
#define MM_LARGE_FREE_PAGES             0x1F000u        /* 496 MB */
#define MM_MINIMUM_SYSTEM_PTES          7000u
#define MM_DEFAULT_SYSTEM_PTES          11000u
#define MM_LARGE_SYSTEM_PTES            22000u
#define MM_MAXIMUM_SYSTEM_PTES          50000u
#define MM_MEDIUM_SYSTEM_PAGES          ((19u << 20) >> PAGE_SHIFT)
#define MM_LARGE_SYSTEM_PAGES           ((32u << 20) >> PAGE_SHIFT)
#define MM_FLUID_FREE_PAGES             1024u           /* the 4 MB every formula leaves out */

static uint32_t MiRoundDown(uint32_t Value, uint32_t Unit)
{
    return Value / Unit * Unit;
}

static uint32_t MiRoundUp(uint32_t Value, uint32_t Unit)
{
    return (Value + Unit - 1) / Unit * Unit;
}

/* Megabytes of free memory above the first 4 MB, the unit NT's pool formulas scale by. */
static uint32_t MiFreeMegabytesOver4(uint32_t FreePages)
{
    return FreePages > MM_FLUID_FREE_PAGES ? (FreePages - MM_FLUID_FREE_PAGES) / 256 : 0;
}

static void MiSizeNonPagedPool(const MI_LAYOUT_INPUT *In, MI_SYSTEM_LAYOUT *Out)
{
    uint32_t overMb = MiFreeMegabytesOver4(In->FreePages);
    uint32_t initial, maximum;

    if (In->PhysicalPages <= MM_LARGE_PAGE_MINIMUM_PAGES)
        initial = MM_SMALL_INITIAL_NONPAGED_POOL;
    else
        initial = MM_MINIMUM_NONPAGED_POOL + overMb * MM_MIN_ADDITION_NONPAGED_PER_MB;
    initial = ROUND_TO_PAGES(MIN(initial, MM_MAX_INITIAL_NONPAGED_POOL));

    maximum = MM_DEFAULT_MAXIMUM_NONPAGED + Out->PfnDatabaseBytes;
    if (In->FreePages >= MM_LARGE_FREE_PAGES)
        maximum = MAX(maximum + overMb * MM_LARGE_ADDITION_NONPAGED_PER_MB, 128u << 20);
    else
        maximum += overMb * MM_MAX_ADDITION_NONPAGED_PER_MB;
    maximum = MAX(maximum, initial + 16 * PAGE_SIZE + Out->PfnDatabaseBytes);
    maximum = MIN(maximum, In->UserVaIncrease ? MM_MAX_NONPAGED_POOL_3GB : MM_MAX_NONPAGED_POOL);
    if (maximum - initial > MM_MAX_ADDITIONAL_NONPAGED_POOL)
        initial = maximum - MM_MAX_ADDITIONAL_NONPAGED_POOL;
    Out->SizeOfNonPagedPool = initial;
    Out->MaximumNonPagedPool = ROUND_TO_PAGES(maximum);
}

static uint32_t MiRequestedSystemPtes(const MI_LAYOUT_INPUT *In)
{
    uint32_t ptes;

    if (In->PhysicalPages < MM_MEDIUM_SYSTEM_PAGES)
        ptes = MM_MINIMUM_SYSTEM_PTES;
    else if (In->PhysicalPages > MM_LARGE_SYSTEM_PAGES)
        ptes = MM_LARGE_SYSTEM_PTES;
    else
        ptes = MM_DEFAULT_SYSTEM_PTES;
    ptes = MIN(MAX(ptes, MM_MINIMUM_SYSTEM_PTES), MM_MAXIMUM_SYSTEM_PTES);
    return In->SpecialPool ? ptes + MM_SPECIAL_POOL_PTES : ptes;
}

/* The system PTEs end one guard page below Top and start on a 4 MB boundary. */
static void MiPlaceSystemPtes(const MI_LAYOUT_INPUT *In, MI_SYSTEM_LAYOUT *Out, uint32_t Top)
{
    uint32_t wanted = MiRequestedSystemPtes(In);
    uint32_t start = Top - (wanted + 1) * PAGE_SIZE;

    start = MiRoundDown(start, MM_VA_MAPPED_BY_PDE);
    Out->NonPagedSystemStart = MAX(start, MM_LOWEST_NONPAGED_SYSTEM_START);
    Out->NumberOfSystemPtes = (Top - Out->NonPagedSystemStart) / PAGE_SIZE - 1;
}

/*
 * Default: image, PFN database and initial pool in KSEG0; only the expansion at the top;
 * session space and the extra range at MM_KSEG2_BASE.
 */
static void MiPlaceDefaultLayout(const MI_LAYOUT_INPUT *In, MI_SYSTEM_LAYOUT *Out)
{
    uint32_t poolEnd;

    Out->BootImageSize = MiRoundUp(In->ImageEnd - MM_KSEG0_BASE, MM_VA_MAPPED_BY_PDE);
    Out->PfnDatabase = MM_KSEG0_BASE + Out->BootImageSize;
    Out->NonPagedPoolStart = Out->PfnDatabase + Out->PfnDatabaseBytes;
    poolEnd = MIN(Out->NonPagedPoolStart + Out->SizeOfNonPagedPool, MM_SESSION_SPACE_DEFAULT);
    Out->SizeOfNonPagedPool = poolEnd - Out->NonPagedPoolStart;
    if (In->LargePages) {
        poolEnd = MIN(MiRoundUp(poolEnd, MM_VA_MAPPED_BY_PDE), MM_SESSION_SPACE_DEFAULT);
        if (poolEnd - Out->NonPagedPoolStart > MM_MAX_INITIAL_NONPAGED_POOL)
            poolEnd = MiRoundDown(Out->NonPagedPoolStart + MM_MAX_INITIAL_NONPAGED_POOL,
                                  MM_VA_MAPPED_BY_PDE);
        /* The expansion keeps its size: the maximum moves with the initial pool (either way). */
        Out->MaximumNonPagedPool += poolEnd - Out->NonPagedPoolStart - Out->SizeOfNonPagedPool;
        Out->SizeOfNonPagedPool = poolEnd - Out->NonPagedPoolStart;
    }
    Out->NonPagedPoolExpansionStart =
        MM_NONPAGED_POOL_END - (Out->MaximumNonPagedPool - Out->SizeOfNonPagedPool);
    MiPlaceSystemPtes(In, Out, Out->NonPagedPoolExpansionStart);

    Out->SessionBase = MM_SESSION_SPACE_DEFAULT;
    Out->SessionSpaceEnd = MM_SESSION_SPACE_DEFAULT + MM_SESSION_SIZE_DEFAULT;
    Out->SystemViewStart = 0;
    Out->SystemCacheEnd = MM_SYSTEM_CACHE_END;
    Out->SystemCacheStartExtra = Out->SessionSpaceEnd;
    Out->SystemCacheEndExtra = MM_SYSTEM_CACHE_END_EXTRA;
}

/*
 * /3GB: the PFN database starts on a 4 MB boundary at the top of system space, the initial
 * pool follows it and the expansion takes the rest up to MmNonPagedPoolEnd; session space
 * and views sit between the shrunken system cache and the image.
 */
static void MiPlaceLargeUserLayout(const MI_LAYOUT_INPUT *In, MI_SYSTEM_LAYOUT *Out)
{
    uint32_t top = MM_NONPAGED_POOL_END - Out->MaximumNonPagedPool - Out->PfnDatabaseBytes;
    uint32_t growth = 0;

    if (In->LargePages) {
        uint32_t large = MiRoundUp(Out->PfnDatabaseBytes + Out->SizeOfNonPagedPool,
                                   MM_VA_MAPPED_BY_PDE);

        if (large - Out->PfnDatabaseBytes > MM_MAX_INITIAL_NONPAGED_POOL)
            large = MiRoundDown(Out->PfnDatabaseBytes + MM_MAX_INITIAL_NONPAGED_POOL,
                                MM_VA_MAPPED_BY_PDE);
        if (large > Out->PfnDatabaseBytes + Out->SizeOfNonPagedPool)
            growth = large - Out->PfnDatabaseBytes - Out->SizeOfNonPagedPool;
        Out->SizeOfNonPagedPool = large - Out->PfnDatabaseBytes;
    }
    Out->BootImageSize = MM_ALTERNATE_WINDOW;
    Out->PfnDatabase = MiRoundDown(top, MM_VA_MAPPED_BY_PDE) -
                       MiRoundUp(growth, MM_VA_MAPPED_BY_PDE);
    Out->NonPagedPoolStart = Out->PfnDatabase + Out->PfnDatabaseBytes;
    Out->NonPagedPoolExpansionStart = Out->NonPagedPoolStart + Out->SizeOfNonPagedPool;
    Out->MaximumNonPagedPool = MM_NONPAGED_POOL_END - Out->NonPagedPoolStart;
    MiPlaceSystemPtes(In, Out, Out->PfnDatabase);

    Out->SystemViewStart = MM_ALTERNATE_BASE - MM_SYSTEM_VIEW_SIZE;
    Out->SessionBase = Out->SystemViewStart - MM_SESSION_SIZE_3GB;
    Out->SessionSpaceEnd = Out->SystemViewStart;
    Out->SystemCacheEnd = Out->SessionBase - 1;
    Out->SystemCacheStartExtra = 0;
    Out->SystemCacheEndExtra = 0;
}

void MiComputeSystemLayout(const MI_LAYOUT_INPUT *In, MI_SYSTEM_LAYOUT *Out)
{
    uint32_t userSpace = MM_KSEG0_BASE + In->UserVaIncrease;

    RtlZeroMemory(Out, sizeof(*Out));
    Out->HighestUserAddress = userSpace - 0x10000 - 1;
    Out->UserProbeAddress = userSpace - 0x10000;
    Out->SystemRangeStart = userSpace;
    Out->PfnDatabaseBytes = ROUND_TO_PAGES((In->HighestPhysicalPage + 1) * sizeof(MMPFN));

    MiSizeNonPagedPool(In, Out);
    if (In->UserVaIncrease)
        MiPlaceLargeUserLayout(In, Out);
    else
        MiPlaceDefaultLayout(In, Out);

    Out->PagedPoolStart = MM_DEFAULT_PAGED_POOL_START;
    Out->SizeOfPagedPool = Out->NonPagedSystemStart - Out->PagedPoolStart;
    Out->PagedPoolEnd = Out->NonPagedSystemStart - 1;
}
