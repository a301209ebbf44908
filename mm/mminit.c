/*
 * mm/mminit.c: MmInitSystem. Phase 0 turns what the boot code left into the NT system
 * address space:
 *
 *   1. check the self-map the boot code built, and make the image's code and read-only data
 *      read-only;
 *   2. read the loader's memory map into MmPhysicalMemoryBlock (less than 7 MB of RAM is
 *      INSTALL_MORE_MEMORY), and take boot-time pages from its largest free run above the
 *      image (MxGetNextPage, as NT's MxFreeDescriptor);
 *   3. compute the layout (init386.c) and set the layout variables, NT's names;
 *   4. unmap the low 4 MB except the image, map the PFN database and the initial nonpaged
 *      pool (on 4 MB pages when it can: see MiSetLayoutAndLargePages), and make the page
 *      tables of the system PTEs, expansion pool and hyperspace;
 *   5. build the PFN database: every page a valid PDE or PTE in system space maps is active,
 *      every other RAM page goes on the free list (highest first, so low memory is used last);
 *   6. start hyperspace, the system PTEs, the pools and special pool, and print the layout.
 */
#include "mm/mi.h"
#include "hal/hal.h"
#include "boot/boot.h"

#define MI_SELFMAP_CHECK_PDE        1   /* PHASE0_INITIALIZATION_FAILED parameter 1 */
#define MI_SELFMAP_CHECK_IMAGE_PTE  2
#define MI_BOOT_WINDOW_SIZE         0x400000u   /* the boot page table maps 4 MB at the image */
#define MI_PFN_UNUSABLE_REFERENCES  0xFFF0      /* page 0: referenced, so never handed out */
#define MM_LARGE_PAGE_MINIMUM       ((255u << 20) >> PAGE_SHIFT)    /* NT's default, in pages */
#define MI_PAGES_PER_LARGE_PAGE     (MM_VA_MAPPED_BY_PDE / PAGE_SIZE)
#define MI_LARGE_PAGE_SPARE_PAGES   256 /* boot pages the free descriptor keeps below the run */
#define CPUID_EDX_PGE               (1u << 13)

/*
 * Below 7 MB of RAM what start-up keeps for itself (the 2 MB initial nonpaged pool, the image,
 * the PFN database, the page tables) and the 1024 pages the commit limit holds in reserve
 * leave nothing to commit: the system could not create its threads. As NT does below its
 * minimum, such a machine stops at once with INSTALL_MORE_MEMORY.
 */
#define MI_MINIMUM_PHYSICAL_PAGES   ((7u << 20) / PAGE_SIZE)

/* The layout: NT's variables, set once in phase 0 (init386.c explains each). */
uintptr_t MmHighestUserAddress, MmUserProbeAddress, MmSystemRangeStart = KSEG0_BASE;
uint32_t MmBootImageSize;
uintptr_t MmSessionBase, MiSessionSpaceEnd, MiSystemViewStart;
uintptr_t MmHyperSpaceEnd = HYPER_SPACE_END;
uintptr_t MmSystemCacheWorkingSetList = MM_SYSTEM_CACHE_WORKING_SET;
uintptr_t MmSystemCacheStart = MM_SYSTEM_CACHE_START, MmSystemCacheEnd;
uintptr_t MiSystemCacheStartExtra, MiSystemCacheEndExtra;
uintptr_t MmPagedPoolStart, MmPagedPoolEnd;
uint32_t MmSizeOfPagedPoolInBytes;
uintptr_t MmNonPagedSystemStart;
uint32_t MmNumberOfSystemPtes;
uintptr_t MmNonPagedPoolStart, MmNonPagedPoolEnd0, MmNonPagedPoolExpansionStart;
uintptr_t MmNonPagedPoolEnd = MM_NONPAGED_POOL_END;
uint32_t MmSizeOfNonPagedPoolInBytes, MmMaximumNonPagedPoolInBytes;

PHYSICAL_MEMORY_DESCRIPTOR MmPhysicalMemoryBlock;

/* Large pages for the PFN database and the initial nonpaged pool (MiSetLayoutAndLargePages). */
uint32_t MmLargePageMinimum = MM_LARGE_PAGE_MINIMUM;   /* more RAM than this (pages) to use them */
uint32_t MiLargeSystemPages;            /* 4 MB pages mapping them from MmPfnDatabase; 0: none */
uint32_t MiLargeSystemFrame;            /* the first frame of those, 4 MB-aligned */
static const char *MiLargeSystemReason; /* why none, for the start-up line */

/* Where boot-time pages come from until the PFN database exists. */
static struct {
    uint32_t BasePage;
    uint32_t PageCount;
} MxFreeDescriptor;
static bool MiPfnDatabaseBuilt;

extern char KiBootStackGuard[];
extern MMPTE KiBootPageDirectory[PDE_PER_PAGE];
MMPTE *const MmSystemPagePtes = KiBootPageDirectory;

static uint32_t MiImageEndPage(void)
{
    return BYTES_TO_PAGES((uintptr_t)KiImageEnd - (uintptr_t)KiImageBase +
                          (KI_IMAGE_LINK_BASE - KSEG0_BASE));
}

bool MiIsPhysicalMemory(uint32_t PageFrameIndex)
{
    for (uint32_t i = 0; i < MmPhysicalMemoryBlock.NumberOfRuns; i++) {
        const PHYSICAL_MEMORY_RUN *run = &MmPhysicalMemoryBlock.Run[i];

        if (PageFrameIndex >= run->BasePage && PageFrameIndex - run->BasePage < run->PageCount)
            return true;
    }
    return false;
}

/*
 * The RAM runs of the memory map below 4 GB, less page 0, merged and in address order. A loader
 * module's pages (MemoryLoaderModule, kernel/init/loader.c) are deliberately not RAM here: no
 * run holds them, so MxGetNextPage never takes them and the PFN database marks them unusable
 * instead of putting them on the free list; the modules stay intact for MmReadLoaderModule. The
 * database still reaches past them, so each has a PFN entry even when a module ends RAM.
 */
static void MiScanMemoryDescriptors(void)
{
    PHYSICAL_MEMORY_DESCRIPTOR *block = &MmPhysicalMemoryBlock;

    for (uint32_t i = 0; i < KeLoaderBlock.MemoryDescriptorCount; i++) {
        const MEMORY_DESCRIPTOR *d = &KeLoaderBlock.MemoryDescriptors[i];
        uint64_t first = (d->Base + PAGE_SIZE - 1) >> PAGE_SHIFT;
        uint64_t last = MIN((d->Base + d->Length) >> PAGE_SHIFT, 1ull << (32 - PAGE_SHIFT));
        PHYSICAL_MEMORY_RUN *previous = block->NumberOfRuns ? &block->Run[block->NumberOfRuns - 1]
                                                             : NULL;

        first = MAX(first, 1);
        if (d->Type == MemoryLoaderModule && last > first)
            MmHighestPhysicalPage = MAX(MmHighestPhysicalPage, (uint32_t)last - 1);
        if (d->Type != MemoryFree || last <= first)
            continue;
        if (previous && previous->BasePage + previous->PageCount == first)
            previous->PageCount += (uint32_t)(last - first);
        else if (block->NumberOfRuns < ARRAYSIZE(block->Run))
            block->Run[block->NumberOfRuns++] = (PHYSICAL_MEMORY_RUN){ (uint32_t)first,
                                                                      (uint32_t)(last - first) };
        block->NumberOfPages += (uint32_t)(last - first);
        MmHighestPhysicalPage = MAX(MmHighestPhysicalPage, (uint32_t)last - 1);
    }
    MmNumberOfPhysicalPages = block->NumberOfPages;
    MmLowestPhysicalPage = block->NumberOfRuns ? block->Run[0].BasePage : 0;
    if (MmNumberOfPhysicalPages < MI_MINIMUM_PHYSICAL_PAGES)
        KeBugCheckEx(INSTALL_MORE_MEMORY, MmNumberOfPhysicalPages,
                     block->NumberOfRuns ? block->Run[0].BasePage : 0, MmHighestPhysicalPage, 0);
}

/* The largest free run above the image: boot-time pages come from its bottom. */
static void MxInitializeFreeDescriptor(void)
{
    uint32_t lowest = MiImageEndPage();

    for (uint32_t i = 0; i < MmPhysicalMemoryBlock.NumberOfRuns; i++) {
        const PHYSICAL_MEMORY_RUN *run = &MmPhysicalMemoryBlock.Run[i];
        uint32_t first = MAX(run->BasePage, lowest);
        uint32_t last = run->BasePage + run->PageCount;

        if (last > first && last - first > MxFreeDescriptor.PageCount) {
            MxFreeDescriptor.BasePage = first;
            MxFreeDescriptor.PageCount = last - first;
        }
    }
}

/* A physical page for a boot-time structure; contents undefined. Phase 0 only. */
uint32_t MxGetNextPage(void)
{
    if (MxFreeDescriptor.PageCount == 0 || MiPfnDatabaseBuilt)
        KeBugCheckEx(INSTALL_MORE_MEMORY, MmNumberOfPhysicalPages, MxFreeDescriptor.PageCount,
                     MiPfnDatabaseBuilt, 1);
    MxFreeDescriptor.PageCount--;
    return MxFreeDescriptor.BasePage++;
}

/* Make the page table for VirtualAddress if its PDE is invalid, zeroed, through the self-map. */
static void MiEnsureBootPageTable(uintptr_t VirtualAddress)
{
    MMPTE *pde = MiGetPdeAddress(VirtualAddress);
    MMPTE *table = MiGetPteAddress(VirtualAddress & ~PAGE_DIRECTORY_MASK);

    if (pde->u.Hard.Valid)
        return;
    *pde = MiMakeValidKernelPte(MxGetNextPage());
    MI_FLUSH_SINGLE_TB(table);
    RtlZeroMemory(table, PAGE_SIZE);
}

void MiMapBootPage(uintptr_t VirtualAddress, uint32_t PageFrameIndex)
{
    MiEnsureBootPageTable(VirtualAddress);
    *MiGetPteAddress(VirtualAddress) = MiMakeValidKernelPte(PageFrameIndex);
    MI_FLUSH_SINGLE_TB(VirtualAddress);
}

/* Map Bytes of fresh, zeroed boot pages at VirtualAddress. */
static void MiMapBootRange(uintptr_t VirtualAddress, uint32_t Bytes)
{
    for (uintptr_t va = VirtualAddress; va < VirtualAddress + Bytes; va += PAGE_SIZE) {
        MiMapBootPage(va, MxGetNextPage());
        RtlZeroMemory((void *)va, PAGE_SIZE);
    }
}

/* Page tables for every PDE that maps part of [Start, End]. */
static void MiCreateBootPageTables(uintptr_t Start, uintptr_t End)
{
    for (uint32_t pde = MiGetPdeOffset(Start); pde <= MiGetPdeOffset(End); pde++)
        MiEnsureBootPageTable((uintptr_t)pde << PDI_SHIFT);
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

static void MiSetLayout(bool LargePages)
{
    MI_LAYOUT_INPUT in = {
        .LargePages = LargePages,
        .PhysicalPages = MmNumberOfPhysicalPages,
        .FreePages = MmNumberOfPhysicalPages - (MiImageEndPage() - (KI_IMAGE_LINK_BASE - KSEG0_BASE) / PAGE_SIZE),
        .HighestPhysicalPage = MmHighestPhysicalPage,
        .UserVaIncrease = KeBootOptions.UserVaIncrease,
        .ImageEnd = (uint32_t)((uintptr_t)KiImageEnd - KeLoaderBlock.VirtualBias),
        .SpecialPool = KeBootOptions.SpecialPoolTag != 0,
    };
    MI_SYSTEM_LAYOUT l;

    MiComputeSystemLayout(&in, &l);
    MmHighestUserAddress = l.HighestUserAddress;
    MmUserProbeAddress = l.UserProbeAddress;
    ExUserProbeAddress = l.UserProbeAddress;
    KeUserProbeAddress = l.UserProbeAddress;
    MmSystemRangeStart = l.SystemRangeStart;
    MmBootImageSize = l.BootImageSize;
    MmPfnDatabase = (MMPFN *)(uintptr_t)l.PfnDatabase;
    MmNonPagedPoolStart = l.NonPagedPoolStart;
    MmSizeOfNonPagedPoolInBytes = l.SizeOfNonPagedPool;
    MmNonPagedPoolEnd0 = l.NonPagedPoolStart + l.SizeOfNonPagedPool;
    MmNonPagedPoolExpansionStart = l.NonPagedPoolExpansionStart;
    MmMaximumNonPagedPoolInBytes = l.MaximumNonPagedPool;
    MmNonPagedSystemStart = l.NonPagedSystemStart;
    MmNumberOfSystemPtes = l.NumberOfSystemPtes;
    MmSessionBase = l.SessionBase;
    MiSessionSpaceEnd = l.SessionSpaceEnd;
    MiSystemViewStart = l.SystemViewStart;
    MmSystemCacheEnd = l.SystemCacheEnd;
    MiSystemCacheStartExtra = l.SystemCacheStartExtra;
    MiSystemCacheEndExtra = l.SystemCacheEndExtra;
    MmPagedPoolStart = l.PagedPoolStart;
    MmPagedPoolEnd = l.PagedPoolEnd;
    MmSizeOfPagedPoolInBytes = l.SizeOfPagedPool;
}

/*
 * Take Count 4 MB-aligned runs of frames, one after the other, from the top of the free
 * descriptor, leaving at least MI_LARGE_PAGE_SPARE_PAGES below them for the page tables still to
 * come. The descriptor ends below the runs; RAM above them was never taken and goes on the
 * free list with the rest (MiInitializePfnDatabase). False, nothing taken, when they do not fit.
 */
static bool MxTakeLargePageRuns(uint32_t Count)
{
    uint32_t end = MxFreeDescriptor.BasePage + MxFreeDescriptor.PageCount;
    uint32_t base;

    if (end / MI_PAGES_PER_LARGE_PAGE < Count)
        return false;
    base = (end / MI_PAGES_PER_LARGE_PAGE - Count) * MI_PAGES_PER_LARGE_PAGE;
    if (base < MxFreeDescriptor.BasePage + MI_LARGE_PAGE_SPARE_PAGES)
        return false;
    MxFreeDescriptor.PageCount = base - MxFreeDescriptor.BasePage;
    MiLargeSystemFrame = base;
    MiLargeSystemPages = Count;
    return true;
}

/*
 * The layout, and whether the PFN database and the initial nonpaged pool go on 4 MB pages, as
 * NT's MiInitMachineDependent puts them when it can: the processor has PSE (physical.c turned
 * CR4.PSE on), there is more RAM than MmLargePageMinimum (NT's 255 MB, or largepageminimum=),
 * and the free descriptor holds enough 4 MB-aligned frames. Then the layout makes the two a
 * whole number of 4 MB pages from a 4 MB boundary (init386.c) and each is one PDE with PS set
 * over physically contiguous frames: no page tables, one TB entry per 4 MB. Otherwise, as
 * always before, 4 KB pages from the free descriptor. The image stays on 4 KB pages either
 * way, so its code and read-only data can be read-only.
 */
static void MiSetLayoutAndLargePages(void)
{
    if (KeBootOptions.LargePageMinimumGiven)
        MmLargePageMinimum = KeBootOptions.LargePageMinimum << (20 - PAGE_SHIFT);
    if (!MiLargePagesSupported) {
        MiLargeSystemReason = "the processor has no PSE";
    } else if (MmNumberOfPhysicalPages <= MmLargePageMinimum) {
        MiLargeSystemReason = "not more RAM than MmLargePageMinimum";
    } else {
        MiSetLayout(true);
        if (MxTakeLargePageRuns((MmNonPagedPoolEnd0 - (uintptr_t)MmPfnDatabase) /
                                MM_VA_MAPPED_BY_PDE))
            return;
        MiLargeSystemReason = "no 4 MB-aligned free memory for them";
    }
    MiSetLayout(false);
}

/*
 * CR4.PGE when the processor has it (PSE processors all do), for the global bit of the large
 * PDEs below: NT makes them global, so a CR3 load keeps their TB entries. Nothing else is made
 * global: every other kernel mapping can change, and KeFlushEntireTb (a CR3 load) would not
 * flush a global entry; these never change.
 */
static uint32_t MiEnableGlobalPages(void)
{
    uint32_t info[4];

    __cpuid(info, 1);
    if (!(info[3] & CPUID_EDX_PGE))
        return 0;
    __writecr4(__readcr4() | CR4_PGE);
    return MM_PTE_GLOBAL_MASK;
}

/* The PFN database and the initial nonpaged pool: large, global PDEs over the runs taken,
 * zeroed. */
static void MiMapLargeSystemPages(void)
{
    uint32_t global = MiEnableGlobalPages();

    for (uint32_t i = 0; i < MiLargeSystemPages; i++) {
        MMPTE pde = MiMakeValidKernelPte(MiLargeSystemFrame + i * MI_PAGES_PER_LARGE_PAGE);

        pde.u.Long |= MM_PTE_LARGE_PAGE_MASK | global;
        *MiGetPdeAddress((uintptr_t)MmPfnDatabase + i * MM_VA_MAPPED_BY_PDE) = pde;
    }
    MI_FLUSH_ENTIRE_TB();
    RtlZeroMemory(MmPfnDatabase, MiLargeSystemPages * MM_VA_MAPPED_BY_PDE);
}

static void MiPrintLargeSystemPages(void)
{
    if (MiLargeSystemPages == 0) {
        DbgPrint("Large pages: none for the PFN database and initial nonpaged pool (%s)\n",
                 MiLargeSystemReason);
        return;
    }
    DbgPrint("Large pages: %08x-%08x (PFN database, initial nonpaged pool) on %u 4 MB page%s "
             "from frame %x\n", (uint32_t)(uintptr_t)MmPfnDatabase,
             (uint32_t)MmNonPagedPoolEnd0 - 1, MiLargeSystemPages,
             MiLargeSystemPages == 1 ? "" : "s", MiLargeSystemFrame);
}

/* The boot page table maps 4 MB around the image; keep only the image. */
static void MiTrimBootWindow(void)
{
    uintptr_t window = (uintptr_t)KiImageBase - (KI_IMAGE_LINK_BASE - KSEG0_BASE);

    for (uintptr_t va = window; va < window + MI_BOOT_WINDOW_SIZE; va += PAGE_SIZE) {
        if (va < (uintptr_t)KiImageBase || va >= (uintptr_t)KiImageEnd)
            MiGetPteAddress(va)->u.Long = MM_ZERO_PTE;
    }
    MI_FLUSH_ENTIRE_TB();
}

/* A page mapped by Pte (which lives in the page table TableFrame) is active. */
static void MiMarkMappedPage(uint32_t PageFrameIndex, MMPTE *Pte, uint32_t TableFrame)
{
    MMPFN *pfn;

    if (!MiIsPhysicalMemory(PageFrameIndex))
        return;
    pfn = MI_PFN_ELEMENT(PageFrameIndex);
    pfn->PteAddress = Pte;
    pfn->u4.PteFrame = TableFrame;
    pfn->u2.ShareCount++;
    pfn->u3.e2.ReferenceCount = 1;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    pfn->OriginalPte.u.Long = MM_DEMAND_ZERO_WRITE_PTE;
}

/*
 * Every page a valid PTE maps, and every page table a valid PDE names, is in use. A page
 * table's PFN ends up with its PDE as PteAddress and one share for the PDE plus one for each
 * valid PTE in it, as NT counts them. The self-map PDE is the directory itself.
 */
static void MiMarkActivePages(void)
{
    uint32_t directoryFrame = __readcr3() >> PAGE_SHIFT;

    for (uint32_t i = 0; i < PDE_PER_PAGE; i++) {
        MMPTE *pde = (MMPTE *)PDE_BASE + i;
        MMPTE *table = MiGetPteAddress((uintptr_t)i << PDI_SHIFT);

        if (!pde->u.Hard.Valid || i == MM_SELFMAP_PDE_INDEX)
            continue;
        if (pde->u.Hard.LargePage) {   /* no page table: its 1024 frames, each mapped by it */
            for (uint32_t j = 0; j < PTE_PER_PAGE; j++)
                MiMarkMappedPage(pde->u.Hard.PageFrameNumber + j, pde, directoryFrame);
            continue;
        }
        for (uint32_t j = 0; j < PTE_PER_PAGE; j++) {
            if (table[j].u.Hard.Valid) {
                MiMarkMappedPage(table[j].u.Hard.PageFrameNumber, &table[j],
                                 pde->u.Hard.PageFrameNumber);
                MI_PFN_ELEMENT(pde->u.Hard.PageFrameNumber)->u2.ShareCount++;
            }
        }
    }
    for (uint32_t i = 0; i < PDE_PER_PAGE; i++) {
        MMPTE *pde = (MMPTE *)PDE_BASE + i;
        MMPFN *pfn;

        if (!pde->u.Hard.Valid || pde->u.Hard.LargePage ||
            !MiIsPhysicalMemory(pde->u.Hard.PageFrameNumber))
            continue;
        pfn = MI_PFN_ELEMENT(pde->u.Hard.PageFrameNumber);
        pfn->PteAddress = pde;
        pfn->u4.PteFrame = directoryFrame;
        pfn->u2.ShareCount++;
        pfn->u3.e2.ReferenceCount = 1;
        pfn->u3.e1.PageLocation = ActiveAndValid;
    }
}

/*
 * The PFN database: pages that are not RAM, and page 0, are left referenced so nothing ever
 * frees them; mapped pages are active; the rest of RAM goes on the free list, the highest
 * run first and each run from the top, so the lowest memory is handed out last.
 */
static void MiInitializePfnDatabase(void)
{
    KIRQL oldIrql;

    for (uint32_t i = 0; i <= MmHighestPhysicalPage; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(i);

        pfn->u3.e1.PageLocation = ActiveAndValid;
        if (!MiIsPhysicalMemory(i))
            pfn->u3.e2.ReferenceCount = MI_PFN_UNUSABLE_REFERENCES;
    }
    MiMarkActivePages();
    MiPfnDatabaseBuilt = true;

    LOCK_PFN(oldIrql);
    for (uint32_t r = MmPhysicalMemoryBlock.NumberOfRuns; r-- > 0;) {
        const PHYSICAL_MEMORY_RUN *run = &MmPhysicalMemoryBlock.Run[r];

        for (uint32_t page = run->BasePage + run->PageCount; page-- > run->BasePage;) {
            MMPFN *pfn = MI_PFN_ELEMENT(page);

            if (pfn->u3.e2.ReferenceCount == 0) {
                pfn->u3.e1.PageLocation = TransitionPage;
                MiInsertPageInList(&MmFreePageListHead, page);
            }
        }
    }
    UNLOCK_PFN(oldIrql);
}

/*
 * The image's code and read-only data become read-only, as NT's MiWriteProtectSystemImage
 * makes them: with CR0.WP (set by the boot code) a stray kernel write there is
 * ATTEMPTED_WRITE_TO_READONLY_MEMORY instead of going unnoticed. Nothing writes them after the
 * /3GB move (kernel/init/relocate.c), which is done by now; the debugger's ed writes through
 * MmDbgWriteMemory.
 */
static void MiWriteProtectSystemImage(void)
{
    for (uintptr_t va = (uintptr_t)KiImageBase; va < (uintptr_t)KiImageReadOnlyEnd; va += PAGE_SIZE)
        MiGetPteAddress(va)->u.Hard.Write = 0;
    MI_FLUSH_ENTIRE_TB();
}

/* Phase 0: the address space, the PFN database, the pools and the system working set. */
uint32_t MmSharedUserDataFrame;

/* KUSER_SHARED_DATA: one zeroed page at 0xFFDF0000 (in the HAL's region, as NT has it), which
 * every process also maps read-only at 0x7FFE0000. Its constants are filled once here; the
 * clock keeps the times current. */
static void MiInitializeSharedUserData(void)
{
    volatile NT_KUSER_SHARED_DATA *data = (NT_KUSER_SHARED_DATA *)MM_SHARED_USER_DATA_KERNEL_VA;

    MmSharedUserDataFrame = MxGetNextPage();
    MiMapBootPage(MM_SHARED_USER_DATA_KERNEL_VA, MmSharedUserDataFrame);
    RtlZeroMemory((void *)data, PAGE_SIZE);
    data->TickCountMultiplier = (uint32_t)((1000ull << 24) / HAL_CLOCK_HZ);  /* ms = (ticks * m) >> 24 */
    data->ImageNumberLow = data->ImageNumberHigh = 0x14C;
    data->NtMajorVersion = 5;
    data->NtMinorVersion = 2;
    data->NumberOfPhysicalPages = MmNumberOfPhysicalPages;
    MiInitializeLargePages(data);
    KeUserSharedData = data;
}

static void MiInitializeSystemSpace(void)
{
    MiCheckSelfMap();
    MiWriteProtectSystemImage();
    MiScanMemoryDescriptors();
    MxInitializeFreeDescriptor();
    MiInitializeSharedUserData();       /* CR4.PSE, which the layout depends on */
    MiSetLayoutAndLargePages();
    MiInitializePageListEvents();
    MiInitializeWorkingSetManager();

    MiTrimBootWindow();
    MiInitializeCrashDumpArea();
    if (MiLargeSystemPages) {
        MiMapLargeSystemPages();
    } else {
        MiMapBootRange((uintptr_t)MmPfnDatabase, ROUND_TO_PAGES((MmHighestPhysicalPage + 1) *
                                                               sizeof(MMPFN)));
        MiMapBootRange(MmNonPagedPoolStart, MmSizeOfNonPagedPoolInBytes);
    }
    MiCreateBootPageTables(MmNonPagedSystemStart, MmNonPagedPoolEnd - 1);
    MiCreateBootPageTables(HYPER_SPACE, HYPER_SPACE_END);
    MiCreateBootPageTables(MM_SYSTEM_CACHE_WORKING_SET, MM_SYSTEM_CACHE_START - 1);
    MiInitializePfnDatabase();

    MiInitializeHyperSpace();
    MiInitializeCommitment();
    MiInitializeSystemPtes(MiGetPteAddress(MmNonPagedSystemStart), MmNumberOfSystemPtes,
                           SystemPteSpace);
    MiInitializeNonPagedPool();
    MiInitializePagedPool();
    MiInitializeSystemWorkingSet();
    MiInitializeSystemCache();
    ExInitializePool();
    MiInitializeSpecialPool();
    MmPrintSystemLayout();
    MiPrintLargeSystemPages();
}

void MmInitSystem(uint32_t Phase)
{
    if (Phase == 0) {
        MiInitializeSystemSpace();
    } else {
        MiStartZeroPageThread();
        MiStartMappedPageWriter();
        MiStartModifiedPageWriter();
        MiStartReadAheadThread();
    }
}
