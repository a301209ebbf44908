/*
 * tests/kernel/pagefail.c: paging when the disk or memory will not cooperate. Two full write
 * clusters go out and come back with no slot called bad (tests/pagefail.t runs it on a disk
 * slower than the fixed timeout used to allow), and a thread is made while no page is
 * available (its kernel stack waits for pages, as NT's does, instead of failing).
 */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "mm/mi.h"
#include "hal/hal.h"

#define PF_TAG                  POOL_TAG('T', 'P', 'f', 'l')
#define PF_HOLD_MS              300

static uint32_t BadSlots(void)
{
    uint32_t bad = 0;

    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++)
        bad += MmPagingFile[i]->BadSlots;
    return bad;
}

/*
 * Two full clusters out and back: written in two requests, read back in two, no write failed,
 * every word intact. On a slow disk each transfer takes longer than a one-page one, and the
 * second waits for the first.
 */
KTEST(TestClusterRoundTrip, "mm.pagefail.cluster_round_trip")
{
    const uint32_t pages = 2 * MM_MAXIMUM_WRITE_CLUSTER;
    const uintptr_t cluster = MM_MAXIMUM_WRITE_CLUSTER * PAGE_SIZE;
    MMINFO_COUNTERS before;
    uint32_t bad = BadSlots(), wrong = 0, start;
    void *allocation, *p;

    if (MmNumberOfPagingFiles == 0)
        KtSkip("no paging file");
    /* Two whole clusters of this test's own pages: the writer clusters by 16-page windows, and
     * paged pool's first pages hold others' data (the object namespace), so the pages used
     * start on a window of their own, and whatever else was dirty is written first. */
    allocation = KtAllocatePool(PagedPool, (pages + MM_MAXIMUM_WRITE_CLUSTER - 1) * PAGE_SIZE,
                                PF_TAG);
    p = (void *)(((uintptr_t)allocation + cluster - 1) & ~(cluster - 1));
    MmEmptySystemWorkingSet();
    MmEmptyModifiedPageList();
    before = MmInfoCounters;
    start = KeTickCount;
    for (uint32_t page = 0; page < pages; page++)
        FillPage(PageAt(p, page), page);
    KtPageOut(p, pages);
    for (uint32_t page = 0; page < pages; page++)
        wrong += CheckPage(PageAt(p, page), page);
    KtPrint("%u pages written in %u writes (%u failed), read in %u reads, %u ms, %u bad slots",
            MmInfoCounters.DirtyPagesWriteCount - before.DirtyPagesWriteCount,
            MmInfoCounters.DirtyWriteIoCount - before.DirtyWriteIoCount,
            MmInfoCounters.WriteErrorCount - before.WriteErrorCount,
            MmInfoCounters.PageReadIoCount - before.PageReadIoCount,
            (KeTickCount - start) * (1000 / HAL_CLOCK_HZ), BadSlots() - bad);
    KtFreePool(allocation);
    KT_ASSERT_EQ(0, wrong);
    KT_ASSERT_EQ(bad, BadSlots());
    KT_ASSERT_EQ(0, MmInfoCounters.WriteErrorCount - before.WriteErrorCount);
}

/*
 * What retiring a paging file rescues (MiRescuePagesOfFile, which MiRetirePagingFile calls):
 * pages read back from the file are resident and clean, their only copy on disk in it; each
 * is marked modified with its slot released, so the writer puts it elsewhere, and its data
 * stays as it was. The file itself is not retired here (that would change the rest of the
 * boot): tests/pagefail.t retires real ones.
 */
KTEST(TestRetireRescuesResidentPages, "mm.pagefail.rescue")
{
    const uint32_t pages = 8;
    uint32_t file[8], slot[8], rescued = 0, cleanBefore = 0, movedAfter = 0;
    bool done[MAX_PAGE_FILES] = { false };
    MMPFN *pfn[8];
    void *p;
    KIRQL oldIrql;

    if (MmNumberOfPagingFiles == 0)
        KtSkip("no paging file");
    p = KtAllocatePool(PagedPool, pages * PAGE_SIZE, PF_TAG);
    for (uint32_t page = 0; page < pages; page++)
        PageAt(p, page)[0] = PatternWord(page, 0);
    _ReadWriteBarrier();
    KtPageOut(p, pages);
    for (uint32_t page = 0; page < pages; page++) {
        MMPTE pte = *MiGetPteAddress((const void *)PageAt(p, page));

        file[page] = pte.u.Soft.PageFileLow;
        slot[page] = pte.u.Soft.PageFileHigh;
    }
    for (uint32_t page = 0; page < pages; page++)      /* read back (with read-ahead): clean */
        KT_ASSERT_EQ(PatternWord(page, 0), PageAt(p, page)[0]);
    _ReadWriteBarrier();
    LOCK_PFN(oldIrql);
    for (uint32_t page = 0; page < pages; page++) {
        pfn[page] = MI_PFN_ELEMENT(MiGetPteAddress((const void *)PageAt(p, page))->u.Hard.PageFrameNumber);
        cleanBefore += !pfn[page]->u3.e1.Modified &&
                       GET_PAGING_FILE_OFFSET(pfn[page]->OriginalPte) == slot[page];
    }
    for (uint32_t page = 0; page < pages; page++) {
        if (!done[file[page]])
            rescued += MiRescuePagesOfFile(MmPagingFile[file[page]]);
        done[file[page]] = true;
    }
    for (uint32_t page = 0; page < pages; page++)
        movedAfter += pfn[page]->u3.e1.Modified && GET_PAGING_FILE_OFFSET(pfn[page]->OriginalPte) == 0;
    UNLOCK_PFN(oldIrql);
    KtPrint("%u pages rescued from the files these pages were read from", rescued);
    KT_ASSERT_EQ(pages, cleanBefore);
    KT_ASSERT_EQ(pages, movedAfter);
    KT_ASSERT_LE(pages, rescued);
    for (uint32_t page = 0; page < pages; page++)
        KT_ASSERT_EQ(PatternWord(page, 0), PageAt(p, page)[0]);
}

/* After PF_HOLD_MS, the held pages go back to the free list. */
static void GiveBackHeldPages(void *Context)
{
    int64_t hold = KI_MILLISECONDS(PF_HOLD_MS);

    (void)Context;
    KeDelayExecutionThread(KernelMode, false, &hold);
    KtReleaseHeldPages(NULL);
}

static void DoNothing(void *Context)
{
    (void)Context;
}

/*
 * Every available page but a few is taken, and a thread is made at once: its kernel stack
 * waits for pages (here, until a thread gives the taken ones back) instead of failing with
 * STATUS_INSUFFICIENT_RESOURCES. This thread runs at HIGH_PRIORITY meanwhile, so nothing
 * frees pages between the taking and the making.
 */
KTEST(TestKernelStackWaitsForPages, "mm.pagefail.stack_waits")
{
    KTHREAD *giver, *thread = NULL;
    KPRIORITY priority;
    uint32_t available, held;
    NTSTATUS status;
    KIRQL oldIrql;

    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&giver, GiveBackHeldPages, NULL,
                                                          KI_DEFAULT_PRIORITY, "PfGiver"));
    priority = KeSetPriorityThread(KeGetCurrentThread(), HIGH_PRIORITY);
    LOCK_PFN(oldIrql);
    held = KtHoldAvailablePages(MmMinimumFreePages);
    available = MmAvailablePages;
    UNLOCK_PFN(oldIrql);
    status = PsCreateSystemThread(&thread, DoNothing, NULL, KI_DEFAULT_PRIORITY, "PfStack");
    KeSetPriorityThread(KeGetCurrentThread(), priority);
    KeWaitForSingleObject(giver, Executive, KernelMode, false, NULL);
    KeDereferenceThread(giver);
    if (NT_SUCCESS(status)) {
        KeWaitForSingleObject(thread, Executive, KernelMode, false, NULL);
        KeDereferenceThread(thread);
    }
    KtPrint("%u pages taken, %u left available; PsCreateSystemThread returned 0x%08x", held,
            available, (uint32_t)status);
    KT_ASSERT_LT(available, MmMinimumFreePages);
    KT_ASSERT_STATUS(STATUS_SUCCESS, status);
}
