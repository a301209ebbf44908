/*
 * tests/kernel/paging.c: demand paging of paged pool. The PTE formats and their decoding;
 * demand-zero, soft (transition) and hard (paging-file) faults with the data intact; read
 * clustering; collided faults; guard pages and access checks; the commit limit; and memory
 * three times the size of RAM written and read back from several threads.
 *
 * Tests that need a paging file skip without one (tests/paging.t boots with one).
 */
#include "hal/hal.h"
#include "kernel/kd/ktest.h"
#include "tests/kernel/pageout.h"
#include "kernel/init/init.h"
#include "kernel/kd/kd.h"
#include "hal/ata.h"
#include "mm/mi.h"

#define PG_TAG                  POOL_TAG('T', 'P', 'a', 'g')
#define PG_CHUNK_PAGES          256     /* the big test allocates 1 MB at a time */
#define PG_MAX_CHUNKS           1024
#define PG_READERS              4
#define PG_128_MIB              ((128u << 20) / PAGE_SIZE)
#define PG_POOL_SLACK           8       /* the commit-limit test leaves paged pool 1/8 */
#define PG_BALANCE_PAGES        64      /* in the working set for the balance-set test to trim */

/* Paged pool pages not allocated: what a new allocation may take at most. */
static uint32_t PagedPoolPagesLeft(void)
{
    return MmSizeOfPagedPoolInBytes / PAGE_SIZE - MmPagedPoolInfo.AllocatedPagedPool;
}

static uint32_t ReadWord(void *Base, uint32_t Page, uint32_t Index)
{
    uint32_t value = PageAt(Base, Page)[Index];

    _ReadWriteBarrier();
    return value;
}

/* The commitment, less paged pool's page tables: they stay once made, and so does their charge. */
static uint32_t CommittedForPool(void)
{
    return MmTotalCommittedPages - MmPagedPoolInfo.PageTablePages;
}

/* Decoding: each format's fields where NT puts them, and what !pte (and gdb's pte) says. */
static void ExpectDescription(uint32_t Pte, uint32_t Count, const char *Line1, const char *Line2,
                              const char *Line3)
{
    char lines[KD_PTE_LINES][KD_PTE_LINE_SIZE];
    const char *expected[3] = { Line1, Line2, Line3 };

    KT_ASSERT_EQ(Count, KdDescribePte(Pte, lines));
    KT_ASSERT_STREQ("not valid", lines[0]);
    for (uint32_t i = 1; i < Count; i++)
        KT_ASSERT_STREQ(expected[i - 1], lines[i]);
}

KTEST(TestPteFormats, "mm.paging.pte_formats")
{
    char lines[KD_PTE_LINES][KD_PTE_LINE_SIZE], proto[KD_PTE_LINE_SIZE];
    MMPTE pte, valid = { .u.Long = 0x0012A063 };
    MMPTE *protoPte = (MMPTE *)(MmPagedPoolStart + 0x12344);

    /* Valid: NT's flag letters. */
    KT_ASSERT_EQ(1, KdDescribePte(valid.u.Long, lines));
    KT_ASSERT_STREQ("pfn 12a    ---DA--KWEV", lines[0]);

    /* Demand zero: 0x80 is read/write; 0 is no PTE at all; a guard page is 0x280. */
    KT_ASSERT_EQ(0x80, MM_DEMAND_ZERO_WRITE_PTE);
    KT_ASSERT_EQ(1, KdDescribePte(0, lines));
    ExpectDescription(0x80, 3, " DemandZero", " Protect: 4 - ReadWrite", NULL);
    ExpectDescription(0x280, 3, " DemandZero", " Protect: 14 - GUARD ReadWrite", NULL);
    ExpectDescription(MM_DECOMMITTED_PTE, 3, " DemandZero", " Protect: 10 - Decommitted", NULL);

    /* Paging file 3, slot 0x1234, read/write. */
    pte.u.Long = 0;
    pte.u.Soft.PageFileLow = 3;
    pte.u.Soft.PageFileHigh = 0x1234;
    pte.u.Soft.Protection = MM_READWRITE;
    KT_ASSERT_EQ(0x01234086, pte.u.Long);
    KT_ASSERT_EQ(3, GET_PAGING_FILE_NUMBER(pte));
    KT_ASSERT_EQ(0x1234, GET_PAGING_FILE_OFFSET(pte));
    ExpectDescription(pte.u.Long, 4, " PageFile:  3", " Offset: 1234", " Protect: 4 - ReadWrite");

    /* Transition, made from the valid PTE and back: the frame and bits 1-4 stay. */
    pte = MiMakeTransitionFromValidPte(valid, MM_READWRITE);
    KT_ASSERT_EQ(0x0012A882, pte.u.Long);
    KT_ASSERT_EQ(0x12A, pte.u.Trans.PageFrameNumber);
    ExpectDescription(pte.u.Long, 3, " Transition: 12a", " Protect: 4 - ReadWrite", NULL);
    KT_ASSERT_EQ(0x0012A063, MiMakeValidFromTransitionPte(MiGetPteAddress(MmPagedPoolStart), pte,
                                                          true).u.Long);
    KT_ASSERT_EQ(0x0012A023, MiMakeValidFromTransitionPte(MiGetPteAddress(MmPagedPoolStart), pte,
                                                          false).u.Long);
    /* In user space the page comes back user-accessible (a user page faulted back from standby). */
    KT_ASSERT_EQ(0x0012A067, MiMakeValidFromTransitionPte(MiGetPteAddress(0x00440000), pte,
                                                          true).u.Long);
    KT_ASSERT_EQ(0x0012A880, MiMakeTransitionPte(0x12A, MM_READWRITE).u.Long);

    /* Prototype: offset 0x12344 from paged pool's start is bits 2-8 (0x51) in PTE bits 1-7
     * and bits 9-29 (0x91) in bits 11-31, worked out by hand; the last address paged pool's
     * gigabyte can encode sets every address bit; the address round-trips; the VAD marker. */
    pte = MiProtoAddressForPte(protoPte);
    KT_ASSERT_EQ(0x00048CA2, pte.u.Long);
    KT_ASSERT_EQ(1, pte.u.Proto.Prototype);
    KT_ASSERT_PTR_EQ(protoPte, MiPteToProto(pte));
    pte = MiProtoAddressForPte((MMPTE *)(MmPagedPoolStart + 0x3FFFFFFC));
    KT_ASSERT_EQ(0xFFFFFCFE, pte.u.Long);
    KT_ASSERT_PTR_EQ((MMPTE *)(MmPagedPoolStart + 0x3FFFFFFC), MiPteToProto(pte));
    pte = MiProtoAddressForPte(protoPte);
    RtlStringPrintf(proto, sizeof(proto), " Proto: %08X", (uint32_t)(uintptr_t)protoPte);
    ExpectDescription(pte.u.Long, 2, proto, NULL, NULL);
    ExpectDescription(0xFFFFF480, 3, " Proto: VAD", " Protect: 4 - ReadWrite", NULL);
}

/* A fresh page is demand zero; the first touch brings a page of zeroes into the working set. */
KTEST(TestDemandZero, "mm.paging.demand_zero")
{
    uint32_t committed = CommittedForPool(), faults = MmInfoCounters.DemandZeroCount;
    uint32_t *p = KtAllocatePool(PagedPool, 16 * PAGE_SIZE, PG_TAG);
    uint32_t wsSize;

    KT_ASSERT_EQ(committed + 16, CommittedForPool());
    for (uint32_t page = 0; page < 16; page++)
        KT_ASSERT_EQ(MM_DEMAND_ZERO_WRITE_PTE, PteOf(p, page).u.Long);
    wsSize = MmSystemCacheWs.WorkingSetSize;
    for (uint32_t page = 0; page < 16; page++) {
        for (uint32_t i = 0; i < WORDS_PER_PAGE; i++)
            KT_ASSERT_EQ(0, ReadWord(p, page, i));
        KT_ASSERT_EQ(1, PteOf(p, page).u.Hard.Valid);
        KT_ASSERT_EQ(1, PteOf(p, page).u.Hard.Write);
    }
    KT_ASSERT_GE(MmInfoCounters.DemandZeroCount - faults, 16);
    KT_ASSERT_GE(MmSystemCacheWs.WorkingSetSize, wsSize + 16);
    KtFreePool(p);
    KT_ASSERT_EQ(committed, CommittedForPool());
}

/* Trimmed pages stay in memory on the modified (dirty) or standby list: a soft fault takes
 * them back with their data, no disk involved. */
KTEST(TestSoftFault, "mm.paging.soft_fault")
{
    void *p = KtAllocatePool(PagedPool, 8 * PAGE_SIZE, PG_TAG);
    uint32_t soft = MmInfoCounters.TransitionCount, reads = MmInfoCounters.PageReadCount;

    for (uint32_t page = 0; page < 8; page++)
        FillPage(PageAt(p, page), page);
    KT_ASSERT_GE(MmEmptySystemWorkingSet(), 8);
    for (uint32_t page = 0; page < 8; page++) {
        MMPTE pte = PteOf(p, page);
        MMPFN *pfn = MI_PFN_ELEMENT(pte.u.Trans.PageFrameNumber);

        KT_ASSERT_EQ(0, pte.u.Hard.Valid);
        KT_ASSERT_EQ(1, pte.u.Soft.Transition);
        KT_ASSERT_EQ(MM_READWRITE, pte.u.Trans.Protection);
        KT_ASSERT_PTR_EQ(MiGetPteAddress(PageAt(p, page)), pfn->PteAddress);
        KT_ASSERT(pfn->u3.e1.Modified || pfn->u3.e1.WriteInProgress ||
                  pfn->u3.e1.PageLocation == StandbyPageList);
    }
    for (uint32_t page = 0; page < 8; page++) {
        KT_ASSERT_EQ(0, CheckPage(PageAt(p, page), page));
        KT_ASSERT_EQ(1, PteOf(p, page).u.Hard.Valid);
    }
    KT_ASSERT_GE(MmInfoCounters.TransitionCount - soft, 8);
    KT_ASSERT_EQ(reads, MmInfoCounters.PageReadCount);
}

/*
 * Pages sent to the paging file come back by hard faults with their data, neighbours read
 * in the same request (read clustering) and found on the standby list, and the slots are
 * released when the memory is freed.
 */
KTEST(TestHardFault, "mm.paging.hard_fault")
{
    const uint32_t pages = 2 * MM_MAXIMUM_READ_CLUSTER;
    void *p;
    uint32_t reads, readIos, soft, usage;
    const MMPAGING_FILE *file;
    MMPTE pte;

    RequirePagingFile();
    p = KtAllocatePool(PagedPool, pages * PAGE_SIZE, PG_TAG);
    for (uint32_t page = 0; page < pages; page++)
        FillPage(PageAt(p, page), page);
    KtPageOut(p, pages);
    pte = PteOf(p, 0);
    file = MmPagingFile[pte.u.Soft.PageFileLow];
    KT_ASSERT(file != NULL);
    KT_ASSERT_EQ(MM_READWRITE, pte.u.Soft.Protection);
    KT_ASSERT(RtlCheckBit(&file->Bitmap, pte.u.Soft.PageFileHigh));

    reads = MmInfoCounters.PageReadCount;
    readIos = MmInfoCounters.PageReadIoCount;
    soft = MmInfoCounters.TransitionCount;
    KT_ASSERT_EQ(0, CheckPage(PageAt(p, 0), 0));
    KT_ASSERT_EQ(1, MmInfoCounters.PageReadIoCount - readIos);
    KT_ASSERT_GT(MmInfoCounters.PageReadCount - reads, 1);
    for (uint32_t page = 1; page < pages; page++)
        KT_ASSERT_EQ(0, CheckPage(PageAt(p, page), page));
    KT_ASSERT_GT(MmInfoCounters.TransitionCount - soft, 0);
    KT_ASSERT_LT(MmInfoCounters.PageReadIoCount - readIos, MmInfoCounters.PageReadCount - reads);

    /* Clean pages keep their slot; freeing the memory gives it back. */
    pte = PteOf(p, 1);
    KT_ASSERT_EQ(1, pte.u.Hard.Valid);
    KT_ASSERT_EQ(0, pte.u.Hard.Dirty);
    usage = PagingFileUsage();
    KtFreePool(p);
    KT_ASSERT_LE(PagingFileUsage() + pages, usage);
}

typedef struct _PG_READER {
    void *Base;
    uint32_t FirstPage;                 /* the pattern's number for the page at Base */
    uint32_t Pages;
    uint32_t Seed;                      /* 0: read every page in order */
    uint32_t Reads;
    volatile uint32_t Bad;
} PG_READER;

static void ReadPages(void *Context)
{
    PG_READER *reader = Context;
    uint32_t x = reader->Seed, bad = 0;

    for (uint32_t n = 0; n < reader->Reads; n++) {
        uint32_t page = n % reader->Pages;

        if (reader->Seed) {
            x = x * 1664525u + 1013904223u;
            page = x % reader->Pages;
        }
        bad += CheckPage(PageAt(reader->Base, page), reader->FirstPage + page);
    }
    reader->Bad = bad;
}

static void JoinReaderCleanup(void *Thread)
{
    NTSTATUS status = KeWaitForSingleObject(Thread, Executive, KernelMode, false, NULL);

    KeDereferenceThread(Thread);
    KT_ASSERT_STATUS(STATUS_SUCCESS, status);
}

/* A reader thread, joined by the test's cleanup if the test ends before JoinReader. */
static KTHREAD *StartReader(PG_READER *Reader, KPRIORITY Priority)
{
    KTHREAD *thread;

    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&thread, ReadPages, Reader, Priority,
                                                          "PgReader"));
    KtDefer(JoinReaderCleanup, thread);
    return thread;
}

static void JoinReader(KTHREAD *Thread)
{
    KtRelease(JoinReaderCleanup, Thread);
}

static void EnableIrq(void *Irq)
{
    HalEnableIrq((uint32_t)(uintptr_t)Irq);
}

/*
 * Two threads fault on one page that is in the paging file: the first reads it, the second
 * finds the read in progress and waits on the same event. The disk's interrupt is held off
 * meanwhile, so the read cannot end before the second thread faults, however fast the disk:
 * the first thread runs above this one and gets as far as waiting for its read at once, the
 * second does the same and collides; then the interrupt is let through.
 */
KTEST(TestCollidedFault, "mm.paging.collided")
{
    PG_READER first = { .Pages = 1, .Reads = 1 }, second = { .Pages = 1, .Reads = 1 };
    uint32_t collided = MmInfoCounters.CollidedFaultCount, irq;
    KTHREAD *a, *b;

    RequirePagingFile();
    first.Base = second.Base = KtAllocatePool(PagedPool, PAGE_SIZE, PG_TAG);
    FillPage(PageAt(first.Base, 0), 0);
    KtPageOut(first.Base, 1);
    irq = HAL_IRQ_ATA_PRIMARY +
          HalAtaDisk(MmPagingFile[PteOf(first.Base, 0).u.Soft.PageFileLow]->Disk)->Channel;

    HalDisableIrq(irq);
    KtDefer(EnableIrq, (void *)(uintptr_t)irq);
    a = StartReader(&first, KI_DEFAULT_PRIORITY + 1);
    b = StartReader(&second, KI_DEFAULT_PRIORITY + 1);
    KtRelease(EnableIrq, (void *)(uintptr_t)irq);
    JoinReader(a);
    JoinReader(b);
    KT_ASSERT_EQ(0, first.Bad);
    KT_ASSERT_EQ(0, second.Bad);
    KT_ASSERT_EQ(collided + 1, MmInfoCounters.CollidedFaultCount);
}

/*
 * A system thread's long KeCopyMemorySafe (through XMM0 and XMM1 where the processor has SSE2:
 * kernel/ke/probe.S) into paged-out pages: each turn that stores into a page not in memory
 * waits for its read with the turn's data in XMM0 and XMM1, while another thread of the same
 * priority fills those registers with garbage and yields. The switch saves and restores the
 * copying thread's registers (KernelXmmUse: kernel/ke/sched.c), so every word arrives.
 */
#define PG_XMM_COPY_PAGES       32

static volatile bool PgXmmClobberStop;

static void XmmClobber(void *Context)
{
    static const uint32_t garbage[4] = { 0xBAADF00D, 0xDEADBEEF, 0xBAADF00D, 0xDEADBEEF };

    (void)Context;
    while (!PgXmmClobberStop) {
        __asm__ volatile("movups %0, %%xmm0\n\tmovups %0, %%xmm1" : : "m"(garbage));
        KeYieldExecution();
    }
}

static void StopXmmClobber(void *Thread)
{
    PgXmmClobberStop = true;
    JoinReaderCleanup(Thread);
}

KTEST(TestXmmCopyWaits, "mm.paging.xmm_copy_waits")
{
    uint32_t *source = KtAllocatePool(NonPagedPool, PG_XMM_COPY_PAGES * PAGE_SIZE, PG_TAG);
    void *destination = KtAllocatePool(PagedPool, PG_XMM_COPY_PAGES * PAGE_SIZE, PG_TAG);
    uint32_t reads = MmInfoCounters.PageReadIoCount, bad = 0;
    KTHREAD *clobber;
    NTSTATUS status;

    RequirePagingFile();
    if (!KeI386XMMI64Present)
        KtSkip("the processor has no SSE2: the copy goes through general registers");
    for (uint32_t page = 0; page < PG_XMM_COPY_PAGES; page++) {
        FillPage(PageAt(destination, page), page + 1);      /* not what the copy writes */
        for (uint32_t i = 0; i < WORDS_PER_PAGE; i++)
            source[page * WORDS_PER_PAGE + i] = PatternWord(page, i);
    }
    KtPageOut(destination, PG_XMM_COPY_PAGES);
    PgXmmClobberStop = false;
    KT_ASSERT_STATUS(STATUS_SUCCESS, PsCreateSystemThread(&clobber, XmmClobber, NULL,
                                                          KeGetCurrentThread()->Priority,
                                                          "PgXmmClobber"));
    KtDefer(StopXmmClobber, clobber);
    status = KeCopyMemorySafe(destination, source, PG_XMM_COPY_PAGES * PAGE_SIZE);
    KtRelease(StopXmmClobber, clobber);
    KT_ASSERT_STATUS(STATUS_SUCCESS, status);
    KtPrint("%u read(s) waited for", MmInfoCounters.PageReadIoCount - reads);
    KT_ASSERT_GE(MmInfoCounters.PageReadIoCount - reads, 1);
    for (uint32_t page = 0; page < PG_XMM_COPY_PAGES; page++)
        bad += CheckPage(PageAt(destination, page), page);
    KT_ASSERT_EQ(0, bad);
    KT_ASSERT_EQ(0, KeGetCurrentThread()->KernelXmmUse);
}

/* Give the invalid PTE of Va the protection Protection, as VirtualProtect would. */
static void SetInvalidPteProtection(void *Va, uint32_t Protection)
{
    MMPTE *pte = MiGetPteAddress(Va);
    bool valid;
    KIRQL oldIrql;

    MiLockSystemWorkingSet();
    LOCK_PFN(oldIrql);
    valid = pte->u.Hard.Valid;
    if (!valid) {
        pte->u.Soft.Protection = Protection;
        if (pte->u.Soft.Transition)
            MI_PFN_ELEMENT(pte->u.Trans.PageFrameNumber)->OriginalPte.u.Soft.Protection =
                Protection;
    }
    UNLOCK_PFN(oldIrql);
    MiUnlockSystemWorkingSet();
    KT_ASSERT(!valid);
}

/*
 * A guard page faults once with STATUS_GUARD_PAGE_VIOLATION and loses its guard, whatever
 * state it is in; the next access goes through. Here through probes, as an NT driver's
 * __try would see it.
 */
KTEST(TestGuardPage, "mm.paging.guard")
{
    uint32_t *p = KtAllocatePool(PagedPool, 2 * PAGE_SIZE, PG_TAG);
    volatile uint32_t *second = PageAt(p, 1);
    uint32_t value = 1;


    /* Demand zero. */
    SetInvalidPteProtection(p, MM_GUARD_PAGE | MM_READWRITE);
    KT_ASSERT_EQ(0x280, MiGetPteAddress(p)->u.Long);
    KT_ASSERT_STATUS(STATUS_GUARD_PAGE_VIOLATION, KeProbeRead32(p, &value));
    KT_ASSERT_EQ(MM_DEMAND_ZERO_WRITE_PTE, MiGetPteAddress(p)->u.Long);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeRead32(p, &value));
    KT_ASSERT_EQ(0, value);

    /* Transition: the page keeps its data through the guard fault. */
    *second = 0x6A4D;
    MmEmptySystemWorkingSet();
    KT_ASSERT_EQ(1, MiGetPteAddress(second)->u.Soft.Transition);
    SetInvalidPteProtection((void *)second, MM_GUARD_PAGE | MM_READWRITE);
    KT_ASSERT_STATUS(STATUS_GUARD_PAGE_VIOLATION, KeProbeWrite32(second, 1));
    KT_ASSERT_EQ(MM_READWRITE, MiGetPteAddress(second)->u.Trans.Protection);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeRead32(second, &value));
    KT_ASSERT_EQ(0x6A4D, value);
    KT_ASSERT_EQ(1, MiGetPteAddress(second)->u.Hard.Write);
}

/*
 * The PTE a fault read can change before the fault takes the PFN lock: a page in transition
 * whose standby page is reused gets its original PTE back (MiRemoveAnyPage does this under
 * the PFN lock alone, working-set mutex or not). The guard is checked against the PTE as it
 * is under the lock: the fault is sent round again and the guard fires, once, on the PTE that
 * is there now. Here the reuse happens between the read and MiAccessCheck, as it could when
 * the faulting thread is preempted.
 */
KTEST(TestGuardPageChangedMeanwhile, "mm.paging.guard_changed")
{
    uint32_t *p = ExAllocatePoolWithTag(PagedPool, PAGE_SIZE, PG_TAG);
    volatile MMPTE *pte = MiGetPteAddress(p);
    MMPTE contents, restored, after;
    NTSTATUS status, first, second;
    int64_t pause = KI_MILLISECONDS(10);
    uint32_t value = 1, tries;
    KIRQL oldIrql;

    KT_ASSERT(p != NULL);
    *p = 0x5EED;
    MmEmptySystemWorkingSet();
    KT_ASSERT_EQ(1, pte->u.Soft.Transition);
    SetInvalidPteProtection(p, MM_GUARD_PAGE | MM_READWRITE);

    for (tries = 0; tries < KT_PAGE_OUT_TRIES; tries++) {
        MMPFN *pfn;

        MiLockSystemWorkingSet();
        contents.u.Long = pte->u.Long;
        pfn = MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber);
        LOCK_PFN(oldIrql);
        if (pfn->u3.e2.ReferenceCount == 0 && pfn->u3.e1.PageLocation <= BadPageList)
            break;
        UNLOCK_PFN(oldIrql);                        /* the writer has it: wait */
        MiUnlockSystemWorkingSet();
        KeDelayExecutionThread(KernelMode, false, &pause);
    }
    if (tries == KT_PAGE_OUT_TRIES) {
        ExFreePoolWithTag(p, PG_TAG);
        KtFail(__FILE__, __LINE__, "the page at %p never came to rest on a list", p);
    }
    MiUnlinkPageFromList(MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber));
    MI_PFN_ELEMENT(contents.u.Trans.PageFrameNumber)->u3.e1.PageLocation = TransitionPage;
    MiRestoreTransitionPte(contents.u.Trans.PageFrameNumber);
    MiInsertPageInList(&MmFreePageListHead, contents.u.Trans.PageFrameNumber);
    UNLOCK_PFN(oldIrql);
    restored.u.Long = pte->u.Long;
    status = MiAccessCheck(&MmSystemCacheWs, (MMPTE *)pte, false, contents);
    after.u.Long = pte->u.Long;
    MiUnlockSystemWorkingSet();

    first = KeProbeRead32(p, &value);
    second = KeProbeRead32(p, &value);
    ExFreePoolWithTag(p, PG_TAG);

    KtPrint("read %08x, then %08x; MiAccessCheck %08x left %08x", contents.u.Long,
            restored.u.Long, (uint32_t)status, after.u.Long);
    KT_ASSERT_EQ(0, restored.u.Soft.Transition);
    KT_ASSERT_EQ(MM_GUARD_PAGE | MM_READWRITE, restored.u.Soft.Protection);
    KT_ASSERT_STATUS(STATUS_REFAULT, status);
    KT_ASSERT_EQ(restored.u.Long, after.u.Long);
    KT_ASSERT_STATUS(STATUS_GUARD_PAGE_VIOLATION, first);
    KT_ASSERT_STATUS(STATUS_SUCCESS, second);
}

/* The protection in an invalid PTE is checked before anything is paged in. */
KTEST(TestAccessCheck, "mm.paging.access")
{
    uint32_t *p = KtAllocatePool(PagedPool, 2 * PAGE_SIZE, PG_TAG);
    volatile uint32_t *second = PageAt(p, 1);
    uint32_t value = 1;

    SetInvalidPteProtection(p, MM_READONLY);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeWrite32(p, 1));
    KT_ASSERT_EQ(MM_READONLY << MM_PROTECT_FIELD_SHIFT, MiGetPteAddress(p)->u.Long);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeRead32(p, &value));
    KT_ASSERT_EQ(0, value);
    KT_ASSERT_EQ(0, MiGetPteAddress(p)->u.Hard.Write);

    SetInvalidPteProtection((void *)second, MM_NOACCESS);
    KT_ASSERT_STATUS(STATUS_ACCESS_VIOLATION, KeProbeRead32(second, &value));
    KT_ASSERT_EQ(0, MiGetPteAddress(second)->u.Hard.Valid);
    SetInvalidPteProtection((void *)second, MM_READWRITE);
    KT_ASSERT_STATUS(STATUS_SUCCESS, KeProbeWrite32(second, 7));
    KT_ASSERT_EQ(7, *second);
}

/* Paged pool in chunks of PG_CHUNK_PAGES or more, freed by the test's cleanup if not before. */
typedef struct _PG_CHUNKS {
    uint32_t Count;
    void *Chunk[PG_MAX_CHUNKS];
} PG_CHUNKS;

static PG_CHUNKS PgChunks;

static void FreeChunks(void *Chunks)
{
    PG_CHUNKS *chunks = Chunks;

    while (chunks->Count)
        ExFreePoolWithTag(chunks->Chunk[--chunks->Count], PG_TAG);
}

static void ReturnCommitment(void *Pages)
{
    MiReturnCommitment((uint32_t)(uintptr_t)Pages);
}

/*
 * Paged pool up to the commit limit: past it the allocation is refused (NULL), with nothing
 * charged; freeing gives the commitment back, and allocations succeed again. On a machine
 * whose commitment left is more than paged pool can hold (less a slack for page tables and
 * fragmentation), the limit cannot be reached through paged pool: the test charges the
 * excess itself first, as any other user of commitment (kernel stacks, nonpaged pool) would,
 * and gives it back at the end.
 */
KTEST(TestCommitLimit, "mm.paging.commit_limit")
{
    PG_CHUNKS *chunks = &PgChunks;
    uint32_t room = MmTotalCommitLimit - MmTotalCommittedPages, poolRoom = PagedPoolPagesLeft();
    uint32_t standIn = 0, baseline, committed, chunkPages;
    void *more;

    if (room > poolRoom - poolRoom / PG_POOL_SLACK) {
        standIn = room - (poolRoom - poolRoom / PG_POOL_SLACK);
        KT_ASSERT(MiChargeCommitment(standIn));
        KtDefer(ReturnCommitment, (void *)(uintptr_t)standIn);
    }
    baseline = CommittedForPool();

    /* Chunks of a sixteenth of what is left, so the limit is reached in a few dozen. */
    chunkPages = MAX((MmTotalCommitLimit - baseline) / 16, 1u);
    KtDefer(FreeChunks, chunks);
    while (chunks->Count < PG_MAX_CHUNKS) {
        void *chunk = ExAllocatePoolWithTag(PagedPool, (size_t)chunkPages * PAGE_SIZE, PG_TAG);

        if (!chunk)
            break;
        chunks->Chunk[chunks->Count++] = chunk;
    }
    KtPrint("%u chunks of %u pages; %u of %u pages committed, %u of them by the test itself "
            "(paged pool had %u pages left)", chunks->Count, chunkPages, MmTotalCommittedPages,
            MmTotalCommitLimit, standIn, poolRoom);
    KT_ASSERT_LT(chunks->Count, PG_MAX_CHUNKS);
    KT_ASSERT_GE(chunks->Count, 1);
    KT_ASSERT_LE(MmTotalCommittedPages, MmTotalCommitLimit);
    KT_ASSERT_GT(MmTotalCommittedPages + chunkPages + chunkPages / PTE_PER_PAGE + 2,
                 MmTotalCommitLimit);          /* a chunk, and the page tables it may need */
    if (MmTotalCommitLimit - baseline >= PG_128_MIB + 2 * chunkPages)
        KT_ASSERT_GE(chunks->Count * chunkPages, PG_128_MIB);  /* paged pool is sized for it */
    committed = MmTotalCommittedPages;
    KT_ASSERT(ExAllocatePoolWithTag(PagedPool, (size_t)chunkPages * PAGE_SIZE, PG_TAG) == NULL);
    KT_ASSERT_EQ(committed, MmTotalCommittedPages);

    ExFreePoolWithTag(chunks->Chunk[--chunks->Count], PG_TAG);
    KT_ASSERT_EQ(committed - chunkPages, MmTotalCommittedPages);
    more = KtAllocatePool(PagedPool, (size_t)chunkPages * PAGE_SIZE, PG_TAG);
    PageAt(more, chunkPages - 1)[0] = 1;
    KtFreePool(more);
    KtRelease(FreeChunks, chunks);
    KT_ASSERT_EQ(baseline, CommittedForPool());
}

/*
 * Paged pool three times the size of RAM, every word of every page written with its
 * pattern, then read back in order, then in seeded random orders from several threads at
 * once: no word may differ, and the counters must show each path was taken (demand-zero,
 * soft and hard faults, clustered paging-file writes and reads). Freeing it all gives back
 * the commitment and the slots. Skipped where the paging file or paged pool is too small to
 * hold three times RAM.
 */
KTEST(TestThreeTimesRam, "mm.paging.three_times_ram")
{
    static PG_READER readers[PG_READERS];
    PG_CHUNKS *chunks = &PgChunks;
    KTHREAD *threads[PG_READERS];
    const uint32_t chunkCount = 3 * MmNumberOfPhysicalPages / PG_CHUNK_PAGES + 1;
    const uint32_t pages = chunkCount * PG_CHUNK_PAGES;
    MMINFO_COUNTERS before = MmInfoCounters;
    uint32_t committed = CommittedForPool(), bad = 0, usage;
    int64_t pause = KI_MILLISECONDS(20);

    RequirePagingFile();
    if (chunkCount > PG_MAX_CHUNKS ||
        pages + pages / PTE_PER_PAGE + 2 > MmTotalCommitLimit - MmTotalCommittedPages ||
        pages > PagedPoolPagesLeft())
        KtSkip("3 x RAM (%u pages) is more than the commit limit (%u pages left) or paged "
               "pool (%u pages left) can hold", pages,
               MmTotalCommitLimit - MmTotalCommittedPages, PagedPoolPagesLeft());
    usage = PagingFileUsage();
    KtDefer(FreeChunks, chunks);
    for (uint32_t c = 0; c < chunkCount; c++) {
        chunks->Chunk[c] = ExAllocatePoolWithTag(PagedPool, PG_CHUNK_PAGES * PAGE_SIZE, PG_TAG);
        KT_ASSERT(chunks->Chunk[c] != NULL);
        chunks->Count++;
    }
    KT_ASSERT_EQ(committed + pages, CommittedForPool());

    for (uint32_t page = 0; page < pages; page++)
        FillPage(PageAt(chunks->Chunk[page / PG_CHUNK_PAGES], page % PG_CHUNK_PAGES), page);
    for (uint32_t page = 0; page < pages; page++)
        bad += CheckPage(PageAt(chunks->Chunk[page / PG_CHUNK_PAGES], page % PG_CHUNK_PAGES),
                         page);
    KT_ASSERT_EQ(0, bad);

    /* The readers each take one chunk's worth of random pages from every chunk in turn. */
    for (uint32_t r = 0; r < PG_READERS; r++) {
        readers[r] = (PG_READER){ .Pages = PG_CHUNK_PAGES, .Reads = PG_CHUNK_PAGES / 2,
                                  .Seed = 0x1234567u * (r + 1) };
    }
    for (uint32_t c = 0; c < chunkCount; c++) {
        for (uint32_t r = 0; r < PG_READERS; r++) {
            uint32_t chunk = (c + r * chunkCount / PG_READERS) % chunkCount;

            readers[r].Base = chunks->Chunk[chunk];
            readers[r].FirstPage = chunk * PG_CHUNK_PAGES;
            threads[r] = StartReader(&readers[r], KI_DEFAULT_PRIORITY);
        }
        for (uint32_t r = 0; r < PG_READERS; r++) {
            JoinReader(threads[r]);
            bad += readers[r].Bad;
        }
    }
    KtPrint("%u pages (RAM %u): %u demand zero, %u soft, %u read in %u reads, "
            "%u written in %u writes, %u collided", pages, MmNumberOfPhysicalPages,
            MmInfoCounters.DemandZeroCount - before.DemandZeroCount,
            MmInfoCounters.TransitionCount - before.TransitionCount,
            MmInfoCounters.PageReadCount - before.PageReadCount,
            MmInfoCounters.PageReadIoCount - before.PageReadIoCount,
            MmInfoCounters.DirtyPagesWriteCount - before.DirtyPagesWriteCount,
            MmInfoCounters.DirtyWriteIoCount - before.DirtyWriteIoCount,
            MmInfoCounters.CollidedFaultCount - before.CollidedFaultCount);
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++) {
        KtPrint("paging file %u: peak usage %u pages, %u bad slots, %u failed writes", i,
                MmPagingFile[i]->PeakUsage, MmPagingFile[i]->BadSlots,
                MmInfoCounters.WriteErrorCount);
    }
    KT_ASSERT_EQ(0, bad);
    KT_ASSERT_GE(MmInfoCounters.DemandZeroCount - before.DemandZeroCount, pages);
    KT_ASSERT_GT(MmInfoCounters.TransitionCount - before.TransitionCount, 0);
    KT_ASSERT_GE(MmInfoCounters.DirtyPagesWriteCount - before.DirtyPagesWriteCount,
                 pages - MmNumberOfPhysicalPages);
    KT_ASSERT_LT(MmInfoCounters.DirtyWriteIoCount - before.DirtyWriteIoCount,
                 (MmInfoCounters.DirtyPagesWriteCount - before.DirtyPagesWriteCount) / 4);
    KT_ASSERT_GE(MmInfoCounters.PageReadCount - before.PageReadCount,
                 pages - MmNumberOfPhysicalPages);
    KT_ASSERT_LT(MmInfoCounters.PageReadIoCount - before.PageReadIoCount,
                 MmInfoCounters.PageReadCount - before.PageReadCount);

    KtRelease(FreeChunks, chunks);
    KeDelayExecutionThread(KernelMode, false, &pause);     /* the readers' stacks go back */
    KT_ASSERT_EQ(committed, CommittedForPool());
    /* Only the other paged pool still in use may have come to hold slots meanwhile; bad
     * slots (a write failed there) stay taken for good. */
    KT_ASSERT_LE(PagingFileUsage(), usage + MmPagedPoolInfo.AllocatedPagedPool);
}

/*
 * The balance set manager runs the working-set manager once a second, and at once when
 * available memory falls below MmPlentyFreePages: this takes available pages (free, zeroed,
 * then standby, as any consumer of physical memory would) until it does, and within a few
 * ticks the system working set is trimmed, long before the next periodic run could be due.
 */
KTEST(TestBalanceSetWakes, "mm.paging.balance_set")
{
    void *p = KtAllocatePool(PagedPool, PG_BALANCE_PAGES * PAGE_SIZE, PG_TAG);
    uint32_t trimmed, lastTrim, available, held;
    int64_t pause = KI_MILLISECONDS(50);
    KIRQL oldIrql;

    for (uint32_t page = 0; page < PG_BALANCE_PAGES; page++)
        PageAt(p, page)[0] = page;
    _ReadWriteBarrier();
    trimmed = MmSystemCacheWs.TrimmedPages;
    lastTrim = MmSystemCacheWs.LastTrimTime;

    KtDefer(KtReleaseHeldPages, NULL);
    LOCK_PFN(oldIrql);
    held = KtHoldAvailablePages(MmPlentyFreePages - 10);
    available = MmAvailablePages;
    UNLOCK_PFN(oldIrql);
    /* The working-set manager runs as soon as the lock is released (it runs above this
     * thread) and trims back up to MmPlentyFreePages: what was taken is seen under the lock. */
    KT_ASSERT_LT(available, MmPlentyFreePages);
    KeDelayExecutionThread(KernelMode, false, &pause);
    KtPrint("held %u pages; trimmed %u pages, at tick %u (now %u)", held,
            MmSystemCacheWs.TrimmedPages - trimmed, MmSystemCacheWs.LastTrimTime, KeTickCount);
    KT_ASSERT_NE(lastTrim, MmSystemCacheWs.LastTrimTime);
    KT_ASSERT_GT(MmSystemCacheWs.TrimmedPages - trimmed, 0);

    KtRelease(KtReleaseHeldPages, NULL);
    for (uint32_t page = 0; page < PG_BALANCE_PAGES; page++)
        KT_ASSERT_EQ(page, ReadWord(p, page, 0));
}

/* MmCreatePagingFile refuses what NtCreatePagingFile refuses, with its statuses, before
 * touching the disk. (tests/paging.t makes paging files with pagefile=, up to the sixteenth.) */
KTEST(TestCreatePagingFileChecks, "mm.paging.create_checks")
{
    const MMPAGING_FILE *first;
    uint32_t count = MmNumberOfPagingFiles, limit = MmTotalCommitLimit;

    RequirePagingFile();
    first = MmPagingFile[0];
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER_2, MmCreatePagingFile(first->Disk, 8, 255));
    KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER_3, MmCreatePagingFile(first->Disk, 8, 0x100000));
    KT_ASSERT_STATUS(STATUS_NO_SUCH_DEVICE, MmCreatePagingFile(IoDiskCount(), 8, 256));
    KT_ASSERT_STATUS(STATUS_DISK_FULL,
                     MmCreatePagingFile(first->Disk, IoDiskSectors(first->Disk) - 8 * 255, 256));
    KT_ASSERT_STATUS(STATUS_CONFLICTING_ADDRESSES,
                     MmCreatePagingFile(first->Disk, first->StartingLba + 8, 256));
    KT_ASSERT_STATUS(STATUS_CONFLICTING_ADDRESSES,
                     MmCreatePagingFile(first->Disk, first->StartingLba - 8 * 255, 256));
    if (IoDiskLayout(first->Disk)->TableStatus == STATUS_SUCCESS)    /* the MBR is no paging file */
        KT_ASSERT_STATUS(STATUS_INVALID_PARAMETER_1, MmCreatePagingFile(first->Disk, 0, 256));
    KT_ASSERT_EQ(count, MmNumberOfPagingFiles);
    KT_ASSERT_EQ(limit, MmTotalCommitLimit);

    /* The file itself: NT's fields, slot 0 never used, its slots in the commit limit. */
    KT_ASSERT_EQ(first->Size, first->MaximumSize);
    KT_ASSERT_EQ(first->Size, first->MinimumSize);
    KT_ASSERT(RtlCheckBit(&first->Bitmap, 0));
    KT_ASSERT_EQ(first->Size, first->FreeSpace + first->CurrentUsage);
    KT_ASSERT_LE(first->CurrentUsage, first->PeakUsage);
    KT_ASSERT_GE(MmTotalCommitLimit, first->Size - first->BadSlots - 1);
}
