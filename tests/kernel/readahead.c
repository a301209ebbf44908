/*
 * tests/kernel/readahead.c: Mm's read-ahead of a sequential sweep through a paging file
 * (mm/pagfault.c, MiReadAheadPageFile): the clusters a run's faults read and what is read ahead
 * of them, a read ahead that fails, one from a file retired meanwhile, and memory freed while
 * one is under way.
 */
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "kernel/ps/ps.h"
#include "mm/mi.h"

#define PG_TAG                  POOL_TAG('T', 'R', 'd', 'A')

/* Is Page's PTE in transition on a page being read? */
static bool ReadInProgress(void *Base, uint32_t Page)
{
    MMPTE pte = PteOf(Base, Page);

    return !pte.u.Hard.Valid && pte.u.Soft.Transition &&
           MI_PFN_ELEMENT(pte.u.Trans.PageFrameNumber)->u3.e1.ReadInProgress;
}

/* Is Page's PTE a paging-file PTE (not in memory at all)? */
static bool InPagingFile(void *Base, uint32_t Page)
{
    MMPTE pte = PteOf(Base, Page);

    return !pte.u.Hard.Valid && !pte.u.Soft.Transition && pte.u.Soft.PageFileHigh != 0;
}

/* Every read ahead Mm has queued is done (at most a few seconds' wait). */
static bool ReadAheadsDone(void)
{
    int64_t pause = KI_MILLISECONDS(10);

    for (uint32_t tries = 0; tries < 500 && MiReadAheadsPending != 0; tries++)
        KeDelayExecutionThread(KernelMode, false, &pause);
    return MiReadAheadsPending == 0;
}

/*
 * Pages pages of paged pool filled with their pattern and paged out to slots that follow one
 * another, within one page table; *Block is the allocation to free. The test then runs above
 * the system threads, with no sequential run of the system working set's going on and no read
 * ahead left over. Skips if the slots do not follow one another, or memory is short.
 */
static void *PageOutRun(uint32_t Pages, void **Block)
{
    uintptr_t boundary;
    MMPTE first;
    void *p;

    RequirePagingFile();
    KtHoldBackgroundThreads();
    /* Twice the pages, so that a run of them lies within one page table: below the block's
     * first 4 MB boundary if it fits there, above it otherwise. */
    *Block = KtAllocatePool(PagedPool, 2 * Pages * PAGE_SIZE, PG_TAG);
    boundary = ((uintptr_t)*Block + MM_VA_MAPPED_BY_PDE) & ~(uintptr_t)(MM_VA_MAPPED_BY_PDE - 1);
    p = boundary - (uintptr_t)*Block >= Pages * PAGE_SIZE ||
        boundary >= (uintptr_t)*Block + 2 * Pages * PAGE_SIZE ? *Block : (void *)boundary;
    for (uint32_t page = 0; page < Pages; page++)
        FillPage(PageAt(p, page), page);
    KtPageOut(p, Pages);
    first = PteOf(p, 0);
    for (uint32_t page = 1; page < Pages; page++) {
        MMPTE pte = PteOf(p, page);

        if (pte.u.Soft.PageFileLow != first.u.Soft.PageFileLow ||
            pte.u.Soft.PageFileHigh != first.u.Soft.PageFileHigh + page)
            KtSkip("the pages' slots do not follow one another (page %u)", page);
    }
    if (MmAvailablePages < 6 * MM_MAXIMUM_READ_AHEAD_CLUSTER)     /* (Mm reads long ones */
        KtSkip("%u pages available: too few for long clusters", MmAvailablePages); /* then) */
    KT_ASSERT(ReadAheadsDone());                        /* nothing left from before */
    MmSystemCacheWs.NextSequentialFault = 0;            /* no run before this test's */
    MmSystemCacheWs.ReadAheadTrigger = 0;
    return p;
}

/* How many pages a read ahead of the run at Base (paged out) reads: MM_READ_AHEAD_CLUSTER, or
 * fewer if one transfer of its paging file's disk takes fewer (a disk without LBA48). */
static uint32_t ReadAheadCluster(void *Base)
{
    const MMPAGING_FILE *file = MmPagingFile[PteOf(Base, 0).u.Soft.PageFileLow];

    return MIN(MM_READ_AHEAD_CLUSTER,
               IoDiskMaximumTransferSectors(file->Disk) / HAL_ATA_SECTORS_PER_PAGE);
}

/*
 * A sweep over paged-out pages whose slots follow one another. The first fault reads Mm's
 * cluster (16 pages) and nothing more; a fault on the page right after it continues the run:
 * it reads MM_SEQUENTIAL_READ_CLUSTER pages itself, and the next MM_READ_AHEAD_CLUSTER are read
 * ahead by Mm's read-ahead thread (in transition, read in progress, when the fault returns). A fault on the
 * first page read ahead waits for that read and starts the next one ahead; the pages read
 * ahead then come back with no read of their own. A fault away from the run reads 16 again,
 * with nothing read ahead. Every word comes back.
 */
KTEST(TestSequentialCluster, "mm.paging.sequential_cluster")
{
    const uint32_t seq = MM_SEQUENTIAL_READ_CLUSTER, mm = MM_MAXIMUM_READ_CLUSTER;
    const uint32_t ahead = mm + seq;                    /* the first page read ahead */
    const uint32_t pages = ahead + 3 * MM_READ_AHEAD_CLUSTER + 2 * mm + seq;
    uint32_t ra, away;
    MMINFO_COUNTERS before;
    void *block, *p;

    p = PageOutRun(pages, &block);
    ra = ReadAheadCluster(p);
    away = ahead + 3 * ra + mm;                         /* a fault off the run */

    /* The first fault: 16 pages, one read, nothing ahead. */
    before = MmInfoCounters;
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, 0), 0));
    KT_ASSERT_EQ(mm, MmInfoCounters.PageReadCount - before.PageReadCount);
    KT_ASSERT_EQ(1, MmInfoCounters.PageReadIoCount - before.PageReadIoCount);
    KT_ASSERT_EQ(0, MiReadAheadsPending);
    KT_ASSERT(InPagingFile(p, mm));

    /* The run goes on: the fault reads 32, and the next 64 are being read ahead (this test
     * runs above the read-ahead thread, which has not had its turn yet). */
    before = MmInfoCounters;
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, mm), mm));
    KT_ASSERT_EQ(seq, MmInfoCounters.PageReadCount - before.PageReadCount);
    KT_ASSERT_EQ(1, MmInfoCounters.PageReadIoCount - before.PageReadIoCount);
    KT_ASSERT_EQ(1, MiReadAheadsPending);
    for (uint32_t page = ahead; page < ahead + ra; page++)
        KT_ASSERT(ReadInProgress(p, page));
    KT_ASSERT(InPagingFile(p, ahead + ra));

    /* The sweep reaches the pages read ahead: the fault waits for their read, and the next 64
     * are read ahead in turn. */
    before = MmInfoCounters;
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, ahead), ahead));
    KT_ASSERT_EQ(1, MmInfoCounters.CollidedFaultCount - before.CollidedFaultCount);
    KT_ASSERT(ReadAheadsDone());
    KT_ASSERT_EQ(2 * ra, MmInfoCounters.PageReadCount - before.PageReadCount);
    KT_ASSERT_EQ(2, MmInfoCounters.PageReadIoCount - before.PageReadIoCount);
    KT_ASSERT_EQ(2, MmInfoCounters.PageReadAheadIoCount - before.PageReadAheadIoCount);

    /* Those come back with no read of their own; the first of them reads the next 64 ahead. */
    before = MmInfoCounters;
    for (uint32_t page = ahead + ra; page < ahead + 2 * ra; page++)
        KT_ASSERT_EQ(0, CheckPage(PageAt(p, page), page));
    KT_ASSERT(ReadAheadsDone());
    KT_ASSERT_EQ(ra, MmInfoCounters.PageReadCount - before.PageReadCount);
    KT_ASSERT_EQ(1, MmInfoCounters.PageReadIoCount - before.PageReadIoCount);
    KT_ASSERT_EQ(1, MmInfoCounters.PageReadAheadIoCount - before.PageReadAheadIoCount);
    KT_ASSERT(!InPagingFile(p, ahead + 3 * ra - 1));
    KT_ASSERT(InPagingFile(p, ahead + 3 * ra));

    /* A fault off the run: 16 pages again, nothing ahead. */
    before = MmInfoCounters;
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, away), away));
    KT_ASSERT_EQ(mm, MmInfoCounters.PageReadCount - before.PageReadCount);
    KT_ASSERT_EQ(1, MmInfoCounters.PageReadIoCount - before.PageReadIoCount);
    KT_ASSERT_EQ(0, MiReadAheadsPending);
    KT_ASSERT(InPagingFile(p, away + mm));

    for (uint32_t page = 0; page < pages; page++)
        KT_ASSERT_EQ(0, CheckPage(PageAt(p, page), page));
    KtFreePool(block);
}

/* Whether File->Retired is set (this test's stand-in for a disk that stopped taking writes);
 * the flag alone, under the PFN lock. */
static void SetRetired(MMPAGING_FILE *File, bool Retired)
{
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    File->Retired = Retired;
    UNLOCK_PFN(oldIrql);
}

static void ClearRetired(void *File)
{
    SetRetired(File, false);
}

/*
 * A paging file retired while a read ahead of it is under way (MiRetirePagingFile's rescue
 * does not see pages being read): the pages come in rescued all the same, modified and no
 * longer naming their slots there, which are free in its bitmap, so that the writer puts them
 * elsewhere; their data is intact. The file is marked retired only for the read (the flag,
 * not the commit limit or the message MiRetirePagingFile gives).
 */
KTEST(TestReadAheadRescue, "mm.paging.read_ahead_rescue")
{
    const uint32_t seq = MM_SEQUENTIAL_READ_CLUSTER, mm = MM_MAXIMUM_READ_CLUSTER;
    const uint32_t ahead = mm + seq, pages = ahead + MM_READ_AHEAD_CLUSTER;
    MMPAGING_FILE *file;
    uint32_t firstSlot, ra;
    void *block, *p;

    p = PageOutRun(pages, &block);
    ra = ReadAheadCluster(p);
    file = MmPagingFile[PteOf(p, 0).u.Soft.PageFileLow];
    firstSlot = PteOf(p, 0).u.Soft.PageFileHigh;
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, 0), 0));
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, mm), mm));          /* continues the run: reads ahead */
    KT_ASSERT_EQ(1, MiReadAheadsPending);
    SetRetired(file, true);
    KtDefer(ClearRetired, file);
    KT_ASSERT(ReadAheadsDone());
    KtRelease(ClearRetired, file);
    for (uint32_t page = ahead; page < ahead + ra; page++) {
        MMPTE pte = PteOf(p, page);
        MMPFN *pfn = MI_PFN_ELEMENT(pte.u.Trans.PageFrameNumber);

        KT_ASSERT_EQ(1, pte.u.Soft.Transition);
        KT_ASSERT(pfn->u3.e1.Modified || pfn->OriginalPte.u.Soft.PageFileLow != file->PageFileNumber);
        KT_ASSERT(pfn->OriginalPte.u.Soft.PageFileHigh == 0 ||
                  pfn->OriginalPte.u.Soft.PageFileLow != file->PageFileNumber);
        KT_ASSERT(!RtlCheckBit(&file->Bitmap, firstSlot + page));
    }
    for (uint32_t page = 0; page < pages; page++)
        KT_ASSERT_EQ(0, CheckPage(PageAt(p, page), page));
    KtFreePool(block);
}

/*
 * A read ahead that fails (tests/paging.t's boot whose disk fails reads of one slot, which
 * falls in the pages this test reads ahead): every page it was reading goes back to its slot
 * in the paging file and its page is freed. A fault on each good page then reads it (its
 * cluster may fail, the page alone does not), with its data; the bad page's own read fails,
 * and a probe of it gets STATUS_IN_PAGE_ERROR, no STOP. On a disk that fails nothing, the read
 * ahead brings every page in and each probe reads its data. The test says which it saw.
 */
KTEST(TestReadAheadError, "mm.paging.read_ahead_error")
{
    const uint32_t seq = MM_SEQUENTIAL_READ_CLUSTER, mm = MM_MAXIMUM_READ_CLUSTER;
    const uint32_t ahead = mm + seq, pages = ahead + MM_READ_AHEAD_CLUSTER + mm;
    uint32_t value = 0, bad = 0, badPage = 0, ra;
    void *block, *p;
    bool failed;

    p = PageOutRun(pages, &block);
    ra = ReadAheadCluster(p);
    KtPrint("the run's first slot is %u", PteOf(p, 0).u.Soft.PageFileHigh);
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, 0), 0));
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, mm), mm));          /* continues the run: reads ahead */
    KT_ASSERT_EQ(1, MiReadAheadsPending);
    KT_ASSERT(ReadAheadsDone());
    failed = InPagingFile(p, ahead);
    KtPrint("the read ahead %s", failed ? "failed" : "read its pages");
    for (uint32_t page = ahead + 1; page < ahead + ra; page++)     /* (ahead's said it) */
        KT_ASSERT_EQ(failed, InPagingFile(p, page));
    for (uint32_t page = ahead; page < ahead + ra; page++) {
        NTSTATUS status = KeProbeRead32(PageAt(p, page), &value);

        if (status == STATUS_IN_PAGE_ERROR) {
            KT_ASSERT(InPagingFile(p, page));
            bad++;
            badPage = page;
            continue;
        }
        KT_ASSERT_STATUS(STATUS_SUCCESS, status);
        KT_ASSERT_EQ(PatternWord(page, 0), value);
    }
    KtPrint("%u pages of the read ahead could not be read (page %u)", bad, badPage);
    KT_ASSERT_EQ(failed ? 1 : 0, bad);
    KtFreePool(block);
}

/*
 * A process's memory freed while a read ahead of it is under way (what its exit does too):
 * the PTEs go while their pages are still being read, and the read's end frees those pages and
 * their slots. In a process of nop.exe, made but never run, this test (attached, above the
 * read-ahead thread) commits a run, pages it out, sweeps into it until a read ahead is queued,
 * and releases the memory before the read runs; then every slot the run took is free again.
 */
#define READ_AHEAD_PROGRAM  "nop.exe"
#define READ_AHEAD_BASE     0x10000000u     /* 4 MB-aligned: the run in one page table */
#define READ_AHEAD_WAIT_MS  5000            /* for the process's deletion to give back slots */

typedef struct {
    NTSTATUS Allocate, Free;
    bool Consecutive;                   /* the run's slots follow one another */
    uint32_t Bad, Pending, InProgress, Cluster;
} READ_AHEAD_FREED;

static void ReadAheadAndFree(EPROCESS *Process, uint32_t Pages, READ_AHEAD_FREED *R)
{
    MMSUPPORT *ws = &MiGetProcess(&Process->Pcb)->Vm;
    uint32_t size, firstSlot;
    void *base = (void *)READ_AHEAD_BASE;

    R->Allocate = KtCommitFilledPages(base, Pages);
    if (!NT_SUCCESS(R->Allocate))
        return;
    MmAdjustWorkingSetSize(&Process->Pcb, 0xFFFFFFFF, 0xFFFFFFFF, 0);
    MmEmptyModifiedPageList();
    MmPurgeStandbyList();
    firstSlot = PteOf(base, 0).u.Soft.PageFileHigh;
    R->Consecutive = true;
    for (uint32_t page = 0; page < Pages; page++)
        R->Consecutive &= InPagingFile(base, page) &&
                          PteOf(base, page).u.Soft.PageFileHigh == firstSlot + page;
    ws->NextSequentialFault = 0;
    ws->ReadAheadTrigger = 0;
    if (R->Consecutive) {
        R->Cluster = ReadAheadCluster(base);
        R->Bad = CheckPage(PageAt(base, 0), 0);
        R->Bad += CheckPage(PageAt(base, MM_MAXIMUM_READ_CLUSTER), MM_MAXIMUM_READ_CLUSTER);
        R->Pending = MiReadAheadsPending;
        for (uint32_t page = MM_MAXIMUM_READ_CLUSTER + MM_SEQUENTIAL_READ_CLUSTER; page < Pages;
             page++)
            R->InProgress += ReadInProgress(base, page);
    }
    size = 0;
    R->Free = PSP_KERNEL_CALL(NtFreeVirtualMemory(NtCurrentProcess(), &base, &size, MEM_RELEASE));
}

static KT_CHILD ReadAheadChild;            /* the test's process (KtFinishChild) */

/* The paging file's use, once it is back to Usage (a deleted process gives its slots back on a
 * worker thread), or as it is after READ_AHEAD_WAIT_MS. */
static uint32_t PagingFileUsageBackTo(uint32_t Usage)
{
    int64_t pause = KI_MILLISECONDS(10);

    for (uint32_t waited = 0; PagingFileUsage() != Usage && waited < READ_AHEAD_WAIT_MS;
         waited += 10)
        KeDelayExecutionThread(KernelMode, false, &pause);
    return PagingFileUsage();
}

KTEST(TestReadAheadFreed, "mm.fault.read_ahead_freed")
{
    const uint32_t pages = MM_MAXIMUM_READ_CLUSTER + MM_SEQUENTIAL_READ_CLUSTER +
                           MM_READ_AHEAD_CLUSTER;
    READ_AHEAD_FREED r = { 0 };
    KAPC_STATE apcState;
    uint32_t usage;

    if (!MmFindLoaderModule(READ_AHEAD_PROGRAM))
        KtSkip("no module " READ_AHEAD_PROGRAM);
    RequirePagingFile();
    KtHoldBackgroundThreads();
    KT_ASSERT(ReadAheadsDone());
    MmEmptyModifiedPageList();                  /* what others left dirty has its slots now */
    usage = PagingFileUsage();
    KT_ASSERT_STATUS(STATUS_SUCCESS, PspCreateProcess(READ_AHEAD_PROGRAM, READ_AHEAD_PROGRAM,
                                                      NULL, &ReadAheadChild.Process,
                                                      &ReadAheadChild.Thread));
    KtDefer(KtFinishChild, &ReadAheadChild);
    KeStackAttachProcess(&ReadAheadChild.Process->Pcb, &apcState);
    ReadAheadAndFree(ReadAheadChild.Process, pages, &r);
    KeUnstackDetachProcess(&apcState);
    KT_ASSERT(ReadAheadsDone());
    KtRelease(KtFinishChild, &ReadAheadChild);

    KT_ASSERT_STATUS(STATUS_SUCCESS, r.Allocate);
    if (!r.Consecutive)
        KtSkip("the run's slots do not follow one another");
    KT_ASSERT_EQ(0, r.Bad);
    KT_ASSERT_EQ(1, r.Pending);
    KT_ASSERT_EQ(r.Cluster, r.InProgress);
    KT_ASSERT_STATUS(STATUS_SUCCESS, r.Free);
    KT_ASSERT_EQ(usage, PagingFileUsageBackTo(usage));
}
