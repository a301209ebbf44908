/*
 * tests/kernel/section.c: sections from inside the kernel, where what they hold can be
 * counted. mm.section.paging runs user/tests/section.exe's paging scenario (a section larger
 * than memory, shared by two processes, written, trimmed and verified word by word) and then
 * checks that everything it held came back: no segment but the known DLLs' (permanent image
 * sections), no prototype page in memory once the standby list is purged (the images' pages
 * the program used are clean copies of their files), no shared commitment, the commitment as it was, and every paging-file slot in use still held
 * by something that exists (a paged pool PTE, a page's copy, or a bad slot).
 *
 * It needs a paging file and the program (tools/boot --exe build/user/section.exe);
 * tests/sectionpaging.t gives it both. Without either it skips.
 */
#include "kernel/kd/ktest.h"
#include "kernel/ps/ps.h"
#include "mm/mi.h"

#define SECTION_PROGRAM         "section.exe"
#define SECTION_EXTRA_MB        8       /* the section is this much larger than memory */
#define SECTION_SETTLE_MS       10000
#define SECTION_POLL_MS         50

/* Slots referenced by what exists: paged pool PTEs in the paging file, pages with a copy
 * there (the PFN's OriginalPte), slots gone bad, and each file's slot 0 (never used). No user
 * process must be running. */
static uint32_t CountReferencedSlots(void)
{
    uint32_t slots = 0;
    KIRQL oldIrql;

    LOCK_PFN(oldIrql);
    for (MMPTE *pte = MmPagedPoolInfo.FirstPteForPagedPool;
         pte <= MmPagedPoolInfo.LastPteForPagedPool; pte++) {
        if (!MmIsAddressValid(pte)) {
            pte = (MMPTE *)PAGE_ALIGN(pte) + PTE_PER_PAGE - 1;
            continue;
        }
        slots += !pte->u.Hard.Valid && !pte->u.Soft.Prototype && !pte->u.Soft.Transition &&
                 pte->u.Soft.PageFileHigh != 0;
    }
    for (uint32_t frame = MmLowestPhysicalPage; frame <= MmHighestPhysicalPage; frame++) {
        const MMPFN *pfn = MI_PFN_ELEMENT(frame);
        MMPTE original = pfn->OriginalPte;

        if (pfn->u3.e1.PageLocation < StandbyPageList || pfn->u3.e1.PageLocation == BadPageList)
            continue;
        slots += !original.u.Soft.Prototype && !original.u.Soft.Transition &&
                 original.u.Soft.PageFileHigh != 0;
    }
    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++)
        slots += MmPagingFile[i]->BadSlots + 1;
    UNLOCK_PFN(oldIrql);
    return slots;
}

static uint32_t SlotsInUse(void)
{
    uint32_t usage = 0;

    for (uint32_t i = 0; i < MmNumberOfPagingFiles; i++)
        usage += MmPagingFile[i]->CurrentUsage;
    return usage;
}

/* The commitment, less paged pool's page tables (made once and kept, with their charge). */
static uint32_t Committed(void)
{
    return MmTotalCommittedPages - MmPagedPoolInfo.PageTablePages;
}

/* Run CommandLine's program to its end; its exit status. */
static NTSTATUS RunProgram(const char *CommandLine)
{
    EPROCESS *process;
    ETHREAD *thread;
    NTSTATUS status = PspCreateProcess(SECTION_PROGRAM, CommandLine, NULL, &process, &thread);

    KT_ASSERT_EQ(STATUS_SUCCESS, status);
    PsStartThread(thread);
    ObDereferenceObject(thread);
    KeWaitForSingleObject(&process->Pcb, Executive, KernelMode, false, NULL);
    status = process->ExitStatus;
    ObDereferenceObject(process);
    return status;
}

KTEST(TestSectionPaging, "mm.section.paging")
{
    uint32_t megabytes = MmNumberOfPhysicalPages / 256 + SECTION_EXTRA_MB;
    uint32_t committed = Committed(), written = MmInfoCounters.DirtyPagesWriteCount;
    uint32_t read = MmInfoCounters.PageReadCount, waited = 0;
    uint32_t segments = MiSegmentCount;     /* the known DLLs' image sections, for good */
    char commandLine[64];

    if (MmNumberOfPagingFiles == 0)
        KtSkip("no paging file");
    if (!MmFindLoaderModule(SECTION_PROGRAM))
        KtSkip("no module " SECTION_PROGRAM);
    KT_ASSERT_EQ(segments, MiSegmentCount);
    KT_ASSERT_EQ(SlotsInUse(), CountReferencedSlots());
    RtlStringPrintf(commandLine, sizeof(commandLine), SECTION_PROGRAM " paging %u", megabytes);
    KtPrint("%s, %u MB of memory", commandLine, MmNumberOfPhysicalPages / 256);
    KT_ASSERT_EQ(STATUS_SUCCESS, RunProgram(commandLine));
    KtPrint("%u pages written to the paging file, %u read back",
            MmInfoCounters.DirtyPagesWriteCount - written, MmInfoCounters.PageReadCount - read);
    KT_ASSERT_LE(megabytes * 256 - MmNumberOfPhysicalPages,
                 MmInfoCounters.DirtyPagesWriteCount - written);
    KT_ASSERT_LE(megabytes * 256 - MmNumberOfPhysicalPages, MmInfoCounters.PageReadCount - read);
    /* The section went with its last view (the process's exit), before the process ended. */
    while (MiSegmentCount != segments && waited < SECTION_SETTLE_MS) {
        int64_t pause = KI_MILLISECONDS(SECTION_POLL_MS);

        KeDelayExecutionThread(KernelMode, false, &pause);
        waited += SECTION_POLL_MS;
    }
    KT_ASSERT_EQ(segments, MiSegmentCount);
    KT_ASSERT_EQ(0, MmSharedCommit);
    /* The images' pages the program used are clean, on the standby list: they go too. */
    MmPurgeStandbyList();
    KT_ASSERT_EQ(0, MmCountPrototypePages());
    KT_ASSERT_EQ(committed, Committed());
    KT_ASSERT_EQ(SlotsInUse(), CountReferencedSlots());
}
