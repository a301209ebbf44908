/*
 * userpaging.exe: processes paged out and back. PROCESSES copies of this program (default 4)
 * each commit as much memory as the machine has and walk it three times at once: write a
 * pattern that differs per process, page and word; read it back and write the next pass's;
 * read that back. Together they need several times the RAM, so on a machine with a paging
 * file their working sets are trimmed, their pages written out and faulted back in:
 *
 *   - every word reads back what was written: 0 bad words (each child's exit status);
 *   - each child faulted more often than it has pages (each page's first touch is one fault,
 *     and a page trimmed and touched again is another), and its working set never held all
 *     of its pages at once (VM_COUNTERS, read from the parent after it ended);
 *   - the system read pages back from the paging file and wrote them to it
 *     (SYSTEM_PERFORMANCE_INFORMATION's PageReadCount and DirtyPagesWriteCount grew);
 *   - once they have ended, the commitment and the pool bytes per tag are what they were
 *     before (snapshot.h).
 *
 *   userpaging.exe [PROCESSES [MB]]     (MB: default the machine's memory)
 *   userpaging.exe child SEED MB        one walker
 */
#include <ntdll.h>
#include <stdlib.h>
#include "ktap.h"
#include "snapshot.h"

#define DEFAULT_PROCESSES   4
#define MAXIMUM_PROCESSES   8
#define PAGE                4096u
#define PAGE_WORDS          (PAGE / sizeof(ULONG))
#define CHILD_TIMEOUT_MS    1800000
#define EXIT_NO_MEMORY      0xE0000001u
#define PARENT_MINIMUM_PAGES 512

static ULONG Processes = DEFAULT_PROCESSES, Megabytes;

static ULONG Pattern(ULONG Seed, ULONG Page, ULONG Word, ULONG Pass)
{
    return (Seed << 28) ^ (Page * 2654435761u) ^ (Word * 40503u) ^ (Pass * 0x9E3779B9u);
}

/* One walker: its memory written, checked and rewritten; the exit status is the bad words. */
static int Child(ULONG Seed, ULONG Megabytes)
{
    ULONG pages = Megabytes * 256, bad = 0;
    volatile ULONG *memory = VirtualAlloc(NULL, (SIZE_T)pages * PAGE, MEM_RESERVE | MEM_COMMIT,
                                          PAGE_READWRITE);

    if (!memory)
        return (int)EXIT_NO_MEMORY;
    for (ULONG page = 0; page < pages; page++)
        for (ULONG word = 0; word < PAGE_WORDS; word++)
            memory[page * PAGE_WORDS + word] = Pattern(Seed, page, word, 0);
    for (ULONG pass = 1; pass <= 2; pass++) {
        for (ULONG page = 0; page < pages; page++) {
            for (ULONG word = 0; word < PAGE_WORDS; word++) {
                volatile ULONG *at = &memory[page * PAGE_WORDS + word];

                bad += *at != Pattern(Seed, page, word, pass - 1);
                if (pass == 1)
                    *at = Pattern(Seed, page, word, pass);
            }
        }
    }
    return (int)bad;
}

static void TestPaging(void)
{
    SYSTEM_PERFORMANCE_INFORMATION before, after;
    HANDLE children[MAXIMUM_PROCESSES];
    ULONG started = 0, pages = Megabytes * 256;
    char commandLine[64];

    /* This process's own pages stay resident (a working set is not trimmed below its
     * minimum), so what the counts compare is what the children took. */
    KT_EXPECT(SetProcessWorkingSetSize(GetCurrentProcess(), PARENT_MINIMUM_PAGES * PAGE,
                                       2 * PARENT_MINIMUM_PAGES * PAGE));
    SnapshotWarmUp("userpaging.exe child 0 0");  /* (no memory: it ends at once) */
    SnapshotBegin();
    KT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &before, sizeof(before),
                                       NULL), STATUS_SUCCESS);
    printf("# %lu processes of %lu MB each, %lu pages available, commit limit %lu pages\n",
           Processes, Megabytes, before.AvailablePages, before.CommitLimit);
    for (ULONG i = 0; i < Processes; i++) {
        PROCESS_INFORMATION info;

        snprintf(commandLine, sizeof(commandLine), "userpaging.exe child %lu %lu", i + 1,
                 Megabytes);
        if (!CreateProcessA(NULL, commandLine, NULL, NULL, FALSE, 0, NULL, NULL, NULL, &info))
            break;
        CloseHandle(info.hThread);
        children[started++] = info.hProcess;
    }
    KT_EQ(started, Processes);
    for (ULONG i = 0; i < started; i++) {
        VM_COUNTERS vm;
        DWORD code = 0xFFFFFFFF;

        KT_EQ(WaitForSingleObject(children[i], CHILD_TIMEOUT_MS), WAIT_OBJECT_0);
        KT_EXPECT(GetExitCodeProcess(children[i], &code));
        KT_STATUS(NtQueryInformationProcess(children[i], ProcessVmCounters, &vm, sizeof(vm),
                                            NULL), STATUS_SUCCESS);
        printf("# child %lu: exit %lu (bad words), %lu faults for %lu pages, peak working set "
               "%lu KB\n", i + 1, code, vm.PageFaultCount, pages, vm.PeakWorkingSetSize / 1024);
        KT_EQ(code, 0);
        KT_EXPECT(vm.PageFaultCount > pages);           /* trimmed and faulted back */
        KT_EXPECT(vm.PeakWorkingSetSize < (SIZE_T)pages * PAGE);
        CloseHandle(children[i]);
    }
    KT_STATUS(NtQuerySystemInformation(SystemPerformanceInformation, &after, sizeof(after),
                                       NULL), STATUS_SUCCESS);
    printf("# paging file: %lu pages written in %lu writes, %lu read in %lu reads\n",
           after.DirtyPagesWriteCount - before.DirtyPagesWriteCount,
           after.DirtyWriteIoCount - before.DirtyWriteIoCount,
           after.PageReadCount - before.PageReadCount,
           after.PageReadIoCount - before.PageReadIoCount);
    KT_EXPECT(after.DirtyPagesWriteCount - before.DirtyPagesWriteCount >= pages);
    KT_EXPECT(after.PageReadCount - before.PageReadCount >= pages);
}

/*
 * The processes ended gave back their commitment and their pool. (Pages and paging-file slots
 * are not compared here: under this pressure pageable memory that lives on, paged pool and
 * this process's own, may have been written out and keep its slots, as NT's does;
 * teardown.exe compares them where nothing is short.)
 */
static void TestGivenBack(void)
{
    SnapshotSettle(FALSE);
    for (ULONG i = 0; i < After.PagingFiles; i++)
        printf("# paging file %lu: %lu -> %lu pages in use, peak %lu; available %lu -> %lu\n",
               i, Before.PagingFileInUse[i], After.PagingFileInUse[i], After.PagingFilePeak[i],
               Before.AvailablePages, After.AvailablePages);
    SnapshotCheck(FALSE);
}

static const KTAP_CASE Cases[] = {
    { "userpaging.processes", TestPaging },
    { "userpaging.given_back", TestGivenBack },
};

int main(int argc, char **argv)
{
    SYSTEM_BASIC_INFORMATION basic;

    if (argc == 4 && strcmp(argv[1], "child") == 0)
        return Child(strtoul(argv[2], NULL, 0), strtoul(argv[3], NULL, 0));
    if (NT_SUCCESS(NtQuerySystemInformation(SystemBasicInformation, &basic, sizeof(basic), NULL)))
        Megabytes = (basic.NumberOfPhysicalPages + 255) / 256;
    if (argc > 1)
        Processes = strtoul(argv[1], NULL, 0);
    if (argc > 2)
        Megabytes = strtoul(argv[2], NULL, 0);
    if (Processes < 1 || Processes > MAXIMUM_PROCESSES || Megabytes < 1)
        return 2;
    return KtapRun(Cases, (int)(sizeof(Cases) / sizeof(Cases[0])));
}
