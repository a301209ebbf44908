/*
 * tests/kernel/faultaround.c: fault-around (mm/pagfault.c, MiMapTransitionNeighbours). In a
 * process of nop.exe, made but never run, the test (attached) commits a run in one page
 * table, fills it, and sends it to the standby list; then
 *   - a forward sweep takes one fault for the run's first page, one for the second, and one
 *     for each page after the fifteen the one before made valid; those fifteen are valid, not
 *     accessed, not dirty, and in the working set;
 *   - a page written after it was mapped around leaves the working set modified; a second
 *     sweep maps it around from the modified list (not dirty in its PTE, still modified in
 *     its PFN), and it leaves modified again;
 *   - a backward sweep over the standby list (no predecessor valid) takes a fault for every
 *     page, and maps nothing around;
 *   - the written page's new contents come back from the paging file.
 */
#include "kernel/ps/ps.h"
#include "tests/kernel/pageout.h"

#define AROUND_PROGRAM  "nop.exe"
#define AROUND_BASE     0x10000000u     /* 4 MB-aligned: the run in one page table */
#define AROUND_PAGES    64
#define AROUND_RUN      15              /* MI_FAULT_AROUND_PAGES */
#define AROUND_WRITTEN  5               /* a page mapped around, then written */
#define AROUND_VALUE    0xC0FFEE05u

typedef struct {
    NTSTATUS Allocate, Free;
    uint32_t StandbyBefore;             /* pages of the run on the standby list before a sweep */
    uint32_t AvailableBefore;           /* MmAvailablePages then */
    uint32_t ForwardFaults, ForwardAround, BackwardFaults, BackwardAround;
    uint32_t StandbyBackward;           /* pages of the run on the standby list before that */
    bool WrittenInFile;                 /* the written page was in the paging file at the end */
    MMPTE AfterFirstTwo[AROUND_PAGES];  /* the PTEs once pages 0 and 1 were touched */
    uint32_t WorkingSetGrowth;          /* by the touch of pages 0 and 1 */
    bool WrittenModified;               /* the written page went to the modified list */
    uint32_t SecondFaults, SecondAround;    /* the forward sweep over it on that list */
    MMPTE WrittenPte;                   /* ... and its PTE then */
    bool WrittenStillModified;          /* its PFN then */
    bool WrittenModifiedAgain;          /* it went back to the modified list */
    uint32_t Bad;                       /* words wrong over both sweeps */
    uint32_t WrittenWord;               /* the written page's first word, read back */
} AROUND_RESULTS;

/* Empty the process's working set and write what is modified: the run goes to standby. */
static uint32_t ToStandby(EPROCESS *Process, void *Base)
{
    uint32_t standby = 0;

    MmAdjustWorkingSetSize(&Process->Pcb, 0xFFFFFFFF, 0xFFFFFFFF, 0);
    MmEmptyModifiedPageList();
    for (uint32_t page = 0; page < AROUND_PAGES; page++) {
        MMPTE pte = PteOf(Base, page);

        standby += !pte.u.Hard.Valid && pte.u.Soft.Transition &&
                   MI_PFN_ELEMENT(pte.u.Trans.PageFrameNumber)->u3.e1.PageLocation ==
                   StandbyPageList;
    }
    return standby;
}

static void Sweep(EPROCESS *Process, AROUND_RESULTS *R)
{
    MMSUPPORT *ws = &MiGetProcess(&Process->Pcb)->Vm;
    uint32_t size, faults, around, wsSize;
    void *base = (void *)AROUND_BASE;
    MMPTE written;

    R->Allocate = KtCommitFilledPages(base, AROUND_PAGES);
    if (!NT_SUCCESS(R->Allocate))
        return;

    /* Forward. */
    R->StandbyBefore = ToStandby(Process, base);
    R->AvailableBefore = MmAvailablePages;
    ws->ReadAheadTrigger = 0;
    faults = ws->PageFaultCount;
    around = MiFaultAroundPages;
    wsSize = ws->WorkingSetSize;
    R->Bad = CheckPage(PageAt(base, 0), 0) + CheckPage(PageAt(base, 1), 1);
    R->WorkingSetGrowth = ws->WorkingSetSize - wsSize;
    for (uint32_t page = 0; page < AROUND_PAGES; page++)
        R->AfterFirstTwo[page] = PteOf(base, page);
    for (uint32_t page = 2; page < AROUND_PAGES; page++)
        R->Bad += CheckPage(PageAt(base, page), page);
    R->ForwardFaults = ws->PageFaultCount - faults;
    R->ForwardAround = MiFaultAroundPages - around;

    /* A page mapped around, written: modified when it leaves, and read back from the file. */
    *PageAt(base, AROUND_WRITTEN) = AROUND_VALUE;
    _ReadWriteBarrier();
    MmAdjustWorkingSetSize(&Process->Pcb, 0xFFFFFFFF, 0xFFFFFFFF, 0);
    written = PteOf(base, AROUND_WRITTEN);
    R->WrittenModified = written.u.Soft.Transition &&
                         MI_PFN_ELEMENT(written.u.Trans.PageFrameNumber)->u3.e1.PageLocation ==
                         ModifiedPageList;

    /* Forward again: the written page is mapped around from the modified list. */
    faults = ws->PageFaultCount;
    around = MiFaultAroundPages;
    R->Bad += CheckPage(PageAt(base, 0), 0) + CheckPage(PageAt(base, 1), 1);
    R->WrittenPte = PteOf(base, AROUND_WRITTEN);
    R->WrittenStillModified = R->WrittenPte.u.Hard.Valid &&
                              MI_PFN_ELEMENT(R->WrittenPte.u.Hard.PageFrameNumber)->u3.e1.Modified;
    for (uint32_t page = 2; page < AROUND_PAGES; page++)
        R->Bad += page == AROUND_WRITTEN ? 0 : CheckPage(PageAt(base, page), page);
    R->SecondFaults = ws->PageFaultCount - faults;
    R->SecondAround = MiFaultAroundPages - around;
    MmAdjustWorkingSetSize(&Process->Pcb, 0xFFFFFFFF, 0xFFFFFFFF, 0);
    written = PteOf(base, AROUND_WRITTEN);
    R->WrittenModifiedAgain = written.u.Soft.Transition &&
                              MI_PFN_ELEMENT(written.u.Trans.PageFrameNumber)->u3.e1.PageLocation ==
                              ModifiedPageList;

    /* Backward over the standby list (the written page's write taken there too): each page's
     * predecessor is not valid when it faults, so nothing is mapped around. */
    R->StandbyBackward = ToStandby(Process, base);
    faults = ws->PageFaultCount;
    around = MiFaultAroundPages;
    for (uint32_t page = AROUND_PAGES; page-- > 0;)
        R->Bad += page == AROUND_WRITTEN ? 0 : CheckPage(PageAt(base, page), page);
    (void)*PageAt(base, AROUND_WRITTEN);
    R->BackwardFaults = ws->PageFaultCount - faults;
    R->BackwardAround = MiFaultAroundPages - around;

    /* The written page's contents, read back from the paging file. */
    ToStandby(Process, base);
    MmPurgeStandbyList();
    R->WrittenInFile = IsPageFilePte(PteOf(base, AROUND_WRITTEN));
    R->WrittenWord = *PageAt(base, AROUND_WRITTEN);

    size = 0;
    R->Free = PSP_KERNEL_CALL(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE));
}

static KT_CHILD AroundChild;               /* the test's process (KtFinishChild) */

KTEST(TestFaultAround, "mm.fault.around")
{
    static AROUND_RESULTS r;
    KAPC_STATE apcState;

    if (!MmFindLoaderModule(AROUND_PROGRAM))
        KtSkip("no module " AROUND_PROGRAM);
    RequirePagingFile();
    KtHoldBackgroundThreads();
    r = (AROUND_RESULTS){ 0 };
    KT_ASSERT_STATUS(STATUS_SUCCESS, PspCreateProcess(AROUND_PROGRAM, AROUND_PROGRAM, NULL,
                                                      &AroundChild.Process,
                                                      &AroundChild.Thread));
    KtDefer(KtFinishChild, &AroundChild);
    KeStackAttachProcess(&AroundChild.Process->Pcb, &apcState);
    Sweep(AroundChild.Process, &r);
    KeUnstackDetachProcess(&apcState);
    KtRelease(KtFinishChild, &AroundChild);

    KT_ASSERT_STATUS(STATUS_SUCCESS, r.Allocate);
    KT_ASSERT_EQ(AROUND_PAGES, r.StandbyBefore);
    KT_ASSERT_EQ(0, r.Bad);
    KtPrint("%u pages available before the sweeps", r.AvailableBefore);
    if (r.AvailableBefore < MM_PLENTY_FREE_LIMIT + AROUND_RUN) {
        /* Memory is not plentiful: every page takes its own fault, none is mapped around. */
        KT_ASSERT_EQ(2, r.WorkingSetGrowth);
        KT_ASSERT_EQ(AROUND_PAGES, r.ForwardFaults);
        KT_ASSERT_EQ(0, r.ForwardAround);
        KT_ASSERT_EQ(0, r.SecondAround);
        KT_ASSERT(r.WrittenModified && r.WrittenModifiedAgain);
        KT_ASSERT_EQ(AROUND_VALUE, r.WrittenWord);
        return;
    }
    if (r.AvailableBefore < MM_PLENTY_FREE_LIMIT + AROUND_RUN + 2 * AROUND_PAGES)
        KtSkip("%u pages available: too near MM_PLENTY_FREE_LIMIT to say which sweep to expect",
               r.AvailableBefore);
    /* Page 0 has no predecessor in its page table; page 1 maps 2 .. 16. */
    KT_ASSERT_EQ(2 + AROUND_RUN, r.WorkingSetGrowth);
    for (uint32_t page = 0; page < AROUND_PAGES; page++) {
        MMPTE pte = r.AfterFirstTwo[page];

        if (page >= 2 + AROUND_RUN) {
            KT_ASSERT(!pte.u.Hard.Valid && pte.u.Soft.Transition);
            continue;
        }
        KT_ASSERT(pte.u.Hard.Valid);
        if (page >= 2) {
            KT_ASSERT_EQ(0, pte.u.Long & (MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK));
            KT_ASSERT(pte.u.Long & MM_PTE_WRITE_MASK);
        }
    }
    /* Faults at 0, 1, 17, 33 and 49; 15 + 15 + 15 + 14 pages around them. */
    KT_ASSERT_EQ(5, r.ForwardFaults);
    KT_ASSERT_EQ(AROUND_PAGES - 5, r.ForwardAround);
    KT_ASSERT(r.WrittenModified);
    KT_ASSERT_EQ(5, r.SecondFaults);
    KT_ASSERT_EQ(AROUND_PAGES - 5, r.SecondAround);
    KT_ASSERT(r.WrittenPte.u.Hard.Valid);
    KT_ASSERT_EQ(0, r.WrittenPte.u.Long & (MM_PTE_ACCESS_MASK | MM_PTE_DIRTY_MASK));
    KT_ASSERT(r.WrittenStillModified);
    KT_ASSERT(r.WrittenModifiedAgain);
    KT_ASSERT_EQ(AROUND_PAGES, r.StandbyBackward);
    KT_ASSERT_EQ(AROUND_PAGES, r.BackwardFaults);
    KT_ASSERT_EQ(0, r.BackwardAround);
    KT_ASSERT(r.WrittenInFile);
    KT_ASSERT_EQ(AROUND_VALUE, r.WrittenWord);
    KT_ASSERT_EQ(0, r.Bad);
    KT_ASSERT_STATUS(STATUS_SUCCESS, r.Free);
}
