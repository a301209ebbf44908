/*
 * kernel/kdmm.c: the kd> commands that look at the memory manager:
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
 *   !vm         page lists, commitment, the system working set, paging files and the fault
 *               counters.
 *   !empty ws|modified|standby|all
 *               empty memory as RAMMap does: the system working set to the lists, modified
 *               pages to the paging files, standby pages back to their slots.
 */
#include "kernel/ki.h"
#include "kernel/kd.h"
#include "mm/mi.h"

#define KD_PTE_LINES 5

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

/* The lines under "contains" for one entry, into Lines[0..KD_PTE_LINES); returns how many. */
static uint32_t KdDescribePte(MMPTE Pte, char (*Lines)[40])
{
    if (Pte.u.Hard.Valid) {
        char flags[12];

        KdHardwareFlags(flags, Pte.u.Long);
        RtlStringPrintf(Lines[0], 40, "pfn %-5x  %s", Pte.u.Hard.PageFrameNumber, flags);
        return 1;
    }
    RtlCopyString(Lines[0], "not valid", 40);
    if (Pte.u.Long == 0)
        return 1;
    if (Pte.u.Soft.Prototype) {
        RtlStringPrintf(Lines[1], 40, " Proto: %s", Pte.u.Soft.PageFileHigh == MI_PTE_LOOKUP_NEEDED
                                                        ? "VAD" : "encoded address");
        return 2;
    }
    if (Pte.u.Soft.Transition) {
        RtlStringPrintf(Lines[1], 40, " Transition: %x", Pte.u.Trans.PageFrameNumber);
        KdProtection(Lines[2], 40, Pte.u.Trans.Protection);
        return 3;
    }
    if (Pte.u.Soft.PageFileHigh == 0) {
        RtlCopyString(Lines[1], " DemandZero", 40);
        KdProtection(Lines[2], 40, Pte.u.Soft.Protection);
        return 3;
    }
    RtlStringPrintf(Lines[1], 40, " PageFile: %2u", Pte.u.Soft.PageFileLow);
    RtlStringPrintf(Lines[2], 40, " Offset: %x", Pte.u.Soft.PageFileHigh);
    KdProtection(Lines[3], 40, Pte.u.Soft.Protection);
    return 4;
}

void KdCommandPte(int Argc, char **Argv)
{
    char left[KD_PTE_LINES + 2][40], right[KD_PTE_LINES + 2][40];
    uint32_t va, pdeValue, pteValue, leftCount, rightCount = 0;
    MMPTE *pde, *pte;

    if (Argc != 2) {
        DbgPrint("usage: !pte <address>\n");
        return;
    }
    if (!KdEvaluateWord(Argv[1], &va))
        return;
    pde = MiGetPdeAddress(va);
    pte = MiGetPteAddress(va);
    KeProbeRead32(pde, &pdeValue);
    RtlStringPrintf(left[0], 40, "PDE at %08X", (uint32_t)(uintptr_t)pde);
    RtlStringPrintf(left[1], 40, "contains %08X", pdeValue);
    leftCount = 2 + KdDescribePte((MMPTE){ .u.Long = pdeValue }, &left[2]);
    if ((pdeValue & MM_PTE_VALID_MASK) && !(pdeValue & MM_PTE_LARGE_PAGE_MASK) &&
        NT_SUCCESS(KeProbeRead32(pte, &pteValue))) {
        RtlStringPrintf(right[0], 40, "PTE at %08X", (uint32_t)(uintptr_t)pte);
        RtlStringPrintf(right[1], 40, "contains %08X", pteValue);
        rightCount = 2 + KdDescribePte((MMPTE){ .u.Long = pteValue }, &right[2]);
    }
    DbgPrint("%28s %08x\n", "VA", va);
    for (uint32_t i = 0; i < MAX(leftCount, rightCount); i++)
        DbgPrint("%-27s%s\n", i < leftCount ? left[i] : "", i < rightCount ? right[i] : "");
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
    DbgPrint("Commitment:        %u of %u pages (peak %u)\n", MmTotalCommittedPages,
             MmTotalCommitLimit, MmPeakCommitment);
    DbgPrint("System working set: %u pages (peak %u, minimum %u, maximum %u), %u trimmed\n",
             MmSystemCacheWs.WorkingSetSize, MmSystemCacheWs.PeakWorkingSetSize,
             MmSystemCacheWs.MinimumWorkingSetSize, MmSystemCacheWs.MaximumWorkingSetSize,
             MmSystemCacheWs.TrimmedPages);
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++) {
        const MMPAGING_FILE *f = MmPagingFile[i];

        DbgPrint("Paging file %u:     disk %u from LBA %llu, %u pages, %u free, %u in use "
                 "(peak %u), %u bad\n", i, f->Disk, (unsigned long long)f->StartingLba, f->Size,
                 f->FreeSpace, f->CurrentUsage, f->PeakUsage, f->BadSlots);
    }
    DbgPrint("Faults: %u (demand zero %u, transition %u, collided %u, waits for pages %u)\n",
             MmInfoCounters.PageFaultCount, MmInfoCounters.DemandZeroCount,
             MmInfoCounters.TransitionCount, MmInfoCounters.CollidedFaultCount,
             MmInfoCounters.PageWaitCount);
    DbgPrint("Paging I/O: %u pages read in %u reads, %u pages written in %u writes, "
             "%u failed writes\n", MmInfoCounters.PageReadCount, MmInfoCounters.PageReadIoCount,
             MmInfoCounters.DirtyPagesWriteCount, MmInfoCounters.DirtyWriteIoCount,
             MmInfoCounters.WriteErrorCount);
}

void KdCommandEmpty(int Argc, char **Argv)
{
    bool all = Argc == 2 && strcmp(Argv[1], "all") == 0;
    bool known = all;

    if (Argc == 2 && (all || strcmp(Argv[1], "ws") == 0)) {
        DbgPrint("%u pages left the system working set\n", MmEmptySystemWorkingSet());
        known = true;
    }
    if (Argc == 2 && (all || strcmp(Argv[1], "modified") == 0)) {
        DbgPrint("modified pages written; %u could not be\n", MmEmptyModifiedPageList());
        known = true;
    }
    if (Argc == 2 && (all || strcmp(Argv[1], "standby") == 0)) {
        DbgPrint("%u standby pages went back to their paging-file slots\n", MmPurgeStandbyList());
        known = true;
    }
    if (!known)
        DbgPrint("usage: !empty ws|modified|standby|all\n");
}
