/*
 * kernel/kd/kdmm.c: the kd> commands that look at the memory manager:
 *
 *   !pte ADDR   the PDE and PTE that map ADDR, read through the self-map, decoded as NT's !pte
 *               decodes them (the same format as the gdb helper tools/gdb/mm386.py):
 *
 *                                VA e1000000
 *               PDE at C0300E10            PTE at C0384000
 *               contains 0012A063          contains 00000080
 *               pfn 12a    ---DA--KWEV     not valid
 *                                           DemandZero
 *                                           Protect: 4 - ReadWrite
 *
 *   !pte START END   the same for each page from START to END (at most KD_PTE_RANGE_PAGES).
 *   !vm         page lists, commitment, the system working set, paging files and the fault
 *               counters, which add up (every fault that returned counted once, mm/mi.h),
 *               then each process's working set, commit and faults.
 *   !empty ws|modified|standby|all
 *               empty memory as RAMMap does: the system working set to the lists, modified
 *               pages to the paging files, standby pages back to their slots; each says what
 *               it moved (the lists' totals before and after, the pages written).
 */
#include "kernel/kd/kd.h"
#include "kernel/cc/cc.h"
#include "mm/mi.h"

#define KD_PTE_RANGE_PAGES  1024        /* !pte start end: the most pages one command shows */

static const char *const KdProtectionNames[8] = {
    "NO_ACCESS", "ReadOnly", "Execute", "ExecuteRead", "ReadWrite", "WriteCopy",
    "ExecuteReadWrite", "ExecuteWriteCopy",
};

static void KdProtection(char *Line, size_t Size, uint32_t Protection)
{
    static const char *const modifiers[4] = { "", "NOCACHE ", "GUARD ", "WRITECOMBINE " };
    uint32_t low = Protection & 7, high = Protection >> 3;

    if (low == 0)
        RtlStringPrintf(Line, Size, " Protect: %x - %s", Protection,
                        high == 2 ? "Decommitted" : "NO_ACCESS");
    else
        RtlStringPrintf(Line, Size, " Protect: %x - %s%s", Protection, modifiers[high],
                        KdProtectionNames[low]);
}

/* WinDbg's flag letters: CopyOnWrite Global Large Dirty Accessed NoCache WriteThrough
 * Kernel/User Writable Executable Valid. */
static void KdHardwareFlags(char *Flags, uint32_t Pte)
{
    static const struct { uint32_t Mask; char Set, Clear; } bits[] = {
        { MM_PTE_COPY_ON_WRITE_MASK, 'C', '-' }, { MM_PTE_GLOBAL_MASK, 'G', '-' },
        { MM_PTE_LARGE_PAGE_MASK, 'L', '-' }, { MM_PTE_DIRTY_MASK, 'D', '-' },
        { MM_PTE_ACCESS_MASK, 'A', '-' }, { MM_PTE_CACHE_DISABLE_MASK, 'N', '-' },
        { MM_PTE_WRITE_THROUGH_MASK, 'T', '-' }, { MM_PTE_OWNER_MASK, 'U', 'K' },
        { MM_PTE_WRITE_MASK, 'W', 'R' },
    };
    size_t i;

    for (i = 0; i < ARRAYSIZE(bits); i++)
        Flags[i] = (Pte & bits[i].Mask) ? bits[i].Set : bits[i].Clear;
    Flags[i++] = 'E';
    Flags[i++] = 'V';
    Flags[i] = '\0';
}

uint32_t KdDescribePte(uint32_t PteContents, char (*Lines)[KD_PTE_LINE_SIZE])
{
    MMPTE pte = { .u.Long = PteContents };

    if (pte.u.Hard.Valid) {
        char flags[12];

        KdHardwareFlags(flags, pte.u.Long);
        RtlStringPrintf(Lines[0], KD_PTE_LINE_SIZE, "pfn %-5x  %s", pte.u.Hard.PageFrameNumber, flags);
        return 1;
    }
    RtlCopyString(Lines[0], "not valid", KD_PTE_LINE_SIZE);
    if (pte.u.Long == 0)
        return 1;
    if (pte.u.Soft.Prototype && pte.u.Soft.PageFileHigh == MI_PTE_LOOKUP_NEEDED) {
        RtlCopyString(Lines[1], " Proto: VAD", KD_PTE_LINE_SIZE);
        KdProtection(Lines[2], KD_PTE_LINE_SIZE, pte.u.Soft.Protection);
        return 3;
    }
    if (pte.u.Soft.Prototype) {
        RtlStringPrintf(Lines[1], KD_PTE_LINE_SIZE, " Proto: %08X%s", (uint32_t)(uintptr_t)MiPteToProto(pte),
                        pte.u.Proto.ReadOnly ? " (read only)" : "");
        return 2;
    }
    if (pte.u.Soft.Transition) {
        RtlStringPrintf(Lines[1], KD_PTE_LINE_SIZE, " Transition: %x", pte.u.Trans.PageFrameNumber);
        KdProtection(Lines[2], KD_PTE_LINE_SIZE, pte.u.Trans.Protection);
        return 3;
    }
    if (pte.u.Soft.PageFileHigh == 0) {
        RtlCopyString(Lines[1], " DemandZero", KD_PTE_LINE_SIZE);
        KdProtection(Lines[2], KD_PTE_LINE_SIZE, pte.u.Soft.Protection);
        return 3;
    }
    RtlStringPrintf(Lines[1], KD_PTE_LINE_SIZE, " PageFile: %2u", pte.u.Soft.PageFileLow);
    RtlStringPrintf(Lines[2], KD_PTE_LINE_SIZE, " Offset: %x", pte.u.Soft.PageFileHigh);
    KdProtection(Lines[3], KD_PTE_LINE_SIZE, pte.u.Soft.Protection);
    return 4;
}

/* The PDE and PTE of one address, in two columns, as !pte prints them. */
static void KdDumpPte(uint32_t Va)
{
    char left[KD_PTE_LINES + 2][KD_PTE_LINE_SIZE], right[KD_PTE_LINES + 2][KD_PTE_LINE_SIZE];
    uint32_t pdeValue, pteValue, leftCount, rightCount = 0;
    MMPTE *pde = MiGetPdeAddress(Va), *pte = MiGetPteAddress(Va);

    KeProbeRead32(pde, &pdeValue);
    RtlStringPrintf(left[0], KD_PTE_LINE_SIZE, "PDE at %08X", (uint32_t)(uintptr_t)pde);
    RtlStringPrintf(left[1], KD_PTE_LINE_SIZE, "contains %08X", pdeValue);
    leftCount = 2 + KdDescribePte(pdeValue, &left[2]);
    if ((pdeValue & MM_PTE_VALID_MASK) && !(pdeValue & MM_PTE_LARGE_PAGE_MASK) &&
        NT_SUCCESS(KeProbeRead32(pte, &pteValue))) {
        RtlStringPrintf(right[0], KD_PTE_LINE_SIZE, "PTE at %08X", (uint32_t)(uintptr_t)pte);
        RtlStringPrintf(right[1], KD_PTE_LINE_SIZE, "contains %08X", pteValue);
        rightCount = 2 + KdDescribePte(pteValue, &right[2]);
    } else if ((pdeValue & MM_PTE_VALID_MASK) && (pdeValue & MM_PTE_LARGE_PAGE_MASK)) {
        RtlCopyString(right[0], "(a large page: no PTE)", KD_PTE_LINE_SIZE);
        rightCount = 1;
    }
    DbgPrint("%28s %08x\n", "VA", Va);
    for (uint32_t i = 0; i < MAX(leftCount, rightCount); i++)
        DbgPrint("%-27s%s\n", i < leftCount ? left[i] : "", i < rightCount ? right[i] : "");
}

/* !pte address, or !pte start end: each page of the range (start and end included), as
 * WinDbg does on x86 when the second argument is above the first. */
void KdCommandPte(int Argc, char **Argv)
{
    uint32_t start, end;

    if (Argc != 2 && Argc != 3) {
        DbgPrint("usage: !pte <address> [<end address>]\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &start))
        return;
    end = start;
    if (Argc == 3 && !KdEvaluateWord(Argv[2], &end))
        return;
    if (end < start) {
        DbgPrint("!pte: the end %08x is below the start %08x\n", end, start);
        return;
    }
    if ((end >> PAGE_SHIFT) - (start >> PAGE_SHIFT) >= KD_PTE_RANGE_PAGES) {
        DbgPrint("!pte: at most %u pages at a time\n", KD_PTE_RANGE_PAGES);
        return;
    }
    KdDumpPte(start);
    for (uint32_t va = (start & ~(PAGE_SIZE - 1)) + PAGE_SIZE;
         va != 0 && va <= (end & ~(PAGE_SIZE - 1)); va += PAGE_SIZE)
        KdDumpPte(va);
}

/* The fault counters, which add up: every fault that returned is counted once by how it ended
 * (mm/mi.h). */
static void KdPrintFaultCounters(void)
{
    const MMINFO_COUNTERS *c = &MmInfoCounters;

    DbgPrint("Faults:            %u = %u demand zero + %u transition + %u copy-on-write + %u hard "
             "+ %u collided\n", c->PageFaultCount, c->DemandZeroCount, c->TransitionCount,
             c->CopyOnWriteCount, c->HardFaultCount, c->CollidedFaultCount);
    DbgPrint("                   + %u retried + %u spurious + %u probe + %u failed\n",
             c->RetriedFaultCount, c->SpuriousFaultCount, c->ProbeFaultCount,
             c->FailedFaultCount);
    DbgPrint("                   (%u waited for free pages)\n", c->PageWaitCount);
    DbgPrint("Fault-around:      %u pages made valid beside transition faults\n",
             MiFaultAroundPages);
}

void KdCommandVm(int Argc, char **Argv)
{
    (void)Argc;
    (void)Argv;
    DbgPrint("Physical memory:   %u pages, %u available\n", MmNumberOfPhysicalPages, MmAvailablePages);
    DbgPrint("  zeroed %u, free %u, standby %u, modified %u, modified-no-write %u, bad %u\n",
             MmZeroedPageListHead.Total, MmFreePageListHead.Total, MmStandbyPageListHead.Total,
             MmModifiedPageListHead.Total, MmModifiedNoWritePageListHead.Total,
             MmBadPageListHead.Total);
    DbgPrint("Commitment:        %u of %u pages (peak %u)", MmTotalCommittedPages,
             MmTotalCommitLimit, MmPeakCommitment);
    DbgPrint(MiCommitLimitOwed ? ", %u more to leave the limit\n" : "\n", MiCommitLimitOwed);
    DbgPrint("Sections:          %u segments, %u pages in memory, %u pages of shared commitment\n",
             MiSegmentCount, MmCountPrototypePages(), MmSharedCommit);
    DbgPrint("Locked for I/O:    %u pages locked by MDLs, %d pages resident available\n",
             MmSystemLockPagesCount, MmResidentAvailablePages);
    DbgPrint("System working set: %u pages (peak %u, minimum %u, maximum %u), %u trimmed\n",
             MmSystemCacheWs.WorkingSetSize, MmSystemCacheWs.PeakWorkingSetSize,
             MmSystemCacheWs.MinimumWorkingSetSize, MmSystemCacheWs.MaximumWorkingSetSize,
             MmSystemCacheWs.TrimmedPages);
    DbgPrint("System cache:      %u pages resident in views, %u of %u view slots mapped, "
             "%u page tables\n", MmQueryResidentCachePages(), MiSystemCacheViewsMapped,
             MmSystemCacheViewSlots(), MiSystemCachePageTables);
    DbgPrint("Cache dirty pages: %u (threshold %u), lazy writer %u pages in %u writes\n",
             CcTotalDirtyPages, CcDirtyPageThreshold, CcStatistics.LazyWritePages,
             CcStatistics.LazyWriteIos);
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++) {
        const MMPAGING_FILE *f = MmPagingFile[i];

        if (f->FileName[0])
            DbgPrint("Paging file %u:     %s, disk %u in %u run%s", i, f->FileName, f->Disk,
                     f->RunCount, f->RunCount == 1 ? "" : "s");
        else
            DbgPrint("Paging file %u:     disk %u from LBA %llu", i, f->Disk,
                     (unsigned long long)f->StartingLba);
        DbgPrint(", %u pages, %u free, %u in use (peak %u), %u bad%s\n", f->Size, f->FreeSpace,
                 f->CurrentUsage, f->PeakUsage, f->BadSlots, f->Retired ? ", retired" : "");
    }
    KdPrintFaultCounters();
    DbgPrint("Paging I/O: %u pages read in %u reads (%u ahead of a sweep), %u pages written in "
             "%u writes, %u failed writes\n", MmInfoCounters.PageReadCount,
             MmInfoCounters.PageReadIoCount, MmInfoCounters.PageReadAheadIoCount,
             MmInfoCounters.DirtyPagesWriteCount, MmInfoCounters.DirtyWriteIoCount,
             MmInfoCounters.WriteErrorCount);
    KdPrintProcessVmLines();
}

/* What an emptying moved: the lists' totals and the paging writes, before and after. */
typedef struct _KD_EMPTY_SNAPSHOT {
    uint32_t Standby, Modified, Free, Written, Writes, WriteErrors;
} KD_EMPTY_SNAPSHOT;

static void KdTakeSnapshot(KD_EMPTY_SNAPSHOT *Snapshot)
{
    Snapshot->Standby = MmStandbyPageListHead.Total;
    Snapshot->Modified = MmModifiedPageListHead.Total;
    Snapshot->Free = MmFreePageListHead.Total + MmZeroedPageListHead.Total;
    Snapshot->Written = MmInfoCounters.DirtyPagesWriteCount;
    Snapshot->Writes = MmInfoCounters.DirtyWriteIoCount;
    Snapshot->WriteErrors = MmInfoCounters.WriteErrorCount;
}

static void KdEmptyWorkingSet(void)
{
    KD_EMPTY_SNAPSHOT before, after;
    uint32_t trimmed;

    KdTakeSnapshot(&before);
    trimmed = MmEmptySystemWorkingSet();
    KdTakeSnapshot(&after);
    DbgPrint("ws: %u pages left the system working set: standby list %u -> %u, modified list "
             "%u -> %u\n", trimmed, before.Standby, after.Standby, before.Modified,
             after.Modified);
}

static void KdEmptyModified(void)
{
    KD_EMPTY_SNAPSHOT before, after;
    uint32_t left;

    KdTakeSnapshot(&before);
    left = MmEmptyModifiedPageList();
    KdTakeSnapshot(&after);
    DbgPrint("modified: %u pages written in %u writes (%u failed), modified list %u -> %u, "
             "standby list %u -> %u; %u could not be written\n", after.Written - before.Written,
             after.Writes - before.Writes, after.WriteErrors - before.WriteErrors,
             before.Modified, after.Modified, before.Standby, after.Standby, left);
}

static void KdEmptyStandby(void)
{
    KD_EMPTY_SNAPSHOT before, after;
    uint32_t purged;

    KdTakeSnapshot(&before);
    purged = MmPurgeStandbyList();
    KdTakeSnapshot(&after);
    DbgPrint("standby: %u pages went back to their paging-file slots: standby list %u -> %u, "
             "free and zeroed %u -> %u\n", purged, before.Standby, after.Standby, before.Free,
             after.Free);
}

/* !empty ws|modified|standby|all, in that order for all. */
void KdCommandEmpty(int Argc, char **Argv)
{
    bool all = Argc == 2 && strcmp(Argv[1], "all") == 0;
    bool known = all;

    if (Argc == 2 && (all || strcmp(Argv[1], "ws") == 0)) {
        KdEmptyWorkingSet();
        known = true;
    }
    if (Argc == 2 && (all || strcmp(Argv[1], "modified") == 0)) {
        KdEmptyModified();
        known = true;
    }
    if (Argc == 2 && (all || strcmp(Argv[1], "standby") == 0)) {
        KdEmptyStandby();
        known = true;
    }
    if (!known)
        DbgPrint("usage: !empty ws|modified|standby|all\n");
}
