/*
 * mm/pagfault.c: MiDispatchFault and its resolvers, one per state an invalid PTE can hold
 * (NT's pagfault.c):
 *
 *   demand zero (software PTE, no slot)  a page of zeroes             STATUS_PAGE_FAULT_DEMAND_ZERO
 *   transition                           the page is still in memory:  STATUS_PAGE_FAULT_TRANSITION
 *                                        take it back from its list
 *   transition, read in progress         another fault is reading it:  STATUS_REFAULT_COLLIDED
 *                                        wait for that read (collided)
 *   paging file (software PTE, a slot)   read it, with the following   STATUS_PAGE_FAULT_PAGING_FILE
 *                                        pages of the same file
 *
 * Called with the working-set mutex held (MmAccessFault takes it); a resolver that must wait —
 * for a read, for another fault's read, for free pages — lets go of it meanwhile, and
 * STATUS_REFAULT sends the faulting instruction round again.
 *
 * A process PTE pointing at a prototype PTE (a view of a section) is MiResolveProtoPteFault's:
 * the prototype itself goes through the same resolvers (NT's six states: valid, transition —
 * the page on the standby, modified or modified-no-write list —, demand zero, paging file, and
 * a subsection PTE: a module image's copied from the module, a data file's or an image file's
 * read through the file system (MiResolveMappedFileFault)), then the process PTE (or a system
 * cache view's PTE) is made valid on the page the
 * prototype now maps (MiCompleteProtoPteFault): the page's share count counts the process
 * PTEs that map it.
 * Prototype PTEs are in paged pool, so the page holding one is made valid first and kept so
 * while it holds the PFN lock (MiMakeSystemAddressValidPfn), and it stays so while any page
 * its prototypes map is in memory (each such page gives it a share; wslist.c never evicts a
 * system page with more than one).
 */
#include "mm/mi.h"

#define MI_FAULT_RESERVE        16      /* pages kept for the system when faults must wait */
#define MI_SECTOR_SIZE          512     /* an image's reads end on a sector */

MMINFO_COUNTERS MmInfoCounters;

/*
 * One fault: the working set and address it is for, and, for a prototype PTE fault, the
 * process PTE (still holding UserContents) to make valid on the page once the prototype PTE
 * maps it, with this process's Protection for it.
 */
typedef struct _MI_FAULT {
    MMSUPPORT *Ws;
    uintptr_t VirtualAddress;
    bool SetDirty;                      /* a new valid PTE may be dirty already */
    bool Write;
    MMPTE *UserPte;                     /* NULL: the PTE resolved maps the page itself */
    MMPTE UserContents;
    uint32_t Protection;
    bool Sequential;                    /* its read continued a sequential run */
} MI_FAULT;

/* NT's MmReadWrite test: does the MM_* Protection allow a read (or a write)? */
static bool MiProtectionAllows(uint32_t Protection, bool StoreInstruction)
{
    static const uint8_t MmReadWrite[8] = { 1, 10, 10, 10, 11, 11, 11, 11 };

    return MmReadWrite[Protection & MM_PROTECTION_OPERATION_MASK] - StoreInstruction >= 10 &&
           Protection != MM_NOACCESS;
}

/*
 * In-page support blocks (NT's MMINPAGE_SUPPORT): the event the faults that collide with a
 * read wait on. The read holds its block, and so does each collided fault until it has woken,
 * so a block outlives the fault that started the read for as long as anyone may still wait on
 * it. They come from a fixed set, handed out and returned under the PFN lock.
 */
#define MI_INPAGE_SUPPORT_BLOCKS 32
#define MI_INPAGE_SUPPORT_WAIT_MS 10

typedef struct _MMINPAGE_SUPPORT {
    KEVENT Event;                       /* first: a PFN's u1.Event points at the block */
    uint32_t WaitCount;                 /* the read, and each collided fault */
    struct _MMINPAGE_SUPPORT *Next;     /* on the free list */
    /* The read itself, from MiResolvePageFileFault to MiCompletePageFileRead: */
    MMPAGING_FILE *File;                /* NULL: a data file's page (FileObject) */
    uint32_t Slot;                      /* of the faulting page; the cluster follows it */
    FILE_OBJECT *FileObject;            /* a mapped file's in-page read: the file (referenced
                                         * for the read), where the faulting page is in it, */
    int64_t FileOffset;
    uint32_t FileBytes;                 /* ... and the file's bytes from there (an image's
                                         * subsection ends; the rest of the pages is zeroes) */
    uint32_t Count;
    MDL Mdl;                            /* the read's pages, as NT's: the frames follow it */
    uint32_t Frames[MM_MAXIMUM_READ_AHEAD_CLUSTER];     /* MM_READ_AHEAD_CLUSTER's too */
    NTSTATUS ClusterStatus;             /* the read of the whole cluster */
    NTSTATUS Status;                    /* ... and of the faulting page (alone, if retried) */
    LIST_ENTRY ReadAheadLinks;          /* a read ahead: on MiReadAheadQueue until read */
} MMINPAGE_SUPPORT;
_Static_assert(MM_READ_AHEAD_CLUSTER <= MM_MAXIMUM_READ_AHEAD_CLUSTER, "a read ahead's frames");

_Static_assert(offsetof(MMINPAGE_SUPPORT, Event) == 0, "a PFN's u1.Event is its block");
_Static_assert(offsetof(MMINPAGE_SUPPORT, Frames) == offsetof(MMINPAGE_SUPPORT, Mdl) + sizeof(MDL),
               "the MDL's page array is Frames");

static MMINPAGE_SUPPORT MiInPageSupport[MI_INPAGE_SUPPORT_BLOCKS];
static MMINPAGE_SUPPORT *MiFreeInPageSupport;
static uint32_t MiInPageSupportMade, MiInPageSupportInUse;

/* A block for a new read, its event not signaled; NULL if all are in use. PFN lock held. */
static MMINPAGE_SUPPORT *MiGetInPageSupportBlock(void)
{
    MMINPAGE_SUPPORT *support = MiFreeInPageSupport;

    if (support)
        MiFreeInPageSupport = support->Next;
    else if (MiInPageSupportMade < MI_INPAGE_SUPPORT_BLOCKS)
        support = &MiInPageSupport[MiInPageSupportMade++];
    else
        return NULL;
    KeInitializeEvent(&support->Event, NotificationEvent, false);
    support->WaitCount = 1;
    MiInPageSupportInUse++;
    return support;
}

/* One holder of the block is done with it. PFN lock held. */
static void MiDereferenceInPageSupportBlock(MMINPAGE_SUPPORT *Support)
{
    if (--Support->WaitCount == 0) {
        Support->Next = MiFreeInPageSupport;
        MiFreeInPageSupport = Support;
        MiInPageSupportInUse--;
    }
}

/* Too few pages to resolve a fault: let the working set go and wait (bounded) until pages are
 * available again. The fault is then retried. */
static NTSTATUS MiWaitForFaultPages(MMSUPPORT *Ws)
{
    MmInfoCounters.PageWaitCount++;
    MiUnlockWorkingSet(Ws);
    MiWaitForAvailablePages(MmMinimumFreePages);
    MiLockWorkingSet(Ws);
    return STATUS_REFAULT;
}

/*
 * A prototype PTE's page (paged pool) made valid under the PFN lock for a fault (NT's
 * MiMakeSystemAddressValidPfn, and ...SystemWs for a fault of the system working set: a
 * system cache view's fault holds that set's mutex, which a fault on paged pool needs too, so
 * it is let go with the PFN lock while the page is touched). True if the locks were let go.
 */
static bool MiMakeProtoValidForFault(MI_FAULT *Fault, const void *VirtualAddress, KIRQL *OldIrql)
{
    bool released = false;

    if (Fault->Ws->IsProcess)
        return MiMakeSystemAddressValidPfn(VirtualAddress, OldIrql);
    while (!MmIsAddressValid(VirtualAddress)) {
        UNLOCK_PFN(*OldIrql);
        MiUnlockSystemWorkingSet();
        (void)*(volatile const uint32_t *)VirtualAddress;
        MiLockSystemWorkingSet();
        LOCK_PFN(*OldIrql);
        released = true;
    }
    return released;
}

/*
 * Take the PFN lock to resolve a fault on PointerPte: STATUS_SUCCESS with the lock held, or
 * STATUS_REFAULT without it when the PTE is no longer what the fault was dispatched on (a
 * standby page can be reused, and its PTE restored, by anyone holding the PFN lock, working-
 * set mutex or not), or when the fault needs pages and too few are available (after waiting
 * for some).
 */
static NTSTATUS MiLockPfnForFault(MI_FAULT *Fault, MMPTE *PointerPte, MMPTE Contents,
                                  bool NeedsPages, KIRQL *OldIrql)
{
    LOCK_PFN(*OldIrql);
    if (Fault->UserPte)
        MiMakeProtoValidForFault(Fault, PointerPte, OldIrql);
    if (((volatile MMPTE *)PointerPte)->u.Long != Contents.u.Long ||
        (Fault->UserPte && Fault->UserPte->u.Long != Fault->UserContents.u.Long)) {
        UNLOCK_PFN(*OldIrql);
        return STATUS_REFAULT;
    }
    if (NeedsPages && MmAvailablePages < MI_FAULT_RESERVE) {
        UNLOCK_PFN(*OldIrql);
        return MiWaitForFaultPages(Fault->Ws);
    }
    if (NeedsPages)
        MiNoteAvailablePagesFound();
    return STATUS_SUCCESS;
}

/*
 * NT's MiCompleteProtoPteFault, the prototype now valid on PageFrameIndex: the process PTE maps
 * the page too (one more share, and one for its page table), dirty at once for a write that is
 * not copy-on-write (the page is then modified: its paging-file copy is stale). A write to a
 * copy-on-write page maps it read-only first; the write faults again and gets its copy
 * (MiCopyOnWrite). The entry's protection is kept in the working set when it is not the
 * prototype's, so trimming can say it again. PFN lock held.
 */
static void MiCompleteProtoPteFault(MI_FAULT *Fault, uint32_t PageFrameIndex)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);
    bool dirty = Fault->Write && !MI_IS_COPY_ON_WRITE(Fault->Protection);

    MI_PFN_ELEMENT(MiGetPteAddress(Fault->UserPte)->u.Hard.PageFrameNumber)->u2.ShareCount++;
    if (dirty)
        MiSetModified(pfn);
    Fault->UserPte->u.Long = (PageFrameIndex << PAGE_SHIFT) | MM_PTE_VALID_MASK |
                             MM_PTE_ACCESS_MASK | MiPteOwnerMask(Fault->UserPte) |
                             MiProtectToPteMask(Fault->Protection) |
                             (dirty ? MM_PTE_DIRTY_MASK : 0);
    if (Fault->Protection == pfn->OriginalPte.u.Soft.Protection)
        Fault->Protection = 0;
}

/* The page PointerPte now maps valid goes into the working set (a prototype's: through the
 * process PTE). PFN lock held on entry, released. */
static void MiFinishFault(MI_FAULT *Fault, uint32_t PageFrameIndex, KIRQL OldIrql)
{
    uint32_t index;

    if (Fault->UserPte)
        MiCompleteProtoPteFault(Fault, PageFrameIndex);
    UNLOCK_PFN(OldIrql);
    index = MiInsertWorkingSetEntry(Fault->Ws, Fault->VirtualAddress, PageFrameIndex);
    if (Fault->UserPte)
        Fault->Ws->VmWorkingSetList->Wsle[index].u1.e1.Protection = Fault->Protection;
}

/* All the in-page support blocks are in reads: give them a moment (with the working set
 * released, so those reads can finish) and fault again. */
static NTSTATUS MiWaitForInPageSupport(MMSUPPORT *Ws)
{
    int64_t pause = KI_MILLISECONDS(MI_INPAGE_SUPPORT_WAIT_MS);

    MiUnlockWorkingSet(Ws);
    KeDelayExecutionThread(KernelMode, false, &pause);
    MiLockWorkingSet(Ws);
    return STATUS_REFAULT;
}

/* A zeroed page for PointerPte, valid with the protection the PTE carried, dirty already
 * (NT's saving of the processor's second walk) unless write watch must see the first write. */
static NTSTATUS MiResolveDemandZeroFault(MI_FAULT *Fault, MMPTE *PointerPte, MMPTE Contents)
{
    uint32_t protection = Contents.u.Soft.Protection;
    uint32_t frame;
    NTSTATUS status;
    KIRQL oldIrql;

    status = MiLockPfnForFault(Fault, PointerPte, Contents, true, &oldIrql);
    if (status != STATUS_SUCCESS)
        return status;
    frame = MiRemoveZeroPage();
    MiInitializePfn(frame, PointerPte, true);
    PointerPte->u.Long = (frame << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                         (Fault->SetDirty ? MM_PTE_DIRTY_MASK : 0) | MiProtectToPteMask(protection) |
                         MiPteOwnerMask(PointerPte);
    if (Fault->Ws->IsProcess && !MiIsPrototypePteAddress(PointerPte))
        CONTAINING_RECORD(Fault->Ws, MMPROCESS, Vm)->NumberOfPrivatePages++;
    MiFinishFault(Fault, frame, oldIrql);
    MmInfoCounters.DemandZeroCount++;
    return STATUS_PAGE_FAULT_DEMAND_ZERO;
}

/*
 * Another fault is reading this page in: hold the page and the read's in-page block, wait for
 * the read with the working set released, let both go, and fault again, which will find the
 * page valid or in memory. PFN lock held on entry; released on return.
 */
static NTSTATUS MiWaitForCollidedFault(MMSUPPORT *Ws, uint32_t PageFrameIndex, KIRQL OldIrql)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);
    MMINPAGE_SUPPORT *support = (MMINPAGE_SUPPORT *)pfn->u1.Event;

    support->WaitCount++;
    pfn->u3.e2.ReferenceCount++;
    UNLOCK_PFN(OldIrql);
    MiUnlockWorkingSet(Ws);
    KeWaitForSingleObject(&support->Event, Executive, KernelMode, false, NULL);
    MiLockWorkingSet(Ws);
    LOCK_PFN(OldIrql);
    MiDecrementReferenceCount(PageFrameIndex);
    MiDereferenceInPageSupportBlock(support);
    UNLOCK_PFN(OldIrql);
    MmInfoCounters.CollidedFaultCount++;
    return STATUS_REFAULT_COLLIDED;
}

/* A transition page mapped by PointerPte again, as a soft fault maps it: off its list if it
 * is on one (not if a write holds it), one more reference and share, valid (and dirty if
 * Dirty). PFN lock held. */
static void MiMakeTransitionPteValid(MMPTE *PointerPte, MMPTE Contents, bool Dirty)
{
    MMPFN *pfn = MI_PFN_ELEMENT(Contents.u.Trans.PageFrameNumber);

    if (pfn->u3.e2.ReferenceCount == 0)
        MiUnlinkPageFromList(pfn);
    pfn->u3.e2.ReferenceCount++;
    pfn->u2.ShareCount++;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    *PointerPte = MiMakeValidFromTransitionPte(PointerPte, Contents, Dirty);
}

/*
 * Fault-around (a departure from NT, whose soft fault makes only its own page valid): a soft
 * fault of a process on a private page whose predecessor is valid, the sign of a forward
 * sweep, makes valid with it the pages that follow in the same page table while they wait on
 * the standby or modified list, up to MI_FAULT_AROUND_PAGES, stopping at the first that does
 * not (or that the sweep's read ahead waits for a fault on, or that is a guard page or no
 * access). Each is taken off its list and mapped as its own soft fault would map it, but not
 * accessed and not dirty, so a page the sweep never touches ages out first; one it writes
 * becomes modified when it leaves, as any, and a modified page stays so (its PFN says it).
 * Only while memory is plentiful, as the read-ahead: then no page of the working set is
 * replaced for one mapped around (wslist.c replaces only below MM_PLENTY_FREE_LIMIT), and the
 * pages kept back for the system stay; never for a hard maximum. The faults this saves are a
 * sweep's through pages a cluster or a read ahead brought in: under QEMU's TCG each costs
 * some 12000 cycles, most of them the trap, against a few hundred for a page's bookkeeping.
 * Working-set mutex held.
 */
#define MI_FAULT_AROUND_PAGES   15

uint32_t MiFaultAroundPages;            /* pages made valid this way (PFN lock): !vm, tests */

static void MiMapTransitionNeighbours(MMSUPPORT *Ws, MMPTE *PointerPte)
{
    uint32_t frames[MI_FAULT_AROUND_PAGES], count = 0;
    MMPTE *pte = PointerPte + 1;
    KIRQL oldIrql;

    if (!Ws->IsProcess || Ws->MaximumWorkingSetHard ||
        MmAvailablePages < MM_PLENTY_FREE_LIMIT + MI_FAULT_AROUND_PAGES ||
        MiIsPteOnPdeBoundary(PointerPte) ||
        (uintptr_t)MiGetVirtualAddressMappedByPte(PointerPte) >= MmHighestUserAddress ||
        !PointerPte[-1].u.Hard.Valid)
        return;
    LOCK_PFN(oldIrql);
    for (; count < MI_FAULT_AROUND_PAGES && !MiIsPteOnPdeBoundary(pte); pte++, count++) {
        MMPTE contents = *pte;
        MMPFN *pfn;

        if (contents.u.Hard.Valid || contents.u.Soft.Prototype || !contents.u.Soft.Transition ||
            (uintptr_t)MiGetVirtualAddressMappedByPte(pte) == Ws->ReadAheadTrigger ||
            MI_IS_GUARD(contents.u.Trans.Protection) ||
            !MiProtectionAllows(contents.u.Trans.Protection, false))
            break;
        pfn = MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber);
        if ((pfn->u3.e1.PageLocation != StandbyPageList &&
             pfn->u3.e1.PageLocation != ModifiedPageList) || pfn->PteAddress != pte)
            break;
        MiMakeTransitionPteValid(pte, contents, false);
        pte->u.Long &= ~MM_PTE_ACCESS_MASK;             /* not touched yet: ages out first */
        frames[count] = contents.u.Trans.PageFrameNumber;
    }
    MiFaultAroundPages += count;
    UNLOCK_PFN(oldIrql);
    for (uint32_t i = 0; i < count; i++)
        MiInsertWorkingSetEntry(Ws, (uintptr_t)MiGetVirtualAddressMappedByPte(PointerPte + 1 + i),
                                frames[i]);
}

/* A soft fault: the page never left memory. Take it off its list (or from a write in
 * progress) and make it valid again, dirty if it was modified unless SetDirty is false. */
static NTSTATUS MiResolveTransitionFault(MI_FAULT *Fault, MMPTE *PointerPte, MMPTE Contents)
{
    uint32_t frame = Contents.u.Trans.PageFrameNumber;
    MMPFN *pfn = MI_PFN_ELEMENT(frame);
    NTSTATUS status;
    KIRQL oldIrql;

    status = MiLockPfnForFault(Fault, PointerPte, Contents, false, &oldIrql);
    if (status != STATUS_SUCCESS)
        return status;
    if (pfn->u3.e1.ReadInProgress)
        return MiWaitForCollidedFault(Fault->Ws, frame, oldIrql);
    if (pfn->u4.InPageError) {
        status = pfn->u1.ReadStatus;
        UNLOCK_PFN(oldIrql);
        return status;
    }
    MiMakeTransitionPteValid(PointerPte, Contents, Fault->SetDirty && pfn->u3.e1.Modified);
    MiFinishFault(Fault, frame, oldIrql);
    MmInfoCounters.TransitionCount++;
    if (!Fault->UserPte)
        MiMapTransitionNeighbours(Fault->Ws, PointerPte);
    return STATUS_PAGE_FAULT_TRANSITION;
}

/* The cluster a fault reads: Asked when the thread asked for one (MmSetPageFaultReadAhead),
 * else MM_SEQUENTIAL_READ_CLUSTER when it is on the page right after the working set's last
 * in-page read (a sequential run), else Mm's own. */
static uint32_t MiSequentialReadCluster(MI_FAULT *Fault, uint32_t Asked)
{
    Fault->Sequential = PAGE_ALIGN(Fault->VirtualAddress) == (void *)Fault->Ws->NextSequentialFault;
    if (Asked)
        return Asked;
    return Fault->Sequential ? MM_SEQUENTIAL_READ_CLUSTER : MM_MAXIMUM_READ_CLUSTER;
}

/* An in-page read of Count pages from the faulting one: a fault right after them continues
 * the run. Working-set mutex held. */
static void MiNoteSequentialRead(MI_FAULT *Fault, uint32_t Count)
{
    Fault->Ws->NextSequentialFault = (uintptr_t)PAGE_ALIGN(Fault->VirtualAddress) +
                                     Count * PAGE_SIZE;
    if (!Fault->Sequential)
        Fault->Ws->ReadAheadTrigger = 0;        /* a new run, or none: nothing read ahead */
}

/* How many PTEs from PointerPte (at most Maximum, within one page table) name the following
 * slots of the same paging file: one read brings them all in. Past MM_MAXIMUM_READ_CLUSTER
 * only while memory is plentiful. */
static uint32_t MiPageFileReadCluster(MMPTE *PointerPte, uint32_t Maximum)
{
    MMPTE first = *PointerPte;
    uint32_t count = 1;

    while (count < Maximum && !MiIsPteOnPdeBoundary(&PointerPte[count]) &&
           MmAvailablePages > MI_FAULT_RESERVE + 2 * MAX(count + 1, MM_MAXIMUM_READ_CLUSTER)) {
        MMPTE next = PointerPte[count];

        if (next.u.Hard.Valid || next.u.Soft.Prototype || next.u.Soft.Transition ||
            next.u.Soft.PageFileLow != first.u.Soft.PageFileLow ||
            next.u.Soft.PageFileHigh != first.u.Soft.PageFileHigh + count)
            break;
        count++;
    }
    return count;
}

/* Each page to be read: its PTE a transition PTE to a fresh page marked ReadInProgress,
 * whose OriginalPte remembers the slot. PFN lock held. */
static void MiInitializeReadInProgressPfns(MMPTE *PointerPte, uint32_t Count, uint32_t *Frames,
                                           KEVENT *Event)
{
    uint32_t table = MiGetPteAddress(PointerPte)->u.Hard.PageFrameNumber;

    for (uint32_t i = 0; i < Count; i++) {
        uint32_t frame = MiRemoveAnyPage();
        MMPFN *pfn = MI_PFN_ELEMENT(frame);

        pfn->PteAddress = &PointerPte[i];
        pfn->OriginalPte = PointerPte[i];
        pfn->u3.e2.ReferenceCount = 1;
        pfn->u2.ShareCount = 0;
        pfn->u3.e1.PageLocation = TransitionPage;
        pfn->u3.e1.ReadInProgress = 1;
        pfn->u3.e1.Modified = 0;
        pfn->u3.e1.PrototypePte = MiIsPrototypePteAddress(&PointerPte[i]);
        pfn->u4.InPageError = 0;
        pfn->u4.PteFrame = table;
        pfn->u1.Event = Event;
        MI_PFN_ELEMENT(table)->u2.ShareCount++;
        PointerPte[i].u.Long = MiMakeTransitionPte(frame, PointerPte[i].u.Soft.Protection).u.Long |
                               MiPteOwnerMask(&PointerPte[i]);
        Frames[i] = frame;
    }
}

/* A page that could not be read: its PTE, wherever it is (as when a standby page is reused),
 * gets its slot back, and the fresh page (no longer naming the slot) is freed once the faults
 * waiting on it have let go. PFN lock held. */
static void MiAbandonPageRead(uint32_t PageFrameIndex)
{
    MMPFN *pfn = MI_PFN_ELEMENT(PageFrameIndex);

    MiRestoreTransitionPte(PageFrameIndex);
    pfn->OriginalPte.u.Long = MM_KERNEL_DEMAND_ZERO_PTE;
    MI_SET_PFN_DELETED(pfn);
    MiDecrementReferenceCount(PageFrameIndex);
}

/*
 * A page just read from a paging file that was retired meanwhile (its disk takes no more
 * writes) is rescued as MiRescuePagesOfFile rescues the resident ones, which a page being read
 * is not among: marked modified, its slot released, so that the writer puts it elsewhere. PFN
 * lock held.
 */
static void MiRescueIfRetired(const MMPAGING_FILE *File, MMPFN *Pfn)
{
    if (File && File->Retired && !MI_IS_PFN_DELETED(Pfn))
        MiSetModified(Pfn);
}

/* The read (Status) is over: no page is read in progress any more. Those from First on go to
 * the standby list (or, after an error, back to the paging file: their PTE regains its slot,
 * the page is freed); those before First are the fault's own. PFN lock held. */
static void MiCompleteReadAhead(const MMINPAGE_SUPPORT *Support, uint32_t First, NTSTATUS Status)
{
    for (uint32_t i = 0; i < Support->Count; i++) {
        MMPFN *pfn = MI_PFN_ELEMENT(Support->Frames[i]);

        pfn->u3.e1.ReadInProgress = 0;
        pfn->u1.Event = NULL;
        if (i < First)
            continue;
        if (!NT_SUCCESS(Status) && !MI_IS_PFN_DELETED(pfn)) {
            MiAbandonPageRead(Support->Frames[i]);
        } else {
            MiRescueIfRetired(Support->File, pfn);
            MiDecrementReferenceCount(Support->Frames[i]);
        }
    }
}

/* Support set up to read from Slot of File the run of paging-file PTEs from PointerPte (the
 * page at VirtualAddress; at most Maximum, MiPageFileReadCluster) into fresh pages, read in
 * progress. Returns how many. PFN lock held. */
static uint32_t MiPreparePageFileRead(MMINPAGE_SUPPORT *Support, MMPAGING_FILE *File,
                                      uint32_t Slot, MMPTE *PointerPte, void *VirtualAddress,
                                      uint32_t Maximum)
{
    Support->File = File;
    Support->FileObject = NULL;
    Support->Slot = Slot;
    Support->Count = MiPageFileReadCluster(PointerPte, Maximum);
    MiInitializeReadInProgressPfns(PointerPte, Support->Count, Support->Frames, &Support->Event);
    MmInitializeMdl(&Support->Mdl, VirtualAddress, Support->Count * PAGE_SIZE);
    Support->Mdl.MdlFlags = MDL_PAGES_LOCKED | MDL_IO_PAGE_READ;
    return Support->Count;
}

/*
 * A hard fault: the page is in a paging file. Fresh pages are read from the slot and the
 * slots after it that the following PTEs name (one disk request), with the working set
 * released meanwhile; faults on these pages in the meantime wait for the read. A system page
 * that cannot be read is KERNEL_DATA_INPAGE_ERROR (PTE, status, address, PTE contents),
 * unless the access was a probe: that gets STATUS_IN_PAGE_ERROR, as an NT caller's __except
 * would, and the page stays in its paging file.
 */
/*
 * A page in the paging file: the first half of the fault, with the working-set mutex and the
 * PFN lock. Takes an in-page block, makes the page and the cluster behind it read in
 * progress, and returns STATUS_ISSUE_PAGING_IO with the block in *ReadBlock: the caller issues
 * the read (MiIssuePageFileRead) without the mutex, then completes the fault
 * (MiCompletePageFileRead). Any other status ends the fault at once.
 */
static NTSTATUS MiResolvePageFileFault(MI_FAULT *Fault, MMPTE *PointerPte, MMPTE Contents,
                                       MMINPAGE_SUPPORT **ReadBlock)
{
    MMPAGING_FILE *file = MmPagingFile[Contents.u.Soft.PageFileLow];
    uint32_t slot = Contents.u.Soft.PageFileHigh;
    MMINPAGE_SUPPORT *support;
    NTSTATUS status;
    KIRQL oldIrql;

    if (!file || slot >= file->Size)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEFILE_SLOT,
                     Contents.u.Soft.PageFileLow, slot, Contents.u.Long);
    status = MiLockPfnForFault(Fault, PointerPte, Contents, true, &oldIrql);
    if (status != STATUS_SUCCESS)
        return status;
    support = MiGetInPageSupportBlock();
    if (!support) {                                 /* every block is in a read: wait */
        UNLOCK_PFN(oldIrql);
        return MiWaitForInPageSupport(Fault->Ws);
    }
    /* A fault on the page right after the last read continues a sequential run (a sweep
     * over memory that was paged out in order): it reads up to MM_SEQUENTIAL_READ_CLUSTER
     * pages, fewer transfers for the same pages; any other fault reads Mm's 16 (a random one
     * wastes no more). */
    MiNoteSequentialRead(Fault, MiPreparePageFileRead(support, file, slot, PointerPte,
                                                      PAGE_ALIGN(Fault->VirtualAddress),
                                                      MiSequentialReadCluster(Fault, 0)));
    UNLOCK_PFN(oldIrql);
    *ReadBlock = support;
    return STATUS_ISSUE_PAGING_IO;
}

/*
 * The read a block describes, without the working-set mutex. If the cluster cannot be read,
 * the fault's own page is tried alone: a bad sector may be a neighbour's, whose pages then
 * stay in the paging file, and a slow disk that let the cluster (or the page, behind other
 * transfers) time out may manage one page.
 */
static NTSTATUS MiReadInPageSupport(MMINPAGE_SUPPORT *Support)
{
    uint32_t length = Support->Mdl.ByteCount;
    IO_STATUS_BLOCK iosb;
    NTSTATUS status;

    if (Support->File)
        return MiReadPagingFile(Support->File, Support->Slot, &Support->Mdl);
    /* An image's read stops at its subsection's bytes, in whole sectors, and the pages'
     * rest is zeroed (NT's MiResolveMappedFileFault does the same). */
    if (Support->FileBytes < length)
        Support->Mdl.ByteCount = ROUND_UP(Support->FileBytes, MI_SECTOR_SIZE);
    status = IoPageReadFile(Support->FileObject, &Support->Mdl, Support->FileOffset, &iosb);
    Support->Mdl.ByteCount = length;
    /* A page at or past the end of file comes back zeroed: NT's in-page takes it so (a cache
     * section runs ahead of its growing file). */
    if (status == STATUS_END_OF_FILE)
        status = STATUS_SUCCESS;
    for (uint32_t at = Support->FileBytes; NT_SUCCESS(status) && at < length;
         at = ROUND_UP(at + 1, PAGE_SIZE)) {
        KIRQL oldIrql;
        uint8_t *page = MiMapPageInHyperSpace(Support->Frames[at >> PAGE_SHIFT], &oldIrql);

        RtlZeroMemory(page + (at & (PAGE_SIZE - 1)), PAGE_SIZE - (at & (PAGE_SIZE - 1)));
        MiUnmapPageInHyperSpace(page, oldIrql);
    }
    return status;
}

static void MiIssuePageFileRead(MMINPAGE_SUPPORT *Support)
{
    NTSTATUS status = MiReadInPageSupport(Support);

    MmInfoCounters.PageReadIoCount++;
    Support->ClusterStatus = status;
    if (!NT_SUCCESS(status) && (Support->Count > 1 || status == STATUS_IO_TIMEOUT) &&
        MiIsRetryableIoError(status)) {
        Support->Mdl.ByteCount = PAGE_SIZE;         /* the faulting page alone */
        Support->Mdl.Size = (int16_t)(sizeof(MDL) + sizeof(uint32_t));
        status = MiReadInPageSupport(Support);
        MmInfoCounters.PageReadIoCount++;
    }
    Support->Status = status;
}

/*
 * The second half, with the working-set mutex again: the cluster's pages go to the standby
 * list, the faulting page into the working set, and the block back; collided faults wake. A
 * page that could not be read is STATUS_IN_PAGE_ERROR to a probe, the disk's status for a user
 * page (KiTrap0E makes it the thread's STATUS_IN_PAGE_ERROR) and KERNEL_DATA_INPAGE_ERROR (0x7A)
 * otherwise.
 */
static NTSTATUS MiCompletePageFileRead(MI_FAULT *Fault, MMPTE *PointerPte,
                                       MMINPAGE_SUPPORT *Support, void *TrapInformation)
{
    uint32_t frame = Support->Frames[0];
    NTSTATUS status = Support->Status;
    MMPFN *pfn = MI_PFN_ELEMENT(frame);
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    /* A view unmapped meanwhile may have taken its section, and the prototypes, with it: then
     * every page read is deleted, and PointerPte is not touched. */
    if (!MI_IS_PFN_DELETED(pfn) && Fault->UserPte)
        MiMakeProtoValidForFault(Fault, PointerPte, &oldIrql);
    MiCompleteReadAhead(Support, 1, Support->ClusterStatus);
    if (NT_SUCCESS(status))
        MiRescueIfRetired(Support->File, pfn);      /* (whether it is mapped now or not) */
    MmInfoCounters.PageReadCount += NT_SUCCESS(Support->ClusterStatus) ? Support->Count :
                                                                          NT_SUCCESS(status);
    KeSetEvent(&Support->Event);
    MiDereferenceInPageSupportBlock(Support);
    if (MI_IS_PFN_DELETED(pfn) ||                   /* the memory was freed meanwhile */
        (NT_SUCCESS(status) && Fault->UserPte &&
         Fault->UserPte->u.Long != Fault->UserContents.u.Long)) {
        MiDecrementReferenceCount(frame);           /* a shared page: to standby, as read ahead */
        UNLOCK_PFN(oldIrql);
        return STATUS_REFAULT;
    }
    if (!NT_SUCCESS(status)) {
        if (KeInvalidAccessAllowed(TrapInformation) || Fault->VirtualAddress < MmSystemRangeStart) {
            MiAbandonPageRead(frame);
            UNLOCK_PFN(oldIrql);
            /* A probe's caller sees STATUS_IN_PAGE_ERROR, as NT's __except would; a user
             * thread's exception carries the disk's status as its third parameter. */
            return KeInvalidAccessAllowed(TrapInformation) ? STATUS_IN_PAGE_ERROR : status;
        }
        pfn->u4.InPageError = 1;
        pfn->u1.ReadStatus = status;
        UNLOCK_PFN(oldIrql);
        KeBugCheckEx(KERNEL_DATA_INPAGE_ERROR, (uintptr_t)PointerPte, (uint32_t)status,
                     Fault->VirtualAddress, PointerPte->u.Long);
    }
    pfn->u2.ShareCount = 1;
    pfn->u3.e1.PageLocation = ActiveAndValid;
    *PointerPte = MiMakeValidFromTransitionPte(PointerPte, *PointerPte, false);
    MiFinishFault(Fault, frame, oldIrql);
    return STATUS_PAGE_FAULT_PAGING_FILE;
}

/*
 * Reading ahead of a sequential run, as NT's prefetcher (MmPrefetchPages) reads pages it
 * expects to be touched: once a fault has continued a run through a paging file, the
 * MM_READ_AHEAD_CLUSTER pages after those it read are read too, by Mm's read-ahead thread,
 * while the faulting thread goes on with the pages it has (the disk and the processor work at
 * once). The pages are in transition, read in progress, as any cluster's: a fault that comes
 * before the read ends waits for it (collided), one after takes the page from the standby
 * list. A fault on the read's first page (the working set's ReadAheadTrigger) reads the next
 * one ahead, so that while a sweep lasts one read is under way ahead of it.
 *
 * The reads have a thread of their own, not a system worker's: paging I/O never faults, so
 * nothing the thread does can wait for a page read ahead, whatever the thread that waits for
 * one holds (a worker item may itself fault on pageable memory a read ahead is reading). Only
 * while memory is plentiful, and with at most half the in-page blocks, so that faults always
 * find one. Working-set mutex held.
 */
#define MI_READ_AHEAD_AVAILABLE (MI_FAULT_RESERVE + 4 * MM_READ_AHEAD_CLUSTER)
#define MI_READ_AHEAD_PRIORITY  (LOW_REALTIME_PRIORITY + 1)     /* the page writers' */

static LIST_ENTRY MiReadAheadQueue = { &MiReadAheadQueue, &MiReadAheadQueue };  /* PFN lock */
static KEVENT MiReadAheadEvent;
uint32_t MiReadAheadsPending;           /* queued or being read (PFN lock) */

/* Is Va a page of Ws's own pageable range whose PTE may be read: a user page of a process, a
 * paged pool page of the system's, under a page table (not a large page)? */
static bool MiIsReadAheadAddress(MMSUPPORT *Ws, uintptr_t Va)
{
    MMPTE pde;

    if (Ws->IsProcess ? Va >= MmHighestUserAddress
                      : Va < MmPagedPoolStart || Va > MmPagedPoolEnd)
        return false;
    pde = *MiGetPdeAddress(Va);
    return pde.u.Hard.Valid && !(pde.u.Long & MM_PTE_LARGE_PAGE_MASK);
}

static void MiReadAheadPageFile(MMSUPPORT *Ws)
{
    uintptr_t va = Ws->NextSequentialFault;
    MMPTE *pointerPte = MiGetPteAddress(va);
    MMINPAGE_SUPPORT *support = NULL;
    MMPAGING_FILE *file;
    uint32_t cluster;
    MMPTE contents;
    KIRQL oldIrql;

    Ws->ReadAheadTrigger = 0;
    if (!MiIsReadAheadAddress(Ws, va))
        return;
    contents = *pointerPte;
    if (contents.u.Hard.Valid || contents.u.Soft.Prototype || contents.u.Soft.Transition ||
        contents.u.Soft.PageFileHigh == 0 || contents.u.Soft.Protection == 0)
        return;                                 /* not a page in a paging file */
    file = MmPagingFile[contents.u.Soft.PageFileLow];
    if (!file || contents.u.Soft.PageFileHigh >= file->Size)
        return;                                 /* (a fault on it will say so) */
    if (file->Retired)
        return;     /* its pages would come in modified, with nowhere perhaps to write them */
    cluster = MIN(MM_READ_AHEAD_CLUSTER,                /* what one transfer of its disk takes */
                  IoDiskMaximumTransferSectors(file->Disk) / HAL_ATA_SECTORS_PER_PAGE);
    if (cluster == 0)
        return;
    LOCK_PFN(oldIrql);
    if (MmAvailablePages > MI_READ_AHEAD_AVAILABLE &&
        MiInPageSupportInUse < MI_INPAGE_SUPPORT_BLOCKS / 2)
        support = MiGetInPageSupportBlock();
    if (!support) {
        UNLOCK_PFN(oldIrql);
        return;
    }
    MiPreparePageFileRead(support, file, contents.u.Soft.PageFileHigh, pointerPte, (void *)va,
                          cluster);
    InsertTailList(&MiReadAheadQueue, &support->ReadAheadLinks);
    MiReadAheadsPending++;
    UNLOCK_PFN(oldIrql);
    Ws->ReadAheadTrigger = va;
    Ws->NextSequentialFault = va + support->Count * PAGE_SIZE;
    KeSetEvent(&MiReadAheadEvent);
}

/*
 * One read ahead, on the read-ahead thread: its pages go to the standby list and the faults
 * waiting for them wake. If it fails, every page's PTE gets its slot back (wherever that PTE
 * is, as when a standby page is reused) and the page is freed: a fault on one reads it
 * itself, alone if need be, and meets the error only if that page cannot be read.
 */
static void MiCompleteReadAheadPageFile(MMINPAGE_SUPPORT *Support)
{
    NTSTATUS status = MiReadInPageSupport(Support);
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    MiCompleteReadAhead(Support, 0, status);
    MmInfoCounters.PageReadIoCount++;
    MmInfoCounters.PageReadAheadIoCount++;
    if (NT_SUCCESS(status))
        MmInfoCounters.PageReadCount += Support->Count;
    MiReadAheadsPending--;
    KeSetEvent(&Support->Event);
    MiDereferenceInPageSupportBlock(Support);
    UNLOCK_PFN(oldIrql);
}

static void MiReadAheadThread(void *Context)
{
    (void)Context;
    for (;;) {
        MMINPAGE_SUPPORT *support = NULL;
        KIRQL oldIrql;

        KeWaitForSingleObject(&MiReadAheadEvent, Executive, KernelMode, false, NULL);
        do {
            LOCK_PFN(oldIrql);
            support = IsListEmpty(&MiReadAheadQueue) ? NULL
                      : CONTAINING_RECORD(RemoveHeadList(&MiReadAheadQueue), MMINPAGE_SUPPORT,
                                          ReadAheadLinks);
            UNLOCK_PFN(oldIrql);
            if (support)
                MiCompleteReadAheadPageFile(support);
        } while (support);
    }
}

void MiStartReadAheadThread(void)
{
    NTSTATUS status;

    KeInitializeEvent(&MiReadAheadEvent, SynchronizationEvent, false);
    status = PsCreateSystemThread(NULL, MiReadAheadThread, NULL, MI_READ_AHEAD_PRIORITY,
                                  "ReadAhead");
    if (!NT_SUCCESS(status))
        KeBugCheckEx(PHASE1_INITIALIZATION_FAILED, (uint32_t)status, 1, 0, 0);
}

/*
 * NT's MmSetPageFaultReadAhead: a file's in-page read for Thread's next faults brings
 * ReadAhead pages after the faulting one (at most MM_MAXIMUM_READ_AHEAD_CLUSTER in all, and
 * never fewer than Mm's own cluster, MM_MAXIMUM_READ_CLUSTER), or Mm's default cluster again
 * when ReadAhead is MM_DEFAULT_READ_AHEAD. The cache manager sets it
 * before it touches a range it wants whole (a copy, a read-ahead), so that the range comes in
 * one transfer.
 */
void MmSetPageFaultReadAhead(KTHREAD *Thread, uint32_t ReadAhead)
{
    Thread->ReadClusterSize = ReadAhead == MM_DEFAULT_READ_AHEAD
                              ? 0 : MIN(ReadAhead + 1, MM_MAXIMUM_READ_AHEAD_CLUSTER);
}

/*
 * NT's MiResolveMappedFileFault: the prototype Proto is a file's subsection PTE (a data file's
 * or an image file's). Like a page-file fault's first half: fresh pages for it and the
 * identical subsection PTEs after it in the same page of prototypes (up to the thread's
 * ReadClusterSize, MM_MAXIMUM_READ_CLUSTER if it has none or a smaller one; past that many
 * only while memory is plentiful), read in progress, their original PTE the subsection PTE (a clean
 * page leaving memory gets it back); the read is IoPageReadFile at the page's file offset,
 * which zeroes past the end of file (and, for an image, MiReadInPageSupport past the
 * subsection's bytes); the file object is referenced for it. A prototype past its subsection
 * is an access violation.
 */
static NTSTATUS MiResolveMappedFileFault(MI_FAULT *Fault, MMPTE *Proto, MMPTE Contents,
                                         MMINPAGE_SUPPORT **ReadBlock)
{
    bool image = !MiIsDataFileSubsectionPte(Contents), found;
    uint32_t cluster = KeGetCurrentThread()->ReadClusterSize;
    MMINPAGE_SUPPORT *support;
    uint32_t left, count = 1;
    NTSTATUS status;
    KIRQL oldIrql;

    /* A fault that continues a sequential run (a view read front to back) reads a longer
     * cluster, as a page-file fault does; a thread's own ReadClusterSize comes first. */
    cluster = MAX(MiSequentialReadCluster(Fault, cluster), MM_MAXIMUM_READ_CLUSTER);

    status = MiLockPfnForFault(Fault, Proto, Contents, true, &oldIrql);
    if (status != STATUS_SUCCESS)
        return status;
    support = MiGetInPageSupportBlock();
    if (!support) {
        UNLOCK_PFN(oldIrql);
        return MiWaitForInPageSupport(Fault->Ws);
    }
    support->FileBytes = UINT32_MAX;
    found = image ? MiGetImageFileOffset(Contents, Proto, &support->FileObject,
                                         &support->FileOffset, &left, &support->FileBytes)
                  : MiGetMappedFileOffset(Contents, Proto, &support->FileObject,
                                          &support->FileOffset, &left);
    if (!found) {
        MiDereferenceInPageSupportBlock(support);
        UNLOCK_PFN(oldIrql);
        return STATUS_ACCESS_VIOLATION;
    }
    while (count < cluster && count < left && !MiIsPteOnPdeBoundary(&Proto[count]) &&
           Proto[count].u.Long == Contents.u.Long &&
           MmAvailablePages > MI_FAULT_RESERVE + 2 * MAX(count + 1, MM_MAXIMUM_READ_CLUSTER))
        count++;
    MiNoteSequentialRead(Fault, count);
    if (image)
        MiNoteImageFileRead(Contents, count);
    else
        MiNoteMappedFileRead(Contents, count);
    support->File = NULL;
    support->Count = count;
    MiInitializeReadInProgressPfns(Proto, count, support->Frames, &support->Event);
    MmInitializeMdl(&support->Mdl, PAGE_ALIGN(Fault->VirtualAddress), count * PAGE_SIZE);
    support->Mdl.MdlFlags = MDL_PAGES_LOCKED | MDL_IO_PAGE_READ;
    UNLOCK_PFN(oldIrql);
    MiFileCallouts.ReferenceFile(support->FileObject);     /* the view holds it till here */
    *ReadBlock = support;
    return STATUS_ISSUE_PAGING_IO;
}

/* A page-file PTE (or a file's subsection PTE, MappedFile) resolved: the read set up,
 * issued without the working-set mutex, and the fault completed with it again. */
/*
 * A system cache view's in-page read brought Count pages of the file (the faulting one and the
 * ones after it): those the view maps next, in the same 256 KB view, are made valid in it at
 * once, as transition faults would make them at the copy's next touches — the copy (or the
 * read-ahead that took the fault) then takes one fault per cluster rather than one per page.
 * System working-set mutex held; a page that is not as expected ends it.
 */
static void MiMapCacheCluster(MI_FAULT *Fault, MMPTE *PointerPte, uint32_t Count)
{
    uintptr_t va = Fault->VirtualAddress & ~(uintptr_t)(PAGE_SIZE - 1);

    for (uint32_t i = 1; i < Count; i++) {
        uintptr_t next = va + i * PAGE_SIZE;
        MMPTE *cachePte = Fault->UserPte + i;
        MMPTE contents = { .u.Long = ((volatile MMPTE *)&PointerPte[i])->u.Long };
        MI_FAULT fault = { .Ws = Fault->Ws, .VirtualAddress = next, .SetDirty = true,
                           .UserPte = cachePte };

        if ((next & ~(uintptr_t)(MM_SYSTEM_CACHE_VIEW_SIZE - 1)) !=
            (va & ~(uintptr_t)(MM_SYSTEM_CACHE_VIEW_SIZE - 1)))
            break;                              /* another view's */
        fault.UserContents.u.Long = cachePte->u.Long;
        if (fault.UserContents.u.Long != MiProtoAddressForPte(&PointerPte[i]).u.Long ||
            contents.u.Hard.Valid || contents.u.Soft.Prototype || !contents.u.Soft.Transition)
            break;
        fault.Protection = MiProtoPteProtection(contents);
        if (MiResolveTransitionFault(&fault, &PointerPte[i], contents) != STATUS_PAGE_FAULT_TRANSITION)
            break;
        MmInfoCounters.TransitionCount--;       /* no fault was taken for it */
    }
}

static NTSTATUS MiReadPageFileFault(MI_FAULT *Fault, MMPTE *PointerPte, MMPTE Contents,
                                    void *TrapInformation, bool MappedFile)
{
    MMINPAGE_SUPPORT *support = NULL;
    uint32_t count;
    NTSTATUS status = MappedFile ? MiResolveMappedFileFault(Fault, PointerPte, Contents, &support)
                                 : MiResolvePageFileFault(Fault, PointerPte, Contents, &support);

    if (status != STATUS_ISSUE_PAGING_IO)
        return status;
    MiUnlockWorkingSet(Fault->Ws);
    MiIssuePageFileRead(support);
    if (MappedFile)
        MiFileCallouts.DereferenceFile(support->FileObject);
    MiLockWorkingSet(Fault->Ws);
    count = support->Count;
    status = MiCompletePageFileRead(Fault, PointerPte, support, TrapInformation);
    if (status == STATUS_PAGE_FAULT_PAGING_FILE && MappedFile && Fault->UserPte &&
        !Fault->Ws->IsProcess)
        MiMapCacheCluster(Fault, PointerPte, count);
    if (status == STATUS_PAGE_FAULT_PAGING_FILE && !MappedFile && Fault->Sequential)
        MiReadAheadPageFile(Fault->Ws);
    return status;
}

/*
 * NT's MiAccessCheck for an invalid PTE: is the access allowed by the protection in Contents
 * (what the fault read from PointerPte)? A guard page lets the first access fault with
 * STATUS_GUARD_PAGE_VIOLATION and loses its guard (in the PTE, and for a page in transition in
 * its OriginalPte too), so the next access goes through. The guard is taken off only if the
 * PTE still holds Contents under the PFN lock: a standby page may have been reused meanwhile,
 * its PTE restored, and then the fault is sent round again (STATUS_REFAULT).
 */
NTSTATUS MiAccessCheck(MMSUPPORT *Ws, MMPTE *PointerPte, bool StoreInstruction, MMPTE Contents)
{
    uint32_t protection = Contents.u.Soft.Protection;

    if (!MiProtectionAllows(protection, StoreInstruction))
        return STATUS_ACCESS_VIOLATION;
    if (MI_IS_GUARD(protection) && (protection & MM_PROTECTION_OPERATION_MASK)) {
        MI_FAULT fault = { .Ws = Ws };
        MMPTE unguarded = Contents;
        NTSTATUS status;
        KIRQL oldIrql;

        status = MiLockPfnForFault(&fault, PointerPte, Contents, false, &oldIrql);
        if (status != STATUS_SUCCESS)
            return status;
        unguarded.u.Soft.Protection = protection & ~MM_GUARD_PAGE;
        ((volatile MMPTE *)PointerPte)->u.Long = unguarded.u.Long;
        if (Contents.u.Soft.Transition)
            MI_PFN_ELEMENT(Contents.u.Trans.PageFrameNumber)->OriginalPte.u.Soft.Protection =
                unguarded.u.Soft.Protection;
        UNLOCK_PFN(oldIrql);
        return STATUS_GUARD_PAGE_VIOLATION;
    }
    return STATUS_SUCCESS;
}

NTSTATUS MiDispatchFault(MMSUPPORT *Ws, bool StoreInstruction, uintptr_t VirtualAddress, MMPTE *PointerPte,
                         void *TrapInformation)
{
    MMPTE contents = *PointerPte;
    MI_FAULT fault = { .Ws = Ws, .VirtualAddress = VirtualAddress, .Write = StoreInstruction };

    Ws->PageFaultCount++;
    if (contents.u.Soft.Prototype)
        KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_PAGEABLE_PTE,
                     (uintptr_t)PointerPte, contents.u.Long, VirtualAddress);
    /* In a write-watch region only the processor sets the dirty bit, at a write (wrtwatch.c). */
    fault.SetDirty = !MiIsWriteWatchAddress(Ws, VirtualAddress);
    if (PAGE_ALIGN(VirtualAddress) == (void *)Ws->ReadAheadTrigger)
        MiReadAheadPageFile(Ws);                /* a sweep reached what was read ahead */
    if (contents.u.Soft.Transition)
        return MiResolveTransitionFault(&fault, PointerPte, contents);
    if (contents.u.Soft.PageFileHigh == 0)
        return MiResolveDemandZeroFault(&fault, PointerPte, contents);
    return MiReadPageFileFault(&fault, PointerPte, contents, TrapInformation, false);
}

bool MiMakeSystemAddressValidPfn(const void *VirtualAddress, KIRQL *OldIrql)
{
    bool released = false;

    while (!MmIsAddressValid(VirtualAddress)) {
        UNLOCK_PFN(*OldIrql);
        (void)*(volatile const uint32_t *)VirtualAddress;
        LOCK_PFN(*OldIrql);
        released = true;
    }
    return released;
}

/*
 * The prototype is valid: another process has the page. One more share, and the process PTE
 * maps it at once. PFN lock held on entry, released.
 */
static NTSTATUS MiResolveValidProtoPte(MI_FAULT *Fault, MMPTE Proto, KIRQL OldIrql)
{
    uint32_t frame = Proto.u.Hard.PageFrameNumber;

    MI_PFN_ELEMENT(frame)->u2.ShareCount++;
    MiFinishFault(Fault, frame, OldIrql);
    MmInfoCounters.TransitionCount++;
    return STATUS_PAGE_FAULT_TRANSITION;
}

/*
 * A module image's subsection PTE (NT's MiResolveMappedFileFault, for an image): the page is
 * a copy from the module in memory, so no I/O is issued and the fault completes under the PFN
 * lock (an image of a file is read as a data file's page is: MiResolveMappedFileFault). The page is clean, its original PTE the subsection PTE: when
 * it leaves memory it is never written anywhere, and its prototype gets the subsection PTE
 * back, to be read again.
 */
static NTSTATUS MiResolveImageFault(MI_FAULT *Fault, MMPTE *Proto, MMPTE Contents)
{
    uint32_t frame;
    NTSTATUS status;
    KIRQL oldIrql;

    status = MiLockPfnForFault(Fault, Proto, Contents, true, &oldIrql);
    if (status != STATUS_SUCCESS)
        return status;
    frame = MiRemoveAnyPage();
    MiInitializePfn(frame, Proto, false);
    MiReadImagePage(Contents, Proto, frame);
    Proto->u.Long = (frame << PAGE_SHIFT) | MM_PTE_VALID_MASK | MM_PTE_ACCESS_MASK |
                    MiProtectToPteMask(Contents.u.Subsect.Protection) | MiPteOwnerMask(Proto);
    MiFinishFault(Fault, frame, oldIrql);
    return STATUS_PAGE_FAULT_PAGING_FILE;
}

/* Is Va in an image view of Process? Working-set mutex held. */
static bool MiIsImageView(MMPROCESS *Process, uintptr_t Va)
{
    MMVAD_SHORT *vad = MiLocateAddress(&Process->AddressSpace, Va);

    return vad && vad->u.VadFlags.VadType == VadImageMap;
}

/*
 * NT's MiResolveProtoPteFault. The prototype (through the VAD for the lookup-needed form,
 * whose protection is then this process's; else decoded from the PTE, the prototype's
 * protection applying) is read under the PFN lock: not committed (0) is an access violation,
 * as is an access its protection refuses; valid is shared at once; a write to a copy-on-write
 * page never touched gets a private demand-zero page without making a shared one; any other
 * state is resolved as a private PTE would be, and completed on the process PTE.
 */
NTSTATUS MiResolveProtoPteFault(MMSUPPORT *Ws, bool StoreInstruction, uintptr_t VirtualAddress,
                                MMPTE *UserPte, MMPTE UserContents, void *TrapInformation)
{
    MI_FAULT fault = { .Ws = Ws, .VirtualAddress = VirtualAddress, .Write = StoreInstruction,
                       .SetDirty = true, .UserPte = UserPte, .UserContents = UserContents };
    MMPROCESS *process = CONTAINING_RECORD(Ws, MMPROCESS, Vm);
    MMPTE *proto;
    MMPTE contents;
    NTSTATUS status;
    KIRQL oldIrql;

    Ws->PageFaultCount++;
    if (MiIsLookupNeeded(UserContents)) {
        MMVAD *vad = (MMVAD *)MiLocateAddress(&process->AddressSpace, VirtualAddress);

        proto = vad && !vad->Core.u.VadFlags.PrivateMemory ? MiGetProtoPteAddress(vad, VirtualAddress)
                                                            : NULL;
        if (!proto)
            KeBugCheckEx(MEMORY_MANAGEMENT, MI_MEMORY_MANAGEMENT_BAD_USER_PTE, (uintptr_t)UserPte,
                         UserContents.u.Long, VirtualAddress);
        status = MiAccessCheck(Ws, UserPte, StoreInstruction, UserContents);
        if (status != STATUS_SUCCESS)
            return status;
        fault.Protection = UserContents.u.Soft.Protection;
    } else {
        proto = MiPteToProto(UserContents);
        fault.Protection = MM_UNKNOWN_PROTECTION;
    }
    LOCK_PFN(oldIrql);
    MiMakeProtoValidForFault(&fault, proto, &oldIrql);
    contents = *proto;
    if (UserPte->u.Long != UserContents.u.Long) {
        UNLOCK_PFN(oldIrql);
        return STATUS_REFAULT;
    }
    if (fault.Protection == MM_UNKNOWN_PROTECTION) {
        fault.Protection = MiProtoPteProtection(contents);
        if (contents.u.Long != MM_ZERO_PTE && !MiProtectionAllows(fault.Protection, StoreInstruction)) {
            UNLOCK_PFN(oldIrql);
            return STATUS_ACCESS_VIOLATION;
        }
    }
    if (contents.u.Long == MM_ZERO_PTE) {
        UNLOCK_PFN(oldIrql);
        return STATUS_ACCESS_VIOLATION;
    }
    if (contents.u.Hard.Valid)
        return MiResolveValidProtoPte(&fault, contents, oldIrql);
    UNLOCK_PFN(oldIrql);
    /* Prototype set in a prototype PTE: a subsection PTE (its bit 11 is address, not
     * Transition): read through the file system, or copied from a module. */
    if (contents.u.Soft.Prototype)
        return MiIsFileSubsectionPte(contents)
               ? MiReadPageFileFault(&fault, proto, contents, TrapInformation, true)
               : MiResolveImageFault(&fault, proto, contents);
    if (!contents.u.Soft.Transition && contents.u.Soft.PageFileHigh == 0 &&
        ((StoreInstruction && MI_IS_COPY_ON_WRITE(fault.Protection)) ||
         (Ws->IsProcess && MiIsImageView(process, VirtualAddress)))) {
        /* Nothing to copy: a private demand-zero page, charged with the view. An image's
         * demand-zero page (.bss) is always private, read or written: an image's prototype
         * pages are only ever clean copies of its file. */
        MMPTE private = { .u.Long = MiMakeProtectNotWriteCopy(fault.Protection)
                                    << MM_PROTECT_FIELD_SHIFT };

        UserPte->u.Long = private.u.Long;
        fault.UserPte = NULL;
        return MiResolveDemandZeroFault(&fault, UserPte, private);
    }
    if (contents.u.Soft.Transition)
        return MiResolveTransitionFault(&fault, proto, contents);
    if (contents.u.Soft.PageFileHigh == 0)
        return MiResolveDemandZeroFault(&fault, proto, contents);
    return MiReadPageFileFault(&fault, proto, contents, TrapInformation, false);
}
