/*
 * mm/pfnlist.c: the page lists of the PFN database and the counts that move pages between
 * them, with NT's rules (pfnlist.c, pfndec.c):
 *
 *   ZeroedPageList   pages known to be zero; inserted at the head
 *   FreePageList     pages with stale contents          } inserted at the tail;
 *   StandbyPageList  clean pages still holding data     } 0-2 are MmAvailablePages
 *   ModifiedPageList dirty pages waiting for the writer
 *   ModifiedNoWritePageList, BadPageList
 *
 * Each list threads PFN indices through u1.Flink and u2.Blink and ends in MM_EMPTY_LIST.
 * A page on no list is ActiveAndValid (mapped: ShareCount PTEs map it, ReferenceCount holds
 * it in memory) or TransitionPage (I/O in progress, or on its way to a list).
 *
 * Every routine here expects the PFN lock. A broken rule is PFN_LIST_CORRUPT (0x4E):
 *   (0x01, list, page, link)      a list's links do not agree
 *   (0x07, page, share count, 0)  the reference count reached 0 while PTEs still map it
 *   (0x8F, page, location, list)  the page is not where its list says (or is still referenced)
 *   (0x99, page, location, 0)     the share count dropped in a state that has none
 * and an empty system is NO_PAGES_AVAILABLE (0x4D), as is one where threads have waited for
 * pages for NT's seven minutes without any finding them.
 */
#include "mm/mi.h"
#include "hal/hal.h"

#define MI_AVAILABLE_WAIT_MS            100
#define MI_NO_PAGES_TIMEOUT_S           (7 * 60)    /* NT's MmSevenMinutes */
#define MI_WAIT_GAP_TICKS               HAL_CLOCK_HZ /* waits further apart are not one */

MMPFN *MmPfnDatabase;
uint32_t MmLowestPhysicalPage;
uint32_t MmHighestPhysicalPage;
uint32_t MmNumberOfPhysicalPages;
volatile uint32_t MmAvailablePages;
uint32_t MmMinimumFreePages = 32;
uint32_t MmPlentyFreePages = 400;
KSPIN_LOCK MmPfnLock;

MMPFNLIST MmZeroedPageListHead = { 0, ZeroedPageList, MM_EMPTY_LIST, MM_EMPTY_LIST };
MMPFNLIST MmFreePageListHead = { 0, FreePageList, MM_EMPTY_LIST, MM_EMPTY_LIST };
MMPFNLIST MmStandbyPageListHead = { 0, StandbyPageList, MM_EMPTY_LIST, MM_EMPTY_LIST };
MMPFNLIST MmModifiedPageListHead = { 0, ModifiedPageList, MM_EMPTY_LIST, MM_EMPTY_LIST };
MMPFNLIST MmModifiedNoWritePageListHead = { 0, ModifiedNoWritePageList, MM_EMPTY_LIST,
                                             MM_EMPTY_LIST };
MMPFNLIST MmBadPageListHead = { 0, BadPageList, MM_EMPTY_LIST, MM_EMPTY_LIST };

/*
 * The threads that keep pages flowing wait on these: a fault short of pages waits for
 * MmAvailablePagesEvent; the modified page writer for MmModifiedPageWriterEvent, the zero
 * page thread for MmZeroingPageEvent, the working-set manager for MmWorkingSetManagerEvent.
 */
KEVENT MmAvailablePagesEvent, MmModifiedPageWriterEvent, MmZeroingPageEvent;
KEVENT MmWorkingSetManagerEvent;
uint32_t MmModifiedPageMaximum;
uint32_t MmModifiedWriteClusterSize = MM_MAXIMUM_WRITE_CLUSTER;

MMPFNLIST *const MmPageLocationList[NUMBER_OF_PAGE_LISTS] = {
    &MmZeroedPageListHead, &MmFreePageListHead, &MmStandbyPageListHead,
    &MmModifiedPageListHead, &MmModifiedNoWritePageListHead, &MmBadPageListHead, NULL, NULL,
};

void MiInitializePageListEvents(void)
{
    KeInitializeEvent(&MmAvailablePagesEvent, NotificationEvent, true);
    KeInitializeEvent(&MmModifiedPageWriterEvent, SynchronizationEvent, false);
    KeInitializeEvent(&MmZeroingPageEvent, SynchronizationEvent, false);
    KeInitializeEvent(&MmWorkingSetManagerEvent, SynchronizationEvent, false);
    MmModifiedPageMaximum = MmNumberOfPhysicalPages > (33u << 20) / PAGE_SIZE ? 800 : 300;
}

static volatile bool MiPagesAwaited;           /* since MiPagesAwaitedSince, none found */
static volatile uint32_t MiPagesAwaitedSince;   /* KeTickCount */
static volatile uint32_t MiPagesLastAwaited;    /* ... and of the latest wait */

/*
 * The system can make no progress: threads have waited NT's seven minutes for pages and none
 * came. NT's parameters: the dirty pages, those of them bound for a paging file (all of them
 * here), the nonpaged pool still available (pages), the last failed modified write's status.
 */
static __attribute__((noreturn)) void MiNoPagesForSevenMinutes(void)
{
    uint32_t nonPagedLeft = (MmMaximumNonPagedPoolInBytes >> PAGE_SHIFT) - MmAllocatedNonPagedPool;

    DbgPrint("Mm: no pages for %u s: %u available, %u modified, commitment %u of %u pages "
             "(%u owed)\n", MI_NO_PAGES_TIMEOUT_S, MmAvailablePages,
             MmModifiedPageListHead.Total, MmTotalCommittedPages, MmTotalCommitLimit,
             MiCommitLimitOwed);
    KeBugCheckEx(NO_PAGES_AVAILABLE, MmModifiedPageListHead.Total, MmModifiedPageListHead.Total,
                 nonPagedLeft, (uint32_t)MiLastModifiedWriteError);
}

/*
 * Too few pages for the caller: wake the modified page writer and the working-set manager and
 * wait, at most MI_AVAILABLE_WAIT_MS, for Pages to become available; the caller then looks
 * again. Once callers have waited seven minutes without a break and with none finding its
 * pages (NT's bound on a wait for a free page), NO_PAGES_AVAILABLE. Below DISPATCH_LEVEL,
 * holding no lock.
 */
void MiWaitForAvailablePages(uint32_t Pages)
{
    int64_t timeout = KI_MILLISECONDS(MI_AVAILABLE_WAIT_MS);
    uint32_t now = KeTickCount;

    if (!MiPagesAwaited || now - MiPagesLastAwaited > MI_WAIT_GAP_TICKS) {
        MiPagesAwaitedSince = now;
        MiPagesAwaited = true;
    } else if (now - MiPagesAwaitedSince >= MI_NO_PAGES_TIMEOUT_S * HAL_CLOCK_HZ) {
        MiNoPagesForSevenMinutes();
    }
    MiPagesLastAwaited = now;
    KeSetEvent(&MmModifiedPageWriterEvent);
    KeSetEvent(&MmWorkingSetManagerEvent);
    KeClearEvent(&MmAvailablePagesEvent);
    if (MmAvailablePages < Pages)
        KeWaitForSingleObject(&MmAvailablePagesEvent, Executive, KernelMode, false, &timeout);
}

/* A caller that needed pages found them: the system is making progress. */
void MiNoteAvailablePagesFound(void)
{
    MiPagesAwaited = false;
}

/* A page joined a list: wake whoever waits for that. NT's thresholds (pfnlist.c). */
static void MiSignalListInsert(MMLISTS List)
{
    if (List <= StandbyPageList) {
        if (MmAvailablePages >= MmMinimumFreePages && !KeReadStateEvent(&MmAvailablePagesEvent))
            KeSetEvent(&MmAvailablePagesEvent);
        if (List == FreePageList && !KeReadStateEvent(&MmZeroingPageEvent))
            KeSetEvent(&MmZeroingPageEvent);
    } else if (List == ModifiedPageList && MmAvailablePages < MM_PLENTY_FREE_LIMIT) {
        if (MmModifiedPageListHead.Total >= MmModifiedPageMaximum ||
            (MmAvailablePages < MM_TIGHT_LIMIT &&
             MmModifiedPageListHead.Total >= MmModifiedWriteClusterSize))
            KeSetEvent(&MmModifiedPageWriterEvent);
    }
}

static void MiCorrupt(uint32_t Code, uintptr_t P2, uintptr_t P3, uintptr_t P4)
{
    KeBugCheckEx(PFN_LIST_CORRUPT, Code, P2, P3, P4);
}

void MiInsertPageInList(MMPFNLIST *ListHead, uint32_t PageFrameIndex)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);
    MMLISTS list = ListHead->ListName;

    if (pfn->u3.e2.ReferenceCount != 0 || pfn->u3.e1.PageLocation <= BadPageList)
        MiCorrupt(PFN_LIST_CORRUPT_LOCATION, PageFrameIndex, pfn->u3.e1.PageLocation, list);
    if (pfn->u3.e1.RemovalRequested && list <= StandbyPageList) {
        ListHead = &MmBadPageListHead;
        list = BadPageList;
    }

    if (list == ZeroedPageList) {
        pfn->u1.Flink = ListHead->Flink;
        pfn->u2.Blink = MM_EMPTY_LIST;
        if (ListHead->Flink == MM_EMPTY_LIST)
            ListHead->Blink = PageFrameIndex;
        else
            MI_PFN_ELEMENT(ListHead->Flink)->u2.Blink = PageFrameIndex;
        ListHead->Flink = PageFrameIndex;
    } else {
        pfn->u1.Flink = MM_EMPTY_LIST;
        pfn->u2.Blink = ListHead->Blink;
        if (ListHead->Blink == MM_EMPTY_LIST)
            ListHead->Flink = PageFrameIndex;
        else
            MI_PFN_ELEMENT(ListHead->Blink)->u1.Flink = PageFrameIndex;
        ListHead->Blink = PageFrameIndex;
    }
    ListHead->Total++;
    pfn->u3.e1.PageLocation = list;
    if (list <= StandbyPageList)
        MmAvailablePages++;
    MiSignalListInsert(list);
}

/* Take the page off whatever list holds it; its location is left for the caller to set. */
void MiUnlinkPageFromList(MMPFN *Pfn)
{
    uint32_t index = MI_PFN_INDEX(Pfn);
    MMLISTS list = Pfn->u3.e1.PageLocation;
    MMPFNLIST *listHead;
    uint32_t next = Pfn->u1.Flink, previous = Pfn->u2.Blink;

    if (list > BadPageList)
        MiCorrupt(PFN_LIST_CORRUPT_LOCATION, index, list, 0);
    listHead = MmPageLocationList[list];

    if (previous == MM_EMPTY_LIST) {
        if (listHead->Flink != index)
            MiCorrupt(PFN_LIST_CORRUPT_LINKS, (uintptr_t)listHead, index, listHead->Flink);
        listHead->Flink = next;
    } else {
        if (MI_PFN_ELEMENT(previous)->u1.Flink != index)
            MiCorrupt(PFN_LIST_CORRUPT_LINKS, (uintptr_t)listHead, index,
                      MI_PFN_ELEMENT(previous)->u1.Flink);
        MI_PFN_ELEMENT(previous)->u1.Flink = next;
    }
    if (next == MM_EMPTY_LIST) {
        if (listHead->Blink != index)
            MiCorrupt(PFN_LIST_CORRUPT_LINKS, (uintptr_t)listHead, index, listHead->Blink);
        listHead->Blink = previous;
    } else {
        if (MI_PFN_ELEMENT(next)->u2.Blink != index)
            MiCorrupt(PFN_LIST_CORRUPT_LINKS, (uintptr_t)listHead, index,
                      MI_PFN_ELEMENT(next)->u2.Blink);
        MI_PFN_ELEMENT(next)->u2.Blink = previous;
    }
    Pfn->u1.Flink = 0;
    Pfn->u2.Blink = 0;
    listHead->Total--;
    if (list <= StandbyPageList && --MmAvailablePages == MmPlentyFreePages - 1)
        KeSetEvent(&MmWorkingSetManagerEvent);      /* memory just became short: trim now */
}

/* The first page of a list, unlinked and left in TransitionPage; MM_EMPTY_LIST if none. */
static uint32_t MiRemovePageFromList(MMPFNLIST *ListHead)
{
    uint32_t index = ListHead->Flink;
    MMPFN *pfn;

    if (index == MM_EMPTY_LIST)
        return MM_EMPTY_LIST;
    pfn = MI_PFN_ELEMENT(index);
    if (pfn->u3.e1.PageLocation != ListHead->ListName)
        MiCorrupt(PFN_LIST_CORRUPT_LOCATION, index, pfn->u3.e1.PageLocation, ListHead->ListName);
    MiUnlinkPageFromList(pfn);
    if (ListHead->ListName == StandbyPageList)
        MiRestoreTransitionPte(index);
    pfn->u3.e1.PageLocation = TransitionPage;
    pfn->u3.e1.PrototypePte = 0;            /* whoever takes it says what maps it next */
    return index;
}

static __attribute__((noreturn)) void MiNoPagesAvailable(void)
{
    KeBugCheckEx(NO_PAGES_AVAILABLE, MmModifiedPageListHead.Total, MmNumberOfPhysicalPages,
                 MmAvailablePages, 0);
}

/*
 * Where Pfn's PTE can be read and written under the PFN lock: in place when it is system space
 * mapped here, else through a hyperspace window on the page that holds it (PteFrame): a user
 * PTE, perhaps of another process, or a prototype PTE whose paged pool page table this process
 * has not picked up yet. MiUnmapPfnPte gives the window back.
 */
volatile MMPTE *MiMapPfnPte(const MMPFN *Pfn, void **Mapped, KIRQL *HyperIrql)
{
    MMPTE *pte = (MMPTE *)((uintptr_t)Pfn->PteAddress & ~(uintptr_t)1);
    MMPTE table;

    *Mapped = NULL;
    if (!MiIsUserPteAddress(pte) && MmIsAddressValid(pte))
        return pte;
    /* A user PTE of the current process (its page table mapped in the self-map here, the
     * PDE naming the page's PteFrame) is reached in place, as the process's own faults reach
     * it: the common case, a process reusing its own standby pages. */
    if (MiIsUserPteAddress(pte)) {
        table = *MiGetPteAddress(pte);          /* (in the directory itself: always there) */
        if (table.u.Hard.Valid && !table.u.Hard.LargePage &&
            table.u.Hard.PageFrameNumber == Pfn->u4.PteFrame)
            return pte;
    }
    *Mapped = MiMapPageInHyperSpace(Pfn->u4.PteFrame, HyperIrql);
    return (volatile MMPTE *)((uintptr_t)*Mapped + BYTE_OFFSET(pte));
}

void MiUnmapPfnPte(void *Mapped, KIRQL HyperIrql)
{
    if (Mapped)
        MiUnmapPageInHyperSpace(Mapped, HyperIrql);
}

/*
 * A standby page is about to be reused: the transition PTE that still points at it becomes
 * the PTE it was before the page came in (its OriginalPte: demand zero or a paging-file
 * slot), and its page table — or the paged pool page of its prototype PTE — loses the share
 * that PTE held. A user page's PTE may be in any process's page table, so it is reached
 * through hyperspace by the table's frame, as NT does.
 */
void MiRestoreTransitionPte(uint32_t PageFrameIndex)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);
    KIRQL hyperIrql = PASSIVE_LEVEL;
    void *mapped;
    volatile MMPTE *pte = MiMapPfnPte(pfn, &mapped, &hyperIrql);

    if (pte->u.Hard.Valid || !pte->u.Soft.Transition || pte->u.Soft.Prototype ||
        pte->u.Trans.PageFrameNumber != PageFrameIndex)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_TRANSITION_PTE,
                     (uintptr_t)pfn->PteAddress, pte->u.Long, PageFrameIndex);
    pte->u.Long = pfn->OriginalPte.u.Long;
    MiUnmapPfnPte(mapped, hyperIrql);
    MiDecrementShareCount(pfn->u4.PteFrame);
}

/* Any available page, for a caller that will overwrite it: free, then zeroed, then standby. */
uint32_t MiRemoveAnyPage(void)
{
    uint32_t index = MiRemovePageFromList(&MmFreePageListHead);

    if (index == MM_EMPTY_LIST)
        index = MiRemovePageFromList(&MmZeroedPageListHead);
    if (index == MM_EMPTY_LIST)
        index = MiRemovePageFromList(&MmStandbyPageListHead);
    if (index == MM_EMPTY_LIST)
        MiNoPagesAvailable();
    return index;
}

/* A page of zeroes: from the zeroed list, or any page zeroed through hyperspace. */
uint32_t MiRemoveZeroPage(void)
{
    uint32_t index = MiRemovePageFromList(&MmZeroedPageListHead);

    if (index == MM_EMPTY_LIST) {
        index = MiRemoveAnyPage();
        MiZeroPhysicalPage(index);
    }
    return index;
}

/*
 * A page for kernel memory that is written a piece at a time and never whole: kernel stacks
 * (nonpaged pool's expansion pages are zeroed after the PFN lock is let go, allocpag.c). NT
 * takes any page for these (MiRemoveAnyPage: their contents are the
 * kernel's own to set); mm386 takes a zeroed one. Under QEMU's TCG, a physical page that once
 * held code that ran (a process's image page, or the firmware's relocated start-up code at
 * the top of memory) keeps its translated blocks until a store lands on each of them, and
 * until then every store to the page goes through the emulator's slow self-modifying-code
 * path. A kernel stack on such a page made each system call 80 times slower
 * (syscall_close_invalid_per_s 8k instead of 900k at 32 MiB); a page written whole first sheds
 * them. From the zeroed list this costs nothing; otherwise one page of zeroing.
 */
uint32_t MiRemoveKernelPage(void)
{
    return MiRemoveZeroPage();
}

uint32_t MiRemoveZeroPageIfAny(void)
{
    uint32_t index = MiRemovePageFromList(&MmZeroedPageListHead);

    return index == MM_EMPTY_LIST ? 0 : index;
}

/*
 * A page just taken from a list is now mapped by PointerPte: one reference, one share, its
 * original PTE remembered, and the page table that holds PointerPte gains a share. When
 * PointerPte is a prototype PTE the page is a shared one (PrototypePte), its share counting the
 * process PTEs that map it, and the paged pool page holding the prototype gains the share.
 */
void MiInitializePfn(uint32_t PageFrameIndex, MMPTE *PointerPte, bool Modified)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);
    uint32_t tableFrame = MiGetPteAddress(PointerPte)->u.Hard.PageFrameNumber;

    pfn->PteAddress = PointerPte;
    pfn->OriginalPte = *PointerPte;
    pfn->u3.e2.ReferenceCount = 1;
    pfn->u2.ShareCount = 1;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    pfn->u3.e1.Modified = Modified;
    pfn->u3.e1.PrototypePte = MiIsPrototypePteAddress(PointerPte);
    pfn->u4.PteFrame = tableFrame;
    MI_PFN_ELEMENT(tableFrame)->u2.ShareCount++;
}

/*
 * One PTE less maps the page. At zero shares the page leaves the active state; a shared
 * page's prototype PTE becomes a transition PTE then (a private page's PTE already is one:
 * whoever unmapped it made it so), with the protection it was made with.
 */
void MiDecrementShareCount(uint32_t PageFrameIndex)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);

    if (pfn->u3.e1.PageLocation != ActiveAndValid && pfn->u3.e1.PageLocation != StandbyPageList)
        MiCorrupt(PFN_LIST_CORRUPT_SHARE_STATE, PageFrameIndex, pfn->u3.e1.PageLocation, 0);
    if (pfn->u2.ShareCount == 0)
        MiCorrupt(PFN_LIST_CORRUPT_SHARE_STATE, PageFrameIndex, pfn->u3.e1.PageLocation, 1);
    if (--pfn->u2.ShareCount != 0)
        return;

    if (pfn->u3.e1.PrototypePte && !MI_IS_PFN_DELETED(pfn)) {
        KIRQL hyperIrql = PASSIVE_LEVEL;
        void *mapped;
        volatile MMPTE *proto = MiMapPfnPte(pfn, &mapped, &hyperIrql);
        MMPTE contents = { .u.Long = proto->u.Long };

        if (!contents.u.Hard.Valid || contents.u.Hard.PageFrameNumber != PageFrameIndex)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PROTOTYPE_PTE,
                         (uintptr_t)pfn->PteAddress, contents.u.Long, PageFrameIndex);
        proto->u.Long = MiMakeTransitionFromValidPte(contents,
                                                     pfn->OriginalPte.u.Soft.Protection).u.Long;
        MiUnmapPfnPte(mapped, hyperIrql);
    }
    pfn->u3.e1.PageLocation = TransitionPage;
    MiDecrementReferenceCount(PageFrameIndex);
}

/*
 * One reference less holds the page. At zero it goes to a list: free if it was deleted
 * (its paging-file copy released), modified if dirty, bad if removal was asked for, else
 * standby, where a soft fault can still take it back.
 */
void MiDecrementReferenceCount(uint32_t PageFrameIndex)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);

    if (pfn->u3.e2.ReferenceCount == 0)
        MiCorrupt(PFN_LIST_CORRUPT_LOCATION, PageFrameIndex, pfn->u3.e1.PageLocation, 0);
    if (--pfn->u3.e2.ReferenceCount != 0)
        return;
    if (pfn->u2.ShareCount != 0)
        MiCorrupt(PFN_LIST_CORRUPT_SHARE_COUNT, PageFrameIndex, pfn->u2.ShareCount, 0);

    if (MI_IS_PFN_DELETED(pfn)) {
        MiReleasePageFileSpace(pfn->OriginalPte);
        pfn->u3.e1.Modified = 0;
        MiInsertPageInList(&MmFreePageListHead, PageFrameIndex);
    } else if (pfn->u3.e1.Modified && MiIsModifiedWriteDisabled(pfn)) {
        MiInsertPageInList(&MmModifiedNoWritePageListHead, PageFrameIndex);
    } else if (pfn->u3.e1.Modified) {
        MiInsertPageInList(&MmModifiedPageListHead, PageFrameIndex);
    } else if (pfn->u3.e1.RemovalRequested) {
        MiInsertPageInList(&MmBadPageListHead, PageFrameIndex);
    } else {
        MiInsertPageInList(&MmStandbyPageListHead, PageFrameIndex);
    }
}

/*
 * Free the page that the valid system PTE PointerPte maps: the PTE becomes zero, the page
 * (marked deleted) goes to the free list and its page table loses a share. PFN lock held.
 */
void MiDeleteSystemPte(MMPTE *PointerPte)
{
    uint32_t index = PointerPte->u.Hard.PageFrameNumber;
    MMPFN *pfn = MI_PFN_ELEMENT(index);

    PointerPte->u.Long = MM_ZERO_PTE;
    MI_FLUSH_SINGLE_TB(MiGetVirtualAddressMappedByPte(PointerPte));
    MI_SET_PFN_DELETED(pfn);
    MiDecrementShareCount(pfn->u4.PteFrame);
    MiDecrementShareCount(index);
}

/*
 * The page's contents changed since its paging-file copy was made (NT's MI_SET_MODIFIED): it
 * must be written again, so the stale copy's slot is released, unless a write of it is in
 * progress, whose completion deals with the slot. PFN lock held.
 */
void MiSetModified(MMPFN *Pfn)
{
    if (Pfn->u3.e1.Modified)
        return;
    Pfn->u3.e1.Modified = 1;
    if (!Pfn->u3.e1.WriteInProgress && MiReleasePageFileSpace(Pfn->OriginalPte))
        Pfn->OriginalPte.u.Soft.PageFileHigh = 0;
}

/* Every standby page is reused at once: its PTE gets back its paging-file slot, the page goes
 * to the free list. Returns how many. */
uint32_t MmPurgeStandbyList(void)
{
    uint32_t purged = 0;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    while (MmStandbyPageListHead.Total) {
        uint32_t page = MiRemovePageFromList(&MmStandbyPageListHead);

        MiInsertPageInList(&MmFreePageListHead, page);
        purged++;
    }
    UNLOCK_PFN(oldIrql);
    return purged;
}
