/*
 * mm/allocpag.c: pool in whole pages, what the executive pool (pool.c) builds its blocks on,
 * as NT's allocpag.c does it.
 *
 * Nonpaged pool lives in two regions: the initial pool (mapped at start-up, in KSEG0 or at the
 * top of system space under /3GB) and the expansion pool, pages mapped on demand into the
 * NonPagedPoolExpansion system PTEs. Free runs of pages are kept on four lists by length (1,
 * 2, 3, 4 or more pages). The first page of a free run holds an MMFREE_POOL_ENTRY; every page
 * of the run points at that first page (Owner), so a block freed just after a run can find
 * where the run starts:
 *
 *   free run:  [entry: List, Size, Signature, Owner=self][Owner=first][Owner=first] ...
 *
 * An allocation is carved from the end of the first run that fits. The PFN of its first page
 * has StartOfAllocation set and that of its last page EndOfAllocation, which is how a free
 * finds its length, and how a neighbour is known to be free: the page after a block is free
 * if it does not start an allocation; the page before, if it does not end one.
 *
 * Paged pool is the range MmPagedPoolStart..MmPagedPoolEnd with two bitmaps: one bit per page
 * in use, and one bit on the last page of each allocation. Allocated pages are committed and
 * get demand-zero PTEs; the page arrives on first touch (mmfault.c) into the system working
 * set, and may later go to a paging file. Page tables are made as needed.
 *
 * Expansion nonpaged pool and paged pool are charged against the commit limit (commit.c); the
 * initial nonpaged pool was paid for at start-up.
 */
#include "mm/mi.h"

#define MI_MAX_FREE_LIST_HEADS      4
#define MM_FREE_POOL_SIGNATURE      0x98764321u
#define MI_LARGE_FREED_BLOCK        3       /* expansion blocks above this go back at once */

typedef struct _MMFREE_POOL_ENTRY {
    LIST_ENTRY List;                        /* first page of a run only */
    uint32_t Size;                          /* pages in the run */
    uint32_t Signature;
    struct _MMFREE_POOL_ENTRY *Owner;       /* every page: the run's first page */
} MMFREE_POOL_ENTRY;

static LIST_ENTRY MmNonPagedPoolFreeListHead[MI_MAX_FREE_LIST_HEADS];
static KSPIN_LOCK MiNonPagedPoolLock;
static KSPIN_LOCK MiPagedPoolLock;
static uint32_t MmFreedExpansionPoolMaximum;

uint32_t MmAllocatedNonPagedPool;           /* pages allocated, both regions */
uint32_t MmNumberOfFreeNonPagedPool;        /* pages on the free lists */
MM_PAGED_POOL_INFO MmPagedPoolInfo;

static LIST_ENTRY *MiFreeListFor(uint32_t Pages)
{
    return &MmNonPagedPoolFreeListHead[MIN(Pages, MI_MAX_FREE_LIST_HEADS) - 1];
}

/* The PFN of a mapped pool page: through its PTE, or its large PDE (the initial pool may be on
 * 4 MB pages, mminit.c, and then has no PTEs). */
static MMPFN *MiPoolPfn(uintptr_t Va)
{
    if (MI_IS_PHYSICAL_ADDRESS(Va))
        return MI_PFN_ELEMENT(MI_CONVERT_PHYSICAL_TO_PFN(Va));
    return MI_PFN_ELEMENT(MiGetPteAddress(Va)->u.Hard.PageFrameNumber);
}

/* The nonpaged region Va lies in, as [*Start, *End); false if none. */
static bool MiNonPagedRegion(uintptr_t Va, uintptr_t *Start, uintptr_t *End)
{
    if (Va >= MmNonPagedPoolStart && Va < MmNonPagedPoolEnd0) {
        *Start = MmNonPagedPoolStart;
        *End = MmNonPagedPoolEnd0;
    } else if (Va >= MmNonPagedPoolExpansionStart && Va < MmNonPagedPoolEnd) {
        *Start = MmNonPagedPoolExpansionStart;
        *End = MmNonPagedPoolEnd;
    } else {
        return false;
    }
    return true;
}

POOL_TYPE MmDeterminePoolType(const void *VirtualAddress)
{
    uintptr_t va = (uintptr_t)VirtualAddress, start, end;

    if (va >= MmPagedPoolStart && va <= MmPagedPoolEnd)
        return PagedPool;
    if (MiNonPagedRegion(va, &start, &end))
        return NonPagedPool;
    return MaxPoolType;
}

static void MiMarkAllocation(uintptr_t Va, uint32_t Pages)
{
    MiPoolPfn(Va)->u3.e1.StartOfAllocation = 1;
    MiPoolPfn(Va + (Pages - 1) * PAGE_SIZE)->u3.e1.EndOfAllocation = 1;
}

/* Link a free run of Pages pages at Entry into the lists; each page names the first. */
static void MiInsertFreeRun(MMFREE_POOL_ENTRY *Entry, uint32_t Pages, uint32_t OwnersFrom)
{
    Entry->Size = Pages;
    Entry->Signature = MM_FREE_POOL_SIGNATURE;
    for (uint32_t i = OwnersFrom; i < Pages; i++)
        ((MMFREE_POOL_ENTRY *)((uintptr_t)Entry + i * PAGE_SIZE))->Owner = Entry;
    InsertTailList(MiFreeListFor(Pages), &Entry->List);
}

void MiInitializeNonPagedPool(void)
{
    uint32_t expansionPtes = (MmNonPagedPoolEnd - MmNonPagedPoolExpansionStart) / PAGE_SIZE;

    for (uint32_t i = 0; i < MI_MAX_FREE_LIST_HEADS; i++)
        InitializeListHead(&MmNonPagedPoolFreeListHead[i]);
    MmNumberOfFreeNonPagedPool = MmSizeOfNonPagedPoolInBytes / PAGE_SIZE;
    MiInsertFreeRun((MMFREE_POOL_ENTRY *)MmNonPagedPoolStart, MmNumberOfFreeNonPagedPool, 0);
    MmFreedExpansionPoolMaximum = MmNumberOfPhysicalPages > (1000u << 20) / PAGE_SIZE ? 300 :
                                  MmNumberOfPhysicalPages > (500u << 20) / PAGE_SIZE ? 100 : 5;

    /* A guard PTE at each end of the expansion range. */
    MiInitializeSystemPtes(MiGetPteAddress(MmNonPagedPoolExpansionStart) + 1, expansionPtes - 2,
                           NonPagedPoolExpansion);
}

/* Pages from the free lists, carved from the end of the first run that fits; 0 if none. */
static uintptr_t MiAllocateFromFreeLists(uint32_t Pages)
{
    for (LIST_ENTRY *head = MiFreeListFor(Pages);
         head < &MmNonPagedPoolFreeListHead[MI_MAX_FREE_LIST_HEADS]; head++) {
        for (LIST_ENTRY *e = head->Flink; e != head; e = e->Flink) {
            MMFREE_POOL_ENTRY *run = CONTAINING_RECORD(e, MMFREE_POOL_ENTRY, List);

            if (run->Signature != MM_FREE_POOL_SIGNATURE || !RtlIsListEntryLinked(e))
                KeBugCheckEx(BAD_POOL_CALLER, MI_BAD_POOL_CALLER_FREE_RUN_CORRUPT,
                             (uintptr_t)run, run->Signature, run->Size);
            if (run->Size < Pages)
                continue;
            RemoveEntryList(e);
            run->Size -= Pages;
            if (run->Size)
                InsertTailList(MiFreeListFor(run->Size), &run->List);
            MmNumberOfFreeNonPagedPool -= Pages;
            return (uintptr_t)run + run->Size * PAGE_SIZE;
        }
    }
    return 0;
}

/* Pages mapped fresh into expansion system PTEs, committed; 0 when PTEs, commitment or pages
 * run out. */
static uintptr_t MiAllocateExpansionPool(uint32_t Pages)
{
    MMPTE *pte;
    KIRQL oldIrql;

    if (!MiChargeCommitment(Pages))
        return 0;
    pte = MiReserveSystemPtes(Pages, NonPagedPoolExpansion);
    if (!pte) {
        MiReturnCommitment(Pages);
        return 0;
    }
    LOCK_PFN(oldIrql);
    if (MmAvailablePages < Pages + MmMinimumFreePages || !MiChargeResidentAvailable(Pages)) {
        UNLOCK_PFN(oldIrql);
        MiReleaseSystemPtes(pte, Pages, NonPagedPoolExpansion);
        MiReturnCommitment(Pages);
        return 0;
    }
    for (uint32_t i = 0; i < Pages; i++) {
        uint32_t frame = MiRemoveAnyPage();

        pte[i].u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
        MiInitializePfn(frame, &pte[i], true);
        pte[i] = MiMakeValidKernelPte(frame);
    }
    UNLOCK_PFN(oldIrql);
    /* Written whole once, outside the PFN lock (an expansion can be many pages), so that no
     * code the emulator translated stays under them: see MiRemoveKernelPage (pfnlist.c). */
    KeZeroPages(MiGetVirtualAddressMappedByPte(pte), Pages * PAGE_SIZE);
    return (uintptr_t)MiGetVirtualAddressMappedByPte(pte);
}

static void *MiAllocateNonPagedPoolPages(uint32_t Pages)
{
    KIRQL oldIrql;
    uintptr_t va;

    KeAcquireSpinLock(&MiNonPagedPoolLock, &oldIrql);
    va = MiAllocateFromFreeLists(Pages);
    if (va) {
        MiMarkAllocation(va, Pages);
        MmAllocatedNonPagedPool += Pages;
    }
    KeReleaseSpinLock(&MiNonPagedPoolLock, oldIrql);
    if (va)
        return (void *)va;

    va = MiAllocateExpansionPool(Pages);
    if (!va)
        return NULL;
    KeAcquireSpinLock(&MiNonPagedPoolLock, &oldIrql);
    MiMarkAllocation(va, Pages);
    MmAllocatedNonPagedPool += Pages;
    KeReleaseSpinLock(&MiNonPagedPoolLock, oldIrql);
    return (void *)va;
}

/* The length of the allocation starting at Va, with its Start/End marks cleared. */
static uint32_t MiTakeAllocation(uintptr_t Va)
{
    bool mapped = MmIsAddressValid((void *)Va);
    uint32_t pages = 0;

    if (!mapped || !MiPoolPfn(Va)->u3.e1.StartOfAllocation)
        KeBugCheckEx(BAD_POOL_CALLER, MI_BAD_POOL_CALLER_NOT_ALLOCATED_NONPAGED, Va,
                     mapped ? MI_PFN_INDEX(MiPoolPfn(Va)) : 0, MmHighestPhysicalPage);
    MiPoolPfn(Va)->u3.e1.StartOfAllocation = 0;
    for (;; pages++) {
        MMPFN *pfn = MiPoolPfn(Va + pages * PAGE_SIZE);

        if (pfn->u3.e1.EndOfAllocation) {
            pfn->u3.e1.EndOfAllocation = 0;
            return pages + 1;
        }
    }
}

/* Return an expansion block's pages to the system and its PTEs to the expansion range. */
static void MiFreeExpansionPages(uintptr_t Va, uint32_t Pages)
{
    MMPTE *pte = MiGetPteAddress(Va);
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < Pages; i++)
        MiDeleteSystemPte(&pte[i]);
    MiReturnResidentAvailable(Pages);
    UNLOCK_PFN(oldIrql);
    MiReleaseSystemPtes(pte, Pages, NonPagedPoolExpansion);
    MiReturnCommitment(Pages);
}

/* Put a freed block on the lists, merged with a free run on either side in its region. */
static void MiCoalesceFreeBlock(uintptr_t Va, uint32_t Pages, uintptr_t RegionStart,
                                uintptr_t RegionEnd)
{
    MMFREE_POOL_ENTRY *entry = (MMFREE_POOL_ENTRY *)Va;
    uintptr_t next = Va + Pages * PAGE_SIZE, previous = Va - PAGE_SIZE;
    uint32_t owners = 0;

    if (next < RegionEnd && MmIsAddressValid((void *)next) &&
        !MiPoolPfn(next)->u3.e1.StartOfAllocation) {
        MMFREE_POOL_ENTRY *following = (MMFREE_POOL_ENTRY *)next;

        RemoveEntryList(&following->List);
        Pages += following->Size;
    }
    if (Va > RegionStart && MmIsAddressValid((void *)previous) &&
        !MiPoolPfn(previous)->u3.e1.EndOfAllocation) {
        MMFREE_POOL_ENTRY *preceding = ((MMFREE_POOL_ENTRY *)previous)->Owner;

        RemoveEntryList(&preceding->List);
        owners = preceding->Size;
        Pages += preceding->Size;
        entry = preceding;
    }
    MiInsertFreeRun(entry, Pages, owners);
}

static uint32_t MiFreeNonPagedPoolPages(uintptr_t Va)
{
    uintptr_t regionStart = 0, regionEnd = 0;
    uint32_t pages;
    KIRQL oldIrql;
    bool giveBack;

    MiNonPagedRegion(Va, &regionStart, &regionEnd);
    KeAcquireSpinLock(&MiNonPagedPoolLock, &oldIrql);
    pages = MiTakeAllocation(Va);
    MmAllocatedNonPagedPool -= pages;
    giveBack = regionStart == MmNonPagedPoolExpansionStart &&
               (pages > MI_LARGE_FREED_BLOCK ||
                MmNumberOfFreeNonPagedPool + pages > MmFreedExpansionPoolMaximum);
    if (!giveBack) {
        MiCoalesceFreeBlock(Va, pages, regionStart, regionEnd);
        MmNumberOfFreeNonPagedPool += pages;
    }
    KeReleaseSpinLock(&MiNonPagedPoolLock, oldIrql);
    if (giveBack)
        MiFreeExpansionPages(Va, pages);
    return pages;
}

/* A cleared bitmap of Bits bits in nonpaged pool: its header, then its words. */
RTL_BITMAP *MiAllocatePoolBitmap(uint32_t Bits)
{
    RTL_BITMAP *map = MiAllocateNonPagedPoolPages(
        BYTES_TO_PAGES(sizeof(RTL_BITMAP) + ROUND_UP(Bits, 32) / 8));

    if (!map)
        KeBugCheckEx(INSTALL_MORE_MEMORY, MmNumberOfPhysicalPages, Bits, 0, 2);
    RtlInitializeBitMap(map, (uint32_t *)(map + 1), Bits);
    RtlClearAllBits(map);
    return map;
}

/* Paged pool: the bitmaps come from nonpaged pool; page tables are made as pool grows. */
void MiInitializePagedPool(void)
{
    uint32_t pages = MmSizeOfPagedPoolInBytes / PAGE_SIZE;

    MmPagedPoolInfo.PagedPoolAllocationMap = MiAllocatePoolBitmap(pages);
    MmPagedPoolInfo.EndOfPagedPoolBitmap = MiAllocatePoolBitmap(pages);
    MmPagedPoolInfo.FirstPteForPagedPool = MiGetPteAddress(MmPagedPoolStart);
    MmPagedPoolInfo.LastPteForPagedPool = MiGetPteAddress(MmPagedPoolEnd);
}

/* A system page table made while a process was current (its PDE written through the self-map
 * into that process's directory first) belongs to the system's directory, not the process's:
 * its share goes there, or the process could never give its directory back. PFN lock held. */
static void MiChargeSystemDirectory(uint32_t PageTableFrame)
{
    uint32_t system = MmSystemPagePtes[MM_SELFMAP_PDE_INDEX].u.Hard.PageFrameNumber;
    MMPFN *pfn = MI_PFN_ELEMENT(PageTableFrame);

    if (pfn->u4.PteFrame == system)
        return;
    MI_PFN_ELEMENT(pfn->u4.PteFrame)->u2.ShareCount--;
    pfn->u4.PteFrame = system;
    MI_PFN_ELEMENT(system)->u2.ShareCount++;
}

/* Make the system page tables that map [Va, Va + Pages pages) (paged pool's, the system
 * cache's), each committed for good and counted in *Made; false when pages or commitment
 * run out. */
bool MiMakeSystemPageTables(uintptr_t Va, uint32_t Pages, uint32_t *Made)
{
    bool made = true;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (uint32_t pde = MiGetPdeOffset(Va); pde <= MiGetPdeOffset(Va + Pages * PAGE_SIZE - 1); pde++) {
        MMPTE *pointerPde = (MMPTE *)PDE_BASE + pde;
        uint32_t frame;

        if (MmSystemPagePtes[pde].u.Hard.Valid) {   /* made while another process ran */
            *pointerPde = MmSystemPagePtes[pde];
            continue;
        }
        if (MmAvailablePages < MmMinimumFreePages || !MiChargeCommitment(1)) {
            made = false;
            break;
        }
        if (!MiChargeResidentAvailable(1)) {
            MiReturnCommitment(1);
            made = false;
            break;
        }
        frame = MiRemoveZeroPage();
        MiInitializePfn(frame, pointerPde, true);
        MiChargeSystemDirectory(frame);
        *pointerPde = MiMakeValidKernelPte(frame);
        MmSystemPagePtes[pde] = *pointerPde;        /* other processes copy it on a fault */
        (*Made)++;
    }
    UNLOCK_PFN(oldIrql);
    return made;
}

static void *MiAllocatePagedPoolPages(uint32_t Pages)
{
    MM_PAGED_POOL_INFO *info = &MmPagedPoolInfo;
    uint32_t start;
    uintptr_t va;
    MMPTE *pte;
    KIRQL oldIrql;

    if (!MiChargeCommitment(Pages))
        return NULL;
    KeAcquireSpinLock(&MiPagedPoolLock, &oldIrql);
    start = RtlFindClearBitsAndSet(info->PagedPoolAllocationMap, Pages, info->PagedPoolHint);
    if (start != 0xFFFFFFFF) {
        RtlSetBits(info->EndOfPagedPoolBitmap, start + Pages - 1, 1);
        if (Pages == 1)
            info->PagedPoolHint = start + 1;
    }
    KeReleaseSpinLock(&MiPagedPoolLock, oldIrql);
    if (start == 0xFFFFFFFF) {
        MiReturnCommitment(Pages);
        return NULL;
    }

    va = MmPagedPoolStart + start * PAGE_SIZE;
    if (!MiMakeSystemPageTables(va, Pages, &MmPagedPoolInfo.PageTablePages)) {
        KeAcquireSpinLock(&MiPagedPoolLock, &oldIrql);
        RtlClearBits(info->EndOfPagedPoolBitmap, start + Pages - 1, 1);
        RtlClearBits(info->PagedPoolAllocationMap, start, Pages);
        KeReleaseSpinLock(&MiPagedPoolLock, oldIrql);
        MiReturnCommitment(Pages);
        return NULL;
    }
    pte = MiGetPteAddress(va);
    for (uint32_t i = 0; i < Pages; i++)
        pte[i].u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
    KeAcquireSpinLock(&MiPagedPoolLock, &oldIrql);
    info->AllocatedPagedPool += Pages;
    info->PagedPoolCommit += Pages;
    KeReleaseSpinLock(&MiPagedPoolLock, oldIrql);
    return (void *)va;
}

static uint32_t MiFreePagedPoolPages(uintptr_t Va)
{
    MM_PAGED_POOL_INFO *info = &MmPagedPoolInfo;
    uint32_t start = (uint32_t)((Va - MmPagedPoolStart) >> PAGE_SHIFT);
    uint32_t pages;
    KIRQL oldIrql;

    KeAcquireSpinLock(&MiPagedPoolLock, &oldIrql);
    if ((Va & (PAGE_SIZE - 1)) || !RtlCheckBit(info->PagedPoolAllocationMap, start) ||
        (start > 0 && RtlCheckBit(info->PagedPoolAllocationMap, start - 1) &&
         !RtlCheckBit(info->EndOfPagedPoolBitmap, start - 1)))
        KeBugCheckEx(BAD_POOL_CALLER, MI_BAD_POOL_CALLER_NOT_ALLOCATED_PAGED, Va, start,
                     info->PagedPoolAllocationMap->SizeOfBitMap);
    for (pages = 1; !RtlCheckBit(info->EndOfPagedPoolBitmap, start + pages - 1); pages++)
        ;
    KeReleaseSpinLock(&MiPagedPoolLock, oldIrql);

    MiLockSystemWorkingSet();
    MiDeleteSystemPageableVm(MiGetPteAddress(Va), pages);
    MiUnlockSystemWorkingSet();
    MiReturnCommitment(pages);

    KeAcquireSpinLock(&MiPagedPoolLock, &oldIrql);
    RtlClearBits(info->EndOfPagedPoolBitmap, start + pages - 1, 1);
    RtlClearBits(info->PagedPoolAllocationMap, start, pages);
    info->PagedPoolHint = MIN(info->PagedPoolHint, start);
    info->AllocatedPagedPool -= pages;
    info->PagedPoolCommit -= pages;
    KeReleaseSpinLock(&MiPagedPoolLock, oldIrql);
    return pages;
}

/*
 * SizeInBytes of whole pages from PoolType's pool, page aligned; NULL when there is no room
 * (or no physical page for nonpaged pool).
 */
void *MiAllocatePoolPages(POOL_TYPE PoolType, size_t SizeInBytes)
{
    uint32_t pages = BYTES_TO_PAGES(SizeInBytes);

    if (pages == 0)
        return NULL;
    if ((PoolType & BASE_POOL_TYPE_MASK) == PagedPool)
        return MiAllocatePagedPoolPages(pages);
    return MiAllocateNonPagedPoolPages(pages);
}

/*
 * Whether the page holding VirtualAddress starts a pool allocation not yet freed, as every
 * page of small blocks does (each is a one-page allocation). A block whose page fails this was
 * freed with its page; its header may be gone or overwritten by a free run's links.
 */
bool MiIsPoolPageAllocated(const void *VirtualAddress)
{
    uintptr_t va = (uintptr_t)PAGE_ALIGN(VirtualAddress);
    MM_PAGED_POOL_INFO *info = &MmPagedPoolInfo;
    uint32_t page;

    switch (MmDeterminePoolType(VirtualAddress)) {
    case PagedPool:
        page = (uint32_t)((va - MmPagedPoolStart) >> PAGE_SHIFT);
        return RtlCheckBit(info->PagedPoolAllocationMap, page) &&
               (page == 0 || !RtlCheckBit(info->PagedPoolAllocationMap, page - 1) ||
                RtlCheckBit(info->EndOfPagedPoolBitmap, page - 1));
    case NonPagedPool:
        return MmIsAddressValid((void *)va) && MiPoolPfn(va)->u3.e1.StartOfAllocation;
    default:
        return false;
    }
}

/* Free what MiAllocatePoolPages returned; returns the pages freed. Anything else bugchecks
 * BAD_POOL_CALLER. */
uint32_t MiFreePoolPages(void *StartingAddress)
{
    uintptr_t va = (uintptr_t)StartingAddress;

    switch (MmDeterminePoolType(StartingAddress)) {
    case PagedPool:
        return MiFreePagedPoolPages(va);
    case NonPagedPool:
        if (va & (PAGE_SIZE - 1))
            break;
        return MiFreeNonPagedPoolPages(va);
    default:
        break;
    }
    KeBugCheckEx(BAD_POOL_CALLER, MI_BAD_POOL_CALLER_NOT_POOL, va, 0, 0);
}
