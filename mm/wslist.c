/*
 * mm/wslist.c: the system working set list: which pageable system pages are valid now.
 *
 *   MmSystemCacheWorkingSetList (0xC0C00000)
 *   +--------+-----------------------------------------------------------+
 *   | MMWSL  | MMWSLE[0] MMWSLE[1] ...           (a page mapped at a time) |
 *   +--------+-----------------------------------------------------------+
 *   MMWSLE: page address | Age | Direct | Valid, or (next free index << 4)
 *
 * A page made valid by a fault gets an entry, and its PFN's WsIndex names it. A page leaves
 * the working set by replacement (the fault path, when memory is short) or trimming (the
 * working-set manager): its PTE becomes a transition PTE, its share count drops, and it goes
 * to the standby list, or to the modified list if its PTE was dirty, where a later fault can
 * still take it back without I/O. Which page leaves is decided as NT does, by a clock over
 * the entries with the PTEs' accessed bits and a two-bit age.
 *
 * A process's working set works the same way, with its list in the process's hyperspace at
 * MmWorkingSetList (0xC0502000): only the current process's list is addressable, so whoever
 * changes another process's working set attaches to it first (the working-set manager does).
 *
 * Locked entries (NtLockVirtualMemory, lockvm.c) sit at the front, as NT keeps them:
 *
 *   Wsle[0 .. FirstDynamic-1]          locked (LockedInWs / LockedInMemory): never replaced,
 *                                      trimmed or aged
 *   Wsle[FirstDynamic .. NextNewEntry-1]  the dynamic entries, valid or free
 *
 * Locking a page swaps its entry with the one at FirstDynamic and moves FirstDynamic up;
 * unlocking (or deleting a locked page) moves the last locked entry into its place and
 * FirstDynamic down. A move rewrites the moved page's PFN WsIndex.
 *
 * The working set is protected by its mutex (held at APC_LEVEL, so page faults stay possible);
 * page state changes additionally take the PFN lock.
 */
#include "mm/mi.h"

#define MI_SYSTEM_WS_MINIMUM        288     /* NT's MmSystemCacheWsMinimum */
#define MI_MAXIMUM_WS_HEADROOM      512     /* MmMaximumWorkingSetSize: available - 512 */
#define MI_REPLACE_BELOW_AVAILABLE  512     /* replace instead of growing under this */

MMSUPPORT MmSystemCacheWs;

static MMWSL *MiSystemWsl(void)
{
    return (MMWSL *)MmSystemCacheWorkingSetList;
}

/* One more page of entries, zeroed and resident; false when no page can be had. */
static bool MiGrowWorkingSetList(MMWSL *Wsl)
{
    uintptr_t va = PAGE_ALIGN_UP((uintptr_t)&Wsl->Wsle[Wsl->LastInitializedWsle]);
    MMPTE *pte = MiGetPteAddress(va);
    KIRQL oldIrql;
    uint32_t frame;

    if (va >= Wsl->HighestPermittedHashAddress)
        return false;
    LOCK_PFN(oldIrql);
    if (MmAvailablePages == 0 || !MiChargeResidentAvailable(1)) {
        UNLOCK_PFN(oldIrql);
        return false;
    }
    frame = MiRemoveZeroPage();
    pte->u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
    MiInitializePfn(frame, pte, true);
    *pte = MiMakeValidKernelPte(frame);
    UNLOCK_PFN(oldIrql);
    Wsl->LastInitializedWsle = (uint32_t)((va + PAGE_SIZE - (uintptr_t)Wsl->Wsle) / sizeof(MMWSLE));
    return true;
}

void MiInitializeSystemWorkingSet(void)
{
    MMWSL *wsl = MiSystemWsl();
    MMPTE *pte = MiGetPteAddress(wsl);
    KIRQL oldIrql;
    uint32_t frame;

    LOCK_PFN(oldIrql);
    frame = MiRemoveZeroPage();
    pte->u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
    MiInitializePfn(frame, pte, true);
    *pte = MiMakeValidKernelPte(frame);
    UNLOCK_PFN(oldIrql);

    wsl->FirstFree = WSLE_NULL_INDEX;
    wsl->Wsle = (MMWSLE *)(wsl + 1);
    wsl->LastInitializedWsle = (PAGE_SIZE - sizeof(MMWSL)) / sizeof(MMWSLE);
    wsl->HighestPermittedHashAddress = MmSystemCacheStart;
    MmSystemCacheWs.VmWorkingSetList = wsl;
    MmSystemCacheWs.MinimumWorkingSetSize = MI_SYSTEM_WS_MINIMUM;
    MmSystemCacheWs.MaximumWorkingSetSize = MmAvailablePages - MI_MAXIMUM_WS_HEADROOM;
    ExInitializeFastMutex(&MmSystemCacheWs.WorkingSetMutex);
}

/*
 * A process's list, in its hyperspace: the first page was made with the address space
 * (procx86.c); the list may grow through the rest of hyperspace's first page table. The
 * process is current.
 */
void MiInitializeProcessWorkingSetList(MMSUPPORT *Ws)
{
    MMWSL *wsl = (MMWSL *)MM_WORKING_SET_LIST;

    RtlZeroMemory(wsl, sizeof(*wsl));
    wsl->FirstFree = WSLE_NULL_INDEX;
    wsl->Wsle = (MMWSLE *)(wsl + 1);
    wsl->LastInitializedWsle = (PAGE_SIZE - sizeof(MMWSL)) / sizeof(MMWSLE);
    wsl->HighestPermittedHashAddress = MM_PROCESS_WSL_END;
    Ws->VmWorkingSetList = wsl;
    Ws->IsProcess = true;
    ExInitializeFastMutex(&Ws->WorkingSetMutex);
}

/* The pages the list occupies, the first included. */
uint32_t MiWorkingSetListPages(const MMSUPPORT *Ws)
{
    const MMWSL *wsl = Ws->VmWorkingSetList;

    return (uint32_t)(PAGE_ALIGN_UP((uintptr_t)&wsl->Wsle[wsl->LastInitializedWsle]) -
                      (uintptr_t)wsl) / PAGE_SIZE;
}

void MiLockWorkingSet(MMSUPPORT *Ws)
{
    if (!Ws->IsProcess) {
        MiLockSystemWorkingSet();
        return;
    }
    ExAcquireFastMutex(&Ws->WorkingSetMutex);
    KeGetCurrentThread()->OwnsProcessWorkingSet++;
}

void MiUnlockWorkingSet(MMSUPPORT *Ws)
{
    if (!Ws->IsProcess) {
        MiUnlockSystemWorkingSet();
        return;
    }
    KeGetCurrentThread()->OwnsProcessWorkingSet--;
    ExReleaseFastMutex(&Ws->WorkingSetMutex);
}

MMSUPPORT *MiWorkingSetOf(uintptr_t VirtualAddress)
{
    MMPROCESS *process;

    if (VirtualAddress >= MmSystemRangeStart)
        return &MmSystemCacheWs;
    process = MiGetProcess(KeGetCurrentProcess());
    return process ? &process->Vm : NULL;
}

void MiLockSystemWorkingSet(void)
{
    ExAcquireFastMutex(&MmSystemCacheWs.WorkingSetMutex);
    KeGetCurrentThread()->OwnsSystemWorkingSet++;
}

void MiUnlockSystemWorkingSet(void)
{
    KeGetCurrentThread()->OwnsSystemWorkingSet--;
    ExReleaseFastMutex(&MmSystemCacheWs.WorkingSetMutex);
}

bool MiOwnsSystemWorkingSet(void)
{
    return KeGetCurrentThread()->OwnsSystemWorkingSet != 0;
}

/* An entry for a new valid page: a free one, or a new one, growing the list if need be. */
static uint32_t MiAllocateWsle(MMWSL *Wsl)
{
    uint32_t index = Wsl->FirstFree;

    if (index != WSLE_NULL_INDEX) {
        Wsl->FirstFree = Wsl->Wsle[index].u1.Long >> MM_FREE_WSLE_SHIFT;
        return index;
    }
    if (Wsl->NextNewEntry == Wsl->LastInitializedWsle && !MiGrowWorkingSetList(Wsl))
        return WSLE_NULL_INDEX;
    return Wsl->NextNewEntry++;
}

/* The page a valid entry maps (its PTE is valid: every page in a working set is). */
static MMPFN *MiWslePfn(const MMWSLE *Wsle)
{
    return MI_PFN_ELEMENT(MiGetPteAddress(Wsle->u1.Long & ~(PAGE_SIZE - 1))->u.Hard.PageFrameNumber);
}

/* A direct entry's page names it in its PFN's WsIndex; a shared page's (a prototype PTE's
 * page, in any number of working sets) cannot, and is found by its address (MiLocateWsle). */
static void MiSetWsIndex(const MMWSLE *Wsle, uint32_t Index)
{
    if (Wsle->u1.e1.Direct)
        MiWslePfn(Wsle)->u1.WsIndex = Index;
}

/* Put valid entry From into slot To (whose contents the caller has saved or freed). */
static void MiMoveWsle(MMWSL *Wsl, uint32_t From, uint32_t To)
{
    Wsl->Wsle[To] = Wsl->Wsle[From];
    MiSetWsIndex(&Wsl->Wsle[To], To);
}

/* Exchange two valid entries. */
static void MiSwapWslEntries(MMWSL *Wsl, uint32_t First, uint32_t Second)
{
    MMWSLE first = Wsl->Wsle[First];

    MiMoveWsle(Wsl, Second, First);
    Wsl->Wsle[Second] = first;
    MiSetWsIndex(&first, Second);
}

/* Take free entry Index off the free list (singly linked: its predecessor is found by walking). */
static void MiUnlinkFreeWsle(MMWSL *Wsl, uint32_t Index)
{
    uint32_t previous = WSLE_NULL_INDEX, entry = Wsl->FirstFree;
    uint32_t next = Wsl->Wsle[Index].u1.Long >> MM_FREE_WSLE_SHIFT;

    while (entry != Index) {
        if (entry == WSLE_NULL_INDEX)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_WSLE, (uintptr_t)Wsl, Index, 0);
        previous = entry;
        entry = Wsl->Wsle[entry].u1.Long >> MM_FREE_WSLE_SHIFT;
    }
    if (previous == WSLE_NULL_INDEX)
        Wsl->FirstFree = next;
    else
        Wsl->Wsle[previous].u1.Long = next << MM_FREE_WSLE_SHIFT;
}

static void MiFreeWsle(MMSUPPORT *Ws, uint32_t Index)
{
    MMWSL *wsl = Ws->VmWorkingSetList;

    if (Index < wsl->FirstDynamic) {
        uint32_t last = --wsl->FirstDynamic;

        if (Index != last)
            MiMoveWsle(wsl, last, Index);
        Index = last;
    }
    wsl->Wsle[Index].u1.Long = wsl->FirstFree << MM_FREE_WSLE_SHIFT;
    wsl->FirstFree = Index;
    Ws->WorkingSetSize--;
}

/*
 * Whether a page joining Ws must take the place of one of its pages rather than add to it
 * (NT's MiDoReplacement). Below its minimum a working set always grows. Above it, it gives a
 * page for a page when available memory is short. A process's maximum is soft, as on NT: past
 * it the set grows on while memory is plentiful (MM_PLENTY_FREE_LIMIT pages available) and the
 * working-set manager trims it back when memory gets short, unless it was made hard
 * (QUOTA_LIMITS_HARDWS_MAX_ENABLE). The system working set's maximum is hard.
 */
static bool MiShouldReplace(const MMSUPPORT *Ws)
{
    if (Ws->WorkingSetSize < Ws->MaximumWorkingSetSize)
        return Ws->WorkingSetSize > Ws->MinimumWorkingSetSize &&
               MmAvailablePages < MI_REPLACE_BELOW_AVAILABLE;
    return !Ws->IsProcess || Ws->MaximumWorkingSetHard || MmAvailablePages < MM_PLENTY_FREE_LIMIT;
}

/*
 * VirtualAddress, just made valid and mapping PageFrameIndex, joins the system working set.
 * When the set is at its maximum, or available memory is short, a page leaves it first.
 * Working-set mutex held; PFN lock not held.
 */
void MiInsertSystemWorkingSet(uintptr_t VirtualAddress, uint32_t PageFrameIndex)
{
    MiInsertWorkingSetEntry(&MmSystemCacheWs, VirtualAddress, PageFrameIndex);
}

uint32_t MiInsertWorkingSetEntry(MMSUPPORT *ws, uintptr_t VirtualAddress, uint32_t PageFrameIndex)
{
    MMWSL *wsl = ws->VmWorkingSetList;
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);
    uint32_t index;

    if (MiShouldReplace(ws))
        MiReplaceWorkingSetEntry(ws);
    index = MiAllocateWsle(wsl);
    if (index == WSLE_NULL_INDEX) {
        MiReplaceWorkingSetEntry(ws);
        index = MiAllocateWsle(wsl);
    }
    if (index == WSLE_NULL_INDEX)
        KeBugCheckEx(NO_PAGES_AVAILABLE, MmModifiedPageListHead.Total, MmNumberOfPhysicalPages,
                     MmAvailablePages, ws->WorkingSetSize);
    wsl->Wsle[index].u1.Long = (VirtualAddress & ~(PAGE_SIZE - 1)) | 1;
    if (!pfn->u3.e1.PrototypePte)
        wsl->Wsle[index].u1.e1.Direct = 1;
    pfn->u1.WsIndex = index;        /* a shared page's: only a hint (MiLocateWsle checks it) */
    ws->WorkingSetSize++;
    ws->PeakWorkingSetSize = MAX(ws->PeakWorkingSetSize, ws->WorkingSetSize);
    return index;
}

/*
 * The entry of the valid page at VirtualAddress: its PFN's WsIndex for a private page; for a
 * shared one the same index if this list holds the address there (the last working set to
 * take the page in set it), else a search by address (NT hashes those; a search is what this
 * list's sizes afford). WSLE_NULL_INDEX if it is in no entry. Working-set mutex held.
 */
uint32_t MiLocateWsle(MMSUPPORT *Ws, uintptr_t VirtualAddress)
{
    MMWSL *wsl = Ws->VmWorkingSetList;
    MMPTE *pte = MiGetPteAddress(VirtualAddress);
    uint32_t page = (uint32_t)VirtualAddress >> PAGE_SHIFT;

    if (pte->u.Hard.Valid) {
        uint32_t hint = MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->u1.WsIndex;

        if (!MI_PFN_ELEMENT(pte->u.Hard.PageFrameNumber)->u3.e1.PrototypePte)
            return hint;
        /* A shared page's WsIndex is the last working set's to take it in: this one's entry
         * if it holds this address here (an address is in a working set once). */
        if (hint < wsl->NextNewEntry && wsl->Wsle[hint].u1.e1.Valid &&
            wsl->Wsle[hint].u1.e1.VirtualPageNumber == page)
            return hint;
    }
    for (uint32_t i = 0; i < wsl->NextNewEntry; i++) {
        if (wsl->Wsle[i].u1.e1.Valid && wsl->Wsle[i].u1.e1.VirtualPageNumber == page)
            return i;
    }
    return WSLE_NULL_INDEX;
}

/*
 * Forget the entries of the shared pages in [Start, End] (a view being unmapped): one pass
 * over the list, from its end, since freeing a locked entry moves the last locked one into
 * its place. Their PTEs are the caller's business. Working-set mutex held.
 */
void MiRemoveSharedWsles(MMSUPPORT *Ws, uintptr_t Start, uintptr_t End)
{
    MMWSL *wsl = Ws->VmWorkingSetList;

    for (uint32_t i = wsl->NextNewEntry; i-- > 0;) {
        uintptr_t va = wsl->Wsle[i].u1.Long & ~(PAGE_SIZE - 1);

        if (wsl->Wsle[i].u1.e1.Valid && !wsl->Wsle[i].u1.e1.Direct && va >= Start && va <= End)
            MiFreeWsle(Ws, i);
    }
}

/* Forget the entry of a page that is being deleted (its PTE is the caller's business). */
void MiRemoveSystemWorkingSetEntry(uint32_t WorkingSetIndex)
{
    MiFreeWsle(&MmSystemCacheWs, WorkingSetIndex);
}

void MiRemoveWorkingSetEntry(MMSUPPORT *Ws, uint32_t WorkingSetIndex)
{
    MiFreeWsle(Ws, WorkingSetIndex);
}

/*
 * Lock entry Index in the working set with Flags (MI_WSLE_LOCKED_IN_WS, _IN_MEMORY): an entry
 * not yet locked joins the locked ones at the front. Returns its index now. Working-set mutex
 * held.
 */
uint32_t MiLockWsle(MMSUPPORT *Ws, uint32_t Index, uint32_t Flags)
{
    MMWSL *wsl = Ws->VmWorkingSetList;
    uint32_t slot = wsl->FirstDynamic;

    if (Index >= slot) {
        if (Index != slot && !wsl->Wsle[slot].u1.e1.Valid) {
            MiUnlinkFreeWsle(wsl, slot);
            MiMoveWsle(wsl, Index, slot);
            wsl->Wsle[Index].u1.Long = wsl->FirstFree << MM_FREE_WSLE_SHIFT;
            wsl->FirstFree = Index;
        } else if (Index != slot) {
            MiSwapWslEntries(wsl, Index, slot);
        }
        wsl->FirstDynamic++;
        Index = slot;
    }
    wsl->Wsle[Index].u1.Long |= Flags;
    return Index;
}

/*
 * Clear Flags on locked entry Index; an entry left with neither lock goes back among the
 * dynamic ones (the last locked entry takes its place). Working-set mutex held.
 */
void MiUnlockWsle(MMSUPPORT *Ws, uint32_t Index, uint32_t Flags)
{
    MMWSL *wsl = Ws->VmWorkingSetList;

    wsl->Wsle[Index].u1.Long &= ~Flags;
    if (wsl->Wsle[Index].u1.Long & MI_WSLE_LOCKED)
        return;
    if (--wsl->FirstDynamic != Index)
        MiSwapWslEntries(wsl, Index, wsl->FirstDynamic);
}

/*
 * A system working-set page that holds prototype PTEs of resident pages has a share for each
 * (as a page table has for its valid PTEs): it must stay valid, since those prototype PTEs are
 * read and written under the PFN lock. Only NT's rule tells: a share count above one.
 */
static bool MiIsPinnedSystemPage(const MMSUPPORT *Ws, const MMPFN *Pfn)
{
    return !Ws->IsProcess && Pfn->u2.ShareCount > 1;
}

/*
 * Take entry Index's page out of the working set (false, nothing done: a pinned system page).
 * A private page's PTE becomes a transition PTE, a shared page's goes back to pointing at its
 * prototype PTE (the encoded address, or the lookup-needed form with the protection this
 * process had for it) and its page table loses that share; the TB entry is flushed at once.
 * A dirty PTE makes the page modified (its old paging-file copy, now stale, is released) and,
 * in a write-watch region, leaves its mark in the region's bitmap. The page goes to the standby
 * or modified list when no PTE maps it any more (a shared page's prototype PTE then becomes
 * a transition PTE: MiDecrementShareCount).
 */
bool MiEvictWsle(MMSUPPORT *Ws, uint32_t Index)
{
    MMWSL *wsl = Ws->VmWorkingSetList;
    MMWSLE wsle = wsl->Wsle[Index];
    uintptr_t va = wsle.u1.Long & ~(PAGE_SIZE - 1);
    volatile MMPTE *pte = MiGetPteAddress(va);
    MMPTE contents;
    MMPFN *pfn;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    contents.u.Long = pte->u.Long;
    pfn = MI_PFN_ELEMENT(contents.u.Hard.PageFrameNumber);
    if (MiIsPinnedSystemPage(Ws, pfn)) {
        UNLOCK_PFN(oldIrql);
        return false;
    }
    if (!wsle.u1.e1.Direct)
        pte->u.Long = wsle.u1.e1.Protection ? MiMakeLookupNeededPte(wsle.u1.e1.Protection).u.Long
                                             : MiProtoAddressForPte(pfn->PteAddress).u.Long;
    else
        pte->u.Long = MiMakeTransitionFromValidPte(contents, pfn->OriginalPte.u.Soft.Protection).u.Long;
    MI_FLUSH_SINGLE_TB(va);
    if (contents.u.Hard.Dirty) {
        MiSetModified(pfn);
        if (Ws->IsProcess) {
            CONTAINING_RECORD(Ws, MMPROCESS, Vm)->ModifiedPageCount++;
            MiCaptureWriteWatchDirtyBit(CONTAINING_RECORD(Ws, MMPROCESS, Vm), va);
        }
    }
    if (!wsle.u1.e1.Direct)
        MiDecrementShareCount(MiGetPteAddress((const void *)pte)->u.Hard.PageFrameNumber);
    MiDecrementShareCount(contents.u.Hard.PageFrameNumber);
    UNLOCK_PFN(oldIrql);
    MiFreeWsle(Ws, Index);
    Ws->TrimmedPages++;
    return true;
}

/* The next valid dynamic entry at or after Slot, wrapping; WSLE_NULL_INDEX if there is none.
 * The locked entries below FirstDynamic are never looked at. */
static uint32_t MiNextValidEntry(const MMWSL *Wsl, uint32_t Slot)
{
    for (uint32_t n = Wsl->FirstDynamic; n < Wsl->NextNewEntry; n++, Slot++) {
        if (Slot >= Wsl->NextNewEntry || Slot < Wsl->FirstDynamic)
            Slot = Wsl->FirstDynamic;
        if (Wsl->Wsle[Slot].u1.e1.Valid)
            return Slot;
    }
    return WSLE_NULL_INDEX;
}

/*
 * The accessed bit of an entry's PTE, cleared as it is read: a recently used page is seen as
 * such once and then ages. The TB entry goes too, or the processor would not set the bit again.
 * The clear is one locked instruction: this runs preemptible (under the working-set mutex
 * only), and a read-modify-write in steps could put back a Dirty bit the processor had just
 * set for another thread's write, losing that write.
 */
static bool MiTestAndClearAccessed(uintptr_t Va)
{
    MMPTE *pte = MiGetPteAddress(Va);

    if (!(__atomic_fetch_and(&pte->u.Long, ~MM_PTE_ACCESS_MASK, __ATOMIC_SEQ_CST) &
          MM_PTE_ACCESS_MASK))
        return false;
    MI_FLUSH_SINGLE_TB(Va);
    return true;
}

/*
 * Replacement, as NT's clock: from NextSlot, an entry not accessed since it was last looked
 * at ages; the first with age >= 2 is the one, or after MM_WORKING_SET_LIST_SEARCH candidates
 * the oldest seen. When every page stays accessed to the end of the scan there is no
 * candidate, and the last valid entry looked at goes. Returns its index, or WSLE_NULL_INDEX if
 * the set is empty.
 */
uint32_t MiFindReplacementEntry(MMSUPPORT *Ws)
{
    MMWSL *wsl = Ws->VmWorkingSetList;
    uint32_t slot = wsl->NextSlot, oldest = WSLE_NULL_INDEX, oldestAge = 0;
    uint32_t dynamic = Ws->WorkingSetSize - wsl->FirstDynamic;
    uint32_t limit = 2 * dynamic + MM_WORKING_SET_LIST_SEARCH;

    if (dynamic == 0)
        return WSLE_NULL_INDEX;
    for (uint32_t examined = 0;; examined++, slot++) {
        MMWSLE *wsle;

        slot = MiNextValidEntry(wsl, slot);
        wsle = &wsl->Wsle[slot];
        if (MiIsPinnedSystemPage(Ws, MiWslePfn(wsle))) {
            /* not a candidate */
        } else if (MiTestAndClearAccessed(wsle->u1.Long & ~(PAGE_SIZE - 1))) {
            wsle->u1.e1.Age = 0;
        } else {
            if (wsle->u1.e1.Age >= MI_IMMEDIATE_REPLACEMENT_AGE)
                return slot;
            if (oldest == WSLE_NULL_INDEX || wsle->u1.e1.Age > oldestAge) {
                oldest = slot;
                oldestAge = wsle->u1.e1.Age;
            }
            if (wsle->u1.e1.Age < MI_MAXIMUM_AGE)
                wsle->u1.e1.Age++;
        }
        if (examined >= MM_WORKING_SET_LIST_SEARCH && oldest != WSLE_NULL_INDEX)
            return oldest;
        if (examined + 1 == limit)
            return slot;
    }
}

/* Take one page out of the set, the clock's choice. False if the set has nothing to give. */
bool MiReplaceWorkingSetEntry(MMSUPPORT *Ws)
{
    uint32_t slot = MiFindReplacementEntry(Ws);

    if (slot == WSLE_NULL_INDEX)
        return false;
    Ws->VmWorkingSetList->NextSlot = slot + 1;
    return MiEvictWsle(Ws, slot);
}

/* Age Sample entries from NextAgingSlot: accessed ones restart at 0, the others get older. */
void MiAgeWorkingSet(MMSUPPORT *Ws, uint32_t Sample)
{
    MMWSL *wsl = Ws->VmWorkingSetList;
    uint32_t slot = Ws->NextAgingSlot;

    for (uint32_t n = 0; n < MIN(Sample, Ws->WorkingSetSize - wsl->FirstDynamic); n++, slot++) {
        MMWSLE *wsle;

        slot = MiNextValidEntry(wsl, slot);
        wsle = &wsl->Wsle[slot];
        if (MiTestAndClearAccessed(wsle->u1.Long & ~(PAGE_SIZE - 1)))
            wsle->u1.e1.Age = 0;
        else if (wsle->u1.e1.Age < MI_MAXIMUM_AGE)
            wsle->u1.e1.Age++;
    }
    Ws->NextAgingSlot = slot;
}

/*
 * Take up to Reduction pages out of the set, those not accessed and at least TrimAge old,
 * scanning once from NextSlot, and never below the minimum. A TrimAge of 0 takes any page,
 * accessed or not, and goes below the minimum: it empties the set of all but its locked
 * pages. Returns how many left.
 */
uint32_t MiTrimWorkingSet(MMSUPPORT *Ws, uint32_t Reduction, uint32_t TrimAge)
{
    MMWSL *wsl = Ws->VmWorkingSetList;
    uint32_t trimmed = 0, slot = wsl->NextSlot, scan = Ws->WorkingSetSize - wsl->FirstDynamic;
    uint32_t floor = MAX(TrimAge ? Ws->MinimumWorkingSetSize : 0, wsl->FirstDynamic);

    for (uint32_t n = 0; n < scan && trimmed < Reduction && Ws->WorkingSetSize > floor;
         n++, slot++) {
        MMWSLE *wsle;

        slot = MiNextValidEntry(wsl, slot);
        wsle = &wsl->Wsle[slot];
        if (TrimAge && MiTestAndClearAccessed(wsle->u1.Long & ~(PAGE_SIZE - 1))) {
            wsle->u1.e1.Age = 0;
        } else if (wsle->u1.e1.Age >= TrimAge) {
            trimmed += MiEvictWsle(Ws, slot);
        } else if (wsle->u1.e1.Age < MI_MAXIMUM_AGE) {
            wsle->u1.e1.Age++;
        }
    }
    wsl->NextSlot = slot;
    return trimmed;
}
